//! Loading a scenario: a file, or text, and the files it extends, read through the schema
//! and validated, with every problem placed in the file that wrote the value. The top of the
//! scenario module: it uses the schema, composition and validation, and nothing below
//! imports it.

use super::bundled;
use super::compose::{self, Composed};
use super::error::{Problem, ScenarioError, line_col};
use super::locate::{self, Spans};
use super::names::schema_message;
use super::read::{io_reason, parse_problem, read_limited};
use super::schema::Scenario;
use super::validate;
use std::path::Path;

/// The bundled baseline scenario, compiled into the binary.
pub const BASELINE_TOML: &str = bundled::SCENARIOS[0].1;
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
    /// A path `bundled:NAME` reads the scenario of that name compiled in (as `extends` does).
    pub fn load(path: &Path) -> Result<(Scenario, Composed), ScenarioError> {
        let file = path.display().to_string();
        if let Some(name) = bundled::name_of(&file) {
            let text = bundled::text(&file).ok_or_else(|| ScenarioError {
                file: file.clone(),
                problems: vec![Problem {
                    file: None,
                    at: None,
                    message: bundled::not_found(&file).to_string(),
                }],
            })?;
            let name = name.to_string();
            let (mut scenario, composed) =
                Scenario::compose(&bundled::file(&name), text, &mut compose::read_disk)?;
            scenario.name.get_or_insert(name);
            return Ok((scenario, composed));
        }
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
