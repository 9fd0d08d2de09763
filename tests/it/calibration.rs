//! Calibration and what-if tests: the baseline's stylized 2021 facts (docs/calibration.md)
//! and the direction of each what-if's headline (docs/scenarios.md), at reduced resolution.
//!
//! Resolution: every country's consumer agents divided by 5 except the UK's (330,000 ->
//! 146,000 agents; creators are real people and are kept), and 78 weeks (to the end of
//! June 2022: every gated launch is dated by week 74). The UK keeps its 100,000 agents
//! because the gates read its GMV (under model 1 the sampling noise of the UK's weekly GMV
//! at 20,000 agents, not the market, decided the launches; model 2's resolution test,
//! tests/it/resolution.rs, holds the UK's outcomes equal from 25,000 to 100,000 agents).
//!
//! Trials use fixed seeds (each scenario's own seed, trials 0..N), and every tolerance comes
//! from the trial-to-trial spread measured at this resolution by `spread_at_test_resolution`
//! (ignored; `cargo test --test it calibration -- --ignored --nocapture` prints it),
//! whose numbers are quoted beside each assertion.
//!
//! The baseline's targets, and every quantity below, are those of `scenarios/targets-2021.toml`
//! computed by `livemarket::targets`, the module `livemarket targets DIR` uses: the test and
//! the table of docs/calibration.md measure the same thing.

use livemarket::model::{Metric, TrialResult, simulate};
use livemarket::scenario::{BASELINE_TOML, Scenario};
use livemarket::targets::{Kind, Quantity, Targets};
use livemarket::world::World;
use rayon::prelude::*;
use std::ops::RangeInclusive;

/// Consumer agents are divided by this, except the UK's (creators are real people: kept).
const AGENT_DIVISOR: u32 = 5;
/// Weeks simulated: through 2022-06-27, after the last gated launch (week 74).
const WEEKS: u32 = 78;
/// Weeks 0-51 are 2021.
const WEEKS_2021: u32 = 52;

const GATED: [&str; 5] = ["DE", "FR", "IT", "ES", "US"];
const SEA_2022: [&str; 4] = ["TH", "VN", "MY", "PH"];

fn scenario(text: &str, file: &str) -> Scenario {
    let mut s = Scenario::from_toml_str(text, file).expect("a bundled scenario is valid");
    for (code, country) in s.countries.iter_mut() {
        if code != "GB" {
            country.agents /= AGENT_DIVISOR;
        }
    }
    s.weeks = WEEKS;
    s.sweep = None;
    s
}

fn baseline() -> Scenario {
    scenario(BASELINE_TOML, "baseline.toml")
}

/// The targets file the baseline is held to (the one `livemarket targets` bundles).
fn targets() -> Targets {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/targets-2021.toml");
    Targets::from_path(std::path::Path::new(path)).expect("the targets file is valid")
}

/// The outcomes of trials 0..n of one scenario.
struct Runs {
    world: World,
    trials: Vec<TrialResult>,
}

fn run(s: &Scenario, n: u64) -> Runs {
    let world = World::new(s);
    let trials = (0..n)
        .into_par_iter()
        .map(|k| simulate(&world, k))
        .collect();
    Runs { world, trials }
}

impl Runs {
    /// `q` in trial `k`.
    fn of(&self, q: &Quantity, k: usize) -> f64 {
        q.of(&self.world, &self.trials[k])
    }

    /// `q` in every trial.
    fn each(&self, q: &Quantity) -> Vec<f64> {
        (0..self.n()).map(|k| self.of(q, k)).collect()
    }

    fn n(&self) -> usize {
        self.trials.len()
    }
}

/// A quantity of TikTok's markets in `countries` (all when empty) over weeks `weeks`.
fn tiktok(
    kind: Kind,
    metric: Option<Metric>,
    countries: &[&str],
    weeks: RangeInclusive<u32>,
) -> Quantity {
    Quantity {
        kind,
        metric,
        countries: countries.iter().map(|c| c.to_string()).collect(),
        platforms: vec!["tiktok".to_string()],
        country: None,
        weeks: Some((*weeks.start(), *weeks.end())),
    }
}

/// TikTok's GMV in `countries` (all when empty) over weeks `weeks`.
fn tiktok_gmv(countries: &[&str], weeks: RangeInclusive<u32>) -> Quantity {
    tiktok(Kind::Sum, Some(Metric::GmvUsd), countries, weeks)
}

/// Share of TikTok's gated launches cancelled, per trial.
fn gated_cancelled() -> Quantity {
    tiktok(Kind::Cancelled, None, &GATED, 0..=WEEKS - 1)
}

/// Mean, sample sd, min and max.
fn stats(xs: &[f64]) -> (f64, f64, f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let min = xs.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    (mean, var.sqrt(), min, max)
}

fn print(label: &str, xs: &[f64]) {
    let (mean, sd, min, max) = stats(xs);
    println!("{label:<48} mean {mean:>14.4} sd {sd:>12.4} min {min:>14.4} max {max:>14.4}");
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

const SUBSIDY_PUSH: &str = include_str!("../../scenarios/uk-subsidy-push.toml");
const POACHING_WAR: &str = include_str!("../../scenarios/creator-poaching-war.toml");
const EUROPE_LAUNCH: &str = include_str!("../../scenarios/europe-launch.toml");
const NO_SEA: &str = include_str!("../../scenarios/sea-expansion.toml");
const TAKEOFF: &str = include_str!("../../scenarios/uk-takeoff-sweep.toml");

/// Trials of the baseline (the stylized facts).
const N_BASELINE: u64 = 40;
/// Trials of each what-if, paired with the baseline's first N_WHAT_IF trials.
const N_WHAT_IF: u64 = 16;

/// The take-off sweep's file at one point: UK affinity and TikTok's (held) UK discount.
fn takeoff_point(affinity: f64, rate: f64) -> Scenario {
    let mut s = scenario(TAKEOFF, "scenarios/uk-takeoff-sweep.toml");
    s.countries["GB"].live_affinity.mean = affinity;
    s.platforms["tiktok"].markets["GB"]
        .subsidy
        .as_mut()
        .expect("the UK has a subsidy")
        .rate = rate;
    s
}

/// Per paired trial, `q(what_if, k) / q(baseline, k)`.
fn ratios(what_if: &Runs, base: &Runs, q: &Quantity) -> Vec<f64> {
    (0..what_if.n())
        .map(|k| what_if.of(q, k) / base.of(q, k))
        .collect()
}

fn uk_gmv() -> Quantity {
    tiktok_gmv(&["GB"], 0..=WEEKS - 1)
}

fn tiktok_creators_lost() -> Quantity {
    tiktok(
        Kind::Sum,
        Some(Metric::CreatorsLost),
        &["GB", "US"],
        0..=WEEKS - 1,
    )
}

fn five_gmv() -> Quantity {
    tiktok_gmv(&GATED, 0..=WEEKS - 1)
}

fn tiktok_2022() -> Quantity {
    tiktok_gmv(&[], WEEKS_2021..=WEEKS - 1)
}

/// TikTok's mean weekly UK GMV over the last 4 weeks (June 2022).
fn uk_last4(r: &Runs) -> Vec<f64> {
    let q = tiktok_gmv(&["GB"], WEEKS - 4..=WEEKS - 1);
    r.each(&q).into_iter().map(|g| g / 4.0).collect()
}

const TAKEOFF_POINTS: [(f64, f64); 4] = [(0.25, 0.0), (0.25, 0.4), (0.35, 0.0), (0.4, 0.4)];

#[test]
#[ignore = "measures the spread quoted in the other tests' comments"]
fn spread_at_test_resolution() {
    let base = run(&baseline(), N_BASELINE);
    let t = targets();
    let measured = t.measure(&base.world, &base.trials).unwrap();
    for (target, m) in t.targets.iter().zip(&measured) {
        print(&format!("baseline: {}", target.name), &m.values);
    }
    let base = run(&baseline(), N_WHAT_IF);
    let push = run(
        &scenario(SUBSIDY_PUSH, "scenarios/uk-subsidy-push.toml"),
        N_WHAT_IF,
    );
    print(
        "push / baseline: TikTok UK GMV",
        &ratios(&push, &base, &uk_gmv()),
    );
    print(
        "push: share of gated launches cancelled",
        &push.each(&gated_cancelled()),
    );
    let war = run(
        &scenario(POACHING_WAR, "scenarios/creator-poaching-war.toml"),
        N_WHAT_IF,
    );
    print(
        "war: TikTok creators lost, GB + US",
        &war.each(&tiktok_creators_lost()),
    );
    print(
        "war / baseline: TikTok UK GMV",
        &ratios(&war, &base, &uk_gmv()),
    );
    let europe = run(
        &scenario(EUROPE_LAUNCH, "scenarios/europe-launch.toml"),
        N_WHAT_IF,
    );
    print(
        "europe: share of the five launches opened",
        &europe.each(&tiktok(Kind::Opened, None, &GATED, 0..=WEEKS - 1)),
    );
    let diff: Vec<f64> = (0..europe.n())
        .map(|k| europe.of(&five_gmv(), k) - base.of(&five_gmv(), k))
        .collect();
    print("europe - baseline: TikTok GMV of the five", &diff);
    let no_sea = run(&scenario(NO_SEA, "scenarios/sea-expansion.toml"), N_WHAT_IF);
    print(
        "no-SEA: TikTok GMV in TH, VN, MY, PH",
        &no_sea.each(&tiktok_gmv(&SEA_2022, 0..=WEEKS - 1)),
    );
    print(
        "no-SEA / baseline: TikTok GMV, 2022 H1",
        &ratios(&no_sea, &base, &tiktok_2022()),
    );
    for (a, r) in TAKEOFF_POINTS {
        let point = run(&takeoff_point(a, r), N_WHAT_IF);
        print(
            &format!("takeoff a={a} rate={r}: UK weekly GMV, last 4 weeks"),
            &uk_last4(&point),
        );
    }
}

/// The baseline's first N_BASELINE trials, shared by the tests (the what-ifs pair with the
/// first N_WHAT_IF of them: same scenario seed, same trial index).
fn base() -> &'static Runs {
    static BASE: std::sync::OnceLock<Runs> = std::sync::OnceLock::new();
    BASE.get_or_init(|| run(&baseline(), N_BASELINE))
}

/// The targets of scenarios/targets-2021.toml that the hand-set centres do not meet yet: two
/// of the 2021 targets added for issue 23, which the centres (tuned under model 2 to the
/// old five) miss. The recalibration on model 3 is to meet them; this list then empties and
/// every target is asserted to hold again. Measured over the 40 trials below: the UK's share
/// of TikTok's 2021 GMV is a mean 13.4% (sd 0.8 points, 12.2%-15.6%), under the source's
/// 15%-30% in nearly every trial (50% of trials needed); the US's live shoppers at the end of
/// 2021 are a mean 25.4 m (23.4-27.8 m), over the 21 m (7% of the online population) of
/// Coresight's holiday survey in every trial (80% needed).
const NOT_YET_MET_BY_THE_CENTRES: [&str; 2] = ["gb_share_2021", "us_acceptors_end_2021"];

#[test]
fn baseline_reproduces_the_2021_stylized_facts() {
    // Every target of scenarios/targets-2021.toml, judged by its own check, at the hand-set
    // centres: each holds, except the ones NOT_YET_MET_BY_THE_CENTRES names, which must
    // still fail (so that meeting one is noticed and the list shortened). The centres give
    // fixed parameters, so the spread is sampling noise only: the probabilistic checks
    // ("in at least P% of trials") hold in every trial or in none, but for the UK's shop at
    // the end of 2021 (open in every trial).
    let t = targets();
    let measured = t.measure(&base().world, &base().trials).unwrap();
    assert_eq!(measured.len(), t.targets.len());
    for (target, m) in t.targets.iter().zip(&measured) {
        assert_eq!(m.values.len(), N_BASELINE as usize);
        let expected = !NOT_YET_MET_BY_THE_CENTRES.contains(&target.name.as_str());
        assert_eq!(
            m.holds,
            expected,
            "{}: {} (median {}, mean {}, {} of trials meet it; values {:?}){}",
            target.name,
            target.describe(),
            m.median,
            m.mean,
            m.met,
            m.values,
            if expected {
                ""
            } else {
                ": now met; remove it from NOT_YET_MET_BY_THE_CENTRES"
            }
        );
    }
}

#[test]
fn holding_the_uk_subsidy_more_than_doubles_uk_gmv_and_opens_the_gated_launches() {
    let push = run(
        &scenario(SUBSIDY_PUSH, "scenarios/uk-subsidy-push.toml"),
        N_WHAT_IF,
    );
    // Paired by trial: measured ratio mean 3.53, sd 0.081, min 3.41 over 16 trials; 1.5 is
    // 25 sd below the mean.
    let ratio = ratios(&push, base(), &uk_gmv());
    assert!(
        ratio.iter().all(|r| *r > 1.5),
        "push / baseline UK GMV {ratio:?}"
    );
    // Measured: 0 of the 80 gated launches cancelled, against all of them in the baseline;
    // the held discount keeps the UK's weekly GMV far above the gate's $4.5 m. At most 10%
    // cancelled.
    let share = mean(&push.each(&gated_cancelled()));
    assert!(share < 0.1, "share cancelled with the push {share}");
}

#[test]
fn a_poaching_war_takes_tiktoks_creators_in_the_uk_and_the_us_and_two_fifths_of_its_uk_gmv() {
    let war = run(
        &scenario(POACHING_WAR, "scenarios/creator-poaching-war.toml"),
        N_WHAT_IF,
    );
    let lost = |countries: &[&str]| {
        war.each(&tiktok(
            Kind::Sum,
            Some(Metric::CreatorsLost),
            countries,
            0..=WEEKS - 1,
        ))
    };
    let (uk, us) = (lost(&["GB"]), lost(&["US"]));
    let ratio = ratios(&war, base(), &uk_gmv());
    println!(
        "war: UK creators lost {uk:?}\nUS creators lost {us:?}\nUK GMV war/baseline {ratio:?}"
    );
    // Model 3: TikTok's US shop opens ungated in October 2021 and the rivals' UK shops the
    // same month, so the campaigns find creators in both. TikTok has 800 UK and 1,200 US
    // creators (head). Measured over these 16 paired trials: UK creators lost mean 614, sd
    // 34 (400 is 6 sd below); US mean 299, sd 25 (100 is 8 sd below); UK GMV against the
    // baseline mean 0.605, sd 0.012 (0.75 is 12 sd above). docs/scenarios.md quotes the
    // 40-trial run at full resolution.
    for k in 0..war.n() {
        assert!(uk[k] > 400.0, "trial {k}: {} UK creators lost", uk[k]);
        assert!(us[k] > 100.0, "trial {k}: {} US creators lost", us[k]);
        assert!(
            ratio[k] < 0.75,
            "trial {k}: war / baseline UK GMV {}",
            ratio[k]
        );
    }
}

#[test]
fn ungated_launches_open_all_five_markets_and_add_their_gmv() {
    let europe = run(
        &scenario(EUROPE_LAUNCH, "scenarios/europe-launch.toml"),
        N_WHAT_IF,
    );
    for k in 0..europe.n() {
        for c in GATED {
            let opened = tiktok(Kind::Opened, None, &[c], 0..=WEEKS - 1);
            assert_eq!(europe.of(&opened, k), 1.0, "trial {k}: {c} not opened");
        }
        // A market the baseline opened follows the same draws here (each country has its
        // own generator; the gate only decides whether it opens), so the difference is never
        // negative. Measured: mean $150 m, sd $17 m, min $116 m over 16 trials.
        let diff = europe.of(&five_gmv(), k) - base().of(&five_gmv(), k);
        assert!(diff > 0.0, "trial {k}: the five add {diff}");
    }
}

#[test]
fn without_the_sea_launches_tiktoks_2022_gmv_is_lower() {
    let no_sea = run(&scenario(NO_SEA, "scenarios/sea-expansion.toml"), N_WHAT_IF);
    for k in 0..no_sea.n() {
        for c in SEA_2022 {
            let gmv = no_sea.of(&tiktok_gmv(&[c], 0..=WEEKS - 1), k);
            assert_eq!(gmv, 0.0, "trial {k}: {c}");
        }
    }
    // 2022 H1 (weeks 52-77), paired: measured ratio mean 0.844, sd 0.0097, max 0.861 over
    // 16 trials; 1 is 16 sd above the mean.
    let ratio = ratios(&no_sea, base(), &tiktok_2022());
    assert!(
        ratio.iter().all(|r| *r < 1.0),
        "no-SEA / baseline {ratio:?}"
    );
}
#[test]
fn uk_take_off_needs_both_affinity_and_a_held_discount() {
    let [low_none, low_held, mid_none, high_held] =
        TAKEOFF_POINTS.map(|(a, r)| uk_last4(&run(&takeoff_point(a, r), N_WHAT_IF)));
    // Mean weekly UK GMV in June 2022 over 16 trials, paired (common random numbers):
    // affinity 0.25 no discount: mean $0.41 m (sd $0.09 m, max $0.59 m);
    // affinity 0.25, 40% held:   mean $11.8 m (sd $0.82 m, min $10.1 m, max $13.4 m);
    // affinity 0.35 no discount: mean $1.17 m (sd $0.21 m, max $1.42 m);
    // affinity 0.40, 40% held:   mean $26.9 m (sd $0.88 m, min $25.7 m).
    // The ranges do not overlap, so each comparison holds trial by trial.
    for k in 0..low_none.len() {
        assert!(
            low_held[k] > low_none[k],
            "trial {k}: the discount raises UK GMV"
        );
        assert!(
            high_held[k] > low_held[k],
            "trial {k}: affinity raises UK GMV"
        );
        // The gate's $4.5 m a week: 16 sd above the mean without a discount at 0.35, and
        // under the minimum (25.7) with it at 0.40.
        assert!(
            mid_none[k] < 4.5e6,
            "trial {k}: no take-off without a discount"
        );
        assert!(
            high_held[k] > 4.5e6,
            "trial {k}: take-off at 0.40 with 40% held"
        );
    }
}

/// The resolution `livemarket calibrate` fitted the baseline at (baseline.toml's
/// `[uncertain]` header): 2021 only, fewer agents (model 2 is resolution-independent).
const CALIBRATION_SETS: [&str; 12] = [
    "weeks=52",
    "countries.ID.agents=10000",
    "countries.GB.agents=25000",
    "countries.US.agents=10000",
    "countries.TH.agents=2000",
    "countries.VN.agents=2000",
    "countries.MY.agents=2000",
    "countries.PH.agents=2000",
    "countries.DE.agents=2000",
    "countries.FR.agents=2000",
    "countries.IT.agents=2000",
    "countries.ES.agents=2000",
];

/// The 2021 targets the shipped posterior (scenarios/baseline-posterior-2021.csv, fitted on
/// model 3 to the five targets with a scale; docs/calibration.md, "The baseline,
/// calibrated") does not meet. US live shoppers at the end of 2021 fall below the survey's
/// 21 m in 72% of 200 posterior predictive trials, under the 80% the target asks: the
/// distance counts each simulation's miss, not the share of trials, and the posterior's
/// 90% range (10.7-26.1 m) straddles the bound. The other four fitted targets hold.
const NOT_YET_MET_BY_THE_POSTERIOR: [&str; 1] = ["us_acceptors_end_2021"];

#[test]
fn the_calibrated_baseline_s_posterior_predictive_agrees_with_the_2021_targets() {
    // The bundled baseline run as users run it: every trial draws its parameters from the
    // shipped posterior (scenarios/baseline-posterior-2021.csv), so its trials are the
    // posterior predictive, and each 2021 target (every one whose weeks end within 2021) is
    // judged by its own check: the targets file states where a quantity is uncertain ("in
    // at least P% of trials") and by how much. (Before the probabilistic checks, this test
    // asked of each fitted target that a two-sided value lie inside the trials' 5%-95% range
    // and that a bound be met by more trials than not.) Each holds, except the ones
    // NOT_YET_MET_BY_THE_POSTERIOR names, which must still fail.
    let dir = crate::common::tempdir();
    let out = dir.path().join("posterior-baseline");
    let mut cmd = crate::common::livemarket();
    cmd.args(["run", "--trials", "60", "--quiet", "--out"])
        .arg(&out);
    for s in CALIBRATION_SETS {
        cmd.args(["--set", s]);
    }
    cmd.assert().success();
    let draws = crate::common::read(&out.join("draws.csv"));
    assert!(
        draws
            .lines()
            .next()
            .unwrap()
            .starts_with("trial,particle,seed,"),
        "the bundled baseline's trials draw from its posterior"
    );
    let t = targets();
    let measured = t.measure_folder(&out, 0).unwrap();
    let mut checked = Vec::new();
    for (target, m) in t.targets.iter().zip(&measured) {
        if target
            .quantity
            .weeks
            .is_none_or(|(_, last)| last >= WEEKS_2021)
        {
            continue;
        }
        checked.push(target.name.as_str());
        let expected = !NOT_YET_MET_BY_THE_POSTERIOR.contains(&target.name.as_str());
        assert_eq!(
            m.holds,
            expected,
            "{}: {} (median {}, p05 {}, p95 {}, {} of trials meet it){}",
            target.name,
            target.describe(),
            m.median,
            m.p05,
            m.p95,
            m.met,
            if expected {
                ""
            } else {
                ": now met; remove it from NOT_YET_MET_BY_THE_POSTERIOR"
            }
        );
    }
    assert_eq!(
        checked.len(),
        7,
        "the 2021 targets (every target but the 2022 cancellations): {checked:?}"
    );
    // The fitted ones (with a `scale`) are among them, and each is also held to the check
    // this test made before the targets file could state P (a predictive check at the 10%
    // level: a two-sided target's value inside the trials' 5%-95% range, a bound met by more
    // trials than not), so that nothing it asserted is dropped. Two fail it: the US's live
    // shoppers (below 21 m in 72% of trials, more than not, but the target asks 80%; on
    // these 60 trials it passes this weaker check, see below) and TikTok's 2021 total, whose
    // own check (the median within ±30% of $0.95 bn) holds but whose 90% range ($0.73-0.93 bn
    // on these 60 trials) stops short of $0.95 bn: the fit trades it against Indonesia's
    // $0.6 bn and the UK's 22% share, which together imply a total near $0.8 bn (Indonesia
    // at 78% of it), and the total carries 44% of the last generation's distance.
    let mut fitted = 0;
    for (target, m) in t.targets.iter().zip(&measured) {
        let Some(_) = target.scale else { continue };
        fitted += 1;
        assert!(checked.contains(&target.name.as_str()), "{}", target.name);
        let agrees = match target.side() {
            std::cmp::Ordering::Equal => m.p05 <= target.value && target.value <= m.p95,
            _ => 2.0 * m.met > 1.0,
        };
        let expected = target.name != "tiktok_gmv_2021";
        assert_eq!(
            agrees, expected,
            "{}: value {}, predictive 5%-95% {} to {}, {} of trials meet it",
            target.name, target.value, m.p05, m.p95, m.met
        );
    }
    assert_eq!(fitted, 5, "the five 2021 targets with a scale");
}

#[test]
fn no_uncertain_runs_the_hand_set_centres_as_a_scenario_without_the_table_would() {
    // The bundled baseline with --no-uncertain, and the same text with its [uncertain] table
    // cut off: the same trials, byte for byte, and no draws.csv.
    let dir = crate::common::tempdir();
    let centres = dir.path().join("centres.toml");
    let cut = BASELINE_TOML
        .find("\n[uncertain]")
        .expect("the baseline has an [uncertain] table");
    std::fs::write(&centres, &BASELINE_TOML[..cut]).unwrap();
    let run = |scenario: Option<&std::path::Path>, extra: &[&str], out: &str| {
        let out = dir.path().join(out);
        let mut cmd = crate::common::livemarket();
        cmd.arg("run");
        if let Some(s) = scenario {
            cmd.arg(s);
        }
        cmd.args(["--trials", "2", "--quiet", "--set", "weeks=20", "--out"])
            .arg(&out)
            .args(extra);
        for s in &CALIBRATION_SETS[1..] {
            cmd.args(["--set", s]);
        }
        cmd.assert().success();
        out
    };
    let fixed = run(None, &["--no-uncertain"], "fixed");
    let plain = run(Some(&centres), &[], "plain");
    let drawn = run(None, &[], "drawn");
    let trials = |d: &std::path::Path| crate::common::read(&d.join("trials.csv"));
    assert_eq!(trials(&fixed), trials(&plain));
    assert!(!fixed.join("draws.csv").exists());
    assert_ne!(
        trials(&fixed),
        trials(&drawn),
        "the posterior moves the trials"
    );
    assert!(drawn.join("draws.csv").exists());
    // A resume must not mix the two.
    let mut cmd = crate::common::livemarket();
    cmd.args([
        "run", "--trials", "2", "--quiet", "--resume", "--set", "weeks=20", "--out",
    ])
    .arg(&fixed);
    for s in &CALIBRATION_SETS[1..] {
        cmd.args(["--set", s]);
    }
    let e = String::from_utf8(cmd.assert().code(2).get_output().stderr.clone()).unwrap();
    assert!(e.contains("--no-uncertain"), "{e}");
}
