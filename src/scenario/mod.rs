//! Scenario files: the TOML schema, loading with errors a person can act on, and validation.
//!
//! Loading splits into [`Scenario::from_path`] and [`Scenario::from_toml_str`], so tests never
//! need the disk.

mod date;
mod error;
mod locate;
pub mod params;
mod schema;
mod validate;

pub use date::Date;
pub use error::{Problem, ScenarioError, line_col};
pub use locate::Spans;
pub use schema::*;

use std::path::Path;

/// The bundled baseline scenario, compiled into the binary.
pub const BASELINE_TOML: &str = include_str!("../../scenarios/baseline.toml");
/// The name `livemarket` shows for the bundled baseline.
pub const BASELINE_NAME: &str = "baseline";

impl Scenario {
    /// Reads, parses and validates a scenario file.
    pub fn from_path(path: &Path) -> Result<(Scenario, String), ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            file: file.clone(),
            problems: vec![Problem {
                at: None,
                message: format!(
                    "cannot read the scenario file: {}; check the path, or leave it out to run \
                     the bundled baseline",
                    io_reason(&e)
                ),
            }],
        })?;
        let default_name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let mut scenario = Scenario::from_toml_str(&text, &file)?;
        if scenario.name.is_none() {
            scenario.name = default_name;
        }
        Ok((scenario, text))
    }

    /// The bundled baseline.
    pub fn baseline() -> Scenario {
        let mut s = Scenario::from_toml_str(BASELINE_TOML, "<bundled baseline>")
            .expect("the bundled baseline is valid (tested)");
        s.name.get_or_insert_with(|| BASELINE_NAME.to_string());
        s
    }

    /// Parses and validates scenario text; `file` is only used in messages.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| ScenarioError {
            file: file.to_string(),
            problems: vec![parse_problem(text, &e)],
        })?;
        let spans = Spans::parse(text);
        let problems: Vec<Problem> = validate::validate(&scenario)
            .into_iter()
            .map(|(path, message)| Problem {
                at: spans.value_span(&path).map(|s| line_col(text, s.start)),
                message,
            })
            .collect();
        if problems.is_empty() {
            Ok(scenario)
        } else {
            Err(ScenarioError {
                file: file.to_string(),
                problems,
            })
        }
    }

    /// The name used for the default output folder.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or("scenario")
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// Turns a toml/serde error into one problem with a place and a fix.
fn parse_problem(text: &str, e: &toml::de::Error) -> Problem {
    let at = e.span().map(|s| line_col(text, s.start));
    let raw = e.message().trim().to_string();
    let (table, key) = e
        .span()
        .map(|s| locate::key_at(text, s.start))
        .unwrap_or_default();
    let within = if table.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in [{}]", table.join("."))
    };
    let full_key = || {
        let mut path = table.clone();
        path.extend(key.clone());
        path.join(".")
    };
    let message = if toml::de::DeTable::parse(text).is_err() {
        format!("invalid TOML: {raw}; fix the syntax on this line")
    } else {
        schema_message(&raw, &within, &full_key())
    };
    Problem { at, message }
}

/// Turns serde's message about a key (unknown, missing, wrong type or variant) into one that
/// names the key and says what to do. `within` reads `in [table]` or `at the top level`;
/// `full_key` is the dotted path of the value.
pub(crate) fn schema_message(raw: &str, within: &str, full_key: &str) -> String {
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let valid = expected_keys(expected);
        match nearest(key, &valid) {
            Some(best) => format!(
                "unknown key `{key}` {within}; did you mean `{best}`? (valid keys: {})",
                valid.join(", ")
            ),
            None => format!(
                "unknown key `{key}` {within}; valid keys: {}",
                valid.join(", ")
            ),
        }
    } else if let Some(rest) = raw.strip_prefix("unknown variant `") {
        let (word, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let valid = expected_keys(expected);
        let hint = nearest(word, &valid)
            .map(|b| format!("did you mean `{b}`? "))
            .unwrap_or_default();
        format!(
            "`{full_key}` cannot be `{word}`; {hint}use one of {}",
            quoted(&valid)
        )
    } else if let Some(rest) = raw.strip_prefix("missing field `") {
        let missing = rest.split('`').next().unwrap_or(rest);
        format!(
            "missing key `{missing}` {within}; add it (the README lists every key with its unit)"
        )
    } else {
        let plain = raw
            .replace("expected u64", "expected a whole number")
            .replace("expected u32", "expected a whole number")
            .replace("expected u16", "expected a whole number")
            .replace("expected f64", "expected a number");
        format!("`{full_key}`: {plain}")
    }
}

/// Parses serde's "expected one of `a`, `b`" or "expected `a`" into the names.
fn expected_keys(expected: &str) -> Vec<String> {
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Up to `n` valid names closest to `word`, closest first (Jaro-Winkler similarity; ties in
/// the order given).
pub fn nearest_many(word: &str, valid: &[String], n: usize) -> Vec<String> {
    let mut scored: Vec<(f64, usize)> = valid
        .iter()
        .enumerate()
        .map(|(i, v)| (strsim::jaro_winkler(word, v), i))
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(n)
        .map(|(_, i)| valid[i].clone())
        .collect()
}

/// The valid name closest to `word`, if any is close enough to be a likely misspelling.
pub fn nearest<'a>(word: &str, valid: &'a [String]) -> Option<&'a str> {
    valid
        .iter()
        .map(|v| (strsim::jaro_winkler(word, v), v))
        .filter(|(score, v)| *score >= 0.7 || strsim::levenshtein(word, v) <= 1)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| v.as_str())
}
