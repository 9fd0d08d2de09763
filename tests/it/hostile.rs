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

/// The value after some `= ` in `text` replaced by a nasty one.
fn replace_value(text: &str, rng: &mut Xoshiro256PlusPlus) -> String {
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
    // The counts a closing note quotes (shown with --nocapture).
    println!("{valid} valid mutants, {invalid} refused");
    assert!(
        valid > 100 && invalid > 100,
        "valid {valid}, invalid {invalid}"
    );
}

/// The small world's `[uncertain]` table: every distribution, a group, bounds near the edges.
const UNCERTAIN: &str = "\n[uncertain]\n\
\"countries.AA.deal_sensitivity\" = { dist = \"lognormal\", median = 2, sigma = 0.3, group = \"west\" }\n\
\"countries.BB.deal_sensitivity\" = { dist = \"triangular\", min = 0.5, mode = 1, max = 2, group = \"west\" }\n\
\"countries.AA.live_affinity.mean\" = { dist = \"beta\", alpha = 12, beta = 8 }\n\
\"countries.AA.lapse\" = { dist = \"beta\", alpha = 2, beta = 5, min = 0, max = 1 }\n\
\"countries.CC.diffusion.imitation\" = { dist = \"normal\", mean = 0.5, sd = 0.1 }\n\
\"platforms.alpha.take_rate\" = { dist = \"uniform\", min = 0.02, max = 0.05 }\n";

#[test]
fn mutated_uncertain_tables_give_an_error_or_finite_draws_inside_their_bounds() {
    use livemarket::scenario::uncertain::{bounds_of, draw};
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20261207);
    let base = format!("{SMALL}{UNCERTAIN}");
    let at = base.find("[uncertain]").unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for case in 0..3000 {
        // Mutations inside the table only: the rest of the scenario is fuzzed above.
        let (head, mut table) = (base[..at].to_string(), base[at..].to_string());
        // Mostly a value replaced (most other mutations of so short a text break its TOML).
        table = if rng.random_bool(0.75) {
            replace_value(&table, &mut rng)
        } else {
            mutate(&table, &mut rng)
        };
        let text = format!("{head}{table}");
        match Scenario::from_toml_str(&text, "mutant.toml") {
            Err(e) => {
                invalid += 1;
                let message = e.to_string();
                assert!(message.starts_with("mutant.toml"), "{case}: {message}");
            }
            Ok(s) => {
                valid += 1;
                let params = &s.uncertain.params;
                for seed in 0..20 {
                    for ((path, _), x) in params.iter().zip(draw(params, seed)) {
                        let b = bounds_of(path).unwrap();
                        assert!(
                            x.is_finite() && x >= b.lo && x <= b.hi,
                            "case {case}: `{path}` drew {x}, outside {b}:\n{table}"
                        );
                    }
                }
            }
        }
    }
    // The counts a closing note quotes (shown with --nocapture).
    println!("{valid} valid mutants, {invalid} refused");
    assert!(
        valid > 100 && invalid > 100,
        "valid {valid}, invalid {invalid}"
    );
}

#[test]
fn mutated_targets_files_give_an_error_or_targets_that_measure() {
    use livemarket::targets::{Summaries, Targets};
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20261208);
    let base = livemarket::targets::TARGETS_2021_TOML;
    let world = livemarket::world::World::new(&Scenario::baseline());
    let (mut valid, mut invalid) = (0, 0);
    for case in 0..3000 {
        let mut text = base.to_string();
        for _ in 0..rng.random_range(1..3) {
            text = mutate(&text, &mut rng);
        }
        match Targets::from_toml_str(&text, "targets.toml") {
            Err(e) => {
                invalid += 1;
                let message = e.to_string();
                assert!(message.starts_with("targets.toml"), "{case}: {message}");
            }
            Ok(t) => {
                valid += 1;
                for target in &t.targets {
                    assert!(
                        target.value.is_finite(),
                        "case {case}: target `{}` has the value {}",
                        target.name,
                        target.value
                    );
                }
                // Binding the targets to a world: an error or summaries, never a panic.
                let _ = Summaries::of(&t, &world);
            }
        }
    }
    // The counts a closing note quotes (shown with --nocapture).
    println!("{valid} valid mutants, {invalid} refused");
    assert!(
        valid > 100 && invalid > 100,
        "valid {valid}, invalid {invalid}"
    );
}
