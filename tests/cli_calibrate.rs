//! `nqpsim calibrate PLAN`: the simulated method of moments as a user runs it. The optimiser's
//! own tests (an analytic loss; a replay of an interrupted search) are in
//! `src/analysis/calibrate/search.rs`; the statistics (matrix inverse, chi-square tail,
//! sandwich) in `src/analysis/calibrate/inference.rs`.

mod common;

use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::nqpsim;
use nqpsim::analysis::calibrate::{self, Options, Status, search::Quiet};

/// A small plan: two parameters of model 1.2, moments from the trajectories only (no panel),
/// so that an evaluation is quick even in a debug build.
fn small_plan(dir: &Path, budget: usize) -> std::path::PathBuf {
    let path = dir.join("small.toml");
    fs::write(
        &path,
        format!(
            "replicates = 2\nseed = 11\n\
             [set]\n\"run.firms\" = 600\n\"run.steps\" = 5\n\
             [[parameter]]\nname = \"carbon_price\"\npath = \"policy.carbon_price\"\nmin = 0.0\nmax = 0.2\nstart = 0.15\n\
             [[parameter]]\nname = \"innovation_factor\"\nmode = \"multiply\"\n\
             paths = [\"sectors.traditional.innovation_rate\", \"sectors.emerging.innovation_rate\"]\nmin = 0.5\nmax = 1.5\n\
             [[moment]]\nmetric = \"emission_intensity:all:last\"\ntarget = 0.75\n\
             [[moment]]\ngrowth = \"tfp_index:all\"\ntarget = 3.0\ntolerance = 0.5\n\
             [[moment]]\nmetric = \"output_share:traditional:last\"\nband = [0.5, 0.95]\n\
             [search]\nevaluations = {budget}\nrestarts = 2\n"
        ),
    )
    .unwrap();
    path
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_calibration_writes_its_evaluations_estimates_and_report_the_same_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let plan = small_plan(dir.path(), 14);
    let plan = plan.to_str().unwrap();
    for threads in ["1", "2"] {
        let out = nqpsim(
            dir.path(),
            &[
                "calibrate",
                plan,
                "--out",
                &format!("t{threads}"),
                "--threads",
                threads,
                "-q",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (a, b) = (dir.path().join("t1/small"), dir.path().join("t2/small"));
    for file in ["evaluations.csv", "best.toml"] {
        assert_eq!(read(&a.join(file)), read(&b.join(file)), "{file}");
    }
    assert!(!a.join("journal.jsonl").exists());
    // every evaluation is a row: 14 of the search and 4 of the Jacobian at most
    let csv = read(&a.join("evaluations.csv"));
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "evaluation,phase,carbon_price,innovation_factor,emission_intensity:all:last,growth:tfp_index:all,output_share:traditional:last,loss,failed"
    );
    let rows = csv.lines().count() - 1;
    assert!((14..=18).contains(&rows), "{rows} rows");
    assert!(csv.lines().any(|l| l.contains(",jacobian,")));
    // best.toml is a scenario that runs as is
    let best = a.join("best.toml");
    let text = read(&best);
    assert!(
        text.contains("extends = \"builtin:baseline\"") && text.contains("policy.carbon_price = "),
        "{text}"
    );
    let check = nqpsim(dir.path(), &["check", "-q", best.to_str().unwrap()]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // the report has the estimates, the fit and the search
    let report = read(&a.join("report.md"));
    for part in [
        "## Estimates",
        "| `carbon_price` |",
        "## Fit",
        "(inside the band)",
        "## Search",
        "jacobian",
    ] {
        assert!(report.contains(part), "report.md lacks {part}:\n{report}");
    }
    // a tolerance of 0.5 is a weight of 1 / 0.5^2
    let growth = report
        .lines()
        .find(|l| l.starts_with("| `growth:tfp_index:all` |"))
        .unwrap();
    assert!(growth.ends_with("| 4.000e0 |"), "{growth}");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&a.join("manifest.json"))).unwrap();
    assert_eq!(manifest["command"], "calibrate");
    assert_eq!(manifest["estimates"].as_array().unwrap().len(), 2);
}

#[test]
fn an_interrupted_calibration_resumes_to_the_results_of_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let plan = small_plan(dir.path(), 24);
    let plan = plan.to_str().unwrap();
    let whole = nqpsim(dir.path(), &["calibrate", plan, "--out", "whole", "-q"]);
    assert!(whole.status.success());
    // Ctrl-C once the journal holds a few evaluations
    let child = common::process()
        .current_dir(dir.path())
        .args(["calibrate", plan, "--out", "cut", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let journal = dir.path().join("cut/small/journal.jsonl");
    let started = Instant::now();
    while fs::read_to_string(&journal).map_or(0, |t| t.lines().count()) < 5 {
        assert!(started.elapsed() < Duration::from_secs(120), "no journal");
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--resume"));
    assert!(journal.exists() && !dir.path().join("cut/small/evaluations.csv").exists());
    // without --resume the folder is refused
    let refused = nqpsim(dir.path(), &["calibrate", plan, "--out", "cut", "-q"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--resume"));
    let resumed = nqpsim(
        dir.path(),
        &["calibrate", plan, "--out", "cut", "-q", "--resume"],
    );
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    for file in ["evaluations.csv", "best.toml"] {
        assert_eq!(
            read(&dir.path().join("whole/small").join(file)),
            read(&dir.path().join("cut/small").join(file)),
            "{file}"
        );
    }
}

#[test]
fn bad_plans_are_refused_naming_the_line_the_field_and_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("colour = 1\n", "unknown field `colour`"),
        (
            "[[parameter]]\npath = \"policy.carbon_price\"\nmin = 0.5\nmax = 0.1\n[[moment]]\nfact = \"size_tail\"\ntarget = 1.0\n",
            "finite bounds with min < max",
        ),
        (
            "[[parameter]]\npath = \"sectors.traditional.no_such\"\nmin = 0.0\nmax = 1.0\n[[moment]]\nfact = \"size_tail\"\ntarget = 1.0\n",
            "must name a numeric field",
        ),
        (
            "[[parameter]]\npath = \"policy.carbon_price\"\nmin = 0.0\nmax = 0.1\n[[moment]]\nfact = \"zipf\"\ntarget = 1.0\n",
            "must be one of the facts",
        ),
        (
            "[[parameter]]\npath = \"policy.carbon_price\"\nmin = 0.0\nmax = 0.1\n[[moment]]\nmetric = \"tfp:steel:last\"\nband = [1.0, 0.5]\n",
            "`steel` is not a sector",
        ),
        (
            "[[parameter]]\npath = \"policy.carbon_price\"\nmin = 0.0\nmax = 0.1\n[[moment]]\nfact = \"size_tail\"\ntarget = 1.0\ntolerance = 0.0\n",
            "a finite tolerance > 0",
        ),
        (
            "[[parameter]]\npath = \"policy.carbon_price\"\nmin = 0.0\nmax = 0.1\n[[moment]]\nfact = \"size_tail\"\ntarget = 1.0\ntolerance = 0.5\nweight = 4.0\n",
            "either `weight` or `tolerance`",
        ),
    ];
    for (text, expected) in cases {
        let path = dir.path().join("bad.toml");
        fs::write(&path, text).unwrap();
        let out = nqpsim(dir.path(), &["calibrate", path.to_str().unwrap(), "-q"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(
            stderr.contains(expected) && stderr.contains("bad.toml:"),
            "{text}: {stderr}"
        );
    }
    assert!(!dir.path().join("output").exists());
}

/// Recovery of known parameters. The targets are the moments of the economy at
/// `demand_shock_sd` = 0.08 and `transitory_sd` = 0.05 measured on 8 replicates with one seed;
/// the calibration starts elsewhere (0.02, 0.15) and simulates with another seed, so the
/// targets carry sampling noise as data would; each estimate must lie within two of its
/// standard errors of the truth. (Release mode: some 60 evaluations of 4 replicates.)
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "statistical: runs with --release or --profile ci"
)]
fn a_calibration_recovers_known_parameters_within_two_standard_errors() {
    let dir = tempfile::tempdir().unwrap();
    let truth = [0.08, 0.05];
    let plan_text = |targets: &[f64], seed: u64, replicates: u32| {
        format!(
            "replicates = {replicates}\nseed = {seed}\n\
             [set]\n\"run.firms\" = 3000\n\"run.steps\" = 15\n\
             [[parameter]]\nname = \"demand_shock_sd\"\n\
             paths = [\"sectors.traditional.demand_shock_sd\", \"sectors.emerging.demand_shock_sd\", \"sectors.future.demand_shock_sd\"]\n\
             min = 0.0\nmax = 0.2\nstart = 0.02\n\
             [[parameter]]\nname = \"transitory_sd\"\n\
             paths = [\"sectors.traditional.transitory_sd\", \"sectors.emerging.transitory_sd\", \"sectors.future.transitory_sd\"]\n\
             min = 0.0\nmax = 0.2\nstart = 0.15\n\
             [[moment]]\nfact = \"size_tail\"\ntarget = {}\n\
             [[moment]]\nfact = \"tfp_persistence\"\ntarget = {}\n\
             [[moment]]\nfact = \"tfp_90_10\"\ntarget = {}\n\
             [search]\nevaluations = 60\nrestarts = 2\n",
            targets[0], targets[1], targets[2]
        )
    };
    // the "data": the moments at the truth, 8 replicates, seed 99
    let data_plan = dir.path().join("data.toml");
    fs::write(&data_plan, plan_text(&[1.0, 1.0, 1.0], 99, 8)).unwrap();
    let data = calibrate::load(&data_plan, &[]).unwrap();
    let u: Vec<f64> = data
        .parameters
        .iter()
        .zip(truth)
        .map(|(p, v)| p.coordinate(v))
        .collect();
    let targets = calibrate::evaluate::evaluate(&data, &u).means();
    // the calibration: seed 7, 4 replicates
    let plan_path = dir.path().join("recover.toml");
    fs::write(&plan_path, plan_text(&targets, 7, 4)).unwrap();
    let plan = calibrate::load(&plan_path, &[]).unwrap();
    let cancel = AtomicBool::new(false);
    let options = Options {
        out: dir.path().join("out"),
        threads: None,
        resume: false,
        force: false,
        cancel: &cancel,
        command: "test".into(),
    };
    let report = calibrate::calibrate(&plan, &options, &Quiet).unwrap();
    assert_eq!(report.status, Status::Complete);
    for ((name, value, se), truth) in report.estimates.iter().zip(truth) {
        let se = se.unwrap_or_else(|| panic!("{name} has no standard error"));
        assert!(
            (value - truth).abs() <= 2.0 * se,
            "{name}: {value} vs {truth} (se {se}); targets {targets:?}"
        );
        assert!(
            se < 0.05,
            "{name}: se {se} says the moments hardly identify it"
        );
    }
}
