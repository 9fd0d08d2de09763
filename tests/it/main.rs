//! The integration tests, as one binary: one link of the library and its dependencies instead
//! of one per file, and the helpers of `common` written once. Each module is a former test
//! file; `cargo test --test it cli::` runs one of them.

mod common;

mod attacks;
mod bass;
mod calibrate;
mod calibration;
mod cli;
mod compose;
mod crash;
mod docs;
mod dynamics;
mod headline;
mod hostile;
mod layers;
mod model;
mod model3;
mod numbers;
mod posterior;
mod pyabc;
mod report;
mod resolution;
mod scenarios;
mod sweep;
mod table;
mod targets;
mod uncertain;
mod wrecked;
