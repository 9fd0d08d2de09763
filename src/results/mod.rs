//! The result folder, one type: the names of its files ([`TRIALS_CSV`] ...), its typed
//! manifest ([`manifest`], with its [`Status`]), the writer `run` and `merge` use, and the
//! one reader (`trials`, `weekly`, `summary`, [`manifest::read`]) that `compare`, `report`,
//! `sensitivity`, `summarize` and `merge` use. This layer depends on the simulation core and
//! the sweep plan, never on the commands (`run`, `compare`, ...) that use it.
//!
//! Result files: `trials.csv` (and `weekly_trials.csv`) streamed as trials finish, each
//! run's raw results into `trials.bin` (see [`store`]), then `summary.csv` and `weekly.csv`
//! computed from `trials.bin`, and `manifest.json`. All CSV is long or tidy, one
//! header row, ISO dates, plain decimals.
//!
//! A sweep adds `points.csv`, and every row of the other files starts with the point index
//! and the values of the swept parameters, so a spreadsheet filters and pivots on them. A run
//! without a sweep has no point columns.

mod files;
pub mod manifest;
pub(crate) mod measures;
pub mod recipe;
pub mod store;
pub(crate) mod summary;
pub(crate) mod trials;
pub(crate) mod weekly;

use crate::error::UserError;
use crate::format::Num;
use crate::model::WeekRecord;
use crate::model::{Metric, TrialResult};
use crate::stats::Describe;
use crate::world::World;
use anyhow::{Context, Result, bail};
use measures::Series;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use store::{CsvEnds, RecordMeta, Scan, StoreWriter};

/// Label of the all-countries rows.
pub const ALL_COUNTRIES: &str = "ALL";

/// The swept parameters of a sweep and their values at each point, as CSV cells.
#[derive(Debug, Clone)]
pub struct PointColumns {
    /// Parameter paths, the column names.
    pub names: Vec<String>,
    /// Per point, one cell per parameter.
    pub values: Vec<Vec<String>>,
}

/// What was run and how far it got: [`manifest::Manifest`].
pub const MANIFEST_JSON: &str = "manifest.json";
/// One row per trial, series and measure column, streamed as trials finish.
pub const TRIALS_CSV: &str = "trials.csv";
/// Every trial's weekly series (`run --weekly-trials`).
pub const WEEKLY_TRIALS_CSV: &str = "weekly_trials.csv";
/// Every run's raw results ([`store`]).
pub const STORE: &str = "trials.bin";
/// Per series and measure: the distribution over trials.
pub const SUMMARY_CSV: &str = "summary.csv";
/// Per week, series and metric: the distribution over trials.
pub const WEEKLY_CSV: &str = "weekly.csv";
/// A sweep's points and their parameter values.
pub const POINTS_CSV: &str = "points.csv";
/// Every event of every run (openings, cancellations, closes, withdrawals, reviews,
/// campaigns) with the value that decided it.
pub const EVENTS_CSV: &str = "events.csv";
/// Every creator's end state in every run (`run --creators`).
pub const CREATORS_CSV: &str = "creators.csv";
/// The report page (`report`, `run --report`).
pub const REPORT_HTML: &str = "report.html";
/// The report's folder of SVG charts.
pub const REPORT_DIR: &str = "report";
/// The report workbook (`--xlsx`).
pub const REPORT_XLSX: &str = "report.xlsx";
/// `compare`'s table, in a sweep's folder (two folders: in the working folder).
pub const COMPARE_CSV: &str = "compare.csv";
/// `sensitivity`'s table.
pub const SENSITIVITY_CSV: &str = "sensitivity.csv";

/// How far a run got, as its manifest records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Started, and not (yet) finished; a run killed outright stays here.
    Running,
    /// A write failed; `--resume` continues it.
    Interrupted,
    /// Every run's results and the summaries are written.
    Complete,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Running => "running",
            Status::Interrupted => "interrupted",
            Status::Complete => "complete",
        })
    }
}

/// Streams finished runs into a folder: their rows into `trials.csv` (and
/// `weekly_trials.csv`), then their record into `trials.bin`. A failed write cuts every file
/// back to the last whole run, so the folder always holds whole runs.
pub(crate) struct ResultWriter<'w> {
    worlds: Vec<&'w World>,
    /// Per point, `point` and the swept values; empty without a sweep.
    prefixes: Vec<Vec<String>>,
    trials: BlockCsv,
    weekly_trials: Option<BlockCsv>,
    store: StoreWriter,
    count: u64,
}

/// A (country label, platform) pair of the output, with the all-countries rows last.
pub(crate) fn series_labels(world: &World) -> Vec<(Option<usize>, usize)> {
    let mut v: Vec<(Option<usize>, usize)> = world
        .markets
        .iter()
        .map(|m| (Some(m.country), m.platform))
        .collect();
    for p in 0..world.platforms.len() {
        if world.markets.iter().any(|m| m.platform == p) {
            v.push((None, p));
        }
    }
    v
}

/// The names of the leading point columns (`point` and the swept paths; none without a
/// sweep) and each point's cells.
pub(crate) fn point_prefixes(
    columns: Option<&PointColumns>,
    points: usize,
) -> (Vec<String>, Vec<Vec<String>>) {
    match columns {
        Some(c) => (
            std::iter::once("point".to_string())
                .chain(c.names.iter().cloned())
                .collect(),
            (0..points)
                .map(|k| {
                    std::iter::once(k.to_string())
                        .chain(c.values[k].iter().cloned())
                        .collect()
                })
                .collect(),
        ),
        None => (Vec::new(), vec![Vec::new(); points]),
    }
}

impl<'w> ResultWriter<'w> {
    /// Creates the folder's streaming files (and `points.csv` for a sweep) and writes their
    /// headers. `worlds` holds one world per point; `columns` is None without a sweep.
    pub fn create(
        worlds: &[&'w World],
        columns: Option<&PointColumns>,
        dir: &Path,
        weekly_trials: bool,
    ) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
        let (prefix_names, prefixes) = point_prefixes(columns, worlds.len());
        if let Some(c) = columns {
            write_atomically(&dir.join(POINTS_CSV), |w| {
                let mut w = csv::Writer::from_writer(w);
                w.write_record(&prefix_names)?;
                for (k, values) in c.values.iter().enumerate() {
                    w.write_record(std::iter::once(k.to_string()).chain(values.iter().cloned()))?;
                }
                w.flush()?;
                Ok(())
            })?;
        }
        let mut trials = BlockCsv::create(&dir.join(TRIALS_CSV))?;
        let mut header = prefix_names.clone();
        header.extend(["trial", "seed", "country", "platform"].map(String::from));
        header.extend(measures::names());
        header.extend(
            [
                "live_opened_date",
                "live_withdrawn_date",
                "live_closed_date",
            ]
            .map(String::from),
        );
        trials.write_record(&header)?;
        trials.commit()?;
        let weekly_trials = if weekly_trials {
            let mut w = BlockCsv::create(&dir.join(WEEKLY_TRIALS_CSV))?;
            let mut header = prefix_names.clone();
            header
                .extend(["trial", "seed", "week", "date", "country", "platform"].map(String::from));
            header.extend(Metric::ALL.iter().map(|m| m.name().to_string()));
            w.write_record(&header)?;
            w.commit()?;
            Some(w)
        } else {
            None
        };
        let headers = CsvEnds {
            trials: trials.len,
            weekly_trials: weekly_trials.as_ref().map_or(0, |w| w.len),
        };
        let path = dir.join(STORE);
        let store = StoreWriter::create(&path, headers)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(ResultWriter {
            worlds: worlds.to_vec(),
            prefixes,
            trials,
            weekly_trials,
            store,
            count: 0,
        })
    }

    /// Reopens the streaming files of an interrupted run to append after the whole runs
    /// `scan` found, cutting off anything written after them.
    pub fn reopen(
        worlds: &[&'w World],
        columns: Option<&PointColumns>,
        dir: &Path,
        weekly_trials: bool,
        scan: &Scan,
    ) -> Result<Self> {
        let (_, prefixes) = point_prefixes(columns, worlds.len());
        let ends = scan.ends();
        let trials = BlockCsv::reopen(&dir.join(TRIALS_CSV), ends.trials)?;
        let weekly_trials = if weekly_trials {
            Some(BlockCsv::reopen(
                &dir.join(WEEKLY_TRIALS_CSV),
                ends.weekly_trials,
            )?)
        } else {
            None
        };
        let path = dir.join(STORE);
        let store = StoreWriter::reopen(&path, scan.whole_len)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(ResultWriter {
            worlds: worlds.to_vec(),
            prefixes,
            trials,
            weekly_trials,
            store,
            count: 0,
        })
    }

    /// Adds run `run`, a finished trial of point `point`: its rows and its record reach the
    /// files before this returns. On a failed write every file is cut back to the runs before
    /// it, and the error says which file failed.
    pub fn push(&mut self, run: u64, point: usize, r: &TrialResult) -> Result<()> {
        let before = (
            self.trials.len,
            self.weekly_trials.as_ref().map_or(0, |w| w.len),
            self.store.bytes(),
        );
        let outcome = self.write_run(run, point, r);
        if outcome.is_err() {
            let _ = self.trials.truncate(before.0);
            if let Some(w) = &mut self.weekly_trials {
                let _ = w.truncate(before.1);
            }
            let _ = self.store.truncate(before.2);
        } else {
            self.count += 1;
        }
        outcome
    }

    fn write_run(&mut self, run: u64, point: usize, r: &TrialResult) -> Result<()> {
        let world = self.worlds[point];
        let prefix = &self.prefixes[point];
        let nm = world.markets.len();
        let weeks = world.weeks as usize;
        for (m, market) in world.markets.iter().enumerate() {
            let series = Series {
                country: Some(market.country),
                weeks: (0..weeks).map(|t| r.record(nm, t, m)).collect(),
                events: Some(r.events[m]),
            };
            let values = measures::measure(&series);
            let e = r.events[m];
            let date = |w: Option<u32>| {
                w.map(|w| world.start.plus_weeks(w).to_string())
                    .unwrap_or_default()
            };
            let mut row = prefix.clone();
            row.extend([
                r.trial.to_string(),
                r.seed.to_string(),
                world.countries[market.country].code.clone(),
                world.platforms[market.platform].name.clone(),
            ]);
            row.extend(values.iter().map(|v| Num(*v).to_string()));
            row.push(date(e.opened));
            row.push(date(e.withdrawn));
            row.push(date(e.closed));
            self.trials.write_record(&row)?;
        }
        self.trials.commit()?;
        if let Some(w) = &mut self.weekly_trials {
            for t in 0..weeks {
                let date = world.start.plus_weeks(t as u32).to_string();
                for (m, mw) in world.markets.iter().enumerate() {
                    let mut row = prefix.clone();
                    row.extend([
                        r.trial.to_string(),
                        r.seed.to_string(),
                        t.to_string(),
                        date.clone(),
                        world.countries[mw.country].code.clone(),
                        world.platforms[mw.platform].name.clone(),
                    ]);
                    row.extend(r.record(nm, t, m).iter().map(|x| Num::from(*x).to_string()));
                    w.write_record(&row)?;
                }
            }
            w.commit()?;
        }
        // The record vouches for these rows: they reach the disk first, so a power cut
        // cannot leave a record whose rows were lost.
        self.trials.sync()?;
        if let Some(w) = &self.weekly_trials {
            w.sync()?;
        }
        let ends = CsvEnds {
            trials: self.trials.len,
            weekly_trials: self.weekly_trials.as_ref().map_or(0, |w| w.len),
        };
        self.store
            .append(run, point, r, ends)
            .with_context(|| format!("cannot write {}", self.store_path().display()))
    }

    fn store_path(&self) -> PathBuf {
        self.trials.path.with_file_name(STORE)
    }

    /// Runs pushed through this writer.
    pub fn runs(&self) -> u64 {
        self.count
    }
}

/// Bytes of one series' values over `trials` trials: every measure and every weekly value.
fn series_bytes(world: &World, trials: u64) -> u64 {
    (measures::names().len() as u64 + Metric::COUNT as u64 * u64::from(world.weeks)) * 8 * trials
}

/// Series summarised together: as many as fit in `budget`, at least one.
fn series_group(world: &World, trials: u64, budget: u64) -> usize {
    let series = series_labels(world).len() as u64;
    (budget / series_bytes(world, trials).max(1)).clamp(1, series.max(1)) as usize
}

/// Bytes held at a time while summarising `trials` trials of a point.
pub(crate) fn summary_bytes(world: &World, trials: u64, budget: u64) -> u64 {
    series_group(world, trials, budget) as u64 * series_bytes(world, trials)
}

/// Writes `summary.csv` and `weekly.csv` (each under a temporary name, then renamed) from
/// the runs in the folder's `trials.bin`, holding at most about `budget` bytes of values at a
/// time (series are taken in groups that fit; the files do not depend on it). Returns the
/// runs summarised. A store holding fewer whole runs than `at_least` (what the manifest
/// records as done) is damaged: the summaries already there are left as they are.
pub fn write_summaries(
    dir: &Path,
    worlds: &[&World],
    columns: Option<&PointColumns>,
    budget: u64,
    at_least: u64,
) -> Result<u64> {
    let path = dir.join(STORE);
    let scan =
        store::scan(&path)?.with_context(|| format!("{} holds no trial data", path.display()))?;
    let whole = scan.records.len() as u64;
    if whole < at_least {
        return Err(UserError(format!(
            "{} holds {whole} whole run(s) but {} records {at_least} done: it is damaged after \
             byte {}, so summary.csv and weekly.csv are left as they are; run it again with \
             --force to rebuild the trial data",
            path.display(),
            MANIFEST_JSON,
            scan.whole_len
        ))
        .into());
    }
    let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let (prefix_names, prefixes) = point_prefixes(columns, worlds.len());
    let header = |names: &[&str]| -> Vec<String> {
        prefix_names
            .iter()
            .cloned()
            .chain(names.iter().map(|n| n.to_string()))
            .collect()
    };
    let measure_names = measures::names();
    let mut summary = AtomicFile::create(&dir.join(SUMMARY_CSV))?;
    let mut weekly = AtomicFile::create(&dir.join(WEEKLY_CSV))?;
    {
        let mut sw = csv::Writer::from_writer(&mut summary.writer);
        let mut ww = csv::Writer::from_writer(&mut weekly.writer);
        sw.write_record(header(&[
            "country", "platform", "metric", "n", "mean", "sd", "min", "p05", "p25", "p50", "p75",
            "p95", "max",
        ]))?;
        ww.write_record(header(&[
            "week", "date", "country", "platform", "metric", "mean", "p05", "p50", "p95",
        ]))?;
        for (point, &world) in worlds.iter().enumerate() {
            let records: Vec<&RecordMeta> =
                scan.records.iter().filter(|r| r.point == point).collect();
            let labels = series_labels(world);
            let nm = world.markets.len();
            let weeks = world.weeks as usize;
            let group = series_group(world, records.len() as u64, budget);
            let dates: Vec<String> = (0..world.weeks)
                .map(|t| world.start.plus_weeks(t).to_string())
                .collect();
            for (c, chunk) in labels.chunks(group).enumerate() {
                let first = c * group;
                // Per series of the chunk, per measure (per metric and week): values across
                // trials.
                let mut totals: Vec<Vec<Vec<f64>>> = chunk
                    .iter()
                    .map(|_| held(measure_names.len(), records.len()))
                    .collect();
                let mut by_week: Vec<Vec<Vec<Vec<f64>>>> = chunk
                    .iter()
                    .map(|_| {
                        (0..Metric::COUNT)
                            .map(|_| held(weeks, records.len()))
                            .collect()
                    })
                    .collect();
                for meta in &records {
                    let r = store::read(&file, meta)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    if r.events.len() != nm || r.weekly.len() != nm * weeks {
                        bail!(
                            "{}: run {} does not have the shape of point {point} ({nm} markets, {weeks} weeks); the folder does not belong to this scenario",
                            path.display(),
                            meta.run
                        );
                    }
                    for (k, &(country, platform)) in chunk.iter().enumerate() {
                        let summed: Vec<WeekRecord>;
                        let series = match country {
                            Some(_) => {
                                // Market series come first, in market order.
                                let m = first + k;
                                Series {
                                    country,
                                    weeks: (0..weeks).map(|t| r.record(nm, t, m)).collect(),
                                    events: Some(r.events[m]),
                                }
                            }
                            None => {
                                summed = (0..weeks)
                                    .map(|t| {
                                        measures::sum_records(
                                            (0..nm)
                                                .filter(|&m| world.markets[m].platform == platform)
                                                .map(|m| r.record(nm, t, m)),
                                        )
                                    })
                                    .collect();
                                Series {
                                    country,
                                    weeks: summed.iter().collect(),
                                    events: None,
                                }
                            }
                        };
                        for (acc, v) in totals[k].iter_mut().zip(measures::measure(&series)) {
                            acc.extend(v);
                        }
                        for (metric, per_week) in by_week[k].iter_mut().enumerate() {
                            if country.is_some() || Metric::ALL[metric].additive() {
                                for (t, acc) in per_week.iter_mut().enumerate() {
                                    acc.push(series.weeks[t][metric]);
                                }
                            }
                        }
                    }
                }
                for (k, label) in chunk.iter().enumerate() {
                    let (country, platform) = label_names(world, *label);
                    for (j, metric) in measure_names.iter().enumerate() {
                        if let Some(d) = Describe::of(&mut totals[k][j]) {
                            let mut row = prefixes[point].clone();
                            row.extend([country.clone(), platform.clone(), metric.clone()]);
                            row.push(d.n.to_string());
                            row.extend(
                                [
                                    d.mean, d.sd, d.min, d.p05, d.p25, d.p50, d.p75, d.p95, d.max,
                                ]
                                .map(|x| Num::from(x).to_string()),
                            );
                            sw.write_record(&row)?;
                        }
                    }
                    for (j, metric) in Metric::ALL.iter().enumerate() {
                        for (t, values) in by_week[k][j].iter_mut().enumerate() {
                            if let Some(d) = Describe::of(values) {
                                let mut row = prefixes[point].clone();
                                row.extend([
                                    t.to_string(),
                                    dates[t].clone(),
                                    country.clone(),
                                    platform.clone(),
                                    metric.name().to_string(),
                                ]);
                                row.extend(
                                    [d.mean, d.p05, d.p50, d.p95].map(|x| Num::from(x).to_string()),
                                );
                                ww.write_record(&row)?;
                            }
                        }
                    }
                }
            }
        }
        sw.flush()?;
        ww.flush()?;
    }
    summary.commit()?;
    weekly.commit()?;
    write_events(dir, &file, &path, &scan, worlds, &prefix_names, &prefixes)?;
    if worlds.iter().any(|w| w.record_creators) {
        write_creators(dir, &file, &path, &scan, worlds, &prefix_names, &prefixes)?;
    }
    Ok(scan.records.len() as u64)
}

/// Writes `creators.csv` from the runs of a store, in run order: one row per creator and run,
/// its end state (what docs/calibration.md checks the earnings tail on).
fn write_creators(
    dir: &Path,
    file: &File,
    path: &Path,
    scan: &Scan,
    worlds: &[&World],
    prefix_names: &[String],
    prefixes: &[Vec<String>],
) -> Result<()> {
    let mut records: Vec<&RecordMeta> = scan.records.iter().collect();
    records.sort_by_key(|r| r.run);
    let mut out = AtomicFile::create(&dir.join(CREATORS_CSV))?;
    {
        let mut w = csv::Writer::from_writer(&mut out.writer);
        let mut header = prefix_names.to_vec();
        header.extend(
            [
                "trial",
                "seed",
                "country",
                "home",
                "initial_home",
                "followers",
                "skill",
                "reservation_usd",
                "trailing_usd",
                "earnings_usd",
                "switches",
                "dormant_weeks",
                "dormant",
            ]
            .map(String::from),
        );
        w.write_record(&header)?;
        for meta in records {
            let world = worlds[meta.point];
            let r = store::read(file, meta)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let name = |p: u8| world.platforms.get(usize::from(p)).map(|x| x.name.clone());
            for c in &r.creators {
                let (Some(country), Some(home), Some(initial)) = (
                    world.countries.get(usize::from(c.country)),
                    name(c.home),
                    name(c.initial_home),
                ) else {
                    bail!(
                        "{}: run {} holds a creator of a country or platform that point {} does \
                         not have",
                        path.display(),
                        meta.run,
                        meta.point
                    );
                };
                let mut row = prefixes[meta.point].clone();
                row.extend([
                    r.trial.to_string(),
                    r.seed.to_string(),
                    country.code.clone(),
                    home,
                    initial,
                    Num::from(c.followers).to_string(),
                    Num::from(c.skill).to_string(),
                    Num::from(c.reservation).to_string(),
                    Num::from(c.trailing).to_string(),
                    Num::from(c.earnings).to_string(),
                    c.switches.to_string(),
                    c.dormant_weeks.to_string(),
                    u8::from(c.dormant).to_string(),
                ]);
                w.write_record(&row)?;
            }
        }
        w.flush()?;
    }
    out.commit()?;
    Ok(())
}

/// Writes `events.csv` from the runs of a store, in run order: one row per event, with the
/// value that decided it (`detail`: a review's new rate, a campaign's offers that week).
fn write_events(
    dir: &Path,
    file: &File,
    path: &Path,
    scan: &Scan,
    worlds: &[&World],
    prefix_names: &[String],
    prefixes: &[Vec<String>],
) -> Result<()> {
    let mut records: Vec<&RecordMeta> = scan.records.iter().collect();
    records.sort_by_key(|r| r.run);
    let mut out = AtomicFile::create(&dir.join(EVENTS_CSV))?;
    {
        let mut w = csv::Writer::from_writer(&mut out.writer);
        let mut header = prefix_names.to_vec();
        header.extend(
            [
                "trial", "seed", "week", "date", "country", "platform", "event", "value", "detail",
            ]
            .map(String::from),
        );
        w.write_record(&header)?;
        for meta in records {
            let world = worlds[meta.point];
            let r = store::read(file, meta)
                .with_context(|| format!("cannot read {}", path.display()))?;
            for e in &r.log {
                let Some(market) = world.markets.get(e.market) else {
                    bail!(
                        "{}: run {} logs an event of market {}, which point {} does not have",
                        path.display(),
                        meta.run,
                        e.market,
                        meta.point
                    );
                };
                let mut row = prefixes[meta.point].clone();
                row.extend([
                    r.trial.to_string(),
                    r.seed.to_string(),
                    e.week.to_string(),
                    world.start.plus_weeks(e.week).to_string(),
                    world.countries[market.country].code.clone(),
                    world.platforms[market.platform].name.clone(),
                    e.kind.name().to_string(),
                    Num::from(e.value).to_string(),
                    Num::from(e.detail).to_string(),
                ]);
                w.write_record(&row)?;
            }
        }
        w.flush()?;
    }
    out.commit()?;
    Ok(())
}

/// `n` empty vectors with room for `capacity` values each.
fn held(n: usize, capacity: usize) -> Vec<Vec<f64>> {
    (0..n).map(|_| Vec::with_capacity(capacity)).collect()
}

/// The country label (`ALL` for the all-countries rows) and platform name of a series.
fn label_names(world: &World, (country, platform): (Option<usize>, usize)) -> (String, String) {
    (
        country.map_or(ALL_COUNTRIES.to_string(), |c| {
            world.countries[c].code.clone()
        }),
        world.platforms[platform].name.clone(),
    )
}

/// A CSV file that grows one block (a run's rows) at a time: rows gather in memory and
/// reach the file in one write, so a crash between runs leaves whole rows only.
struct BlockCsv {
    path: PathBuf,
    file: File,
    rows: csv::Writer<Vec<u8>>,
    /// Bytes committed.
    len: u64,
}

impl BlockCsv {
    fn create(path: &Path) -> Result<BlockCsv> {
        let file = open_for_writing(path, true)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(BlockCsv {
            path: path.to_path_buf(),
            file,
            rows: csv::Writer::from_writer(Vec::new()),
            len: 0,
        })
    }

    /// Opens an existing file to append after its first `len` bytes, dropping the rest.
    fn reopen(path: &Path, len: u64) -> Result<BlockCsv> {
        let open = || -> std::io::Result<File> {
            let mut file = open_for_writing(path, false)?;
            if file.metadata()?.len() < len {
                return Err(std::io::Error::other(format!(
                    "it is shorter ({} bytes) than the {len} bytes of rows trials.bin records",
                    file.metadata()?.len()
                )));
            }
            file.set_len(len)?;
            file.seek(SeekFrom::Start(len))?;
            Ok(file)
        };
        let file = open().with_context(|| format!("cannot resume {}", path.display()))?;
        Ok(BlockCsv {
            path: path.to_path_buf(),
            file,
            rows: csv::Writer::from_writer(Vec::new()),
            len,
        })
    }

    fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.rows.write_record(record)
    }

    /// Writes the rows gathered since the last commit.
    fn commit(&mut self) -> Result<()> {
        let rows = std::mem::replace(&mut self.rows, csv::Writer::from_writer(Vec::new()));
        let block = rows.into_inner().map_err(|e| e.into_error())?;
        self.file
            .write_all(&block)
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        self.len += block.len() as u64;
        Ok(())
    }

    /// Waits until the committed rows are on disk.
    fn sync(&self) -> Result<()> {
        self.file
            .sync_data()
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Cuts the file back to `len` bytes.
    fn truncate(&mut self, len: u64) -> std::io::Result<()> {
        self.rows = csv::Writer::from_writer(Vec::new());
        self.file.set_len(len)?;
        self.file.seek(SeekFrom::Start(len))?;
        self.len = len;
        Ok(())
    }
}

pub(crate) use files::{
    AtomicFile, clear, create_folder, open_for_writing, refuse_unrecorded, write_atomically,
};
