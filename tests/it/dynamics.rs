//! The behaviour model 2 must show (docs/model.md, "Tests of the dynamics"): paired tests
//! with common random numbers (the same trial seeds in both arms; draws stay aligned until
//! the arms' states differ), the late entrant, dormant creators' return, and the mean-field
//! fixed point with lapse.
//!
//! Each paired test asserts its direction in every pair, not on average: the arms are built
//! so that the mechanism under test moves the outcome by many times the pairs' noise, and the
//! measured margins are printed (`-- --nocapture`) and quoted beside each assertion.

use crate::common::world;
use livemarket::model::{EventKind, Metric, TrialResult, simulate};
use livemarket::world::World;

pub fn market(w: &World, country: &str, platform: &str) -> usize {
    w.markets
        .iter()
        .position(|m| {
            w.countries[m.country].code == country && w.platforms[m.platform].name == platform
        })
        .unwrap()
}

pub fn series(w: &World, r: &TrialResult, m: usize, metric: Metric) -> Vec<f64> {
    (0..w.weeks as usize)
        .map(|t| r.record(w.markets.len(), t, m)[metric as usize])
        .collect()
}

pub fn total(
    w: &World,
    r: &TrialResult,
    m: usize,
    metric: Metric,
    weeks: std::ops::Range<usize>,
) -> f64 {
    series(w, r, m, metric)[weeks].iter().sum()
}

/// One country XX of 20,000 agents with the given extra country keys (TOML lines) and
/// platform tables; idle adopters lapse.
fn xx(country: &str, platforms: &str, weeks: u32) -> World {
    xx_lapse(0.2, country, platforms, weeks)
}

fn xx_lapse(lapse: f64, country: &str, platforms: &str, weeks: u32) -> World {
    world(&format!(
        r#"
        start = 2021-01-04
        weeks = {weeks}
        seed = 5
        [countries.XX]
        population = 10_000_000
        agents = 20_000
        live_affinity = {{ mean = 0.5, sd = 0.15 }}
        lapse = {lapse}
        lapse_after = 4
        diffusion = {{ innovation = 0.02, imitation = 0.3, contacts = 10 }}
        {country}
        {platforms}
        "#
    ))
}

const TRIALS: u64 = 8;

#[test]
fn more_creators_streaming_never_lower_a_platforms_gmv_when_sessions_follow_creators() {
    // Arm "few": wages most creators' earnings do not cover, so they go dormant and the
    // platform's followers fall below their level at opening; arm "many": no wage, everyone
    // keeps streaming. Same creators (wages are drawn from the same deviates), same trials.
    // With η = 1 sessions thin with the followers lost, so GMV is lower in every pair.
    let platforms = r#"
        [platforms.p]
        creator_commission = 0.1
        [platforms.p.markets.XX]
        reach = 0.8
        live = { launch = 2021-01-04 }
    "#;
    let country = |wage: f64, eta: f64| {
        format!(
            "deal_sensitivity = 2.0\n\
             spend = {{ sessions_per_week = 3.0, conversion = 0.05, creator_elasticity = {eta} }}\n\
             creators = {{ agents = 300, reservation_usd = {wage}, reservation_sigma = 0.5, quit_after = 3 }}"
        )
    };
    let (few, many) = (
        xx(&country(3000.0, 1.0), platforms, 30),
        xx(&country(0.0, 1.0), platforms, 30),
    );
    let m = market(&few, "XX", "p");
    for k in 0..TRIALS {
        let (a, b) = (simulate(&few, k), simulate(&many, k));
        let (sa, sb) = (
            series(&few, &a, m, Metric::CreatorsStreaming)[29],
            series(&many, &b, m, Metric::CreatorsStreaming)[29],
        );
        let (ga, gb) = (
            total(&few, &a, m, Metric::GmvUsd, 0..30),
            total(&many, &b, m, Metric::GmvUsd, 0..30),
        );
        println!("trial {k}: streaming {sa} vs {sb}; GMV {ga:.0} vs {gb:.0}");
        assert!(
            sa < 0.5 * sb,
            "trial {k}: the wage must send creators dormant"
        );
        assert!(
            gb > ga,
            "trial {k}: {gb} with every creator <= {ga} with few"
        );
    }
}

#[test]
fn poaching_never_lowers_the_poachers_gmv() {
    // b poaches a's most followed creators in one arm and not in the other: the creators it
    // wins bring their carried followers, which pull sessions to b.
    let platforms = |poaching: &str| {
        format!(
            r#"
            [platforms.a]
            creator_commission = 0.1
            [platforms.a.markets.XX]
            reach = 0.8
            creator_share = 0.5
            live = {{ launch = 2021-01-04 }}
            [platforms.b]
            take_rate = 0.1
            creator_commission = 0.1
            [platforms.b.markets.XX]
            reach = 0.8
            live = {{ launch = 2021-01-04 }}
            {poaching}
            "#
        )
    };
    let country = "deal_sensitivity = 2.0\nhabit_uptake = 0.1\n\
         spend = { sessions_per_week = 3.0, conversion = 0.05, creator_elasticity = 1.0 }\n\
         creators = { agents = 300 }";
    let with = xx(
        country,
        &platforms(
            "poaching = { from = [\"a\"], weekly_budget_usd = 50_000, top_share = 0.1, premium = 1.5, min_offer_usd = 10, contract_weeks = 20, follower_carry = 0.8, value_multiple = 10 }",
        ),
        30,
    );
    let without = xx(country, &platforms(""), 30);
    let b = market(&with, "XX", "b");
    for k in 0..TRIALS {
        let (x, y) = (simulate(&with, k), simulate(&without, k));
        let won = total(&with, &x, b, Metric::CreatorsWon, 0..30);
        let (gx, gy) = (
            total(&with, &x, b, Metric::GmvUsd, 0..30),
            total(&without, &y, b, Metric::GmvUsd, 0..30),
        );
        println!("trial {k}: won {won}; b's GMV {gx:.0} poaching vs {gy:.0} not");
        assert!(won > 0.0, "trial {k}: the campaign must win someone");
        assert!(gx >= gy, "trial {k}: poaching lowered b's GMV: {gx} < {gy}");
    }
}

#[test]
fn dormant_creators_come_back_when_earnings_return() {
    // Wages above what the first weeks of a young market pay: creators go dormant early
    // (no grace), then adoption grows, commission per follower rises, and they come back.
    let platforms = r#"
        [platforms.p]
        creator_commission = 0.2
        [platforms.p.markets.XX]
        reach = 1.0
        live = { launch = 2021-01-04 }
    "#;
    let country = "deal_sensitivity = 0.0\n\
         spend = { sessions_per_week = 3.0, conversion = 0.05 }\n\
         creators = { agents = 300, reservation_usd = 400, reservation_sigma = 0.5, quit_after = 2 }";
    let w = xx(country, platforms, 40);
    let m = market(&w, "XX", "p");
    for k in 0..4 {
        let r = simulate(&w, k);
        let dormant = series(&w, &r, m, Metric::CreatorsDormant);
        let returned = total(&w, &r, m, Metric::CreatorsReturned, 0..40);
        let peak = dormant.iter().cloned().fold(0.0, f64::max);
        println!(
            "trial {k}: dormant peak {peak}, end {}, returned {returned}",
            dormant[39]
        );
        assert!(peak > 30.0, "trial {k}: creators must go dormant early");
        assert!(
            returned > 0.0 && dormant[39] < peak,
            "trial {k}: and come back"
        );
    }
}

/// A platform p with a 20% discount under `policy` (TOML keys of the subsidy table).
fn discounted(policy: &str, deal_sensitivity: f64) -> World {
    xx(
        &format!(
            "deal_sensitivity = {deal_sensitivity}\n\
             spend = {{ sessions_per_week = 3.0, conversion = 0.05 }}\n\
             creators = {{ agents = 300 }}"
        ),
        &format!(
            r#"
            [platforms.p]
            take_rate = 0.05
            [platforms.p.markets.XX]
            reach = 0.8
            live = {{ launch = 2021-01-04 }}
            subsidy = {{ rate = 0.2, {policy} }}
            "#
        ),
        24,
    )
}

#[test]
fn cutting_a_discount_never_raises_the_next_windows_gmv() {
    // Both arms are identical, draw for draw, until week 8, where one arm's review (target
    // out of reach) halves the rate: GMV over weeks 8-15 is lower in every pair.
    let held = discounted("policy = \"fixed\"", 3.0);
    let cut = discounted(
        "policy = \"review\", measure = \"contribution\", review_weeks = 8, review_target = 1e9",
        3.0,
    );
    let m = market(&held, "XX", "p");
    for k in 0..TRIALS {
        let (a, b) = (simulate(&held, k), simulate(&cut, k));
        assert_eq!(
            a.weekly[..8 * held.markets.len()],
            b.weekly[..8 * held.markets.len()],
            "trial {k}: the arms must agree before the cut"
        );
        assert_eq!(series(&cut, &b, m, Metric::Discount)[8], 0.1);
        let (ga, gb) = (
            total(&held, &a, m, Metric::GmvUsd, 8..16),
            total(&cut, &b, m, Metric::GmvUsd, 8..16),
        );
        println!("trial {k}: weeks 8-15 GMV held {ga:.0}, cut {gb:.0}");
        assert!(gb <= ga, "trial {k}: the cut raised GMV: {gb} > {ga}");
    }
}

#[test]
fn a_review_measure_is_higher_where_consumers_respond_more_to_the_discount() {
    // Same rate, same rule, same trials; consumers respond to the discount (δ = 4) or not
    // (δ = 0). The first review's measure (week 8 for the holdout, week 16 for growth, which
    // needs a whole window of sales before it) is higher in the responsive market, in every
    // pair, for both measures that read the market's response.
    for measure in ["incremental", "growth"] {
        let rule = format!(
            "policy = \"review\", measure = \"{measure}\", review_weeks = 8, review_target = 0, holdout_share = 0.2"
        );
        let (dull, keen) = (discounted(&rule, 0.0), discounted(&rule, 4.0));
        assert_eq!(dull.weeks, 24, "two reviews fit");
        for k in 0..TRIALS {
            let first = |w: &World, r: &TrialResult| {
                let _ = w;
                r.log
                    .iter()
                    .find(|e| e.kind == EventKind::Review)
                    .expect("a review")
                    .value
            };
            let (a, b) = (
                first(&dull, &simulate(&dull, k)),
                first(&keen, &simulate(&keen, k)),
            );
            println!("{measure} trial {k}: δ = 0 gives {a:.3}, δ = 4 gives {b:.3}");
            assert!(b > a, "{measure} trial {k}: {b} <= {a}");
        }
    }
}

/// Platform a live from week 0; b opens at week 20; nobody lapses.
fn late_entrant(uptake: f64) -> World {
    xx_lapse(
        0.0,
        &format!(
            "deal_sensitivity = 0.0\nhabit_uptake = {uptake}\n\
             spend = {{ sessions_per_week = 3.0, conversion = 0.05 }}\n\
             creators = {{ agents = 300 }}"
        ),
        r#"
        [platforms.a]
        [platforms.a.markets.XX]
        reach = 0.8
        live = { launch = 2021-01-04 }
        [platforms.b]
        [platforms.b.markets.XX]
        reach = 0.5
        live = { launch = 2021-05-24 }
        "#,
        30,
    )
}

#[test]
fn a_late_entrant_ramps_up_through_habit_uptake_and_starts_from_zero_without_it() {
    let (none, some) = (late_entrant(0.0), late_entrant(0.1));
    let (b, a) = (market(&none, "XX", "b"), market(&none, "XX", "a"));
    let weight = 10_000_000.0 / 20_000.0;
    for k in 0..4 {
        // Without uptake, b's habits in its first week come only from consumers who accept
        // live shopping that week: without lapse, at most the week's rise in category
        // adopters (exact, no tolerance).
        let r = simulate(&none, k);
        let habits = series(&none, &r, b, Metric::Adopters);
        let category = series(&none, &r, a, Metric::CategoryAdopters);
        assert_eq!(habits[19], 0.0, "closed: no habits");
        let accepted = category[20] - category[19];
        println!(
            "no uptake, trial {k}: b's habits {} <= {accepted}",
            habits[20]
        );
        assert!(habits[20] <= accepted, "trial {k}");
        // With uptake 0.1 the category adopters who use b (about half of them: b's reach is
        // 0.5, drawn independently of a's) take a habit with probability 0.1 in b's first
        // week: expected 0.1 × 0.5 × C people, a binomial over C × 0.5 / weight agents.
        let r = simulate(&some, k);
        let habits = series(&some, &r, b, Metric::Adopters);
        let c = series(&some, &r, a, Metric::CategoryAdopters)[19];
        let expected = 0.1 * 0.5 * c;
        let sd = (c * 0.5 / weight * 0.1 * 0.9).sqrt() * weight;
        println!(
            "uptake, trial {k}: b's habits week 20 {} (expected about {expected:.0} ± {sd:.0}), week 29 {}",
            habits[20], habits[29]
        );
        assert!(habits[20] >= expected - 5.0 * sd, "trial {k}");
        assert!(
            habits[29] > 2.0 * habits[20],
            "trial {k}: the habits ramp up"
        );
    }
}

#[test]
fn well_mixed_adoption_with_lapse_settles_at_the_mean_field_fixed_point() {
    // docs/model.md derives it: with no orders and lapse_after = 1, an adopter lapses with
    // probability L every week after the one it adopted in, and a non-adopter adopts with
    // h(F) = (p + q F)(1 + δ d), F the share at the start of the week. The share moves as
    // F' = F (1 − L) + (1 − F) h(F); at the fixed point F L = (1 − F)(p + q F) k, k = 1 + δ d:
    // k q F² + (L − k q + k p) F − k p = 0.
    let (p, q, l, delta, d): (f64, f64, f64, f64, f64) = (0.01, 0.3, 0.1, 1.0, 0.2);
    let w = world(&format!(
        r#"
        start = 2021-01-04
        weeks = 120
        [countries.XX]
        population = 100000
        agents = 100000
        live_affinity = {{ mean = 1.0 }}
        deal_sensitivity = {delta}
        lapse = {l}
        lapse_after = 1
        diffusion = {{ innovation = {p}, imitation = {q}, network = "well_mixed" }}
        spend = {{ sessions_per_week = 0.0 }}
        [platforms.only.markets.XX]
        live = {{ launch = 2021-01-04 }}
        subsidy = {{ rate = {d} }}
        "#
    ));
    let k = 1.0 + delta * d;
    let b = l - k * q + k * p;
    let fixed = (-b + (b * b + 4.0 * k * k * q * p).sqrt()) / (2.0 * k * q);
    let r = simulate(&w, 0);
    let shares: Vec<f64> = series(&w, &r, 0, Metric::Adopters)
        .iter()
        .map(|x| x / 1e5)
        .collect();
    // The iteration settles within 1e-4 of the fixed point by week 60 (it contracts by
    // about 0.75 a week); a week's share then has sd about sqrt(F(1 − F)/N) = 0.0016 at
    // N = 100k, and the mean of weeks 60-119 is within 0.01 by far.
    let mean = shares[60..].iter().sum::<f64>() / 60.0;
    println!("fixed point {fixed:.4}, simulated mean {mean:.4}");
    assert!((mean - fixed).abs() < 0.01, "{mean} vs {fixed}");
    for (t, s) in shares.iter().enumerate().skip(60) {
        assert!((s - fixed).abs() < 0.01, "week {t}: {s} vs {fixed}");
    }
}
