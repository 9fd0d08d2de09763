//! The headline: the few outcomes a scenario is about, first. Per point of a sweep and per
//! market it names, each headline measure's median and 90% range over trials (the 5th to
//! the 95th percentile, type 7 as in `summary.csv`), and the shares of trials in which the
//! market's live shopping opened, its launch was cancelled by its gate, and it was
//! withdrawn.
//!
//! Which markets and measures: the scenario's `[headline]` table when it has one; else
//! every market with live shopping and `gmv_usd`, and in a sweep the live markets its swept
//! paths name (`platforms.tiktok.markets.GB.…`: GB/tiktok), else those of the countries they
//! name (`countries.GB.…`: GB's), else the three with the largest median of the first measure
//! at point 0.
//!
//! The numbers are those of `summary.csv` (the same values, the same quantiles), collected
//! while it is written (`Collector`) and written as `headline.csv` beside it, so `run`,
//! `summarize` and `merge` all write it. [`read`] reads it back for `run`'s closing table and
//! for the report.

use super::ResultDir;
use super::manifest::SweepRecord;
use super::measures::{self, Measure, Unit};
use super::{PointColumns, point_prefixes};
use crate::error::UserError;
use crate::format::Dialect;
use crate::model::Metric;
use crate::scenario::Scenario;
use crate::stats::Describe;
use crate::world::World;
use anyhow::{Context, Result};
use std::path::Path;

pub use super::names::HEADLINE_CSV;

/// Markets shown by default in a sweep whose paths name none.
const LARGEST: usize = 3;

/// What the headline holds: from the scenario's `[headline]` table and the sweep.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Markets as `COUNTRY/platform`, when the scenario names them.
    markets: Option<Vec<String>>,
    /// The measures, in the order shown.
    measures: Vec<&'static Measure>,
    /// In a sweep: the countries (`GB`) and markets (`GB/tiktok`) its swept paths name.
    about: Option<Vec<String>>,
}

impl Spec {
    /// The headline of a scenario and its sweep (a plan's `base` and `sweep`); an error when
    /// `[headline] measures` names no measure.
    pub fn of(scenario: &Scenario, sweep: Option<&SweepRecord>) -> Result<Spec, UserError> {
        let table = scenario.headline.clone().unwrap_or_default();
        let names = table
            .measures
            .unwrap_or_else(|| vec![measures::of(Metric::GmvUsd).name.to_string()]);
        let mut found = Vec::new();
        for name in &names {
            match measures::find(name) {
                Some(m) if !is_event(m) => found.push(m),
                _ => {
                    let valid: Vec<String> = measures::MEASURES
                        .iter()
                        .filter(|m| !is_event(m))
                        .map(|m| m.name.to_string())
                        .collect();
                    let near = crate::scenario::nearest(name, &valid)
                        .map(|n| format!("did you mean `{n}`? "))
                        .unwrap_or_default();
                    return Err(UserError(format!(
                        "[headline] measures: `{name}` is not a measure of the headline; \
                         {near}name columns of trials.csv that are totals or end values ({})",
                        valid.join(", ")
                    )));
                }
            }
        }
        let about = sweep.map(|s| {
            s.parameters
                .iter()
                .filter_map(|p| about_of(super::recipe::uncertain_key(p).map_or(p, |(e, _)| e)))
                .collect()
        });
        Ok(Spec {
            markets: table.markets,
            measures: found,
            about,
        })
    }

    /// The headline's measures.
    pub fn measures(&self) -> &[&'static Measure] {
        &self.measures
    }
}

/// The events have their own columns (the shares of trials), not a median.
fn is_event(m: &Measure) -> bool {
    matches!(
        m.name,
        "launch_cancelled"
            | "live_opened_week"
            | "live_withdrawn"
            | "live_withdrawn_week"
            | "live_closed_week"
    )
}

/// The country (`GB`) or market (`GB/tiktok`) a parameter path is about, if any.
fn about_of(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["countries", cc, ..] => Some(cc.to_string()),
        ["platforms", p, "markets", cc, ..] => Some(format!("{cc}/{p}")),
        _ => None,
    }
}

/// What the headline keeps of one market at one point.
#[derive(Debug, Clone, Default)]
struct Stats {
    trials: usize,
    /// Per headline measure: (p05, p50, p95), None when no trial has a value.
    quantiles: Vec<Option<[f64; 3]>>,
    opened: usize,
    cancelled: f64,
    withdrawn: f64,
}

/// Collects the headline's numbers from the descriptions `summary.csv` is written from.
pub(crate) struct Collector<'a> {
    spec: &'a Spec,
    worlds: &'a [&'a World],
    /// Per point, per market.
    stats: Vec<Vec<Stats>>,
}

impl<'a> Collector<'a> {
    pub fn new(spec: &'a Spec, worlds: &'a [&'a World]) -> Collector<'a> {
        let stats = worlds
            .iter()
            .map(|w| {
                vec![
                    Stats {
                        quantiles: vec![None; spec.measures.len()],
                        ..Stats::default()
                    };
                    w.markets.len()
                ]
            })
            .collect();
        Collector {
            spec,
            worlds,
            stats,
        }
    }

    /// Market `market` of point `point` has description `d` of measure `measure`.
    pub fn saw(&mut self, point: usize, market: usize, measure: &Measure, d: &Describe) {
        let s = &mut self.stats[point][market];
        if measure == measures::of(Metric::GmvUsd) {
            s.trials = d.n;
        } else if measure == &measures::LIVE_OPENED_WEEK {
            s.opened = d.n;
        } else if measure == &measures::LAUNCH_CANCELLED {
            s.cancelled = d.mean;
        } else if measure == &measures::LIVE_WITHDRAWN {
            s.withdrawn = d.mean;
        }
        if let Some(i) = self
            .spec
            .measures
            .iter()
            .position(|m| m.name == measure.name)
        {
            s.quantiles[i] = Some([d.p05, d.p50, d.p95]);
        }
    }

    /// The markets shown, in order (see the module's header), as indices of the first
    /// point's markets (every point has the same markets).
    fn markets(&self) -> Vec<usize> {
        let Some(world) = self.worlds.first() else {
            return Vec::new();
        };
        let name = |m: usize| {
            let mk = &world.markets[m];
            (
                world.countries[mk.country].code.as_str(),
                world.platforms[mk.platform].name.as_str(),
            )
        };
        let all = 0..world.markets.len();
        if let Some(named) = &self.spec.markets {
            return named
                .iter()
                .filter_map(|n| {
                    all.clone()
                        .find(|&m| format!("{}/{}", name(m).0, name(m).1) == *n)
                })
                .collect();
        }
        let live: Vec<usize> = all
            .filter(|&m| world.markets[m].spec.live.is_some())
            .collect();
        let Some(about) = &self.spec.about else {
            return live;
        };
        // Markets the paths name, else the markets of the countries they name.
        let market_named = |m: &usize| {
            let (cc, p) = name(*m);
            about.contains(&format!("{cc}/{p}"))
        };
        let country_named = |m: &usize| about.iter().any(|a| a == name(*m).0);
        let mut named: Vec<usize> = live.iter().copied().filter(market_named).collect();
        if named.is_empty() {
            named = live.iter().copied().filter(country_named).collect();
        }
        if !named.is_empty() {
            return named;
        }
        let median = |m: usize| {
            self.stats[0][m]
                .quantiles
                .first()
                .copied()
                .flatten()
                .map_or(f64::NEG_INFINITY, |q| q[1])
        };
        let mut by_size = live;
        // Largest first; ties in market order (a stable sort).
        by_size.sort_by(|&a, &b| median(b).total_cmp(&median(a)));
        by_size.truncate(LARGEST);
        by_size.sort_unstable();
        by_size
    }

    /// Writes `headline.csv` (under a temporary name, then renamed).
    pub fn write(
        &self,
        dir: &Path,
        columns: Option<&PointColumns>,
        dialect: Dialect,
    ) -> Result<()> {
        let markets = self.markets();
        let (prefix_names, prefixes) = point_prefixes(columns, self.worlds.len(), dialect);
        super::write_atomically(&ResultDir::new(dir).headline_csv(), |w| {
            let mut w = dialect.writer(w);
            let mut header = prefix_names.clone();
            header.extend(HEADER.map(String::from));
            w.write_record(&header)?;
            for (point, world) in self.worlds.iter().enumerate() {
                for &m in &markets {
                    let s = &self.stats[point][m];
                    let mk = &world.markets[m];
                    let n = s.trials.max(1) as f64;
                    for (i, measure) in self.spec.measures.iter().enumerate() {
                        let q = s.quantiles[i];
                        let mut row = prefixes[point].clone();
                        row.extend([
                            world.countries[mk.country].code.clone(),
                            world.platforms[mk.platform].name.clone(),
                            measure.name.to_string(),
                            s.trials.to_string(),
                        ]);
                        // p50, p05, p95, as the header has them.
                        row.extend([1, 0, 2].map(|j| dialect.num(q.map(|q| q[j]), measure.unit)));
                        row.extend(
                            [s.opened as f64 / n, s.cancelled, s.withdrawn]
                                .map(|x| dialect.num(Some(x), Unit::Share)),
                        );
                        w.write_record(&row)?;
                    }
                }
            }
            w.flush()?;
            Ok(())
        })
    }
}

/// `headline.csv`'s columns after the point's (`point` and the swept values, in a sweep).
pub const HEADER: [&str; 10] = [
    "country",
    "platform",
    "measure",
    "trials",
    "p50",
    "p05",
    "p95",
    "opened_share",
    "cancelled_share",
    "withdrawn_share",
];

/// One row of `headline.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The sweep point's index (0 without a sweep).
    pub point: usize,
    /// The swept values as the file writes them, aligned with [`Headline::parameters`].
    pub values: Vec<String>,
    pub country: String,
    pub platform: String,
    pub measure: String,
    pub trials: u64,
    pub p50: Option<f64>,
    pub p05: Option<f64>,
    pub p95: Option<f64>,
    /// Shares of trials in [0, 1].
    pub opened: f64,
    pub cancelled: f64,
    pub withdrawn: f64,
}

/// `headline.csv` as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    /// The swept parameter paths (none without a sweep).
    pub parameters: Vec<String>,
    pub rows: Vec<Row>,
}

/// Reads `DIR/headline.csv` (either dialect).
pub fn read(dir: &Path) -> Result<Headline> {
    let path = ResultDir::new(dir).headline_csv();
    let (mut r, dialect) =
        Dialect::reader(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let header: Vec<String> = r
        .headers()
        .with_context(|| format!("cannot read {}", path.display()))?
        .iter()
        .map(String::from)
        .collect();
    let swept = header.first().is_some_and(|h| h == "point");
    let first = header.len().saturating_sub(HEADER.len());
    if header[first..] != HEADER {
        anyhow::bail!(
            "{}: the header is not that of a headline ({}); write it again with `livemarket \
             summarize`",
            path.display(),
            HEADER.join(",")
        );
    }
    let parameters = if swept {
        header[1..first].to_vec()
    } else {
        Vec::new()
    };
    let mut rows = Vec::new();
    for (i, record) in r.records().enumerate() {
        let rec = record.with_context(|| format!("cannot read {}", path.display()))?;
        let cell = |j: usize| rec.get(j).unwrap_or("");
        let bad = || {
            anyhow::anyhow!(
                "{}:{}: not a headline row; write it again with `livemarket summarize`",
                path.display(),
                i + 2
            )
        };
        let num = |j: usize| dialect.parse(cell(j));
        rows.push(Row {
            point: if swept {
                cell(0).parse().map_err(|_| bad())?
            } else {
                0
            },
            values: (1..first).map(|j| cell(j).to_string()).collect(),
            country: cell(first).to_string(),
            platform: cell(first + 1).to_string(),
            measure: cell(first + 2).to_string(),
            trials: cell(first + 3).parse().map_err(|_| bad())?,
            p50: num(first + 4),
            p05: num(first + 5),
            p95: num(first + 6),
            opened: num(first + 7).ok_or_else(bad)?,
            cancelled: num(first + 8).ok_or_else(bad)?,
            withdrawn: num(first + 9).ok_or_else(bad)?,
        });
    }
    Ok(Headline { parameters, rows })
}

impl Headline {
    /// The headline as `run` prints it: one line per point, market and measure, the swept
    /// values first, numbers in words (`$1.23 bn`, `35%`).
    pub fn print(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        use crate::table::{Align, Table, Width};
        let mut t = Table::new("  ");
        let short: Vec<String> = self.parameters.iter().map(|p| short_name(p)).collect();
        for _ in &short {
            t = t.column(Align::Right, Width::Auto { min: 0 });
        }
        t = t
            .column(Align::Left, Width::Auto { min: 0 })
            .column(Align::Left, Width::Auto { min: 0 })
            .columns(2, Align::Right, Width::Auto { min: 0 })
            .columns(3, Align::Right, Width::Auto { min: 0 });
        let mut header = short.clone();
        header.extend(
            [
                "market",
                "measure",
                "median",
                "90% range",
                "opened",
                "cancelled",
                "withdrawn",
            ]
            .map(String::from),
        );
        t.row(header);
        for r in &self.rows {
            let unit = measures::find(&r.measure).map_or(Unit::Plain, |m| m.unit);
            let h = |x: Option<f64>| x.map_or("-".to_string(), |x| crate::format::human(x, unit));
            let share = |x: f64| crate::format::human(x, Unit::Share);
            let mut cells = r.values.clone();
            cells.extend([
                format!("{}/{}", r.country, r.platform),
                r.measure.clone(),
                h(r.p50),
                format!("{} to {}", h(r.p05), h(r.p95)),
                share(r.opened),
                share(r.cancelled),
                share(r.withdrawn),
            ]);
            t.row(cells);
        }
        t.write(out)
    }
}

/// A swept path as a column heading: its last two parts (`GB.live_affinity.mean` reads as
/// `live_affinity.mean`), enough to tell the columns of one sweep apart in most cases.
fn short_name(path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.len() <= 3 {
        return path.to_string();
    }
    parts[parts.len() - 3..].join(".")
}
