//! Hostile input: seeded random mutations of valid scenarios must give a scenario or an
//! error, never a panic, and every scenario that passes validation must run.

use crate::common::SMALL_TOML as SMALL;
use livemarket::model::simulate;
use livemarket::scenario::Scenario;
use livemarket::world::World;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Values that break naive code: non-finite, negative, huge, zero, wrong types.
const NASTY: [&str; 14] = [
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "1e308",
    "-1e308",
    "4294967296",
    "65536",
    "\"x\"",
    "true",
    "[]",
    "{}",
    "0.5",
];

/// One mutation of `text`: replace a number by a nasty value, delete a span, duplicate a
/// line, or insert a random character.
fn mutate(text: &str, rng: &mut Xoshiro256PlusPlus) -> String {
    let bytes = text.as_bytes();
    match rng.random_range(0..4) {
        0 => {
            // Replace the value after some `= `.
            let eqs: Vec<usize> = text.match_indices("= ").map(|(i, _)| i + 2).collect();
            let at = eqs[rng.random_range(0..eqs.len())];
            let end = text[at..]
                .find([',', '\n', '}'])
                .map_or(text.len(), |e| at + e);
            format!(
                "{}{}{}",
                &text[..at],
                NASTY[rng.random_range(0..NASTY.len())],
                &text[end..]
            )
        }
        1 => {
            let a = rng.random_range(0..bytes.len());
            let b = (a + rng.random_range(1..40)).min(bytes.len());
            String::from_utf8_lossy(&[&bytes[..a], &bytes[b..]].concat()).into_owned()
        }
        2 => {
            let lines: Vec<&str> = text.lines().collect();
            let k = rng.random_range(0..lines.len());
            let mut out = lines.clone();
            out.insert(k, lines[k]);
            out.join("\n")
        }
        _ => {
            let a = rng.random_range(0..bytes.len());
            const CHARS: &[u8] = b"={}[]\",.#\n-0123456789xe";
            let c = CHARS[rng.random_range(0..CHARS.len())];
            String::from_utf8_lossy(&[&bytes[..a], &[c], &bytes[a..]].concat()).into_owned()
        }
    }
}

#[test]
fn mutated_scenarios_give_an_error_or_a_scenario_that_runs() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20261127);
    // Small enough to run every valid mutant for a few weeks.
    let base = SMALL
        .replace("agents = 6000", "agents = 300")
        .replace("agents = 4000", "agents = 200")
        .replace("agents = 3000", "agents = 200")
        .replace("weeks = 40", "weeks = 12");
    let (mut valid, mut invalid) = (0, 0);
    for _ in 0..4000 {
        let mut text = base.clone();
        for _ in 0..rng.random_range(1..3) {
            text = mutate(&text, &mut rng);
        }
        match Scenario::from_toml_str(&text, "mutant.toml") {
            Err(e) => {
                invalid += 1;
                let message = e.to_string();
                assert!(
                    message.starts_with("mutant.toml"),
                    "an error names the file: {message}"
                );
            }
            Ok(s) => {
                valid += 1;
                if s.countries
                    .values()
                    .map(|c| u64::from(c.agents))
                    .sum::<u64>()
                    <= 20_000
                    && s.weeks <= 60
                {
                    simulate(&World::new(&s), 0);
                }
            }
        }
    }
    // Both kinds must occur, or the mutations test nothing.
    assert!(
        valid > 100 && invalid > 100,
        "valid {valid}, invalid {invalid}"
    );
}
