//! Sampling a generation: numbered attempts in fixed batches, and the population assembled
//! from them (pyabc's `Sampler.sample_until_n_accepted`, `pyabc/sampler/base.py`, as its
//! evaluation-parallel samplers run it: attempts in parallel, the first `population`
//! accepted in the order they were started kept, so fast simulations are not favoured).
//!
//! Deterministic for a seed whatever the thread count: attempt i of generation t draws from
//! its own generator (seeded from the seed, t and i), attempts run in parallel in fixed
//! batches, and a generation accepts the first `population` successes in attempt order.
//! Work beyond them in the last batch is discarded but counted, so the count of simulations
//! does not depend on threads either. Any set of batches can hence run anywhere, on another
//! thread or in another process ([`super::shard`]), and the same generation is assembled.

use super::distance::adaptive;
use super::distance::{Distance, DistanceRule, ScaledEuclidean};
use super::epsilon::Stop;
use super::options::SmcOptions;
use super::population::{Generation, Particle};
use super::prior::Prior;
use super::transition::Transition;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The generator of attempt `i` of generation `g`: its own stream, so attempts can run in
/// any order on any thread.
fn attempt_rng(seed: u64, g: usize, i: u64) -> Xoshiro256PlusPlus {
    use livemarket_model::model::rng::splitmix64;
    Xoshiro256PlusPlus::seed_from_u64(splitmix64(seed ^ splitmix64(((g as u64) << 40) ^ i)))
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

/// Generation `g`'s proposal: its distance and tolerance, and how it draws from generation
/// g-1 (or from the prior, for generation 0). Attempts are numbered; attempt i draws only from its own
/// generator, so any set of attempts can run anywhere (another thread, another shard) and
/// give the same outcome.
pub struct Proposal<'a> {
    g: usize,
    pub epsilon: f64,
    /// What this generation measures summaries with.
    distance: ScaledEuclidean,
    /// Whether the generation records its summaries' spread (for an adaptive distance).
    spread: bool,
    /// The kernel fitted to generation g-1; None for generation 0.
    transition: Option<Box<dyn Transition + 'a>>,
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
        rule: &dyn DistanceRule,
    ) -> Result<Proposal<'a>, Stop> {
        let previous = generations.last();
        let distance = rule.at(generations);
        let epsilon = opts.epsilon().after(previous, &distance);
        let transition = match previous {
            None => None,
            Some(p) => Some(
                opts.transition(&p.particles, prior)
                    .ok_or(Stop::Degenerate)?,
            ),
        };
        Ok(Proposal {
            g: generations.len(),
            epsilon,
            distance,
            spread: rule.needs_spread(),
            transition,
            prior,
            seed: opts.seed,
            batch: opts.batch,
        })
    }

    /// The generation this proposal makes (0 for the first).
    pub fn generation(&self) -> usize {
        self.g
    }

    /// The distance of summaries to the targets, as this generation measures it.
    pub fn distance(&self, summaries: &[f64]) -> f64 {
        self.distance.distance(summaries)
    }

    /// This generation's assembly: the first `population` acceptances, and the summaries of
    /// every attempt when the distance adapts to their spread.
    pub fn assembly(&self, population: usize) -> Assembly {
        Assembly::new(population, self.spread)
    }

    /// Attempt `i`: a proposal, refused by the prior or simulated and measured. An error of
    /// the simulation is returned as it is.
    pub fn attempt<E>(&self, i: u64, simulate: &Simulator<'_, E>) -> Result<Attempt, E> {
        let mut rng = attempt_rng(self.seed, self.g, i);
        let theta = match &self.transition {
            Some(t) => t.propose(&mut rng),
            None => self.prior.sample(&mut rng),
        };
        if self.prior.density(&theta) <= 0.0 {
            return Ok(Attempt::Refused);
        }
        let sim_seed: u64 = rng.random();
        let summaries = simulate(&theta, sim_seed)?;
        let d = self.distance(&summaries);
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
    ) -> Result<Vec<Attempt>, E> {
        let n = self.batch as u64;
        (b * n..(b + 1) * n)
            .into_par_iter()
            .map(|i| self.attempt(i, simulate))
            .collect::<Vec<_>>()
            .into_iter()
            .collect()
    }

    /// The generation made of `assembly`'s accepted particles, weighted: π(θ) over the
    /// proposal's density at θ (1 for generation 0, drawn from the prior itself).
    pub fn finish(&self, assembly: Assembly) -> Generation {
        let Assembly {
            mut accepted,
            attempts,
            simulations,
            population,
            seen,
        } = assembly;
        if let Some(t) = &self.transition {
            for p in &mut accepted {
                p.weight = self.prior.density(&p.theta) / t.density(&p.theta);
            }
        }
        let targets = self.distance.scales().len();
        let mut generation = Generation::new(
            self.epsilon,
            accepted,
            simulations,
            population as f64 / attempts as f64,
        );
        generation.spread = seen.map(|rows| adaptive::spread(&rows, targets));
        generation
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
    /// The summaries of every simulated attempt up to the last one accepted (non-finite
    /// ones as NaN), when an adaptive distance needs their spread; None otherwise.
    seen: Option<Vec<Vec<f64>>>,
}

impl Assembly {
    /// An empty assembly of `population`, keeping every simulated attempt's summaries when
    /// `spread`.
    pub fn new(population: usize, spread: bool) -> Assembly {
        Assembly {
            // Grown as particles arrive: a population too large for memory fails there (past
            // the memory guard, with --allow-memory), not in one huge allocation up front.
            accepted: Vec::with_capacity(population.min(1 << 16)),
            attempts: 0,
            simulations: 0,
            population,
            seen: spread.then(Vec::new),
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
            if let (Some(seen), Attempt::Simulated { summaries, .. }) = (&mut self.seen, &a) {
                seen.push(summaries.iter().map(|x| x.unwrap_or(f64::NAN)).collect());
            }
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
