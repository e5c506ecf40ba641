//! The per-firm phase of a step, MODEL.md §5.1-5.9, as one function of one firm.
//!
//! It reads only the firm's own state, the sector statistics S(t-1) and the resolved policy,
//! and returns the firm's new state and what happened to it. Nothing a firm does here is
//! seen by another firm before §5.10. The passes in [`super::step`] call it for every firm in
//! parallel chunks.

use super::rng::{BirthKey, Purpose, StepKey};
use crate::math;
use crate::model::demography::{TransitionKind, TransitionRule};
use crate::model::params::ModelParams;
use crate::model::policy::{self, Levers};
use crate::model::stats::SectorStats;
use crate::model::{Matrix, data, digital, imitation, innovation, market};
use crate::scenario::Sector;

/// No switch this step.
pub const NO_SWITCH: u16 = u16::MAX;

/// What happened to a firm in §5.9 and §5.11, kept for §5.12.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Event bits (see the constants on [`Outcome`]).
    pub flags: u8,
    /// The sector the firm switches to, or [`NO_SWITCH`].
    pub switch_to: u16,
    /// Bit `r` set: transition rule `r` spawns a firm.
    pub spawns: u32,
}

impl Outcome {
    /// The death draw hit (§5.9).
    pub const DEATH: u8 = 1;
    /// The green-standard draw hit while the firm was below the standard (§5.9).
    pub const STANDARD: u8 = 2;
    /// The firm exits (§5.11).
    pub const EXIT: u8 = 4;

    /// Whether the firm exits this step.
    #[inline]
    pub fn exits(self) -> bool {
        self.flags & Self::EXIT != 0
    }
}

impl Default for Outcome {
    fn default() -> Self {
        Outcome {
            flags: 0,
            switch_to: NO_SWITCH,
            spawns: 0,
        }
    }
}

/// What a firm's phase needs to know about its sector this step, derived once per step.
#[derive(Clone, Copy, Debug, Default)]
pub struct SectorStep {
    /// Effective R&D subsidy `b(t) rd_subsidy_j` for eligible firms.
    pub rd_subsidy: f64,
    /// Effective digital subsidy for eligible firms.
    pub digital_subsidy: f64,
    /// Effective green subsidy for eligible firms.
    pub green_subsidy: f64,
    /// Talent support `talent_j`.
    pub talent: f64,
    /// Total imitation intensity, the row sum of W.
    pub imitation_total: f64,
    /// `omega Dbar_j(t-1)`: the sector's data open to every firm.
    pub shared_data: f64,
    /// `tau e_j u`, the benefit of a green upgrade (§5.5).
    pub green_benefit: f64,
    /// Sector output Y_j(t-1), for fiscal accounting.
    pub output_previous: f64,
    /// Minimum green level.
    pub green_standard: f64,
}

/// Everything the firm phase reads: fixed for the step, shared by all threads.
pub struct StepContext<'a> {
    /// Key of this step of this run.
    pub key: StepKey,
    /// Global parameters.
    pub model: &'a ModelParams,
    /// Sectors with their parameters.
    pub sectors: &'a [Sector],
    /// Per-sector quantities derived for this step.
    pub sector_steps: &'a [SectorStep],
    /// S(t-1).
    pub stats: &'a [SectorStats],
    /// Spillover matrix W.
    pub spillover: &'a Matrix,
    /// Transition rules.
    pub rules: &'a [TransitionRule],
    /// Technology threshold of each rule from S(t-1) (`None`: no condition).
    pub rule_thresholds: &'a [Option<f64>],
    /// Levers in force.
    pub levers: &'a Levers,
}

/// A firm at the start of the step.
#[derive(Clone, Copy, Debug)]
pub struct FirmStart {
    /// Sector index.
    pub sector: usize,
    /// Birth key.
    pub birth: BirthKey,
    /// a_i.
    pub a: f64,
    /// d_i.
    pub digital: f64,
    /// g_i.
    pub green: f64,
    /// D_i.
    pub data: f64,
    /// f_i.
    pub share: f64,
}

/// A firm after §5.1-5.9.
#[derive(Clone, Copy, Debug)]
pub struct FirmUpdate {
    /// a_i after innovation, imitation and the shock.
    pub a: f64,
    /// d_i after the digital upgrade.
    pub digital: f64,
    /// g_i after the green upgrade.
    pub green: f64,
    /// D_i after accumulation.
    pub data: f64,
    /// Upgrade costs paid this step.
    pub paid: f64,
    /// ln c_i (§5.8).
    pub ln_c: f64,
    /// Draws for §5.11-5.12.
    pub outcome: Outcome,
    /// Innovation raised a_i.
    pub innovated: bool,
    /// Imitation raised a_i.
    pub imitated: bool,
    /// At the min_margin floor.
    pub clamped: bool,
    /// R&D subsidy spent on the firm.
    pub subsidy_rd: f64,
    /// Digital subsidy spent on the firm.
    pub subsidy_digital: f64,
    /// Green subsidy spent on the firm.
    pub subsidy_green: f64,
}

/// MODEL.md §5.1-5.9 for one firm.
#[inline]
pub fn firm_phase(ctx: &StepContext, firm: FirmStart) -> FirmUpdate {
    let j = firm.sector;
    let p = &ctx.sectors[j].params;
    let s = &ctx.sector_steps[j];
    let stats = &ctx.stats[j];
    let m = ctx.model;
    let u = m.upgrade_step;
    let draws = ctx.key.firm(firm.birth);
    let output_previous = firm.share * s.output_previous; // Y_i(t-1) = f_i Y_j(t-1)

    // §5.1: eligibility by the firm's a at the start of the step, against S(t-1).
    let eligible = policy::eligible(
        ctx.levers.targeting,
        firm.a,
        stats.selective_threshold,
        stats.laggard_threshold,
    );
    let (s_rd, s_dig, s_green) = if eligible {
        (s.rd_subsidy, s.digital_subsidy, s.green_subsidy)
    } else {
        (0.0, 0.0, 0.0)
    };

    // §5.2: innovation.
    let mut a = firm.a;
    let mut innovated = false;
    let p_innovate = innovation::probability(
        p.rd_intensity,
        s_rd,
        p.innovation_rate,
        m.data_amplification,
        firm.digital,
    );
    if draws.uniform(Purpose::Innovation) < p_innovate {
        let z = p.innovation_mean + p.innovation_sd * draws.normal(Purpose::InnovationSize);
        let gain = innovation::gain(z);
        if gain > 0.0 {
            a += gain;
            innovated = true;
        }
    }

    // §5.3: imitation of a frontier picked through the spillover matrix.
    let mut imitated = false;
    if draws.uniform(Purpose::Imitation) < imitation::probability(s.imitation_total, s_rd) {
        let row = ctx.spillover.row(j);
        let k = imitation::pick_source(
            row,
            s.imitation_total,
            draws.uniform(Purpose::ImitationSource),
        );
        let gap = ctx.stats[k].frontier - a; // NaN if k never had firms: no imitation
        if gap > 0.0 {
            a += imitation::gain(gap, p.catch_up, p.absorptive_gap, s.talent);
            imitated = true;
        }
    }

    // §5.3a: idiosyncratic shock.
    if p.shock_sd > 0.0 {
        a += p.shock_sd * draws.normal(Purpose::Shock);
    }

    // §5.4: digital upgrade.
    let mut digital_level = firm.digital;
    let mut paid = 0.0;
    let mut subsidy_digital = 0.0;
    if digital_level < 1.0 {
        let benefit = digital::benefit(
            s.talent,
            p.data_productivity,
            u,
            firm.data + s.shared_data,
            p.data_generation,
            m.data_depreciation,
        );
        let cost = digital::cost(p.digital_cost, u, s_dig);
        let p_upgrade =
            digital::adoption_probability(m, benefit, cost, p.digital_cost * u, stats.digital_mean);
        if draws.uniform(Purpose::DigitalUpgrade) < p_upgrade {
            digital_level = (digital_level + u).min(1.0);
            paid += cost;
            subsidy_digital = s_dig * p.digital_cost * u * output_previous;
        }
    }

    // §5.5: green upgrade.
    let mut green_level = firm.green;
    let mut subsidy_green = 0.0;
    if green_level < 1.0 {
        let cost = digital::cost(p.green_cost, u, s_green);
        let p_upgrade = digital::adoption_probability(
            m,
            s.green_benefit,
            cost,
            p.green_cost * u,
            stats.green_mean,
        );
        if draws.uniform(Purpose::GreenUpgrade) < p_upgrade {
            green_level = (green_level + u).min(1.0);
            paid += cost;
            subsidy_green = s_green * p.green_cost * u * output_previous;
        }
    }

    // §5.6: data accumulates with the firm's size relative to the sector mean, f_i n_j.
    let relative_size = firm.share * stats.firms as f64;
    let data_stock = data::accumulate(
        firm.data,
        m.data_depreciation,
        p.data_generation,
        digital_level,
        relative_size,
    );

    // §5.7: effective productivity, ln A_i = a_i + ln(data multiplier).
    let multiplier = data::multiplier(
        p.data_productivity,
        digital_level,
        data_stock,
        s.shared_data,
    );
    let ln_a = a + math::ln(multiplier);

    // §5.8: competitiveness.
    let burden = market::burden(
        p.rd_intensity,
        paid,
        ctx.levers.carbon_price,
        p.emission_intensity,
        green_level,
    );
    let (ln_c, clamped) = market::ln_competitiveness(ln_a, burden, m.min_margin);

    // §5.9: draws for death, the green standard and transitions.
    let mut outcome = Outcome::default();
    if draws.uniform(Purpose::Death) < p.death_rate {
        outcome.flags |= Outcome::DEATH;
    }
    if green_level < s.green_standard
        && draws.uniform(Purpose::StandardEnforcement) < ctx.levers.standard_enforcement
    {
        outcome.flags |= Outcome::STANDARD;
    }
    for (r, rule) in ctx.rules.iter().enumerate() {
        if rule.from != j {
            continue;
        }
        let probability = rule.probability_for(a, digital_level, ctx.rule_thresholds[r]);
        if probability > 0.0 && draws.uniform_transition(r) < probability {
            match rule.kind {
                // a firm takes at most one switch: the first rule in listed order that hits
                TransitionKind::Switch if outcome.switch_to == NO_SWITCH => {
                    outcome.switch_to = rule.to as u16;
                }
                TransitionKind::Switch => {}
                TransitionKind::Spawn => outcome.spawns |= 1 << r,
            }
        }
    }

    FirmUpdate {
        a,
        digital: digital_level,
        green: green_level,
        data: data_stock,
        paid,
        ln_c,
        outcome,
        innovated,
        imitated,
        clamped,
        subsidy_rd: s_rd * p.rd_intensity * output_previous,
        subsidy_digital,
        subsidy_green,
    }
}
