//! `livemarket summarize DIR`: `summary.csv`, `weekly.csv` and `headline.csv` written again from the runs in
//! a folder's `trials.bin`, e.g. after they could not be written, or of an interrupted run so
//! far; a run that was only missing its summaries is then marked complete.

use crate::results::ResultDir;
use crate::results::{self, Status, manifest};
use crate::run::{SUMMARY_BUDGET, point_columns};
use crate::world::World;
use anyhow::{Context, Result};
use std::path::Path;

/// `livemarket summarize DIR`: rewrites `summary.csv` and `weekly.csv` from the runs in the
/// folder's `trials.bin`. Returns the runs summarised and the runs the folder's run was to
/// hold.
pub fn summarize(dir: &Path) -> Result<(u64, u64)> {
    let recorded = manifest::read(dir)?;
    ResultDir::new(dir).existing_store("the summaries are computed")?;
    // The half-written files of a killed writer go: only whole files are left.
    results::files::remove_temporaries(dir)?;
    let plan = crate::sweep::plan_recipe(&recorded.recipe).with_context(|| {
        format!(
            "cannot rebuild the run recorded in {}",
            ResultDir::new(dir).manifest_json().display()
        )
    })?;
    let worlds: Vec<&World> = plan.points.iter().map(|p| &p.world).collect();
    let total = plan
        .trials_of(&recorded.recipe)
        .checked_mul(worlds.len() as u64)
        .with_context(|| {
            format!(
                "{} records more runs than can be counted; it is damaged",
                ResultDir::new(dir).manifest_json().display()
            )
        })?;
    let runs = recorded.recipe.shard.map_or(0..total, |s| s.range(total));
    let columns = point_columns(&plan);
    let done = results::write_summaries(
        dir,
        &worlds,
        columns.as_ref(),
        &results::headline::Spec::of(&plan.base, plan.sweep.as_ref())?,
        SUMMARY_BUDGET,
        recorded.runs_done,
        &plan.store_layout(&recorded.recipe),
        recorded.recipe.csv_dialect,
    )?;
    if recorded.status == Status::Interrupted && done == runs.end - runs.start {
        // Every run was in: only the summaries were missing, and now they are not.
        manifest::mark_complete(dir, manifest::now())?;
    }
    Ok((done, runs.end - runs.start))
}

/// `livemarket summarize DIR`: the summaries written again under the folder's write lock, and
/// a line saying how many runs they hold.
pub fn command(dir: &Path, quiet: bool) -> Result<()> {
    results::files::refuse_as_run_folder(dir)?;
    let _lock = crate::lock::hold(dir, crate::lock::Access::Write)?;
    let (done, runs) = summarize(dir)?;
    if !quiet {
        let of = if done < runs {
            format!(" of {runs} (the run is not complete: these are the summaries so far)")
        } else {
            String::new()
        };
        println!(
            "summary.csv, weekly.csv and headline.csv of {} run(s){of} written in {}",
            done,
            dir.display()
        );
    }
    Ok(())
}
