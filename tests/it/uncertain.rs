//! Uncertain parameters through the binary: each trial's draws reach its world, are written
//! in draws.csv, and are the same whatever the thread count, after a resume, or sharded.

use crate::common::{
    SMALL_TOML, assert_same, bin, fails_with, livemarket, manifest, read, tempdir,
};
use livemarket::results::{self, store};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The small scenario with an `[uncertain]` table (none when `table` is empty), written as a
/// file of its own in `dir`.
fn scenario(dir: &Path, table: &str) -> PathBuf {
    let path = dir.join("uncertain-small.toml");
    let text = if table.is_empty() {
        SMALL_TOML.to_string()
    } else {
        format!("{SMALL_TOML}\n[uncertain]\n{table}\n")
    };
    fs::write(&path, text).unwrap();
    path
}

/// A table touching each distribution and a group shared by two countries.
const TABLE: &str = "\
\"countries.AA.deal_sensitivity\" = { dist = \"lognormal\", median = 2, sigma = 0.3, group = \"west\" }
\"countries.BB.deal_sensitivity\" = { dist = \"triangular\", min = 0.5, mode = 1, max = 2, group = \"west\" }
\"countries.AA.live_affinity.mean\" = { dist = \"beta\", alpha = 12, beta = 8 }
\"countries.CC.diffusion.imitation\" = { dist = \"normal\", mean = 0.5, sd = 0.1 }
\"platforms.alpha.take_rate\" = { dist = \"uniform\", min = 0.02, max = 0.05 }
";

fn run(file: &Path, out: &Path, args: &[&str]) {
    livemarket()
        .arg("run")
        .arg(file)
        .args(["--quiet", "--out"])
        .arg(out)
        .args(args)
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

/// draws.csv as rows of cells, header first.
fn draws(dir: &Path) -> Vec<Vec<String>> {
    read(&dir.join("draws.csv"))
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

#[test]
fn draws_are_written_per_trial_and_the_same_on_one_and_two_threads() {
    let tmp = tempdir();
    let file = scenario(tmp.path(), TABLE);
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    run(&file, &one, &["--trials", "8", "--threads", "1"]);
    run(&file, &two, &["--trials", "8", "--threads", "2"]);
    assert_same(&one, &two, "1 and 2 threads");
    let rows = draws(&one);
    assert_eq!(
        rows[0],
        [
            "trial",
            "seed",
            "countries.AA.deal_sensitivity",
            "countries.BB.deal_sensitivity",
            "countries.AA.live_affinity.mean",
            "countries.CC.diffusion.imitation",
            "platforms.alpha.take_rate"
        ]
    );
    assert_eq!(rows.len(), 9, "a row per trial");
    // The seed column is trials.csv's seed of the same trial.
    let trials = read(&one.join("trials.csv"));
    for row in &rows[1..] {
        let prefix = format!("{},{},", row[0], row[1]);
        assert!(trials.lines().any(|l| l.starts_with(&prefix)), "{prefix}");
        let x: Vec<f64> = row[2..].iter().map(|c| c.parse().unwrap()).collect();
        assert!((0.02..=0.05).contains(&x[4]), "{row:?}");
        assert!((0.5..=2.0).contains(&x[1]), "{row:?}");
    }
    // Trials draw different values.
    assert_ne!(rows[1][2..], rows[2][2..]);
    let m = manifest(&one);
    let listed: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(listed.contains(&"draws.csv"), "{listed:?}");
}

#[test]
fn a_scenario_without_the_table_runs_as_before_and_draws_reach_the_model() {
    let tmp = tempdir();
    let p = |name: &str| tmp.path().join(name);
    fs::create_dir_all(p("a")).unwrap();
    fs::create_dir_all(p("b")).unwrap();
    fs::create_dir_all(p("c")).unwrap();
    // No table and an empty table: the same files, and no draws.csv.
    let plain = scenario(&p("a"), "");
    let empty = p("b/empty.toml");
    fs::write(&empty, format!("{SMALL_TOML}\n[uncertain]\n")).unwrap();
    run(&plain, &p("plain"), &["--trials", "4"]);
    run(&empty, &p("empty"), &["--trials", "4"]);
    assert_same(&p("plain"), &p("empty"), "an empty [uncertain]");
    assert!(!p("plain/draws.csv").exists());
    // A distribution too narrow to differ from the file's value at the 6 digits a draw
    // keeps: each trial's world is rebuilt through --set's path, and gives the same trials.
    let narrow = scenario(
        &p("c"),
        "\"countries.AA.deal_sensitivity\" = { dist = \"uniform\", min = 2, max = 2.0000001 }",
    );
    run(&narrow, &p("narrow"), &["--trials", "4"]);
    assert!(
        fs::read(p("plain/trials.csv")).unwrap() == fs::read(p("narrow/trials.csv")).unwrap(),
        "a draw equal to the file's value changes nothing"
    );
    assert!(draws(&p("narrow"))[1..].iter().all(|r| r[2] == "2"));
    // A wide one changes the trials.
    let wide = scenario(
        &p("c"),
        "\"countries.AA.deal_sensitivity\" = { dist = \"uniform\", min = 0, max = 6 }",
    );
    run(&wide, &p("wide"), &["--trials", "4"]);
    assert!(fs::read(p("plain/trials.csv")).unwrap() != fs::read(p("wide/trials.csv")).unwrap());
}

#[test]
fn each_trial_draws_the_same_values_at_every_sweep_point() {
    let tmp = tempdir();
    let file = scenario(tmp.path(), TABLE);
    let out = tmp.path().join("sweep");
    run(
        &file,
        &out,
        &["--trials", "3", "--vary", "countries.CC.lapse=0.1,0.3"],
    );
    let rows = draws(&out);
    assert_eq!(
        rows[0][..4],
        ["point", "countries.CC.lapse", "trial", "seed"]
    );
    assert_eq!(rows.len(), 1 + 3 * 2);
    for pair in rows[1..].chunks(2) {
        assert_eq!((pair[0][0].as_str(), pair[1][0].as_str()), ("0", "1"));
        assert_eq!(pair[0][2..], pair[1][2..], "common random numbers");
    }
}

#[test]
fn a_sweep_varies_a_distribution_and_each_trial_keeps_its_uniforms() {
    // take_rate ~ uniform(0.02, max): a trial's uniform u gives 0.02 + u (max − 0.02), so
    // the draws at max 0.05 and 0.08 of one trial are related exactly (u is the trial's at
    // every point), to the 6 digits a draw keeps; the other parameters do not move.
    let tmp = tempdir();
    let file = scenario(tmp.path(), TABLE);
    let out = tmp.path().join("sweep");
    run(
        &file,
        &out,
        &[
            "--trials",
            "6",
            "--vary",
            "uncertain.platforms.alpha.take_rate.max=0.05,0.08",
        ],
    );
    let rows = draws(&out);
    assert_eq!(
        rows[0][..4],
        [
            "point",
            "uncertain.platforms.alpha.take_rate.max",
            "trial",
            "seed"
        ]
    );
    let take = rows[0]
        .iter()
        .position(|c| c == "platforms.alpha.take_rate")
        .unwrap();
    for pair in rows[1..].chunks(2) {
        let x: Vec<f64> = pair.iter().map(|r| r[take].parse().unwrap()).collect();
        let u = (x[0] - 0.02) / 0.03;
        assert!(
            (x[1] - (0.02 + u * 0.06)).abs() < 2e-6,
            "{pair:?}: the same uniform at both points"
        );
        assert_eq!(pair[0][4..take], pair[1][4..take], "other draws unchanged");
    }
    // The drawn take rate reaches the model: the two points' trials differ.
    let trials = read(&out.join("trials.csv"));
    let point = |k: &str| -> Vec<String> {
        trials
            .lines()
            .skip(1)
            .filter(|l| l.starts_with(&format!("{k},")))
            .map(|l| l.splitn(3, ',').nth(2).unwrap().to_string())
            .collect()
    };
    assert_ne!(point("0"), point("1"));
}

#[test]
fn shards_merge_and_resume_give_the_bytes_of_one_run() {
    let tmp = tempdir();
    let p = |name: &str| tmp.path().join(name);
    let file = scenario(tmp.path(), TABLE);
    let sweep = ["--trials", "5", "--vary", "countries.CC.lapse=0.1,0.3"];
    run(&file, &p("single"), &sweep);
    for k in 1..=3 {
        run(
            &file,
            &p(&format!("s{k}")),
            &[&sweep[..], &["--shard", &format!("{k}/3")]].concat(),
        );
    }
    livemarket()
        .args(["merge", "--quiet", "--out"])
        .arg(p("merged"))
        .args([p("s2"), p("s1"), p("s3")])
        .assert()
        .success();
    assert_same(&p("single"), &p("merged"), "3 shards merged");

    // Killed part way, then resumed.
    let args = ["--trials", "60", "--threads", "2"];
    run(&file, &p("reference"), &args);
    let record = (fs::metadata(p("reference/trials.bin")).unwrap().len() - 32) / 60;
    let killed = p("killed");
    let mut child = std::process::Command::new(bin())
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--out"])
        .arg(&killed)
        .args(args)
        .spawn()
        .unwrap();
    let began = Instant::now();
    while fs::metadata(killed.join(results::STORE)).map_or(0, |m| m.len()) < 32 + 10 * record
        && began.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let recipe = results::manifest::read(&killed).unwrap().recipe;
    let plan = livemarket::sweep::plan_recipe(&recipe).unwrap();
    let done = store::scan(&killed.join(results::STORE), &plan.store_layout(&recipe))
        .unwrap()
        .map_or(0, |s| s.records.len());
    assert!(done < 60, "killed before the end ({done} runs)");
    run(&file, &killed, &[&args[..], &["--resume"]].concat());
    assert_same(&p("reference"), &killed, "killed and resumed");
}

/// `livemarket run FILE --out OUT ARGS` (quiet), which must succeed with exactly `stderr`.
fn run_noting(file: &Path, out: &Path, args: &[&str], stderr: &str) {
    livemarket()
        .arg("run")
        .arg(file)
        .args(["--quiet", "--out"])
        .arg(out)
        .args(args)
        .assert()
        .success()
        .stdout("")
        .stderr(stderr.to_string());
}

#[test]
fn set_pins_an_uncertain_parameter_and_every_other_draw_stays() {
    let tmp = tempdir();
    let file = scenario(tmp.path(), TABLE);
    let (free, pinned) = (tmp.path().join("free"), tmp.path().join("pinned"));
    run(&file, &free, &["--trials", "6"]);
    // An ungrouped parameter and one member of the group `west`.
    run_noting(
        &file,
        &pinned,
        &[
            "--trials",
            "6",
            "--set",
            "platforms.alpha.take_rate=0.0315",
            "--set",
            "countries.AA.deal_sensitivity=2.5",
        ],
        "note: `countries.AA.deal_sensitivity` = 2.5, `platforms.alpha.take_rate` = 0.0315 \
         pinned in every trial; the other uncertain parameters keep their own draws (or \
         particle's values), not conditioned on them\n",
    );
    let (a, b) = (draws(&free), draws(&pinned));
    assert_eq!(a[0], b[0], "the same columns");
    assert_eq!(a.len(), b.len());
    for (ra, rb) in a[1..].iter().zip(&b[1..]) {
        // trial, seed, AA deal (pinned), BB deal (same group: keeps its draw), AA affinity,
        // CC imitation, take rate (pinned).
        assert_eq!(ra[..2], rb[..2]);
        assert_eq!(rb[2], "2.5");
        assert_eq!(rb[6], "0.0315");
        assert_eq!(ra[3..6], rb[3..6], "the other draws do not move");
        assert_ne!(ra[2], "2.5");
    }
    // The pinned values reach the model: the trials differ from the free run's.
    assert_ne!(
        read(&free.join("trials.csv")),
        read(&pinned.join("trials.csv"))
    );
    // check and params show the pin.
    let out = livemarket()
        .args(["params"])
        .arg(&file)
        .args(["--set", "platforms.alpha.take_rate=0.0315"])
        .assert()
        .success()
        .stderr(
            "note: `platforms.alpha.take_rate` = 0.0315 pinned in every trial; the other \
             uncertain parameters keep their own draws (or particle's values), not \
             conditioned on it\n",
        );
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let line = |start: &str| {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start} in\n{text}"))
            .to_string()
    };
    assert!(
        line("platforms.alpha.take_rate ").contains("0.0315 (pinned)"),
        "{text}"
    );
    assert!(
        text.contains("uniform(min 0.02, max 0.05) (pinned at 0.0315 by --set, not drawn)"),
        "{text}"
    );
}

#[test]
fn vary_pins_an_uncertain_parameter_at_each_points_value() {
    let tmp = tempdir();
    let file = scenario(tmp.path(), TABLE);
    let (free, swept) = (tmp.path().join("free"), tmp.path().join("swept"));
    run(&file, &free, &["--trials", "3"]);
    run_noting(
        &file,
        &swept,
        &[
            "--trials",
            "3",
            "--vary",
            "countries.BB.deal_sensitivity=0.7,1.9",
        ],
        "note: `countries.BB.deal_sensitivity` (each point's value) pinned in every trial; the \
         other uncertain parameters keep their own draws (or particle's values), not \
         conditioned on it\n",
    );
    let (a, b) = (draws(&free), draws(&swept));
    assert_eq!(
        b[0][..4],
        ["point", "countries.BB.deal_sensitivity", "trial", "seed"]
    );
    assert_eq!(b.len(), 1 + 3 * 2);
    for (t, pair) in b[1..].chunks(2).enumerate() {
        let free_row = &a[1 + t];
        for row in pair {
            // point, value, trial, seed, AA deal, BB deal, AA affinity, CC, take rate.
            assert_eq!(row[5], row[1], "the pinned column holds the point's value");
            assert_eq!(row[2..4], free_row[..2]);
            assert_eq!(row[4], free_row[2], "AA keeps the group's draw");
            assert_eq!(row[6..], free_row[4..], "the other draws do not move");
        }
    }
    // check shows a sweep of an uncertain parameter in a scenario file, and passes.
    let sweep_file = tmp.path().join("sweep.toml");
    fs::write(
        &sweep_file,
        format!(
            "{}\n[sweep.parameters]\n\"countries.BB.deal_sensitivity\" = [0.7, 1.9]\n",
            read(&file)
        ),
    )
    .unwrap();
    let out = livemarket()
        .arg("check")
        .arg(&sweep_file)
        .assert()
        .success()
        .stderr(
            "note: `countries.BB.deal_sensitivity` (each point's value) pinned in every trial; \
             the other uncertain parameters keep their own draws (or particle's values), not \
             conditioned on it\n",
        );
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("(pinned at each sweep point's value, not drawn)"),
        "{text}"
    );
}

#[test]
fn a_parameter_pinned_and_its_distribution_swept_is_refused() {
    let tmp = tempdir();
    let file = scenario(tmp.path(), TABLE);
    let file = file.to_str().unwrap();
    fails_with(
        &[
            "run",
            file,
            "--set",
            "platforms.alpha.take_rate=0.03",
            "--vary",
            "uncertain.platforms.alpha.take_rate.max=0.06,0.07",
        ],
        "--vary uncertain.platforms.alpha.take_rate.max=0.06,0.07: \
         `uncertain.platforms.alpha.take_rate.max` changes the distribution of \
         `platforms.alpha.take_rate`, but --set pins `platforms.alpha.take_rate` itself, so no \
         trial draws from it; drop one of the two",
    );
}

#[test]
fn vary_of_a_distribution_is_checked() {
    let tmp = tempdir();
    let file = scenario(tmp.path(), TABLE);
    let file = file.to_str().unwrap();
    fails_with(
        &[
            "run",
            file,
            "--vary",
            "uncertain.platforms.alpha.take_rate.sd=0.1,0.2",
        ],
        "--vary uncertain.platforms.alpha.take_rate.sd=0.1,0.2: \
         `uncertain.platforms.alpha.take_rate.sd`: `platforms.alpha.take_rate` ~ uniform(min \
         0.02, max 0.05) has no parameter `sd`; it has `min`, `max`",
    );
    fails_with(
        &[
            "run",
            file,
            "--vary",
            "uncertain.platforms.alpha.take_rat.max=0.1",
        ],
        "--vary uncertain.platforms.alpha.take_rat.max=0.1: \
         `uncertain.platforms.alpha.take_rat.max` names no [uncertain] entry \
         `platforms.alpha.take_rat`; did you mean `platforms.alpha.take_rate`? sweep a \
         distribution's parameter as uncertain.PATH.KEY, with PATH an entry of the scenario's \
         [uncertain] table (countries.AA.deal_sensitivity, countries.BB.deal_sensitivity, \
         countries.AA.live_affinity.mean, countries.CC.diffusion.imitation, \
         platforms.alpha.take_rate)",
    );
    fails_with(
        &[
            "run",
            file,
            "--vary",
            "uncertain.platforms.alpha.take_rate.max=0.1,0.01",
        ],
        "--vary uncertain.platforms.alpha.take_rate.max=0.1,0.01: sweep point 1 \
         (uncertain.platforms.alpha.take_rate.max = 0.01): [uncertain] \
         `platforms.alpha.take_rate`: `min` = 0.02 must be below `max` = 0.01",
    );
}

#[test]
fn a_draw_the_cross_field_rules_refuse_stops_the_run_naming_the_trial() {
    // live_affinity.sd = 0.2 needs mean × (1 − mean) above 0.04: a mean drawn near 0 fails.
    let tmp = tempdir();
    let file = scenario(
        tmp.path(),
        "\"countries.AA.live_affinity.mean\" = { dist = \"uniform\", min = 0, max = 0.04 }",
    );
    let out = livemarket()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--trials", "2", "--out"])
        .arg(tmp.path().join("r"))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("trial 0 drew countries.AA.live_affinity.mean = ")
            && err.contains("narrow the [uncertain] distributions"),
        "{err}"
    );
}

#[test]
fn the_report_draws_each_outcome_against_each_drawn_parameter() {
    // Two parameters, the small world's live markets: one chart per market and parameter
    // (fewer than the twelve strongest relations the report draws), a dot per trial, and ρ the Spearman rank correlation of draws.csv with trials.csv
    // (recomputed here from the files, ties absent: the draws and GMVs are continuous).
    let tmp = tempdir();
    let file = scenario(
        tmp.path(),
        "\"countries.AA.live_affinity.mean\" = { dist = \"uniform\", min = 0.3, max = 0.8 }\n\
         \"platforms.alpha.take_rate\" = { dist = \"uniform\", min = 0.02, max = 0.05 }",
    );
    let out = tmp.path().join("r");
    run(&file, &out, &["--trials", "12", "--report"]);
    let chart =
        out.join("report/uncertain-gmv_usd-AA-alpha-vs-countries.AA.live_affinity.mean.svg");
    let svg = read(&chart);
    assert!(svg.contains("data-points=\"12\""), "a dot per trial");
    let rows = draws(&out);
    let x: Vec<f64> = rows[1..].iter().map(|r| r[2].parse().unwrap()).collect();
    let trials = read(&out.join("trials.csv"));
    let header: Vec<&str> = trials.lines().next().unwrap().split(',').collect();
    let gmv = header.iter().position(|h| *h == "gmv_usd").unwrap();
    let y: Vec<f64> = trials
        .lines()
        .filter(|l| l.split(',').nth(2) == Some("AA") && l.split(',').nth(3) == Some("alpha"))
        .map(|l| l.split(',').nth(gmv).unwrap().parse().unwrap())
        .collect();
    assert_eq!(y.len(), 12);
    let ranks = |v: &[f64]| {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        let mut r = vec![0.0; v.len()];
        for (k, &i) in idx.iter().enumerate() {
            r[i] = k as f64;
        }
        r
    };
    let (rx, ry) = (ranks(&x), ranks(&y));
    let d2: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - b).powi(2)).sum();
    let rho = 1.0 - 6.0 * d2 / (12.0 * (144.0 - 1.0));
    assert!(
        svg.contains(&format!("ρ = {rho:.2}")),
        "ρ = {rho:.2} not in the chart"
    );
    assert!(read(&out.join("report.html")).contains("Uncertain parameters"));
}

/// Spearman's ρ: Pearson's correlation of the ranks, tied values sharing their average rank
/// (a market withdrawn in some trials has several zero totals).
fn rho(x: &[f64], y: &[f64]) -> f64 {
    let ranks = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .map(|a| {
                let below = v.iter().filter(|b| *b < a).count() as f64;
                let equal = v.iter().filter(|b| *b == a).count() as f64;
                below + (equal - 1.0) / 2.0
            })
            .collect()
    };
    let (rx, ry) = (ranks(x), ranks(y));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mx, my) = (mean(&rx), mean(&ry));
    let sxy: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

#[test]
fn the_report_draws_a_group_as_one_factor_and_only_the_strongest_relations() {
    // TABLE has five parameters in four factors (the two deal sensitivities share the group
    // `west`). Each live market against each factor is one relation; the twelve with the
    // largest |ρ| are drawn, the table holds every one, and no chart is per group member.
    let tmp = tempdir();
    let file = scenario(tmp.path(), TABLE);
    let out = tmp.path().join("r");
    run(&file, &out, &["--trials", "12", "--report"]);
    let html = read(&out.join("report.html"));
    assert!(html.contains("through 4 factor(s)"), "four factors");
    assert!(
        html.contains(
            "west: 2 parameters moving together (AA.deal_sensitivity, BB.deal_sensitivity)"
        )
    );
    let drawn: Vec<String> = fs::read_dir(out.join("report"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("uncertain-"))
        .collect();
    assert!(
        !drawn.iter().any(|n| n.contains("deal_sensitivity")),
        "a chart per group member: {drawn:?}"
    );
    // ρ of every market with GMV against each factor (a group through its first member: the
    // members move together, so their ranks are the same), from the files.
    let rows = draws(&out);
    let column = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let factors = [
        ("west", column("countries.AA.deal_sensitivity")),
        (
            "countries.AA.live_affinity.mean",
            column("countries.AA.live_affinity.mean"),
        ),
        (
            "countries.CC.diffusion.imitation",
            column("countries.CC.diffusion.imitation"),
        ),
        (
            "platforms.alpha.take_rate",
            column("platforms.alpha.take_rate"),
        ),
    ];
    let trials = read(&out.join("trials.csv"));
    let header: Vec<&str> = trials.lines().next().unwrap().split(',').collect();
    let gmv = header.iter().position(|h| *h == "gmv_usd").unwrap();
    let mut markets: Vec<(String, Vec<f64>)> = Vec::new();
    for line in trials.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let market = format!("{} {}", cells[2], cells[3]);
        let v: f64 = cells[gmv].parse().unwrap();
        match markets.iter_mut().find(|(m, _)| *m == market) {
            Some((_, vs)) => vs.push(v),
            None => markets.push((market, vec![v])),
        }
    }
    markets.retain(|(_, v)| v.iter().any(|x| *x != 0.0));
    let mut relations: Vec<(f64, String)> = Vec::new();
    for (market, y) in &markets {
        for (name, col) in factors {
            let x: Vec<f64> = rows[1..].iter().map(|r| r[col].parse().unwrap()).collect();
            // As the page writes it: two decimals, no "-0.00".
            let r = rho(&x, y);
            let r = if r.abs() < 0.005 { 0.0 } else { r };
            let slug = format!(
                "uncertain-gmv_usd-{}-vs-{name}.svg",
                market.replace(' ', "-")
            );
            relations.push((r, slug));
            // The table lists every relation with its ρ.
            assert!(
                html.contains(&format!("{r:.2}")),
                "ρ = {r:.2} of {market} and {name} not in the page"
            );
        }
    }
    assert!(relations.len() > 12, "more relations than are drawn");
    relations.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
    let mut strongest: Vec<String> = relations[..12].iter().map(|r| r.1.clone()).collect();
    let mut drawn = drawn;
    strongest.sort();
    drawn.sort();
    assert_eq!(drawn, strongest, "the twelve strongest relations are drawn");
}

#[test]
fn compare_and_sensitivity_read_a_run_with_uncertain_parameters() {
    // The readers take draws.csv as one more file of the folder: compare pairs two points
    // of a swept run whose trials carry draws, and sensitivity screens a morris sweep of one.
    let tmp = tempdir();
    let file = scenario(tmp.path(), TABLE);
    let sweep = tmp.path().join("sweep");
    run(
        &file,
        &sweep,
        &["--trials", "4", "--vary", "countries.AA.lapse=0.1,0.3"],
    );
    let out = tmp.path().join("two.csv");
    livemarket()
        .args(["compare", "--quiet", "--out"])
        .arg(&out)
        .arg(format!("{}#0", sweep.display()))
        .arg(format!("{}#1", sweep.display()))
        .assert()
        .success();
    let table = read(&out);
    assert!(table.lines().count() > 10, "{table}");
    let morris = tmp.path().join("morris");
    run(
        &file,
        &morris,
        &[
            "--trials",
            "2",
            "--design",
            "morris",
            "--trajectories",
            "2",
            "--vary",
            "countries.AA.lapse=0.1..0.4",
        ],
    );
    livemarket()
        .args(["sensitivity", "--quiet"])
        .arg(&morris)
        .assert()
        .success();
    assert!(read(&morris.join("sensitivity.csv")).contains("countries.AA.lapse"));
}
