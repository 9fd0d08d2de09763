//! Parameter paths, sweeps and `compare`, through the real binary.

use crate::common::{SMALL, fails_with, livemarket, manifest, read, tempdir};
use predicates::prelude::*;
use std::fs;
use std::path::Path;

/// Runs the small scenario quietly into `dir` with `extra` arguments (2 trials unless they
/// say otherwise); it must succeed silently.
fn run(dir: &Path, extra: &[&str]) {
    let trials: &[&str] = if extra.contains(&"--trials") {
        &[]
    } else {
        &["--trials", "2"]
    };
    livemarket()
        .args(["run", SMALL, "--quiet", "--out"])
        .arg(dir)
        .args(trials)
        .args(extra)
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

/// Lines of a CSV without the first `n` columns (none of them quoted).
fn drop_columns(text: &str, n: usize) -> Vec<String> {
    text.lines()
        .map(|l| l.splitn(n + 1, ',').last().unwrap().to_string())
        .collect()
}

#[test]
fn params_lists_every_path_with_its_value_type_and_unit() {
    livemarket()
        .args(["params", SMALL])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"(?m)^path +value +type +unit$").unwrap())
        .stdout(
            predicate::str::is_match(
                r"(?m)^platforms\.alpha\.markets\.AA\.subsidy\.rate +0\.2 +number +share of order value$",
            )
            .unwrap(),
        )
        // A default the file leaves out, and an optional key it leaves unset.
        .stdout(
            predicate::str::is_match(r"(?m)^countries\.CC\.diffusion\.rewire +0\.1 +number +probability per edge$")
                .unwrap(),
        )
        .stdout(
            predicate::str::is_match(r"(?m)^platforms\.alpha\.markets\.BB\.subsidy\.max_rate +\(unset\) +number")
                .unwrap(),
        )
        .stdout(
            predicate::str::is_match(
                r"(?m)^countries\.AA\.diffusion\.network +random +one of random\|small_world\|well_mixed +-$",
            )
            .unwrap(),
        );
}

#[test]
fn params_shows_values_after_set() {
    livemarket()
        .args(["params", SMALL, "--set", "countries.AA.lapse=0.05"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"(?m)^countries\.AA\.lapse +0\.05 +number").unwrap());
}

#[test]
fn fails_on_a_misspelt_path_listing_the_nearest_valid_paths() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    fails_with(
        &[
            "run",
            SMALL,
            "--set",
            "platforms.alpha.markets.AA.subsidy.rte=0.1",
            "--out",
            out.to_str().unwrap(),
        ],
        "--set platforms.alpha.markets.AA.subsidy.rte=0.1: unknown parameter \
         `platforms.alpha.markets.AA.subsidy.rte`; nearest: `platforms.alpha.markets.AA.subsidy.rate`, \
         `platforms.alpha.markets.AA.subsidy.target`, `platforms.alpha.markets.AA.subsidy.raise`; \
         `livemarket params` lists them all",
    );
    assert!(!out.exists(), "nothing is written on bad input");
    // A country code in lower case is the case, not a missing table.
    fails_with(
        &["run", SMALL, "--set", "countries.aa.lapse=0.1"],
        "--set countries.aa.lapse=0.1: unknown parameter `countries.aa.lapse`; names are \
         case-sensitive (country codes upper case, keys lower case): did you mean \
         `countries.AA.lapse`?",
    );
}

#[test]
fn fails_on_an_overridden_value_out_of_range() {
    fails_with(
        &["run", SMALL, "--set", "countries.AA.online_share=1.5"],
        "--set countries.AA.online_share=1.5: `countries.AA.online_share` = 1.5 is out of range; \
         it must be above 0 and at most 1",
    );
    fails_with(
        &["run", SMALL, "--set", "countries.AA.diffusion.network=ring"],
        "--set countries.AA.diffusion.network=ring: `countries.AA.diffusion.network` cannot be \
         ring; use one of `random`, `small_world`, `well_mixed`",
    );
}

#[test]
fn set_changes_the_run_and_is_recorded_without_point_columns() {
    let tmp = tempdir();
    let (plain, set) = (tmp.path().join("plain"), tmp.path().join("set"));
    run(&plain, &[]);
    run(&set, &["--set", "countries.AA.live_affinity.mean=0.3"]);
    assert!(read(&set.join("trials.csv")).starts_with("trial,seed,country,platform,"));
    assert!(!set.join("points.csv").exists());
    assert_ne!(
        read(&plain.join("trials.csv")),
        read(&set.join("trials.csv"))
    );
    let (manifest, plain) = (manifest(&set), manifest(&plain));
    assert_eq!(
        manifest["overrides"][0],
        "countries.AA.live_affinity.mean=0.3"
    );
    assert_eq!(
        manifest["scenario"]["countries"]["AA"]["live_affinity"]["mean"],
        0.3
    );
    assert!(manifest.get("sweep").is_none());
    assert!(plain.get("overrides").is_none() && plain.get("sweep").is_none());
}

#[test]
fn a_grid_sweep_writes_points_and_point_columns_in_every_file() {
    let tmp = tempdir();
    run(
        tmp.path(),
        &[
            "--weekly-trials",
            "--vary",
            "countries.AA.live_affinity.mean=0.3,0.6",
            "--vary",
            "platforms.alpha.markets.AA.subsidy.rate=0:0.2:0.1",
        ],
    );
    assert_eq!(
        read(&tmp.path().join("points.csv")),
        "point,countries.AA.live_affinity.mean,platforms.alpha.markets.AA.subsidy.rate\n\
         0,0.3,0\n1,0.3,0.1\n2,0.3,0.2\n3,0.6,0\n4,0.6,0.1\n5,0.6,0.2\n"
    );
    let prefix = "point,countries.AA.live_affinity.mean,platforms.alpha.markets.AA.subsidy.rate,";
    let trials = read(&tmp.path().join("trials.csv"));
    assert!(trials.starts_with(&format!("{prefix}trial,seed,country,platform,")));
    // 6 points × 2 trials × 7 markets.
    assert_eq!(trials.lines().count(), 6 * 2 * 7 + 1);
    // Trial-major: every point's trial 0, then every point's trial 1.
    let order: Vec<(String, String)> = trials
        .lines()
        .skip(1)
        .step_by(7)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[3].to_string())
        })
        .collect();
    let expected: Vec<(String, String)> = (0..2)
        .flat_map(|t| (0..6).map(move |p| (p.to_string(), t.to_string())))
        .collect();
    assert_eq!(order, expected);
    assert!(trials.contains("\n4,0.6,0.1,1,"));
    let summary = read(&tmp.path().join("summary.csv"));
    assert!(summary.starts_with(&format!("{prefix}country,platform,metric,n,mean,")));
    assert!(summary.contains("\n5,0.6,0.2,ALL,alpha,gmv_usd,2,"));
    let weekly = read(&tmp.path().join("weekly.csv"));
    assert!(weekly.starts_with(&format!("{prefix}week,date,country,platform,metric,")));
    // Per point: 40 weeks × (7 markets × 19 metrics + 3 platforms × 18 additive metrics).
    assert_eq!(weekly.lines().count(), 6 * 40 * (7 * 19 + 3 * 18) + 1);
    let weekly_trials = read(&tmp.path().join("weekly_trials.csv"));
    assert!(weekly_trials.starts_with(&format!("{prefix}trial,seed,week,")));
    assert_eq!(weekly_trials.lines().count(), 6 * 2 * 40 * 7 + 1);
    let manifest = manifest(tmp.path());
    assert_eq!(manifest["sweep"]["points"], 6);
    assert_eq!(manifest["sweep"]["runs_done"], 12);
    assert_eq!(manifest["trials_done"], 2);
}

#[test]
fn one_and_two_threads_write_byte_identical_sweeps() {
    let tmp = tempdir();
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    let sweep = [
        "--weekly-trials",
        "--vary",
        "countries.BB.lapse=0.1,0.4",
        "--vary",
        "countries.CC.agents=1000,2000",
    ];
    run(&one, &[&["--threads", "1"][..], &sweep].concat());
    run(&two, &[&["--threads", "2"][..], &sweep].concat());
    for f in [
        "points.csv",
        "trials.csv",
        "summary.csv",
        "weekly.csv",
        "weekly_trials.csv",
        "events.csv",
    ] {
        assert!(
            read(&one.join(f)) == read(&two.join(f)),
            "{f} differs between 1 and 2 threads"
        );
    }
}

#[test]
fn points_with_identical_parameters_give_identical_trials() {
    // Common random numbers: trial k has the same seed at every point, so two points with the
    // same values are the same trials, and both match a run without a sweep.
    let tmp = tempdir();
    let (sweep, plain) = (tmp.path().join("sweep"), tmp.path().join("plain"));
    run(&sweep, &["--vary", "countries.AA.lapse=0.3,0.3,0.1"]);
    run(&plain, &[]);
    let rows = drop_columns(&read(&sweep.join("trials.csv")), 2);
    let point = |p: &str| -> Vec<String> {
        read(&sweep.join("trials.csv"))
            .lines()
            .filter(|l| l.starts_with(&format!("{p},")))
            .map(|l| l.splitn(3, ',').last().unwrap().to_string())
            .collect()
    };
    assert_eq!(point("0").len(), 14);
    assert_eq!(point("0"), point("1"));
    assert_ne!(point("0"), point("2"), "another lapse changes the trials");
    // Same seeds at every point.
    let seeds = |p: &str| -> Vec<String> {
        point(p)
            .iter()
            .map(|l| l.split(',').nth(1).unwrap().to_string())
            .collect()
    };
    assert_eq!(seeds("0"), seeds("2"));
    let plain_rows: Vec<String> = read(&plain.join("trials.csv"))
        .lines()
        .skip(1)
        .map(String::from)
        .collect();
    assert_eq!(point("0"), plain_rows);
    assert_eq!(
        rows[0],
        read(&plain.join("trials.csv")).lines().next().unwrap()
    );
}

#[test]
fn a_zip_design_needs_lists_of_one_length() {
    fails_with(
        &[
            "run",
            SMALL,
            "--design",
            "zip",
            "--vary",
            "countries.AA.lapse=0.1,0.2",
            "--vary",
            "countries.BB.lapse=0.1",
        ],
        "the sweep: a zip design takes the i-th value of every parameter together, so every list \
         must have the same length: `countries.AA.lapse` has 2, `countries.BB.lapse` has 1",
    );
}

#[test]
fn a_sweep_table_in_the_scenario_file_is_run_and_checked() {
    let tmp = tempdir();
    let base = fs::read_to_string(SMALL).unwrap();
    let file = tmp.path().join("lhs.toml");
    fs::write(
        &file,
        format!(
            "{base}\n[sweep]\ndesign = \"lhs\"\nsamples = 5\nseed = 3\ntrials = 1\n\
             [sweep.parameters]\n\"countries.AA.live_affinity.mean\" = {{ min = 0.2, max = 0.7 }}\n\
             \"countries.BB.agents\" = {{ min = 1000, max = 3000 }}\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    livemarket()
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .arg(&file)
        .assert()
        .success();
    let points = read(&out.join("points.csv"));
    let rows: Vec<Vec<f64>> = points
        .lines()
        .skip(1)
        .map(|l| l.split(',').skip(1).map(|x| x.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 5);
    // Each fifth of [0.2, 0.7] holds exactly one point.
    let mut strata: Vec<usize> = rows
        .iter()
        .map(|r| ((r[0] - 0.2) / 0.5 * 5.0).floor() as usize)
        .collect();
    strata.sort_unstable();
    assert_eq!(strata, vec![0, 1, 2, 3, 4]);
    assert!(
        rows.iter()
            .all(|r| r[1].fract() == 0.0 && (1000.0..=3000.0).contains(&r[1]))
    );
    // `[sweep] trials = 1`: 5 points × 1 trial × 7 markets.
    assert_eq!(read(&out.join("trials.csv")).lines().count(), 5 * 7 + 1);
    // A value out of range names the file, line and column of the parameter.
    let bad = tmp.path().join("bad.toml");
    fs::write(
        &bad,
        format!("{base}\n[sweep.parameters]\n\"countries.AA.lapse\" = [0.5, 1.5]\n"),
    )
    .unwrap();
    let line = base.lines().count() + 3;
    livemarket()
        .current_dir(tmp.path())
        .args(["check", "bad.toml"])
        .assert()
        .code(2)
        .stderr(format!(
            "error: bad.toml:{line}:24: sweep point 1 (countries.AA.lapse = 1.5): \
             `countries.AA.lapse` = 1.5 is out of range; it must be between 0 and 1\n"
        ));
}

#[test]
fn dry_run_prints_the_design_and_an_estimate_and_writes_nothing() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    livemarket()
        .args([
            "run",
            SMALL,
            "--dry-run",
            "--threads",
            "2",
            "--trials",
            "3",
            "--vary",
            "countries.AA.lapse=0.1,0.2",
            "--vary",
            "countries.BB.lapse=0.1:0.3:0.1",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "small: 6 points (grid) × 3 trials = 18 runs\n\n\
             point  countries.AA.lapse  countries.BB.lapse\n\
             0      0.1                 0.1\n\
             1      0.1                 0.2\n\
             2      0.1                 0.3\n",
        ))
        .stdout(predicate::str::is_match(r"(?m)^memory: about \d+\.\d MB \(2 threads × \d+\.\d MB per running trial \+ \d+\.\d MB to summarise \+ \d+\.\d MB for the plan's 6 point\(s\)\)\ndisk: about \d+\.\d MB of trial data \(trials\.bin\), besides the CSV files$").unwrap())
        .stdout(predicate::str::is_match(r"(?m)^time: about \d+\.\d (s|min|h) on 2 threads \(measured: trial 0 of point 0 took \d+\.\d\d s on one thread\)$").unwrap());
    assert!(!out.exists());
}

#[test]
fn seed_and_trials_cannot_be_swept() {
    fails_with(
        &["run", SMALL, "--vary", "seed=1,2"],
        "--vary seed=1,2: `seed` cannot be swept: every point runs trial k with the same seed, so \
         that points compare trial by trial (common random numbers); use --seed for a whole run \
         with other trials",
    );
}

/// Columns of compare.csv by name.
fn compare_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    rdr.records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn compare_of_a_sweep_pairs_trials_and_finds_no_difference_between_equal_points() {
    let tmp = tempdir();
    let dir = tmp.path().join("s");
    run(
        &dir,
        &["--trials", "3", "--vary", "countries.AA.lapse=0.3,0.3,0.05"],
    );
    livemarket()
        .arg("compare")
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains("intervals: "))
        .stdout(predicate::str::contains(" 0 bootstrap"));
    let rows = compare_rows(&dir.join("compare.csv"));
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["interval"] == "paired" || r["interval"].is_empty())
    );
    let same: Vec<_> = rows.iter().filter(|r| r["point"] == "1").collect();
    assert!(!same.is_empty());
    for r in &same {
        assert_eq!(r["diff"], "0", "{r:?}");
        assert_eq!(r["ks"], "0");
        assert_eq!(r["p_a_gt_b_paired"], "0.5");
        assert_eq!(r["n_a"], r["n_b"]);
    }
    let gmv = rows
        .iter()
        .find(|r| {
            r["point"] == "2"
                && r["country"] == "AA"
                && r["platform"] == "alpha"
                && r["metric"] == "gmv_usd"
        })
        .unwrap();
    assert_eq!(gmv["countries.AA.lapse"], "0.05");
    assert_eq!(gmv["n_a"], "3");
    // Lower lapse keeps more adopters buying: more GMV in every trial (paired).
    assert_eq!(gmv["p_a_gt_b_paired"], "1");
}

#[test]
fn compare_of_runs_with_other_seeds_uses_the_bootstrap() {
    let tmp = tempdir();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&a, &["--trials", "3"]);
    run(&b, &["--trials", "3", "--seed", "8"]);
    let out = tmp.path().join("c.csv");
    livemarket()
        .args(["compare", "--quiet", "--out"])
        .arg(&out)
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .stdout("");
    let rows = compare_rows(&out);
    assert!(rows.iter().any(|r| r["interval"] == "bootstrap"));
    assert!(
        rows.iter()
            .all(|r| r["interval"] != "paired" && r["p_a_gt_b_paired"].is_empty())
    );
    // A folder against itself: paired, no difference.
    livemarket()
        .args(["compare", "--quiet", "--out"])
        .arg(&out)
        .arg(&a)
        .arg(&a)
        .assert()
        .success();
    assert!(
        compare_rows(&out)
            .iter()
            .all(|r| r["diff"] == "0" && r["ks"] == "0")
    );
}

#[test]
fn compare_names_points_of_a_sweep_and_explains_bad_folders() {
    let tmp = tempdir();
    let dir = tmp.path().join("s");
    run(
        &dir,
        &["--trials", "1", "--vary", "countries.AA.lapse=0.1,0.2"],
    );
    let d = dir.display().to_string();
    fails_with(
        &["compare", &d, &format!("{d}#1")],
        &format!(
            "{d} holds a sweep of 2 points; name one as {d}#K (K from 0 to 1), or compare every \
             point with point 0: livemarket compare {d}; or give the sweep first to compare \
             every point with this folder"
        ),
    );
    fails_with(
        &["compare", &format!("{d}#0"), &format!("{d}#5")],
        &format!("{d}#5: the sweep has points 0 to 1; there is no point 5"),
    );
    let missing = tmp.path().join("missing").display().to_string();
    fails_with(
        &["compare", &missing, &format!("{d}#0")],
        &format!("{missing} has no trials.csv; name a folder written by `livemarket run`"),
    );
    let out = tmp.path().join("c.csv");
    livemarket()
        .args([
            "compare",
            "--quiet",
            &format!("{d}#1"),
            &format!("{d}#0"),
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(compare_rows(&out)[0]["a"], format!("{d}#1"));
}

#[test]
fn compare_of_a_sweep_with_a_base_run_compares_every_point_with_it() {
    // A sweep against an outside run of the same scenario and seed: every point's rows, each
    // with its swept values, in the sweep's folder; point k's rows are those of
    // `compare SWEEP#k BASE` (the same pairs, the same statistics).
    let tmp = tempdir();
    let (sweep, base) = (tmp.path().join("s"), tmp.path().join("base"));
    run(
        &sweep,
        &["--trials", "3", "--vary", "countries.AA.lapse=0.1,0.3"],
    );
    run(&base, &["--trials", "3", "--set", "countries.AA.lapse=0.3"]);
    let (s, b) = (sweep.display().to_string(), base.display().to_string());
    livemarket()
        .args(["compare", &s, &b, "--top", "1"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(format!(
            "A = each point of {s}, B = {b}\n"
        )));
    let rows = compare_rows(&sweep.join("compare.csv"));
    let points: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["point"].as_str()).collect();
    assert_eq!(points.into_iter().collect::<Vec<_>>(), ["0", "1"]);
    assert!(rows.iter().all(|r| r["b"] == b));
    // Point 1 has the base's lapse: trial k against trial k, no difference anywhere.
    let same: Vec<_> = rows.iter().filter(|r| r["point"] == "1").collect();
    assert!(!same.is_empty());
    assert!(
        same.iter()
            .all(|r| r["diff"] == "0" && r["interval"] == "paired")
    );
    let one = tmp.path().join("one.csv");
    livemarket()
        .args(["compare", "--quiet", &format!("{s}#0"), &b, "--out"])
        .arg(&one)
        .assert()
        .success();
    let point0: Vec<_> = rows.iter().filter(|r| r["point"] == "0").collect();
    let alone = compare_rows(&one);
    assert_eq!(point0.len(), alone.len());
    for (r, o) in point0.iter().zip(&alone) {
        for col in [
            "country", "platform", "metric", "mean_a", "mean_b", "diff", "diff_lo", "ks",
        ] {
            assert_eq!(r[col], o[col], "{col} of {r:?}");
        }
    }
}

#[test]
fn a_morris_sweep_ranks_parameters_and_finds_no_effect_where_there_is_none() {
    // gamma has no live shopping in AA, so its trust there cannot move any measure: its μ*
    // must be exactly 0 everywhere. AA's affinity drives AA alpha's GMV up in every
    // trajectory (μ = μ* > 0).
    let tmp = tempdir();
    run(
        tmp.path(),
        &[
            "--design",
            "morris",
            "--trajectories",
            "3",
            "--vary",
            "countries.AA.live_affinity.mean=0.2..0.8",
            "--vary",
            "platforms.gamma.markets.AA.trust=0.5..1.5",
        ],
    );
    assert_eq!(
        read(&tmp.path().join("points.csv")).lines().count(),
        3 * 3 + 1
    );
    livemarket()
        .args(["sensitivity", "--quiet"])
        .arg(tmp.path())
        .assert()
        .success()
        .stdout("");
    let table = read(&tmp.path().join("sensitivity.csv"));
    assert_eq!(
        table.lines().next().unwrap(),
        "country,platform,metric,parameter,r,mu_star,mu,sigma"
    );
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let trust: Vec<&Vec<&str>> = rows
        .iter()
        .filter(|r| r[3] == "platforms.gamma.markets.AA.trust")
        .collect();
    assert!(!trust.is_empty());
    assert!(
        trust.iter().all(|r| r[5] == "0" && r[4] == "3"),
        "{trust:?}"
    );
    let affinity = rows
        .iter()
        .find(|r| r[..4] == ["AA", "alpha", "gmv_usd", "countries.AA.live_affinity.mean"])
        .unwrap();
    let (mu_star, mu): (f64, f64) = (affinity[5].parse().unwrap(), affinity[6].parse().unwrap());
    assert!(
        mu_star > 0.0 && (mu - mu_star).abs() <= 1e-9 * mu_star,
        "{affinity:?}"
    );
}

#[test]
fn sensitivity_refuses_a_folder_without_a_morris_sweep() {
    let tmp = tempdir();
    run(tmp.path(), &["--vary", "countries.AA.lapse=0.1,0.2"]);
    let dir = tmp.path().display().to_string();
    fails_with(
        &["sensitivity", &dir],
        &format!(
            "{dir} holds no morris sweep (design: \"grid\"); run one with --design morris --trajectories N \
             and --vary PATH=MIN..MAX for each parameter"
        ),
    );
}

#[test]
fn swept_text_that_a_spreadsheet_would_run_is_written_as_text() {
    // `description` is free text (a `name` must be a plain folder name, so it cannot be one);
    // only a key the file sets can be swept.
    let tmp = tempdir();
    let scenario = tmp.path().join("described.toml");
    let text = fs::read_to_string(SMALL).unwrap();
    fs::write(&scenario, format!("description = \"plain\"\n{text}")).unwrap();
    livemarket()
        .arg("run")
        .arg(&scenario)
        .args([
            "--quiet",
            "--trials",
            "2",
            "--vary",
            "description==1+1,@x",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let points = read(&tmp.path().join("points.csv"));
    assert_eq!(points.lines().nth(1).unwrap(), "0,'=1+1");
    assert_eq!(points.lines().nth(2).unwrap(), "1,'@x");
    assert!(
        read(&tmp.path().join("trials.csv"))
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("0,'=1+1,")
    );
}
