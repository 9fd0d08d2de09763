//! Numbers written for their reader, in one place: for spreadsheets (CSV cells: plain
//! decimals to the precision of their unit, [`written`], in a [`Dialect`]; text that cannot
//! run as a formula, [`neutralise`]),
//! for charts (`$1.2 bn`, `340 m`, `35%` by [`Unit`], and "nice" tick steps of 1, 2 or 5
//! times a power of ten), and for the terminal (four significant figures, durations).

use crate::num::Plain;
use serde::{Serialize, Serializer};
use std::fmt;

/// A number written in plain decimal notation; None is an empty cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub Option<f64>);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(x) => Plain(x).fmt(f),
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

/// Significant digits of shares, rates and plain values in result files. Six keep every
/// difference a model of this precision can mean, and a decimal of at most 15 significant
/// digits reads back as the same binary number in every spreadsheet.
pub const SIGNIFICANT_DIGITS: usize = 6;

/// `x` at the precision it is written in result files: US dollars to the cent, counts
/// (people, orders, creators) whole, anything else (shares, rates, weeks, statistics
/// without a unit) to [`SIGNIFICANT_DIGITS`] significant digits. -0 is 0.
///
/// Statistics are computed from these values, so a file's mean is the mean of the values
/// another file shows, and a column that is constant as written has exactly that mean.
pub fn written(x: f64, unit: Unit) -> f64 {
    if !x.is_finite() {
        return x;
    }
    // Rust's formatting rounds the exact binary value correctly; parsing the decimal back
    // gives the binary number nearest to it, the one a spreadsheet reads from the cell.
    let text = match unit {
        Unit::Usd => format!("{x:.2}"),
        Unit::Count => format!("{x:.0}"),
        Unit::Share | Unit::Plain => format!("{x:.*e}", SIGNIFICANT_DIGITS - 1),
    };
    // Adding 0.0 turns -0 into 0.
    text.parse::<f64>().map_or(x, |v| v + 0.0)
}

/// How a CSV file writes its separator and decimal mark.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Dialect {
    /// `,` between cells, `.` before decimals: English-language settings, R, pandas, DuckDB.
    #[default]
    Standard,
    /// `;` between cells, `,` before decimals: what a spreadsheet expects in German, French,
    /// Italian, Dutch, Spanish and most other European settings.
    DecimalComma,
}

impl Dialect {
    /// The name the `--csv-dialect` option takes.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Standard => "standard",
            Dialect::DecimalComma => "decimal-comma",
        }
    }

    /// Whether this is the default (left out of a manifest).
    pub fn is_standard(&self) -> bool {
        *self == Dialect::Standard
    }

    pub fn delimiter(self) -> u8 {
        match self {
            Dialect::Standard => b',',
            Dialect::DecimalComma => b';',
        }
    }

    /// A CSV writer of this dialect.
    pub fn writer<W: std::io::Write>(self, w: W) -> csv::Writer<W> {
        csv::WriterBuilder::new()
            .delimiter(self.delimiter())
            .from_writer(w)
    }

    /// A number cell: `x` as [`written`] for `unit`, in plain decimals (never `1e6`) with
    /// this dialect's decimal mark; None is an empty cell.
    pub fn num(self, x: Option<f64>, unit: Unit) -> String {
        match x {
            Some(x) => self.decimal(Num::from(written(x, unit)).to_string()),
            None => String::new(),
        }
    }

    /// A cell given as text (a swept parameter's value): a plain decimal number gets this
    /// dialect's decimal mark, anything else stays as it is.
    /// A cell of text read from a file or given by the user: a plain decimal in the
    /// dialect's form, anything else [`neutralise`]d.
    pub fn cell(self, text: &str) -> String {
        if is_plain_decimal(text, '.') {
            self.decimal(text.to_string())
        } else {
            neutralise(text).into_owned()
        }
    }

    fn decimal(self, s: String) -> String {
        match self {
            // In comma-decimal settings a point before exactly three digits is a thousands
            // separator (0.125 reads as 125). Four digits cannot be one: a file opened
            // there without the README's import settings shows text, not a number a
            // thousand times too large.
            Dialect::Standard if s.split_once('.').is_some_and(|(_, f)| f.len() == 3) => s + "0",
            Dialect::Standard => s,
            Dialect::DecimalComma => s.replace('.', ","),
        }
    }

    /// The dialect of a file whose header line (no numbers in it) is `line`: a `;` in it
    /// means [`Dialect::DecimalComma`]. Header names never hold `,` or `;`.
    pub fn of_header(line: &[u8]) -> Dialect {
        let line = line.split(|&b| b == b'\n').next().unwrap_or(b"");
        if line.contains(&b';') {
            Dialect::DecimalComma
        } else {
            Dialect::Standard
        }
    }

    /// The dialect of the CSV file at `path`, from its first line (Standard when it cannot
    /// be read: opening it again reports why).
    pub fn of_file(path: &std::path::Path) -> Dialect {
        use std::io::Read;
        let mut head = [0u8; 4096];
        let n = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .unwrap_or(0);
        Dialect::of_header(&head[..n])
    }

    /// A CSV reader of the file at `path` in its own dialect, and that dialect.
    pub fn reader(path: &std::path::Path) -> csv::Result<(csv::Reader<std::fs::File>, Dialect)> {
        let dialect = Dialect::of_file(path);
        let r = csv::ReaderBuilder::new()
            .delimiter(dialect.delimiter())
            .from_path(path)?;
        Ok((r, dialect))
    }

    /// A cell of a file of this dialect in the shortest plain decimal form (`0.125` for
    /// `0,125` and for the standard dialect's `0.1250`); other cells as they are.
    pub fn standard<'a>(self, cell: &'a str) -> std::borrow::Cow<'a, str> {
        match self {
            Dialect::DecimalComma if is_plain_decimal(cell, ',') => cell.replace(',', ".").into(),
            Dialect::Standard
                if is_plain_decimal(cell, '.')
                    && cell.ends_with('0')
                    && cell.split_once('.').is_some_and(|(_, f)| f.len() == 4) =>
            {
                cell[..cell.len() - 1].to_string().into()
            }
            _ => cell.into(),
        }
    }

    /// A number cell of a file of this dialect.
    pub fn parse(self, cell: &str) -> Option<f64> {
        self.standard(cell).parse::<f64>().ok()
    }
}

/// Whether `text` is an optional minus, digits, and optionally `mark` and digits.
fn is_plain_decimal(text: &str, mark: char) -> bool {
    let t = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match t.split_once(mark) {
        Some((i, f)) => (i, Some(f)),
        None => (t, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// Text for a CSV cell: the one function every table written from a user's or a file's text
/// goes through (folder names, countries and platforms read from trials.csv, target names,
/// parameter paths, swept values). One that starts like a formula (`=`, `+`, `-`, `@`, tab or carriage
/// return) gets a leading `'`, so a spreadsheet shows it as text instead of running it
/// (OWASP, "CSV Injection").
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// What a number counts, which decides how it is written (described with each metric in
/// the model crate).
pub use crate::model::Unit;

/// Word suffixes for thousands and up (short scale, as in finance).
const SCALES: [(f64, &str); 4] = [(1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")];

/// The scale (value, suffix) a magnitude is written in; (1, "") below a thousand.
fn scale_of(magnitude: f64) -> (f64, &'static str) {
    SCALES
        .iter()
        .copied()
        .find(|(s, _)| magnitude >= *s)
        .unwrap_or((1.0, ""))
}

/// `x` with `decimals` digits after the point, trailing zeros trimmed.
fn trimmed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".to_string() } else { s }
}

/// Joins sign, currency, digits and suffix: `−$1.2 bn`. The minus is U+2212.
fn assemble(negative: bool, unit: Unit, digits: &str, suffix: &str) -> String {
    let sign = if negative && digits != "0" {
        "\u{2212}"
    } else {
        ""
    };
    let cur = if unit == Unit::Usd { "$" } else { "" };
    let space = if suffix.is_empty() { "" } else { " " };
    format!("{sign}{cur}{digits}{space}{suffix}")
}

/// A value to three significant digits with a word suffix: `$1.23 bn`, `340 m`, `12.5 k`,
/// `950`, `0.35`, `35%`.
pub fn human(x: f64, unit: Unit) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    if unit == Unit::Share {
        return format!("{}%", trimmed(x * 100.0, if x.abs() < 0.1 { 1 } else { 0 }));
    }
    let a = x.abs();
    let (s, suffix) = if unit == Unit::Plain {
        (1.0, "")
    } else {
        scale_of(a)
    };
    let v = a / s;
    let decimals = if v == 0.0 {
        0
    } else {
        (2 - v.log10().floor() as i64).clamp(0, 6) as usize
    };
    // Rounding can carry into the next scale (999.7 k is 1 m).
    let digits = trimmed(v, decimals);
    if digits == "1000" && !suffix.is_empty() {
        return human(x.signum() * s * 1000.0, unit);
    }
    assemble(x < 0.0, unit, &digits, suffix)
}

/// Tick labels of evenly spaced ticks: one scale for all, enough decimals to tell
/// neighbours apart (`0`, `0.5 bn`, `1 bn`, `1.5 bn`).
pub fn tick_labels(ticks: &[f64], unit: Unit) -> Vec<String> {
    let step = if ticks.len() > 1 {
        (ticks[1] - ticks[0]).abs()
    } else {
        1.0
    };
    if unit == Unit::Share {
        let decimals = decimals_for(step * 100.0);
        return ticks
            .iter()
            .map(|t| format!("{}%", trimmed(t * 100.0, decimals)))
            .collect();
    }
    let top = ticks.iter().fold(0.0f64, |m, t| m.max(t.abs()));
    // Below ten thousand, whole numbers read better than fractions of a thousand (1,250
    // rather than 1.25 k).
    let (s, suffix) = if unit == Unit::Plain || top < 1e4 {
        (1.0, "")
    } else {
        scale_of(top)
    };
    let decimals = decimals_for(step / s);
    ticks
        .iter()
        .map(|&t| {
            let digits = thousands(&trimmed((t / s).abs(), decimals));
            let suffix = if digits == "0" { "" } else { suffix };
            assemble(t < 0.0, unit, &digits, suffix)
        })
        .collect()
}

/// A count for a message, with a comma between thousands: `1,048,576`.
pub fn grouped(n: u64) -> String {
    thousands(&n.to_string())
}

/// Digits with a comma between thousands: `12500.5` → `12,500.5`.
fn thousands(digits: &str) -> String {
    let (int, frac) = digits.split_at(digits.find('.').unwrap_or(digits.len()));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out + frac
}

/// Decimals needed to write multiples of `step` exactly (steps are 1, 2, 2.5 or 5 × 10^k).
fn decimals_for(step: f64) -> usize {
    if step <= 0.0 || !step.is_finite() {
        return 0;
    }
    let mut d = 0;
    while d < 8
        && ((step * 10f64.powi(d as i32)).round() - step * 10f64.powi(d as i32)).abs() > 1e-6
    {
        d += 1;
    }
    d
}

/// Evenly spaced ticks covering [lo, hi] with about `target` intervals; the step is 1, 2,
/// 2.5 or 5 times a power of ten and the ends are multiples of it.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let (mut lo, mut hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if !lo.is_finite() || !hi.is_finite() {
        return vec![0.0, 1.0];
    }
    if hi - lo < 1e-12 * hi.abs().max(lo.abs()).max(1e-300) {
        if hi == 0.0 {
            return vec![0.0, 1.0];
        }
        let pad = hi.abs() * 0.1;
        lo -= pad;
        hi += pad;
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    let first = (lo / step).floor() as i64;
    let last = (hi / step).ceil() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A number for a person: four significant figures, with k, M and bn for thousands,
/// millions and billions.
pub fn four_figures(x: Option<f64>) -> String {
    let Some(x) = x else {
        return String::new();
    };
    let a = x.abs();
    let (v, suffix) = if a >= 1e9 {
        (x / 1e9, "bn")
    } else if a >= 1e6 {
        (x / 1e6, "M")
    } else if a >= 1e4 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let digits = if v.abs() >= 1000.0 {
        0
    } else if v.abs() >= 100.0 {
        1
    } else if v.abs() >= 10.0 {
        2
    } else {
        3
    };
    let s = format!("{v:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        format!("{s}{suffix}")
    }
}

/// Seconds for a person: `12.5 s`, `3.2 min`, `1.5 h`.
pub fn duration(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
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
    fn numbers_are_written_to_the_precision_of_their_unit() {
        let std = Dialect::Standard;
        // Floating-point tails of sums and means go; dollars keep their cents.
        assert_eq!(
            std.num(Some(85_152_771.305_499_97), Unit::Usd),
            "85152771.31"
        );
        assert_eq!(std.num(Some(0.1 + 0.2), Unit::Usd), "0.3");
        assert_eq!(std.num(Some(155_133.333_333_333_37), Unit::Count), "155133");
        assert_eq!(std.num(Some(0.200_000_000_000_000_15), Unit::Share), "0.2");
        assert_eq!(std.num(Some(2.0 / 3.0), Unit::Share), "0.666667");
        // Never a point before exactly three digits (thousands in German settings).
        assert_eq!(std.num(Some(0.125), Unit::Share), "0.1250");
        assert_eq!(std.cell("-1.125"), "-1.1250");
        assert_eq!(std.standard("0.1250"), "0.125");
        assert_eq!(std.standard("0.25"), "0.25");
        assert_eq!(std.num(Some(1_234_567.0), Unit::Plain), "1234570");
        assert_eq!(std.num(Some(-0.000_001), Unit::Usd), "0");
        assert_eq!(std.num(Some(1e21), Unit::Count), "1000000000000000000000");
        assert_eq!(std.num(None, Unit::Usd), "");
        // What is written reads back as the value statistics are computed from.
        for x in [0.1 + 0.2, 84_703_363.515, 2.0 / 3.0, 1e-9, 0.125] {
            for unit in [Unit::Usd, Unit::Count, Unit::Share, Unit::Plain] {
                assert_eq!(std.num(Some(x), unit).parse::<f64>(), Ok(written(x, unit)));
            }
        }
    }

    #[test]
    fn the_decimal_comma_dialect_round_trips() {
        let d = Dialect::DecimalComma;
        assert_eq!(d.num(Some(-1234.5), Unit::Usd), "-1234,5");
        assert_eq!(d.cell("0.25"), "0,25");
        assert_eq!(d.cell("2026-01-05"), "2026-01-05");
        assert_eq!(d.cell("1.2.3"), "1.2.3");
        assert_eq!(d.parse("-1234,5"), Some(-1234.5));
        assert_eq!(d.standard("0,25"), "0.25");
        assert_eq!(d.standard("a,b"), "a,b");
        assert_eq!(Dialect::of_header(b"trial;seed\n1;2"), d);
        assert_eq!(Dialect::of_header(b"trial,seed\n1;2"), Dialect::Standard);
    }

    #[test]
    fn numbers_are_plain_decimals() {
        assert_eq!(Num::from(1e21).to_string(), "1000000000000000000000");
        assert_eq!(Num::from(1.5e-7).to_string(), "0.00000015");
        assert_eq!(Num::from(-0.0).to_string(), "0");
        assert_eq!(Num::from(3.0).to_string(), "3");
        assert_eq!(Num(None).to_string(), "");
    }

    #[test]
    fn values_read_with_word_suffixes() {
        assert_eq!(human(1.234e9, Unit::Usd), "$1.23 bn");
        assert_eq!(human(3.4e8, Unit::Count), "340 m");
        assert_eq!(human(12_500.0, Unit::Count), "12.5 k");
        assert_eq!(human(950.0, Unit::Count), "950");
        assert_eq!(human(-2.5e6, Unit::Usd), "\u{2212}$2.5 m");
        assert_eq!(human(999_960.0, Unit::Count), "1 m");
        assert_eq!(human(0.0, Unit::Usd), "$0");
        assert_eq!(human(0.354, Unit::Share), "35%");
        assert_eq!(human(0.025, Unit::Share), "2.5%");
        assert_eq!(human(0.25, Unit::Plain), "0.25");
    }

    #[test]
    fn ticks_are_nice_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 9.3, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(nice_ticks(0.0, 1.4e9, 5), vec![0.0, 5e8, 1e9, 1.5e9]);
        assert_eq!(nice_ticks(0.0, 0.0, 5), vec![0.0, 1.0]);
        let t = nice_ticks(-3.0, 7.0, 5);
        assert_eq!(t, vec![-4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0]);
    }

    #[test]
    fn tick_labels_share_one_scale() {
        let l = tick_labels(&[0.0, 5e8, 1e9, 1.5e9], Unit::Usd);
        assert_eq!(l, vec!["$0", "$0.5 bn", "$1 bn", "$1.5 bn"]);
        let l = tick_labels(&[0.0, 2.5e5, 5e5], Unit::Count);
        assert_eq!(l, vec!["0", "250 k", "500 k"]);
        let l = tick_labels(&[0.0, 0.25, 0.5], Unit::Share);
        assert_eq!(l, vec!["0%", "25%", "50%"]);
        let l = tick_labels(&[0.0, 250.0, 500.0, 750.0, 1000.0, 1250.0], Unit::Count);
        assert_eq!(l, vec!["0", "250", "500", "750", "1,000", "1,250"]);
        let l = tick_labels(&[0.0, 2500.0, 5000.0, 7500.0], Unit::Usd);
        assert_eq!(l, vec!["$0", "$2,500", "$5,000", "$7,500"]);
        let l = tick_labels(&[-1e6, 0.0, 1e6], Unit::Usd);
        assert_eq!(l, vec!["\u{2212}$1 m", "$0", "$1 m"]);
    }

    #[test]
    fn numbers_for_people_keep_four_figures() {
        assert_eq!(four_figures(Some(1_234_567.0)), "1.235M");
        assert_eq!(four_figures(Some(-25_000.0)), "-25k");
        assert_eq!(four_figures(Some(0.5)), "0.5");
        assert_eq!(four_figures(Some(123.456)), "123.5");
        assert_eq!(four_figures(Some(2.5e9)), "2.5bn");
        assert_eq!(four_figures(None), "");
    }
}
