//! A bad point does not sink a sweep: a run that fails (here a real numeric fault: an
//! `innovation_sd` of 1e308 makes the future industries' productivity overflow at step 1)
//! writes nothing, the other runs finish with the bytes they would have without it, the
//! failure is listed in `failures.csv` and the manifest, and the sweep exits 4. `--resume`
//! skips failed runs, `--retry-failed` runs them again; shards and `merge` carry failures.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use nqpsim::sweep::run::Status;
use nqpsim::sweep::{self, SweepOptions};

mod common;
use common::StopAfter;

/// The value of `sectors.future.innovation_sd` that makes every run of its point fail.
const EXPLOSIVE: &str = "1e308";

/// Three replicates of 150 firms over 4 steps at each value of the future industries'
/// innovation spread; `values` is the TOML list.
fn plan(values: &str) -> String {
    format!(
        r#"
name = "faulty"
replicates = 3
seed = 11

[set]
"run.firms" = 150
"run.steps" = 4

[[axis]]
path = "sectors.future.innovation_sd"
values = {values}
"#
    )
}

fn write_plan(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

fn nqpsim(dir: &Path, args: &[&str]) -> Output {
    common::process()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("nqpsim starts")
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

fn text(dir: &Path, name: &str) -> String {
    String::from_utf8(read(dir, name)).unwrap()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(dir, "manifest.json")).unwrap()
}

const RESULTS: [&str; 3] = ["trajectories.csv", "decomposition.csv", "summary.csv"];

#[test]
fn a_failing_point_leaves_every_other_point_as_the_sweep_without_it_and_exits_4() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_plan(d, "with.toml", &plan(&format!("[0.05, 0.1, {EXPLOSIVE}]")));
    write_plan(d, "without.toml", &plan("[0.05, 0.1]"));
    let with = nqpsim(d, &["sweep", "with.toml", "--out", "a", "-q"]);
    let without = nqpsim(d, &["sweep", "without.toml", "--out", "b", "-q"]);
    assert_eq!(without.status.code(), Some(0));
    assert_eq!(
        with.status.code(),
        Some(4),
        "exit code of a sweep with failed runs"
    );
    let stderr = String::from_utf8_lossy(&with.stderr);
    assert!(
        stderr.contains("3 of 9 runs failed") && stderr.contains("point 2, replicate 0"),
        "{stderr}"
    );
    let (a, b) = (d.join("a/faulty"), d.join("b/faulty"));
    for name in RESULTS {
        assert!(
            read(&a, name) == read(&b, name),
            "{name}: the failed point's rows are left out, the others are unchanged"
        );
    }
    let failures = text(&a, "failures.csv");
    let lines: Vec<&str> = failures.lines().collect();
    assert_eq!(lines[0], "point,replicate,error");
    assert_eq!(lines.len(), 4, "{failures}");
    for (r, line) in lines[1..].iter().enumerate() {
        assert!(line.starts_with(&format!("2,{r},")), "{line}");
        assert!(
            line.contains("sector `future`") && line.contains("is inf"),
            "{line}"
        );
    }
    let m = manifest(&a);
    assert_eq!(m["failed_runs"], 3);
    assert!(
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "failures.csv" && f["rows"] == 3)
    );
    // a sweep without failures writes neither the file nor the key
    assert!(!b.join("failures.csv").exists());
    assert!(manifest(&b).get("failed_runs").is_none());
}

#[test]
fn resume_skips_failed_runs_and_retry_failed_runs_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_plan(d, "p.toml", &plan(&format!("[0.05, {EXPLOSIVE}, 0.1]")));
    assert_eq!(
        nqpsim(d, &["sweep", "p.toml", "--out", "o", "-q"])
            .status
            .code(),
        Some(4)
    );
    let folder = d.join("o/faulty");
    let before: Vec<Vec<u8>> = RESULTS.iter().map(|n| read(&folder, n)).collect();

    let resumed = nqpsim(d, &["sweep", "p.toml", "--out", "o", "--resume"]);
    assert_eq!(
        resumed.status.code(),
        Some(4),
        "still a sweep with failed runs"
    );
    assert!(String::from_utf8_lossy(&resumed.stdout).contains("already complete"));
    assert!(String::from_utf8_lossy(&resumed.stderr).contains("--retry-failed"));

    // the fault is deterministic: retrying fails again, and the files are the same bytes
    let retried = nqpsim(
        d,
        &["sweep", "p.toml", "--out", "o", "--retry-failed", "-q"],
    );
    assert_eq!(retried.status.code(), Some(4));
    let after: Vec<Vec<u8>> = RESULTS.iter().map(|n| read(&folder, n)).collect();
    assert!(before == after);
    assert_eq!(text(&folder, "failures.csv").lines().count(), 4);
}

/// Runs the plan at `path` into `out`, stopped after `stop_after` runs (if any), and returns
/// the report.
fn sweep_lib(
    path: &Path,
    out: &Path,
    stop_after: Option<usize>,
    tweak: impl FnOnce(&mut SweepOptions),
) -> sweep::SweepReport {
    let plan = sweep::load(path, &[]).expect("the plan is valid");
    let cancel = Arc::new(AtomicBool::new(false));
    let mut options = SweepOptions {
        out: out.to_path_buf(),
        threads: Some(1),
        cancel: Some(Arc::clone(&cancel)),
        ..SweepOptions::default()
    };
    tweak(&mut options);
    let progress = StopAfter::new(stop_after.unwrap_or(usize::MAX), cancel);
    sweep::run_sweep(&plan, &options, &progress).expect("the sweep runs")
}

#[test]
fn an_interrupted_sweep_resumes_past_its_failures_or_goes_back_to_retry_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // point 1 fails; the sweep is stopped in point 2 (after runs 0-5 and part of 6-8)
    let path = write_plan(
        d,
        "p.toml",
        &plan(&format!("[0.05, {EXPLOSIVE}, 0.1, 0.2]")),
    );
    let reference = sweep_lib(&path, &d.join("ref"), None, |_| {});
    assert_eq!(reference.status, Status::Complete);
    assert_eq!(reference.failed_runs, 3);
    let ref_folder = reference.folder;

    for retry_failed in [false, true] {
        let out = d.join(format!("stopped-{retry_failed}"));
        let stopped = sweep_lib(&path, &out, Some(7), |_| {});
        assert_eq!(stopped.status, Status::Interrupted);
        let done = stopped.completed;
        assert!((7..12).contains(&done), "{done}");
        let finished = sweep_lib(&path, &out, None, |o| {
            o.resume = true;
            o.retry_failed = retry_failed;
        });
        assert_eq!(finished.status, Status::Complete);
        assert_eq!(
            finished.failed_runs, 3,
            "the failures resumed from the journal"
        );
        if retry_failed {
            // back to just before the first failed run (run 3), which runs again
            assert_eq!(finished.resumed, 3);
        } else {
            assert_eq!(finished.resumed, done);
        }
        for name in RESULTS.iter().chain(&["failures.csv"]) {
            assert!(
                read(&finished.folder, name) == read(&ref_folder, name),
                "{name}: resumed (retry {retry_failed}) = uninterrupted"
            );
        }
    }
}

#[test]
fn shards_with_failures_merge_into_the_single_machine_files_and_merge_exits_4() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_plan(
        d,
        "p.toml",
        &plan(&format!("[0.05, {EXPLOSIVE}, 0.1, 0.2]")),
    );
    assert_eq!(
        nqpsim(d, &["sweep", "p.toml", "--out", "one", "-q"])
            .status
            .code(),
        Some(4)
    );
    let codes: Vec<Option<i32>> = ["1/2", "2/2"]
        .iter()
        .map(|s| {
            nqpsim(d, &["sweep", "p.toml", "--out", "sh", "--shard", s, "-q"])
                .status
                .code()
        })
        .collect();
    assert_eq!(
        codes,
        [Some(4), Some(0)],
        "only shard 1 holds the failing point"
    );
    let merged = nqpsim(d, &["merge", "sh/faulty", "-q"]);
    assert_eq!(merged.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&merged.stderr).contains("3 of 12 runs"));
    let (one, sh) = (d.join("one/faulty"), d.join("sh/faulty"));
    for name in RESULTS.iter().chain(&["points.csv", "failures.csv"]) {
        assert!(read(&one, name) == read(&sh, name), "{name}");
    }
    assert_eq!(manifest(&sh)["failed_runs"], 3);
}

/// Four replicates at each (innovation spread, R&D subsidy) of the model-1.1 reference economy
/// (pinned, so that a new calibration of the baseline does not move which runs fail): at a
/// spread of 200 only replicate 2 fails (its demand overflows at step 4), at 1e308 every
/// replicate fails at step 1. `spreads` is the TOML list.
fn analysed_plan(spreads: &str) -> String {
    let reference = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/reference/model-1.1.toml"
    );
    format!(
        r#"
name = "analysed"
scenario = {reference:?}
replicates = 4
seed = 11

[set]
"run.firms" = 150
"run.steps" = 4

[[axis]]
path = "sectors.future.innovation_sd"
values = {spreads}

[[axis]]
path = "policy.rd_subsidy.traditional"
values = [0.0, 0.3]
"#
    )
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `discover`, `plot` and `compare --points` on a sweep with failed runs go on without them,
/// say so on stderr, and record in their own outputs how many runs they left out and which
/// points have no rows; `sensitivity` refuses a point without rows, and `compare --points`
/// one whose every replicate failed, naming the point and why.
#[test]
fn analyses_of_a_sweep_with_failed_runs_say_and_record_what_they_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_plan(
        d,
        "p.toml",
        &analysed_plan(&format!("[0.05, 0.1, 200, {EXPLOSIVE}]")),
    );
    assert_eq!(
        nqpsim(d, &["sweep", "p.toml", "--out", "o", "-q"])
            .status
            .code(),
        Some(4)
    );
    let sweep = d.join("o/analysed");
    let failures = text(&sweep, "failures.csv");
    let failed: Vec<&str> = failures
        .lines()
        .skip(1)
        .map(|l| l.split(",\"").next().unwrap())
        .collect();
    // points 4 and 5 (spread 200) lose replicate 2; points 6 and 7 (1e308) every replicate
    assert_eq!(
        failed,
        [
            "4,2", "5,2", "6,0", "6,1", "6,2", "6,3", "7,0", "7,1", "7,2", "7,3"
        ],
        "{failures}"
    );
    let warning = "10 of 32 runs failed";

    // discover: shares over the replicates that completed, points 6 and 7 left out
    let discovered = nqpsim(
        d,
        &[
            "discover",
            "o/analysed",
            "--target",
            "tfp_index:all:last>=1.2",
            "--name",
            "d",
            "--bootstrap",
            "5",
            "--trees",
            "5",
            "-q",
        ],
    );
    assert_eq!(discovered.status.code(), Some(0), "{}", stderr(&discovered));
    assert!(
        stderr(&discovered).contains(warning),
        "{}",
        stderr(&discovered)
    );
    let folder = sweep.join("discovery/d");
    let m = manifest(&folder);
    assert_eq!(m["failed_runs"], 10);
    assert_eq!(m["points_without_rows"], serde_json::json!([6, 7]));
    assert_eq!(m["points"], 6);
    assert!(
        m["notes"]
            .to_string()
            .contains("no replicate completed at points 6, 7"),
        "{}",
        m["notes"]
    );
    let cases = text(&folder, "cases.csv");
    let points: Vec<(&str, &str)> = cases
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0], f[3])
        })
        .collect();
    assert_eq!(
        points,
        [
            ("0", "4"),
            ("1", "4"),
            ("2", "4"),
            ("3", "4"),
            ("4", "3"),
            ("5", "3")
        ],
        "point, replicates that completed: {cases}"
    );

    // plot: every figure of the sweep says so in its subtitle
    let plotted = nqpsim(d, &["plot", "o/analysed", "--format", "svg", "-q"]);
    assert_eq!(plotted.status.code(), Some(0), "{}", stderr(&plotted));
    assert!(stderr(&plotted).contains(warning), "{}", stderr(&plotted));
    let figures: Vec<PathBuf> = fs::read_dir(sweep.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    assert!(!figures.is_empty());
    for figure in &figures {
        let svg = fs::read_to_string(figure).unwrap();
        assert!(
            svg.contains("10 of 32 runs failed, left out; no rows at points 6, 7"),
            "{}",
            figure.display()
        );
    }

    // compare --points: replicate 2 failed at point 4, so it is left out of both sides
    let compared = nqpsim(
        d,
        &[
            "compare",
            "o/analysed",
            "--points",
            "0,4",
            "--out",
            "c",
            "-q",
        ],
    );
    assert_eq!(compared.status.code(), Some(0), "{}", stderr(&compared));
    assert!(
        stderr(&compared)
            .contains("replicate 2 left out of both sides, so that the 3 others stay paired"),
        "{}",
        stderr(&compared)
    );
    let m = manifest(&d.join("c/analysed-point0-vs-point4"));
    assert_eq!(m["failed_runs"], 1);
    assert_eq!(m["replicates_left_out"], serde_json::json!([2]));
    assert_eq!(m["paired"], true);
    assert_eq!(m["replicates"], serde_json::json!([0, 1, 3]));

    // compare --points naming a point whose every replicate failed
    let refused = nqpsim(
        d,
        &[
            "compare",
            "o/analysed",
            "--points",
            "0,6",
            "--out",
            "c",
            "-q",
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    let e = stderr(&refused);
    assert!(
        e.contains("--points 0,6")
            && e.contains("point 6 of o/analysed has no rows: all 4 of its replicates failed")
            && e.contains("productivity ln A is inf")
            && e.contains("failures.csv"),
        "{e}"
    );
    assert!(!d.join("c/analysed-point0-vs-point6").exists());

    // sensitivity needs every point of the design
    let refused = nqpsim(d, &["sensitivity", "o/analysed", "--outcome", "tfp_index"]);
    assert_eq!(refused.status.code(), Some(2));
    let e = stderr(&refused);
    assert!(
        e.contains(warning) && e.contains("no row for point 6") && e.contains("failures.csv"),
        "{e}"
    );
}

/// `sensitivity` on a sweep whose every point kept some replicates: each point's outcome is
/// the mean over those, and the report says how many runs were left out.
#[test]
fn sensitivity_of_a_sweep_with_failed_runs_says_how_many_it_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_plan(d, "p.toml", &analysed_plan("[0.05, 0.1, 200]"));
    assert_eq!(
        nqpsim(d, &["sweep", "p.toml", "--out", "o", "-q"])
            .status
            .code(),
        Some(4)
    );
    let analysed = nqpsim(
        d,
        &[
            "sensitivity",
            "o/analysed",
            "--outcome",
            "tfp_index",
            "--bootstrap",
            "20",
        ],
    );
    assert_eq!(analysed.status.code(), Some(0), "{}", stderr(&analysed));
    let note = "2 of 24 runs failed (listed in failures.csv) and are left out";
    assert!(stderr(&analysed).contains(note), "{}", stderr(&analysed));
    let report = String::from_utf8_lossy(&analysed.stdout);
    assert!(
        report.contains(&format!("note: o/analysed: {note}")),
        "{report}"
    );
}
