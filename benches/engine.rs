//! Benchmarks of the engine. Each checks the result it times, so a fast wrong answer fails.
//!
//! `cargo bench` runs them all; `cargo bench -- network` one group. Throughput is reported
//! in consumer agents (per week for the week bench, agent-weeks for whole trials).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use livemarket::model::country::{Aux, CountryState, MarketWeek};
use livemarket::model::network::Csr;
use livemarket::model::{Metric, simulate};
use livemarket::scenario::Scenario;
use livemarket::world::World;
use std::hint::black_box;

fn world(text: &str) -> World {
    World::new(&Scenario::from_toml_str(text, "bench.toml").expect("valid bench scenario"))
}

/// One country of 200k consumers with shopping, creators, a discount and lapse: the
/// consumers' week (steps 3-7) per agent, in the middle of diffusion.
fn consumer_week(c: &mut Criterion) {
    let n = 200_000u32;
    let w = world(&format!(
        r#"
        start = 2021-01-04
        weeks = 104
        [countries.XX]
        population = 10_000_000
        agents = {n}
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
    let mut state = CountryState::new(&w, 0, 1);
    let mut out = [[0.0; Metric::COUNT]; 2];
    let mut aux = [Aux::default(); 2];
    for week in 0..8 {
        state.step(&w, 0, week, &plan, &mut out, &mut aux);
    }
    let adopters = out[0][Metric::Adopters as usize] + out[1][Metric::Adopters as usize];
    assert!(
        adopters > 0.0 && out[0][Metric::GmvUsd as usize] > 0.0,
        "diffusion and shopping under way"
    );
    let mut group = c.benchmark_group("consumer_week");
    group.throughput(Throughput::Elements(u64::from(n)));
    group.bench_function("200k_agents_2_platforms_shopping", |b| {
        b.iter(|| {
            // Steps stay in week 8, so the state keeps diffusing but the calendar does not move.
            state.step(&w, 0, 8, &plan, &mut out, &mut aux);
            assert!(out[0][Metric::Users as usize] > 0.0);
        })
    });
    group.finish();
}

fn network(c: &mut Criterion) {
    let n = 1_000_000;
    let mut group = c.benchmark_group("network");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("random_1m_contacts_10", |b| {
        b.iter(|| {
            let g = Csr::random(n, 10, 1);
            let mean = g.contacts.len() as f64 / n as f64;
            assert!((mean - 10.0).abs() < 0.05, "mean degree {mean}");
            black_box(g)
        })
    });
    group.bench_function("small_world_1m_contacts_10", |b| {
        b.iter(|| {
            let g = Csr::small_world(n, 10, 0.1, 1);
            assert!(g.contacts.len() > 9 * n);
            black_box(g)
        })
    });
    group.finish();
}

fn trials(c: &mut Criterion) {
    let mut group = c.benchmark_group("trial");
    group.sample_size(10);
    let bass = world(include_str!("../scenarios/bass-reference.toml"));
    group.throughput(Throughput::Elements(
        bass.consumer_agents() * u64::from(bass.weeks),
    ));
    group.bench_function("bass_reference_1m_52_weeks", |b| {
        b.iter(|| {
            let r = simulate(&bass, 0);
            let last = r.record(1, 51, 0)[Metric::Adopters as usize];
            assert!(last > 0.99 * 1e6, "final adopters {last}");
        })
    });
    let baseline = World::new(&Scenario::baseline());
    group.throughput(Throughput::Elements(
        baseline.consumer_agents() * u64::from(baseline.weeks),
    ));
    group.bench_function("baseline_one_trial", |b| {
        b.iter(|| {
            let r = simulate(&baseline, 0);
            let nm = baseline.markets.len();
            let gmv: f64 = (0..baseline.weeks as usize)
                .flat_map(|t| (0..nm).map(move |m| (t, m)))
                .map(|(t, m)| r.record(nm, t, m)[Metric::GmvUsd as usize])
                .sum();
            assert!(gmv > 0.0);
        })
    });
    group.finish();
}

criterion_group!(benches, consumer_week, network, trials);
criterion_main!(benches);
