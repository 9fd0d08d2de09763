//! Steps 4-6 for consumers, fused into one pass over the arrays: adoption (Bass through
//! contacts), shopping (Poisson sessions, weighted platform and creator choice, conversion,
//! lognormal order values, subsidy within the budget) and lapse.
//!
//! When adopters have nothing to do this week (no sessions can happen and lapse is off) the
//! pass visits only the non-adopters, 64 at a time through the adopter bitset. Both paths
//! make the same draws in the same order, so they give identical results (tested).

use super::consumers::{Consumers, MASKS};
use super::creators::{Creator, Picker};
use super::rng::ModelRng;
use crate::scenario::{MAX_PLATFORMS, PlatformMask};
use rand::Rng;
use rand_distr::{Distribution, LogNormal, Poisson};

/// Choice of a live platform for a session, for one set of live platforms: cumulative
/// followers of the streaming creators of each.
#[derive(Debug, Clone, Copy, Default)]
pub struct MaskChoice {
    pub len: usize,
    pub platform: [u8; MAX_PLATFORMS],
    pub cumulative: [f64; MAX_PLATFORMS],
}

impl MaskChoice {
    #[inline]
    fn pick(&self, rng: &mut ModelRng) -> usize {
        let x = rng.random::<f64>() * self.cumulative[self.len - 1];
        let k = self.cumulative[..self.len]
            .iter()
            .position(|&c| x < c)
            .unwrap_or(self.len - 1);
        self.platform[k] as usize
    }
}

/// Everything the pass reads, fixed for the week.
pub struct PassInput<'a> {
    pub week: u16,
    /// Bits of the platforms whose live shopping is open in the country.
    pub live_mask: PlatformMask,
    /// Bass p and q.
    pub innovation: f64,
    pub imitation: f64,
    /// Per set of live platforms: 1 + deal_sensitivity × (largest discount among them).
    pub deal_adopt: &'a [f64],
    /// Per set of live platforms: how a session picks a platform.
    pub choice: &'a [MaskChoice],
    /// Per platform: streaming creators by followers, with their conversion factors.
    pub pickers: &'a [Picker],
    pub discount: [f64; MAX_PLATFORMS],
    pub commission: [f64; MAX_PLATFORMS],
    /// People per consumer agent.
    pub weight: f64,
    pub sessions: Option<Poisson<f64>>,
    pub order_value: LogNormal<f64>,
    pub lapse: f64,
    pub lapse_after: u16,
}

/// What the pass adds up, per platform (people and USD, weighted).
#[derive(Debug, Default)]
pub struct Flows {
    pub gmv: [f64; MAX_PLATFORMS],
    pub orders: [f64; MAX_PLATFORMS],
    pub subsidy: [f64; MAX_PLATFORMS],
    pub buyers: [f64; MAX_PLATFORMS],
}

/// One pass over a country's consumers. `budget` is the subsidy still available per platform;
/// `adopted` and `lapsed` receive the consumers that changed state (applied by the caller).
#[allow(clippy::too_many_arguments)]
pub fn run(
    input: &PassInput,
    cons: &mut Consumers,
    creators: &mut [Creator],
    rng: &mut ModelRng,
    budget: &mut [f64; MAX_PLATFORMS],
    flows: &mut Flows,
    adopted: &mut Vec<u32>,
    lapsed: &mut Vec<u32>,
    force_full: bool,
) {
    let n = cons.len();
    let well_mixed_share = cons.adopters as f64 / n as f64;
    let can_shop = input.sessions.is_some() && input.choice.iter().any(|c| c.len > 0);
    let adopters_act = can_shop || input.lapse > 0.0;
    let mut ctx = Ctx {
        input,
        creators,
        budget,
        flows,
        adopted,
        lapsed,
        well_mixed_share,
    };
    if adopters_act || force_full {
        for i in 0..n {
            // A consumer that adopts this week shops this week too.
            if cons.is_adopter(i) || ctx.try_adopt(cons, i, rng) {
                ctx.adopter(cons, i, rng);
            }
        }
    } else {
        // Sparse: adopters draw nothing this week, so visit only the non-adopters, with the
        // share of adopted contacts specialised for the network kind.
        match cons.network.take() {
            Some(g) => {
                let counts = std::mem::take(&mut cons.adopted_contacts);
                let share = |i: usize| {
                    let k = g.offsets[i + 1] - g.offsets[i];
                    if k == 0 {
                        0.0
                    } else {
                        f64::from(counts[i]) / f64::from(k)
                    }
                };
                sparse(input, cons, rng, ctx.adopted, share);
                cons.adopted_contacts = counts;
                cons.network = Some(g);
            }
            None => sparse(input, cons, rng, ctx.adopted, |_| well_mixed_share),
        }
    }
}

/// Step 4 for the non-adopters only, 64 consumers at a time through the adopter bitset; the
/// same draws in the same order as [`Ctx::try_adopt`] over everyone.
fn sparse(
    input: &PassInput,
    cons: &mut Consumers,
    rng: &mut ModelRng,
    adopted: &mut Vec<u32>,
    share: impl Fn(usize) -> f64,
) {
    let n = cons.len();
    let (platforms, affinity) = (&cons.platforms, &cons.affinity);
    let (p, q, live_mask, week) = (
        input.innovation,
        input.imitation,
        input.live_mask,
        input.week,
    );
    let deal = &input.deal_adopt[..MASKS];
    for (w, &word) in cons.adopter_bits.iter().enumerate() {
        let mut todo = !word;
        if w == n / 64 {
            todo &= (1u64 << (n % 64)) - 1;
        }
        while todo != 0 {
            let i = w * 64 + todo.trailing_zeros() as usize;
            todo &= todo - 1;
            let live = platforms[i] & live_mask;
            if live == 0 {
                continue;
            }
            let h = f64::from(affinity[i]) * (p + q * share(i)) * deal[live as usize];
            if rng.random::<f64>() < h {
                cons.last_active[i] = week;
                adopted.push(i as u32);
            }
        }
    }
}

struct Ctx<'a, 'b> {
    input: &'a PassInput<'b>,
    creators: &'a mut [Creator],
    budget: &'a mut [f64; MAX_PLATFORMS],
    flows: &'a mut Flows,
    adopted: &'a mut Vec<u32>,
    lapsed: &'a mut Vec<u32>,
    well_mixed_share: f64,
}

impl Ctx<'_, '_> {
    /// Step 4 for a consumer that is not an adopter: adopts with probability
    /// h = min(1, a × (p + q × A/K) × (1 + deal_sensitivity × d)).
    #[inline]
    fn try_adopt(&mut self, cons: &mut Consumers, i: usize, rng: &mut ModelRng) -> bool {
        let live = (cons.platforms[i] & self.input.live_mask) as usize;
        if live == 0 {
            return false;
        }
        let a = f64::from(cons.affinity[i]);
        let share = cons.adopted_share(i, self.well_mixed_share);
        let h = a
            * (self.input.innovation + self.input.imitation * share)
            * self.input.deal_adopt[live];
        if rng.random::<f64>() < h {
            cons.last_active[i] = self.input.week;
            self.adopted.push(i as u32);
            true
        } else {
            false
        }
    }

    /// Steps 5-6 for an adopter: sessions and orders, then lapse.
    #[inline]
    fn adopter(&mut self, cons: &mut Consumers, i: usize, rng: &mut ModelRng) {
        let input = self.input;
        let live = (cons.platforms[i] & input.live_mask) as usize;
        let choice = &input.choice[live];
        let mut bought = 0u8;
        if let (Some(sessions), true) = (&input.sessions, choice.len > 0) {
            let a = f64::from(cons.affinity[i]);
            let k = sessions.sample(rng) as u32;
            for _ in 0..k {
                let p = choice.pick(rng);
                let picker = &input.pickers[p];
                let j = picker.pick(rng);
                if rng.random::<f64>() < a * picker.conversion[j] {
                    let v = input.order_value.sample(rng) * input.weight;
                    self.flows.gmv[p] += v;
                    self.flows.orders[p] += input.weight;
                    let paid = (input.discount[p] * v).min(self.budget[p]);
                    self.budget[p] -= paid;
                    self.flows.subsidy[p] += paid;
                    self.creators[picker.ids[j] as usize].week_earnings += input.commission[p] * v;
                    bought |= 1 << p;
                }
            }
        }
        if bought != 0 {
            cons.last_active[i] = input.week;
            for (p, b) in self.flows.buyers.iter_mut().enumerate() {
                if bought & (1 << p) != 0 {
                    *b += input.weight;
                }
            }
        } else if input.lapse > 0.0
            && input.week - cons.last_active[i] >= input.lapse_after
            && rng.random::<f64>() < input.lapse
        {
            self.lapsed.push(i as u32);
        }
    }
}
