//! livemarket: an agent-based simulation of live shopping on platform markets.
//!
//! Layers, each using only those above it:
//!
//! - the simulation core, the `livemarket-model` crate (Cargo makes it unable to use
//!   anything here), re-exported as [`scenario`] (a validated [`scenario::Scenario`]),
//!   [`world`] (the [`world::World`] it resolves to) and [`model`] (seeded trials,
//!   [`model::simulate`]);
//! - the result folder ([`results`]): what a run writes (file names, manifest, trial store,
//!   CSV writers, the measure table) and the one reader of it, with `stats`, [`mod@format`]
//!   (numbers), [`table`] (text tables) and [`lock`] (one writer per folder) beside it;
//! - one module per command a user types: [`run`] (with [`sweep`], its plan of points),
//!   [`summarize`], [`merge`], [`compare`], [`report`], [`sensitivity`], [`targets`] and
//!   [`calibrate`]; `params` and `check`, which only print, live in the binary with the
//!   command-line interface (`main.rs`, `cli.rs`), a thin layer over this library.

pub use livemarket_model::{model, num, scenario, special, world};

pub mod calibrate;
pub mod compare;
pub mod error;
pub mod export;
pub mod format;
pub mod interrupt;
pub mod lock;
pub mod merge;
pub mod pivot;
pub mod posterior;
pub mod report;
pub mod results;
pub mod run;
pub mod sensitivity;
pub(crate) mod stats;
pub mod summarize;
pub mod sweep;
pub mod table;
pub mod targets;
