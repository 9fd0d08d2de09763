//! The simulation core of livemarket: scenario files ([`scenario`]), the world they resolve
//! to ([`world`]), and the seeded weekly model that runs a trial in it ([`model`]).
//!
//! This crate is the bottom layer. It reads no result folder and prints nothing: the
//! `livemarket` crate (runs, sweeps, result files, comparisons, reports and the command line)
//! uses it, and Cargo makes the reverse impossible.

#[cfg(test)]
mod file_order;
pub mod model;
pub mod num;
pub mod scenario;
pub mod special;
pub mod world;
