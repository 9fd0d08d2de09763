//! Result files: `trials.csv` (and `weekly_trials.csv`) streamed as trials finish, then
//! `summary.csv`, `weekly.csv` and `manifest.json` at the end. All CSV is long or tidy, one
//! header row, ISO dates, plain decimals.
//!
//! A sweep adds `points.csv`, and every row of the other files starts with the point index
//! and the values of the swept parameters, so a spreadsheet filters and pivots on them. A run
//! without a sweep has no point columns.

pub mod manifest;
pub mod measures;
pub mod num;
pub mod stats;

use crate::model::{Metric, TrialResult};
use crate::world::World;
use anyhow::{Context, Result};
use measures::Series;
use num::Num;
use stats::Describe;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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

/// Writes one run's result files into a folder.
pub struct ResultWriter<'w> {
    points: Vec<PointAcc<'w>>,
    dir: PathBuf,
    trials: BlockCsv,
    weekly_trials: Option<BlockCsv>,
    /// Names of the point columns (`point` and the swept paths); empty without a sweep.
    prefix_names: Vec<String>,
    measure_names: Vec<String>,
    count: u64,
}

/// One point's world, leading cells, and the values accumulated across its trials.
struct PointAcc<'w> {
    world: &'w World,
    /// `point` and the swept values; empty without a sweep.
    prefix: Vec<String>,
    /// Per series, per measure: values across trials.
    measures: Vec<Vec<Vec<f64>>>,
    /// Per series, per metric, per week: values across trials.
    weekly: Vec<Vec<Vec<Vec<f64>>>>,
}

/// A (country label, platform) pair of the output, with the all-countries rows last.
fn series_labels(world: &World) -> Vec<(Option<usize>, usize)> {
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

impl<'w> ResultWriter<'w> {
    /// Creates the folder's streaming files (and `points.csv` for a sweep) and writes their
    /// headers. `worlds` holds one world per point; `columns` is None without a sweep;
    /// `trials_per_point` sizes the values held until the end.
    pub fn create(
        worlds: &[&'w World],
        columns: Option<&PointColumns>,
        dir: &Path,
        weekly_trials: bool,
        trials_per_point: u64,
    ) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
        let open = |name: &str| BlockCsv::create(&dir.join(name));
        let prefix_names: Vec<String> = match columns {
            Some(c) => std::iter::once("point".to_string())
                .chain(c.names.iter().cloned())
                .collect(),
            None => Vec::new(),
        };
        if let Some(c) = columns {
            write_atomically(&dir.join("points.csv"), |w| {
                let mut w = csv::Writer::from_writer(w);
                w.write_record(&prefix_names)?;
                for (k, values) in c.values.iter().enumerate() {
                    w.write_record(std::iter::once(k.to_string()).chain(values.iter().cloned()))?;
                }
                w.flush()?;
                Ok(())
            })?;
        }
        let measure_names = measures::names();
        let mut trials = open("trials.csv")?;
        let mut header = prefix_names.clone();
        header.extend(["trial", "seed", "country", "platform"].map(String::from));
        header.extend(measure_names.iter().cloned());
        header.extend(["live_opened_date", "live_withdrawn_date"].map(String::from));
        trials.write_record(&header)?;
        trials.commit().context("cannot write trials.csv")?;
        let weekly_trials = if weekly_trials {
            let mut w = open("weekly_trials.csv")?;
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
        // Room for every trial up front: vectors grown by doubling would hold up to twice
        // what `held_bytes` estimates.
        let capacity = trials_per_point.min(100_000) as usize;
        let points = worlds
            .iter()
            .enumerate()
            .map(|(k, &world)| {
                let labels = series_labels(world);
                PointAcc {
                    world,
                    prefix: columns.map_or(Vec::new(), |c| {
                        std::iter::once(k.to_string())
                            .chain(c.values[k].iter().cloned())
                            .collect()
                    }),
                    measures: (0..labels.len())
                        .map(|_| held(measure_names.len(), capacity))
                        .collect(),
                    weekly: (0..labels.len())
                        .map(|_| {
                            (0..Metric::COUNT)
                                .map(|_| held(world.weeks as usize, capacity))
                                .collect()
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(ResultWriter {
            points,
            dir: dir.to_path_buf(),
            trials,
            weekly_trials,
            prefix_names,
            measure_names,
            count: 0,
        })
    }

    /// Bytes held until the end for one point over `trials` trials: every measure and every
    /// weekly value of every series, 8 bytes each.
    pub fn held_bytes(world: &World, trials: u64) -> u64 {
        let series = series_labels(world).len() as u64;
        let per_trial =
            measures::names().len() as u64 + Metric::COUNT as u64 * u64::from(world.weeks);
        series * per_trial * trials * 8
    }

    /// Adds one finished trial of point `point`: its rows reach the disk before this returns.
    pub fn push(&mut self, point: usize, r: &TrialResult) -> Result<()> {
        let acc = &mut self.points[point];
        let world = acc.world;
        let nm = world.markets.len();
        let weeks = world.weeks as usize;
        let all_rows: Vec<Vec<crate::model::WeekRecord>> = (0..world.platforms.len())
            .map(|p| {
                (0..weeks)
                    .map(|t| {
                        measures::sum_records(
                            (0..nm)
                                .filter(|&m| world.markets[m].platform == p)
                                .map(|m| r.record(nm, t, m)),
                        )
                    })
                    .collect()
            })
            .collect();
        for (s, (country, platform)) in series_labels(world).into_iter().enumerate() {
            let series = match country {
                Some(_) => Series {
                    country,
                    platform,
                    weeks: (0..weeks).map(|t| r.record(nm, t, s)).collect(),
                    events: Some(r.events[s]),
                },
                None => Series {
                    country,
                    platform,
                    weeks: all_rows[platform].iter().collect(),
                    events: None,
                },
            };
            let values = measures::measure(&series);
            for (acc, v) in acc.measures[s].iter_mut().zip(&values) {
                acc.extend(v);
            }
            for (metric, per_week) in acc.weekly[s].iter_mut().enumerate() {
                for (t, acc) in per_week.iter_mut().enumerate() {
                    if country.is_some() || Metric::ALL[metric].additive() {
                        acc.push(series.weeks[t][metric]);
                    }
                }
            }
            if country.is_some() {
                let e = r.events[s];
                let date = |w: Option<u32>| {
                    w.map(|w| world.start.plus_weeks(w).to_string())
                        .unwrap_or_default()
                };
                let mut row = acc.prefix.clone();
                row.extend([
                    r.trial.to_string(),
                    r.seed.to_string(),
                    world.countries[series.country.unwrap_or_default()]
                        .code
                        .clone(),
                    world.platforms[platform].name.clone(),
                ]);
                row.extend(values.iter().map(|v| Num(*v).to_string()));
                row.push(date(e.opened));
                row.push(date(e.withdrawn));
                self.trials.write_record(&row)?;
            }
        }
        self.trials.commit().context("cannot write trials.csv")?;
        if let Some(w) = &mut self.weekly_trials {
            for t in 0..weeks {
                let date = world.start.plus_weeks(t as u32).to_string();
                for (m, mw) in world.markets.iter().enumerate() {
                    let mut row = acc.prefix.clone();
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
            w.commit().context("cannot write weekly_trials.csv")?;
        }
        self.count += 1;
        Ok(())
    }

    /// Trials pushed so far.
    pub fn trials(&self) -> u64 {
        self.count
    }

    /// Writes summary.csv and weekly.csv (each to a temporary name, then renamed), point by
    /// point.
    pub fn finish(mut self) -> Result<()> {
        let header = |names: &[&str]| -> Vec<String> {
            self.prefix_names
                .iter()
                .cloned()
                .chain(names.iter().map(|n| n.to_string()))
                .collect()
        };
        let summary_header = header(&[
            "country", "platform", "metric", "n", "mean", "sd", "min", "p05", "p25", "p50", "p75",
            "p95", "max",
        ]);
        let weekly_header = header(&[
            "week", "date", "country", "platform", "metric", "mean", "p05", "p50", "p95",
        ]);
        let measure_names = &self.measure_names;
        let points = &mut self.points;
        write_atomically(&self.dir.join("summary.csv"), |w| {
            let mut w = csv::Writer::from_writer(w);
            w.write_record(&summary_header)?;
            for acc in points.iter_mut() {
                let labels = series_labels(acc.world);
                for (s, label) in labels.iter().enumerate() {
                    let (country, platform) = label_names(acc.world, *label);
                    for (k, metric) in measure_names.iter().enumerate() {
                        if let Some(d) = Describe::of(&mut acc.measures[s][k]) {
                            let mut row = acc.prefix.clone();
                            row.extend([country.clone(), platform.clone(), metric.clone()]);
                            row.push(d.n.to_string());
                            row.extend(
                                [
                                    d.mean, d.sd, d.min, d.p05, d.p25, d.p50, d.p75, d.p95, d.max,
                                ]
                                .map(|x| Num::from(x).to_string()),
                            );
                            w.write_record(&row)?;
                        }
                    }
                }
            }
            w.flush()?;
            Ok(())
        })?;
        write_atomically(&self.dir.join("weekly.csv"), |w| {
            let mut w = csv::Writer::from_writer(w);
            w.write_record(&weekly_header)?;
            for acc in points.iter_mut() {
                let world = acc.world;
                let dates: Vec<String> = (0..world.weeks)
                    .map(|t| world.start.plus_weeks(t).to_string())
                    .collect();
                for (s, label) in series_labels(world).iter().enumerate() {
                    let (country, platform) = label_names(world, *label);
                    for (k, metric) in Metric::ALL.iter().enumerate() {
                        for (t, values) in acc.weekly[s][k].iter_mut().enumerate() {
                            if let Some(d) = Describe::of(values) {
                                let mut row = acc.prefix.clone();
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
                                w.write_record(&row)?;
                            }
                        }
                    }
                }
            }
            w.flush()?;
            Ok(())
        })?;
        Ok(())
    }
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

/// A CSV file that grows one block (a trial's rows) at a time: rows gather in memory and
/// reach the file in one write, so a crash between trials leaves whole rows only.
struct BlockCsv {
    file: File,
    rows: csv::Writer<Vec<u8>>,
}

impl BlockCsv {
    fn create(path: &Path) -> Result<BlockCsv> {
        let file =
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(BlockCsv {
            file,
            rows: csv::Writer::from_writer(Vec::new()),
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
    fn commit(&mut self) -> std::io::Result<()> {
        let rows = std::mem::replace(&mut self.rows, csv::Writer::from_writer(Vec::new()));
        let block = rows.into_inner().map_err(|e| e.into_error())?;
        self.file.write_all(&block)
    }
}

/// Writes a whole file under a temporary name in the same folder, then renames it, so a
/// reader never sees half a file.
pub fn write_atomically(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<File>) -> Result<()>,
) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let file = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut w = BufWriter::new(file);
    body(&mut w).with_context(|| format!("cannot write {}", tmp.display()))?;
    w.flush()
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    w.get_ref()
        .sync_all()
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    Ok(())
}
