//! Parquet twins (`nqpsim convert`, feature `parquet`): a converted table holds the values and
//! types of its CSV file, and a command that rewrites a CSV file removes its stale twin.
//! Without the feature, `convert` says how to turn it on.

mod common;

use std::fs;
use std::path::Path;

use common::{nqpsim, nqpsim_ok};

const PLAN: &str = r#"
name = "tiny"
scenario = "builtin:baseline"
replicates = 2
seed = 3
design = "grid"

[[axis]]
path = "policy.rd_subsidy.traditional"
values = [0.0, 0.5]
"#;

fn sweep(dir: &Path, extra: &[&str]) {
    fs::write(dir.join("tiny.toml"), PLAN).unwrap();
    let mut args = vec![
        "sweep",
        "tiny.toml",
        "--steps",
        "3",
        "--firms",
        "200",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    nqpsim_ok(dir, &args);
}

#[cfg(feature = "parquet")]
#[test]
fn a_converted_sweep_reads_back_to_the_values_and_types_of_its_csv_files() {
    use nqpsim::output::arrow::ArrowTable;
    let dir = tempfile::tempdir().unwrap();
    sweep(dir.path(), &[]);
    let out = nqpsim_ok(dir.path(), &["convert", "output/tiny"]);
    let folder = dir.path().join("output/tiny");
    let names = ["decomposition", "points", "summary", "trajectories"];
    let printed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(printed.lines().count(), names.len(), "{printed}");
    for name in names {
        let csv = ArrowTable::read_csv(&folder.join(format!("{name}.csv"))).unwrap();
        let parquet =
            nqpsim::output::parquet::read(&folder.join(format!("{name}.parquet"))).unwrap();
        assert!(csv.num_rows() > 0, "{name}");
        assert_eq!(csv.schema.fields(), parquet.schema.fields(), "{name}");
        assert_eq!(csv.batches, parquet.batches, "{name}");
    }
}

#[cfg(feature = "parquet")]
#[test]
fn a_folder_with_parquet_twins_is_still_ours_and_a_rerun_removes_them() {
    let dir = tempfile::tempdir().unwrap();
    sweep(dir.path(), &[]);
    nqpsim_ok(dir.path(), &["convert", "-q", "output/tiny"]);
    let twin = dir.path().join("output/tiny/trajectories.parquet");
    assert!(twin.is_file());
    // no --force needed: the twins are nqpsim's files
    nqpsim_ok(dir.path(), &["run", "--steps", "1", "--firms", "50", "-q"]);
    sweep(dir.path(), &["--force", "--seed", "4"]);
    assert!(
        !twin.exists(),
        "a stale Parquet twin survived its CSV's rewrite"
    );
}

#[cfg(feature = "parquet")]
#[test]
fn converting_a_folder_that_is_not_an_output_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = nqpsim(dir.path(), &["convert", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no manifest.json"));
}

#[cfg(not(feature = "parquet"))]
#[test]
fn without_the_parquet_feature_convert_says_how_to_turn_it_on() {
    let dir = tempfile::tempdir().unwrap();
    sweep(dir.path(), &[]);
    let out = nqpsim(dir.path(), &["convert", "output/tiny"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--features parquet"), "{err}");
}
