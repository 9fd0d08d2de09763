//! The scenario file's schema: the typed view of a scenario.
//!
//! Every table denies unknown keys; [`super::names::schema_message`] turns serde's message
//! into one that names the nearest valid key.
//!
//! A key is written in one place, its row of the key table ([`super::keys::KEYS`]: type,
//! unit, default, range, meaning, in the README's order), plus its use: the field here that
//! holds it. A field whose key has a default is declared `= key`, and `table!` (below) does the
//! rest: it names the table's path once (`"countries.*.spend"`), and deserializes through
//! serde's derive on a twin struct in which those fields may be missing; a missing one is
//! read from the key table by the one generic [`key_default`], as the field's type. A table
//! declared `with Default` defaults to the table left out of the file (every key at its
//! default). There are no default functions or `Default` impls to keep in step by hand, and
//! a unit test of `params` loads a scenario that leaves every defaulted key out and compares
//! each value with the key table, so a pattern or a default text that does not fit fails
//! there. (The rows cannot be generated from these structs: the README lists keys in an
//! order of its own, and the fields' order is the order `params` prints them.)

use super::date::Date;
use super::keys::key_default;
use super::uncertain::Table;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// Declares a table of the scenario file: the struct as written (with `Serialize` derived),
/// its `Deserialize`, and with `with Default` its `Default`. `in "PATH"` is the table's path
/// in the key table (`*` for a country, platform or market; empty at the top level); a field
/// `= key` takes its default from the key table's row `PATH.field`.
///
/// `Deserialize` is serde's derive on a twin of the struct, with the same name, fields and
/// serde attributes, so every message (unknown key, missing key, wrong type) is the one the
/// struct's own derive would give; only the `= key` fields are `Option`s in the twin.
macro_rules! table {
    (
        $(#[doc = $doc:expr])*
        #[derive($($derive:ident),*)]
        pub struct $name:ident in $table:literal $(with $default:ident)? {
            $(
                $(#[$field_attr:meta])*
                pub $field:ident: $ty:ty $(= $key:ident)?,
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive($($derive,)* Serialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                $(#[$field_attr])*
                pub $field: $ty,
            )*
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct $name {
                    $(
                        $(#[$field_attr])*
                        $field: table!(@twin $ty $(, $key)?),
                    )*
                }
                let twin = $name::deserialize(d)?;
                Ok(Self {
                    $($field: table!(@value twin.$field, $table, $field $(, $key)?),)*
                })
            }
        }

        $(table!(@$default $name, $table);)?
    };
    (@twin $ty:ty) => { $ty };
    (@twin $ty:ty, key) => { Option<$ty> };
    (@value $twin:ident.$field:ident, $table:literal, $_:ident) => { $twin.$field };
    (@value $twin:ident.$field:ident, $table:literal, $_:ident, key) => {
        $twin.$field.unwrap_or_else(|| key_default($table, stringify!($field)))
    };
    (@Default $name:ident, $table:literal) => {
        impl Default for $name {
            /// The table left out of the file: every key at its default.
            fn default() -> Self {
                Self::deserialize(toml::Value::Table(toml::Table::new()))
                    .unwrap_or_else(|e| panic!("every key of `{}` has a default: {e}", $table))
            }
        }
    };
}

/// US dollars.
pub type Usd = f64;

/// A set of platforms, one bit each (a consumer's platforms, the live shops of a country).
pub type PlatformMask = u8;
/// Most platforms a scenario may hold: one bit each in a [`PlatformMask`]. Every
/// per-platform array and mask table in the model is sized from it.
pub const MAX_PLATFORMS: usize = PlatformMask::BITS as usize;

table! {
    /// A whole scenario file.
    #[derive(Debug, Clone)]
    pub struct Scenario in "" {
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
        /// Scenario seed; trial k's seed derives from it and k alone.
        pub seed: u64 = key,
        /// Trials run by `livemarket run` unless `--trials` says otherwise.
        pub trials: u32 = key,
        /// Countries keyed by ISO 3166 alpha-2 code, in file order.
        pub countries: IndexMap<String, Country>,
        /// Platforms keyed by name (`tiktok`, `facebook`, ...), in file order.
        #[serde(default)]
        pub platforms: IndexMap<String, Platform>,
        /// A parameter sweep run by `livemarket run` (docs/sweeps.md); none means one point.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub sweep: Option<Sweep>,
        /// Distributions of uncertain parameters by path (`"countries.GB.live_affinity.mean" =
        /// { dist = "normal", mean = 0.4, sd = 0.05 }`), in file order: each trial draws its own
        /// values (docs/sweeps.md); its key `posterior` names a calibration's posterior instead.
        #[serde(default, skip_serializing_if = "Table::is_absent")]
        pub uncertain: Table,
        /// What `run` prints at the end and writes as `headline.csv`: the markets and measures
        /// the scenario is about; none means the defaults (every live market's GMV, in a sweep
        /// the markets it varies).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub headline: Option<Headline>,
        /// Feedbacks of the model that can be switched off, each `true` by default
        /// (docs/model.md, "Switches").
        #[serde(default)]
        pub switches: Switches,
    }
}

/// The `[headline]` table: the outcomes a scenario is about.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Headline {
    /// Markets as `COUNTRY/platform` (`"GB/tiktok"`), in the order shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markets: Option<Vec<String>>,
    /// Measure names as `trials.csv` heads its columns (`gmv_usd`, `orders`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measures: Option<Vec<String>>,
}

table! {
    /// The model's feedbacks, each of which an analyst can switch off to measure what it does.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Switches in "switches" with Default {
        /// Consumers respond to the discount (adoption, habits, pull between platforms,
        /// conversion, and the deal-seekers' reference discount); off: they see no discount,
        /// while the platform still pays it.
        pub price: bool = key,
        /// Deal-seekers exist (their own δ and their lapse); off: they act as ordinary
        /// consumers.
        pub deal_seekers: bool = key,
        /// Sessions thin as streaming creators' followers fall (η); off: every picked session
        /// happens.
        pub creator_supply: bool = key,
        /// Adoption through contacts (Bass imitation q); off: q = 0.
        pub word_of_mouth: bool = key,
        /// Idle adopters lapse (`lapse` after `lapse_after`); off: habits never fade.
        pub habit_decay: bool = key,
        /// Poached creators take followers' habits along (`follower_loyalty`); off: loyalty 0.
        pub poaching_demand: bool = key,
        /// Subsidy reviews change rates; off: every rate stays at its start.
        pub reviews: bool = key,
        /// Exit rules withdraw markets; off: no market is withdrawn.
        pub exit: bool = key,
    }
}

impl Switches {
    /// Every switch with its key, in table order.
    pub fn named(&self) -> [(&'static str, bool); 8] {
        [
            ("price", self.price),
            ("deal_seekers", self.deal_seekers),
            ("creator_supply", self.creator_supply),
            ("word_of_mouth", self.word_of_mouth),
            ("habit_decay", self.habit_decay),
            ("poaching_demand", self.poaching_demand),
            ("reviews", self.reviews),
            ("exit", self.exit),
        ]
    }
}

/// A parameter sweep: the values each parameter takes and how they combine into points.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// `grid`, `zip`, `lhs` or `random`. Default `grid`.
    #[serde(default)]
    pub design: Design,
    /// Seed of the `lhs` and `random` draws (not of the trials). Default 1.
    #[serde(default = "d_sweep_seed")]
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

table! {
    /// One country: its consumers, their diffusion and spending, and its creators.
    #[derive(Debug, Clone)]
    pub struct Country in "countries.*" {
        /// People.
        pub population: f64,
        /// Share of the population online, in (0, 1].
        pub online_share: f64 = key,
        /// Consumer agents simulated (the resolution).
        pub agents: u32 = key,
        /// Acceptance of buying in a live stream, Beta distributed in [0, 1].
        #[serde(default)]
        pub live_affinity: Affinity,
        /// How much a discount raises adoption, conversion and the pull of a platform: factor
        /// (1 + deal_sensitivity × d), for ordinary consumers.
        pub deal_sensitivity: f64 = key,
        /// Consumers who respond more to discounts, and leave when the discount goes.
        #[serde(default)]
        pub deal_seekers: DealSeekers,
        /// Weekly probability that an adopter starts buying on a further live platform it uses
        /// (× its deal factor); 0 keeps every adopter on the platform it adopted on.
        pub habit_uptake: f64 = key,
        /// Weekly probability that an adopter who bought nothing for `lapse_after` weeks stops.
        pub lapse: f64 = key,
        /// Weeks without an order before `lapse` applies.
        pub lapse_after: u16 = key,
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
}

table! {
    /// The deal-seekers of a country.
    #[derive(Debug, Clone)]
    pub struct DealSeekers in "countries.*.deal_seekers" with Default {
        /// Share of consumers who are deal-seekers.
        pub share: f64 = key,
        /// Their deal sensitivity δ.
        pub sensitivity: f64 = key,
        /// Weekly probability that a deal-seeker adopter whose best discount fell below `below`
        /// × the discount it adopted at stops.
        pub lapse: f64 = key,
        /// The share of its adoption discount below which a deal-seeker may lapse.
        pub below: f64 = key,
    }
}

table! {
    /// Beta distribution of live affinity, by mean and standard deviation.
    #[derive(Debug, Clone)]
    pub struct Affinity in "countries.*.live_affinity" with Default {
        /// Mean affinity, in [0, 1].
        pub mean: f64 = key,
        /// Standard deviation; 0 gives every consumer exactly `mean`.
        pub sd: f64 = key,
    }
}

table! {
    /// Bass diffusion parameters and the contact network.
    #[derive(Debug, Clone)]
    pub struct Diffusion in "countries.*.diffusion" with Default {
        /// Bass p, per week.
        pub innovation: f64 = key,
        /// Bass q, per week.
        pub imitation: f64 = key,
        /// Mean number of contacts per consumer.
        pub contacts: u32 = key,
        /// `random`, `small_world` or `well_mixed`.
        pub network: Network = key,
        /// Rewiring probability of each lattice edge (`small_world` only).
        pub rewire: f64 = key,
    }
}

/// How consumers see each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// Each consumer draws contacts/2 partners uniformly; undirected, duplicates merged.
    Random,
    /// Ring lattice of `contacts` neighbours, each edge rewired with probability `rewire`
    /// (Watts & Strogatz 1998).
    SmallWorld,
    /// Every consumer sees the country-wide adopter share.
    WellMixed,
}

table! {
    /// Sessions, conversion and order values.
    #[derive(Debug, Clone)]
    pub struct Spend in "countries.*.spend" with Default {
        /// Mean of the Poisson number of live sessions an adopter watches per week.
        pub sessions_per_week: f64 = key,
        /// Base probability that one session ends in an order.
        pub conversion: f64 = key,
        /// Lognormal order value in USD.
        #[serde(default)]
        pub order_value_usd: OrderValue,
        /// η: a session on platform p happens with probability min(1, F_p / F_p⁰)^η, F_p the
        /// followers of its streaming creators (F_p⁰ in its first live week); 0: always.
        pub creator_elasticity: f64 = key,
    }
}

table! {
    /// A lognormal order value.
    #[derive(Debug, Clone)]
    pub struct OrderValue in "countries.*.spend.order_value_usd" with Default {
        /// Median order value, USD.
        pub median: Usd = key,
        /// Sigma of log(order value).
        pub sigma: f64 = key,
    }
}

table! {
    /// A country's creators.
    #[derive(Debug, Clone)]
    pub struct Creators in "countries.*.creators" with Default {
        /// Creator agents in the country; each is one creator.
        pub agents: u32 = key,
        /// Followers per creator, in people.
        #[serde(default)]
        pub followers: Followers,
        /// Sigma of the lognormal skill (median 1) that multiplies conversion.
        pub skill_sigma: f64 = key,
        /// Median of the lognormal reservation wage, USD per week: a creator whose trailing
        /// earnings stay below its own wage goes dormant.
        pub reservation_usd: Usd = key,
        /// Sigma of log(reservation wage).
        pub reservation_sigma: f64 = key,
        /// Weeks below the reservation wage in a row after which a creator goes dormant.
        pub quit_after: u16 = key,
        /// Weeks after its home market opens before a creator counts weeks below its wage.
        pub grace_weeks: u16 = key,
        /// Share of the market's creator-led sessions hosted by the long tail of creators
        /// outside the agents (the head), in [0, 1); 0: the agents are all the creators.
        pub tail_share: f64 = key,
        /// Creators in the long tail of each platform's market (they share the tail's
        /// earnings; each has a reservation wage drawn like the head's).
        pub tail_creators: f64 = key,
        /// Median weekly reservation wage of a tail creator, USD; none: `reservation_usd` (its
        /// sigma is `reservation_sigma`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tail_reservation_usd: Option<Usd>,
        /// Model 1's key, kept only to say what replaced it (`reservation_usd`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub min_weekly_earnings_usd: Option<toml::Value>,
        /// A creator moves only for an offer above trailing earnings × (1 + switching_cost).
        pub switching_cost: f64 = key,
        /// Weight of the newest week in the trailing earnings (exponential moving average), in
        /// (0, 1].
        pub earnings_smoothing: f64 = key,
    }
}

/// The distribution of followers per creator, in people.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Followers {
    /// Pareto with shape `alpha` and scale (minimum) `min`.
    Pareto {
        /// Shape (tail index), from 0.5 to 100.
        alpha: f64,
        /// Minimum followers.
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

/// The path of [`Followers`] in the key table.
const FOLLOWERS: &str = "countries.*.creators.followers";

/// As `table!` does for a struct: serde's derive on a twin in which the keys with a
/// default may be missing, each then read from the key table.
impl<'de> Deserialize<'de> for Followers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
        enum Followers {
            Pareto {
                alpha: Option<f64>,
                min: Option<f64>,
            },
            Lognormal {
                median: f64,
                sigma: f64,
            },
        }
        Ok(match Followers::deserialize(d)? {
            Followers::Pareto { alpha, min } => Self::Pareto {
                alpha: alpha.unwrap_or_else(|| key_default(FOLLOWERS, "alpha")),
                min: min.unwrap_or_else(|| key_default(FOLLOWERS, "min")),
            },
            Followers::Lognormal { median, sigma } => Self::Lognormal { median, sigma },
        })
    }
}

impl Default for Followers {
    /// The table left out of the file: the default `dist` with its keys' defaults.
    fn default() -> Self {
        let dist: toml::Value = key_default(FOLLOWERS, "dist");
        let table = toml::Table::from_iter([("dist".to_string(), dist)]);
        Self::deserialize(toml::Value::Table(table))
            .unwrap_or_else(|e| panic!("every key of `{FOLLOWERS}` has a default: {e}"))
    }
}

table! {
    /// A platform: global terms and one market per country where it operates.
    #[derive(Debug, Clone)]
    pub struct Platform in "platforms.*" {
        /// Share of GMV the platform keeps as revenue.
        pub take_rate: f64 = key,
        /// Share of GMV paid to the creator who made the sale.
        pub creator_commission: f64 = key,
        /// Advertising and gift revenue a live session brings, USD per person-session.
        pub ad_yield_usd_per_session: Usd = key,
        /// Markets keyed by country code.
        #[serde(default)]
        pub markets: IndexMap<String, Market>,
    }
}

table! {
    /// A platform in one country.
    #[derive(Debug, Clone)]
    pub struct Market in "platforms.*.markets.*" {
        /// Share of the country's online consumers using the platform in week 0.
        pub reach: f64 = key,
        /// Relative weekly growth of reach: reach(t) = min(1, reach × (1 + reach_growth)^t).
        pub reach_growth: f64 = key,
        /// Multiplies conversion (checkout, logistics, brand trust).
        pub trust: f64 = key,
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
        /// Top-ups of streaming creators' weekly earnings; none means no fund.
        #[serde(default)]
        pub creator_fund: Option<CreatorFund>,
        /// Cost of running the live shop in the market, per week while it is open, USD.
        pub fixed_cost_weekly_usd: Usd = key,
        /// The weekly GMV the platform plans for the market (read by `plan` gates and exits).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub plan: Option<Plan>,
    }
}

/// A market's GMV plan: a weekly level, or dated points interpolated linearly (flat before
/// the first and after the last).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Planned weekly GMV, USD (when `points` is absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly_gmv_usd: Option<Usd>,
    /// `[date, weekly GMV USD]` points, dates increasing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Vec<(Date, Usd)>>,
}

impl Plan {
    /// Planned GMV in the week starting `day` (days since the scenario's start are enough:
    /// dates are compared as dates).
    pub fn at(&self, day: Date) -> Usd {
        if let Some(points) = self.points.as_ref().filter(|p| !p.is_empty()) {
            let first = points[0];
            if day <= first.0 {
                return first.1;
            }
            for w in points.windows(2) {
                let ((d0, v0), (d1, v1)) = (w[0], w[1]);
                if day <= d1 {
                    let span = d1.days_since(d0) as f64;
                    let x = day.days_since(d0) as f64 / span;
                    return v0 + (v1 - v0) * x;
                }
            }
            return points[points.len() - 1].1;
        }
        self.weekly_gmv_usd.unwrap_or(0.0)
    }
}

/// A creator fund: tops streaming creators' weekly earnings up to a floor, lowest earners
/// first, within a weekly budget.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreatorFund {
    /// Most paid in one week, USD.
    pub weekly_budget_usd: Usd,
    /// Weekly earnings the fund tops up to, USD.
    pub floor_usd: Usd,
}

table! {
    /// Opening of live shopping.
    #[derive(Debug, Clone)]
    pub struct Live in "platforms.*.markets.*.live" {
        /// The week (containing this date) live shopping opens; before `start` means week 0.
        pub launch: Date,
        /// Optional condition checked on the launch date; unmet, the launch is cancelled.
        #[serde(default)]
        pub gate: Option<Gate>,
        /// The week (containing this date) live shopping closes for good; none: never.
        #[serde(default)]
        pub close: Option<Date>,
        /// For a shop already running before `start`: share of its users with a habit on it in
        /// week 0.
        pub initial_adopters: f64 = key,
    }
}

table! {
    /// A launch condition on another market of the same platform.
    #[derive(Debug, Clone)]
    pub struct Gate in "platforms.*.markets.*.live.gate" {
        /// Country code of the platform's market that must perform.
        pub market: String,
        /// What the gate reads: `gmv`, `plan`, `contribution` or `value`.
        pub measure: GateMeasure = key,
        /// `gmv`: that market's mean weekly GMV over the `window_weeks` before the launch must
        /// reach this, USD.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub min_weekly_gmv_usd: Option<Usd>,
        /// `plan`: that market's mean weekly GMV over the window must reach this share of its
        /// plan over the same weeks.
        pub plan_share: f64 = key,
        /// `contribution`: that market's mean weekly contribution over the window must reach
        /// this, USD (negative: the loss accepted).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub min_weekly_contribution_usd: Option<Usd>,
        /// `value`: that market's last value measure (subsidy review `value`) must reach this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub min_value: Option<f64>,
        /// Weeks averaged, so that one noisy week does not decide a launch.
        pub window_weeks: u16 = key,
    }
}

/// What a launch gate reads of the gate market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateMeasure {
    /// Mean weekly GMV over the window against `min_weekly_gmv_usd`.
    Gmv,
    /// Mean weekly GMV over the window against `plan_share` × the market's plan.
    Plan,
    /// Mean weekly contribution over the window against `min_weekly_contribution_usd`.
    Contribution,
    /// The market's last `value` review measure against `min_value`.
    Value,
}

impl GateMeasure {
    /// The measure's word in a scenario file.
    pub fn name(self) -> &'static str {
        match self {
            GateMeasure::Gmv => "gmv",
            GateMeasure::Plan => "plan",
            GateMeasure::Contribution => "contribution",
            GateMeasure::Value => "value",
        }
    }
}

/// What an exit rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitMeasure {
    /// Mean weekly GMV over `patience_weeks` against `min_weekly_gmv_usd`.
    Gmv,
    /// Mean weekly GMV over `patience_weeks` over the plan's mean, against `min_plan_share`.
    Plan,
}

table! {
    /// A subsidy: a discount on orders, within a weekly budget.
    #[derive(Debug, Clone)]
    pub struct Subsidy in "platforms.*.markets.*.subsidy" {
        /// Share of order value given as a discount, in [0, 1).
        pub rate: f64,
        /// Most the platform spends on discounts in one week, USD.
        #[serde(default)]
        pub weekly_budget_usd: Option<Usd>,
        /// Share of the discount paid by sellers rather than the platform.
        pub seller_funded_share: f64 = key,
        /// `all` orders, or `first_order`: adoption and each consumer's first order on the
        /// platform only.
        pub target: Audience = key,
        /// `fixed` keeps the rate; `review` changes it on a measure every `review_weeks`.
        pub policy: Policy = key,
        /// Weeks between reviews (`review`).
        pub review_weeks: u16 = key,
        /// What a review reads (`review`).
        pub measure: ReviewMeasure = key,
        /// Below this value of the measure the rate is cut (`review`).
        pub review_target: f64 = key,
        /// Above this value of the measure the rate is raised (`review`); none: `review_target`
        /// (model 2's rule: cut below the target, raise otherwise).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub review_target_high: Option<f64>,
        /// Lowest rate a cut can reach (`review`).
        pub min_rate: f64 = key,
        /// Weeks over which a habit won is valued (`value`).
        pub value_horizon_weeks: u16 = key,
        /// Share of the platform's users who never see its discount (`incremental`).
        pub holdout_share: f64 = key,
        /// Factor applied to the rate when the measure is below target (`review`).
        pub cut: f64 = key,
        /// Factor applied to the rate otherwise, up to `max_rate` (`review`).
        pub raise: f64 = key,
        /// Highest rate a raise can reach (`review`).
        #[serde(default)]
        pub max_rate: Option<f64>,
        /// Model 1's key, kept only to say what replaced it (`review_target`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub target_roi: Option<toml::Value>,
    }
}

/// Which orders a subsidy discounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Every order.
    All,
    /// Adoption and each consumer's first order on the platform (acquisition vouchers).
    FirstOrder,
}

/// How a subsidy rate changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// The rate never changes.
    Fixed,
    /// The rate follows a measure of the market, read every `review_weeks`.
    Review,
    /// Model 1's rule, removed: validation says what replaced it.
    Roi,
}

/// The measure a subsidy review reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewMeasure {
    /// (GMV over the window − GMV over the window before) / platform subsidy over the window.
    Growth,
    /// GMV the discount added over a stateless holdout, per platform subsidy dollar.
    Incremental,
    /// Mean weekly contribution over the window, USD.
    Contribution,
    /// Incremental margin now plus the value of incremental habits, per platform subsidy
    /// dollar (over a holdout, as `incremental`).
    Value,
}

impl ReviewMeasure {
    /// Whether the measure needs a holdout.
    pub fn holdout(self) -> bool {
        matches!(self, ReviewMeasure::Incremental | ReviewMeasure::Value)
    }
}

table! {
    /// Withdrawal of live shopping after a run of poor weeks.
    #[derive(Debug, Clone)]
    pub struct Exit in "platforms.*.markets.*.exit" {
        /// What the rule reads: `gmv` or `plan`.
        pub measure: ExitMeasure = key,
        /// `gmv`: mean weekly GMV over the last `patience_weeks` below which live shopping is
        /// withdrawn, USD.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub min_weekly_gmv_usd: Option<Usd>,
        /// `plan`: share of plan (mean GMV over mean plan, last `patience_weeks`) below which
        /// live shopping is withdrawn.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub min_plan_share: Option<f64>,
        /// Weeks averaged.
        pub patience_weeks: u16,
        /// Weeks after opening before the rule is read (its window lies after them).
        pub grace_weeks: u16 = key,
    }
}

table! {
    /// Poaching of rival platforms' top creators.
    #[derive(Debug, Clone)]
    pub struct Poaching in "platforms.*.markets.*.poaching" {
        /// Rival platforms whose creators are targeted.
        pub from: Vec<String>,
        /// Most paid in contract fees in one week, USD.
        pub weekly_budget_usd: Usd,
        /// The most-followed share of the rivals' creators that is targeted, in (0, 1].
        pub top_share: f64 = key,
        /// Offer as a multiple of the larger of the creator's trailing weekly earnings and what
        /// it would expect to earn on the poacher.
        pub premium: f64 = key,
        /// Smallest weekly offer, USD.
        pub min_offer_usd: Usd = key,
        /// Weeks a contract pays its weekly fee.
        pub contract_weeks: u16 = key,
        /// Share of its followers a poached creator keeps, in [0, 1].
        pub follower_carry: f64 = key,
        /// Cap on an offer, as a multiple of the take-rate revenue the creator's carried
        /// followers would bring the poacher per week.
        pub value_multiple: f64 = key,
        /// Weeks after which the campaign's target list is drawn again; none: never.
        #[serde(default)]
        pub refresh_weeks: Option<u16>,
        /// Share of a poached creator's followers, among the victim's habit holders, who take a
        /// habit on the poacher with it (keeping their old one); 0: followers bring no viewing.
        pub follower_loyalty: f64 = key,
    }
}

/// The design seed of a sweep when `[sweep]` gives none (a sweep's keys are not scenario
/// parameters, so they are not in the key table).
fn d_sweep_seed() -> u64 {
    1
}
