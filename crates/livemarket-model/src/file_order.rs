//! A test that the crate's files stand in an order: no file imports one that imports it back,
//! directly or through others.
//!
//! It reads every `.rs` file under `src/` as text. A file's imports are the paths it names
//! outside comments, strings and `#[cfg(test)]` modules: its `use` lines, and paths written
//! inline (`super::uncertain::problems(s)`, `crate::scenario::Policy::Review`), starting
//! with `crate`, `super`, `self`, or in a file that declares modules, one of them. A path
//! leads to the file of the deepest module it names; an item named through a module's
//! re-export (`pub use schema::*` in `scenario/mod.rs`) leads on to the file that defines
//! it, so a `mod.rs` that only declares and re-exports sits on top and imports nothing
//! back. Tests are left out: a file's tests may load a whole scenario.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One source file: its module path, what it declares and what it names.
struct File {
    /// Relative to `src/`, as shown in messages.
    name: String,
    /// Module path from the crate root (`["scenario", "params"]`).
    module: Vec<String>,
    /// The code with comments, strings and test modules blanked out.
    code: String,
    /// Child modules it declares (`mod x;`).
    children: BTreeSet<String>,
    /// Its re-exports: the name it gives and the absolute path it names; a glob as `*`.
    reexports: Vec<(String, Vec<String>)>,
    /// Every absolute path it names (use lines and inline paths).
    uses: Vec<Vec<String>>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code with comments, string and char literals replaced by spaces (newlines kept).
fn blank_comments_and_strings(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && matches!(next, Some('"' | '#'))
            && !ident_char(b.get(i.wrapping_sub(1)))
        {
            // A raw string r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|h| b.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.extend(b[i..j.min(b.len())].iter().map(|&c| blank(c)));
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A char literal ('a', '\n', '"'); a lifetime ('a) has no closing quote.
            let close = if next == Some('\\') {
                b[i + 2..]
                    .iter()
                    .position(|&c| c == '\'')
                    .map(|p| i + 2 + p)
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(end) => {
                    out.extend(std::iter::repeat_n(' ', end + 1 - i));
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            // Code is ASCII outside strings and comments; anything else is blanked, so the
            // reader can step through it byte by byte.
            out.push(if c.is_ascii() { c } else { ' ' });
            i += 1;
        }
    }
    out
}

fn ident_char(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// The code without its `#[cfg(test)]` items (a test module, a test-only function).
fn without_tests(code: &str) -> String {
    let mut out = code.to_string();
    while let Some(at) = out.find("#[cfg(test)]") {
        let open = out[at..].find('{').map(|p| at + p);
        let semi = out[at..].find(';').map(|p| at + p);
        let end = match (open, semi) {
            (Some(o), Some(s)) if s < o => s + 1,
            (Some(o), _) => {
                let mut depth = 0;
                let mut end = out.len();
                for (k, ch) in out[o..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = o + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, Some(s)) => s + 1,
            (None, None) => out.len(),
        };
        out.replace_range(at..end, "");
    }
    out
}

/// The paths of one `use` tree (`a::{b, c::{self, d}}`) with `prefix` in front.
fn use_tree(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(brace) = tree.find('{') {
        let mut base = prefix.to_vec();
        base.extend(segments(tree[..brace].trim_end_matches(':')));
        let inner = &tree[brace + 1..tree.rfind('}').expect("a use group closes")];
        let (mut depth, mut start) = (0, 0);
        for (k, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    use_tree(&inner[start..k], &base, out);
                    start = k + 1;
                }
                _ => {}
            }
        }
        use_tree(&inner[start..], &base, out);
    } else if !tree.is_empty() {
        let tree = tree.split(" as ").next().unwrap_or(tree);
        let mut path = prefix.to_vec();
        path.extend(segments(tree).into_iter().filter(|s| s != "self"));
        out.push(path);
    }
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A path as written in `file` made absolute (from the crate root), if it names this crate.
fn absolute(file: &File, path: &[String]) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut at = file.module.clone();
    // Inside `x.rs` (not `x/mod.rs`), `super` is the parent of module x as well.
    let rest = match first.as_str() {
        "crate" => {
            at.clear();
            &path[1..]
        }
        "self" => &path[1..],
        "super" => {
            let supers = path.iter().take_while(|s| *s == "super").count();
            for _ in 0..supers {
                at.pop()?;
            }
            &path[supers..]
        }
        name if file.children.contains(name) => path,
        _ => return None,
    };
    at.extend(rest.iter().cloned());
    Some(at)
}

/// The file an absolute path leads to: the deepest module it names, then through that
/// module's re-exports to the file that defines the item.
fn target(
    files: &BTreeMap<Vec<String>, File>,
    path: &[String],
    depth: usize,
) -> Option<Vec<String>> {
    let mut k = path.len();
    while !files.contains_key(&path[..k]) {
        k = k.checked_sub(1)?;
    }
    let module = path[..k].to_vec();
    let Some(item) = path.get(k) else {
        return Some(module);
    };
    // A chain of re-exports longer than this would be a loop of them.
    if depth < 8 {
        for (name, to) in &files[&module].reexports {
            if name == item {
                return target(files, to, depth + 1);
            }
            if name == "*" {
                let mut via = to.clone();
                via.push(item.clone());
                if let Some(t) = target(files, &via, depth + 1)
                    && t != module
                    && defines(&files[&t], item)
                {
                    return Some(t);
                }
            }
        }
    }
    Some(module)
}

/// Whether the file declares an item called `name`.
fn defines(file: &File, name: &str) -> bool {
    [
        "struct", "enum", "fn", "const", "type", "trait", "static", "mod", "union",
    ]
    .iter()
    .any(|kw| {
        file.code
            .match_indices(&format!("{kw} {name}"))
            .any(|(at, _)| {
                let after = file.code[at + kw.len() + 1 + name.len()..].chars().next();
                !ident_char(after.as_ref())
            })
    }) || file.reexports.iter().any(|(n, _)| n == name)
}

fn read(src: &Path, path: &Path) -> File {
    let rel = path.strip_prefix(src).expect("under src/");
    let mut module: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        module.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        module.pop();
    }
    let text = std::fs::read_to_string(path).expect("a source file is readable");
    parse(rel.display().to_string(), module, &text)
}

/// The declarations, re-exports and paths of one file's text.
fn parse(name: String, module: Vec<String>, text: &str) -> File {
    let code = without_tests(&blank_comments_and_strings(text));
    let mut children = BTreeSet::new();
    let mut use_lines = Vec::new();
    let mut inline = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let starts_word = !ident_char(code[..i].chars().next_back().as_ref());
        let word: String = code[i..]
            .chars()
            .take_while(|c| ident_char(Some(c)))
            .collect();
        if word.is_empty() || !starts_word {
            i += 1;
            continue;
        }
        let after = &code[i + word.len()..];
        if word == "mod" {
            let rest = after.trim_start();
            let id: String = rest.chars().take_while(|c| ident_char(Some(c))).collect();
            if !id.is_empty() && rest[id.len()..].trim_start().starts_with(';') {
                children.insert(id);
            }
        } else if word == "use" && after.starts_with(char::is_whitespace) {
            let end = after.find(';').map_or(code.len(), |p| i + word.len() + p);
            let before = code[..i].trim_end();
            let public = before.ends_with("pub") || before.ends_with(')');
            use_lines.push((public, code[i + word.len()..end].to_string()));
            i = end;
            continue;
        } else if !code[..i].ends_with("::") && after.starts_with("::") {
            // An inline path: identifiers joined by `::`.
            let mut path = vec![word.clone()];
            let mut j = i + word.len();
            while code[j..].starts_with("::") {
                let id: String = code[j + 2..]
                    .chars()
                    .take_while(|c| ident_char(Some(c)))
                    .collect();
                if id.is_empty() {
                    break;
                }
                j += 2 + id.len();
                path.push(id);
            }
            inline.push(path);
            i = j;
            continue;
        }
        i += word.len();
    }
    let mut file = File {
        name,
        module,
        code,
        children,
        reexports: Vec::new(),
        uses: Vec::new(),
    };
    let mut written = Vec::new();
    let mut public = Vec::new();
    for (is_pub, tree) in &use_lines {
        let mut paths = Vec::new();
        use_tree(tree, &[], &mut paths);
        if *is_pub {
            public.extend(paths.iter().cloned());
        }
        written.extend(paths);
    }
    written.extend(inline);
    for path in written {
        if let Some(abs) = absolute(&file, &path) {
            file.uses.push(abs);
        }
    }
    for path in public {
        if let Some(abs) = absolute(&file, &path) {
            let name = path.last().cloned().unwrap_or_default();
            let to = if name == "*" {
                abs[..abs.len() - 1].to_vec()
            } else {
                abs
            };
            file.reexports.push((name, to));
        }
    }
    file
}

/// Every file-level circle, each as the files around it.
fn circles(files: &BTreeMap<Vec<String>, File>) -> Vec<Vec<String>> {
    let edges: BTreeMap<&Vec<String>, BTreeSet<Vec<String>>> = files
        .iter()
        .map(|(m, f)| {
            let to = f
                .uses
                .iter()
                .filter_map(|p| target(files, p, 0))
                .filter(|t| t != m)
                .collect();
            (m, to)
        })
        .collect();
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for start in files.keys() {
        // A path back to `start` through its imports.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut visited = BTreeSet::new();
        while let Some((at, trail)) = stack.pop() {
            for next in &edges[&at] {
                if next == start {
                    let mut key: Vec<Vec<String>> = trail.clone();
                    key.sort();
                    if seen.insert(key) {
                        found.push(trail.iter().map(|m| files[m].name.clone()).collect());
                    }
                } else if visited.insert(next.clone()) {
                    let mut t = trail.clone();
                    t.push(next.clone());
                    stack.push((next.clone(), t));
                }
            }
        }
    }
    found
}

fn crate_files() -> BTreeMap<Vec<String>, File> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    paths
        .iter()
        .map(|p| read(&src, p))
        .map(|f| (f.module.clone(), f))
        .collect()
}

#[test]
fn no_file_imports_one_that_imports_it_back() {
    let files = crate_files();
    assert!(files.len() > 20, "{} files", files.len());
    let found = circles(&files);
    assert!(
        found.is_empty(),
        "files that import each other in a circle (each imports the next, the last the \
         first); move what both need into a file below them:\n{}",
        found
            .iter()
            .map(|c| format!("  {}", c.join(" -> ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_reader_sees_imports_re_exports_and_a_circle() {
    let files = crate_files();
    let file = |m: &[&str]| &files[&m.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    let targets = |m: &[&str]| -> BTreeSet<String> {
        file(m)
            .uses
            .iter()
            .filter_map(|p| target(&files, p, 0))
            .map(|t| files[&t].name.clone())
            .collect()
    };
    // A use line, a re-export through `scenario/mod.rs`, and an inline path.
    let world = targets(&["world"]);
    assert!(world.contains("scenario/schema.rs"), "{world:?}");
    assert!(!world.contains("scenario/mod.rs"), "{world:?}");
    let country = targets(&["model", "country"]);
    assert!(country.contains("model/events.rs"), "{country:?}");
    assert!(country.contains("scenario/schema.rs"), "{country:?}");
    // What a circle looks like to the test; a test module's import is no part of it.
    let mut two = BTreeMap::new();
    for (m, other) in [("a", "b"), ("b", "a")] {
        let text = format!(
            "//! Doc naming super::c.\nuse super::{other}::X;\n#[cfg(test)]\nmod tests {{\n    use crate::c;\n}}\n"
        );
        let f = parse(format!("{m}.rs"), vec![m.to_string()], &text);
        two.insert(f.module.clone(), f);
    }
    let c = parse(
        "c.rs".into(),
        vec!["c".into()],
        "pub fn f() { crate::a::g(\"super::b\") }",
    );
    two.insert(c.module.clone(), c);
    let lib = parse("lib.rs".into(), vec![], "mod a;\nmod b;\nmod c;\n");
    two.insert(lib.module.clone(), lib);
    assert_eq!(
        circles(&two),
        vec![vec!["a.rs".to_string(), "b.rs".to_string()]]
    );
}
