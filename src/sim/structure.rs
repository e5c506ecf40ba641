//! The structure pass, docs/model.md §5.12: exits leave, switchers move, spawned firms and
//! entrants are born, in the deterministic order that gives them their ids.
//!
//! The next population is built in place: an exiting firm leaves a hole (sector [`DEAD`],
//! skipped by every pass, removed when holes pile up); a switcher changes its sector where it
//! stands; spawned firms follow the last firm, in parent order (rules in listed order), then
//! entrants by sector and slot. Ids follow that order, so storage order is id order. The sums
//! behind the means of S(t) are taken on the way.

use rayon::prelude::*;

use super::Simulation;
use super::chunks::view_chunks;
use super::phase::{NO_SWITCH, Outcome};
use super::reduce::{FIRM_CHUNK, ScatterSlice, chunk_count};
use super::step::{HOLES_PER_COMPACTION, LEVEL_CONCENTRATION};
use crate::model::firms::{
    DEAD, FirmId, FirmsChunk, ORIGIN_ENTRANT, ORIGIN_SPAWNED, RegionIndex, SectorIndex,
};
use crate::model::params::SectorParams;
use crate::model::regions::Region;
use crate::model::{demography, shocks};
use crate::rng::{BirthKey, FirmKey, Purpose};

impl Simulation<'_> {
    /// §5.12 for step `t`: entrant counts, the next population, S(t) sums, compaction.
    pub(crate) fn structure_pass(&mut self, t: u32) {
        self.draw_entrant_counts(t);
        let n = self.economy.firms.len();
        let spawned = self.prefix_spawn_offsets();
        let entrants: usize = self.buffers.entrants.iter().sum::<u64>() as usize;
        let ns = self.scenario.sectors.len();
        self.buffers.state.reset(chunk_count(n) + 1, ns);
        self.buffers.leavers.reset(chunk_count(n), ns);
        self.buffers.spawn_parents.clear();
        self.buffers.spawn_parents.resize(spawned, FirmId(0));
        self.observation.spawn_first_id = self.economy.next_id;
        self.economy.firms.resize(n + spawned + entrants);
        self.survivors_and_spawns(t, n);
        self.entrants(t, n + spawned, self.economy.next_id + spawned as u64);
        self.economy.next_id += (spawned + entrants) as u64;
        self.sum_new_population(chunk_count(n), n + spawned);
    }

    /// §5.12: the entrant count of each sector, `Poisson(entry_rate_j n_j (1 + s_entry_j))`,
    /// a sector-level draw.
    fn draw_entrant_counts(&mut self, t: u32) {
        let key = self.run_key.step(t);
        let levers = &self.economy.policy.levers;
        self.buffers.entrants.clear();
        let backed: Vec<Option<f64>> = (0..self.scenario.sectors.len())
            .map(|j| self.backed_entry_factor(j))
            .collect();
        let b = &mut self.buffers;
        for (j, sector) in self.scenario.sectors.iter().enumerate() {
            let mut mean = demography::expected_entrants(
                sector.params.entry_rate,
                self.economy.stats[j].firms,
                levers.entry_subsidy[j],
            );
            if let Some(factor) = backed[j] {
                mean *= factor; // M2.2: regions that back the sector add entrants
            }
            b.entrants
                .push(key.sector(j, Purpose::EntryCount).poisson(mean));
        }
    }

    /// Turns the spawn counts of the chunks into the index of each chunk's first spawned
    /// firm; returns the number of spawned firms.
    fn prefix_spawn_offsets(&mut self) -> usize {
        let mut next = 0;
        for offset in self.buffers.spawn_offsets.iter_mut() {
            let count = *offset;
            *offset = next;
            next += count;
        }
        next
    }

    /// §5.12 over the firms of step t - 1 (places `..n`): exits leave holes, switchers move,
    /// spawned firms are written after place `n`, in parent order.
    fn survivors_and_spawns(&mut self, t: u32, n: usize) {
        let scenario = self.scenario;
        let (sectors, rules) = (&scenario.sectors, &scenario.transitions);
        let ns = sectors.len();
        let stats = &self.economy.stats;
        let step_key = self.run_key.step(t);
        let next_id = self.economy.next_id;
        let newcomer_share = |j: usize| newcomer_share(stats[j].firms);
        let supply = scenario.features.supply;
        let key_inputs = &self.economy.model2.key_inputs;
        // v of a firm that joins sector j this step: phi_j(t) (M2.15; 1 without supply)
        let joining_delivery = |j: usize| if supply { key_inputs[j] } else { 1.0 };
        let b = &mut self.buffers;
        let mean_shift = &b.mean_shift;
        let chunks = chunk_count(n);
        let (state, _entrant_state) = b.state.as_mut_slice().split_at_mut(chunks * ns);
        let parents = ScatterSlice::new(&mut b.spawn_parents);
        let (head, tail) = self.economy.firms.split_at_mut(n);
        let w = FirmsWriter::new(tail);
        view_chunks(head)
            .zip(b.outcome.par_chunks(FIRM_CHUNK))
            .zip(b.weight.par_chunks(FIRM_CHUNK))
            .zip(state.par_chunks_mut(ns))
            .zip(b.leavers.as_mut_slice().par_chunks_mut(ns))
            .zip(b.spawn_offsets.par_iter())
            .for_each(
                |(((((f, outcome), weight), state), leavers), &first_spawn)| {
                    let mut spawn_at = first_spawn;
                    for i in 0..f.len() {
                        if f.sector[i] == DEAD {
                            continue;
                        }
                        let j = f.sector[i] as usize;
                        let o = outcome[i];
                        // what the decompositions compare with: the end of step t - 1
                        f.prev_share[i] = f.share[i];
                        f.origin[i] = f.sector[i];
                        let new = weight[i]; // the exits pass's new share (§5.11)
                        // read for every firm, not only for the few that leave: a column
                        // streamed in order stays ahead in the cache, one read here and
                        // there misses it
                        let ln_a = f.ln_a[i];
                        if o.flags & Outcome::EXITS != 0 {
                            leavers[j].died.add(f.share[i], ln_a);
                            f.sector[i] = DEAD;
                            f.share[i] = 0.0;
                            continue;
                        }
                        if o.switch_to != NO_SWITCH {
                            leavers[j].switched_out.add(f.share[i], ln_a);
                            f.sector[i] = o.switch_to;
                            f.share[i] = newcomer_share(o.switch_to as usize);
                            // a switcher keeps its e and takes its new sector's mean xi
                            f.demand_shift[i] = mean_shift[o.switch_to as usize];
                            if supply {
                                f.delivery[i] = joining_delivery(o.switch_to as usize);
                            }
                        } else {
                            f.share[i] = new;
                        }
                        let s = &mut state[f.sector[i] as usize];
                        s.add(f.share[i], f.a[i], f.digital[i], f.green[i], f.data[i]);
                        if supply {
                            s.delivered += f.share[i] * f.delivery[i]; // M2.15
                        }
                        let mut mask = o.spawns;
                        while mask != 0 {
                            let r = mask.trailing_zeros() as usize;
                            mask &= mask - 1;
                            let to = rules[r].to;
                            let child = BirthKey::spawned(f.birth[i], t, r);
                            let sd = sectors[to].params.spawn_tfp_sd;
                            let child_key = step_key.firm(child);
                            let a = f.a[i] + sd * child_key.normal(Purpose::SpawnTechnology);
                            let share = newcomer_share(to);
                            // SAFETY: `spawn_at` runs over this chunk's own spawn range.
                            unsafe {
                                parents.write(spawn_at, f.id[i]);
                                w.write(
                                    spawn_at,
                                    NewFirm {
                                        id: FirmId(next_id + spawn_at as u64),
                                        birth: child,
                                        born: t,
                                        sector: to as SectorIndex,
                                        a,
                                        digital: f.digital[i],
                                        green: f.green[i],
                                        share,
                                        transitory: newborn_transitory(
                                            child_key,
                                            &sectors[to].params,
                                        ),
                                        demand_shift: mean_shift[to],
                                        origin: ORIGIN_SPAWNED,
                                        region: f.region[i], // the parent's (M2.2)
                                        delivery: joining_delivery(to),
                                    },
                                );
                            }
                            state[to].add(share, a, f.digital[i], f.green[i], 0.0);
                            if supply {
                                state[to].delivered += share * joining_delivery(to);
                            }
                            spawn_at += 1;
                        }
                    }
                },
            );
    }

    /// §5.12: the entrants, written from place `first` on, by sector and slot, with ids from
    /// `first_id` on.
    fn entrants(&mut self, t: u32, first: usize, first_id: u64) {
        let placement = EntrantRegions::new(self);
        let sectors = &self.scenario.sectors;
        let stats = &self.economy.stats;
        let step_key = self.run_key.step(t);
        let (counts, phase_totals) = (&self.buffers.entrants, self.buffers.phase.totals());
        let mean_shift = &self.buffers.mean_shift;
        let supply = self.scenario.features.supply;
        let key_inputs = &self.economy.model2.key_inputs;
        let (_, tail) = self.economy.firms.split_at_mut(first);
        let entrants = tail.len();
        let w = FirmsWriter::new(tail);
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
                let key = step_key.firm(birth);
                let (z, d, g) = newborn_levels(key, p);
                // abar_j: mean a of all firms in j this step after §5.3a, exiting ones included
                let mean_a = phase_totals[j].sum_a / phase_totals[j].firms as f64;
                let mut a = mean_a + p.entry_tfp_gap + p.tfp_sd * z;
                let mut region = 0;
                if let Some(placement) = &placement {
                    let r = placement.draw(j, key.uniform(Purpose::Region));
                    a += placement.offset(r, j); // M2.2: the region's offsets, not twice
                    region = r as RegionIndex;
                }
                let share = p.entry_size / stats[j].firms as f64;
                // SAFETY: each entrant index is written once.
                unsafe {
                    w.write(
                        e,
                        NewFirm {
                            id: FirmId(first_id + e as u64),
                            birth,
                            born: t,
                            sector: j as SectorIndex,
                            a,
                            digital: d,
                            green: g,
                            share,
                            transitory: newborn_transitory(key, p),
                            demand_shift: mean_shift[j],
                            origin: ORIGIN_ENTRANT,
                            region,
                            delivery: if supply { key_inputs[j] } else { 1.0 }, // M2.15
                        },
                    );
                }
            });
    }

    /// The sums of S(t) over the new population: the entrants' (places `first..`, in storage
    /// order) go into the partials after those of the `chunks` chunks of survivors; then the
    /// holes are removed once they are a tenth of the places (a sequential pass, rare).
    fn sum_new_population(&mut self, chunks: usize, first: usize) {
        let ns = self.scenario.sectors.len();
        let f = &mut self.economy.firms;
        let b = &mut self.buffers;
        let entrant_state = &mut b.state.as_mut_slice()[chunks * ns..];
        let supply = self.scenario.features.supply;
        for i in first..f.len() {
            let j = f.sector[i] as usize;
            entrant_state[j].add(f.share[i], f.a[i], f.digital[i], f.green[i], f.data[i]);
            if supply {
                entrant_state[j].delivered += f.share[i] * f.delivery[i]; // M2.15
            }
        }
        b.state.merge(ns, |t, p| t.merge(p));
        let alive: u64 = b.state.totals().iter().map(|s| s.firms).sum();
        if (f.len() as u64 - alive) * HOLES_PER_COMPACTION > f.len() as u64 {
            f.compact();
        }
    }
}

/// The share of a firm that switches or is spawned into a sector of `firms` firms in S(t-1):
/// `1 / n_to`, or 1 into an empty sector (its newcomers then share it equally once shares
/// are normalised).
fn newcomer_share(firms: u64) -> f64 {
    if firms > 0 { 1.0 / firms as f64 } else { 1.0 }
}

/// A newborn's transitory component (an initial firm, an entrant or a spawned firm): a draw
/// from its stationary distribution in the sector it joins, `N(0, s_e^2 / (1 - rho_e^2))`;
/// 0 where the sector has none.
pub(crate) fn newborn_transitory(key: FirmKey, p: &SectorParams) -> f64 {
    if p.transitory_sd > 0.0 {
        shocks::stationary_sd(p.transitory_sd, p.transitory_persistence)
            * key.normal(Purpose::BirthTransitory)
    } else {
        0.0
    }
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
    /// e_i, drawn from its stationary distribution.
    transitory: f64,
    /// xi_i: the mean of the sector it joins.
    demand_shift: f64,
    /// [`ORIGIN_ENTRANT`] or [`ORIGIN_SPAWNED`].
    origin: SectorIndex,
    /// r_i (model 2).
    region: RegionIndex,
    /// v_i (model 2, supply): the availability of the sector it joins.
    delivery: f64,
}

/// Writes whole firms into the next population at disjoint positions.
struct FirmsWriter<'a> {
    id: ScatterSlice<'a, FirmId>,
    birth: ScatterSlice<'a, BirthKey>,
    born: ScatterSlice<'a, u32>,
    sector: ScatterSlice<'a, SectorIndex>,
    region: ScatterSlice<'a, RegionIndex>,
    a: ScatterSlice<'a, f64>,
    digital: ScatterSlice<'a, f64>,
    green: ScatterSlice<'a, f64>,
    data: ScatterSlice<'a, f64>,
    transitory: ScatterSlice<'a, f64>,
    demand_shift: ScatterSlice<'a, f64>,
    share: ScatterSlice<'a, f64>,
    paid: ScatterSlice<'a, f64>,
    ln_a: ScatterSlice<'a, f64>,
    /// `None` where the column is not kept (model 2, supply).
    delivery: Option<ScatterSlice<'a, f64>>,
    prev_share: ScatterSlice<'a, f64>,
    origin: ScatterSlice<'a, SectorIndex>,
}

impl<'a> FirmsWriter<'a> {
    fn new(f: FirmsChunk<'a>) -> Self {
        FirmsWriter {
            id: ScatterSlice::new(f.id),
            birth: ScatterSlice::new(f.birth),
            born: ScatterSlice::new(f.born),
            sector: ScatterSlice::new(f.sector),
            region: ScatterSlice::new(f.region),
            a: ScatterSlice::new(f.a),
            digital: ScatterSlice::new(f.digital),
            green: ScatterSlice::new(f.green),
            data: ScatterSlice::new(f.data),
            transitory: ScatterSlice::new(f.transitory),
            demand_shift: ScatterSlice::new(f.demand_shift),
            share: ScatterSlice::new(f.share),
            paid: ScatterSlice::new(f.paid),
            ln_a: ScatterSlice::new(f.ln_a),
            delivery: (!f.delivery.is_empty()).then(|| ScatterSlice::new(f.delivery)),
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
            self.region.write(index, firm.region);
            self.a.write(index, firm.a);
            self.digital.write(index, firm.digital);
            self.green.write(index, firm.green);
            self.data.write(index, 0.0);
            self.transitory.write(index, firm.transitory);
            self.demand_shift.write(index, firm.demand_shift);
            self.share.write(index, firm.share);
            self.paid.write(index, 0.0);
            self.ln_a.write(index, f64::NAN);
            if let Some(delivery) = &self.delivery {
                delivery.write(index, firm.delivery);
            }
            self.prev_share.write(index, 0.0);
            self.origin.write(index, firm.origin);
        }
    }
}

/// Model 2 (regions): where the entrants of a step are born and the technology offset they
/// bring (docs/model.md M2.2).
pub(crate) struct EntrantRegions<'s> {
    regions: &'s [Region],
    /// Cumulative entry weights, `[j * regions + r]`: `n_jr` plus, where region `r` backs
    /// sector `j`, `beta_E backing n_j / R`.
    cumulative: Vec<f64>,
    /// Per sector: the mean offset `o_r + apt_rj` of the sector's firms this step.
    mean_offset: Vec<f64>,
}

impl<'s> EntrantRegions<'s> {
    /// The placement of step's entrants from the firms per (sector, region) at the start of
    /// the step and the backing set; `None` without `regions`.
    pub(crate) fn new(sim: &Simulation<'s>) -> Option<Self> {
        let scenario = sim.scenario;
        if !scenario.features.regions {
            return None;
        }
        let (ns, nr) = (scenario.sectors.len(), scenario.regions.len());
        let m2 = &sim.economy.model2;
        let backing = sim.economy.policy.levers.backing;
        let mut cumulative = vec![0.0; ns * nr];
        let mut mean_offset = vec![0.0; ns];
        for j in 0..ns {
            let n_j: u64 = (0..nr).map(|r| m2.region_firms[j * nr + r]).sum();
            let extra = scenario.model.backing_entry * backing * n_j as f64 / nr as f64;
            let mut total = 0.0;
            let mut offsets = 0.0;
            for r in 0..nr {
                let n_jr = m2.region_firms[j * nr + r] as f64;
                let backed = if m2.backed[r * ns + j] { extra } else { 0.0 };
                total += n_jr + backed;
                cumulative[j * nr + r] = total;
                offsets += n_jr * offset(&scenario.regions[r], j);
            }
            mean_offset[j] = if n_j > 0 { offsets / n_j as f64 } else { 0.0 };
        }
        Some(EntrantRegions {
            regions: &scenario.regions,
            cumulative,
            mean_offset,
        })
    }

    /// The region of an entrant of sector `j` with uniform draw `u`: the first whose
    /// cumulative weight exceeds `u` times the total (a region of weight 0 is never drawn).
    pub(crate) fn draw(&self, j: usize, u: f64) -> usize {
        let nr = self.regions.len();
        let row = &self.cumulative[j * nr..(j + 1) * nr];
        pick(row, u)
    }

    /// The technology an entrant of sector `j` born in region `r` adds to model 1's draw:
    /// `o_r + apt_rj` less the sector's mean offset, so offsets are not counted twice.
    pub(crate) fn offset(&self, r: usize, j: usize) -> f64 {
        offset(&self.regions[r], j) - self.mean_offset[j]
    }
}

/// `o_r + apt_rj`: what region `r` adds to the technology of a firm of sector `j` born there.
pub(crate) fn offset(region: &Region, j: usize) -> f64 {
    region.tfp_offset + region.aptitude[j]
}

/// The first index whose cumulative weight exceeds `u` times the total; the last positive one
/// if rounding leaves `u` at the top.
pub(crate) fn pick(cumulative: &[f64], u: f64) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let target = u * total;
    let mut last_positive = 0;
    let mut before = 0.0;
    for (r, &c) in cumulative.iter().enumerate() {
        if c > before {
            last_positive = r;
            if target < c {
                return r;
            }
        }
        before = c;
    }
    last_positive
}
