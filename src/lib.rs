//! livemarket: an agent-based simulation of live shopping on platform markets.
//!
//! The core reads a validated [`scenario::Scenario`] turned into a [`world::World`], runs
//! seeded trials ([`model::simulate`]) and writes a result folder ([`results`]). A [`sweep`] runs the
//! same trials at several points of parameter space; [`compare`] compares the outcomes of
//! two result folders or sweep points. The command-line interface in `main.rs`/`cli.rs` is
//! a thin layer over this library.

pub mod compare;
pub mod error;
pub mod format;
pub mod model;
pub mod pictures;
pub mod results;
pub mod run;
pub mod scenario;
pub mod sensitivity;
pub mod stats;
pub mod sweep;
pub mod table;
pub mod world;
