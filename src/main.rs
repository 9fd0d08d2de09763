//! The `livemarket` binary: parse, load, run, report. Errors surface here, once.

mod check;
mod cli;

use anyhow::Result;
use clap::Parser;
use cli::{Cli, Command};
use livemarket::run::{self, RunOptions};
use livemarket::scenario::{BASELINE_TOML, Scenario, ScenarioError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => run_command(args),
        Command::Check(args) => {
            load(args.scenario.as_deref()).and_then(|(s, _, _)| print_check(&s))
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // 2: the input needs fixing; 1: the program or the system failed.
            if e.downcast_ref::<ScenarioError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// `check` output; a closed pipe (`livemarket check | head`) is not an error.
fn print_check(s: &Scenario) -> Result<()> {
    match check::print(s, &mut std::io::stdout().lock()) {
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

fn run_command(args: cli::RunArgs) -> Result<()> {
    let (mut scenario, text, file) = load(args.scenario.as_deref())?;
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    let opts = RunOptions {
        trials: args.trials.unwrap_or(scenario.trials.into()),
        first_trial: args.first_trial,
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        out: args
            .out
            .unwrap_or_else(|| PathBuf::from("results").join(scenario.display_name())),
        force: args.force,
        weekly_trials: args.weekly_trials,
        quiet: args.quiet,
        command_line: std::env::args().collect(),
        scenario_file: file,
    };
    let report = run::run(&scenario, &text, &opts)?;
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
        println!(
            "{} trials of {} in {:.1} s; results in {}",
            report.trials,
            scenario.display_name(),
            report.elapsed.as_secs_f64(),
            report.out.display()
        );
    }
    Ok(())
}
