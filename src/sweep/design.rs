//! Experiment designs: the values of each swept parameter combined into points.
//!
//! `grid` and `zip` combine finite lists; `lhs` and `random` draw `samples` points in the unit
//! cube and map each coordinate to a parameter's range (or to an entry of its list). The draws
//! use xoshiro256++ seeded from the sweep seed alone, with the conversions written out here,
//! so a design does not change with the rand crate's version.

use crate::scenario::Design;
use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Most points a design may have.
pub const MAX_POINTS: usize = 1_000_000;

/// The values of one parameter, resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Axis {
    /// These values.
    Finite(Vec<toml::Value>),
    /// A continuous range; `integer` rounds each draw to a whole number.
    Range { min: f64, max: f64, integer: bool },
}

/// Expands `from, from + step, ...` up to `to` (inclusive, to a relative 1e-9). Each value is
/// rounded to the decimals of `from` and `step`, so 0.1 steps read 0.3, not
/// 0.30000000000000004; with `integers` the values are whole numbers.
pub fn steps(a: f64, b: f64, s: f64, integers: bool) -> Result<Vec<toml::Value>, String> {
    if !(a.is_finite() && b.is_finite() && s.is_finite()) {
        return Err("`from`, `to` and `step` must be finite numbers".into());
    }
    if s == 0.0 || (b - a) * s < 0.0 {
        return Err(format!(
            "`step` = {s} never goes from {a} to {b}; use a step with the sign of to − from"
        ));
    }
    // Counted in floating point first: from 0 to 1 by 1e-300 is 1e300 values, more than
    // any integer type holds.
    let count = ((b - a) / s * (1.0 + 1e-9) + 1e-9).floor() + 1.0;
    if count > MAX_POINTS as f64 {
        let shown = if count < 1e15 {
            crate::num::Plain(count).to_string()
        } else {
            format!("{count:e}")
        };
        return Err(format!(
            "from {a} to {b} by {s} is {shown} values; at most {MAX_POINTS}: use a larger step"
        ));
    }
    let n = count as u64;
    let d = decimals(a).max(decimals(s));
    Ok((0..n)
        .map(|k| {
            let x = a + k as f64 * s;
            if integers {
                toml::Value::Integer(x.round() as i64)
            } else {
                toml::Value::Float(format!("{x:.d$}").parse().unwrap_or(x))
            }
        })
        .collect())
}

/// The fewest decimals (up to 15) that write `x` exactly.
fn decimals(x: f64) -> usize {
    (0..=15)
        .find(|&d| format!("{x:.d$}").parse::<f64>() == Ok(x))
        .unwrap_or(15)
}

/// The size of a `morris` design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MorrisSize {
    pub trajectories: Option<u32>,
    pub levels: u32,
}

/// The points of a design: one value per axis for each point. `names` name the axes in
/// messages.
pub fn expand(
    design: Design,
    axes: &[Axis],
    names: &[String],
    samples: Option<u32>,
    morris_size: MorrisSize,
    seed: u64,
) -> Result<Vec<Vec<toml::Value>>, String> {
    let finite = |what: &str| -> Result<Vec<&Vec<toml::Value>>, String> {
        axes.iter()
            .zip(names)
            .map(|(a, name)| match a {
                Axis::Finite(v) => Ok(v),
                Axis::Range { .. } => Err(format!(
                    "`{name}` is a {{ min, max }} range, which only the `lhs`, `random` and `morris` designs \
                     can draw from; give {what} a list or {{ from, to, step }}"
                )),
            })
            .collect()
    };
    match design {
        Design::Grid => {
            let lists = finite("a grid")?;
            let total = lists
                .iter()
                .try_fold(1usize, |acc, l| acc.checked_mul(l.len()))
                .filter(|&t| t <= MAX_POINTS)
                .ok_or_else(|| {
                    format!(
                        "the grid has {} points; at most {MAX_POINTS}",
                        lists
                            .iter()
                            .map(|l| l.len().to_string())
                            .collect::<Vec<_>>()
                            .join(" × ")
                    )
                })?;
            // The last parameter varies fastest, as in nested loops written in file order.
            Ok((0..total)
                .map(|mut i| {
                    let mut point = vec![toml::Value::Boolean(false); lists.len()];
                    for (j, l) in lists.iter().enumerate().rev() {
                        point[j] = l[i % l.len()].clone();
                        i /= l.len();
                    }
                    point
                })
                .collect())
        }
        Design::Zip => {
            let lists = finite("a zip")?;
            let n = lists.first().map_or(0, |l| l.len());
            if lists.iter().any(|l| l.len() != n) {
                let lengths: Vec<String> = lists
                    .iter()
                    .zip(names)
                    .map(|(l, name)| format!("`{name}` has {}", l.len()))
                    .collect();
                return Err(format!(
                    "a zip design takes the i-th value of every parameter together, so every list \
                     must have the same length: {}",
                    lengths.join(", ")
                ));
            }
            Ok((0..n)
                .map(|i| lists.iter().map(|l| l[i].clone()).collect())
                .collect())
        }
        Design::Morris => {
            let r = morris_size.trajectories.filter(|&r| r > 0).ok_or_else(|| {
                "a `morris` design needs `trajectories`, the number of one-at-a-time paths (for \
                 example `trajectories = 10` in [sweep], or --trajectories 10)"
                    .to_string()
            })? as usize;
            let p = morris_size.levels;
            if p < 2 || !p.is_multiple_of(2) || p > 1000 {
                return Err(format!(
                    "`levels` = {p} must be an even number from 2 to 1000 (4 is usual)"
                ));
            }
            if r * (axes.len() + 1) > MAX_POINTS {
                return Err(format!(
                    "{r} trajectories of {} points is too many; at most {MAX_POINTS}",
                    axes.len() + 1
                ));
            }
            Ok(morris(r, axes.len(), p, seed)
                .iter()
                .map(|u| axes.iter().zip(u).map(|(a, &x)| value_at(a, x)).collect())
                .collect())
        }
        Design::Lhs | Design::Random => {
            let n = samples.filter(|&n| n > 0).ok_or_else(|| {
                format!(
                    "an `{}` design needs `samples`, the number of points to draw (for example \
                     `samples = 20` in [sweep], or --samples 20)",
                    if design == Design::Lhs {
                        "lhs"
                    } else {
                        "random"
                    }
                )
            })? as usize;
            if n > MAX_POINTS {
                return Err(format!("`samples` = {n} is too many; at most {MAX_POINTS}"));
            }
            let unit = if design == Design::Lhs {
                latin_hypercube(n, axes.len(), seed)
            } else {
                uniform(n, axes.len(), seed)
            };
            Ok(unit
                .iter()
                .map(|u| axes.iter().zip(u).map(|(a, &x)| value_at(a, x)).collect())
                .collect())
        }
    }
}

/// The value of an axis at a coordinate in [0, 1] (1 is the end of a range, the last entry of
/// a list).
fn value_at(axis: &Axis, u: f64) -> toml::Value {
    match axis {
        Axis::Finite(v) => v[((u * v.len() as f64) as usize).min(v.len() - 1)].clone(),
        Axis::Range { min, max, integer } => {
            let x = min + u * (max - min);
            if *integer {
                toml::Value::Integer(x.round() as i64)
            } else {
                // To 6 significant digits, as result files write numbers: a spreadsheet
                // keeps 15, so 0.3125072011499913 in points.csv would not be the value run.
                let x = crate::format::written(x, crate::format::Unit::Plain);
                toml::Value::Float(x.clamp(min.min(*max), max.max(*min)))
            }
        }
    }
}

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(crate::model::rng::splitmix64(seed ^ 0x5EE9_DE51_6E00))
}

/// A uniform number in [0, 1) from the top 53 bits.
fn unit(r: &mut Xoshiro256PlusPlus) -> f64 {
    (r.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A whole number in 0..n (Lemire's multiply-shift; the bias, below n / 2^64, is negligible).
fn below(r: &mut Xoshiro256PlusPlus, n: usize) -> usize {
    ((u128::from(r.next_u64()) * n as u128) >> 64) as usize
}

/// `n` points in [0, 1)^d, each coordinate in a distinct one of n equal strata: coordinate j
/// of point i is (π_j(i) + U) / n for a random permutation π_j (McKay, Beckman & Conover
/// 1979).
pub fn latin_hypercube(n: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut r = rng(seed);
    let mut points = vec![vec![0.0; d]; n];
    for j in 0..d {
        let mut perm: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            perm.swap(i, below(&mut r, i + 1));
        }
        for (i, point) in points.iter_mut().enumerate() {
            point[j] = (perm[i] as f64 + unit(&mut r)) / n as f64;
        }
    }
    points
}

/// Morris trajectories in [0, 1]^k on the grid {0, 1/(p−1), ..., 1}: `r` paths of k + 1
/// points, each starting at a random grid point and changing every coordinate once, in a
/// random order, by Δ = p / (2(p − 1)), upwards where that stays in [0, 1] and downwards
/// otherwise (Morris 1991). Trajectory t is points t(k+1) ..= t(k+1) + k.
pub fn morris(r: usize, k: usize, p: u32, seed: u64) -> Vec<Vec<f64>> {
    let mut g = rng(seed);
    let step = 1.0 / f64::from(p - 1);
    let delta_levels = p / 2;
    let mut points = Vec::with_capacity(r * (k + 1));
    for _ in 0..r {
        let mut level: Vec<u32> = (0..k).map(|_| below(&mut g, p as usize) as u32).collect();
        let mut order: Vec<usize> = (0..k).collect();
        for i in (1..k).rev() {
            order.swap(i, below(&mut g, i + 1));
        }
        points.push(level.iter().map(|&l| f64::from(l) * step).collect());
        for &j in &order {
            level[j] = if level[j] + delta_levels < p {
                level[j] + delta_levels
            } else {
                level[j] - delta_levels
            };
            points.push(level.iter().map(|&l| f64::from(l) * step).collect());
        }
    }
    points
}

/// `n` independent uniform points in [0, 1)^d.
pub fn uniform(n: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut r = rng(seed);
    (0..n)
        .map(|_| (0..d).map(|_| unit(&mut r)).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_MORRIS: MorrisSize = MorrisSize {
        trajectories: None,
        levels: 4,
    };
    use toml::Value::{Float as F, Integer as I};

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("p{i}")).collect()
    }

    fn list(v: &[f64]) -> Axis {
        Axis::Finite(v.iter().map(|&x| F(x)).collect())
    }

    #[test]
    fn a_grid_has_every_combination_last_parameter_fastest() {
        let axes = [list(&[1.0, 2.0]), list(&[10.0, 20.0, 30.0]), list(&[5.0])];
        let pts = expand(Design::Grid, &axes, &names(3), None, NO_MORRIS, 1).unwrap();
        assert_eq!(pts.len(), 2 * 3);
        assert_eq!(pts[0], vec![F(1.0), F(10.0), F(5.0)]);
        assert_eq!(pts[1], vec![F(1.0), F(20.0), F(5.0)]);
        assert_eq!(pts[5], vec![F(2.0), F(30.0), F(5.0)]);
        let mut unique = pts.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 6);
    }

    #[test]
    fn a_zip_steps_lists_together_and_needs_equal_lengths() {
        let axes = [list(&[1.0, 2.0, 3.0]), list(&[4.0, 5.0, 6.0])];
        let pts = expand(Design::Zip, &axes, &names(2), None, NO_MORRIS, 1).unwrap();
        assert_eq!(pts.len(), 3);
        assert_eq!(pts[2], vec![F(3.0), F(6.0)]);
        let err = expand(
            Design::Zip,
            &[list(&[1.0, 2.0]), list(&[1.0])],
            &names(2),
            None,
            NO_MORRIS,
            1,
        )
        .unwrap_err();
        assert!(err.ends_with("`p0` has 2, `p1` has 1"), "{err}");
    }

    #[test]
    fn a_latin_hypercube_hits_each_stratum_of_each_parameter_once() {
        for (n, d, seed) in [(1, 1, 1), (7, 3, 2), (50, 4, 3), (200, 2, 4)] {
            let pts = latin_hypercube(n, d, seed);
            assert_eq!(pts.len(), n);
            for j in 0..d {
                let mut strata: Vec<usize> = pts
                    .iter()
                    .map(|p| (p[j] * n as f64).floor() as usize)
                    .collect();
                strata.sort_unstable();
                assert_eq!(strata, (0..n).collect::<Vec<_>>(), "n {n} parameter {j}");
            }
        }
        // Mapped to a range: stratum k of [2, 4] is [2 + 2k/n, 2 + 2(k+1)/n).
        let axes = [Axis::Range {
            min: 2.0,
            max: 4.0,
            integer: false,
        }];
        let pts = expand(Design::Lhs, &axes, &names(1), Some(10), NO_MORRIS, 9).unwrap();
        let mut strata: Vec<usize> = pts
            .iter()
            .map(|p| ((p[0].as_float().unwrap() - 2.0) / 2.0 * 10.0).floor() as usize)
            .collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn morris_trajectories_change_each_parameter_once_by_delta() {
        let (r, k, p) = (7, 4, 4);
        let pts = morris(r, k, p, 11);
        assert_eq!(pts.len(), r * (k + 1));
        let delta = f64::from(p) / (2.0 * f64::from(p - 1)); // 2/3 for 4 levels
        for t in 0..r {
            let path = &pts[t * (k + 1)..(t + 1) * (k + 1)];
            let mut changed = vec![0; k];
            for w in path.windows(2) {
                let diffs: Vec<usize> = (0..k).filter(|&j| w[0][j] != w[1][j]).collect();
                assert_eq!(diffs.len(), 1, "one parameter per step");
                let j = diffs[0];
                assert!(((w[1][j] - w[0][j]).abs() - delta).abs() < 1e-12);
                changed[j] += 1;
            }
            assert_eq!(changed, vec![1; k], "each parameter once per trajectory");
            for x in path.iter().flatten() {
                let level = x * f64::from(p - 1);
                assert!(
                    (0.0..=1.0).contains(x) && (level - level.round()).abs() < 1e-9,
                    "{x} on the grid"
                );
            }
        }
        assert_eq!(pts, morris(r, k, p, 11));
        assert_ne!(pts, morris(r, k, p, 12));
    }

    #[test]
    fn morris_needs_trajectories_and_even_levels() {
        let axes = vec![Axis::Range {
            min: 0.0,
            max: 1.0,
            integer: false,
        }];
        let names = vec!["a".to_string()];
        let size = |trajectories, levels| MorrisSize {
            trajectories,
            levels,
        };
        assert!(
            expand(Design::Morris, &axes, &names, None, size(None, 4), 1)
                .unwrap_err()
                .contains("trajectories")
        );
        assert!(
            expand(Design::Morris, &axes, &names, None, size(Some(2), 3), 1)
                .unwrap_err()
                .contains("even")
        );
        let pts = expand(Design::Morris, &axes, &names, None, size(Some(2), 4), 1).unwrap();
        assert_eq!(pts.len(), 4);
    }

    #[test]
    fn draws_depend_on_the_seed_alone() {
        assert_eq!(latin_hypercube(5, 2, 1), latin_hypercube(5, 2, 1));
        assert_ne!(latin_hypercube(5, 2, 1), latin_hypercube(5, 2, 2));
        assert_eq!(uniform(5, 2, 1), uniform(5, 2, 1));
        let u = uniform(1000, 1, 3);
        assert!(u.iter().all(|p| (0.0..1.0).contains(&p[0])));
    }

    #[test]
    fn lhs_and_random_need_samples_and_grids_need_lists() {
        let range = [Axis::Range {
            min: 0.0,
            max: 1.0,
            integer: false,
        }];
        assert!(
            expand(Design::Random, &range, &names(1), None, NO_MORRIS, 1)
                .unwrap_err()
                .contains("needs `samples`")
        );
        assert!(
            expand(Design::Grid, &range, &names(1), None, NO_MORRIS, 1)
                .unwrap_err()
                .contains(
                    "`p0` is a { min, max } range, which only the `lhs`, `random` and `morris` \
                     designs can draw from"
                )
        );
        let ints = [Axis::Range {
            min: 1.0,
            max: 5.0,
            integer: true,
        }];
        let pts = expand(Design::Random, &ints, &names(1), Some(20), NO_MORRIS, 1).unwrap();
        assert!(pts.iter().all(|p| matches!(p[0], I(1..=5))));
    }

    #[test]
    fn a_step_too_small_to_count_is_an_error_not_an_overflow() {
        let e = steps(0.0, 1.0, 1e-300, false).unwrap_err();
        assert!(
            e.ends_with("e300 values; at most 1000000: use a larger step"),
            "{e}"
        );
        assert!(
            steps(0.0, 1.0, 1e-6, false)
                .unwrap_err()
                .contains("is 1000001 values")
        );
    }

    #[test]
    fn steps_include_the_end_and_read_as_written() {
        let v = steps(0.1, 0.5, 0.1, false).unwrap();
        assert_eq!(v, vec![F(0.1), F(0.2), F(0.3), F(0.4), F(0.5)]);
        assert_eq!(
            steps(10.0, 20.0, 5.0, true).unwrap(),
            vec![I(10), I(15), I(20)]
        );
        assert_eq!(steps(1.0, 0.0, -0.5, false).unwrap().len(), 3);
        assert_eq!(steps(0.0, 1.0, 0.3, false).unwrap().len(), 4);
        assert!(steps(0.0, 1.0, -0.1, false).is_err());
        assert!(steps(0.0, 1.0, 0.0, false).is_err());
    }
}
