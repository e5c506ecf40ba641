//! `manifest.json`: what was run (the resolved scenario, seed, version) and, apart, the facts
//! of the run (threads, wall time, throughput). Only the data files are byte-identical
//! between runs; the run facts are not.

use serde::Serialize;

use crate::scenario::raw::RawScenario;

/// The manifest of a run.
#[derive(Debug, Serialize)]
pub struct Manifest {
    /// nqpsim version.
    pub nqpsim_version: &'static str,
    /// Version of MODEL.md implemented.
    pub model_version: u32,
    /// Scenario name.
    pub scenario_name: String,
    /// The scenario file and the files it extends, leaf first (`builtin:baseline` if embedded).
    pub scenario_files: Vec<String>,
    /// `--set` overrides, in order.
    pub overrides: Vec<String>,
    /// Scenario seed.
    pub seed: u64,
    /// The fully resolved scenario.
    pub scenario: RawScenario,
    /// Data files written, with their rows.
    pub files: Vec<FileEntry>,
    /// Facts of this run, not part of the results.
    pub run: RunFacts,
}

/// A data file of the run.
#[derive(Debug, Serialize)]
pub struct FileEntry {
    /// File name.
    pub name: String,
    /// Data rows (without the header).
    pub rows: u64,
}

/// Facts of one run: they differ between runs of the same scenario.
#[derive(Debug, Serialize)]
pub struct RunFacts {
    /// `complete` (or `interrupted`).
    pub status: &'static str,
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

/// Version of MODEL.md that this program implements.
pub const MODEL_VERSION: u32 = 1;
