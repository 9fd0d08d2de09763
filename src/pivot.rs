//! `livemarket table DIR --measure M --market CC/platform`: one measure of one market as a
//! wide table, one row per sweep point (one row without a sweep), with the swept values
//! beside it: the mean and the 5th, 25th, 50th, 75th and 95th percentiles over trials, and
//! the shares of trials in which the market's live shop opened, its launch was cancelled and
//! it was withdrawn. Read from `summary.csv`, so the numbers are exactly its numbers; the
//! table a pivot table of `summary.csv` would give after three filters.

use crate::error::UserError;
use crate::format::{Dialect, Unit};
use crate::model::Metric;
use crate::results::SUMMARY_CSV;
use crate::results::measures;
use anyhow::{Context, Result};
use std::path::Path;

pub use crate::results::TABLE_CSV;

/// The statistics of the measure, in column order.
const STATS: [&str; 6] = ["mean", "p05", "p25", "p50", "p75", "p95"];

/// One row: a point of the sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The point's index and swept values as `summary.csv` writes them (none without a
    /// sweep).
    pub point: Option<String>,
    pub values: Vec<String>,
    /// Trials with a value of the measure.
    pub n: u64,
    /// `STATS`, in order.
    pub stats: [f64; 6],
    /// Shares of trials (all trials: those of `gmv_usd`), when the market has events.
    pub opened: Option<f64>,
    pub cancelled: Option<f64>,
    pub withdrawn: Option<f64>,
}

/// The table of one measure of one market.
#[derive(Debug, Clone, PartialEq)]
pub struct Pivot {
    pub measure: &'static measures::Measure,
    pub market: String,
    pub parameters: Vec<String>,
    pub rows: Vec<Row>,
}

/// Reads `DIR/summary.csv` into the table of `measure` for `market` (`CC/platform`).
pub fn pivot(dir: &Path, measure: &str, market: &str) -> Result<Pivot> {
    let m = find_measure(measure)?;
    let Some((country, platform)) = market.split_once('/') else {
        return Err(UserError(format!(
            "--market {market}: write the market as COUNTRY/platform, as in GB/tiktok"
        ))
        .into());
    };
    let path = crate::results::ResultDir::new(dir).summary_csv();
    if !path.is_file() {
        return Err(UserError(format!(
            "{} has no {SUMMARY_CSV}; give a folder `livemarket run` wrote, or write its \
             summaries with `livemarket summarize {}`",
            dir.display(),
            dir.display()
        ))
        .into());
    }
    let (mut r, dialect) =
        Dialect::reader(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let cols = Columns::read(&mut r, &path, dir)?;
    let mut rows = MarketRows {
        path: &path,
        dir,
        dialect,
        cols: &cols,
        measure: m,
        rows: Vec::new(),
        trials: Vec::new(),
        opened: Vec::new(),
        markets: Vec::new(),
    };
    rows.read(r, country, platform)?;
    let MarketRows {
        mut rows,
        trials,
        opened,
        markets,
        ..
    } = rows;
    // A market's rows always carry its launch's events; the opening week only in trials
    // that opened.
    for (row, (t, o)) in rows.iter_mut().zip(trials.iter().zip(&opened)) {
        if row.cancelled.is_some() && *t > 0.0 {
            row.opened = Some(o / t);
        }
    }
    if rows.is_empty() {
        let markets: Vec<String> = markets
            .into_iter()
            .filter(|m| !m.starts_with(crate::results::ALL_COUNTRIES))
            .collect();
        let near = crate::scenario::nearest(market, &markets)
            .map(|n| format!("did you mean {n}? "))
            .unwrap_or_default();
        return Err(UserError(format!(
            "--market {market}: {} has no market {market}; {near}it has {}",
            path.display(),
            markets.join(", ")
        ))
        .into());
    }
    Ok(Pivot {
        measure: m,
        market: market.to_string(),
        parameters: cols.parameters,
        rows,
    })
}

/// The measure named `--measure`, or an error that names the nearest and all.
fn find_measure(measure: &str) -> Result<&'static measures::Measure> {
    measures::find(measure).ok_or_else(|| {
        let names = measures::names();
        let near = crate::scenario::nearest(measure, &names)
            .map(|n| format!("did you mean `{n}`? "))
            .unwrap_or_default();
        UserError(format!(
            "--measure {measure}: no such measure; {near}name a column of trials.csv ({})",
            names.join(", ")
        ))
        .into()
    })
}

/// Where `summary.csv`'s columns are.
struct Columns {
    country: usize,
    platform: usize,
    metric: usize,
    n: usize,
    mean: usize,
    /// `STATS`' columns, in order.
    stats: Vec<usize>,
    /// Whether the file has a `point` column (a sweep's summary).
    swept: bool,
    /// The swept parameters' columns' names.
    parameters: Vec<String>,
}

impl Columns {
    /// The columns from the header of `path`, a summary of `dir`.
    fn read(r: &mut csv::Reader<std::fs::File>, path: &Path, dir: &Path) -> Result<Columns> {
        let header: Vec<String> = r
            .headers()
            .with_context(|| format!("cannot read {}", path.display()))?
            .iter()
            .map(String::from)
            .collect();
        let col = |name: &str| header.iter().position(|h| h == name);
        let (Some(c_country), Some(c_platform), Some(c_metric), Some(c_n)) =
            (col("country"), col("platform"), col("metric"), col("n"))
        else {
            anyhow::bail!(
                "{}: not a summary (no country, platform, metric or n column); `livemarket \
                 summarize {}` writes it again",
                path.display(),
                dir.display()
            );
        };
        let swept = header[0] == "point";
        let parameters = if swept {
            header[1..c_country].to_vec()
        } else {
            Vec::new()
        };
        let stat_cols: Vec<usize> = STATS.iter().filter_map(|s| col(s)).collect();
        if stat_cols.len() != STATS.len() {
            anyhow::bail!("{}: a statistic column is missing", path.display());
        }
        Ok(Columns {
            country: c_country,
            platform: c_platform,
            metric: c_metric,
            n: c_n,
            mean: col("mean").expect("a summary has a mean"),
            stats: stat_cols,
            swept,
            parameters,
        })
    }
}

/// The rows of one market read from a summary, and the markets it has.
struct MarketRows<'a> {
    path: &'a Path,
    dir: &'a Path,
    dialect: Dialect,
    cols: &'a Columns,
    measure: &'static measures::Measure,
    rows: Vec<Row>,
    /// Per row: the trials (those with a GMV, which every trial has) and those that opened.
    trials: Vec<f64>,
    opened: Vec<f64>,
    /// Every market's `CC/platform`, in the file's order.
    markets: Vec<String>,
}

impl MarketRows<'_> {
    /// Reads every record: a new row at each sweep point of the market, its statistics from
    /// the measure's record, the shares' counts from the events' records.
    fn read(
        &mut self,
        mut r: csv::Reader<std::fs::File>,
        country: &str,
        platform: &str,
    ) -> Result<()> {
        let (path, dir, dialect, cols) = (self.path, self.dir, self.dialect, self.cols);
        let swept = cols.swept;
        for (i, rec) in r.records().enumerate() {
            let rec = rec.with_context(|| format!("cannot read {}", path.display()))?;
            let cell = |j: usize| rec.get(j).unwrap_or("");
            let name = format!("{}/{}", cell(cols.country), cell(cols.platform));
            if !self.markets.contains(&name) {
                self.markets.push(name);
            }
            if cell(cols.country) != country || cell(cols.platform) != platform {
                continue;
            }
            let point = swept.then(|| cell(0).to_string());
            if self.rows.last().is_none_or(|last| last.point != point) {
                self.rows.push(Row {
                    point: point.clone(),
                    values: (1..if swept { cols.country } else { 1 })
                        .map(|j| cell(j).to_string())
                        .collect(),
                    n: 0,
                    stats: [f64::NAN; 6],
                    opened: None,
                    cancelled: None,
                    withdrawn: None,
                });
            }
            let num = |j: usize| {
                dialect.parse(cell(j)).ok_or_else(|| {
                    anyhow::anyhow!(
                        "{}:{}: `{}` is not a number; `livemarket summarize {}` writes the file \
                         again",
                        path.display(),
                        i + 2,
                        cell(j),
                        dir.display()
                    )
                })
            };
            let metric = cell(cols.metric);
            if metric == self.measure.name {
                let row = self.rows.last_mut().expect("pushed");
                row.n = num(cols.n)? as u64;
                for (k, &j) in cols.stats.iter().enumerate() {
                    row.stats[k] = num(j)?;
                }
            }
            let k = self.rows.len() - 1;
            if self.trials.len() < self.rows.len() {
                self.trials.push(0.0);
                self.opened.push(0.0);
            }
            let mean = cols.mean;
            match metric {
                m if m == measures::of(Metric::GmvUsd).name => self.trials[k] = num(cols.n)?,
                m if m == measures::LIVE_OPENED_WEEK.name => self.opened[k] = num(cols.n)?,
                m if m == measures::LAUNCH_CANCELLED.name => {
                    self.rows[k].cancelled = Some(num(mean)?)
                }
                m if m == measures::LIVE_WITHDRAWN.name => {
                    self.rows[k].withdrawn = Some(num(mean)?)
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The table's columns after the point's: the measure's statistics, then the shares.
const SHARES: [&str; 3] = ["opened_share", "cancelled_share", "withdrawn_share"];

impl Pivot {
    /// Writes the table as CSV (under a temporary name, then renamed).
    pub fn write_csv(&self, path: &Path, dialect: Dialect) -> Result<()> {
        crate::results::write_atomically(path, |w| {
            let mut w = dialect.writer(w);
            let swept = self.rows.first().is_some_and(|r| r.point.is_some());
            let mut header: Vec<String> = Vec::new();
            if swept {
                header.push("point".into());
                header.extend(self.parameters.iter().cloned());
            }
            header.extend(["market", "measure", "n"].map(String::from));
            header.extend(STATS.map(String::from));
            header.extend(SHARES.map(String::from));
            w.write_record(&header)?;
            for r in &self.rows {
                let mut row: Vec<String> = Vec::new();
                if let Some(p) = &r.point {
                    row.push(p.clone());
                    row.extend(r.values.iter().cloned());
                }
                row.extend([
                    self.market.clone(),
                    self.measure.name.to_string(),
                    r.n.to_string(),
                ]);
                row.extend(
                    r.stats
                        .map(|x| dialect.num(x.is_finite().then_some(x), self.measure.unit)),
                );
                row.extend(
                    [r.opened, r.cancelled, r.withdrawn].map(|x| dialect.num(x, Unit::Share)),
                );
                w.write_record(&row)?;
            }
            w.flush()?;
            Ok(())
        })
    }

    /// The table as `table` prints it: numbers in words.
    pub fn print(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        use crate::table::{Align, Table, Width};
        let auto = Width::Auto { min: 0 };
        let swept = self.rows.first().is_some_and(|r| r.point.is_some());
        let mut t = Table::new("  ");
        let mut header: Vec<String> = Vec::new();
        if swept {
            t = t.columns(1 + self.parameters.len(), Align::Right, auto);
            header.push("point".into());
            header.extend(self.parameters.iter().cloned());
        }
        t = t.columns(1 + STATS.len() + SHARES.len(), Align::Right, auto);
        header.push("n".into());
        header.extend(STATS.map(String::from));
        header.extend(["opened", "cancelled", "withdrawn"].map(String::from));
        t.row(header);
        for r in &self.rows {
            let mut cells: Vec<String> = Vec::new();
            if let Some(p) = &r.point {
                cells.push(p.clone());
                cells.extend(r.values.iter().cloned());
            }
            cells.push(r.n.to_string());
            cells.extend(r.stats.map(|x| crate::format::human(x, self.measure.unit)));
            cells.extend(
                [r.opened, r.cancelled, r.withdrawn]
                    .map(|x| x.map_or("-".to_string(), |x| crate::format::human(x, Unit::Share))),
            );
            t.row(cells);
        }
        writeln!(
            out,
            "{} of {} ({}):",
            self.measure.name, self.market, self.measure.title
        )?;
        t.write(out)
    }
}

/// `livemarket table DIR --measure M --market CC/platform`: the table written (to `out`, else
/// DIR/table.csv, in the folder's dialect) and printed.
pub fn command(
    dir: &Path,
    measure: &str,
    market: &str,
    out: Option<std::path::PathBuf>,
    quiet: bool,
) -> Result<()> {
    let _lock = crate::lock::hold(dir, crate::lock::Access::Read)?;
    let table = pivot(dir, measure, market)?;
    let out = out.unwrap_or_else(|| crate::results::ResultDir::new(dir).table_csv());
    let dialect = Dialect::of_file(&crate::results::ResultDir::new(dir).summary_csv());
    table.write_csv(&out, dialect)?;
    crate::results::record_output(&out)?;
    if !quiet {
        crate::table::print(|o| {
            use std::io::Write;
            table.print(o)?;
            writeln!(o, "written to {}", out.display())
        })?;
    }
    Ok(())
}
