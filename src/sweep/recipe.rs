//! A recorded [`Recipe`] turned back into the plan it ran: what `run` does on its way in, and
//! what `--resume`, `summarize`, `merge`, `export` and `report` do to rebuild a finished
//! run's worlds from its manifest.

use super::Plan;
use crate::error::UserError;
use crate::posterior::{self, Posterior};
use crate::results::recipe::{BUNDLED, Recipe};
use crate::results::store::Layout;
use crate::scenario::{BASELINE_TOML, Composed, Scenario, SourceFile};
use crate::world::World;
use anyhow::Result;
use std::path::Path;

/// Reads the run's posterior from disk into the recipe: the file `flag` names
/// (`--posterior`), else the one the scenario's `[uncertain] posterior` names; nothing when
/// neither does.
pub fn read_posterior(recipe: &mut Recipe, flag: Option<&std::path::Path>) -> Result<()> {
    if recipe.no_uncertain {
        recipe.posterior = None;
        return Ok(());
    }
    let (_, composed) = recipe.compose()?;
    recipe.posterior = match posterior::locate(&composed, flag) {
        Some((path, named_by)) => Some(posterior::Source::read(&path, &named_by)?),
        None => None,
    };
    Ok(())
}

/// The scenario, the sweep's points, the seed and the posterior, resolved as `run` resolves
/// them. The posterior is the one the recipe holds: `run` reads it ([`read_posterior`])
/// before it plans; a recipe that never read one (a calibration's, which fits the priors and
/// takes no posterior) plans without, whatever the scenario's `[uncertain] posterior` says.
pub fn plan_recipe(recipe: &Recipe) -> Result<Plan> {
    let mut scenario = if recipe.scenario_file == BUNDLED && recipe.scenario_text == BASELINE_TOML {
        Scenario::baseline()
    } else {
        recipe.compose()?.0
    };
    if recipe.no_uncertain {
        scenario.uncertain = Default::default();
    }
    let mut plan = super::plan(
        scenario,
        &recipe.scenario_text,
        &recipe.scenario_file,
        &recipe.sweep,
    )?;
    if let Some(seed) = recipe.seed {
        plan.reseed(seed);
    }
    for point in &mut plan.points {
        point.world.record_creators = recipe.creators;
    }
    if let Some(source) = &recipe.posterior {
        plan.posterior = Some(posterior_of(source, &plan)?);
    }
    Ok(plan)
}

/// Parses a recorded posterior and checks it against the plan: every column a number
/// parameter of the scenario, every value inside its parameter's valid range, weights finite,
/// non-negative and not all zero ([`Posterior::parse`]), and no distribution of a path it
/// holds swept (the particle's value would replace every draw). A path `--set` or the sweep
/// gives is pinned there: the particle's value of it is not used ([`crate::run::draws`]).
pub fn posterior_of(source: &posterior::Source, plan: &Plan) -> Result<Posterior, UserError> {
    let p = Posterior::parse(&source.text, &source.file, &plan.base)?;
    let mut problems = Vec::new();
    for path in &p.paths {
        for column in plan.columns() {
            let prior = super::uncertain_key(column).map(|(entry, _)| entry);
            if prior == Some(path) {
                problems.push(format!(
                    "the sweep varies `{column}`, but `{path}` is taken from the posterior {}: \
                     each trial takes its particle's value whatever the point, so the points \
                     would not differ; sweep `{path}` itself (which pins it at each point's \
                     value) instead, or remove `posterior` from the scenario's [uncertain] \
                     table to draw it from its distribution",
                    p.file
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(p)
    } else {
        Err(UserError::lines(problems))
    }
}

impl Plan {
    /// Trials at each point of `recipe`'s run: `--trials`, else `[sweep] trials`, else the
    /// scenario's.
    pub fn trials_of(&self, recipe: &Recipe) -> u64 {
        recipe
            .trials
            .unwrap_or(self.trials_per_point.unwrap_or(self.base.trials).into())
    }

    /// What each record of `recipe`'s `trials.bin` must be (its shard's runs, from its first
    /// trial, shaped as this plan's points).
    pub fn store_layout(&self, recipe: &Recipe) -> Layout {
        let worlds: Vec<&World> = self.points.iter().map(|p| &p.world).collect();
        let total = self.trials_of(recipe).saturating_mul(worlds.len() as u64);
        let first_run = recipe.shard.map_or(0, |s| s.range(total).start);
        Layout::new(&worlds, recipe.first_trial, first_run)
    }
}

/// The text of a scenario file (or of the bundled baseline), how to name it, and the files it
/// extends: what a [`Recipe`] records.
pub fn read_scenario(path: Option<&Path>) -> Result<(String, String, Vec<SourceFile>)> {
    Ok(match path {
        Some(p) => {
            let (_, composed) = Scenario::load(p)?;
            let mut files = composed.files;
            let own = files.remove(0);
            (own.text, p.display().to_string(), files)
        }
        None => (BASELINE_TOML.to_string(), BUNDLED.to_string(), Vec::new()),
    })
}

/// The scenario, its text, how to name its file, and the chain of files it was merged from.
pub fn load(path: Option<&Path>) -> Result<(Scenario, String, String, Composed)> {
    Ok(match path {
        Some(p) => {
            let (s, composed) = Scenario::load(p)?;
            let text = composed.files[0].text.clone();
            (s, text, p.display().to_string(), composed)
        }
        None => {
            let composed = crate::scenario::compose::compose(
                BUNDLED,
                BASELINE_TOML,
                &mut crate::scenario::compose::read_disk,
            )?;
            (
                Scenario::baseline(),
                BASELINE_TOML.to_string(),
                BUNDLED.to_string(),
                composed,
            )
        }
    })
}

/// The posterior `flag` names, else the scenario's `[uncertain] posterior`, read and checked
/// against the plan as `run` would (for `check` and `params`); a degenerate one is warned
/// about on stderr.
pub fn posterior_for(
    composed: &Composed,
    flag: Option<&Path>,
    plan: &Plan,
) -> Result<Option<Posterior>> {
    let Some((path, named_by)) = posterior::locate(composed, flag) else {
        return Ok(None);
    };
    let p = posterior_of(&posterior::Source::read(&path, &named_by)?, plan)?;
    if let Some(warning) = p.warning() {
        eprintln!("{warning}");
    }
    Ok(Some(p))
}
