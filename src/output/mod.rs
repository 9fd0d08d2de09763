//! Result files: `trials.csv` (and `weekly_trials.csv`) streamed as trials finish, then
//! `summary.csv`, `weekly.csv` and `manifest.json` at the end. All CSV is long or tidy, one
//! header row, ISO dates, plain decimals.

pub mod manifest;
pub mod measures;
pub mod num;
pub mod stats;

use crate::model::{Metric, TrialResult};
use crate::world::World;
use anyhow::{Context, Result};
use measures::Series;
use num::Num;
use serde::Serialize;
use stats::Describe;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Label of the all-countries rows.
pub const ALL_COUNTRIES: &str = "ALL";

/// Writes one run's result files into a folder.
pub struct ResultWriter<'w> {
    world: &'w World,
    dir: PathBuf,
    trials: csv::Writer<BufWriter<File>>,
    weekly_trials: Option<csv::Writer<BufWriter<File>>>,
    /// Per series, per measure: values across trials.
    measures: Vec<Vec<Vec<f64>>>,
    /// Per series, per metric, per week: values across trials.
    weekly: Vec<Vec<Vec<Vec<f64>>>>,
    measure_names: Vec<String>,
    count: u64,
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
    /// Creates the folder's streaming files and writes their headers.
    pub fn create(world: &'w World, dir: &Path, weekly_trials: bool) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
        let open = |name: &str| -> Result<csv::Writer<BufWriter<File>>> {
            let path = dir.join(name);
            let file =
                File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
            Ok(csv::Writer::from_writer(BufWriter::new(file)))
        };
        let measure_names = measures::names();
        let mut trials = open("trials.csv")?;
        let mut header: Vec<String> = ["trial", "seed", "country", "platform"]
            .map(String::from)
            .to_vec();
        header.extend(measure_names.iter().cloned());
        header.extend(["live_opened_date", "live_withdrawn_date"].map(String::from));
        trials.write_record(&header)?;
        trials.flush()?;
        let weekly_trials = if weekly_trials {
            let mut w = open("weekly_trials.csv")?;
            let mut header: Vec<&str> =
                vec!["trial", "seed", "week", "date", "country", "platform"];
            header.extend(Metric::ALL.iter().map(|m| m.name()));
            w.write_record(&header)?;
            w.flush()?;
            Some(w)
        } else {
            None
        };
        let labels = series_labels(world);
        Ok(ResultWriter {
            world,
            dir: dir.to_path_buf(),
            trials,
            weekly_trials,
            measures: vec![vec![Vec::new(); measure_names.len()]; labels.len()],
            weekly: vec![vec![vec![Vec::new(); world.weeks as usize]; Metric::COUNT]; labels.len()],
            measure_names,
            count: 0,
        })
    }

    /// Adds one finished trial: its rows reach the disk before this returns.
    pub fn push(&mut self, r: &TrialResult) -> Result<()> {
        let world = self.world;
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
            for (acc, v) in self.measures[s].iter_mut().zip(&values) {
                acc.extend(v);
            }
            for (metric, per_week) in self.weekly[s].iter_mut().enumerate() {
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
                let mut row = vec![
                    r.trial.to_string(),
                    r.seed.to_string(),
                    world.countries[series.country.unwrap_or_default()]
                        .code
                        .clone(),
                    world.platforms[platform].name.clone(),
                ];
                row.extend(values.iter().map(|v| Num(*v).to_string()));
                row.push(date(e.opened));
                row.push(date(e.withdrawn));
                self.trials.write_record(&row)?;
            }
        }
        self.trials.flush().context("cannot write trials.csv")?;
        if let Some(w) = &mut self.weekly_trials {
            for t in 0..weeks {
                let date = world.start.plus_weeks(t as u32).to_string();
                for (m, mw) in world.markets.iter().enumerate() {
                    let mut row = vec![
                        r.trial.to_string(),
                        r.seed.to_string(),
                        t.to_string(),
                        date.clone(),
                        world.countries[mw.country].code.clone(),
                        world.platforms[mw.platform].name.clone(),
                    ];
                    row.extend(r.record(nm, t, m).iter().map(|x| Num::from(*x).to_string()));
                    w.write_record(&row)?;
                }
            }
            w.flush().context("cannot write weekly_trials.csv")?;
        }
        self.count += 1;
        Ok(())
    }

    /// Trials pushed so far.
    pub fn trials(&self) -> u64 {
        self.count
    }

    /// Writes summary.csv and weekly.csv (each to a temporary name, then renamed).
    pub fn finish(mut self) -> Result<()> {
        let labels = series_labels(self.world);
        let world = self.world;
        let name = |(country, platform): (Option<usize>, usize)| {
            (
                country.map_or(ALL_COUNTRIES.to_string(), |c| {
                    world.countries[c].code.clone()
                }),
                world.platforms[platform].name.clone(),
            )
        };
        write_atomically(&self.dir.join("summary.csv"), |w| {
            let mut w = csv::Writer::from_writer(w);
            for (s, label) in labels.iter().enumerate() {
                let (country, platform) = name(*label);
                for (k, metric) in self.measure_names.iter().enumerate() {
                    if let Some(d) = Describe::of(&mut self.measures[s][k]) {
                        w.serialize(SummaryRow {
                            country: &country,
                            platform: &platform,
                            metric,
                            n: d.n,
                            mean: d.mean.into(),
                            sd: d.sd.into(),
                            min: d.min.into(),
                            p05: d.p05.into(),
                            p25: d.p25.into(),
                            p50: d.p50.into(),
                            p75: d.p75.into(),
                            p95: d.p95.into(),
                            max: d.max.into(),
                        })?;
                    }
                }
            }
            w.flush()?;
            Ok(())
        })?;
        write_atomically(&self.dir.join("weekly.csv"), |w| {
            let mut w = csv::Writer::from_writer(w);
            let dates: Vec<String> = (0..world.weeks)
                .map(|t| world.start.plus_weeks(t).to_string())
                .collect();
            for (s, label) in labels.iter().enumerate() {
                let (country, platform) = name(*label);
                for (k, metric) in Metric::ALL.iter().enumerate() {
                    for (t, values) in self.weekly[s][k].iter_mut().enumerate() {
                        if let Some(d) = Describe::of(values) {
                            w.serialize(WeeklyRow {
                                week: t,
                                date: &dates[t],
                                country: &country,
                                platform: &platform,
                                metric: metric.name(),
                                mean: d.mean.into(),
                                p05: d.p05.into(),
                                p50: d.p50.into(),
                                p95: d.p95.into(),
                            })?;
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

#[derive(Serialize)]
struct SummaryRow<'a> {
    country: &'a str,
    platform: &'a str,
    metric: &'a str,
    n: usize,
    mean: Num,
    sd: Num,
    min: Num,
    p05: Num,
    p25: Num,
    p50: Num,
    p75: Num,
    p95: Num,
    max: Num,
}

#[derive(Serialize)]
struct WeeklyRow<'a> {
    week: usize,
    date: &'a str,
    country: &'a str,
    platform: &'a str,
    metric: &'a str,
    mean: Num,
    p05: Num,
    p50: Num,
    p95: Num,
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
