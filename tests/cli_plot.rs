//! `nqpsim plot` as a user runs it: on a run (and one with regions), a grid sweep (with its
//! paired effects, and without them when run `--summary-only`), a Latin hypercube sweep with
//! sensitivity indices, and a comparison; the files it writes, what they show, the same bytes
//! twice; stale figures of an earlier plot removed and the user's files kept; an interrupted
//! run said so; bad folders and outcomes exit 2 naming the path and write nothing.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::nqpsim;

fn ok(output: Output) -> Output {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A small run of the baseline: 300 firms, 5 steps, 3 replicates, in `dir/out/baseline`.
fn small_run(dir: &Path) -> PathBuf {
    ok(nqpsim(
        dir,
        &[
            "run",
            "-q",
            "--set",
            "run.firms=300",
            "--set",
            "run.steps=5",
            "--set",
            "run.replicates=3",
            "--out",
            "out",
        ],
    ));
    dir.join("out/baseline")
}

/// Writes `plan` as `dir/NAME.toml` and runs it into `dir/out/NAME`.
fn small_sweep(dir: &Path, name: &str, plan: &str) -> PathBuf {
    fs::write(dir.join(format!("{name}.toml")), plan).unwrap();
    ok(nqpsim(
        dir,
        &["sweep", &format!("{name}.toml"), "-q", "--out", "out"],
    ));
    dir.join("out").join(name)
}

const GRID: &str = r#"
name = "grid"
replicates = 2
seed = 3
[set]
"run.firms" = 200
"run.steps" = 4
[[axis]]
path = "policy.rd_subsidy.traditional"
values = [0.0, 0.3, 0.6]
[[axis]]
path = "policy.targeting"
values = ["inclusive", "selective"]
"#;

const LHS: &str = r#"
name = "lhs"
replicates = 2
seed = 3
design = "lhs"
n = 12
[set]
"run.firms" = 200
"run.steps" = 4
[[axis]]
path = "policy.rd_subsidy"
range = { from = 0.0, to = 0.6 }
[[axis]]
path = "policy.digital_subsidy"
range = { from = 0.0, to = 0.6 }
"#;

/// Every element closed in order: enough to catch a broken writer.
fn assert_well_formed(path: &Path) -> String {
    let svg = fs::read_to_string(path).unwrap();
    assert!(svg.starts_with("<svg "), "{}", path.display());
    let mut open: Vec<&str> = Vec::new();
    let mut rest = svg.as_str();
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("every tag ends") + start;
        let tag = &rest[start + 1..end];
        assert!(!tag.contains('<'), "{}: `<` in {tag}", path.display());
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(name), "{}", path.display());
        } else if !tag.ends_with('/') {
            open.push(tag.split_whitespace().next().expect("a name"));
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "{}: unclosed {open:?}", path.display());
    svg
}

/// The texts an SVG shows.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text ")
        .skip(1)
        .map(|t| {
            t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect()
}

fn assert_png(path: &Path) {
    let bytes = fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        path.display()
    );
}

/// The list of the figures `nqpsim plot` wrote, in `plots/`.
const FIGURE_LIST: &str = ".nqpsim-figures";

/// Names and bytes of the files in `dir`, sorted, but for the list of figures.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .filter(|(name, _)| name != FIGURE_LIST)
        .collect();
    all.sort();
    all
}

/// Checks that `NAME.svg` and `NAME.png` exist in `plots` for each name, and that each SVG
/// shows every text of its `(name, texts)` entry.
fn assert_figures(plots: &Path, expected: &[(&str, &[&str])]) {
    for (name, shows) in expected {
        let svg = assert_well_formed(&plots.join(format!("{name}.svg")));
        assert_png(&plots.join(format!("{name}.png")));
        let shown = texts(&svg);
        for want in *shows {
            assert!(
                shown.iter().any(|t| t.contains(want)),
                "{name}.svg does not show `{want}`: {shown:?}"
            );
        }
    }
}

#[test]
fn a_run_gets_its_five_figures_listed_and_the_same_bytes_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = small_run(tmp.path());
    let output = ok(nqpsim(tmp.path(), &["plot", "out/baseline"]));
    let plots = folder.join("plots");
    let listed: Vec<String> = stdout(&output).lines().map(String::from).collect();
    assert_eq!(listed.len(), 10, "{listed:?}");
    assert_eq!(listed[0], "out/baseline/plots/tfp_index.svg");
    assert_figures(
        &plots,
        &[
            (
                "tfp_index",
                &[
                    "baseline: TFP index by sector",
                    "3 replicates",
                    "year",
                    "TFP index (step 0 = 1)",
                    "traditional",
                    "emerging",
                    "future",
                    "all sectors",
                ],
            ),
            (
                "output_shares",
                &["baseline: output shares by sector", "share of output"],
            ),
            ("digital", &["mean digital level (0-1)", "all sectors"]),
            ("green", &["mean green level (0-1)"]),
            ("emissions", &["emissions (emission units)"]),
        ],
    );
    let first = files(&plots);
    assert_eq!(first.len(), 10);

    // Again, quietly: the same bytes, nothing printed.
    let again = ok(nqpsim(tmp.path(), &["plot", "--quiet", "out/baseline"]));
    assert!(again.stdout.is_empty());
    assert_eq!(files(&plots), first, "the same bytes on a second run");

    // The run's folder is still the run's: running it again is not refused for plots/.
    ok(nqpsim(
        tmp.path(),
        &[
            "run",
            "-q",
            "--set",
            "run.firms=300",
            "--set",
            "run.steps=5",
            "--set",
            "run.replicates=3",
            "--out",
            "out",
        ],
    ));
}

#[test]
fn a_run_with_regions_adds_the_tfp_index_and_output_shares_of_each_region() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/regional-layout.toml");
    let run = |more: &[&str]| {
        let mut args = vec!["run", scenario.to_str().unwrap(), "-q", "--out", "out"];
        args.extend_from_slice(&["--firms", "300", "--steps", "4", "--replicates", "2"]);
        args.extend_from_slice(more);
        ok(nqpsim(tmp.path(), &args));
    };
    run(&[]);
    let output = ok(nqpsim(tmp.path(), &["plot", "out/regional-layout"]));
    assert_eq!(stdout(&output).lines().count(), 14, "{}", stdout(&output));
    let plots = tmp.path().join("out/regional-layout/plots");
    let regions = ["east", "central", "west", "northeast"];
    let mut tfp = vec![
        "regional-layout: TFP index by region",
        "TFP index (step 0 = 1)",
    ];
    tfp.extend(regions);
    let mut shares = vec![
        "regional-layout: output shares by region",
        "share of output",
    ];
    shares.extend(regions);
    assert_figures(
        &plots,
        &[
            ("regions_tfp_index", &tfp),
            ("regions_output_shares", &shares),
        ],
    );
    // Run again without regions: no regions.csv, and its figures go as stale ones.
    run(&["--set", "features.regions=false"]);
    let again = ok(nqpsim(tmp.path(), &["plot", "out/regional-layout"]));
    assert!(
        stdout(&again).contains("removed 4 stale figures"),
        "{}",
        stdout(&again)
    );
    assert!(!plots.join("regions_tfp_index.svg").exists());
}

#[test]
fn format_svg_or_png_writes_only_those_files() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = small_run(tmp.path());
    let plots = folder.join("plots");
    ok(nqpsim(
        tmp.path(),
        &["plot", "-q", "--format", "svg", "out/baseline"],
    ));
    assert!(files(&plots).iter().all(|(name, _)| name.ends_with(".svg")));
    assert_eq!(files(&plots).len(), 5);
    fs::remove_dir_all(&plots).unwrap();
    ok(nqpsim(
        tmp.path(),
        &["plot", "-q", "--format", "png", "out/baseline"],
    ));
    assert!(files(&plots).iter().all(|(name, _)| name.ends_with(".png")));
    let bad = nqpsim(tmp.path(), &["plot", "--format", "pdf", "out/baseline"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn sweeps_get_the_outcome_against_each_axis_and_their_sensitivity_bars() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = small_sweep(tmp.path(), "grid", GRID);
    let lhs = small_sweep(tmp.path(), "lhs", LHS);
    fs::create_dir(lhs.join("sensitivity")).unwrap();
    fs::write(
        lhs.join("sensitivity/tfp.csv"),
        "outcome,method,factor,measure,estimate,lo,hi\n\
         tfp_index:all:4,src,policy.rd_subsidy,src,0.8,0.7,0.9\n\
         tfp_index:all:4,src,policy.digital_subsidy,src,0.3,0.1,0.5\n\
         tfp_index:all:4,src,,r_squared,0.73,,\n",
    )
    .unwrap();

    // Two folders at once.
    let output = ok(nqpsim(tmp.path(), &["plot", "out/grid", "out/lhs"]));
    let listed = stdout(&output);
    assert!(listed.contains("out/grid/plots/outcome-vs-policy.targeting-all.png"));
    assert!(listed.contains("out/grid/plots/effect-vs-policy.targeting-all.png"));
    assert!(listed.contains("out/lhs/plots/sensitivity-tfp.svg"));

    // The grid: a line per targeting rule against the subsidy, bars per rule; the axes in
    // words with their unit; t intervals of 2 replicates (1 degree of freedom).
    assert_figures(
        &grid.join("plots"),
        &[
            (
                "outcome-vs-policy.rd_subsidy.traditional-all",
                &[
                    "grid: TFP index of all sectors in 2028",
                    "95% CI",
                    "mean and 95% interval of 2 replicates (t, 1 df)",
                    "R&D subsidy, traditional (matching rate)",
                    "TFP index (step 0 = 1)",
                    "targeting of subsidies = inclusive",
                    "targeting of subsidies = selective",
                ],
            ),
            (
                "outcome-vs-policy.rd_subsidy.traditional-traditional",
                &["TFP index of traditional"],
            ),
            (
                "outcome-vs-policy.targeting-future",
                &[
                    "by targeting of subsidies",
                    "inclusive",
                    "selective",
                    "R&D subsidy, traditional = 0.6",
                ],
            ),
            // Paired effects against point 0, replicate by replicate.
            (
                "effect-vs-policy.rd_subsidy.traditional-all",
                &[
                    "grid: effect on TFP index of all sectors in 2028 vs point 0 (paired, mean and 95% CI)",
                    "minus point 0 (R&D subsidy, traditional = 0; targeting of subsidies = inclusive) in the same replicate",
                    "R&D subsidy, traditional (matching rate)",
                    "effect on TFP index (index points)",
                    "targeting of subsidies = selective",
                ],
            ),
            (
                "effect-vs-policy.targeting-future",
                &["by targeting of subsidies"],
            ),
        ],
    );
    let svg =
        fs::read_to_string(grid.join("plots/outcome-vs-policy.rd_subsidy.traditional-all.svg"))
            .unwrap();
    assert!(
        !svg.contains(">policy.rd_subsidy.traditional<"),
        "the raw path is no label"
    );
    // The hypercube: binned means, a line per sector.
    assert_figures(
        &lhs.join("plots"),
        &[
            (
                "outcome-vs-policy.rd_subsidy",
                &[
                    "lhs: TFP index in 2028",
                    "bins",
                    "p10-p90",
                    "R&D subsidy, all sectors (matching rate)",
                    "traditional",
                    "all sectors",
                ],
            ),
            (
                "outcome-vs-policy.digital_subsidy",
                &["digital upgrade subsidy, all sectors (share of cost)"],
            ),
            (
                "sensitivity-tfp",
                &[
                    "lhs: standardised regression coefficients (SRC) of TFP index (all sectors, step 4), R² = 0.73",
                    "SRC",
                    "policy.rd_subsidy",
                ],
            ),
        ],
    );

    // Chosen outcomes: a file per metric.
    ok(nqpsim(
        tmp.path(),
        &[
            "plot",
            "-q",
            "--format",
            "svg",
            "--outcome",
            "emissions:all:last",
            "--outcome",
            "digital_mean:traditional:2",
            "out/lhs",
        ],
    ));
    assert_figures_svg(
        &lhs.join("plots/outcome-vs-policy.rd_subsidy-emissions.svg"),
        &[
            "emissions of all sectors in 2028",
            "emissions (emission units)",
        ],
    );
    assert_figures_svg(
        &lhs.join("plots/outcome-vs-policy.rd_subsidy-digital_mean.svg"),
        &["mean digital level of traditional in 2026"],
    );
}

#[test]
fn a_summary_only_grid_gets_no_paired_effects_and_its_figures_say_why() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("grid.toml"), GRID).unwrap();
    ok(nqpsim(
        tmp.path(),
        &["sweep", "grid.toml", "-q", "--summary-only", "--out", "out"],
    ));
    let output = ok(nqpsim(tmp.path(), &["plot", "out/grid"]));
    assert!(
        !stdout(&output).contains("effect-vs"),
        "{}",
        stdout(&output)
    );
    assert_figures(
        &tmp.path().join("out/grid/plots"),
        &[(
            "outcome-vs-policy.rd_subsidy.traditional-all",
            &["unpaired: the sweep ran --summary-only (no trajectories.csv)"],
        )],
    );
}

#[test]
fn plotting_again_removes_our_stale_figures_and_keeps_the_users_files() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = small_sweep(tmp.path(), "grid", GRID);
    let plots = grid.join("plots");
    // First two chosen outcomes: a figure per metric.
    ok(nqpsim(
        tmp.path(),
        &[
            "plot",
            "-q",
            "--outcome",
            "emissions:all:last",
            "--outcome",
            "output:all:last",
            "out/grid",
        ],
    ));
    let emissions = plots.join("effect-vs-policy.targeting-emissions-all.png");
    assert!(emissions.is_file());
    // The user's own files, one of them named as ours would be.
    let mine = ["my-notes.txt", "my-figure.png", "outcome-vs-mine.svg"];
    for name in mine {
        fs::write(plots.join(name), "mine").unwrap();
    }
    // Then the default outcomes: the figures of emissions and output no longer apply.
    let output = ok(nqpsim(tmp.path(), &["plot", "out/grid"]));
    let printed = stdout(&output);
    // 2 metrics x 2 axes x (outcome, effect) x (SVG, PNG).
    assert!(
        printed.contains(
            "removed 16 stale figures that an earlier `nqpsim plot` wrote into out/grid/plots"
        ),
        "{printed}"
    );
    assert!(!emissions.exists());
    let left: Vec<String> = files(&plots).into_iter().map(|(name, _)| name).collect();
    assert!(
        left.iter()
            .all(|name| !name.contains("emissions") && !name.contains("output")),
        "{left:?}"
    );
    for name in mine {
        assert_eq!(fs::read(plots.join(name)).unwrap(), b"mine", "{name}");
    }
    // And the format: SVG alone leaves the PNG files of the last plot stale.
    let svg_only = ok(nqpsim(tmp.path(), &["plot", "--format", "svg", "out/grid"]));
    assert!(
        stdout(&svg_only).contains("removed 16 stale figures"),
        "{}",
        stdout(&svg_only)
    );
    assert!(
        files(&plots)
            .iter()
            .all(|(name, _)| name.ends_with(".svg") || mine.contains(&name.as_str()))
    );
    // Plotting the same again removes nothing and says nothing about it.
    let again = ok(nqpsim(tmp.path(), &["plot", "--format", "svg", "out/grid"]));
    assert!(!stdout(&again).contains("stale"), "{}", stdout(&again));
}

#[test]
fn an_interrupted_run_says_so_on_its_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = small_run(tmp.path());
    // What the manifest of a run stopped after 3 of 5 replicates says.
    let path = folder.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    manifest["run"]["status"] = "interrupted".into();
    manifest["scenario"]["run"]["replicates"] = 5.into();
    fs::write(&path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    ok(nqpsim(tmp.path(), &["plot", "-q", "out/baseline"]));
    for name in [
        "tfp_index",
        "output_shares",
        "digital",
        "green",
        "emissions",
    ] {
        assert_figures(
            &folder.join("plots"),
            &[(name, &["interrupted: 3 of 5 replicates"])],
        );
    }
    // A complete run's figures say nothing of the kind.
    manifest["run"]["status"] = "complete".into();
    fs::write(&path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    ok(nqpsim(
        tmp.path(),
        &["plot", "-q", "--format", "svg", "out/baseline"],
    ));
    let svg = fs::read_to_string(folder.join("plots/tfp_index.svg")).unwrap();
    assert!(!svg.contains("interrupted"));
}

fn assert_figures_svg(path: &Path, shows: &[&str]) {
    let shown = texts(&assert_well_formed(path));
    for want in shows {
        assert!(
            shown.iter().any(|t| t.contains(want)),
            "{} does not show `{want}`: {shown:?}",
            path.display()
        );
    }
}

#[test]
fn a_comparison_gets_the_effect_of_each_metric_with_its_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("cmp");
    fs::create_dir(&folder).unwrap();
    fs::write(
        folder.join("manifest.json"),
        r#"{"command": "compare", "base": "baseline", "policy": "rd-subsidy"}"#,
    )
    .unwrap();
    let mut effects = String::from(
        "step,year,sector,tier,metric,n,base_mean,policy_mean,effect,se,lo,hi,relative,variance_reduction\n",
    );
    for step in 0..4 {
        for sector in ["traditional", "emerging", "future", "all"] {
            for metric in ["tfp_index", "tfp_growth", "emissions", "firms"] {
                let e = 0.01 * f64::from(step);
                let (e, lo, hi) = if metric == "tfp_growth" && step == 0 {
                    ("NA".to_string(), "NA".to_string(), "NA".to_string())
                } else {
                    (
                        e.to_string(),
                        (e - 0.004).to_string(),
                        (e + 0.004).to_string(),
                    )
                };
                effects.push_str(&format!(
                    "{step},{},{sector},t,{metric},20,1,1,{e},0.002,{lo},{hi},NA,0.4\n",
                    2024 + step
                ));
            }
        }
    }
    fs::write(folder.join("effects.csv"), effects).unwrap();
    let output = ok(nqpsim(tmp.path(), &["plot", "cmp"]));
    assert_eq!(
        stdout(&output).lines().count(),
        6,
        "three metrics, two files each"
    );
    assert_figures(
        &folder.join("plots"),
        &[
            (
                "effect-tfp_index",
                &[
                    "rd-subsidy vs baseline: effect on TFP index",
                    "effect on TFP index (index points)",
                    "year",
                    "traditional",
                    "all sectors",
                ],
            ),
            (
                "effect-tfp_growth",
                &["effect on TFP growth (percentage points)"],
            ),
            (
                "effect-emissions",
                &["effect on emissions (emission units)"],
            ),
        ],
    );
}

#[test]
fn bad_folders_and_outcomes_exit_2_naming_the_path_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    // Not an output folder.
    fs::create_dir(dir.join("empty")).unwrap();
    let out = nqpsim(dir, &["plot", "empty"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("empty") && stderr(&out).contains("not an nqpsim output folder"),
        "{}",
        stderr(&out)
    );
    let out = nqpsim(dir, &["plot", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("nowhere: no such folder"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("nowhere").exists());

    // A manifest of a run without its trajectories.
    fs::create_dir(dir.join("run")).unwrap();
    fs::write(dir.join("run/manifest.json"), r#"{"command": "run"}"#).unwrap();
    let out = nqpsim(dir, &["plot", "run"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("run/trajectories.csv: no such file"),
        "{}",
        stderr(&out)
    );

    // An outcome the sweep does not have, a malformed one.
    let grid = small_sweep(dir, "grid", GRID);
    for (outcome, says) in [
        ("nope:all:last", "summary.csv: has no metric `nope`"),
        ("tfp_index:steel:last", "summary.csv: has no sector `steel`"),
        ("tfp_index:all:99", "summary.csv: has no step 99"),
        ("tfp_index:all:soon", "--outcome tfp_index:all:soon"),
    ] {
        let out = nqpsim(dir, &["plot", "--outcome", outcome, "out/grid"]);
        assert_eq!(out.status.code(), Some(2), "{outcome}");
        assert!(stderr(&out).contains(says), "{outcome}: {}", stderr(&out));
    }

    // A bad folder among good ones: nothing is written for any of them.
    let out = nqpsim(dir, &["plot", "out/grid", "empty"]);
    assert_eq!(out.status.code(), Some(2));
    for folder in [grid, dir.join("empty"), dir.join("run")] {
        assert!(!folder.join("plots").exists(), "{}", folder.display());
    }
}
