//! Text tables for the terminal, in one place: `params`, `run --dry-run`, `check`, the
//! `compare` summary and the `sensitivity` ranking all print through [`Table`].
//!
//! A column is either as wide as its widest cell ([`Width::Auto`], with a minimum), or of a
//! fixed width that a longer cell overflows on its own row only ([`Width::Fixed`], as
//! `format!("{:>12}")` does), so a rare long value does not shift every other row.

use std::io::Write;

/// Where a cell sits in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// How wide a column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// The widest cell (header included), and at least `min`.
    Auto { min: usize },
    /// At least this; a longer cell overflows on its own row.
    Fixed(usize),
}

/// Columns, a gap between them, and rows of cells (the first row is usually the header).
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<(Align, Width)>,
    gap: &'static str,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table whose columns are `gap` apart.
    pub fn new(gap: &'static str) -> Table {
        Table {
            columns: Vec::new(),
            gap,
            rows: Vec::new(),
        }
    }

    /// Adds a column.
    pub fn column(mut self, align: Align, width: Width) -> Table {
        self.columns.push((align, width));
        self
    }

    /// Adds `n` columns alike.
    pub fn columns(mut self, n: usize, align: Align, width: Width) -> Table {
        self.columns.extend(std::iter::repeat_n((align, width), n));
        self
    }

    /// Adds a row; cells beyond the columns are left out, missing ones are empty.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// Writes every row, cells padded to their column, trailing blanks trimmed.
    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        let cell = |r: &Vec<String>, i: usize| r.get(i).map_or("", String::as_str).to_string();
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, w))| match *w {
                Width::Fixed(n) => n,
                Width::Auto { min } => self
                    .rows
                    .iter()
                    .map(|r| cell(r, i).chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(min),
            })
            .collect();
        for r in &self.rows {
            let line: Vec<String> = self
                .columns
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, ((align, _), &w))| match align {
                    Align::Left => format!("{:<w$}", cell(r, i)),
                    Align::Right => format!("{:>w$}", cell(r, i)),
                })
                .collect();
            writeln!(out, "{}", line.join(self.gap).trim_end())?;
        }
        Ok(())
    }
}

/// A header and rows, every column as wide as its widest cell, two spaces apart, text
/// left-aligned (`params`, the dry run's points).
pub fn left_aligned<R: AsRef<[String]>>(
    header: &[String],
    rows: &[R],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut t = Table::new("  ").columns(header.len(), Align::Left, Width::Auto { min: 0 });
    t.row(header.iter().cloned());
    for r in rows {
        t.row(r.as_ref().iter().cloned());
    }
    t.write(out)
}

/// Writes what `f` prints on stdout; a closed pipe (`livemarket check | head`) is not an
/// error.
pub fn print(
    f: impl FnOnce(&mut std::io::StdoutLock) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match f(&mut std::io::stdout().lock()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &Table) -> String {
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn auto_columns_fit_their_widest_cell_and_fixed_ones_overflow_one_row() {
        let mut t = Table::new("  ")
            .column(Align::Left, Width::Auto { min: 0 })
            .column(Align::Right, Width::Fixed(3));
        t.row(["a", "1"]);
        t.row(["long", "12345"]);
        t.row(["μ", ""]);
        assert_eq!(text(&t), "a       1\nlong  12345\nμ\n");
    }
}
