//! Model 2's sector and region state and its place in the step (docs/model.md M2): the
//! backing set (M2.2), the capacity stocks and plans (M2.3), the platform stocks (M2.4), the
//! carbon premium (M2.13), the talent pools (M2.14), the supply chain (M2.15), the fiscal flows
//! of model 2 and its columns. A feature that is off has no state here and none
//! of these methods does anything for it, so with every feature off the step is model 1's.

use super::Simulation;
use super::sums::Model2Flows;
use crate::metrics::{MetricsRow, Model2Metrics, RegionRow};
use crate::model::firms::DEAD;
use crate::model::params::{SectorParams, Tier};
use crate::model::supply::{self, AutonomyRule, Rationing};
use crate::model::{Matrix, capacity, carbon, labour, platform, regions};

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
    /// `Yd_j`: demand-side output of the last completed step (capacity, supply).
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
    /// `H_r`: the talent pool of each region (M2.14).
    pub talent_pool: Vec<f64>,
    /// `q_r`: the talent factor of each region, read by the next step.
    pub talent_factor: Vec<f64>,
    /// `Dh_r`: skilled demand of each region in the last completed step.
    pub talent_demand: Vec<f64>,
    /// `Lhi_rj`: skilled demand per (region, sector), `[r * sectors + j]`, of the last
    /// completed step (for the training cost).
    pub skilled_demand: Vec<f64>,
    /// `lp`: the economy's output per worker in the last completed step.
    pub output_per_worker: f64,
    /// `pi_tau`: the premium on the carbon price in force in the next step (M2.13).
    pub carbon_premium: f64,
    /// `EI*(t)`: the target path of the economy's emission intensity.
    pub intensity_path: f64,
    /// `EI(t)`: the economy's emission intensity in the last completed step (NaN where
    /// output was 0).
    pub intensity: f64,
    /// `s_j`: autonomy, the share of imported key inputs with a domestic substitute (M2.15).
    pub autonomy: Vec<f64>,
    /// `Xs_j`: the substitution factor in `A_i` of the step under way.
    pub substitution: Vec<f64>,
    /// `phi_j`: the key-input availability of the step under way (1 at step 0).
    pub key_inputs: Vec<f64>,
    /// How each sector's key inputs are rationed among its firms in the step under way.
    pub rationing: Vec<Rationing>,
}

impl Model2 {
    /// The state at the start of a run: what each feature that is on needs, empty otherwise.
    pub fn new(scenario: &crate::Scenario) -> Self {
        let ns = scenario.sectors.len();
        let f = scenario.features;
        let sized = |on: bool, value: f64| if on { vec![value; ns] } else { Vec::new() };
        let nr = scenario.regions.len();
        let regional = |on: bool, value: f64| if on { vec![value; nr] } else { Vec::new() };
        // a value of each sector's parameters, where the feature is on
        let by_sector = |on: bool, value: &dyn Fn(&SectorParams) -> f64| -> Vec<f64> {
            if on {
                scenario.sectors.iter().map(|s| value(&s.params)).collect()
            } else {
                Vec::new()
            }
        };
        let m = &scenario.model;
        Model2 {
            capacity: sized(f.capacity, 0.0),
            excess: sized(f.capacity, 0.0),
            expected_growth: by_sector(f.capacity, &|p| p.demand_growth),
            demand_output: sized(f.rations_output(), 0.0),
            availability: sized(f.rations_output(), 1.0),
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
            talent_pool: regional(f.labour, 0.0),
            talent_factor: regional(f.labour, 1.0),
            talent_demand: regional(f.labour, 0.0),
            skilled_demand: if f.labour {
                vec![0.0; ns * scenario.regions.len()]
            } else {
                Vec::new()
            },
            output_per_worker: 0.0,
            carbon_premium: 0.0,
            intensity_path: f64::NAN,
            intensity: f64::NAN,
            autonomy: by_sector(f.supply, &|p| p.autonomy_init),
            substitution: by_sector(f.supply, &|p| {
                supply::substitution_factor(m.substitution_cost, p.import_share, p.autonomy_init)
            }),
            key_inputs: sized(f.supply, 1.0),
            rationing: if f.supply {
                vec![Rationing::FULL; ns]
            } else {
                Vec::new()
            },
        }
    }
}

impl Simulation<'_> {
    /// M2.13 at the start of step `t`: the carbon price in force is the scheduled price plus
    /// the premium the rule set at the end of step `t - 1`, `tau(t) = carbon_price(t) +
    /// pi_tau(t)`; every reader of the carbon price in the step (the green upgrade, the
    /// burden, `carbon_revenue`, the `carbon_price` column) reads `tau`.
    pub(crate) fn add_carbon_premium(&mut self) {
        if self.scenario.features.carbon {
            self.economy.policy.levers.carbon_price += self.economy.model2.carbon_premium;
        }
    }

    /// M2.13 at the end of step `t`, after its metrics rows: the target path moves on by the
    /// target of step `t` (at step 0 it starts at the economy's intensity) and the premium of
    /// step `t + 1` reacts to this step's fall in intensity and its gap to the path.
    pub(crate) fn steer_carbon_price(&mut self, t: u32, intensity: Option<f64>) {
        let scenario = self.scenario;
        if !scenario.features.carbon {
            return;
        }
        let m = &scenario.model;
        let target = self.economy.policy.levers.carbon_intensity_target;
        let intensity = intensity.unwrap_or(f64::NAN);
        let m2 = &mut self.economy.model2;
        if t == 0 {
            m2.intensity_path = intensity;
        } else {
            m2.intensity_path = carbon::next_path(m2.intensity_path, target);
            let controller = carbon::Controller {
                rate_gain: m.carbon_price_gain,
                level_gain: m.carbon_level_gain,
                premium_max: m.carbon_premium_max,
            };
            m2.carbon_premium = carbon::next_premium(
                m2.carbon_premium,
                &controller,
                target,
                m2.intensity,
                intensity,
                m2.intensity_path,
            );
        }
        m2.intensity = intensity;
    }

    /// M2.14 at step `t`, once sector output `output` is known: employment by skill per
    /// sector (and region), skilled demand `Dh_r`, the talent pools (set at step 0 to
    /// `talent_endowment Dh_r(0)`, then growing at `g_r` plus training), the talent factors
    /// the next step reads, and the economy's output per worker.
    pub(crate) fn update_labour(&mut self, t: u32, output: &[f64]) {
        let scenario = self.scenario;
        if !scenario.features.labour {
            return;
        }
        let (ns, nr) = (scenario.sectors.len(), scenario.regions.len());
        let mix = |j: usize| scenario.sectors[j].params.skill_mix();
        let b = &mut self.buffers;
        b.employment.clear();
        b.employment.extend(
            b.production
                .totals()
                .iter()
                .enumerate()
                .map(|(j, p)| p.labour.employment(output[j], &mix(j))),
        );
        b.region_employment.clear();
        for r in 0..nr {
            for (j, &y) in output.iter().enumerate() {
                b.region_employment.push(if scenario.features.regions {
                    b.regions.totals()[j * nr + r].labour.employment(y, &mix(j))
                } else {
                    b.employment[j] // one region, `national`
                });
            }
        }
        let levers = &self.economy.policy.levers;
        let m2 = &mut self.economy.model2;
        for r in 0..nr {
            let demand: f64 = (0..ns).map(|j| b.region_employment[r * ns + j].high).sum();
            let region = &scenario.regions[r];
            m2.talent_pool[r] = if t == 0 {
                region.talent_endowment * demand
            } else {
                labour::next_pool(
                    m2.talent_pool[r],
                    region.talent_growth,
                    levers.talent_training[r],
                )
            };
            m2.talent_demand[r] = demand;
            m2.talent_factor[r] =
                labour::talent_factor(m2.talent_pool[r], demand, scenario.model.talent_elasticity);
            for j in 0..ns {
                m2.skilled_demand[r * ns + j] = b.region_employment[r * ns + j].high;
            }
        }
        let workers: f64 = b.employment.iter().map(|e| e.low + e.high).sum();
        let total: f64 = output.iter().sum();
        m2.output_per_worker = if workers > 0.0 { total / workers } else { 0.0 };
    }

    /// M2.14, fiscal: what training costs sector `j` in the step under way, from the pools,
    /// skilled demand and output per worker of the last completed step.
    fn training_spending(&self, j: usize) -> f64 {
        let scenario = self.scenario;
        let (ns, nr) = (scenario.sectors.len(), scenario.regions.len());
        let m2 = &self.economy.model2;
        let levers = &self.economy.policy.levers;
        (0..nr)
            .map(|r| {
                let region_demand: f64 = m2.skilled_demand[r * ns..(r + 1) * ns].iter().sum();
                labour::training_spending(
                    scenario.model.training_cost,
                    levers.talent_training[r],
                    m2.talent_pool[r],
                    m2.output_per_worker,
                    m2.skilled_demand[r * ns + j],
                    region_demand,
                )
            })
            .sum()
    }

    /// M2.15 (5.7b) at the start of step `t`, from the levers in force and the shares at the
    /// start of the step: autonomy moves with spending, a cut and upkeep; the substitution
    /// factor follows; each sector's own availability propagates downstream through `Omega`;
    /// where key inputs are short, the chain leaders of the sector are found.
    pub(crate) fn update_supply(&mut self) {
        let scenario = self.scenario;
        if !scenario.features.supply {
            return;
        }
        let m = &scenario.model;
        let policy = &self.economy.policy;
        let (levers, b) = (&policy.levers, policy.budget_scale);
        let rule = AutonomyRule {
            efficiency: m.autonomy_efficiency,
            crisis_learning: m.crisis_learning,
            depreciation: m.autonomy_depreciation,
        };
        let cut = levers.supply_cut;
        let m2 = &mut self.economy.model2;
        let buffers = &mut self.buffers;
        buffers.own_availability.clear();
        for (j, sector) in scenario.sectors.iter().enumerate() {
            let p = &sector.params;
            let spending = levers.autonomy[j] * b; // as_j = autonomy_j b(t)
            let s = supply::next_autonomy(m2.autonomy[j], p.autonomy_init, &rule, spending, cut);
            m2.autonomy[j] = s;
            m2.substitution[j] =
                supply::substitution_factor(m.substitution_cost, p.import_share, s);
            buffers
                .own_availability
                .push(supply::own_availability(p.import_share, cut, s));
        }
        supply::propagate(
            &buffers.own_availability,
            &scenario.input_output,
            &mut m2.key_inputs,
            &mut buffers.propagation,
        );
        let short = |phi: f64| phi < 1.0 && m.leader_share > 0.0;
        if m2.key_inputs.iter().any(|&phi| short(phi)) {
            // the shares at the start of the step of the firms of each short sector
            let shares = &mut buffers.leader_shares;
            shares.resize_with(scenario.sectors.len(), Vec::new);
            shares.iter_mut().for_each(Vec::clear);
            let f = &self.economy.firms;
            for (&j, &share) in f.sector.iter().zip(&f.share) {
                if j != DEAD && short(m2.key_inputs[j as usize]) {
                    shares[j as usize].push(share);
                }
            }
        }
        for (j, rationing) in m2.rationing.iter_mut().enumerate() {
            let phi = m2.key_inputs[j];
            *rationing = Rationing {
                availability: phi,
                leaders: if short(phi) {
                    supply::leaders(&mut buffers.leader_shares[j], m.leader_share)
                } else {
                    None
                },
            };
        }
    }

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
            if f.supply {
                step.substitution = m2.substitution[j];
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

    /// M2.3 and M2.15: output bounded by the key inputs available and by capacity,
    /// `Y_j = min(phi_j Yd_j, K_j)` (at step 0 capacity is first installed at `Yd_j / u_n`);
    /// keeps `Yd_j` and returns `Y_j`. Without `capacity` or `supply`, output is demand-side
    /// output.
    pub(crate) fn bind_output(&mut self, t: u32, demand_output: Vec<f64>) -> Vec<f64> {
        let scenario = self.scenario;
        let f = scenario.features;
        if !f.rations_output() {
            return demand_output;
        }
        let m2 = &mut self.economy.model2;
        if f.capacity && t == 0 {
            for (k, &yd) in m2.capacity.iter_mut().zip(&demand_output) {
                *k = yd / scenario.model.normal_utilisation;
            }
        }
        let output = demand_output
            .iter()
            .enumerate()
            .map(|(j, &yd)| {
                let mut y = yd;
                if f.supply {
                    y *= m2.key_inputs[j]; // phi_j Yd_j (M2.15)
                }
                if f.capacity {
                    y = capacity::bound_output(y, m2.capacity[j]); // M2.3
                }
                y
            })
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
        }
    }

    /// Keeps this step's demand-side output for the next step's growth (capacity, supply).
    pub(crate) fn keep_demand_output(&mut self) {
        let m2 = &mut self.economy.model2;
        m2.demand_output.clone_from(&self.buffers.demand_output);
    }

    /// §5.13 with `capacity` or `supply` on: next year's demand scales from the growth of
    /// demand-side output and the change in availability `psi(t-1) -> psi(t)` (M2.3, M2.15).
    pub(crate) fn next_demand_with_availability(&mut self, t: u32) {
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
        if f.labour {
            flows.subsidy_training = Some(self.training_spending(j));
        }
        if f.supply {
            flows.subsidy_autonomy = Some(levers.autonomy[j] * b * y); // as_j Y_j(t-1)
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
        if f.labour {
            let e = &self.buffers.employment[j];
            c.employment_low = Some(e.low);
            c.employment_high = Some(e.high);
            c.displaced = Some(e.displaced);
            c.subsidy_training = flows.subsidy_training;
        }
        if f.supply {
            c.autonomy = Some(m2.autonomy[j]);
            c.supply_availability = Some(m2.key_inputs[j]);
            c.subsidy_autonomy = flows.subsidy_autonomy;
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
        if f.labour {
            let m2 = &self.economy.model2;
            c.employment_low = sum(|c| c.employment_low);
            c.employment_high = sum(|c| c.employment_high);
            c.displaced = sum(|c| c.displaced);
            c.talent_shortage = Some(labour::shortage(&m2.talent_pool, &m2.talent_demand));
            c.subsidy_training = sum(|c| c.subsidy_training);
        }
        if f.supply {
            let m2 = &self.economy.model2;
            c.autonomy = weighted(|c| c.autonomy);
            let demand: f64 = self.buffers.demand_output.iter().sum();
            let available: f64 = self
                .buffers
                .demand_output
                .iter()
                .zip(&m2.key_inputs)
                .map(|(yd, phi)| phi * yd)
                .sum();
            c.supply_availability = (demand > 0.0).then(|| available / demand);
            c.subsidy_autonomy = sum(|c| c.subsidy_autonomy);
        }
        c
    }
}

impl Simulation<'_> {
    /// The `regions.csv` rows of step `t` from the production sums per (sector, region) and
    /// the sector outputs `output` (docs/model.md M2.10): `Y_i = f_i wv_i Y_j`.
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
            let labour_on = scenario.features.labour;
            let region_employment = |get: fn(&labour::Employment) -> f64| -> f64 {
                let e = &self.buffers.region_employment[r * ns..(r + 1) * ns];
                e.iter().map(get).sum()
            };
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
                employment_low: labour_on.then(|| region_employment(|e| e.low)),
                employment_high: labour_on.then(|| region_employment(|e| e.high)),
                talent_demand: labour_on.then(|| m2.talent_demand[r]),
                talent_pool: labour_on.then(|| m2.talent_pool[r]),
                backed: (0..ns).filter(|&j| m2.backed[r * ns + j]).collect(),
            });
        }
    }
}

/// Growth of demand-side output, `Yd(t) / Yd(t-1) - 1` (0 after a year without it).
fn demand_output_growth(output: f64, previous: f64) -> f64 {
    crate::model::production::output_growth(output, previous)
}
