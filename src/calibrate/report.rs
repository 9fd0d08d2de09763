//! The calibration's `report.html`: what [`crate::report::calibration`] draws, gathered
//! from a calibration's checkpoint.
//!
//! One chart per factor, not per parameter: a group's members move together (one uniform
//! level between them), so its first member stands for the group and the prior's label says
//! how many follow it.

use super::Problem;
use super::folder::{Checkpoint, REPORT_HTML};
use crate::report::calibration::{
    CalibrationView, GenerationView, ParameterView, ParticleView, Side, TargetView,
};
use crate::scenario::uncertain::{self, Uncertain};
use anyhow::Result;
use std::cmp::Ordering;
use std::path::Path;

/// Points of each prior's density line.
const DENSITY_POINTS: usize = 120;

/// The truncated prior's density across its 0.5%-99.5% range, by differences of its CDF.
fn prior_density(path: &str, u: &Uncertain) -> Vec<(f64, f64)> {
    let Ok(b) = uncertain::bounds_of(path) else {
        return Vec::new();
    };
    let mass = uncertain::mass(&u.dist, &b);
    let lo = uncertain::truncated_quantile(&u.dist, &b, 0.005);
    let hi = uncertain::truncated_quantile(&u.dist, &b, 0.995);
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) || mass.is_nan() || mass <= 0.0 {
        return Vec::new();
    }
    let step = (hi - lo) / (DENSITY_POINTS - 1) as f64;
    let h = step / 2.0;
    (0..DENSITY_POINTS)
        .map(|i| {
            let x = lo + step * i as f64;
            let d = (u.dist.cdf((x + h).min(b.hi)) - u.dist.cdf((x - h).max(b.lo)))
                / ((x + h).min(b.hi) - (x - h).max(b.lo))
                / mass;
            (x, d.max(0.0))
        })
        .collect()
}

/// Writes `dir/report.html` of a calibration.
pub fn write(
    dir: &Path,
    problem: &Problem,
    checkpoint: &Checkpoint,
    predictive: &[(usize, Vec<f64>)],
) -> Result<()> {
    // The first member of each factor.
    let f = &problem.factors;
    let firsts: Vec<usize> = (0..f.count)
        .map(|k| {
            f.of.iter()
                .position(|&x| x == k)
                .expect("every factor has a member")
        })
        .collect();
    let paths: Vec<(&String, &Uncertain)> = problem.table.iter().collect();
    let parameters = firsts
        .iter()
        .map(|&i| {
            let (path, u) = paths[i];
            let members = f.of.iter().filter(|&&x| x == f.of[i]).count();
            let prior = match &u.group {
                Some(g) if members > 1 => format!(
                    "{}, group {g} (with {} more parameter(s) that move with it)",
                    u.dist,
                    members - 1
                ),
                _ => u.dist.to_string(),
            };
            ParameterView {
                path: path.clone(),
                prior,
                prior_density: prior_density(path, u),
            }
        })
        .collect();
    let targets = problem
        .summaries
        .targets
        .iter()
        .map(|t| TargetView {
            name: t.name.clone(),
            label: t.label.clone(),
            value: t.value,
            scale: t.scale.unwrap_or(f64::NAN),
            side: match t.side() {
                Ordering::Equal => Side::Two,
                Ordering::Greater => Side::Above,
                Ordering::Less => Side::Below,
            },
        })
        .collect();
    let generations = checkpoint
        .generations
        .iter()
        .enumerate()
        .map(|(g, gen_)| GenerationView {
            tolerance: gen_.epsilon,
            acceptance_rate: gen_.acceptance,
            ess: gen_.ess,
            simulations: gen_.simulations,
            seconds: checkpoint.seconds.get(g).copied().unwrap_or(f64::NAN),
            particles: gen_
                .particles
                .iter()
                .map(|p| {
                    let values = problem.values(&p.theta);
                    ParticleView {
                        weight: p.weight,
                        theta: firsts.iter().map(|&i| values[i]).collect(),
                        summaries: p.summaries.clone(),
                        distance: p.distance,
                    }
                })
                .collect(),
        })
        .collect();
    let r = &problem.recipe;
    let mut notes = vec![
        format!(
            "Stopped: {}.",
            checkpoint.stop.as_deref().unwrap_or("not yet")
        ),
        format!(
            "Population {}, tolerance quantile {}, seed {}, batches of {}; {} posterior \
             predictive simulations.",
            r.population, r.quantile, r.seed, r.batch, r.predictive
        ),
    ];
    if !r.scenario.sweep.set.is_empty() {
        notes.push(format!(
            "Simulated with --set {}.",
            r.scenario.sweep.set.join(" --set ")
        ));
    }
    notes.push(format!("Command: {}", checkpoint.command_line.join(" ")));
    let view = CalibrationView {
        title: format!(
            "{} calibrated to {}",
            problem.plan.base.display_name(),
            Path::new(&r.targets_file)
                .file_name()
                .map_or(r.targets_file.clone(), |n| n.to_string_lossy().into_owned())
        ),
        notes,
        parameters,
        targets,
        generations,
        predictive: predictive.iter().map(|(_, s)| s.clone()).collect(),
    };
    crate::report::calibration::write(&dir.join(REPORT_HTML), &view)
}
