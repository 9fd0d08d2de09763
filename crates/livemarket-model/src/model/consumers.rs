//! Consumer agents as parallel arrays (structure of arrays): 9 bytes of state per consumer,
//! 1 bit in the adopter bitset, plus the network. Counts that the week needs (adopters among
//! each consumer's contacts, adopters per set of platforms) are kept up to date as consumers
//! adopt and lapse, never rescanned.

use super::cache::prefetch;
use super::network::Csr;
use super::rng::ModelRng;
use crate::scenario::{MAX_PLATFORMS, Network, PlatformMask};
use crate::world::CountryWorld;
use rand_distr::{Beta, Distribution};

/// Distinct platform masks: one bit per platform.
pub const MASKS: usize = 1 << MAX_PLATFORMS;

/// All consumer agents of one country.
#[derive(Debug, Clone)]
pub struct Consumers {
    /// Live affinity in [0, 1].
    pub affinity: Vec<f32>,
    /// Bit p set when the consumer uses platform p.
    pub platforms: Vec<PlatformMask>,
    /// Bit i set when consumer i is an adopter (never-adopted and lapsed consumers are not).
    pub adopter_bits: Vec<u64>,
    /// Week of the adopter's last order, or of its adoption if it has not ordered since.
    pub last_active: Vec<u16>,
    /// Contacts that are adopters (empty when well mixed).
    pub adopted_contacts: Vec<u16>,
    /// Contacts (None when well mixed).
    pub network: Option<Csr>,
    /// Adopters now.
    pub adopters: u64,
    /// Adopters per platform mask.
    pub adopters_by_mask: [u64; MASKS],
}

impl Consumers {
    /// Draws affinities and builds the network.
    pub fn new(country: &CountryWorld, rng: &mut ModelRng) -> Consumers {
        let n = country.spec.agents as usize;
        let aff = &country.spec.live_affinity;
        let affinity = if aff.sd == 0.0 {
            vec![aff.mean as f32; n]
        } else {
            // Beta(α, β) with the given mean m and sd s: α + β = m(1 − m)/s² − 1.
            let total = aff.mean * (1.0 - aff.mean) / (aff.sd * aff.sd) - 1.0;
            let beta =
                Beta::new(aff.mean * total, (1.0 - aff.mean) * total).expect("validated Beta");
            (0..n).map(|_| beta.sample(rng) as f32).collect()
        };
        let d = &country.spec.diffusion;
        let network = match d.network {
            Network::WellMixed => None,
            Network::Random => Some(Csr::random(n, d.contacts, rng)),
            Network::SmallWorld => Some(Csr::small_world(n, d.contacts, d.rewire, rng)),
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
            adopter_bits: vec![0; n.div_ceil(64)],
            last_active: vec![0; n],
            adopted_contacts: if network.is_some() {
                vec![0; n]
            } else {
                Vec::new()
            },
            network,
            adopters: 0,
            adopters_by_mask: [0; MASKS],
        }
    }

    pub fn len(&self) -> usize {
        self.platforms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.platforms.is_empty()
    }

    #[inline]
    pub fn is_adopter(&self, i: usize) -> bool {
        self.adopter_bits[i / 64] & (1 << (i % 64)) != 0
    }

    /// Consumer i starts using platform p.
    #[inline]
    pub fn add_platform(&mut self, i: usize, p: usize) {
        let m = self.platforms[i];
        let with = m | (1 << p);
        self.platforms[i] = with;
        if self.is_adopter(i) {
            self.adopters_by_mask[m as usize] -= 1;
            self.adopters_by_mask[with as usize] += 1;
        }
    }

    /// Share of adopters among the contacts of i (or among everyone when well mixed).
    #[inline]
    pub fn adopted_share(&self, i: usize, well_mixed_share: f64) -> f64 {
        match &self.network {
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

    /// Applies the week's adoptions and lapses to the bitset and every count. Adoption reads
    /// the counts of the start of the week, so this runs after the week's pass.
    pub fn apply_changes(&mut self, adopted: &[u32], lapsed: &[u32]) {
        for (list, up) in [(adopted, true), (lapsed, false)] {
            for &i in list {
                let i = i as usize;
                let m = self.platforms[i] as usize;
                self.adopter_bits[i / 64] ^= 1 << (i % 64);
                if up {
                    self.adopters += 1;
                    self.adopters_by_mask[m] += 1;
                } else {
                    self.adopters -= 1;
                    self.adopters_by_mask[m] -= 1;
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

    /// Adopters among the users of platform p.
    pub fn adopters_of(&self, p: usize) -> u64 {
        self.adopters_by_mask
            .iter()
            .enumerate()
            .filter(|(m, _)| m & (1 << p) != 0)
            .map(|(_, n)| n)
            .sum()
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

/// Estimated bytes of a country's consumers: 9 bytes of state each plus the bitset, and 4
/// per contact, 4 for the offsets and 2 for the contact count when there is a network.
pub fn estimated_bytes(country: &CountryWorld) -> u64 {
    let n = u64::from(country.spec.agents);
    let d = &country.spec.diffusion;
    let network = match d.network {
        Network::WellMixed => 0,
        _ => 4 + 2 + 4 * u64::from(d.contacts),
    };
    n * (4 + 1 + 2 + network) + n.div_ceil(64) * 8
}
