//! Sweeps: `--set` overrides, the `[sweep]` table and `--vary` flags resolved into points,
//! each a validated world, before anything runs.
//!
//! Every point keeps the scenario seed, so trial k has the same seed at every point (common
//! random numbers, docs/sweeps.md): `seed` and `trials` cannot be swept.

pub mod design;
mod recipe;

pub use recipe::{load, plan_recipe, posterior_for, posterior_of, read_posterior, read_scenario};

use crate::error::UserError;
use crate::scenario::params::{self, Kind, Param};
use crate::scenario::uncertain::{self, Uncertain};
use crate::scenario::{Design, Scenario, Spans, Sweep, Values, line_col};
use crate::world::World;
use design::Axis;
use indexmap::IndexMap;

pub use crate::results::manifest::SweepRecord;
pub use crate::results::recipe::{SweepOptions, UNCERTAIN_PREFIX, uncertain_key};

/// A resolved sweep: the scenario after `--set`, and the points to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The scenario after `--set` (its `[sweep]` table as written).
    pub base: Scenario,
    /// `PATH=VALUE` overrides applied, as typed.
    pub overrides: Vec<String>,
    /// The paths of [`Plan::overrides`], in order: those of uncertain parameters are pinned
    /// at the value set (in [`Plan::base`]) in every trial.
    pub set_paths: Vec<String>,
    /// None when nothing is swept: one point, and result files without point columns.
    pub sweep: Option<SweepRecord>,
    /// The points in index order; one without a sweep.
    pub points: Vec<Point>,
    /// `[sweep] trials`, if the file sets it.
    pub trials_per_point: Option<u32>,
    /// The posterior each trial takes a particle of; attached by [`plan_recipe`] from the
    /// text the run recorded.
    pub posterior: Option<crate::posterior::Posterior>,
}

/// One point of a sweep.
#[derive(Debug, Clone)]
pub struct Point {
    /// Values of the swept parameters, aligned with [`SweepRecord::parameters`].
    pub values: Vec<toml::Value>,
    pub world: World,
    /// The scenario's `[uncertain]` table at this point: the file's, with any swept
    /// distribution parameter (`uncertain.PATH.KEY`) set.
    pub uncertain: IndexMap<String, Uncertain>,
}

impl Plan {
    /// Swept parameter paths (none without a sweep).
    pub fn columns(&self) -> &[String] {
        self.sweep.as_ref().map_or(&[], |s| &s.parameters)
    }

    /// Gives the scenario and every point another seed (`--seed`); points keep sharing it.
    pub fn reseed(&mut self, seed: u64) {
        self.base.seed = seed;
        for p in &mut self.points {
            p.world.seed = seed;
        }
    }
}

/// Where a swept parameter came from, for messages.
#[derive(Debug, Clone)]
enum Source {
    /// The scenario file, at a line and column when known.
    File(Option<(usize, usize)>),
    /// A flag, as typed.
    Flag(String),
}

impl Source {
    fn label(&self, file: &str) -> String {
        match self {
            Source::File(Some((line, col))) => format!("{file}:{line}:{col}"),
            Source::File(None) => file.to_string(),
            Source::Flag(f) => f.clone(),
        }
    }
}

/// A swept parameter: its path, its values, and where it was swept.
type Swept = (String, Values, Source);

/// How the points of a sweep are drawn: each from its flag, else the file's `[sweep]` key,
/// else the default.
struct DesignSettings {
    kind: Design,
    samples: Option<u32>,
    morris: design::MorrisSize,
    seed: u64,
}

impl DesignSettings {
    /// The flags' settings, else those of the file's `[sweep]` table, else the defaults.
    fn of(opts: &SweepOptions, file_sweep: Option<&Sweep>) -> DesignSettings {
        DesignSettings {
            kind: opts
                .design
                .or(file_sweep.map(|s| s.design))
                .unwrap_or_default(),
            samples: opts.samples.or(file_sweep.and_then(|s| s.samples)),
            morris: design::MorrisSize {
                trajectories: opts
                    .trajectories
                    .or(file_sweep.and_then(|s| s.trajectories)),
                levels: opts
                    .levels
                    .or(file_sweep.and_then(|s| s.levels))
                    .unwrap_or(4),
            },
            seed: opts.design_seed.or(file_sweep.map(|s| s.seed)).unwrap_or(1),
        }
    }

    /// The record of a sweep so drawn over `parameters`, with `points` points: only the
    /// settings its design uses.
    fn record(&self, parameters: Vec<String>, points: usize) -> SweepRecord {
        let kind = self.kind;
        SweepRecord {
            design: kind,
            seed: self.seed,
            samples: matches!(kind, Design::Lhs | Design::Random)
                .then_some(self.samples)
                .flatten(),
            trajectories: (kind == Design::Morris)
                .then_some(self.morris.trajectories)
                .flatten(),
            levels: (kind == Design::Morris).then_some(self.morris.levels),
            parameters,
            points,
        }
    }
}

/// Applies `--set`, resolves the sweep and validates every point; `text` and `file` are the
/// scenario's, for locating `[sweep]` entries in messages.
pub fn plan(
    scenario: Scenario,
    text: &str,
    file: &str,
    opts: &SweepOptions,
) -> Result<Plan, UserError> {
    let file_sweep = if opts.no_sweep {
        None
    } else {
        scenario.sweep.clone()
    };
    // 1. Overrides.
    let (scenario, set_paths) = apply_overrides(scenario, opts)?;
    // 2. Parameters: the file's, then the flags'.
    let spans = Spans::parse(text);
    let swept = swept_parameters(file_sweep.as_ref(), &spans, text, file, opts)?;
    if swept.is_empty() {
        return unswept(scenario, set_paths, opts);
    }
    // 3. Each parameter's values, checked against its type, and the design's points.
    let (axes, names) = check_parameters(&scenario, &swept, &set_paths, file)?;
    let settings = DesignSettings::of(opts, file_sweep.as_ref());
    let sweep_at = spans.value_span("sweep").map(|r| line_col(text, r.start));
    let where_design = if opts.design.is_some() || file_sweep.is_none() {
        "the sweep".to_string()
    } else {
        Source::File(sweep_at).label(file)
    };
    let values = design::expand(
        settings.kind,
        &axes,
        &names,
        settings.samples,
        settings.morris,
        settings.seed,
    )
    .map_err(|e| UserError(format!("{where_design}: {e}")))?;
    // 4. Every point validated before anything runs, once the machine can hold them all.
    let base_tree = params::tree(&scenario);
    check_memory(&base_tree, &names, &values, &where_design, opts)?;
    let points = build_points(&scenario, &base_tree, &names, values, &swept, file)?;
    Ok(Plan {
        sweep: Some(settings.record(names, points.len())),
        base: scenario,
        overrides: opts.set.clone(),
        set_paths,
        points,
        trials_per_point: file_sweep.and_then(|s| s.trials),
        posterior: None,
    })
}

/// The scenario with the `--set` overrides applied (its `[sweep]` and `[uncertain]` tables
/// as they were), and the paths set, in order; every override's problem at once.
fn apply_overrides(
    mut scenario: Scenario,
    opts: &SweepOptions,
) -> Result<(Scenario, Vec<String>), UserError> {
    let mut set_paths = Vec::new();
    if opts.set.is_empty() {
        return Ok((scenario, set_paths));
    }
    let mut values = Vec::new();
    let mut problems = Vec::new();
    let all = params::params(&scenario);
    for raw in &opts.set {
        let flag = format!("--set {raw}");
        let (path, value) = split_assignment(raw).map_err(|e| UserError(format!("{flag}: {e}")))?;
        match params::lookup(&all, path)
            .and_then(|p| params::coerce(&p, &params::parse_value(value)))
        {
            Ok(v) => {
                set_paths.push(path.to_string());
                values.push((path.to_string(), v, flag));
            }
            Err(e) => problems.push(format!("{flag}: {e}")),
        }
    }
    if !problems.is_empty() {
        return Err(UserError::lines(problems));
    }
    let pairs: Vec<(&str, &toml::Value)> = values.iter().map(|(p, v, _)| (p.as_str(), v)).collect();
    let sweep = scenario.sweep.take();
    let uncertain = std::mem::take(&mut scenario.uncertain);
    scenario = params::apply(&params::tree(&scenario), &pairs).map_err(|problems| {
        UserError::lines(
            problems
                .into_iter()
                .map(|(path, msg)| {
                    let flag = values.iter().find(|(p, _, _)| *p == path).map_or_else(
                        || format!("--set {}", opts.set.join(" --set ")),
                        |(_, _, f)| f.clone(),
                    );
                    format!("{flag}: {msg}")
                })
                .collect(),
        )
    })?;
    scenario.sweep = sweep;
    scenario.uncertain = uncertain;
    Ok((scenario, set_paths))
}

/// The swept parameters: the file's `[sweep.parameters]` in order, then each `--vary`
/// (replacing the file's entry of its path), each with where it was swept.
fn swept_parameters(
    file_sweep: Option<&Sweep>,
    spans: &Spans,
    text: &str,
    file: &str,
    opts: &SweepOptions,
) -> Result<Vec<Swept>, UserError> {
    let mut swept: Vec<Swept> = Vec::new();
    if let Some(s) = file_sweep {
        for (path, values) in &s.parameters {
            let at = spans
                .value_span(&format!("sweep.parameters.{path}"))
                .map(|r| line_col(text, r.start));
            swept.push((path.clone(), values.clone(), Source::File(at)));
        }
        if s.parameters.is_empty() && opts.vary.is_empty() {
            let at = spans.value_span("sweep").map(|r| line_col(text, r.start));
            return Err(UserError(format!(
                "{}: [sweep] has no parameters; add `[sweep.parameters]` with a list of values \
                 per path, or remove [sweep]",
                Source::File(at).label(file)
            )));
        }
    }
    for raw in &opts.vary {
        let flag = format!("--vary {raw}");
        let (path, spec) = split_assignment(raw).map_err(|e| UserError(format!("{flag}: {e}")))?;
        let values = parse_vary(spec).map_err(|e| UserError(format!("{flag}: {e}")))?;
        swept.retain(|(p, _, _)| p != path);
        swept.push((path.to_string(), values, Source::Flag(flag)));
    }
    Ok(swept)
}

/// The plan of a scenario with nothing swept: one point, and no design (its flags refused).
fn unswept(
    scenario: Scenario,
    set_paths: Vec<String>,
    opts: &SweepOptions,
) -> Result<Plan, UserError> {
    if opts.design.is_some()
        || opts.samples.is_some()
        || opts.design_seed.is_some()
        || opts.trajectories.is_some()
        || opts.levels.is_some()
    {
        return Err(UserError(
            "--design, --samples, --design-seed, --trajectories and --levels need \
             parameters to vary; add --vary PATH=V1,V2 or a [sweep] table"
                .into(),
        ));
    }
    let world = World::new(&scenario);
    let uncertain = scenario.uncertain.params.clone();
    Ok(Plan {
        base: scenario,
        overrides: opts.set.clone(),
        set_paths,
        sweep: None,
        points: vec![Point {
            values: Vec::new(),
            world,
            uncertain,
        }],
        trials_per_point: None,
        posterior: None,
    })
}

/// Each swept parameter found and its values checked against its type: the axes and the
/// parameters' paths, in order. Every problem at once, a distribution's parameter swept
/// while the parameter itself is pinned among them.
fn check_parameters(
    scenario: &Scenario,
    swept: &[Swept],
    set_paths: &[String],
    file: &str,
) -> Result<(Vec<Axis>, Vec<String>), UserError> {
    let mut problems = Vec::new();
    let mut axes = Vec::new();
    let mut found: Vec<Param> = Vec::new();
    for (path, values, source) in swept {
        let at = source.label(file);
        let param = match sweepable(scenario, path, set_paths) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("{at}: {e}"));
                continue;
            }
        };
        match axis(&param, values) {
            Ok(a) => {
                axes.push(a);
                found.push(param);
            }
            Err(e) => problems.push(format!("{at}: {e}")),
        }
    }
    // A distribution's parameter swept while the sweep or --set pins the parameter itself:
    // the distribution is never drawn from, so its points would not differ.
    for (path, _, source) in swept {
        let Some((entry, _)) = uncertain_key(path) else {
            continue;
        };
        let pinned = if set_paths.iter().any(|p| p == entry) {
            Some("--set")
        } else if swept.iter().any(|(p, _, _)| p == entry) {
            Some("the sweep")
        } else {
            None
        };
        if let Some(by) = pinned {
            problems.push(format!(
                "{}: `{path}` changes the distribution of `{entry}`, but {by} pins `{entry}` \
                 itself, so no trial draws from it; drop one of the two",
                source.label(file)
            ));
        }
    }
    if !problems.is_empty() {
        return Err(UserError::lines(problems));
    }
    Ok((axes, found.iter().map(|p| p.path.clone()).collect()))
}

/// Refuses a sweep of more than one point whose points would take more memory than the
/// machine has available (estimated from its first point), unless `--allow-memory`.
fn check_memory(
    base_tree: &toml::Table,
    names: &[String],
    values: &[Vec<toml::Value>],
    where_design: &str,
    opts: &SweepOptions,
) -> Result<(), UserError> {
    if values.len() > 1
        && let Ok(first) = params::apply(
            base_tree,
            &names
                .iter()
                .map(String::as_str)
                .zip(values[0].iter())
                .filter(|(p, _)| uncertain_key(p).is_none())
                .collect::<Vec<_>>(),
        )
    {
        let bytes = plan_bytes(
            &World::new(&first),
            &values[0],
            &first.uncertain,
            values.len(),
        );
        if let Some(available) = available_memory()
            && bytes > available
            && !opts.allow_memory
        {
            return Err(UserError(format!(
                "{where_design} has {} points, and holding them takes about {:.1} MB, more \
                 than the {:.1} MB this machine has available; sweep fewer points (a larger \
                 step, fewer values or samples), or pass --allow-memory to plan it anyway",
                values.len(),
                bytes as f64 / 1e6,
                available as f64 / 1e6
            )));
        }
    }
    Ok(())
}

/// Every point built and validated: its values set in the scenario, and those of
/// distribution parameters in its `[uncertain]` table. Up to ten problems at once, each
/// placed where its parameter was swept.
fn build_points(
    scenario: &Scenario,
    base_tree: &toml::Table,
    names: &[String],
    values: Vec<Vec<toml::Value>>,
    swept: &[Swept],
    file: &str,
) -> Result<Vec<Point>, UserError> {
    let mut points = Vec::with_capacity(values.len());
    let mut problems: Vec<String> = Vec::new();
    for (k, point) in values.into_iter().enumerate() {
        let pairs: Vec<(&str, &toml::Value)> =
            names.iter().map(String::as_str).zip(point.iter()).collect();
        let (distribution, values): (Vec<_>, Vec<_>) = pairs
            .iter()
            .copied()
            .partition(|(p, _)| uncertain_key(p).is_some());
        let mut table = scenario.uncertain.params.clone();
        let mut set_key = |(path, v): (&str, &toml::Value)| -> Result<(), (String, String)> {
            let (entry, key) = uncertain_key(path).expect("partitioned");
            let x = v.as_float().or(v.as_integer().map(|i| i as f64));
            uncertain::set_key(&mut table, entry, key, x.unwrap_or(f64::NAN))
                .map_err(|e| (path.to_string(), e))
        };
        let checked = distribution
            .into_iter()
            .map(&mut set_key)
            .collect::<Result<Vec<()>, _>>()
            .map_err(|e| vec![e])
            .and_then(|_| params::apply(base_tree, &values));
        match checked {
            Ok(mut s) => {
                s.name = scenario.name.clone();
                points.push(Point {
                    values: point,
                    world: World::new(&s),
                    uncertain: table,
                });
            }
            Err(found_problems) => {
                let shown: Vec<String> = pairs
                    .iter()
                    .map(|(p, v)| format!("{p} = {}", params::show(v)))
                    .collect();
                for (path, msg) in found_problems {
                    let at = swept
                        .iter()
                        .find(|(p, _, _)| *p == path)
                        .map_or_else(|| file.to_string(), |(_, _, s)| s.label(file));
                    let line = format!("{at}: sweep point {k} ({}): {msg}", shown.join(", "));
                    if problems.len() < 10 && !problems.contains(&line) {
                        problems.push(line);
                    }
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(UserError::lines(problems));
    }
    Ok(points)
}

/// Estimated bytes of a plan of `points` points like the one of `world`, `values` and
/// `uncertain`: each point's world (its countries, platforms and markets with their
/// specifications and weekly plans), its swept values and its `[uncertain]` table, twice over
/// for the allocator's slack and the scenario each point is built from. The heap a point
/// owns is counted as well as its structs: the baseline's `[uncertain]` table (66 paths)
/// and its markets' weekly plans are most of a point, and leaving them out under-counted a
/// 20,000-point baseline sweep by a quarter. `tests::the_plan_estimate_covers_what_the_points_hold`
/// measures the real allocation against it.
pub fn plan_bytes(
    world: &World,
    values: &[toml::Value],
    uncertain: &IndexMap<String, Uncertain>,
    points: usize,
) -> u64 {
    use std::mem::size_of;
    let countries: usize = world
        .countries
        .iter()
        .map(|c| {
            size_of::<crate::world::CountryWorld>()
                + c.code.len()
                + c.markets.len() * size_of::<usize>()
                + c.creator_share.len() * size_of::<f64>()
        })
        .sum();
    let platforms: usize = world
        .platforms
        .iter()
        .map(|p| size_of::<crate::world::PlatformWorld>() + p.name.len())
        .sum();
    let markets: usize = world
        .markets
        .iter()
        .map(|m| {
            size_of::<crate::world::MarketWorld>()
                + m.plan.as_ref().map_or(0, |p| p.len() * size_of::<f64>())
        })
        .sum();
    let values_heap: usize = values.iter().map(|v| v.as_str().map_or(0, str::len)).sum();
    // An IndexMap entry holds the key, the value and the hash, and its index table a slot
    // (a usize) per entry, at a load factor of up to 7/8.
    let table: usize = uncertain
        .iter()
        .map(|(k, u)| {
            size_of::<(u64, String, Uncertain)>()
                + 2 * size_of::<usize>()
                + k.len()
                + u.group.as_ref().map_or(0, String::len)
        })
        .sum();
    let point = size_of::<Point>()
        + world.name.len()
        + countries
        + platforms
        + markets
        + std::mem::size_of_val(values)
        + values_heap
        + table;
    2 * (point as u64).saturating_mul(points as u64)
}

/// Memory the system can give a new process, if known: `LIVEMARKET_MEMORY` (bytes) when set,
/// for a machine whose `MemAvailable` is not what this process may use (a container or a
/// Slurm allocation); else Linux's `MemAvailable`.
pub fn available_memory() -> Option<u64> {
    if let Some(bytes) = std::env::var("LIVEMARKET_MEMORY")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(bytes);
    }
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// `PATH=VALUE` split at the first `=`.
fn split_assignment(raw: &str) -> Result<(&str, &str), String> {
    match raw.split_once('=') {
        Some((p, v)) if !p.trim().is_empty() && !v.trim().is_empty() => Ok((p.trim(), v.trim())),
        _ => Err("write it as PATH=VALUE, for example countries.GB.lapse=0.1".into()),
    }
}

/// A `--vary` value: `MIN..MAX`, `FROM:TO:STEP`, or a comma-separated list.
fn parse_vary(spec: &str) -> Result<Values, String> {
    let number = |s: &str| match params::parse_value(s) {
        v @ (toml::Value::Integer(_) | toml::Value::Float(_)) => Ok(v),
        _ => Err(format!("`{s}` is not a number")),
    };
    if let Some((min, max)) = spec.split_once("..") {
        let as_f64 = |v: toml::Value| v.as_float().or(v.as_integer().map(|i| i as f64));
        let (min, max) = (number(min)?, number(max)?);
        return Ok(Values::Range {
            min: as_f64(min).unwrap_or(f64::NAN),
            max: as_f64(max).unwrap_or(f64::NAN),
        });
    }
    let parts: Vec<&str> = spec.split(':').collect();
    if parts.len() == 2 && !spec.contains(',') && parts.iter().all(|p| number(p).is_ok()) {
        return Err(format!(
            "`{spec}` has no step: write FROM:TO:STEP ({spec}:STEP) for values a step apart, \
             or {}..{} for a range a design draws from",
            parts[0], parts[1]
        ));
    }
    if parts.len() == 3 && !spec.contains(',') {
        let (from, to, step) = (number(parts[0])?, number(parts[1])?, number(parts[2])?);
        let as_f64 = |v: &toml::Value| v.as_float().or(v.as_integer().map(|i| i as f64));
        return Ok(Values::Steps {
            integers: from.is_integer() && step.is_integer(),
            from: as_f64(&from).unwrap_or(f64::NAN),
            to: as_f64(&to).unwrap_or(f64::NAN),
            step: as_f64(&step).unwrap_or(f64::NAN),
        });
    }
    Ok(Values::List(
        spec.split(',').map(params::parse_value).collect(),
    ))
}

/// The parameter at `path`, if a sweep may vary it.
fn sweepable(s: &Scenario, path: &str, set_paths: &[String]) -> Result<Param, String> {
    match path {
        "seed" => {
            return Err(
                "`seed` cannot be swept: every point runs trial k with the same seed, \
                        so that points compare trial by trial (common random numbers); use \
                        --seed for a whole run with other trials"
                    .into(),
            );
        }
        "trials" => {
            return Err(
                "`trials` cannot be swept; set the trials at each point with [sweep] \
                        trials or --trials"
                    .into(),
            );
        }
        _ => {}
    }
    if set_paths.iter().any(|p| p == path) {
        return Err(format!(
            "`{path}` is both set with --set and swept; drop one of them"
        ));
    }
    if let Some((entry, key)) = uncertain_key(path) {
        let Some(u) = s.uncertain.get(entry) else {
            let names: Vec<String> = s.uncertain.keys().cloned().collect();
            let near = crate::scenario::nearest(entry, &names)
                .map(|n| format!("did you mean `{n}`? "))
                .unwrap_or_default();
            return Err(format!(
                "`{path}` names no [uncertain] entry `{entry}`; {near}sweep a distribution's \
                 parameter as uncertain.PATH.KEY, with PATH an entry of the scenario's \
                 [uncertain] table ({})",
                if names.is_empty() {
                    "it has none".to_string()
                } else {
                    names.join(", ")
                }
            ));
        };
        let keys = uncertain::keys(&u.dist);
        let Some((_, value)) = keys.iter().find(|(k, _)| *k == key) else {
            return Err(format!(
                "`{path}`: `{entry}` ~ {} has no parameter `{key}`; it has {}",
                u.dist,
                keys.iter()
                    .map(|(k, _)| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        return Ok(Param {
            path: path.to_string(),
            value: Some(toml::Value::Float(*value)),
            kind: Kind::Number,
            unit: "distribution parameter",
        });
    }
    params::find(s, path)
}

/// A parameter's values, each converted to its type.
fn axis(param: &Param, values: &Values) -> Result<Axis, String> {
    let list = |v: &[toml::Value]| -> Result<Axis, String> {
        Ok(Axis::Finite(
            v.iter()
                .map(|x| params::coerce(param, x))
                .collect::<Result<_, _>>()?,
        ))
    };
    match values {
        Values::List(v) => list(v),
        Values::Steps {
            from,
            to,
            step,
            integers,
        } => list(
            &design::steps(*from, *to, *step, *integers)
                .map_err(|e| format!("`{}`: {e}", param.path))?,
        ),
        Values::Range { min, max } => {
            if !matches!(param.kind, Kind::Number | Kind::Integer) {
                return Err(format!(
                    "`{}` takes {}, so it cannot be drawn from a range; give a list",
                    param.path, param.kind
                ));
            }
            if !(min.is_finite() && max.is_finite() && min < max) {
                return Err(format!(
                    "`{}`: the range {{ min = {min}, max = {max} }} is empty; min must be below max",
                    param.path
                ));
            }
            Ok(Axis::Range {
                min: *min,
                max: *max,
                integer: param.kind == Kind::Integer,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = include_str!("../../tests/data/small.toml");

    fn small() -> Scenario {
        Scenario::from_toml_str(SMALL, "small.toml").unwrap()
    }

    fn opts(set: &[&str], vary: &[&str]) -> SweepOptions {
        SweepOptions {
            set: set.iter().map(|s| s.to_string()).collect(),
            vary: vary.iter().map(|s| s.to_string()).collect(),
            ..SweepOptions::default()
        }
    }

    fn err(text: &str, o: &SweepOptions) -> String {
        let s = Scenario::from_toml_str(text, "s.toml").unwrap();
        plan(s, text, "s.toml", o).unwrap_err().0
    }

    /// Counts the bytes live on the current thread, so a test can measure what it builds
    /// while other tests allocate on theirs. (Const-initialised and without a destructor,
    /// the thread-local never allocates itself.)
    mod counting {
        use std::alloc::{GlobalAlloc, Layout, System};
        use std::cell::Cell;

        thread_local! {
            pub static LIVE: Cell<isize> = const { Cell::new(0) };
        }

        pub struct Counting;

        unsafe impl GlobalAlloc for Counting {
            unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
                let _ = LIVE.try_with(|l| l.set(l.get() + layout.size() as isize));
                unsafe { System.alloc(layout) }
            }
            unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
                let _ = LIVE.try_with(|l| l.set(l.get() - layout.size() as isize));
                unsafe { System.dealloc(ptr, layout) }
            }
            unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
                let _ = LIVE.try_with(|l| l.set(l.get() + new as isize - layout.size() as isize));
                unsafe { System.realloc(ptr, layout, new) }
            }
        }

        #[global_allocator]
        static COUNTING: Counting = Counting;
    }

    #[test]
    fn the_plan_estimate_covers_what_the_points_hold() {
        // The bundled baseline (66 uncertain paths, weekly plans) and the small test
        // scenario, each swept over 400 random points: the estimate must cover the bytes
        // the points hold once built (it counts them twice, for the allocator's slack and
        // the scenario each point is built from), and not overstate them more than 3 times.
        for (text, file, path) in [
            (
                crate::scenario::BASELINE_TOML,
                "baseline.toml",
                "platforms.tiktok.markets.GB.subsidy.rate=0.1..0.4",
            ),
            (SMALL, "small.toml", "countries.AA.lapse=0.1..0.4"),
        ] {
            let o = SweepOptions {
                vary: vec![path.to_string()],
                design: Some(Design::Random),
                samples: Some(400),
                ..SweepOptions::default()
            };
            let s = Scenario::from_toml_str(text, file).unwrap();
            let before = counting::LIVE.with(|l| l.get());
            let p = plan(s, text, file, &o).unwrap();
            let held = (counting::LIVE.with(|l| l.get()) - before) as u64;
            let first = &p.points[0];
            let estimate = plan_bytes(&first.world, &first.values, &first.uncertain, 400);
            assert!(
                estimate >= held && estimate <= 3 * held,
                "{file}: estimated {estimate} bytes for 400 points, which hold {held}"
            );
        }
    }

    #[test]
    fn without_a_sweep_there_is_one_point_and_no_columns() {
        let p = plan(small(), SMALL, "small.toml", &SweepOptions::default()).unwrap();
        assert_eq!(p.points.len(), 1);
        assert!(p.sweep.is_none() && p.columns().is_empty());
    }

    #[test]
    fn set_changes_one_value_and_keeps_the_rest() {
        let p = plan(
            small(),
            SMALL,
            "small.toml",
            &opts(
                &[
                    "countries.AA.lapse=0.1",
                    "countries.CC.diffusion.network=random",
                ],
                &[],
            ),
        )
        .unwrap();
        assert_eq!(p.base.countries["AA"].lapse, 0.1);
        assert_eq!(p.base.countries["BB"].lapse, 0.2);
        assert_eq!(
            p.base.countries["CC"].diffusion.network,
            crate::scenario::Network::Random
        );
        assert_eq!(p.base.name.as_deref(), Some("small"));
    }

    #[test]
    fn vary_forms_expand_to_points() {
        let p = plan(
            small(),
            SMALL,
            "small.toml",
            &opts(
                &[],
                &[
                    "countries.AA.lapse=0.1,0.2",
                    "countries.AA.agents=1000:3000:1000",
                ],
            ),
        )
        .unwrap();
        assert_eq!(p.points.len(), 6);
        assert_eq!(p.columns(), ["countries.AA.lapse", "countries.AA.agents"]);
        assert_eq!(p.points[5].world.countries[0].spec.agents, 3000);
        assert_eq!(p.points[5].world.countries[0].spec.lapse, 0.2);
    }

    #[test]
    fn a_sweep_table_in_the_file_is_read_and_located_in_errors() {
        let text = format!(
            "{SMALL}\n[sweep]\ndesign = \"zip\"\ntrials = 3\n[sweep.parameters]\n\
             \"countries.AA.lapse\" = [0.1, 0.2]\n\"countries.AA.lapse_after\" = [2, 3]\n"
        );
        let s = Scenario::from_toml_str(&text, "s.toml").unwrap();
        let p = plan(s, &text, "s.toml", &SweepOptions::default()).unwrap();
        assert_eq!(p.points.len(), 2);
        assert_eq!(p.trials_per_point, Some(3));
        let line = text.lines().count() - 1;
        let bad = text.replace("[0.1, 0.2]", "[0.1, 2.0]");
        assert_eq!(
            err(&bad, &SweepOptions::default()),
            format!(
                "s.toml:{line}:24: sweep point 1 (countries.AA.lapse = 2, countries.AA.lapse_after = 3): \
                 `countries.AA.lapse` = 2 is out of range; it must be between 0 and 1"
            )
        );
        let typo = text.replace("\"countries.AA.lapse\"", "\"countries.AA.lapze\"");
        assert!(
            err(&typo, &SweepOptions::default()).starts_with(&format!(
                "s.toml:{line}:24: unknown parameter `countries.AA.lapze`; nearest: `countries.AA.lapse`"
            )),
            "{}",
            err(&typo, &SweepOptions::default())
        );
    }

    #[test]
    fn seed_cannot_be_swept_nor_both_set_and_swept() {
        assert!(
            err(SMALL, &opts(&[], &["seed=1,2"]))
                .starts_with("--vary seed=1,2: `seed` cannot be swept")
        );
        assert_eq!(
            err(
                SMALL,
                &opts(&["countries.AA.lapse=0.1"], &["countries.AA.lapse=0.1,0.2"])
            ),
            "--vary countries.AA.lapse=0.1,0.2: `countries.AA.lapse` is both set with --set and \
             swept; drop one of them"
        );
    }

    #[test]
    fn set_errors_name_the_flag_the_path_and_the_fix() {
        assert_eq!(
            err(SMALL, &opts(&["countries.AA.lapse"], &[])),
            "--set countries.AA.lapse: write it as PATH=VALUE, for example countries.GB.lapse=0.1"
        );
        assert_eq!(
            err(SMALL, &opts(&["countries.AA.lapse=1.5"], &[])),
            "--set countries.AA.lapse=1.5: `countries.AA.lapse` = 1.5 is out of range; it must be \
             between 0 and 1"
        );
        assert!(err(SMALL, &opts(&["countries.AA.lapsee=0.5"], &[]))
            .starts_with("--set countries.AA.lapsee=0.5: unknown parameter `countries.AA.lapsee`; nearest: `countries.AA.lapse`"));
    }
}
