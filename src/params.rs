//! `livemarket params`: every parameter path of a scenario with its value, type and unit,
//! and (`--diff`) the parameters whose values differ between two scenarios.

use livemarket::scenario::Scenario;
use livemarket::scenario::params::{self, show};
use livemarket::scenario::uncertain;
use livemarket::table;
use std::io::Write;

/// Every parameter path with its value, type and unit, aligned in columns.
pub fn print(s: &Scenario, out: &mut impl Write) -> std::io::Result<()> {
    let rows: Vec<[String; 4]> = params::params(s)
        .into_iter()
        .map(|p| {
            let value = cell(&p.value);
            [p.path, value, p.kind.to_string(), p.unit.to_string()]
        })
        .collect();
    table::left_aligned(
        &["path", "value", "type", "unit"].map(String::from),
        &rows,
        out,
    )?;
    uncertain(s, out)
}

/// The `[uncertain]` table: each parameter's distribution, the range its draws are cut to,
/// and its group; nothing when the scenario has none.
pub fn uncertain(s: &Scenario, out: &mut impl Write) -> std::io::Result<()> {
    if s.uncertain.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nuncertain: each trial draws its own value of {} parameter(s), replacing the value \
         above",
        s.uncertain.len()
    )?;
    let rows: Vec<[String; 4]> = s
        .uncertain
        .iter()
        .map(|(path, u)| {
            let bounds = uncertain::bounds_of(path).map_or_else(|e| e, |b| b.to_string());
            [
                path.clone(),
                u.dist.to_string(),
                bounds,
                u.group.clone().unwrap_or_else(|| "-".to_string()),
            ]
        })
        .collect();
    table::left_aligned(
        &["path", "distribution", "truncated to", "group"].map(String::from),
        &rows,
        out,
    )
}

/// Every parameter whose value differs between scenarios `a` and `b`, with both values.
pub fn diff(
    a: &str,
    b: &str,
    diffs: &[params::Difference],
    out: &mut impl Write,
) -> std::io::Result<()> {
    if diffs.is_empty() {
        return writeln!(out, "{a} and {b} resolve to the same parameters");
    }
    let rows: Vec<[String; 3]> = diffs
        .iter()
        .map(|d| [d.path.clone(), cell(&d.a), cell(&d.b)])
        .collect();
    table::left_aligned(
        &["path".to_string(), a.to_string(), b.to_string()],
        &rows,
        out,
    )
}

/// A value in a table cell: one line, at most 40 characters, `(unset)` when absent.
pub fn cell(v: &Option<toml::Value>) -> String {
    v.as_ref().map_or("(unset)".to_string(), |v| {
        let text = show(v).replace('\n', " ");
        if text.chars().count() > 40 {
            format!("{}...", text.chars().take(37).collect::<String>())
        } else {
            text
        }
    })
}
