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

    pub fn name(self) -> &'static str {
        match self {
            Metric::Users => "users",
            Metric::Adopters => "adopters",
            Metric::Buyers => "buyers",
            Metric::Sessions => "sessions",
            Metric::Orders => "orders",
            Metric::GmvUsd => "gmv_usd",
            Metric::SubsidyUsd => "subsidy_usd",
            Metric::Discount => "discount",
            Metric::ContributionUsd => "contribution_usd",
            Metric::Creators => "creators",
            Metric::CreatorsStreaming => "creators_streaming",
            Metric::CreatorsDormant => "creators_dormant",
            Metric::CreatorsWon => "creators_won",
            Metric::CreatorsLost => "creators_lost",
            Metric::CreatorsReturned => "creators_returned",
            Metric::PoachingUsd => "poaching_usd",
            Metric::CreatorFundUsd => "creator_fund_usd",
            Metric::LiveOpen => "live_open",
            Metric::CategoryAdopters => "category_adopters",
        }
    }

    /// Whether summing the metric over countries means something.
    pub fn additive(self) -> bool {
        !matches!(self, Metric::Discount)
    }

    /// Whether a trial's total of the metric is its sum over weeks (flows) rather than its
    /// value in the last week (stocks).
    pub fn is_flow(self) -> bool {
        matches!(
            self,
            Metric::Buyers
                | Metric::Sessions
                | Metric::Orders
                | Metric::GmvUsd
                | Metric::SubsidyUsd
                | Metric::ContributionUsd
                | Metric::CreatorsWon
                | Metric::CreatorsLost
                | Metric::CreatorsReturned
                | Metric::PoachingUsd
                | Metric::CreatorFundUsd
        )
    }
}

/// One week of one market: indexed by `Metric as usize`.
pub type WeekRecord = [f64; Metric::COUNT];
