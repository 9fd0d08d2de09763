//! livemarket: an agent-based simulation of live shopping on platform markets.
//!
//! The core reads a validated [`scenario::Scenario`] turned into a [`world::World`], runs
//! seeded trials ([`model::simulate`]) and writes CSV ([`output`]). The command-line
//! interface in `main.rs`/`cli.rs` is a thin layer over this library.

pub mod model;
pub mod output;
pub mod run;
pub mod scenario;
pub mod world;
