//! What the calibrator took from pyabc beyond its first sampler, through the binary: the
//! adaptive distance (`--distance adaptive`), the local-covariance kernel (`--kernel local`)
//! and the defensive mixture with the prior (`--defensive`) each recover the Bass world's p
//! and q; with them, a calibration is the same resumed or sharded; the wall-time stop
//! (`--max-minutes`) leaves a complete folder that `--resume` finishes as if it had never
//! stopped; the prior predictive check (`--prior-check`) flags a target every prior draw
//! meets; and the identification lines and file say what the posterior pinned. (The analytic
//! normal-mean posterior is checked for every option in `src/calibrate/smc.rs`, their math in
//! `distance/adaptive.rs`, `transition/local.rs` and `transition/defensive.rs`.)

use crate::calibrate::{
    QUICK, bass, bass_targets, calibrate, files, holds_truth, observed, posterior, quick,
    same_tables, weighted_quantile,
};
use crate::common::{livemarket, read, tempdir};
use std::path::Path;

/// A calibration that prints (no --quiet); its stdout.
fn calibrate_loud(scenario: &Path, targets: &Path, out: &Path, args: &[&str]) -> String {
    let o = livemarket()
        .arg("calibrate")
        .arg(scenario)
        .arg("--targets")
        .arg(targets)
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// The Bass recovery of `tests/it/calibrate.rs` with extra options: the truth inside each 90%
/// interval and each interval under half its prior's width; the identification lines and
/// file agree.
fn bass_recovers_with(extra: &[&str]) {
    let truth = bass(0.03, 0.38, false);
    let targets = observed(&truth, bass_targets);
    let dir = tempdir();
    let (s, t) = files(dir.path(), &bass(0.03, 0.38, true), &targets);
    let out = dir.path().join("cal");
    let args = [
        &[
            "--population",
            "300",
            "--max-generations",
            "8",
            "--seed",
            "3",
        ][..],
        extra,
    ]
    .concat();
    let stdout = calibrate_loud(&s, &t, &out, &args);
    holds_truth(
        &out,
        &[
            ("diffusion.innovation", 0.03),
            ("diffusion.imitation", 0.38),
        ],
        0.9,
    );
    let ratios: Vec<f64> = posterior(&out)
        .into_iter()
        .map(|(path, xs)| {
            let width = weighted_quantile(xs.clone(), 0.95) - weighted_quantile(xs, 0.05);
            // Uniform priors: the prior's 90% is 0.9 of its range (p 0.095, q 0.85).
            let prior = if path.ends_with("innovation") {
                0.9 * 0.095
            } else {
                0.9 * 0.85
            };
            let ratio = width / prior;
            assert!(ratio < 0.5, "{path}: 90% interval {width} wide ({extra:?})");
            ratio
        })
        .collect();
    // The command's last lines and identification.csv give the same width ratios.
    assert!(
        stdout.contains("identification (posterior 90% width / prior 90% width"),
        "{stdout}"
    );
    assert!(
        stdout.contains("share of the last generation's squared distance: week1 "),
        "{stdout}"
    );
    let csv = read(&out.join("identification.csv"));
    let written: Vec<f64> = csv
        .lines()
        .filter(|l| l.starts_with("width_ratio,"))
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(written.len(), 2, "{csv}");
    for (a, b) in written.iter().zip(&ratios) {
        // The file's ratio is of the prior's exact 90% (uniform: 0.9 of the range), the
        // test's the same: equal but for rounding to the written digits.
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
    let shares: Vec<f64> = csv
        .lines()
        .filter(|l| l.starts_with("distance_share,"))
        .map(|l| l.rsplit(',').next().unwrap().parse::<f64>().unwrap())
        .collect();
    // The shares sum to 1 before they are written; each is written to 6 significant digits
    // (below 1, so rounded by at most 0.5e-6), so the written ones sum to 1 within n × 0.5e-6.
    let tolerance = shares.len() as f64 * 0.5e-6;
    let sum: f64 = shares.iter().sum();
    assert!((sum - 1.0).abs() <= tolerance, "{sum} ({csv})");
}

#[test]
fn the_adaptive_distance_recovers_the_bass_p_and_q() {
    bass_recovers_with(&["--distance", "adaptive"]);
}

#[test]
fn the_local_kernel_recovers_the_bass_p_and_q() {
    bass_recovers_with(&["--kernel", "local"]);
}

#[test]
fn the_defensive_mixture_recovers_the_bass_p_and_q() {
    bass_recovers_with(&["--defensive", "0.1"]);
}

#[test]
fn a_defensive_share_outside_0_to_1_is_refused_by_name() {
    let dir = tempdir();
    let (s, t) = quick(dir.path());
    for alpha in ["1", "-0.1"] {
        livemarket()
            .arg("calibrate")
            .arg(&s)
            .arg("--targets")
            .arg(&t)
            .arg("--out")
            .arg(dir.path().join("out"))
            .args(QUICK)
            .arg(format!("--defensive={alpha}"))
            .assert()
            .failure()
            .stderr(predicates::str::contains(format!(
                "--defensive {alpha} must be 0 or more and below 1"
            )));
        assert!(!dir.path().join("out").exists(), "nothing written");
    }
}

#[test]
fn adaptive_and_local_calibrations_are_the_same_resumed_or_sharded() {
    let dir = tempdir();
    let (s, t) = quick(dir.path());
    let options = [
        &QUICK[..],
        &[
            "--distance",
            "adaptive",
            "--kernel",
            "local",
            "--defensive",
            "0.1",
        ],
    ]
    .concat();
    let one = dir.path().join("one");
    calibrate(&s, &t, &one, &options);
    let checkpoint = read(&one.join("calibration.json"));
    assert!(
        checkpoint.contains("\"distance\": \"adaptive\"")
            && checkpoint.contains("\"kernel\": \"local\"")
            && checkpoint.contains("\"defensive\": 0.1")
            && checkpoint.contains("\"spread\""),
        "the recipe and the spreads are in the checkpoint"
    );

    // Stopped by a wall time of 0 after each generation, resumed each time: every stop is a
    // complete folder, and the last is the uninterrupted calibration's.
    let paused = dir.path().join("paused");
    let first = calibrate_loud(
        &s,
        &t,
        &paused,
        &[&options[..], &["--max-minutes", "0"]].concat(),
    );
    assert!(first.contains("1 generations"), "{first}");
    assert!(
        first.contains("stopped: the wall-time budget (--max-minutes)"),
        "{first}"
    );
    assert_eq!(read(&paused.join("generations.csv")).lines().count(), 2);
    for f in [
        "posterior.csv",
        "predictive.csv",
        "report.html",
        "identification.csv",
    ] {
        assert!(
            paused.join(f).exists(),
            "{f} is written at a wall-time stop"
        );
    }
    // Refused without --resume, as any calibration is.
    livemarket()
        .arg("calibrate")
        .arg(&s)
        .arg("--targets")
        .arg(&t)
        .arg("--out")
        .arg(&paused)
        .args(&options)
        .assert()
        .failure();
    let again = calibrate_loud(
        &s,
        &t,
        &paused,
        &[&options[..], &["--max-minutes", "0", "--resume"]].concat(),
    );
    assert!(again.contains("resumed after 1 generations"), "{again}");
    calibrate(&s, &t, &paused, &[&options[..], &["--resume"]].concat());
    same_tables(&one, &paused);

    let sharded = dir.path().join("sharded");
    for _ in 0..QUICK[3].parse::<usize>().unwrap() {
        for k in ["1/2", "2/2"] {
            calibrate(&s, &t, &sharded, &[&options[..], &["--shard", k]].concat());
        }
        calibrate(&s, &t, &sharded, &[&options[..], &["--merge"]].concat());
    }
    same_tables(&one, &sharded);

    // Resuming with the other distance is refused by name.
    livemarket()
        .arg("calibrate")
        .arg(&s)
        .arg("--targets")
        .arg(&t)
        .arg("--out")
        .arg(&one)
        .args(QUICK)
        .arg("--resume")
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "--distance, --kernel, --defensive",
        ));
}

#[test]
fn a_wall_time_of_zero_stops_after_generation_0_and_resumes_to_the_uninterrupted_result() {
    let dir = tempdir();
    let (s, t) = quick(dir.path());
    let whole = dir.path().join("whole");
    calibrate(&s, &t, &whole, &QUICK);
    let cut = dir.path().join("cut");
    let stdout = calibrate_loud(
        &s,
        &t,
        &cut,
        &[&QUICK[..], &["--max-minutes", "0"]].concat(),
    );
    assert!(stdout.starts_with("1 generations, "), "{stdout}");
    assert!(
        stdout.contains(
            "stopped: the wall-time budget (--max-minutes) had passed when the last generation \
             finished; the folder is complete, and --resume with the same options continues \
             the calibration from there"
        ),
        "{stdout}"
    );
    calibrate(&s, &t, &cut, &[&QUICK[..], &["--resume"]].concat());
    same_tables(&whole, &cut);
    // A finished calibration's checkpoint no longer says it paused.
    assert!(!read(&cut.join("calibration.json")).contains("\"paused\""));
}

#[test]
fn the_prior_check_flags_a_target_every_prior_draw_meets() {
    let dir = tempdir();
    // Three adoption targets, and one no draw can miss: fewer than a billion adopters in
    // week 6 of a world of 3,000 consumers.
    let mut targets = bass_targets(&[300.0, 1400.0, 2800.0], &[30.0, 60.0, 60.0]);
    targets.push_str(
        "[target.bounded]\nlabel = \"adopters in week 6, a bound\"\nkind = \"sum\"\n\
         metric = \"adopters\"\nweeks = [6, 6]\ncheck = \"every_trial_below\"\nvalue = 1e9\n\
         scale = 1\nsource = \"none: a bound no draw misses\"\nconfidence = \"high\"\n",
    );
    let (s, t) = files(dir.path(), &bass(0.03, 0.38, true), &targets);
    let out = dir.path().join("cal");
    let stdout = calibrate_loud(&s, &t, &out, &["--prior-check", "30", "--seed", "4"]);
    assert!(
        stdout.starts_with("prior predictive check: 30 draws from the prior (seed 4;"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "cannot inform: bounded (every prior draw meets it, so its distance is 0 whatever \
             the parameters)"
        ),
        "{stdout}"
    );
    let csv = read(&out.join("prior-check.csv"));
    let flagged: Vec<&str> = csv
        .lines()
        .filter(|l| l.ends_with(",cannot inform"))
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(flagged, ["bounded"], "{csv}");
    let bounded = csv.lines().find(|l| l.starts_with("bounded,")).unwrap();
    assert!(bounded.contains(",1,30,0,cannot inform"), "{bounded}");
    // No calibration ran.
    assert!(!out.join("calibration.json").exists());
    // A prior check replaces its own file; a file of that name the user wrote is kept
    // unless --force.
    calibrate_loud(&s, &t, &out, &["--prior-check", "30", "--seed", "4"]);
    assert_eq!(read(&out.join("prior-check.csv")), csv);
    std::fs::write(out.join("prior-check.csv"), "my notes\n").unwrap();
    let o = livemarket()
        .arg("calibrate")
        .arg(&s)
        .arg("--targets")
        .arg(&t)
        .arg("--out")
        .arg(&out)
        .args(["--prior-check", "30", "--seed", "4"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(
            "prior-check.csv is not a prior check livemarket wrote; move it, or pass --force \
             to replace it"
        ),
        "{o:?}"
    );
    assert_eq!(read(&out.join("prior-check.csv")), "my notes\n");
    calibrate_loud(
        &s,
        &t,
        &out,
        &["--prior-check", "30", "--seed", "4", "--force"],
    );
    assert_eq!(read(&out.join("prior-check.csv")), csv);

    // A calibration of the same seed and population draws the same generation 0: its
    // report's first section is the same check.
    calibrate(
        &s,
        &t,
        &out,
        &[
            "--population",
            "30",
            "--max-generations",
            "1",
            "--seed",
            "4",
            "--batch",
            "10",
        ],
    );
    let report = read(&out.join("report.html"));
    let check = report.find("<h2>Prior predictive check</h2>").unwrap();
    let generations = report.find("<h2>Generations</h2>").unwrap();
    assert!(check < generations);
    assert!(report[check..generations].contains("cannot inform"));
}
