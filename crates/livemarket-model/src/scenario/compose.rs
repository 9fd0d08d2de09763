//! Scenario composition: a file that starts with `extends = "baseline.toml"` gives only what
//! it changes, so a what-if states its differences and nothing else.
//!
//! The chain is merged as TOML trees before anything is deserialised, so the schema, every
//! range rule and every sweep see the resolved scenario exactly as they would see one file.
//! Tables merge key by key and every other value (arrays included) replaces the parent's;
//! `unset = ["path", ...]` removes a parent's value first (a what-if without a parent's
//! `live` or `gate` table), and `name` is never inherited (it names the result folder). Each
//! value remembers the file, and the place in it, where it was written (its provenance), so
//! errors and `livemarket check` name the file a value came from.

use super::bundled;
use super::error::{Problem, ScenarioError, line_col};
use super::read::{io_reason, parse_problem, read_limited};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// The key naming the parent file.
pub const EXTENDS: &str = "extends";
/// The key listing the parent's values a child removes.
pub const UNSET: &str = "unset";

/// One file of a scenario's chain, as it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// The file as named: by the user for the scenario itself, and for a parent the
    /// `extends` path joined to the directory of the file that names it.
    pub file: String,
    pub text: String,
}

/// Where a value of the resolved scenario was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Index into [`Composed::files`].
    pub file: usize,
    /// Byte span of the key in that file.
    pub key: Range<usize>,
    /// Byte span of the value in that file (for a removed value: the `unset` entry).
    pub value: Range<usize>,
}

/// A scenario's chain of files, merged.
#[derive(Debug, Clone)]
pub struct Composed {
    /// The scenario's own file first, then the file it extends, and so on to the root.
    pub files: Vec<SourceFile>,
    /// The merged tree, without `extends` and `unset`; empty when the scenario's own file
    /// is not valid TOML (reading it then reports the syntax error).
    pub tree: toml::Table,
    /// Provenance of every key and table written, by dotted path.
    origins: HashMap<String, Origin>,
    /// Values removed by `unset`, by dotted path, at the `unset` entry that removed them.
    removed: HashMap<String, Origin>,
}

impl Composed {
    /// Whether the scenario extends another file.
    pub fn extends(&self) -> bool {
        self.files.len() > 1
    }

    /// The file at the root of the chain (the scenario itself when it extends none).
    pub fn root(&self) -> &SourceFile {
        self.files
            .last()
            .expect("a chain holds at least its own file")
    }

    /// The files the scenario extends, nearest first.
    pub fn parents(&self) -> &[SourceFile] {
        &self.files[1..]
    }

    /// Where the value at a dotted path was written: its file and its origin. A path under
    /// a table that was written as a whole (`live = { ... }`) is not found; ask for the
    /// table. A value removed by `unset` points at the `unset` entry.
    pub fn origin(&self, path: &str) -> Option<(&str, &Origin)> {
        let o = self.origins.get(path).or_else(|| {
            // The nearest removed ancestor (or the path itself).
            let mut at = path;
            loop {
                if let Some(o) = self.removed.get(at) {
                    return Some(o);
                }
                at = at.rsplit_once('.')?.0;
            }
        })?;
        Some((self.files[o.file].file.as_str(), o))
    }

    /// `file:line:column` of the value at a dotted path, if it was written in a file.
    pub fn place(&self, path: &str) -> Option<String> {
        let (file, o) = self.origin(path)?;
        let (line, col) = line_col(&self.files[o.file].text, o.value.start);
        Some(format!("{file}:{line}:{col}"))
    }

    /// The file and 1-based line and column of a value (or, with `key`, of its key).
    pub(crate) fn locate(&self, path: &str, key: bool) -> Option<(usize, (usize, usize))> {
        let o = self.origins.get(path)?;
        let at = if key { o.key.start } else { o.value.start };
        Some((o.file, line_col(&self.files[o.file].text, at)))
    }
}

/// Reads the file a scenario names with `extends`. Tests and `--resume` read recorded texts
/// instead of the disk.
pub type Reader<'a> = dyn FnMut(&str) -> std::io::Result<String> + 'a;

/// Reads parents from the file system, and a `bundled:NAME` parent from the scenarios
/// compiled in.
pub fn read_disk(file: &str) -> std::io::Result<String> {
    if bundled::name_of(file).is_some() {
        return bundled::text(file)
            .map(str::to_string)
            .ok_or_else(|| bundled::not_found(file));
    }
    read_limited(std::path::Path::new(file))
}

/// Follows the `extends` chain of `text` (named `file`) and merges it, root first.
pub fn compose(file: &str, text: &str, read: &mut Reader<'_>) -> Result<Composed, ScenarioError> {
    let mut files = vec![SourceFile {
        file: file.to_string(),
        text: text.to_string(),
    }];
    // Syntax errors in the scenario's own file are reported by the reader of the file, as
    // for any scenario; so is a file without `extends`.
    let Ok(own) = DeTable::parse(text) else {
        return Ok(Composed {
            files,
            tree: toml::Table::new(),
            origins: HashMap::new(),
            removed: HashMap::new(),
        });
    };
    let mut next = extends_of(own.get_ref(), 0, &files)?;
    while let Some((name, span)) = next {
        let child = files.len() - 1;
        let here = &files[child];
        let parent = parent_path(&here.file, &name);
        if let Some(k) = files.iter().position(|f| same_file(&f.file, &parent)) {
            let mut chain: Vec<&str> = files[k..].iter().map(|f| f.file.as_str()).collect();
            chain.push(files[k].file.as_str());
            return Err(error_at(
                &files,
                child,
                span.start,
                format!(
                    "`extends = \"{name}\"` makes a cycle ({}); remove one of these `extends`",
                    chain.join(" extends ")
                ),
            ));
        }
        let parent_text = read(&parent).map_err(|e| {
            let message = if bundled::name_of(&parent).is_some() {
                format!("cannot extend `{name}`: {e}")
            } else {
                format!(
                    "cannot read `{name}` ({parent}), which this file extends: {}; `extends` \
                     names a file relative to the file that says it, or a scenario bundled \
                     with livemarket as `bundled:NAME` ({})",
                    io_reason(&e),
                    bundled::listing()
                )
            };
            error_at(&files, child, span.start, message)
        })?;
        files.push(SourceFile {
            file: parent,
            text: parent_text,
        });
        let k = files.len() - 1;
        let table = DeTable::parse(&files[k].text).map_err(|e| ScenarioError {
            file: files[k].file.clone(),
            problems: vec![parse_problem(&files[k].text, &e)],
        })?;
        next = extends_of(table.get_ref(), k, &files)?;
    }
    merge(files)
}

/// The `extends` value of a file, with its span, if it has one.
fn extends_of(
    table: &DeTable<'_>,
    k: usize,
    files: &[SourceFile],
) -> Result<Option<(String, Range<usize>)>, ScenarioError> {
    let Some((_, value)) = table.iter().find(|(key, _)| key.get_ref() == EXTENDS) else {
        return Ok(None);
    };
    match value.get_ref() {
        DeValue::String(s) => Ok(Some((s.to_string(), value.span()))),
        _ => Err(error_at(
            files,
            k,
            value.span().start,
            "`extends` takes the file this scenario builds on, in quotes, such as \
             `extends = \"baseline.toml\"`"
                .to_string(),
        )),
    }
}

fn error_at(files: &[SourceFile], k: usize, offset: usize, message: String) -> ScenarioError {
    ScenarioError {
        file: files[k].file.clone(),
        problems: vec![Problem {
            file: None,
            at: Some(line_col(&files[k].text, offset)),
            message,
        }],
    }
}

/// `name` joined to the directory of `child`, with `.` and `..` resolved lexically (the
/// recorded texts of `--resume` have no file system to ask). A `bundled:NAME` parent is
/// named as such wherever the child is, and a bundled child's plain file name (the bundled
/// scenarios say `extends = "baseline.toml"`, as on disk) names a bundled sibling.
fn parent_path(child: &str, name: &str) -> String {
    if let Some(n) = bundled::name_of(name) {
        return bundled::file(n);
    }
    if bundled::name_of(child).is_some() && !name.contains(['/', '\\']) {
        return bundled::file(name.strip_suffix(".toml").unwrap_or(name));
    }
    let dir = Path::new(child).parent().unwrap_or(Path::new(""));
    let mut out = PathBuf::new();
    for c in dir.join(name).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.display().to_string()
}

/// Whether two names are one file: equal names, or the same file on disk.
fn same_file(a: &str, b: &str) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
}

/// Merges the chain root first: each child's `unset` removes values, then its keys merge in.
fn merge(files: Vec<SourceFile>) -> Result<Composed, ScenarioError> {
    let mut tree = toml::Table::new();
    let mut origins = HashMap::new();
    let mut removed = HashMap::new();
    for k in (0..files.len()).rev() {
        let text = &files[k].text;
        let spanned = DeTable::parse(text).expect("parsed while following the chain");
        let de = spanned.get_ref();
        let own: toml::Table = toml::from_str(text).map_err(|e| ScenarioError {
            file: files[k].file.clone(),
            problems: vec![parse_problem(text, &e)],
        })?;
        if k + 1 < files.len() {
            // A child names its own results.
            tree.remove("name");
            origins.remove("name");
            unset(de, k, &files, &mut tree, &mut origins, &mut removed)?;
        }
        record(de, k, &mut Vec::new(), &mut origins);
        let mut own = own;
        own.remove(EXTENDS);
        own.remove(UNSET);
        // A child's distribution replaces its parent's whole: the keys of two distributions
        // do not mix.
        if let (Some(toml::Value::Table(mine)), Some(toml::Value::Table(theirs))) =
            (own.get("uncertain"), tree.get_mut("uncertain"))
        {
            for path in mine.keys() {
                theirs.remove(path);
            }
        }
        origins.remove(EXTENDS);
        origins.remove(UNSET);
        overlay(&mut tree, own);
    }
    Ok(Composed {
        files,
        tree,
        origins,
        removed,
    })
}

/// Applies a child's `unset` list to the tree merged so far.
fn unset(
    de: &DeTable<'_>,
    k: usize,
    files: &[SourceFile],
    tree: &mut toml::Table,
    origins: &mut HashMap<String, Origin>,
    removed: &mut HashMap<String, Origin>,
) -> Result<(), ScenarioError> {
    let Some((key, value)) = de.iter().find(|(key, _)| key.get_ref() == UNSET) else {
        return Ok(());
    };
    let form = "`unset` takes a list of parameter paths in quotes, such as \
                `unset = [\"platforms.tiktok.markets.GB.exit\"]`";
    let DeValue::Array(items) = value.get_ref() else {
        return Err(error_at(files, k, value.span().start, form.to_string()));
    };
    for item in items.iter() {
        let DeValue::String(path) = item.get_ref() else {
            return Err(error_at(files, k, item.span().start, form.to_string()));
        };
        let parts: Vec<&str> = path.split('.').collect();
        if !remove(tree, &parts) {
            return Err(error_at(
                files,
                k,
                item.span().start,
                format!(
                    "`unset` names `{path}`, which {} does not set; remove it from the list \
                     (`livemarket params {}` lists the paths)",
                    files[k + 1].file,
                    files[k + 1].file
                ),
            ));
        }
        let prefix = format!("{path}.");
        origins.retain(|p, _| p != path.as_ref() && !p.starts_with(&prefix));
        removed.insert(
            path.to_string(),
            Origin {
                file: k,
                key: key.span(),
                value: item.span(),
            },
        );
    }
    Ok(())
}

fn remove(t: &mut toml::Table, parts: &[&str]) -> bool {
    match parts {
        [] => false,
        [last] => t.remove(*last).is_some(),
        [first, rest @ ..] => match t.get_mut(*first) {
            Some(toml::Value::Table(inner)) => remove(inner, rest),
            _ => false,
        },
    }
}

/// Records the origin of every key of a file; a later (child) file's entries replace an
/// earlier one's.
fn record(de: &DeTable<'_>, k: usize, at: &mut Vec<String>, origins: &mut HashMap<String, Origin>) {
    for (key, value) in de.iter() {
        at.push(key.get_ref().to_string());
        let path = at.join(".");
        if !matches!(value.get_ref(), DeValue::Table(_)) {
            // A value replaces whatever the parent wrote under it.
            let prefix = format!("{path}.");
            origins.retain(|p, _| !p.starts_with(&prefix));
        }
        origins.insert(
            path,
            Origin {
                file: k,
                key: key.span(),
                value: value.span(),
            },
        );
        if let DeValue::Table(t) = value.get_ref() {
            record(t, k, at, origins);
        }
        at.pop();
    }
}

/// Tables merge key by key; any other value replaces.
fn overlay(base: &mut toml::Table, top: toml::Table) {
    for (key, value) in top {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(t)) => overlay(b, t),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> impl FnMut(&str) -> std::io::Result<String> + use<> {
        let list: Vec<(String, String)> = list
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        move |name: &str| {
            list.iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| t.clone())
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    }

    #[test]
    fn tables_merge_key_by_key_and_other_values_replace() {
        let parent = "name = \"p\"\na = 1\nlist = [1, 2]\n[t]\nx = 1\ny = { u = 1, v = 2 }\n";
        let child = "extends = \"p.toml\"\nlist = [3]\n[t]\ny = { v = 5 }\nz = 2\n";
        let mut read = files(&[("dir/p.toml", parent)]);
        let c = compose("dir/c.toml", child, &mut read).unwrap();
        let want: toml::Table =
            toml::from_str("a = 1\nlist = [3]\n[t]\nx = 1\ny = { u = 1, v = 5 }\nz = 2\n").unwrap();
        assert_eq!(c.tree, want);
        assert_eq!(c.files.len(), 2);
        assert_eq!(c.place("t.y.v").unwrap(), "dir/c.toml:4:11");
        assert_eq!(c.place("t.y.u").unwrap(), "dir/p.toml:6:11");
        assert_eq!(c.place("a").unwrap(), "dir/p.toml:2:5");
        assert!(c.origin("name").is_none());
    }

    #[test]
    fn unset_removes_a_parents_value_before_the_child_merges() {
        let parent = "[m]\nlive = { launch = 2022-01-03, gate = { market = \"GB\" } }\n";
        let child = "extends = \"p.toml\"\nunset = [\"m.live.gate\"]\n";
        let c = compose("c.toml", child, &mut files(&[("p.toml", parent)])).unwrap();
        let want: toml::Table = toml::from_str("[m]\nlive = { launch = 2022-01-03 }\n").unwrap();
        assert_eq!(c.tree, want);
        assert_eq!(c.place("m.live.gate.market").unwrap(), "c.toml:2:10");
        let wrong = "extends = \"p.toml\"\nunset = [\"m.exit\"]\n";
        let e = compose("c.toml", wrong, &mut files(&[("p.toml", parent)])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.toml:2:10: `unset` names `m.exit`, which p.toml does not set; remove it from \
             the list (`livemarket params p.toml` lists the paths)"
        );
    }

    #[test]
    fn chains_resolve_relative_to_each_file_and_cycles_are_named() {
        let a = "extends = \"sub/b.toml\"\nx = 1\n";
        let b = "extends = \"../c.toml\"\ny = 2\n";
        let c = "z = 3\nx = 0\n";
        let list = [("sub/b.toml", b), ("c.toml", c)];
        let composed = compose("a.toml", a, &mut files(&list)).unwrap();
        let names: Vec<&str> = composed.files.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(names, ["a.toml", "sub/b.toml", "c.toml"]);
        assert_eq!(composed.tree["x"], toml::Value::Integer(1));
        let cyclic = [("sub/b.toml", b), ("c.toml", "extends = \"a.toml\"\n")];
        let e = compose("a.toml", a, &mut files(&cyclic)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.toml:1:11: `extends = \"a.toml\"` makes a cycle (a.toml extends sub/b.toml \
             extends c.toml extends a.toml); remove one of these `extends`"
        );
    }

    #[test]
    fn a_missing_parent_is_named_at_the_extends_line() {
        let e = compose(
            "s/a.toml",
            "# what-if\nextends = \"base.toml\"\n",
            &mut files(&[]),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "s/a.toml:2:11: cannot read `base.toml` (s/base.toml), which this file extends: no \
             such file; `extends` names a file relative to the file that says it, or a scenario \
             bundled with livemarket as `bundled:NAME` (bundled:baseline, bundled:bass-reference, \
             bundled:creator-poaching-war, bundled:europe-launch, bundled:sea-expansion, \
             bundled:uk-subsidy-push, bundled:uk-takeoff-sweep)"
        );
        let e = compose("a.toml", "extends = 3\n", &mut files(&[])).unwrap_err();
        assert!(
            e.to_string().starts_with("a.toml:1:11: `extends` takes"),
            "{e}"
        );
    }

    use crate::scenario::params;
    use crate::scenario::{BASELINE_TOML, Scenario};

    /// The bundled what-ifs, each read as `scenarios/<name>` with its parent from the
    /// compiled-in baseline.
    const WHAT_IFS: [(&str, &str); 5] = [
        (
            "europe-launch.toml",
            include_str!("../../../../scenarios/europe-launch.toml"),
        ),
        (
            "uk-subsidy-push.toml",
            include_str!("../../../../scenarios/uk-subsidy-push.toml"),
        ),
        (
            "sea-expansion.toml",
            include_str!("../../../../scenarios/sea-expansion.toml"),
        ),
        (
            "creator-poaching-war.toml",
            include_str!("../../../../scenarios/creator-poaching-war.toml"),
        ),
        (
            "uk-takeoff-sweep.toml",
            include_str!("../../../../scenarios/uk-takeoff-sweep.toml"),
        ),
    ];

    fn leaves(t: &toml::Table, at: &str, out: &mut Vec<(String, toml::Value)>) {
        for (k, v) in t {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            match v {
                toml::Value::Table(inner) => leaves(inner, &path, out),
                v => out.push((path, v.clone())),
            }
        }
    }

    #[test]
    fn each_what_if_is_the_baseline_plus_exactly_the_keys_it_declares() {
        let base = Scenario::baseline();
        let base_params = params::params(&base);
        for (name, text) in WHAT_IFS {
            let file = format!("scenarios/{name}");
            let mut read = files(&[("scenarios/baseline.toml", BASELINE_TOML)]);
            let (what_if, composed) = Scenario::compose(&file, text, &mut read).unwrap();
            assert_eq!(composed.files.len(), 2, "{name} extends the baseline");
            // What the file declares: its values and the parent's values it unsets.
            let mut own: toml::Table = toml::from_str(text).unwrap();
            assert_eq!(own.remove(EXTENDS).unwrap().as_str(), Some("baseline.toml"));
            let unset: Vec<String> = own
                .remove(UNSET)
                .map(|u| {
                    u.as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p.as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            let sweep = own.remove("sweep");
            let mut declared = Vec::new();
            leaves(&own, "", &mut declared);
            // Baseline, minus what is unset, plus the declared values, read independently of
            // the merge: the resolved what-if must be exactly that.
            let mut expected_tree = params::tree(&base);
            for path in &unset {
                let parts: Vec<&str> = path.split('.').collect();
                assert!(remove(&mut expected_tree, &parts), "{name}: {path}");
            }
            let values: Vec<(&str, &toml::Value)> =
                declared.iter().map(|(p, v)| (p.as_str(), v)).collect();
            let expected = params::apply(&expected_tree, &values).unwrap();
            assert_eq!(params::tree(&what_if), params::tree(&expected), "{name}");
            // And every declared key changes something: the parameters that differ from the
            // baseline are exactly the declared ones and those under an unset path.
            let mut want: Vec<String> = declared.iter().map(|(p, _)| p.clone()).collect();
            for p in &base_params {
                // An optional key the baseline leaves unset cannot change by being unset.
                if p.value.is_some()
                    && unset
                        .iter()
                        .any(|u| p.path == *u || p.path.starts_with(&format!("{u}.")))
                {
                    want.push(p.path.clone());
                }
            }
            // A table the what-if adds brings the defaults of the keys it leaves out.
            let diffs = params::diff(&base, &what_if);
            for d in &diffs {
                let implied = d.a.is_none()
                    && !want.contains(&d.path)
                    && params::spec_of(&d.path).is_some_and(|k| match k.default {
                        params::DefaultValue::Is(text) => {
                            let v = params::parse_value(text);
                            d.b.as_ref().is_some_and(|b| {
                                b == &v || b.as_float() == v.as_integer().map(|n| n as f64)
                            })
                        }
                        _ => false,
                    });
                if implied {
                    want.push(d.path.clone());
                }
            }
            let mut got: Vec<String> = diffs.into_iter().map(|d| d.path).collect();
            want.sort();
            got.sort();
            assert_eq!(got, want, "{name}");
            // A sweep is the file's own (the baseline has none).
            assert!(base.sweep.is_none());
            assert_eq!(what_if.sweep.is_some(), sweep.is_some(), "{name}");
        }
    }

    #[test]
    fn errors_name_the_file_that_wrote_the_value() {
        let parent =
            "start = 2021-01-04\nweeks = 10\n[countries.AA]\npopulation = 1e6\nlapse = 2.0\n";
        let child = "extends = \"p.toml\"\n\n[countries.AA]\nonline_share = 1.5\n";
        let e = Scenario::compose("c.toml", child, &mut files(&[("p.toml", parent)]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "c.toml:4:16: `countries.AA.online_share` = 1.5 is out of range; it must be above 0 \
             and at most 1\n\
             p.toml:5:9: `countries.AA.lapse` = 2 is out of range; it must be between 0 and 1"
        );
        let typo = "extends = \"p.toml\"\n\n[countries.AA]\nlapse = 0.1\npopulaton = 3\n";
        let e = Scenario::compose("c.toml", typo, &mut files(&[("p.toml", parent)]))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "c.toml:5:1: unknown key `populaton` in [countries.AA]; did you mean `population`?"
            ),
            "{e}"
        );
        let wrong_type = "start = 2021-01-04\nweeks = \"ten\"\n[countries.AA]\npopulation = 1e6\n";
        let e = Scenario::compose(
            "c.toml",
            "extends = \"p.toml\"\n",
            &mut files(&[("p.toml", wrong_type)]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("p.toml:2:9: `weeks`: invalid type"), "{e}");
    }
}
