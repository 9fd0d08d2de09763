//! Every trial's weekly series of the charted metrics, for one point, as quantiles per week:
//! from `trials.bin` (every run writes it), else (its trial data removed) from
//! `weekly_trials.csv` (written with `--weekly-trials`), else from `weekly.csv`'s quantiles.

use crate::error::UserError;
use crate::model::Metric;
use crate::results::ResultDir;
use crate::results::{ALL_COUNTRIES, manifest, store};
use crate::stats::quantile;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use indexmap::IndexMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A weekly metric drawn as a fan chart: its title and unit are the metric's own
/// ([`Metric::describe`]).
#[derive(Debug, Clone, Copy)]
pub struct WeeklyChart {
    pub metric: Metric,
    /// Name of the value axis.
    pub axis: &'static str,
}

/// Weekly metrics drawn as fan charts, in page order; the only weekly series read back.
pub const WEEKLY_CHARTS: [WeeklyChart; 3] = [
    WeeklyChart {
        metric: Metric::GmvUsd,
        axis: "USD per week",
    },
    WeeklyChart {
        metric: Metric::Adopters,
        axis: "people",
    },
    WeeklyChart {
        metric: Metric::CreatorsStreaming,
        axis: "creators",
    },
];

/// The weekly distribution of one metric of one series.
#[derive(Debug, Clone, Default)]
pub struct Fan {
    pub p05: Vec<f64>,
    pub p50: Vec<f64>,
    pub p95: Vec<f64>,
    /// The 50% band; None when only weekly.csv was available.
    pub quartiles: Option<(Vec<f64>, Vec<f64>)>,
}

impl Fan {
    /// True when the median and p95 are zero every week (or there are no weeks): the fan
    /// would be an empty chart, though up to 5% of trials may be above zero.
    pub fn is_empty(&self) -> bool {
        self.p95.iter().all(|v| *v == 0.0) && self.p50.iter().all(|v| *v == 0.0)
    }
}

/// Weekly fans of one point, per (country or `ALL`, platform), per [`WEEKLY_CHARTS`].
#[derive(Debug, Clone, Default)]
pub struct Weekly {
    pub dates: Vec<NaiveDate>,
    pub series: IndexMap<(String, String), Vec<Fan>>,
}

/// The weekly fans of point `point` of `dir`, from the best source it holds; None when it
/// holds none (a run that did not finish, whose trial data was then removed).
pub fn read(dir: &Path, sweep: bool, point: usize) -> Result<Option<Weekly>> {
    Ok(if let Some(w) = weekly_from_store(dir, point)? {
        Some(w)
    } else if ResultDir::new(dir).weekly_trials_csv().is_file() {
        Some(weekly_from_trials(
            &ResultDir::new(dir).weekly_trials_csv(),
            sweep,
            point,
        )?)
    } else if ResultDir::new(dir).weekly_csv().is_file() {
        Some(weekly_from_summary(
            &ResultDir::new(dir).weekly_csv(),
            sweep,
            point,
        )?)
    } else {
        None
    })
}

/// Column positions of a results CSV header.
struct Columns {
    header: Vec<String>,
    path: PathBuf,
}

impl Columns {
    fn of(rdr: &mut csv::Reader<std::fs::File>, path: &Path) -> Result<Columns> {
        let header = rdr
            .headers()
            .with_context(|| format!("cannot read {}", path.display()))?
            .iter()
            .map(String::from)
            .collect();
        Ok(Columns {
            header,
            path: path.to_path_buf(),
        })
    }

    fn get(&self, name: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            UserError(format!(
                "{} has no `{name}` column; it was not written by `livemarket run` (run it again)",
                self.path.display()
            ))
            .into()
        })
    }
}

/// A reader of a results CSV in the dialect it was written in.
fn open(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    Ok(crate::format::Dialect::reader(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .0)
}

fn cell(r: &csv::ByteRecord, i: usize) -> &str {
    std::str::from_utf8(r.get(i).unwrap_or(b"")).unwrap_or("")
}

fn number(r: &csv::ByteRecord, i: usize, path: &Path, line: usize, col: &str) -> Result<f64> {
    let c = cell(r, i);
    if c.is_empty() {
        return Ok(0.0);
    }
    // Either dialect: a standard file has no number with a comma.
    crate::format::Dialect::DecimalComma
        .parse(c)
        .ok_or_else(|| {
            UserError(format!(
                "{}:{line}: `{c}` in column `{col}` is not a number",
                path.display()
            ))
            .into()
        })
}

fn date(text: &str, path: &Path, line: usize) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        UserError(format!(
            "{}:{line}: `{text}` in column `date` is not an ISO date",
            path.display()
        ))
        .into()
    })
}

/// Sets `dates[week]`, growing the vector.
fn put_date(dates: &mut Vec<NaiveDate>, week: usize, d: NaiveDate) {
    if dates.len() <= week {
        dates.resize(week + 1, d);
    }
    dates[week] = d;
}

/// Quantiles of every trial's weekly values; `ALL` series sum the countries of a platform.
/// Per metric, per week, values across trials, as fans with quartiles.
fn fans(per_metric: Vec<Vec<Vec<f64>>>) -> Vec<Fan> {
    per_metric
        .into_iter()
        .map(|weeks| {
            let mut fan = Fan::default();
            let (mut q1, mut q3) = (Vec::new(), Vec::new());
            for mut v in weeks {
                v.sort_by(f64::total_cmp);
                let q = |p| if v.is_empty() { 0.0 } else { quantile(&v, p) };
                fan.p05.push(q(0.05));
                q1.push(q(0.25));
                fan.p50.push(q(0.5));
                q3.push(q(0.75));
                fan.p95.push(q(0.95));
            }
            fan.quartiles = Some((q1, q3));
            fan
        })
        .collect()
}

/// The weekly fans of point `point` from the folder's `trials.bin`, with the world rebuilt
/// from the manifest's recipe; None when the folder has no trial data or no recipe (written
/// by an older livemarket).
fn weekly_from_store(dir: &Path, point: usize) -> Result<Option<Weekly>> {
    let path = ResultDir::new(dir).store();
    let (Ok(recorded), true) = (manifest::read(dir), path.is_file()) else {
        return Ok(None);
    };
    let plan = crate::sweep::plan_recipe(&recorded.recipe).with_context(|| {
        format!(
            "cannot rebuild the run recorded in {}",
            ResultDir::new(dir).manifest_json().display()
        )
    })?;
    let Some(world) = plan.points.get(point).map(|p| &p.world) else {
        return Ok(None);
    };
    let Some(scan) = store::scan(&path, &plan.store_layout(&recorded.recipe))? else {
        return Ok(None);
    };
    let file =
        std::fs::File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let metrics: Vec<usize> = WEEKLY_CHARTS.iter().map(|c| c.metric as usize).collect();
    let (nm, weeks) = (world.markets.len(), world.weeks as usize);
    let platforms: Vec<usize> = (0..world.platforms.len())
        .filter(|&p| world.markets.iter().any(|m| m.platform == p))
        .collect();
    let empty = || vec![vec![Vec::new(); weeks]; metrics.len()];
    // Markets in world order, then each platform over all countries: the order of the CSVs.
    let mut per_market: Vec<Vec<Vec<Vec<f64>>>> = (0..nm).map(|_| empty()).collect();
    let mut per_platform: Vec<Vec<Vec<Vec<f64>>>> = platforms.iter().map(|_| empty()).collect();
    for meta in scan.records.iter().filter(|r| r.point == point) {
        let r =
            store::read(&file, meta).with_context(|| format!("cannot read {}", path.display()))?;
        // The values weekly_trials.csv shows.
        let r = crate::results::measures::as_written(&r);
        if r.weekly.len() != nm * weeks {
            return Ok(None);
        }
        for t in 0..weeks {
            for (k, &metric) in metrics.iter().enumerate() {
                for (m, values) in per_market.iter_mut().enumerate() {
                    values[k][t].push(r.record(nm, t, m)[metric]);
                }
                for (j, &p) in platforms.iter().enumerate() {
                    let sum = world
                        .markets
                        .iter()
                        .enumerate()
                        .filter(|(_, mk)| mk.platform == p)
                        .map(|(m, _)| r.record(nm, t, m)[metric])
                        .sum();
                    per_platform[j][k][t].push(sum);
                }
            }
        }
    }
    let mut series = IndexMap::new();
    for (m, values) in per_market.into_iter().enumerate() {
        let mk = &world.markets[m];
        let key = (
            world.countries[mk.country].code.clone(),
            world.platforms[mk.platform].name.clone(),
        );
        series.insert(key, fans(values));
    }
    for (j, values) in per_platform.into_iter().enumerate() {
        let key = (
            ALL_COUNTRIES.to_string(),
            world.platforms[platforms[j]].name.clone(),
        );
        series.insert(key, fans(values));
    }
    let dates = (0..world.weeks)
        .map(|t| world.start.plus_weeks(t).0)
        .collect();
    Ok(Some(Weekly { dates, series }))
}

fn weekly_from_trials(path: &Path, sweep: bool, point: usize) -> Result<Weekly> {
    let mut rdr = open(path)?;
    let cols = Columns::of(&mut rdr, path)?;
    let (trial, week, date_col, country, platform) = (
        cols.get("trial")?,
        cols.get("week")?,
        cols.get("date")?,
        cols.get("country")?,
        cols.get("platform")?,
    );
    let metric_cols: Vec<usize> = WEEKLY_CHARTS
        .iter()
        .map(|c| cols.get(c.metric.name()))
        .collect::<Result<_>>()?;
    // (series) -> metric -> week -> values across trials
    let mut acc: IndexMap<(String, String), Vec<Vec<Vec<f64>>>> = IndexMap::new();
    let mut all: IndexMap<String, HashMap<(u64, usize), [f64; 3]>> = IndexMap::new();
    let mut dates = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut line = 1;
    while rdr
        .read_byte_record(&mut record)
        .with_context(|| format!("cannot read {}:{}", path.display(), line + 1))?
    {
        line += 1;
        if sweep && cell(&record, 0).parse::<usize>().ok() != Some(point) {
            continue;
        }
        let t = week_of(&record, week, path, line)?;
        let k: u64 = cell(&record, trial).parse().unwrap_or(0);
        put_date(&mut dates, t, date(cell(&record, date_col), path, line)?);
        let key = (
            cell(&record, country).to_string(),
            cell(&record, platform).to_string(),
        );
        let per_metric = acc
            .entry(key.clone())
            .or_insert_with(|| vec![Vec::new(); WEEKLY_CHARTS.len()]);
        let sums = all
            .entry(key.1)
            .or_default()
            .entry((k, t))
            .or_insert([0.0; 3]);
        for (m, &c) in metric_cols.iter().enumerate() {
            let v = number(&record, c, path, line, WEEKLY_CHARTS[m].metric.name())?;
            if per_metric[m].len() <= t {
                per_metric[m].resize(t + 1, Vec::new());
            }
            per_metric[m][t].push(v);
            sums[m] += v;
        }
    }
    for (p, sums) in all {
        let mut per_metric = vec![vec![Vec::new(); dates.len()]; WEEKLY_CHARTS.len()];
        let mut keys: Vec<_> = sums.keys().copied().collect();
        keys.sort_unstable();
        for key in keys {
            for (m, v) in sums[&key].iter().enumerate() {
                per_metric[m][key.1].push(*v);
            }
        }
        acc.insert((ALL_COUNTRIES.to_string(), p), per_metric);
    }
    let series = acc
        .into_iter()
        .map(|(key, per_metric)| (key, fans(per_metric)))
        .collect();
    Ok(Weekly { dates, series })
}

/// The week of a weekly file's row (column `c`), or an error naming the file and line.
fn week_of(record: &csv::ByteRecord, c: usize, path: &Path, line: usize) -> Result<usize> {
    let text = cell(record, c);
    text.parse().map_err(|_| {
        UserError(format!(
            "{}:{line}: `{text}` in column `week` is not a whole number",
            path.display()
        ))
        .into()
    })
}

/// The quantiles as weekly.csv has them.
fn weekly_from_summary(path: &Path, sweep: bool, point: usize) -> Result<Weekly> {
    let mut rdr = open(path)?;
    let cols = Columns::of(&mut rdr, path)?;
    let (week, date_col, country, platform, metric) = (
        cols.get("week")?,
        cols.get("date")?,
        cols.get("country")?,
        cols.get("platform")?,
        cols.get("metric")?,
    );
    let (p05, p50, p95) = (cols.get("p05")?, cols.get("p50")?, cols.get("p95")?);
    let (p25, p75) = (cols.get("p25")?, cols.get("p75")?);
    let mut series: IndexMap<(String, String), Vec<Fan>> = IndexMap::new();
    let mut dates = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut line = 1;
    while rdr
        .read_byte_record(&mut record)
        .with_context(|| format!("cannot read {}:{}", path.display(), line + 1))?
    {
        line += 1;
        if sweep && cell(&record, 0).parse::<usize>().ok() != Some(point) {
            continue;
        }
        let Some(m) = WEEKLY_CHARTS
            .iter()
            .position(|c| c.metric.name() == cell(&record, metric))
        else {
            continue;
        };
        let t = week_of(&record, week, path, line)?;
        put_date(&mut dates, t, date(cell(&record, date_col), path, line)?);
        let key = (
            cell(&record, country).to_string(),
            cell(&record, platform).to_string(),
        );
        let fan = &mut series
            .entry(key)
            .or_insert_with(|| vec![Fan::default(); WEEKLY_CHARTS.len()])[m];
        for (v, c, name) in [
            (&mut fan.p05, p05, "p05"),
            (&mut fan.p50, p50, "p50"),
            (&mut fan.p95, p95, "p95"),
        ] {
            if v.len() <= t {
                v.resize(t + 1, 0.0);
            }
            v[t] = number(&record, c, path, line, name)?;
        }
        let (q1, q3) = fan.quartiles.get_or_insert_with(Default::default);
        for (v, c, name) in [(q1, p25, "p25"), (q3, p75, "p75")] {
            if v.len() <= t {
                v.resize(t + 1, 0.0);
            }
            v[t] = number(&record, c, path, line, name)?;
        }
    }
    Ok(Weekly { dates, series })
}
