//! `livemarket targets` through the binary: the probabilistic checks ("in at least P% of
//! trials") judged on a result folder whose per-trial values are known, and the messages for
//! numbers a targets file cannot use.

use crate::common::{SMALL, fails_with, livemarket, read, tempdir};
use std::fs;
use std::path::Path;

/// Trials of the small scenario in the folder the checks are judged on.
const TRIALS: usize = 10;

/// Runs `TRIALS` trials of the small scenario into `dir`.
fn run_small(dir: &Path) {
    livemarket()
        .args([
            "run",
            SMALL,
            "--quiet",
            "--trials",
            &TRIALS.to_string(),
            "--out",
        ])
        .arg(dir)
        .assert()
        .success();
}

/// Platform alpha's GMV over every country and week, per trial, sorted: the sums of
/// trials.csv's `gmv_usd` over alpha's rows (written to the cent; the thresholds below sit
/// halfway between two trials, far from any rounding).
fn alpha_gmv_sorted(dir: &Path) -> Vec<f64> {
    let text = read(&dir.join("trials.csv"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (trial, platform, gmv) = (col("trial"), col("platform"), col("gmv_usd"));
    let mut sums = vec![0.0; TRIALS];
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[platform] == "alpha" {
            let k: usize = cells[trial].parse().unwrap();
            sums[k] += cells[gmv].parse::<f64>().unwrap();
        }
    }
    sums.sort_by(f64::total_cmp);
    for pair in sums.windows(2) {
        assert!(pair[1] > pair[0] * 1.001, "two trials too close: {sums:?}");
    }
    sums
}

/// A targets file of one target on alpha's GMV with the given check lines.
fn alpha_target(check: &str) -> String {
    format!(
        "[target.alpha]\nlabel = \"alpha's GMV\"\nkind = \"sum\"\nmetric = \"gmv_usd\"\n\
         platforms = [\"alpha\"]\n{check}\nsource = \"test\"\nconfidence = \"low\"\n"
    )
}

/// The line `livemarket targets` prints for alpha's target.
fn judged(dir: &Path, targets: &str) -> String {
    let file = dir.with_extension("targets.toml");
    fs::write(&file, targets).unwrap();
    let out = livemarket()
        .arg("targets")
        .arg(dir)
        .arg("--targets")
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    out.lines()
        .find(|l| l.starts_with("alpha's GMV"))
        .unwrap_or_else(|| panic!("no line for the target in\n{out}"))
        .to_string()
}

#[test]
fn share_of_trials_checks_hold_at_their_stated_share_and_not_just_above_it() {
    let tmp = tempdir();
    let dir = tmp.path().join("small");
    run_small(&dir);
    let v = alpha_gmv_sorted(&dir);
    // Halfway between the 7th and the 8th smallest: 3 of 10 trials above, 7 below.
    let cut = (v[6] + v[7]) / 2.0;
    let above = |p: f64| {
        judged(
            &dir,
            &alpha_target(&format!(
                "check = \"share_of_trials_above\"\nvalue = {cut}\nmin_share = {p}"
            )),
        )
    };
    let line = above(0.3);
    assert!(line.contains(" yes (30% of trials, needs 30%) "), "{line}");
    assert!(line.contains(" in ≥ 30% of trials "), "{line}");
    let line = above(0.31);
    assert!(line.contains(" NO (30% of trials, needs 31%) "), "{line}");
    let below = |p: f64| {
        judged(
            &dir,
            &alpha_target(&format!(
                "check = \"share_of_trials_below\"\nvalue = {cut}\nmin_share = {p}"
            )),
        )
    };
    let line = below(0.7);
    assert!(line.contains(" yes (70% of trials, needs 70%) "), "{line}");
    let line = below(0.71);
    assert!(line.contains(" NO (70% of trials, needs 71%) "), "{line}");
    // A band (relative tolerance, as median_within) from half the smallest trial to `cut`:
    // the 7 smallest trials within it.
    let (lo, hi) = (v[0] / 2.0, cut);
    let centre = (lo + hi) / 2.0;
    let tolerance = (hi - lo) / 2.0 / centre;
    let within = |p: f64| {
        judged(
            &dir,
            &alpha_target(&format!(
                "check = \"share_of_trials_within\"\nvalue = {centre}\ntolerance = \
                 {tolerance}\nmin_share = {p}"
            )),
        )
    };
    let line = within(0.7);
    assert!(line.contains(" yes (70% of trials, needs 70%) "), "{line}");
    let line = within(0.8);
    assert!(line.contains(" NO (70% of trials, needs 80%) "), "{line}");
    // Every trial: P = 1 is "in every trial", judged the same way.
    let line = below(1.0);
    assert!(line.contains(" NO (70% of trials, needs 100%) "), "{line}");
}

/// A valid probabilistic target on alpha's GMV, the lines after its table header numbered
/// from 2.
const GOOD: &str = "check = \"share_of_trials_above\"\nvalue = 100\nmin_share = 0.8";

#[test]
fn bad_numbers_in_a_targets_file_are_refused_at_their_line_with_the_key_and_the_fix() {
    let tmp = tempdir();
    let dir = tmp.path().join("small");
    livemarket()
        .args(["run", SMALL, "--quiet", "--trials", "1", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let file = tmp.path().join("bad.toml");
    let d = dir.to_str().unwrap().to_string();
    let f = file.to_str().unwrap().to_string();
    let refused = |check: &str, expected: String| {
        fs::write(&file, alpha_target(check)).unwrap();
        fails_with(&["targets", &d, "--targets", &f], &expected);
    };
    // The check lines start on line 6 of the file (`alpha_target`): check, value, then the
    // third line.
    let value_fix = "write the figure in the quantity's unit (US dollars, people, or a share \
                     as 0.7)";
    for (bad, shown) in [
        ("nan", "nan"),
        ("inf", "inf"),
        ("-inf", "-inf"),
        ("1e308", "1e308"),
    ] {
        refused(
            &GOOD.replace("value = 100", &format!("value = {bad}")),
            format!(
                "{f}:7:9: target `alpha`: `value` must be a finite number between -1e15 and \
                 1e15, not {shown}; {value_fix}"
            ),
        );
    }
    for bad in ["0", "-0.5", "1.5", "nan"] {
        refused(
            &GOOD.replace("min_share = 0.8", &format!("min_share = {bad}")),
            format!(
                "{f}:8:13: target `alpha`: `min_share` must be above 0 and at most 1 (a share \
                 of trials: 0.8 means in at least 80% of them), not {bad}"
            ),
        );
    }
    refused(
        &GOOD.replace("\nmin_share = 0.8", ""),
        format!(
            "{f}:1:1: target `alpha`: this check (share_of_trials_above) needs `min_share = \
             P`, the share of trials that must meet the target (above 0, at most 1): \
             `min_share = 0.8` for \"in at least 80% of trials\""
        ),
    );
    refused(
        &GOOD.replace("share_of_trials_above", "every_trial_above"),
        format!(
            "{f}:8:13: target `alpha`: `min_share` is only for checks share_of_trials_within, \
             share_of_trials_above and share_of_trials_below; remove it, or use one of those \
             checks"
        ),
    );
    refused(
        &GOOD.replace("share_of_trials_above", "share_of_trials_within"),
        format!(
            "{f}:1:1: target `alpha`: this check (share_of_trials_within) needs `tolerance = ...`"
        ),
    );
    refused(
        &format!("{GOOD}\nscale = 1e308"),
        format!(
            "{f}:9:9: target `alpha`: `scale` must be a number above 0 and at most 1e15 (the \
             size of a miss that counts as one unit of distance), not 1e308"
        ),
    );
    // A share written as a percentage.
    let share = "[target.gb]\nlabel = \"GB's share\"\nkind = \"share\"\nmetric = \"gmv_usd\"\n\
                 country = \"AA\"\ncheck = \"share_of_trials_above\"\nvalue = 70\n\
                 min_share = 0.8\nsource = \"test\"\nconfidence = \"low\"\n";
    fs::write(&file, share).unwrap();
    fails_with(
        &["targets", &d, "--targets", &f],
        &format!(
            "{f}:7:9: target `gb`: `value` is a share of kind share, between 0 and 1 (write \
             70% as 0.7), not 70"
        ),
    );
}
