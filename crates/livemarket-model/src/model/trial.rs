//! One trial: the weekly loop. Steps 1-2 (calendar, platform policy) run once per week for all
//! markets, since gates tie markets of different countries together; steps 3-7 run per
//! country, in parallel when threads are free.

use super::country::{Aux, CountryState, MarketWeek};
use super::events::{EventKind, EventRecord, Events};
use super::metrics::{Metric, WeekRecord};
use super::rng::trial_seed;
use crate::scenario::{ExitMeasure, GateMeasure, Policy, ReviewMeasure, Subsidy};
use crate::world::World;
use rayon::prelude::*;

/// Estimated peak memory of one trial of `world` in bytes: consumer arrays, network,
/// creators and the weekly record. It lives with the model, whose state it counts, so the
/// world does not depend on the model.
pub fn trial_memory_bytes(world: &World) -> u64 {
    let consumers: u64 = world
        .countries
        .iter()
        .map(super::consumers::estimated_bytes)
        .fold(0, u64::saturating_add);
    let creators: u64 = world
        .countries
        .iter()
        .map(|c| u64::from(c.spec.creators.agents) * 128)
        .sum();
    let record = u64::from(world.weeks) * world.markets.len() as u64 * Metric::ALL.len() as u64 * 8;
    consumers + creators + record
}

/// One creator at the end of a trial (`run --creators`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CreatorEnd {
    /// Index into [`World::countries`].
    pub country: u16,
    /// Home platform at the end, and at the start.
    pub home: u8,
    pub initial_home: u8,
    pub dormant: bool,
    /// Times it changed home.
    pub switches: u16,
    /// Weeks spent dormant.
    pub dormant_weeks: u16,
    pub followers: f64,
    pub skill: f64,
    /// Reservation wage, USD per week.
    pub reservation: f64,
    /// Trailing weekly earnings, USD.
    pub trailing: f64,
    /// Earnings over the trial, USD.
    pub earnings: f64,
}

/// Everything one trial produces.
#[derive(Debug, Clone)]
pub struct TrialResult {
    /// Trial index k.
    pub trial: u64,
    /// Seed of the trial, derived from the scenario seed and k.
    pub seed: u64,
    /// weeks × markets records, week-major: `weekly[t * markets + m]`.
    pub weekly: Vec<WeekRecord>,
    /// Per market.
    pub events: Vec<Events>,
    /// Every event in week order (within a week: calendar, policy, then countries in order).
    pub log: Vec<EventRecord>,
    /// Every creator's end state, by country then creator, when the world records them.
    pub creators: Vec<CreatorEnd>,
    /// Wall-clock seconds spent building agents and networks, and stepping the weeks. Not
    /// part of any result file (it varies run to run); reported with `--timings`.
    pub seconds: (f64, f64),
}

impl TrialResult {
    pub fn record(&self, markets: usize, week: usize, market: usize) -> &WeekRecord {
        &self.weekly[week * markets + market]
    }
}

/// Platform-side state of one market.
#[derive(Debug, Clone, Copy)]
struct MarketState {
    open: bool,
    /// Closed or withdrawn this week (the country ends habits and moves creators).
    closing: bool,
    events: Events,
    /// Current subsidy rate.
    rate: f64,
    /// The last `value` review measure, for `value` gates.
    last_value: Option<f64>,
}

/// Runs trial `k` of `world`.
pub fn simulate(world: &World, k: u64) -> TrialResult {
    let began = std::time::Instant::now();
    let seed = trial_seed(world.seed, k);
    let nm = world.markets.len();
    let weeks = world.weeks as usize;
    let mut countries: Vec<CountryState> = (0..world.countries.len())
        .into_par_iter()
        .map(|c| CountryState::new(world, c, seed))
        .collect();
    let mut markets: Vec<MarketState> = world
        .markets
        .iter()
        .map(|m| MarketState {
            open: false,
            closing: false,
            events: Events::default(),
            rate: m.spec.subsidy.as_ref().map_or(0.0, |s| s.rate),
            last_value: None,
        })
        .collect();
    let mut weekly = vec![[0.0; Metric::COUNT]; weeks * nm];
    let mut aux = vec![Aux::default(); weeks * nm];
    let mut plan = vec![MarketWeek::default(); nm];
    let mut log = Vec::new();
    let setup = began.elapsed().as_secs_f64();
    let lengths: Vec<usize> = world.countries.iter().map(|c| c.markets.len()).collect();
    for t in 0..weeks {
        let (past, rest) = weekly.split_at_mut(t * nm);
        let (aux_past, aux_rest) = aux.split_at_mut(t * nm);
        calendar(world, t as u32, &mut markets, past, &mut log);
        policy(
            world,
            t as u32,
            &mut markets,
            past,
            aux_past,
            &mut plan,
            &mut log,
        );
        let mut chunks: Vec<(&mut [WeekRecord], &mut [Aux])> = Vec::with_capacity(lengths.len());
        let (mut tail, mut aux_tail) = (&mut rest[..nm], &mut aux_rest[..nm]);
        for &len in &lengths {
            let (head, next) = tail.split_at_mut(len);
            let (aux_head, aux_next) = aux_tail.split_at_mut(len);
            chunks.push((head, aux_head));
            tail = next;
            aux_tail = aux_next;
        }
        countries
            .par_iter_mut()
            .zip(chunks.into_par_iter())
            .enumerate()
            .for_each(|(c, (state, (out, aux)))| state.step(world, c, t as u32, &plan, out, aux));
        for state in &mut countries {
            log.append(&mut state.log);
        }
    }
    let creators = if world.record_creators {
        countries
            .iter()
            .enumerate()
            .flat_map(|(c, state)| {
                state.creators.iter().map(move |cr| CreatorEnd {
                    country: c as u16,
                    home: cr.home,
                    initial_home: cr.initial,
                    dormant: cr.dormant,
                    switches: cr.switches,
                    dormant_weeks: cr.dormant_weeks,
                    followers: cr.followers,
                    skill: cr.skill,
                    reservation: cr.reservation,
                    trailing: cr.trailing,
                    earnings: cr.total,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    TrialResult {
        trial: k,
        seed,
        weekly,
        events: markets.iter().map(|m| m.events).collect(),
        log,
        creators,
        seconds: (setup, began.elapsed().as_secs_f64() - setup),
    }
}

/// Step 1: launches and closes whose week has come. A gate compares the gate market's mean
/// weekly GMV over the `window_weeks` before the launch (fewer when the run is younger; none
/// counts as 0) with its minimum.
fn calendar(
    world: &World,
    t: u32,
    markets: &mut [MarketState],
    past: &[WeekRecord],
    log: &mut Vec<EventRecord>,
) {
    let nm = world.markets.len();
    let last_gmv = |m: usize| {
        if t > 0 {
            past[(t as usize - 1) * nm + m][Metric::GmvUsd as usize]
        } else {
            0.0
        }
    };
    for (m, mw) in world.markets.iter().enumerate() {
        markets[m].closing = false;
        if mw.launch_week == Some(t) {
            let measured = mw.gate.map(|g| {
                let from = t.saturating_sub(u32::from(g.window_weeks));
                let mean = |metric: Metric| {
                    let total: f64 = (from..t)
                        .map(|wk| past[wk as usize * nm + g.market][metric as usize])
                        .sum();
                    if t > from {
                        total / f64::from(t - from)
                    } else {
                        0.0
                    }
                };
                let value = match g.measure {
                    GateMeasure::Gmv => Some(mean(Metric::GmvUsd)),
                    GateMeasure::Plan => {
                        let plan = world.markets[g.market]
                            .plan
                            .as_ref()
                            .expect("validated plan");
                        let planned: f64 = (from..t).map(|wk| plan[wk as usize]).sum();
                        let gmv = mean(Metric::GmvUsd) * f64::from(t - from);
                        Some(if planned > 0.0 { gmv / planned } else { 0.0 })
                    }
                    GateMeasure::Contribution => Some(mean(Metric::ContributionUsd)),
                    GateMeasure::Value => markets[g.market].last_value,
                };
                // A quantity that cannot be read (no value review yet) does not pass.
                (
                    value.unwrap_or(0.0),
                    value.is_some_and(|v| v >= g.threshold),
                )
            });
            let state = &mut markets[m];
            let value = measured.map_or(0.0, |(mean, _)| mean);
            if measured.is_none_or(|(_, passes)| passes) {
                state.open = true;
                state.events.opened = Some(t);
                log.push(EventRecord {
                    week: t,
                    market: m,
                    kind: EventKind::Opened,
                    value,
                    detail: 0.0,
                });
            } else {
                state.events.cancelled = true;
                log.push(EventRecord {
                    week: t,
                    market: m,
                    kind: EventKind::Cancelled,
                    value,
                    detail: 0.0,
                });
            }
        }
        if mw.close_week == Some(t) && markets[m].open {
            markets[m].open = false;
            markets[m].closing = true;
            markets[m].events.closed = Some(t);
            log.push(EventRecord {
                week: t,
                market: m,
                kind: EventKind::Closed,
                value: last_gmv(m),
                detail: 0.0,
            });
        }
    }
}

/// What a review reads of its platform: its margin terms.
#[derive(Clone, Copy)]
struct Margin {
    take_rate: f64,
    ad_yield: f64,
}

/// The measure a review reads over the window of weeks `from..t` of a market open since
/// week `opened` (None when it cannot be computed: no platform subsidy spend in the window,
/// no week with both treated and holdout users, or, for growth, a window before that was
/// not all open: growth over a window of no sales would be GMV / subsidy, 1/rate, whatever
/// the market).
fn review_measure(
    sub: &Subsidy,
    margin: Margin,
    at: &dyn Fn(u32, Metric) -> f64,
    aux: &dyn Fn(u32) -> Aux,
    opened: u32,
    from: u32,
    t: u32,
) -> Option<f64> {
    let spent: f64 = (from..t).map(|wk| at(wk, Metric::SubsidyUsd)).sum();
    if spent <= 0.0 {
        return None;
    }
    let gmv = |a: u32, b: u32| (a..b).map(|wk| at(wk, Metric::GmvUsd)).sum::<f64>();
    // Σ over weeks with both groups of (treated per treated user − held per held user) ×
    // treated users, for a quantity given as (all users' total, the holdout's).
    let over_holdout = |of: &dyn Fn(u32, &Aux) -> (f64, f64)| {
        let mut added = 0.0;
        let mut any = false;
        for wk in from..t {
            let x = aux(wk);
            let treated = at(wk, Metric::Users) - x.held_users;
            if x.held_users > 0.0 && treated > 0.0 {
                let (all, held) = of(wk, &x);
                added += ((all - held) / treated - held / x.held_users) * treated;
                any = true;
            }
        }
        any.then_some(added)
    };
    match sub.measure {
        ReviewMeasure::Growth => {
            let len = t - from;
            (from >= opened + len).then(|| (gmv(from, t) - gmv(from - len, from)) / spent)
        }
        ReviewMeasure::Incremental => {
            over_holdout(&|wk, x| (at(wk, Metric::GmvUsd), x.gmv_held)).map(|g| g / spent)
        }
        ReviewMeasure::Contribution => {
            let total: f64 = (from..t).map(|wk| at(wk, Metric::ContributionUsd)).sum();
            Some(total / f64::from(t - from))
        }
        ReviewMeasure::Value => {
            let c = |g: f64, sessions: f64| margin.take_rate * g + margin.ad_yield * sessions;
            let margin_now = over_holdout(&|wk, x| {
                (
                    c(at(wk, Metric::GmvUsd), at(wk, Metric::Sessions)),
                    c(x.gmv_held, x.sessions_held),
                )
            })?;
            let habits_won = over_holdout(&|_, x| (x.gained, x.gained_held))?;
            Some((margin_now + habit_value(sub, margin, at, aux, from, t) * habits_won) / spent)
        }
    }
}

/// The value V of one habit over the window `from..t`: g × m × (1 − (1 − λ)^H) / λ, with g
/// the market's GMV per habit-week, m its margin per GMV dollar, λ its measured weekly habit
/// loss hazard (floored at 1/H) and H the horizon (docs/model.md, the `value` measure).
fn habit_value(
    sub: &Subsidy,
    margin: Margin,
    at: &dyn Fn(u32, Metric) -> f64,
    aux: &dyn Fn(u32) -> Aux,
    from: u32,
    t: u32,
) -> f64 {
    let sum = |metric: Metric| (from..t).map(|wk| at(wk, metric)).sum::<f64>();
    let habit_weeks = sum(Metric::Adopters);
    let gmv = sum(Metric::GmvUsd);
    if habit_weeks <= 0.0 || gmv <= 0.0 {
        return 0.0;
    }
    let lost: f64 = (from..t).map(|wk| aux(wk).lost).sum();
    let horizon = f64::from(sub.value_horizon_weeks);
    let g = gmv / habit_weeks;
    let m = (margin.take_rate * gmv + margin.ad_yield * sum(Metric::Sessions)) / gmv;
    let lambda = (lost / habit_weeks).max(1.0 / horizon).min(1.0);
    g * m * (1.0 - (1.0 - lambda).powf(horizon)) / lambda
}

/// The new rate after a review that read `value`: cut below `review_target` (not below
/// `min_rate`), raised above `review_target_high` (not above `max_rate`), else kept.
fn reviewed_rate(sub: &Subsidy, rate: f64, value: f64) -> f64 {
    let high = sub.review_target_high.unwrap_or(sub.review_target);
    if value < sub.review_target {
        (rate * sub.cut).max(sub.min_rate.min(rate))
    } else if value > high || (value >= high && sub.review_target_high.is_none()) {
        (rate * sub.raise).min(sub.max_rate.unwrap_or(sub.rate))
    } else {
        rate
    }
}

/// The exit rule's reading at week `t`: the mean weekly GMV (or share of plan) over the last
/// `patience_weeks`, once the window lies wholly after the grace weeks; and whether it is
/// below the threshold.
fn exit_reading(
    mw: &crate::world::MarketWorld,
    exit: &crate::scenario::Exit,
    at: &dyn Fn(u32, Metric) -> f64,
    opened: u32,
    t: u32,
) -> Option<(f64, bool)> {
    let patience = u32::from(exit.patience_weeks);
    if t < opened + u32::from(exit.grace_weeks) + patience {
        return None;
    }
    let from = t - patience;
    let gmv: f64 = (from..t).map(|wk| at(wk, Metric::GmvUsd)).sum();
    Some(match exit.measure {
        ExitMeasure::Gmv => {
            let mean = gmv / f64::from(patience);
            (
                mean,
                mean < exit.min_weekly_gmv_usd.expect("validated exit"),
            )
        }
        ExitMeasure::Plan => {
            let plan = mw.plan.as_ref().expect("validated plan");
            let planned: f64 = (from..t).map(|wk| plan[wk as usize]).sum();
            let share = if planned > 0.0 { gmv / planned } else { 1.0 };
            (share, share < exit.min_plan_share.expect("validated exit"))
        }
    })
}

/// Step 2: subsidy reviews, exit rules, and the week's discount within the weekly budget.
fn policy(
    world: &World,
    t: u32,
    markets: &mut [MarketState],
    past: &[WeekRecord],
    aux_past: &[Aux],
    plan: &mut [MarketWeek],
    log: &mut Vec<EventRecord>,
) {
    let nm = world.markets.len();
    let switches = world.switches;
    for (m, mw) in world.markets.iter().enumerate() {
        let at = |week: u32, metric: Metric| past[week as usize * nm + m][metric as usize];
        let aux = |week: u32| aux_past[week as usize * nm + m];
        let state = &mut markets[m];
        let opened = state.events.opened.unwrap_or(t);
        let last_gmv = if t > 0 {
            at(t - 1, Metric::GmvUsd)
        } else {
            0.0
        };
        if state.open {
            if let Some(sub) = mw
                .spec
                .subsidy
                .as_ref()
                .filter(|s| s.policy == Policy::Review)
            {
                let open_weeks = t - opened;
                let review = u32::from(sub.review_weeks);
                let platform = &world.platforms[mw.platform];
                let margin = Margin {
                    take_rate: platform.take_rate,
                    ad_yield: platform.ad_yield_usd_per_session,
                };
                if open_weeks > 0
                    && open_weeks.is_multiple_of(review)
                    && let Some(value) =
                        review_measure(sub, margin, &at, &aux, opened, t - review, t)
                {
                    if sub.measure == ReviewMeasure::Value {
                        state.last_value = Some(value);
                    }
                    if switches.reviews {
                        state.rate = reviewed_rate(sub, state.rate, value);
                    }
                    log.push(EventRecord {
                        week: t,
                        market: m,
                        kind: EventKind::Review,
                        value,
                        detail: state.rate,
                    });
                }
            }
            if let Some(exit) = mw.spec.exit.as_ref().filter(|_| switches.exit)
                && let Some((reading, below)) = exit_reading(mw, exit, &at, opened, t)
                && below
            {
                state.open = false;
                state.closing = true;
                state.events.withdrawn = Some(t);
                log.push(EventRecord {
                    week: t,
                    market: m,
                    kind: EventKind::Withdrawn,
                    value: reading,
                    detail: 0.0,
                });
            }
        }
        let sub = mw.spec.subsidy.as_ref();
        let budget = sub
            .and_then(|s| s.weekly_budget_usd)
            .unwrap_or(f64::INFINITY);
        let share = sub.map_or(1.0, |s| 1.0 - s.seller_funded_share);
        // The discount is capped so that last week's GMV at it would just spend the budget
        // (the platform's share of it); within the week, orders beyond the budget get no
        // more platform subsidy, so spend never exceeds the budget.
        let discount = if state.open && sub.is_some() {
            if last_gmv > 0.0 && share > 0.0 {
                state.rate.min(budget / (last_gmv * share))
            } else {
                state.rate
            }
        } else {
            0.0
        };
        plan[m] = MarketWeek {
            open: state.open,
            closing: state.closing,
            opened: state.events.opened,
            discount,
            subsidy_budget: budget,
        };
    }
}
