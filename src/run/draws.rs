//! Uncertain parameters in a run: each trial's drawn values, the world they give at each
//! point, and `draws.csv`.
//!
//! A run's world is the point's scenario with the trial's draws set through the same path as
//! `--set` and sweep values ([`params::apply`]), so every range and cross-field rule holds
//! for drawn values too. The draws depend on the trial seed alone (the model's streams are
//! untouched), so trial k draws the same values at every point, on any thread count, in any
//! shard; `draws.csv` is therefore a function of the plan and written whole, never streamed.

use crate::format::{Dialect, Unit};
use crate::model::rng::trial_seed;
use crate::results::{self, DRAWS_CSV};
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
}

impl<'p> Draws<'p> {
    /// None when the scenario has no `[uncertain]` table: runs use the points' worlds as
    /// they are, exactly as before the table existed.
    pub fn of(plan: &'p Plan) -> Option<Draws<'p>> {
        (!plan.base.uncertain.is_empty()).then(|| Draws {
            plan,
            base: params::tree(&plan.base),
        })
    }

    /// The values trial `trial` draws at point `point` (whose distributions a sweep may
    /// change; the uniforms behind them are the trial's alone), in the table's order.
    pub fn values(&self, point: usize, trial: u64) -> Vec<f64> {
        let p = &self.plan.points[point];
        uncertain::draw(&p.uncertain, trial_seed(p.world.seed, trial))
    }

    /// The world of trial `trial` at point `point`: the point's values and the trial's draws
    /// set in the scenario, validated; an error names the trial and its values when a rule
    /// that depends on other keys refuses them.
    pub fn world(&self, point: usize, trial: u64) -> Result<World> {
        let p = &self.plan.points[point];
        let drawn: Vec<toml::Value> = self
            .values(point, trial)
            .into_iter()
            .map(toml::Value::Float)
            .collect();
        let mut set: Vec<(&str, &toml::Value)> = self
            .plan
            .columns()
            .iter()
            .map(String::as_str)
            .zip(&p.values)
            .filter(|(path, _)| crate::sweep::uncertain_key(path).is_none())
            .collect();
        set.extend(
            self.plan
                .base
                .uncertain
                .keys()
                .map(String::as_str)
                .zip(&drawn),
        );
        let scenario = params::apply(&self.base, &set).map_err(|problems| {
            let values: Vec<String> = self
                .plan
                .base
                .uncertain
                .keys()
                .zip(&drawn)
                .map(|(path, v)| format!("{path} = {}", params::show(v)))
                .collect();
            crate::error::UserError(format!(
                "trial {trial} drew {}, which the scenario's rules refuse: {}; narrow the \
                 [uncertain] distributions so every draw is valid with the other keys",
                values.join(", "),
                problems
                    .into_iter()
                    .map(|(_, m)| m)
                    .collect::<Vec<_>>()
                    .join("; ")
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

/// Writes `draws.csv` for runs `runs` of a plan whose trials start at `first_trial` (run r is
/// trial `first_trial + r / points` at point `r % points`): the point columns in a sweep, the
/// trial, its seed and one column per uncertain parameter. Nothing without `[uncertain]`.
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
    results::write_atomically(&dir.join(DRAWS_CSV), |w| {
        let mut w = dialect.writer(w);
        let mut header = prefix_names;
        header.extend(["trial", "seed"].map(String::from));
        header.extend(plan.base.uncertain.keys().cloned());
        w.write_record(&header)?;
        for r in runs {
            let (trial, point) = (
                first_trial + r / points as u64,
                (r % points as u64) as usize,
            );
            let values = draws.values(point, trial);
            let mut row = prefixes[point].clone();
            row.push(trial.to_string());
            row.push(trial_seed(plan.points[point].world.seed, trial).to_string());
            row.extend(values.iter().map(|x| dialect.num(Some(*x), Unit::Plain)));
            w.write_record(&row)?;
        }
        w.flush()?;
        Ok(())
    })
}
