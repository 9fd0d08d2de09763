//! `livemarket sensitivity DIR`: Morris elementary effects from the results of a `morris`
//! sweep (Morris 1991; μ* from Campolongo, Cariboni & Saltelli 2007).
//!
//! Each step of a trajectory changes one parameter by Δ = levels / (2 (levels − 1)) of its
//! range; its elementary effect on a measure is ±(y(after) − y(before)) / Δ, with y the mean
//! of the measure across the point's trials (the same seeds at every point, so the difference
//! is free of trial-to-trial noise as far as common random numbers reach). Per parameter and
//! measure: μ* = mean |EE| (importance), μ = mean EE (direction), σ = sd of EE (interaction or
//! non-linearity), over the trajectories. Effects are per whole range of the parameter.

use crate::error::UserError;
use crate::format::{Dialect, Unit};
use crate::results::ResultDir;
use crate::results::{manifest, summary};
use crate::scenario::Design;
use crate::stats;
use anyhow::{Context, Result};
use std::path::Path;

/// The sensitivity of one measure to one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub country: String,
    pub platform: String,
    pub metric: String,
    pub parameter: String,
    /// Elementary effects behind the statistics (one per trajectory).
    pub r: usize,
    pub mu_star: f64,
    pub mu: f64,
    pub sigma: f64,
}

/// μ*, μ, σ and r for each parameter, from the points' values (trajectory-major, k + 1 points
/// each) and one measure's value at each point.
pub(crate) fn elementary_effects(
    values: &[Vec<String>],
    y: &[f64],
    levels: u32,
) -> Vec<(f64, f64, f64, usize)> {
    let k = values.first().map_or(0, Vec::len);
    let delta = f64::from(levels) / (2.0 * f64::from(levels - 1));
    let mut ee: Vec<Vec<f64>> = vec![Vec::new(); k];
    for t in 0..values.len() / (k + 1) {
        for s in 1..=k {
            let (a, b) = (t * (k + 1) + s - 1, t * (k + 1) + s);
            let changed: Vec<usize> = (0..k).filter(|&j| values[a][j] != values[b][j]).collect();
            let [j] = changed[..] else { continue };
            let up = match (values[a][j].parse::<f64>(), values[b][j].parse::<f64>()) {
                (Ok(x), Ok(z)) => z > x,
                _ => true,
            };
            let e = (y[b] - y[a]) / delta;
            ee[j].push(if up { e } else { -e });
        }
    }
    ee.iter()
        .map(|e| {
            let r = e.len();
            if r == 0 {
                return (f64::NAN, f64::NAN, f64::NAN, 0);
            }
            let abs: Vec<f64> = e.iter().map(|x| x.abs()).collect();
            let (mu, mu_star, sigma) = (stats::mean(e), stats::mean(&abs), stats::sd(e));
            (mu_star, mu, sigma, r)
        })
        .collect()
}

/// Reads a morris sweep's folder and computes every parameter's effect on every measure of
/// summary.csv.
pub fn from_dir(dir: &Path) -> Result<Vec<Effect>> {
    let recorded = manifest::read(dir)?;
    // The sweep as its recipe makes it, not as counts in a manifest that may be damaged.
    let plan = crate::sweep::plan_recipe(&recorded.recipe).with_context(|| {
        format!(
            "cannot rebuild the run recorded in {}",
            ResultDir::new(dir).manifest_json().display()
        )
    })?;
    let points = plan.points.len();
    let sweep = match &plan.sweep {
        Some(s) if s.design == Design::Morris => s,
        other => {
            return Err(UserError(format!(
                "{} holds no morris sweep (design: {}); run one with --design morris --trajectories N \
                 and --vary PATH=MIN..MAX for each parameter",
                dir.display(),
                other.as_ref().map_or("none".to_string(), |s| {
                    serde_json::to_string(&s.design).unwrap_or_default()
                })
            ))
            .into());
        }
    };
    let levels = sweep.levels.unwrap_or(4);
    let parameters = &sweep.parameters;
    let k = parameters.len();
    let summary::Means {
        path: summary_path,
        values,
        keys,
        mut means,
    } = summary::means(dir, points)?;
    if values.iter().any(|v| v.len() != k) {
        return Err(UserError(format!(
            "{} does not have a column for each of the {k} swept parameters; the file is \
             damaged: `livemarket summarize {}` writes it again",
            summary_path.display(),
            dir.display()
        ))
        .into());
    }
    if values.is_empty() || !values.len().is_multiple_of(k + 1) {
        return Err(UserError(format!(
            "{} has {} points, not whole trajectories of {} points; was the sweep cut short?",
            summary_path.display(),
            values.len(),
            k + 1
        ))
        .into());
    }
    let mut effects = Vec::new();
    for key in keys {
        let mut y = means.remove(&key).unwrap_or_default();
        y.resize(values.len(), f64::NAN);
        for (j, (mu_star, mu, sigma, r)) in elementary_effects(&values, &y, levels)
            .into_iter()
            .enumerate()
        {
            // A measure missing at some point (an event that never happened) has no effect.
            if r > 0 && mu_star.is_finite() {
                effects.push(Effect {
                    country: key.0.clone(),
                    platform: key.1.clone(),
                    metric: key.2.clone(),
                    parameter: parameters[j].clone(),
                    r,
                    mu_star,
                    mu,
                    sigma,
                });
            }
        }
    }
    Ok(effects)
}

/// Writes `sensitivity.csv` (whole, under a temporary name first). The effects are in the
/// measure's unit per unit of the parameter, so they have [`format::SIGNIFICANT_DIGITS`]
/// significant digits whatever the measure.
///
/// [`format::SIGNIFICANT_DIGITS`]: crate::format::SIGNIFICANT_DIGITS
pub fn write_csv(effects: &[Effect], path: &Path, dialect: Dialect) -> Result<()> {
    crate::results::write_atomically(path, |w| {
        let mut w = dialect.writer(w);
        w.write_record([
            "country",
            "platform",
            "metric",
            "parameter",
            "r",
            "mu_star",
            "mu",
            "sigma",
        ])?;
        for e in effects {
            let text = |t: &str| crate::format::neutralise(t).into_owned();
            w.write_record([
                &text(&e.country),
                &text(&e.platform),
                &text(&e.metric),
                &text(&e.parameter),
                &e.r.to_string(),
                &dialect.num(Some(e.mu_star), Unit::Plain),
                &dialect.num(Some(e.mu), Unit::Plain),
                &dialect.num(Some(e.sigma), Unit::Plain),
            ])?;
        }
        w.flush()?;
        Ok(())
    })
}

/// `livemarket sensitivity DIR`: the effects of a morris sweep written (to `out`, else
/// DIR/sensitivity.csv, in the folder's dialect), and the largest μ* of `metric` printed.
pub fn command(
    dir: &Path,
    out: Option<std::path::PathBuf>,
    metric: &str,
    top: usize,
    quiet: bool,
) -> Result<()> {
    crate::results::files::refuse_as_run_folder(dir)?;
    let _lock = crate::lock::hold(dir, crate::lock::Access::Read)?;
    let effects = from_dir(dir)?;
    let out = out.unwrap_or_else(|| ResultDir::new(dir).sensitivity_csv());
    let dialect = Dialect::of_file(&ResultDir::new(dir).summary_csv());
    write_csv(&effects, &out, dialect)?;
    crate::results::record_output(&out)?;
    if !quiet {
        crate::table::print(|o| print_ranking(&effects, metric, top, &out, o))?;
    }
    Ok(())
}

/// The largest μ* of one measure, as a table.
fn print_ranking(
    effects: &[Effect],
    metric: &str,
    top: usize,
    out_path: &std::path::Path,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let mut rows: Vec<&Effect> = effects.iter().filter(|e| e.metric == metric).collect();
    rows.sort_by(|a, b| b.mu_star.total_cmp(&a.mu_star));
    writeln!(
        out,
        "{} rows written to {}; the largest effects on {metric} (per whole range of the parameter):",
        effects.len(),
        out_path.display()
    )?;
    writeln!(out)?;
    let mut t = crate::table::Table::new(" ")
        .column(crate::table::Align::Left, crate::table::Width::Fixed(8))
        .column(crate::table::Align::Left, crate::table::Width::Fixed(10))
        .column(
            crate::table::Align::Left,
            crate::table::Width::Auto { min: 9 },
        )
        .columns(
            3,
            crate::table::Align::Right,
            crate::table::Width::Fixed(12),
        )
        .column(crate::table::Align::Right, crate::table::Width::Fixed(3));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(rows: &[[&str; 2]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn effects_of_a_linear_function_worked_by_hand() {
        // y = 3a − b on [0, 1]², 4 levels, Δ = 2/3. Trajectory 1 raises a then b; trajectory 2
        // lowers b then raises a. EE_a = 3 both times (μ* = μ = 3, σ = 0); EE_b = −1 both times.
        let values = pts(&[
            ["0", "0"],
            ["0.6667", "0"],
            ["0.6667", "0.6667"],
            ["0.3333", "1"],
            ["0.3333", "0.3333"],
            ["1", "0.3333"],
        ]);
        // Grid values written to 4 decimals stand for exact thirds.
        let exact = |v: &Vec<String>| -> f64 {
            let g = |s: &str| match s {
                "0.3333" => 1.0 / 3.0,
                "0.6667" => 2.0 / 3.0,
                x => x.parse().unwrap(),
            };
            3.0 * g(&v[0]) - g(&v[1])
        };
        let y: Vec<f64> = values.iter().map(exact).collect();
        let e = elementary_effects(&values, &y, 4);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(
            close(e[0].0, 3.0) && close(e[0].1, 3.0) && close(e[0].2, 0.0) && e[0].3 == 2,
            "{:?}",
            e[0]
        );
        assert!(
            close(e[1].0, 1.0) && close(e[1].1, -1.0) && close(e[1].2, 0.0) && e[1].3 == 2,
            "{:?}",
            e[1]
        );
    }

    #[test]
    fn an_interaction_shows_in_sigma() {
        // y = a × b: raising a at b = 0 has effect 0, at b = 1 effect 1 (per whole range).
        let values = pts(&[
            ["0", "0"],
            ["1", "0"],
            ["1", "1"],
            ["0", "1"],
            ["1", "1"],
            ["1", "0"],
        ]);
        let y: Vec<f64> = values
            .iter()
            .map(|v| v[0].parse::<f64>().unwrap() * v[1].parse::<f64>().unwrap())
            .collect();
        // levels = 2: Δ = 1.
        let e = elementary_effects(&values, &y, 2);
        // a: EEs 0 (t1) and 1 (t2) → μ* = μ = 0.5, σ = sqrt(((0−.5)² + (1−.5)²)/1) = 0.7071.
        assert!((e[0].0 - 0.5).abs() < 1e-12 && (e[0].1 - 0.5).abs() < 1e-12);
        assert!((e[0].2 - 0.5f64.sqrt()).abs() < 1e-12);
        // b: t1 raises b at a = 1 (EE 1); t2 lowers b at a = 1 (y 1 → 0, EE (0 − 1)/−1 = 1).
        assert!((e[1].0 - 1.0).abs() < 1e-12 && (e[1].1 - 1.0).abs() < 1e-12 && e[1].2 == 0.0);
    }
}
