//! The engine's benchmark workloads, shared by `engine.rs` (criterion) and `floor.rs` (the
//! same workloads against the memory-bandwidth floor). Each comes with the check of the
//! result it times, so a fast wrong answer fails in both.

use livemarket::model::country::{Aux, CountryState, MarketWeek};
use livemarket::model::{Metric, TrialResult};
use livemarket::scenario::Scenario;
use livemarket::world::World;

pub fn world(text: &str) -> World {
    World::new(&Scenario::from_toml_str(text, "bench.toml").expect("valid bench scenario"))
}

/// Consumers in the consumer-week workload.
pub const WEEK_AGENTS: u32 = 200_000;

/// One country of 200k consumers with shopping, creators, a discount and lapse, stepped 8
/// weeks into diffusion: the consumers' week (steps 3-7), per agent, mid-diffusion.
pub struct ConsumerWeek {
    pub world: World,
    pub state: CountryState,
    plan: [MarketWeek; 2],
    out: [[f64; Metric::COUNT]; 2],
    aux: [Aux; 2],
}

impl ConsumerWeek {
    pub fn new() -> ConsumerWeek {
        let world = world(&format!(
            r#"
            start = 2021-01-04
            weeks = 104
            [countries.XX]
            population = 10_000_000
            agents = {WEEK_AGENTS}
            live_affinity = {{ mean = 0.5, sd = 0.2 }}
            deal_sensitivity = 1.0
            lapse = 0.1
            lapse_after = 4
            diffusion = {{ innovation = 0.01, imitation = 0.4, contacts = 10 }}
            spend = {{ sessions_per_week = 1.5, conversion = 0.05 }}
            creators = {{ agents = 500 }}
            [platforms.a.markets.XX]
            reach = 0.7
            live = {{ launch = 2021-01-04 }}
            [platforms.b.markets.XX]
            reach = 0.5
            live = {{ launch = 2021-01-04 }}
            "#
        ));
        let plan = [MarketWeek {
            open: true,
            opened: Some(0),
            discount: 0.1,
            subsidy_budget: f64::INFINITY,
            ..MarketWeek::default()
        }; 2];
        let state = CountryState::new(&world, 0, 1);
        let mut w = ConsumerWeek {
            world,
            state,
            plan,
            out: [[0.0; Metric::COUNT]; 2],
            aux: [Aux::default(); 2],
        };
        for week in 0..8 {
            w.state
                .step(&w.world, 0, week, &w.plan, &mut w.out, &mut w.aux);
        }
        let adopters = w.out[0][Metric::Adopters as usize] + w.out[1][Metric::Adopters as usize];
        assert!(
            adopters > 0.0 && w.out[0][Metric::GmvUsd as usize] > 0.0,
            "diffusion and shopping under way"
        );
        w
    }

    /// One more week. Steps stay in week 8, so the state keeps diffusing but the calendar
    /// does not move.
    pub fn step(&mut self) {
        self.state
            .step(&self.world, 0, 8, &self.plan, &mut self.out, &mut self.aux);
        assert!(self.out[0][Metric::Users as usize] > 0.0);
    }
}

/// The peers' model in livemarket: 1M consumers, 52 weeks (`scenarios/bass-reference.toml`).
pub fn bass() -> World {
    world(include_str!("../../scenarios/bass-reference.toml"))
}

/// Adopters after each week of a bass-reference trial, checked: the curve the peers give
/// (0.737 adopted after 10 ticks at N = 100,000-1M; discrete mean-field Bass would give
/// 0.783) and everyone by the end.
pub fn bass_curve(w: &World, r: &TrialResult) -> Vec<f64> {
    let n = w.consumer_agents() as f64;
    let curve: Vec<f64> = (0..w.weeks as usize)
        .map(|t| r.record(1, t, 0)[Metric::Adopters as usize])
        .collect();
    check_bass(n, &curve);
    curve
}

/// The check of [`bass_curve`] on adopters after weeks 1..=T.
pub fn check_bass(n: f64, curve: &[f64]) {
    let mid = curve[9] / n;
    assert!(
        (0.72..0.76).contains(&mid),
        "adopted share after 10 weeks {mid}"
    );
    let last = curve[curve.len() - 1];
    assert!(last > 0.99 * n, "final adopters {last}");
}

/// The baseline's GMV over all weeks and markets of one trial, checked positive.
pub fn baseline_gmv(w: &World, r: &TrialResult) -> f64 {
    let nm = w.markets.len();
    let gmv: f64 = (0..w.weeks as usize)
        .flat_map(|t| (0..nm).map(move |m| (t, m)))
        .map(|(t, m)| r.record(nm, t, m)[Metric::GmvUsd as usize])
        .sum();
    assert!(gmv > 0.0, "baseline GMV {gmv}");
    gmv
}
