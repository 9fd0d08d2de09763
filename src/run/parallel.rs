//! Runs in parallel, results in run order.
//!
//! A run is one trial of one point of a sweep (a run without a sweep has one point). Runs are
//! numbered trial-major: run r is trial `first + r / points` of point `r % points`, so a
//! sweep cut short has the same trials at every point. Workers take the next run from a
//! shared counter, so runs finish roughly in order and few wait in the reorder buffer; the
//! caller's sink sees them strictly in order, whatever the number of threads.

use super::draws::Draws;
use crate::model::{TrialResult, simulate};
use crate::world::World;
use anyhow::Result;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

/// Runs `runs` (run r being trial `first + r / points` of point `r % points`) on `threads`
/// threads; `sink` gets (run, point, result) in run order. An error from the sink stops the
/// workers (runs in flight are dropped) and is returned. With `draws`, each run simulates
/// its point's world with its trial's drawn values set (an error when the rules refuse them
/// stops the run like a sink's).
pub fn run_ordered(
    points: &[&World],
    draws: Option<&Draws<'_>>,
    first: u64,
    runs: std::ops::Range<u64>,
    threads: usize,
    mut sink: impl FnMut(u64, usize, TrialResult) -> Result<()>,
) -> Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()?;
    let per_trial = points.len() as u64;
    let next = AtomicU64::new(runs.start);
    let stop = AtomicBool::new(false);
    let end = runs.end;
    let (tx, rx) = mpsc::channel::<(u64, Result<TrialResult>)>();
    std::thread::scope(|scope| {
        let (next, stop) = (&next, &stop);
        scope.spawn(move || {
            pool.scope(|s| {
                for _ in 0..threads.max(1) {
                    let tx = tx.clone();
                    s.spawn(move |_| {
                        while !stop.load(Ordering::Relaxed) {
                            let r = next.fetch_add(1, Ordering::Relaxed);
                            if r >= end {
                                break;
                            }
                            let (trial, point) = (first + r / per_trial, r % per_trial);
                            let result = match draws {
                                None => Ok(simulate(points[point as usize], trial)),
                                Some(d) => {
                                    d.world(point as usize, trial).map(|w| simulate(&w, trial))
                                }
                            };
                            if tx.send((r, result)).is_err() {
                                break;
                            }
                        }
                    });
                }
                drop(tx);
            });
        });
        let mut pending = BTreeMap::new();
        let mut expected = runs.start;
        for (r, result) in rx {
            pending.insert(r, result);
            while let Some(result) = pending.remove(&expected) {
                let point = (expected % per_trial) as usize;
                expected += 1;
                if let Err(e) = result.and_then(|result| sink(expected - 1, point, result)) {
                    stop.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        Ok(())
    })
}
