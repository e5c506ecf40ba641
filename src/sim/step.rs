//! One step of one replicate, MODEL.md §5: the order of the passes over firms.
//!
//! | pass | sections | reads | writes |
//! |---|---|---|---|
//! | firm phase | §5.1-5.9 | firm, S(t-1) | a, d, g, D, paid, ln c, outcome; chunk sums |
//! | shares | §5.10-5.11 | ln c, C_j | f, exit flag; chunk counts |
//! | structure | §5.12 | firms, outcomes | the next population (compacted, appended) |
//! | statistics | §5.13 | new population | S(t), normalised shares, grouped a |
//! | production | §5.13 | new population, S(t) | output, employment, emissions, metrics |
//!
//! Every pass runs over fixed chunks of [`FIRM_CHUNK`] firms in parallel, with one partial
//! per (chunk, sector) merged in chunk order, so results do not depend on the thread count.

use rayon::prelude::*;

use super::Simulation;
use super::phase::{FirmStart, NO_SWITCH, Outcome, SectorStep, StepContext, firm_phase};
use super::reduce::{FIRM_CHUNK, Partials, ScatterSlice, chunk_count};
use super::rng::{BirthKey, FirmKey, Purpose};
use crate::math;
use crate::metrics::{MetricsRow, RowSector};
use crate::model::demography::{self, TfpCondition};
use crate::model::firms::{FirmId, Firms, SectorIndex};
use crate::model::market::{self, CesSum};
use crate::model::params::SectorParams;
use crate::model::policy::{self, Levers};
use crate::model::stats::{SectorStats, quantiles};
use crate::model::{data, production};
use crate::scenario::Scenario;

/// Concentration of the Beta distribution of initial digital and green levels (MODEL.md §3).
pub const LEVEL_CONCENTRATION: f64 = 4.0;

/// Chunk sums of the firm phase, per sector of the firm at the start of the step.
#[derive(Clone, Copy, Debug, Default)]
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
    pub ces: CesSum,
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

/// Chunk sums of the new population per sector.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StateSums {
    pub firms: u64,
    pub share: f64,
    pub digital: f64,
    pub green: f64,
    pub data: f64,
}

/// Chunk sums of the production pass per sector.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ProductionSums {
    /// sum f ln c: ln Cbar_j.
    pub weighted_ln_c: f64,
    /// sum f ln A: tfp.
    pub weighted_ln_a: f64,
    /// sum ln A.
    pub ln_a: f64,
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
    pub next: Firms,
    pub ln_c: Vec<f64>,
    pub outcome: Vec<Outcome>,
    pub phase: Partials<PhaseSums>,
    pub demography: Partials<DemographySums>,
    pub state: Partials<StateSums>,
    pub production: Partials<ProductionSums>,
    pub chunk_counts: Vec<(usize, usize)>,
    pub cursors: Vec<usize>,
    pub cursors_copy: Vec<usize>,
    pub grouped_a: Vec<f64>,
    pub grouped_ln_a: Vec<f64>,
    pub sector_steps: Vec<SectorStep>,
    pub rule_thresholds: Vec<Option<f64>>,
    pub phase_totals: Vec<PhaseSums>,
    pub demography_totals: Vec<DemographySums>,
    pub state_totals: Vec<StateSums>,
    pub production_totals: Vec<ProductionSums>,
    pub flows: Vec<Flows>,
    pub entrants: Vec<u64>,
    pub output_growth: Vec<f64>,
}

/// A newborn's draws: technology shock, digital and green levels (as at the start, §5.12).
fn newborn_levels(key: FirmKey, p: &SectorParams) -> (f64, f64, f64) {
    let z = key.normal(Purpose::BirthTechnology);
    let d = key
        .stream(Purpose::BirthDigital as u64)
        .beta_mean(p.digital_init, LEVEL_CONCENTRATION);
    let g = key
        .stream(Purpose::BirthGreen as u64)
        .beta_mean(p.green_init, LEVEL_CONCENTRATION);
    (z, d, g)
}

impl<'s> Simulation<'s> {
    /// MODEL.md §5, end: the initial population, its CES shares and demand scales, and the
    /// step-0 metrics.
    pub(crate) fn initialise(&mut self) {
        let scenario = self.scenario;
        let model = &scenario.model;
        let shares: Vec<f64> = scenario
            .sectors
            .iter()
            .map(|s| s.params.firm_share)
            .collect();
        let counts = demography::initial_counts(scenario.run.firms, &shares);
        let n = counts.iter().sum::<u64>() as usize;
        let key = self.run_key.step(0);
        let f = &mut self.firms;
        f.resize(n);
        let mut sector_of = Vec::with_capacity(n);
        for (j, &c) in counts.iter().enumerate() {
            sector_of.extend(std::iter::repeat_n(j as SectorIndex, c as usize));
        }
        f.sector.copy_from_slice(&sector_of);
        let sectors = &scenario.sectors;
        (
            f.id.par_iter_mut(),
            f.birth.par_iter_mut(),
            f.born.par_iter_mut(),
            f.sector.par_iter(),
            f.a.par_iter_mut(),
            f.digital.par_iter_mut(),
            f.green.par_iter_mut(),
            f.data.par_iter_mut(),
            f.paid.par_iter_mut(),
        )
            .into_par_iter()
            .enumerate()
            .with_min_len(FIRM_CHUNK)
            .for_each(|(i, (id, birth, born, &j, a, d, g, data_stock, paid))| {
                let p = &sectors[j as usize].params;
                *id = FirmId(i as u64);
                *birth = BirthKey::initial(i as u64);
                *born = 0;
                let (z, digital, green) = newborn_levels(key.firm(*birth), p);
                *a = p.tfp_mean + p.tfp_sd * z;
                *d = digital;
                *g = green;
                *data_stock =
                    data::steady_state(p.data_generation, digital, model.data_depreciation);
                *paid = 0.0;
            });
        self.next_id = n as u64;

        // S(0) first: the data multiplier reads the sector mean data stock Dbar_j(0).
        f.share.iter_mut().for_each(|s| *s = 1.0);
        self.compute_statistics(0);

        // Initial shares: the CES shares of initial competitiveness (§5.7-5.8, nothing paid).
        let ns = self.scenario.sectors.len();
        let levers = &self.levers[0];
        let stats = &self.stats;
        let b = &mut self.buffers;
        b.ln_c.resize(n, 0.0);
        let acc = b.phase.reset(chunk_count(n), ns);
        (
            self.firms.sector.par_chunks(FIRM_CHUNK),
            self.firms.a.par_chunks(FIRM_CHUNK),
            self.firms.digital.par_chunks(FIRM_CHUNK),
            self.firms.green.par_chunks(FIRM_CHUNK),
            self.firms.data.par_chunks(FIRM_CHUNK),
            b.ln_c.par_chunks_mut(FIRM_CHUNK),
            acc.par_chunks_mut(ns),
        )
            .into_par_iter()
            .for_each(|(sector, a, d, g, data_stock, ln_c, acc)| {
                for i in 0..sector.len() {
                    let j = sector[i] as usize;
                    let p = &sectors[j].params;
                    let shared = levers.data_openness * stats[j].data_mean;
                    let ln_a = a[i]
                        + math::ln(data::multiplier(
                            p.data_productivity,
                            d[i],
                            data_stock[i],
                            shared,
                        ));
                    let burden = market::burden(
                        p.rd_intensity,
                        0.0,
                        levers.carbon_price,
                        p.emission_intensity,
                        g[i],
                    );
                    let (x, clamped) = market::ln_competitiveness(ln_a, burden, model.min_margin);
                    ln_c[i] = x;
                    acc[j].ces.add(x, p.elasticity);
                    acc[j].clamped += u64::from(clamped);
                }
            });
        b.phase_totals.resize(ns, PhaseSums::default());
        b.phase.merge_into(ns, &mut b.phase_totals, |j, t, p| {
            t.ces.merge(&p.ces, sectors[j].params.elasticity);
            t.clamped += p.clamped;
        });
        let totals = &b.phase_totals;
        (
            self.firms.sector.par_iter(),
            self.firms.share.par_iter_mut(),
            b.ln_c.par_iter(),
        )
            .into_par_iter()
            .with_min_len(FIRM_CHUNK)
            .for_each(|(&j, share, &x)| {
                let j = j as usize;
                *share = totals[j].ces.share_of(x, sectors[j].params.elasticity);
            });
        b.flows.clear();
        b.flows.resize(ns, Flows::default());
        for (flow, total) in b.flows.iter_mut().zip(&b.phase_totals) {
            flow.clamped = total.clamped;
        }
        self.demand = vec![f64::NAN; ns]; // set from Cbar_j(0) in `observe`
        self.output = vec![0.0; ns];
        self.observe(0);
    }

    /// Runs step `t = self.step + 1` (MODEL.md §5.1-5.13) and computes its metrics rows.
    pub(crate) fn advance(&mut self) {
        let t = self.step + 1;
        let scenario = self.scenario;
        let sectors = &scenario.sectors;
        let ns = sectors.len();
        let model = &scenario.model;
        let levers: &Levers = &self.levers[t as usize];

        // §5.1: the budget scale b(t) from last step's capped spending.
        self.budget_scale = policy::budget_scale(
            self.budget_scale,
            levers.budget_cap,
            self.capped_spending_share,
        );
        let b = &mut self.buffers;
        b.sector_steps.clear();
        for (j, sector) in sectors.iter().enumerate() {
            let p = &sector.params;
            b.sector_steps.push(SectorStep {
                rd_subsidy: self.budget_scale * levers.rd_subsidy[j],
                digital_subsidy: self.budget_scale * levers.digital_subsidy[j],
                green_subsidy: self.budget_scale * levers.green_subsidy[j],
                talent: levers.talent[j],
                imitation_total: scenario.spillover.row(j).iter().sum(),
                shared_data: levers.data_openness * self.stats[j].data_mean,
                green_benefit: crate::model::green::benefit(
                    levers.carbon_price,
                    p.emission_intensity,
                    model.upgrade_step,
                ),
                output_previous: self.output[j],
                green_standard: levers.green_standard[j],
            });
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

        // §5.1-5.9: the firm phase.
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
        b.ln_c.resize(n, 0.0);
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
            b.ln_c.par_chunks_mut(FIRM_CHUNK),
            b.outcome.par_chunks_mut(FIRM_CHUNK),
            acc.par_chunks_mut(ns),
        )
            .into_par_iter()
            .for_each(
                |(sector, birth, share, a, d, g, data_stock, paid, ln_c, outcome, acc)| {
                    for i in 0..sector.len() {
                        let j = sector[i] as usize;
                        let u = firm_phase(
                            &ctx,
                            FirmStart {
                                sector: j,
                                birth: birth[i],
                                a: a[i],
                                digital: d[i],
                                green: g[i],
                                data: data_stock[i],
                                share: share[i],
                            },
                        );
                        a[i] = u.a;
                        d[i] = u.digital;
                        g[i] = u.green;
                        data_stock[i] = u.data;
                        paid[i] = u.paid;
                        ln_c[i] = u.ln_c;
                        outcome[i] = u.outcome;
                        let s = &mut acc[j];
                        s.firms += 1;
                        s.innovations += u64::from(u.innovated);
                        s.imitations += u64::from(u.imitated);
                        s.clamped += u64::from(u.clamped);
                        s.subsidy_rd += u.subsidy_rd;
                        s.subsidy_digital += u.subsidy_digital;
                        s.subsidy_green += u.subsidy_green;
                        s.sum_a += u.a;
                        s.ces.add(u.ln_c, ctx.sectors[j].params.elasticity);
                    }
                },
            );
        b.phase_totals.resize(ns, PhaseSums::default());
        b.phase.merge_into(ns, &mut b.phase_totals, |j, t, p| {
            t.firms += p.firms;
            t.innovations += p.innovations;
            t.imitations += p.imitations;
            t.clamped += p.clamped;
            t.subsidy_rd += p.subsidy_rd;
            t.subsidy_digital += p.subsidy_digital;
            t.subsidy_green += p.subsidy_green;
            t.sum_a += p.sum_a;
            t.ces.merge(&p.ces, sectors[j].params.elasticity);
        });

        // §5.10-5.11: shares move toward the CES share; exits.
        let totals = &b.phase_totals;
        let stats = &self.stats;
        let rules = &scenario.transitions;
        let acc = b.demography.reset(chunks, ns);
        b.chunk_counts.clear();
        b.chunk_counts.resize(chunks, (0, 0));
        (
            f.sector.par_chunks(FIRM_CHUNK),
            f.share.par_chunks_mut(FIRM_CHUNK),
            b.ln_c.par_chunks(FIRM_CHUNK),
            b.outcome.par_chunks_mut(FIRM_CHUNK),
            acc.par_chunks_mut(ns),
            b.chunk_counts.par_iter_mut(),
        )
            .into_par_iter()
            .for_each(|(sector, share, ln_c, outcome, acc, counts)| {
                for i in 0..sector.len() {
                    let j = sector[i] as usize;
                    let p = &sectors[j].params;
                    let ces_share = totals[j].ces.share_of(ln_c[i], p.elasticity);
                    share[i] = market::adjusted_share(share[i], p.share_adjustment, ces_share);
                    let o = &mut outcome[i];
                    let exits =
                        market::below_exit_share(share[i], model.exit_share, stats[j].firms)
                            || o.flags & (Outcome::DEATH | Outcome::STANDARD) != 0;
                    if exits {
                        o.flags |= Outcome::EXIT;
                        acc[j].exits += 1;
                        acc[j].standard_exits += u64::from(o.flags & Outcome::STANDARD != 0);
                        continue;
                    }
                    counts.0 += 1;
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
        b.demography_totals.resize(ns, DemographySums::default());
        b.demography
            .merge_into(ns, &mut b.demography_totals, |_, t, p| {
                t.exits += p.exits;
                t.standard_exits += p.standard_exits;
                t.switches_out += p.switches_out;
                t.switches_in += p.switches_in;
                t.spawns += p.spawns;
            });

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

        // §5.12: the next population. Survivors keep their order (switchers in place), then
        // spawned firms in parent order (rules in listed order), then entrants by sector and
        // slot; ids follow that order, so storage order is id order.
        let survivors: usize = b.chunk_counts.iter().map(|c| c.0).sum();
        let spawned: usize = b.chunk_counts.iter().map(|c| c.1).sum();
        let entrants: usize = b.entrants.iter().sum::<u64>() as usize;
        let (mut next_survivor, mut next_spawn) = (0, survivors);
        for c in b.chunk_counts.iter_mut() {
            let (s, p) = *c;
            *c = (next_survivor, next_spawn);
            next_survivor += s;
            next_spawn += p;
        }
        let newcomer_share = |j: usize| {
            let n = self.stats[j].firms;
            if n > 0 { 1.0 / n as f64 } else { 1.0 } // into an empty sector: equal shares
        };
        let next_id = self.next_id;
        let step_key = ctx.key;
        {
            let next = &mut b.next;
            next.resize(survivors + spawned + entrants);
            let w = FirmsWriter::new(next);
            let f = &self.firms;
            b.outcome
                .par_chunks(FIRM_CHUNK)
                .zip(b.chunk_counts.par_iter())
                .enumerate()
                .for_each(|(c, (outcome, &(mut at, mut spawn_at)))| {
                    let start = c * FIRM_CHUNK;
                    for (k, o) in outcome.iter().enumerate() {
                        if o.exits() {
                            continue;
                        }
                        let i = start + k;
                        let switched = o.switch_to != NO_SWITCH;
                        let sector = if switched { o.switch_to } else { f.sector[i] };
                        let share = if switched {
                            newcomer_share(sector as usize)
                        } else {
                            f.share[i]
                        };
                        // SAFETY: `at` runs over this chunk's own survivor range.
                        unsafe {
                            w.write(
                                at,
                                f.id[i],
                                f.birth[i],
                                f.born[i],
                                sector,
                                f.a[i],
                                f.digital[i],
                                f.green[i],
                                f.data[i],
                                share,
                                f.paid[i],
                            );
                        }
                        at += 1;
                        let mut mask = o.spawns;
                        while mask != 0 {
                            let r = mask.trailing_zeros() as usize;
                            mask &= mask - 1;
                            let to = rules[r].to;
                            let birth = BirthKey::spawned(f.birth[i], t, r);
                            let sd = sectors[to].params.spawn_tfp_sd;
                            let a =
                                f.a[i] + sd * step_key.firm(birth).normal(Purpose::SpawnTechnology);
                            let id = FirmId(next_id + (spawn_at - survivors) as u64);
                            // SAFETY: `spawn_at` runs over this chunk's own spawn range.
                            unsafe {
                                w.write(
                                    spawn_at,
                                    id,
                                    birth,
                                    t,
                                    to as SectorIndex,
                                    a,
                                    f.digital[i],
                                    f.green[i],
                                    0.0,
                                    newcomer_share(to),
                                    0.0,
                                );
                            }
                            spawn_at += 1;
                        }
                    }
                });
            let first_entrant = survivors + spawned;
            let entrant_ids = next_id + spawned as u64;
            let counts = &b.entrants;
            let phase = &b.phase_totals;
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
                    let n_j = self.stats[j].firms;
                    let birth = BirthKey::entrant(t, j, slot);
                    let (z, d, g) = newborn_levels(step_key.firm(birth), p);
                    // abar_j: mean a of all firms in j this step after §5.3a, exiting ones included
                    let mean_a = phase[j].sum_a / phase[j].firms as f64;
                    let a = mean_a + p.entry_tfp_gap + p.tfp_sd * z;
                    let share = p.entry_size / n_j as f64;
                    // SAFETY: each entrant index is written once.
                    unsafe {
                        w.write(
                            first_entrant + e,
                            FirmId(entrant_ids + e as u64),
                            birth,
                            t,
                            j as SectorIndex,
                            a,
                            d,
                            g,
                            0.0,
                            share,
                            0.0,
                        );
                    }
                });
        }
        std::mem::swap(&mut self.firms, &mut b.next);
        self.next_id += (spawned + entrants) as u64;

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

        self.compute_statistics(t);
        self.observe(t);
        self.step = t;
    }

    /// §5.13, first part: S(t) from the new population, and shares renormalised to sum to 1
    /// in each sector. Fills `grouped_a` with each sector's `a` values, sector after sector.
    fn compute_statistics(&mut self, t: u32) {
        let sectors = &self.scenario.sectors;
        let ns = sectors.len();
        let n = self.firms.len();
        let chunks = chunk_count(n);
        let b = &mut self.buffers;
        let f = &mut self.firms;
        let acc = b.state.reset(chunks, ns);
        (
            f.sector.par_chunks(FIRM_CHUNK),
            f.share.par_chunks(FIRM_CHUNK),
            f.digital.par_chunks(FIRM_CHUNK),
            f.green.par_chunks(FIRM_CHUNK),
            f.data.par_chunks(FIRM_CHUNK),
            acc.par_chunks_mut(ns),
        )
            .into_par_iter()
            .for_each(|(sector, share, d, g, data_stock, acc)| {
                for i in 0..sector.len() {
                    let s = &mut acc[sector[i] as usize];
                    s.firms += 1;
                    s.share += share[i];
                    s.digital += d[i];
                    s.green += g[i];
                    s.data += data_stock[i];
                }
            });
        b.state_totals.resize(ns, StateSums::default());
        b.state.merge_into(ns, &mut b.state_totals, |_, t, p| {
            t.firms += p.firms;
            t.share += p.share;
            t.digital += p.digital;
            t.green += p.green;
            t.data += p.data;
        });
        group_positions(b.state.as_slice(), &b.state_totals, ns, &mut b.cursors);

        // Renormalise shares (§5.12) and group a by sector for the quantiles.
        b.grouped_a.resize(n, 0.0);
        b.cursors_copy.clone_from(&b.cursors);
        let totals = &b.state_totals;
        {
            let grouped = ScatterSlice::new(&mut b.grouped_a);
            (
                f.sector.par_chunks(FIRM_CHUNK),
                f.share.par_chunks_mut(FIRM_CHUNK),
                f.a.par_chunks(FIRM_CHUNK),
                b.cursors_copy.par_chunks_mut(ns),
            )
                .into_par_iter()
                .for_each(|(sector, share, a, cursor)| {
                    for i in 0..sector.len() {
                        let j = sector[i] as usize;
                        let total = &totals[j];
                        share[i] = if total.share > 0.0 {
                            share[i] / total.share
                        } else {
                            1.0 / total.firms as f64
                        };
                        // SAFETY: cursors start at disjoint per-(chunk, sector) ranges.
                        unsafe { grouped.write(cursor[j], a[i]) };
                        cursor[j] += 1;
                    }
                });
        }

        // S(t): quantiles of a and means, per sector. The targeting thresholds use the quantile
        // in force in the step that reads them (t + 1).
        let next_levers = &self.levers[((t + 1) as usize).min(self.levers.len() - 1)];
        let tq = next_levers.targeting_quantile;
        let q = self.scenario.model.frontier_quantile;
        let mut start = 0;
        for (j, total) in b.state_totals.iter().enumerate() {
            let count = total.firms as usize;
            let stats = &mut self.stats[j];
            stats.firms = total.firms;
            if count > 0 {
                let mut out = [0.0; 4];
                quantiles(
                    &mut b.grouped_a[start..start + count],
                    &[q, 0.5, tq, 1.0 - tq],
                    &mut out,
                );
                let m = count as f64;
                *stats = SectorStats {
                    firms: total.firms,
                    frontier: out[0],
                    median: out[1],
                    selective_threshold: out[2],
                    laggard_threshold: out[3],
                    digital_mean: total.digital / m,
                    green_mean: total.green / m,
                    data_mean: total.data / m,
                };
            }
            start += count;
        }
    }

    /// §5.13, second part: productivity, output, employment, emissions and the metrics rows
    /// of step `t`; then next year's demand scales.
    fn observe(&mut self, t: u32) {
        let scenario = self.scenario;
        let sectors = &scenario.sectors;
        let model = &scenario.model;
        let ns = sectors.len();
        let n = self.firms.len();
        let chunks = chunk_count(n);
        let levers = &self.levers[t as usize];
        let stats = &self.stats;
        let b = &mut self.buffers;
        let f = &self.firms;

        let acc = b.production.reset(chunks, ns);
        b.grouped_ln_a.resize(n, 0.0);
        b.cursors_copy.clone_from(&b.cursors);
        {
            let grouped = ScatterSlice::new(&mut b.grouped_ln_a);
            (
                f.sector.par_chunks(FIRM_CHUNK),
                f.a.par_chunks(FIRM_CHUNK),
                f.digital.par_chunks(FIRM_CHUNK),
                f.green.par_chunks(FIRM_CHUNK),
                f.data.par_chunks(FIRM_CHUNK),
                f.share.par_chunks(FIRM_CHUNK),
                f.paid.par_chunks(FIRM_CHUNK),
                acc.par_chunks_mut(ns),
                b.cursors_copy.par_chunks_mut(ns),
            )
                .into_par_iter()
                .for_each(|(sector, a, d, g, data_stock, share, paid, acc, cursor)| {
                    for i in 0..sector.len() {
                        let j = sector[i] as usize;
                        let p = &sectors[j].params;
                        // §5.7 with Dbar_j(t) of the firm's current sector.
                        let shared = levers.data_openness * stats[j].data_mean;
                        let multiplier =
                            data::multiplier(p.data_productivity, d[i], data_stock[i], shared);
                        let ln_a = a[i] + math::ln(multiplier);
                        let burden = market::burden(
                            p.rd_intensity,
                            paid[i],
                            levers.carbon_price,
                            p.emission_intensity,
                            g[i],
                        );
                        let (ln_c, _) = market::ln_competitiveness(ln_a, burden, model.min_margin);
                        let s = &mut acc[j];
                        s.weighted_ln_c += share[i] * ln_c;
                        s.weighted_ln_a += share[i] * ln_a;
                        s.ln_a += ln_a;
                        s.weighted_a += share[i] * a[i];
                        s.multiplier += multiplier;
                        s.weighted_dirty += share[i] * (1.0 - g[i]);
                        s.weighted_inverse_a += share[i] * math::exp(-ln_a);
                        // SAFETY: cursors start at disjoint per-(chunk, sector) ranges.
                        unsafe { grouped.write(cursor[j], ln_a) };
                        cursor[j] += 1;
                    }
                });
        }
        b.production_totals.resize(ns, ProductionSums::default());
        b.production
            .merge_into(ns, &mut b.production_totals, |_, t, p| {
                t.weighted_ln_c += p.weighted_ln_c;
                t.weighted_ln_a += p.weighted_ln_a;
                t.ln_a += p.ln_a;
                t.weighted_a += p.weighted_a;
                t.multiplier += p.multiplier;
                t.weighted_dirty += p.weighted_dirty;
                t.weighted_inverse_a += p.weighted_inverse_a;
            });

        // Output: Y_j = Z_j Cbar_j^eta_j, with Z_j(0) calibrated to the output shares.
        let previous_output = std::mem::take(&mut self.output);
        let mut output = vec![0.0; ns];
        for (j, sector) in sectors.iter().enumerate() {
            let p = &sector.params;
            let ln_cbar = b.production_totals[j].weighted_ln_c;
            if t == 0 {
                self.demand[j] =
                    production::initial_demand_scale(p.output_share, ln_cbar, p.output_elasticity);
            }
            if b.state_totals[j].firms > 0 {
                output[j] = production::sector_output(self.demand[j], ln_cbar, p.output_elasticity);
            }
        }
        let total_output: f64 = output.iter().sum();

        self.rows.clear();
        let mut start = 0;
        let mut weighted_tfp = 0.0;
        let mut weighted_technology = 0.0;
        let mut all = RowAccumulator::default();
        for (j, sector) in sectors.iter().enumerate() {
            let p = &sector.params;
            let count = b.state_totals[j].firms as usize;
            let prod = &b.production_totals[j];
            let flows = &b.flows[j];
            let y = output[j];
            let employment = y * prod.weighted_inverse_a;
            let emissions = p.emission_intensity * y * prod.weighted_dirty;
            let mut row = template_row(scenario, self.replicate, t, RowSector::Sector(j));
            fill_flows(&mut row, flows, emissions * levers.carbon_price);
            row.firms = count as u64;
            row.output = y;
            row.output_share = (total_output > 0.0).then(|| y / total_output);
            row.employment = employment;
            row.emissions = emissions;
            if count > 0 {
                let m = count as f64;
                let segment = &mut b.grouped_ln_a[start..start + count];
                let mut qs = [0.0; 3];
                quantiles(segment, &[0.1, 0.5, 0.9], &mut qs);
                let mean = prod.ln_a / m;
                let sd = (segment.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / m).sqrt();
                let tfp = prod.weighted_ln_a;
                if t == 0 {
                    self.tfp_initial[j] = Some(tfp);
                }
                row.labour_productivity = (employment > 0.0).then(|| y / employment);
                row.tfp = Some(tfp);
                row.tfp_index = self.tfp_initial[j].map(|t0| (tfp - t0).exp());
                row.tfp_unweighted = Some(mean);
                row.tfp_p10 = Some(qs[0]);
                row.tfp_p50 = Some(qs[1]);
                row.tfp_p90 = Some(qs[2]);
                row.tfp_sd = Some(sd);
                row.op_covariance = Some(tfp - mean);
                row.technology = Some(prod.weighted_a);
                row.frontier = Some(stats[j].frontier);
                row.digital_mean = Some(stats[j].digital_mean);
                row.green_mean = Some(stats[j].green_mean);
                row.data_mean = Some(stats[j].data_mean);
                row.data_multiplier_mean = Some(prod.multiplier / m);
                row.emission_intensity = (y > 0.0).then(|| emissions / y);
                weighted_tfp += y * tfp;
                weighted_technology += y * prod.weighted_a;
            }
            all.add(&row, &b.state_totals[j], prod);
            start += count;
            self.rows.push(row);
        }

        // The `all` row: sums, output-weighted sector means, and pooled unweighted statistics.
        let mut row = template_row(scenario, self.replicate, t, RowSector::All);
        all.finish(&mut row, total_output);
        if n > 0 {
            let m = n as f64;
            let mut qs = [0.0; 3];
            quantiles(&mut b.grouped_ln_a, &[0.1, 0.5, 0.9], &mut qs);
            let mean = all.ln_a / m;
            let sd = (b
                .grouped_ln_a
                .iter()
                .map(|x| (x - mean) * (x - mean))
                .sum::<f64>()
                / m)
                .sqrt();
            let frontier = crate::model::stats::quantile(&mut b.grouped_a, model.frontier_quantile);
            let tfp = (total_output > 0.0).then(|| weighted_tfp / total_output);
            if t == 0 {
                self.tfp_initial_all = tfp;
            }
            row.tfp = tfp;
            row.tfp_index = tfp.zip(self.tfp_initial_all).map(|(x, x0)| (x - x0).exp());
            row.tfp_unweighted = Some(mean);
            row.tfp_p10 = Some(qs[0]);
            row.tfp_p50 = Some(qs[1]);
            row.tfp_p90 = Some(qs[2]);
            row.tfp_sd = Some(sd);
            row.op_covariance = tfp.map(|x| x - mean);
            row.technology = (total_output > 0.0).then(|| weighted_technology / total_output);
            row.frontier = Some(frontier);
            row.digital_mean = Some(all.digital / m);
            row.green_mean = Some(all.green / m);
            row.data_mean = Some(all.data / m);
            row.data_multiplier_mean = Some(all.multiplier / m);
        }
        self.rows.push(row);

        // Z_j(t+1) = Z_j(t) (1 + gamma_j + sum_k B[j][k] gY_k(t)).
        b.output_growth.clear();
        for j in 0..ns {
            let previous = if t == 0 {
                output[j]
            } else {
                previous_output[j]
            };
            b.output_growth
                .push(production::output_growth(output[j], previous));
        }
        for (j, sector) in sectors.iter().enumerate() {
            self.demand[j] = production::next_demand_scale(
                self.demand[j],
                sector.params.demand_growth,
                scenario.demand_linkage.row(j),
                &b.output_growth,
            );
        }
        self.output = output;
    }
}

/// A row with the identifying columns filled in and every metric zero or missing.
fn template_row(scenario: &Scenario, replicate: u32, t: u32, sector: RowSector) -> MetricsRow {
    MetricsRow {
        point: 0,
        replicate,
        seed: scenario.run.seed,
        step: t,
        year: scenario.run.start_year + t as i32,
        sector,
        firms: 0,
        entries: 0,
        exits: 0,
        standard_exits: 0,
        switches_in: 0,
        switches_out: 0,
        spawns: 0,
        output: 0.0,
        output_share: None,
        employment: 0.0,
        labour_productivity: None,
        tfp: None,
        tfp_index: None,
        tfp_unweighted: None,
        tfp_p10: None,
        tfp_p50: None,
        tfp_p90: None,
        tfp_sd: None,
        op_covariance: None,
        technology: None,
        frontier: None,
        digital_mean: None,
        green_mean: None,
        data_mean: None,
        data_multiplier_mean: None,
        emissions: 0.0,
        emission_intensity: None,
        innovations: 0,
        imitations: 0,
        clamped: 0,
        subsidy_rd: 0.0,
        subsidy_digital: 0.0,
        subsidy_green: 0.0,
        subsidy_entry: 0.0,
        subsidy_talent: 0.0,
        subsidy_total: 0.0,
        carbon_revenue: 0.0,
    }
}

fn fill_flows(row: &mut MetricsRow, flows: &Flows, carbon_revenue: f64) {
    row.entries = flows.entries;
    row.exits = flows.demography.exits;
    row.standard_exits = flows.demography.standard_exits;
    row.switches_in = flows.demography.switches_in;
    row.switches_out = flows.demography.switches_out;
    row.spawns = flows.demography.spawns;
    row.innovations = flows.innovations;
    row.imitations = flows.imitations;
    row.clamped = flows.clamped;
    row.subsidy_rd = flows.subsidy_rd;
    row.subsidy_digital = flows.subsidy_digital;
    row.subsidy_green = flows.subsidy_green;
    row.subsidy_entry = flows.subsidy_entry;
    row.subsidy_talent = flows.subsidy_talent;
    row.subsidy_total = flows.subsidy_rd
        + flows.subsidy_digital
        + flows.subsidy_green
        + flows.subsidy_entry
        + flows.subsidy_talent;
    row.carbon_revenue = carbon_revenue;
}

/// Sums over sectors for the `all` row.
#[derive(Default)]
struct RowAccumulator {
    row: Option<MetricsRow>,
    ln_a: f64,
    digital: f64,
    green: f64,
    data: f64,
    multiplier: f64,
}

impl RowAccumulator {
    fn add(&mut self, row: &MetricsRow, state: &StateSums, prod: &ProductionSums) {
        self.ln_a += prod.ln_a;
        self.digital += state.digital;
        self.green += state.green;
        self.data += state.data;
        self.multiplier += prod.multiplier;
        let Some(total) = &mut self.row else {
            self.row = Some(row.clone());
            return;
        };
        total.firms += row.firms;
        total.entries += row.entries;
        total.exits += row.exits;
        total.standard_exits += row.standard_exits;
        total.switches_in += row.switches_in;
        total.switches_out += row.switches_out;
        total.spawns += row.spawns;
        total.output += row.output;
        total.employment += row.employment;
        total.emissions += row.emissions;
        total.innovations += row.innovations;
        total.imitations += row.imitations;
        total.clamped += row.clamped;
        total.subsidy_rd += row.subsidy_rd;
        total.subsidy_digital += row.subsidy_digital;
        total.subsidy_green += row.subsidy_green;
        total.subsidy_entry += row.subsidy_entry;
        total.subsidy_talent += row.subsidy_talent;
        total.subsidy_total += row.subsidy_total;
        total.carbon_revenue += row.carbon_revenue;
    }

    fn finish(&self, row: &mut MetricsRow, total_output: f64) {
        let Some(s) = &self.row else { return };
        row.firms = s.firms;
        row.entries = s.entries;
        row.exits = s.exits;
        row.standard_exits = s.standard_exits;
        row.switches_in = s.switches_in;
        row.switches_out = s.switches_out;
        row.spawns = s.spawns;
        row.output = s.output;
        row.output_share = (total_output > 0.0).then_some(1.0);
        row.employment = s.employment;
        row.labour_productivity = (s.employment > 0.0).then(|| s.output / s.employment);
        row.emissions = s.emissions;
        row.emission_intensity = (s.output > 0.0).then(|| s.emissions / s.output);
        row.innovations = s.innovations;
        row.imitations = s.imitations;
        row.clamped = s.clamped;
        row.subsidy_rd = s.subsidy_rd;
        row.subsidy_digital = s.subsidy_digital;
        row.subsidy_green = s.subsidy_green;
        row.subsidy_entry = s.subsidy_entry;
        row.subsidy_talent = s.subsidy_talent;
        row.subsidy_total = s.subsidy_total;
        row.carbon_revenue = s.carbon_revenue;
    }
}

/// Start position of each (chunk, sector) in the sector-grouped buffers: sector segments in
/// sector order, and within a segment the chunks in order.
fn group_positions(
    partials: &[StateSums],
    totals: &[StateSums],
    ns: usize,
    cursors: &mut Vec<usize>,
) {
    let mut next: Vec<usize> = Vec::with_capacity(ns);
    let mut start = 0;
    for t in totals {
        next.push(start);
        start += t.firms as usize;
    }
    cursors.clear();
    for chunk in partials.chunks(ns) {
        for (j, s) in chunk.iter().enumerate() {
            cursors.push(next[j]);
            next[j] += s.firms as usize;
        }
    }
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
}

impl<'a> FirmsWriter<'a> {
    fn new(f: &'a mut Firms) -> Self {
        FirmsWriter {
            id: ScatterSlice::new(&mut f.id),
            birth: ScatterSlice::new(&mut f.birth),
            born: ScatterSlice::new(&mut f.born),
            sector: ScatterSlice::new(&mut f.sector),
            a: ScatterSlice::new(&mut f.a),
            digital: ScatterSlice::new(&mut f.digital),
            green: ScatterSlice::new(&mut f.green),
            data: ScatterSlice::new(&mut f.data),
            share: ScatterSlice::new(&mut f.share),
            paid: ScatterSlice::new(&mut f.paid),
        }
    }

    /// # Safety
    /// Each `index` is written once while the writer lives (see [`ScatterSlice::write`]).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    unsafe fn write(
        &self,
        index: usize,
        id: FirmId,
        birth: BirthKey,
        born: u32,
        sector: SectorIndex,
        a: f64,
        digital: f64,
        green: f64,
        data: f64,
        share: f64,
        paid: f64,
    ) {
        // SAFETY: forwarded from the caller.
        unsafe {
            self.id.write(index, id);
            self.birth.write(index, birth);
            self.born.write(index, born);
            self.sector.write(index, sector);
            self.a.write(index, a);
            self.digital.write(index, digital);
            self.green.write(index, green);
            self.data.write(index, data);
            self.share.write(index, share);
            self.paid.write(index, paid);
        }
    }
}
