//! Steps 4-6 for consumers, fused into one pass over the arrays: adoption (category
//! acceptance through contacts, a first habit, further habits), shopping (Poisson sessions,
//! a weighted platform and creator, the creators' pull on sessions, conversion, lognormal
//! order values, subsidy within the budget, expected commission) and lapse.
//!
//! When adopters have nothing to do this week (no sessions can happen, no lapse, no habit
//! uptake) the pass visits only the consumers who have not accepted, 64 at a time through
//! the acceptance bitset. Both paths make the same draws in the same order, so they give
//! identical results (tested).

use super::consumers::{Consumers, MASKS};
use super::creators::Picker;
use super::rng::{ModelRng, hash_unit, splitmix64};
use crate::scenario::{MAX_PLATFORMS, PlatformMask};
use rand::Rng;
use rand_distr::{Distribution, LogNormal, Poisson};

/// Everything the pass reads, fixed for the week.
pub struct PassInput<'a> {
    pub week: u16,
    /// Bits of the platforms whose live shopping is open in the country.
    pub live_mask: PlatformMask,
    /// Bass p and q.
    pub innovation: f64,
    pub imitation: f64,
    /// δ of ordinary consumers and of deal-seekers.
    pub delta: [f64; 2],
    /// Weekly chance of a habit on a further live platform (before the deal factor).
    pub habit_uptake: f64,
    /// Per set of platforms whose discount a consumer sees: the largest discount among them.
    pub best: &'a [f64; MASKS],
    /// Discount d per platform (0 where not live).
    pub discount: [f64; MAX_PLATFORMS],
    /// F_p: followers of each platform's streaming creators (0 where not live).
    pub pull: [f64; MAX_PLATFORMS],
    /// Probability that a session picked on p happens: min(1, F_p / F_p⁰)^η.
    pub happen: [f64; MAX_PLATFORMS],
    /// η > 0: sessions thin with creators (and draw whether they happen).
    pub thin: bool,
    /// Creator commission × expected order value × weight: a creator's expected commission
    /// per unit of order probability, USD.
    pub expected_commission: [f64; MAX_PLATFORMS],
    /// Share of the discount the platform pays (1 − seller_funded_share).
    pub platform_share: [f64; MAX_PLATFORMS],
    /// Platforms whose discount only applies to a consumer's first order there.
    pub first_order: PlatformMask,
    /// Platforms with a holdout, its share each, and the key of the hash that picks it.
    pub holdout_mask: PlatformMask,
    pub holdout: [f64; MAX_PLATFORMS],
    pub holdout_key: u64,
    /// People per consumer agent.
    pub weight: f64,
    pub sessions: Option<Poisson<f64>>,
    pub order_value: LogNormal<f64>,
    pub lapse: f64,
    pub lapse_after: u16,
    /// Deal-seekers' lapse and the share of their adoption discount that triggers it.
    pub seeker_lapse: f64,
    pub seeker_below: f64,
}

/// What the pass adds up, per platform (people and USD, weighted).
#[derive(Debug, Default)]
pub struct Flows {
    pub gmv: [f64; MAX_PLATFORMS],
    pub orders: [f64; MAX_PLATFORMS],
    pub subsidy: [f64; MAX_PLATFORMS],
    pub buyers: [f64; MAX_PLATFORMS],
    /// Person-sessions that happened.
    pub sessions: [f64; MAX_PLATFORMS],
    /// GMV of holdout consumers.
    pub gmv_held: [f64; MAX_PLATFORMS],
    /// Person-sessions of holdout consumers.
    pub sessions_held: [f64; MAX_PLATFORMS],
    /// Habits gained this week (people), and of them by holdout consumers.
    pub gained: [f64; MAX_PLATFORMS],
    pub gained_held: [f64; MAX_PLATFORMS],
    /// Habits lost to lapse this week (people).
    pub lost: [f64; MAX_PLATFORMS],
}

impl Flows {
    /// Counts a habit gained on `p` by a consumer whose holdouts are `held`.
    #[inline]
    fn gain(&mut self, p: usize, held: PlatformMask, weight: f64) {
        self.gained[p] += weight;
        if held & (1 << p) != 0 {
            self.gained_held[p] += weight;
        }
    }

    /// Counts the habits `habits` lost.
    #[inline]
    fn lose(&mut self, mut habits: PlatformMask, weight: f64) {
        while habits != 0 {
            let p = habits.trailing_zeros() as usize;
            habits &= habits - 1;
            self.lost[p] += weight;
        }
    }
}

/// Whether consumer i is in platform p's holdout: a hash of the consumer, no state.
#[inline]
pub fn in_holdout(key: u64, p: usize, i: usize, share: f64) -> bool {
    hash_unit(splitmix64(key ^ p as u64), i as u64) < share
}

/// One pass over a country's consumers. `budget` is the subsidy still available per platform;
/// `adopted` and `lapsed` receive the consumers whose acceptance changed (applied by the
/// caller); habits change in place.
#[allow(clippy::too_many_arguments)]
pub fn run(
    input: &PassInput,
    cons: &mut Consumers,
    pickers: &mut [Picker],
    rng: &mut ModelRng,
    budget: &mut [f64; MAX_PLATFORMS],
    flows: &mut Flows,
    adopted: &mut Vec<u32>,
    lapsed: &mut Vec<u32>,
    force_full: bool,
) {
    let n = cons.len();
    let well_mixed_share = cons.adopters as f64 / n.max(1) as f64;
    let can_shop = input.sessions.is_some() && input.pull.iter().any(|&f| f > 0.0);
    let adopters_act = can_shop
        || input.lapse > 0.0
        || input.habit_uptake > 0.0
        || (input.seeker_lapse > 0.0 && cons.seeker_bits.iter().any(|&w| w != 0));
    let mut ctx = Ctx {
        input,
        pickers,
        budget,
        flows,
        adopted,
        lapsed,
        well_mixed_share,
        watchable: (0..MAX_PLATFORMS)
            .filter(|&p| input.pull[p] > 0.0)
            .fold(0, |m, p| m | 1 << p),
    };
    if adopters_act || force_full {
        for i in 0..n {
            // A consumer that accepts this week shops this week too.
            if cons.is_adopter(i) || ctx.try_adopt(cons, i, rng) {
                ctx.adopter(cons, i, rng);
            }
        }
    } else {
        // Sparse: adopters draw nothing this week, so visit only the others.
        for w in 0..cons.accepted_bits.len() {
            let mut todo = !cons.accepted_bits[w];
            if w == n / 64 {
                todo &= (1u64 << (n % 64)) - 1;
            }
            while todo != 0 {
                let i = w * 64 + todo.trailing_zeros() as usize;
                todo &= todo - 1;
                ctx.try_adopt(cons, i, rng);
            }
        }
    }
}

struct Ctx<'a, 'b> {
    input: &'a PassInput<'b>,
    pickers: &'a mut [Picker],
    budget: &'a mut [f64; MAX_PLATFORMS],
    flows: &'a mut Flows,
    adopted: &'a mut Vec<u32>,
    lapsed: &'a mut Vec<u32>,
    well_mixed_share: f64,
    /// Platforms with streaming creators (`pull > 0`).
    watchable: PlatformMask,
}

impl Ctx<'_, '_> {
    /// The platforms in whose holdout consumer i is.
    #[inline]
    fn held(&self, i: usize) -> PlatformMask {
        let input = self.input;
        let mut held = 0;
        let mut m = input.holdout_mask;
        while m != 0 {
            let p = m.trailing_zeros() as usize;
            m &= m - 1;
            if in_holdout(input.holdout_key, p, i, input.holdout[p]) {
                held |= 1 << p;
            }
        }
        held
    }

    /// The live platforms whose discount consumer i sees this week, and its holdouts.
    #[inline]
    fn eligible(&self, cons: &Consumers, i: usize) -> (PlatformMask, PlatformMask) {
        let input = self.input;
        let held = if input.holdout_mask != 0 {
            self.held(i)
        } else {
            0
        };
        let e =
            cons.platforms[i] & input.live_mask & !held & !(input.first_order & cons.ordered[i]);
        (e, held)
    }

    /// Step 4 for a consumer that has not accepted: accepts with probability
    /// h = min(1, a × (p + q × A/K) × (1 + δ × D)), then takes a habit on one of its live
    /// platforms, weighted F_p × (1 + δ × d_p).
    #[inline]
    fn try_adopt(&mut self, cons: &mut Consumers, i: usize, rng: &mut ModelRng) -> bool {
        let input = self.input;
        let live = cons.platforms[i] & input.live_mask;
        if live == 0 {
            return false;
        }
        let seeker = cons.is_seeker(i);
        let delta = input.delta[usize::from(seeker)];
        let (eligible, held) = self.eligible(cons, i);
        let d = input.best[eligible as usize];
        let a = f64::from(cons.affinity[i]);
        let share = cons.adopted_share(i, self.well_mixed_share);
        let h = a * (input.innovation + input.imitation * share) * (1.0 + delta * d);
        if rng.random::<f64>() >= h {
            return false;
        }
        cons.last_active[i] = input.week;
        if seeker {
            cons.adopted_at[i] = (d * 255.0).round() as u8;
        }
        let p = if live.count_ones() == 1 {
            live.trailing_zeros() as usize
        } else {
            self.choose(live, eligible, delta, rng)
        };
        if cons.habits[i] & (1 << p) == 0 {
            cons.add_habit(i, p);
            self.flows.gain(p, held, input.weight);
        }
        self.adopted.push(i as u32);
        true
    }

    /// One of the platforms in `set`, weighted F_p × (1 + δ × d_p); uniformly when none
    /// has streaming creators.
    #[inline]
    fn choose(
        &self,
        set: PlatformMask,
        eligible: PlatformMask,
        delta: f64,
        rng: &mut ModelRng,
    ) -> usize {
        let input = self.input;
        let mut weights = [0.0f64; MAX_PLATFORMS];
        let mut total = 0.0;
        let mut m = set;
        while m != 0 {
            let p = m.trailing_zeros() as usize;
            m &= m - 1;
            let d = if eligible & (1 << p) != 0 {
                input.discount[p]
            } else {
                0.0
            };
            weights[p] = input.pull[p] * (1.0 + delta * d);
            total += weights[p];
        }
        let x = rng.random::<f64>();
        if total <= 0.0 {
            let k = (x * f64::from(set.count_ones())) as u32;
            let mut m = set;
            for _ in 0..k.min(set.count_ones() - 1) {
                m &= m - 1;
            }
            return m.trailing_zeros() as usize;
        }
        let target = x * total;
        let mut acc = 0.0;
        let mut last = 0;
        let mut m = set;
        while m != 0 {
            let p = m.trailing_zeros() as usize;
            m &= m - 1;
            if weights[p] > 0.0 {
                acc += weights[p];
                last = p;
                if target < acc {
                    return p;
                }
            }
        }
        last
    }

    /// Steps 4 (further habits), 5 and 6 for a consumer that has accepted.
    #[inline]
    fn adopter(&mut self, cons: &mut Consumers, i: usize, rng: &mut ModelRng) {
        let input = self.input;
        let seeker = cons.is_seeker(i);
        let delta = input.delta[usize::from(seeker)];
        let (mut eligible, held) = self.eligible(cons, i);
        let d_of = |eligible: PlatformMask, p: usize| {
            if eligible & (1 << p) != 0 {
                input.discount[p]
            } else {
                0.0
            }
        };
        // Further habits.
        if input.habit_uptake > 0.0 {
            let mut m = cons.platforms[i] & input.live_mask & !cons.habits[i];
            while m != 0 {
                let p = m.trailing_zeros() as usize;
                m &= m - 1;
                let chance = input.habit_uptake * (1.0 + delta * d_of(eligible, p));
                if rng.random::<f64>() < chance {
                    cons.add_habit(i, p);
                    self.flows.gain(p, held, input.weight);
                }
            }
        }
        // Shopping.
        let mut bought: PlatformMask = 0;
        let on = cons.habits[i] & input.live_mask;
        if let (Some(sessions), true) = (&input.sessions, on & self.watchable != 0) {
            let k = sessions.sample(rng) as u32;
            if k > 0 {
                let a = f64::from(cons.affinity[i]);
                let mut cumulative = [0.0f64; MAX_PLATFORMS];
                let mut platform = [0u8; MAX_PLATFORMS];
                let mut len = 0;
                let mut total = 0.0;
                let mut m = on;
                while m != 0 {
                    let p = m.trailing_zeros() as usize;
                    m &= m - 1;
                    let w = input.pull[p] * (1.0 + delta * d_of(eligible, p));
                    if w > 0.0 {
                        total += w;
                        cumulative[len] = total;
                        platform[len] = p as u8;
                        len += 1;
                    }
                }
                for _ in 0..k {
                    let p = if len == 1 {
                        platform[0] as usize
                    } else {
                        let x = rng.random::<f64>() * total;
                        let at = cumulative[..len]
                            .iter()
                            .position(|&c| x < c)
                            .unwrap_or(len - 1);
                        platform[at] as usize
                    };
                    // With η > 0 every session draws whether it happens, even where it surely
                    // does, so that scenarios differing in creators share their draws.
                    if input.thin && rng.random::<f64>() >= input.happen[p] {
                        continue;
                    }
                    self.flows.sessions[p] += input.weight;
                    if held & (1 << p) != 0 {
                        self.flows.sessions_held[p] += input.weight;
                    }
                    let d = d_of(eligible, p);
                    let picker = &mut self.pickers[p];
                    let j = picker.pick(rng);
                    let chance = (a * picker.conversion[j] * (1.0 + delta * d)).min(1.0);
                    picker.expected[j] += input.expected_commission[p] * chance;
                    if rng.random::<f64>() < chance {
                        let v = input.order_value.sample(rng) * input.weight;
                        self.flows.gmv[p] += v;
                        self.flows.orders[p] += input.weight;
                        if held & (1 << p) != 0 {
                            self.flows.gmv_held[p] += v;
                        }
                        let paid = (d * input.platform_share[p] * v).min(self.budget[p]);
                        self.budget[p] -= paid;
                        self.flows.subsidy[p] += paid;
                        bought |= 1 << p;
                        cons.ordered[i] |= 1 << p;
                        eligible &= !(input.first_order & (1 << p));
                    }
                }
            }
        }
        // Lapse.
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
            self.flows.lose(cons.habits[i], input.weight);
            cons.clear_habits(i);
            self.lapsed.push(i as u32);
            return;
        }
        if seeker && input.seeker_lapse > 0.0 {
            let now = input.best[eligible as usize];
            let then = f64::from(cons.adopted_at[i]) / 255.0;
            if now < input.seeker_below * then && rng.random::<f64>() < input.seeker_lapse {
                self.flows.lose(cons.habits[i], input.weight);
                cons.clear_habits(i);
                self.lapsed.push(i as u32);
            }
        }
    }
}
