//! A result folder as a type: the path of each of its files by a method of its own, never a
//! name joined by hand.

use super::names::*;
use crate::error::UserError;
use std::path::{Path, PathBuf};

/// A result folder, as `run`, `merge` and every command that reads one name it.
#[derive(Debug, Clone, Copy)]
pub struct ResultDir<'a>(&'a Path);

/// One method per file of a result folder, each returning the file's path.
macro_rules! files {
    ($($method:ident => $name:ident, $what:literal;)*) => {
        impl ResultDir<'_> {
            $(
                #[doc = concat!("The folder's `", $what, "` ([`", stringify!($name), "`]).")]
                pub fn $method(self) -> PathBuf {
                    self.0.join($name)
                }
            )*
        }
    };
}

files! {
    manifest_json => MANIFEST_JSON, "manifest.json";
    trials_csv => TRIALS_CSV, "trials.csv";
    weekly_trials_csv => WEEKLY_TRIALS_CSV, "weekly_trials.csv";
    store => STORE, "trials.bin";
    summary_csv => SUMMARY_CSV, "summary.csv";
    weekly_csv => WEEKLY_CSV, "weekly.csv";
    points_csv => POINTS_CSV, "points.csv";
    events_csv => EVENTS_CSV, "events.csv";
    creators_csv => CREATORS_CSV, "creators.csv";
    draws_csv => DRAWS_CSV, "draws.csv";
    headline_csv => HEADLINE_CSV, "headline.csv";
    report_html => REPORT_HTML, "report.html";
    report_dir => REPORT_DIR, "report/";
    report_xlsx => REPORT_XLSX, "report.xlsx";
    compare_csv => COMPARE_CSV, "compare.csv";
    compare_xlsx => COMPARE_XLSX, "compare.xlsx";
    sensitivity_csv => SENSITIVITY_CSV, "sensitivity.csv";
    table_csv => TABLE_CSV, "table.csv";
    parquet_dir => PARQUET_DIR, "parquet/";
}

impl<'a> ResultDir<'a> {
    /// The result folder at `dir`.
    pub fn new(dir: &'a Path) -> ResultDir<'a> {
        ResultDir(dir)
    }

    /// A calibration folder's `prior-check.csv` ([`calibration::PRIOR_CHECK_CSV`]).
    pub fn prior_check_csv(self) -> PathBuf {
        self.0.join(calibration::PRIOR_CHECK_CSV)
    }

    /// A calibration folder's `identification.csv` ([`calibration::IDENTIFICATION_CSV`]).
    pub fn identification_csv(self) -> PathBuf {
        self.0.join(calibration::IDENTIFICATION_CSV)
    }

    /// Its `trials.bin`; an error saying what is missing when the file is gone. `needed_for`
    /// completes "the trial data every run writes, from which ...".
    pub fn existing_store(self, needed_for: &str) -> Result<PathBuf, UserError> {
        let store = self.store();
        if store.is_file() {
            return Ok(store);
        }
        Err(UserError(format!(
            "{} has no {STORE} (the trial data every run writes, from which {needed_for}): it \
             was removed or moved; put it back, or run the scenario again",
            self.0.display()
        )))
    }
}
