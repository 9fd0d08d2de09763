//! `livemarket report`, `run --report`, `--xlsx` and `compare --report`, through the real
//! binary on the small scenario.

use crate::common::{SMALL, livemarket, read, tempdir};
use calamine::{Data, Reader, Xlsx, open_workbook};
use std::fs;
use std::path::Path;

/// Runs the small scenario quietly into `dir` (4 trials) with `extra` arguments.
fn run(dir: &Path, extra: &[&str]) {
    livemarket()
        .args(["run", SMALL, "--quiet", "--trials", "4", "--out"])
        .arg(dir)
        .args(extra)
        .assert()
        .success()
        .stdout("");
}

/// `livemarket report DIR` with `extra` arguments; it must succeed.
fn report(dir: &Path, extra: &[&str]) -> String {
    let out = livemarket()
        .arg("report")
        .arg(dir)
        .args(extra)
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// Anything a browser would fetch, or run.
const EXTERNAL: [&str; 8] = [
    "http:", "https:", "//", "src=", "url(", "@import", "<script", "<link",
];

/// The page fetches nothing; every inline chart carries data; every chart the page links
/// is a standalone SVG file, and the folder holds no other. Returns the charts' names.
fn check_page(html: &str, svg_dir: &Path) -> Vec<String> {
    let lower = html.to_lowercase();
    for bad in EXTERNAL {
        assert!(!lower.contains(bad), "the page contains `{bad}`");
    }
    let charts: Vec<&str> = html.split("<svg ").skip(1).collect();
    assert!(!charts.is_empty(), "no charts");
    for c in &charts {
        let n: usize = c
            .split("data-points=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("a chart without data-points: {}", &c[..80]));
        assert!(n > 0, "a chart with no data: {}", &c[..200]);
    }
    let names: Vec<String> = html
        .split("<figcaption><a href=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), charts.len(), "every chart links its SVG file");
    for href in &names {
        let file = svg_dir.parent().unwrap().join(href);
        let text = read(&file);
        assert!(
            text.starts_with("<?xml") && text.contains("<svg xmlns="),
            "{href}"
        );
        assert!(text.contains("data-points=\""), "{href}");
    }
    let files = fs::read_dir(svg_dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "svg")
        })
        .count();
    assert_eq!(files, names.len(), "one SVG file per chart and no other");
    names
}

#[test]
fn report_of_a_run_is_one_self_contained_page_with_every_chart_as_svg() {
    let tmp = tempdir();
    run(tmp.path(), &["--weekly-trials"]);
    let stdout = report(tmp.path(), &[]);
    assert!(
        stdout.starts_with("report: ") && stdout.contains("report.html"),
        "{stdout}"
    );
    let html = read(&tmp.path().join("report.html"));
    let names = check_page(&html, &tmp.path().join("report"));
    for expected in [
        "report/weekly-gmv_usd-AA-alpha.svg",
        "report/weekly-adopters-AA-alpha.svg",
        "report/weekly-creators_streaming-AA-alpha.svg",
        "report/weekly-gmv_usd-ALL-alpha.svg",
        "report/totals-gmv_usd.svg",
        "report/events.svg",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing");
    }
    // Gamma never opens live shopping in AA: its GMV is zero everywhere, so not drawn.
    assert!(
        !names
            .iter()
            .any(|n| n == "report/weekly-gmv_usd-AA-gamma.svg")
    );
    // With every trial's weekly values there are two bands and a median line.
    let fan = read(&tmp.path().join("report/weekly-gmv_usd-AA-alpha.svg"));
    assert_eq!(
        fan.matches("fill-opacity").count(),
        2 + 2,
        "two bands, two legend keys"
    );
    assert!(!html.contains("needs every trial"));
    // The gated launch of alpha in CC (gate 1e9 USD) is cancelled in every trial.
    let events = read(&tmp.path().join("report/events.svg"));
    assert!(events.contains("CC alpha · 2021-06-07 · gated on BB"));
    assert!(html.contains("No live launch planned in: AA gamma"));
}

#[test]
fn fan_charts_from_the_trial_data_equal_those_from_weekly_trials_csv() {
    // trials.bin (every run) against weekly_trials.csv (with --weekly-trials): the same
    // values, so the same page; the fast binary path checked against the simple text one.
    let tmp = tempdir();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for dir in [&a, &b] {
        run(
            dir,
            &["--weekly-trials", "--vary", "countries.AA.lapse=0.1,0.3"],
        );
    }
    fs::copy(a.join("manifest.json"), b.join("manifest.json")).unwrap();
    fs::remove_file(b.join("trials.bin")).unwrap();
    for dir in [&a, &b] {
        report(dir, &["--quiet", "--point", "1"]);
    }
    let page =
        |dir: &Path| read(&dir.join("report.html")).replace(&dir.display().to_string(), "DIR");
    assert!(page(&a) == page(&b), "the pages differ");
}

#[test]
fn without_trials_bin_the_50_percent_band_comes_from_weekly_csv() {
    // weekly.csv has p25 and p75: a folder without its trial data still draws both bands,
    // the same as from every trial's values.
    let tmp = tempdir();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for dir in [&a, &b] {
        run(dir, &[]);
    }
    fs::copy(a.join("manifest.json"), b.join("manifest.json")).unwrap();
    fs::remove_file(b.join("trials.bin")).unwrap();
    for dir in [&a, &b] {
        report(dir, &["--quiet"]);
    }
    let fan = |dir: &Path| read(&dir.join("report/weekly-gmv_usd-AA-alpha.svg"));
    assert_eq!(
        fan(&b).matches("fill-opacity").count(),
        2 + 2,
        "two bands, two keys"
    );
    assert!(fan(&a) == fan(&b), "the fans differ");
    assert!(!read(&b.join("report.html")).contains("The 50% bands need"));
}

#[test]
fn report_of_a_sweep_draws_outcomes_against_each_swept_parameter() {
    let tmp = tempdir();
    run(
        tmp.path(),
        &[
            "--vary",
            "countries.AA.live_affinity.mean=0.3,0.6",
            "--vary",
            "platforms.alpha.markets.BB.exit.patience_weeks=2,40",
        ],
    );
    report(tmp.path(), &["--point", "3"]);
    let html = read(&tmp.path().join("report.html"));
    let names = check_page(&html, &tmp.path().join("report"));
    assert!(html.contains("Total GMV against each swept parameter"));
    for p in [
        "countries.AA.live_affinity.mean",
        "platforms.alpha.markets.BB.exit.patience_weeks",
    ] {
        let name = format!("report/sweep-gmv_usd-AA-alpha-vs-{p}.svg");
        assert!(names.contains(&name), "{name} missing");
        let svg = read(&tmp.path().join(&name));
        assert!(
            svg.contains("data-points=\"16\""),
            "4 points of 4 trials: {name}"
        );
    }
    assert!(names.contains(&"report/points-gmv_usd-AA-alpha.svg".to_string()));
    // The points and their values label the per-point rows.
    let by_point = read(&tmp.path().join("report/points-gmv_usd-AA-alpha.svg"));
    assert!(by_point.contains("#3  0.6, 40"), "{by_point}");
    assert!(html.contains("point drawn</dt><dd>3 (countries.AA.live_affinity.mean = 0.6"));
}

#[test]
fn a_missing_or_unfinished_folder_is_a_clear_error() {
    let tmp = tempdir();
    let missing = tmp.path().join("nope");
    livemarket()
        .arg("report")
        .arg(&missing)
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "error: {} is not a folder; name a result folder written by `livemarket run` (e.g. results/baseline)\n",
            missing.display()
        ));
    livemarket()
        .arg("report")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(format!(
            "error: {} not found: {} is not a result folder; name a folder written by `livemarket run`\n",
            tmp.path().join("trials.csv").display(),
            tmp.path().display()
        ));
    run(tmp.path(), &[]);
    // Without summaries, the trial data still draws the run so far.
    fs::remove_file(tmp.path().join("weekly.csv")).unwrap();
    report(tmp.path(), &["--quiet"]);
    fs::remove_file(tmp.path().join("report.html")).unwrap();
    // Without either (an unfinished run whose trial data was removed), nothing can be drawn.
    fs::remove_file(tmp.path().join("trials.bin")).unwrap();
    livemarket()
        .arg("report")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(format!(
            "error: {} holds neither trials.bin nor weekly.csv: its run did not finish, and its trial data is gone; run it again\n",
            tmp.path().display()
        ));
    livemarket()
        .args(["report", "--point", "1"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(format!(
            "error: --point: {} is not a sweep, so it has no points; drop --point\n",
            tmp.path().display()
        ));
    assert!(!tmp.path().join("report.html").exists());
}

#[test]
fn a_shard_has_no_report_until_the_shards_are_merged() {
    let tmp = tempdir();
    livemarket()
        .args([
            "run", SMALL, "-q", "--trials", "4", "--shard", "1/2", "--report", "--out",
        ])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "error: the argument '--shard <K/N>' cannot be used with '--report'",
        ));
    run(tmp.path(), &["--shard", "1/2"]);
    livemarket()
        .arg("report")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(format!(
            "error: {} holds shard 1/2 of a run, without summaries; combine the shards with \
             `livemarket merge --out DIR SHARD...` and report the merged folder\n",
            tmp.path().display()
        ));
}

#[test]
fn a_damaged_trials_file_names_the_line() {
    let tmp = tempdir();
    run(tmp.path(), &[]);
    let path = tmp.path().join("trials.csv");
    let text = read(&path).replacen(",0,", ",zero,", 1);
    fs::write(&path, text).unwrap();
    let out = livemarket()
        .arg("report")
        .arg(tmp.path())
        .assert()
        .failure();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("trials.csv:2: `zero` in column") && stderr.contains("is not a number"),
        "{stderr}"
    );
}

/// The cell in `range` at `row` of the column named `name` (header in row 0).
fn cell<'r>(range: &'r calamine::Range<Data>, row: usize, name: &str) -> &'r Data {
    let col = (0..range.width())
        .find(|&c| range.get((0, c)) == Some(&Data::String(name.to_string())))
        .unwrap_or_else(|| panic!("no column {name}"));
    range.get((row, col)).unwrap()
}

#[test]
fn the_workbook_holds_the_tables_as_numbers_and_native_charts() {
    let tmp = tempdir();
    run(tmp.path(), &["--weekly-trials"]);
    let stdout = report(tmp.path(), &["--xlsx"]);
    assert!(stdout.contains("report.xlsx"), "{stdout}");
    let path = tmp.path().join("report.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["headline", "charts", "run", "summary", "weekly", "trials"]
    );
    // headline: the run's answer first, numbers equal to headline.csv's.
    let headline = wb.worksheet_range("headline").unwrap();
    let headline_csv = read(&tmp.path().join("headline.csv"));
    let first: Vec<&str> = headline_csv.lines().nth(1).unwrap().split(',').collect();
    let names: Vec<&str> = headline_csv.lines().next().unwrap().split(',').collect();
    let p50 = names.iter().position(|n| *n == "p50").unwrap();
    assert_eq!(
        headline.get((1, p50)),
        Some(&Data::Float(first[p50].parse().unwrap()))
    );
    assert_eq!(headline.get((1, 0)), Some(&Data::String(first[0].into())));
    // run: what was run, the seed a number.
    let run_sheet = wb.worksheet_range("run").unwrap();
    let seed_row = (0..run_sheet.height())
        .find(|&r| run_sheet.get((r, 0)) == Some(&Data::String("seed".into())))
        .unwrap();
    assert_eq!(run_sheet.get((seed_row, 1)), Some(&Data::Float(7.0)));
    // summary: the header row as in the CSV, and numbers equal to the CSV's.
    let csv_text = read(&tmp.path().join("summary.csv"));
    let mut lines = csv_text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let summary = wb.worksheet_range("summary").unwrap();
    let first_row: Vec<String> = (0..header.len())
        .map(|c| summary.get((0, c)).unwrap().to_string())
        .collect();
    assert_eq!(first_row, header);
    let (k, line) = lines
        .enumerate()
        .find(|(_, l)| l.starts_with("AA,alpha,gmv_usd,"))
        .unwrap();
    let cells: Vec<&str> = line.split(',').collect();
    let p50: f64 = cells[header.iter().position(|h| *h == "p50").unwrap()]
        .parse()
        .unwrap();
    assert!(p50 > 0.0);
    assert_eq!(cell(&summary, k + 1, "p50"), &Data::Float(p50));
    assert_eq!(cell(&summary, k + 1, "n"), &Data::Float(4.0));
    assert_eq!(cell(&summary, k + 1, "country"), &Data::String("AA".into()));
    // weekly: dates are dates; trials: seeds are exact numbers, totals numbers.
    let weekly = wb.worksheet_range("weekly").unwrap();
    assert!(matches!(cell(&weekly, 1, "date"), Data::DateTime(_)));
    let trials = wb.worksheet_range("trials").unwrap();
    let trials_csv = read(&tmp.path().join("trials.csv"));
    let seed: u64 = trials_csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(seed < 10u64.pow(15));
    assert_eq!(cell(&trials, 1, "seed"), &Data::Float(seed as f64));
    assert!(matches!(cell(&trials, 1, "gmv_usd"), Data::Float(_)));
    // charts: the total-GMV table, and native charts in the file.
    let charts = wb.worksheet_range("charts").unwrap();
    assert!(
        charts
            .rows()
            .any(|r| r.first() == Some(&Data::String("AA alpha".into())))
    );
    let bytes = fs::read(&path).unwrap();
    for part in ["xl/charts/chart1.xml", "xl/charts/chart2.xml"] {
        assert!(
            bytes.windows(part.len()).any(|w| w == part.as_bytes()),
            "{part} missing"
        );
    }
}

#[test]
fn run_with_report_and_xlsx_writes_both_at_the_end() {
    let tmp = tempdir();
    run(tmp.path(), &["--report", "--xlsx"]);
    let html = read(&tmp.path().join("report.html"));
    check_page(&html, &tmp.path().join("report"));
    assert!(tmp.path().join("report.xlsx").is_file());
}

#[test]
fn compare_with_report_draws_each_difference_and_its_interval() {
    let tmp = tempdir();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&a, &[]);
    run(&b, &["--set", "countries.AA.live_affinity.mean=0.3"]);
    let out = tmp.path().join("ab.csv");
    livemarket()
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .arg("--out")
        .arg(&out)
        .args(["--report", "--quiet"])
        .assert()
        .success()
        .stdout("");
    let html = read(&tmp.path().join("ab.html"));
    let names = check_page(&html, &tmp.path().join("ab"));
    assert!(names.contains(&"ab/compare-gmv_usd.svg".to_string()));
    let gmv = read(&tmp.path().join("ab/compare-gmv_usd.svg"));
    assert!(gmv.contains(">AA alpha<"));
}

#[test]
fn charts_are_replaced_but_a_persons_own_svg_files_beside_them_are_kept() {
    // `compare --out paper.csv --report` deleted paper/*.svg that it had not drawn, and
    // `report` any .svg in report/. Now only the charts the last page drew (its index) go.
    let tmp = tempdir();
    let dir = tmp.path().join("r");
    run(&dir, &[]);
    let charts = dir.join("report");
    fs::create_dir_all(&charts).unwrap();
    fs::write(charts.join("mine.svg"), "<svg>my figure</svg>").unwrap();
    report(&dir, &["--quiet"]);
    assert_eq!(read(&charts.join("mine.svg")), "<svg>my figure</svg>");
    // A chart the last page drew that this page has not is removed.
    fs::write(charts.join("gone.svg"), "<svg>old chart</svg>").unwrap();
    let index = charts.join(".livemarket-charts");
    fs::write(&index, format!("{}gone\n", read(&index))).unwrap();
    report(&dir, &["--quiet"]);
    assert!(!charts.join("gone.svg").exists());
    assert_eq!(read(&charts.join("mine.svg")), "<svg>my figure</svg>");
    assert!(!read(&index).contains("gone"));

    let paper = tmp.path().join("paper");
    fs::create_dir_all(&paper).unwrap();
    fs::write(paper.join("figure1.svg"), "<svg>figure 1</svg>").unwrap();
    livemarket()
        .arg("compare")
        .arg(&dir)
        .arg(&dir)
        .arg("--out")
        .arg(tmp.path().join("paper.csv"))
        .args(["--report", "--quiet"])
        .assert()
        .success();
    assert_eq!(read(&paper.join("figure1.svg")), "<svg>figure 1</svg>");
}

#[test]
fn compare_xlsx_holds_the_table_as_numbers() {
    let tmp = tempdir();
    run(tmp.path(), &["--vary", "countries.AA.lapse=0.1,0.3"]);
    livemarket()
        .args(["compare", "--quiet", "--xlsx"])
        .arg(tmp.path())
        .assert()
        .success();
    let mut wb: Xlsx<_> = open_workbook(tmp.path().join("compare.xlsx")).unwrap();
    assert_eq!(wb.sheet_names(), ["compare", "about"]);
    let sheet = wb.worksheet_range("compare").unwrap();
    let text = read(&tmp.path().join("compare.csv"));
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let first: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    let mean_a = header.iter().position(|h| *h == "mean_a").unwrap();
    assert_eq!(
        cell(&sheet, 1, "mean_a"),
        &Data::Float(first[mean_a].parse().unwrap())
    );
    assert_eq!(
        cell(&sheet, 1, "metric"),
        &Data::String(first[header.iter().position(|h| *h == "metric").unwrap()].into())
    );
}

/// The text of a page between two markers, tags removed, entities of `&` and quotes decoded.
fn text_between(html: &str, from: &str, to: &str) -> String {
    let start = html
        .find(from)
        .unwrap_or_else(|| panic!("{from} not in the page"));
    let end = start + html[start..].find(to).unwrap_or(html.len() - start);
    let mut out = String::new();
    let mut in_tag = false;
    for c in html[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push('|');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").replace("&#39;", "'")
}

/// The cells of the table row whose first cell is `label`, in the page's first table after
/// `from`.
fn row(html: &str, from: &str, label: &str) -> Vec<String> {
    let start = html.find(from).unwrap();
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    let tr = table
        .split("<tr>")
        .find(|r| r.starts_with(&format!("<td>{label}</td>")))
        .unwrap_or_else(|| panic!("no row {label}"));
    tr.split("<td>")
        .skip(1)
        .map(|c| c.split("</td>").next().unwrap().to_string())
        .collect()
}

#[test]
fn the_report_opens_with_what_happened_and_a_planned_close_is_not_open_at_the_end() {
    // The small world's beta shop in CC opens in week 0 and closes on 2021-08-02 (week 30)
    // as the scenario says: closed as planned in every trial, never "open at the end".
    let tmp = tempdir();
    run(tmp.path(), &[]);
    report(tmp.path(), &[]);
    let html = read(&tmp.path().join("report.html"));
    // The headline `run` printed comes first (headline.csv), then what happened.
    let sections: Vec<&str> = html
        .split("<section id=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(sections[..3], ["headline", "story", "all"], "{sections:?}");
    let headline = read(&tmp.path().join("headline.csv"));
    let hh: Vec<&str> = headline.lines().next().unwrap().split(',').collect();
    let line: Vec<&str> = headline
        .lines()
        .find(|l| l.starts_with("AA,alpha,gmv_usd,"))
        .expect("AA alpha's GMV in headline.csv")
        .split(',')
        .collect();
    let p50: f64 = line[hh.iter().position(|h| *h == "p50").unwrap()]
        .parse()
        .unwrap();
    let top = row(&html, "<section id=\"headline\">", "AA alpha");
    assert_eq!(top[1], "Total GMV", "{top:?}");
    assert_eq!(
        top[2],
        livemarket::format::human(p50, livemarket::format::Unit::Usd)
    );
    let cells = row(&html, "<section id=\"story\">", "CC beta");
    // market, GMV median, 90% range, then open / closed as planned / withdrawn / cancelled
    // / not opened.
    assert_eq!(cells[3..], ["–", "100%", "–", "–", "–"], "{cells:?}");
    let events = text_between(&html, "id=\"turning-events\"", "</ul>");
    assert!(
        events.contains("CC beta: closed as planned (close date 2021-08-02) in week 30 (2021-08-02), in every trial."),
        "{events}"
    );
    assert!(
        events.contains("CC alpha: launch cancelled on its planned date 2021-06-07 because BB's GMV fell short, in every trial."),
        "{events}"
    );
    let chart = read(&tmp.path().join("report/events.svg"));
    assert!(chart.contains("closed as planned") && chart.contains("closes 2021-08-02"));
    // The median and 90% range of each market's GMV are those of trials.csv.
    let trials = read(&tmp.path().join("trials.csv"));
    let header: Vec<&str> = trials.lines().next().unwrap().split(',').collect();
    let gmv = header.iter().position(|h| *h == "gmv_usd").unwrap();
    let mut v: Vec<f64> = trials
        .lines()
        .filter(|l| l.contains(",AA,alpha,"))
        .map(|l| l.split(',').nth(gmv).unwrap().parse().unwrap())
        .collect();
    v.sort_by(f64::total_cmp);
    assert_eq!(v.len(), 4);
    let median = (v[1] + v[2]) / 2.0;
    let aa = row(&html, "<section id=\"story\">", "AA alpha");
    assert_eq!(
        aa[1],
        livemarket::format::human(median, livemarket::format::Unit::Usd)
    );
    // The same folder gives the same page, byte for byte.
    let before = read(&tmp.path().join("report.html"));
    report(tmp.path(), &[]);
    assert!(
        read(&tmp.path().join("report.html")) == before,
        "a second report differs"
    );
}

#[test]
fn a_sweeps_report_puts_the_sweep_right_after_the_headline_and_what_happened() {
    let tmp = tempdir();
    run(
        tmp.path(),
        &["--vary", "platforms.alpha.markets.BB.subsidy.rate=0.1,0.4"],
    );
    report(tmp.path(), &[]);
    let html = read(&tmp.path().join("report.html"));
    let sections: Vec<&str> = html
        .split("<section id=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(
        sections[..4],
        ["headline", "story", "sweep", "all"],
        "{sections:?}"
    );
    assert!(html.contains(
        "These are point 0&#39;s trials (platforms.alpha.markets.BB.subsidy.rate = 0.1)"
    ));
}

#[test]
fn a_sweeps_workbook_charts_total_gmv_against_the_swept_value_for_the_market_swept() {
    // BB alpha's subsidy rate is swept: BB alpha is the first market of the sweep's table,
    // each point's row holds its median total GMV rounded to whole dollars, and a line chart
    // draws the median and 90% band against the rate.
    let tmp = tempdir();
    run(
        tmp.path(),
        &["--vary", "platforms.alpha.markets.BB.subsidy.rate=0.4,0.1"],
    );
    report(tmp.path(), &["--xlsx"]);
    let path = tmp.path().join("report.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let charts = wb.worksheet_range("charts").unwrap();
    let text = |r: usize, c: usize| {
        charts
            .get((r, c))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    let head = (0..charts.height())
        .find(|&r| text(r, 0) == "point")
        .expect("the sweep's table");
    assert_eq!(text(head, 1), "platforms.alpha.markets.BB.subsidy.rate");
    assert_eq!(text(head, 3), "BB alpha p50", "the swept market first");
    // Rows in the order of the rate: point 1 (0.1), then point 0 (0.4).
    assert_eq!(charts.get((head + 1, 0)), Some(&Data::Float(1.0)));
    assert_eq!(charts.get((head + 1, 1)), Some(&Data::Float(0.1)));
    let trials = read(&tmp.path().join("trials.csv"));
    let header: Vec<&str> = trials.lines().next().unwrap().split(',').collect();
    let gmv = header.iter().position(|h| *h == "gmv_usd").unwrap();
    for (row, point) in [(head + 1, "1"), (head + 2, "0")] {
        let mut v: Vec<f64> = trials
            .lines()
            .filter(|l| l.starts_with(&format!("{point},")) && l.contains(",BB,alpha,"))
            .map(|l| l.split(',').nth(gmv).unwrap().parse().unwrap())
            .collect();
        v.sort_by(f64::total_cmp);
        assert_eq!(v.len(), 4);
        let median = ((v[1] + v[2]) / 2.0).round();
        assert_eq!(
            charts.get((row, 3)),
            Some(&Data::Float(median)),
            "point {point}"
        );
    }
    // Every number on the sheet is whole dollars (or a point, a rate): no 733418034.1700001.
    for r in charts.rows() {
        for c in r {
            if let Data::Float(x) = c {
                assert!(
                    x.fract() == 0.0 || *x == 0.1 || *x == 0.4,
                    "{x} is not rounded"
                );
            }
        }
    }
    assert!(
        !charts.rows().any(|r| r
            .iter()
            .any(|c| c.to_string().starts_with("Every number is"))),
        "the sheet no longer says every number is as its CSV writes it"
    );
    // The sweep's chart comes first; date axes label months, at most one label a month.
    let mut archive = zip_entries(&path);
    let first = archive.remove("xl/charts/chart1.xml").unwrap();
    assert!(first.contains("Total GMV · BB alpha against platforms.alpha.markets.BB.subsidy.rate"));
    let weekly = archive
        .values()
        .find(|x| x.contains("Weekly GMV"))
        .expect("a weekly chart");
    assert!(
        weekly.contains("<c:majorTimeUnit val=\"months\"/>"),
        "{weekly}"
    );
}

/// The XML parts of a workbook by name (charts only: small).
fn zip_entries(path: &Path) -> std::collections::BTreeMap<String, String> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        if name.starts_with("xl/charts/") {
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            out.insert(name, s);
        }
    }
    out
}
