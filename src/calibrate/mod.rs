//! `livemarket calibrate`: fitting a scenario's uncertain parameters to target figures by
//! ABC-SMC, laid out as pyabc is, one module per concept:
//!
//! | module | concept | pyabc |
//! | --- | --- | --- |
//! | [`problem`] | the scenario, targets and options of one calibration | `ABCSMC(...)` |
//! | [`prior`] | the `[uncertain]` prior, drawn and its density | `Distribution`, `RV` |
//! | [`distance`] | summaries to targets ([`distance::Distance`]) | `Distance`, `PNormDistance` |
//! | [`epsilon`] | the tolerance schedule and the stop rules | `Epsilon`, `QuantileEpsilon` |
//! | [`transition`] | the kernel ([`transition::Transition`]) | `Transition`, `MultivariateNormalTransition` |
//! | [`population`] | particles, weights, effective sample size | `Particle`, `Population` |
//! | [`sampler`] | numbered attempts in batches, a generation assembled | `Sampler` |
//! | [`smc`] | the generation loop | `ABCSMC.run` |
//! | [`storage`] | the folder: checkpoint and tables | `History` |
//! | [`shard`] | a generation split across processes | a distributed `Sampler` |
//! | [`prior_check`] | the prior predictive against the targets, before calibrating | |
//! | [`identify`] | what the posterior pinned: widths, ridges, each target's part | |
//!
//! A new distance, tolerance schedule or kernel is one file in its concept's module and the
//! one line that chooses it ([`Problem::new`] for the distance, [`smc::SmcOptions`] for the
//! others). This module runs the command: the folder prepared or resumed, the loop run with a
//! checkpoint after every generation, then the posterior predictive and the tables once it
//! stops. The statistics (quantiles, effective sample size) are the statistics module's
//! (`stats`, shared with the run side); the page (`report.html`) is drawn by the layer
//! above, which hands [`run`] and [`shard::merge`] an [`Observer`] to call once the
//! calibration has stopped.
//!
//! The folder is checkpointed after every generation; a resumed calibration makes the same
//! generations, so its files end byte-identical to an uninterrupted one's. A generation can
//! also be split into shards ([`shard`]) and assembled from them.

pub mod distance;
pub mod epsilon;
pub mod identify;
pub mod options;
pub mod population;
pub mod prior;
pub mod prior_check;
pub mod problem;
pub mod sampler;
pub mod shard;
pub mod smc;
pub mod storage;
pub mod transition;

/// The folder's module by the name the command line and the tests use.
pub use storage as folder;

pub use problem::{CalibrationRecipe, Problem, memory_bytes, memory_guard};

use anyhow::Result;
use epsilon::Stop;
use population::Generation;
use rand_xoshiro::Xoshiro256PlusPlus;
use sampler::Proposal;
use std::path::{Path, PathBuf};
use std::time::Instant;
use storage::{Checkpoint, Options};

/// A calibration that has stopped, as the observer given to [`run`] and [`shard::merge`]
/// sees it: the checkpoint with its stop reason, not yet marked complete, and the posterior
/// predictive simulations, (particle, summaries) each.
pub struct Finished<'a> {
    pub dir: &'a Path,
    pub problem: &'a Problem,
    pub checkpoint: &'a Checkpoint,
    pub predictive: &'a [(usize, Vec<f64>)],
}

/// What the layer above does with a calibration once it has stopped, before it is marked
/// complete (the command draws `report.html`): an error leaves it incomplete. `Send`, as
/// the command runs on its worker pool.
pub type Observer<'a> = dyn FnMut(&Finished<'_>) -> Result<()> + Send + 'a;

/// What a finished `calibrate` reports.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub generations: usize,
    pub stop: Stop,
    pub simulations: u64,
    pub out: PathBuf,
    pub resumed: usize,
    pub seconds: f64,
}

/// Runs (or resumes) the calibration into `opts.out`; `observer` sees it once it stops.
pub fn run(problem: &Problem, opts: &Options, observer: &mut Observer<'_>) -> Result<Outcome> {
    let dir = &opts.out;
    crate::results::files::create_folder(dir)?;
    let _lock = crate::lock::lock(dir, crate::lock::Access::Write, "calibrate")?;
    let mut checkpoint = storage::prepare(dir, problem, opts)?;
    let resumed = checkpoint.generations.len();
    if checkpoint.complete && checkpoint.paused {
        // Stopped by the wall time (prepare let it through only with --resume): it goes on
        // from its last generation, as if it had never stopped.
        checkpoint.complete = false;
        checkpoint.paused = false;
        checkpoint.stop = None;
    }
    if checkpoint.complete {
        // A finished calibration is left exactly as it is: nothing to resume. (Complete
        // and no rule of the sampler's stops it: the budget did.)
        let smc_opts = problem.recipe.smc();
        let stop = smc_opts
            .stop
            .after(&checkpoint.generations)
            .or_else(|| {
                Proposal::next(
                    &problem.prior(),
                    &checkpoint.generations,
                    &smc_opts,
                    problem.distance(),
                )
                .err()
            })
            .unwrap_or(Stop::Budget);
        return Ok(Outcome {
            generations: resumed,
            stop,
            simulations: checkpoint.generations.iter().map(|g| g.simulations).sum(),
            out: dir.clone(),
            resumed,
            seconds: 0.0,
        });
    }
    let started = Instant::now();
    let mut smc_opts = problem.recipe.smc();
    smc_opts.deadline = opts
        .max_minutes
        .map(|m| started + std::time::Duration::from_secs_f64(m * 60.0));
    let prior = problem.prior();
    let bar = progress(opts.quiet, problem.recipe.population);
    let mut clock = Instant::now();
    let mut seconds = checkpoint.seconds.clone();
    let (generations, stop) = smc::run(
        &prior,
        &|z, seed| problem.simulate(z, seed).map_err(anyhow::Error::from),
        problem.distance(),
        &smc_opts,
        checkpoint.generations.clone(),
        |g, accepted, sims| {
            bar.set_message(format!("generation {g}: {sims} simulations"));
            bar.set_position(accepted as u64);
        },
        |gens| {
            seconds.push(clock.elapsed().as_secs_f64());
            clock = Instant::now();
            bar.set_position(0);
            checkpoint.generations = gens.to_vec();
            checkpoint.seconds.clone_from(&seconds);
            storage::write_tables(dir, problem, gens)?;
            storage::write_checkpoint(dir, &checkpoint)
        },
    )?;
    bar.finish_and_clear();
    checkpoint.generations = generations;
    checkpoint.seconds = seconds;
    finish(dir, problem, &mut checkpoint, stop, observer)?;
    Ok(Outcome {
        generations: checkpoint.generations.len(),
        stop,
        simulations: checkpoint.generations.iter().map(|g| g.simulations).sum(),
        out: dir.clone(),
        resumed,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// After the last generation: the posterior predictive, the observer, the checkpoint marked
/// complete.
pub fn finish(
    dir: &Path,
    problem: &Problem,
    checkpoint: &mut Checkpoint,
    stop: Stop,
    observer: &mut Observer<'_>,
) -> Result<()> {
    let Some(last) = checkpoint.generations.last() else {
        return Err(crate::error::UserError(format!(
            "the calibration stopped before its first generation was whole ({}); raise \
             --max-simulations",
            stop_reason(stop, &problem.recipe)
        ))
        .into());
    };
    if let Some(w) = degenerate(last, stop) {
        eprintln!("warning: {w}");
    }
    storage::write_tables(dir, problem, &checkpoint.generations)?;
    let predictive = predictive(problem, last, problem.recipe.predictive)?;
    storage::write_predictive(dir, problem, &predictive)?;
    if let Some(found) = identify::of(problem, &checkpoint.generations) {
        identify::write(dir, problem, &found)?;
    }
    checkpoint.stop = Some(stop_reason(stop, &problem.recipe));
    checkpoint.paused = stop == Stop::WallTime;
    observer(&Finished {
        dir,
        problem,
        checkpoint,
        predictive: &predictive,
    })?;
    checkpoint.complete = true;
    storage::write_checkpoint(dir, checkpoint)
}

/// The warning a posterior deserves when its weight sits on a few particles (an effective
/// sample size under 5% of them, plus one) or the sampler stopped on a population with no
/// spread; None when it is sound.
pub fn degenerate(last: &Generation, stop: Stop) -> Option<String> {
    let n = last.particles.len();
    let thin = last.ess < crate::stats::LOW_ESS_SHARE * n as f64 + 1.0;
    (stop == Stop::Degenerate || thin).then(|| {
        format!(
            "the posterior's effective sample size is {:.1} of {n} particles{}: nearly all \
             weight is on a few particles, so its intervals are not to be trusted; run with a \
             larger --population, a wider prior, or a larger --min-tolerance",
            last.ess,
            if stop == Stop::Degenerate {
                ", and the last population has no spread in some direction"
            } else {
                ""
            }
        )
    })
}

/// A bar over one generation's accepted particles, on stderr only on a terminal.
fn progress(quiet: bool, population: usize) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(
            Some(population as u64),
            ProgressDrawTarget::hidden(),
        );
    }
    let bar = ProgressBar::new(population as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} accepted  {msg}  {elapsed}")
            .expect("valid template"),
    );
    bar
}

/// How a calibration ended, in words.
pub fn stop_reason(stop: Stop, recipe: &CalibrationRecipe) -> String {
    match stop {
        Stop::Tolerance => format!(
            "the tolerance reached --min-tolerance {}",
            recipe.min_tolerance
        ),
        Stop::Acceptance => format!(
            "the acceptance rate fell below --min-acceptance {}",
            recipe.min_acceptance
        ),
        Stop::Budget => format!(
            "the simulation budget (--max-simulations {}) was spent; the last generation is \
             the last whole one",
            recipe.max_simulations
        ),
        Stop::Generations => format!("--max-generations {} were run", recipe.max_generations),
        Stop::Degenerate => "the last population has no spread in some direction (all weight \
             on one particle, or on a line): its posterior is degenerate, so treat it with \
             care; a larger --population or a wider prior usually helps"
            .to_string(),
        Stop::WallTime => "the wall-time budget (--max-minutes) had passed when the last \
             generation finished; the folder is complete, and --resume with the same options \
             continues the calibration from there"
            .to_string(),
    }
}

/// The stream of the posterior predictive simulations: "predicti" as bytes.
const PREDICTIVE: u64 = u64::from_le_bytes(*b"predicti");

/// The posterior predictive: `n` simulations, each of a particle drawn by weight from the
/// last generation, on a seed of its own; (particle, summaries) in order. Deterministic for
/// the seed whatever the threads.
pub fn predictive(
    problem: &Problem,
    last: &Generation,
    n: usize,
) -> Result<Vec<(usize, Vec<f64>)>, crate::error::UserError> {
    use crate::model::rng::splitmix64;
    use rand::{Rng, SeedableRng};
    use rand_distr::Distribution;
    use rayon::prelude::*;
    let w: Vec<f64> = last.particles.iter().map(|p| p.weight).collect();
    let pick = rand_distr::weighted::WeightedAliasIndex::new(w).expect("weights are positive");
    (0..n as u64)
        .into_par_iter()
        .map(|i| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(splitmix64(
                problem.recipe.seed ^ splitmix64(PREDICTIVE ^ splitmix64(i)),
            ));
            let j = pick.sample(&mut rng);
            let seed: u64 = rng.random();
            problem
                .simulate(&last.particles[j].theta, seed)
                .map(|s| (j, s))
        })
        .collect()
}

/// What `livemarket calibrate` was asked beyond the recipe: where, how, and which part.
#[derive(Debug, Clone)]
pub struct Command {
    /// The scenario, targets and sampler settings.
    pub recipe: CalibrationRecipe,
    /// Worker threads [default: all cores].
    pub threads: Option<usize>,
    /// Output folder [default: results/NAME-calibration].
    pub out: Option<PathBuf>,
    pub force: bool,
    pub resume: bool,
    pub quiet: bool,
    pub allow_memory: bool,
    /// Run only this shard of the next generation.
    pub shard: Option<crate::run::Shard>,
    /// Assemble the next generation from its shards.
    pub merge: bool,
    /// Print what the calibration would fit, its memory and time estimates, and write
    /// nothing.
    pub dry_run: bool,
    /// Stop after the first generation that finishes past this many minutes.
    pub max_minutes: Option<f64>,
    /// Only the prior predictive check, of this many prior draws: no calibration.
    pub prior_check: Option<usize>,
}

/// `livemarket calibrate`: a whole calibration, one shard of a generation, or the merge of
/// a generation's shards, on the worker threads asked for, with a closing line. `observer`
/// is called once the calibration has stopped (the layer above draws its page there).
pub fn command(c: Command, observer: &mut Observer<'_>) -> Result<()> {
    let recipe = c.recipe;
    let problem = Problem::new(recipe)?;
    let threads = c
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let opts = storage::Options {
        out: c.out.unwrap_or_else(|| {
            PathBuf::from("results")
                .join(format!("{}-calibration", problem.plan.base.display_name()))
        }),
        force: c.force,
        resume: c.resume,
        quiet: c.quiet,
        command_line: std::env::args().collect(),
        max_minutes: c.max_minutes,
    };
    if let Some(m) = c.max_minutes
        && !(m >= 0.0 && m.is_finite())
    {
        return Err(crate::error::UserError(format!(
            "--max-minutes {m} must be 0 or more (0 stops after the first generation)"
        ))
        .into());
    }
    if c.dry_run {
        return crate::table::print(|out| dry_run(&problem, threads, &opts.out, out));
    }
    memory_guard(&problem, threads, c.allow_memory)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start {threads} worker threads: {e}"))?;
    pool.install(|| {
        if let Some(n) = c.prior_check {
            return prior_check::command(&problem, n, &opts);
        }
        if let Some(k) = c.shard {
            let outcome = shard::run_shard(&problem, k, &opts)?;
            if !opts.quiet {
                match outcome {
                    shard::ShardOutcome::Finished => println!(
                        "{}: the calibration has stopped; shard {k} has nothing to run",
                        opts.out.display()
                    ),
                    shard::ShardOutcome::Ran {
                        generation,
                        batches,
                        accepted,
                    } => println!(
                        "shard {k} of generation {generation}: {batches} batches, {accepted} \
                         accepted; merge with --merge once every shard has run"
                    ),
                }
            }
            return Ok(());
        }
        if c.merge {
            let outcome = shard::merge(&problem, &opts, observer)?;
            if !opts.quiet {
                match outcome {
                    shard::MergeOutcome::Generation(g) => println!(
                        "generation {g} assembled in {}; run the shards of the next one",
                        opts.out.display()
                    ),
                    shard::MergeOutcome::Stopped(stop) => {
                        println!(
                            "the calibration stopped: {}; results in {}",
                            stop_reason(stop, &problem.recipe),
                            opts.out.display()
                        );
                        identify::print_folder(&problem, &opts.out)?;
                    }
                    shard::MergeOutcome::Complete => println!(
                        "{} holds a finished calibration: nothing to merge",
                        opts.out.display()
                    ),
                }
            }
            return Ok(());
        }
        let outcome = run(&problem, &opts, observer)?;
        if !opts.quiet {
            let resumed = if outcome.resumed > 0 {
                format!(", resumed after {} generations", outcome.resumed)
            } else {
                String::new()
            };
            println!(
                "{} generations, {} simulations in {:.1} s{resumed}; stopped: {}; results in {}",
                outcome.generations,
                outcome.simulations,
                outcome.seconds,
                stop_reason(outcome.stop, &problem.recipe),
                outcome.out.display()
            );
            identify::print_folder(&problem, &outcome.out)?;
        }
        Ok(())
    })
}

/// `calibrate --dry-run`: the factors and targets fitted, the sampler's settings, the memory
/// estimate and the time of one simulation measured here (at the prior's centre, on one
/// thread), with the budget that bounds the whole; nothing is written.
fn dry_run(
    problem: &Problem,
    threads: usize,
    out: &std::path::Path,
    w: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let r = &problem.recipe;
    let (trial, peak) = memory_bytes(problem, threads);
    writeln!(
        w,
        "{}: {} factor(s) of [uncertain] fitted to {} target(s) of {}",
        problem.plan.base.display_name(),
        problem.factors.count,
        problem.summaries.targets.len(),
        r.targets_file
    )?;
    writeln!(
        w,
        "population {}, batches of {}, tolerance at the {} quantile; stops at tolerance {}, \
         acceptance below {}, {} simulations or {} generations",
        r.population,
        r.batch,
        r.quantile,
        r.min_tolerance,
        r.min_acceptance,
        r.max_simulations,
        r.max_generations
    )?;
    let over = crate::sweep::available_memory()
        .filter(|a| peak > *a)
        .map(|a| {
            format!(
                "; more than the {:.1} GB available: the calibration would be refused without \
                 --allow-memory",
                a as f64 / 1e9
            )
        })
        .unwrap_or_default();
    writeln!(
        w,
        "memory: about {:.2} GB ({threads} running simulation(s) × {:.3} GB, and the \
         particles, attempts and predictive simulations){over}",
        peak as f64 / 1e9,
        trial as f64 / 1e9
    )?;
    let centre = vec![0.0; problem.factors.count];
    let started = std::time::Instant::now();
    let measured = problem.simulate(&centre, r.seed);
    let one = started.elapsed().as_secs_f64();
    match measured {
        Ok(_) => {
            let per_thread = one / threads.max(1) as f64;
            let first = (r.population as u64).min(r.max_simulations);
            writeln!(
                w,
                "time: one simulation took {one:.2} s on one thread; the first generation (at \
                 least {} simulations) about {:.0} s on {threads} threads, and the whole at \
                 most {:.0} s (--max-simulations {})",
                first,
                first as f64 * per_thread,
                r.max_simulations as f64 * per_thread,
                r.max_simulations
            )?;
        }
        Err(e) => writeln!(w, "time: the simulation at the prior's centre failed: {e}")?,
    }
    writeln!(
        w,
        "nothing written; without --dry-run the calibration goes to {}",
        out.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use population::Particle;

    fn generation(weights: &[f64]) -> Generation {
        let particles: Vec<Particle> = weights
            .iter()
            .map(|&w| Particle {
                theta: vec![0.0],
                weight: w,
                summaries: vec![0.0],
                distance: 0.0,
            })
            .collect();
        let ess = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        Generation {
            epsilon: 1.0,
            particles,
            simulations: 0,
            acceptance: 1.0,
            ess,
            spread: None,
        }
    }

    #[test]
    fn a_posterior_with_its_weight_on_one_particle_is_called_degenerate() {
        // 100 particles, one holding 0.99 of the weight: ESS 1.02, under 0.05 × 100 + 1.
        let mut w = vec![0.01 / 99.0; 99];
        w.push(0.99);
        let warning = degenerate(&generation(&w), Stop::Tolerance).unwrap();
        assert!(warning.starts_with("the posterior's effective sample size is 1.0 of 100"));
        // Even weights: ESS 100, sound, unless the sampler stopped on a collapsed population.
        let even = generation(&[0.01; 100]);
        assert_eq!(degenerate(&even, Stop::Tolerance), None);
        assert!(
            degenerate(&even, Stop::Degenerate)
                .unwrap()
                .contains("no spread in some direction")
        );
    }
}
