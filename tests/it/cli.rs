//! Through the real binary: outputs, reproducibility, and the exact message of each error.

use crate::common::{SMALL, bin, fails_in, fails_with, livemarket, manifest, tempdir};
use predicates::prelude::*;
use std::fs;
use std::path::Path;

fn run_small(dir: &Path, threads: &str, extra: &[&str]) {
    livemarket()
        .args([
            "run",
            SMALL,
            "--quiet",
            "--weekly-trials",
            "--threads",
            threads,
            "--out",
        ])
        .arg(dir)
        .args(extra)
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

const DATA_FILES: [&str; 5] = [
    "trials.csv",
    "summary.csv",
    "weekly.csv",
    "weekly_trials.csv",
    "events.csv",
];

#[test]
fn one_and_two_threads_write_byte_identical_files() {
    let tmp = tempdir();
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    run_small(&one, "1", &[]);
    run_small(&two, "2", &[]);
    for f in DATA_FILES {
        let (a, b) = (
            fs::read(one.join(f)).unwrap(),
            fs::read(two.join(f)).unwrap(),
        );
        assert!(a.len() > 100, "{f} is empty");
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
}

#[test]
fn a_country_of_several_chunks_writes_byte_identical_files_on_1_2_and_4_threads() {
    // Country AA's 140,000 agents are three chunks of 65,536 consumers (the last partial),
    // set up and stepped in parallel within the one country.
    let tmp = tempdir();
    let extra = [
        "--trials",
        "2",
        "--set",
        "countries.AA.agents=140000",
        "--set",
        "weeks=25",
    ];
    let dirs: Vec<_> = ["1", "2", "4"]
        .iter()
        .map(|t| {
            let dir = tmp.path().join(t);
            run_small(&dir, t, &extra);
            dir
        })
        .collect();
    for f in DATA_FILES {
        let one = fs::read(dirs[0].join(f)).unwrap();
        assert!(one.len() > 100, "{f} is empty");
        for (dir, t) in dirs[1..].iter().zip(["2", "4"]) {
            assert!(
                one == fs::read(dir.join(f)).unwrap(),
                "{f} differs between 1 and {t} threads"
            );
        }
    }
}

#[test]
fn a_single_trial_can_be_rerun_from_its_index() {
    let tmp = tempdir();
    let (all, one) = (tmp.path().join("all"), tmp.path().join("one"));
    run_small(&all, "2", &[]);
    run_small(&one, "1", &["--first-trial", "4", "--trials", "1"]);
    let rows = |dir: &Path, trial: &str| -> Vec<String> {
        fs::read_to_string(dir.join("trials.csv"))
            .unwrap()
            .lines()
            .filter(|l| l.starts_with(&format!("{trial},")))
            .map(String::from)
            .collect()
    };
    let again = rows(&one, "4");
    assert_eq!(again.len(), 7, "one row per market");
    assert_eq!(again, rows(&all, "4"));
}

#[test]
fn results_are_long_tables_with_one_header_iso_dates_and_plain_numbers() {
    let tmp = tempdir();
    run_small(tmp.path(), "2", &[]);
    let summary = fs::read_to_string(tmp.path().join("summary.csv")).unwrap();
    let mut lines = summary.lines();
    assert_eq!(
        lines.next().unwrap(),
        "country,platform,metric,n,mean,sd,min,p05,p25,p50,p75,p95,max,scope"
    );
    assert!(
        summary
            .lines()
            .any(|l| l.starts_with("ALL,alpha,gmv_usd,6,") && l.ends_with(",all countries"))
    );
    assert!(
        summary
            .lines()
            .any(|l| l.starts_with("AA,alpha,gmv_usd,6,") && l.ends_with(",market"))
    );
    let weekly = fs::read_to_string(tmp.path().join("weekly.csv")).unwrap();
    assert_eq!(
        weekly.lines().next().unwrap(),
        "week,date,country,platform,metric,mean,p05,p25,p50,p75,p95,scope"
    );
    assert!(
        weekly
            .lines()
            .any(|l| l.starts_with("1,2021-01-11,AA,alpha,gmv_usd,"))
    );
    // 40 weeks × (7 markets × 19 metrics + 3 platforms × 18 additive metrics) + header
    assert_eq!(weekly.lines().count(), 40 * (7 * 19 + 3 * 18) + 1);
    let trials = fs::read_to_string(tmp.path().join("trials.csv")).unwrap();
    assert_eq!(trials.lines().count(), 6 * 7 + 1);
    assert!(trials.lines().nth(1).unwrap().starts_with("0,"));
    for text in [&summary, &weekly, &trials] {
        assert!(
            !text.contains("e+")
                && !text.contains("e-")
                && !text.contains("NaN")
                && !text.contains("inf")
        );
    }
    let manifest = manifest(tmp.path());
    assert_eq!(manifest["status"], "complete");
    assert_eq!(manifest["trials_done"], 6);
    assert_eq!(manifest["seed"], 7);
    assert_eq!(manifest["scenario"]["countries"]["AA"]["lapse_after"], 3);
    assert_eq!(manifest["scenario_sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn the_seed_option_changes_the_trials_and_is_recorded() {
    let tmp = tempdir();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_small(&a, "2", &["--trials", "1"]);
    run_small(&b, "2", &["--trials", "1", "--seed", "8"]);
    assert_ne!(
        fs::read(a.join("trials.csv")).unwrap(),
        fs::read(b.join("trials.csv")).unwrap()
    );
}

#[test]
fn refuses_to_overwrite_results_without_force() {
    let tmp = tempdir();
    run_small(tmp.path(), "2", &["--trials", "1"]);
    livemarket()
        .args(["run", SMALL, "--quiet", "--trials", "1", "--out"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(format!(
            "error: {} already holds the results of a run; pass --resume to continue it if it was interrupted, --force to replace it, or --out to write elsewhere\n",
            tmp.path().display()
        ));
    run_small(tmp.path(), "2", &["--trials", "1", "--force"]);
}

#[test]
fn prints_a_summary_line_and_the_headline_unless_quiet() {
    let tmp = tempdir();
    livemarket()
        .args(["run", SMALL, "--trials", "2", "--out"])
        .arg(tmp.path())
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(
                r"^2 trials of small in \d+\.\d s; results in .+\n\nheadline \(headline\.csv; median and 5%-95% over trials, shares of trials\):\n(.+\n)+$",
            )
            .unwrap(),
        )
        .stderr("");
    livemarket()
        .args(["run", SMALL, "--trials", "2", "--quiet", "--force", "--out"])
        .arg(tmp.path())
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

#[test]
fn runs_the_bundled_baseline_without_a_scenario_file() {
    let tmp = tempdir();
    livemarket()
        .args(["run", "--quiet", "--trials", "1", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let manifest = fs::read_to_string(tmp.path().join("manifest.json")).unwrap();
    assert!(manifest.contains("\"scenario_file\": \"<bundled baseline>\""));
    assert!(manifest.contains("\"scenario_name\": \"baseline\""));
}

#[test]
fn check_prints_the_resolved_world() {
    livemarket()
        .args(["check", SMALL])
        .assert()
        .success()
        .stdout(predicate::str::contains("scenario small: 40 weeks from 2021-01-04"))
        .stdout(predicate::str::contains("AA          2000000    0.80       6000        266.7 random/8            60"))
        .stdout(predicate::str::contains("CC: reach 0.6 (+0/week), trust 1; live from week 22 (2021-06-07), gated on BB GMV >= 1000000000 USD/week over 4 weeks"))
        .stdout(predicate::str::contains("13000 consumer agents; estimated memory of one trial"));
}

/// Writes `text` as `name` in a temporary folder and runs `check` on it from there.
fn check_error(name: &str, text: &str, expected: &str) {
    let tmp = tempdir();
    fs::write(tmp.path().join(name), text).unwrap();
    fails_in(
        livemarket().current_dir(tmp.path()).args(["check", name]),
        expected,
    );
}

const HEAD: &str = "start = 2021-01-04\nweeks = 10\n[countries.GB]\n";

#[test]
fn fails_on_malformed_toml_with_line_and_column() {
    check_error(
        "bad.toml",
        &format!("{HEAD}population 67e6\n"),
        "bad.toml:4:12: invalid TOML: key with no value, expected `=`; fix the syntax on this line",
    );
}

#[test]
fn fails_on_an_unknown_key_naming_the_nearest_valid_key() {
    check_error(
        "typo.toml",
        &format!("{HEAD}populaton = 67e6\n"),
        "typo.toml:4:1: unknown key `populaton` in [countries.GB]; did you mean `population`? (valid keys: \
         population, online_share, agents, live_affinity, deal_sensitivity, deal_seekers, habit_uptake, lapse, lapse_after, diffusion, spend, creators)",
    );
}

#[test]
fn a_retired_key_is_never_offered_as_valid() {
    // target_roi is read only to say what replaced it (review_target).
    let small = std::fs::canonicalize(SMALL).unwrap();
    let text = format!(
        "extends = {:?}\n[platforms.alpha.markets.AA.subsidy]\nrat = 0.1\n",
        small.display().to_string()
    );
    let dir = tempdir();
    let path = dir.path().join("retired.toml");
    std::fs::write(&path, &text).unwrap();
    let out = livemarket().arg("check").arg(&path).assert().code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("unknown key `rat`"), "{err}");
    assert!(
        err.contains("did you mean `rate`?") && err.contains("review_target"),
        "{err}"
    );
    assert!(!err.contains("target_roi"), "{err}");
}

#[test]
fn fails_on_an_unknown_key_in_an_inline_table() {
    check_error(
        "inline.toml",
        &format!("{HEAD}population = 1\ndiffusion = {{ imitaton = 0.3 }}\n"),
        "inline.toml:5:15: unknown key `imitaton` in [countries.GB.diffusion]; did you mean `imitation`? (valid keys: \
         innovation, imitation, contacts, network, rewire)",
    );
}

#[test]
fn fails_on_a_value_out_of_range_naming_the_key_and_the_range() {
    check_error(
        "range.toml",
        &format!("{HEAD}population = 67e6\nonline_share = 1.5\n"),
        "range.toml:5:16: `countries.GB.online_share` = 1.5 is out of range; it must be above 0 and at most 1",
    );
}

#[test]
fn reports_every_value_out_of_range_at_once() {
    check_error(
        "two.toml",
        &format!("{HEAD}population = -1\nlapse = nan\n"),
        "two.toml:4:14: `countries.GB.population` = -1 is out of range; it must be above 0 and at most 10000000000\n\
         two.toml:5:9: `countries.GB.lapse` = NaN is out of range; it must be between 0 and 1",
    );
}

#[test]
fn fails_on_an_unknown_choice_with_the_valid_ones() {
    check_error(
        "net.toml",
        &format!("{HEAD}population = 1\n[countries.GB.diffusion]\nnetwork = \"smallworld\"\n"),
        "net.toml:6:11: `countries.GB.diffusion.network` cannot be `smallworld`; did you mean `small_world`? \
         use one of `random`, `small_world`, `well_mixed`",
    );
}

#[test]
fn fails_on_a_missing_key() {
    check_error(
        "missing.toml",
        &format!("{HEAD}online_share = 0.5\n"),
        "missing.toml:3:1: missing key `population` in [countries.GB]; add it (the README lists every key with its unit)",
    );
}

#[test]
fn fails_on_a_market_in_an_undefined_country() {
    check_error(
        "market.toml",
        &format!("{HEAD}population = 1\n[platforms.t.markets.GX]\nreach = 0.5\n"),
        "market.toml:5:1: `platforms.t.markets.GX` names country `GX`, which the scenario does not define; \
         did you mean `GB`? countries: GB",
    );
}

#[test]
fn fails_on_a_missing_file() {
    let tmp = tempdir();
    livemarket()
        .current_dir(tmp.path())
        .args(["run", "nowhere.toml"])
        .assert()
        .code(2)
        .stderr(
            "error: nowhere.toml: cannot read the scenario file: no such file; check the path, or leave it out \
             to run the bundled baseline\n",
        );
    assert!(
        !tmp.path().join("results").exists(),
        "nothing is written on bad input"
    );
}

#[test]
fn fails_on_a_network_too_large_to_index() {
    check_error(
        "huge.toml",
        &format!(
            "{HEAD}population = 1e9\nagents = 2_000_000_000\ndiffusion = {{ contacts = 10 }}\n"
        ),
        "huge.toml:5:10: `countries.GB.agents` = 2000000000 with 10 contacts needs 24000000000 contact entries, \
         more than the 4294967295 a network can index; lower agents or contacts",
    );
}

#[test]
fn fails_on_a_pareto_shape_that_would_draw_infinite_followers() {
    check_error(
        "pareto.toml",
        &format!(
            "{HEAD}population = 1e6\ncreators = {{ followers = {{ dist = \"pareto\", alpha = 0.01, min = 1000 }} }}\n"
        ),
        "pareto.toml:5:53: `countries.GB.creators.followers.alpha` = 0.01 is out of range; it must be between 0.5 and 100",
    );
}

#[test]
fn fails_on_a_gate_on_the_market_itself() {
    check_error(
        "gate.toml",
        &format!(
            "{HEAD}population = 1e6\n[platforms.t.markets.GB]\nlive = {{ launch = 2021-02-01, gate = {{ market = \"GB\", min_weekly_gmv_usd = 0 }} }}\n"
        ),
        "gate.toml:6:49: `platforms.t.markets.GB.live.gate.market` = \"GB\" must be another market of platform `t`: \
         platform `t` has no other market; add one or remove the gate",
    );
}

#[test]
fn fails_on_a_platform_name_a_spreadsheet_would_run_as_a_formula() {
    check_error(
        "formula.toml",
        &format!("{HEAD}population = 1e6\n[platforms.\"=cmd()\".markets.GB]\nreach = 0.5\n"),
        "formula.toml:5:12: platform name `=cmd()` must start with a letter and hold only letters, digits, `_` and `-`, \
         such as tiktok",
    );
}

#[test]
fn refuses_a_run_larger_than_the_machines_memory_before_writing_anything() {
    // Four well-mixed countries of 2 billion agents at about 12.25 bytes each: 98 GB per trial,
    // more than the 24 GiB machines this runs on (the message quotes what this one has).
    let tmp = tempdir();
    let scenario = tmp.path().join("huge.toml");
    let country = |code: &str| {
        format!(
            "[countries.{code}]\npopulation = 1e10\nagents = 2_000_000_000\ndiffusion = {{ network = \"well_mixed\" }}\n"
        )
    };
    let countries: String = ["GB", "US", "DE", "FR"].map(country).concat();
    fs::write(
        &scenario,
        format!(
            "start = 2021-01-04\nweeks = 10\n{countries}[platforms.alpha.markets.GB]\nreach = 0.1\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    livemarket()
        .args(["run", "--quiet", "--threads", "1", "--trials", "1", "--out"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .code(2)
        .stderr(
            predicate::str::is_match(
                r"^error: the run needs an estimated 98\.0 GB \(1 running trial\(s\) × 98\.00 GB \+ 0\.00 GB to summarise\), more than the \d+\.\d GB this machine has available; lower --threads or the agents, or pass --allow-memory to run anyway\n$",
            )
            .unwrap(),
        );
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn refuses_a_sweep_whose_points_do_not_fit_in_memory_before_building_them() {
    // 1001 points of the small world against 1 MB said to be available.
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let sweep = [
        "run",
        SMALL,
        "--dry-run",
        "--vary",
        "countries.AA.lapse=0:1:0.001",
    ];
    livemarket()
        .env("LIVEMARKET_MEMORY", "1000000")
        .args(sweep)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::is_match(
                r"^error: the sweep has 1001 points, and holding them takes about \d+\.\d MB, more than the 1\.0 MB this machine has available; sweep fewer points \(a larger step, fewer values or samples\), or pass --allow-memory to plan it anyway\n$",
            )
            .unwrap(),
        );
    // --allow-memory plans it, and the dry run counts the plan in its memory line.
    livemarket()
        .env("LIVEMARKET_MEMORY", "1000000")
        .args(sweep)
        .args(["--allow-memory", "--trials", "1", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("for the plan's 1001 point(s))"));
    assert!(!out.exists(), "a dry run writes nothing");
}

#[test]
fn refuses_a_run_whose_files_do_not_fit_on_the_disk_before_writing_anything() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let args = ["run", SMALL, "--quiet", "--trials", "2"];
    livemarket()
        .env("LIVEMARKET_DISK_FREE", "1000")
        .args(args)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::starts_with("error: the run needs about ").and(
                predicate::str::ends_with(format!(
                    " MB of disk for its result files and {} has 0.0 MB free; free some space, \
                     write elsewhere with --out, lower --trials, or pass --allow-disk to run \
                     anyway (a run that fills the disk stops, and --resume continues it)\n",
                    out.display()
                )),
            ),
        );
    assert!(!out.exists(), "nothing is written");
    livemarket()
        .env("LIVEMARKET_DISK_FREE", "1000")
        .args(args)
        .arg("--allow-disk")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("summary.csv").is_file());
}

#[test]
fn refuses_a_scenario_with_nothing_to_simulate() {
    let tmp = tempdir();
    let text = crate::common::SMALL_TOML;
    let scenario = tmp.path().join("none.toml");
    fs::write(&scenario, &text[..text.find("[platforms.").unwrap()]).unwrap();
    fails_in(
        livemarket()
            .arg("run")
            .arg(&scenario)
            .arg("--out")
            .arg(tmp.path().join("out")),
        &format!(
            "{}: the scenario has no platform with a market, so there is nothing to simulate; \
             add a [platforms.NAME.markets.CC] table for a country CC of the scenario",
            scenario.display()
        ),
    );
}

#[test]
fn a_run_killed_at_any_moment_leaves_whole_rows_of_whole_trials() {
    // SIGKILL (Child::kill) at several moments: trials.csv holds only complete rows, of
    // complete trials (7 markets each), numbered from 0 without a gap.
    let bin = bin();
    let mut finished = 0;
    for (k, delay_ms) in [150u64, 400, 900].into_iter().enumerate() {
        let tmp = tempdir();
        let mut child = std::process::Command::new(&bin)
            .args([
                "run",
                SMALL,
                "--quiet",
                "--weekly-trials",
                "--trials",
                "100000",
                "--threads",
                "2",
                // Killed long before the end: the guards' estimates of a whole run do not apply.
                "--allow-disk",
                "--allow-memory",
                "--out",
            ])
            .arg(tmp.path())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        for (file, per_trial) in [("trials.csv", 7), ("weekly_trials.csv", 7 * 40)] {
            // A kill before the files were created, or before their header row was written,
            // leaves no file or an empty one: no rows, nothing partial.
            let text = fs::read_to_string(tmp.path().join(file)).unwrap_or_default();
            if text.is_empty() {
                continue;
            }
            assert!(text.ends_with('\n'), "kill {k}: {file} ends inside a row");
            let mut lines = text.lines();
            let fields = lines.next().unwrap().split(',').count();
            let rows: Vec<&str> = lines.collect();
            assert!(
                rows.iter().all(|r| r.split(',').count() == fields),
                "kill {k}: {file} has a partial row"
            );
            assert_eq!(
                rows.len() % per_trial,
                0,
                "kill {k}: {file} has a partial trial"
            );
            for (i, chunk) in rows.chunks(per_trial).enumerate() {
                assert!(
                    chunk.iter().all(|r| r.starts_with(&format!("{i},"))),
                    "kill {k}: trial {i} out of order"
                );
            }
            finished += rows.len() / per_trial;
        }
    }
    // A trial takes about 10 ms: the kills must have left some finished, or nothing was tested.
    assert!(finished > 0);
}

#[test]
fn zero_threads_or_trials_are_refused_before_anything_runs() {
    let tmp = tempdir();
    // A negative count is the same mistake, not a flag: no tip about `--`.
    for (flag, value) in [
        ("--threads", "0"),
        ("--trials", "0"),
        ("--trials", "-1"),
        ("--threads", "-2"),
    ] {
        livemarket()
            .current_dir(tmp.path())
            .args(["run", flag, value])
            .assert()
            .code(2)
            .stdout("")
            .stderr(format!(
                "error: invalid value '{value}' for '{flag} <N>': must be at least 1\n\n\
                 For more information, try '--help'.\n"
            ));
    }
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn the_dialect_can_be_chosen_once_in_the_environment_and_a_flag_overrides_it() {
    let tmp = tempdir();
    let first_line = |dir: &std::path::Path| {
        std::fs::read_to_string(dir.join("trials.csv"))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    let (set, flag) = (tmp.path().join("set"), tmp.path().join("flag"));
    livemarket()
        .env("LIVEMARKET_CSV_DIALECT", "decimal-comma")
        .args(["run", SMALL, "--quiet", "--trials", "1", "--out"])
        .arg(&set)
        .assert()
        .success();
    assert!(first_line(&set).starts_with("trial;seed;country"));
    livemarket()
        .env("LIVEMARKET_CSV_DIALECT", "decimal-comma")
        .args([
            "run",
            SMALL,
            "--quiet",
            "--trials",
            "1",
            "--csv-dialect",
            "standard",
        ])
        .arg("--out")
        .arg(&flag)
        .assert()
        .success();
    assert!(first_line(&flag).starts_with("trial,seed,country"));
}

#[test]
fn targets_without_the_trial_data_says_what_is_missing() {
    let tmp = tempdir();
    livemarket()
        .args([
            "run",
            "tests/data/bass-calibration.toml",
            "--quiet",
            "--trials",
            "1",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    std::fs::remove_file(tmp.path().join("trials.bin")).unwrap();
    fails_with(
        &[
            "targets",
            &tmp.path().display().to_string(),
            "--targets",
            "tests/data/bass-targets.toml",
        ],
        &format!(
            "{} has no trials.bin (the trial data every run writes, from which the targets' \
             quantities are measured): it was removed or moved; put it back, or run the \
             scenario again",
            tmp.path().display()
        ),
    );
}

#[test]
fn summarize_without_the_trial_data_says_what_is_missing() {
    let tmp = tempdir();
    livemarket()
        .args(["run", SMALL, "--quiet", "--trials", "1", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    std::fs::remove_file(tmp.path().join("trials.bin")).unwrap();
    fails_with(
        &["summarize", &tmp.path().display().to_string()],
        &format!(
            "{} has no trials.bin (the trial data every run writes, from which the summaries are \
             computed): it was removed or moved; put it back, or run the scenario again",
            tmp.path().display()
        ),
    );
}

#[test]
fn a_name_that_is_a_path_is_refused_before_anything_is_written() {
    for name in ["..", "../elsewhere", "/tmp/x", "a b"] {
        check_error(
            "pathy.toml",
            &format!(
                "name = {name:?}\nstart = 2021-01-04\nweeks = 10\n[countries.GB]\npopulation = 1e6\n"
            ),
            &format!(
                "pathy.toml:1:8: `name` = {name:?} is not a plain folder name; it names the output \
                 folder (results/<name>), so use only letters, digits, `.`, `_` and `-`, and not \
                 `.` or `..`"
            ),
        );
    }
}

/// A targets file for tests/data/small.toml: one target that holds, one that does not.
const SMALL_TARGETS: &str = r#"
[target.alpha_gmv]
label = "alpha's GMV"
kind = "sum"
metric = "gmv_usd"
platforms = ["alpha"]
check = "every_trial_above"
value = 0
source = "test"
confidence = "low"

[target.cc_cancelled]
label = "alpha's CC launch cancelled"
kind = "cancelled"
platforms = ["alpha"]
countries = ["CC"]
check = "mean_below"
value = 0.5
source = "test"
confidence = "low"
"#;

#[test]
fn targets_prints_each_target_beside_the_folders_median_and_range() {
    let tmp = tempdir();
    let dir = tmp.path().join("small");
    run_small(&dir, "2", &[]);
    let file = tmp.path().join("targets.toml");
    fs::write(&file, SMALL_TARGETS).unwrap();
    let out = livemarket()
        .args(["targets"])
        .arg(&dir)
        .arg("--targets")
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    // The median, p05 and p95 of alpha's GMV over all countries are those of summary.csv's
    // ALL row (computed there from the same trials, by another path).
    let summary = fs::read_to_string(dir.join("summary.csv")).unwrap();
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row: Vec<&str> = summary
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| {
            r[col("country")] == "ALL"
                && r[col("platform")] == "alpha"
                && r[col("metric")] == "gmv_usd"
        })
        .expect("an ALL row of alpha's GMV");
    let usd = |c: &str| {
        livemarket::format::human(row[col(c)].parse().unwrap(), livemarket::format::Unit::Usd)
    };
    let line = out.lines().find(|l| l.starts_with("alpha's GMV")).unwrap();
    assert!(line.contains(&format!("{}  ", usd("p50"))), "{line}");
    assert!(
        line.contains(&format!("{} - {}", usd("p05"), usd("p95"))),
        "{line}"
    );
    assert!(line.contains(" yes "), "{line}");
    // CC's launch is gated on $1 bn a week: cancelled in every trial, so the check fails.
    let line = out.lines().find(|l| l.starts_with("alpha's CC")).unwrap();
    assert!(line.contains("NO (mean 100%)"), "{line}");
    assert!(out.contains("6 trials of "), "{out}");
    // Markdown, for docs/calibration.md.
    livemarket()
        .args(["targets", "--markdown", "--targets"])
        .arg(&file)
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "| quantity | target | median |",
        ));
}

#[test]
fn targets_errors_name_the_file_line_and_fix() {
    let tmp = tempdir();
    let dir = tmp.path().join("small");
    run_small(&dir, "1", &[]);
    // An unknown kind of quantity: file, line and column, and the kinds there are.
    let file = tmp.path().join("bad.toml");
    fs::write(
        &file,
        SMALL_TARGETS.replace("kind = \"sum\"", "kind = \"total\""),
    )
    .unwrap();
    livemarket()
        .arg("targets")
        .arg(&dir)
        .arg("--targets")
        .arg(&file)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "{}:4:8: unknown variant `total`",
            file.display()
        )))
        .stderr(predicate::str::contains(
            "`sum`, `share`, `rank`, `cancelled`, `opened`",
        ));
    // A missing targets file.
    livemarket()
        .arg("targets")
        .arg(&dir)
        .args(["--targets", "no-such-targets.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: cannot read the targets file no-such-targets.toml: ",
        ));
    // The bundled 2021 targets on a scenario without their platforms.
    livemarket()
        .arg("targets")
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "target `tiktok_gmv_2021`: platform `tiktok` is not in the results' scenario (it \
             has alpha, beta, gamma)",
        ));
    // A folder that is not a result folder.
    livemarket()
        .arg("targets")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no manifest.json"));
}

#[test]
fn a_folder_of_result_files_without_a_manifest_is_refused_even_with_force() {
    let tmp = tempdir();
    let dir = tmp.path().join("mine");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("summary.csv"), "my own numbers\n").unwrap();
    fs::write(dir.join("points.csv"), "my own points\n").unwrap();
    fs::write(dir.join("notes.txt"), "notes\n").unwrap();
    for force in [&[][..], &["--force"][..]] {
        fails_in(
            livemarket()
                .args(["run", SMALL, "--quiet", "--trials", "2", "--out"])
                .arg(&dir)
                .args(force),
            &format!(
                "{} holds points.csv, summary.csv but no manifest.json: no livemarket run wrote \
                 them, so livemarket will not replace them (not even with --force). Move them, \
                 or write elsewhere with --out",
                dir.display()
            ),
        );
    }
    assert_eq!(
        fs::read_to_string(dir.join("summary.csv")).unwrap(),
        "my own numbers\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("points.csv")).unwrap(),
        "my own points\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "notes\n"
    );
}

#[cfg(unix)]
#[test]
fn a_link_in_place_of_a_result_file_is_refused_and_what_it_points_to_is_untouched() {
    let tmp = tempdir();
    let dir = tmp.path().join("r");
    let victim = tmp.path().join("victim.csv");
    fs::write(&victim, "not livemarket's\n").unwrap();
    livemarket()
        .args(["run", SMALL, "--quiet", "--trials", "2", "--out"])
        .arg(&dir)
        .assert()
        .success();
    fs::remove_file(dir.join("trials.csv")).unwrap();
    std::os::unix::fs::symlink(&victim, dir.join("trials.csv")).unwrap();
    // --force would clear the folder and create trials.csv anew.
    fails_in(
        livemarket()
            .args(["run", SMALL, "--quiet", "--trials", "2", "--force", "--out"])
            .arg(&dir),
        &format!(
            "{}/trials.csv is a link; livemarket writes no result through a link. Remove it, or \
             write elsewhere with --out",
            dir.display()
        ),
    );
    // --resume of an interrupted run would append to trials.csv.
    let mut m = manifest(&dir);
    m["status"] = "interrupted".into();
    fs::write(dir.join("manifest.json"), m.to_string()).unwrap();
    livemarket()
        .args([
            "run", SMALL, "--quiet", "--trials", "2", "--resume", "--out",
        ])
        .arg(&dir)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "cannot resume {}/trials.csv",
            dir.display()
        )));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "not livemarket's\n");
    assert!(
        fs::symlink_metadata(dir.join("trials.csv"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn counts_that_would_overflow_are_refused_before_anything_runs() {
    let tmp = tempdir();
    let out = tmp.path().join("o");
    let o = out.to_str().unwrap();
    fails_with(
        &[
            "run",
            SMALL,
            "-q",
            "--trials",
            "2",
            "--first-trial",
            "18446744073709551615",
            "--out",
            o,
        ],
        "--first-trial 18446744073709551615 with --trials 2: the trial indices would pass \
         18446744073709551615; lower --first-trial or --trials",
    );
    fails_with(
        &[
            "run",
            SMALL,
            "-q",
            "--trials",
            "9223372036854775808",
            "--vary",
            "countries.AA.lapse=0.1,0.2",
            "--out",
            o,
        ],
        "--trials 9223372036854775808 at each of 2 points is more runs than can be counted; \
         lower --trials or the sweep's points",
    );
    fails_with(
        &[
            "run",
            SMALL,
            "-q",
            "--vary",
            "countries.AA.lapse=0:1:1e-300",
            "--out",
            o,
        ],
        // The step is written as every number is: plain decimals, 300 zeros here.
        &format!(
            "--vary countries.AA.lapse=0:1:1e-300: `countries.AA.lapse`: from 0 to 1 by {} is \
             1.000000001e300 values; at most 1000000: use a larger step",
            1e-300_f64
        ),
    );
    assert!(!out.exists());
}

#[test]
fn first_mistakes_get_an_answer_that_says_what_to_write() {
    let tmp = tempdir();
    let sweep = tmp.path().join("s");
    livemarket()
        .args([
            "run",
            SMALL,
            "-q",
            "--trials",
            "2",
            "--vary",
            "countries.AA.lapse=0.1,0.2,0.3",
        ])
        .arg("--out")
        .arg(&sweep)
        .assert()
        .success();
    // `compare DIR '#2'`: the point apart from its folder.
    fails_in(
        livemarket().arg("compare").arg(&sweep).arg("#2"),
        &format!(
            "`#2` names a point but no folder; write them as one argument, `{}#2`, or `DIR#2` \
             for another folder",
            sweep.display()
        ),
    );
    // A range without its step.
    fails_with(
        &[
            "run",
            SMALL,
            "-q",
            "--vary",
            "countries.AA.lapse=0.2:0.6",
            "--dry-run",
        ],
        "--vary countries.AA.lapse=0.2:0.6: `0.2:0.6` has no step: write FROM:TO:STEP \
         (0.2:0.6:STEP) for values a step apart, or 0.2..0.6 for a range a design draws from",
    );
    // A file far too large to be a scenario is refused before it is parsed.
    let big = tmp.path().join("big.toml");
    fs::write(&big, "#".repeat(5 << 20)).unwrap();
    fails_in(
        livemarket().arg("check").arg(&big),
        &format!(
            "{}: cannot read the scenario file: it is larger than 4 MB, the most a scenario file \
             may be; check the path, or leave it out to run the bundled baseline",
            big.display()
        ),
    );
}

#[test]
fn output_paths_that_cannot_be_are_named_as_the_user_wrote_them() {
    let tmp = tempdir();
    let file = tmp.path().join("afile");
    fs::write(&file, "mine\n").unwrap();
    fails_in(
        livemarket()
            .args(["run", SMALL, "-q", "--trials", "2", "--out"])
            .arg(&file),
        &format!(
            "--out {} is a file, not a folder; name a folder (it is created if missing)",
            file.display()
        ),
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), "mine\n");
    let dir = tmp.path().join("r");
    livemarket()
        .args(["run", SMALL, "-q", "--trials", "2", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let missing = tmp.path().join("missing");
    fails_in(
        livemarket()
            .arg("compare")
            .arg(&dir)
            .arg(&dir)
            .args(["-q", "--out"])
            .arg(missing.join("c.csv")),
        &format!(
            "cannot write {}: the folder {} does not exist; create it first, or name another",
            missing.join("c.csv").display(),
            missing.display()
        ),
    );
}

#[test]
fn model_1_keys_name_what_replaced_them() {
    check_error(
        "old.toml",
        &format!(
            "{HEAD}population = 1e6\ncreators = {{ min_weekly_earnings_usd = 100 }}\n\
             [platforms.t.markets.GB]\nsubsidy = {{ rate = 0.2, policy = \"roi\", target_roi = 8 }}\n"
        ),
        "old.toml:5:40: `countries.GB.creators.min_weekly_earnings_usd` was removed in model 2: each \
         creator has its own reservation wage; write `countries.GB.creators.reservation_usd` (its \
         median, USD per week) and `reservation_sigma` instead\n\
         old.toml:7:34: `platforms.t.markets.GB.subsidy.policy` = \"roi\" was removed in model 2 (its \
         measure, GMV per subsidy dollar, is 1/rate whenever the budget does not bind); use policy = \
         \"review\" with measure = \"growth\", \"incremental\" or \"contribution\" and a review_target\n\
         old.toml:7:54: `platforms.t.markets.GB.subsidy.target_roi` was removed in model 2 with the \
         `roi` policy; use policy = \"review\", a `measure` and `review_target`",
    );
}

#[test]
fn creators_writes_every_creators_end_state_and_summarize_rebuilds_it() {
    // The small world has 60 + 40 + 30 creators: 130 rows per trial.
    let tmp = tempdir();
    let out = tmp.path().join("r");
    livemarket()
        .args([
            "run",
            SMALL,
            "--quiet",
            "--trials",
            "3",
            "--creators",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let text = fs::read_to_string(out.join("creators.csv")).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        "trial,seed,country,home,initial_home,followers,skill,reservation_usd,trailing_usd,\
         earnings_usd,switches,dormant_weeks,dormant"
    );
    assert_eq!(text.lines().count(), 3 * 130 + 1);
    // Poaching moves some of AA's creators from alpha to beta.
    assert!(text.lines().any(|l| l.contains(",AA,beta,alpha,")));
    fs::remove_file(out.join("creators.csv")).unwrap();
    livemarket()
        .args(["summarize", "--quiet"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(fs::read_to_string(out.join("creators.csv")).unwrap(), text);
    // Without the option there is no such file.
    let plain = tmp.path().join("plain");
    livemarket()
        .args(["run", SMALL, "--quiet", "--trials", "1", "--out"])
        .arg(&plain)
        .assert()
        .success();
    assert!(!plain.join("creators.csv").exists());
}
