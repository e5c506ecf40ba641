//! Writing results: `OUT/<scenario>/trajectories.csv`, `decomposition.csv` and
//! `manifest.json`.
//!
//! The folder is locked for the run and must hold nothing but nqpsim's own files
//! ([`folder`]). Rows are written as replicates complete, into a temporary file that is
//! renamed when the run ends ([`atomic`]): a crash or a kill never leaves a CSV that looks
//! whole but is not, and a previous result is replaced only by a complete new one. After
//! Ctrl-C the replicates that completed (0..k) go into the folder's `interrupted/` instead,
//! with a manifest that says so, and the folder's own files stay as they were. The manifest
//! is written last and records each data file's size and fingerprint.

pub mod append;
#[cfg(feature = "arrow")]
pub mod arrow;
pub mod atomic;
pub mod csv;
pub mod decomposition;
pub mod folder;
pub mod manifest;
pub mod panel;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod regions;
pub mod table;
pub mod trajectories;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, OutputError};
use crate::output::decomposition::DecompositionWriter;
use crate::panel::PanelSample;
use crate::scenario::Scenario;
use crate::sim::{ReplicateOutput, RunSummary};
use atomic::AtomicFile;
use folder::OutputFolder;
use manifest::{FileEntry, Manifest, RunFacts};
use panel::PanelWriter;
use regions::RegionWriter;
use trajectories::TrajectoryWriter;

/// `regions.csv`: the region table of a run with `regions` on (docs/model.md M2.10).
pub const REGIONS: &str = "regions.csv";

/// `decomposition.csv`: the productivity decompositions of every step.
pub const DECOMPOSITION: &str = "decomposition.csv";

/// `panel.csv`: the firm-year panel (`--panel`).
pub const PANEL: &str = "panel.csv";

/// `panel_codebook.md`: the panel's columns.
pub const PANEL_CODEBOOK: &str = "panel_codebook.md";

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
    scenario: &'s Scenario,
    csv: TrajectoryWriter<'s, AtomicFile>,
    decomposition: DecompositionWriter<'s, AtomicFile>,
    panel: Option<(PanelWriter<'s, AtomicFile>, PanelSample)>,
    /// Model 2 (regions): `regions.csv`.
    regions: Option<RegionWriter<'s, AtomicFile>>,
    region_rows: u64,
    rows: u64,
    decomposition_rows: u64,
    panel_rows: u64,
    /// Last, so that it is dropped after the files above have removed their temporary files
    /// (a failed run's folder that holds nothing then is removed; see [`OutputFolder`]).
    folder: OutputFolder,
}

impl<'s> RunWriter<'s> {
    /// Takes `out/<scenario name>/` (see [`OutputFolder::take`]) and starts the CSV files
    /// (`panel.csv` too if a panel is asked for).
    pub fn create(
        out: &Path,
        scenario: &'s Scenario,
        force: bool,
        panel: Option<PanelSample>,
    ) -> Result<Self, Error> {
        let folder = OutputFolder::take(&out.join(&scenario.name), folder::RUN_FILES, force)?;
        let path = folder.file("trajectories.csv");
        let file = AtomicFile::create(&path)?;
        let csv = TrajectoryWriter::new(file, scenario).map_err(|e| csv_error(&path, e))?;
        let path = folder.file(DECOMPOSITION);
        let file = AtomicFile::create(&path)?;
        let decomposition =
            DecompositionWriter::new(file, scenario).map_err(|e| csv_error(&path, e))?;
        let panel = match panel {
            Some(sample) => {
                let path = folder.file(PANEL);
                let file = AtomicFile::create(&path)?;
                let writer = PanelWriter::new(file, scenario).map_err(|e| csv_error(&path, e))?;
                Some((writer, sample))
            }
            None => None,
        };
        let regions = if scenario.features.regions {
            let path = folder.file(REGIONS);
            let file = AtomicFile::create(&path)?;
            Some(RegionWriter::new(file, scenario).map_err(|e| csv_error(&path, e))?)
        } else {
            None
        };
        Ok(RunWriter {
            folder,
            scenario,
            csv,
            decomposition,
            panel,
            regions,
            region_rows: 0,
            rows: 0,
            decomposition_rows: 0,
            panel_rows: 0,
        })
    }

    /// The output folder.
    pub fn folder(&self) -> &Path {
        self.folder.path()
    }

    /// Appends the rows of one replicate.
    pub fn write_replicate(&mut self, output: &ReplicateOutput) -> Result<(), Error> {
        for row in &output.rows {
            self.csv
                .write(row)
                .map_err(|e| csv_error(&self.folder.file("trajectories.csv"), e))?;
        }
        for row in &output.decomposition {
            self.decomposition
                .write(row)
                .map_err(|e| csv_error(&self.folder.file(DECOMPOSITION), e))?;
        }
        if let Some((panel, _)) = &mut self.panel {
            for row in &output.panel {
                panel
                    .write(row)
                    .map_err(|e| csv_error(&self.folder.file(PANEL), e))?;
            }
            self.panel_rows += output.panel.len() as u64;
        }
        if let Some(regions) = &mut self.regions {
            for row in &output.regions {
                regions
                    .write(row)
                    .map_err(|e| csv_error(&self.folder.file(REGIONS), e))?;
            }
            self.region_rows += output.regions.len() as u64;
        }
        self.rows += output.rows.len() as u64;
        self.decomposition_rows += output.decomposition.len() as u64;
        Ok(())
    }

    /// Renames the CSV files into place and writes the manifest; returns the folder they are
    /// in: the run's folder when the run is complete, its `interrupted/` when it is not.
    pub fn finish(self, summary: &RunSummary, provenance: &Provenance) -> Result<PathBuf, Error> {
        // an earlier interrupted run's files are stale either way
        let beside = self.folder.file(folder::INTERRUPTED_DIR);
        if beside.exists() {
            std::fs::remove_dir_all(&beside).map_err(|source| OutputError {
                path: beside.clone(),
                source,
            })?;
        }
        let dir = if summary.interrupted {
            std::fs::create_dir_all(&beside).map_err(|source| OutputError {
                path: beside.clone(),
                source,
            })?;
            beside
        } else {
            self.folder.path().to_path_buf()
        };
        let path = self.folder.file("trajectories.csv");
        let file = self.csv.into_inner().map_err(|source| OutputError {
            path: path.clone(),
            source,
        })?;
        let facts = file.commit_as(&dir.join("trajectories.csv"))?;
        let path = self.folder.file(DECOMPOSITION);
        let file = self
            .decomposition
            .into_inner()
            .map_err(|source| OutputError {
                path: path.clone(),
                source,
            })?;
        let decomposition_facts = file.commit_as(&dir.join(DECOMPOSITION))?;
        let mut files = vec![
            FileEntry {
                name: "trajectories.csv".into(),
                rows: self.rows,
                facts,
            },
            FileEntry {
                name: DECOMPOSITION.into(),
                rows: self.decomposition_rows,
                facts: decomposition_facts,
            },
        ];
        match self.regions {
            Some(regions) => {
                let path = self.folder.file(REGIONS);
                let file = regions.into_inner().map_err(|source| OutputError {
                    path: path.clone(),
                    source,
                })?;
                files.push(FileEntry {
                    name: REGIONS.into(),
                    rows: self.region_rows,
                    facts: file.commit_as(&dir.join(REGIONS))?,
                });
            }
            // an earlier run's region table would not match these trajectories
            None if !summary.interrupted => {
                let _ = std::fs::remove_file(self.folder.file(REGIONS));
            }
            None => {}
        }
        let panel_sample = self.panel.as_ref().map(|p| p.1);
        match self.panel {
            Some((panel, sample)) => {
                let path = self.folder.file(PANEL);
                let file = panel.into_inner().map_err(|source| OutputError {
                    path: path.clone(),
                    source,
                })?;
                files.push(FileEntry {
                    name: PANEL.into(),
                    rows: self.panel_rows,
                    facts: file.commit_as(&dir.join(PANEL))?,
                });
                let text = panel::codebook(self.scenario, sample);
                let facts = atomic::write_file(&dir.join(PANEL_CODEBOOK), text.as_bytes())?;
                files.push(FileEntry {
                    name: PANEL_CODEBOOK.into(),
                    rows: 0,
                    facts,
                });
            }
            None if !summary.interrupted => {
                // an earlier run's panel would not match these trajectories
                let _ = std::fs::remove_file(self.folder.file(PANEL));
                let _ = std::fs::remove_file(self.folder.file(PANEL_CODEBOOK));
            }
            None => {}
        }
        let secs = summary.wall_time.as_secs_f64();
        let manifest = Manifest {
            command: "run".into(),
            nqpsim_version: env!("CARGO_PKG_VERSION").into(),
            model_version: crate::MODEL_VERSION,
            scenario_name: self.scenario.name.clone(),
            scenario_files: provenance.scenario_files.clone(),
            overrides: provenance.overrides.clone(),
            seed: self.scenario.run.seed,
            scenario: self.scenario.to_raw(),
            panel: panel_sample.map(|p| p.to_string()),
            files,
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
        atomic::write_file(&dir.join("manifest.json"), &json)?;
        Ok(dir)
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
