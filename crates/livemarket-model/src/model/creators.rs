//! Creator agents: home platform, followers, skill, reservation wage, trailing earnings,
//! contracts, dormancy and return; poaching campaigns and creator funds.

use super::rng::ModelRng;
use crate::scenario::{Followers, PlatformMask, Poaching};
use crate::world::CountryWorld;
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, LogNormal, Normal, Pareto};

/// No contract.
pub const NO_CONTRACT: u8 = u8::MAX;

/// The id a [`Picker`] gives the platform's long tail of creators (not a creator agent).
pub const TAIL: u32 = u32::MAX;

/// One creator.
#[derive(Debug, Clone)]
pub struct Creator {
    /// Home platform (index).
    pub home: u8,
    /// Home before the running contract moved it (meaningful under contract).
    pub original: u8,
    /// Home at the start of the trial.
    pub initial: u8,
    /// Platform paying a contract, or [`NO_CONTRACT`].
    pub contract: u8,
    /// Not streaming; keeps its followers.
    pub dormant: bool,
    /// Trailing earnings have started (its home market has opened).
    pub started: bool,
    /// Weeks of fee still due.
    pub contract_weeks: u16,
    /// Weeks in a row with trailing earnings below the reservation wage.
    pub weeks_below: u16,
    /// Times it changed home.
    pub switches: u16,
    /// Weeks spent dormant.
    pub dormant_weeks: u16,
    /// Followers, people.
    pub followers: f64,
    /// Lognormal skill with median 1; multiplies conversion.
    pub skill: f64,
    /// Weekly earnings below which streaming is not worth it, USD.
    pub reservation: f64,
    /// Exponential moving average of weekly earnings, USD.
    pub trailing: f64,
    /// Earnings of the current week so far, USD.
    pub week_earnings: f64,
    /// All earnings so far, USD.
    pub total: f64,
    /// Weekly contract fee, USD.
    pub fee: f64,
}

impl Creator {
    /// Streams this week: not dormant and its home's live shop open.
    #[inline]
    pub fn streams(&self, live_mask: PlatformMask) -> bool {
        !self.dormant && live_mask & (1 << self.home) != 0
    }
}

/// Draws a country's creators; homes follow the markets' creator shares.
pub fn draw(country: &CountryWorld, rng: &mut ModelRng) -> Vec<Creator> {
    let spec = &country.spec.creators;
    if country.markets.is_empty() {
        return Vec::new();
    }
    let n = spec.agents as usize;
    let skill = LogNormal::new(0.0, spec.skill_sigma).expect("validated sigma");
    // Every creator draws its wage's normal deviate, even at a zero median, so scenarios that
    // differ only in wages draw the same followers and skills (common random numbers).
    let deviate = Normal::new(0.0, 1.0).expect("standard normal");
    let wage = |z: f64| spec.reservation_usd * (spec.reservation_sigma * z).exp();
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
            original: home,
            initial: home,
            contract: NO_CONTRACT,
            dormant: false,
            started: false,
            contract_weeks: 0,
            weeks_below: 0,
            switches: 0,
            dormant_weeks: 0,
            followers: followers(&spec.followers, rng),
            skill: skill.sample(rng),
            reservation: wage(deviate.sample(rng)),
            trailing: 0.0,
            week_earnings: 0.0,
            total: 0.0,
            fee: 0.0,
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

/// What the platforms of a country paid and earned last week, per follower of their
/// streaming creators: what a creator expects from moving, returning or being poached.
#[derive(Debug, Clone, Copy, Default)]
pub struct PerFollower {
    /// Expected commission per follower, USD.
    pub commission: [f64; crate::scenario::MAX_PLATFORMS],
    /// Take-rate revenue per follower, USD.
    pub revenue: [f64; crate::scenario::MAX_PLATFORMS],
}

/// The target list of a poaching campaign: the top `top_share` by followers of the rivals'
/// streaming creators (their home market open), most followed first.
pub fn campaign_targets(
    creators: &[Creator],
    rule: &Poaching,
    from_mask: PlatformMask,
    live_mask: PlatformMask,
    out: &mut Vec<u32>,
) {
    out.clear();
    out.extend((0..creators.len() as u32).filter(|&i| {
        let c = &creators[i as usize];
        c.streams(live_mask) && from_mask & (1 << c.home) != 0
    }));
    out.sort_by(|&a, &b| {
        creators[b as usize]
            .followers
            .total_cmp(&creators[a as usize].followers)
            .then(a.cmp(&b))
    });
    let keep = (rule.top_share * out.len() as f64).ceil() as usize;
    out.truncate(keep);
}

/// What one week of a campaign did.
#[derive(Debug, Default, Clone, Copy)]
pub struct CampaignWeek {
    pub won: u32,
    pub offers: u32,
    /// Followers (before the move) of the creators won, by the platform they left.
    pub moved: [f64; crate::scenario::MAX_PLATFORMS],
}

/// One week of poaching by platform `poacher` over its fixed target list. Offers go, most
/// followed first, to targets still streaming on an open rival home and not under contract:
/// `min(max(min_offer, premium × b), cap)`, within what the budget leaves after running
/// contracts. `lost` counts creators lost per platform.
#[allow(clippy::too_many_arguments)]
pub fn poach(
    creators: &mut [Creator],
    targets: &[u32],
    poacher: u8,
    rule: &Poaching,
    from_mask: PlatformMask,
    live_mask: PlatformMask,
    switching_cost: f64,
    per_follower: &PerFollower,
    lost: &mut [f64],
) -> CampaignWeek {
    let p = poacher as usize;
    let committed: f64 = creators
        .iter()
        .filter(|c| c.contract == poacher)
        .map(|c| c.fee)
        .sum();
    let mut remaining = rule.weekly_budget_usd - committed;
    let mut week = CampaignWeek::default();
    for &i in targets {
        let c = &creators[i as usize];
        if !c.streams(live_mask) || from_mask & (1 << c.home) == 0 || c.contract != NO_CONTRACT {
            continue;
        }
        let carried = c.followers * rule.follower_carry;
        let b = c.trailing.max(per_follower.commission[p] * carried);
        let cap = rule.value_multiple * per_follower.revenue[p] * carried;
        let offer = rule.min_offer_usd.max(rule.premium * b).min(cap);
        if offer <= 0.0 || offer > remaining {
            continue;
        }
        week.offers += 1;
        if offer > c.trailing * (1.0 + switching_cost) {
            remaining -= offer;
            let old = c.home;
            let left = c.followers - carried;
            lost[old as usize] += 1.0;
            week.moved[old as usize] += c.followers;
            let c = &mut creators[i as usize];
            c.original = old;
            c.home = poacher;
            c.followers = carried;
            c.contract = poacher;
            c.contract_weeks = rule.contract_weeks;
            c.fee = offer;
            c.switches += 1;
            share_out(creators, old, left, live_mask);
            week.won += 1;
        }
    }
    week
}

/// Gives `followers` to the streaming creators of platform `p`, pro rata to their own.
fn share_out(creators: &mut [Creator], p: u8, followers: f64, live_mask: PlatformMask) {
    let total: f64 = creators
        .iter()
        .filter(|c| c.home == p && c.streams(live_mask))
        .map(|c| c.followers)
        .sum();
    if total > 0.0 && followers > 0.0 {
        let factor = 1.0 + followers / total;
        for c in creators
            .iter_mut()
            .filter(|c| c.home == p && c.streams(live_mask))
        {
            c.followers *= factor;
        }
    }
}

/// Pays this week's contract fees (to streaming creators); returns them per platform in
/// `paid`. A contract that ends lets the creator choose: it goes back to its original home
/// (if open) when the expected earnings there beat those at its current home by the
/// switching cost.
pub fn pay_contracts(
    creators: &mut [Creator],
    live_mask: PlatformMask,
    per_follower: &PerFollower,
    switching_cost: f64,
    paid: &mut [f64],
) {
    for c in creators.iter_mut().filter(|c| c.contract != NO_CONTRACT) {
        if c.streams(live_mask) {
            paid[c.contract as usize] += c.fee;
            c.week_earnings += c.fee;
        }
        c.contract_weeks -= 1;
        if c.contract_weeks == 0 {
            c.contract = NO_CONTRACT;
            c.fee = 0.0;
            let here = per_follower.commission[c.home as usize];
            let there = per_follower.commission[c.original as usize];
            if live_mask & (1 << c.original) != 0 && there > here * (1.0 + switching_cost) {
                c.home = c.original;
                c.switches += 1;
            }
        }
    }
}

/// Dormant creators whose home is open stream again when last week's expected commission
/// per follower there × their followers reaches their reservation wage. Returns how many
/// came back, per platform.
pub fn returns(
    creators: &mut [Creator],
    live_mask: PlatformMask,
    per_follower: &PerFollower,
    back: &mut [f64],
) {
    for c in creators.iter_mut().filter(|c| c.dormant) {
        let p = c.home as usize;
        let expected = per_follower.commission[p] * c.followers;
        if live_mask & (1 << p) != 0 && expected >= c.reservation {
            c.dormant = false;
            c.trailing = expected;
            c.weeks_below = 0;
            back[p] += 1.0;
        }
    }
}

/// Tops up this week's earnings of platform `p`'s streaming creators to `floor`, lowest
/// earners first, within `budget`. Returns the amount paid. `order` is scratch space.
pub fn fund(
    creators: &mut [Creator],
    p: u8,
    live_mask: PlatformMask,
    floor: f64,
    budget: f64,
    order: &mut Vec<u32>,
) -> f64 {
    order.clear();
    order.extend((0..creators.len() as u32).filter(|&i| {
        let c = &creators[i as usize];
        c.home == p && c.streams(live_mask) && c.week_earnings < floor
    }));
    order.sort_by(|&a, &b| {
        creators[a as usize]
            .week_earnings
            .total_cmp(&creators[b as usize].week_earnings)
            .then(a.cmp(&b))
    });
    let mut left = budget;
    for &i in order.iter() {
        if left <= 0.0 {
            break;
        }
        let c = &mut creators[i as usize];
        let top = (floor - c.week_earnings).min(left);
        c.week_earnings += top;
        left -= top;
    }
    budget - left
}

/// End of the week for creators: trailing earnings of streaming creators update (starting
/// at the reservation wage the first week their home is open); a creator whose trailing
/// earnings stay below its wage for `quit_after` weeks, counted from `grace_weeks` after its
/// home market opened, goes dormant. `opened` is the week each platform's market opened.
pub fn end_week(
    creators: &mut [Creator],
    live_mask: PlatformMask,
    week: u32,
    opened: &[Option<u32>],
    smoothing: f64,
    quit_after: u16,
    grace_weeks: u16,
) {
    for c in creators.iter_mut() {
        let earned = std::mem::take(&mut c.week_earnings);
        c.total += earned;
        if c.dormant {
            c.dormant_weeks += 1;
            continue;
        }
        if live_mask & (1 << c.home) == 0 {
            continue;
        }
        if !c.started {
            c.started = true;
            c.trailing = c.reservation;
        }
        c.trailing = smoothing * earned + (1.0 - smoothing) * c.trailing;
        let counting = opened[c.home as usize].is_some_and(|o| week >= o + u32::from(grace_weeks));
        if counting && c.trailing < c.reservation {
            c.weeks_below += 1;
            if c.weeks_below >= quit_after {
                c.dormant = true;
                c.weeks_below = 0;
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
    /// Conversion factor of each creator: base conversion × skill × trust.
    pub conversion: Vec<f64>,
    /// Expected commission credited to each this week, USD.
    pub expected: Vec<f64>,
    /// Followers of the streaming creators on the platform.
    pub total: f64,
    alias: Option<WeightedAliasIndex<f64>>,
    weights: Vec<f64>,
}

impl Picker {
    /// Rebuilds the choice among the streaming creators of platform `p` (with followers);
    /// `factor` is the platform's conversion factor before skill. `tail` receives the
    /// followers of the creator agents and returns the weight of the long tail (its active
    /// followers; 0: none), which joins the choice as [`TAIL`] with median skill.
    pub fn rebuild(
        &mut self,
        creators: &[Creator],
        p: usize,
        live_mask: PlatformMask,
        factor: f64,
        tail: impl FnOnce(f64) -> f64,
    ) {
        self.ids.clear();
        self.conversion.clear();
        self.expected.clear();
        self.weights.clear();
        for (i, cr) in creators.iter().enumerate() {
            if cr.home as usize == p && cr.streams(live_mask) && cr.followers > 0.0 {
                self.weights.push(cr.followers);
                self.ids.push(i as u32);
                self.conversion.push(factor * cr.skill);
                self.expected.push(0.0);
            }
        }
        let tail = tail(self.weights.iter().sum());
        if tail > 0.0 {
            self.weights.push(tail);
            self.ids.push(TAIL);
            self.conversion.push(factor);
            self.expected.push(0.0);
        }
        self.total = self.weights.iter().sum();
        self.alias = if self.weights.is_empty() {
            None
        } else {
            Some(WeightedAliasIndex::new(self.weights.clone()).expect("positive finite followers"))
        };
    }

    /// No creator to watch.
    pub fn clear(&mut self) {
        self.ids.clear();
        self.conversion.clear();
        self.expected.clear();
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
            original: home,
            initial: home,
            contract: NO_CONTRACT,
            dormant: false,
            started: true,
            contract_weeks: 0,
            weeks_below: 0,
            switches: 0,
            dormant_weeks: 0,
            followers,
            skill: 1.0,
            reservation: 0.0,
            trailing,
            week_earnings: 0.0,
            total: 0.0,
            fee: 0.0,
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
            value_multiple: 1e9,
            refresh_weeks: None,
            follower_loyalty: 0.0,
        }
    }

    fn rich() -> PerFollower {
        PerFollower {
            commission: [0.0; 8],
            revenue: [1.0; 8],
        }
    }

    #[test]
    fn poaching_takes_the_most_followed_within_budget_and_leaves_followers_behind() {
        // Rival platform 0; poacher 1. Targets: top half of 4 rivals = the 2 most followed.
        let mut cs = vec![
            creator(0, 10.0, 100.0),
            creator(0, 40.0, 100.0),
            creator(0, 30.0, 50.0),
            creator(0, 5.0, 1.0),
        ];
        let mut targets = Vec::new();
        campaign_targets(&cs, &rule(250.0), 0b01, 0b11, &mut targets);
        assert_eq!(targets, [1, 2]);
        let mut lost = [0.0; 2];
        // Offers: #1 gets 200, #2 gets 100; budget 250 takes #1 only, then #2 (100) does not fit.
        let week = poach(
            &mut cs,
            &targets,
            1,
            &rule(250.0),
            0b01,
            0b11,
            0.2,
            &rich(),
            &mut lost,
        );
        assert_eq!(week.won, 1);
        assert_eq!(cs[1].home, 1);
        assert_eq!(cs[1].followers, 20.0);
        assert_eq!(cs[1].fee, 200.0);
        assert_eq!(cs[2].home, 0);
        assert_eq!(lost, [1.0, 0.0]);
        // The 20 followers left behind go to the old platform's streaming creators pro rata
        // (10 + 30 + 5 = 45 followers before).
        let rest: f64 = cs.iter().filter(|c| c.home == 0).map(|c| c.followers).sum();
        assert!((rest - 65.0).abs() < 1e-9, "{rest}");
        // Next week the running contract is committed, so only 50 remains: nothing fits.
        let again = poach(
            &mut cs,
            &targets,
            1,
            &rule(250.0),
            0b01,
            0b11,
            0.2,
            &rich(),
            &mut lost,
        );
        assert_eq!(again.won, 0);
    }

    #[test]
    fn an_offer_is_capped_by_the_creators_value_to_the_poacher() {
        let mut cs = vec![creator(0, 100.0, 10.0)];
        let mut r = rule(1e9);
        r.top_share = 1.0;
        r.value_multiple = 1.0;
        // Revenue per follower 0.1: the 50 carried followers are worth 5 a week, below the
        // trailing 10 × 1.2: the offer (min_offer 10 capped to 5) is refused.
        let pf = PerFollower {
            commission: [0.0; 8],
            revenue: [0.1; 8],
        };
        let week = poach(&mut cs, &[0], 1, &r, 0b01, 0b11, 0.2, &pf, &mut [0.0; 2]);
        assert_eq!((week.won, week.offers), (0, 1));
    }

    #[test]
    fn a_creator_refuses_an_offer_below_the_switching_threshold() {
        let mut cs = vec![creator(0, 10.0, 100.0)];
        let mut r = rule(1e9);
        r.premium = 1.1; // offer 110 <= 100 × 1.2
        r.top_share = 1.0;
        let week = poach(
            &mut cs,
            &[0],
            1,
            &r,
            0b01,
            0b11,
            0.2,
            &rich(),
            &mut [0.0; 2],
        );
        assert_eq!(week.won, 0);
    }

    #[test]
    fn contracts_pay_their_weeks_then_the_creator_chooses_its_home() {
        let mut cs = vec![creator(1, 1.0, 0.0)];
        cs[0].original = 0;
        cs[0].contract = 1;
        cs[0].contract_weeks = 2;
        cs[0].fee = 7.0;
        let mut paid = [0.0; 2];
        // The original home pays twice as much per follower: the creator goes back.
        let pf = PerFollower {
            commission: [2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            revenue: [0.0; 8],
        };
        for _ in 0..3 {
            pay_contracts(&mut cs, 0b11, &pf, 0.2, &mut paid);
        }
        assert_eq!(paid, [0.0, 14.0]);
        assert_eq!(cs[0].contract, NO_CONTRACT);
        assert_eq!(cs[0].week_earnings, 14.0);
        assert_eq!(cs[0].home, 0);
    }

    #[test]
    fn a_creator_goes_dormant_after_quit_after_weeks_below_its_wage_and_returns() {
        let mut cs = vec![creator(0, 100.0, 0.0)];
        cs[0].reservation = 10.0;
        cs[0].started = false;
        let opened = [Some(0)];
        // Home closed: no clock.
        end_week(&mut cs, 0b00, 0, &opened, 0.5, 2, 0);
        assert_eq!(cs[0].weeks_below, 0);
        // Starts at its wage (10), then earns 0: 5, 2.5: below for two weeks.
        end_week(&mut cs, 0b01, 1, &opened, 0.5, 2, 0);
        assert_eq!(cs[0].trailing, 5.0);
        assert!(!cs[0].dormant);
        end_week(&mut cs, 0b01, 2, &opened, 0.5, 2, 0);
        assert!(cs[0].dormant);
        // 0.05 per follower × 100 = 5 < 10: stays; 0.1 × 100 = 10: returns.
        let mut back = [0.0];
        let mut pf = PerFollower::default();
        pf.commission[0] = 0.05;
        returns(&mut cs, 0b01, &pf, &mut back);
        assert!(cs[0].dormant);
        pf.commission[0] = 0.1;
        returns(&mut cs, 0b01, &pf, &mut back);
        assert!(!cs[0].dormant);
        assert_eq!(back, [1.0]);
    }

    #[test]
    fn grace_weeks_delay_the_count() {
        let mut cs = vec![creator(0, 1.0, 0.0)];
        cs[0].reservation = 10.0;
        let opened = [Some(0)];
        for week in 0..3 {
            end_week(&mut cs, 0b01, week, &opened, 0.5, 1, 3);
            assert!(!cs[0].dormant, "week {week}");
        }
        end_week(&mut cs, 0b01, 3, &opened, 0.5, 1, 3);
        assert!(cs[0].dormant);
    }

    #[test]
    fn a_fund_tops_up_the_lowest_earners_first_within_its_budget() {
        let mut cs = vec![
            creator(0, 1.0, 0.0),
            creator(0, 1.0, 0.0),
            creator(0, 1.0, 0.0),
        ];
        cs[0].week_earnings = 5.0;
        cs[1].week_earnings = 1.0;
        cs[2].week_earnings = 20.0;
        let paid = fund(&mut cs, 0, 0b01, 10.0, 12.0, &mut Vec::new());
        assert_eq!(paid, 12.0);
        assert_eq!(cs[1].week_earnings, 10.0);
        assert_eq!(cs[0].week_earnings, 8.0);
        assert_eq!(cs[2].week_earnings, 20.0);
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
