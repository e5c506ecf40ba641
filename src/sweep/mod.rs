//! Scenario sweeps: a plan file names a base scenario and axes over its fields; a design lays
//! the axes out as points; every point runs its replicates (the same seed at every point:
//! common random numbers), and the results are written as one tidy table and a summary over
//! replicates, in (point, replicate) order whatever the thread count. A journal makes a
//! sweep resumable after a crash, a kill or Ctrl-C; shards split it across machines and
//! `merge` puts it back together, byte for byte.

pub mod design;
pub mod estimate;
pub mod journal;
pub mod manifest;
pub mod merge;
pub mod plan;
pub mod run;
pub mod shard;
pub mod slurm;
pub mod summary;

pub use plan::{Plan, load};
pub use run::{SweepOptions, SweepReport, run_sweep};
pub use shard::Shard;
