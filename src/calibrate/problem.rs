//! A calibration problem: the scenario, the targets and the options of one `livemarket
//! calibrate` (pyabc's `ABCSMC(models, parameter_priors, distance_function, ...)`): its
//! prior ([`super::prior`]), its simulation, one trial of the scenario (after `--set`) with
//! the particle's values set through the path `--set` takes, on a seed of the attempt's own,
//! its summaries, the targets file's targets that carry a `scale` ([`Summaries`]), and their
//! distance to the targets ([`super::distance`]).

use super::distance::{DistanceRule, ScaledEuclidean};
use super::epsilon::StopRules;
use super::options::{DistanceKind, KernelKind};
use super::prior::{self, LatentPrior};
use super::smc::SmcOptions;
use crate::error::UserError;
use crate::format::Dialect;
use crate::model::simulate;
use crate::run::Recipe;
use crate::scenario::params;
use crate::scenario::uncertain::{self, Uncertain};
use crate::sweep::Plan;
use crate::targets::{Summaries, Targets};
use crate::world::World;
use anyhow::Result;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// Everything that shapes a calibration's results (threads, folder and progress do not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationRecipe {
    /// The scenario and `--set`, as a run records them (no sweep: `[sweep]` is ignored).
    pub scenario: Recipe,
    /// The targets file as given, and its text.
    pub targets_file: String,
    pub targets_text: String,
    pub population: usize,
    pub quantile: f64,
    pub min_tolerance: f64,
    pub min_acceptance: f64,
    pub max_simulations: u64,
    pub max_generations: usize,
    pub seed: u64,
    /// Attempts per batch: fixed, so results do not depend on threads or shards.
    pub batch: usize,
    /// Posterior predictive simulations once the calibration stops.
    pub predictive: usize,
    pub csv_dialect: Dialect,
    /// The distance (`--distance`); left out of the checkpoint when it is the default, so a
    /// fixed calibration's `calibration.json` and shard files are what they were.
    #[serde(default, skip_serializing_if = "DistanceKind::is_default")]
    pub distance: DistanceKind,
    /// The kernel (`--kernel`); left out when it is the default, as the distance is.
    #[serde(default, skip_serializing_if = "KernelKind::is_default")]
    pub kernel: KernelKind,
    /// The share of proposals from the prior (`--defensive`); left out when 0, as the
    /// distance is.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub defensive: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl CalibrationRecipe {
    /// The sampler's options.
    pub fn smc(&self) -> SmcOptions {
        SmcOptions {
            population: self.population,
            quantile: self.quantile,
            stop: StopRules {
                min_epsilon: self.min_tolerance,
                min_acceptance: self.min_acceptance,
                max_simulations: self.max_simulations,
                max_generations: self.max_generations,
            },
            seed: self.seed,
            batch: self.batch,
            distance: self.distance,
            kernel: self.kernel,
            defensive: self.defensive,
            deadline: None,
        }
    }

    /// Checks the options that have a valid range, naming the flag to fix.
    pub fn validate(&self) -> Result<(), UserError> {
        let mut problems = Vec::new();
        if self.population < 2 {
            problems.push("--population must be at least 2".to_string());
        }
        if !(self.quantile > 0.0 && self.quantile < 1.0) {
            problems.push(format!(
                "--quantile {} must lie strictly between 0 and 1 (0.5 halves the tolerance's \
                 quantile each generation)",
                self.quantile
            ));
        }
        if !(self.min_tolerance >= 0.0 && self.min_tolerance.is_finite()) {
            problems.push("--min-tolerance must be 0 or more".to_string());
        }
        if !(0.0..=1.0).contains(&self.min_acceptance) {
            problems.push("--min-acceptance must lie between 0 and 1".to_string());
        }
        if self.max_generations == 0 {
            problems.push("--max-generations must be at least 1".to_string());
        }
        if self.batch == 0 {
            problems.push("--batch must be at least 1".to_string());
        }
        if !(0.0..1.0).contains(&self.defensive) {
            problems.push(format!(
                "--defensive {} must be 0 or more and below 1 (0.05 draws one proposal in 20 \
                 from the prior)",
                self.defensive
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(UserError::lines(problems))
        }
    }
}

/// A calibration, resolved: the scenario, its uncertain parameters and the summaries.
pub struct Problem {
    pub recipe: CalibrationRecipe,
    pub plan: Plan,
    /// The priors: the scenario's `[uncertain]` table.
    pub table: IndexMap<String, Uncertain>,
    pub factors: uncertain::Factors,
    pub summaries: Summaries,
    /// How each generation measures a simulation's summaries against the targets.
    distance: Box<dyn DistanceRule>,
    /// The scenario after `--set`, as a tree each particle's values are set in.
    base: toml::Table,
}

impl Problem {
    /// Resolves a recipe: an error when the scenario has no `[uncertain]` table or the
    /// targets file nothing to calibrate to.
    pub fn new(recipe: CalibrationRecipe) -> Result<Problem> {
        recipe.validate()?;
        let mut scenario = recipe.scenario.clone();
        scenario.sweep.no_sweep = true;
        let plan = crate::sweep::plan_recipe(&scenario)?;
        let table = plan.base.uncertain.params.clone();
        if table.is_empty() {
            return Err(UserError(format!(
                "{} has no [uncertain] table, so there is nothing to calibrate; give the \
                 parameters to fit a prior, e.g. `[uncertain]` then \
                 `\"countries.GB.live_affinity.mean\" = {{ dist = \"uniform\", min = 0.2, max = \
                 0.5 }}` (docs/calibration.md)",
                recipe.scenario.scenario_file
            ))
            .into());
        }
        // A what-if pins an uncertain parameter (run); calibrate fits every one of them.
        let pinned: Vec<String> = plan
            .overrides
            .iter()
            .zip(&plan.set_paths)
            .filter(|(_, path)| table.contains_key(*path))
            .map(|(raw, path)| {
                format!(
                    "--set {raw}: `{path}` is one of the [uncertain] parameters calibrate fits, \
                     so it cannot be set; remove it from [uncertain] in a scenario of your own \
                     to calibrate with it fixed, or drop --set"
                )
            })
            .collect();
        if !pinned.is_empty() {
            return Err(UserError::lines(pinned).into());
        }
        let targets = Targets::from_toml_str(&recipe.targets_text, &recipe.targets_file)?;
        let summaries = Summaries::of(&targets, &plan.points[0].world)?;
        // The distance, chosen by the options (fixed or adaptive, over the file's scales).
        let distance = recipe
            .smc()
            .distance(ScaledEuclidean::of_targets(&summaries.targets));
        let factors = uncertain::factors(&table);
        let base = params::tree(&plan.base);
        Ok(Problem {
            recipe,
            plan,
            table,
            factors,
            summaries,
            distance,
            base,
        })
    }

    /// The parameters' values at latent factors `z` (standard normal each).
    pub fn values(&self, z: &[f64]) -> Vec<f64> {
        prior::values(&self.table, &self.factors, z)
    }

    /// The world of one simulation at `values`, on `seed`.
    pub fn world(&self, values: &[f64], seed: u64) -> Result<World, UserError> {
        let drawn: Vec<toml::Value> = values.iter().map(|&x| toml::Value::Float(x)).collect();
        let set: Vec<(&str, &toml::Value)> =
            self.table.keys().map(String::as_str).zip(&drawn).collect();
        let scenario = params::apply(&self.base, &set).map_err(|problems| {
            UserError(format!(
                "the calibration proposed {}, which the scenario's rules refuse: {}; narrow \
                 the [uncertain] distributions so every value is valid with the other keys",
                crate::run::draws::shown(set.iter().copied()),
                crate::run::draws::reasons(problems)
            ))
        })?;
        let template = &self.plan.points[0].world;
        let mut w = World::new(&scenario);
        w.name.clone_from(&template.name);
        w.full_scan = template.full_scan;
        w.seed = seed;
        Ok(w)
    }

    /// The summaries of one simulation at latent factors `z`.
    pub fn simulate(&self, z: &[f64], seed: u64) -> Result<Vec<f64>, UserError> {
        let world = self.world(&self.values(z), seed)?;
        let r = simulate(&world, 0);
        Ok(self.summaries.measure(&world, &r))
    }

    /// How each generation measures summaries against the targets: generation g's distance
    /// is `distance().at(&generations[..g])`.
    pub fn distance(&self) -> &dyn DistanceRule {
        &*self.distance
    }

    /// The sampler's prior over the latent factors.
    pub fn prior(&self) -> LatentPrior {
        LatentPrior {
            dims: self.factors.count,
        }
    }
}

/// Estimated bytes a calibration holds at its peak: `threads` simulations running, every
/// generation's particles (the checkpoint holds them all, and writing it a copy), a batch of
/// attempts, and the posterior predictive's simulations. Saturating: a count near u64::MAX
/// reads as too much, never wraps to little.
pub fn memory_bytes(problem: &Problem, threads: usize) -> (u64, u64) {
    use std::mem::size_of;
    let r = &problem.recipe;
    let trial = crate::model::trial_memory_bytes(&problem.plan.points[0].world);
    let d = problem.factors.count as u64;
    let k = problem.summaries.targets.len() as u64;
    let particle = size_of::<super::population::Particle>() as u64 + 8 * (d + k);
    let attempt = size_of::<super::sampler::Attempt>() as u64 + 8 * d + 16 * k;
    let row = size_of::<(usize, Vec<f64>)>() as u64 + 8 * k;
    let held = particle
        .saturating_mul(r.population as u64)
        .saturating_mul((r.max_generations as u64).saturating_add(1))
        .saturating_mul(2)
        .saturating_add(attempt.saturating_mul(r.batch as u64))
        .saturating_add(row.saturating_mul(r.predictive as u64));
    (
        trial,
        trial
            .saturating_mul(threads.max(1) as u64)
            .saturating_add(held),
    )
}

/// The run's memory guard for a calibration: refuses one whose estimate is more than the
/// machine has available (unless `allow_memory`), before anything is built or written.
pub fn memory_guard(problem: &Problem, threads: usize, allow_memory: bool) -> Result<()> {
    let (trial, peak) = memory_bytes(problem, threads);
    if let Some(available) = crate::sweep::available_memory()
        && peak > available
        && !allow_memory
    {
        return Err(UserError(format!(
            "the calibration needs an estimated {:.1} GB ({threads} running simulation(s) × \
             {:.2} GB + {:.2} GB of particles, attempts and predictive simulations), more than \
             the {:.1} GB this machine has available; lower --population, --batch, \
             --predictive or --threads, or pass --allow-memory to run anyway",
            peak as f64 / 1e9,
            trial as f64 / 1e9,
            peak.saturating_sub(trial.saturating_mul(threads.max(1) as u64)) as f64 / 1e9,
            available as f64 / 1e9
        ))
        .into());
    }
    Ok(())
}
