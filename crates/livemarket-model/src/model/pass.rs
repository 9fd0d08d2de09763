//! Steps 4-6 for consumers, fused into one pass over the arrays: adoption (category
//! acceptance through contacts, a first habit, further habits), shopping (Poisson sessions,
//! a weighted platform and creator, the creators' pull on sessions, conversion, lognormal
//! order values, subsidy within the budget, expected commission) and lapse.
//!
//! When adopters have nothing to do this week (no sessions can happen, no lapse, no habit
//! uptake) the pass visits only the consumers who have not accepted, 64 at a time through
//! the acceptance bitset. Both paths make the same draws in the same order, so they give
//! identical results (tested).
//!
//! Consumers are visited in fixed chunks of [`CHUNK`], in parallel, each chunk drawing from
//! its own stream (keyed by the country, the week and the chunk) into its own flows, lists of
//! changes and creator credits. These are then added up in chunk order, so the results do not
//! depend on the number of threads. A consumer's step reads other consumers only through the
//! acceptance counts of the start of the week (applied after the pass), so chunks are
//! independent. The subsidy budget is the one shared quantity: a chunk records the subsidy
//! its orders ask for, and the chunks are capped in order. Capping order by order gives a
//! total of min(asked, budget) either way, and what was paid affects nothing else.

use super::consumers::{Consumers, MASKS, View};
use super::creators::Picker;
use super::rng::{CHUNK, ModelRng, chunk_rng, chunks, hash_unit, pass_purpose, splitmix64};
use crate::scenario::{MAX_PLATFORMS, PlatformMask};
use rand::Rng;
use rand_distr::{Distribution, LogNormal, Poisson};
use rayon::prelude::*;

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
    /// Adds the flows of a chunk; its subsidy, as asked, is paid within what is left of
    /// `budget`.
    #[allow(clippy::needless_range_loop)] // eleven arrays in step: an index reads best
    fn absorb(&mut self, chunk: &Flows, budget: &mut [f64; MAX_PLATFORMS]) {
        for p in 0..MAX_PLATFORMS {
            self.gmv[p] += chunk.gmv[p];
            self.orders[p] += chunk.orders[p];
            let paid = chunk.subsidy[p].min(budget[p]);
            budget[p] -= paid;
            self.subsidy[p] += paid;
            self.buyers[p] += chunk.buyers[p];
            self.sessions[p] += chunk.sessions[p];
            self.gmv_held[p] += chunk.gmv_held[p];
            self.sessions_held[p] += chunk.sessions_held[p];
            self.gained[p] += chunk.gained[p];
            self.gained_held[p] += chunk.gained_held[p];
            self.lost[p] += chunk.lost[p];
        }
    }

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

/// What one chunk of a pass produces.
#[derive(Debug, Default)]
struct ChunkOut {
    /// Subsidy as asked by the chunk's orders (the budget is applied when adding up).
    flows: Flows,
    adopted: Vec<u32>,
    lapsed: Vec<u32>,
    /// Expected commission of each creator of each platform's picker.
    expected: Vec<Vec<f64>>,
    /// Habits gained less lost per platform (wrapping).
    habit_change: [u64; MAX_PLATFORMS],
}

impl ChunkOut {
    fn reset(&mut self, pickers: &[Picker]) {
        self.flows = Flows::default();
        self.adopted.clear();
        self.lapsed.clear();
        self.expected.resize_with(pickers.len(), Vec::new);
        for (e, picker) in self.expected.iter_mut().zip(pickers) {
            e.clear();
            e.resize(picker.expected.len(), 0.0);
        }
    }
}

/// The chunks' buffers, kept from week to week in the country's state (one set per chunk
/// running at once: a country of one chunk has one).
#[derive(Debug, Default)]
pub struct Scratch {
    outs: Vec<ChunkOut>,
}

/// Chunks of a pass that run between two additions (at least: more with more threads). The
/// results do not depend on it, since chunks are added up strictly in chunk order.
const WAVE: usize = 16;

/// One pass over a country's consumers. `key` is the country's key (of the chunks' streams);
/// `budget` is the subsidy still available per platform; `adopted` and `lapsed` receive the
/// consumers whose acceptance changed (applied by the caller), in consumer order; habits
/// change in place.
#[allow(clippy::too_many_arguments)]
pub fn run(
    input: &PassInput,
    cons: &mut Consumers,
    pickers: &mut [Picker],
    key: u64,
    budget: &mut [f64; MAX_PLATFORMS],
    flows: &mut Flows,
    adopted: &mut Vec<u32>,
    lapsed: &mut Vec<u32>,
    scratch: &mut Scratch,
    force_full: bool,
) {
    let n = cons.len();
    let well_mixed_share = cons.adopters as f64 / n.max(1) as f64;
    let can_shop = input.sessions.is_some() && input.pull.iter().any(|&f| f > 0.0);
    let adopters_act = can_shop
        || input.lapse > 0.0
        || input.habit_uptake > 0.0
        || (input.seeker_lapse > 0.0 && cons.seeker_bits.iter().any(|&w| w != 0));
    let full = adopters_act || force_full;
    let watchable = (0..MAX_PLATFORMS)
        .filter(|&p| input.pull[p] > 0.0)
        .fold(0, |m, p| m | 1 << p);
    let count = chunks(n);
    let wave = count.min(WAVE.max(2 * rayon::current_num_threads()));
    if scratch.outs.len() < wave {
        scratch.outs.resize_with(wave, ChunkOut::default);
    }
    let mut first = 0;
    while first < count {
        let last = (first + wave).min(count);
        let mut views = cons.views(first * CHUNK..(last * CHUNK).min(n), CHUNK);
        let outs = &mut scratch.outs[..last - first];
        let shared: &[Picker] = pickers;
        let work = |(k, (view, out)): (usize, (&mut View, &mut ChunkOut))| {
            out.reset(shared);
            let mut ctx = Ctx {
                input,
                pickers: shared,
                expected: &mut out.expected,
                budget: [f64::INFINITY; MAX_PLATFORMS],
                flows: &mut out.flows,
                adopted: &mut out.adopted,
                lapsed: &mut out.lapsed,
                well_mixed_share,
                watchable,
                bounded: input.delta.iter().all(|&d| d >= 0.0),
            };
            let mut rng = chunk_rng(key, pass_purpose(input.week), first + k);
            visit(&mut ctx, view, &mut rng, full);
            out.habit_change = view.habit_change;
        };
        if let ([view], [out]) = (&mut views[..], &mut outs[..]) {
            // One chunk (most countries): no handing over to other threads.
            work((0, (view, out)));
        } else {
            views
                .par_iter_mut()
                .zip(outs.par_iter_mut())
                .enumerate()
                .for_each(work);
        }
        drop(views);
        for out in outs.iter() {
            flows.absorb(&out.flows, budget);
            adopted.extend_from_slice(&out.adopted);
            lapsed.extend_from_slice(&out.lapsed);
            for (picker, e) in pickers.iter_mut().zip(&out.expected) {
                for (total, x) in picker.expected.iter_mut().zip(e) {
                    *total += x;
                }
            }
            for (total, x) in cons.habit_count.iter_mut().zip(out.habit_change) {
                *total = total.wrapping_add(x);
            }
        }
        first = last;
    }
}

/// Steps the consumers of one chunk, in order: all of them (`full`), or only those that have
/// not accepted, 64 at a time through the acceptance bitset (a chunk is a whole number of
/// its words).
fn visit(ctx: &mut Ctx, cons: &mut View, rng: &mut ModelRng, full: bool) {
    let range = cons.range.clone();
    if full {
        for i in range {
            // A consumer that accepts this week shops this week too.
            if cons.is_adopter(i) || ctx.try_adopt(cons, i, rng) {
                ctx.adopter(cons, i, rng);
            }
        }
    } else {
        // Sparse: adopters draw nothing this week, so visit only the others.
        debug_assert!(range.start.is_multiple_of(64));
        for w in range.start / 64..range.end.div_ceil(64) {
            let mut todo = !cons.accepted_bits()[w];
            if w == range.end / 64 {
                todo &= (1u64 << (range.end % 64)) - 1;
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
    pickers: &'a [Picker],
    /// Expected commission of each creator of each platform's picker (the chunk's).
    expected: &'a mut [Vec<f64>],
    /// Subsidy still available per platform: unlimited within a chunk, whose asked subsidy is
    /// capped when the chunks are added up.
    budget: [f64; MAX_PLATFORMS],
    flows: &'a mut Flows,
    adopted: &'a mut Vec<u32>,
    lapsed: &'a mut Vec<u32>,
    well_mixed_share: f64,
    /// Platforms with streaming creators (`pull > 0`).
    watchable: PlatformMask,
    /// Whether acceptance can be turned down early against its bound (δ ≥ 0).
    bounded: bool,
}

impl Ctx<'_, '_> {
    /// The platforms among `among` in whose holdout consumer i is.
    #[inline]
    fn held(&self, i: usize, among: PlatformMask) -> PlatformMask {
        let input = self.input;
        let mut held = 0;
        let mut m = input.holdout_mask & among;
        while m != 0 {
            let p = m.trailing_zeros() as usize;
            m &= m - 1;
            if in_holdout(input.holdout_key, p, i, input.holdout[p]) {
                held |= 1 << p;
            }
        }
        held
    }

    /// The live platforms whose discount consumer i sees this week, and its holdouts among
    /// its live platforms (the only ones any count of the pass reads).
    #[inline]
    fn eligible(&self, cons: &View, i: usize) -> (PlatformMask, PlatformMask) {
        let input = self.input;
        let live = cons.platforms[i] & input.live_mask;
        let held = self.held(i, live);
        let e = live & !held & !(input.first_order & cons.ordered[i]);
        (e, held)
    }

    /// Step 4 for a consumer that has not accepted: accepts with probability
    /// h = min(1, a × (p + q × A/K) × (1 + δ × D)), then takes a habit on one of its live
    /// platforms, weighted F_p × (1 + δ × d_p).
    #[inline]
    fn try_adopt(&mut self, cons: &mut View, i: usize, rng: &mut ModelRng) -> bool {
        let input = self.input;
        let live = cons.platforms[i] & input.live_mask;
        if live == 0 {
            return false;
        }
        let seeker = cons.is_seeker(i);
        let delta = input.delta[usize::from(seeker)];
        let a = f64::from(cons.affinity[i]);
        let share = cons.adopted_share(i, self.well_mixed_share);
        let base = a * (input.innovation + input.imitation * share);
        let u = rng.random::<f64>();
        // The discount seen is at most the best on all live platforms (`best` is a maximum
        // over a set, so it only grows with the set) and δ ≥ 0, so `bound` ≥ h in floating
        // point too (rounding is monotone): most consumers are turned down here, before
        // their holdouts are hashed.
        if self.bounded && u >= base * (1.0 + delta * input.best[live as usize]) {
            return false;
        }
        let (eligible, held) = self.eligible(cons, i);
        let d = input.best[eligible as usize];
        let h = base * (1.0 + delta * d);
        if u >= h {
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
    fn adopter(&mut self, cons: &mut View, i: usize, rng: &mut ModelRng) {
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
                    let picker = &self.pickers[p];
                    let j = picker.pick(rng);
                    let chance = (a * picker.conversion[j] * (1.0 + delta * d)).min(1.0);
                    self.expected[p][j] += input.expected_commission[p] * chance;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::creators;
    use crate::scenario::Scenario;
    use crate::world::World;

    /// A country of three chunks and a bit, with a network, deal-seekers, two live platforms
    /// with creators, some adopters and habits.
    fn setup() -> (World, Consumers, Vec<Picker>) {
        let text = format!(
            r#"
            start = 2021-01-04
            weeks = 20
            [countries.XX]
            population = 1_000_000
            agents = {}
            live_affinity = {{ mean = 0.3, sd = 0.2 }}
            deal_seekers = {{ share = 0.3, sensitivity = 3.0, lapse = 0.5, below = 0.9 }}
            diffusion = {{ innovation = 0.05, imitation = 0.5, contacts = 6 }}
            creators = {{ agents = 60 }}
            [platforms.a.markets.XX]
            reach = 0.7
            [platforms.b.markets.XX]
            reach = 0.5
            "#,
            3 * CHUNK + 3001
        );
        let w = World::new(&Scenario::from_toml_str(&text, "t.toml").unwrap());
        let cw = &w.countries[0];
        let mut cons = Consumers::new(cw, 7);
        let n = cons.len();
        let mut adopted = Vec::new();
        for i in 0..n {
            let u = hash_unit(3, i as u64);
            cons.platforms[i] = 1 + (i % 3) as PlatformMask;
            cons.last_active[i] = (i % 7) as u16;
            if u < 0.2 {
                let p = (i / 3) % 2;
                if cons.platforms[i] & (1 << p) != 0 {
                    cons.add_habit(i, p);
                }
                adopted.push(i as u32);
                if cons.is_seeker(i) {
                    cons.adopted_at[i] = 200;
                }
            }
        }
        cons.apply_changes(&adopted, &[]);
        let mut rng = <ModelRng as rand::SeedableRng>::seed_from_u64(11);
        let creators = creators::draw(cw, &mut rng);
        let pickers: Vec<Picker> = (0..2)
            .map(|p| {
                let mut picker = Picker::default();
                picker.rebuild(&creators, p, 0b11, 0.05, |head| head * 0.3);
                assert!(picker.ids.len() > 5, "platform {p} has creators");
                picker
            })
            .collect();
        (w, cons, pickers)
    }

    fn input<'a>(best: &'a [f64; MASKS], pickers: &[Picker], shopping: bool) -> PassInput<'a> {
        PassInput {
            week: 10,
            live_mask: 0b11,
            innovation: 0.05,
            imitation: 0.5,
            delta: [1.0, 3.0],
            habit_uptake: if shopping { 0.1 } else { 0.0 },
            best,
            discount: std::array::from_fn(|p| [0.1, 0.2].get(p).copied().unwrap_or(0.0)),
            pull: std::array::from_fn(|p| pickers.get(p).map_or(0.0, |pk| pk.total)),
            happen: std::array::from_fn(|p| if p == 1 { 0.8 } else { 1.0 }),
            thin: true,
            expected_commission: std::array::from_fn(|p| 0.5 + p as f64),
            platform_share: std::array::from_fn(|p| if p == 1 { 0.5 } else { 1.0 }),
            first_order: 0b10,
            holdout_mask: 0b01,
            holdout: std::array::from_fn(|p| if p == 0 { 0.1 } else { 0.0 }),
            holdout_key: 5,
            weight: 10.0,
            sessions: shopping.then(|| Poisson::new(1.5).unwrap()),
            order_value: LogNormal::new(3.0, 0.5).unwrap(),
            lapse: if shopping { 0.2 } else { 0.0 },
            lapse_after: 1,
            seeker_lapse: if shopping { 0.5 } else { 0.0 },
            seeker_below: 0.9,
        }
    }

    struct Out {
        cons: Consumers,
        expected: Vec<Vec<f64>>,
        flows: Flows,
        budget: [f64; MAX_PLATFORMS],
        adopted: Vec<u32>,
        lapsed: Vec<u32>,
    }

    /// [`run`] on `threads` threads.
    fn parallel(input: &PassInput, budget: [f64; MAX_PLATFORMS], threads: usize) -> Out {
        let (_, mut cons, mut pickers) = setup();
        let (mut flows, mut adopted, mut lapsed) = (Flows::default(), Vec::new(), Vec::new());
        let mut budget = budget;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut scratch = Scratch::default();
            run(
                input,
                &mut cons,
                &mut pickers,
                7,
                &mut budget,
                &mut flows,
                &mut adopted,
                &mut lapsed,
                &mut scratch,
                false,
            )
        });
        let expected = pickers.into_iter().map(|p| p.expected).collect();
        Out {
            cons,
            expected,
            flows,
            budget,
            adopted,
            lapsed,
        }
    }

    /// The same chunks and streams, one consumer after another into one set of flows, the
    /// budget capping each order as it comes, always visiting everyone.
    fn sequential(input: &PassInput, budget: [f64; MAX_PLATFORMS]) -> Out {
        let (_, mut cons, pickers) = setup();
        let n = cons.len();
        let mut expected: Vec<Vec<f64>> = pickers.iter().map(|p| p.expected.clone()).collect();
        let (mut flows, mut adopted, mut lapsed) = (Flows::default(), Vec::new(), Vec::new());
        let well_mixed_share = cons.adopters as f64 / n as f64;
        let mut views = cons.views(0..n, n);
        let view = &mut views[0];
        let mut ctx = Ctx {
            input,
            pickers: &pickers,
            expected: &mut expected,
            budget,
            flows: &mut flows,
            adopted: &mut adopted,
            lapsed: &mut lapsed,
            well_mixed_share,
            watchable: 0b11,
            bounded: false,
        };
        for c in 0..chunks(n) {
            let mut rng = chunk_rng(7, pass_purpose(input.week), c);
            for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                if view.is_adopter(i) || ctx.try_adopt(view, i, &mut rng) {
                    ctx.adopter(view, i, &mut rng);
                }
            }
        }
        let budget = ctx.budget;
        let change = view.habit_change;
        drop(views);
        for (total, x) in cons.habit_count.iter_mut().zip(change) {
            *total = total.wrapping_add(x);
        }
        Out {
            cons,
            expected,
            flows,
            budget,
            adopted,
            lapsed,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    fn assert_same(a: &Out, b: &Out) {
        assert_eq!(a.adopted, b.adopted);
        assert_eq!(a.lapsed, b.lapsed);
        assert_eq!(a.cons.habits, b.cons.habits);
        assert_eq!(a.cons.ordered, b.cons.ordered);
        assert_eq!(a.cons.last_active, b.cons.last_active);
        assert_eq!(a.cons.adopted_at, b.cons.adopted_at);
        assert_eq!(a.cons.habit_count, b.cons.habit_count);
        let fields = |f: &Flows| {
            [
                f.gmv,
                f.orders,
                f.subsidy,
                f.buyers,
                f.sessions,
                f.gmv_held,
                f.sessions_held,
                f.gained,
                f.gained_held,
                f.lost,
            ]
        };
        for (x, y) in fields(&a.flows).iter().zip(&fields(&b.flows)) {
            assert!(x.iter().zip(y).all(|(x, y)| close(*x, *y)), "{x:?} {y:?}");
        }
        for p in 0..MAX_PLATFORMS {
            assert!(
                close(a.budget[p], b.budget[p]),
                "{:?} {:?}",
                a.budget,
                b.budget
            );
        }
        assert_eq!(a.expected.len(), b.expected.len());
        for (x, y) in a.expected.iter().zip(&b.expected) {
            assert!(x.iter().zip(y).all(|(x, y)| close(*x, *y)));
        }
    }

    #[test]
    fn chunks_in_parallel_match_a_sequential_pass_over_the_same_chunks() {
        let (_, _, pickers) = setup();
        let mut best = [0.0; MASKS];
        best[1] = 0.1;
        best[2] = 0.2;
        best[3] = 0.2;
        let shop = input(&best, &pickers, true);
        // Asked subsidy, with no cap.
        let free = parallel(&shop, [f64::INFINITY; MAX_PLATFORMS], 1);
        let asked = free.flows.subsidy;
        assert!(asked[0] > 0.0 && asked[1] > 0.0, "{asked:?}");
        assert!(!free.adopted.is_empty() && !free.lapsed.is_empty());
        assert!(free.expected.iter().all(|e| e.iter().any(|&x| x > 0.0)));
        // A budget that binds on platform 0 midway, and not on platform 1.
        let mut budget = [f64::INFINITY; MAX_PLATFORMS];
        budget[0] = asked[0] / 2.0;
        let reference = sequential(&shop, budget);
        assert!(close(reference.flows.subsidy[0], asked[0] / 2.0));
        assert!(close(reference.flows.subsidy[1], asked[1]));
        for threads in [1, 2, 4] {
            assert_same(&parallel(&shop, budget, threads), &reference);
        }
        // Nothing for adopters to do: the parallel pass takes the sparse path.
        let quiet = input(&best, &pickers, false);
        let reference = sequential(&quiet, budget);
        assert!(!reference.adopted.is_empty() && reference.lapsed.is_empty());
        for threads in [1, 3] {
            assert_same(&parallel(&quiet, budget, threads), &reference);
        }
    }
}
