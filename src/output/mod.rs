//! Writing results: `OUT/<scenario>/trajectories.csv` and `manifest.json`.
//!
//! The folder is locked for the run and must hold nothing but nqpsim's own files
//! ([`folder`]). Rows are written as replicates complete, into a temporary file that is
//! renamed when the run ends ([`atomic`]): a crash or a kill never leaves a CSV that looks
//! whole but is not, and a previous result is replaced only by a complete new one (or, after
//! Ctrl-C, by the replicates that completed, as the manifest says). The manifest is written
//! last and records each data file's size and fingerprint.

pub mod append;
pub mod atomic;
pub mod csv;
pub mod folder;
pub mod manifest;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, OutputError};
use crate::metrics::MetricsRow;
use crate::scenario::Scenario;
use crate::sim::RunSummary;
use atomic::AtomicFile;
use csv::TrajectoryWriter;
use folder::OutputFolder;
use manifest::{FileEntry, Manifest, RunFacts};

/// What the run was asked to do, for the manifest.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// Scenario files, leaf first.
    pub scenario_files: Vec<String>,
    /// `--set` overrides and run flags.
    pub overrides: Vec<String>,
}

/// Writes the results of one run as it goes.
pub struct RunWriter<'s> {
    folder: OutputFolder,
    scenario: &'s Scenario,
    csv: TrajectoryWriter<'s, AtomicFile>,
    rows: u64,
}

impl<'s> RunWriter<'s> {
    /// Takes `out/<scenario name>/` (see [`OutputFolder::take`]) and starts the CSV.
    pub fn create(out: &Path, scenario: &'s Scenario, force: bool) -> Result<Self, Error> {
        let folder = OutputFolder::take(&out.join(&scenario.name), folder::RUN_FILES, force)?;
        let path = folder.file("trajectories.csv");
        let file = AtomicFile::create(&path)?;
        let csv = TrajectoryWriter::new(file, scenario).map_err(|e| csv_error(&path, e))?;
        Ok(RunWriter {
            folder,
            scenario,
            csv,
            rows: 0,
        })
    }

    /// The output folder.
    pub fn folder(&self) -> &Path {
        self.folder.path()
    }

    /// Appends the rows of one replicate.
    pub fn write_replicate(&mut self, rows: &[MetricsRow]) -> Result<(), Error> {
        for row in rows {
            self.csv
                .write(row)
                .map_err(|e| csv_error(&self.folder.file("trajectories.csv"), e))?;
        }
        self.rows += rows.len() as u64;
        Ok(())
    }

    /// Renames the CSV into place and writes the manifest; returns the folder.
    pub fn finish(self, summary: &RunSummary, provenance: &Provenance) -> Result<PathBuf, Error> {
        let path = self.folder.file("trajectories.csv");
        let file = self.csv.into_inner().map_err(|source| OutputError {
            path: path.clone(),
            source,
        })?;
        let facts = file.commit()?;
        let secs = summary.wall_time.as_secs_f64();
        let manifest = Manifest {
            command: "run".into(),
            nqpsim_version: env!("CARGO_PKG_VERSION").into(),
            model_version: manifest::MODEL_VERSION,
            scenario_name: self.scenario.name.clone(),
            scenario_files: provenance.scenario_files.clone(),
            overrides: provenance.overrides.clone(),
            seed: self.scenario.run.seed,
            scenario: self.scenario.to_raw(),
            files: vec![FileEntry {
                name: "trajectories.csv".into(),
                rows: self.rows,
                facts,
            }],
            run: RunFacts {
                status: if summary.interrupted {
                    "interrupted"
                } else {
                    "complete"
                }
                .into(),
                completed_replicates: summary.completed.clone(),
                threads: summary.threads,
                concurrent_replicates: summary.concurrent_replicates,
                wall_time_s: secs,
                firm_steps: summary.firm_steps,
                firm_steps_per_s: if secs > 0.0 {
                    summary.firm_steps as f64 / secs
                } else {
                    0.0
                },
                finished_unix_s: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
            },
        };
        let json = serde_json::to_vec_pretty(&manifest).expect("the manifest serialises");
        atomic::write_file(&self.folder.file("manifest.json"), &json)?;
        Ok(self.folder.path().to_path_buf())
    }
}

/// An error of the CSV writer as an output error naming the file.
fn csv_error(path: &Path, e: ::csv::Error) -> Error {
    let source = match e.into_kind() {
        ::csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    };
    OutputError {
        path: path.to_path_buf(),
        source,
    }
    .into()
}
