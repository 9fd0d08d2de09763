//! A calibration's folder, its storage (pyabc's `History`, `pyabc/storage/history.py`):
//! the checkpoint (`calibration.json`), the tables written after every generation
//! (`generations.csv`, `particles.csv`, `posterior.csv`) and once it stops
//! (`predictive.csv`), and the rules that keep a folder's other files safe. The shards'
//! parts of a generation are [`super::shard`]'s.
//!
//! The checkpoint holds every generation at full precision, so `--resume` continues from
//! the last whole generation; the tables are rewritten from it (each whole, through a
//! temporary file), so they never hold half a generation. The seconds each generation took
//! are in the checkpoint and the report, not in `generations.csv`: every table is a
//! function of the recipe alone, byte-identical whatever the threads, shards or resumes.

use super::distance::Distance;
use super::population::{self, Generation};
use super::{CalibrationRecipe, Problem};
use crate::error::UserError;
use crate::format::Unit;
use crate::results::files::{self, write_atomically};
use crate::results::manifest;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The folder's file names, written once with every other (`results::names`).
pub use crate::results::names::calibration::{
    CALIBRATION_JSON, GENERATIONS_CSV, IDENTIFICATION_CSV, PARTICLES_CSV, POSTERIOR_CSV,
    PREDICTIVE_CSV, PRIOR_CHECK_CSV, REPORT_HTML, SHARDS_DIR,
};

/// Every file a calibration writes into its folder under a name of its own. (`--prior-check`
/// writes `prior-check.csv` before any calibration, so a calibration neither refuses nor
/// removes it.)
pub const WRITTEN: [&str; 7] = [
    CALIBRATION_JSON,
    GENERATIONS_CSV,
    PARTICLES_CSV,
    POSTERIOR_CSV,
    PREDICTIVE_CSV,
    IDENTIFICATION_CSV,
    REPORT_HTML,
];

/// The checkpoint and manifest of a calibration folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    /// "calibration": what kind of folder this is.
    pub kind: String,
    pub version: String,
    pub recipe: CalibrationRecipe,
    pub command_line: Vec<String>,
    pub started: String,
    /// Every whole generation, at full precision, each sealed with its checksum.
    #[serde(with = "sealed")]
    pub generations: Vec<Generation>,
    /// Seconds each generation took (of the process that made it).
    pub seconds: Vec<f64>,
    /// Why it stopped, once it has.
    pub stop: Option<String>,
    /// Whether the predictive and the report are written too.
    pub complete: bool,
    /// Stopped by the wall-time budget (`--max-minutes`): complete, and `--resume` goes on
    /// from its last generation. Left out when false, so other checkpoints are as they were.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paused: bool,
    /// CRC-32 of the checkpoint's JSON with this field 0: a checkpoint changed after it was
    /// written (its command line, its seconds, whether it is complete) is refused, as its
    /// generations are by their own checksums.
    pub checksum: u32,
}

impl Checkpoint {
    /// The checksum of everything else.
    fn crc(&self) -> u32 {
        let mut c = self.clone();
        c.checksum = 0;
        crc32fast::hash(&serde_json::to_vec(&c).expect("a checkpoint serialises"))
    }
}

/// A checkpoint's JSON sealed again after an edit. The checksums guard against damage and
/// hand edits, not forgery: tests use this to forge checkpoints that the checks against the
/// recipe must still refuse.
pub fn reseal(text: &str) -> Result<String> {
    let mut v: serde_json::Value = serde_json::from_str(text)?;
    if let Some(gens) = v.get_mut("generations").and_then(|g| g.as_array_mut()) {
        for g in gens {
            let gen_: Generation = serde_json::from_value(g.clone())?;
            g["checksum"] = sealed::crc(&gen_).into();
        }
    }
    let mut c: Checkpoint = serde_json::from_value(v)?;
    c.checksum = c.crc();
    Ok(serde_json::to_string_pretty(&c)?)
}

const KIND: &str = "calibration";

/// How `calibrate` runs (what does not shape results).
#[derive(Debug, Clone)]
pub struct Options {
    pub out: PathBuf,
    pub force: bool,
    pub resume: bool,
    pub quiet: bool,
    pub command_line: Vec<String>,
    /// Stop after the first generation that finishes past this many minutes
    /// (`--max-minutes`).
    pub max_minutes: Option<f64>,
}

pub use crate::results::files::refuse_as_run_folder;

/// Reads a folder's checkpoint; None when it has none.
pub fn read(dir: &Path) -> Result<Option<Checkpoint>> {
    let path = dir.join(CALIBRATION_JSON);
    let text = match files::read_regular(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let c: Checkpoint = serde_json::from_str(&text).map_err(|e| {
        let mut why = e.to_string();
        // A checksum names its generation; the place in the file says nothing more.
        if why.contains("does not match its checksum")
            && let Some(at) = why.rfind(" at line ")
        {
            why.truncate(at);
        }
        UserError(format!(
            "{} is damaged ({why}); it cannot be resumed: start again with --force",
            path.display()
        ))
    })?;
    if c.checksum != c.crc() {
        return Err(UserError(format!(
            "{} is damaged (its contents do not match their checksum: it was changed after \
             livemarket wrote it); it cannot be resumed: start again with --force",
            path.display()
        ))
        .into());
    }
    if c.kind != KIND {
        return Err(UserError(format!(
            "{} is not a calibration's checkpoint; write the calibration elsewhere with --out",
            path.display()
        ))
        .into());
    }
    Ok(Some(c))
}

/// Makes `dir` ready: the generations to continue from (none for a fresh start). Refuses a
/// run's result folder, a folder holding files with the calibration's names that no
/// calibration recorded, and (without --force or --resume) an earlier calibration.
pub fn prepare(dir: &Path, problem: &Problem, opts: &Options) -> Result<Checkpoint> {
    let recipe = &problem.recipe;
    files::create_folder(dir)?;
    if dir.join(crate::results::MANIFEST_JSON).exists() {
        return Err(UserError(format!(
            "{} is a run's result folder; write the calibration elsewhere with --out",
            dir.display()
        ))
        .into());
    }
    let old = read(dir)?;
    if let Some(old) = &old {
        if opts.resume {
            if old.recipe != *recipe {
                return Err(UserError(format!(
                    "{} holds a calibration started with other inputs or options ({}); \
                     resume it with the same ones, or start again with --force",
                    dir.display(),
                    differences(&old.recipe, recipe).join(", ")
                ))
                .into());
            }
            if old.version != env!("CARGO_PKG_VERSION") {
                return Err(UserError(format!(
                    "{} was started by livemarket {}, this is {}: a resume would mix two \
                     versions' results; finish it with that version, or start again with --force",
                    dir.display(),
                    old.version,
                    env!("CARGO_PKG_VERSION")
                ))
                .into());
            }
            check(dir, old, problem)?;
            return Ok(old.clone());
        }
        if !opts.force {
            return Err(UserError(format!(
                "{} already holds a calibration; continue it with --resume, replace it with \
                 --force, or write elsewhere with --out",
                dir.display()
            ))
            .into());
        }
        clear(dir)?;
    } else {
        let found: Vec<&str> = WRITTEN
            .iter()
            .copied()
            .filter(|n| std::fs::symlink_metadata(dir.join(n)).is_ok())
            .collect();
        if !found.is_empty() {
            return Err(UserError(format!(
                "{} holds {} but no {CALIBRATION_JSON}: no calibration wrote them, so \
                 livemarket will not replace them (not even with --force). Move them, or \
                 write elsewhere with --out",
                dir.display(),
                found.join(", ")
            ))
            .into());
        }
    }
    Ok(Checkpoint {
        kind: KIND.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        recipe: recipe.clone(),
        command_line: opts.command_line.clone(),
        started: manifest::now(),
        generations: Vec::new(),
        seconds: Vec::new(),
        stop: None,
        complete: false,
        paused: false,
        checksum: 0,
    })
}

/// Checks a checkpoint of this calibration's recipe against it, as `run --resume` checks
/// trials.bin: whole generations of `--population` particles, each of the problem's
/// parameters and targets, with finite non-negative distances within the generation's
/// tolerance (the quantile of the one before) and equal to what their summaries give,
/// weights finite, non-negative and summing to 1, the effective sample size theirs. (The
/// checksums were checked as it was read.) A checkpoint that fails is damaged: resuming from
/// it would make other generations than the calibration's.
pub fn check(dir: &Path, c: &Checkpoint, problem: &Problem) -> Result<()> {
    let damaged = |why: String| -> anyhow::Error {
        UserError(format!(
            "{} is damaged ({why}); it cannot be resumed: start again with --force",
            dir.join(CALIBRATION_JSON).display()
        ))
        .into()
    };
    use crate::num::Shown as P;
    let population = problem.recipe.population;
    let dims = problem.factors.count;
    let targets = problem.summaries.targets.len();
    let epsilon = problem.recipe.smc().epsilon();
    let rule = problem.distance();
    if c.seconds.len() != c.generations.len()
        || c.seconds.iter().any(|s| !(s.is_finite() && *s >= 0.0))
    {
        return Err(damaged(format!(
            "it records the seconds of {} generations for {}",
            c.seconds.len(),
            c.generations.len()
        )));
    }
    for (g, gen_) in c.generations.iter().enumerate() {
        let n = gen_.particles.len();
        if n != population {
            return Err(damaged(format!(
                "generation {g} has {n} particles, not --population {population}"
            )));
        }
        let distance = rule.at(&c.generations[..g]);
        let expected_epsilon = match g {
            0 => f64::INFINITY,
            _ => epsilon.after(Some(&c.generations[g - 1]), &distance),
        };
        let spread_ok = match &gen_.spread {
            None => !rule.needs_spread(),
            Some(s) => {
                rule.needs_spread()
                    && s.len() == targets
                    && s.iter().flatten().all(|x| x.is_finite() && *x >= 0.0)
            }
        };
        if !spread_ok {
            return Err(damaged(format!(
                "generation {g} {} the spread of its summaries, which its distance {}",
                if gen_.spread.is_some() {
                    "records"
                } else {
                    "lacks"
                },
                if rule.needs_spread() {
                    "needs, one finite non-negative number (or null) per target"
                } else {
                    "does not use"
                }
            )));
        }
        if gen_.epsilon.to_bits() != expected_epsilon.to_bits() {
            return Err(damaged(format!(
                "generation {g} has the tolerance {}, not {}, the one the generation before \
                 it gives",
                P(gen_.epsilon),
                P(expected_epsilon)
            )));
        }
        if gen_.simulations < population as u64
            || !(gen_.acceptance > 0.0 && gen_.acceptance <= 1.0)
        {
            return Err(damaged(format!(
                "generation {g} records {} simulations at an acceptance rate of {}",
                gen_.simulations,
                P(gen_.acceptance)
            )));
        }
        for (i, p) in gen_.particles.iter().enumerate() {
            let what = if p.theta.len() != dims || p.summaries.len() != targets {
                Some(format!(
                    "{} parameters and {} summaries, not {dims} and {targets}",
                    p.theta.len(),
                    p.summaries.len()
                ))
            } else if p.theta.iter().any(|x| !x.is_finite()) {
                Some("a parameter that is not a finite number".to_string())
            } else if !(p.weight.is_finite() && p.weight >= 0.0) {
                Some(format!("the weight {}", P(p.weight)))
            } else if !(p.distance.is_finite() && p.distance >= 0.0 && p.distance <= gen_.epsilon) {
                Some(format!(
                    "the distance {} (its tolerance is {})",
                    P(p.distance),
                    P(gen_.epsilon)
                ))
            } else if distance.distance(&p.summaries).to_bits() != p.distance.to_bits() {
                Some(format!(
                    "the distance {} for summaries whose distance is {}",
                    P(p.distance),
                    P(distance.distance(&p.summaries))
                ))
            } else {
                None
            };
            if let Some(what) = what {
                return Err(damaged(format!("generation {g}'s particle {i} has {what}")));
            }
        }
        let sum: f64 = gen_.particles.iter().map(|p| p.weight).sum();
        let ess = population::ess(&gen_.particles);
        if (sum - 1.0).abs() > 1e-9 || ess.to_bits() != gen_.ess.to_bits() {
            return Err(damaged(format!(
                "generation {g}'s weights sum to {} with an effective sample size of {}, where \
                 it records 1 and {}",
                P(sum),
                P(ess),
                P(gen_.ess)
            )));
        }
    }
    Ok(())
}

/// The checksum calibration.json holds for a generation (for tests that forge one).
pub fn checksum(g: &Generation) -> u32 {
    sealed::crc(g)
}

/// A checkpoint's generations in JSON, each with the CRC-32 of its exact values, as
/// trials.bin's records carry one: a generation changed after it was written is refused as it
/// is read. Each generation is sealed on its own, so a checkpoint of fewer generations (one
/// written earlier) is still whole.
mod sealed {
    use super::Generation;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize)]
    struct Out<'a> {
        #[serde(flatten)]
        generation: &'a Generation,
        checksum: u32,
    }

    #[derive(Deserialize)]
    struct In {
        #[serde(flatten)]
        generation: Generation,
        checksum: u32,
    }

    /// The CRC-32 of a generation, every float by its bits.
    pub fn crc(g: &Generation) -> u32 {
        let mut h = crc32fast::Hasher::new();
        let mut f = |x: f64| h.update(&x.to_bits().to_le_bytes());
        f(g.epsilon);
        f(g.acceptance);
        f(g.ess);
        h.update(&g.simulations.to_le_bytes());
        h.update(&(g.particles.len() as u64).to_le_bytes());
        for p in &g.particles {
            for v in [&p.theta, &p.summaries] {
                h.update(&(v.len() as u64).to_le_bytes());
                for x in v {
                    h.update(&x.to_bits().to_le_bytes());
                }
            }
            h.update(&p.weight.to_bits().to_le_bytes());
            h.update(&p.distance.to_bits().to_le_bytes());
        }
        // Only an adaptive distance's generations carry a spread: a fixed one's checksums
        // stay what they were.
        if let Some(spread) = &g.spread {
            h.update(b"spread");
            h.update(&(spread.len() as u64).to_le_bytes());
            for s in spread {
                match s {
                    None => h.update(&[0]),
                    Some(x) => {
                        h.update(&[1]);
                        h.update(&x.to_bits().to_le_bytes());
                    }
                }
            }
        }
        h.finalize()
    }

    pub fn serialize<S: Serializer>(gens: &[Generation], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(gens.iter().map(|g| Out {
            generation: g,
            checksum: crc(g),
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Generation>, D::Error> {
        let sealed = Vec::<In>::deserialize(d)?;
        for (g, s) in sealed.iter().enumerate() {
            if crc(&s.generation) != s.checksum {
                return Err(D::Error::custom(format!(
                    "generation {g} does not match its checksum: it was changed after \
                     livemarket wrote it"
                )));
            }
        }
        Ok(sealed.into_iter().map(|s| s.generation).collect())
    }
}

/// The recipe fields that differ, by their flag.
fn differences(a: &CalibrationRecipe, b: &CalibrationRecipe) -> Vec<String> {
    let mut d = Vec::new();
    if a.scenario != b.scenario {
        d.push("the scenario, its files or --set".to_string());
    }
    if a.targets_text != b.targets_text {
        d.push(format!("the targets file {}", b.targets_file));
    }
    let pairs = [
        ("--population", a.population != b.population),
        ("--quantile", a.quantile != b.quantile),
        ("--min-tolerance", a.min_tolerance != b.min_tolerance),
        ("--min-acceptance", a.min_acceptance != b.min_acceptance),
        ("--max-simulations", a.max_simulations != b.max_simulations),
        ("--max-generations", a.max_generations != b.max_generations),
        ("--seed", a.seed != b.seed),
        ("--batch", a.batch != b.batch),
        ("--predictive", a.predictive != b.predictive),
        ("--csv-dialect", a.csv_dialect != b.csv_dialect),
        ("--distance", a.distance != b.distance),
        ("--kernel", a.kernel != b.kernel),
        ("--defensive", a.defensive != b.defensive),
    ];
    d.extend(pairs.iter().filter(|p| p.1).map(|p| p.0.to_string()));
    if d.is_empty() {
        d.push("the targets file's name".to_string());
    }
    d
}

/// Removes what an earlier calibration wrote (its names, their temporaries, its shards'
/// files); nothing else.
pub(crate) fn clear(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file
            && (WRITTEN.contains(&name.as_str())
                || WRITTEN.iter().any(|f| files::is_temporary(&name, f)))
        {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    clear_shards(dir)
}

/// Removes the shards' parts (of a generation merged, or of a calibration cleared).
pub fn clear_shards(dir: &Path) -> Result<()> {
    let shards = dir.join(SHARDS_DIR);
    // A link in its place is not followed, and the folder is held open while its parts are
    // removed (a link swapped in meanwhile is not followed either): nothing outside the
    // folder is removed.
    let Some(held) = crate::results::files::Subfolder::open(&shards) else {
        return Ok(());
    };
    let Ok(entries) = std::fs::read_dir(held.join("")) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let is_ours = name.starts_with("generation-") && name.ends_with(".json")
            || name.starts_with(".generation-") && name.ends_with(".tmp");
        if is_ours && e.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(held.join(&name))
                .with_context(|| format!("cannot remove {}", held.shown(&name).display()))?;
        }
    }
    drop(held);
    let _ = std::fs::remove_dir(&shards);
    Ok(())
}

pub(crate) fn write_checkpoint(dir: &Path, c: &Checkpoint) -> Result<()> {
    let mut c = c.clone();
    c.checksum = c.crc();
    write_atomically(&dir.join(CALIBRATION_JSON), |w| {
        serde_json::to_writer_pretty(&mut *w, &c)?;
        std::io::Write::write_all(w, b"\n")?;
        Ok(())
    })
}

/// `generations.csv`, `particles.csv` and `posterior.csv` of the generations so far.
pub fn write_tables(dir: &Path, problem: &Problem, generations: &[Generation]) -> Result<()> {
    let dialect = problem.recipe.csv_dialect;
    let text = |t: &str| crate::format::neutralise(t).into_owned();
    let paths: Vec<String> = problem.table.keys().map(|p| text(p)).collect();
    // Target names are the targets file's text: one may start like a formula.
    let names: Vec<String> = problem
        .summaries
        .targets
        .iter()
        .map(|t| text(&t.name))
        .collect();
    let units: Vec<Unit> = problem
        .summaries
        .targets
        .iter()
        .map(|t| t.quantity.unit())
        .collect();
    let num = |x: f64, u: Unit| dialect.num(Some(x), u);
    write_atomically(&dir.join(GENERATIONS_CSV), |w| {
        let mut w = dialect.writer(w);
        w.write_record([
            "generation",
            "tolerance",
            "acceptance_rate",
            "ess",
            "simulations",
            "simulations_total",
        ])?;
        let mut total = 0;
        for (g, gen_) in generations.iter().enumerate() {
            total += gen_.simulations;
            w.write_record([
                g.to_string(),
                if gen_.epsilon.is_finite() {
                    num(gen_.epsilon, Unit::Plain)
                } else {
                    String::new()
                },
                num(gen_.acceptance, Unit::Plain),
                num(gen_.ess, Unit::Plain),
                gen_.simulations.to_string(),
                total.to_string(),
            ])?;
        }
        w.flush()?;
        Ok(())
    })?;
    write_atomically(&dir.join(PARTICLES_CSV), |w| {
        let mut w = dialect.writer(w);
        let mut header = vec![
            "generation".to_string(),
            "particle".to_string(),
            "weight".to_string(),
        ];
        header.extend(paths.iter().cloned());
        header.extend(names.iter().cloned());
        header.push("distance".to_string());
        w.write_record(&header)?;
        for (g, gen_) in generations.iter().enumerate() {
            particle_rows(&mut w, problem, &units, Some(g), gen_)?;
        }
        w.flush()?;
        Ok(())
    })?;
    if let Some(last) = generations.last() {
        write_atomically(&dir.join(POSTERIOR_CSV), |w| {
            let mut w = dialect.writer(w);
            let mut header = vec!["particle".to_string(), "weight".to_string()];
            header.extend(paths.iter().cloned());
            w.write_record(&header)?;
            particle_rows(&mut w, problem, &units, None, last)?;
            w.flush()?;
            Ok(())
        })?;
    }
    Ok(())
}

/// A generation's rows: with `g`, as particles.csv has them (generation first, summaries
/// and distance last); without, as posterior.csv.
fn particle_rows<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    problem: &Problem,
    units: &[Unit],
    g: Option<usize>,
    gen_: &Generation,
) -> csv::Result<()> {
    let dialect = problem.recipe.csv_dialect;
    let num = |x: f64, u: Unit| dialect.num(Some(x), u);
    for (i, p) in gen_.particles.iter().enumerate() {
        let mut row: Vec<String> = g.map(|g| g.to_string()).into_iter().collect();
        row.push(i.to_string());
        row.push(num(p.weight, Unit::Plain));
        row.extend(
            problem
                .values(&p.theta)
                .iter()
                .map(|&x| num(x, Unit::Plain)),
        );
        if g.is_some() {
            row.extend(p.summaries.iter().zip(units).map(|(&x, &u)| num(x, u)));
            row.push(num(p.distance, Unit::Plain));
        }
        w.write_record(&row)?;
    }
    Ok(())
}

pub(crate) fn write_predictive(
    dir: &Path,
    problem: &Problem,
    rows: &[(usize, Vec<f64>)],
) -> Result<()> {
    let dialect = problem.recipe.csv_dialect;
    write_atomically(&dir.join(PREDICTIVE_CSV), |w| {
        let mut w = dialect.writer(w);
        let mut header = vec!["simulation".to_string(), "particle".to_string()];
        header.extend(
            problem
                .summaries
                .targets
                .iter()
                .map(|t| crate::format::neutralise(&t.name).into_owned()),
        );
        w.write_record(&header)?;
        for (i, (j, s)) in rows.iter().enumerate() {
            let mut row = vec![i.to_string(), j.to_string()];
            row.extend(
                s.iter()
                    .zip(&problem.summaries.targets)
                    .map(|(&x, t)| dialect.num(Some(x), t.quantity.unit())),
            );
            w.write_record(&row)?;
        }
        w.flush()?;
        Ok(())
    })
}
