//! Nothing is lost and nothing looks complete that is not: a run killed at any moment leaves
//! the previous complete files (or none); a run that fails leaves no folder of its own and an
//! earlier result as it was; Ctrl-C and SIGTERM keep the completed replicates beside the
//! previous complete files, in `interrupted/`, and say so; a second run is refused while a
//! first writes the folder; files nqpsim did not write are not written over without --force;
//! a full or read-only disk is an error that names the path, never a success.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::process as nqpsim;

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    nqpsim()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("nqpsim starts")
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

/// Files in `dir` (not hidden, sorted).
fn visible_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Waits until the temporary CSV of a running run holds more than `bytes` bytes.
fn wait_for_rows(folder: &Path, bytes: u64, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Ok(entries) = fs::read_dir(folder) {
            for e in entries.flatten() {
                let name = e.file_name().into_string().unwrap();
                if name.starts_with(".trajectories.csv.tmp-")
                    && e.metadata().map_or(0, |m| m.len()) > bytes
                {
                    return true;
                }
            }
        }
        sleep(Duration::from_millis(20));
    }
    false
}

const LONG: &[&str] = &[
    "run",
    "--firms",
    "3000",
    "--steps",
    "30",
    "--replicates",
    "300",
    "--threads",
    "2",
    "-q",
    "--out",
    "out",
];

#[test]
fn a_run_killed_at_any_moment_leaves_the_previous_complete_files() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(
        dir.path(),
        &[
            "run",
            "--firms",
            "300",
            "--steps",
            "3",
            "--replicates",
            "2",
            "-q",
            "--out",
            "out",
        ],
    );
    assert!(first.status.success());
    let folder = dir.path().join("out/baseline");
    let csv = fs::read(folder.join("trajectories.csv")).unwrap();
    let manifest = fs::read(folder.join("manifest.json")).unwrap();
    for delay_ms in [0, 150, 400, 900, 1600] {
        let mut child = spawn(dir.path(), LONG);
        sleep(Duration::from_millis(delay_ms));
        signal(&child, "KILL");
        child.wait().unwrap();
        assert_eq!(
            fs::read(folder.join("trajectories.csv")).unwrap(),
            csv,
            "killed after {delay_ms} ms"
        );
        assert_eq!(
            fs::read(folder.join("manifest.json")).unwrap(),
            manifest,
            "killed after {delay_ms} ms"
        );
        assert_eq!(
            visible_files(&folder),
            ["decomposition.csv", "manifest.json", "trajectories.csv"],
            "a partial file is hidden"
        );
    }
    // The next run cleans up what the killed ones left, and takes the folder.
    let next = run(
        dir.path(),
        &[
            "run",
            "--firms",
            "300",
            "--steps",
            "3",
            "--replicates",
            "2",
            "-q",
            "--out",
            "out",
        ],
    );
    assert!(
        next.status.success(),
        "{}",
        String::from_utf8_lossy(&next.stderr)
    );
    let leftovers: Vec<_> = fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(
        fs::read(folder.join("trajectories.csv")).unwrap(),
        csv,
        "the same scenario gives the same bytes"
    );
}

const SMALL_RUN: &[&str] = &[
    "run",
    "--firms",
    "300",
    "--steps",
    "3",
    "--replicates",
    "2",
    "-q",
    "--out",
    "out",
];

/// Interrupts a long run with `signal_name` once rows are being written, over the complete
/// result of an earlier run: that result stays as it was, byte for byte; the completed
/// replicates, whole ones and numbered 0..k without gaps, go into `interrupted/` with a
/// manifest that says so; the next complete run removes `interrupted/`.
fn interrupt_keeps_completed_replicates(signal_name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("out/baseline");
    assert!(run(dir.path(), SMALL_RUN).status.success());
    let complete: Vec<(String, Vec<u8>)> = visible_files(&folder)
        .into_iter()
        .map(|name| {
            let bytes = fs::read(folder.join(&name)).unwrap();
            (name, bytes)
        })
        .collect();
    let child = spawn(dir.path(), LONG);
    assert!(
        wait_for_rows(&folder, 200_000, Duration::from_secs(120)),
        "rows appear"
    );
    signal(&child, signal_name);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(stderr.contains("left as it was"), "{stderr}");
    // the complete result is untouched
    for (name, bytes) in &complete {
        assert_eq!(&fs::read(folder.join(name)).unwrap(), bytes, "{name}");
    }
    let mut expected: Vec<String> = complete.iter().map(|(n, _)| n.clone()).collect();
    expected.push("interrupted".into());
    expected.sort();
    assert_eq!(visible_files(&folder), expected);
    let partial = folder.join("interrupted");
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(partial.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["run"]["status"], "interrupted");
    let completed: Vec<u64> = manifest["run"]["completed_replicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(
        !completed.is_empty() && completed.len() < 300,
        "{completed:?}"
    );
    assert_eq!(
        completed,
        (0..completed.len() as u64).collect::<Vec<_>>(),
        "replicates 0..k, no gaps"
    );
    // whole replicates only: 31 steps x 4 rows each, and exactly the completed ones
    let text = fs::read_to_string(partial.join("trajectories.csv")).unwrap();
    let mut per_replicate = std::collections::BTreeMap::<u64, usize>::new();
    for line in text.lines().skip(1) {
        let replicate: u64 = line.split(',').nth(2).unwrap().parse().unwrap();
        *per_replicate.entry(replicate).or_default() += 1;
    }
    assert_eq!(per_replicate.keys().copied().collect::<Vec<_>>(), completed);
    assert!(
        per_replicate.values().all(|&rows| rows == 31 * 4),
        "{per_replicate:?}"
    );
    assert_eq!(manifest["files"][0]["rows"], (completed.len() * 124) as u64);
    // and they are the same rows as in an uninterrupted run of that many replicates
    let last = *completed.last().unwrap() + 1;
    let reference = run(
        dir.path(),
        &[
            "run",
            "--firms",
            "3000",
            "--steps",
            "30",
            "--replicates",
            &last.to_string(),
            "-q",
            "--out",
            "reference",
        ],
    );
    assert!(reference.status.success());
    let reference =
        fs::read_to_string(dir.path().join("reference/baseline/trajectories.csv")).unwrap();
    assert_eq!(text, reference);
    // the next complete run removes the interrupted one's files
    assert!(run(dir.path(), SMALL_RUN).status.success());
    assert!(!partial.exists());
}

#[test]
fn ctrl_c_keeps_the_completed_replicates_beside_a_complete_result_and_exits_130() {
    interrupt_keeps_completed_replicates("INT");
}

#[test]
fn sigterm_is_handled_like_ctrl_c() {
    interrupt_keeps_completed_replicates("TERM");
}

#[test]
fn a_second_run_into_the_same_folder_is_refused_while_the_first_writes() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("out/baseline");
    let mut first = spawn(dir.path(), LONG);
    assert!(
        wait_for_rows(&folder, 0, Duration::from_secs(120)),
        "the first run writes"
    );
    let second = run(
        dir.path(),
        &[
            "run",
            "--firms",
            "300",
            "--steps",
            "2",
            "--replicates",
            "1",
            "-q",
            "--out",
            "out",
        ],
    );
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("another nqpsim process")
            && stderr.contains(&format!("pid {}", first.id())),
        "{stderr}"
    );
    signal(&first, "KILL");
    first.wait().unwrap();
    assert!(
        run(
            dir.path(),
            &[
                "run",
                "--firms",
                "300",
                "--steps",
                "2",
                "--replicates",
                "1",
                "-q",
                "--out",
                "out"
            ]
        )
        .status
        .success(),
        "free once the first is gone"
    );
}

#[test]
fn a_folder_with_files_nqpsim_did_not_write_is_not_written_over_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("out/baseline");
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("my-analysis.R"), "plot(x)").unwrap();
    let args = [
        "run",
        "--firms",
        "300",
        "--steps",
        "2",
        "--replicates",
        "1",
        "-q",
        "--out",
        "out",
    ];
    let refused = run(dir.path(), &args);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("my-analysis.R") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(visible_files(&folder), ["my-analysis.R"]);
    let mut forced = args.to_vec();
    forced.push("--force");
    assert!(run(dir.path(), &forced).status.success());
    assert_eq!(
        fs::read_to_string(folder.join("my-analysis.R")).unwrap(),
        "plot(x)"
    );
    assert!(folder.join("trajectories.csv").is_file());
}

#[test]
fn a_failed_run_leaves_no_folder_of_its_own_and_keeps_an_earlier_result() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("out/baseline");
    let size = [
        "run", "--firms", "200", "--steps", "3", "-q", "--out", "out",
    ];
    // productivity that overflows: a numeric fault in the first step
    let mut exploding = size.to_vec();
    exploding.extend(["--set", "sectors.future.innovation_sd=1e308"]);
    let failed = run(dir.path(), &exploding);
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        !folder.exists(),
        "the folder it created is gone, lock and all"
    );
    // over a complete result, the failure leaves that result as it was
    assert!(run(dir.path(), &size).status.success());
    let before = fs::read(folder.join("trajectories.csv")).unwrap();
    assert_eq!(run(dir.path(), &exploding).status.code(), Some(1));
    assert_eq!(fs::read(folder.join("trajectories.csv")).unwrap(), before);
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Mount(PathBuf);

impl Mount {
    /// Mounts a tmpfs of `size` with `options` at a fresh folder; `None` (with the reason
    /// printed) where this process may not mount.
    fn tmpfs(size: &str, read_only: bool) -> Option<Mount> {
        let dir = tempfile::tempdir().unwrap().keep();
        let options = format!("size={size}{}", if read_only { ",ro" } else { "" });
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &options, "tmpfs"])
            .arg(&dir)
            .stderr(Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => Some(Mount(dir)),
            _ => {
                eprintln!(
                    "skipped: cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN; CI runs as root)"
                );
                None
            }
        }
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = fs::remove_dir(&self.0);
    }
}

#[test]
fn a_full_disk_is_an_error_naming_the_path_and_not_a_success() {
    let Some(mount) = Mount::tmpfs("64k", false) else {
        return;
    };
    let output = run(
        &mount.0,
        &[
            "run",
            "--firms",
            "2000",
            "--steps",
            "30",
            "--replicates",
            "4",
            "-q",
            "--out",
            "out",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("No space left on device")
            && stderr.contains("out/baseline/trajectories.csv"),
        "{stderr}"
    );
    assert_eq!(
        visible_files(&mount.0.join("out/baseline")),
        Vec::<String>::new(),
        "nothing that looks complete"
    );
}

#[test]
fn a_read_only_folder_is_an_error_naming_the_path() {
    let Some(mount) = Mount::tmpfs("1m", true) else {
        return;
    };
    let output = run(
        &mount.0,
        &[
            "run",
            "--firms",
            "300",
            "--steps",
            "2",
            "--replicates",
            "1",
            "-q",
            "--out",
            "out",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Read-only file system") && stderr.contains("out/baseline"),
        "{stderr}"
    );
}
