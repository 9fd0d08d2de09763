//! A defensive mixture (Hesterberg 1995, "Weighted average importance sampling and defensive
//! mixture distributions", Technometrics 37(2)): the kernel's proposal mixed with the prior,
//! q(θ) = (1 − α) K(θ) + α π(θ).
//!
//! An accepted particle's importance weight is π(θ) / q(θ). Where the kernel is much
//! narrower than the prior in some direction, a proposal that lands in the kernel's far tail
//! gets a weight of π / K that can dwarf every other: calibrating the baseline's twelve
//! factors, one particle carried 63% of a generation's weight (an effective sample size of
//! 2.5 of 2,500). With the mixture, π / q ≤ 1 / α wherever π is positive, so no particle's
//! weight can exceed 1/α times the prior-to-proposal ratio's floor, and the weights' spread
//! is bounded; the price is that α of the proposals come from the prior and are mostly
//! rejected late in a calibration.
//!
//! Both densities must be normalised to be mixed ([`Transition::normaliser`],
//! [`Prior::normaliser`]); the mixture's own density is then exact.

use super::Transition;
use crate::calibrate::prior::Prior;
use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The kernel `kernel` mixed with the prior, `alpha` of the proposals from the prior.
pub struct Defensive<'a> {
    kernel: Box<dyn Transition + 'a>,
    prior: &'a dyn Prior,
    alpha: f64,
}

impl<'a> Defensive<'a> {
    /// The mixture; `alpha` in (0, 1).
    pub fn new(kernel: Box<dyn Transition + 'a>, prior: &'a dyn Prior, alpha: f64) -> Self {
        debug_assert!(alpha > 0.0 && alpha < 1.0, "{alpha}");
        Defensive {
            kernel,
            prior,
            alpha,
        }
    }
}

impl Transition for Defensive<'_> {
    /// One uniform picks the component, then that component draws as it would alone.
    fn propose(&self, rng: &mut Xoshiro256PlusPlus) -> Vec<f64> {
        if rng.random::<f64>() < self.alpha {
            self.prior.sample(rng)
        } else {
            self.kernel.propose(rng)
        }
    }

    fn density(&self, theta: &[f64]) -> f64 {
        (1.0 - self.alpha) * self.kernel.normaliser() * self.kernel.density(theta)
            + self.alpha * self.prior.normaliser() * self.prior.density(theta)
    }

    fn normaliser(&self) -> f64 {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::population::{Particle, normalise};
    use crate::calibrate::prior::LatentPrior;
    use crate::calibrate::transition::MultivariateNormal;
    use crate::calibrate::transition::local::LocalCovariance;
    use rand::SeedableRng;

    fn population(n: usize, d: usize, seed: u64) -> Vec<Particle> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let prior = LatentPrior { dims: d };
        let mut ps: Vec<Particle> = (0..n)
            .map(|i| Particle {
                // A narrow population (sd 0.3 around 0.5): the kernel is far narrower than
                // the prior, the case the mixture is for.
                theta: prior
                    .sample(&mut rng)
                    .into_iter()
                    .map(|z| 0.5 + 0.3 * z)
                    .collect(),
                weight: 1.0 + (i % 3) as f64,
                distance: 0.0,
                summaries: Vec::new(),
            })
            .collect();
        normalise(&mut ps);
        ps
    }

    /// A density normalised by its normaliser integrates to 1: a midpoint sum over
    /// [-8, 8]² at step 0.02 (the Gaussians' mass outside is below 1e-14 and the midpoint
    /// rule's error on a Gaussian of sd ≥ 0.05 is below 1e-6 at that step).
    fn integral(t: &dyn Transition) -> f64 {
        let h = 0.02;
        let n = (16.0 / h) as usize;
        let mut s = 0.0;
        for a in 0..n {
            for b in 0..n {
                let x = [-8.0 + h * (a as f64 + 0.5), -8.0 + h * (b as f64 + 0.5)];
                s += t.density(&x);
            }
        }
        s * h * h * t.normaliser()
    }

    #[test]
    fn every_kernel_and_the_mixture_integrate_to_one() {
        let ps = population(40, 2, 3);
        let prior = LatentPrior { dims: 2 };
        let mvn = MultivariateNormal::fit(&ps).unwrap();
        let local = LocalCovariance::fit_default(&ps).unwrap();
        for (name, t) in [("mvn", &mvn as &dyn Transition), ("local", &local)] {
            let i = integral(t);
            assert!((i - 1.0).abs() < 1e-5, "{name}: {i}");
        }
        let mix = Defensive::new(
            Box::new(MultivariateNormal::fit(&ps).unwrap()),
            &prior,
            0.05,
        );
        let i = integral(&mix);
        assert!((i - 1.0).abs() < 1e-5, "mixture: {i}");
    }

    #[test]
    fn the_mixture_bounds_the_prior_over_proposal_ratio() {
        // π/q ≤ 1/α everywhere π > 0, with π and q normalised: far from the population the
        // kernel's density vanishes and the ratio tends to exactly 1/α.
        let ps = population(40, 2, 5);
        let prior = LatentPrior { dims: 2 };
        let alpha = 0.05;
        let mix = Defensive::new(
            Box::new(MultivariateNormal::fit(&ps).unwrap()),
            &prior,
            alpha,
        );
        let ratio = |x: &[f64]| prior.normaliser() * prior.density(x) / mix.density(x);
        for x in [[0.5, 0.5], [3.0, -3.0], [-6.0, 6.0], [8.0, 8.0]] {
            assert!(
                ratio(&x) <= 1.0 / alpha * (1.0 + 1e-12),
                "{x:?}: {}",
                ratio(&x)
            );
        }
        let far = ratio(&[-6.0, 6.0]);
        assert!((far * alpha - 1.0).abs() < 1e-9, "{far}");
        // Without the mixture the same point's ratio is astronomically larger.
        let mvn = MultivariateNormal::fit(&ps).unwrap();
        let bare = prior.normaliser() * prior.density(&[-6.0, 6.0])
            / (mvn.normaliser() * mvn.density(&[-6.0, 6.0]));
        assert!(bare > 1e6 / alpha, "{bare}");
    }

    #[test]
    fn proposals_come_from_the_prior_in_share_alpha() {
        // The mixture draws its picking uniform first; replaying a stream past that uniform
        // shows which component proposed (a kernel proposal equal to the prior's draw from
        // the same state has probability 0).
        let ps = population(40, 2, 7);
        let prior = LatentPrior { dims: 2 };
        let alpha = 0.2;
        let mix = Defensive::new(
            Box::new(MultivariateNormal::fit(&ps).unwrap()),
            &prior,
            alpha,
        );
        let n = 20_000;
        let mut from_prior = 0;
        for i in 0..n {
            let mut a = Xoshiro256PlusPlus::seed_from_u64(i);
            let mut b = a.clone();
            let x = mix.propose(&mut a);
            let _: f64 = b.random();
            if x == prior.sample(&mut b) {
                from_prior += 1;
            }
        }
        // Binomial(20,000, 0.2): sd √(n α (1 − α)) ≈ 56.6; allow 4 sd.
        let expected = alpha * n as f64;
        let sd = (n as f64 * alpha * (1.0 - alpha)).sqrt();
        assert!(
            (f64::from(from_prior) - expected).abs() < 4.0 * sd,
            "{from_prior} vs {expected} ± {sd}"
        );
    }
}
