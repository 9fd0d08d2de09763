//! `manifest.json`: what was run, by which version, from which scenario text, and when.

use crate::scenario::Scenario;
use crate::sweep::SweepRecord;
use serde::Serialize;
use sha2::{Digest, Sha256};

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
    /// Trials whose rows are in trials.csv.
    pub trials_done: u64,
    pub threads: usize,
    pub command_line: Vec<String>,
    /// RFC 3339, UTC.
    pub started: String,
    pub finished: Option<String>,
    /// `running`, `complete` or `failed`.
    pub status: &'static str,
    /// `--set PATH=VALUE` overrides, as typed; left out when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    /// The sweep's design and progress; left out without a sweep. `trials` and
    /// `trials_done` then count trials at every point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepProgress<'a>>,
}

/// A sweep in the manifest.
#[derive(Debug, Serialize)]
pub struct SweepProgress<'a> {
    #[serde(flatten)]
    pub design: &'a SweepRecord,
    /// Points × trials.
    pub runs: u64,
    /// Runs whose rows are in trials.csv (trial-major, so trials are balanced across points).
    pub runs_done: u64,
}

/// Hex SHA-256 of a text.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Now, RFC 3339 in UTC, to the second.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
