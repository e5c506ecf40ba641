//! The engine: replicates, steps and the parallel passes. Parallelism lives here only.
//!
//! [`Simulation`] steps one replicate; [`run`] runs every replicate of a scenario, as many
//! at once as memory allows, on a thread pool of the requested size, and returns the metrics
//! rows in (replicate, step, sector) order.

mod init;
mod observe;
mod panel;
pub mod phase;
pub mod quantiles;
pub mod reduce;
pub mod schedule;
pub mod step;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use crate::decomposition::DecompositionRow;
use crate::error::{Error, NumericFault};
use crate::metrics::MetricsRow;
use crate::model::firms::Firms;
use crate::model::policy::Levers;
use crate::model::stats::SectorStats;
use crate::panel::{PanelRow, PanelSample};
use crate::rng::RunKey;
use crate::scenario::Scenario;
use schedule::StopWatch;
use step::Buffers;

/// One replicate of a scenario, stepped one year at a time.
///
/// ```
/// use nqpsim::{Scenario, Simulation};
/// let scenario = Scenario::baseline().with_firms(500).with_steps(3);
/// let mut sim = Simulation::new(&scenario, 0).unwrap();
/// assert_eq!(sim.rows().len(), 4); // step 0: three sectors and `all`
/// sim.step().unwrap();
/// assert_eq!(sim.rows()[0].step, 1);
/// ```
pub struct Simulation<'s> {
    pub(crate) scenario: &'s Scenario,
    pub(crate) replicate: u32,
    pub(crate) run_key: RunKey,
    /// Levers in force in the last completed step.
    pub(crate) levers: Levers,
    /// Levers in force in the next step.
    pub(crate) levers_next: Levers,
    pub(crate) step: u32,
    pub(crate) firms: Firms,
    pub(crate) buffers: Buffers,
    /// S(t) after the last completed step.
    pub(crate) stats: Vec<SectorStats>,
    /// Z_j(t+1): demand scales for the next step.
    pub(crate) demand: Vec<f64>,
    /// Y_j(t).
    pub(crate) output: Vec<f64>,
    /// b(t).
    pub(crate) budget_scale: f64,
    /// spent(t): capped subsidy spending over total output of t - 1.
    pub(crate) capped_spending_share: f64,
    pub(crate) tfp_initial: Vec<Option<f64>>,
    pub(crate) tfp_initial_all: Option<f64>,
    pub(crate) next_id: u64,
    pub(crate) rows: Vec<MetricsRow>,
    /// Range of ln A per sector and pooled in the last observation (histogram bins).
    pub(crate) ln_a_range: Vec<(f64, f64)>,
    /// Last observation's mean ln A per sector and pooled: the shift of the sums of squares.
    pub(crate) ln_a_shift: Vec<f64>,
    /// Time spent in each pass since the start.
    pub(crate) timings: Timings,
    /// The decomposition rows of the last completed step (none after step 0).
    pub(crate) decomposition: Vec<DecompositionRow>,
    /// Last step's TFP per sector and for `all` (the decompositions' t - 1).
    pub(crate) last_tfp: Vec<Option<f64>>,
    /// Last step's output share per sector.
    pub(crate) last_weight: Vec<f64>,
    /// The firm-year panel followed, if any.
    pub(crate) panel: Option<PanelSample>,
    /// Panel rows of the last step, waiting to learn which firms exit next.
    pub(crate) panel_pending: Vec<PanelRow>,
    /// Finished panel rows, not yet taken.
    pub(crate) panel_out: Vec<PanelRow>,
    /// The id of the first firm spawned in the last step (ids of spawned firms follow).
    pub(crate) spawn_first_id: u64,
}

/// Wall time spent in each pass of the step (what `nqpsim bench` reports per stage).
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Timings {
    /// §5.1-5.10: the firm phase and the CES weights.
    pub phase: Duration,
    /// §5.11: shares and exit decisions.
    pub exits: Duration,
    /// §5.12: compaction, spawns and entrants.
    pub structure: Duration,
    /// §5.13: the production pass (productivity, output, sums, histograms).
    pub production: Duration,
    /// §5.13: the quantile gather and selections.
    pub quantiles: Duration,
    /// §5.13: metrics rows and demand.
    pub rows: Duration,
}

impl Timings {
    /// Total over the passes.
    pub fn total(&self) -> Duration {
        self.phase + self.exits + self.structure + self.production + self.quantiles + self.rows
    }
}

impl<'s> Simulation<'s> {
    /// The initial state (step 0) of replicate `replicate`; an error if a number of the
    /// initial state is not finite (parameters far outside any sensible range).
    pub fn new(scenario: &'s Scenario, replicate: u32) -> Result<Self, NumericFault> {
        let ns = scenario.sectors.len();

        let mut sim = Simulation {
            scenario,
            replicate,
            run_key: RunKey::new(scenario.run.seed, replicate),
            levers: scenario.policy.at(0),
            levers_next: scenario.policy.at(1),
            step: 0,
            firms: Firms::default(),
            buffers: Buffers::default(),
            stats: vec![SectorStats::never_populated(); ns],
            demand: vec![0.0; ns],
            output: vec![0.0; ns],
            budget_scale: 1.0,
            capped_spending_share: 0.0,
            tfp_initial: vec![None; ns],
            tfp_initial_all: None,
            next_id: 0,
            rows: Vec::new(),
            ln_a_range: Vec::new(),
            ln_a_shift: vec![0.0; ns + 1],
            timings: Timings::default(),
            decomposition: Vec::new(),
            last_tfp: Vec::new(),
            last_weight: Vec::new(),
            panel: None,
            panel_pending: Vec::new(),
            panel_out: Vec::new(),
            spawn_first_id: 0,
        };
        sim.initialise();
        sim.check_finite()?;
        Ok(sim)
    }

    /// Runs one more step (MODEL.md §5). An error if any firm's state or any metric became
    /// NaN or infinite: the simulation then stops, rather than go on with it.
    pub fn step(&mut self) -> Result<(), NumericFault> {
        self.advance();
        self.check_finite()?;
        self.collect_panel();
        Ok(())
    }

    /// The step last completed (0 after [`Simulation::new`]).
    pub fn current_step(&self) -> u32 {
        self.step
    }

    /// The metrics rows of the last completed step: one per sector, then `all`.
    pub fn rows(&self) -> &[MetricsRow] {
        &self.rows
    }

    /// The productivity decompositions of the last completed step (one row per sector, then
    /// `all`; none after step 0).
    pub fn decomposition(&self) -> &[DecompositionRow] {
        &self.decomposition
    }

    /// The firms after the last completed step. Places whose firm has exited are holes
    /// (sector [`crate::model::firms::DEAD`]); [`Firms::alive`] lists the others.
    pub fn firms(&self) -> &Firms {
        &self.firms
    }

    /// The number of firms after the last completed step.
    pub fn firm_count(&self) -> u64 {
        self.stats.iter().map(|s| s.firms).sum()
    }

    /// Wall time spent in each pass since the simulation started (initialisation included).
    pub fn timings(&self) -> Timings {
        self.timings
    }

    /// The sector statistics S(t) after the last completed step.
    pub fn stats(&self) -> &[SectorStats] {
        &self.stats
    }
}

/// Hears about progress; called once per completed step of each replicate, from any thread.
pub trait Observer: Sync {
    /// Replicate `replicate` finished `step` with `firm_steps` firm phases in it.
    fn step_done(&self, replicate: u32, step: u32, firm_steps: u64) {
        let _ = (replicate, step, firm_steps);
    }
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {}

/// How to run a scenario.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// Sweep point index written to the rows.
    pub point: u32,
    /// When set (e.g. by Ctrl-C), replicates stop at their next step boundary; the run then
    /// reports the replicates that completed.
    pub cancel: Option<Arc<AtomicBool>>,
    /// The firm-year panel to collect (`--panel`), if any.
    pub panel: Option<PanelSample>,
}

/// The facts of a run (everything but the rows).
#[derive(Clone, Debug)]
pub struct RunSummary {
    /// Firm phases executed (sum over replicates and steps of the firms at the step's start).
    pub firm_steps: u64,
    /// Worker threads used.
    pub threads: usize,
    /// Replicates run at once.
    pub concurrent_replicates: usize,
    /// Wall time of the simulation.
    pub wall_time: Duration,
    /// Replicates that ran to the end, in order.
    pub completed: Vec<u32>,
    /// Whether the run was cancelled before every replicate completed.
    pub interrupted: bool,
}

/// What [`run`] returns: the rows and the facts about the run.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// Metrics rows in (replicate, step, sector then `all`) order, completed replicates only.
    pub rows: Vec<MetricsRow>,
    /// Decomposition rows in the same order, from step 1.
    pub decomposition: Vec<DecompositionRow>,
    /// Panel rows in (replicate, step, id) order, if a panel was asked for.
    pub panel: Vec<PanelRow>,
    /// The facts of the run.
    pub summary: RunSummary,
}

/// Bytes of memory one replicate of `scenario` needs at its largest: the state and scratch
/// per firm times the expected peak number of places (growth through entry, holes left by
/// exits), and its metrics rows.
pub fn estimated_bytes_per_replicate(scenario: &Scenario) -> u64 {
    estimated_bytes(scenario, None)
}

/// As [`estimated_bytes_per_replicate`], with the rows of a firm-year panel held until the
/// replicate is written.
pub fn estimated_bytes(scenario: &Scenario, panel: Option<PanelSample>) -> u64 {
    const SCRATCH_BYTES_PER_FIRM: f64 = 16.0; // CES weight, outcome
    const HOLE_ALLOWANCE: f64 = 1.1; // holes are compacted above a tenth of the places
    let per_firm = (Firms::BYTES_PER_FIRM as f64 + SCRATCH_BYTES_PER_FIRM) * HOLE_ALLOWANCE;
    let entry: f64 = scenario
        .sectors
        .iter()
        .map(|s| s.params.firm_share * s.params.entry_rate)
        .sum();
    let growth = (1.0 + entry).powf(f64::from(scenario.run.steps)).min(1e6);
    let steps = f64::from(scenario.run.steps);
    let rows = (steps + 1.0)
        * (scenario.sectors.len() as f64 + 1.0)
        * (std::mem::size_of::<MetricsRow>() + std::mem::size_of::<DecompositionRow>()) as f64;
    let sampled = match panel {
        None => 0.0,
        Some(PanelSample::All) => 1.0,
        Some(PanelSample::Rate(r)) => r,
    };
    // the panel: every sampled firm of every step, at the mean population (growth over two)
    let panel_rows = scenario.run.firms as f64 * sampled * (steps + 1.0) * (1.0 + growth) / 2.0;
    let panel_bytes = panel_rows * std::mem::size_of::<PanelRow>() as f64;
    (scenario.run.firms as f64 * growth * per_firm + rows + panel_bytes) as u64 + (1 << 20)
}

/// Memory the system says is available, from /proc/meminfo (`None` where unknown).
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Share of the available memory a run plans to use.
const MEMORY_BUDGET_SHARE: f64 = 0.8;

/// How many replicates of `scenario` fit in memory at once; an error if not even one does.
pub fn concurrent_replicates(scenario: &Scenario) -> Result<usize, Error> {
    concurrent_replicates_with(scenario, None)
}

/// As [`concurrent_replicates`], with a firm-year panel.
pub fn concurrent_replicates_with(
    scenario: &Scenario,
    panel: Option<PanelSample>,
) -> Result<usize, Error> {
    let per_replicate = estimated_bytes(scenario, panel);
    let available = available_memory().unwrap_or(4 << 30);
    let budget = (available as f64 * MEMORY_BUDGET_SHARE) as u64;
    if per_replicate > budget {
        return Err(Error::Memory {
            scenario: scenario.name.clone(),
            estimate: per_replicate,
            available,
        });
    }
    Ok(
        ((budget / per_replicate.max(1)) as usize)
            .clamp(1, scenario.run.replicates.max(1) as usize),
    )
}

/// Receives what each completed replicate produced, in replicate order (see [`run_into`]).
pub type RowSink<'a> = dyn FnMut(u32, &ReplicateOutput) -> Result<(), Error> + 'a;

/// What one replicate produced.
#[derive(Clone, Debug, Default)]
pub struct ReplicateOutput {
    /// Metrics rows in (step, sector then `all`) order.
    pub rows: Vec<MetricsRow>,
    /// Decomposition rows in (step, sector then `all`) order, from step 1.
    pub decomposition: Vec<DecompositionRow>,
    /// Panel rows in (step, id) order, if a panel was asked for.
    pub panel: Vec<PanelRow>,
    /// Firm phases executed.
    pub firm_steps: u64,
}

/// A completed replicate (`None` if cancelled).
pub type ReplicateRows = Option<ReplicateOutput>;

/// Runs every replicate of `scenario` and returns the metrics rows (all in memory; for large
/// runs see [`run_into`]).
pub fn run(
    scenario: &Scenario,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<RunOutput, Error> {
    let (mut rows, mut decomposition, mut panel) = (Vec::new(), Vec::new(), Vec::new());
    let summary = run_into(scenario, options, observer, &mut |_, output| {
        rows.extend_from_slice(&output.rows);
        decomposition.extend_from_slice(&output.decomposition);
        panel.extend_from_slice(&output.panel);
        Ok(())
    })?;
    Ok(RunOutput {
        rows,
        decomposition,
        panel,
        summary,
    })
}

/// Runs every replicate of `scenario`, as many at once as memory allows, and hands the rows
/// of each completed replicate to `sink` in replicate order (a replicate that finishes early
/// waits for those before it), so output can be written as the run goes with memory bounded
/// by the replicates in flight. If `options.cancel` is raised, replicates stop at their next
/// step boundary and the completed ones are still handed over, in order.
pub fn run_into(
    scenario: &Scenario,
    options: &RunOptions,
    observer: &dyn Observer,
    sink: &mut RowSink,
) -> Result<RunSummary, Error> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = options.threads {
        builder = builder.num_threads(threads);
    }
    let pool = builder.build().map_err(|e| Error::ThreadPool {
        threads: options.threads.unwrap_or(0),
        message: e.to_string(),
    })?;
    // Replicates in flight: what memory allows, and no more than a few per thread (more
    // would only delay the writing of the early ones).
    let concurrent = concurrent_replicates_with(scenario, options.panel)?
        .min(4 * pool.current_num_threads())
        .max(1);
    let started = Instant::now();
    let mut summary = RunSummary {
        firm_steps: 0,
        threads: pool.current_num_threads(),
        concurrent_replicates: concurrent,
        wall_time: Duration::ZERO,
        completed: Vec::new(),
        interrupted: false,
    };
    let run = |r: usize, watch: &StopWatch| {
        run_replicate(
            scenario,
            r as u32,
            options.point,
            options.panel,
            observer,
            Some(watch),
        )
    };
    let outcome = schedule::run_in_order(
        &pool,
        scenario.run.replicates as usize,
        concurrent,
        options.cancel.as_deref(),
        &run,
        &mut |r, output: ReplicateOutput| {
            summary.firm_steps += output.firm_steps;
            sink(r as u32, &output)
        },
    )?;
    summary.completed = outcome.completed.iter().map(|&r| r as u32).collect();
    summary.interrupted = outcome.interrupted;
    summary.wall_time = started.elapsed();
    Ok(summary)
}

/// Runs one replicate to the end and returns its rows, decomposition rows and firm-steps;
/// `None` if `cancel` was raised before it finished.
pub fn run_replicate(
    scenario: &Scenario,
    replicate: u32,
    point: u32,
    panel: Option<PanelSample>,
    observer: &dyn Observer,
    cancel: Option<&StopWatch>,
) -> Result<ReplicateRows, Error> {
    let fault = |fault: NumericFault| Error::Numeric {
        scenario: scenario.name.clone(),
        replicate,
        fault,
    };
    let steps = scenario.run.steps;
    let mut sim = Simulation::new(scenario, replicate).map_err(fault)?;
    if let Some(sample) = panel {
        sim = sim.with_panel(sample);
    }
    let per_step = scenario.sectors.len() + 1;
    let mut output = ReplicateOutput {
        rows: Vec::with_capacity((steps as usize + 1) * per_step),
        decomposition: Vec::with_capacity(steps as usize * per_step),
        panel: Vec::new(),
        firm_steps: 0,
    };
    output.rows.extend_from_slice(sim.rows());
    for t in 1..=steps {
        if cancel.is_some_and(StopWatch::raised) {
            return Ok(None);
        }
        let firms = sim.firm_count();
        sim.step().map_err(fault)?;
        output.firm_steps += firms;
        output.rows.extend_from_slice(sim.rows());
        output.decomposition.extend_from_slice(sim.decomposition());
        output.panel.append(&mut sim.take_panel());
        observer.step_done(replicate, t, firms);
    }
    output.panel.append(&mut sim.finish_panel());
    for row in &mut output.rows {
        row.point = point;
    }
    for row in &mut output.decomposition {
        row.point = point;
    }
    Ok(Some(output))
}
