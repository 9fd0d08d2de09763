//! The distance of a simulation's summaries to the targets (pyabc's `Distance`,
//! `pyabc/distance/base.py`; [`ScaledEuclidean`] is its `PNormDistance` with p = 2 and fixed
//! weights 1 / scale, `pyabc/distance/pnorm.py`).
//!
//! A distance is chosen once, in [`super::options::SmcOptions::distance`] (called by
//! [`super::Problem::new`]), as a [`DistanceRule`]: which distance each generation measures
//! with, given the generations before it. [`ScaledEuclidean`] is the fixed rule (the same
//! distance in every generation); [`adaptive::Adaptive`] re-estimates each target's scale
//! from the spread of the previous generation's simulations, as pyabc's
//! `AdaptivePNormDistance`. Another distance is a file here with a type that implements
//! [`DistanceRule`], and that line.

pub mod adaptive;

use super::population::Generation;
use crate::targets::Target;
use std::cmp::Ordering;

/// How far one simulation's summaries are from the targets they are measured for.
pub trait Distance: Send + Sync {
    /// The distance of `summaries` (the targets' order) to the targets: 0 for a perfect
    /// fit, infinite when a summary is not a number (a simulation that failed is never
    /// accepted).
    fn distance(&self, summaries: &[f64]) -> f64;
}

/// Which distance each generation measures with (pyabc's `Distance.update`, called between
/// generations). A generation's distance depends only on the generations before it, so a
/// resumed, sharded or merged calibration measures with the same one.
pub trait DistanceRule: Send + Sync {
    /// The distance of generation `before.len()`, the generations before it given.
    fn at(&self, before: &[Generation]) -> ScaledEuclidean;
    /// Whether each generation records the spread of its simulated summaries
    /// ([`Generation::spread`]) for the rule to adapt to: false for a fixed distance, whose
    /// checkpoints then stay as they were.
    fn needs_spread(&self) -> bool {
        false
    }
}

/// One target as [`ScaledEuclidean`] sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Term {
    value: f64,
    /// The size of a miss worth one unit of distance (a target's `scale`).
    scale: f64,
    /// Equal: a value to hit; Greater: a lower bound; Less: an upper bound.
    side: Ordering,
}

/// The root of the summed squared misses, each in its target's scales: (x − value) / scale
/// for a value to hit; for a bound, only the amount by which x is on the wrong side, so
/// every value that respects it is a perfect fit.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledEuclidean {
    terms: Vec<Term>,
}

impl ScaledEuclidean {
    /// The distance to targets given as (value, scale, side), side as [`Target::side`]
    /// gives it.
    pub fn new(terms: impl IntoIterator<Item = (f64, f64, Ordering)>) -> ScaledEuclidean {
        ScaledEuclidean {
            terms: terms
                .into_iter()
                .map(|(value, scale, side)| Term { value, scale, side })
                .collect(),
        }
    }

    /// The distance to a targets file's targets, each of which has a scale (those
    /// [`crate::targets::Summaries`] chose).
    pub fn of_targets(targets: &[Target]) -> ScaledEuclidean {
        ScaledEuclidean::new(
            targets
                .iter()
                .map(|t| (t.value, t.scale.expect("chosen for their scale"), t.side())),
        )
    }

    /// The same targets with other scales (one per target, in order): how an adaptive rule
    /// re-weights them.
    pub fn with_scales(&self, scales: &[f64]) -> ScaledEuclidean {
        ScaledEuclidean {
            terms: self
                .terms
                .iter()
                .zip(scales)
                .map(|(t, &scale)| Term { scale, ..*t })
                .collect(),
        }
    }

    /// Each target's scale, in order.
    pub fn scales(&self) -> Vec<f64> {
        self.terms.iter().map(|t| t.scale).collect()
    }

    /// Each target's squared miss in scales, in order (they sum to the squared distance):
    /// how much of a distance each target makes.
    pub fn squared_misses(&self, summaries: &[f64]) -> Vec<f64> {
        self.terms
            .iter()
            .zip(summaries)
            .map(|(t, &x)| ScaledEuclidean::miss(t, x).powi(2))
            .collect()
    }

    /// How far `x` misses `t`, in scales.
    fn miss(t: &Term, x: f64) -> f64 {
        match t.side {
            Ordering::Equal => (x - t.value) / t.scale,
            Ordering::Greater => (t.value - x).max(0.0) / t.scale,
            Ordering::Less => (x - t.value).max(0.0) / t.scale,
        }
    }
}

impl Distance for ScaledEuclidean {
    fn distance(&self, summaries: &[f64]) -> f64 {
        if summaries.iter().any(|x| !x.is_finite()) {
            return f64::INFINITY;
        }
        self.terms
            .iter()
            .zip(summaries)
            .map(|(t, &x)| ScaledEuclidean::miss(t, x).powi(2))
            .sum::<f64>()
            .sqrt()
    }
}

/// The fixed rule: the targets file's scales in every generation.
impl DistanceRule for ScaledEuclidean {
    fn at(&self, _before: &[Generation]) -> ScaledEuclidean {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misses_count_in_scales_and_bounds_only_when_broken() {
        let d = ScaledEuclidean::new([
            (10.0, 2.0, Ordering::Equal),
            (5.0, 1.0, Ordering::Greater),
            (5.0, 1.0, Ordering::Less),
        ]);
        // 3 scales off the value; the bounds respected.
        assert_eq!(d.distance(&[16.0, 9.0, 1.0]), 3.0);
        // 4 below the lower bound, 3 above the upper: √(0 + 16 + 9).
        assert_eq!(d.distance(&[10.0, 1.0, 8.0]), 5.0);
        assert_eq!(d.distance(&[10.0, f64::NAN, 5.0]), f64::INFINITY);
    }
}
