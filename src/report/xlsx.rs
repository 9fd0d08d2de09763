//! `report.xlsx`: the result tables as an Excel workbook (rust_xlsxwriter), numbers as
//! numbers and dates as dates, a frozen and filtered header row, and a first sheet of native
//! Excel charts with the small tables they plot.
//!
//! Sheets: `charts`; `run` (the manifest, for a reader who has only the workbook);
//! `summary`, `weekly` (every point), `points` (a sweep) and `trials`, each its CSV file with
//! number formats by unit. A table beyond Excel's 1,048,576 rows is cut there, and the charts
//! sheet says so. `compare --xlsx` writes `compare.xlsx` ([`write_comparison`]). Seeds are
//! numbers: they have at most 15 digits, which a spreadsheet holds exactly (an older folder's
//! 20-digit seeds stay text).

use super::read::Folder;
use super::weekly::WEEKLY_CHARTS;
use crate::format::Unit;
use crate::model::Metric;
use crate::results::{ALL_COUNTRIES, measures};
use crate::results::{ResultDir, write_atomically};
use crate::stats::quantile;
use anyhow::{Context, Result};
use rust_xlsxwriter::{
    Chart, ChartAxisDateUnitType, ChartErrorBars, ChartErrorBarsType, ChartRange, ChartType,
    ExcelDateTime, Format, FormatBorder, Workbook, Worksheet,
};
use std::io::Write;
use std::path::Path;

/// Excel's last row index (0-based), the header included.
const MAX_ROW: u32 = 1_048_575;
/// Seeds from 10^15 up (an older livemarket's) are not held exactly by a number cell (Excel
/// keeps 15 significant digits): they stay text.
const SEED_LIMIT: f64 = 1e15;
/// Markets whose weekly GMV gets a line chart, and markets a sweep's table and charts show.
const TOP_MARKETS: usize = 4;
/// The charts sheet's charts start here, right of its tables (the sweep's point and values,
/// or the date, and three columns per market), so they never cover the numbers they plot.
const CHART_COLUMN: u16 = 2 + 3 * TOP_MARKETS as u16 + 1;
/// Rows a chart of 320 pixels covers, and a gap.
const CHART_ROWS: u32 = 17;
/// Whole dollars: the charts sheet's tables are quantiles of totals in the millions, whose
/// cents are noise.
const WHOLE_USD_FORMAT: &str = "$#,##0";

/// Columns that hold text.
fn is_text(name: &str) -> bool {
    matches!(name, "country" | "platform" | "metric" | "scope")
}

fn is_date(name: &str) -> bool {
    name == "date" || name.ends_with("_date")
}

/// Columns of statistics, in the unit of their row's metric.
const STATISTICS: [&str; 15] = [
    "mean", "sd", "min", "p05", "p25", "p50", "p75", "p95", "max", "mean_a", "mean_b", "diff",
    "diff_lo", "diff_hi", "value",
];

/// Spreadsheet formats of US dollars, counts and shares: what a reader expects, while the
/// cell holds the value the CSV file writes.
const USD_FORMAT: &str = "$#,##0.00";

struct Formats {
    usd: Format,
    count: Format,
    share: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            usd: Format::new().set_num_format(USD_FORMAT),
            count: Format::new().set_num_format("#,##0"),
            share: Format::new().set_num_format("0.0%"),
        }
    }

    fn of(&self, unit: Unit) -> Option<&Format> {
        match unit {
            Unit::Usd => Some(&self.usd),
            Unit::Count => Some(&self.count),
            Unit::Share => Some(&self.share),
            Unit::Plain => None,
        }
    }
}

/// The unit of a measure (`gmv_usd`, `users_end`) or weekly metric (`users`) by name.
fn unit_of(name: &str) -> Option<Unit> {
    measures::find(name).map(|m| m.unit).or_else(|| {
        Metric::ALL
            .iter()
            .position(|m| m.name() == name)
            .map(|k| measures::MEASURES[k].unit)
    })
}

/// The workbook of `f` (to be written to `path`), built in memory so a folder it cannot
/// read leaves no file changed.
pub fn build(f: &Folder, path: &Path) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color("#EEEEEE")
        .set_border_bottom(FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut notes = Vec::new();
    // The answer first: the headline (per market, and per point of a sweep) is the sheet a
    // workbook opens on, when the run wrote one.
    let headline = ResultDir::new(&f.dir).headline_csv();
    if headline.is_file() {
        let ws = wb.add_worksheet();
        ws.set_name("headline")?;
        copy_csv(ws, &headline, &|_| true, &header, &date)?;
        ws.set_freeze_panes(1, 0)?;
        // Shown rounded (the cells keep every digit): quantiles to whole units, shares as
        // percentages.
        let whole = Format::new().set_num_format("#,##0");
        let percent = Format::new().set_num_format("0%");
        let (mut rdr, _) = crate::format::Dialect::reader(&headline)
            .with_context(|| format!("cannot read {}", headline.display()))?;
        for (c, name) in rdr.headers()?.iter().enumerate() {
            let c = c as u16;
            if matches!(name, "p05" | "p50" | "p95" | "mean") {
                ws.set_column_format(c, &whole)?;
            } else if name.ends_with("_share") {
                ws.set_column_format(c, &percent)?;
            }
        }
        notes.push(
            "The `headline` sheet is the run's answer (headline.csv): per market, the median \
             and 90% range over trials and the shares of trials opened, cancelled and \
             withdrawn."
                .to_string(),
        );
    }
    let sheet = wb.add_worksheet();
    sheet.set_name("charts")?;
    run_sheet(wb.add_worksheet(), f, &header)?;
    let sweep = f.results.is_sweep();
    // The other sheets first, so the charts sheet can say what was cut.
    let mut tables = vec!["summary", "weekly"];
    if sweep {
        tables.push("points");
    }
    tables.push("trials");
    for name in tables {
        let file = f.dir.join(format!("{name}.csv"));
        if !file.is_file() {
            notes.push(format!("{} not found: no `{name}` sheet.", file.display()));
            continue;
        }
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name(name)?;
        let (rows, cut) = copy_csv(ws, &file, &|_| true, &header, &date)?;
        if cut {
            notes.push(format!(
                "The `{name}` sheet stops at Excel's last row; {} has all {rows} rows.",
                file.display()
            ));
        }
    }
    if sweep {
        notes.push(format!(
            "First the sweep: total GMV at each of its {} points, for the markets it is about. \
             The total-GMV and weekly charts below show point {} (`livemarket report --xlsx \
             --point K` draws another); the `weekly` sheet has every point: filter its \
             `point` column.",
            f.results.points.len(),
            f.point,
        ));
    }
    notes.push(
        "The tables on this sheet are quantiles across trials, rounded to whole dollars. The \
         other sheets hold every number as its CSV file writes it; seeds are exact (at most \
         15 digits)."
            .to_string(),
    );
    let sheet = wb.worksheet_from_name("charts")?;
    charts_sheet(sheet, f, &notes, &header)?;
    wb.save_to_buffer()
        .with_context(|| format!("cannot build {}", path.display()))
}

/// The `run` sheet: what was run, from the folder's manifest, one field a row.
fn run_sheet(ws: &mut Worksheet, f: &Folder, header: &Format) -> Result<()> {
    ws.set_name("run")?;
    let m = &f.manifest;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let number = |v: Option<u64>| v.map_or(String::new(), |n| n.to_string());
    let command = m.command_line.join(" ");
    let sweep = f.results.is_sweep().then(|| {
        format!(
            "{} points: {}",
            f.results.points.len(),
            f.results.columns.join(", ")
        )
    });
    let rows: Vec<(&str, String)> = vec![
        ("scenario", text(&m.scenario_name)),
        ("scenario file", text(&m.scenario_file)),
        ("scenario SHA-256", text(&m.scenario_sha256)),
        ("livemarket version", text(&m.version)),
        ("seed", number(m.seed)),
        ("first trial", number(m.first_trial)),
        ("trials (at each point)", number(m.trials)),
        ("trials done", number(m.trials_done)),
        ("sweep", sweep.unwrap_or_else(|| "none".to_string())),
        ("command", command),
        ("started (UTC)", text(&m.started)),
        ("finished (UTC)", text(&m.finished)),
        ("status", m.status.map_or(String::new(), |s| s.to_string())),
        ("folder", f.dir.display().to_string()),
    ];
    ws.write_string_with_format(0, 0, "field", header)?;
    ws.write_string_with_format(0, 1, "value", header)?;
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (i, (field, value)) in rows.iter().enumerate() {
        let r = 1 + i as u32;
        ws.write_string(r, 0, *field)?;
        // Numbers as numbers (seeds have at most 15 digits), times as date-times.
        if let Ok(n) = value.parse::<u64>()
            && (n as f64) < SEED_LIMIT
        {
            ws.write_number(r, 1, n as f64)?;
        } else if field.ends_with("(UTC)")
            && let Ok(t) = ExcelDateTime::parse_from_str(value.trim_end_matches('Z'))
        {
            ws.write_datetime_with_format(r, 1, &t, &when)?;
        } else {
            ws.write_string(r, 1, value)?;
        }
    }
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 80)?;
    Ok(())
}

/// Writes `compare.xlsx` beside `compare.csv`: the table as a `compare` sheet of numbers in
/// the formats of their measures, and an `about` sheet naming A and B and the command.
pub fn write_comparison(csv: &Path, path: &Path, a: &str, b: &str, command: &str) -> Result<u64> {
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color("#EEEEEE")
        .set_border_bottom(FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name("compare")?;
    let (rows, cut) = copy_csv(ws, csv, &|_| true, &header, &date)?;
    let about = wb.add_worksheet();
    about.set_name("about")?;
    let mut lines = vec![
        ("A", a.to_string()),
        ("B", b.to_string()),
        ("command", command.to_string()),
        (
            "columns",
            "mean_a, mean_b: means over trials; diff = mean_a − mean_b with its 95% interval \
             (diff_lo, diff_hi; paired t when trials share seeds, else bootstrap); p_a_gt_b: \
             P(a trial of A exceeds one of B); ks: Kolmogorov-Smirnov distance"
                .to_string(),
        ),
    ];
    if cut {
        lines.push((
            "note",
            format!(
                "The `compare` sheet stops at the last row a sheet holds; {} has all {rows} rows.",
                csv.display()
            ),
        ));
    }
    for (i, (k, v)) in lines.iter().enumerate() {
        about.write_string_with_format(i as u32, 0, *k, &header)?;
        about.write_string(i as u32, 1, v)?;
    }
    about.set_column_width(0, 12)?;
    about.set_column_width(1, 100)?;
    let bytes = wb
        .save_to_buffer()
        .with_context(|| format!("cannot build {}", path.display()))?;
    write_atomically(path, |w| Ok(w.write_all(&bytes)?))?;
    Ok(bytes.len() as u64)
}

/// Copies the rows of a CSV file that `keep` accepts; returns the rows kept and whether the
/// sheet had to stop at Excel's last row.
fn copy_csv(
    ws: &mut Worksheet,
    path: &Path,
    keep: &dyn Fn(&csv::StringRecord) -> bool,
    header: &Format,
    date: &Format,
) -> Result<(u64, bool)> {
    let (mut rdr, dialect) = crate::format::Dialect::reader(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let names: Vec<String> = rdr
        .headers()
        .with_context(|| format!("cannot read {}", path.display()))?
        .iter()
        .map(String::from)
        .collect();
    let mut width: Vec<usize> = names.iter().map(|n| n.len()).collect();
    // A measure's column (trials) has its unit; a statistic's (summary, weekly) that of the
    // row's metric.
    let metric_col = names.iter().position(|n| n == "metric");
    let country_col = names.iter().position(|n| n == "country");
    let formats = Formats::new();
    for (c, n) in names.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, n, header)?;
    }
    let (mut row, mut kept, mut cut) = (0u32, 0u64, false);
    for (line, record) in rdr.records().enumerate() {
        let record =
            record.with_context(|| format!("cannot read {}:{}", path.display(), line + 2))?;
        if !keep(&record) {
            continue;
        }
        kept += 1;
        if row == MAX_ROW {
            cut = true;
            continue;
        }
        row += 1;
        for (c, cell) in record.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let col = c as u16;
            let name = names.get(c).map_or("", String::as_str);
            // Excel shows a number in General format in at most 11 characters.
            let shown = if is_text(name) {
                cell.chars().count()
            } else {
                cell.len().min(12)
            };
            if row < 500
                && let Some(w) = width.get_mut(c)
            {
                *w = (*w).max(shown);
            }
            if is_date(name)
                && let Ok(d) = ExcelDateTime::parse_from_str(cell)
            {
                ws.write_datetime_with_format(row, col, &d, date)?;
            } else if !is_text(name)
                && let Some(x) = dialect.parse(cell)
                && (name != "seed" || x < SEED_LIMIT)
            {
                let unit = unit_of(name).or_else(|| {
                    STATISTICS
                        .contains(&name)
                        .then(|| metric_col.and_then(|m| unit_of(record.get(m)?)))
                        .flatten()
                });
                // A share summed over countries (live_open_end of an ALL row) counts
                // markets: not a percentage.
                let all = country_col.and_then(|c| record.get(c)) == Some(ALL_COUNTRIES);
                let unit = unit.filter(|u| !(all && *u == Unit::Share));
                match unit.and_then(|u| formats.of(u)) {
                    Some(f) => ws.write_number_with_format(row, col, x, f)?,
                    None => ws.write_number(row, col, x)?,
                };
            } else {
                ws.write_string(row, col, cell)?;
            }
        }
    }
    for (c, w) in width.iter().enumerate() {
        ws.set_column_width(c as u16, (*w as f64 + 2.0).clamp(6.0, 40.0))?;
    }
    ws.set_freeze_panes(1, 0)?;
    if !names.is_empty() {
        ws.autofilter(0, 0, row, names.len() as u16 - 1)?;
    }
    Ok((kept, cut))
}

/// The p05, p50 and p95 of total GMV of series `s` at point `k`, rounded to whole dollars;
/// None when the point lacks the series or it has no GMV column.
fn gmv_quantiles(f: &Folder, k: usize, s: usize) -> Option<(f64, f64, f64)> {
    let m = f.metric(crate::results::measures::of(Metric::GmvUsd))?;
    let trials = f.results.points[k].trials.get(s)?;
    let mut v: Vec<f64> = trials.values().filter_map(|(_, v)| v[m]).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let q = |x| quantile(&v, x).round();
    Some((q(0.05), q(0.5), q(0.95)))
}

/// Total GMV of each market with some: (label, p05, p50, p95), in file order.
fn gmv_totals(f: &Folder) -> Vec<(String, f64, f64, f64)> {
    let p = &f.results.points[f.point];
    p.series
        .iter()
        .enumerate()
        .filter_map(|(s, (c, pl))| {
            let (p05, p50, p95) = gmv_quantiles(f, f.point, s)?;
            (p95 != 0.0 || p05 != 0.0).then(|| (format!("{c} {pl}"), p05, p50, p95))
        })
        .collect()
}

/// Whether the swept parameter `path` belongs to market `country` `platform`: a country's
/// parameter (all its markets), a platform's (all its markets) or the market's own.
fn names_market(path: &str, country: &str, platform: &str) -> bool {
    if let Some(rest) = path.strip_prefix("countries.") {
        return rest.split('.').next() == Some(country);
    }
    let Some(rest) = path.strip_prefix("platforms.") else {
        return false;
    };
    let mut parts = rest.split('.');
    if parts.next() != Some(platform) {
        return false;
    }
    match parts.next() {
        Some("markets") => parts.next() == Some(country),
        _ => true,
    }
}

/// The markets a sweep is about, at most [`TOP_MARKETS`]: those whose total GMV moves
/// between points, the markets its parameters belong to first, then by how far their
/// median moves (largest first).
fn sweep_markets(f: &Folder) -> Vec<usize> {
    let r = &f.results;
    let mut ranked: Vec<(bool, f64, usize)> = Vec::new();
    for (s, (c, pl)) in r.points[0].series.iter().enumerate() {
        let medians: Vec<f64> = (0..r.points.len())
            .filter_map(|k| gmv_quantiles(f, k, s).map(|q| q.1))
            .collect();
        let (lo, hi) = medians
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            });
        if medians.is_empty() || hi == lo {
            continue;
        }
        let named = r.columns.iter().any(|p| names_market(p, c, pl));
        ranked.push((named, hi - lo, s));
    }
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    ranked.into_iter().take(TOP_MARKETS).map(|x| x.2).collect()
}

/// The sweep's table at row `top` (a row per point: its number, its swept values, and the
/// p05, p50 and p95 of total GMV of each market the sweep is about) and a line chart per
/// market of the three against the point; returns the first row free below both.
fn sweep_table(ws: &mut Worksheet, f: &Folder, top: u32, header: &Format) -> Result<u32> {
    let r = &f.results;
    let markets = sweep_markets(f);
    let usd = Format::new().set_num_format(WHOLE_USD_FORMAT);
    let swept = r.columns.join(", ");
    ws.write_string_with_format(top, 0, "point", header)?;
    ws.write_string_with_format(top, 1, &swept, header)?;
    if markets.is_empty() {
        ws.write_string(
            top + 1,
            0,
            "No market's total GMV differs between the points: nothing to chart.",
        )?;
        return Ok(top + 4);
    }
    // With one numeric parameter, rows in the order of its value, so the lines run left to
    // right; otherwise in point order.
    let mut order: Vec<usize> = (0..r.points.len()).collect();
    let numbers: Option<Vec<f64>> = r
        .points
        .iter()
        .map(|p| p.values.first().and_then(|v| v.parse().ok()))
        .collect();
    if let (1, Some(x)) = (r.columns.len(), &numbers) {
        order.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
    }
    for (i, &k) in order.iter().enumerate() {
        let row = top + 1 + i as u32;
        ws.write_number(row, 0, k as f64)?;
        let values = &r.points[k].values;
        match (&numbers, values.len()) {
            (Some(x), 1) => ws.write_number(row, 1, x[k])?,
            _ => ws.write_string(row, 1, values.join(", "))?,
        };
    }
    let last = top + order.len() as u32;
    let series = &r.points[0].series;
    for (m, &s) in markets.iter().enumerate() {
        let (c, pl) = &series[s];
        let label = format!("{c} {pl}");
        let col = 2 + 3 * m as u16;
        for (j, q) in ["p05", "p50", "p95"].iter().enumerate() {
            ws.write_string_with_format(top, col + j as u16, format!("{label} {q}"), header)?;
        }
        for (i, &k) in order.iter().enumerate() {
            if let Some((p05, p50, p95)) = gmv_quantiles(f, k, s) {
                for (j, v) in [p05, p50, p95].iter().enumerate() {
                    ws.write_number_with_format(top + 1 + i as u32, col + j as u16, *v, &usd)?;
                }
            }
        }
        let mut chart = Chart::new(ChartType::Line);
        chart.title().set_name(&format!(
            "Total GMV · {label} against {swept} (5%, median, 95% of trials)"
        ));
        band_series(&mut chart, top, col, (top + 1, last, 1));
        chart.x_axis().set_name(&swept);
        chart
            .y_axis()
            .set_name("USD over the run")
            .set_num_format("$#,##0,,\" m\"");
        chart.set_width(720).set_height(320);
        ws.insert_chart(top + CHART_ROWS * m as u32, CHART_COLUMN, &chart)?;
    }
    ws.set_column_width(1, (swept.chars().count() as f64 + 2.0).clamp(12.0, 40.0))?;
    Ok((last + 3).max(top + CHART_ROWS * markets.len() as u32 + 1))
}

/// Three series of the charts sheet, p05, p50 and p95 in columns `col` to `col + 2` under
/// the header row `head`, over the rows and category column of `cats` (first row, last row,
/// column): the median darker and wider.
fn band_series(chart: &mut Chart, head: u32, col: u16, cats: (u32, u32, u16)) {
    let (first, last, cat) = cats;
    for (j, colour) in ["#9DB9D8", "#0072B2", "#9DB9D8"].iter().enumerate() {
        let c = col + j as u16;
        chart
            .add_series()
            .set_name(("charts", head, c))
            .set_categories(("charts", first, cat, last, cat))
            .set_values(("charts", first, c, last, c))
            .set_format(
                rust_xlsxwriter::ChartFormat::new().set_line(
                    rust_xlsxwriter::ChartLine::new()
                        .set_color(*colour)
                        .set_width(if j == 1 { 2.25 } else { 1.25 }),
                ),
            );
    }
}

/// The first sheet: notes, the total-GMV table and its column chart, and the weekly GMV of
/// the largest markets with a line chart each.
fn charts_sheet(ws: &mut Worksheet, f: &Folder, notes: &[String], header: &Format) -> Result<()> {
    let title = Format::new().set_bold().set_font_size(14);
    let name = f
        .manifest
        .scenario_name
        .clone()
        .unwrap_or_else(|| f.dir.display().to_string());
    ws.write_string_with_format(0, 0, format!("livemarket report: {name}"), &title)?;
    ws.write_string(1, 0, format!("From {}", f.dir.display()))?;
    for (i, n) in notes.iter().enumerate() {
        ws.write_string(2 + i as u32, 0, n)?;
    }
    let mut top = 3 + notes.len() as u32;
    if f.results.is_sweep() {
        top = sweep_table(ws, f, top, header)?;
    }
    let totals = gmv_totals(f);
    totals_table(ws, top, &totals, header)?;
    if !totals.is_empty() {
        totals_chart(ws, top, totals.len() as u32)?;
    }
    weekly_largest(ws, f, top, &totals, header)?;
    ws.set_freeze_panes(0, 0)?;
    Ok(())
}

/// Total GMV per market from row `top`: its quantiles and the whiskers' lengths.
fn totals_table(
    ws: &mut Worksheet,
    top: u32,
    totals: &[(String, f64, f64, f64)],
    header: &Format,
) -> Result<()> {
    let usd = Format::new().set_num_format(WHOLE_USD_FORMAT);
    let cols = [
        "market",
        "p05",
        "p50 (median)",
        "p95",
        "p95 − p50",
        "p50 − p05",
    ];
    for (c, h) in cols.iter().enumerate() {
        ws.write_string_with_format(top, c as u16, *h, header)?;
    }
    for (i, (label, p05, p50, p95)) in totals.iter().enumerate() {
        let r = top + 1 + i as u32;
        ws.write_string(r, 0, label)?;
        for (c, v) in [*p05, *p50, *p95, p95 - p50, p50 - p05].iter().enumerate() {
            ws.write_number_with_format(r, c as u16 + 1, *v, &usd)?;
        }
    }
    ws.set_column_width(0, 16)?;
    for c in 1..6 {
        ws.set_column_width(c, 16)?;
    }
    Ok(())
}

/// The column chart of the `n` markets of the totals table at row `top`: medians, whiskers
/// from the table's two last columns.
fn totals_chart(ws: &mut Worksheet, top: u32, n: u32) -> Result<()> {
    let last = top + n;
    let mut chart = Chart::new(ChartType::Column);
    chart
        .title()
        .set_name("Total GMV per market: median, whiskers 5%–95% of trials");
    let mut bars = ChartErrorBars::new();
    bars.set_type(ChartErrorBarsType::Custom(
        ChartRange::new_from_range("charts", top + 1, 4, last, 4),
        ChartRange::new_from_range("charts", top + 1, 5, last, 5),
    ));
    chart
        .add_series()
        .set_name(("charts", top, 2))
        .set_categories(("charts", top + 1, 0, last, 0))
        .set_values(("charts", top + 1, 2, last, 2))
        .set_y_error_bars(&bars);
    chart
        .y_axis()
        .set_name("USD over the run")
        .set_num_format("$#,##0,,\" m\"");
    chart.legend().set_hidden();
    chart.set_width(720).set_height(360);
    ws.insert_chart(top, CHART_COLUMN, &chart)?;
    Ok(())
}

/// Weekly GMV of the largest markets by median total GMV, below the totals table at row
/// `top`: the dates, three columns per market, and a line chart each.
fn weekly_largest(
    ws: &mut Worksheet,
    f: &Folder,
    top: u32,
    totals: &[(String, f64, f64, f64)],
    header: &Format,
) -> Result<()> {
    let usd = Format::new().set_num_format(WHOLE_USD_FORMAT);
    let mut largest = totals.to_vec();
    largest.sort_by(|a, b| b.2.total_cmp(&a.2));
    largest.truncate(TOP_MARKETS);
    let gmv = WEEKLY_CHARTS
        .iter()
        .position(|c| c.metric == Metric::GmvUsd)
        .unwrap_or(0);
    let start = top + totals.len() as u32 + 3;
    let dates = &f.weekly.dates;
    ws.write_string_with_format(start, 0, "date", header)?;
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (t, d) in dates.iter().enumerate() {
        let dt = ExcelDateTime::parse_from_str(&d.to_string())?;
        ws.write_datetime_with_format(start + 1 + t as u32, 0, &dt, &date)?;
    }
    let mut col = 1u16;
    for (k, (label, ..)) in largest.iter().enumerate() {
        let key = label
            .split_once(' ')
            .map(|(c, p)| (c.to_string(), p.to_string()));
        let Some(fan) = key.and_then(|k| f.weekly.series.get(&k)).map(|s| &s[gmv]) else {
            continue;
        };
        for (j, (q, v)) in [("p05", &fan.p05), ("p50", &fan.p50), ("p95", &fan.p95)]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(start, col + j as u16, format!("{label} {q}"), header)?;
            for (t, x) in v.iter().enumerate() {
                ws.write_number_with_format(start + 1 + t as u32, col + j as u16, x.round(), &usd)?;
            }
        }
        let last = start + dates.len() as u32;
        let mut chart = Chart::new(ChartType::Line);
        chart
            .title()
            .set_name(&format!("Weekly GMV · {label} (5%, median, 95% of trials)"));
        band_series(&mut chart, start, col, (start + 1, last, 0));
        // One label per month at most (weekly dates would repeat a month's name four
        // times), every few months on a long run: at most a dozen labels.
        chart
            .x_axis()
            .set_date_axis(true)
            .set_num_format("mmm yyyy")
            .set_major_unit(months_between_labels(dates))
            .set_major_unit_date_type(ChartAxisDateUnitType::Months);
        chart
            .y_axis()
            .set_name("USD per week")
            .set_num_format("$#,##0,,\" m\"");
        chart.set_width(720).set_height(320);
        ws.insert_chart(top + 20 + CHART_ROWS * k as u32, CHART_COLUMN, &chart)?;
        col += 3;
    }
    Ok(())
}

/// Months between a date axis's labels: 1, 2, 3, 6 or 12, the smallest that keeps a run's
/// dates to at most 12 labels.
fn months_between_labels(dates: &[chrono::NaiveDate]) -> u16 {
    use chrono::Datelike;
    let (Some(a), Some(b)) = (dates.first(), dates.last()) else {
        return 1;
    };
    let months = (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32 + 1;
    [1, 2, 3, 6, 12]
        .into_iter()
        .find(|step| months <= 12 * i32::from(*step))
        .unwrap_or(12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swept_path_belongs_to_its_country_platform_or_market() {
        assert!(names_market(
            "countries.GB.live_affinity.mean",
            "GB",
            "tiktok"
        ));
        assert!(!names_market(
            "countries.GB.live_affinity.mean",
            "US",
            "tiktok"
        ));
        assert!(names_market(
            "platforms.tiktok.markets.GB.subsidy.rate",
            "GB",
            "tiktok"
        ));
        assert!(!names_market(
            "platforms.tiktok.markets.GB.subsidy.rate",
            "GB",
            "amazon"
        ));
        assert!(!names_market(
            "platforms.tiktok.markets.GB.subsidy.rate",
            "DE",
            "tiktok"
        ));
        assert!(names_market("platforms.tiktok.take_rate", "DE", "tiktok"));
        assert!(!names_market("weeks", "DE", "tiktok"));
    }

    #[test]
    fn a_date_axis_has_at_most_a_dozen_month_labels() {
        let start = chrono::NaiveDate::from_ymd_opt(2021, 1, 4).unwrap();
        let weeks = |n: u64| -> Vec<chrono::NaiveDate> {
            (0..n).map(|w| start + chrono::Days::new(7 * w)).collect()
        };
        assert_eq!(months_between_labels(&weeks(40)), 1);
        assert_eq!(months_between_labels(&weeks(104)), 2);
        assert_eq!(months_between_labels(&weeks(260)), 6);
    }
}
