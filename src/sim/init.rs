//! The initial state, docs/model.md §5 (end): firms drawn from the sector parameters, data at
//! its steady state, shares equal to the CES shares of initial competitiveness, demand scales
//! set so the sectors start at their output shares, and the step-0 metrics.

use rayon::prelude::*;

use super::Simulation;
use super::chunks::firm_chunks;
use super::reduce::{FIRM_CHUNK, chunk_count};
use super::step::{ces_level, chunk_ces_weights, merge_ces};
use super::structure::{newborn_levels, newborn_transitory, offset, pick};
use super::sums::{Flows, Model2Flows};
use crate::model::firms::{FirmId, RegionIndex, SectorIndex};
use crate::model::stats::SectorStats;
use crate::model::{data, demography, market};
use crate::rng::{BirthKey, Purpose};

impl Simulation<'_> {
    /// Draws the initial population and computes the step-0 metrics.
    pub(crate) fn initialise(&mut self) {
        self.draw_initial_firms();
        self.update_backing_set(); // M2.2: BK(0) from the levers of step 0
        self.initial_means();
        self.initial_shares();
        let ns = self.scenario.sectors.len();
        self.economy.demand = vec![f64::NAN; ns]; // set from Cbar_j(0) in `observe`
        self.economy.output = vec![0.0; ns];
        self.observe(0);
    }

    /// §2, §5 (end): counts by largest remainder, firms in sector order with ids 0..n, each
    /// drawn from its sector's parameters, with data at the steady state of a firm of average
    /// size.
    fn draw_initial_firms(&mut self) {
        let scenario = self.scenario;
        let model = &scenario.model;
        let sectors = &scenario.sectors;
        let shares: Vec<f64> = sectors.iter().map(|s| s.params.firm_share).collect();
        let counts = demography::initial_counts(scenario.run.firms, &shares);
        let n = counts.iter().sum::<u64>() as usize;
        let key = self.run_key.step(0);
        // M2.2: each initial firm's region is drawn by its tier's firm shares over the regions
        let placement: Option<Vec<f64>> = scenario.features.regions.then(|| {
            sectors
                .iter()
                .flat_map(|s| {
                    let mut total = 0.0;
                    scenario.regions.iter().map(move |r| {
                        total += r.share_of(s.tier);
                        total
                    })
                })
                .collect()
        });
        let nr = scenario.regions.len();
        let f = &mut self.economy.firms;
        f.resize(n);
        let mut start = 0;
        for (j, &c) in counts.iter().enumerate() {
            f.sector[start..start + c as usize].fill(j as SectorIndex);
            start += c as usize;
        }
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
            f.transitory.par_iter_mut(),
            f.region.par_iter_mut(),
        )
            .into_par_iter()
            .enumerate()
            .with_min_len(FIRM_CHUNK)
            .for_each(
                |(i, (id, birth, born, &j, a, d, g, data_stock, paid, e, region))| {
                    let p = &sectors[j as usize].params;
                    *id = FirmId(i as u64);
                    *birth = BirthKey::initial(i as u64);
                    *born = 0;
                    let (z, digital, green) = newborn_levels(key.firm(*birth), p);
                    *a = p.tfp_mean + p.tfp_sd * z;
                    *d = digital;
                    *g = green;
                    let mut data_generation = p.data_generation;
                    if let Some(cumulative) = &placement {
                        let j = j as usize;
                        let u = key.firm(*birth).uniform(Purpose::Region);
                        let r = pick(&cumulative[j * nr..(j + 1) * nr], u);
                        let home = &scenario.regions[r];
                        *region = r as RegionIndex;
                        *a += offset(home, j);
                        data_generation *= home.data_infra;
                    }
                    *data_stock =
                        data::steady_state(data_generation, digital, model.data_depreciation);
                    *paid = 0.0;
                    *e = newborn_transitory(key.firm(*birth), p); // xi = 0: the fill value
                },
            );
        self.economy.next_id = n as u64;
    }

    /// The means of S(0), first: the data multiplier reads Dbar_j(0).
    fn initial_means(&mut self) {
        let ns = self.scenario.sectors.len();
        let f = &self.economy.firms;
        let b = &mut self.buffers;
        let state = b.state.reset(chunk_count(f.len()), ns);
        (
            f.sector.par_chunks(FIRM_CHUNK),
            f.a.par_chunks(FIRM_CHUNK),
            f.digital.par_chunks(FIRM_CHUNK),
            f.green.par_chunks(FIRM_CHUNK),
            f.data.par_chunks(FIRM_CHUNK),
            state.par_chunks_mut(ns),
        )
            .into_par_iter()
            .for_each(|(sector, a, d, g, data_stock, state)| {
                for i in 0..sector.len() {
                    state[sector[i] as usize].add(0.0, a[i], d[i], g[i], data_stock[i]);
                }
            });
        b.state.merge(ns, |t, p| t.merge(p));
        for (stats, total) in self.economy.stats.iter_mut().zip(b.state.totals()) {
            if total.firms > 0 {
                let m = total.firms as f64;
                *stats = SectorStats {
                    firms: total.firms,
                    digital_mean: total.digital / m,
                    green_mean: total.green / m,
                    data_mean: total.data / m,
                    ..SectorStats::never_populated()
                };
            }
        }
    }

    /// Initial shares: the CES shares of initial competitiveness (§5.7-5.8, nothing paid),
    /// under the policy of step 0; the firms at the margin floor are counted as step 0's
    /// `clamped`.
    fn initial_shares(&mut self) {
        let scenario = self.scenario;
        let model = &scenario.model;
        let sectors = &scenario.sectors;
        let ns = sectors.len();
        let elasticity = |j: usize| sectors[j].params.elasticity;
        let levers = &self.economy.policy.levers;
        let stats = &self.economy.stats;
        let f = &mut self.economy.firms;
        let n = f.len();
        let chunks = chunk_count(n);
        let b = &mut self.buffers;
        b.weight.resize(n, 0.0);
        let acc = b.phase.reset(chunks, ns);
        firm_chunks(f)
            .zip(b.weight.par_chunks_mut(FIRM_CHUNK))
            .zip(acc.par_chunks_mut(ns))
            .for_each(|((f, weight), acc)| {
                for (i, w) in weight.iter_mut().enumerate() {
                    let j = f.sector[i] as usize;
                    let p = &sectors[j].params;
                    let shared = data::shared_data(levers.data_openness, stats[j].data_mean);
                    let multiplier =
                        data::multiplier(p.data_productivity, f.digital[i], f.data[i], shared);
                    let burden = market::burden(
                        p.rd_intensity,
                        0.0,
                        levers.carbon_price,
                        p.emission_intensity,
                        f.green[i],
                    );
                    let (x, clamped) =
                        market::relative_competitiveness(multiplier, burden, model.min_margin);
                    *w = x;
                    let level = ces_level(f.a[i], f.transitory[i], f.demand_shift[i]);
                    acc[j].max_level = acc[j].max_level.max(level);
                    acc[j].max_x = acc[j].max_x.max(x);
                    acc[j].clamped += u64::from(clamped);
                }
                chunk_ces_weights(&f, weight, acc, elasticity);
            });
        merge_ces(b.phase.as_mut_slice(), ns, elasticity);
        let phase = b.phase.as_slice();
        let state = b.state.reset(chunks, ns);
        (
            f.sector.par_chunks(FIRM_CHUNK),
            f.share.par_chunks_mut(FIRM_CHUNK),
            b.weight.par_chunks(FIRM_CHUNK),
            phase.par_chunks(ns),
            state.par_chunks_mut(ns),
        )
            .into_par_iter()
            .for_each(|(sector, share, weight, phase, state)| {
                for i in 0..sector.len() {
                    let j = sector[i] as usize;
                    share[i] = weight[i] * phase[j].ces_factor;
                    state[j].share += share[i];
                }
            });
        let mut share_sums = vec![0.0; ns];
        for chunk in b.state.as_slice().chunks(ns) {
            for (sum, s) in share_sums.iter_mut().zip(chunk) {
                *sum += s.share;
            }
        }
        for (total, sum) in b.state.totals_mut().iter_mut().zip(share_sums) {
            total.share = sum;
            total.delivered = sum; // M2.15: every initial firm has v = 1
        }
        b.phase.merge(ns, |t, p| t.clamped += p.clamped);
        b.flows.clear();
        b.flows.resize(ns, Flows::default());
        for (flow, total) in b.flows.iter_mut().zip(b.phase.totals()) {
            flow.clamped = total.clamped;
            flow.model2 = Model2Flows::at_start(scenario.features);
        }
    }
}
