//! `manifest.json`: what was run, by which version, from which scenario text, and when.
//! [`Manifest`] is what a run writes; [`Recorded`] is what every command reads back, and
//! [`Shown`] ([`read_shown`]) what the report shows of it, every field optional.

use super::ResultDir;
use super::Status;
pub use super::files::sha256_hex;
use super::recipe::{Recipe, Shard};
use crate::error::UserError;
use crate::scenario::{Design, Scenario};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The record of one run.
#[derive(Debug, Serialize)]
pub struct Manifest<'a> {
    pub tool: &'static str,
    pub version: &'static str,
    pub scenario_name: &'a str,
    /// Path as given, or `<bundled baseline>`.
    pub scenario_file: &'a str,
    /// SHA-256 of the scenario text, hex.
    pub scenario_sha256: String,
    /// The scenario with every default filled in.
    pub scenario: &'a Scenario,
    pub seed: u64,
    pub first_trial: u64,
    pub trials: u64,
    /// Trials whose rows are in this folder's trials.csv (for a sweep: its runs / points).
    pub trials_done: u64,
    pub threads: usize,
    pub command_line: Vec<String>,
    /// RFC 3339, UTC.
    pub started: String,
    pub finished: Option<String>,
    /// How far the run got; a run killed outright stays [`Status::Running`].
    pub status: Status,
    /// `--set PATH=VALUE` overrides, as typed; left out when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    /// The sweep's design and progress; left out without a sweep. `trials` and
    /// `trials_done` then count trials at every point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepProgress<'a>>,
    /// The shard this folder holds; left out for a whole run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardProgress>,
    /// Runs whose rows and records are in this folder.
    pub runs_done: u64,
    /// The run `--resume` continued from; left out when the run was not resumed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_at_run: Option<u64>,
    /// The shard folders `merge` combined; left out otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// The scenario text and options, from which `--resume`, `summarize` and `merge` rebuild
    /// the run.
    pub recipe: &'a Recipe,
    /// The files this run writes into its folder (this one included): all that `--force`
    /// and every cleanup may remove, with the outputs later commands record beside them.
    pub files: Vec<&'static str>,
}

/// The design of a sweep, as recorded in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct SweepRecord {
    pub design: Design,
    /// Seed of the `lhs` and `random` draws.
    pub seed: u64,
    pub samples: Option<u32>,
    /// `morris`: one-at-a-time paths, and grid levels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trajectories: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub levels: Option<u32>,
    /// Swept parameter paths, in column order.
    pub parameters: Vec<String>,
    pub points: usize,
}

/// A sweep in the manifest.
#[derive(Debug, Serialize)]
pub struct SweepProgress<'a> {
    #[serde(flatten)]
    pub design: &'a SweepRecord,
    /// Points × trials.
    pub runs: u64,
    /// Runs whose rows are in this folder's trials.csv (trial-major, so trials are balanced
    /// across points).
    pub runs_done: u64,
}

/// Now, RFC 3339 in UTC, to the second.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A shard in the manifest.
#[derive(Debug, Serialize)]
pub struct ShardProgress {
    #[serde(flatten)]
    pub shard: Shard,
    /// Its runs: `first_run..end_run` of the whole run's runs.
    pub first_run: u64,
    pub end_run: u64,
}

/// What `--resume`, `summarize`, `merge`, `report` and `sensitivity` read back from a
/// manifest.
#[derive(Debug, Deserialize)]
pub struct Recorded {
    pub version: String,
    pub status: Status,
    /// Runs whose results were whole on disk when the manifest was last written.
    #[serde(default)]
    pub runs_done: u64,
    /// The shard folders a `merge` combined (or was combining); empty for a run.
    #[serde(default)]
    pub merged_from: Vec<String>,
    pub recipe: Recipe,
    /// The sweep's design; None without a sweep.
    #[serde(default)]
    pub sweep: Option<RecordedSweep>,
    /// The shard the folder holds; None for a whole run.
    #[serde(default)]
    pub shard: Option<Shard>,
    /// The files the run wrote; None in a manifest of a livemarket from before the list.
    #[serde(default)]
    pub files: Option<Vec<String>>,
}

/// The part of a manifest's sweep the analyses need.
#[derive(Debug, Deserialize)]
pub struct RecordedSweep {
    pub design: Design,
    /// `morris` grid levels.
    pub levels: Option<u32>,
    /// Swept parameter paths, in column order.
    pub parameters: Vec<String>,
}

/// Reads the manifest of a result folder.
pub fn read(dir: &Path) -> anyhow::Result<Recorded> {
    let path = ResultDir::new(dir).manifest_json();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(UserError(format!(
                "{} is not a livemarket result folder: it has no manifest.json",
                dir.display()
            ))
            .into());
        }
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("cannot read {}", path.display())));
        }
    };
    serde_json::from_str(&text).map_err(|e| {
        UserError(format!(
            "{}: {e}; it was not written by this version of livemarket (it needs a recipe), so \
             the run cannot be continued, summarised or merged: run it again",
            path.display()
        ))
        .into()
    })
}

/// Marks a folder's run complete, finished at `when` (for `summarize`, once an interrupted
/// run's summaries are written).
pub fn mark_complete(dir: &Path, when: String) -> anyhow::Result<()> {
    // Read typed first (a manifest this version wrote, with a recipe); then only the two
    // fields change, every other kept as written and in its order (a typed rewrite would
    // move them).
    read(dir)?;
    let path = ResultDir::new(dir).manifest_json();
    let text = std::fs::read_to_string(&path)?;
    let mut value: serde_json::Value = serde_json::from_str(&text)?;
    value["status"] = serde_json::to_value(Status::Complete)?;
    value["finished"] = when.into();
    crate::results::write_atomically(&path, |w| {
        serde_json::to_writer_pretty(&mut *w, &value)?;
        std::io::Write::write_all(w, b"\n")?;
        Ok(())
    })
}

/// What the report shows of a manifest: the run's facts and, of its scenario, what was
/// planned. Every field is optional, so a manifest that lacks one (a shard's, a damaged one's)
/// still shows the rest.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Shown {
    pub version: Option<String>,
    pub scenario_name: Option<String>,
    pub scenario_file: Option<String>,
    pub scenario_sha256: Option<String>,
    pub seed: Option<u64>,
    pub first_trial: Option<u64>,
    pub trials: Option<u64>,
    pub trials_done: Option<u64>,
    pub command_line: Vec<String>,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub status: Option<Status>,
    pub shard: Option<Shard>,
    pub sweep: Option<ShownSweep>,
    pub scenario: Option<Planned>,
}

/// A sweep as the report names it.
#[derive(Debug, Clone, Deserialize)]
pub struct ShownSweep {
    pub design: Design,
}

/// What the scenario planned, as the manifest records the resolved scenario.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Planned {
    pub description: Option<String>,
    /// The first week, as written (`2021-01-04`).
    pub start: Option<String>,
    pub weeks: Option<u32>,
    pub platforms: indexmap::IndexMap<String, PlannedPlatform>,
    /// The `[uncertain]` table: per parameter path, its group (the `posterior` key aside).
    pub uncertain: indexmap::IndexMap<String, PlannedUncertain>,
}

/// A platform's markets as planned.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlannedPlatform {
    pub markets: indexmap::IndexMap<String, PlannedMarket>,
}

/// A market's live shopping as planned.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlannedMarket {
    pub live: Option<PlannedLive>,
}

/// Live shopping's planned dates and gate.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlannedLive {
    pub launch: Option<String>,
    pub gate: Option<PlannedGate>,
    pub close: Option<String>,
}

/// The market whose GMV a launch waits for.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlannedGate {
    pub market: Option<String>,
}

/// An `[uncertain]` entry: a parameter's distribution (with its group), or the `posterior`
/// key's file name.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PlannedUncertain {
    Parameter {
        #[serde(default)]
        group: Option<String>,
    },
    Other(serde::de::IgnoredAny),
}

/// The manifest of a folder as the report shows it; or, when it is missing or not a
/// manifest, why the report must infer what was planned from the trials.
pub fn read_shown(dir: &Path) -> Result<Shown, String> {
    let path = ResultDir::new(dir).manifest_json();
    match std::fs::read_to_string(&path) {
        Err(_) => Err(format!(
            "{} not found: planned launches are inferred from the trials",
            path.display()
        )),
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            let what = if e.is_syntax() || e.is_eof() {
                "is not valid JSON"
            } else {
                "does not read as a manifest"
            };
            format!(
                "{} {what} ({e}): planned launches are inferred from the trials",
                path.display()
            )
        }),
    }
}
