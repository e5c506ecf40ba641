//! `nqpsim sensitivity`: a real sweep of each design (Saltelli, Morris, Latin hypercube) run
//! through the binary and analysed; the CSV's shape; a lever that cannot move the outcome
//! gets nothing; bad outcomes and incomplete or foreign folders are refused with exit code 2
//! and nothing written.
//!
//! The sweeps are tiny (300 firms, 5 steps, 1 replicate, 24 to 80 points: a fraction of a
//! second each). Their third axis is the carbon price from step 5 on: at step 4 every point
//! has run with the same random numbers (one seed) and the same carbon price, so the outcome
//! there cannot depend on it, whatever the noise.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::nqpsim;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The axes, in the order of every plan here.
const AXES: [&str; 3] = [
    "policy.rd_subsidy",
    "carbon_price_from_5",
    "model.upgrade_step",
];

/// Runs a sweep of `design` (the plan's design keys) in a fresh folder; returns the folder
/// and the sweep's folder in it.
fn sweep(name: &str, design: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let plan = format!(
        r#"
name = "{name}"
replicates = 1
seed = 7
{design}

[set]
"run.firms" = 300
"run.steps" = 5

[[axis]]
path = "policy.rd_subsidy"
range = {{ from = 0.0, to = 0.6 }}

[[axis]]
name = "carbon_price_from_5"
path = "policy.carbon_price"
range = {{ from = 0.0, to = 0.1 }}
from_step = 5

[[axis]]
path = "model.upgrade_step"
range = {{ from = 0.05, to = 0.3 }}
"#
    );
    fs::write(dir.path().join("plan.toml"), plan).unwrap();
    let out = nqpsim(dir.path(), &["sweep", "plan.toml", "-q", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("out").join(name);
    (dir, folder)
}

fn saltelli() -> (tempfile::TempDir, PathBuf) {
    sweep("salt", "design = \"sobol\"\nsaltelli = true\nn = 16")
}

/// Runs `nqpsim sensitivity FOLDER ARGS...` (`folder` absolute, so that it may not exist).
fn sensitivity(folder: &Path, args: &[&str]) -> Output {
    let mut all = vec!["sensitivity", folder.to_str().unwrap()];
    all.extend(args);
    nqpsim(&std::env::temp_dir(), &all)
}

/// A row of the written CSV.
#[derive(Debug)]
struct Row {
    outcome: String,
    method: String,
    factor: String,
    measure: String,
    estimate: f64,
    lo: Option<f64>,
    hi: Option<f64>,
}

/// Reads `sensitivity/<file>` of `folder`, checking the header.
fn rows(folder: &Path, file: &str) -> Vec<Row> {
    let path = folder.join("sensitivity").join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("outcome,method,factor,measure,estimate,lo,hi")
    );
    let number = |s: &str| (!s.is_empty()).then(|| s.parse::<f64>().unwrap());
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 7, "{line}");
            Row {
                outcome: f[0].into(),
                method: f[1].into(),
                factor: f[2].into(),
                measure: f[3].into(),
                estimate: number(f[4]).expect("every row has an estimate"),
                lo: number(f[5]),
                hi: number(f[6]),
            }
        })
        .collect()
}

fn find<'a>(rows: &'a [Row], factor: &str, measure: &str) -> &'a Row {
    rows.iter()
        .find(|r| r.factor == factor && r.measure == measure)
        .unwrap_or_else(|| panic!("no {factor} {measure} in {rows:?}"))
}

#[test]
fn a_saltelli_sweep_gets_first_and_total_sobol_indices_per_axis_in_axis_order() {
    let (_dir, folder) = saltelli();
    let out = sensitivity(
        &folder,
        &[
            "--outcome",
            "tfp_index:all:4",
            "--outcome",
            "emissions:all:last",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let tfp = rows(&folder, "tfp_index-all-4.csv");
    let shape: Vec<(&str, &str)> = tfp
        .iter()
        .map(|r| (r.factor.as_str(), r.measure.as_str()))
        .collect();
    let expected: Vec<(&str, &str)> = AXES
        .iter()
        .flat_map(|&a| [(a, "first"), (a, "total")])
        .collect();
    assert_eq!(shape, expected);
    for row in &tfp {
        assert_eq!(
            (row.outcome.as_str(), row.method.as_str()),
            ("tfp_index:all:4", "sobol")
        );
        let (lo, hi) = (row.lo.unwrap(), row.hi.unwrap());
        assert!(
            row.estimate.is_finite() && lo.is_finite() && hi.is_finite(),
            "{row:?}"
        );
        assert!(lo <= hi, "{row:?}");
        if row.measure == "total" {
            assert!(
                row.estimate >= 0.0 && lo >= 0.0,
                "a total index is a mean of squares: {row:?}"
            );
        }
    }
    // `last` is resolved to the step number in the file's name and rows
    let emissions = rows(&folder, "emissions-all-5.csv");
    assert_eq!(emissions.len(), 6);
    assert!(emissions.iter().all(|r| r.outcome == "emissions:all:5"));

    let printed = stdout(&out);
    for text in [
        "tfp_index:all:4, Sobol' indices",
        "n = 16 base samples: 80 points x 1 replicate",
        "95% percentile bootstrap intervals, 1000 resamples, seed 7",
        "ST - S = interactions",
        "sensitivity/tfp_index-all-4.csv",
        "emissions:all:5, Sobol' indices",
    ] {
        assert!(printed.contains(text), "`{text}` in\n{printed}");
    }
}

#[test]
fn a_lever_that_applies_after_the_outcome_step_gets_zero_indices_and_ranks_last() {
    let (_dir, folder) = saltelli();
    let out = sensitivity(
        &folder,
        &[
            "--outcome",
            "tfp_index:all:4",
            "--outcome",
            "emissions:all:5",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let before = rows(&folder, "tfp_index-all-4.csv");
    for measure in ["first", "total"] {
        let idle = find(&before, "carbon_price_from_5", measure);
        assert_eq!(
            (idle.estimate, idle.lo, idle.hi),
            (0.0, Some(0.0), Some(0.0))
        );
    }
    let rd = find(&before, "policy.rd_subsidy", "total");
    assert!(rd.estimate > 0.05, "the R&D subsidy moves TFP: {rd:?}");

    // the printed table ranks by total index: the idle lever last
    let printed = stdout(&out);
    let table = &printed[..printed.find("emissions:all:5").unwrap()];
    let at = |name: &str| table.find(&format!("  {name} ")).unwrap();
    assert!(
        at("policy.rd_subsidy") < at("carbon_price_from_5"),
        "{table}"
    );

    // once it applies, the carbon price is the lever that moves emissions most
    let after = rows(&folder, "emissions-all-5.csv");
    let carbon = find(&after, "carbon_price_from_5", "total").estimate;
    for other in ["policy.rd_subsidy", "model.upgrade_step"] {
        assert!(carbon > find(&after, other, "total").estimate, "{after:?}");
    }
}

#[test]
fn a_morris_sweep_gets_mu_mu_star_and_sigma_per_axis_without_intervals() {
    let (_dir, folder) = sweep("morris", "design = \"morris\"\nr = 6");
    let out = sensitivity(&folder, &["--outcome", "tfp_index:all:4", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "--quiet prints nothing");
    let effects = rows(&folder, "tfp_index-all-4.csv");
    let shape: Vec<(&str, &str)> = effects
        .iter()
        .map(|r| (r.factor.as_str(), r.measure.as_str()))
        .collect();
    let expected: Vec<(&str, &str)> = AXES
        .iter()
        .flat_map(|&a| [(a, "mu"), (a, "mu_star"), (a, "sigma")])
        .collect();
    assert_eq!(shape, expected);
    for row in &effects {
        assert_eq!(row.method, "morris");
        assert!(
            row.estimate.is_finite() && row.lo.is_none() && row.hi.is_none(),
            "{row:?}"
        );
    }
    for axis in AXES {
        let (mu, mu_star) = (find(&effects, axis, "mu"), find(&effects, axis, "mu_star"));
        assert!(mu_star.estimate >= mu.estimate.abs(), "{axis}");
    }
    assert_eq!(
        find(&effects, "carbon_price_from_5", "mu_star").estimate,
        0.0
    );
    assert!(find(&effects, "policy.rd_subsidy", "mu_star").estimate > 0.0);
}

#[test]
fn a_latin_hypercube_sweep_gets_standardised_regression_coefficients_and_r_squared() {
    let (_dir, folder) = sweep("lhs", "design = \"lhs\"\nn = 16");
    let out = sensitivity(&folder, &["--outcome", "tfp_index:all:4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fit = rows(&folder, "tfp_index-all-4.csv");
    let shape: Vec<(&str, &str)> = fit
        .iter()
        .map(|r| (r.factor.as_str(), r.measure.as_str()))
        .collect();
    assert_eq!(
        shape,
        [
            ("policy.rd_subsidy", "src"),
            ("carbon_price_from_5", "src"),
            ("model.upgrade_step", "src"),
            ("", "r_squared")
        ]
    );
    assert!(
        fit.iter()
            .all(|r| r.method == "src" && r.estimate.is_finite())
    );
    let r_squared = &fit[3];
    assert!((0.0..=1.0).contains(&r_squared.estimate) && r_squared.lo.is_none());
    let src = |axis| find(&fit, axis, "src").estimate.abs();
    assert!(
        src("carbon_price_from_5") < src("policy.rd_subsidy"),
        "{fit:?}"
    );
    assert!(stdout(&out).contains("R^2 = "));
}

#[test]
fn the_same_sweep_and_seed_give_the_same_bytes_and_another_seed_other_intervals_only() {
    let (_dir, folder) = saltelli();
    let file = folder.join("sensitivity/tfp_index-all-5.csv");
    let run = |args: &[&str]| {
        let mut all = vec!["--outcome", "tfp_index:all:5", "-q"];
        all.extend(args);
        let out = sensitivity(&folder, &all);
        assert!(out.status.success(), "{}", stderr(&out));
        fs::read_to_string(&file).unwrap()
    };
    let first = run(&[]);
    assert_eq!(run(&[]), first);
    assert_eq!(
        run(&["--seed", "7"]),
        first,
        "the default seed is the sweep's"
    );
    let other = run(&["--seed", "8"]);
    assert_ne!(other, first);
    let estimates = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| l.split(',').take(5).collect::<Vec<_>>().join(","))
            .collect()
    };
    assert_eq!(estimates(&other), estimates(&first));
    let none = run(&["--bootstrap", "0"]);
    assert!(none.lines().skip(1).all(|l| l.ends_with(",,")), "{none}");
}

/// Runs `args` on `folder`, expecting exit code 2 with every one of `messages` on stderr and
/// no `sensitivity/` folder.
fn refused(folder: &Path, args: &[&str], messages: &[&str]) {
    let out = sensitivity(folder, args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    let err = stderr(&out);
    for message in messages {
        assert!(err.contains(message), "{args:?}: `{message}` in {err}");
    }
    assert!(
        !folder.join("sensitivity").exists(),
        "{args:?} wrote nothing"
    );
}

#[test]
fn a_metric_alone_is_its_value_for_all_at_the_last_step_as_for_plot() {
    let (_dir, folder) = saltelli();
    let out = sensitivity(&folder, &["--outcome", "tfp_index", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let step = std::fs::read_dir(folder.join("sensitivity"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(step.len(), 1, "{step:?}");
    assert!(step[0].starts_with("tfp_index-all-"), "{step:?}");
}

#[test]
fn bad_outcomes_are_refused_with_exit_code_2_naming_the_flag_and_nothing_is_written() {
    let (_dir, folder) = saltelli();
    refused(
        &folder,
        &["--outcome", "tfp_index:all:last:0"],
        &["METRIC:SECTOR:STEP", "tfp_index:all:last:0"],
    );
    refused(
        &folder,
        &["--outcome", "tfp_index:all:first"],
        &["`first`", "neither a step number nor `last`"],
    );
    refused(
        &folder,
        &["--outcome", "productivity:all:last"],
        &[
            "--outcome productivity:all:last",
            "summary.csv has no metric `productivity`",
            "tfp_index",
        ],
    );
    refused(
        &folder,
        &["--outcome", "tfp_index:industry:last"],
        &["no sector `industry`", "traditional, emerging, future, all"],
    );
    refused(
        &folder,
        &["--outcome", "tfp_index:all:6"],
        &[
            "--outcome tfp_index:all:6",
            "step 6 is beyond the sweep's last step, 5",
        ],
    );
    refused(
        &folder,
        &["--outcome", "tfp_index:all:0"],
        &["is 1 at every point"],
    );
    // a good outcome beside a bad one: nothing is written for either
    refused(
        &folder,
        &[
            "--outcome",
            "tfp_index:all:4",
            "--outcome",
            "tfp_index:all:6",
        ],
        &["step 6"],
    );
    refused(
        &folder,
        &["--outcome", "tfp_index:all:4", "--level", "95"],
        &["--level 95", "between 0 and 1"],
    );
}

#[test]
fn a_saltelli_sweep_with_a_lost_point_is_refused_naming_its_sample_and_block() {
    let (_dir, folder) = saltelli();
    let points = folder.join("points.csv");
    let text = fs::read_to_string(&points).unwrap();
    // point 13: base sample 2 (5 points a sample: A, B, AB x 3), block AB of the second axis
    assert!(text.contains("\n13,2,AB,carbon_price_from_5,"), "{text}");
    let lost: String = text
        .lines()
        .filter(|l| !l.starts_with("13,"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&points, lost).unwrap();
    refused(
        &folder,
        &["--outcome", "tfp_index:all:last"],
        &[
            "points.csv",
            "base sample 2 has no point in block AB (varied `carbon_price_from_5`)",
            "79 of the design's 80",
        ],
    );
}

#[test]
fn a_run_folder_an_unfinished_sweep_or_no_folder_is_not_taken_for_a_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let out = nqpsim(
        dir.path(),
        &[
            "run", "-q", "--firms", "100", "--steps", "2", "--out", "runs",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let run = dir.path().join("runs/baseline");
    refused(
        &run,
        &["--outcome", "tfp_index:all:1"],
        &["manifest.json", "written by `nqpsim run`"],
    );
    refused(
        &dir.path().join("nowhere"),
        &["--outcome", "tfp_index:all:1"],
        &["no such folder"],
    );

    let (_sweep_dir, folder) = saltelli();
    fs::write(folder.join("journal.jsonl"), "{}\n").unwrap();
    refused(
        &folder,
        &["--outcome", "tfp_index:all:1"],
        &["journal.jsonl", "unfinished", "--resume"],
    );
    fs::remove_file(folder.join("journal.jsonl")).unwrap();
    fs::remove_file(folder.join("manifest.json")).unwrap();
    refused(
        &folder,
        &["--outcome", "tfp_index:all:1"],
        &["manifest.json", "not the folder of a finished sweep"],
    );
}

#[test]
fn a_regions_outcome_is_the_mean_over_replicates_of_its_rows_in_regions_csv() {
    let dir = tempfile::tempdir().unwrap();
    let regional = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/regional-layout.toml");
    let plan = format!(
        "name = \"regional\"\nscenario = {regional:?}\nreplicates = 2\nseed = 7\n\
         design = \"lhs\"\nn = 10\n[set]\n\"run.firms\" = 300\n\"run.steps\" = 4\n\
         [[axis]]\npath = \"policy.layout_herding\"\nrange = {{ from = 0.0, to = 1.0 }}\n\
         [[axis]]\npath = \"model.backing_rd\"\nrange = {{ from = 0.25, to = 1.0 }}\n"
    );
    fs::write(dir.path().join("plan.toml"), plan).unwrap();
    let out = nqpsim(dir.path(), &["sweep", "plan.toml", "-q", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("out/regional");
    // A name that is neither a sector nor a region is refused, naming both kinds.
    refused(
        &folder,
        &["--outcome", "output_share:atlantis:last"],
        &[
            "no sector or region `atlantis`",
            "northeast",
            "new_materials",
        ],
    );

    let out = sensitivity(&folder, &["--outcome", "output_share:northeast:last"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fit = rows(&folder, "output_share-northeast-4.csv");
    assert!(
        fit.iter()
            .all(|r| r.method == "src" && r.estimate.is_finite())
    );

    // The value of each point: the mean of its replicates' rows in regions.csv.
    let text = fs::read_to_string(folder.join("regions.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let c = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut sum = [0.0; 10];
    for f in lines.map(|l| l.split(',').collect::<Vec<_>>()) {
        if f[c("step")] == "4" && f[c("region")] == "northeast" {
            let point: usize = f[c("point")].parse().unwrap();
            sum[point] += f[c("output_share")].parse::<f64>().unwrap();
        }
    }
    let sweep = nqpsim::analysis::sweep_sensitivity::Sweep::open(&folder).unwrap();
    let outcome = "output_share:northeast:last".parse().unwrap();
    let options = nqpsim::analysis::sweep_sensitivity::Options {
        bootstrap: 0,
        level: 0.95,
        seed: 1,
    };
    let analysis = &sweep.analyse(&[outcome], &options).unwrap()[0];
    assert_eq!(analysis.step, 4);
    for (point, (y, s)) in analysis.y.iter().zip(sum).enumerate() {
        assert!(
            (y - s / 2.0).abs() < 1e-15,
            "point {point}: {y} against {}",
            s / 2.0
        );
    }
}
