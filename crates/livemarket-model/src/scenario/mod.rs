//! Scenario files: the TOML schema, loading with errors a person can act on, and validation.
//!
//! Loading splits into [`Scenario::from_path`] and [`Scenario::from_toml_str`], so tests never
//! need the disk; [`Scenario::compose`] reads a scenario that extends others through any
//! reader (the disk, or the texts a run recorded).

pub mod compose;
mod date;
mod error;
mod locate;
pub mod params;
mod schema;
pub mod uncertain;
mod validate;

pub use compose::{Composed, Origin, SourceFile};
pub use date::Date;
pub use error::{Problem, ScenarioError, line_col};
pub use locate::Spans;
pub use schema::*;
pub use uncertain::{Dist, Uncertain};

use std::path::Path;

/// A set of platforms, one bit each (a consumer's platforms, the live shops of a country).
pub type PlatformMask = u8;
/// Most platforms a scenario may hold: one bit each in a [`PlatformMask`]. Every
/// per-platform array and mask table in the model is sized from it.
pub const MAX_PLATFORMS: usize = PlatformMask::BITS as usize;

/// The bundled baseline scenario, compiled into the binary.
pub const BASELINE_TOML: &str = include_str!("../../../../scenarios/baseline.toml");
/// The name `livemarket` shows for the bundled baseline.
pub const BASELINE_NAME: &str = "baseline";

impl Scenario {
    /// Reads, parses and validates a scenario file.
    pub fn from_path(path: &Path) -> Result<(Scenario, String), ScenarioError> {
        let (scenario, composed) = Scenario::load(path)?;
        Ok((scenario, composed.files[0].text.clone()))
    }

    /// Reads a scenario file and the files it extends, and validates the merged scenario;
    /// its name defaults to the file name without `.toml` (a name is never inherited).
    pub fn load(path: &Path) -> Result<(Scenario, Composed), ScenarioError> {
        let file = path.display().to_string();
        let text = read_limited(path).map_err(|e| ScenarioError {
            file: file.clone(),
            problems: vec![Problem {
                file: None,
                at: None,
                message: format!(
                    "cannot read the scenario file: {}; check the path, or leave it out to run \
                     the bundled baseline",
                    io_reason(&e)
                ),
            }],
        })?;
        // A file called `...toml` has the stem `..`: no folder name at all.
        let default_name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| s != "." && s != "..");
        let (mut scenario, composed) = Scenario::compose(&file, &text, &mut compose::read_disk)?;
        if scenario.name.is_none() {
            scenario.name = default_name;
        }
        Ok((scenario, composed))
    }

    /// The bundled baseline.
    pub fn baseline() -> Scenario {
        let mut s = Scenario::from_toml_str(BASELINE_TOML, "<bundled baseline>")
            .expect("the bundled baseline is valid (tested)");
        s.name.get_or_insert_with(|| BASELINE_NAME.to_string());
        s
    }

    /// Parses and validates scenario text; `file` names it in messages and is where the
    /// files it `extends` are looked for.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        Ok(Scenario::compose(file, text, &mut compose::read_disk)?.0)
    }

    /// Reads scenario text and the files it extends (through `read`), merges them and
    /// validates the result; the [`Composed`] chain says where each value was written.
    pub fn compose(
        file: &str,
        text: &str,
        read: &mut compose::Reader<'_>,
    ) -> Result<(Scenario, Composed), ScenarioError> {
        let composed = compose::compose(file, text, read)?;
        if !composed.extends() {
            return Ok((Scenario::from_one_file(text, file)?, composed));
        }
        // The merged tree is read directly (keeping the order of its tables); when the schema
        // refuses it, it is read again as text, so serde's error comes with a place, which is
        // then mapped to the file that wrote the value.
        let scenario: Scenario = match toml::Value::Table(composed.tree.clone()).try_into() {
            Ok(s) => s,
            Err(direct) => {
                let resolved = toml::to_string(&composed.tree).expect("a TOML table serialises");
                let problem = match toml::from_str::<Scenario>(&resolved) {
                    Err(e) => resolved_problem(&composed, &resolved, &e),
                    Ok(_) => Problem {
                        file: None,
                        at: None,
                        message: schema_message(direct.message().trim(), "", ""),
                    },
                };
                return Err(ScenarioError {
                    file: file.to_string(),
                    problems: vec![problem],
                });
            }
        };
        let problems: Vec<Problem> = validate::validate(&scenario)
            .into_iter()
            .map(|(path, message)| placed(&composed, composed.locate(&path, false), message))
            .collect();
        if problems.is_empty() {
            Ok((scenario, composed))
        } else {
            Err(ScenarioError {
                file: file.to_string(),
                problems,
            })
        }
    }

    /// A scenario that extends none: errors are placed in its text directly.
    fn from_one_file(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| ScenarioError {
            file: file.to_string(),
            problems: vec![parse_problem(text, &e)],
        })?;
        let spans = Spans::parse(text);
        let problems: Vec<Problem> = validate::validate(&scenario)
            .into_iter()
            .map(|(path, message)| Problem {
                file: None,
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

/// The largest scenario file read: the baseline is about 25 KB, and parsing takes about a
/// hundred times a file's size in memory, so a 50 MB file would take gigabytes to reject.
pub const MAX_SCENARIO_BYTES: u64 = 4 << 20;

/// A scenario file's text, refused before it is read whole when larger than
/// [`MAX_SCENARIO_BYTES`] (read through a limit, so a file that grows, or a device, is cut
/// off too).
pub(crate) fn read_limited(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let too_large = || {
        std::io::Error::other(format!(
            "it is larger than {} MB, the most a scenario file may be",
            MAX_SCENARIO_BYTES >> 20
        ))
    };
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() > MAX_SCENARIO_BYTES {
        return Err(too_large());
    }
    let mut text = String::new();
    file.take(MAX_SCENARIO_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(too_large());
    }
    Ok(text)
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
    Problem {
        file: None,
        at,
        message,
    }
}

/// A schema error in the merged text of a chain, placed where the offending key or value was
/// written (in the scenario's own file or in one it extends).
fn resolved_problem(composed: &Composed, resolved: &str, e: &toml::de::Error) -> Problem {
    let message = parse_problem(resolved, e).message;
    let place = e.span().and_then(|s| {
        let (table, key) = locate::key_at(resolved, s.start);
        let mut path = table.clone();
        path.extend(key);
        let path = path.join(".");
        let on_value = Spans::parse(resolved)
            .value_span(&path)
            .is_some_and(|v| v.contains(&s.start));
        composed
            .locate(&path, !on_value)
            .or_else(|| composed.locate(&table.join("."), true))
    });
    placed(composed, place, message)
}

/// A problem at `place` (file index in the chain, line and column), if it has one; the
/// scenario's own file (index 0) is named by the error itself, a parent by the problem.
fn placed(composed: &Composed, place: Option<(usize, (usize, usize))>, message: String) -> Problem {
    Problem {
        file: place
            .filter(|&(k, _)| k > 0)
            .map(|(k, _)| composed.files[k].file.clone()),
        at: place.map(|(_, at)| at),
        message,
    }
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
