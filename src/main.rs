//! The `livemarket` binary: parse, load, run, report. Errors surface here, once.

mod check;
mod cli;
mod params;
mod terminal;

use anyhow::Result;
use clap::Parser;
use cli::{Cli, Command, DesignArg};
use livemarket::calibrate::folder;
use livemarket::compare::{self, CompareOptions};
use livemarket::error::UserError;
use livemarket::lock::{self, Access};
use livemarket::posterior::{self, Posterior};
use livemarket::report;
use livemarket::results::{COMPARE_CSV, SENSITIVITY_CSV, SUMMARY_CSV};
use livemarket::run::{self, Recipe, RunOptions};
use livemarket::scenario::params as keys;
use livemarket::scenario::{BASELINE_TOML, Composed, Design, Scenario, ScenarioError, SourceFile};
use livemarket::sweep::{self, SweepOptions};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => run_command(args),
        Command::Check(args) => check_command(args),
        Command::Params(args) => params_command(args),
        Command::Compare(args) => compare_command(args),
        Command::Sensitivity(args) => sensitivity_command(args),
        Command::Summarize(args) => summarize_command(args),
        Command::Merge(args) => merge_command(args),
        Command::Report(args) => folder::refuse_as_run_folder(&args.dir)
            .and_then(|()| lock::hold(&args.dir, Access::Read))
            .and_then(|_lock| write_report(&args.dir, true, args.xlsx, args.point, args.quiet)),
        Command::Targets(args) => targets_command(args),
        Command::Table(args) => table_command(args),
        Command::Export(args) => export_command(args),
        Command::Calibrate(args) => calibrate_command(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // 2: the input needs fixing; 1: the program or the system failed; 130: a
            // signal stopped it (as a shell reports Ctrl-C).
            if e.downcast_ref::<livemarket::interrupt::Interrupted>()
                .is_some()
            {
                ExitCode::from(130)
            } else if e.downcast_ref::<ScenarioError>().is_some()
                || e.downcast_ref::<UserError>().is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// Writes a report on stdout; a closed pipe (`livemarket check | head`) is not an error.
fn print(f: impl FnOnce(&mut std::io::StdoutLock) -> std::io::Result<()>) -> Result<()> {
    match f(&mut std::io::stdout().lock()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// The text of a scenario file (or of the bundled baseline), how to name it, and the files
/// it extends.
fn read_scenario(path: Option<&Path>) -> Result<(String, String, Vec<SourceFile>)> {
    Ok(match path {
        Some(p) => {
            let (_, composed) = Scenario::load(p)?;
            let mut files = composed.files;
            let own = files.remove(0);
            (own.text, p.display().to_string(), files)
        }
        None => (
            BASELINE_TOML.to_string(),
            livemarket::results::recipe::BUNDLED.to_string(),
            Vec::new(),
        ),
    })
}

/// The scenario, its text, how to name its file, and the chain of files it was merged from.
fn load(path: Option<&Path>) -> Result<(Scenario, String, String, Composed)> {
    Ok(match path {
        Some(p) => {
            let (s, composed) = Scenario::load(p)?;
            let text = composed.files[0].text.clone();
            (s, text, p.display().to_string(), composed)
        }
        None => {
            let file = "<bundled baseline>";
            let composed = livemarket::scenario::compose::compose(
                file,
                BASELINE_TOML,
                &mut livemarket::scenario::compose::read_disk,
            )?;
            (
                Scenario::baseline(),
                BASELINE_TOML.to_string(),
                file.to_string(),
                composed,
            )
        }
    })
}

fn check_command(args: cli::CheckArgs) -> Result<()> {
    let (s, text, file, composed) = load(args.scenario.as_deref())?;
    // A [sweep] table is checked too: every point is validated.
    let mut plan = sweep::plan(s.clone(), &text, &file, &SweepOptions::default())?;
    plan.posterior = posterior_of(&composed, args.posterior.as_deref(), &plan)?;
    livemarket::results::headline::Spec::of(&plan)?;
    if let Some(note) = run::draws::notice(&plan) {
        eprintln!("{note}");
    }
    // Which file each value that differs from the root of the chain came from.
    let provenance = if composed.extends() {
        let root = composed.root();
        let (mut base, _) = Scenario::compose(
            &root.file,
            &root.text,
            &mut livemarket::scenario::compose::read_disk,
        )?;
        if base.name.is_none() {
            base.name = Path::new(&root.file)
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned());
        }
        Some((root.file.clone(), keys::diff(&base, &s)))
    } else {
        None
    };
    print(|out| {
        check::print(&s, &plan, out)?;
        if let Some((root, diffs)) = &provenance {
            check::provenance(root, diffs, &composed, out)?;
        }
        Ok(())
    })
}

fn params_command(args: cli::ParamsArgs) -> Result<()> {
    if args.markdown {
        return print(|out| write!(out, "{}", keys::markdown()));
    }
    if let Some(files) = &args.diff {
        let (a, b) = match files.as_slice() {
            [b] => (None, Some(b.as_path())),
            [a, b] => (Some(a.as_path()), Some(b.as_path())),
            _ => unreachable!("clap takes one or two files"),
        };
        let name = |p: Option<&Path>| {
            p.map_or("bundled baseline".to_string(), |p| p.display().to_string())
        };
        let (sa, ..) = load(a)?;
        let (sb, ..) = load(b)?;
        let diffs = keys::diff(&sa, &sb);
        return print(|out| params::diff(&name(a), &name(b), &diffs, out));
    }
    let (s, text, file, composed) = load(args.scenario.as_deref())?;
    let opts = SweepOptions {
        set: args.set,
        no_sweep: true,
        ..SweepOptions::default()
    };
    let mut plan = sweep::plan(s, &text, &file, &opts)?;
    plan.posterior = posterior_of(&composed, args.posterior.as_deref(), &plan)?;
    if let Some(note) = livemarket::run::draws::notice(&plan) {
        eprintln!("{note}");
    }
    print(|out| params::print(&plan, out))
}

/// The posterior `flag` names, else the scenario's `[uncertain] posterior`, read and checked
/// against the plan as `run` would; a degenerate one is warned about on stderr.
fn posterior_of(
    composed: &Composed,
    flag: Option<&Path>,
    plan: &sweep::Plan,
) -> Result<Option<Posterior>> {
    let Some((path, named_by)) = posterior::locate(composed, flag) else {
        return Ok(None);
    };
    let p = Posterior::of(&posterior::Source::read(&path, &named_by)?, plan)?;
    if let Some(warning) = p.warning() {
        eprintln!("{warning}");
    }
    Ok(Some(p))
}

fn run_command(args: cli::RunArgs) -> Result<()> {
    let (scenario_text, scenario_file, scenario_parents) = read_scenario(args.scenario.as_deref())?;
    let mut recipe = Recipe {
        scenario_file,
        scenario_text,
        scenario_parents,
        sweep: SweepOptions {
            set: args.set,
            vary: args.vary,
            design: args.design.map(|d| match d {
                DesignArg::Grid => Design::Grid,
                DesignArg::Zip => Design::Zip,
                DesignArg::Lhs => Design::Lhs,
                DesignArg::Random => Design::Random,
                DesignArg::Morris => Design::Morris,
            }),
            samples: args.samples,
            design_seed: args.design_seed,
            trajectories: args.trajectories,
            levels: args.levels,
            no_sweep: args.no_sweep,
            allow_memory: args.allow_memory,
        },
        seed: args.seed,
        trials: args.trials,
        first_trial: args.first_trial,
        weekly_trials: args.weekly_trials,
        creators: args.creators,
        shard: args.shard,
        csv_dialect: args.csv_dialect,
        posterior: None,
        no_uncertain: args.no_uncertain,
    };
    recipe.read_posterior(args.posterior.as_deref())?;
    let plan = recipe.plan()?;
    if let Some(warning) = plan.posterior.as_ref().and_then(|p| p.warning()) {
        eprintln!("{warning}");
    }
    if let Some(note) = run::draws::notice(&plan) {
        eprintln!("{note}");
    }
    let scenario = &plan.base;
    let opts = RunOptions {
        trials: recipe.trials(&plan),
        first_trial: args.first_trial,
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        out: args
            .out
            .unwrap_or_else(|| PathBuf::from("results").join(scenario.display_name())),
        force: args.force,
        resume: args.resume,
        allow_memory: args.allow_memory,
        allow_disk: args.allow_disk,
        weekly_trials: args.weekly_trials,
        quiet: args.quiet,
        command_line: std::env::args().collect(),
        recipe,
    };
    if args.dry_run {
        let estimate = run::estimate(
            &plan,
            opts.first_trial,
            opts.trials,
            opts.threads,
            opts.allow_memory,
        )?;
        return print(|out| terminal::dry_run(&plan, &opts, &estimate, out));
    }
    livemarket::interrupt::install();
    let report = run::run(&plan, &opts)?;
    if args.timings {
        eprintln!(
            "setup_s={:.4} run_s={:.4} agent_weeks={} agent_updates_per_s={:.4e}",
            report.setup_seconds,
            report.weeks_seconds,
            report.agent_weeks,
            report.agent_weeks as f64 / report.weeks_seconds
        );
    }
    if !opts.quiet {
        let points = if report.points > 1 || plan.sweep.is_some() {
            format!(" at each of {} points", report.points)
        } else {
            String::new()
        };
        let what = match opts.recipe.shard {
            Some(shard) => format!(
                "shard {shard}: {} of the {} runs ({} trials{points})",
                report.runs,
                report.trials * report.points as u64,
                report.trials
            ),
            None => format!("{} trials{points}", report.trials),
        };
        let resumed = if report.resumed > 0 {
            format!(", resumed after {} finished runs", report.resumed)
        } else {
            String::new()
        };
        if opts.resume && report.runs > 0 && report.resumed == report.runs {
            println!(
                "{} already holds the complete run: nothing to resume",
                report.out.display()
            );
        } else {
            println!(
                "{what} of {} in {:.1} s{resumed}; results in {}",
                scenario.display_name(),
                report.elapsed.as_secs_f64(),
                report.out.display()
            );
        }
        let nothing_done = opts.resume && report.runs > 0 && report.resumed == report.runs;
        if opts.recipe.shard.is_none() && !nothing_done {
            let headline = livemarket::results::headline::read(&report.out)?;
            print(|out| {
                writeln!(
                    out,
                    "\nheadline ({}; median and 5%-95% over trials, shares of trials):",
                    livemarket::results::headline::HEADLINE_CSV
                )?;
                headline.print(out)
            })?;
        }
    }
    if opts.recipe.shard.is_none() {
        let worlds: Vec<&livemarket::world::World> = plan.points.iter().map(|p| &p.world).collect();
        let rows = livemarket::results::csv_rows(&worlds, report.trials, opts.weekly_trials);
        if let Some(warning) = livemarket::results::row_limit_warning(&report.out, &rows) {
            eprintln!("{warning}");
        }
    }
    let _lock = lock::hold(&report.out, Access::Read)?;
    write_report(&report.out, args.report, args.xlsx, None, opts.quiet)
}

fn calibrate_command(args: cli::CalibrateArgs) -> Result<()> {
    use livemarket::calibrate::{self, CalibrationRecipe, Problem, folder, shard};
    let (scenario_text, scenario_file, scenario_parents) = read_scenario(args.scenario.as_deref())?;
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
        None => scenario.plan()?.base.seed,
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
            let outcome = shard::merge(&problem, &opts, &mut report::calibration::write_page)?;
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
        let outcome = calibrate::run(&problem, &opts, &mut report::calibration::write_page)?;
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

fn export_command(args: cli::ExportArgs) -> Result<()> {
    folder::refuse_as_run_folder(&args.dir)?;
    let _lock = lock::hold(&args.dir, Access::Read)?;
    let written = livemarket::export::export_parquet(&args.dir, args.force)?;
    for e in &written {
        livemarket::results::record_output(&e.parquet)?;
    }
    if !args.quiet {
        for e in &written {
            println!(
                "{} ({} rows, {} bytes)",
                e.parquet.display(),
                e.rows,
                e.bytes
            );
        }
    }
    Ok(())
}

fn compare_command(args: cli::CompareArgs) -> Result<()> {
    let opts = CompareOptions {
        resamples: args.resamples,
        seed: args.seed,
    };
    for side in [Some(args.a.as_str()), args.b.as_deref()]
        .into_iter()
        .flatten()
    {
        folder::refuse_as_run_folder(&compare::folder_of(side))?;
    }
    let _locks = [Some(args.a.as_str()), args.b.as_deref()]
        .into_iter()
        .flatten()
        .map(|side| lock::hold(&compare::folder_of(side), Access::Read))
        .collect::<Result<Vec<_>>>()?;
    if let Some(b) = &args.b
        && let Some(w) =
            compare::posterior_warning(&compare::folder_of(&args.a), &compare::folder_of(b))
    {
        eprintln!("{w}");
    }
    let (comparison, default_out) = match &args.b {
        Some(b) => (
            compare::compare_two(&args.a, b, opts)?,
            PathBuf::from(COMPARE_CSV),
        ),
        None => (
            compare::compare_sweep(&args.a, opts)?,
            PathBuf::from(&args.a).join(COMPARE_CSV),
        ),
    };
    let out = args.out.unwrap_or(default_out);
    let dialect = args.csv_dialect.unwrap_or_else(|| {
        livemarket::format::Dialect::of_file(
            &compare::folder_of(&args.a).join(livemarket::results::TRIALS_CSV),
        )
    });
    compare::write_csv(&comparison, &out, dialect)?;
    livemarket::results::record_output(&out)?;
    if !args.quiet {
        print(|o| {
            terminal::comparison(&comparison, &args.a, args.b.as_deref(), args.top, &out, o)
        })?;
    }
    if args.xlsx {
        let xlsx = out.with_extension("xlsx");
        let b = args.b.clone().unwrap_or_else(|| format!("{}#0", args.a));
        let command = std::env::args().collect::<Vec<_>>().join(" ");
        let bytes = report::write_comparison_xlsx(&out, &xlsx, &args.a, &b, &command)?;
        livemarket::results::record_output(&xlsx)?;
        if !args.quiet {
            println!("workbook: {} ({bytes} bytes)", xlsx.display());
        }
    }
    if args.report {
        let html = out.with_extension("html");
        let w = report::write_comparison(&comparison, &args.a, args.b.as_deref(), &html)?;
        if !args.quiet {
            println!("report: {w}");
        }
    }
    Ok(())
}

fn sensitivity_command(args: cli::SensitivityArgs) -> Result<()> {
    folder::refuse_as_run_folder(&args.dir)?;
    let _lock = lock::hold(&args.dir, Access::Read)?;
    let effects = livemarket::sensitivity::from_dir(&args.dir)?;
    let out = args.out.unwrap_or_else(|| args.dir.join(SENSITIVITY_CSV));
    let dialect = livemarket::format::Dialect::of_file(&args.dir.join(SUMMARY_CSV));
    livemarket::sensitivity::write_csv(&effects, &out, dialect)?;
    livemarket::results::record_output(&out)?;
    if !args.quiet {
        print(|o| terminal::sensitivity(&effects, &args.metric, args.top, &out, o))?;
    }
    Ok(())
}

fn summarize_command(args: cli::SummarizeArgs) -> Result<()> {
    folder::refuse_as_run_folder(&args.dir)?;
    let _lock = lock::hold(&args.dir, Access::Write)?;
    let (done, runs) = livemarket::summarize::summarize(&args.dir)?;
    if !args.quiet {
        let of = if done < runs {
            format!(" of {runs} (the run is not complete: these are the summaries so far)")
        } else {
            String::new()
        };
        println!(
            "summary.csv, weekly.csv and headline.csv of {} run(s){of} written in {}",
            done,
            args.dir.display()
        );
    }
    Ok(())
}

fn merge_command(args: cli::MergeArgs) -> Result<()> {
    let _shards = args
        .shards
        .iter()
        .map(|d| lock::hold(d, Access::Read))
        .collect::<Result<Vec<_>>>()?;
    let r = livemarket::merge::merge(
        &args.shards,
        &args.out,
        args.force,
        std::env::args().collect(),
    )?;
    if !args.quiet {
        println!(
            "{} shards merged: {} runs ({} trials at each of {} point(s)); results in {}",
            r.shards,
            r.runs,
            r.trials,
            r.points,
            args.out.display()
        );
    }
    // The merged files are those a spreadsheet would open: the row limit as `run` says it.
    if let Ok(recorded) = livemarket::results::manifest::read(&args.out)
        && let Ok(plan) = recorded.recipe.plan()
    {
        let worlds: Vec<&livemarket::world::World> = plan.points.iter().map(|p| &p.world).collect();
        let rows = livemarket::results::csv_rows(&worlds, r.trials, recorded.recipe.weekly_trials);
        if let Some(warning) = livemarket::results::row_limit_warning(&args.out, &rows) {
            eprintln!("{warning}");
        }
    }
    Ok(())
}

/// `report DIR`, `run --report` and `run --xlsx`: the report page and/or the workbook.
fn write_report(
    dir: &Path,
    html: bool,
    xlsx: bool,
    point: Option<usize>,
    quiet: bool,
) -> Result<()> {
    if !html && !xlsx {
        return Ok(());
    }
    let w = report::write(dir, &report::ReportOptions { html, xlsx, point })?;
    if !quiet {
        println!("report: {w}");
    }
    Ok(())
}

fn table_command(args: cli::TableArgs) -> Result<()> {
    let _lock = lock::hold(&args.dir, Access::Read)?;
    let table = livemarket::pivot::pivot(&args.dir, &args.measure, &args.market)?;
    let out = args
        .out
        .unwrap_or_else(|| args.dir.join(livemarket::pivot::TABLE_CSV));
    let dialect = livemarket::format::Dialect::of_file(&args.dir.join(SUMMARY_CSV));
    table.write_csv(&out, dialect)?;
    livemarket::results::record_output(&out)?;
    if !args.quiet {
        print(|o| {
            table.print(o)?;
            writeln!(o, "written to {}", out.display())
        })?;
    }
    Ok(())
}

fn targets_command(args: cli::TargetsArgs) -> Result<()> {
    use livemarket::targets::Targets;
    let targets = match &args.targets {
        Some(path) => Targets::from_path(path)?,
        None => Targets::bundled(),
    };
    folder::refuse_as_run_folder(&args.dir)?;
    let _lock = lock::hold(&args.dir, Access::Read)?;
    let measured = targets.measure_folder(&args.dir, args.point)?;
    let n = measured.first().map_or(0, |m| m.values.len());
    print(|out| {
        use std::io::Write;
        write!(out, "{}", targets.table(&measured, args.markdown))?;
        writeln!(
            out,
            "\n{n} trials of {}; median and p05-p95 across trials (type-7 quantiles); targets from {}.",
            args.dir.display(),
            targets.file
        )
    })
}
