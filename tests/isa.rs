//! Same bytes on every instruction-set level (issue 14, docs/model.md §6): the step runs its
//! firm phase and production pass in lanes (AVX-512: 8 firms per operation, AVX2: 4, SSE2: 2,
//! scalar: 1; tiles of 16, 16, 8 and 1 firms), and `NQPSIM_ISA` forces a level. Every level this
//! processor runs, on 1 and 2 threads, must write the bytes of the scalar path.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Every file `nqpsim run` writes under `out`, by relative path, except the manifest (it
/// records the thread count and wall time) and the lock file (the process id).
fn files(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("an output folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n != "manifest.json" && !n.starts_with('.'))
            {
                let name = path
                    .strip_prefix(out)
                    .expect("inside")
                    .display()
                    .to_string();
                found.insert(name, std::fs::read(&path).expect("readable"));
            }
        }
    }
    found
}

/// Model 1's random mechanisms, all on: shocks, transitory and demand shocks, subsidies with
/// targeting, data openness.
const MECHANISMS: [&str; 9] = [
    "sectors.traditional.shock_sd=0.02",
    "sectors.emerging.transitory_sd=0.05",
    "sectors.emerging.transitory_persistence=0.5",
    "sectors.future.demand_shock_sd=0.08",
    "policy.rd_subsidy.traditional=0.3",
    "policy.digital_subsidy.emerging=0.4",
    "policy.green_subsidy.traditional=0.2",
    "policy.targeting=\"selective\"",
    "policy.data_openness=0.5",
];

/// The files of a small run of the baseline with [`MECHANISMS`] on, at level `isa` on
/// `threads` threads.
fn run(isa: &str, threads: usize, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
    run_with(isa, threads, &MECHANISMS, extra)
}

/// The files of a small run with the overrides `sets` and the further arguments `extra`.
fn run_with(isa: &str, threads: usize, sets: &[&str], extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut args: Vec<String> = [
        "run",
        "--firms",
        "9000",
        "--steps",
        "6",
        "--replicates",
        "2",
        "--quiet",
        "--panel",
        "0.05",
    ]
    .map(String::from)
    .to_vec();
    args.extend(["--threads".into(), threads.to_string()]);
    args.extend(["--out".into(), dir.path().display().to_string()]);
    for set in sets {
        args.extend(["--set".into(), set.to_string()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let status = Command::new(env!("CARGO_BIN_EXE_nqpsim"))
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NQPSIM_ISA", isa)
        .status()
        .expect("nqpsim starts");
    assert!(status.success(), "nqpsim {} at {isa}", args.join(" "));
    files(dir.path())
}

/// The levels this processor runs (`scalar` and `sse2` everywhere on x86-64; `avx2` where
/// it has AVX2, `avx512` where it has AVX-512 F, DQ and VL).
fn levels() -> Vec<&'static str> {
    nqpsim::lanes::Isa::ALL
        .into_iter()
        .filter(|isa| isa.supported())
        .map(|isa| isa.name())
        .collect()
}

#[test]
fn every_instruction_set_level_writes_the_bytes_of_the_scalar_path() {
    let reference = run("scalar", 1, &[]);
    assert!(reference.keys().any(|k| k.ends_with("trajectories.csv")));
    for isa in levels() {
        for threads in [1, 2] {
            let got = run(isa, threads, &[]);
            assert_eq!(
                got.keys().collect::<Vec<_>>(),
                reference.keys().collect::<Vec<_>>()
            );
            for (name, bytes) in &reference {
                assert!(
                    got[name] == *bytes,
                    "{name} differs between {isa} on {threads} thread(s) and scalar"
                );
            }
        }
    }
}

#[test]
fn the_many_sector_scenario_writes_the_same_bytes_at_every_level() {
    let scenario = ["scenarios/china-industries.toml", "--firms", "6000"];
    let run = |isa: &str| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let out = dir.path().display().to_string();
        let status = Command::new(env!("CARGO_BIN_EXE_nqpsim"))
            .args(["run", "--quiet", "--steps", "5", "--replicates", "1"])
            .args(scenario)
            .args(["--out", &out])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NQPSIM_ISA", isa)
            .status()
            .expect("nqpsim starts");
        assert!(status.success());
        files(dir.path())
    };
    let reference = run("scalar");
    for isa in levels() {
        assert!(run(isa) == reference, "{isa} differs from scalar");
    }
}

#[test]
fn with_every_model_2_feature_on_every_level_writes_the_bytes_of_the_scalar_path() {
    // The regional layout economy with all six features, a supply cut with chain leaders, the
    // platform fund and talent training: model 2's terms of the phase (R&D effort, backing,
    // contributions, talent, deliveries) and of the production pass run in lanes too.
    let mut sets = common::EVERY_FEATURE_IN_THE_LAYOUT.to_vec();
    sets.extend([
        "sectors.new_materials.transitory_sd=0.05",
        "sectors.future.demand_shock_sd=0.08",
    ]);
    let layout = ["scenarios/regional-layout.toml"];
    let run = |isa, threads| run_with(isa, threads, &sets, &layout);
    let reference = run("scalar", 1);
    assert!(reference.keys().any(|k| k.ends_with("regions.csv")));
    for isa in levels() {
        assert!(
            run(isa, 2) == reference,
            "{isa} on 2 threads differs from scalar with every model-2 feature on"
        );
    }
}

#[test]
fn an_unknown_level_falls_back_with_a_warning() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = Command::new(env!("CARGO_BIN_EXE_nqpsim"))
        .args(["run", "--quiet", "--firms", "200", "--steps", "1", "--out"])
        .arg(dir.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NQPSIM_ISA", "avx9000")
        .output()
        .expect("nqpsim starts");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("NQPSIM_ISA"), "{stderr}");
}
