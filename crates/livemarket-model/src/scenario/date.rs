//! Dates in scenario files: a TOML local date (`2022-03-01`) or the same text quoted.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar day. In a scenario it means the week that contains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "DateRepr")]
pub struct Date(pub NaiveDate);

#[derive(Deserialize)]
#[serde(untagged)]
enum DateRepr {
    Toml(toml::value::Datetime),
    Text(String),
}

impl TryFrom<DateRepr> for Date {
    type Error = String;

    fn try_from(repr: DateRepr) -> Result<Self, Self::Error> {
        let text = match repr {
            DateRepr::Toml(dt) => {
                if dt.time.is_some() || dt.offset.is_some() {
                    return Err(format!(
                        "`{dt}` has a time of day; write a plain ISO date such as 2022-03-01"
                    ));
                }
                dt.to_string()
            }
            DateRepr::Text(s) => s,
        };
        text.parse()
    }
}

impl std::str::FromStr for Date {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            format!("`{s}` is not an ISO date; write it as YYYY-MM-DD, e.g. 2022-03-01")
        })?;
        // Four-digit years only: chrono reads `+262142-12-01`, and weeks added to a date near
        // its end overflowed (a panic in `check` and `run`).
        if !(1..=9999).contains(&chrono::Datelike::year(&date)) {
            return Err(format!(
                "`{s}` is out of range; write a date between 0001-01-01 and 9999-12-31"
            ));
        }
        Ok(Date(date))
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl Date {
    /// The week index (0-based, may be negative) of this date relative to `start`.
    pub fn week_from(self, start: Date) -> i64 {
        (self.0 - start.0).num_days().div_euclid(7)
    }

    /// Days from `earlier` to this date (negative when this is earlier).
    pub fn days_since(self, earlier: Date) -> i64 {
        (self.0 - earlier.0).num_days()
    }

    /// The first day of week `week` of a scenario that starts on `self`.
    /// (Past the calendar's end, its last day: dates are checked to be four-digit years
    /// and weeks are bounded, so a scenario never gets there.)
    pub fn plus_weeks(self, week: u32) -> Date {
        Date(
            self.0
                .checked_add_days(chrono::Days::new(7 * u64::from(week)))
                .unwrap_or(NaiveDate::MAX),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn a_date_means_the_week_that_contains_it() {
        let start = d("2021-01-04");
        assert_eq!(d("2021-01-04").week_from(start), 0);
        assert_eq!(d("2021-01-10").week_from(start), 0);
        assert_eq!(d("2021-01-11").week_from(start), 1);
        assert_eq!(d("2021-01-03").week_from(start), -1);
        assert_eq!(start.plus_weeks(2), d("2021-01-18"));
    }

    #[test]
    fn rejects_a_date_that_is_not_iso() {
        let err = "03/01/2022".parse::<Date>().unwrap_err();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
    }
}
