//! `livemarket calibrate`: the recipe built from the command line, then a whole calibration,
//! one shard of a generation, or the merge of a generation's shards, with a closing line.

use crate::cli;
use anyhow::Result;
use livemarket::error::UserError;
use livemarket::run::Recipe;
use livemarket::sweep;
use std::path::PathBuf;

pub fn calibrate_command(args: cli::CalibrateArgs) -> Result<()> {
    use livemarket::calibrate::{self, CalibrationRecipe, Problem, folder, shard};
    let (scenario_text, scenario_file, scenario_parents) =
        sweep::read_scenario(args.scenario.as_deref())?;
    let (targets_file, targets_text) = match &args.targets {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).map_err(|e| {
                UserError(format!(
                    "cannot read the targets file {}: {e}; name an existing file, or leave out \
                     --targets for the bundled scenarios/targets-2021.toml",
                    p.display()
                ))
            })?,
        ),
        None => (
            livemarket::targets::TARGETS_2021_NAME.to_string(),
            livemarket::targets::TARGETS_2021_TOML.to_string(),
        ),
    };
    let mut scenario = Recipe::new(scenario_file, scenario_text);
    scenario.scenario_parents = scenario_parents;
    scenario.sweep.set = args.set;
    scenario.sweep.no_sweep = true;
    let seed = match args.seed {
        Some(s) => s,
        None => sweep::plan_recipe(&scenario)?.base.seed,
    };
    let recipe = CalibrationRecipe {
        scenario,
        targets_file,
        targets_text,
        population: args.population,
        quantile: args.quantile,
        min_tolerance: args.min_tolerance,
        min_acceptance: args.min_acceptance,
        max_simulations: args.max_simulations,
        max_generations: args.max_generations,
        seed,
        batch: args.batch,
        predictive: args.predictive.unwrap_or(args.population),
        csv_dialect: args.csv_dialect,
    };
    let problem = Problem::new(recipe)?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let opts = folder::Options {
        out: args.out.unwrap_or_else(|| {
            PathBuf::from("results")
                .join(format!("{}-calibration", problem.plan.base.display_name()))
        }),
        force: args.force,
        resume: args.resume,
        quiet: args.quiet,
        command_line: std::env::args().collect(),
    };
    calibrate::memory_guard(&problem, threads, args.allow_memory)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start {threads} worker threads: {e}"))?;
    pool.install(|| {
        if let Some(k) = args.shard {
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
        if args.merge {
            let outcome = shard::merge(&problem, &opts)?;
            if !opts.quiet {
                match outcome {
                    shard::MergeOutcome::Generation(g) => println!(
                        "generation {g} assembled in {}; run the shards of the next one",
                        opts.out.display()
                    ),
                    shard::MergeOutcome::Stopped(stop) => println!(
                        "the calibration stopped: {}; results in {}",
                        calibrate::stop_reason(stop, &problem.recipe),
                        opts.out.display()
                    ),
                    shard::MergeOutcome::Complete => println!(
                        "{} holds a finished calibration: nothing to merge",
                        opts.out.display()
                    ),
                }
            }
            return Ok(());
        }
        let outcome = folder::run(&problem, &opts)?;
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
                calibrate::stop_reason(outcome.stop, &problem.recipe),
                outcome.out.display()
            );
        }
        Ok(())
    })
}
