//! Cross-field and range rules, in one named step. Each rule names the key and the range; a
//! key's own range comes from the key table ([`KEYS`](super::keys::KEYS)), and the rules here that
//! depend on other keys are written out.

use super::keys::{Range, spec_of};
use super::names::{is_plain_name, nearest};
use super::paths::{lookup, params};
use super::schema::*;
use super::uncertain::{MIN_MASS, bounds_of, mass};
use crate::num::Shown as Plain;

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
                format!(
                    "`{path}` = {} is out of range; it must be between {} and {}",
                    Plain(x),
                    Plain(lo),
                    Plain(hi)
                ),
            );
        }
    }

    /// 0 < x <= hi.
    fn above_zero(&mut self, path: &str, x: f64, hi: f64) {
        if !(x > 0.0 && x <= hi) {
            self.fail(
                path,
                format!(
                    "`{path}` = {} is out of range; it must be above 0 and at most {}",
                    Plain(x),
                    Plain(hi)
                ),
            );
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

/// Every value against its key's own range in the key table, in the order of the scenario's
/// tree (the order of the file's schema), so range errors come out in file order.
fn table_ranges(c: &mut Check, s: &Scenario) {
    for p in params(s) {
        let (Some(value), Some(key)) = (&p.value, spec_of(&p.path)) else {
            continue;
        };
        let number = match value {
            toml::Value::Float(x) => Some(*x),
            toml::Value::Integer(n) => Some(*n as f64),
            _ => None,
        };
        match (key.range, value, number) {
            (Range::Whole(lo, hi), toml::Value::Integer(n), _) => {
                c.int_within(&p.path, u64::try_from(*n).unwrap_or(0), lo, hi)
            }
            (Range::Within(lo, hi), _, Some(x)) => c.within(&p.path, x, lo, hi),
            (Range::AboveZero(hi), _, Some(x)) => c.above_zero(&p.path, x, hi),
            _ => {}
        }
    }
}

/// Every problem found, as (dotted path of the key, message).
pub fn validate(s: &Scenario) -> Vec<(String, String)> {
    let mut c = Check {
        problems: Vec::new(),
    };
    if let Some(name) = &s.name
        && !is_plain_name(name)
    {
        c.fail(
            "name",
            format!(
                "`name` = {name:?} is not a plain folder name; it names the output folder \
                 (results/<name>), so use only letters, digits, `.`, `_` and `-`, and not `.` \
                 or `..`"
            ),
        );
    }
    table_ranges(&mut c, s);
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
    headline_rules(&mut c, s);
    c.problems.extend(uncertain_problems(s));
    if s.platforms.values().all(|p| p.markets.is_empty()) && c.problems.is_empty() {
        // Nothing to simulate: every output would be a header with no rows, marked complete.
        // Said when nothing else is wrong (a file with errors is refused for them already).
        c.fail(
            "platforms",
            "the scenario has no platform with a market, so there is nothing to simulate; add \
             a [platforms.NAME.markets.CC] table for a country CC of the scenario"
                .into(),
        );
    }
    c.problems
}

/// `[headline] markets` names markets of the scenario as `COUNTRY/platform`, and neither
/// list is empty (the measures are the app's, checked against its measure table there).
fn headline_rules(c: &mut Check, s: &Scenario) {
    let Some(h) = &s.headline else {
        return;
    };
    let all: Vec<String> = s
        .platforms
        .iter()
        .flat_map(|(p, platform)| platform.markets.keys().map(move |cc| format!("{cc}/{p}")))
        .collect();
    for (key, list) in [("markets", &h.markets), ("measures", &h.measures)] {
        if list.as_ref().is_some_and(Vec::is_empty) {
            c.fail(
                &format!("headline.{key}"),
                format!("`headline.{key}` is empty; name at least one, or leave the key out for the default"),
            );
        }
    }
    for m in h.markets.iter().flatten() {
        if !all.contains(m) {
            let near = nearest(m, &all)
                .map(|n| format!("did you mean `{n}`? "))
                .unwrap_or_default();
            c.fail(
                "headline.markets",
                format!(
                    "`headline.markets` names `{m}`, which is no market of the scenario; \
                     {near}write each as COUNTRY/platform, as in \"GB/tiktok\""
                ),
            );
        }
    }
}

fn country_rules(c: &mut Check, at: &str, k: &Country) {
    if k.creators.tail_share > 0.0 && k.creators.tail_creators < 1.0 {
        let path = format!("{at}.creators.tail_creators");
        c.fail(
            &path,
            format!(
                "`{path}` must be at least 1 when `{at}.creators.tail_share` is above 0: the \
                 tail's earnings are shared among its creators"
            ),
        );
    }
    if k.creators.min_weekly_earnings_usd.is_some() {
        let path = format!("{at}.creators.min_weekly_earnings_usd");
        c.fail(
            &path,
            format!(
                "`{path}` was removed in model 2: each creator has its own reservation wage; \
                 write `{at}.creators.reservation_usd` (its median, USD per week) and \
                 `reservation_sigma` instead"
            ),
        );
    }
    let (mean, sd) = (k.live_affinity.mean, k.live_affinity.sd);
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
    let d = &k.diffusion;
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
}

fn platform_rules(c: &mut Check, s: &Scenario, name: &str, p: &Platform) {
    let at = format!("platforms.{name}");
    let countries: Vec<String> = s.countries.keys().cloned().collect();
    for (code, m) in &p.markets {
        let at = format!("{at}.markets.{code}");
        if !s.countries.contains_key(code) {
            let hint = nearest(code, &countries)
                .map(|n| format!("did you mean `{n}`? "))
                .unwrap_or_default();
            c.fail(&at, format!("`{at}` names country `{code}`, which the scenario does not define; {hint}countries: {}", countries.join(", ")));
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
        }
        model3_market_rules(c, p, &at, m);
        if let Some(live) = &m.live
            && let Some(close) = live.close
            && close.week_from(live.launch) <= 0
        {
            let path = format!("{at}.live.close");
            c.fail(
                &path,
                format!(
                    "`{path}` = {close} must fall in a later week than `{at}.live.launch` = {}",
                    live.launch
                ),
            );
        }
        if let Some(sub) = &m.subsidy {
            if sub.policy == Policy::Roi {
                let path = format!("{at}.subsidy.policy");
                c.fail(
                    &path,
                    format!(
                        "`{path}` = \"roi\" was removed in model 2 (its measure, GMV per subsidy \
                         dollar, is 1/rate whenever the budget does not bind); use policy = \
                         \"review\" with measure = \"growth\", \"incremental\" or \
                         \"contribution\" and a review_target"
                    ),
                );
            }
            if sub.target_roi.is_some() {
                let path = format!("{at}.subsidy.target_roi");
                c.fail(
                    &path,
                    format!(
                        "`{path}` was removed in model 2 with the `roi` policy; use policy = \
                         \"review\", a `measure` and `review_target`"
                    ),
                );
            }
        }
        // A raise cannot take the rate above max_rate, nor max_rate below the rate.
        if let Some(sub) = &m.subsidy
            && let Some(max) = sub.max_rate
        {
            c.within(
                &format!("{at}.subsidy.max_rate"),
                max,
                sub.rate.clamp(0.0, 0.99),
                0.99,
            );
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

/// Model 3's rules of a market: each gate and exit measure has its threshold (and a plan to
/// read where it reads one), a review band that is a band, a plan
/// whose dates increase.
fn model3_market_rules(c: &mut Check, p: &Platform, at: &str, m: &Market) {
    if let Some(gate) = m.live.as_ref().and_then(|l| l.gate.as_ref()) {
        gate_rules(c, p, at, gate);
    }
    if let Some(exit) = &m.exit {
        exit_rules(c, at, m, exit);
    }
    review_band_rule(c, at, m);
    if let Some(plan) = &m.plan {
        plan_rules(c, at, plan);
    }
}

/// A key that a measure reads is missing.
fn needs(c: &mut Check, path: String, what: &str) {
    c.fail(&path, format!("`{path}` is required {what}; add it"));
}

/// A live gate's measure has its threshold and what it reads (the plan, or the `value`
/// reviews, of the market it names); a GMV threshold only with the GMV measure.
fn gate_rules(c: &mut Check, p: &Platform, at: &str, gate: &Gate) {
    use super::schema::GateMeasure;
    let g = format!("{at}.live.gate");
    match gate.measure {
        GateMeasure::Gmv if gate.min_weekly_gmv_usd.is_none() => needs(
            c,
            format!("{g}.min_weekly_gmv_usd"),
            "with gate measure \"gmv\" (the default)",
        ),
        GateMeasure::Contribution if gate.min_weekly_contribution_usd.is_none() => needs(
            c,
            format!("{g}.min_weekly_contribution_usd"),
            "with gate measure \"contribution\"",
        ),
        GateMeasure::Value if gate.min_value.is_none() => {
            needs(c, format!("{g}.min_value"), "with gate measure \"value\"")
        }
        GateMeasure::Plan
            if p.markets
                .get(&gate.market)
                .is_some_and(|gm| gm.plan.is_none()) =>
        {
            let path = format!("{g}.measure");
            c.fail(
                &path,
                format!(
                    "`{path}` = \"plan\" reads the plan of market {}, which has none; add \
                     a `plan` table (weekly_gmv_usd or points) to that market",
                    gate.market
                ),
            );
        }
        GateMeasure::Value => {
            let reviewed = p.markets.get(&gate.market).is_some_and(|gm| {
                gm.subsidy.as_ref().is_some_and(|s| {
                    s.policy == Policy::Review && s.measure == ReviewMeasure::Value
                })
            });
            if !reviewed {
                let path = format!("{g}.measure");
                c.fail(
                    &path,
                    format!(
                        "`{path}` = \"value\" reads the `value` reviews of market {}, which \
                         has none; give that market subsidy policy = \"review\" with measure \
                         = \"value\", or use another gate measure",
                        gate.market
                    ),
                );
            }
        }
        _ => {}
    }
    if gate.min_weekly_gmv_usd.is_some() && gate.measure != GateMeasure::Gmv {
        let path = format!("{g}.min_weekly_gmv_usd");
        c.fail(
            &path,
            format!(
                "`{path}` is read only with gate measure \"gmv\", but the measure is \
                 \"{}\"; remove it or set measure = \"gmv\"",
                gate.measure.name()
            ),
        );
    }
}

/// An exit's measure has its threshold, and the plan measure a plan to read.
fn exit_rules(c: &mut Check, at: &str, m: &Market, exit: &Exit) {
    use super::schema::ExitMeasure;
    let e = format!("{at}.exit");
    match exit.measure {
        ExitMeasure::Gmv if exit.min_weekly_gmv_usd.is_none() => needs(
            c,
            format!("{e}.min_weekly_gmv_usd"),
            "with exit measure \"gmv\" (the default)",
        ),
        ExitMeasure::Plan if exit.min_plan_share.is_none() => needs(
            c,
            format!("{e}.min_plan_share"),
            "with exit measure \"plan\"",
        ),
        ExitMeasure::Plan if m.plan.is_none() => {
            let path = format!("{e}.measure");
            c.fail(
                &path,
                format!(
                    "`{path}` = \"plan\" needs the market's plan; add a `plan` table \
                     (weekly_gmv_usd or points) to `{at}`"
                ),
            );
        }
        _ => {}
    }
}

/// A review band's high end is not below its target.
fn review_band_rule(c: &mut Check, at: &str, m: &Market) {
    if let Some(sub) = &m.subsidy
        && let Some(high) = sub.review_target_high
        && high < sub.review_target
    {
        let path = format!("{at}.subsidy.review_target_high");
        c.fail(
            &path,
            format!(
                "`{path}` = {high} is below review_target = {}; the band needs high ≥ target \
                 (equal keeps model 2's rule)",
                crate::num::Plain(sub.review_target)
            ),
        );
    }
}

/// A plan is weekly GMV or points (one of the two), the points' dates increasing and their
/// values 0 or more.
fn plan_rules(c: &mut Check, at: &str, plan: &Plan) {
    let path = format!("{at}.plan");
    match (&plan.weekly_gmv_usd, &plan.points) {
        (None, None) => c.fail(
            &path,
            format!("`{path}` needs `weekly_gmv_usd` or `points`; add one"),
        ),
        (Some(_), Some(_)) => c.fail(
            &path,
            format!("`{path}` has both `weekly_gmv_usd` and `points`; keep one"),
        ),
        (None, Some(points)) => {
            if points.is_empty() || points.windows(2).any(|w| w[1].0 <= w[0].0) {
                c.fail(
                    &format!("{path}.points"),
                    format!(
                        "`{path}.points` must hold at least one [date, USD] point, dates \
                         increasing"
                    ),
                );
            }
            if points.iter().any(|(_, v)| !(v.is_finite() && *v >= 0.0)) {
                c.fail(
                    &format!("{path}.points"),
                    format!("`{path}.points` values are weekly GMV in USD, 0 or more"),
                );
            }
        }
        (Some(_), None) => {}
    }
}

/// Validation of the `[uncertain]` table against the scenario: problems as (dotted path of
/// the entry, message), like every other rule.
fn uncertain_problems(s: &Scenario) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if s.uncertain.is_empty() {
        return out;
    }
    let all = params(s);
    for (path, u) in &s.uncertain {
        let at = format!("uncertain.{path}");
        if let Err(e) = lookup(&all, path) {
            out.push((at, format!("[uncertain]: {e}")));
            continue;
        }
        let b = match bounds_of(path) {
            Ok(b) => b,
            Err(e) => {
                out.push((at, format!("[uncertain]: {e}")));
                continue;
            }
        };
        let m = mass(&u.dist, &b);
        if m.is_nan() || m <= MIN_MASS {
            out.push((
                at,
                format!(
                    "[uncertain]: `{path}` ~ {} puts no probability inside the parameter's \
                     valid range {b}, so there is nothing to draw; move the distribution into \
                     the range",
                    u.dist
                ),
            ));
        }
    }
    out
}
