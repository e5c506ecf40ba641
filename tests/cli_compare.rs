//! `nqpsim compare`: paired effects under common random numbers, their intervals, the
//! step-0 warning, the fiscal accounting, and the ways of naming the two sides.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use nqpsim::output::table::Table;

const SMALL: [&str; 6] = ["--firms", "400", "--steps", "6", "--replicates", "6"];

use common::nqpsim;

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `base` and `policy` at (step, sector, metric): the `effects.csv` row as name -> text.
fn effect(t: &Table, step: u32, sector: &str, metric: &str) -> Vec<(String, String)> {
    effect_of(t, "sector", step, sector, metric)
}

/// The row of `region_effects.csv` at (step, region, metric), as name -> text.
fn region_effect(t: &Table, step: u32, region: &str, metric: &str) -> Vec<(String, String)> {
    effect_of(t, "region", step, region, metric)
}

/// The row of a file of effects at (step, the row named `name` in column `by`, metric).
fn effect_of(t: &Table, by: &str, step: u32, name: &str, metric: &str) -> Vec<(String, String)> {
    let (s, c, m) = (
        t.column("step").unwrap(),
        t.column(by).unwrap(),
        t.column("metric").unwrap(),
    );
    let r = (0..t.len())
        .find(|&r| {
            t.text(r, s) == step.to_string() && t.text(r, c) == name && t.text(r, m) == metric
        })
        .unwrap_or_else(|| panic!("no row {step} {name} {metric}"));
    t.columns()
        .iter()
        .enumerate()
        .map(|(i, name)| (name.clone(), t.text(r, i).to_string()))
        .collect()
}

fn field(row: &[(String, String)], name: &str) -> f64 {
    let v = &row.iter().find(|(n, _)| n == name).unwrap().1;
    v.parse().unwrap_or(f64::NAN)
}

/// Per-replicate values of (step, sector, metric) in a run's trajectories.csv.
fn per_replicate(t: &Table, step: u32, sector: &str, metric: &str) -> Vec<f64> {
    values_of(t, None, "sector", step, sector, metric)
}

/// Per-replicate values of (step, region, metric) in a `regions.csv` (of `point` of a sweep).
fn per_replicate_region(
    t: &Table,
    point: Option<u32>,
    step: u32,
    region: &str,
    metric: &str,
) -> Vec<f64> {
    values_of(t, point, "region", step, region, metric)
}

/// Per-replicate values of `metric` at `step` in the rows named `name` in column `by` (of
/// `point`, or of every point).
fn values_of(
    t: &Table,
    point: Option<u32>,
    by: &str,
    step: u32,
    name: &str,
    metric: &str,
) -> Vec<f64> {
    let (p, s, c) = (
        t.column("point").unwrap(),
        t.column("step").unwrap(),
        t.column(by).unwrap(),
    );
    let m = t.column(metric).unwrap();
    (0..t.len())
        .filter(|&r| {
            point.is_none_or(|point| t.text(r, p) == point.to_string())
                && t.text(r, s) == step.to_string()
                && t.text(r, c) == name
        })
        .map(|r| t.number(r, m).unwrap().unwrap())
        .collect()
}

/// `nqpsim run` of `base` into `dir/base/` and of `policy` into `dir/policy/`, with `size`.
fn run_into_base_and_policy(dir: &Path, (base, policy): (&Path, &Path), size: &[&str]) {
    for (file, name) in [(base, "base"), (policy, "policy")] {
        let mut run = vec!["run", file.to_str().unwrap(), "-q", "--out", name];
        run.extend(size);
        let o = nqpsim(dir, &run);
        assert!(o.status.success(), "{}", text(&o));
    }
}

#[test]
fn the_effect_is_the_mean_paired_difference_of_two_runs_with_the_same_seed() {
    let dir = tempfile::tempdir().unwrap();
    let (base, policy) = (
        scenarios().join("baseline.toml"),
        scenarios().join("digital-push.toml"),
    );
    let mut args = vec![
        "compare",
        base.to_str().unwrap(),
        policy.to_str().unwrap(),
        "-q",
    ];
    args.extend(SMALL);
    let o = nqpsim(dir.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !text(&o).contains("step 0"),
        "no step-0 warning: {}",
        text(&o)
    );
    let folder = dir.path().join("output/baseline-vs-digital-push");
    let effects = Table::read(&folder.join("effects.csv")).unwrap();
    assert_eq!(
        effects.columns(),
        [
            "step",
            "year",
            "sector",
            "tier",
            "metric",
            "n",
            "base_mean",
            "policy_mean",
            "effect",
            "se",
            "lo",
            "hi",
            "relative",
            "variance_reduction"
        ]
    );
    // every (step, row, metric): 7 steps x 4 rows x (37 metrics + tfp_growth); a model-1
    // comparison has no row of model 2's block
    assert_eq!(effects.len(), 7 * 4 * 38);

    // The same two scenarios run separately with the same seed give the replicates paired.
    run_into_base_and_policy(dir.path(), (&base, &policy), &SMALL);
    let b = Table::read(&dir.path().join("base/baseline/trajectories.csv")).unwrap();
    let p = Table::read(&dir.path().join("policy/digital-push/trajectories.csv")).unwrap();
    for (sector, metric) in [
        ("all", "tfp"),
        ("traditional", "digital_mean"),
        ("all", "emissions"),
    ] {
        let (yb, yp) = (
            per_replicate(&b, 6, sector, metric),
            per_replicate(&p, 6, sector, metric),
        );
        let d: Vec<f64> = yp.iter().zip(&yb).map(|(p, b)| p - b).collect();
        let n = d.len() as f64;
        let mean = d.iter().sum::<f64>() / n;
        let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let row = effect(&effects, 6, sector, metric);
        assert_eq!(field(&row, "n"), 6.0);
        assert!((field(&row, "effect") - mean).abs() < 1e-12 * (1.0 + mean.abs()));
        assert!((field(&row, "se") - sd / n.sqrt()).abs() < 1e-12 * (1.0 + sd));
        // t_{5, 0.975} = 2.5706
        let half = field(&row, "hi") - field(&row, "effect");
        assert!((half / (sd / n.sqrt()) - 2.5706).abs() < 1e-3, "{half}");
    }
    // Common random numbers make the paired difference far less noisy than an unpaired one.
    let tfp = effect(&effects, 6, "all", "tfp");
    assert!(field(&tfp, "variance_reduction") > 2.0, "{tfp:?}");
    // Both start from the same state: every effect at step 0 is exactly zero.
    let (st, e) = (
        effects.column("step").unwrap(),
        effects.column("effect").unwrap(),
    );
    for r in (0..effects.len()).filter(|&r| effects.text(r, st) == "0") {
        assert!(
            matches!(effects.text(r, e), "0" | ""),
            "row {r}: {}",
            effects.text(r, e)
        );
    }

    // Comparing the two run folders gives the same effects.
    let o = nqpsim(
        dir.path(),
        &[
            "compare",
            "base/baseline",
            "policy/digital-push",
            "-q",
            "--out",
            "again",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let again = std::fs::read(
        dir.path()
            .join("again/baseline-vs-digital-push/effects.csv"),
    )
    .unwrap();
    assert_eq!(again, std::fs::read(folder.join("effects.csv")).unwrap());
}

#[test]
fn the_terminal_shows_the_headline_effects_and_the_fiscal_figures() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "compare",
        "builtin:baseline",
        scenarios()
            .join("digital-push.toml")
            .to_str()
            .unwrap()
            .to_owned()
            .leak(),
    ];
    args.extend(SMALL);
    let o = nqpsim(dir.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for expected in [
        "6 paired replicates",
        "tfp_index",
        "tfp_growth",
        "output_share",
        "digital_mean",
        "green_mean",
        "emissions",
        "employment",
        "subsidy_total",
        "spending digital",
        "cost_per_tfp_pp",
        "output_per_subsidy",
    ] {
        assert!(out.contains(expected), "missing {expected}:\n{out}");
    }
}

#[test]
fn the_terminal_table_keeps_its_columns_aligned_for_long_sector_names() {
    // regional layouts have sectors such as `high_end_equipment`, longer than `traditional`
    let dir = tempfile::tempdir().unwrap();
    let questions = scenarios().join("questions");
    let (base, policy) = (
        questions.join("layout-none.toml"),
        questions.join("layout-differentiated.toml"),
    );
    let mut args = vec!["compare", base.to_str().unwrap(), policy.to_str().unwrap()];
    args.extend(SMALL);
    let o = nqpsim(dir.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let table: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("sector"))
        .take_while(|l| !l.starts_with("fiscal"))
        .filter(|l| !l.trim_start().starts_with('('))
        .collect();
    let metric = table[0].find("metric").unwrap();
    assert!(
        table.iter().any(|l| l.contains("high_end_equipment")),
        "{out}"
    );
    for line in &table[1..] {
        assert_eq!(line.as_bytes()[metric - 1], b' ', "{line}");
        assert_ne!(line.as_bytes()[metric], b' ', "{line}");
    }
}

#[test]
fn fiscal_spending_is_the_discounted_sum_of_the_subsidy_columns() {
    let dir = tempfile::tempdir().unwrap();
    let policy = scenarios().join("digital-push.toml");
    for (file, out) in [("builtin:baseline", "b"), (policy.to_str().unwrap(), "p")] {
        let mut run = vec!["run", file, "-q", "--out", out];
        run.extend(SMALL);
        assert!(nqpsim(dir.path(), &run).status.success());
    }
    let o = nqpsim(
        dir.path(),
        &[
            "compare",
            "b/baseline",
            "p/digital-push",
            "-q",
            "--discount-rate",
            "0.05",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let fiscal = Table::read(
        &dir.path()
            .join("output/baseline-vs-digital-push/fiscal.csv"),
    )
    .unwrap();
    let p = Table::read(&dir.path().join("p/digital-push/trajectories.csv")).unwrap();
    let b = Table::read(&dir.path().join("b/baseline/trajectories.csv")).unwrap();
    let pv = |t: &Table, metric: &str| -> Vec<f64> {
        let mut total = vec![0.0; 6];
        for step in 1..=6 {
            for (r, v) in per_replicate(t, step, "all", metric).iter().enumerate() {
                total[r] += v / 1.05f64.powi(step as i32);
            }
        }
        total
    };
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let row = |quantity: &str, lever: &str| -> usize {
        let (q, l) = (
            fiscal.column("quantity").unwrap(),
            fiscal.column("lever").unwrap(),
        );
        (0..fiscal.len())
            .find(|&r| fiscal.text(r, q) == quantity && fiscal.text(r, l) == lever)
            .unwrap()
    };
    let value = |r: usize, c: &str| fiscal.number(r, fiscal.column(c).unwrap()).unwrap();
    let spent = mean(&pv(&p, "subsidy_digital")) - mean(&pv(&b, "subsidy_digital"));
    assert!(spent > 0.0);
    let r = row("spending", "digital");
    assert!((value(r, "estimate").unwrap() - spent).abs() < 1e-12);
    assert_eq!(value(row("spending", "rd"), "estimate"), Some(0.0));
    // output per unit of subsidy: the ratio of the mean differences
    let gained = mean(&pv(&p, "output")) - mean(&pv(&b, "output"));
    let r = row("output_per_subsidy", "");
    assert!((value(r, "estimate").unwrap() - gained / spent).abs() < 1e-9);
    // cost per point of TFP: extra spending over 100 x the TFP effect at the last step
    let dtfp =
        mean(&per_replicate(&p, 6, "all", "tfp")) - mean(&per_replicate(&b, 6, "all", "tfp"));
    let r = row("cost_per_tfp_pp", "");
    assert!((value(r, "estimate").unwrap() - spent / (100.0 * dtfp)).abs() < 1e-9);
}

#[test]
fn a_policy_with_no_spending_and_no_effect_has_no_cost_ratios() {
    // The base against itself: every effect is zero, and a cost per unit of a zero gain is
    // not a number the tool should print.
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["compare", "builtin:baseline", "builtin:baseline", "-q"];
    args.extend(SMALL);
    let o = nqpsim(dir.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    let fiscal = Table::read(&dir.path().join("output/baseline-vs-baseline/fiscal.csv")).unwrap();
    let (q, e, i) = (
        fiscal.column("quantity").unwrap(),
        fiscal.column("estimate").unwrap(),
        fiscal.column("interval").unwrap(),
    );
    for r in 0..fiscal.len() {
        if fiscal.text(r, q).starts_with("cost_per") || fiscal.text(r, q) == "output_per_subsidy" {
            assert_eq!(fiscal.text(r, e), "", "{}", fiscal.text(r, q));
            assert!(fiscal.text(r, i).starts_with("none"));
        }
    }
}

#[test]
fn a_lever_set_from_step_0_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("from-zero.toml"),
        "extends = \"builtin:baseline\"\nname = \"from-zero\"\n[policy]\ncarbon_price = 0.05\n",
    )
    .unwrap();
    let mut args = vec!["compare", "builtin:baseline", "from-zero.toml", "-q"];
    args.extend(SMALL);
    let o = nqpsim(dir.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("differ at step 0")
            && err
                .contains("a lever in force at step 0 differs (policy.carbon_price: 0.02 vs 0.05)")
            && err.contains("from_step = 1"),
        "{err}"
    );
    let manifest = std::fs::read_to_string(
        dir.path()
            .join("output/baseline-vs-from-zero/manifest.json"),
    )
    .unwrap();
    assert!(
        manifest.contains("\"step0_differs\": [\n    \""),
        "{manifest}"
    );
}

#[test]
fn runs_with_different_seeds_are_compared_unpaired_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    for (seed, out) in [("1", "a"), ("2", "b")] {
        let mut run = vec!["run", "-q", "--out", out, "--seed", seed];
        run.extend(SMALL);
        assert!(nqpsim(dir.path(), &run).status.success());
    }
    let o = nqpsim(dir.path(), &["compare", "a/baseline", "b/baseline", "-q"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unpaired"));
    let effects = Table::read(&dir.path().join("output/baseline-vs-baseline/effects.csv")).unwrap();
    let row = effect(&effects, 6, "all", "tfp");
    assert!(field(&row, "lo") < field(&row, "effect") && field(&row, "effect") < field(&row, "hi"));
    assert!(
        field(&row, "variance_reduction").is_nan(),
        "no pairing, no reduction"
    );
}

#[test]
fn two_points_of_a_sweep_are_compared_pair_by_pair() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("plan.toml"),
        "name = \"rd\"\nreplicates = 4\n[set]\n\"run.firms\" = 300\n\"run.steps\" = 4\n\
         [[axis]]\npath = \"policy.rd_subsidy\"\nvalues = [0.0, 0.5]\n",
    )
    .unwrap();
    let o = nqpsim(dir.path(), &["sweep", "plan.toml", "-q"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = nqpsim(dir.path(), &["compare", "output/rd", "--points", "0,1"]);
    assert!(o.status.success(), "{}", text(&o));
    let headline = String::from_utf8_lossy(&o.stdout);
    assert!(
        headline.starts_with(
            "rd point 1 (policy.rd_subsidy = 0.5) vs rd point 0 (policy.rd_subsidy = 0): "
        ),
        "the points are named: {headline}"
    );
    let effects = Table::read(&dir.path().join("output/rd-point0-vs-point1/effects.csv")).unwrap();
    let row = effect(&effects, 4, "all", "subsidy_rd");
    assert!(field(&row, "effect") > 0.0 && field(&row, "n") == 4.0);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("unpaired"));
}

#[test]
fn wrong_inputs_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["compare", "builtin:baseline"], "name the policy"),
        (
            &[
                "compare",
                "builtin:baseline",
                "builtin:baseline",
                "--level",
                "1.5",
            ],
            "--level 1.5",
        ),
        (
            &["compare", ".", "--points", "0,1"],
            "not a finished nqpsim output folder",
        ),
        (
            &["compare", "builtin:baseline", "missing.toml"],
            "missing.toml",
        ),
        (
            &[
                "compare",
                "builtin:baseline",
                "builtin:baseline",
                "--points",
                "0",
            ],
            "--points 0",
        ),
    ];
    for (args, expected) in cases {
        let o = nqpsim(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(expected), "{args:?}: {}", text(&o));
    }
    assert!(!dir.path().join("output").exists(), "nothing written");
}

#[test]
fn an_interrupted_run_and_a_summary_only_sweep_cannot_be_compared() {
    let dir = tempfile::tempdir().unwrap();
    let mut run = vec!["run", "-q", "--out", "a"];
    run.extend(SMALL);
    assert!(nqpsim(dir.path(), &run).status.success());
    // what an interrupted run's manifest says
    let manifest = dir.path().join("a/baseline/manifest.json");
    let json = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, json.replace("\"complete\"", "\"interrupted\"")).unwrap();
    let o = nqpsim(dir.path(), &["compare", "a/baseline", "a/baseline"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("interrupted") && text(&o).contains("manifest.json"));

    std::fs::write(
        dir.path().join("plan.toml"),
        "name = \"rd\"\nreplicates = 2\n[set]\n\"run.firms\" = 200\n\"run.steps\" = 2\n\
         [[axis]]\npath = \"policy.rd_subsidy\"\nvalues = [0.0, 0.5]\n",
    )
    .unwrap();
    assert!(
        nqpsim(dir.path(), &["sweep", "plan.toml", "-q", "--summary-only"])
            .status
            .success()
    );
    let o = nqpsim(dir.path(), &["compare", "output/rd", "--points", "0,1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--summary-only"), "{}", text(&o));
}

/// `nqpsim run --firms 600 --replicates 3 --steps 4` into `out`, of `scenario` (the baseline
/// if `None`).
fn small_run(dir: &Path, scenario: Option<&Path>, firms: &str) {
    let mut args = vec!["run", "-q", "--out", "out"];
    let path;
    if let Some(s) = scenario {
        path = s.display().to_string();
        args.push(&path);
    }
    args.extend(["--firms", firms, "--replicates", "3", "--steps", "4"]);
    let o = nqpsim(dir, &args);
    assert!(o.status.success(), "{}", text(&o));
}

/// The values of `firms` of `all` at step 0 in effects.csv: (base, policy).
fn step0_firms(effects: &Path) -> (f64, f64) {
    let t = Table::read(effects).unwrap();
    let row = effect(&t, 0, "all", "firms");
    (field(&row, "base_mean"), field(&row, "policy_mean"))
}

#[test]
fn a_scenario_compared_with_a_run_folder_runs_with_the_folders_settings() {
    let dir = tempfile::tempdir().unwrap();
    small_run(dir.path(), None, "600");
    let rd = scenarios().join("rd-subsidy.toml");
    let rd = rd.to_str().unwrap();
    // the folder as the base: the policy scenario runs at 600 firms, not its own 10,000
    let o = nqpsim(dir.path(), &["compare", "out/baseline", rd, "-q"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("differ at step 0"), "{}", text(&o));
    assert_eq!(
        step0_firms(&dir.path().join("output/baseline-vs-rd-subsidy/effects.csv")),
        (600.0, 600.0)
    );
    // the folder as the policy: the base scenario takes its settings
    small_run(
        dir.path(),
        Some(&scenarios().join("rd-subsidy.toml")),
        "700",
    );
    let o = nqpsim(
        dir.path(),
        &["compare", "builtin:baseline", "out/rd-subsidy", "-q"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        step0_firms(&dir.path().join("output/baseline-vs-rd-subsidy/effects.csv")),
        (700.0, 700.0)
    );
}

#[test]
fn run_folders_of_different_economies_or_a_flag_against_a_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    small_run(dir.path(), None, "600");
    small_run(
        dir.path(),
        Some(&scenarios().join("rd-subsidy.toml")),
        "700",
    );
    let o = nqpsim(dir.path(), &["compare", "out/baseline", "out/rd-subsidy"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("run.firms 600 vs 700"), "{}", text(&o));
    let rd = scenarios().join("rd-subsidy.toml");
    let o = nqpsim(
        dir.path(),
        &[
            "compare",
            "out/baseline",
            rd.to_str().unwrap(),
            "--firms",
            "900",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--firms 900: the base (out/baseline) ran with run.firms = 600"),
        "{}",
        text(&o)
    );
    assert!(!dir.path().join("output").exists(), "nothing is written");
}

#[test]
fn the_step0_warning_names_different_parameters_as_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("richer.toml"),
        "extends = \"builtin:baseline\"\nname = \"richer\"\n[sectors.future]\ntfp_mean = 0.5\n",
    )
    .unwrap();
    let mut args = vec!["compare", "builtin:baseline", "richer.toml", "-q"];
    args.extend(SMALL);
    let o = nqpsim(dir.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("their parameters differ (sectors.future.tfp_mean: 0.05 vs 0.5)")
            && !err.contains("a lever"),
        "{err}"
    );
}

#[test]
fn a_policy_that_also_moves_a_carbon_price_is_told_what_output_per_subsidy_means() {
    let dir = tempfile::tempdir().unwrap();
    let green = scenarios().join("green-transition.toml");
    let mut args = vec!["compare", "builtin:baseline", green.to_str().unwrap(), "-q"];
    args.extend(SMALL);
    let o = nqpsim(dir.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the policy also moves carbon_price, which is not subsidy spending")
            && err.contains("not the subsidies' multiplier"),
        "{err}"
    );
    let rd = scenarios().join("rd-subsidy.toml");
    let mut args = vec!["compare", "builtin:baseline", rd.to_str().unwrap(), "-q"];
    args.extend(SMALL);
    let o = nqpsim(dir.path(), &args);
    assert!(!text(&o).contains("not subsidy spending"), "{}", text(&o));
}

#[test]
fn two_model_two_economies_are_also_compared_on_model_twos_columns() {
    let dir = tempfile::tempdir().unwrap();
    let questions = scenarios().join("questions");
    let (base, policy) = (
        questions.join("layout-differentiated.toml"),
        questions.join("layout-homogeneous.toml"),
    );
    let mut args = vec!["compare", base.to_str().unwrap(), policy.to_str().unwrap()];
    args.extend(["--firms", "600", "--steps", "4", "--replicates", "4"]);
    let o = nqpsim(dir.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    // The headline has utilisation, of `all` and of each sector, and the platform.
    let out = String::from_utf8_lossy(&o.stdout);
    let line = |sector: &str, metric: &str| {
        out.lines()
            .find(|l| l.split_whitespace().take(2).eq([sector, metric]))
            .unwrap_or_else(|| panic!("no {sector} {metric} line:\n{out}"))
            .to_string()
    };
    line("all", "capacity_utilisation");
    line("all", "contributions");
    line("new_materials", "capacity_utilisation");

    // effects.csv: every model-1 metric and tfp_growth, then the 16 model-2 columns; the
    // paired effect is the mean of the replicates' differences, as for any metric.
    let folder = dir
        .path()
        .join("output/layout-differentiated-vs-layout-homogeneous");
    let effects = Table::read(&folder.join("effects.csv")).unwrap();
    assert_eq!(effects.len(), 5 * 7 * (38 + 16));
    let row = effect(&effects, 4, "new_materials", "capacity_utilisation");
    assert_eq!(field(&row, "n"), 4.0);
    assert!(
        field(&row, "effect") < 0.0,
        "duplication idles capacity: {row:?}"
    );
    // A column no feature here fills is compared on no replicate.
    assert_eq!(field(&effect(&effects, 4, "all", "autonomy"), "n"), 0.0);

    run_into_base_and_policy(
        dir.path(),
        (&base, &policy),
        &["--firms", "600", "--steps", "4", "--replicates", "4"],
    );
    let read = |name: &str, scenario: &str| {
        Table::read(
            &dir.path()
                .join(name)
                .join(scenario)
                .join("trajectories.csv"),
        )
        .unwrap()
    };
    let b = per_replicate(
        &read("base", "layout-differentiated"),
        4,
        "new_materials",
        "capacity_utilisation",
    );
    let p = per_replicate(
        &read("policy", "layout-homogeneous"),
        4,
        "new_materials",
        "capacity_utilisation",
    );
    let mean = b.iter().zip(&p).map(|(b, p)| p - b).sum::<f64>() / 4.0;
    assert!(
        (field(&row, "effect") - mean).abs() < 1e-12,
        "{} vs {mean}",
        field(&row, "effect")
    );

    // The figures draw utilisation too.
    let plot = nqpsim(dir.path(), &["plot", folder.to_str().unwrap(), "-q"]);
    assert!(plot.status.success(), "{}", text(&plot));
    assert!(
        folder
            .join("plots/effect-capacity_utilisation.svg")
            .is_file()
    );
}

/// The mean of the paired differences `policy - base`.
fn mean_difference(base: &[f64], policy: &[f64]) -> f64 {
    assert_eq!(base.len(), policy.len());
    policy.iter().zip(base).map(|(p, b)| p - b).sum::<f64>() / base.len() as f64
}

#[test]
fn two_economies_with_regions_are_also_compared_region_by_region() {
    let dir = tempfile::tempdir().unwrap();
    let questions = scenarios().join("questions");
    let (base, policy) = (
        questions.join("layout-differentiated.toml"),
        questions.join("layout-homogeneous.toml"),
    );
    let size = ["--firms", "600", "--steps", "4", "--replicates", "4"];
    let mut args = vec!["compare", base.to_str().unwrap(), policy.to_str().unwrap()];
    args.extend(size);
    let o = nqpsim(dir.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    // The headline has each region's output share and TFP growth after the sectors.
    let out = String::from_utf8_lossy(&o.stdout);
    let regions = out
        .lines()
        .position(|l| l.split_whitespace().take(2).eq(["region", "metric"]))
        .unwrap_or_else(|| panic!("no region table:\n{out}"));
    for region in ["east", "central", "west", "northeast"] {
        for metric in ["output_share", "tfp_growth"] {
            assert!(
                out.lines()
                    .skip(regions)
                    .any(|l| l.split_whitespace().take(2).eq([region, metric])),
                "no {region} {metric} line:\n{out}"
            );
        }
    }
    assert!(out.contains("region_effects.csv"), "{out}");

    // region_effects.csv: every number column of regions.csv and tfp_growth, for every
    // (step, region); the columns of effects.csv with `region` for `sector` and no tier.
    let folder = dir
        .path()
        .join("output/layout-differentiated-vs-layout-homogeneous");
    let effects = Table::read(&folder.join("region_effects.csv")).unwrap();
    assert_eq!(
        effects.columns(),
        [
            "step",
            "year",
            "region",
            "metric",
            "n",
            "base_mean",
            "policy_mean",
            "effect",
            "se",
            "lo",
            "hi",
            "relative",
            "variance_reduction"
        ]
    );
    assert_eq!(effects.len(), 5 * 4 * 9);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("manifest.json")).unwrap()).unwrap();
    let listed = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "region_effects.csv")
        .expect("the manifest lists region_effects.csv");
    assert_eq!(listed["rows"], 5 * 4 * 9);
    // Without `labour`, the region's employment is compared on no replicate.
    assert_eq!(
        field(&region_effect(&effects, 4, "east", "employment_low"), "n"),
        0.0
    );

    // The effect is the mean paired difference of the two runs' regions.csv, as for sectors;
    // tfp_growth is 100 (tfp_t - tfp_0) / t of the region's tfp.
    run_into_base_and_policy(dir.path(), (&base, &policy), &size);
    let b = Table::read(&dir.path().join("base/layout-differentiated/regions.csv")).unwrap();
    let p = Table::read(&dir.path().join("policy/layout-homogeneous/regions.csv")).unwrap();
    for (region, metric) in [
        ("west", "tfp"),
        ("east", "output_share"),
        ("central", "firms"),
    ] {
        let expected = mean_difference(
            &per_replicate_region(&b, None, 4, region, metric),
            &per_replicate_region(&p, None, 4, region, metric),
        );
        let row = region_effect(&effects, 4, region, metric);
        assert_eq!(field(&row, "n"), 4.0);
        assert!(
            (field(&row, "effect") - expected).abs() < 1e-12 * (1.0 + expected.abs()),
            "{region} {metric}: {row:?} against {expected}"
        );
    }
    let growth = |t: &Table| -> Vec<f64> {
        let (now, start) = (
            per_replicate_region(t, None, 4, "northeast", "tfp"),
            per_replicate_region(t, None, 0, "northeast", "tfp"),
        );
        now.iter()
            .zip(&start)
            .map(|(n, s)| 100.0 * (n - s) / 4.0)
            .collect()
    };
    let expected = mean_difference(&growth(&b), &growth(&p));
    let row = region_effect(&effects, 4, "northeast", "tfp_growth");
    assert!(
        (field(&row, "effect") - expected).abs() < 1e-9,
        "{row:?} against {expected}"
    );

    // Comparing the two run folders gives the same bytes.
    let o = nqpsim(
        dir.path(),
        &[
            "compare",
            "base/layout-differentiated",
            "policy/layout-homogeneous",
            "-q",
            "--out",
            "again",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let again = dir
        .path()
        .join("again/layout-differentiated-vs-layout-homogeneous/region_effects.csv");
    assert_eq!(
        std::fs::read(again).unwrap(),
        std::fs::read(folder.join("region_effects.csv")).unwrap()
    );

    // The figures draw the regions' effects too.
    let plot = nqpsim(dir.path(), &["plot", folder.to_str().unwrap(), "-q"]);
    assert!(plot.status.success(), "{}", text(&plot));
    for figure in ["region-effect-output_share", "region-effect-tfp_growth"] {
        assert!(
            folder.join(format!("plots/{figure}.svg")).is_file(),
            "{figure}"
        );
    }
    assert!(
        !folder
            .join("plots/region-effect-employment_low.svg")
            .exists()
    );
}

#[test]
fn two_points_of_a_sweep_with_regions_are_compared_region_by_region() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("plan.toml"),
        format!(
            "name = \"herding\"\nscenario = {:?}\nreplicates = 3\n[set]\n\"run.firms\" = 400\n\
             \"run.steps\" = 3\n[[axis]]\npath = \"policy.layout_herding\"\nvalues = [0.0, 1.0]\n",
            scenarios().join("regional-layout.toml")
        ),
    )
    .unwrap();
    let o = nqpsim(dir.path(), &["sweep", "plan.toml", "-q"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = nqpsim(
        dir.path(),
        &["compare", "output/herding", "--points", "0,1", "-q"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let effects = Table::read(
        &dir.path()
            .join("output/herding-point0-vs-point1/region_effects.csv"),
    )
    .unwrap();
    assert_eq!(effects.len(), 4 * 4 * 9);
    // Each point's rows of the sweep's regions.csv, paired by replicate.
    let regions = Table::read(&dir.path().join("output/herding/regions.csv")).unwrap();
    for (region, metric) in [("east", "output_share"), ("west", "tfp")] {
        let expected = mean_difference(
            &per_replicate_region(&regions, Some(0), 3, region, metric),
            &per_replicate_region(&regions, Some(1), 3, region, metric),
        );
        let row = region_effect(&effects, 3, region, metric);
        assert_eq!(field(&row, "n"), 3.0);
        assert!(
            (field(&row, "effect") - expected).abs() < 1e-12 * (1.0 + expected.abs()),
            "{region} {metric}: {row:?} against {expected}"
        );
    }
}

#[test]
fn regions_are_compared_only_where_both_sides_have_them() {
    let dir = tempfile::tempdir().unwrap();
    let base = scenarios().join("questions/layout-differentiated.toml");
    let policy = dir.path().join("policy.toml");
    let write_policy = |regions: bool| {
        std::fs::write(
            &policy,
            format!(
                "extends = {base:?}\nname = \"policy\"\n[policy]\nlayout_herding = 1.0\n\
                 [features]\nregions = {regions}\n"
            ),
        )
        .unwrap()
    };
    let compare = || {
        let mut args = vec![
            "compare",
            base.to_str().unwrap(),
            policy.to_str().unwrap(),
            "-q",
        ];
        args.extend(["--firms", "300", "--steps", "2", "--replicates", "2"]);
        nqpsim(dir.path(), &args)
    };
    let written = dir
        .path()
        .join("output/layout-differentiated-vs-policy/region_effects.csv");
    write_policy(true);
    let o = compare();
    assert!(o.status.success(), "{}", text(&o));
    assert!(written.is_file());
    // The policy without regions: the sectors are compared, the regions not, and the region
    // effects of the comparison before are removed (they would not match these).
    write_policy(false);
    let o = compare();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(
            "only the base has model 2's regions, so regions are not compared \
             (region_effects.csv is not written)"
        ),
        "{}",
        text(&o)
    );
    assert!(!written.exists());
    assert!(written.with_file_name("effects.csv").is_file());
    let manifest = std::fs::read_to_string(written.with_file_name("manifest.json")).unwrap();
    assert!(!manifest.contains("region_effects.csv"), "{manifest}");
}
