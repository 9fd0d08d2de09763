//! livemarket: an agent-based simulation of live shopping on platform markets.
//!
//! Layers, each using only its own and those below it (docs/architecture.md draws them, and
//! `tests/it/layers.rs` fails on a use against the order or a circle of files):
//!
//! 1. the simulation core, the `livemarket-model` crate (Cargo makes it unable to use
//!    anything here), re-exported as [`scenario`] (a validated [`scenario::Scenario`]),
//!    [`world`] (the [`world::World`] it resolves to) and [`model`] (seeded trials,
//!    [`model::simulate`]);
//! 2. utilities: [`error`], [`mod@format`] (numbers), [`table`] (text tables), [`lock`] (one
//!    writer per folder), [`interrupt`], `stats` (every statistic, once);
//! 3. the result folder, [`results`]: file names, [`results::ResultDir`], manifest, recipe,
//!    trial store, CSV writers, the measure table, and the readers;
//! 4. the plan: [`sweep`] (a recipe or scenario into points) and [`posterior`];
//! 5. running: [`run`], [`merge`], [`summarize`];
//! 6. analysis: [`compare`], [`pivot`], [`sensitivity`], [`targets`], [`export`];
//! 7. inference: [`calibrate`];
//! 8. pictures: [`report`];
//! 9. the binary (`main.rs`, `cli.rs`, `check.rs`, `params.rs`), which parses and dispatches
//!    to each module's `command`.

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
