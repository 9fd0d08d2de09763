//! `livemarket run`: trials (of every point of a sweep) in parallel, results written as they
//! finish; and the estimate `--dry-run` prints.

pub mod draws;
mod dry_run;
mod parallel;
mod progress;

pub use crate::results::recipe::{Recipe, Shard};

use crate::results::ResultDir;
use parallel::run_ordered;

use crate::error::UserError;
use crate::model::simulate;
use crate::results::manifest::{self, Manifest, ShardProgress, SweepProgress};
use crate::results::{self, PointColumns, ResultWriter, Status, store};
use crate::scenario::params;
use crate::sweep::Plan;
use crate::world::World;
use anyhow::{Context, Result};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Values held at a time while summarising (`summary.csv`, `weekly.csv`), bytes: series are
/// taken in groups that fit, so memory does not grow with the trials (the files do not depend
/// on it).
pub(crate) const SUMMARY_BUDGET: u64 = 512 << 20;

/// A run, resolved from the command line and the scenario.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// What the manifest records: the scenario text and every option that shapes results.
    pub recipe: Recipe,
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
    /// Continue the interrupted run in `out`.
    pub resume: bool,
    /// Run even when the estimated memory exceeds what the machine has available.
    pub allow_memory: bool,
    /// Run even when the estimated result files exceed the free disk.
    pub allow_disk: bool,
    /// Also write every trial's weekly series.
    pub weekly_trials: bool,
    /// No progress bar and no closing summary line.
    pub quiet: bool,
    /// For the manifest.
    pub command_line: Vec<String>,
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Trials at each point.
    pub trials: u64,
    /// Points (1 without a sweep).
    pub points: usize,
    /// Runs of this command (of its shard), and those already done by the run it resumed.
    pub runs: u64,
    pub resumed: u64,
    pub elapsed: Duration,
    pub out: PathBuf,
    /// Seconds summed over trials: building agents and networks, and stepping the weeks.
    pub setup_seconds: f64,
    pub weeks_seconds: f64,
    /// Consumer agents × weeks of the runs of this command.
    pub agent_weeks: u64,
}

/// The leading point columns of a plan's result files; None without a sweep.
pub fn point_columns(plan: &Plan) -> Option<PointColumns> {
    plan.sweep.as_ref().map(|s| PointColumns {
        names: s.parameters.clone(),
        values: plan
            .points
            .iter()
            .map(|p| p.values.iter().map(point_cell).collect())
            .collect(),
    })
}

/// The runs of `trials` trials from index `first_trial` at each of `points` points, or an
/// error when a run or a trial index would not fit in 64 bits (it would wrap around).
fn count_runs(first_trial: u64, trials: u64, points: usize) -> Result<u64> {
    if first_trial.checked_add(trials).is_none() {
        return Err(UserError(format!(
            "--first-trial {first_trial} with --trials {trials}: the trial indices would pass \
             {}; lower --first-trial or --trials",
            u64::MAX
        ))
        .into());
    }
    trials.checked_mul(points as u64).ok_or_else(|| {
        UserError(format!(
            "--trials {trials} at each of {points} points is more runs than can be counted; \
             lower --trials or the sweep's points"
        ))
        .into()
    })
}

/// What the phases of a run share: the plan, the options, the points' worlds and the runs
/// of this command (of its shard).
struct Job<'a> {
    plan: &'a Plan,
    opts: &'a RunOptions,
    worlds: Vec<&'a World>,
    runs: Range<u64>,
}

/// What the folder holds of the run, once checked to be this run.
enum Previous {
    /// Nothing to go on from (`None`), or the runs an interrupted run left whole.
    Partial(Option<store::Scan>),
    /// A complete run: nothing left to do.
    Complete,
}

/// What running the trials left: how it ended, the runs written, and the seconds summed
/// over trials of building and of stepping the weeks.
struct Executed {
    outcome: Result<()>,
    written: u64,
    setup_seconds: f64,
    weeks_seconds: f64,
}

/// Runs every point of the plan (or the runs of the recipe's shard) and writes every result
/// file into `opts.out`; with `opts.resume`, continues the interrupted run there.
pub fn run(plan: &Plan, opts: &RunOptions) -> Result<RunReport> {
    let headline = results::headline::Spec::of(&plan.base, plan.sweep.as_ref())?;
    let worlds: Vec<&World> = plan.points.iter().map(|p| &p.world).collect();
    let name = worlds[0].name.clone();
    let dir = &opts.out;
    let total = count_runs(opts.first_trial, opts.trials, worlds.len())?;
    let runs = opts.recipe.shard.map_or(0..total, |s| s.range(total));
    let job = Job {
        plan,
        opts,
        worlds,
        runs,
    };
    memory_guard(plan, opts.trials, opts.threads, opts.allow_memory)?;
    job.check_disk()?;
    // One writer per folder, from before its state is read until the run is written.
    results::create_folder(dir)?;
    let _lock = crate::lock::hold(dir, crate::lock::Access::Write)?;
    refuse_calibration_folder(dir)?;
    results::refuse_unrecorded(dir)?;
    let resume_from = match job.previous()? {
        Previous::Partial(scan) => scan,
        Previous::Complete => {
            let n = job.runs.end - job.runs.start;
            return Ok(RunReport {
                trials: opts.trials,
                points: job.worlds.len(),
                runs: n,
                resumed: n,
                elapsed: Duration::ZERO,
                out: dir.clone(),
                setup_seconds: 0.0,
                weeks_seconds: 0.0,
                agent_weeks: 0,
            });
        }
    };
    let done_before = resume_from.as_ref().map_or(0, |s| s.records.len() as u64);
    let began = Instant::now();
    let mut manifest = job.start_manifest(&name, done_before, resume_from.is_some());
    let columns = point_columns(plan);
    if resume_from.is_none() {
        results::clear(dir)?;
    }
    // The manifest comes first: a folder holding any result holds the recipe to resume it.
    write_manifest(dir, &manifest)?;
    let writer = job.open_writer(columns.as_ref(), resume_from.as_ref())?;
    let executed = job.execute(writer, done_before);
    let done = done_before + executed.written;
    manifest.runs_done = done;
    manifest.trials_done = done / job.worlds.len() as u64;
    if let Some(s) = &mut manifest.sweep {
        s.runs_done = done;
    }
    job.finish(
        &mut manifest,
        executed.outcome,
        done,
        columns.as_ref(),
        &headline,
    )?;
    let agent_weeks = (job.runs.start + done_before..job.runs.end)
        .map(|r| {
            let w = job.worlds[(r % job.worlds.len() as u64) as usize];
            w.consumer_agents() * u64::from(w.weeks)
        })
        .sum();
    Ok(RunReport {
        trials: opts.trials,
        points: job.worlds.len(),
        runs: job.runs.end - job.runs.start,
        resumed: done_before,
        elapsed: began.elapsed(),
        out: dir.clone(),
        setup_seconds: executed.setup_seconds,
        weeks_seconds: executed.weeks_seconds,
        agent_weeks,
    })
}

/// Refuses to write a run into the folder of a calibration (it has no run's manifest).
fn refuse_calibration_folder(dir: &Path) -> Result<()> {
    if dir
        .join(crate::results::names::calibration::CALIBRATION_JSON)
        .is_file()
        && !ResultDir::new(dir).manifest_json().exists()
    {
        return Err(UserError(format!(
            "{} is a calibration's folder (`livemarket calibrate` wrote it); a run would mix \
             its files with the calibration's. Write the run elsewhere with --out (to run with \
             the calibrated values, add --posterior {})",
            dir.display(),
            dir.display()
        ))
        .into());
    }
    Ok(())
}

impl Job<'_> {
    /// Refuses a run whose runs still to do need more disk for their result files than is
    /// free where the folder is (or will be), unless `--allow-disk`.
    fn check_disk(&self) -> Result<()> {
        let (opts, dir, runs) = (self.opts, &self.opts.out, &self.runs);
        let done = if opts.resume {
            manifest::read(dir).map_or(0, |m| m.runs_done.min(runs.end - runs.start))
        } else {
            0
        };
        let need = disk_bytes(self.plan, runs.end - runs.start - done, opts.weekly_trials);
        if let Some(free) = free_disk(dir)
            && need > free
            && !opts.allow_disk
        {
            return Err(UserError(format!(
                "the run needs about {:.1} MB of disk for its result files and {} has {:.1} MB free; \
                 free some space, write elsewhere with --out, lower --trials, or pass --allow-disk \
                 to run anyway (a run that fills the disk stops, and --resume continues it)",
                need as f64 / 1e6,
                dir.display(),
                free as f64 / 1e6
            ))
            .into());
        }
        Ok(())
    }

    /// What the folder holds of this run. With `--resume`: the run recorded there checked to
    /// be this one, its temporaries removed, and the runs its store holds whole (fitted to
    /// the rows files); else a run there is refused without `--force`.
    fn previous(&self) -> Result<Previous> {
        let (opts, dir, runs) = (self.opts, &self.opts.out, &self.runs);
        let manifest_path = ResultDir::new(dir).manifest_json();
        let mut resume_from: Option<store::Scan> = None;
        if opts.resume && manifest_path.exists() {
            let old = manifest::read(dir)?;
            check_same_run(&old, &opts.recipe, dir)?;
            // What a killed writer left half-written is of no use to anyone.
            results::files::remove_temporaries(dir)?;
            let path = ResultDir::new(dir).store();
            if path.exists()
                && let Some(mut scan) = store::scan(&path, &self.plan.store_layout(&opts.recipe))?
            {
                // A CSV file shorter than its records say (its tail lost) costs only those runs.
                let len = |name: &str| std::fs::metadata(dir.join(name)).map_or(0, |m| m.len());
                let weekly = if opts.weekly_trials {
                    len(results::WEEKLY_TRIALS_CSV)
                } else {
                    0
                };
                scan.fit_to(len(results::TRIALS_CSV), weekly);
                resume_from = Some(scan);
            }
            let whole = resume_from.as_ref().map_or(0, |s| s.records.len() as u64);
            // A complete run whose rows files lost their tail since (a torn trials.csv) is not
            // "nothing to resume": say so, and change nothing (its trial data is whole).
            if old.status == Status::Complete && whole < runs.end - runs.start {
                return Err(UserError(format!(
                    "{} holds a complete run, but its trials.csv{} holds the rows of only {whole} of \
                     its {} runs (its end was lost after the run finished); trials.bin is whole, \
                     so nothing is lost: run the same command with --force instead of --resume to \
                     write every file again",
                    dir.display(),
                    if opts.weekly_trials {
                        " or weekly_trials.csv"
                    } else {
                        ""
                    },
                    runs.end - runs.start
                ))
                .into());
            }
            if old.status == Status::Complete {
                return Ok(Previous::Complete);
            }
        } else if manifest_path.exists() && !opts.resume && !opts.force {
            return Err(UserError(format!(
                "{} already holds the results of a run; pass --resume to continue it if it was \
                 interrupted, --force to replace it, or --out to write elsewhere",
                dir.display()
            ))
            .into());
        }
        Ok(Previous::Partial(resume_from))
    }

    /// The manifest of this run starting now, with `done_before` runs done (by the run it
    /// resumes, when `resumed`).
    fn start_manifest<'m>(
        &'m self,
        name: &'m str,
        done_before: u64,
        resumed: bool,
    ) -> Manifest<'m> {
        let (opts, runs) = (self.opts, &self.runs);
        let mut manifest = new_manifest(
            self.plan,
            &opts.recipe,
            name,
            opts.trials,
            opts.command_line.clone(),
        );
        manifest.threads = opts.threads;
        manifest.shard = opts.recipe.shard.map(|shard| ShardProgress {
            shard,
            first_run: runs.start,
            end_run: runs.end,
        });
        manifest.runs_done = done_before;
        manifest.resumed_at_run = resumed.then_some(runs.start + done_before);
        manifest
    }

    /// The writer of the folder's streaming files: reopened after the runs `resume_from`
    /// holds, else created.
    fn open_writer(
        &self,
        columns: Option<&PointColumns>,
        resume_from: Option<&store::Scan>,
    ) -> Result<ResultWriter<'_>> {
        let opts = self.opts;
        Ok(match resume_from {
            Some(scan) => ResultWriter::reopen(
                &self.worlds,
                columns,
                &opts.out,
                opts.weekly_trials,
                opts.recipe.csv_dialect,
                scan,
            )?,
            None => ResultWriter::create(
                &self.worlds,
                columns,
                &opts.out,
                opts.weekly_trials,
                opts.recipe.csv_dialect,
            )?,
        })
    }

    /// Runs the trials left after the first `done_before` runs, each written as it
    /// finishes, behind a progress bar; stops at the first failure or interruption.
    fn execute(&self, mut writer: ResultWriter<'_>, done_before: u64) -> Executed {
        let (opts, runs) = (self.opts, &self.runs);
        let bar = progress::bar(runs.end - runs.start, opts.quiet);
        bar.inc(done_before);
        let (mut setup_seconds, mut weeks_seconds) = (0.0, 0.0);
        let draws = draws::Draws::of(self.plan);
        let outcome = run_ordered(
            &self.worlds,
            draws.as_ref(),
            opts.first_trial,
            runs.start + done_before..runs.end,
            opts.threads,
            |run, point, r| {
                setup_seconds += r.seconds.0;
                weeks_seconds += r.seconds.1;
                writer.push(run, point, &r)?;
                bar.inc(1);
                if crate::interrupt::asked() {
                    return Err(crate::interrupt::Interrupted::default().into());
                }
                Ok(())
            },
        );
        bar.finish_and_clear();
        let written = writer.runs();
        drop(writer);
        Executed {
            outcome,
            written,
            setup_seconds,
            weeks_seconds,
        }
    }

    /// After the runs, with `done` of them in the folder: draws.csv and the summaries
    /// written (the summaries only without a shard) and the manifest marked complete; or,
    /// when the runs or those files failed, the manifest marked interrupted and an error
    /// that says how to go on.
    fn finish(
        &self,
        manifest: &mut Manifest<'_>,
        outcome: Result<()>,
        done: u64,
        columns: Option<&PointColumns>,
        headline: &results::headline::Spec,
    ) -> Result<()> {
        let (plan, opts, dir) = (self.plan, self.opts, &self.opts.out);
        if let Err(e) = outcome {
            manifest.status = Status::Interrupted;
            let _ = write_manifest(dir, manifest);
            if e.downcast_ref::<crate::interrupt::Interrupted>().is_some() {
                return Err(crate::interrupt::Interrupted(format!(
                    ": the {done} run(s) finished are intact in {}, and its manifest says \
                     interrupted; run the same command with --resume to continue",
                    dir.display()
                ))
                .into());
            }
            return Err(anyhow::anyhow!(
                "{e:#}\nthe {done} run(s) finished are intact in {}; once the cause is fixed, run \
                 the same command with --resume to continue",
                dir.display()
            ));
        }
        if let Err(e) = draws::write(
            dir,
            plan,
            opts.first_trial,
            self.runs.clone(),
            opts.recipe.csv_dialect,
        ) {
            manifest.status = Status::Interrupted;
            let _ = write_manifest(dir, manifest);
            return Err(anyhow::anyhow!(
                "{e:#}\nevery run is in {}, but draws.csv could not be written; once the cause \
                 is fixed, run the same command with --resume to write it",
                dir.display()
            ));
        }
        if opts.recipe.shard.is_none()
            && let Err(e) = results::write_summaries(
                dir,
                &self.worlds,
                columns,
                headline,
                SUMMARY_BUDGET,
                0,
                &plan.store_layout(&opts.recipe),
                opts.recipe.csv_dialect,
            )
        {
            manifest.status = Status::Interrupted;
            let _ = write_manifest(dir, manifest);
            return Err(anyhow::anyhow!(
                "{e:#}\nevery run is in {}, but summary.csv and weekly.csv could not be written; \
                 once the cause is fixed, `livemarket summarize {}` writes them",
                dir.display(),
                dir.display()
            ));
        }
        manifest.finished = Some(manifest::now());
        manifest.status = Status::Complete;
        write_manifest(dir, manifest)?;
        Ok(())
    }
}

/// A manifest of a run starting now, with nothing done yet.
pub(crate) fn new_manifest<'a>(
    plan: &'a Plan,
    recipe: &'a Recipe,
    name: &'a str,
    trials: u64,
    command_line: Vec<String>,
) -> Manifest<'a> {
    let scenario = &plan.base;
    Manifest {
        tool: "livemarket",
        version: env!("CARGO_PKG_VERSION"),
        scenario_name: name,
        scenario_file: &recipe.scenario_file,
        scenario_sha256: manifest::sha256_hex(&recipe.scenario_text),
        scenario,
        seed: scenario.seed,
        first_trial: recipe.first_trial,
        trials,
        trials_done: 0,
        threads: 0,
        command_line,
        started: manifest::now(),
        finished: None,
        status: Status::Running,
        overrides: plan.overrides.clone(),
        sweep: plan.sweep.as_ref().map(|design| SweepProgress {
            design,
            runs: trials * plan.points.len() as u64,
            runs_done: 0,
        }),
        shard: None,
        runs_done: 0,
        resumed_at_run: None,
        merged_from: Vec::new(),
        recipe,
        files: results::files_of_run(
            plan.sweep.is_some(),
            recipe.weekly_trials,
            recipe.creators,
            recipe.shard.is_some(),
            draws::Draws::of(plan).is_some(),
        ),
    }
}

/// Refuses to resume, summarise or merge when the folder's run is not the run described by
/// `recipe` (its scenario text, options or livemarket version differ).
fn check_same_run(old: &manifest::Recorded, recipe: &Recipe, dir: &Path) -> Result<()> {
    if old.version != env!("CARGO_PKG_VERSION") {
        return Err(UserError(format!(
            "{} was written by livemarket {}, this is {}: its trials would not continue with \
             the same numbers; resume it with livemarket {}, or start over with --force",
            dir.display(),
            old.version,
            env!("CARGO_PKG_VERSION"),
            old.version
        ))
        .into());
    }
    let there = dir.display().to_string();
    let diffs = recipe.differences(&old.recipe, true, ("this command", &there));
    if !diffs.is_empty() {
        return Err(UserError(format!(
            "cannot resume {there}: {}; resume with the arguments the run was started with \
             (its manifest.json lists them under command_line), or pass --force to start over",
            diffs.join("; ")
        ))
        .into());
    }
    Ok(())
}

/// Refuses a plan whose estimated peak memory is more than the machine has available
/// (unless `allow_memory`), before anything is built or written; the estimate otherwise
/// (one trial's bytes, the bytes held to summarise, the peak).
pub fn memory_guard(
    plan: &Plan,
    trials: u64,
    threads: usize,
    allow_memory: bool,
) -> Result<(u64, u64, u64)> {
    let (trial_bytes, held_bytes, peak_bytes) = memory(plan, trials, threads);
    if let Some(available) = crate::sweep::available_memory()
        && peak_bytes > available
        && !allow_memory
    {
        return Err(UserError(format!(
            "the run needs an estimated {:.1} GB ({} running trial(s) × {:.2} GB + {:.2} GB to \
             summarise), more than the {:.1} GB this machine has available; lower --threads or \
             the agents, or pass --allow-memory to run anyway",
            peak_bytes as f64 / 1e9,
            threads,
            trial_bytes as f64 / 1e9,
            held_bytes as f64 / 1e9,
            available as f64 / 1e9
        ))
        .into());
    }
    Ok((trial_bytes, held_bytes, peak_bytes))
}

/// What `--dry-run` reports about a plan before running it.
#[derive(Debug, Clone)]
pub struct Estimate {
    /// Largest estimated memory of one running trial over the points, bytes.
    pub trial_bytes: u64,
    /// Values held at a time while writing summary.csv and weekly.csv, bytes.
    pub held_bytes: u64,
    /// Size of trials.bin at the end, bytes.
    pub store_bytes: u64,
    /// The plan's points, held throughout, bytes.
    pub plan_bytes: u64,
    /// trial_bytes × threads + held_bytes + plan_bytes.
    pub peak_bytes: u64,
    /// Wall-clock seconds of the calibration run: the first trial of the first point, on one
    /// thread.
    pub calibration_seconds: f64,
    /// Calibration time scaled by each point's consumer agent-weeks, summed over runs, divided
    /// by the threads.
    pub seconds: f64,
}

/// Estimates memory and time of running `trials` trials of every point on `threads` threads,
/// timing one trial of the first point (a short calibration run). The memory guard comes
/// first: a plan that would not fit is refused (unless `allow_memory`) before that trial is
/// built, so a dry run never takes the memory the real run would be refused.
pub fn estimate(
    plan: &Plan,
    first_trial: u64,
    trials: u64,
    threads: usize,
    allow_memory: bool,
) -> Result<Estimate> {
    let worlds: Vec<&World> = plan.points.iter().map(|p| &p.world).collect();
    count_runs(first_trial, trials, worlds.len())?;
    let (trial_bytes, held_bytes, peak_bytes) = memory_guard(plan, trials, threads, allow_memory)?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let began = Instant::now();
    pool.install(|| simulate(worlds[0], first_trial));
    let calibration_seconds = began.elapsed().as_secs_f64();
    let work = |w: &World| (w.consumer_agents() * u64::from(w.weeks)).max(1) as f64;
    let relative: f64 = worlds.iter().map(|w| work(w) / work(worlds[0])).sum();
    Ok(Estimate {
        trial_bytes,
        held_bytes,
        store_bytes: plan
            .points
            .iter()
            .map(|p| results::store::record_bytes(&p.world).saturating_mul(trials))
            .fold(0, u64::saturating_add),
        peak_bytes,
        plan_bytes: peak_bytes
            .saturating_sub(trial_bytes.saturating_mul(threads.max(1) as u64))
            .saturating_sub(held_bytes),
        calibration_seconds,
        seconds: calibration_seconds * relative * trials as f64 / threads.max(1) as f64,
    })
}

/// A swept value as a CSV cell: text that a spreadsheet would run as a formula is
/// neutralised (numbers, negative ones included, are written as they are).
fn point_cell(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => crate::format::neutralise(s).into_owned(),
        other => params::show(other),
    }
}

/// Estimated bytes on disk of `runs` runs of the plan: trials.bin exactly, and the CSV files
/// by their measured ratios to it (weekly_trials.csv about 1.2 times trials.bin's size,
/// trials.csv 0.2 times, and summary.csv with weekly.csv about 10 records' worth per point).
pub fn disk_bytes(plan: &Plan, runs: u64, weekly_trials: bool) -> u64 {
    let points = plan.points.len().max(1) as u64;
    let record = plan
        .points
        .iter()
        .map(|p| results::store::record_bytes(&p.world))
        .max()
        .unwrap_or(0);
    let store = record.saturating_mul(runs);
    let rows = store / 5 + if weekly_trials { store / 5 * 6 } else { 0 };
    store
        .saturating_add(rows)
        .saturating_add(record.saturating_mul(10).saturating_mul(points))
}

/// Free bytes for an unprivileged writer on the file system that holds `dir` (or its
/// nearest existing ancestor), if known: `LIVEMARKET_DISK_FREE` (bytes) when set, for a file
/// system that reports free space wrongly (and for tests); else statvfs.
fn free_disk(dir: &Path) -> Option<u64> {
    if let Some(bytes) = std::env::var("LIVEMARKET_DISK_FREE")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(bytes);
    }
    #[cfg(unix)]
    {
        let absolute = std::path::absolute(dir).ok()?;
        let existing = absolute.ancestors().find(|p| p.exists())?;
        let c = std::ffi::CString::new(existing.as_os_str().as_encoded_bytes()).ok()?;
        let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: `c` is a NUL-terminated path and `s` a statvfs the call fills in.
        if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
            return None;
        }
        Some((s.f_bavail as u64).saturating_mul(s.f_frsize as u64))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// Estimated bytes: of one running trial (the largest over the points), of the values held
/// while summarising, and at the peak (trial × threads + held + the plan's points, held
/// throughout; summarising comes after the trials, so this is an upper bound).
fn memory(plan: &Plan, trials: u64, threads: usize) -> (u64, u64, u64) {
    let trial = plan
        .points
        .iter()
        .map(|p| crate::model::trial_memory_bytes(&p.world))
        .max()
        .unwrap_or(0);
    let held = plan
        .points
        .iter()
        .map(|p| results::summary_bytes(&p.world, trials, SUMMARY_BUDGET))
        .max()
        .unwrap_or(0);
    let plan_held = plan.points.first().map_or(0, |p| {
        crate::sweep::plan_bytes(&p.world, &p.values, &p.uncertain, plan.points.len())
    });
    (
        trial,
        held,
        trial
            .saturating_mul(threads.max(1) as u64)
            .saturating_add(held)
            .saturating_add(plan_held),
    )
}

pub(crate) fn write_manifest(dir: &Path, m: &Manifest) -> Result<()> {
    crate::results::write_atomically(&ResultDir::new(dir).manifest_json(), |w| {
        serde_json::to_writer_pretty(&mut *w, m).context("cannot serialise the manifest")?;
        std::io::Write::write_all(w, b"\n")?;
        Ok(())
    })
}

/// What `livemarket run` was asked beyond the recipe: where, how, and what to print.
#[derive(Debug, Clone)]
pub struct Command {
    /// What the run is: the scenario text and every option that shapes results.
    pub recipe: Recipe,
    /// `--posterior`, which replaces the scenario's `[uncertain] posterior`.
    pub posterior: Option<PathBuf>,
    /// Worker threads [default: all cores].
    pub threads: Option<usize>,
    /// Output folder [default: results/NAME].
    pub out: Option<PathBuf>,
    pub force: bool,
    pub resume: bool,
    pub allow_disk: bool,
    pub quiet: bool,
    /// Print the plan and its estimate, and write nothing.
    pub dry_run: bool,
    /// Print the setup and stepping times on stderr.
    pub timings: bool,
}

/// `livemarket run`: the recipe planned (its posterior read), run into its folder, and the
/// closing line and headline printed. Returns the folder written (None after a dry run).
pub fn command(c: Command) -> Result<Option<PathBuf>> {
    let mut recipe = c.recipe;
    crate::sweep::read_posterior(&mut recipe, c.posterior.as_deref())?;
    let plan = crate::sweep::plan_recipe(&recipe)?;
    if let Some(warning) = plan.posterior.as_ref().and_then(|p| p.warning()) {
        eprintln!("{warning}");
    }
    if let Some(note) = draws::notice(&plan) {
        eprintln!("{note}");
    }
    let scenario = &plan.base;
    let opts = RunOptions {
        trials: plan.trials_of(&recipe),
        first_trial: recipe.first_trial,
        threads: c
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        out: c
            .out
            .unwrap_or_else(|| PathBuf::from("results").join(scenario.display_name())),
        force: c.force,
        resume: c.resume,
        allow_memory: recipe.sweep.allow_memory,
        allow_disk: c.allow_disk,
        weekly_trials: recipe.weekly_trials,
        quiet: c.quiet,
        command_line: std::env::args().collect(),
        recipe,
    };
    if c.dry_run {
        let e = estimate(
            &plan,
            opts.first_trial,
            opts.trials,
            opts.threads,
            opts.allow_memory,
        )?;
        crate::table::print(|out| dry_run::print(&plan, &opts, &e, out))?;
        return Ok(None);
    }
    crate::interrupt::install();
    let report = run(&plan, &opts)?;
    if c.timings {
        eprintln!(
            "setup_s={:.4} run_s={:.4} agent_weeks={} agent_updates_per_s={:.4e}",
            report.setup_seconds,
            report.weeks_seconds,
            report.agent_weeks,
            report.agent_weeks as f64 / report.weeks_seconds
        );
    }
    if !opts.quiet {
        say_done(&plan, &opts, &report)?;
    }
    if opts.recipe.shard.is_none() {
        let worlds: Vec<&World> = plan.points.iter().map(|p| &p.world).collect();
        let rows = results::csv_rows(&worlds, report.trials, opts.weekly_trials);
        if let Some(warning) = results::row_limit_warning(&report.out, &rows) {
            eprintln!("{warning}");
        }
    }
    Ok(Some(report.out))
}

/// The closing line (what ran, how long, where) and the headline table.
fn say_done(plan: &Plan, opts: &RunOptions, report: &RunReport) -> Result<()> {
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
    let nothing_done = opts.resume && report.runs > 0 && report.resumed == report.runs;
    if nothing_done {
        println!(
            "{} already holds the complete run: nothing to resume",
            report.out.display()
        );
    } else {
        println!(
            "{what} of {} in {:.1} s{resumed}; results in {}",
            plan.base.display_name(),
            report.elapsed.as_secs_f64(),
            report.out.display()
        );
    }
    if opts.recipe.shard.is_none() && !nothing_done {
        let headline = results::headline::read(&report.out)?;
        crate::table::print(|out| {
            use std::io::Write;
            writeln!(
                out,
                "\nheadline ({}; median and 5%-95% over trials, shares of trials):",
                results::HEADLINE_CSV
            )?;
            headline.print(out)
        })?;
    }
    Ok(())
}
