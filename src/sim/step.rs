//! One step of one replicate, MODEL.md §5: the order of the passes over firms.
//!
//! | pass | sections | reads | writes |
//! |---|---|---|---|
//! | firm phase | §5.1-5.9, §5.10 | firm, S(t-1) | a, d, g, D, paid, CES weight, outcome; chunk sums |
//! | exits | §5.11 | share, CES weight, outcome | chunk counts |
//! | structure | §5.12 | firms, outcomes | the next population, in place (exits leave holes, newcomers are appended); S(t) means |
//! | production | §5.13 (`observe.rs`) | new population, S(t) | shares normalised, ln A; sums, histograms |
//! | quantiles | §5.13 | sector, a, ln A | the values near each quantile |
//!
//! Every pass runs over fixed chunks of [`FIRM_CHUNK`] firms in parallel, with one partial
//! per (chunk, sector) merged in chunk order, so results do not depend on the thread count.

use rayon::prelude::*;
use std::time::Instant;

use super::Simulation;
use super::phase::{
    FirmStart, FirmUpdate, NO_SWITCH, Outcome, SectorStep, StepContext, TILE, phase_tile,
};
use super::quantiles::GroupQuantiles;
use super::reduce::{FIRM_CHUNK, Partials, ScatterSlice, chunk_count};
use crate::decomposition::TurnoverSums;
use crate::math;
use crate::model::demography::{self, TfpCondition};
use crate::model::firms::{DEAD, FirmId, FirmsMut, ORIGIN_ENTRANT, ORIGIN_SPAWNED, SectorIndex};
use crate::model::market;
use crate::model::params::SectorParams;
use crate::model::policy::{self, Levers};
use crate::rng::{BirthKey, FirmKey, Purpose};

/// Bytes the step must read and write per firm, from the layout of the passes above: firm
/// phase 106 (reads sector, birth, share, a, d, g, D; writes a, d, g, D, paid, CES weight,
/// outcome), exits 26 (reads sector, share, weight, outcome), structure 78 (reads sector,
/// share, a, d, g, D, outcome, weight; writes sector, share, previous share and origin in
/// place), production 84 (reads sector, a, d, g, D, share, paid, previous share, origin and
/// last step's ln A; writes share, ln A), quantiles 18 (reads sector, a, ln A). Used by
/// `nqpsim bench` for the effective bandwidth of the step.
pub const STEP_BYTES_PER_FIRM: usize = 106 + 26 + 78 + 84 + 18;

/// Holes left by exits are removed when they exceed one place in this many. Part of the
/// output contract (like [`FIRM_CHUNK`]): it decides where chunk boundaries fall.
pub const HOLES_PER_COMPACTION: u64 = 10;

/// Concentration of the Beta distribution of initial digital and green levels (MODEL.md §3).
pub const LEVEL_CONCENTRATION: f64 = 4.0;

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
    /// Largest a of the chunk's firms in the sector.
    pub max_a: f64,
    /// Largest x (multiplier times margin) of the chunk's firms in the sector.
    pub max_x: f64,
    /// Sum of the CES terms relative to `exp(max_a) max_x` (§5.10).
    pub ces_sum: f64,
    /// After the merge: the factor that turns the chunk's weights into CES shares.
    pub ces_factor: f64,
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
            max_a: f64::NEG_INFINITY,
            max_x: 0.0,
            ces_sum: 0.0,
            ces_factor: 0.0,
        }
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
}

/// Sums over the firms of a sector in the new population (S(t) means, share normalisation).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StateSums {
    pub firms: u64,
    pub share: f64,
    pub digital: f64,
    pub green: f64,
    pub data: f64,
    pub min_a: Option<f64>,
    pub max_a: Option<f64>,
}

impl StateSums {
    #[inline]
    pub fn add(&mut self, share: f64, a: f64, digital: f64, green: f64, data: f64) {
        self.firms += 1;
        self.share += share;
        self.digital += digital;
        self.green += green;
        self.data += data;
        self.min_a = Some(self.min_a.map_or(a, |m| m.min(a)));
        self.max_a = Some(self.max_a.map_or(a, |m| m.max(a)));
    }

    pub fn merge(&mut self, other: &StateSums) {
        self.firms += other.firms;
        self.share += other.share;
        self.digital += other.digital;
        self.green += other.green;
        self.data += other.data;
        self.min_a = match (self.min_a, other.min_a) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        self.max_a = match (self.max_a, other.max_a) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        };
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
    /// sum f (1 - g): emissions per unit of e_j Y_j.
    pub weighted_dirty: f64,
    /// sum f / A: employment per unit of Y_j.
    pub weighted_inverse_a: f64,
}

/// Flows of one step per sector, reported in its metrics row.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Flows {
    pub entries: u64,
    pub demography: DemographySums,
    pub innovations: u64,
    pub imitations: u64,
    pub clamped: u64,
    pub subsidy_rd: f64,
    pub subsidy_digital: f64,
    pub subsidy_green: f64,
    pub subsidy_entry: f64,
    pub subsidy_talent: f64,
}

/// Reusable buffers of a simulation: nothing is allocated per step once they have grown.
#[derive(Default)]
pub(crate) struct Buffers {
    /// Per firm: ln c, then the CES weight relative to the chunk's largest (§5.10).
    pub weight: Vec<f64>,
    pub outcome: Vec<Outcome>,
    pub phase: Partials<PhaseSums>,
    /// Decomposition sums of the firms that left a sector in §5.12 (closed or switched out).
    pub leavers: Partials<TurnoverSums>,
    /// Decomposition sums of the new population (survivors and entrants, production pass).
    pub turnover: Partials<TurnoverSums>,
    pub turnover_totals: Vec<TurnoverSums>,
    pub leaver_totals: Vec<TurnoverSums>,
    pub changes: Vec<crate::decomposition::SectorChange>,
    /// The parent of each firm spawned in the last step, by spawn index.
    pub spawn_parents: Vec<FirmId>,
    pub demography: Partials<DemographySums>,
    pub state: Partials<StateSums>,
    pub production: Partials<ProductionSums>,
    pub chunk_counts: Vec<(usize, usize)>,
    pub sector_steps: Vec<SectorStep>,
    pub rule_thresholds: Vec<Option<f64>>,
    pub phase_totals: Vec<PhaseSums>,
    pub demography_totals: Vec<DemographySums>,
    pub state_totals: Vec<StateSums>,
    pub production_totals: Vec<ProductionSums>,
    pub flows: Vec<Flows>,
    pub entrants: Vec<u64>,
    pub output_growth: Vec<f64>,
    pub a_quantiles: GroupQuantiles,
    pub ln_a_quantiles: GroupQuantiles,
    pub ranges: Vec<(f64, f64)>,
    pub sizes: Vec<u64>,
}

/// A newborn's draws: technology shock, digital and green levels (as at the start, §5.12).
pub(crate) fn newborn_levels(key: FirmKey, p: &SectorParams) -> (f64, f64, f64) {
    let z = key.normal(Purpose::BirthTechnology);
    let d = key
        .stream(Purpose::BirthDigital as u64)
        .beta_mean(p.digital_init, LEVEL_CONCENTRATION);
    let g = key
        .stream(Purpose::BirthGreen as u64)
        .beta_mean(p.green_init, LEVEL_CONCENTRATION);
    (z, d, g)
}

/// §5.10: merges the chunks' CES sums of each sector into C_j, and stores in every chunk the
/// factor `(c_ref of the chunk / c_ref of the sector)^(sigma - 1) / C_j` that turns the
/// chunk's weights into CES shares (`c_ref = exp(max a) max x`, the largest possible c).
pub(crate) fn merge_ces(partials: &mut [PhaseSums], ns: usize, elasticity: impl Fn(usize) -> f64) {
    for j in 0..ns {
        let sigma = elasticity(j);
        let reference = |p: &PhaseSums| p.max_a + math::ln(p.max_x);
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

/// §5.10 within one chunk: turns each firm's `x` (in `weight`) into its CES weight relative to
/// the chunk's largest `a` and `x` of its sector (so no weight exceeds 1), summing them per
/// sector.
#[inline]
pub(crate) fn chunk_ces_weights(
    sector: &[SectorIndex],
    a: &[f64],
    weight: &mut [f64],
    acc: &mut [PhaseSums],
    elasticity: impl Fn(usize) -> f64,
) {
    for ((&j, &a), w) in sector.iter().zip(a).zip(weight.iter_mut()) {
        if j == DEAD {
            continue;
        }
        let j = j as usize;
        let s = &mut acc[j];
        *w = market::ces_weight(a, *w, elasticity(j), s.max_a, s.max_x);
        s.ces_sum += *w;
    }
}

impl<'s> Simulation<'s> {
    /// Runs step `t = self.step + 1` (MODEL.md §5.1-5.13) and computes its metrics rows.
    pub(crate) fn advance(&mut self) {
        let t = self.step + 1;
        let scenario = self.scenario;
        let sectors = &scenario.sectors;
        let ns = sectors.len();
        let model = &scenario.model;
        std::mem::swap(&mut self.levers, &mut self.levers_next);
        self.levers_next = scenario.policy.at(t + 1);
        let levers: &Levers = &self.levers;
        let elasticity = |j: usize| sectors[j].params.elasticity;

        // §5.1: the budget scale b(t) from last step's capped spending; per-sector constants.
        self.budget_scale = policy::budget_scale(
            self.budget_scale,
            levers.budget_cap,
            self.capped_spending_share,
        );
        let b = &mut self.buffers;
        b.sector_steps.clear();
        for j in 0..ns {
            b.sector_steps.push(SectorStep::new(
                scenario,
                j,
                levers,
                self.budget_scale,
                &self.stats[j],
                self.output[j],
            ));
        }
        b.rule_thresholds.clear();
        for rule in &scenario.transitions {
            b.rule_thresholds.push(rule.tfp_condition.map(|c| match c {
                TfpCondition::FromMedian => self.stats[rule.from].median,
                TfpCondition::FromFrontier => self.stats[rule.from].frontier,
                TfpCondition::ToMedian => self.stats[rule.to].median,
                TfpCondition::ToFrontier => self.stats[rule.to].frontier,
            }));
        }

        // §5.1-5.10: the firm phase, then each chunk's CES weights.
        let clock = Instant::now();
        let n = self.firms.len();
        let chunks = chunk_count(n);
        let ctx = StepContext {
            key: self.run_key.step(t),
            model,
            sectors,
            sector_steps: &b.sector_steps,
            stats: &self.stats,
            spillover: &scenario.spillover,
            rules: &scenario.transitions,
            rule_thresholds: &b.rule_thresholds,
            levers,
        };
        b.weight.resize(n, 0.0);
        b.outcome.resize(n, Outcome::default());
        let acc = b.phase.reset(chunks, ns);
        let f = &mut self.firms;
        (
            f.sector.par_chunks(FIRM_CHUNK),
            f.birth.par_chunks(FIRM_CHUNK),
            f.share.par_chunks(FIRM_CHUNK),
            f.a.par_chunks_mut(FIRM_CHUNK),
            f.digital.par_chunks_mut(FIRM_CHUNK),
            f.green.par_chunks_mut(FIRM_CHUNK),
            f.data.par_chunks_mut(FIRM_CHUNK),
            f.paid.par_chunks_mut(FIRM_CHUNK),
            b.weight.par_chunks_mut(FIRM_CHUNK),
            b.outcome.par_chunks_mut(FIRM_CHUNK),
            acc.par_chunks_mut(ns),
        )
            .into_par_iter()
            .for_each(
                |(sector, birth, share, a, d, g, data_stock, paid, weight, outcome, acc)| {
                    let mut firms = [FirmStart::EMPTY; TILE];
                    let mut index = [0usize; TILE];
                    let mut updates = [FirmUpdate::EMPTY; TILE];
                    let mut next = 0;
                    loop {
                        // the next tile: up to TILE firms of the chunk still in the market
                        let mut len = 0;
                        while next < sector.len() && len < TILE {
                            let i = next;
                            next += 1;
                            if sector[i] == DEAD {
                                continue;
                            }
                            index[len] = i;
                            firms[len] = FirmStart {
                                sector: sector[i] as usize,
                                birth: birth[i],
                                a: a[i],
                                digital: d[i],
                                green: g[i],
                                data: data_stock[i],
                                share: share[i],
                            };
                            len += 1;
                        }
                        if len == 0 {
                            break;
                        }
                        phase_tile(&ctx, &firms[..len], &mut updates);
                        for (k, u) in updates[..len].iter().enumerate() {
                            let i = index[k];
                            a[i] = u.a;
                            d[i] = u.digital;
                            g[i] = u.green;
                            data_stock[i] = u.data;
                            paid[i] = u.paid;
                            weight[i] = u.x;
                            outcome[i] = u.outcome;
                            let s = &mut acc[firms[k].sector];
                            s.firms += 1;
                            s.innovations += u64::from(u.innovated);
                            s.imitations += u64::from(u.imitated);
                            s.clamped += u64::from(u.clamped);
                            s.subsidy_rd += u.subsidy_rd;
                            s.subsidy_digital += u.subsidy_digital;
                            s.subsidy_green += u.subsidy_green;
                            s.sum_a += u.a;
                            s.max_a = s.max_a.max(u.a);
                            s.max_x = s.max_x.max(u.x);
                        }
                    }
                    chunk_ces_weights(sector, a, weight, acc, elasticity);
                },
            );
        merge_ces(b.phase.as_mut_slice(), ns, elasticity);
        b.phase_totals.clear();
        b.phase_totals.resize(ns, PhaseSums::default());
        b.phase.merge_into(ns, &mut b.phase_totals, |_, t, p| {
            t.firms += p.firms;
            t.innovations += p.innovations;
            t.imitations += p.imitations;
            t.clamped += p.clamped;
            t.subsidy_rd += p.subsidy_rd;
            t.subsidy_digital += p.subsidy_digital;
            t.subsidy_green += p.subsidy_green;
            t.sum_a += p.sum_a;
        });

        self.timings.phase += clock.elapsed();
        let clock = Instant::now();

        // §5.11: shares move toward the CES share; who exits (counted here, applied in §5.12).
        let stats = &self.stats;
        let rules = &scenario.transitions;
        let phase = b.phase.as_slice();
        let acc = b.demography.reset(chunks, ns);
        b.chunk_counts.clear();
        b.chunk_counts.resize(chunks, (0, 0));
        (
            f.sector.par_chunks(FIRM_CHUNK),
            f.share.par_chunks(FIRM_CHUNK),
            b.weight.par_chunks(FIRM_CHUNK),
            b.outcome.par_chunks(FIRM_CHUNK),
            phase.par_chunks(ns),
            acc.par_chunks_mut(ns),
            b.chunk_counts.par_iter_mut(),
        )
            .into_par_iter()
            .for_each(|(sector, share, weight, outcome, phase, acc, counts)| {
                for i in 0..sector.len() {
                    if sector[i] == DEAD {
                        continue;
                    }
                    let j = sector[i] as usize;
                    let o = outcome[i];
                    let share = new_share(share[i], weight[i], &sectors[j].params, &phase[j]);
                    if exits(share, o, model.exit_share, stats[j].firms) {
                        acc[j].exits += 1;
                        acc[j].standard_exits += u64::from(o.flags & Outcome::STANDARD != 0);
                        continue;
                    }
                    if o.switch_to != NO_SWITCH {
                        acc[j].switches_out += 1;
                        acc[o.switch_to as usize].switches_in += 1;
                    }
                    let mut mask = o.spawns;
                    while mask != 0 {
                        let r = mask.trailing_zeros() as usize;
                        mask &= mask - 1;
                        acc[rules[r].to].spawns += 1;
                        counts.1 += 1;
                    }
                }
            });
        b.demography_totals.clear();
        b.demography_totals.resize(ns, DemographySums::default());
        b.demography
            .merge_into(ns, &mut b.demography_totals, |_, t, p| {
                t.exits += p.exits;
                t.standard_exits += p.standard_exits;
                t.switches_out += p.switches_out;
                t.switches_in += p.switches_in;
                t.spawns += p.spawns;
            });
        self.timings.exits += clock.elapsed();
        let clock = Instant::now();

        // §5.12: entrant counts, Poisson(entry_rate_j n_j (1 + s_entry_j)), a sector-level draw.
        b.entrants.clear();
        for (j, sector) in sectors.iter().enumerate() {
            let mean = demography::expected_entrants(
                sector.params.entry_rate,
                self.stats[j].firms,
                levers.entry_subsidy[j],
            );
            b.entrants
                .push(ctx.key.sector(j, Purpose::EntryCount).poisson(mean));
        }

        // §5.12: the next population, in place. An exiting firm leaves a hole (sector DEAD,
        // skipped by every pass, removed when holes pile up); a switcher changes its sector
        // where it stands; spawned firms follow the last firm, in parent order (rules in listed
        // order), then entrants by sector and slot. Ids follow that order, so storage order is
        // id order. The sums behind the means of S(t) are taken on the way.
        let spawned: usize = b.chunk_counts.iter().map(|c| c.1).sum();
        let entrants: usize = b.entrants.iter().sum::<u64>() as usize;
        let mut next_spawn = 0;
        for c in b.chunk_counts.iter_mut() {
            let p = c.1;
            c.1 = next_spawn;
            next_spawn += p;
        }
        let newcomer_share = |j: usize| {
            let n = self.stats[j].firms;
            if n > 0 { 1.0 / n as f64 } else { 1.0 } // into an empty sector: equal shares
        };
        let next_id = self.next_id;
        self.spawn_first_id = next_id;
        let step_key = ctx.key;
        let state = b.state.reset(chunks + 1, ns);
        let (state, entrant_state) = state.split_at_mut(chunks * ns);
        let leavers = b.leavers.reset(chunks, ns);
        b.spawn_parents.clear();
        b.spawn_parents.resize(spawned, FirmId(0));
        let parents = ScatterSlice::new(&mut b.spawn_parents);
        let f = &mut self.firms;
        f.resize(n + spawned + entrants);
        {
            let (head, tail) = f.split_at_mut(n);
            let w = FirmsWriter::new(tail);
            (
                head.sector.par_chunks_mut(FIRM_CHUNK),
                head.share.par_chunks_mut(FIRM_CHUNK),
                head.birth.par_chunks(FIRM_CHUNK),
                head.a.par_chunks(FIRM_CHUNK),
                head.digital.par_chunks(FIRM_CHUNK),
                head.green.par_chunks(FIRM_CHUNK),
                head.data.par_chunks(FIRM_CHUNK),
                b.outcome.par_chunks(FIRM_CHUNK),
                b.weight.par_chunks(FIRM_CHUNK),
                phase.par_chunks(ns),
                (state.par_chunks_mut(ns), b.chunk_counts.par_iter()),
                (
                    head.ln_a.par_chunks(FIRM_CHUNK),
                    head.prev_share.par_chunks_mut(FIRM_CHUNK),
                    head.origin.par_chunks_mut(FIRM_CHUNK),
                    leavers.par_chunks_mut(ns),
                    head.id.par_chunks(FIRM_CHUNK),
                ),
            )
                .into_par_iter()
                .for_each(
                    |(
                        sector,
                        share,
                        birth,
                        a,
                        d,
                        g,
                        data_stock,
                        outcome,
                        weight,
                        phase,
                        (state, &(_, mut spawn_at)),
                        (ln_a, prev_share, origin, leavers, ids),
                    )| {
                        for i in 0..sector.len() {
                            if sector[i] == DEAD {
                                continue;
                            }
                            let j = sector[i] as usize;
                            let o = outcome[i];
                            // what the decompositions compare with: the end of step t - 1
                            prev_share[i] = share[i];
                            origin[i] = sector[i];
                            let new = new_share(share[i], weight[i], &sectors[j].params, &phase[j]);
                            if exits(new, o, model.exit_share, stats[j].firms) {
                                leavers[j].died.add(share[i], ln_a[i]);
                                sector[i] = DEAD;
                                share[i] = 0.0;
                                continue;
                            }
                            if o.switch_to != NO_SWITCH {
                                leavers[j].switched_out.add(share[i], ln_a[i]);
                                sector[i] = o.switch_to;
                                share[i] = newcomer_share(o.switch_to as usize);
                            } else {
                                share[i] = new;
                            }
                            state[sector[i] as usize].add(
                                share[i],
                                a[i],
                                d[i],
                                g[i],
                                data_stock[i],
                            );
                            let mut mask = o.spawns;
                            while mask != 0 {
                                let r = mask.trailing_zeros() as usize;
                                mask &= mask - 1;
                                let to = rules[r].to;
                                let child = BirthKey::spawned(birth[i], t, r);
                                let sd = sectors[to].params.spawn_tfp_sd;
                                let a = a[i]
                                    + sd * step_key.firm(child).normal(Purpose::SpawnTechnology);
                                let id = FirmId(next_id + spawn_at as u64);
                                let share = newcomer_share(to);
                                // SAFETY: `spawn_at` runs over this chunk's own spawn range.
                                unsafe {
                                    parents.write(spawn_at, ids[i]);
                                    w.write(
                                        spawn_at,
                                        NewFirm {
                                            id,
                                            birth: child,
                                            born: t,
                                            sector: to as SectorIndex,
                                            a,
                                            digital: d[i],
                                            green: g[i],
                                            share,
                                            origin: ORIGIN_SPAWNED,
                                        },
                                    );
                                }
                                state[to].add(share, a, d[i], g[i], 0.0);
                                spawn_at += 1;
                            }
                        }
                    },
                );
            let entrant_ids = next_id + spawned as u64;
            let counts = &b.entrants;
            let phase_totals = &b.phase_totals;
            (0..entrants)
                .into_par_iter()
                .with_min_len(FIRM_CHUNK)
                .for_each(|e| {
                    let (mut j, mut slot) = (0, e as u64);
                    while slot >= counts[j] {
                        slot -= counts[j];
                        j += 1;
                    }
                    let p = &sectors[j].params;
                    let birth = BirthKey::entrant(t, j, slot);
                    let (z, d, g) = newborn_levels(step_key.firm(birth), p);
                    // abar_j: mean a of all firms in j this step after §5.3a, exiting ones included
                    let mean_a = phase_totals[j].sum_a / phase_totals[j].firms as f64;
                    let a = mean_a + p.entry_tfp_gap + p.tfp_sd * z;
                    let share = p.entry_size / self.stats[j].firms as f64;
                    // SAFETY: each entrant index is written once.
                    unsafe {
                        w.write(
                            spawned + e,
                            NewFirm {
                                id: FirmId(entrant_ids + e as u64),
                                birth,
                                born: t,
                                sector: j as SectorIndex,
                                a,
                                digital: d,
                                green: g,
                                share,
                                origin: ORIGIN_ENTRANT,
                            },
                        );
                    }
                });
        }
        // The entrants' sums, in storage order (a short sequential pass).
        for i in n + spawned..f.len() {
            let j = f.sector[i] as usize;
            entrant_state[j].add(f.share[i], f.a[i], f.digital[i], f.green[i], f.data[i]);
        }
        self.next_id += (spawned + entrants) as u64;
        b.state_totals.clear();
        b.state_totals.resize(ns, StateSums::default());
        b.state
            .merge_into(ns, &mut b.state_totals, |_, t, p| t.merge(p));
        // Holes are removed once they are a tenth of the places (a sequential pass, rare).
        let alive: u64 = b.state_totals.iter().map(|s| s.firms).sum();
        if (f.len() as u64 - alive) * HOLES_PER_COMPACTION > f.len() as u64 {
            f.compact();
        }
        self.timings.structure += clock.elapsed();

        // Flows and fiscal accounting of the step (MODEL.md §5.13, fiscal).
        b.flows.clear();
        for (j, sector) in sectors.iter().enumerate() {
            let p = &sector.params;
            let ph = &b.phase_totals[j];
            b.flows.push(Flows {
                entries: b.entrants[j],
                demography: b.demography_totals[j],
                innovations: ph.innovations,
                imitations: ph.imitations,
                clamped: ph.clamped,
                subsidy_rd: ph.subsidy_rd,
                subsidy_digital: ph.subsidy_digital,
                subsidy_green: ph.subsidy_green,
                subsidy_entry: levers.entry_subsidy[j]
                    * p.entry_rate
                    * model.entry_cost
                    * self.output[j],
                subsidy_talent: levers.talent[j] * model.talent_cost * self.output[j],
            });
        }
        let capped: f64 = b
            .flows
            .iter()
            .map(|f| f.subsidy_rd + f.subsidy_digital + f.subsidy_green)
            .sum();
        let previous_total: f64 = self.output.iter().sum();
        self.capped_spending_share = if previous_total > 0.0 {
            capped / previous_total
        } else {
            0.0
        };

        self.observe(t);
        self.step = t;
    }
}

/// §5.11: the share after partial adjustment toward the CES share, from the firm's CES weight
/// (relative to its chunk) and its chunk's factor.
#[inline]
fn new_share(share: f64, weight: f64, p: &SectorParams, chunk: &PhaseSums) -> f64 {
    market::adjusted_share(share, p.share_adjustment, weight * chunk.ces_factor)
}

/// §5.11: a firm exits when its share falls below `exit_share / n_j`, or when its death or
/// green-standard draw hit.
#[inline]
fn exits(share: f64, outcome: Outcome, exit_share: f64, firms_in_sector: u64) -> bool {
    market::below_exit_share(share, exit_share, firms_in_sector) || outcome.forced_out()
}

/// A firm born in step t, as written into the next population.
struct NewFirm {
    id: FirmId,
    birth: BirthKey,
    born: u32,
    sector: SectorIndex,
    a: f64,
    digital: f64,
    green: f64,
    share: f64,
    /// [`ORIGIN_ENTRANT`] or [`ORIGIN_SPAWNED`].
    origin: SectorIndex,
}

/// Writes whole firms into the next population at disjoint positions.
struct FirmsWriter<'a> {
    id: ScatterSlice<'a, FirmId>,
    birth: ScatterSlice<'a, BirthKey>,
    born: ScatterSlice<'a, u32>,
    sector: ScatterSlice<'a, SectorIndex>,
    a: ScatterSlice<'a, f64>,
    digital: ScatterSlice<'a, f64>,
    green: ScatterSlice<'a, f64>,
    data: ScatterSlice<'a, f64>,
    share: ScatterSlice<'a, f64>,
    paid: ScatterSlice<'a, f64>,
    ln_a: ScatterSlice<'a, f64>,
    prev_share: ScatterSlice<'a, f64>,
    origin: ScatterSlice<'a, SectorIndex>,
}

impl<'a> FirmsWriter<'a> {
    fn new(f: FirmsMut<'a>) -> Self {
        FirmsWriter {
            id: ScatterSlice::new(f.id),
            birth: ScatterSlice::new(f.birth),
            born: ScatterSlice::new(f.born),
            sector: ScatterSlice::new(f.sector),
            a: ScatterSlice::new(f.a),
            digital: ScatterSlice::new(f.digital),
            green: ScatterSlice::new(f.green),
            data: ScatterSlice::new(f.data),
            share: ScatterSlice::new(f.share),
            paid: ScatterSlice::new(f.paid),
            ln_a: ScatterSlice::new(f.ln_a),
            prev_share: ScatterSlice::new(f.prev_share),
            origin: ScatterSlice::new(f.origin),
        }
    }

    /// Writes a newborn: no data stock, nothing paid yet, no previous share; ln A follows in
    /// the production pass.
    ///
    /// # Safety
    /// Each `index` is written once while the writer lives (see [`ScatterSlice::write`]).
    #[inline]
    unsafe fn write(&self, index: usize, firm: NewFirm) {
        // SAFETY: forwarded from the caller.
        unsafe {
            self.id.write(index, firm.id);
            self.birth.write(index, firm.birth);
            self.born.write(index, firm.born);
            self.sector.write(index, firm.sector);
            self.a.write(index, firm.a);
            self.digital.write(index, firm.digital);
            self.green.write(index, firm.green);
            self.data.write(index, 0.0);
            self.share.write(index, firm.share);
            self.paid.write(index, 0.0);
            self.ln_a.write(index, f64::NAN);
            self.prev_share.write(index, 0.0);
            self.origin.write(index, firm.origin);
        }
    }
}
