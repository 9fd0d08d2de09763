//! What happens to live shopping in a market during a trial: the per-market summary
//! ([`Events`]) and the event log's entries. Below both the trial loop and a country's week,
//! which write them.

/// What happened to live shopping in one market during a trial.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Events {
    /// Week live shopping opened.
    pub opened: Option<u32>,
    /// The launch was cancelled by its gate.
    pub cancelled: bool,
    /// Week live shopping was withdrawn by the exit rule.
    pub withdrawn: Option<u32>,
    /// Week live shopping closed on its `live.close` date.
    pub closed: Option<u32>,
}

/// The kinds of event in a trial's event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Live shopping opened; value: what the gate measured (0 without a gate).
    Opened,
    /// A gate cancelled the launch; value: what the gate measured.
    Cancelled,
    /// Live shopping closed on its `close` date; value: last week's GMV.
    Closed,
    /// The exit rule withdrew live shopping; value: the mean it read (weekly GMV, or share
    /// of plan).
    Withdrawn,
    /// A subsidy review; value: the measure, detail: the new rate.
    Review,
    /// A poaching campaign drew its target list; value: targets, detail: offers made that
    /// week.
    Campaign,
}

impl EventKind {
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Opened => "opened",
            EventKind::Cancelled => "cancelled",
            EventKind::Closed => "closed",
            EventKind::Withdrawn => "withdrawn",
            EventKind::Review => "review",
            EventKind::Campaign => "campaign",
        }
    }
}

/// One entry of a trial's event log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventRecord {
    pub week: u32,
    /// Index into [`World::markets`](crate::world::World::markets).
    pub market: usize,
    pub kind: EventKind,
    /// The value that decided it (see [`EventKind`]).
    pub value: f64,
    /// A second number where the event has one (see [`EventKind`]), else 0.
    pub detail: f64,
}
