//! `nqpsim bench`: what its JSON records about the machine and the build, besides the figures.
//! No test here asserts a speed: the figures depend on the machine.
//!
//! The run is small (`--firms 2000 --steps 1 --repeats 2 --in-process`) and writes its JSON
//! into a fresh temporary folder.

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

const REPEATS: usize = 2;

/// `nqpsim bench` on a small baseline in the checkout (so that the commit can be read from it);
/// returns the JSON it wrote, its stderr and its stdout.
fn bench_json(dir: &TempDir) -> (serde_json::Value, String, String) {
    let json = dir.path().join("bench.json");
    let output = Command::cargo_bin("nqpsim")
        .expect("the nqpsim binary is built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["bench", "--firms", "2000", "--steps", "1", "--repeats"])
        .arg(REPEATS.to_string())
        .args(["--no-bandwidth", "--in-process", "--json"])
        .arg(&json)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let text = std::fs::read_to_string(&json).expect("the JSON file is written");
    let value = serde_json::from_str(&text).expect("the JSON parses");
    (
        value,
        String::from_utf8_lossy(&output.stderr).into_owned(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// What `git rev-parse HEAD` says in `dir`, if it is a checkout.
fn head_of(dir: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn bench_json_records_the_load_the_build_the_cpu_and_every_repeat() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (json, stderr, _) = bench_json(&dir);

    // the fields other tools read are still there
    for key in [
        "scenario",
        "firms",
        "steps",
        "cpu",
        "logical_cores",
        "lanes",
        "measurements",
    ] {
        assert!(json.get(key).is_some(), "no {key} in {json}");
    }
    assert_eq!(json["nqpsim_version"], env!("CARGO_PKG_VERSION"));
    assert!(json["cpu"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(json["logical_cores"].as_u64().is_some_and(|n| n >= 1));
    let level = json["lanes"].as_str().unwrap_or_default();
    assert!(
        nqpsim::lanes::Isa::ALL
            .iter()
            .any(|isa| isa.name() == level),
        "lanes {level}"
    );

    // the load average before and after, where the system has one
    for key in ["load_before", "load_after"] {
        let load = json.get(key).unwrap_or_else(|| panic!("no {key}"));
        if cfg!(target_os = "linux") {
            assert!(
                load["one_minute"].as_f64().is_some_and(|l| l >= 0.0),
                "{key}: {load}"
            );
        }
    }

    // the commit: from the build if it was given, else the checkout the bench ran in
    let expected = option_env!("NQPSIM_GIT_COMMIT")
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .or_else(|| head_of(Path::new(env!("CARGO_MANIFEST_DIR"))))
        .unwrap_or_else(|| "unknown".to_string());
    assert_eq!(json["git_commit"], expected.as_str());
    assert!(json["git_commit_source"].as_str().is_some());

    // every repeat of every measurement, not only the median
    let measurements = json["measurements"].as_array().expect("an array");
    assert!(!measurements.is_empty());
    for m in measurements {
        let repeats = m["repeat_timings"].as_array().expect("repeat_timings");
        assert_eq!(repeats.len(), REPEATS, "{m}");
        for r in repeats {
            assert!(r["seconds"].as_f64().is_some_and(|s| s > 0.0), "{r}");
            assert!(r["firm_steps"].as_u64().is_some_and(|n| n > 0), "{r}");
        }
        assert!(m["spread"]["range_over_median"].as_f64().is_some(), "{m}");
        assert!(
            m["spread"]["coefficient_of_variation"].as_f64().is_some(),
            "{m}"
        );
        assert!(m.get("other_cpu_cores").is_some(), "{m}");
    }

    // warnings: in the JSON, and each one on stderr
    let warnings = json["warnings"].as_array().expect("a warnings array");
    for w in warnings {
        let message = w["message"].as_str().expect("a message");
        assert!(
            stderr.contains(message),
            "{message} not on stderr:\n{stderr}"
        );
    }
}

/// The table gives the time of each pass in nanoseconds per firm-step: the pass's share of the
/// step's wall time times the step's time, so the passes add up to at most the step.
#[test]
fn the_time_by_pass_is_in_nanoseconds_per_firm_step_and_adds_up_to_at_most_the_step() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (json, _, stdout) = bench_json(&dir);
    let measurement = &json["measurements"][0];
    let threads = measurement["threads"].as_u64().expect("threads");
    let step_ns = measurement["ns_per_firm_step"]
        .as_f64()
        .expect("ns per firm-step");
    let line = stdout
        .lines()
        .find(|l| {
            l.starts_with(&format!(
                "time by pass, {threads} thread(s), ns per firm-step"
            ))
        })
        .unwrap_or_else(|| panic!("no time by pass for {threads} thread(s) in\n{stdout}"));
    let passes: Vec<(&str, f64, f64)> = line
        .split(": ")
        .nth(1)
        .expect("the passes after the colon")
        .split(", ")
        .map(|pass| {
            // "phase 58.6 (52 %)"
            let fields: Vec<&str> = pass.split_whitespace().collect();
            let ns: f64 = fields[1].parse().expect("ns per firm-step");
            let percent: f64 = fields[2].trim_start_matches('(').parse().expect("a share");
            (fields[0], ns, percent)
        })
        .collect();
    let names: Vec<&str> = passes.iter().map(|p| p.0).collect();
    assert_eq!(
        names,
        [
            "phase",
            "exits",
            "structure",
            "production",
            "quantiles",
            "rows"
        ]
    );
    let shares = &measurement["stage_shares"];
    for &(name, ns, percent) in &passes {
        let share = shares[name].as_f64().expect("the pass's share in the JSON");
        // both printed rounded: to 0.1 ns and to a whole percent
        assert!(
            (ns - share * step_ns).abs() <= 0.05 + 1e-9,
            "{name}: {line}"
        );
        assert!(
            (percent - 100.0 * share).abs() <= 0.5 + 1e-9,
            "{name}: {line}"
        );
        assert!(ns >= 0.0, "{name}: {line}");
    }
    let total: f64 = passes.iter().map(|p| p.1).sum();
    assert!(
        total <= step_ns + 0.05 * passes.len() as f64,
        "{total} > {step_ns}: {line}"
    );
}
