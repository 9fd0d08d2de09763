//! Numbers written for people: dollars to the cent, people whole, statistics that agree with
//! the values they summarise, one quantity printed one way in every file, seeds a
//! spreadsheet holds, and the decimal-comma dialect carrying the same numbers.

use crate::common::{SMALL, fails_in, livemarket, read, tempdir};
use std::collections::HashMap;
use std::path::Path;

/// A small two-point sweep with every trial's weekly rows, and its compare.csv.
fn sweep(dir: &Path, extra: &[&str]) {
    livemarket()
        .args(["run", SMALL, "--quiet", "--weekly-trials", "--trials", "6"])
        .args(["--vary", "countries.AA.lapse=0.1,0.3", "--out"])
        .arg(dir)
        .args(extra)
        .assert()
        .success();
    livemarket()
        .args(["compare", "--quiet"])
        .arg(dir)
        .assert()
        .success();
}

/// Header and rows of a CSV file (cells split on `sep`; these files quote nothing).
fn table(path: &Path, sep: char) -> (Vec<String>, Vec<Vec<String>>) {
    let text = read(path);
    let mut lines = text.lines();
    let split = |l: &str| l.split(sep).map(String::from).collect::<Vec<_>>();
    let header = split(lines.next().unwrap());
    (header, lines.map(split).collect())
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// Digits after the decimal point.
fn decimals(cell: &str) -> usize {
    cell.split_once('.').map_or(0, |(_, f)| f.len())
}

/// Significant digits of a plain decimal.
fn significant(cell: &str) -> usize {
    let digits: String = cell.chars().filter(char::is_ascii_digit).collect();
    let t = digits.trim_start_matches('0');
    let t = if cell.contains('.') {
        t
    } else {
        t.trim_end_matches('0')
    };
    t.len()
}

#[test]
fn money_is_to_the_cent_people_are_whole_and_shares_have_six_digits() {
    let tmp = tempdir();
    sweep(tmp.path(), &[]);
    let (header, rows) = table(&tmp.path().join("weekly_trials.csv"), ',');
    let mut checked = 0;
    for (c, name) in header.iter().enumerate().skip(col(&header, "platform") + 1) {
        for row in &rows {
            let cell = &row[c];
            match name.as_str() {
                n if n.ends_with("_usd") => assert!(decimals(cell) <= 2, "{n} {cell}"),
                "users" | "adopters" | "buyers" | "sessions" | "orders" | "creators"
                | "creators_streaming" | "creators_dormant" | "creators_won" | "creators_lost"
                | "creators_returned" | "category_adopters" => {
                    assert_eq!(decimals(cell), 0, "{name}")
                }
                _ => assert!(significant(cell) <= 6, "{name} {cell}"),
            }
            checked += 1;
        }
    }
    assert!(checked > 10_000, "{checked}");
    // Every number, seeds included, has at most 15 significant digits (what every
    // spreadsheet reads back exactly) and never exponent notation.
    for file in ["summary.csv", "weekly.csv", "compare.csv", "trials.csv"] {
        let (_, rows) = table(&tmp.path().join(file), ',');
        for cell in rows.iter().flatten() {
            if cell.parse::<f64>().is_ok() {
                assert!(
                    significant(cell) <= 15 && !cell.contains('e'),
                    "{file}: {cell}"
                );
            }
        }
    }
    // Seeds have at most 15 digits: a spreadsheet cell and a JSON number hold them exactly.
    let (header, rows) = table(&tmp.path().join("trials.csv"), ',');
    for row in &rows {
        let seed: u64 = row[col(&header, "seed")].parse().unwrap();
        assert!(seed < 10u64.pow(15), "{seed}");
    }
}

#[test]
fn statistics_agree_with_their_values_and_one_quantity_prints_one_way() {
    let tmp = tempdir();
    sweep(tmp.path(), &[]);
    let (h, rows) = table(&tmp.path().join("summary.csv"), ',');
    let num = |row: &Vec<String>, name: &str| row[col(&h, name)].parse::<f64>().unwrap();
    let mut means: HashMap<(String, String, String, String), (String, String)> = HashMap::new();
    let mut constant = 0;
    for row in &rows {
        let (mean, min, max) = (num(row, "mean"), num(row, "min"), num(row, "max"));
        assert!(min <= mean && mean <= max, "{row:?}");
        if min == max {
            // A constant column: its mean is that constant, written the same way.
            assert_eq!(row[col(&h, "mean")], row[col(&h, "min")], "{row:?}");
            assert_eq!(row[col(&h, "sd")], "0", "{row:?}");
            constant += 1;
        }
        let key = |c: &str| row[col(&h, c)].clone();
        means.insert(
            (key("point"), key("country"), key("platform"), key("metric")),
            (key("mean"), key("n")),
        );
    }
    assert!(
        constant > 0,
        "the small world has constant measures (users_end)"
    );
    // compare.csv's means are summary.csv's, character for character, where both count the
    // same trials.
    let (hc, rows) = table(&tmp.path().join("compare.csv"), ',');
    let mut same = 0;
    for row in &rows {
        let key = |point: &str| {
            (
                point.to_string(),
                row[col(&hc, "country")].clone(),
                row[col(&hc, "platform")].clone(),
                row[col(&hc, "metric")].clone(),
            )
        };
        for (point, mean, n) in [
            (row[col(&hc, "point")].as_str(), "mean_a", "n_a"),
            ("0", "mean_b", "n_b"),
        ] {
            let (m, count) = &means[&key(point)];
            if *count == row[col(&hc, n)] {
                assert_eq!(*m, row[col(&hc, mean)], "{point} {row:?}");
                same += 1;
            }
        }
    }
    assert!(same > 100, "{same}");
    // A trial's total is the sum of the weekly values as written (to the cent).
    let (ht, trials) = table(&tmp.path().join("trials.csv"), ',');
    let (hw, weekly) = table(&tmp.path().join("weekly_trials.csv"), ',');
    let first = &trials[0];
    let total: f64 = weekly
        .iter()
        .filter(|w| {
            ["point", "trial", "country", "platform"]
                .iter()
                .all(|c| w[col(&hw, c)] == first[col(&ht, c)])
        })
        .map(|w| w[col(&hw, "gmv_usd")].parse::<f64>().unwrap())
        .sum();
    let written: f64 = first[col(&ht, "gmv_usd")].parse().unwrap();
    assert!(written > 0.0);
    assert_eq!(format!("{total:.2}"), format!("{written:.2}"));
}

#[test]
fn the_decimal_comma_dialect_writes_the_same_numbers() {
    let tmp = tempdir();
    let (std, comma) = (tmp.path().join("std"), tmp.path().join("comma"));
    sweep(&std, &[]);
    sweep(&comma, &["--csv-dialect", "decimal-comma"]);
    for file in [
        "trials.csv",
        "weekly_trials.csv",
        "summary.csv",
        "weekly.csv",
        "points.csv",
        "compare.csv",
    ] {
        let a = read(&std.join(file));
        let b = read(&comma.join(file));
        // compare.csv names its folders.
        let a = a.replace(&std.display().to_string(), "DIR");
        let b = b.replace(&comma.display().to_string(), "DIR");
        assert!(b.contains(';'), "{file}");
        // Cell by cell: a decimal comma is a point, and the standard dialect's 0.1250 (never
        // a point before exactly three digits, see format::Dialect) is 0.125.
        let cells = |text: &str, sep: char| -> Vec<Vec<String>> {
            text.lines()
                .map(|l| {
                    l.split(sep)
                        .map(|c| {
                            let c = if c.parse::<f64>().is_err() {
                                c.replace(',', ".")
                            } else {
                                c.to_string()
                            };
                            match c.split_once('.') {
                                Some((_, f)) if f.len() == 4 && f.ends_with('0') => {
                                    c[..c.len() - 1].to_string()
                                }
                                _ => c,
                            }
                        })
                        .collect()
                })
                .collect()
        };
        let (a, back) = (cells(&a, ','), cells(&b, ';'));
        assert!(a == back, "{file} differs once commas are points");
    }
    // The commands that read a folder read either dialect: the report of a decimal-comma
    // folder is that of a standard one.
    for dir in [&std, &comma] {
        livemarket()
            .args(["report", "--quiet", "--xlsx", "--point", "1"])
            .arg(dir)
            .assert()
            .success();
    }
    // Everything but the times of the runs.
    let page = |dir: &Path| {
        read(&dir.join("report.html"))
            .replace(&dir.display().to_string(), "DIR")
            .lines()
            .filter(|l| !l.contains("<dt>written by</dt>"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(page(&std) == page(&comma), "the reports differ");
}

#[test]
fn the_row_counts_behind_the_spreadsheet_warning_are_those_written() {
    // The warning at the end of a run counts rows from the plan, without reading files that
    // may be many gigabytes: those counts must be the files' (summary.csv: at most).
    let tmp = tempdir();
    sweep(tmp.path(), &[]);
    let recorded = livemarket::results::manifest::read(tmp.path()).unwrap();
    let plan = livemarket::sweep::plan_recipe(&recorded.recipe).unwrap();
    let worlds: Vec<&livemarket::world::World> = plan.points.iter().map(|p| &p.world).collect();
    let rows = livemarket::results::csv_rows(&worlds, 6, true);
    assert_eq!(rows.len(), 5);
    for (file, n) in &rows {
        let lines = read(&tmp.path().join(file)).lines().count() as u64;
        if *file == "summary.csv" {
            // Only live_opened_week and live_withdrawn_week can be undefined in every trial:
            // at most 2 rows short per market (7) and point (2).
            assert!(
                lines <= *n && lines + 2 * 7 * 2 >= *n,
                "{file}: {lines} of {n}"
            );
        } else {
            assert_eq!(lines, *n, "{file}");
        }
    }
    assert_eq!(
        livemarket::results::row_limit_warning(tmp.path(), &rows),
        None
    );
    let big = [("weekly.csv", 1_048_577), ("trials.csv", 1_048_576)];
    let w = livemarket::results::row_limit_warning(Path::new("out"), &big).unwrap();
    assert!(
        w.starts_with("warning: out/weekly.csv (1,048,577 rows) has more rows than"),
        "{w}"
    );
    assert!(!w.contains("trials.csv") && w.contains("DuckDB"), "{w}");
    assert!(w.contains("`livemarket export out --parquet`"), "{w}");
}

#[test]
fn export_writes_one_parquet_file_per_table() {
    // .ci/parquet-test reads them back with DuckDB and compares every value; here, that
    // each table present becomes a Parquet file and a folder without tables is an error.
    let tmp = tempdir();
    sweep(tmp.path(), &[]);
    livemarket()
        .args(["export", "--quiet", "--parquet"])
        .arg(tmp.path())
        .assert()
        .success()
        .stdout("");
    for table in [
        "trials",
        "summary",
        "weekly",
        "weekly_trials",
        "points",
        "compare",
    ] {
        let bytes = std::fs::read(tmp.path().join(format!("parquet/{table}.parquet"))).unwrap();
        assert!(
            bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
            "{table}"
        );
    }
    let empty = tempdir();
    livemarket()
        .args(["export", "--parquet"])
        .arg(empty.path())
        .assert()
        .failure()
        .stderr(predicates::str::contains("holds no result table"));
}

#[test]
fn export_refuses_a_cell_that_is_not_of_its_columns_type_and_writes_nothing() {
    // Types come from what a column is: a hand-edited count is an error naming the cell,
    // and the Parquet files of the last export stay as they were.
    let tmp = tempdir();
    sweep(tmp.path(), &[]);
    livemarket()
        .args(["export", "--quiet", "--parquet"])
        .arg(tmp.path())
        .assert()
        .success();
    let before = std::fs::read(tmp.path().join("parquet/trials.parquet")).unwrap();
    let path = tmp.path().join("summary.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let header = text.lines().next().unwrap();
    let n = header.split(',').position(|c| c == "n").unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cells: Vec<&str> = lines[1].split(',').collect();
    cells[n] = "2.5";
    lines[1] = cells.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    fails_in(
        livemarket()
            .args(["export", "--quiet", "--parquet"])
            .arg(tmp.path()),
        &format!(
            "{}:2: column `n` holds `2.5`, which is not a whole number; the file was changed \
             after livemarket wrote it: run `livemarket summarize` or the run again",
            path.display()
        ),
    );
    assert_eq!(
        std::fs::read(tmp.path().join("parquet/trials.parquet")).unwrap(),
        before
    );
}

#[test]
fn weekly_trials_rebuilt_from_the_trial_data_are_the_file_run_writes() {
    // export takes every trial's weekly values from trials.bin when the run did not write
    // weekly_trials.csv: the rows must be those `run --weekly-trials` writes, byte for byte.
    let tmp = tempdir();
    sweep(tmp.path(), &[]);
    let mut rebuilt = Vec::new();
    assert!(livemarket::export::weekly_trials_from_store(tmp.path(), &mut rebuilt).unwrap());
    let written = std::fs::read(tmp.path().join("weekly_trials.csv")).unwrap();
    assert!(written.len() > 100_000);
    assert!(rebuilt == written, "the rebuilt rows differ");
    // Without the CSV file, export still writes the table.
    std::fs::remove_file(tmp.path().join("weekly_trials.csv")).unwrap();
    livemarket()
        .args(["export", "--quiet", "--parquet"])
        .arg(tmp.path())
        .assert()
        .success();
    assert!(tmp.path().join("parquet/weekly_trials.parquet").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path().join("parquet"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn sampled_sweep_values_have_six_significant_digits() {
    // An LHS or random design draws values from a range: they are rounded before they are
    // run, so points.csv shows the value run, which a spreadsheet keeps whole.
    let tmp = tempdir();
    livemarket()
        .args(["run", SMALL, "--quiet", "--trials", "1", "--design", "lhs"])
        .args([
            "--samples",
            "20",
            "--vary",
            "countries.AA.lapse=0.1..0.3",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let (header, rows) = table(&tmp.path().join("points.csv"), ',');
    let c = col(&header, "countries.AA.lapse");
    assert_eq!(rows.len(), 20);
    for row in &rows {
        let v: f64 = row[c].parse().unwrap();
        assert!(
            (0.1..=0.3).contains(&v) && significant(&row[c]) <= 6,
            "{}",
            row[c]
        );
    }
}
