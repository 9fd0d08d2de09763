//! Descriptive statistics across trials.

/// The p-quantile of sorted values by linear interpolation between order statistics
/// (Hyndman & Fan 1996 type 7; the default of R, numpy and spreadsheets' PERCENTILE.INC).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    assert!(!sorted.is_empty());
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
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
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn one_value_has_zero_sd_and_no_values_no_summary() {
        assert_eq!(Describe::of(&mut [3.0]).unwrap().sd, 0.0);
        assert!(Describe::of(&mut []).is_none());
    }
}
