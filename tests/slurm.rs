//! The whole cluster path on a real Slurm: `nqpsim sweep --slurm` writes the scripts,
//! `submit.sh --wait` runs the shards as a job array and the merge after them, and the merged
//! files are the bytes of the sweep run on one machine. A shard stopped with SIGTERM keeps its
//! finished runs, and submitting again resumes it.
//!
//! Needs a working Slurm, so `cargo test` lists it as ignored, with the reason; `.ci/run`
//! starts one (`../shared/slurm-local.sh up`) and runs it with
//! `NQPSIM_SLURM_TEST=1 cargo test --test slurm -- --ignored`. Run with `--ignored` but
//! without `NQPSIM_SLURM_TEST=1` it fails, saying so, rather than pass without running.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

fn require_slurm() {
    assert_eq!(
        std::env::var("NQPSIM_SLURM_TEST").as_deref(),
        Ok("1"),
        "the Slurm test runs with NQPSIM_SLURM_TEST=1 and a running Slurm (.ci/run starts one \
         with ../shared/slurm-local.sh up)"
    );
}

use common::nqpsim_ok as nqpsim;

fn shell(dir: &Path, command: &str) -> Output {
    Command::new("bash")
        .current_dir(dir)
        .args(["-c", command])
        .output()
        .expect("bash starts")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// 6 points x 6 replicates of 20,000 firms over 30 steps: two seconds or so a shard, so a
/// shard can be stopped midway.
const PLAN: &str = r#"
name = "cluster"
replicates = 6
seed = 21

[set]
"run.firms" = 20000

[[axis]]
path = "policy.rd_subsidy.traditional"
values = [0.0, 0.3, 0.6]

[[axis]]
path = "policy.data_openness"
values = [0.0, 0.5]
"#;

fn data_files(folder: &Path) -> Vec<(String, Vec<u8>)> {
    [
        "points.csv",
        "trajectories.csv",
        "decomposition.csv",
        "summary.csv",
    ]
    .iter()
    .map(|n| {
        (
            n.to_string(),
            fs::read(folder.join(n))
                .unwrap_or_else(|e| panic!("{}: {e}", folder.join(n).display())),
        )
    })
    .collect()
}

fn logs(folder: &Path) -> String {
    let mut all = String::new();
    if let Ok(entries) = fs::read_dir(folder.join("slurm/logs")) {
        for e in entries.flatten() {
            all.push_str(&format!(
                "--- {}\n{}\n",
                e.path().display(),
                fs::read_to_string(e.path()).unwrap_or_default()
            ));
        }
    }
    all
}

/// Waits until Slurm has no job of ours left.
fn wait_for_queue(dir: &Path, jobs: &[String]) {
    let started = Instant::now();
    loop {
        let out = shell(dir, &format!("squeue -h -j {}", jobs.join(",")));
        if text(&out).trim().is_empty() || !out.status.success() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "jobs still queued: {}",
            text(&out)
        );
        sleep(Duration::from_millis(500));
    }
}

fn journaled(folder: &Path) -> usize {
    fs::read_to_string(folder.join("journal.jsonl"))
        .map(|t| t.lines().count().saturating_sub(1))
        .unwrap_or(0)
}

#[test]
#[ignore = "needs a running Slurm: .ci/run runs it (NQPSIM_SLURM_TEST=1 cargo test --test slurm -- --ignored)"]
fn a_sweep_through_slurm_is_the_bytes_of_the_local_sweep_and_resumes_after_sigterm() {
    require_slurm();
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    fs::write(dir.join("plan.toml"), PLAN).unwrap();
    nqpsim(dir, &["sweep", "plan.toml", "--out", "local", "-q"]);
    let expected = data_files(&dir.join("local/cluster"));

    // 1. Submit and wait: the merged files are the local ones.
    nqpsim(
        dir,
        &[
            "sweep",
            "plan.toml",
            "--slurm",
            "--shards",
            "3",
            "--out",
            "one",
            "-q",
        ],
    );
    let folder: PathBuf = dir.join("one/cluster");
    let submitted = shell(dir, "bash one/cluster/slurm/submit.sh --wait");
    assert!(
        submitted.status.success(),
        "{}\n{}",
        text(&submitted),
        logs(&folder)
    );
    assert!(
        data_files(&folder) == expected,
        "merged through Slurm differs from the local sweep"
    );
    let first = started.elapsed();

    // 2. SIGTERM to the running shards: they keep their finished runs, the merge is
    // cancelled, and submitting again resumes them and merges.
    nqpsim(
        dir,
        &[
            "sweep",
            "plan.toml",
            "--slurm",
            "--shards",
            "3",
            "--out",
            "two",
            "-q",
        ],
    );
    let folder = dir.join("two/cluster");
    let submitted = shell(dir, "bash two/cluster/slurm/submit.sh");
    assert!(submitted.status.success(), "{}", text(&submitted));
    let out = text(&submitted);
    let array = out
        .split("job array ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("submit.sh names the array job")
        .to_string();
    let merge = out
        .split("merge: job ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("submit.sh names the merge job")
        .to_string();
    let shard = |k: usize| folder.join(format!("shard-{k}-of-3"));
    let wait = Instant::now();
    while journaled(&shard(1)) < 2 && journaled(&shard(2)) < 2 {
        assert!(
            wait.elapsed() < Duration::from_secs(120),
            "no shard made progress: {}",
            logs(&folder)
        );
        sleep(Duration::from_millis(50));
    }
    // (scancel says so, with a non-zero status, for a task still pending: it runs later)
    let term = shell(dir, &format!("scancel --batch --signal=TERM {array}"));
    eprintln!("scancel: {}", text(&term).trim());
    wait_for_queue(dir, &[array.clone(), merge]);
    assert!(
        !folder.join("summary.csv").exists(),
        "the merge must not run after a failed shard"
    );
    let kept: usize = (1..=3).map(|k| journaled(&shard(k))).sum();
    assert!(
        kept > 0,
        "the stopped shards kept their runs: {}",
        logs(&folder)
    );

    let resubmitted = shell(dir, "bash two/cluster/slurm/submit.sh --wait");
    assert!(
        resubmitted.status.success(),
        "{}\n{}",
        text(&resubmitted),
        logs(&folder)
    );
    assert!(
        data_files(&folder) == expected,
        "resumed through Slurm differs"
    );
    let resumed: u64 = (1..=3)
        .map(|k| {
            let m: serde_json::Value =
                serde_json::from_slice(&fs::read(shard(k).join("manifest.json")).unwrap()).unwrap();
            m["run"]["runs_resumed"].as_u64().unwrap_or(0)
        })
        .sum();
    assert!(resumed > 0, "a shard resumed from its journal");
    eprintln!(
        "slurm: submit --wait and merge in {:.1} s; with SIGTERM and resubmission {:.1} s in all",
        first.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

/// Three points of two replicates, the middle one failing at step 1 in every replicate
/// (`innovation_sd = 1e308` overflows the future industries' productivity).
const FAULTY_PLAN: &str = r#"
name = "faulty"
replicates = 2
seed = 5

[set]
"run.firms" = 200
"run.steps" = 4

[[axis]]
path = "sectors.future.innovation_sd"
values = [0.05, 1e308, 0.1]
"#;

#[test]
#[ignore = "needs a running Slurm: .ci/run runs it (NQPSIM_SLURM_TEST=1 cargo test --test slurm -- --ignored)"]
fn a_shard_with_failed_runs_does_not_block_the_merge_which_exits_4() {
    require_slurm();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    fs::write(dir.join("plan.toml"), FAULTY_PLAN).unwrap();
    let local = common::nqpsim(dir, &["sweep", "plan.toml", "--out", "local", "-q"]);
    assert_eq!(local.status.code(), Some(4), "{}", text(&local));
    nqpsim(
        dir,
        &[
            "sweep",
            "plan.toml",
            "--slurm",
            "--shards",
            "3",
            "--out",
            "one",
            "-q",
        ],
    );
    let folder = dir.join("one/faulty");
    let submitted = shell(dir, "bash one/faulty/slurm/submit.sh --wait");
    // the merge ran (shard 2's task exited 0) and exited 4, which `sbatch --wait` reports
    assert!(
        !submitted.status.success(),
        "{}\n{}",
        text(&submitted),
        logs(&folder)
    );
    let all_logs = logs(&folder);
    assert!(
        all_logs.contains("shard 2 finished, but some of its runs failed"),
        "{all_logs}"
    );
    assert!(
        data_files(&folder) == data_files(&dir.join("local/faulty")),
        "merged through Slurm differs from the local sweep: {all_logs}"
    );
    assert!(
        fs::read(folder.join("failures.csv")).unwrap()
            == fs::read(dir.join("local/faulty/failures.csv")).unwrap()
    );
}
