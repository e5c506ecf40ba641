//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod checks;

use nqpsim::metrics::{MetricsRow, RowSector};
use nqpsim::{RunOptions, Scenario, Silent};

/// Overrides that switch on every model-2 feature in the regional layout economy
/// (`scenarios/regional-layout.toml`, which has regions, capacity and backing on): the
/// platform's fund, labour with talent training, carbon, and supply with a cut of half the
/// imports in every step, an autonomy programme and chain leaders.
pub const EVERY_FEATURE_IN_THE_LAYOUT: [&str; 8] = [
    "policy.common_tech_fund=0.005",
    "features.labour=true",
    "features.carbon=true",
    "features.supply=true",
    "policy.talent_training.west=0.02",
    "policy.supply_cut=0.5",
    "policy.autonomy=0.005",
    "model.leader_share=0.2",
];

/// Runs `scenario` on `threads` threads and returns its rows.
pub fn rows(scenario: &Scenario, threads: usize) -> Vec<MetricsRow> {
    let options = RunOptions {
        threads: Some(threads),
        ..RunOptions::default()
    };
    nqpsim::run(scenario, &options, &Silent)
        .expect("the run succeeds")
        .rows
}

/// The bytes of `trajectories.csv` for `scenario` run on `threads` threads.
pub fn csv_bytes(scenario: &Scenario, threads: usize) -> Vec<u8> {
    let mut out = Vec::new();
    nqpsim::output::trajectories::write_trajectories(&mut out, scenario, &rows(scenario, threads))
        .expect("writing to memory succeeds");
    out
}

/// The model-1.1 reference economy (`scenarios/reference/model-1.1.toml`): the economy of the
/// figures of docs/model.md §8, which the shipped baseline was calibrated from.
pub fn reference() -> Scenario {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference/model-1.1.toml");
    nqpsim::scenario::load(&path, &[]).expect("the reference scenario loads")
}

/// The model-1.1 reference economy with an intervention from step 1: `set` is a TOML inline
/// table of levers.
pub fn with_policy(scenario: &Scenario, set: &str) -> Scenario {
    let reference =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference/model-1.1.toml");
    let text = format!(
        "extends = {}\n[[policy.schedule]]\nfrom_step = 1\nset = {set}\n",
        toml::Value::String(reference.display().to_string())
    );
    let mut s = nqpsim::scenario::load_str("policy", &text, std::path::Path::new("."), &[])
        .expect("a valid policy scenario");
    s.run = scenario.run;
    s
}

/// Rows indexed by (replicate, step, sector).
pub struct Table {
    rows: Vec<MetricsRow>,
    pub replicates: u32,
    pub steps: u32,
}

impl Table {
    pub fn new(rows: Vec<MetricsRow>) -> Self {
        let replicates = rows.iter().map(|r| r.replicate).max().unwrap_or(0) + 1;
        let steps = rows.iter().map(|r| r.step).max().unwrap_or(0);
        Table {
            rows,
            replicates,
            steps,
        }
    }

    pub fn get(&self, replicate: u32, step: u32, sector: RowSector) -> &MetricsRow {
        self.rows
            .iter()
            .find(|r| r.replicate == replicate && r.step == step && r.sector == sector)
            .expect("row exists")
    }

    /// One value per replicate.
    pub fn per_replicate(&self, f: impl Fn(u32) -> f64) -> Vec<f64> {
        (0..self.replicates).map(f).collect()
    }
}

/// Mean and sample standard deviation.
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

/// The `nqpsim` binary as a command to configure (`assert_cmd`), run in `dir`.
pub fn command(dir: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("nqpsim").expect("the nqpsim binary is built");
    cmd.current_dir(dir);
    cmd
}

/// Runs `nqpsim ARGS` in `dir` and returns what it did (exit status, stdout, stderr).
pub fn nqpsim(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    process()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("nqpsim starts")
}

/// Runs `nqpsim ARGS` in `dir`, which must succeed; returns its output.
pub fn nqpsim_ok(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let output = nqpsim(dir, args);
    assert!(
        output.status.success(),
        "nqpsim {args:?} exited with {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The `nqpsim` binary as a process to spawn (for tests that signal or kill it).
pub fn process() -> std::process::Command {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("nqpsim"))
}

/// A sweep's progress that raises `cancel` once `after` runs are written: a sweep stopped
/// midway, as Ctrl-C stops it.
pub struct StopAfter {
    pub after: usize,
    pub done: std::sync::atomic::AtomicUsize,
    pub cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl StopAfter {
    /// Raises `cancel` after `after` runs.
    pub fn new(after: usize, cancel: std::sync::Arc<std::sync::atomic::AtomicBool>) -> Self {
        StopAfter {
            after,
            done: std::sync::atomic::AtomicUsize::new(0),
            cancel,
        }
    }
}

impl nqpsim::sweep::run::Progress for StopAfter {
    fn run_done(&self) {
        use std::sync::atomic::Ordering;
        if self.done.fetch_add(1, Ordering::Relaxed) + 1 >= self.after {
            self.cancel.store(true, Ordering::Relaxed);
        }
    }
}
