//! Model 3's mechanisms (docs/model.md, "Model 3"), each tested by its direction with common
//! random numbers: reviews that read value and go both ways, gates that read a plan, exits
//! that read a mean, the long tail of creators, poaching that moves viewers, and switches
//! that each turn one feedback off.
//!
//! As in `dynamics`, each paired test asserts its direction in every pair, and prints the
//! measured margins (`-- --nocapture`); the arms are built so that the mechanism moves the
//! outcome by many times the pairs' noise.

use crate::common::world;
use crate::dynamics::{market, series, total};
use livemarket::model::{EventKind, Metric, TrialResult, simulate};
use livemarket::world::World;

const TRIALS: u64 = 8;

/// One country XX of 20,000 agents (10 m people) with the given extra country keys and
/// platform tables.
fn xx(country: &str, platforms: &str, weeks: u32) -> World {
    world(&format!(
        r#"
        start = 2021-01-04
        weeks = {weeks}
        seed = 7
        [countries.XX]
        population = 10_000_000
        agents = 20_000
        lapse = 0.2
        lapse_after = 4
        diffusion = {{ innovation = 0.02, imitation = 0.3, contacts = 10 }}
        {country}
        {platforms}
        "#
    ))
}

/// A platform p with a subsidy reviewed on `value` every 8 weeks, in a country whose
/// consumers respond to the discount with δ (ordinary and deal-seekers alike) and accept
/// live shopping with mean affinity `affinity`.
fn valued(delta: f64, affinity: f64, subsidy: &str, weeks: u32) -> World {
    xx(
        &format!(
            "live_affinity = {{ mean = {affinity}, sd = 0.1 }}\n\
             deal_sensitivity = {delta}\n\
             deal_seekers = {{ share = 0.0 }}\n\
             spend = {{ sessions_per_week = 3.0, conversion = 0.05 }}\n\
             creators = {{ agents = 300 }}"
        ),
        &format!(
            r#"
            [platforms.p]
            take_rate = 0.2
            [platforms.p.markets.XX]
            reach = 0.8
            live = {{ launch = 2021-01-04 }}
            subsidy = {{ policy = "review", measure = "value", review_weeks = 8, holdout_share = 0.2, {subsidy} }}
            "#
        ),
        weeks,
    )
}

fn reviews(r: &TrialResult) -> Vec<(u32, f64, f64)> {
    r.log
        .iter()
        .filter(|e| e.kind == EventKind::Review)
        .map(|e| (e.week, e.value, e.detail))
        .collect()
}

#[test]
fn a_value_review_keeps_a_higher_rate_where_consumers_respond_more_to_the_discount() {
    // Same band (cut below 1, raise above 2), same trials; δ = 0 (the discount buys nothing,
    // so the incremental margin and habits are noise around 0) against δ = 4. After five
    // reviews the responsive market's rate is higher in every pair.
    let band = "rate = 0.2, review_target = 1.0, review_target_high = 2.0, cut = 0.7, raise = 1.2, max_rate = 0.4";
    let (dull, keen) = (valued(0.0, 0.5, band, 48), valued(4.0, 0.5, band, 48));
    let m = market(&dull, "XX", "p");
    for k in 0..TRIALS {
        let (a, b) = (simulate(&dull, k), simulate(&keen, k));
        let (ra, rb) = (
            series(&dull, &a, m, Metric::Discount)[47],
            series(&keen, &b, m, Metric::Discount)[47],
        );
        println!(
            "trial {k}: δ 0 reviews {:?}\n         δ 4 reviews {:?}",
            reviews(&a),
            reviews(&b)
        );
        assert!(
            rb > ra,
            "trial {k}: rate {rb} with δ = 4 <= {ra} with δ = 0"
        );
    }
}

#[test]
fn a_value_review_raises_a_rate_cut_too_far_and_spares_a_high_acceptance_market() {
    // A high-acceptance, responsive market starting at a 2% discount, far below what pays:
    // the value reviews raise it, in every trial, and never take it to the floor. The same
    // market under model 2's growth review with raise = 1 (a one-way ratchet) ends lower.
    let start = "rate = 0.02, review_target = 1.0, review_target_high = 2.0, cut = 0.7, raise = 1.5, max_rate = 0.4, min_rate = 0.01";
    let valued_arm = valued(4.0, 0.8, start, 48);
    let m = market(&valued_arm, "XX", "p");
    for k in 0..TRIALS {
        let r = simulate(&valued_arm, k);
        let rates = series(&valued_arm, &r, m, Metric::Discount);
        println!("trial {k}: reviews {:?}", reviews(&r));
        assert!(
            rates[47] > 0.02,
            "trial {k}: the rate was not raised: {}",
            rates[47]
        );
        assert!(
            rates[8..].iter().all(|&d| d > 0.01),
            "trial {k}: the rate reached the floor"
        );
    }
}

#[test]
fn a_band_keeps_the_rate_between_its_targets() {
    // A measure inside the band leaves the rate as it is: with a band from -1e9 to 1e9 no
    // review changes the rate, though every review is logged with its measure.
    let w = valued(
        4.0,
        0.5,
        "rate = 0.2, review_target = -1e9, review_target_high = 1e9, cut = 0.5, raise = 2.0, max_rate = 0.4",
        40,
    );
    let m = market(&w, "XX", "p");
    for k in 0..2 {
        let r = simulate(&w, k);
        assert!(reviews(&r).len() >= 3, "trial {k}: reviews happen");
        assert!(
            series(&w, &r, m, Metric::Discount)[1..]
                .iter()
                .all(|&d| d == 0.2),
            "trial {k}: a review inside the band changed the rate"
        );
    }
}

/// Platform p in XX (under `subsidy`) and platform q in YY gated on XX by `gate`.
fn gated(gate: &str, plan: &str) -> World {
    world(&format!(
        r#"
        start = 2021-01-04
        weeks = 30
        seed = 11
        [countries.XX]
        population = 10_000_000
        agents = 20_000
        live_affinity = {{ mean = 0.5, sd = 0.1 }}
        diffusion = {{ innovation = 0.02, imitation = 0.3, contacts = 10 }}
        spend = {{ sessions_per_week = 3.0, conversion = 0.05 }}
        creators = {{ agents = 300 }}
        [countries.YY]
        population = 1_000_000
        agents = 2_000
        [platforms.p]
        [platforms.p.markets.XX]
        reach = 0.8
        live = {{ launch = 2021-01-04 }}
        plan = {plan}
        [platforms.p.markets.YY]
        live = {{ launch = 2021-06-07, gate = {{ market = "XX", {gate} }} }}
        "#
    ))
}

#[test]
fn a_plan_gate_opens_when_the_market_meets_its_plan_and_cancels_when_it_does_not() {
    // The same market, the same trials; only the plan differs. Its GMV over weeks 18-21 is
    // measured first (the gate reads a 4-week window before week 22), and plans set at a
    // tenth and ten times that level: the first opens in every trial, the second cancels.
    let probe = gated("measure = \"plan\"", "{ weekly_gmv_usd = 1 }");
    let xx = market(&probe, "XX", "p");
    let yy = market(&probe, "YY", "p");
    let level: f64 = (0..TRIALS)
        .map(|k| total(&probe, &simulate(&probe, k), xx, Metric::GmvUsd, 18..22) / 4.0)
        .sum::<f64>()
        / TRIALS as f64;
    let low = gated(
        "measure = \"plan\"",
        &format!("{{ weekly_gmv_usd = {} }}", level / 10.0),
    );
    let high = gated(
        "measure = \"plan\"",
        &format!("{{ weekly_gmv_usd = {} }}", level * 10.0),
    );
    for k in 0..TRIALS {
        let (a, b) = (simulate(&low, k), simulate(&high, k));
        println!("trial {k}: mean weekly GMV level {level:.0}");
        assert_eq!(a.events[yy].opened, Some(22), "trial {k}: a low plan opens");
        assert!(b.events[yy].cancelled, "trial {k}: a high plan cancels");
        let cancel = b
            .log
            .iter()
            .find(|e| e.kind == EventKind::Cancelled)
            .unwrap();
        assert!(
            cancel.value > 0.05 && cancel.value < 0.2,
            "trial {k}: the event carries the share of plan met, {}",
            cancel.value
        );
    }
}

#[test]
fn a_plan_given_as_points_is_interpolated_between_them() {
    // Points 2021-01-04 → 0 and 2021-01-04 + 28 weeks → 28 M: the plan of week t is t M.
    let w = gated(
        "measure = \"plan\"",
        "{ points = [[2021-01-04, 0.0], [2021-07-19, 28e6]] }",
    );
    let plan = w.markets[market(&w, "XX", "p")].plan.as_ref().unwrap();
    for (t, &v) in plan.iter().enumerate().take(29) {
        assert!((v - t as f64 * 1e6).abs() < 1e-6, "week {t}: {v}");
    }
    assert_eq!(plan[29], 28e6, "flat after the last point");
}

/// Two platforms in XX: a (half the creators), live from week 0, and b, which opens in week
/// 15, when a has a market of habit holders, and poaches a's top creators with `loyalty` of
/// their followers' habits following them.
fn poaching(loyalty: f64, campaign: bool) -> World {
    let rule = if campaign {
        format!(
            "poaching = {{ from = [\"a\"], weekly_budget_usd = 500_000, top_share = 0.3, premium = 1.5, min_offer_usd = 10, contract_weeks = 20, follower_carry = 0.8, value_multiple = 10, follower_loyalty = {loyalty} }}"
        )
    } else {
        String::new()
    };
    xx(
        "live_affinity = { mean = 0.5, sd = 0.1 }\ndeal_sensitivity = 2.0\nhabit_uptake = 0.0\n\
         spend = { sessions_per_week = 3.0, conversion = 0.05, creator_elasticity = 1.0 }\n\
         creators = { agents = 300 }",
        &format!(
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
            live = {{ launch = 2021-04-19 }}
            {rule}
            "#
        ),
        30,
    )
}

#[test]
fn poached_creators_bring_viewers_more_the_more_followers_move() {
    // No campaign, a campaign whose followers stay (loyalty 0), and campaigns whose
    // followers' habits follow (0.3, 1). Habit uptake is 0, so b gains a's habit holders
    // only through the demand channel. The poacher's GMV rises and the victim's falls with
    // loyalty, in every pair.
    let arms: Vec<World> = [0.0, 0.5, 1.0]
        .into_iter()
        .map(|l| poaching(l, true))
        .collect();
    let none = poaching(0.0, false);
    let (a, b) = (market(&none, "XX", "a"), market(&none, "XX", "b"));
    for k in 0..TRIALS {
        let base = simulate(&none, k);
        let runs: Vec<TrialResult> = arms.iter().map(|w| simulate(w, k)).collect();
        let gmv = |r: &TrialResult, m| total(&none, r, m, Metric::GmvUsd, 0..30);
        let poacher: Vec<f64> = runs.iter().map(|r| gmv(r, b)).collect();
        let victim: Vec<f64> = runs.iter().map(|r| gmv(r, a)).collect();
        println!(
            "trial {k}: b's GMV none {:.0}, loyalty 0/0.5/1 {poacher:.0?}; a's {:.0} / {victim:.0?}",
            gmv(&base, b),
            gmv(&base, a)
        );
        assert!(
            total(&none, &runs[0], b, Metric::CreatorsWon, 0..30) > 0.0,
            "trial {k}: the campaign wins creators"
        );
        assert!(poacher[0] >= gmv(&base, b), "trial {k}: poaching lowered b");
        assert!(
            poacher[1] > poacher[0] && poacher[2] > poacher[1],
            "trial {k}: the poacher's GMV must rise with loyalty: {poacher:?}"
        );
        assert!(
            victim[1] < victim[0] && victim[2] < victim[1],
            "trial {k}: the victim's GMV must fall with loyalty: {victim:?}"
        );
    }
}

/// A UK-like market: creators on platform p whose commission is `commission`, wages that
/// the full commission covers for most creators, η = 1, and an exit rule that would read
/// only after week 60.
fn commissioned(commission: f64, tail: &str) -> World {
    xx(
        &format!(
            "live_affinity = {{ mean = 0.4, sd = 0.1 }}\ndeal_sensitivity = 0.0\n\
             spend = {{ sessions_per_week = 3.0, conversion = 0.05, creator_elasticity = 1.0 }}\n\
             creators = {{ agents = 300, reservation_sigma = 0.5, quit_after = 4, grace_weeks = 4 {tail} }}"
        ),
        &format!(
            r#"
            [platforms.p]
            creator_commission = {commission}
            [platforms.p.markets.XX]
            reach = 0.8
            live = {{ launch = 2021-01-04 }}
            exit = {{ min_weekly_gmv_usd = 1e12, patience_weeks = 4, grace_weeks = 56 }}
            "#
        ),
        40,
    )
}

#[test]
fn halving_the_commission_sends_creators_dormant_before_any_withdrawal_and_lowers_gmv() {
    // The full commission keeps most creators above their wage; half of it sends many
    // dormant within the 40 weeks (before the exit rule could read), and with η = 1 the
    // thinner supply of streams lowers GMV, in every pair.
    let wage = ", reservation_usd = 500";
    let (full, half) = (commissioned(0.2, wage), commissioned(0.1, wage));
    let m = market(&full, "XX", "p");
    for k in 0..TRIALS {
        let (a, b) = (simulate(&full, k), simulate(&half, k));
        let (da, db) = (
            series(&full, &a, m, Metric::CreatorsDormant)[39],
            series(&half, &b, m, Metric::CreatorsDormant)[39],
        );
        let (ga, gb) = (
            total(&full, &a, m, Metric::GmvUsd, 0..40),
            total(&half, &b, m, Metric::GmvUsd, 0..40),
        );
        println!("trial {k}: dormant {da} vs {db}; GMV {ga:.0} vs {gb:.0}");
        assert!(
            b.events[m].withdrawn.is_none(),
            "trial {k}: no withdrawal yet"
        );
        assert!(
            db > da + 20.0,
            "trial {k}: half the commission must send creators dormant"
        );
        assert!(gb < ga, "trial {k}: and lower GMV through η");
    }
}

#[test]
fn the_long_tail_thins_when_its_earnings_fall_below_its_wages() {
    // Head creators with no wage never go dormant, so without a tail the commission changes
    // nothing consumers see: GMV is identical at 0.2 and 0.02. With half the sessions hosted
    // by a tail of 3,000 creators whose median wage a tenth of the commission does not
    // cover, the tail thins, and with η = 1 sessions and GMV fall, in every pair.
    let head = ", reservation_usd = 0";
    let tail =
        ", reservation_usd = 0, tail_share = 0.5, tail_creators = 3000, tail_reservation_usd = 20";
    let (hi, lo) = (commissioned(0.2, head), commissioned(0.02, head));
    let (hi_t, lo_t) = (commissioned(0.2, tail), commissioned(0.02, tail));
    let m = market(&hi, "XX", "p");
    for k in 0..TRIALS {
        let sessions = |w: &World| total(w, &simulate(w, k), m, Metric::Sessions, 30..40);
        assert_eq!(
            series(&hi, &simulate(&hi, k), m, Metric::GmvUsd),
            series(&lo, &simulate(&lo, k), m, Metric::GmvUsd),
            "trial {k}: without a tail and with no wages the commission changes nothing"
        );
        let (sa, sb) = (sessions(&hi_t), sessions(&lo_t));
        println!("trial {k}: weeks 30-39 sessions with a tail {sa:.0} vs {sb:.0}");
        assert!(
            sb < 0.8 * sa,
            "trial {k}: the tail must thin at a tenth of the commission"
        );
    }
}

/// Everything on: two platforms, deal-seekers, a value review with a band, poaching with
/// loyal followers, η, lapse, an exit rule that can fire.
fn story(switches: &str) -> World {
    world(&format!(
        r#"
        start = 2021-01-04
        weeks = 40
        seed = 13
        [switches]
        {switches}
        [countries.XX]
        population = 10_000_000
        agents = 20_000
        live_affinity = {{ mean = 0.4, sd = 0.1 }}
        deal_sensitivity = 3.0
        deal_seekers = {{ share = 0.3, sensitivity = 10.0, lapse = 0.3, below = 0.5 }}
        lapse = 0.2
        lapse_after = 4
        habit_uptake = 0.02
        diffusion = {{ innovation = 0.02, imitation = 0.3, contacts = 10 }}
        spend = {{ sessions_per_week = 3.0, conversion = 0.05, creator_elasticity = 1.0 }}
        creators = {{ agents = 300, reservation_usd = 150, quit_after = 4, grace_weeks = 4 }}
        [platforms.a]
        creator_commission = 0.1
        [platforms.a.markets.XX]
        reach = 0.8
        creator_share = 0.5
        live = {{ launch = 2021-01-04 }}
        subsidy = {{ rate = 0.2, policy = "review", measure = "value", review_weeks = 8, review_target = 50, cut = 0.5 }}
        exit = {{ min_weekly_gmv_usd = 3e6, patience_weeks = 4, grace_weeks = 13 }}
        [platforms.b]
        take_rate = 0.1
        creator_commission = 0.1
        [platforms.b.markets.XX]
        reach = 0.8
        live = {{ launch = 2021-01-04 }}
        poaching = {{ from = ["a"], weekly_budget_usd = 50_000, top_share = 0.1, premium = 1.5, min_offer_usd = 10, contract_weeks = 20, follower_carry = 0.8, value_multiple = 10, follower_loyalty = 0.5 }}
        "#
    ))
}

#[test]
fn every_switch_turns_off_a_feedback_that_changes_the_outcome() {
    // With every feedback on, the story's world; then each switch off in turn. Each one
    // changes platform a's or b's weekly GMV in every trial (the test that every link of
    // the story does something); `reviews = false` keeps a's rate at its start and
    // `exit = false` withdraws nothing.
    let on = story("");
    let (a, b) = (market(&on, "XX", "a"), market(&on, "XX", "b"));
    let names = [
        "price",
        "deal_seekers",
        "creator_supply",
        "word_of_mouth",
        "habit_decay",
        "poaching_demand",
        "reviews",
        "exit",
    ];
    let runs_on: Vec<TrialResult> = (0..4).map(|k| simulate(&on, k)).collect();
    for name in names {
        let off = story(&format!("{name} = false"));
        for (k, base) in runs_on.iter().enumerate() {
            let r = simulate(&off, k as u64);
            let gmv = |w: &World, r: &TrialResult, m| series(w, r, m, Metric::GmvUsd);
            let same =
                gmv(&on, base, a) == gmv(&off, &r, a) && gmv(&on, base, b) == gmv(&off, &r, b);
            println!(
                "{name} off, trial {k}: a's GMV {:.0} vs {:.0}",
                total(&on, base, a, Metric::GmvUsd, 0..40),
                total(&off, &r, a, Metric::GmvUsd, 0..40)
            );
            assert!(!same, "switching {name} off changed nothing in trial {k}");
            match name {
                "reviews" => assert!(
                    series(&off, &r, a, Metric::Discount)
                        .iter()
                        .all(|&d| d == 0.2 || d == 0.0),
                    "trial {k}: reviews off must keep the rate"
                ),
                "exit" => assert!(r.events[a].withdrawn.is_none(), "trial {k}: exit off"),
                _ => {}
            }
        }
    }
    assert!(
        runs_on.iter().any(|r| r.events[a].withdrawn.is_some()),
        "the story's exit rule must fire in some trial, or switching it off is untested"
    );
}

#[test]
fn without_price_response_gmv_does_not_depend_on_the_rate() {
    // price = false: consumers see no discount, so a 5% and a 30% rate give the same GMV,
    // week by week, in every trial (while the platform's subsidy spend differs). With price
    // response on, they differ.
    let at = |rate: f64, price: bool| {
        valued(
            4.0,
            0.5,
            &format!("rate = {rate}, review_target = -1e9, review_target_high = 1e9"),
            30,
        )
        .with_price(price)
    };
    let m = 0;
    for k in 0..4 {
        let (lo, hi) = (at(0.05, false), at(0.3, false));
        let (a, b) = (simulate(&lo, k), simulate(&hi, k));
        assert_eq!(
            series(&lo, &a, m, Metric::GmvUsd),
            series(&hi, &b, m, Metric::GmvUsd),
            "trial {k}: GMV depends on the rate without price response"
        );
        assert!(
            total(&hi, &b, m, Metric::SubsidyUsd, 0..30)
                > 3.0 * total(&lo, &a, m, Metric::SubsidyUsd, 0..30),
            "trial {k}: the platform still pays the discount"
        );
        let (c, d) = (at(0.05, true), at(0.3, true));
        assert_ne!(
            series(&c, &simulate(&c, k), m, Metric::GmvUsd),
            series(&d, &simulate(&d, k), m, Metric::GmvUsd),
            "trial {k}: with price response the rate matters"
        );
    }
}

/// Sets the price switch of a built world.
trait WithPrice {
    fn with_price(self, price: bool) -> World;
}

impl WithPrice for World {
    fn with_price(mut self, price: bool) -> World {
        self.switches.price = price;
        self
    }
}

#[test]
fn the_creator_earnings_script_reads_a_run_with_creators() {
    // docs/calibration.md's earnings/wage table comes from scripts/creator-earnings.py: run
    // it on a small run with --creators and check its rows against creators.csv.
    let dir = crate::common::tempdir();
    let out = dir.path().join("small");
    crate::common::livemarket()
        .args([
            "run",
            crate::common::SMALL,
            "--trials",
            "2",
            "--creators",
            "-q",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    let printed = std::process::Command::new("python3")
        .arg("scripts/creator-earnings.py")
        .arg(&out)
        .output()
        .expect("python3 runs");
    assert!(printed.status.success(), "{printed:?}");
    let text = String::from_utf8(printed.stdout).unwrap();
    // Counted as the script counts: creators whose first home market opened in their trial.
    let events = crate::common::read(&out.join("events.csv"));
    let opened: Vec<(String, String, String)> = events
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[6] == "opened")
        .map(|f| (f[0].to_string(), f[4].to_string(), f[5].to_string()))
        .collect();
    let creators = crate::common::read(&out.join("creators.csv"));
    for country in ["AA", "BB"] {
        let n = creators
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| {
                f[2] == country
                    && opened.contains(&(f[0].to_string(), f[2].to_string(), f[4].to_string()))
            })
            .count();
        assert!(n > 0, "{country} has creators of an opened market");
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("| {country} | {n} |"))),
            "{country} with {n} creators × trials: {text}"
        );
    }
}
