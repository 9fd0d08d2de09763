//! The `livemarket` binary: parse, load, run, report. Errors surface here, once.

mod check;
mod cli;
mod report;

use anyhow::Result;
use clap::Parser;
use cli::{Cli, Command, DesignArg};
use livemarket::compare::{self, CompareOptions};
use livemarket::error::UserError;
use livemarket::run::{self, RunOptions};
use livemarket::scenario::{BASELINE_TOML, Design, Scenario, ScenarioError};
use livemarket::sweep::{self, SweepOptions};
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
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // 2: the input needs fixing; 1: the program or the system failed.
            if e.downcast_ref::<ScenarioError>().is_some()
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

/// The scenario, its text, and how to name its file.
fn load(path: Option<&Path>) -> Result<(Scenario, String, String)> {
    Ok(match path {
        Some(p) => {
            let (s, text) = Scenario::from_path(p)?;
            (s, text, p.display().to_string())
        }
        None => (
            Scenario::baseline(),
            BASELINE_TOML.to_string(),
            "<bundled baseline>".to_string(),
        ),
    })
}

fn check_command(args: cli::CheckArgs) -> Result<()> {
    let (s, text, file) = load(args.scenario.as_deref())?;
    // A [sweep] table is checked too: every point is validated.
    let plan = sweep::plan(s.clone(), &text, &file, &SweepOptions::default())?;
    print(|out| check::print(&s, &plan, out))
}

fn params_command(args: cli::ParamsArgs) -> Result<()> {
    let (s, text, file) = load(args.scenario.as_deref())?;
    let opts = SweepOptions {
        set: args.set,
        no_sweep: true,
        ..SweepOptions::default()
    };
    let plan = sweep::plan(s, &text, &file, &opts)?;
    print(|out| report::params(&plan.base, out))
}

fn run_command(args: cli::RunArgs) -> Result<()> {
    let (scenario, text, file) = load(args.scenario.as_deref())?;
    let sweep_opts = SweepOptions {
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
    };
    let mut plan = sweep::plan(scenario, &text, &file, &sweep_opts)?;
    if let Some(seed) = args.seed {
        plan.reseed(seed);
    }
    let scenario = &plan.base;
    let opts = RunOptions {
        trials: args
            .trials
            .unwrap_or(plan.trials_per_point.unwrap_or(scenario.trials).into()),
        first_trial: args.first_trial,
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        out: args
            .out
            .unwrap_or_else(|| PathBuf::from("results").join(scenario.display_name())),
        force: args.force,
        allow_memory: args.allow_memory,
        weekly_trials: args.weekly_trials,
        quiet: args.quiet,
        command_line: std::env::args().collect(),
        scenario_file: file,
    };
    if args.dry_run {
        let estimate = run::estimate(&plan, opts.first_trial, opts.trials, opts.threads)?;
        return print(|out| report::dry_run(&plan, &opts, &estimate, out));
    }
    let report = run::run(&plan, &text, &opts)?;
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
        println!(
            "{} trials{points} of {} in {:.1} s; results in {}",
            report.trials,
            scenario.display_name(),
            report.elapsed.as_secs_f64(),
            report.out.display()
        );
    }
    Ok(())
}

fn compare_command(args: cli::CompareArgs) -> Result<()> {
    let opts = CompareOptions {
        resamples: args.resamples,
        seed: args.seed,
    };
    let (comparison, default_out) = match &args.b {
        Some(b) => (
            compare::compare_two(&args.a, b, opts)?,
            PathBuf::from("compare.csv"),
        ),
        None => (
            compare::compare_sweep(&args.a, opts)?,
            PathBuf::from(&args.a).join("compare.csv"),
        ),
    };
    let out = args.out.unwrap_or(default_out);
    compare::write_csv(&comparison, &out)?;
    if !args.quiet {
        print(|o| report::comparison(&comparison, &args.a, args.b.as_deref(), args.top, &out, o))?;
    }
    Ok(())
}

fn sensitivity_command(args: cli::SensitivityArgs) -> Result<()> {
    let effects = livemarket::sensitivity::from_dir(&args.dir)?;
    let out = args.out.unwrap_or_else(|| args.dir.join("sensitivity.csv"));
    livemarket::sensitivity::write_csv(&effects, &out)?;
    if !args.quiet {
        print(|o| report::sensitivity(&effects, &args.metric, args.top, &out, o))?;
    }
    Ok(())
}
