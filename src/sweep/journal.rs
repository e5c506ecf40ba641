//! The journal of a sweep (`journal.jsonl`): a header naming the plan's fingerprint, then one
//! line per completed run with the sizes the partial files had once its results were in
//! them. A resumed sweep cuts the files back to the last line's sizes and carries on; a torn
//! last line (the process was killed while writing it) is ignored. A run that failed (a
//! numeric fault at its point) has a line too, with the error message: it wrote nothing, and a
//! resume skips it, or (`--retry-failed`) goes back to just before the first failed run.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::OutputError;

/// Version of the journal format.
pub const FORMAT: u32 = 1;

/// First line of the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Journal format.
    pub nqpsim_journal: u32,
    /// The plan's fingerprint, 16 hexadecimal digits.
    pub fingerprint: String,
    /// nqpsim version.
    pub nqpsim_version: String,
    /// Runs in this sweep (or shard).
    pub runs: usize,
    /// The shard, `K/N`, if any.
    pub shard: Option<String>,
    /// Whether `trajectories.csv` is skipped.
    pub summary_only: bool,
    /// Sizes of the partial files with only their headers.
    pub start: Sizes,
}

/// Sizes of the partial files, bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sizes {
    /// `.trajectories.csv.partial`.
    pub trajectories: u64,
    /// `.decomposition.csv.partial`.
    pub decomposition: u64,
    /// `.regions.csv.partial` (model 2's regions; absent from the journal without them).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub regions: u64,
    /// `.summary.csv.partial`.
    pub summary: u64,
    /// `.point.partial`: the values of the replicates of the point in progress.
    pub spill: u64,
}

/// Whether a size is 0 (serde's `skip_serializing_if` needs a function).
fn is_zero(size: &u64) -> bool {
    *size == 0
}

/// One completed (or failed) run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Run index within the sweep (or shard), from 0.
    pub run: usize,
    /// Sizes of the partial files with this run's results in them.
    #[serde(flatten)]
    pub sizes: Sizes,
    /// The error that stopped the run, if it failed (it then wrote no rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// What a journal on disk says.
#[derive(Clone, Debug)]
pub struct Record {
    /// The header.
    pub header: Header,
    /// The last completed run (`None`: none yet).
    pub last: Option<Entry>,
    /// The consecutive entries up to and including `last`: a resumed journal keeps them, so
    /// that the failed runs among them are known after any number of resumes.
    pub entries: Vec<Entry>,
}

impl Record {
    /// The failed runs up to `last`: run index and error message.
    pub fn failures(&self) -> impl Iterator<Item = (usize, &str)> {
        self.entries
            .iter()
            .filter_map(|e| e.failed.as_deref().map(|m| (e.run, m)))
    }

    /// The record cut back to just before its first failed run (`--retry-failed`), so that a
    /// resume runs it, and everything after it, again; unchanged if no run failed.
    pub fn before_first_failure(mut self) -> Record {
        if let Some(first) = self.entries.iter().position(|e| e.failed.is_some()) {
            self.entries.truncate(first);
            self.last = self.entries.last().cloned();
        }
        self
    }
}

/// An open journal, appended to as runs complete.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Starts a journal with `header` (replacing any).
    pub fn create(path: &Path, header: &Header) -> Result<Self, OutputError> {
        let mut text = serde_json::to_string(header).expect("a header serialises");
        text.push('\n');
        crate::output::atomic::write_file(path, text.as_bytes())?;
        Self::open(path)
    }

    /// Starts a journal over from `record`: the header and its entries up to the last run
    /// resumed from (a torn line, or entries whose bytes were lost, are dropped).
    pub fn rewrite(path: &Path, record: &Record) -> Result<Self, OutputError> {
        let mut text = serde_json::to_string(&record.header).expect("a header serialises");
        text.push('\n');
        for entry in &record.entries {
            text.push_str(&serde_json::to_string(entry).expect("an entry serialises"));
            text.push('\n');
        }
        crate::output::atomic::write_file(path, text.as_bytes())?;
        Self::open(path)
    }

    fn open(path: &Path) -> Result<Self, OutputError> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|source| OutputError {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Journal {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Records a completed run (one write of one line).
    pub fn append(&mut self, entry: &Entry) -> Result<(), OutputError> {
        let mut line = serde_json::to_string(entry).expect("an entry serialises");
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|source| OutputError {
                path: self.path.clone(),
                source,
            })
    }

    /// Asks the disk to keep what was appended.
    pub fn sync(&mut self) -> Result<(), OutputError> {
        self.file.sync_data().map_err(|source| OutputError {
            path: self.path.clone(),
            source,
        })
    }

    /// Reads the journal at `path`: `Ok(None)` if there is none; an error message if its
    /// header cannot be read. Entries are read up to the first line that is not a complete
    /// entry following the one before; `fits` says whether the files hold the sizes an entry
    /// records, and picks the entry to resume from (see the comment inside).
    pub fn read(path: &Path, fits: impl Fn(&Sizes) -> bool) -> Result<Option<Record>, String> {
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let mut lines = text.split_inclusive('\n');
        let header: Header = lines
            .next()
            .filter(|l| l.ends_with('\n'))
            .and_then(|l| serde_json::from_str(l).ok())
            .ok_or_else(|| {
                format!(
                    "{} does not start with a journal header; run with --force to start the sweep over",
                    path.display()
                )
            })?;
        if header.nqpsim_journal != FORMAT {
            return Err(format!(
                "{} is a journal of format {}, this nqpsim writes format {FORMAT}",
                path.display(),
                header.nqpsim_journal
            ));
        }
        // The consecutive complete entries.
        let mut entries: Vec<Entry> = Vec::new();
        for line in lines {
            let Some(entry) = line
                .strip_suffix('\n')
                .and_then(|l| serde_json::from_str::<Entry>(l).ok())
            else {
                break; // torn by a kill
            };
            // A rewritten journal starts at the last run of the previous one.
            if entries.last().is_some_and(|last| entry.run != last.run + 1) {
                break;
            }
            entries.push(entry);
        }
        // Resume from the last entry if the files hold its bytes. Otherwise (bytes lost with
        // a power cut, or a kill between emptying the spill file at the end of a point and
        // recording it) from the last entry at a point boundary (nothing in the spill file,
        // whose contents belong to the point in progress) whose bytes are there.
        let keep = match entries.last() {
            Some(entry) if fits(&entry.sizes) => entries.len(),
            _ => entries
                .iter()
                .rposition(|e| e.sizes.spill == 0 && fits(&e.sizes))
                .map_or(0, |i| i + 1),
        };
        entries.truncate(keep);
        let last = entries.last().cloned();
        Ok(Some(Record {
            header,
            last,
            entries,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            nqpsim_journal: FORMAT,
            fingerprint: "00000000000000ab".into(),
            nqpsim_version: "0.1.0".into(),
            runs: 10,
            shard: None,
            summary_only: false,
            start: Sizes {
                decomposition: 0,
                regions: 0,
                trajectories: 100,
                summary: 50,
                spill: 0,
            },
        }
    }

    fn entry(run: usize, size: u64) -> Entry {
        Entry {
            run,
            sizes: Sizes {
                decomposition: 0,
                regions: 0,
                trajectories: size,
                summary: 50,
                spill: 0,
            },
            failed: None,
        }
    }

    #[test]
    fn a_kill_between_emptying_the_spill_and_journaling_resumes_from_the_last_point_boundary() {
        // three replicates a point: the spill holds the values of the point in progress
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut j = Journal::create(&path, &header()).unwrap();
        let sizes = [
            (200, 50, 8),
            (300, 50, 16),
            (400, 90, 0),
            (500, 90, 8),
            (600, 90, 16),
        ];
        for (run, &(trajectories, summary, spill)) in sizes.iter().enumerate() {
            let sizes = Sizes {
                decomposition: 0,
                regions: 0,
                trajectories,
                summary,
                spill,
            };
            j.append(&Entry {
                run,
                sizes,
                failed: None,
            })
            .unwrap();
        }
        // run 5 completed its point: summary written, spill emptied, then killed
        let on_disk = Sizes {
            decomposition: 0,
            regions: 0,
            trajectories: 700,
            summary: 130,
            spill: 0,
        };
        let fits = |s: &Sizes| {
            s.trajectories <= on_disk.trajectories
                && s.summary <= on_disk.summary
                && s.spill <= on_disk.spill
        };
        let record = Journal::read(&path, fits).unwrap().unwrap();
        assert_eq!(record.last.map(|e| e.run), Some(2));
        assert_eq!(record.entries.len(), 3);
    }

    #[test]
    fn the_last_complete_entry_is_found_and_a_torn_line_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut j = Journal::create(&path, &header()).unwrap();
        j.append(&entry(0, 200)).unwrap();
        j.append(&entry(1, 300)).unwrap();
        drop(j);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"run\":2,\"traj"); // killed mid-line
        std::fs::write(&path, text).unwrap();
        let record = Journal::read(&path, |_| true).unwrap().unwrap();
        assert_eq!(record.header, header());
        assert_eq!(record.last, Some(entry(1, 300)));
    }

    #[test]
    fn an_entry_whose_bytes_are_not_on_disk_is_not_resumed_from() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut j = Journal::create(&path, &header()).unwrap();
        j.append(&entry(0, 200)).unwrap();
        j.append(&entry(1, 300)).unwrap();
        let record = Journal::read(&path, |s| s.trajectories <= 250)
            .unwrap()
            .unwrap();
        assert_eq!(record.last, Some(entry(0, 200)));
        // and a rewritten journal continues from there
        let mut j = Journal::rewrite(&path, &record).unwrap();
        j.append(&entry(1, 310)).unwrap();
        let record = Journal::read(&path, |_| true).unwrap().unwrap();
        assert_eq!(record.last, Some(entry(1, 310)));
    }

    #[test]
    fn failed_runs_survive_a_resume_and_retrying_goes_back_to_before_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut j = Journal::create(&path, &header()).unwrap();
        j.append(&entry(0, 200)).unwrap();
        let failed = |run| Entry {
            failed: Some(format!("run {run}: technology a is inf")),
            ..entry(run, 200)
        };
        j.append(&failed(1)).unwrap();
        j.append(&entry(2, 300)).unwrap();
        j.append(&failed(3)).unwrap();
        drop(j);
        let record = Journal::read(&path, |_| true).unwrap().unwrap();
        // a resumed journal keeps every entry, so a second resume still knows the failures
        drop(Journal::rewrite(&path, &record).unwrap());
        let record = Journal::read(&path, |_| true).unwrap().unwrap();
        let failures: Vec<usize> = record.failures().map(|(run, _)| run).collect();
        assert_eq!(failures, vec![1, 3]);
        assert_eq!(record.last.as_ref().map(|e| e.run), Some(3));
        let retry = record.before_first_failure();
        assert_eq!(retry.last, Some(entry(0, 200)));
        assert_eq!(retry.failures().count(), 0);
    }

    #[test]
    fn an_entry_without_a_failure_is_written_as_before() {
        // journals of sweeps without failures keep their format
        let line = serde_json::to_string(&entry(4, 10)).unwrap();
        assert!(!line.contains("failed"), "{line}");
        let back: Entry = serde_json::from_str(&line).unwrap();
        assert_eq!(back, entry(4, 10));
    }

    #[test]
    fn no_journal_is_none_and_a_bad_header_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        assert!(Journal::read(&path, |_| true).unwrap().is_none());
        std::fs::write(&path, "garbage\n").unwrap();
        assert!(
            Journal::read(&path, |_| true)
                .unwrap_err()
                .contains("journal header")
        );
    }
}
