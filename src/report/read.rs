//! Reads what the pictures need from a result folder, through [`crate::results`]: the
//! trials, the weekly quantiles of the charted metrics for one point, and the manifest's
//! scenario (which launches were planned, and gated on what).

use super::weekly::{self, Weekly};
use crate::error::UserError;
use crate::model::Metric;
use crate::results::ResultDir;
use crate::results::headline::{self, Headline};
use crate::results::manifest;
use crate::results::measures::{self, Measure};
use crate::results::trials::{self, PointResults, Results};
use anyhow::Result;
use std::path::{Path, PathBuf};

/// Everything the report draws, for one folder.
#[derive(Debug, Clone)]
pub struct Folder {
    pub dir: PathBuf,
    /// manifest.json's facts; all empty when it is missing or cannot be read
    /// ([`Folder::manifest_note`] says why).
    pub manifest: manifest::Shown,
    /// Why the manifest could not be used, if so.
    pub manifest_note: Option<String>,
    pub results: Results,
    /// The point whose weekly series, totals and events are drawn (0 without a sweep).
    pub point: usize,
    pub weekly: Weekly,
    /// `headline.csv`, when the folder has one (a run whose summaries were not written has
    /// not).
    pub headline: Option<Headline>,
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
    if !ResultDir::new(dir).trials_csv().is_file() {
        return Err(UserError(format!(
            "{} not found: {} is not a result folder; name a folder written by `livemarket run`",
            ResultDir::new(dir).trials_csv().display(),
            dir.display()
        ))
        .into());
    }
    let results = trials::read(dir)?;
    if results.points.iter().all(|p| p.series.is_empty()) {
        return Err(UserError(format!(
            "{} holds no trials yet; wait for the run to finish, or run it again with `livemarket run ... --force`",
            ResultDir::new(dir).trials_csv().display()
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
    let (manifest, manifest_note) = match manifest::read_shown(dir) {
        Ok(v) => (v, None),
        Err(note) => (manifest::Shown::default(), Some(note)),
    };
    if let Some(shard) = manifest.shard {
        return Err(UserError(format!(
            "{} holds shard {shard} of a run, without summaries; combine the shards with \
             `livemarket merge --out DIR SHARD...` and report the merged folder",
            dir.display(),
        ))
        .into());
    }
    let Some(weekly) = weekly::read(dir, results.is_sweep(), point)? else {
        return Err(UserError(format!(
            "{} holds neither trials.bin nor weekly.csv: its run did not finish, and its trial \
             data is gone; run it again",
            dir.display()
        ))
        .into());
    };
    let headline = if ResultDir::new(dir).headline_csv().is_file() {
        Some(headline::read(dir)?)
    } else {
        None
    };
    Ok(Folder {
        headline,
        dir: dir.to_path_buf(),
        manifest,
        manifest_note,
        results,
        point,
        weekly,
    })
}

/// What the scenario planned for one market, from the manifest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Launch {
    /// Launch date as written, if live shopping was planned.
    pub date: Option<String>,
    /// The gate market's country, if the launch was gated.
    pub gate: Option<String>,
    /// The planned close date as written, if the scenario closes live shopping on a date.
    pub close: Option<String>,
}

impl Folder {
    /// The planned launch of `platform` in `country`; None when the manifest cannot tell.
    pub fn launch(&self, country: &str, platform: &str) -> Option<Launch> {
        let scenario = self.planned()?;
        let platform = scenario.platforms.get(platform)?;
        let Some(market) = platform.markets.get(country) else {
            return Some(Launch::default());
        };
        let live = market.live.as_ref();
        Some(Launch {
            date: live.and_then(|l| l.launch.clone()),
            gate: live.and_then(|l| l.gate.as_ref()?.market.clone()),
            close: live.and_then(|l| l.close.clone()),
        })
    }

    /// What the scenario planned; None when the manifest does not say.
    pub fn planned(&self) -> Option<&manifest::Planned> {
        self.manifest.scenario.as_ref()
    }

    /// The group of the uncertain parameter `path` in the manifest's `[uncertain]` table;
    /// None when it has none (or the manifest does not say).
    pub fn uncertain_group(&self, path: &str) -> Option<String> {
        match self.planned()?.uncertain.get(path)? {
            manifest::PlannedUncertain::Parameter { group } => group.clone(),
            manifest::PlannedUncertain::Other(_) => None,
        }
    }

    /// Index of a measure of trials.csv.
    pub fn metric(&self, measure: &Measure) -> Option<usize> {
        self.results.metrics.iter().position(|m| m == measure.name)
    }
}

/// The measure the markets are ranked by.
pub const GMV: &Measure = measures::of(Metric::GmvUsd);

/// Values of measure `m` across the trials of series `s` (empty cells left out).
pub fn values(p: &PointResults, s: usize, m: usize) -> Vec<f64> {
    p.trials[s].values().filter_map(|(_, v)| v[m]).collect()
}
