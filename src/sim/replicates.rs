//! Running the replicates of a scenario: as many at once as memory allows, on a thread pool of
//! the requested size, each handed over in replicate order as it completes.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::Simulation;
use super::pool::thread_pool;
use super::schedule::{self, StopWatch};
use crate::decomposition::DecompositionRow;
use crate::error::{Error, NumericFault};
use crate::metrics::{MetricsRow, RegionRow};
use crate::model::firms::{Firms, KeptColumns};
use crate::panel::{PanelRow, PanelSample};
use crate::scenario::Scenario;

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
    /// Bytes each replicate may hold before it stops with [`Error::PopulationGrowth`]
    /// (`None`: its share of the memory available when the run starts; see
    /// [`replicate_allowance`]).
    pub replicate_allowance: Option<u64>,
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
    /// Replicates that ran to the end and were handed on: 0..k, in order (after a cancel,
    /// those before the first that stopped early; see [`super::schedule::run_in_order`]).
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
    /// Model 2 (regions): region rows in (replicate, step, region) order.
    pub regions: Vec<RegionRow>,
    /// The facts of the run.
    pub summary: RunSummary,
}

/// Bytes of memory one replicate of `scenario` may need at its largest: the state and
/// scratch per firm times the peak number of places if entry never met an exit (an upper
/// bound; the baseline population shrinks over long horizons), and its metrics rows.
pub fn estimated_bytes_per_replicate(scenario: &Scenario) -> u64 {
    estimated_bytes(scenario, None)
}

/// As [`estimated_bytes_per_replicate`], with the rows of a firm-year panel held until the
/// replicate is written. Sets how many replicates run at once.
pub fn estimated_bytes(scenario: &Scenario, panel: Option<PanelSample>) -> u64 {
    bytes_at_growth(scenario, panel, growth_without_exits(scenario))
}

/// Bytes one replicate of `scenario` needs whatever entry and exit do: its initial firms,
/// its metrics rows and the panel rows of a population that keeps its initial size. A
/// replicate that cannot have this is refused.
pub fn least_bytes(scenario: &Scenario, panel: Option<PanelSample>) -> u64 {
    bytes_at_growth(scenario, panel, 1.0)
}

/// The population's growth over the run if every entrant stayed (§5.12: `entry_rate_j`
/// expected entrants per incumbent, weighted by the sectors' firm shares; entry subsidies
/// left out), capped at a millionfold.
fn growth_without_exits(scenario: &Scenario) -> f64 {
    const GROWTH_CAP: f64 = 1e6;
    let entry: f64 = scenario
        .sectors
        .iter()
        .map(|s| s.params.firm_share * s.params.entry_rate)
        .sum();
    (1.0 + entry)
        .powf(f64::from(scenario.run.steps))
        .min(GROWTH_CAP)
}

/// Bytes a live firm of `scenario` takes: its state, its scratch and its share of the holes.
fn bytes_per_firm(scenario: &Scenario) -> f64 {
    const SCRATCH_BYTES_PER_FIRM: f64 = 16.0; // CES weight, outcome
    const HOLE_ALLOWANCE: f64 = 1.1; // holes are compacted above a tenth of the places
    let state = Firms::bytes_per_firm(KeptColumns::for_features(&scenario.features));
    (state as f64 + SCRATCH_BYTES_PER_FIRM) * HOLE_ALLOWANCE
}

/// Bytes of one replicate whose population peaks at `growth` times its initial firms.
fn bytes_at_growth(scenario: &Scenario, panel: Option<PanelSample>, growth: f64) -> u64 {
    let per_firm = bytes_per_firm(scenario);
    let steps = f64::from(scenario.run.steps);
    let rows = (steps + 1.0)
        * (scenario.sectors.len() as f64 + 1.0)
        * (std::mem::size_of::<MetricsRow>() + std::mem::size_of::<DecompositionRow>()) as f64;
    let sampled = panel_share(panel);
    // the panel: every sampled firm of every step, at the mean population (growth over two)
    let panel_rows = scenario.run.firms as f64 * sampled * (steps + 1.0) * (1.0 + growth) / 2.0;
    let panel_bytes = panel_rows * std::mem::size_of::<PanelRow>() as f64;
    (scenario.run.firms as f64 * growth * per_firm + rows + panel_bytes) as u64 + (1 << 20)
}

/// The share of the firms a panel keeps a row of each step.
fn panel_share(panel: Option<PanelSample>) -> f64 {
    match panel {
        None => 0.0,
        Some(PanelSample::All) => 1.0,
        Some(PanelSample::Rate(r)) => r,
    }
}

/// Memory the system says is available, from /proc/meminfo (`None` where unknown).
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The memory runs plan with: what the system says is available now, and the share of it
/// that the replicates (or a sweep's runs) in flight may use together.
#[derive(Clone, Copy, Debug)]
pub struct MemoryBudget {
    /// Bytes available (4 GiB where the system does not say).
    pub available: u64,
    /// Bytes the replicates in flight may use together: 80 % of `available`.
    pub budget: u64,
}

impl MemoryBudget {
    /// Share of the available memory a run plans to use.
    const SHARE: f64 = 0.8;
    /// Memory assumed available where the system does not say.
    const ASSUMED_AVAILABLE: u64 = 4 << 30;

    /// The budget as the system reports its memory now.
    pub fn now() -> MemoryBudget {
        let available = available_memory().unwrap_or(Self::ASSUMED_AVAILABLE);
        MemoryBudget {
            available,
            budget: (available as f64 * Self::SHARE) as u64,
        }
    }

    /// Refuses `scenario` (with [`Error::Memory`]) if one replicate's `least` bytes exceed
    /// the budget.
    pub fn refuse_beyond(&self, scenario: &str, least: u64) -> Result<(), Error> {
        if least > self.budget {
            return Err(Error::Memory {
                scenario: scenario.to_string(),
                estimate: least,
                available: self.available,
            });
        }
        Ok(())
    }

    /// Bytes each of `in_flight` replicates running at once may hold: an equal share of the
    /// budget. A replicate whose population outgrows it stops with
    /// [`Error::PopulationGrowth`] rather than exhaust the machine's memory.
    pub fn allowance(&self, in_flight: usize) -> u64 {
        self.budget / in_flight.max(1) as u64
    }
}

/// Each of `in_flight` replicates' share of the memory available now (see
/// [`MemoryBudget::allowance`]).
pub fn replicate_allowance(in_flight: usize) -> u64 {
    MemoryBudget::now().allowance(in_flight)
}

/// How many replicates of `scenario` fit in memory at once, each at its
/// [`estimated_bytes_per_replicate`] (at least one); an error if not even one replicate's
/// [`least_bytes`] fits.
pub fn concurrent_replicates(scenario: &Scenario) -> Result<usize, Error> {
    concurrent_replicates_with(scenario, None)
}

/// As [`concurrent_replicates`], with a firm-year panel.
pub fn concurrent_replicates_with(
    scenario: &Scenario,
    panel: Option<PanelSample>,
) -> Result<usize, Error> {
    let memory = MemoryBudget::now();
    memory.refuse_beyond(&scenario.name, least_bytes(scenario, panel))?;
    let per_replicate = estimated_bytes(scenario, panel);
    Ok(((memory.budget / per_replicate.max(1)) as usize)
        .clamp(1, scenario.run.replicates.max(1) as usize))
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
    /// Model 2 (regions): region rows in (step, region) order.
    pub regions: Vec<RegionRow>,
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
    let mut regions = Vec::new();
    let summary = run_into(scenario, options, observer, &mut |_, output| {
        rows.extend_from_slice(&output.rows);
        decomposition.extend_from_slice(&output.decomposition);
        panel.extend_from_slice(&output.panel);
        regions.extend_from_slice(&output.regions);
        Ok(())
    })?;
    Ok(RunOutput {
        rows,
        decomposition,
        panel,
        regions,
        summary,
    })
}

/// Runs every replicate of `scenario`, as many at once as memory allows, and hands the rows
/// of each completed replicate to `sink` in replicate order (a replicate that finishes early
/// waits for those before it), so output can be written as the run goes with memory bounded
/// by the replicates in flight. If `options.cancel` is raised, replicates stop at their next
/// step boundary and those that completed before the first that stopped are still handed
/// over, in order: replicates 0..k, without gaps.
pub fn run_into(
    scenario: &Scenario,
    options: &RunOptions,
    observer: &dyn Observer,
    sink: &mut RowSink,
) -> Result<RunSummary, Error> {
    let pool = thread_pool(options.threads)?;
    // Replicates in flight: what memory allows, and no more than a few per thread (more
    // would only delay the writing of the early ones).
    let concurrent = concurrent_replicates_with(scenario, options.panel)?
        .min(4 * pool.current_num_threads())
        .max(1);
    let allowance = options
        .replicate_allowance
        .unwrap_or_else(|| replicate_allowance(concurrent));
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
            allowance,
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
/// `None` if `cancel` was raised before it finished. It stops with
/// [`Error::PopulationGrowth`] after the first step at which its firms and rows, grown once
/// more at the pace of that step, would hold more than `allowance` bytes (see
/// [`replicate_allowance`]): a population that triples in a step is stopped before the step
/// that would take three times the memory.
pub fn run_replicate(
    scenario: &Scenario,
    replicate: u32,
    point: u32,
    panel: Option<PanelSample>,
    observer: &dyn Observer,
    cancel: Option<&StopWatch>,
    allowance: u64,
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
        regions: Vec::new(),
        firm_steps: 0,
    };
    output.rows.extend_from_slice(sim.rows());
    output.regions.extend_from_slice(sim.region_rows());
    let per_firm = bytes_per_firm(scenario);
    let rows_bytes = bytes_at_growth(scenario, None, 0.0); // its rows and overhead, no firms
    let mut before = sim.firm_count();
    for t in 1..=steps {
        if cancel.is_some_and(StopWatch::raised) {
            return Ok(None);
        }
        let firms = sim.firm_count();
        sim.step().map_err(fault)?;
        output.firm_steps += firms;
        output.rows.extend_from_slice(sim.rows());
        output.decomposition.extend_from_slice(sim.decomposition());
        output.regions.extend_from_slice(sim.region_rows());
        output.panel.append(&mut sim.take_panel());
        observer.step_done(replicate, t, firms);
        let after = sim.firm_count();
        let pace = (after as f64 / before.max(1) as f64).max(1.0);
        let next = after as f64 * pace;
        let needed = next * per_firm
            + (output.panel.len() as f64 + next * panel_share(panel))
                * std::mem::size_of::<PanelRow>() as f64
            + rows_bytes as f64;
        if t < steps && needed > allowance as f64 {
            return Err(Error::PopulationGrowth {
                scenario: scenario.name.clone(),
                replicate,
                step: t,
                firms: after,
                needed: needed as u64,
                allowance,
            });
        }
        before = after;
    }
    output.panel.append(&mut sim.finish_panel());
    for row in &mut output.rows {
        row.point = point;
    }
    for row in &mut output.decomposition {
        row.point = point;
    }
    for row in &mut output.regions {
        row.point = point;
    }
    Ok(Some(output))
}
