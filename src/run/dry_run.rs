//! `run --dry-run`: the design, the runs, and the estimated memory and time, printed for a
//! person; nothing is written.

use super::{Estimate, RunOptions};
use crate::format;
use crate::scenario::params::show;
use crate::sweep::Plan;
use crate::table;
use std::io::Write;

/// Points shown by `--dry-run`; points.csv lists them all.
const SHOWN_POINTS: usize = 20;

/// The design, the runs, and the estimated memory and time.
pub fn print(
    plan: &Plan,
    opts: &RunOptions,
    e: &Estimate,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let points = plan.points.len() as u64;
    let name = plan.base.display_name();
    match &plan.sweep {
        None => writeln!(
            out,
            "{name}: no sweep, {} trials (trials {} to {})",
            opts.trials,
            opts.first_trial,
            opts.first_trial + opts.trials.saturating_sub(1)
        )?,
        Some(s) => {
            let design = match s.design {
                crate::scenario::Design::Grid => "grid".to_string(),
                crate::scenario::Design::Zip => "zip".to_string(),
                crate::scenario::Design::Lhs => format!("lhs, design seed {}", s.seed),
                crate::scenario::Design::Random => format!("random, design seed {}", s.seed),
                crate::scenario::Design::Morris => format!(
                    "morris, {} trajectories, {} levels, design seed {}",
                    s.trajectories.unwrap_or(0),
                    s.levels.unwrap_or(4),
                    s.seed
                ),
            };
            writeln!(
                out,
                "{name}: {points} points ({design}) × {} trials = {} runs",
                opts.trials,
                points * opts.trials
            )?;
            writeln!(out)?;
            let mut header = vec!["point".to_string()];
            header.extend(s.parameters.iter().cloned());
            let rows: Vec<Vec<String>> = plan
                .points
                .iter()
                .take(SHOWN_POINTS)
                .enumerate()
                .map(|(k, p)| {
                    std::iter::once(k.to_string())
                        .chain(p.values.iter().map(show))
                        .collect()
                })
                .collect();
            table::left_aligned(&header, &rows, out)?;
            if plan.points.len() > SHOWN_POINTS {
                writeln!(
                    out,
                    "... {} more (points.csv will list every point)",
                    plan.points.len() - SHOWN_POINTS
                )?;
            }
            writeln!(out)?;
            writeln!(
                out,
                "Trial k has the same seed at every point (common random numbers); runs go \
                 trial by trial across the points."
            )?;
        }
    }
    if let Some(p) = &plan.posterior {
        writeln!(
            out,
            "posterior: {}: each trial takes one of its {} particles by weight (effective \
             sample size {:.1}), for {} parameter(s)",
            p.file,
            p.weights.len(),
            p.ess(),
            p.paths.len()
        )?;
    } else if !plan.base.uncertain.is_empty() {
        writeln!(
            out,
            "uncertain: each trial draws {} parameter(s) from the [uncertain] table",
            plan.base.uncertain.len()
        )?;
    }
    let mb = |b: u64| b as f64 / 1e6;
    writeln!(
        out,
        "memory: about {:.1} MB ({} threads × {:.1} MB per running trial + {:.1} MB to \
         summarise + {:.1} MB for the plan's {} point(s))",
        mb(e.peak_bytes),
        opts.threads,
        mb(e.trial_bytes),
        mb(e.held_bytes),
        mb(e.plan_bytes),
        plan.points.len()
    )?;
    writeln!(
        out,
        "disk: about {:.1} MB of trial data (trials.bin), besides the CSV files",
        mb(e.store_bytes)
    )?;
    writeln!(
        out,
        "time: about {} on {} threads (measured: trial {} of {} took {:.2} s on one thread)",
        format::duration(e.seconds),
        opts.threads,
        opts.first_trial,
        if plan.sweep.is_some() {
            "point 0"
        } else {
            "the scenario"
        },
        e.calibration_seconds
    )?;
    writeln!(
        out,
        "nothing written; without --dry-run the results go to {}",
        opts.out.display()
    )
}
