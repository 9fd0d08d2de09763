//! Parameter paths: every scenario value named by a dotted path
//! (`platforms.tiktok.markets.GB.subsidy.rate`), its type and unit, and overrides applied by
//! path (`--set`, sweeps) through the same parsing and validation as the file.
//!
//! An override edits the scenario as a TOML tree with every default filled in, then reads the
//! tree back as a [`Scenario`] and validates it, so every range rule applies to overridden and
//! swept values exactly as to values in the file.

//!
//! The key table lives in `keys.rs` and the tree and its paths in `paths.rs`; this module is
//! their public face, and adds the overrides, which validate (so it sits above validation).

pub use super::keys::{DefaultValue, KEYS, Key, Kind, Range, markdown, parse_value, spec_of};
pub use super::paths::{Difference, Param, diff, find, lookup, params, tree};

use super::date::Date;
use super::names::{nearest, schema_message};
use super::schema::Scenario;
use super::validate;

/// Converts `value` to the parameter's type (a whole float to an integer, a date to text) or
/// says why it cannot be one.
pub fn coerce(param: &Param, value: &toml::Value) -> Result<toml::Value, String> {
    use toml::Value as V;
    let path = &param.path;
    let shown = show(value);
    match (param.kind, value) {
        (Kind::Number, V::Integer(_) | V::Float(_)) => Ok(value.clone()),
        (Kind::Integer, V::Integer(_)) => Ok(value.clone()),
        (Kind::Integer, V::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
            Ok(V::Integer(*f as i64))
        }
        (Kind::Integer, _) => Err(format!(
            "`{path}` takes a whole number ({}); {shown} is not one",
            param.unit
        )),
        (Kind::Number, _) => Err(format!(
            "`{path}` takes a number ({}); {shown} is not one",
            param.unit
        )),
        (Kind::Text, V::String(_)) | (Kind::List, V::Array(_)) => Ok(value.clone()),
        (Kind::Text, _) => Err(format!("`{path}` takes text; {shown} is not text")),
        (Kind::List, _) => Err(format!(
            "`{path}` takes a list such as [\"a\", \"b\"]; {shown} is not one"
        )),
        (Kind::Choice(words), V::String(w)) if words.contains(&w.as_str()) => Ok(value.clone()),
        (Kind::Choice(words), _) => {
            let valid: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            let hint = nearest(&shown, &valid)
                .map(|b| format!("did you mean `{b}`? "))
                .unwrap_or_default();
            Err(format!(
                "`{path}` cannot be {shown}; {hint}use one of {}",
                valid
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
        (Kind::Date, V::Datetime(_) | V::String(_)) => {
            let text = match value {
                V::String(s) => s.clone(),
                other => other.to_string(),
            };
            text.parse::<Date>()
                .map(|d| V::String(d.to_string()))
                .map_err(|e| format!("`{path}`: {e}"))
        }
        (Kind::Date, _) => Err(format!(
            "`{path}` takes a date such as 2022-03-01; {shown} is not one"
        )),
        (Kind::Flag, V::Boolean(_)) | (Kind::Points, V::Array(_)) => Ok(value.clone()),
        (Kind::Flag, _) => Err(format!("`{path}` takes true or false; {shown} is neither")),
        (Kind::Points, _) => Err(format!(
            "`{path}` takes a list such as [[2022-01-03, 1e6], [2022-06-27, 3e6]]; {shown} is not one"
        )),
    }
}

/// A value as a person (and a spreadsheet cell) reads it: numbers in plain decimals, text
/// without quotes.
pub fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Float(f) => crate::num::Plain(*f).to_string(),
        other => other.to_string(),
    }
}

/// The scenario with `values` set (each a path that [`find`] accepted and a value that
/// [`coerce`] returned), read back and validated. Problems come as (path, message).
pub fn apply(
    base: &toml::Table,
    values: &[(&str, &toml::Value)],
) -> Result<Scenario, Vec<(String, String)>> {
    let mut t = base.clone();
    for (path, value) in values {
        set(&mut t, path, (*value).clone());
    }
    let scenario: Scenario = match toml::Value::Table(t).try_into() {
        Ok(s) => s,
        Err(e) => {
            // Say which value the schema refused: try them one at a time.
            let culprit = values
                .iter()
                .find(|(path, value)| {
                    let mut one = base.clone();
                    set(&mut one, path, (*value).clone());
                    toml::Value::Table(one).try_into::<Scenario>().is_err()
                })
                .map_or(String::new(), |(path, _)| path.to_string());
            let (within, key) = match culprit.rsplit_once('.') {
                Some((table, _)) => (format!("in [{table}]"), culprit.clone()),
                None => ("at the top level".to_string(), culprit.clone()),
            };
            return Err(vec![(
                culprit,
                schema_message(e.message().trim(), &within, &key),
            )]);
        }
    };
    let problems = validate::validate(&scenario);
    if problems.is_empty() {
        Ok(scenario)
    } else {
        Err(problems)
    }
}

fn set(t: &mut toml::Table, path: &str, value: toml::Value) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().expect("a path has a key");
    let mut table = t;
    for part in parts {
        table = table
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .expect("the parent of a parameter is a table");
    }
    table.insert(last.to_string(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Scenario {
        Scenario::from_toml_str(
            include_str!("../../../../tests/data/small.toml"),
            "small.toml",
        )
        .unwrap()
    }

    #[test]
    fn diff_names_an_uncertain_distribution_added_or_changed() {
        let with = |table: &str| {
            let text = format!(
                "{}\n[uncertain]\n{table}\n",
                include_str!("../../../../tests/data/small.toml")
            );
            Scenario::from_toml_str(&text, "small.toml").unwrap()
        };
        let a = with(r#""countries.AA.lapse" = { dist = "uniform", min = 0.1, max = 0.3 }"#);
        let b = with(r#""countries.AA.lapse" = { dist = "uniform", min = 0.1, max = 0.4 }"#);
        assert!(diff(&a, &a).is_empty());
        let d = diff(&a, &b);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].path, "uncertain.countries.AA.lapse");
        let d = diff(&small(), &a);
        assert_eq!(
            (d.len(), d[0].a.is_none(), d[0].b.is_some()),
            (1, true, true),
            "{d:?}"
        );
    }

    #[test]
    fn every_parameter_of_the_bundled_scenarios_has_a_type_and_unit() {
        for s in [small(), Scenario::baseline()] {
            let ps = params(&s);
            assert!(ps.len() > 100, "{}", ps.len());
            for p in ps {
                assert!(spec_of(&p.path).is_some(), "{} has no entry", p.path);
            }
        }
    }

    #[test]
    fn a_key_left_out_takes_the_default_of_the_key_table() {
        let text = "start = 2021-01-04\nweeks = 4\n\
            [countries.AA]\npopulation = 1e6\n[countries.BB]\npopulation = 1e6\n\
            [platforms.p.markets.BB]\n[platforms.q.markets.BB]\n[platforms.q.markets.AA]\n\
            live = { launch = 2021-02-01, gate = { market = \"BB\", min_weekly_gmv_usd = 1 } }\n\
            subsidy = { rate = 0.1 }\nexit = { min_weekly_gmv_usd = 1, patience_weeks = 2 }\n\
            poaching = { from = [\"p\"], weekly_budget_usd = 1 }\n";
        let s = Scenario::from_toml_str(text, "minimal.toml").unwrap();
        let mut checked = 0;
        for p in params(&s) {
            let key = spec_of(&p.path).unwrap();
            if let DefaultValue::Is(text) = key.default {
                let want = parse_value(text);
                let got = p.value.clone().unwrap();
                let same = match (&want, &got) {
                    (toml::Value::Integer(a), toml::Value::Float(b)) => *a as f64 == *b,
                    (a, b) => a == b,
                };
                assert!(same, "{}: {got} is not the table's {want}", p.path);
                checked += 1;
            }
        }
        // Every key with a default value, once per country, platform or market.
        let with_default = KEYS
            .iter()
            .filter(|k| matches!(k.default, DefaultValue::Is(_)))
            .count();
        assert!(checked >= with_default, "{checked} of {with_default}");
    }

    #[test]
    fn lists_values_defaults_and_unset_optional_keys() {
        let ps = params(&small());
        let get = |path: &str| ps.iter().find(|p| p.path == path).cloned();
        let rate = get("platforms.alpha.markets.AA.subsidy.rate").unwrap();
        assert_eq!(rate.value, Some(toml::Value::Float(0.2)));
        assert_eq!(
            (rate.kind, rate.unit),
            (Kind::Number, "share of order value")
        );
        // A default the file leaves out.
        let rewire = get("countries.AA.diffusion.rewire").unwrap();
        assert_eq!(rewire.value, Some(toml::Value::Float(0.1)));
        // An optional key left unset.
        assert_eq!(
            get("platforms.alpha.markets.BB.subsidy.max_rate")
                .unwrap()
                .value,
            None
        );
        assert!(get("platforms.beta.markets.AA.subsidy.rate").is_none());
        assert!(ps.iter().all(|p| !p.path.starts_with("sweep")));
    }

    #[test]
    fn a_misspelt_path_names_the_nearest_ones() {
        let err = find(&small(), "countries.AA.live_afinity.mean").unwrap_err();
        assert!(
            err.starts_with(
                "unknown parameter `countries.AA.live_afinity.mean`; nearest: \
                 `countries.AA.live_affinity.mean`"
            ),
            "{err}"
        );
        let err = find(&small(), "platforms.beta.markets.AA.subsidy.rate").unwrap_err();
        assert!(
            err.contains("the scenario has no `platforms.beta.markets.AA.subsidy` table"),
            "{err}"
        );
    }

    #[test]
    fn values_read_as_toml_or_text() {
        assert_eq!(parse_value("0.3"), toml::Value::Float(0.3));
        assert_eq!(parse_value("12"), toml::Value::Integer(12));
        assert_eq!(
            parse_value("well_mixed"),
            toml::Value::String("well_mixed".into())
        );
        assert_eq!(parse_value("\"a b\""), toml::Value::String("a b".into()));
        assert!(matches!(
            parse_value("2022-03-01"),
            toml::Value::Datetime(_)
        ));
    }

    #[test]
    fn overrides_go_through_the_scenario_rules() {
        let s = small();
        let base = tree(&s);
        let share = toml::Value::Float(1.5);
        let problems = apply(&base, &[("countries.AA.online_share", &share)]).unwrap_err();
        assert_eq!(
            problems,
            vec![(
                "countries.AA.online_share".to_string(),
                "`countries.AA.online_share` = 1.5 is out of range; it must be above 0 and at \
                 most 1"
                    .to_string()
            )]
        );
        let net = toml::Value::String("well_mixed".into());
        let changed = apply(&base, &[("countries.AA.diffusion.network", &net)]).unwrap();
        assert_eq!(
            changed.countries["AA"].diffusion.network,
            crate::scenario::Network::WellMixed
        );
        // Unchanged when nothing is set: the tree round-trips.
        let same = apply(&base, &[]).unwrap();
        assert_eq!(tree(&same), base);
    }

    #[test]
    fn values_are_coerced_to_the_parameter_type() {
        let s = small();
        let agents = find(&s, "countries.AA.agents").unwrap();
        assert_eq!(
            coerce(&agents, &toml::Value::Float(3000.0)),
            Ok(toml::Value::Integer(3000))
        );
        assert_eq!(
            coerce(&agents, &toml::Value::Float(2.5)).unwrap_err(),
            "`countries.AA.agents` takes a whole number (consumer agents); 2.5 is not one"
        );
        let net = find(&s, "countries.AA.diffusion.network").unwrap();
        assert_eq!(
            coerce(&net, &toml::Value::String("smallworld".into())).unwrap_err(),
            "`countries.AA.diffusion.network` cannot be smallworld; did you mean `small_world`? \
             use one of `random`, `small_world`, `well_mixed`"
        );
        let launch = find(&s, "platforms.alpha.markets.AA.live.launch").unwrap();
        assert_eq!(
            coerce(&launch, &parse_value("2021-02-01")),
            Ok(toml::Value::String("2021-02-01".into()))
        );
    }
}
