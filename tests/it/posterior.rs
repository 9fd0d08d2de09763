//! Posterior runs through the binary: each trial takes one particle of a calibration's
//! posterior by weight, the same particle at every point and on any thread count; the
//! posterior is part of the run's recipe; bad posteriors are refused with a place and a fix.

use crate::common::{SMALL_TOML, assert_same, livemarket, manifest, read, tempdir};
use std::fs;
use std::path::{Path, PathBuf};

/// The small scenario shrunk for speed (2 weeks, 200 agents a country: a trial takes
/// milliseconds), with `extra` appended, written in `dir`.
fn scenario(dir: &Path, extra: &str) -> PathBuf {
    let text = SMALL_TOML
        .replace("weeks = 40", "weeks = 2")
        .replace("agents = 6000", "agents = 200")
        .replace("agents = 4000", "agents = 200")
        .replace("agents = 3000", "agents = 200");
    assert_ne!(text, SMALL_TOML, "the small scenario still has these keys");
    fs::create_dir_all(dir).unwrap();
    let path = dir.join("tiny.toml");
    fs::write(&path, format!("{text}\n{extra}\n")).unwrap();
    path
}

/// A two-particle posterior of two parameters, weights 0.8 and 0.2.
const TWO: &str = "particle,weight,countries.AA.live_affinity.mean,countries.AA.deal_sensitivity\n\
                   0,0.8,0.3,2.5\n\
                   1,0.2,0.8,1\n";

fn write(path: &Path, text: &str) -> PathBuf {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn run(file: &Path, out: &Path, args: &[&str]) {
    livemarket()
        .arg("run")
        .arg(file)
        .args(["--quiet", "--out"])
        .arg(out)
        .args(args)
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

/// `livemarket ARGS`, which must fail with status 2 and nothing on stdout; its stderr.
fn refused(args: &[&std::ffi::OsStr]) -> String {
    let out = livemarket().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    String::from_utf8(out.stderr).unwrap()
}

/// draws.csv as rows of cells, header first.
fn draws(dir: &Path) -> Vec<Vec<String>> {
    read(&dir.join("draws.csv"))
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

#[test]
fn trials_pick_particles_by_weight() {
    let tmp = tempdir();
    let file = scenario(tmp.path(), "");
    let post = write(&tmp.path().join("cal/posterior.csv"), TWO);
    let out = tmp.path().join("out");
    // The folder stands for its posterior.csv.
    run(
        &file,
        &out,
        &[
            "--trials",
            "400",
            "--posterior",
            post.parent().unwrap().to_str().unwrap(),
        ],
    );
    let rows = draws(&out);
    assert_eq!(
        rows[0],
        [
            "trial",
            "particle",
            "seed",
            "countries.AA.live_affinity.mean",
            "countries.AA.deal_sensitivity"
        ]
    );
    assert_eq!(rows.len(), 401);
    // Each row holds its particle's values, as the file writes them.
    for row in &rows[1..] {
        let expected = if row[1] == "0" {
            ["0.3", "2.5"]
        } else {
            ["0.8", "1"]
        };
        assert_eq!(row[3..], expected, "{row:?}");
    }
    // Picks are independent with P(particle 0) = 0.8: the count is binomial(400, 0.8), mean
    // 320 and sd sqrt(400 × 0.8 × 0.2) = 8; 4 sd (32) is a false alarm rate of 6e-5.
    let zeros = rows[1..].iter().filter(|r| r[1] == "0").count() as f64;
    assert!(
        (zeros - 320.0).abs() <= 4.0 * 8.0,
        "{zeros} of 400 trials took particle 0"
    );
    // The manifest records the posterior's text and its hash.
    let m = manifest(&out);
    assert_eq!(m["recipe"]["posterior"]["text"], TWO);
    assert_eq!(m["recipe"]["posterior"]["named_by"], "--posterior");
    assert_eq!(
        m["recipe"]["posterior"]["sha256"],
        livemarket::results::manifest::sha256_hex(TWO)
    );
}

#[test]
fn a_trial_takes_the_same_particle_at_every_point_and_on_any_thread_count() {
    let tmp = tempdir();
    // An [uncertain] table that shares a path with the posterior (whose values win) and has
    // one the posterior lacks (still drawn, from the same uniforms as without a posterior).
    let table = "[uncertain]\n\
                 \"countries.AA.live_affinity.mean\" = { dist = \"uniform\", min = 0.4, max = 0.6 }\n\
                 \"platforms.alpha.take_rate\" = { dist = \"uniform\", min = 0.02, max = 0.05 }";
    let file = scenario(tmp.path(), table);
    let post = write(&tmp.path().join("posterior.csv"), TWO);
    let post = post.to_str().unwrap();
    let p = |name: &str| tmp.path().join(name);
    let sweep = ["--trials", "12", "--vary", "countries.CC.lapse=0.1,0.3"];
    let with =
        |threads: &'static str| [&sweep[..], &["--posterior", post, "--threads", threads]].concat();
    run(&file, &p("one"), &with("1"));
    run(&file, &p("two"), &with("2"));
    assert_same(&p("one"), &p("two"), "1 and 2 threads");
    let rows = draws(&p("one"));
    assert_eq!(
        rows[0],
        [
            "point",
            "countries.CC.lapse",
            "trial",
            "particle",
            "seed",
            "countries.AA.live_affinity.mean",
            "countries.AA.deal_sensitivity",
            "platforms.alpha.take_rate"
        ]
    );
    for pair in rows[1..].chunks(2) {
        assert_eq!((pair[0][0].as_str(), pair[1][0].as_str()), ("0", "1"));
        assert_eq!(pair[0][2..], pair[1][2..], "common random numbers");
        // The posterior's value of the affinity, not a draw from uniform(0.4, 0.6).
        assert!(["0.3", "0.8"].contains(&pair[0][5].as_str()), "{pair:?}");
    }
    // Both particles are taken (P(all 12 the same) = 0.8¹² + 0.2¹² = 0.07: the seeds are
    // fixed, so this checks the file, not luck).
    assert!(rows[1..].iter().any(|r| r[3] == "0") && rows[1..].iter().any(|r| r[3] == "1"));
    // Without the posterior, the take rates drawn are the very same.
    run(&file, &p("prior"), &sweep);
    let prior = draws(&p("prior"));
    assert_eq!(
        prior[0][4..],
        [
            "countries.AA.live_affinity.mean",
            "platforms.alpha.take_rate"
        ]
    );
    for (a, b) in rows[1..].iter().zip(&prior[1..]) {
        assert_eq!(
            a[7], b[5],
            "the take rate drawn does not depend on the posterior"
        );
    }
    // The particles reach the model: the trials differ from the prior run's.
    assert!(read(&p("one").join("trials.csv")) != read(&p("prior").join("trials.csv")));
}

#[test]
fn the_scenario_key_reads_a_posterior_beside_it_and_the_flag_overrides_it() {
    let tmp = tempdir();
    let p = |name: &str| tmp.path().join(name);
    fs::create_dir_all(p("scen")).unwrap();
    write(&p("scen/cal/posterior.csv"), TWO);
    let file = scenario(&p("scen"), "[uncertain]\nposterior = \"cal\"");
    // The key is relative to the scenario's folder, not to where livemarket runs.
    run(&file, &p("key"), &["--trials", "6"]);
    run(
        &file,
        &p("flag"),
        &[
            "--trials",
            "6",
            "--posterior",
            p("scen/cal").to_str().unwrap(),
        ],
    );
    assert_same(
        &p("key"),
        &p("flag"),
        "the key and the flag naming one file",
    );
    // A child in another folder inherits the key, read from its parent's folder.
    let child = write(
        &p("whatif/child.toml"),
        "extends = \"../scen/tiny.toml\"\n[countries.CC]\nlapse = 0.25\n",
    );
    run(&child, &p("child"), &["--trials", "6"]);
    assert_eq!(
        draws(&p("key")),
        draws(&p("child")),
        "the same particles, from the parent's posterior"
    );
    let m = manifest(&p("key"));
    assert!(
        m["recipe"]["posterior"]["named_by"]
            .as_str()
            .unwrap()
            .ends_with("tiny.toml:92:13: [uncertain] posterior"),
        "{}",
        m["recipe"]["posterior"]["named_by"]
    );
    // The flag wins over the key: one particle holding all the weight.
    let other = write(
        &p("other.csv"),
        "particle,weight,countries.AA.lapse\n0,0,0.2\n7,1,0.25\n",
    );
    let out = livemarket()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--trials", "3", "--out"])
        .arg(p("over"))
        .arg("--posterior")
        .arg(&other)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let rows = draws(&p("over"));
    assert_eq!(rows[0][3..], ["countries.AA.lapse"]);
    assert!(rows[1..].iter().all(|r| r[1] == "7" && r[3] == "0.25"));
    // Degenerate: a warning on stderr that says why, and the run still runs.
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("warning: posterior")
            && stderr.contains("all the weight is on particle 7 (of 2)")
            && stderr.contains("every trial takes the same parameter vector")
            && stderr.contains("has most likely failed"),
        "{stderr}"
    );
}

#[test]
fn resume_merge_and_shards_hold_to_the_posterior_the_run_began_with() {
    let tmp = tempdir();
    let p = |name: &str| tmp.path().join(name);
    let file = scenario(tmp.path(), "");
    let post = write(&p("posterior.csv"), TWO);
    let args = ["--trials", "9", "--posterior", post.to_str().unwrap()];
    run(&file, &p("single"), &args);
    for k in 1..=3 {
        run(
            &file,
            &p(&format!("s{k}")),
            &[&args[..], &["--shard", &format!("{k}/3")]].concat(),
        );
    }
    livemarket()
        .args(["merge", "--quiet", "--out"])
        .arg(p("merged"))
        .args([p("s3"), p("s1"), p("s2")])
        .assert()
        .success();
    assert_same(&p("single"), &p("merged"), "3 shards merged");
    // The file changes: a resume and a merge refuse, naming the posterior.
    write(
        &post,
        &TWO.replace("0,0.8", "0,0.5").replace("1,0.2", "1,0.5"),
    );
    let mut resume: Vec<&std::ffi::OsStr> = vec!["run".as_ref(), file.as_os_str()];
    resume.extend(["--quiet", "--resume", "--out"].map(std::ffi::OsStr::new));
    let single = p("single");
    resume.push(single.as_os_str());
    resume.extend(args.map(std::ffi::OsStr::new));
    let e = refused(&resume);
    assert!(
        e.contains("cannot resume")
            && e.contains("the posterior differs")
            && e.contains("must be the text the run began with; restore that file"),
        "{e}"
    );
    run(
        &file,
        &p("s2"),
        &[&args[..], &["--shard", "2/3", "--force"]].concat(),
    );
    let e = refused(&[
        "merge".as_ref(),
        "--out".as_ref(),
        p("merged2").as_os_str(),
        p("s1").as_os_str(),
        p("s2").as_os_str(),
        p("s3").as_os_str(),
    ]);
    assert!(
        e.contains("are shards of different runs") && e.contains("the posterior differs"),
        "{e}"
    );
}

#[test]
fn a_decimal_comma_posterior_reads_as_the_standard_one() {
    let tmp = tempdir();
    let p = |name: &str| tmp.path().join(name);
    let file = scenario(tmp.path(), "");
    let standard = write(
        &p("standard.csv"),
        "particle,weight,countries.AA.lapse,countries.BB.deal_sensitivity\n\
         0,0.75,0.125,2.5\n1,0.25,0.35,1\n",
    );
    let comma = write(
        &p("comma.csv"),
        "particle;weight;countries.AA.lapse;countries.BB.deal_sensitivity\n\
         0;0,75;0,125;2,5\n1;0,25;0,35;1\n",
    );
    run(
        &file,
        &p("a"),
        &["--trials", "8", "--posterior", standard.to_str().unwrap()],
    );
    run(
        &file,
        &p("b"),
        &["--trials", "8", "--posterior", comma.to_str().unwrap()],
    );
    assert_same(&p("a"), &p("b"), "the two dialects");
}

#[test]
fn check_and_params_show_the_posterior() {
    let tmp = tempdir();
    let file = scenario(
        tmp.path(),
        "[uncertain]\nposterior = \"posterior.csv\"\n\
         \"countries.AA.live_affinity.mean\" = { dist = \"uniform\", min = 0.05, max = 0.5 }",
    );
    write(&tmp.path().join("posterior.csv"), TWO);
    let out = livemarket().arg("check").arg(&file).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    // Weighted quantiles of the affinity (0.3 at weight 0.8, 0.8 at 0.2): the median and the
    // 5% point are 0.3 (its running weight 0.8 passes both), the 95% point 0.8. Kish's
    // effective sample size: 1 / (0.8² + 0.2²) = 1.47.
    assert!(
        text.contains(
            "each trial takes the values of one of its 2 particle(s), picked by weight \
                       (effective sample size 1.5, 74% of the particles), for 2 parameter(s)"
        ),
        "{text}"
    );
    let row = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name) && l.contains(" to "))
            .unwrap_or_else(|| panic!("no {name} row in {text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        row("countries.AA.live_affinity.mean"),
        "countries.AA.live_affinity.mean 0.3 0.3 to 0.8 uniform(min 0.05, max 0.5)"
    );
    assert_eq!(
        row("countries.AA.deal_sensitivity"),
        "countries.AA.deal_sensitivity 2.5 1 to 2.5 -"
    );
    let out = livemarket().arg("params").arg(&file).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |path: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(path))
            .unwrap()
            .to_string()
    };
    assert!(
        line("countries.AA.live_affinity.mean").contains("0.6 (posterior)"),
        "{text}"
    );
    assert!(!line("countries.AA.online_share").contains("posterior"));
    assert!(
        text.contains("uniform(min 0.05, max 0.5) (replaced by the posterior)"),
        "{text}"
    );
}

#[test]
fn bad_posteriors_are_refused_with_a_place_and_a_fix() {
    let tmp = tempdir();
    let p = |name: &str| tmp.path().join(name);
    let file = scenario(tmp.path(), "");
    let fails = |name: &str, text: Option<&str>| -> String {
        let path = p(name);
        if let Some(t) = text {
            write(&path, t);
        }
        refused(&[
            "run".as_ref(),
            file.as_os_str(),
            "--out".as_ref(),
            p("out").as_os_str(),
            "--posterior".as_ref(),
            path.as_os_str(),
        ])
    };
    let at = |name: &str| p(name).display().to_string();
    // Missing: the file, and a folder without posterior.csv.
    let e = fails("nowhere.csv", None);
    assert!(
        e.contains(&format!(
            "--posterior: cannot read the posterior {}: no such file; give a calibration \
             folder holding posterior.csv",
            at("nowhere.csv")
        )),
        "{e}"
    );
    fs::create_dir_all(p("empty-cal")).unwrap();
    let e = fails("empty-cal", None);
    assert!(e.contains("holds no posterior.csv"), "{e}");
    // Not a posterior, and particles.csv given in its place.
    let e = fails("targets.csv", Some("name,value\nx,1\n"));
    assert!(
        e.contains(&format!(
            "{}:1: not a posterior: its first line does not begin `particle,weight`",
            at("targets.csv")
        )),
        "{e}"
    );
    let e = fails(
        "particles.csv",
        Some("generation,particle,weight,countries.AA.lapse,distance\n0,0,1,0.2,0.5\n"),
    );
    assert!(e.contains("this looks like particles.csv"), "{e}");
    // A column that is no parameter (the nearest suggested), or no number parameter.
    let e = fails(
        "misspelt.csv",
        Some("particle,weight,countries.AA.lapsee\n0,1,0.2\n"),
    );
    assert!(
        e.contains(&format!(
            "{}:1: column 3 `countries.AA.lapsee`: unknown parameter `countries.AA.lapsee`",
            at("misspelt.csv")
        )) && e.contains("nearest: `countries.AA.lapse`"),
        "{e}"
    );
    let e = fails(
        "whole.csv",
        Some("particle,weight,countries.AA.agents\n0,1,200\n"),
    );
    assert!(
        e.contains("`countries.AA.agents` takes integer values; only number parameters"),
        "{e}"
    );
    // A value outside its range: lapse is a probability.
    let e = fails(
        "range.csv",
        Some("particle,weight,countries.AA.lapse\n0,0.5,0.2\n1,0.5,1.5\n"),
    );
    assert!(
        e.contains(&format!(
            "{}:3: column 3 `countries.AA.lapse`: particle 1's value 1.5 is outside the \
             parameter's valid range [0, 1]",
            at("range.csv")
        )) && e.contains("calibrate this scenario again"),
        "{e}"
    );
    // Weights: negative, not a number, all zero.
    let e = fails(
        "negative.csv",
        Some("particle,weight,countries.AA.lapse\n0,0.5,0.2\n1,-0.5,0.3\n"),
    );
    assert!(
        e.contains(&format!(
            "{}:3: column 2 `weight`: particle 1 has the weight -0.5, below 0",
            at("negative.csv")
        )),
        "{e}"
    );
    let e = fails(
        "nan.csv",
        Some("particle,weight,countries.AA.lapse\n0,NaN,0.2\n"),
    );
    assert!(
        e.contains("particle 0's weight `NaN` is not a finite number"),
        "{e}"
    );
    let e = fails(
        "zero.csv",
        Some("particle,weight,countries.AA.lapse\n0,0,0.2\n1,0,0.3\n"),
    );
    assert!(
        e.contains("every one of the 2 particles has the weight 0"),
        "{e}"
    );
    // A short row, and a header without particles.
    let e = fails(
        "short.csv",
        Some("particle,weight,countries.AA.lapse\n0,1\n"),
    );
    assert!(e.contains("the row has 2 cells and the header 3"), "{e}");
    let e = fails("header.csv", Some("particle,weight,countries.AA.lapse\n"));
    assert!(e.contains("has a header but no particles"), "{e}");
    // A posterior path set or swept is pinned: every trial keeps its particle (and the
    // particle's other values) and takes the value given for that path.
    let post = write(&p("good.csv"), TWO);
    let (free, pinned, swept) = (p("free"), p("pinned"), p("swept"));
    let with_post = |out: &Path, extra: &[&str]| {
        livemarket()
            .arg("run")
            .arg(&file)
            .args(["--quiet", "--trials", "6", "--posterior"])
            .arg(&post)
            .arg("--out")
            .arg(out)
            .args(extra)
            .assert()
            .success()
            .stdout("");
    };
    with_post(&free, &[]);
    with_post(&pinned, &["--set", "countries.AA.deal_sensitivity=2"]);
    with_post(&swept, &["--vary", "countries.AA.deal_sensitivity=1.5,3"]);
    let (f, pn, sw) = (draws(&free), draws(&pinned), draws(&swept));
    assert_eq!(
        f[0][..5],
        [
            "trial",
            "particle",
            "seed",
            "countries.AA.live_affinity.mean",
            "countries.AA.deal_sensitivity"
        ]
    );
    assert_eq!(f.len(), 7);
    for (t, (a, b)) in f[1..].iter().zip(&pn[1..]).enumerate() {
        assert_eq!(a[..4], b[..4], "the same particle and its other value");
        assert_eq!(b[4], "2");
        for row in &sw[1 + 2 * t..3 + 2 * t] {
            assert_eq!(row[2..6], a[..4]);
            assert_eq!(row[6], row[1], "the point's value");
        }
    }
    // The scenario's key names a missing file: the error names the scenario's line.
    let keyed = scenario(&p("keyed"), "[uncertain]\nposterior = \"gone.csv\"");
    let e = refused(&["check".as_ref(), keyed.as_os_str()]);
    assert!(
        e.contains(&format!(
            "{}:92:13: [uncertain] posterior: cannot read the posterior {}: no such file",
            keyed.display(),
            p("keyed/gone.csv").display()
        )) && e.contains("relative to the scenario file that names it"),
        "{e}"
    );
    // Not a file name at all.
    let bad = scenario(&p("bad"), "[uncertain]\nposterior = 3");
    let e = refused(&["check".as_ref(), bad.as_os_str()]);
    assert!(e.contains("`posterior` = 3 is not a file"), "{e}");
}

#[test]
fn a_calibrations_posterior_runs_as_written() {
    // calibrate writes posterior.csv; run --posterior reads the folder, and each trial's row
    // of draws.csv holds exactly the cells of the particle it took.
    let tmp = tempdir();
    let p = |name: &str| tmp.path().join(name);
    livemarket()
        .args(["calibrate", "tests/data/bass-calibration.toml"])
        .args([
            "--targets",
            "tests/data/bass-targets.toml",
            "--quiet",
            "--out",
        ])
        .arg(p("cal"))
        .args([
            "--population",
            "40",
            "--max-generations",
            "2",
            "--batch",
            "16",
        ])
        .assert()
        .success();
    run(
        Path::new("tests/data/bass-calibration.toml"),
        &p("run"),
        &["--trials", "12", "--posterior", p("cal").to_str().unwrap()],
    );
    let posterior: Vec<Vec<String>> = read(&p("cal/posterior.csv"))
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    let rows = draws(&p("run"));
    assert_eq!(
        rows[0][3..],
        posterior[0][2..],
        "the posterior's paths, in order"
    );
    for row in &rows[1..] {
        let particle = posterior[1..]
            .iter()
            .find(|q| q[0] == row[1])
            .unwrap_or_else(|| panic!("no particle {} in the posterior", row[1]));
        assert_eq!(row[3..], particle[2..], "trial {}", row[0]);
    }
}

#[test]
fn compare_warns_when_two_runs_took_different_posteriors() {
    let dir = tempdir();
    let file = scenario(&dir.path().join("s"), "");
    let post = write(&dir.path().join("p/posterior.csv"), TWO);
    let (with, without) = (dir.path().join("with"), dir.path().join("without"));
    run(
        &file,
        &with,
        &["--trials", "3", "--posterior", post.to_str().unwrap()],
    );
    run(&file, &without, &["--trials", "3"]);
    let out = livemarket()
        .args(["compare", "--quiet", "--out"])
        .arg(dir.path().join("compare.csv"))
        .arg(&with)
        .arg(&without)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let e = String::from_utf8(out.stderr).unwrap();
    assert!(
        e.starts_with(&format!(
            "warning: {} took its trials' parameters from ",
            with.display()
        )) && e.contains(&format!("{} from no posterior", without.display())),
        "{e}"
    );
    // The same posterior on both sides: no warning.
    let again = dir.path().join("again");
    run(
        &file,
        &again,
        &["--trials", "3", "--posterior", post.to_str().unwrap()],
    );
    livemarket()
        .args(["compare", "--quiet", "--out"])
        .arg(dir.path().join("compare2.csv"))
        .arg(&with)
        .arg(&again)
        .assert()
        .success()
        .stderr("");
    // The same file by another path (a copy, as the bundled baseline's posterior is named
    // by a run without a scenario and by scenarios/baseline.toml): the same posterior, no
    // warning.
    let copy = write(&dir.path().join("elsewhere/posterior.csv"), TWO);
    let moved = dir.path().join("moved");
    run(
        &file,
        &moved,
        &["--trials", "3", "--posterior", copy.to_str().unwrap()],
    );
    livemarket()
        .args(["compare", "--quiet", "--out"])
        .arg(dir.path().join("compare3.csv"))
        .arg(&with)
        .arg(&moved)
        .assert()
        .success()
        .stderr("");
}

#[test]
fn a_dry_run_names_the_posterior_its_trials_would_take() {
    let dir = tempdir();
    let file = scenario(&dir.path().join("s"), "");
    let post = write(&dir.path().join("p/posterior.csv"), TWO);
    let out = livemarket()
        .arg("run")
        .arg(&file)
        .args(["--dry-run", "--trials", "3", "--posterior"])
        .arg(&post)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "posterior: {}: each trial takes one of its 2 particles by weight (effective sample \
             size 1.5), for 2 parameter(s)",
            post.display()
        )),
        "{text}"
    );
}
