//! `livemarket table`: one measure of one market, a row per sweep point, with exactly the
//! numbers of summary.csv, printed and written.

use crate::common::{SMALL, fails_with, livemarket, read, tempdir};

#[test]
fn a_sweeps_table_holds_the_summarys_numbers_per_point() {
    let tmp = tempdir();
    let dir = tmp.path().join("s");
    livemarket()
        .args(["run", SMALL, "--quiet", "--trials", "4", "--out"])
        .arg(&dir)
        .args(["--vary", "platforms.alpha.markets.BB.subsidy.rate=0.05,0.3"])
        .assert()
        .success();
    let printed = livemarket()
        .arg("table")
        .arg(&dir)
        .args(["--market", "BB/alpha"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&printed.get_output().stdout).into_owned();
    assert!(
        stdout.starts_with("gmv_usd of BB/alpha (Total GMV):\n"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1 + 1 + 2 + 1, "{stdout}");
    let table = read(&dir.join("table.csv"));
    let rows: Vec<Vec<&str>> = table.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "point",
            "platforms.alpha.markets.BB.subsidy.rate",
            "market",
            "measure",
            "n",
            "mean",
            "p05",
            "p25",
            "p50",
            "p75",
            "p95",
            "opened_share",
            "cancelled_share",
            "withdrawn_share"
        ]
    );
    assert_eq!(rows.len(), 3);
    let summary = read(&dir.join("summary.csv"));
    let line = |point: &str, metric: &str| -> Vec<String> {
        summary
            .lines()
            .find(|l| {
                l.starts_with(&format!("{point},")) && l.contains(&format!(",BB,alpha,{metric},"))
            })
            .unwrap_or_else(|| panic!("no {metric} at {point}"))
            .split(',')
            .map(String::from)
            .collect()
    };
    for r in &rows[1..] {
        // summary: point, rate, country, platform, metric, n, mean, sd, min, p05, p25, p50,
        // p75, p95, max, scope.
        let s = line(r[0], "gmv_usd");
        assert_eq!(r[1], s[1]);
        assert_eq!(r[4], s[5]);
        assert_eq!(r[5], s[6]);
        assert_eq!(r[6..11], s[9..14]);
        assert_eq!(r[12], line(r[0], "launch_cancelled")[6]);
        assert_eq!(r[13], line(r[0], "live_withdrawn")[6]);
        let n: f64 = s[5].parse().unwrap();
        let opened: f64 = summary
            .lines()
            .find(|l| {
                l.starts_with(&format!("{},", r[0])) && l.contains(",BB,alpha,live_opened_week,")
            })
            .map_or(0.0, |l| l.split(',').nth(5).unwrap().parse().unwrap());
        let share: f64 = r[11].parse().unwrap();
        assert!((share - opened / n).abs() < 1e-9, "{r:?}");
    }
    // --out elsewhere, in the folder's dialect; a single run has no point columns.
    let single = tmp.path().join("one");
    livemarket()
        .args([
            "run",
            SMALL,
            "--quiet",
            "--trials",
            "3",
            "--csv-dialect",
            "decimal-comma",
            "--out",
        ])
        .arg(&single)
        .assert()
        .success();
    let out = tmp.path().join("orders.csv");
    livemarket()
        .arg("table")
        .arg(&single)
        .args([
            "--market",
            "AA/alpha",
            "--measure",
            "orders",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let text = read(&out);
    assert!(text.starts_with("market;measure;n;mean;p05;"), "{text}");
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("AA/alpha;orders;3;"),
        "{text}"
    );
}

#[test]
fn table_names_a_wrong_measure_or_market_and_the_valid_ones() {
    let tmp = tempdir();
    let dir = tmp.path().join("s");
    livemarket()
        .args(["run", SMALL, "--quiet", "--trials", "2", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let d = dir.to_str().unwrap();
    fails_with(
        &["table", d, "--market", "BB/alpa"],
        &format!(
            "--market BB/alpa: {d}/summary.csv has no market BB/alpa; did you mean BB/alpha? it \
             has AA/alpha, AA/beta, AA/gamma, BB/alpha, BB/gamma, CC/alpha, CC/beta"
        ),
    );
    fails_with(
        &["table", d, "--market", "BB"],
        "--market BB: write the market as COUNTRY/platform, as in GB/tiktok",
    );
    fails_with(
        &["table", d, "--market", "BB/alpha", "--measure", "order"],
        "--measure order: no such measure; did you mean `orders`? name a column of trials.csv \
         (users_end, adopters_end, buyer_weeks, sessions, orders, gmv_usd, subsidy_usd, \
         discount_end, contribution_usd, creators_end, creators_streaming_end, \
         creators_dormant_end, creators_won, creators_lost, creators_returned, poaching_usd, \
         creator_fund_usd, live_open_end, category_adopters_end, adopters_peak, \
         launch_cancelled, live_opened_week, live_withdrawn, live_withdrawn_week, \
         live_closed_week)",
    );
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = empty.to_str().unwrap();
    fails_with(
        &["table", e, "--market", "BB/alpha"],
        &format!(
            "{e} has no summary.csv; give a folder `livemarket run` wrote, or write its \
             summaries with `livemarket summarize {e}`"
        ),
    );
}
