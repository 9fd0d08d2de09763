//! What the test modules share, written once: the binary under test, the small scenario,
//! temporary folders, reading result files, and the small world's markets.

use assert_cmd::Command;
use livemarket::scenario::Scenario;
use livemarket::world::World;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The small scenario (3 countries, 7 markets, 40 weeks), as the binary is given it: cargo
/// runs the tests in the package's folder.
pub const SMALL: &str = "tests/data/small.toml";

/// The same scenario's text, for tests of the library.
pub const SMALL_TOML: &str = include_str!("../data/small.toml");

/// The binary under test, built by cargo for the tests.
pub fn livemarket() -> Command {
    let mut c = Command::cargo_bin("livemarket").unwrap();
    // A developer's own dialect setting must not change what the tests read.
    c.env_remove("LIVEMARKET_CSV_DIALECT");
    c
}

/// Its path, for a `std::process::Command` that a test kills or runs under another program.
pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("livemarket")
}

/// A temporary folder, removed when dropped.
pub fn tempdir() -> TempDir {
    TempDir::new().unwrap()
}

/// A text file; a missing or unreadable file fails the test naming it.
pub fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A result folder's manifest.json.
pub fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap()
}

/// Expects exit status 2 (a usage or input error), nothing on stdout, and exactly
/// `error: expected` on stderr.
pub fn fails_in(cmd: &mut Command, expected: &str) {
    cmd.assert()
        .code(2)
        .stdout("")
        .stderr(format!("error: {expected}\n"));
}

/// `livemarket ARGS`, which must fail as [`fails_in`] says.
pub fn fails_with(args: &[&str], expected: &str) {
    fails_in(livemarket().args(args), expected);
}

/// The world of a scenario's text, which must be valid.
pub fn world(text: &str) -> World {
    World::new(&Scenario::from_toml_str(text, "test.toml").unwrap_or_else(|e| panic!("{e}")))
}

/// Every file of a result folder but the manifest (which records times and the command).
pub fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "manifest.json" && e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Fails naming the first file that differs between two result folders (manifests aside).
pub fn assert_same(a: &Path, b: &Path, what: &str) {
    let (fa, fb) = (files(a), files(b));
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&fa), names(&fb), "{what}: different files");
    for ((name, x), (_, y)) in fa.iter().zip(&fb) {
        assert!(x == y, "{what}: {name} differs");
    }
}
