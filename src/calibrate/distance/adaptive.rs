//! The adaptive distance: each target's scale re-estimated every generation from the spread
//! of the previous generation's simulated summaries (pyabc's `AdaptivePNormDistance` with
//! p = 2, its default scale function `mad` and `all_particles_for_scale=True`,
//! `pyabc/distance/pnorm.py`; Prangle 2017, "Adapting the ABC distance function", Bayesian
//! Analysis 12(1)).
//!
//! The spread of a target is the median absolute deviation, median |x − median x|, of its
//! summary over every simulation of the generation before, rejected ones included (each
//! simulated attempt up to the one that completed the population: the attempts its acceptance
//! rate counts; [`crate::calibrate::sampler::Assembly`]). The weight of a target is 1 / that
//! spread; a target whose spread is zero (or has no finite value) keeps the targets file's
//! `scale`. Generation 0, drawn from the prior with an infinite tolerance, measures with the
//! file's scales; generation 1 with the spread of the prior predictive, and so on.
//!
//! A summary the population hardly moves (a bound every particle respects, a quantity the
//! prior already pins) gets a small spread and so a large weight, and one that swings widely
//! a small weight: every target contributes in proportion to how much the population varies
//! it, whatever its units. The tolerance is then in units of the last generation's spreads:
//! it does not fall towards 0 as a fixed distance's does, so `--min-tolerance` reads
//! differently; the schedule re-measures the previous generation's distances under the new
//! scales before taking its quantile ([`super::super::epsilon`]), as pyabc does.

use super::{DistanceRule, ScaledEuclidean};
use crate::calibrate::population::Generation;

/// The adaptive rule over the targets of `fixed` (whose scales are the fallback).
#[derive(Debug, Clone, PartialEq)]
pub struct Adaptive {
    fixed: ScaledEuclidean,
}

impl Adaptive {
    /// Adapting the scales of `fixed`'s targets; its own scales are the first generation's
    /// and the fallback.
    pub fn new(fixed: ScaledEuclidean) -> Adaptive {
        Adaptive { fixed }
    }

    /// The scales of the generation after one whose summaries had `spread` (a target's
    /// median absolute deviation, or None when it had no finite value).
    pub fn scales(&self, spread: &[Option<f64>]) -> Vec<f64> {
        self.fixed
            .scales()
            .iter()
            .zip(spread.iter().chain(std::iter::repeat(&None)))
            .map(|(&file, s)| match s {
                Some(s) if s.is_finite() && *s > 0.0 => *s,
                _ => file,
            })
            .collect()
    }
}

impl DistanceRule for Adaptive {
    fn at(&self, before: &[Generation]) -> ScaledEuclidean {
        match before.last().and_then(|g| g.spread.as_deref()) {
            None => self.fixed.clone(),
            Some(spread) => self.fixed.with_scales(&self.scales(spread)),
        }
    }

    fn needs_spread(&self) -> bool {
        true
    }
}

/// Each summary's median absolute deviation over `rows` (one row of summaries per
/// simulation), over its finite values; None for a summary with none.
pub fn spread(rows: &[Vec<f64>], targets: usize) -> Vec<Option<f64>> {
    (0..targets)
        .map(|t| {
            let column: Vec<f64> = rows.iter().filter_map(|r| r.get(t).copied()).collect();
            crate::stats::median_absolute_deviation(&column)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::distance::Distance;
    use crate::calibrate::population::Particle;
    use std::cmp::Ordering;

    fn generation(spread: Vec<Option<f64>>) -> Generation {
        let mut g = Generation::new(
            f64::INFINITY,
            vec![Particle {
                theta: vec![0.0],
                weight: 1.0,
                summaries: vec![0.0, 0.0],
                distance: 0.0,
            }],
            1,
            1.0,
        );
        g.spread = Some(spread);
        g
    }

    #[test]
    fn a_target_whose_population_spreads_widely_weighs_less() {
        let rule = Adaptive::new(ScaledEuclidean::new([
            (0.0, 1.0, Ordering::Equal),
            (0.0, 1.0, Ordering::Equal),
        ]));
        // Generation 0 measures with the file's scales.
        assert_eq!(rule.at(&[]).distance(&[3.0, 4.0]), 5.0);
        // Target 0 spread 10 times as widely as target 1: the same miss of 10 counts a tenth
        // as much in target 0, and a summary of target 1 at 0.5 its spread counts 0.5.
        let d = rule.at(&[generation(vec![Some(10.0), Some(1.0)])]);
        assert_eq!(d.scales(), [10.0, 1.0]);
        assert_eq!(d.distance(&[10.0, 0.0]), 1.0);
        assert_eq!(d.distance(&[0.0, 10.0]), 10.0);
        // No spread (every simulation the same, or none finite): the file's scale.
        let d = rule.at(&[generation(vec![Some(0.0), None])]);
        assert_eq!(d.scales(), [1.0, 1.0]);
    }

    #[test]
    fn the_spread_is_the_median_absolute_deviation_of_finite_values() {
        // Column 0: median 3, deviations 2, 1, 0, 1, 7 → MAD 1. Column 1: NaN left out,
        // median of [1, 1, 1, 5] is 1, deviations 0, 0, 0, 4 → MAD 0.
        let rows = vec![
            vec![1.0, 1.0],
            vec![2.0, 1.0],
            vec![3.0, f64::NAN],
            vec![4.0, 1.0],
            vec![10.0, 5.0],
        ];
        assert_eq!(spread(&rows, 2), [Some(1.0), Some(0.0)]);
        assert_eq!(spread(&[], 1), [None]);
    }
}
