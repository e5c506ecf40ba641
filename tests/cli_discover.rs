//! `nqpsim discover`: real sweeps run through the binary and searched for boxes. The cases
//! of interest agree with a count made here from `trajectories.csv`; the tables have their
//! columns; the same bytes on 1, 2 and 4 threads and twice; a grid over a lever and an
//! uncertainty gets robustness per lever value; the plan's and the command line's roles are
//! recorded; `nqpsim plot` draws the figures; bad targets and flags, a run's folder, an
//! unfinished sweep, a `--summary-only` sweep and no folder are refused with exit code 2
//! and nothing written.
//!
//! The sweeps are tiny (300 firms, 6 steps, 3 replicates, 60 points: a second or two each).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::nqpsim;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs the plan `body` (with `name`) in a fresh folder, with `extra` flags; returns the
/// folder and the sweep's folder in it.
fn sweep(name: &str, body: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let plan = format!(
        "name = \"{name}\"\nreplicates = 3\nseed = 7\n{body}\n[set]\n\"run.firms\" = 300\n\
         \"run.steps\" = 6\n"
    );
    fs::write(dir.path().join("plan.toml"), plan).unwrap();
    let mut args = vec!["sweep", "plan.toml", "-q", "--out", "out"];
    args.extend(extra);
    let out = nqpsim(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("out").join(name);
    (dir, folder)
}

/// A Latin hypercube of 60 points over two levers, an uncertainty and a categorical lever.
const LHS: &str = r#"design = "lhs"
n = 60

[[axis]]
path = "policy.rd_subsidy"
range = { from = 0.0, to = 0.6 }

[[axis]]
path = "policy.carbon_price"
range = { from = 0.0, to = 0.1 }

[[axis]]
path = "sectors.future.demand_growth"
range = { from = 0.02, to = 0.12 }

[[axis]]
path = "policy.targeting"
values = ["inclusive", "selective"]
"#;

fn lhs() -> (tempfile::TempDir, PathBuf) {
    sweep("lhs", LHS, &[])
}

/// Runs `nqpsim discover FOLDER ARGS...` (`folder` absolute, so that it may not exist).
fn discover(folder: &Path, args: &[&str]) -> Output {
    let mut all = vec!["discover", folder.to_str().unwrap()];
    all.extend(args);
    nqpsim(&std::env::temp_dir(), &all)
}

/// Per run (point, replicate): `tfp_index` and `emissions` of `all` at the last step, read
/// here from `trajectories.csv` independently of nqpsim.
fn last_step_outcomes(folder: &Path) -> BTreeMap<(usize, usize), (f64, f64)> {
    let text = fs::read_to_string(folder.join("trajectories.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (p, r, s, sector, tfp, em) = (
        col("point"),
        col("replicate"),
        col("step"),
        col("sector"),
        col("tfp_index"),
        col("emissions"),
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let last = rows
        .iter()
        .map(|f| f[s].parse::<u32>().unwrap())
        .max()
        .unwrap();
    rows.iter()
        .filter(|f| f[sector] == "all" && f[s].parse::<u32>().unwrap() == last)
        .map(|f| {
            (
                (f[p].parse().unwrap(), f[r].parse().unwrap()),
                (f[tfp].parse().unwrap(), f[em].parse().unwrap()),
            )
        })
        .collect()
}

/// The median of `values`.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Two targets at the runs' medians, so that about a quarter of the runs meet both.
fn median_targets(runs: &BTreeMap<(usize, usize), (f64, f64)>) -> (f64, f64) {
    (
        median(runs.values().map(|v| v.0).collect()),
        median(runs.values().map(|v| v.1).collect()),
    )
}

/// The lines of `file` in the analysis `name` of `folder`, split at commas.
fn table(folder: &Path, name: &str, file: &str) -> Vec<Vec<String>> {
    let path = folder.join("discovery").join(name).join(file);
    fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

#[test]
fn the_cases_agree_with_trajectories_csv_and_every_table_has_its_columns() {
    let (_dir, folder) = lhs();
    let runs = last_step_outcomes(&folder);
    let (tfp, emissions) = median_targets(&runs);
    let (tfp_target, emissions_target) = (
        format!("tfp_index:all:last>={tfp}"),
        format!("emissions:all:last <= {emissions}"),
    );
    let out = discover(
        &folder,
        &[
            "--target",
            &tfp_target,
            "--target",
            &emissions_target,
            "--robust",
            "0.6",
            "--name",
            "both",
            "--bootstrap",
            "30",
            "--trees",
            "30",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // cases.csv: the replicates meeting both targets, counted here, and share >= 0.6.
    let cases = table(&folder, "both", "cases.csv");
    assert_eq!(
        cases[0].join(","),
        "point,policy.rd_subsidy,policy.carbon_price,sectors.future.demand_growth,\
         policy.targeting,replicates,met,share,case"
    );
    assert_eq!(cases.len(), 61);
    let points = fs::read_to_string(folder.join("points.csv")).unwrap();
    let mut n_cases = 0;
    for (p, (row, axes)) in cases[1..].iter().zip(points.lines().skip(1)).enumerate() {
        assert_eq!(row[..5].join(","), axes, "the axes as in points.csv");
        let met = (0..3)
            .filter(|&r| {
                let (t, e) = runs[&(p, r)];
                t >= tfp && e <= emissions
            })
            .count();
        assert_eq!(
            row[5..8],
            [
                "3".to_string(),
                met.to_string(),
                match met {
                    0 => "0".to_string(),
                    3 => "1.0".to_string(),
                    m => (m as f64 / 3.0).to_string(),
                }
            ],
            "point {p}"
        );
        let case = met >= 2;
        n_cases += usize::from(case);
        assert_eq!(row[8], if case { "1" } else { "0" }, "point {p}");
    }
    assert!(
        n_cases > 3 && n_cases < 57,
        "{n_cases} cases: the test needs both kinds"
    );

    let trajectory = table(&folder, "both", "trajectory.csv");
    assert_eq!(
        trajectory[0].join(","),
        "scope,box,index,phase,n,k,coverage,density,mass,res_dim,restricted,limits,kept,chosen"
    );
    assert_eq!(
        trajectory[1][..6],
        ["all", "1", "0", "start", "60", &n_cases.to_string()]
    );
    for scope in ["all", "levers"] {
        let chosen = trajectory
            .iter()
            .filter(|r| r[0] == scope && r[1] == "1" && r[13] == "1")
            .count();
        assert_eq!(chosen, 1, "{scope}: one box kept");
    }
    assert!(
        trajectory
            .iter()
            .filter(|r| r[0] == "levers")
            .all(|r| !r[10].contains("demand_growth")),
        "the levers-only box never restricts the uncertainty"
    );

    let boxes = table(&folder, "both", "boxes.csv");
    assert_eq!(
        boxes[0].join(","),
        "method,scope,box,dimension,role,restricted,lo,hi,categories,min,max,qp_lo,qp_hi,qp,n,\
         k,coverage,density,mass,meets_threshold"
    );
    let first: Vec<&Vec<String>> = boxes
        .iter()
        .filter(|r| r[..3] == ["prim", "all", "1"])
        .collect();
    let roles: Vec<(&str, &str)> = first
        .iter()
        .map(|r| (r[3].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        roles,
        [
            ("policy.rd_subsidy", "lever"),
            ("policy.carbon_price", "lever"),
            ("sectors.future.demand_growth", "uncertainty"),
            ("policy.targeting", "lever")
        ]
    );
    for r in &first {
        let restricted = r[5] == "1";
        assert_eq!(
            !r[13].is_empty(),
            restricted,
            "a quasi-p value where restricted: {r:?}"
        );
        if restricted && r[8].is_empty() {
            let (lo, hi) = (r[6].parse::<f64>().ok(), r[7].parse::<f64>().ok());
            let (min, max): (f64, f64) = (r[9].parse().unwrap(), r[10].parse().unwrap());
            assert!(lo.is_some() || hi.is_some(), "{r:?}");
            assert!(
                lo.is_none_or(|lo| lo > min) && hi.is_none_or(|hi| hi < max),
                "{r:?}"
            );
        }
    }
    let bootstrap = table(&folder, "both", "bootstrap.csv");
    assert_eq!(bootstrap.len(), 1 + 2 * 30);
    let scores = table(&folder, "both", "scores.csv");
    assert_eq!(scores.len(), 5);
    let total: f64 = scores[1..]
        .iter()
        .map(|r| r[3].parse::<f64>().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-9, "scores sum to 1: {total}");
    assert!(!folder.join("discovery/both/robustness.csv").exists());

    let manifest: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(folder.join("discovery/both/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["command"], "discover");
    assert_eq!(manifest["cases_of_interest"], n_cases);
    assert_eq!(manifest["outcomes"][0]["step"], 6);
    assert_eq!(manifest["axes"][2]["role"], "uncertainty");
    assert_eq!(manifest["axes"][2]["role_from"], "default");
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "cases.csv",
            "trajectory.csv",
            "boxes.csv",
            "bootstrap.csv",
            "scores.csv"
        ]
    );

    let printed = stdout(&out);
    for text in [
        "60 points x 3 replicates (lhs design), last step 6",
        "at least 60% of the replicates meet",
        &format!("-> {n_cases} of 60 points"),
        "PRIM over every axis",
        "PRIM over the levers only, the uncertainties free",
        "box 1: coverage",
        "quasi-p",
        "bootstrap, 30 resamples",
        "CART:",
        "feature scores (extra-trees, 30 trees",
        "discovery/both",
    ] {
        assert!(printed.contains(text), "`{text}` in\n{printed}");
    }
}

/// Every file of an analysis, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_same_bytes_on_one_two_and_four_threads_and_twice() {
    let (_dir, folder) = lhs();
    let (tfp, _) = median_targets(&last_step_outcomes(&folder));
    let target = format!("tfp_index:all:last>={tfp}");
    let run = |threads: &str| {
        let out = discover(
            &folder,
            &[
                "--target",
                &target,
                "--threads",
                threads,
                "--name",
                "same",
                "-q",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        files(&folder.join("discovery/same"))
    };
    let one = run("1");
    assert_eq!(one.len(), 6, "{:?}", one.keys());
    assert_eq!(run("2"), one);
    assert_eq!(run("4"), one);
    assert_eq!(run("1"), one);
}

#[test]
fn a_grid_over_a_lever_and_an_uncertainty_scores_each_lever_value_across_the_cells() {
    let grid = r#"design = "grid"

[[axis]]
path = "policy.carbon_price"
values = [0.0, 0.1]

[[axis]]
path = "sectors.traditional.catch_up"
values = [0.1, 0.3, 0.5]
"#;
    let (_dir, folder) = sweep("grid", grid, &[]);
    let runs = last_step_outcomes(&folder);
    let (_, emissions) = median_targets(&runs);
    let target = format!("emissions:all:last<={emissions}");
    let out = discover(
        &folder,
        &["--target", &target, "--name", "g", "--bootstrap", "0"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let cases = table(&folder, "g", "cases.csv");
    let robustness = table(&folder, "g", "robustness.csv");
    assert_eq!(
        robustness[0].join(","),
        "policy.carbon_price,cells,cases,share,mean_replicate_share"
    );
    assert_eq!(robustness.len(), 3, "two carbon prices");
    for row in &robustness[1..] {
        let cells: Vec<&Vec<String>> = cases[1..].iter().filter(|c| c[1] == row[0]).collect();
        let n = cells.iter().filter(|c| c[6] == "1").count();
        assert_eq!(
            row[1..3],
            [cells.len().to_string(), n.to_string()],
            "{row:?}"
        );
    }
    assert!(!folder.join("discovery/g/bootstrap.csv").exists());
    assert!(stdout(&out).contains("most robust lever combinations (policy.carbon_price)"));

    // The plan marks no role: the command line makes the carbon price an uncertainty, and
    // then there is no lever to score.
    let out = discover(
        &folder,
        &[
            "--target",
            &target,
            "--name",
            "g",
            "--uncertainty",
            "policy.carbon_price",
            "-q",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !folder.join("discovery/g/robustness.csv").exists(),
        "a stale table is removed"
    );
    let manifest = fs::read_to_string(folder.join("discovery/g/manifest.json")).unwrap();
    assert!(
        manifest.contains("\"role_from\": \"command_line\""),
        "{manifest}"
    );
    assert!(
        manifest.contains("no box over the levers only: no axis is a lever"),
        "{manifest}"
    );
}

#[test]
fn a_role_written_in_the_plan_is_taken_and_recorded() {
    let plan = LHS.replace("to = 0.1 }\n", "to = 0.1 }\nrole = \"uncertainty\"\n");
    let (_dir, folder) = sweep("roles", &plan, &[]);
    let out = discover(
        &folder,
        &["--target", "tfp_index:all:last>=1", "--name", "r", "-q"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(folder.join("discovery/r/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["axes"][1]["role"], "uncertainty");
    assert_eq!(manifest["axes"][1]["role_from"], "plan");
    let dims = &manifest["scopes"][1]["dimensions"];
    assert_eq!(
        dims.as_array().unwrap().len(),
        2,
        "{dims}: rd_subsidy and targeting"
    );
}

#[test]
fn plot_draws_the_trade_off_the_limits_the_scatters_and_the_scores() {
    let (_dir, folder) = lhs();
    let (tfp, _) = median_targets(&last_step_outcomes(&folder));
    let target = format!("tfp_index:all:last>={tfp}");
    let out = discover(
        &folder,
        &["--target", &target, "--name", "p", "--bootstrap", "0", "-q"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = folder.join("discovery/p");
    let out = nqpsim(
        &std::env::temp_dir(),
        &["plot", dir.to_str().unwrap(), "-q"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let plots = dir.join("plots");
    for name in ["tradeoff-all-box1", "tradeoff-levers-box1", "scores"] {
        for ext in ["svg", "png"] {
            assert!(
                plots.join(format!("{name}.{ext}")).is_file(),
                "{name}.{ext}"
            );
        }
    }
    let svg = fs::read_to_string(plots.join("tradeoff-all-box1.svg")).unwrap();
    assert!(
        svg.contains("lhs: PRIM&apos;s coverage-density trade-off, every axis, box 1"),
        "{svg}"
    );
    assert!(svg.contains("coverage (share of the cases of interest inside the box)"));
    let names: Vec<String> = fs::read_dir(&plots)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let boxes = table(&folder, "p", "boxes.csv");
    let restricts = |method: &str| {
        boxes
            .iter()
            .any(|r| r[..3] == [method, "all", "1"] && r[5] == "1")
    };
    if restricts("prim") {
        assert!(
            names.iter().any(|n| n.starts_with("limits-all")),
            "{names:?}"
        );
    }
    // The scatters pair the restrictions that pruning kept (all of them where the box was not
    // pruned): a box whose every restriction may be chance gets none.
    let pruned = boxes.iter().any(|r| r[..3] == ["prim-pruned", "all", "1"]);
    let significant = if pruned {
        restricts("prim-pruned")
    } else {
        restricts("prim")
    };
    assert_eq!(
        names.iter().any(|n| n.starts_with("pairs-all-box1-")),
        significant,
        "{names:?}"
    );
    // Discovering again keeps the figures (plots/ is the analysis' own).
    let out = discover(
        &folder,
        &["--target", &target, "--name", "p", "--bootstrap", "0", "-q"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(plots.join("scores.svg").is_file());
}

/// Runs discover, which must exit 2 with every one of `messages` in its error and leave no
/// `discovery/` folder behind.
fn refused(folder: &Path, args: &[&str], messages: &[&str]) {
    let out = discover(folder, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    for m in messages {
        assert!(err.contains(m), "{args:?}: `{m}` not in {err}");
    }
    assert!(
        !folder.join("discovery").exists(),
        "{args:?} wrote something"
    );
}

#[test]
fn bad_targets_and_flags_exit_2_naming_the_flag_and_nothing_is_written() {
    let (_dir, folder) = lhs();
    let ok = "tfp_index:all:last>=1";
    for (args, messages) in [
        (
            vec!["--target", "tfp_index:all:last"],
            vec!["--target", "has no comparison"],
        ),
        (
            vec!["--target", "tfp_index:all:last:1>=1"],
            vec!["METRIC:SECTOR:STEP"],
        ),
        (
            vec!["--target", "tfp_index:all:last>=high"],
            vec!["not a finite number"],
        ),
        (
            vec!["--target", "tfp_index:all:last>=1 or"],
            vec!["needs a condition on each side"],
        ),
        (
            vec!["--target", "productivity:all:last>=1"],
            vec![
                "--target productivity:all:last >= 1",
                "no metric `productivity`",
                "tfp_growth",
            ],
        ),
        (
            vec!["--target", "tfp_index:mining:last>=1"],
            vec!["no sector `mining`; it has traditional, emerging, future, all"],
        ),
        (
            vec!["--target", "tfp_index:all:7>=1"],
            vec!["step 7 is beyond the sweep's last step, 6"],
        ),
        (
            vec!["--target", "tfp_growth:all:0>=1"],
            vec!["none at step 0"],
        ),
        (
            vec!["--target", ok, "--robust", "0"],
            vec!["--robust 0", "(0, 1]"],
        ),
        (
            vec!["--target", ok, "--robust", "1.5"],
            vec!["--robust 1.5"],
        ),
        (
            vec!["--target", ok, "--peel-alpha", "0.5"],
            vec!["--peel-alpha 0.5", "(0, 0.5)"],
        ),
        (
            vec!["--target", ok, "--mass-min", "2"],
            vec!["--mass-min 2"],
        ),
        (vec!["--target", ok, "--boxes", "0"], vec!["--boxes 0"]),
        (
            vec!["--target", ok, "--max-quasi-p", "0"],
            vec!["--max-quasi-p 0"],
        ),
        (vec!["--target", ok, "--trees", "0"], vec!["--trees 0"]),
        (
            vec!["--target", ok, "--lever", "talent"],
            vec![
                "--lever talent",
                "no axis `talent`; its axes are policy.rd_subsidy",
            ],
        ),
        (
            vec![
                "--target",
                ok,
                "--lever",
                "policy.targeting",
                "--uncertainty",
                "policy.targeting",
            ],
            vec!["as a lever too"],
        ),
        (
            vec!["--target", ok, "--name", "../elsewhere"],
            vec!["--name ../elsewhere"],
        ),
        (vec![], vec!["--target"]),
    ] {
        refused(&folder, &args, &messages);
    }
}

#[test]
fn a_run_folder_an_unfinished_sweep_a_summary_only_sweep_or_no_folder_is_refused() {
    let target = ["--target", "tfp_index:all:last>=1"];
    let dir = tempfile::tempdir().unwrap();
    let out = nqpsim(
        dir.path(),
        &[
            "run",
            "--firms",
            "200",
            "--steps",
            "2",
            "--replicates",
            "1",
            "-q",
            "--out",
            "out",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    refused(
        &dir.path().join("out/baseline"),
        &target,
        &["written by `nqpsim run`"],
    );
    refused(&dir.path().join("nowhere"), &target, &["no such folder"]);

    let (_dir, folder) = sweep("brief", LHS, &["--summary-only"]);
    refused(
        &folder,
        &target,
        &[
            "trajectories.csv",
            "--summary-only",
            "without --summary-only",
        ],
    );

    let (_dir, folder) = lhs();
    fs::write(folder.join("journal.jsonl"), "{}\n").unwrap();
    refused(
        &folder,
        &target,
        &["journal.jsonl", "unfinished", "--resume"],
    );
}

/// Per run (point, replicate): `metric` of `region` at `step` in a sweep's `regions.csv`,
/// read here independently of nqpsim.
fn region_values(
    folder: &Path,
    region: &str,
    metric: &str,
    step: &str,
) -> BTreeMap<(usize, usize), f64> {
    let text = fs::read_to_string(folder.join("regions.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let c = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (point, replicate, s, r, m) = (
        c("point"),
        c("replicate"),
        c("step"),
        c("region"),
        c(metric),
    );
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[s] == step && f[r] == region)
        .map(|f| {
            (
                (f[point].parse().unwrap(), f[replicate].parse().unwrap()),
                f[m].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_target_on_a_region_of_a_model_two_sweep_is_read_from_its_regions_csv() {
    let regional = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/regional-layout.toml");
    let body = format!(
        "scenario = {regional:?}\ndesign = \"lhs\"\nn = 12\n\
         [[axis]]\npath = \"policy.layout_herding\"\nrange = {{ from = 0.0, to = 1.0 }}\n\
         [[axis]]\npath = \"model.backing_rd\"\nrange = {{ from = 0.25, to = 1.0 }}\n"
    );
    let (_dir, folder) = sweep("regional", &body, &[]);
    let runs = region_values(&folder, "northeast", "output_share", "6");
    assert_eq!(runs.len(), 12 * 3);
    let threshold = median(runs.values().copied().collect());
    let target = format!("output_share:northeast:last>={threshold}");
    // A name that is neither a sector nor a region is refused, naming both kinds.
    refused(
        &folder,
        &["--target", "output_share:atlantis:last>=0.1"],
        &[
            "no sector or region `atlantis`",
            "northeast",
            "new_materials",
        ],
    );
    let out = discover(
        &folder,
        &[
            "--target",
            &target,
            "--name",
            "ne",
            "--bootstrap",
            "10",
            "--trees",
            "10",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // cases.csv: per point, the replicates whose northeast output share meets the target,
    // as counted here from regions.csv.
    let cases = table(&folder, "ne", "cases.csv");
    let met = cases[0].iter().position(|c| c == "met").unwrap();
    assert_eq!(cases.len(), 13);
    for (p, row) in cases[1..].iter().enumerate() {
        let expected = (0..3).filter(|&r| runs[&(p, r)] >= threshold).count();
        assert_eq!(row[met], expected.to_string(), "point {p}: {row:?}");
    }
}
