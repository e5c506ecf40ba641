//! Collecting the firm-year panel after each step (see [`crate::panel`]): a parallel pass over
//! the sampled firms, in storage (= id) order, and the exit flags of the previous step's rows.

use rayon::prelude::*;

use super::Simulation;
use super::reduce::FIRM_CHUNK;
use crate::math;
use crate::model::firms::{DEAD, ORIGIN_SPAWNED};
use crate::panel::{PanelRow, PanelSample};

impl Simulation<'_> {
    /// Follows the firms of `sample` from now on: collects the rows of the current step.
    pub fn with_panel(mut self, sample: PanelSample) -> Self {
        self.observation.panel = Some(sample);
        self.collect_panel();
        self
    }

    /// Takes the finished panel rows: those of every step before the last one collected,
    /// whose `exits` flag is known. [`Simulation::finish_panel`] releases the last step's.
    pub fn take_panel(&mut self) -> Vec<PanelRow> {
        std::mem::take(&mut self.observation.panel_out)
    }

    /// Releases the rows of the last step collected, with `exits` unknown (`None`).
    pub fn finish_panel(&mut self) -> Vec<PanelRow> {
        let mut rows = self.take_panel();
        rows.append(&mut self.observation.panel_pending);
        rows
    }

    /// The rows of the step just completed, if a panel is followed; the previous step's rows
    /// learn which of their firms exited.
    pub(crate) fn collect_panel(&mut self) {
        let Some(sample) = self.observation.panel else {
            return;
        };
        let t = self.step;
        let scenario = self.scenario;
        let ns = scenario.sectors.len();
        let f = &self.economy.firms;
        let output = &self.economy.output;
        let supply = scenario.features.supply;
        let delivered = &self.buffers.delivered;
        let parents = &self.buffers.spawn_parents;
        let first_spawn = self.observation.spawn_first_id;
        let replicate = self.replicate;
        let chunks: Vec<Vec<PanelRow>> = (
            f.sector.par_chunks(FIRM_CHUNK),
            f.birth.par_chunks(FIRM_CHUNK),
            f.id.par_chunks(FIRM_CHUNK),
            f.a.par_chunks(FIRM_CHUNK),
            f.ln_a.par_chunks(FIRM_CHUNK),
            f.digital.par_chunks(FIRM_CHUNK),
            f.green.par_chunks(FIRM_CHUNK),
            f.data.par_chunks(FIRM_CHUNK),
            f.share.par_chunks(FIRM_CHUNK),
            f.origin.par_chunks(FIRM_CHUNK),
        )
            .into_par_iter()
            .enumerate()
            .map(
                |(chunk, (sector, birth, id, a, ln_a, d, g, data, share, origin))| {
                    // v_i is kept only with `supply` (model 2)
                    let delivery = |i: usize| f.delivery[chunk * FIRM_CHUNK + i];
                    let mut rows = Vec::new();
                    for i in 0..sector.len() {
                        if sector[i] == DEAD || !sample.contains(birth[i]) {
                            continue;
                        }
                        let j = sector[i] as usize;
                        let mut y = share[i] * output[j]; // Y_i = f_i Y_j
                        if supply && delivered[j] > 0.0 {
                            y *= delivery(i) / delivered[j]; // M2.15: Y_i = f_i wv_i Y_j
                        }
                        let mut employment = y * math::exp(-ln_a[i]); // L_i = Y_i / A_i
                        if scenario.features.labour {
                            // M2.14: skilled and unskilled, as the trajectories count it
                            employment *=
                                scenario.sectors[j].params.skill_mix().labour_per_unit(d[i]);
                        }
                        let born_now = t > 0 && (origin[i] as usize >= ns);
                        let switched = t > 0 && (origin[i] as usize) < ns && origin[i] != sector[i];
                        rows.push(PanelRow {
                            id: id[i].0,
                            replicate,
                            step: t,
                            sector: sector[i],
                            a: a[i],
                            tfp: ln_a[i],
                            digital: d[i],
                            green: g[i],
                            data: data[i],
                            share: share[i],
                            output: y,
                            employment,
                            emissions: scenario.sectors[j].params.emission_intensity
                                * (1.0 - g[i])
                                * y,
                            entered: born_now,
                            exits: None,
                            switched_from: switched.then_some(origin[i]),
                            spawned_from: (t > 0 && origin[i] == ORIGIN_SPAWNED)
                                .then(|| parents[(id[i].0 - first_spawn) as usize].0),
                        });
                    }
                    rows
                },
            )
            .collect();
        let current: Vec<PanelRow> = chunks.into_iter().flatten().collect();
        // Both lists are in id order: a firm of the previous step that is not here exited.
        let mut pending = std::mem::take(&mut self.observation.panel_pending);
        let mut k = 0;
        for row in &mut pending {
            while k < current.len() && current[k].id < row.id {
                k += 1;
            }
            row.exits = Some(!(k < current.len() && current[k].id == row.id));
        }
        self.observation.panel_out.append(&mut pending);
        self.observation.panel_pending = current;
    }
}
