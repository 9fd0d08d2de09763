//! One generation split across processes: `calibrate --shard K/N` runs part of the next
//! generation's attempts, `calibrate --merge` assembles the generation from the shards'
//! parts, exactly as one process would have.
//!
//! A generation's attempts come in numbered batches, and one process accepts the first
//! `population` attempts within the tolerance, taking batches in order ([`smc::Assembly`]).
//! Shard K of N runs batches K−1, K−1+N, K−1+2N, … (every attempt draws from its own
//! generator, so a batch gives the same attempts in any process) until it alone has about
//! 1.2 × population / N acceptances, and saves them to `shards/` after every batch. The
//! merge feeds batches 0, 1, 2, … from the shards' files: once the population is whole, the
//! generation is byte for byte the one a single process makes; when the shards stopped short
//! of it (some ran into a bad stretch), the merge says so and leaves everything as it was, and
//! running the shards again adds batches.

use super::Problem;
use super::folder::{self, Checkpoint, Options, SHARDS_DIR};
use super::smc::{self, Assembly, Attempt, Proposal, Stop};
use crate::error::UserError;
use crate::lock::{self, Access};
use crate::results::files::{self, write_atomically};
use crate::results::manifest::sha256_hex;
use crate::run::Shard;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One shard's part of one generation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Part {
    /// sha256 of the recipe, so a merge never mixes calibrations.
    recipe: String,
    generation: usize,
    index: u64,
    count: u64,
    /// Times this shard was run for this generation.
    rounds: u32,
    /// Batches run, in order, with their number.
    batches: Vec<(u64, Vec<Attempt>)>,
}

fn recipe_hash(problem: &Problem) -> String {
    sha256_hex(&serde_json::to_string(&problem.recipe).expect("a recipe serialises"))
}

fn part_name(generation: usize, shard: Shard) -> String {
    format!(
        "generation-{generation}-shard-{}-of-{}.json",
        shard.index, shard.count
    )
}

/// The checkpoint of a folder shards and merges share: the one there (which must be this
/// calibration's), or a new one.
fn checkpoint_of(dir: &Path, problem: &Problem, opts: &Options) -> Result<Checkpoint> {
    match folder::read(dir)? {
        Some(c) if c.recipe == problem.recipe => Ok(c),
        Some(_) => Err(UserError(format!(
            "{} holds a calibration started with other inputs or options; shards and merges \
             must use the scenario, targets and options it was started with",
            dir.display()
        ))
        .into()),
        None => {
            let fresh = Options {
                resume: true,
                ..opts.clone()
            };
            folder::prepare(dir, &problem.recipe, &fresh)
        }
    }
}

/// What a shard did.
#[derive(Debug)]
pub enum ShardOutcome {
    /// The calibration has already stopped: nothing to run.
    Finished,
    /// Ran batches for `generation`: it has `accepted` of its own in `batches` batches.
    Ran {
        generation: usize,
        batches: usize,
        accepted: usize,
    },
}

/// Runs shard `shard`'s part of the next generation into `dir/shards/`.
pub fn run_shard(problem: &Problem, shard: Shard, opts: &Options) -> Result<ShardOutcome> {
    let dir = &opts.out;
    files::create_folder(dir)?;
    let checkpoint = match folder::read(dir)? {
        Some(c) if c.recipe != problem.recipe => {
            return Err(UserError(format!(
                "{} holds a calibration started with other inputs or options; run the shards \
                 with the scenario, targets and options it was started with",
                dir.display()
            ))
            .into());
        }
        other => other,
    };
    let generations = checkpoint.map(|c| c.generations).unwrap_or_default();
    let smc_opts = problem.recipe.smc();
    if smc::stop_after(&generations, &smc_opts).is_some() {
        return Ok(ShardOutcome::Finished);
    }
    let prior = problem.prior();
    let Ok(proposal) = Proposal::next(&prior, &generations, &smc_opts) else {
        return Ok(ShardOutcome::Finished);
    };
    let g = proposal.generation();
    let shards = dir.join(SHARDS_DIR);
    files::create_folder(&shards)?;
    let path = shards.join(part_name(g, shard));
    let hash = recipe_hash(problem);
    let mut part = match std::fs::read_to_string(&path) {
        Ok(text) => {
            let p: Part = serde_json::from_str(&text).map_err(|e| {
                UserError(format!(
                    "{} is damaged ({e}); remove it and run the shard again",
                    path.display()
                ))
            })?;
            if p.recipe != hash || p.generation != g {
                return Err(UserError(format!(
                    "{} belongs to another calibration or generation; remove it and run the \
                     shard again",
                    path.display()
                ))
                .into());
            }
            Part {
                rounds: p.rounds + 1,
                ..p
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Part {
            recipe: hash,
            generation: g,
            index: u64::from(shard.index),
            count: u64::from(shard.count),
            rounds: 1,
            batches: Vec::new(),
        },
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let n = u64::from(shard.count);
    let population = problem.recipe.population as f64;
    let wanted = (1.2 * population / n as f64 * f64::from(part.rounds)).ceil() as usize + 1;
    let spent: u64 = generations.iter().map(|g| g.simulations).sum();
    let accepted_in = |batches: &[(u64, Vec<Attempt>)]| {
        batches
            .iter()
            .flat_map(|(_, b)| b)
            .filter(|a| {
                matches!(a, Attempt::Simulated { distance: Some(d), .. } if *d <= proposal.epsilon)
            })
            .count()
    };
    let simulated_in = |batches: &[(u64, Vec<Attempt>)]| {
        batches
            .iter()
            .flat_map(|(_, b)| b)
            .filter(|a| matches!(a, Attempt::Simulated { .. }))
            .count() as u64
    };
    let before = part.batches.len();
    loop {
        // Enough of its own, and at least one batch more than before.
        if accepted_in(&part.batches) >= wanted && part.batches.len() > before {
            break;
        }
        // The whole budget, if every shard spends what this one has.
        if spent + simulated_in(&part.batches) * n >= problem.recipe.max_simulations {
            break;
        }
        let b = u64::from(shard.index) - 1 + n * part.batches.len() as u64;
        let batch = proposal.run_batch(b, &|z, seed| problem.simulate(z, seed), &|s| {
            problem.distance(s)
        })?;
        part.batches.push((b, batch));
        write_atomically(&path, |w| Ok(serde_json::to_writer(w, &part)?))?;
    }
    Ok(ShardOutcome::Ran {
        generation: g,
        batches: part.batches.len(),
        accepted: accepted_in(&part.batches),
    })
}

/// What a merge did.
#[derive(Debug)]
pub enum MergeOutcome {
    /// Generation `generation` was assembled; the calibration goes on.
    Generation(usize),
    /// The calibration has stopped now, and its folder is complete.
    Stopped(Stop),
    /// It had stopped before: nothing to do.
    Complete,
}

/// Assembles the next generation from the shards' parts in `dir/shards/`.
pub fn merge(problem: &Problem, opts: &Options) -> Result<MergeOutcome> {
    let dir = &opts.out;
    files::create_folder(dir)?;
    let _lock = lock::lock(dir, Access::Write, "calibrate --merge")?;
    let mut checkpoint = checkpoint_of(dir, problem, opts)?;
    let smc_opts = problem.recipe.smc();
    if checkpoint.complete {
        return Ok(MergeOutcome::Complete);
    }
    if let Some(stop) = smc::stop_after(&checkpoint.generations, &smc_opts) {
        folder::finish(dir, problem, &mut checkpoint, stop)?;
        clear(dir)?;
        return Ok(MergeOutcome::Stopped(stop));
    }
    let prior = problem.prior();
    let generations = checkpoint.generations.clone();
    let proposal = match Proposal::next(&prior, &generations, &smc_opts) {
        Ok(p) => p,
        Err(stop) => {
            folder::finish(dir, problem, &mut checkpoint, stop)?;
            clear(dir)?;
            return Ok(MergeOutcome::Stopped(stop));
        }
    };
    let g = proposal.generation();
    let parts = read_parts(dir, problem, g)?;
    let n = parts.len() as u64;
    let spent: u64 = generations.iter().map(|g| g.simulations).sum();
    let mut assembly = Assembly::new(problem.recipe.population);
    let mut b = 0u64;
    let started = std::time::Instant::now();
    while !assembly.done() {
        if spent + assembly.simulations >= problem.recipe.max_simulations {
            folder::finish(dir, problem, &mut checkpoint, Stop::Budget)?;
            clear(dir)?;
            return Ok(MergeOutcome::Stopped(Stop::Budget));
        }
        let part = &parts[(b % n) as usize];
        let Some((_, batch)) = part.batches.get((b / n) as usize) else {
            return Err(UserError(format!(
                "generation {g} is not whole yet: the shards' first {b} batches hold {} of \
                 its {} particles, and shard {}/{n} stopped there. Run the shards again \
                 (each run adds batches), then merge again",
                assembly.accepted.len(),
                problem.recipe.population,
                b % n + 1
            ))
            .into());
        };
        assembly.feed(batch.clone(), proposal.epsilon);
        b += 1;
    }
    let generation = proposal.finish(assembly);
    checkpoint.generations.push(generation);
    checkpoint.seconds.push(started.elapsed().as_secs_f64());
    folder::write_tables(dir, problem, &checkpoint.generations)?;
    folder::write_checkpoint(dir, &checkpoint)?;
    clear(dir)?;
    if let Some(stop) = smc::stop_after(&checkpoint.generations, &smc_opts) {
        folder::finish(dir, problem, &mut checkpoint, stop)?;
        return Ok(MergeOutcome::Stopped(stop));
    }
    Ok(MergeOutcome::Generation(g))
}

/// Every shard's part of generation `g`: all of one N, each of 1..=N once.
fn read_parts(dir: &Path, problem: &Problem, g: usize) -> Result<Vec<Part>> {
    let shards = dir.join(SHARDS_DIR);
    let hash = recipe_hash(problem);
    let prefix = format!("generation-{g}-shard-");
    let mut parts: Vec<(PathBuf, Part)> = Vec::new();
    let entries = std::fs::read_dir(&shards).map_err(|_| {
        UserError(format!(
            "{} holds no shards of generation {g}; run `calibrate --shard K/N` for every K \
             first",
            dir.display()
        ))
    })?;
    for e in entries {
        let e = e.with_context(|| format!("cannot read {}", shards.display()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with(&prefix) || !name.ends_with(".json") {
            continue;
        }
        let text = std::fs::read_to_string(e.path())
            .with_context(|| format!("cannot read {}", e.path().display()))?;
        let part: Part = serde_json::from_str(&text).map_err(|err| {
            UserError(format!(
                "{} is damaged ({err}); remove it and run that shard again",
                e.path().display()
            ))
        })?;
        if part.recipe != hash || part.generation != g {
            return Err(UserError(format!(
                "{} belongs to another calibration; remove it",
                e.path().display()
            ))
            .into());
        }
        parts.push((e.path(), part));
    }
    if parts.is_empty() {
        return Err(UserError(format!(
            "{} holds no shards of generation {g}; run `calibrate --shard K/N` for every K first",
            dir.display()
        ))
        .into());
    }
    let n = parts[0].1.count;
    if let Some((p, _)) = parts.iter().find(|(_, q)| q.count != n) {
        return Err(UserError(format!(
            "{} was run as one of {} shards, others as one of {n}; run every shard with the same N",
            p.display(),
            parts.iter().find(|(q, _)| q == p).map_or(0, |x| x.1.count)
        ))
        .into());
    }
    parts.sort_by_key(|(_, p)| p.index);
    let missing: Vec<String> = (1..=n)
        .filter(|k| !parts.iter().any(|(_, p)| p.index == *k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(UserError(format!(
            "generation {g} lacks shard(s) {}; run them, then merge again",
            missing.join(", ")
        ))
        .into());
    }
    Ok(parts.into_iter().map(|(_, p)| p).collect())
}

/// Removes the shards' parts (of a generation merged, or of a calibration cleared).
pub fn clear(dir: &Path) -> Result<()> {
    let shards = dir.join(SHARDS_DIR);
    let Ok(entries) = std::fs::read_dir(&shards) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let is_ours = name.starts_with("generation-") && name.ends_with(".json")
            || name.starts_with(".generation-") && name.ends_with(".tmp");
        if is_ours && e.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(e.path())
                .with_context(|| format!("cannot remove {}", e.path().display()))?;
        }
    }
    let _ = std::fs::remove_dir(&shards);
    Ok(())
}
