//! `livemarket run`: trials in parallel, results written as they finish.

mod parallel;
pub mod progress;

pub use parallel::run_ordered;

use crate::output::ResultWriter;
use crate::output::manifest::{self, Manifest};
use crate::scenario::Scenario;
use crate::world::World;
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A run, resolved from the command line and the scenario.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Number of trials.
    pub trials: u64,
    /// Index of the first trial (to re-run a single trial of an earlier run).
    pub first_trial: u64,
    /// Worker threads; output does not depend on it.
    pub threads: usize,
    /// Output folder.
    pub out: PathBuf,
    /// Replace the results already in `out`.
    pub force: bool,
    /// Also write every trial's weekly series.
    pub weekly_trials: bool,
    /// No progress bar and no closing summary line.
    pub quiet: bool,
    /// For the manifest.
    pub command_line: Vec<String>,
    /// Path of the scenario file as given, or `<bundled baseline>`.
    pub scenario_file: String,
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub trials: u64,
    pub elapsed: Duration,
    pub out: PathBuf,
    /// Seconds summed over trials: building agents and networks, and stepping the weeks.
    pub setup_seconds: f64,
    pub weeks_seconds: f64,
    /// Consumer agents × weeks × trials.
    pub agent_weeks: u64,
}

/// Runs the scenario and writes every result file into `opts.out`.
pub fn run(scenario: &Scenario, scenario_text: &str, opts: &RunOptions) -> Result<RunReport> {
    let world = World::new(scenario);
    let manifest_path = opts.out.join("manifest.json");
    if manifest_path.exists() && !opts.force {
        bail!(
            "{} already holds the results of a run; pass --force to replace them, or --out to write elsewhere",
            opts.out.display()
        );
    }
    let began = Instant::now();
    let mut manifest = Manifest {
        tool: "livemarket",
        version: env!("CARGO_PKG_VERSION"),
        scenario_name: &world.name,
        scenario_file: &opts.scenario_file,
        scenario_sha256: manifest::sha256_hex(scenario_text),
        scenario,
        seed: scenario.seed,
        first_trial: opts.first_trial,
        trials: opts.trials,
        trials_done: 0,
        threads: opts.threads,
        command_line: opts.command_line.clone(),
        started: manifest::now(),
        finished: None,
        status: "running",
    };
    let mut writer = ResultWriter::create(&world, &opts.out, opts.weekly_trials)?;
    write_manifest(&opts.out, &manifest)?;
    let bar = progress::bar(opts.trials, opts.quiet);
    let (mut setup_seconds, mut weeks_seconds) = (0.0, 0.0);
    let outcome = run_ordered(&world, opts.first_trial, opts.trials, opts.threads, |r| {
        setup_seconds += r.seconds.0;
        weeks_seconds += r.seconds.1;
        writer.push(&r)?;
        bar.inc(1);
        Ok(())
    });
    bar.finish_and_clear();
    manifest.trials_done = writer.trials();
    if let Err(e) = outcome {
        manifest.status = "failed";
        let _ = write_manifest(&opts.out, &manifest);
        return Err(e);
    }
    writer.finish()?;
    manifest.finished = Some(manifest::now());
    manifest.status = "complete";
    write_manifest(&opts.out, &manifest)?;
    Ok(RunReport {
        trials: opts.trials,
        elapsed: began.elapsed(),
        out: opts.out.clone(),
        setup_seconds,
        weeks_seconds,
        agent_weeks: world.consumer_agents() * u64::from(world.weeks) * opts.trials,
    })
}

fn write_manifest(dir: &std::path::Path, m: &Manifest) -> Result<()> {
    crate::output::write_atomically(&dir.join("manifest.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, m).context("cannot serialise the manifest")?;
        std::io::Write::write_all(w, b"\n")?;
        Ok(())
    })
}
