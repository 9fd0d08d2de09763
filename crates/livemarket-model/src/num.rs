//! How a number is written as text, everywhere livemarket writes one: plain decimals, never
//! exponent notation, nothing rounded (Rust's shortest round-trip representation), and -0
//! as 0. In messages, [`Shown`] writes numbers from 1e21 up with an exponent, so `1e300` is
//! not a 301-digit line. Parameter listings, messages and result files all use this one rule, so a value
//! reads the same in `params`, in an error and in a CSV cell.

use std::fmt;

/// A number in plain decimal notation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plain(pub f64);

impl fmt::Display for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            // Rust's `Display` for f64 never uses an exponent. -0 reads as 0.
            0.0 => f.write_str("0"),
            x => write!(f, "{x}"),
        }
    }
}

/// A number in a message: [`Plain`], but from 1e21 up with an exponent (as JavaScript
/// writes numbers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shown(pub f64);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            x if x.abs() >= 1e21 => write!(f, "{x:e}"),
            x => Plain(x).fmt(f),
        }
    }
}
