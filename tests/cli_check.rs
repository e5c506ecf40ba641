//! `nqpsim check SCENARIO...`: validates scenario files, prints each fully resolved, and
//! exits 2 if any is bad. The shipped scenarios are checked from the repository root.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use nqpsim::Scenario;
use predicates::prelude::*;
use tempfile::TempDir;

fn tmp() -> TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `nqpsim` with `dir` as its working directory.
use common::command as nqpsim;

/// The shipped scenarios, as paths relative to the repository root (`scenarios/x.toml`).
fn shipped_scenarios() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(repo_root().join("scenarios"))
        .expect("a scenarios folder")
        .map(|e| e.expect("a folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            p.strip_prefix(repo_root())
                .expect("under the repository")
                .to_path_buf()
        })
        .collect();
    files.sort();
    assert!(
        files.iter().any(|f| f.ends_with("baseline.toml")),
        "scenarios/baseline.toml is shipped"
    );
    files
}

fn stdout_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// A scenario that extends the baseline and breaks one rule on line 4.
const BAD_SCENARIO: &str =
    "extends = \"builtin:baseline\"\n\n[sectors.emerging]\nrd_intensity = -0.1\n";

#[test]
fn every_shipped_scenario_checks_ok_on_its_own() {
    for file in shipped_scenarios() {
        let assert = nqpsim(repo_root())
            .arg("check")
            .arg(&file)
            .assert()
            .code(0)
            .stderr("");
        let stdout = stdout_of(&assert);
        let first = stdout.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            format!(
                "# {}: ok, resolved with every default written out",
                file.display()
            )
        );
    }
}

#[test]
fn all_shipped_scenarios_check_ok_together() {
    let files = shipped_scenarios();
    let assert = nqpsim(repo_root())
        .arg("check")
        .args(&files)
        .assert()
        .code(0)
        .stderr("");
    let stdout = stdout_of(&assert);
    for file in &files {
        assert!(
            stdout.contains(&format!("# {}: ok", file.display())),
            "{} not reported",
            file.display()
        );
    }
}

#[test]
fn check_prints_a_resolved_scenario_that_loads_back_equal() {
    let dir = tmp();
    for file in shipped_scenarios() {
        let original = nqpsim::scenario::load(&repo_root().join(&file), &[])
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let assert = nqpsim(repo_root()).arg("check").arg(&file).assert().code(0);
        let resolved = dir.path().join(file.file_name().unwrap());
        fs::write(&resolved, stdout_of(&assert)).unwrap();
        let again = nqpsim::scenario::load(&resolved, &[])
            .unwrap_or_else(|e| panic!("the resolved {} does not load: {e}", file.display()));
        assert_eq!(again, original, "round trip of {}", file.display());
    }
}

/// Custom sectors, no transitions, a budget cap, targeting and a schedule with a closed and
/// an open entry: the parts of a scenario that the shipped ones may not exercise.
const UNUSUAL: &str = r#"name = "unusual"
transitions = []

[run]
steps = 4
firms = 50
replicates = 1
seed = 9223372036854775807
start_year = -5

[sectors.steel]
tier = "traditional"
firm_share = 0.7
output_share = 0.6

[sectors.chips]
tier = "emerging"
firm_share = 0.3
output_share = 0.4
tfp_mean = 0.1

[policy]
budget_cap = 0.003
targeting = "selective"
rd_subsidy = { chips = 0.25 }

[[policy.schedule]]
from_step = 1
to_step = 2
set = { carbon_price = 0.1, digital_subsidy = { steel = 0.2 }, targeting = "laggards" }

[[policy.schedule]]
from_step = 3
set = {}
"#;

#[test]
fn an_unusual_scenario_round_trips_through_check() {
    let dir = tmp();
    fs::write(dir.path().join("unusual.toml"), UNUSUAL).unwrap();
    let original = nqpsim::scenario::load(&dir.path().join("unusual.toml"), &[]).unwrap();
    let assert = nqpsim(dir.path())
        .args(["check", "unusual.toml"])
        .assert()
        .code(0);
    let first = stdout_of(&assert);
    fs::write(dir.path().join("resolved.toml"), &first).unwrap();
    let again = nqpsim::scenario::load(&dir.path().join("resolved.toml"), &[]).unwrap();
    assert_eq!(again, original);
    // Checking the resolved file prints the same document (after the comment line).
    let assert = nqpsim(dir.path())
        .args(["check", "resolved.toml"])
        .assert()
        .code(0);
    let second = stdout_of(&assert);
    let body = |s: &str| s.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&second), body(&first));
}

#[test]
fn the_resolved_scenario_writes_every_value_out_and_extends_nothing() {
    let assert = nqpsim(repo_root())
        .args(["check", "scenarios/baseline.toml"])
        .assert()
        .code(0);
    let stdout = stdout_of(&assert);
    let table: toml::Table = toml::from_str(&stdout).expect("check prints a TOML document");
    assert!(!table.contains_key("extends"));
    for key in [
        "name",
        "run",
        "model",
        "sectors",
        "matrices",
        "transitions",
        "policy",
    ] {
        assert!(table.contains_key(key), "no `{key}` in:\n{stdout}");
    }
    // every model-1 parameter; model 2's only when a feature is on (below) or not at its
    // default, so a model-1 scenario's explicit form is what it was before model 2
    let model = table["model"].as_table().unwrap();
    for info in nqpsim::model::params::ModelParams::INFO {
        assert_eq!(
            model.contains_key(info.name),
            info.feature.is_none(),
            "model.{}",
            info.name
        );
    }
    for (name, sector) in table["sectors"].as_table().unwrap() {
        let sector = sector.as_table().unwrap();
        assert!(sector.contains_key("tier"), "sectors.{name}.tier left out");
        for info in nqpsim::model::params::SectorParams::INFO {
            assert_eq!(
                sector.contains_key(info.name),
                info.feature.is_none(),
                "sectors.{name}.{}",
                info.name
            );
        }
    }
    assert!(!table.contains_key("features") && !table.contains_key("regions"));
}

#[test]
fn with_a_feature_on_the_resolved_scenario_writes_model_2_out_too() {
    let assert = nqpsim(repo_root())
        .args(["check", "scenarios/regional-layout.toml"])
        .assert()
        .code(0);
    let stdout = stdout_of(&assert);
    let table: toml::Table = toml::from_str(&stdout).expect("check prints a TOML document");
    let model = table["model"].as_table().unwrap();
    // every parameter of model 1 and of model 2's part one (the scenario's features are all
    // of part one); part two's at their defaults are left out
    for info in nqpsim::model::params::ModelParams::INFO {
        let part_two = info.feature.is_some_and(|f| f.part_two());
        assert_eq!(
            model.contains_key(info.name),
            !part_two,
            "model.{}",
            info.name
        );
    }
    let features = table["features"].as_table().unwrap();
    assert_eq!(features["capacity"].as_bool(), Some(true));
    assert_eq!(features["labour"].as_bool(), Some(false));
    let regions: Vec<&String> = table["regions"].as_table().unwrap().keys().collect();
    assert_eq!(regions, ["east", "central", "west", "northeast"]);
    let policy = table["policy"].as_table().unwrap();
    assert_eq!(policy["backing"].as_float(), Some(1.0));
}

#[test]
fn the_resolved_builtin_baseline_equals_the_embedded_baseline() {
    let dir = tmp();
    let assert = nqpsim(dir.path())
        .args(["check", "builtin:baseline"])
        .assert()
        .code(0);
    let stdout = stdout_of(&assert);
    assert!(stdout.starts_with("# builtin:baseline: ok"), "{stdout}");
    let resolved = dir.path().join("resolved.toml");
    fs::write(&resolved, &stdout).unwrap();
    let again = nqpsim::scenario::load(&resolved, &[]).expect("the resolved baseline loads");
    assert_eq!(again, Scenario::baseline());
}

#[test]
fn check_quiet_prints_ok_and_the_path() {
    let files = shipped_scenarios();
    let expected: String = files
        .iter()
        .map(|f| format!("ok: {}\n", f.display()))
        .collect();
    nqpsim(repo_root())
        .args(["check", "-q"])
        .args(&files)
        .assert()
        .code(0)
        .stdout(expected)
        .stderr("");
}

#[test]
fn check_long_quiet_is_the_same_as_short_q() {
    nqpsim(repo_root())
        .args(["check", "--quiet", "scenarios/baseline.toml"])
        .assert()
        .code(0)
        .stdout("ok: scenarios/baseline.toml\n");
}

#[test]
fn check_on_a_bad_file_exits_2_and_reports_it() {
    let dir = tmp();
    fs::write(dir.path().join("bad.toml"), BAD_SCENARIO).unwrap();
    let assert = nqpsim(dir.path())
        .args(["check", "bad.toml"])
        .assert()
        .code(2)
        .stdout("");
    let stderr = stderr_of(&assert);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("bad.toml:4:16"), "{stderr}");
    assert!(stderr.contains("sectors.emerging.rd_intensity"), "{stderr}");
    assert!(stderr.contains("must be a finite number >= 0"), "{stderr}");
}

#[test]
fn check_goes_on_after_a_bad_file_and_still_exits_2() {
    let dir = tmp();
    fs::write(dir.path().join("bad.toml"), BAD_SCENARIO).unwrap();
    fs::write(
        dir.path().join("good.toml"),
        "extends = \"builtin:baseline\"\n",
    )
    .unwrap();
    let assert = nqpsim(dir.path())
        .args(["check", "-q", "bad.toml", "good.toml", "bad.toml"])
        .assert()
        .code(2)
        .stdout("ok: good.toml\n");
    let stderr = stderr_of(&assert);
    assert_eq!(stderr.matches("bad.toml:4:16").count(), 2, "{stderr}");
}

#[test]
fn check_reports_a_missing_file_and_exits_2() {
    let dir = tmp();
    nqpsim(dir.path())
        .args(["check", "nosuch.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nosuch.toml"));
}

#[test]
fn check_reports_a_syntax_error_with_line_and_column() {
    let dir = tmp();
    fs::write(
        dir.path().join("syntax.toml"),
        "extends = \"builtin:baseline\"\n\n[run\nfirms = 3\n",
    )
    .unwrap();
    nqpsim(dir.path())
        .args(["check", "syntax.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("syntax.toml:3:"));
}

#[test]
fn check_applies_set_overrides_to_the_resolved_scenario() {
    let dir = tmp();
    let assert = nqpsim(dir.path())
        .args([
            "check",
            "builtin:baseline",
            "--set",
            "policy.carbon_price=0.1",
            "--set",
            "run.firms=300",
        ])
        .assert()
        .code(0);
    let table: toml::Table = toml::from_str(&stdout_of(&assert)).unwrap();
    assert_eq!(table["policy"]["carbon_price"].as_float(), Some(0.1));
    assert_eq!(table["run"]["firms"].as_integer(), Some(300));
}

#[test]
fn check_with_a_bad_set_exits_2() {
    let dir = tmp();
    nqpsim(dir.path())
        .args(["check", "builtin:baseline", "--set", "policy.nosuchlever=1"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--set policy.nosuchlever=1"));
}

#[test]
fn check_without_a_file_exits_2() {
    let dir = tmp();
    nqpsim(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SCENARIO"));
}

#[test]
fn check_writes_nothing() {
    let dir = tmp();
    nqpsim(dir.path())
        .args(["check", "builtin:baseline"])
        .assert()
        .code(0);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn check_help_lists_its_flags() {
    let dir = tmp();
    nqpsim(dir.path())
        .args(["check", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("--quiet"))
        .stdout(predicate::str::contains("--set"));
}

#[test]
fn check_levers_prints_the_lever_path_by_step_and_year() {
    let assert = nqpsim(repo_root())
        .args([
            "check",
            "--levers",
            "scenarios/green-transition.toml",
            "--set",
            "run.steps=6",
        ])
        .assert()
        .code(0);
    let out = stdout_of(&assert);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[1..5],
        [
            " step   year  green_subsidy  carbon_price",
            "    0   2024              0          0.02",
            "    1   2025            0.3          0.04",
            "    2   2026            0.3          0.04",
        ],
        "{out}"
    );
    assert!(lines[8].ends_with("0.06"), "{out}");
    assert!(
        out.contains("the same at every step: rd_subsidy 0,"),
        "{out}"
    );
}

#[test]
fn check_levers_shows_a_ramp_in_years_step_by_step() {
    let dir = tmp();
    fs::write(
        dir.path().join("ramp.toml"),
        "extends = \"builtin:baseline\"\n[run]\nsteps = 4\nstart_year = 2030\n\
         [[policy.schedule]]\nfrom_year = 2031\nto_year = 2034\nramp = true\n\
         set = { carbon_price = 0.10 }\n",
    )
    .unwrap();
    let assert = nqpsim(dir.path())
        .args(["check", "--levers", "ramp.toml"])
        .assert()
        .code(0);
    let out = stdout_of(&assert);
    let prices: Vec<&str> = out
        .lines()
        .skip(2)
        .take(5)
        .map(|l| l.split_whitespace().last().unwrap())
        .collect();
    assert_eq!(prices, ["0.02", "0.04", "0.06", "0.08", "0.1"], "{out}");
    assert!(out.contains("    4   2034"), "{out}");
}

/// `talent_training` is set per region (docs/model.md M2.7): `--set` changes one region of a
/// regions scenario, the resolved scenario names every region, and it loads back equal.
#[test]
fn set_changes_one_region_of_a_per_region_lever_and_check_writes_every_region() {
    let dir = tmp();
    let assert = nqpsim(repo_root())
        .args([
            "check",
            "scenarios/regional-layout.toml",
            "--set",
            "policy.talent_training.east=0.02",
        ])
        .assert()
        .code(0);
    let stdout = stdout_of(&assert);
    let table: toml::Table = toml::from_str(&stdout).expect("check prints a TOML document");
    let training = table["policy"]["talent_training"].as_table().unwrap();
    let written: Vec<(&str, f64)> = training
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_float().unwrap()))
        .collect();
    assert_eq!(
        written,
        [
            ("east", 0.02),
            ("central", 0.0),
            ("west", 0.0),
            ("northeast", 0.0)
        ]
    );
    let resolved = dir.path().join("resolved.toml");
    fs::write(&resolved, &stdout).unwrap();
    let again = nqpsim::scenario::load(&resolved, &[]).expect("the resolved scenario loads");
    assert_eq!(again.policy.base.talent_training, [0.02, 0.0, 0.0, 0.0]);
}

/// A scenario of model 2 part one that leaves `talent_training` at its default does not write
/// it (its `labour` is off): its resolved form is what it was before the lever.
#[test]
fn a_part_one_scenario_does_not_write_talent_training() {
    let assert = nqpsim(repo_root())
        .args(["check", "scenarios/regional-layout.toml"])
        .assert()
        .code(0);
    let stdout = stdout_of(&assert);
    assert!(stdout.contains("backing = 1.0"), "{stdout}");
    assert!(!stdout.contains("talent_training"), "{stdout}");
}

#[test]
fn a_region_the_scenario_does_not_have_is_refused_with_the_regions_it_has() {
    let dir = tmp();
    let assert = nqpsim(dir.path())
        .args([
            "check",
            "builtin:baseline",
            "--set",
            "policy.talent_training.east=0.02",
        ])
        .assert()
        .code(2)
        .stdout("");
    let stderr = stderr_of(&assert);
    assert!(
        stderr.contains("--set policy.talent_training.east=0.02: `policy.talent_training.east`")
            && stderr.contains("must name one of the regions: national"),
        "{stderr}"
    );
}

#[test]
fn check_levers_shows_a_per_region_lever_by_region() {
    let assert = nqpsim(repo_root())
        .args([
            "check",
            "--levers",
            "scenarios/regional-layout.toml",
            "--set",
            "run.steps=3",
            "--set",
            "policy.schedule[0]={ from_step = 2, set = { talent_training = { west = 0.02 } } }",
        ])
        .assert()
        .code(0);
    let out = stdout_of(&assert);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[1..5],
        [
            " step   year  talent_training.west",
            "    0   2024                     0",
            "    1   2025                     0",
            "    2   2026                  0.02",
        ],
        "{out}"
    );
    assert!(
        out.contains("fund_matching 0, talent_training.east 0, talent_training.central 0,"),
        "{out}"
    );
}
