//! What a calibration pinned, from its last generation (the posterior): per factor, the
//! posterior's 90% width over the prior's; the posterior correlations between factors that
//! form ridges (combinations the targets pin better than any factor alone); and each target's
//! share of the last generation's summed squared distance (which targets the posterior still
//! misses most). The command prints it, `identification.csv` holds it and the report shows it.
//!
//! - Widths are of the factor's first parameter (a group's members move with it), in its
//!   own units: the posterior's weighted 5% and 95% quantiles (the inverse of the weighted
//!   distribution function, `stats::weighted_quantile`) over the prior's (its
//!   distribution's quantiles, truncated, at the same levels). Near 1: the targets did not
//!   inform the factor.
//! - Correlations are weighted Pearson correlations of the factors' latent standard normals
//!   (the sampler's coordinates: the probit of each factor's prior level, so a skewed prior
//!   does not bend a ridge), shown when |r| ≥ [`RIDGE`].
//! - Shares are Σ over the last generation's particles of a target's squared miss (in the
//!   scales that generation measured with) over Σ of their squared distances, unweighted: the
//!   accepted population as it is.

use super::Problem;
use super::distance::Distance;
use super::population::Generation;
use crate::format::Unit;
use crate::results::files::write_atomically;
use crate::stats::{weighted_correlation, weighted_quantile};
use anyhow::Result;
use std::path::Path;

/// The least |r| of a posterior correlation shown as a ridge: above it, one factor explains
/// more than a quarter of the other's posterior variance (r² ≥ 0.25).
pub const RIDGE: f64 = 0.5;

/// The standard normal's 95% quantile: the latent level of a prior's 5% and 95% quantiles.
const Z95: f64 = 1.644_853_626_951_472_2;

/// One factor's widths.
#[derive(Debug, Clone, PartialEq)]
pub struct Width {
    /// The factor's name (its parameter's path, or its group's name).
    pub factor: String,
    /// The path of its first parameter, whose values are shown.
    pub path: String,
    pub prior: (f64, f64),
    /// 5%, 50% and 95% weighted quantiles.
    pub posterior: (f64, f64, f64),
    /// Posterior 90% width over the prior's.
    pub ratio: f64,
}

/// What a calibration pinned.
#[derive(Debug, Clone, PartialEq)]
pub struct Identification {
    pub widths: Vec<Width>,
    /// Every pair of factors (a, b, r), a < b, strongest |r| first.
    pub correlations: Vec<(usize, usize, f64)>,
    /// Each target's (name, share of the summed squared distance), targets' order.
    pub shares: Vec<(String, f64)>,
}

impl Identification {
    /// The correlations at least [`RIDGE`] in size.
    pub fn ridges(&self) -> impl Iterator<Item = &(usize, usize, f64)> {
        self.correlations.iter().filter(|c| c.2.abs() >= RIDGE)
    }
}

/// What the last of `generations` pinned; None before the first.
pub fn of(problem: &Problem, generations: &[Generation]) -> Option<Identification> {
    let last = generations.last()?;
    let f = &problem.factors;
    let firsts: Vec<usize> = (0..f.count)
        .map(|k| {
            f.of.iter()
                .position(|&x| x == k)
                .expect("a factor has a member")
        })
        .collect();
    let paths: Vec<&String> = problem.table.keys().collect();
    let lo = problem.values(&vec![-Z95; f.count]);
    let hi = problem.values(&vec![Z95; f.count]);
    let values: Vec<Vec<f64>> = last
        .particles
        .iter()
        .map(|p| problem.values(&p.theta))
        .collect();
    let widths = firsts
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let pairs: Vec<(f64, f64)> = values
                .iter()
                .zip(&last.particles)
                .map(|(v, p)| (v[i], p.weight))
                .collect();
            let q = |p| weighted_quantile(&pairs, p).unwrap_or(f64::NAN);
            let posterior = (q(0.05), q(0.5), q(0.95));
            Width {
                factor: f.names[k].clone(),
                path: paths[i].clone(),
                prior: (lo[i], hi[i]),
                posterior,
                ratio: (posterior.2 - posterior.0) / (hi[i] - lo[i]),
            }
        })
        .collect();
    let mut correlations = Vec::new();
    for a in 0..f.count {
        for b in a + 1..f.count {
            let points: Vec<(f64, f64, f64)> = last
                .particles
                .iter()
                .map(|p| (p.theta[a], p.theta[b], p.weight))
                .collect();
            if let Some(r) = weighted_correlation(&points) {
                correlations.push((a, b, r));
            }
        }
    }
    correlations.sort_by(|x, y| y.2.abs().total_cmp(&x.2.abs()));
    let distance = problem.distance().at(&generations[..generations.len() - 1]);
    let k = problem.summaries.targets.len();
    let mut sums = vec![0.0; k];
    for p in &last.particles {
        for (s, m) in sums.iter_mut().zip(distance.squared_misses(&p.summaries)) {
            *s += m;
        }
    }
    let total: f64 = sums.iter().sum();
    debug_assert!(
        last.particles
            .iter()
            .all(|p| distance.distance(&p.summaries).is_finite())
    );
    let shares = problem
        .summaries
        .targets
        .iter()
        .zip(&sums)
        .map(|(t, s)| {
            (
                t.name.clone(),
                if total > 0.0 { s / total } else { f64::NAN },
            )
        })
        .collect();
    Some(Identification {
        widths,
        correlations,
        shares,
    })
}

/// The lines the command prints: a table of widths, the ridges, the shares.
pub fn lines(found: &Identification) -> Vec<String> {
    let f = sig3;
    let mut out = vec![
        "identification (posterior 90% width / prior 90% width; near 1: not informed):".to_string(),
    ];
    let w = found
        .widths
        .iter()
        .map(|x| x.factor.chars().count())
        .max()
        .unwrap_or(0);
    for x in &found.widths {
        out.push(format!(
            "  {:<w$}  {:>5}  posterior {} ({} - {}), prior 90% {} - {}",
            x.factor,
            format!("{:.2}", x.ratio),
            f(x.posterior.1),
            f(x.posterior.0),
            f(x.posterior.2),
            f(x.prior.0),
            f(x.prior.1),
        ));
    }
    let ridges: Vec<String> = found
        .ridges()
        .map(|&(a, b, r)| {
            format!(
                "{} ~ {} (r = {:+.2})",
                found.widths[a].factor, found.widths[b].factor, r
            )
        })
        .collect();
    out.push(if ridges.is_empty() {
        format!("ridges (posterior correlations, |r| >= {RIDGE}): none")
    } else {
        format!(
            "ridges (posterior correlations, |r| >= {RIDGE}): {}",
            ridges.join("; ")
        )
    });
    let shares: Vec<String> = found
        .shares
        .iter()
        .map(|(n, s)| format!("{n} {:.0}%", 100.0 * s))
        .collect();
    out.push(format!(
        "share of the last generation's squared distance: {}",
        shares.join(", ")
    ));
    out
}

/// Three significant figures (no fewer decimals than that takes, no exponent): 0.0297,
/// 19.9, 2500.
pub fn sig3(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let d = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.d$}")
}

/// Prints the identification of the calibration in `dir` (nothing when it has no
/// generation).
pub fn print_folder(problem: &Problem, dir: &Path) -> Result<()> {
    let Some(c) = super::storage::read(dir)? else {
        return Ok(());
    };
    if let Some(found) = of(problem, &c.generations) {
        for l in lines(&found) {
            println!("{l}");
        }
    }
    Ok(())
}

/// `identification.csv`, long: one row per number, `measure,name,with,value`. Per factor
/// (by its name): `prior_p05`, `prior_p95`, `posterior_p05`, `posterior_p50`,
/// `posterior_p95` (of its first parameter) and `width_ratio`; per pair of factors,
/// `correlation` (of their latent normals, every pair, strongest first); per target,
/// `distance_share`.
pub fn write(dir: &Path, problem: &Problem, found: &Identification) -> Result<()> {
    let dialect = problem.recipe.csv_dialect;
    let text = |t: &str| crate::format::neutralise(t).into_owned();
    let num = |x: f64| dialect.num(Some(x).filter(|x| x.is_finite()), Unit::Plain);
    write_atomically(
        &crate::results::ResultDir::new(dir).identification_csv(),
        |w| {
            let mut w = dialect.writer(w);
            w.write_record(["measure", "name", "with", "value"])?;
            for x in &found.widths {
                for (measure, v) in [
                    ("prior_p05", x.prior.0),
                    ("prior_p95", x.prior.1),
                    ("posterior_p05", x.posterior.0),
                    ("posterior_p50", x.posterior.1),
                    ("posterior_p95", x.posterior.2),
                    ("width_ratio", x.ratio),
                ] {
                    w.write_record([measure.to_string(), text(&x.factor), String::new(), num(v)])?;
                }
            }
            for &(a, b, r) in &found.correlations {
                w.write_record([
                    "correlation".to_string(),
                    text(&found.widths[a].factor),
                    text(&found.widths[b].factor),
                    num(r),
                ])?;
            }
            for (name, s) in &found.shares {
                w.write_record([
                    "distance_share".to_string(),
                    text(name),
                    String::new(),
                    num(*s),
                ])?;
            }
            w.flush()?;
            Ok(())
        },
    )
}
