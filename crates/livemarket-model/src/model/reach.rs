//! Who uses which platform, week by week.
//!
//! Consumer i uses platform p from the first week t with u(i, p) < reach(t), where u is a
//! uniform drawn by hashing (key, p, i) and reach(t) = min(1, reach × (1 + reach_growth)^t).
//! Draws are independent across platforms, and growth only ever adds users. Rather than
//! re-testing every non-user every week, the weeks at which consumers join are computed once
//! and replayed: the cost is one entry per consumer who joins during the run.

use super::consumers::Consumers;
use super::rng::hash_unit;
use crate::scenario::{Market, PlatformMask};

/// reach(t) of a market.
pub fn reach_at(m: &Market, week: u32) -> f64 {
    if m.reach == 0.0 {
        // Zero reach stays zero: growth can overflow to infinity, and 0 × inf is NaN, which
        // `min` would turn into 1.
        return 0.0;
    }
    (m.reach * (1.0 + m.reach_growth).powi(week as i32)).min(1.0)
}

/// The uniform that decides whether consumer i uses platform p.
#[inline]
fn draw(key: u64, p: usize, i: usize) -> f64 {
    hash_unit(key, ((p as u64) << 56) | i as u64)
}

/// Consumers joining one platform, grouped by week: `agents[starts[t]..starts[t + 1]]`.
#[derive(Debug, Clone, Default)]
struct Joins {
    starts: Vec<u32>,
    agents: Vec<u32>,
}

/// The joining schedule of every platform in one country.
#[derive(Debug, Clone)]
pub struct Reach {
    joins: Vec<Option<Joins>>,
}

impl Reach {
    /// Gives every consumer its platforms of week 0 and plans the joins of weeks 1.. `weeks`.
    /// `markets` lists (platform, market) of the country. Returns the users per platform.
    pub fn new(
        key: u64,
        markets: &[(usize, &Market)],
        weeks: u32,
        np: usize,
        cons: &mut Consumers,
    ) -> (Reach, Vec<u64>) {
        let mut users = vec![0u64; np];
        let mut joins = vec![None; np];
        let n = cons.len();
        for &(p, m) in markets {
            let start = reach_at(m, 0);
            let end = reach_at(m, weeks.saturating_sub(1));
            let bit: PlatformMask = 1 << p;
            let mut week_of: Vec<(u32, u32)> = Vec::new();
            for i in 0..n {
                let u = draw(key, p, i);
                if u < start {
                    cons.platforms[i] |= bit;
                    users[p] += 1;
                } else if u < end {
                    // The first week whose reach exceeds u (reach is non-decreasing).
                    let (mut lo, mut hi) = (1u32, weeks - 1);
                    while lo < hi {
                        let mid = (lo + hi) / 2;
                        if u < reach_at(m, mid) {
                            hi = mid
                        } else {
                            lo = mid + 1
                        }
                    }
                    week_of.push((lo, i as u32));
                }
            }
            if !week_of.is_empty() {
                week_of.sort_unstable();
                let mut starts = vec![0u32; weeks as usize + 1];
                for &(t, _) in &week_of {
                    starts[t as usize + 1] += 1;
                }
                for t in 1..starts.len() {
                    starts[t] += starts[t - 1];
                }
                joins[p] = Some(Joins {
                    starts,
                    agents: week_of.into_iter().map(|(_, i)| i).collect(),
                });
            }
        }
        (Reach { joins }, users)
    }

    /// The consumers who start using platform `p` in `weeks` (week 0's users are not among
    /// them: they use it from the start).
    pub fn joiners(&self, p: usize, weeks: std::ops::Range<u32>) -> &[u32] {
        match self.joins.get(p) {
            Some(Some(j)) => {
                let at = |t: u32| j.starts[(t as usize).min(j.starts.len() - 1)] as usize;
                &j.agents[at(weeks.start)..at(weeks.end)]
            }
            _ => &[],
        }
    }

    /// Adds the consumers who start using a platform in `week`; updates `users`.
    pub fn advance(&self, week: u32, cons: &mut Consumers, users: &mut [u64]) {
        for (p, joins) in self.joins.iter().enumerate() {
            if let Some(j) = joins {
                let (a, b) = (
                    j.starts[week as usize] as usize,
                    j.starts[week as usize + 1] as usize,
                );
                for &i in &j.agents[a..b] {
                    cons.add_platform(i as usize, p);
                }
                users[p] += (b - a) as u64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replaying the schedule gives, every week, exactly the users of the direct rule.
    #[test]
    fn the_schedule_matches_testing_everyone_every_week() {
        let text = r#"
            start = 2021-01-04
            weeks = 60
            [countries.XX]
            population = 1000
            agents = 5000
            diffusion = { network = "well_mixed" }
            [platforms.a.markets.XX]
            reach = 0.2
            reach_growth = 0.03
            [platforms.b.markets.XX]
            reach = 0.5
        "#;
        let s = crate::scenario::Scenario::from_toml_str(text, "t.toml").unwrap();
        let w = crate::world::World::new(&s);
        let mut cons = Consumers::new(&w.countries[0], 1);
        let markets: Vec<(usize, &Market)> =
            w.markets.iter().map(|m| (m.platform, &m.spec)).collect();
        let (reach, mut users) = Reach::new(99, &markets, w.weeks, 2, &mut cons);
        let mut last = cons.platforms.clone();
        for week in 0..w.weeks {
            if week > 0 {
                reach.advance(week, &mut cons, &mut users);
            }
            for &(p, m) in &markets {
                // The joiners of this week are exactly the new users, and of any span of
                // weeks, the joiners of its weeks in turn.
                let new: Vec<u32> = (0..cons.len() as u32)
                    .filter(|&i| (cons.platforms[i as usize] & !last[i as usize]) & (1 << p) != 0)
                    .collect();
                let mut joined = reach.joiners(p, week..week + 1).to_vec();
                joined.sort_unstable();
                assert_eq!(joined, new, "week {week} platform {p}");
                let span: Vec<u32> = (0..=week)
                    .flat_map(|t| reach.joiners(p, t..t + 1).to_vec())
                    .collect();
                assert_eq!(reach.joiners(p, 0..week + 1), &span[..]);
                let r = reach_at(m, week);
                let direct: Vec<bool> = (0..cons.len()).map(|i| draw(99, p, i) < r).collect();
                let have: Vec<bool> = cons.platforms.iter().map(|x| x & (1 << p) != 0).collect();
                assert_eq!(direct, have, "week {week} platform {p}");
                assert_eq!(users[p], have.iter().filter(|&&x| x).count() as u64);
            }
            last.clone_from(&cons.platforms);
        }
        // 0.2 × 1.03^59 > 1: by the last week everyone uses platform a.
        assert!(
            reach.joiners(1, 0..w.weeks + 5).is_empty(),
            "b does not grow"
        );
        // Weeks past the end name no one more.
        let all = reach.joiners(0, 0..w.weeks);
        assert!(!all.is_empty());
        assert_eq!(reach.joiners(0, 0..w.weeks + 5), all);
        assert!(reach.joiners(0, w.weeks..w.weeks + 5).is_empty());
        assert_eq!(users[0], 5000);
    }

    #[test]
    fn zero_reach_stays_zero_whatever_the_growth() {
        let m: Market = toml::from_str("reach = 0.0\nreach_growth = 1.0").unwrap();
        // (1 + 1)^5000 overflows to infinity; 0 × inf must not become everyone.
        assert_eq!(reach_at(&m, 5000), 0.0);
        assert_eq!(reach_at(&m, 3), 0.0);
        let small: Market = toml::from_str("reach = 0.001\nreach_growth = 1.0").unwrap();
        assert_eq!(reach_at(&small, 5000), 1.0);
    }
}
