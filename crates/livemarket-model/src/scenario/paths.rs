//! Parameter paths of a scenario: the scenario as a TOML tree with every default filled in,
//! its leaves as [`Param`]s named by dotted paths, lookup by path, and the differences
//! between two scenarios. Above the schema and the key table; validation reads it.

use super::keys::{KEYS, Kind, matches, spec_of};
use super::names::nearest_many;
use super::schema::Scenario;
use super::uncertain::POSTERIOR;

/// One parameter of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Dotted path.
    pub path: String,
    /// Its value; None for an optional key the scenario leaves unset.
    pub value: Option<toml::Value>,
    pub kind: Kind,
    pub unit: &'static str,
}

/// The scenario as a TOML tree with every default filled in, without its `[sweep]` and
/// `[uncertain]` tables (which say how to vary values, and are no values themselves).
pub fn tree(s: &Scenario) -> toml::Table {
    let mut bare = s.clone();
    bare.sweep = None;
    bare.uncertain = Default::default();
    toml::Table::try_from(&bare).expect("a scenario serialises to TOML")
}

/// Every parameter of a scenario, in file order: its values, then the optional keys it
/// leaves unset.
pub fn params(s: &Scenario) -> Vec<Param> {
    let mut out = Vec::new();
    walk(&tree(s), &mut Vec::new(), &mut out);
    out
}

fn walk(table: &toml::Table, at: &mut Vec<String>, out: &mut Vec<Param>) {
    for (key, value) in table {
        at.push(key.clone());
        let path = at.join(".");
        match value {
            toml::Value::Table(t) => walk(t, at, out),
            v => {
                let (kind, unit) = spec_of(&path).map_or((Kind::Text, "?"), |s| (s.kind, s.unit));
                out.push(Param {
                    path,
                    value: Some(v.clone()),
                    kind,
                    unit,
                });
            }
        }
        at.pop();
    }
    // Optional keys of this table that are unset.
    let depth = at.len() + 1;
    for spec in KEYS.iter().filter(|s| s.optional()) {
        let parts: Vec<&str> = spec.pattern.split('.').collect();
        let last = parts[parts.len() - 1];
        let prefix: Vec<&str> = at.iter().map(String::as_str).collect();
        if parts.len() == depth
            && matches(&parts[..depth - 1].join("."), &prefix)
            && !table.contains_key(last)
        {
            let mut path = at.clone();
            path.push(last.to_string());
            out.push(Param {
                path: path.join("."),
                value: None,
                kind: spec.kind,
                unit: spec.unit,
            });
        }
    }
}

/// The parameter at `path`, or a message naming the nearest valid paths.
pub fn find(s: &Scenario, path: &str) -> Result<Param, String> {
    lookup(&params(s), path)
}

/// [`find`] among a scenario's [`params`], listed once for many paths (listing them walks
/// the whole scenario: most of what checking a few paths costs).
pub fn lookup(all: &[Param], path: &str) -> Result<Param, String> {
    if let Some(p) = all.iter().find(|p| p.path == path) {
        return Ok(p.clone());
    }
    if path == "sweep" || path.starts_with("sweep.") {
        return Err(format!(
            "`{path}` belongs to the sweep itself; sweeps vary scenario values only"
        ));
    }
    if path == "uncertain" || path.starts_with("uncertain.") {
        return Err(format!(
            "`{path}` belongs to the [uncertain] table; name the parameter itself"
        ));
    }
    let names: Vec<String> = all.iter().map(|p| p.path.clone()).collect();
    // `countries.gb.lapse` for `countries.GB.lapse`: the one fix, not a missing table.
    if let Some(same) = names.iter().find(|n| n.eq_ignore_ascii_case(path)) {
        return Err(format!(
            "unknown parameter `{path}`; names are case-sensitive (country codes upper case, \
             keys lower case): did you mean `{same}`?"
        ));
    }
    let near = nearest_many(path, &names, 3);
    let absent = spec_of(path).map(|_| {
        let parent = path.rsplit_once('.').map_or(path, |(a, _)| a);
        format!(" (the scenario has no `{parent}` table; add it to the file first)")
    });
    let hint = if near.is_empty() {
        String::new()
    } else {
        format!(
            "; nearest: {}",
            near.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(format!(
        "unknown parameter `{path}`{}{hint}; `livemarket params` lists them all",
        absent.unwrap_or_default()
    ))
}

/// One parameter whose resolved value differs between two scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Dotted path.
    pub path: String,
    /// The value in the first scenario; None when it leaves the key unset or has no such
    /// table.
    pub a: Option<toml::Value>,
    /// The value in the second.
    pub b: Option<toml::Value>,
}

/// Every parameter path whose value (defaults filled in) differs between two scenarios: the
/// first's paths in its order, then the paths only the second has.
pub fn diff(a: &Scenario, b: &Scenario) -> Vec<Difference> {
    let (pa, pb) = (params(a), params(b));
    let value = |ps: &[Param], path: &str| {
        ps.iter()
            .find(|p| p.path == path)
            .and_then(|p| p.value.clone())
    };
    let mut paths: Vec<&str> = pa.iter().map(|p| p.path.as_str()).collect();
    for p in &pb {
        if !paths.contains(&p.path.as_str()) {
            paths.push(&p.path);
        }
    }
    let mut diffs: Vec<Difference> = paths
        .into_iter()
        .filter_map(|path| {
            let (x, y) = (value(&pa, path), value(&pb, path));
            (x != y).then(|| Difference {
                path: path.to_string(),
                a: x,
                b: y,
            })
        })
        .collect();
    // The `[uncertain]` table: a distribution added, removed or changed, under the path
    // `uncertain.PARAM` (as the file's table writes it).
    let mut uncertain: Vec<&String> = a.uncertain.keys().collect();
    uncertain.extend(b.uncertain.keys().filter(|k| !a.uncertain.contains_key(*k)));
    for path in uncertain {
        let (x, y) = (a.uncertain.get(path), b.uncertain.get(path));
        if x != y {
            diffs.push(Difference {
                path: format!("uncertain.{path}"),
                a: x.cloned().map(toml::Value::from),
                b: y.cloned().map(toml::Value::from),
            });
        }
    }
    if a.uncertain.posterior != b.uncertain.posterior {
        let file = |s: &Scenario| s.uncertain.posterior.clone().map(toml::Value::String);
        diffs.push(Difference {
            path: format!("uncertain.{POSTERIOR}"),
            a: file(a),
            b: file(b),
        });
    }
    diffs
}
