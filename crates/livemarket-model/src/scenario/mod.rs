//! Scenario files: the TOML schema, loading with errors a person can act on, and validation.
//!
//! Loading splits into [`Scenario::from_path`] and [`Scenario::from_toml_str`], so tests never
//! need the disk; [`Scenario::compose`] reads a scenario that extends others through any
//! reader (the disk, or the texts a run recorded).
//!
//! The files stand in an order, each importing only files below it (`tests/it/layers.rs`
//! fails on a circle in either crate):
//!
//! 1. leaves: `date`, `error`, `locate`, `names` (the nearest valid names, serde's messages
//!    rephrased) and `keys` (the key table: every key's facts, and the default the schema
//!    reads from it);
//! 2. `bundled` (the scenario files compiled in, with the nearest name when one is
//!    misspelt), `uncertain` (the `[uncertain]` table's distributions, bounded by the key
//!    table) and `read` (a file within a size limit, a parse error placed);
//! 3. `schema`, the typed scenario, its defaults read from the key table;
//! 4. `paths`, the scenario as a tree of dotted paths;
//! 5. `validate`, every range and cross-field rule;
//! 6. `params` (the public face of the key table and the paths, and overrides, which
//!    validate) and `compose` (`extends` chains);
//! 7. `load`, a scenario read and validated, with problems placed in the file that wrote
//!    them.
//!
//! This file only declares and re-exports, so nothing below imports it back.

pub mod bundled;
pub mod compose;
mod date;
mod error;
mod keys;
mod load;
mod locate;
mod names;
pub mod params;
mod paths;
mod read;
mod schema;
pub mod uncertain;
mod validate;

pub use compose::{Composed, Origin, SourceFile};
pub use date::Date;
pub use error::{Problem, ScenarioError, line_col};
pub use load::{BASELINE_NAME, BASELINE_TOML};
pub use locate::Spans;
pub use names::{nearest, nearest_many};
pub use read::MAX_SCENARIO_BYTES;
pub use schema::*;
pub use uncertain::{Dist, Uncertain};
