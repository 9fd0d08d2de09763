//! Reads `summary.csv` back: each measure's mean over trials at each point, as `sensitivity`
//! needs it.

use super::ResultDir;
use crate::error::UserError;
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// (country, platform, measure) of a summary row.
pub type Key = (String, String, String);

/// The means of every measure at every point of a sweep.
#[derive(Debug, Clone)]
pub struct Means {
    /// The file read, for messages.
    pub path: PathBuf,
    /// Values of the swept parameters at each point.
    pub values: Vec<Vec<String>>,
    /// Series and measures in file order.
    pub keys: Vec<Key>,
    /// Per key, the mean at each point (NaN where a point has none).
    pub means: HashMap<Key, Vec<f64>>,
}

/// Reads the means of a sweep's `summary.csv`, whose run has `points` points. A damaged file
/// is an error naming it and its line, never a guess.
pub fn means(dir: &Path, points: usize) -> Result<Means> {
    let summary_path = ResultDir::new(dir).summary_csv();
    let at = |line: u64| format!("{}:{line}", summary_path.display());
    let damaged = |line: u64, what: String| -> anyhow::Error {
        UserError(format!(
            "{}: {what}; the file is damaged: `livemarket summarize {}` writes it again",
            at(line),
            dir.display()
        ))
        .into()
    };
    let (mut reader, dialect) = crate::format::Dialect::reader(&summary_path)
        .with_context(|| format!("cannot read {}", summary_path.display()))?;
    let header = reader
        .headers()
        .map_err(|e| damaged(1, e.to_string()))?
        .clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(country), Some(mean)) = (col("country"), col("mean")) else {
        return Err(damaged(1, "no country or mean column".into()));
    };
    if header.get(0) != Some("point") || header.len() < country + 3 {
        return Err(damaged(
            1,
            "the header is not point, parameters, country, platform, metric, ...".into(),
        ));
    }
    let mut values: Vec<Vec<String>> = vec![Vec::new(); points];
    let mut keys: Vec<Key> = Vec::new();
    let mut means: HashMap<Key, Vec<f64>> = HashMap::new();
    for row in reader.records() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            damaged(line, e.to_string())
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let point = row[0]
            .parse::<usize>()
            .ok()
            .filter(|&p| p < points)
            .ok_or_else(|| {
                damaged(
                    line,
                    format!(
                        "point {:?} is not one of the run's points 0 to {}",
                        &row[0],
                        points - 1
                    ),
                )
            })?;
        values[point] = (1..country)
            .map(|c| dialect.standard(&row[c]).into_owned())
            .collect();
        let key = (
            row[country].to_string(),
            row[country + 1].to_string(),
            row[country + 2].to_string(),
        );
        let v = dialect.parse(&row[mean]).unwrap_or(f64::NAN);
        let entry = means.entry(key.clone()).or_insert_with(|| {
            keys.push(key.clone());
            vec![f64::NAN; points]
        });
        entry[point] = v;
    }
    Ok(Means {
        path: summary_path,
        values,
        keys,
        means,
    })
}
