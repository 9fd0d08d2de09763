//! Benchmarks of the engine. Each checks the result it times, so a fast wrong answer fails.
//!
//! `cargo bench` runs them all (and `benches/floor.rs`, the same workloads against the
//! memory-bandwidth floor); `cargo bench --bench engine -- network` one group. Throughput is
//! reported in consumer agents (per week for the week bench, agent-weeks for whole trials).

mod workloads;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use livemarket::model::network::Csr;
use livemarket::model::simulate;
use livemarket::scenario::Scenario;
use livemarket::world::World;
use std::hint::black_box;
use workloads::{ConsumerWeek, WEEK_AGENTS, baseline_gmv, bass, bass_curve};

/// One country of 200k consumers with shopping, creators, a discount and lapse: the
/// consumers' week (steps 3-7) per agent, in the middle of diffusion.
fn consumer_week(c: &mut Criterion) {
    let mut week = ConsumerWeek::new();
    let mut group = c.benchmark_group("consumer_week");
    group.throughput(Throughput::Elements(u64::from(WEEK_AGENTS)));
    group.bench_function("200k_agents_2_platforms_shopping", |b| {
        b.iter(|| week.step())
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
    let bass = bass();
    group.throughput(Throughput::Elements(
        bass.consumer_agents() * u64::from(bass.weeks),
    ));
    group.bench_function("bass_reference_1m_52_weeks", |b| {
        b.iter(|| bass_curve(&bass, &simulate(&bass, 0)))
    });
    let baseline = World::new(&Scenario::baseline());
    group.throughput(Throughput::Elements(
        baseline.consumer_agents() * u64::from(baseline.weeks),
    ));
    group.bench_function("baseline_one_trial", |b| {
        b.iter(|| baseline_gmv(&baseline, &simulate(&baseline, 0)))
    });
    group.finish();
}

criterion_group!(benches, consumer_week, network, trials);
criterion_main!(benches);
