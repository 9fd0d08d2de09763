//! The simulation core: agents, networks and the weekly step (docs/model.md).
//!
//! The public face is [`simulate`] and what it returns ([`TrialResult`], [`Events`], one
//! [`WeekRecord`] of [`Metric`]s per market and week), and [`trial_memory_bytes`], what one
//! trial will hold. Three parts are public beyond that,
//! deliberately: [`rng`] (how a trial's seed derives from the scenario seed: a contract that
//! result files and `--first-trial` rely on), and [`network`] and [`country`] (building a
//! contact network and stepping one country's week), which the engine benchmarks time on
//! their own. The rest (consumers, creators, reach, the consumer pass) is internal, but for
//! what a consumer costs in memory ([`STATE_BYTES`], [`bytes_per_consumer`]), from which the
//! benchmarks compute the memory-bandwidth floor of a week.

pub mod country;
pub mod network;
pub mod rng;

mod cache;
pub(crate) mod consumers;
mod creators;
mod events;
mod metrics;
mod pass;
mod reach;
mod trial;

pub use consumers::{STATE_BYTES, bytes_per_consumer};
pub use events::{EventKind, EventRecord, Events};
pub use metrics::{Description, Metric, Unit, WeekRecord};
pub use trial::{CreatorEnd, TrialResult, simulate, trial_memory_bytes};
