//! What commands print for a person on stdout besides their files: the `run --dry-run`
//! estimate, `compare`'s largest differences and `sensitivity`'s ranking. (`params` and
//! `check` have their own modules; the `report` command writes pictures, in the library.)

use livemarket::compare::{self, Comparison};
use livemarket::format;
use livemarket::run::{Estimate, RunOptions};
use livemarket::scenario::params::show;
use livemarket::sweep::Plan;
use livemarket::table::{self, Align, Table, Width};
use std::io::Write;
use std::path::Path;

/// Points shown by `--dry-run`; points.csv lists them all.
const SHOWN_POINTS: usize = 20;

/// The design, the runs, and the estimated memory and time.
pub fn dry_run(
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
                livemarket::scenario::Design::Grid => "grid".to_string(),
                livemarket::scenario::Design::Zip => "zip".to_string(),
                livemarket::scenario::Design::Lhs => format!("lhs, design seed {}", s.seed),
                livemarket::scenario::Design::Random => format!("random, design seed {}", s.seed),
                livemarket::scenario::Design::Morris => format!(
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

/// What was compared, the table of the largest differences, and where the rest is.
pub fn comparison(
    c: &Comparison,
    a: &str,
    b: Option<&str>,
    top: usize,
    written: &Path,
    out: &mut impl Write,
) -> std::io::Result<()> {
    match b {
        Some(b) => writeln!(out, "A = {a}, B = {b}")?,
        None => writeln!(out, "A = each point of {a}, B = its point 0")?,
    }
    let paired = c.rows.iter().filter(|r| r.interval == "paired").count();
    let boot = c.rows.iter().filter(|r| r.interval == "bootstrap").count();
    writeln!(
        out,
        "{} rows; intervals: {paired} paired (trials share seeds), {boot} bootstrap",
        c.rows.len()
    )?;
    writeln!(out)?;
    compare::print_table(c, top, out)?;
    writeln!(out)?;
    writeln!(
        out,
        "Largest differences first (by KS distance); * marks a 95% interval that excludes 0. \
         Every row is in {}",
        written.display()
    )
}

/// The largest μ* of one measure, as a table.
pub fn sensitivity(
    effects: &[livemarket::sensitivity::Effect],
    metric: &str,
    top: usize,
    out_path: &std::path::Path,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut rows: Vec<&livemarket::sensitivity::Effect> =
        effects.iter().filter(|e| e.metric == metric).collect();
    rows.sort_by(|a, b| b.mu_star.total_cmp(&a.mu_star));
    writeln!(
        out,
        "{} rows written to {}; the largest effects on {metric} (per whole range of the parameter):",
        effects.len(),
        out_path.display()
    )?;
    writeln!(out)?;
    let mut t = Table::new(" ")
        .column(Align::Left, Width::Fixed(8))
        .column(Align::Left, Width::Fixed(10))
        .column(Align::Left, Width::Auto { min: 9 })
        .columns(3, Align::Right, Width::Fixed(12))
        .column(Align::Right, Width::Fixed(3));
    t.row([
        "country",
        "platform",
        "parameter",
        "mu*",
        "mu",
        "sigma",
        "r",
    ]);
    for e in rows.iter().take(top) {
        t.row([
            e.country.clone(),
            e.platform.clone(),
            e.parameter.clone(),
            format!("{:.4e}", e.mu_star),
            format!("{:.4e}", e.mu),
            format!("{:.4e}", e.sigma),
            e.r.to_string(),
        ]);
    }
    t.write(out)
}
