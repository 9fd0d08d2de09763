//! Calibration and what-if tests: the baseline's stylized 2021 facts (docs/calibration.md)
//! and the direction of each what-if's headline (docs/scenarios.md), at reduced resolution.
//!
//! Resolution: every country's consumer agents divided by 5 except the UK's (330,000 ->
//! 146,000 agents; creators are real people and are kept), and 78 weeks (to the end of
//! June 2022: every gated launch is dated by week 74). The UK keeps its 100,000 agents
//! because the gates read its GMV: at 20,000 the sampling noise of the UK's weekly GMV,
//! not the market, decided the launches (measured over 60 trials: 2.9 of the 5 launches
//! cancelled on average, against 4.6 at 100,000 in docs/calibration.md).
//!
//! Trials use fixed seeds (each scenario's own seed, trials 0..N), and every tolerance comes
//! from the trial-to-trial spread measured at this resolution by `spread_at_test_resolution`
//! (ignored; `cargo test --test it calibration -- --ignored --nocapture` prints it),
//! whose numbers are quoted beside each assertion.

use livemarket::model::{Metric, TrialResult, simulate};
use livemarket::scenario::{BASELINE_TOML, Scenario};
use livemarket::world::World;
use rayon::prelude::*;

/// Consumer agents are divided by this, except the UK's (creators are real people: kept).
const AGENT_DIVISOR: u32 = 5;
/// Weeks simulated: through 2022-06-27, after the last gated launch (week 74).
const WEEKS: u32 = 78;
/// Weeks 0-51 are 2021.
const WEEKS_2021: usize = 52;

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
    fn market(&self, country: &str, platform: &str) -> usize {
        self.world
            .markets
            .iter()
            .position(|m| {
                self.world.countries[m.country].code == country
                    && self.world.platforms[m.platform].name == platform
            })
            .unwrap_or_else(|| panic!("no market {platform} in {country}"))
    }

    fn countries(&self) -> Vec<String> {
        self.world
            .countries
            .iter()
            .map(|c| c.code.clone())
            .collect()
    }

    /// Sum of `metric` over weeks `from..to` in market (country, platform) of trial `k`.
    fn sum(
        &self,
        k: usize,
        country: &str,
        platform: &str,
        metric: Metric,
        weeks: std::ops::Range<usize>,
    ) -> f64 {
        let m = self.market(country, platform);
        let nm = self.world.markets.len();
        weeks
            .map(|t| self.trials[k].record(nm, t, m)[metric as usize])
            .sum()
    }

    /// `metric` in week `t` of market (country, platform) of trial `k`.
    fn at(&self, k: usize, country: &str, platform: &str, metric: Metric, t: usize) -> f64 {
        let m = self.market(country, platform);
        self.trials[k].record(self.world.markets.len(), t, m)[metric as usize]
    }

    fn gmv(&self, k: usize, country: &str, platform: &str, weeks: std::ops::Range<usize>) -> f64 {
        self.sum(k, country, platform, Metric::GmvUsd, weeks)
    }

    /// TikTok's GMV over all its markets, weeks `weeks`, trial `k`.
    fn tiktok_gmv(&self, k: usize, weeks: std::ops::Range<usize>) -> f64 {
        self.countries()
            .iter()
            .map(|c| self.gmv(k, c, "tiktok", weeks.clone()))
            .sum()
    }

    fn cancelled(&self, k: usize, country: &str) -> bool {
        self.trials[k].events[self.market(country, "tiktok")].cancelled
    }

    fn n(&self) -> usize {
        self.trials.len()
    }
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

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let h = (v.len() - 1) as f64 * 0.5;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

fn print(label: &str, xs: &[f64]) {
    let (mean, sd, min, max) = stats(xs);
    println!(
        "{label:<48} mean {mean:>14.4} sd {sd:>12.4} min {min:>14.4} max {max:>14.4} median {:>14.4}",
        median(xs)
    );
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
const ALL_WEEKS: std::ops::Range<usize> = 0..WEEKS as usize;

/// The take-off sweep's file at one point: UK affinity and TikTok's (held) UK discount.
fn takeoff_point(affinity: f64, rate: f64) -> Scenario {
    let mut s = scenario(TAKEOFF, "uk-takeoff-sweep.toml");
    s.countries["GB"].live_affinity.mean = affinity;
    s.platforms["tiktok"].markets["GB"]
        .subsidy
        .as_mut()
        .expect("the UK has a subsidy")
        .rate = rate;
    s
}

/// Per trial of a run: the quantities of the 2021 stylized facts.
struct Facts {
    /// TikTok's GMV over all its markets in 2021, USD.
    gmv: Vec<f64>,
    /// Indonesia's share of it.
    id: Vec<f64>,
    /// The UK's 2021 GMV minus the largest other market's except Indonesia's, USD.
    gb: Vec<f64>,
    /// Gated launches cancelled, of 5.
    cancelled: Vec<f64>,
    /// TikTok's UK discount in week 51.
    discount: Vec<f64>,
}

fn facts(r: &Runs) -> Facts {
    let mut f = Facts {
        gmv: vec![],
        id: vec![],
        gb: vec![],
        cancelled: vec![],
        discount: vec![],
    };
    for k in 0..r.n() {
        let total = r.tiktok_gmv(k, 0..WEEKS_2021);
        f.gmv.push(total);
        f.id.push(r.gmv(k, "ID", "tiktok", 0..WEEKS_2021) / total);
        let best_other = r
            .countries()
            .iter()
            .filter(|c| *c != "ID" && *c != "GB")
            .map(|c| r.gmv(k, c, "tiktok", 0..WEEKS_2021))
            .fold(0.0, f64::max);
        f.gb.push(r.gmv(k, "GB", "tiktok", 0..WEEKS_2021) - best_other);
        f.cancelled
            .push(GATED.iter().filter(|c| r.cancelled(k, c)).count() as f64);
        f.discount
            .push(r.at(k, "GB", "tiktok", Metric::Discount, WEEKS_2021 - 1));
    }
    f
}

/// Share of the gated launches cancelled over all trials.
fn cancelled_share(f: &Facts) -> f64 {
    f.cancelled.iter().sum::<f64>() / (5.0 * f.cancelled.len() as f64)
}

/// Per paired trial, `f(what_if, k) / f(baseline, k)`.
fn ratios(what_if: &Runs, base: &Runs, f: impl Fn(&Runs, usize) -> f64) -> Vec<f64> {
    (0..what_if.n())
        .map(|k| f(what_if, k) / f(base, k))
        .collect()
}

fn uk_gmv(r: &Runs, k: usize) -> f64 {
    r.gmv(k, "GB", "tiktok", ALL_WEEKS)
}

fn tiktok_creators_lost(r: &Runs, k: usize) -> f64 {
    ["GB", "US"]
        .iter()
        .map(|c| r.sum(k, c, "tiktok", Metric::CreatorsLost, ALL_WEEKS))
        .sum()
}

fn five_gmv(r: &Runs, k: usize) -> f64 {
    GATED.iter().map(|c| r.gmv(k, c, "tiktok", ALL_WEEKS)).sum()
}

fn tiktok_2022(r: &Runs, k: usize) -> f64 {
    r.tiktok_gmv(k, WEEKS_2021..WEEKS as usize)
}

/// TikTok's mean weekly UK GMV over the last 4 weeks (June 2022).
fn uk_last4(r: &Runs) -> Vec<f64> {
    (0..r.n())
        .map(|k| r.gmv(k, "GB", "tiktok", WEEKS as usize - 4..WEEKS as usize) / 4.0)
        .collect()
}

const TAKEOFF_POINTS: [(f64, f64); 4] = [(0.25, 0.0), (0.25, 0.4), (0.35, 0.0), (0.4, 0.4)];

#[test]
#[ignore = "measures the spread quoted in the other tests' comments"]
fn spread_at_test_resolution() {
    let base = run(&baseline(), N_BASELINE);
    let f = facts(&base);
    print("baseline: TikTok GMV 2021 (USD)", &f.gmv);
    print("baseline: ID share of TikTok 2021", &f.id);
    print("baseline: UK minus the best other (not ID), 2021", &f.gb);
    print("baseline: gated launches cancelled (of 5)", &f.cancelled);
    print("baseline: TikTok UK discount, week 51", &f.discount);
    let base = run(&baseline(), N_WHAT_IF);
    let push = run(&scenario(SUBSIDY_PUSH, "uk-subsidy-push.toml"), N_WHAT_IF);
    print(
        "push / baseline: TikTok UK GMV",
        &ratios(&push, &base, uk_gmv),
    );
    print(
        "push: gated launches cancelled (of 5)",
        &facts(&push).cancelled,
    );
    let war = run(
        &scenario(POACHING_WAR, "creator-poaching-war.toml"),
        N_WHAT_IF,
    );
    let lost: Vec<f64> = (0..war.n())
        .map(|k| tiktok_creators_lost(&war, k))
        .collect();
    print("war: TikTok creators lost, GB + US", &lost);
    print(
        "war / baseline: TikTok UK GMV",
        &ratios(&war, &base, uk_gmv),
    );
    let europe = run(&scenario(EUROPE_LAUNCH, "europe-launch.toml"), N_WHAT_IF);
    let opened: Vec<f64> = (0..europe.n())
        .map(|k| {
            GATED
                .iter()
                .filter(|c| {
                    europe.trials[k].events[europe.market(c, "tiktok")]
                        .opened
                        .is_some()
                })
                .count() as f64
        })
        .collect();
    print("europe: launches opened (of 5)", &opened);
    let diff: Vec<f64> = (0..europe.n())
        .map(|k| five_gmv(&europe, k) - five_gmv(&base, k))
        .collect();
    print("europe - baseline: TikTok GMV of the five", &diff);
    let no_sea = run(&scenario(NO_SEA, "sea-expansion.toml"), N_WHAT_IF);
    let sea: Vec<f64> = (0..no_sea.n())
        .map(|k| {
            SEA_2022
                .iter()
                .map(|c| no_sea.gmv(k, c, "tiktok", ALL_WEEKS))
                .sum()
        })
        .collect();
    print("no-SEA: TikTok GMV in TH, VN, MY, PH", &sea);
    print(
        "no-SEA / baseline: TikTok GMV, 2022 H1",
        &ratios(&no_sea, &base, tiktok_2022),
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

#[test]
fn baseline_reproduces_the_2021_stylized_facts() {
    let f = facts(base());
    let Facts {
        gmv,
        id,
        gb,
        discount,
        ..
    } = &f;
    // TikTok's 2021 overseas GMV, target about $0.95 bn with a ±30% tolerance on the
    // median (TARGETS: medium confidence). Measured over 40 trials: median $0.993 bn, sd
    // $81 m per trial, so the median's own sampling sd is about 1.25 × 81 / √40 ≈ $16 m,
    // far inside the $285 m band.
    let m = median(gmv);
    assert!((m / 0.95e9 - 1.0).abs() < 0.3, "median 2021 GMV {m}");
    // Indonesia over 70% in every trial: measured mean 0.841, sd 0.0145, min 0.816, so
    // 0.70 lies 9.7 sd below the mean.
    assert!(id.iter().all(|s| *s > 0.70), "ID shares {id:?}");
    // The UK second in every trial: UK minus the largest other market except ID measured
    // mean $159 m, sd $7.2 m, min $139 m (22 sd above 0; no other market opens in 2021).
    assert!(
        gb.iter().all(|d| *d > 0.0),
        "UK minus the next market {gb:?}"
    );
    // The gated launches mostly cancelled: measured 4.55 of 5 per trial (91%), sd 0.68, so
    // the 40-trial mean has sd 0.68 / √40 = 0.11 launches (2 percentage points): the share
    // is about 19 of those sd above one half.
    let share = cancelled_share(&f);
    assert!(share > 0.5, "share of gated launches cancelled {share}");
    // The roi rule cuts the UK's 40% discount: 0.1 at the end of 2021 in all 40 trials (sd
    // 0: GMV per subsidy dollar is 1/rate while the budget does not bind, docs/model.md §8
    // item 3, so the two cuts happen in every trial).
    assert!(
        discount.iter().all(|d| (*d - 0.1).abs() < 1e-9),
        "UK discount {discount:?}"
    );
}

#[test]
fn holding_the_uk_subsidy_more_than_doubles_uk_gmv_and_opens_the_gated_launches() {
    let push = run(&scenario(SUBSIDY_PUSH, "uk-subsidy-push.toml"), N_WHAT_IF);
    // Paired by trial: measured ratio mean 2.39, sd 0.050, min 2.29 over 16 trials; 1.5 is
    // 18 sd below the mean.
    let ratio = ratios(&push, base(), uk_gmv);
    assert!(
        ratio.iter().all(|r| *r > 1.5),
        "push / baseline UK GMV {ratio:?}"
    );
    // Measured: 0 of the 80 gated launches cancelled (0 of 500 at full resolution,
    // docs/scenarios.md), against 91% in the baseline; the held discount keeps the UK's
    // weekly GMV at about twice the gate's $4.5 m. At most 10% cancelled.
    let share = cancelled_share(&facts(&push));
    assert!(share < 0.1, "share cancelled with the push {share}");
}

#[test]
fn a_poaching_war_takes_most_of_tiktoks_uk_and_us_creators_and_its_uk_gmv() {
    let war = run(
        &scenario(POACHING_WAR, "creator-poaching-war.toml"),
        N_WHAT_IF,
    );
    // TikTok has 800 UK and 1,200 US creators. Measured lost: mean 1,198, sd 1.8, min 1,192
    // over 16 trials; more than half (1,000) is 100 sd below the mean.
    for k in 0..war.n() {
        let lost = tiktok_creators_lost(&war, k);
        assert!(lost > 1000.0, "trial {k}: {lost} creators lost");
    }
    // UK GMV against the baseline, paired: measured mean 0.018, sd 0.0019, max 0.022 (the UK
    // live shop is withdrawn); below 0.1 is 43 sd above the mean.
    let ratio = ratios(&war, base(), uk_gmv);
    assert!(
        ratio.iter().all(|r| *r < 0.1),
        "war / baseline UK GMV {ratio:?}"
    );
}

#[test]
fn ungated_launches_open_all_five_markets_and_add_their_gmv() {
    let europe = run(&scenario(EUROPE_LAUNCH, "europe-launch.toml"), N_WHAT_IF);
    for k in 0..europe.n() {
        for c in GATED {
            let m = europe.market(c, "tiktok");
            assert!(
                europe.trials[k].events[m].opened.is_some(),
                "trial {k}: {c} not opened"
            );
        }
        // A market the baseline opened follows the same draws here (each country has its
        // own generator; the gate only decides whether it opens), so the difference is never
        // negative. Measured: mean $154 m, sd $36 m, min $67 m over 16 trials.
        let diff = five_gmv(&europe, k) - five_gmv(base(), k);
        assert!(diff > 0.0, "trial {k}: the five add {diff}");
    }
}

#[test]
fn without_the_sea_launches_tiktoks_2022_gmv_is_lower() {
    let no_sea = run(&scenario(NO_SEA, "sea-expansion.toml"), N_WHAT_IF);
    for k in 0..no_sea.n() {
        for c in SEA_2022 {
            assert_eq!(no_sea.gmv(k, c, "tiktok", ALL_WEEKS), 0.0, "trial {k}: {c}");
        }
    }
    // 2022 H1 (weeks 52-77), paired: measured ratio mean 0.886, sd 0.0125, max 0.913 over
    // 16 trials; 1 is 9 sd above the mean.
    let ratio = ratios(&no_sea, base(), tiktok_2022);
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
    // affinity 0.25 no discount: mean $1.31 m (sd $0.19 m, max $1.60 m);
    // affinity 0.25, 40% held:   mean $7.83 m (sd $0.62 m, min $6.95 m, max $9.03 m);
    // affinity 0.35 no discount: mean $2.28 m (sd $0.28 m, max $2.81 m);
    // affinity 0.40, 40% held:   mean $18.8 m (sd $1.34 m, min $17.2 m).
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
        // The gate's $4.5 m a week: 7.8 sd above the mean without a discount at 0.35, and
        // under the minimum (17.2) with it at 0.40.
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
