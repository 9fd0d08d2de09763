//! The report of a calibration (`report.html` in a `livemarket calibrate` folder): one
//! self-contained page (inline SVG, no scripts, nothing fetched) drawn from a
//! [`CalibrationView`], which the calibration fills from what it has just computed or read
//! back. The page shows how the generations narrowed (a table, and each parameter's
//! marginal density per generation over its prior), how the parameters of the final
//! posterior depend on each other (a pair plot), whether the posterior reproduces the targets
//! (its predictive intervals beside each target), and the posterior in numbers.
//!
//! Nothing in a view is trusted to be whole: a view with no generations, no parameters, no
//! predictive draws, or values that are not numbers (a failed simulation) draws what there
//! is and says what is missing.

mod gather;
mod identify;

pub use gather::write_page;

use super::charts::PALETTE;
use super::html::{STYLE, esc, slug};
use super::svg::{Chart, Frame, GRID, INK, MUTED, Scale, Svg, value_ticks};
use crate::format::{Unit, duration, four_figures, grouped, human, nice_ticks, tick_labels};
use crate::results::write_atomically;
use crate::stats::{
    Kde, effective_sample_size, quantile, weighted_points, weighted_quantile,
    weighted_quantile_sorted,
};
use anyhow::Result;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// Everything the report shows, in the calibration's own order.
#[derive(Debug, Clone, Default)]
pub struct CalibrationView {
    /// For example "baseline calibrated to targets-2021.toml".
    pub title: String,
    /// Lines shown at the top (stop reason, seed, command line).
    pub notes: Vec<String>,
    pub parameters: Vec<ParameterView>,
    pub targets: Vec<TargetView>,
    pub generations: Vec<GenerationView>,
    /// Posterior predictive: one row per simulation, one value per target (targets' order).
    pub predictive: Vec<Vec<f64>>,
    /// The prior predictive check of generation 0's draws (empty without generations).
    pub prior_check: Vec<crate::calibrate::prior_check::TargetCheck>,
    /// Draws the prior check is of.
    pub prior_draws: usize,
    /// What the posterior pinned; None without generations.
    pub identification: Option<crate::calibrate::identify::Identification>,
}

/// One uncertain parameter.
#[derive(Debug, Clone, Default)]
pub struct ParameterView {
    /// The `livemarket params` path.
    pub path: String,
    /// The prior as a person reads it: "uniform(0.2, 0.6)", "lognormal(median 5, sigma
    /// 0.3), group west".
    pub prior: String,
    /// The prior's density at points across its 0.5%-99.5% range (x, density), for a
    /// dashed line.
    pub prior_density: Vec<(f64, f64)>,
}

/// Which side of a target's value the quantity must be on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Side {
    /// Close to the value: within ± scale counts as meeting it.
    #[default]
    Two,
    /// Above the value (a lower bound, strict as the targets file's checks are).
    Above,
    /// Below the value (an upper bound, strict).
    Below,
}

/// One target of the targets file.
#[derive(Debug, Clone, Default)]
pub struct TargetView {
    /// The quantity's identifier (`tiktok_gmv_2021`).
    pub name: String,
    /// What a person calls it; the name is shown when empty.
    pub label: String,
    pub value: f64,
    pub scale: f64,
    pub side: Side,
}

/// One generation of the sampler.
#[derive(Debug, Clone, Default)]
pub struct GenerationView {
    /// Infinite for the first generation (every prior draw accepted).
    pub tolerance: f64,
    pub acceptance_rate: f64,
    /// Effective sample size of the weights.
    pub ess: f64,
    pub simulations: u64,
    pub seconds: f64,
    pub particles: Vec<ParticleView>,
}

/// One accepted particle.
#[derive(Debug, Clone, Default)]
pub struct ParticleView {
    pub weight: f64,
    /// Parameter values, parameters' order.
    pub theta: Vec<f64>,
    /// Simulated summaries, targets' order (not numbers when the simulation failed).
    pub summaries: Vec<f64>,
    pub distance: f64,
}

/// Writes the page to `path`, whole or not at all.
pub fn write(path: &Path, view: &CalibrationView) -> Result<()> {
    let text = render(view);
    write_atomically(path, |w| Ok(w.write_all(text.as_bytes())?))
}

/// Pair plots show at most this many parameters: a grid of more is unreadable on a screen.
pub const MAX_PAIR_PARAMETERS: usize = 8;

/// Points at which each density curve is evaluated.
const GRID_POINTS: usize = 121;

/// Target charts draw each predictive draw as a dot only below this many draws (file size).
const MAX_DOTS: usize = 4000;

/// The colour of targets (bands, bounds): green, apart from the blue of the predictive.
const TARGET: &str = "#009E73";

/// Numbers in tables and labels: three significant digits with k, m and bn, as the run
/// report writes them.
fn num(x: f64) -> String {
    human(x, Unit::Count)
}

// ---------------------------------------------------------------------------------------
// Weighted particles (their statistics are the statistics module's).

/// Kish's effective sample size of weights as given, normalised first (0 when none is
/// positive).
fn effective_size(weights: impl Iterator<Item = f64>) -> f64 {
    let w = weighted_points(weights.map(|w| (0.0, w)));
    if w.is_empty() {
        return 0.0;
    }
    effective_sample_size(w.iter().map(|p| p.1))
}

/// A generation's weights; when none is positive, every particle counts equally (and the
/// page says so).
fn weights(g: &GenerationView) -> Vec<f64> {
    let equal = !g
        .particles
        .iter()
        .any(|p| p.weight.is_finite() && p.weight > 0.0);
    (g.particles.iter())
        .map(|p| if equal { 1.0 } else { p.weight })
        .collect()
}

/// (value, weight) pairs of a generation, the value from `value` (not a number when missing).
fn pairs_of(g: &GenerationView, value: impl Fn(&ParticleView) -> Option<f64>) -> Vec<(f64, f64)> {
    (g.particles.iter())
        .zip(weights(g))
        .map(|(p, w)| (value(p).unwrap_or(f64::NAN), w))
        .collect()
}

/// One parameter's (value, weight) pairs in a generation.
fn column(g: &GenerationView, k: usize) -> Vec<(f64, f64)> {
    pairs_of(g, |p| p.theta.get(k).copied())
}

/// One target's finite predictive draws, sorted, and how many rows there are.
fn predictive_of(view: &CalibrationView, t: usize) -> Vec<f64> {
    let mut v: Vec<f64> = view
        .predictive
        .iter()
        .filter_map(|row| row.get(t).copied())
        .filter(|x| x.is_finite())
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Whether a value meets a target: within ± scale (two-sided), or strictly on the allowed
/// side of the bound (as `targets`' checks count a trial).
fn meets(t: &TargetView, x: f64) -> bool {
    match t.side {
        Side::Two => (x - t.value).abs() <= t.scale.abs(),
        Side::Above => x > t.value,
        Side::Below => x < t.value,
    }
}

/// The target as a phrase: "1.2 bn ± 100 m", "above 0.3", "below 12".
fn target_text(t: &TargetView) -> String {
    match t.side {
        Side::Two => format!("{} ± {}", num(t.value), num(t.scale)),
        Side::Above => format!("above {}", num(t.value)),
        Side::Below => format!("below {}", num(t.value)),
    }
}

fn target_label(t: &TargetView) -> &str {
    if t.label.is_empty() {
        &t.name
    } else {
        &t.label
    }
}

/// A colour from light (the first of `n` generations) to dark (the last), blues.
fn ramp(i: usize, n: usize) -> String {
    let (light, dark) = ([189.0, 215.0, 238.0], [8.0, 48.0, 107.0]);
    let t = if n <= 1 {
        1.0
    } else {
        i as f64 / (n - 1) as f64
    };
    let c: Vec<u8> = (0..3)
        .map(|k| (light[k] + t * (dark[k] - light[k])).round() as u8)
        .collect();
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// The data range [lo, hi] of finite values, widened when it is one point.
fn range_of(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    if lo > hi {
        return None;
    }
    if hi > lo {
        Some((lo, hi))
    } else {
        let pad = if lo == 0.0 { 0.5 } else { lo.abs() * 0.1 };
        Some((lo - pad, hi + pad))
    }
}

/// `n` evenly spaced points from `lo` to `hi`.
fn linspace(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> {
    (0..n).map(move |i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
}

// ---------------------------------------------------------------------------------------
// Charts.

/// A density evaluated across a chart.
struct Curve {
    points: Vec<(f64, f64)>,
    /// Drawn with the fallback bandwidth: the sample had no spread.
    degenerate: bool,
}

/// A parameter's range in the pair plot's cells and the ticks drawn there.
struct Axis {
    ticks: Vec<f64>,
    lo: f64,
    hi: f64,
}

/// Parameter `k`'s marginal density in every generation (light to dark) over its prior
/// (dashed).
fn marginal(view: &CalibrationView, k: usize) -> Chart {
    let p = &view.parameters[k];
    let (w, h) = (420.0, 268.0);
    let mut svg = Svg::new(w, h);
    let title = &p.path;
    let name = format!("marginal-{}-{}", k + 1, slug(&p.path));
    let prior = prior_points(p);
    let columns: Vec<Vec<(f64, f64)>> = view.generations.iter().map(|g| column(g, k)).collect();
    let range = range_of((columns.iter().flatten().map(|c| c.0)).chain(prior.iter().map(|c| c.0)));
    let final_text = columns
        .last()
        .map(|c| weighted_points(c.iter().copied()))
        .filter(|c| !c.is_empty())
        .map_or("no posterior values".to_string(), |c| {
            let q = |p| weighted_quantile_sorted(&c, p).map_or("n/a".into(), num);
            format!("final: median {} (90%: {} to {})", q(0.5), q(0.05), q(0.95))
        });
    svg.title(title, &final_text);
    let Some((lo, hi)) = range else {
        svg.text(w / 2.0, h / 2.0, "no values to draw", "middle", 12.0, MUTED);
        return svg.finish(name, title);
    };
    let frame = Frame {
        left: 58.0,
        top: 70.0,
        right: w - 16.0,
        bottom: h - 42.0,
    };
    let x_ticks = value_ticks(lo, hi, false, 5);
    let (x0, x1) = (x_ticks[0], x_ticks[x_ticks.len() - 1]);
    let curves = densities(&columns, x0, x1);
    let top = (curves.iter().flatten().flat_map(|c| c.points.iter()))
        .chain(prior.iter())
        .map(|p| p.1)
        .fold(0.0f64, f64::max);
    let y_ticks = value_ticks(0.0, if top > 0.0 { top } else { 1.0 }, true, 4);
    let y = frame.y_axis(&mut svg, &y_ticks, Unit::Count, "density");
    let x = frame.x_values(&mut svg, &x_ticks, Unit::Count, "");
    let at = |pts: &[(f64, f64)]| -> Vec<(f64, f64)> {
        pts.iter().map(|(a, b)| (x.at(*a), y.at(*b))).collect()
    };
    if prior.is_empty() {
        svg.text(
            frame.right,
            frame.top + 12.0,
            "prior density not given",
            "end",
            10.0,
            MUTED,
        );
    } else {
        svg.dashed(&at(&prior), INK, 1.3);
    }
    let n = curves.len();
    for (i, c) in curves.iter().enumerate() {
        if let Some(Curve { points: pts, .. }) = c {
            let last = i + 1 == n;
            svg.polyline(&at(pts), &ramp(i, n), if last { 2.2 } else { 1.3 });
        }
    }
    svg.count(columns.iter().map(|c| c.len()).sum());
    marginal_key(&mut svg, n, !prior.is_empty());
    if curves
        .last()
        .and_then(|c| c.as_ref())
        .is_some_and(|c| c.degenerate)
    {
        svg.text(
            frame.right,
            frame.top + 12.0,
            "final: all weight on one value",
            "end",
            10.0,
            PALETTE[1],
        );
    }
    svg.finish(name, title)
}

/// A parameter's prior density points that are numbers, in order of the value.
fn prior_points(p: &ParameterView) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = (p.prior_density.iter().copied())
        .filter(|(x, d)| x.is_finite() && d.is_finite() && *d >= 0.0)
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    v
}

/// Each generation's weighted density from `x0` to `x1` (none for a generation without
/// values).
fn densities(columns: &[Vec<(f64, f64)>], x0: f64, x1: f64) -> Vec<Option<Curve>> {
    let fallback = (x1 - x0) / 100.0;
    columns
        .iter()
        .map(|c| {
            let kde = Kde::new(c, fallback)?;
            let pts = linspace(x0, x1, GRID_POINTS)
                .map(|x| (x, kde.density(x)))
                .collect();
            Some(Curve {
                points: pts,
                degenerate: kde.degenerate,
            })
        })
        .collect()
}

/// The marginal chart's key: the first and last of `n` generations, and the prior.
fn marginal_key(svg: &mut Svg, n: usize, prior: bool) {
    let ky = 56.0;
    let mut kx = 12.0;
    let mut key = |svg: &mut Svg, label: &str, colour: &str, dashed: bool| {
        let seg = [(kx, ky - 4.0), (kx + 18.0, ky - 4.0)];
        if dashed {
            svg.dashed(&seg, colour, 1.3);
        } else {
            svg.polyline(&seg, colour, 2.0);
        }
        svg.text(kx + 23.0, ky, label, "start", 10.0, INK);
        kx += 23.0 + 6.0 * label.chars().count() as f64 + 12.0;
    };
    if n > 1 {
        key(svg, "generation 0", &ramp(0, n), false);
        key(
            svg,
            &format!("generation {}", n - 1),
            &ramp(n - 1, n),
            false,
        );
    } else if n == 1 {
        key(svg, "generation 0", &ramp(0, 1), false);
    }
    if prior {
        key(svg, "prior", INK, true);
    }
}

/// Dots of the particles, each as opaque as its weight is large: 0.3 at the mean weight
/// (1 / N), between 0.04 and 0.9, in steps of 0.05 so that each step is one path.
fn weighted_dots(svg: &mut Svg, pts: &[((f64, f64), f64)], d: f64, colour: &str) {
    let mean = pts.iter().map(|p| p.1).sum::<f64>() / pts.len().max(1) as f64;
    let mut by_step: BTreeMap<u32, Vec<(f64, f64)>> = BTreeMap::new();
    for (xy, w) in pts {
        let o = if mean > 0.0 { 0.3 * w / mean } else { 0.3 };
        let step = (o.clamp(0.04, 0.9) * 20.0).round().max(1.0) as u32;
        by_step.entry(step).or_default().push(*xy);
    }
    for (step, xy) in by_step {
        svg.dots(&xy, d, colour, step as f64 / 20.0);
    }
}

/// The final posterior's pair plot: parameter i against parameter j below and above the
/// diagonal (each particle a dot, as opaque as its weight), parameter i's marginal on it.
fn pairs(view: &CalibrationView, shown: usize) -> Option<Chart> {
    let last = view.generations.last()?;
    if shown == 0 {
        return None;
    }
    let columns: Vec<Vec<(f64, f64)>> = (0..shown).map(|k| column(last, k)).collect();
    let cell = (660.0 / shown as f64).clamp(110.0, 240.0);
    let (left, top) = (60.0, 56.0);
    let w = left + cell * shown as f64 + 16.0;
    let h = top + cell * shown as f64 + 44.0;
    let mut svg = Svg::new(w, h);
    let title = "Pair plot of the final posterior";
    svg.title(
        title,
        &format!(
            "{} particles; dots as opaque as their weight; diagonal: each parameter's density",
            last.particles.len()
        ),
    );
    let grid = PairGrid {
        view,
        scales: columns.iter().map(|c| pair_axis(c)).collect(),
        columns,
        cell,
        left,
        top,
    };
    for i in 0..shown {
        for j in 0..shown {
            grid.draw_cell(&mut svg, i, j);
        }
    }
    Some(svg.finish("pairs".into(), title))
}

/// A parameter's scale over its pair-plot cells: the posterior's own range and 5% more each
/// side, with ticks only away from the cells' edges, where the labels of neighbouring cells
/// would run into each other. None when the parameter has no value with weight.
fn pair_axis(c: &[(f64, f64)]) -> Option<Axis> {
    let (lo, hi) = range_of(c.iter().filter(|p| p.1 > 0.0).map(|p| p.0))?;
    let (a, b) = (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo));
    let margin = 0.12 * (b - a);
    let mut t: Vec<f64> = (nice_ticks(lo, hi, 3).into_iter())
        .filter(|t| *t >= a + margin && *t <= b - margin)
        .collect();
    if t.is_empty() {
        t.push((a + b) / 2.0);
    }
    Some(Axis {
        ticks: t,
        lo: a,
        hi: b,
    })
}

/// Space between a pair-plot cell's edge and its drawing area.
const CELL_GAP: f64 = 4.0;

/// What every cell of the pair plot draws from.
struct PairGrid<'a> {
    view: &'a CalibrationView,
    /// The shown parameters' (value, weight) pairs in the final generation.
    columns: Vec<Vec<(f64, f64)>>,
    /// The shown parameters' scales ([`pair_axis`]).
    scales: Vec<Option<Axis>>,
    /// A cell's side in pixels.
    cell: f64,
    /// Where the first cell's left edge is.
    left: f64,
    /// Where the first cell's top edge is.
    top: f64,
}

/// One cell of the pair plot whose two parameters have values: parameter `j` across,
/// parameter `i` up.
struct PairCell<'s> {
    i: usize,
    j: usize,
    /// The drawing area, inside the gap.
    inner: Frame,
    x: Scale,
    y: Scale,
    sx: &'s Axis,
    sy: &'s Axis,
}

impl PairGrid<'_> {
    /// Cell (i, j): its background, then (when both parameters have values) the vertical
    /// grid, the density or the dots, and the tick labels along the bottom and left edges.
    fn draw_cell(&self, svg: &mut Svg, i: usize, j: usize) {
        let (cell, gap) = (self.cell, CELL_GAP);
        let (cx, cy) = (self.left + cell * j as f64, self.top + cell * i as f64);
        let inner = Frame {
            left: cx + gap,
            top: cy + gap,
            right: cx + cell - gap,
            bottom: cy + cell - gap,
        };
        svg.rect(
            inner.left,
            inner.top,
            inner.right - inner.left,
            inner.bottom - inner.top,
            "#f4f4f2",
            1.0,
        );
        let (Some(sx), Some(sy)) = (&self.scales[j], &self.scales[i]) else {
            svg.text(
                (inner.left + inner.right) / 2.0,
                (inner.top + inner.bottom) / 2.0,
                "no values",
                "middle",
                10.0,
                MUTED,
            );
            return;
        };
        let c = PairCell {
            i,
            j,
            inner,
            x: Scale {
                d0: sx.lo,
                d1: sx.hi,
                r0: inner.left,
                r1: inner.right,
            },
            y: Scale {
                d0: sy.lo,
                d1: sy.hi,
                r0: inner.bottom,
                r1: inner.top,
            },
            sx,
            sy,
        };
        for t in &sx.ticks {
            svg.line(c.x.at(*t), inner.top, c.x.at(*t), inner.bottom, GRID, 1.0);
        }
        if i == j {
            self.diagonal(svg, &c);
        } else {
            self.scatter(svg, &c);
        }
        self.edge_labels(svg, &c);
    }

    /// A diagonal cell: the parameter's weighted density and its name.
    fn diagonal(&self, svg: &mut Svg, c: &PairCell) {
        let (i, inner, x, sx) = (c.i, &c.inner, &c.x, c.sx);
        if let Some(kde) = Kde::new(&self.columns[i], (sx.hi - sx.lo) / 100.0) {
            let pts: Vec<(f64, f64)> = linspace(sx.lo, sx.hi, GRID_POINTS)
                .map(|v| (v, kde.density(v)))
                .collect();
            let peak = pts.iter().map(|p| p.1).fold(0.0f64, f64::max);
            let dy = Scale {
                d0: 0.0,
                d1: if peak > 0.0 { peak } else { 1.0 },
                r0: inner.bottom,
                r1: inner.top + 18.0,
            };
            let xy: Vec<(f64, f64)> = pts.iter().map(|(a, b)| (x.at(*a), dy.at(*b))).collect();
            svg.polyline(&xy, PALETTE[0], 1.8);
        }
        let label = short(
            &self.view.parameters[i].path,
            (self.cell - 2.0 * CELL_GAP - 8.0) / 6.0,
        );
        svg.text(
            inner.left + 4.0,
            inner.top + 12.0,
            &label,
            "start",
            10.0,
            INK,
        );
        svg.count(self.columns[i].len());
    }

    /// A cell off the diagonal: the horizontal grid and each particle as a weighted dot.
    fn scatter(&self, svg: &mut Svg, c: &PairCell) {
        let (i, j, inner, x, y) = (c.i, c.j, &c.inner, &c.x, &c.y);
        for t in &c.sy.ticks {
            svg.line(inner.left, y.at(*t), inner.right, y.at(*t), GRID, 1.0);
        }
        let pts: Vec<((f64, f64), f64)> = self.columns[j]
            .iter()
            .zip(&self.columns[i])
            .filter(|(a, b)| a.0.is_finite() && b.0.is_finite() && a.1 > 0.0)
            .map(|(a, b)| ((x.at(a.0), y.at(b.0)), a.1))
            .collect();
        weighted_dots(
            svg,
            &pts,
            if self.cell >= 150.0 { 3.2 } else { 2.6 },
            PALETTE[0],
        );
        svg.count(pts.len());
    }

    /// Tick labels and the parameter's name under the bottom row; tick labels left of the
    /// first column (apart from its top cell).
    fn edge_labels(&self, svg: &mut Svg, c: &PairCell) {
        let (i, j, inner, x, y) = (c.i, c.j, &c.inner, &c.x, &c.y);
        if i + 1 == self.columns.len() {
            let labels = tick_labels(&c.sx.ticks, Unit::Count);
            for (t, l) in c.sx.ticks.iter().zip(&labels) {
                svg.text(x.at(*t), inner.bottom + 15.0, l, "middle", 9.5, MUTED);
            }
            let label = short(&self.view.parameters[j].path, self.cell / 5.6);
            svg.text(
                (inner.left + inner.right) / 2.0,
                inner.bottom + 30.0,
                &label,
                "middle",
                10.0,
                MUTED,
            );
        }
        if j == 0 && i > 0 {
            let labels = tick_labels(&c.sy.ticks, Unit::Count);
            for (t, l) in c.sy.ticks.iter().zip(&labels) {
                svg.text(inner.left - 4.0, y.at(*t) + 3.0, l, "end", 9.5, MUTED);
            }
        }
    }
}

/// `text` cut from the left to about `chars` characters (a path's end says most).
fn short(text: &str, chars: f64) -> String {
    let max = chars.max(4.0) as usize;
    let n = text.chars().count();
    if n <= max {
        text.to_string()
    } else {
        let tail: String = text.chars().skip(n - max + 1).collect();
        format!("…{tail}")
    }
}

/// One target beside its posterior predictive: the target as a band (value ± scale) or as
/// a bound with its allowed side shaded, the draws as dots, their 50% and 90% intervals as
/// bars and the median as a ring.
fn target_chart(view: &CalibrationView, t: usize) -> Chart {
    let target = &view.targets[t];
    let title = target_label(target);
    let name = format!("target-{}-{}", t + 1, slug(&target.name));
    let draws = predictive_of(view, t);
    let (w, h) = (440.0, 174.0);
    let mut svg = Svg::new(w, h);
    let subtitle = if draws.is_empty() {
        format!("target {}; no predictive draws", target_text(target))
    } else {
        format!(
            "target {}; predictive median {} (90%: {} to {})",
            target_text(target),
            num(quantile(&draws, 0.5)),
            num(quantile(&draws, 0.05)),
            num(quantile(&draws, 0.95))
        )
    };
    svg.title(title, &subtitle);
    let frame = Frame {
        left: 18.0,
        top: 52.0,
        right: w - 18.0,
        bottom: h - 56.0,
    };
    let (v, s) = (target.value, target.scale.abs());
    let target_ends: Vec<f64> = match target.side {
        Side::Two if s.is_finite() => vec![v - s, v + s],
        _ => vec![v],
    };
    let Some((lo, hi)) = range_of(draws.iter().copied().chain(target_ends.iter().copied())) else {
        svg.text(w / 2.0, h / 2.0, "no values to draw", "middle", 12.0, MUTED);
        return svg.finish(name, title);
    };
    let ticks = value_ticks(lo, hi, false, 6);
    let x = frame.x_values(&mut svg, &ticks, Unit::Count, "");
    let height = frame.bottom - frame.top;
    if v.is_finite() {
        match target.side {
            Side::Two if s.is_finite() => {
                let (a, b) = (x.at(v - s), x.at(v + s));
                svg.rect(a, frame.top, b - a, height, TARGET, 0.18);
            }
            Side::Two => {}
            Side::Above => {
                let a = x.at(v);
                svg.rect(a, frame.top, frame.right - a, height, TARGET, 0.12);
            }
            Side::Below => {
                let b = x.at(v);
                svg.rect(frame.left, frame.top, b - frame.left, height, TARGET, 0.12);
            }
        }
        svg.line(x.at(v), frame.top, x.at(v), frame.bottom, TARGET, 2.0);
    }
    let cy = (frame.top + frame.bottom) / 2.0;
    if !draws.is_empty() {
        if draws.len() <= MAX_DOTS {
            let xy: Vec<(f64, f64)> = view
                .predictive
                .iter()
                .filter_map(|row| row.get(t).copied())
                .filter(|d| d.is_finite())
                .enumerate()
                .map(|(k, d)| (x.at(d), cy + 0.7 * height * jitter(k)))
                .collect();
            svg.dots(&xy, 3.0, MUTED, 0.25);
        }
        let q = |p| x.at(quantile(&draws, p));
        svg.line(q(0.05), cy, q(0.95), cy, PALETTE[0], 2.0);
        svg.line(q(0.25), cy, q(0.75), cy, PALETTE[0], 7.0);
        svg.circle(q(0.5), cy, 4.6, "#fff", 1.0);
        svg.circle(q(0.5), cy, 3.2, PALETTE[0], 1.0);
        svg.count(draws.len());
    }
    let key = match target.side {
        Side::Two => "green: the target ± its scale",
        Side::Above | Side::Below => "green: the bound, its allowed side shaded",
    };
    svg.text(frame.left, h - 20.0, key, "start", 10.0, MUTED);
    svg.text(
        frame.left,
        h - 7.0,
        "blue: predictive 50% (thick) and 90% (thin), median (ring); grey: draws",
        "start",
        10.0,
        MUTED,
    );
    svg.finish(name, title)
}

/// A deterministic jitter in [-0.5, 0.5) for the i-th dot (golden-ratio sequence).
fn jitter(i: usize) -> f64 {
    (i as f64 * 0.618_033_988_75).fract() - 0.5
}

// ---------------------------------------------------------------------------------------
// The page.

/// The rules the calibration page adds to the run report's stylesheet (which has the
/// tables' own).
const TABLE_STYLE: &str = "
td code{color:#666;font-size:12px}
ul.facts{font-size:14px;margin:8px 0;padding-left:20px}
.small{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:14px}
";

/// The whole document: the notes on what is missing, then the five sections in order.
pub fn render(view: &CalibrationView) -> String {
    let mut missing = input_gaps(view);
    missing.extend(particle_gaps(view));
    let mut s = page_head(view, &missing);
    identify::prior_check_section(&mut s, &view.prior_check, view.prior_draws);
    generations_section(&mut s, view);
    identify::identification_section(&mut s, view.identification.as_ref());
    marginals_section(&mut s, view);
    pairs_section(&mut s, view);
    targets_section(&mut s, view);
    posterior_section(&mut s, view);
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

/// What the view lacks as a whole: generations, parameters, targets, predictive draws, and
/// predictive values that are short or not numbers.
fn input_gaps(view: &CalibrationView) -> Vec<String> {
    let mut missing: Vec<String> = Vec::new();
    let k_all = view.parameters.len();
    if view.generations.is_empty() {
        missing.push(
            "The calibration has no generations: there are no densities, no pair plot and no \
             posterior to show."
                .into(),
        );
    }
    if k_all == 0 {
        missing.push(
            "The calibration has no uncertain parameters: there are no densities, no pair plot \
             and no posterior table."
                .into(),
        );
    }
    if view.targets.is_empty() {
        missing.push("The calibration has no targets: there is nothing to compare with.".into());
    }
    if view.predictive.is_empty() && !view.targets.is_empty() {
        missing.push(
            "There are no posterior predictive simulations: the targets are shown without \
             predictive intervals."
                .into(),
        );
    }
    let m = view.targets.len();
    let short_rows = view.predictive.iter().filter(|r| r.len() < m).count();
    if short_rows > 0 {
        missing.push(format!(
            "{short_rows} of {} predictive rows have fewer values than the {m} targets: the \
             missing values are left out.",
            view.predictive.len()
        ));
    }
    for (t, target) in view.targets.iter().enumerate() {
        let have = view.predictive.iter().filter(|r| r.len() > t).count();
        let finite = predictive_of(view, t).len();
        if finite < have {
            missing.push(format!(
                "Target {}: {} of {have} predictive draws are not numbers (failed \
                 simulations) and are left out.",
                target.name,
                have - finite
            ));
        }
    }
    missing
}

/// What the particles lack: final summaries or values that are not numbers, generations with
/// no positive weight or no particles, and parameters beyond the pair plot.
fn particle_gaps(view: &CalibrationView) -> Vec<String> {
    let mut missing: Vec<String> = Vec::new();
    let k_all = view.parameters.len();
    let last = view.generations.last();
    let m = view.targets.len();
    if let Some(g) = last {
        let failed = (g.particles.iter())
            .filter(|p| (0..m).any(|t| !p.summaries.get(t).is_some_and(|x| x.is_finite())))
            .count();
        if failed > 0 {
            missing.push(format!(
                "{failed} of the final generation's {} particles have summaries that are not \
                 numbers (failed simulations): they are left out of the accepted summaries.",
                g.particles.len()
            ));
        }
        for (k, p) in view.parameters.iter().enumerate() {
            let bad = (g.particles.iter())
                .filter(|q| !q.theta.get(k).is_some_and(|x| x.is_finite()))
                .count();
            if bad > 0 {
                missing.push(format!(
                    "{}: {bad} of the final generation's particles have no value that is a \
                     number; they are left out.",
                    p.path
                ));
            }
        }
    }
    for (i, g) in view.generations.iter().enumerate() {
        if !g.particles.is_empty()
            && !g
                .particles
                .iter()
                .any(|p| p.weight.is_finite() && p.weight > 0.0)
        {
            missing.push(format!(
                "Generation {i}: no particle has a positive weight; its particles are counted \
                 equally."
            ));
        }
        if g.particles.is_empty() {
            missing.push(format!("Generation {i} has no particles."));
        }
    }
    if k_all > MAX_PAIR_PARAMETERS {
        missing.push(format!(
            "The pair plot shows the first {MAX_PAIR_PARAMETERS} of the {k_all} parameters; \
             the marginal densities and the posterior table show all."
        ));
    }
    missing
}

/// The document up to its first section: the title, the notes, what is missing, the
/// contents.
fn page_head(view: &CalibrationView, missing: &[String]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<style>{STYLE}{TABLE_STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1>{t}</h1>\n",
        t = esc(&view.title)
    );
    if !view.notes.is_empty() {
        s.push_str("<ul class=\"facts\">\n");
        for n in &view.notes {
            let _ = writeln!(s, "<li>{}</li>", esc(n));
        }
        s.push_str("</ul>\n");
    }
    for n in missing {
        let _ = writeln!(s, "<p class=\"note\">{}</p>", esc(n));
    }
    s.push_str(
        "<nav class=\"toc\"><strong>Contents</strong>\n<ol>\n\
         <li><a href=\"#prior-check\">Prior predictive check</a></li>\n\
         <li><a href=\"#generations\">Generations</a></li>\n\
         <li><a href=\"#identification\">Identification</a></li>\n\
         <li><a href=\"#marginals\">Marginal densities by generation</a></li>\n\
         <li><a href=\"#pairs\">Pair plot of the final posterior</a></li>\n\
         <li><a href=\"#targets\">Targets and the posterior predictive</a></li>\n\
         <li><a href=\"#posterior\">The final posterior</a></li>\n</ol>\n</nav>\n",
    );
    s
}

/// 1. The generations: one row each, and a total.
fn generations_section(s: &mut String, view: &CalibrationView) {
    s.push_str("<section id=\"generations\">\n<h2>Generations</h2>\n");
    s.push_str(
        "<p>Each generation accepts the simulations whose distance to the targets (differences \
         divided by the targets' scales) is within its tolerance; the first accepts every \
         draw from the prior. ESS: the effective sample size of the weights.</p>\n",
    );
    if view.generations.is_empty() {
        s.push_str("<p>No generations.</p>\n");
    } else {
        s.push_str(
            "<table>\n<tr><th>Generation</th><th>tolerance</th><th>acceptance rate</th>\
             <th>ESS</th><th>particles</th><th>simulations</th><th>time</th>\
             <th>median distance</th></tr>\n",
        );
        for (i, g) in view.generations.iter().enumerate() {
            let tol = if g.tolerance == f64::INFINITY {
                "∞".to_string()
            } else if g.tolerance.is_finite() {
                four_figures(Some(g.tolerance))
            } else {
                "n/a".to_string()
            };
            let d = weighted_quantile(&pairs_of(g, |p| Some(p.distance)), 0.5);
            let _ = writeln!(
                s,
                "<tr><td>{i}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>{}</td></tr>",
                esc(&tol),
                esc(&human(g.acceptance_rate, Unit::Share)),
                if g.ess.is_finite() {
                    format!("{:.1}", g.ess)
                } else {
                    "n/a".into()
                },
                grouped(g.particles.len() as u64),
                grouped(g.simulations),
                if g.seconds.is_finite() && g.seconds >= 0.0 {
                    esc(&duration(g.seconds))
                } else {
                    "n/a".into()
                },
                d.map_or("n/a".into(), |d| esc(&four_figures(Some(d)))),
            );
        }
        let sims: u64 = view.generations.iter().map(|g| g.simulations).sum();
        let secs: f64 = (view.generations.iter().map(|g| g.seconds))
            .filter(|x| x.is_finite() && *x >= 0.0)
            .sum();
        let _ = writeln!(
            s,
            "<tr><th>all</th><th></th><th></th><th></th><th></th><th>{}</th><th>{}</th>\
             <th></th></tr>\n</table>",
            grouped(sims),
            esc(&duration(secs))
        );
    }
    s.push_str("</section>\n");
}

/// 2. Each parameter's marginal density by generation.
fn marginals_section(s: &mut String, view: &CalibrationView) {
    let k_all = view.parameters.len();
    s.push_str("<section id=\"marginals\">\n<h2>Marginal densities by generation</h2>\n");
    s.push_str(
        "<p>Each parameter's weighted kernel density in every generation, light (the first) \
         to dark (the last), over its prior (dashed). Gaussian kernels, Silverman's bandwidth \
         from the weighted standard deviation and the effective sample size.</p>\n",
    );
    if k_all == 0 || view.generations.is_empty() {
        s.push_str("<p>Nothing to draw.</p>\n");
    } else {
        s.push_str("<div class=\"small\">\n");
        for k in 0..k_all {
            figure(s, &marginal(view, k));
        }
        s.push_str("</div>\n");
    }
    s.push_str("</section>\n");
}

/// 3. The final posterior's pair plot.
fn pairs_section(s: &mut String, view: &CalibrationView) {
    let k_all = view.parameters.len();
    let shown = k_all.min(MAX_PAIR_PARAMETERS);
    s.push_str("<section id=\"pairs\">\n<h2>Pair plot of the final posterior</h2>\n");
    s.push_str(
        "<p>Below and above the diagonal, one parameter against another, each particle of \
         the final generation as a dot as opaque as its weight: a tilted or curved cloud \
         means the targets fix a combination of the two rather than each.</p>\n",
    );
    if k_all > MAX_PAIR_PARAMETERS {
        let _ = writeln!(
            s,
            "<p class=\"note\">The first {MAX_PAIR_PARAMETERS} of {k_all} parameters are shown.</p>"
        );
    }
    match pairs(view, shown) {
        Some(c) => figure(s, &c),
        None => s.push_str("<p>Nothing to draw.</p>\n"),
    }
    s.push_str("</section>\n");
}

/// 4. Each target beside its posterior predictive: the charts, then the table.
fn targets_section(s: &mut String, view: &CalibrationView) {
    let m = view.targets.len();
    let last = view.generations.last();
    s.push_str("<section id=\"targets\">\n<h2>Targets and the posterior predictive</h2>\n");
    s.push_str(
        "<p>Each target beside the posterior predictive: simulations with parameters drawn \
         from the final posterior, so each draw counts equally (quantiles as in the run \
         report, type 7). Two-sided targets are met within ± their scale; one-sided ones on \
         the allowed side of the bound.</p>\n",
    );
    if view.targets.is_empty() {
        s.push_str("<p>No targets.</p>\n");
    } else {
        s.push_str("<div class=\"small\">\n");
        for t in 0..m {
            figure(s, &target_chart(view, t));
        }
        s.push_str("</div>\n");
        s.push_str(
            "<table>\n<tr><th>Target</th><th>value</th><th>scale</th><th class=\"text\">side</th>\
             <th>predictive median</th><th>5%–95%</th><th>draws meeting it</th>\
             <th>draws</th><th>accepted summaries, median</th></tr>\n",
        );
        for (t, target) in view.targets.iter().enumerate() {
            let draws = predictive_of(view, t);
            let (median, interval, share) = if draws.is_empty() {
                ("n/a".to_string(), "n/a".to_string(), "n/a".to_string())
            } else {
                let met = draws.iter().filter(|x| meets(target, **x)).count();
                (
                    num(quantile(&draws, 0.5)),
                    format!(
                        "{} to {}",
                        num(quantile(&draws, 0.05)),
                        num(quantile(&draws, 0.95))
                    ),
                    human(met as f64 / draws.len() as f64, Unit::Share),
                )
            };
            let accepted = last
                .and_then(|g| weighted_quantile(&pairs_of(g, |p| p.summaries.get(t).copied()), 0.5))
                .map_or("n/a".to_string(), num);
            let side = match target.side {
                Side::Two => "two-sided",
                Side::Above => "above",
                Side::Below => "below",
            };
            let _ = writeln!(
                s,
                "<tr><td class=\"text\">{} <code>{}</code></td><td>{}</td><td>{}</td>\
                 <td class=\"text\">{side}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td></tr>",
                esc(target_label(target)),
                esc(&target.name),
                esc(&num(target.value)),
                esc(&num(target.scale)),
                esc(&median),
                esc(&interval),
                esc(&share),
                grouped(draws.len() as u64),
                esc(&accepted),
            );
        }
        s.push_str("</table>\n");
        s.push_str(
            "<p>Accepted summaries: the final generation's own simulations (weighted), which \
             are within its tolerance by construction; the predictive draws are fresh \
             simulations.</p>\n",
        );
    }
    s.push_str("</section>\n");
}

/// 5. The final posterior's weighted quantiles, one row per parameter.
fn posterior_section(s: &mut String, view: &CalibrationView) {
    let k_all = view.parameters.len();
    let last = view.generations.last();
    s.push_str("<section id=\"posterior\">\n<h2>The final posterior</h2>\n");
    s.push_str(
        "<p>Weighted quantiles of the final generation (the smallest value whose running \
         weight reaches the level).</p>\n",
    );
    match last {
        Some(g) if k_all > 0 => {
            let _ = writeln!(
                s,
                "<p>{} particles, effective sample size {:.1}.</p>",
                grouped(g.particles.len() as u64),
                effective_size(weights(g).into_iter())
            );
            s.push_str(
                "<table>\n<tr><th>Parameter</th><th class=\"text\">prior</th><th>median</th>\
                 <th>5%–95%</th><th>25%–75%</th></tr>\n",
            );
            for (k, p) in view.parameters.iter().enumerate() {
                let c = weighted_points(column(g, k));
                let q = |p| weighted_quantile_sorted(&c, p).map_or("n/a".into(), num);
                let _ = writeln!(
                    s,
                    "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td>\
                     <td>{}</td><td>{}</td></tr>",
                    esc(&p.path),
                    esc(&p.prior),
                    esc(&q(0.5)),
                    esc(&format!("{} to {}", q(0.05), q(0.95))),
                    esc(&format!("{} to {}", q(0.25), q(0.75))),
                );
            }
            s.push_str("</table>\n");
        }
        _ => s.push_str("<p>No posterior.</p>\n"),
    }
    s.push_str("</section>\n");
}

/// A chart as a figure of the page (no link to a file: the calibration's page is its only
/// file).
fn figure(s: &mut String, c: &Chart) {
    let _ = writeln!(s, "<figure id=\"fig-{}\">{}</figure>", c.name, c.svg);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_strict_and_bands_inclusive() {
        let t = |side| TargetView {
            value: 10.0,
            scale: 2.0,
            side,
            ..TargetView::default()
        };
        assert!(meets(&t(Side::Two), 8.0) && meets(&t(Side::Two), 12.0));
        assert!(!meets(&t(Side::Two), 12.5) && !meets(&t(Side::Two), f64::NAN));
        assert!(!meets(&t(Side::Above), 10.0) && meets(&t(Side::Above), 10.5));
        assert!(!meets(&t(Side::Below), 10.0) && meets(&t(Side::Below), 9.5));
    }

    /// Two parameters (one with an escaping path), two targets (a two-sided one and a
    /// bound), three generations of six particles, eight predictive rows.
    fn synthetic() -> CalibrationView {
        let parameters = vec![
            ParameterView {
                path: "countries.GB.live_affinity.mean".into(),
                prior: "uniform(0.2, 0.6)".into(),
                prior_density: linspace(0.202, 0.598, 41).map(|x| (x, 2.5)).collect(),
            },
            ParameterView {
                path: "bass.<q> & \"p\"".into(),
                prior: "lognormal(median 5, sigma 0.3), group <west>".into(),
                prior_density: linspace(2.3, 10.8, 41)
                    .map(|x: f64| {
                        let z = (x.ln() - 5f64.ln()) / 0.3;
                        (
                            x,
                            (-0.5 * z * z).exp() / (x * 0.3 * (2.0 * std::f64::consts::PI).sqrt()),
                        )
                    })
                    .collect(),
            },
        ];
        let targets = vec![
            TargetView {
                name: "tiktok_gmv_2021".into(),
                label: "TikTok GMV <2021>".into(),
                value: 1.2e9,
                scale: 2e8,
                side: Side::Two,
            },
            TargetView {
                name: "adopters_share".into(),
                label: String::new(),
                value: 0.3,
                scale: 0.05,
                side: Side::Above,
            },
        ];
        let generations = (0..3)
            .map(|g| {
                let spread = 1.0 / (g + 1) as f64;
                GenerationView {
                    tolerance: if g == 0 {
                        f64::INFINITY
                    } else {
                        4.0 / g as f64
                    },
                    acceptance_rate: 1.0 / (g + 1) as f64,
                    ess: 6.0 - g as f64,
                    simulations: 6 * (g as u64 + 1),
                    seconds: 1.5 * (g + 1) as f64,
                    particles: (0..6)
                        .map(|i| {
                            let u = (i as f64 - 2.5) / 2.5;
                            ParticleView {
                                weight: 1.0 + i as f64,
                                theta: vec![0.4 + 0.15 * spread * u, 5.0 + 2.0 * spread * u],
                                summaries: vec![1.1e9 + 1e8 * u, 0.32 + 0.05 * u],
                                distance: 3.0 * spread * u.abs(),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        let predictive = (0..8)
            .map(|i| vec![1.0e9 + 5e7 * i as f64, 0.25 + 0.02 * i as f64])
            .collect();
        CalibrationView {
            title: "baseline calibrated to <targets-2021.toml>".into(),
            notes: vec![
                "stopped: tolerance reached".into(),
                "command: livemarket calibrate a&b.toml".into(),
            ],
            parameters,
            targets,
            generations,
            predictive,
            ..CalibrationView::default()
        }
    }

    /// Everything in the page that is not a number or a tag must not be "NaN" or "inf".
    fn assert_no_nan(html: &str) {
        for bad in ["NaN", "inf\"", "=\"inf", "-inf", ">inf"] {
            assert!(!html.contains(bad), "{bad} in the page");
        }
    }

    #[test]
    fn the_page_has_every_section_and_chart() {
        let view = synthetic();
        let html = render(&view);
        for heading in [
            "<h2>Generations</h2>",
            "<h2>Marginal densities by generation</h2>",
            "<h2>Pair plot of the final posterior</h2>",
            "<h2>Targets and the posterior predictive</h2>",
            "<h2>The final posterior</h2>",
        ] {
            assert!(html.contains(heading), "{heading}");
        }
        // Two marginals, one pair plot, two target charts.
        assert_eq!(html.matches("<svg ").count(), 5);
        assert_eq!(html.matches("<figure").count(), 5);
        // Each marginal: one curve per generation and the dashed prior, plus the key's
        // three segments (two of them solid, one dashed).
        let first = html.split("<figure").nth(1).unwrap();
        assert_eq!(first.matches("stroke-dasharray").count(), 2);
        assert_eq!(first.matches("fill=\"none\"").count(), 3 + 1 + 3);
        assert!(
            first.contains("data-points=\"18\""),
            "3 generations × 6 particles"
        );
        // The pair plot: two off-diagonal cells of 6 dots, two diagonals of 6 values.
        let pairs = html.split("<figure id=\"fig-pairs\">").nth(1).unwrap();
        let pairs = &pairs[..pairs.find("</figure>").unwrap()];
        assert!(pairs.contains("data-points=\"24\""));
        assert_eq!(pairs.matches("h0").count(), 12, "12 dots");
        // The generations' table: three rows and a total; the first tolerance infinite.
        let table = html.split("id=\"generations\"").nth(1).unwrap();
        let table = &table[..table.find("</table>").unwrap()];
        assert_eq!(table.matches("<tr>").count(), 1 + 3 + 1);
        assert!(table.contains("<tr><td>0</td><td>∞</td>"));
        // Targets: 8 draws each; the two-sided band and the one-sided shading.
        assert_eq!(html.matches("data-points=\"8\"").count(), 2);
        assert!(html.contains(">target 1.2 bn ± 200 m; predictive median"));
        assert!(html.contains(">target above 0.3; predictive median"));
        // Draws 0.25 + 0.02 i, i < 8: those above 0.3 are i = 3..7, 5 of 8.
        let share = human(5.0 / 8.0, Unit::Share);
        assert!(
            html.contains(&format!("<td>{share}</td>")),
            "share meeting the bound"
        );
        // Two-sided: 1.0 bn + 50 m i within 1.2 bn ± 200 m for i ≥ 0: all 8.
        assert!(html.contains("<td>100%</td>"));
        // The posterior table: both parameters, with their priors.
        assert!(html.contains("<td class=\"text\">uniform(0.2, 0.6)</td>"));
        assert_no_nan(&html);
        assert!(!html.contains("<script"));
        assert!(!html.contains("http"));
    }

    #[test]
    fn every_text_is_escaped() {
        let html = render(&synthetic());
        for raw in ["<targets-2021.toml>", "bass.<q>", "<west>", "<2021>", "a&b"] {
            assert!(!html.contains(raw), "{raw} unescaped");
        }
        assert!(html.contains("<title>baseline calibrated to &lt;targets-2021.toml&gt;</title>"));
        assert!(html.contains("bass.&lt;q&gt; &amp; &quot;p&quot;"));
        assert!(html.contains("group &lt;west&gt;"));
        assert!(html.contains("TikTok GMV &lt;2021&gt;"));
        assert!(html.contains("livemarket calibrate a&amp;b.toml"));
    }

    #[test]
    fn empty_and_broken_views_draw_what_there_is() {
        // Nothing at all.
        let html = render(&CalibrationView::default());
        assert!(html.contains("no generations") && html.contains("no uncertain parameters"));
        assert_eq!(html.matches("<svg ").count(), 0);
        assert_no_nan(&html);

        // One generation, no predictive rows, failed simulations in the summaries, a
        // particle without values, and weights that are all zero.
        let mut v = synthetic();
        v.generations.truncate(1);
        v.predictive.clear();
        for p in &mut v.generations[0].particles {
            p.weight = 0.0;
        }
        v.generations[0].particles[0].summaries = vec![f64::NAN, f64::NAN];
        v.generations[0].particles[1].theta = vec![f64::NAN];
        v.generations[0].particles[2].distance = f64::NAN;
        let html = render(&v);
        assert!(html.contains("There are no posterior predictive simulations"));
        assert!(html.contains("1 of the final generation&#39;s 6 particles have summaries"));
        assert!(html.contains("no particle has a positive weight"));
        assert!(html.contains("bass.&lt;q&gt; &amp; &quot;p&quot;: 1 of the final generation"));
        assert!(html.contains(">target 1.2 bn ± 200 m; no predictive draws<"));
        assert_eq!(html.matches("<svg ").count(), 5);
        assert_no_nan(&html);

        // Predictive rows that are short or hold failed simulations; a degenerate final
        // generation (one particle); more parameters than the pair plot shows.
        let mut v = synthetic();
        v.predictive[0] = vec![f64::NAN, f64::NAN];
        v.predictive[1] = vec![1.1e9];
        v.generations[2].particles.truncate(1);
        let base = v.parameters[0].clone();
        v.parameters = (0..10).map(|_| base.clone()).collect();
        let html = render(&v);
        assert!(html.contains("1 of 8 predictive rows have fewer values"));
        assert!(html.contains("Target tiktok_gmv_2021: 1 of 8 predictive draws are not numbers"));
        assert!(html.contains("Target adopters_share: 1 of 7 predictive draws"));
        assert!(html.contains("The pair plot shows the first 8 of the 10 parameters"));
        assert!(html.contains("final: all weight on one value"));
        // 10 marginals, one pair plot, two targets.
        assert_eq!(html.matches("<svg ").count(), 13);
        assert_no_nan(&html);
    }

    #[test]
    fn write_puts_the_whole_page_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        write(&path, &synthetic()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, render(&synthetic()));
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
        // A folder that does not exist is an error, not a panic.
        assert!(write(&dir.path().join("no/report.html"), &synthetic()).is_err());
    }
}
