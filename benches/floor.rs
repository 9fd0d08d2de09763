//! The limit the engine runs against, measured in the same run: one thread's sustained read
//! bandwidth, and each engine workload (the ones `benches/engine.rs` times) as a multiple
//! of its memory-bandwidth floor.
//!
//! Floor of a workload = bytes its step must read per unit (agent-week, or agent for a
//! network build) / bandwidth. A multiple near 1 would mean the step is as fast as streaming
//! its state from memory can be; the distance above 1 is what latency (random access),
//! draws and arithmetic cost. The bandwidth is a streaming sum over 1 GiB of u64 (32× this
//! machine's 32 MiB L3), best of 3 passes. Rounds alternate: each measures the bandwidth,
//! then runs every workload once, and a workload's multiple is the median over rounds of its
//! time over that round's floor, so a machine that slows down for a while (it is shared)
//! slows both sides of a ratio.
//!
//!   cargo bench --bench floor                    # every row, 7 rounds
//!   FLOOR_ROUNDS=3 cargo bench --bench floor -- bass   # rows whose name contains "bass"
//!
//! Speed is reported, never asserted; each workload checks the result it times.

mod workloads;

use livemarket::model::network::Csr;
use livemarket::model::{STATE_BYTES, bytes_per_consumer, simulate};
use livemarket::scenario::Scenario;
use livemarket::world::World;
use std::hint::black_box;
use std::time::Instant;
use workloads::{ConsumerWeek, WEEK_AGENTS, baseline_gmv, bass, bass_curve, check_bass};

/// The buffer the bandwidth is measured on: 1 GiB.
const BUFFER_WORDS: usize = 1 << 27;

/// Sum of the buffer in 8 independent lanes (the loop vectorises; each lane is a stream).
fn sum(buf: &[u64]) -> u64 {
    let mut acc = [0u64; 8];
    for chunk in buf.chunks_exact(8) {
        for (a, &x) in acc.iter_mut().zip(chunk) {
            *a = a.wrapping_add(x);
        }
    }
    acc.iter().fold(0, |s, &a| s.wrapping_add(a))
}

/// Bytes per second of one thread reading `buf`, best of `passes`; the sum is checked.
fn bandwidth(buf: &[u64], passes: usize) -> f64 {
    let n = buf.len() as u64;
    let want = (n / 2).wrapping_mul(n - 1); // 0 + 1 + ... + (n - 1), n even
    let mut best = f64::INFINITY;
    for _ in 0..passes {
        let t = Instant::now();
        let s = black_box(sum(black_box(buf)));
        best = best.min(t.elapsed().as_secs_f64());
        assert_eq!(s, want, "streaming sum");
    }
    std::mem::size_of_val(buf) as f64 / best
}

/// A workload: its name, its unit, and one timed run returning (seconds, units, bytes the
/// step must read per unit).
struct Row {
    name: &'static str,
    unit: &'static str,
    run: Box<dyn FnMut() -> (f64, f64, f64)>,
}

/// Bytes the reference Bass step must read over a run, per agent-week, from its curve
/// (adopters after weeks 1..=T) and k contacts: each week one bit per consumer (adopted or
/// not); for each consumer not yet adopted its adopted-contact count (2 bytes) and its CSR
/// offset (4); once per adopter its offset and contact list (4 + 4k) and the count of each
/// contact, read and written (2k). Random access costs a cache line, not 2 bytes: the
/// floor is a lower bound.
fn bass_bytes(n: f64, k: f64, curve: &[f64]) -> f64 {
    let weeks = curve.len() as f64;
    let mut not_adopted = 0.0;
    let mut before = 0.0;
    for &a in curve {
        not_adopted += n - before;
        before = a;
    }
    let total = weeks * n / 8.0 + 6.0 * not_adopted + before * (4.0 + 6.0 * k);
    total / (n * weeks)
}

/// Bytes of full-pass state per consumer-week: STATE_BYTES and two bits. The contact lists
/// are read only for consumers who change that week (left out: a lower bound).
fn pass_bytes() -> f64 {
    STATE_BYTES as f64 + 0.25
}

/// Bytes of a CSR network per agent: its offset and contacts, 4 bytes each.
fn csr_bytes(g: &Csr) -> f64 {
    (4 * g.offsets.len() + 4 * g.contacts.len()) as f64 / (g.offsets.len() - 1) as f64
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();

    let mut week = ConsumerWeek::new();
    rows.push(Row {
        name: "consumer_week/200k_agents_2_platforms_shopping (20 weeks)",
        unit: "agent-week",
        run: Box::new(move || {
            let t = Instant::now();
            for _ in 0..20 {
                week.step();
            }
            (
                t.elapsed().as_secs_f64(),
                20.0 * f64::from(WEEK_AGENTS),
                pass_bytes(),
            )
        }),
    });

    let w = bass();
    let n = w.consumer_agents() as f64;
    let k = f64::from(w.countries[0].spec.diffusion.contacts);
    let weeks = w.weeks;
    rows.push(Row {
        name: "bass_reference_1m_52_weeks, weeks only",
        unit: "agent-week",
        run: Box::new(move || {
            use livemarket::model::Metric;
            use livemarket::model::country::{Aux, CountryState, MarketWeek};
            let plan = [MarketWeek {
                open: true,
                opened: Some(0),
                subsidy_budget: f64::INFINITY,
                ..MarketWeek::default()
            }];
            let mut out = [[0.0; Metric::COUNT]; 1];
            let mut aux = [Aux::default(); 1];
            let mut state = CountryState::new(&w, 0, 1);
            let mut curve = Vec::with_capacity(weeks as usize);
            let t = Instant::now();
            for week in 0..weeks {
                state.step(&w, 0, week, &plan, &mut out, &mut aux);
                curve.push(out[0][Metric::Adopters as usize]);
            }
            let s = t.elapsed().as_secs_f64();
            check_bass(n, &curve);
            (s, n * f64::from(weeks), bass_bytes(n, k, &curve))
        }),
    });

    let w = bass();
    rows.push(Row {
        name: "trial/bass_reference_1m_52_weeks (setup + 52 weeks)",
        unit: "agent-week",
        run: Box::new(move || {
            let t = Instant::now();
            let r = simulate(&w, 0);
            let s = t.elapsed().as_secs_f64();
            let curve = bass_curve(&w, &r);
            (s, n * f64::from(weeks), bass_bytes(n, k, &curve))
        }),
    });

    let w = World::new(&Scenario::baseline());
    rows.push(Row {
        name: "trial/baseline_one_trial (setup + 104 weeks)",
        unit: "agent-week",
        run: Box::new(move || {
            let t = Instant::now();
            let r = simulate(&w, 0);
            let s = t.elapsed().as_secs_f64();
            baseline_gmv(&w, &r);
            let units = (w.consumer_agents() * u64::from(w.weeks)) as f64;
            (s, units, pass_bytes())
        }),
    });

    // A network build writes its CSR once: offsets (4) and contacts (4 each) per agent,
    // against the read bandwidth (writing costs at least as much).
    let n_net = 1_000_000;
    rows.push(Row {
        name: "network/random_1m_contacts_10",
        unit: "agent",
        run: Box::new(move || {
            let t = Instant::now();
            let g = black_box(Csr::random(n_net, 10, 1));
            let s = t.elapsed().as_secs_f64();
            let mean = g.contacts.len() as f64 / n_net as f64;
            assert!((mean - 10.0).abs() < 0.05, "mean degree {mean}");
            (s, n_net as f64, csr_bytes(&g))
        }),
    });
    rows.push(Row {
        name: "network/small_world_1m_contacts_10",
        unit: "agent",
        run: Box::new(move || {
            let t = Instant::now();
            let g = black_box(Csr::small_world(n_net, 10, 0.1, 1));
            let s = t.elapsed().as_secs_f64();
            assert!(g.contacts.len() > 9 * n_net);
            (s, n_net as f64, csr_bytes(&g))
        }),
    });
    rows
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn main() {
    // cargo bench passes --bench; a word without a dash picks the rows containing it.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mut rows: Vec<Row> = rows()
        .into_iter()
        .filter(|r| filters.is_empty() || filters.iter().any(|f| r.name.contains(f.as_str())))
        .collect();
    if rows.is_empty() {
        return;
    }
    let rounds: usize = std::env::var("FLOOR_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let buf: Vec<u64> = (0..BUFFER_WORDS as u64).collect();
    println!(
        "floor: {} rounds; one thread; a consumer is {} bytes with 10 contacts ({STATE_BYTES} of state)",
        rounds,
        bytes_per_consumer(10)
    );
    let mut gbps = Vec::new();
    // Per row: ns per unit, bytes per unit, and the multiple of the floor, one per round.
    let mut ns = vec![Vec::new(); rows.len()];
    let mut bytes = vec![0.0; rows.len()];
    let mut times = vec![Vec::new(); rows.len()];
    for round in 0..rounds {
        let bw = bandwidth(&buf, 3);
        gbps.push(bw / 1e9);
        for (i, row) in rows.iter_mut().enumerate() {
            let (s, units, b) = (row.run)();
            ns[i].push(s / units * 1e9);
            bytes[i] = b;
            times[i].push((s / units) / (b / bw));
        }
        eprintln!("round {}: {:.2} GB/s", round + 1, bw / 1e9);
    }
    let all = gbps
        .iter()
        .map(|g| format!("{g:.2}"))
        .collect::<Vec<_>>()
        .join(", ");
    let bw = median(gbps.clone());
    println!(
        "read bandwidth, one thread, 1 GiB streaming sum (best of 3 per round): median {bw:.2} GB/s (rounds: {all})"
    );
    println!();
    println!(
        "| bench | ns per unit | bytes read per unit | floor ns | × floor (median, range over rounds) |"
    );
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (i, row) in rows.iter().enumerate() {
        let lo = times[i].iter().copied().fold(f64::INFINITY, f64::min);
        let hi = times[i].iter().copied().fold(0.0, f64::max);
        println!(
            "| `{}` | {:.2} per {} | {:.2} | {:.3} | {:.1}× ({:.1}-{:.1}) |",
            row.name,
            median(ns[i].clone()),
            row.unit,
            bytes[i],
            bytes[i] / bw,
            median(times[i].clone()),
            lo,
            hi
        );
    }
}
