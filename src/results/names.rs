//! The name of every file and folder livemarket writes, each written once: a result folder's
//! (run, sweep, report, compare, export) and a calibration folder's. Every module that opens
//! or lists one of them names it by its constant here.

/// What was run and how far it got: [`super::manifest::Manifest`].
pub const MANIFEST_JSON: &str = "manifest.json";
/// One row per trial, series and measure column, streamed as trials finish.
pub const TRIALS_CSV: &str = "trials.csv";
/// Every trial's weekly series (`run --weekly-trials`).
pub const WEEKLY_TRIALS_CSV: &str = "weekly_trials.csv";
/// Every run's raw results ([`super::store`]).
pub const STORE: &str = "trials.bin";
/// Per series and measure: the distribution over trials.
pub const SUMMARY_CSV: &str = "summary.csv";
/// Per week, series and metric: the distribution over trials.
pub const WEEKLY_CSV: &str = "weekly.csv";
/// A sweep's points and their parameter values.
pub const POINTS_CSV: &str = "points.csv";
/// Every event of every run (openings, cancellations, closes, withdrawals, reviews,
/// campaigns) with the value that decided it.
pub const EVENTS_CSV: &str = "events.csv";
/// Every creator's end state in every run (`run --creators`).
pub const CREATORS_CSV: &str = "creators.csv";
/// Each run's drawn values of the scenario's `[uncertain]` parameters.
pub const DRAWS_CSV: &str = "draws.csv";
/// The report page (`report`, `run --report`).
pub const REPORT_HTML: &str = "report.html";
/// The report's folder of SVG charts.
pub const REPORT_DIR: &str = "report";
/// The file in a chart folder listing the charts the last page drew there, one name a line:
/// only those are ever removed, so a person's own `.svg` files beside them are safe.
pub const CHART_INDEX: &str = ".livemarket-charts";
/// The report workbook (`--xlsx`).
pub const REPORT_XLSX: &str = "report.xlsx";
/// `compare`'s table, in a sweep's folder (two folders: in the working folder).
pub const COMPARE_CSV: &str = "compare.csv";
/// `sensitivity`'s table.
pub const SENSITIVITY_CSV: &str = "sensitivity.csv";
/// `compare --xlsx`'s workbook beside compare.csv.
pub const COMPARE_XLSX: &str = "compare.xlsx";
/// `export --parquet`'s folder of one Parquet file per table.
pub const PARQUET_DIR: &str = "parquet";
/// A sweep's (or a run's) wide table of one measure (`livemarket table`).
pub const TABLE_CSV: &str = "table.csv";
/// The headline: the outcomes the scenario is about, per market (and per point of a sweep).
pub const HEADLINE_CSV: &str = "headline.csv";

/// A calibration folder's files (`livemarket calibrate`).
pub mod calibration {
    /// The checkpoint: every generation's particles, from which `--resume` continues.
    pub const CALIBRATION_JSON: &str = "calibration.json";
    /// One row per generation: tolerance, acceptance, effective sample size.
    pub const GENERATIONS_CSV: &str = "generations.csv";
    /// Every generation's particles with their weights and summaries.
    pub const PARTICLES_CSV: &str = "particles.csv";
    /// The last generation's particles, which `run --posterior` takes.
    pub const POSTERIOR_CSV: &str = "posterior.csv";
    /// The posterior predictive: the targets' quantities in runs of the posterior.
    pub const PREDICTIVE_CSV: &str = "predictive.csv";
    /// The calibration's page.
    pub const REPORT_HTML: &str = "report.html";
    /// `calibrate --prior-check`: each target's prior predictive range and the share of prior
    /// draws that meet it.
    pub const PRIOR_CHECK_CSV: &str = "prior-check.csv";
    /// What the calibration pinned: each factor's posterior 90% width over its prior's, the
    /// posterior correlations, each target's share of the final distance.
    pub const IDENTIFICATION_CSV: &str = "identification.csv";
    /// Where shards write their part of the next generation.
    pub const SHARDS_DIR: &str = "shards";
}
