//! Every bundled scenario file still works: `check` accepts it and a tiny run of it (one
//! trial, a few hundred agents a country, every point of its sweep) completes. The files are
//! found by listing `scenarios/`, so a new one is covered without touching this test.

use crate::common::{livemarket, tempdir};
use std::fs;
use std::path::PathBuf;

/// The scenario files of `scenarios/`, sorted; a targets file (its tables are `[target.*]`)
/// is not a scenario and is left out.
fn bundled() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| {
            let text = fs::read_to_string(p).unwrap();
            let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{p:?}: {e}"));
            !table.contains_key("target")
        })
        .collect();
    files.sort();
    files
}

/// `--set` flags that shrink a scenario to a tiny world: every country's consumer agents to
/// 300 and its creator agents (where it has any) to 30, read from `livemarket params`.
fn shrink(file: &PathBuf) -> Vec<String> {
    let out = livemarket().arg("params").arg(file).output().unwrap();
    assert!(out.status.success(), "params {file:?}: {out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut set = Vec::new();
    for line in text.lines() {
        let mut cells = line.split_whitespace();
        let (Some(path), Some(value)) = (cells.next(), cells.next()) else {
            continue;
        };
        let Some(rest) = path.strip_prefix("countries.") else {
            continue;
        };
        match rest.split_once('.') {
            Some((_, "agents")) => set.push(format!("{path}=300")),
            Some((_, "creators.agents")) if value != "0" => set.push(format!("{path}=30")),
            _ => {}
        }
    }
    assert!(!set.is_empty(), "{file:?}: no countries.*.agents in params");
    set
}

#[test]
fn every_bundled_scenario_passes_check_and_runs_one_tiny_trial() {
    let files = bundled();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    // The listing finds the files the README names, so the loop below is not vacuous.
    for named in [
        "baseline.toml",
        "uk-takeoff-sweep.toml",
        "bass-reference.toml",
    ] {
        assert!(names.iter().any(|n| n == named), "{named} not in {names:?}");
    }
    let tmp = tempdir();
    for file in &files {
        livemarket().arg("check").arg(file).assert().success();
        let out = tmp.path().join(file.file_stem().unwrap());
        let mut cmd = livemarket();
        cmd.arg("run")
            .arg(file)
            .args(["--trials", "1", "--quiet", "--out"])
            .arg(&out);
        for s in shrink(file) {
            cmd.args(["--set", &s]);
        }
        cmd.assert().success();
        assert!(
            out.join("summary.csv").is_file(),
            "{file:?}: no summary.csv after the run"
        );
    }
}

/// An analyst's file outside the repository builds on a bundled scenario by name, and a
/// bundled scenario runs by name from any folder: both give the files the scenario on disk
/// gives, byte for byte (the baseline's compiled-in posterior included); a misspelt name is
/// refused at its line with the nearest name.
#[test]
fn a_file_anywhere_extends_a_bundled_scenario_by_name() {
    let repo = std::env::current_dir().unwrap();
    let file = repo.join("scenarios/uk-subsidy-push.toml");
    let set = shrink(&file);
    let outside = tempdir();
    fs::write(
        outside.path().join("mine.toml"),
        "name = \"mine\"\nextends = \"bundled:uk-subsidy-push\"\n",
    )
    .unwrap();
    let run = |scenario: &str, out: &str| {
        let mut cmd = livemarket();
        cmd.current_dir(outside.path())
            .args(["run", scenario, "--trials", "2", "--quiet", "--out", out]);
        for s in &set {
            cmd.args(["--set", s]);
        }
        cmd.assert().success();
    };
    run(file.to_str().unwrap(), "on-disk");
    run("mine.toml", "by-extends");
    run("bundled:uk-subsidy-push", "by-name");
    let on_disk = outside.path().join("on-disk");
    crate::common::assert_same(&on_disk, &outside.path().join("by-extends"), "extends");
    crate::common::assert_same(&on_disk, &outside.path().join("by-name"), "by name");
    // The posterior came from the compiled-in copy, not from a file beside the scenario.
    let m = crate::common::manifest(&outside.path().join("by-extends"));
    assert!(
        m.to_string()
            .contains("bundled baseline-posterior-2021.csv"),
        "{m}"
    );

    fs::write(
        outside.path().join("typo.toml"),
        "extends = \"bundled:uk-subsidy-psuh\"\n",
    )
    .unwrap();
    crate::common::fails_in(
        livemarket()
            .current_dir(outside.path())
            .args(["check", "typo.toml"]),
        "typo.toml:1:11: cannot extend `bundled:uk-subsidy-psuh`: livemarket bundles no \
         scenario called `uk-subsidy-psuh`; did you mean `bundled:uk-subsidy-push`? the bundled \
         ones are bundled:baseline, bundled:bass-reference, bundled:creator-poaching-war, \
         bundled:europe-launch, bundled:sea-expansion, bundled:uk-subsidy-push, \
         bundled:uk-takeoff-sweep",
    );
}

#[test]
fn every_bundled_targets_file_is_valid() {
    // The targets files of `scenarios/` and `tests/data/` (their tables are `[target.*]`),
    // each read as `livemarket targets --targets FILE` reads it: every number usable, every
    // check with the keys it needs.
    let mut files = Vec::new();
    for folder in ["scenarios", "tests/data"] {
        for entry in fs::read_dir(folder).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let table: toml::Table = fs::read_to_string(&p)
                .unwrap()
                .parse()
                .unwrap_or_else(|e| panic!("{p:?}: {e}"));
            if table.contains_key("target") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("scenarios/targets-2021.toml")),
        "{files:?}"
    );
    for f in &files {
        if let Err(e) = livemarket::targets::Targets::from_path(f) {
            panic!("{f:?}: {e:#}");
        }
    }
}
