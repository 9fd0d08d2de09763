//! livemarket: an agent-based simulation of live shopping on platform markets.
//!
//! Three layers, each using only those above it:
//!
//! - the simulation core: a validated [`scenario::Scenario`] turned into a [`world::World`],
//!   and seeded trials of it ([`model::simulate`]);
//! - the result folder ([`results`]): what a run writes (file names, manifest, trial store,
//!   CSV writers, the measure table) and the one reader of it, with `stats`, [`mod@format`]
//!   (numbers) and [`table`] (text tables) beside it;
//! - one module per command a user types: [`run`] (with [`sweep`], its plan of points),
//!   [`summarize`], [`merge`], [`compare`], [`report`] and [`sensitivity`]; `params` and
//!   `check`, which only print, live in the binary with the command-line interface
//!   (`main.rs`, `cli.rs`), a thin layer over this library.

pub mod compare;
pub mod error;
pub mod format;
pub mod merge;
pub mod model;
pub mod report;
pub mod results;
pub mod run;
pub mod scenario;
pub mod sensitivity;
pub(crate) mod stats;
pub mod summarize;
pub mod sweep;
pub mod table;
pub mod world;
