//! Consumer agents as parallel arrays (structure of arrays): 12 bytes of state per consumer
//! and 2 bits, plus the network. Counts that the week needs (accepting contacts of each
//! consumer, habits per platform) are kept up to date as consumers change, never rescanned.

use super::cache::prefetch;
use super::network::Csr;
use super::rng::{CHUNK, SETUP_CONSUMERS, chunk_rng};
use crate::scenario::{MAX_PLATFORMS, Network, PlatformMask};
use crate::world::CountryWorld;
use rand::Rng;
use rand_distr::{Beta, Distribution};
use rayon::prelude::*;
use std::ops::{Index, IndexMut, Range};

/// Distinct platform masks: one bit per platform.
pub const MASKS: usize = 1 << MAX_PLATFORMS;

/// Bytes of per-consumer state outside the network: affinity (4), platforms, habits, first
/// orders and adoption discount (1 each), weeks (2), accepting contacts (2).
pub const STATE_BYTES: usize = 4 + 1 + 1 + 1 + 1 + 2 + 2;

/// Bytes of a consumer with `contacts` contacts: state, two bits, a CSR offset (4) and 4 per
/// contact.
pub const fn bytes_per_consumer(contacts: usize) -> usize {
    STATE_BYTES + 1 + 4 + 4 * contacts
}

// Millions of consumers must fit: at most 64 bytes each with the 10 contacts of the bundled
// scenarios (the two bits are rounded up to a byte).
const _: () = assert!(bytes_per_consumer(10) <= 64);

/// Whether bit i of a bitset is set.
#[inline]
fn bit(words: &[u64], i: usize) -> bool {
    words[i / 64] & (1 << (i % 64)) != 0
}

/// All consumer agents of one country.
#[derive(Debug, Clone)]
pub struct Consumers {
    /// Live affinity in [0, 1].
    pub affinity: Vec<f32>,
    /// Bit p set when the consumer uses platform p.
    pub platforms: Vec<PlatformMask>,
    /// Bit p set when the consumer has a habit on platform p (buys live there).
    pub habits: Vec<PlatformMask>,
    /// Bit p set once the consumer has ordered on platform p (for first-order discounts).
    pub ordered: Vec<PlatformMask>,
    /// A deal-seeker's best discount when it accepted, quantised to 1/255.
    pub adopted_at: Vec<u8>,
    /// Bit i set when consumer i has accepted live shopping (the category).
    pub accepted_bits: Vec<u64>,
    /// Bit i set when consumer i is a deal-seeker.
    pub seeker_bits: Vec<u64>,
    /// Week of the last order, or of acceptance if it has not ordered since.
    pub last_active: Vec<u16>,
    /// Contacts that have accepted (empty when well mixed).
    pub adopted_contacts: Vec<u16>,
    /// Contacts (None when well mixed).
    pub network: Option<Csr>,
    /// Consumers that have accepted, now.
    pub adopters: u64,
    /// Habits per platform, now.
    pub habit_count: [u64; MAX_PLATFORMS],
}

impl Consumers {
    /// Draws affinities and deal-seekers and builds the network, each chunk of consumers
    /// from its own streams (keyed by `key`, the country's), in parallel.
    pub fn new(country: &CountryWorld, key: u64) -> Consumers {
        let n = country.spec.agents as usize;
        let aff = &country.spec.live_affinity;
        let mut affinity = vec![aff.mean as f32; n];
        // Beta(α, β) with the given mean m and sd s: α + β = m(1 − m)/s² − 1.
        let beta = (aff.sd != 0.0).then(|| {
            let total = aff.mean * (1.0 - aff.mean) / (aff.sd * aff.sd) - 1.0;
            Beta::new(aff.mean * total, (1.0 - aff.mean) * total).expect("validated Beta")
        });
        let words = n.div_ceil(64);
        let mut seeker_bits = vec![0u64; words];
        let share = country.spec.deal_seekers.share;
        if beta.is_some() || share > 0.0 {
            // A chunk is a whole number of bitset words: bit k of the chunk's words is its
            // consumer k.
            affinity
                .par_chunks_mut(CHUNK)
                .zip(seeker_bits.par_chunks_mut(CHUNK / 64))
                .enumerate()
                .for_each(|(c, (affinity, seekers))| {
                    let mut rng = chunk_rng(key, SETUP_CONSUMERS, c);
                    if let Some(beta) = &beta {
                        for a in affinity.iter_mut() {
                            *a = beta.sample(&mut rng) as f32;
                        }
                    }
                    if share > 0.0 {
                        for k in 0..affinity.len() {
                            if rng.random::<f64>() < share {
                                seekers[k / 64] |= 1 << (k % 64);
                            }
                        }
                    }
                });
        }
        let d = &country.spec.diffusion;
        let network = match d.network {
            Network::WellMixed => None,
            Network::Random => Some(Csr::random(n, d.contacts, key)),
            Network::SmallWorld => Some(Csr::small_world(n, d.contacts, d.rewire, key)),
        };
        assert!(
            network
                .as_ref()
                .is_none_or(|g| (0..n).all(|i| g.degree(i) <= u32::from(u16::MAX))),
            "contact counts fit in u16 (contacts <= 1000 is validated)"
        );
        Consumers {
            affinity,
            platforms: vec![0; n],
            habits: vec![0; n],
            ordered: vec![0; n],
            adopted_at: vec![0; n],
            accepted_bits: vec![0; words],
            seeker_bits,
            last_active: vec![0; n],
            adopted_contacts: if network.is_some() {
                vec![0; n]
            } else {
                Vec::new()
            },
            network,
            adopters: 0,
            habit_count: [0; MAX_PLATFORMS],
        }
    }

    pub fn len(&self) -> usize {
        self.platforms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.platforms.is_empty()
    }

    /// Whether consumer i has accepted live shopping.
    #[inline]
    pub fn is_adopter(&self, i: usize) -> bool {
        bit(&self.accepted_bits, i)
    }

    #[inline]
    pub fn is_seeker(&self, i: usize) -> bool {
        bit(&self.seeker_bits, i)
    }

    /// Consumer i starts using platform p.
    #[inline]
    pub fn add_platform(&mut self, i: usize, p: usize) {
        self.platforms[i] |= 1 << p;
    }

    /// Consumer i takes a habit on platform p (it has none there).
    #[inline]
    pub fn add_habit(&mut self, i: usize, p: usize) {
        debug_assert!(self.habits[i] & (1 << p) == 0);
        self.habits[i] |= 1 << p;
        self.habit_count[p] += 1;
    }

    /// Every habit on platform p ends (its live shop closed).
    pub fn end_habits_on(&mut self, p: usize) {
        let bit: PlatformMask = 1 << p;
        for h in self.habits.iter_mut() {
            *h &= !bit;
        }
        self.habit_count[p] = 0;
    }

    /// Views of consumers `range` in chunks of `size` (the last may be shorter): each holds its
    /// own part of the state a weekly pass writes, and all of what it only reads.
    pub fn views(&mut self, range: Range<usize>, size: usize) -> Vec<View<'_>> {
        let Consumers {
            affinity,
            platforms,
            habits,
            ordered,
            adopted_at,
            accepted_bits,
            seeker_bits,
            last_active,
            adopted_contacts,
            network,
            ..
        } = self;
        let (affinity, platforms): (&[f32], &[PlatformMask]) = (affinity, platforms);
        let (accepted_bits, seeker_bits): (&[u64], &[u64]) = (accepted_bits, seeker_bits);
        let (adopted_contacts, network): (&[u16], Option<&Csr>) =
            (adopted_contacts, network.as_ref());
        let mut habits = &mut habits[range.clone()];
        let mut ordered = &mut ordered[range.clone()];
        let mut adopted_at = &mut adopted_at[range.clone()];
        let mut last_active = &mut last_active[range.clone()];
        let mut views = Vec::with_capacity(range.len().div_ceil(size.max(1)));
        let mut base = range.start;
        while base < range.end {
            let len = size.min(range.end - base);
            let (h, h_rest) = std::mem::take(&mut habits).split_at_mut(len);
            let (o, o_rest) = std::mem::take(&mut ordered).split_at_mut(len);
            let (a, a_rest) = std::mem::take(&mut adopted_at).split_at_mut(len);
            let (l, l_rest) = std::mem::take(&mut last_active).split_at_mut(len);
            (habits, ordered, adopted_at, last_active) = (h_rest, o_rest, a_rest, l_rest);
            views.push(View {
                range: base..base + len,
                affinity,
                platforms,
                habits: Part::new(base, h),
                ordered: Part::new(base, o),
                adopted_at: Part::new(base, a),
                last_active: Part::new(base, l),
                accepted_bits,
                seeker_bits,
                adopted_contacts,
                network,
                habit_change: [0; MAX_PLATFORMS],
            });
            base += len;
        }
        views
    }

    /// Applies the week's acceptances and lapses to the bitset and the contact counts.
    /// Adoption reads the counts of the start of the week, so this runs after the week's
    /// pass (habits change during the pass: nobody else reads them).
    pub fn apply_changes(&mut self, adopted: &[u32], lapsed: &[u32]) {
        for (list, up) in [(adopted, true), (lapsed, false)] {
            for &i in list {
                let i = i as usize;
                self.accepted_bits[i / 64] ^= 1 << (i % 64);
                if up {
                    self.adopters += 1;
                } else {
                    self.adopters -= 1;
                }
            }
            if let Some(g) = &self.network {
                shift_contacts(
                    g,
                    &mut self.adopted_contacts,
                    list,
                    if up { 1 } else { u16::MAX },
                );
            }
        }
    }
}

/// A slice of a per-consumer array, indexed by consumer: `part[i]` is consumer i's entry.
pub struct Part<'a, T> {
    base: usize,
    items: &'a mut [T],
}

impl<'a, T> Part<'a, T> {
    fn new(base: usize, items: &'a mut [T]) -> Self {
        Part { base, items }
    }
}

impl<T> Index<usize> for Part<'_, T> {
    type Output = T;
    #[inline]
    fn index(&self, i: usize) -> &T {
        &self.items[i - self.base]
    }
}

impl<T> IndexMut<usize> for Part<'_, T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.items[i - self.base]
    }
}

/// One chunk of consumers as a weekly pass sees it (see [`Consumers::views`]): the state the
/// pass writes for the chunk's consumers (habits, orders, activity), and, for reading, the
/// state of everyone as it was at the start of the week (acceptance changes are applied
/// after the pass). Indexed by consumer, like [`Consumers`].
pub struct View<'a> {
    /// The consumers of the chunk.
    pub range: Range<usize>,
    pub affinity: &'a [f32],
    pub platforms: &'a [PlatformMask],
    pub habits: Part<'a, PlatformMask>,
    pub ordered: Part<'a, PlatformMask>,
    pub adopted_at: Part<'a, u8>,
    pub last_active: Part<'a, u16>,
    accepted_bits: &'a [u64],
    seeker_bits: &'a [u64],
    adopted_contacts: &'a [u16],
    network: Option<&'a Csr>,
    /// Habits gained less habits lost per platform in the chunk (wrapping: added to
    /// [`Consumers::habit_count`] after the pass).
    pub habit_change: [u64; MAX_PLATFORMS],
}

impl View<'_> {
    /// The bitset of accepting consumers (of everyone).
    pub fn accepted_bits(&self) -> &[u64] {
        self.accepted_bits
    }

    /// Whether consumer i has accepted live shopping.
    #[inline]
    pub fn is_adopter(&self, i: usize) -> bool {
        bit(self.accepted_bits, i)
    }

    #[inline]
    pub fn is_seeker(&self, i: usize) -> bool {
        bit(self.seeker_bits, i)
    }

    /// Consumer i takes a habit on platform p (it has none there).
    #[inline]
    pub fn add_habit(&mut self, i: usize, p: usize) {
        debug_assert!(self.habits[i] & (1 << p) == 0);
        self.habits[i] |= 1 << p;
        self.habit_change[p] = self.habit_change[p].wrapping_add(1);
    }

    /// Every habit of consumer i ends.
    #[inline]
    pub fn clear_habits(&mut self, i: usize) {
        let h = self.habits[i];
        for (p, change) in self.habit_change.iter_mut().enumerate() {
            if h & (1 << p) != 0 {
                *change = change.wrapping_sub(1);
            }
        }
        self.habits[i] = 0;
    }

    /// Share of accepting consumers among the contacts of i (or among everyone when well
    /// mixed).
    #[inline]
    pub fn adopted_share(&self, i: usize, well_mixed_share: f64) -> f64 {
        match self.network {
            None => well_mixed_share,
            Some(g) => {
                let k = g.degree(i);
                if k == 0 {
                    0.0
                } else {
                    f64::from(self.adopted_contacts[i]) / f64::from(k)
                }
            }
        }
    }
}

/// Adds `delta` (wrapping: u16::MAX subtracts one) to the adopted-contact count of every
/// contact of every consumer in `list`.
///
/// Both the contact lists (40 MB at 1M agents) and the counts are hit out of order, a cache
/// and TLB miss each. A two-stage software prefetch overlaps them: the contact list of the
/// consumer `FAR` places ahead, then the counts of the one `NEAR` places ahead.
fn shift_contacts(g: &Csr, counts: &mut [u16], list: &[u32], delta: u16) {
    const FAR: usize = 16;
    const NEAR: usize = 8;
    for (k, &i) in list.iter().enumerate() {
        if let Some(&far) = list.get(k + FAR)
            && let Some(x) = g.contacts.get(g.offsets[far as usize] as usize)
        {
            prefetch(x);
        }
        if let Some(&near) = list.get(k + NEAR) {
            for &j in g.neighbours(near as usize) {
                prefetch(&counts[j as usize]);
            }
        }
        for &j in g.neighbours(i as usize) {
            let c = &mut counts[j as usize];
            *c = c.wrapping_add(delta);
        }
    }
}

/// Estimated bytes of a country's consumers: [`STATE_BYTES`] each plus the bitsets, and 4
/// per contact, 4 for the offsets when there is a network.
pub fn estimated_bytes(country: &CountryWorld) -> u64 {
    let n = u64::from(country.spec.agents);
    let d = &country.spec.diffusion;
    let network = match d.network {
        Network::WellMixed => 0,
        _ => 4 + 4 * u64::from(d.contacts),
    };
    n * (STATE_BYTES as u64 + network) + n.div_ceil(64) * 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consumer_with_ten_contacts_fits_in_64_bytes() {
        // The const assertion above holds this at compile time; the estimate agrees.
        assert_eq!(STATE_BYTES, 12);
        assert!(bytes_per_consumer(10) <= 64);
        let mut w = crate::world::World::new(&crate::scenario::Scenario::baseline());
        let c = &mut w.countries[0];
        c.spec.agents = 1_000_000;
        c.spec.diffusion.contacts = 10;
        c.spec.diffusion.network = Network::Random;
        assert!(estimated_bytes(c) <= 64 * 1_000_000);
    }
}
