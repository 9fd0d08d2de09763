//! Per-trial measures of one market (or of all countries together): totals of the flows,
//! end values of the stocks, the adopter peak and the events.

use crate::model::{Events, Metric, WeekRecord};

/// A series of weekly records to measure: one market, or the sum over countries of one
/// platform (`country = None`).
pub struct Series<'a> {
    pub country: Option<usize>,
    pub platform: usize,
    pub weeks: Vec<&'a WeekRecord>,
    pub events: Option<Events>,
}

/// Names of the measures, in output order.
pub fn names() -> Vec<String> {
    let mut v: Vec<String> = Metric::ALL
        .iter()
        .map(|m| {
            if m.is_flow() {
                m.name().to_string()
            } else {
                format!("{}_end", m.name())
            }
        })
        .collect();
    v.extend(
        [
            "adopters_peak",
            "launch_cancelled",
            "live_opened_week",
            "live_withdrawn",
            "live_withdrawn_week",
        ]
        .map(String::from),
    );
    v
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
        }
        None => v.extend([None, None, None, None]),
    }
    v
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
