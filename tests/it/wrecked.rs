//! Hostile result folders: seeded mutations of real result folders (manifests, trials.csv,
//! points.csv, weekly files, trials.bin, shard folders, the report's `report/` and the
//! export's `parquet/`) given to every command that reads one: `summarize`, `merge`,
//! `report`, `export`, `compare`, `sensitivity` and `run --resume`; and of calibration
//! folders (the checkpoint `calibration.json`, the shards' parts, `posterior.csv`) given to
//! `calibrate --resume`, `calibrate --merge` and `run --posterior`. A subfolder may also be
//! swapped for a link to a folder outside: nothing there may change.
//!
//! Each command runs as a user runs it, as its own process, under an address-space limit
//! (so an allocation sized by a crafted count fails the test instead of the machine). For
//! every case and command the test holds:
//! - no panic, no abort, no death by signal: the exit is 0, 1 or 2;
//! - a failure is one `error: ...` line that names the folder or file it read;
//! - nothing good is overwritten with something worse: every file that was in the folder is
//!   afterwards either as it was or exactly as the same command leaves an undamaged folder;
//!   a failed command leaves no file of its own behind (no half-written output, no temporary).
//!
//! The number of cases is `LIVEMARKET_FUZZ_CASES` (default below); a failing case prints its
//! number and mutation, and `LIVEMARKET_FUZZ_ONLY=N` reruns just that one.

use crate::common::{SMALL_TOML, bin, tempdir};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Cases run by `cargo test`: 200 per fixture of the 8, a few minutes on two cores (the
/// calibration fixtures run simulations); `LIVEMARKET_FUZZ_CASES` for more.
const DEFAULT_CASES: u64 = 1600;

/// The address space a command may take: a hundred times what these tiny folders need.
const ADDRESS_SPACE: u64 = 1 << 30;

/// A tiny sweep: 2 points, 4 trials, 12 weeks, a few hundred agents per country.
fn scenario() -> String {
    SMALL_TOML
        .replace("agents = 6000", "agents = 300")
        .replace("agents = 4000", "agents = 200")
        .replace("agents = 3000", "agents = 200")
        .replace("weeks = 40", "weeks = 12")
}

/// A command of a fixture, run in the case's folder.
struct Step {
    args: &'static [&'static str],
}

/// What a fixture folder is and which commands read it.
struct Fixture {
    /// Folder (relative to the workspace) the mutations hit.
    target: &'static str,
    steps: &'static [Step],
}

const RUN_ARGS: &[&str] = &[
    "run",
    "s.toml",
    "--trials",
    "4",
    "--vary",
    "countries.AA.deal_sensitivity=1,2",
    "--weekly-trials",
    "--quiet",
    "--threads",
    "2",
];

const FIXTURES: &[Fixture] = &[
    Fixture {
        target: "sweep",
        steps: &[
            Step {
                args: &[
                    "run",
                    "s.toml",
                    "--trials",
                    "4",
                    "--vary",
                    "countries.AA.deal_sensitivity=1,2",
                    "--weekly-trials",
                    "--quiet",
                    "--threads",
                    "2",
                    "--out",
                    "sweep",
                    "--resume",
                ],
            },
            Step {
                args: &["summarize", "sweep", "--quiet"],
            },
            Step {
                args: &["report", "sweep", "--xlsx", "--quiet"],
            },
            Step {
                args: &["compare", "sweep", "--out", "cmp-sweep.csv", "--quiet"],
            },
            Step {
                args: &[
                    "compare",
                    "sweep#0",
                    "clean#1",
                    "--out",
                    "cmp-two.csv",
                    "--resamples",
                    "50",
                    "--quiet",
                ],
            },
        ],
    },
    Fixture {
        target: "morris",
        steps: &[
            Step {
                args: &["sensitivity", "morris", "--out", "sens.csv", "--quiet"],
            },
            Step {
                args: &["summarize", "morris", "--quiet"],
            },
        ],
    },
    Fixture {
        target: "shard1",
        steps: &[Step {
            args: &["merge", "shard1", "shard2", "--out", "merged", "--quiet"],
        }],
    },
    Fixture {
        target: "cal",
        steps: &[
            Step {
                args: &[
                    "calibrate",
                    "b.toml",
                    "--targets",
                    "t.toml",
                    "--population",
                    "8",
                    "--batch",
                    "8",
                    "--max-generations",
                    "2",
                    "--quiet",
                    "--threads",
                    "2",
                    "--out",
                    "cal",
                    "--resume",
                ],
            },
            Step {
                args: &[
                    "run",
                    "b.toml",
                    "--posterior",
                    "cal",
                    "--trials",
                    "2",
                    "--quiet",
                    "--out",
                    "fromcal",
                ],
            },
        ],
    },
    Fixture {
        target: "calshards",
        steps: &[Step {
            args: &[
                "calibrate",
                "b.toml",
                "--targets",
                "t.toml",
                "--population",
                "8",
                "--batch",
                "8",
                "--max-generations",
                "2",
                "--quiet",
                "--threads",
                "2",
                "--out",
                "calshards",
                "--merge",
            ],
        }],
    },
    Fixture {
        target: "clean",
        steps: &[
            Step {
                args: &["export", "clean", "--parquet", "--quiet"],
            },
            Step {
                args: &["report", "clean", "--quiet"],
            },
        ],
    },
];

/// The calibration fixtures' options (before `--out`).
const CAL_ARGS: &[&str] = &[
    "calibrate",
    "b.toml",
    "--targets",
    "t.toml",
    "--population",
    "8",
    "--batch",
    "8",
    "--max-generations",
    "2",
    "--quiet",
    "--threads",
    "2",
];

/// A tiny Bass world with two uncertain parameters, and three targets on its curve.
fn bass() -> (String, String) {
    let scenario = "name = \"bass-tiny\"\nstart = 2021-01-04\nweeks = 8\nseed = 5\ntrials = 1\n\
        [countries.XX]\npopulation = 300\nonline_share = 1.0\nagents = 300\n\
        live_affinity = { mean = 1.0, sd = 0.0 }\ndeal_sensitivity = 0.0\nlapse = 0.0\n\
        diffusion = { innovation = 0.03, imitation = 0.4, contacts = 6, network = \"random\" }\n\
        spend = { sessions_per_week = 0.0 }\ncreators = { agents = 0 }\n\
        [platforms.reference]\ntake_rate = 0.0\n\
        [platforms.reference.markets.XX]\nreach = 1.0\nlive = { launch = 2021-01-04 }\n\
        [uncertain]\n\
        \"countries.XX.diffusion.innovation\" = { dist = \"uniform\", min = 0.005, max = 0.1 }\n\
        \"countries.XX.diffusion.imitation\" = { dist = \"uniform\", min = 0.05, max = 0.9 }\n";
    let targets = [(1, 30.0), (3, 140.0), (6, 280.0)]
        .iter()
        .map(|(w, v)| {
            format!(
                "[target.week{w}]\nlabel = \"adopters in week {w}\"\nkind = \"sum\"\n\
                 metric = \"adopters\"\nweeks = [{w}, {w}]\ncheck = \"median_within\"\n\
                 value = {v}\ntolerance = 0.1\nscale = {}\nsource = \"the model itself\"\n\
                 confidence = \"high\"\n",
                v / 5.0
            )
        })
        .collect();
    (scenario.to_string(), targets)
}

/// Builds the clean folders every case starts from.
fn build_fixtures(root: &Path) {
    fs::write(root.join("s.toml"), scenario()).unwrap();
    let run = |extra: &[&str]| {
        let out = Command::new(bin())
            .current_dir(root)
            .args(RUN_ARGS)
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{extra:?}: {out:?}");
    };
    run(&["--out", "sweep"]);
    run(&["--out", "clean"]);
    run(&[
        "--out",
        "morris",
        "--design",
        "morris",
        "--trajectories",
        "3",
        "--vary",
        "countries.BB.deal_sensitivity=0.5..2",
    ]);
    run(&["--out", "shard1", "--shard", "1/2"]);
    run(&["--out", "shard2", "--shard", "2/2"]);
    let (scenario, targets) = bass();
    fs::write(root.join("b.toml"), scenario).unwrap();
    fs::write(root.join("t.toml"), targets).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(bin())
            .current_dir(root)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
    };
    let calibrate = |extra: &[&str]| run(&[CAL_ARGS, extra].concat());
    calibrate(&["--out", "cal"]);
    // Generation 0 by shards and a merge, then generation 1's shards, not yet merged.
    for round in 0..2 {
        calibrate(&["--out", "calshards", "--shard", "1/2"]);
        calibrate(&["--out", "calshards", "--shard", "2/2"]);
        if round == 0 {
            calibrate(&["--out", "calshards", "--merge"]);
        }
    }
    // The clean run with its report and export, whose subfolders the mutations reach.
    run(&["report", "clean", "--quiet"]);
    run(&["export", "clean", "--parquet", "--quiet"]);
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let path = e.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                walk(base, &path, out);
            } else if meta.is_file() {
                out.insert(
                    path.strip_prefix(base).unwrap().to_path_buf(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn copy_dir(from: &Path, to: &Path) {
    for (rel, bytes) in files(from) {
        let path = to.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
}

/// Runs one step in `dir` under the address-space limit: (exit code or None for a signal,
/// stderr).
fn execute(dir: &Path, step: &Step) -> (Option<i32>, String) {
    let mut cmd = Command::new(bin());
    cmd.current_dir(dir).args(step.args);
    // SAFETY: setrlimit is async-signal-safe and touches only the child's own limits.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: ADDRESS_SPACE,
                rlim_max: ADDRESS_SPACE,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Values that break naive readers, for numbers and text cells.
const NASTY_CELLS: &[&str] = &[
    "",
    "nan",
    "NaN",
    "inf",
    "-1",
    "0",
    "1e400",
    "3e9",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "=1+1",
    "x",
    "\"",
    "1.5",
];

/// JSON values a manifest field may be replaced by.
const NASTY_JSON: &[&str] = &[
    "null",
    "-1",
    "0",
    "1e300",
    "3000000000",
    "4294967296",
    "18446744073709551615",
    "\"x\"",
    "\"\"",
    "[]",
    "{}",
    "true",
    "1.5",
];

/// Extreme integers for binary fields.
const NASTY_INTS: &[u64] = &[
    0,
    1,
    2,
    3,
    255,
    u32::MAX as u64 - 1,
    u32::MAX as u64,
    1 << 32,
    3_000_000_000,
    1 << 40,
    i64::MAX as u64,
    u64::MAX,
];

/// One mutation of `bytes` (the file at `name`), described for the failure message.
fn mutate(name: &str, bytes: &[u8], rng: &mut Xoshiro256PlusPlus) -> (Vec<u8>, String) {
    // Half the time raw bytes; otherwise a mutation that knows the file's format.
    if rng.random_bool(0.5) {
        return raw_mutation(bytes, rng);
    }
    if name.ends_with(".json") {
        json_mutation(bytes, rng).unwrap_or_else(|| raw_mutation(bytes, rng))
    } else if name.ends_with(".csv") {
        csv_mutation(bytes, rng)
    } else {
        store_mutation(bytes, rng)
    }
}

fn raw_mutation(bytes: &[u8], rng: &mut Xoshiro256PlusPlus) -> (Vec<u8>, String) {
    let n = bytes.len().max(1);
    let at = rng.random_range(0..n).min(bytes.len());
    let mut b = bytes.to_vec();
    match rng.random_range(0..6) {
        0 if !b.is_empty() => {
            let bit = rng.random_range(0..8);
            let at = at.min(b.len() - 1);
            b[at] ^= 1 << bit;
            (b, format!("bit {bit} of byte {at} flipped"))
        }
        1 => {
            b.truncate(at);
            (b, format!("cut to {at} bytes"))
        }
        2 => {
            let end = (at + rng.random_range(1..64)).min(b.len());
            b.drain(at..end);
            (b, format!("bytes {at}..{end} deleted"))
        }
        3 => {
            let end = (at + rng.random_range(1..64)).min(b.len());
            let span = b[at..end].to_vec();
            b.splice(at..at, span);
            (b, format!("bytes {at}..{end} doubled"))
        }
        4 => (Vec::new(), "emptied".into()),
        _ => {
            let extra: Vec<u8> = (0..rng.random_range(1..40)).map(|_| rng.random()).collect();
            b.splice(at..at, extra.iter().copied());
            (b, format!("{} random bytes inserted at {at}", extra.len()))
        }
    }
}

fn csv_mutation(bytes: &[u8], rng: &mut Xoshiro256PlusPlus) -> (Vec<u8>, String) {
    let text = String::from_utf8_lossy(bytes);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return raw_mutation(bytes, rng);
    }
    let k = rng.random_range(0..lines.len());
    let what = match rng.random_range(0..5) {
        0 => {
            let mut cells: Vec<String> = lines[k].split(',').map(str::to_string).collect();
            let c = rng.random_range(0..cells.len());
            let v = NASTY_CELLS[rng.random_range(0..NASTY_CELLS.len())];
            cells[c] = v.to_string();
            lines[k] = cells.join(",");
            format!("line {} cell {c} set to {v:?}", k + 1)
        }
        1 => {
            lines.remove(k);
            format!("line {} deleted", k + 1)
        }
        2 => {
            let l = lines[k].clone();
            lines.insert(k, l);
            format!("line {} doubled", k + 1)
        }
        3 => {
            let j = rng.random_range(0..lines.len());
            lines.swap(k, j);
            format!("lines {} and {} swapped", k + 1, j + 1)
        }
        _ => {
            lines[k].push_str(",extra");
            format!("line {} given an extra cell", k + 1)
        }
    };
    let mut out = lines.join("\n");
    out.push('\n');
    (out.into_bytes(), what)
}

/// Replaces one leaf of the manifest (or removes a key) and writes it back as JSON.
fn json_mutation(bytes: &[u8], rng: &mut Xoshiro256PlusPlus) -> Option<(Vec<u8>, String)> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let mut leaves = Vec::new();
    collect_paths(&value, String::new(), &mut leaves);
    if leaves.is_empty() {
        return None;
    }
    let path = leaves[rng.random_range(0..leaves.len())].clone();
    let what;
    if rng.random_range(0..4) == 0 {
        let (parent, key) = path.rsplit_once('/').unwrap();
        match value.pointer_mut(parent)? {
            serde_json::Value::Object(m) => {
                m.remove(key);
            }
            serde_json::Value::Array(a) => {
                let i: usize = key.parse().ok()?;
                a.remove(i);
            }
            _ => return None,
        }
        what = format!("{path} removed");
    } else {
        let v = NASTY_JSON[rng.random_range(0..NASTY_JSON.len())];
        *value.pointer_mut(&path)? = serde_json::from_str(v).unwrap();
        what = format!("{path} set to {v}");
    }
    Some((serde_json::to_vec_pretty(&value).unwrap(), what))
}

fn collect_paths(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                collect_paths(child, p, out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                collect_paths(child, p, out);
            }
        }
        _ => {}
    }
}

/// A crafted trials.bin: a header field, a record's length, or a field of a record's
/// payload set to an extreme value, the record's CRC recomputed so it passes as whole.
fn store_mutation(bytes: &[u8], rng: &mut Xoshiro256PlusPlus) -> (Vec<u8>, String) {
    let mut b = bytes.to_vec();
    let v = NASTY_INTS[rng.random_range(0..NASTY_INTS.len())];
    if b.len() < 32 {
        return raw_mutation(bytes, rng);
    }
    // Header: version (u32 at 8), zero (u32 at 12), csv header lengths (u64 at 16, 24).
    if rng.random_range(0..4) == 0 {
        let (at, width) = [(8, 4), (12, 4), (16, 8), (24, 8)][rng.random_range(0..4)];
        b[at..at + width].copy_from_slice(&v.to_le_bytes()[..width]);
        return (b, format!("header field at {at} set to {v}"));
    }
    // Records: walk to a random one.
    let mut starts = Vec::new();
    let mut at = 32;
    while at + 8 <= b.len() {
        let len = u64::from_le_bytes(b[at..at + 8].try_into().unwrap()) as usize;
        if len < 44 || len > b.len() - at - 12 {
            break;
        }
        starts.push((at, len));
        at += 8 + len + 4;
    }
    if starts.is_empty() {
        return raw_mutation(bytes, rng);
    }
    let (rec, len) = starts[rng.random_range(0..starts.len())];
    if rng.random_range(0..5) == 0 {
        b[rec..rec + 8].copy_from_slice(&v.to_le_bytes());
        return (b, format!("length of the record at {rec} set to {v}"));
    }
    // Payload fields: run u64 @0, point u32 @8, markets u32 @12, weeks u32 @16, trial u64
    // @20, seed u64 @28, the first market's week opened u32 @36; or the two CSV ends at the
    // end. A forged value that is plausible (another seed, "never opened") is data the CRC
    // vouches for; the forgeries here are values no run of this folder can hold.
    let fields: &[(usize, usize)] = &[(0, 8), (8, 4), (12, 4), (16, 4), (20, 8), (36, 4)];
    let (off, width) = if rng.random_range(0..4) == 0 {
        (len - 8 * rng.random_range(1..3), 8)
    } else {
        fields[rng.random_range(0..fields.len())]
    };
    let v = if off == 36 {
        [12, 255, 1000, u64::from(u32::MAX) - 1][rng.random_range(0..4)]
    } else {
        v
    };
    let p = rec + 8;
    b[p + off..p + off + width].copy_from_slice(&v.to_le_bytes()[..width]);
    let crc = crc32fast::hash(&b[p..p + len]);
    b[p + len..p + len + 4].copy_from_slice(&crc.to_le_bytes());
    (
        b,
        format!("field at {off} of the record at {rec} set to {v} (CRC recomputed)"),
    )
}

/// Whether a calibration's file is the clean folder's but for the seconds its generations
/// took (the checkpoint's `seconds`, and its checksum, and the report's durations): a merge
/// times the generation it makes.
fn same_but_timing(path: &Path, now: Option<&Vec<u8>>, good: Option<&Vec<u8>>) -> bool {
    let (Some(now), Some(good)) = (now, good) else {
        return false;
    };
    if !path.starts_with("calshards") {
        return false;
    }
    if path.ends_with("report.html") {
        // Rendered from the checkpoint: the same length give or take the durations' digits.
        return now.len().abs_diff(good.len()) < 64;
    }
    if !path.ends_with("calibration.json") {
        return false;
    }
    let strip = |b: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(b).ok()?;
        let m = v.as_object_mut()?;
        m.remove("seconds");
        m.remove("checksum");
        Some(v)
    };
    matches!((strip(now), strip(good)), (Some(a), Some(b)) if a == b)
}

/// Whether `path` is one of the files `step` writes from the folder's data (the export's
/// Parquet files, the report's page and charts): a report of damaged data is that data's
/// report, so a successful step may replace them.
fn writes(step: &Step, path: &Path) -> bool {
    let folder = Path::new(step.args[1]);
    match step.args[0] {
        "export" => path.starts_with(folder.join("parquet")),
        "report" => {
            path.starts_with(folder.join("report"))
                || path == folder.join("report.html")
                || path == folder.join("report.xlsx")
        }
        _ => false,
    }
}

/// Whether `now` is the outputs list `was` with whole lines appended: what a command that
/// writes into a finished folder does to it (it never rewrites the list).
fn appended(path: &Path, was: &[u8], now: Option<&Vec<u8>>) -> bool {
    path.ends_with(".livemarket-outputs")
        && now.is_some_and(|n| n.starts_with(was) && n.ends_with(b"\n"))
}

/// Which file of the fixture's folder to hurt, and sometimes a second one.
fn pick_file(folder: &BTreeMap<PathBuf, Vec<u8>>, rng: &mut Xoshiro256PlusPlus) -> Option<PathBuf> {
    let names: Vec<&PathBuf> = folder
        .keys()
        .filter(|p| p.as_os_str() != ".livemarket.lock")
        .collect();
    (!names.is_empty()).then(|| names[rng.random_range(0..names.len())].clone())
}

/// One case: copy the clean workspace, damage the fixture's folder, run its steps.
/// Returns how many steps exited 0, 1 and 2, or the first broken promise.
fn case(root: &Path, reference: &Path, n: u64) -> Result<[u64; 3], String> {
    let mut exits = [0u64; 3];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x5eed_f022 ^ n.wrapping_mul(0x9e37_79b9));
    let fixture = &FIXTURES[(n % FIXTURES.len() as u64) as usize];
    let tmp = tempdir();
    let dir = tmp.path();
    copy_dir(root, dir);
    let target = dir.join(fixture.target);
    let mut damage = Vec::new();
    for _ in 0..rng.random_range(1..3) {
        let Some(file) = pick_file(&files(&target), &mut rng) else {
            break;
        };
        let path = target.join(&file);
        // A subfolder of the file's (report/, parquet/, shards/) moved outside the folder
        // and linked back in its place.
        let sub = file.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(sub) = sub
            && rng.random_range(0..12) == 0
            && fs::symlink_metadata(target.join(sub)).is_ok_and(|m| m.is_dir())
        {
            let outside = dir.join("outside");
            fs::rename(target.join(sub), &outside).unwrap();
            std::os::unix::fs::symlink(&outside, target.join(sub)).unwrap();
            damage.push(format!(
                "{}/{}: linked to a folder outside",
                fixture.target,
                sub.display()
            ));
            continue;
        }
        let what = if rng.random_range(0..25) == 0 {
            fs::remove_file(&path).unwrap();
            "removed".to_string()
        } else {
            let bytes = fs::read(&path).unwrap();
            let (new, what) = mutate(&file.to_string_lossy(), &bytes, &mut rng);
            fs::write(&path, new).unwrap();
            what
        };
        damage.push(format!("{}/{}: {what}", fixture.target, file.display()));
    }
    let said = |msg: String| format!("case {n} ({}): {msg}", damage.join("; "));
    for step in fixture.steps {
        let inputs = files(dir);
        let (code, stderr) = execute(dir, step);
        let after = files(dir);
        let cmd = step.args.join(" ");
        if let Some(c @ 0..=2) = code {
            exits[c as usize] += 1;
        }
        match code {
            Some(0) => {}
            Some(1 | 2) => {
                // One error (its first line `error: ...`); a list of problems in a file
                // (a posterior's rows) follows it a line each.
                let line = stderr.trim_end().lines().next().unwrap_or("");
                if !line.starts_with("error: ") {
                    return Err(said(format!(
                        "`{cmd}` failed without one error line: {stderr}"
                    )));
                }
                let names_it = [
                    "sweep", "clean", "morris", "shard1", "shard2", "merged", "cal", "b.toml",
                ]
                .iter()
                .any(|f| line.contains(f));
                if !names_it {
                    return Err(said(format!("`{cmd}`: the error names no folder: {line}")));
                }
                // A failed command leaves no file of its own.
                for (path, bytes) in &after {
                    if inputs.get(path) != Some(bytes) && !path.ends_with(".livemarket.lock") {
                        return Err(said(format!(
                            "`{cmd}` failed ({line}) but changed or left {}",
                            path.display()
                        )));
                    }
                }
            }
            other => {
                return Err(said(format!("`{cmd}` died ({other:?}): {stderr}")));
            }
        }
        // Every file that was there is as it was, or as the command leaves a clean folder.
        for (path, bytes) in &inputs {
            match after.get(path) {
                Some(now) if now == bytes => {}
                now => {
                    let good = fs::read(reference.join(path)).ok();
                    let tolerated = path.ends_with(".livemarket.lock")
                        || (code == Some(0)
                            && (same_but_timing(path, now, good.as_ref())
                                || appended(path, bytes, now)
                                || writes(step, path)));
                    if now != good.as_ref() && !tolerated {
                        return Err(said(format!(
                            "`{cmd}` (exit {code:?}) left {} neither as it was nor as from a \
                             clean folder",
                            path.display()
                        )));
                    }
                }
            }
        }
        for path in after.keys() {
            if path
                .file_name()
                .is_some_and(|f| f.to_string_lossy().ends_with(".tmp"))
            {
                return Err(said(format!("`{cmd}` left {}", path.display())));
            }
            // Nothing is written through a link to the folder outside.
            if path.starts_with("outside") && !inputs.contains_key(path) {
                return Err(said(format!(
                    "`{cmd}` wrote {} through a link",
                    path.display()
                )));
            }
        }
        for path in inputs.keys().filter(|p| p.starts_with("outside")) {
            if after.get(path) != inputs.get(path) {
                return Err(said(format!(
                    "`{cmd}` changed or removed {} through a link",
                    path.display()
                )));
            }
        }
    }
    Ok(exits)
}

#[test]
fn damaged_result_folders_give_errors_never_worse_files() {
    let fixtures = tempdir();
    build_fixtures(fixtures.path());
    // What every step leaves in a clean copy: the "as from a clean folder" of each file.
    let reference = tempdir();
    copy_dir(fixtures.path(), reference.path());
    for fixture in FIXTURES {
        for step in fixture.steps {
            let (code, stderr) = execute(reference.path(), step);
            assert_eq!(code, Some(0), "{:?} on clean folders: {stderr}", step.args);
        }
    }
    let cases: u64 = std::env::var("LIVEMARKET_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let only: Option<u64> = std::env::var("LIVEMARKET_FUZZ_ONLY")
        .ok()
        .and_then(|v| v.parse().ok());
    let list: Vec<u64> = only.map_or_else(|| (0..cases).collect(), |n| vec![n]);
    let threads = 2;
    let outcomes: Vec<Result<[u64; 3], String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (list, root, reference) = (&list, fixtures.path(), reference.path());
                s.spawn(move || {
                    list.iter()
                        .skip(t)
                        .step_by(threads)
                        .map(|&n| case(root, reference, n))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut exits = [0u64; 3];
    let mut failures = Vec::new();
    for o in outcomes {
        match o {
            Ok(e) => (0..3).for_each(|k| exits[k] += e[k]),
            Err(f) => failures.push(f),
        }
    }
    // The counts a closing note quotes (shown with --nocapture).
    println!(
        "{} damaged folders; commands exited 0 (done, nothing worse) {} times, 1 {} times, 2 \
         {} times",
        list.len(),
        exits[0],
        exits[1],
        exits[2]
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases broke a promise:\n{}",
        failures.len(),
        list.len(),
        failures.join("\n")
    );
    // The damage must reach the readers' checks, or the test tests nothing.
    if only.is_none() {
        assert!(
            exits[1] + exits[2] > list.len() as u64 / 2 && exits[0] > list.len() as u64 / 2,
            "exits {exits:?}"
        );
    }
}
