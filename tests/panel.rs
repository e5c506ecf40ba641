//! The firm-year panel: with `--panel all` its aggregates reproduce `trajectories.csv`; its
//! flags agree with the flows there; a sampled panel follows the same firms for life; the
//! CLI writes the panel and its codebook.

use nqpsim::metrics::RowSector;
use nqpsim::panel::{PanelRow, PanelSample};
use nqpsim::{RunOptions, Scenario, Silent};

fn run(scenario: &Scenario, panel: PanelSample) -> nqpsim::RunOutput {
    let options = RunOptions {
        threads: Some(2),
        panel: Some(panel),
        ..RunOptions::default()
    };
    nqpsim::run(scenario, &options, &Silent).unwrap()
}

fn scenario() -> Scenario {
    scenario_with(&[])
}

/// The small baseline of these tests with `--set`-style overrides `sets`.
fn scenario_with(sets: &[&str]) -> Scenario {
    let mut sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    sets.push("transitions[0].probability=0.1".into());
    nqpsim::scenario::load_baseline(&sets)
        .unwrap()
        .with_firms(1500)
        .with_steps(6)
        .with_replicates(2)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + b.abs())
}

#[test]
fn the_full_panel_adds_up_to_the_trajectories_and_its_flags_to_the_flows() {
    assert_the_panel_adds_up(&scenario());
}

#[test]
fn with_labour_on_the_panel_counts_employment_by_skill_as_the_trajectories_do() {
    let scenario = scenario_with(&["features.labour=true", "policy.digital_subsidy=0.5"]);
    assert_the_panel_adds_up(&scenario);
}

#[test]
fn with_a_supply_cut_the_panel_shares_output_by_deliveries_as_the_trajectories_do() {
    // docs/model.md M2.15: Y_i = f_i wv_i Y_j, with chain leaders served first
    let scenario = scenario_with(&[
        "features.supply=true",
        "features.labour=true",
        "policy.supply_cut=0.5",
        "model.leader_share=0.2",
    ]);
    assert_the_panel_adds_up(&scenario);
}

fn assert_the_panel_adds_up(scenario: &Scenario) {
    let output = run(scenario, PanelSample::All);
    let panel: Vec<PanelRow> = output.panel;
    for row in output
        .rows
        .iter()
        .filter(|r| matches!(r.sector, RowSector::Sector(_)))
    {
        let RowSector::Sector(j) = row.sector else {
            unreachable!()
        };
        let firms: Vec<&PanelRow> = panel
            .iter()
            .filter(|p| {
                p.replicate == row.replicate && p.step == row.step && p.sector as usize == j
            })
            .collect();
        assert_eq!(firms.len() as u64, row.firms, "{row:?}");
        let sum = |f: fn(&PanelRow) -> f64| firms.iter().map(|p| f(p)).sum::<f64>();
        assert!(close(sum(|p| p.output), row.output), "output {row:?}");
        assert!(close(sum(|p| p.employment), row.employment), "employment");
        assert!(close(sum(|p| p.emissions), row.emissions), "emissions");
        assert!(close(sum(|p| p.share), 1.0));
        if let Some(tfp) = row.tfp {
            assert!(close(sum(|p| p.share * p.tfp), tfp), "tfp");
        }
        let count = |f: fn(&PanelRow) -> bool| firms.iter().filter(|p| f(p)).count() as u64;
        assert_eq!(count(|p| p.switched_from.is_some()), row.switches_in);
        assert_eq!(
            count(|p| p.spawned_from.is_some()),
            row.spawns,
            "spawned firms name their parent"
        );
        assert_eq!(count(|p| p.entered), row.entries + row.spawns);
        // exits during the next step, by the sector at its start
        let next = output.rows.iter().find(|r| {
            r.replicate == row.replicate && r.step == row.step + 1 && r.sector == row.sector
        });
        match next {
            Some(next) => assert_eq!(count(|p| p.exits == Some(true)), next.exits),
            None => assert!(
                firms.iter().all(|p| p.exits.is_none()),
                "censored at the end"
            ),
        }
    }
    // a spawned firm's parent existed at the step before
    for p in panel.iter().filter(|p| p.spawned_from.is_some()) {
        let parent = p.spawned_from.unwrap();
        assert!(
            panel
                .iter()
                .any(|q| q.replicate == p.replicate && q.step + 1 == p.step && q.id == parent)
        );
    }
}

#[test]
fn a_sampled_panel_follows_the_same_firms_for_life_at_about_the_rate() {
    let scenario = scenario();
    let all = run(&scenario, PanelSample::All).panel;
    let sample = run(&scenario, PanelSample::Rate(0.2)).panel;
    // the sample is the full panel restricted to some firms: the same rows, whole histories
    let ids: std::collections::BTreeSet<(u32, u64)> =
        sample.iter().map(|p| (p.replicate, p.id)).collect();
    let restricted: Vec<&PanelRow> = all
        .iter()
        .filter(|p| ids.contains(&(p.replicate, p.id)))
        .collect();
    assert_eq!(restricted.len(), sample.len());
    assert!(restricted.iter().zip(&sample).all(|(a, b)| *a == b));
    let share = sample.len() as f64 / all.len() as f64;
    assert!((share - 0.2).abs() < 0.03, "{share}");
    // entrants join the sample too
    assert!(sample.iter().any(|p| p.entered));
}

#[test]
fn run_writes_the_panel_and_its_codebook() {
    let dir = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("nqpsim"))
        .current_dir(dir.path())
        .args([
            "run",
            "--firms",
            "400",
            "--steps",
            "3",
            "--replicates",
            "2",
            "--panel",
            "0.1",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let folder = dir.path().join("output/baseline");
    let panel = std::fs::read_to_string(folder.join("panel.csv")).unwrap();
    assert!(panel.starts_with(
        "id,replicate,step,year,sector,tier,a,tfp,digital,green,data,share,output,employment,emissions,entered,exits,switched_from,spawned_from\n"
    ));
    assert!(panel.lines().count() > 50);
    let codebook = std::fs::read_to_string(folder.join("panel_codebook.md")).unwrap();
    for column in ["`spawned_from`", "`exits`", "rate 0.1", "pandas"] {
        assert!(codebook.contains(column), "{column}");
    }
    let manifest = std::fs::read_to_string(folder.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"panel.csv\"") && manifest.contains("decomposition.csv"));
    // a run without --panel removes the stale panel
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("nqpsim"))
        .current_dir(dir.path())
        .args(["run", "--firms", "400", "--steps", "3", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!folder.join("panel.csv").exists());
    let bad = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("nqpsim"))
        .current_dir(dir.path())
        .args(["run", "--panel", "2"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("(0, 1]"));
}
