//! The engine: replicates, steps and the parallel passes. Parallelism lives here only.
//!
//! [`Simulation`] steps one replicate; [`run`] runs every replicate of a scenario, as many
//! at once as memory allows, on a thread pool of the requested size, and returns the metrics
//! rows in (replicate, step, sector) order.
//!
//! A simulation holds the modelled economy (`Economy`: firms, S(t), demand, output and the
//! state of policy) apart from what is measured of it (`Observation`: rows, decompositions,
//! the panel); the passes of a step (`step.rs`) read and write the first, the observation
//! passes (`observe.rs`) read it and write the second.

mod chunks;
mod init;
mod model2;
mod observe;
mod panel;
pub mod phase;
mod pool;
pub mod quantiles;
pub mod reduce;
mod replicates;
pub mod schedule;
pub mod step;
mod structure;
mod sums;

use std::time::Duration;

use crate::decomposition::DecompositionRow;
use crate::error::NumericFault;
use crate::metrics::{MetricsRow, RegionRow};
use crate::model::firms::{Firms, KeptColumns};
use crate::model::levers::Levers;
use crate::model::stats::SectorStats;
use crate::panel::{PanelRow, PanelSample};
use crate::rng::RunKey;
use crate::scenario::Scenario;
use sums::Buffers;

pub use pool::thread_pool;
pub use replicates::{
    MemoryBudget, Observer, ReplicateOutput, ReplicateRows, RowSink, RunOptions, RunOutput,
    RunSummary, Silent, concurrent_replicates, concurrent_replicates_with, estimated_bytes,
    estimated_bytes_per_replicate, least_bytes, replicate_allowance, run, run_into, run_replicate,
};

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
    /// The step last completed.
    pub(crate) step: u32,
    /// The modelled economy after the last completed step.
    pub(crate) economy: Economy,
    /// What was measured of it.
    pub(crate) observation: Observation,
    /// Scratch and partial sums, reused from step to step.
    pub(crate) buffers: Buffers,
    /// Time spent in each pass since the start.
    pub(crate) timings: Timings,
}

/// The state of the modelled economy after a step (docs/model.md §2): everything step t + 1
/// reads.
pub(crate) struct Economy {
    pub firms: Firms,
    /// S(t).
    pub stats: Vec<SectorStats>,
    /// Z_j(t+1): demand scales for the next step.
    pub demand: Vec<f64>,
    /// Y_j(t).
    pub output: Vec<f64>,
    pub policy: PolicyState,
    /// The id the next firm born gets.
    pub next_id: u64,
    /// Model 2's sector and region state (empty for the features that are off).
    pub model2: model2::Model2,
}

/// The state of policy (docs/model.md §4): the levers of this step and the next, and the
/// budget scale with the spending it reacts to.
pub(crate) struct PolicyState {
    /// Levers in force in the last completed step.
    pub levers: Levers,
    /// Levers in force in the next step.
    pub levers_next: Levers,
    /// b(t).
    pub budget_scale: f64,
    /// spent(t): capped subsidy spending over total output of t - 1.
    pub capped_spending_share: f64,
}

/// What is measured of the economy (docs/model.md §7): the rows of the last step and what
/// later rows are relative to.
#[derive(Default)]
pub(crate) struct Observation {
    /// The metrics rows of the last completed step.
    pub rows: Vec<MetricsRow>,
    /// TFP at step 0 per sector, then `all` (the base of `tfp_index`).
    pub tfp_initial: Vec<Option<f64>>,
    /// Range of ln A over all firms in the last observation (the quantiles' bins).
    pub ln_a_range: Option<(f64, f64)>,
    /// Last observation's mean ln A per sector and pooled: the shift of the sums of squares.
    pub ln_a_shift: Vec<f64>,
    /// The decomposition rows of the last completed step (none after step 0).
    pub decomposition: Vec<DecompositionRow>,
    /// Last step's TFP per sector and for `all` (the decompositions' t - 1).
    pub last_tfp: Vec<Option<f64>>,
    /// Last step's output share per sector.
    pub last_weight: Vec<f64>,
    /// The firm-year panel followed, if any.
    pub panel: Option<PanelSample>,
    /// Panel rows of the last step, waiting to learn which firms exit next.
    pub panel_pending: Vec<PanelRow>,
    /// Finished panel rows, not yet taken.
    pub panel_out: Vec<PanelRow>,
    /// The id of the first firm spawned in the last step (ids of spawned firms follow).
    pub spawn_first_id: u64,
    /// Model 2 (regions): the rows of `regions.csv` of the last completed step.
    pub regions: Vec<RegionRow>,
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
            step: 0,
            economy: Economy {
                // model 2's columns only with the features that read them
                firms: Firms::keeping(KeptColumns::for_features(&scenario.features)),
                stats: vec![SectorStats::never_populated(); ns],
                demand: vec![0.0; ns],
                output: vec![0.0; ns],
                policy: PolicyState {
                    levers: scenario.policy.at(0),
                    levers_next: scenario.policy.at(1),
                    budget_scale: 1.0,
                    capped_spending_share: 0.0,
                },
                next_id: 0,
                model2: model2::Model2::new(scenario),
            },
            observation: Observation {
                tfp_initial: vec![None; ns + 1],
                ln_a_shift: vec![0.0; ns + 1],
                ..Observation::default()
            },
            buffers: Buffers::default(),
            timings: Timings::default(),
        };
        sim.initialise();
        sim.check_finite()?;
        Ok(sim)
    }

    /// Runs one more step (docs/model.md §5). An error if any firm's state or any metric
    /// became NaN or infinite: the simulation then stops, rather than go on with it.
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
        &self.observation.rows
    }

    /// The region rows of the last completed step (docs/model.md M2.10; none without
    /// `regions`).
    pub fn region_rows(&self) -> &[RegionRow] {
        &self.observation.regions
    }

    /// The productivity decompositions of the last completed step (one row per sector, then
    /// `all`; none after step 0).
    pub fn decomposition(&self) -> &[DecompositionRow] {
        &self.observation.decomposition
    }

    /// The firms after the last completed step. Places whose firm has exited are holes
    /// (sector [`crate::model::firms::DEAD`]); [`Firms::alive`] lists the others.
    pub fn firms(&self) -> &Firms {
        &self.economy.firms
    }

    /// The number of firms after the last completed step.
    pub fn firm_count(&self) -> u64 {
        self.economy.stats.iter().map(|s| s.firms).sum()
    }

    /// Wall time spent in each pass since the simulation started (initialisation included).
    pub fn timings(&self) -> Timings {
        self.timings
    }

    /// The sector statistics S(t) after the last completed step.
    pub fn stats(&self) -> &[SectorStats] {
        &self.economy.stats
    }
}
