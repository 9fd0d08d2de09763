//! The picture of a comparison (`compare --report`): per measure, the difference A − B of
//! each market with its 95% interval (forest plots). Two folders or points give one chart
//! per measure, a row per market; a sweep gives one chart per measure and market, a row per
//! point against point 0.

use super::charts::{self, ForestRow};
use super::html::{Group, Page, Section, slug};
use crate::compare::{Comparison, Row};
use crate::model::Metric;
use crate::results::measures::{self, Measure};

/// Measures drawn, with their short titles and units.
const MEASURES: [&Measure; 7] = [
    measures::of(Metric::GmvUsd),
    &measures::ADOPTERS_PEAK,
    measures::of(Metric::SubsidyUsd),
    measures::of(Metric::ContributionUsd),
    measures::of(Metric::CreatorsStreaming),
    &measures::LIVE_WITHDRAWN,
    &measures::LAUNCH_CANCELLED,
];

fn nonzero(r: &Row) -> bool {
    r.mean_a.is_some_and(|v| v != 0.0) || r.mean_b.is_some_and(|v| v != 0.0)
}

fn forest_row(label: String, r: &Row) -> ForestRow {
    ForestRow {
        label,
        diff: r.diff.unwrap_or(0.0),
        interval: r.diff_lo.zip(r.diff_hi),
        means: (r.mean_a, r.mean_b),
    }
}

/// Builds the page of a comparison of `a` with `b` (None: every point of the sweep `a`
/// with its point 0).
pub fn build(c: &Comparison, a: &str, b: Option<&str>) -> Page {
    let mut page = Page {
        title: match b {
            Some(b) => format!("livemarket comparison: {a} against {b}"),
            None => format!("livemarket comparison: every point of {a} against point 0"),
        },
        ..Page::default()
    };
    page.facts.push(("A".into(), a.to_string()));
    page.facts
        .push(("B".into(), b.map_or(format!("{a}#0"), String::from)));
    if !c.columns.is_empty() {
        page.facts.push(("swept".into(), c.columns.join(", ")));
    }
    page.facts.push((
        "interval".into(),
        "paired t when trials share seeds, else a seeded bootstrap (compare.csv has both \
         means, the difference, P(A > B) and the KS distance)"
            .into(),
    ));
    for measure in MEASURES {
        let metric = measure.name;
        let (title, unit) = (measure.short, measure.unit);
        let rows: Vec<&Row> = c
            .rows
            .iter()
            .filter(|r| r.metric == metric && nonzero(r))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let mut sec = Section {
            id: slug(&format!("m-{metric}")),
            title: title.to_string(),
            ..Section::default()
        };
        if b.is_some() {
            let forest: Vec<ForestRow> = rows
                .iter()
                .map(|r| forest_row(format!("{} {}", r.country, r.platform), r))
                .collect();
            sec.groups.push(Group {
                charts: vec![charts::forest(
                    slug(&format!("compare-{metric}")),
                    &format!("{title}: A − B per market"),
                    &format!("`{metric}`; markets zero in both left out"),
                    &forest,
                    unit,
                )],
                wide: true,
                ..Group::default()
            });
        } else {
            let mut markets: Vec<(&str, &str)> = Vec::new();
            for r in &rows {
                if !markets.contains(&(&r.country, &r.platform)) {
                    markets.push((&r.country, &r.platform));
                }
            }
            let mut charts = Vec::new();
            let mut same = Vec::new();
            for (country, platform) in markets {
                let of_market = || {
                    rows.iter()
                        .filter(|r| r.country == country && r.platform == platform)
                };
                // With common random numbers, a market the sweep does not touch differs by
                // exactly zero at every point.
                if of_market().all(|r| r.diff.is_none_or(|d| d == 0.0)) {
                    same.push(format!("{country} {platform}"));
                    continue;
                }
                let forest: Vec<ForestRow> = of_market()
                    .map(|r| {
                        let label = r
                            .point
                            .as_ref()
                            .map_or(r.a.clone(), |(k, v)| format!("#{k}  {}", v.join(", ")));
                        forest_row(label, r)
                    })
                    .collect();
                charts.push(charts::forest(
                    slug(&format!("compare-{metric}-{country}-{platform}")),
                    &format!("{title} · {country} {platform}: each point − point 0"),
                    &format!("point and its values of {}", c.columns.join(", ")),
                    &forest,
                    unit,
                ));
            }
            if !same.is_empty() {
                sec.intro = format!("No difference at any point: {}.", same.join(", "));
            }
            sec.groups.push(Group {
                charts,
                wide: true,
                ..Group::default()
            });
        }
        page.sections.push(sec);
    }
    page
}
