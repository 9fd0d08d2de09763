//! `livemarket merge`: the shards of one run (`run --shard K/N`), combined into the folder a
//! single machine would have written. Shards hold contiguous slices of the runs in order, so
//! their rows and records are concatenated in shard order, the CSV lengths inside the records
//! are shifted, and the summaries are computed from the merged trial data as `run` computes
//! them: every file but `manifest.json` is byte-identical to the single run's.

use crate::error::UserError;
use crate::results::ResultDir;
use crate::results::manifest::{self, Recorded};
use crate::results::store::{self, CsvEnds, Scan};
use crate::results::{self, AtomicFile, Status, TRIALS_CSV, WEEKLY_TRIALS_CSV};
use crate::run::{SUMMARY_BUDGET, new_manifest, point_columns, write_manifest};
use crate::world::World;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// What a merge did.
#[derive(Debug, Clone)]
pub struct MergeReport {
    pub shards: u32,
    pub runs: u64,
    pub trials: u64,
    pub points: usize,
}

/// One shard folder, read and checked.
struct Part {
    dir: PathBuf,
    scan: Scan,
}

fn refuse(message: String) -> anyhow::Error {
    UserError(message).into()
}

/// Merges the shard folders `dirs` (any order) into `out`.
pub fn merge(
    dirs: &[PathBuf],
    out: &Path,
    force: bool,
    command_line: Vec<String>,
) -> Result<MergeReport> {
    if dirs.is_empty() {
        return Err(refuse(
            "merge needs the shard folders: livemarket merge --out DIR SHARD...".into(),
        ));
    }
    let recorded: Vec<Recorded> = dirs
        .iter()
        .map(|d| manifest::read(d))
        .collect::<Result<_>>()?;
    let (by_index, n) = check_shards(dirs, &recorded)?;
    let recipe = {
        let mut r = recorded[0].recipe.clone();
        r.shard = None;
        r
    };
    let plan = crate::sweep::plan_recipe(&recipe).with_context(|| {
        format!(
            "cannot rebuild the run recorded in {}",
            ResultDir::new(&dirs[0]).manifest_json().display()
        )
    })?;
    let worlds: Vec<&World> = plan.points.iter().map(|p| &p.world).collect();
    let trials = plan.trials_of(&recipe);
    let total = trials * worlds.len() as u64;
    let parts = read_parts(dirs, &recorded, &by_index, &plan, total)?;
    if parts.iter().any(|p| same_dir(&p.dir, out)) {
        return Err(refuse(format!(
            "--out {} is one of the shards; merge into a new folder",
            out.display()
        )));
    }
    // Everything read and checked before the output folder is touched.
    let points_csv = if plan.sweep.is_some() {
        Some(agreed_points(&parts)?)
    } else {
        None
    };
    check_rows(&parts, TRIALS_CSV, |e| e.trials)?;
    if recipe.weekly_trials {
        check_rows(&parts, WEEKLY_TRIALS_CSV, |e| e.weekly_trials)?;
    }

    // One writer per folder, from before its state is read until the merge is written.
    let created = !out.exists();
    results::create_folder(out)?;
    let lock = crate::lock::hold(out, crate::lock::Access::Write)?;
    let outcome = (|| {
        ready_out(out, force)?;
        write(
            out,
            &parts,
            &plan,
            &recipe,
            trials,
            command_line,
            points_csv,
        )
    })();
    if outcome.is_err() && created {
        // Nothing half-merged stays behind: the folder was made by this merge.
        drop(lock);
        let _ = results::clear(out);
        let _ = std::fs::remove_file(out.join(crate::lock::LOCK_FILE));
        let _ = std::fs::remove_dir(out);
    }
    outcome?;
    Ok(MergeReport {
        shards: n,
        runs: total,
        trials,
        points: worlds.len(),
    })
}

/// The shards' manifests checked to be of one run, each shard once and every shard there,
/// all complete: the index of each shard's folder in `dirs` by its shard number, and N.
fn check_shards(dirs: &[PathBuf], recorded: &[Recorded]) -> Result<(BTreeMap<u32, usize>, u32)> {
    let first = &recorded[0];
    let mut by_index: BTreeMap<u32, usize> = BTreeMap::new();
    let mut count = None;
    for (k, (dir, r)) in dirs.iter().zip(recorded).enumerate() {
        let Some(shard) = r.recipe.shard else {
            return Err(refuse(format!(
                "{} holds a whole run, not a shard (it was run without --shard); merge takes the folders of `run --shard K/N`",
                dir.display()
            )));
        };
        if r.version != first.version {
            return Err(refuse(format!(
                "{} was written by livemarket {} but {} by {}: shards of different versions do not make one run",
                dir.display(),
                r.version,
                dirs[0].display(),
                first.version
            )));
        }
        let diffs = first.recipe.differences(
            &r.recipe,
            false,
            (&dirs[0].display().to_string(), &dir.display().to_string()),
        );
        if !diffs.is_empty() {
            return Err(refuse(format!(
                "{} and {} are shards of different runs: {}",
                dirs[0].display(),
                dir.display(),
                diffs.join("; ")
            )));
        }
        match count {
            None => count = Some((shard.count, k)),
            Some((n, j)) if n != shard.count => {
                return Err(refuse(format!(
                    "{} is shard {shard} but {} is shard {}/{n}: the shards of one run share N",
                    dir.display(),
                    dirs[j].display(),
                    recorded[j].recipe.shard.map_or(0, |s| s.index)
                )));
            }
            Some(_) => {}
        }
        if let Some(&j) = by_index.get(&shard.index) {
            return Err(refuse(format!(
                "shard {shard} is given twice: {} and {}",
                dirs[j].display(),
                dir.display()
            )));
        }
        by_index.insert(shard.index, k);
        if r.status != Status::Complete {
            return Err(refuse(format!(
                "{} (shard {shard}) is not complete (status {}): finish it with its run command and --resume",
                dir.display(),
                r.status
            )));
        }
    }
    let n = count.map_or(0, |(n, _)| n);
    let missing: Vec<String> = (1..=n)
        .filter(|k| !by_index.contains_key(k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(refuse(format!(
            "shard(s) {} missing: pass the folder of every shard of the run",
            missing.join(", ")
        )));
    }
    Ok((by_index, n))
}

/// Each shard's trial data scanned, in shard order, and checked to hold its slice of the
/// `total` runs once each, in order, with no torn record.
fn read_parts(
    dirs: &[PathBuf],
    recorded: &[Recorded],
    by_index: &BTreeMap<u32, usize>,
    plan: &crate::sweep::Plan,
    total: u64,
) -> Result<Vec<Part>> {
    let mut parts = Vec::new();
    for &k in by_index.values() {
        let dir = &dirs[k];
        let shard = recorded[k].recipe.shard.expect("checked above");
        let path = ResultDir::new(dir).store();
        let layout = plan.store_layout(&recorded[k].recipe);
        let scan = store::scan(&path, &layout)?
            .ok_or_else(|| refuse(format!("{} holds no trial data", path.display())))?;
        let range = shard.range(total);
        let held: Vec<u64> = scan.records.iter().map(|r| r.run).collect();
        if held != range.clone().collect::<Vec<u64>>() || scan.torn_bytes > 0 {
            return Err(refuse(format!(
                "{} (shard {shard}) should hold runs {} to {} once each, in order, but holds {} run(s){}: missing or duplicated runs; run the shard again with --force",
                path.display(),
                range.start,
                range.end.saturating_sub(1),
                held.len(),
                if scan.torn_bytes > 0 {
                    " and a torn record"
                } else {
                    ""
                }
            )));
        }
        parts.push(Part {
            dir: dir.clone(),
            scan,
        });
    }
    Ok(parts)
}

/// The points.csv of a sweep's shards, refused unless every shard lists the same points.
fn agreed_points(parts: &[Part]) -> Result<Vec<u8>> {
    let first = read_points(&parts[0].dir)?;
    for p in &parts[1..] {
        if read_points(&p.dir)? != first {
            return Err(refuse(format!(
                "{} and {} list different points",
                ResultDir::new(&parts[0].dir).points_csv().display(),
                ResultDir::new(&p.dir).points_csv().display()
            )));
        }
    }
    Ok(first)
}

/// Readies `out`, locked, for the merge: a folder holding another run is refused without
/// `--force` (an unfinished merge, which a killed merge left, is redone without), then
/// cleared.
fn ready_out(out: &Path, force: bool) -> Result<()> {
    results::refuse_unrecorded(out)?;
    // A merge that was killed left its own unfinished folder: it is redone without
    // --force.
    let unfinished_merge = || {
        manifest::read(out).is_ok_and(|m| m.status != Status::Complete && !m.merged_from.is_empty())
    };
    if ResultDir::new(out).manifest_json().exists() && !force && !unfinished_merge() {
        return Err(refuse(format!(
            "{} already holds the results of a run; pass --force to replace them, or --out to write elsewhere",
            out.display()
        )));
    }
    results::clear(out)?;
    Ok(())
}

/// A shard's points.csv.
fn read_points(dir: &Path) -> Result<Vec<u8>> {
    let path = ResultDir::new(dir).points_csv();
    std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
}

/// Writes the merged folder from checked shards: the manifest first (marked unfinished, so a
/// killed merge is redone), then rows, trial data, summaries, and the manifest complete.
fn write(
    out: &Path,
    parts: &[Part],
    plan: &crate::sweep::Plan,
    recipe: &crate::results::recipe::Recipe,
    trials: u64,
    command_line: Vec<String>,
    points_csv: Option<Vec<u8>>,
) -> Result<()> {
    let worlds: Vec<&World> = plan.points.iter().map(|p| &p.world).collect();
    let total = trials * worlds.len() as u64;
    let name = worlds[0].name.clone();
    let mut m = new_manifest(plan, recipe, &name, trials, command_line);
    m.merged_from = parts.iter().map(|p| p.dir.display().to_string()).collect();
    write_manifest(out, &m)?;
    if let Some(points) = points_csv {
        results::write_atomically(&ResultDir::new(out).points_csv(), |w| {
            Ok(w.write_all(&points)?)
        })?;
    }
    let trials_bodies = concatenate(parts, out, TRIALS_CSV, |e| e.trials)?;
    let weekly_bodies = if recipe.weekly_trials {
        concatenate(parts, out, WEEKLY_TRIALS_CSV, |e| e.weekly_trials)?
    } else {
        vec![0; parts.len()]
    };
    // trials.bin: the first shard's header, then every record with its CSV lengths shifted
    // to where its rows now are (the lengths were checked against the files by `check_rows`).
    let headers = parts[0].scan.headers;
    let mut bin = AtomicFile::create(&ResultDir::new(out).store())?;
    bin.writer.write_all(&store::header(headers))?;
    let (mut base_t, mut base_w) = (headers.trials, headers.weekly_trials);
    for (k, p) in parts.iter().enumerate() {
        let path = ResultDir::new(&p.dir).store();
        let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        for r in &p.scan.records {
            let ends = CsvEnds {
                trials: base_t + (r.ends.trials - p.scan.headers.trials),
                weekly_trials: if recipe.weekly_trials {
                    base_w + (r.ends.weekly_trials - p.scan.headers.weekly_trials)
                } else {
                    0
                },
            };
            bin.writer.write_all(&store::reframe(&file, r, ends)?)?;
        }
        base_t += trials_bodies[k];
        base_w += weekly_bodies[k];
    }
    bin.commit()?;
    crate::run::draws::write(out, plan, recipe.first_trial, 0..total, recipe.csv_dialect)?;
    let columns = point_columns(plan);
    results::write_summaries(
        out,
        &worlds,
        columns.as_ref(),
        &results::headline::Spec::of(&plan.base, plan.sweep.as_ref())?,
        SUMMARY_BUDGET,
        0,
        &plan.store_layout(recipe),
        recipe.csv_dialect,
    )?;
    m.runs_done = total;
    m.trials_done = trials;
    if let Some(s) = &mut m.sweep {
        s.runs_done = total;
    }
    m.finished = Some(manifest::now());
    m.status = Status::Complete;
    write_manifest(out, &m)
}

/// Checks that every shard's `name` holds the rows its trial data vouches for, under one
/// header row: the header lengths and row ends in `trials.bin` are only numbers until the
/// files are seen to hold them (a crafted length must not size an allocation).
fn check_rows(parts: &[Part], name: &str, end: impl Fn(&CsvEnds) -> u64) -> Result<()> {
    let mut header: Option<Vec<u8>> = None;
    for p in parts {
        let path = p.dir.join(name);
        let len = std::fs::metadata(&path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        let (head_len, rows_end) = (end(&p.scan.headers), end(&p.scan.ends()));
        if rows_end > len || head_len > rows_end {
            return Err(refuse(format!(
                "{} is shorter than its trial data says ({len} bytes; {} says its header row \
                 is {head_len} bytes and its rows end at byte {rows_end}): the shard is \
                 damaged; run it again with --force",
                path.display(),
                ResultDir::new(&p.dir).store().display()
            )));
        }
        let mut head = vec![0u8; head_len as usize];
        File::open(&path)
            .and_then(|mut f| f.read_exact(&mut head))
            .with_context(|| format!("cannot read {}", path.display()))?;
        match &header {
            None => header = Some(head),
            Some(h) if *h != head => {
                return Err(refuse(format!(
                    "{} has a different header row from {}",
                    path.display(),
                    parts[0].dir.join(name).display()
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Writes `out/name`: the first shard's header row, then every shard's rows in shard order
/// (each shard's file up to the length its last record vouches for). Returns the bytes of
/// rows taken from each shard.
fn concatenate(
    parts: &[Part],
    out: &Path,
    name: &str,
    end: impl Fn(&CsvEnds) -> u64,
) -> Result<Vec<u64>> {
    let mut f = AtomicFile::create(&out.join(name))?;
    let mut header: Option<Vec<u8>> = None;
    let mut bodies = Vec::new();
    for p in parts {
        let path = p.dir.join(name);
        let mut src =
            File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        let head_len = end(&p.scan.headers);
        let mut head = vec![0u8; head_len as usize];
        src.read_exact(&mut head)
            .with_context(|| format!("cannot read {}", path.display()))?;
        match &header {
            None => {
                f.writer.write_all(&head)?;
                header = Some(head);
            }
            Some(h) if *h != head => {
                return Err(refuse(format!(
                    "{} has a different header row from {}",
                    path.display(),
                    parts[0].dir.join(name).display()
                )));
            }
            Some(_) => {}
        }
        let body = end(&p.scan.ends()) - head_len;
        src.seek(SeekFrom::Start(head_len))?;
        let copied = std::io::copy(&mut (&mut src).take(body), &mut f.writer)
            .with_context(|| format!("cannot copy {}", path.display()))?;
        if copied != body {
            return Err(refuse(format!(
                "{} is shorter than its trial data says ({} of {body} bytes of rows): the shard is damaged; run it again with --force",
                path.display(),
                copied
            )));
        }
        bodies.push(body);
    }
    f.commit()?;
    Ok(bodies)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `livemarket merge SHARD... --out DIR`: the shards merged under their read locks, a line
/// saying what was merged, and the spreadsheet row-limit warning `run` gives.
pub fn command(shards: &[PathBuf], out: &Path, force: bool, quiet: bool) -> Result<()> {
    let _shards = shards
        .iter()
        .map(|d| crate::lock::hold(d, crate::lock::Access::Read))
        .collect::<Result<Vec<_>>>()?;
    let r = merge(shards, out, force, std::env::args().collect())?;
    if !quiet {
        println!(
            "{} shards merged: {} runs ({} trials at each of {} point(s)); results in {}",
            r.shards,
            r.runs,
            r.trials,
            r.points,
            out.display()
        );
    }
    // The merged files are those a spreadsheet would open: the row limit as `run` says it.
    if let Ok(recorded) = manifest::read(out)
        && let Ok(plan) = crate::sweep::plan_recipe(&recorded.recipe)
    {
        let worlds: Vec<&World> = plan.points.iter().map(|p| &p.world).collect();
        let rows = results::csv_rows(&worlds, r.trials, recorded.recipe.weekly_trials);
        if let Some(warning) = results::row_limit_warning(out, &rows) {
            eprintln!("{warning}");
        }
    }
    Ok(())
}
