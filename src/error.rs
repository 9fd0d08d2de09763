//! Mistakes a user can fix outside a scenario file: flags, paths to results, sweep values.
//! Like [`crate::scenario::ScenarioError`], they exit with status 2.

/// One or more problems, each line naming the flag, file or key and saying what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

impl UserError {
    /// Problems found together, one per line.
    pub fn lines(lines: Vec<String>) -> UserError {
        UserError(lines.join("\n"))
    }
}
