//! A local-covariance kernel (pyabc's `LocalTransition`, `pyabc/transition/local_transition.py`,
//! after Filippi, Barnes, Cornebise and Stumpf 2013, "On optimality of kernels for
//! approximate Bayesian computation using sequential Monte Carlo", SAGMB 12(1)): each
//! particle is moved by a Gaussian whose covariance is the weighted covariance of its `k`
//! nearest neighbours, so the proposal follows a curved or narrow ridge of the population
//! where one covariance for all would spill off it.
//!
//! - The neighbours of particle j are the k particles nearest to it in the sampler's latent
//!   space (Euclidean; every factor has a standard normal prior there, so the axes are
//!   comparable), j itself included; ties go to the lower index.
//! - k defaults to a quarter of the population, at least 10 and at most all of it (pyabc's
//!   `k_fraction = 1/4` and `MIN_K = 10`).
//! - Σ_j is the covariance of those neighbours, weighted by their weights renormalised to sum
//!   to 1, times `scaling` (default 1, pyabc's). A neighbourhood without spread in some
//!   direction (fewer distinct neighbours than dimensions) takes the whole population's
//!   weighted covariance times `scaling` instead.
//!
//! The proposal's density, the denominator of an accepted particle's importance weight, is
//! the mixture Σ_j w_j N(θ; θ_j, Σ_j): unlike the one-covariance kernel, each component
//! carries its own normalising factor |Σ_j|^(-1/2) (only the (2π)^(-d/2) every component
//! shares is left out). With k = every particle and `scaling` = Silverman's h², every Σ_j is
//! the population's h²Σ and the kernel is [`super::MultivariateNormal`] (tested).

use super::{Transition, cholesky, gaussian_constant, inverse_from_cholesky};
use crate::calibrate::population::Particle;
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The least neighbours of the default k (pyabc's `LocalTransition.MIN_K`).
pub const MIN_NEIGHBOURS: usize = 10;

/// The default k's share of the population (pyabc's `k_fraction`).
pub const NEIGHBOUR_SHARE: f64 = 0.25;

/// One particle's Gaussian: the lower Cholesky factor of Σ_j, its inverse, and |Σ_j|^(-1/2).
struct Component {
    chol: Vec<f64>,
    inv: Vec<f64>,
    norm: f64,
}

/// The kernel of a population: a Gaussian per particle, of its neighbours' covariance.
pub struct LocalCovariance<'a> {
    particles: &'a [Particle],
    pick: WeightedAliasIndex<f64>,
    components: Vec<Component>,
    d: usize,
}

/// The default number of neighbours of a population of `n`.
pub fn default_neighbours(n: usize) -> usize {
    ((NEIGHBOUR_SHARE * n as f64) as usize)
        .max(MIN_NEIGHBOURS)
        .min(n)
}

/// The weighted covariance of `members` (indices into `particles`), their weights
/// renormalised, times `scaling`; row-major d×d.
fn covariance(particles: &[Particle], members: &[usize], scaling: f64, d: usize) -> Vec<f64> {
    let total: f64 = members.iter().map(|&i| particles[i].weight).sum();
    let mut mean = vec![0.0; d];
    for &i in members {
        let p = &particles[i];
        for (m, x) in mean.iter_mut().zip(&p.theta) {
            *m += p.weight / total * x;
        }
    }
    let mut cov = vec![0.0; d * d];
    for &i in members {
        let p = &particles[i];
        let w = p.weight / total;
        for a in 0..d {
            for b in 0..d {
                cov[a * d + b] += scaling * w * (p.theta[a] - mean[a]) * (p.theta[b] - mean[b]);
            }
        }
    }
    cov
}

/// The Gaussian of covariance `cov`; None when it is not positive definite.
fn component(cov: &[f64], d: usize) -> Option<Component> {
    let chol = cholesky(cov, d)?;
    let inv = inverse_from_cholesky(&chol, d);
    let norm = 1.0 / (0..d).map(|a| chol[a * d + a]).product::<f64>();
    Some(Component { chol, inv, norm })
}

impl<'a> LocalCovariance<'a> {
    /// The kernel with the default k and scaling 1; None when the population has no spread
    /// in some direction.
    pub fn fit_default(particles: &'a [Particle]) -> Option<LocalCovariance<'a>> {
        LocalCovariance::fit(particles, default_neighbours(particles.len()), 1.0)
    }

    /// The kernel of `k` nearest neighbours (clamped to 1..=n), covariances times `scaling`.
    pub fn fit(particles: &'a [Particle], k: usize, scaling: f64) -> Option<LocalCovariance<'a>> {
        let n = particles.len();
        let d = particles.first()?.theta.len();
        let k = k.clamp(1, n);
        let all: Vec<usize> = (0..n).collect();
        let global = covariance(particles, &all, scaling, d);
        // As the one-covariance kernel: a population on one point in some direction has
        // nothing to perturb with.
        let mean = |a: usize| -> f64 {
            particles.iter().map(|p| p.weight * p.theta[a]).sum::<f64>()
                / particles.iter().map(|p| p.weight).sum::<f64>()
        };
        for a in 0..d {
            if global[a * d + a] <= scaling * (1e-9 * (1.0 + mean(a).abs())).powi(2) {
                return None;
            }
        }
        let fallback = component(&global, d)?;
        let components = (0..n)
            .map(|j| {
                let near = nearest(particles, j, k);
                component(&covariance(particles, &near, scaling, d), d).unwrap_or(Component {
                    chol: fallback.chol.clone(),
                    inv: fallback.inv.clone(),
                    norm: fallback.norm,
                })
            })
            .collect();
        let w: Vec<f64> = particles.iter().map(|q| q.weight).collect();
        let pick = WeightedAliasIndex::new(w).ok()?;
        Some(LocalCovariance {
            particles,
            pick,
            components,
            d,
        })
    }

    /// Component j's density at `to`, up to (2π)^(-d/2).
    fn kernel(&self, j: usize, to: &[f64]) -> f64 {
        let d = self.d;
        let c = &self.components[j];
        let from = &self.particles[j].theta;
        let diff: Vec<f64> = (0..d).map(|a| to[a] - from[a]).collect();
        let q: f64 = (0..d)
            .map(|a| diff[a] * (0..d).map(|b| c.inv[a * d + b] * diff[b]).sum::<f64>())
            .sum();
        c.norm * (-0.5 * q).exp()
    }
}

/// The `k` particles nearest to particle `j` (itself included), nearest first, ties by
/// index.
fn nearest(particles: &[Particle], j: usize, k: usize) -> Vec<usize> {
    let at = &particles[j].theta;
    let mut by: Vec<(f64, usize)> = particles
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let d2: f64 = p.theta.iter().zip(at).map(|(x, y)| (x - y).powi(2)).sum();
            (d2, i)
        })
        .collect();
    by.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    by.into_iter().take(k).map(|(_, i)| i).collect()
}

impl Transition for LocalCovariance<'_> {
    fn propose(&self, rng: &mut Xoshiro256PlusPlus) -> Vec<f64> {
        let j = self.pick.sample(rng);
        let theta = &self.particles[j].theta;
        let chol = &self.components[j].chol;
        let z: Vec<f64> = (0..self.d).map(|_| StandardNormal.sample(rng)).collect();
        (0..self.d)
            .map(|a| theta[a] + (0..=a).map(|b| chol[a * self.d + b] * z[b]).sum::<f64>())
            .collect()
    }

    fn density(&self, theta: &[f64]) -> f64 {
        (0..self.particles.len())
            .map(|j| self.particles[j].weight * self.kernel(j, theta))
            .sum()
    }

    /// (2π)^(-d/2): each component already carries its |Σ_j|^(-1/2).
    fn normaliser(&self) -> f64 {
        gaussian_constant(self.d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::transition::MultivariateNormal;
    use rand::SeedableRng;

    /// `n` particles in `d` dimensions, drawn from a correlated normal, weights as given by
    /// `weight(i)` and normalised.
    fn population(n: usize, d: usize, weight: impl Fn(usize) -> f64) -> Vec<Particle> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut ps: Vec<Particle> = (0..n)
            .map(|i| {
                let z: Vec<f64> = (0..d).map(|_| StandardNormal.sample(&mut rng)).collect();
                let theta = (0..d)
                    .map(|a| z[a] + if a > 0 { 0.8 * z[0] } else { 0.0 })
                    .collect();
                Particle {
                    theta,
                    weight: weight(i),
                    summaries: vec![],
                    distance: 0.0,
                }
            })
            .collect();
        crate::calibrate::population::normalise(&mut ps);
        ps
    }

    #[test]
    fn with_every_particle_as_neighbour_it_is_the_one_covariance_kernel() {
        // k = n and scaling h² (Silverman's, as MultivariateNormal takes it): every Σ_j is
        // the population's h²Σ, so the mixture is MultivariateNormal's up to the constant
        // |h²Σ|^(-1/2) it leaves out. Equal weights, so the effective size is n.
        let (n, d) = (60, 2);
        let ps = population(n, d, |_| 1.0);
        let ess = crate::calibrate::population::ess(&ps);
        let h2 = (4.0 / (ess * (d as f64 + 2.0))).powf(2.0 / (d as f64 + 4.0));
        let local = LocalCovariance::fit(&ps, n, h2).unwrap();
        let mvn = MultivariateNormal::fit(&ps).unwrap();
        let ratios: Vec<f64> = [[0.0, 0.0], [1.0, -0.5], [-2.0, 1.5], [0.3, 3.0]]
            .iter()
            .map(|t| local.density(t) / mvn.density(t))
            .collect();
        let norm = local.components[0].norm;
        for r in &ratios {
            // Sums of 60 terms in another order: equal to rounding.
            assert!((r / norm - 1.0).abs() < 1e-9, "{ratios:?} vs {norm}");
        }
    }

    #[test]
    fn its_density_integrates_to_one() {
        // Unequal weights and k = 10 of 40: a mixture of 40 different Gaussians. Its density
        // times (2π)^(-d/2), summed over a grid of step 0.05 on [-8, 8]², is 1 to within the
        // grid's error (the midpoint rule on smooth Gaussians of sd ≥ 0.1 is exact to far
        // below 1e-6; the tails beyond ±8 hold less than 1e-9).
        let ps = population(40, 2, |i| 1.0 + (i % 5) as f64);
        let local = LocalCovariance::fit(&ps, 10, 1.0).unwrap();
        let step = 0.05;
        let mut total = 0.0;
        let cells = (16.0 / step) as usize;
        for i in 0..cells {
            for j in 0..cells {
                let t = [
                    -8.0 + (i as f64 + 0.5) * step,
                    -8.0 + (j as f64 + 0.5) * step,
                ];
                total += local.density(&t) * step * step;
            }
        }
        total /= 2.0 * std::f64::consts::PI;
        assert!((total - 1.0).abs() < 1e-4, "integral {total}");
    }

    #[test]
    fn a_particle_is_moved_by_its_neighbours_spread_not_the_populations() {
        // Two clusters 10 apart, one tight (sd 0.01), one wide (sd 1): with k = 10 of 20,
        // a particle of the tight cluster gets the tight covariance; the one-covariance
        // kernel would give it the variance of the whole, about 25.
        let mut ps: Vec<Particle> = (0..20)
            .map(|i| {
                let x = if i < 10 {
                    0.01 * (i as f64 - 4.5)
                } else {
                    10.0 + (i as f64 - 14.5)
                };
                Particle {
                    theta: vec![x],
                    weight: 1.0,
                    summaries: vec![],
                    distance: 0.0,
                }
            })
            .collect();
        crate::calibrate::population::normalise(&mut ps);
        let local = LocalCovariance::fit(&ps, 10, 1.0).unwrap();
        let var = |j: usize| local.components[j].chol[0].powi(2);
        assert!(var(0) < 1e-3, "{}", var(0));
        assert!(var(15) > 1.0 && var(15) < 20.0, "{}", var(15));
        assert_eq!(default_neighbours(20), 10);
        assert_eq!(default_neighbours(400), 100);
        assert_eq!(default_neighbours(6), 6);
    }
}
