//! A generation's population: its particles, their importance weights normalised to sum to
//! 1, and its effective sample size (pyabc's `Particle` and `Population`,
//! `pyabc/population/population.py`; the effective sample size is the statistics module's,
//! `stats::effective_sample_size`, as pyabc's is `weighted_statistics`').

use crate::stats::effective_sample_size;
use serde::{Deserialize, Serialize};

/// One accepted particle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Particle {
    pub theta: Vec<f64>,
    /// Normalised importance weight (the generation's weights sum to 1).
    pub weight: f64,
    pub summaries: Vec<f64>,
    pub distance: f64,
}

/// One generation's population and how it was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    /// Infinite for generation 0 (written as null).
    #[serde(with = "infinite_as_null")]
    pub epsilon: f64,
    pub particles: Vec<Particle>,
    /// Simulations run for this generation (discarded ones of the last batch included).
    pub simulations: u64,
    /// Accepted over attempted (attempts rejected by the prior included).
    pub acceptance: f64,
    /// Effective sample size 1 / Σ w².
    pub ess: f64,
    /// Each summary's spread (median absolute deviation) over this generation's
    /// simulations, for an adaptive distance to scale the next generation's by (None for a
    /// summary with no finite value); absent under a fixed distance, whose checkpoints do
    /// not carry it ([`super::distance::adaptive`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<Vec<Option<f64>>>,
}

impl Generation {
    /// The generation of `particles`, whose weights are importance weights up to a constant:
    /// normalised here, and the effective sample size taken of them.
    pub fn new(
        epsilon: f64,
        mut particles: Vec<Particle>,
        simulations: u64,
        acceptance: f64,
    ) -> Generation {
        normalise(&mut particles);
        let ess = ess(&particles);
        Generation {
            epsilon,
            particles,
            simulations,
            acceptance,
            ess,
            spread: None,
        }
    }
}

/// Divides the weights by their sum.
pub fn normalise(particles: &mut [Particle]) {
    let sum: f64 = particles.iter().map(|p| p.weight).sum();
    for p in particles {
        p.weight /= sum;
    }
}

/// Kish's effective sample size of normalised particles, 1 / Σ w².
pub fn ess(particles: &[Particle]) -> f64 {
    effective_sample_size(particles.iter().map(|p| p.weight))
}

/// An f64 that may be infinite, in JSON (which has no infinity): null.
mod infinite_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if x.is_finite() {
            s.serialize_f64(*x)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
    }
}
