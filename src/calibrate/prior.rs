//! The prior: drawing from the scenario's `[uncertain]` table and its density (pyabc's
//! `Distribution` of random variables, `pyabc/random_variables`).
//!
//! The sampler works on the table's independent factors (one per ungrouped parameter, one
//! per group), each through the probit of its uniform level: a factor z has a standard normal
//! prior ([`LatentPrior`]), and a parameter's value is its distribution's quantile (truncated
//! to the valid range, rounded to the digits a draw keeps) at level Φ(z) ([`values`]). Every
//! distribution, every truncation and every group is then the same smooth prior the Gaussian
//! kernel can move in, with no edge to fall off; a group's members stay comonotone, as in a
//! run. The distributions themselves are the model crate's ([`crate::scenario::uncertain`]).

use crate::scenario::uncertain::{self, Uncertain};
use indexmap::IndexMap;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A prior over parameter vectors.
pub trait Prior: Sync {
    /// One draw.
    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> Vec<f64>;
    /// Density at `theta`, up to a constant; 0 outside the support.
    fn density(&self, theta: &[f64]) -> f64;
    /// That constant: `normaliser() × density(θ)` integrates to 1.
    fn normaliser(&self) -> f64;
}

/// Independent standard normals, one per factor: the probit of the factors' uniform levels.
pub struct LatentPrior {
    pub dims: usize,
}

impl Prior for LatentPrior {
    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> Vec<f64> {
        (0..self.dims).map(|_| StandardNormal.sample(rng)).collect()
    }

    fn density(&self, theta: &[f64]) -> f64 {
        (-0.5 * theta.iter().map(|z| z * z).sum::<f64>()).exp()
    }

    fn normaliser(&self) -> f64 {
        crate::calibrate::transition::gaussian_constant(self.dims)
    }
}

/// The parameters' values at latent factors `z` (standard normal each), in the table's
/// order.
pub fn values(
    table: &IndexMap<String, Uncertain>,
    factors: &uncertain::Factors,
    z: &[f64],
) -> Vec<f64> {
    let lo = f64::EPSILON / 2.0;
    let levels: Vec<f64> = z
        .iter()
        .map(|&x| uncertain::standard_normal_cdf(x).clamp(lo, 1.0 - lo))
        .collect();
    uncertain::values_at(table, factors, &levels)
}

/// The truncated prior of parameter `path` as a curve of `points` (x, density) across its
/// 0.5%-99.5% range, by differences of its CDF (for a chart); empty when it has no such
/// range.
pub fn density_curve(path: &str, u: &Uncertain, points: usize) -> Vec<(f64, f64)> {
    let Ok(b) = uncertain::bounds_of(path) else {
        return Vec::new();
    };
    let mass = uncertain::mass(&u.dist, &b);
    let lo = uncertain::truncated_quantile(&u.dist, &b, 0.005);
    let hi = uncertain::truncated_quantile(&u.dist, &b, 0.995);
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) || mass.is_nan() || mass <= 0.0 {
        return Vec::new();
    }
    let step = (hi - lo) / (points - 1) as f64;
    let h = step / 2.0;
    (0..points)
        .map(|i| {
            let x = lo + step * i as f64;
            let d = (u.dist.cdf((x + h).min(b.hi)) - u.dist.cdf((x - h).max(b.lo)))
                / ((x + h).min(b.hi) - (x - h).max(b.lo))
                / mass;
            (x, d.max(0.0))
        })
        .collect()
}
