//! The engine: replicates, steps and the parallel passes. Parallelism lives here only.
//!
//! [`Simulation`] steps one replicate; [`run`] runs every replicate of a scenario, as many
//! at once as memory allows, on a thread pool of the requested size, and returns the metrics
//! rows in (replicate, step, sector) order.

mod init;
mod observe;
pub mod phase;
pub mod quantiles;
pub mod reduce;
pub mod rng;
pub mod step;

use rayon::prelude::*;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::metrics::MetricsRow;
use crate::model::firms::Firms;
use crate::model::policy::Levers;
use crate::model::stats::SectorStats;
use crate::scenario::Scenario;
use rng::RunKey;
use step::Buffers;

/// One replicate of a scenario, stepped one year at a time.
///
/// ```
/// use nqpsim::{Scenario, Simulation};
/// let scenario = Scenario::baseline().with_firms(500).with_steps(3);
/// let mut sim = Simulation::new(&scenario, 0);
/// assert_eq!(sim.rows().len(), 4); // step 0: three sectors and `all`
/// sim.step();
/// assert_eq!(sim.rows()[0].step, 1);
/// ```
pub struct Simulation<'s> {
    pub(crate) scenario: &'s Scenario,
    pub(crate) replicate: u32,
    pub(crate) run_key: RunKey,
    /// Levers resolved per step, index = step.
    pub(crate) levers: Vec<Levers>,
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
    /// The initial state (step 0) of replicate `replicate`.
    pub fn new(scenario: &'s Scenario, replicate: u32) -> Self {
        let ns = scenario.sectors.len();
        let levers = (0..=scenario.run.steps + 1)
            .map(|t| scenario.policy.at(t))
            .collect();
        let mut sim = Simulation {
            scenario,
            replicate,
            run_key: RunKey::new(scenario.run.seed, replicate),
            levers,
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
        };
        sim.initialise();
        sim
    }

    /// Runs one more step (MODEL.md §5).
    pub fn step(&mut self) {
        while self.levers.len() < self.step as usize + 3 {
            let t = self.levers.len() as u32;
            self.levers.push(self.scenario.policy.at(t));
        }
        self.advance();
    }

    /// The step last completed (0 after [`Simulation::new`]).
    pub fn current_step(&self) -> u32 {
        self.step
    }

    /// The metrics rows of the last completed step: one per sector, then `all`.
    pub fn rows(&self) -> &[MetricsRow] {
        &self.rows
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
}

/// What a run returns: the rows and the facts about the run.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// Metrics rows in (replicate, step, sector then `all`) order.
    pub rows: Vec<MetricsRow>,
    /// Firm phases executed (sum over replicates and steps of the firms at the step's start).
    pub firm_steps: u64,
    /// Worker threads used.
    pub threads: usize,
    /// Replicates run at once.
    pub concurrent_replicates: usize,
    /// Wall time of the simulation (not of writing output).
    pub wall_time: Duration,
}

/// Bytes of memory one replicate of `scenario` needs at its largest, estimated from the
/// state per firm, the double buffer and the step's scratch, and the expected growth of the
/// firm count through entry.
pub fn estimated_bytes_per_replicate(scenario: &Scenario) -> u64 {
    const SCRATCH_BYTES_PER_FIRM: usize = 8 + 8 + 8 + 8; // ln c, outcome, grouped a and ln A
    let per_firm = (2 * Firms::BYTES_PER_FIRM + SCRATCH_BYTES_PER_FIRM) as f64;
    let entry: f64 = scenario
        .sectors
        .iter()
        .map(|s| s.params.firm_share * s.params.entry_rate)
        .sum();
    let growth = (1.0 + entry).powi(scenario.run.steps as i32).min(1e6);
    (scenario.run.firms as f64 * growth * per_firm) as u64 + (1 << 20)
}

/// Memory the system says is available, from /proc/meminfo (`None` where unknown).
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Runs every replicate of `scenario` and returns the metrics rows.
pub fn run(
    scenario: &Scenario,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<RunOutput, Error> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = options.threads {
        builder = builder.num_threads(threads);
    }
    let pool = builder.build().map_err(|e| Error::ThreadPool {
        threads: options.threads.unwrap_or(0),
        message: e.to_string(),
    })?;
    let replicates = scenario.run.replicates as usize;
    let per_replicate = estimated_bytes_per_replicate(scenario);
    let budget = available_memory().unwrap_or(4 << 30) / 10 * 6;
    let concurrent = ((budget / per_replicate.max(1)) as usize).clamp(1, replicates.max(1));
    let started = Instant::now();
    let results: Vec<(Vec<MetricsRow>, u64)> = pool.install(|| {
        let mut results = Vec::with_capacity(replicates);
        for batch in (0..replicates as u32)
            .collect::<Vec<_>>()
            .chunks(concurrent)
        {
            let done: Vec<(Vec<MetricsRow>, u64)> = batch
                .par_iter()
                .map(|&r| run_replicate(scenario, r, options.point, observer))
                .collect();
            results.extend(done);
        }
        results
    });
    let wall_time = started.elapsed();
    let firm_steps = results.iter().map(|(_, n)| n).sum();
    let rows = results.into_iter().flat_map(|(rows, _)| rows).collect();
    Ok(RunOutput {
        rows,
        firm_steps,
        threads: pool.current_num_threads(),
        concurrent_replicates: concurrent,
        wall_time,
    })
}

/// Runs one replicate to the end and returns its rows and firm-steps.
pub fn run_replicate(
    scenario: &Scenario,
    replicate: u32,
    point: u32,
    observer: &dyn Observer,
) -> (Vec<MetricsRow>, u64) {
    let steps = scenario.run.steps;
    let mut sim = Simulation::new(scenario, replicate);
    let mut rows = Vec::with_capacity((steps as usize + 1) * (scenario.sectors.len() + 1));
    rows.extend_from_slice(sim.rows());
    let mut firm_steps = 0;
    for t in 1..=steps {
        let firms = sim.firm_count();
        sim.step();
        firm_steps += firms;
        rows.extend_from_slice(sim.rows());
        observer.step_done(replicate, t, firms);
    }
    for row in &mut rows {
        row.point = point;
    }
    (rows, firm_steps)
}
