//! The reference model (benches/peers/common.py) as a krABMaga user writes it.
//!
//! One agent per consumer in krABMaga's `Schedule` (stepped every tick), the network in
//! krABMaga's `Network` field (undirected, nodes are consumer ids), the state holding the
//! adopted flags. Each tick every consumer decides its next state from the current ones
//! (it counts its adopted contacts through `Network::get_edges`), and the state applies
//! them after the step (a synchronous update, as in the Mesa peer). Draws come from a PCG64
//! seeded by `--seed`. Same options and output as the Python peers.

use krabmaga::engine::agent::Agent;
use krabmaga::engine::fields::field::Field;
use krabmaga::engine::fields::network::{EdgeOptions, Network};
use krabmaga::engine::schedule::Schedule;
use krabmaga::engine::state::State;
use krabmaga::rand::{Rng, SeedableRng};
use krabmaga::rand_pcg::Pcg64;
use std::any::Any;
use std::collections::HashSet;
use std::time::Instant;

#[derive(Clone, Copy)]
struct Consumer {
    id: u32,
}

impl Agent for Consumer {
    fn step(&mut self, state: &mut dyn State) {
        let s = state
            .as_any_mut()
            .downcast_mut::<Bass>()
            .expect("the state is a Bass");
        let i = self.id as usize;
        if s.adopted[i] {
            s.next[i] = true;
            return;
        }
        let edges = s.network.get_edges(self.id).unwrap_or_default();
        let share = if edges.is_empty() {
            0.0
        } else {
            edges.iter().filter(|e| s.adopted[e.v as usize]).count() as f64 / edges.len() as f64
        };
        s.next[i] = s.rng.random::<f64>() < s.p + s.q * share;
    }
}

struct Bass {
    n: u32,
    k: u32,
    p: f64,
    q: f64,
    rng: Pcg64,
    network: Network<u32, String>,
    adopted: Vec<bool>,
    next: Vec<bool>,
    fractions: Vec<f64>,
}

impl State for Bass {
    fn init(&mut self, schedule: &mut Schedule) {
        let n = self.n;
        for i in 0..n {
            self.network.add_node(i);
        }
        // k/2 partners each, uniform over the n - 1 others; a pair drawn twice is one edge.
        let mut edges = HashSet::new();
        for i in 0..n {
            for _ in 0..self.k / 2 {
                let mut j = self.rng.random_range(0..n - 1);
                j += u32::from(j >= i);
                edges.insert((i.min(j), i.max(j)));
            }
        }
        let mut edges: Vec<_> = edges.into_iter().collect();
        edges.sort_unstable();
        for (i, j) in edges {
            self.network.add_edge(i, j, EdgeOptions::Simple);
        }
        self.network.update();
        for id in 0..n {
            schedule.schedule_repeating(Box::new(Consumer { id }), 0.0, 0);
        }
        self.fractions.push(0.0);
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_state_mut(&mut self) -> &mut dyn State {
        self
    }
    fn as_state(&self) -> &dyn State {
        self
    }
    fn reset(&mut self) {}
    fn update(&mut self, _step: u64) {}

    fn after_step(&mut self, _schedule: &mut Schedule) {
        self.adopted.copy_from_slice(&self.next);
        let count = self.adopted.iter().filter(|&&a| a).count();
        self.fractions.push(count as f64 / f64::from(self.n));
    }
}

fn parse<T: std::str::FromStr>(flag: &str, value: &str) -> T {
    value
        .parse()
        .unwrap_or_else(|_| panic!("bad value for {flag}: {value}"))
}

fn main() {
    let (mut n, mut ticks, mut seed, mut k, mut p, mut q) =
        (10_000u32, 52u32, 42u64, 10u32, 0.03, 0.38);
    let mut csv: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--n" => n = parse(&flag, &value),
            "--ticks" => ticks = parse(&flag, &value),
            "--seed" => seed = parse(&flag, &value),
            "--k" => k = parse(&flag, &value),
            "--p" => p = parse(&flag, &value),
            "--q" => q = parse(&flag, &value),
            "--csv" => csv = Some(value),
            _ => panic!("unknown option {flag} (--n --ticks --seed --k --p --q --csv)"),
        }
    }
    assert!(k >= 2 && k % 2 == 0, "--k must be even and at least 2");
    assert!(n >= 2, "--n must be at least 2");
    let mut state = Bass {
        n,
        k,
        p,
        q,
        rng: Pcg64::seed_from_u64(seed),
        network: Network::new(false),
        adopted: vec![false; n as usize],
        next: vec![false; n as usize],
        fractions: Vec::with_capacity(ticks as usize + 1),
    };
    let t0 = Instant::now();
    let mut schedule = Schedule::new();
    state.init(&mut schedule);
    let setup_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    for _ in 0..ticks {
        schedule.step(&mut state);
    }
    let run_s = t1.elapsed().as_secs_f64();
    let f = &state.fractions;
    let line = format!(
        "impl=krabmaga-0.6.2 n={n} ticks={ticks} seed={seed} final_adopted_fraction={:.6} \
         setup_s={setup_s:.3} run_s={run_s:.3} agent_updates_per_s={:.4e}",
        f[f.len() - 1],
        f64::from(n) * f64::from(ticks) / run_s
    );
    let text: String = std::iter::once("tick,adopted_fraction\n".to_string())
        .chain(f.iter().enumerate().map(|(t, x)| format!("{t},{x:.8}\n")))
        .collect();
    match csv.as_deref() {
        Some("-") => {
            eprintln!("{line}");
            print!("{text}");
        }
        Some(path) => {
            println!("{line}");
            std::fs::write(path, text).expect("write the CSV");
        }
        None => println!("{line}"),
    }
}
