//! Trials in parallel, results in trial order.
//!
//! Workers take the next trial index from a shared counter, so trials finish roughly in
//! order and few wait in the reorder buffer; the caller's sink sees them strictly in order,
//! whatever the number of threads.

use crate::model::{TrialResult, simulate};
use crate::world::World;
use anyhow::Result;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

/// Runs trials `first..first + count` on `threads` threads; `sink` gets each result in order.
/// An error from the sink stops the workers (trials in flight are dropped) and is returned.
pub fn run_ordered(
    world: &World,
    first: u64,
    count: u64,
    threads: usize,
    mut sink: impl FnMut(TrialResult) -> Result<()>,
) -> Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()?;
    let next = AtomicU64::new(first);
    let stop = AtomicBool::new(false);
    let end = first + count;
    let (tx, rx) = mpsc::channel::<TrialResult>();
    std::thread::scope(|scope| {
        let (next, stop) = (&next, &stop);
        scope.spawn(move || {
            pool.scope(|s| {
                for _ in 0..threads.max(1) {
                    let tx = tx.clone();
                    s.spawn(move |_| {
                        while !stop.load(Ordering::Relaxed) {
                            let k = next.fetch_add(1, Ordering::Relaxed);
                            if k >= end || tx.send(simulate(world, k)).is_err() {
                                break;
                            }
                        }
                    });
                }
                drop(tx);
            });
        });
        let mut pending = BTreeMap::new();
        let mut expected = first;
        for result in rx {
            pending.insert(result.trial, result);
            while let Some(r) = pending.remove(&expected) {
                expected += 1;
                if let Err(e) = sink(r) {
                    stop.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        Ok(())
    })
}
