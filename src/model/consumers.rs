//! Consumer agents as parallel arrays (structure of arrays): about 10 bytes of state per
//! consumer plus the network. Adopter counts among contacts are kept up to date as contacts
//! adopt and lapse, never rescanned.

use super::network::Csr;
use super::rng::{ModelRng, hash_unit};
use crate::scenario::Network;
use crate::world::CountryWorld;
use rand::Rng;
use rand_distr::{Beta, Distribution};

/// Adoption states.
pub const NEVER: u8 = 0;
pub const ADOPTER: u8 = 1;
pub const LAPSED: u8 = 2;

/// All consumer agents of one country.
#[derive(Debug, Clone)]
pub struct Consumers {
    /// Live affinity in [0, 1].
    pub affinity: Vec<f32>,
    /// Bit p set when the consumer uses platform p.
    pub platforms: Vec<u8>,
    /// [`NEVER`], [`ADOPTER`] or [`LAPSED`].
    pub state: Vec<u8>,
    /// Weeks since the last order (adopters), saturating.
    pub idle_weeks: Vec<u16>,
    /// Contacts that are adopters (empty when well mixed).
    pub adopted_contacts: Vec<u16>,
    /// Contacts (None when well mixed).
    pub network: Option<Csr>,
    /// Adopters now.
    pub adopters: u64,
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
            state: vec![NEVER; n],
            idle_weeks: vec![0; n],
            adopted_contacts: if network.is_some() {
                vec![0; n]
            } else {
                Vec::new()
            },
            network,
            adopters: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.state.len()
    }

    pub fn is_empty(&self) -> bool {
        self.state.is_empty()
    }

    /// Adds platform `p` to every consumer whose key-hashed uniform draw falls below `reach`.
    /// The draw for (consumer, platform) never changes, so reach growth only ever adds users
    /// and platforms are drawn independently of each other.
    pub fn extend_reach(&mut self, key: u64, p: usize, reach: f64) {
        let bit = 1u8 << p;
        let salt = (p as u64) << 56;
        for (i, m) in self.platforms.iter_mut().enumerate() {
            if *m & bit == 0 && hash_unit(key, salt | i as u64) < reach {
                *m |= bit;
            }
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

    /// Applies the week's adoptions and lapses to the contact counts and the total.
    pub fn apply_changes(&mut self, adopted: &[u32], lapsed: &[u32]) {
        self.adopters = self.adopters + adopted.len() as u64 - lapsed.len() as u64;
        if let Some(g) = &self.network {
            for &i in adopted {
                for &j in g.neighbours(i as usize) {
                    self.adopted_contacts[j as usize] += 1;
                }
            }
            for &i in lapsed {
                for &j in g.neighbours(i as usize) {
                    self.adopted_contacts[j as usize] -= 1;
                }
            }
        }
    }
}

/// Draws a uniform in [0, 1) (kept here so every model draw reads the same).
#[inline]
pub fn unit(rng: &mut ModelRng) -> f64 {
    rng.random::<f64>()
}

/// Estimated bytes of a country's consumers: 10 bytes of state each, plus 4 per contact and
/// 4 for the offsets when there is a network.
pub fn estimated_bytes(country: &CountryWorld) -> u64 {
    let n = u64::from(country.spec.agents);
    let d = &country.spec.diffusion;
    let network = match d.network {
        Network::WellMixed => 0,
        _ => 4 + 4 * u64::from(d.contacts),
    };
    n * (4 + 1 + 1 + 2 + 2 + network)
}
