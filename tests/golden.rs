//! Golden output hashes: every file that every command writes for the shipped scenarios, sweep
//! plans, comparisons, facts, sensitivity analyses, scenario discoveries and plots, hashed and
//! compared with the hashes stored in `tests/golden/<case>.sha256`.
//!
//! A change that is meant to keep the output bytes (a refactor, a speed-up) must pass this test
//! unchanged. A change that is meant to change them re-blesses the hashes in the same commit and
//! says why in its message:
//!
//! ```text
//! NQPSIM_BLESS=1 cargo test --test golden                   # the small cases (debug)
//! NQPSIM_BLESS=1 cargo test --profile ci --test golden      # and the full-size ones
//! ```
//!
//! A `manifest.json` is hashed without its run facts (threads, wall time, dates), which differ
//! from run to run, and with the temporary output folder written as `<out>`. Everything else is
//! hashed as written.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// Keys of a manifest that record how a command ran, not what it computed.
const RUN_FACTS: &[&str] = &[
    "threads",
    "concurrent_replicates",
    "runs_in_flight",
    "runs_resumed",
    "runs_this_process",
    "wall_time_s",
    "firm_steps_per_s",
    "finished_unix_s",
    "started_unix_s",
];

/// The root of the repository: commands run there, so scenario paths are relative.
fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs each command (arguments, `{out}` standing for the case's output folder) in the
/// repository root, then compares the hashes of every file under the output folder with
/// `tests/golden/<case>.sha256`, or writes that file when `NQPSIM_BLESS` is set.
fn golden(case: &str, commands: &[&[&str]]) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let out_text = out.path().to_str().expect("a UTF-8 temporary path");
    for args in commands {
        let args: Vec<String> = args.iter().map(|a| a.replace("{out}", out_text)).collect();
        let result = Command::new(env!("CARGO_BIN_EXE_nqpsim"))
            .args(&args)
            .current_dir(repo())
            .output()
            .expect("nqpsim starts");
        assert!(
            result.status.success(),
            "{case}: `nqpsim {}` failed ({}):\n{}",
            args.join(" "),
            result.status,
            String::from_utf8_lossy(&result.stderr)
        );
    }
    let hashes = hash_tree(out.path(), out_text);
    let mut listing = String::new();
    for (path, hash) in &hashes {
        writeln!(listing, "{hash}  {path}").expect("writing to a string");
    }
    let stored = repo().join("tests/golden").join(format!("{case}.sha256"));
    if std::env::var_os("NQPSIM_BLESS").is_some() {
        std::fs::create_dir_all(stored.parent().expect("a parent")).expect("create tests/golden");
        std::fs::write(&stored, listing).expect("write the hashes");
        return;
    }
    let expected = std::fs::read_to_string(&stored).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `NQPSIM_BLESS=1 cargo test --test golden` to write it",
            stored.display()
        )
    });
    let expected: BTreeMap<&str, &str> = expected
        .lines()
        .filter_map(|line| line.split_once("  ").map(|(hash, path)| (path, hash)))
        .collect();
    let mut differences = Vec::new();
    for (path, hash) in &hashes {
        match expected.get(path.as_str()) {
            Some(h) if h == hash => {}
            Some(_) => differences.push(format!("changed: {path}")),
            None => differences.push(format!("new:     {path}")),
        }
    }
    for path in expected.keys() {
        if !hashes.contains_key(*path) {
            differences.push(format!("missing: {path}"));
        }
    }
    assert!(
        differences.is_empty(),
        "{case}: the output differs from {}:\n  {}\nIf the change is meant, re-bless with \
         NQPSIM_BLESS=1 (see tests/golden.rs) and say why in the commit message.",
        stored.display(),
        differences.join("\n  ")
    );
}

/// The SHA-256 of every file under `root`, by path relative to it (`/`-separated), with
/// manifests normalised (see the module docs).
fn hash_tree(root: &Path, root_text: &str) -> BTreeMap<String, String> {
    let mut files = Vec::new();
    collect(root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(root)
                .expect("under the root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let bytes = std::fs::read(&path).expect("read an output file");
            let bytes = if path.file_name().is_some_and(|n| n == "manifest.json") {
                normalised_manifest(&bytes, root_text)
            } else {
                bytes
            };
            let hash: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            (relative, hash)
        })
        .collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read an output folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else if !path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(".nqpsim"))
        {
            files.push(path);
        }
    }
}

/// A manifest without its run facts, with the output folder written as `<out>`.
fn normalised_manifest(bytes: &[u8], root_text: &str) -> Vec<u8> {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for key in RUN_FACTS {
                    map.remove(*key);
                }
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(bytes).replace(root_text, "<out>");
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("a JSON manifest");
    strip(&mut value);
    serde_json::to_vec_pretty(&value).expect("JSON serialises")
}

/// Small sizes for the debug build: every code path, few firm-steps.
const SMALL: &[&str] = &["--firms", "600", "--steps", "5", "--replicates", "2"];

fn run_args<'a>(scenario: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", scenario, "--out", "{out}", "-q"];
    args.extend_from_slice(extra);
    args
}

#[test]
fn the_shipped_scenarios_write_their_golden_bytes() {
    let mut scenarios: Vec<String> = ["scenarios", "scenarios/questions"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(repo().join(dir)).expect("the scenarios folder"))
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            p.strip_prefix(repo())
                .expect("in the repo")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 16, "the shipped scenarios are found");
    let commands: Vec<Vec<&str>> = scenarios
        .iter()
        .map(|s| {
            // the 20-sector scenario needs more firms than sectors times the smallest share
            let firms = if s.contains("china") { "2000" } else { "600" };
            run_args(s, &["--firms", firms, "--steps", "5", "--replicates", "2"])
        })
        .collect();
    let commands: Vec<&[&str]> = commands.iter().map(Vec::as_slice).collect();
    golden("scenarios", &commands);
}

#[test]
fn the_baseline_with_its_panel_and_facts_writes_its_golden_bytes() {
    // 5,000 firms span several chunks of the parallel passes and trigger compaction.
    let size = ["--firms", "5000", "--steps", "12", "--replicates", "2"];
    let mut panel = run_args("builtin:baseline", &size);
    panel.extend_from_slice(&["--panel", "all"]);
    let mut sampled = vec![
        "run",
        "scenarios/green-transition.toml",
        "--out",
        "{out}/sampled",
    ];
    sampled.extend_from_slice(&["-q", "--panel", "0.05"]);
    sampled.extend_from_slice(SMALL);
    let mut facts = vec![
        "facts",
        "scenarios/digital-push.toml",
        "--out",
        "{out}/facts",
    ];
    facts.extend_from_slice(&[
        "-q",
        "--firms",
        "3000",
        "--steps",
        "10",
        "--replicates",
        "2",
    ]);
    golden(
        "baseline-panel-facts",
        &[&panel, &["facts", "{out}/baseline", "-q"], &sampled, &facts],
    );
}

#[test]
fn the_shipped_sweep_plans_write_their_golden_bytes() {
    let plans = [
        "carbon-price",
        "digital-openness",
        "layout-grid",
        "lhs-levers",
        "morris-levers",
        "rd-subsidy-grid",
        "sobol-levers",
    ];
    let commands: Vec<Vec<String>> = plans
        .iter()
        .map(|p| {
            [
                "sweep".to_string(),
                format!("scenarios/sweeps/{p}.toml"),
                "--out".into(),
                "{out}".into(),
                "-q".into(),
                "--set".into(),
                "run.firms=120".into(),
                "--set".into(),
                "run.steps=3".into(),
            ]
            .to_vec()
        })
        .collect();
    let mut all: Vec<Vec<&str>> = commands
        .iter()
        .map(|c| c.iter().map(String::as_str).collect())
        .collect();
    let sensitivity = |dir: &'static str, outcome: &'static str| {
        vec![
            "sensitivity",
            dir,
            "--outcome",
            outcome,
            "--bootstrap",
            "100",
            "-q",
        ]
    };
    all.push(sensitivity("{out}/sobol-levers", "tfp_index:all:last"));
    all.push(sensitivity(
        "{out}/morris-levers",
        "tfp_index:traditional:3",
    ));
    all.push(sensitivity("{out}/lhs-levers", "emissions:all:last"));
    all.push(vec![
        "plot",
        "{out}/rd-subsidy-grid",
        "{out}/lhs-levers",
        "{out}/layout-grid",
        "-q",
    ]);
    all.push(vec![
        "compare",
        "{out}/rd-subsidy-grid",
        "--points",
        "0,3",
        "--out",
        "{out}/compared",
        "--bootstrap",
        "200",
        "-q",
    ]);
    let all: Vec<&[&str]> = all.iter().map(Vec::as_slice).collect();
    golden("sweeps", &all);
}

/// The worked example of docs/discovery.md, small: its sweep, `nqpsim discover` with two
/// targets, and the discovery's figures (`tests/golden/discovery.sha256`).
#[test]
fn the_discovery_of_the_shipped_plan_and_its_plots_write_their_golden_bytes() {
    golden(
        "discovery",
        &[
            &[
                "sweep",
                "scenarios/sweeps/discovery-levers.toml",
                "--out",
                "{out}",
                "-q",
                "--set",
                "run.firms=120",
                "--set",
                "run.steps=3",
            ],
            &[
                "discover",
                "{out}/discovery-levers",
                "--target",
                "tfp_index:all:last>=1.09",
                "--target",
                "emissions:all:last<=0.82",
                "--robust",
                "0.6",
                "--bootstrap",
                "20",
                "--trees",
                "20",
                "--name",
                "golden",
                "-q",
            ],
            &["plot", "{out}/discovery-levers/discovery/golden", "-q"],
        ],
    );
}

#[test]
fn comparisons_and_their_plots_write_their_golden_bytes() {
    let mut scenario = vec!["compare", "builtin:baseline", "scenarios/rd-subsidy.toml"];
    scenario.extend_from_slice(&["--out", "{out}", "-q", "--bootstrap", "300"]);
    scenario.extend_from_slice(SMALL);
    // two economies with model 2's regions: region_effects.csv too
    let mut regions = vec![
        "compare",
        "scenarios/questions/layout-differentiated.toml",
        "scenarios/questions/layout-homogeneous.toml",
    ];
    regions.extend_from_slice(&["--out", "{out}", "-q", "--bootstrap", "300"]);
    regions.extend_from_slice(SMALL);
    let mut base = run_args("builtin:baseline", SMALL);
    base[3] = "{out}/runs";
    let mut policy = run_args("scenarios/questions/carbon-rising.toml", SMALL);
    policy[3] = "{out}/runs";
    golden(
        "compare",
        &[
            &scenario,
            &regions,
            &base,
            &policy,
            &[
                "compare",
                "{out}/runs/baseline",
                "{out}/runs/carbon-rising",
                "--out",
                "{out}",
                "-q",
                "--bootstrap",
                "300",
            ],
            &[
                "plot",
                "{out}/baseline-vs-rd-subsidy",
                "{out}/runs/baseline",
                "-q",
            ],
        ],
    );
}

/// The default run at full size, as `cargo run --release` writes it (release mode only).
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "full size: runs with --profile ci or --release"
)]
fn the_default_run_at_full_size_writes_its_golden_bytes() {
    golden("default-run", &[&["run", "--out", "{out}", "-q"]]);
}
