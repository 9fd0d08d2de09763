//! `livemarket check`: the resolved world, printed for a person.

use livemarket::scenario::params::Difference;
use livemarket::scenario::{Composed, ExitMeasure, GateMeasure, Policy, Scenario};
use livemarket::sweep::{self, Plan, SweepOptions};
use livemarket::table::{Align, Table, Width};
use livemarket::world::{MarketWorld, World};
use std::io::Write;

/// `livemarket check [SCENARIO]`: the scenario loaded and planned as `run` would (every
/// point of its sweep validated, its posterior and headline checked), then printed with the
/// file each value came from when it extends another.
pub fn command(args: crate::cli::CheckArgs) -> anyhow::Result<()> {
    let (s, text, file, composed) = sweep::load(args.scenario.as_deref())?;
    let mut plan = sweep::plan(s.clone(), &text, &file, &SweepOptions::default())?;
    plan.posterior = sweep::posterior_for(&composed, args.posterior.as_deref(), &plan)?;
    livemarket::results::headline::Spec::of(&plan.base, plan.sweep.as_ref())?;
    if let Some(note) = livemarket::run::draws::notice(&plan) {
        eprintln!("{note}");
    }
    // Which file each value that differs from the root of the chain came from.
    let origin = if composed.extends() {
        let root = composed.root();
        let (mut base, _) = Scenario::compose(
            &root.file,
            &root.text,
            &mut livemarket::scenario::compose::read_disk,
        )?;
        if base.name.is_none() {
            base.name = std::path::Path::new(&root.file)
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned());
        }
        Some((
            root.file.clone(),
            livemarket::scenario::params::diff(&base, &s),
        ))
    } else {
        None
    };
    livemarket::table::print(|out| {
        print(&s, &plan, out)?;
        if let Some((root, diffs)) = &origin {
            provenance(root, diffs, &composed, out)?;
        }
        Ok(())
    })
}

pub fn print(s: &Scenario, plan: &Plan, out: &mut impl Write) -> std::io::Result<()> {
    let w = World::new(s);
    let end = w.start.plus_weeks(w.weeks);
    writeln!(
        out,
        "scenario {}: {} weeks from {} (to {}), seed {}, {} trials by default",
        w.name, w.weeks, w.start, end, w.seed, s.trials
    )?;
    if let Some(d) = &s.description {
        writeln!(out, "  {}", d.trim())?;
    }
    writeln!(out)?;
    countries_table(&w).write(out)?;
    writeln!(out)?;
    for (p, platform) in w.platforms.iter().enumerate() {
        writeln!(
            out,
            "platform {} (take rate {}, creator commission {})",
            platform.name, platform.take_rate, platform.creator_commission
        )?;
        for m in w.markets.iter().filter(|m| m.platform == p) {
            let code = &w.countries[m.country].code;
            let live = live_text(&w, m);
            let extras = extras_text(m);
            writeln!(
                out,
                "  {code}: reach {} (+{}/week), trust {}; {live}{extras}",
                m.spec.reach, m.spec.reach_growth, m.spec.trust
            )?;
        }
    }
    writeln!(out)?;
    let bytes = livemarket::model::trial_memory_bytes(&w);
    writeln!(
        out,
        "{} consumer agents; estimated memory of one trial: {:.1} MB (each running trial holds one)",
        w.consumer_agents(),
        bytes as f64 / 1e6
    )?;
    if let Some(sweep) = &plan.sweep {
        writeln!(
            out,
            "sweep: {} points ({} design) over {}; `livemarket run --dry-run` shows them",
            sweep.points,
            format!("{:?}", sweep.design).to_lowercase(),
            sweep.parameters.join(", ")
        )?;
    }
    let pins = livemarket::run::draws::pins(plan);
    crate::params::uncertain(s, plan.posterior.as_ref(), &pins, out)
}

/// The countries, a row each: population, agents, network and creators.
fn countries_table(w: &World) -> Table {
    let mut countries = Table::new(" ")
        .column(Align::Left, Width::Fixed(4))
        .column(Align::Right, Width::Fixed(14))
        .column(Align::Right, Width::Fixed(7))
        .column(Align::Right, Width::Fixed(10))
        .column(Align::Right, Width::Fixed(12))
        .column(Align::Left, Width::Fixed(12))
        .column(Align::Right, Width::Fixed(9));
    countries.row([
        "code",
        "population",
        "online",
        "agents",
        "people/agent",
        "network",
        "creators",
    ]);
    for c in &w.countries {
        let d = &c.spec.diffusion;
        let net = match d.network {
            livemarket::scenario::Network::WellMixed => "well_mixed".to_string(),
            livemarket::scenario::Network::Random => format!("random/{}", d.contacts),
            livemarket::scenario::Network::SmallWorld => format!("small_world/{}", d.contacts),
        };
        countries.row([
            c.code.clone(),
            format!("{:.0}", c.spec.population),
            format!("{:.2}", c.spec.online_share),
            c.spec.agents.to_string(),
            format!("{:.1}", c.weight),
            net,
            if c.markets.is_empty() {
                0
            } else {
                c.spec.creators.agents
            }
            .to_string(),
        ]);
    }
    countries
}

/// A market's live shopping: when it launches, its gate, its close and its installed base;
/// or none.
fn live_text(w: &World, m: &MarketWorld) -> String {
    match (&m.spec.live, m.launch_week) {
        (Some(l), Some(week)) => {
            let gate = m.gate.map_or(String::new(), |g| {
                let code = &w.countries[w.markets[g.market].country].code;
                let what = match g.measure {
                    GateMeasure::Gmv => format!("GMV >= {} USD/week", g.threshold),
                    GateMeasure::Plan => format!("GMV >= {} x its plan", g.threshold),
                    GateMeasure::Contribution => {
                        format!("contribution >= {} USD/week", g.threshold)
                    }
                    GateMeasure::Value => format!("value >= {}", g.threshold),
                };
                format!(", gated on {code} {what} over {} weeks", g.window_weeks)
            });
            let close = m.close_week.map_or(String::new(), |c| {
                format!(
                    ", closes week {c} ({})",
                    l.close.expect("a close week has a date")
                )
            });
            let base = if l.initial_adopters > 0.0 {
                format!(", installed base {} of its users", l.initial_adopters)
            } else {
                String::new()
            };
            format!("live from week {week} ({}){gate}{close}{base}", l.launch)
        }
        _ => "no live shopping".to_string(),
    }
}

/// A market's policies after its live shopping (`; subsidy ...; exit ...`): its subsidy,
/// exit rule, creator fund and poaching; empty when it has none.
fn extras_text(m: &MarketWorld) -> String {
    let mut extras = Vec::new();
    if let Some(sub) = &m.spec.subsidy {
        let policy = match sub.policy {
            Policy::Fixed => "fixed".to_string(),
            Policy::Review => {
                let band = match sub.review_target_high {
                    Some(high) if high > sub.review_target => {
                        format!("band {} to {high}", sub.review_target)
                    }
                    _ => format!("target {}", sub.review_target),
                };
                format!(
                    "review of {} every {} weeks, {band}",
                    format!("{:?}", sub.measure).to_lowercase(),
                    sub.review_weeks
                )
            }
            Policy::Roi => "roi (removed)".to_string(),
        };
        let budget = sub
            .weekly_budget_usd
            .map_or("no cap".to_string(), |b| format!("cap {b} USD/week"));
        extras.push(format!("subsidy {} ({policy}, {budget})", sub.rate));
    }
    if let Some(e) = &m.spec.exit {
        let below = match e.measure {
            ExitMeasure::Gmv => {
                format!("{} USD/week", e.min_weekly_gmv_usd.expect("validated exit"))
            }
            ExitMeasure::Plan => {
                format!("{} of plan", e.min_plan_share.expect("validated exit"))
            }
        };
        extras.push(format!(
            "exit if the mean over {} weeks falls below {below}, after {} weeks' grace",
            e.patience_weeks, e.grace_weeks
        ));
    }
    if let Some(f) = &m.spec.creator_fund {
        extras.push(format!(
            "creator fund to {} USD/week ({} USD/week)",
            f.floor_usd, f.weekly_budget_usd
        ));
    }
    if let Some(po) = &m.spec.poaching {
        extras.push(format!(
            "poaches from {} ({} USD/week)",
            po.from.join("+"),
            po.weekly_budget_usd
        ));
    }
    if extras.is_empty() {
        String::new()
    } else {
        format!("; {}", extras.join("; "))
    }
}

/// The values that differ from the root of the scenario's `extends` chain, each with the
/// file, line and column that set it (or `default` when the schema supplied it, as for a key
/// left out of a table the chain adds).
pub fn provenance(
    root: &str,
    diffs: &[Difference],
    composed: &Composed,
    out: &mut impl Write,
) -> std::io::Result<()> {
    writeln!(out)?;
    let chain: Vec<&str> = composed.files.iter().map(|f| f.file.as_str()).collect();
    writeln!(
        out,
        "{} values differ from {root} ({})",
        diffs.len(),
        chain.join(" extends ")
    )?;
    let rows: Vec<[String; 4]> = diffs
        .iter()
        .map(|d| {
            [
                d.path.clone(),
                crate::params::cell(&d.a),
                crate::params::cell(&d.b),
                composed
                    .place(&d.path)
                    .unwrap_or_else(|| "default".to_string()),
            ]
        })
        .collect();
    livemarket::table::left_aligned(
        &["path", root, "value", "set in"].map(String::from),
        &rows,
        out,
    )
}
