//! Reports for a person: `params`, `run --dry-run` and `compare` on stdout.

use livemarket::compare::{self, Comparison};
use livemarket::run::{Estimate, RunOptions};
use livemarket::scenario::Scenario;
use livemarket::scenario::params::{self, show};
use livemarket::sweep::Plan;
use std::io::Write;
use std::path::Path;

/// Every parameter path with its value, type and unit, aligned in columns.
pub fn params(s: &Scenario, out: &mut impl Write) -> std::io::Result<()> {
    let rows: Vec<[String; 4]> = params::params(s)
        .into_iter()
        .map(|p| {
            let value = cell(&p.value);
            [p.path, value, p.kind.to_string(), p.unit.to_string()]
        })
        .collect();
    table(
        &["path", "value", "type", "unit"].map(String::from),
        &rows,
        out,
    )
}

/// Every parameter whose value differs between scenarios `a` and `b`, with both values.
pub fn param_diff(
    a: &str,
    b: &str,
    diffs: &[params::Difference],
    out: &mut impl Write,
) -> std::io::Result<()> {
    if diffs.is_empty() {
        return writeln!(out, "{a} and {b} resolve to the same parameters");
    }
    let rows: Vec<[String; 3]> = diffs
        .iter()
        .map(|d| [d.path.clone(), cell(&d.a), cell(&d.b)])
        .collect();
    table(
        &["path".to_string(), a.to_string(), b.to_string()],
        &rows,
        out,
    )
}

/// A value in a table cell: one line, at most 40 characters, `(unset)` when absent.
pub fn cell(v: &Option<toml::Value>) -> String {
    v.as_ref().map_or("(unset)".to_string(), |v| {
        let text = show(v).replace('\n', " ");
        if text.chars().count() > 40 {
            format!("{}...", text.chars().take(37).collect::<String>())
        } else {
            text
        }
    })
}

/// Columns padded to their widest cell, two spaces apart.
pub fn table<R: AsRef<[String]>>(
    header: &[String],
    rows: &[R],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let width: Vec<usize> = (0..header.len())
        .map(|i| {
            std::iter::once(header)
                .chain(rows.iter().map(AsRef::as_ref))
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in std::iter::once(header).chain(rows.iter().map(AsRef::as_ref)) {
        let line: Vec<String> = r
            .iter()
            .zip(&width)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    Ok(())
}

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
            table(&header, &rows, out)?;
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
    let mb = |b: u64| b as f64 / 1e6;
    writeln!(
        out,
        "memory: about {:.1} MB ({} threads × {:.1} MB per running trial + {:.1} MB to \
         summarise)",
        mb(e.peak_bytes),
        opts.threads,
        mb(e.trial_bytes),
        mb(e.held_bytes)
    )?;
    writeln!(
        out,
        "disk: about {:.1} MB of trial data (trials.bin), besides the CSV files",
        mb(e.store_bytes)
    )?;
    writeln!(
        out,
        "time: about {} on {} threads (calibration: trial {} of {} took {:.2} s on one thread)",
        duration(e.seconds),
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

fn duration(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
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
    let width = rows
        .iter()
        .take(top)
        .map(|e| e.parameter.len())
        .max()
        .unwrap_or(9)
        .max(9);
    writeln!(
        out,
        "{:<8} {:<10} {:<width$} {:>12} {:>12} {:>12} {:>3}",
        "country", "platform", "parameter", "mu*", "mu", "sigma", "r"
    )?;
    for e in rows.iter().take(top) {
        writeln!(
            out,
            "{:<8} {:<10} {:<width$} {:>12.4e} {:>12.4e} {:>12.4e} {:>3}",
            e.country, e.platform, e.parameter, e.mu_star, e.mu, e.sigma, e.r
        )?;
    }
    Ok(())
}
