//! Numbers as spreadsheets read them: plain decimals, never exponent notation, nothing
//! rounded (Rust's shortest round-trip representation).

use serde::{Serialize, Serializer};
use std::fmt;

/// A number written in plain decimal notation; None is an empty cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub Option<f64>);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            // Rust's `Display` for f64 never uses an exponent. -0 reads as 0.
            Some(0.0) => f.write_str("0"),
            Some(x) => write!(f, "{x}"),
            None => Ok(()),
        }
    }
}

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl From<f64> for Num {
    fn from(x: f64) -> Self {
        Num(Some(x))
    }
}

/// Text for a CSV cell: one that starts like a formula (`=`, `+`, `-`, `@`, tab or carriage
/// return) gets a leading `'`, so a spreadsheet shows it as text instead of running it
/// (OWASP, "CSV Injection").
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_starts_like_a_formula_is_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("-cmd"), "'-cmd");
        assert_eq!(neutralise("random"), "random");
    }

    #[test]
    fn numbers_are_plain_decimals() {
        assert_eq!(Num::from(1e21).to_string(), "1000000000000000000000");
        assert_eq!(Num::from(1.5e-7).to_string(), "0.00000015");
        assert_eq!(Num::from(-0.0).to_string(), "0");
        assert_eq!(Num::from(3.0).to_string(), "3");
        assert_eq!(Num(None).to_string(), "");
    }
}
