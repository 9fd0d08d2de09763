//! The kernel that proposes a generation's parameters from the one before (pyabc's
//! `Transition`, `pyabc/transition/base.py`, fitted to a population, drawn from and
//! evaluated; [`MultivariateNormal`] is its `MultivariateNormalTransition` with
//! `silverman_rule_of_thumb`, `pyabc/transition/multivariatenormal.py`).
//!
//! The kernel is chosen once, in [`super::smc::SmcOptions::transition`]; another kernel is
//! a file here with a type that implements [`Transition`], and that line, as
//! [`local::LocalCovariance`] (a covariance per particle from its nearest neighbours,
//! pyabc's `LocalTransition`) is.

pub mod defensive;
pub mod local;

use super::population::{self, Particle};
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A proposal fitted to a weighted population.
pub trait Transition: Sync {
    /// One proposal: a particle of the population picked by weight and moved, drawing only
    /// from `rng` (so an attempt gives the same proposal on any thread).
    fn propose(&self, rng: &mut Xoshiro256PlusPlus) -> Vec<f64>;
    /// The proposal's density at `theta`, Σ_j w_j K(θ | θ_j), up to a constant every θ
    /// shares: the denominator of an accepted particle's importance weight.
    fn density(&self, theta: &[f64]) -> f64;
    /// That constant: `normaliser() × density(θ)` integrates to 1 (needed where the
    /// proposal is mixed with another density, [`defensive::Defensive`]).
    fn normaliser(&self) -> f64;
}

/// (2π)^(-d/2): the constant every d-dimensional standard Gaussian density carries.
pub(crate) fn gaussian_constant(d: usize) -> f64 {
    (2.0 * std::f64::consts::PI).powf(-(d as f64) / 2.0)
}

/// A Gaussian kernel with covariance h²Σ around each particle, Σ the weighted covariance of
/// the population and h Silverman's rule-of-thumb bandwidth for its effective size,
/// h² = (4 / (n (d + 2)))^(2 / (d + 4)): the proposal is a kernel density estimate of the
/// population.
///
/// Beaumont et al.'s 2Σ explores faster but, with parameters the targets do not inform, its
/// proposal is much wider than the population in those directions, and the weights
/// π(θ) / Σ w K collapse: calibrating the baseline's ten factors with 2Σ left an effective
/// sample size of 14 of 300 particles after one generation. With h²Σ the proposal is the
/// population's own density estimate, so the weights stay near even where the data say
/// nothing.
pub struct MultivariateNormal<'a> {
    particles: &'a [Particle],
    pick: WeightedAliasIndex<f64>,
    /// Lower Cholesky factor of h²Σ, row-major d×d.
    chol: Vec<f64>,
    /// Inverse of h²Σ, row-major.
    inv: Vec<f64>,
    d: usize,
}

impl<'a> MultivariateNormal<'a> {
    /// The kernel of a population; None when it has no spread in some direction.
    pub fn fit(particles: &'a [Particle]) -> Option<MultivariateNormal<'a>> {
        let d = particles.first()?.theta.len();
        let ess = population::ess(particles);
        let h2 = (4.0 / (ess * (d as f64 + 2.0))).powf(2.0 / (d as f64 + 4.0));
        let mut mean = vec![0.0; d];
        for p in particles {
            for (m, x) in mean.iter_mut().zip(&p.theta) {
                *m += p.weight * x;
            }
        }
        let mut cov = vec![0.0; d * d];
        for p in particles {
            for a in 0..d {
                for b in 0..d {
                    cov[a * d + b] +=
                        h2 * p.weight * (p.theta[a] - mean[a]) * (p.theta[b] - mean[b]);
                }
            }
        }
        // Rounding leaves a population on one point a variance of about 1e-32, not 0.
        for a in 0..d {
            if cov[a * d + a] <= (1e-9 * (1.0 + mean[a].abs())).powi(2) {
                return None;
            }
        }
        let chol = cholesky(&cov, d)?;
        let inv = inverse_from_cholesky(&chol, d);
        let w: Vec<f64> = particles.iter().map(|q| q.weight).collect();
        let pick = WeightedAliasIndex::new(w).expect("weights are positive");
        Some(MultivariateNormal {
            particles,
            pick,
            chol,
            inv,
            d,
        })
    }

    /// Density of moving from `from` to `to`, up to the constant every term shares.
    fn kernel(&self, from: &[f64], to: &[f64]) -> f64 {
        let d = self.d;
        let diff: Vec<f64> = (0..d).map(|a| to[a] - from[a]).collect();
        let q: f64 = (0..d)
            .map(|a| diff[a] * (0..d).map(|b| self.inv[a * d + b] * diff[b]).sum::<f64>())
            .sum();
        (-0.5 * q).exp()
    }
}

impl Transition for MultivariateNormal<'_> {
    fn propose(&self, rng: &mut Xoshiro256PlusPlus) -> Vec<f64> {
        let theta = &self.particles[self.pick.sample(rng)].theta;
        let z: Vec<f64> = (0..self.d).map(|_| StandardNormal.sample(rng)).collect();
        (0..self.d)
            .map(|a| {
                theta[a]
                    + (0..=a)
                        .map(|b| self.chol[a * self.d + b] * z[b])
                        .sum::<f64>()
            })
            .collect()
    }

    fn density(&self, theta: &[f64]) -> f64 {
        self.particles
            .iter()
            .map(|q| q.weight * self.kernel(&q.theta, theta))
            .sum()
    }

    /// (2π)^(-d/2) |h²Σ|^(-1/2), the determinant the product of the Cholesky diagonal.
    fn normaliser(&self) -> f64 {
        let det_sqrt: f64 = (0..self.d).map(|a| self.chol[a * self.d + a]).product();
        gaussian_constant(self.d) / det_sqrt
    }
}

/// Lower Cholesky factor of a symmetric positive definite d×d matrix; None if it is not,
/// or nearly not (a population collapsed onto a line). Written out: a 20-line routine does not
/// justify a linear-algebra crate's build time.
pub(crate) fn cholesky(m: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * d + k] * l[j * d + k]).sum();
            if i == j {
                let v = m[i * d + i] - s;
                // A pivot this small against its diagonal means the rows are collinear
                // (up to rounding); NaN fails too.
                if v.is_nan() || v <= 1e-12 * m[i * d + i] {
                    return None;
                }
                l[i * d + i] = v.sqrt();
            } else {
                l[i * d + j] = (m[i * d + j] - s) / l[j * d + j];
            }
        }
    }
    Some(l)
}

/// (L Lᵀ)⁻¹ from L.
pub(crate) fn inverse_from_cholesky(l: &[f64], d: usize) -> Vec<f64> {
    // L⁻¹ by forward substitution, then (L⁻¹)ᵀ L⁻¹.
    let mut li = vec![0.0; d * d];
    for i in 0..d {
        li[i * d + i] = 1.0 / l[i * d + i];
        for j in 0..i {
            let s: f64 = (j..i).map(|k| l[i * d + k] * li[k * d + j]).sum();
            li[i * d + j] = -s / l[i * d + i];
        }
    }
    let mut inv = vec![0.0; d * d];
    for a in 0..d {
        for b in 0..d {
            inv[a * d + b] = (0..d).map(|k| li[k * d + a] * li[k * d + b]).sum();
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_and_inverse_agree_with_a_hand_computed_case() {
        // [[4, 2], [2, 3]] = L Lᵀ with L = [[2, 0], [1, √2]]; inverse [[3, -2], [-2, 4]] / 8.
        let l = cholesky(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        let want = [2.0, 0.0, 1.0, 2f64.sqrt()];
        assert!(
            l.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12),
            "{l:?}"
        );
        let inv = inverse_from_cholesky(&l, 2);
        let want = [3.0 / 8.0, -0.25, -0.25, 0.5];
        assert!(
            inv.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12),
            "{inv:?}"
        );
        assert!(cholesky(&[1.0, 1.0, 1.0, 1.0], 2).is_none());
    }
}
