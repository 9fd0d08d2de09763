//! The report of a result folder, the answer first: the headline and what happened (the
//! outcomes table, the turning events, total GMV and the launch events; see `story`), a
//! sweep's outcomes against its parameters and by point, then the details: all countries
//! week by week, the other trial totals, the uncertain parameters as factors (`factors`),
//! and one section per country.

use super::charts::{self, AtPoint, BoxRow, PALETTE};
use super::factors::{self, short};
use super::html::{Group, Page, Section, slug};
use super::read::Folder;
use super::read::{GMV, values};
use super::story::{self, event_counts};
use super::svg::Chart;
use super::weekly::WEEKLY_CHARTS;
use crate::format::Unit;
use crate::model::Metric;
use crate::results::ALL_COUNTRIES;
use crate::results::measures::{self, Measure};
use crate::results::trials::PointResults;

/// Trial totals drawn as box plots in the details (total GMV is at the top, with the
/// story), with their titles and units.
const TOTALS: [&Measure; 9] = [
    measures::of(Metric::Orders),
    &measures::ADOPTERS_PEAK,
    measures::of(Metric::Adopters),
    measures::of(Metric::SubsidyUsd),
    measures::of(Metric::ContributionUsd),
    measures::of(Metric::CreatorsStreaming),
    measures::of(Metric::CreatorsWon),
    measures::of(Metric::CreatorsLost),
    measures::of(Metric::PoachingUsd),
];

/// Trial totals drawn per point of a sweep, for each market.
const BY_POINT: [&Measure; 4] = [
    GMV,
    &measures::ADOPTERS_PEAK,
    measures::of(Metric::SubsidyUsd),
    measures::of(Metric::CreatorsStreaming),
];

/// Sweeps with more points than this get no per-point box plots (rows would not fit).
const MAX_POINT_ROWS: usize = 60;

/// Builds the page.
pub fn build(f: &Folder) -> Page {
    let r = &f.results;
    let point = &r.points[f.point];
    let platforms = platforms(point);
    let colour = |p: &str| {
        let i = platforms.iter().position(|x| x == p).unwrap_or(0);
        PALETTE[i % PALETTE.len()]
    };
    let n_trials = point.trials.first().map_or(0, |t| t.len());
    let fans = Fans {
        f,
        colour: &colour,
        trials_note: format!("{n_trials} trials"),
    };
    let mut page = head(f, n_trials);
    let all = all_countries_section(&fans, &platforms);
    let sweep_note = r.is_sweep().then(|| {
        format!(
            "These are point {}'s trials ({}); the sweep section below compares the points.",
            f.point,
            assignments(&r.columns, &point.values)
        )
    });
    page.sections.extend(story::headline_section(f));
    page.sections
        .push(story::section(f, point, &colour, sweep_note));
    if r.is_sweep() {
        page.sections.push(sweep_section(f, &colour));
    }
    page.sections.push(all);
    page.sections.push(totals_section(f, point, &colour));
    if let Some(sec) = factors::section(f, point, &colour) {
        page.sections.push(sec);
    }
    for country in countries(point) {
        page.sections
            .push(country_section(&fans, point, &platforms, &country));
    }
    page
}

/// The page without sections: its title, the facts under it, and the notes on the run.
fn head(f: &Folder, n_trials: usize) -> Page {
    let mut page = Page {
        title: format!(
            "livemarket report: {}",
            f.manifest
                .scenario_name
                .clone()
                .unwrap_or_else(|| f.dir.display().to_string())
        ),
        facts: facts(f, n_trials),
        ..Page::default()
    };
    page.notes.extend(f.manifest_note.clone());
    if let Some(status) = f.manifest.status
        && status != crate::results::Status::Complete
    {
        page.notes.push(format!(
            "manifest.json says the run is `{status}`: the pictures show the trials written so far."
        ));
    }
    page
}

/// What the weekly fan charts are drawn from: the folder's weekly series, the platforms'
/// colours, and the note on the trials they show.
struct Fans<'a> {
    f: &'a Folder,
    colour: &'a dyn Fn(&str) -> &'static str,
    trials_note: String,
}

impl Fans<'_> {
    /// The fan charts of a market (or of a platform over all countries) that have anything
    /// to draw; none when the folder has no weekly series of it.
    fn of(&self, country: &str, platform: &str) -> Vec<Chart> {
        let f = self.f;
        let Some(fans) = f
            .weekly
            .series
            .get(&(country.to_string(), platform.to_string()))
        else {
            return Vec::new();
        };
        fans.iter()
            .zip(WEEKLY_CHARTS)
            .filter(|(fan, _)| !fan.is_empty())
            .map(|(fan, c)| {
                let d = c.metric.describe();
                let (metric, title, unit, axis) = (d.name, d.title, d.unit, c.axis);
                let who = if country == ALL_COUNTRIES {
                    format!("{platform}, all countries")
                } else {
                    format!("{country} {platform}")
                };
                charts::fan(
                    slug(&format!("weekly-{metric}-{country}-{platform}")),
                    &format!("{title} · {who}"),
                    &f.weekly.dates,
                    fan,
                    unit,
                    axis,
                    (self.colour)(platform),
                    &self.trials_note,
                )
            })
            .collect()
    }
}

/// Each platform's fan charts summed over its countries.
fn all_countries_section(fans: &Fans, platforms: &[String]) -> Section {
    let mut all = Section {
        id: "all".into(),
        title: "All countries".into(),
        intro: "Each platform summed over its countries, week by week: the line is the median \
                across trials, the darker band holds the middle 50% of trials and the lighter \
                band 90%."
            .into(),
        ..Section::default()
    };
    for p in platforms {
        let charts = fans.of(ALL_COUNTRIES, p);
        if !charts.is_empty() {
            all.groups.push(Group {
                id: slug(&format!("all-{p}")),
                title: p.clone(),
                charts,
                ..Group::default()
            });
        }
    }
    all
}

/// One country's fan charts, a market each, saying which markets have none to draw.
fn country_section(
    fans: &Fans,
    point: &PointResults,
    platforms: &[String],
    country: &str,
) -> Section {
    let mut sec = Section {
        id: slug(&format!("country-{country}")),
        title: format!("Country {country}"),
        toc_group: "Countries",
        toc_label: country.to_string(),
        ..Section::default()
    };
    let mut empty = Vec::new();
    let mut charts = Vec::new();
    for p in platforms {
        if !point.series.contains(&(country.to_string(), p.clone())) {
            continue;
        }
        let drawn = fans.of(country, p);
        if drawn.is_empty() {
            empty.push(p.clone());
        }
        charts.extend(drawn);
    }
    sec.groups.push(Group {
        charts,
        ..Group::default()
    });
    if !empty.is_empty() {
        sec.intro = format!(
            "No fan charts for {}: the median and the 95th percentile are zero in every \
             week (a few trials may differ; the launch events and trial totals show them).",
            empty.join(", ")
        );
    }
    sec
}

/// Facts under the title, from the manifest and the trials.
fn facts(f: &Folder, n_trials: usize) -> Vec<(String, String)> {
    let mut v = Vec::new();
    let mut put = |k: &str, val: Option<String>| {
        if let Some(val) = val {
            v.push((k.to_string(), val));
        }
    };
    let shown = &f.manifest;
    let planned = f.planned();
    put("folder", Some(f.dir.display().to_string()));
    put("scenario", planned.and_then(|p| p.description.clone()));
    put("scenario file", shown.scenario_file.clone());
    let r = &f.results;
    put(
        "trials",
        Some(if r.is_sweep() {
            format!("{n_trials} at each of {} points", r.points.len())
        } else {
            n_trials.to_string()
        }),
    );
    put(
        "weeks",
        planned.and_then(|p| {
            p.weeks
                .map(|w| format!("{w} from {}", p.start.clone().unwrap_or_default()))
        }),
    );
    put("seed", shown.seed.map(|s| s.to_string()));
    if r.is_sweep() {
        put(
            "sweep design",
            shown
                .sweep
                .as_ref()
                .map(|s| format!("{:?}", s.design).to_lowercase()),
        );
        put("swept", Some(r.columns.join(", ")));
        let values = &r.points[f.point].values;
        put(
            "point drawn",
            Some(format!(
                "{} ({}); the weekly series, events and totals below are this point's; \
                 `livemarket report DIR --point K` draws another",
                f.point,
                assignments(&r.columns, values)
            )),
        );
    }
    put(
        "written by",
        shown.version.as_ref().map(|ver| {
            format!(
                "livemarket {ver}, {} to {}",
                shown.started.clone().unwrap_or_default(),
                shown.finished.clone().unwrap_or_default()
            )
        }),
    );
    v
}

/// `a = 1, b = 2`.
fn assignments(names: &[String], values: &[String]) -> String {
    names
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{n} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Platforms in file order.
fn platforms(p: &PointResults) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for (_, pl) in &p.series {
        if !v.contains(pl) {
            v.push(pl.clone());
        }
    }
    v
}

/// Countries in file order.
fn countries(p: &PointResults) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for (c, _) in &p.series {
        if !v.contains(c) {
            v.push(c.clone());
        }
    }
    v
}

fn totals_section(f: &Folder, p: &PointResults, colour: &dyn Fn(&str) -> &'static str) -> Section {
    let mut charts = Vec::new();
    for measure in TOTALS {
        let Some(m) = f.metric(measure) else {
            continue;
        };
        let (title, unit) = (measure.title, measure.unit);
        let rows: Vec<BoxRow> = p
            .series
            .iter()
            .enumerate()
            .map(|(s, (c, pl))| BoxRow {
                label: format!("{c} {pl}"),
                values: values(p, s, m),
                colour: colour(pl).to_string(),
            })
            .filter(|r| r.values.iter().any(|v| *v != 0.0))
            .collect();
        if rows.is_empty() {
            continue;
        }
        charts.push(charts::boxes(
            slug(&format!("totals-{}", measure.name)),
            &format!("{title} per market over the run"),
            &format!(
                "`{}` of trials.csv; markets that are zero in every trial left out",
                measure.name
            ),
            &rows,
            unit,
        ));
    }
    Section {
        id: "totals".into(),
        title: "Trial totals".into(),
        intro: "The distribution across trials of each total over the run (from trials.csv), \
                per market."
            .into(),
        groups: vec![Group {
            charts,
            wide: true,
            ..Group::default()
        }],
        ..Section::default()
    }
}

/// For parameter `j`, each point's group (its values of the other parameters) and the
/// groups' names; a single group when there are none or too many to tell apart.
fn groups(f: &Folder, j: usize) -> (Vec<usize>, Vec<String>) {
    let r = &f.results;
    let mut names: Vec<String> = Vec::new();
    let ids: Vec<usize> = r
        .points
        .iter()
        .map(|p| {
            let key = r
                .columns
                .iter()
                .zip(&p.values)
                .enumerate()
                .filter(|(i, _)| *i != j)
                .map(|(_, (n, v))| format!("{} = {v}", short(n)))
                .collect::<Vec<_>>()
                .join(", ");
            match names.iter().position(|k| *k == key) {
                Some(i) => i,
                None => {
                    names.push(key);
                    names.len() - 1
                }
            }
        })
        .collect();
    if names.len() > PALETTE.len() {
        (vec![0; ids.len()], Vec::new())
    } else {
        (ids, names)
    }
}

/// A sweep's outcomes against its parameters and by point: its markets' total GMV and launch
/// events against each swept parameter, then each market's trial totals by point (when the
/// points are few enough to be rows).
fn sweep_section(f: &Folder, colour: &dyn Fn(&str) -> &'static str) -> Section {
    let r = &f.results;
    let mut sec = Section {
        id: "sweep".into(),
        title: "Sweep".into(),
        intro: format!(
            "{} points; trial k has the same seed at every point. Outcomes against each swept \
             parameter: every trial is a dot; the thin bar spans 90% of trials, the thick bar \
             50%, the ring is the median; medians of points that differ only in that \
             parameter are joined, coloured by the other values when they are few.",
            r.points.len()
        ),
        ..Section::default()
    };
    let series = &r.points[0].series;
    let Some(gmv) = f.metric(GMV) else {
        return sec;
    };
    // Markets the sweep changes: with common random numbers, a market it does not touch
    // has the very same trials at every point.
    let (affected, same): (Vec<_>, Vec<_>) = series.iter().enumerate().partition(|(s, _)| {
        r.points
            .iter()
            .any(|p| p.trials.get(*s) != r.points[0].trials.get(*s))
    });
    if !same.is_empty() {
        sec.intro.push_str(&format!(
            " Not drawn, the same trials at every point: {}.",
            same.iter()
                .map(|(_, (c, p))| format!("{c} {p}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // Of those, markets with GMV at some point.
    let live: Vec<Market> = affected
        .iter()
        .copied()
        .filter(|(s, _)| {
            r.points
                .iter()
                .any(|p| p.trials.get(*s).is_some() && values(p, *s, gmv).iter().any(|v| *v != 0.0))
        })
        .collect();
    let mut against_gmv = Vec::new();
    let mut against_events = Vec::new();
    for (j, param) in r.columns.iter().enumerate() {
        let (ids, names) = groups(f, j);
        let axis = Against {
            j,
            param,
            ids,
            names,
        };
        against_gmv.extend(gmv_against(f, &axis, &live, gmv));
        against_events.extend(events_against(f, &axis, &affected));
    }
    sec.groups.push(Group {
        id: "sweep-gmv".into(),
        title: "Total GMV against each swept parameter".into(),
        charts: against_gmv,
        ..Group::default()
    });
    if !against_events.is_empty() {
        sec.groups.push(Group {
            id: "sweep-events".into(),
            title: "Launch events against each swept parameter".into(),
            charts: against_events,
            ..Group::default()
        });
    }
    if r.points.len() > MAX_POINT_ROWS {
        sec.groups.push(Group {
            id: "sweep-points".into(),
            title: "Trial totals by point".into(),
            intro: format!(
                "{} points are too many for one row each; see the charts against the \
                 parameters above, or summary.csv.",
                r.points.len()
            ),
            ..Group::default()
        });
        return sec;
    }
    for &market in &live {
        sec.groups.push(by_point_group(f, market, colour));
    }
    sec
}

/// A market of the reported folder: its series index and (country, platform).
type Market<'a> = (usize, &'a (String, String));

/// A swept parameter as the charts against it take it: its column, its path, and each
/// point's group with the groups' names (see [`groups`]).
struct Against<'a> {
    j: usize,
    param: &'a str,
    ids: Vec<usize>,
    names: Vec<String>,
}

/// Each live market's total GMV against a swept parameter, a dot per trial.
fn gmv_against(f: &Folder, axis: &Against, live: &[Market], gmv: usize) -> Vec<Chart> {
    let r = &f.results;
    let (j, param, names) = (axis.j, axis.param, &axis.names);
    let mut charts = Vec::new();
    for (s, (c, pl)) in live {
        let pts: Vec<AtPoint> = r
            .points
            .iter()
            .zip(&axis.ids)
            .filter(|(p, _)| p.trials.get(*s).is_some())
            .map(|(p, g)| AtPoint {
                x: p.values[j].clone(),
                values: values(p, *s, gmv),
                group: *g,
            })
            .collect();
        charts.push(charts::against(
            slug(&format!("sweep-gmv_usd-{c}-{pl}-vs-{param}")),
            &format!("Total GMV · {c} {pl}"),
            &format!("against {}", short(param)),
            param,
            &pts,
            names,
            Unit::Usd,
            "USD over the run",
        ));
    }
    charts
}

/// Each affected market's shares of trials withdrawn and with the launch cancelled against a
/// swept parameter; none for a share the same at every point.
fn events_against(f: &Folder, axis: &Against, affected: &[Market]) -> Vec<Chart> {
    let r = &f.results;
    let (j, param, names) = (axis.j, axis.param, &axis.names);
    let mut charts = Vec::new();
    for (s, (c, pl)) in affected.iter().copied() {
        for (k, key, what) in [
            (story::Outcome::Withdrawn, "withdrawn", "withdrawn"),
            (
                story::Outcome::Cancelled,
                "cancelled",
                "with the launch cancelled",
            ),
        ] {
            let shares: Vec<f64> = r
                .points
                .iter()
                .map(|p| {
                    if p.trials.get(s).is_none() {
                        return 0.0;
                    }
                    let counts = event_counts(f, p, s);
                    let n: usize = counts.iter().sum();
                    counts[k as usize] as f64 / n.max(1) as f64
                })
                .collect();
            if shares.iter().all(|v| *v == shares[0]) {
                continue;
            }
            let pts: Vec<AtPoint> = r
                .points
                .iter()
                .zip(&axis.ids)
                .zip(&shares)
                .map(|((p, g), share)| AtPoint {
                    x: p.values[j].clone(),
                    values: vec![*share],
                    group: *g,
                })
                .collect();
            charts.push(charts::against(
                slug(&format!("sweep-{key}-{c}-{pl}-vs-{param}")),
                &format!("Share of trials {what} · {c} {pl}"),
                &format!("against {}", short(param)),
                param,
                &pts,
                names,
                Unit::Share,
                "share of trials",
            ));
        }
    }
    charts
}

/// A market's trial totals by point, a box plot row per point; measures zero at every point
/// left out.
fn by_point_group(
    f: &Folder,
    (s, (c, pl)): Market,
    colour: &dyn Fn(&str) -> &'static str,
) -> Group {
    let r = &f.results;
    let mut charts = Vec::new();
    for measure in BY_POINT {
        let Some(m) = f.metric(measure) else {
            continue;
        };
        let (title, unit) = (measure.title, measure.unit);
        let rows: Vec<BoxRow> = r
            .points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.trials.get(s).is_some())
            .map(|(k, p)| BoxRow {
                label: format!("#{k}  {}", p.values.join(", ")),
                values: values(p, s, m),
                colour: colour(pl).to_string(),
            })
            .collect();
        if rows.iter().all(|r| r.values.iter().all(|v| *v == 0.0)) {
            continue;
        }
        charts.push(charts::boxes(
            slug(&format!("points-{}-{c}-{pl}", measure.name)),
            &format!("{title} · {c} {pl}, by point"),
            &format!(
                "point and its values of {}",
                r.columns
                    .iter()
                    .map(|c| short(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            &rows,
            unit,
        ));
    }
    Group {
        id: slug(&format!("sweep-points-{c}-{pl}")),
        title: format!("Trial totals by point: {c} {pl}"),
        charts,
        wide: true,
        ..Group::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_drawn_per_point_has_a_totals_chart() {
        for m in BY_POINT {
            assert!(
                TOTALS.contains(&m) || m == GMV,
                "{} has no totals chart",
                m.name
            );
        }
    }
}
