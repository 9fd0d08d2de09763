//! The chart kinds of a report, each a function from plain data to a [`Chart`]: fan charts
//! of weekly series, box plots of trial totals, event shares, outcomes against a swept
//! parameter, and differences with their intervals (forest plots).

use super::svg::{Chart, Frame, GRID, INK, Key, MUTED, Scale, Svg, legend_width, value_ticks};
use super::weekly::Fan;
use crate::format::{Unit, human, nice_ticks};
use crate::stats::quantile;
use chrono::NaiveDate;

/// Colour-blind-safe colours (Okabe & Ito), one per platform or group.
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C564B", "#444444",
];

/// Width of the charts laid out two to a row (box plots, events, forest plots).
const WIDE: f64 = 700.0;

/// Dots are drawn for every trial only below this many values in a chart (file size).
const MAX_DOTS: usize = 4000;

/// A deterministic jitter in [-0.5, 0.5) for the i-th dot (golden-ratio sequence).
fn jitter(i: usize) -> f64 {
    (i as f64 * 0.618_033_988_75).fract() - 0.5
}

/// Width in pixels of a label at 11 px (an estimate; no font metrics here).
fn text_width(text: &str) -> f64 {
    6.3 * text.chars().count() as f64
}

/// Fan chart of one weekly series: the median line, the 50% band (p25–p75, when known) and
/// the 90% band (p05–p95).
#[allow(clippy::too_many_arguments)]
pub fn fan(
    name: String,
    title: &str,
    dates: &[NaiveDate],
    f: &Fan,
    unit: Unit,
    axis: &str,
    colour: &str,
    trials_note: &str,
) -> Chart {
    let (w, h) = (460.0, 288.0);
    let mut svg = Svg::new(w, h);
    let last = f.p50.len().saturating_sub(1);
    let end = if f.p50.is_empty() {
        String::new()
    } else {
        format!(
            "last week: median {} (90%: {} to {})",
            human(f.p50[last], unit),
            human(f.p05[last], unit),
            human(f.p95[last], unit)
        )
    };
    svg.title(title, &end);
    let frame = Frame {
        left: 64.0,
        top: 64.0,
        right: w - 16.0,
        bottom: h - 42.0,
    };
    let hi = f.p95.iter().chain(&f.p50).fold(0.0f64, |m, v| m.max(*v));
    let lo = f.p05.iter().fold(0.0f64, |m, v| m.min(*v));
    let ticks = value_ticks(lo, hi, true, 5);
    let y = frame.y_axis(&mut svg, &ticks, unit, axis);
    let x = frame.x_time(&mut svg, dates);
    let pts = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .map(|(i, v)| (x.at(i as f64), y.at(*v)))
            .collect()
    };
    svg.band(&pts(&f.p95), &pts(&f.p05), colour, 0.16);
    let mut legend = vec![
        ("median".to_string(), colour.to_string(), Key::Line),
        (
            "90% of trials".to_string(),
            colour.to_string(),
            Key::Band(0.16),
        ),
    ];
    if let Some((q1, q3)) = &f.quartiles {
        svg.band(&pts(q3), &pts(q1), colour, 0.32);
        legend.insert(1, ("50%".to_string(), colour.to_string(), Key::Band(0.45)));
        svg.count(2 * q1.len());
    }
    svg.polyline(&pts(&f.p50), colour, 2.0);
    svg.count(3 * f.p50.len());
    let legend_w: f64 = legend.iter().map(|(l, _, _)| legend_width(l)).sum();
    svg.legend(frame.right + 8.0 - legend_w, frame.top - 10.0, &legend);
    if !trials_note.is_empty() {
        svg.text(w - 8.0, h - 6.0, trials_note, "end", 10.0, MUTED);
    }
    svg.finish(name, title)
}

/// One row of a box plot: a label and the values across trials.
#[derive(Debug, Clone)]
pub struct BoxRow {
    pub label: String,
    pub values: Vec<f64>,
    pub colour: String,
}

/// Horizontal box plots, one row each: whiskers p05–p95, box p25–p75, the median, every
/// trial as a dot, and the median written at the right.
pub fn boxes(name: String, title: &str, subtitle: &str, rows: &[BoxRow], unit: Unit) -> Chart {
    let label_w = rows
        .iter()
        .map(|r| text_width(&r.label))
        .fold(60.0f64, f64::max)
        + 18.0;
    let row_h = 24.0;
    let w = WIDE;
    let h = 60.0 + row_h * rows.len() as f64 + 56.0;
    let mut svg = Svg::new(w, h);
    svg.title(title, subtitle);
    let frame = Frame {
        left: label_w,
        top: 52.0,
        right: w - 84.0,
        bottom: 52.0 + row_h * rows.len() as f64 + 8.0,
    };
    let (lo, hi) = rows
        .iter()
        .flat_map(|r| r.values.iter())
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(*v), b.max(*v)));
    let ticks = value_ticks(lo, hi, true, 6);
    let x = frame.x_values(&mut svg, &ticks, unit, "");
    let dots = rows.iter().map(|r| r.values.len()).sum::<usize>() <= MAX_DOTS;
    for (i, r) in rows.iter().enumerate() {
        let cy = frame.top + 4.0 + row_h * (i as f64 + 0.5);
        svg.text(label_w - 10.0, cy + 4.0, &r.label, "end", 11.0, INK);
        if r.values.is_empty() {
            continue;
        }
        let mut v = r.values.clone();
        v.sort_by(f64::total_cmp);
        let q = |p| x.at(quantile(&v, p));
        let c = r.colour.as_str();
        svg.line(q(0.05), cy, q(0.95), cy, c, 1.5);
        svg.line(q(0.05), cy - 5.0, q(0.05), cy + 5.0, c, 1.5);
        svg.line(q(0.95), cy - 5.0, q(0.95), cy + 5.0, c, 1.5);
        svg.rect(q(0.25), cy - 8.0, q(0.75) - q(0.25), 16.0, c, 0.22);
        if dots {
            let xy: Vec<(f64, f64)> = (r.values.iter().enumerate())
                .map(|(k, value)| (x.at(*value), cy + 14.0 * jitter(k)))
                .collect();
            svg.dots(&xy, 3.6, c, 0.45);
        }
        svg.line(q(0.5), cy - 9.0, q(0.5), cy + 9.0, INK, 2.0);
        svg.text(
            frame.right + 8.0,
            cy + 4.0,
            &human(quantile(&v, 0.5), unit),
            "start",
            11.0,
            INK,
        );
        svg.count(v.len());
    }
    svg.text(
        frame.right + 8.0,
        frame.top - 2.0,
        "median",
        "start",
        10.0,
        MUTED,
    );
    svg.text(
        label_w,
        h - 10.0,
        "box: middle 50% of trials; whiskers: 90%; black line: median; dots: trials",
        "start",
        10.0,
        MUTED,
    );
    svg.finish(name, title)
}

/// Event categories of a market's launch, in bar order: what happened to live shopping in
/// the market by the last week.
pub const EVENTS: [(&str, &str); 5] = [
    ("open at the end", "#009E73"),
    ("closed as planned", "#56B4E9"),
    ("opened, then withdrawn", "#D55E00"),
    ("launch cancelled (gate failed)", "#E69F00"),
    ("not opened by the end", "#BBBBBB"),
];

/// The category of [`EVENTS`] whose labels are dark on a light bar.
const PALE: usize = 4;

/// One market's trials counted by [`EVENTS`] category.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub label: String,
    pub counts: [usize; 5],
}

/// Stacked bars: the share of trials in each event category, per market.
pub fn events(name: String, title: &str, subtitle: &str, rows: &[EventRow]) -> Chart {
    let label_w = rows
        .iter()
        .map(|r| text_width(&r.label))
        .fold(60.0f64, f64::max)
        + 18.0;
    let row_h = 24.0;
    let w = WIDE;
    let mut svg = Svg::new(w, 0.0);
    svg.title(title, subtitle);
    let legend: Vec<(String, String, Key)> = EVENTS
        .iter()
        .map(|(l, c)| (l.to_string(), c.to_string(), Key::Band(1.0)))
        .collect();
    let top = svg.legend(12.0, 60.0, &legend) + 10.0;
    let frame = Frame {
        left: label_w,
        top,
        right: w - 20.0,
        bottom: top + row_h * rows.len() as f64 + 4.0,
    };
    svg.h = frame.bottom + 30.0;
    let x = frame.x_values(&mut svg, &nice_ticks(0.0, 1.0, 5), Unit::Share, "");
    for (i, r) in rows.iter().enumerate() {
        let y = frame.top + 4.0 + row_h * i as f64;
        svg.text(label_w - 10.0, y + 13.0, &r.label, "end", 11.0, INK);
        let n: usize = r.counts.iter().sum();
        if n == 0 {
            continue;
        }
        let mut from = 0.0;
        for (k, count) in r.counts.iter().enumerate() {
            let share = *count as f64 / n as f64;
            if share == 0.0 {
                continue;
            }
            let (x0, x1) = (x.at(from), x.at(from + share));
            svg.rect(x0, y + 2.0, x1 - x0, row_h - 6.0, EVENTS[k].1, 1.0);
            if x1 - x0 > 34.0 {
                let fill = if k == PALE { INK } else { "#fff" };
                svg.text(
                    (x0 + x1) / 2.0,
                    y + 14.5,
                    &human(share, Unit::Share),
                    "middle",
                    11.0,
                    fill,
                );
            }
            from += share;
        }
        svg.count(n);
    }
    svg.finish(name, title)
}

/// One point of a sweep: a swept parameter's value there, the outcome in each trial, and
/// the point's group (its values of the other parameters).
#[derive(Debug, Clone)]
pub struct AtPoint {
    pub x: String,
    pub values: Vec<f64>,
    pub group: usize,
}

/// An outcome against a swept parameter: per point, every trial as a dot, the p05–p95 and
/// p25–p75 ranges as bars and the median as a ring; medians of a group are joined when it
/// has one point per value. Points at the same value are set side by side, coloured by
/// group (`groups` names them).
#[allow(clippy::too_many_arguments)]
pub fn against(
    name: String,
    title: &str,
    subtitle: &str,
    param: &str,
    points: &[AtPoint],
    groups: &[String],
    unit: Unit,
    axis: &str,
) -> Chart {
    let w = 460.0;
    let mut svg = Svg::new(w, 0.0);
    svg.title(title, subtitle);
    let mut top = 52.0;
    if groups.len() > 1 {
        let items: Vec<(String, String, Key)> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.clone(), PALETTE[i % PALETTE.len()].to_string(), Key::Dot))
            .collect();
        top = svg.legend(12.0, 56.0, &items) + 16.0;
    }
    let frame = Frame {
        left: 64.0,
        top,
        right: w - 16.0,
        bottom: top + 200.0,
    };
    svg.h = frame.bottom + 44.0;
    let (lo, hi) = points
        .iter()
        .flat_map(|p| p.values.iter())
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(*v), b.max(*v)));
    let ticks = value_ticks(lo, hi, true, 5);
    let y = frame.y_axis(&mut svg, &ticks, unit, axis);
    let (xs, x) = x_axis_of(&mut svg, &frame, points.iter().map(|p| p.x.as_str()), param);
    // Side-by-side offsets of groups sharing a value.
    let mut distinct: Vec<f64> = xs.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let gap = distinct
        .windows(2)
        .map(|p| x.at(p[1]) - x.at(p[0]))
        .fold(frame.right - frame.left, f64::min);
    let g = groups.len().max(1) as f64;
    let step = (gap * 0.7 / g).min(12.0);
    let dots = points.iter().map(|p| p.values.len()).sum::<usize>() <= MAX_DOTS;
    let colour = |p: &AtPoint| PALETTE[p.group % PALETTE.len()];
    for group in 0..groups.len().max(1) {
        let mut line: Vec<(f64, f64)> = points
            .iter()
            .zip(&xs)
            .filter(|(p, _)| p.group == group && !p.values.is_empty())
            .map(|(p, xv)| {
                let mut v = p.values.clone();
                v.sort_by(f64::total_cmp);
                (*xv, quantile(&v, 0.5))
            })
            .collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Join medians only along a line: points of the group sharing a value (the other
        // parameters vary but are too many to colour apart) would zigzag.
        if line.windows(2).any(|w| w[0].0 == w[1].0) {
            continue;
        }
        let off = (group as f64 - (g - 1.0) / 2.0) * step;
        let pts: Vec<(f64, f64)> = line
            .iter()
            .map(|(a, b)| (x.at(*a) + off, y.at(*b)))
            .collect();
        svg.polyline(&pts, PALETTE[group % PALETTE.len()], 1.0);
    }
    for (p, xv) in points.iter().zip(&xs) {
        if p.values.is_empty() {
            continue;
        }
        let off = (p.group as f64 - (g - 1.0) / 2.0) * step;
        let cx = x.at(*xv) + off;
        let c = colour(p);
        let mut v = p.values.clone();
        v.sort_by(f64::total_cmp);
        if dots && v.len() > 1 {
            let xy: Vec<(f64, f64)> = (p.values.iter().enumerate())
                .map(|(k, value)| (cx + step.min(8.0) * 0.5 * jitter(k), y.at(*value)))
                .collect();
            svg.dots(&xy, 3.0, c, 0.3);
        }
        let q = |pr| y.at(quantile(&v, pr));
        if v.len() > 1 {
            svg.line(cx, q(0.05), cx, q(0.95), c, 1.2);
            svg.line(cx, q(0.25), cx, q(0.75), c, 4.5);
        }
        svg.circle(cx, q(0.5), 3.6, "#fff", 1.0);
        svg.circle(cx, q(0.5), 2.4, c, 1.0);
        svg.count(v.len());
    }
    svg.finish(name, title)
}

/// An outcome against a drawn parameter: one dot per trial (the trial's drawn value, its
/// outcome), so the cloud shows how much of the outcome's spread the parameter explains.
#[allow(clippy::too_many_arguments)]
pub fn scatter(
    name: String,
    title: &str,
    subtitle: &str,
    param: &str,
    xy: &[(f64, f64)],
    unit: Unit,
    axis: &str,
    colour: &str,
) -> Chart {
    let w = 460.0;
    let mut svg = Svg::new(w, 0.0);
    svg.title(title, subtitle);
    let frame = Frame {
        left: 64.0,
        top: 52.0,
        right: w - 16.0,
        bottom: 252.0,
    };
    svg.h = frame.bottom + 44.0;
    let fold = |f: fn(&(f64, f64)) -> f64| {
        xy.iter()
            .map(f)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            })
    };
    let ((x0, x1), (y0, y1)) = (fold(|p| p.0), fold(|p| p.1));
    if xy.is_empty() {
        return svg.finish(name, title);
    }
    let y = frame.y_axis(&mut svg, &value_ticks(y0, y1, true, 5), unit, axis);
    let (x0, x1) = if x1 > x0 {
        (x0, x1)
    } else {
        (x0 - 0.5, x1 + 0.5)
    };
    let x = frame.x_values(&mut svg, &value_ticks(x0, x1, false, 5), Unit::Plain, param);
    let pts: Vec<(f64, f64)> = xy.iter().map(|(a, b)| (x.at(*a), y.at(*b))).collect();
    svg.dots(&pts, 4.0, colour, 0.5);
    svg.count(xy.len());
    svg.finish(name, title)
}

/// A bottom axis for the values of a swept parameter: numeric when every value is a number
/// (ticks at the values when there are few), else one position per distinct text.
fn x_axis_of<'a>(
    svg: &mut Svg,
    frame: &Frame,
    values: impl Iterator<Item = &'a str>,
    name: &str,
) -> (Vec<f64>, Scale) {
    let texts: Vec<&str> = values.collect();
    let numbers: Option<Vec<f64>> = texts.iter().map(|t| t.parse::<f64>().ok()).collect();
    let (xs, ticks, labels): (Vec<f64>, Vec<f64>, Vec<String>) = match numbers {
        Some(xs) => {
            let mut d = xs.clone();
            d.sort_by(f64::total_cmp);
            d.dedup();
            if d.len() <= 8 {
                let labels = d.iter().map(|v| human(*v, Unit::Plain)).collect();
                (xs, d, labels)
            } else {
                let t = nice_ticks(d[0], d[d.len() - 1], 5);
                let l = crate::format::tick_labels(&t, Unit::Plain);
                (xs, t, l)
            }
        }
        None => {
            let mut d: Vec<&str> = Vec::new();
            for t in &texts {
                if !d.contains(t) {
                    d.push(t);
                }
            }
            let xs = texts
                .iter()
                .map(|t| d.iter().position(|x| x == t).unwrap_or(0) as f64)
                .collect();
            let ticks = (0..d.len()).map(|i| i as f64).collect();
            (xs, ticks, d.iter().map(|s| s.to_string()).collect())
        }
    };
    let (lo, hi) = (ticks[0], ticks[ticks.len() - 1]);
    let pad = if hi > lo { (hi - lo) * 0.08 } else { 0.5 };
    let scale = Scale {
        d0: lo.min(xs.iter().copied().fold(lo, f64::min)) - pad,
        d1: hi.max(xs.iter().copied().fold(hi, f64::max)) + pad,
        r0: frame.left,
        r1: frame.right,
    };
    for (t, l) in ticks.iter().zip(&labels) {
        let xp = scale.at(*t);
        svg.line(xp, frame.bottom, xp, frame.bottom + 4.0, "#999", 1.0);
        svg.text(xp, frame.bottom + 16.0, l, "middle", 11.0, MUTED);
    }
    svg.line(
        frame.left,
        frame.bottom,
        frame.right,
        frame.bottom,
        "#999",
        1.0,
    );
    svg.text(
        (frame.left + frame.right) / 2.0,
        frame.bottom + 33.0,
        name,
        "middle",
        11.0,
        MUTED,
    );
    (xs, scale)
}

/// One row of a forest plot: a difference and its 95% interval, with the two means.
#[derive(Debug, Clone)]
pub struct ForestRow {
    pub label: String,
    pub diff: f64,
    pub interval: Option<(f64, f64)>,
    pub means: (Option<f64>, Option<f64>),
}

/// Differences A − B with their 95% intervals, one row each, a line at zero, and the two
/// means written at the right.
pub fn forest(name: String, title: &str, subtitle: &str, rows: &[ForestRow], unit: Unit) -> Chart {
    let label_w = rows
        .iter()
        .map(|r| text_width(&r.label))
        .fold(60.0f64, f64::max)
        + 18.0;
    let row_h = 22.0;
    let w = WIDE + 60.0;
    let h = 58.0 + row_h * rows.len() as f64 + 56.0;
    let mut svg = Svg::new(w, h);
    svg.title(title, subtitle);
    let frame = Frame {
        left: label_w,
        top: 52.0,
        right: w - 170.0,
        bottom: 52.0 + row_h * rows.len() as f64 + 6.0,
    };
    let (lo, hi) = rows
        .iter()
        .flat_map(|r| {
            [
                Some(r.diff),
                r.interval.map(|i| i.0),
                r.interval.map(|i| i.1),
            ]
        })
        .flatten()
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let ticks = value_ticks(lo, hi, true, 6);
    let x = frame.x_values(
        &mut svg,
        &ticks,
        unit,
        "A − B: mean difference and its 95% interval",
    );
    svg.text(
        frame.right + 10.0,
        frame.top - 4.0,
        "mean A  vs  mean B",
        "start",
        10.0,
        MUTED,
    );
    for (i, r) in rows.iter().enumerate() {
        let cy = frame.top + 3.0 + row_h * (i as f64 + 0.5);
        if i % 2 == 1 {
            svg.rect(
                frame.left,
                cy - row_h / 2.0,
                frame.right - frame.left,
                row_h,
                GRID,
                0.35,
            );
        }
        svg.text(label_w - 10.0, cy + 4.0, &r.label, "end", 11.0, INK);
        let excludes_zero = r.interval.is_some_and(|(a, b)| a > 0.0 || b < 0.0);
        let c = if excludes_zero { PALETTE[1] } else { MUTED };
        if let Some((a, b)) = r.interval {
            svg.line(x.at(a), cy, x.at(b), cy, c, 2.0);
        }
        svg.circle(x.at(r.diff), cy, 3.5, c, 1.0);
        let m = |v: Option<f64>| v.map_or("n/a".to_string(), |v| human(v, unit));
        svg.text(
            frame.right + 10.0,
            cy + 4.0,
            &format!("{}  vs  {}", m(r.means.0), m(r.means.1)),
            "start",
            11.0,
            INK,
        );
        svg.count(1);
    }
    svg.text(
        label_w,
        h - 10.0,
        "orange: the 95% interval excludes zero; grey: it does not",
        "start",
        10.0,
        MUTED,
    );
    svg.finish(name, title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fan_of(weeks: usize, v: f64) -> Fan {
        Fan {
            p05: vec![v * 0.5; weeks],
            p50: vec![v; weeks],
            p95: vec![v * 2.0; weeks],
            quartiles: Some((vec![v * 0.8; weeks], vec![v * 1.2; weeks])),
        }
    }

    #[test]
    fn a_fan_chart_draws_both_bands_and_the_median() {
        let start = NaiveDate::from_ymd_opt(2021, 1, 4).unwrap();
        let dates: Vec<NaiveDate> = (0..10).map(|w| start + chrono::Days::new(7 * w)).collect();
        let c = fan(
            "f".into(),
            "GMV",
            &dates,
            &fan_of(10, 1e6),
            Unit::Usd,
            "USD",
            PALETTE[0],
            "",
        );
        assert_eq!(c.points, 50);
        assert_eq!(c.svg.matches("<path").count(), 3, "two bands and a line");
        assert!(c.svg.contains("median $1 m (90%: $500 k to $2 m)"));
    }

    #[test]
    fn box_rows_write_the_median() {
        let rows = vec![BoxRow {
            label: "AA alpha".into(),
            values: vec![1.0, 2.0, 3.0, 4.0, 100.0],
            colour: PALETTE[0].into(),
        }];
        let c = boxes("b".into(), "t", "s", &rows, Unit::Count);
        assert!(c.svg.contains(">3<"), "median 3 written");
        assert_eq!(c.points, 5);
    }

    #[test]
    fn event_shares_are_labelled_in_percent() {
        let rows = vec![EventRow {
            label: "DE tiktok".into(),
            counts: [0, 0, 0, 3, 1],
        }];
        let c = events("e".into(), "t", "s", &rows);
        assert!(c.svg.contains(">75%<") && c.svg.contains(">25%<"));
    }

    #[test]
    fn text_parameters_get_one_position_each() {
        let pts: Vec<AtPoint> = ["random", "well_mixed", "random"]
            .iter()
            .enumerate()
            .map(|(i, x)| AtPoint {
                x: x.to_string(),
                values: vec![i as f64, 2.0],
                group: 0,
            })
            .collect();
        let c = against("a".into(), "t", "s", "net", &pts, &[], Unit::Count, "n");
        assert!(c.svg.contains(">random<") && c.svg.contains(">well_mixed<"));
        assert_eq!(c.points, 6);
    }
}
