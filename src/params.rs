//! `livemarket params`: every parameter path of a scenario with its value, type and unit.

use livemarket::scenario::Scenario;
use livemarket::scenario::params::{self, show};
use livemarket::table;
use std::io::Write;

/// Every parameter path with its value, type and unit, aligned in columns.
pub fn print(s: &Scenario, out: &mut impl Write) -> std::io::Result<()> {
    let rows: Vec<[String; 4]> = params::params(s)
        .into_iter()
        .map(|p| {
            let value = p.value.as_ref().map_or("(unset)".to_string(), |v| {
                let text = show(v).replace('\n', " ");
                if text.chars().count() > 40 {
                    format!("{}...", text.chars().take(37).collect::<String>())
                } else {
                    text
                }
            });
            [p.path, value, p.kind.to_string(), p.unit.to_string()]
        })
        .collect();
    table::left_aligned(
        &["path", "value", "type", "unit"].map(String::from),
        &rows,
        out,
    )
}
