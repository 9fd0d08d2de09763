//! The weekly metrics of one market (country × platform), in output order.

/// One weekly metric. People and money are in real-world units (scaled by agent weight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// People using the platform.
    Users,
    /// People with a habit on the platform (buying live there); 0 while it has no live shop.
    Adopters,
    /// People who ordered on it this week.
    Buyers,
    /// Live sessions watched on it (person-sessions).
    Sessions,
    /// Orders (people-weighted).
    Orders,
    /// Gross merchandise value, USD.
    GmvUsd,
    /// Discounts paid by the platform (not the sellers' share), USD.
    SubsidyUsd,
    /// Discount offered this week, share of order value.
    Discount,
    /// take_rate × GMV + ad yield × sessions − subsidy − poaching fees − creator fund − fixed cost while open, USD.
    ContributionUsd,
    /// Creators whose home is this platform (streaming or not).
    Creators,
    /// Of those, creators streaming (not dormant, live open).
    CreatorsStreaming,
    /// Of those, dormant creators.
    CreatorsDormant,
    /// Creators won from rivals by poaching this week.
    CreatorsWon,
    /// Creators lost to rivals' poaching this week.
    CreatorsLost,
    /// Dormant creators who streamed again this week.
    CreatorsReturned,
    /// Contract fees paid to poached creators this week, USD.
    PoachingUsd,
    /// Creator-fund top-ups paid this week, USD.
    CreatorFundUsd,
    /// 1 while live shopping is open, else 0.
    LiveOpen,
    /// People in the country who accept live shopping (the country's value, on each of its markets).
    CategoryAdopters,
}

impl Metric {
    pub const ALL: [Metric; 19] = [
        Metric::Users,
        Metric::Adopters,
        Metric::Buyers,
        Metric::Sessions,
        Metric::Orders,
        Metric::GmvUsd,
        Metric::SubsidyUsd,
        Metric::Discount,
        Metric::ContributionUsd,
        Metric::Creators,
        Metric::CreatorsStreaming,
        Metric::CreatorsDormant,
        Metric::CreatorsWon,
        Metric::CreatorsLost,
        Metric::CreatorsReturned,
        Metric::PoachingUsd,
        Metric::CreatorFundUsd,
        Metric::LiveOpen,
        Metric::CategoryAdopters,
    ];
    pub const COUNT: usize = Self::ALL.len();

    /// The one description of the metric: every name, title, unit and rule of it is here.
    // Long (about 220 lines) because it is the one flat table of every metric: splitting it
    // would scatter the table.
    pub const fn describe(self) -> Description {
        /// A flow's total over a trial is its sum over weeks; a stock's, its last week.
        const FLOW: bool = true;
        const STOCK: bool = false;
        const fn d(
            name: &'static str,
            title: &'static str,
            unit: Unit,
            flow: bool,
            additive: bool,
            measure: (&'static str, &'static str, &'static str),
        ) -> Description {
            Description {
                name,
                title,
                unit,
                flow,
                additive,
                measure: measure.0,
                measure_title: measure.1,
                measure_short: measure.2,
            }
        }
        match self {
            Metric::Users => d(
                "users",
                "Users",
                Unit::Count,
                STOCK,
                true,
                ("users_end", "Users at the end", "Users at the end"),
            ),
            Metric::Adopters => d(
                "adopters",
                "Adopters",
                Unit::Count,
                STOCK,
                true,
                ("adopters_end", "Adopters at the end", "Adopters at the end"),
            ),
            Metric::Buyers => d(
                "buyers",
                "Buyers per week",
                Unit::Count,
                FLOW,
                true,
                (
                    "buyer_weeks",
                    "Buyer-weeks (weekly buyers summed over the weeks)",
                    "Buyer-weeks",
                ),
            ),
            Metric::Sessions => d(
                "sessions",
                "Live sessions watched per week",
                Unit::Count,
                FLOW,
                true,
                ("sessions", "Live sessions watched", "Sessions"),
            ),
            Metric::Orders => d(
                "orders",
                "Orders per week",
                Unit::Count,
                FLOW,
                true,
                ("orders", "Orders", "Orders"),
            ),
            Metric::GmvUsd => d(
                "gmv_usd",
                "GMV per week",
                Unit::Usd,
                FLOW,
                true,
                ("gmv_usd", "Total GMV", "Total GMV"),
            ),
            Metric::SubsidyUsd => d(
                "subsidy_usd",
                "Subsidy per week",
                Unit::Usd,
                FLOW,
                true,
                ("subsidy_usd", "Total subsidy", "Total subsidy"),
            ),
            Metric::Discount => d(
                "discount",
                "Discount",
                Unit::Share,
                STOCK,
                false,
                ("discount_end", "Discount at the end", "Discount at the end"),
            ),
            Metric::ContributionUsd => d(
                "contribution_usd",
                "Platform contribution per week",
                Unit::Usd,
                FLOW,
                true,
                (
                    "contribution_usd",
                    "Platform contribution (take + ad yield − subsidy − poaching − creator fund − fixed cost)",
                    "Platform contribution",
                ),
            ),
            Metric::Creators => d(
                "creators",
                "Creators",
                Unit::Count,
                STOCK,
                true,
                ("creators_end", "Creators at the end", "Creators at the end"),
            ),
            Metric::CreatorsStreaming => d(
                "creators_streaming",
                "Creators streaming",
                Unit::Count,
                STOCK,
                true,
                (
                    "creators_streaming_end",
                    "Creators streaming at the end",
                    "Creators streaming at the end",
                ),
            ),
            Metric::CreatorsDormant => d(
                "creators_dormant",
                "Creators dormant",
                Unit::Count,
                STOCK,
                true,
                (
                    "creators_dormant_end",
                    "Creators dormant at the end",
                    "Creators dormant at the end",
                ),
            ),
            Metric::CreatorsWon => d(
                "creators_won",
                "Creators won by poaching per week",
                Unit::Count,
                FLOW,
                true,
                (
                    "creators_won",
                    "Creators won by poaching",
                    "Creators won by poaching",
                ),
            ),
            Metric::CreatorsLost => d(
                "creators_lost",
                "Creators lost to poaching per week",
                Unit::Count,
                FLOW,
                true,
                (
                    "creators_lost",
                    "Creators lost to poaching",
                    "Creators lost to poaching",
                ),
            ),
            Metric::CreatorsReturned => d(
                "creators_returned",
                "Dormant creators who came back per week",
                Unit::Count,
                FLOW,
                true,
                (
                    "creators_returned",
                    "Dormant creators who came back",
                    "Creators returned",
                ),
            ),
            Metric::PoachingUsd => d(
                "poaching_usd",
                "Poaching contract fees per week",
                Unit::Usd,
                FLOW,
                true,
                (
                    "poaching_usd",
                    "Poaching contract fees",
                    "Poaching contract fees",
                ),
            ),
            Metric::CreatorFundUsd => d(
                "creator_fund_usd",
                "Creator fund payments per week",
                Unit::Usd,
                FLOW,
                true,
                (
                    "creator_fund_usd",
                    "Creator fund payments",
                    "Creator fund payments",
                ),
            ),
            Metric::LiveOpen => d(
                "live_open",
                "Live shopping open",
                Unit::Share,
                STOCK,
                true,
                (
                    "live_open_end",
                    "Live shopping open at the end",
                    "Live open at the end",
                ),
            ),
            Metric::CategoryAdopters => d(
                "category_adopters",
                "People accepting live shopping (country)",
                Unit::Count,
                STOCK,
                true,
                (
                    "category_adopters_end",
                    "People accepting live shopping at the end (country)",
                    "Category adopters at the end",
                ),
            ),
        }
    }

    /// The name of its weekly column.
    pub const fn name(self) -> &'static str {
        self.describe().name
    }

    /// Whether summing the metric over countries means something.
    pub const fn additive(self) -> bool {
        self.describe().additive
    }

    /// Whether a trial's total of the metric is its sum over weeks (flows) rather than its
    /// value in the last week (stocks).
    pub const fn is_flow(self) -> bool {
        self.describe().flow
    }
}

/// What a number counts, which decides how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// US dollars: `$1.2 bn`.
    Usd,
    /// People, orders, creators: `340 m`.
    Count,
    /// A share in [0, 1]: `35%`.
    Share,
    /// Anything else, plain: `0.25`.
    Plain,
}

/// A metric described: its weekly column and chart, and the per-trial measure of it (a
/// column of `trials.csv`: the total of a flow, the last week's value of a stock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Description {
    /// Its weekly column (`weekly.csv`, `weekly_trials.csv`).
    pub name: &'static str,
    /// Title of a chart of it week by week.
    pub title: &'static str,
    pub unit: Unit,
    /// A flow (summed over weeks) or a stock (its last week's value).
    pub flow: bool,
    /// Whether summing it over countries means something.
    pub additive: bool,
    /// The per-trial measure's column: the name of a flow (`buyer_weeks` for `buyers`, whose
    /// sum counts a person once per week of buying), the name with `_end` for a stock.
    pub measure: &'static str,
    /// Title of the measure's charts.
    pub measure_title: &'static str,
    /// Its title where space is short.
    pub measure_short: &'static str,
}

/// One week of one market: indexed by `Metric as usize`.
pub type WeekRecord = [f64; Metric::COUNT];
