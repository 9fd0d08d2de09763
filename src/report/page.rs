//! The report of a result folder, section by section: all countries together, launch
//! events, trial totals, a sweep's parameters and points, then one section per country.

use super::charts::{self, AtPoint, BoxRow, EventRow, PALETTE};
use super::html::{Group, Page, Section, slug};
use super::read::Folder;
use super::svg::Chart;
use crate::format::Unit;
use crate::results::ALL_COUNTRIES;
use crate::results::measures;
use crate::results::trials::PointResults;
use crate::results::weekly::WEEKLY_CHARTS;
use std::collections::BTreeMap;

/// Trial totals drawn as box plots, by measure name; titles and units from
/// [`measures::MEASURES`].
const TOTALS: [&str; 10] = [
    "gmv_usd",
    "orders",
    "adopters_peak",
    "adopters_end",
    "subsidy_usd",
    "contribution_usd",
    "creators_streaming_end",
    "creators_won",
    "creators_lost",
    "poaching_usd",
];

/// Trial totals drawn per point of a sweep, for each market.
const BY_POINT: [&str; 4] = [
    "gmv_usd",
    "adopters_peak",
    "subsidy_usd",
    "creators_streaming_end",
];

/// The event measures a market's trials are counted by: cancelled, opened, withdrawn.
const EVENTS: [&str; 3] = ["launch_cancelled", "live_opened_week", "live_withdrawn"];

/// The measure the markets are ranked by.
const GMV: &str = "gmv_usd";

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
    let trials_note = format!("{n_trials} trials");
    let mut page = Page {
        title: format!(
            "livemarket report: {}",
            f.manifest_str(&["scenario_name"])
                .unwrap_or_else(|| f.dir.display().to_string())
        ),
        facts: facts(f, n_trials),
        ..Page::default()
    };
    if !f.weekly.from_trials {
        page.notes.push(
            "The 50% bands need every trial's weekly values, which this folder does not hold \
             (an older livemarket wrote it: no trials.bin, and no weekly_trials.csv): weekly.csv holds p05, p50 and p95 only, so the fan \
             charts here show the median and the 90% band. Run it again for the 50% bands."
                .to_string(),
        );
    }
    page.notes.extend(f.manifest_note.clone());
    if let Some(status) = f.manifest_str(&["status"])
        && status != "complete"
    {
        page.notes.push(format!(
            "manifest.json says the run is `{status}`: the pictures show the trials written so far."
        ));
    }
    let fan = |country: &str, platform: &str| -> Vec<Chart> {
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
                let (metric, title, unit, axis) = (c.metric.name(), c.title, c.unit, c.axis);
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
                    colour(platform),
                    &trials_note,
                )
            })
            .collect()
    };
    let mut all = Section {
        id: "all".into(),
        title: "All countries".into(),
        intro: "Each platform summed over its countries, week by week: the line is the median \
                across trials, the darker band holds the middle 50% of trials and the lighter \
                band 90%."
            .into(),
        ..Section::default()
    };
    for p in &platforms {
        let charts = fan(ALL_COUNTRIES, p);
        if !charts.is_empty() {
            all.groups.push(Group {
                id: slug(&format!("all-{p}")),
                title: p.clone(),
                charts,
                ..Group::default()
            });
        }
    }
    page.sections.push(all);
    page.sections.push(events_section(f, point));
    page.sections.push(totals_section(f, point, &colour));
    if r.is_sweep() {
        page.sections.push(sweep_section(f, &colour));
    }
    if let Some(sec) = uncertain_section(f, point, &colour) {
        page.sections.push(sec);
    }
    for country in countries(point) {
        let mut sec = Section {
            id: slug(&format!("country-{country}")),
            title: format!("Country {country}"),
            toc_group: "Countries",
            toc_label: country.clone(),
            ..Section::default()
        };
        let mut empty = Vec::new();
        let mut charts = Vec::new();
        for p in &platforms {
            if !point.series.contains(&(country.clone(), p.clone())) {
                continue;
            }
            let drawn = fan(&country, p);
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
        page.sections.push(sec);
    }
    page
}

/// Facts under the title, from the manifest and the trials.
fn facts(f: &Folder, n_trials: usize) -> Vec<(String, String)> {
    let mut v = Vec::new();
    let mut put = |k: &str, val: Option<String>| {
        if let Some(val) = val {
            v.push((k.to_string(), val));
        }
    };
    put("folder", Some(f.dir.display().to_string()));
    put("scenario", f.manifest_str(&["scenario", "description"]));
    put("scenario file", f.manifest_str(&["scenario_file"]));
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
        f.manifest_str(&["scenario", "weeks"]).map(|w| {
            format!(
                "{w} from {}",
                f.manifest_str(&["scenario", "start"]).unwrap_or_default()
            )
        }),
    );
    put("seed", f.manifest_str(&["seed"]));
    if r.is_sweep() {
        put("sweep design", f.manifest_str(&["sweep", "design"]));
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
        f.manifest_str(&["version"]).map(|ver| {
            format!(
                "livemarket {ver}, {} to {}",
                f.manifest_str(&["started"]).unwrap_or_default(),
                f.manifest_str(&["finished"]).unwrap_or_default()
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

/// Values of measure `m` across the trials of series `s` (empty cells left out).
fn values(p: &PointResults, s: usize, m: usize) -> Vec<f64> {
    p.trials[s].values().filter_map(|(_, v)| v[m]).collect()
}

/// One market's trials counted by event category.
fn event_counts(f: &Folder, p: &PointResults, s: usize) -> [usize; 4] {
    let [cancelled, opened, withdrawn] = EVENTS.map(|n| f.metric(n));
    let mut counts = [0; 4];
    for (_, v) in p.trials[s].values() {
        let get = |i: Option<usize>| i.and_then(|i| v[i]);
        let k = if get(withdrawn).unwrap_or(0.0) > 0.0 {
            1
        } else if get(opened).is_some() {
            0
        } else if get(cancelled).unwrap_or(0.0) > 0.0 {
            2
        } else {
            3
        };
        counts[k] += 1;
    }
    counts
}

fn events_section(f: &Folder, p: &PointResults) -> Section {
    let mut rows = Vec::new();
    let mut unplanned = Vec::new();
    for (s, (c, pl)) in p.series.iter().enumerate() {
        let counts = event_counts(f, p, s);
        let launch = f.launch(c, pl);
        let happened = counts[0] + counts[1] + counts[2] > 0;
        let planned = launch.as_ref().map_or(happened, |l| l.date.is_some());
        if !planned && !happened {
            unplanned.push(format!("{c} {pl}"));
            continue;
        }
        let mut label = format!("{c} {pl}");
        if let Some(l) = &launch {
            if let Some(d) = &l.date {
                label.push_str(&format!(" · {d}"));
            }
            if let Some(g) = &l.gate {
                label.push_str(&format!(" · gated on {g}"));
            }
        }
        rows.push(EventRow { label, counts });
    }
    let n = p.trials.first().map_or(0, |t| t.len());
    let mut intro = format!(
        "What happened to each planned live-shopping launch, as shares of the {n} trials: \
         open at the end; opened and later withdrawn (exit rule); cancelled because the gate \
         market's GMV fell short before the launch date; or not opened by the last week."
    );
    if !unplanned.is_empty() {
        intro.push_str(&format!(
            " No live launch planned in: {}.",
            unplanned.join(", ")
        ));
    }
    let mut sec = Section {
        id: "events".into(),
        title: "Launch events".into(),
        intro,
        ..Section::default()
    };
    if !rows.is_empty() {
        sec.groups.push(Group {
            charts: vec![charts::events(
                "events".into(),
                "Launch events: share of trials",
                "market · planned launch date · gate",
                &rows,
            )],
            wide: true,
            ..Group::default()
        });
    }
    sec
}

fn totals_section(f: &Folder, p: &PointResults, colour: &dyn Fn(&str) -> &'static str) -> Section {
    let mut charts = Vec::new();
    for metric in TOTALS {
        let (Some(measure), Some(m)) = (measures::find(metric), f.metric(metric)) else {
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
            slug(&format!("totals-{metric}")),
            &format!("{title} per market over the run"),
            &format!("`{metric}` of trials.csv; markets that are zero in every trial left out"),
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

/// `countries.GB.live_affinity.mean` → `GB.live_affinity.mean`; `platforms.tiktok.markets.GB.
/// subsidy.rate` → `tiktok.GB.subsidy.rate`.
fn short(path: &str) -> String {
    let p = path
        .strip_prefix("countries.")
        .or_else(|| path.strip_prefix("platforms."))
        .unwrap_or(path);
    p.replacen(".markets.", ".", 1)
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

/// Spearman's rank correlation of the pairs (average ranks for ties); None when either
/// side is constant.
fn spearman(xy: &[(f64, f64)]) -> Option<f64> {
    fn ranks(v: Vec<f64>) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        let mut r = vec![0.0; v.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
                j += 1;
            }
            for &k in &idx[i..=j] {
                r[k] = (i + j) as f64 / 2.0;
            }
            i = j + 1;
        }
        r
    }
    let rx = ranks(xy.iter().map(|p| p.0).collect());
    let ry = ranks(xy.iter().map(|p| p.1).collect());
    let m = (xy.len() as f64 - 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - m) * (b - m);
        sxx += (a - m) * (a - m);
        syy += (b - m) * (b - m);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Each live market's total GMV against each drawn parameter, one dot per trial of the
/// reported point, from `draws.csv`; None when the folder has no draws.
fn uncertain_section(
    f: &Folder,
    point: &PointResults,
    colour: &dyn Fn(&str) -> &'static str,
) -> Option<Section> {
    let (names, draws) = read_draws(f)?;
    let gmv = f.metric(GMV)?;
    let mut sec = Section {
        id: "uncertain".into(),
        title: "Uncertain parameters".into(),
        intro: format!(
            "Each trial drew its own value of {} parameter(s) (draws.csv). Total GMV against \
             each drawn value: one dot per trial; ρ is Spearman's rank correlation, how \
             closely the outcome follows the parameter.",
            names.len()
        ),
        ..Section::default()
    };
    for (j, param) in names.iter().enumerate() {
        let mut charts = Vec::new();
        for (s, (c, pl)) in point.series.iter().enumerate() {
            let xy: Vec<(f64, f64)> = point.trials[s]
                .iter()
                .filter_map(|(trial, (_, v))| Some((draws.get(trial)?[j]?, v[gmv]?)))
                .collect();
            if xy.iter().all(|p| p.1 == 0.0) {
                continue;
            }
            let rho = spearman(&xy).map_or(String::new(), |r| format!(", ρ = {r:.2}"));
            charts.push(charts::scatter(
                slug(&format!("uncertain-gmv_usd-{c}-{pl}-vs-{param}")),
                &format!("Total GMV · {c} {pl}"),
                &format!("against the drawn {}{rho}", short(param)),
                param,
                &xy,
                Unit::Usd,
                "USD over the run",
                colour(pl),
            ));
        }
        sec.groups.push(Group {
            id: slug(&format!("uncertain-{param}")),
            title: format!("Against {param}"),
            charts,
            ..Group::default()
        });
    }
    Some(sec)
}

/// Each trial's drawn values, in draws.csv's column order.
type DrawsByTrial = BTreeMap<u64, Vec<Option<f64>>>;

/// `draws.csv` of the reported point: the parameter names and each trial's values (None for
/// a cell that is not a number); None without the file.
fn read_draws(f: &Folder) -> Option<(Vec<String>, DrawsByTrial)> {
    let path = f.dir.join(crate::results::DRAWS_CSV);
    let (mut rdr, dialect) = crate::format::Dialect::reader(&path).ok()?;
    let header: Vec<String> = rdr.headers().ok()?.iter().map(String::from).collect();
    let at = |name: &str| header.iter().position(|h| h == name);
    let (trial, seed) = (at("trial")?, at("seed")?);
    let point_col = at("point");
    let mut draws = BTreeMap::new();
    for row in rdr.records() {
        let row = row.ok()?;
        if let Some(p) = point_col
            && row.get(p).and_then(|v| v.parse::<usize>().ok()) != Some(f.point)
        {
            continue;
        }
        let k: u64 = row.get(trial)?.parse().ok()?;
        let values = (seed + 1..header.len())
            .map(|i| row.get(i).and_then(|c| dialect.parse(c)))
            .collect();
        draws.insert(k, values);
    }
    Some((header[seed + 1..].to_vec(), draws))
}

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
    let live: Vec<(usize, &(String, String))> = affected
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
        for (s, (c, pl)) in &live {
            let pts: Vec<AtPoint> = r
                .points
                .iter()
                .zip(&ids)
                .filter(|(p, _)| p.trials.get(*s).is_some())
                .map(|(p, g)| AtPoint {
                    x: p.values[j].clone(),
                    values: values(p, *s, gmv),
                    group: *g,
                })
                .collect();
            against_gmv.push(charts::against(
                slug(&format!("sweep-gmv_usd-{c}-{pl}-vs-{param}")),
                &format!("Total GMV · {c} {pl}"),
                &format!("against {}", short(param)),
                param,
                &pts,
                &names,
                Unit::Usd,
                "USD over the run",
            ));
        }
        for (s, (c, pl)) in affected.iter().copied() {
            for (k, key, what) in [
                (1usize, "withdrawn", "withdrawn"),
                (2, "cancelled", "with the launch cancelled"),
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
                        counts[k] as f64 / n.max(1) as f64
                    })
                    .collect();
                if shares.iter().all(|v| *v == shares[0]) {
                    continue;
                }
                let pts: Vec<AtPoint> = r
                    .points
                    .iter()
                    .zip(&ids)
                    .zip(&shares)
                    .map(|((p, g), share)| AtPoint {
                        x: p.values[j].clone(),
                        values: vec![*share],
                        group: *g,
                    })
                    .collect();
                against_events.push(charts::against(
                    slug(&format!("sweep-{key}-{c}-{pl}-vs-{param}")),
                    &format!("Share of trials {what} · {c} {pl}"),
                    &format!("against {}", short(param)),
                    param,
                    &pts,
                    &names,
                    Unit::Share,
                    "share of trials",
                ));
            }
        }
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
    for (s, (c, pl)) in &live {
        let mut charts = Vec::new();
        for metric in TOTALS.iter().filter(|t| BY_POINT.contains(t)) {
            let (Some(measure), Some(m)) = (measures::find(metric), f.metric(metric)) else {
                continue;
            };
            let (title, unit) = (measure.title, measure.unit);
            let rows: Vec<BoxRow> = r
                .points
                .iter()
                .enumerate()
                .filter(|(_, p)| p.trials.get(*s).is_some())
                .map(|(k, p)| BoxRow {
                    label: format!("#{k}  {}", p.values.join(", ")),
                    values: values(p, *s, m),
                    colour: colour(pl).to_string(),
                })
                .collect();
            if rows.iter().all(|r| r.values.iter().all(|v| *v == 0.0)) {
                continue;
            }
            charts.push(charts::boxes(
                slug(&format!("points-{metric}-{c}-{pl}")),
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
        sec.groups.push(Group {
            id: slug(&format!("sweep-points-{c}-{pl}")),
            title: format!("Trial totals by point: {c} {pl}"),
            charts,
            wide: true,
            ..Group::default()
        });
    }
    sec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_the_page_draws_is_written_by_the_csv_writer() {
        let written = measures::names();
        for name in TOTALS.iter().chain(&BY_POINT).chain(&EVENTS).chain(&[GMV]) {
            assert!(written.iter().any(|w| w == name), "{name} is not a measure");
        }
        for name in BY_POINT {
            assert!(TOTALS.contains(&name), "{name} has no totals chart");
        }
    }
}
