//! The calibration's `report.html`: what [`super`] draws, gathered from a calibration that
//! has stopped. `livemarket calibrate` hands [`write_page`] to the calibration as its
//! observer ([`crate::calibrate::Observer`]), so the calibration never reaches up to the
//! report.
//!
//! One chart per factor, not per parameter: a group's members move together (one uniform
//! level between them), so its first member stands for the group and the prior's label says
//! how many follow it.

use super::{CalibrationView, GenerationView, ParameterView, ParticleView, Side, TargetView};
use crate::calibrate::options::{DistanceKind, KernelKind};
use crate::calibrate::storage::REPORT_HTML;
use crate::calibrate::{Finished, identify, prior, prior_check};
use crate::scenario::uncertain::Uncertain;
use anyhow::Result;
use std::cmp::Ordering;
use std::path::Path;

/// Points of each prior's density line.
const DENSITY_POINTS: usize = 120;

/// Writes `report.html` of a calibration that has stopped, into its folder.
pub fn write_page(finished: &Finished<'_>) -> Result<()> {
    let Finished {
        dir,
        problem,
        checkpoint,
        predictive,
    } = *finished;
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
                prior_density: prior::density_curve(path, u, DENSITY_POINTS),
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
    // Generation 0's particles are its draws from the prior (every one accepted, failed
    // simulations aside): the prior predictive check of `--prior-check` with N = population.
    let gen0: Vec<Vec<f64>> = checkpoint
        .generations
        .first()
        .map(|g| g.particles.iter().map(|p| p.summaries.clone()).collect())
        .unwrap_or_default();
    let prior_draws = gen0.len();
    let prior_check = if gen0.is_empty() {
        Vec::new()
    } else {
        prior_check::judge(problem, &gen0)
    };
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
        format!(
            "Distance: {}; kernel: {}.",
            match r.distance {
                DistanceKind::Fixed => "fixed (the targets file's scales)",
                DistanceKind::Adaptive =>
                    "adaptive (each target's scale the median absolute deviation of the \
                     previous generation's simulations)",
            },
            match r.kernel {
                KernelKind::Mvn => "one Gaussian of the population's covariance (Silverman)",
                KernelKind::Local =>
                    "a Gaussian per particle, of its nearest neighbours' covariance",
            }
        ),
    ];
    if r.defensive > 0.0 {
        notes.push(format!(
            "A defensive mixture: {}% of each generation's proposals drawn from the prior.",
            r.defensive * 100.0
        ));
    }
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
        prior_check,
        prior_draws,
        identification: identify::of(problem, &checkpoint.generations),
    };
    super::write(&dir.join(REPORT_HTML), &view)
}
