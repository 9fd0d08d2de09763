//! ABC-SMC: approximate Bayesian computation by sequential Monte Carlo, with an adaptive
//! tolerance.
//!
//! The algorithm is the population Monte Carlo sampler of Beaumont, Cornuet, Marin and
//! Robert (2009, "Adaptive approximate Bayesian computation", Biometrika 96(4)), with the
//! tolerance of each generation set to a quantile of the previous generation's distances
//! (as pyabc's `QuantileEpsilon` and Del Moral, Doucet and Jasra 2012 do):
//!
//! - generation 0 draws `population` particles from the prior (tolerance infinite);
//! - generation t > 0 sets ε_t to the `quantile` of generation t-1's accepted distances,
//!   then repeats: pick a particle of t-1 by weight, perturb it with a Gaussian kernel whose
//!   covariance is the weighted covariance Σ of t-1 times Silverman's factor
//!   h² = (4 / (n (d + 2)))^(2 / (d + 4)), n the effective sample size and d the dimension
//!   (so the proposal is a kernel density estimate of generation t-1, as pyabc's default
//!   `MultivariateNormalTransition`), reject it if the prior density is zero, simulate,
//!   accept if the distance is at most ε_t; an accepted θ gets weight
//!   π(θ) / Σ_j w_j K(θ | θ_j);
//! - it stops when ε reaches `min_epsilon`, the acceptance rate falls below
//!   `min_acceptance`, the simulation budget is spent, after `max_generations`, or when
//!   the population has collapsed ([`Stop`]).
//!
//! Deterministic for a seed whatever the thread count: attempt i of generation t draws from
//! its own generator (seeded from the seed, t and i), attempts run in parallel in fixed
//! batches, and a generation accepts the first `population` successes in attempt order.
//! Work beyond them in the last batch is discarded but counted, so the count of simulations
//! does not depend on threads either.

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A prior over parameter vectors.
pub trait Prior: Sync {
    /// One draw.
    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> Vec<f64>;
    /// Density at `theta`, up to a constant; 0 outside the support.
    fn density(&self, theta: &[f64]) -> f64;
}

/// How long to run and how hard to look.
#[derive(Debug, Clone)]
pub struct SmcOptions {
    /// Accepted particles per generation.
    pub population: usize,
    /// The next tolerance is this quantile of the last generation's distances (0 < q < 1).
    pub quantile: f64,
    /// Stop once a generation's tolerance is at most this.
    pub min_epsilon: f64,
    /// Stop after a generation whose acceptance rate fell below this.
    pub min_acceptance: f64,
    /// Stop once this many simulations have run in all (a generation left unfinished is
    /// dropped: the last one returned is whole).
    pub max_simulations: u64,
    /// Most generations, generation 0 included.
    pub max_generations: usize,
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
            min_epsilon: 0.0,
            min_acceptance: 0.01,
            max_simulations: 1_000_000,
            max_generations: 20,
            seed: 1,
            batch: 256,
        }
    }
}

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
}

/// Weighted Euclidean distance between summaries and targets, each difference divided by
/// its scale (a target's standard deviation or tolerance).
pub fn distance(summaries: &[f64], targets: &[f64], scales: &[f64]) -> f64 {
    if summaries.iter().any(|x| !x.is_finite()) {
        return f64::INFINITY;
    }
    summaries
        .iter()
        .zip(targets)
        .zip(scales)
        .map(|((s, t), k)| ((s - t) / k).powi(2))
        .sum::<f64>()
        .sqrt()
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

/// The generator of attempt `i` of generation `g`: its own stream, so attempts can run in
/// any order on any thread.
fn attempt_rng(seed: u64, g: usize, i: u64) -> Xoshiro256PlusPlus {
    use livemarket_model::model::rng::splitmix64;
    Xoshiro256PlusPlus::seed_from_u64(splitmix64(seed ^ splitmix64(((g as u64) << 40) ^ i)))
}

/// The kernel: a Gaussian with covariance h²Σ, Σ the weighted covariance of the population
/// and h Silverman's rule-of-thumb bandwidth for its effective size.
///
/// Beaumont et al.'s 2Σ explores faster but, with parameters the targets do not inform, its
/// proposal is much wider than the population in those directions, and the weights
/// π(θ) / Σ w K collapse: calibrating the baseline's ten factors with 2Σ left an effective
/// sample size of 14 of 300 particles after one generation. With h²Σ the proposal is the
/// population's own density estimate, so the weights stay near even where the data say
/// nothing.
struct Kernel {
    /// Lower Cholesky factor of h²Σ, row-major d×d.
    chol: Vec<f64>,
    /// Inverse of h²Σ, row-major.
    inv: Vec<f64>,
    d: usize,
}

impl Kernel {
    fn of(particles: &[Particle]) -> Option<Kernel> {
        let d = particles.first()?.theta.len();
        let ess = 1.0 / particles.iter().map(|p| p.weight * p.weight).sum::<f64>();
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
        Some(Kernel { chol, inv, d })
    }

    fn perturb(&self, theta: &[f64], rng: &mut Xoshiro256PlusPlus) -> Vec<f64> {
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

    /// Density of moving from `from` to `to`, up to the constant every term shares.
    fn density(&self, from: &[f64], to: &[f64]) -> f64 {
        let d = self.d;
        let diff: Vec<f64> = (0..d).map(|a| to[a] - from[a]).collect();
        let q: f64 = (0..d)
            .map(|a| diff[a] * (0..d).map(|b| self.inv[a * d + b] * diff[b]).sum::<f64>())
            .sum();
        (-0.5 * q).exp()
    }
}

/// Lower Cholesky factor of a symmetric positive definite d×d matrix; None if it is not,
/// or nearly not (a population collapsed onto a line). Written out: a 20-line routine does not
/// justify a linear-algebra crate's build time.
fn cholesky(m: &[f64], d: usize) -> Option<Vec<f64>> {
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
fn inverse_from_cholesky(l: &[f64], d: usize) -> Vec<f64> {
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

/// One simulation: the summaries at parameters θ on a seed, or the error that stops the
/// calibration.
pub type Simulator<'a, E> = dyn Fn(&[f64], u64) -> Result<Vec<f64>, E> + Sync + 'a;

/// The outcome of one attempt: a proposal the prior refused, or a simulated one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Attempt {
    Refused,
    Simulated {
        theta: Vec<f64>,
        /// Non-finite summaries are kept as None (JSON has no NaN); such an attempt has an
        /// infinite distance and is never accepted.
        summaries: Vec<Option<f64>>,
        distance: Option<f64>,
    },
}

/// Feeds an attempt to a CRC-32, every float by its bits (a checksum of the exact values).
pub fn hash_attempt(h: &mut crc32fast::Hasher, a: &Attempt) {
    let opt = |h: &mut crc32fast::Hasher, x: Option<f64>| match x {
        None => h.update(&[0]),
        Some(x) => {
            h.update(&[1]);
            h.update(&x.to_bits().to_le_bytes());
        }
    };
    match a {
        Attempt::Refused => h.update(&[0]),
        Attempt::Simulated {
            theta,
            summaries,
            distance,
        } => {
            h.update(&[1]);
            h.update(&(theta.len() as u64).to_le_bytes());
            for x in theta {
                h.update(&x.to_bits().to_le_bytes());
            }
            h.update(&(summaries.len() as u64).to_le_bytes());
            for &x in summaries {
                opt(h, x);
            }
            opt(h, *distance);
        }
    }
}

/// Generation `g`'s proposal: its tolerance, and how it draws from generation g-1 (or from
/// the prior, for generation 0). Attempts are numbered; attempt i draws only from its own
/// generator, so any set of attempts can run anywhere (another thread, another shard) and
/// give the same outcome.
pub struct Proposal<'a> {
    g: usize,
    pub epsilon: f64,
    previous: Option<&'a Generation>,
    kernel: Option<Kernel>,
    pick: Option<rand_distr::weighted::WeightedAliasIndex<f64>>,
    prior: &'a dyn Prior,
    seed: u64,
    batch: usize,
}

impl<'a> Proposal<'a> {
    /// The proposal of the generation after `generations`; Err(Stop::Degenerate) when the last
    /// population has no spread to perturb with.
    pub fn next(
        prior: &'a dyn Prior,
        generations: &'a [Generation],
        opts: &SmcOptions,
    ) -> Result<Proposal<'a>, Stop> {
        let previous = generations.last();
        let epsilon = match previous {
            None => f64::INFINITY,
            Some(p) => tolerance_after(p, opts.quantile),
        };
        let kernel = match previous {
            None => None,
            Some(p) => Some(Kernel::of(&p.particles).ok_or(Stop::Degenerate)?),
        };
        let pick = previous.map(|p| {
            let w: Vec<f64> = p.particles.iter().map(|q| q.weight).collect();
            rand_distr::weighted::WeightedAliasIndex::new(w).expect("weights are positive")
        });
        Ok(Proposal {
            g: generations.len(),
            epsilon,
            previous,
            kernel,
            pick,
            prior,
            seed: opts.seed,
            batch: opts.batch,
        })
    }

    /// The generation this proposal makes (0 for the first).
    pub fn generation(&self) -> usize {
        self.g
    }

    /// Attempt `i`: a proposal, refused by the prior or simulated and measured. An error of
    /// the simulation is returned as it is.
    pub fn attempt<E>(
        &self,
        i: u64,
        simulate: &Simulator<'_, E>,
        distance: &(dyn Fn(&[f64]) -> f64 + Sync),
    ) -> Result<Attempt, E> {
        let mut rng = attempt_rng(self.seed, self.g, i);
        let theta = match (self.previous, &self.kernel, &self.pick) {
            (Some(prev), Some(k), Some(pick)) => {
                let j = pick.sample(&mut rng);
                k.perturb(&prev.particles[j].theta, &mut rng)
            }
            _ => self.prior.sample(&mut rng),
        };
        if self.prior.density(&theta) <= 0.0 {
            return Ok(Attempt::Refused);
        }
        let sim_seed: u64 = rng.random();
        let summaries = simulate(&theta, sim_seed)?;
        let d = distance(&summaries);
        Ok(Attempt::Simulated {
            theta,
            summaries: summaries
                .into_iter()
                .map(|x| x.is_finite().then_some(x))
                .collect(),
            distance: d.is_finite().then_some(d),
        })
    }

    /// Batch `b`: attempts `b × batch` to `(b + 1) × batch − 1`, run in parallel, in order;
    /// the first error in attempt order, if any.
    pub fn run_batch<E: Send>(
        &self,
        b: u64,
        simulate: &Simulator<'_, E>,
        distance: &(dyn Fn(&[f64]) -> f64 + Sync),
    ) -> Result<Vec<Attempt>, E> {
        let n = self.batch as u64;
        (b * n..(b + 1) * n)
            .into_par_iter()
            .map(|i| self.attempt(i, simulate, distance))
            .collect::<Vec<_>>()
            .into_iter()
            .collect()
    }

    /// The generation made of `assembly`'s accepted particles, weighted.
    pub fn finish(&self, assembly: Assembly) -> Generation {
        let Assembly {
            mut accepted,
            attempts,
            simulations,
            population,
        } = assembly;
        if let (Some(prev), Some(k)) = (self.previous, &self.kernel) {
            for p in &mut accepted {
                let mix: f64 = prev
                    .particles
                    .iter()
                    .map(|q| q.weight * k.density(&q.theta, &p.theta))
                    .sum();
                p.weight = self.prior.density(&p.theta) / mix;
            }
        }
        let sum: f64 = accepted.iter().map(|p| p.weight).sum();
        for p in &mut accepted {
            p.weight /= sum;
        }
        let ess = 1.0 / accepted.iter().map(|p| p.weight * p.weight).sum::<f64>();
        Generation {
            epsilon: self.epsilon,
            particles: accepted,
            simulations,
            acceptance: population as f64 / attempts as f64,
            ess,
        }
    }
}

/// A generation being assembled from its batches, taken in order: it accepts the first
/// `population` attempts within the tolerance, and counts every simulation of the batches
/// it was given.
#[derive(Debug, Clone)]
pub struct Assembly {
    pub accepted: Vec<Particle>,
    /// Attempts up to the last one accepted (refused ones included).
    pub attempts: u64,
    /// Simulations of every batch given (work past the last acceptance included).
    pub simulations: u64,
    population: usize,
}

impl Assembly {
    pub fn new(population: usize) -> Assembly {
        Assembly {
            // Grown as particles arrive: a population too large for memory fails there (past
            // the memory guard, with --allow-memory), not in one huge allocation up front.
            accepted: Vec::with_capacity(population.min(1 << 16)),
            attempts: 0,
            simulations: 0,
            population,
        }
    }

    /// Whether the population is complete.
    pub fn done(&self) -> bool {
        self.accepted.len() == self.population
    }

    /// Takes the next batch, in order.
    pub fn feed(&mut self, batch: Vec<Attempt>, epsilon: f64) {
        for a in batch {
            if let Attempt::Simulated { .. } = a {
                self.simulations += 1;
            }
            if self.done() {
                continue;
            }
            self.attempts += 1;
            if let Attempt::Simulated {
                theta,
                summaries,
                distance: Some(distance),
            } = a
                && distance <= epsilon
            {
                self.accepted.push(Particle {
                    theta,
                    weight: 1.0,
                    summaries: summaries
                        .into_iter()
                        .map(|x| x.unwrap_or(f64::NAN))
                        .collect(),
                    distance,
                });
            }
        }
    }
}

/// Whether the calibration stops after `generations` (the last just finished).
pub fn stop_after(generations: &[Generation], opts: &SmcOptions) -> Option<Stop> {
    let last = generations.last()?;
    if last.epsilon <= opts.min_epsilon {
        Some(Stop::Tolerance)
    } else if generations.len() > 1 && last.acceptance < opts.min_acceptance {
        Some(Stop::Acceptance)
    } else if generations.len() >= opts.max_generations {
        Some(Stop::Generations)
    } else {
        None
    }
}

/// Runs ABC-SMC from the generations already made (none to start; a checkpoint's to
/// resume: generation g depends only on g − 1 and the seed, so a resumed calibration makes
/// the same generations an uninterrupted one does). `simulate(theta, seed)` returns the
/// summaries of one simulation and `distance` their distance to the targets. `on_batch`
/// sees (generation, accepted so far, simulations so far) after each batch, for a progress
/// bar; `on_generation` sees each generation as it is finished (to checkpoint).
pub fn run<E: Send>(
    prior: &dyn Prior,
    simulate: &Simulator<'_, E>,
    distance: &(dyn Fn(&[f64]) -> f64 + Sync),
    opts: &SmcOptions,
    mut generations: Vec<Generation>,
    mut on_batch: impl FnMut(usize, usize, u64),
    mut on_generation: impl FnMut(&[Generation]) -> Result<(), E>,
) -> Result<(Vec<Generation>, Stop), E> {
    assert!(
        opts.population > 0 && opts.batch > 0,
        "validated by the caller"
    );
    let mut total: u64 = generations.iter().map(|g| g.simulations).sum();
    loop {
        if let Some(stop) = stop_after(&generations, opts) {
            return Ok((generations, stop));
        }
        let proposal = match Proposal::next(prior, &generations, opts) {
            Ok(p) => p,
            Err(stop) => return Ok((generations, stop)),
        };
        let mut assembly = Assembly::new(opts.population);
        let mut b = 0u64;
        while !assembly.done() {
            if total + assembly.simulations >= opts.max_simulations {
                return Ok((generations, Stop::Budget));
            }
            let batch = proposal.run_batch(b, simulate, distance)?;
            assembly.feed(batch, proposal.epsilon);
            on_batch(
                proposal.generation(),
                assembly.accepted.len(),
                assembly.simulations,
            );
            b += 1;
        }
        total += assembly.simulations;
        let generation = proposal.finish(assembly);
        generations.push(generation);
        on_generation(&generations)?;
    }
}

/// The tolerance of the generation after `previous`: the `q` quantile of its distances.
pub fn tolerance_after(previous: &Generation, q: f64) -> f64 {
    weighted_free_quantile(&previous.particles, q)
}

/// The `q` quantile of a population's distances (unweighted, as Beaumont et al.; type 7).
fn weighted_free_quantile(particles: &[Particle], q: f64) -> f64 {
    let mut d: Vec<f64> = particles.iter().map(|p| p.distance).collect();
    d.sort_by(f64::total_cmp);
    let h = (d.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(d.len() - 1);
    d[lo] + (h - lo as f64) * (d[hi] - d[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Independent uniform priors on boxes.
    struct Boxes(Vec<(f64, f64)>);

    impl Prior for Boxes {
        fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> Vec<f64> {
            self.0
                .iter()
                .map(|&(a, b)| rng.random_range(a..b))
                .collect()
        }
        fn density(&self, theta: &[f64]) -> f64 {
            let inside = theta
                .iter()
                .zip(&self.0)
                .all(|(x, &(a, b))| *x >= a && *x <= b);
            f64::from(u8::from(inside))
        }
    }

    /// The observed mean of n draws from N(θ, 1) is simulated directly: its summary is
    /// θ + N(0, 1/n). With a flat prior wide enough, the posterior of θ given a summary y
    /// is N(y, 1/n).
    fn normal_mean(theta: &[f64], seed: u64, n: f64) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        theta
            .iter()
            .map(|t| {
                let e: f64 = StandardNormal.sample(&mut rng);
                t + e / n.sqrt()
            })
            .collect()
    }

    /// Runs the sampler on a simulation that cannot fail, with the Euclidean distance.
    fn go(
        prior: &dyn Prior,
        sim: impl Fn(&[f64], u64) -> Vec<f64> + Sync,
        targets: &[f64],
        scales: &[f64],
        opts: &SmcOptions,
    ) -> (Vec<Generation>, Stop) {
        run::<()>(
            prior,
            &|t, s| Ok(sim(t, s)),
            &|x| distance(x, targets, scales),
            opts,
            Vec::new(),
            |_, _, _| {},
            |_| Ok(()),
        )
        .unwrap()
    }

    fn weighted_mean_sd(gen_: &Generation, k: usize) -> (f64, f64) {
        let m: f64 = gen_.particles.iter().map(|p| p.weight * p.theta[k]).sum();
        let v: f64 = gen_
            .particles
            .iter()
            .map(|p| p.weight * (p.theta[k] - m).powi(2))
            .sum();
        (m, v.sqrt())
    }

    #[test]
    fn recovers_the_analytic_posterior_of_a_normal_mean() {
        // n = 25: posterior sd 0.2 around each observed summary; scales 0.2 make the
        // distance count posterior sds. Two independent parameters.
        let n = 25.0;
        let targets = [1.3, -0.7];
        let scales = [0.2, 0.2];
        let prior = Boxes(vec![(-10.0, 10.0), (-10.0, 10.0)]);
        let opts = SmcOptions {
            population: 1000,
            quantile: 0.5,
            min_epsilon: 0.25,
            min_acceptance: 0.0,
            max_generations: 40,
            seed: 11,
            ..SmcOptions::default()
        };
        let (gens, stop) = go(
            &prior,
            |t, s| normal_mean(t, s, n),
            &targets,
            &scales,
            &opts,
        );
        assert_eq!(
            stop,
            Stop::Tolerance,
            "{:?}",
            gens.last().map(|g| g.epsilon)
        );
        let last = gens.last().unwrap();
        // Tolerances. The mean's Monte Carlo error would be sd/√ESS for independent
        // particles; particles descending from one population are not, and over 8 seeds at
        // population 2000 the mean's RMS error was 1.7 of those: allow 6 (about 3.5 true
        // errors). Accepting every summary within a disc of radius 0.2ε around the targets
        // blurs the posterior by a uniform disc, which adds (0.2ε)²/4 to each coordinate's
        // variance: the ABC sd lies between 0.2 and 0.2·√(1 + ε²/4), and its Monte Carlo
        // error is about 1/√(2·ESS) of it above. Below, the kernel's narrow bandwidth
        // re-spreads the population slowly: over seeds 1-8 at this population the sd was
        // 0.179-0.207 (mean 0.190, 5% low), so the floor is 15% below 0.2. An unweighted
        // population (no importance weights) had sd 0.133-0.151 on the same seeds and fails.
        let eps = last.epsilon;
        for (k, &y) in targets.iter().enumerate() {
            let (m, sd) = weighted_mean_sd(last, k);
            let se = 0.2 / last.ess.sqrt();
            assert!((m - y).abs() < 6.0 * se, "θ{k}: mean {m} vs {y} (se {se})");
            let rel = 1.0 / (2.0 * last.ess).sqrt();
            let blurred = 0.2 * (1.0 + eps * eps / 4.0).sqrt();
            assert!(
                sd > 0.2 * 0.85 && sd < blurred * (1.0 + 4.0 * rel),
                "θ{k}: sd {sd} vs 0.2 to {blurred} (relative se {rel})"
            );
        }
        // Each generation's tolerance falls and its weights are a distribution.
        for w in gens.windows(2) {
            assert!(w[1].epsilon < w[0].epsilon);
        }
        for g in &gens {
            let sum: f64 = g.particles.iter().map(|p| p.weight).sum();
            assert!((sum - 1.0).abs() < 1e-9);
            assert!(g.particles.iter().all(|p| p.distance <= g.epsilon));
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_generations_on_one_thread_or_two() {
        let prior = Boxes(vec![(-5.0, 5.0)]);
        let opts = SmcOptions {
            population: 200,
            max_generations: 4,
            seed: 3,
            batch: 64,
            ..SmcOptions::default()
        };
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| go(&prior, |t, s| normal_mean(t, s, 4.0), &[0.5], &[0.5], &opts))
        };
        let (a, sa) = on(1);
        let (b, sb) = on(2);
        assert_eq!(sa, sb);
        assert_eq!(a, b);
        assert_eq!(a.len(), 4);
    }

    #[test]
    fn stops_when_the_simulation_budget_is_spent() {
        let prior = Boxes(vec![(-5.0, 5.0)]);
        let opts = SmcOptions {
            population: 100,
            max_simulations: 250,
            batch: 100,
            ..SmcOptions::default()
        };
        let (gens, stop) = go(&prior, |t, s| normal_mean(t, s, 4.0), &[0.5], &[0.5], &opts);
        assert_eq!(stop, Stop::Budget);
        let spent: u64 = gens.iter().map(|g| g.simulations).sum();
        assert!(spent <= 250 + 100, "{spent}");
    }

    /// A prior on one point.
    struct Point;

    impl Prior for Point {
        fn sample(&self, _: &mut Xoshiro256PlusPlus) -> Vec<f64> {
            vec![1.0]
        }
        fn density(&self, theta: &[f64]) -> f64 {
            f64::from(u8::from(theta == [1.0]))
        }
    }

    #[test]
    fn a_population_on_one_point_stops_as_degenerate_after_its_first_generation() {
        let opts = SmcOptions {
            population: 50,
            batch: 50,
            ..SmcOptions::default()
        };
        let (gens, stop) = go(&Point, |t, s| normal_mean(t, s, 4.0), &[0.5], &[0.5], &opts);
        assert_eq!(stop, Stop::Degenerate);
        assert_eq!(gens.len(), 1);
    }

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
