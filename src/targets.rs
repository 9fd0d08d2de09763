//! Calibration targets: the public figures a scenario is held to, read from a targets file
//! (`scenarios/targets-2021.toml` is bundled), and the per-trial quantities that are compared
//! with them.
//!
//! This is the one place the calibration quantities are computed: `livemarket targets DIR`
//! measures them in a result folder (from its `trials.bin`, with the world rebuilt from the
//! manifest's recipe), and `tests/calibration.rs` measures them in trials run in memory, so
//! the table in `docs/calibration.md` and the test check the same numbers.
//!
//! A target has three parts. The *quantity* says what is computed from one trial (a sum of a
//! metric over some markets and weeks, a country's share or rank in such a sum, or the share
//! of some markets whose launch was cancelled or opened). The *check* says how the trials'
//! values are judged against the target's value (the median within a relative tolerance,
//! every trial above or below it, the mean above it, or, where the quantity is uncertain, at
//! least a stated share of the trials within, above or below it). The *source* and
//! *confidence* say where the value comes from and how far to trust it.

use crate::error::UserError;
use crate::format::{Unit, human};
use crate::model::{Metric, TrialResult};
use crate::results::{manifest, store};
use crate::stats::quantile;
use crate::world::World;
use anyhow::{Context, Result};
use indexmap::IndexMap;
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// The bundled targets: the 2021 figures the bundled baseline is calibrated against.
pub const TARGETS_2021_TOML: &str = include_str!("../scenarios/targets-2021.toml");
/// How `livemarket` names the bundled targets file.
pub const TARGETS_2021_NAME: &str = "<bundled targets-2021.toml>";

/// What is computed from one trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The metric summed over the selected markets and weeks. For a metric that does not add
    /// up (`discount`), exactly one market and one week must be selected: its value.
    Sum,
    /// `country`'s part of that sum, over all selected countries (0 when the sum is 0).
    Share,
    /// `country`'s rank by that sum among the selected countries: 1 + the number of other
    /// countries with a strictly larger sum.
    Rank,
    /// The share of the selected markets whose launch was cancelled by its gate.
    Cancelled,
    /// The share of the selected markets whose live shopping opened during the run.
    Opened,
}

impl Kind {
    /// Its name in a targets file.
    fn name(self) -> &'static str {
        match self {
            Kind::Sum => "sum",
            Kind::Share => "share",
            Kind::Rank => "rank",
            Kind::Cancelled => "cancelled",
            Kind::Opened => "opened",
        }
    }
}

/// The largest size of a target's value.
const MAX_VALUE: f64 = 1e15;

/// How the trials' values are judged against the target's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The median across trials within `tolerance` (relative) of the value.
    MedianWithin,
    /// Every trial strictly above the value.
    EveryTrialAbove,
    /// Every trial strictly below the value.
    EveryTrialBelow,
    /// Every trial within `tolerance` (absolute) of the value.
    EveryTrialEqual,
    /// The mean across trials strictly above the value.
    MeanAbove,
    /// The mean across trials strictly below the value.
    MeanBelow,
    /// At least `min_share` of the trials within `tolerance` (relative) of the value.
    ShareOfTrialsWithin,
    /// At least `min_share` of the trials strictly above the value.
    ShareOfTrialsAbove,
    /// At least `min_share` of the trials strictly below the value.
    ShareOfTrialsBelow,
}

impl Check {
    /// Its name in a targets file.
    fn name(self) -> &'static str {
        match self {
            Check::MedianWithin => "median_within",
            Check::EveryTrialAbove => "every_trial_above",
            Check::EveryTrialBelow => "every_trial_below",
            Check::EveryTrialEqual => "every_trial_equal",
            Check::MeanAbove => "mean_above",
            Check::MeanBelow => "mean_below",
            Check::ShareOfTrialsWithin => "share_of_trials_within",
            Check::ShareOfTrialsAbove => "share_of_trials_above",
            Check::ShareOfTrialsBelow => "share_of_trials_below",
        }
    }

    /// A check that needs `min_share`: the share of trials that must meet the target.
    fn probabilistic(self) -> bool {
        matches!(
            self,
            Check::ShareOfTrialsWithin | Check::ShareOfTrialsAbove | Check::ShareOfTrialsBelow
        )
    }

    /// A check that needs `tolerance`.
    fn has_tolerance(self) -> bool {
        matches!(
            self,
            Check::MedianWithin | Check::EveryTrialEqual | Check::ShareOfTrialsWithin
        )
    }
}

/// How far a source is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

/// A per-trial quantity. Empty `countries` or `platforms` select all of the world's; no
/// `weeks` selects every week of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub kind: Kind,
    /// The metric of `Sum`, `Share` and `Rank`.
    pub metric: Option<Metric>,
    pub countries: Vec<String>,
    pub platforms: Vec<String>,
    /// The country of `Share` and `Rank`.
    pub country: Option<String>,
    /// First and last week, inclusive.
    pub weeks: Option<(u32, u32)>,
}

/// One target of a targets file.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its key in the file (`[target.NAME]`).
    pub name: String,
    pub label: String,
    pub quantity: Quantity,
    pub check: Check,
    pub value: f64,
    /// Relative for `median_within` and `share_of_trials_within`, absolute for
    /// `every_trial_equal`; none otherwise.
    pub tolerance: Option<f64>,
    /// For the `share_of_trials_*` checks: the share of trials (above 0, at most 1) that
    /// must meet the target; none otherwise.
    pub min_share: Option<f64>,
    /// What `livemarket calibrate` divides a trial's miss by; a target without one is a
    /// check only, never calibrated to.
    pub scale: Option<f64>,
    pub source: String,
    pub confidence: Confidence,
    /// Where the target's table starts in its file (line, column), for errors.
    at: (usize, usize),
}

/// A parsed targets file.
#[derive(Debug, Clone)]
pub struct Targets {
    /// The file as the user named it.
    pub file: String,
    pub targets: Vec<Target>,
}

/// What one target measured over a set of trials.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Per trial, in the order given.
    pub values: Vec<f64>,
    pub median: f64,
    pub p05: f64,
    pub p95: f64,
    pub mean: f64,
    /// The share of trials that meet the target one by one ([`Target::met_by`]).
    pub met: f64,
    /// Whether the trials meet the target by its check.
    pub holds: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    target: IndexMap<String, Spanned<RawTarget>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    label: String,
    kind: Kind,
    metric: Option<Spanned<String>>,
    #[serde(default)]
    countries: Vec<String>,
    #[serde(default)]
    platforms: Vec<String>,
    country: Option<String>,
    weeks: Option<Spanned<[u32; 2]>>,
    check: Check,
    value: Spanned<f64>,
    tolerance: Option<Spanned<f64>>,
    min_share: Option<Spanned<f64>>,
    scale: Option<Spanned<f64>>,
    source: String,
    confidence: Confidence,
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// A targets file's tables as TOML gives them; a syntax error or an unknown key with its
/// place in the file.
fn parse_raw(text: &str, file: &str) -> Result<RawFile, UserError> {
    toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| line_col(text, s.start))
            .map_or(String::new(), |(l, c)| format!("{l}:{c}:"));
        UserError(format!(
            "{file}:{at} {}",
            e.message().trim_end().replace('\n', "; ")
        ))
    })
}

/// The checks of one target's table, each problem with the place in the file it is about.
struct TargetProblems<'a> {
    text: &'a str,
    file: &'a str,
    name: &'a str,
    /// Where the target's table starts (line, column).
    at: (usize, usize),
    problems: &'a mut Vec<String>,
}

impl TargetProblems<'_> {
    fn problem(&mut self, at: (usize, usize), message: String) {
        let (file, name) = (self.file, self.name);
        self.problems.push(format!(
            "{file}:{}:{}: target `{name}`: {message}",
            at.0, at.1
        ));
    }

    /// The place in the file of a spanned value.
    fn place<T>(&self, v: &Spanned<T>) -> (usize, usize) {
        line_col(self.text, v.span().start)
    }

    /// The target's metric, when it names one the model has.
    fn metric(&mut self, r: &RawTarget) -> Option<Metric> {
        let m = r.metric.as_ref()?;
        match Metric::ALL.iter().find(|x| x.name() == m.get_ref()) {
            Some(x) => Some(*x),
            None => {
                let names: Vec<&str> = Metric::ALL.iter().map(|x| x.name()).collect();
                self.problem(
                    self.place(m),
                    format!(
                        "unknown metric `{}`; use one of {}",
                        m.get_ref(),
                        names.join(", ")
                    ),
                );
                None
            }
        }
    }

    /// The quantity's keys: those its kind needs and only those, weeks in order, and a
    /// metric that does not add up summed over one cell only.
    fn quantity(&mut self, r: &RawTarget, metric: Option<Metric>, weeks: Option<(u32, u32)>) {
        let at = self.at;
        let needs_metric = matches!(r.kind, Kind::Sum | Kind::Share | Kind::Rank);
        if needs_metric && r.metric.is_none() {
            self.problem(at, "this kind needs `metric = \"...\"`".to_string());
        }
        if let (false, Some(m)) = (needs_metric, &r.metric) {
            self.problem(
                self.place(m),
                "`metric` is only for kinds sum, share and rank; remove it".to_string(),
            );
        }
        let needs_country = matches!(r.kind, Kind::Share | Kind::Rank);
        if needs_country != r.country.is_some() {
            self.problem(
                at,
                if needs_country {
                    "kinds share and rank need `country = \"XX\"`".to_string()
                } else {
                    "`country` is only for kinds share and rank; remove it".to_string()
                },
            );
        }
        if let (Some(w), Some((first, last))) = (&r.weeks, weeks)
            && first > last
        {
            self.problem(
                self.place(w),
                format!("`weeks = [{first}, {last}]`: the first week comes after the last"),
            );
        }
        if let Some(m) = metric
            && !m.additive()
            && r.kind == Kind::Sum
        {
            let one_week = weeks.is_some_and(|(a, b)| a == b);
            if r.countries.len() != 1 || r.platforms.len() != 1 || !one_week {
                self.problem(
                    at,
                    format!(
                        "`{}` does not add up: select one country, one platform and one \
                         week (`weeks = [W, W]`)",
                        m.name()
                    ),
                );
            }
        }
    }

    /// The check's numbers: a tolerance and a share of trials where the check needs them,
    /// and a value and a scale that are usable numbers.
    fn numbers(&mut self, r: &RawTarget) {
        let at = self.at;
        let check = r.check.name();
        match (&r.tolerance, r.check.has_tolerance()) {
            (None, true) => {
                self.problem(at, format!("this check ({check}) needs `tolerance = ...`"))
            }
            (Some(t), false) => self.problem(
                self.place(t),
                "`tolerance` is only for checks median_within, share_of_trials_within and \
                 every_trial_equal; remove it"
                    .to_string(),
            ),
            (Some(t), true) if !(t.get_ref().is_finite() && *t.get_ref() >= 0.0) => self.problem(
                self.place(t),
                format!(
                    "`tolerance` must be a finite number, 0 or more, not {}",
                    shown(*t.get_ref())
                ),
            ),
            _ => {}
        }
        match (&r.min_share, r.check.probabilistic()) {
            (None, true) => self.problem(
                at,
                format!(
                    "this check ({check}) needs `min_share = P`, the share of trials that must \
                     meet the target (above 0, at most 1): `min_share = 0.8` for \"in at least \
                     80% of trials\""
                ),
            ),
            (Some(m), false) => self.problem(
                self.place(m),
                "`min_share` is only for checks share_of_trials_within, share_of_trials_above \
                 and share_of_trials_below; remove it, or use one of those checks"
                    .to_string(),
            ),
            (Some(m), true) if !(*m.get_ref() > 0.0 && *m.get_ref() <= 1.0) => self.problem(
                self.place(m),
                format!(
                    "`min_share` must be above 0 and at most 1 (a share of trials: 0.8 means \
                     in at least 80% of them), not {}",
                    shown(*m.get_ref())
                ),
            ),
            _ => {}
        }
        // NaN and infinities compare false with everything: a calibration toward one ran
        // its whole budget without accepting a particle. Nothing the model counts comes
        // near 1e15 (the world's yearly GMV is about 1e13 USD).
        let value = *r.value.get_ref();
        let place = self.place(&r.value);
        if !(value.is_finite() && value.abs() <= MAX_VALUE) {
            self.problem(
                place,
                format!(
                    "`value` must be a finite number between -1e15 and 1e15, not {}; write \
                     the figure in the quantity's unit (US dollars, people, or a share as 0.7)",
                    shown(value)
                ),
            );
        } else if matches!(r.kind, Kind::Share | Kind::Cancelled | Kind::Opened)
            && !(0.0..=1.0).contains(&value)
        {
            self.problem(
                place,
                format!(
                    "`value` is a share of kind {}, between 0 and 1 (write 70% as 0.7), not {}",
                    r.kind.name(),
                    shown(value)
                ),
            );
        } else if r.kind == Kind::Rank && value < 1.0 {
            self.problem(
                place,
                format!(
                    "`value` is a rank, 1 (the largest) or more, not {}",
                    shown(value)
                ),
            );
        }
        if let Some(k) = &r.scale
            && !(k.get_ref().is_finite() && *k.get_ref() > 0.0 && *k.get_ref() <= MAX_VALUE)
        {
            self.problem(
                self.place(k),
                format!(
                    "`scale` must be a number above 0 and at most 1e15 (the size of a miss \
                     that counts as one unit of distance), not {}",
                    shown(*k.get_ref())
                ),
            );
        }
    }
}

/// A number as a message quotes it: `nan`, `inf`, `1e308`, `0.7`.
fn shown(x: f64) -> String {
    if x.is_nan() {
        "nan".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.to_string()
    } else if x != 0.0 && !(1e-4..1e6).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

impl Targets {
    /// The bundled `scenarios/targets-2021.toml`.
    pub fn bundled() -> Targets {
        Targets::from_toml_str(TARGETS_2021_TOML, TARGETS_2021_NAME)
            .expect("the bundled targets file is valid (tested)")
    }

    /// Reads a targets file.
    pub fn from_path(path: &Path) -> Result<Targets> {
        let text = Targets::read_text(path)?;
        Ok(Targets::from_toml_str(&text, &path.display().to_string())?)
    }

    /// A targets file's text: a regular file only (a pipe, a device or a folder is refused
    /// unread, so a wrong name can neither hang the command nor flood it).
    pub fn read_text(path: &Path) -> Result<String, UserError> {
        crate::results::files::read_regular(path).map_err(|e| {
            let reason = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_string(),
                _ => e.to_string(),
            };
            UserError(format!(
                "cannot read the targets file {}: {reason}; name an existing file, or leave \
                 out --targets for the bundled scenarios/targets-2021.toml",
                path.display()
            ))
        })
    }

    /// Parses a targets file's text; `file` names it in errors (`file:line:column: ...`).
    pub fn from_toml_str(text: &str, file: &str) -> Result<Targets, UserError> {
        let raw = parse_raw(text, file)?;
        let mut problems = Vec::new();
        let mut targets = Vec::new();
        for (name, spanned) in raw.target {
            let at = line_col(text, spanned.span().start);
            let r = spanned.into_inner();
            let mut check = TargetProblems {
                text,
                file,
                name: &name,
                at,
                problems: &mut problems,
            };
            let metric = check.metric(&r);
            let weeks = r.weeks.as_ref().map(|w| (w.get_ref()[0], w.get_ref()[1]));
            check.quantity(&r, metric, weeks);
            check.numbers(&r);
            targets.push(Target {
                name: name.clone(),
                label: r.label,
                quantity: Quantity {
                    kind: r.kind,
                    metric,
                    countries: r.countries,
                    platforms: r.platforms,
                    country: r.country,
                    weeks,
                },
                check: r.check,
                value: r.value.into_inner(),
                tolerance: r.tolerance.map(|t| t.into_inner()),
                min_share: r.min_share.map(|m| m.into_inner()),
                scale: r.scale.map(|k| k.into_inner()),
                source: r.source,
                confidence: r.confidence,
                at,
            });
        }
        if targets.is_empty() && problems.is_empty() {
            problems.push(format!(
                "{file}: no targets; add at least one `[target.NAME]` table"
            ));
        }
        if problems.is_empty() {
            Ok(Targets {
                file: file.to_string(),
                targets,
            })
        } else {
            Err(UserError::lines(problems))
        }
    }

    /// Measures every target over `trials` of `world`.
    pub fn measure<'a>(
        &self,
        world: &World,
        trials: impl IntoIterator<Item = &'a TrialResult>,
    ) -> Result<Vec<Measured>> {
        let resolved = self.resolve(world)?;
        let mut values = vec![Vec::new(); resolved.len()];
        for r in trials {
            for (v, q) in values.iter_mut().zip(&resolved) {
                v.push(q.of(world, r));
            }
        }
        Ok(self.judge(values))
    }

    /// Measures every target over the trials of point `point` (0 without a sweep) of a result
    /// folder, read from its `trials.bin` one run at a time.
    pub fn measure_folder(&self, dir: &Path, point: usize) -> Result<Vec<Measured>> {
        let path = crate::results::ResultDir::new(dir).store();
        if !dir.is_dir() {
            return Err(UserError(format!(
                "{} is not a folder; name a result folder written by `livemarket run`",
                dir.display()
            ))
            .into());
        }
        let recorded = manifest::read(dir)?;
        let plan = crate::sweep::plan_recipe(&recorded.recipe).with_context(|| {
            format!(
                "cannot rebuild the run recorded in {}",
                crate::results::ResultDir::new(dir)
                    .manifest_json()
                    .display()
            )
        })?;
        let n = plan.points.len();
        let Some(world) = plan.points.get(point).map(|p| &p.world) else {
            return Err(UserError(format!(
                "--point {point}: {} has {}",
                dir.display(),
                if n == 1 {
                    "no sweep, so only point 0".to_string()
                } else {
                    format!("points 0 to {}", n - 1)
                }
            ))
            .into());
        };
        let resolved = self.resolve(world)?;
        crate::results::ResultDir::new(dir)
            .existing_store("the targets' quantities are measured")?;
        let Some(scan) = store::scan(&path, &plan.store_layout(&recorded.recipe))? else {
            return Err(UserError(format!(
                "{} is empty: the run in {} wrote no trials yet; let it finish, or run it \
                 again",
                path.display(),
                dir.display()
            ))
            .into());
        };
        let file = std::fs::File::open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let (nm, weeks) = (world.markets.len(), world.weeks as usize);
        let mut values = vec![Vec::new(); resolved.len()];
        for meta in scan.records.iter().filter(|r| r.point == point) {
            let r = store::read(&file, meta)
                .with_context(|| format!("cannot read {}", path.display()))?;
            if r.weekly.len() != nm * weeks || r.events.len() != nm {
                return Err(UserError(format!(
                    "{}: a record of run {} does not match the scenario in {} ({nm} markets, \
                     {weeks} weeks); the folder was changed after its run: run it again",
                    path.display(),
                    meta.run,
                    crate::results::ResultDir::new(dir)
                        .manifest_json()
                        .display()
                ))
                .into());
            }
            for (v, q) in values.iter_mut().zip(&resolved) {
                v.push(q.of(world, &r));
            }
        }
        if values.first().is_none_or(|v| v.is_empty()) {
            return Err(UserError(format!(
                "{} holds no trials of point {point} yet; let the run finish, or run it again",
                path.display()
            ))
            .into());
        }
        Ok(self.judge(values))
    }

    /// Judges each target's values (one list per target, in order) by its check, as
    /// `livemarket targets` judges a folder's trials (`calibrate --prior-check` judges each
    /// prior draw as a list of one).
    pub fn judge_values(&self, values: Vec<Vec<f64>>) -> Vec<Measured> {
        self.judge(values)
    }

    fn resolve(&self, world: &World) -> Result<Vec<Resolved>> {
        let mut problems = Vec::new();
        let mut out = Vec::new();
        for t in &self.targets {
            match t.quantity.resolve(world) {
                Ok(r) => out.push(r),
                Err(e) => problems.push(format!(
                    "{}:{}:{}: target `{}`: {e}",
                    self.file, t.at.0, t.at.1, t.name
                )),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(UserError::lines(problems).into())
        }
    }

    fn judge(&self, values: Vec<Vec<f64>>) -> Vec<Measured> {
        self.targets
            .iter()
            .zip(values)
            .map(|(t, values)| {
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                let q = |p| {
                    if sorted.is_empty() {
                        f64::NAN
                    } else {
                        quantile(&sorted, p)
                    }
                };
                let (median, p05, p95) = (q(0.5), q(0.05), q(0.95));
                let mean = values.iter().sum::<f64>() / values.len() as f64;
                let met =
                    values.iter().filter(|&&x| t.met_by(x)).count() as f64 / values.len() as f64;
                let holds = !values.is_empty()
                    && match t.check {
                        Check::MedianWithin => t.met_by(median),
                        Check::EveryTrialAbove
                        | Check::EveryTrialBelow
                        | Check::EveryTrialEqual => met == 1.0,
                        Check::MeanAbove => mean > t.value,
                        Check::MeanBelow => mean < t.value,
                        Check::ShareOfTrialsWithin
                        | Check::ShareOfTrialsAbove
                        | Check::ShareOfTrialsBelow => met >= t.min_share.unwrap_or(1.0),
                    };
                Measured {
                    values,
                    median,
                    p05,
                    p95,
                    mean,
                    met,
                    holds,
                }
            })
            .collect()
    }

    /// The table `livemarket targets` prints: each target beside the median and the 90% range
    /// (p05-p95) across trials, and whether it holds. Markdown when `markdown`.
    pub fn table(&self, measured: &[Measured], markdown: bool) -> String {
        let header = [
            "quantity",
            "target",
            "median",
            "90% range (p05-p95)",
            "holds",
            "source (confidence)",
        ];
        let rows: Vec<[String; 6]> = self
            .targets
            .iter()
            .zip(measured)
            .map(|(t, m)| {
                let unit = t.quantity.unit();
                let f = |x| human(x, unit);
                let verdict = if m.holds { "yes" } else { "NO" };
                let holds = match t.check {
                    Check::MeanAbove | Check::MeanBelow => {
                        format!("{verdict} (mean {})", f(m.mean))
                    }
                    Check::ShareOfTrialsWithin
                    | Check::ShareOfTrialsAbove
                    | Check::ShareOfTrialsBelow => format!(
                        "{verdict} ({} of trials, needs {})",
                        percent(m.met),
                        percent(t.min_share.unwrap_or(1.0))
                    ),
                    _ => verdict.to_string(),
                };
                let confidence = match t.confidence {
                    Confidence::High => "high",
                    Confidence::Medium => "medium",
                    Confidence::Low => "low",
                };
                [
                    t.label.clone(),
                    t.describe(),
                    f(m.median),
                    format!("{} - {}", f(m.p05), f(m.p95)),
                    holds,
                    format!("{} ({confidence})", t.source),
                ]
            })
            .collect();
        let mut out = String::new();
        if markdown {
            out.push_str(&format!("| {} |\n", header.join(" | ")));
            out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
            for r in &rows {
                out.push_str(&format!("| {} |\n", r.join(" | ")));
            }
        } else {
            let mut widths = header.map(|h| h.chars().count());
            for r in &rows {
                for (w, c) in widths.iter_mut().zip(r) {
                    *w = (*w).max(c.chars().count());
                }
            }
            let mut line = |cells: Vec<&str>| {
                let text: Vec<String> = cells
                    .iter()
                    .zip(widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect();
                out.push_str(text.join("  ").trim_end());
                out.push('\n');
            };
            line(header.to_vec());
            for r in &rows {
                line(r.iter().map(String::as_str).collect());
            }
        }
        out
    }
}

impl Target {
    /// The target and its check in words: `$950 m ±30% (median)`, `> 70% in every trial`.
    pub fn describe(&self) -> String {
        let unit = self.quantity.unit();
        let v = human(self.value, unit);
        let tol = self.tolerance.unwrap_or(0.0);
        let p = percent(self.min_share.unwrap_or(1.0));
        match self.check {
            Check::MedianWithin => format!("{v} ±{} (median)", percent(tol)),
            Check::ShareOfTrialsWithin => format!("{v} ±{} in ≥ {p} of trials", percent(tol)),
            Check::ShareOfTrialsAbove => format!("> {v} in ≥ {p} of trials"),
            Check::ShareOfTrialsBelow => format!("< {v} in ≥ {p} of trials"),
            Check::EveryTrialAbove => format!("> {v} in every trial"),
            Check::EveryTrialBelow => format!("< {v} in every trial"),
            Check::EveryTrialEqual if tol == 0.0 => format!("{v} in every trial"),
            Check::EveryTrialEqual => format!("{v} ±{tol:e} in every trial"),
            Check::MeanAbove => format!("> {v} on average"),
            Check::MeanBelow => format!("< {v} on average"),
        }
    }
}

impl Target {
    /// Whether the check is a bound (the quantity above or below the value) rather than a
    /// value to hit.
    ///
    /// This is what `livemarket calibrate` fits one simulation to: a value to hit misses by
    /// (quantity − value) / scale, a bound only by the amount on its wrong side. For the
    /// `share_of_trials_*` checks the miss is that of one trial in the same way (within: from
    /// the value, as `median_within`; above and below: as the bounds); `min_share` does not
    /// enter the distance, since one simulation is one trial: it is what the posterior
    /// predictive (`livemarket targets` on a run of the calibrated scenario) is judged by.
    pub fn side(&self) -> std::cmp::Ordering {
        match self.check {
            Check::MedianWithin | Check::EveryTrialEqual | Check::ShareOfTrialsWithin => {
                std::cmp::Ordering::Equal
            }
            Check::EveryTrialAbove | Check::MeanAbove | Check::ShareOfTrialsAbove => {
                std::cmp::Ordering::Greater
            }
            Check::EveryTrialBelow | Check::MeanBelow | Check::ShareOfTrialsBelow => {
                std::cmp::Ordering::Less
            }
        }
    }

    /// Whether one value of the quantity meets the target on its own: within the tolerance
    /// (relative for `median_within` and `share_of_trials_within`, absolute for
    /// `every_trial_equal`), or on the right side of a bound. The `share_of_trials_*` and
    /// `every_trial_*` checks count the trials it holds for; a prior predictive check can
    /// count the draws.
    pub fn met_by(&self, x: f64) -> bool {
        let tol = self.tolerance.unwrap_or(0.0);
        match self.check {
            Check::MedianWithin | Check::ShareOfTrialsWithin => {
                (x - self.value).abs() <= tol * self.value.abs()
            }
            Check::EveryTrialEqual => (x - self.value).abs() <= tol,
            Check::EveryTrialAbove | Check::MeanAbove | Check::ShareOfTrialsAbove => x > self.value,
            Check::EveryTrialBelow | Check::MeanBelow | Check::ShareOfTrialsBelow => x < self.value,
        }
    }
}

/// A share as a percentage with at most 3 significant digits: `30%`, `33.3%`, `87.5%`.
fn percent(x: f64) -> String {
    let p = x * 100.0;
    let digits = if p == 0.0 || p.abs() >= 10.0 {
        1
    } else if p.abs() >= 1.0 {
        2
    } else {
        3
    };
    let text = format!("{p:.digits$}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

/// The targets with a scale, bound to one world: the summaries `livemarket calibrate`
/// computes from each simulation (how far they are from the targets is the calibration's
/// distance).
pub struct Summaries {
    pub targets: Vec<Target>,
    resolved: Vec<Resolved>,
}

impl Summaries {
    /// The targets of `targets` that carry a scale, bound to `world`; an error when there is
    /// none, or when the world lacks what one selects.
    pub fn of(targets: &Targets, world: &World) -> Result<Summaries, UserError> {
        let chosen: Vec<Target> = targets
            .targets
            .iter()
            .filter(|t| t.scale.is_some())
            .cloned()
            .collect();
        if chosen.is_empty() {
            return Err(UserError(format!(
                "{}: no target has a `scale`, so there is nothing to calibrate to; give each \
                 target to fit a `scale = ...` (the size of a miss worth one unit of distance)",
                targets.file
            )));
        }
        let resolved = chosen
            .iter()
            .map(|t| {
                t.quantity.resolve(world).map_err(|e| {
                    UserError(format!(
                        "{}:{}:{}: target `{}`: {e}",
                        targets.file, t.at.0, t.at.1, t.name
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Summaries {
            targets: chosen,
            resolved,
        })
    }

    /// The summaries of one trial, in the targets' order.
    pub fn measure(&self, world: &World, trial: &TrialResult) -> Vec<f64> {
        self.resolved.iter().map(|q| q.of(world, trial)).collect()
    }
}

impl Quantity {
    /// How its values are written.
    pub(crate) fn unit(&self) -> Unit {
        match self.kind {
            Kind::Share | Kind::Cancelled | Kind::Opened => Unit::Share,
            Kind::Rank => Unit::Plain,
            Kind::Sum => match self.metric {
                Some(m) if m.name().ends_with("_usd") => Unit::Usd,
                Some(m) if m.additive() => Unit::Count,
                _ => Unit::Plain,
            },
        }
    }

    /// The markets, weeks and metric index the quantity reads in `world`; an error names
    /// what the world lacks.
    fn resolve(&self, world: &World) -> Result<Resolved, String> {
        let codes: Vec<&str> = world.countries.iter().map(|c| c.code.as_str()).collect();
        let names: Vec<&str> = world.platforms.iter().map(|p| p.name.as_str()).collect();
        let find = |list: &[&str], x: &str, what: &str| {
            list.iter().position(|c| *c == x).ok_or_else(|| {
                format!(
                    "{what} `{x}` is not in the results' scenario (it has {})",
                    list.join(", ")
                )
            })
        };
        let countries: Vec<usize> = if self.countries.is_empty() {
            (0..codes.len()).collect()
        } else {
            self.countries
                .iter()
                .map(|c| find(&codes, c, "country"))
                .collect::<Result<_, _>>()?
        };
        let platforms: Vec<usize> = if self.platforms.is_empty() {
            (0..names.len()).collect()
        } else {
            self.platforms
                .iter()
                .map(|p| find(&names, p, "platform"))
                .collect::<Result<_, _>>()?
        };
        let country = match &self.country {
            None => None,
            Some(c) => {
                let i = find(&codes, c, "country")?;
                if !countries.contains(&i) {
                    return Err(format!("country `{c}` is not among `countries`; add it"));
                }
                Some(i)
            }
        };
        let (first, last) = self.weeks.unwrap_or((0, world.weeks.saturating_sub(1)));
        if last >= world.weeks {
            return Err(format!(
                "week {last} is past the run's last week ({}); run at least {} weeks",
                world.weeks.saturating_sub(1),
                last + 1
            ));
        }
        // Per selected country, its markets of the selected platforms (a country may lack a
        // market of some platform: it then adds nothing).
        let markets: Vec<(usize, Vec<usize>)> = countries
            .iter()
            .map(|&c| {
                let ms = world
                    .markets
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| m.country == c && platforms.contains(&m.platform))
                    .map(|(i, _)| i)
                    .collect();
                (c, ms)
            })
            .collect();
        if markets.iter().all(|(_, ms)| ms.is_empty()) {
            return Err("the selected countries and platforms have no market".to_string());
        }
        Ok(Resolved {
            kind: self.kind,
            metric: self.metric.map(|m| m as usize),
            markets,
            country,
            weeks: first as usize..last as usize + 1,
        })
    }

    /// The quantity in one trial of `world`; panics when `world` lacks what it selects (use
    /// [`Targets::measure`] for an error instead).
    pub fn of(&self, world: &World, trial: &TrialResult) -> f64 {
        self.resolve(world)
            .unwrap_or_else(|e| panic!("{e}"))
            .of(world, trial)
    }
}

/// A quantity bound to the markets and weeks of one world.
struct Resolved {
    kind: Kind,
    metric: Option<usize>,
    /// Selected countries with their selected markets.
    markets: Vec<(usize, Vec<usize>)>,
    country: Option<usize>,
    weeks: std::ops::Range<usize>,
}

impl Resolved {
    fn of(&self, world: &World, r: &TrialResult) -> f64 {
        let nm = world.markets.len();
        let country_sum = |ms: &[usize]| -> f64 {
            let k = self.metric.expect("checked on reading");
            self.weeks
                .clone()
                .map(|t| ms.iter().map(|&m| r.record(nm, t, m)[k]).sum::<f64>())
                .sum()
        };
        let share_of = |hit: fn(&crate::model::Events) -> bool| {
            let all: Vec<usize> = self
                .markets
                .iter()
                .flat_map(|(_, ms)| ms)
                .copied()
                .collect();
            all.iter().filter(|&&m| hit(&r.events[m])).count() as f64 / all.len() as f64
        };
        match self.kind {
            Kind::Sum => self.markets.iter().map(|(_, ms)| country_sum(ms)).sum(),
            Kind::Share | Kind::Rank => {
                let sums: Vec<(usize, f64)> = self
                    .markets
                    .iter()
                    .map(|(c, ms)| (*c, country_sum(ms)))
                    .collect();
                let c = self.country.expect("checked on reading");
                let own = sums.iter().find(|(x, _)| *x == c).map_or(0.0, |s| s.1);
                if self.kind == Kind::Share {
                    let total: f64 = sums.iter().map(|s| s.1).sum();
                    if total > 0.0 { own / total } else { 0.0 }
                } else {
                    1.0 + sums.iter().filter(|(x, v)| *x != c && *v > own).count() as f64
                }
            }
            Kind::Cancelled => share_of(|e| e.cancelled),
            Kind::Opened => share_of(|e| e.opened.is_some()),
        }
    }
}

/// `livemarket targets DIR`: the targets file's targets (else the bundled ones) beside the
/// folder's trials at sweep point `point`, printed.
pub fn command(dir: &Path, targets: Option<&Path>, point: usize, markdown: bool) -> Result<()> {
    let targets = match targets {
        Some(path) => Targets::from_path(path)?,
        None => Targets::bundled(),
    };
    crate::results::files::refuse_as_run_folder(dir)?;
    let _lock = crate::lock::hold(dir, crate::lock::Access::Read)?;
    let measured = targets.measure_folder(dir, point)?;
    let n = measured.first().map_or(0, |m| m.values.len());
    crate::table::print(|out| {
        use std::io::Write;
        write!(out, "{}", targets.table(&measured, markdown))?;
        writeln!(
            out,
            "\n{n} trials of {}; median and p05-p95 across trials (type-7 quantiles); targets from {}.",
            dir.display(),
            targets.file
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_targets_parse() {
        let t = Targets::bundled();
        assert!(t.targets.len() >= 5);
        assert!(t.targets.iter().all(|t| !t.source.is_empty()));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let text = "[target.a]\nlabel = \"x\"\nkind = \"total\"\n";
        let e = Targets::from_toml_str(text, "t.toml").unwrap_err().0;
        assert!(e.starts_with("t.toml:3:8:"), "{e}");
        assert!(e.contains("unknown variant `total`"), "{e}");
        let text = "[target.a]\nlabel = \"x\"\nkind = \"sum\"\nmetric = \"gmv\"\n\
                    check = \"every_trial_above\"\nvalue = 1\nsource = \"s\"\nconfidence = \"low\"\n";
        let e = Targets::from_toml_str(text, "t.toml").unwrap_err().0;
        assert!(
            e.starts_with("t.toml:4:10: target `a`: unknown metric `gmv`"),
            "{e}"
        );
        let e = Targets::from_toml_str("[target.a]\nlabel = \"x\"\nwhat = 1\n", "t.toml")
            .unwrap_err()
            .0;
        assert!(
            e.contains("t.toml:3:1:") && e.contains("unknown field `what`"),
            "{e}"
        );
    }

    #[test]
    fn a_check_without_its_tolerance_is_an_error() {
        let text = "[target.a]\nlabel = \"x\"\nkind = \"cancelled\"\n\
                    check = \"median_within\"\nvalue = 1\nsource = \"s\"\nconfidence = \"low\"\n";
        let e = Targets::from_toml_str(text, "t.toml").unwrap_err().0;
        assert!(e.contains("needs `tolerance"), "{e}");
    }
}
