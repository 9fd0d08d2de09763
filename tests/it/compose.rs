//! Scenarios built on others (`extends`), through the real binary: `params --diff`, where
//! `check` says each changed value came from, and `--resume` noticing a changed parent; and
//! the README key table generated from the scenario key table.

use crate::common::{SMALL_TOML, livemarket};
use std::fs;
use tempfile::TempDir;

/// A folder holding the test scenario `parent.toml` and `child.toml`, which extends it.
fn chain() -> TempDir {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("parent.toml"), SMALL_TOML).unwrap();
    fs::write(
        dir.path().join("child.toml"),
        "extends = \"parent.toml\"\nunset = [\"platforms.alpha.markets.AA.subsidy\"]\n\n\
         [countries.AA]\nlapse = 0.25\n",
    )
    .unwrap();
    dir
}

#[test]
fn params_diff_lists_the_resolved_differences() {
    let dir = chain();
    let out = livemarket()
        .arg("params")
        .arg("--diff")
        .arg(dir.path().join("parent.toml"))
        .arg(dir.path().join("child.toml"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let paths: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(paths[..2], ["name", "countries.AA.lapse"], "{text}");
    assert!(
        paths[2..]
            .iter()
            .all(|p| p.starts_with("platforms.alpha.markets.AA.subsidy.")),
        "{text}"
    );
    assert!(text.contains("0.3") && text.contains("0.25"), "{text}");
    // One file: against the bundled baseline.
    livemarket()
        .args(["params", "--diff", "scenarios/sea-expansion.toml"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "platforms.tiktok.markets.PH.live.launch            2022-06-06",
        ));
    livemarket()
        .args(["params", "--diff", "scenarios/baseline.toml"])
        .assert()
        .success()
        .stdout("bundled baseline and scenarios/baseline.toml resolve to the same parameters\n");
}

#[test]
fn check_names_the_file_each_changed_value_came_from() {
    let dir = chain();
    let child = dir.path().join("child.toml");
    let out = livemarket().arg("check").arg(&child).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lapse = text
        .lines()
        .find(|l| l.starts_with("countries.AA.lapse "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        lapse.ends_with(&format!("{}:5:9", child.display())),
        "{lapse}"
    );
    let rate = text
        .lines()
        .find(|l| l.starts_with("platforms.alpha.markets.AA.subsidy.rate "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(rate.contains("(unset)"), "{rate}");
    assert!(
        rate.ends_with(&format!("{}:2:10", child.display())),
        "{rate}"
    );
}

#[test]
fn a_range_error_in_the_parent_names_the_parent() {
    let dir = chain();
    let parent = dir.path().join("parent.toml");
    let text = SMALL_TOML.replace("lapse = 0.2\n", "lapse = 3.0\n");
    fs::write(&parent, text).unwrap();
    livemarket()
        .arg("check")
        .arg(dir.path().join("child.toml"))
        .assert()
        .code(2)
        .stderr(format!(
            "error: {}:31:9: `countries.BB.lapse` = 3 is out of range; it must be between 0 \
             and 1\n",
            parent.display()
        ));
}

#[test]
fn resume_refuses_when_a_parent_changed() {
    let dir = chain();
    let child = dir.path().join("child.toml");
    let out = dir.path().join("out");
    let run = |extra: &[&str]| {
        let mut cmd = livemarket();
        cmd.arg("run")
            .arg(&child)
            .args(["--trials", "2", "--threads", "1", "--quiet", "--out"])
            .arg(&out)
            .args(extra);
        cmd
    };
    run(&[]).assert().success();
    // Same files: a complete run is left as it is.
    run(&["--resume"]).assert().success();
    let parent = dir.path().join("parent.toml");
    let text = SMALL_TOML.replace("seed = 7", "seed = 8");
    fs::write(&parent, text).unwrap();
    let stderr = run(&["--resume"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8(stderr).unwrap();
    assert!(
        stderr.contains("the text of a file the scenario extends differs"),
        "{stderr}"
    );
}

#[test]
fn the_readme_key_table_is_the_generated_one() {
    let readme = include_str!("../../README.md");
    let start = "<!-- keys:start -->\n";
    let table = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once("<!-- keys:end -->"))
        .map(|(table, _)| table)
        .expect("README.md marks its key table with keys:start and keys:end");
    assert!(
        table == livemarket::scenario::params::markdown(),
        "README.md's key table is out of date: replace it with the output of \
         `livemarket params --markdown`"
    );
}
