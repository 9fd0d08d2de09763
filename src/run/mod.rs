//! `livemarket run`: trials (of every point of a sweep) in parallel, results written as they
//! finish; and the estimate `--dry-run` prints.

mod parallel;
pub mod progress;

pub use parallel::run_ordered;

use crate::error::UserError;
use crate::model::simulate;
use crate::output::manifest::{self, Manifest, SweepProgress};
use crate::output::{PointColumns, ResultWriter};
use crate::scenario::params;
use crate::sweep::Plan;
use crate::world::World;
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A run, resolved from the command line and the scenario.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Number of trials (at each point of a sweep).
    pub trials: u64,
    /// Index of the first trial (to re-run a single trial of an earlier run).
    pub first_trial: u64,
    /// Worker threads; output does not depend on it.
    pub threads: usize,
    /// Output folder.
    pub out: PathBuf,
    /// Replace the results already in `out`.
    pub force: bool,
    /// Run even when the estimated memory exceeds what the machine has available.
    pub allow_memory: bool,
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
    /// Trials at each point.
    pub trials: u64,
    /// Points (1 without a sweep).
    pub points: usize,
    pub elapsed: Duration,
    pub out: PathBuf,
    /// Seconds summed over trials: building agents and networks, and stepping the weeks.
    pub setup_seconds: f64,
    pub weeks_seconds: f64,
    /// Consumer agents × weeks × trials.
    pub agent_weeks: u64,
}

/// Runs every point of the plan and writes every result file into `opts.out`.
pub fn run(plan: &Plan, scenario_text: &str, opts: &RunOptions) -> Result<RunReport> {
    let scenario = &plan.base;
    let worlds: Vec<&World> = plan.points.iter().map(|p| &p.world).collect();
    let name = worlds[0].name.clone();
    let manifest_path = opts.out.join("manifest.json");
    if manifest_path.exists() && !opts.force {
        bail!(
            "{} already holds the results of a run; pass --force to replace them, or --out to write elsewhere",
            opts.out.display()
        );
    }
    let (trial_bytes, held_bytes, peak_bytes) = memory(plan, opts.trials, opts.threads);
    if let Some(available) = available_memory()
        && peak_bytes > available
        && !opts.allow_memory
    {
        return Err(UserError(format!(
            "the run needs an estimated {:.1} GB ({} running trial(s) × {:.2} GB + {:.2} GB of \
             results held until the end), more than the {:.1} GB this machine has available; \
             lower --threads, --trials or the agents, or pass --allow-memory to run anyway",
            peak_bytes as f64 / 1e9,
            opts.threads,
            trial_bytes as f64 / 1e9,
            held_bytes as f64 / 1e9,
            available as f64 / 1e9
        ))
        .into());
    }
    let runs = opts.trials * worlds.len() as u64;
    let began = Instant::now();
    let mut manifest = Manifest {
        tool: "livemarket",
        version: env!("CARGO_PKG_VERSION"),
        scenario_name: &name,
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
        overrides: plan.overrides.clone(),
        sweep: plan.sweep.as_ref().map(|design| SweepProgress {
            design,
            runs,
            runs_done: 0,
        }),
    };
    let columns = plan.sweep.as_ref().map(|s| PointColumns {
        names: s.parameters.clone(),
        values: plan
            .points
            .iter()
            .map(|p| p.values.iter().map(point_cell).collect())
            .collect(),
    });
    let mut writer = ResultWriter::create(
        &worlds,
        columns.as_ref(),
        &opts.out,
        opts.weekly_trials,
        opts.trials,
    )?;
    write_manifest(&opts.out, &manifest)?;
    let bar = progress::bar(runs, opts.quiet);
    let (mut setup_seconds, mut weeks_seconds) = (0.0, 0.0);
    let outcome = run_ordered(
        &worlds,
        opts.first_trial,
        opts.trials,
        opts.threads,
        |point, r| {
            setup_seconds += r.seconds.0;
            weeks_seconds += r.seconds.1;
            writer.push(point, &r)?;
            bar.inc(1);
            Ok(())
        },
    );
    bar.finish_and_clear();
    let done = writer.trials();
    manifest.trials_done = done / worlds.len() as u64;
    if let Some(s) = &mut manifest.sweep {
        s.runs_done = done;
    }
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
        points: worlds.len(),
        elapsed: began.elapsed(),
        out: opts.out.clone(),
        setup_seconds,
        weeks_seconds,
        agent_weeks: worlds
            .iter()
            .map(|w| w.consumer_agents() * u64::from(w.weeks))
            .sum::<u64>()
            * opts.trials,
    })
}

/// What `--dry-run` reports about a plan before running it.
#[derive(Debug, Clone)]
pub struct Estimate {
    /// Largest estimated memory of one running trial over the points, bytes.
    pub trial_bytes: u64,
    /// Values held until the end for summary.csv and weekly.csv, over all points, bytes.
    pub held_bytes: u64,
    /// trial_bytes × threads + held_bytes.
    pub peak_bytes: u64,
    /// Wall-clock seconds of the calibration run: the first trial of the first point, on one
    /// thread.
    pub calibration_seconds: f64,
    /// Calibration time scaled by each point's consumer agent-weeks, summed over runs, divided
    /// by the threads.
    pub seconds: f64,
}

/// Estimates memory and time of running `trials` trials of every point on `threads` threads,
/// timing one trial of the first point (a short calibration run).
pub fn estimate(plan: &Plan, first_trial: u64, trials: u64, threads: usize) -> Result<Estimate> {
    let worlds: Vec<&World> = plan.points.iter().map(|p| &p.world).collect();
    let (trial_bytes, held_bytes, _) = memory(plan, trials, threads);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let began = Instant::now();
    pool.install(|| simulate(worlds[0], first_trial));
    let calibration_seconds = began.elapsed().as_secs_f64();
    let work = |w: &World| (w.consumer_agents() * u64::from(w.weeks)).max(1) as f64;
    let relative: f64 = worlds.iter().map(|w| work(w) / work(worlds[0])).sum();
    Ok(Estimate {
        trial_bytes,
        held_bytes,
        peak_bytes: trial_bytes * threads as u64 + held_bytes,
        calibration_seconds,
        seconds: calibration_seconds * relative * trials as f64 / threads.max(1) as f64,
    })
}

/// A swept value as a CSV cell: text that a spreadsheet would run as a formula is
/// neutralised (numbers, negative ones included, are written as they are).
fn point_cell(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => crate::output::num::neutralise(s).into_owned(),
        other => params::show(other),
    }
}

/// Estimated bytes: of one running trial (the largest over the points), of the results held
/// until the end, and at the peak (trial × threads + held).
fn memory(plan: &Plan, trials: u64, threads: usize) -> (u64, u64, u64) {
    let trial = plan
        .points
        .iter()
        .map(|p| p.world.trial_memory_bytes())
        .max()
        .unwrap_or(0);
    let held = plan
        .points
        .iter()
        .map(|p| ResultWriter::held_bytes(&p.world, trials))
        .sum();
    (trial, held, trial * threads.max(1) as u64 + held)
}

/// Memory the system can give a new process (Linux `MemAvailable`), if known.
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn write_manifest(dir: &std::path::Path, m: &Manifest) -> Result<()> {
    crate::output::write_atomically(&dir.join("manifest.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, m).context("cannot serialise the manifest")?;
        std::io::Write::write_all(w, b"\n")?;
        Ok(())
    })
}
