//! Creator agents: home platform, followers, skill, trailing earnings, contracts, quitting;
//! and poaching between platforms.

use super::rng::ModelRng;
use crate::scenario::{Followers, PlatformMask, Poaching};
use crate::world::CountryWorld;
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, LogNormal, Pareto};

/// No contract.
pub const NO_CONTRACT: u8 = u8::MAX;

/// One creator.
#[derive(Debug, Clone)]
pub struct Creator {
    /// Home platform (index).
    pub home: u8,
    /// Followers, people.
    pub followers: f64,
    /// Lognormal skill with median 1; multiplies conversion.
    pub skill: f64,
    /// Exponential moving average of weekly earnings, USD.
    pub trailing: f64,
    /// Earnings of the current week so far, USD.
    pub week_earnings: f64,
    /// Platform paying a contract, or [`NO_CONTRACT`].
    pub contract: u8,
    /// Weeks of fee still due.
    pub contract_weeks: u16,
    /// Weekly fee, USD.
    pub fee: f64,
    /// Bad weeks in a row.
    pub weeks_below: u16,
    /// Stopped streaming for good.
    pub quit: bool,
}

/// Draws a country's creators; homes follow the markets' creator shares.
pub fn draw(country: &CountryWorld, rng: &mut ModelRng) -> Vec<Creator> {
    let spec = &country.spec.creators;
    if country.markets.is_empty() {
        return Vec::new();
    }
    let n = spec.agents as usize;
    let skill = LogNormal::new(0.0, spec.skill_sigma).expect("validated sigma");
    // Homes: the first round(share × n) creators go to the first platform, and so on, so the
    // split is exact rather than multinomial; the remainder goes to the largest share.
    let mut homes = Vec::with_capacity(n);
    let mut cumulative = 0.0;
    for (p, share) in country.creator_share.iter().enumerate() {
        cumulative += share;
        let upto = ((cumulative * n as f64).round() as usize).min(n);
        while homes.len() < upto {
            homes.push(p as u8);
        }
    }
    let largest = country
        .creator_share
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(p, _)| p as u8);
    homes.resize(n, largest);
    homes
        .into_iter()
        .map(|home| Creator {
            home,
            followers: followers(&spec.followers, rng),
            skill: skill.sample(rng),
            trailing: 0.0,
            week_earnings: 0.0,
            contract: NO_CONTRACT,
            contract_weeks: 0,
            fee: 0.0,
            weeks_below: 0,
            quit: false,
        })
        .collect()
}

fn followers(dist: &Followers, rng: &mut ModelRng) -> f64 {
    match *dist {
        Followers::Pareto { alpha, min } => Pareto::new(min, alpha).expect("validated").sample(rng),
        Followers::Lognormal { median, sigma } => LogNormal::new(median.ln(), sigma)
            .expect("validated")
            .sample(rng),
    }
}

/// Poaching by platform `poacher` this week. Returns (creators won, spend committed this week
/// by new contracts). `committed` is what running contracts of this poacher already cost.
pub fn poach(
    creators: &mut [Creator],
    poacher: u8,
    rule: &Poaching,
    from_mask: PlatformMask,
    switching_cost: f64,
    lost: &mut [f64],
) -> u32 {
    let committed: f64 = creators
        .iter()
        .filter(|c| c.contract == poacher && !c.quit)
        .map(|c| c.fee)
        .sum();
    let mut remaining = rule.weekly_budget_usd - committed;
    let mut rivals: Vec<usize> = (0..creators.len())
        .filter(|&i| !creators[i].quit && from_mask & (1 << creators[i].home) != 0)
        .collect();
    let targets = (rule.top_share * rivals.len() as f64).ceil() as usize;
    rivals.sort_by(|&a, &b| {
        creators[b]
            .followers
            .total_cmp(&creators[a].followers)
            .then(a.cmp(&b))
    });
    let mut won = 0;
    for &i in rivals.iter().take(targets) {
        let c = &mut creators[i];
        if c.contract != NO_CONTRACT {
            continue;
        }
        let offer = rule.min_offer_usd.max(rule.premium * c.trailing);
        if offer > c.trailing * (1.0 + switching_cost) && offer <= remaining {
            remaining -= offer;
            lost[c.home as usize] += 1.0;
            c.home = poacher;
            c.followers *= rule.follower_carry;
            c.contract = poacher;
            c.contract_weeks = rule.contract_weeks;
            c.fee = offer;
            won += 1;
        }
    }
    won
}

/// Pays this week's contract fees; returns them per platform in `paid`.
pub fn pay_contracts(creators: &mut [Creator], paid: &mut [f64]) {
    for c in creators.iter_mut().filter(|c| c.contract != NO_CONTRACT) {
        if !c.quit {
            paid[c.contract as usize] += c.fee;
            c.week_earnings += c.fee;
        }
        c.contract_weeks -= 1;
        if c.contract_weeks == 0 || c.quit {
            c.contract = NO_CONTRACT;
            c.fee = 0.0;
        }
    }
}

/// Updates trailing earnings of creators whose platform is open and counts bad weeks;
/// a creator below the minimum for `quit_after` weeks stops streaming.
pub fn end_week(
    creators: &mut [Creator],
    live_mask: PlatformMask,
    smoothing: f64,
    minimum: f64,
    quit_after: u16,
) {
    for c in creators.iter_mut().filter(|c| !c.quit) {
        let earned = std::mem::take(&mut c.week_earnings);
        if live_mask & (1 << c.home) == 0 {
            continue;
        }
        c.trailing = smoothing * earned + (1.0 - smoothing) * c.trailing;
        if c.trailing < minimum {
            c.weeks_below += 1;
            if c.weeks_below >= quit_after {
                c.quit = true;
            }
        } else {
            c.weeks_below = 0;
        }
    }
}

/// Weighted choice of a streaming creator on one platform, by followers: Walker's alias
/// method (Vose 1991), O(1) per session. A binary search over cumulative followers was a
/// third of a baseline trial's time.
#[derive(Debug, Clone, Default)]
pub struct Picker {
    /// Creator indices.
    pub ids: Vec<u32>,
    /// Conversion factor of each creator: base conversion × skill × trust × deal factor.
    pub conversion: Vec<f64>,
    /// Followers of the streaming creators on the platform.
    pub total: f64,
    alias: Option<WeightedAliasIndex<f64>>,
}

impl Picker {
    /// Rebuilds the choice among the creators of platform `p` who stream (not quit, with
    /// followers); `factor` is the platform's conversion factor before skill.
    pub fn rebuild(&mut self, creators: &[Creator], p: usize, factor: f64) {
        self.ids.clear();
        self.conversion.clear();
        let mut weights = Vec::new();
        for (i, cr) in creators.iter().enumerate() {
            if cr.home as usize == p && !cr.quit && cr.followers > 0.0 {
                weights.push(cr.followers);
                self.ids.push(i as u32);
                self.conversion.push(factor * cr.skill);
            }
        }
        self.total = weights.iter().sum();
        self.alias = if weights.is_empty() {
            None
        } else {
            Some(WeightedAliasIndex::new(weights).expect("positive finite followers"))
        };
    }

    /// No creator to watch.
    pub fn clear(&mut self) {
        self.ids.clear();
        self.conversion.clear();
        self.total = 0.0;
        self.alias = None;
    }

    /// The position (in `ids`) of a creator drawn with probability proportional to followers.
    #[inline]
    pub fn pick(&self, rng: &mut ModelRng) -> usize {
        self.alias
            .as_ref()
            .expect("pick only from a platform with creators")
            .sample(rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Poaching;

    fn creator(home: u8, followers: f64, trailing: f64) -> Creator {
        Creator {
            home,
            followers,
            skill: 1.0,
            trailing,
            week_earnings: 0.0,
            contract: NO_CONTRACT,
            contract_weeks: 0,
            fee: 0.0,
            weeks_below: 0,
            quit: false,
        }
    }

    fn rule(budget: f64) -> Poaching {
        Poaching {
            from: vec!["rival".into()],
            weekly_budget_usd: budget,
            top_share: 0.5,
            premium: 2.0,
            min_offer_usd: 10.0,
            contract_weeks: 2,
            follower_carry: 0.5,
        }
    }

    #[test]
    fn poaching_takes_the_most_followed_within_budget() {
        // Rival platform 0; poacher 1. Targets: top half of 4 rivals = the 2 most followed.
        let mut cs = vec![
            creator(0, 10.0, 100.0),
            creator(0, 40.0, 100.0),
            creator(0, 30.0, 50.0),
            creator(0, 5.0, 1.0),
        ];
        let mut lost = [0.0; 2];
        // Offers: #1 gets 200, #2 gets 100; budget 250 takes #1 only, then #2 (100) does not fit.
        let won = poach(&mut cs, 1, &rule(250.0), 0b01, 0.2, &mut lost);
        assert_eq!(won, 1);
        assert_eq!(cs[1].home, 1);
        assert_eq!(cs[1].followers, 20.0);
        assert_eq!(cs[1].fee, 200.0);
        assert_eq!(cs[2].home, 0);
        assert_eq!(lost, [1.0, 0.0]);
        // Next week the running contract is committed, so only 50 remains: nothing fits.
        assert_eq!(poach(&mut cs, 1, &rule(250.0), 0b01, 0.2, &mut lost), 0);
    }

    #[test]
    fn a_creator_refuses_an_offer_below_the_switching_threshold() {
        let mut cs = vec![creator(0, 10.0, 100.0)];
        let mut r = rule(1e9);
        r.premium = 1.1; // offer 110 <= 100 × 1.2
        r.top_share = 1.0;
        assert_eq!(poach(&mut cs, 1, &r, 0b01, 0.2, &mut [0.0; 2]), 0);
    }

    #[test]
    fn contracts_pay_their_weeks_then_end() {
        let mut cs = vec![creator(1, 1.0, 0.0)];
        cs[0].contract = 1;
        cs[0].contract_weeks = 2;
        cs[0].fee = 7.0;
        let mut paid = [0.0; 2];
        pay_contracts(&mut cs, &mut paid);
        pay_contracts(&mut cs, &mut paid);
        pay_contracts(&mut cs, &mut paid);
        assert_eq!(paid, [0.0, 14.0]);
        assert_eq!(cs[0].contract, NO_CONTRACT);
        assert_eq!(cs[0].week_earnings, 14.0);
    }

    #[test]
    fn a_creator_quits_after_quit_after_bad_weeks_only_while_live() {
        let mut cs = vec![creator(0, 1.0, 0.0)];
        end_week(&mut cs, 0b00, 0.5, 10.0, 2); // platform closed: no clock
        assert_eq!(cs[0].weeks_below, 0);
        end_week(&mut cs, 0b01, 0.5, 10.0, 2);
        assert!(!cs[0].quit);
        end_week(&mut cs, 0b01, 0.5, 10.0, 2);
        assert!(cs[0].quit);
    }

    #[test]
    fn creator_homes_follow_shares_exactly() {
        let mut world = crate::world::World::new(&crate::scenario::Scenario::baseline());
        let c = &mut world.countries[0];
        c.spec.creators.agents = 1000;
        let shares = c.creator_share.clone();
        let cs = draw(c, &mut rand::SeedableRng::seed_from_u64(1));
        for (p, share) in shares.iter().enumerate() {
            let n = cs.iter().filter(|x| x.home as usize == p).count();
            assert!(
                (n as f64 - share * 1000.0).abs() <= 1.0,
                "platform {p}: {n} vs {share}"
            );
        }
    }
}
