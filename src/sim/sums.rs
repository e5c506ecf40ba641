//! What the passes over firms add up, per (chunk, sector), and the reusable buffers that hold
//! those partial sums and the per-firm scratch of a step.

use super::phase::{Outcome, SectorStep};
use super::quantiles::GroupQuantiles;
use super::reduce::Partials;
use crate::decomposition::{SectorChange, TurnoverSums};
use crate::model::firms::FirmId;
use crate::model::labour::LabourSums;
use crate::model::levers::SPENDING_LEVERS;

/// Chunk sums of the firm phase, per sector of the firm at the start of the step.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PhaseSums {
    pub firms: u64,
    pub innovations: u64,
    pub imitations: u64,
    pub clamped: u64,
    pub subsidy_rd: f64,
    pub subsidy_digital: f64,
    pub subsidy_green: f64,
    /// Sum of a after §5.3a: the entrants' mean (§5.12) includes exiting firms.
    pub sum_a: f64,
    /// Largest CES level `a + e + xi` of the chunk's firms in the sector (§5.10).
    pub max_level: f64,
    /// Largest x (multiplier times margin) of the chunk's firms in the sector.
    pub max_x: f64,
    /// Sum of the CES terms relative to `exp(max_level) max_x` (§5.10).
    pub ces_sum: f64,
    /// After the merge: the factor that turns the chunk's weights into CES shares.
    pub ces_factor: f64,
    /// Model 2 (platform): the contributions `Cn_i` of the sector's firms.
    pub contributions: f64,
    /// Model 2 (regions): backing's R&D subsidy.
    pub subsidy_backing: f64,
}

impl Default for PhaseSums {
    fn default() -> Self {
        PhaseSums {
            firms: 0,
            innovations: 0,
            imitations: 0,
            clamped: 0,
            subsidy_rd: 0.0,
            subsidy_digital: 0.0,
            subsidy_green: 0.0,
            sum_a: 0.0,
            max_level: f64::NEG_INFINITY,
            max_x: 0.0,
            ces_sum: 0.0,
            ces_factor: 0.0,
            contributions: 0.0,
            subsidy_backing: 0.0,
        }
    }
}

impl PhaseSums {
    /// Adds the counts and flows of another chunk (the CES reference and sums are merged
    /// separately, by [`super::step::merge_ces`]).
    pub fn merge(&mut self, p: &PhaseSums) {
        self.firms += p.firms;
        self.innovations += p.innovations;
        self.imitations += p.imitations;
        self.clamped += p.clamped;
        self.subsidy_rd += p.subsidy_rd;
        self.subsidy_digital += p.subsidy_digital;
        self.subsidy_green += p.subsidy_green;
        self.sum_a += p.sum_a;
        self.contributions += p.contributions;
        self.subsidy_backing += p.subsidy_backing;
    }
}

/// Chunk counts of §5.11-5.12 per sector.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DemographySums {
    pub exits: u64,
    pub standard_exits: u64,
    pub switches_out: u64,
    pub switches_in: u64,
    pub spawns: u64,
    /// Sum of xi over the firms that started the step in the sector and do not exit (§5.12).
    pub survivor_shift: f64,
    /// Model 2 (capacity): the summed shares (at the start of the step) of the firms closed by
    /// the green standard, whose capacity is scrapped.
    pub standard_share: f64,
}

impl DemographySums {
    /// Adds the counts of another chunk.
    pub fn merge(&mut self, p: &DemographySums) {
        self.exits += p.exits;
        self.standard_exits += p.standard_exits;
        self.switches_out += p.switches_out;
        self.switches_in += p.switches_in;
        self.spawns += p.spawns;
        self.survivor_shift += p.survivor_shift;
        self.standard_share += p.standard_share;
    }
}

/// Sums over the firms of a sector in the new population (S(t) means, share normalisation).
#[derive(Clone, Copy, Debug)]
pub(crate) struct StateSums {
    pub firms: u64,
    pub share: f64,
    /// Model 2 (supply): sum f v, the key inputs the sector's firms received per unit of
    /// their needs (shares before normalisation).
    pub delivered: f64,
    pub digital: f64,
    pub green: f64,
    pub data: f64,
    /// The smallest and largest a (infinite while there is no firm: see [`Self::a_range`]).
    min_a: f64,
    max_a: f64,
}

impl Default for StateSums {
    fn default() -> Self {
        StateSums {
            firms: 0,
            share: 0.0,
            delivered: 0.0,
            digital: 0.0,
            green: 0.0,
            data: 0.0,
            min_a: f64::INFINITY,
            max_a: f64::NEG_INFINITY,
        }
    }
}

impl StateSums {
    #[inline]
    pub fn add(&mut self, share: f64, a: f64, digital: f64, green: f64, data: f64) {
        self.firms += 1;
        self.share += share;
        self.digital += digital;
        self.green += green;
        self.data += data;
        self.min_a = self.min_a.min(a);
        self.max_a = self.max_a.max(a);
    }

    pub fn merge(&mut self, other: &StateSums) {
        self.firms += other.firms;
        self.share += other.share;
        self.delivered += other.delivered;
        self.digital += other.digital;
        self.green += other.green;
        self.data += other.data;
        self.min_a = self.min_a.min(other.min_a);
        self.max_a = self.max_a.max(other.max_a);
    }

    /// The smallest and largest a of the sector's firms (NaN values left out), `None` without
    /// firms.
    pub fn a_range(&self) -> Option<(f64, f64)> {
        (self.min_a <= self.max_a).then_some((self.min_a, self.max_a))
    }
}

/// Chunk sums of the production pass per sector.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ProductionSums {
    /// sum f ln c: ln Cbar_j.
    pub weighted_ln_c: f64,
    /// sum f ln A: tfp.
    pub weighted_ln_a: f64,
    /// sum (ln A - shift) and sum (ln A - shift)^2, for the mean and sd of ln A.
    pub ln_a: f64,
    pub ln_a_squared: f64,
    /// sum f a: technology.
    pub weighted_a: f64,
    /// sum A / exp(a).
    pub multiplier: f64,
    /// sum w (1 - g): emissions per unit of e_j Y_j, with the output weights `w_i = Y_i / Y_j`
    /// (`f_i`, or `f_i wv_i` with `supply`, M2.15).
    pub weighted_dirty: f64,
    /// sum w / A: employment per unit of Y_j.
    pub weighted_inverse_a: f64,
    /// Model 2 (regions): sum f over the firms whose region backs their sector, `bs_j`.
    pub backed_share: f64,
    /// Model 2 (labour): the sums behind employment by skill.
    pub labour: LabourSums,
    /// Model 2 (supply): sum f v over the normalised shares, the denominator of `wv_i`.
    pub delivered: f64,
}

impl ProductionSums {
    /// Adds the sums of another chunk.
    pub fn merge(&mut self, p: &ProductionSums) {
        self.weighted_ln_c += p.weighted_ln_c;
        self.weighted_ln_a += p.weighted_ln_a;
        self.ln_a += p.ln_a;
        self.ln_a_squared += p.ln_a_squared;
        self.weighted_a += p.weighted_a;
        self.multiplier += p.multiplier;
        self.weighted_dirty += p.weighted_dirty;
        self.weighted_inverse_a += p.weighted_inverse_a;
        self.backed_share += p.backed_share;
        self.labour.merge(&p.labour);
        self.delivered += p.delivered;
    }
}

/// Model 2 (regions): chunk sums of the production pass per (sector, region), for the entry
/// weights of the next step and `regions.csv`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RegionSums {
    pub firms: u64,
    /// sum w, with the output weights `w_i = Y_i / Y_j` (`f_i`, or `f_i wv_i` with `supply`).
    pub share: f64,
    /// sum w ln A.
    pub share_ln_a: f64,
    /// Model 2 (labour): the sums behind employment by skill.
    pub labour: LabourSums,
}

impl RegionSums {
    /// Adds the sums of another chunk.
    pub fn merge(&mut self, p: &RegionSums) {
        self.firms += p.firms;
        self.share += p.share;
        self.share_ln_a += p.share_ln_a;
        self.labour.merge(&p.labour);
    }
}

/// Model 2's public spending and firm contributions of one step in a sector (docs/model.md
/// M2.10); a column whose feature is off is `None`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Model2Flows {
    /// Backing's R&D subsidy (capped) alone.
    pub backing_rd: f64,
    /// Backing's R&D subsidy and entry support.
    pub subsidy_backing: Option<f64>,
    /// The fund and matching (capped).
    pub subsidy_platform: Option<f64>,
    /// Firms' contributions `Cn_j`.
    pub contributions: Option<f64>,
    /// Talent training (not capped).
    pub subsidy_training: Option<f64>,
    /// The autonomy programme (capped).
    pub subsidy_autonomy: Option<f64>,
}

impl Model2Flows {
    /// The flows of step 0: 0 for every feature on (nothing is spent or given before step 1).
    pub fn at_start(features: crate::model::features::Features) -> Self {
        let zero = |on: bool| on.then_some(0.0);
        Model2Flows {
            backing_rd: 0.0,
            subsidy_backing: zero(features.regions),
            subsidy_platform: zero(features.platform),
            contributions: zero(features.platform),
            subsidy_training: zero(features.labour),
            subsidy_autonomy: zero(features.supply),
        }
    }

    /// The spending that counts in spent(t) (its rates are scaled by b(t)).
    pub fn capped(&self) -> f64 {
        self.backing_rd
            + self.subsidy_platform.unwrap_or(0.0)
            + self.subsidy_autonomy.unwrap_or(0.0)
    }

    /// Every model-2 subsidy, for `subsidy_total`.
    pub fn total(&self) -> f64 {
        self.subsidy_backing.unwrap_or(0.0)
            + self.subsidy_platform.unwrap_or(0.0)
            + self.subsidy_training.unwrap_or(0.0)
            + self.subsidy_autonomy.unwrap_or(0.0)
    }
}

/// Flows of one step per sector, reported in its metrics row.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Flows {
    pub entries: u64,
    pub demography: DemographySums,
    pub innovations: u64,
    pub imitations: u64,
    pub clamped: u64,
    /// Public spending of each spending lever, in the order of the lever table
    /// ([`crate::model::levers::spending_levers`]).
    pub spending: [f64; SPENDING_LEVERS],
    /// Model 2's spending and contributions.
    pub model2: Model2Flows,
}

/// Reusable buffers of a simulation: nothing is allocated per step once they have grown.
#[derive(Default)]
pub(crate) struct Buffers {
    /// Per firm: x (multiplier times margin), then the CES weight relative to the chunk's
    /// largest (§5.10).
    pub weight: Vec<f64>,
    /// Per firm: the draws of §5.9 for §5.11-5.12.
    pub outcome: Vec<Outcome>,
    pub phase: Partials<PhaseSums>,
    pub demography: Partials<DemographySums>,
    pub state: Partials<StateSums>,
    pub production: Partials<ProductionSums>,
    /// Decomposition sums of the firms that left a sector in §5.12 (closed or switched out).
    pub leavers: Partials<TurnoverSums>,
    /// Decomposition sums of the new population (survivors and entrants, production pass).
    pub turnover: Partials<TurnoverSums>,
    pub changes: Vec<SectorChange>,
    /// The parent of each firm spawned in the last step, by spawn index.
    pub spawn_parents: Vec<FirmId>,
    /// Per chunk: the index of its first spawned firm (after a prefix sum of the counts).
    pub spawn_offsets: Vec<usize>,
    pub sector_steps: Vec<SectorStep>,
    pub rule_thresholds: Vec<Option<f64>>,
    pub flows: Vec<Flows>,
    pub entrants: Vec<u64>,
    /// xibar_j: the mean demand shifter of the sector's surviving firms (§5.12), which
    /// switchers, spawned firms and entrants take.
    pub mean_shift: Vec<f64>,
    pub output_growth: Vec<f64>,
    pub a_quantiles: GroupQuantiles,
    pub ln_a_quantiles: GroupQuantiles,
    pub sizes: Vec<u64>,
    /// Model 2 (capacity, supply): demand-side output `Yd_j` of the step under observation.
    pub demand_output: Vec<f64>,
    /// Model 2 (capacity, supply): `psi_j(t-1)`, the availability of the step before.
    pub availability_previous: Vec<f64>,
    /// Model 2 (regions): `bs_j`, the backed output share of each sector this step.
    pub backed_share: Vec<f64>,
    /// Model 2 (regions): production sums per (sector, region).
    pub regions: Partials<RegionSums>,
    /// Model 2 (labour): employment by skill of each sector in the step under observation.
    pub employment: Vec<crate::model::labour::Employment>,
    /// Model 2 (labour): employment by skill per (region, sector), `[r * sectors + j]`.
    pub region_employment: Vec<crate::model::labour::Employment>,
    /// Model 2 (supply): each sector's own availability `phi0_j` of the step, and scratch for
    /// its propagation.
    pub own_availability: Vec<f64>,
    pub propagation: Vec<f64>,
    /// Model 2 (supply): the shares at the start of the step of each sector's firms, in a
    /// step with a shortfall (for the chain leaders).
    pub leader_shares: Vec<Vec<f64>>,
    /// Model 2 (supply): `sum_{i in j} f_i v_i` over normalised shares after the production
    /// pass (the denominator of `wv_i`; 0 where nothing was delivered).
    pub delivered: Vec<f64>,
}
