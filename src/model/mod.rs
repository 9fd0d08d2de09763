//! The simulation core: agents, networks and the weekly step (docs/model.md).

pub mod cache;
pub mod consumers;
pub mod country;
pub mod creators;
pub mod metrics;
pub mod network;
pub mod pass;
pub mod reach;
pub mod rng;
pub mod trial;

pub use metrics::{Metric, WeekRecord};
pub use trial::{Events, TrialResult, simulate};
