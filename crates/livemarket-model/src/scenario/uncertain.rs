//! Uncertain parameters: the `[uncertain]` table gives numeric parameters a distribution,
//! and each trial draws its own values from it.
//!
//! Every draw goes through the quantile function of its distribution truncated to the
//! parameter's valid range: a uniform number u in (0, 1) becomes
//! `Q(F(lo) + u × (F(hi) − F(lo)))`. Truncation then needs no rejection loop (so a trial
//! always takes the same number of uniforms), and a group of parameters shares a common
//! factor simply: one u per group per trial, read through each member's own quantile. The
//! members of a group are therefore comonotone (perfect rank correlation: when one is at its
//! 90th percentile, every other is at its own 90th percentile), the simplest "these move
//! together" an analyst can state, and each member keeps exactly its own marginal
//! distribution.

use super::keys::{Kind, Range, spec_of};
use super::names::{is_plain_name, nearest};
use crate::special::incomplete_beta;
use indexmap::IndexMap;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One uncertain parameter: its distribution and, optionally, the group whose common factor
/// it shares.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "toml::Value", into = "toml::Value")]
pub struct Uncertain {
    pub dist: Dist,
    /// Parameters naming the same group draw one uniform per trial between them.
    pub group: Option<String>,
}

/// The key of `[uncertain]` that names a posterior file rather than a parameter (parameter
/// paths always hold a dot, so no parameter can be called this).
pub const POSTERIOR: &str = "posterior";

/// The `[uncertain]` table: distributions by parameter path, in file order, and optionally a
/// posterior file (`posterior = "PATH"`) whose particles give trials their values in place of
/// the distributions of the paths it holds.
///
/// It dereferences to the distributions, so code that only reads them treats the table as
/// the map it was before the posterior key existed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The posterior file as written, relative to the folder of the scenario file that says
    /// it; reading it is the app's business (the model reads no files).
    pub posterior: Option<String>,
    pub params: IndexMap<String, Uncertain>,
}

impl Table {
    /// Neither distributions nor a posterior: the scenario has no `[uncertain]` table to
    /// write. (`is_empty`, through the map, asks about the distributions alone.)
    pub fn is_absent(&self) -> bool {
        self.posterior.is_none() && self.params.is_empty()
    }
}

impl std::ops::Deref for Table {
    type Target = IndexMap<String, Uncertain>;
    fn deref(&self) -> &Self::Target {
        &self.params
    }
}

impl std::ops::DerefMut for Table {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.params
    }
}

impl<'a> IntoIterator for &'a Table {
    type Item = (&'a String, &'a Uncertain);
    type IntoIter = indexmap::map::Iter<'a, String, Uncertain>;
    fn into_iter(self) -> Self::IntoIter {
        self.params.iter()
    }
}

impl Serialize for Table {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(
            self.params.len() + usize::from(self.posterior.is_some()),
        ))?;
        if let Some(p) = &self.posterior {
            m.serialize_entry(POSTERIOR, p)?;
        }
        for (path, u) in &self.params {
            m.serialize_entry(path, u)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Table {
    /// Entry by entry, so an error in one distribution is placed at that entry's value.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = Table;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of parameter paths with their distributions")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Table, A::Error> {
                let mut t = Table::default();
                while let Some(key) = map.next_key::<String>()? {
                    if key == POSTERIOR {
                        t.posterior = Some(map.next_value::<PosteriorFile>()?.0);
                    } else {
                        let u = map.next_value::<Uncertain>()?;
                        t.params.insert(key, u);
                    }
                }
                Ok(t)
            }
        }
        d.deserialize_map(Entries)
    }
}

/// The value of `posterior`, checked where it is read so an error points at it.
#[derive(Deserialize)]
#[serde(try_from = "toml::Value")]
struct PosteriorFile(String);

impl TryFrom<toml::Value> for PosteriorFile {
    type Error = String;

    fn try_from(v: toml::Value) -> Result<Self, String> {
        match v {
            toml::Value::String(s) if !s.trim().is_empty() => Ok(PosteriorFile(s)),
            other => Err(format!(
                "`posterior` = {other} is not a file; give the folder `livemarket calibrate` \
                 wrote or its posterior.csv, in quotes and relative to this scenario file, as \
                 in `posterior = \"calibration/posterior.csv\"`"
            )),
        }
    }
}

/// A distribution before truncation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    Uniform {
        min: f64,
        max: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    /// ln x is normal with mean ln(median) and standard deviation sigma.
    Lognormal {
        median: f64,
        sigma: f64,
    },
    /// Beta(alpha, beta) stretched from [0, 1] onto [min, max].
    Beta {
        alpha: f64,
        beta: f64,
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
}

const FORMS: &str = "write `{ dist = \"uniform\", min = A, max = B }`, `{ dist = \"normal\", \
    mean = M, sd = S }`, `{ dist = \"lognormal\", median = M, sigma = S }`, `{ dist = \"beta\", \
    alpha = A, beta = B }` (optionally with `min` and `max`, default 0 and 1) or `{ dist = \
    \"triangular\", min = A, mode = C, max = B }`, each optionally with `group = \"NAME\"`";

/// The distribution names, for messages.
pub const DISTS: &[&str] = &["uniform", "normal", "lognormal", "beta", "triangular"];

impl TryFrom<toml::Value> for Uncertain {
    type Error = String;

    fn try_from(v: toml::Value) -> Result<Self, String> {
        let toml::Value::Table(t) = v else {
            return Err(format!("{v} is not a distribution; {FORMS}"));
        };
        let name = match t.get("dist") {
            Some(toml::Value::String(s)) => s.clone(),
            Some(other) => return Err(format!("`dist` = {other} is not a name; {FORMS}")),
            None => return Err(format!("`dist` is missing; {FORMS}")),
        };
        let wanted: &[&str] = match name.as_str() {
            "uniform" => &["min", "max"],
            "normal" => &["mean", "sd"],
            "lognormal" => &["median", "sigma"],
            "beta" => &["alpha", "beta", "min", "max"],
            "triangular" => &["min", "mode", "max"],
            other => {
                let valid: Vec<String> = DISTS.iter().map(|d| d.to_string()).collect();
                let hint = nearest(other, &valid)
                    .map(|b| format!("did you mean `{b}`? "))
                    .unwrap_or_default();
                return Err(format!(
                    "`dist` cannot be `{other}`; {hint}use one of {}",
                    DISTS
                        .iter()
                        .map(|d| format!("`{d}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        };
        for key in t.keys() {
            if key != "dist" && key != "group" && !wanted.contains(&key.as_str()) {
                return Err(format!(
                    "a `{name}` distribution has no key `{key}`; it takes {} (and optionally \
                     `group`)",
                    wanted
                        .iter()
                        .map(|w| format!("`{w}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        let optional = |key: &str| name == "beta" && (key == "min" || key == "max");
        let mut x = [0.0; 4];
        for (slot, key) in x.iter_mut().zip(wanted) {
            *slot = match t.get(*key) {
                Some(toml::Value::Float(f)) if f.is_finite() => *f,
                Some(toml::Value::Integer(i)) => *i as f64,
                Some(other) => {
                    return Err(format!("`{key}` = {other} is not a finite number; {FORMS}"));
                }
                None if optional(key) => f64::from(u8::from(*key == "max")),
                None => {
                    return Err(format!("a `{name}` distribution needs `{key}`; {FORMS}"));
                }
            };
        }
        let dist = match name.as_str() {
            "uniform" => Dist::Uniform {
                min: x[0],
                max: x[1],
            },
            "normal" => Dist::Normal {
                mean: x[0],
                sd: x[1],
            },
            "lognormal" => Dist::Lognormal {
                median: x[0],
                sigma: x[1],
            },
            "beta" => Dist::Beta {
                alpha: x[0],
                beta: x[1],
                min: x[2],
                max: x[3],
            },
            _ => Dist::Triangular {
                min: x[0],
                mode: x[1],
                max: x[2],
            },
        };
        dist.check()?;
        let group = match t.get("group") {
            None => None,
            Some(toml::Value::String(g)) if is_plain_name(g) => Some(g.clone()),
            Some(other) => {
                return Err(format!(
                    "`group` = {other} is not a plain name; use letters, digits, `_` and `-`, \
                     such as `group = \"west\"`"
                ));
            }
        };
        Ok(Uncertain { dist, group })
    }
}

impl From<Uncertain> for toml::Value {
    fn from(u: Uncertain) -> toml::Value {
        let mut t = toml::Table::new();
        let (name, keys): (&str, Vec<(&str, f64)>) = match u.dist {
            Dist::Uniform { min, max } => ("uniform", vec![("min", min), ("max", max)]),
            Dist::Normal { mean, sd } => ("normal", vec![("mean", mean), ("sd", sd)]),
            Dist::Lognormal { median, sigma } => {
                ("lognormal", vec![("median", median), ("sigma", sigma)])
            }
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => (
                "beta",
                vec![("alpha", alpha), ("beta", beta), ("min", min), ("max", max)],
            ),
            Dist::Triangular { min, mode, max } => (
                "triangular",
                vec![("min", min), ("mode", mode), ("max", max)],
            ),
        };
        t.insert("dist".into(), name.into());
        for (k, v) in keys {
            t.insert(k.into(), v.into());
        }
        if let Some(g) = u.group {
            t.insert("group".into(), g.into());
        }
        toml::Value::Table(t)
    }
}

impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::num::Plain as P;
        match *self {
            Dist::Uniform { min, max } => write!(f, "uniform(min {}, max {})", P(min), P(max)),
            Dist::Normal { mean, sd } => write!(f, "normal(mean {}, sd {})", P(mean), P(sd)),
            Dist::Lognormal { median, sigma } => {
                write!(f, "lognormal(median {}, sigma {})", P(median), P(sigma))
            }
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => write!(
                f,
                "beta(alpha {}, beta {}) on [{}, {}]",
                P(alpha),
                P(beta),
                P(min),
                P(max)
            ),
            Dist::Triangular { min, mode, max } => write!(
                f,
                "triangular(min {}, mode {}, max {})",
                P(min),
                P(mode),
                P(max)
            ),
        }
    }
}

impl Dist {
    /// The shape rules of each distribution, as a message saying what to change.
    fn check(&self) -> Result<(), String> {
        match *self {
            Dist::Uniform { min, max } | Dist::Beta { min, max, .. } if min >= max => {
                Err(format!("`min` = {min} must be below `max` = {max}"))
            }
            Dist::Normal { sd, .. } if sd <= 0.0 => Err(format!("`sd` = {sd} must be above 0")),
            Dist::Lognormal { median, sigma } if median <= 0.0 || sigma <= 0.0 => Err(format!(
                "`median` = {median} and `sigma` = {sigma} must both be above 0"
            )),
            Dist::Beta { alpha, beta, .. } if alpha <= 0.0 || beta <= 0.0 => Err(format!(
                "`alpha` = {alpha} and `beta` = {beta} must both be above 0"
            )),
            Dist::Triangular { min, mode, max } if !(min <= mode && mode <= max && min < max) => {
                Err(format!(
                    "a triangular distribution needs `min` ≤ `mode` ≤ `max` and `min` < `max`; \
                     it has {min}, {mode}, {max}"
                ))
            }
            _ => Ok(()),
        }
    }

    /// The cumulative distribution function.
    pub fn cdf(&self, x: f64) -> f64 {
        match *self {
            Dist::Uniform { min, max } => ((x - min) / (max - min)).clamp(0.0, 1.0),
            Dist::Normal { mean, sd } => normal_cdf((x - mean) / sd),
            Dist::Lognormal { median, sigma } => {
                if x <= 0.0 {
                    0.0
                } else {
                    normal_cdf((x / median).ln() / sigma)
                }
            }
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => {
                let y = (x - min) / (max - min);
                if y <= 0.0 {
                    0.0
                } else if y >= 1.0 {
                    1.0
                } else if let Some((m, sd)) = beta_as_normal(alpha, beta) {
                    if sd > 0.0 {
                        normal_cdf((y - m) / sd)
                    } else if y < m {
                        0.0
                    } else {
                        1.0
                    }
                } else {
                    incomplete_beta(y, alpha, beta)
                }
            }
            Dist::Triangular { min, mode, max } => {
                if x <= min {
                    0.0
                } else if x >= max {
                    1.0
                } else if x <= mode {
                    (x - min).powi(2) / ((max - min) * (mode - min))
                } else {
                    1.0 - (max - x).powi(2) / ((max - min) * (max - mode))
                }
            }
        }
    }

    /// The quantile function (the inverse of [`Dist::cdf`]) at p in [0, 1].
    pub fn quantile(&self, p: f64) -> f64 {
        match *self {
            Dist::Uniform { min, max } => min + p * (max - min),
            Dist::Normal { mean, sd } => mean + sd * normal_quantile(p),
            Dist::Lognormal { median, sigma } => median * (sigma * normal_quantile(p)).exp(),
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => {
                if let Some((m, sd)) = beta_as_normal(alpha, beta) {
                    let y = (m + sd * normal_quantile(p)).clamp(0.0, 1.0);
                    return min + y * (max - min);
                }
                // Bisection: the CDF is monotone on [0, 1]; 60 halvings reach 1e-18.
                let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
                for _ in 0..60 {
                    let mid = 0.5 * (lo + hi);
                    if incomplete_beta(mid, alpha, beta) < p {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                min + 0.5 * (lo + hi) * (max - min)
            }
            Dist::Triangular { min, mode, max } => {
                let cut = (mode - min) / (max - min);
                if p <= cut {
                    min + (p * (max - min) * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - p) * (max - min) * (max - mode)).sqrt()
                }
            }
        }
    }

    /// The mean before truncation.
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Uniform { min, max } => 0.5 * (min + max),
            Dist::Normal { mean, .. } => mean,
            Dist::Lognormal { median, sigma } => median * (0.5 * sigma * sigma).exp(),
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => min + 1.0 / (1.0 + beta / alpha) * (max - min),
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
        }
    }
}

/// Above this, alpha + beta is too large for the incomplete beta function's continued
/// fraction (its 300 terms no longer converge, and lgamma's difference loses every digit:
/// alpha = beta = 1e200 gave 4.3e-19 at every level).
const BETA_AS_NORMAL: f64 = 1e6;

/// For alpha + beta above [`BETA_AS_NORMAL`], Beta(alpha, beta) as the normal of its mean and
/// sd (its skewness and excess kurtosis are then under 2e-3 and 6e-6 where both are large,
/// and its sd under 5e-4, so the normal is as good as the digits a draw keeps); None below.
/// Written so that alpha and beta up to f64::MAX do not overflow.
fn beta_as_normal(alpha: f64, beta: f64) -> Option<(f64, f64)> {
    if alpha + beta <= BETA_AS_NORMAL {
        return None;
    }
    let m = 1.0 / (1.0 + beta / alpha);
    let rest = 1.0 / (1.0 + alpha / beta);
    // Var = m (1 − m) / (alpha + beta + 1); the sum may be infinite, the variance then 0.
    let sd = (m * rest / (alpha + beta + 1.0)).sqrt();
    Some((m, sd))
}

/// The interval a parameter's draws are truncated to: its range in the key table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub lo: f64,
    pub hi: f64,
    /// The range excludes `lo` itself (`above 0`).
    pub open_lo: bool,
}

impl fmt::Display for Bounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::num::Plain as P;
        let lo = if self.lo == f64::NEG_INFINITY {
            "(-inf".to_string()
        } else if self.open_lo {
            format!("({}", P(self.lo))
        } else {
            format!("[{}", P(self.lo))
        };
        let hi = if self.hi == f64::INFINITY {
            "inf)".to_string()
        } else {
            format!("{}]", P(self.hi))
        };
        write!(f, "{lo}, {hi}")
    }
}

/// The truncation bounds of the parameter at `path`, or why it cannot be uncertain.
pub fn bounds_of(path: &str) -> Result<Bounds, String> {
    let key = spec_of(path).ok_or_else(|| format!("`{path}` is not a parameter"))?;
    if key.kind != Kind::Number {
        return Err(format!(
            "`{path}` takes {} values; only number parameters can be uncertain (draws are \
             continuous)",
            key.kind
        ));
    }
    match key.range {
        Range::Any => Ok(Bounds {
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
            open_lo: false,
        }),
        Range::Within(lo, hi) => Ok(Bounds {
            lo,
            hi,
            open_lo: false,
        }),
        Range::AboveZero(hi) => Ok(Bounds {
            lo: 0.0,
            hi,
            open_lo: true,
        }),
        Range::Whole(..) => Err(format!(
            "`{path}` takes whole numbers; it cannot be uncertain"
        )),
        Range::Rule(rule) => Err(format!(
            "`{path}`'s valid range depends on other keys ({rule}), so its draws cannot be \
             truncated to it in advance; give it a fixed value, or make the keys it depends on \
             uncertain instead"
        )),
    }
}

/// The numeric keys of a distribution, in the order it is written, with their values.
pub fn keys(d: &Dist) -> Vec<(&'static str, f64)> {
    match toml::Value::from(Uncertain {
        dist: *d,
        group: None,
    }) {
        toml::Value::Table(t) => t
            .into_iter()
            .filter_map(|(k, v)| {
                let name = [
                    "min", "max", "mean", "sd", "median", "sigma", "alpha", "beta", "mode",
                ]
                .into_iter()
                .find(|n| *n == k)?;
                Some((name, v.as_float()?))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The entry `path` of `table` with its distribution's `key` set to `x` (a sweep over a
/// distribution's parameters), checked as the file's entries are: the shape rules, and some
/// probability inside the parameter's range.
pub fn set_key(
    table: &mut IndexMap<String, Uncertain>,
    path: &str,
    key: &str,
    x: f64,
) -> Result<(), String> {
    let u = table
        .get_mut(path)
        .ok_or_else(|| format!("[uncertain] has no entry `{path}`"))?;
    let mut v = toml::Value::from(u.clone());
    if let toml::Value::Table(t) = &mut v {
        t.insert(key.to_string(), toml::Value::Float(x));
    }
    let changed = Uncertain::try_from(v).map_err(|e| format!("[uncertain] `{path}`: {e}"))?;
    let b = bounds_of(path)?;
    let m = mass(&changed.dist, &b);
    if m.is_nan() || m <= MIN_MASS {
        return Err(format!(
            "`{path}` ~ {} puts no probability inside the parameter's valid range {b}",
            changed.dist
        ));
    }
    *u = changed;
    Ok(())
}

/// Probability mass a distribution puts inside `b`, below which its support is called empty.
pub(crate) const MIN_MASS: f64 = 1e-9;

/// The probability the distribution puts inside the bounds.
pub fn mass(d: &Dist, b: &Bounds) -> f64 {
    d.cdf(b.hi) - d.cdf(b.lo)
}

/// A parameter's draw for quantile level `u` in (0, 1), truncated to `b`.
pub fn truncated_quantile(d: &Dist, b: &Bounds, u: f64) -> f64 {
    let (flo, fhi) = (d.cdf(b.lo), d.cdf(b.hi));
    let x = d.quantile(flo + u * (fhi - flo)).clamp(b.lo, b.hi);
    if b.open_lo && x <= b.lo {
        // The quantile rounded onto an excluded bound: the nearest value inside.
        b.lo.next_up()
    } else {
        x
    }
}

/// The stream tag of the uncertain draws: "uncertai" as bytes, no two-letter country code,
/// so the stream is never one of the model's country streams.
const STREAM: u64 = u64::from_le_bytes(*b"uncertai");

/// A uniform number strictly inside (0, 1), so the quantile of an unbounded distribution is
/// finite.
fn open_unit(rng: &mut impl RngCore) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// The values of every uncertain parameter for the trial whose seed is `trial_seed`, in the
/// table's order. One uniform per independent parameter and one per group, taken in the
/// order the table first names them from a generator of the trial seed and a fixed stream
/// tag: a trial draws the same values at every sweep point and on any thread count.
pub fn draw(table: &IndexMap<String, Uncertain>, trial_seed: u64) -> Vec<f64> {
    use crate::model::rng::{ModelRng, splitmix64};
    use rand::SeedableRng;
    let mut rng = ModelRng::seed_from_u64(splitmix64(trial_seed ^ splitmix64(STREAM)));
    let f = factors(table);
    let levels: Vec<f64> = (0..f.count).map(|_| open_unit(&mut rng)).collect();
    values_at(table, &f, &levels)
}

/// How a table's parameters map onto independent factors: one per ungrouped parameter and
/// one per group, numbered in the order the table first names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factors {
    /// Number of factors.
    pub count: usize,
    /// The factor of each parameter, in the table's order.
    pub of: Vec<usize>,
    /// Each factor's name: the parameter's path, or the group's name.
    pub names: Vec<String>,
}

/// The factors of `table` (see [`Factors`]).
pub fn factors(table: &IndexMap<String, Uncertain>) -> Factors {
    let mut names: Vec<String> = Vec::new();
    let mut groups: Vec<(&str, usize)> = Vec::new();
    let of = table
        .iter()
        .map(|(path, u)| match &u.group {
            Some(g) => match groups.iter().find(|(name, _)| name == g) {
                Some(&(_, i)) => i,
                None => {
                    groups.push((g, names.len()));
                    names.push(g.clone());
                    names.len() - 1
                }
            },
            None => {
                names.push(path.clone());
                names.len() - 1
            }
        })
        .collect();
    Factors {
        count: names.len(),
        of,
        names,
    }
}

/// The values of every parameter of `table` (in its order) when its factors `f` (those of
/// [`factors`]`(table)`) stand at the uniform levels `levels` (each strictly inside (0, 1)),
/// rounded as every draw is.
pub fn values_at(table: &IndexMap<String, Uncertain>, f: &Factors, levels: &[f64]) -> Vec<f64> {
    table
        .iter()
        .zip(&f.of)
        .map(|((path, u), &i)| {
            let b = bounds_of(path).expect("validated uncertain parameter");
            written(truncated_quantile(&u.dist, &b, levels[i]), &b)
        })
        .collect()
}

/// The standard normal CDF, Φ.
pub fn standard_normal_cdf(z: f64) -> f64 {
    normal_cdf(z)
}

/// Significant digits a draw keeps: the value simulated is the value `draws.csv` shows,
/// so a trial can be rerun from its row with `--set`.
pub const DRAW_DIGITS: usize = 6;

/// `x` rounded to [`DRAW_DIGITS`] significant digits, kept inside the bounds.
fn written(x: f64, b: &Bounds) -> f64 {
    let r: f64 = format!("{x:.*e}", DRAW_DIGITS - 1)
        .parse()
        .expect("a formatted number parses");
    if (b.open_lo && r <= b.lo) || r < b.lo || r > b.hi {
        x
    } else {
        r + 0.0
    }
}

/// The standard normal CDF, from the complementary error function.
fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The standard normal quantile: Acklam's rational approximation (relative error 1.2e-9)
/// refined by one Halley step on the exact CDF, which brings it to machine precision.
fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    let e = normal_cdf(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (0.5 * x * x).exp();
    x - u / (1.0 + 0.5 * x * u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Scenario, params};

    const SMALL: &str = include_str!("../../../../tests/data/small.toml");

    fn with(table: &str) -> Result<Scenario, crate::scenario::ScenarioError> {
        Scenario::from_toml_str(&format!("{SMALL}\n[uncertain]\n{table}\n"), "small.toml")
    }

    fn one(spec: &str) -> Uncertain {
        let s = with(&format!("\"countries.AA.deal_sensitivity\" = {spec}")).unwrap();
        s.uncertain["countries.AA.deal_sensitivity"].clone()
    }

    /// `n` draws of one parameter, from trials 0..n of scenario seed 7.
    fn draws(table: &IndexMap<String, Uncertain>, n: u64) -> Vec<Vec<f64>> {
        (0..n)
            .map(|k| draw(table, crate::model::rng::trial_seed(7, k)))
            .collect()
    }

    /// The Kolmogorov-Smirnov distance of a sample from a CDF.
    fn ks(sample: &mut [f64], cdf: impl Fn(f64) -> f64) -> f64 {
        sample.sort_by(f64::total_cmp);
        let n = sample.len() as f64;
        sample
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let f = cdf(x);
                (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn quantiles_invert_the_cdfs() {
        let dists = [
            Dist::Uniform {
                min: -1.0,
                max: 3.0,
            },
            Dist::Normal { mean: 2.0, sd: 0.5 },
            Dist::Lognormal {
                median: 3.0,
                sigma: 0.8,
            },
            Dist::Beta {
                alpha: 2.0,
                beta: 5.0,
                min: 0.0,
                max: 1.0,
            },
            Dist::Beta {
                alpha: 0.5,
                beta: 0.5,
                min: 1.0,
                max: 2.0,
            },
            Dist::Triangular {
                min: 0.0,
                mode: 1.0,
                max: 4.0,
            },
        ];
        for d in dists {
            for p in [1e-6, 0.01, 0.1, 0.3, 0.5, 0.77, 0.99, 1.0 - 1e-6] {
                let back = d.cdf(d.quantile(p));
                assert!((back - p).abs() < 1e-9, "{d}: F(Q({p})) = {back}");
            }
        }
        // Closed forms: Φ(1.959963984540054) = 0.975; the Beta(2, 2) CDF is 3x² − 2x³.
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-12);
        let b = Dist::Beta {
            alpha: 2.0,
            beta: 2.0,
            min: 0.0,
            max: 1.0,
        };
        for x in [0.1, 0.4, 0.9] {
            assert!((b.cdf(x) - (3.0 * x * x - 2.0 * x * x * x)).abs() < 1e-12);
        }
    }

    #[test]
    fn draws_follow_their_distributions() {
        // 20 000 draws each. The mean is checked to 5 standard errors (sd/√n, false alarm
        // rate 6e-7); the sample CDF to the 1% critical Kolmogorov distance 1.628/√n. The
        // ranges chosen leave truncation (to deal_sensitivity's 0..20) a mass below 1e-9.
        let n = 20_000;
        let cases = [
            (
                "{ dist = \"uniform\", min = 1, max = 3 }",
                (2.0_f64 / 12.0_f64.sqrt()),
            ),
            ("{ dist = \"normal\", mean = 5, sd = 0.5 }", 0.5),
            ("{ dist = \"lognormal\", median = 2, sigma = 0.3 }", {
                let (m, s2) = (2.0_f64, 0.09_f64);
                ((s2.exp() - 1.0) * (2.0 * m.ln() + s2).exp()).sqrt()
            }),
            (
                "{ dist = \"beta\", alpha = 2, beta = 5, min = 0, max = 10 }",
                {
                    let (a, b) = (2.0_f64, 5.0_f64);
                    10.0 * (a * b / ((a + b).powi(2) * (a + b + 1.0))).sqrt()
                },
            ),
            ("{ dist = \"triangular\", min = 1, mode = 2, max = 6 }", {
                let (a, c, b) = (1.0_f64, 2.0_f64, 6.0_f64);
                ((a * a + b * b + c * c - a * b - a * c - b * c) / 18.0).sqrt()
            }),
        ];
        for (spec, sd) in cases {
            let u = one(spec);
            let mut table = IndexMap::new();
            table.insert("countries.AA.deal_sensitivity".to_string(), u.clone());
            let mut xs: Vec<f64> = draws(&table, n).into_iter().map(|v| v[0]).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let se = sd / (n as f64).sqrt();
            assert!(
                (mean - u.dist.mean()).abs() < 5.0 * se,
                "{spec}: mean {mean} vs {} (se {se})",
                u.dist.mean()
            );
            let d = ks(&mut xs, |x| u.dist.cdf(x));
            assert!(d < 1.628 / (n as f64).sqrt(), "{spec}: KS distance {d}");
        }
    }

    #[test]
    fn truncation_holds_and_follows_the_truncated_distribution() {
        // live_affinity.mean is a share (0 to 1); normal(0.9, 0.2) puts 31% of its mass
        // above 1. Every draw stays inside, and the draws follow the normal conditioned on
        // [0, 1]: Kolmogorov distance below the 1% critical 1.628/√n.
        let s = with(
            "\"countries.CC.live_affinity.mean\" = { dist = \"normal\", mean = 0.9, sd = 0.2 }\n\
             \"countries.AA.online_share\" = { dist = \"uniform\", min = -1, max = 0.5 }",
        )
        .unwrap();
        let n = 20_000;
        let all = draws(&s.uncertain, n);
        let b = bounds_of("countries.CC.live_affinity.mean").unwrap();
        let d = s.uncertain[0].dist;
        let (flo, fhi) = (d.cdf(0.0), d.cdf(1.0));
        assert!(fhi < 0.7, "the case truncates: F(1) = {fhi}");
        let mut xs: Vec<f64> = all.iter().map(|v| v[0]).collect();
        assert!(xs.iter().all(|x| (0.0..=1.0).contains(x)), "{b}");
        let dist = ks(&mut xs, |x| (d.cdf(x) - flo) / (fhi - flo));
        assert!(dist < 1.628 / (n as f64).sqrt(), "KS distance {dist}");
        // online_share is above 0: uniform(-1, 0.5) is cut to (0, 0.5], never 0 itself.
        assert!(all.iter().all(|v| v[1] > 0.0 && v[1] <= 0.5));
    }

    #[test]
    fn a_group_shares_one_draw_through_each_members_quantile() {
        // Comonotone by construction: each member is its own quantile of the group's level, so
        // the rank correlation is 1 and one member determines the other. Draws keep 6
        // significant digits: x moves by at most 5e-6 × |x| (≤ 1.5e-5 here), so F(x) by at
        // most that times the largest density (1.33 for the normal, 0.67 for the
        // triangular): the levels agree within 3e-5 (5e-5 asserted). An
        // independent parameter is uncorrelated: its sample Pearson correlation with a member
        // has sd 1/√n = 0.0071 at n = 20 000; 5 sd is 0.035.
        let s = with(
            "\"countries.AA.deal_sensitivity\" = { dist = \"normal\", mean = 2, sd = 0.3, group = \"west\" }\n\
             \"countries.BB.deal_sensitivity\" = { dist = \"triangular\", min = 0, mode = 1, max = 3, group = \"west\" }\n\
             \"countries.CC.deal_sensitivity\" = { dist = \"uniform\", min = 0, max = 4 }",
        )
        .unwrap();
        let n = 20_000;
        let all = draws(&s.uncertain, n);
        let (da, db) = (s.uncertain[0].dist, s.uncertain[1].dist);
        for v in &all {
            // Same quantile level: F_a(a) = F_b(b).
            assert!((da.cdf(v[0]) - db.cdf(v[1])).abs() < 5e-5, "{v:?}");
        }
        // Rank correlation 1: ordered by the first member (ties by the second, as rounding
        // can tie), the second never decreases.
        let mut by_first = all.clone();
        by_first.sort_by(|x, y| x[0].total_cmp(&y[0]).then(x[1].total_cmp(&y[1])));
        assert!(
            by_first.windows(2).all(|w| w[0][1] <= w[1][1]),
            "rank correlation 1"
        );
        let pearson = |i: usize, j: usize| {
            let m = |k: usize| all.iter().map(|v| v[k]).sum::<f64>() / n as f64;
            let (mi, mj) = (m(i), m(j));
            let cov: f64 = all.iter().map(|v| (v[i] - mi) * (v[j] - mj)).sum();
            let var = |k: usize, mk: f64| all.iter().map(|v| (v[k] - mk).powi(2)).sum::<f64>();
            cov / (var(i, mi) * var(j, mj)).sqrt()
        };
        assert!(pearson(0, 2).abs() < 0.035, "{}", pearson(0, 2));
        assert!(pearson(0, 1) > 0.95, "{}", pearson(0, 1));
    }

    #[test]
    fn a_trial_draws_the_same_values_whatever_else_runs() {
        let s = with("\"countries.AA.lapse\" = { dist = \"beta\", alpha = 2, beta = 3 }").unwrap();
        let seed = crate::model::rng::trial_seed(7, 3);
        assert_eq!(draw(&s.uncertain, seed), draw(&s.uncertain, seed));
        assert_ne!(draw(&s.uncertain, seed), draw(&s.uncertain, seed + 1));
    }

    fn message(table: &str) -> String {
        with(table).unwrap_err().to_string()
    }

    #[test]
    fn bad_entries_are_named_at_their_line() {
        // The [uncertain] header is on the line after small.toml's last.
        let line = SMALL.lines().count() + 3;
        let m = message(
            "\"countries.AA.live_afinity.mean\" = { dist = \"uniform\", min = 0, max = 1 }",
        );
        assert!(
            m.contains(&format!("small.toml:{line}:"))
                && m.contains("unknown parameter `countries.AA.live_afinity.mean`")
                && m.contains("nearest: `countries.AA.live_affinity.mean`"),
            "{m}"
        );
        let m = message("\"countries.AA.lapse\" = { dist = \"normal\", mean = 0.2 }");
        assert!(
            m.contains(&format!("small.toml:{line}:")) && m.contains("needs `sd`"),
            "{m}"
        );
        let m = message("\"countries.AA.lapse\" = { dist = \"normall\", mean = 0.2, sd = 1 }");
        assert!(m.contains("did you mean `normal`?"), "{m}");
        let m = message("\"countries.AA.lapse\" = { dist = \"uniform\", min = 0.5, max = 0.1 }");
        assert!(m.contains("`min` = 0.5 must be below `max` = 0.1"), "{m}");
        let m = message("\"countries.AA.lapse\" = { dist = \"uniform\", min = 2, max = 3 }");
        assert!(
            m.contains(&format!("small.toml:{line}:"))
                && m.contains("puts no probability inside the parameter's valid range [0, 1]"),
            "{m}"
        );
        let m = message("\"countries.AA.agents\" = { dist = \"uniform\", min = 2, max = 3 }");
        assert!(m.contains("only number parameters can be uncertain"), "{m}");
        let m = message(
            "\"countries.AA.live_affinity.sd\" = { dist = \"uniform\", min = 0, max = 0.1 }",
        );
        assert!(m.contains("depends on other keys"), "{m}");
        let m =
            message("\"countries.AA.lapse\" = { dist = \"beta\", alpha = 1, beta = 1, sd = 2 }");
        assert!(m.contains("a `beta` distribution has no key `sd`"), "{m}");
        let m = message("\"countries.AA.lapse\" = 0.3");
        assert!(m.contains("is not a distribution"), "{m}");
    }

    #[test]
    fn the_posterior_key_names_a_file_and_no_parameter() {
        let s = with(
            "posterior = \"cal/posterior.csv\"\n\
             \"countries.AA.lapse\" = { dist = \"uniform\", min = 0.1, max = 0.4 }",
        )
        .unwrap();
        assert_eq!(s.uncertain.posterior.as_deref(), Some("cal/posterior.csv"));
        assert_eq!(
            s.uncertain.keys().collect::<Vec<_>>(),
            ["countries.AA.lapse"]
        );
        // Not a value of the scenario: `params` lists no `uncertain.` path.
        assert!(
            params::params(&s)
                .iter()
                .all(|p| !p.path.starts_with("uncertain"))
        );
        // It survives the round trip through TOML that composing a chain takes.
        let text = toml::to_string(&s).unwrap();
        let back = Scenario::from_toml_str(&text, "back.toml").unwrap();
        assert_eq!(back.uncertain, s.uncertain);
        // A posterior alone makes a table; nothing makes none.
        let only = with("posterior = \"p.csv\"").unwrap();
        assert!(only.uncertain.is_empty() && !only.uncertain.is_absent());
        let line = SMALL.lines().count() + 3;
        let m = message("posterior = 3");
        assert!(
            m.contains(&format!("small.toml:{line}:"))
                && m.contains("`posterior` = 3 is not a file"),
            "{m}"
        );
    }

    #[test]
    fn a_child_file_replaces_a_parents_distribution_whole() {
        let mut files = |name: &str| -> std::io::Result<String> {
            assert_eq!(name, "small.toml");
            Ok(format!(
                "{SMALL}\n[uncertain]\n\"countries.AA.lapse\" = {{ dist = \"normal\", mean = 0.3, sd = 0.1 }}\n"
            ))
        };
        let child = "extends = \"small.toml\"\n[uncertain]\n\
                     \"countries.AA.lapse\" = { dist = \"uniform\", min = 0.1, max = 0.4 }\n";
        let (s, _) = Scenario::compose("child.toml", child, &mut files).unwrap();
        assert_eq!(
            s.uncertain["countries.AA.lapse"].dist,
            Dist::Uniform { min: 0.1, max: 0.4 }
        );
    }
}
