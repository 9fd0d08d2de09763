//! The options of one ABC-SMC run: population, tolerance quantile, stop rules, seed and
//! batch, and the one place the distance, the tolerance schedule and the kernel are chosen.

use super::distance::adaptive::Adaptive;
use super::distance::{DistanceRule, ScaledEuclidean};
use super::epsilon::{Epsilon, QuantileEpsilon, StopRules};
use super::population::Particle;
use super::prior::Prior;
use super::transition::defensive::Defensive;
use super::transition::local::LocalCovariance;
use super::transition::{MultivariateNormal, Transition};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Which distance the calibration measures with (`calibrate --distance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum DistanceKind {
    /// The targets file's scales in every generation ([`ScaledEuclidean`]).
    #[default]
    Fixed,
    /// Each target's scale re-estimated every generation from the spread of the previous
    /// generation's simulations ([`Adaptive`], pyabc's `AdaptivePNormDistance`).
    Adaptive,
}

impl DistanceKind {
    /// Whether it is the default (a recipe leaves the default out, so that a fixed
    /// calibration's checkpoint is what it was before there was a choice).
    pub fn is_default(&self) -> bool {
        *self == DistanceKind::default()
    }
}

/// Which kernel proposes each generation from the one before (`calibrate --kernel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum KernelKind {
    /// One Gaussian of the population's covariance, Silverman's bandwidth
    /// ([`MultivariateNormal`]).
    #[default]
    Mvn,
    /// A Gaussian per particle, of the covariance of its nearest neighbours
    /// ([`LocalCovariance`], pyabc's `LocalTransition`).
    Local,
}

impl KernelKind {
    /// Whether it is the default (left out of a recipe, as [`DistanceKind::is_default`]).
    pub fn is_default(&self) -> bool {
        *self == KernelKind::default()
    }
}

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
    /// The distance.
    pub distance: DistanceKind,
    /// The kernel.
    pub kernel: KernelKind,
    /// The share α of proposals drawn from the prior ([`Defensive`]); 0: none, the kernel
    /// alone.
    pub defensive: f64,
    /// Stop after the first generation that finishes past this instant (`--max-minutes`):
    /// where a calibration stops, never what its generations are, so it is no part of the
    /// recipe.
    pub deadline: Option<Instant>,
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
            distance: DistanceKind::default(),
            kernel: KernelKind::default(),
            defensive: 0.0,
            deadline: None,
        }
    }
}

impl SmcOptions {
    /// The distance rule over the targets of `fixed` (their values, sides and file scales):
    /// the one place it is chosen.
    pub fn distance(&self, fixed: ScaledEuclidean) -> Box<dyn DistanceRule> {
        match self.distance {
            DistanceKind::Fixed => Box::new(fixed),
            DistanceKind::Adaptive => Box::new(Adaptive::new(fixed)),
        }
    }

    /// The tolerance schedule: the one place it is chosen.
    pub fn epsilon(&self) -> Box<dyn Epsilon> {
        Box::new(QuantileEpsilon {
            quantile: self.quantile,
        })
    }

    /// The kernel fitted to a population, mixed with the prior when `defensive` > 0; None
    /// when the population has no spread to perturb with: the one place it is chosen.
    pub fn transition<'a>(
        &self,
        population: &'a [Particle],
        prior: &'a dyn Prior,
    ) -> Option<Box<dyn Transition + 'a>> {
        let kernel: Box<dyn Transition + 'a> = match self.kernel {
            KernelKind::Mvn => Box::new(MultivariateNormal::fit(population)?),
            KernelKind::Local => Box::new(LocalCovariance::fit_default(population)?),
        };
        Some(if self.defensive > 0.0 {
            Box::new(Defensive::new(kernel, prior, self.defensive))
        } else {
            kernel
        })
    }
}
