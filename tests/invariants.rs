//! Invariants over random valid scenarios (docs/model.md §2, §5): whatever the parameters, after
//! every step the shares of each sector sum to 1, levels stay in [0, 1], data stocks are
//! non-negative, ids are unique, and no number is NaN or infinite.

use nqpsim::metrics::{MetricValue, RowSector};
use nqpsim::model::Matrix;
use nqpsim::model::demography::{TfpCondition, TransitionKind, TransitionRule};
use nqpsim::model::params::{SectorParams, Tier};
use nqpsim::model::policy::Targeting;
use nqpsim::model::regions::{NATIONAL_TALENT_ENDOWMENT, NATIONAL_TALENT_GROWTH, Region};
use nqpsim::scenario::Sector;
use nqpsim::{Scenario, Simulation};
use proptest::prelude::*;

fn tier() -> impl Strategy<Value = Tier> {
    prop_oneof![
        Just(Tier::Traditional),
        Just(Tier::Emerging),
        Just(Tier::Future)
    ]
}

prop_compose! {
    fn sector_params()(
        tier in tier(),
        firm_weight in prop_oneof![3 => 0.05f64..1.0, 1 => Just(0.0)],
        output_weight in 0.05f64..1.0,
        rd in 0.0f64..0.3,
        innovation_sd in 0.0f64..0.3,
        shock_sd in prop_oneof![Just(0.0), 0.0f64..0.2],
        catch_up in 0.0f64..1.0,
        digital_init in 0.0f64..=1.0,
        green_init in 0.0f64..=1.0,
        digital_cost in prop_oneof![Just(0.0), 0.0f64..2.0],
        emission in 0.0f64..3.0,
        elasticity in 1.05f64..8.0,
        adjustment in 0.0f64..=1.0,
        entry_rate in 0.0f64..0.3,
        death_rate in 0.0f64..0.3,
        entry_size in 0.0f64..3.0,
    ) -> (Tier, f64, f64, SectorParams) {
        let mut p = SectorParams::defaults(tier);
        p.rd_intensity = rd;
        p.innovation_sd = innovation_sd;
        p.shock_sd = shock_sd;
        p.catch_up = catch_up;
        p.digital_init = digital_init;
        p.green_init = green_init;
        p.digital_cost = digital_cost;
        p.emission_intensity = emission;
        p.elasticity = elasticity;
        p.share_adjustment = adjustment;
        p.entry_rate = entry_rate;
        p.death_rate = death_rate;
        p.entry_size = entry_size;
        (tier, firm_weight, output_weight, p)
    }
}

prop_compose! {
    fn scenario()(n in 1usize..=4)(
        sectors in prop::collection::vec(sector_params(), n),
        spill in prop::collection::vec(0.0f64..0.5, n * n),
        link in prop::collection::vec(0.0f64..1.0, n * n),
        rules in prop::collection::vec((0..n, 0..n, any::<bool>(), 0.0f64..=1.0, 0.0f64..=1.0, 0usize..5, any::<bool>()), 0..4),
        levers in (0.0f64..=1.0, 0.0f64..=1.0, 0.0f64..=1.0, 0.0f64..=1.0, 0.0f64..2.0, 0.0f64..=1.0),
        globals in (0.0f64..0.5, 0.0f64..=1.0, 0usize..3, prop_oneof![Just(None), (0.0005f64..0.05).prop_map(Some)], 0.0f64..0.3),
        firms in 20u64..400,
        steps in 1u32..6,
        seed in 0u64..=i64::MAX as u64,
    ) -> Scenario {
        let n = sectors.len();
        let mut s = Scenario::baseline().with_firms(firms).with_steps(steps).with_replicates(1).with_seed(seed);
        let mut list: Vec<Sector> = sectors.iter().enumerate().map(|(j, (tier, _, _, p))| {
            Sector { name: format!("s{j}"), tier: *tier, params: p.clone() }
        }).collect();
        // Shares sum to 1; at least one sector has firms.
        let mut firm_w: Vec<f64> = sectors.iter().map(|x| x.1).collect();
        if firm_w.iter().all(|&w| w == 0.0) { firm_w[0] = 1.0; }
        let fs: f64 = firm_w.iter().sum();
        let os: f64 = sectors.iter().map(|x| x.2).sum();
        for (sector, (fw, (_, _, ow, _))) in list.iter_mut().zip(firm_w.iter().zip(&sectors)) {
            sector.params.firm_share = fw / fs;
            sector.params.output_share = ow / os;
        }
        s.sectors = list;
        // One national region whose aptitudes cover the sectors just drawn (M2.2).
        s.regions = vec![Region::national(n, NATIONAL_TALENT_ENDOWMENT, NATIONAL_TALENT_GROWTH)];
        s.spillover = Matrix::from_rows(&spill.chunks(n).map(|r| r.to_vec()).collect::<Vec<_>>());
        // Demand linkage scaled so its spectral radius stays below 1.
        s.demand_linkage = Matrix::from_rows(&link.chunks(n).map(|r| r.iter().map(|x| x * 0.9 / n as f64).collect()).collect::<Vec<_>>());
        // Model 2's key-input matrix: the default of the tiers just drawn (M2.15).
        let tiers: Vec<_> = s.sectors.iter().map(|x| x.tier).collect();
        s.input_output = nqpsim::scenario::validate::default_matrix(&tiers, &nqpsim::scenario::validate::INPUT_OUTPUT_BY_TIER);
        s.transitions = rules.into_iter().filter(|r| r.0 != r.1).map(|(from, to, switch, p, d_min, cond, scale)| TransitionRule {
            kind: if switch { TransitionKind::Switch } else { TransitionKind::Spawn },
            from, to, probability: p * 0.3, d_min,
            tfp_condition: [None, Some(TfpCondition::FromMedian), Some(TfpCondition::FromFrontier), Some(TfpCondition::ToMedian), Some(TfpCondition::ToFrontier)][cond],
            scale_by_digital: scale,
        }).collect();
        let b = &mut s.policy.base;
        *b = nqpsim::model::levers::Levers::defaults(n, s.regions.len());
        b.rd_subsidy = vec![levers.0; n];
        b.digital_subsidy = vec![levers.1; n];
        b.green_subsidy = vec![levers.2; n];
        b.entry_subsidy = vec![levers.3; n];
        b.talent = vec![levers.4; n];
        b.green_standard = vec![levers.5 * 0.5; n];
        b.carbon_price = globals.0;
        b.data_openness = globals.1;
        b.targeting = [Targeting::Inclusive, Targeting::Selective, Targeting::Laggards][globals.2];
        b.budget_cap = globals.3;
        s.model.exit_share = globals.4;
        s.policy.schedule.clear();
        s
    }
}

fn finite(v: MetricValue) -> bool {
    match v {
        MetricValue::Real(x) => x.is_finite(),
        _ => true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_after_every_step(scenario in scenario()) {
        let mut sim = Simulation::new(&scenario, 0).expect("the state stays finite");
        for _ in 0..=scenario.run.steps {
            let f = sim.firms();
            let ns = scenario.sectors.len();
            let mut share_sum = vec![0.0; ns];
            let mut count = vec![0u64; ns];
            let mut previous_id = None;
            for i in f.alive() {
                let j = f.sector[i] as usize;
                share_sum[j] += f.share[i];
                count[j] += 1;
                prop_assert!((0.0..=1.0).contains(&f.digital[i]), "d = {}", f.digital[i]);
                prop_assert!((0.0..=1.0).contains(&f.green[i]), "g = {}", f.green[i]);
                prop_assert!(f.data[i] >= 0.0 && f.data[i].is_finite(), "D = {}", f.data[i]);
                prop_assert!(f.a[i].is_finite());
                prop_assert!(f.share[i] >= 0.0);
                prop_assert!(previous_id < Some(f.id[i]), "ids are unique and in storage order");
                previous_id = Some(f.id[i]);
            }
            for j in 0..ns {
                if count[j] > 0 {
                    prop_assert!((share_sum[j] - 1.0).abs() < 1e-9, "sector {j}: shares sum to {}", share_sum[j]);
                }
            }
            let rows = sim.rows();
            prop_assert_eq!(rows.len(), ns + 1);
            let mut output_share = 0.0;
            for row in rows {
                prop_assert!(row.metric_values().into_iter().all(finite), "non-finite metric in {row:?}");
                match row.sector {
                    RowSector::Sector(j) => {
                        prop_assert_eq!(row.firms, count[j]);
                        output_share += row.output_share.unwrap_or(0.0);
                        prop_assert!(row.output >= 0.0 && row.emissions >= 0.0 && row.employment >= 0.0);
                    }
                    RowSector::All => prop_assert_eq!(row.firms, f.alive().count() as u64),
                }
            }
            if rows.last().unwrap().output > 0.0 {
                prop_assert!((output_share - 1.0).abs() < 1e-9);
            }
            if sim.current_step() < scenario.run.steps {
                sim.step().expect("the state stays finite");
            }
        }
    }

    #[test]
    fn resolved_scenarios_round_trip_through_toml(scenario in scenario()) {
        let text = scenario.to_toml();
        let back = nqpsim::scenario::load_str(&scenario.name, &text, std::path::Path::new("."), &[]);
        prop_assert!(back.is_ok(), "{:?}\n{text}", back.err());
        prop_assert_eq!(back.unwrap(), scenario);
    }
}
