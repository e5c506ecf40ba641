//! A `table` design runs the rows of a CSV made elsewhere (SALib, EMA Workbench, a
//! spreadsheet) as points: the same bytes as the grid with the same points, every cell checked
//! as an axis value is, and a bad cell, header or row refused at its CSV line and column.

use std::fs;
use std::path::Path;
use std::process::Output;

mod common;

fn nqpsim(dir: &Path, args: &[&str]) -> Output {
    common::process()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("nqpsim starts")
}

/// A plan's top-level keys, `design` lines included, before its `[set]`.
fn head(design: &str) -> String {
    format!(
        "name = \"same\"\nreplicates = 2\nseed = 3\n{design}\n[set]\n\"run.firms\" = 150\n\"run.steps\" = 3\n"
    )
}

/// A table plan over `csv` (written beside it as `design.csv`).
fn table_plan(dir: &Path, csv: &str) {
    fs::write(
        dir.join("table.toml"),
        head("design = \"table\"\ntable = \"design.csv\""),
    )
    .unwrap();
    fs::write(dir.join("design.csv"), csv).unwrap();
}

#[test]
fn a_table_sweep_gives_the_bytes_of_the_grid_with_the_same_points() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("grid.toml"),
        format!(
            "{}\n\
             [[axis]]\npath = \"policy.rd_subsidy.traditional\"\nrange = {{ from = 0.0, to = 0.5, n = 2 }}\n\
             [[axis]]\npath = \"policy.targeting\"\nvalues = [\"inclusive\", \"selective\"]\n",
            head("design = \"grid\"")
        ),
    )
    .unwrap();
    // as a spreadsheet writes it: integers for whole numbers, spaces, a blank last line
    table_plan(
        d,
        "policy.rd_subsidy.traditional, policy.targeting\n0,inclusive\n0,selective\n0.5,inclusive\n0.5, selective\n\n",
    );
    for (plan, out) in [("grid.toml", "g"), ("table.toml", "t")] {
        let o = nqpsim(d, &["sweep", plan, "--out", out, "-q"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for name in [
        "points.csv",
        "trajectories.csv",
        "decomposition.csv",
        "summary.csv",
    ] {
        let g = fs::read(d.join("g/same").join(name)).unwrap();
        let t = fs::read(d.join("t/same").join(name)).unwrap();
        assert!(g == t, "{name}");
    }
    // the manifest's plan names the table and its columns as axes
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("t/same/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["plan"]["table"], "design.csv");
    assert_eq!(m["plan"]["axis"][1]["path"], "policy.targeting");
}

/// Runs `--dry-run` on a table plan over `csv`: exit code 2, nothing written, and stderr.
fn refused(csv: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    table_plan(dir.path(), csv);
    let o = nqpsim(dir.path(), &["sweep", "table.toml", "--out", "out", "-q"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("out").exists(), "nothing is written");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_bad_cell_is_refused_at_its_line_and_column_with_the_allowed_values() {
    let e = refused(
        "policy.rd_subsidy,policy.targeting,sectors.future.entry_rate\n\
         0.1,selective,0.01\n\
         1.5,selective,0.02\n\
         0.2,nobody,-3\n",
    );
    assert!(
        e.contains("design.csv:3:1: `policy.rd_subsidy` is 1.5, but must lie in [0, 1]"),
        "{e}"
    );
    assert!(
        e.contains("design.csv:4:5: `policy.targeting` is nobody, but must be \"inclusive\""),
        "{e}"
    );
    assert!(
        e.contains("design.csv:4:12: `sectors.future.entry_rate` is -3, but must be"),
        "{e}"
    );
}

#[test]
fn an_unknown_column_gets_a_did_you_mean_and_a_short_row_its_line() {
    let e =
        refused("policy.rd_subsidy,policy.targting,sectors.future.entry_rat\n0.1,selective,0.01\n");
    assert!(
        e.contains("design.csv:1:19:") && e.contains("did you mean `targeting`?"),
        "{e}"
    );
    assert!(
        e.contains("design.csv:1:35:") && e.contains("did you mean `entry_rate`?"),
        "{e}"
    );
    let e = refused("policy.rd_subsidy,policy.targeting\n0.1,selective\n0.2\n");
    assert!(
        e.contains("design.csv:3:1: `row` is 1 fields, but 2 fields, one per column"),
        "{e}"
    );
    let e = refused("policy.rd_subsidy\n");
    assert!(e.contains("at least one row"), "{e}");
}

#[test]
fn a_missing_table_file_is_named_with_where_it_was_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("table.toml"),
        head("design = \"table\"\ntable = \"nowhere.csv\""),
    )
    .unwrap();
    let o = nqpsim(dir.path(), &["sweep", "table.toml", "--dry-run"]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("table.toml:") && e.contains("nowhere.csv"),
        "{e}"
    );
}

#[test]
fn the_shipped_table_plan_passes_a_dry_run() {
    let o = common::process()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "sweep",
            "scenarios/sweeps/levers-table.toml",
            "--dry-run",
            "--firms",
            "100",
            "--steps",
            "2",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("points: 12, replicates: 5, runs: 60"), "{out}");
}
