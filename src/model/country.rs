//! One country's week: poaching (step 3), adoption and shopping (steps 4-5), lapse and
//! creators (step 6), and its metrics (step 7). Each country owns its generator, so countries
//! step in parallel without changing any output.

use super::consumers::{Consumers, MASKS};
use super::creators::{self, Creator, Picker};
use super::metrics::{Metric, WeekRecord};
use super::pass::{self, Flows, MaskChoice, PassInput};
use super::reach::Reach;
use super::rng::{ModelRng, country_rng};
use crate::scenario::Market;
use crate::world::World;
use rand::Rng;
use rand_distr::{LogNormal, Poisson};

/// What the platform-policy phase decided for one market this week.
#[derive(Debug, Clone, Copy, Default)]
pub struct MarketWeek {
    /// Live shopping is open.
    pub open: bool,
    /// Discount d, share of order value.
    pub discount: f64,
    /// Most the platform may spend on subsidy this week, USD.
    pub subsidy_budget: f64,
}

/// The state of one country in one trial.
pub struct CountryState {
    pub consumers: Consumers,
    pub creators: Vec<Creator>,
    rng: ModelRng,
    /// Who uses which platform, week by week.
    reach: Reach,
    /// Consumer agents using each platform.
    users: Vec<u64>,
    adopted: Vec<u32>,
    lapsed: Vec<u32>,
    pickers: Vec<Picker>,
}

impl CountryState {
    pub fn new(world: &World, c: usize, trial_seed: u64) -> CountryState {
        let cw = &world.countries[c];
        let mut rng = country_rng(trial_seed, &cw.code);
        let reach_key = rng.random();
        let mut consumers = Consumers::new(cw, &mut rng);
        let creators = creators::draw(cw, &mut rng);
        let np = world.platforms.len();
        let markets: Vec<(usize, &Market)> = cw
            .markets
            .iter()
            .map(|&m| (world.markets[m].platform, &world.markets[m].spec))
            .collect();
        let (reach, users) = Reach::new(reach_key, &markets, world.weeks, np, &mut consumers);
        CountryState {
            consumers,
            creators,
            rng,
            reach,
            users,
            adopted: Vec::new(),
            lapsed: Vec::new(),
            pickers: vec![Picker::default(); np],
        }
    }

    /// Runs steps 3-7 of week `week` and writes this country's records (its markets in order).
    pub fn step(
        &mut self,
        world: &World,
        c: usize,
        week: u32,
        plan: &[MarketWeek],
        out: &mut [WeekRecord],
    ) {
        let cw = &world.countries[c];
        let spec = &cw.spec;
        let w = cw.weight;
        let np = world.platforms.len();
        if week > 0 {
            self.reach
                .advance(week, &mut self.consumers, &mut self.users);
        }
        let mut live_mask = 0u8;
        let mut discount = [0.0f64; 8];
        let mut budget = [0.0f64; 8];
        for &m in &cw.markets {
            let p = world.markets[m].platform;
            if plan[m].open {
                live_mask |= 1 << p;
                discount[p] = plan[m].discount;
                budget[p] = plan[m].subsidy_budget;
            }
        }
        let ds = spec.deal_sensitivity;

        // Step 3: poaching, then this week's contract fees.
        let mut won = [0.0f64; 8];
        let mut lost = [0.0f64; 8];
        let mut fees = [0.0f64; 8];
        for &m in &cw.markets {
            let mw = &world.markets[m];
            if let (Some(rule), true) = (&mw.spec.poaching, plan[m].open) {
                won[mw.platform] += f64::from(creators::poach(
                    &mut self.creators,
                    mw.platform as u8,
                    rule,
                    mw.poach_from,
                    spec.creators.switching_cost,
                    &mut lost,
                ));
            }
        }
        creators::pay_contracts(&mut self.creators, &mut fees);

        // Weighted choices of creators per platform, and of platforms per set of live ones.
        for (p, picker) in self.pickers.iter_mut().enumerate() {
            picker.clear();
            if live_mask & (1 << p) == 0 {
                continue;
            }
            let trust = cw
                .markets
                .iter()
                .map(|&m| &world.markets[m])
                .find(|m| m.platform == p)
                .map_or(1.0, |m| m.spec.trust);
            let factor = spec.spend.conversion * trust * (1.0 + ds * discount[p]);
            picker.rebuild(&self.creators, p, factor);
        }
        let masks = 1usize << np;
        let mut choice = [MaskChoice::default(); MASKS];
        let mut deal_adopt = [1.0f64; MASKS];
        for (mask, (ch, deal)) in choice
            .iter_mut()
            .zip(deal_adopt.iter_mut())
            .enumerate()
            .take(masks)
        {
            let mut total = 0.0;
            let mut best = 0.0f64;
            for (p, &d) in discount.iter().enumerate().take(np) {
                if mask & (1 << p) != 0 && live_mask & (1 << p) != 0 {
                    best = best.max(d);
                    let t = self.pickers[p].total;
                    if t > 0.0 {
                        total += t;
                        ch.platform[ch.len] = p as u8;
                        ch.cumulative[ch.len] = total;
                        ch.len += 1;
                    }
                }
            }
            *deal = 1.0 + ds * best;
        }

        // Steps 4-6 for consumers.
        let mut flows = Flows::default();
        if live_mask != 0 || self.consumers.adopters > 0 {
            let mut commission = [0.0; 8];
            for (c, p) in commission.iter_mut().zip(&world.platforms) {
                *c = p.creator_commission;
            }
            let order = &spec.spend.order_value_usd;
            let input = PassInput {
                week: week as u16,
                live_mask,
                innovation: spec.diffusion.innovation,
                imitation: spec.diffusion.imitation,
                deal_adopt: &deal_adopt,
                choice: &choice,
                pickers: &self.pickers,
                discount,
                commission,
                weight: w,
                sessions: (spec.spend.sessions_per_week > 0.0)
                    .then(|| Poisson::new(spec.spend.sessions_per_week).expect("validated")),
                order_value: LogNormal::new(order.median.ln(), order.sigma).expect("validated"),
                lapse: spec.lapse,
                lapse_after: spec.lapse_after,
            };
            self.adopted.clear();
            self.lapsed.clear();
            pass::run(
                &input,
                &mut self.consumers,
                &mut self.creators,
                &mut self.rng,
                &mut budget,
                &mut flows,
                &mut self.adopted,
                &mut self.lapsed,
                world.full_scan,
            );
            self.consumers.apply_changes(&self.adopted, &self.lapsed);
        }

        // Step 6: creators.
        let cr = &spec.creators;
        creators::end_week(
            &mut self.creators,
            live_mask,
            cr.earnings_smoothing,
            cr.min_weekly_earnings_usd,
            cr.quit_after,
        );

        // Step 7: record.
        for (slot, &m) in out.iter_mut().zip(&cw.markets) {
            let p = world.markets[m].platform;
            let open = plan[m].open;
            let adopters = self.consumers.adopters_of(p);
            let home = self.creators.iter().filter(|c| c.home as usize == p);
            let (all, streaming) = home.fold((0.0, 0.0), |(a, s), c| {
                (a + 1.0, s + f64::from(u8::from(!c.quit && open)))
            });
            let mut r: WeekRecord = [0.0; Metric::COUNT];
            r[Metric::Users as usize] = self.users[p] as f64 * w;
            r[Metric::Adopters as usize] = adopters as f64 * w;
            r[Metric::Buyers as usize] = flows.buyers[p];
            r[Metric::Orders as usize] = flows.orders[p];
            r[Metric::GmvUsd as usize] = flows.gmv[p];
            r[Metric::SubsidyUsd as usize] = flows.subsidy[p];
            r[Metric::Discount as usize] = if open { discount[p] } else { 0.0 };
            r[Metric::RevenueUsd as usize] =
                world.platforms[p].take_rate * flows.gmv[p] - flows.subsidy[p] - fees[p];
            r[Metric::Creators as usize] = all;
            r[Metric::CreatorsStreaming as usize] = streaming;
            r[Metric::CreatorsWon as usize] = won[p];
            r[Metric::CreatorsLost as usize] = lost[p];
            r[Metric::PoachingUsd as usize] = fees[p];
            r[Metric::LiveOpen as usize] = f64::from(u8::from(open));
            *slot = r;
        }
    }
}
