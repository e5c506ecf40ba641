//! `nqpsim merge DIR...`: put the shards of a sweep back together.

use std::path::PathBuf;

use clap::Args;

use super::{EXIT_OK, EXIT_RUNS_FAILED};
use crate::sweep::merge;

/// Options of `nqpsim merge`.
#[derive(Debug, Args, Clone)]
pub struct MergeArgs {
    /// Shard folders (OUT/PLAN/shard-K-of-N), or a plan's folder holding them
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write the merged files [default: the folder holding the shards]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into the folder even if it holds files nqpsim did not write
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `nqpsim merge`.
pub fn execute(args: MergeArgs) -> anyhow::Result<i32> {
    let folders = merge::shard_folders(&args.dirs)?;
    let report = merge::merge(&folders, args.out.as_deref(), args.force)?;
    if !args.quiet {
        super::print(&format!(
            "merged {} shards ({} points, {} runs) into {}/\n",
            report.shards,
            report.points,
            report.runs,
            report.folder.display()
        ))?;
    }
    if report.failed_runs > 0 {
        eprintln!(
            "warning: {} of {} runs of the sweep failed and are left out of its results; see {}",
            report.failed_runs,
            report.runs,
            report.folder.join(crate::sweep::run::FAILURES).display()
        );
        return Ok(EXIT_RUNS_FAILED);
    }
    Ok(EXIT_OK)
}
