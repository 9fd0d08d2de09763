//! The prior predictive check (`calibrate --prior-check`, and the first section of a
//! calibration's report): before calibrating, what the targets' quantities look like under
//! the prior alone, and how many prior draws already meet each target. A target that every
//! draw meets cannot inform the calibration (its distance is 0 whatever the parameters); one
//! that no draw meets asks for something the prior does not reach.
//!
//! The draws are generation 0's attempts 0, 1, …, N−1 (each a draw from the prior,
//! simulated once on a seed of its own), so with N = `--population` the check is the
//! calibration's own first generation, and its report shows the same numbers. Each draw is
//! judged as a run of one trial by its target's check, the targets module's own (a median or
//! a mean of one trial is that trial's value; "in every trial" is that trial): a check that
//! judges trials as a group is here a statement about each draw.

use super::Problem;
use super::sampler::{Attempt, Proposal};
use crate::format::{Unit, human};
use crate::results::files::write_atomically;
use crate::stats::quantile;
use crate::targets::Targets;
use anyhow::Result;
use rayon::prelude::*;
use std::path::Path;

/// One target under the prior.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetCheck {
    pub name: String,
    pub label: String,
    /// The target and its check in words (`$950 m ±30% (median)`).
    pub check: String,
    pub unit: Unit,
    /// 5%, 50% and 95% quantiles (type 7) of the finite draws; NaN when there are none.
    pub p05: f64,
    pub median: f64,
    pub p95: f64,
    /// Share of the finite draws that meet the target.
    pub meets: f64,
    /// Draws with a finite value.
    pub draws: usize,
    /// Draws whose simulation gave no number.
    pub failed: usize,
}

impl TargetCheck {
    /// "cannot inform" when every draw meets the target, "no draw meets it" when none does.
    pub fn flag(&self) -> Option<&'static str> {
        if self.draws == 0 {
            None
        } else if self.meets >= 1.0 {
            Some("cannot inform")
        } else if self.meets <= 0.0 {
            Some("no draw meets it")
        } else {
            None
        }
    }
}

/// The summaries of generation 0's attempts 0..n (draws from the prior), in order; a
/// summary that is not a number stays NaN.
pub fn draws(problem: &Problem, n: usize) -> Result<Vec<Vec<f64>>> {
    let prior = problem.prior();
    let opts = problem.recipe.smc();
    let proposal = Proposal::next(&prior, &[], &opts, problem.distance())
        .expect("generation 0 draws from the prior");
    let attempts = (0..n as u64)
        .into_par_iter()
        .map(|i| proposal.attempt(i, &|z, seed| problem.simulate(z, seed)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(attempts
        .into_iter()
        .filter_map(|a| match a {
            Attempt::Refused => None,
            Attempt::Simulated { summaries, .. } => Some(
                summaries
                    .into_iter()
                    .map(|x| x.unwrap_or(f64::NAN))
                    .collect(),
            ),
        })
        .collect())
}

/// Each calibrated target judged over `rows` (one row of summaries per draw).
pub fn judge(problem: &Problem, rows: &[Vec<f64>]) -> Vec<TargetCheck> {
    problem
        .summaries
        .targets
        .iter()
        .enumerate()
        .map(|(t, target)| {
            let one = Targets {
                file: problem.recipe.targets_file.clone(),
                targets: vec![target.clone()],
            };
            let mut values: Vec<f64> = rows
                .iter()
                .filter_map(|r| r.get(t).copied())
                .filter(|x| x.is_finite())
                .collect();
            let failed = rows.len() - values.len();
            let met = values
                .iter()
                .filter(|&&x| one.judge_values(vec![vec![x]])[0].holds)
                .count();
            values.sort_by(f64::total_cmp);
            let q = |p| {
                if values.is_empty() {
                    f64::NAN
                } else {
                    quantile(&values, p)
                }
            };
            TargetCheck {
                name: target.name.clone(),
                label: target.label.clone(),
                check: target.describe(),
                unit: target.quantity.unit(),
                p05: q(0.05),
                median: q(0.5),
                p95: q(0.95),
                meets: if values.is_empty() {
                    f64::NAN
                } else {
                    met as f64 / values.len() as f64
                },
                draws: values.len(),
                failed,
            }
        })
        .collect()
}

/// The table printed: one line per target, then the flagged ones.
pub fn lines(checks: &[TargetCheck], n: usize, seed: u64) -> Vec<String> {
    let mut out = vec![format!(
        "prior predictive check: {n} draws from the prior (seed {seed}; generation 0's first \
         {n} attempts), each simulated once and judged as a run of one trial by its target's \
         check"
    )];
    let header = [
        "target",
        "check",
        "p05",
        "median",
        "p95",
        "draws meeting it",
        "",
    ];
    let rows: Vec<[String; 7]> = checks
        .iter()
        .map(|c| {
            [
                c.name.clone(),
                c.check.clone(),
                human(c.p05, c.unit),
                human(c.median, c.unit),
                human(c.p95, c.unit),
                if c.meets.is_finite() {
                    format!("{:.0}%", 100.0 * c.meets)
                } else {
                    "n/a".to_string()
                },
                c.flag().unwrap_or("").to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    for r in std::iter::once(header.map(String::from)).chain(rows) {
        let cells: Vec<String> = r
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push(format!("  {}", cells.join("  ").trim_end()));
    }
    for c in checks {
        if c.failed > 0 {
            out.push(format!(
                "{}: {} of {} draws gave no number and are left out",
                c.name,
                c.failed,
                c.failed + c.draws
            ));
        }
    }
    let cannot: Vec<&str> = checks
        .iter()
        .filter(|c| c.flag() == Some("cannot inform"))
        .map(|c| c.name.as_str())
        .collect();
    if !cannot.is_empty() {
        out.push(format!(
            "cannot inform: {} (every prior draw meets it, so its distance is 0 whatever the \
             parameters)",
            cannot.join(", ")
        ));
    }
    out
}

/// `calibrate --prior-check`: `n` prior draws simulated and judged, printed and written to
/// `prior-check.csv` in the output folder; no calibration runs.
pub fn command(problem: &Problem, n: usize, opts: &super::storage::Options) -> Result<()> {
    let dir = &opts.out;
    crate::results::files::create_folder(dir)?;
    if dir.join(crate::results::MANIFEST_JSON).exists() {
        return Err(crate::error::UserError(format!(
            "{} is a run's result folder; write the prior check elsewhere with --out",
            dir.display()
        ))
        .into());
    }
    let _lock = crate::lock::lock(dir, crate::lock::Access::Write, "calibrate --prior-check")?;
    let path = crate::results::ResultDir::new(dir).prior_check_csv();
    // A file of that name that is not a prior check (its first field `target`, in either
    // dialect) is the user's: replaced only with --force.
    if std::fs::symlink_metadata(&path).is_ok() && !opts.force {
        let ours = crate::results::files::read_regular(&path).is_ok_and(|t| {
            t.starts_with("target,label,check,") || t.starts_with("target;label;check;")
        });
        if !ours {
            return Err(crate::error::UserError(format!(
                "{} is not a prior check livemarket wrote; move it, or pass --force to replace it",
                path.display()
            ))
            .into());
        }
    }
    let rows = draws(problem, n)?;
    let checks = judge(problem, &rows);
    write(&path, problem, &checks)?;
    if !opts.quiet {
        for l in lines(&checks, n, problem.recipe.seed) {
            println!("{l}");
        }
        println!("written to {}", path.display());
    }
    Ok(())
}

/// `prior-check.csv`: per calibrated target, its check, the prior predictive p05, median
/// and p95, the share of draws meeting it, the draws counted and failed, and its flag.
pub fn write(path: &Path, problem: &Problem, checks: &[TargetCheck]) -> Result<()> {
    let dialect = problem.recipe.csv_dialect;
    let text = |t: &str| crate::format::neutralise(t).into_owned();
    let num = |x: f64, u: Unit| dialect.num(Some(x).filter(|x| x.is_finite()), u);
    write_atomically(path, |w| {
        let mut w = dialect.writer(w);
        w.write_record([
            "target",
            "label",
            "check",
            "p05",
            "median",
            "p95",
            "share_meeting",
            "draws",
            "failed",
            "flag",
        ])?;
        for c in checks {
            w.write_record([
                text(&c.name),
                text(&c.label),
                text(&c.check),
                num(c.p05, c.unit),
                num(c.median, c.unit),
                num(c.p95, c.unit),
                num(c.meets, Unit::Plain),
                c.draws.to_string(),
                c.failed.to_string(),
                c.flag().unwrap_or("").to_string(),
            ])?;
        }
        w.flush()?;
        Ok(())
    })
}
