//! The key table: every scenario key with its path pattern, type, unit, default, allowed
//! range and meaning, in the order the README lists them. The base of the scenario module:
//! it reads no other file of the crate, and the schema's defaults ([`key_default`]), the
//! range checks, `params`, `[uncertain]` bounds and the README's table all read it.

use std::fmt;

/// The type of a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Number,
    Integer,
    Text,
    /// One of these words.
    Choice(&'static [&'static str]),
    /// An ISO date (YYYY-MM-DD).
    Date,
    /// A list of names.
    List,
    /// `true` or `false`.
    Flag,
    /// A list of `[date, number]` points.
    Points,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Number => f.write_str("number"),
            Kind::Integer => f.write_str("integer"),
            Kind::Text => f.write_str("text"),
            Kind::Choice(c) => write!(f, "one of {}", c.join("|")),
            Kind::Date => f.write_str("date"),
            Kind::List => f.write_str("list"),
            Kind::Flag => f.write_str("true|false"),
            Kind::Points => f.write_str("list of [date, number]"),
        }
    }
}

/// A key's default: what the scenario has when the file leaves the key out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    /// The file must give it (within its table, when the table is there).
    Required,
    /// This value, written as in a scenario file.
    Is(&'static str),
    /// Absent; the text says what absence means.
    Absent(&'static str),
}

/// The values a key allows. Ranges that depend on other keys (`live_affinity.sd`,
/// `diffusion.contacts`, `subsidy.max_rate`) are [`Range::Rule`]s, checked with the other
/// cross-field rules in `validate.rs`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// Any value of the type.
    Any,
    /// lo ≤ x ≤ hi.
    Within(f64, f64),
    /// 0 < x ≤ hi.
    AboveZero(f64),
    /// lo ≤ n ≤ hi, whole numbers.
    Whole(u64, u64),
    /// A rule on other keys, in words.
    Rule(&'static str),
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Range::Any => f.write_str("any"),
            Range::Within(lo, hi) => write!(f, "{lo} to {hi}"),
            Range::AboveZero(hi) => write!(f, "above 0, at most {hi}"),
            Range::Whole(lo, hi) => write!(f, "{lo} to {hi}"),
            Range::Rule(text) => f.write_str(text),
        }
    }
}

/// One scenario key: a path pattern (`*` matches one key), its type, unit, default, allowed
/// range and meaning. [`KEYS`] is the one place these facts are written: `params`, the range
/// checks and the README's key table read them from here.
#[derive(Debug)]
pub struct Key {
    pub pattern: &'static str,
    pub kind: Kind,
    pub unit: &'static str,
    pub default: DefaultValue,
    pub range: Range,
    pub meaning: &'static str,
}

impl Key {
    /// Whether the scenario may leave it out with nothing in its place (`params` then lists
    /// it as unset).
    pub(crate) fn optional(&self) -> bool {
        matches!(self.default, DefaultValue::Absent(_))
    }
}

const fn key(
    pattern: &'static str,
    kind: Kind,
    unit: &'static str,
    default: DefaultValue,
    range: Range,
    meaning: &'static str,
) -> Key {
    Key {
        pattern,
        kind,
        unit,
        default,
        range,
        meaning,
    }
}

use DefaultValue::{Absent, Is, Required as Req};
use Kind::{Date as D, Integer as I, List as L, Number as N, Text as T};
use Range::{AboveZero, Any, Rule, Whole, Within};

const WEEKS: Range = Whole(1, u16::MAX as u64);
const SHARE: Range = Within(0.0, 1.0);
const USD: Range = Within(0.0, 1e15);

/// Every scenario key. A unit test checks that every leaf of the bundled scenarios has an
/// entry, and another that the README's key table is the one [`markdown`] prints.
pub const KEYS: &[Key] = &[
    key(
        "name",
        T,
        "-",
        Absent("the file name"),
        Any,
        "output folder name",
    ),
    key(
        "description",
        T,
        "-",
        Absent("none"),
        Any,
        "free text shown by `check`",
    ),
    key(
        "start",
        D,
        "first day of week 0",
        Req,
        Any,
        "any date means the week containing it",
    ),
    key(
        "weeks",
        I,
        "weeks",
        Req,
        Whole(1, 5200),
        "length of a trial",
    ),
    key(
        "seed",
        I,
        "-",
        Is("1"),
        Any,
        "scenario seed; trial k's seed derives from it and k alone",
    ),
    key(
        "trials",
        I,
        "trials",
        Is("100"),
        Whole(1, 10_000_000),
        "trials `run` runs by default",
    ),
    key(
        "countries.*.population",
        N,
        "people",
        Req,
        AboveZero(1e10),
        "population",
    ),
    key(
        "countries.*.online_share",
        N,
        "share of population, (0, 1]",
        Is("1"),
        AboveZero(1.0),
        "share of the population online",
    ),
    key(
        "countries.*.agents",
        I,
        "consumer agents",
        Is("10000"),
        Whole(1, 1 << 31),
        "consumer agents (the resolution); each stands for population × online_share / agents people",
    ),
    key(
        "countries.*.live_affinity.mean",
        N,
        "share, [0, 1]",
        Is("0.5"),
        SHARE,
        "mean of the Beta distributed acceptance of buying in a live stream",
    ),
    key(
        "countries.*.live_affinity.sd",
        N,
        "standard deviation",
        Is("0"),
        Rule("0, or above 0 and below sqrt(mean × (1 − mean))"),
        "its standard deviation; 0 gives every consumer the mean",
    ),
    key(
        "countries.*.deal_sensitivity",
        N,
        "per unit of discount",
        Is("0"),
        Within(0.0, 1000.0),
        "δ of ordinary consumers: a discount d multiplies adoption, conversion and a platform's pull by 1 + δ × d",
    ),
    key(
        "countries.*.deal_seekers.share",
        N,
        "share of consumers",
        Is("0"),
        SHARE,
        "share of consumers who are deal-seekers",
    ),
    key(
        "countries.*.deal_seekers.sensitivity",
        N,
        "per unit of discount",
        Is("0"),
        Within(0.0, 1000.0),
        "δ of deal-seekers",
    ),
    key(
        "countries.*.deal_seekers.lapse",
        N,
        "probability per week",
        Is("0"),
        SHARE,
        "chance a deal-seeker adopter stops while its best discount is below `below` × the one it adopted at",
    ),
    key(
        "countries.*.deal_seekers.below",
        N,
        "share of the adoption discount",
        Is("0.5"),
        SHARE,
        "see `lapse`",
    ),
    key(
        "countries.*.habit_uptake",
        N,
        "probability per week",
        Is("0"),
        SHARE,
        "chance an adopter starts buying on a further live platform it uses (× 1 + δ × d); 0: single-homing",
    ),
    key(
        "countries.*.lapse",
        N,
        "probability per week",
        Is("0"),
        SHARE,
        "chance an idle adopter stops",
    ),
    key(
        "countries.*.lapse_after",
        I,
        "weeks",
        Is("8"),
        WEEKS,
        "weeks without an order before lapse applies",
    ),
    key(
        "countries.*.diffusion.innovation",
        N,
        "Bass p, per week",
        Is("0.01"),
        SHARE,
        "Bass innovation",
    ),
    key(
        "countries.*.diffusion.imitation",
        N,
        "Bass q, per week",
        Is("0.3"),
        Within(0.0, 100.0),
        "Bass imitation",
    ),
    key(
        "countries.*.diffusion.contacts",
        I,
        "contacts per consumer",
        Is("10"),
        Rule("0 to the smaller of agents − 1 and 1000; even for small_world"),
        "mean contacts per consumer",
    ),
    key(
        "countries.*.diffusion.network",
        Kind::Choice(&["random", "small_world", "well_mixed"]),
        "-",
        Is("\"random\""),
        Any,
        "how consumers see each other",
    ),
    key(
        "countries.*.diffusion.rewire",
        N,
        "probability per edge",
        Is("0.1"),
        SHARE,
        "rewiring of each lattice edge (`small_world`)",
    ),
    key(
        "countries.*.spend.sessions_per_week",
        N,
        "sessions per week",
        Is("1"),
        Within(0.0, 1000.0),
        "Poisson mean of live sessions an adopter watches",
    ),
    key(
        "countries.*.spend.conversion",
        N,
        "probability per session",
        Is("0.02"),
        SHARE,
        "base chance a session ends in an order",
    ),
    key(
        "countries.*.spend.creator_elasticity",
        N,
        "η, exponent",
        Is("0"),
        Within(0.0, 100.0),
        "a session on p happens with probability min(1, F_p / F_p at opening)^η, F_p its streaming creators' followers",
    ),
    key(
        "countries.*.spend.order_value_usd.median",
        N,
        "USD",
        Is("20"),
        AboveZero(1e9),
        "median of the lognormal order value",
    ),
    key(
        "countries.*.spend.order_value_usd.sigma",
        N,
        "sd of log(USD)",
        Is("0.6"),
        Within(0.0, 10.0),
        "its sigma",
    ),
    key(
        "countries.*.creators.agents",
        I,
        "creators",
        Is("200"),
        Whole(0, 10_000_000),
        "creator agents; each is one creator",
    ),
    key(
        "countries.*.creators.followers.dist",
        Kind::Choice(&["pareto", "lognormal"]),
        "-",
        Is("\"pareto\""),
        Any,
        "distribution of followers per creator",
    ),
    // Below 0.5 a Pareto draw (min / U^(1/alpha)) can overflow to infinity; the mean is
    // infinite below 1 anyway (docs/calibration.md: alpha about 2).
    key(
        "countries.*.creators.followers.alpha",
        N,
        "Pareto shape",
        Is("2"),
        Within(0.5, 100.0),
        "Pareto tail index (`pareto`)",
    ),
    key(
        "countries.*.creators.followers.min",
        N,
        "followers",
        Is("1000"),
        AboveZero(1e10),
        "Pareto minimum (`pareto`)",
    ),
    key(
        "countries.*.creators.followers.median",
        N,
        "followers",
        Req,
        AboveZero(1e10),
        "median (`lognormal`)",
    ),
    key(
        "countries.*.creators.followers.sigma",
        N,
        "sd of log(followers)",
        Req,
        Within(0.0, 10.0),
        "sigma (`lognormal`)",
    ),
    key(
        "countries.*.creators.skill_sigma",
        N,
        "sd of log(skill)",
        Is("0.5"),
        Within(0.0, 10.0),
        "lognormal skill (median 1) multiplying conversion",
    ),
    key(
        "countries.*.creators.reservation_usd",
        N,
        "USD per week",
        Is("0"),
        Within(0.0, 1e12),
        "median of each creator's lognormal reservation wage",
    ),
    key(
        "countries.*.creators.reservation_sigma",
        N,
        "sd of log(USD)",
        Is("0"),
        Within(0.0, 10.0),
        "its sigma",
    ),
    key(
        "countries.*.creators.quit_after",
        I,
        "weeks",
        Is("12"),
        WEEKS,
        "weeks in a row with trailing earnings below its reservation wage before a creator goes dormant",
    ),
    key(
        "countries.*.creators.grace_weeks",
        I,
        "weeks",
        Is("0"),
        Whole(0, u16::MAX as u64),
        "weeks after its home market opens before a creator counts weeks below its wage",
    ),
    key(
        "countries.*.creators.switching_cost",
        N,
        "share of trailing earnings",
        Is("0.2"),
        Within(0.0, 1000.0),
        "a creator moves only for an offer above trailing × (1 + switching_cost)",
    ),
    key(
        "countries.*.creators.tail_share",
        N,
        "share of sessions",
        Is("0"),
        Within(0.0, 0.99),
        "share of each market's creator-led sessions hosted by the long tail outside the creator agents; its active share follows its earnings",
    ),
    key(
        "countries.*.creators.tail_creators",
        N,
        "creators",
        Is("0"),
        Within(0.0, 1e9),
        "creators in each platform's long tail (required above 0 with a tail_share); they share the tail's earnings",
    ),
    key(
        "countries.*.creators.tail_reservation_usd",
        N,
        "USD per week",
        Absent("reservation_usd"),
        USD,
        "median weekly reservation wage of a tail creator (lognormal, sigma reservation_sigma)",
    ),
    key(
        "countries.*.creators.earnings_smoothing",
        N,
        "weight of the newest week, (0, 1]",
        Is("0.25"),
        AboveZero(1.0),
        "weight of the newest week in trailing earnings",
    ),
    key(
        "platforms.*.take_rate",
        N,
        "share of GMV",
        Is("0.05"),
        SHARE,
        "platform revenue",
    ),
    key(
        "platforms.*.creator_commission",
        N,
        "share of GMV",
        Is("0.1"),
        SHARE,
        "paid to the creator who made the sale",
    ),
    key(
        "platforms.*.ad_yield_usd_per_session",
        N,
        "USD per person-session",
        Is("0"),
        Within(0.0, 1e6),
        "advertising and gift revenue a live session brings the platform",
    ),
    key(
        "platforms.*.markets.*.reach",
        N,
        "share of online consumers",
        Is("1"),
        SHARE,
        "share of online consumers using the platform in week 0",
    ),
    key(
        "platforms.*.markets.*.reach_growth",
        N,
        "relative, per week",
        Is("0"),
        SHARE,
        "reach(t) = min(1, reach × (1 + reach_growth)^t)",
    ),
    key(
        "platforms.*.markets.*.trust",
        N,
        "factor on conversion",
        Is("1"),
        Within(0.0, 100.0),
        "multiplies conversion",
    ),
    key(
        "platforms.*.markets.*.creator_share",
        N,
        "share of creators",
        Absent("the rest, split equally"),
        SHARE,
        "share of the country's creators whose home is this platform; a country's shares sum to at most 1 (to 1 when every market gives one)",
    ),
    key(
        "platforms.*.markets.*.live.launch",
        D,
        "date",
        Req,
        Any,
        "week live shopping opens; without a `live` table it never does",
    ),
    key(
        "platforms.*.markets.*.live.close",
        D,
        "date",
        Absent("never"),
        Rule("after `launch`"),
        "week live shopping closes for good: habits end, creators move to the best-paying open platform or go dormant",
    ),
    key(
        "platforms.*.markets.*.live.initial_adopters",
        N,
        "share of users",
        Is("0"),
        SHARE,
        "for a shop running before `start`: share of its users with a habit on it in week 0",
    ),
    key(
        "platforms.*.markets.*.live.gate.market",
        T,
        "country code",
        Req,
        Rule("another market of the platform"),
        "without a `gate` the launch always happens; with one, only if this market performs",
    ),
    key(
        "platforms.*.markets.*.live.gate.measure",
        Kind::Choice(&["gmv", "plan", "contribution", "value"]),
        "-",
        Is("\"gmv\""),
        Any,
        "what the gate reads of its market over the window before the launch: mean weekly GMV, GMV against plan, mean weekly contribution, or its last value review",
    ),
    key(
        "platforms.*.markets.*.live.gate.min_weekly_gmv_usd",
        N,
        "USD per week",
        Absent("required with measure `gmv`"),
        USD,
        "`gmv`: its mean weekly GMV over the window must reach this",
    ),
    key(
        "platforms.*.markets.*.live.gate.plan_share",
        N,
        "share of plan",
        Is("1"),
        Within(0.0, 100.0),
        "`plan`: its mean weekly GMV over the window must reach this share of its plan for those weeks",
    ),
    key(
        "platforms.*.markets.*.live.gate.min_weekly_contribution_usd",
        N,
        "USD per week",
        Absent("required with measure `contribution`"),
        Within(-1e15, 1e15),
        "`contribution`: its mean weekly contribution over the window must reach this",
    ),
    key(
        "platforms.*.markets.*.live.gate.min_value",
        N,
        "margin USD per subsidy USD",
        Absent("required with measure `value`"),
        Within(-1e15, 1e15),
        "`value`: its last `value` review measure must reach this (none yet: the launch is cancelled)",
    ),
    key(
        "platforms.*.markets.*.live.gate.window_weeks",
        I,
        "weeks",
        Is("4"),
        Whole(1, 520),
        "weeks averaged for the gate",
    ),
    key(
        "platforms.*.markets.*.subsidy.rate",
        N,
        "share of order value",
        Req,
        Within(0.0, 0.99),
        "discount paid by the platform; without a `subsidy` table, none",
    ),
    key(
        "platforms.*.markets.*.subsidy.weekly_budget_usd",
        N,
        "USD per week",
        Absent("no limit"),
        USD,
        "the week's subsidy never exceeds it",
    ),
    key(
        "platforms.*.markets.*.subsidy.seller_funded_share",
        N,
        "share of the discount",
        Is("0"),
        SHARE,
        "part of the discount paid by sellers, not the platform",
    ),
    key(
        "platforms.*.markets.*.subsidy.target",
        Kind::Choice(&["all", "first_order"]),
        "-",
        Is("\"all\""),
        Any,
        "`first_order`: only adoption and each consumer's first order on the platform are discounted",
    ),
    key(
        "platforms.*.markets.*.subsidy.policy",
        Kind::Choice(&["fixed", "review"]),
        "-",
        Is("\"fixed\""),
        Any,
        "`review` changes the rate every `review_weeks` on `measure`",
    ),
    key(
        "platforms.*.markets.*.subsidy.review_weeks",
        I,
        "weeks",
        Is("4"),
        WEEKS,
        "weeks between reviews, the window W a review reads (`review`)",
    ),
    key(
        "platforms.*.markets.*.subsidy.measure",
        Kind::Choice(&["growth", "incremental", "contribution", "value"]),
        "-",
        Is("\"growth\""),
        Any,
        "`growth`: new GMV over W per subsidy USD; `incremental`: GMV over a holdout per subsidy USD; `contribution`: mean weekly contribution, USD; `value`: incremental margin plus the value of incremental habits per subsidy USD (`review`)",
    ),
    key(
        "platforms.*.markets.*.subsidy.review_target",
        N,
        "unit of the measure",
        Is("1"),
        Within(-1e15, 1e15),
        "below it the rate is cut (`review`)",
    ),
    key(
        "platforms.*.markets.*.subsidy.review_target_high",
        N,
        "unit of the measure",
        Absent("review_target"),
        Rule("at least review_target"),
        "above it the rate is raised; between the two it stays (`review`)",
    ),
    key(
        "platforms.*.markets.*.subsidy.min_rate",
        N,
        "share of order value",
        Is("0"),
        Within(0.0, 0.99),
        "floor on cuts (`review`); a rate that starts below it is never cut",
    ),
    key(
        "platforms.*.markets.*.subsidy.value_horizon_weeks",
        I,
        "weeks",
        Is("52"),
        Whole(1, 520),
        "horizon H over which a habit won is worth its expected margin (`value`)",
    ),
    key(
        "platforms.*.markets.*.subsidy.holdout_share",
        N,
        "share of users",
        Is("0.1"),
        AboveZero(0.5),
        "users who never see the discount, chosen by a hash of the consumer (`incremental`)",
    ),
    key(
        "platforms.*.markets.*.subsidy.cut",
        N,
        "factor on the rate",
        Is("0.5"),
        SHARE,
        "applied to the rate below target (`review`)",
    ),
    key(
        "platforms.*.markets.*.subsidy.raise",
        N,
        "factor on the rate",
        Is("1"),
        Within(1.0, 100.0),
        "applied to the rate above review_target_high, up to max_rate (`review`)",
    ),
    key(
        "platforms.*.markets.*.subsidy.max_rate",
        N,
        "share of order value",
        Absent("the starting rate"),
        Rule("rate to 0.99"),
        "cap on raises (`review`)",
    ),
    key(
        "platforms.*.markets.*.exit.measure",
        Kind::Choice(&["gmv", "plan"]),
        "-",
        Is("\"gmv\""),
        Any,
        "what the exit rule reads over the last patience_weeks: mean weekly GMV, or GMV as a share of plan; without an `exit` table live shopping is never withdrawn",
    ),
    key(
        "platforms.*.markets.*.exit.min_weekly_gmv_usd",
        N,
        "USD per week",
        Absent("required with measure `gmv`"),
        USD,
        "`gmv`: below this mean weekly GMV over the last patience_weeks, live shopping is withdrawn",
    ),
    key(
        "platforms.*.markets.*.exit.min_plan_share",
        N,
        "share of plan",
        Absent("required with measure `plan`"),
        Within(0.0, 100.0),
        "`plan`: below this share of plan over the last patience_weeks, live shopping is withdrawn",
    ),
    key(
        "platforms.*.markets.*.exit.patience_weeks",
        I,
        "weeks",
        Req,
        WEEKS,
        "weeks the exit rule averages",
    ),
    key(
        "platforms.*.markets.*.exit.grace_weeks",
        I,
        "weeks",
        Is("0"),
        Whole(0, u16::MAX as u64),
        "weeks after opening before the exit rule is read; its window lies after them",
    ),
    key(
        "platforms.*.markets.*.poaching.from",
        L,
        "platform names",
        Req,
        Rule("rival platforms, at least one"),
        "rivals whose creators are targeted; without a `poaching` table, none",
    ),
    key(
        "platforms.*.markets.*.poaching.weekly_budget_usd",
        N,
        "USD per week",
        Req,
        USD,
        "contract fees paid in a week never exceed it",
    ),
    key(
        "platforms.*.markets.*.poaching.top_share",
        N,
        "share of rivals' creators",
        Is("0.1"),
        AboveZero(1.0),
        "the most-followed share of the rivals' creators targeted",
    ),
    key(
        "platforms.*.markets.*.poaching.premium",
        N,
        "multiple of the creator's earnings",
        Is("1.5"),
        Within(0.0, 1000.0),
        "weekly offer = min(max(min_offer_usd, premium × b), cap), b the larger of trailing earnings and expected earnings on the poacher",
    ),
    key(
        "platforms.*.markets.*.poaching.min_offer_usd",
        N,
        "USD per week",
        Is("0"),
        Within(0.0, 1e12),
        "smallest weekly offer",
    ),
    key(
        "platforms.*.markets.*.poaching.contract_weeks",
        I,
        "weeks",
        Is("26"),
        WEEKS,
        "weeks a contract pays its fee",
    ),
    key(
        "platforms.*.markets.*.poaching.follower_carry",
        N,
        "share of followers",
        Is("0.5"),
        SHARE,
        "share of followers a poached creator keeps (the rest stay with its old platform's streaming creators); also on a close",
    ),
    key(
        "platforms.*.markets.*.poaching.value_multiple",
        N,
        "multiple of revenue",
        Is("1"),
        Within(0.0, 1000.0),
        "offer cap: this × the poacher's take-rate revenue per follower last week × carried followers",
    ),
    key(
        "platforms.*.markets.*.poaching.refresh_weeks",
        I,
        "weeks",
        Absent("never"),
        WEEKS,
        "weeks after which the campaign's target list is drawn again",
    ),
    key(
        "platforms.*.markets.*.poaching.follower_loyalty",
        N,
        "share of followers",
        Is("0"),
        SHARE,
        "a poached creator with f followers takes a habit on the poacher to loyalty × f / F of the victim's habit holders (F: the victim's streaming followers)",
    ),
    key(
        "platforms.*.markets.*.creator_fund.weekly_budget_usd",
        N,
        "USD per week",
        Req,
        USD,
        "fund paid in a week never exceeds it; without a `creator_fund` table, no fund",
    ),
    key(
        "platforms.*.markets.*.creator_fund.floor_usd",
        N,
        "USD per week",
        Req,
        USD,
        "streaming creators' weekly earnings are topped up to it, lowest earners first",
    ),
    key(
        "platforms.*.markets.*.fixed_cost_weekly_usd",
        N,
        "USD per week",
        Is("0"),
        USD,
        "cost of running the live shop while it is open",
    ),
    key(
        "platforms.*.markets.*.plan.weekly_gmv_usd",
        N,
        "USD per week",
        Absent("no plan (or `points`)"),
        USD,
        "the weekly GMV the platform plans for the market, read by `plan` gates and exits: the platform's lever",
    ),
    key(
        "platforms.*.markets.*.plan.points",
        Kind::Points,
        "[date, USD per week]",
        Absent("none: `weekly_gmv_usd`"),
        Rule("dates increasing"),
        "a planned trajectory, interpolated linearly between the points (flat outside)",
    ),
    key(
        "switches.price",
        Kind::Flag,
        "-",
        Is("true"),
        Any,
        "false: consumers see no discount (adoption, habits, pull, conversion, deal-seekers' reference); the platform still pays it",
    ),
    key(
        "switches.deal_seekers",
        Kind::Flag,
        "-",
        Is("true"),
        Any,
        "false: deal-seekers act as ordinary consumers (ordinary δ, no deal-seeker lapse)",
    ),
    key(
        "switches.creator_supply",
        Kind::Flag,
        "-",
        Is("true"),
        Any,
        "false: sessions never thin with creators (η has no effect)",
    ),
    key(
        "switches.word_of_mouth",
        Kind::Flag,
        "-",
        Is("true"),
        Any,
        "false: no adoption through contacts (q = 0)",
    ),
    key(
        "switches.habit_decay",
        Kind::Flag,
        "-",
        Is("true"),
        Any,
        "false: idle adopters never lapse",
    ),
    key(
        "switches.poaching_demand",
        Kind::Flag,
        "-",
        Is("true"),
        Any,
        "false: poached creators move no viewers (follower_loyalty 0)",
    ),
    key(
        "switches.reviews",
        Kind::Flag,
        "-",
        Is("true"),
        Any,
        "false: subsidy rates stay at their start",
    ),
    key(
        "switches.exit",
        Kind::Flag,
        "-",
        Is("true"),
        Any,
        "false: no market is withdrawn by its exit rule",
    ),
    key(
        "headline.markets",
        L,
        "markets as COUNTRY/platform",
        Absent("every market with live shopping; in a sweep, those it varies (else the 3 largest)"),
        Rule("markets of the scenario, at least one"),
        "the markets `run` ends with and `headline.csv` holds",
    ),
    key(
        "headline.measures",
        L,
        "measure names",
        Absent("gmv_usd"),
        Rule("columns of trials.csv that are totals or end values, at least one"),
        "the measures of the headline, each with its median and 90% range over trials",
    ),
];
/// The default of a key whose default is a value ([`DefaultValue::Is`]), as TOML.
fn default_of(pattern: &str) -> toml::Value {
    let key = KEYS
        .iter()
        .find(|k| k.pattern == pattern)
        .unwrap_or_else(|| panic!("`{pattern}` is in the key table"));
    match key.default {
        DefaultValue::Is(text) => parse_value(text),
        _ => panic!("`{pattern}` has a default value in the key table"),
    }
}

/// The default of the key `field` of the table at `table` (a pattern such as
/// `countries.*.spend`; empty at the top level), as the schema's type `T`: the key table's
/// text read as TOML and then as `T`, as the file's value would be. The schema reads every
/// default through it; a test loads a scenario that leaves every defaulted key out, so a
/// pattern or a text that does not fit fails there, not in a run.
pub(crate) fn key_default<T: serde::de::DeserializeOwned>(table: &str, field: &str) -> T {
    let pattern = if table.is_empty() {
        field.to_string()
    } else {
        format!("{table}.{field}")
    };
    default_of(&pattern)
        .try_into()
        .unwrap_or_else(|e| panic!("`{pattern}`'s default does not fit its field: {e}"))
}

/// The README's table of every key, generated from [`KEYS`] (`livemarket params
/// --markdown` prints it; a test fails when the README's copy differs).
pub fn markdown() -> String {
    let mut out = String::from(
        "| key | type | unit | default | allowed | meaning |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for k in KEYS {
        let path: Vec<&str> = k.pattern.split('.').collect();
        let shown: Vec<&str> = path
            .iter()
            .enumerate()
            .map(|(i, p)| match (*p, i.checked_sub(1).map(|j| path[j])) {
                ("*", Some("platforms")) => "P",
                ("*", _) => "CC",
                (p, _) => p,
            })
            .collect();
        let default = match k.default {
            DefaultValue::Required => "required".to_string(),
            DefaultValue::Is(v) => format!("`{v}`"),
            DefaultValue::Absent(text) => text.to_string(),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {default} | {} | {} |\n",
            shown.join("."),
            k.kind.to_string().replace('|', ", "),
            k.unit,
            k.range,
            k.meaning
        ));
    }
    out
}

pub(crate) fn matches(pattern: &str, path: &[&str]) -> bool {
    let parts: Vec<&str> = pattern.split('.').collect();
    parts.len() == path.len() && parts.iter().zip(path).all(|(p, s)| *p == "*" || p == s)
}

/// The table entry of a dotted path.
pub fn spec_of(path: &str) -> Option<&'static Key> {
    let parts: Vec<&str> = path.split('.').collect();
    KEYS.iter().find(|s| matches(s.pattern, &parts))
}

/// Reads a value as TOML (`0.3`, `12`, `true`, `2022-03-01`, `"text"`, `["a", "b"]`); what is
/// not TOML is taken as text, so `well_mixed` needs no quotes.
pub fn parse_value(text: &str) -> toml::Value {
    let text = text.trim();
    format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}
