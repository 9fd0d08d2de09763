//! The weekly metrics of one market (country × platform), in output order.

/// One weekly metric. People and money are in real-world units (scaled by agent weight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// People using the platform.
    Users,
    /// Live-shopping adopters among its users, people.
    Adopters,
    /// People who ordered on it this week.
    Buyers,
    /// Orders (people-weighted).
    Orders,
    /// Gross merchandise value, USD.
    GmvUsd,
    /// Discounts paid by the platform, USD.
    SubsidyUsd,
    /// Discount offered this week, share of order value.
    Discount,
    /// take_rate × GMV − subsidy − poaching fees, USD.
    RevenueUsd,
    /// Creators whose home is this platform (including those who stopped streaming).
    Creators,
    /// Of those, creators streaming (not quit, live open).
    CreatorsStreaming,
    /// Creators won from rivals by poaching this week.
    CreatorsWon,
    /// Creators lost to rivals' poaching this week.
    CreatorsLost,
    /// Contract fees paid to poached creators this week, USD.
    PoachingUsd,
    /// 1 while live shopping is open, else 0.
    LiveOpen,
}

impl Metric {
    pub const ALL: [Metric; 14] = [
        Metric::Users,
        Metric::Adopters,
        Metric::Buyers,
        Metric::Orders,
        Metric::GmvUsd,
        Metric::SubsidyUsd,
        Metric::Discount,
        Metric::RevenueUsd,
        Metric::Creators,
        Metric::CreatorsStreaming,
        Metric::CreatorsWon,
        Metric::CreatorsLost,
        Metric::PoachingUsd,
        Metric::LiveOpen,
    ];
    pub const COUNT: usize = Self::ALL.len();

    pub fn name(self) -> &'static str {
        match self {
            Metric::Users => "users",
            Metric::Adopters => "adopters",
            Metric::Buyers => "buyers",
            Metric::Orders => "orders",
            Metric::GmvUsd => "gmv_usd",
            Metric::SubsidyUsd => "subsidy_usd",
            Metric::Discount => "discount",
            Metric::RevenueUsd => "revenue_usd",
            Metric::Creators => "creators",
            Metric::CreatorsStreaming => "creators_streaming",
            Metric::CreatorsWon => "creators_won",
            Metric::CreatorsLost => "creators_lost",
            Metric::PoachingUsd => "poaching_usd",
            Metric::LiveOpen => "live_open",
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
                | Metric::Orders
                | Metric::GmvUsd
                | Metric::SubsidyUsd
                | Metric::RevenueUsd
                | Metric::CreatorsWon
                | Metric::CreatorsLost
                | Metric::PoachingUsd
        )
    }
}

/// One week of one market: indexed by `Metric as usize`.
pub type WeekRecord = [f64; Metric::COUNT];
