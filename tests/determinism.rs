//! Reproducibility, docs/model.md §6: the same scenario and seed give the same bytes, whatever the
//! thread count; draws are keyed by birth, so interventions from step 1 share step 0.

mod common;

use common::{csv_bytes, rows};
use nqpsim::Scenario;

fn small() -> Scenario {
    // Two chunks of firms and more, so the parallel passes really split the work.
    Scenario::baseline()
        .with_firms(9_000)
        .with_steps(8)
        .with_replicates(3)
}

#[test]
fn output_bytes_do_not_depend_on_the_thread_count() {
    let scenario = small();
    let one = csv_bytes(&scenario, 1);
    assert_eq!(one, csv_bytes(&scenario, 4));
    assert_eq!(one, csv_bytes(&scenario, 3));
}

#[test]
fn two_runs_of_the_same_scenario_give_the_same_bytes() {
    let scenario = small().with_firms(1_500);
    assert_eq!(csv_bytes(&scenario, 2), csv_bytes(&scenario, 2));
}

#[test]
fn another_seed_gives_other_numbers() {
    let scenario = small().with_firms(1_500);
    assert_ne!(
        csv_bytes(&scenario, 2),
        csv_bytes(&scenario.clone().with_seed(99), 2)
    );
}

#[test]
fn replicates_differ_from_each_other() {
    let rows = rows(&small().with_firms(1_500), 2);
    let last = rows
        .iter()
        .filter(|r| r.step == 8 && r.sector == nqpsim::metrics::RowSector::All);
    let tfp: Vec<f64> = last.map(|r| r.tfp.unwrap()).collect();
    assert_eq!(tfp.len(), 3);
    assert!(tfp[0] != tfp[1] && tfp[1] != tfp[2]);
}

#[test]
fn an_intervention_from_step_1_shares_the_baselines_step_0() {
    // the shipped (calibrated) baseline, whose 1.2 mechanisms draw at step 0 too
    let base = small().with_firms(1_500);
    let text = "extends = \"builtin:baseline\"\n[[policy.schedule]]\nfrom_step = 1\n\
                set = { rd_subsidy = 0.5, digital_subsidy = 0.5 }\n";
    let mut policy = nqpsim::scenario::load_str("policy", text, std::path::Path::new("."), &[])
        .expect("a valid policy scenario");
    policy.run = base.run;
    let (a, b) = (rows(&base, 2), rows(&policy, 2));
    let step0 = |rows: &[nqpsim::MetricsRow]| {
        rows.iter()
            .filter(|r| r.step == 0)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(step0(&a), step0(&b));
    let last = |rows: &[nqpsim::MetricsRow]| {
        rows.iter()
            .filter(|r| r.step == 8)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_ne!(last(&a), last(&b), "the intervention changes later steps");
}

#[test]
fn a_replicate_draws_the_same_numbers_whatever_the_other_replicates() {
    // Replicate 1 of a 2-replicate run equals replicate 1 of a 3-replicate run.
    let two = rows(&small().with_firms(1_500).with_replicates(2), 2);
    let three = rows(&small().with_firms(1_500).with_replicates(3), 1);
    let rep1 = |rows: &[nqpsim::MetricsRow]| {
        rows.iter()
            .filter(|r| r.replicate == 1)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(rep1(&two), rep1(&three));
}
