//! One step of one replicate, docs/model.md §5: the passes over firms, in order.
//!
//! | pass | method | sections | reads | writes |
//! |---|---|---|---|---|
//! | policy | `begin_step` | §5.1 | levers, S(t-1), Y(t-1) | b(t), per-sector constants |
//! | firm phase | `phase_pass` | §5.1-5.9, §5.10 | firm, S(t-1) | a, d, g, D, paid, CES weight, outcome; chunk sums |
//! | exits | `exits_pass` | §5.11 | share, CES weight, outcome | chunk counts; the new share (over the CES weight), the exit mark |
//! | structure | `structure_pass` | §5.12 | firms, outcomes, new shares | the next population, in place (exits leave holes, newcomers are appended); S(t) means |
//! | fiscal | `account_flows` | §5.13, fiscal | chunk sums, levers | flows, spent(t) |
//! | production | `production_pass` | §5.13 | new population, S(t) | shares normalised, ln A; sums, histograms |
//! | quantiles | `quantiles_pass` | §5.13 | sector, a, ln A | the values near each quantile; S(t) quantiles |
//! | rows | `rows_pass` | §5.13, §7 | sums, S(t) | metrics rows, decompositions, Z(t+1) |
//!
//! Every pass runs over fixed chunks of [`FIRM_CHUNK`] firms in parallel, with one partial
//! per (chunk, sector) merged in chunk order, so results do not depend on the thread count.

use rayon::prelude::*;
use std::time::Instant;

use super::Simulation;
use super::chunks::firm_chunks;
use super::phase::{FirmStarts, NO_SWITCH, Outcome, SectorStep, StepContext, firm_phase_lanes};
use super::reduce::{FIRM_CHUNK, chunk_count};
use super::sums::{Flows, PhaseSums};
use crate::lanes::{self, F64s, Groups, Isa, Kernel, Real, U64s};
use crate::math;
use crate::model::demography::TfpCondition;
use crate::model::firms::{DEAD, FirmsChunk, SectorIndex};
use crate::model::levers::{SPENDING_LEVERS, spending_index, spending_levers};
use crate::model::market;
use crate::model::params::SectorParams;
use crate::model::policy;

/// Bytes the step must read and write per firm, from the layout of the passes above: firm
/// phase 106 (reads sector, birth, share, a, d, g, D; writes a, d, g, D, paid, CES weight,
/// outcome), exits 50 (reads sector, share, demand shifter, weight, outcome; writes the new
/// share over the weight, and the outcome's exit mark), structure 78 (reads sector, share,
/// a, d, g, D, outcome, new share; writes sector, share, previous share and origin in place),
/// production 84 (reads sector, a, d, g, D, share, paid, previous share, origin and last
/// step's ln A; writes share, ln A), quantiles 18 (reads sector, a, ln A). Used by `nqpsim
/// bench` for the effective bandwidth of the step.
pub const STEP_BYTES_PER_FIRM: usize = 106 + 50 + 78 + 84 + 18;

/// Holes left by exits are removed when they exceed one place in this many. Part of the
/// output contract (like [`FIRM_CHUNK`]): it decides where chunk boundaries fall.
pub const HOLES_PER_COMPACTION: u64 = 10;

/// Concentration of the Beta distribution of initial digital and green levels
/// (docs/model.md §3).
pub const LEVEL_CONCENTRATION: f64 = 4.0;

impl Simulation<'_> {
    /// Runs step `t = self.step + 1` (docs/model.md §5.1-5.13) and computes its metrics rows.
    pub(crate) fn advance(&mut self) {
        let t = self.step + 1;
        self.begin_step(t);
        let clock = Instant::now();
        self.phase_pass(t);
        self.timings.phase += clock.elapsed();
        let clock = Instant::now();
        self.exits_pass();
        self.scrap_closed_capacity();
        self.timings.exits += clock.elapsed();
        let clock = Instant::now();
        self.structure_pass(t);
        self.timings.structure += clock.elapsed();
        self.account_flows();
        self.observe(t);
        self.step = t;
    }

    /// §5.1: the levers of step `t`, the budget scale b(t) from last step's capped spending,
    /// and what every firm of a sector shares this step.
    fn begin_step(&mut self, t: u32) {
        let scenario = self.scenario;
        let policy = &mut self.economy.policy;
        std::mem::swap(&mut policy.levers, &mut policy.levers_next);
        policy.levers_next = scenario.policy.at(t + 1);
        self.add_carbon_premium();
        let policy = &mut self.economy.policy;
        policy.budget_scale = policy::budget_scale(
            policy.budget_scale,
            policy.levers.budget_cap,
            policy.capped_spending_share,
        );
        self.update_backing_set();
        self.update_supply();
        let policy = &self.economy.policy;
        let (stats, output) = (&self.economy.stats, &self.economy.output);
        let b = &mut self.buffers;
        b.sector_steps.clear();
        for j in 0..scenario.sectors.len() {
            b.sector_steps.push(SectorStep::new(
                scenario,
                j,
                &policy.levers,
                policy.budget_scale,
                &stats[j],
                output[j],
            ));
        }
        b.rule_thresholds.clear();
        for rule in &scenario.transitions {
            b.rule_thresholds.push(rule.tfp_condition.map(|c| match c {
                TfpCondition::FromMedian => stats[rule.from].median,
                TfpCondition::FromFrontier => stats[rule.from].frontier,
                TfpCondition::ToMedian => stats[rule.to].median,
                TfpCondition::ToFrontier => stats[rule.to].frontier,
            }));
        }
        self.model2_sector_steps();
    }

    /// §5.1-5.9 for every firm, then §5.10: each chunk's CES weights and the merge of the
    /// chunks' sums into C_j.
    fn phase_pass(&mut self, t: u32) {
        let scenario = self.scenario;
        let sectors = &scenario.sectors;
        let ns = sectors.len();
        let elasticity = |j: usize| sectors[j].params.elasticity;
        let b = &mut self.buffers;
        let economy = &mut self.economy;
        let ctx = StepContext {
            key: self.run_key.step(t),
            model: &scenario.model,
            sectors,
            sector_steps: &b.sector_steps,
            stats: &economy.stats,
            spillover: &scenario.spillover,
            rules: &scenario.transitions,
            rule_thresholds: &b.rule_thresholds,
            levers: &economy.policy.levers,
            features: scenario.features,
            regions: &scenario.regions,
            backed: &economy.model2.backed,
            talent_factor: &economy.model2.talent_factor,
            rationing: &economy.model2.rationing,
        };
        let n = economy.firms.len();
        b.weight.resize(n, 0.0);
        b.outcome.resize(n, Outcome::default());
        let acc = b.phase.reset(chunk_count(n), ns);
        let isa = Isa::selected();
        firm_chunks(&mut economy.firms)
            .zip(b.weight.par_chunks_mut(FIRM_CHUNK))
            .zip(b.outcome.par_chunks_mut(FIRM_CHUNK))
            .zip(acc.par_chunks_mut(ns))
            .for_each(|(((firms, weight), outcome), acc)| {
                let chunk = PhaseChunk {
                    ctx: &ctx,
                    firms,
                    weight,
                    outcome,
                    acc,
                };
                lanes::dispatch(isa, chunk);
            });
        merge_ces(b.phase.as_mut_slice(), ns, elasticity);
        b.phase.merge(ns, |t, p| t.merge(p));
    }

    /// §5.11: shares move toward the CES share; who exits, switches and spawns (counted here
    /// per chunk, applied in §5.12). Each firm's new share replaces its CES weight in
    /// `weight`, and an exit sets [`Outcome::EXITS`], for the structure pass.
    fn exits_pass(&mut self) {
        let scenario = self.scenario;
        let (sectors, rules) = (&scenario.sectors, &scenario.transitions);
        let exit_share = scenario.model.exit_share;
        let ns = sectors.len();
        let stats = &self.economy.stats;
        let b = &mut self.buffers;
        let n = self.economy.firms.len();
        let chunks = chunk_count(n);
        let phase = b.phase.as_slice();
        let acc = b.demography.reset(chunks, ns);
        b.spawn_offsets.clear();
        b.spawn_offsets.resize(chunks, 0);
        let firms = &self.economy.firms;
        (
            firms.sector.par_chunks(FIRM_CHUNK),
            firms.share.par_chunks(FIRM_CHUNK),
            firms.demand_shift.par_chunks(FIRM_CHUNK),
            b.weight.par_chunks_mut(FIRM_CHUNK),
            b.outcome.par_chunks_mut(FIRM_CHUNK),
            phase.par_chunks(ns),
            acc.par_chunks_mut(ns),
            b.spawn_offsets.par_iter_mut(),
        )
            .into_par_iter()
            .for_each(
                |(sector, firm_share, xi, weight, outcome, phase, acc, spawns)| {
                    for i in 0..sector.len() {
                        if sector[i] == DEAD {
                            continue;
                        }
                        let j = sector[i] as usize;
                        let o = outcome[i];
                        let share =
                            new_share(firm_share[i], weight[i], &sectors[j].params, &phase[j]);
                        weight[i] = share;
                        if exits(share, o, exit_share, stats[j].firms) {
                            outcome[i].flags |= Outcome::EXITS;
                            let closed = o.flags & Outcome::STANDARD != 0;
                            acc[j].exits += 1;
                            acc[j].standard_exits += u64::from(closed);
                            if closed {
                                acc[j].standard_share += firm_share[i]; // f_i(t-1), M2.3
                            }
                            continue;
                        }
                        acc[j].survivor_shift += xi[i];
                        if o.switch_to != NO_SWITCH {
                            acc[j].switches_out += 1;
                            acc[o.switch_to as usize].switches_in += 1;
                        }
                        let mut mask = o.spawns;
                        while mask != 0 {
                            let r = mask.trailing_zeros() as usize;
                            mask &= mask - 1;
                            acc[rules[r].to].spawns += 1;
                            *spawns += 1;
                        }
                    }
                },
            );
        b.demography.merge(ns, |t, p| t.merge(p));
        // §5.12: xibar_j, the mean demand shifter of the sector's survivors (0 if none).
        b.mean_shift.clear();
        for (phase, demography) in b.phase.totals().iter().zip(b.demography.totals()) {
            let survivors = phase.firms - demography.exits;
            b.mean_shift.push(if survivors > 0 {
                demography.survivor_shift / survivors as f64
            } else {
                0.0
            });
        }
    }

    /// Flows and fiscal accounting of the step (docs/model.md §5.13, fiscal), and spent(t),
    /// the capped spending over last step's total output that b(t + 1) reacts to.
    fn account_flows(&mut self) {
        let scenario = self.scenario;
        let model = &scenario.model;
        let economy = &mut self.economy;
        let levers = &economy.policy.levers;
        const RD: usize = spending_index("rd_subsidy");
        const DIGITAL: usize = spending_index("digital_subsidy");
        const GREEN: usize = spending_index("green_subsidy");
        const ENTRY: usize = spending_index("entry_subsidy");
        const TALENT: usize = spending_index("talent");
        let b = &mut self.buffers;
        b.flows.clear();
        for (j, sector) in scenario.sectors.iter().enumerate() {
            let p = &sector.params;
            let ph = &b.phase.totals()[j];
            let y = economy.output[j];
            let mut spending = [0.0; SPENDING_LEVERS];
            spending[RD] = ph.subsidy_rd;
            spending[DIGITAL] = ph.subsidy_digital;
            spending[GREEN] = ph.subsidy_green;
            spending[ENTRY] = levers.entry_subsidy[j] * p.entry_rate * model.entry_cost * y;
            spending[TALENT] = levers.talent[j] * model.talent_cost * y;
            b.flows.push(Flows {
                entries: b.entrants[j],
                demography: b.demography.totals()[j],
                innovations: ph.innovations,
                imitations: ph.imitations,
                clamped: ph.clamped,
                spending,
                model2: Default::default(),
            });
        }
        if scenario.features.any() {
            for j in 0..scenario.sectors.len() {
                let flows = self.model2_flows(j);
                self.buffers.flows[j].model2 = flows;
            }
        }
        let economy = &mut self.economy;
        let b = &mut self.buffers;
        let capped: f64 = b
            .flows
            .iter()
            .map(|f| {
                spending_levers()
                    .zip(&f.spending)
                    .filter(|((_, s), _)| s.capped)
                    .map(|(_, amount)| amount)
                    .sum::<f64>()
                    + f.model2.capped()
            })
            .sum();
        let previous_total: f64 = economy.output.iter().sum();
        economy.policy.capped_spending_share = if previous_total > 0.0 {
            capped / previous_total
        } else {
            0.0
        };
    }
}

/// The places `start..start + W` of a chunk's sector column as a tile: which lanes hold a
/// firm, and each lane's sector (a hole takes the sector of the tile's first firm, so that a
/// tile of one sector with holes still gathers once); `None` when the tile is all holes.
#[inline(always)]
pub(super) fn tile_sectors<const W: usize>(
    sector: &[SectorIndex],
    start: usize,
) -> Option<([bool; W], [usize; W])> {
    // loops, not `array::from_fn`, whose closures were left out of line
    let mut alive = [false; W];
    for l in 0..W {
        alive[l] = sector[start + l] != DEAD;
    }
    let first = alive.iter().position(|&a| a)?;
    let fill = sector[start + first] as usize;
    let mut sectors = [fill; W];
    for l in 0..W {
        if alive[l] {
            sectors[l] = sector[start + l] as usize;
        }
    }
    Some((alive, sectors))
}

/// The firm phase of one chunk (§5.1-5.9, then §5.10's weights), `W` firms at a time; the
/// places past the last whole tile of `W` go one at a time.
struct PhaseChunk<'c, 'a> {
    ctx: &'c StepContext<'a>,
    firms: FirmsChunk<'c>,
    weight: &'c mut [f64],
    outcome: &'c mut [Outcome],
    acc: &'c mut [PhaseSums],
}

impl Kernel for PhaseChunk<'_, '_> {
    type Output = ();

    #[inline(always)]
    fn run<const W: usize>(mut self) {
        let n = self.firms.len();
        let tiles = n / W * W;
        for start in (0..tiles).step_by(W) {
            self.tile::<W>(start);
        }
        for start in tiles..n {
            self.tile::<1>(start);
        }
        for start in (0..tiles).step_by(W) {
            self.ces_tile::<W>(start);
        }
        for start in tiles..n {
            self.ces_tile::<1>(start);
        }
    }
}

impl PhaseChunk<'_, '_> {
    /// Places `start..start + W`: the phase in lanes, then each firm's update written back and
    /// added to its sector's sums in place order (so the sums are those of one firm at a time).
    #[inline(always)]
    fn tile<const W: usize>(&mut self, start: usize) {
        let f = &mut self.firms;
        let Some((alive, sector)) = tile_sectors::<W>(f.sector, start) else {
            return;
        };
        let column = |c: &[f64]| F64s::<W>::load(c, start);
        let firms = FirmStarts {
            sector,
            birth: U64s::from_fn(|l| f.birth[start + l].0),
            a: column(f.a),
            digital: column(f.digital),
            green: column(f.green),
            data: column(f.data),
            share: column(f.share),
            transitory: column(f.transitory),
            demand_shift: column(f.demand_shift),
            region: if self.ctx.features.regions {
                let mut region = [0; W];
                for (r, &of) in region.iter_mut().zip(&f.region[start..start + W]) {
                    *r = usize::from(of);
                }
                region
            } else {
                [0; W]
            },
            delivery: if self.ctx.features.supply {
                column(f.delivery)
            } else {
                F64s::splat(1.0)
            },
        };
        let u = firm_phase_lanes(self.ctx, &firms);
        let features = self.ctx.features;
        // the tile's columns in whole registers, a hole's places too: nothing reads the
        // columns of a hole (every pass skips sector DEAD and a compaction drops it), and a
        // store per live lane costs more than the registers (most tiles hold a hole just
        // before a compaction)
        u.a.store(f.a, start);
        u.digital.store(f.digital, start);
        u.green.store(f.green, start);
        u.data.store(f.data, start);
        u.transitory.store(f.transitory, start);
        u.demand_shift.store(f.demand_shift, start);
        u.paid.store(f.paid, start);
        u.x.store(self.weight, start);
        self.outcome[start..start + W].copy_from_slice(&u.outcome);
        if features.labour {
            u.upgrade.store(f.upgrade, start); // dd_i (M2.14)
        }
        if features.supply {
            u.delivery.store(f.delivery, start); // v_i (M2.15)
        }
        // each firm's sums in place order
        for (l, &alive) in alive.iter().enumerate() {
            if !alive {
                continue;
            }
            let s = &mut self.acc[firms.sector[l]];
            s.firms += 1;
            s.innovations += u64::from(u.innovated.0[l]);
            s.imitations += u64::from(u.imitated.0[l]);
            s.clamped += u64::from(u.clamped.0[l]);
            s.subsidy_rd += u.subsidy_rd.0[l];
            s.subsidy_digital += u.subsidy_digital.0[l];
            s.subsidy_green += u.subsidy_green.0[l];
            s.sum_a += u.a.0[l];
            if self.ctx.features.platform {
                s.contributions += u.contribution.0[l];
            }
            if self.ctx.features.regions {
                s.subsidy_backing += u.subsidy_backing.0[l];
            }
            let lift = self
                .ctx
                .features
                .platform
                .then(|| lift_of(self.ctx, firms.sector[l]));
            s.max_level = s.max_level.max(ces_level_with(
                ces_level(u.a.0[l], u.transitory.0[l], u.demand_shift.0[l]),
                lift,
            ));
            s.max_x = s.max_x.max(u.x.0[l]);
        }
    }

    /// §5.10 for places `start..start + W` ([`chunk_ces_weights`] in lanes): each firm's `x`
    /// becomes its CES weight relative to its chunk's largest level and `x`, added to its
    /// sector's sum in place order.
    #[inline(always)]
    fn ces_tile<const W: usize>(&mut self, start: usize) {
        let f = &self.firms;
        let Some((alive, sector)) = tile_sectors::<W>(f.sector, start) else {
            return;
        };
        let groups = Groups::new(sector);
        let column = |c: &[f64]| F64s::<W>::load(c, start);
        let mut level = column(f.a) + column(f.transitory) + column(f.demand_shift); // ces_level
        if self.ctx.features.platform {
            level = level + groups.gather(|j| lift_of(self.ctx, j)); // M2.4: l_j in A_i
        }
        let acc = &*self.acc;
        let weight = market::ces_weight(
            level,
            F64s::load(self.weight, start),
            groups.gather(|j| self.ctx.sectors[j].params.elasticity),
            groups.gather(|j| acc[j].max_level),
            groups.gather(|j| acc[j].max_x),
        );
        weight.store(self.weight, start); // a hole's place too (see `tile`)
        for (l, &alive) in alive.iter().enumerate() {
            if alive {
                self.acc[sector[l]].ces_sum += weight.0[l];
            }
        }
    }
}

/// §5.10: the log of a firm's demand-weighted competitiveness relative to `x_i`:
/// `exp(xi_i) c_i = exp(a_i + e_i + xi_i) x_i`, with `x_i` the data multiplier times the
/// margin.
#[inline]
pub(crate) fn ces_level(a: f64, transitory: f64, demand_shift: f64) -> f64 {
    a + transitory + demand_shift
}

/// Model 2 (platform): the CES level with the lift `l_j` of `A_i` (docs/model.md M2.4), or the
/// level itself without `platform`.
#[inline]
pub(crate) fn ces_level_with(level: f64, lift: Option<f64>) -> f64 {
    match lift {
        Some(l) => level + l,
        None => level,
    }
}

/// The lift `l_j(t-1)` of sector `j` this step.
#[inline(always)]
fn lift_of(ctx: &StepContext, j: usize) -> f64 {
    ctx.sector_steps[j].lift
}

/// §5.10: merges the chunks' CES sums of each sector into C_j, and stores in every chunk the
/// factor `(c_ref of the chunk / c_ref of the sector)^(sigma - 1) / C_j` that turns the
/// chunk's weights into CES shares (`c_ref = exp(max level) max x`, the largest possible
/// `exp(xi) c`).
pub(crate) fn merge_ces(partials: &mut [PhaseSums], ns: usize, elasticity: impl Fn(usize) -> f64) {
    for j in 0..ns {
        let sigma = elasticity(j);
        let reference = |p: &PhaseSums| p.max_level + math::ln(p.max_x);
        let max = partials
            .chunks(ns)
            .filter(|c| c[j].ces_sum > 0.0)
            .map(|c| reference(&c[j]))
            .fold(f64::NEG_INFINITY, f64::max);
        if max == f64::NEG_INFINITY {
            continue; // no firm of this sector
        }
        let mut total = 0.0;
        for chunk in partials.chunks(ns) {
            if chunk[j].ces_sum > 0.0 {
                total += chunk[j].ces_sum * market::ces_term(reference(&chunk[j]), sigma, max);
            }
        }
        for chunk in partials.chunks_mut(ns) {
            let p = &mut chunk[j];
            p.ces_factor = if p.ces_sum > 0.0 {
                market::ces_term(reference(p), sigma, max) / total
            } else {
                0.0
            };
        }
    }
}

/// §5.10 within one chunk: turns each firm's `x` (in `weight`) into its CES weight
/// `(exp(xi_i) c_i)^(sigma - 1)` relative to the chunk's largest level and `x` of its sector
/// (so no weight exceeds 1), summing them per sector.
#[inline]
pub(crate) fn chunk_ces_weights(
    firms: &FirmsChunk,
    weight: &mut [f64],
    acc: &mut [PhaseSums],
    elasticity: impl Fn(usize) -> f64,
) {
    for (i, w) in weight.iter_mut().enumerate() {
        if firms.sector[i] == DEAD {
            continue;
        }
        let j = firms.sector[i] as usize;
        let level = ces_level(firms.a[i], firms.transitory[i], firms.demand_shift[i]);
        let s = &mut acc[j];
        *w = market::ces_weight(level, *w, elasticity(j), s.max_level, s.max_x);
        s.ces_sum += *w;
    }
}

/// §5.11: the share after partial adjustment toward the CES share, from the firm's CES weight
/// (relative to its chunk) and its chunk's factor.
#[inline]
pub(crate) fn new_share(share: f64, weight: f64, p: &SectorParams, chunk: &PhaseSums) -> f64 {
    market::adjusted_share(share, p.share_adjustment, weight * chunk.ces_factor)
}

/// §5.11: a firm exits when its share falls below `exit_share / n_j`, or when its death or
/// green-standard draw hit.
#[inline]
pub(crate) fn exits(share: f64, outcome: Outcome, exit_share: f64, firms_in_sector: u64) -> bool {
    market::below_exit_share(share, exit_share, firms_in_sector) || outcome.forced_out()
}
