//! Posterior runs: trials that take their parameter values from the weighted particles of a
//! calibration (`run --posterior PATH`, or `posterior = "PATH"` in a scenario's
//! `[uncertain]` table), so a what-if or a sweep carries the calibrated uncertainty.
//!
//! Trial k picks one particle with probability proportional to its weight, from a uniform of
//! its own trial seed on a stream of its own: it picks the same particle at every sweep
//! point, on any thread count and in any shard, and adding a posterior leaves the
//! `[uncertain]` draws of the other parameters as they were. The file's text is part of the
//! run's recipe, so a resume or a merge rebuilds the same trials or refuses.

use crate::error::UserError;
use crate::format::Dialect;
use crate::model::rng::{ModelRng, splitmix64};
use crate::scenario::uncertain::{self, Bounds};
use crate::scenario::{Composed, Scenario, params};
use crate::stats::{LOW_ESS_SHARE, effective_sample_size, weighted_quantile_sorted};
use rand::{RngCore, SeedableRng};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The file of a calibration folder that `--posterior DIR` reads.
pub use crate::results::names::calibration::POSTERIOR_CSV;

/// The posterior the bundled baseline names (`[uncertain] posterior`), compiled in as the
/// baseline's text is, so the bundled baseline runs with it from any folder.
pub const BASELINE_POSTERIOR_CSV: &str = include_str!("../scenarios/baseline-posterior-2021.csv");
/// How runs name the compiled-in posterior.
pub const BASELINE_POSTERIOR: &str = "<bundled baseline-posterior-2021.csv>";

/// The largest posterior file read: 10,000 particles of 50 parameters take about 6 MB, and
/// the text is kept in every manifest of a run that uses it.
pub const MAX_POSTERIOR_BYTES: u64 = 32 << 20;

/// The stream tag of the particle picks: "posterio" as bytes. Not the `[uncertain]` tag, so
/// picking a particle takes no uniform from the draws of the other parameters.
const STREAM: u64 = u64::from_le_bytes(*b"posterio");

/// A posterior file as a run records it (in its recipe): enough to rebuild the run's trials
/// without the file, and to refuse a resume or a merge once the file has changed. Read by
/// [`Source::read`].
pub use crate::results::recipe::PosteriorSource as Source;

/// Where the posterior of a run is: `--posterior` when given (it overrides the scenario's
/// key), else the scenario's `[uncertain] posterior`, relative to the folder of the file in
/// the `extends` chain that writes it (the current folder for the bundled baseline). None
/// when neither names one. The path is that of a folder or of a CSV file.
pub fn locate(composed: &Composed, flag: Option<&Path>) -> Option<(PathBuf, String)> {
    if let Some(p) = flag {
        return Some((p.to_path_buf(), "--posterior".to_string()));
    }
    let path = format!("uncertain.{}", uncertain::POSTERIOR);
    let written = composed
        .tree
        .get("uncertain")
        .and_then(|u| u.get(uncertain::POSTERIOR))
        .and_then(|v| v.as_str())?;
    let (file, _) = composed.origin(&path)?;
    if file == crate::results::recipe::BUNDLED
        || crate::scenario::bundled::name_of(file) == Some(crate::scenario::BASELINE_NAME)
    {
        // The bundled baseline's own key (run without a file, or extended or run as
        // `bundled:baseline`): its posterior is compiled in.
        return Some((
            PathBuf::from(BASELINE_POSTERIOR),
            "the bundled baseline's [uncertain] posterior".to_string(),
        ));
    }
    let folder = Path::new(file).parent().unwrap_or(Path::new(""));
    let place = composed.place(&path).unwrap_or_else(|| file.to_string());
    Some((
        folder.join(written),
        format!("{place}: [uncertain] posterior"),
    ))
}

impl Source {
    /// Reads the posterior at `path` (a calibration folder holding posterior.csv, or the CSV
    /// file itself); `named_by` says what named it, for messages.
    pub fn read(path: &Path, named_by: &str) -> Result<Source, UserError> {
        if path == Path::new(BASELINE_POSTERIOR) {
            let text = BASELINE_POSTERIOR_CSV.to_string();
            return Ok(Source {
                file: BASELINE_POSTERIOR.to_string(),
                named_by: named_by.to_string(),
                sha256: crate::results::manifest::sha256_hex(&text),
                text,
            });
        }
        let file = if path.is_dir() {
            let inside = path.join(POSTERIOR_CSV);
            if !inside.exists() {
                return Err(UserError(format!(
                    "{named_by}: the folder {} holds no {POSTERIOR_CSV}; give the folder \
                     `livemarket calibrate --out` wrote (a calibration that has finished), or \
                     the posterior CSV file itself",
                    path.display()
                )));
            }
            // A calibration still under way (or stopped mid-way) has a posterior.csv of its
            // last whole generation, not its posterior: say so rather than take it.
            let checkpoint = path.join(crate::results::names::calibration::CALIBRATION_JSON);
            let complete = read_limited(&checkpoint)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .map(|c| c.get("complete") == Some(&serde_json::Value::Bool(true)));
            if complete == Some(false) {
                return Err(UserError(format!(
                    "{named_by}: the calibration in {} has not finished, so its {POSTERIOR_CSV} \
                     is its last whole generation, not its posterior; finish it with \
                     `livemarket calibrate ... --resume`, or name {} itself to use that \
                     generation anyway",
                    path.display(),
                    inside.display()
                )));
            }
            inside
        } else {
            path.to_path_buf()
        };
        let text = read_limited(&file).map_err(|e| {
            UserError(format!(
                "{named_by}: cannot read the posterior {}: {e}; give a calibration folder \
                 holding {POSTERIOR_CSV} (what `livemarket calibrate --out DIR` writes) or the \
                 CSV file itself{}",
                file.display(),
                if named_by.starts_with("--") {
                    ""
                } else {
                    ", relative to the scenario file that names it"
                }
            ))
        })?;
        Ok(Source {
            file: file.display().to_string(),
            named_by: named_by.to_string(),
            sha256: crate::results::manifest::sha256_hex(&text),
            text,
        })
    }
}

/// The file's text, refused unread when larger than [`MAX_POSTERIOR_BYTES`].
fn read_limited(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let reason = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
        _ => e.to_string(),
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // A FIFO opens without waiting for a writer; it is refused below, unread.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let f = options.open(path).map_err(reason)?;
    let meta = f.metadata().map_err(reason)?;
    if !meta.is_file() {
        return Err("it is not a regular file (a folder, a device or a pipe)".to_string());
    }
    if is_virtual(&f) {
        return Err("it is a system file (/proc or /sys), not a posterior".to_string());
    }
    let too_large = format!(
        "it is larger than {} MB, the most a posterior may be",
        MAX_POSTERIOR_BYTES >> 20
    );
    if f.metadata().map_err(reason)?.len() > MAX_POSTERIOR_BYTES {
        return Err(too_large);
    }
    let mut text = String::new();
    f.take(MAX_POSTERIOR_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(reason)?;
    if text.len() as u64 > MAX_POSTERIOR_BYTES {
        return Err(too_large);
    }
    Ok(text)
}

/// Whether `f` lives on a virtual file system (Linux's /proc or /sys), whose files say they
/// are regular but hold the system's state (`/proc/self/environ` holds the environment).
fn is_virtual(f: &std::fs::File) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        const PROC_SUPER_MAGIC: i64 = 0x9fa0;
        const SYSFS_MAGIC: i64 = 0x6265_6572;
        let mut s: libc::statfs = unsafe { std::mem::zeroed() };
        // SAFETY: a valid open descriptor and a statfs the call fills in.
        if unsafe { libc::fstatfs(f.as_raw_fd(), &mut s) } != 0 {
            return false;
        }
        #[allow(clippy::unnecessary_cast)]
        let kind = s.f_type as i64;
        kind == PROC_SUPER_MAGIC || kind == SYSFS_MAGIC
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = f;
        false
    }
}

/// A posterior read and checked against a run's plan: each particle's values of the
/// parameters the file names, and the particles' weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    /// The file, for messages.
    pub file: String,
    /// Parameter paths, in the file's column order.
    pub paths: Vec<String>,
    /// Each particle's number, as the file's `particle` column gives it.
    pub ids: Vec<u64>,
    /// The weights, normalised to sum to 1.
    pub weights: Vec<f64>,
    /// `values[i][j]`: particle i's value of `paths[j]`.
    pub values: Vec<Vec<f64>>,
    /// Running sums of the weights, in file order: the pick's inverse CDF.
    cumulative: Vec<f64>,
}

/// How a posterior's header reads, for messages about it.
const POSTERIOR_FORM: &str = "a posterior's header is `particle,weight,PATH,...` (one column \
                              per parameter path), as `livemarket calibrate` writes posterior.csv";

/// A posterior's header, checked to begin `particle,weight` and to name a parameter.
fn read_header(rdr: &mut csv::Reader<&[u8]>, file: &str) -> Result<Vec<String>, UserError> {
    let form = POSTERIOR_FORM;
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| UserError(format!("{file}:1: cannot read the header: {e}; {form}")))?
        .iter()
        .map(String::from)
        .collect();
    if header.len() < 2 || header[0] != "particle" || header[1] != "weight" {
        // Its text is not quoted: a file that is not a posterior may be anything (a
        // password file named by mistake, or by someone who hopes to read it).
        let hint = if header.first().is_some_and(|h| h == "generation") {
            "; this looks like particles.csv, which holds every generation: give the \
             posterior.csv beside it (or the calibration folder)"
        } else {
            ""
        };
        return Err(UserError(format!(
            "{file}:1: not a posterior: its first line does not begin `particle,weight`; \
             {form}{hint}"
        )));
    }
    if header.len() == 2 {
        return Err(UserError(format!(
            "{file}:1: the posterior names no parameters; {form}"
        )));
    }
    Ok(header)
}

/// The valid range of each parameter column: every problem with the columns (a path named
/// twice, not a parameter of `scenario`, or one that cannot be uncertain) at once.
fn column_bounds(
    paths: &[String],
    file: &str,
    scenario: &Scenario,
) -> Result<Vec<Bounds>, UserError> {
    let mut problems: Vec<String> = Vec::new();
    let mut bounds: Vec<Bounds> = Vec::new();
    let all = params::params(scenario);
    for (j, path) in paths.iter().enumerate() {
        let at = format!("{file}:1: column {} `{path}`", j + 3);
        if paths[..j].contains(path) {
            problems.push(format!(
                "{at}: the parameter is named twice; keep one column per parameter"
            ));
            continue;
        }
        let checked = params::lookup(&all, path)
            .map_err(|e| format!("{e}; name the column by the parameter's path"))
            .and_then(|_| uncertain::bounds_of(path));
        match checked {
            Ok(b) => bounds.push(b),
            Err(e) => problems.push(format!("{at}: {e}")),
        }
    }
    if !problems.is_empty() {
        return Err(UserError::lines(problems));
    }
    Ok(bounds)
}

/// A posterior's rows as read, before the weights are normalised.
struct Particles {
    ids: Vec<u64>,
    weights: Vec<f64>,
    values: Vec<Vec<f64>>,
}

/// Reads a posterior's rows against its checked columns, collecting what is wrong with them
/// (up to 10 problems) rather than stopping at the first.
struct RowReader<'a> {
    file: &'a str,
    header: &'a [String],
    dialect: Dialect,
    /// Each parameter column's valid range.
    bounds: &'a [Bounds],
    /// The particle numbers read so far.
    seen: BTreeSet<u64>,
    problems: Vec<String>,
}

impl RowReader<'_> {
    /// Every row's particle, or the problems of the first rows that have any.
    fn read(mut self, mut rdr: csv::Reader<&[u8]>) -> Result<Particles, UserError> {
        let (mut ids, mut weights, mut values) = (Vec::new(), Vec::new(), Vec::new());
        for row in rdr.records() {
            let row = row.map_err(|e| self.record_error(e))?;
            let line = row.position().map_or(0, |p| p.line());
            let id = self.id(&row, line);
            let weight = self.weight(&row, line, id);
            let x = self.values(&row, line, id);
            if self.problems.len() >= 10 {
                break;
            }
            ids.push(id);
            weights.push(weight);
            values.push(x);
        }
        if !self.problems.is_empty() {
            self.problems.truncate(10);
            return Err(UserError::lines(self.problems));
        }
        Ok(Particles {
            ids,
            weights,
            values,
        })
    }

    /// A row the CSV reader cannot read, as a message.
    fn record_error(&self, e: csv::Error) -> UserError {
        let file = self.file;
        let line = e
            .position()
            .map_or(String::new(), |p| format!("{}:", p.line()));
        let why = match e.kind() {
            csv::ErrorKind::UnequalLengths { len, .. } => format!(
                "the row has {len} cells and the header {}; give every particle a \
                 weight and a value of each parameter",
                self.header.len()
            ),
            _ => format!("{e}; a posterior is CSV text"),
        };
        UserError(format!("{file}:{line} {why}"))
    }

    /// Where a cell is, for messages: the file, line and column.
    fn at(&self, line: u64, col: usize) -> String {
        format!(
            "{}:{line}: column {} `{}`",
            self.file,
            col + 1,
            self.header[col]
        )
    }

    /// The row's particle number (0 when it is not one).
    fn id(&mut self, row: &csv::StringRecord, line: u64) -> u64 {
        match row[0].parse::<u64>() {
            Ok(id) if !self.seen.insert(id) => {
                self.problems.push(format!(
                    "{}: particle {id} is given twice; number each particle once",
                    self.at(line, 0)
                ));
                id
            }
            Ok(id) => id,
            Err(_) => {
                self.problems.push(format!(
                    "{}: `{}` is not a particle number; number the particles 0, 1, 2, ...",
                    self.at(line, 0),
                    &row[0]
                ));
                0
            }
        }
    }

    /// The row's weight (0 when it is not a number of 0 or more).
    fn weight(&mut self, row: &csv::StringRecord, line: u64, id: u64) -> f64 {
        match self.dialect.parse(&row[1]) {
            Some(w) if w.is_finite() && w >= 0.0 => w,
            Some(w) if w.is_finite() => {
                self.problems.push(format!(
                    "{}: particle {id} has the weight {w}, below 0; weights are \
                     probabilities, 0 or more",
                    self.at(line, 1)
                ));
                0.0
            }
            _ => {
                self.problems.push(format!(
                    "{}: particle {id}'s weight `{}` is not a finite number; give every \
                     particle a weight of 0 or more ({} dialect)",
                    self.at(line, 1),
                    &row[1],
                    self.dialect.name()
                ));
                0.0
            }
        }
    }

    /// The row's parameter values, as draws hold them (not a number where the cell is not
    /// one), each checked against its parameter's range.
    fn values(&mut self, row: &csv::StringRecord, line: u64, id: u64) -> Vec<f64> {
        let mut x = Vec::with_capacity(self.bounds.len());
        let bounds = self.bounds;
        for (j, b) in bounds.iter().enumerate() {
            let cell = &row[j + 2];
            let v = match self.dialect.parse(cell) {
                Some(v) if v.is_finite() => to_draw_digits(v),
                _ => {
                    self.problems.push(format!(
                        "{}: particle {id}'s value `{cell}` is not a finite number",
                        self.at(line, j + 2)
                    ));
                    f64::NAN
                }
            };
            if v.is_finite() && (v < b.lo || v > b.hi || (b.open_lo && v <= b.lo)) {
                self.problems.push(format!(
                    "{}: particle {id}'s value {v} is outside the parameter's valid range \
                     {b}; a posterior holds the values particles were simulated with, so \
                     it comes from another scenario's calibration, or was edited: correct \
                     the value, or calibrate this scenario again",
                    self.at(line, j + 2)
                ));
            }
            x.push(v);
        }
        x
    }
}

/// One path of [`Posterior::summary`].
#[derive(Debug, Clone, PartialEq)]
pub struct Marginal {
    pub path: String,
    pub median: f64,
    pub p05: f64,
    pub p95: f64,
}

impl Posterior {
    /// Parses a posterior's text (either CSV dialect, told by its header line) and checks
    /// its columns and values against `scenario`; `file` names it in messages.
    pub fn parse(text: &str, file: &str, scenario: &Scenario) -> Result<Posterior, UserError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let dialect = Dialect::of_header(text.as_bytes());
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(dialect.delimiter())
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header = read_header(&mut rdr, file)?;
        let paths: Vec<String> = header[2..].to_vec();
        let bounds = column_bounds(&paths, file, scenario)?;
        let particles = RowReader {
            file,
            header: &header,
            dialect,
            bounds: &bounds,
            seen: BTreeSet::new(),
            problems: Vec::new(),
        }
        .read(rdr)?;
        Posterior::weighed(file, paths, particles)
    }

    /// The posterior from its particles, their weights normalised: an error when there are
    /// none, or when no weight can be picked.
    fn weighed(file: &str, paths: Vec<String>, p: Particles) -> Result<Posterior, UserError> {
        let Particles {
            ids,
            weights,
            values,
        } = p;
        if ids.is_empty() {
            return Err(UserError(format!(
                "{file}: the posterior has a header but no particles; give the posterior.csv of \
                 a calibration that has finished"
            )));
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 || !total.is_finite() {
            return Err(UserError(format!(
                "{file}: every one of the {} particles has the weight 0 (or the weights add up \
                 to more than a number holds), so none can be picked; give the particles their \
                 weights from the calibration",
                ids.len()
            )));
        }
        let weights: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let cumulative = weights
            .iter()
            .scan(0.0, |sum, w| {
                *sum += w;
                Some(*sum)
            })
            .collect();
        Ok(Posterior {
            file: file.to_string(),
            paths,
            ids,
            weights,
            values,
            cumulative,
        })
    }

    /// The particle (row index) the trial with seed `trial_seed` takes: a uniform u in
    /// [0, 1) from the trial seed on the posterior's own stream, and the first particle whose
    /// running weight passes u (so a particle of weight 0 is never taken).
    pub fn pick(&self, trial_seed: u64) -> usize {
        let mut rng = ModelRng::seed_from_u64(splitmix64(trial_seed ^ splitmix64(STREAM)));
        let u = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        let i = self.cumulative.partition_point(|&c| c <= u);
        // u is below 1 and the last running sum is 1 up to rounding: rounding alone can put
        // u past it, and then the last particle that has any weight is the one meant.
        i.min(self.last_weighted())
    }

    fn last_weighted(&self) -> usize {
        self.weights
            .iter()
            .rposition(|&w| w > 0.0)
            .expect("some weight is positive (checked when read)")
    }

    /// Kish's effective sample size, 1 / Σ w² of the normalised weights: how many equally
    /// weighted particles would carry as much information.
    pub fn ess(&self) -> f64 {
        effective_sample_size(self.weights.iter().copied())
    }

    /// A warning when the trials would share (nearly) one parameter vector: all the weight on
    /// one particle, or an effective sample size below `stats::LOW_ESS_SHARE` of the rows.
    pub fn warning(&self) -> Option<String> {
        let n = self.ids.len();
        let top = (0..n)
            .max_by(|&a, &b| self.weights[a].total_cmp(&self.weights[b]).then(b.cmp(&a)))
            .expect("a posterior has particles");
        let failed = "A calibration whose final generation collapses like this has most likely \
                      failed (its tolerance shrank faster than the population could follow, \
                      its population was too small, or the targets cannot all be met at \
                      once): check the ess column of its generations.csv, and calibrate again \
                      with a larger population or a slower tolerance schedule before trusting \
                      the spread of these trials";
        let positive = self.weights.iter().filter(|&&w| w > 0.0).count();
        if positive == 1 {
            return Some(format!(
                "warning: posterior {}: all the weight is on particle {} (of {n}): every trial \
                 takes the same parameter vector, so the run carries none of the calibrated \
                 uncertainty. {failed}",
                self.file, self.ids[top]
            ));
        }
        let ess = self.ess();
        (ess < LOW_ESS_SHARE * n as f64).then(|| {
            format!(
                "warning: posterior {}: its effective sample size is {ess:.1} of {n} particles \
                 ({:.1}%, below {:.0}%; particle {} alone carries {:.0}% of the weight): the \
                 trials will share nearly one parameter vector, so the run carries little of \
                 the calibrated uncertainty. {failed}",
                self.file,
                100.0 * ess / n as f64,
                100.0 * LOW_ESS_SHARE,
                self.ids[top],
                100.0 * self.weights[top]
            )
        })
    }

    /// Each path's weighted median and 5% and 95% quantiles.
    pub fn summary(&self) -> Vec<Marginal> {
        (0..self.paths.len())
            .map(|j| {
                let mut by_value: Vec<(f64, f64)> = self
                    .values
                    .iter()
                    .zip(&self.weights)
                    .map(|(v, &w)| (v[j], w))
                    .collect();
                by_value.sort_by(|a, b| a.0.total_cmp(&b.0));
                // Some weight is positive (checked when read).
                let q = |p| weighted_quantile_sorted(&by_value, p).unwrap_or(f64::NAN);
                Marginal {
                    path: self.paths[j].clone(),
                    median: q(0.5),
                    p05: q(0.05),
                    p95: q(0.95),
                }
            })
            .collect()
    }
}

/// `x` to the significant digits a draw keeps ([`uncertain::DRAW_DIGITS`]), as calibrate
/// writes them: a hand-written value with more digits is simulated as `draws.csv` shows it.
fn to_draw_digits(x: f64) -> f64 {
    format!("{x:.*e}", uncertain::DRAW_DIGITS - 1)
        .parse::<f64>()
        .map_or(x, |r| r + 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = include_str!("../tests/data/small.toml");

    fn scenario() -> Scenario {
        Scenario::from_toml_str(SMALL, "small.toml").unwrap()
    }

    fn parse(text: &str) -> Result<Posterior, UserError> {
        Posterior::parse(text, "post.csv", &scenario())
    }

    #[test]
    fn weights_are_normalised_and_quantiles_weighted() {
        // Weights 1, 3 (sum 4): 0.25 and 0.75. The median of lapse is the second value (its
        // running weight 0.25 does not reach 0.5 at the first); the 5% quantile the first.
        let p = parse(
            "particle,weight,countries.AA.lapse,countries.BB.deal_sensitivity\n\
             0,1,0.1,2\n1,3,0.4,1\n",
        )
        .unwrap();
        assert_eq!(p.weights, [0.25, 0.75]);
        let s = p.summary();
        assert_eq!((s[0].p05, s[0].median, s[0].p95), (0.1, 0.4, 0.4));
        assert_eq!((s[1].p05, s[1].median, s[1].p95), (1.0, 1.0, 2.0));
        // Kish: 1 / (0.25² + 0.75²) = 1.6.
        assert!((p.ess() - 1.6).abs() < 1e-12);
    }

    #[test]
    fn a_zero_weight_particle_is_never_picked() {
        let p = parse("particle,weight,countries.AA.lapse\n0,0,0.1\n1,1,0.2\n2,0,0.3\n").unwrap();
        for k in 0..2000 {
            assert_eq!(p.pick(crate::model::rng::trial_seed(7, k)), 1);
        }
    }

    #[test]
    fn picks_follow_the_weights() {
        // Four particles, weights 0.1, 0.2, 0.3, 0.4, over 20,000 trial seeds: each count is
        // binomial(n, w), checked to 5 sd (sqrt(n w (1 - w)); false alarm 6e-7 each).
        let p = parse(
            "particle,weight,countries.AA.lapse\n0,0.1,0.1\n1,0.2,0.2\n2,0.3,0.3\n3,0.4,0.4\n",
        )
        .unwrap();
        let n = 20_000u64;
        let mut counts = [0u64; 4];
        for k in 0..n {
            counts[p.pick(crate::model::rng::trial_seed(3, k))] += 1;
        }
        for (i, &c) in counts.iter().enumerate() {
            let w = p.weights[i];
            let sd = (n as f64 * w * (1.0 - w)).sqrt();
            assert!(
                (c as f64 - n as f64 * w).abs() < 5.0 * sd,
                "particle {i}: {c} of {n}, expected {}",
                n as f64 * w
            );
        }
    }

    #[test]
    fn degenerate_posteriors_are_warned_about() {
        let one = parse("particle,weight,countries.AA.lapse\n0,0,0.1\n1,1,0.2\n").unwrap();
        let w = one.warning().unwrap();
        assert!(
            w.contains("all the weight is on particle 1 (of 2)") && w.contains("failed"),
            "{w}"
        );
        // 40 particles, one with weight 0.99: ESS = 1 / (0.99² + 39 (0.01/39)²) ≈ 1.02,
        // below 5% of 40 (2).
        let mut text = "particle,weight,countries.AA.lapse\n0,0.99,0.5\n".to_string();
        for i in 1..40 {
            text.push_str(&format!("{i},{},0.3\n", 0.01 / 39.0));
        }
        let w = parse(&text).unwrap().warning().unwrap();
        assert!(
            w.contains("effective sample size is 1.0 of 40 particles"),
            "{w}"
        );
        // Equal weights: ESS = n, no warning.
        let even = parse("particle,weight,countries.AA.lapse\n0,0.5,0.1\n1,0.5,0.2\n").unwrap();
        assert!((even.ess() - 2.0).abs() < 1e-12);
        assert_eq!(even.warning(), None);
    }

    #[test]
    fn both_dialects_read_the_same() {
        let standard = parse(
            "particle,weight,countries.AA.lapse,countries.BB.deal_sensitivity\n\
             0,0.8,0.125,2.5\n1,0.2,0.3,1\n",
        )
        .unwrap();
        let comma = parse(
            "particle;weight;countries.AA.lapse;countries.BB.deal_sensitivity\n\
             0;0,8;0,125;2,5\n1;0,2;0,3;1\n",
        )
        .unwrap();
        assert_eq!(standard, comma);
    }
}
