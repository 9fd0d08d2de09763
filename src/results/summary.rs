//! Reads `summary.csv` back: each measure's mean over trials at each point, as `sensitivity`
//! needs it.

use super::SUMMARY_CSV;
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

/// Reads the means of a sweep's `summary.csv`.
pub fn means(dir: &Path) -> Result<Means> {
    let summary_path = dir.join(SUMMARY_CSV);
    let (mut reader, dialect) = crate::format::Dialect::reader(&summary_path)
        .with_context(|| format!("cannot read {}", summary_path.display()))?;
    let header = reader.headers()?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(country), Some(mean)) = (col("country"), col("mean")) else {
        return Err(UserError(format!(
            "{} has no country or mean column",
            summary_path.display()
        ))
        .into());
    };
    let mut values: Vec<Vec<String>> = Vec::new();
    let mut keys: Vec<Key> = Vec::new();
    let mut means: HashMap<Key, Vec<f64>> = HashMap::new();
    for row in reader.records() {
        let row = row?;
        let point: usize = row[0]
            .parse()
            .with_context(|| format!("{SUMMARY_CSV}: a point that is not a number"))?;
        if point >= values.len() {
            values.resize(point + 1, Vec::new());
        }
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
            Vec::new()
        });
        if entry.len() <= point {
            entry.resize(point + 1, f64::NAN);
        }
        entry[point] = v;
    }
    Ok(Means {
        path: summary_path,
        values,
        keys,
        means,
    })
}
