//! `livemarket params`: every parameter path of a scenario with its value, type and unit,
//! and (`--diff`) the parameters whose values differ between two scenarios.

use livemarket::num::Plain;
use livemarket::posterior::Posterior;
use livemarket::run::draws::{self, Pin};
use livemarket::scenario::Scenario;
use livemarket::scenario::params::{self, show};
use livemarket::scenario::uncertain;
use livemarket::sweep::{self, Plan};
use livemarket::table;
use std::io::Write;

/// `livemarket params`: the key table as Markdown, the differences of two scenarios, or
/// every parameter of one (after `--set`, with what its posterior gives marked).
pub fn command(args: crate::cli::ParamsArgs) -> anyhow::Result<()> {
    use livemarket::table::print as out;
    if args.markdown {
        return out(|o| write!(o, "{}", params::markdown()));
    }
    if let Some(files) = &args.diff {
        let (a, b) = match files.as_slice() {
            [b] => (None, Some(b.as_path())),
            [a, b] => (Some(a.as_path()), Some(b.as_path())),
            _ => unreachable!("clap takes one or two files"),
        };
        let name = |p: Option<&std::path::Path>| {
            p.map_or("bundled baseline".to_string(), |p| p.display().to_string())
        };
        let (sa, ..) = sweep::load(a)?;
        let (sb, ..) = sweep::load(b)?;
        let diffs = params::diff(&sa, &sb);
        return out(|o| diff(&name(a), &name(b), &diffs, o));
    }
    let (s, text, file, composed) = sweep::load(args.scenario.as_deref())?;
    let opts = sweep::SweepOptions {
        set: args.set,
        no_sweep: true,
        ..sweep::SweepOptions::default()
    };
    let mut plan = sweep::plan(s, &text, &file, &opts)?;
    plan.posterior = sweep::posterior_for(&composed, args.posterior.as_deref(), &plan)?;
    if let Some(note) = draws::notice(&plan) {
        eprintln!("{note}");
    }
    out(|o| print(&plan, o))
}

/// Every parameter path with its value, type and unit, aligned in columns; a value the
/// posterior replaces is marked `(posterior)`, an uncertain parameter `--set` pins
/// `(pinned)`.
pub fn print(plan: &Plan, out: &mut impl Write) -> std::io::Result<()> {
    let (s, posterior) = (&plan.base, plan.posterior.as_ref());
    let pins = draws::pins(plan);
    let from_posterior = |path: &str| posterior.is_some_and(|p| p.paths.iter().any(|q| q == path));
    let rows: Vec<[String; 4]> = params::params(s)
        .into_iter()
        .map(|p| {
            let mut value = cell(&p.value);
            if pins.iter().any(|pin| pin.path == p.path) {
                value.push_str(" (pinned)");
            } else if from_posterior(&p.path) {
                value.push_str(" (posterior)");
            }
            [p.path, value, p.kind.to_string(), p.unit.to_string()]
        })
        .collect();
    table::left_aligned(
        &["path", "value", "type", "unit"].map(String::from),
        &rows,
        out,
    )?;
    uncertain(s, posterior, &pins, out)
}

/// The posterior (its file, particles, effective sample size, and each path's weighted
/// median and 5%-95% range), then the `[uncertain]` table: each parameter's distribution,
/// the range its draws are cut to, and its group. Nothing when the scenario has neither.
pub fn uncertain(
    s: &Scenario,
    posterior: Option<&Posterior>,
    pins: &[Pin],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let pin = |path: &str| pins.iter().find(|p| p.path == path);
    if let Some(p) = posterior {
        let n = p.ids.len();
        let ess = p.ess();
        writeln!(
            out,
            "\nposterior {}: each trial takes the values of one of its {n} particle(s), picked \
             by weight (effective sample size {ess:.1}, {:.0}% of the particles), for {} \
             parameter(s), replacing the values above",
            p.file,
            100.0 * ess / n as f64,
            p.paths.len()
        )?;
        let rows: Vec<[String; 4]> = p
            .summary()
            .into_iter()
            .map(|m| {
                let mut prior = s
                    .uncertain
                    .get(&m.path)
                    .map_or("-".to_string(), |u| u.dist.to_string());
                if let Some(p) = pin(&m.path) {
                    prior = format!("{} (the particle's value is not used)", p.describe());
                }
                [
                    m.path,
                    Plain(m.median).to_string(),
                    format!("{} to {}", Plain(m.p05), Plain(m.p95)),
                    prior,
                ]
            })
            .collect();
        table::left_aligned(
            &["path", "median", "5% to 95%", "prior it replaces"].map(String::from),
            &rows,
            out,
        )?;
    }
    if s.uncertain.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nuncertain: each trial draws its own value of {} parameter(s), replacing the value \
         above",
        s.uncertain.len()
    )?;
    let rows: Vec<[String; 4]> = s
        .uncertain
        .iter()
        .map(|(path, u)| {
            let bounds = uncertain::bounds_of(path).map_or_else(|e| e, |b| b.to_string());
            let replaced = posterior.is_some_and(|p| p.paths.contains(path));
            [
                path.clone(),
                if let Some(p) = pin(path) {
                    format!("{} ({}, not drawn)", u.dist, p.describe())
                } else if replaced {
                    format!("{} (replaced by the posterior)", u.dist)
                } else {
                    u.dist.to_string()
                },
                bounds,
                u.group.clone().unwrap_or_else(|| "-".to_string()),
            ]
        })
        .collect();
    table::left_aligned(
        &["path", "distribution", "truncated to", "group"].map(String::from),
        &rows,
        out,
    )
}

/// Every parameter whose value differs between scenarios `a` and `b`, with both values.
pub fn diff(
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
    table::left_aligned(
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
