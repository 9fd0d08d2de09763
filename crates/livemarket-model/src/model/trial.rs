//! One trial: the weekly loop. Steps 1-2 (calendar, platform policy) run once per week for all
//! markets, since gates tie markets of different countries together; steps 3-7 run per
//! country, in parallel when threads are free.

use super::country::{CountryState, MarketWeek};
use super::metrics::{Metric, WeekRecord};
use super::rng::trial_seed;
use crate::scenario::Policy;
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
        .sum();
    let creators: u64 = world
        .countries
        .iter()
        .map(|c| u64::from(c.spec.creators.agents) * 96)
        .sum();
    let record = u64::from(world.weeks) * world.markets.len() as u64 * Metric::ALL.len() as u64 * 8;
    consumers + creators + record
}

/// What happened to live shopping in one market during a trial.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Events {
    /// Week live shopping opened.
    pub opened: Option<u32>,
    /// The launch was cancelled by its gate.
    pub cancelled: bool,
    /// Week live shopping was withdrawn by the exit rule.
    pub withdrawn: Option<u32>,
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
    events: Events,
    /// Current subsidy rate.
    rate: f64,
    /// Poor weeks in a row (exit rule).
    poor_weeks: u16,
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
            events: Events::default(),
            rate: m.spec.subsidy.as_ref().map_or(0.0, |s| s.rate),
            poor_weeks: 0,
        })
        .collect();
    let mut weekly = vec![[0.0; Metric::COUNT]; weeks * nm];
    let mut plan = vec![MarketWeek::default(); nm];
    let setup = began.elapsed().as_secs_f64();
    let lengths: Vec<usize> = world.countries.iter().map(|c| c.markets.len()).collect();
    for t in 0..weeks {
        let (past, rest) = weekly.split_at_mut(t * nm);
        calendar(world, t as u32, &mut markets, past);
        policy(world, t as u32, &mut markets, past, &mut plan);
        let row = &mut rest[..nm];
        let mut chunks: Vec<&mut [WeekRecord]> = Vec::with_capacity(lengths.len());
        let mut tail = row;
        for &len in &lengths {
            let (head, next) = tail.split_at_mut(len);
            chunks.push(head);
            tail = next;
        }
        countries
            .par_iter_mut()
            .zip(chunks.into_par_iter())
            .enumerate()
            .for_each(|(c, (state, out))| state.step(world, c, t as u32, &plan, out));
    }
    TrialResult {
        trial: k,
        seed,
        weekly,
        events: markets.iter().map(|m| m.events).collect(),
        seconds: (setup, began.elapsed().as_secs_f64() - setup),
    }
}

/// Step 1: launches whose week has come. A gate compares the gate market's mean weekly GMV
/// over the `window_weeks` before the launch (fewer when the run is younger; none counts as
/// 0) with its minimum.
fn calendar(world: &World, t: u32, markets: &mut [MarketState], past: &[WeekRecord]) {
    let nm = world.markets.len();
    for (m, mw) in world.markets.iter().enumerate() {
        if mw.launch_week != Some(t) {
            continue;
        }
        let passes = mw.gate.is_none_or(|g| {
            let from = t.saturating_sub(u32::from(g.window_weeks));
            let gmv: f64 = (from..t)
                .map(|wk| past[wk as usize * nm + g.market][Metric::GmvUsd as usize])
                .sum();
            let mean = if t > from {
                gmv / f64::from(t - from)
            } else {
                0.0
            };
            mean >= g.min_weekly_gmv_usd
        });
        let state = &mut markets[m];
        if passes {
            state.open = true;
            state.events.opened = Some(t);
        } else {
            state.events.cancelled = true;
        }
    }
}

/// Step 2: subsidy reviews, exit rules, and the week's discount within the weekly budget.
fn policy(
    world: &World,
    t: u32,
    markets: &mut [MarketState],
    past: &[WeekRecord],
    plan: &mut [MarketWeek],
) {
    let nm = world.markets.len();
    let at = |week: u32, m: usize, metric: Metric| past[week as usize * nm + m][metric as usize];
    for (m, mw) in world.markets.iter().enumerate() {
        let state = &mut markets[m];
        let opened = state.events.opened.unwrap_or(t);
        let last_gmv = if t > 0 {
            at(t - 1, m, Metric::GmvUsd)
        } else {
            0.0
        };
        if state.open {
            if let Some(sub) = mw.spec.subsidy.as_ref().filter(|s| s.policy == Policy::Roi) {
                let open_weeks = t - opened;
                let review = u32::from(sub.review_weeks);
                if open_weeks > 0 && open_weeks.is_multiple_of(review) {
                    let (gmv, spent) = (t - review..t).fold((0.0, 0.0), |(g, s), wk| {
                        (
                            g + at(wk, m, Metric::GmvUsd),
                            s + at(wk, m, Metric::SubsidyUsd),
                        )
                    });
                    if spent > 0.0 {
                        state.rate = if gmv / spent < sub.target_roi {
                            state.rate * sub.cut
                        } else {
                            (state.rate * sub.raise).min(sub.max_rate.unwrap_or(sub.rate))
                        };
                    }
                }
            }
            if let Some(exit) = &mw.spec.exit
                && t > opened
            {
                state.poor_weeks = if last_gmv < exit.min_weekly_gmv_usd {
                    state.poor_weeks + 1
                } else {
                    0
                };
                if state.poor_weeks >= exit.patience_weeks {
                    state.open = false;
                    state.events.withdrawn = Some(t);
                }
            }
        }
        let budget = mw
            .spec
            .subsidy
            .as_ref()
            .and_then(|s| s.weekly_budget_usd)
            .unwrap_or(f64::INFINITY);
        // The discount is capped so that last week's GMV at it would just spend the budget;
        // within the week, orders beyond the budget get no more subsidy, so spend never
        // exceeds the budget.
        let discount = if state.open && mw.spec.subsidy.is_some() {
            if last_gmv > 0.0 {
                state.rate.min(budget / last_gmv)
            } else {
                state.rate
            }
        } else {
            0.0
        };
        plan[m] = MarketWeek {
            open: state.open,
            discount,
            subsidy_budget: budget,
        };
    }
}
