//! The command line (clap derive). Clap types stay here; each command's arguments become
//! the library's plain options (here, or field by field in `main`'s dispatch).

use clap::{Args, Parser, Subcommand, ValueEnum};
use livemarket::calibrate::options::{DistanceKind, KernelKind};
use livemarket::format::Dialect;
use std::path::PathBuf;

/// The environment variable that chooses the CSV dialect of `run` and `calibrate` when
/// `--csv-dialect` is not given: set once for a comma-decimal spreadsheet.
const DIALECT_ENV: &str = "LIVEMARKET_CSV_DIALECT";

/// The default measure of `table` and `sensitivity`: total GMV.
const GMV: &str = livemarket::results::measures::of(livemarket::model::Metric::GmvUsd).name;

/// Agent-based simulation of live shopping on platform markets.
#[derive(Debug, Parser)]
#[command(name = "livemarket", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run seeded trials of a scenario (at every point of a sweep) and write CSV results.
    Run(RunArgs),
    /// Validate a scenario and print the resolved world, without running anything.
    Check(CheckArgs),
    /// List every parameter path of a scenario with its value, type and unit.
    Params(ParamsArgs),
    /// Compare the outcomes of two result folders, or of every point of a sweep with its
    /// first or with another run, and write compare.csv.
    Compare(CompareArgs),
    /// Morris elementary effects (μ*, μ, σ) of a morris sweep's parameters on every measure;
    /// writes sensitivity.csv.
    Sensitivity(SensitivityArgs),
    /// Rewrite summary.csv and weekly.csv of a result folder from its trial data
    /// (trials.bin), e.g. after they could not be written, or of an interrupted run so far.
    Summarize(SummarizeArgs),
    /// Combine the folders of `run --shard K/N` into one result folder, byte-identical to a
    /// single run's.
    Merge(MergeArgs),
    /// Pictures of a result folder: DIR/report.html (SVG charts, each also in DIR/report/)
    /// and, with --xlsx, DIR/report.xlsx.
    Report(ReportArgs),
    /// Calibration targets beside a result folder's median and 90% range across trials
    /// (from its trials.bin), and whether each holds.
    Targets(TargetsArgs),
    /// One measure of one market as a wide table, a row per sweep point: mean, p05, p25,
    /// p50, p75, p95 and the shares of trials opened, cancelled and withdrawn; printed and
    /// written as DIR/table.csv.
    Table(TableArgs),
    /// A result folder's tables in another format: with --parquet, DIR/parquet/NAME.parquet
    /// (zstd, typed columns) for DuckDB, pandas, polars and R.
    Export(ExportArgs),
    /// Fit the scenario's [uncertain] parameters to a targets file by ABC-SMC; writes
    /// generations.csv, particles.csv, posterior.csv (for `run --posterior`), predictive.csv
    /// and report.html.
    Calibrate(CalibrateArgs),
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Scenario file (TOML) whose [uncertain] table holds the priors; without it, the
    /// bundled baseline.
    pub scenario: Option<PathBuf>,
    /// Targets file: the targets with a `scale` are fitted [default: the bundled
    /// scenarios/targets-2021.toml].
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// Output folder [default: results/<scenario name>-calibration/].
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Accepted particles per generation.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub population: usize,
    /// Each generation's tolerance is this quantile of the last one's distances.
    #[arg(long, value_name = "Q", default_value_t = 0.5)]
    pub quantile: f64,
    /// Stop once the tolerance is at most this (in targets' scales: below 1 fits the
    /// sources' noise).
    #[arg(long, value_name = "EPS", default_value_t = 1.0)]
    pub min_tolerance: f64,
    /// Stop after a generation accepting fewer than this share of its attempts.
    #[arg(long, value_name = "RATE", default_value_t = 0.02)]
    pub min_acceptance: f64,
    /// Stop once this many simulations have run (the last generation kept is whole).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_simulations: u64,
    /// Most generations, the first (drawn from the prior) included.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub max_generations: usize,
    /// Seed of every draw [default: the scenario's `seed`].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Attempts run in parallel at a time; fixed so that results do not depend on threads.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub batch: usize,
    /// Posterior predictive simulations at the end [default: --population].
    #[arg(long, value_name = "N")]
    pub predictive: Option<usize>,
    /// The distance: `fixed` (each target's `scale` from the targets file) or `adaptive`
    /// (each target's scale re-estimated every generation from the median absolute deviation
    /// of the previous generation's simulations, as pyabc's AdaptivePNormDistance).
    #[arg(long, value_enum, value_name = "KIND", default_value_t = DistanceKind::Fixed)]
    pub distance: DistanceKind,
    /// The kernel: `mvn` (one Gaussian of the population's covariance, Silverman's
    /// bandwidth) or `local` (each particle moved by the covariance of its nearest quarter of
    /// the population, at least 10, as pyabc's LocalTransition).
    #[arg(long, value_enum, value_name = "KIND", default_value_t = KernelKind::Mvn)]
    pub kernel: KernelKind,
    /// Draw this share of each generation's proposals from the prior instead of the kernel
    /// (a defensive mixture): no particle's weight can then exceed 1/ALPHA times the prior's
    /// share, which keeps the effective sample size up when the kernel is much narrower than
    /// the prior in directions the targets barely inform. 0: the kernel alone.
    #[arg(long, value_name = "ALPHA", default_value_t = 0.0)]
    pub defensive: f64,
    /// Stop after the first generation that finishes once this many minutes have passed
    /// (0: after the first generation); the folder is complete, and --resume continues it.
    #[arg(long, value_name = "M", conflicts_with_all = ["shard", "merge"])]
    pub max_minutes: Option<f64>,
    /// Only check the prior against the targets: N draws from the prior [default:
    /// --population], each simulated once; prints each target's prior predictive range and
    /// the share of draws meeting it, writes OUT/prior-check.csv, and calibrates nothing
    /// (with --force, it replaces a file of that name it did not write).
    #[arg(long, value_name = "N", num_args = 0..=1, conflicts_with_all = ["shard", "merge", "resume", "dry_run"])]
    pub prior_check: Option<Option<usize>>,
    /// Override one scenario value by its path, e.g. fewer agents for speed; repeatable.
    #[arg(long, value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = at_least_one::<usize>, allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Replace a calibration already in the output folder.
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    /// Continue the calibration in the output folder from its last whole generation (same
    /// arguments); the files end byte-identical to an uninterrupted calibration's.
    #[arg(long)]
    pub resume: bool,
    /// Run only shard K of N of the next generation's attempts into OUT/shards/, for a
    /// cluster's job array; `--merge` then assembles the generation.
    #[arg(long, value_name = "K/N", value_parser = parse_shard, conflicts_with_all = ["merge", "force"])]
    pub shard: Option<livemarket::run::Shard>,
    /// Assemble the next generation from the shards in OUT/shards/ (byte-identical to one
    /// process's), and finish the calibration once it stops.
    #[arg(long, conflicts_with = "force")]
    pub merge: bool,
    /// How the CSV files write numbers (see `run --csv-dialect`).
    #[arg(
        long,
        value_enum,
        value_name = "DIALECT",
        default_value_t = Dialect::Standard,
        env = DIALECT_ENV
    )]
    pub csv_dialect: Dialect,
    /// Run even when the estimated memory (running simulations, every generation's
    /// particles, a batch, the predictive) is more than the machine has available.
    #[arg(long)]
    pub allow_memory: bool,
    /// Print what would be fitted, the memory estimate and the measured time of one
    /// simulation, and write nothing.
    #[arg(long, conflicts_with_all = ["shard", "merge", "resume", "force"])]
    pub dry_run: bool,
    /// No progress bar and no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Result folder.
    pub dir: PathBuf,
    /// Write Parquet files (the one format so far).
    #[arg(long, required = true)]
    pub parquet: bool,
    /// Replace Parquet files in `parquet/` that no livemarket command wrote.
    #[arg(long)]
    pub force: bool,
    /// Print nothing.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct TargetsArgs {
    /// Result folder written by `livemarket run`.
    pub dir: PathBuf,
    /// Targets file [default: the bundled scenarios/targets-2021.toml].
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// The sweep point measured.
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub point: usize,
    /// Print the table as markdown (as in docs/calibration.md).
    #[arg(long)]
    pub markdown: bool,
}

#[derive(Debug, Args)]
pub struct TableArgs {
    /// Result folder written by `livemarket run` (a sweep's, or a single run's).
    pub dir: PathBuf,
    /// The measure: a column of trials.csv, such as gmv_usd.
    #[arg(long, value_name = "NAME", default_value = GMV)]
    pub measure: String,
    /// The market, as COUNTRY/platform (GB/tiktok).
    #[arg(long, value_name = "CC/PLATFORM")]
    pub market: String,
    /// Output file [default: DIR/table.csv].
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print nothing; only write the file.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Result folder written by `livemarket run`.
    pub dir: PathBuf,
    /// Also write the tables and native charts as an Excel workbook, DIR/report.xlsx.
    #[arg(long)]
    pub xlsx: bool,
    /// The sweep point whose weekly series, events and totals are drawn [default: 0].
    #[arg(long, value_name = "K")]
    pub point: Option<usize>,
    /// Print nothing; only write the files.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// Result folder.
    pub dir: PathBuf,
    /// No closing summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard folders, every shard of the run once, in any order.
    #[arg(required = true, value_name = "SHARD")]
    pub shards: Vec<PathBuf>,
    /// Folder of the merged results.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,
    /// Replace results already in the output folder.
    #[arg(long)]
    pub force: bool,
    /// No closing summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// Result folder of a sweep run with --design morris.
    pub dir: PathBuf,
    /// Where to write the table [default: DIR/sensitivity.csv].
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Measure whose ranking is printed.
    #[arg(long, default_value = GMV)]
    pub metric: String,
    /// Rows printed, largest μ* first.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Print nothing; only write the table.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML); without it, the bundled baseline.
    pub scenario: Option<PathBuf>,
    /// Number of trials, at each point of a sweep [default: `[sweep] trials`, else the
    /// scenario's `trials`].
    #[arg(long, short = 'n', value_name = "N", value_parser = at_least_one::<u64>, allow_negative_numbers = true)]
    pub trials: Option<u64>,
    /// Scenario seed [default: the scenario's `seed`].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Index of the first trial; with `--trials 1`, re-runs one trial of an earlier run.
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub first_trial: u64,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, short = 'j', value_name = "N", value_parser = at_least_one::<usize>, allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Output folder [default: results/<scenario name>/].
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace results already in the output folder.
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    /// Continue the interrupted run in the output folder (same arguments as when it started),
    /// or start it if the folder holds none; the result files end byte-identical to an
    /// uninterrupted run's. A complete run is left as it is.
    #[arg(long)]
    pub resume: bool,
    /// Run only the K-th of N equal slices of the runs (1 <= K <= N), for a cluster's job
    /// array; `livemarket merge` combines the shards' folders.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<livemarket::run::Shard>,
    /// Run even when the estimated memory exceeds what the machine has available.
    #[arg(long)]
    pub allow_memory: bool,
    /// Run even when the estimated result files exceed the free disk space.
    #[arg(long)]
    pub allow_disk: bool,
    /// Also write every trial's weekly series (weekly_trials.csv).
    #[arg(long)]
    pub weekly_trials: bool,
    /// How the CSV files write numbers: `standard` (`,` between cells, decimal point) or
    /// `decimal-comma` (`;` between cells, decimal comma: German, French, Italian, Dutch,
    /// Spanish spreadsheet settings). Set LIVEMARKET_CSV_DIALECT once instead of the flag
    /// every time.
    #[arg(
        long,
        value_enum,
        value_name = "DIALECT",
        default_value_t = Dialect::Standard,
        env = DIALECT_ENV
    )]
    pub csv_dialect: Dialect,
    /// Also write every creator's end state in every trial (creators.csv).
    #[arg(long)]
    pub creators: bool,
    /// No progress bar and no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print, on stderr, the seconds spent building agents and networks and stepping weeks
    /// (summed over trials), and consumer agent-weeks per second of stepping.
    #[arg(long)]
    pub timings: bool,
    /// Override one scenario value by its path (`livemarket params` lists them); repeatable.
    #[arg(long, value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Sweep a parameter over `V1,V2,...`, `FROM:TO:STEP` or (lhs, random) `MIN..MAX`;
    /// repeatable, added to the scenario's [sweep] parameters.
    #[arg(long, value_name = "PATH=VALUES")]
    pub vary: Vec<String>,
    /// Each trial takes the parameter values of one particle of this posterior, picked by
    /// weight: a calibration folder holding posterior.csv, or the CSV file [default: the
    /// scenario's `[uncertain] posterior`].
    #[arg(long, value_name = "PATH")]
    pub posterior: Option<PathBuf>,
    /// Ignore the scenario's [uncertain] table and its posterior: every trial at the
    /// scenario's own values (the bundled baseline's hand-set centres), as before
    /// calibration.
    #[arg(long, conflicts_with = "posterior")]
    pub no_uncertain: bool,
    /// How swept values combine into points [default: `[sweep] design`, else grid].
    #[arg(long, value_enum)]
    pub design: Option<DesignArg>,
    /// Points drawn by the lhs and random designs [default: `[sweep] samples`].
    #[arg(long, value_name = "N")]
    pub samples: Option<u32>,
    /// Seed of the lhs and random draws [default: `[sweep] seed`, else 1].
    #[arg(long, value_name = "S")]
    pub design_seed: Option<u64>,
    /// One-at-a-time paths of a morris design [default: `[sweep] trajectories`].
    #[arg(long, value_name = "R")]
    pub trajectories: Option<u32>,
    /// Grid levels of a morris design, even [default: `[sweep] levels`, else 4].
    #[arg(long, value_name = "P")]
    pub levels: Option<u32>,
    /// Ignore the scenario's [sweep] table.
    #[arg(long)]
    pub no_sweep: bool,
    /// Print the design, runs, and estimated memory and time (from one calibration trial),
    /// then stop without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// At the end, write the pictures of the results (as `livemarket report OUT`).
    #[arg(long, conflicts_with = "shard")]
    pub report: bool,
    /// At the end, write the tables as an Excel workbook, OUT/report.xlsx.
    #[arg(long, conflicts_with = "shard")]
    pub xlsx: bool,
}

fn parse_shard(text: &str) -> Result<livemarket::run::Shard, String> {
    livemarket::run::Shard::parse(text)
}

/// Experiment designs (`[sweep] design`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DesignArg {
    /// Every combination of the values.
    Grid,
    /// The i-th values of every parameter together.
    Zip,
    /// Latin hypercube of --samples points.
    Lhs,
    /// --samples independent uniform points.
    Random,
    /// Morris one-at-a-time trajectories (--trajectories, --levels), for `sensitivity`.
    Morris,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario file (TOML); without it, the bundled baseline.
    pub scenario: Option<PathBuf>,
    /// Show this posterior (a calibration folder or its posterior.csv) as `run --posterior`
    /// would use it [default: the scenario's `[uncertain] posterior`].
    #[arg(long, value_name = "PATH")]
    pub posterior: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ParamsArgs {
    /// Scenario file (TOML); without it, the bundled baseline.
    pub scenario: Option<PathBuf>,
    /// Show the values after these overrides; repeatable.
    #[arg(long, value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Mark the paths this posterior gives values (see `run --posterior`) [default: the
    /// scenario's `[uncertain] posterior`].
    #[arg(long, value_name = "PATH")]
    pub posterior: Option<PathBuf>,
    /// List only the parameters whose resolved values differ between scenario files A and B
    /// (every `extends` followed, defaults filled in); with one file, between the bundled
    /// baseline and it.
    #[arg(
        long,
        num_args = 1..=2,
        value_names = ["A", "B"],
        conflicts_with_all = ["scenario", "set", "posterior"]
    )]
    pub diff: Option<Vec<PathBuf>>,
    /// Print the table of every scenario key (type, unit, default, allowed values, meaning)
    /// as Markdown: the README's key table.
    #[arg(long, conflicts_with_all = ["scenario", "set", "diff", "posterior"])]
    pub markdown: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Result folder, or one point of a sweep as DIR#K. Alone, a sweep folder: every point is
    /// compared with point 0; a whole sweep with B: every point is compared with B.
    #[arg(value_name = "A")]
    pub a: String,
    /// Result folder or DIR#K to compare A with.
    #[arg(value_name = "B")]
    pub b: Option<String>,
    /// Where to write the table [default: A's folder/compare.csv when A is a whole sweep,
    /// else ./compare.csv].
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Rows printed, largest differences first.
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub top: usize,
    /// Bootstrap resamples for trials that do not share seeds.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub resamples: u32,
    /// Seed of the bootstrap.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Print nothing; only write the table.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Also write the table as a workbook, compare.xlsx beside compare.csv.
    #[arg(long)]
    pub xlsx: bool,
    /// How compare.csv writes numbers (see `run --csv-dialect`) [default: that of A's
    /// trials.csv].
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub csv_dialect: Option<Dialect>,
    /// Also draw the differences with their intervals: compare.html (beside the table) and
    /// its charts as SVG files in compare/.
    #[arg(long)]
    pub report: bool,
}

impl RunArgs {
    /// The library's command: the recipe (the scenario file read, every option that shapes
    /// results) and how to run it.
    pub fn command(self) -> anyhow::Result<livemarket::run::Command> {
        use livemarket::scenario::Design;
        let (scenario_text, scenario_file, scenario_parents) =
            livemarket::sweep::read_scenario(self.scenario.as_deref())?;
        let recipe = livemarket::run::Recipe {
            scenario_file,
            scenario_text,
            scenario_parents,
            sweep: livemarket::sweep::SweepOptions {
                set: self.set,
                vary: self.vary,
                design: self.design.map(|d| match d {
                    DesignArg::Grid => Design::Grid,
                    DesignArg::Zip => Design::Zip,
                    DesignArg::Lhs => Design::Lhs,
                    DesignArg::Random => Design::Random,
                    DesignArg::Morris => Design::Morris,
                }),
                samples: self.samples,
                design_seed: self.design_seed,
                trajectories: self.trajectories,
                levels: self.levels,
                no_sweep: self.no_sweep,
                allow_memory: self.allow_memory,
            },
            seed: self.seed,
            trials: self.trials,
            first_trial: self.first_trial,
            weekly_trials: self.weekly_trials,
            creators: self.creators,
            shard: self.shard,
            csv_dialect: self.csv_dialect,
            posterior: None,
            no_uncertain: self.no_uncertain,
        };
        Ok(livemarket::run::Command {
            recipe,
            posterior: self.posterior,
            threads: self.threads,
            out: self.out,
            force: self.force,
            resume: self.resume,
            allow_disk: self.allow_disk,
            quiet: self.quiet,
            dry_run: self.dry_run,
            timings: self.timings,
        })
    }
}

impl CalibrateArgs {
    /// The library's command: the recipe (the scenario and targets files read, the sampler's
    /// settings) and how to run it.
    pub fn command(self) -> anyhow::Result<livemarket::calibrate::Command> {
        use livemarket::calibrate::CalibrationRecipe;
        let (scenario_text, scenario_file, scenario_parents) =
            livemarket::sweep::read_scenario(self.scenario.as_deref())?;
        let (targets_file, targets_text) = match &self.targets {
            Some(p) => (
                p.display().to_string(),
                livemarket::targets::Targets::read_text(p)?,
            ),
            None => (
                livemarket::targets::TARGETS_2021_NAME.to_string(),
                livemarket::targets::TARGETS_2021_TOML.to_string(),
            ),
        };
        let mut scenario = livemarket::run::Recipe::new(scenario_file, scenario_text);
        scenario.scenario_parents = scenario_parents;
        scenario.sweep.set = self.set;
        scenario.sweep.no_sweep = true;
        let seed = match self.seed {
            Some(s) => s,
            None => livemarket::sweep::plan_recipe(&scenario)?.base.seed,
        };
        let recipe = CalibrationRecipe {
            scenario,
            targets_file,
            targets_text,
            population: self.population,
            quantile: self.quantile,
            min_tolerance: self.min_tolerance,
            min_acceptance: self.min_acceptance,
            max_simulations: self.max_simulations,
            max_generations: self.max_generations,
            seed,
            batch: self.batch,
            predictive: self.predictive.unwrap_or(self.population),
            csv_dialect: self.csv_dialect,
            distance: self.distance,
            kernel: self.kernel,
            defensive: self.defensive,
        };
        Ok(livemarket::calibrate::Command {
            recipe,
            threads: self.threads,
            out: self.out,
            force: self.force,
            resume: self.resume,
            quiet: self.quiet,
            allow_memory: self.allow_memory,
            shard: self.shard,
            merge: self.merge,
            dry_run: self.dry_run,
            max_minutes: self.max_minutes,
            prior_check: self.prior_check.map(|n| n.unwrap_or(self.population)),
        })
    }
}

impl CompareArgs {
    /// The library's command.
    pub fn command(&self) -> livemarket::compare::Command {
        livemarket::compare::Command {
            a: self.a.clone(),
            b: self.b.clone(),
            out: self.out.clone(),
            top: self.top,
            options: livemarket::compare::CompareOptions {
                resamples: self.resamples,
                seed: self.seed,
            },
            csv_dialect: self.csv_dialect,
            quiet: self.quiet,
        }
    }
}

/// A count that must be at least 1 (`--trials 0` would write header-only files marked
/// complete; `--threads 0` would run nothing in parallel and count no running trial in the
/// memory guard).
fn at_least_one<T: std::str::FromStr + PartialOrd + From<u8>>(text: &str) -> Result<T, String> {
    match text.parse::<T>() {
        Ok(n) if n >= T::from(1) => Ok(n),
        Ok(_) => Err("must be at least 1".to_string()),
        Err(_) if text.parse::<i128>().is_ok() => Err("must be at least 1".to_string()),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
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
