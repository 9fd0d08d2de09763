//! Reads what the pictures need from a result folder: the trials (via
//! [`crate::compare::read`]), the weekly quantiles of the charted metrics for one point, and
//! the manifest's scenario (which launches were planned, and gated on what).
//!
//! Weekly quantiles come from every trial's weekly values, so the 50% band (p25–p75) can be
//! drawn: from `trials.bin` (every run writes it), else from `weekly_trials.csv` (written with
//! `--weekly-trials`), else (a folder of an older livemarket) from `weekly.csv`'s p05, p50
//! and p95 only.

use crate::compare::read::{self as trials, Results};
use crate::error::UserError;
use crate::model::Metric;
use crate::output::manifest;
use crate::output::stats::quantile;
use crate::output::{ALL_COUNTRIES, store};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use indexmap::IndexMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Weekly metrics drawn as fan charts, in page order.
pub const WEEKLY_METRICS: [&str; 3] = ["gmv_usd", "adopters", "creators_streaming"];

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

/// Weekly fans of one point, per (country or `ALL`, platform), per [`WEEKLY_METRICS`].
#[derive(Debug, Clone, Default)]
pub struct Weekly {
    pub dates: Vec<NaiveDate>,
    /// Read from every trial's values (trials.bin or weekly_trials.csv): quartiles present.
    pub from_trials: bool,
    pub series: IndexMap<(String, String), Vec<Fan>>,
}

/// Everything the report draws, for one folder.
#[derive(Debug, Clone)]
pub struct Folder {
    pub dir: PathBuf,
    /// manifest.json, if present and valid.
    pub manifest: Option<serde_json::Value>,
    /// Why the manifest could not be used, if so.
    pub manifest_note: Option<String>,
    pub results: Results,
    /// The point whose weekly series, totals and events are drawn (0 without a sweep).
    pub point: usize,
    pub weekly: Weekly,
}

/// Reads `dir` for the report of point `point` (None: point 0).
pub fn folder(dir: &Path, point: Option<usize>) -> Result<Folder> {
    if !dir.is_dir() {
        return Err(UserError(format!(
            "{} is not a folder; name a result folder written by `livemarket run` (e.g. results/baseline)",
            dir.display()
        ))
        .into());
    }
    if !dir.join("trials.csv").is_file() {
        return Err(UserError(format!(
            "{} not found: {} is not a result folder; name a folder written by `livemarket run`",
            dir.join("trials.csv").display(),
            dir.display()
        ))
        .into());
    }
    let results = trials::read(dir)?;
    if results.points.iter().all(|p| p.series.is_empty()) {
        return Err(UserError(format!(
            "{} holds no trials yet; wait for the run to finish, or run it again with `livemarket run ... --force`",
            dir.join("trials.csv").display()
        ))
        .into());
    }
    let n = results.points.len();
    let point = match (results.is_sweep(), point) {
        (_, None) => 0,
        (false, Some(_)) => {
            return Err(UserError(format!(
                "--point: {} is not a sweep, so it has no points; drop --point",
                dir.display()
            ))
            .into());
        }
        (true, Some(k)) if k >= n => {
            return Err(UserError(format!(
                "--point {k}: the sweep in {} has points 0 to {}",
                dir.display(),
                n - 1
            ))
            .into());
        }
        (true, Some(k)) => k,
    };
    let (manifest, manifest_note) = read_manifest(dir);
    if let Some(shard) = manifest.as_ref().and_then(|m| m.get("shard")) {
        let n = |k: &str| shard.get(k).map_or("?".to_string(), |v| v.to_string());
        return Err(UserError(format!(
            "{} holds shard {}/{} of a run, without summaries; combine the shards with \
             `livemarket merge --out DIR SHARD...` and report the merged folder",
            dir.display(),
            n("index"),
            n("count")
        ))
        .into());
    }
    let weekly = if let Some(w) = weekly_from_store(dir, point)? {
        w
    } else if dir.join("weekly_trials.csv").is_file() {
        weekly_from_trials(&dir.join("weekly_trials.csv"), results.is_sweep(), point)?
    } else if dir.join("weekly.csv").is_file() {
        weekly_from_summary(&dir.join("weekly.csv"), results.is_sweep(), point)?
    } else {
        return Err(UserError(format!(
            "{} holds neither trials.bin nor weekly.csv: its run, by an older livemarket, did \
             not finish; run it again",
            dir.display()
        ))
        .into());
    };
    Ok(Folder {
        dir: dir.to_path_buf(),
        manifest,
        manifest_note,
        results,
        point,
        weekly,
    })
}

fn read_manifest(dir: &Path) -> (Option<serde_json::Value>, Option<String>) {
    let path = dir.join("manifest.json");
    match std::fs::read_to_string(&path) {
        Err(_) => (
            None,
            Some(format!(
                "{} not found: planned launches are inferred from the trials",
                path.display()
            )),
        ),
        Ok(text) => match serde_json::from_str(&text) {
            Ok(v) => (Some(v), None),
            Err(e) => (
                None,
                Some(format!(
                    "{} is not valid JSON ({e}): planned launches are inferred from the trials",
                    path.display()
                )),
            ),
        },
    }
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

fn open(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))
}

fn cell(r: &csv::ByteRecord, i: usize) -> &str {
    std::str::from_utf8(r.get(i).unwrap_or(b"")).unwrap_or("")
}

fn number(r: &csv::ByteRecord, i: usize, path: &Path, line: usize, col: &str) -> Result<f64> {
    let c = cell(r, i);
    if c.is_empty() {
        return Ok(0.0);
    }
    c.parse::<f64>().map_err(|_| {
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
    let path = dir.join(store::STORE);
    let (Ok(recorded), true) = (manifest::read(dir), path.is_file()) else {
        return Ok(None);
    };
    let plan = recorded.recipe.plan().with_context(|| {
        format!(
            "cannot rebuild the run recorded in {}",
            dir.join("manifest.json").display()
        )
    })?;
    let Some(world) = plan.points.get(point).map(|p| &p.world) else {
        return Ok(None);
    };
    let Some(scan) = store::scan(&path)? else {
        return Ok(None);
    };
    let file =
        std::fs::File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let metrics: Vec<usize> = WEEKLY_METRICS
        .iter()
        .map(|name| {
            Metric::ALL
                .iter()
                .position(|m| m.name() == *name)
                .expect("the charted metrics are metrics")
        })
        .collect();
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
    Ok(Some(Weekly {
        dates,
        from_trials: true,
        series,
    }))
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
    let metric_cols: Vec<usize> = WEEKLY_METRICS
        .iter()
        .map(|m| cols.get(m))
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
        let t: usize = cell(&record, week).parse().map_err(|_| {
            UserError(format!(
                "{}:{line}: `{}` in column `week` is not a whole number",
                path.display(),
                cell(&record, week)
            ))
        })?;
        let k: u64 = cell(&record, trial).parse().unwrap_or(0);
        put_date(&mut dates, t, date(cell(&record, date_col), path, line)?);
        let key = (
            cell(&record, country).to_string(),
            cell(&record, platform).to_string(),
        );
        let per_metric = acc
            .entry(key.clone())
            .or_insert_with(|| vec![Vec::new(); WEEKLY_METRICS.len()]);
        let sums = all
            .entry(key.1)
            .or_default()
            .entry((k, t))
            .or_insert([0.0; 3]);
        for (m, &c) in metric_cols.iter().enumerate() {
            let v = number(&record, c, path, line, WEEKLY_METRICS[m])?;
            if per_metric[m].len() <= t {
                per_metric[m].resize(t + 1, Vec::new());
            }
            per_metric[m][t].push(v);
            sums[m] += v;
        }
    }
    for (p, sums) in all {
        let mut per_metric = vec![vec![Vec::new(); dates.len()]; WEEKLY_METRICS.len()];
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
    Ok(Weekly {
        dates,
        from_trials: true,
        series,
    })
}

/// p05, p50 and p95 as weekly.csv has them.
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
        let Some(m) = WEEKLY_METRICS
            .iter()
            .position(|m| *m == cell(&record, metric))
        else {
            continue;
        };
        let t: usize = cell(&record, week).parse().map_err(|_| {
            UserError(format!(
                "{}:{line}: `{}` in column `week` is not a whole number",
                path.display(),
                cell(&record, week)
            ))
        })?;
        put_date(&mut dates, t, date(cell(&record, date_col), path, line)?);
        let key = (
            cell(&record, country).to_string(),
            cell(&record, platform).to_string(),
        );
        let fan = &mut series
            .entry(key)
            .or_insert_with(|| vec![Fan::default(); WEEKLY_METRICS.len()])[m];
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
    }
    Ok(Weekly {
        dates,
        from_trials: false,
        series,
    })
}

/// What the scenario planned for one market, from the manifest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Launch {
    /// Launch date as written, if live shopping was planned.
    pub date: Option<String>,
    /// The gate market's country, if the launch was gated.
    pub gate: Option<String>,
}

impl Folder {
    /// The planned launch of `platform` in `country`; None when the manifest cannot tell.
    pub fn launch(&self, country: &str, platform: &str) -> Option<Launch> {
        let m = self.manifest.as_ref()?;
        let market = m
            .get("scenario")?
            .get("platforms")?
            .get(platform)?
            .get("markets")
            .and_then(|ms| ms.get(country));
        let Some(market) = market else {
            return Some(Launch::default());
        };
        let live = market.get("live");
        let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(String::from);
        Some(Launch {
            date: text(live.and_then(|l| l.get("launch"))),
            gate: text(
                live.and_then(|l| l.get("gate"))
                    .and_then(|g| g.get("market")),
            ),
        })
    }

    /// A string field of the manifest (`scenario_name`, `version`, ...).
    pub fn manifest_str(&self, path: &[&str]) -> Option<String> {
        let mut v = self.manifest.as_ref()?;
        for key in path {
            v = v.get(key)?;
        }
        match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// Index of a measure of trials.csv.
    pub fn metric(&self, name: &str) -> Option<usize> {
        self.results.metrics.iter().position(|m| m == name)
    }
}
