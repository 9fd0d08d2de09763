//! A small hand-written SVG builder: shapes and text, a plot frame with linear scales, value
//! and time axes, titles and legends. Charts carry their own presentation attributes (no
//! stylesheet, no `url(...)` references), so the same markup works inline in HTML and as a
//! standalone file.

use crate::format::{Unit, nice_ticks, tick_labels};
use chrono::{Datelike, NaiveDate};
use std::fmt::Write;

/// The system font stack: nothing is fetched.
const FONT: &str = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif";
pub const INK: &str = "#222";
pub const MUTED: &str = "#666";
pub const GRID: &str = "#e3e3e3";

/// One finished chart: its file name stem and markup.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File name without `.svg`, unique within a report.
    pub name: String,
    /// Inline markup (no namespace: HTML5 supplies it).
    pub svg: String,
    /// Data values drawn, also in the `data-points` attribute; the tests count them.
    #[cfg_attr(not(test), allow(dead_code))]
    pub points: usize,
}

impl Chart {
    /// The markup of a standalone `.svg` file.
    pub fn standalone(&self) -> String {
        let ns = concat!("xmlns=\"http:", "//www.w3.org/2000/svg\"");
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg {ns}{}\n",
            &self.svg["<svg".len()..]
        )
    }
}

/// Markup being drawn on a canvas of `w` × `h` pixels.
pub struct Svg {
    pub w: f64,
    pub h: f64,
    body: String,
    points: usize,
}

/// Coordinates to one decimal: enough for a screen, and small files.
fn n(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map_or(s.clone(), String::from)
}

impl Svg {
    pub fn new(w: f64, h: f64) -> Svg {
        Svg {
            w,
            h,
            body: String::new(),
            points: 0,
        }
    }

    /// Counts data values drawn (for `data-points`).
    pub fn count(&mut self, values: usize) {
        self.points += values;
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, width: f64) {
        let _ = write!(
            self.body,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>",
            n(x1),
            n(y1),
            n(x2),
            n(y2)
        );
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, opacity: f64) {
        let _ = write!(
            self.body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"{}/>",
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0)),
            opacity_attr(opacity)
        );
    }

    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, fill: &str, opacity: f64) {
        let _ = write!(
            self.body,
            "<circle cx=\"{}\" cy=\"{}\" r=\"{r}\" fill=\"{fill}\"{}/>",
            n(cx),
            n(cy),
            opacity_attr(opacity)
        );
    }

    /// Round dots of diameter `d` at `xy`, as one path of zero-length round-capped strokes
    /// (a dot costs about 14 bytes instead of 70 as a circle).
    pub fn dots(&mut self, xy: &[(f64, f64)], d: f64, colour: &str, opacity: f64) {
        if xy.is_empty() {
            return;
        }
        let mut path = String::with_capacity(14 * xy.len());
        for (x, y) in xy {
            let _ = write!(path, "M{} {}h0", n(*x), n(*y));
        }
        let _ = write!(
            self.body,
            "<path d=\"{path}\" stroke=\"{colour}\" stroke-width=\"{d}\" stroke-linecap=\"round\" stroke-opacity=\"{opacity}\"/>"
        );
    }

    /// A polyline through `xy` (stroke only).
    pub fn polyline(&mut self, xy: &[(f64, f64)], stroke: &str, width: f64) {
        self.stroked(xy, stroke, width, "");
    }

    /// A dashed polyline through `xy`: a reference curve (a prior) that must not be read as
    /// one of the data's own curves.
    pub fn dashed(&mut self, xy: &[(f64, f64)], stroke: &str, width: f64) {
        self.stroked(xy, stroke, width, " stroke-dasharray=\"5 4\"");
    }

    fn stroked(&mut self, xy: &[(f64, f64)], stroke: &str, width: f64, extra: &str) {
        if xy.is_empty() {
            return;
        }
        let d: Vec<String> = xy
            .iter()
            .enumerate()
            .map(|(i, (x, y))| format!("{}{},{}", if i == 0 { "M" } else { "L" }, n(*x), n(*y)))
            .collect();
        let _ = write!(
            self.body,
            "<path d=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{width}\" stroke-linejoin=\"round\"{extra}/>",
            d.join("")
        );
    }

    /// A filled band between `upper` and `lower` (same x values).
    pub fn band(&mut self, upper: &[(f64, f64)], lower: &[(f64, f64)], fill: &str, opacity: f64) {
        if upper.is_empty() {
            return;
        }
        let mut d = String::new();
        for (i, (x, y)) in upper.iter().chain(lower.iter().rev()).enumerate() {
            let _ = write!(d, "{}{},{}", if i == 0 { "M" } else { "L" }, n(*x), n(*y));
        }
        let _ = write!(
            self.body,
            "<path d=\"{d}Z\" fill=\"{fill}\"{}/>",
            opacity_attr(opacity)
        );
    }

    /// Text at (x, y); `anchor` is start, middle or end.
    pub fn text(&mut self, x: f64, y: f64, text: &str, anchor: &str, size: f64, fill: &str) {
        let _ = write!(
            self.body,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" font-size=\"{size}\" fill=\"{fill}\">{}</text>",
            n(x),
            n(y),
            esc(text)
        );
    }

    /// Bold text.
    pub fn heading(&mut self, x: f64, y: f64, text: &str, size: f64) {
        let _ = write!(
            self.body,
            "<text x=\"{}\" y=\"{}\" font-size=\"{size}\" font-weight=\"600\" fill=\"{INK}\">{}</text>",
            n(x),
            n(y),
            esc(text)
        );
    }

    /// Text turned 90° anticlockwise, centred on (x, y).
    pub fn vertical_text(&mut self, x: f64, y: f64, text: &str, size: f64) {
        let _ = write!(
            self.body,
            "<text transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\" font-size=\"{size}\" fill=\"{MUTED}\">{}</text>",
            n(x),
            n(y),
            esc(text)
        );
    }

    /// Title and an optional subtitle in the top left corner.
    pub fn title(&mut self, title: &str, subtitle: &str) {
        self.heading(12.0, 20.0, title, 14.0);
        if !subtitle.is_empty() {
            self.text(12.0, 37.0, subtitle, "start", 11.0, MUTED);
        }
    }

    /// Legend entries from (x, y), left to right, wrapping onto a new line at the right
    /// edge; returns the y of the last line.
    pub fn legend(&mut self, x0: f64, y0: f64, items: &[(String, String, Key)]) -> f64 {
        let (mut x, mut y) = (x0, y0);
        for (label, colour, key) in items {
            let width = legend_width(label);
            if x > x0 && x + width > self.w - 8.0 {
                x = x0;
                y += 16.0;
            }
            match key {
                Key::Line => self.line(x, y - 4.0, x + 18.0, y - 4.0, colour, 2.0),
                Key::Band(o) => self.rect(x, y - 9.0, 18.0, 10.0, colour, *o),
                Key::Dot => self.circle(x + 9.0, y - 4.0, 3.5, colour, 0.8),
            }
            self.text(x + 23.0, y, label, "start", 11.0, INK);
            x += width;
        }
        y
    }

    pub fn finish(self, name: String, title: &str) -> Chart {
        let svg = format!(
            "<svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{t}\" data-points=\"{p}\" font-family=\"{FONT}\" font-size=\"11\"><rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>{body}</svg>",
            w = n(self.w),
            h = n(self.h),
            t = esc(title),
            p = self.points,
            body = self.body
        );
        Chart {
            name,
            svg,
            points: self.points,
        }
    }
}

/// Width of a legend entry: key, gap, label (estimated at 6.2 px a character), space.
pub fn legend_width(label: &str) -> f64 {
    23.0 + 6.2 * label.chars().count() as f64 + 16.0
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    Line,
    /// A filled swatch with this opacity.
    Band(f64),
    Dot,
}

fn opacity_attr(o: f64) -> String {
    if o >= 1.0 {
        String::new()
    } else {
        format!(" fill-opacity=\"{o}\"")
    }
}

/// A linear map from data [d0, d1] to pixels [r0, r1].
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Scale {
    pub fn at(&self, v: f64) -> f64 {
        if self.d1 == self.d0 {
            return (self.r0 + self.r1) / 2.0;
        }
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// The plot area of a chart, in pixels.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

/// Ticks covering the data [lo, hi] (0 included when `with_zero`).
pub fn value_ticks(lo: f64, hi: f64, with_zero: bool, target: usize) -> Vec<f64> {
    let (lo, hi) = if with_zero {
        (lo.min(0.0), hi.max(0.0))
    } else {
        (lo, hi)
    };
    nice_ticks(lo, hi, target)
}

impl Frame {
    /// A vertical value axis on the left: grid lines, tick labels, and the axis name.
    pub fn y_axis(&self, svg: &mut Svg, ticks: &[f64], unit: Unit, name: &str) -> Scale {
        let scale = Scale {
            d0: ticks[0],
            d1: *ticks.last().unwrap_or(&1.0),
            r0: self.bottom,
            r1: self.top,
        };
        for (t, label) in ticks.iter().zip(tick_labels(ticks, unit)) {
            let y = scale.at(*t);
            let colour = if *t == 0.0 { "#bbb" } else { GRID };
            svg.line(self.left, y, self.right, y, colour, 1.0);
            svg.text(self.left - 6.0, y + 4.0, &label, "end", 11.0, MUTED);
        }
        if !name.is_empty() {
            svg.vertical_text(14.0, (self.top + self.bottom) / 2.0, name, 11.0);
        }
        scale
    }

    /// A horizontal value axis at the bottom: vertical grid lines and tick labels.
    pub fn x_values(&self, svg: &mut Svg, ticks: &[f64], unit: Unit, name: &str) -> Scale {
        let scale = Scale {
            d0: ticks[0],
            d1: *ticks.last().unwrap_or(&1.0),
            r0: self.left,
            r1: self.right,
        };
        for (t, label) in ticks.iter().zip(tick_labels(ticks, unit)) {
            let x = scale.at(*t);
            let colour = if *t == 0.0 { "#999" } else { GRID };
            svg.line(x, self.top, x, self.bottom, colour, 1.0);
            svg.text(x, self.bottom + 15.0, &label, "middle", 11.0, MUTED);
        }
        if !name.is_empty() {
            svg.text(
                (self.left + self.right) / 2.0,
                self.bottom + 31.0,
                name,
                "middle",
                11.0,
                MUTED,
            );
        }
        scale
    }

    /// A time axis at the bottom for weekly dates: ticks at quarter starts (months for short
    /// runs, years for long ones), the year written under January and the first tick.
    pub fn x_time(&self, svg: &mut Svg, dates: &[NaiveDate]) -> Scale {
        let scale = Scale {
            d0: 0.0,
            d1: dates.len().saturating_sub(1).max(1) as f64,
            r0: self.left,
            r1: self.right,
        };
        let every = match dates.len() {
            0..=30 => 1,
            31..=160 => 3,
            161..=320 => 6,
            _ => 12,
        };
        let mut first = true;
        for (i, d) in dates.iter().enumerate() {
            let new_month = i == 0 || dates[i - 1].month() != d.month();
            if !new_month || (d.month0() % every) != 0 || i == 0 && d.day() > 7 {
                continue;
            }
            let x = scale.at(i as f64);
            svg.line(x, self.bottom, x, self.bottom + 4.0, "#999", 1.0);
            svg.line(x, self.top, x, self.bottom, GRID, 1.0);
            let label = if every == 12 {
                d.year().to_string()
            } else {
                d.format("%b").to_string()
            };
            svg.text(x, self.bottom + 15.0, &label, "middle", 11.0, MUTED);
            if every < 12 && (first || d.month() == 1) {
                svg.text(
                    x,
                    self.bottom + 28.0,
                    &d.year().to_string(),
                    "middle",
                    11.0,
                    MUTED,
                );
            }
            first = false;
        }
        svg.line(self.left, self.bottom, self.right, self.bottom, "#999", 1.0);
        scale
    }
}

/// Text for SVG and HTML: `&`, `<`, `>` and quotes escaped.
pub fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_counts_its_points_and_has_no_namespace_inline() {
        let mut s = Svg::new(100.0, 50.0);
        s.count(3);
        s.text(1.0, 2.0, "a < b", "start", 11.0, INK);
        let c = s.finish("x".into(), "T & U");
        assert!(c.svg.starts_with("<svg viewBox=\"0 0 100 50\""));
        assert!(c.svg.contains("data-points=\"3\""));
        assert!(c.svg.contains("a &lt; b") && c.svg.contains("T &amp; U"));
        assert!(!c.svg.contains("xmlns"));
        assert!(c.standalone().contains("<svg xmlns="));
    }

    #[test]
    fn time_ticks_fall_on_quarter_starts() {
        let start = NaiveDate::from_ymd_opt(2021, 1, 4).unwrap();
        let dates: Vec<NaiveDate> = (0..104).map(|w| start + chrono::Days::new(7 * w)).collect();
        let mut s = Svg::new(400.0, 200.0);
        let f = Frame {
            left: 40.0,
            top: 10.0,
            right: 390.0,
            bottom: 170.0,
        };
        f.x_time(&mut s, &dates);
        let c = s.finish("t".into(), "t");
        for label in [">Jan<", ">Apr<", ">Jul<", ">Oct<", ">2021<", ">2022<"] {
            assert!(c.svg.contains(label), "{label}");
        }
        assert!(!c.svg.contains(">Feb<"));
    }
}
