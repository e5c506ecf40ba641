//! The productivity decompositions add up: on every step of random scenarios, the
//! Melitz-Polanec terms and the Foster-Haltiwanger-Krizan terms of each sector sum to the
//! change of its `tfp`, and the sectors' contributions and reallocation terms sum to the
//! change of the economy's `tfp`. Firms moving between sectors show up as transformation.

use nqpsim::decomposition::DecompositionRow;
use nqpsim::{Scenario, Simulation};
use proptest::prelude::*;

/// Steps a scenario, checking every decomposition row against the metrics rows.
fn check_adding_up(scenario: &Scenario, replicate: u32) -> Result<(), TestCaseError> {
    let mut sim = Simulation::new(scenario, replicate).unwrap();
    prop_assert!(sim.decomposition().is_empty(), "no change at step 0");
    let ns = scenario.sectors.len();
    let mut tfp_prev: Vec<Option<f64>> = sim.rows().iter().map(|r| r.tfp).collect();
    for t in 1..=scenario.run.steps {
        sim.step().unwrap();
        let rows = sim.rows();
        let d: &[DecompositionRow] = sim.decomposition();
        prop_assert_eq!(d.len(), ns + 1);
        let (mut contribution, mut reallocation) = (0.0, 0.0);
        for (j, row) in d.iter().enumerate() {
            prop_assert_eq!(row.step, t);
            let expected = rows[j].tfp.zip(tfp_prev[j]).map(|(now, prev)| now - prev);
            prop_assert_eq!(row.d_tfp, expected);
            let scale = 1e-9 * (1.0 + expected.unwrap_or(0.0).abs());
            // For `all`, the terms are the sectors' weighted by their output shares: they add
            // up to the sectors' contributions, and reallocation makes up the rest (below).
            let change = if j < ns { expected } else { row.contribution };
            if let (Some(terms), Some(change)) = (row.terms, change) {
                prop_assert!(
                    (terms.mp_total() - change).abs() < scale,
                    "step {t} sector {j}: Melitz-Polanec {} vs {change}",
                    terms.mp_total()
                );
                prop_assert!(
                    (terms.fhk_total() - change).abs() < scale,
                    "step {t} sector {j}: FHK {} vs {change}",
                    terms.fhk_total()
                );
                let split = terms.entry_new + terms.entry_transformed;
                prop_assert!((split - terms.mp_entry).abs() < scale);
                let split = terms.exit_died + terms.exit_switched;
                prop_assert!((split - terms.mp_exit).abs() < scale);
            }
            if j < ns {
                contribution += row.contribution.unwrap_or(0.0);
                reallocation += row.reallocation.unwrap_or(0.0);
            }
        }
        let all = &d[ns];
        if let Some(change) = all.d_tfp {
            let scale = 1e-9 * (1.0 + change.abs());
            let c = all.contribution.unwrap();
            let r = all.reallocation.unwrap();
            prop_assert!((c - contribution).abs() < scale && (r - reallocation).abs() < scale);
            prop_assert!(
                (c + r - change).abs() < scale,
                "step {t}: contribution {c} + reallocation {r} vs {change}"
            );
        }
        tfp_prev = rows.iter().map(|r| r.tfp).collect();
    }
    Ok(())
}

fn scenario(overrides: &[String], firms: u64, steps: u32) -> Scenario {
    nqpsim::scenario::load_baseline(overrides)
        .unwrap()
        .with_firms(firms)
        .with_steps(steps)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_decomposition_adds_up_on_every_step_of_random_scenarios(
        firms in 50u64..1500,
        seed in 0u64..1_000_000,
        exit_share in 0.0f64..0.6,
        entry_rate in 0.0f64..0.3,
        switch in 0.0f64..0.3,
        rd in 0.0f64..1.0,
        openness in 0.0f64..1.0,
        standard in 0.0f64..0.6,
    ) {
        let overrides = vec![
            format!("run.seed={seed}"),
            format!("model.exit_share={exit_share}"),
            format!("sectors.emerging.entry_rate={entry_rate}"),
            format!("transitions[0].probability={switch}"),
            format!("policy.rd_subsidy={rd}"),
            format!("policy.data_openness={openness}"),
            format!("policy.green_standard.traditional={standard}"),
        ];
        check_adding_up(&scenario(&overrides, firms, 6), 0)?;
    }
}

#[test]
fn the_many_sector_scenario_adds_up_too() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/china-industries.toml"
    );
    let scenario = nqpsim::scenario::load(path.as_ref(), &[])
        .unwrap()
        .with_firms(3000)
        .with_steps(5);
    check_adding_up(&scenario, 1).unwrap();
}

#[test]
fn transformation_appears_where_firms_switch_and_spawn() {
    // With switching and spawning from traditional to emerging, the transformation terms are
    // not all zero; without them they are.
    let on = scenario(&["transitions[0].probability=0.2".into()], 2000, 4);
    let off = scenario(
        &[
            "transitions[0].probability=0".into(),
            "transitions[1].probability=0".into(),
            "transitions[2].probability=0".into(),
        ],
        2000,
        4,
    );
    let transformation = |s: &Scenario| -> f64 {
        let mut sim = Simulation::new(s, 0).unwrap();
        let mut total = 0.0;
        for _ in 0..s.run.steps {
            sim.step().unwrap();
            total += sim
                .decomposition()
                .iter()
                .filter_map(|r| r.terms.map(|t| t.transformation().abs()))
                .sum::<f64>();
        }
        total
    };
    assert!(transformation(&on) > 0.0);
    assert_eq!(transformation(&off), 0.0);
}

#[test]
fn a_sector_whose_firms_all_leave_in_one_step_still_adds_up() {
    // Found by the property above on CI: a green standard of 0.58 closes every traditional
    // firm at step 1 while entrants arrive, so the sector has a TFP at both ends but no
    // survivors. Its growth within has no Melitz-Polanec split; the `all` terms are NA and
    // the shift-share terms still add up.
    let overrides: Vec<String> = [
        "run.seed=384728",
        "model.exit_share=0",
        "sectors.emerging.entry_rate=0",
        "transitions[0].probability=0",
        "policy.rd_subsidy=0",
        "policy.data_openness=0",
        "policy.green_standard.traditional=0.5809217138034044",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let s = scenario(&overrides, 84, 6);
    check_adding_up(&s, 0).unwrap();
    let mut sim = Simulation::new(&s, 0).unwrap();
    sim.step().unwrap();
    let d = sim.decomposition();
    assert!(d[0].d_tfp.is_some() && d[0].terms.is_none(), "{:?}", d[0]);
    assert!(d[3].terms.is_none() && d[3].contribution.is_some());
}
