//! The headline: `headline.csv` holds the numbers of `summary.csv` for the markets and
//! measures it names (the live markets and GMV by default, the `[headline]` table's, a
//! sweep's own markets), `run` prints it, `summarize` and `merge` rewrite it.

use crate::common::{SMALL, SMALL_TOML, fails_with, livemarket, manifest, read, tempdir};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// A CSV file of the standard dialect as rows of cells, the header first.
fn rows(path: &Path) -> Vec<Vec<String>> {
    read(path)
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

/// summary.csv's rows of one point by (country, platform, metric): the row's cells by column
/// name.
fn summary(
    dir: &Path,
    point: Option<&str>,
) -> BTreeMap<(String, String, String), BTreeMap<String, String>> {
    let all = rows(&dir.join("summary.csv"));
    let header = all[0].clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    all[1..]
        .iter()
        .filter(|r| point.is_none_or(|p| r[0] == p))
        .map(|r| {
            (
                (
                    r[at("country")].clone(),
                    r[at("platform")].clone(),
                    r[at("metric")].clone(),
                ),
                header.iter().cloned().zip(r.iter().cloned()).collect(),
            )
        })
        .collect()
}

fn run(file: &str, out: &Path, args: &[&str]) {
    livemarket()
        .args(["run", file, "--quiet", "--out"])
        .arg(out)
        .args(args)
        .assert()
        .success();
}

/// Checks each row of headline.csv against summary.csv: the quantiles are the measure's, the
/// shares the event measures' (opened: trials with an opening week over all trials).
fn agrees_with_the_summary(dir: &Path) {
    let head = rows(&dir.join("headline.csv"));
    let h = &head[0];
    let at = |name: &str| h.iter().position(|x| x == name).unwrap();
    let swept = h[0] == "point";
    assert!(head.len() > 1, "an empty headline");
    for r in &head[1..] {
        let point = swept.then(|| r[0].as_str());
        let s = summary(dir, point);
        let key = |metric: &str| {
            (
                r[at("country")].clone(),
                r[at("platform")].clone(),
                metric.to_string(),
            )
        };
        let measure = &s[&key(&r[at("measure")])];
        for q in ["p50", "p05", "p95"] {
            assert_eq!(r[at(q)], measure[q], "{q} of {r:?}");
        }
        let gmv = &s[&key("gmv_usd")];
        assert_eq!(r[at("trials")], gmv["n"]);
        let n: f64 = gmv["n"].parse().unwrap();
        let opened = s
            .get(&key("live_opened_week"))
            .map_or(0.0, |o| o["n"].parse::<f64>().unwrap());
        let share = |x: &str| x.parse::<f64>().unwrap();
        assert!(
            (share(&r[at("opened_share")]) - opened / n).abs() < 1e-9,
            "{r:?}"
        );
        assert!(
            (share(&r[at("cancelled_share")]) - share(&s[&key("launch_cancelled")]["mean"])).abs()
                < 1e-9
        );
        assert!(
            (share(&r[at("withdrawn_share")]) - share(&s[&key("live_withdrawn")]["mean"])).abs()
                < 1e-9
        );
    }
}

#[test]
fn the_headline_is_every_live_markets_gmv_and_launch_odds_as_the_summary_has_them() {
    let tmp = tempdir();
    let out = tmp.path().join("r");
    let printed = livemarket()
        .args(["run", SMALL, "--trials", "6", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&printed.get_output().stdout).into_owned();
    let head = rows(&out.join("headline.csv"));
    assert_eq!(
        head[0],
        [
            "country",
            "platform",
            "measure",
            "trials",
            "p50",
            "p05",
            "p95",
            "opened_share",
            "cancelled_share",
            "withdrawn_share"
        ]
    );
    // The small world's markets with live shopping, in the world's order (country by
    // country); AA/gamma has none.
    let markets: Vec<String> = head[1..]
        .iter()
        .map(|r| format!("{}/{}", r[0], r[1]))
        .collect();
    assert_eq!(
        markets,
        [
            "AA/alpha", "AA/beta", "BB/alpha", "BB/gamma", "CC/alpha", "CC/beta"
        ]
    );
    assert!(head[1..].iter().all(|r| r[2] == "gmv_usd" && r[3] == "6"));
    // CC/alpha's gate asks for $1 bn a week: cancelled in every trial, never opened.
    assert_eq!(head[5][7..], ["0", "1", "0"]);
    agrees_with_the_summary(&out);
    // Printed: one line per row after the header, each naming its market.
    let table: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("headline"))
        .collect();
    assert_eq!(table.len(), 2 + markets.len(), "{stdout}");
    assert!(table[1].trim_start().starts_with("market"), "{stdout}");
    for (line, market) in table[2..].iter().zip(&markets) {
        assert!(line.starts_with(market.as_str()), "{line} for {market}");
    }
    // CC/alpha: opened 0%, cancelled 100%, withdrawn 0%.
    let cc: Vec<&str> = table[6].split_whitespace().collect();
    assert_eq!(cc[cc.len() - 3..], ["0%", "100%", "0%"], "{stdout}");
    let m = manifest(&out);
    assert!(
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "headline.csv")
    );
    // summarize writes the same bytes again.
    let before = fs::read(out.join("headline.csv")).unwrap();
    fs::remove_file(out.join("headline.csv")).unwrap();
    livemarket().arg("summarize").arg(&out).assert().success();
    assert_eq!(fs::read(out.join("headline.csv")).unwrap(), before);
}

#[test]
fn a_headline_table_names_the_markets_and_measures() {
    let tmp = tempdir();
    let file = tmp.path().join("h.toml");
    fs::write(
        &file,
        format!(
            "{SMALL_TOML}\n[headline]\nmarkets = [\"BB/gamma\", \"AA/alpha\"]\nmeasures = [\"orders\", \"subsidy_usd\"]\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("r");
    run(file.to_str().unwrap(), &out, &["--trials", "4"]);
    let head = rows(&out.join("headline.csv"));
    let shown: Vec<String> = head[1..]
        .iter()
        .map(|r| format!("{}/{} {}", r[0], r[1], r[2]))
        .collect();
    assert_eq!(
        shown,
        [
            "BB/gamma orders",
            "BB/gamma subsidy_usd",
            "AA/alpha orders",
            "AA/alpha subsidy_usd"
        ]
    );
    agrees_with_the_summary(&out);
}

#[test]
fn a_sweep_heads_each_point_with_the_markets_it_varies() {
    let tmp = tempdir();
    let out = tmp.path().join("r");
    run(
        SMALL,
        &out,
        &[
            "--trials",
            "3",
            "--vary",
            "platforms.alpha.markets.AA.subsidy.rate=0.1,0.3",
            "--vary",
            "countries.BB.lapse=0.1,0.2",
        ],
    );
    let head = rows(&out.join("headline.csv"));
    assert_eq!(
        head[0][..4],
        [
            "point",
            "platforms.alpha.markets.AA.subsidy.rate",
            "countries.BB.lapse",
            "country"
        ]
    );
    // The market a path names wins over the country another names: AA/alpha at 4 points.
    let shown: Vec<String> = head[1..]
        .iter()
        .map(|r| format!("{} {}/{}", r[0], r[3], r[4]))
        .collect();
    assert_eq!(
        shown,
        ["0 AA/alpha", "1 AA/alpha", "2 AA/alpha", "3 AA/alpha"]
    );
    agrees_with_the_summary(&out);
    // A sweep of a path that names no market: the three largest at point 0.
    let global = tmp.path().join("g");
    run(
        SMALL,
        &global,
        &[
            "--trials",
            "3",
            "--vary",
            "platforms.alpha.take_rate=0.02,0.04",
        ],
    );
    let head = rows(&global.join("headline.csv"));
    assert_eq!(head.len(), 1 + 2 * 3);
    agrees_with_the_summary(&global);
    // In the decimal-comma dialect, the same table with `;` and decimal commas.
    let comma = tmp.path().join("c");
    run(
        SMALL,
        &comma,
        &[
            "--trials",
            "3",
            "--vary",
            "platforms.alpha.take_rate=0.02,0.04",
            "--csv-dialect",
            "decimal-comma",
        ],
    );
    let standard = read(&global.join("headline.csv"));
    let decimal = read(&comma.join("headline.csv"));
    assert_eq!(decimal.lines().count(), standard.lines().count());
    assert!(
        decimal.starts_with("point;platforms.alpha.take_rate;country;"),
        "{decimal}"
    );
}

#[test]
fn a_headline_naming_what_the_scenario_lacks_is_refused() {
    let tmp = tempdir();
    let file = tmp.path().join("h.toml");
    let text = format!("{SMALL_TOML}\n[headline]\nmarkets = [\"GB/alpha\"]\n");
    fs::write(&file, &text).unwrap();
    let line = text.lines().count();
    let f = file.to_str().unwrap();
    fails_with(
        &["check", f],
        &format!(
            "{f}:{line}:11: `headline.markets` names `GB/alpha`, which is no market of the \
             scenario; did you mean `BB/alpha`? write each as COUNTRY/platform, as in \
             \"GB/tiktok\""
        ),
    );
    fs::write(
        &file,
        format!("{SMALL_TOML}\n[headline]\nmeasures = [\"gmv\"]\n"),
    )
    .unwrap();
    fails_with(
        &["check", f],
        "[headline] measures: `gmv` is not a measure of the headline; did you mean `gmv_usd`? \
         name columns of trials.csv that are totals or end values (users_end, adopters_end, \
         buyer_weeks, sessions, orders, gmv_usd, subsidy_usd, discount_end, contribution_usd, \
         creators_end, creators_streaming_end, creators_dormant_end, creators_won, \
         creators_lost, creators_returned, poaching_usd, creator_fund_usd, live_open_end, \
         category_adopters_end, adopters_peak)",
    );
}
