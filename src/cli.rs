//! The command line (clap derive). Clap types stay here; `main` turns them into the
//! library's plain options.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Agent-based simulation of live shopping on platform markets.
#[derive(Debug, Parser)]
#[command(name = "livemarket", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run seeded trials of a scenario and write CSV results.
    Run(RunArgs),
    /// Validate a scenario and print the resolved world, without running anything.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML); without it, the bundled baseline.
    pub scenario: Option<PathBuf>,
    /// Number of trials [default: the scenario's `trials`].
    #[arg(long, short = 'n', value_name = "N")]
    pub trials: Option<u64>,
    /// Scenario seed [default: the scenario's `seed`].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Index of the first trial; with `--trials 1`, re-runs one trial of an earlier run.
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub first_trial: u64,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Output folder [default: results/<scenario name>/].
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace results already in the output folder.
    #[arg(long)]
    pub force: bool,
    /// Also write every trial's weekly series (weekly_trials.csv).
    #[arg(long)]
    pub weekly_trials: bool,
    /// No progress bar and no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print, on stderr, the seconds spent building agents and networks and stepping weeks
    /// (summed over trials), and consumer agent-weeks per second of stepping.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario file (TOML); without it, the bundled baseline.
    pub scenario: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
