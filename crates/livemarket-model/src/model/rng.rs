//! Seeds and generators. Every stream is a named algorithm (xoshiro256++, seeded through
//! SplitMix64), so results do not change when the rand crate changes its default generator.
//!
//! Trial k's seed derives from the scenario seed and k alone; each country's key from the
//! trial seed and the country code alone. Countries can therefore step in any order, or in
//! parallel, without changing a byte of output.
//!
//! Within a country, consumers are split into fixed chunks of [`CHUNK`] consumers (a constant,
//! never derived from the number of threads). Each chunk draws from its own stream, keyed by
//! the country key, a purpose and the chunk index ([`chunk_rng`]): one stream per chunk for
//! its affinities and deal-seekers, one for the network's edges drawn by its consumers, and
//! one per week for the weekly pass (keyed by the week, so no generator state is carried from
//! week to week). Chunks can therefore be set up and stepped in parallel, and their results
//! merged in chunk order, without changing a byte of output whatever the number of threads.
//! The remaining draws of a country (reach and holdout keys, creators, installed bases, the
//! creators' and platforms' decisions) come from the country's own generator
//! ([`country_rng`]), in a fixed order.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator used everywhere in the model.
pub type ModelRng = Xoshiro256PlusPlus;

/// SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mix.
#[inline]
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Seed of trial `k` of a scenario with seed `seed`: the top 49 bits of the mix, below
/// 10^15, so every spreadsheet, JSON reader and data frame holds the seed written in
/// `trials.csv` exactly. 53 bits would fit a double, but Excel keeps 15 significant digits
/// of what it reads and LibreOffice Calc turns 8988507134362048 into 8988507134362050.
pub fn trial_seed(seed: u64, k: u64) -> u64 {
    splitmix64(splitmix64(seed) ^ splitmix64(k.wrapping_add(0x5EED))) >> 15
}

/// Key of one country in one trial: seeds its generator and its chunks' streams.
pub fn country_key(trial_seed: u64, code: &str) -> u64 {
    let mut bytes = [0u8; 8];
    for (b, c) in bytes.iter_mut().zip(code.bytes()) {
        *b = c;
    }
    splitmix64(trial_seed ^ splitmix64(u64::from_le_bytes(bytes)))
}

/// Generator of one country in one trial (for the draws that are not per consumer chunk).
pub fn country_rng(trial_seed: u64, code: &str) -> ModelRng {
    ModelRng::seed_from_u64(country_key(trial_seed, code))
}

/// Consumers per chunk: a multiple of 64, so that a word of a consumer bitset never straddles
/// two chunks. Fixed: the streams, and so the results, depend on it.
pub const CHUNK: usize = 1 << 16;

/// Purposes of chunk streams: affinities and deal-seekers, the network's edges, and the
/// weekly pass (with the week in the low bits).
pub const SETUP_CONSUMERS: u64 = 0x5E70_C045_0000_0000;
pub const SETUP_NETWORK: u64 = 0x5E70_4E37_0000_0000;
pub const PASS: u64 = 0x9A55_0000_0000_0000;

/// Purpose of the pass of week `week`.
#[inline]
pub fn pass_purpose(week: u16) -> u64 {
    PASS | u64::from(week)
}

/// Stream of chunk `chunk` of the country with key `key`, for `purpose`.
pub fn chunk_rng(key: u64, purpose: u64, chunk: usize) -> ModelRng {
    ModelRng::seed_from_u64(splitmix64(
        key ^ splitmix64(purpose ^ splitmix64(chunk as u64)),
    ))
}

/// Number of chunks of `n` consumers.
#[inline]
pub fn chunks(n: usize) -> usize {
    n.div_ceil(CHUNK)
}

/// A uniform number in [0, 1) from a key and a counter, without a generator's state: used
/// for draws that must not depend on when they are made (which platforms a consumer uses).
#[inline]
pub fn hash_unit(key: u64, counter: u64) -> f64 {
    (splitmix64(key ^ splitmix64(counter)) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn trial_seeds_differ_by_trial_and_scenario_seed() {
        assert_ne!(trial_seed(1, 0), trial_seed(1, 1));
        assert_ne!(trial_seed(1, 0), trial_seed(2, 0));
        assert_eq!(trial_seed(7, 3), trial_seed(7, 3));
        for k in 0..1000 {
            let s = trial_seed(u64::MAX - k, k);
            assert!(s < 1 << 49 && s < 10u64.pow(15), "{s}");
        }
    }

    #[test]
    fn country_streams_differ_and_repeat() {
        let a: u64 = country_rng(5, "GB").random();
        let b: u64 = country_rng(5, "US").random();
        let a2: u64 = country_rng(5, "GB").random();
        assert_ne!(a, b);
        assert_eq!(a, a2);
    }

    #[test]
    fn chunk_streams_differ_by_chunk_purpose_week_and_country() {
        let first = |key, purpose, chunk| -> u64 { chunk_rng(key, purpose, chunk).random() };
        let a = first(1, SETUP_CONSUMERS, 0);
        assert_eq!(a, first(1, SETUP_CONSUMERS, 0));
        for b in [
            first(1, SETUP_CONSUMERS, 1),
            first(1, SETUP_NETWORK, 0),
            first(1, pass_purpose(0), 0),
            first(2, SETUP_CONSUMERS, 0),
        ] {
            assert_ne!(a, b);
        }
        assert_ne!(first(1, pass_purpose(0), 3), first(1, pass_purpose(1), 3));
        assert_eq!(CHUNK % 64, 0);
        assert_eq!(
            (chunks(0), chunks(1), chunks(CHUNK), chunks(CHUNK + 1)),
            (0, 1, 1, 2)
        );
    }

    #[test]
    fn hash_unit_is_uniform_enough() {
        // Mean of 100k U(0,1) draws has sd 1/sqrt(12 × 1e5) ≈ 0.00091; allow 5 sd.
        let n = 100_000u64;
        let mean = (0..n).map(|i| hash_unit(42, i)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 5.0 * 0.000_913, "{mean}");
        assert!((0..n).all(|i| (0.0..1.0).contains(&hash_unit(42, i))));
    }
}
