//! The statistics every analysis uses, in one place: quantiles (type 7), mean and sample sd,
//! the across-trials summary of `summary.csv` and `weekly.csv` ([`Describe`]), the
//! statistics of `livemarket compare` (intervals for a difference of means by Student's t or
//! a seeded bootstrap, the probability that one outcome exceeds another, the
//! Kolmogorov-Smirnov distance), and those of weighted samples, the particles of a
//! calibration and the rows of a posterior: Kish's effective sample size, the weighted
//! quantile and a weighted kernel density estimate.

use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The p-quantile of sorted values by linear interpolation between order statistics
/// (Hyndman & Fan 1996 type 7; the default of R, numpy and spreadsheets' PERCENTILE.INC).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    assert!(!sorted.is_empty());
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The median absolute deviation, median |x − median x|, of the finite values (type 7
/// medians, no consistency factor, as pyabc's `mad`); None when none is finite. The adaptive
/// distance's spread of a summary over a generation's simulations.
pub fn median_absolute_deviation(values: &[f64]) -> Option<f64> {
    let mut x: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if x.is_empty() {
        return None;
    }
    x.sort_by(f64::total_cmp);
    let m = quantile(&x, 0.5);
    let mut dev: Vec<f64> = x.iter().map(|v| (v - m).abs()).collect();
    dev.sort_by(f64::total_cmp);
    Some(quantile(&dev, 0.5))
}

/// n, mean, sample sd, and quantiles of one measure across trials.
#[derive(Debug, Clone, PartialEq)]
pub struct Describe {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (n − 1); 0 for one value.
    pub sd: f64,
    pub min: f64,
    pub p05: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    pub max: f64,
}

impl Describe {
    /// None for no values.
    pub fn of(values: &mut [f64]) -> Option<Describe> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let (mean, sd) = (mean(values), sd(values));
        Some(Describe {
            n,
            mean,
            sd,
            min: values[0],
            p05: quantile(values, 0.05),
            p25: quantile(values, 0.25),
            p50: quantile(values, 0.5),
            p75: quantile(values, 0.75),
            p95: quantile(values, 0.95),
            max: values[n - 1],
        })
    }
}

/// Mean of values (NaN for none), the same whatever their order and always within
/// [min, max]: summed smallest first as offsets from the smallest, so n copies of c give
/// exactly c, and clamped against the last bit of rounding. `summary.csv` (from the store)
/// and `compare.csv` (from `trials.csv`, trial order) hence print the same mean.
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    let (lo, hi) = (v[0], v[v.len() - 1]);
    if !lo.is_finite() || !hi.is_finite() {
        return v.iter().sum::<f64>() / v.len() as f64;
    }
    let offsets: f64 = v.iter().map(|x| x - lo).sum();
    (lo + offsets / v.len() as f64).clamp(lo, hi)
}

/// Sample standard deviation (n − 1); 0 for fewer than two values, and exactly 0 for equal
/// values.
pub fn sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// 95% interval of the mean of paired differences d_i = a_i − b_i: d̄ ± t(0.975, n − 1) s/√n
/// (Student 1908). None for fewer than two pairs.
pub fn paired_interval(d: &[f64]) -> Option<(f64, f64)> {
    if d.len() < 2 {
        return None;
    }
    let half = t_quantile(0.975, (d.len() - 1) as f64) * sd(d) / (d.len() as f64).sqrt();
    let m = mean(d);
    Some((m - half, m + half))
}

/// 95% percentile-bootstrap interval of mean(a) − mean(b) for independent samples (Efron &
/// Tibshirani 1993, ch. 13): `resamples` times, both samples are redrawn with replacement;
/// the interval is the 2.5% and 97.5% quantiles (type 7) of the resampled differences.
/// Seeded, so the same inputs give the same interval. None when a sample has fewer than two
/// values.
pub fn bootstrap_interval(a: &[f64], b: &[f64], resamples: u32, seed: u64) -> Option<(f64, f64)> {
    if a.len() < 2 || b.len() < 2 || resamples == 0 {
        return None;
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut draw = |x: &[f64]| -> f64 {
        let n = x.len();
        (0..n)
            .map(|_| x[((u128::from(rng.next_u64()) * n as u128) >> 64) as usize])
            .sum::<f64>()
            / n as f64
    };
    let mut diffs: Vec<f64> = (0..resamples).map(|_| draw(a) - draw(b)).collect();
    diffs.sort_by(f64::total_cmp);
    Some((quantile(&diffs, 0.025), quantile(&diffs, 0.975)))
}

/// P(X > Y) for X drawn from `a` and Y from `b` independently, ties counting ½: the
/// Mann-Whitney U statistic over n_a n_b (the "common-language effect size", McGraw & Wong
/// 1992). None when a sample is empty.
pub fn prob_greater(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut b = b.to_vec();
    b.sort_by(f64::total_cmp);
    let score: f64 = a
        .iter()
        .map(|&x| {
            let below = b.partition_point(|&y| y < x);
            let equal = b.partition_point(|&y| y <= x) - below;
            below as f64 + 0.5 * equal as f64
        })
        .sum();
    Some(score / (a.len() * b.len()) as f64)
}

/// Share of pairs with a_i > b_i, ties counting ½. None for no pairs.
pub fn prob_greater_paired(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let score: f64 = pairs
        .iter()
        .map(|(a, b)| match a.total_cmp(b) {
            std::cmp::Ordering::Greater => 1.0,
            std::cmp::Ordering::Equal => 0.5,
            std::cmp::Ordering::Less => 0.0,
        })
        .sum();
    Some(score / pairs.len() as f64)
}

/// Two-sample Kolmogorov-Smirnov distance: max over x of |F_a(x) − F_b(x)|, with the
/// empirical distribution functions evaluated after every value equal to x. None when a
/// sample is empty.
pub fn ks_distance(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let sorted = |x: &[f64]| {
        let mut v = x.to_vec();
        v.sort_by(f64::total_cmp);
        v
    };
    let (a, b) = (sorted(a), sorted(b));
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    Some(d)
}

/// The p-quantile of Student's t distribution with `df` degrees of freedom, by bisection on
/// its distribution function (to about 1e-12).
///
/// Written out rather than taken from statrs: statrs 0.18's `StudentsT::inverse_cdf` gives
/// 1.83 for the 0.975 quantile at df = 1e7 (it is 1.96); the test below would catch that.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    assert!(p > 0.0 && p < 1.0 && df > 0.0);
    if p < 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    let (mut lo, mut hi) = (0.0, 1.0);
    while t_cdf(hi, df) < p {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-13 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Distribution function of Student's t: for t ≥ 0, 1 − ½ I_x(df/2, ½) with x = df/(df + t²).
fn t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * crate::special::incomplete_beta(df / (df + t * t), 0.5 * df, 0.5);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

// ---------------------------------------------------------------------------------------
// Weighted samples: a calibration's particles, a posterior's rows.

/// Below this share of its particles, a weighted sample's effective sample size is too
/// small to trust its spread: a posterior earns a warning (`run --posterior`, `calibrate`).
pub const LOW_ESS_SHARE: f64 = 0.05;

/// Kish's effective sample size, 1 / Σ w², of weights normalised to sum to 1: how many
/// equally weighted values would carry as much information (n for equal weights, 1 for all
/// the weight on one).
pub fn effective_sample_size(normalised: impl IntoIterator<Item = f64>) -> f64 {
    1.0 / normalised.into_iter().map(|w| w * w).sum::<f64>()
}

/// The values of `(value, weight)` pairs that count, finite values with a finite positive
/// weight, their weights normalised to sum to 1, sorted by value. Empty when none counts.
pub fn weighted_points(values: impl IntoIterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = values
        .into_iter()
        .filter(|(x, w)| x.is_finite() && w.is_finite() && *w > 0.0)
        .collect();
    let total: f64 = v.iter().map(|p| p.1).sum();
    if !(total.is_finite() && total > 0.0) {
        return Vec::new();
    }
    for p in &mut v {
        p.1 /= total;
    }
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    v
}

/// The `q` quantile of a weighted sample: the smallest value whose running weight reaches
/// q, the inverse of the weighted empirical distribution function (with equal weights,
/// Hyndman & Fan's type 1). The particles are the posterior, a discrete distribution: its
/// quantile is always a value a particle holds, and `livemarket params`, the calibration's
/// page and any reader of `posterior.csv` summarise it alike. `sorted` holds `(value,
/// weight)` pairs sorted by value with weights summing to 1; a weight of 0 is never the
/// answer. A hair of slack (1e-12) keeps rounding in the running sum from skipping a value
/// whose weight meets q exactly. None when no weight is positive.
pub fn weighted_quantile_sorted(sorted: &[(f64, f64)], q: f64) -> Option<f64> {
    let mut sum = 0.0;
    for &(x, w) in sorted {
        sum += w;
        if sum >= q - 1e-12 && w > 0.0 {
            return Some(x);
        }
    }
    sorted.iter().rev().find(|(_, w)| *w > 0.0).map(|(x, _)| *x)
}

/// [`weighted_quantile_sorted`] of any `(value, weight)` pairs: those that count are taken
/// ([`weighted_points`]); None when none does.
pub fn weighted_quantile(values: &[(f64, f64)], q: f64) -> Option<f64> {
    weighted_quantile_sorted(&weighted_points(values.iter().copied()), q)
}

/// Pearson's correlation of `(x, y, weight)` triples, each pair weighted (weights need not
/// sum to 1): Σ w (x − x̄)(y − ȳ) / √(Σ w (x − x̄)² Σ w (y − ȳ)²) with weighted means. None
/// when no weight is positive or either coordinate has no spread.
pub fn weighted_correlation(points: &[(f64, f64, f64)]) -> Option<f64> {
    let total: f64 = points.iter().map(|p| p.2).sum();
    if !(total.is_finite() && total > 0.0) {
        return None;
    }
    let mx = points.iter().map(|p| p.2 * p.0).sum::<f64>() / total;
    let my = points.iter().map(|p| p.2 * p.1).sum::<f64>() / total;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y, w) in points {
        sxy += w * (x - mx) * (y - my);
        sxx += w * (x - mx).powi(2);
        syy += w * (y - my).powi(2);
    }
    let r = sxy / (sxx * syy).sqrt();
    r.is_finite().then_some(r.clamp(-1.0, 1.0))
}

/// A weighted Gaussian kernel density estimate.
#[derive(Debug, Clone)]
pub struct Kde {
    /// (value, weight), weights summing to 1.
    points: Vec<(f64, f64)>,
    /// The kernel's standard deviation.
    pub bandwidth: f64,
    /// The sample has no spread (one value, or all weight on one): the bandwidth is the
    /// caller's fallback, and the curve shows where the mass is, not its shape.
    pub degenerate: bool,
}

impl Kde {
    /// The estimate from `(value, weight)` pairs with Silverman's rule of thumb for the
    /// bandwidth, h = σ (3 n / 4)^(-1/5) (Silverman 1986, eq. 3.28, as scipy's
    /// `gaussian_kde(bw_method="silverman")`), with the weighted standard deviation
    /// σ² = Σ w (x − μ)² / (1 − Σ w²) (unbiased for reliability weights: the sample sd
    /// when the weights are equal) and Kish's effective sample size n = 1 / Σ w² in place of
    /// the count, so a population whose weight sits on a few particles is smoothed as the
    /// few it is. A sample without spread gets `fallback` (which must be positive). None
    /// when no value counts ([`weighted_points`]).
    pub fn new(values: &[(f64, f64)], fallback: f64) -> Option<Kde> {
        let points = weighted_points(values.iter().copied());
        if points.is_empty() {
            return None;
        }
        let sum_sq: f64 = points.iter().map(|p| p.1 * p.1).sum();
        let mean: f64 = points.iter().map(|(x, w)| x * w).sum();
        let spread: f64 = points.iter().map(|(x, w)| w * (x - mean).powi(2)).sum();
        let n_eff = effective_sample_size(points.iter().map(|p| p.1));
        let var = spread / (1.0 - sum_sq);
        let h = var.sqrt() * (0.75 * n_eff).powf(-0.2);
        let degenerate = !(h.is_finite() && h > 0.0 && 1.0 - sum_sq > 1e-12);
        Some(Kde {
            points,
            bandwidth: if degenerate { fallback } else { h },
            degenerate,
        })
    }

    /// The density at `x`: Σ w φ((x − x_i) / h) / h.
    pub fn density(&self, x: f64) -> f64 {
        let h = self.bandwidth;
        let c = 1.0 / (h * (2.0 * std::f64::consts::PI).sqrt());
        self.points
            .iter()
            .map(|(xi, w)| {
                let z = (x - xi) / h;
                w * (-0.5 * z * z).exp()
            })
            .sum::<f64>()
            * c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_absolute_deviation_and_weighted_correlation_match_hand_computed_cases() {
        // median 3; |x - 3| = 2, 1, 0, 1, 7: MAD 1. Non-finite values are left out.
        assert_eq!(
            median_absolute_deviation(&[1.0, 2.0, 3.0, 4.0, 10.0, f64::NAN]),
            Some(1.0)
        );
        assert_eq!(median_absolute_deviation(&[f64::NAN]), None);
        // y = 2x: r = 1 whatever the weights; y = -x: -1; a weight of 0 drops a point that
        // would otherwise break the line.
        let line = [
            (1.0, 2.0, 0.2),
            (2.0, 4.0, 0.5),
            (3.0, 6.0, 0.3),
            (9.0, 0.0, 0.0),
        ];
        assert!((weighted_correlation(&line).unwrap() - 1.0).abs() < 1e-12);
        let anti = [(1.0, -1.0, 1.0), (2.0, -2.0, 1.0), (5.0, -5.0, 2.0)];
        assert!((weighted_correlation(&anti).unwrap() + 1.0).abs() < 1e-12);
        // Four corners of a square, equal weights: r = 0. Doubling the weight of (1, 1) and
        // (0, 0) makes it positive: by hand, means 0.5, Σw(x-x̄)(y-ȳ) = 2·0.25·2 - 0.25·2
        // = 0.5, Σw(x-x̄)² = 6 · 0.25 = 1.5: r = 1/3.
        let mut square = [
            (0.0, 0.0, 1.0),
            (1.0, 1.0, 1.0),
            (0.0, 1.0, 1.0),
            (1.0, 0.0, 1.0),
        ];
        assert!(weighted_correlation(&square).unwrap().abs() < 1e-12);
        square[0].2 = 2.0;
        square[1].2 = 2.0;
        assert!((weighted_correlation(&square).unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(
            weighted_correlation(&[(1.0, 1.0, 1.0), (1.0, 2.0, 1.0)]),
            None
        );
    }

    #[test]
    fn quantiles_match_type_7_by_hand() {
        // numpy.percentile([1, 2, 3, 4, 10], [5, 25, 50, 75, 95]) = 1.2, 2, 3, 4, 8.8
        let mut v = vec![10.0, 2.0, 4.0, 1.0, 3.0];
        let d = Describe::of(&mut v).unwrap();
        assert!((d.p05 - 1.2).abs() < 1e-12);
        assert_eq!((d.p25, d.p50, d.p75), (2.0, 3.0, 4.0));
        assert!((d.p95 - 8.8).abs() < 1e-12);
        assert_eq!(d.mean, 4.0);
        // sample variance: (9 + 4 + 1 + 0 + 36) / 4 = 12.5
        assert!((d.sd - 12.5f64.sqrt()).abs() < 1e-12);
        assert_eq!((d.min, d.max, d.n), (1.0, 10.0, 5));
    }

    #[test]
    fn a_constant_column_has_that_mean_and_every_mean_lies_within_its_range() {
        // 0.15 summed 1000 times is 150.0000000000028 in floating point; divided by 1000 it
        // was 0.15000000000000283, above the column's maximum.
        let v = vec![0.15; 1000];
        let d = Describe::of(&mut v.clone()).unwrap();
        assert_eq!((d.mean, d.sd, d.min, d.max), (0.15, 0.0, 0.15, 0.15));
        // Order does not matter: a reader of trials.csv sums in trial order.
        let x = [0.1, 1e9, 0.2, 3.0, 1e-3, 7.5];
        let mut rev = x;
        rev.reverse();
        assert_eq!(mean(&x), mean(&rev));
        // Values whose plain sum rounds outside their range.
        // (0.1 + 0.1 + 0.1) / 3 is 0.10000000000000002.
        for v in [[0.1, 0.1, 0.1], [1e16, 1e16, 1e16 + 2.0]] {
            let m = mean(&v);
            assert!(m >= v[0] && m <= v[2], "{m}");
        }
        assert!(mean(&[]).is_nan());
    }

    #[test]
    fn one_value_has_zero_sd_and_no_values_no_summary() {
        assert_eq!(Describe::of(&mut [3.0]).unwrap().sd, 0.0);
        assert!(Describe::of(&mut []).is_none());
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn t_quantiles_match_closed_forms_and_tables() {
        // df = 1 (Cauchy): tan(π (p − ½)). df = 2: (2p − 1) / sqrt(2 p (1 − p)).
        for p in [0.6, 0.9, 0.975, 0.995] {
            let cauchy = (std::f64::consts::PI * (p - 0.5)).tan();
            assert!(close(t_quantile(p, 1.0), cauchy, 1e-9 * cauchy), "p {p}");
            let two = (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
            assert!(close(t_quantile(p, 2.0), two, 1e-9 * two), "p {p}");
        }
        // Tables of t(0.975, df) to 9 digits (e.g. R's qt): the tolerance is their rounding.
        for (df, t) in [
            (5.0, 2.570_581_836),
            (10.0, 2.228_138_852),
            (30.0, 2.042_272_456),
            (99.0, 1.984_216_952),
        ] {
            assert!(
                close(t_quantile(0.975, df), t, 1e-8),
                "df {df}: {}",
                t_quantile(0.975, df)
            );
        }
        assert!(close(t_quantile(0.025, 5.0), -2.570_581_836, 1e-8));
        // Large df tends to the normal quantile 1.959963985.
        assert!(close(t_quantile(0.975, 1e7), 1.959_963_985, 1e-6));
    }

    #[test]
    fn paired_interval_by_hand() {
        // d = (2, 3, 1): mean 2, sd 1, n 3; t(0.975, 2) = 0.95 / sqrt(0.04875) = 4.30265273;
        // half-width 4.30265273 / sqrt(3) = 2.48413771.
        let (lo, hi) = paired_interval(&[2.0, 3.0, 1.0]).unwrap();
        assert!(close(lo, 2.0 - 2.484_137_71, 1e-8) && close(hi, 2.0 + 2.484_137_71, 1e-8));
        assert_eq!(paired_interval(&[4.0, 4.0]), Some((4.0, 4.0)));
        assert_eq!(paired_interval(&[1.0]), None);
    }

    #[test]
    fn prob_greater_by_hand() {
        // a = (1, 2, 4), b = (2, 3): of the 6 pairs, 4 > 2 and 4 > 3 win, 2 = 2 ties:
        // (2 + ½) / 6.
        assert!(close(
            prob_greater(&[1.0, 2.0, 4.0], &[2.0, 3.0]).unwrap(),
            2.5 / 6.0,
            1e-15
        ));
        assert_eq!(prob_greater(&[1.0], &[1.0]), Some(0.5));
        assert_eq!(prob_greater(&[], &[1.0]), None);
        // Pairs (3, 1) win, (1, 1) ties, (0, 2) loses: 1.5 / 3.
        assert_eq!(
            prob_greater_paired(&[(3.0, 1.0), (1.0, 1.0), (0.0, 2.0)]),
            Some(0.5)
        );
    }

    #[test]
    fn ks_distance_by_hand() {
        // F_a steps 1/3 at 1, 2, 3; F_b 1/4 at 2, 3, 4, 5. At x = 3: 1 − 2/4 = ½, the largest.
        assert_eq!(
            ks_distance(&[1.0, 2.0, 3.0], &[2.0, 3.0, 4.0, 5.0]),
            Some(0.5)
        );
        // Ties across samples: at 1, F_a = 2/3 and F_b = 1/3; at 2 both are 1. A merge that
        // stepped through one value at a time would report 2/3.
        let d = ks_distance(&[1.0, 1.0, 2.0], &[1.0, 2.0, 2.0]).unwrap();
        assert!(close(d, 1.0 / 3.0, 1e-15), "{d}");
        assert_eq!(ks_distance(&[1.0, 2.0], &[1.0, 2.0]), Some(0.0));
        assert_eq!(ks_distance(&[0.0], &[5.0]), Some(1.0));
    }

    #[test]
    fn bootstrap_interval_is_exact_for_constants_and_seeded() {
        assert_eq!(
            bootstrap_interval(&[5.0, 5.0, 5.0], &[2.0, 2.0], 100, 1),
            Some((3.0, 3.0))
        );
        let a: Vec<f64> = (0..100).map(f64::from).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 10.0).collect();
        let i1 = bootstrap_interval(&a, &b, 2000, 7).unwrap();
        assert_eq!(i1, bootstrap_interval(&a, &b, 2000, 7).unwrap());
        assert_ne!(i1, bootstrap_interval(&a, &b, 2000, 8).unwrap());
        // The difference of means is −10 with standard error sqrt(2 × 833.25 / 100) = 4.082
        // (the bootstrap uses the population variance (100² − 1) / 12), so the interval is
        // about −10 ± 1.96 × 4.082 = −10 ± 8.0. Monte Carlo error of a 2.5% quantile from
        // 2000 resamples: sqrt(0.025 × 0.975 / 2000) / φ(1.96) × 4.082 = 0.24; allow 4 of it.
        assert!(close(i1.0, -18.0, 1.0) && close(i1.1, -2.0, 1.0), "{i1:?}");
        assert_eq!(bootstrap_interval(&[1.0], &[1.0, 2.0], 10, 1), None);
    }

    #[test]
    fn weighted_quantiles_invert_the_weighted_distribution_function() {
        // Values 1..4 with weights 0.1..0.4 (given shuffled and unnormalised): running
        // weights 0.1, 0.3, 0.6, 1. A level up to 0.1 is 1, above it up to 0.3 is 2, ...
        let v = [(3.0, 3.0), (1.0, 1.0), (4.0, 4.0), (2.0, 2.0)];
        let q = |p| weighted_quantile(&v, p).unwrap();
        assert_eq!((q(0.0), q(0.05), q(0.1)), (1.0, 1.0, 1.0));
        assert_eq!((q(0.1 + 1e-9), q(0.2), q(0.3)), (2.0, 2.0, 2.0));
        assert_eq!((q(0.5), q(0.6), q(0.8), q(1.0)), (3.0, 3.0, 4.0, 4.0));
        // Rounding in the running sum (0.7 + 0.2 is 0.8999999999999999) does not skip the
        // value whose weight meets the level exactly.
        let w = [(1.0, 0.7), (2.0, 0.2), (3.0, 0.1)];
        assert_eq!(weighted_quantile_sorted(&w, 0.9), Some(2.0));
    }

    #[test]
    fn equal_weights_give_type_1_quantiles_and_bad_values_are_left_out() {
        // Type 1 with n = 5: the ⌈n p⌉-th smallest value.
        let v: Vec<(f64, f64)> = [50.0, 10.0, 40.0, 20.0, 30.0]
            .iter()
            .map(|x| (*x, 0.2))
            .chain([(f64::NAN, 1.0), (99.0, 0.0), (98.0, -1.0), (97.0, f64::NAN)])
            .collect();
        assert_eq!(weighted_quantile(&v, 0.25), Some(20.0));
        assert_eq!(weighted_quantile(&v, 0.5), Some(30.0));
        assert_eq!(weighted_quantile(&v, 0.9), Some(50.0));
        assert_eq!(weighted_quantile(&[(f64::NAN, 1.0)], 0.5), None);
        assert_eq!(weighted_quantile(&[], 0.5), None);
        assert_eq!(weighted_quantile(&[(7.0, 1.0)], 0.05), Some(7.0));
        // Sorted input may hold weights of 0: never the answer, not even past the end.
        let z = [(1.0, 0.0), (2.0, 1.0), (3.0, 0.0)];
        assert_eq!(weighted_quantile_sorted(&z, 0.0), Some(2.0));
        assert_eq!(weighted_quantile_sorted(&z, 1.0 + 1e-9), Some(2.0));
        assert_eq!(weighted_quantile_sorted(&[(1.0, 0.0)], 0.5), None);
    }

    #[test]
    fn effective_sample_sizes_by_hand() {
        // Kish: 1 / (0.25² + 0.75²) = 1.6; equal weights give n.
        assert!(close(effective_sample_size([0.25, 0.75]), 1.6, 1e-12));
        assert!(close(effective_sample_size([0.1; 10]), 10.0, 1e-12));
        assert_eq!(effective_sample_size([1.0]), 1.0);
    }

    #[test]
    fn the_weighted_kde_matches_a_case_computed_by_hand() {
        // x = (0, 2), w = (1/4, 3/4): mean 1.5, Σw(x − μ)² = 0.75, Σw² = 0.625, so σ² =
        // 0.75 / 0.375 = 2; n_eff = 1 / 0.625 = 1.6; h = √2 × (0.75 × 1.6)^(−1/5)
        // = 1.363574116. f(1) = φ(1/h) / h (both points at distance 1) = 0.223585530;
        // f(0) = (0.25 φ(0) + 0.75 φ(2/h)) / h = 0.147984189; f(2) = 0.244375415.
        let kde = Kde::new(&[(2.0, 3.0), (0.0, 1.0)], 1.0).unwrap();
        assert!(!kde.degenerate);
        assert!(
            close(kde.bandwidth, 1.363_574_116, 1e-8),
            "{}",
            kde.bandwidth
        );
        assert!(close(kde.density(1.0), 0.223_585_530, 1e-8));
        assert!(close(kde.density(0.0), 0.147_984_189, 1e-8));
        assert!(close(kde.density(2.0), 0.244_375_415, 1e-8));
    }

    #[test]
    fn a_kde_integrates_to_one_and_falls_back_when_degenerate() {
        let v: Vec<(f64, f64)> = (0..50)
            .map(|i| ((i as f64 * 0.37).sin() * 3.0, 1.0 + (i % 7) as f64))
            .collect();
        let kde = Kde::new(&v, 1.0).unwrap();
        // Trapezoids of width 0.01 over ±20 (beyond ±3 + 10 h the tails are below 1e-20):
        // the error of the rule is far below 1e-6 for a curve this smooth.
        let area: f64 = (0..4001)
            .map(|i| kde.density(-20.0 + 0.01 * i as f64) * 0.01)
            .sum();
        assert!(close(area, 1.0, 1e-6), "{area}");
        let one = Kde::new(&[(5.0, 1.0), (6.0, 0.0)], 0.25).unwrap();
        assert!(one.degenerate);
        assert_eq!(one.bandwidth, 0.25);
        assert!(Kde::new(&[(f64::NAN, 1.0)], 1.0).is_none());
    }
}
