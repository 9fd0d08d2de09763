//! The tolerance schedule and the rules that stop a calibration (pyabc's `Epsilon`,
//! `pyabc/epsilon/base.py`; [`QuantileEpsilon`] is its `QuantileEpsilon` with
//! `weighted=False`, `pyabc/epsilon/epsilon.py`; [`StopRules`] are the stopping arguments of
//! `ABCSMC.run`, `minimum_epsilon`, `min_acceptance_rate`, `max_total_nr_simulations` and
//! `max_nr_populations`, checked as `termination_criteria_fulfilled` checks them).
//!
//! The schedule is chosen once, in [`super::smc::SmcOptions::epsilon`]; another schedule is
//! a file here with a type that implements [`Epsilon`], and that line.

use super::distance::Distance;
use super::population::Generation;

/// How a generation's tolerance follows from the generation before it.
pub trait Epsilon: Sync {
    /// The tolerance of the generation after `previous`, whose particles' distances are
    /// measured again by `distance`, the one the next generation measures with (the same as
    /// their own under a fixed distance; under an adaptive one, pyabc likewise re-weights the
    /// previous population's distances before taking their quantile). For the first
    /// generation (`None`), infinite: every prior draw is accepted.
    fn after(&self, previous: Option<&Generation>, distance: &dyn Distance) -> f64;
}

/// The `quantile` of the previous generation's distances (unweighted, as Beaumont et al.
/// 2009; type 7): 0.5 halves the tolerance's quantile each generation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantileEpsilon {
    /// Strictly between 0 and 1.
    pub quantile: f64,
}

impl Epsilon for QuantileEpsilon {
    fn after(&self, previous: Option<&Generation>, distance: &dyn Distance) -> f64 {
        let Some(previous) = previous else {
            return f64::INFINITY;
        };
        let mut d: Vec<f64> = previous
            .particles
            .iter()
            .map(|p| distance.distance(&p.summaries))
            .collect();
        d.sort_by(f64::total_cmp);
        crate::stats::quantile(&d, self.quantile)
    }
}

/// Why a calibration stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The tolerance reached `min_epsilon`.
    Tolerance,
    /// A generation's acceptance rate fell below `min_acceptance`.
    Acceptance,
    /// The simulation budget was spent.
    Budget,
    /// `max_generations` were run.
    Generations,
    /// The last population has no spread in some direction (all weight on one particle,
    /// or on a line): there is nothing to perturb with, and its posterior is degenerate.
    Degenerate,
    /// The wall-time budget (`--max-minutes`) had passed when a generation finished: the
    /// folder is complete, and `--resume` goes on from that generation.
    WallTime,
}

/// When to stop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StopRules {
    /// Stop once a generation's tolerance is at most this.
    pub min_epsilon: f64,
    /// Stop after a generation (not the first) whose acceptance rate fell below this.
    pub min_acceptance: f64,
    /// Stop once this many simulations have run in all (a generation left unfinished is
    /// dropped: the last one kept is whole).
    pub max_simulations: u64,
    /// Most generations, generation 0 included.
    pub max_generations: usize,
}

impl StopRules {
    /// Whether the calibration stops after `generations` (the last just finished).
    pub fn after(&self, generations: &[Generation]) -> Option<Stop> {
        let last = generations.last()?;
        if last.epsilon <= self.min_epsilon {
            Some(Stop::Tolerance)
        } else if generations.len() > 1 && last.acceptance < self.min_acceptance {
            Some(Stop::Acceptance)
        } else if generations.len() >= self.max_generations {
            Some(Stop::Generations)
        } else {
            None
        }
    }

    /// Whether `simulations` in all spend the budget: no batch more is run.
    pub fn budget_spent(&self, simulations: u64) -> bool {
        simulations >= self.max_simulations
    }
}
