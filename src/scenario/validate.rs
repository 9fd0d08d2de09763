//! Cross-field and range rules, in one named step. Each rule names the key and the range; a
//! key's own range comes from the key table ([`params::KEYS`]), and the rules here that
//! depend on other keys are written out.

use super::params::{self, Range};
use super::schema::*;

/// Most platforms a scenario may hold (a consumer's platforms are a bitmask of this width).
pub const MAX_PLATFORMS: usize = 8;

struct Check {
    problems: Vec<(String, String)>,
}

impl Check {
    fn fail(&mut self, path: &str, message: String) {
        self.problems.push((path.to_string(), message));
    }

    /// lo <= x <= hi (NaN fails).
    fn within(&mut self, path: &str, x: f64, lo: f64, hi: f64) {
        if !(x >= lo && x <= hi) {
            self.fail(
                path,
                format!("`{path}` = {x} is out of range; it must be between {lo} and {hi}"),
            );
        }
    }

    /// 0 < x <= hi.
    fn above_zero(&mut self, path: &str, x: f64, hi: f64) {
        if !(x > 0.0 && x <= hi) {
            self.fail(
                path,
                format!("`{path}` = {x} is out of range; it must be above 0 and at most {hi}"),
            );
        }
    }

    /// The key's range from the key table.
    fn range(&mut self, path: &str, x: f64) {
        match key_range(path) {
            Range::Within(lo, hi) => self.within(path, x, lo, hi),
            Range::AboveZero(hi) => self.above_zero(path, x, hi),
            Range::Whole(lo, hi) => self.int_within(path, x as u64, lo, hi),
            Range::Any | Range::Rule(_) => {}
        }
    }

    /// The whole-number key's range from the key table.
    fn whole(&mut self, path: &str, n: impl Into<u64>) {
        if let Range::Whole(lo, hi) = key_range(path) {
            self.int_within(path, n.into(), lo, hi);
        }
    }

    fn int_within(&mut self, path: &str, n: u64, lo: u64, hi: u64) {
        if n < lo || n > hi {
            self.fail(
                path,
                format!("`{path}` = {n} is out of range; it must be between {lo} and {hi}"),
            );
        }
    }
}

fn key_range(path: &str) -> Range {
    params::spec_of(path)
        .expect("every key validate.rs checks is in the key table (tested)")
        .range
}

/// Every problem found, as (dotted path of the key, message).
pub fn validate(s: &Scenario) -> Vec<(String, String)> {
    let mut c = Check {
        problems: Vec::new(),
    };
    c.whole("weeks", s.weeks);
    c.whole("trials", s.trials);
    if s.countries.is_empty() {
        c.fail(
            "countries",
            "the scenario has no countries; add at least one [countries.CC] table".into(),
        );
    }
    for (code, country) in &s.countries {
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            c.fail(
                &format!("countries.{code}"),
                format!("country key `{code}` is not an ISO 3166 alpha-2 code; use two capital letters such as GB"),
            );
        }
        country_rules(&mut c, &format!("countries.{code}"), country);
    }
    if s.platforms.len() > MAX_PLATFORMS {
        c.fail(
            "platforms",
            format!(
                "the scenario has {} platforms; at most {MAX_PLATFORMS} are supported",
                s.platforms.len()
            ),
        );
    }
    for (name, platform) in &s.platforms {
        // Names reach every CSV: a letter first keeps a spreadsheet from reading a formula.
        let plain = name.starts_with(|ch: char| ch.is_ascii_alphabetic())
            && name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
        if !plain {
            c.fail(
                &format!("platforms.{name}"),
                format!(
                    "platform name `{name}` must start with a letter and hold only letters, digits, \
                     `_` and `-`, such as tiktok"
                ),
            );
        }
        platform_rules(&mut c, s, name, platform);
    }
    creator_share_rules(&mut c, s);
    c.problems
}

fn country_rules(c: &mut Check, at: &str, k: &Country) {
    c.range(&format!("{at}.population"), k.population);
    c.range(&format!("{at}.online_share"), k.online_share);
    c.whole(&format!("{at}.agents"), k.agents);
    let (mean, sd) = (k.live_affinity.mean, k.live_affinity.sd);
    c.range(&format!("{at}.live_affinity.mean"), mean);
    if (0.0..=1.0).contains(&mean) {
        let max_sd = (mean * (1.0 - mean)).sqrt();
        if !(sd == 0.0 || (sd > 0.0 && sd < max_sd)) {
            c.fail(
                &format!("{at}.live_affinity.sd"),
                format!(
                    "`{at}.live_affinity.sd` = {sd} is out of range; with mean {mean} a Beta \
                     distribution needs 0 <= sd < sqrt(mean × (1 − mean)) = {max_sd:.6}"
                ),
            );
        }
    }
    c.range(&format!("{at}.deal_sensitivity"), k.deal_sensitivity);
    c.range(&format!("{at}.lapse"), k.lapse);
    c.whole(&format!("{at}.lapse_after"), k.lapse_after);
    let d = &k.diffusion;
    c.range(&format!("{at}.diffusion.innovation"), d.innovation);
    c.range(&format!("{at}.diffusion.imitation"), d.imitation);
    c.range(&format!("{at}.diffusion.rewire"), d.rewire);
    if d.network != Network::WellMixed {
        let most = (k.agents.saturating_sub(1)).min(1000);
        c.int_within(
            &format!("{at}.diffusion.contacts"),
            d.contacts.into(),
            0,
            most.into(),
        );
        // Contact lists are indexed by 32-bit offsets: at most 2 × agents × (contacts/2 + 1)
        // entries while the network is built.
        let entries = 2 * u64::from(k.agents) * (u64::from(d.contacts) / 2 + 1);
        if entries > u64::from(u32::MAX) {
            c.fail(
                &format!("{at}.agents"),
                format!(
                    "`{at}.agents` = {} with {} contacts needs {entries} contact entries, more \
                     than the 4294967295 a network can index; lower agents or contacts",
                    k.agents, d.contacts
                ),
            );
        }
        if d.network == Network::SmallWorld && d.contacts % 2 == 1 {
            c.fail(
                &format!("{at}.diffusion.contacts"),
                format!(
                    "`{at}.diffusion.contacts` = {} must be even for a small_world ring lattice",
                    d.contacts
                ),
            );
        }
    }
    let sp = &k.spend;
    c.range(
        &format!("{at}.spend.sessions_per_week"),
        sp.sessions_per_week,
    );
    c.range(&format!("{at}.spend.conversion"), sp.conversion);
    c.range(
        &format!("{at}.spend.order_value_usd.median"),
        sp.order_value_usd.median,
    );
    c.range(
        &format!("{at}.spend.order_value_usd.sigma"),
        sp.order_value_usd.sigma,
    );
    let cr = &k.creators;
    c.whole(&format!("{at}.creators.agents"), cr.agents);
    match cr.followers {
        Followers::Pareto { alpha, min } => {
            // Below 0.5 a Pareto draw (min / U^(1/alpha)) can overflow to infinity; the mean
            // is infinite below 1 anyway (TARGETS: alpha about 2).
            c.range(&format!("{at}.creators.followers.alpha"), alpha);
            c.range(&format!("{at}.creators.followers.min"), min);
        }
        Followers::Lognormal { median, sigma } => {
            c.range(&format!("{at}.creators.followers.median"), median);
            c.range(&format!("{at}.creators.followers.sigma"), sigma);
        }
    }
    c.range(&format!("{at}.creators.skill_sigma"), cr.skill_sigma);
    c.range(
        &format!("{at}.creators.min_weekly_earnings_usd"),
        cr.min_weekly_earnings_usd,
    );
    c.whole(&format!("{at}.creators.quit_after"), cr.quit_after);
    c.range(&format!("{at}.creators.switching_cost"), cr.switching_cost);
    c.range(
        &format!("{at}.creators.earnings_smoothing"),
        cr.earnings_smoothing,
    );
}

fn platform_rules(c: &mut Check, s: &Scenario, name: &str, p: &Platform) {
    let at = format!("platforms.{name}");
    c.range(&format!("{at}.take_rate"), p.take_rate);
    c.range(&format!("{at}.creator_commission"), p.creator_commission);
    let countries: Vec<String> = s.countries.keys().cloned().collect();
    for (code, m) in &p.markets {
        let at = format!("{at}.markets.{code}");
        if !s.countries.contains_key(code) {
            let hint = super::nearest(code, &countries)
                .map(|n| format!("did you mean `{n}`? "))
                .unwrap_or_default();
            c.fail(&at, format!("`{at}` names country `{code}`, which the scenario does not define; {hint}countries: {}", countries.join(", ")));
        }
        c.range(&format!("{at}.reach"), m.reach);
        c.range(&format!("{at}.reach_growth"), m.reach_growth);
        c.range(&format!("{at}.trust"), m.trust);
        if let Some(share) = m.creator_share {
            c.range(&format!("{at}.creator_share"), share);
        }
        if let Some(gate) = m.live.as_ref().and_then(|l| l.gate.as_ref()) {
            let gp = format!("{at}.live.gate.market");
            if gate.market == *code || !p.markets.contains_key(&gate.market) {
                let others: Vec<String> =
                    p.markets.keys().filter(|k| *k != code).cloned().collect();
                let choice = if others.is_empty() {
                    format!("platform `{name}` has no other market; add one or remove the gate")
                } else {
                    format!("one of {}", others.join(", "))
                };
                c.fail(
                    &gp,
                    format!(
                        "`{gp}` = \"{}\" must be another market of platform `{name}`: {choice}",
                        gate.market
                    ),
                );
            }
            c.range(
                &format!("{at}.live.gate.min_weekly_gmv_usd"),
                gate.min_weekly_gmv_usd,
            );
            c.whole(&format!("{at}.live.gate.window_weeks"), gate.window_weeks);
        }
        if let Some(sub) = &m.subsidy {
            c.range(&format!("{at}.subsidy.rate"), sub.rate);
            if let Some(b) = sub.weekly_budget_usd {
                c.range(&format!("{at}.subsidy.weekly_budget_usd"), b);
            }
            c.whole(&format!("{at}.subsidy.review_weeks"), sub.review_weeks);
            c.range(&format!("{at}.subsidy.target_roi"), sub.target_roi);
            c.range(&format!("{at}.subsidy.cut"), sub.cut);
            c.range(&format!("{at}.subsidy.raise"), sub.raise);
            if let Some(max) = sub.max_rate {
                c.within(
                    &format!("{at}.subsidy.max_rate"),
                    max,
                    sub.rate.clamp(0.0, 0.99),
                    0.99,
                );
            }
        }
        if let Some(exit) = &m.exit {
            c.range(
                &format!("{at}.exit.min_weekly_gmv_usd"),
                exit.min_weekly_gmv_usd,
            );
            c.whole(&format!("{at}.exit.patience_weeks"), exit.patience_weeks);
        }
        if let Some(po) = &m.poaching {
            let fp = format!("{at}.poaching.from");
            if po.from.is_empty() {
                c.fail(
                    &fp,
                    format!("`{fp}` is empty; name at least one rival platform"),
                );
            }
            for rival in &po.from {
                if rival == name || !s.platforms.contains_key(rival) {
                    let others: Vec<&str> = s
                        .platforms
                        .keys()
                        .filter(|k| *k != name)
                        .map(String::as_str)
                        .collect();
                    c.fail(
                        &fp,
                        format!(
                            "`{fp}` names `{rival}`, which is not a rival platform; use one of {}",
                            others.join(", ")
                        ),
                    );
                }
            }
            c.range(
                &format!("{at}.poaching.weekly_budget_usd"),
                po.weekly_budget_usd,
            );
            c.range(&format!("{at}.poaching.top_share"), po.top_share);
            c.range(&format!("{at}.poaching.premium"), po.premium);
            c.range(&format!("{at}.poaching.min_offer_usd"), po.min_offer_usd);
            c.whole(&format!("{at}.poaching.contract_weeks"), po.contract_weeks);
            c.range(&format!("{at}.poaching.follower_carry"), po.follower_carry);
        }
    }
}

/// Creator shares of one country's markets: given ones sum to at most 1, to exactly 1 when
/// every market gives one.
fn creator_share_rules(c: &mut Check, s: &Scenario) {
    for code in s.countries.keys() {
        let shares: Vec<(String, Option<f64>)> = s
            .platforms
            .iter()
            .filter_map(|(name, p)| p.markets.get(code).map(|m| (name.clone(), m.creator_share)))
            .collect();
        let given: f64 = shares.iter().filter_map(|(_, x)| *x).sum();
        let all_given = shares.iter().all(|(_, x)| x.is_some());
        let bad =
            given > 1.0 + 1e-9 || (all_given && !shares.is_empty() && (given - 1.0).abs() > 1e-6);
        if bad {
            let (first, _) = &shares[0];
            let path = format!("platforms.{first}.markets.{code}.creator_share");
            c.fail(
                &path,
                format!(
                    "the creator_share of the markets in {code} sum to {given}; they must sum to 1 \
                     (leave one out to give it the rest)"
                ),
            );
        }
    }
}
