//! `nqpsim sweep PLAN`: run a sweep plan (or one shard of it), estimate it (`--dry-run`), or
//! write Slurm scripts for it (`--slurm`).

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::{EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNS_FAILED, RunFlags, interrupt};
use crate::error::{Error, human_bytes};
use crate::sweep::plan::{Plan, Target, Values};
use crate::sweep::run::{FAILURES, Progress, RunFailure, Status};
use crate::sweep::slurm::SlurmJob;
use crate::sweep::{self, Shard, SweepOptions};

/// Options of `nqpsim sweep`.
#[derive(Debug, Args, Clone)]
pub struct SweepArgs {
    /// Sweep plan (TOML), e.g. scenarios/sweeps/rd-subsidy-grid.toml
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// Print the points, the number of runs and firm-steps, and an estimate of time and output
    /// size from a short calibration run; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Write points.csv, summary.csv and manifest.json but not trajectories.csv (huge sweeps)
    #[arg(long)]
    pub summary_only: bool,
    /// Continue the unfinished sweep in the output folder (a new one if there is none; nothing
    /// if it is complete)
    #[arg(long)]
    pub resume: bool,
    /// As --resume, and run the failed runs again (an unfinished sweep goes back to just
    /// before its first failed run; a complete one with failures runs again from the start)
    #[arg(long)]
    pub retry_failed: bool,
    /// Run only shard K of N (points split into N contiguous ranges), into OUT/PLAN/shard-K-of-N/
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Write Slurm scripts (a job array of shards and a dependent merge) instead of running;
    /// --threads is then the CPUs per task (default 1)
    #[arg(long)]
    pub slurm: bool,
    /// With --slurm: number of shards (array tasks) [default: points, at most 16]
    #[arg(long, value_name = "N", requires = "slurm")]
    pub shards: Option<usize>,
    /// With --slurm: an extra #SBATCH option, e.g. --sbatch=--time=02:00:00 (repeatable)
    #[arg(
        long,
        value_name = "OPTION",
        requires = "slurm",
        allow_hyphen_values = true
    )]
    pub sbatch: Vec<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunFlags,
}

/// Runs `nqpsim sweep`.
pub fn execute(args: SweepArgs) -> anyhow::Result<i32> {
    if args.run.threads == Some(0) {
        return Err(Error::BadArgument {
            flag: "--threads 0".into(),
            message: "at least one thread is needed".into(),
        }
        .into());
    }
    let overrides = args.run.overrides();
    let plan = sweep::load(&args.plan, &overrides).map_err(Error::from)?;
    if args.dry_run {
        super::print(&dry_run(&plan, &args)?)?;
        return Ok(EXIT_OK);
    }
    if args.slurm {
        return write_slurm(&plan, &args);
    }
    let show = !args.run.quiet && std::io::stderr().is_terminal();
    let bar = SweepBar::new(show, plan.points.len(), plan.replicates);
    let options = SweepOptions {
        out: args.run.out.clone(),
        threads: args.run.threads,
        summary_only: args.summary_only,
        resume: args.resume || args.retry_failed,
        retry_failed: args.retry_failed,
        force: args.run.force,
        shard: args.shard,
        cancel: Some(interrupt::flag()),
        overrides,
    };
    let report = sweep::run_sweep(&plan, &options, &bar)?;
    bar.finish();
    let folder = report.folder.display();
    match report.status {
        Status::AlreadyComplete => {
            if !args.run.quiet {
                super::print(&format!(
                    "{}: already complete in {folder}; nothing to do\n",
                    plan.name
                ))?;
            }
            if report.failed_runs > 0 {
                eprintln!(
                    "warning: {} of its {} runs failed (see {folder}/{FAILURES}); add --retry-failed to run them again",
                    report.failed_runs, report.runs
                );
                return Ok(EXIT_RUNS_FAILED);
            }
            Ok(EXIT_OK)
        }
        Status::Interrupted => {
            if !report.failures.is_empty() {
                eprintln!(
                    "{} runs failed so far (the journal records them; they are listed in {FAILURES} when the sweep finishes)",
                    report.failures.len()
                );
            }
            eprintln!(
                "interrupted: {} of {} runs are done and kept in {folder}; run the same command with --resume to finish",
                report.resumed + report.completed,
                report.runs
            );
            Ok(EXIT_INTERRUPTED)
        }
        Status::Complete => {
            if !args.run.quiet {
                let secs = report.wall_time.as_secs_f64();
                let mut out = String::new();
                writeln!(
                    out,
                    "{}: {} points x {} replicates = {} runs{} -> {folder}/",
                    plan.name,
                    plan.points.len(),
                    plan.replicates,
                    plan.runs(),
                    args.shard.map_or(String::new(), |s| format!(
                        " (shard {s}: {} runs)",
                        report.runs
                    )),
                )?;
                writeln!(
                    out,
                    "  {}{} ({})",
                    if args.summary_only {
                        "points.csv, summary.csv, manifest.json"
                    } else if report.wrote_regions {
                        "points.csv, trajectories.csv, decomposition.csv, regions.csv, summary.csv, manifest.json"
                    } else {
                        "points.csv, trajectories.csv, decomposition.csv, summary.csv, manifest.json"
                    },
                    if report.failures.is_empty() {
                        ""
                    } else {
                        ", failures.csv"
                    },
                    if report.resumed > 0 {
                        format!("{} runs resumed from the journal", report.resumed)
                    } else {
                        "no runs resumed".into()
                    }
                )?;
                writeln!(
                    out,
                    "  {:.2} s, {:.1} M firm-steps/s on {} threads ({} runs in flight at most)",
                    secs,
                    report.firm_steps as f64 / secs.max(1e-9) / 1e6,
                    report.threads,
                    report.in_flight
                )?;
                super::print(&out)?;
            }
            if !report.failures.is_empty() {
                eprint!(
                    "{}",
                    failure_warning(&report.failures, report.runs, &folder.to_string())
                );
                return Ok(EXIT_RUNS_FAILED);
            }
            Ok(EXIT_OK)
        }
    }
}

/// The warning of a sweep that finished with failed runs: how many, the first few, where the
/// list is.
fn failure_warning(failures: &[RunFailure], runs: usize, folder: &str) -> String {
    const SHOWN: usize = 5;
    let mut out = format!(
        "warning: {} of {runs} runs failed; the other runs are complete, and the failed ones are left out of trajectories.csv, decomposition.csv and summary.csv (listed in {folder}/{FAILURES}; --retry-failed runs them again):\n",
        failures.len()
    );
    for f in failures.iter().take(SHOWN) {
        out.push_str(&format!(
            "  point {}, replicate {}: {}\n",
            f.point, f.replicate, f.error
        ));
    }
    if failures.len() > SHOWN {
        out.push_str(&format!("  ... {} more\n", failures.len() - SHOWN));
    }
    out
}

/// The text of `--dry-run`.
fn dry_run(plan: &Plan, args: &SweepArgs) -> anyhow::Result<String> {
    let mut out = String::new();
    writeln!(out, "plan `{}` ({})", plan.name, plan.file.display())?;
    if !plan.description.is_empty() {
        writeln!(out, "  {}", plan.description.trim())?;
    }
    writeln!(out, "base scenario: {}", plan.scenario_files.join(" <- "))?;
    writeln!(
        out,
        "design: {}{}, seed {} (common random numbers: replicate r has the same seed at every point)",
        format!("{:?}", plan.design).to_lowercase(),
        if plan.raw.saltelli == Some(true) {
            " (Saltelli)".to_string()
        } else if let Some(table) = &plan.raw.table {
            format!(" ({table})")
        } else {
            String::new()
        },
        plan.seed
    )?;
    writeln!(out, "axes:")?;
    for axis in &plan.axes {
        let applies = match &axis.target {
            Target::Lever { from_step, .. } => format!("policy lever, from step {from_step}"),
            Target::Field => "applies throughout".into(),
        };
        let values = match &axis.values {
            Values::List(v) => format!(
                "{} values: {}",
                v.len(),
                v.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Values::Column(v) => {
                let numbers: Vec<f64> = v
                    .iter()
                    .filter_map(|x| x.as_float().or(x.as_integer().map(|i| i as f64)))
                    .collect();
                if numbers.len() == v.len() {
                    let (lo, hi) = numbers
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                            (lo.min(x), hi.max(x))
                        });
                    format!("a column of {} values from {lo} to {hi}", v.len())
                } else {
                    format!("a column of {} values", v.len())
                }
            }
            Values::Range { from, to, n, scale } => format!(
                "{} {from} to {to}{}",
                format!("{scale:?}").to_lowercase(),
                n.map_or(String::new(), |n| format!(", {n} values"))
            ),
        };
        writeln!(
            out,
            "  {} ({applies}; {} in `nqpsim discover`): {values}",
            axis.path,
            axis.role.name()
        )?;
    }
    writeln!(
        out,
        "points: {}, replicates: {}, runs: {}",
        plan.points.len(),
        plan.replicates,
        plan.runs()
    )?;
    let table = sweep::run::points_csv(plan);
    let text = String::from_utf8_lossy(&table);
    let lines: Vec<&str> = text.lines().collect();
    const SHOWN: usize = 12;
    for line in lines.iter().take(SHOWN + 1) {
        writeln!(out, "  {line}")?;
    }
    if lines.len() > SHOWN + 1 {
        writeln!(out, "  ... {} more points", lines.len() - SHOWN - 1)?;
    }
    let estimate = sweep::estimate::estimate(plan, args.run.threads)?;
    writeln!(
        out,
        "firm-steps: about {:.3e} ({:.3e} initial firms x steps; entry and exit make it x{:.2})",
        estimate.firm_steps, plan.nominal_firm_steps as f64, estimate.growth
    )?;
    if plan.nominal_firm_steps > 0 {
        writeln!(
            out,
            "calibration: {} runs, {:.1} M firm-steps/s on this machine",
            estimate.sample_runs,
            estimate.firm_steps_per_s / 1e6
        )?;
    } else {
        // --steps 0: the runs build the initial state alone, and have no firm-steps to time
        writeln!(
            out,
            "calibration: {} runs of the initial state alone (no steps)",
            estimate.sample_runs
        )?;
    }
    let mut files = format!(
        "trajectories.csv about {}, decomposition.csv about {}",
        human_bytes(estimate.trajectories_bytes as u64),
        human_bytes(estimate.decomposition_bytes as u64)
    );
    if plan.region_rows_per_replicate > 0 {
        write!(
            files,
            ", regions.csv about {}",
            human_bytes(estimate.regions_bytes as u64)
        )?;
    }
    if args.summary_only {
        files.push_str(" (not written: --summary-only)");
    }
    writeln!(
        out,
        "estimate: about {} of wall time; {files}, summary.csv about {}",
        human_duration(estimate.seconds),
        human_bytes(estimate.summary_bytes as u64)
    )?;
    writeln!(
        out,
        "memory: {} to {} per run in flight (from its initial firms to the population entry \
         would build if no firm exited)",
        human_bytes(plan.least_run_bytes),
        human_bytes(plan.peak_run_bytes)
    )?;
    Ok(out)
}

fn human_duration(seconds: f64) -> String {
    if seconds < 90.0 {
        format!("{seconds:.1} s")
    } else if seconds < 5400.0 {
        format!("{:.1} min", seconds / 60.0)
    } else {
        format!("{:.1} h", seconds / 3600.0)
    }
}

/// `--slurm`: writes the scripts and says how to submit them.
fn write_slurm(plan: &Plan, args: &SweepArgs) -> anyhow::Result<i32> {
    let shards = args.shards.unwrap_or(plan.points.len().min(16));
    if shards == 0 || shards > plan.points.len() {
        return Err(Error::BadArgument {
            flag: format!("--shards {shards}"),
            message: format!("between 1 and the plan's {} points", plan.points.len()),
        }
        .into());
    }
    if args.shard.is_some() || args.resume || args.retry_failed || args.dry_run {
        return Err(Error::BadArgument {
            flag: "--slurm".into(),
            message: "writes scripts whose tasks run --shard K/N --resume themselves; leave out --shard, --resume, --retry-failed and --dry-run".into(),
        }
        .into());
    }
    let absolute = |p: &std::path::Path| -> anyhow::Result<PathBuf> { Ok(std::path::absolute(p)?) };
    let mut sweep_args = Vec::new();
    if args.summary_only {
        sweep_args.push("--summary-only".to_string());
    }
    for set in &args.run.scenario_args.set {
        sweep_args.push("--set".into());
        sweep_args.push(set.clone());
    }
    let job = SlurmJob {
        binary: std::env::current_exe()?,
        plan: absolute(&args.plan)?,
        plan_name: plan.name.clone(),
        out: absolute(&args.run.out)?,
        shards,
        cpus_per_task: args.run.threads.unwrap_or(1),
        sbatch: args.sbatch.clone(),
        sweep_args,
    };
    let scripts = job.write()?;
    if !args.run.quiet {
        let mut out = String::new();
        writeln!(
            out,
            "wrote {}/{{array.sbatch, merge.sbatch, submit.sh}}: {} points x {} replicates in {shards} shards (job array 1-{shards}), then a merge job",
            scripts.folder.display(),
            plan.points.len(),
            plan.replicates
        )?;
        writeln!(out, "submit:   bash {}", scripts.submit.display())?;
        writeln!(
            out,
            "          (add --wait to wait for the merge; submitting again resumes unfinished shards)"
        )?;
        writeln!(
            out,
            "results:  {}/ once the merge has run; logs in {}/logs/",
            job.out.join(&plan.name).display(),
            scripts.folder.display()
        )?;
        super::print(&out)?;
    }
    Ok(EXIT_OK)
}

/// The progress bar of a sweep: runs done, firm-steps/s, ETA.
struct SweepBar {
    bar: ProgressBar,
    firm_steps: AtomicU64,
    started: Instant,
    /// Runs done when this process started (resumed from the journal).
    resumed: AtomicU64,
    points: usize,
    replicates: u32,
}

impl SweepBar {
    /// A bar for `points` points of `replicates` replicates; its length is set when the
    /// sweep starts (a shard runs fewer).
    fn new(show: bool, points: usize, replicates: u32) -> Self {
        let bar = if show {
            ProgressBar::new(points as u64 * u64::from(replicates))
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(super::progress::TEMPLATE).expect("valid template"),
        );
        let sweep = SweepBar {
            bar,
            firm_steps: AtomicU64::new(0),
            started: Instant::now(),
            resumed: AtomicU64::new(0),
            points,
            replicates,
        };
        sweep.bar.set_message(sweep.message());
        sweep.bar.enable_steady_tick(Duration::from_millis(200));
        sweep
    }

    /// The text after the counts: the design's size, speed, time left.
    fn message(&self) -> String {
        let firm_steps = self.firm_steps.load(Ordering::Relaxed);
        let rate = firm_steps as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        let resumed = self.resumed.load(Ordering::Relaxed);
        let total = self.bar.length().unwrap_or(0).saturating_sub(resumed);
        let done = self.bar.position().saturating_sub(resumed);
        format!(
            "runs ({} points x {}), {:.1} M firm-steps/s, ETA {}",
            self.points,
            self.replicates,
            rate / 1e6,
            super::progress::eta(self.started, done, total)
        )
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for SweepBar {
    fn start(&self, done: usize, total: usize) {
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
        self.resumed.store(done as u64, Ordering::Relaxed);
        self.bar.set_message(self.message());
    }

    fn step_done(&self, firm_steps: u64) {
        self.firm_steps.fetch_add(firm_steps, Ordering::Relaxed);
    }

    fn run_done(&self) {
        self.bar.inc(1);
        if self.bar.is_hidden() {
            return;
        }
        self.bar.set_message(self.message());
    }
}
