//! Every `livemarket` command the README and docs/*.md show runs, at a small size, so an
//! example never goes stale unnoticed: a renamed option, a retired key or a scenario that
//! no longer passes `check` fails here, not on a reader's third command.
//!
//! The commands are read from the fenced `sh`, `bash` and `console` blocks (a console
//! block's commands are its `$ ` lines), joined across `\` line ends, and run in order, one
//! page at a time, by bash in a scratch folder that sees the repository's `scenarios/` and
//! `tests/data/` as a clone does. `livemarket` there (and `target/release/livemarket`) is
//! `scripts/livemarket-small`, which runs the binary under test at a small size: `--trials`
//! 2, a calibration's population 16 over 2 generations, 3 samples or 2 trajectories of a
//! design, and every country of the scenario at 300 consumer agents (30 creator agents).
//! Nothing else of a command changes, so its options, paths and keys are checked as
//! written. The figures the pages print come from
//! `scripts/docs-figures` at full size; this test checks only that the commands run.
//!
//! A few lines are not `livemarket` commands and are left to other tests, each named in
//! [`ELSEWHERE`] with the reason; a line the pages no longer show fails the test, so the
//! list cannot rot either.

use crate::common::{bin, tempdir};
use std::fs;
use std::path::PathBuf;
use std::process::Command;

/// Commands (by their start) that this test does not run, and where each is covered.
const ELSEWHERE: &[(&str, &str)] = &[
    (
        "cargo run --release -- run",
        "the main job: tests/it/cli.rs runs the baseline",
    ),
    ("cargo test", "the test command itself"),
    (
        "cargo bench",
        "benchmarks: run by hand, never timed in tests",
    ),
    (
        "benches/scaling.sh",
        "a benchmark: run by hand, never timed in tests",
    ),
    (
        "benches/peers.sh",
        "a benchmark against the peers: run by hand",
    ),
    (
        "benches/big-country.sh",
        "one big country on 1 and 2 threads: run by hand, minutes",
    ),
    (
        "benches/tables.sh",
        "the performance tables (floor and peers): run by hand, minutes",
    ),
    (
        "$CARGO_TARGET_DIR/peers-venv/bin/python",
        "a peer's curve check: needs the peers' venv and the krABMaga build (benches/peers.sh)",
    ),
    ("cargo build --release", "a build step"),
    (
        "scripts/render-report.sh",
        "needs Chromium: .ci/browser-test",
    ),
    ("scripts/slurm/submit.sh", "needs Slurm: .ci/slurm-test"),
    ("squeue", "Slurm's own command"),
    (
        "scripts/calibration-options",
        "a measurement of many calibrations: by hand, minutes",
    ),
];

/// The pages whose commands run.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![PathBuf::from("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir("docs")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// One shell line of a page: where it is, and its text with continuations joined.
struct Line {
    at: usize,
    text: String,
}

/// The shell lines of the fenced command blocks of a page, in order. In a console block only
/// `$ ` lines are commands (the rest is what they print); in a sh or bash block every line
/// is, comments and blank lines aside.
fn shell_lines(page: &str) -> Vec<Line> {
    let lines: Vec<&str> = page.lines().collect();
    let mut out = Vec::new();
    let mut block: Option<&str> = None;
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim();
        if let Some(lang) = trimmed.strip_prefix("```") {
            block = match block {
                None => Some(lang.trim()),
                Some(_) => None,
            };
            i += 1;
            continue;
        }
        let command = match block {
            Some("sh" | "bash") => Some(trimmed),
            Some("console") => trimmed.strip_prefix("$ "),
            _ => None,
        };
        let at = i + 1;
        if let Some(first) = command.filter(|c| !c.is_empty() && !c.starts_with('#')) {
            let mut text = first.to_string();
            while text.ends_with('\\') && i + 1 < lines.len() {
                text.pop();
                i += 1;
                text.push(' ');
                text.push_str(lines[i].trim());
            }
            out.push(Line { at, text });
        }
        i += 1;
    }
    out
}

#[test]
fn every_documented_command_runs_at_a_small_size() {
    let repo = std::env::current_dir().unwrap();
    let scratch = tempdir();
    // `livemarket` on PATH is scripts/livemarket-small, which runs the binary under test
    // (LIVEMARKET_REAL) at a small size.
    let bin_dir = scratch.path().join("bin");
    fs::create_dir(&bin_dir).unwrap();
    let wrapper_path = bin_dir.join("livemarket");
    #[cfg(unix)]
    std::os::unix::fs::symlink(repo.join("scripts/livemarket-small"), &wrapper_path).unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    let mut seen_elsewhere = vec![false; ELSEWHERE.len()];
    for page in pages() {
        let lines = shell_lines(&fs::read_to_string(&page).unwrap());
        let mut script = String::from("set -euo pipefail\n");
        let mut commands = 0;
        for line in &lines {
            if let Some(k) = ELSEWHERE.iter().position(|(s, _)| line.text.starts_with(s)) {
                seen_elsewhere[k] = true;
                continue;
            }
            // Shell around the commands: loops, variables, and the few tools a page uses
            // to prepare a file.
            let control = ["for ", "do", "done", "if ", "fi", "mkdir ", "grep ", "cp "]
                .iter()
                .any(|c| line.text.starts_with(c))
                || line.text.split_once('=').is_some_and(|(v, _)| {
                    !v.is_empty() && v.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                });
            let word = line.text.split_whitespace().next().unwrap_or("");
            let livemarket = word == "livemarket" || word.ends_with("/livemarket");
            assert!(
                livemarket || control,
                "{}:{}: `{}` is neither a livemarket command, nor shell around one, nor listed in ELSEWHERE",
                page.display(),
                line.at,
                line.text
            );
            script.push_str(&format!(
                "echo '>>> {}:{}' >&2\n{}\n",
                page.display(),
                line.at,
                line.text
            ));
            commands += 1;
        }
        if commands == 0 {
            continue;
        }
        // Each page starts in a folder of its own, as a reader following it would.
        let work = scratch.path().join(page.file_stem().unwrap());
        fs::create_dir(&work).unwrap();
        fs::create_dir(work.join("tests")).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(repo.join("scenarios"), work.join("scenarios")).unwrap();
            std::os::unix::fs::symlink(repo.join("tests/data"), work.join("tests/data")).unwrap();
            // Pages that follow `cargo build --release` call the binary by its path.
            fs::create_dir_all(work.join("target/release")).unwrap();
            std::os::unix::fs::symlink(&wrapper_path, work.join("target/release/livemarket"))
                .unwrap();
        }
        let out = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(&work)
            .env("PATH", &path)
            .env("LIVEMARKET_REAL", bin())
            .env_remove("LIVEMARKET_CSV_DIALECT")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "a command of {} failed (the last `>>>` line names it):\n{}",
            page.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += commands;
    }
    for ((start, why), seen) in ELSEWHERE.iter().zip(seen_elsewhere) {
        assert!(
            seen,
            "ELSEWHERE lists `{start}` ({why}), which no page shows any more"
        );
    }
    // The pages show dozens of commands; a parser that finds none would pass vacuously.
    assert!(ran >= 40, "only {ran} documented commands found");
    eprintln!("ran {ran} documented commands");
}

#[test]
fn the_command_reader_joins_continuations_and_skips_output() {
    let page = "text\n```console\n$ livemarket run \\\n    --trials 3\nprinted\n```\n\
                ```sh\n# a comment\nlivemarket check x.toml   # note\n```\n```toml\nx = 1\n```\n";
    let lines = shell_lines(page);
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "livemarket run  --trials 3",
            "livemarket check x.toml   # note"
        ]
    );
    assert_eq!(lines[0].at, 3);
    assert_eq!(lines[1].at, 9);
}
