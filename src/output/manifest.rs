//! `manifest.json`: what was run (the command, the resolved scenario, seed, version, the data
//! files with their size and fingerprint) and, apart, the facts of the run (status, threads,
//! wall time, throughput). Only the data files are byte-identical between runs; the run facts
//! are not.

use serde::{Deserialize, Serialize};

use super::atomic::FileFacts;
use crate::scenario::raw::RawScenario;

/// The manifest of a run.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// The command that wrote the folder (`run`).
    pub command: String,
    /// nqpsim version.
    pub nqpsim_version: String,
    /// Version of the model (docs/model.md) implemented.
    pub model_version: u32,
    /// Scenario name.
    pub scenario_name: String,
    /// The scenario file and the files it extends, leaf first (`builtin:baseline` if embedded).
    pub scenario_files: Vec<String>,
    /// `--set` overrides and run flags, in the order applied.
    pub overrides: Vec<String>,
    /// Scenario seed.
    pub seed: u64,
    /// The fully resolved scenario.
    pub scenario: RawScenario,
    /// The firm-year panel written (`all` or the sampling rate), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panel: Option<String>,
    /// Data files written.
    pub files: Vec<FileEntry>,
    /// Facts of this run, not part of the results.
    pub run: RunFacts,
}

/// A data file of the run.
#[derive(Debug, Serialize, Deserialize)]
pub struct FileEntry {
    /// File name.
    pub name: String,
    /// Data rows (without the header).
    pub rows: u64,
    /// Size and fingerprint.
    #[serde(flatten)]
    pub facts: FileFacts,
}

/// Facts of one run: they differ between runs of the same scenario.
#[derive(Debug, Serialize, Deserialize)]
pub struct RunFacts {
    /// `complete`, or `interrupted` (Ctrl-C or SIGTERM: only the completed replicates were
    /// written).
    pub status: String,
    /// The replicates whose rows the data files hold.
    pub completed_replicates: Vec<u32>,
    /// Worker threads.
    pub threads: usize,
    /// Replicates run at once.
    pub concurrent_replicates: usize,
    /// Wall time of the simulation, seconds.
    pub wall_time_s: f64,
    /// Firm phases executed.
    pub firm_steps: u64,
    /// Firm phases per second of wall time.
    pub firm_steps_per_s: f64,
    /// Seconds since the Unix epoch when the run finished.
    pub finished_unix_s: u64,
}
