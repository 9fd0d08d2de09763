//! Reads a result folder's `trials.csv` (and `points.csv` for a sweep) back into per-trial
//! outcomes.

use crate::error::UserError;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Per-trial outcomes of one result folder.
#[derive(Debug, Clone)]
pub struct Results {
    pub dir: PathBuf,
    /// Swept parameter paths; empty without a sweep.
    pub columns: Vec<String>,
    /// Measure names, in column order.
    pub metrics: Vec<String>,
    /// One entry per point (one without a sweep).
    pub points: Vec<PointResults>,
}

/// One series' trials: trial index → (seed, measures aligned with [`Results::metrics`]; None
/// for an empty cell).
pub type Trials = BTreeMap<u64, (u64, Vec<Option<f64>>)>;

/// Outcomes of one point.
#[derive(Debug, Clone, Default)]
pub struct PointResults {
    /// Values of the swept parameters, as written.
    pub values: Vec<String>,
    /// (country, platform) in file order.
    pub series: Vec<(String, String)>,
    /// Per series.
    pub trials: Vec<Trials>,
}

impl Results {
    pub fn is_sweep(&self) -> bool {
        !self.columns.is_empty()
    }
}

/// Reads `dir/trials.csv` (complete or still being written).
pub fn read(dir: &Path) -> Result<Results> {
    let path = super::ResultDir::new(dir).trials_csv();
    if !path.is_file() {
        return Err(UserError(format!(
            "{} has no trials.csv; name a folder written by `livemarket run`",
            dir.display()
        ))
        .into());
    }
    let (mut rdr, dialect) = crate::format::Dialect::reader(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let layout = Layout::read(&mut rdr, &path, dialect)?;
    let mut points: Vec<PointResults> = Vec::new();
    for (line, record) in rdr.records().enumerate() {
        layout.add(&mut points, line, record)?;
    }
    // Points with no finished trial yet still have their values in points.csv.
    if layout.sweep {
        point_values(dir, &mut points);
    }
    if points.is_empty() {
        points.push(PointResults::default());
    }
    let metrics: Vec<String> = (layout.measure_cols.iter())
        .map(|&i| layout.header[i].clone())
        .collect();
    Ok(Results {
        dir: dir.to_path_buf(),
        columns: layout.columns,
        metrics,
        points,
    })
}

/// Where a `trials.csv`'s columns are, and how its numbers are written.
struct Layout<'a> {
    path: &'a Path,
    dialect: crate::format::Dialect,
    header: Vec<String>,
    trial: usize,
    seed: usize,
    country: usize,
    platform: usize,
    /// Whether the file begins with a `point` column (a sweep's).
    sweep: bool,
    /// The swept parameters' paths.
    columns: Vec<String>,
    /// The measures' columns (dates left out).
    measure_cols: Vec<usize>,
}

impl<'a> Layout<'a> {
    /// The layout from the header of `path`: an error when a key column is missing.
    fn read(
        rdr: &mut csv::Reader<std::fs::File>,
        path: &'a Path,
        dialect: crate::format::Dialect,
    ) -> Result<Layout<'a>> {
        let header: Vec<String> = rdr
            .headers()
            .with_context(|| format!("cannot read {}", path.display()))?
            .iter()
            .map(String::from)
            .collect();
        let col = |name: &str| {
            header.iter().position(|h| h == name).ok_or_else(|| {
                UserError(format!(
                    "{} has no `{name}` column; it was not written by `livemarket run`",
                    path.display()
                ))
            })
        };
        let (trial, seed, country, platform) = (
            col("trial")?,
            col("seed")?,
            col("country")?,
            col("platform")?,
        );
        let sweep = header.first().is_some_and(|h| h == "point");
        let columns: Vec<String> = if sweep {
            header[1..trial].to_vec()
        } else {
            Vec::new()
        };
        let measure_cols: Vec<usize> = (platform + 1..header.len())
            .filter(|&i| !header[i].ends_with("_date"))
            .collect();
        Ok(Layout {
            path,
            dialect,
            header,
            trial,
            seed,
            country,
            platform,
            sweep,
            columns,
            measure_cols,
        })
    }

    /// Adds the record on data line `line` (0 for the first after the header) to its point
    /// and series.
    fn add(
        &self,
        points: &mut Vec<PointResults>,
        line: usize,
        record: csv::Result<csv::StringRecord>,
    ) -> Result<()> {
        let (header, dialect, sweep) = (&self.header, self.dialect, self.sweep);
        let at = || format!("{}:{}", self.path.display(), line + 2);
        let record = record.with_context(at)?;
        let number = |i: usize| -> Result<Option<f64>> {
            let cell = record.get(i).unwrap_or("");
            if cell.is_empty() {
                Ok(None)
            } else {
                dialect
                    .standard(cell)
                    .parse::<f64>()
                    .map(Some)
                    .with_context(|| {
                        format!(
                            "{}: `{cell}` in column `{}` is not a number",
                            at(),
                            header[i]
                        )
                    })
            }
        };
        let whole = |i: usize| -> Result<u64> {
            let cell = record.get(i).unwrap_or("");
            cell.parse::<u64>().with_context(|| {
                format!(
                    "{}: `{cell}` in column `{}` is not a whole number",
                    at(),
                    header[i]
                )
            })
        };
        let p = if sweep { whole(0)? } else { 0 };
        // Rows come trial by trial across the points, so a point first appears right after
        // the one before it; a larger index is damage (and must not size an allocation).
        if p > points.len() as u64 {
            bail!(
                "{}: the row is of point {p}, but the next new point can only be {} (rows go \
                 trial by trial across the points); the file is damaged: run the sweep again \
                 (--force)",
                at(),
                points.len()
            );
        }
        let p = p as usize;
        if points.len() == p {
            points.push(PointResults::default());
        }
        let point = &mut points[p];
        if sweep && point.values.is_empty() {
            point.values = (1..self.trial)
                .map(|i| dialect.standard(record.get(i).unwrap_or("")).into_owned())
                .collect();
        }
        let key = (
            record.get(self.country).unwrap_or("").to_string(),
            record.get(self.platform).unwrap_or("").to_string(),
        );
        let s = match point.series.iter().position(|k| *k == key) {
            Some(s) => s,
            None => {
                point.series.push(key);
                point.trials.push(BTreeMap::new());
                point.series.len() - 1
            }
        };
        let values = (self.measure_cols.iter())
            .map(|&i| number(i))
            .collect::<Result<Vec<_>>>()?;
        point.trials[s].insert(whole(self.trial)?, (whole(self.seed)?, values));
        Ok(())
    }
}

/// A sweep's point values from `dir/points.csv`, for the points with no finished trial yet
/// (nothing when the file cannot be read; up to its first unreadable record).
fn point_values(dir: &Path, points: &mut Vec<PointResults>) {
    if let Ok((mut p, dialect)) =
        crate::format::Dialect::reader(&super::ResultDir::new(dir).points_csv())
    {
        for (k, record) in p.records().enumerate() {
            let Ok(record) = record else { break };
            if points.len() <= k {
                points.resize_with(k + 1, PointResults::default);
            }
            points[k].values = record
                .iter()
                .skip(1)
                .map(|v| dialect.standard(v).into_owned())
                .collect();
        }
    }
}
