//! The top of a run's report, what an analyst reads first: the headline `run` printed
//! (`headline.csv`), then each market's total GMV (median and 90% range) beside what happened to its live shopping by the last week (open, closed
//! as planned, withdrawn, cancelled, not opened) as shares of trials, and the turning events
//! with their weeks, in the order they came.

use super::charts::{self, BoxRow, EventRow};
use super::html::{Group, Section, Table, slug};
use super::read::{Folder, GMV, values};
use crate::format::Unit;
use crate::results::measures;
use crate::results::trials::PointResults;
use crate::stats::quantile;

/// What happened to live shopping in one market by the last week, one per trial: the
/// categories of [`charts::EVENTS`], in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Open = 0,
    ClosedAsPlanned = 1,
    Withdrawn = 2,
    Cancelled = 3,
    NotOpened = 4,
}

/// The columns of trials.csv an outcome is read from (None: the folder lacks it, as an older
/// livemarket's lacks `live_closed_week`).
#[derive(Debug, Clone, Copy)]
struct EventColumns {
    cancelled: Option<usize>,
    opened: Option<usize>,
    withdrawn: Option<usize>,
    withdrawn_week: Option<usize>,
    closed_week: Option<usize>,
}

impl EventColumns {
    fn of(f: &Folder) -> EventColumns {
        EventColumns {
            cancelled: f.metric(&measures::LAUNCH_CANCELLED),
            opened: f.metric(&measures::LIVE_OPENED_WEEK),
            withdrawn: f.metric(&measures::LIVE_WITHDRAWN),
            withdrawn_week: f.metric(&measures::LIVE_WITHDRAWN_WEEK),
            closed_week: f.metric(&measures::LIVE_CLOSED_WEEK),
        }
    }

    fn outcome(&self, v: &[Option<f64>]) -> Outcome {
        let get = |i: Option<usize>| i.and_then(|i| v[i]);
        if get(self.withdrawn).unwrap_or(0.0) > 0.0 {
            Outcome::Withdrawn
        } else if get(self.closed_week).is_some() {
            Outcome::ClosedAsPlanned
        } else if get(self.opened).is_some() {
            Outcome::Open
        } else if get(self.cancelled).unwrap_or(0.0) > 0.0 {
            Outcome::Cancelled
        } else {
            Outcome::NotOpened
        }
    }
}

/// One market's trials counted by [`Outcome`].
pub fn event_counts(f: &Folder, p: &PointResults, s: usize) -> [usize; 5] {
    let cols = EventColumns::of(f);
    let mut counts = [0; 5];
    for (_, v) in p.trials[s].values() {
        counts[cols.outcome(v) as usize] += 1;
    }
    counts
}

/// `values` sorted, for quantiles.
fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// The markets worth a line: a launch planned, or something happened (an opening, a
/// cancellation, GMV in some trial); and the others, as `GB amazon`.
fn markets(f: &Folder, p: &PointResults) -> (Vec<usize>, Vec<String>) {
    let gmv = f.metric(GMV);
    let mut shown = Vec::new();
    let mut quiet = Vec::new();
    for (s, (c, pl)) in p.series.iter().enumerate() {
        let counts = event_counts(f, p, s);
        let happened = counts[Outcome::NotOpened as usize] < counts.iter().sum::<usize>()
            || gmv.is_some_and(|m| values(p, s, m).iter().any(|v| *v != 0.0));
        let planned = f
            .launch(c, pl)
            .map_or(happened, |l| l.date.is_some() || happened);
        if planned {
            shown.push(s);
        } else {
            quiet.push(format!("{c} {pl}"));
        }
    }
    (shown, quiet)
}

/// `12 (2021-03-22)`: a week and the date it starts, when the folder knows it.
fn week(f: &Folder, w: f64) -> String {
    let k = w.round() as usize;
    match f.weekly.dates.get(k) {
        Some(d) => format!("week {k} ({d})"),
        None => format!("week {k}"),
    }
}

/// `in every trial`, `in 3 of 40 trials (7.5%)`.
fn how_often(k: usize, n: usize) -> String {
    if k == n {
        "in every trial".to_string()
    } else {
        format!(
            "in {k} of {n} trials ({})",
            crate::format::human(k as f64 / n as f64, Unit::Share)
        )
    }
}

/// When an event came, over the trials it came in: `in week 90 (2022-09-26)`, or `between
/// week 80 (...) and week 95 (...), median week 91 (...)`.
fn when(f: &Folder, weeks: &[f64]) -> String {
    let (lo, hi) = (weeks[0], weeks[weeks.len() - 1]);
    if lo == hi {
        format!("in {}", week(f, lo))
    } else {
        format!(
            "between {} and {}, median {}",
            week(f, lo),
            week(f, hi),
            week(f, quantile(weeks, 0.5).round())
        )
    }
}

/// The turning events of the run, each a sentence, in the order they came (by the median
/// week of the trials they came in; openings on the planned date in every trial share one
/// sentence at the front).
fn turning_events(f: &Folder, p: &PointResults, shown: &[usize]) -> Vec<String> {
    let cols = EventColumns::of(f);
    let n = p.trials.first().map_or(0, |t| t.len());
    let mut dated: Vec<(f64, usize, String)> = Vec::new();
    let mut on_plan: Vec<String> = Vec::new();
    let mut from_start: Vec<String> = Vec::new();
    let weeks_of = |s: usize, col: Option<usize>| -> Vec<f64> {
        col.map_or(Vec::new(), |m| sorted(values(p, s, m)))
    };
    for (order, &s) in shown.iter().enumerate() {
        let (c, pl) = &p.series[s];
        let market = format!("{c} {pl}");
        let launch = f.launch(c, pl).unwrap_or_default();
        let opened = weeks_of(s, cols.opened);
        if !opened.is_empty() {
            if opened.len() == n && opened[0] == opened[n - 1] {
                if opened[0] > 0.0 {
                    on_plan.push(format!("{market} (week {})", opened[0].round()));
                } else {
                    from_start.push(market.clone());
                }
            } else {
                dated.push((
                    quantile(&opened, 0.5),
                    order,
                    format!(
                        "{market}: live shopping opened {} {}.",
                        how_often(opened.len(), n),
                        when(f, &opened)
                    ),
                ));
            }
        }
        let counts = event_counts(f, p, s);
        let cancelled = counts[Outcome::Cancelled as usize];
        if cancelled > 0 {
            let gate = launch
                .gate
                .as_deref()
                .map_or(String::new(), |g| format!(" because {g}'s GMV fell short"));
            let date = launch
                .date
                .as_deref()
                .map_or(String::new(), |d| format!(" on its planned date {d}"));
            let at = launch
                .date
                .as_deref()
                .and_then(|d| f.weekly.dates.iter().position(|x| x.to_string() == d))
                .map_or(f64::INFINITY, |w| w as f64);
            dated.push((
                at,
                order,
                format!(
                    "{market}: launch cancelled{date}{gate}, {}.",
                    how_often(cancelled, n)
                ),
            ));
        }
        let closed = weeks_of(s, cols.closed_week);
        if !closed.is_empty() {
            dated.push((
                quantile(&closed, 0.5),
                order,
                format!(
                    "{market}: closed as planned{} {}, {}.",
                    launch
                        .close
                        .as_deref()
                        .map_or(String::new(), |d| format!(" (close date {d})")),
                    when(f, &closed),
                    how_often(closed.len(), n)
                ),
            ));
        }
        let withdrawn = weeks_of(s, cols.withdrawn_week);
        if !withdrawn.is_empty() {
            dated.push((
                quantile(&withdrawn, 0.5),
                order,
                format!(
                    "{market}: withdrawn by its exit rule {}, {}.",
                    how_often(withdrawn.len(), n),
                    when(f, &withdrawn)
                ),
            ));
        }
    }
    dated.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut items = Vec::new();
    if !from_start.is_empty() {
        items.push(format!(
            "Live from the first week in every trial: {}.",
            from_start.join(", ")
        ));
    }
    if !on_plan.is_empty() {
        items.push(format!(
            "Opened on the planned date in every trial: {}.",
            on_plan.join(", ")
        ));
    }
    items.extend(dated.into_iter().map(|(_, _, s)| s));
    items
}

/// `$1.2 bn`, `$0.9 bn – $1.5 bn`: the median and the 90% range of sorted values.
fn median_and_range(v: &[f64]) -> (String, String) {
    let h = |x| crate::format::human(x, Unit::Usd);
    if v.is_empty() {
        return ("n/a".into(), "n/a".into());
    }
    (
        h(quantile(v, 0.5)),
        format!("{} – {}", h(quantile(v, 0.05)), h(quantile(v, 0.95))),
    )
}

/// The table of outcomes: each platform over all countries, then each market worth a line,
/// largest median GMV first.
fn outcomes_table(f: &Folder, p: &PointResults, shown: &[usize], gmv: usize) -> Table {
    let n = p.trials.first().map_or(0, |t| t.len());
    let mut header = vec![
        "market".to_string(),
        "total GMV: median".to_string(),
        "90% of trials".to_string(),
    ];
    header.extend(
        [
            "open at the end",
            "closed as planned",
            "withdrawn",
            "launch cancelled",
            "not opened",
        ]
        .map(String::from),
    );
    let share = |k: usize| {
        if k == 0 {
            "–".to_string()
        } else {
            crate::format::human(k as f64 / n.max(1) as f64, Unit::Share)
        }
    };
    let mut rows = Vec::new();
    // Each platform's GMV summed over its countries, trial by trial.
    let mut platforms: Vec<&str> = Vec::new();
    for (_, pl) in &p.series {
        if !platforms.contains(&pl.as_str()) {
            platforms.push(pl);
        }
    }
    for pl in platforms {
        let mut totals: std::collections::BTreeMap<u64, f64> = Default::default();
        for (s, (_, q)) in p.series.iter().enumerate() {
            if q != pl {
                continue;
            }
            for (trial, (_, v)) in &p.trials[s] {
                *totals.entry(*trial).or_default() += v[gmv].unwrap_or(0.0);
            }
        }
        let v = sorted(totals.into_values().collect());
        if v.iter().all(|x| *x == 0.0) {
            continue;
        }
        let (median, range) = median_and_range(&v);
        let mut row = vec![format!("{pl}, all countries"), median, range];
        row.extend(std::iter::repeat_n(String::new(), charts::EVENTS.len()));
        rows.push(row);
    }
    let mut markets: Vec<(f64, usize, Vec<String>)> = shown
        .iter()
        .map(|&s| {
            let (c, pl) = &p.series[s];
            let v = sorted(values(p, s, gmv));
            let (median, range) = median_and_range(&v);
            let mut row = vec![format!("{c} {pl}"), median, range];
            row.extend(event_counts(f, p, s).map(share));
            (if v.is_empty() { 0.0 } else { quantile(&v, 0.5) }, s, row)
        })
        .collect();
    markets.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    rows.extend(markets.into_iter().map(|(_, _, r)| r));
    Table { header, rows }
}

/// The headline `run` printed (`headline.csv`): per point of a sweep and market, each
/// headline measure's median and 90% range and the shares of trials opened, cancelled and
/// withdrawn; None for a folder without it.
pub fn headline_section(f: &Folder) -> Option<Section> {
    let h = f.headline.as_ref()?;
    let mut header: Vec<String> = Vec::new();
    if !h.parameters.is_empty() {
        header.push("point".into());
        header.extend(h.parameters.iter().map(|p| super::factors::short(p)));
    }
    header.extend(
        [
            "market",
            "measure",
            "median",
            "90% of trials",
            "opened",
            "cancelled",
            "withdrawn",
        ]
        .map(String::from),
    );
    let share = |x: f64| crate::format::human(x, Unit::Share);
    let rows = h
        .rows
        .iter()
        .map(|r| {
            let (title, unit) = crate::results::measures::find(&r.measure)
                .map_or((r.measure.as_str(), Unit::Plain), |m| (m.title, m.unit));
            let v = |x: Option<f64>| x.map_or("n/a".to_string(), |x| crate::format::human(x, unit));
            let mut row: Vec<String> = Vec::new();
            if !h.parameters.is_empty() {
                row.push(r.point.to_string());
                // The point's values as trials.csv's reader standardises them (a
                // decimal-comma folder's `0,2` is 0.2), so both dialects draw one page.
                let values = f
                    .results
                    .points
                    .get(r.point)
                    .map_or(&r.values, |p| &p.values);
                row.extend(values.iter().cloned());
            }
            row.extend([
                format!("{} {}", r.country, r.platform),
                title.to_string(),
                v(r.p50),
                format!("{} – {}", v(r.p05), v(r.p95)),
                share(r.opened),
                share(r.cancelled),
                share(r.withdrawn),
            ]);
            row
        })
        .collect();
    Some(Section {
        id: "headline".into(),
        title: "Headline".into(),
        intro: "The outcomes the scenario is about, as `run` printed them (headline.csv): \
                the median over trials and the range that holds 90% of them, and the shares \
                of trials in which live shopping opened, its launch was cancelled by its \
                gate, and it was withdrawn."
            .into(),
        groups: vec![Group {
            tables: vec![Table { header, rows }],
            ..Group::default()
        }],
        ..Section::default()
    })
}

/// The section that opens the report: the outcomes table, the turning events, total GMV
/// per market and the launch events as shares of trials.
pub fn section(
    f: &Folder,
    p: &PointResults,
    colour: &dyn Fn(&str) -> &'static str,
    sweep_note: Option<String>,
) -> Section {
    let n = p.trials.first().map_or(0, |t| t.len());
    let (shown, quiet) = markets(f, p);
    let mut intro = format!(
        "Each market's total GMV over the run (the median of {n} trials and the range that \
         holds 90% of them) and what became of its live shopping by the last week, as \
         shares of trials: open; closed on the scenario's date; withdrawn by the exit rule; \
         cancelled because the gate market's GMV fell short; or never opened."
    );
    if let Some(note) = sweep_note {
        intro.push(' ');
        intro.push_str(&note);
    }
    let mut sec = Section {
        id: "story".into(),
        title: "What happened".into(),
        intro,
        ..Section::default()
    };
    let Some(gmv) = f.metric(GMV) else {
        return sec;
    };
    sec.groups.push(Group {
        tables: vec![outcomes_table(f, p, &shown, gmv)],
        ..Group::default()
    });
    if !quiet.is_empty() {
        sec.groups.push(Group {
            intro: format!("No live launch planned in: {}.", quiet.join(", ")),
            ..Group::default()
        });
    }
    let items = turning_events(f, p, &shown);
    if !items.is_empty() {
        sec.groups.push(Group {
            id: "turning-events".into(),
            title: "Turning events".into(),
            items,
            ..Group::default()
        });
    }
    let mut charts = Vec::new();
    let rows: Vec<BoxRow> = shown
        .iter()
        .map(|&s| {
            let (c, pl) = &p.series[s];
            BoxRow {
                label: format!("{c} {pl}"),
                values: values(p, s, gmv),
                colour: colour(pl).to_string(),
            }
        })
        .filter(|r| r.values.iter().any(|v| *v != 0.0))
        .collect();
    if !rows.is_empty() {
        charts.push(charts::boxes(
            slug(&format!("totals-{}", GMV.name)),
            "Total GMV per market over the run",
            "`gmv_usd` of trials.csv; markets that are zero in every trial left out",
            &rows,
            Unit::Usd,
        ));
    }
    let events: Vec<EventRow> = shown
        .iter()
        .map(|&s| {
            let (c, pl) = &p.series[s];
            let mut label = format!("{c} {pl}");
            if let Some(l) = f.launch(c, pl) {
                if let Some(d) = &l.date {
                    label.push_str(&format!(" · {d}"));
                }
                if let Some(g) = &l.gate {
                    label.push_str(&format!(" · gated on {g}"));
                }
                if let Some(d) = &l.close {
                    label.push_str(&format!(" · closes {d}"));
                }
            }
            EventRow {
                label,
                counts: event_counts(f, p, s),
            }
        })
        .collect();
    if !events.is_empty() {
        charts.push(charts::events(
            "events".into(),
            "Launch events: share of trials",
            "market · planned launch date · gate · planned close",
            &events,
        ));
    }
    sec.groups.push(Group {
        id: "story-charts".into(),
        title: "Total GMV and launch events".into(),
        charts,
        wide: true,
        ..Group::default()
    });
    sec
}
