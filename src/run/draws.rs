//! Uncertain parameters in a run: each trial's drawn values (and, with a posterior, its
//! particle's values), the world they give at each point, and `draws.csv`.
//!
//! A run's world is the point's scenario with the trial's draws set through the same path as
//! `--set` and sweep values ([`params::apply`]), so every range and cross-field rule holds
//! for drawn values too. The draws depend on the trial seed alone (the model's streams are
//! untouched), so trial k draws the same values at every point, on any thread count, in any
//! shard; `draws.csv` is therefore a function of the plan and written whole, never streamed.

use crate::format::{Dialect, Unit};
use crate::model::rng::trial_seed;
use crate::results::ResultDir;
use crate::results::{self};
use crate::scenario::params;
use crate::scenario::uncertain;
use crate::sweep::Plan;
use crate::world::World;
use anyhow::Result;
use std::path::Path;

/// What a run needs to give each trial its drawn values.
pub struct Draws<'p> {
    plan: &'p Plan,
    /// The scenario after `--set`, as a tree every point's and trial's values are set in.
    base: toml::Table,
    /// The parameters a trial gets values of, in `draws.csv`'s order: the posterior's paths,
    /// then the `[uncertain]` entries the posterior does not hold.
    columns: Vec<String>,
    /// For each `[uncertain]` entry, whether its draw is used (the posterior's value wins
    /// for a path both give: it is the calibrated version of that prior).
    drawn: Vec<bool>,
    /// The columns `--set` pins, with the value set: every trial takes it in place of its
    /// draw or its particle's value.
    set: Vec<(usize, f64)>,
    /// The columns the sweep pins, with the sweep column whose value each point gives them.
    swept: Vec<(usize, usize)>,
}

/// An uncertain parameter (a draws column) that `--set` or the sweep pins: every trial takes
/// the value given instead of its own, and every other parameter keeps its draw or its
/// particle's value, not conditioned on the pinned one.
#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    pub path: String,
    /// The value `--set` gives; None for a swept parameter (each point's value).
    pub value: Option<f64>,
}

impl Pin {
    /// How `check` and `params` describe it.
    pub fn describe(&self) -> String {
        match self.value {
            Some(x) => format!("pinned at {} by --set", crate::num::Plain(x)),
            None => "pinned at each sweep point's value".to_string(),
        }
    }
}

/// The uncertain parameters `--set` or the sweep pins, in the draws' column order.
pub fn pins(plan: &Plan) -> Vec<Pin> {
    Draws::of(plan).map_or_else(Vec::new, |d| {
        let mut pins: Vec<(usize, Pin)> = d
            .set
            .iter()
            .map(|&(c, x)| {
                (
                    c,
                    Pin {
                        path: d.columns[c].clone(),
                        value: Some(x),
                    },
                )
            })
            .chain(d.swept.iter().map(|&(c, _)| {
                (
                    c,
                    Pin {
                        path: d.columns[c].clone(),
                        value: None,
                    },
                )
            }))
            .collect();
        pins.sort_by_key(|(c, _)| *c);
        pins.into_iter().map(|(_, p)| p).collect()
    })
}

/// The one-line notice `run`, `check` and `params` print on stderr when a plan pins uncertain
/// parameters; None when it pins none.
pub fn notice(plan: &Plan) -> Option<String> {
    let pins = pins(plan);
    if pins.is_empty() {
        return None;
    }
    let named: Vec<String> = pins
        .iter()
        .map(|p| match p.value {
            Some(x) => format!("`{}` = {}", p.path, crate::num::Plain(x)),
            None => format!("`{}` (each point's value)", p.path),
        })
        .collect();
    Some(format!(
        "note: {} pinned in every trial; the other uncertain parameters keep their own draws \
         (or particle's values), not conditioned on {}",
        named.join(", "),
        if pins.len() == 1 { "it" } else { "them" }
    ))
}

/// One trial's values at one point.
pub struct Drawn {
    /// The posterior's particle the trial took (its row), if the run has a posterior.
    pub particle: Option<usize>,
    /// Values aligned with the draws' columns.
    pub values: Vec<f64>,
}

impl<'p> Draws<'p> {
    /// None when the scenario has no `[uncertain]` distributions and the run no posterior:
    /// runs use the points' worlds as they are, exactly as before either existed.
    pub fn of(plan: &'p Plan) -> Option<Draws<'p>> {
        if plan.base.uncertain.is_empty() && plan.posterior.is_none() {
            return None;
        }
        let taken: &[String] = plan.posterior.as_ref().map_or(&[], |p| &p.paths);
        let drawn: Vec<bool> = plan
            .base
            .uncertain
            .keys()
            .map(|k| !taken.contains(k))
            .collect();
        let mut columns = taken.to_vec();
        columns.extend(
            plan.base
                .uncertain
                .keys()
                .zip(&drawn)
                .filter(|(_, d)| **d)
                .map(|(k, _)| k.clone()),
        );
        let number = |v: &toml::Value| v.as_float().or(v.as_integer().map(|i| i as f64));
        let all = params::params(&plan.base);
        let set = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| plan.set_paths.contains(c))
            .filter_map(|(i, c)| {
                let p = params::lookup(&all, c).ok()?;
                Some((i, p.value.as_ref().and_then(number)?))
            })
            .collect();
        let swept = columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i, plan.columns().iter().position(|s| s == c)?)))
            .collect();
        Some(Draws {
            plan,
            base: params::tree(&plan.base),
            columns,
            drawn,
            set,
            swept,
        })
    }

    /// The parameter paths of [`Drawn::values`].
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The values trial `trial` takes at point `point`: its particle's, then its draws from
    /// the point's distributions (which a sweep may change; the uniforms behind them are the
    /// trial's alone), with the pinned parameters at the value `--set` or the point gives. The particle and the uniforms come from streams of the trial seed of
    /// their own, so each is the same at every point and neither moves the other.
    pub fn values(&self, point: usize, trial: u64) -> Drawn {
        let p = &self.plan.points[point];
        let seed = trial_seed(p.world.seed, trial);
        let mut values = Vec::with_capacity(self.columns.len());
        let particle = self.plan.posterior.as_ref().map(|post| {
            let i = post.pick(seed);
            values.extend_from_slice(&post.values[i]);
            i
        });
        values.extend(
            uncertain::draw(&p.uncertain, seed)
                .into_iter()
                .zip(&self.drawn)
                .filter(|(_, d)| **d)
                .map(|(x, _)| x),
        );
        for &(c, x) in &self.set {
            values[c] = x;
        }
        let number = |v: &toml::Value| v.as_float().or(v.as_integer().map(|i| i as f64));
        for &(c, s) in &self.swept {
            if let Some(x) = number(&p.values[s]) {
                values[c] = x;
            }
        }
        Drawn { particle, values }
    }

    /// The world of trial `trial` at point `point`: the point's values and the trial's
    /// values set in the scenario, validated; an error names the trial, its particle and its
    /// values when a rule that depends on other keys refuses them.
    pub fn world(&self, point: usize, trial: u64) -> Result<World> {
        let p = &self.plan.points[point];
        let drawn = self.values(point, trial);
        let cells: Vec<toml::Value> = drawn
            .values
            .iter()
            .map(|&x| toml::Value::Float(x))
            .collect();
        let mut set: Vec<(&str, &toml::Value)> = self
            .plan
            .columns()
            .iter()
            .map(String::as_str)
            .zip(&p.values)
            .filter(|(path, _)| crate::sweep::uncertain_key(path).is_none())
            .collect();
        set.extend(self.columns.iter().map(String::as_str).zip(&cells));
        let scenario = params::apply(&self.base, &set).map_err(|problems| {
            let values = shown(self.columns.iter().map(String::as_str).zip(&cells));
            let (took, fix) = match (drawn.particle, &self.plan.posterior) {
                (Some(i), Some(post)) => (
                    format!("took particle {} of {} and ", post.ids[i], post.file),
                    "the posterior was calibrated with other values of the keys these rules \
                     also read: calibrate again with this scenario, narrow the [uncertain] \
                     distributions, or run every trial at the scenario's own values with \
                     --no-uncertain",
                ),
                _ => (
                    String::new(),
                    "narrow the [uncertain] distributions so every draw is valid with the \
                     other keys, or run every trial at the scenario's own values with \
                     --no-uncertain",
                ),
            };
            crate::error::UserError(format!(
                "trial {trial} {took}drew {values}, which the scenario's rules refuse: {}; {fix}",
                reasons(problems)
            ))
        })?;
        let mut w = World::new(&scenario);
        w.name.clone_from(&p.world.name);
        w.seed = p.world.seed;
        w.full_scan = p.world.full_scan;
        w.record_creators = p.world.record_creators;
        Ok(w)
    }
}

/// Parameter values as a message shows them: `a.b = 1, c.d = 2`.
pub(crate) fn shown<'a>(set: impl Iterator<Item = (&'a str, &'a toml::Value)>) -> String {
    set.map(|(path, v)| format!("{path} = {}", params::show(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The messages of the rules `params::apply` found broken, joined.
pub(crate) fn reasons(problems: Vec<(String, String)>) -> String {
    problems
        .into_iter()
        .map(|(_, m)| m)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes `draws.csv` for runs `runs` of a plan whose trials start at `first_trial` (run r is
/// trial `first_trial + r / points` at point `r % points`): the point columns in a sweep, the
/// trial, the particle it took (with a posterior), its seed and one column per parameter it
/// was given. Nothing without `[uncertain]` distributions or a posterior.
pub fn write(
    dir: &Path,
    plan: &Plan,
    first_trial: u64,
    runs: std::ops::Range<u64>,
    dialect: Dialect,
) -> Result<()> {
    let Some(draws) = Draws::of(plan) else {
        return Ok(());
    };
    let points = plan.points.len();
    let columns = super::point_columns(plan);
    let (prefix_names, prefixes) = results::point_prefixes(columns.as_ref(), points, dialect);
    results::write_atomically(&ResultDir::new(dir).draws_csv(), |w| {
        let mut w = dialect.writer(w);
        let mut header = prefix_names;
        header.push("trial".to_string());
        // The particle before the seed: readers take the columns after `seed` as parameters.
        if plan.posterior.is_some() {
            header.push("particle".to_string());
        }
        header.push("seed".to_string());
        header.extend(
            draws
                .columns()
                .iter()
                .map(|c| crate::format::neutralise(c).into_owned()),
        );
        w.write_record(&header)?;
        for r in runs {
            let (trial, point) = (
                first_trial + r / points as u64,
                (r % points as u64) as usize,
            );
            let drawn = draws.values(point, trial);
            let mut row = prefixes[point].clone();
            row.push(trial.to_string());
            if let (Some(i), Some(post)) = (drawn.particle, &plan.posterior) {
                row.push(post.ids[i].to_string());
            }
            row.push(trial_seed(plan.points[point].world.seed, trial).to_string());
            row.extend(
                drawn
                    .values
                    .iter()
                    .map(|x| dialect.num(Some(*x), Unit::Plain)),
            );
            w.write_record(&row)?;
        }
        w.flush()?;
        Ok(())
    })
}
