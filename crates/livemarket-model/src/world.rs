//! The resolved world: a validated scenario turned into indexed countries, platforms and
//! markets, with dates turned into week numbers. The simulation core reads only this.

use crate::scenario::{Country, Date, GateMeasure, Market, PlatformMask, Scenario, Switches};

/// Index of a platform (also its bit in a consumer's platform mask).
pub type PlatformId = usize;

/// A validated scenario, indexed for the simulation.
#[derive(Debug, Clone)]
pub struct World {
    pub name: String,
    pub start: Date,
    pub weeks: u32,
    pub seed: u64,
    pub countries: Vec<CountryWorld>,
    pub platforms: Vec<PlatformWorld>,
    /// Markets in output order: by country, then platform, as in the file.
    pub markets: Vec<MarketWorld>,
    /// Visit every consumer every week even when adopters have nothing to do. Results are
    /// the same either way; tests set it to check the sparse pass against the full one.
    pub full_scan: bool,
    /// Keep every creator's end state in each trial's result (`run --creators`).
    pub record_creators: bool,
    /// The feedbacks switched on (`[switches]`).
    pub switches: Switches,
}

#[derive(Debug, Clone)]
pub struct CountryWorld {
    pub code: String,
    pub spec: Country,
    /// People each consumer agent stands for: population × online_share / agents.
    pub weight: f64,
    /// Indices into [`World::markets`] of this country's markets, by platform order.
    pub markets: Vec<usize>,
    /// Share of creators whose home is each platform at the start (0 without a market).
    pub creator_share: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct PlatformWorld {
    pub name: String,
    pub take_rate: f64,
    pub creator_commission: f64,
    pub ad_yield_usd_per_session: f64,
}

/// A resolved launch gate.
#[derive(Debug, Clone, Copy)]
pub struct GateWorld {
    /// Index into [`World::markets`] of the market whose GMV decides.
    pub market: usize,
    /// What the gate reads.
    pub measure: GateMeasure,
    /// The threshold of that measure (USD per week, a share of plan, or a value).
    pub threshold: f64,
    pub window_weeks: u16,
}

#[derive(Debug, Clone)]
pub struct MarketWorld {
    pub country: usize,
    pub platform: PlatformId,
    pub spec: Market,
    /// Week live shopping opens (0 for dates before the start); None: never.
    pub launch_week: Option<u32>,
    /// Week live shopping closes for good; None: never.
    pub close_week: Option<u32>,
    /// Launch gate, if any.
    pub gate: Option<GateWorld>,
    /// Bitmask of the platforms whose creators this market poaches.
    pub poach_from: PlatformMask,
    /// The market's planned GMV for each week of the run, when it has a plan.
    pub plan: Option<Vec<f64>>,
}

impl World {
    /// Indexes a scenario that [`Scenario::from_toml_str`] has validated.
    pub fn new(s: &Scenario) -> World {
        let platform_names: Vec<&String> = s.platforms.keys().collect();
        let pid = |name: &str| {
            platform_names
                .iter()
                .position(|n| *n == name)
                .expect("validated platform")
        };
        let mut markets = Vec::new();
        let mut countries = Vec::new();
        for (c, (code, spec)) in s.countries.iter().enumerate() {
            let mut idx = Vec::new();
            for (p, (_, platform)) in s.platforms.iter().enumerate() {
                if let Some(m) = platform.markets.get(code) {
                    idx.push(markets.len());
                    markets.push(MarketWorld {
                        country: c,
                        platform: p,
                        spec: m.clone(),
                        launch_week: m
                            .live
                            .as_ref()
                            .map(|l| l.launch.week_from(s.start).max(0) as u32),
                        close_week: m
                            .live
                            .as_ref()
                            .and_then(|l| l.close)
                            .map(|d| d.week_from(s.start).max(0) as u32),
                        gate: None,
                        plan: m.plan.as_ref().map(|plan| {
                            (0..s.weeks)
                                .map(|t| plan.at(s.start.plus_weeks(t)))
                                .collect()
                        }),
                        poach_from: m
                            .poaching
                            .as_ref()
                            .map_or(0, |po| po.from.iter().fold(0, |acc, r| acc | 1 << pid(r))),
                    });
                }
            }
            countries.push(CountryWorld {
                code: code.clone(),
                weight: spec.population * spec.online_share / f64::from(spec.agents),
                creator_share: resolve_creator_shares(s, code),
                spec: spec.clone(),
                markets: idx,
            });
        }
        // Gates name a market of the same platform in another country.
        for i in 0..markets.len() {
            let gate = markets[i].spec.live.as_ref().and_then(|l| l.gate.as_ref());
            if let Some(g) = gate {
                let country = s.countries.get_index_of(&g.market).expect("validated gate");
                let target = markets
                    .iter()
                    .position(|m| m.country == country && m.platform == markets[i].platform)
                    .expect("validated gate market");
                let threshold = match g.measure {
                    GateMeasure::Gmv => g.min_weekly_gmv_usd,
                    GateMeasure::Plan => Some(g.plan_share),
                    GateMeasure::Contribution => g.min_weekly_contribution_usd,
                    GateMeasure::Value => g.min_value,
                };
                markets[i].gate = Some(GateWorld {
                    market: target,
                    measure: g.measure,
                    threshold: threshold.expect("validated gate threshold"),
                    window_weeks: g.window_weeks,
                });
            }
        }
        World {
            name: s.display_name().to_string(),
            start: s.start,
            weeks: s.weeks,
            seed: s.seed,
            countries,
            platforms: s
                .platforms
                .iter()
                .map(|(name, p)| PlatformWorld {
                    name: name.clone(),
                    take_rate: p.take_rate,
                    creator_commission: p.creator_commission,
                    ad_yield_usd_per_session: p.ad_yield_usd_per_session,
                })
                .collect(),
            markets,
            full_scan: false,
            record_creators: false,
            switches: s.switches,
        }
    }

    /// Consumer agents over all countries.
    pub fn consumer_agents(&self) -> u64 {
        self.countries
            .iter()
            .map(|c| u64::from(c.spec.agents))
            .sum()
    }
}

/// Creator shares per platform for one country: given shares as they are, the rest split
/// equally among the markets that leave theirs out.
fn resolve_creator_shares(s: &Scenario, code: &str) -> Vec<f64> {
    let shares: Vec<Option<Option<f64>>> = s
        .platforms
        .values()
        .map(|p| p.markets.get(code).map(|m| m.creator_share))
        .collect();
    let given: f64 = shares.iter().flatten().flatten().sum();
    let missing = shares.iter().filter(|x| matches!(x, Some(None))).count();
    let rest = if missing > 0 {
        (1.0 - given).max(0.0) / missing as f64
    } else {
        0.0
    };
    shares
        .iter()
        .map(|x| match x {
            None => 0.0,
            Some(Some(v)) => *v,
            Some(None) => rest,
        })
        .collect()
}
