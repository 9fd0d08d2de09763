//! `livemarket export DIR --parquet`: a result folder's CSV files as Parquet files (zstd),
//! one per table, with typed columns, for DuckDB, pandas, polars and R when a table is past
//! what a spreadsheet holds.
//!
//! Each column's type comes from what the column is, never from its cells, so the tables of
//! two runs stack: counts and indices INT64, money, shares and statistics DOUBLE, ISO dates
//! DATE, names UTF-8 (`Kind::of_column`); an empty cell is null. A value is
//! the number its CSV cell writes (either dialect), so a query over the Parquet file and one
//! over the CSV file give the same answer. Files go to `DIR/parquet/NAME.parquet`, each
//! written whole under a temporary name and renamed. Every trial's weekly values
//! (`weekly_trials`) come from `weekly_trials.csv`, or, when the run did not write it, from
//! `trials.bin` as `run --weekly-trials` would have written them.

use crate::error::UserError;
use crate::format::Dialect;
use crate::results::ResultDir;
use crate::results::{self, store, write_atomically};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The folder, inside the result folder, that holds the Parquet files.
pub use crate::results::PARQUET_DIR;

/// The tables exported, when the folder has them: every CSV file livemarket writes.
pub const TABLES: [&str; 10] = [
    results::TRIALS_CSV,
    results::SUMMARY_CSV,
    results::WEEKLY_CSV,
    results::WEEKLY_TRIALS_CSV,
    results::POINTS_CSV,
    results::COMPARE_CSV,
    results::SENSITIVITY_CSV,
    results::EVENTS_CSV,
    results::CREATORS_CSV,
    results::DRAWS_CSV,
];

/// Rows per row group: enough for zstd and column statistics to work well, few enough that
/// the values held at a time stay small (a few tens of MB for the widest table).
const ROW_GROUP: usize = 65_536;

/// One exported table.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub csv: PathBuf,
    pub parquet: PathBuf,
    pub rows: u64,
    pub bytes: u64,
}

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Double,
    Date,
    Text,
}

/// Columns that name things.
const TEXT: [&str; 13] = [
    "a",
    "b",
    "country",
    "platform",
    "metric",
    "measure",
    "market",
    "scope",
    "interval",
    "event",
    "home",
    "initial_home",
    "parameter",
];

/// Columns that count or index: whole numbers.
const WHOLE: [&str; 14] = [
    "point",
    "trial",
    "seed",
    "week",
    "n",
    "n_a",
    "n_b",
    "particle",
    "followers",
    "switches",
    "dormant_weeks",
    "dormant",
    "r",
    "trials",
];

/// Columns of ISO dates.
const DATES: [&str; 4] = [
    "date",
    "live_opened_date",
    "live_withdrawn_date",
    "live_closed_date",
];

impl Kind {
    /// A column's type from what the column is, never from the cells it holds, so that the
    /// tables of any two runs stack: names and labels are text, counts and indices whole
    /// numbers, dates dates; a measure or weekly metric takes its unit's (people and orders
    /// whole, money and shares decimal); a parameter path its key's type; every statistic
    /// (mean, p05, ks, ...) is decimal.
    fn of_column(name: &str) -> Kind {
        use crate::scenario::params::{self, Kind as Key};
        if TEXT.contains(&name) {
            return Kind::Text;
        }
        // `*_week` result columns are week numbers; a parameter path such as
        // `countries.GB.spend.sessions_per_week` is typed by its key below.
        if WHOLE.contains(&name) || (!name.contains('.') && name.ends_with("_week")) {
            return Kind::Int;
        }
        if DATES.contains(&name) {
            return Kind::Date;
        }
        let unit = crate::results::measures::find(name)
            .map(|m| m.unit)
            .or_else(|| {
                crate::model::Metric::ALL
                    .iter()
                    .find(|m| m.name() == name)
                    .map(|m| m.describe().unit)
            });
        if let Some(unit) = unit {
            return match unit {
                crate::format::Unit::Count => Kind::Int,
                _ => Kind::Double,
            };
        }
        if name.contains('.') {
            if name.starts_with(crate::sweep::UNCERTAIN_PREFIX) {
                return Kind::Double;
            }
            return match params::spec_of(name).map(|k| &k.kind) {
                Some(Key::Integer) => Kind::Int,
                Some(Key::Number) => Kind::Double,
                Some(Key::Date) => Kind::Date,
                _ => Kind::Text,
            };
        }
        Kind::Double
    }

    /// Whether a (non-empty, standard-dialect) cell is a value of this type.
    fn holds(self, cell: &str) -> bool {
        match self {
            Kind::Int => cell.parse::<i64>().is_ok(),
            Kind::Double => is_number(cell),
            Kind::Date => date(cell).is_some(),
            Kind::Text => true,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Int => "a whole number",
            Kind::Double => "a number",
            Kind::Date => "an ISO date",
            Kind::Text => "text",
        }
    }

    fn parquet(self, name: &str) -> String {
        match self {
            Kind::Int => format!("OPTIONAL INT64 {name};"),
            Kind::Double => format!("OPTIONAL DOUBLE {name};"),
            Kind::Date => format!("OPTIONAL INT32 {name} (DATE);"),
            Kind::Text => format!("OPTIONAL BYTE_ARRAY {name} (UTF8);"),
        }
    }
}

/// A plain decimal, as the result files write numbers (never `inf`, `NaN` or `1e6`).
fn is_number(cell: &str) -> bool {
    let t = cell.strip_prefix('-').unwrap_or(cell);
    !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && t.bytes().filter(|&b| b == b'.').count() <= 1
        && t.parse::<f64>().is_ok()
}

fn date(cell: &str) -> Option<NaiveDate> {
    (cell.len() == 10)
        .then(|| NaiveDate::parse_from_str(cell, "%Y-%m-%d").ok())
        .flatten()
}

/// Exports every table of [`TABLES`] that `dir` holds; an error when it holds none. A
/// Parquet file already in `parquet/` that no livemarket command recorded (the user's own)
/// is replaced only with `force`, and `parquet/` is never a link.
pub fn export_parquet(dir: &Path, force: bool) -> Result<Vec<Exported>> {
    let present: Vec<PathBuf> = TABLES
        .iter()
        .map(|t| dir.join(t))
        .filter(|p| p.is_file())
        .collect();
    if present.is_empty() {
        return Err(UserError(format!(
            "{} holds no result table ({}); name a folder written by `livemarket run`",
            dir.display(),
            TABLES.join(", ")
        ))
        .into());
    }
    // Held open: every table goes into this folder, even if a link replaces its name.
    let out = results::files::create_subfolder(&ResultDir::new(dir).parquet_dir())?;
    if !force {
        let stems = present
            .iter()
            .map(|csv| {
                csv.file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .chain(
                ResultDir::new(dir)
                    .store()
                    .is_file()
                    .then(|| "weekly_trials".to_string()),
            );
        let mut theirs: Vec<String> = stems
            .map(|stem| format!("{PARQUET_DIR}/{stem}.parquet"))
            .filter(|name| {
                std::fs::symlink_metadata(dir.join(name)).is_ok()
                    && !results::files::is_recorded(dir, name)
            })
            .collect();
        theirs.sort();
        theirs.dedup();
        if !theirs.is_empty() {
            return Err(UserError(format!(
                "{} holds {}, which no livemarket command recorded writing; move it, or pass \
                 --force to replace it",
                dir.display(),
                theirs.join(", ")
            ))
            .into());
        }
    }
    // Every input is read whole before anything is written, so a table that cannot be read
    // (a torn CSV, unreadable trial data) fails the export with `parquet/` as it was.
    for csv in &present {
        check_table(csv)?;
    }
    // Every trial's weekly values, from the trial data when the run did not write them as
    // CSV (run --weekly-trials): through a temporary CSV file, so both paths give one table.
    let mut rebuilt_tmp = None;
    if !ResultDir::new(dir).weekly_trials_csv().is_file() {
        let mut tmp = tempfile::Builder::new()
            .prefix(".weekly_trials.")
            .suffix(".csv.tmp")
            .tempfile_in(out.join(""))
            .with_context(|| format!("cannot write in {}", out.path().display()))?;
        let tmp_path = tmp.path().to_path_buf();
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        let rebuilt = weekly_trials_from_store(dir, &mut w)?;
        w.flush()
            .with_context(|| format!("cannot write {}", tmp_path.display()))?;
        drop(w);
        if rebuilt {
            rebuilt_tmp = Some(tmp);
        }
    }
    let mut written = present
        .iter()
        .map(|csv| {
            let stem = csv.file_stem().unwrap_or_default().to_string_lossy();
            let name = format!("{stem}.parquet");
            let rows = export_table(csv, &out.join(&name))?;
            let bytes = std::fs::metadata(out.join(&name)).map_or(0, |m| m.len());
            Ok(Exported {
                csv: csv.clone(),
                parquet: out.shown(&name),
                rows,
                bytes,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(tmp) = rebuilt_tmp {
        let name = "weekly_trials.parquet";
        let rows = export_table(tmp.path(), &out.join(name))?;
        written.push(Exported {
            csv: ResultDir::new(dir).store(),
            bytes: std::fs::metadata(out.join(name)).map_or(0, |m| m.len()),
            parquet: out.shown(name),
            rows,
        });
    }
    Ok(written)
}

/// Writes to `w` the `weekly_trials.csv` that `run --weekly-trials` would have written (in
/// the standard dialect), from the folder's trial data and the run its manifest records;
/// false, writing nothing, when the folder has no trial data or no manifest.
pub fn weekly_trials_from_store(dir: &Path, w: &mut impl Write) -> Result<bool> {
    let path = ResultDir::new(dir).store();
    let (Ok(recorded), true) = (results::manifest::read(dir), path.is_file()) else {
        return Ok(false);
    };
    let plan = crate::sweep::plan_recipe(&recorded.recipe).with_context(|| {
        format!(
            "cannot rebuild the run recorded in {}",
            ResultDir::new(dir).manifest_json().display()
        )
    })?;
    let Some(scan) = store::scan(&path, &plan.store_layout(&recorded.recipe))? else {
        return Ok(false);
    };
    let columns = crate::run::point_columns(&plan);
    let (names, prefixes) =
        results::point_prefixes(columns.as_ref(), plan.points.len(), Dialect::Standard);
    let file =
        std::fs::File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut csv = Dialect::Standard.writer(w);
    csv.write_record(results::weekly_trials_header(&names))?;
    for meta in &scan.records {
        let (Some(point), Some(prefix)) = (plan.points.get(meta.point), prefixes.get(meta.point))
        else {
            anyhow::bail!(
                "{}: run {} is of point {}, which the recorded run does not have; the folder is damaged",
                path.display(),
                meta.run,
                meta.point
            );
        };
        let r =
            store::read(&file, meta).with_context(|| format!("cannot read {}", path.display()))?;
        let r = results::measures::as_written(&r);
        for row in results::weekly_trials_rows(&point.world, prefix, &r, Dialect::Standard) {
            csv.write_record(&row)?;
        }
    }
    csv.flush()?;
    Ok(true)
}

/// Column names as Parquet takes them: the CSV header with anything but letters, digits
/// and `_` as `_` (a swept path `countries.GB.lapse` is `countries_GB_lapse`), unique.
fn column_names(header: &csv::StringRecord) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for h in header {
        let mut n: String = h
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if n.is_empty() || n.starts_with(|c: char| c.is_ascii_digit()) {
            n.insert(0, '_');
        }
        while names.contains(&n) {
            n.push('_');
        }
        names.push(n);
    }
    names
}

/// Writes one CSV file, already checked by [`check_table`], as a Parquet file; returns its
/// rows. Two passes: the first counts rows, the second writes row groups.
/// Reads a table whole, failing on a record it cannot read or a cell that is not of its
/// column's type ([`Kind::of_column`]), before any Parquet file is written.
fn check_table(csv_path: &Path) -> Result<()> {
    let read_err = || format!("cannot read {}", csv_path.display());
    let (mut rdr, dialect) = Dialect::reader(csv_path).with_context(read_err)?;
    let header = rdr.headers().with_context(read_err)?.clone();
    let kinds: Vec<Kind> = header.iter().map(Kind::of_column).collect();
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    while rdr.read_record(&mut record).with_context(read_err)? {
        for ((k, cell), column) in kinds.iter().zip(record.iter()).zip(&header) {
            let cell = dialect.standard(cell);
            if !cell.is_empty() && !k.holds(&cell) {
                return Err(UserError(format!(
                    "{}:{}: column `{column}` holds `{cell}`, which is not {}; the file was \
                     changed after livemarket wrote it: run `livemarket summarize` or the run \
                     again",
                    csv_path.display(),
                    rows + 2,
                    k.name()
                ))
                .into());
            }
        }
        rows += 1;
    }
    Ok(())
}

fn export_table(csv_path: &Path, path: &Path) -> Result<u64> {
    let read_err = || format!("cannot read {}", csv_path.display());
    let (mut rdr, dialect) = Dialect::reader(csv_path).with_context(read_err)?;
    let header = rdr.headers().with_context(read_err)?.clone();
    let names = column_names(&header);
    let kinds: Vec<Kind> = header.iter().map(Kind::of_column).collect();
    // check_table has read every cell against its column's type: this pass counts rows.
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    while rdr.read_record(&mut record).with_context(read_err)? {
        rows += 1;
    }
    let schema = format!(
        "message {} {{ {} }}",
        column_names(&csv::StringRecord::from(vec![
            path.file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string()
        ]))[0],
        names
            .iter()
            .zip(&kinds)
            .map(|(n, k)| k.parquet(n))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let schema = Arc::new(parse_message_type(&schema).context("building the Parquet schema")?);
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
            .build(),
    );
    let (mut rdr, _) = Dialect::reader(csv_path).with_context(read_err)?;
    write_atomically(path, |w| {
        let mut writer = SerializedFileWriter::new(w, schema, props)?;
        let mut group: Vec<csv::StringRecord> = Vec::with_capacity(ROW_GROUP);
        loop {
            let mut record = csv::StringRecord::new();
            let more = rdr.read_record(&mut record).with_context(read_err)?;
            if more {
                group.push(record);
            }
            if group.len() == ROW_GROUP || (!more && !group.is_empty()) {
                let mut rg = writer.next_row_group()?;
                let mut c = 0;
                while let Some(mut col) = rg.next_column()? {
                    let cells: Vec<std::borrow::Cow<str>> = group
                        .iter()
                        .map(|r| dialect.standard(r.get(c).unwrap_or("")))
                        .collect();
                    let def: Vec<i16> = cells.iter().map(|s| i16::from(!s.is_empty())).collect();
                    let present = cells.iter().filter(|s| !s.is_empty());
                    // Pass 1 checked every non-empty cell against its column's type.
                    match kinds[c] {
                        Kind::Int => {
                            let v: Vec<i64> = present.map(|s| s.parse().unwrap_or(0)).collect();
                            col.typed::<Int64Type>().write_batch(&v, Some(&def), None)?;
                        }
                        Kind::Double => {
                            let v: Vec<f64> = present.map(|s| s.parse().unwrap_or(0.0)).collect();
                            col.typed::<DoubleType>()
                                .write_batch(&v, Some(&def), None)?;
                        }
                        Kind::Date => {
                            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
                            let v: Vec<i32> = present
                                .map(|s| date(s).map_or(0, |d| (d - epoch).num_days() as i32))
                                .collect();
                            col.typed::<Int32Type>().write_batch(&v, Some(&def), None)?;
                        }
                        Kind::Text => {
                            let v: Vec<ByteArray> =
                                present.map(|s| ByteArray::from(s.as_ref())).collect();
                            col.typed::<ByteArrayType>()
                                .write_batch(&v, Some(&def), None)?;
                        }
                    }
                    col.close()?;
                    c += 1;
                }
                rg.close()?;
                group.clear();
            }
            if !more {
                break;
            }
        }
        writer.close()?;
        Ok(())
    })?;
    Ok(rows)
}

/// `livemarket export DIR --parquet`: the Parquet files written under the folder's read lock,
/// recorded as the folder's outputs, and listed.
pub fn command(dir: &Path, force: bool, quiet: bool) -> Result<()> {
    results::files::refuse_as_run_folder(dir)?;
    let _lock = crate::lock::hold(dir, crate::lock::Access::Read)?;
    let written = export_parquet(dir, force)?;
    for e in &written {
        results::record_output(&e.parquet)?;
    }
    if !quiet {
        for e in &written {
            println!(
                "{} ({} rows, {} bytes)",
                e.parquet.display(),
                e.rows,
                e.bytes
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_is_typed_by_what_it_is_and_its_names_are_sanitised() {
        for (column, kind) in [
            ("seed", Kind::Int),
            ("point", Kind::Int),
            ("users_end", Kind::Int),
            ("users", Kind::Int),
            ("live_opened_week", Kind::Int),
            ("gmv_usd", Kind::Double),
            ("poaching_usd", Kind::Double),
            ("discount_end", Kind::Double),
            ("live_withdrawn", Kind::Double),
            ("p05", Kind::Double),
            ("mean_a", Kind::Double),
            ("date", Kind::Date),
            ("live_opened_date", Kind::Date),
            ("country", Kind::Text),
            ("scope", Kind::Text),
            ("countries.GB.lapse", Kind::Double),
            ("countries.GB.agents", Kind::Int),
            ("countries.GB.spend.sessions_per_week", Kind::Double),
            ("countries.GB.diffusion.network", Kind::Text),
            ("uncertain.countries.GB.lapse.max", Kind::Double),
        ] {
            assert_eq!(Kind::of_column(column), kind, "{column}");
        }
        // A column's type does not bend to its cells: a count column refuses a decimal.
        assert!(Kind::Int.holds("-2") && !Kind::Int.holds("0.5"));
        assert!(
            Kind::Double.holds("0") && !Kind::Double.holds("1e5") && !Kind::Double.holds("inf")
        );
        assert!(Kind::Date.holds("2021-01-04") && !Kind::Date.holds("3"));
        assert_eq!(
            column_names(&csv::StringRecord::from(vec![
                "point",
                "countries.GB.lapse",
                "3x",
                "a-b",
                "a_b"
            ])),
            ["point", "countries_GB_lapse", "_3x", "a_b", "a_b_"]
        );
    }
}
