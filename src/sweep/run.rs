//! Running a sweep: every (point, replicate) of the plan (or of one shard) on a thread pool,
//! results written in (point, replicate) order as they complete, with a journal to resume
//! from.
//!
//! Runs execute in parallel with each other and, through rayon's nested parallelism, inside
//! each step, so many small runs and a few large ones both keep every core busy. The number
//! of runs in flight is bounded by memory and by four per thread; the values of the point in
//! progress are kept until its last replicate completes and its summary is written. Results
//! go to hidden `.partial` files, flushed to the operating system after every run and synced
//! to disk every few seconds; `journal.jsonl` records the sizes they had after each run. When
//! the last run is in, the files are renamed into place and the manifest is written.
//!
//! A run that fails (a numeric fault: its point's parameters make a number of the model
//! non-finite) does not stop the sweep: it writes no rows, the journal records its error, the
//! other runs go on, and the finished sweep lists it in `failures.csv` and its manifest. The
//! summary of its point is over the replicates that completed (a point whose every replicate
//! failed has no summary rows).

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::journal::{self, Entry, Header, Journal, Record, Sizes};
use super::manifest::{ShardInfo, SweepFacts, SweepManifest};
use super::plan::Plan;
use super::shard::Shard;
use super::summary::{self, PointBuffer};
use crate::MODEL_VERSION;
use crate::error::{Error, OutputError};
use crate::output::append::AppendFile;
use crate::output::atomic;
use crate::output::decomposition::DecompositionWriter;
use crate::output::folder::OutputFolder;
use crate::output::manifest::FileEntry;
use crate::output::regions::RegionWriter;
use crate::output::trajectories::TrajectoryWriter;
use crate::scenario::Scenario;
use crate::sim::schedule::{self, StopWatch};
use crate::sim::{self, MemoryBudget, Observer, ReplicateOutput};

/// `points.csv`: the point index, the design's columns and the value of each axis.
pub const POINTS: &str = "points.csv";
/// `trajectories.csv`: the rows of every run.
pub const TRAJECTORIES: &str = "trajectories.csv";
/// `summary.csv`: every metric summarised over replicates.
pub const SUMMARY: &str = "summary.csv";
/// `manifest.json`.
pub const MANIFEST: &str = "manifest.json";
/// The journal of an unfinished sweep.
pub const JOURNAL: &str = "journal.jsonl";
/// `decomposition.csv`: the productivity decompositions of every run.
pub const DECOMPOSITION: &str = crate::output::DECOMPOSITION;
/// `regions.csv`: the region rows of every run, where the base scenario has model 2's regions.
pub const REGIONS: &str = crate::output::REGIONS;
/// `failures.csv`: the runs that failed (`point,replicate,error`), written only if some did.
pub const FAILURES: &str = "failures.csv";
/// The columns of `failures.csv`.
pub const FAILURE_COLUMNS: [&str; 3] = ["point", "replicate", "error"];
const TRAJECTORIES_PARTIAL: &str = ".trajectories.csv.partial";
const DECOMPOSITION_PARTIAL: &str = ".decomposition.csv.partial";
const REGIONS_PARTIAL: &str = ".regions.csv.partial";
const SUMMARY_PARTIAL: &str = ".summary.csv.partial";
const SPILL_PARTIAL: &str = ".point.partial";
/// The folder of the Slurm scripts, in a plan's folder.
pub const SLURM_DIR: &str = "slurm";
/// The folder that `nqpsim sensitivity` writes its indices into, in a sweep's folder.
pub const SENSITIVITY_DIR: &str = "sensitivity";
/// The folder that `nqpsim discover` writes its boxes into (one folder per analysis), in a
/// sweep's folder.
pub const DISCOVERY_DIR: &str = "discovery";

/// Whether `name` is something a sweep, its shards, its Slurm scripts or a merge write into
/// a plan's folder.
pub fn is_sweep_file(name: &str) -> bool {
    [
        POINTS,
        TRAJECTORIES,
        DECOMPOSITION,
        REGIONS,
        SUMMARY,
        FAILURES,
        MANIFEST,
        JOURNAL,
        TRAJECTORIES_PARTIAL,
        DECOMPOSITION_PARTIAL,
        REGIONS_PARTIAL,
        SUMMARY_PARTIAL,
        SPILL_PARTIAL,
        SLURM_DIR,
        SENSITIVITY_DIR,
        DISCOVERY_DIR,
        crate::output::folder::PLOTS_DIR,
    ]
    .contains(&name)
        || Shard::from_folder_name(name).is_some()
}

/// How often the partial files and the journal are synced to disk.
const SYNC_INTERVAL: Duration = Duration::from_secs(2);

/// Runs in flight per worker thread, at most: enough to keep threads busy while earlier runs
/// wait for their turn to be written.
const RUNS_IN_FLIGHT_PER_THREAD: usize = 4;

/// How to run a sweep.
#[derive(Clone, Debug, Default)]
pub struct SweepOptions {
    /// Output folder: results go to `OUT/<plan name>/` (`.../shard-K-of-N/` for a shard).
    pub out: PathBuf,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// Skip `trajectories.csv`.
    pub summary_only: bool,
    /// Continue the sweep the folder's journal records (or start one if there is none).
    pub resume: bool,
    /// With `resume`: run the failed runs again. An unfinished sweep goes back to just before
    /// its first failed run (the runs after it give the same bytes again); a complete sweep
    /// that recorded failures is run again from the start.
    pub retry_failed: bool,
    /// Start over even if the folder holds an unfinished sweep or files we did not write.
    pub force: bool,
    /// Run only this shard.
    pub shard: Option<Shard>,
    /// Raised by Ctrl-C or SIGTERM: runs stop at their next step boundary, and the completed
    /// ones are kept in the journal.
    pub cancel: Option<Arc<AtomicBool>>,
    /// `--set` overrides from the command line (for the manifest; the plan applied them).
    pub overrides: Vec<String>,
}

/// Hears about a sweep's progress (from any thread).
pub trait Progress: Sync {
    /// The sweep starts with `done` of `total` runs already completed (resumed).
    fn start(&self, done: usize, total: usize) {
        let _ = (done, total);
    }
    /// A run finished a step with `firm_steps` firm phases in it.
    fn step_done(&self, firm_steps: u64) {
        let _ = firm_steps;
    }
    /// A run's results were written.
    fn run_done(&self) {}
}

/// Progress that is not shown.
pub struct Quiet;

impl Progress for Quiet {}

/// How a sweep ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Every run completed; the final files are in place.
    Complete,
    /// `--resume` found the sweep already complete; nothing ran.
    AlreadyComplete,
    /// Cancelled: the completed runs are in the journal; `--resume` finishes the sweep.
    Interrupted,
}

/// A run that failed: where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunFailure {
    /// The point.
    pub point: usize,
    /// The replicate.
    pub replicate: usize,
    /// The error that stopped it.
    pub error: String,
}

/// What [`run_sweep`] returns.
#[derive(Clone, Debug)]
pub struct SweepReport {
    /// The sweep's folder.
    pub folder: PathBuf,
    /// How it ended.
    pub status: Status,
    /// Runs in the sweep (or shard).
    pub runs: usize,
    /// Runs resumed from the journal.
    pub resumed: usize,
    /// Runs completed by this call.
    pub completed: usize,
    /// Firm phases executed by this call.
    pub firm_steps: u64,
    /// Wall time of this call's runs.
    pub wall_time: Duration,
    /// Worker threads.
    pub threads: usize,
    /// Runs in flight at most.
    pub in_flight: usize,
    /// The runs of the sweep (or shard) that failed, in run order: this call's and those
    /// resumed from the journal. For a sweep found already complete, only their number is
    /// known: `failed_runs`.
    pub failures: Vec<RunFailure>,
    /// How many runs failed.
    pub failed_runs: usize,
    /// Whether this call wrote `regions.csv` (a base scenario with model 2's regions, and not
    /// summary only); false for a sweep found complete, which writes nothing.
    pub wrote_regions: bool,
}

/// The scenarios of the points in progress, built once per point and shared by its runs.
struct Scenarios<'p> {
    plan: &'p Plan,
    cache: Mutex<HashMap<usize, Arc<Scenario>>>,
}

impl Scenarios<'_> {
    fn get(&self, point: usize) -> Result<Arc<Scenario>, Error> {
        let mut cache = self.cache.lock().expect("no panics while held");
        if let Some(s) = cache.get(&point) {
            return Ok(Arc::clone(s));
        }
        let scenario = Arc::new(self.plan.scenario(point)?);
        cache.insert(point, Arc::clone(&scenario));
        Ok(scenario)
    }

    fn forget(&self, point: usize) {
        self.cache
            .lock()
            .expect("no panics while held")
            .remove(&point);
    }
}

/// Passes step progress of a run on to the sweep's [`Progress`].
struct Steps<'a>(&'a dyn Progress);

impl Observer for Steps<'_> {
    fn step_done(&self, _replicate: u32, _step: u32, firm_steps: u64) {
        self.0.step_done(firm_steps);
    }
}

/// The open partial files of a sweep in progress.
struct Partials<'s> {
    trajectories: Option<TrajectoryWriter<'s, AppendFile>>,
    decomposition: Option<DecompositionWriter<'s, AppendFile>>,
    /// With model 2's regions (fixed for a sweep by its base scenario), unless summary only.
    regions: Option<RegionWriter<'s, AppendFile>>,
    summary: csv::Writer<AppendFile>,
    spill: AppendFile,
    journal: Journal,
    /// The runs that failed so far (resumed from the journal, then this process's).
    failures: Vec<RunFailure>,
    sync_handles: Vec<fs::File>,
    last_sync: Instant,
}

impl Partials<'_> {
    fn sizes(&self) -> Sizes {
        Sizes {
            trajectories: self.trajectories.as_ref().map_or(0, |t| t.get_ref().len()),
            decomposition: self.decomposition.as_ref().map_or(0, |t| t.get_ref().len()),
            regions: self.regions.as_ref().map_or(0, |t| t.get_ref().len()),
            summary: self.summary.get_ref().len(),
            spill: self.spill.len(),
        }
    }

    /// Hands every buffered byte to the operating system.
    fn flush(&mut self, folder: &Path) -> Result<(), Error> {
        if let Some(t) = &mut self.trajectories {
            t.flush()
                .map_err(|source| io_error(folder, TRAJECTORIES_PARTIAL, source))?;
        }
        if let Some(d) = &mut self.decomposition {
            d.flush()
                .map_err(|source| io_error(folder, DECOMPOSITION_PARTIAL, source))?;
        }
        if let Some(r) = &mut self.regions {
            r.flush()
                .map_err(|source| io_error(folder, REGIONS_PARTIAL, source))?;
        }
        self.summary
            .flush()
            .map_err(|source| io_error(folder, SUMMARY_PARTIAL, source))?;
        self.spill.flush_to_os()?;
        Ok(())
    }

    /// Syncs the data files, then the journal, if `force` or the interval has passed.
    fn sync(&mut self, folder: &Path, force: bool) -> Result<(), Error> {
        if !force && self.last_sync.elapsed() < SYNC_INTERVAL {
            return Ok(());
        }
        for handle in &self.sync_handles {
            handle
                .sync_data()
                .map_err(|source| io_error(folder, "a partial file", source))?;
        }
        self.spill.sync()?;
        self.journal.sync()?;
        self.last_sync = Instant::now();
        Ok(())
    }
}

fn io_error(folder: &Path, name: &str, source: std::io::Error) -> Error {
    OutputError {
        path: folder.join(name),
        source,
    }
    .into()
}

fn csv_error(folder: &Path, name: &str, e: csv::Error) -> Error {
    let source = match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    };
    io_error(folder, name, source)
}

/// Runs `plan` (or the shard `options.shard` of it) and writes its files; see the module
/// documentation.
pub fn run_sweep(
    plan: &Plan,
    options: &SweepOptions,
    progress: &dyn Progress,
) -> Result<SweepReport, Error> {
    let total_points = plan.points.len();
    let points = points_to_run(total_points, options.shard)?;
    let replicates = plan.replicates as usize;
    let runs = points.len() * replicates;

    let memory = memory_budget(plan)?;
    let OpenedFolder {
        folder,
        fingerprint,
        layout,
        header,
        resume_from,
    } = match open(plan, options, &points, runs)? {
        Opening::Opened(opened) => *opened,
        Opening::AlreadyComplete { failed_runs } => {
            return Ok(SweepReport::already_complete(
                sweep_folder(plan, options),
                runs,
                failed_runs,
            ));
        }
    };

    // The partial files: fresh, or cut back to the journal's last run.
    let scenarios = Scenarios {
        plan,
        cache: Mutex::new(HashMap::new()),
    };
    let (mut partials, done, mut buffer) = match resume_from {
        None => start_fresh(&folder, &layout, header, options.summary_only)?,
        Some(record) => {
            let record = if options.retry_failed {
                record.before_first_failure()
            } else {
                record
            };
            resume(&folder, plan, &layout, &scenarios, record, &points)?
        }
    };
    progress.start(done, runs);

    let pool = crate::sim::thread_pool(options.threads)?;
    let threads = pool.current_num_threads();
    let in_flight = ((memory.budget / plan.peak_run_bytes.max(1)) as usize)
        .clamp(1, RUNS_IN_FLIGHT_PER_THREAD * threads);

    let allowance = memory.allowance(in_flight);
    let started = Instant::now();
    let mut firm_steps = 0u64;
    let steps = Steps(progress);
    let locate = |j: usize| (points.start + j / replicates, j % replicates);
    // A run's own error (a numeric fault) is its result, recorded in order like any other;
    // only errors of the sweep itself (writing its files) stop it.
    let task = |i: usize, watch: &StopWatch| {
        let (point, replicate) = locate(done + i);
        let outcome = scenarios.get(point).and_then(|scenario| {
            run_one(
                plan,
                &scenario,
                (point, replicate),
                &steps,
                watch,
                allowance,
            )
        });
        Ok(match outcome {
            Ok(Some(output)) => Some(Ok(output)),
            Ok(None) => None,
            Err(e) => Some(Err(e.to_string())),
        })
    };
    let folder_path = folder.path().to_path_buf();
    let outcome = schedule::run_in_order(
        &pool,
        runs - done,
        in_flight,
        options.cancel.as_deref(),
        &task,
        &mut |i, output: Result<ReplicateOutput, String>| {
            let run = done + i;
            let (point, replicate) = locate(run);
            let scenario = scenarios.get(point)?;
            if let Ok(output) = &output {
                firm_steps += output.firm_steps;
            }
            let point_done = partials.record(
                &folder_path,
                &mut buffer,
                Finished {
                    run,
                    point,
                    replicate,
                    scenario: &scenario,
                    output,
                },
                replicates,
            )?;
            if point_done {
                scenarios.forget(point);
            }
            progress.run_done();
            Ok(())
        },
    );
    let wall_time = started.elapsed();
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            // keep what completed for --resume
            let _ = partials.flush(&folder_path);
            let _ = partials.sync(&folder_path, true);
            return Err(e);
        }
    };
    let completed = outcome.completed.len();
    let mut report = SweepReport {
        folder: folder_path.clone(),
        status: Status::Interrupted,
        runs,
        resumed: done,
        completed,
        firm_steps,
        wall_time,
        threads,
        in_flight,
        failed_runs: partials.failures.len(),
        failures: partials.failures.clone(),
        wrote_regions: partials.regions.is_some(),
    };
    if done + completed < runs {
        partials.flush(&folder_path)?;
        partials.sync(&folder_path, true)?;
        return Ok(report);
    }

    // Every run is in: the final files.
    finish(
        &folder,
        plan,
        options,
        partials,
        &fingerprint,
        &points,
        facts(threads, in_flight, done, completed, wall_time, firm_steps),
    )?;
    report.status = Status::Complete;
    Ok(report)
}

/// The memory the runs in flight may take (80 % of what is available); refused before anything
/// is written if the least one run needs cannot fit in it.
fn memory_budget(plan: &Plan) -> Result<MemoryBudget, Error> {
    let memory = MemoryBudget::now();
    memory.refuse_beyond(&plan.name, plan.least_run_bytes)?;
    Ok(memory)
}

impl SweepReport {
    /// The report of a sweep found complete in its folder: nothing run.
    fn already_complete(folder: PathBuf, runs: usize, failed_runs: usize) -> SweepReport {
        SweepReport {
            folder,
            status: Status::AlreadyComplete,
            runs,
            resumed: runs,
            completed: 0,
            firm_steps: 0,
            wall_time: Duration::ZERO,
            threads: 0,
            in_flight: 0,
            failures: Vec::new(),
            failed_runs,
            wrote_regions: false,
        }
    }
}

/// Runs one replicate of one point within `allowance` bytes; a run's own error (a numeric
/// fault, a population that outgrew its memory) names the plan and the point.
fn run_one(
    plan: &Plan,
    scenario: &Scenario,
    (point, replicate): (usize, usize),
    steps: &Steps,
    watch: &StopWatch,
    allowance: u64,
) -> Result<crate::sim::ReplicateRows, Error> {
    sim::run_replicate(
        scenario,
        replicate as u32,
        point as u32,
        None,
        steps,
        Some(watch),
        allowance,
    )
    .map_err(|mut e| {
        if let Error::Numeric { scenario, .. } | Error::PopulationGrowth { scenario, .. } = &mut e {
            *scenario = format!("{} (point {point})", plan.name);
        }
        e
    })
}

/// The folder of a sweep (or of its shard).
fn sweep_folder(plan: &Plan, options: &SweepOptions) -> PathBuf {
    let dir = options.out.join(&plan.name);
    match options.shard {
        Some(shard) => dir.join(shard.folder_name()),
        None => dir,
    }
}

/// The sweep's folder, taken, and what is in it: the journal to resume from, if any.
struct OpenedFolder {
    folder: OutputFolder,
    fingerprint: String,
    /// The scenario of the first point run here: the layout of every point's rows.
    layout: Scenario,
    header: Header,
    resume_from: Option<Record>,
}

/// What [`open`] found.
enum Opening {
    /// A folder to run in.
    Opened(Box<OpenedFolder>),
    /// The sweep there is complete, with this many failed runs.
    AlreadyComplete { failed_runs: usize },
}

/// Takes the sweep's folder and finds what it holds.
fn open(
    plan: &Plan,
    options: &SweepOptions,
    points: &std::ops::Range<usize>,
    runs: usize,
) -> Result<Opening, Error> {
    let folder =
        OutputFolder::take_with(&sweep_folder(plan, options), &is_sweep_file, options.force)?;
    let fingerprint = format!("{:016x}", plan.fingerprint());
    let layout = plan.scenario(points.start.min(plan.points.len() - 1))?;
    let header = Header {
        nqpsim_journal: journal::FORMAT,
        fingerprint: fingerprint.clone(),
        nqpsim_version: env!("CARGO_PKG_VERSION").into(),
        runs,
        shard: options.shard.map(|s| s.to_string()),
        summary_only: options.summary_only,
        start: Sizes::default(),
    };
    let resume_from = match find_journal(&folder, options, &header)? {
        Found::Resume(record) => Some(*record),
        Found::AlreadyComplete { failed_runs } => {
            return Ok(Opening::AlreadyComplete { failed_runs });
        }
        Found::Fresh => None,
    };
    if let Some(record) = &resume_from {
        check_journal(&folder, record, &header)?;
    }
    Ok(Opening::Opened(Box::new(OpenedFolder {
        folder,
        fingerprint,
        layout,
        header,
        resume_from,
    })))
}

/// The points this process runs: all of them, or those of its shard.
fn points_to_run(total: usize, shard: Option<Shard>) -> Result<std::ops::Range<usize>, Error> {
    match shard {
        Some(shard) if shard.n > total => Err(Error::BadArgument {
            flag: format!("--shard {shard}"),
            message: format!("the plan has {total} points; use at most {total} shards"),
        }),
        Some(shard) => Ok(shard.points(total)),
        None => Ok(0..total),
    }
}

/// The facts of a completed sweep, for its manifest.
fn facts(
    threads: usize,
    in_flight: usize,
    done: usize,
    completed: usize,
    wall_time: Duration,
    firm_steps: u64,
) -> SweepFacts {
    SweepFacts {
        status: "complete".into(),
        threads,
        runs_in_flight: in_flight,
        runs_resumed: done,
        runs_this_process: completed,
        wall_time_s: wall_time.as_secs_f64(),
        firm_steps,
        firm_steps_per_s: firm_steps as f64 / wall_time.as_secs_f64().max(1e-9),
        finished_unix_s: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    }
}

/// A run that has finished: its index among the sweep's runs, its point and scenario, and
/// what it produced.
struct Finished<'a> {
    run: usize,
    point: usize,
    replicate: usize,
    scenario: &'a Scenario,
    /// Its output, or the error that stopped it.
    output: Result<ReplicateOutput, String>,
}

impl Partials<'_> {
    /// Appends a run's trajectory, decomposition and region rows.
    fn write_rows(&mut self, folder: &Path, output: &ReplicateOutput) -> Result<(), Error> {
        if let Some(t) = &mut self.trajectories {
            for row in &output.rows {
                t.write(row)
                    .map_err(|e| csv_error(folder, TRAJECTORIES_PARTIAL, e))?;
            }
        }
        if let Some(d) = &mut self.decomposition {
            for row in &output.decomposition {
                d.write(row)
                    .map_err(|e| csv_error(folder, DECOMPOSITION_PARTIAL, e))?;
            }
        }
        if let Some(r) = &mut self.regions {
            for row in &output.regions {
                r.write(row)
                    .map_err(|e| csv_error(folder, REGIONS_PARTIAL, e))?;
            }
        }
        Ok(())
    }

    /// Appends a finished run to the partial files, in run order: its rows and decompositions;
    /// its values to the point's buffer (spilled to disk), and the point's summary rows once
    /// its last replicate is in; then the journal entry, synced. A failed run adds nothing
    /// but its journal entry (with the error). Returns whether the point is complete.
    fn record(
        &mut self,
        folder: &Path,
        buffer: &mut PointBuffer,
        finished: Finished,
        replicates: usize,
    ) -> Result<bool, Error> {
        let Finished {
            run,
            point,
            replicate,
            scenario,
            output,
        } = finished;
        let point_done = replicate + 1 == replicates;
        let failed = match output {
            Ok(output) => {
                debug_assert!(summary::layout_matches(&output.rows, scenario));
                self.write_rows(folder, &output)?;
                let values = summary::run_values(&output.rows, scenario);
                if !point_done {
                    let mut bytes = Vec::with_capacity(values.len() * 8);
                    for x in &values {
                        bytes.extend_from_slice(&x.to_le_bytes());
                    }
                    self.spill
                        .write_all(&bytes)
                        .map_err(|e| self.spill.error(e))?;
                }
                buffer.push(values);
                None
            }
            Err(error) => {
                self.failures.push(RunFailure {
                    point,
                    replicate,
                    error: error.clone(),
                });
                Some(error)
            }
        };
        if point_done {
            // over the replicates that completed; none: the point has no summary rows
            if !buffer.is_empty() {
                let prefix = [point.to_string()];
                buffer
                    .write_summary(&mut self.summary, &prefix, scenario)
                    .map_err(|e| csv_error(folder, SUMMARY_PARTIAL, e))?;
            }
            self.spill.clear()?;
            *buffer = PointBuffer::default();
        }
        self.flush(folder)?;
        self.journal.append(&Entry {
            run,
            sizes: self.sizes(),
            failed,
        })?;
        self.sync(folder, false)?;
        Ok(point_done)
    }
}

enum Found {
    Fresh,
    Resume(Box<Record>),
    AlreadyComplete { failed_runs: usize },
}

/// What the folder holds: an unfinished sweep to resume, a finished one, or nothing to
/// continue. Refuses an unfinished sweep without `--resume` or `--force`.
fn find_journal(
    folder: &OutputFolder,
    options: &SweepOptions,
    header: &Header,
) -> Result<Found, Error> {
    let size = |name: &str| fs::metadata(folder.file(name)).map_or(0, |m| m.len());
    let (trajectories, decomposition, regions, summary, spill) = (
        size(TRAJECTORIES_PARTIAL),
        size(DECOMPOSITION_PARTIAL),
        size(REGIONS_PARTIAL),
        size(SUMMARY_PARTIAL),
        size(SPILL_PARTIAL),
    );
    let fits = |s: &Sizes| {
        (options.summary_only
            || (s.trajectories <= trajectories
                && s.decomposition <= decomposition
                && s.regions <= regions))
            && s.summary <= summary
            && s.spill <= spill
    };
    let refuse = |reason: String| Error::Journal {
        folder: folder.path().to_path_buf(),
        reason,
    };
    match Journal::read(&folder.file(JOURNAL), fits) {
        Err(message) if options.force => {
            eprintln!("warning: {message}; starting over (--force)");
            Ok(Found::Fresh)
        }
        Err(message) => Err(refuse(message)),
        Ok(Some(record)) if options.resume => Ok(Found::Resume(Box::new(record))),
        Ok(Some(_)) if options.force => Ok(Found::Fresh),
        Ok(Some(record)) => Err(refuse(format!(
            "an unfinished sweep is here ({} of {} runs done); add --resume to finish it, or --force to start over",
            record.last.map_or(0, |e| e.run + 1),
            record.header.runs
        ))),
        Ok(None) if options.resume => {
            let manifest: Option<SweepManifest> = fs::read(folder.file(MANIFEST))
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok());
            Ok(match manifest {
                // --retry-failed runs a complete sweep with failures again: its files are
                // replaced only once every run is in
                Some(m)
                    if m.command == "sweep"
                        && m.fingerprint == header.fingerprint
                        && m.summary_only == header.summary_only
                        && m.shard.as_ref().map(|s| format!("{}/{}", s.k, s.n)) == header.shard
                        && !(options.retry_failed && m.failed_runs > 0) =>
                {
                    Found::AlreadyComplete {
                        failed_runs: m.failed_runs,
                    }
                }
                _ => Found::Fresh,
            })
        }
        Ok(None) => Ok(Found::Fresh),
    }
}

/// Refuses to resume a journal written for another plan, shard or output choice.
fn check_journal(folder: &OutputFolder, record: &Record, header: &Header) -> Result<(), Error> {
    let refuse = |reason: String| Error::Journal {
        folder: folder.path().to_path_buf(),
        reason,
    };
    let found = &record.header;
    if found.fingerprint != header.fingerprint {
        return Err(refuse(format!(
            "the unfinished sweep here was started from a different plan, base scenario, --set or nqpsim version (fingerprint {}, now {}); its results cannot be mixed with this plan's: restore the plan to resume, or run without --resume and with --force to start over",
            found.fingerprint, header.fingerprint
        )));
    }
    if found.shard != header.shard || found.runs != header.runs {
        return Err(refuse(format!(
            "the unfinished sweep here is {} ({} runs), not {} ({} runs)",
            found
                .shard
                .as_ref()
                .map_or("the whole sweep".into(), |s| format!("shard {s}")),
            found.runs,
            header
                .shard
                .as_ref()
                .map_or("the whole sweep".into(), |s| format!("shard {s}")),
            header.runs
        )));
    }
    if found.summary_only != header.summary_only {
        return Err(refuse(format!(
            "the unfinished sweep here was started {} --summary-only; resume it the same way",
            if found.summary_only {
                "with"
            } else {
                "without"
            }
        )));
    }
    Ok(())
}

type Opened<'s> = (Partials<'s>, usize, PointBuffer);

fn start_fresh<'s>(
    folder: &OutputFolder,
    layout: &'s Scenario,
    mut header: Header,
    summary_only: bool,
) -> Result<Opened<'s>, Error> {
    let path = folder.path();
    let _ = fs::remove_file(folder.file(REGIONS_PARTIAL));
    let regions = if summary_only || !layout.features.regions {
        None
    } else {
        let file = AppendFile::create(&folder.file(REGIONS_PARTIAL))?;
        let mut r =
            RegionWriter::new(file, layout).map_err(|e| csv_error(path, REGIONS_PARTIAL, e))?;
        r.flush().map_err(|e| io_error(path, REGIONS_PARTIAL, e))?;
        Some(r)
    };
    let (trajectories, decomposition) = if summary_only {
        let _ = fs::remove_file(folder.file(TRAJECTORIES_PARTIAL));
        let _ = fs::remove_file(folder.file(DECOMPOSITION_PARTIAL));
        (None, None)
    } else {
        let file = AppendFile::create(&folder.file(TRAJECTORIES_PARTIAL))?;
        let mut t = TrajectoryWriter::new(file, layout)
            .map_err(|e| csv_error(path, TRAJECTORIES_PARTIAL, e))?;
        t.flush()
            .map_err(|e| io_error(path, TRAJECTORIES_PARTIAL, e))?;
        let file = AppendFile::create(&folder.file(DECOMPOSITION_PARTIAL))?;
        let mut d = DecompositionWriter::new(file, layout)
            .map_err(|e| csv_error(path, DECOMPOSITION_PARTIAL, e))?;
        d.flush()
            .map_err(|e| io_error(path, DECOMPOSITION_PARTIAL, e))?;
        (Some(t), Some(d))
    };
    let mut summary = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(AppendFile::create(&folder.file(SUMMARY_PARTIAL))?);
    summary
        .write_record(summary_columns())
        .and_then(|()| summary.flush().map_err(csv::Error::from))
        .map_err(|e| csv_error(path, SUMMARY_PARTIAL, e))?;
    let spill = AppendFile::create(&folder.file(SPILL_PARTIAL))?.into_scratch();
    header.start = Sizes {
        trajectories: trajectories.as_ref().map_or(0, |t| t.get_ref().len()),
        decomposition: decomposition.as_ref().map_or(0, |t| t.get_ref().len()),
        regions: regions.as_ref().map_or(0, |t| t.get_ref().len()),
        summary: summary.get_ref().len(),
        spill: 0,
    };
    let mut partials = Partials {
        trajectories,
        decomposition,
        regions,
        summary,
        spill,
        journal: Journal::create(&folder.file(JOURNAL), &header)?,
        failures: Vec::new(),
        sync_handles: Vec::new(),
        last_sync: Instant::now(),
    };
    partials.sync_handles = sync_handles(&partials)?;
    Ok((partials, 0, PointBuffer::default()))
}

fn sync_handles(partials: &Partials) -> Result<Vec<fs::File>, Error> {
    let mut handles = vec![partials.summary.get_ref().sync_handle()?];
    if let Some(t) = &partials.trajectories {
        handles.push(t.get_ref().sync_handle()?);
    }
    if let Some(d) = &partials.decomposition {
        handles.push(d.get_ref().sync_handle()?);
    }
    if let Some(r) = &partials.regions {
        handles.push(r.get_ref().sync_handle()?);
    }
    Ok(handles)
}

/// Opens the partial files cut back to the journal's last run and refills the buffer of the
/// point in progress from the spill file.
fn resume<'s>(
    folder: &OutputFolder,
    plan: &Plan,
    layout: &'s Scenario,
    scenarios: &Scenarios,
    record: Record,
    points: &std::ops::Range<usize>,
) -> Result<Opened<'s>, Error> {
    let header = &record.header;
    let (sizes, done) = match &record.last {
        Some(entry) => (entry.sizes, entry.run + 1),
        None => (header.start, 0),
    };
    let (trajectories, decomposition) = if header.summary_only {
        (None, None)
    } else {
        let file = AppendFile::resume(&folder.file(TRAJECTORIES_PARTIAL), sizes.trajectories)?;
        let d = AppendFile::resume(&folder.file(DECOMPOSITION_PARTIAL), sizes.decomposition)?;
        (
            Some(TrajectoryWriter::resume(file, layout)),
            Some(DecompositionWriter::resume(d, layout)),
        )
    };
    let regions = if header.summary_only || !layout.features.regions {
        None
    } else {
        let file = AppendFile::resume(&folder.file(REGIONS_PARTIAL), sizes.regions)?;
        Some(RegionWriter::resume(file, layout))
    };
    let summary = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(AppendFile::resume(
            &folder.file(SUMMARY_PARTIAL),
            sizes.summary,
        )?);
    let spill = AppendFile::resume(&folder.file(SPILL_PARTIAL), sizes.spill)?.into_scratch();

    let replicates = plan.replicates as usize;
    let point = points.start + done / replicates;
    let mut buffer = PointBuffer::default();
    let failures: Vec<RunFailure> = record
        .failures()
        .map(|(run, error)| RunFailure {
            point: points.start + run / replicates,
            replicate: run % replicates,
            error: error.to_string(),
        })
        .collect();
    // the replicates of the point in progress that completed are in the spill file
    let in_progress = done % replicates - failures.iter().filter(|f| f.point == point).count();
    if in_progress > 0 {
        let scenario = scenarios.get(point)?;
        let per_run = (scenario.run.steps as usize + 1)
            * (scenario.sectors.len() + 1)
            * summary::metric_names(&scenario).len();
        let bytes = fs::read(folder.file(SPILL_PARTIAL))
            .map_err(|e| io_error(folder.path(), SPILL_PARTIAL, e))?;
        if bytes.len() != in_progress * per_run * 8 {
            return Err(Error::Journal {
                folder: folder.path().to_path_buf(),
                reason: format!(
                    "{SPILL_PARTIAL} holds {} bytes, not the {} of the {in_progress} replicates of point {point} the journal records; run without --resume and with --force to start over",
                    bytes.len(),
                    in_progress * per_run * 8
                ),
            });
        }
        for run in bytes.chunks_exact(per_run * 8) {
            buffer.push(
                run.chunks_exact(8)
                    .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
                    .collect(),
            );
        }
    }
    let mut partials = Partials {
        trajectories,
        decomposition,
        regions,
        summary,
        spill,
        journal: Journal::rewrite(&folder.file(JOURNAL), &record)?,
        failures,
        sync_handles: Vec::new(),
        last_sync: Instant::now(),
    };
    partials.sync_handles = sync_handles(&partials)?;
    Ok((partials, done, buffer))
}

/// The header of `summary.csv` (the axis values are in `points.csv`, joined on `point`).
pub fn summary_columns() -> Vec<String> {
    std::iter::once("point")
        .chain(summary::COLUMNS)
        .map(String::from)
        .collect()
}

/// The bytes of `points.csv`.
pub fn points_csv(plan: &Plan) -> Vec<u8> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    csv.write_record(plan.point_columns())
        .expect("writing to memory");
    for point in &plan.points {
        csv.write_record(plan.point_fields(point))
            .expect("writing to memory");
    }
    csv.into_inner().expect("writing to memory")
}

/// The bytes of `failures.csv`: a row per failed run, in (point, replicate) order.
pub fn failures_csv(failures: &[RunFailure]) -> Vec<u8> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    csv.write_record(FAILURE_COLUMNS)
        .expect("writing to memory");
    for f in failures {
        csv.write_record([
            f.point.to_string(),
            f.replicate.to_string(),
            f.error.clone(),
        ])
        .expect("writing to memory");
    }
    csv.into_inner().expect("writing to memory")
}

/// Renames the partial files into place, writes `points.csv` and the manifest, and removes
/// the journal.
fn finish(
    folder: &OutputFolder,
    plan: &Plan,
    options: &SweepOptions,
    partials: Partials,
    fingerprint: &str,
    points: &std::ops::Range<usize>,
    facts: SweepFacts,
) -> Result<(), Error> {
    let path = folder.path();
    let mut files = Vec::new();
    let points_facts = atomic::write_file(&folder.file(POINTS), &points_csv(plan))?;
    files.push(FileEntry {
        name: POINTS.into(),
        rows: plan.points.len() as u64,
        facts: points_facts,
    });
    let Partials {
        trajectories,
        decomposition,
        regions,
        summary,
        spill,
        journal,
        failures,
        ..
    } = partials;
    // each row file renamed into place, or, where this sweep writes none, an earlier sweep's
    // removed (it would not match these runs)
    for (file, partial, name) in [
        (
            trajectories.map(|t| t.into_inner()),
            TRAJECTORIES_PARTIAL,
            TRAJECTORIES,
        ),
        (
            decomposition.map(|d| d.into_inner()),
            DECOMPOSITION_PARTIAL,
            DECOMPOSITION,
        ),
        (regions.map(|r| r.into_inner()), REGIONS_PARTIAL, REGIONS),
    ] {
        match file {
            Some(file) => {
                let file = file.map_err(|e| io_error(path, partial, e))?;
                let rows = file.lines().saturating_sub(1);
                let facts = file.finish(&folder.file(name))?;
                files.push(FileEntry {
                    name: name.into(),
                    rows,
                    facts,
                });
            }
            None => {
                let _ = fs::remove_file(folder.file(name));
            }
        }
    }
    let summary = summary
        .into_inner()
        .map_err(|e| io_error(path, SUMMARY_PARTIAL, e.into_error()))?;
    let rows = summary.lines().saturating_sub(1);
    let summary_facts = summary.finish(&folder.file(SUMMARY))?;
    files.push(FileEntry {
        name: SUMMARY.into(),
        rows,
        facts: summary_facts,
    });
    if failures.is_empty() {
        // a failures.csv of an earlier sweep would not match these results
        let _ = fs::remove_file(folder.file(FAILURES));
    } else {
        let facts = atomic::write_file(&folder.file(FAILURES), &failures_csv(&failures))?;
        files.push(FileEntry {
            name: FAILURES.into(),
            rows: failures.len() as u64,
            facts,
        });
    }
    drop(spill);
    let _ = fs::remove_file(folder.file(SPILL_PARTIAL));
    let manifest = SweepManifest {
        command: "sweep".into(),
        nqpsim_version: env!("CARGO_PKG_VERSION").into(),
        model_version: MODEL_VERSION,
        plan_name: plan.name.clone(),
        plan_file: plan.file.display().to_string(),
        plan: plan.raw.clone(),
        overrides: options.overrides.clone(),
        scenario_files: plan.scenario_files.clone(),
        seed: plan.seed,
        replicates: plan.replicates,
        design: format!("{:?}", plan.design).to_lowercase(),
        points: plan.points.len(),
        runs: plan.runs(),
        fingerprint: fingerprint.to_string(),
        summary_only: options.summary_only,
        shard: options.shard.map(|s| ShardInfo {
            k: s.k,
            n: s.n,
            first_point: points.start,
            end_point: points.end,
        }),
        base_scenario: plan.base_scenario()?.to_raw(),
        files,
        failed_runs: failures.len(),
        run: Some(facts),
        merged_from: Vec::new(),
    };
    let json = serde_json::to_vec_pretty(&manifest).expect("the manifest serialises");
    atomic::write_file(&folder.file(MANIFEST), &json)?;
    drop(journal);
    fs::remove_file(folder.file(JOURNAL)).map_err(|e| io_error(path, JOURNAL, e))?;
    Ok(())
}

/// What a finished sweep's folder says about its failed runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedRuns {
    /// Runs that failed.
    pub failed: usize,
    /// Runs in the sweep.
    pub runs: usize,
    /// Points none of whose replicates completed: they have no rows at all.
    pub empty_points: Vec<usize>,
    /// Each failed run as `failures.csv` lists it: point, replicate, the error.
    pub list: Vec<(usize, u32, String)>,
}

impl FailedRuns {
    /// The failed runs of the sweep in `folder`, from its manifest and `failures.csv`;
    /// `None` if none failed, or the folder is not a finished sweep.
    pub fn of(folder: &Path) -> Option<FailedRuns> {
        let manifest: SweepManifest =
            serde_json::from_slice(&fs::read(folder.join(MANIFEST)).ok()?).ok()?;
        if manifest.failed_runs == 0 {
            return None;
        }
        let mut per_point: std::collections::BTreeMap<usize, u32> = Default::default();
        let mut list = Vec::new();
        if let Ok(mut csv) = csv::Reader::from_path(folder.join(FAILURES)) {
            for record in csv.records().flatten() {
                let point = record.get(0).and_then(|p| p.parse().ok());
                let replicate = record.get(1).and_then(|r| r.parse().ok());
                if let (Some(point), Some(replicate)) = (point, replicate) {
                    *per_point.entry(point).or_default() += 1;
                    list.push((point, replicate, record.get(2).unwrap_or("").to_string()));
                }
            }
        }
        Some(FailedRuns {
            list,
            failed: manifest.failed_runs,
            runs: manifest.runs,
            empty_points: per_point
                .into_iter()
                .filter(|&(_, n)| n >= manifest.replicates)
                .map(|(p, _)| p)
                .collect(),
        })
    }

    /// Whether the run (point, replicate) failed.
    pub fn contains(&self, point: usize, replicate: u32) -> bool {
        self.list
            .iter()
            .any(|&(p, r, _)| p == point && r == replicate)
    }

    /// Whether run `point * replicates + replicate` (the order of a sweep's runs, with
    /// `replicates` per point) failed.
    pub fn contains_run(&self, run: usize, replicates: u32) -> bool {
        self.contains(
            run / replicates as usize,
            (run % replicates as usize) as u32,
        )
    }

    /// The failed runs of `point`: its replicates that failed, with their errors.
    pub fn of_point(&self, point: usize) -> Vec<(u32, &str)> {
        self.list
            .iter()
            .filter(|(p, _, _)| *p == point)
            .map(|(_, r, e)| (*r, e.as_str()))
            .collect()
    }

    /// The line an analysis prints (and notes in its report): how many runs it leaves out,
    /// and why.
    pub fn note(&self, folder: &Path) -> String {
        let mut note = format!(
            "{}: {} of {} runs failed (listed in {FAILURES}) and are left out: each point's \
             values are over the replicates that completed",
            folder.display(),
            self.failed,
            self.runs
        );
        if !self.empty_points.is_empty() {
            let shown: Vec<String> = self
                .empty_points
                .iter()
                .take(10)
                .map(usize::to_string)
                .collect();
            note.push_str(&format!(
                "; point{} {}{} ha{} no completed replicate and no rows",
                if self.empty_points.len() == 1 {
                    ""
                } else {
                    "s"
                },
                shown.join(", "),
                if self.empty_points.len() > 10 {
                    ", ..."
                } else {
                    ""
                },
                if self.empty_points.len() == 1 {
                    "s"
                } else {
                    "ve"
                }
            ));
        }
        note
    }
}

/// Prints the warning of an analysis of the sweep in `folder` if some of its runs failed, and
/// returns the note (for the analysis' report).
pub fn warn_failed_runs(folder: &Path) -> Option<String> {
    let failed = FailedRuns::of(folder)?;
    let note = failed.note(folder);
    eprintln!("warning: {note}");
    Some(note)
}
