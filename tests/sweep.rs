//! Sweeps: the runs of a point are the runs of its scenario; replicate r has the same random
//! numbers at every point; the files are the same bytes on any number of threads, with or
//! without trajectories, and when run in shards and merged; shards that do not belong
//! together are refused; a sweep of a scenario with model 2's regions writes the region rows
//! of every run, resumed and merged alike.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use nqpsim::output::regions::RegionWriter;
use nqpsim::output::trajectories::write_trajectories;
use nqpsim::sweep::merge;
use nqpsim::sweep::run::{Quiet, Status};
use nqpsim::sweep::{self, Shard, SweepOptions};
use nqpsim::{RunOptions, Silent};

mod common;
use common::StopAfter;

/// A small plan: 2 R&D subsidy rates x 2 targeting rules, 3 replicates of 150 firms, 4 steps.
const PLAN: &str = r#"
name = "small"
replicates = 3
seed = 11

[set]
"run.firms" = 150
"run.steps" = 4

[[axis]]
path = "policy.rd_subsidy.traditional"
values = [0.0, 0.5]

[[axis]]
path = "policy.targeting"
values = ["inclusive", "selective"]
"#;

fn write_plan(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

fn sweep_into(plan: &Path, out: &Path, tweak: impl FnOnce(&mut SweepOptions)) -> PathBuf {
    let plan = sweep::load(plan, &[]).expect("the plan is valid");
    let mut options = SweepOptions {
        out: out.to_path_buf(),
        threads: Some(2),
        ..SweepOptions::default()
    };
    tweak(&mut options);
    let report = sweep::run_sweep(&plan, &options, &Quiet).expect("the sweep runs");
    assert_eq!(report.status, Status::Complete);
    report.folder
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

const DATA_FILES: [&str; 4] = [
    "points.csv",
    "trajectories.csv",
    "decomposition.csv",
    "summary.csv",
];

#[test]
fn the_files_are_the_same_bytes_on_one_two_and_four_threads() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write_plan(dir.path(), "small.toml", PLAN);
    let folders: Vec<PathBuf> = [1, 2, 4]
        .iter()
        .map(|&t| {
            sweep_into(&plan, &dir.path().join(format!("t{t}")), |o| {
                o.threads = Some(t)
            })
        })
        .collect();
    for name in DATA_FILES {
        let first = read(&folders[0], name);
        assert!(!first.is_empty());
        for other in &folders[1..] {
            assert!(read(other, name) == first, "{name} differs");
        }
    }
    // nothing but the final files is left
    let mut names: Vec<String> = fs::read_dir(&folders[0])
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".nqpsim.lock",
            "decomposition.csv",
            "manifest.json",
            "points.csv",
            "summary.csv",
            "trajectories.csv"
        ]
    );
}

#[test]
fn each_point_runs_its_scenario_with_the_plans_seed_at_every_point() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_plan(dir.path(), "small.toml", PLAN);
    let folder = sweep_into(&path, dir.path(), |_| {});
    let plan = sweep::load(&path, &[]).unwrap();
    let trajectories = String::from_utf8(read(&folder, "trajectories.csv")).unwrap();
    let mut lines = trajectories.lines();
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.collect();
    let per_point = body.len() / plan.points.len();
    for (p, point) in plan.points.iter().enumerate() {
        let scenario = plan.scenario(p).unwrap();
        assert_eq!(scenario.run.seed, 11);
        assert_eq!(scenario.run.replicates, 3);
        let options = RunOptions {
            threads: Some(1),
            point: p as u32,
            ..RunOptions::default()
        };
        let rows = nqpsim::run(&scenario, &options, &Silent).unwrap().rows;
        let mut expected = Vec::new();
        write_trajectories(&mut expected, &scenario, &rows).unwrap();
        let expected = String::from_utf8(expected).unwrap();
        let mut expected_lines = expected.lines();
        assert_eq!(expected_lines.next().unwrap(), header);
        let expected_body: Vec<&str> = expected_lines.collect();
        assert_eq!(
            body[p * per_point..(p + 1) * per_point],
            expected_body[..],
            "point {p} ({:?}) is not the run of its scenario",
            point.values
        );
    }
    // Common random numbers: the levers start at step 1, so step 0 is the same at every
    // point, replicate by replicate, and the seed column is the plan's.
    let step0 = |lines: &[&str]| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.split(',').nth(4) == Some("0"))
            .map(|l| l.split(',').skip(2).collect::<Vec<_>>().join(","))
            .collect()
    };
    let first = step0(&body[..per_point]);
    for p in 1..plan.points.len() {
        let other = step0(&body[p * per_point..(p + 1) * per_point]);
        assert_eq!(other, first, "step 0 of point {p}");
    }
    // and the subsidy is paid from step 1 at the points that have it
    let subsidised = body[per_point * 2..per_point * 3]
        .iter()
        .find(|l| l.split(',').nth(4) == Some("1") && l.split(',').nth(6) == Some("traditional"))
        .unwrap();
    let rd_column = header.split(',').position(|c| c == "subsidy_rd").unwrap();
    let paid: f64 = subsidised
        .split(',')
        .nth(rd_column)
        .unwrap()
        .parse()
        .unwrap();
    assert!(paid > 0.0, "{subsidised}");
}

#[test]
fn summary_only_writes_the_same_summary_without_trajectories() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write_plan(dir.path(), "small.toml", PLAN);
    let full = sweep_into(&plan, &dir.path().join("full"), |_| {});
    let only = sweep_into(&plan, &dir.path().join("only"), |o| o.summary_only = true);
    assert!(read(&full, "summary.csv") == read(&only, "summary.csv"));
    assert!(read(&full, "points.csv") == read(&only, "points.csv"));
    assert!(!only.join("trajectories.csv").exists());
    assert!(!only.join("decomposition.csv").exists());
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(&only, "manifest.json")).unwrap();
    assert_eq!(manifest["summary_only"], true);
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["points.csv", "summary.csv"]);
}

#[test]
fn the_summary_holds_every_metric_of_every_point_step_and_sector_over_the_replicates() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write_plan(dir.path(), "small.toml", PLAN);
    let folder = sweep_into(&plan, dir.path(), |_| {});
    let summary = String::from_utf8(read(&folder, "summary.csv")).unwrap();
    let mut lines = summary.lines();
    assert_eq!(
        lines.next().unwrap(),
        "point,step,year,sector,tier,metric,n,mean,sd,se,p05,p50,p95"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let metrics = nqpsim::MetricsRow::METRIC_COLUMNS.len();
    assert_eq!(rows.len(), 4 * 5 * 4 * metrics); // points x steps x (sectors + all) x metrics
    // the mean and quantiles of tfp_index at the last step agree with the trajectories
    let trajectories = String::from_utf8(read(&folder, "trajectories.csv")).unwrap();
    let header: Vec<&str> = trajectories.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|c| *c == "tfp_index").unwrap();
    let mut values: Vec<f64> = trajectories
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[1] == "3" && f[4] == "4" && f[6] == "all")
        .map(|f| f[col].parse().unwrap())
        .collect();
    assert_eq!(values.len(), 3);
    let row = rows
        .iter()
        .find(|r| r[0] == "3" && r[1] == "4" && r[3] == "all" && r[5] == "tfp_index")
        .unwrap();
    let mean = values.iter().sum::<f64>() / 3.0;
    assert_eq!(row[6], "3");
    assert_eq!(row[7].parse::<f64>().unwrap(), mean);
    values.sort_by(f64::total_cmp);
    assert_eq!(row[11].parse::<f64>().unwrap(), values[1]); // the median of three
    assert!(row[10].parse::<f64>().unwrap() >= values[0]);
    assert!(row[12].parse::<f64>().unwrap() <= values[2]);
}

#[test]
fn shards_merged_are_the_same_bytes_as_the_whole_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write_plan(dir.path(), "small.toml", PLAN);
    let whole = sweep_into(&plan, &dir.path().join("whole"), |_| {});
    let sharded = dir.path().join("sharded");
    let mut folders = Vec::new();
    for k in [3, 1, 2] {
        // any order, any thread count
        folders.push(sweep_into(&plan, &sharded, |o| {
            o.shard = Some(Shard { k, n: 3 });
            o.threads = Some(k);
        }));
    }
    assert!(folders[0].ends_with("small/shard-3-of-3"));
    let found = merge::shard_folders(&[sharded.join("small")]).unwrap();
    assert_eq!(found.len(), 3);
    let report = merge::merge(&found, None, false).unwrap();
    assert_eq!(report.folder, sharded.join("small"));
    assert_eq!((report.shards, report.points, report.runs), (3, 4, 12));
    for name in DATA_FILES {
        assert!(
            read(&whole, name) == read(&report.folder, name),
            "{name} differs"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(&report.folder, "manifest.json")).unwrap();
    assert_eq!(manifest["command"], "merge");
    assert_eq!(manifest["merged_from"].as_array().unwrap().len(), 3);
}

#[test]
fn merge_refuses_a_missing_a_duplicated_a_foreign_or_an_altered_shard() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write_plan(dir.path(), "small.toml", PLAN);
    let other = write_plan(
        dir.path(),
        "other.toml",
        &PLAN.replace("seed = 11", "seed = 12"),
    );
    let out = dir.path().join("out");
    let s =
        |k, n, plan: &Path, out: &Path| sweep_into(plan, out, |o| o.shard = Some(Shard { k, n }));
    let one = s(1, 2, &plan, &out);
    let err = merge::merge(std::slice::from_ref(&one), None, false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("shard 2/2 of the plan `small` is missing"),
        "{err}"
    );

    let two = s(2, 2, &plan, &out);
    let err = merge::merge(&[one.clone(), two.clone(), one.clone()], None, false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("shard 1/2 appears twice"), "{err}");

    let foreign = s(2, 2, &other, &dir.path().join("elsewhere"));
    let err = merge::merge(&[one.clone(), foreign], Some(&out.join("x")), false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("come from different plans"), "{err}");

    let three = s(1, 3, &plan, &out);
    let err = merge::merge(&[one.clone(), three], None, false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("shards of different splits"), "{err}");

    let summary = two.join("summary.csv");
    let mut bytes = fs::read(&summary).unwrap();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'1' { b'2' } else { b'1' };
    fs::write(&summary, bytes).unwrap();
    let err = merge::merge(&[one, two], None, false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("was changed after the shard finished"),
        "{err}"
    );
}

#[test]
fn more_shards_than_points_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_plan(dir.path(), "small.toml", PLAN);
    let plan = sweep::load(&path, &[]).unwrap();
    let options = SweepOptions {
        out: dir.path().to_path_buf(),
        shard: Some(Shard { k: 1, n: 5 }),
        ..SweepOptions::default()
    };
    let err = sweep::run_sweep(&plan, &options, &Quiet)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--shard 1/5") && err.contains("4 points"),
        "{err}"
    );
}

#[test]
fn every_shipped_plan_loads_with_the_points_its_header_promises() {
    let expected = [
        ("rd-subsidy-grid", 21, 420),
        ("digital-openness", 20, 200),
        ("carbon-price", 5, 100),
        ("lhs-levers", 64, 320),
        ("sobol-levers", 64 * 8, 1024),
        ("morris-levers", 70, 350),
        ("discovery-levers", 400, 2000),
    ];
    for (name, points, runs) in expected {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/sweeps")
            .join(format!("{name}.toml"));
        let plan = sweep::load(&path, &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(plan.name, name);
        assert_eq!((plan.points.len(), plan.runs()), (points, runs), "{name}");
        assert!(!plan.description.is_empty(), "{name} says what it asks");
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# Question:"),
            "{name} starts with its question"
        );
    }
}

/// A plan over the regional layout economy (model 2's regions): herding or comparative
/// advantage or half of each, 4 replicates of 300 firms, 4 steps.
fn regions_plan() -> String {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/regional-layout.toml");
    format!(
        r#"
name = "regional"
scenario = {scenario:?}
replicates = 4
seed = 3

[set]
"run.firms" = 300
"run.steps" = 4

[[axis]]
path = "policy.layout_herding"
values = [0.0, 0.5, 1.0]
"#
    )
}

#[test]
fn a_sweep_with_regions_writes_the_region_rows_of_every_run_resumed_and_merged_alike() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_plan(dir.path(), "regional.toml", &regions_plan());
    let whole = sweep_into(&path, &dir.path().join("whole"), |_| {});

    // regions.csv is each point's run's regions.csv, point after point
    let plan = sweep::load(&path, &[]).unwrap();
    let mut expected = Vec::new();
    for p in 0..plan.points.len() {
        let scenario = plan.scenario(p).unwrap();
        let options = RunOptions {
            threads: Some(1),
            point: p as u32,
            ..RunOptions::default()
        };
        let rows = nqpsim::run(&scenario, &options, &Silent).unwrap().regions;
        assert_eq!(rows.len(), 4 * 5 * scenario.regions.len());
        let mut bytes = Vec::new();
        let mut writer = RegionWriter::new(&mut bytes, &scenario).unwrap();
        for row in &rows {
            writer.write(row).unwrap();
        }
        writer.into_inner().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        if p == 0 {
            expected.push(header.to_string());
        }
        expected.extend(lines.map(String::from));
    }
    let written = String::from_utf8(read(&whole, "regions.csv")).unwrap();
    assert_eq!(written.lines().collect::<Vec<_>>(), expected);
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(&whole, "manifest.json")).unwrap();
    let listed = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "regions.csv")
        .expect("the manifest lists regions.csv");
    assert_eq!(listed["rows"], (expected.len() - 1) as u64);

    // stopped after 2 of its 12 runs, with bytes past the journal's last run (a kill while
    // writing), then resumed: the same bytes
    let stopped_at = dir.path().join("stopped");
    let cancel = Arc::new(AtomicBool::new(false));
    let options = SweepOptions {
        out: stopped_at.clone(),
        threads: Some(1),
        cancel: Some(Arc::clone(&cancel)),
        ..SweepOptions::default()
    };
    let progress = StopAfter::new(2, cancel);
    let stopped = sweep::run_sweep(&plan, &options, &progress).unwrap();
    assert_eq!(stopped.status, Status::Interrupted);
    assert!(stopped.completed < 12, "{} runs", stopped.completed);
    let partial = stopped.folder.join(".regions.csv.partial");
    let mut bytes = fs::read(&partial).expect("the partial region rows are kept");
    bytes.extend_from_slice(b"regional,1,1,3,2,2026,east,half a row");
    fs::write(&partial, bytes).unwrap();
    let resumed = sweep_into(&path, &stopped_at, |o| o.resume = true);
    assert!(
        read(&resumed, "regions.csv") == read(&whole, "regions.csv"),
        "resumed regions.csv differs"
    );

    // in shards, merged
    let sharded = dir.path().join("sharded");
    for k in [2, 1] {
        sweep_into(&path, &sharded, |o| o.shard = Some(Shard { k, n: 2 }));
    }
    let found = merge::shard_folders(&[sharded.join("regional")]).unwrap();
    let report = merge::merge(&found, None, false).unwrap();
    for name in DATA_FILES.iter().chain(&["regions.csv"]) {
        assert!(
            read(&whole, name) == read(&report.folder, name),
            "merged {name} differs"
        );
    }

    // no regions.csv with --summary-only, none without regions
    let summary_only = sweep_into(&path, &dir.path().join("summary"), |o| {
        o.summary_only = true
    });
    assert!(!summary_only.join("regions.csv").exists());
    let model1 = write_plan(dir.path(), "small.toml", PLAN);
    let model1 = sweep_into(&model1, &dir.path().join("model1"), |_| {});
    assert!(!model1.join("regions.csv").exists());
}
