//! Contact networks in compressed sparse row form: `offsets[i]..offsets[i + 1]` indexes the
//! contacts of consumer i in `contacts`. 4 bytes per contact plus 4 per consumer.
//!
//! Construction replays its generator instead of storing an edge list: the first pass counts
//! degrees, the second (same draws) fills both directions, then each list is sorted and
//! deduplicated in place. Peak memory is the final arrays plus one degree counter per
//! consumer.

use super::rng::ModelRng;
use rand::Rng;

/// An undirected graph without self-loops or duplicate edges.
#[derive(Debug, Clone, Default)]
pub struct Csr {
    pub offsets: Vec<u32>,
    pub contacts: Vec<u32>,
}

impl Csr {
    #[inline]
    pub fn neighbours(&self, i: usize) -> &[u32] {
        &self.contacts[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    #[inline]
    pub fn degree(&self, i: usize) -> u32 {
        self.offsets[i + 1] - self.offsets[i]
    }

    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The peers' `random` network: each consumer draws contacts/2 partners uniformly among
    /// the others (an odd `contacts` adds one more with probability 1/2).
    pub fn random(n: usize, contacts: u32, rng: &mut ModelRng) -> Csr {
        let half = contacts / 2;
        let odd = contacts % 2 == 1;
        build(n, rng, |i, rng, emit| {
            if n < 2 {
                return;
            }
            let m = half + u32::from(odd && rng.random::<bool>());
            for _ in 0..m {
                emit(i, other(i, n, rng));
            }
        })
    }

    /// Watts-Strogatz: a ring lattice joining each consumer to `contacts/2` neighbours on
    /// each side, each edge rewired to a uniform partner with probability `rewire`.
    pub fn small_world(n: usize, contacts: u32, rewire: f64, rng: &mut ModelRng) -> Csr {
        let half = (contacts / 2) as usize;
        build(n, rng, |i, rng, emit| {
            if n < 2 {
                return;
            }
            for s in 1..=half {
                let j = if rng.random::<f64>() < rewire {
                    other(i, n, rng)
                } else {
                    (i + s) % n
                };
                if j != i {
                    emit(i, j);
                }
            }
        })
    }
}

/// A uniform index in 0..n other than i.
#[inline]
fn other(i: usize, n: usize, rng: &mut ModelRng) -> usize {
    let j = rng.random_range(0..n - 1);
    if j >= i { j + 1 } else { j }
}

/// Builds the graph from `edges`, which emits the edges drawn by each source consumer.
///
/// The draws are replayed rather than stored: pass 1 counts degrees, pass 2 writes each
/// source's own draws at the front of its list (sequential writes). The reverse direction is
/// then filled in rounds over ranges of target consumers small enough for the cache, since
/// scattering it in one go would be one cache and TLB miss per edge (it was 85% of the time
/// of a 1M-agent run). Finally each list is sorted and deduplicated in place.
fn build<F>(n: usize, rng: &mut ModelRng, edges: F) -> Csr
where
    F: Fn(usize, &mut ModelRng, &mut dyn FnMut(usize, usize)),
{
    let replay = rng.clone();
    let mut degree = vec![0u32; n];
    let mut drawn = vec![0u16; n];
    for i in 0..n {
        edges(i, rng, &mut |a, b| {
            degree[a] += 1;
            degree[b] += 1;
            drawn[a] += 1;
        });
    }
    let mut offsets = Vec::with_capacity(n + 1);
    let mut total = 0u64;
    offsets.push(0u32);
    for d in &degree {
        total += u64::from(*d);
        offsets
            .push(u32::try_from(total).expect("network too large for 32-bit offsets (validated)"));
    }
    let mut contacts = vec![0u32; total as usize];
    let mut again = replay;
    for (i, &start) in offsets[..n].iter().enumerate() {
        let mut at = start as usize;
        edges(i, &mut again, &mut |_, b| {
            contacts[at] = b as u32;
            at += 1;
        });
    }
    *rng = again;
    // Reverse direction, in rounds of about 16 MiB of target lists: measured best on 2-core
    // EPYC VMs (1 MiB rounds rescan the edges too often; one round misses on every edge).
    let cursor = &mut degree;
    for (c, d) in cursor.iter_mut().zip(&drawn) {
        *c = u32::from(*d);
    }
    let rounds = (total as usize * 4).div_ceil(1 << 24).clamp(1, 64);
    let per_round = n.div_ceil(rounds).max(1);
    for lo in (0..n).step_by(per_round) {
        let hi = (lo + per_round).min(n);
        for i in 0..n {
            let start = offsets[i] as usize;
            for t in start..start + drawn[i] as usize {
                let j = contacts[t] as usize;
                if (lo..hi).contains(&j) {
                    contacts[(offsets[j] + cursor[j]) as usize] = i as u32;
                    cursor[j] += 1;
                }
            }
        }
    }
    drop(degree);
    drop(drawn);
    // Sort and deduplicate each list, compacting towards the front.
    let mut write = 0usize;
    let mut start = 0usize;
    for i in 0..n {
        let end = offsets[i + 1] as usize;
        contacts[start..end].sort_unstable();
        let from = write;
        for r in start..end {
            let v = contacts[r];
            if write == from || contacts[write - 1] != v {
                contacts[write] = v;
                write += 1;
            }
        }
        offsets[i] = from as u32;
        start = end;
    }
    offsets[n] = write as u32;
    // No shrink_to_fit: duplicates are a few per cent, and reallocating would briefly hold
    // two copies of the largest array.
    contacts.truncate(write);
    Csr { offsets, contacts }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::BTreeSet;

    fn check_simple_undirected(g: &Csr) {
        for i in 0..g.len() {
            let nb = g.neighbours(i);
            assert!(nb.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
            for &j in nb {
                assert_ne!(j as usize, i, "no self-loop");
                assert!(
                    g.neighbours(j as usize).binary_search(&(i as u32)).is_ok(),
                    "undirected"
                );
            }
        }
    }

    /// The same network built the obvious way: an edge set.
    fn reference_random(n: usize, contacts: u32, seed: u64) -> Vec<BTreeSet<u32>> {
        let mut rng = ModelRng::seed_from_u64(seed);
        let mut adj = vec![BTreeSet::new(); n];
        for i in 0..n {
            let m = contacts / 2 + u32::from(contacts % 2 == 1 && rng.random::<bool>());
            for _ in 0..m {
                let j = other(i, n, &mut rng);
                adj[i].insert(j as u32);
                adj[j].insert(i as u32);
            }
        }
        adj
    }

    #[test]
    fn random_network_matches_an_edge_set_built_directly() {
        for (n, k) in [(2, 10), (50, 10), (1000, 7), (1000, 0)] {
            let g = Csr::random(n, k, &mut ModelRng::seed_from_u64(9));
            check_simple_undirected(&g);
            let reference = reference_random(n, k, 9);
            for (i, set) in reference.iter().enumerate() {
                let want: Vec<u32> = set.iter().copied().collect();
                assert_eq!(g.neighbours(i), want.as_slice(), "n={n} k={k} i={i}");
            }
        }
    }

    #[test]
    fn random_network_mean_degree_is_close_to_contacts() {
        // Each node gets 5 own + Poisson(5) incoming draws, minus rare duplicates (about
        // k²/(2n) per node); over 100k nodes the sd of the mean degree is ~0.007.
        let n = 100_000;
        let g = Csr::random(n, 10, &mut ModelRng::seed_from_u64(1));
        let mean = g.contacts.len() as f64 / n as f64;
        assert!((mean - 10.0).abs() < 0.05, "{mean}");
    }

    #[test]
    fn small_world_without_rewiring_is_a_ring_lattice() {
        let g = Csr::small_world(20, 4, 0.0, &mut ModelRng::seed_from_u64(3));
        check_simple_undirected(&g);
        assert_eq!(g.neighbours(0), &[1, 2, 18, 19]);
        assert!((0..20).all(|i| g.degree(i) == 4));
    }

    #[test]
    fn small_world_with_rewiring_stays_simple_and_keeps_edge_count_about() {
        let n = 10_000;
        let g = Csr::small_world(n, 10, 0.2, &mut ModelRng::seed_from_u64(3));
        check_simple_undirected(&g);
        // n·k/2 edges drawn; a rewired edge duplicates an existing one with prob ~k/n.
        let edges = g.contacts.len() / 2;
        assert!(edges <= n * 5 && edges > n * 5 - 200, "{edges}");
    }
}
