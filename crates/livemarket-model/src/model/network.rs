//! Contact networks in compressed sparse row form: `offsets[i]..offsets[i + 1]` indexes the
//! contacts of consumer i in `contacts`. 4 bytes per contact plus 4 per consumer.
//!
//! Construction keeps no separate edge list: each consumer's draws are stored in the upper
//! half of the contact array, moved down to the front of their lists, and appended to their
//! partners' lists (see `build`). Peak memory is the final arrays plus two counters per
//! consumer. Lists are unsorted; the model does not depend on their order.
//!
//! Each chunk of [`CHUNK`] source consumers draws its partners from its own stream, in
//! parallel; the rest of the construction is sequential in consumer order, so the graph is
//! the same whatever the number of threads.

use super::cache::prefetch;
use super::rng::{CHUNK, ModelRng, SETUP_NETWORK, chunk_rng, chunks};
use rand::Rng;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering};

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
    /// the others (an odd `contacts` adds one more with probability 1/2). `key` keys the
    /// chunks' streams.
    pub fn random(n: usize, contacts: u32, key: u64) -> Csr {
        let half = contacts / 2;
        let odd = contacts % 2 == 1;
        build(n, (half + u32::from(odd)) as usize, key, |i, rng, emit| {
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
    pub fn small_world(n: usize, contacts: u32, rewire: f64, key: u64) -> Csr {
        let half = (contacts / 2) as usize;
        build(n, half, key, |i, rng, emit| {
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

/// Builds the graph from `edges`, which emits the partners drawn by each source consumer
/// (at most `per_source` of them).
///
/// Peak memory is the final arrays plus two small counters per consumer: the draws are made
/// once and kept in the upper half of the array that will hold the lists.
/// 1. draw, in parallel by chunk of sources, each from the chunk's stream: source i's distinct
///    partners go to its own slot of `per_source` entries in the upper half (at
///    `bound + i × per_source`), and count towards the degree of both ends (atomic counters:
///    the counts do not depend on the order of the additions);
/// 2. forward: each source's draws move down to the front of its own list; the destination
///    never overtakes the draws still to be moved: list i ends at most at
///    offsets[i + 1] ≤ (draws of sources ≤ i) + (all draws) ≤ bound + (i + 1) × per_source,
///    where the slot of source i + 1 begins;
/// 3. reverse: each draw i → j is appended to j's list. Appends hit lists at random, a cache
///    and TLB miss each, so the targets of the sources a few places ahead are prefetched;
/// 4. compact: a pair that drew each other appears twice in both lists; duplicates are
///    dropped as the lists move down over the space they leave.
///
/// Lists are not sorted; nothing in the model depends on the order of a consumer's contacts.
fn build<F>(n: usize, per_source: usize, key: u64, edges: F) -> Csr
where
    F: Fn(usize, &mut ModelRng, &mut dyn FnMut(usize, usize)) + Sync,
{
    let bound = n * per_source;
    let mut contacts = vec![0u32; 2 * bound];
    let mut drawn = vec![0u16; n];
    let degree: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
    if per_source > 0 {
        contacts[bound..]
            .par_chunks_mut(CHUNK * per_source)
            .zip(drawn.par_chunks_mut(CHUNK))
            .enumerate()
            .for_each(|(c, (slots, drawn))| {
                let mut rng = chunk_rng(key, SETUP_NETWORK, c);
                let mut mine: Vec<u32> = Vec::with_capacity(per_source);
                for (k, d) in drawn.iter_mut().enumerate() {
                    let i = c * CHUNK + k;
                    mine.clear();
                    edges(i, &mut rng, &mut |_, b| mine.push(b as u32));
                    dedup_small(&mut mine);
                    debug_assert!(mine.len() <= per_source);
                    *d = mine.len() as u16;
                    degree[i].fetch_add(mine.len() as u32, Ordering::Relaxed);
                    slots[k * per_source..k * per_source + mine.len()].copy_from_slice(&mine);
                }
                // The partners' counts, in a second loop: each is at a random place, a cache
                // miss, and a locked addition waits for its miss before the next can start,
                // so the counters of the draws `FAR` places ahead are fetched first.
                const FAR: usize = 16;
                let targets = drawn
                    .iter()
                    .enumerate()
                    .flat_map(|(k, &d)| &slots[k * per_source..k * per_source + usize::from(d)]);
                let mut ahead = targets.clone().skip(FAR);
                for &j in targets {
                    if let Some(&f) = ahead.next() {
                        prefetch(&degree[f as usize]);
                    }
                    degree[j as usize].fetch_add(1, Ordering::Relaxed);
                }
            });
    }
    // Same size and alignment: collected in place, without a second array.
    let mut degree: Vec<u32> = degree.into_iter().map(AtomicU32::into_inner).collect();
    let mut offsets = Vec::with_capacity(n + 1);
    let mut total = 0u64;
    offsets.push(0u32);
    for d in &degree {
        total += u64::from(*d);
        offsets
            .push(u32::try_from(total).expect("network too large for 32-bit offsets (validated)"));
    }
    debug_assert!(total as usize <= 2 * bound);
    for (i, &start) in offsets[..n].iter().enumerate() {
        let from = bound + i * per_source;
        contacts.copy_within(from..from + usize::from(drawn[i]), start as usize);
    }
    // Reverse: `end[j]` is where j's list ends so far (the degree counters, reused).
    let end = &mut degree;
    for (j, e) in end.iter_mut().enumerate() {
        *e = offsets[j] + u32::from(drawn[j]);
    }
    const FAR: usize = 16;
    const NEAR: usize = 4;
    for i in 0..n {
        prefetch_targets(&offsets, &drawn, &contacts, i + FAR, |j| prefetch(&end[j]));
        prefetch_targets(&offsets, &drawn, &contacts, i + NEAR, |j| {
            if let Some(x) = contacts.get(end[j] as usize) {
                prefetch(x)
            }
        });
        let start = offsets[i] as usize;
        for t in start..start + usize::from(drawn[i]) {
            let j = contacts[t] as usize;
            contacts[end[j] as usize] = i as u32;
            end[j] += 1;
        }
    }
    // Compact, dropping the duplicates of pairs that drew each other: each list is
    // deduplicated in place, chunk by chunk in parallel (a chunk's lists are one stretch of
    // the array), then the lists move down over the space they leave.
    let mut stretches: Vec<(&mut [u32], &mut [u32], usize, usize)> = Vec::with_capacity(chunks(n));
    let (mut rest, mut rest_end) = (&mut contacts[..], &mut end[..]);
    let mut at = 0usize;
    for c in 0..chunks(n) {
        let (first, last) = (c * CHUNK, ((c + 1) * CHUNK).min(n));
        let (stretch, r) = rest.split_at_mut(offsets[last] as usize - at);
        let (ends, re) = rest_end.split_at_mut(last - first);
        stretches.push((stretch, ends, at, first));
        (rest, rest_end, at) = (r, re, offsets[last] as usize);
    }
    stretches
        .into_par_iter()
        .for_each(|(stretch, ends, at, first)| {
            let mut mine: Vec<u32> = Vec::new();
            for (k, e) in ends.iter_mut().enumerate() {
                let from = offsets[first + k] as usize - at;
                let to = *e as usize - at;
                mine.clear();
                mine.extend_from_slice(&stretch[from..to]);
                dedup_small(&mut mine);
                stretch[from..from + mine.len()].copy_from_slice(&mine);
                *e = (from + at + mine.len()) as u32;
            }
        });
    let mut write = 0usize;
    for j in 0..n {
        let (from, to) = (offsets[j] as usize, end[j] as usize);
        contacts.copy_within(from..to, write);
        offsets[j] = write as u32;
        write += to - from;
    }
    offsets[n] = write as u32;
    drop(drawn);
    // No shrink_to_fit: reallocating would briefly hold two copies of the largest array.
    contacts.truncate(write);
    Csr { offsets, contacts }
}

/// Removes repeated values, keeping the first of each in order: quadratic for the short
/// lists of a network (it beats sorting them), sorting beyond 32.
fn dedup_small(v: &mut Vec<u32>) {
    if v.len() > 32 {
        v.sort_unstable();
        v.dedup();
        return;
    }
    let mut kept = 0;
    for r in 0..v.len() {
        if !v[..kept].contains(&v[r]) {
            v[kept] = v[r];
            kept += 1;
        }
    }
    v.truncate(kept);
}

/// Calls `f` with each partner drawn by source `i`, if there is such a source.
#[inline]
fn prefetch_targets(
    offsets: &[u32],
    drawn: &[u16],
    contacts: &[u32],
    i: usize,
    mut f: impl FnMut(usize),
) {
    if i < drawn.len() {
        let start = offsets[i] as usize;
        for &j in &contacts[start..start + usize::from(drawn[i])] {
            f(j as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn check_simple_undirected(g: &Csr) {
        for i in 0..g.len() {
            let mut nb = g.neighbours(i).to_vec();
            nb.sort_unstable();
            assert!(nb.windows(2).all(|w| w[0] < w[1]), "no duplicates");
            for &j in &nb {
                assert_ne!(j as usize, i, "no self-loop");
                assert!(g.neighbours(j as usize).contains(&(i as u32)), "undirected");
            }
        }
    }

    /// The same network built the obvious way: an edge set, the sources of each chunk
    /// drawing from the chunk's stream, one chunk after another.
    fn reference_random(n: usize, contacts: u32, key: u64) -> Vec<BTreeSet<u32>> {
        let mut rng = chunk_rng(key, SETUP_NETWORK, 0);
        let mut adj = vec![BTreeSet::new(); n];
        for i in 0..n {
            if i % CHUNK == 0 {
                rng = chunk_rng(key, SETUP_NETWORK, i / CHUNK);
            }
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
        for (n, k) in [
            (2, 10),
            (50, 10),
            (1000, 7),
            (1000, 0),
            (2 * CHUNK + 999, 5),
        ] {
            let g = Csr::random(n, k, 9);
            check_simple_undirected(&g);
            let reference = reference_random(n, k, 9);
            for (i, set) in reference.iter().enumerate() {
                let want: Vec<u32> = set.iter().copied().collect();
                let mut have = g.neighbours(i).to_vec();
                have.sort_unstable();
                assert_eq!(have, want, "n={n} k={k} i={i}");
            }
        }
    }

    #[test]
    fn random_network_mean_degree_is_close_to_contacts() {
        // Each node gets 5 own + Poisson(5) incoming draws, minus rare duplicates (about
        // k²/(2n) per node); over 100k nodes the sd of the mean degree is ~0.007, less over
        // more. The larger network spans four chunks and a part.
        for n in [100_000, 4 * CHUNK + 123] {
            let g = Csr::random(n, 10, 1);
            check_simple_undirected(&g);
            let mean = g.contacts.len() as f64 / n as f64;
            assert!((mean - 10.0).abs() < 0.05, "{mean}");
            // Edges join consumers of different chunks as often as uniform partners would:
            // the contacts of the first chunk lie beyond it a share 1 − CHUNK/n of the time
            // (sd of that share over its ~650k contacts below 0.0007).
            let c = 0;
            let (mut out, mut all) = (0usize, 0usize);
            for i in c * CHUNK..(c + 1) * CHUNK {
                for &j in g.neighbours(i) {
                    all += 1;
                    out += usize::from(j as usize / CHUNK != c);
                }
            }
            let want = 1.0 - CHUNK as f64 / n as f64;
            let share = out as f64 / all as f64;
            assert!((share - want).abs() < 0.005, "n={n}: {share} vs {want}");
        }
    }

    #[test]
    fn networks_do_not_depend_on_the_number_of_threads() {
        let n = 3 * CHUNK + 7;
        let on = |threads: usize, f: &(dyn Fn() -> Csr + Sync)| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(f)
        };
        for f in [
            &(|| Csr::random(n, 7, 5)) as &(dyn Fn() -> Csr + Sync),
            &|| Csr::small_world(n, 10, 0.3, 5),
        ] {
            let one = on(1, f);
            let four = on(4, f);
            assert_eq!(one.offsets, four.offsets);
            assert_eq!(one.contacts, four.contacts);
        }
    }

    #[test]
    fn small_world_without_rewiring_is_a_ring_lattice() {
        let g = Csr::small_world(20, 4, 0.0, 3);
        check_simple_undirected(&g);
        let mut first = g.neighbours(0).to_vec();
        first.sort_unstable();
        assert_eq!(first, [1, 2, 18, 19]);
        assert!((0..20).all(|i| g.degree(i) == 4));
    }

    #[test]
    fn small_world_with_rewiring_stays_simple_and_keeps_edge_count_about() {
        let n = 10_000;
        let g = Csr::small_world(n, 10, 0.2, 3);
        check_simple_undirected(&g);
        // n·k/2 edges drawn; a rewired edge duplicates an existing one with prob ~k/n.
        let edges = g.contacts.len() / 2;
        assert!(edges <= n * 5 && edges > n * 5 - 200, "{edges}");
    }
}
