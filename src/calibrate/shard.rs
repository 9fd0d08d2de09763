//! One generation split across processes: `calibrate --shard K/N` runs part of the next
//! generation's attempts, `calibrate --merge` assembles the generation from the shards'
//! parts, exactly as one process would have.
//!
//! A generation's attempts come in numbered batches, and one process accepts the first
//! `population` attempts within the tolerance, taking batches in order ([`super::sampler::Assembly`]).
//! Shard K of N runs batches K−1, K−1+N, K−1+2N, … (every attempt draws from its own
//! generator, so a batch gives the same attempts in any process) until it alone has about
//! 1.2 × population / N acceptances, and saves them to `shards/` after every batch. The
//! merge feeds batches 0, 1, 2, … from the shards' files: once the population is whole, the
//! generation is byte for byte the one a single process makes; when the shards stopped short
//! of it (some ran into a bad stretch), the merge says so and leaves everything as it was, and
//! running the shards again adds batches.

use super::epsilon::Stop;
use super::sampler::{self, Attempt, Proposal};
use super::storage::{self, Checkpoint, Options, SHARDS_DIR};
use super::{Observer, Problem};
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
    /// CRC-32 of everything above, as trials.bin's records carry one: a part changed by
    /// hand or by a damaged disk is refused, never merged.
    checksum: u32,
}

impl Part {
    /// The CRC-32 of the part's contents (every float by its bits, so it is exact).
    fn crc(&self) -> u32 {
        let mut h = crc32fast::Hasher::new();
        h.update(self.recipe.as_bytes());
        for x in [
            self.generation as u64,
            self.index,
            self.count,
            u64::from(self.rounds),
        ] {
            h.update(&x.to_le_bytes());
        }
        for (b, batch) in &self.batches {
            h.update(&b.to_le_bytes());
            h.update(&(batch.len() as u64).to_le_bytes());
            for a in batch {
                sampler::hash_attempt(&mut h, a);
            }
        }
        h.finalize()
    }

    /// Writes the part, sealed with its checksum.
    fn write(&mut self, path: &Path) -> Result<()> {
        self.checksum = self.crc();
        write_atomically(path, |w| Ok(serde_json::to_writer(w, &*self)?))
    }
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
    match storage::read(dir)? {
        Some(c) if c.recipe == problem.recipe => {
            storage::check(dir, &c, problem)?;
            Ok(c)
        }
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
            storage::prepare(dir, problem, &fresh)
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
    let checkpoint = match storage::read(dir)? {
        Some(c) if c.recipe != problem.recipe => {
            return Err(UserError(format!(
                "{} holds a calibration started with other inputs or options; run the shards \
                 with the scenario, targets and options it was started with",
                dir.display()
            ))
            .into());
        }
        Some(c) => {
            storage::check(dir, &c, problem)?;
            Some(c)
        }
        None => None,
    };
    let generations = checkpoint.map(|c| c.generations).unwrap_or_default();
    let smc_opts = problem.recipe.smc();
    let rules = smc_opts.stop;
    if rules.after(&generations).is_some() {
        return Ok(ShardOutcome::Finished);
    }
    let prior = problem.prior();
    let Ok(proposal) = Proposal::next(&prior, &generations, &smc_opts, problem.distance()) else {
        return Ok(ShardOutcome::Finished);
    };
    let g = proposal.generation();
    // Held open: the part is read and written in this folder, even if a link replaces its
    // name meanwhile.
    let shards = files::create_subfolder(&dir.join(SHARDS_DIR))?;
    let name = part_name(g, shard);
    let path = shards.join(&name);
    let shown = shards.shown(&name);
    let hash = recipe_hash(problem);
    let mut part = match files::read_regular(&path) {
        Ok(text) => {
            let p = parse_part(&shown, &text, problem, &hash, &proposal)?;
            Part {
                rounds: p.rounds.saturating_add(1),
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
            checksum: 0,
        },
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", shown.display())),
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
        if rules.budget_spent(spent + simulated_in(&part.batches) * n) {
            break;
        }
        let b = u64::from(shard.index) - 1 + n * part.batches.len() as u64;
        let batch = proposal.run_batch(b, &|z, seed| problem.simulate(z, seed))?;
        part.batches.push((b, batch));
        part.write(&path)
            .with_context(|| format!("cannot write {}", shown.display()))?;
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

/// Assembles the next generation from the shards' parts in `dir/shards/`; `observer` sees
/// the calibration once it stops.
pub fn merge(
    problem: &Problem,
    opts: &Options,
    observer: &mut Observer<'_>,
) -> Result<MergeOutcome> {
    let dir = &opts.out;
    files::create_folder(dir)?;
    let _lock = lock::lock(dir, Access::Write, "calibrate --merge")?;
    let mut checkpoint = checkpoint_of(dir, problem, opts)?;
    let smc_opts = problem.recipe.smc();
    let rules = smc_opts.stop;
    if checkpoint.complete {
        return Ok(MergeOutcome::Complete);
    }
    if let Some(stop) = rules.after(&checkpoint.generations) {
        super::finish(dir, problem, &mut checkpoint, stop, observer)?;
        clear(dir)?;
        return Ok(MergeOutcome::Stopped(stop));
    }
    let prior = problem.prior();
    let generations = checkpoint.generations.clone();
    let proposal = match Proposal::next(&prior, &generations, &smc_opts, problem.distance()) {
        Ok(p) => p,
        Err(stop) => {
            super::finish(dir, problem, &mut checkpoint, stop, observer)?;
            clear(dir)?;
            return Ok(MergeOutcome::Stopped(stop));
        }
    };
    let g = proposal.generation();
    let parts = read_parts(dir, problem, &proposal)?;
    let n = parts[0].count;
    let spent: u64 = generations.iter().map(|g| g.simulations).sum();
    let mut assembly = proposal.assembly(problem.recipe.population);
    let mut b = 0u64;
    let started = std::time::Instant::now();
    while !assembly.done() {
        if rules.budget_spent(spent + assembly.simulations) {
            super::finish(dir, problem, &mut checkpoint, Stop::Budget, observer)?;
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
    storage::write_tables(dir, problem, &checkpoint.generations)?;
    storage::write_checkpoint(dir, &checkpoint)?;
    clear(dir)?;
    if let Some(stop) = rules.after(&checkpoint.generations) {
        super::finish(dir, problem, &mut checkpoint, stop, observer)?;
        return Ok(MergeOutcome::Stopped(stop));
    }
    Ok(MergeOutcome::Generation(g))
}

/// Every shard's part of the proposal's generation: all of one N, each of 1..=N once.
fn read_parts(dir: &Path, problem: &Problem, proposal: &Proposal<'_>) -> Result<Vec<Part>> {
    let g = proposal.generation();
    let shards = dir.join(SHARDS_DIR);
    let hash = recipe_hash(problem);
    let prefix = format!("generation-{g}-shard-");
    let mut parts: Vec<(PathBuf, Part)> = Vec::new();
    if std::fs::symlink_metadata(&shards).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(UserError(format!(
            "{} is a link; livemarket reads and removes shards only inside the calibration's \
             folder. Remove the link, run the shards again, then merge",
            shards.display()
        ))
        .into());
    }
    // Held open: the parts read are those of this folder, whatever its name becomes.
    let Some(held) = files::Subfolder::open(&shards) else {
        return Err(UserError(format!(
            "{} holds no shards of generation {g}; run `calibrate --shard K/N` for every K \
             first",
            dir.display()
        ))
        .into());
    };
    let entries = std::fs::read_dir(held.join("")).map_err(|_| {
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
        let shown = held.shown(&name);
        let text = files::read_regular(&held.join(&name))
            .with_context(|| format!("cannot read {}", shown.display()))?;
        let part = parse_part(&shown, &text, problem, &hash, proposal)?;
        parts.push((shown, part));
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
    if let Some(w) = parts.windows(2).find(|w| w[0].1.index == w[1].1.index) {
        return Err(UserError(format!(
            "{} and {} are both shard {}/{n}; remove the one that was copied, then merge again",
            w[0].0.display(),
            w[1].0.display(),
            w[0].1.index
        ))
        .into());
    }
    let missing: Vec<String> = (1..=n)
        .filter(|k| !parts.iter().any(|(_, p)| p.index == *k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(UserError(format!(
            "{}: generation {g} lacks shard(s) {}; run them, then merge again",
            dir.display(),
            missing.join(", ")
        ))
        .into());
    }
    Ok(parts.into_iter().map(|(_, p)| p).collect())
}

/// A shard's part (its JSON) sealed again after an edit. The checksum guards against damage
/// and hand edits, not forgery: the tests use this to forge a part with a valid checksum and
/// show that the plan's checks still refuse it.
pub fn reseal(text: &str) -> Result<String> {
    let mut p: Part = serde_json::from_str(text)?;
    p.checksum = p.crc();
    Ok(serde_json::to_string(&p)?)
}

/// A shard's part read from `path`, checked against its name, its checksum and the plan
/// of the proposal's generation: the batches a shard K of N runs (K−1, K−1+N, …), each of
/// the recipe's size, every attempt of the problem's dimensions, every distance the one its
/// summaries give as that generation measures them. Anything else is damage (or a hand
/// edit), refused with the file's name.
fn parse_part(
    path: &Path,
    text: &str,
    problem: &Problem,
    hash: &str,
    proposal: &Proposal<'_>,
) -> Result<Part> {
    let g = proposal.generation();
    let damaged = |why: String| -> anyhow::Error {
        UserError(format!(
            "{} is damaged ({why}); remove it and run that shard again",
            path.display()
        ))
        .into()
    };
    let part: Part = serde_json::from_str(text).map_err(|e| damaged(e.to_string()))?;
    if part.recipe != hash || part.generation != g {
        return Err(UserError(format!(
            "{} belongs to another calibration or generation; remove it",
            path.display()
        ))
        .into());
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let named = (1..=part.count).contains(&part.index)
        && part.count <= u64::from(u32::MAX)
        && name
            == part_name(
                g,
                Shard {
                    index: part.index as u32,
                    count: part.count as u32,
                },
            );
    if !named {
        return Err(UserError(format!(
            "{} is not the name of a shard of generation {g} (it holds shard {} of {}); a \
             shard's file is generation-G-shard-K-of-N.json with K from 1 to N: remove it",
            path.display(),
            part.index,
            part.count
        ))
        .into());
    }
    if part.crc() != part.checksum {
        return Err(damaged(
            "its contents do not match their checksum: it was changed after the shard wrote it"
                .to_string(),
        ));
    }
    if part.rounds == 0 {
        return Err(damaged("it records no round".to_string()));
    }
    let dims = problem.factors.count;
    let targets = problem.summaries.targets.len();
    for (j, (b, batch)) in part.batches.iter().enumerate() {
        let planned = (part.index - 1).checked_add(part.count.saturating_mul(j as u64));
        if planned != Some(*b) {
            return Err(damaged(format!(
                "its batch {j} is numbered {b}, but shard {}/{} runs batch {} there",
                part.index,
                part.count,
                planned.map_or_else(|| "none".to_string(), |p| p.to_string())
            )));
        }
        if batch.len() != problem.recipe.batch {
            return Err(damaged(format!(
                "batch {b} holds {} attempts, not --batch {}",
                batch.len(),
                problem.recipe.batch
            )));
        }
        for a in batch {
            let Attempt::Simulated {
                theta,
                summaries,
                distance,
            } = a
            else {
                continue;
            };
            if theta.len() != dims || summaries.len() != targets {
                return Err(damaged(format!(
                    "batch {b} holds an attempt of {} parameters and {} summaries, not {dims} \
                     and {targets}",
                    theta.len(),
                    summaries.len()
                )));
            }
            let s: Vec<f64> = summaries.iter().map(|x| x.unwrap_or(f64::NAN)).collect();
            let d = proposal.distance(&s);
            let expected = d.is_finite().then_some(d);
            if expected.map(f64::to_bits) != distance.map(f64::to_bits) {
                return Err(damaged(format!(
                    "batch {b} records a distance of {} for summaries whose distance is {}",
                    distance.map_or_else(|| "none".to_string(), |x| x.to_string()),
                    expected.map_or_else(|| "none".to_string(), |x| x.to_string())
                )));
            }
        }
    }
    Ok(part)
}

pub use super::storage::clear_shards as clear;
