//! The structure docs/architecture.md draws, enforced: every module of the app crate sits in
//! one layer of the table between `<!-- layers:start -->` and `<!-- layers:end -->`, and uses
//! only modules of its own layer or those below; and no file of either crate uses, through
//! any chain, a file that uses it back (no file-level circles).
//!
//! What counts as a use: every path of a `use` item (groups expanded, `self` and `super`
//! resolved) and every path in code that starts with `crate`, `super`, `self`, `livemarket`
//! (from the binary) or a name a `use` brought in, resolved to the deepest file module it
//! names. Declaring a child module (`mod files;`) is not a use, and neither is a doc link, a
//! path inside a macro's arguments (which syn does not parse), or anything in a file's tests
//! (`#[cfg(test)]`, which may load a whole scenario). A use of an ancestor's file (a
//! folder's `mod.rs`, its face) does not make a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// A crate's files as module paths (`["results", "files"]`), with their text.
struct CrateFiles {
    /// Module path → (file, text). The root (`lib.rs` or `main.rs`) is the empty path.
    files: BTreeMap<Vec<String>, (PathBuf, String)>,
}

impl CrateFiles {
    /// Every `.rs` file under `src`, with its module path.
    fn read(src: &Path, root_file: &str) -> CrateFiles {
        let mut files = BTreeMap::new();
        let mut stack = vec![src.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let rel = path.strip_prefix(src).unwrap();
                let mut module: Vec<String> = rel
                    .with_extension("")
                    .iter()
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect();
                let last = module.last().unwrap().clone();
                if last == "mod" {
                    module.pop();
                } else if module.len() == 1 && (last == "lib" || last == "main") {
                    if last != root_file {
                        continue;
                    }
                    module.clear();
                }
                let text = fs::read_to_string(&path).unwrap();
                files.insert(module, (path, text));
            }
        }
        CrateFiles { files }
    }

    /// The deepest file module that `path` (absolute segments) names.
    fn file_of(&self, path: &[String]) -> Option<Vec<String>> {
        (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| self.files.contains_key(p))
    }
}

/// The paths a file uses, as absolute segments within its crate (or, for `livemarket::…`
/// from the binary, within the library: the flag says which).
#[derive(Default)]
struct Uses {
    /// The module the file is.
    here: Vec<String>,
    /// The file's child modules (a path may start with one: `use store::Scan;`).
    children: BTreeSet<String>,
    /// Names a `use` brought in → the absolute path they stand for.
    aliases: BTreeMap<String, (bool, Vec<String>)>,
    /// (into the library from the binary, absolute path).
    found: Vec<(bool, Vec<String>)>,
}

impl Uses {
    /// `segments` as an absolute path: `crate`, `self`, `super` and `livemarket` resolved,
    /// or a leading alias expanded; None for a path outside the crates (std, a dependency)
    /// or a local name.
    fn resolve(&self, segments: &[String]) -> Option<(bool, Vec<String>)> {
        let first = segments.first()?;
        let rest = || segments[1..].to_vec();
        match first.as_str() {
            "crate" => Some((false, rest())),
            "livemarket" => Some((true, rest())),
            "self" | "super" => {
                let mut base = self.here.clone();
                let mut i = 0;
                if segments[0] == "self" {
                    i = 1;
                }
                while segments.get(i).is_some_and(|s| s == "super") {
                    base.pop();
                    i += 1;
                }
                base.extend(segments[i..].iter().cloned());
                Some((false, base))
            }
            name if self.children.contains(name) => {
                let mut base = self.here.clone();
                base.extend(segments.iter().cloned());
                Some((false, base))
            }
            name => {
                let (lib, mut base) = self.aliases.get(name)?.clone();
                base.extend(rest());
                Some((lib, base))
            }
        }
    }

    /// Expands a `use` tree under `prefix`, recording each leaf and its alias.
    fn tree(&mut self, prefix: Vec<String>, tree: &syn::UseTree) {
        let with = |s: &syn::Ident| {
            let mut p = prefix.clone();
            p.push(s.to_string());
            p
        };
        match tree {
            syn::UseTree::Path(p) => {
                let next = with(&p.ident);
                self.tree(next, &p.tree);
            }
            syn::UseTree::Name(n) => {
                let full = if n.ident == "self" {
                    prefix.clone()
                } else {
                    with(&n.ident)
                };
                let alias = full.last().cloned();
                self.leaf(full, alias);
            }
            syn::UseTree::Rename(r) => {
                let full = with(&r.ident);
                self.leaf(full, Some(r.rename.to_string()));
            }
            syn::UseTree::Glob(_) => self.leaf(prefix, None),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.tree(prefix.clone(), t);
                }
            }
        }
    }

    fn leaf(&mut self, full: Vec<String>, alias: Option<String>) {
        if let Some(resolved) = self.resolve(&full) {
            if let Some(a) = alias {
                self.aliases.insert(a, resolved.clone());
            }
            self.found.push(resolved);
        }
    }
}

/// Whether an item is compiled for tests only (`#[cfg(test)]`).
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test")
    })
}

impl<'ast> Visit<'ast> for Uses {
    fn visit_item_use(&mut self, i: &'ast syn::ItemUse) {
        if !is_test_only(&i.attrs) {
            self.tree(Vec::new(), &i.tree);
        }
    }

    /// A file's tests may use anything (load a whole scenario, run a trial): they are not
    /// part of its place in the order.
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test_only(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test_only(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1
            && let Some(resolved) = self.resolve(&segments)
        {
            self.found.push(resolved);
        }
        syn::visit::visit_path(self, p);
    }
}

/// The uses of one file (`use` items first, so aliases are known before the code).
fn uses_of(files: &CrateFiles, module: &[String], text: &str) -> Vec<(bool, Vec<String>)> {
    let file = syn::parse_file(text).unwrap();
    let children = files
        .files
        .keys()
        .filter(|m| m.len() == module.len() + 1 && m.starts_with(module))
        .map(|m| m[module.len()].clone())
        .collect();
    let mut uses = Uses {
        here: module.to_vec(),
        children,
        ..Uses::default()
    };
    for item in &file.items {
        if let syn::Item::Use(u) = item {
            uses.visit_item_use(u);
        }
    }
    // The top-level `use` items are read again here: their edges are a set.
    uses.visit_file(&file);
    uses.found
}

/// A file-to-file edge: (from, to) as `crate:module::path` labels.
type Edge = (String, String);

/// Every file-to-file use in the library, the binary and the model crate.
fn edges(app: &CrateFiles, bin: &CrateFiles, model: &CrateFiles) -> BTreeSet<Edge> {
    let label = |krate: &str, m: &[String]| format!("{krate}:{}", m.join("::"));
    let mut out = BTreeSet::new();
    let mut add = |krate: &str, files: &CrateFiles, lib: Option<&CrateFiles>| {
        for (module, (_, text)) in &files.files {
            for (into_lib, path) in uses_of(files, module, text) {
                let (target_crate, target) = if into_lib {
                    ("lib", lib.unwrap_or(files))
                } else {
                    (krate, files)
                };
                if let Some(to) = target.file_of(&path)
                    && (target_crate != krate || &to != module)
                {
                    out.insert((label(krate, module), label(target_crate, &to)));
                }
            }
        }
    };
    add("lib", app, None);
    add("bin", bin, Some(app));
    add("model", model, None);
    out
}

/// The layer table of docs/architecture.md: top-level module → (layer number, layer name).
fn layer_table(doc: &str) -> BTreeMap<String, (usize, String)> {
    let start = doc
        .find("<!-- layers:start -->")
        .expect("the layer table's start marker");
    let end = doc
        .find("<!-- layers:end -->")
        .expect("the layer table's end marker");
    let mut table = BTreeMap::new();
    for line in doc[start..end].lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | 3 | results | `results` |
        if cells.len() < 4 {
            continue;
        }
        let Ok(n) = cells[1].parse::<usize>() else {
            continue;
        };
        for module in cells[3].split(',') {
            let m = module.trim().trim_matches('`');
            if !m.is_empty() {
                table.insert(m.to_string(), (n, cells[2].to_string()));
            }
        }
    }
    table
}

/// The top-level module of a file label: `lib:results::files` → `results`; the binary's
/// files are `main.rs`'s layer (`main`, `cli`, ...); the model crate's are `model crate`.
fn top(label: &str) -> String {
    let (krate, path) = label.split_once(':').unwrap();
    match krate {
        "model" => "livemarket-model".to_string(),
        "bin" => path
            .split("::")
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("main")
            .to_string(),
        _ => path.split("::").next().unwrap_or("").to_string(),
    }
}

/// The edges that run against the layer order, as messages.
fn violations(edges: &BTreeSet<Edge>, table: &BTreeMap<String, (usize, String)>) -> Vec<String> {
    let mut out = Vec::new();
    for (from, to) in edges {
        let (a, b) = (top(from), top(to));
        if a == b || a.is_empty() || b.is_empty() {
            continue;
        }
        let layer = |m: &str| {
            table.get(m).cloned().unwrap_or_else(|| {
                panic!("module `{m}` is in no layer of docs/architecture.md's table: add it")
            })
        };
        let ((la, na), (lb, nb)) = (layer(&a), layer(&b));
        if la < lb {
            out.push(format!(
                "{from} ({na}, layer {la}) uses {to} ({nb}, layer {lb}), a layer above it"
            ));
        }
    }
    out
}

/// Every set of two or more files that reach each other (Tarjan's strongly connected
/// components), each sorted. A use of an ancestor's file (`super::Status` from
/// `results/store.rs`) is left out: a folder's `mod.rs` is its face, whose items and
/// re-exports its children share; a circle is between siblings, or across folders.
fn circles(edges: &BTreeSet<Edge>) -> Vec<Vec<String>> {
    let is_ancestor = |from: &str, to: &str| {
        let (cf, pf) = from.split_once(':').unwrap();
        let (ct, pt) = to.split_once(':').unwrap();
        cf == ct && (pt.is_empty() || pf.starts_with(&format!("{pt}::")))
    };
    let edges: BTreeSet<&Edge> = edges.iter().filter(|(a, b)| !is_ancestor(a, b)).collect();
    let nodes: BTreeSet<&String> = edges.iter().flat_map(|(a, b)| [a, b]).collect();
    let index_of: BTreeMap<&String, usize> =
        nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let names: Vec<&String> = nodes.into_iter().collect();
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (a, b) in &edges {
        next[index_of[a]].push(index_of[b]);
    }
    struct State {
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        count: usize,
        out: Vec<Vec<usize>>,
    }
    fn strong(v: usize, next: &[Vec<usize>], s: &mut State) {
        s.index[v] = Some(s.count);
        s.low[v] = s.count;
        s.count += 1;
        s.stack.push(v);
        s.on[v] = true;
        for &w in &next[v] {
            match s.index[w] {
                None => {
                    strong(w, next, s);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(i) if s.on[w] => s.low[v] = s.low[v].min(i),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut c = Vec::new();
            loop {
                let w = s.stack.pop().unwrap();
                s.on[w] = false;
                c.push(w);
                if w == v {
                    break;
                }
            }
            if c.len() > 1 {
                s.out.push(c);
            }
        }
    }
    let n = names.len();
    let mut s = State {
        index: vec![None; n],
        low: vec![0; n],
        on: vec![false; n],
        stack: Vec::new(),
        count: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            strong(v, &next, &mut s);
        }
    }
    let mut out: Vec<Vec<String>> = s
        .out
        .into_iter()
        .map(|c| {
            let mut c: Vec<String> = c.into_iter().map(|i| names[i].clone()).collect();
            c.sort();
            c
        })
        .collect();
    out.sort();
    out
}

fn tree() -> (CrateFiles, CrateFiles, CrateFiles) {
    (
        CrateFiles::read(Path::new("src"), "lib"),
        CrateFiles::read(Path::new("src"), "main"),
        CrateFiles::read(Path::new("crates/livemarket-model/src"), "lib"),
    )
}

/// The binary's own files: main.rs and the modules it declares (not the library's).
fn binary_only(bin: CrateFiles) -> CrateFiles {
    let main = &bin.files[&Vec::<String>::new()].1;
    let own: BTreeSet<String> = syn::parse_file(main)
        .unwrap()
        .items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Mod(m) => Some(m.ident.to_string()),
            _ => None,
        })
        .collect();
    CrateFiles {
        files: bin
            .files
            .into_iter()
            .filter(|(m, _)| m.is_empty() || own.contains(&m[0]))
            .collect(),
    }
}

fn library_only(lib: CrateFiles, bin: &CrateFiles) -> CrateFiles {
    CrateFiles {
        files: lib
            .files
            .into_iter()
            .filter(|(m, _)| m.is_empty() || !bin.files.contains_key(&m[..1]))
            .collect(),
    }
}

fn doc() -> String {
    fs::read_to_string("docs/architecture.md").unwrap()
}

#[test]
fn every_use_runs_down_the_layers_and_no_files_form_a_circle() {
    let (lib, bin, model) = tree();
    let bin = binary_only(bin);
    let lib = library_only(lib, &bin);
    let table = layer_table(&doc());
    let all = edges(&lib, &bin, &model);
    assert!(
        all.len() > 100,
        "too few uses found ({}): is the reader broken?",
        all.len()
    );
    for module in lib
        .files
        .keys()
        .chain(bin.files.keys())
        .filter_map(|m| m.first())
    {
        assert!(
            table.contains_key(module),
            "module `{module}` is in no layer of docs/architecture.md's table: add it"
        );
    }
    let wrong = violations(&all, &table);
    let found: Vec<String> = circles(&all).iter().map(|c| c.join(" ↔ ")).collect();
    assert!(
        wrong.is_empty() && found.is_empty(),
        "uses against the layers:\n{}\nfiles that use each other (a circle), each set:\n{}",
        wrong.join("\n"),
        found.join("\n")
    );
}

/// The checker catches what it is for: a planted use of the report from the results layer,
/// and a planted circle between two files that were not one.
#[test]
fn a_planted_upward_use_and_a_planted_circle_are_caught() {
    let (lib, bin, model) = tree();
    let bin = binary_only(bin);
    let mut lib = library_only(lib, &bin);
    let names = vec!["results".to_string(), "names".to_string()];
    lib.files
        .get_mut(&names)
        .unwrap()
        .1
        .push_str("\nuse crate::report::write_report;\n");
    let table = layer_table(&doc());
    let all = edges(&lib, &bin, &model);
    let wrong = violations(&all, &table);
    assert_eq!(wrong.len(), 1, "{wrong:?}");
    assert!(
        wrong[0].starts_with("lib:results::names (results, layer 3) uses lib:report"),
        "{}",
        wrong[0]
    );
    // format (util) uses num; a planted use back from the model crate's num is a circle
    // within the model crate only when it names a file that uses it: plant one in the
    // library instead, between stats and format.
    let (lib2, _, _) = tree();
    let mut lib2 = library_only(lib2, &bin);
    lib2.files
        .get_mut(&vec!["stats".to_string()])
        .unwrap()
        .1
        .push_str("\nuse crate::format::Unit;\n");
    lib2.files
        .get_mut(&vec!["format".to_string()])
        .unwrap()
        .1
        .push_str("\nuse crate::stats::quantile;\n");
    let found = circles(&edges(&lib2, &bin, &model));
    assert_eq!(
        found,
        vec![vec!["lib:format".to_string(), "lib:stats".to_string()]]
    );
}
