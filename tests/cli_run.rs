//! `nqpsim run` and bare `nqpsim`: what they write, what they print, and their exit codes
//! (0 success, 1 runtime failure, 2 bad input).
//!
//! Every run is small (`--firms 200 --steps 3 --replicates 2`) and writes into a fresh
//! temporary folder that is also the working directory.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use tempfile::TempDir;

/// Small sizes that keep a debug-build run well under a second.
const SMALL: [&str; 6] = ["--firms", "200", "--steps", "3", "--replicates", "2"];

/// The columns of `trajectories.csv`, in order (README, "Output columns").
const HEADER: &str = "scenario,point,replicate,seed,step,year,sector,tier,firms,entries,exits,\
standard_exits,switches_in,switches_out,spawns,output,output_share,employment,\
labour_productivity,tfp,tfp_index,tfp_unweighted,tfp_p10,tfp_p50,tfp_p90,tfp_sd,\
op_covariance,technology,frontier,digital_mean,green_mean,data_mean,data_multiplier_mean,\
emissions,emission_intensity,innovations,imitations,clamped,subsidy_rd,subsidy_digital,\
subsidy_green,subsidy_entry,subsidy_talent,subsidy_total,carbon_revenue";

/// The sectors of the baseline in scenario order, then the total.
const BASELINE_SECTORS: [&str; 4] = ["traditional", "emerging", "future", "all"];

fn tmp() -> TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// `nqpsim` with `dir` as its working directory.
use common::command as nqpsim;

/// `nqpsim run SMALL --out DIR/out`, plus `extra`; returns the output folder (`DIR/out`).
fn run_small(dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join("out");
    nqpsim(dir)
        .arg("run")
        .args(SMALL)
        .args(extra)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .code(0);
    out
}

fn csv_bytes(out: &Path, scenario: &str) -> Vec<u8> {
    let path = out.join(scenario).join("trajectories.csv");
    fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The header and the data rows of a trajectories file, as strings.
fn read_csv(out: &Path, scenario: &str) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let bytes = csv_bytes(out, scenario);
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader.headers().expect("a header").clone();
    let rows = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .expect("well-formed CSV");
    (header, rows)
}

fn column(header: &csv::StringRecord, name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn read_manifest(out: &Path, scenario: &str) -> serde_json::Value {
    let path = out.join(scenario).join("manifest.json");
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("manifest.json is JSON")
}

/// Whether `path` is absent or an empty folder.
fn nothing_written(path: &Path) -> bool {
    !path.exists()
        || fs::read_dir(path)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false)
}

/// A scenario that extends the baseline and breaks one rule on line 4.
const BAD_SCENARIO: &str =
    "extends = \"builtin:baseline\"\n\n[sectors.emerging]\nrd_intensity = -0.1\n";

// ---------------------------------------------------------------------------------------
// What a successful run writes
// ---------------------------------------------------------------------------------------

#[test]
fn run_without_a_scenario_writes_the_baseline_trajectories_and_manifest() {
    let dir = tmp();
    let out = run_small(dir.path(), &[]);
    assert!(out.join("baseline/trajectories.csv").is_file());
    assert!(out.join("baseline/manifest.json").is_file());
    let entries: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        entries,
        ["baseline"],
        "only the scenario folder is written under --out"
    );
    let mut files: Vec<_> = fs::read_dir(out.join("baseline"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            ".nqpsim.lock",
            "decomposition.csv",
            "manifest.json",
            "trajectories.csv"
        ],
        "no temporary files are left behind (the lock file stays, empty of meaning once the run ends)"
    );
}

#[test]
fn the_csv_header_is_exactly_the_documented_columns() {
    let dir = tmp();
    let out = run_small(dir.path(), &[]);
    let bytes = csv_bytes(&out, "baseline");
    let text = String::from_utf8(bytes).expect("UTF-8");
    let first_line = text.lines().next().expect("a header line");
    assert_eq!(first_line, HEADER);
}

#[test]
fn there_is_one_row_per_replicate_step_and_sector_plus_all_in_order() {
    let dir = tmp();
    let out = run_small(dir.path(), &[]);
    let (header, rows) = read_csv(&out, "baseline");
    // replicates x (steps + 1) x (sectors + 1) = 2 x 4 x 4
    assert_eq!(rows.len(), 32);
    let (rep, step, sector, tier, scenario, point) = (
        column(&header, "replicate"),
        column(&header, "step"),
        column(&header, "sector"),
        column(&header, "tier"),
        column(&header, "scenario"),
        column(&header, "point"),
    );
    let mut i = 0;
    for r in 0..2 {
        for s in 0..=3 {
            for name in BASELINE_SECTORS {
                let row = &rows[i];
                assert_eq!(&row[rep], r.to_string(), "row {i}");
                assert_eq!(&row[step], s.to_string(), "row {i}");
                assert_eq!(&row[sector], name, "row {i}");
                // The baseline's sectors are named after their tiers; `all` has tier `all`.
                assert_eq!(&row[tier], name, "row {i}");
                assert_eq!(&row[scenario], "baseline", "row {i}");
                assert_eq!(&row[point], "0", "row {i}");
                i += 1;
            }
        }
    }
}

#[test]
fn every_row_has_as_many_fields_as_the_header() {
    let dir = tmp();
    let out = run_small(dir.path(), &[]);
    let (header, rows) = read_csv(&out, "baseline");
    assert_eq!(header.len(), HEADER.split(',').count());
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), header.len(), "row {i}");
    }
}

#[test]
fn year_is_the_start_year_plus_the_step() {
    let dir = tmp();
    let out = run_small(dir.path(), &[]);
    let (header, rows) = read_csv(&out, "baseline");
    let (step, year) = (column(&header, "step"), column(&header, "year"));
    for row in &rows {
        let s: i64 = row[step].parse().unwrap();
        let y: i64 = row[year].parse().unwrap();
        assert_eq!(y, 2024 + s);
    }
}

#[test]
fn output_at_step_zero_sums_to_one_over_the_sector_rows() {
    let dir = tmp();
    let out = run_small(dir.path(), &[]);
    let (header, rows) = read_csv(&out, "baseline");
    let (rep, step, sector, output) = (
        column(&header, "replicate"),
        column(&header, "step"),
        column(&header, "sector"),
        column(&header, "output"),
    );
    for r in ["0", "1"] {
        let at_start: Vec<&csv::StringRecord> = rows
            .iter()
            .filter(|row| &row[rep] == r && &row[step] == "0")
            .collect();
        let sum: f64 = at_start
            .iter()
            .filter(|row| &row[sector] != "all")
            .map(|row| row[output].parse::<f64>().unwrap())
            .sum();
        assert!((sum - 1.0).abs() < 1e-9, "replicate {r}: sum {sum}");
        let all: f64 = at_start
            .iter()
            .find(|row| &row[sector] == "all")
            .expect("an `all` row")[output]
            .parse()
            .unwrap();
        assert!((all - 1.0).abs() < 1e-9, "replicate {r}: all {all}");
    }
}

#[test]
fn the_manifest_is_json_with_seed_scenario_run_facts_and_files() {
    let dir = tmp();
    let out = run_small(dir.path(), &[]);
    let m = read_manifest(&out, "baseline");
    assert_eq!(m["seed"], 2024);
    assert_eq!(m["scenario_name"], "baseline");
    assert_eq!(m["scenario"]["name"], "baseline");
    assert_eq!(m["scenario"]["run"]["firms"], 200);
    assert_eq!(m["scenario"]["run"]["steps"], 3);
    assert_eq!(m["scenario"]["run"]["replicates"], 2);
    assert!(m["run"]["threads"].as_u64().unwrap() >= 1);
    assert!(m["run"]["wall_time_s"].as_f64().unwrap() >= 0.0);
    assert!(m["run"]["firm_steps"].as_u64().unwrap() > 0);
    let files = m["files"].as_array().expect("files is an array");
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["name"], "trajectories.csv");
    assert_eq!(files[0]["rows"], 32);
    assert_eq!(files[1]["name"], "decomposition.csv");
    assert_eq!(
        files[1]["rows"], 24,
        "2 replicates x 3 steps x (3 sectors + all)"
    );
    assert_eq!(m["scenario_files"], serde_json::json!(["builtin:baseline"]));
}

#[test]
fn the_manifest_records_the_overrides_in_order() {
    let dir = tmp();
    let out = run_small(dir.path(), &["--set", "policy.carbon_price=0.05"]);
    let m = read_manifest(&out, "baseline");
    let overrides: Vec<&str> = m["overrides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        overrides,
        [
            "--steps 3",
            "--firms 200",
            "--replicates 2",
            "policy.carbon_price=0.05"
        ]
    );
    assert_eq!(m["scenario"]["policy"]["carbon_price"], 0.05);
}

#[test]
fn bare_nqpsim_does_the_same_as_run() {
    let dir = tmp();
    let with_run = run_small(dir.path(), &[]);
    let bare = dir.path().join("bare");
    nqpsim(dir.path())
        .args(SMALL)
        .arg("--out")
        .arg(&bare)
        .arg("--quiet")
        .assert()
        .code(0)
        .stdout("");
    assert!(bare.join("baseline/manifest.json").is_file());
    assert_eq!(
        csv_bytes(&bare, "baseline"),
        csv_bytes(&with_run, "baseline")
    );
}

#[test]
fn the_default_out_folder_is_output_in_the_working_directory() {
    let dir = tmp();
    nqpsim(dir.path())
        .arg("run")
        .args(SMALL)
        .arg("-q")
        .assert()
        .code(0);
    assert!(
        dir.path()
            .join("output/baseline/trajectories.csv")
            .is_file()
    );
}

// ---------------------------------------------------------------------------------------
// What it prints
// ---------------------------------------------------------------------------------------

#[test]
fn quiet_prints_nothing() {
    let dir = tmp();
    nqpsim(dir.path())
        .arg("run")
        .args(SMALL)
        .args(["--out", "out", "--quiet"])
        .assert()
        .code(0)
        .stdout("")
        .stderr("");
    assert!(dir.path().join("out/baseline/trajectories.csv").is_file());
}

#[test]
fn short_q_is_quiet_too() {
    let dir = tmp();
    nqpsim(dir.path())
        .arg("run")
        .args(SMALL)
        .args(["--out", "out", "-q"])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn without_quiet_a_summary_names_the_output_path_and_every_sector() {
    let dir = tmp();
    let csv_path = Path::new("out").join("baseline").join("trajectories.csv");
    let assert = nqpsim(dir.path())
        .arg("run")
        .args(SMALL)
        .args(["--out", "out"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(csv_path.display().to_string()))
        .stdout(predicate::str::contains(
            "baseline: 2 replicates x 3 steps, 200 firms",
        ));
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    for name in BASELINE_SECTORS {
        assert!(
            stdout.lines().any(|l| l.trim_start().starts_with(name)),
            "no summary line for {name}:\n{stdout}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Flags and --set
// ---------------------------------------------------------------------------------------

#[test]
fn set_changes_a_policy_lever_in_the_resolved_scenario() {
    let dir = tmp();
    let out = run_small(dir.path(), &["--set", "policy.rd_subsidy.traditional=0.3"]);
    let m = read_manifest(&out, "baseline");
    let rd = &m["scenario"]["policy"]["rd_subsidy"];
    assert_eq!(rd["traditional"], 0.3);
    assert_eq!(rd["emerging"], 0.0, "the other sectors keep their value");
    assert_eq!(rd["future"], 0.0, "the other sectors keep their value");
}

#[test]
fn set_run_firms_changes_the_number_of_firms_at_step_zero() {
    let dir = tmp();
    let out = dir.path().join("out");
    nqpsim(dir.path())
        .args([
            "run",
            "--set",
            "run.firms=300",
            "--steps",
            "3",
            "--replicates",
            "2",
        ])
        .arg("--out")
        .arg(&out)
        .arg("-q")
        .assert()
        .code(0);
    let (header, rows) = read_csv(&out, "baseline");
    let (step, sector, firms) = (
        column(&header, "step"),
        column(&header, "sector"),
        column(&header, "firms"),
    );
    let at_start = |want_all: bool| -> u64 {
        rows.iter()
            .filter(|r| &r[step] == "0" && (&r[sector] == "all") == want_all)
            .map(|r| r[firms].parse::<u64>().unwrap())
            .sum()
    };
    // Two replicates, 300 firms each.
    assert_eq!(at_start(false), 600);
    assert_eq!(at_start(true), 600);
}

#[test]
fn an_explicit_set_wins_over_a_shorthand_flag_for_the_same_field() {
    // The flags are applied first, then every `--set` (src/cli/run.rs, RunArgs::overrides).
    let dir = tmp();
    let out = run_small(dir.path(), &["--set", "run.firms=300"]);
    assert_eq!(
        read_manifest(&out, "baseline")["scenario"]["run"]["firms"],
        300
    );
}

#[test]
fn steps_two_gives_steps_zero_to_two() {
    let dir = tmp();
    let out = dir.path().join("out");
    nqpsim(dir.path())
        .args(["run", "--firms", "200", "--replicates", "2", "--steps", "2"])
        .arg("--out")
        .arg(&out)
        .arg("-q")
        .assert()
        .code(0);
    let (header, rows) = read_csv(&out, "baseline");
    let step = column(&header, "step");
    let mut steps: Vec<u32> = rows.iter().map(|r| r[step].parse().unwrap()).collect();
    steps.sort();
    steps.dedup();
    assert_eq!(steps, [0, 1, 2]);
    assert_eq!(rows.len(), 2 * 3 * 4);
}

#[test]
fn seed_sets_the_seed_column_and_the_manifest_seed() {
    let dir = tmp();
    let out = run_small(dir.path(), &["--seed", "5"]);
    let (header, rows) = read_csv(&out, "baseline");
    let seed = column(&header, "seed");
    assert!(rows.iter().all(|r| &r[seed] == "5"));
    assert_eq!(read_manifest(&out, "baseline")["seed"], 5);
}

#[test]
fn the_largest_toml_integer_is_the_largest_seed() {
    // A seed must fit a TOML integer (signed 64-bit) so that the resolved scenario in the
    // manifest can be written back as a scenario file.
    let dir = tmp();
    let out = run_small(dir.path(), &["--seed", "9223372036854775807"]);
    assert_eq!(
        read_manifest(&out, "baseline")["seed"],
        9_223_372_036_854_775_807_u64
    );
    nqpsim(dir.path())
        .arg("run")
        .args(SMALL)
        .args(["--seed", "9223372036854775808", "--out", "too-big"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--seed"));
    assert!(nothing_written(&dir.path().join("too-big")));
}

#[test]
fn the_same_seed_twice_gives_identical_csv_bytes() {
    let (a, b) = (tmp(), tmp());
    let first = csv_bytes(&run_small(a.path(), &["--seed", "5"]), "baseline");
    let second = csv_bytes(&run_small(b.path(), &["--seed", "5"]), "baseline");
    assert_eq!(first, second);
}

#[test]
fn different_seeds_give_different_csv_bytes() {
    let (a, b) = (tmp(), tmp());
    let five = csv_bytes(&run_small(a.path(), &["--seed", "5"]), "baseline");
    let six = csv_bytes(&run_small(b.path(), &["--seed", "6"]), "baseline");
    assert_ne!(five, six);
}

#[test]
fn one_and_two_threads_give_identical_csv_bytes() {
    let (a, b) = (tmp(), tmp());
    let one = run_small(a.path(), &["--threads", "1"]);
    let two = run_small(b.path(), &["--threads", "2"]);
    assert_eq!(csv_bytes(&one, "baseline"), csv_bytes(&two, "baseline"));
    assert_eq!(read_manifest(&one, "baseline")["run"]["threads"], 1);
}

#[test]
fn zero_threads_is_bad_input() {
    let dir = tmp();
    nqpsim(dir.path())
        .arg("run")
        .args(SMALL)
        .args(["--threads", "0", "--out", "out"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--threads 0"))
        .stderr(predicate::str::contains("at least one thread"));
    assert!(nothing_written(&dir.path().join("out")));
}

#[test]

fn zero_threads_is_not_reported_as_a_set_argument() {
    let dir = tmp();
    nqpsim(dir.path())
        .arg("run")
        .args(SMALL)
        .args(["--threads", "0", "--out", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--set").not());
}

#[test]
fn zero_firms_are_bad_input_naming_the_range() {
    let dir = tmp();
    nqpsim(dir.path())
        .args([
            "run",
            "--replicates",
            "2",
            "--steps",
            "3",
            "--firms",
            "0",
            "--out",
            "out",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "--firms 0: `run.firms` is 0, but must be an integer from 1 to",
        ));
    assert!(nothing_written(&dir.path().join("out")));
}

#[test]
fn zero_steps_run_the_initial_state_alone() {
    let dir = tmp();
    let assert = nqpsim(dir.path())
        .args([
            "run",
            "--replicates",
            "2",
            "--firms",
            "200",
            "--steps",
            "0",
            "--out",
            "out",
        ])
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("2 replicates x 0 steps"), "{stdout}");
    assert!(!stdout.contains("NaN"), "{stdout}");
    let csv = fs::read_to_string(dir.path().join("out/baseline/trajectories.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let step = header.iter().position(|c| *c == "step").unwrap();
    let tfp_index = header.iter().position(|c| *c == "tfp_index").unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 2 * 4, "two replicates x (3 sectors + all)");
    assert!(
        rows.iter()
            .all(|r| r[step] == "0" && r[tfp_index].parse::<f64>() == Ok(1.0)),
        "{csv}"
    );
    let decomposition =
        fs::read_to_string(dir.path().join("out/baseline/decomposition.csv")).unwrap();
    assert_eq!(decomposition.lines().count(), 1, "a header: no change yet");
}

#[test]
fn a_bad_shorthand_flag_is_reported_as_that_flag() {
    let dir = tmp();
    nqpsim(dir.path())
        .args(["run", "--firms", "0", "--replicates", "2", "--steps", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--firms 0"))
        .stderr(predicate::str::contains("--set").not());
    // a negative number is the flag's value, not a flag: clap's `-- -1` tip would not work
    nqpsim(dir.path())
        .args(["run", "--seed", "-1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--seed -1: `run.seed` is -1, but must be an integer from 0 to 9223372036854775807",
        ));
}

#[test]
fn help_lists_every_run_flag() {
    let dir = tmp();
    let flags = [
        "--steps",
        "--firms",
        "--replicates",
        "--seed",
        "--threads",
        "--out",
        "--set",
        "--quiet",
    ];
    for args in [&["--help"][..], &["run", "--help"][..]] {
        let assert = nqpsim(dir.path()).args(args).assert().code(0);
        let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
        for flag in flags {
            assert!(
                stdout.contains(flag),
                "`nqpsim {args:?}` lacks {flag}:\n{stdout}"
            );
        }
    }
    assert!(nothing_written(&dir.path().join("output")));
}

#[test]
fn help_names_the_commands() {
    let dir = tmp();
    nqpsim(dir.path())
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("run"))
        .stdout(predicate::str::contains("check"))
        .stdout(predicate::str::contains("params"));
}

#[test]
fn version_prints_the_package_version() {
    let dir = tmp();
    nqpsim(dir.path())
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
}

// ---------------------------------------------------------------------------------------
// Scenario files
// ---------------------------------------------------------------------------------------

const SMALL_RUN: &str = "[run]\nfirms = 200\nsteps = 3\nreplicates = 2\n";

#[test]
fn a_scenario_file_without_a_name_writes_to_a_folder_named_after_its_stem() {
    let dir = tmp();
    let text = format!("extends = \"builtin:baseline\"\n{SMALL_RUN}");
    fs::write(dir.path().join("small-test.toml"), text).unwrap();
    nqpsim(dir.path())
        .args(["run", "small-test.toml", "--out", "out", "-q"])
        .assert()
        .code(0);
    let out = dir.path().join("out");
    assert!(out.join("small-test/trajectories.csv").is_file());
    assert!(!out.join("baseline").exists());
    let (header, rows) = read_csv(&out, "small-test");
    assert_eq!(rows.len(), 32);
    let scenario = column(&header, "scenario");
    assert!(rows.iter().all(|r| &r[scenario] == "small-test"));
    let m = read_manifest(&out, "small-test");
    assert_eq!(m["scenario_name"], "small-test");
    assert_eq!(
        m["scenario_files"],
        serde_json::json!(["small-test.toml", "builtin:baseline"])
    );
}

#[test]
fn a_scenario_file_with_a_name_writes_to_that_folder() {
    let dir = tmp();
    let text = format!("name = \"x\"\nextends = \"builtin:baseline\"\n{SMALL_RUN}");
    fs::write(dir.path().join("named.toml"), text).unwrap();
    nqpsim(dir.path())
        .args(["run", "named.toml", "--out", "out", "-q"])
        .assert()
        .code(0);
    assert!(dir.path().join("out/x/trajectories.csv").is_file());
    assert!(dir.path().join("out/x/manifest.json").is_file());
    assert!(!dir.path().join("out/named").exists());
}

#[test]
fn a_scenario_can_extend_a_file_in_another_folder() {
    let dir = tmp();
    let text = format!("extends = \"builtin:baseline\"\n{SMALL_RUN}");
    fs::write(dir.path().join("parent.toml"), text).unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(
        dir.path().join("sub/child.toml"),
        "extends = \"../parent.toml\"\n[policy]\ncarbon_price = 0.05\n",
    )
    .unwrap();
    nqpsim(dir.path())
        .args(["run", "sub/child.toml", "--out", "out", "-q"])
        .assert()
        .code(0);
    let m = read_manifest(&dir.path().join("out"), "child");
    assert_eq!(
        m["scenario"]["run"]["firms"], 200,
        "inherited from the parent"
    );
    assert_eq!(m["scenario"]["policy"]["carbon_price"], 0.05);
}

#[test]
fn builtin_baseline_can_be_named_as_the_scenario() {
    let dir = tmp();
    let named = dir.path().join("named");
    nqpsim(dir.path())
        .args(["run", "builtin:baseline"])
        .args(SMALL)
        .arg("--out")
        .arg(&named)
        .arg("-q")
        .assert()
        .code(0);
    let plain = run_small(dir.path(), &[]);
    assert_eq!(csv_bytes(&named, "baseline"), csv_bytes(&plain, "baseline"));
}

// ---------------------------------------------------------------------------------------
// Bad input: exit 2, a message naming the problem, nothing written
// ---------------------------------------------------------------------------------------

/// Runs `nqpsim run FILE SMALL --out out` in `dir` where FILE holds `text`; expects exit 2
/// and nothing written, and returns stderr.
fn run_bad_file(dir: &Path, file: &str, text: &str) -> String {
    fs::write(dir.join(file), text).unwrap();
    let assert = nqpsim(dir)
        .arg("run")
        .arg(file)
        .args(SMALL)
        .args(["--out", "out"])
        .assert()
        .code(2)
        .stdout("");
    assert!(
        nothing_written(&dir.join("out")),
        "a bad scenario must write nothing"
    );
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

#[test]
fn a_bad_scenario_writes_nothing_and_exits_2() {
    let dir = tmp();
    let stderr = run_bad_file(dir.path(), "bad.toml", BAD_SCENARIO);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("bad.toml:4:16"), "{stderr}");
    assert!(stderr.contains("sectors.emerging.rd_intensity"), "{stderr}");
    assert!(stderr.contains("-0.1"), "{stderr}");
    assert!(stderr.contains("must be a finite number >= 0"), "{stderr}");
    assert!(stderr.contains("1 problem"), "{stderr}");
}

#[test]
fn a_bad_scenario_leaves_an_existing_out_folder_untouched() {
    let dir = tmp();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    run_bad_file(dir.path(), "bad.toml", BAD_SCENARIO);
    assert!(out.is_dir());
    assert!(nothing_written(&out));
}

#[test]
fn several_problems_are_all_reported() {
    let dir = tmp();
    let text = "extends = \"builtin:baseline\"\n\n[sectors.emerging]\nrd_intensity = -0.1\n\n\
                [policy]\ncarbon_price = -1\n";
    let stderr = run_bad_file(dir.path(), "bad.toml", text);
    assert!(stderr.contains("2 problems"), "{stderr}");
    assert!(stderr.contains("bad.toml:4:16"), "{stderr}");
    assert!(stderr.contains("sectors.emerging.rd_intensity"), "{stderr}");
    assert!(stderr.contains("bad.toml:7:16"), "{stderr}");
    assert!(stderr.contains("policy.carbon_price"), "{stderr}");
}

#[test]
fn an_unknown_field_exits_2_and_names_it() {
    let dir = tmp();
    let text = "extends = \"builtin:baseline\"\n\n[sectors.emerging]\nrd_intesity = 0.1\n";
    let stderr = run_bad_file(dir.path(), "typo.toml", text);
    assert!(stderr.contains("unknown field"), "{stderr}");
    assert!(stderr.contains("rd_intesity"), "{stderr}");
    assert!(stderr.contains("typo.toml:4:1"), "{stderr}");
    // The message lists what is allowed, so the right spelling is there.
    assert!(stderr.contains("`rd_intensity`"), "{stderr}");
}

#[test]
fn a_value_of_the_wrong_type_exits_2() {
    let dir = tmp();
    let text = "extends = \"builtin:baseline\"\n\n[run]\nfirms = \"many\"\n";
    let stderr = run_bad_file(dir.path(), "type.toml", text);
    assert!(
        stderr
            .contains("type.toml:4:9: `run.firms` is \"many\" (a string), but must be an integer"),
        "{stderr}"
    );
}

#[test]
fn a_toml_syntax_error_exits_2_with_line_and_column() {
    let dir = tmp();
    let text = "extends = \"builtin:baseline\"\n\n[run\nfirms = 3\n";
    let stderr = run_bad_file(dir.path(), "syntax.toml", text);
    assert!(stderr.contains("syntax.toml:3:"), "{stderr}");
}

#[test]
fn a_missing_scenario_file_exits_2_and_names_it() {
    let dir = tmp();
    nqpsim(dir.path())
        .args(["run", "nosuch.toml"])
        .args(SMALL)
        .args(["--out", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nosuch.toml"));
    assert!(nothing_written(&dir.path().join("out")));
}

#[test]

fn a_missing_scenario_file_names_its_cause_once() {
    let dir = tmp();
    let assert = nqpsim(dir.path())
        .args(["run", "nosuch.toml"])
        .args(SMALL)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.matches("os error 2").count(), 1, "{stderr}");
}

#[test]
fn a_missing_parent_file_exits_2_naming_it() {
    let dir = tmp();
    let stderr = run_bad_file(dir.path(), "orphan.toml", "extends = \"nothere.toml\"\n");
    assert!(stderr.contains("orphan.toml"), "{stderr}");
    assert!(stderr.contains("nothere.toml"), "{stderr}");
    assert!(stderr.contains("not found"), "{stderr}");
}

#[test]
fn an_extends_cycle_exits_2_naming_both_files() {
    let dir = tmp();
    fs::write(dir.path().join("b.toml"), "extends = \"a.toml\"\n").unwrap();
    let stderr = run_bad_file(dir.path(), "a.toml", "extends = \"b.toml\"\n");
    assert!(stderr.contains("cycle"), "{stderr}");
    assert!(stderr.contains("a.toml -> b.toml -> a.toml"), "{stderr}");
}

#[test]
fn an_unknown_flag_exits_2() {
    let dir = tmp();
    nqpsim(dir.path())
        .arg("run")
        .args(SMALL)
        .args(["--bogus", "--out", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--bogus"));
    assert!(nothing_written(&dir.path().join("out")));
}

#[test]
fn a_flag_value_of_the_wrong_type_exits_2() {
    let dir = tmp();
    nqpsim(dir.path())
        .args(["run", "--steps", "abc", "--firms", "200", "--out", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--steps"));
    assert!(nothing_written(&dir.path().join("out")));
}

/// Runs the baseline with `--set ARG` (and no shorthand flag that could set the same
/// field); expects exit 2 and nothing written, and returns stderr.
fn run_bad_set(arg: &str) -> String {
    let dir = tmp();
    let assert = nqpsim(dir.path())
        .args(["run", "--steps", "3", "--replicates", "2", "--set", arg])
        .args(["--out", "out"])
        .assert()
        .code(2)
        .stdout("");
    assert!(nothing_written(&dir.path().join("out")), "--set {arg}");
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

#[test]
fn a_set_value_of_the_wrong_type_exits_2() {
    let stderr = run_bad_set("run.firms=abc");
    assert!(
        stderr.contains(
            "--set run.firms=abc: `run.firms` is \"abc\" (a string), but must be an integer"
        ),
        "{stderr}"
    );
}

#[test]
fn a_set_without_an_equals_sign_exits_2() {
    let stderr = run_bad_set("nonsense");
    assert!(stderr.starts_with("error: --set nonsense"), "{stderr}");
    assert!(stderr.contains("PATH=VALUE"), "{stderr}");
}

#[test]
fn a_set_naming_no_lever_exits_2() {
    let stderr = run_bad_set("policy.nosuchlever=1");
    assert!(
        stderr.contains("--set policy.nosuchlever=1: `policy.nosuchlever` is an unknown field"),
        "{stderr}"
    );
}

#[test]
fn a_set_with_an_empty_path_exits_2() {
    let stderr = run_bad_set("=3");
    assert!(stderr.contains("--set =3"), "{stderr}");
    assert!(stderr.contains("empty"), "{stderr}");
}

#[test]
fn a_set_index_out_of_range_exits_2() {
    let stderr = run_bad_set("transitions[9].probability=0.1");
    assert!(stderr.contains("out of range"), "{stderr}");
}

#[test]
fn a_set_value_out_of_range_exits_2_naming_the_argument() {
    let stderr = run_bad_set("sectors.emerging.rd_intensity=-1");
    assert!(
        stderr.contains("--set sectors.emerging.rd_intensity=-1"),
        "{stderr}"
    );
    assert!(stderr.contains("must be a finite number >= 0"), "{stderr}");
}

#[test]
fn a_nan_set_value_exits_2() {
    let stderr = run_bad_set("policy.carbon_price=nan");
    assert!(stderr.contains("policy.carbon_price"), "{stderr}");
    assert!(stderr.contains("NaN"), "{stderr}");
}

#[test]
fn an_unknown_targeting_mode_exits_2() {
    let stderr = run_bad_set("policy.targeting=sometimes");
    assert!(stderr.contains("sometimes"), "{stderr}");
    assert!(stderr.contains("selective"), "{stderr}");
}

#[test]

fn a_bad_set_is_refused_even_when_a_flag_sets_the_same_field() {
    let dir = tmp();
    nqpsim(dir.path())
        .arg("run")
        .args(SMALL)
        .args(["--set", "run.firms=abc", "--out", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("run.firms=abc"));
    assert!(nothing_written(&dir.path().join("out")));
}

// ---------------------------------------------------------------------------------------
// Runtime failures: exit 1
// ---------------------------------------------------------------------------------------

#[test]
fn an_out_folder_under_a_regular_file_exits_1() {
    let dir = tmp();
    fs::write(dir.path().join("afile"), "not a folder").unwrap();
    nqpsim(dir.path())
        .arg("run")
        .args(SMALL)
        .args(["--out", "afile/sub"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::starts_with("error: cannot write"))
        .stderr(predicate::str::contains("afile"));
    assert_eq!(
        fs::read_to_string(dir.path().join("afile")).unwrap(),
        "not a folder"
    );
}

#[test]
fn an_out_path_that_is_a_regular_file_exits_1() {
    let dir = tmp();
    fs::write(dir.path().join("afile"), "not a folder").unwrap();
    nqpsim(dir.path())
        .arg("run")
        .args(SMALL)
        .args(["--out", "afile", "-q"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot write"));
}

#[test]

fn an_output_error_names_its_cause_once() {
    let dir = tmp();
    fs::write(dir.path().join("afile"), "not a folder").unwrap();
    let assert = nqpsim(dir.path())
        .arg("run")
        .args(SMALL)
        .args(["--out", "afile/sub"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.matches("os error").count(), 1, "{stderr}");
}

#[test]

fn a_closed_stdout_does_not_make_run_panic() {
    let dir = tmp();
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("nqpsim"))
        .current_dir(dir.path())
        .arg("run")
        .args(SMALL)
        .args(["--out", "out"])
        .stdout(writer)
        .output()
        .expect("nqpsim starts");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(output.status.code(), Some(101), "{stderr}");
    assert!(dir.path().join("out/baseline/manifest.json").is_file());
}
