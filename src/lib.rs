//! livemarket: an agent-based simulation of live shopping on platform markets.
//!
//! Two layers. The simulation core is the `livemarket-model` crate, re-exported here as
//! [`scenario`] (scenario files), [`world`] (the world a scenario resolves to) and [`model`]
//! (seeded trials, [`model::simulate`]); it knows nothing of files or commands. This crate
//! runs trials and sweeps ([`run`], [`sweep`]), writes and reads result folders
//! ([`output`]), and analyses them ([`compare`], [`sensitivity`], [`pictures`]). The
//! command-line interface in `main.rs`/`cli.rs` is a thin layer over this library.

pub use livemarket_model::{model, num, scenario, world};

pub mod calibrate;
pub mod compare;
pub mod error;
pub mod lock;
pub mod output;
pub mod pictures;
pub mod run;
pub mod sensitivity;
pub mod sweep;
pub mod targets;
