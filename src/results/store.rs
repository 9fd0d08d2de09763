//! `trials.bin`: every finished run's raw results. It is the data `summary.csv` and
//! `weekly.csv` are computed from (at the end of a run, by `summarize`, and by `merge`), and
//! the commit log `--resume` reads.
//!
//! Layout, little-endian. A 32-byte header: the magic `LMTRIALS`, the format version (u32),
//! 0 (u32), and the lengths of the header rows of `trials.csv` and `weekly_trials.csv` (u64
//! each; 0 without that file). Then one record per run, in run order: the payload's length
//! (u64), the payload, and its CRC-32 (u32). The payload: run (u64), point (u32), markets
//! (u32), weeks (u32), trial (u64), seed (u64); per market the week live opened, the week it
//! was withdrawn (u32 each, `u32::MAX` for never), whether the launch was cancelled (u32) and
//! the week it closed (u32, `u32::MAX` for never);
//! the weekly records (weeks × markets × metrics f64, week-major); the event log (its length
//! (u32), then per event the week, the market and the kind (u32 each), the value and the
//! detail (f64 each)); the creators' end states, kept with `run --creators` (their number
//! (u32), then per creator the country (u16), home and initial home (u8 each), dormant
//! (u16), switches and dormant weeks (u16 each), followers, skill, reservation wage,
//! trailing and total earnings (f64 each)); and the lengths of `trials.csv` and
//! `weekly_trials.csv` once this run's rows are in them (u64 each).
//!
//! A run's CSV rows are written before its record, so a whole record (length and CRC check)
//! vouches for whole rows, and a record cut short by a crash is dropped, with the rows
//! written after the record before it, by `--resume`.

use crate::error::UserError;
use crate::model::{CreatorEnd, EventKind, EventRecord, Events, Metric, TrialResult, WeekRecord};
use crate::world::World;
use anyhow::{Context, Result, bail};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"LMTRIALS";
const FORMAT: u32 = 2;
const HEADER_LEN: u64 = 32;
const NONE: u32 = u32::MAX;

/// Lengths of `trials.csv` and `weekly_trials.csv` (0 when not written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CsvEnds {
    pub trials: u64,
    pub weekly_trials: u64,
}

/// Appends records to a store.
pub struct StoreWriter {
    file: File,
    len: u64,
}

impl StoreWriter {
    /// Creates the store (nothing may be at `path`) and writes its header.
    pub fn create(path: &Path, headers: CsvEnds) -> std::io::Result<StoreWriter> {
        let mut file = super::open_for_writing(path, true)?;
        file.write_all(&header(headers))?;
        Ok(StoreWriter {
            file,
            len: HEADER_LEN,
        })
    }

    /// Opens a store to append after its first `len` bytes (the whole records of a scan),
    /// dropping anything after them.
    pub fn reopen(path: &Path, len: u64) -> std::io::Result<StoreWriter> {
        let mut file = super::open_for_writing(path, false)?;
        file.set_len(len)?;
        file.seek(SeekFrom::Start(len))?;
        Ok(StoreWriter { file, len })
    }

    /// Bytes in the store, counting whole records only.
    pub fn bytes(&self) -> u64 {
        self.len
    }

    /// Appends one run's record.
    pub fn append(&mut self, run: u64, point: usize, r: &TrialResult, ends: CsvEnds) -> Result<()> {
        // A short write (a full disk) leaves part of a record: the caller cuts the file back
        // with `truncate` (ResultWriter::push does, with the CSV files).
        let record = encode(run, point, r, ends);
        self.file.write_all(&record)?;
        self.len += record.len() as u64;
        Ok(())
    }

    /// Cuts the store back to `len` bytes (after a failed write elsewhere).
    pub fn truncate(&mut self, len: u64) -> std::io::Result<()> {
        self.file.set_len(len)?;
        self.file.seek(SeekFrom::Start(len))?;
        self.len = len;
        Ok(())
    }
}

/// Bytes of one logged event.
const EVENT_BYTES: usize = 28;
/// Bytes of one creator's end state.
const CREATOR_BYTES: usize = 50;

/// The event kinds in their stored order.
const KINDS: [EventKind; 6] = [
    EventKind::Opened,
    EventKind::Cancelled,
    EventKind::Closed,
    EventKind::Withdrawn,
    EventKind::Review,
    EventKind::Campaign,
];

/// Bytes of one run's framed record for a world, at most: a market logs at most its opening
/// (or cancellation), its close (or withdrawal), and one review and one campaign a week.
pub fn record_bytes(world: &crate::world::World) -> u64 {
    let markets = world.markets.len() as u64;
    let weeks = u64::from(world.weeks);
    let events = markets * (2 + 2 * weeks);
    let creators: u64 = if world.record_creators {
        world
            .countries
            .iter()
            .map(|c| u64::from(c.spec.creators.agents))
            .sum()
    } else {
        0
    };
    8 + 36
        + 16 * markets
        + 8 * weeks * markets * Metric::COUNT as u64
        + 4
        + EVENT_BYTES as u64 * events
        + 4
        + CREATOR_BYTES as u64 * creators
        + 16
        + 4
}

/// One run's record, framed (length, payload, CRC).
pub fn encode(run: u64, point: usize, r: &TrialResult, ends: CsvEnds) -> Vec<u8> {
    let markets = r.events.len();
    let weeks = r.weekly.len() / markets.max(1);
    let payload_len = 36
        + 16 * markets
        + 8 * r.weekly.len() * Metric::COUNT
        + 4
        + EVENT_BYTES * r.log.len()
        + 4
        + CREATOR_BYTES * r.creators.len()
        + 16;
    let mut b = Vec::with_capacity(8 + payload_len + 4);
    b.extend_from_slice(&(payload_len as u64).to_le_bytes());
    b.extend_from_slice(&run.to_le_bytes());
    b.extend_from_slice(&(point as u32).to_le_bytes());
    b.extend_from_slice(&(markets as u32).to_le_bytes());
    b.extend_from_slice(&(weeks as u32).to_le_bytes());
    b.extend_from_slice(&r.trial.to_le_bytes());
    b.extend_from_slice(&r.seed.to_le_bytes());
    for e in &r.events {
        b.extend_from_slice(&e.opened.unwrap_or(NONE).to_le_bytes());
        b.extend_from_slice(&e.withdrawn.unwrap_or(NONE).to_le_bytes());
        b.extend_from_slice(&u32::from(e.cancelled).to_le_bytes());
        b.extend_from_slice(&e.closed.unwrap_or(NONE).to_le_bytes());
    }
    for rec in &r.weekly {
        for x in rec {
            b.extend_from_slice(&x.to_le_bytes());
        }
    }
    b.extend_from_slice(&(r.log.len() as u32).to_le_bytes());
    for e in &r.log {
        let kind = KINDS
            .iter()
            .position(|&k| k == e.kind)
            .expect("every kind is stored");
        b.extend_from_slice(&e.week.to_le_bytes());
        b.extend_from_slice(&(e.market as u32).to_le_bytes());
        b.extend_from_slice(&(kind as u32).to_le_bytes());
        b.extend_from_slice(&e.value.to_le_bytes());
        b.extend_from_slice(&e.detail.to_le_bytes());
    }
    b.extend_from_slice(&(r.creators.len() as u32).to_le_bytes());
    for c in &r.creators {
        b.extend_from_slice(&c.country.to_le_bytes());
        b.extend_from_slice(&[c.home, c.initial_home]);
        b.extend_from_slice(&u16::from(c.dormant).to_le_bytes());
        b.extend_from_slice(&c.switches.to_le_bytes());
        b.extend_from_slice(&c.dormant_weeks.to_le_bytes());
        for x in [c.followers, c.skill, c.reservation, c.trailing, c.earnings] {
            b.extend_from_slice(&x.to_le_bytes());
        }
    }
    b.extend_from_slice(&ends.trials.to_le_bytes());
    b.extend_from_slice(&ends.weekly_trials.to_le_bytes());
    debug_assert_eq!(b.len(), 8 + payload_len);
    let crc = crc32fast::hash(&b[8..]);
    b.extend_from_slice(&crc.to_le_bytes());
    b
}

/// Where one whole record lies, and what it says about itself without decoding the values.
#[derive(Debug, Clone, Copy)]
pub struct RecordMeta {
    /// Offset of the framed record in the file.
    pub offset: u64,
    /// Framed length: 8 + payload + 4.
    pub len: u64,
    pub run: u64,
    pub point: usize,
    pub trial: u64,
    pub markets: u32,
    pub weeks: u32,
    /// CSV lengths after this run's rows.
    pub ends: CsvEnds,
}

/// What a store holds: its header and its whole records, in file order.
#[derive(Debug, Clone)]
pub struct Scan {
    pub headers: CsvEnds,
    pub records: Vec<RecordMeta>,
    /// Bytes up to the end of the last whole record.
    pub whole_len: u64,
    /// Bytes after the last whole record (a record cut short by a crash).
    pub torn_bytes: u64,
}

impl Scan {
    /// The CSV lengths after the last whole record.
    pub fn ends(&self) -> CsvEnds {
        self.records.last().map_or(self.headers, |r| r.ends)
    }

    /// Drops the trailing records that vouch for CSV rows the files no longer hold (a file
    /// whose tail a crash lost before it reached the disk), so a resume redoes those runs
    /// instead of failing. Returns how many were dropped.
    pub fn fit_to(&mut self, trials_len: u64, weekly_trials_len: u64) -> usize {
        let keep = self
            .records
            .iter()
            .take_while(|r| {
                r.ends.trials <= trials_len && r.ends.weekly_trials <= weekly_trials_len
            })
            .count();
        let dropped = self.records.len() - keep;
        if dropped > 0 {
            self.records.truncate(keep);
            let end = self.records.last().map_or(HEADER_LEN, |r| r.offset + r.len);
            self.torn_bytes += self.whole_len - end;
            self.whole_len = end;
        }
        dropped
    }
}

/// What the records of a run's store must say about themselves: runs in order from
/// `first_run`, run r being trial `first_trial + r / points` of point `r % points` (the
/// numbering of `run::parallel`), shaped as that point's world, with CSV lengths that never
/// go back. A record with a good CRC that says anything else was not written by this run
/// (or was crafted): it is an error, never data.
pub struct Layout {
    first_run: u64,
    first_trial: u64,
    /// Markets and weeks of each point's world.
    shapes: Vec<(u32, u32)>,
}

impl Layout {
    pub fn new(worlds: &[&World], first_trial: u64, first_run: u64) -> Layout {
        Layout {
            first_run,
            first_trial,
            shapes: worlds
                .iter()
                .map(|w| (w.markets.len() as u32, w.weeks))
                .collect(),
        }
    }

    /// The shortest payload of a record of `point` (no events logged, no creators kept),
    /// if it can be counted; the rest of a record's length is checked as it is decoded.
    fn payload_len(&self, point: usize) -> Option<u64> {
        let (markets, weeks) = self.shapes[point];
        (8 * Metric::COUNT as u64)
            .checked_mul(u64::from(weeks))?
            .checked_mul(u64::from(markets))?
            .checked_add(36 + 16 * u64::from(markets) + 4 + 4 + 16)
    }

    /// Checks record `k` of `path` (found at its CRC) against the run; `before`: the CSV
    /// lengths the previous record (or the header) left.
    fn check(&self, path: &Path, k: usize, r: &RecordMeta, before: CsvEnds) -> Result<()> {
        let points = self.shapes.len() as u64;
        let run = self.first_run + k as u64;
        let point = (run % points) as usize;
        let trial = self.first_trial.checked_add(run / points);
        let (markets, weeks) = self.shapes[point];
        let wrong = if r.run != run {
            Some(format!("run {} where run {run} belongs", r.run))
        } else if r.point != point {
            Some(format!(
                "point {} where run {run} is of point {point}",
                r.point
            ))
        } else if Some(r.trial) != trial {
            Some(format!(
                "trial {} where run {run} is trial {}",
                r.trial,
                trial.unwrap_or(u64::MAX)
            ))
        } else if (r.markets, r.weeks) != (markets, weeks)
            || self.payload_len(point).is_none_or(|min| r.len - 12 < min)
        {
            Some(format!(
                "{} markets × {} weeks in {} bytes where point {point} has {markets} markets × \
                 {weeks} weeks",
                r.markets,
                r.weeks,
                r.len - 12
            ))
        } else if r.ends.trials < before.trials || r.ends.weekly_trials < before.weekly_trials {
            Some(format!(
                "CSV lengths ({}, {}) shorter than the record before it ({}, {})",
                r.ends.trials, r.ends.weekly_trials, before.trials, before.weekly_trials
            ))
        } else {
            None
        };
        match wrong {
            None => Ok(()),
            Some(what) => Err(UserError(format!(
                "{}: record {} (at byte {}) holds {what}: the file was changed after its run \
                 wrote it; run it again with --force",
                path.display(),
                k + 1,
                r.offset
            ))
            .into()),
        }
    }
}

/// Reads a store's header and finds its whole records (checking each one's CRC, then that it
/// is the record `layout` says belongs there). None when the file is shorter than its header
/// (a run killed as it began).
pub fn scan(path: &Path, layout: &Layout) -> Result<Option<Scan>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let total = file.metadata()?.len();
    if total < HEADER_LEN {
        return Ok(None);
    }
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut h = [0u8; HEADER_LEN as usize];
    r.read_exact(&mut h)?;
    if &h[..8] != MAGIC {
        bail!("{} is not a livemarket trial file", path.display());
    }
    let format = u32::from_le_bytes(h[8..12].try_into().unwrap());
    if format != FORMAT {
        bail!(
            "{} has trial-file format {format}; this livemarket reads format {FORMAT}",
            path.display()
        );
    }
    let headers = CsvEnds {
        trials: u64::from_le_bytes(h[16..24].try_into().unwrap()),
        weekly_trials: u64::from_le_bytes(h[24..32].try_into().unwrap()),
    };
    let mut records = Vec::new();
    let mut at = HEADER_LEN;
    let mut payload = Vec::new();
    loop {
        let mut len = [0u8; 8];
        if total - at < 8 {
            break;
        }
        r.read_exact(&mut len)?;
        let len = u64::from_le_bytes(len);
        if len < 52 || len > total - at - 8 || total - at - 8 - len < 4 {
            break;
        }
        payload.resize(len as usize, 0);
        r.read_exact(&mut payload)?;
        let mut crc = [0u8; 4];
        r.read_exact(&mut crc)?;
        if crc32fast::hash(&payload) != u32::from_le_bytes(crc) {
            break;
        }
        let n = payload.len();
        let u32_at = |i: usize| u32::from_le_bytes(payload[i..i + 4].try_into().unwrap());
        let u64_at = |i: usize| u64::from_le_bytes(payload[i..i + 8].try_into().unwrap());
        let record = RecordMeta {
            offset: at,
            len: 8 + len + 4,
            run: u64_at(0),
            point: u32_at(8) as usize,
            markets: u32_at(12),
            weeks: u32_at(16),
            trial: u64_at(20),
            ends: CsvEnds {
                trials: u64_at(n - 16),
                weekly_trials: u64_at(n - 8),
            },
        };
        let before = records.last().map_or(headers, |r: &RecordMeta| r.ends);
        layout.check(path, records.len(), &record, before)?;
        records.push(record);
        at += 8 + len + 4;
    }
    Ok(Some(Scan {
        headers,
        records,
        whole_len: at,
        torn_bytes: total - at,
    }))
}

/// Fills `buf` from `offset` of `file`. On Unix a positioned read (pread), which leaves the
/// file's cursor alone; elsewhere a seek and a read through `&File`, which is portable std
/// and correct because every caller reads a store from one thread.
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(not(unix))]
    {
        read_exact_by_seeking(file, buf, offset)
    }
}

/// The portable path of [`read_exact_at`], compiled everywhere so it is tested on Unix too.
#[cfg_attr(unix, allow(dead_code))]
fn read_exact_by_seeking(mut file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

/// Reads and decodes one record found by [`scan`].
pub fn read(file: &File, meta: &RecordMeta) -> Result<TrialResult> {
    let mut b = vec![0u8; meta.len as usize];
    read_exact_at(file, &mut b, meta.offset)?;
    decode(&b[8..b.len() - 4])
}

/// The raw framed bytes of a record, with its CSV lengths replaced (for `merge`).
pub fn reframe(file: &File, meta: &RecordMeta, ends: CsvEnds) -> Result<Vec<u8>> {
    let mut b = vec![0u8; meta.len as usize];
    read_exact_at(file, &mut b, meta.offset)?;
    let n = b.len() - 4;
    b[n - 16..n - 8].copy_from_slice(&ends.trials.to_le_bytes());
    b[n - 8..n].copy_from_slice(&ends.weekly_trials.to_le_bytes());
    let crc = crc32fast::hash(&b[8..n]);
    b[n..].copy_from_slice(&crc.to_le_bytes());
    Ok(b)
}

/// The header of a store whose CSV header rows are `headers` bytes long.
pub fn header(headers: CsvEnds) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN as usize);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&FORMAT.to_le_bytes());
    h.extend_from_slice(&0u32.to_le_bytes());
    h.extend_from_slice(&headers.trials.to_le_bytes());
    h.extend_from_slice(&headers.weekly_trials.to_le_bytes());
    h
}

fn decode(p: &[u8]) -> Result<TrialResult> {
    let u32_at = |i: usize| u32::from_le_bytes(p[i..i + 4].try_into().unwrap());
    let u64_at = |i: usize| u64::from_le_bytes(p[i..i + 8].try_into().unwrap());
    let markets = u32_at(12) as usize;
    let weeks = u32_at(16) as usize;
    // Run (8), point (4), markets (4), weeks (4), trial (8), seed (8), then the events.
    let fixed = (8 * Metric::COUNT)
        .checked_mul(weeks)
        .and_then(|n| n.checked_mul(markets))
        .and_then(|n| n.checked_add(36 + 16 * markets + 4 + 4 + 16));
    // The event count sits right after the weekly records, the creator count after the events.
    let logged = fixed
        .filter(|&f| f <= p.len())
        .map(|f| u32_at(f - 4 - 4 - 16) as usize);
    let creators_at = fixed
        .zip(logged)
        .and_then(|(f, n)| {
            n.checked_mul(EVENT_BYTES)
                .and_then(|e| e.checked_add(f - 4 - 16))
        })
        .filter(|&at| at + 4 <= p.len());
    let kept = creators_at.map(|at| u32_at(at) as usize);
    let expected = fixed.zip(logged).zip(kept).and_then(|((f, n), c)| {
        let events = n.checked_mul(EVENT_BYTES)?;
        let creators = c.checked_mul(CREATOR_BYTES)?;
        f.checked_add(events)?.checked_add(creators)
    });
    if expected != Some(p.len()) {
        bail!(
            "a trial record of {} bytes does not hold {markets} markets × {weeks} weeks",
            p.len()
        );
    }
    let trial = u64_at(20);
    let seed = u64_at(28);
    let mut at = 36;
    let week = |w: u32| (w != NONE).then_some(w);
    let mut events = Vec::with_capacity(markets);
    for m in 0..markets {
        let (opened, withdrawn, cancelled, closed) =
            (u32_at(at), u32_at(at + 4), u32_at(at + 8), u32_at(at + 12));
        // Weeks of this trial or never; cancelled is 0 or 1. Anything else is no trial's.
        let fits = |w: u32| w == NONE || (w as usize) < weeks;
        if !fits(opened) || !fits(withdrawn) || !fits(closed) || cancelled > 1 {
            bail!(
                "trial {trial}'s events of market {m} (opened {opened}, withdrawn {withdrawn}, \
                 cancelled {cancelled}, closed {closed}) are not weeks 0 to {} of its run",
                weeks.saturating_sub(1)
            );
        }
        events.push(Events {
            opened: week(opened),
            withdrawn: week(withdrawn),
            cancelled: cancelled != 0,
            closed: week(closed),
        });
        at += 16;
    }
    let mut weekly = Vec::with_capacity(weeks * markets);
    for _ in 0..weeks * markets {
        let mut rec: WeekRecord = [0.0; Metric::COUNT];
        for x in &mut rec {
            *x = f64::from_le_bytes(p[at..at + 8].try_into().unwrap());
            at += 8;
        }
        weekly.push(rec);
    }
    at += 4;
    let mut log = Vec::with_capacity(logged.unwrap_or(0));
    for _ in 0..logged.unwrap_or(0) {
        let kind = *KINDS
            .get(u32_at(at + 8) as usize)
            .context("a trial record names an unknown event kind")?;
        log.push(EventRecord {
            week: u32_at(at),
            market: u32_at(at + 4) as usize,
            kind,
            value: f64::from_le_bytes(p[at + 12..at + 20].try_into().unwrap()),
            detail: f64::from_le_bytes(p[at + 20..at + 28].try_into().unwrap()),
        });
        at += EVENT_BYTES;
    }
    at += 4;
    let f64_at = |i: usize| f64::from_le_bytes(p[i..i + 8].try_into().unwrap());
    let u16_at = |i: usize| u16::from_le_bytes(p[i..i + 2].try_into().unwrap());
    let mut creators = Vec::with_capacity(kept.unwrap_or(0));
    for _ in 0..kept.unwrap_or(0) {
        creators.push(CreatorEnd {
            country: u16_at(at),
            home: p[at + 2],
            initial_home: p[at + 3],
            dormant: u16_at(at + 4) != 0,
            switches: u16_at(at + 6),
            dormant_weeks: u16_at(at + 8),
            followers: f64_at(at + 10),
            skill: f64_at(at + 18),
            reservation: f64_at(at + 26),
            trailing: f64_at(at + 34),
            earnings: f64_at(at + 42),
        });
        at += CREATOR_BYTES;
    }
    Ok(TrialResult {
        log,
        creators,
        trial,
        seed,
        weekly,
        events,
        seconds: (0.0, 0.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portable_read_gives_the_positioned_reads_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bytes");
        std::fs::write(&path, (0u8..=255).collect::<Vec<u8>>()).unwrap();
        let file = File::open(&path).unwrap();
        for (offset, len) in [(0, 8), (100, 56), (250, 6)] {
            let (mut a, mut b) = (vec![0u8; len], vec![0u8; len]);
            read_exact_at(&file, &mut a, offset).unwrap();
            read_exact_by_seeking(&file, &mut b, offset).unwrap();
            assert_eq!(a, b);
            assert_eq!(a[0], offset as u8);
        }
        let mut past = [0u8; 8];
        assert!(read_exact_by_seeking(&file, &mut past, 252).is_err());
    }

    fn result() -> TrialResult {
        let mut weekly = Vec::new();
        for i in 0..6 {
            let mut rec: WeekRecord = [0.0; Metric::COUNT];
            for (j, x) in rec.iter_mut().enumerate() {
                *x = i as f64 * 100.0 + j as f64 + 0.1;
            }
            weekly.push(rec);
        }
        TrialResult {
            creators: vec![CreatorEnd {
                country: 1,
                home: 2,
                initial_home: 0,
                dormant: true,
                switches: 3,
                dormant_weeks: 7,
                followers: 1234.5,
                skill: 0.8,
                reservation: 100.0,
                trailing: 42.0,
                earnings: 9876.0,
            }],
            log: vec![EventRecord {
                week: 3,
                market: 1,
                kind: EventKind::Review,
                value: -1.5,
                detail: 0.25,
            }],
            trial: 5,
            seed: 12345,
            weekly,
            events: vec![
                Events {
                    opened: Some(1),
                    cancelled: false,
                    withdrawn: None,
                    closed: Some(2),
                },
                Events {
                    opened: None,
                    cancelled: true,
                    withdrawn: Some(2),
                    closed: None,
                },
            ],
            seconds: (0.0, 0.0),
        }
    }

    #[test]
    fn a_record_reads_back_as_written_and_a_torn_one_is_dropped() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join(crate::results::STORE);
        let headers = CsvEnds {
            trials: 10,
            weekly_trials: 20,
        };
        let mut w = StoreWriter::create(&path, headers).unwrap();
        // One point of 2 markets × 3 weeks, trials from 5: run k is trial 5 + k.
        let layout = Layout {
            first_run: 0,
            first_trial: 5,
            shapes: vec![(2, 3)],
        };
        let mut r = result();
        for run in 0..3 {
            let ends = CsvEnds {
                trials: 100 + run,
                weekly_trials: 200 + run,
            };
            r.trial = 5 + run;
            w.append(run, 0, &r, ends).unwrap();
        }
        // Half of a fourth record, as a crash mid-write leaves it.
        let fourth = encode(3, 0, &r, CsvEnds::default());
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(&fourth[..fourth.len() / 2]).unwrap();
        let scan = scan(&path, &layout).unwrap().unwrap();
        assert_eq!(scan.headers, headers);
        assert_eq!(scan.records.len(), 3);
        assert_eq!(scan.torn_bytes, fourth.len() as u64 / 2);
        assert_eq!(scan.ends().trials, 102);
        let back = read(&File::open(&path).unwrap(), &scan.records[2]).unwrap();
        assert_eq!((back.trial, back.seed), (7, 12345));
        assert_eq!(back.weekly, r.weekly);
        assert_eq!(back.log, r.log);
        assert_eq!(back.creators, r.creators);
        assert_eq!(
            back.events
                .iter()
                .map(|e| (e.opened, e.cancelled, e.withdrawn, e.closed))
                .collect::<Vec<_>>(),
            r.events
                .iter()
                .map(|e| (e.opened, e.cancelled, e.withdrawn, e.closed))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_whole_record_that_is_not_the_runs_is_an_error_naming_it() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join(crate::results::STORE);
        let layout = Layout {
            first_run: 0,
            first_trial: 0,
            shapes: vec![(2, 3), (2, 3)],
        };
        let write = |point_of_second: usize| {
            let _ = std::fs::remove_file(&path);
            let mut w = StoreWriter::create(&path, CsvEnds::default()).unwrap();
            // Runs 0 and 1: trial 0 of points 0 and 1.
            let mut r = result();
            r.trial = 0;
            w.append(0, 0, &r, CsvEnds::default()).unwrap();
            w.append(1, point_of_second, &r, CsvEnds::default())
                .unwrap();
        };
        write(1);
        assert_eq!(scan(&path, &layout).unwrap().unwrap().records.len(), 2);
        // The same bytes but for a point no run of this layout has: CRC valid, record wrong.
        write(7);
        let e = scan(&path, &layout).unwrap_err().to_string();
        assert!(
            e.contains("record 2 (at byte") && e.contains("point 7 where run 1 is of point 1"),
            "{e}"
        );
    }

    #[test]
    fn a_record_claiming_an_absurd_shape_is_an_error_not_a_panic() {
        let mut b = encode(0, 0, &result(), CsvEnds::default());
        // markets and weeks at u32::MAX: their product overflows; the CRC is made valid.
        b[8 + 12..8 + 20].copy_from_slice(&[0xff; 8]);
        let n = b.len() - 4;
        let crc = crc32fast::hash(&b[8..n]);
        b[n..].copy_from_slice(&crc.to_le_bytes());
        let e = decode(&b[8..n]).unwrap_err().to_string();
        assert!(e.contains("does not hold 4294967295 markets"), "{e}");
    }
}
