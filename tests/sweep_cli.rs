//! `nqpsim sweep` and `nqpsim merge` as a user runs them: a sweep killed with SIGKILL at any
//! moment, or stopped with SIGTERM, resumes to the same bytes as an uninterrupted one; a
//! changed plan is not resumed; bad plans get located errors; `--dry-run` writes nothing;
//! `--slurm` writes runnable scripts; shards and `merge` work from the command line.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::process as nqpsim;

fn run(dir: &Path, args: &[&str]) -> Output {
    nqpsim()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("nqpsim starts")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    nqpsim()
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nqpsim starts")
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name}");
}

/// 3 x 2 points, 4 replicates (24 runs) over 8 steps, on one thread: about 50 ms a run in
/// either build (fewer firms in a debug build), so a sweep lasts a second or two and can be
/// killed midway.
fn plan() -> String {
    let firms = if cfg!(debug_assertions) {
        3_000
    } else {
        20_000
    };
    format!(
        r#"
name = "killme"
replicates = 4
seed = 5

[set]
"run.firms" = {firms}
"run.steps" = 8

[[axis]]
path = "policy.digital_subsidy"
values = [0.0, 0.3, 0.6]

[[axis]]
path = "sectors.future.entry_rate"
values = [0.05, 0.1]
"#
    )
}

fn setup(plan: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.toml");
    fs::write(&path, plan).unwrap();
    (dir, path)
}

/// Completed runs the journal records: one more than the run of its last complete line.
fn journaled(folder: &Path) -> usize {
    let text = fs::read_to_string(folder.join("journal.jsonl")).unwrap_or_default();
    text.split_inclusive('\n')
        .skip(1)
        .filter(|l| l.ends_with('\n'))
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["run"].as_u64())
        .last()
        .map_or(0, |run| run as usize + 1)
}

fn data_files(folder: &Path) -> Vec<(String, Vec<u8>)> {
    [
        "points.csv",
        "trajectories.csv",
        "decomposition.csv",
        "summary.csv",
    ]
    .iter()
    .map(|n| {
        (
            n.to_string(),
            fs::read(folder.join(n)).unwrap_or_else(|e| panic!("{n}: {e}")),
        )
    })
    .collect()
}

fn reference(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let out = run(
        dir,
        &[
            "sweep",
            "plan.toml",
            "--out",
            "reference",
            "-q",
            "--threads",
            "2",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    data_files(&dir.join("reference/killme"))
}

/// Starts a sweep and kills it once the journal holds at least `runs` runs; returns the runs
/// journaled after the kill.
fn kill_after(dir: &Path, args: &[&str], runs: usize, how: &str) -> (usize, Output) {
    let folder = dir.join("output/killme");
    let mut args = args.to_vec();
    args.extend(["--threads", "1"]);
    let mut child = spawn(dir, &args);
    let started = Instant::now();
    while journaled(&folder) < runs {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before {runs} runs could be seen: make the plan bigger"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the sweep made no progress"
        );
        sleep(Duration::from_millis(1));
    }
    signal(&child, how);
    let output = child.wait_with_output().unwrap();
    (journaled(&folder), output)
}

#[test]
fn a_sweep_killed_again_and_again_resumes_to_the_bytes_of_an_uninterrupted_one() {
    let (dir, _) = setup(&plan());
    let dir = dir.path();
    let expected = reference(dir);
    let folder = dir.join("output/killme");

    // First attempt, killed early; then --resume, killed again later, twice.
    let mut done = 0;
    for (i, target) in [3, 9, 15].into_iter().enumerate() {
        let mut args = vec!["sweep", "plan.toml", "-q"];
        if i > 0 {
            args.push("--resume");
        }
        let (journaled, output) = kill_after(dir, &args, target, "KILL");
        assert!(!output.status.success());
        assert!(
            journaled >= done && journaled < 24,
            "killed midway: {journaled} of 24 runs journaled"
        );
        done = journaled;
        assert!(
            !folder.join("summary.csv").exists() && !folder.join("manifest.json").exists(),
            "no final file appears before the sweep completes"
        );
    }

    // Without --resume the unfinished sweep is not thrown away.
    let refused = run(dir, &["sweep", "plan.toml", "-q"]);
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert!(
        message.contains("an unfinished sweep is here") && message.contains("--resume"),
        "{message}"
    );

    let finished = run(dir, &["sweep", "plan.toml", "--resume"]);
    assert!(finished.status.success(), "{}", stderr(&finished));
    assert!(
        stdout(&finished).contains(&format!("{done} runs resumed from the journal")) || done == 0,
        "{}",
        stdout(&finished)
    );
    assert!(data_files(&folder) == expected, "resumed files differ");
    assert!(!folder.join("journal.jsonl").exists());
    let leftovers: Vec<String> = fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Resuming a complete sweep does nothing.
    let again = run(dir, &["sweep", "plan.toml", "--resume"]);
    assert!(again.status.success());
    assert!(
        stdout(&again).contains("already complete"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn sigterm_keeps_the_finished_runs_and_exits_130_and_resume_finishes_them() {
    let (dir, _) = setup(&plan());
    let dir = dir.path();
    let expected = reference(dir);
    let (journaled, output) = kill_after(dir, &["sweep", "plan.toml", "-q"], 4, "TERM");
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains(&format!("{journaled} of 24 runs are done"))
            && message.contains("--resume"),
        "{message}"
    );
    let finished = run(dir, &["sweep", "plan.toml", "--resume", "-q"]);
    assert!(finished.status.success(), "{}", stderr(&finished));
    assert!(data_files(&dir.join("output/killme")) == expected);
}

#[test]
fn a_changed_plan_is_not_resumed_and_force_starts_over() {
    let (dir, path) = setup(&plan());
    let dir = dir.path();
    let (journaled, _) = kill_after(dir, &["sweep", "plan.toml", "-q"], 2, "KILL");
    assert!(journaled < 24);
    fs::write(&path, plan().replace("0.3, 0.6", "0.3, 0.5")).unwrap();
    let refused = run(dir, &["sweep", "plan.toml", "--resume"]);
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert!(
        message.contains("started from a different plan") && message.contains("fingerprint"),
        "{message}"
    );
    let refused = run(dir, &["sweep", "plan.toml", "--resume", "--summary-only"]);
    assert_eq!(refused.status.code(), Some(2));
    let forced = run(dir, &["sweep", "plan.toml", "--force", "-q"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    let points = fs::read_to_string(dir.join("output/killme/points.csv")).unwrap();
    assert!(points.contains(",0.5,"), "{points}");
}

#[test]
fn bad_plans_get_the_file_line_column_and_the_allowed_values() {
    let cases: [(&str, &[&str]); 7] = [
        (
            "[[axis]]\npath = \"sectors.future.entry_ratte\"\nvalues = [0.1]\n",
            &[
                "plan.toml:2:8",
                "`sectors.future.entry_ratte` is an unknown field",
                "did you mean `entry_rate`?",
            ],
        ),
        (
            "[[axis]]\npath = \"policy.rd_subsidy.traditional\"\nvalues = []\n",
            &["plan.toml:3:10", "empty list", "at least one value"],
        ),
        (
            "[[axis]]\npath = \"policy.rd_subsidy.traditional\"\nvalues = [0.2, 1.5]\n",
            &["plan.toml:3:16", "1.5", "must lie in [0, 1]"],
        ),
        (
            "[[axis]]\npath = \"policy.rd_subsidy.steel\"\nvalues = [0.2]\n",
            &[
                "plan.toml:2:8",
                "one of the sectors: traditional, emerging, future",
            ],
        ),
        (
            "colour = \"red\"\n[[axis]]\npath = \"policy.carbon_price\"\nvalues = [0.1]\n",
            &["plan.toml:1:1", "unknown field `colour`", "axis"],
        ),
        (
            "design = \"zip\"\n[[axis]]\npath = \"policy.carbon_price\"\nvalues = [0.1, 0.2]\n[[axis]]\npath = \"policy.talent\"\nvalues = [1.0]\n",
            &["zip", "same number of values"],
        ),
        (
            "[[axis]]\npath = \"model.exit_share\"\nfrom_step = 5\nrange = { from = 0.1, to = 0.2, n = 2 }\n",
            &["plan.toml:3:13", "from_step applies to policy levers only"],
        ),
    ];
    for (plan, expected) in cases {
        let (dir, _) = setup(plan);
        let output = run(dir.path(), &["sweep", "plan.toml"]);
        assert_eq!(output.status.code(), Some(2), "{plan}");
        let message = stderr(&output);
        for part in expected {
            assert!(
                message.contains(part),
                "{plan}\nexpected {part:?} in:\n{message}"
            );
        }
        assert!(!dir.path().join("output").exists(), "nothing is written");
    }
}

#[test]
fn dry_run_prints_the_points_runs_and_an_estimate_and_writes_nothing() {
    let (dir, _) = setup(&plan());
    let output = run(dir.path(), &["sweep", "plan.toml", "--dry-run"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for part in [
        "points: 6, replicates: 4, runs: 24",
        "point,policy.digital_subsidy,sectors.future.entry_rate",
        "2,0.3,0.05",
        "firm-steps: about",
        "M firm-steps/s",
        "estimate: about",
        "trajectories.csv about",
        "decomposition.csv about",
        "per run in flight (from its initial firms to the population entry would build",
    ] {
        assert!(text.contains(part), "expected {part:?} in:\n{text}");
    }
    assert!(!dir.path().join("output").exists());
    assert!(
        !text.contains("regions.csv"),
        "a model-1 plan writes none:\n{text}"
    );

    // a sweep of the initial state alone is estimated too (it panicked: no step to calibrate)
    let output = run(
        dir.path(),
        &["sweep", "plan.toml", "--dry-run", "--steps", "0"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("firm-steps: about 0.000e0") && text.contains("estimate: about"),
        "{text}"
    );
    // and its calibration claims no speed it did not measure
    assert!(
        text.contains("runs of the initial state alone (no steps)")
            && !text.contains("M firm-steps/s"),
        "{text}"
    );
    assert!(!dir.path().join("output").exists());
}

/// The dry run of a plan over the regional layout economy (model 2) estimates every data file
/// it writes, `regions.csv` and the summary's model-2 metrics included, within a fifth of what
/// the sweep then writes.
#[test]
fn dry_run_estimates_every_data_file_a_sweep_with_regions_writes() {
    let dir = tempfile::tempdir().unwrap();
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweeps/layout-grid.toml");
    let plan = plan.to_str().unwrap();
    let small = ["--steps", "3", "--firms", "200", "--replicates", "2"];
    let mut args = vec!["sweep", plan, "--dry-run"];
    args.extend(small);
    let o = run(dir.path(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let mut args = vec!["sweep", plan, "-q", "--out", "out"];
    args.extend(small);
    let o = run(dir.path(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    for name in [
        "trajectories.csv",
        "decomposition.csv",
        "regions.csv",
        "summary.csv",
    ] {
        // "NAME about 1.2 KiB"
        let estimate = text
            .split(&format!("{name} about "))
            .nth(1)
            .unwrap_or_else(|| panic!("no estimate of {name} in:\n{text}"));
        let mut words = estimate.split([' ', ',', '\n']);
        let value: f64 = words.next().unwrap().parse().unwrap();
        let unit = match words.next().unwrap() {
            "bytes" => 1.0,
            "KiB" => 1024.0,
            "MiB" => 1024.0 * 1024.0,
            other => panic!("unit {other}"),
        };
        let written = fs::metadata(dir.path().join("out/layout-grid").join(name))
            .unwrap()
            .len() as f64;
        let ratio = value * unit / written;
        assert!(
            (0.8..1.25).contains(&ratio),
            "{name}: estimated {value} x {unit} B, written {written} B"
        );
    }
}

#[test]
fn shards_from_the_command_line_merge_into_the_single_machine_files() {
    let (dir, _) = setup(&plan());
    let dir = dir.path();
    let expected = reference(dir);
    for k in 1..=4 {
        let shard = format!("{k}/4");
        let out = run(dir, &["sweep", "plan.toml", "--shard", &shard, "-q"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let merged = run(dir, &["merge", "output/killme"]);
    assert!(merged.status.success(), "{}", stderr(&merged));
    assert!(stdout(&merged).contains("merged 4 shards (6 points, 24 runs)"));
    assert!(data_files(&dir.join("output/killme")) == expected);
    // a shard missing
    fs::remove_dir_all(dir.join("output/killme/shard-3-of-4")).unwrap();
    let merged = run(dir, &["merge", "output/killme"]);
    assert_eq!(merged.status.code(), Some(2));
    assert!(stderr(&merged).contains("shard 3/4"), "{}", stderr(&merged));
    // a bad split
    let bad = run(dir, &["sweep", "plan.toml", "--shard", "5/4"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("K/N"), "{}", stderr(&bad));
}

#[test]
fn slurm_mode_writes_an_array_a_merge_and_a_submit_script_with_absolute_paths() {
    let (dir, _) = setup(&plan());
    let dir = dir.path();
    let output = run(
        dir,
        &[
            "sweep",
            "plan.toml",
            "--slurm",
            "--shards",
            "3",
            "--sbatch=--time=00:10:00",
            "--summary-only",
            "--set",
            "run.steps=5",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("3 shards") && text.contains("submit.sh"),
        "{text}"
    );
    let slurm = dir.join("output/killme/slurm");
    let array = fs::read_to_string(slurm.join("array.sbatch")).unwrap();
    let root = fs::canonicalize(dir).unwrap();
    assert!(array.contains("#SBATCH --array=1-3"), "{array}");
    assert!(array.contains("#SBATCH --time=00:10:00"), "{array}");
    assert!(
        array.contains(&format!("{}/plan.toml", root.display())),
        "{array}"
    );
    assert!(
        array.contains("--shard \"${SLURM_ARRAY_TASK_ID}/3\" --resume"),
        "{array}"
    );
    assert!(
        array.contains("--summary-only --set run.steps=5"),
        "{array}"
    );
    let merge = fs::read_to_string(slurm.join("merge.sbatch")).unwrap();
    assert!(merge.contains("shard-3-of-3"), "{merge}");
    let submit = fs::read_to_string(slurm.join("submit.sh")).unwrap();
    assert!(submit.contains("afterok"), "{submit}");
    let bash = Command::new("bash")
        .args(["-n".as_ref(), slurm.join("submit.sh").as_os_str()])
        .status()
        .unwrap();
    assert!(bash.success(), "submit.sh parses");
    // nothing ran
    assert!(!dir.join("output/killme/summary.csv").exists());
}

/// A shipped plan can be shrunk from the command line: `--replicates`, `--steps`, `--firms`
/// and `--seed` (and the same fields through `--set`) have the last word over the plan's own
/// `replicates` and `seed`, which `--set run.replicates=...` used to leave silently in force.
#[test]
fn the_size_flags_and_set_shrink_a_shipped_plan_and_are_never_silently_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweeps/carbon-price.toml");
    let plan = plan.to_str().unwrap();
    let manifest = |out: &str| -> serde_json::Value {
        let text = fs::read_to_string(dir.path().join(out).join("carbon-price/manifest.json"));
        serde_json::from_str(&text.unwrap()).unwrap()
    };
    let small = ["--steps", "2", "--firms", "100", "-q"];
    let mut args = vec![
        "sweep",
        plan,
        "--out",
        "a",
        "--replicates",
        "2",
        "--seed",
        "7",
    ];
    args.extend(small);
    let o = run(dir.path(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = manifest("a");
    assert_eq!(
        (m["replicates"].as_u64(), m["runs"].as_u64()),
        (Some(2), Some(10))
    );
    assert_eq!(m["seed"].as_u64(), Some(7));
    assert_eq!(m["base_scenario"]["run"]["steps"].as_u64(), Some(2));
    let mut args = vec!["sweep", plan, "--out", "b", "--set", "run.replicates=3"];
    args.extend(small);
    let o = run(dir.path(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(manifest("b")["replicates"].as_u64(), Some(3));
    // without a flag the plan's own replicates (20) stand
    let o = run(
        dir.path(),
        &["sweep", plan, "--dry-run", "--steps", "2", "--firms", "100"],
    );
    assert!(stdout(&o).contains("replicates: 20,"), "{}", stdout(&o));
}

/// Every point of a sweep writes the same columns: features are the base scenario's, never an
/// axis.
#[test]
fn a_sweep_cannot_vary_a_feature() {
    let plan = "name = \"features\"\nreplicates = 1\n\n[[axis]]\npath = \"features.capacity\"\nvalues = [false, true]\n";
    let (dir, _) = setup(plan);
    let output = run(dir.path(), &["sweep", "plan.toml", "-q", "--dry-run"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("axis[0].path") && message.contains("features are fixed for a sweep"),
        "{message}"
    );
}

/// A sweep axis over a per-region lever names one region of the base scenario, or none for
/// every region; a name that is not one of its regions is refused with the regions it has.
#[test]
fn a_sweep_axis_can_move_a_per_region_lever_in_one_region() {
    let plan = "name = \"training\"\nscenario = \"regions.toml\"\nreplicates = 1\n\n\
                [[axis]]\npath = \"policy.talent_training.west\"\nvalues = [0.0, 0.02]\n\n\
                [[axis]]\npath = \"policy.talent_training\"\nvalues = [0.01]\n";
    let (dir, _) = setup(plan);
    fs::write(
        dir.path().join("regions.toml"),
        "[features]\nregions = true\n[run]\nfirms = 300\nsteps = 2\n",
    )
    .unwrap();
    let output = run(dir.path(), &["sweep", "plan.toml", "--dry-run"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("point,policy.talent_training.west,policy.talent_training"),
        "{text}"
    );
    assert!(!dir.path().join("output").exists());

    for (path, expected) in [
        (
            "policy.talent_training.wset",
            "must name one of the regions: east, central, west, northeast (did you mean `west`?)",
        ),
        (
            "policy.carbon_price.west",
            "one value for the whole economy, not per sector or region",
        ),
    ] {
        let plan =
            format!("scenario = \"regions.toml\"\n[[axis]]\npath = \"{path}\"\nvalues = [0.02]\n");
        fs::write(dir.path().join("plan.toml"), plan).unwrap();
        let output = run(dir.path(), &["sweep", "plan.toml", "--dry-run"]);
        assert_eq!(output.status.code(), Some(2), "{path}");
        let message = stderr(&output);
        assert!(
            message.contains("plan.toml:3:8") && message.contains(expected),
            "{path}: expected {expected:?} in:\n{message}"
        );
    }
}
