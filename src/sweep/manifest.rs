//! `manifest.json` of a sweep: the plan as written, the resolved base scenario, the seed and
//! replicates, the design's size, the plan's fingerprint, the data files with their size and
//! fingerprint, and, apart, the facts of the process that ran it (threads, wall time,
//! firm-steps/s), which differ between runs of the same plan.

use serde::{Deserialize, Serialize};

use super::plan::RawPlan;
use crate::output::manifest::FileEntry;
use crate::scenario::raw::RawScenario;

/// The manifest of a sweep, a shard of one, or a merge of shards.
#[derive(Debug, Serialize, Deserialize)]
pub struct SweepManifest {
    /// `sweep` (a sweep or one shard) or `merge`.
    pub command: String,
    /// nqpsim version.
    pub nqpsim_version: String,
    /// Version of the model (docs/model.md) implemented.
    pub model_version: u32,
    /// The plan's name (the output folder).
    pub plan_name: String,
    /// The plan file as named on the command line.
    pub plan_file: String,
    /// The plan as written.
    pub plan: RawPlan,
    /// `--set` overrides from the command line, applied after the plan's `set`.
    pub overrides: Vec<String>,
    /// The base scenario file and the files it extends, leaf first.
    pub scenario_files: Vec<String>,
    /// The seed of every point (common random numbers).
    pub seed: u64,
    /// Replicates per point.
    pub replicates: u32,
    /// The design.
    pub design: String,
    /// Points in the plan.
    pub points: usize,
    /// Runs in the plan (points x replicates).
    pub runs: usize,
    /// The plan's fingerprint: equal fingerprints mean equal results.
    pub fingerprint: String,
    /// Whether `trajectories.csv` was skipped.
    pub summary_only: bool,
    /// The shard, for one shard of a sweep.
    pub shard: Option<ShardInfo>,
    /// The base scenario, resolved, without the axes.
    pub base_scenario: RawScenario,
    /// Data files.
    pub files: Vec<FileEntry>,
    /// Runs that failed (a numeric fault at their point): listed in `failures.csv`, and left
    /// out of `trajectories.csv`, `decomposition.csv`, `regions.csv` and `summary.csv`.
    /// Written only when some run failed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failed_runs: usize,
    /// Facts of the process that ran the sweep (none for a merge).
    pub run: Option<SweepFacts>,
    /// For a merge: the shards merged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<MergedShard>,
}

/// Which part of the sweep a shard holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardInfo {
    /// Shard, 1 ..= n.
    pub k: usize,
    /// Shards.
    pub n: usize,
    /// First point.
    pub first_point: usize,
    /// One past the last point.
    pub end_point: usize,
}

/// Facts of one process's sweep: they differ between runs of the same plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SweepFacts {
    /// `complete`.
    pub status: String,
    /// Worker threads.
    pub threads: usize,
    /// Runs in flight at most.
    pub runs_in_flight: usize,
    /// Runs completed by earlier processes and resumed from the journal.
    pub runs_resumed: usize,
    /// Runs completed by this process.
    pub runs_this_process: usize,
    /// Wall time of this process's runs, seconds.
    pub wall_time_s: f64,
    /// Firm phases executed by this process.
    pub firm_steps: u64,
    /// Firm phases per second of wall time.
    pub firm_steps_per_s: f64,
    /// Seconds since the Unix epoch when the sweep finished.
    pub finished_unix_s: u64,
}

/// A shard in a merged manifest.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MergedShard {
    /// Its folder.
    pub folder: String,
    /// Which shard.
    pub shard: ShardInfo,
    /// The facts of the process that ran it.
    pub run: Option<SweepFacts>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
