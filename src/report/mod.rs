//! `livemarket report`: pictures of a run for a person to look at (also `run --report`,
//! `compare --report`): one self-contained HTML page of hand-written SVG charts, each chart
//! also as its own `.svg` file for slides, and (`--xlsx`) the tables as an Excel workbook
//! with native charts.
//!
//! Reading is in `read` (through [`crate::results`]), the SVG primitives in `svg`
//! (numbers: [`mod@crate::format`]), the chart kinds in `charts`, the pages in `page` (a
//! run: its opening section in `story`, its uncertain parameters in `factors`) and
//! `comparison`, the workbook in `xlsx`.

pub mod calibration;
mod charts;
mod comparison;
mod factors;
mod html;
mod page;
mod read;
mod story;
mod svg;
mod weekly;
mod xlsx;

use crate::compare::Comparison;
use crate::results::ResultDir;
use crate::results::{REPORT_DIR, write_atomically};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `report` writes.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// `report.html` and the SVG files.
    pub html: bool,
    /// `report.xlsx`.
    pub xlsx: bool,
    /// The sweep point whose weekly series, events and totals are drawn (None: point 0).
    pub point: Option<usize>,
}

/// Files written, with their sizes in bytes.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub html: Option<(PathBuf, u64)>,
    /// Charts drawn (each also an SVG file).
    pub charts: usize,
    pub svg_dir: Option<PathBuf>,
    pub xlsx: Option<(PathBuf, u64)>,
}

impl std::fmt::Display for Written {
    /// `report.html (1.2 MB, 57 charts, each also in DIR/report/), report.xlsx (300 kB)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some((p, n)) = &self.html {
            parts.push(format!(
                "{} ({}, {} charts, each also in {})",
                p.display(),
                size(*n),
                self.charts,
                self.svg_dir.as_deref().unwrap_or(Path::new("")).display()
            ));
        }
        if let Some((p, n)) = &self.xlsx {
            parts.push(format!("{} ({})", p.display(), size(*n)));
        }
        f.write_str(&parts.join("; "))
    }
}

fn size(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else {
        format!("{} kB", bytes.div_ceil(1000))
    }
}

/// Writes the report of the result folder `dir` into it: `report.html` and `report/*.svg`,
/// and with `xlsx`, `report.xlsx`.
pub fn write(dir: &Path, opts: &ReportOptions) -> Result<Written> {
    let folder = read::folder(dir, opts.point)?;
    // Everything read and built before the first file is written: a folder that cannot be
    // read keeps its old report whole.
    let workbook = if opts.xlsx {
        Some(xlsx::build(&folder, &ResultDir::new(dir).report_xlsx())?)
    } else {
        None
    };
    let mut written = Written::default();
    if opts.html {
        let page = page::build(&folder);
        let (bytes, charts) = write_page(&page, &ResultDir::new(dir).report_html(), REPORT_DIR)?;
        crate::results::record_output(&ResultDir::new(dir).report_html())?;
        written.html = Some((ResultDir::new(dir).report_html(), bytes));
        written.charts = charts;
        written.svg_dir = Some(ResultDir::new(dir).report_dir());
    }
    if let Some(bytes) = workbook {
        let path = ResultDir::new(dir).report_xlsx();
        write_atomically(&path, |w| Ok(w.write_all(&bytes)?))?;
        crate::results::record_output(&path)?;
        written.xlsx = Some((path, bytes.len() as u64));
    }
    Ok(written)
}

/// Writes `compare.xlsx` (`xlsx`) from the comparison's table `csv`; returns its size.
pub fn write_comparison_xlsx(
    csv: &Path,
    xlsx: &Path,
    a: &str,
    b: &str,
    command: &str,
) -> Result<u64> {
    xlsx::write_comparison(csv, xlsx, a, b, command)
}

/// Writes the picture of a comparison to `html` (beside compare.csv) and its charts to the
/// folder of the same name without the extension.
pub fn write_comparison(c: &Comparison, a: &str, b: Option<&str>, html: &Path) -> Result<Written> {
    let page = comparison::build(c, a, b);
    let stem = html
        .file_stem()
        .map_or("compare".into(), |s| s.to_string_lossy().to_string());
    let (bytes, charts) = write_page(&page, html, &stem)?;
    Ok(Written {
        html: Some((html.to_path_buf(), bytes)),
        charts,
        svg_dir: Some(html.with_file_name(&stem)),
        xlsx: None,
    })
}

pub use crate::results::CHART_INDEX;

/// Writes the page to `path` and each chart to `<folder of path>/<svg_dir>/<name>.svg`
/// (removing the charts that the last page written there drew and this one no longer has,
/// as its [`CHART_INDEX`] lists them); returns the page's size and the number of charts.
fn write_page(page: &html::Page, path: &Path, svg_dir: &str) -> Result<(u64, usize)> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(svg_dir);
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    // Held open: every chart goes into this folder, even if a link replaces its name.
    let dir = crate::results::files::create_subfolder(&dir)?;
    let index = dir.join(CHART_INDEX);
    // A folder an older livemarket wrote has no index: nothing in it is removed.
    let drawn_before = std::fs::read_to_string(&index).unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    for chart in page.charts() {
        let name = format!("{}.svg", chart.name);
        debug_assert!(!names.contains(&chart.name), "{} twice", chart.name);
        names.push(chart.name.clone());
        write_atomically(&dir.join(&name), |w| {
            Ok(w.write_all(chart.standalone().as_bytes())?)
        })
        .with_context(|| format!("cannot write {}", dir.shown(&name).display()))?;
    }
    for old in drawn_before.lines() {
        // A name is one chart's (no separators); a listed file that is now a link or gone
        // is left alone.
        if names.iter().any(|n| n == old) || old.contains(['/', '\\']) || old.is_empty() {
            continue;
        }
        let name = format!("{old}.svg");
        let p = dir.join(&name);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_file()) {
            std::fs::remove_file(&p).with_context(|| {
                format!("cannot remove the old chart {}", dir.shown(&name).display())
            })?;
        }
    }
    write_atomically(&index, |w| {
        for n in &names {
            writeln!(w, "{n}")?;
        }
        Ok(())
    })?;
    let text = page.render(svg_dir);
    write_atomically(path, |w| Ok(w.write_all(text.as_bytes())?))?;
    Ok((text.len() as u64, names.len()))
}

/// `livemarket report DIR`: the page (and with `xlsx` the workbook) of a run's folder, under
/// its read lock; a calibration's folder is refused.
pub fn command(dir: &Path, xlsx: bool, point: Option<usize>, quiet: bool) -> Result<()> {
    crate::results::files::refuse_as_run_folder(dir)?;
    let _lock = crate::lock::hold(dir, crate::lock::Access::Read)?;
    write_and_say(dir, true, xlsx, point, quiet)
}

/// `report DIR`, `run --report` and `run --xlsx`: the report page and/or the workbook, and
/// a line saying what was written.
pub fn write_and_say(
    dir: &Path,
    html: bool,
    xlsx: bool,
    point: Option<usize>,
    quiet: bool,
) -> Result<()> {
    if !html && !xlsx {
        return Ok(());
    }
    let w = write(dir, &ReportOptions { html, xlsx, point })?;
    if !quiet {
        println!("report: {w}");
    }
    Ok(())
}

/// `compare --xlsx` and `compare --report`: the workbook and the page of a comparison
/// `compare` has written, beside its table.
pub fn comparison_files(
    compared: &crate::compare::Compared,
    c: &crate::compare::Command,
    xlsx: bool,
    html: bool,
) -> Result<()> {
    let out = &compared.out;
    if xlsx {
        let path = out.with_extension("xlsx");
        let b = c.b.clone().unwrap_or_else(|| format!("{}#0", c.a));
        let command = std::env::args().collect::<Vec<_>>().join(" ");
        let bytes = write_comparison_xlsx(out, &path, &c.a, &b, &command)?;
        crate::results::record_output(&path)?;
        if !c.quiet {
            println!("workbook: {} ({bytes} bytes)", path.display());
        }
    }
    if html {
        let path = out.with_extension("html");
        let w = write_comparison(&compared.comparison, &c.a, c.b.as_deref(), &path)?;
        if !c.quiet {
            println!("report: {w}");
        }
    }
    Ok(())
}
