//! The per-firm phase of a step, docs/model.md §5.1-5.9, as one function of one firm.
//!
//! It reads only the firm's own state, the sector statistics S(t-1) and the resolved policy,
//! and returns the firm's new state and what happened to it. Nothing a firm does here is
//! seen by another firm before §5.10. The passes in [`super::step`] call it for every firm in
//! parallel chunks.
//!
//! Quantities that are the same for every firm of a sector (and of an eligibility class) are
//! computed once per step in [`SectorStep::new`], with the same model functions, so they are
//! the same numbers as if computed per firm.

use crate::lanes::{F64s, Groups, Mask, Real, U64s};
use crate::model::demography::{TransitionKind, TransitionRule};
use crate::model::features::Features;
use crate::model::levers::Levers;
use crate::model::params::{ModelParams, SectorParams};
use crate::model::policy;
use crate::model::regions::Region;
use crate::model::stats::SectorStats;
use crate::model::supply::Rationing;
use crate::model::{Matrix, data, digital, green, imitation, innovation, market, platform, shocks};
use crate::rng::{BirthKey, FirmKeys, Purpose, StepKey};
use crate::scenario::{Scenario, Sector};

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
    /// The firm exits (§5.11: a forcing draw, or a share below the exit threshold), set by
    /// the exits pass for the structure pass.
    pub const EXITS: u8 = 4;

    /// Whether a draw forces the firm out (§5.11), whatever its share.
    #[inline]
    pub fn forced_out(self) -> bool {
        self.flags & (Self::DEATH | Self::STANDARD) != 0
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
/// Arrays indexed `[eligible as usize]` hold the value for a firm outside (0) and inside (1)
/// the subsidies' target group (§5.1).
#[derive(Clone, Copy, Debug, Default)]
pub struct SectorStep {
    /// Effective R&D subsidy rate `s_rd_i`: 0, or `b(t) rd_subsidy_j`.
    pub rd_subsidy: [f64; 2],
    /// Effective digital subsidy rate.
    pub digital_subsidy: [f64; 2],
    /// Effective green subsidy rate.
    pub green_subsidy: [f64; 2],
    /// Talent support `talent_j`.
    pub talent: f64,
    /// Total imitation intensity, the row sum of W.
    pub imitation_total: f64,
    /// §5.3: probability of an imitation attempt.
    pub imitation_probability: [f64; 2],
    /// `omega Dbar_j(t-1)`: the sector's data open to every firm.
    pub shared_data: f64,
    /// §5.4: what the firm pays for one digital upgrade.
    pub digital_cost: [f64; 2],
    /// §5.5: probability of a green upgrade (the same for every firm of a class).
    pub green_probability: [f64; 2],
    /// §5.5: what the firm pays for one green upgrade.
    pub green_cost: [f64; 2],
    /// Sector output Y_j(t-1), for fiscal accounting.
    pub output_previous: f64,
    /// Minimum green level.
    pub green_standard: f64,
    /// Model 2 (capacity): `c_K x_j`, the cost of the planned excess capacity, added to the
    /// burden (docs/model.md M2.3).
    pub idle_cost: f64,
    /// Model 2 (capacity): `(1 + x_j)^-price_pressure`, the R&D effort factor (M2.3, M2.5).
    pub effort_factor: f64,
    /// Model 2 (platform): the lift `l_j(t-1)`, in `A_i` next to `e_i` (M2.4).
    pub lift: f64,
    /// Model 2 (platform): a firm's private return of a contribution per unit of its share,
    /// `b_P (1 + mt b) n_j platform_scale / (platform_scale + Xo_j)` (M2.4).
    pub return_per_share: f64,
    /// Model 2 (regions): the R&D subsidy rate of a backed firm, `b(t) backing backing_rd`
    /// (M2.2).
    pub backing_rate: f64,
    /// Model 2 (supply): the substitution factor `Xs_j(t)` in `A_i` (M2.15).
    pub substitution: f64,
}

impl SectorStep {
    /// The per-sector quantities of step `t` for sector `j` of `scenario`, from the levers,
    /// the budget scale `b(t)`, S_j(t-1) and the sector's output Y_j(t-1).
    pub fn new(
        scenario: &Scenario,
        j: usize,
        levers: &Levers,
        budget_scale: f64,
        stats: &SectorStats,
        output_previous: f64,
    ) -> Self {
        let (p, model, spillover) = (
            &scenario.sectors[j].params,
            &scenario.model,
            &scenario.spillover,
        );
        let u = model.upgrade_step;
        let classes = |lever: f64| [0.0, budget_scale * lever];
        let rd_subsidy = classes(levers.rd_subsidy[j]);
        let digital_subsidy = classes(levers.digital_subsidy[j]);
        let green_subsidy = classes(levers.green_subsidy[j]);
        let imitation_total: f64 = spillover.row(j).iter().sum();
        let digital_cost = digital_subsidy.map(|s| digital::cost(p.digital_cost, u, s));
        let green_cost = green_subsidy.map(|s| digital::cost(p.green_cost, u, s));
        let green_benefit = green::benefit(levers.carbon_price, p.emission_intensity, u);
        SectorStep {
            rd_subsidy,
            digital_subsidy,
            green_subsidy,
            talent: levers.talent[j],
            imitation_total,
            imitation_probability: rd_subsidy.map(|s| imitation::probability(imitation_total, s)),
            shared_data: data::shared_data(levers.data_openness, stats.data_mean),
            digital_cost,
            green_probability: green_cost.map(|cost| {
                digital::adoption_probability(
                    model,
                    green_benefit,
                    cost,
                    p.green_cost * u,
                    stats.green_mean,
                )
            }),
            green_cost,
            output_previous,
            green_standard: levers.green_standard[j],
            ..SectorStep::default()
        }
    }
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
    /// Model 2: the features switched on.
    pub features: Features,
    /// Model 2 (regions): the regions, in order.
    pub regions: &'a [Region],
    /// Model 2 (regions): the backing set BK(t), `backed[r * sectors + j]`.
    pub backed: &'a [bool],
    /// Model 2 (labour): the talent factor `q_r(t-1)` of each region (M2.14).
    pub talent_factor: &'a [f64],
    /// Model 2 (supply): how each sector's key inputs are rationed this step (M2.15).
    pub rationing: &'a [Rationing],
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
    /// e_i.
    pub transitory: f64,
    /// xi_i.
    pub demand_shift: f64,
    /// r_i (model 2).
    pub region: usize,
    /// v_i of the last rationing (model 2, supply).
    pub delivery: f64,
}

/// A firm after §5.1-5.9.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FirmUpdate {
    /// a_i after innovation, imitation and the shock.
    pub a: f64,
    /// d_i after the digital upgrade.
    pub digital: f64,
    /// g_i after the green upgrade.
    pub green: f64,
    /// D_i after accumulation.
    pub data: f64,
    /// e_i after §5.7.
    pub transitory: f64,
    /// xi_i after §5.7.
    pub demand_shift: f64,
    /// Upgrade costs paid this step.
    pub paid: f64,
    /// `x_i = c_i / exp(a_i)`: the data multiplier times the margin (§5.7-5.8).
    pub x: f64,
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
    /// Model 2 (platform): what the firm gave its sector's platform, `Cn_i`.
    pub contribution: f64,
    /// Model 2 (regions): backing's R&D subsidy spent on the firm.
    pub subsidy_backing: f64,
    /// Model 2 (supply): `v_i`, the firm's delivery rate in this step's rationing.
    pub delivery: f64,
}

/// `W` firms at the start of the step, one per lane (see [`crate::lanes`]). A lane without a
/// firm (a hole, or past the end of a chunk) holds sector 0 and whatever values; its results
/// are not used.
#[derive(Clone, Copy, Debug)]
pub struct FirmStarts<const W: usize> {
    /// Sector index of each lane.
    pub sector: [usize; W],
    /// Birth keys.
    pub birth: U64s<W>,
    /// a_i.
    pub a: F64s<W>,
    /// d_i.
    pub digital: F64s<W>,
    /// g_i.
    pub green: F64s<W>,
    /// D_i.
    pub data: F64s<W>,
    /// f_i.
    pub share: F64s<W>,
    /// e_i.
    pub transitory: F64s<W>,
    /// xi_i.
    pub demand_shift: F64s<W>,
    /// r_i of each lane (model 2).
    pub region: [usize; W],
    /// v_i of the last rationing (model 2, supply; 1 without it).
    pub delivery: F64s<W>,
}

/// `W` firms after §5.1-5.9, one per lane: [`FirmUpdate`]'s fields in lanes.
#[derive(Clone, Copy, Debug)]
pub struct FirmUpdates<const W: usize> {
    /// a_i after innovation, imitation and the shock.
    pub a: F64s<W>,
    /// d_i after the digital upgrade.
    pub digital: F64s<W>,
    /// g_i after the green upgrade.
    pub green: F64s<W>,
    /// D_i after accumulation.
    pub data: F64s<W>,
    /// e_i after §5.7.
    pub transitory: F64s<W>,
    /// xi_i after §5.7.
    pub demand_shift: F64s<W>,
    /// Upgrade costs paid this step.
    pub paid: F64s<W>,
    /// `x_i = c_i / exp(a_i)`.
    pub x: F64s<W>,
    /// Draws for §5.11-5.12.
    pub outcome: [Outcome; W],
    /// Innovation raised a_i.
    pub innovated: Mask<W>,
    /// Imitation raised a_i.
    pub imitated: Mask<W>,
    /// At the min_margin floor.
    pub clamped: Mask<W>,
    /// R&D subsidy spent on the firm.
    pub subsidy_rd: F64s<W>,
    /// Digital subsidy spent on the firm.
    pub subsidy_digital: F64s<W>,
    /// Green subsidy spent on the firm.
    pub subsidy_green: F64s<W>,
    /// Model 2 (platform): `Cn_i`.
    pub contribution: F64s<W>,
    /// Model 2 (regions): backing's R&D subsidy spent on the firm.
    pub subsidy_backing: F64s<W>,
    /// Model 2 (labour): `dd_i`, the digital upgrade of the step.
    pub upgrade: F64s<W>,
    /// Model 2 (supply): `v_i`, the delivery rate of this step's rationing.
    pub delivery: F64s<W>,
}

/// docs/model.md §5.1-5.9 for one firm: [`firm_phase_lanes`] with one lane.
pub fn firm_phase(ctx: &StepContext, firm: FirmStart) -> FirmUpdate {
    let u = firm_phase_lanes::<1>(
        ctx,
        &FirmStarts {
            sector: [firm.sector],
            birth: U64s([firm.birth.0]),
            a: F64s([firm.a]),
            digital: F64s([firm.digital]),
            green: F64s([firm.green]),
            data: F64s([firm.data]),
            share: F64s([firm.share]),
            transitory: F64s([firm.transitory]),
            demand_shift: F64s([firm.demand_shift]),
            region: [firm.region],
            delivery: F64s([firm.delivery]),
        },
    );
    FirmUpdate {
        a: u.a.0[0],
        digital: u.digital.0[0],
        green: u.green.0[0],
        data: u.data.0[0],
        transitory: u.transitory.0[0],
        demand_shift: u.demand_shift.0[0],
        paid: u.paid.0[0],
        x: u.x.0[0],
        outcome: u.outcome[0],
        innovated: u.innovated.0[0],
        imitated: u.imitated.0[0],
        clamped: u.clamped.0[0],
        subsidy_rd: u.subsidy_rd.0[0],
        subsidy_digital: u.subsidy_digital.0[0],
        subsidy_green: u.subsidy_green.0[0],
        contribution: u.contribution.0[0],
        subsidy_backing: u.subsidy_backing.0[0],
        delivery: u.delivery.0[0],
    }
}

/// The step's per-sector values for the `W` firms of a tile, gathered lane by lane.
struct Gather<'c, 'a, const W: usize> {
    ctx: &'c StepContext<'a>,
    sector: [usize; W],
    /// The lanes' sectors, for gathering (one look-up when the tile holds one sector).
    groups: Groups<W>,
    /// Whether each lane's firm is in the subsidies' target group (§5.1).
    eligible: Mask<W>,
}

impl<'c, 'a, const W: usize> Gather<'c, 'a, W> {
    /// The gather for the `W` firms of `sector`, in the target group where `eligible`.
    #[inline(always)]
    fn new(ctx: &'c StepContext<'a>, sector: [usize; W], eligible: Mask<W>) -> Self {
        Gather {
            ctx,
            sector,
            groups: Groups::new(sector),
            eligible,
        }
    }

    /// `get` of each lane's sector.
    #[inline(always)]
    fn sector_value(&self, get: impl Fn(usize) -> f64) -> F64s<W> {
        self.groups.gather(get)
    }

    /// A parameter of each lane's sector.
    #[inline(always)]
    fn params(&self, f: impl Fn(&SectorParams) -> f64) -> F64s<W> {
        self.sector_value(|j| f(&self.ctx.sectors[j].params))
    }

    /// A per-step quantity of each lane's sector.
    #[inline(always)]
    fn step(&self, f: impl Fn(&SectorStep) -> f64) -> F64s<W> {
        self.sector_value(|j| f(&self.ctx.sector_steps[j]))
    }

    /// A per-step quantity of each lane's sector and eligibility class.
    #[inline(always)]
    fn class(&self, f: impl Fn(&SectorStep) -> [f64; 2]) -> F64s<W> {
        match self.groups.one {
            Some(j) => {
                let [outside, inside] = f(&self.ctx.sector_steps[j]);
                F64s::select(self.eligible, F64s::splat(inside), F64s::splat(outside))
            }
            None => F64s::from_fn(|l| {
                f(&self.ctx.sector_steps[self.sector[l]])[usize::from(self.eligible.0[l])]
            }),
        }
    }

    /// A statistic of each lane's sector in S(t-1).
    #[inline(always)]
    fn stats(&self, f: impl Fn(&SectorStats) -> f64) -> F64s<W> {
        self.sector_value(|j| f(&self.ctx.stats[j]))
    }
}

/// docs/model.md §5.1-5.9 for `W` firms at once, one per lane: the sections in order, each a
/// function below. Random events are masks: what an event changes is computed for every lane
/// (when any lane needs it) and kept where the event happened, so each lane holds the bits of
/// the one-firm computation ([`firm_phase`] is this with one lane).
#[inline(always)]
pub fn firm_phase_lanes<const W: usize>(ctx: &StepContext, firm: &FirmStarts<W>) -> FirmUpdates<W> {
    let draws = ctx.key.firms(firm.birth);
    let stats = |l: usize| &ctx.stats[firm.sector[l]];
    // §5.1: eligibility by the firm's a at the start of the step, against S(t-1).
    let eligible = Mask::from_fn(|l| {
        policy::eligible(
            ctx.levers.targeting,
            firm.a.0[l],
            stats(l).selective_threshold,
            stats(l).laggard_threshold,
        )
    });
    let g = Gather::new(ctx, firm.sector, eligible);
    let output_previous = firm.share * g.step(|s| s.output_previous); // Y_i(t-1) = f_i Y_j(t-1)
    let effort = ctx
        .features
        .shapes_rd_effort()
        .then(|| rd_effort(&g, firm, &draws, output_previous));

    let (a, innovated) = innovate(&g, firm, &draws, firm.a, effort.as_ref());
    let (mut a, imitated) = imitate(&g, firm, &draws, a, effort.as_ref());
    let shock_sd = g.params(|p| p.shock_sd);
    let shocked = shock_sd.gt(F64s::splat(0.0));
    if F64s::<W>::any(shocked) {
        a = F64s::select(shocked, a + shock_sd * draws.normal(Purpose::Shock), a); // §5.3a
    }
    let digital = digital_upgrade(&g, firm, &draws, output_previous);
    let green = green_upgrade(&g, firm, &draws, output_previous);
    let paid = digital.paid + green.paid;

    // §5.6: data accumulates with the firm's size relative to the sector mean, f_i n_j.
    let m = ctx.model;
    let relative_size = firm.share * g.stats(|s| s.firms as f64);
    let data_stock = data::accumulate(
        firm.data,
        F64s::splat(m.data_depreciation),
        data_generation(&g, firm),
        digital.level,
        relative_size,
    );

    // §5.7: the transitory component and the demand shifter move; effective productivity
    // A_i = exp(a_i + e_i) multiplier_i and competitiveness c_i = A_i margin_i =
    // exp(a_i + e_i) x_i (its CES term, with exp(xi_i), is taken in the chunk, §5.10).
    let (transitory, demand_shift) = transitory_and_demand(&g, firm, &draws);
    let mut multiplier = data::multiplier(
        g.params(|p| p.data_productivity),
        digital.level,
        data_stock,
        g.step(|s| s.shared_data),
    );
    if ctx.features.supply {
        multiplier = multiplier * g.step(|s| s.substitution); // M2.15: Xs_j(t) in A_i
    }
    let mut burden = market::burden(
        g.params(|p| p.rd_intensity),
        paid,
        F64s::splat(ctx.levers.carbon_price),
        g.params(|p| p.emission_intensity),
        green.level,
    );
    if ctx.features.capacity {
        burden = burden + g.step(|s| s.idle_cost); // M2.3: idle capacity beyond normal
    }
    let (x, clamped) =
        market::relative_competitiveness(multiplier, burden, F64s::splat(m.min_margin));
    let zero = F64s::splat(0.0);

    FirmUpdates {
        a,
        digital: digital.level,
        green: green.level,
        data: data_stock,
        transitory,
        demand_shift,
        paid,
        x,
        outcome: exit_and_transition_draws(&g, a, digital.level, green.level, &draws),
        innovated,
        imitated,
        clamped,
        subsidy_rd: g.class(|s| s.rd_subsidy) * g.params(|p| p.rd_intensity) * output_previous,
        subsidy_digital: digital.subsidy,
        subsidy_green: green.subsidy,
        contribution: effort.as_ref().map_or(zero, |e| e.contribution),
        subsidy_backing: effort.as_ref().map_or(zero, |e| e.subsidy_backing),
        upgrade: if ctx.features.labour {
            digital.level - firm.digital
        } else {
            zero
        },
        delivery: if ctx.features.supply {
            // M2.15, 5.7b: the rationing of this step, by the share at its start
            F64s::from_fn(|l| ctx.rationing[firm.sector[l]].delivery(firm.share.0[l]))
        } else {
            F64s::splat(1.0)
        },
    }
}

/// Model 2's R&D effort of `W` firms (docs/model.md M2.5), and what it costs.
struct Effort<const W: usize> {
    /// `eff_i`, in place of `1 + s_rd_i` in the innovation and imitation hazards.
    effort: F64s<W>,
    /// `Cn_i`: what a contributing firm gives its sector's platform (M2.4).
    contribution: F64s<W>,
    /// `s_back_i rho_j Y_i(t-1)`: backing's R&D subsidy (M2.2).
    subsidy_backing: F64s<W>,
}

/// M2.5: `eff0_i = (1 + s_rd_i + s_back_i) rdf_i` and `eff_i = eff0_i (1 - contribution_share
/// con_i)`, each term present only with its feature: `s_back_i` (regions: the backing rate where
/// the firm's region backs its sector), `rdf_i` the product of the capacity factor
/// `(1 + x_j)^-price_pressure`, the talent factor `q_r(t-1)` of the firm's region (labour) and
/// the firm's delivery rate `v_i` of the last rationing (supply), and the contribution (platform: one uniform, purpose `contribute`, below the logit of the
/// firm's private return).
#[inline(always)]
fn rd_effort<const W: usize>(
    g: &Gather<W>,
    firm: &FirmStarts<W>,
    draws: &FirmKeys<W>,
    output_previous: F64s<W>,
) -> Effort<W> {
    let ctx = g.ctx;
    let (zero, one) = (F64s::splat(0.0), F64s::splat(1.0));
    let rho = g.params(|p| p.rd_intensity);
    let mut base = one + g.class(|s| s.rd_subsidy);
    let mut subsidy_backing = zero;
    if ctx.features.regions {
        let ns = ctx.sectors.len();
        let backed = Mask::from_fn(|l| ctx.backed[firm.region[l] * ns + firm.sector[l]]);
        let rate = F64s::select(backed, g.step(|s| s.backing_rate), zero);
        base = base + rate;
        subsidy_backing = rate * rho * output_previous;
    }
    // rdf_i: the product of the factors whose features are on
    let mut factor = ctx.features.capacity.then(|| g.step(|s| s.effort_factor));
    if ctx.features.labour {
        let q = talent_factor(g, firm); // M2.14: skilled staff missing
        factor = Some(factor.map_or(q, |f| f * q));
    }
    if ctx.features.supply {
        let v = firm.delivery; // M2.15: key inputs missing last step
        factor = Some(factor.map_or(v, |f| f * v));
    }
    let effort0 = match factor {
        Some(rdf) => base * rdf,
        None => base,
    };
    let (mut effort, mut contribution) = (effort0, zero);
    if ctx.features.platform {
        let private_return = g.step(|s| s.return_per_share) * firm.share;
        let probability = platform::contribution_probability(
            F64s::splat(ctx.model.contribution_weight),
            private_return,
        );
        let gives = hits(draws.uniform(Purpose::Contribute), probability);
        let share = F64s::splat(ctx.model.contribution_share);
        effort = F64s::select(gives, effort0 * (one - share), effort0);
        contribution = F64s::select(gives, share * rho * effort0 * output_previous, zero);
    }
    Effort {
        effort,
        contribution,
        subsidy_backing,
    }
}

/// M2.14: the talent factor `q_r(t-1)` of each lane's region.
#[inline(always)]
fn talent_factor<const W: usize>(g: &Gather<W>, firm: &FirmStarts<W>) -> F64s<W> {
    F64s::from_fn(|l| g.ctx.talent_factor[firm.region[l]])
}

/// §5.6 (and §5.4's benefit): data generated per year by a fully digital firm of average
/// size, `chi_j`, times the data infrastructure `iota_r` of the firm's region with `regions`
/// on (M2.2).
#[inline(always)]
fn data_generation<const W: usize>(g: &Gather<W>, firm: &FirmStarts<W>) -> F64s<W> {
    let chi = g.params(|p| p.data_generation);
    if g.ctx.features.regions {
        chi * F64s::from_fn(|l| g.ctx.regions[firm.region[l]].data_infra)
    } else {
        chi
    }
}

/// §5.7: `e_i = rho_e e_i + s_e eps` and `xi_i = xi_i + s_xi eps'`, two independent
/// unit-variance Laplace draws, each left out (0) where its scale is 0; without a demand
/// scale, xi stays.
#[inline(always)]
fn transitory_and_demand<const W: usize>(
    g: &Gather<W>,
    firm: &FirmStarts<W>,
    draws: &FirmKeys<W>,
) -> (F64s<W>, F64s<W>) {
    // a function, not a closure: a closure is compiled apart from the instruction set of
    // its caller when it is not inlined, and this one was not (two calls, a large body)
    #[inline(always)]
    fn eps<const W: usize>(draws: &FirmKeys<W>, sd: F64s<W>, purpose: Purpose) -> F64s<W> {
        let zero = F64s::splat(0.0);
        let drawn = sd.gt(zero);
        if F64s::<W>::any(drawn) {
            F64s::select(drawn, draws.laplace(purpose), zero)
        } else {
            zero
        }
    }
    let zero = F64s::splat(0.0);
    let sd_e = g.params(|p| p.transitory_sd);
    let e = shocks::next_transitory(
        firm.transitory,
        g.params(|p| p.transitory_persistence),
        sd_e,
        eps(draws, sd_e, Purpose::Transitory),
    );
    let sd_xi = g.params(|p| p.demand_shock_sd);
    let moves = sd_xi.gt(zero);
    let xi = if F64s::<W>::any(moves) {
        let moved = shocks::next_demand_shift(
            firm.demand_shift,
            sd_xi,
            eps(draws, sd_xi, Purpose::DemandShock),
        );
        F64s::select(moves, moved, firm.demand_shift)
    } else {
        firm.demand_shift
    };
    (e, xi)
}

/// §5.2: innovation with probability `1 - exp(-lambda_j r_i (1 + mu_amp d_i))`; on success
/// `a_i` rises by `max(0, z)`, `z ~ N(mu_j, sigma_j)`. The new `a_i`, and where it rose.
#[inline(always)]
fn innovate<const W: usize>(
    g: &Gather<W>,
    firm: &FirmStarts<W>,
    draws: &FirmKeys<W>,
    a: F64s<W>,
    effort: Option<&Effort<W>>,
) -> (F64s<W>, Mask<W>) {
    let (rho, rate) = (
        g.params(|p| p.rd_intensity),
        g.params(|p| p.innovation_rate),
    );
    let amplification = F64s::splat(g.ctx.model.data_amplification);
    let probability = match effort {
        None => innovation::probability(
            rho,
            g.class(|s| s.rd_subsidy),
            rate,
            amplification,
            firm.digital,
        ),
        Some(e) => {
            innovation::probability_with_effort(rho, e.effort, rate, amplification, firm.digital)
        }
    };
    let tries = hits(draws.uniform(Purpose::Innovation), probability);
    if !F64s::<W>::any(tries) {
        return (a, tries);
    }
    let z = g.params(|p| p.innovation_mean)
        + g.params(|p| p.innovation_sd) * draws.normal(Purpose::InnovationSize);
    let gain = innovation::gain(z);
    let raised = tries & gain.gt(F64s::splat(0.0));
    (F64s::select(raised, a + gain, a), raised)
}

/// §5.3: imitation of the frontier of a source sector picked through the spillover matrix;
/// the new `a_i`, and where it rose (a source frontier below the firm, or a source that never
/// had firms, teaches nothing).
#[inline(always)]
fn imitate<const W: usize>(
    g: &Gather<W>,
    firm: &FirmStarts<W>,
    draws: &FirmKeys<W>,
    a: F64s<W>,
    effort: Option<&Effort<W>>,
) -> (F64s<W>, Mask<W>) {
    let probability = match effort {
        None => g.class(|s| s.imitation_probability),
        Some(e) => F64s::from_fn(|l| {
            let total = g.ctx.sector_steps[firm.sector[l]].imitation_total;
            imitation::probability_with_effort(total, e.effort.0[l])
        }),
    };
    let tries = hits(draws.uniform(Purpose::Imitation), probability);
    if !F64s::<W>::any(tries) {
        return (a, tries);
    }
    let pick = draws.uniform(Purpose::ImitationSource);
    let ctx = g.ctx;
    let source_frontier = |k: usize| ctx.stats[k].frontier;
    let frontier = match g.groups.one {
        // one sector: one row of W for the tile, the sources picked in lanes
        Some(j) => {
            let total = ctx.sector_steps[j].imitation_total;
            let row = ctx.spillover.row(j);
            let frontier = imitation::picked_value(row, total, pick, source_frontier);
            F64s::select(tries, frontier, F64s::splat(f64::NAN)) // NaN: no attempt
        }
        None => F64s::from_fn(|l| {
            if !tries.0[l] {
                return f64::NAN; // no attempt
            }
            let j = firm.sector[l];
            let total = ctx.sector_steps[j].imitation_total;
            source_frontier(imitation::pick_source(
                ctx.spillover.row(j),
                total,
                pick.0[l],
            ))
        }),
    };
    let gap = frontier - a; // NaN if the source never had firms: no imitation
    let raised = gap.gt(F64s::splat(0.0));
    let gap = F64s::select(raised, gap, F64s::splat(0.0));
    let gain = imitation::gain(
        gap,
        g.params(|p| p.catch_up),
        g.params(|p| p.absorptive_gap),
        g.step(|s| s.talent),
    );
    (F64s::select(raised, a + gain, a), raised)
}

/// Whether a uniform draw in (0, 1) hits an event of this probability: it lies below it
/// (never for a NaN probability).
#[inline(always)]
fn hits<const W: usize>(draw: F64s<W>, probability: F64s<W>) -> Mask<W> {
    draw.lt(probability)
}

/// The outcome of an upgrade decision (§5.4, §5.5), in lanes.
struct Upgrade<const W: usize> {
    /// The level after the step.
    level: F64s<W>,
    /// What the firm paid, as a share of its output.
    paid: F64s<W>,
    /// What the government paid of it, in units of output (0 without an upgrade).
    subsidy: F64s<W>,
}

impl<const W: usize> Upgrade<W> {
    /// Where `up` holds, the level rises by `u` (to at most 1) and `cost` and `subsidy` are
    /// paid; elsewhere the level stays and nothing is paid.
    #[inline(always)]
    fn taken(up: Mask<W>, level: F64s<W>, u: f64, cost: F64s<W>, subsidy: F64s<W>) -> Self {
        let zero = F64s::splat(0.0);
        Upgrade {
            level: F64s::select(up, (level + u).min(F64s::splat(1.0)), level),
            paid: F64s::select(up, cost, zero),
            subsidy: F64s::select(up, subsidy, zero),
        }
    }
}

/// §5.4: a digital upgrade with the logit probability of its net benefit over the horizon
/// and its peers' level. The probability never exceeds `p_max`, so where no draw is below
/// it no probability (and no logarithm) is needed.
#[inline(always)]
fn digital_upgrade<const W: usize>(
    g: &Gather<W>,
    firm: &FirmStarts<W>,
    draws: &FirmKeys<W>,
    output_previous: F64s<W>,
) -> Upgrade<W> {
    let m = g.ctx.model;
    let draw = draws.uniform(Purpose::DigitalUpgrade);
    let candidates = firm.digital.lt(F64s::splat(1.0)) & hits(draw, F64s::splat(m.adoption_max));
    let zero = F64s::splat(0.0);
    if !F64s::<W>::any(candidates) {
        return Upgrade::taken(candidates, firm.digital, 0.0, zero, zero);
    }
    let u = m.upgrade_step;
    let benefit = digital::benefit(
        g.step(|s| s.talent),
        g.params(|p| p.data_productivity),
        F64s::splat(u),
        firm.data + g.step(|s| s.shared_data),
        data_generation(g, firm),
        F64s::splat(m.data_depreciation),
    );
    let cost = g.class(|s| s.digital_cost);
    let full_cost = g.params(|p| p.digital_cost);
    let mut probability =
        digital::adoption_probability(m, benefit, cost, full_cost * u, g.stats(|s| s.digital_mean));
    if g.ctx.features.labour {
        probability = probability * talent_factor(g, firm); // M2.14: no staff, no upgrade
    }
    let up = candidates & hits(draw, probability);
    let subsidy = g.class(|s| s.digital_subsidy) * full_cost * u * output_previous;
    Upgrade::taken(up, firm.digital, u, cost, subsidy)
}

/// §5.5: a green upgrade; its probability is the same for every firm of an eligibility class
/// of the sector (computed once per step in [`SectorStep::new`]).
#[inline(always)]
fn green_upgrade<const W: usize>(
    g: &Gather<W>,
    firm: &FirmStarts<W>,
    draws: &FirmKeys<W>,
    output_previous: F64s<W>,
) -> Upgrade<W> {
    let up = firm.green.lt(F64s::splat(1.0))
        & hits(
            draws.uniform(Purpose::GreenUpgrade),
            g.class(|s| s.green_probability),
        );
    let u = g.ctx.model.upgrade_step;
    let subsidy = g.class(|s| s.green_subsidy) * g.params(|p| p.green_cost) * u * output_previous;
    Upgrade::taken(up, firm.green, u, g.class(|s| s.green_cost), subsidy)
}

/// §5.9: the draws for exogenous death, the green standard (for a firm below it after §5.5)
/// and the transition rules (§5.12 applies them; a firm takes at most one switch, the first
/// rule in listed order whose draw hits).
#[inline(always)]
fn exit_and_transition_draws<const W: usize>(
    g: &Gather<W>,
    a: F64s<W>,
    digital: F64s<W>,
    green: F64s<W>,
    draws: &FirmKeys<W>,
) -> [Outcome; W] {
    let ctx = g.ctx;
    let death = draws.uniform(Purpose::Death).lt(g.params(|p| p.death_rate));
    let mut standard = green.lt(g.step(|s| s.green_standard));
    if F64s::<W>::any(standard) {
        let enforcement = F64s::splat(ctx.levers.standard_enforcement);
        standard = standard & draws.uniform(Purpose::StandardEnforcement).lt(enforcement);
    }
    let mut outcome = [Outcome::default(); W];
    for (l, outcome) in outcome.iter_mut().enumerate() {
        outcome.flags = if death.0[l] { Outcome::DEATH } else { 0 }
            | if standard.0[l] { Outcome::STANDARD } else { 0 };
    }
    for (r, rule) in ctx.rules.iter().enumerate() {
        let from = Mask::from_fn(|l| g.sector[l] == rule.from);
        if !F64s::<W>::any(from) {
            continue;
        }
        let zero = F64s::splat(0.0);
        let probability = F64s::select(
            from,
            rule.probability_for(a, digital, ctx.rule_thresholds[r]),
            zero,
        );
        let hit = probability.gt(zero) & draws.uniform_transition(r).lt(probability);
        for (l, outcome) in outcome.iter_mut().enumerate() {
            if !hit.0[l] {
                continue;
            }
            match rule.kind {
                TransitionKind::Switch if outcome.switch_to == NO_SWITCH => {
                    outcome.switch_to = rule.to as u16;
                }
                TransitionKind::Switch => {}
                TransitionKind::Spawn => outcome.spawns |= 1 << r,
            }
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;
    use crate::rng::RunKey;

    /// The firm phase reads only the firm and the step's context: a firm's update does not
    /// depend on the other firms or on the order in which firms are processed, and it keeps
    /// levels in [0, 1], data stocks non-negative and technology from falling (no shock in the
    /// first two sectors).
    #[test]
    fn the_firm_phase_is_a_function_of_the_firm_and_the_context_alone() {
        let mut scenario = Scenario::baseline();
        // a policy that exercises every branch: targeting, subsidies, standards, openness
        let levers = &mut scenario.policy.base;
        levers.rd_subsidy = vec![0.5, 0.2, 0.0];
        levers.digital_subsidy = vec![0.3; 3];
        levers.green_subsidy = vec![0.4; 3];
        levers.green_standard = vec![0.3; 3];
        levers.targeting = crate::model::policy::Targeting::Selective;
        levers.data_openness = 0.5;
        scenario.sectors[2].params.shock_sd = 0.05;
        // the 1.2 mechanisms in the emerging sector only (the calibrated baseline has them in all)
        for sector in &mut scenario.sectors {
            sector.params.transitory_sd = 0.0;
            sector.params.transitory_persistence = 0.0;
            sector.params.demand_shock_sd = 0.0;
        }
        scenario.sectors[1].params.transitory_sd = 0.05;
        scenario.sectors[1].params.transitory_persistence = 0.5;
        scenario.sectors[1].params.demand_shock_sd = 0.08;
        scenario
            .transitions
            .iter_mut()
            .for_each(|r| r.probability = 0.5);
        let levers = scenario.policy.at(1);
        let stats: Vec<SectorStats> = (0..3)
            .map(|j| SectorStats {
                firms: 1000,
                frontier: 0.5 + 0.1 * j as f64,
                median: 0.1,
                selective_threshold: 0.3,
                laggard_threshold: -0.2,
                digital_mean: 0.3,
                green_mean: 0.2,
                data_mean: 1.5,
            })
            .collect();
        let steps: Vec<SectorStep> = (0..3)
            .map(|j| SectorStep::new(&scenario, j, &levers, 0.8, &stats[j], 0.3))
            .collect();
        let thresholds = vec![Some(0.1), None, None];
        let ctx = StepContext {
            key: RunKey::new(9, 1).step(4),
            model: &scenario.model,
            sectors: &scenario.sectors,
            sector_steps: &steps,
            stats: &stats,
            spillover: &scenario.spillover,
            rules: &scenario.transitions,
            rule_thresholds: &thresholds,
            levers: &levers,
            features: scenario.features,
            regions: &scenario.regions,
            backed: &[],
            talent_factor: &[1.0],
            rationing: &[],
        };
        let mut state = crate::rng::Stream::new(5);
        let firms: Vec<FirmStart> = (0..1000)
            .map(|i| FirmStart {
                sector: i % 3,
                birth: BirthKey::initial(i as u64),
                a: 0.4 * state.normal(),
                digital: if i % 17 == 0 { 1.0 } else { state.uniform() },
                green: if i % 13 == 0 { 1.0 } else { state.uniform() },
                data: 3.0 * state.uniform(),
                share: 0.002 * state.uniform(),
                transitory: 0.1 * state.normal(),
                demand_shift: 0.2 * state.normal(),
                region: 0,
                delivery: 1.0,
            })
            .collect();
        let per_firm: Vec<FirmUpdate> = firms.iter().map(|&f| firm_phase(&ctx, f)).collect();
        let reversed: Vec<FirmUpdate> = firms.iter().rev().map(|&f| firm_phase(&ctx, f)).collect();
        assert!(per_firm.iter().eq(reversed.iter().rev()));
        for (f, u) in firms.iter().zip(&per_firm) {
            assert!((0.0..=1.0).contains(&u.digital) && (0.0..=1.0).contains(&u.green));
            assert!(u.digital >= f.digital && u.green >= f.green && u.data >= 0.0);
            assert!(f.sector == 2 || u.a >= f.a, "{f:?} -> {u:?}");
            assert!(u.x > 0.0 && u.paid >= 0.0);
            // §5.7: without a transitory sd, e decays by its persistence (0: to zero); without
            // a demand sd, xi stays
            if f.sector != 1 {
                assert_eq!(
                    (u.transitory, u.demand_shift),
                    (0.0 * f.transitory, f.demand_shift)
                );
            }
        }
        // where the sds are set, e and xi move: by unit-variance Laplace steps
        let moved: Vec<f64> = firms
            .iter()
            .zip(&per_firm)
            .filter(|(f, _)| f.sector == 1)
            .map(|(f, u)| (u.demand_shift - f.demand_shift) / 0.08)
            .collect();
        let var = moved.iter().map(|x| x * x).sum::<f64>() / moved.len() as f64;
        assert!((var - 1.0).abs() < 0.25, "{var}");
        // and the test exercises the branches
        assert!(per_firm.iter().any(|u| u.innovated) && per_firm.iter().any(|u| u.imitated));
        assert!(
            per_firm.iter().any(|u| u.subsidy_digital > 0.0)
                && per_firm.iter().any(|u| u.subsidy_green > 0.0)
        );
        assert!(
            per_firm.iter().any(|u| u.outcome.switch_to != NO_SWITCH)
                && per_firm.iter().any(|u| u.outcome.spawns != 0)
        );
        assert!(
            per_firm
                .iter()
                .any(|u| u.outcome.flags & Outcome::STANDARD != 0)
        );
    }
}
