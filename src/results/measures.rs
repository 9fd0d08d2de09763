//! Per-trial measures of one market (or of all countries together): totals of the flows,
//! end values of the stocks, the adopter peak and the events.
//!
//! [`MEASURES`] is the one table of them: name (the CSV column), title, unit and whether
//! it adds up over countries. A weekly metric's row comes from the metric's own description
//! in the model crate ([`Metric::describe`]); the rest are [`OTHERS`]. The CSV writers take
//! their columns from it and the charts their titles and units; charts name what they draw
//! by the metric ([`of`]) or the measure's constant, never by its name.

pub use crate::format::Unit;
use crate::model::{Events, Metric, TrialResult, WeekRecord};

/// One per-trial measure: a column of `trials.csv`, a row group of `summary.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// Column name; for a weekly metric, its name (flows: summed over weeks; `buyer_weeks`
    /// for `buyers`, whose sum counts a person once per week of buying) or its name with
    /// `_end` (stocks: the last week's value).
    pub name: &'static str,
    /// Title of its charts.
    pub title: &'static str,
    /// Title where space is short (a comparison's section heading).
    pub short: &'static str,
    pub unit: Unit,
    /// Whether the all-countries rows carry it (summing over countries means something).
    pub adds_up: bool,
}

const fn m(
    name: &'static str,
    title: &'static str,
    short: &'static str,
    unit: Unit,
    adds_up: bool,
) -> Measure {
    Measure {
        name,
        title,
        short,
        unit,
        adds_up,
    }
}

/// Every measure, in column order: one per [`Metric`] (in [`Metric::ALL`] order, as each
/// describes its measure), then the adopter peak and the events ([`OTHERS`]).
pub const MEASURES: [Measure; Metric::COUNT + OTHERS.len()] = {
    let mut out = [OTHERS[0]; Metric::COUNT + OTHERS.len()];
    let mut i = 0;
    while i < Metric::COUNT {
        let d = Metric::ALL[i].describe();
        out[i] = m(
            d.measure,
            d.measure_title,
            d.measure_short,
            d.unit,
            d.additive,
        );
        i += 1;
    }
    let mut j = 0;
    while j < OTHERS.len() {
        out[Metric::COUNT + j] = OTHERS[j];
        j += 1;
    }
    out
};

/// The per-trial measure of a weekly metric.
pub const fn of(metric: Metric) -> &'static Measure {
    &MEASURES[metric as usize]
}

/// The measures that are not a weekly metric's: the adopter peak and the events.
pub const OTHERS: [Measure; 6] = [
    ADOPTERS_PEAK,
    LAUNCH_CANCELLED,
    LIVE_OPENED_WEEK,
    LIVE_WITHDRAWN,
    LIVE_WITHDRAWN_WEEK,
    LIVE_CLOSED_WEEK,
];

/// The largest weekly number of adopters.
pub const ADOPTERS_PEAK: Measure = m(
    "adopters_peak",
    "Peak adopters",
    "Peak adopters",
    Unit::Count,
    true,
);
/// 1 when the market's gate cancelled its launch.
pub const LAUNCH_CANCELLED: Measure = m(
    "launch_cancelled",
    "Share of trials with the launch cancelled",
    "Share of trials with the launch cancelled",
    Unit::Share,
    false,
);
/// The week live shopping opened.
pub const LIVE_OPENED_WEEK: Measure = m(
    "live_opened_week",
    "Week live shopping opened",
    "Week live opened",
    Unit::Plain,
    false,
);
/// 1 when the platform withdrew the market's live shopping.
pub const LIVE_WITHDRAWN: Measure = m(
    "live_withdrawn",
    "Share of trials withdrawn",
    "Share of trials withdrawn",
    Unit::Share,
    false,
);
/// The week it was withdrawn.
pub const LIVE_WITHDRAWN_WEEK: Measure = m(
    "live_withdrawn_week",
    "Week live shopping was withdrawn",
    "Week live withdrawn",
    Unit::Plain,
    false,
);
/// The week it closed on its planned date.
pub const LIVE_CLOSED_WEEK: Measure = m(
    "live_closed_week",
    "Week live shopping closed on its date",
    "Week live closed",
    Unit::Plain,
    false,
);

/// The measure called `name`.
pub fn find(name: &str) -> Option<&'static Measure> {
    MEASURES.iter().find(|m| m.name == name)
}

/// A series of weekly records to measure: one market, or the sum over countries of one
/// platform (`country = None`).
pub struct Series<'a> {
    pub country: Option<usize>,
    pub weeks: Vec<&'a WeekRecord>,
    pub events: Option<Events>,
}

/// Names of the measures, in output order.
pub fn names() -> Vec<String> {
    MEASURES.iter().map(|m| m.name.to_string()).collect()
}

/// The measures of one series, aligned with [`names`]; None where a measure does not apply
/// (events of the all-countries rows, the discount summed over countries, a week that never
/// came).
pub fn measure(s: &Series) -> Vec<Option<f64>> {
    let last = s.weeks.last().copied();
    let mut v: Vec<Option<f64>> = Metric::ALL
        .iter()
        .map(|&m| {
            if s.country.is_none() && !m.additive() {
                None
            } else if m.is_flow() {
                Some(s.weeks.iter().map(|r| r[m as usize]).sum())
            } else {
                last.map(|r| r[m as usize])
            }
        })
        .collect();
    v.push(Some(
        s.weeks
            .iter()
            .map(|r| r[Metric::Adopters as usize])
            .fold(0.0, f64::max),
    ));
    match s.events {
        Some(e) => {
            v.push(Some(f64::from(u8::from(e.cancelled))));
            v.push(e.opened.map(f64::from));
            v.push(Some(f64::from(u8::from(e.withdrawn.is_some()))));
            v.push(e.withdrawn.map(f64::from));
            v.push(e.closed.map(f64::from));
        }
        None => v.extend([None, None, None, None, None]),
    }
    v
}

/// Every weekly value of a trial as the result files write it ([`crate::format::written`]
/// in its metric's unit). Every number of every CSV file derives from these, so a total in
/// `trials.csv` is the sum of the weekly values `weekly_trials.csv` shows, and the charts
/// drawn from `trials.bin` equal those drawn from `weekly_trials.csv`. `trials.bin` keeps
/// the values unrounded.
pub fn as_written(r: &TrialResult) -> TrialResult {
    let mut out = r.clone();
    for record in &mut out.weekly {
        for (x, m) in record.iter_mut().zip(&MEASURES) {
            *x = crate::format::written(*x, m.unit);
        }
    }
    out
}

/// Sums records of several markets (additive metrics only; others are 0).
pub fn sum_records<'a>(records: impl Iterator<Item = &'a WeekRecord>) -> WeekRecord {
    let mut out = [0.0; Metric::COUNT];
    for r in records {
        for m in Metric::ALL.iter().filter(|m| m.additive()) {
            out[*m as usize] += r[*m as usize];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_names_each_metric_as_its_values_are_computed() {
        // measure() computes one value per metric (flows summed, stocks at the end) before
        // the peak and the events: the table must name them in that order.
        for (k, metric) in Metric::ALL.iter().enumerate() {
            let name = if *metric == Metric::Buyers {
                "buyer_weeks".to_string()
            } else if metric.is_flow() {
                metric.name().to_string()
            } else {
                format!("{}_end", metric.name())
            };
            assert_eq!(MEASURES[k].name, name);
            assert_eq!(MEASURES[k].adds_up, metric.additive(), "{name}");
        }
    }

    #[test]
    fn the_all_countries_rows_carry_exactly_the_measures_that_add_up() {
        let record: WeekRecord = [1.0; Metric::COUNT];
        let events = Events {
            cancelled: false,
            opened: Some(1),
            withdrawn: Some(2),
            closed: Some(3),
        };
        let market = Series {
            country: Some(0),
            weeks: vec![&record, &record],
            events: Some(events),
        };
        let all = Series {
            country: None,
            weeks: vec![&record, &record],
            events: None,
        };
        let (market, all) = (measure(&market), measure(&all));
        assert_eq!(market.len(), MEASURES.len());
        assert!(market.iter().all(Option::is_some));
        for (m, v) in MEASURES.iter().zip(&all) {
            assert_eq!(v.is_some(), m.adds_up, "{}", m.name);
        }
    }
}
