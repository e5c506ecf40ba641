//! Model 2's sector and region state and its place in the step (docs/model.md M2): the
//! backing set (M2.2), the capacity stocks and plans (M2.3), the platform stocks (M2.4), the
//! fiscal flows of model 2 and its columns. A feature that is off has no state here and none
//! of these methods does anything for it, so with every feature off the step is model 1's.

use super::Simulation;
use super::sums::Model2Flows;
use crate::metrics::{MetricsRow, Model2Metrics, RegionRow};
use crate::model::params::Tier;
use crate::model::{Matrix, capacity, platform, regions};

/// What model 2 keeps from step to step, per sector (and region).
#[derive(Clone, Debug, Default)]
pub(crate) struct Model2 {
    /// `K_j`: capacity installed for the step under way (planned at the end of the last one),
    /// scrapped by green-standard closures during the step.
    pub capacity: Vec<f64>,
    /// `x_j`: the planned excess of the capacity installed for the step under way.
    pub excess: Vec<f64>,
    /// `g^e_j`: expected growth of demand-side output.
    pub expected_growth: Vec<f64>,
    /// `Yd_j`: demand-side output of the last completed step.
    pub demand_output: Vec<f64>,
    /// `psi_j = Y_j / Yd_j` of the last completed step.
    pub availability: Vec<f64>,
    /// `Pi_j`: the common-technology stock.
    pub stock: Vec<f64>,
    /// `l_j = sum_k Wl[j][k] Pi_k` of the last completed step.
    pub lift: Vec<f64>,
    /// `cn_j`: contributions of the last completed step over output the step before.
    pub contribution_rate: Vec<f64>,
    /// `Wl`: how much of each sector's stock lifts each sector.
    pub linkage: Option<Matrix>,
    /// BK(t): `backed[r * sectors + j]`, whether region `r` backs sector `j` this step.
    pub backed: Vec<bool>,
    /// `nb_j`: the number of regions that back sector `j` this step.
    pub backers: Vec<u32>,
    /// `n_jr`: firms of sector `j` in region `r` at the end of the last completed step,
    /// `[j * regions + r]`.
    pub region_firms: Vec<u64>,
}

impl Model2 {
    /// The state at the start of a run: what each feature that is on needs, empty otherwise.
    pub fn new(scenario: &crate::Scenario) -> Self {
        let ns = scenario.sectors.len();
        let f = scenario.features;
        let sized = |on: bool, value: f64| if on { vec![value; ns] } else { Vec::new() };
        Model2 {
            capacity: sized(f.capacity, 0.0),
            excess: sized(f.capacity, 0.0),
            expected_growth: if f.capacity {
                scenario
                    .sectors
                    .iter()
                    .map(|s| s.params.demand_growth)
                    .collect()
            } else {
                Vec::new()
            },
            demand_output: sized(f.capacity, 0.0),
            availability: sized(f.capacity, 1.0),
            stock: sized(f.platform, 0.0),
            lift: sized(f.platform, 0.0),
            contribution_rate: sized(f.platform, 0.0),
            linkage: f.platform.then(|| platform::linkage(&scenario.spillover)),
            backed: if f.regions {
                vec![false; ns * scenario.regions.len()]
            } else {
                Vec::new()
            },
            backers: if f.regions { vec![0; ns] } else { Vec::new() },
            region_firms: if f.regions {
                vec![0; ns * scenario.regions.len()]
            } else {
                Vec::new()
            },
        }
    }
}

impl Simulation<'_> {
    /// M2.2 at the start of step `t` (and of step 0): the backing set BK(t) from the levers
    /// in force, recomputed every step; empty when `backing` is 0.
    pub(crate) fn update_backing_set(&mut self) {
        let scenario = self.scenario;
        if !scenario.features.regions {
            return;
        }
        let levers = &self.economy.policy.levers;
        let ns = scenario.sectors.len();
        let m2 = &mut self.economy.model2;
        m2.backed.fill(false);
        m2.backers.fill(0);
        if levers.backing <= 0.0 {
            return;
        }
        let candidates: Vec<usize> = (0..ns)
            .filter(|&j| scenario.sectors[j].tier != Tier::Traditional)
            .collect();
        let popularity: Vec<f64> = scenario
            .sectors
            .iter()
            .map(|s| s.params.popularity)
            .collect();
        let per_region = scenario.model.backed_per_region as usize;
        let set = regions::backing_set(
            &scenario.regions,
            &candidates,
            &popularity,
            levers.layout_herding,
            per_region,
        );
        for (r, backed) in set.iter().enumerate() {
            for &j in backed {
                m2.backed[r * ns + j] = true;
                m2.backers[j] += 1;
            }
        }
    }

    /// M2.2-M2.4 at the start of step `t`: what every firm of a sector shares this step
    /// (the idle-capacity cost and effort factor, the lift and the private return of a
    /// contribution, the backing rate), after model 1's per-sector values.
    pub(crate) fn model2_sector_steps(&mut self) {
        let scenario = self.scenario;
        let f = scenario.features;
        if !f.any() {
            return;
        }
        let m = &scenario.model;
        let policy = &self.economy.policy;
        let (levers, b) = (&policy.levers, policy.budget_scale);
        let m2 = &self.economy.model2;
        for (j, step) in self.buffers.sector_steps.iter_mut().enumerate() {
            if f.capacity {
                step.idle_cost = capacity::idle_cost(m.capacity_cost, m2.excess[j]);
                step.effort_factor = capacity::effort_factor(m2.excess[j], m.price_pressure);
            }
            if f.platform {
                let matching = levers.fund_matching * b;
                let others = platform::others_provision(
                    levers.common_tech_fund[j] * b,
                    matching,
                    m2.contribution_rate[j],
                );
                step.lift = m2.lift[j];
                step.return_per_share = platform::return_per_share(
                    m.contribution_return,
                    matching,
                    self.economy.stats[j].firms as f64,
                    m.platform_scale,
                    others,
                );
            }
            if f.regions {
                step.backing_rate = b * levers.backing * m.backing_rd;
            }
        }
    }

    /// M2.2: the expected entrants of sector `j` are scaled by `1 + beta_E backing nb_j / R`
    /// where regions back it (model 1's expression itself where none does).
    pub(crate) fn backed_entry_factor(&self, j: usize) -> Option<f64> {
        let s = self.scenario;
        if !s.features.regions {
            return None;
        }
        let backers = self.economy.model2.backers[j];
        (backers > 0).then(|| {
            let backing = self.economy.policy.levers.backing;
            1.0 + s.model.backing_entry * backing * f64::from(backers) / s.regions.len() as f64
        })
    }

    /// M2.3: green-standard closures scrap their share of the sector's capacity,
    /// `K_j <- K_j max(0, 1 - sum of the closed firms' shares)`.
    pub(crate) fn scrap_closed_capacity(&mut self) {
        if !self.scenario.features.capacity {
            return;
        }
        let closed = self.buffers.demography.totals();
        for (k, d) in self.economy.model2.capacity.iter_mut().zip(closed) {
            *k *= (1.0 - d.standard_share).max(0.0);
        }
    }

    /// M2.4 in step `t >= 1`, before output: the step's platform spending (the fund, the
    /// contributions over last year's output, the matching), the stock and the lift.
    pub(crate) fn update_platform(&mut self, t: u32) {
        let scenario = self.scenario;
        if !scenario.features.platform || t == 0 {
            return;
        }
        let m = &scenario.model;
        let policy = &self.economy.policy;
        let (levers, b) = (&policy.levers, policy.budget_scale);
        let phase = self.buffers.phase.totals();
        let m2 = &mut self.economy.model2;
        for (j, &y) in self.economy.output.iter().enumerate() {
            let contributions = phase[j].contributions;
            m2.contribution_rate[j] = if y > 0.0 { contributions / y } else { 0.0 };
            let spending = platform::spending(
                levers.common_tech_fund[j] * b,
                levers.fund_matching * b,
                m2.contribution_rate[j],
            );
            m2.stock[j] = platform::next_stock(
                m2.stock[j],
                m.platform_obsolescence,
                m.platform_efficiency,
                spending,
                m.platform_scale,
            );
        }
        let linkage = m2
            .linkage
            .as_ref()
            .expect("platform on: the linkage is set");
        for j in 0..m2.lift.len() {
            m2.lift[j] = linkage
                .row(j)
                .iter()
                .zip(&m2.stock)
                .map(|(w, pi)| w * pi)
                .sum();
        }
    }

    /// M2.3: output bounded by capacity, `Y_j = min(Yd_j, K_j)` (at step 0 capacity is first
    /// installed at `Yd_j / u_n`); keeps `Yd_j` and returns `Y_j`. Without `capacity`,
    /// output is demand-side output.
    pub(crate) fn bind_output(&mut self, t: u32, demand_output: Vec<f64>) -> Vec<f64> {
        let scenario = self.scenario;
        if !scenario.features.capacity {
            return demand_output;
        }
        let m2 = &mut self.economy.model2;
        if t == 0 {
            for (k, &yd) in m2.capacity.iter_mut().zip(&demand_output) {
                *k = yd / scenario.model.normal_utilisation;
            }
        }
        let output = demand_output
            .iter()
            .zip(&m2.capacity)
            .map(|(&yd, &k)| capacity::bound_output(yd, k))
            .collect();
        // psi(t - 1) for the demand linkage, then psi(t)
        self.buffers
            .availability_previous
            .clone_from(&m2.availability);
        m2.availability = demand_output
            .iter()
            .zip(&output)
            .map(|(&yd, &y): (&f64, &f64)| capacity::availability(y, yd))
            .collect();
        self.buffers.demand_output.clone_from(&demand_output);
        output
    }

    /// M2.3 at the end of step `t`: the capacity planned for step `t + 1` from the expected
    /// growth of demand-side output (updated from step 1 on) and the backed output share.
    pub(crate) fn plan_capacity(&mut self, t: u32) {
        let scenario = self.scenario;
        if !scenario.features.capacity {
            return;
        }
        let m = &scenario.model;
        let backing = if scenario.features.regions {
            self.economy.policy.levers.backing
        } else {
            0.0
        };
        let demand_output = &self.buffers.demand_output;
        let m2 = &mut self.economy.model2;
        for (j, &yd) in demand_output.iter().enumerate() {
            if t > 0 {
                let growth = demand_output_growth(yd, m2.demand_output[j]);
                m2.expected_growth[j] =
                    capacity::expected_growth(m2.expected_growth[j], m.demand_expectation, growth);
            }
            let backed_extra = m.backing_capacity * backing * self.buffers.backed_share[j];
            let plan = capacity::plan(
                m2.capacity[j],
                yd,
                m2.expected_growth[j],
                m.normal_utilisation,
                m.capacity_depreciation,
                backed_extra,
            );
            m2.capacity[j] = plan.capacity;
            m2.excess[j] = plan.planned_excess;
            m2.demand_output[j] = yd;
        }
    }

    /// §5.13 with `capacity` on: next year's demand scales from the growth of demand-side
    /// output and the change in availability `psi(t-1) -> psi(t)` (M2.3).
    pub(crate) fn next_demand_with_capacity(&mut self, t: u32) {
        let scenario = self.scenario;
        let m2 = &self.economy.model2;
        let demand_output = &self.buffers.demand_output;
        let growth: Vec<f64> = demand_output
            .iter()
            .zip(&m2.demand_output)
            .map(|(&yd, &before)| {
                if t == 0 {
                    0.0
                } else {
                    demand_output_growth(yd, before)
                }
            })
            .collect();
        for (j, sector) in scenario.sectors.iter().enumerate() {
            self.economy.demand[j] = capacity::next_demand_scale(
                self.economy.demand[j],
                sector.params.demand_growth,
                scenario.demand_linkage.row(j),
                &growth,
                &m2.availability,
                &self.buffers.availability_previous,
            );
        }
    }

    /// The model-2 spending of sector `j` in this step (docs/model.md M2.10, fiscal), on the
    /// output of last step: backing's R&D subsidy and entry support, the fund and matching.
    pub(crate) fn model2_flows(&self, j: usize) -> Model2Flows {
        let scenario = self.scenario;
        let f = scenario.features;
        let m = &scenario.model;
        let policy = &self.economy.policy;
        let (levers, b) = (&policy.levers, policy.budget_scale);
        let phase = &self.buffers.phase.totals()[j];
        let y = self.economy.output[j];
        let mut flows = Model2Flows::default();
        if f.regions {
            let p = &scenario.sectors[j].params;
            let backers = f64::from(self.economy.model2.backers[j]);
            let entry = p.entry_rate
                * (1.0 + levers.entry_subsidy[j])
                * m.backing_entry
                * levers.backing
                * (backers / scenario.regions.len() as f64)
                * m.entry_cost
                * y;
            flows.backing_rd = phase.subsidy_backing;
            flows.subsidy_backing = Some(phase.subsidy_backing + entry);
        }
        if f.platform {
            flows.contributions = Some(phase.contributions);
            flows.subsidy_platform = Some(
                levers.common_tech_fund[j] * b * y + levers.fund_matching * b * phase.contributions,
            );
        }
        flows
    }

    /// The model-2 columns of sector `j`'s row with output `y` (docs/model.md M2.10).
    pub(crate) fn model2_columns(&self, j: usize, y: f64, flows: &Model2Flows) -> Model2Metrics {
        let f = self.scenario.features;
        let m2 = &self.economy.model2;
        let mut c = Model2Metrics {
            carbon_price: Some(self.economy.policy.levers.carbon_price),
            subsidy_backing: flows.subsidy_backing,
            subsidy_platform: flows.subsidy_platform,
            contributions: flows.contributions,
            ..Model2Metrics::default()
        };
        if f.capacity {
            let k = m2.capacity[j];
            c.capacity = Some(k);
            c.capacity_utilisation = (k > 0.0).then(|| y / k);
            c.idle_capacity = Some(m2.excess[j]);
        }
        if f.platform {
            c.platform_lift = Some(m2.lift[j]);
        }
        c
    }

    /// The model-2 columns of the `all` row from the sector rows (docs/model.md M2.10):
    /// sums, total output over total capacity, output-weighted excess and lift.
    pub(crate) fn model2_all(&self, sectors: &[MetricsRow], total_output: f64) -> Model2Metrics {
        let f = self.scenario.features;
        let sum = |get: fn(&Model2Metrics) -> Option<f64>| -> Option<f64> {
            sectors.iter().map(|r| get(&r.model2)).sum()
        };
        let weighted = |get: fn(&Model2Metrics) -> Option<f64>| -> Option<f64> {
            let total: Option<f64> = sectors
                .iter()
                .map(|r| get(&r.model2).map(|x| r.output * x))
                .sum();
            total
                .filter(|_| total_output > 0.0)
                .map(|t| t / total_output)
        };
        let mut c = Model2Metrics {
            carbon_price: Some(self.economy.policy.levers.carbon_price),
            subsidy_backing: sum(|c| c.subsidy_backing),
            subsidy_platform: sum(|c| c.subsidy_platform),
            contributions: sum(|c| c.contributions),
            ..Model2Metrics::default()
        };
        if f.capacity {
            let k = sum(|c| c.capacity);
            c.capacity = k;
            c.capacity_utilisation = k.filter(|&k| k > 0.0).map(|k| total_output / k);
            c.idle_capacity = weighted(|c| c.idle_capacity);
        }
        if f.platform {
            c.platform_lift = weighted(|c| c.platform_lift);
        }
        c
    }
}

impl Simulation<'_> {
    /// The `regions.csv` rows of step `t` from the production sums per (sector, region) and
    /// the sector outputs `output` (docs/model.md M2.10): `Y_i = f_i Y_j`.
    pub(crate) fn observe_regions(&mut self, t: u32, output: &[f64]) {
        let scenario = self.scenario;
        self.observation.regions.clear();
        if !scenario.features.regions {
            return;
        }
        let (ns, nr) = (scenario.sectors.len(), scenario.regions.len());
        let sums = self.buffers.regions.totals();
        let total: f64 = output.iter().sum();
        let m2 = &self.economy.model2;
        for r in 0..nr {
            let (mut firms, mut y, mut y_ln_a) = (0, 0.0, 0.0);
            for j in 0..ns {
                let g = &sums[j * nr + r];
                firms += g.firms;
                y += output[j] * g.share;
                y_ln_a += output[j] * g.share_ln_a;
            }
            self.observation.regions.push(RegionRow {
                point: 0,
                replicate: self.replicate,
                step: t,
                region: r,
                firms,
                output: y,
                output_share: (total > 0.0).then(|| y / total),
                tfp: (y > 0.0).then(|| y_ln_a / y),
                backed: (0..ns).filter(|&j| m2.backed[r * ns + j]).collect(),
            });
        }
    }
}

/// Growth of demand-side output, `Yd(t) / Yd(t-1) - 1` (0 after a year without it).
fn demand_output_growth(output: f64, previous: f64) -> f64 {
    crate::model::production::output_growth(output, previous)
}
