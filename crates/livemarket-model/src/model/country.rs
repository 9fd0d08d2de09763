//! One country's week: poaching (step 3), adoption and shopping (steps 4-5), lapse and
//! creators (step 6), and its metrics (step 7). Each country owns its generator, so countries
//! step in parallel without changing any output.

use super::consumers::{Consumers, MASKS};
use super::creators::{self, Creator, Picker};
use super::metrics::{Metric, WeekRecord};
use super::pass::{self, Flows, MaskChoice, PassInput};
use super::reach::Reach;
use super::rng::{ModelRng, country_rng};
use crate::scenario::{MAX_PLATFORMS, Market, PlatformMask};
use crate::world::{CountryWorld, World};
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
        if week > 0 {
            self.reach
                .advance(week, &mut self.consumers, &mut self.users);
        }
        let terms = Terms::of(world, cw, plan);
        let transfers = self.poaching(world, cw, plan);
        let (choice, deal_adopt) = self.session_tables(world, cw, &terms);

        // Steps 4-6 for consumers.
        let mut flows = Flows::default();
        if terms.live_mask != 0 || self.consumers.adopters > 0 {
            let mut commission = [0.0; MAX_PLATFORMS];
            for (c, p) in commission.iter_mut().zip(&world.platforms) {
                *c = p.creator_commission;
            }
            let order = &spec.spend.order_value_usd;
            let input = PassInput {
                week: week as u16,
                live_mask: terms.live_mask,
                innovation: spec.diffusion.innovation,
                imitation: spec.diffusion.imitation,
                deal_adopt: &deal_adopt,
                choice: &choice[..],
                pickers: &self.pickers,
                discount: terms.discount,
                commission,
                weight: cw.weight,
                sessions: (spec.spend.sessions_per_week > 0.0)
                    .then(|| Poisson::new(spec.spend.sessions_per_week).expect("validated")),
                order_value: LogNormal::new(order.median.ln(), order.sigma).expect("validated"),
                lapse: spec.lapse,
                lapse_after: spec.lapse_after,
            };
            let mut budget = terms.budget;
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
            terms.live_mask,
            cr.earnings_smoothing,
            cr.min_weekly_earnings_usd,
            cr.quit_after,
        );
        self.record(world, cw, plan, &terms, &transfers, &flows, out);
    }

    /// Step 3: poaching by each open market with a poaching rule, then this week's fees.
    fn poaching(&mut self, world: &World, cw: &CountryWorld, plan: &[MarketWeek]) -> Transfers {
        let mut t = Transfers::default();
        for &m in &cw.markets {
            let mw = &world.markets[m];
            if let (Some(rule), true) = (&mw.spec.poaching, plan[m].open) {
                t.won[mw.platform] += f64::from(creators::poach(
                    &mut self.creators,
                    mw.platform as u8,
                    rule,
                    mw.poach_from,
                    cw.spec.creators.switching_cost,
                    &mut t.lost,
                ));
            }
        }
        creators::pay_contracts(&mut self.creators, &mut t.fees);
        t
    }

    /// The week's weighted choices: of a streaming creator within each live platform, and of
    /// a platform for each set of live platforms a consumer may use; and, per such set, the
    /// adoption factor 1 + deal_sensitivity × (largest discount among them).
    fn session_tables(
        &mut self,
        world: &World,
        cw: &CountryWorld,
        terms: &Terms,
    ) -> (Box<[MaskChoice; MASKS]>, [f64; MASKS]) {
        let ds = cw.spec.deal_sensitivity;
        for &m in &cw.markets {
            let mw = &world.markets[m];
            let p = mw.platform;
            if terms.live_mask & (1 << p) == 0 {
                self.pickers[p].clear();
            } else {
                let factor =
                    cw.spec.spend.conversion * mw.spec.trust * (1.0 + ds * terms.discount[p]);
                self.pickers[p].rebuild(&self.creators, p, factor);
            }
        }
        let np = world.platforms.len();
        let mut choice = Box::new([MaskChoice::default(); MASKS]);
        let mut deal_adopt = [1.0f64; MASKS];
        for (mask, (ch, deal)) in choice
            .iter_mut()
            .zip(deal_adopt.iter_mut())
            .enumerate()
            .take(1 << np)
        {
            let mut total = 0.0;
            let mut best = 0.0f64;
            for p in (0..np).filter(|p| mask & terms.live_mask as usize & (1 << p) != 0) {
                best = best.max(terms.discount[p]);
                let t = self.pickers[p].total;
                if t > 0.0 {
                    total += t;
                    ch.platform[ch.len] = p as u8;
                    ch.cumulative[ch.len] = total;
                    ch.len += 1;
                }
            }
            *deal = 1.0 + ds * best;
        }
        (choice, deal_adopt)
    }

    /// Step 7: one record per market of the country, in order.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        world: &World,
        cw: &CountryWorld,
        plan: &[MarketWeek],
        terms: &Terms,
        transfers: &Transfers,
        flows: &Flows,
        out: &mut [WeekRecord],
    ) {
        let w = cw.weight;
        for (slot, &m) in out.iter_mut().zip(&cw.markets) {
            let p = world.markets[m].platform;
            let open = plan[m].open;
            let home = self.creators.iter().filter(|c| c.home as usize == p);
            let (all, streaming) = home.fold((0.0, 0.0), |(a, s), c| {
                (a + 1.0, s + f64::from(u8::from(!c.quit && open)))
            });
            let mut r: WeekRecord = [0.0; Metric::COUNT];
            r[Metric::Users as usize] = self.users[p] as f64 * w;
            r[Metric::Adopters as usize] = self.consumers.adopters_of(p) as f64 * w;
            r[Metric::Buyers as usize] = flows.buyers[p];
            r[Metric::Orders as usize] = flows.orders[p];
            r[Metric::GmvUsd as usize] = flows.gmv[p];
            r[Metric::SubsidyUsd as usize] = flows.subsidy[p];
            r[Metric::Discount as usize] = if open { terms.discount[p] } else { 0.0 };
            r[Metric::RevenueUsd as usize] =
                world.platforms[p].take_rate * flows.gmv[p] - flows.subsidy[p] - transfers.fees[p];
            r[Metric::Creators as usize] = all;
            r[Metric::CreatorsStreaming as usize] = streaming;
            r[Metric::CreatorsWon as usize] = transfers.won[p];
            r[Metric::CreatorsLost as usize] = transfers.lost[p];
            r[Metric::PoachingUsd as usize] = transfers.fees[p];
            r[Metric::LiveOpen as usize] = f64::from(u8::from(open));
            *slot = r;
        }
    }
}

/// What the policy phase decided for this country's platforms, by platform index.
struct Terms {
    /// Bits of the platforms whose live shopping is open.
    live_mask: PlatformMask,
    discount: [f64; MAX_PLATFORMS],
    /// Subsidy budget of the week.
    budget: [f64; MAX_PLATFORMS],
}

impl Terms {
    fn of(world: &World, cw: &CountryWorld, plan: &[MarketWeek]) -> Terms {
        let mut t = Terms {
            live_mask: 0,
            discount: [0.0; MAX_PLATFORMS],
            budget: [0.0; MAX_PLATFORMS],
        };
        for &m in &cw.markets {
            let p = world.markets[m].platform;
            if plan[m].open {
                t.live_mask |= 1 << p;
                t.discount[p] = plan[m].discount;
                t.budget[p] = plan[m].subsidy_budget;
            }
        }
        t
    }
}

/// Creators won and lost by poaching, and contract fees paid, by platform index.
#[derive(Default)]
struct Transfers {
    won: [f64; MAX_PLATFORMS],
    lost: [f64; MAX_PLATFORMS],
    fees: [f64; MAX_PLATFORMS],
}
