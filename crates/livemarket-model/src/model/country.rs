//! One country's week: closes and installed bases (step 1's effects on agents), the creator
//! market (step 3), adoption and shopping (steps 4-5), lapse and creators (step 6), and its
//! metrics (step 7). Each country owns its generator, so countries step in parallel without
//! changing any output.

use super::consumers::{Consumers, MASKS};
use super::creators::{self, Creator, PerFollower, Picker};
use super::events::{EventKind, EventRecord};
use super::metrics::{Metric, WeekRecord};
use super::pass::{self, Flows, PassInput, in_holdout};
use super::reach::Reach;
use super::rng::{ModelRng, country_key, hash_unit, splitmix64};
use crate::scenario::{Audience, MAX_PLATFORMS, Market, PlatformMask};
use crate::world::{CountryWorld, World};
use rand::{Rng, SeedableRng};
use rand_distr::{LogNormal, Poisson};

/// Share of followers a creator keeps when its platform closes and it moves to a market
/// without a poaching rule of its own: the default of `poaching.follower_carry`.
const CLOSE_CARRY: f64 = 0.5;

/// Mixed into the holdout key for the uniforms of followers who follow a poached creator.
const FOLLOW_KEY: u64 = 0xF011_0E25_0000_0000;

/// What the platform-policy phase decided for one market this week.
#[derive(Debug, Clone, Copy, Default)]
pub struct MarketWeek {
    /// Live shopping is open.
    pub open: bool,
    /// Live shopping closed (or was withdrawn) this week: habits end, creators move.
    pub closing: bool,
    /// The week live shopping opened, if it has.
    pub opened: Option<u32>,
    /// Discount d, share of order value.
    pub discount: f64,
    /// Most the platform may spend on subsidy this week, USD.
    pub subsidy_budget: f64,
}

/// A count of a platform's users in its holdout, and what it was counted under.
#[derive(Debug, Clone, Copy)]
struct HeldCount {
    share: f64,
    week: u32,
    held: u64,
}

/// What a market's reviews read beyond its metrics: the holdout's GMV, sessions, users and
/// habits won, and the habits won and lost.
#[derive(Debug, Clone, Copy, Default)]
pub struct Aux {
    /// GMV of the holdout's consumers, USD.
    pub gmv_held: f64,
    /// Person-sessions of the holdout's consumers.
    pub sessions_held: f64,
    /// Users in the holdout, people.
    pub held_users: f64,
    /// Habits gained on the platform this week, people; and of them in the holdout.
    pub gained: f64,
    pub gained_held: f64,
    /// Habits on the platform lost to lapse this week, people.
    pub lost: f64,
}

/// The long tail of a platform's creators in a country, as one aggregate (docs/model.md,
/// "Creators at scale").
#[derive(Debug, Clone, Copy, Default)]
struct Tail {
    /// Followers of the whole tail, set in the platform's first live week so that, fully
    /// active, it hosts `tail_share` of the sessions.
    followers: f64,
    /// Share of the tail's creators streaming.
    active: f64,
    /// Trailing weekly earnings of a streaming tail creator, USD.
    per_creator: f64,
    /// Expected commission credited to the tail this week, USD.
    earned: f64,
    /// The tail has its followers (its platform's first live week has come).
    started: bool,
    /// `per_creator` has started (at the median wage, in the first live week's end).
    paid: bool,
}

/// A poaching campaign: its fixed target list and when it was drawn.
#[derive(Debug, Clone, Default)]
struct Campaign {
    drawn: Option<u32>,
    targets: Vec<u32>,
}

/// The state of one country in one trial.
pub struct CountryState {
    pub consumers: Consumers,
    pub creators: Vec<Creator>,
    /// Key of the country in the trial: of the generator below and of the consumer chunks'
    /// streams.
    key: u64,
    /// The draws that are not per consumer chunk.
    rng: ModelRng,
    /// Who uses which platform, week by week.
    reach: Reach,
    /// Consumer agents using each platform.
    users: Vec<u64>,
    adopted: Vec<u32>,
    lapsed: Vec<u32>,
    /// Buffers of the weekly pass's chunks.
    pass_scratch: pass::Scratch,
    pickers: Vec<Picker>,
    /// Last week's commission and revenue per follower, per platform.
    per_follower: PerFollower,
    /// F_p in each platform's first live week.
    first_pull: [Option<f64>; MAX_PLATFORMS],
    /// Each platform's long tail of creators.
    tails: [Tail; MAX_PLATFORMS],
    campaigns: Vec<Campaign>,
    /// Key of the holdout hash.
    holdout_key: u64,
    /// Per platform, the last count of users in its holdout (see [`HeldCount`]).
    held_counts: [Option<HeldCount>; MAX_PLATFORMS],
    scratch: Vec<u32>,
    /// Events of this week (taken by the trial after each week).
    pub log: Vec<EventRecord>,
}

impl CountryState {
    pub fn new(world: &World, c: usize, trial_seed: u64) -> CountryState {
        let cw = &world.countries[c];
        let key = country_key(trial_seed, &cw.code);
        let mut rng = ModelRng::seed_from_u64(key);
        let reach_key = rng.random();
        let holdout_key = rng.random();
        let mut consumers = Consumers::new(cw, key);
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
            key,
            rng,
            reach,
            users,
            adopted: Vec::new(),
            lapsed: Vec::new(),
            pass_scratch: pass::Scratch::default(),
            pickers: vec![Picker::default(); np],
            per_follower: PerFollower::default(),
            first_pull: [None; MAX_PLATFORMS],
            tails: [Tail::default(); MAX_PLATFORMS],
            campaigns: vec![Campaign::default(); np],
            holdout_key,
            held_counts: [None; MAX_PLATFORMS],
            scratch: Vec::new(),
            log: Vec::new(),
        }
    }

    /// Runs the country's part of week `week` and writes its records (its markets in order).
    ///
    /// The stages are methods of their own, each called once a week (not per consumer), so
    /// the split costs nothing measurable and adds no allocation.
    pub fn step(
        &mut self,
        world: &World,
        c: usize,
        week: u32,
        plan: &[MarketWeek],
        out: &mut [WeekRecord],
        aux: &mut [Aux],
    ) {
        let cw = &world.countries[c];
        if week > 0 {
            self.reach
                .advance(week, &mut self.consumers, &mut self.users);
        }
        let terms = Terms::of(world, cw, plan);
        self.closes(world, cw, plan, &terms);
        self.installed_base(world, cw, plan, week);
        let transfers = self.creator_market(world, cw, &terms, week);
        let (pull, happen) = self.week_creators(world, cw, &terms);
        let flows = self.consumers_pass(world, cw, &terms, week, pull, happen);
        let fund_paid = self.credit_creators(world, cw, plan, &terms, &flows);
        self.creators_end_week(world, cw, plan, &terms, week);
        for (slot, &m) in aux.iter_mut().zip(&cw.markets) {
            *slot = self.aux(world, m, &terms, &flows, week);
        }
        self.record(world, cw, plan, &terms, &transfers, &flows, &fund_paid, out);
    }

    /// The week's creators: who can be watched on each live platform (the pickers), and how
    /// sessions thin as their followers fall. Returns each platform's pull (its pickers'
    /// total) and the share of sessions that happen.
    #[inline]
    fn week_creators(
        &mut self,
        world: &World,
        cw: &CountryWorld,
        terms: &Terms,
    ) -> ([f64; MAX_PLATFORMS], [f64; MAX_PLATFORMS]) {
        let spec = &cw.spec;
        let eta = spec.spend.creator_elasticity;
        let switches = world.switches;
        let tail_share = spec.creators.tail_share;
        let mut pull = [0.0; MAX_PLATFORMS];
        let mut happen = [1.0; MAX_PLATFORMS];
        for &m in &cw.markets {
            let mw = &world.markets[m];
            let p = mw.platform;
            if terms.live_mask & (1 << p) == 0 {
                self.pickers[p].clear();
                continue;
            }
            let factor = spec.spend.conversion * mw.spec.trust;
            let tail = &mut self.tails[p];
            self.pickers[p].rebuild(&self.creators, p, terms.live_mask, factor, |head| {
                if tail_share <= 0.0 {
                    return 0.0;
                }
                if !tail.started {
                    tail.started = true;
                    tail.followers = head * tail_share / (1.0 - tail_share);
                    tail.active = 1.0;
                }
                tail.followers * tail.active
            });
            let f = self.pickers[p].total;
            pull[p] = f;
            let f0 = *self.first_pull[p].get_or_insert(f);
            if eta > 0.0 && f0 > 0.0 && switches.creator_supply {
                happen[p] = (f / f0).min(1.0).powf(eta);
            }
        }
        (pull, happen)
    }

    /// Steps 4-6 for consumers: the pass over them with the week's prices, pull and
    /// sessions, and their adoptions and lapses applied. Returns the week's flows.
    #[inline]
    fn consumers_pass(
        &mut self,
        world: &World,
        cw: &CountryWorld,
        terms: &Terms,
        week: u32,
        pull: [f64; MAX_PLATFORMS],
        happen: [f64; MAX_PLATFORMS],
    ) -> Flows {
        let spec = &cw.spec;
        let switches = world.switches;
        let eta = spec.spend.creator_elasticity;
        let mut flows = Flows::default();
        if terms.live_mask != 0 || self.consumers.adopters > 0 {
            let order = &spec.spend.order_value_usd;
            let mean_order = order.median * (order.sigma * order.sigma / 2.0).exp();
            let mut expected_commission = [0.0; MAX_PLATFORMS];
            for (e, p) in expected_commission.iter_mut().zip(&world.platforms) {
                *e = p.creator_commission * mean_order * cw.weight;
            }
            let mut best = Box::new([0.0f64; MASKS]);
            let np = world.platforms.len();
            for (mask, b) in best.iter_mut().enumerate().take(1 << np) {
                *b = (0..np)
                    .filter(|p| mask & (1 << p) != 0)
                    .map(|p| terms.discount[p])
                    .fold(0.0, f64::max);
            }
            let ds = &spec.deal_seekers;
            // Switches: consumers who see no price see no discount anywhere (the platform
            // still pays it); without deal-seekers, they act as ordinary consumers.
            let seeker_delta = if switches.deal_seekers {
                ds.sensitivity
            } else {
                spec.deal_sensitivity
            };
            let delta = if switches.price {
                [spec.deal_sensitivity, seeker_delta]
            } else {
                best.fill(0.0);
                [0.0, 0.0]
            };
            let input = PassInput {
                week: week as u16,
                live_mask: terms.live_mask,
                innovation: spec.diffusion.innovation,
                imitation: if switches.word_of_mouth {
                    spec.diffusion.imitation
                } else {
                    0.0
                },
                delta,
                habit_uptake: spec.habit_uptake,
                best: &best,
                discount: terms.discount,
                pull,
                happen,
                thin: eta > 0.0,
                expected_commission,
                platform_share: terms.platform_share,
                first_order: terms.first_order,
                holdout_mask: terms.holdout_mask,
                holdout: terms.holdout,
                holdout_key: self.holdout_key,
                weight: cw.weight,
                sessions: (spec.spend.sessions_per_week > 0.0)
                    .then(|| Poisson::new(spec.spend.sessions_per_week).expect("validated")),
                order_value: LogNormal::new(order.median.ln(), order.sigma).expect("validated"),
                lapse: if switches.habit_decay {
                    spec.lapse
                } else {
                    0.0
                },
                lapse_after: spec.lapse_after,
                seeker_lapse: if switches.deal_seekers { ds.lapse } else { 0.0 },
                seeker_below: ds.below,
            };
            let mut budget = terms.budget;
            self.adopted.clear();
            self.lapsed.clear();
            pass::run(
                &input,
                &mut self.consumers,
                &mut self.pickers,
                self.key,
                &mut budget,
                &mut flows,
                &mut self.adopted,
                &mut self.lapsed,
                &mut self.pass_scratch,
                world.full_scan,
            );
            self.consumers.apply_changes(&self.adopted, &self.lapsed);
        }
        flows
    }

    /// Step 6: creators are credited the expected commission of the sessions they hosted
    /// (and each follower's worth is updated), and creator funds pay out. Returns what each
    /// platform's fund paid.
    #[inline]
    fn credit_creators(
        &mut self,
        world: &World,
        cw: &CountryWorld,
        plan: &[MarketWeek],
        terms: &Terms,
        flows: &Flows,
    ) -> [f64; MAX_PLATFORMS] {
        let mut commission = [0.0; MAX_PLATFORMS];
        for (p, picker) in self.pickers.iter().enumerate() {
            for (&id, &e) in picker.ids.iter().zip(&picker.expected) {
                if id == creators::TAIL {
                    self.tails[p].earned += e;
                } else {
                    self.creators[id as usize].week_earnings += e;
                }
                commission[p] += e;
            }
            if picker.total > 0.0 {
                self.per_follower.commission[p] = commission[p] / picker.total;
                self.per_follower.revenue[p] =
                    world.platforms[p].take_rate * flows.gmv[p] / picker.total;
            }
        }
        let mut fund_paid = [0.0; MAX_PLATFORMS];
        for &m in &cw.markets {
            let mw = &world.markets[m];
            if let (Some(f), true) = (&mw.spec.creator_fund, plan[m].open) {
                fund_paid[mw.platform] = creators::fund(
                    &mut self.creators,
                    mw.platform as u8,
                    terms.live_mask,
                    f.floor_usd,
                    f.weekly_budget_usd,
                    &mut self.scratch,
                );
            }
        }
        fund_paid
    }

    /// The end of the week for creators: each one's earnings and whether it quits, then the
    /// long tails'.
    #[inline]
    fn creators_end_week(
        &mut self,
        world: &World,
        cw: &CountryWorld,
        plan: &[MarketWeek],
        terms: &Terms,
        week: u32,
    ) {
        let spec = &cw.spec;
        let mut opened = [None; MAX_PLATFORMS];
        for &m in &cw.markets {
            opened[world.markets[m].platform] = plan[m].opened;
        }
        let cr = &spec.creators;
        creators::end_week(
            &mut self.creators,
            terms.live_mask,
            week,
            &opened,
            cr.earnings_smoothing,
            cr.quit_after,
            cr.grace_weeks,
        );
        self.tails_end_week(world, cw, plan, week);
    }

    /// End of the week for each platform's long tail: a streaming tail creator's trailing
    /// earnings update (from the reservation wage's median in the first live week), and,
    /// from `grace_weeks` after the market opened, the tail's active share becomes the
    /// share of lognormal wages below them: P(wage ≤ earnings).
    fn tails_end_week(&mut self, world: &World, cw: &CountryWorld, plan: &[MarketWeek], week: u32) {
        let cr = &cw.spec.creators;
        if cr.tail_share <= 0.0 || cr.tail_creators <= 0.0 {
            return;
        }
        for &m in &cw.markets {
            let p = world.markets[m].platform;
            let tail = &mut self.tails[p];
            let earned = std::mem::take(&mut tail.earned);
            if !plan[m].open || !tail.started {
                continue;
            }
            let streaming = tail.active * cr.tail_creators;
            // With no tail creator streaming, what one would earn is what the tail's
            // followers would bring at last week's commission per follower.
            let per_creator = if streaming > 0.0 && earned > 0.0 {
                earned / streaming
            } else {
                self.per_follower.commission[p] * tail.followers / cr.tail_creators
            };
            let wage = cr.tail_reservation_usd.unwrap_or(cr.reservation_usd);
            if !tail.paid {
                tail.paid = true;
                tail.per_creator = wage;
            }
            let s = cr.earnings_smoothing;
            tail.per_creator = s * per_creator + (1.0 - s) * tail.per_creator;
            let counting = plan[m]
                .opened
                .is_some_and(|o| week >= o + u32::from(cr.grace_weeks));
            if counting {
                tail.active = share_of_wages_below(tail.per_creator, wage, cr.reservation_sigma);
            }
        }
    }

    /// What the reviews of market `m` read this week beyond its metrics.
    fn aux(&mut self, world: &World, m: usize, terms: &Terms, flows: &Flows, week: u32) -> Aux {
        let mw = &world.markets[m];
        let p = mw.platform;
        let holdout = mw
            .spec
            .subsidy
            .as_ref()
            .is_some_and(|s| s.measure.holdout());
        let counts = Aux {
            gained: flows.gained[p],
            lost: flows.lost[p],
            ..Aux::default()
        };
        if !holdout || terms.holdout_mask & (1 << p) == 0 {
            return counts;
        }
        let held = self.held_users(p, terms.holdout[p], week);
        Aux {
            gmv_held: flows.gmv_held[p],
            sessions_held: flows.sessions_held[p],
            held_users: held as f64 * world.countries[mw.country].weight,
            gained_held: flows.gained_held[p],
            ..counts
        }
    }

    /// Users of platform `p` in its holdout of `share` in `week`: the last count carried
    /// forward where it can be, else counted afresh.
    fn held_users(&mut self, p: usize, share: f64, week: u32) -> u64 {
        let held = self
            .carried(p, share, week)
            .unwrap_or_else(|| self.count_held(p, share));
        debug_assert_eq!(held, self.count_held(p, share));
        self.held_counts[p] = Some(HeldCount { share, week, held });
        held
    }

    /// The last count of platform `p`'s holdout carried forward to `week`. Users only ever
    /// join, and the holdout is a hash of the consumer, so while the share is that of the
    /// last count the count grows by the holdout among the users who joined since. None for
    /// a new share, an earlier week or no count yet.
    fn carried(&self, p: usize, share: f64, week: u32) -> Option<u64> {
        let last = self.held_counts[p]?;
        if last.share.to_bits() != share.to_bits() || last.week > week {
            return None;
        }
        let key = self.holdout_key;
        let joined = self.reach.joiners(p, last.week + 1..week + 1);
        let new = joined
            .iter()
            .filter(|&&i| in_holdout(key, p, i as usize, share))
            .count();
        Some(last.held + new as u64)
    }

    /// Users of platform `p` in its holdout of `share`, counted afresh.
    fn count_held(&self, p: usize, share: f64) -> u64 {
        (0..self.consumers.len())
            .filter(|&i| {
                self.consumers.platforms[i] & (1 << p) != 0
                    && in_holdout(self.holdout_key, p, i, share)
            })
            .count() as u64
    }

    /// Closes and withdrawals of this week: habits on the platform end, and its creators move
    /// to the open platform that paid the most commission per follower last week (keeping
    /// [`CLOSE_CARRY`] of their followers, or that market's poaching `follower_carry`), or go
    /// dormant when none is open.
    fn closes(&mut self, world: &World, cw: &CountryWorld, plan: &[MarketWeek], terms: &Terms) {
        for &m in &cw.markets {
            if !plan[m].closing {
                continue;
            }
            let p = world.markets[m].platform;
            self.consumers.end_habits_on(p);
            let target = cw
                .markets
                .iter()
                .map(|&o| world.markets[o].platform)
                .filter(|&o| o != p && terms.live_mask & (1 << o) != 0)
                .max_by(|&a, &b| {
                    self.per_follower.commission[a]
                        .total_cmp(&self.per_follower.commission[b])
                        .then(b.cmp(&a))
                });
            let carry = target
                .and_then(|o| {
                    cw.markets
                        .iter()
                        .find(|&&x| world.markets[x].platform == o)
                        .and_then(|&x| world.markets[x].spec.poaching.as_ref())
                        .map(|po| po.follower_carry)
                })
                .unwrap_or(CLOSE_CARRY);
            for c in self.creators.iter_mut() {
                if c.contract as usize == p {
                    c.contract = creators::NO_CONTRACT;
                    c.fee = 0.0;
                    c.contract_weeks = 0;
                }
                if c.home as usize != p {
                    continue;
                }
                match target {
                    Some(o) => {
                        c.home = o as u8;
                        c.original = o as u8;
                        c.followers *= carry;
                        c.switches += 1;
                    }
                    None => c.dormant = true,
                }
            }
        }
    }

    /// A shop running before `start` opens in week 0 with `initial_adopters` of its users
    /// holding a habit on it (and so accepting live shopping).
    fn installed_base(&mut self, world: &World, cw: &CountryWorld, plan: &[MarketWeek], week: u32) {
        if week != 0 {
            return;
        }
        for &m in &cw.markets {
            let mw = &world.markets[m];
            let share = mw.spec.live.as_ref().map_or(0.0, |l| l.initial_adopters);
            if !plan[m].open || share <= 0.0 {
                continue;
            }
            let p = mw.platform;
            self.adopted.clear();
            for i in 0..self.consumers.len() {
                if self.consumers.platforms[i] & (1 << p) == 0 || self.rng.random::<f64>() >= share
                {
                    continue;
                }
                if self.consumers.habits[i] & (1 << p) == 0 {
                    self.consumers.add_habit(i, p);
                }
                if !self.consumers.is_adopter(i) {
                    self.adopted.push(i as u32);
                }
            }
            let adopted = std::mem::take(&mut self.adopted);
            self.consumers.apply_changes(&adopted, &[]);
            self.adopted = adopted;
        }
    }

    /// Step 3: poaching campaigns of the open markets with a poaching rule, contract fees
    /// and ends, then dormant creators' returns.
    fn creator_market(
        &mut self,
        world: &World,
        cw: &CountryWorld,
        terms: &Terms,
        week: u32,
    ) -> Transfers {
        let mut t = Transfers::default();
        let switching_cost = cw.spec.creators.switching_cost;
        for &m in &cw.markets {
            let mw = &world.markets[m];
            let p = mw.platform;
            let Some(rule) = &mw.spec.poaching else {
                continue;
            };
            if terms.live_mask & (1 << p) == 0 {
                continue;
            }
            let loyalty = if world.switches.poaching_demand {
                rule.follower_loyalty
            } else {
                0.0
            };
            let followers_before = if loyalty > 0.0 {
                self.streaming_followers(terms.live_mask)
            } else {
                [0.0; MAX_PLATFORMS]
            };
            let campaign = &mut self.campaigns[p];
            // A campaign starts the first week a rival it targets has an open shop here (a
            // list drawn before would be empty for good).
            let due = match campaign.drawn {
                None => mw.poach_from & terms.live_mask != 0,
                Some(w) => rule.refresh_weeks.is_some_and(|r| week >= w + u32::from(r)),
            };
            if due {
                creators::campaign_targets(
                    &self.creators,
                    rule,
                    mw.poach_from,
                    terms.live_mask,
                    &mut campaign.targets,
                );
                campaign.drawn = Some(week);
            }
            let result = creators::poach(
                &mut self.creators,
                &campaign.targets,
                p as u8,
                rule,
                mw.poach_from,
                terms.live_mask,
                switching_cost,
                &self.per_follower,
                &mut t.lost,
            );
            t.won[p] += f64::from(result.won);
            if due {
                self.log.push(EventRecord {
                    week,
                    market: m,
                    kind: EventKind::Campaign,
                    value: campaign.targets.len() as f64,
                    detail: f64::from(result.offers),
                });
            }
            if loyalty > 0.0 {
                self.followers_follow(p, week, &result.moved, &followers_before, loyalty);
            }
        }
        creators::pay_contracts(
            &mut self.creators,
            terms.live_mask,
            &self.per_follower,
            switching_cost,
            &mut t.fees,
        );
        creators::returns(
            &mut self.creators,
            terms.live_mask,
            &self.per_follower,
            &mut t.returned,
        );
        t
    }

    /// Followers of each platform's streaming creators, its long tail's active followers
    /// included: F_p.
    fn streaming_followers(&self, live_mask: PlatformMask) -> [f64; MAX_PLATFORMS] {
        let mut f = [0.0; MAX_PLATFORMS];
        for c in self.creators.iter().filter(|c| c.streams(live_mask)) {
            f[c.home as usize] += c.followers;
        }
        for (p, tail) in self.tails.iter().enumerate() {
            if live_mask & (1 << p) != 0 {
                f[p] += tail.followers * tail.active;
            }
        }
        f
    }

    /// Poaching's demand channel: when creators with `moved[a]` followers left platform a
    /// for `poacher`, each of a's habit holders who uses the poacher and has no habit there
    /// takes one with probability `loyalty × moved[a] / F_a`, keeping its habit on a. The
    /// uniform is a hash of the consumer, week and platforms, not a draw of the country's
    /// stream: runs that differ in loyalty keep their draws aligned (common random numbers),
    /// and a larger loyalty moves a superset of the consumers a smaller one moves.
    fn followers_follow(
        &mut self,
        poacher: usize,
        week: u32,
        moved: &[f64; MAX_PLATFORMS],
        before: &[f64; MAX_PLATFORMS],
        loyalty: f64,
    ) {
        let mut share = [0.0; MAX_PLATFORMS];
        for a in 0..MAX_PLATFORMS {
            if moved[a] > 0.0 && before[a] > 0.0 {
                share[a] = (loyalty * moved[a] / before[a]).min(1.0);
            }
        }
        let from: PlatformMask = (0..MAX_PLATFORMS)
            .filter(|&a| share[a] > 0.0)
            .fold(0, |m, a| m | 1 << a);
        if from == 0 {
            return;
        }
        for i in 0..self.consumers.len() {
            let habits = self.consumers.habits[i];
            if habits & from == 0
                || habits & (1 << poacher) != 0
                || self.consumers.platforms[i] & (1 << poacher) == 0
            {
                continue;
            }
            // A consumer following several platforms' creators gets one chance per platform.
            let mut m = habits & from;
            while m != 0 {
                let a = m.trailing_zeros() as usize;
                m &= m - 1;
                let key = splitmix64(
                    self.holdout_key
                        ^ FOLLOW_KEY
                        ^ (u64::from(week) << 16)
                        ^ ((poacher as u64) << 8)
                        ^ a as u64,
                );
                if hash_unit(key, i as u64) < share[a] {
                    self.consumers.add_habit(i, poacher);
                    break;
                }
            }
        }
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
        fund_paid: &[f64; MAX_PLATFORMS],
        out: &mut [WeekRecord],
    ) {
        let w = cw.weight;
        let mut all = [0.0; MAX_PLATFORMS];
        let mut streaming = [0.0; MAX_PLATFORMS];
        let mut dormant = [0.0; MAX_PLATFORMS];
        for c in &self.creators {
            let p = c.home as usize;
            all[p] += 1.0;
            streaming[p] += f64::from(u8::from(c.streams(terms.live_mask)));
            dormant[p] += f64::from(u8::from(c.dormant));
        }
        for (slot, &m) in out.iter_mut().zip(&cw.markets) {
            let mw = &world.markets[m];
            let p = mw.platform;
            let open = plan[m].open;
            let platform = &world.platforms[p];
            let fixed = if open {
                mw.spec.fixed_cost_weekly_usd
            } else {
                0.0
            };
            let mut r: WeekRecord = [0.0; Metric::COUNT];
            r[Metric::Users as usize] = self.users[p] as f64 * w;
            r[Metric::Adopters as usize] = if open {
                self.consumers.habit_count[p] as f64 * w
            } else {
                0.0
            };
            r[Metric::Buyers as usize] = flows.buyers[p];
            r[Metric::Sessions as usize] = flows.sessions[p];
            r[Metric::Orders as usize] = flows.orders[p];
            r[Metric::GmvUsd as usize] = flows.gmv[p];
            r[Metric::SubsidyUsd as usize] = flows.subsidy[p];
            r[Metric::Discount as usize] = if open { terms.discount[p] } else { 0.0 };
            r[Metric::ContributionUsd as usize] = platform.take_rate * flows.gmv[p]
                + platform.ad_yield_usd_per_session * flows.sessions[p]
                - flows.subsidy[p]
                - transfers.fees[p]
                - fund_paid[p]
                - fixed;
            r[Metric::Creators as usize] = all[p];
            r[Metric::CreatorsStreaming as usize] = streaming[p];
            r[Metric::CreatorsDormant as usize] = dormant[p];
            r[Metric::CreatorsWon as usize] = transfers.won[p];
            r[Metric::CreatorsLost as usize] = transfers.lost[p];
            r[Metric::CreatorsReturned as usize] = transfers.returned[p];
            r[Metric::PoachingUsd as usize] = transfers.fees[p];
            r[Metric::CreatorFundUsd as usize] = fund_paid[p];
            r[Metric::LiveOpen as usize] = f64::from(u8::from(open));
            r[Metric::CategoryAdopters as usize] = self.consumers.adopters as f64 * w;
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
    /// Share of the discount the platform pays.
    platform_share: [f64; MAX_PLATFORMS],
    first_order: PlatformMask,
    holdout_mask: PlatformMask,
    holdout: [f64; MAX_PLATFORMS],
}

impl Terms {
    fn of(world: &World, cw: &CountryWorld, plan: &[MarketWeek]) -> Terms {
        let mut t = Terms {
            live_mask: 0,
            discount: [0.0; MAX_PLATFORMS],
            budget: [0.0; MAX_PLATFORMS],
            platform_share: [1.0; MAX_PLATFORMS],
            first_order: 0,
            holdout_mask: 0,
            holdout: [0.0; MAX_PLATFORMS],
        };
        for &m in &cw.markets {
            let mw = &world.markets[m];
            let p = mw.platform;
            if let Some(sub) = &mw.spec.subsidy {
                t.platform_share[p] = 1.0 - sub.seller_funded_share;
                if sub.target == Audience::FirstOrder {
                    t.first_order |= 1 << p;
                }
                if sub.policy == crate::scenario::Policy::Review && sub.measure.holdout() {
                    t.holdout_mask |= 1 << p;
                    t.holdout[p] = sub.holdout_share;
                }
            }
            if plan[m].open {
                t.live_mask |= 1 << p;
                t.discount[p] = plan[m].discount;
                t.budget[p] = plan[m].subsidy_budget;
            }
        }
        t
    }
}

/// Creators won, lost and returned, and contract fees paid, by platform index.
#[derive(Default)]
struct Transfers {
    won: [f64; MAX_PLATFORMS],
    lost: [f64; MAX_PLATFORMS],
    returned: [f64; MAX_PLATFORMS],
    fees: [f64; MAX_PLATFORMS],
}

/// P(w ≤ earnings) for a lognormal wage w with this median and sigma.
fn share_of_wages_below(earnings: f64, median: f64, sigma: f64) -> f64 {
    if earnings <= 0.0 {
        return 0.0;
    }
    if median <= 0.0 {
        return 1.0;
    }
    if sigma <= 0.0 {
        return f64::from(u8::from(earnings >= median));
    }
    let z = (earnings / median).ln() / sigma;
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    /// A review's holdout user count, kept up to date from each week's joiners, equals a
    /// count of every consumer afresh, week after week, while platforms grow and when the
    /// share changes (and changes back).
    #[test]
    fn the_holdout_count_grows_by_the_joiners_and_equals_a_fresh_count() {
        let text = r#"
            start = 2021-01-04
            weeks = 30
            [countries.XX]
            population = 1_000_000
            agents = 20000
            [platforms.a.markets.XX]
            reach = 0.2
            reach_growth = 0.08
            [platforms.b.markets.XX]
            reach = 0.5
        "#;
        let world = World::new(&Scenario::from_toml_str(text, "t.toml").unwrap());
        let markets = world.markets.len();
        let mut state = CountryState::new(&world, 0, 3);
        let plan = vec![MarketWeek::default(); markets];
        let mut out: Vec<WeekRecord> = vec![[0.0; Metric::COUNT]; markets];
        let mut aux = vec![Aux::default(); markets];
        // Weeks in which the count was carried forward, and in which it grew doing so.
        let (mut carried, mut grew) = ([0; 2], [0; 2]);
        for week in 0..world.weeks {
            state.step(&world, 0, week, &plan, &mut out, &mut aux);
            let share = if (10..20).contains(&week) { 0.25 } else { 0.1 };
            for p in 0..2 {
                let fresh = state.count_held(p, share);
                if let Some(held) = state.carried(p, share, week) {
                    assert_eq!(held, fresh, "carried to week {week}, platform {p}");
                    carried[p] += 1;
                    if held > state.held_counts[p].unwrap().held {
                        grew[p] += 1;
                    }
                }
                assert_eq!(state.held_users(p, share, week), fresh);
                // Never carried back to an earlier week, nor to another share.
                if week > 0 {
                    assert_eq!(state.carried(p, share, week - 1), None);
                }
                assert_eq!(state.carried(p, 0.5, week), None);
                // A holdout of `share` of the users: binomial, within 5 sd.
                let users = state.users[p] as f64;
                let sd = (users * share * (1.0 - share)).sqrt();
                assert!(
                    (fresh as f64 - share * users).abs() < 5.0 * sd,
                    "{fresh} of {users}"
                );
            }
        }
        // Counted afresh in week 0 and where the share changed (weeks 10 and 20); carried
        // forward in the 27 other weeks. Platform a grows until 0.2 × 1.08^t reaches 1, in
        // week 21 (hundreds join each week before), so its carried count grew in weeks 1-9,
        // 11-19 and 21; b does not grow.
        assert_eq!(carried, [27, 27]);
        assert_eq!(grew, [19, 0]);
    }
}
