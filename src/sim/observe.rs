//! Observation, docs/model.md §5.13 and §7: S(t) from the new population, productivity,
//! output, employment and emissions, the metrics rows of the step, the decompositions, and
//! next year's demand scales.

use rayon::prelude::*;
use std::time::Instant;

use super::Simulation;
use super::chunks::firm_chunks;
use super::quantiles::Local;
use super::reduce::{FIRM_CHUNK, chunk_count};
use super::sums::{Flows, ProductionSums, RegionSums, StateSums};
use crate::decomposition::TurnoverSums;
use crate::decomposition::{self, SectorChange};
use crate::error::NumericFault;
use crate::lanes::{self, F64s, Groups, Isa, Kernel, Real, exp, ln};
use crate::math;
use crate::metrics::{MetricsRow, RowSector};
use crate::model::features::Features;
use crate::model::firms::{DEAD, FirmsChunk, ORIGIN_ENTRANT};
use crate::model::levers::spending_levers;
use crate::model::{capacity, data, market, production};
use crate::scenario::Scenario;

/// Quantiles of `a` that S(t) needs, and that the `frontier` column needs (positions in
/// [`Simulation::quantiles_pass`]'s probability list).
const FRONTIER: usize = 0;
const MEDIAN: usize = 1;
const SELECTIVE: usize = 2;
const LAGGARD: usize = 3;
/// Quantiles of ln A reported per sector and for `all`.
const TFP_QUANTILES: [f64; 3] = [0.1, 0.5, 0.9];

/// What the production pass reads, the same for every chunk.
struct ProductionContext<'a> {
    scenario: &'a Scenario,
    /// Sums over the new population, per sector (its share total and count).
    totals: &'a [StateSums],
    /// `omega Dbar_j(t)` per sector.
    shared: &'a [f64],
    /// The shifts of the sums of ln A.
    shift: &'a [f64],
    carbon_price: f64,
    /// Whether to take the decompositions' sums (every step after 0).
    decompose: bool,
    /// Model 2: the features switched on.
    features: Features,
    /// Model 2 (capacity): `c_K x_j(t)` per sector, added to the burden.
    idle_cost: &'a [f64],
    /// Model 2 (platform): `l_j(t)` per sector, in `ln A_i`.
    lift: &'a [f64],
    /// Model 2 (regions): the backing set, `[r * sectors + j]`.
    backed: &'a [bool],
    /// Model 2 (regions): the number of regions.
    regions: usize,
    /// Model 2 (supply): `ln Xs_j(t)` per sector, in `ln A_i`.
    ln_substitution: &'a [f64],
}

/// The production pass over one chunk, `W` firms at a time (the places after the last whole
/// tile one at a time): the arithmetic in lanes, then each firm's sums in place order.
struct ProductionChunk<'c, 'a> {
    context: &'c ProductionContext<'a>,
    f: FirmsChunk<'c>,
    acc: &'c mut [ProductionSums],
    turnover: &'c mut [TurnoverSums],
    /// Model 2 (regions): sums per (sector, region), `[j * regions + r]`.
    region_acc: &'c mut [RegionSums],
    a_local: Local<'c>,
    ln_a_local: Local<'c>,
}

impl Kernel for ProductionChunk<'_, '_> {
    type Output = ();

    #[inline(always)]
    fn run<const W: usize>(mut self) {
        let n = self.f.len();
        let tiles = n / W * W;
        for start in (0..tiles).step_by(W) {
            self.tile::<W>(start);
        }
        for start in tiles..n {
            self.tile::<1>(start);
        }
    }
}

impl ProductionChunk<'_, '_> {
    /// Places `start..start + W`.
    #[inline(always)]
    fn tile<const W: usize>(&mut self, start: usize) {
        let c = self.context;
        let f = &mut self.f;
        let Some((alive, sector)) = super::step::tile_sectors::<W>(f.sector, start) else {
            return;
        };
        let sectors = &c.scenario.sectors;
        let groups = Groups::new(sector);
        let params = |get: fn(&crate::model::params::SectorParams) -> f64| {
            groups.gather(|j| get(&sectors[j].params))
        };
        let column = |col: &[f64]| F64s::<W>::load(col, start);
        // §5.12: shares renormalised within the sector
        let share = match groups.one {
            Some(j) => renormalised_share(column(f.share), &c.totals[j]),
            None => {
                F64s::<W>::from_fn(|l| renormalised_share(f.share[start + l], &c.totals[sector[l]]))
            }
        };
        let (a, digital, green) = (column(f.a), column(f.digital), column(f.green));
        let multiplier = data::multiplier(
            params(|p| p.data_productivity),
            digital,
            column(f.data),
            groups.gather(|j| c.shared[j]),
        );
        // §5.7: ln A_i = a_i + e_i + ln(multiplier)
        let mut ln_a = a + column(f.transitory) + ln(multiplier);
        if c.features.platform {
            ln_a = ln_a + groups.gather(|j| c.lift[j]); // M2.4: + l_j(t)
        }
        if c.features.supply {
            ln_a = ln_a + groups.gather(|j| c.ln_substitution[j]); // M2.15: + ln Xs_j(t)
        }
        // §5.13: each firm's output per unit of its sector's, w_i = Y_i / Y_j: its share f_i,
        // or with `supply` f_i wv_i, wv_i = v_i / sum_{k in j} f_k v_k (M2.15; 1 where that
        // sum is 0)
        let output_weight = if c.features.supply {
            F64s::<W>::from_fn(|l| {
                let delivered = c.totals[sector[l]].delivered;
                if delivered > 0.0 {
                    f.share[start + l] * f.delivery[start + l] / delivered
                } else {
                    share.0[l]
                }
            })
        } else {
            share
        };
        let mut burden = market::burden(
            params(|p| p.rd_intensity),
            column(f.paid),
            F64s::<W>::splat(c.carbon_price),
            params(|p| p.emission_intensity),
            green,
        );
        if c.features.capacity {
            burden = burden + groups.gather(|j| c.idle_cost[j]); // M2.3
        }
        let min_margin = F64s::<W>::splat(c.scenario.model.min_margin);
        let (ln_c, _) = market::ln_competitiveness(ln_a, burden, min_margin);
        let inverse_a = exp(-ln_a);
        let ns = c.shift.len() - 1;
        for (l, &alive) in alive.iter().enumerate() {
            if !alive {
                continue;
            }
            let (i, j) = (start + l, sector[l]);
            let (share, ln_a, a) = (share.0[l], ln_a.0[l], a.0[l]);
            let w = output_weight.0[l];
            let s = &mut self.acc[j];
            let x = ln_a - c.shift[j];
            s.weighted_ln_c += share * ln_c.0[l];
            s.weighted_ln_a += share * ln_a;
            s.ln_a += x;
            s.ln_a_squared += x * x;
            s.weighted_a += share * a;
            s.multiplier += multiplier.0[l];
            s.weighted_dirty += w * (1.0 - green.0[l]);
            s.weighted_inverse_a += w * inverse_a.0[l];
            if c.features.labour {
                s.labour.add(w, inverse_a.0[l], digital.0[l], f.upgrade[i]); // M2.14
            }
            if c.features.supply {
                s.delivered += share * f.delivery[i];
            }
            if c.features.regions {
                let r = usize::from(f.region[i]);
                if c.backed[r * ns + j] {
                    s.backed_share += share;
                }
                let g = &mut self.region_acc[j * c.regions + r];
                g.firms += 1;
                g.share += w;
                g.share_ln_a += w * ln_a;
                if c.features.labour {
                    g.labour.add(w, inverse_a.0[l], digital.0[l], f.upgrade[i]);
                }
            }
            if c.decompose {
                // the decompositions: ln A and share at t - 1 and t
                let d = &mut self.turnover[j];
                match f.origin[i] {
                    o if o == f.sector[i] => {
                        d.survivors.add(f.prev_share[i], f.ln_a[i], share, ln_a);
                    }
                    ORIGIN_ENTRANT => d.entrants.add(share, ln_a),
                    _ => d.transformed.add(share, ln_a), // switched in, or spawned
                }
            }
            self.a_local.count(j, a);
            self.ln_a_local.count(j, ln_a);
        }
        // whole registers, a hole's places too (nothing reads a hole's columns); ln A after
        // the decompositions have read last step's
        share.store(f.share, start);
        ln_a.store(f.ln_a, start);
    }
}

/// §5.12: a firm's share within its sector, `f_i / sum_k f_k` (equal shares, `1 / n_j`, if
/// they sum to 0), for one firm or several in lanes.
#[inline(always)]
fn renormalised_share<V: Real>(share: V, total: &StateSums) -> V {
    if total.share > 0.0 {
        share / total.share
    } else {
        V::splat(1.0 / total.firms as f64)
    }
}

impl Simulation<'_> {
    /// §5.13 for step `t`: S(t), the production pass, the quantiles and the metrics rows.
    /// Expects `buffers.state_totals` (sums over the new population) and `buffers.flows`.
    pub(crate) fn observe(&mut self, t: u32) {
        let clock = Instant::now();
        self.update_means();
        self.update_platform(t);
        self.production_pass(t);
        self.timings.production += clock.elapsed();
        let clock = Instant::now();
        let (tfp_quantiles, pooled_frontier) = self.quantiles_pass();
        self.timings.quantiles += clock.elapsed();
        let clock = Instant::now();
        self.rows_pass(t, &tfp_quantiles, pooled_frontier);
        self.decompose(t);
        self.timings.rows += clock.elapsed();
    }

    /// S(t): counts and means; a sector without firms keeps its last statistics.
    fn update_means(&mut self) {
        for (stats, total) in self
            .economy
            .stats
            .iter_mut()
            .zip(self.buffers.state.totals())
        {
            stats.firms = total.firms;
            if total.firms > 0 {
                let m = total.firms as f64;
                stats.digital_mean = total.digital / m;
                stats.green_mean = total.green / m;
                stats.data_mean = total.data / m;
            }
        }
    }

    /// The histogram ranges of the quantile passes: a's is known exactly; ln A's is last
    /// step's.
    fn begin_quantiles(&mut self) {
        let ns = self.scenario.sectors.len();
        let n = self.economy.firms.len();
        let threads = rayon::current_num_threads();
        let b = &mut self.buffers;
        let mut pooled = (f64::INFINITY, f64::NEG_INFINITY);
        for total in b.state.totals() {
            if let Some((min, max)) = total.a_range() {
                pooled = (pooled.0.min(min), pooled.1.max(max));
            }
        }
        let fallback = if pooled.0 <= pooled.1 {
            pooled
        } else {
            (-1.0, 1.0)
        };
        b.a_quantiles.begin(ns, fallback, fallback, threads, n);
        // the first observation: ln A = a + ln(multiplier), a little above a
        let ln_a_fallback = (fallback.0, fallback.1 + 1.0);
        let ln_a_range = self.observation.ln_a_range.unwrap_or(ln_a_fallback);
        b.ln_a_quantiles
            .begin(ns, ln_a_range, ln_a_fallback, threads, n);
    }

    /// The production pass: shares renormalised (§5.12), A_i with Dbar_j(t) (§5.7), c_i
    /// (§5.8), and the sums behind output, employment, emissions and TFP (§5.13); the
    /// decompositions' sums; the quantile histograms.
    fn production_pass(&mut self, t: u32) {
        self.begin_quantiles();
        let scenario = self.scenario;
        let sectors = &scenario.sectors;
        let ns = sectors.len();
        let n = self.economy.firms.len();
        let chunks = chunk_count(n);
        let levers = &self.economy.policy.levers;
        let stats = &self.economy.stats;
        let shift = &self.observation.ln_a_shift;
        let b = &mut self.buffers;
        let totals = &b.state.totals();
        let a_quantiles = &b.a_quantiles;
        let ln_a_quantiles = &b.ln_a_quantiles;
        let acc = b.production.reset(chunks, ns);
        let turnover = b.turnover.reset(chunks, ns);
        let decompose = t > 0;
        let isa = Isa::selected();
        let shared: Vec<f64> = stats
            .iter()
            .map(|s| data::shared_data(levers.data_openness, s.data_mean))
            .collect();
        let features = scenario.features;
        let m2 = &self.economy.model2;
        let idle_cost: Vec<f64> = m2
            .excess
            .iter()
            .map(|&x| capacity::idle_cost(scenario.model.capacity_cost, x))
            .collect();
        let ln_substitution: Vec<f64> = m2.substitution.iter().map(|&x| math::ln(x)).collect();
        let nr = scenario.regions.len();
        let region_width = if features.regions { ns * nr } else { 0 };
        let region_acc = b.regions.reset(chunks, region_width);
        let context = ProductionContext {
            scenario,
            totals,
            shared: &shared,
            shift,
            carbon_price: levers.carbon_price,
            decompose,
            features,
            idle_cost: &idle_cost,
            lift: &m2.lift,
            backed: &m2.backed,
            regions: nr,
            ln_substitution: &ln_substitution,
        };
        let mut no_regions: Vec<&mut [RegionSums]> = Vec::new();
        let region_chunks: Vec<&mut [RegionSums]> = if features.regions {
            region_acc.chunks_mut(region_width).collect()
        } else {
            no_regions.resize_with(chunks, Default::default);
            no_regions
        };
        firm_chunks(&mut self.economy.firms)
            .zip(acc.par_chunks_mut(ns))
            .zip(turnover.par_chunks_mut(ns))
            .zip(region_chunks.into_par_iter())
            .for_each(|(((f, acc), turnover), region_acc)| {
                // SAFETY: one handle per chunk closure, dropped at its end.
                let (a_local, ln_a_local) =
                    unsafe { (a_quantiles.local(), ln_a_quantiles.local()) };
                let chunk = ProductionChunk {
                    context: &context,
                    f,
                    acc,
                    turnover,
                    region_acc,
                    a_local,
                    ln_a_local,
                };
                lanes::dispatch(isa, chunk);
            });
        b.production.merge(ns, |t, p| t.merge(p));
        if features.supply {
            b.delivered.clear();
            b.delivered
                .extend(b.production.totals().iter().map(|p| p.delivered));
        }
        if features.regions {
            b.regions.merge(region_width, |t, p| t.merge(p));
            let m2 = &mut self.economy.model2;
            for (n, g) in m2.region_firms.iter_mut().zip(b.regions.totals()) {
                *n = g.firms;
            }
            b.backed_share.clear();
            b.backed_share
                .extend(b.production.totals().iter().map(|p| p.backed_share));
        } else if features.capacity {
            b.backed_share.clear();
            b.backed_share.resize(ns, 0.0);
        }
        if decompose {
            b.turnover.merge(ns, |t, p| t.merge(p));
            b.leavers.merge(ns, |t, p| t.merge(p));
            for (total, left) in b.turnover.totals_mut().iter_mut().zip(b.leavers.totals()) {
                total.merge(left);
            }
        }
    }

    /// The quantiles of `a` that S(t) holds (frontier, median, targeting thresholds) and of
    /// ln A that the rows report; returns the ln A quantiles per sector and pooled, and the
    /// pooled frontier. The targeting thresholds of S(t) use the quantile in force when they
    /// are read, in step t + 1.
    fn quantiles_pass(&mut self) -> (Vec<[f64; 3]>, f64) {
        let ns = self.scenario.sectors.len();
        let tq = self.economy.policy.levers_next.targeting_quantile;
        let a_probs = [self.scenario.model.frontier_quantile, 0.5, tq, 1.0 - tq];
        let b = &mut self.buffers;
        b.sizes.clear();
        b.sizes.extend(b.state.totals().iter().map(|s| s.firms));
        b.sizes.push(b.state.totals().iter().map(|s| s.firms).sum());
        let gather_a = b.a_quantiles.plan(&b.sizes, &a_probs);
        let gather_ln_a = b.ln_a_quantiles.plan(&b.sizes, &TFP_QUANTILES);
        if gather_a || gather_ln_a {
            let (a_quantiles, ln_a_quantiles) = (&b.a_quantiles, &b.ln_a_quantiles);
            let f = &self.economy.firms;
            (
                f.sector.par_chunks(FIRM_CHUNK),
                f.a.par_chunks(FIRM_CHUNK),
                f.ln_a.par_chunks(FIRM_CHUNK),
            )
                .into_par_iter()
                .for_each(|(sector, a, ln_a)| {
                    // SAFETY: one handle per chunk closure, dropped at its end.
                    let (mut a_local, mut ln_a_local) =
                        unsafe { (a_quantiles.local(), ln_a_quantiles.local()) };
                    for i in 0..sector.len() {
                        if sector[i] == DEAD {
                            continue;
                        }
                        let j = sector[i] as usize;
                        a_local.gather(j, a[i]);
                        ln_a_local.gather(j, ln_a[i]);
                    }
                });
        }
        let mut a_q = [0.0; 4];
        let mut tfp_q = vec![[f64::NAN; 3]; ns + 1];
        for (j, q) in tfp_q.iter_mut().enumerate() {
            let size = b.sizes[j];
            b.ln_a_quantiles.finish(j, size, &TFP_QUANTILES, q);
            b.a_quantiles.finish(j, size, &a_probs, &mut a_q);
            if j < ns && size > 0 {
                let s = &mut self.economy.stats[j];
                s.frontier = a_q[FRONTIER];
                s.median = a_q[MEDIAN];
                s.selective_threshold = a_q[SELECTIVE];
                s.laggard_threshold = a_q[LAGGARD];
            }
        }
        let pooled_frontier = a_q[FRONTIER];
        let seen = b.ln_a_quantiles.range;
        if seen.0 <= seen.1 {
            self.observation.ln_a_range = Some(seen);
        }
        (tfp_q, pooled_frontier)
    }

    /// §5.13 and §7: Y_j(t), the metrics rows of step `t` (one per sector, then `all`) and
    /// Z_j(t+1).
    fn rows_pass(&mut self, t: u32, tfp_q: &[[f64; 3]], pooled_frontier: f64) {
        let demand_output = self.sector_output(t);
        let output = self.bind_output(t, demand_output);
        self.update_labour(t, &output);
        let total_output: f64 = output.iter().sum();
        let ns = self.scenario.sectors.len();
        self.observation.rows.clear();
        let mut means = vec![f64::NAN; ns + 1];
        let mut all = RowAccumulator::default();
        for (j, mean) in means.iter_mut().enumerate().take(ns) {
            let row = self.sector_row(t, j, output[j], total_output, tfp_q, mean);
            all.add(
                &row,
                &self.buffers.state.totals()[j],
                &self.buffers.production.totals()[j],
            );
            self.observation.rows.push(row);
        }
        let mut row = self.all_row(
            t,
            &all,
            total_output,
            tfp_q,
            pooled_frontier,
            &mut means[ns],
        );
        if self.scenario.features.any() {
            row.model2 = self.model2_all(&self.observation.rows, total_output);
        }
        let intensity = row.emission_intensity;
        self.observation.rows.push(row);
        self.steer_carbon_price(t, intensity);
        self.observe_regions(t, &output);
        // next step's shifts: this step's means (keeps the shifted sums small)
        for (shift, mean) in self.observation.ln_a_shift.iter_mut().zip(means) {
            if mean.is_finite() {
                *shift = mean;
            }
        }
        self.next_demand(t, output);
    }

    /// §5.13: Y_j = Z_j Cbar_j^eta_j, with Z_j(0) calibrated to the output shares.
    fn sector_output(&mut self, t: u32) -> Vec<f64> {
        let b = &self.buffers;
        let demand = &mut self.economy.demand;
        let mut output = vec![0.0; self.scenario.sectors.len()];
        for (j, sector) in self.scenario.sectors.iter().enumerate() {
            let p = &sector.params;
            let ln_cbar = b.production.totals()[j].weighted_ln_c;
            if t == 0 {
                demand[j] =
                    production::initial_demand_scale(p.output_share, ln_cbar, p.output_elasticity);
            }
            if b.state.totals()[j].firms > 0 {
                output[j] = production::sector_output(demand[j], ln_cbar, p.output_elasticity);
            }
        }
        output
    }

    /// The metrics row of sector `j` with output `y`; its mean ln A goes to `mean`.
    fn sector_row(
        &mut self,
        t: u32,
        j: usize,
        y: f64,
        total_output: f64,
        tfp_q: &[[f64; 3]],
        mean_out: &mut f64,
    ) -> MetricsRow {
        let scenario = self.scenario;
        let p = &scenario.sectors[j].params;
        let levers = &self.economy.policy.levers;
        let stats = &self.economy.stats[j];
        let model2 = scenario
            .features
            .any()
            .then(|| self.model2_columns(j, y, &self.buffers.flows[j].model2));
        let b = &self.buffers;
        let o = &mut self.observation;
        let count = b.state.totals()[j].firms;
        let prod = &b.production.totals()[j];
        let employment = if scenario.features.labour {
            let e = &b.employment[j]; // M2.14: by skill
            e.low + e.high
        } else {
            y * prod.weighted_inverse_a
        };
        let emissions = p.emission_intensity * y * prod.weighted_dirty;
        let mut row = template_row(scenario, self.replicate, t, RowSector::Sector(j));
        fill_flows(&mut row, &b.flows[j], emissions * levers.carbon_price);
        if let Some(columns) = model2 {
            // M2.10: the model-2 subsidies are in the total
            row.subsidy_total += b.flows[j].model2.total();
            row.model2 = columns;
        }
        row.firms = count;
        row.output = y;
        row.output_share = (total_output > 0.0).then(|| y / total_output);
        row.employment = employment;
        row.emissions = emissions;
        if count > 0 {
            let m = count as f64;
            let shift = o.ln_a_shift[j];
            let (s, ss) = (prod.ln_a, prod.ln_a_squared);
            let mean = shift + s / m;
            let sd = (ss / m - (s / m) * (s / m)).max(0.0).sqrt();
            *mean_out = mean;
            let tfp = prod.weighted_ln_a;
            if t == 0 {
                o.tfp_initial[j] = Some(tfp);
            }
            row.labour_productivity = (employment > 0.0).then(|| y / employment);
            row.tfp = Some(tfp);
            row.tfp_index = o.tfp_initial[j].map(|t0| (tfp - t0).exp());
            row.tfp_unweighted = Some(mean);
            row.tfp_p10 = Some(tfp_q[j][0]);
            row.tfp_p50 = Some(tfp_q[j][1]);
            row.tfp_p90 = Some(tfp_q[j][2]);
            row.tfp_sd = Some(sd);
            row.op_covariance = Some(tfp - mean);
            row.technology = Some(prod.weighted_a);
            row.frontier = Some(stats.frontier);
            row.digital_mean = Some(stats.digital_mean);
            row.green_mean = Some(stats.green_mean);
            row.data_mean = Some(stats.data_mean);
            row.data_multiplier_mean = Some(prod.multiplier / m);
            row.emission_intensity = (y > 0.0).then(|| emissions / y);
        }
        row
    }

    /// The `all` row: sums, output-weighted sector means, and pooled unweighted statistics
    /// (the pooled mean and sd of ln A from the sectors' shifted sums); its mean ln A goes to
    /// `mean_out`.
    fn all_row(
        &mut self,
        t: u32,
        all: &RowAccumulator,
        total_output: f64,
        tfp_q: &[[f64; 3]],
        pooled_frontier: f64,
        mean_out: &mut f64,
    ) -> MetricsRow {
        let ns = self.scenario.sectors.len();
        let b = &self.buffers;
        let o = &mut self.observation;
        let mut row = template_row(self.scenario, self.replicate, t, RowSector::All);
        all.finish(&mut row, total_output);
        let n: u64 = b.state.totals().iter().map(|s| s.firms).sum();
        if n == 0 {
            return row;
        }
        let pooled_shift = o.ln_a_shift[ns];
        let (mut pooled_sum, mut pooled_squares) = (0.0, 0.0);
        let (mut weighted_tfp, mut weighted_technology) = (0.0, 0.0);
        for (j, (state, prod)) in b
            .state
            .totals()
            .iter()
            .zip(b.production.totals())
            .enumerate()
        {
            if state.firms == 0 {
                continue;
            }
            let m = state.firms as f64;
            let (s, ss) = (prod.ln_a, prod.ln_a_squared);
            let d = o.ln_a_shift[j] - pooled_shift;
            pooled_sum += s + m * d;
            pooled_squares += ss + 2.0 * d * s + m * d * d;
            let y = o.rows[j].output;
            weighted_tfp += y * prod.weighted_ln_a;
            weighted_technology += y * prod.weighted_a;
        }
        let m = n as f64;
        let mean = pooled_shift + pooled_sum / m;
        let sd = (pooled_squares / m - (pooled_sum / m) * (pooled_sum / m))
            .max(0.0)
            .sqrt();
        *mean_out = mean;
        let tfp = (total_output > 0.0).then(|| weighted_tfp / total_output);
        if t == 0 {
            o.tfp_initial[ns] = tfp;
        }
        row.tfp = tfp;
        row.tfp_index = tfp.zip(o.tfp_initial[ns]).map(|(x, x0)| (x - x0).exp());
        row.tfp_unweighted = Some(mean);
        row.tfp_p10 = Some(tfp_q[ns][0]);
        row.tfp_p50 = Some(tfp_q[ns][1]);
        row.tfp_p90 = Some(tfp_q[ns][2]);
        row.tfp_sd = Some(sd);
        row.op_covariance = tfp.map(|x| x - mean);
        row.technology = (total_output > 0.0).then(|| weighted_technology / total_output);
        row.frontier = Some(pooled_frontier);
        row.digital_mean = Some(all.digital / m);
        row.green_mean = Some(all.green / m);
        row.data_mean = Some(all.data / m);
        row.data_multiplier_mean = Some(all.multiplier / m);
        row
    }

    /// §5.13: Z_j(t+1) = Z_j(t) (1 + gamma_j + sum_k B[j][k] gY_k(t)); keeps Y(t). With
    /// `capacity` or `supply` on, the rule of docs/model.md M2.3 on demand-side output and
    /// availability, then the capacity plan for step t + 1.
    fn next_demand(&mut self, t: u32, output: Vec<f64>) {
        let scenario = self.scenario;
        if scenario.features.rations_output() {
            self.next_demand_with_availability(t);
            self.plan_capacity(t);
            self.keep_demand_output();
            self.economy.output = output;
            return;
        }
        let b = &mut self.buffers;
        let economy = &mut self.economy;
        b.output_growth.clear();
        for (j, &y) in output.iter().enumerate() {
            let previous = if t == 0 { y } else { economy.output[j] };
            b.output_growth.push(production::output_growth(y, previous));
        }
        for (j, sector) in scenario.sectors.iter().enumerate() {
            economy.demand[j] = production::next_demand_scale(
                economy.demand[j],
                sector.params.demand_growth,
                scenario.demand_linkage.row(j),
                &b.output_growth,
            );
        }
        economy.output = output;
    }
}

impl Simulation<'_> {
    /// The decomposition rows of step `t` (none at step 0), from the turnover sums of the
    /// production pass and the sectors' TFP and output shares at t - 1 (kept from the last
    /// step) and t (this step's rows).
    fn decompose(&mut self, t: u32) {
        let ns = self.scenario.sectors.len();
        let o = &mut self.observation;
        let rows = &o.rows;
        let b = &mut self.buffers;
        o.decomposition.clear();
        if t > 0 {
            b.changes.clear();
            for (row, (&weight_prev, &tfp_prev)) in
                rows[..ns].iter().zip(o.last_weight.iter().zip(&o.last_tfp))
            {
                b.changes.push(SectorChange {
                    weight_prev,
                    weight: row.output_share.unwrap_or(0.0),
                    tfp_prev,
                    tfp: row.tfp,
                });
            }
            decomposition::rows(
                0,
                self.replicate,
                t,
                b.turnover.totals(),
                &b.changes,
                (o.last_tfp[ns], rows[ns].tfp),
                &mut o.decomposition,
            );
        }
        o.last_tfp.clear();
        o.last_tfp.extend(rows.iter().map(|r| r.tfp));
        o.last_weight.clear();
        o.last_weight
            .extend(rows[..ns].iter().map(|r| r.output_share.unwrap_or(0.0)));
    }
}

/// A row with the identifying columns filled in and every metric zero or missing.
fn template_row(scenario: &Scenario, replicate: u32, t: u32, sector: RowSector) -> MetricsRow {
    let year = scenario.run.start_year + t as i32;
    MetricsRow::empty(replicate, scenario.run.seed, t, year, sector)
}

/// The flows of a sector's step into its row: demography, events and public spending (each
/// spending lever's column, from the lever table, and their total).
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
    for ((_, spending), &amount) in spending_levers().zip(&flows.spending) {
        let set = row.set_real(spending.column, amount);
        debug_assert!(set, "every spending lever has its column");
    }
    row.subsidy_total = flows.spending.iter().sum();
    row.carbon_revenue = carbon_revenue;
}

/// Sums over sectors for the `all` row: the counts and amounts of the sector rows, and the
/// sums behind the pooled means.
#[derive(Default)]
struct RowAccumulator {
    row: Option<MetricsRow>,
    digital: f64,
    green: f64,
    data: f64,
    multiplier: f64,
}

impl RowAccumulator {
    fn add(&mut self, row: &MetricsRow, state: &StateSums, prod: &ProductionSums) {
        self.digital += state.digital;
        self.green += state.green;
        self.data += state.data;
        self.multiplier += prod.multiplier;
        match &mut self.row {
            Some(total) => total.add_totals(row),
            None => self.row = Some(row.clone()),
        }
    }

    /// The `all` row's counts, amounts and the ratios of totals.
    fn finish(&self, row: &mut MetricsRow, total_output: f64) {
        let Some(s) = &self.row else { return };
        row.copy_totals(s);
        row.output_share = (total_output > 0.0).then_some(1.0);
        row.labour_productivity = (s.employment > 0.0).then(|| s.output / s.employment);
        row.emission_intensity = (s.output > 0.0).then(|| s.emissions / s.output);
    }
}

impl Simulation<'_> {
    /// The numeric guard: every sum over firms (which is non-finite as soon as one firm's
    /// quantity is), every demand scale and every metric of the last step must be finite.
    pub(crate) fn check_finite(&self) -> Result<(), NumericFault> {
        let sectors = &self.scenario.sectors;
        let b = &self.buffers;
        let fault = |sector: Option<usize>, quantity: &str, value: f64| NumericFault {
            step: self.step,
            sector: sector.map(|j| sectors[j].name.clone()),
            quantity: quantity.to_string(),
            value,
        };
        let check = |sector: Option<usize>, quantity: &str, value: f64| {
            if value.is_finite() {
                Ok(())
            } else {
                Err(fault(sector, quantity, value))
            }
        };
        for (j, p) in b.phase.totals().iter().enumerate() {
            check(Some(j), "technology a", p.sum_a)?;
            check(Some(j), "R&D subsidy", p.subsidy_rd)?;
            check(Some(j), "digital subsidy", p.subsidy_digital)?;
            check(Some(j), "green subsidy", p.subsidy_green)?;
        }
        // causes before effects: an infinite data stock makes the shares NaN, not the reverse
        for (j, s) in b.state.totals().iter().enumerate() {
            let (min_a, max_a) = s.a_range().unwrap_or((0.0, 0.0));
            check(Some(j), "technology a", min_a)?;
            check(Some(j), "technology a", max_a)?;
            check(Some(j), "data stock D", s.data)?;
            check(Some(j), "digital level d", s.digital)?;
            check(Some(j), "green level g", s.green)?;
            check(Some(j), "market share", s.share)?;
        }
        for (j, p) in b.production.totals().iter().enumerate() {
            check(Some(j), "productivity ln A", p.weighted_ln_a)?;
            check(Some(j), "productivity ln A", p.ln_a_squared)?;
            check(Some(j), "competitiveness ln c", p.weighted_ln_c)?;
            check(Some(j), "data multiplier", p.multiplier)?;
            check(
                Some(j),
                "employment per unit of output",
                p.weighted_inverse_a,
            )?;
        }
        for (j, &z) in self.economy.demand.iter().enumerate() {
            check(Some(j), "demand scale Z", z)?;
        }
        for row in &self.observation.rows {
            let sector = match row.sector {
                RowSector::Sector(j) => Some(j),
                RowSector::All => None,
            };
            for (name, value) in MetricsRow::METRIC_COLUMNS.iter().zip(row.metric_values()) {
                if let crate::metrics::MetricValue::Real(x) = value {
                    check(sector, name, x)?;
                }
            }
        }
        Ok(())
    }
}
