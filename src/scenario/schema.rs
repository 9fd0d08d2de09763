//! The scenario file's schema: every key, its unit and its default.
//!
//! Every table denies unknown keys; [`super::schema_message`] turns serde's message into one
//! that names the nearest valid key. Ranges are checked in [`super::validate`], not here.

use super::date::Date;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// US dollars.
pub type Usd = f64;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name used for the default output folder; defaults to the file name without `.toml`.
    #[serde(default)]
    pub name: Option<String>,
    /// Free text shown by `livemarket check`.
    #[serde(default)]
    pub description: Option<String>,
    /// First day of week 0 (ISO date).
    pub start: Date,
    /// Number of simulated weeks.
    pub weeks: u32,
    /// Scenario seed; trial k's seed derives from it and k alone. Default 1.
    #[serde(default = "d_seed")]
    pub seed: u64,
    /// Trials run by `livemarket run` unless `--trials` says otherwise. Default 100.
    #[serde(default = "d_trials")]
    pub trials: u32,
    /// Countries keyed by ISO 3166 alpha-2 code, in file order.
    pub countries: IndexMap<String, Country>,
    /// Platforms keyed by name (`tiktok`, `facebook`, ...), in file order.
    #[serde(default)]
    pub platforms: IndexMap<String, Platform>,
    /// A parameter sweep run by `livemarket run` (docs/sweeps.md); none means one point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
}

/// A parameter sweep: the values each parameter takes and how they combine into points.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// `grid`, `zip`, `lhs` or `random`. Default `grid`.
    #[serde(default)]
    pub design: Design,
    /// Seed of the `lhs` and `random` draws (not of the trials). Default 1.
    #[serde(default = "d_seed")]
    pub seed: u64,
    /// Points drawn by `lhs` and `random`.
    #[serde(default)]
    pub samples: Option<u32>,
    /// One-at-a-time paths of a `morris` design.
    #[serde(default)]
    pub trajectories: Option<u32>,
    /// Grid levels of a `morris` design (even, at least 2). Default 4.
    #[serde(default)]
    pub levels: Option<u32>,
    /// Trials at each point [default: the scenario's `trials`].
    #[serde(default)]
    pub trials: Option<u32>,
    /// Values by parameter path (`"countries.GB.live_affinity.mean" = [0.3, 0.5]`), in file
    /// order.
    #[serde(default)]
    pub parameters: IndexMap<String, Values>,
}

/// How the values of a sweep's parameters combine into points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// Every combination of the parameters' values.
    #[default]
    Grid,
    /// The i-th values of every parameter together; every list has the same length.
    Zip,
    /// Latin hypercube of `samples` points: each parameter's range cut into `samples`
    /// equal strata, each stratum drawn exactly once (McKay, Beckman & Conover 1979).
    Lhs,
    /// `samples` points drawn independently and uniformly.
    Random,
    /// Morris elementary effects: `trajectories` one-at-a-time paths over a grid of `levels`
    /// levels, each changing every parameter once by Δ = levels / (2 (levels − 1)) of its
    /// range (Morris 1991; μ* of Campolongo, Cariboni & Saltelli 2007). `livemarket
    /// sensitivity DIR` turns the results into μ*, μ and σ per parameter and metric.
    Morris,
}

/// The values one swept parameter takes.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "toml::Value", into = "toml::Value")]
pub enum Values {
    /// These values, in order: `[0.1, 0.2]`, `["random", "well_mixed"]`.
    List(Vec<toml::Value>),
    /// `{ from, to, step }`: from, from + step, ... while within `to` (inclusive); whole
    /// numbers when `from` and `step` are written as integers.
    Steps {
        from: f64,
        to: f64,
        step: f64,
        integers: bool,
    },
    /// `{ min, max }`: a continuous range, for `lhs` and `random`.
    Range { min: f64, max: f64 },
}

impl TryFrom<toml::Value> for Values {
    type Error = String;

    fn try_from(v: toml::Value) -> Result<Self, String> {
        const FORMS: &str = "write a list `[a, b, ...]`, `{ from = a, to = b, step = c }` or `{ min = a, max = b }`";
        let number = |t: &toml::Table, k: &str| -> Result<toml::Value, String> {
            match t.get(k) {
                Some(x @ (toml::Value::Integer(_) | toml::Value::Float(_))) => Ok(x.clone()),
                Some(x) => Err(format!("`{k}` = {x} is not a number; {FORMS}")),
                None => Err(format!("`{k}` is missing; {FORMS}")),
            }
        };
        let as_f64 = |x: toml::Value| match x {
            toml::Value::Integer(i) => i as f64,
            toml::Value::Float(f) => f,
            _ => f64::NAN,
        };
        match v {
            toml::Value::Array(a) if a.is_empty() => Err(format!("the list is empty; {FORMS}")),
            toml::Value::Array(a) => Ok(Values::List(a)),
            toml::Value::Table(t) => {
                let keys: Vec<&str> = t.keys().map(String::as_str).collect();
                let mut sorted = keys.clone();
                sorted.sort_unstable();
                match sorted.as_slice() {
                    ["from", "step", "to"] => {
                        let (from, to, step) =
                            (number(&t, "from")?, number(&t, "to")?, number(&t, "step")?);
                        Ok(Values::Steps {
                            integers: from.is_integer() && step.is_integer(),
                            from: as_f64(from),
                            to: as_f64(to),
                            step: as_f64(step),
                        })
                    }
                    ["max", "min"] => Ok(Values::Range {
                        min: as_f64(number(&t, "min")?),
                        max: as_f64(number(&t, "max")?),
                    }),
                    _ => Err(format!(
                        "a table with keys {} is not a sweep range; {FORMS}",
                        keys.join(", ")
                    )),
                }
            }
            other => Err(format!(
                "{other} is a single value; put it in a list `[{other}]`, or {FORMS}"
            )),
        }
    }
}

impl From<Values> for toml::Value {
    fn from(v: Values) -> toml::Value {
        let mut t = toml::Table::new();
        match v {
            Values::List(a) => return toml::Value::Array(a),
            Values::Steps {
                from,
                to,
                step,
                integers,
            } => {
                let number = |x: f64| {
                    if integers && x.fract() == 0.0 {
                        toml::Value::Integer(x as i64)
                    } else {
                        toml::Value::Float(x)
                    }
                };
                t.insert("from".into(), number(from));
                t.insert("to".into(), number(to));
                t.insert("step".into(), number(step));
            }
            Values::Range { min, max } => {
                t.insert("min".into(), min.into());
                t.insert("max".into(), max.into());
            }
        }
        toml::Value::Table(t)
    }
}

/// One country: its consumers, their diffusion and spending, and its creators.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Country {
    /// People.
    pub population: f64,
    /// Share of the population online, in (0, 1]. Default 1.
    #[serde(default = "one")]
    pub online_share: f64,
    /// Consumer agents simulated (the resolution). Default 10,000.
    #[serde(default = "d_agents")]
    pub agents: u32,
    /// Acceptance of buying in a live stream, Beta distributed in [0, 1].
    #[serde(default)]
    pub live_affinity: Affinity,
    /// How much a discount raises adoption and conversion: factor (1 + deal_sensitivity × d).
    /// Default 0.
    #[serde(default)]
    pub deal_sensitivity: f64,
    /// Weekly probability that an adopter who bought nothing for `lapse_after` weeks stops.
    /// Default 0.
    #[serde(default)]
    pub lapse: f64,
    /// Weeks without an order before `lapse` applies. Default 8.
    #[serde(default = "d_lapse_after")]
    pub lapse_after: u16,
    /// Bass diffusion through contacts.
    #[serde(default)]
    pub diffusion: Diffusion,
    /// What adopters watch and buy.
    #[serde(default)]
    pub spend: Spend,
    /// The country's creators.
    #[serde(default)]
    pub creators: Creators,
}

/// Beta distribution of live affinity, by mean and standard deviation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Affinity {
    /// Mean affinity, in [0, 1]. Default 0.5.
    #[serde(default = "half")]
    pub mean: f64,
    /// Standard deviation; 0 gives every consumer exactly `mean`. Default 0.
    #[serde(default)]
    pub sd: f64,
}

impl Default for Affinity {
    fn default() -> Self {
        Affinity { mean: 0.5, sd: 0.0 }
    }
}

/// Bass diffusion parameters and the contact network.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Diffusion {
    /// Bass p, per week. Default 0.01.
    #[serde(default = "d_innovation")]
    pub innovation: f64,
    /// Bass q, per week. Default 0.3.
    #[serde(default = "d_imitation")]
    pub imitation: f64,
    /// Mean number of contacts per consumer. Default 10.
    #[serde(default = "d_contacts")]
    pub contacts: u32,
    /// `random`, `small_world` or `well_mixed`. Default `random`.
    #[serde(default)]
    pub network: Network,
    /// Rewiring probability of each lattice edge (`small_world` only). Default 0.1.
    #[serde(default = "d_rewire")]
    pub rewire: f64,
}

impl Default for Diffusion {
    fn default() -> Self {
        Diffusion {
            innovation: d_innovation(),
            imitation: d_imitation(),
            contacts: d_contacts(),
            network: Network::default(),
            rewire: d_rewire(),
        }
    }
}

/// How consumers see each other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// Each consumer draws contacts/2 partners uniformly; undirected, duplicates merged.
    #[default]
    Random,
    /// Ring lattice of `contacts` neighbours, each edge rewired with probability `rewire`
    /// (Watts & Strogatz 1998).
    SmallWorld,
    /// Every consumer sees the country-wide adopter share.
    WellMixed,
}

/// Sessions, conversion and order values.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Spend {
    /// Mean of the Poisson number of live sessions an adopter watches per week. Default 1.
    #[serde(default = "one")]
    pub sessions_per_week: f64,
    /// Base probability that one session ends in an order. Default 0.02.
    #[serde(default = "d_conversion")]
    pub conversion: f64,
    /// Lognormal order value in USD.
    #[serde(default)]
    pub order_value_usd: OrderValue,
}

impl Default for Spend {
    fn default() -> Self {
        Spend {
            sessions_per_week: 1.0,
            conversion: d_conversion(),
            order_value_usd: OrderValue::default(),
        }
    }
}

/// A lognormal order value.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OrderValue {
    /// Median order value, USD. Default 20.
    #[serde(default = "d_median_order")]
    pub median: Usd,
    /// Sigma of log(order value). Default 0.6.
    #[serde(default = "d_order_sigma")]
    pub sigma: f64,
}

impl Default for OrderValue {
    fn default() -> Self {
        OrderValue {
            median: d_median_order(),
            sigma: d_order_sigma(),
        }
    }
}

/// A country's creators.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Creators {
    /// Creator agents in the country; each is one creator. Default 200.
    #[serde(default = "d_creator_agents")]
    pub agents: u32,
    /// Followers per creator, in people.
    #[serde(default)]
    pub followers: Followers,
    /// Sigma of the lognormal skill (median 1) that multiplies conversion. Default 0.5.
    #[serde(default = "half")]
    pub skill_sigma: f64,
    /// Trailing weekly earnings below which a creator counts a bad week, USD. Default 0.
    #[serde(default)]
    pub min_weekly_earnings_usd: Usd,
    /// Bad weeks in a row after which a creator stops streaming for good. Default 12.
    #[serde(default = "d_quit_after")]
    pub quit_after: u16,
    /// A creator moves only for an offer above trailing earnings × (1 + switching_cost).
    /// Default 0.2.
    #[serde(default = "d_switching_cost")]
    pub switching_cost: f64,
    /// Weight of the newest week in the trailing earnings (exponential moving average), in
    /// (0, 1]. Default 0.25 (a mean age of about four weeks).
    #[serde(default = "d_smoothing")]
    pub earnings_smoothing: f64,
}

impl Default for Creators {
    fn default() -> Self {
        Creators {
            agents: d_creator_agents(),
            followers: Followers::default(),
            skill_sigma: 0.5,
            min_weekly_earnings_usd: 0.0,
            quit_after: d_quit_after(),
            switching_cost: d_switching_cost(),
            earnings_smoothing: d_smoothing(),
        }
    }
}

/// The distribution of followers per creator, in people.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Followers {
    /// Pareto with shape `alpha` and scale (minimum) `min`.
    Pareto {
        /// Shape (tail index), from 0.5 to 100. Default 2.
        #[serde(default = "two")]
        alpha: f64,
        /// Minimum followers. Default 1,000.
        #[serde(default = "d_min_followers")]
        min: f64,
    },
    /// Lognormal by `median` and `sigma`.
    Lognormal {
        /// Median followers.
        median: f64,
        /// Sigma of log(followers).
        sigma: f64,
    },
}

impl Default for Followers {
    fn default() -> Self {
        Followers::Pareto {
            alpha: 2.0,
            min: d_min_followers(),
        }
    }
}

/// A platform: global terms and one market per country where it operates.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    /// Share of GMV the platform keeps as revenue. Default 0.05.
    #[serde(default = "d_take_rate")]
    pub take_rate: f64,
    /// Share of GMV paid to the creator who made the sale. Default 0.1.
    #[serde(default = "d_commission")]
    pub creator_commission: f64,
    /// Markets keyed by country code.
    #[serde(default)]
    pub markets: IndexMap<String, Market>,
}

/// A platform in one country.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Market {
    /// Share of the country's online consumers using the platform in week 0. Default 1.
    #[serde(default = "one")]
    pub reach: f64,
    /// Relative weekly growth of reach: reach(t) = min(1, reach × (1 + reach_growth)^t).
    /// Default 0.
    #[serde(default)]
    pub reach_growth: f64,
    /// Multiplies conversion (checkout, logistics, brand trust). Default 1.
    #[serde(default = "one")]
    pub trust: f64,
    /// Share of the country's creators whose home is this platform at the start. Markets
    /// that leave it out split what the others leave equally.
    #[serde(default)]
    pub creator_share: Option<f64>,
    /// Live shopping: when it opens; none means it never opens.
    #[serde(default)]
    pub live: Option<Live>,
    /// Discounts the platform pays on orders; none means no discount.
    #[serde(default)]
    pub subsidy: Option<Subsidy>,
    /// When the platform withdraws live shopping; none means it never does.
    #[serde(default)]
    pub exit: Option<Exit>,
    /// Contracts offered to rival platforms' creators; none means no poaching.
    #[serde(default)]
    pub poaching: Option<Poaching>,
}

/// Opening of live shopping.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Live {
    /// The week (containing this date) live shopping opens; before `start` means week 0.
    pub launch: Date,
    /// Optional condition checked on the launch date; unmet, the launch is cancelled.
    #[serde(default)]
    pub gate: Option<Gate>,
}

/// A launch condition on another market of the same platform.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// Country code of the platform's market that must perform.
    pub market: String,
    /// That market's mean weekly GMV over the `window_weeks` before the launch must reach
    /// this, USD.
    pub min_weekly_gmv_usd: Usd,
    /// Weeks averaged, so that one noisy week does not decide a launch. Default 4.
    #[serde(default = "d_gate_window")]
    pub window_weeks: u16,
}

/// A subsidy: a discount on every order, within a weekly budget.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Subsidy {
    /// Share of order value paid by the platform as a discount, in [0, 1).
    pub rate: f64,
    /// Most the platform spends on discounts in one week, USD. Default: no limit.
    #[serde(default)]
    pub weekly_budget_usd: Option<Usd>,
    /// `fixed` keeps the rate; `roi` reviews it every `review_weeks`. Default `fixed`.
    #[serde(default)]
    pub policy: Policy,
    /// Weeks between reviews (`roi`). Default 4.
    #[serde(default = "d_review_weeks")]
    pub review_weeks: u16,
    /// GMV per subsidy dollar below which the rate is cut (`roi`). Default 10.
    #[serde(default = "d_target_roi")]
    pub target_roi: f64,
    /// Factor applied to the rate when the return is below target (`roi`). Default 0.5.
    #[serde(default = "half")]
    pub cut: f64,
    /// Factor applied to the rate otherwise, up to `max_rate` (`roi`). Default 1.
    #[serde(default = "one")]
    pub raise: f64,
    /// Highest rate a raise can reach (`roi`). Default: the starting `rate`.
    #[serde(default)]
    pub max_rate: Option<f64>,
}

/// How a subsidy rate changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// The rate never changes.
    #[default]
    Fixed,
    /// The rate follows the return on subsidy.
    Roi,
}

/// Withdrawal of live shopping after a run of poor weeks.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Exit {
    /// Weekly GMV below which a week counts as poor, USD.
    pub min_weekly_gmv_usd: Usd,
    /// Poor weeks in a row after which live shopping is withdrawn.
    pub patience_weeks: u16,
}

/// Poaching of rival platforms' top creators.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Poaching {
    /// Rival platforms whose creators are targeted.
    pub from: Vec<String>,
    /// Most paid in contract fees in one week, USD.
    pub weekly_budget_usd: Usd,
    /// The most-followed share of the rivals' creators that is targeted, in (0, 1].
    /// Default 0.1.
    #[serde(default = "d_top_share")]
    pub top_share: f64,
    /// Offer as a multiple of the creator's trailing weekly earnings. Default 1.5.
    #[serde(default = "d_premium")]
    pub premium: f64,
    /// Smallest weekly offer, USD. Default 0.
    #[serde(default)]
    pub min_offer_usd: Usd,
    /// Weeks a contract pays its weekly fee. Default 26.
    #[serde(default = "d_contract_weeks")]
    pub contract_weeks: u16,
    /// Share of its followers a poached creator keeps, in [0, 1]. Default 0.5.
    #[serde(default = "half")]
    pub follower_carry: f64,
}

fn d_seed() -> u64 {
    1
}
fn d_trials() -> u32 {
    100
}
fn d_agents() -> u32 {
    10_000
}
fn d_lapse_after() -> u16 {
    8
}
fn d_innovation() -> f64 {
    0.01
}
fn d_imitation() -> f64 {
    0.3
}
fn d_contacts() -> u32 {
    10
}
fn d_rewire() -> f64 {
    0.1
}
fn d_conversion() -> f64 {
    0.02
}
fn d_median_order() -> f64 {
    20.0
}
fn d_order_sigma() -> f64 {
    0.6
}
fn d_creator_agents() -> u32 {
    200
}
fn d_min_followers() -> f64 {
    1000.0
}
fn d_quit_after() -> u16 {
    12
}
fn d_switching_cost() -> f64 {
    0.2
}
fn d_smoothing() -> f64 {
    0.25
}
fn d_take_rate() -> f64 {
    0.05
}
fn d_commission() -> f64 {
    0.1
}
fn d_gate_window() -> u16 {
    4
}
fn d_review_weeks() -> u16 {
    4
}
fn d_target_roi() -> f64 {
    10.0
}
fn d_top_share() -> f64 {
    0.1
}
fn d_premium() -> f64 {
    1.5
}
fn d_contract_weeks() -> u16 {
    26
}
fn one() -> f64 {
    1.0
}
fn two() -> f64 {
    2.0
}
fn half() -> f64 {
    0.5
}
