//! Writing results: `OUT/<scenario>/trajectories.csv` and `manifest.json`. Every file is
//! written to a temporary name and renamed when complete, so a crash never leaves a file
//! that looks whole but is not; the manifest is written last.

pub mod atomic;
pub mod csv;
pub mod manifest;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::OutputError;
use crate::scenario::Scenario;
use crate::sim::RunOutput;
use atomic::AtomicFile;
use manifest::{FileEntry, Manifest, RunFacts};

/// What the run was asked to do, for the manifest.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// Scenario files, leaf first.
    pub scenario_files: Vec<String>,
    /// `--set` overrides.
    pub overrides: Vec<String>,
}

/// Writes the results of a run into `out/<scenario name>/` and returns that folder.
pub fn write_run(
    out: &Path,
    scenario: &Scenario,
    output: &RunOutput,
    provenance: &Provenance,
) -> Result<PathBuf, OutputError> {
    let dir = out.join(&scenario.name);
    std::fs::create_dir_all(&dir).map_err(|source| OutputError {
        path: dir.clone(),
        source,
    })?;

    let path = dir.join("trajectories.csv");
    let mut file = AtomicFile::create(&path)?;
    csv::write_trajectories(file.writer(), scenario, &output.rows).map_err(|e| {
        let source = match e.into_kind() {
            ::csv::ErrorKind::Io(io) => io,
            other => std::io::Error::other(format!("{other:?}")),
        };
        OutputError {
            path: path.clone(),
            source,
        }
    })?;
    file.commit()?;

    let secs = output.wall_time.as_secs_f64();
    let manifest = Manifest {
        nqpsim_version: env!("CARGO_PKG_VERSION"),
        model_version: manifest::MODEL_VERSION,
        scenario_name: scenario.name.clone(),
        scenario_files: provenance.scenario_files.clone(),
        overrides: provenance.overrides.clone(),
        seed: scenario.run.seed,
        scenario: scenario.to_raw(),
        files: vec![FileEntry {
            name: "trajectories.csv".into(),
            rows: output.rows.len() as u64,
        }],
        run: RunFacts {
            status: "complete",
            threads: output.threads,
            concurrent_replicates: output.concurrent_replicates,
            wall_time_s: secs,
            firm_steps: output.firm_steps,
            firm_steps_per_s: if secs > 0.0 {
                output.firm_steps as f64 / secs
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
