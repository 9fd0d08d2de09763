//! Never losing work: kill -9 and --resume, summarize, shards and merge, a full disk and a
//! read-only folder. Result folders are compared file by file, byte for byte (all but
//! manifest.json, which records times and command lines).

use crate::common::{SMALL, bin, livemarket, manifest, tempdir};
use livemarket::results::{self, store};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Markets of the small world: rows per trial in trials.csv.
const MARKETS: usize = 7;

/// `run SMALL --quiet --weekly-trials --out DIR ARGS...`, which must succeed silently.
fn run(dir: &Path, args: &[&str]) {
    livemarket()
        .args(["run", SMALL, "--quiet", "--weekly-trials", "--out"])
        .arg(dir)
        .args(args)
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

/// Every file of a folder but manifest.json, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "manifest.json")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn assert_same_files(expected: &Path, got: &Path, what: &str) {
    let (a, b) = (files(expected), files(got));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: the folders hold different files"
    );
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{what}: {name} differs");
    }
}

fn set_manifest(dir: &Path, key: &str, value: serde_json::Value) {
    let mut m = manifest(dir);
    m[key] = value;
    fs::write(
        dir.join("manifest.json"),
        serde_json::to_string(&m).unwrap(),
    )
    .unwrap();
}

/// A folder's trials.bin, scanned as the run its manifest records lays it out.
fn scan(dir: &Path) -> Option<store::Scan> {
    let recipe = results::manifest::read(dir).unwrap().recipe;
    let plan = livemarket::sweep::plan_recipe(&recipe).unwrap();
    store::scan(&dir.join(results::STORE), &plan.store_layout(&recipe)).unwrap()
}

/// Whole runs in a folder's trials.bin, and its torn bytes.
fn whole_runs(dir: &Path) -> (usize, u64) {
    match scan(dir) {
        Some(s) => (s.records.len(), s.torn_bytes),
        None => (0, 0),
    }
}

/// Checks that the CSV files hold exactly the rows of the whole runs in trials.bin.
fn assert_rows_match_runs(dir: &Path, what: &str) {
    let (runs, _) = whole_runs(dir);
    let rows = |name: &str| {
        let text = fs::read_to_string(dir.join(name)).unwrap();
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "{what}: {name} ends inside a row"
        );
        text.lines().count().saturating_sub(1)
    };
    assert_eq!(rows("trials.csv"), runs * MARKETS, "{what}: trials.csv");
}

#[test]
fn runs_killed_at_several_points_resume_to_byte_identical_files() {
    // 200 trials of the small world (about 2 s on two cores). The reference runs without
    // interruption; the other is killed (SIGKILL) once 15%, 45% and 80% of its runs are on
    // disk — at whatever moment the kill lands, mid-write included — and resumed each time,
    // with one thread and then two.
    let tmp = tempdir();
    let (reference, killed) = (tmp.path().join("reference"), tmp.path().join("killed"));
    let args = ["--trials", "200", "--threads", "2"];
    run(&reference, &args);
    let (total, _) = whole_runs(&reference);
    assert_eq!(total, 200);
    let record = (fs::metadata(reference.join(results::STORE)).unwrap().len() - 32) / 200;
    let mut kills = Vec::new();
    for (k, share) in [0.15, 0.45, 0.80].into_iter().enumerate() {
        let mut cmd = std::process::Command::new(bin());
        cmd.args(["run", SMALL, "--quiet", "--weekly-trials", "--out"])
            .arg(&killed)
            .args(args);
        if k > 0 {
            cmd.arg("--resume");
        }
        let mut child = cmd.spawn().unwrap();
        let target = (share * total as f64) as usize;
        // Watch the file's size (records are all the same size here), not its contents.
        let began = Instant::now();
        loop {
            let len = fs::metadata(killed.join(results::STORE)).map_or(0, |m| m.len());
            if len >= 32 + target as u64 * record || began.elapsed() > Duration::from_secs(60) {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let (runs, _) = whole_runs(&killed);
        assert!(
            runs >= target && runs < total,
            "kill {k}: {runs} runs on disk, expected at least {target} and fewer than {total}"
        );
        kills.push(runs);
        assert_eq!(manifest(&killed)["status"], "running");
    }
    for (k, threads) in ["1", "2"].into_iter().enumerate() {
        // The second resume finds a complete run and leaves it as it is.
        livemarket()
            .args([
                "run",
                SMALL,
                "--quiet",
                "--weekly-trials",
                "--trials",
                "200",
            ])
            .args(["--threads", threads, "--resume", "--out"])
            .arg(&killed)
            .assert()
            .success();
        assert_same_files(
            &reference,
            &killed,
            &format!("resume {k} after kills at {kills:?}"),
        );
    }
    assert_eq!(manifest(&killed)["status"], "complete");
}

#[test]
fn resume_drops_a_torn_record_and_the_rows_after_the_last_whole_run() {
    // What a crash mid-write leaves, made on purpose: trials.bin cut inside the record of run
    // 7, half a row after trial 7's rows in trials.csv, stray bytes in weekly_trials.csv, no
    // summaries yet.
    let tmp = tempdir();
    let (reference, torn) = (tmp.path().join("reference"), tmp.path().join("torn"));
    run(&reference, &["--trials", "12"]);
    run(&torn, &["--trials", "12"]);
    let scan = scan(&torn).unwrap();
    let r7 = scan.records[7];
    let cut = |name: &str, len: u64, tail: &[u8]| {
        let path = torn.join(name);
        let mut bytes = fs::read(&path).unwrap();
        bytes.truncate(len as usize);
        bytes.extend_from_slice(tail);
        fs::write(&path, bytes).unwrap();
    };
    cut(results::STORE, r7.offset + r7.len / 2, b"");
    cut("trials.csv", r7.ends.trials, b"7,12345,AA,al");
    cut("weekly_trials.csv", r7.ends.weekly_trials + 10, b"");
    fs::remove_file(torn.join("summary.csv")).unwrap();
    fs::remove_file(torn.join("weekly.csv")).unwrap();
    set_manifest(&torn, "status", "running".into());
    assert_eq!(whole_runs(&torn).0, 7);
    assert!(whole_runs(&torn).1 > 0);
    livemarket()
        .args(["run", SMALL, "--weekly-trials", "--trials", "12", "--resume", "--out"])
        .arg(&torn)
        .assert()
        .success()
        .stdout(predicates::str::is_match(
            r"^12 trials of small in \d+\.\d s, resumed after 7 finished runs; results in .+\n\nheadline (?s:.*)$",
        )
        .unwrap());
    assert_same_files(&reference, &torn, "resumed after a torn record");
}

#[test]
fn resume_refuses_a_different_run_and_leaves_a_complete_one_as_it_is() {
    let tmp = tempdir();
    let dir = tmp.path().join("r");
    run(&dir, &["--trials", "4"]);
    let before = files(&dir);
    livemarket()
        .args(["run", SMALL, "--trials", "5", "--seed", "9", "--resume", "--out"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(format!(
            "error: cannot resume {d}: --seed is 9 in this command but not given in {d}; --trials is 5 in this command but 4 in {d}; --weekly-trials is not given in this command but given in {d}; resume with the arguments the run was started with (its manifest.json lists them under command_line), or pass --force to start over\n",
            d = dir.display()
        ));
    livemarket()
        .args([
            "run",
            SMALL,
            "--weekly-trials",
            "--trials",
            "4",
            "--resume",
            "--out",
        ])
        .arg(&dir)
        .assert()
        .success()
        .stdout(format!(
            "{} already holds the complete run: nothing to resume\n",
            dir.display()
        ));
    assert!(files(&dir) == before, "a complete run is left as it is");
    // --resume where no run has started starts one.
    let fresh = tmp.path().join("fresh");
    run(&fresh, &["--trials", "4", "--resume"]);
    assert_same_files(&dir, &fresh, "--resume of nothing");
}

#[test]
fn summarize_rebuilds_the_summaries_from_the_trial_data() {
    let tmp = tempdir();
    let dir = tmp.path().join("sweep");
    run(
        &dir,
        &["--trials", "5", "--vary", "countries.AA.lapse=0.1,0.3"],
    );
    let before = files(&dir);
    fs::remove_file(dir.join("summary.csv")).unwrap();
    fs::write(dir.join("weekly.csv"), "stale").unwrap();
    livemarket()
        .arg("summarize")
        .arg(&dir)
        .assert()
        .success()
        .stdout(format!(
            "summary.csv, weekly.csv and headline.csv of 10 run(s) written in {}\n",
            dir.display()
        ));
    assert!(files(&dir) == before, "summarize rebuilds the same bytes");

    // Of a run cut short: the summaries of the runs so far, saying so; n counts them.
    let cut = tmp.path().join("cut");
    run(
        &cut,
        &["--trials", "5", "--vary", "countries.AA.lapse=0.1,0.3"],
    );
    let scan = scan(&cut).unwrap();
    let r = scan.records[7];
    let f = fs::OpenOptions::new()
        .write(true)
        .open(cut.join(results::STORE))
        .unwrap();
    f.set_len(r.offset).unwrap();
    // As a killed run leaves its manifest: running, no run recorded done (a complete
    // manifest over a cut store is damage, which summarize refuses).
    set_manifest(&cut, "status", "running".into());
    set_manifest(&cut, "runs_done", 0.into());
    livemarket()
        .arg("summarize")
        .arg(&cut)
        .assert()
        .success()
        .stdout(format!(
            "summary.csv, weekly.csv and headline.csv of 7 run(s) of 10 (the run is not complete: these are the summaries so far) written in {}\n",
            cut.display()
        ));
    let summary = fs::read_to_string(cut.join("summary.csv")).unwrap();
    let n_of = |point: &str| {
        summary
            .lines()
            .find(|l| l.starts_with(&format!("{point},")) && l.contains(",AA,alpha,gmv_usd,"))
            .unwrap()
            .split(',')
            .nth(5)
            .unwrap()
            .to_string()
    };
    // Runs 0..7 are trials 0,0,1,1,2,2,3: point 0 has 4 trials, point 1 has 3.
    assert_eq!((n_of("0"), n_of("1")), ("4".to_string(), "3".to_string()));
}

#[test]
fn summaries_do_not_depend_on_the_memory_budget() {
    // One series at a time (a budget of one byte) against every series at once.
    let tmp = tempdir();
    let dir = tmp.path().join("sweep");
    run(
        &dir,
        &["--trials", "6", "--vary", "countries.AA.lapse=0.1,0.3"],
    );
    let whole = files(&dir);
    let recorded = livemarket::results::manifest::read(&dir).unwrap();
    let plan = livemarket::sweep::plan_recipe(&recorded.recipe).unwrap();
    let worlds: Vec<&livemarket::world::World> = plan.points.iter().map(|p| &p.world).collect();
    let columns = livemarket::run::point_columns(&plan);
    let layout = plan.store_layout(&recorded.recipe);
    livemarket::results::write_summaries(
        &dir,
        &worlds,
        columns.as_ref(),
        &livemarket::results::headline::Spec::of(&plan.base, plan.sweep.as_ref()).unwrap(),
        1,
        0,
        &layout,
        livemarket::format::Dialect::Standard,
    )
    .unwrap();
    assert!(
        files(&dir) == whole,
        "series one at a time give the same files"
    );
}

fn shard(dir: &Path, k: &str, args: &[&str]) {
    run(dir, &[args, &["--shard", k]].concat());
}

fn merge(out: &Path, shards: &[&Path]) -> assert_cmd::assert::Assert {
    livemarket()
        .args(["merge", "--quiet", "--out"])
        .arg(out)
        .args(shards)
        .assert()
}

#[test]
fn shards_merge_into_the_files_of_a_single_run() {
    let tmp = tempdir();
    let p = |name: &str| tmp.path().join(name);
    let sweep = ["--trials", "5", "--vary", "countries.AA.lapse=0.1,0.2,0.3"];
    run(&p("single"), &sweep);
    for k in 1..=4 {
        shard(&p(&format!("s{k}")), &format!("{k}/4"), &sweep);
    }
    // In any order.
    merge(&p("merged"), &[&p("s3"), &p("s1"), &p("s4"), &p("s2")]).success();
    assert_same_files(&p("single"), &p("merged"), "4 shards of a sweep");
    assert_eq!(manifest(&p("merged"))["status"], "complete");

    // More shards than runs: some are empty, and still merge.
    let few = ["--trials", "3"];
    run(&p("single3"), &few);
    let names: Vec<PathBuf> = (1..=5).map(|k| p(&format!("e{k}"))).collect();
    for (k, dir) in names.iter().enumerate() {
        shard(dir, &format!("{}/5", k + 1), &few);
    }
    let refs: Vec<&Path> = names.iter().map(|d| d.as_path()).collect();
    merge(&p("merged3"), &refs).success();
    assert_same_files(&p("single3"), &p("merged3"), "5 shards of 3 runs");
}

#[test]
fn merge_refuses_shards_that_do_not_make_one_run() {
    let tmp = tempdir();
    let p = |name: &str| tmp.path().join(name);
    let args = ["--trials", "6"];
    for k in 1..=3 {
        shard(&p(&format!("s{k}")), &format!("{k}/3"), &args);
    }
    shard(&p("seed"), "3/3", &["--trials", "6", "--seed", "8"]);
    run(&p("whole"), &args);
    let fails = |shards: &[&Path], message: String| {
        merge(&p("out"), shards)
            .code(2)
            .stderr(format!("error: {message}\n"));
        assert!(!p("out").join("manifest.json").exists());
    };
    let (s1, s2, s3) = (p("s1"), p("s2"), p("s3"));
    fails(
        &[&s1, &s3],
        "shard(s) 2/3 missing: pass the folder of every shard of the run".into(),
    );
    fails(
        &[&s1, &s2, &s2, &s3],
        format!(
            "shard 2/3 is given twice: {} and {}",
            s2.display(),
            s2.display()
        ),
    );
    fails(
        &[&s1, &s2, &p("seed")],
        format!(
            "{} and {} are shards of different runs: --seed is not given in {} but 8 in {}",
            s1.display(),
            p("seed").display(),
            s1.display(),
            p("seed").display()
        ),
    );
    fails(
        &[&s1, &p("whole")],
        format!(
            "{} holds a whole run, not a shard (it was run without --shard); merge takes the folders of `run --shard K/N`",
            p("whole").display()
        ),
    );
    set_manifest(&s2, "version", "0.0.1".into());
    fails(
        &[&s1, &s2, &s3],
        format!(
            "{} was written by livemarket 0.0.1 but {} by {}: shards of different versions do not make one run",
            s2.display(),
            s1.display(),
            env!("CARGO_PKG_VERSION")
        ),
    );
    set_manifest(&s2, "version", env!("CARGO_PKG_VERSION").into());
    set_manifest(&s2, "status", "running".into());
    fails(
        &[&s1, &s2, &s3],
        format!(
            "{} (shard 2/3) is not complete (status running): finish it with its run command and --resume",
            s2.display()
        ),
    );
    set_manifest(&s2, "status", "complete".into());
    // A run lost from a shard's trial data.
    let scan = scan(&s3).unwrap();
    let f = fs::OpenOptions::new()
        .write(true)
        .open(s3.join(results::STORE))
        .unwrap();
    f.set_len(scan.records[1].offset).unwrap();
    fails(
        &[&s1, &s2, &s3],
        format!(
            "{} (shard 3/3) should hold runs 4 to 5 once each, in order, but holds 1 run(s): missing or duplicated runs; run the shard again with --force",
            s3.join(results::STORE).display()
        ),
    );
}

/// Runs a shell script in a private mount namespace (so its mounts vanish with it), as root.
fn in_mount_namespace(script: &str, vars: &[(&str, &Path)]) {
    let mut cmd = std::process::Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-euc", script]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.env("BIN", bin())
        .env("SMALL", Path::new(SMALL).canonicalize().unwrap());
    let out = cmd.output().expect("unshare (util-linux) runs");
    assert!(
        out.status.success(),
        "these tests mount a tmpfs and need root (CI runs as root): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_full_disk_stops_the_run_with_the_finished_trials_intact() {
    // A 400 KB tmpfs fills up during the trials (a trial takes about 73 KB: 43 KB of record
    // and 28 KB of weekly rows); an 1100 KB one holds all 12 trials (885 KB with the
    // manifest) and fills up while the summaries and events (514 KB) are written.
    let tmp = tempdir();
    let (log, reference) = (tmp.path().join("log"), tmp.path().join("reference"));
    fs::create_dir(&log).unwrap();
    let mnt = tmp.path().join("mnt");
    fs::create_dir(&mnt).unwrap();
    run(&reference, &["--trials", "12"]);
    for size in ["400k", "1100k"] {
        in_mount_namespace(
            &format!(
                r#"mount -t tmpfs -o size={size} tmpfs "$MNT"
set +e
"$BIN" run "$SMALL" --quiet --weekly-trials --trials 12 --allow-disk --out "$MNT/r" 2> "$LOG/{size}.err"
echo $? > "$LOG/{size}.code"
set -e
cp -a "$MNT/r" "$LOG/{size}""#
            ),
            &[("MNT", &mnt), ("LOG", &log)],
        );
        let dir = log.join(size);
        let err = fs::read_to_string(log.join(format!("{size}.err"))).unwrap();
        assert_eq!(
            fs::read_to_string(log.join(format!("{size}.code"))).unwrap(),
            "1\n"
        );
        assert!(
            err.contains("No space left on device (os error 28)"),
            "{size}: {err}"
        );
        let (runs, torn) = whole_runs(&dir);
        assert_eq!(torn, 0, "{size}: a partial record was left");
        assert_rows_match_runs(&dir, size);
        let name = |f: &str| format!("{}/r/{f}", mnt.display());
        if size == "400k" {
            assert!(runs > 0 && runs < 12, "{size}: {runs} runs");
            // Whichever of the run's files the disk filled on is named.
            assert!(
                ["trials.csv", "weekly_trials.csv", "trials.bin"]
                    .iter()
                    .any(|f| err.starts_with(&format!("error: cannot write {}:", name(f)))),
                "{err}"
            );
            assert!(err.ends_with(&format!(
                "\nthe {runs} run(s) finished are intact in {}/r; once the cause is fixed, run the same command with --resume to continue\n",
                mnt.display()
            )), "{err}");
            livemarket()
                .args([
                    "run",
                    SMALL,
                    "--quiet",
                    "--weekly-trials",
                    "--trials",
                    "12",
                    "--resume",
                    "--out",
                ])
                .arg(&dir)
                .assert()
                .success();
        } else {
            assert_eq!(runs, 12);
            assert!(err.ends_with(&format!(
                "\nevery run is in {m}/r, but summary.csv and weekly.csv could not be written; once the cause is fixed, `livemarket summarize {m}/r` writes them\n",
                m = mnt.display()
            )), "{err}");
            let temporaries: Vec<String> = fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tmp"))
                .collect();
            assert!(temporaries.is_empty(), "left behind: {temporaries:?}");
            assert_eq!(manifest(&dir)["status"], "interrupted");
            livemarket().arg("summarize").arg(&dir).assert().success();
            assert_eq!(manifest(&dir)["status"], "complete");
        }
        assert_same_files(&reference, &dir, size);
    }
}

#[test]
fn an_unwritable_folder_gives_a_clear_error_and_changes_nothing() {
    // A finished run on a tmpfs remounted read-only: run --force into it, summarize it, and
    // run into a new folder under it all fail, naming the file, and the run is untouched.
    let tmp = tempdir();
    let (log, mnt) = (tmp.path().join("log"), tmp.path().join("mnt"));
    fs::create_dir(&log).unwrap();
    fs::create_dir(&mnt).unwrap();
    in_mount_namespace(
        r#"mount -t tmpfs -o size=4m tmpfs "$MNT"
"$BIN" run "$SMALL" --quiet --trials 3 --out "$MNT/r"
cp -a "$MNT/r" "$LOG/before"
mount -o remount,ro "$MNT"
set +e
"$BIN" run "$SMALL" --quiet --trials 3 --force --out "$MNT/r" 2> "$LOG/force.err"; echo $? >> "$LOG/codes"
"$BIN" summarize "$MNT/r" 2> "$LOG/summarize.err"; echo $? >> "$LOG/codes"
"$BIN" run "$SMALL" --quiet --trials 3 --out "$MNT/new" 2> "$LOG/new.err"; echo $? >> "$LOG/codes"
set -e
cp -a "$MNT/r" "$LOG/after""#,
        &[("MNT", &mnt), ("LOG", &log)],
    );
    assert_eq!(fs::read_to_string(log.join("codes")).unwrap(), "1\n1\n1\n");
    let err = |name: &str| fs::read_to_string(log.join(name)).unwrap();
    let m = mnt.display();
    // A writer's first write is its lock file (the first run left it there).
    let locked = format!(
        "error: cannot open the lock file {m}/r/.livemarket.lock: Read-only file system (os \
         error 30)\n"
    );
    assert_eq!(err("force.err"), locked);
    assert_eq!(err("summarize.err"), locked);
    assert_eq!(
        err("new.err"),
        format!(
            "error: cannot create the output folder {m}/new: Read-only file system (os error 30)\n"
        )
    );
    assert!(files(&log.join("before")) == files(&log.join("after")));
    assert_eq!(
        fs::read(log.join("before/manifest.json")).unwrap(),
        fs::read(log.join("after/manifest.json")).unwrap()
    );
}

#[test]
fn a_second_writer_is_refused_at_once_and_changes_nothing() {
    // A long run holds the folder; while it runs, `run --force`, `summarize` and `merge`
    // into it exit 2 naming its pid, and the folder's files are exactly what the first run
    // has written (the first run is then killed: its lock dies with it).
    let tmp = tempdir();
    let dir = tmp.path().join("busy");
    /// Kills the long run however the test ends, so no process outlives it.
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
                // Killed long before the end: the guards' estimates of a whole run do not apply.
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
    // The run takes the lock, then writes its manifest: wait for both (under load the test
    // could otherwise read a manifest not yet written).
    while !(fs::read_to_string(&lock_file).is_ok_and(|t| t.ends_with('\n'))
        && dir.join("manifest.json").is_file())
        && began.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let holder = format!("pid {}: ", first.0.id());
    assert!(fs::read_to_string(&lock_file).unwrap().starts_with(&holder));
    let manifest_before = fs::read(dir.join("manifest.json")).unwrap();
    let expected = format!(
        "error: {} is in use by another livemarket ({holder}{} run {SMALL} --quiet --trials \
         100000 --threads 1 --allow-disk --allow-memory --out {}); writing it now could mix \
         two runs' results. Wait for \
         that command to finish, or use another folder (--out)\n",
        dir.display(),
        bin().display(),
        dir.display()
    );
    let d = dir.to_str().unwrap();
    let shards = [tmp.path().join("s1"), tmp.path().join("s2")];
    for (k, s) in ["1/2", "2/2"].iter().zip(&shards) {
        shard(s, k, &["--trials", "2"]);
    }
    let (s1, s2) = (shards[0].to_str().unwrap(), shards[1].to_str().unwrap());
    for args in [
        &["run", SMALL, "--quiet", "--force", "--out", d][..],
        &["summarize", "--quiet", d][..],
        &["merge", "--quiet", "--force", "--out", d, s1, s2][..],
    ] {
        livemarket()
            .args(args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(expected.clone());
    }
    // A reader is refused too, with its own words.
    livemarket()
        .args(["report", "--quiet", d])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "is being written by another livemarket (pid ",
        ));
    assert_eq!(
        fs::read(dir.join("manifest.json")).unwrap(),
        manifest_before
    );
    drop(first);
    // The lock died with its holder: the folder can be resumed at once.
    livemarket()
        .args([
            "run", SMALL, "--quiet", "--trials", "4", "--force", "--out", d,
        ])
        .assert()
        .success();
}

#[test]
fn summarize_leaves_good_summaries_alone_when_the_trial_data_is_damaged() {
    // It replaced a complete run's summaries with empty ones from a cut trials.bin and
    // exited 0.
    let tmp = tempdir();
    let dir = tmp.path().join("r");
    run(&dir, &["--trials", "4"]);
    let (summary, weekly) = (
        fs::read(dir.join("summary.csv")).unwrap(),
        fs::read(dir.join("weekly.csv")).unwrap(),
    );
    let f = fs::OpenOptions::new()
        .write(true)
        .open(dir.join(results::STORE))
        .unwrap();
    f.set_len(100).unwrap();
    livemarket()
        .arg("summarize")
        .arg(&dir)
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "error: {}/trials.bin holds 0 whole run(s) but manifest.json records 4 done: it is \
             damaged after byte 32, so summary.csv and weekly.csv are left as they are; run it \
             again with --force to rebuild the trial data\n",
            dir.display()
        ));
    assert_eq!(fs::read(dir.join("summary.csv")).unwrap(), summary);
    assert_eq!(fs::read(dir.join("weekly.csv")).unwrap(), weekly);
}

#[test]
fn a_point_index_out_of_order_in_trials_csv_is_an_error_not_a_huge_allocation() {
    // A `point` cell of u64::MAX panicked report and compare (3e9 asked for 216 GB).
    let tmp = tempdir();
    let dir = tmp.path().join("s");
    run(
        &dir,
        &["--trials", "2", "--vary", "countries.AA.lapse=0.1,0.2"],
    );
    let trials = fs::read_to_string(dir.join("trials.csv")).unwrap();
    let (head, rest) = trials.split_once('\n').unwrap();
    let rest = rest.replacen("0,", "18446744073709551615,", 1);
    fs::write(dir.join("trials.csv"), format!("{head}\n{rest}")).unwrap();
    let expected = format!(
        "error: {}/trials.csv:2: the row is of point 18446744073709551615, but the next new \
         point can only be 0 (rows go trial by trial across the points); the file is damaged: \
         run the sweep again (--force)\n",
        dir.display()
    );
    livemarket()
        .arg("compare")
        .arg(&dir)
        .args(["--quiet", "--out"])
        .arg(tmp.path().join("c.csv"))
        .assert()
        .code(1)
        .stderr(expected.clone());
}

#[test]
fn resume_recovers_the_same_bytes_from_any_lost_tail_of_any_file() {
    // A crash can lose the tail of any of the three files a run appends to: at a run's
    // boundary or inside a run. Each cut, of each file, resumed: the same files as a run
    // never interrupted. (A lost CSV tail used to make --resume fail: the store vouched for
    // rows the file no longer held.)
    let tmp = tempdir();
    let reference = tmp.path().join("reference");
    let args = ["--trials", "6", "--threads", "2"];
    run(&reference, &args);
    let scan = scan(&reference).unwrap();
    let cuts = |boundaries: Vec<u64>| -> Vec<u64> {
        // Every boundary, and the middle of every run after it.
        let mut c = boundaries.clone();
        c.extend(boundaries.windows(2).map(|w| (w[0] + w[1]) / 2));
        c
    };
    let store_cuts = cuts(
        std::iter::once(32)
            .chain(scan.records.iter().map(|r| r.offset + r.len))
            .collect(),
    );
    let csv_cuts = |f: fn(&store::CsvEnds) -> u64| {
        cuts(
            std::iter::once(f(&scan.headers))
                .chain(scan.records.iter().map(|r| f(&r.ends)))
                .collect(),
        )
    };
    let cases: Vec<(&str, Vec<u64>)> = vec![
        (results::STORE, store_cuts),
        (results::TRIALS_CSV, csv_cuts(|e| e.trials)),
        (results::WEEKLY_TRIALS_CSV, csv_cuts(|e| e.weekly_trials)),
    ];
    let mut resumed = 0;
    for (file, cuts) in cases {
        for cut in cuts {
            let work = tmp.path().join(format!("{file}-{cut}"));
            fs::create_dir(&work).unwrap();
            for e in fs::read_dir(&reference).unwrap() {
                let e = e.unwrap();
                fs::copy(e.path(), work.join(e.file_name())).unwrap();
            }
            // As a killed run leaves its manifest.
            set_manifest(&work, "status", "running".into());
            set_manifest(&work, "runs_done", 0.into());
            fs::OpenOptions::new()
                .write(true)
                .open(work.join(file))
                .unwrap()
                .set_len(cut)
                .unwrap();
            run(&work, &[&args[..], &["--resume"]].concat());
            assert_same_files(&reference, &work, &format!("{file} cut at byte {cut}"));
            resumed += 1;
        }
    }
    // 6 runs: 7 boundaries and 6 middles in each of 3 files.
    assert_eq!(resumed, 3 * 13);
}

#[test]
fn a_killed_merge_is_redone_without_force_but_a_finished_one_is_kept() {
    let tmp = tempdir();
    let p = |name: &str| tmp.path().join(name);
    let trials = ["--trials", "4"];
    run(&p("single"), &trials);
    shard(&p("s1"), "1/2", &trials);
    shard(&p("s2"), "2/2", &trials);
    merge(&p("merged"), &[&p("s1"), &p("s2")]).success();
    // A finished merge is results: replacing them needs --force.
    merge(&p("merged"), &[&p("s1"), &p("s2")]).code(2);
    // As a merge killed half way leaves its folder: its manifest says running, a summary
    // is missing.
    set_manifest(&p("merged"), "status", "running".into());
    fs::remove_file(p("merged").join("summary.csv")).unwrap();
    merge(&p("merged"), &[&p("s1"), &p("s2")]).success();
    assert_same_files(&p("single"), &p("merged"), "a merge redone after a kill");
    assert_eq!(manifest(&p("merged"))["status"], "complete");
}
