//! The report's section on uncertain parameters, drawn as factors: the parameters of an
//! `[uncertain]` group share one draw per trial (they move together), so a group is one
//! factor and an ungrouped parameter is its own. Each live market's total GMV is ranked
//! against each factor by Spearman's ρ; the strongest relations are drawn (a dot per trial)
//! and every one is in a table.

use super::charts;
use super::html::{Group, Section, Table, slug};
use super::read::Folder;
use super::read::{GMV, values};
use crate::format::Unit;
use crate::results::trials::PointResults;
use std::collections::BTreeMap;

/// Relations drawn as charts, the strongest by |ρ|; the rest are in the table.
pub const DRAWN: usize = 12;

/// One factor: its name (the group's, or the parameter's path) and its members' columns
/// of draws.csv.
#[derive(Debug, Clone)]
struct Factor {
    name: String,
    members: Vec<usize>,
}

/// The factors of draws.csv's columns, in the order they first appear: by the manifest's
/// `[uncertain]` groups.
fn factors(f: &Folder, names: &[String]) -> Vec<Factor> {
    let mut out: Vec<Factor> = Vec::new();
    for (j, path) in names.iter().enumerate() {
        let name = f.uncertain_group(path).unwrap_or_else(|| path.clone());
        match out.iter_mut().find(|x| x.name == name) {
            Some(x) => x.members.push(j),
            None => out.push(Factor {
                name,
                members: vec![j],
            }),
        }
    }
    out
}

/// The member of a factor that belongs to market `country` `platform` (its path names
/// them), else its first: the value a chart puts on its axis. Members are comonotone, so
/// the rank correlation is the same whichever is taken, up to ties.
fn member_for(names: &[String], factor: &Factor, country: &str, platform: &str) -> usize {
    let of_country = |p: &str| {
        p.starts_with(&format!("countries.{country}."))
            || (p.starts_with(&format!("platforms.{platform}."))
                && p.contains(&format!(".markets.{country}.")))
    };
    factor
        .members
        .iter()
        .copied()
        .find(|&j| of_country(&names[j]))
        .or_else(|| {
            factor
                .members
                .iter()
                .copied()
                .find(|&j| names[j].starts_with(&format!("platforms.{platform}.")))
        })
        .unwrap_or(factor.members[0])
}

/// Spearman's rank correlation of the pairs (average ranks for ties); None when either
/// side is constant.
pub fn spearman(xy: &[(f64, f64)]) -> Option<f64> {
    fn ranks(v: Vec<f64>) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        let mut r = vec![0.0; v.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
                j += 1;
            }
            for &k in &idx[i..=j] {
                r[k] = (i + j) as f64 / 2.0;
            }
            i = j + 1;
        }
        r
    }
    let rx = ranks(xy.iter().map(|p| p.0).collect());
    let ry = ranks(xy.iter().map(|p| p.1).collect());
    let m = (xy.len() as f64 - 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - m) * (b - m);
        sxx += (a - m) * (a - m);
        syy += (b - m) * (b - m);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// `countries.GB.live_affinity.mean` → `GB.live_affinity.mean`; `platforms.tiktok.markets.GB.
/// subsidy.rate` → `tiktok.GB.subsidy.rate`.
pub fn short(path: &str) -> String {
    let p = path
        .strip_prefix("countries.")
        .or_else(|| path.strip_prefix("platforms."))
        .unwrap_or(path);
    p.replacen(".markets.", ".", 1)
}

/// `r`, with values that show as zero at two decimals made zero (never "-0.00").
fn no_negative_zero(r: f64) -> f64 {
    if r.abs() < 0.005 { 0.0 } else { r }
}

/// One market against one factor.
struct Relation {
    factor: usize,
    series: usize,
    /// The draws.csv column on the chart's axis.
    member: usize,
    xy: Vec<(f64, f64)>,
    rho: Option<f64>,
}

/// Each live market's total GMV against each factor, one dot per trial of the reported
/// point, from `draws.csv`; None when the folder has no draws.
pub fn section(
    f: &Folder,
    point: &PointResults,
    colour: &dyn Fn(&str) -> &'static str,
) -> Option<Section> {
    let (names, draws) = read_draws(f)?;
    let gmv = f.metric(GMV)?;
    let factors = factors(f, &names);
    let live: Vec<usize> = (0..point.series.len())
        .filter(|&s| values(point, s, gmv).iter().any(|v| *v != 0.0))
        .collect();
    let relations = relate(point, &names, &draws, &factors, &live, gmv);
    let order = strongest(&relations);
    let u = Uncertain {
        point,
        names,
        factors,
        live,
        relations,
        order,
    };
    let grouped = u.factors.iter().filter(|x| x.members.len() > 1).count();
    let mut sec = Section {
        id: "uncertain".into(),
        title: "Uncertain parameters".into(),
        intro: format!(
            "Each trial drew its own values of {} parameter(s) (draws.csv) through {} \
             factor(s): the parameters of a group share one draw, so they move together and \
             count as one factor ({grouped} group(s) here). ρ is Spearman's rank correlation \
             of a market's total GMV with a factor across trials, how closely the outcome \
             follows it (±1: in lockstep; 0: not at all). The {} strongest relations are \
             drawn, one dot per trial; the table lists them all, * marking those drawn.",
            u.names.len(),
            u.factors.len(),
            u.order.len()
        ),
        ..Section::default()
    };
    sec.groups.push(u.factors_group());
    sec.groups.push(u.strongest_group(colour));
    sec.groups.push(u.table_group());
    Some(sec)
}

/// Each factor against each live market (factor by factor, markets in order), from the
/// trials of the point that have both a draw and a GMV.
fn relate(
    point: &PointResults,
    names: &[String],
    draws: &DrawsByTrial,
    factors: &[Factor],
    live: &[usize],
    gmv: usize,
) -> Vec<Relation> {
    let mut relations: Vec<Relation> = Vec::new();
    for (k, factor) in factors.iter().enumerate() {
        for &s in live {
            let (c, pl) = &point.series[s];
            let member = member_for(names, factor, c, pl);
            let xy: Vec<(f64, f64)> = point.trials[s]
                .iter()
                .filter_map(|(trial, (_, v))| Some((draws.get(trial)?[member]?, v[gmv]?)))
                .collect();
            let rho = spearman(&xy);
            relations.push(Relation {
                factor: k,
                series: s,
                member,
                xy,
                rho,
            });
        }
    }
    relations
}

/// The relations drawn: those with a ρ, strongest first (ties in the order of the table:
/// factor, then market), at most [`DRAWN`].
fn strongest(relations: &[Relation]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..relations.len())
        .filter(|&i| relations[i].rho.is_some())
        .collect();
    order.sort_by(|&a, &b| {
        let strength = |i: usize| relations[i].rho.map_or(0.0, f64::abs);
        strength(b).total_cmp(&strength(a)).then(a.cmp(&b))
    });
    order.truncate(DRAWN);
    order
}

/// What the section's groups are drawn from.
struct Uncertain<'a> {
    point: &'a PointResults,
    /// draws.csv's parameter paths.
    names: Vec<String>,
    factors: Vec<Factor>,
    /// The series with some GMV.
    live: Vec<usize>,
    relations: Vec<Relation>,
    /// The relations drawn ([`strongest`]).
    order: Vec<usize>,
}

impl Uncertain<'_> {
    /// The factors, each with the parameters that move together in it.
    fn factors_group(&self) -> Group {
        let names = &self.names;
        Group {
            id: "uncertain-factors".into(),
            title: "Factors".into(),
            items: self
                .factors
                .iter()
                .map(|x| {
                    if x.members.len() == 1 {
                        format!("{}: one parameter", x.name)
                    } else {
                        format!(
                            "{}: {} parameters moving together ({})",
                            x.name,
                            x.members.len(),
                            x.members
                                .iter()
                                .map(|&j| short(&names[j]))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                })
                .collect(),
            ..Group::default()
        }
    }

    /// The strongest relations as scatter charts, one dot per trial.
    fn strongest_group(&self, colour: &dyn Fn(&str) -> &'static str) -> Group {
        let (factors, names) = (&self.factors, &self.names);
        let charts = self
            .order
            .iter()
            .map(|&i| {
                let r = &self.relations[i];
                let (c, pl) = &self.point.series[r.series];
                let factor = &factors[r.factor].name;
                let param = &names[r.member];
                let via = if factors[r.factor].members.len() > 1 {
                    format!(" (factor {factor})")
                } else {
                    String::new()
                };
                charts::scatter(
                    slug(&format!("uncertain-gmv_usd-{c}-{pl}-vs-{factor}")),
                    &format!("Total GMV · {c} {pl}"),
                    &format!(
                        "against the drawn {}{via}, ρ = {:.2}",
                        short(param),
                        no_negative_zero(r.rho.unwrap_or(0.0))
                    ),
                    param,
                    &r.xy,
                    Unit::Usd,
                    "USD over the run",
                    colour(pl),
                )
            })
            .collect();
        Group {
            id: "uncertain-strongest".into(),
            title: "The strongest relations".into(),
            charts,
            ..Group::default()
        }
    }

    /// Every live market against every factor: ρ, * on those drawn.
    fn table_group(&self) -> Group {
        let relations = &self.relations;
        let mut header = vec!["market".to_string()];
        header.extend(self.factors.iter().map(|x| x.name.clone()));
        let rows = self
            .live
            .iter()
            .map(|&s| {
                let (c, pl) = &self.point.series[s];
                let mut row = vec![format!("{c} {pl}")];
                for k in 0..self.factors.len() {
                    let i = relations
                        .iter()
                        .position(|r| r.factor == k && r.series == s)
                        .expect("a relation per factor and market");
                    let mark = if self.order.contains(&i) { " *" } else { "" };
                    row.push(relations[i].rho.map_or("n/a".to_string(), |r| {
                        format!("{:.2}{mark}", no_negative_zero(r))
                    }));
                }
                row
            })
            .collect();
        Group {
            id: "uncertain-table".into(),
            title: "Every market against every factor: ρ".into(),
            tables: vec![Table { header, rows }],
            ..Group::default()
        }
    }
}

/// Each trial's drawn values, in draws.csv's column order.
type DrawsByTrial = BTreeMap<u64, Vec<Option<f64>>>;

/// `draws.csv` of the reported point: the parameter names and each trial's values (None for
/// a cell that is not a number); None without the file.
fn read_draws(f: &Folder) -> Option<(Vec<String>, DrawsByTrial)> {
    let path = crate::results::ResultDir::new(&f.dir).draws_csv();
    let (mut rdr, dialect) = crate::format::Dialect::reader(&path).ok()?;
    let header: Vec<String> = rdr.headers().ok()?.iter().map(String::from).collect();
    let at = |name: &str| header.iter().position(|h| h == name);
    let (trial, seed) = (at("trial")?, at("seed")?);
    let point_col = at("point");
    let mut draws = BTreeMap::new();
    for row in rdr.records() {
        let row = row.ok()?;
        if let Some(p) = point_col
            && row.get(p).and_then(|v| v.parse::<usize>().ok()) != Some(f.point)
        {
            continue;
        }
        let k: u64 = row.get(trial)?.parse().ok()?;
        let values = (seed + 1..header.len())
            .map(|i| row.get(i).and_then(|c| dialect.parse(c)))
            .collect();
        draws.insert(k, values);
    }
    Some((header[seed + 1..].to_vec(), draws))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_is_one_for_a_monotone_relation_and_minus_one_reversed() {
        let up: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, (i * i) as f64)).collect();
        assert!((spearman(&up).unwrap() - 1.0).abs() < 1e-12);
        let down: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, -(i as f64).exp())).collect();
        assert!((spearman(&down).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(spearman(&[(1.0, 2.0), (1.0, 3.0)]), None);
    }

    #[test]
    fn a_factor_is_drawn_through_the_member_of_the_markets_country() {
        let names: Vec<String> = [
            "countries.AA.live_affinity.mean",
            "countries.BB.live_affinity.mean",
            "platforms.alpha.markets.BB.subsidy.rate",
        ]
        .map(String::from)
        .to_vec();
        let f = Factor {
            name: "g".into(),
            members: vec![0, 1, 2],
        };
        assert_eq!(member_for(&names, &f, "BB", "beta"), 1);
        assert_eq!(member_for(&names, &f, "CC", "beta"), 0);
        let g = Factor {
            name: "h".into(),
            members: vec![2],
        };
        assert_eq!(member_for(&names, &g, "BB", "alpha"), 2);
    }
}
