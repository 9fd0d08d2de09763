//! `livemarket compare`: outcome distributions of two result folders (or two points of a
//! sweep), country × platform × measure, in `compare.csv` and a short table of the largest
//! differences.
//!
//! Trials that share seeds (the same trial of two points of a sweep, or two runs of the same
//! scenario seed) are compared pair by pair: the interval of the difference is Student's
//! paired t interval. Otherwise the two samples are independent and the interval is a seeded
//! percentile bootstrap. See docs/sweeps.md.

use crate::error::UserError;
use crate::format::{self, Dialect, Unit};
use crate::model::rng::splitmix64;
use crate::results::trials::{self as read, PointResults, Results};
use crate::stats;
use crate::table::{Align, Table, Width};
use anyhow::Result;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Settings of the statistics.
#[derive(Debug, Clone, Copy)]
pub struct CompareOptions {
    /// Bootstrap resamples (unpaired comparisons only).
    pub resamples: u32,
    /// Seed of the bootstrap.
    pub seed: u64,
}

/// One row of compare.csv: a measure of one market, in A and in B.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// A and B as named on the command line (`DIR#K` for a point).
    pub a: String,
    pub b: String,
    /// In a sweep comparison: A's point index and swept values.
    pub point: Option<(usize, Vec<String>)>,
    pub country: String,
    pub platform: String,
    pub metric: String,
    /// Trials with a value (pairs when paired).
    pub n_a: usize,
    pub n_b: usize,
    pub mean_a: Option<f64>,
    pub mean_b: Option<f64>,
    /// mean_a − mean_b.
    pub diff: Option<f64>,
    /// 95% interval of the difference.
    pub diff_lo: Option<f64>,
    pub diff_hi: Option<f64>,
    /// `paired` or `bootstrap` (empty without an interval).
    pub interval: &'static str,
    /// P(a trial of A exceeds a trial of B), ties ½.
    pub p_a_gt_b: Option<f64>,
    /// Share of paired trials where A exceeds B, ties ½ (paired only).
    pub p_a_gt_b_paired: Option<f64>,
    /// Kolmogorov-Smirnov distance of the two distributions.
    pub ks: Option<f64>,
}

/// The rows of a comparison, and the swept columns of a sweep comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Swept parameter paths (sweep comparisons only).
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

/// The result folder a side (`DIR` or `DIR#K`) names.
pub fn folder_of(side: &str) -> PathBuf {
    parse_side(side).0
}

/// `DIR` or `DIR#K`.
fn parse_side(arg: &str) -> (PathBuf, Option<usize>) {
    match arg.rsplit_once('#') {
        Some((dir, k)) if k.parse::<usize>().is_ok() => (PathBuf::from(dir), k.parse().ok()),
        _ => (PathBuf::from(arg), None),
    }
}

fn point<'r>(r: &'r Results, arg: &str, k: Option<usize>) -> Result<&'r PointResults> {
    let n = r.points.len();
    match (r.is_sweep(), k) {
        (false, None) => Ok(&r.points[0]),
        (false, Some(_)) => Err(UserError(format!(
            "{arg}: {} is not a sweep, so it has no points; drop the #",
            r.dir.display()
        ))
        .into()),
        (true, None) => Err(UserError(format!(
            "{arg} holds a sweep of {n} points; name one as {}#K (K from 0 to {}), or compare \
             every point with point 0: livemarket compare {}; or give the sweep first to \
             compare every point with this folder",
            r.dir.display(),
            n - 1,
            r.dir.display()
        ))
        .into()),
        (true, Some(k)) if k >= n => Err(UserError(format!(
            "{arg}: the sweep has points 0 to {}; there is no point {k}",
            n - 1
        ))
        .into()),
        (true, Some(k)) => Ok(&r.points[k]),
    }
}

/// Compares A with B, each a result folder or `DIR#K`; when A is a whole sweep (no `#K`)
/// and B another folder, every point of A with B (a sweep against its baseline run).
pub fn compare_two(a: &str, b: &str, opts: CompareOptions) -> Result<Comparison> {
    let (dir_a, ka) = parse_side(a);
    let (dir_b, kb) = parse_side(b);
    for (side, dir) in [(a, &dir_a), (b, &dir_b)] {
        if dir.as_os_str().is_empty() {
            return Err(UserError(format!(
                "`{side}` names a point but no folder; write them as one argument, \
                 `{}{side}`, or `DIR{side}` for another folder",
                dir_a.display()
            ))
            .into());
        }
    }
    let ra = read::read(&dir_a)?;
    let rb = if dir_b == dir_a {
        ra.clone()
    } else {
        read::read(&dir_b)?
    };
    // A whole sweep against one run: every point of A with B.
    if ra.is_sweep() && ka.is_none() && dir_b != dir_a {
        let pb = point(&rb, b, kb)?;
        return Ok(points_against(&ra, a, 0, pb, &rb.metrics, b, opts));
    }
    let (pa, pb) = (point(&ra, a, ka)?, point(&rb, b, kb)?);
    let rows = compare_points(pa, pb, &ra.metrics, &rb.metrics, opts)
        .into_iter()
        .map(|mut r| {
            r.a = a.to_string();
            r.b = b.to_string();
            r
        })
        .collect();
    Ok(Comparison {
        columns: Vec::new(),
        rows,
    })
}

/// A warning when result folders `a` and `b` took their trials' parameters from different
/// posteriors (or one from a posterior and the other not): compare still pairs trial k with
/// trial k by seed, but the pair then simulates different parameters. None when their
/// posteriors have the same SHA-256 (one file named by two paths is one posterior), or a
/// manifest cannot be read (the comparison itself reports that).
pub fn posterior_warning(a: &Path, b: &Path) -> Option<String> {
    // The same text is the same posterior, whatever path each run named it by.
    let of = |dir: &Path| {
        crate::results::manifest::read(dir).ok().map(|m| {
            m.recipe
                .posterior
                .map_or((None, "no posterior".to_string()), |p| {
                    let shown = format!(
                        "{} (sha256 {})",
                        p.file,
                        &p.sha256[..12.min(p.sha256.len())]
                    );
                    (Some(p.sha256), shown)
                })
        })
    };
    let ((ha, pa), (hb, pb)) = (of(a)?, of(b)?);
    (ha != hb).then(|| {
        format!(
            "warning: {} took its trials' parameters from {pa}, {} from {pb}: trials are paired \
             by seed, but trial k of each simulates different parameters, so the paired \
             intervals mix the difference of the scenarios with that of the posteriors; run \
             both with the same posterior (or both with --no-uncertain) to compare like with like",
            a.display(),
            b.display()
        )
    })
}

/// Compares every point of the sweep in `dir` with its point 0.
pub fn compare_sweep(dir: &str, opts: CompareOptions) -> Result<Comparison> {
    let r = read::read(Path::new(dir))?;
    if !r.is_sweep() {
        return Err(UserError(format!(
            "{dir} is not a sweep; name a second folder to compare it with: livemarket compare \
             {dir} OTHER"
        ))
        .into());
    }
    Ok(points_against(
        &r,
        dir,
        1,
        &r.points[0],
        &r.metrics,
        &format!("{dir}#0"),
        opts,
    ))
}

/// Every point of the sweep `sweep` (read from `dir`) from point `first` on, compared with
/// `base` (labelled `base_label`), each row with its point's swept values.
fn points_against(
    sweep: &Results,
    dir: &str,
    first: usize,
    base: &PointResults,
    base_metrics: &[String],
    base_label: &str,
    opts: CompareOptions,
) -> Comparison {
    let mut rows = Vec::new();
    for (k, p) in sweep.points.iter().enumerate().skip(first) {
        for mut row in compare_points(p, base, &sweep.metrics, base_metrics, opts) {
            row.a = format!("{dir}#{k}");
            row.b = base_label.to_string();
            row.point = Some((k, p.values.clone()));
            rows.push(row);
        }
    }
    Comparison {
        columns: sweep.columns.clone(),
        rows,
    }
}

/// Rows for every series and measure that A and B both have, in A's order.
fn compare_points(
    a: &PointResults,
    b: &PointResults,
    metrics_a: &[String],
    metrics_b: &[String],
    opts: CompareOptions,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for (sa, key) in a.series.iter().enumerate() {
        let Some(sb) = b.series.iter().position(|k| k == key) else {
            continue;
        };
        let (ta, tb) = (&a.trials[sa], &b.trials[sb]);
        let common: Vec<u64> = ta.keys().filter(|k| tb.contains_key(k)).copied().collect();
        let paired = !common.is_empty() && common.iter().all(|k| ta[k].0 == tb[k].0);
        for (ma, metric) in metrics_a.iter().enumerate() {
            let Some(mb) = metrics_b.iter().position(|m| m == metric) else {
                continue;
            };
            let row_seed = splitmix64(opts.seed ^ splitmix64(rows.len() as u64));
            let (xa, xb, pairs): (Vec<f64>, Vec<f64>, Vec<(f64, f64)>) = if paired {
                let pairs: Vec<(f64, f64)> = common
                    .iter()
                    .filter_map(|k| Some((ta[k].1[ma]?, tb[k].1[mb]?)))
                    .collect();
                (
                    pairs.iter().map(|p| p.0).collect(),
                    pairs.iter().map(|p| p.1).collect(),
                    pairs,
                )
            } else {
                (
                    ta.values().filter_map(|(_, v)| v[ma]).collect(),
                    tb.values().filter_map(|(_, v)| v[mb]).collect(),
                    Vec::new(),
                )
            };
            if xa.is_empty() && xb.is_empty() {
                continue;
            }
            // Means as summary.csv writes them, and their difference as a spreadsheet
            // subtracting the two cells finds it.
            let unit = unit_of(metric);
            let nonempty_mean =
                |x: &[f64]| (!x.is_empty()).then(|| format::written(stats::mean(x), unit));
            let (mean_a, mean_b) = (nonempty_mean(&xa), nonempty_mean(&xb));
            let diff = mean_a
                .zip(mean_b)
                .map(|(x, y)| format::written(x - y, unit));
            let (interval, kind) = if paired {
                let d: Vec<f64> = pairs.iter().map(|(x, y)| x - y).collect();
                (stats::paired_interval(&d), "paired")
            } else {
                (
                    stats::bootstrap_interval(&xa, &xb, opts.resamples, row_seed),
                    "bootstrap",
                )
            };
            rows.push(Row {
                a: String::new(),
                b: String::new(),
                point: None,
                country: key.0.clone(),
                platform: key.1.clone(),
                metric: metric.clone(),
                n_a: xa.len(),
                n_b: xb.len(),
                mean_a,
                mean_b,
                diff,
                diff_lo: interval.map(|i| i.0),
                diff_hi: interval.map(|i| i.1),
                interval: if interval.is_some() { kind } else { "" },
                p_a_gt_b: stats::prob_greater(&xa, &xb),
                p_a_gt_b_paired: if paired {
                    stats::prob_greater_paired(&pairs)
                } else {
                    None
                },
                ks: stats::ks_distance(&xa, &xb),
            });
        }
    }
    rows
}

/// Writes compare.csv: one header row, plain decimals, empty cells where a statistic is
/// undefined.
pub fn write_csv(c: &Comparison, path: &Path, dialect: Dialect) -> Result<()> {
    crate::results::write_atomically(path, |w| {
        let mut w = dialect.writer(w);
        let mut header: Vec<String> = vec!["a".into(), "b".into()];
        if !c.columns.is_empty() {
            header.push("point".into());
            header.extend(c.columns.iter().map(|h| format::neutralise(h).into_owned()));
        }
        header.extend(
            [
                "country",
                "platform",
                "metric",
                "n_a",
                "n_b",
                "mean_a",
                "mean_b",
                "diff",
                "diff_pct",
                "diff_lo",
                "diff_hi",
                "interval",
                "p_a_gt_b",
                "p_a_gt_b_paired",
                "ks",
            ]
            .map(String::from),
        );
        w.write_record(&header)?;
        for r in &c.rows {
            // Folder names are the user's text: one may start like a formula.
            let mut row = vec![
                format::neutralise(&r.a).into_owned(),
                format::neutralise(&r.b).into_owned(),
            ];
            if let Some((k, values)) = &r.point {
                row.push(k.to_string());
                row.extend(values.iter().map(|v| dialect.cell(v)));
            }
            // Read from the folders' trials.csv: a shared file's cells may be formulas.
            row.extend(
                [&r.country, &r.platform, &r.metric].map(|t| format::neutralise(t).into_owned()),
            );
            row.extend([r.n_a.to_string(), r.n_b.to_string()]);
            let unit = unit_of(&r.metric);
            row.extend([r.mean_a, r.mean_b, r.diff].map(|x| dialect.num(x, unit)));
            row.push(dialect.num(diff_pct(r), Unit::Plain));
            row.extend([r.diff_lo, r.diff_hi].map(|x| dialect.num(x, unit)));
            row.push(r.interval.to_string());
            row.extend([r.p_a_gt_b, r.p_a_gt_b_paired, r.ks].map(|x| dialect.num(x, Unit::Share)));
            w.write_record(&row)?;
        }
        w.flush()?;
        Ok(())
    })
}

/// The unit a measure is written in; plain for a column this livemarket does not write.
fn unit_of(metric: &str) -> Unit {
    crate::results::measures::find(metric).map_or(Unit::Plain, |m| m.unit)
}

/// 100 × diff / |mean_b|; None when mean_b is 0 or missing.
fn diff_pct(r: &Row) -> Option<f64> {
    let (d, b) = (r.diff?, r.mean_b?);
    (b != 0.0).then(|| 100.0 * d / b.abs())
}

/// The `top` rows with the largest differences, for a person: ranked by KS distance (which
/// has no unit, so measures in people and in dollars rank together), then by the relative
/// difference. A `*` marks intervals that exclude 0.
pub fn print_table(c: &Comparison, top: usize, out: &mut impl Write) -> std::io::Result<()> {
    let mut ranked: Vec<&Row> = c.rows.iter().filter(|r| r.diff.is_some()).collect();
    let pct = |r: &Row| diff_pct(r).map_or(0.0, f64::abs);
    ranked.sort_by(|x, y| {
        y.ks.unwrap_or(0.0)
            .total_cmp(&x.ks.unwrap_or(0.0))
            .then(pct(y).total_cmp(&pct(x)))
    });
    ranked.truncate(top);
    let mut lines = vec![[
        if c.columns.is_empty() { "" } else { "point" }.to_string(),
        "country".into(),
        "platform".into(),
        "metric".into(),
        "mean A".into(),
        "mean B".into(),
        "A − B".into(),
        "%".into(),
        "95% interval".into(),
        "P(A>B)".into(),
        "KS".into(),
    ]];
    for r in &ranked {
        let excludes_zero =
            matches!((r.diff_lo, r.diff_hi), (Some(lo), Some(hi)) if lo > 0.0 || hi < 0.0);
        lines.push([
            r.point
                .as_ref()
                .map_or(String::new(), |(k, _)| k.to_string()),
            r.country.clone(),
            r.platform.clone(),
            r.metric.clone(),
            format::four_figures(r.mean_a),
            format::four_figures(r.mean_b),
            format::four_figures(r.diff),
            diff_pct(r).map_or(String::new(), |p| format!("{p:+.1}")),
            match (r.diff_lo, r.diff_hi) {
                (Some(lo), Some(hi)) => {
                    format!(
                        "{} to {}{}",
                        format::four_figures(Some(lo)),
                        format::four_figures(Some(hi)),
                        if excludes_zero { " *" } else { "" }
                    )
                }
                _ => String::new(),
            },
            r.p_a_gt_b.map_or(String::new(), |p| format!("{p:.2}")),
            r.ks.map_or(String::new(), |k| format!("{k:.2}")),
        ]);
    }
    // Without a sweep there is no point column.
    let skip = usize::from(c.columns.is_empty());
    let mut t = Table::new("  ")
        .columns(4 - skip, Align::Left, Width::Auto { min: 0 })
        .columns(7, Align::Right, Width::Auto { min: 0 });
    for l in lines {
        t.row(l.into_iter().skip(skip));
    }
    t.write(out)
}

/// What `livemarket compare` was asked.
#[derive(Debug, Clone)]
pub struct Command {
    /// A result folder or `DIR#K`; alone, a sweep folder.
    pub a: String,
    /// The folder or `DIR#K` A is compared with.
    pub b: Option<String>,
    /// The table's file [default: A's folder/compare.csv for a sweep, else ./compare.csv].
    pub out: Option<PathBuf>,
    /// Rows printed.
    pub top: usize,
    pub options: CompareOptions,
    /// The table's dialect [default: that of A's trials.csv].
    pub csv_dialect: Option<Dialect>,
    pub quiet: bool,
}

/// A comparison written, for the pictures and workbook drawn from it.
pub struct Compared {
    pub comparison: Comparison,
    /// Where compare.csv went.
    pub out: PathBuf,
}

/// `livemarket compare A [B]`: both folders read under their read locks, the table written
/// and recorded as the folder's output, and its largest differences printed. A calibration
/// folder is refused, and runs that took different posteriors are warned about.
pub fn command(c: &Command) -> Result<Compared> {
    let sides = || [Some(c.a.as_str()), c.b.as_deref()].into_iter().flatten();
    for side in sides() {
        crate::results::files::refuse_as_run_folder(&folder_of(side))?;
    }
    let _locks = sides()
        .map(|side| crate::lock::hold(&folder_of(side), crate::lock::Access::Read))
        .collect::<Result<Vec<_>>>()?;
    if let Some(b) = &c.b
        && let Some(w) = posterior_warning(&folder_of(&c.a), &folder_of(b))
    {
        eprintln!("{w}");
    }
    let comparison = match &c.b {
        Some(b) => compare_two(&c.a, b, c.options)?,
        None => compare_sweep(&c.a, c.options)?,
    };
    // A sweep's comparison (its points with point 0, or with another run) goes in the
    // sweep's folder; two runs' in the working folder.
    let default_out = if comparison.columns.is_empty() {
        PathBuf::from(crate::results::COMPARE_CSV)
    } else {
        crate::results::ResultDir::new(&folder_of(&c.a)).compare_csv()
    };
    let out = c.out.clone().unwrap_or(default_out);
    let dialect = c.csv_dialect.unwrap_or_else(|| {
        Dialect::of_file(&crate::results::ResultDir::new(&folder_of(&c.a)).trials_csv())
    });
    write_csv(&comparison, &out, dialect)?;
    crate::results::record_output(&out)?;
    if !c.quiet {
        crate::table::print(|o| {
            print_comparison(&comparison, &c.a, c.b.as_deref(), c.top, &out, o)
        })?;
    }
    Ok(Compared { comparison, out })
}

/// What was compared, the table of the largest differences, and where the rest is.
fn print_comparison(
    c: &Comparison,
    a: &str,
    b: Option<&str>,
    top: usize,
    written: &Path,
    out: &mut impl Write,
) -> std::io::Result<()> {
    match b {
        Some(b) if !c.columns.is_empty() => writeln!(out, "A = each point of {a}, B = {b}")?,
        Some(b) => writeln!(out, "A = {a}, B = {b}")?,
        None => writeln!(out, "A = each point of {a}, B = its point 0")?,
    }
    let paired = c.rows.iter().filter(|r| r.interval == "paired").count();
    let boot = c.rows.iter().filter(|r| r.interval == "bootstrap").count();
    writeln!(
        out,
        "{} rows; intervals: {paired} paired (trials share seeds), {boot} bootstrap",
        c.rows.len()
    )?;
    writeln!(out)?;
    print_table(c, top, out)?;
    writeln!(out)?;
    writeln!(
        out,
        "Largest differences first (by KS distance); * marks a 95% interval that excludes 0. \
         Every row is in {}",
        written.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides_are_folders_or_points() {
        assert_eq!(parse_side("results/x"), (PathBuf::from("results/x"), None));
        assert_eq!(
            parse_side("results/x#3"),
            (PathBuf::from("results/x"), Some(3))
        );
        assert_eq!(parse_side("odd#name"), (PathBuf::from("odd#name"), None));
    }

    fn point(trials: &[(u64, u64, f64)]) -> PointResults {
        PointResults {
            values: Vec::new(),
            series: vec![("AA".into(), "p".into())],
            trials: vec![
                trials
                    .iter()
                    .map(|&(k, seed, x)| (k, (seed, vec![Some(x)])))
                    .collect(),
            ],
        }
    }

    #[test]
    fn trials_that_share_seeds_are_paired() {
        let m = vec!["gmv_usd".to_string()];
        let opts = CompareOptions {
            resamples: 100,
            seed: 1,
        };
        // A = (3, 5, 4), B = (1, 2, 3) on the same seeds: differences (2, 3, 1).
        let a = point(&[(0, 10, 3.0), (1, 11, 5.0), (2, 12, 4.0)]);
        let b = point(&[(0, 10, 1.0), (1, 11, 2.0), (2, 12, 3.0)]);
        let rows = compare_points(&a, &b, &m, &m, opts);
        let r = &rows[0];
        assert_eq!((r.n_a, r.n_b, r.interval), (3, 3, "paired"));
        assert_eq!(
            (r.mean_a, r.mean_b, r.diff),
            (Some(4.0), Some(2.0), Some(2.0))
        );
        assert!((r.diff_lo.unwrap() - (2.0 - 2.484_137_71)).abs() < 1e-8);
        // All pairs: 3 > 1, 2 (two wins, one tie with 3), 5 and 4 beat all: (2.5 + 3 + 3) / 9.
        assert!((r.p_a_gt_b.unwrap() - 8.5 / 9.0).abs() < 1e-15);
        assert_eq!(r.p_a_gt_b_paired, Some(1.0));
        // Other seeds: independent samples, bootstrap.
        let c = point(&[(0, 20, 1.0), (1, 21, 2.0), (2, 22, 3.0)]);
        let r = &compare_points(&a, &c, &m, &m, opts)[0];
        assert_eq!((r.interval, r.p_a_gt_b_paired), ("bootstrap", None));
        assert_eq!(r.diff, Some(2.0));
    }
}
