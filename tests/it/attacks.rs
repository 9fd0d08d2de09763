//! The attacks of issue 24, one test each (or a few), through the binary: calibration,
//! export and report held to the standard of `run`. Each asserts the exact outcome: the exit
//! code, the whole stderr, and that the folder (or the file outside it) is untouched.

use crate::calibrate::{QUICK, bass, calibrate, calibrate_cmd, quick};
use crate::common::{SMALL, SMALL_TOML, bin, fails_in, livemarket, read, tempdir};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Every file under `dir` (links as their target's path), by path relative to it: a
/// snapshot to compare before and after a refused command. The lock file is left out (every
/// writer leaves it, emptied).
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let e = e.unwrap();
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let t = e.file_type().unwrap();
            if rel == ".livemarket.lock" {
                continue;
            }
            if t.is_symlink() {
                let to = fs::read_link(e.path()).unwrap();
                out.insert(rel, to.to_string_lossy().into_owned().into_bytes());
            } else if t.is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                walk(root, &e.path(), out);
            } else {
                out.insert(rel, fs::read(e.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&read(path)).unwrap()
}

fn write_json(path: &Path, v: &serde_json::Value) {
    fs::write(path, serde_json::to_string(v).unwrap()).unwrap();
}

/// `calibrate … --merge` (or `--shard K`) of the quick calibration into `out`.
fn merge_cmd(s: &Path, t: &Path, out: &Path) -> assert_cmd::Command {
    let mut cmd = calibrate_cmd(s, t, out);
    cmd.args(["--quiet", "--merge"]);
    cmd
}

/// Three shards of generation 0 of the quick calibration, run into `out`; the path of each.
fn three_shards(s: &Path, t: &Path, out: &Path) -> Vec<PathBuf> {
    for k in ["1/3", "2/3", "3/3"] {
        calibrate(s, t, out, &[&QUICK[..], &["--shard", k]].concat());
    }
    (1..=3)
        .map(|k| out.join(format!("shards/generation-0-shard-{k}-of-3.json")))
        .collect()
}

// 1. Shards.

#[test]
fn a_shard_copied_in_place_of_another_is_refused_and_nothing_changes() {
    let dir = tempdir();
    let (s, t) = quick(dir.path());
    let out = dir.path().join("cal");
    let parts = three_shards(&s, &t, &out);
    // Shard 1's file as shard 2, its index set to 2: before, generation 0 was built from
    // shard 1's attempts twice.
    let mut p = json(&parts[0]);
    p["index"] = 2.into();
    write_json(&parts[1], &p);
    let before = snapshot(&out);
    fails_in(
        &mut merge_cmd(&s, &t, &out),
        &format!(
            "{} is damaged (its contents do not match their checksum: it was changed after the \
             shard wrote it); remove it and run that shard again",
            parts[1].display()
        ),
    );
    assert_eq!(snapshot(&out), before);
}

#[test]
fn a_shard_whose_batches_are_not_its_own_is_refused_even_with_a_good_checksum() {
    // The checksum is no secret: a part that carries a valid one but another shard's batch
    // numbers is refused by the plan.
    let dir = tempdir();
    let (s, t) = quick(dir.path());
    let out = dir.path().join("cal");
    let parts = three_shards(&s, &t, &out);
    let mut p = json(&parts[0]);
    p["index"] = 2.into();
    let resealed = livemarket::calibrate::shard::reseal(&p.to_string()).unwrap();
    fs::write(&parts[1], resealed).unwrap();
    let before = snapshot(&out);
    fails_in(
        &mut merge_cmd(&s, &t, &out),
        &format!(
            "{} is damaged (its batch 0 is numbered 0, but shard 2/3 runs batch 1 there); \
             remove it and run that shard again",
            parts[1].display()
        ),
    );
    assert_eq!(snapshot(&out), before);
}

#[test]
fn a_stray_shard_beyond_n_is_refused_and_nothing_changes() {
    let dir = tempdir();
    let (s, t) = quick(dir.path());
    let out = dir.path().join("cal");
    let parts = three_shards(&s, &t, &out);
    // Before, a fourth file of "3" shards was merged too (320 simulations for 256).
    let stray = out.join("shards/generation-0-shard-4-of-3.json");
    fs::copy(&parts[2], &stray).unwrap();
    let before = snapshot(&out);
    fails_in(
        &mut merge_cmd(&s, &t, &out),
        &format!(
            "{} is not the name of a shard of generation 0 (it holds shard 3 of 3); a shard's \
             file is generation-G-shard-K-of-N.json with K from 1 to N: remove it",
            stray.display()
        ),
    );
    assert_eq!(snapshot(&out), before);
}

#[test]
fn a_shard_with_a_negative_distance_is_refused_checksum_or_not() {
    let dir = tempdir();
    let (s, t) = quick(dir.path());
    let out = dir.path().join("cal");
    let parts = three_shards(&s, &t, &out);
    let mut p = json(&parts[1]);
    let first = p["batches"][0][1]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|a| a.get("Simulated").is_some())
        .unwrap();
    let distance = first["Simulated"]["distance"].as_f64().unwrap();
    first["Simulated"]["distance"] = (-5.0).into();
    write_json(&parts[1], &p);
    let before = snapshot(&out);
    fails_in(
        &mut merge_cmd(&s, &t, &out),
        &format!(
            "{} is damaged (its contents do not match their checksum: it was changed after the \
             shard wrote it); remove it and run that shard again",
            parts[1].display()
        ),
    );
    let resealed = livemarket::calibrate::shard::reseal(&p.to_string()).unwrap();
    fs::write(&parts[1], resealed).unwrap();
    fails_in(
        &mut merge_cmd(&s, &t, &out),
        &format!(
            "{} is damaged (batch 1 records a distance of -5 for summaries whose distance is \
             {distance}); remove it and run that shard again",
            parts[1].display()
        ),
    );
    assert_eq!(
        snapshot(&out).keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
}

// 2-3. The checkpoint.

/// A complete quick calibration in `dir/name`, and its calibration.json.
fn finished(dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let (s, t) = quick(dir);
    let out = dir.join(name);
    calibrate(&s, &t, &out, &QUICK);
    (s, t, out)
}

/// The checkpoint made unfinished (as a kill after its last generation leaves it, the
/// tables aside), changed by `edit`, and resealed when `reseal`.
fn damage(out: &Path, reseal: bool, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = out.join("calibration.json");
    let mut c = json(&path);
    c["complete"] = false.into();
    c["stop"] = serde_json::Value::Null;
    edit(&mut c);
    if reseal {
        let sealed = livemarket::calibrate::folder::reseal(&c.to_string()).unwrap();
        fs::write(&path, sealed).unwrap();
    } else {
        write_json(&path, &c);
    }
}

fn resume(s: &Path, t: &Path, out: &Path) -> assert_cmd::Command {
    let mut cmd = calibrate_cmd(s, t, out);
    cmd.args(["--quiet", "--resume"]);
    cmd
}

#[test]
fn a_checkpoint_changed_by_hand_is_refused_by_its_checksum() {
    let dir = tempdir();
    let (s, t, out) = finished(dir.path(), "cal");
    damage(&out, false, |c| {
        c["generations"][2]["particles"]
            .as_array_mut()
            .unwrap()
            .truncate(3)
    });
    let before = snapshot(&out);
    fails_in(
        &mut resume(&s, &t, &out),
        &format!(
            "{} is damaged (generation 2 does not match its checksum: it was changed after \
             livemarket wrote it); it cannot be resumed: start again with --force",
            out.join("calibration.json").display()
        ),
    );
    assert_eq!(snapshot(&out), before);
}

#[test]
fn a_resealed_checkpoint_is_still_checked_against_its_recipe() {
    // Each damage the issue found, with a valid checksum: refused, naming what is wrong.
    let dir = tempdir();
    let (s, t, out) = finished(dir.path(), "cal");
    let path = out.join("calibration.json");
    let pristine = read(&path);
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(Edit, String)> = vec![
        (
            Box::new(|c| {
                c["generations"][2]["particles"]
                    .as_array_mut()
                    .unwrap()
                    .truncate(3)
            }),
            "generation 2 has 3 particles, not --population 40".to_string(),
        ),
        (
            Box::new(|c| c["generations"][1]["particles"][0]["distance"] = (-1.0).into()),
            "generation 1's particle 0 has the distance -1 (its tolerance is".to_string(),
        ),
        (
            Box::new(|c| c["generations"][1]["particles"][0]["weight"] = 1e308.into()),
            "generation 1's weights sum to 1e308".to_string(),
        ),
        (
            Box::new(|c| c["generations"][1]["particles"][0]["weight"] = (-0.5).into()),
            "generation 1's particle 0 has the weight -0.5".to_string(),
        ),
        (
            Box::new(|c| {
                c["generations"][0]["particles"][0]["theta"]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            }),
            "generation 0's particle 0 has 1 parameters and 3 summaries, not 2 and 3".to_string(),
        ),
    ];
    for (edit, why) in cases {
        fs::write(&path, &pristine).unwrap();
        damage(&out, true, edit);
        let before = snapshot(&out);
        let assert = resume(&s, &t, &out).assert().code(2).stdout("");
        let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        let head = format!(
            "error: {} is damaged ({why}",
            out.join("calibration.json").display()
        );
        assert!(err.starts_with(&head), "{err}\nexpected {head}");
        assert!(
            err.ends_with("); it cannot be resumed: start again with --force\n"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert_eq!(snapshot(&out), before, "{why}");
    }
}

/// A calibration.json without what differs from run to run (the command line, the start
/// and the seconds each generation took), as text: equal floats print equal.
fn checkpoint_text(out: &Path) -> String {
    let mut c = json(&out.join("calibration.json"));
    // The checksum covers the seconds too.
    for key in ["command_line", "started", "seconds", "checksum"] {
        c.as_object_mut().unwrap().remove(key).unwrap();
    }
    serde_json::to_string_pretty(&c).unwrap()
}

#[test]
fn a_resumed_calibration_json_is_the_uninterrupted_one_to_the_last_bit() {
    // Before, generation 0 came back one ulp off in hundreds of values (the JSON parser's
    // default float reading), and the generations made from it differed too.
    let dir = tempdir();
    let (s, t, whole) = finished(dir.path(), "whole");
    let resumed = dir.path().join("resumed");
    calibrate(&s, &t, &resumed, &QUICK);
    // Killed after generation 0, as the kill tests leave it.
    damage(&resumed, true, |c| {
        c["generations"].as_array_mut().unwrap().truncate(1);
        c["seconds"].as_array_mut().unwrap().truncate(1);
    });
    calibrate(&s, &t, &resumed, &[&QUICK[..], &["--resume"]].concat());
    let (a, b) = (checkpoint_text(&resumed), checkpoint_text(&whole));
    let first = a.lines().zip(b.lines()).position(|(x, y)| x != y);
    assert!(
        a == b,
        "calibration.json differs from line {first:?}: {:?}",
        first.map(|i| (a.lines().nth(i), b.lines().nth(i)))
    );
    for f in crate::calibrate::TABLES {
        assert_eq!(read(&resumed.join(f)), read(&whole.join(f)), "{f}");
    }
}

// 4. The lock.

#[test]
fn deleting_the_lock_file_of_a_running_run_does_not_let_a_second_writer_in() {
    let tmp = tempdir();
    let dir = tmp.path().join("busy");
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let first = Killed(
        std::process::Command::new(bin())
            .args([
                "run",
                SMALL,
                "--quiet",
                "--trials",
                "100000",
                "--threads",
                "1",
                "--allow-disk",
                "--allow-memory",
                "--out",
            ])
            .arg(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let lock_file = dir.join(".livemarket.lock");
    let began = Instant::now();
    while !(fs::read_to_string(&lock_file).is_ok_and(|t| t.ends_with('\n'))
        && dir.join("manifest.json").is_file())
        && began.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    fs::remove_file(&lock_file).unwrap();
    let manifest_before = fs::read(dir.join("manifest.json")).unwrap();
    let d = dir.to_str().unwrap();
    livemarket()
        .args(["run", SMALL, "--quiet", "--force", "--out", d])
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "error: {d} is in use by another livemarket; writing it now could mix two runs' \
             results. Wait for that command to finish, or use another folder (--out)\n"
        ));
    assert_eq!(
        fs::read(dir.join("manifest.json")).unwrap(),
        manifest_before
    );
    drop(first);
    livemarket()
        .args([
            "run", SMALL, "--quiet", "--trials", "2", "--force", "--out", d,
        ])
        .assert()
        .success();
}

// 5. Huge numbers.

/// The tiny scenario with `table` as its `[uncertain]` table, in `dir`.
fn tiny_uncertain(dir: &Path, table: &str) -> PathBuf {
    let path = dir.join("u.toml");
    let text = SMALL_TOML
        .replace("agents = 6000", "agents = 300")
        .replace("agents = 4000", "agents = 200")
        .replace("agents = 3000", "agents = 200")
        .replace("weeks = 40", "weeks = 4");
    fs::write(&path, format!("{text}\n[uncertain]\n{table}\n")).unwrap();
    path
}

/// The draws of the one uncertain parameter, from draws.csv's last column.
fn draws(out: &Path) -> Vec<f64> {
    read(&out.join("draws.csv"))
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn a_beta_of_huge_alpha_and_beta_draws_around_its_mean() {
    // Mean 0.5 for alpha = beta; sd √(1/4 / (alpha + beta + 1)). Before, 1e200 drew
    // 4.3e-19 every time.
    let n = 60;
    for ab in [1e200_f64, 1e7] {
        let dir = tempdir();
        let file = tiny_uncertain(
            dir.path(),
            &format!(
                "\"countries.AA.lapse\" = {{ dist = \"beta\", alpha = {ab:e}, beta = {ab:e} }}"
            ),
        );
        let out = dir.path().join("out");
        livemarket()
            .arg("run")
            .arg(&file)
            .args(["--quiet", "--trials", &n.to_string(), "--out"])
            .arg(&out)
            .assert()
            .success();
        let x = draws(&out);
        assert_eq!(x.len(), n);
        let sd = (0.25 / (2.0 * ab + 1.0)).sqrt();
        let mean = x.iter().sum::<f64>() / n as f64;
        // Four standard errors, and half the last of the six digits a draw keeps.
        let tolerance = 4.0 * sd / (n as f64).sqrt() + 5e-7;
        assert!(
            (mean - 0.5).abs() <= tolerance,
            "alpha = beta = {ab}: mean {mean}"
        );
        if ab == 1e7 {
            // The sample sd within 3 of its standard errors (sd / √(2n)) of the sd.
            let s = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
            let se = sd / (2.0 * n as f64).sqrt();
            assert!((s - sd).abs() <= 3.0 * se, "sample sd {s}, expected {sd}");
        }
    }
}

#[test]
fn trials_near_2_to_the_63_do_not_wrap_the_memory_guard_to_nothing() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let assert = livemarket()
        .args([
            "run",
            SMALL,
            "--quiet",
            "--trials",
            "9223372036854775807",
            "--allow-disk",
        ])
        .arg("--out")
        .arg(&out)
        .env("LIVEMARKET_MEMORY", "4000000000")
        .assert()
        .code(2)
        .stdout("");
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        err.starts_with("error: the run needs an estimated 18446744073.7 GB"),
        "{err}"
    );
    assert!(
        err.ends_with(
            "more than the 4.0 GB this machine has available; lower --threads or the agents, \
             or pass --allow-memory to run anyway\n"
        ),
        "{err}"
    );
    assert!(!out.exists());
}

// 6-7. Links and the user's own files.

/// A tiny run (2 trials of the small world cut to 4 weeks and a few hundred agents) into
/// `dir/NAME`.
fn tiny_run(dir: &Path, name: &str) -> PathBuf {
    let s = dir.join("tiny.toml");
    if !s.exists() {
        let text = SMALL_TOML
            .replace("agents = 6000", "agents = 300")
            .replace("agents = 4000", "agents = 200")
            .replace("agents = 3000", "agents = 200")
            .replace("weeks = 40", "weeks = 4");
        fs::write(&s, text).unwrap();
    }
    let out = dir.join(name);
    livemarket()
        .arg("run")
        .arg(&s)
        .args(["--quiet", "--trials", "2", "--out"])
        .arg(&out)
        .assert()
        .success();
    out
}

/// `outside/`, with a file of the user's, and `link` made a link to it.
fn link_outside(dir: &Path, link: &Path, file: &str) -> PathBuf {
    let outside = dir.join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join(file), "the user's own").unwrap();
    std::os::unix::fs::symlink(&outside, link).unwrap();
    outside
}

fn link_message(link: &Path) -> String {
    format!(
        "{} is a link; livemarket writes nothing through a link, so it would not stay in the \
         result folder. Remove the link, then run this again",
        link.display()
    )
}

#[test]
fn export_does_not_write_through_a_linked_parquet_folder() {
    let dir = tempdir();
    let out = tiny_run(dir.path(), "out");
    let link = out.join("parquet");
    let outside = link_outside(dir.path(), &link, "trials.parquet");
    let before = snapshot(&outside);
    fails_with_cmd(
        livemarket()
            .args(["export", "--parquet", "--quiet"])
            .arg(&out),
        &link_message(&link),
    );
    assert_eq!(snapshot(&outside), before);
}

#[test]
fn report_does_not_write_charts_through_a_linked_report_folder() {
    let dir = tempdir();
    let out = tiny_run(dir.path(), "out");
    let link = out.join("report");
    let outside = link_outside(dir.path(), &link, "mine.svg");
    let before = snapshot(&outside);
    let folder = snapshot(&out);
    fails_with_cmd(
        livemarket().args(["report", "--quiet"]).arg(&out),
        &link_message(&link),
    );
    assert_eq!(snapshot(&outside), before);
    assert_eq!(snapshot(&out), folder);
}

#[test]
fn shards_are_neither_written_nor_removed_through_a_linked_shards_folder() {
    let dir = tempdir();
    let (s, t) = quick(dir.path());
    let out = dir.path().join("cal");
    fs::create_dir_all(&out).unwrap();
    let link = out.join("shards");
    let outside = link_outside(dir.path(), &link, "generation-0-shard-1-of-2.json");
    let before = snapshot(&outside);
    let mut shard = calibrate_cmd(&s, &t, &out);
    shard.args(["--quiet", "--shard", "1/2"]);
    fails_in(&mut shard, &link_message(&link));
    assert_eq!(snapshot(&outside), before);
    // Shards run in the folder, then moved out and linked back: the merge refuses them and
    // removes nothing outside.
    let cal = dir.path().join("cal2");
    for k in ["1/2", "2/2"] {
        calibrate(&s, &t, &cal, &[&QUICK[..], &["--shard", k]].concat());
    }
    let moved = dir.path().join("moved");
    fs::rename(cal.join("shards"), &moved).unwrap();
    std::os::unix::fs::symlink(&moved, cal.join("shards")).unwrap();
    let before = snapshot(&moved);
    fails_in(
        &mut merge_cmd(&s, &t, &cal),
        &format!(
            "{} is a link; livemarket reads and removes shards only inside the calibration's \
             folder. Remove the link, run the shards again, then merge",
            cal.join("shards").display()
        ),
    );
    assert_eq!(snapshot(&moved), before);
}

fn fails_with_cmd(cmd: &mut assert_cmd::Command, expected: &str) {
    fails_in(cmd, expected);
}

#[test]
fn export_replaces_a_users_own_parquet_file_only_with_force() {
    let dir = tempdir();
    let out = tiny_run(dir.path(), "out");
    fs::create_dir_all(out.join("parquet")).unwrap();
    let mine = out.join("parquet/summary.parquet");
    fs::write(&mine, "the user's own").unwrap();
    fails_with_cmd(
        livemarket()
            .args(["export", "--parquet", "--quiet"])
            .arg(&out),
        &format!(
            "{} holds parquet/summary.parquet, which no livemarket command recorded writing; \
             move it, or pass --force to replace it",
            out.display()
        ),
    );
    assert_eq!(read(&mine), "the user's own");
    assert_eq!(fs::read_dir(out.join("parquet")).unwrap().count(), 1);
    livemarket()
        .args(["export", "--parquet", "--quiet", "--force"])
        .arg(&out)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert!(fs::read(&mine).unwrap().starts_with(b"PAR1"));
    // Recorded now: exporting again needs no --force.
    livemarket()
        .args(["export", "--parquet", "--quiet"])
        .arg(&out)
        .assert()
        .success();
}

// 8-10. Sizes and dates that used to abort or panic.

#[test]
fn calibrate_refuses_populations_batches_and_predictives_that_do_not_fit() {
    let dir = tempdir();
    let (s, t) = quick(dir.path());
    let out = dir.path().join("cal");
    for (flag, value) in [
        ("--population", "1000000000"),
        ("--batch", "1000000000"),
        ("--population", "18446744073709551615"),
        ("--predictive", "1000000000000"),
    ] {
        let assert = livemarket()
            .arg("calibrate")
            .arg(&s)
            .arg("--targets")
            .arg(&t)
            .arg("--out")
            .arg(&out)
            .args(["--quiet", "--threads", "1", flag, value])
            .env("LIVEMARKET_MEMORY", "4000000000")
            .assert()
            .code(2)
            .stdout("");
        let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(
            err.starts_with("error: the calibration needs an estimated "),
            "{err}"
        );
        assert!(
            err.ends_with(
                "more than the 4.0 GB this machine has available; lower --population, --batch, \
                 --predictive or --threads, or pass --allow-memory to run anyway\n"
            ),
            "{flag} {value}: {err}"
        );
        assert!(!out.exists(), "{flag} {value}");
    }
}

#[test]
fn a_dry_run_refuses_a_trial_that_does_not_fit_before_building_it() {
    // 2^31 agents: about 26 GB for one trial. Before, the dry run built it and aborted.
    let dir = tempdir();
    let s = dir.path().join("huge.toml");
    let text = SMALL_TOML
        .replacen("agents = 6000", "agents = 2147483648", 1)
        .replacen("population = 2_000_000", "population = 3_000_000_000", 1)
        .replacen(
            "contacts = 8, network = \"random\"",
            "network = \"well_mixed\"",
            1,
        );
    assert_ne!(text, SMALL_TOML);
    fs::write(&s, text).unwrap();
    let assert = livemarket()
        .arg("run")
        .arg(&s)
        .args(["--dry-run", "--threads", "1", "--trials", "1"])
        .env("LIVEMARKET_MEMORY", "4000000000")
        .assert()
        .code(2)
        .stdout("");
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        err.starts_with("error: the run needs an estimated "),
        "{err}"
    );
    assert!(
        err.ends_with("or pass --allow-memory to run anyway\n"),
        "{err}"
    );
}

#[test]
fn a_date_past_year_9999_is_an_error_at_its_line_not_a_panic() {
    let dir = tempdir();
    let s = dir.path().join("far.toml");
    let text = SMALL_TOML.replacen("start = 2021-01-04", "start = \"+262142-12-01\"", 1);
    assert_ne!(text, SMALL_TOML, "the small scenario's start moved");
    fs::write(&s, &text).unwrap();
    let line = text.lines().position(|l| l.starts_with("start")).unwrap() + 1;
    for cmd in ["check", "run"] {
        let mut c = livemarket();
        c.arg(cmd).arg(&s);
        if cmd == "run" {
            c.arg("--out").arg(dir.path().join("out"));
        }
        let assert = c.assert().code(2).stdout("");
        let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(
            err.contains(&format!("{}:{line}:", s.display())),
            "{cmd}: {err}"
        );
        assert!(
            err.contains(
                "`+262142-12-01` is out of range; write a date between 0001-01-01 and \
                 9999-12-31"
            ),
            "{cmd}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

// 11-12. Leaks and formulas.

/// The tiny scenario with `[uncertain] posterior = "PATH"`, in `dir`.
fn with_posterior(dir: &Path, path: &str) -> PathBuf {
    let s = dir.join("p.toml");
    fs::write(
        &s,
        format!("{SMALL_TOML}\n[uncertain]\nposterior = \"{path}\"\n"),
    )
    .unwrap();
    s
}

#[test]
fn calibrate_dry_run_estimates_and_writes_nothing_even_for_an_absurd_population() {
    let out = tempdir();
    let o = out.path().join("c");
    let assert = livemarket()
        .args([
            "calibrate",
            "tests/data/bass-calibration.toml",
            "--targets",
            "tests/data/bass-targets.toml",
            "--population",
            "1000000000",
            "--dry-run",
            "-o",
        ])
        .arg(&o)
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let text = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        text.starts_with("bass-calibration: 2 factor(s) of [uncertain] fitted to 3 target(s)"),
        "{text}"
    );
    // 10^9 particles, each at least its 2 values and 3 summaries (40 bytes), kept over the 9
    // generations (the 8 and the first) twice: at least 720 GB, said, not allocated.
    let gb: f64 = text
        .split("memory: about ")
        .nth(1)
        .and_then(|t| t.split(" GB").next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(gb >= 720.0, "{text}");
    // The first generation is bounded by the simulation budget, not the population.
    assert!(
        text.contains("the first generation (at least 100000 simulations)"),
        "{text}"
    );
    assert!(text.ends_with(&format!(
        "nothing written; without --dry-run the calibration goes to {}\n",
        o.display()
    )));
    assert!(!o.exists());
}

#[test]
fn a_fifo_given_as_a_scenario_or_a_targets_file_is_refused_not_waited_on() {
    let dir = tempdir();
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let f = fifo.display().to_string();
    let small = std::fs::canonicalize(SMALL).unwrap().display().to_string();
    let out = tempdir();
    let o = out.path().display().to_string();
    for (args, expected) in [
        (
            vec!["check", f.as_str()],
            format!(
                "{f}: cannot read the scenario file: it is not a regular file (a folder, a \
                 device or a pipe); check the path, or leave it out to run the bundled baseline"
            ),
        ),
        (
            vec!["targets", o.as_str(), "--targets", f.as_str()],
            format!(
                "cannot read the targets file {f}: it is not a regular file; name an existing \
                 file, or leave out --targets for the bundled scenarios/targets-2021.toml"
            ),
        ),
        (
            vec![
                "calibrate",
                small.as_str(),
                "--targets",
                f.as_str(),
                "-o",
                o.as_str(),
            ],
            format!(
                "cannot read the targets file {f}: it is not a regular file; name an existing \
                 file, or leave out --targets for the bundled scenarios/targets-2021.toml"
            ),
        ),
    ] {
        let assert = livemarket()
            .args(&args)
            .timeout(Duration::from_secs(60))
            .assert()
            .code(2)
            .stdout("");
        let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(err.contains(&expected), "{args:?}: {err}");
    }
}

#[test]
fn a_posterior_that_is_not_one_is_never_quoted_and_a_fifo_is_not_opened_for_reading() {
    let dir = tempdir();
    let secret = dir.path().join("secret.txt");
    fs::write(&secret, "root:$6$hash:19000:0:99999:7:::\n").unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let cases = [
        (
            secret.to_str().unwrap().to_string(),
            format!(
                "{}:1: not a posterior: its first line does not begin `particle,weight`",
                secret.display()
            ),
        ),
        (
            "/proc/self/environ".to_string(),
            "cannot read the posterior /proc/self/environ: it is a system file (/proc or /sys), \
             not a posterior"
                .to_string(),
        ),
        (
            fifo.to_str().unwrap().to_string(),
            format!(
                "cannot read the posterior {}: it is not a regular file (a folder, a device or \
                 a pipe)",
                fifo.display()
            ),
        ),
    ];
    for (path, expected) in cases {
        let s = with_posterior(dir.path(), &path);
        let assert = livemarket()
            .arg("check")
            .arg(&s)
            .timeout(Duration::from_secs(60))
            .assert()
            .code(2)
            .stdout("");
        let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(err.contains(&expected), "{path}: {err}");
        assert!(!err.contains("root:") && !err.contains("PATH="), "{err}");
    }
}

#[test]
fn formula_text_from_a_shared_trials_csv_or_a_target_name_is_neutralised() {
    let dir = tempdir();
    let a = tiny_run(dir.path(), "a");
    let b = tiny_run(dir.path(), "b");
    // Shared folders whose trials.csv name a platform like a formula.
    for dir in [&a, &b] {
        let trials = read(&dir.join("trials.csv"));
        assert!(trials.contains(",alpha,"));
        fs::write(
            dir.join("trials.csv"),
            trials.replace(",alpha,", ",@SUM(1+1)*cmd|x,"),
        )
        .unwrap();
    }
    let out = dir.path().join("compare.csv");
    livemarket()
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .success();
    let text = read(&out);
    assert!(text.contains(",'@SUM(1+1)*cmd|x,"), "{text}");
    for line in text.lines() {
        assert!(
            !line.split(',').any(|c| c.starts_with(['=', '+', '@'])),
            "a raw formula cell in compare.csv: {line}"
        );
    }
    // A target named like a formula: a neutralised header cell in particles.csv and
    // predictive.csv.
    let (s, t) = quick(dir.path());
    let named = read(&t).replacen("[target.week1]", "[target.\"=cmd|' /C calc'!A0\"]", 1);
    fs::write(&t, named).unwrap();
    let cal = dir.path().join("cal");
    calibrate(
        &s,
        &t,
        &cal,
        &[
            "--population",
            "20",
            "--max-generations",
            "1",
            "--batch",
            "16",
        ],
    );
    for f in ["particles.csv", "predictive.csv"] {
        let text = read(&cal.join(f));
        let header = text.lines().next().unwrap();
        assert!(header.contains("'=cmd|' /C calc'!A0"), "{f}: {header}");
        assert!(!header.contains(",=cmd"), "{f}: {header}");
    }
}

// 13. Messages.

#[test]
fn a_target_value_of_nan_or_1e308_is_refused_at_its_line() {
    let dir = tempdir();
    let (s, t) = quick(dir.path());
    let text = read(&t);
    for bad in ["nan", "1e308", "inf"] {
        let changed = text.replacen("value = 300", &format!("value = {bad}"), 1);
        assert_ne!(changed, text);
        fs::write(&t, &changed).unwrap();
        // At the value's own line and column, naming the key, the number and the fix.
        let line = changed
            .lines()
            .position(|l| l.starts_with(&format!("value = {bad}")))
            .unwrap()
            + 1;
        let out = dir.path().join("cal");
        fails_in(
            &mut calibrate_cmd(&s, &t, &out),
            &format!(
                "{}:{line}:9: target `week1`: `value` must be a finite number between -1e15 and \
                 1e15, not {bad}; write the figure in the quantity's unit (US dollars, people, \
                 or a share as 0.7)",
                t.display()
            ),
        );
        assert!(!out.exists());
    }
}

#[test]
fn ctrl_c_marks_the_run_interrupted_and_says_how_to_resume() {
    let tmp = tempdir();
    let dir = tmp.path().join("run");
    let d = dir.to_str().unwrap().to_string();
    let child = std::process::Command::new(bin())
        .args([
            "run",
            SMALL,
            "--quiet",
            "--trials",
            "100000",
            "--threads",
            "1",
            "--allow-disk",
            "--allow-memory",
            "--out",
            &d,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let began = Instant::now();
    // Wait for a finished trial or two in trials.csv (the header alone is one line).
    while read_or_empty(&dir.join("trials.csv")).lines().count() < 3
        && began.elapsed() < Duration::from_secs(120)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(
        err.starts_with("error: interrupted (Ctrl-C or SIGTERM): the "),
        "{err}"
    );
    assert!(
        err.ends_with(&format!(
            " run(s) finished are intact in {d}, and its manifest says interrupted; run the \
             same command with --resume to continue\n"
        )),
        "{err}"
    );
    let manifest = crate::common::manifest(&dir);
    assert_eq!(manifest["status"], "interrupted");
    assert!(manifest["runs_done"].as_u64().unwrap() >= 1);
}

fn read_or_empty(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn temporaries_a_kill_left_are_removed_by_resume_and_summarize() {
    let dir = tempdir();
    let out = tiny_run(dir.path(), "out");
    let s = dir.path().join("tiny.toml");
    for (cmd, tmp) in [
        ("summarize", ".summary.csv.Ab12Cd.tmp"),
        ("resume", ".weekly.csv.Zq81Lm.tmp"),
    ] {
        fs::write(out.join(tmp), "half a file").unwrap();
        let mut c = livemarket();
        if cmd == "summarize" {
            c.args(["summarize", "--quiet"]).arg(&out);
        } else {
            c.arg("run")
                .arg(&s)
                .args(["--quiet", "--trials", "2", "--resume", "--out"])
                .arg(&out);
        }
        c.assert().success();
        assert!(!out.join(tmp).exists(), "{cmd} left {tmp}");
    }
}

#[test]
fn a_complete_run_with_a_torn_trials_csv_is_not_nothing_to_resume() {
    // Before: "already holds the complete run: nothing to resume", exit 0.
    let dir = tempdir();
    let out = tiny_run(dir.path(), "out");
    let s = dir.path().join("tiny.toml");
    let whole = fs::read(out.join("trials.csv")).unwrap();
    fs::write(out.join("trials.csv"), &whole[..whole.len() - 40]).unwrap();
    let before = snapshot(&out);
    fails_in(
        livemarket()
            .arg("run")
            .arg(&s)
            .args(["--trials", "2", "--resume", "--out"])
            .arg(&out),
        &format!(
            "{} holds a complete run, but its trials.csv holds the rows of only 1 of its 2 runs \
             (its end was lost after the run finished); trials.bin is whole, so nothing is \
             lost: run the same command with --force instead of --resume to write every file \
             again",
            out.display()
        ),
    );
    assert_eq!(snapshot(&out), before);
    livemarket()
        .arg("run")
        .arg(&s)
        .args(["--quiet", "--trials", "2", "--force", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(fs::read(out.join("trials.csv")).unwrap(), whole);
}

#[test]
fn run_refuses_the_posterior_of_an_unfinished_calibration() {
    let dir = tempdir();
    let (s, t, cal) = finished(dir.path(), "cal");
    let _ = (s, t);
    let path = cal.join("calibration.json");
    let mut c = json(&path);
    c["complete"] = false.into();
    write_json(&path, &c);
    let scenario = dir.path().join("b.toml");
    fs::write(&scenario, bass(0.03, 0.38, false)).unwrap();
    fails_in(
        livemarket()
            .arg("run")
            .arg(&scenario)
            .arg("--posterior")
            .arg(&cal)
            .args(["--out"])
            .arg(dir.path().join("out")),
        &format!(
            "--posterior: the calibration in {} has not finished, so its posterior.csv is its \
             last whole generation, not its posterior; finish it with `livemarket calibrate \
             ... --resume`, or name {} itself to use that generation anyway",
            cal.display(),
            cal.join("posterior.csv").display()
        ),
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_calibration_folder_given_where_a_run_folder_goes_is_named_as_one() {
    let dir = tempdir();
    let (_, _, cal) = finished(dir.path(), "cal");
    let c = cal.display();
    let message = format!(
        "{c} is a calibration's folder (`livemarket calibrate` wrote it), not a run's result \
         folder: its report is {c}/report.html, its posterior {c}/posterior.csv. To run the \
         scenario with the calibrated values, `livemarket run SCENARIO --posterior {c}`, then \
         give that run's folder"
    );
    let before = snapshot(&cal);
    let other = tiny_run(dir.path(), "other");
    let cmds: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["report".into(), cal.clone().into()],
        vec!["summarize".into(), cal.clone().into()],
        vec!["targets".into(), cal.clone().into()],
        vec!["export".into(), "--parquet".into(), cal.clone().into()],
        vec!["sensitivity".into(), cal.clone().into()],
        vec!["compare".into(), other.clone().into(), cal.clone().into()],
    ];
    for args in cmds {
        fails_in(livemarket().args(&args), &message);
    }
    fails_in(
        livemarket().arg("run").arg(SMALL).arg("--out").arg(&cal),
        &format!(
            "{c} is a calibration's folder (`livemarket calibrate` wrote it); a run would mix \
             its files with the calibration's. Write the run elsewhere with --out (to run with \
             the calibrated values, add --posterior {c})"
        ),
    );
    assert_eq!(snapshot(&cal), before);
}

#[test]
fn force_removes_the_old_reports_charts_and_keeps_a_foreign_manifest() {
    let dir = tempdir();
    let out = tiny_run(dir.path(), "out");
    let s = dir.path().join("tiny.toml");
    livemarket()
        .args(["report", "--quiet"])
        .arg(&out)
        .assert()
        .success();
    let charts: Vec<_> = fs::read_dir(out.join("report")).unwrap().collect();
    assert!(charts.len() > 2);
    fs::write(out.join("report/mine.svg"), "the user's").unwrap();
    livemarket()
        .arg("run")
        .arg(&s)
        .args(["--quiet", "--trials", "2", "--force", "--out"])
        .arg(&out)
        .assert()
        .success();
    let left: Vec<String> = fs::read_dir(out.join("report"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["mine.svg"]);
    // Another program's manifest.json is not replaced, not even with --force.
    let foreign = dir.path().join("foreign");
    fs::create_dir_all(&foreign).unwrap();
    let theirs = r#"{"name": "my-app", "version": "1.0.0"}"#;
    fs::write(foreign.join("manifest.json"), theirs).unwrap();
    fails_in(
        livemarket()
            .arg("run")
            .arg(&s)
            .args(["--quiet", "--trials", "2", "--force", "--out"])
            .arg(&foreign),
        &format!(
            "{}/manifest.json was not written by livemarket (it does not say `\"tool\": \
             \"livemarket\"`), so livemarket will not replace it (not even with --force). Move \
             it, or write elsewhere with --out",
            foreign.display()
        ),
    );
    assert_eq!(read(&foreign.join("manifest.json")), theirs);
}

#[test]
fn huge_numbers_in_messages_are_written_with_an_exponent() {
    let dir = tempdir();
    let s = dir.path().join("huge.toml");
    fs::write(
        &s,
        SMALL_TOML.replacen("lapse = 0.3\n", "lapse = 1e300\n", 1),
    )
    .unwrap();
    let assert = livemarket()
        .arg("check")
        .arg(&s)
        .assert()
        .code(2)
        .stdout("");
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("`countries.AA.lapse` = 1e300 is out of range; it must be between 0 and 1"),
        "{err}"
    );
    assert!(!err.contains("000000000000"), "{err}");
}
