//! `nqpsim sweep PLAN --slurm`: writes a job array of shards and a merge job that waits for
//! them, ready for `sbatch`.
//!
//! Each array task runs `nqpsim sweep PLAN --shard $SLURM_ARRAY_TASK_ID/N --resume`, so a
//! task that Slurm stops (SIGTERM at the time limit, or a node failure) keeps its journal,
//! and submitting the scripts again finishes what is missing; shards already complete return
//! at once. Paths in the scripts are absolute, so they run from any directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, OutputError};

/// What the scripts run.
#[derive(Clone, Debug)]
pub struct SlurmJob {
    /// The nqpsim binary (absolute).
    pub binary: PathBuf,
    /// The plan file (absolute).
    pub plan: PathBuf,
    /// The plan's name.
    pub plan_name: String,
    /// The `--out` folder (absolute).
    pub out: PathBuf,
    /// Shards: array tasks 1..=shards.
    pub shards: usize,
    /// CPUs per task (`--cpus-per-task`; the sweep uses as many threads).
    pub cpus_per_task: usize,
    /// Extra `#SBATCH` options, e.g. `--time=02:00:00`, `--partition=short`.
    pub sbatch: Vec<String>,
    /// Arguments passed on to every `nqpsim sweep` (e.g. `--summary-only`, `--set ...`).
    pub sweep_args: Vec<String>,
}

/// The end of `array.sbatch`, after nqpsim is started in the background.
///
/// nqpsim runs as a child, not by `exec`, so that the script can read its exit status: exit
/// code 4 (the shard finished, some of its runs failed and are listed in its `failures.csv`)
/// becomes 0, so that Slurm starts the merge (`afterok`), which exits 4 itself. A SIGTERM or
/// SIGINT sent to the script (`scancel --batch`, `--signal=B:TERM@60`) is passed on as
/// SIGTERM, so
/// nqpsim stops and keeps its journal as it did under `exec`. Where Slurm signals every
/// process of the job (time limit, plain `scancel`), nqpsim gets the signal twice and stops
/// at once; the journal keeps every finished run either way.
const ARRAY_TAIL: &str = r#"nqpsim=$!
# passed on as SIGTERM, which nqpsim takes as it takes Ctrl-C (a script's background child
# starts with SIGINT ignored)
trap 'kill -TERM "$nqpsim" 2>/dev/null' TERM INT
status=0
wait "$nqpsim" || status=$?
# a trapped signal ends `wait` early, with a status above 128: wait on for nqpsim's own
while [[ $status -gt 128 ]] && kill -0 "$nqpsim" 2>/dev/null; do
    status=0
    wait "$nqpsim" || status=$?
done
if [[ $status -eq 4 ]]; then
    echo "nqpsim exited 4: shard ${SLURM_ARRAY_TASK_ID} finished, but some of its runs failed (listed in its failures.csv); this task exits 0 so that the merge runs, and the merge exits 4" >&2
    exit 0
fi
exit "$status"
"#;

/// Where the scripts were written.
#[derive(Clone, Debug)]
pub struct Scripts {
    /// The folder (`OUT/<plan>/slurm/`).
    pub folder: PathBuf,
    /// `submit.sh`.
    pub submit: PathBuf,
}

/// Quotes `s` for a POSIX shell.
pub fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn quote_path(p: &Path) -> String {
    quote(&p.display().to_string())
}

impl SlurmJob {
    /// The array job: one task per shard.
    pub fn array_script(&self) -> String {
        let dir = self.out.join(&self.plan_name).join(super::run::SLURM_DIR);
        let mut s = String::new();
        let _ = writeln!(s, "#!/bin/bash");
        let _ = writeln!(
            s,
            "# nqpsim sweep `{}`: shard $SLURM_ARRAY_TASK_ID of {} (written by nqpsim sweep --slurm)",
            self.plan_name, self.shards
        );
        let _ = writeln!(s, "#SBATCH --job-name=nqpsim-{}", self.plan_name);
        let _ = writeln!(s, "#SBATCH --array=1-{}", self.shards);
        let _ = writeln!(s, "#SBATCH --cpus-per-task={}", self.cpus_per_task);
        let _ = writeln!(
            s,
            "#SBATCH --output={}",
            quote_path(&dir.join("logs").join("shard-%a.out"))
        );
        for option in &self.sbatch {
            let _ = writeln!(s, "#SBATCH {option}");
        }
        // No `set -e`: the script reads nqpsim's exit status itself.
        let _ = writeln!(s, "set -uo pipefail");
        let mut command = vec![
            quote_path(&self.binary),
            "sweep".into(),
            quote_path(&self.plan),
            "--shard".into(),
            format!("\"${{SLURM_ARRAY_TASK_ID}}/{}\"", self.shards),
            "--resume".into(),
            "--quiet".into(),
            "--out".into(),
            quote_path(&self.out),
            "--threads".into(),
            format!("\"${{SLURM_CPUS_PER_TASK:-{}}}\"", self.cpus_per_task),
        ];
        command.extend(self.sweep_args.iter().map(|a| quote(a)));
        let _ = writeln!(s, "{} &", command.join(" "));
        s.push_str(ARRAY_TAIL);
        s
    }

    /// The merge job (submitted with a dependency on the array).
    pub fn merge_script(&self) -> String {
        let plan_dir = self.out.join(&self.plan_name);
        let mut s = String::new();
        let _ = writeln!(s, "#!/bin/bash");
        let _ = writeln!(
            s,
            "# nqpsim sweep `{}`: merge the {} shards (written by nqpsim sweep --slurm)",
            self.plan_name, self.shards
        );
        let _ = writeln!(s, "#SBATCH --job-name=nqpsim-{}-merge", self.plan_name);
        let _ = writeln!(s, "#SBATCH --cpus-per-task=1");
        let _ = writeln!(
            s,
            "#SBATCH --output={}",
            quote_path(
                &plan_dir
                    .join(super::run::SLURM_DIR)
                    .join("logs")
                    .join("merge.out")
            )
        );
        for option in &self.sbatch {
            let _ = writeln!(s, "#SBATCH {option}");
        }
        let _ = writeln!(s, "set -euo pipefail");
        let shards: Vec<String> = (1..=self.shards)
            .map(|k| {
                quote_path(&plan_dir.join(super::shard::Shard { k, n: self.shards }.folder_name()))
            })
            .collect();
        let _ = writeln!(
            s,
            "# exit code 4: the merge is written, but some runs of the sweep failed (failures.csv)"
        );
        let _ = writeln!(
            s,
            "exec {} merge --quiet --out {} {}",
            quote_path(&self.binary),
            quote_path(&plan_dir),
            shards.join(" ")
        );
        s
    }

    /// `submit.sh`: submits the array, then the merge with `afterok` on it.
    pub fn submit_script(&self) -> String {
        let mut s = String::new();
        s.push_str(
            r#"#!/bin/bash
# Submits the sweep's shards as a Slurm job array and the merge as a job that runs when every
# shard has finished (written by nqpsim sweep --slurm). A shard some of whose runs failed has
# finished: its task exits 0 and the merge exits 4.
#
#   bash submit.sh           submit and return
#   bash submit.sh --wait    submit and wait until the merge is done; the exit status is
#                            non-zero if a shard or the merge failed (4: the merge is written,
#                            but some runs failed; see failures.csv)
#
# Submitting again after a failure, a time limit or a cancel resumes the shards from their
# journals (finished shards return at once) and merges again.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wait_flag=""
if [[ ${1:-} == --wait ]]; then wait_flag=--wait; fi
mkdir -p "$here/logs"
array=$(sbatch --parsable "$here/array.sbatch")
array=${array%%;*}
echo "submitted the shards: job array $array"
"#,
        );
        let _ = writeln!(
            s,
            "echo \"the merge waits for them; results in {}\"",
            self.out.join(&self.plan_name).display()
        );
        s.push_str(
            r#"merge=$(sbatch --parsable $wait_flag --dependency="afterok:$array" --kill-on-invalid-dep=yes "$here/merge.sbatch")
echo "merge: job ${merge%%;*}${wait_flag:+ (finished)}"
"#,
        );
        s
    }

    /// Writes the three scripts into `OUT/<plan>/slurm/`.
    pub fn write(&self) -> Result<Scripts, Error> {
        let folder = self.out.join(&self.plan_name).join(super::run::SLURM_DIR);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| OutputError { path, source }
        };
        std::fs::create_dir_all(folder.join("logs")).map_err(io(&folder))?;
        let write = |name: &str, text: String| -> Result<PathBuf, Error> {
            let path = folder.join(name);
            crate::output::atomic::write_file(&path, text.as_bytes())?;
            set_executable(&path).map_err(io(&path))?;
            Ok(path)
        };
        write("array.sbatch", self.array_script())?;
        write("merge.sbatch", self.merge_script())?;
        let submit = write("submit.sh", self.submit_script())?;
        Ok(Scripts { folder, submit })
    }
}

#[cfg(unix)]
fn set_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> SlurmJob {
        SlurmJob {
            binary: "/opt/nqpsim/bin/nqpsim".into(),
            plan: "/home/me/plans/rd grid.toml".into(),
            plan_name: "rd-grid".into(),
            out: "/scratch/me/out".into(),
            shards: 4,
            cpus_per_task: 2,
            sbatch: vec!["--time=01:00:00".into()],
            sweep_args: vec![
                "--summary-only".into(),
                "--set".into(),
                "run.firms=500".into(),
            ],
        }
    }

    #[test]
    fn the_array_runs_one_shard_per_task_and_resumes() {
        let s = job().array_script();
        assert!(s.contains("#SBATCH --array=1-4"), "{s}");
        assert!(s.contains("#SBATCH --time=01:00:00"));
        assert!(s.contains("#SBATCH --cpus-per-task=2"));
        assert!(s.contains(
            "\n/opt/nqpsim/bin/nqpsim sweep '/home/me/plans/rd grid.toml' --shard \"${SLURM_ARRAY_TASK_ID}/4\" --resume"
        ), "{s}");
        assert!(s.contains("--out /scratch/me/out"));
        assert!(s.contains("--summary-only --set run.firms=500 &\n"), "{s}");
    }

    /// Runs `array.sbatch` written for `fake` (a shell script standing in for nqpsim) as
    /// Slurm would run task 1, and returns the script's process, its stderr captured.
    #[cfg(unix)]
    fn array_task(dir: &Path, fake: &str) -> std::process::Child {
        let binary = dir.join("nqpsim");
        std::fs::write(&binary, format!("#!/bin/bash\n{fake}")).unwrap();
        set_executable(&binary).unwrap();
        let job = SlurmJob {
            binary,
            out: dir.to_path_buf(),
            ..job()
        };
        let script = dir.join("array.sbatch");
        std::fs::write(&script, job.array_script()).unwrap();
        std::process::Command::new("bash")
            .arg(&script)
            .env("SLURM_ARRAY_TASK_ID", "1")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }

    #[cfg(unix)]
    fn finish(task: std::process::Child) -> (Option<i32>, String) {
        let out = task.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    #[test]
    #[cfg(unix)]
    fn an_array_task_whose_shard_had_failed_runs_exits_0_so_the_merge_starts_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let (code, stderr) = finish(array_task(dir.path(), "exit 4"));
        assert_eq!(code, Some(0), "{stderr}");
        assert!(
            stderr.contains("shard 1 finished, but some of its runs failed")
                && stderr.contains("the merge exits 4"),
            "{stderr}"
        );
        // every other status is the task's own
        for status in [0, 1, 2, 130] {
            let (code, stderr) = finish(array_task(dir.path(), &format!("exit {status}")));
            assert_eq!(code, Some(status), "{stderr}");
            assert!(!stderr.contains("failed"), "{stderr}");
        }
    }

    #[test]
    #[cfg(unix)]
    fn sigterm_and_sigint_to_an_array_task_reach_nqpsim_and_its_exit_status_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        for signal in ["-TERM", "-INT"] {
            let got = dir.path().join(format!("got{signal}"));
            // stands in for nqpsim: on SIGTERM, notes it, then stops with 130 as nqpsim does
            let fake = format!(
                "trap 'echo TERM > {got}; exit 130' TERM\ntouch {ready}\nwhile true; do sleep 0.05; done\n",
                got = got.display(),
                ready = dir.path().join("ready").display()
            );
            let _ = std::fs::remove_file(dir.path().join("ready"));
            let task = array_task(dir.path(), &fake);
            let started = std::time::Instant::now();
            while !dir.path().join("ready").exists() {
                assert!(
                    started.elapsed().as_secs() < 20,
                    "the fake nqpsim never started"
                );
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let kill = std::process::Command::new("kill")
                .args([signal, &task.id().to_string()])
                .status()
                .unwrap();
            assert!(kill.success());
            let (code, stderr) = finish(task);
            assert_eq!(code, Some(130), "{signal}: {stderr}");
            assert_eq!(
                std::fs::read_to_string(&got).unwrap_or_default().trim(),
                "TERM",
                "kill {signal} to the task reached nqpsim as SIGTERM"
            );
        }
    }

    #[test]
    fn the_merge_names_every_shard_and_the_submit_script_chains_them() {
        let m = job().merge_script();
        assert!(
            m.contains(
                "merge --quiet --out /scratch/me/out/rd-grid /scratch/me/out/rd-grid/shard-1-of-4"
            ),
            "{m}"
        );
        assert!(m.contains("/scratch/me/out/rd-grid/shard-4-of-4\n"));
        let s = job().submit_script();
        assert!(
            s.contains("--dependency=\"afterok:$array\" --kill-on-invalid-dep=yes"),
            "{s}"
        );
    }

    #[test]
    fn quoting_survives_spaces_and_quotes() {
        assert_eq!(quote("plain/path.toml"), "plain/path.toml");
        assert_eq!(quote("it's here"), r"'it'\''s here'");
        assert_eq!(quote(""), "''");
    }
}
