//! An output folder that one run owns: created if needed, locked against a second run, and
//! checked to hold nothing but what nqpsim writes, so that no one's files are written over.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, OutputError};

/// Name of the lock file in an output folder (holds the owner's process id).
pub const LOCK_FILE: &str = ".nqpsim.lock";

/// Files that `nqpsim run` writes into a scenario's folder.
pub const RUN_FILES: &[&str] = &[
    "trajectories.csv",
    "manifest.json",
    "decomposition.csv",
    "regions.csv",
    "panel.csv",
    "panel_codebook.md",
    "facts.csv",
    PLOTS_DIR,
    INTERRUPTED_DIR,
];

/// The folder, inside a run's, that an interrupted run writes its completed replicates into:
/// the run's folder itself only ever holds a complete result, which an interrupted run leaves
/// as it was. The next complete run removes it.
pub const INTERRUPTED_DIR: &str = "interrupted";

/// The folder that `nqpsim plot` writes its figures into, inside a run's, a sweep's or a
/// comparison's folder. Re-running the command that wrote the folder leaves it as it was:
/// plot again to refresh the figures.
pub const PLOTS_DIR: &str = "plots";

/// A locked output folder. The lock is held until this value is dropped (or the process ends,
/// however it ends: the operating system releases it). A folder that taking it created, and
/// that holds nothing but the lock when it is dropped (a command that failed before writing
/// anything), is removed then, so that a failed command leaves no empty folder behind.
#[derive(Debug)]
pub struct OutputFolder {
    path: PathBuf,
    /// Whether taking the folder created it.
    created: bool,
    _lock: File,
}

impl Drop for OutputFolder {
    fn drop(&mut self) {
        if !self.created {
            return;
        }
        let only_the_lock = fs::read_dir(&self.path).is_ok_and(|entries| {
            entries
                .filter_map(Result::ok)
                .all(|e| e.file_name() == LOCK_FILE)
        });
        if only_the_lock {
            // still holding the lock: no other nqpsim process can have taken the folder
            let _ = fs::remove_file(self.path.join(LOCK_FILE));
            let _ = fs::remove_dir(&self.path);
        }
    }
}

impl OutputFolder {
    /// Creates `path` if needed and takes it for this process. Refuses if another process holds
    /// it, or, unless `force`, if it holds files other than `ours` (and our lock and temporary
    /// files); leftover temporary files of a killed run are removed.
    pub fn take(path: &Path, ours: &[&str], force: bool) -> Result<Self, Error> {
        Self::take_with(path, &|name| ours.contains(&name), force)
    }

    /// As [`OutputFolder::take`], with `is_ours` saying which names this command writes.
    pub fn take_with(
        path: &Path,
        is_ours: &dyn Fn(&str) -> bool,
        force: bool,
    ) -> Result<Self, Error> {
        // the Parquet twin of a file of ours (`nqpsim convert`) is ours too
        let is_ours = &|name: &str| {
            is_ours(name)
                || name
                    .strip_suffix(".parquet")
                    .is_some_and(|stem| is_ours(&format!("{stem}.csv")))
        };
        let created = !path.exists();
        fs::create_dir_all(path).map_err(|source| OutputError {
            path: path.to_path_buf(),
            source,
        })?;
        let lock_path = path.join(LOCK_FILE);
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|source| OutputError {
                path: lock_path.clone(),
                source,
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut owner = String::new();
                let _ = lock.read_to_string(&mut owner);
                let owner = owner.trim();
                return Err(Error::OutputFolder {
                    path: path.to_path_buf(),
                    reason: format!(
                        "another nqpsim process{} is writing to it; wait for it to finish or choose another --out",
                        if owner.is_empty() {
                            String::new()
                        } else {
                            format!(" (pid {owner})")
                        }
                    ),
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(OutputError {
                    path: lock_path,
                    source,
                }
                .into());
            }
        }
        let write_pid = |lock: &mut File| -> std::io::Result<()> {
            lock.set_len(0)?;
            lock.seek(SeekFrom::Start(0))?;
            writeln!(lock, "{}", std::process::id())?;
            lock.flush()
        };
        write_pid(&mut lock).map_err(|source| OutputError {
            path: lock_path.clone(),
            source,
        })?;

        let mut foreign = Vec::new();
        let entries = fs::read_dir(path).map_err(|source| OutputError {
            path: path.to_path_buf(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| OutputError {
                path: path.to_path_buf(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == LOCK_FILE || is_ours(&name) {
                continue;
            }
            if is_temporary(&name) {
                // a run that was killed while writing: we hold the lock, so it is gone
                let _ = fs::remove_file(entry.path());
                continue;
            }
            foreign.push(name);
        }
        if !foreign.is_empty() && !force {
            foreign.sort();
            let shown: Vec<&str> = foreign.iter().take(5).map(String::as_str).collect();
            return Err(Error::OutputFolder {
                path: path.to_path_buf(),
                reason: format!(
                    "it holds files that this command did not write ({}{}); pass --force to write into it anyway, or choose another --out",
                    shown.join(", "),
                    if foreign.len() > 5 {
                        format!(" and {} more", foreign.len() - 5)
                    } else {
                        String::new()
                    }
                ),
            });
        }
        Ok(OutputFolder {
            path: path.to_path_buf(),
            created,
            _lock: lock,
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A file in the folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

/// Whether `name` is one of our temporary files (`.NAME.tmp-PID`, see `atomic.rs`).
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_while_the_first_holds_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutputFolder::take(dir.path(), RUN_FILES, false).unwrap();
        let second = OutputFolder::take(dir.path(), RUN_FILES, false).unwrap_err();
        let message = second.to_string();
        assert!(message.contains("another nqpsim process"), "{message}");
        assert!(
            message.contains(&std::process::id().to_string()),
            "names the owner: {message}"
        );
        drop(first);
        OutputFolder::take(dir.path(), RUN_FILES, false).expect("free again");
    }

    #[test]
    fn foreign_files_are_refused_without_force() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        fs::write(dir.path().join("trajectories.csv"), "ours").unwrap();
        let err = OutputFolder::take(dir.path(), RUN_FILES, false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("notes.txt") && err.contains("--force"),
            "{err}"
        );
        OutputFolder::take(dir.path(), RUN_FILES, true).expect("forced");
        assert_eq!(
            fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn leftover_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".trajectories.csv.tmp-99999"), "half").unwrap();
        OutputFolder::take(dir.path(), RUN_FILES, false).unwrap();
        assert!(!dir.path().join(".trajectories.csv.tmp-99999").exists());
    }
}
