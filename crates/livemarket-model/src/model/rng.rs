//! Seeds and generators. Every stream is a named algorithm (xoshiro256++, seeded through
//! SplitMix64), so results do not change when the rand crate changes its default generator.
//!
//! Trial k's seed derives from the scenario seed and k alone; each country's generator from
//! the trial seed and the country code alone. Countries can therefore step in any order, or in
//! parallel, without changing a byte of output.

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

/// Generator of one country in one trial.
pub fn country_rng(trial_seed: u64, code: &str) -> ModelRng {
    let mut bytes = [0u8; 8];
    for (b, c) in bytes.iter_mut().zip(code.bytes()) {
        *b = c;
    }
    ModelRng::seed_from_u64(splitmix64(
        trial_seed ^ splitmix64(u64::from_le_bytes(bytes)),
    ))
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
    fn hash_unit_is_uniform_enough() {
        // Mean of 100k U(0,1) draws has sd 1/sqrt(12 × 1e5) ≈ 0.00091; allow 5 sd.
        let n = 100_000u64;
        let mean = (0..n).map(|i| hash_unit(42, i)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 5.0 * 0.000_913, "{mean}");
        assert!((0..n).all(|i| (0.0..1.0).contains(&hash_unit(42, i))));
    }
}
