//! The options of one ABC-SMC run: population, tolerance quantile, stop rules, seed and
//! batch, and the one place the tolerance schedule and the kernel are chosen.

use super::epsilon::{Epsilon, QuantileEpsilon, StopRules};
use super::population::Particle;
use super::transition::{MultivariateNormal, Transition};

/// How long to run and how hard to look.
#[derive(Debug, Clone)]
pub struct SmcOptions {
    /// Accepted particles per generation.
    pub population: usize,
    /// The next tolerance is this quantile of the last generation's distances (0 < q < 1).
    pub quantile: f64,
    /// When to stop.
    pub stop: StopRules,
    /// Seed of every draw.
    pub seed: u64,
    /// Attempts run in parallel at a time (fixed, so results do not depend on threads).
    pub batch: usize,
}

impl Default for SmcOptions {
    fn default() -> Self {
        SmcOptions {
            population: 500,
            quantile: 0.5,
            stop: StopRules {
                min_epsilon: 0.0,
                min_acceptance: 0.01,
                max_simulations: 1_000_000,
                max_generations: 20,
            },
            seed: 1,
            batch: 256,
        }
    }
}

impl SmcOptions {
    /// The tolerance schedule: the one place it is chosen.
    pub fn epsilon(&self) -> Box<dyn Epsilon> {
        Box::new(QuantileEpsilon {
            quantile: self.quantile,
        })
    }

    /// The kernel fitted to a population, None when it has no spread to perturb with: the
    /// one place it is chosen.
    pub fn transition<'a>(&self, population: &'a [Particle]) -> Option<Box<dyn Transition + 'a>> {
        Some(Box::new(MultivariateNormal::fit(population)?))
    }
}
