//! What a run was asked to do, as recorded in its manifest: enough to rebuild its plan for
//! `--resume`, `summarize` and `merge`, and to tell whether two runs are the same run. Data
//! only: the plan layer turns a recipe into a plan ([`crate::sweep::plan_recipe`]).

use crate::format::Dialect;
use crate::scenario::Design;
use crate::scenario::{BASELINE_TOML, Scenario, SourceFile};
use anyhow::Result;
use serde::{Deserialize, Serialize};

/// Name given to the bundled baseline in place of a file.
pub const BUNDLED: &str = "<bundled baseline>";

/// One shard of a run: the `index`-th (1-based) of `count` equal slices of its runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parses `K/N` (1 ≤ K ≤ N).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || "expected K/N with 1 <= K <= N, as in 2/8".to_string();
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The runs of this shard among `runs`: a contiguous slice, so shards in order hold the
    /// runs in order, and (runs being trial-major) every point gets the same share of work.
    pub fn range(self, runs: u64) -> std::ops::Range<u64> {
        let at = |k: u64| (u128::from(runs) * u128::from(k) / u128::from(self.count)) as u64;
        at(u64::from(self.index) - 1)..at(u64::from(self.index))
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What the command line says about overrides and the sweep.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SweepOptions {
    /// `PATH=VALUE`, applied to the scenario before the sweep.
    pub set: Vec<String>,
    /// `PATH=V1,V2,...`, `PATH=FROM:TO:STEP` or `PATH=MIN..MAX`; added to the file's
    /// `[sweep]` parameters (replacing one with the same path).
    pub vary: Vec<String>,
    /// Replaces the file's `[sweep] design`.
    pub design: Option<Design>,
    /// Replaces the file's `[sweep] samples`.
    pub samples: Option<u32>,
    /// Replaces the file's `[sweep] seed`.
    pub design_seed: Option<u64>,
    /// Replaces the file's `[sweep] trajectories` (morris).
    pub trajectories: Option<u32>,
    /// Replaces the file's `[sweep] levels` (morris).
    pub levels: Option<u32>,
    /// Ignore the file's `[sweep]` table.
    pub no_sweep: bool,
    /// Build the plan even when its points would take more memory than the machine has
    /// (`--allow-memory`). Recorded, so the commands that rebuild the plan from the manifest
    /// (`summarize`, `merge`, `report`) honour the decision; not part of what a run is.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_memory: bool,
}

/// The prefix of a swept path that names a distribution's parameter in `[uncertain]`.
pub const UNCERTAIN_PREFIX: &str = "uncertain.";

/// A swept `uncertain.PATH.KEY` as (PATH, KEY); None for a scenario value's path.
pub fn uncertain_key(path: &str) -> Option<(&str, &str)> {
    path.strip_prefix(UNCERTAIN_PREFIX)?.rsplit_once('.')
}

/// A posterior as a run recorded it: the file, what named it, and its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PosteriorSource {
    /// The file read, as named (for messages).
    pub file: String,
    /// What named it: `--posterior`, or the place of the scenario's key (`file:line:col`).
    pub named_by: String,
    /// SHA-256 of the text, which the manifest shows and runs are compared by.
    pub sha256: String,
    /// The text read.
    pub text: String,
}

/// The scenario text and every option that shapes a run's results (threads, output folder,
/// progress and the like do not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    /// The scenario file as given, or [`BUNDLED`]; for messages only.
    pub scenario_file: String,
    /// The scenario text the run read.
    pub scenario_text: String,
    /// The files the scenario extends (`extends`), nearest first, with the text the run read:
    /// a resume rebuilds the scenario from these, and refuses when one has changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenario_parents: Vec<SourceFile>,
    /// `--set`, `--vary` and the design options.
    #[serde(flatten)]
    pub sweep: SweepOptions,
    /// `--seed`, replacing the scenario's.
    pub seed: Option<u64>,
    /// `--trials`, replacing the scenario's.
    pub trials: Option<u64>,
    pub first_trial: u64,
    pub weekly_trials: bool,
    /// `--creators`: keep every creator's end state and write `creators.csv`.
    #[serde(default)]
    pub creators: bool,
    pub shard: Option<Shard>,
    /// `--csv-dialect`; left out of the manifest when standard, as older manifests are.
    #[serde(default, skip_serializing_if = "Dialect::is_standard")]
    pub csv_dialect: Dialect,
    /// The posterior the trials take their particles from (`--posterior`, or the scenario's
    /// `[uncertain] posterior`), with its text: read once, when the run begins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<PosteriorSource>,
    /// `--no-uncertain`: the scenario's `[uncertain]` table and posterior are ignored.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_uncertain: bool,
}

impl Recipe {
    /// A recipe of the bundled baseline or of a scenario file's text, with no options.
    pub fn new(scenario_file: String, scenario_text: String) -> Recipe {
        Recipe {
            scenario_file,
            scenario_text,
            scenario_parents: Vec::new(),
            sweep: SweepOptions::default(),
            seed: None,
            trials: None,
            first_trial: 0,
            weekly_trials: false,
            creators: false,
            shard: None,
            csv_dialect: Dialect::Standard,
            posterior: None,
            no_uncertain: false,
        }
    }

    /// The bundled baseline.
    pub fn baseline() -> Recipe {
        Recipe::new(BUNDLED.to_string(), BASELINE_TOML.to_string())
    }

    /// The scenario composed from the recorded texts, and the chain it was merged from.
    pub fn compose(&self) -> Result<(Scenario, crate::scenario::Composed)> {
        let parents = &self.scenario_parents;
        let mut recorded = |file: &str| {
            parents
                .iter()
                .find(|p| p.file == file)
                .map(|p| p.text.clone())
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        };
        Ok(Scenario::compose(
            &self.scenario_file,
            &self.scenario_text,
            &mut recorded,
        )?)
    }

    /// How `other` differs from this recipe, one phrase per difference (empty when they
    /// describe the same runs), naming each side by its label. The scenario file's name is not
    /// compared, its text is; the shard is compared only when `shard` is set.
    pub fn differences(&self, other: &Recipe, shard: bool, labels: (&str, &str)) -> Vec<String> {
        let (here, there) = labels;
        let mut d = Vec::new();
        if self.scenario_text != other.scenario_text {
            d.push(format!(
                "the scenario text differs ({} in {here}, {} in {there})",
                self.scenario_file, other.scenario_file
            ));
        }
        let texts = |r: &Recipe| -> Vec<String> {
            r.scenario_parents.iter().map(|p| p.text.clone()).collect()
        };
        if texts(self) != texts(other) {
            let names = |r: &Recipe| -> String {
                let n: Vec<&str> = r.scenario_parents.iter().map(|p| p.file.as_str()).collect();
                if n.is_empty() {
                    "none".to_string()
                } else {
                    n.join(", ")
                }
            };
            d.push(format!(
                "the text of a file the scenario extends differs ({} in {here}, {} in {there})",
                names(self),
                names(other)
            ));
        }
        let mut field = |name: &str, a: String, b: String| {
            if a != b {
                d.push(format!("{name} is {a} in {here} but {b} in {there}"));
            }
        };
        field("--set", list(&self.sweep.set), list(&other.sweep.set));
        field("--vary", list(&self.sweep.vary), list(&other.sweep.vary));
        field(
            "--design",
            given(&self.sweep.design),
            given(&other.sweep.design),
        );
        field(
            "--samples",
            given(&self.sweep.samples),
            given(&other.sweep.samples),
        );
        field(
            "--design-seed",
            given(&self.sweep.design_seed),
            given(&other.sweep.design_seed),
        );
        field(
            "--trajectories",
            given(&self.sweep.trajectories),
            given(&other.sweep.trajectories),
        );
        field(
            "--levels",
            given(&self.sweep.levels),
            given(&other.sweep.levels),
        );
        field(
            "--no-sweep",
            yes(self.sweep.no_sweep),
            yes(other.sweep.no_sweep),
        );
        field(
            "--no-uncertain",
            yes(self.no_uncertain),
            yes(other.no_uncertain),
        );
        field("--seed", given(&self.seed), given(&other.seed));
        field("--trials", given(&self.trials), given(&other.trials));
        field(
            "--first-trial",
            self.first_trial.to_string(),
            other.first_trial.to_string(),
        );
        field(
            "--weekly-trials",
            yes(self.weekly_trials),
            yes(other.weekly_trials),
        );
        field(
            "--csv-dialect",
            self.csv_dialect.name().to_string(),
            other.csv_dialect.name().to_string(),
        );
        field("--creators", yes(self.creators), yes(other.creators));
        if shard {
            field(
                "--shard",
                self.shard.map_or("not given".into(), |s| s.to_string()),
                other.shard.map_or("not given".into(), |s| s.to_string()),
            );
        }
        let sha = |r: &Recipe| r.posterior.as_ref().map(|p| p.sha256.clone());
        if sha(self) != sha(other) {
            let shown = |r: &Recipe| {
                r.posterior.as_ref().map_or("none".to_string(), |p| {
                    format!("{} with sha256 {}", p.file, &p.sha256[..12])
                })
            };
            d.push(format!(
                "the posterior differs ({} in {here}, {} in {there}): the trials take their \
                 parameters from it, so it must be the text the run began with; restore that \
                 file",
                shown(self),
                shown(other)
            ));
        }
        d
    }
}

fn given<T: std::fmt::Debug>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or("not given".to_string(), |x| format!("{x:?}").to_lowercase())
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "not given".to_string()
    } else {
        v.join(" ")
    }
}

fn yes(b: bool) -> String {
    (if b { "given" } else { "not given" }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_run_once_in_order() {
        for runs in [0u64, 1, 7, 100, 1001] {
            for count in 1..=9 {
                let mut next = 0;
                for index in 1..=count {
                    let r = Shard { index, count }.range(runs);
                    assert_eq!(r.start, next, "runs {runs}, shard {index}/{count}");
                    assert!(r.end - r.start <= runs / u64::from(count) + 1);
                    next = r.end;
                }
                assert_eq!(next, runs);
            }
        }
    }

    #[test]
    fn shard_parsing() {
        assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
        for bad in ["0/4", "5/4", "2", "a/4", "2/", "1/0"] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.contains("expected K/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn differences_name_the_option() {
        let a = Recipe::baseline();
        let mut b = a.clone();
        let labels = ("this command", "out/");
        assert!(a.differences(&b, true, labels).is_empty());
        b.trials = Some(10);
        b.shard = Some(Shard { index: 1, count: 2 });
        assert_eq!(
            a.differences(&b, false, labels),
            ["--trials is not given in this command but 10 in out/"]
        );
        assert_eq!(
            a.differences(&b, true, labels)[1],
            "--shard is not given in this command but 1/2 in out/"
        );
        // A resume or a merge in another dialect would mix two in one file.
        let mut c = a.clone();
        c.csv_dialect = Dialect::DecimalComma;
        assert_eq!(
            a.differences(&c, false, labels),
            ["--csv-dialect is standard in this command but decimal-comma in out/"]
        );
        // A manifest of an older livemarket has no csv_dialect: standard.
        let json = serde_json::to_value(&a).unwrap();
        assert!(json.get("csv_dialect").is_none());
        let back: Recipe = serde_json::from_value(json).unwrap();
        assert_eq!(back.csv_dialect, Dialect::Standard);
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["csv_dialect"], "decimal-comma");
        // A posterior is compared by its text's hash, not by the name it was given by.
        let source = |file: &str, text: &str| PosteriorSource {
            file: file.to_string(),
            named_by: "--posterior".to_string(),
            sha256: crate::results::files::sha256_hex(text),
            text: text.to_string(),
        };
        let (mut p, mut q) = (a.clone(), a.clone());
        p.posterior = Some(source("cal/posterior.csv", "particle,weight,x.y\n0,1,2\n"));
        q.posterior = Some(source(
            "./cal/posterior.csv",
            "particle,weight,x.y\n0,1,2\n",
        ));
        assert!(p.differences(&q, true, labels).is_empty());
        q.posterior = Some(source("cal/posterior.csv", "particle,weight,x.y\n0,1,3\n"));
        let d = p.differences(&q, true, labels);
        assert!(
            d.len() == 1
                && d[0].starts_with("the posterior differs (cal/posterior.csv with sha256 "),
            "{d:?}"
        );
        assert!(
            a.differences(&p, true, labels)[0]
                .starts_with("the posterior differs (none in this command"),
        );
        // A manifest without a posterior reads as a run without one.
        assert!(serde_json::to_value(&a).unwrap().get("posterior").is_none());
    }
}
