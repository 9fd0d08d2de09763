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

mod dir;
pub(crate) mod files;
pub mod headline;
pub mod manifest;
pub mod measures;
pub mod names;
pub mod recipe;
pub mod store;
pub(crate) mod summary;
pub(crate) mod trials;

use crate::error::UserError;
use crate::format::{Dialect, Unit, written};
use crate::model::WeekRecord;
use crate::model::{EventKind, Metric, TrialResult};
use crate::stats::Describe;
use crate::world::World;
use anyhow::{Context, Result, bail};
use measures::Series;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use store::{CsvEnds, RecordMeta, Scan, StoreWriter};

pub use dir::ResultDir;
pub use names::*;

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
    dialect: Dialect,
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
    dialect: Dialect,
) -> (Vec<String>, Vec<Vec<String>>) {
    match columns {
        Some(c) => (
            std::iter::once("point".to_string())
                .chain(c.names.iter().cloned())
                .collect(),
            (0..points)
                .map(|k| {
                    std::iter::once(k.to_string())
                        .chain(c.values[k].iter().map(|v| dialect.cell(v)))
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
        dialect: Dialect,
    ) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
        let (prefix_names, prefixes) = point_prefixes(columns, worlds.len(), dialect);
        if columns.is_some() {
            write_atomically(&ResultDir::new(dir).points_csv(), |w| {
                let mut w = dialect.writer(w);
                w.write_record(&prefix_names)?;
                for cells in &prefixes {
                    w.write_record(cells)?;
                }
                w.flush()?;
                Ok(())
            })?;
        }
        let mut trials = BlockCsv::create(&ResultDir::new(dir).trials_csv(), dialect)?;
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
            let mut w = BlockCsv::create(&ResultDir::new(dir).weekly_trials_csv(), dialect)?;
            w.write_record(weekly_trials_header(&prefix_names))?;
            w.commit()?;
            Some(w)
        } else {
            None
        };
        let headers = CsvEnds {
            trials: trials.len,
            weekly_trials: weekly_trials.as_ref().map_or(0, |w| w.len),
        };
        let path = ResultDir::new(dir).store();
        let store = StoreWriter::create(&path, headers)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(ResultWriter {
            worlds: worlds.to_vec(),
            prefixes,
            trials,
            weekly_trials,
            store,
            count: 0,
            dialect,
        })
    }

    /// Reopens the streaming files of an interrupted run to append after the whole runs
    /// `scan` found, cutting off anything written after them.
    pub fn reopen(
        worlds: &[&'w World],
        columns: Option<&PointColumns>,
        dir: &Path,
        weekly_trials: bool,
        dialect: Dialect,
        scan: &Scan,
    ) -> Result<Self> {
        let (_, prefixes) = point_prefixes(columns, worlds.len(), dialect);
        let ends = scan.ends();
        let trials = BlockCsv::reopen(&ResultDir::new(dir).trials_csv(), ends.trials, dialect)?;
        let weekly_trials = if weekly_trials {
            Some(BlockCsv::reopen(
                &ResultDir::new(dir).weekly_trials_csv(),
                ends.weekly_trials,
                dialect,
            )?)
        } else {
            None
        };
        let path = ResultDir::new(dir).store();
        let store = StoreWriter::reopen(&path, scan.whole_len)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(ResultWriter {
            worlds: worlds.to_vec(),
            prefixes,
            trials,
            weekly_trials,
            store,
            count: 0,
            dialect,
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

    fn write_run(&mut self, run: u64, point: usize, raw: &TrialResult) -> Result<()> {
        let r = &measures::as_written(raw);
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
            let d = self.dialect;
            row.extend(
                values
                    .iter()
                    .zip(&measures::MEASURES)
                    .map(|(v, m)| d.num(*v, m.unit)),
            );
            row.push(date(e.opened));
            row.push(date(e.withdrawn));
            row.push(date(e.closed));
            self.trials.write_record(&row)?;
        }
        self.trials.commit()?;
        if let Some(w) = &mut self.weekly_trials {
            for row in weekly_trials_rows(world, prefix, r, self.dialect) {
                w.write_record(&row)?;
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
            .append(run, point, raw, ends)
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

/// The header of `weekly_trials.csv` after the point columns `prefix_names`.
pub(crate) fn weekly_trials_header(prefix_names: &[String]) -> Vec<String> {
    let mut header = prefix_names.to_vec();
    header.extend(["trial", "seed", "week", "date", "country", "platform"].map(String::from));
    header.extend(Metric::ALL.iter().map(|m| m.name().to_string()));
    header
}

/// The rows of `weekly_trials.csv` of one trial `r` (its values as written,
/// [`measures::as_written`]) of the point of `world`, whose cells start with `prefix`: week
/// by week, market by market.
pub(crate) fn weekly_trials_rows(
    world: &World,
    prefix: &[String],
    r: &TrialResult,
    dialect: Dialect,
) -> Vec<Vec<String>> {
    let nm = world.markets.len();
    let mut rows = Vec::with_capacity(world.weeks as usize * nm);
    for t in 0..world.weeks as usize {
        let date = world.start.plus_weeks(t as u32).to_string();
        for (m, mw) in world.markets.iter().enumerate() {
            let mut row = prefix.to_vec();
            row.extend([
                r.trial.to_string(),
                r.seed.to_string(),
                t.to_string(),
                date.clone(),
                world.countries[mw.country].code.clone(),
                world.platforms[mw.platform].name.clone(),
            ]);
            row.extend(
                r.record(nm, t, m)
                    .iter()
                    .zip(&measures::MEASURES)
                    .map(|(x, measure)| dialect.num(Some(*x), measure.unit)),
            );
            rows.push(row);
        }
    }
    rows
}

/// Bytes of one series' values over `trials` trials: every measure and every weekly value.
fn series_bytes(world: &World, trials: u64) -> u64 {
    // Saturating: `--trials 2^63` must read as too much memory, not wrap to none.
    (measures::names().len() as u64 + Metric::COUNT as u64 * u64::from(world.weeks))
        .saturating_mul(8)
        .saturating_mul(trials)
}

/// Series summarised together: as many as fit in `budget`, at least one.
fn series_group(world: &World, trials: u64, budget: u64) -> usize {
    let series = series_labels(world).len() as u64;
    (budget / series_bytes(world, trials).max(1)).clamp(1, series.max(1)) as usize
}

/// Bytes held at a time while summarising `trials` trials of a point.
pub(crate) fn summary_bytes(world: &World, trials: u64, budget: u64) -> u64 {
    (series_group(world, trials, budget) as u64).saturating_mul(series_bytes(world, trials))
}

/// Writes `summary.csv`, `weekly.csv` and `headline.csv` (each under a temporary name, then
/// renamed) from the runs in the folder's `trials.bin`, holding at most about `budget` bytes of values at a
/// time (series are taken in groups that fit; the files do not depend on it). Returns the
/// runs summarised. A store holding fewer whole runs than `at_least` (what the manifest
/// records as done) is damaged: the summaries already there are left as they are.
#[allow(clippy::too_many_arguments)]
pub fn write_summaries(
    dir: &Path,
    worlds: &[&World],
    columns: Option<&PointColumns>,
    headline: &headline::Spec,
    budget: u64,
    at_least: u64,
    layout: &store::Layout,
    dialect: Dialect,
) -> Result<u64> {
    let path = ResultDir::new(dir).store();
    let scan = whole_scan(&path, layout, at_least)?;
    let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let (prefix_names, prefixes) = point_prefixes(columns, worlds.len(), dialect);
    let sources = Sources {
        dir,
        file: &file,
        path: &path,
        scan: &scan,
        worlds,
        prefix_names: &prefix_names,
        prefixes: &prefixes,
        dialect,
    };
    let header = |names: &[&str]| -> Vec<String> {
        prefix_names
            .iter()
            .cloned()
            .chain(names.iter().map(|n| n.to_string()))
            .collect()
    };
    let head = headline::Collector::new(headline, worlds);
    let mut summary = AtomicFile::create(&ResultDir::new(dir).summary_csv())?;
    let mut weekly = AtomicFile::create(&ResultDir::new(dir).weekly_csv())?;
    let head = {
        let mut out = Summaries {
            sources: &sources,
            budget,
            summary: dialect.writer(&mut summary.writer),
            weekly: dialect.writer(&mut weekly.writer),
            head,
        };
        out.summary.write_record(header(&[
            "country", "platform", "metric", "n", "mean", "sd", "min", "p05", "p25", "p50", "p75",
            "p95", "max", "scope",
        ]))?;
        out.weekly.write_record(header(&[
            "week", "date", "country", "platform", "metric", "mean", "p05", "p25", "p50", "p75",
            "p95", "scope",
        ]))?;
        for point in 0..worlds.len() {
            out.point(point)?;
        }
        out.summary.flush()?;
        out.weekly.flush()?;
        out.head
    };
    summary.commit()?;
    weekly.commit()?;
    head.write(dir, columns, dialect)?;
    write_events(&sources)?;
    if worlds.iter().any(|w| w.record_creators) {
        write_creators(&sources)?;
    }
    Ok(scan.records.len() as u64)
}

/// The scan of the store at `path`, refused when it holds no trial data or fewer whole runs
/// than `at_least` (it is damaged).
fn whole_scan(path: &Path, layout: &store::Layout, at_least: u64) -> Result<Scan> {
    let scan = store::scan(path, layout)?
        .with_context(|| format!("{} holds no trial data", path.display()))?;
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
    Ok(scan)
}

/// The summaries being written: what they are read from, the bytes of values held at a
/// time, summary.csv's and weekly.csv's writers, and the headline's statistics.
struct Summaries<'a, W: Write> {
    sources: &'a Sources<'a>,
    budget: u64,
    summary: csv::Writer<W>,
    weekly: csv::Writer<W>,
    head: headline::Collector<'a>,
}

/// The values of a group of series across a point's trials, as the trial files write them:
/// per series, per measure; and per series, per metric and week.
struct GroupValues {
    totals: Vec<Vec<Vec<f64>>>,
    by_week: Vec<Vec<Vec<Vec<f64>>>>,
}

impl<W: Write> Summaries<'_, W> {
    /// The rows of one point, its series taken in groups that fit the budget.
    fn point(&mut self, point: usize) -> Result<()> {
        let s = self.sources;
        let world = s.worlds[point];
        let records: Vec<&RecordMeta> =
            s.scan.records.iter().filter(|r| r.point == point).collect();
        let labels = series_labels(world);
        let group = series_group(world, records.len() as u64, self.budget);
        let dates: Vec<String> = (0..world.weeks)
            .map(|t| world.start.plus_weeks(t).to_string())
            .collect();
        for (c, chunk) in labels.chunks(group).enumerate() {
            let first = c * group;
            let mut values = s.group_values(point, &records, chunk, first)?;
            self.write_group(point, chunk, first, &mut values, &dates)?;
        }
        Ok(())
    }

    /// The summary.csv and weekly.csv rows of a group of a point's series (the first is
    /// series `first`), and the headline's statistics of its markets.
    fn write_group(
        &mut self,
        point: usize,
        chunk: &[(Option<usize>, usize)],
        first: usize,
        values: &mut GroupValues,
        dates: &[String],
    ) -> Result<()> {
        let s = self.sources;
        let (world, dialect) = (s.worlds[point], s.dialect);
        let measure_names = measures::names();
        for (k, label) in chunk.iter().enumerate() {
            let (country, platform) = label_names(world, *label);
            let scope = scope_of(*label);
            for (j, metric) in measure_names.iter().enumerate() {
                if let Some(d) = Describe::of(&mut values.totals[k][j]) {
                    if label.0.is_some() {
                        // Market series come first, in market order.
                        self.head.saw(point, first + k, &measures::MEASURES[j], &d);
                    }
                    let unit = measures::MEASURES[j].unit;
                    let mut row = s.prefixes[point].clone();
                    row.extend([country.clone(), platform.clone(), metric.clone()]);
                    row.push(d.n.to_string());
                    row.extend(
                        [
                            d.mean, d.sd, d.min, d.p05, d.p25, d.p50, d.p75, d.p95, d.max,
                        ]
                        .map(|x| dialect.num(Some(x), unit)),
                    );
                    row.push(scope.to_string());
                    self.summary.write_record(&row)?;
                }
            }
            for (j, metric) in Metric::ALL.iter().enumerate() {
                for (t, values) in values.by_week[k][j].iter_mut().enumerate() {
                    if let Some(d) = Describe::of(values) {
                        let mut row = s.prefixes[point].clone();
                        row.extend([
                            t.to_string(),
                            dates[t].clone(),
                            country.clone(),
                            platform.clone(),
                            metric.name().to_string(),
                        ]);
                        let unit = measures::MEASURES[j].unit;
                        row.extend(
                            [d.mean, d.p05, d.p25, d.p50, d.p75, d.p95]
                                .map(|x| dialect.num(Some(x), unit)),
                        );
                        row.push(scope.to_string());
                        self.weekly.write_record(&row)?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Sources<'_> {
    /// The values of a group of a point's series (the first is series `first`) across the
    /// point's runs `records`, each run read from the store and checked to have the point's
    /// shape.
    fn group_values(
        &self,
        point: usize,
        records: &[&RecordMeta],
        chunk: &[(Option<usize>, usize)],
        first: usize,
    ) -> Result<GroupValues> {
        let world = self.worlds[point];
        let nm = world.markets.len();
        let weeks = world.weeks as usize;
        let mut totals: Vec<Vec<Vec<f64>>> = chunk
            .iter()
            .map(|_| held(measures::MEASURES.len(), records.len()))
            .collect();
        let mut by_week: Vec<Vec<Vec<Vec<f64>>>> = chunk
            .iter()
            .map(|_| {
                (0..Metric::COUNT)
                    .map(|_| held(weeks, records.len()))
                    .collect()
            })
            .collect();
        for meta in records {
            let r = store::read(self.file, meta)
                .with_context(|| format!("cannot read {}", self.path.display()))?;
            let r = measures::as_written(&r);
            if r.events.len() != nm || r.weekly.len() != nm * weeks {
                bail!(
                    "{}: run {} does not have the shape of point {point} ({nm} markets, {weeks} weeks); the folder does not belong to this scenario",
                    self.path.display(),
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
                // Statistics of the values as the trial files write them.
                for ((acc, v), m) in totals[k]
                    .iter_mut()
                    .zip(measures::measure(&series))
                    .zip(&measures::MEASURES)
                {
                    acc.extend(v.map(|v| written(v, m.unit)));
                }
                for (metric, per_week) in by_week[k].iter_mut().enumerate() {
                    if country.is_some() || Metric::ALL[metric].additive() {
                        let unit = measures::MEASURES[metric].unit;
                        for (t, acc) in per_week.iter_mut().enumerate() {
                            acc.push(written(series.weeks[t][metric], unit));
                        }
                    }
                }
            }
        }
        Ok(GroupValues { totals, by_week })
    }
}

/// The most rows one sheet of Excel or LibreOffice Calc holds, the header row included.
/// Opening a longer CSV file keeps this many and drops the rest (Excel says so in a message
/// easy to miss; Calc 7.4 in headless and scripted use, not at all).
pub const SHEET_ROWS: u64 = 1_048_576;

/// Rows, header included, of each CSV file a complete run of `trials` trials at each point
/// of `worlds` writes (summary.csv: at most that many, as a measure no trial defines has no
/// row), in the folder's order.
pub fn csv_rows(worlds: &[&World], trials: u64, weekly_trials: bool) -> Vec<(&'static str, u64)> {
    let additive = Metric::ALL.iter().filter(|m| m.additive()).count() as u64;
    let (mut t, mut s, mut w, mut wt) = (1u64, 1u64, 1u64, 1u64);
    for world in worlds {
        let markets = world.markets.len() as u64;
        let platforms = (series_labels(world).len() as u64).saturating_sub(markets);
        let weeks = u64::from(world.weeks);
        let summed = measures::MEASURES.iter().filter(|m| m.adds_up).count() as u64;
        t = t.saturating_add(trials.saturating_mul(markets));
        if trials > 0 {
            s = s.saturating_add(markets * measures::MEASURES.len() as u64 + platforms * summed);
            w = w.saturating_add(weeks * (markets * Metric::COUNT as u64 + platforms * additive));
        }
        wt = wt.saturating_add(trials.saturating_mul(weeks).saturating_mul(markets));
    }
    let mut rows = vec![(TRIALS_CSV, t), (SUMMARY_CSV, s), (WEEKLY_CSV, w)];
    if weekly_trials {
        rows.push((WEEKLY_TRIALS_CSV, wt));
    }
    if worlds.len() > 1 {
        rows.push((POINTS_CSV, worlds.len() as u64 + 1));
    }
    rows
}

/// What to tell the user when a file of `rows` ([`csv_rows`]) in `dir` is longer than a
/// spreadsheet sheet: which, and the ways to read all of it. None when every file fits.
pub fn row_limit_warning(dir: &Path, rows: &[(&str, u64)]) -> Option<String> {
    let over: Vec<String> = rows
        .iter()
        .filter(|(_, n)| *n > SHEET_ROWS)
        .map(|(f, n)| {
            format!(
                "{} ({} rows)",
                dir.join(f).display(),
                crate::format::grouped(*n)
            )
        })
        .collect();
    if over.is_empty() {
        return None;
    }
    Some(format!(
        "warning: {} {} more rows than a spreadsheet sheet holds ({}): Excel and LibreOffice \
         Calc open only the first {} and drop the rest. `livemarket export {} --parquet` \
         writes the tables as Parquet files that DuckDB, pandas and R read whole (see \
         docs/sweeps.md); filter there and take the part you need to the spreadsheet.",
        over.join(" and "),
        if over.len() == 1 { "has" } else { "have" },
        crate::format::grouped(SHEET_ROWS),
        crate::format::grouped(SHEET_ROWS),
        dir.display(),
    ))
}

/// What the per-run tables written beside the summaries read: the folder, its store and
/// scan, the points' worlds and row prefixes, and the dialect.
struct Sources<'a> {
    dir: &'a Path,
    file: &'a File,
    path: &'a Path,
    scan: &'a Scan,
    worlds: &'a [&'a World],
    prefix_names: &'a [String],
    prefixes: &'a [Vec<String>],
    dialect: Dialect,
}

/// Writes the table `name` of the store's runs, in run order: the header (point columns,
/// then `columns`), then each run's rows as `rows` makes them from its world and result,
/// each prefixed with its point's columns. The frame `creators.csv` and `events.csv` share.
fn write_per_run(
    s: &Sources,
    name: &str,
    columns: &[&str],
    mut rows: impl FnMut(&World, &RecordMeta, &TrialResult) -> Result<Vec<Vec<String>>>,
) -> Result<()> {
    let mut out = AtomicFile::create(&s.dir.join(name))?;
    {
        let mut w = s.dialect.writer(&mut out.writer);
        let mut header = s.prefix_names.to_vec();
        header.extend(columns.iter().map(|c| c.to_string()));
        w.write_record(&header)?;
        // The scan holds the records in run order (checked against the run's layout).
        for meta in &s.scan.records {
            let world = s.worlds[meta.point];
            let r = store::read(s.file, meta)
                .with_context(|| format!("cannot read {}", s.path.display()))?;
            for row in rows(world, meta, &r)? {
                let mut full = s.prefixes[meta.point].clone();
                full.extend(row);
                w.write_record(&full)?;
            }
        }
        w.flush()?;
    }
    out.commit()
}

/// Writes `creators.csv`: one row per creator and run, its end state (what
/// docs/calibration.md checks the earnings tail on).
fn write_creators(s: &Sources) -> Result<()> {
    let d = s.dialect;
    let columns = [
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
    ];
    write_per_run(s, CREATORS_CSV, &columns, |world, meta, r| {
        let name = |p: u8| world.platforms.get(usize::from(p)).map(|x| x.name.clone());
        r.creators
            .iter()
            .map(|c| {
                let (Some(country), Some(home), Some(initial)) = (
                    world.countries.get(usize::from(c.country)),
                    name(c.home),
                    name(c.initial_home),
                ) else {
                    bail!(
                        "{}: run {} holds a creator of a country or platform that point {} does \
                         not have",
                        s.path.display(),
                        meta.run,
                        meta.point
                    );
                };
                Ok(vec![
                    r.trial.to_string(),
                    r.seed.to_string(),
                    country.code.clone(),
                    home,
                    initial,
                    d.num(Some(c.followers), Unit::Count),
                    d.num(Some(c.skill), Unit::Plain),
                    d.num(Some(c.reservation), Unit::Usd),
                    d.num(Some(c.trailing), Unit::Usd),
                    d.num(Some(c.earnings), Unit::Usd),
                    c.switches.to_string(),
                    c.dormant_weeks.to_string(),
                    u8::from(c.dormant).to_string(),
                ])
            })
            .collect()
    })
}

/// Writes `events.csv`: one row per event, with the value that decided it (`detail`: a
/// review's new rate, a campaign's offers that week).
fn write_events(s: &Sources) -> Result<()> {
    let d = s.dialect;
    let columns = [
        "trial", "seed", "week", "date", "country", "platform", "event", "value", "detail",
    ];
    write_per_run(s, EVENTS_CSV, &columns, |world, meta, r| {
        r.log
            .iter()
            .map(|e| {
                let Some(market) = world.markets.get(e.market) else {
                    bail!(
                        "{}: run {} logs an event of market {}, which point {} does not have",
                        s.path.display(),
                        meta.run,
                        e.market,
                        meta.point
                    );
                };
                let (value_unit, detail_unit) = event_units(e.kind);
                Ok(vec![
                    r.trial.to_string(),
                    r.seed.to_string(),
                    e.week.to_string(),
                    world.start.plus_weeks(e.week).to_string(),
                    world.countries[market.country].code.clone(),
                    world.platforms[market.platform].name.clone(),
                    e.kind.name().to_string(),
                    d.num(Some(e.value), value_unit),
                    d.num(Some(e.detail), detail_unit),
                ])
            })
            .collect()
    })
}

/// The units of an event's value and detail (see [`EventKind`]), which decide how they are
/// written: GMV in dollars, a review's measure plain and its new rate a share, a campaign's
/// targets and offers counts.
fn event_units(kind: EventKind) -> (Unit, Unit) {
    match kind {
        EventKind::Opened | EventKind::Cancelled | EventKind::Closed | EventKind::Withdrawn => {
            (Unit::Usd, Unit::Plain)
        }
        EventKind::Review => (Unit::Plain, Unit::Share),
        EventKind::Campaign => (Unit::Count, Unit::Count),
    }
}

/// `n` empty vectors with room for `capacity` values each.
fn held(n: usize, capacity: usize) -> Vec<Vec<f64>> {
    (0..n).map(|_| Vec::with_capacity(capacity)).collect()
}

/// The `scope` column of summary.csv and weekly.csv: `market` for one country's market,
/// `all countries` for the `ALL` rows that sum them, so a pivot table filtered on
/// `scope = market` counts nothing twice.
fn scope_of((country, _): (Option<usize>, usize)) -> &'static str {
    if country.is_some() {
        "market"
    } else {
        "all countries"
    }
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
    dialect: Dialect,
}

impl BlockCsv {
    fn create(path: &Path, dialect: Dialect) -> Result<BlockCsv> {
        let file = open_for_writing(path, true)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(BlockCsv {
            path: path.to_path_buf(),
            file,
            rows: dialect.writer(Vec::new()),
            len: 0,
            dialect,
        })
    }

    /// Opens an existing file to append after its first `len` bytes, dropping the rest.
    fn reopen(path: &Path, len: u64, dialect: Dialect) -> Result<BlockCsv> {
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
            rows: dialect.writer(Vec::new()),
            len,
            dialect,
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
        let rows = std::mem::replace(&mut self.rows, self.dialect.writer(Vec::new()));
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
        self.rows = self.dialect.writer(Vec::new());
        self.file.set_len(len)?;
        self.file.seek(SeekFrom::Start(len))?;
        self.len = len;
        Ok(())
    }
}

pub(crate) use files::{
    AtomicFile, clear, create_folder, files_of_run, open_for_writing, refuse_unrecorded,
    write_atomically,
};
pub use files::{OUTPUTS, record_output};
