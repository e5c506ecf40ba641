//! `nqpsim merge`: puts the shards of a sweep back together. Each shard's manifest must come
//! from the same plan (fingerprint) and nqpsim version, every shard 1..=N must be there once
//! and complete, and each data file must still have the size and fingerprint its manifest
//! records. The merged files are the shards' files concatenated in shard order (one header):
//! the same bytes as the sweep run on one machine.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::manifest::{MergedShard, SweepManifest};
use super::run::{
    DECOMPOSITION, FAILURES, MANIFEST, POINTS, REGIONS, SUMMARY, TRAJECTORIES, is_sweep_file,
};
use super::shard::Shard;
use crate::error::{Error, OutputError};
use crate::output::atomic::{AtomicFile, FNV_OFFSET, fnv64_update};
use crate::output::folder::OutputFolder;
use crate::output::manifest::FileEntry;

/// A shard found on disk.
struct Found {
    folder: PathBuf,
    shard: Shard,
    manifest: SweepManifest,
}

/// What [`merge`] did.
#[derive(Clone, Debug)]
pub struct MergeReport {
    /// Where the merged files are.
    pub folder: PathBuf,
    /// Shards merged.
    pub shards: usize,
    /// Points covered.
    pub points: usize,
    /// Runs covered.
    pub runs: usize,
    /// Runs that failed, over every shard (listed in the merged `failures.csv`).
    pub failed_runs: usize,
}

/// The shard folders named by `dirs`: each is a shard's folder, or a plan's folder whose
/// `shard-K-of-N` subfolders are taken.
pub fn shard_folders(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut folders = Vec::new();
    for dir in dirs {
        if dir.join(MANIFEST).is_file() && is_shard_manifest(&dir.join(MANIFEST)) {
            folders.push(dir.clone());
            continue;
        }
        let entries = fs::read_dir(dir).map_err(|source| OutputError {
            path: dir.clone(),
            source,
        })?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| {
                Shard::from_folder_name(&e.file_name().to_string_lossy()).is_some()
                    && e.path().is_dir()
            })
            .map(|e| e.path())
            .collect();
        if found.is_empty() {
            return Err(Error::Merge {
                reason: format!(
                    "{} is neither a shard's folder (with a manifest.json of a shard) nor a plan's folder with shard-K-of-N folders in it",
                    dir.display()
                ),
            });
        }
        found.sort();
        folders.extend(found);
    }
    Ok(folders)
}

fn is_shard_manifest(path: &Path) -> bool {
    fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<SweepManifest>(&b).ok())
        .is_some_and(|m| m.shard.is_some())
}

/// Merges the shards in `folders` into `out` (default: the folder that holds them).
pub fn merge(folders: &[PathBuf], out: Option<&Path>, force: bool) -> Result<MergeReport, Error> {
    let shards = read_shards(folders)?;
    check_shards(&shards)?;
    write_merged(&shards, out, force)
}

fn fail(reason: String) -> Error {
    Error::Merge { reason }
}

/// Reads the manifest of each shard's folder, sorted by shard; refuses a folder without one,
/// a whole sweep's manifest, and an unfinished shard.
fn read_shards(folders: &[PathBuf]) -> Result<Vec<Found>, Error> {
    let mut shards: Vec<Found> = Vec::new();
    for folder in folders {
        let path = folder.join(MANIFEST);
        let bytes = fs::read(&path).map_err(|e| {
            fail(format!(
                "{} has no manifest.json ({e}): the shard has not finished; run it again with --resume",
                folder.display()
            ))
        })?;
        let manifest: SweepManifest = serde_json::from_slice(&bytes)
            .map_err(|e| fail(format!("{} is not a sweep manifest: {e}", path.display())))?;
        let Some(info) = &manifest.shard else {
            return Err(fail(format!(
                "{} is the manifest of a whole sweep, not of a shard",
                path.display()
            )));
        };
        let shard = Shard {
            k: info.k,
            n: info.n,
        };
        if folder.join(super::run::JOURNAL).exists() {
            return Err(fail(format!(
                "shard {shard} in {} is unfinished (it has a journal); run it again with --resume",
                folder.display()
            )));
        }
        shards.push(Found {
            folder: folder.clone(),
            shard,
            manifest,
        });
    }
    shards.sort_by_key(|s| s.shard.k);
    if shards.is_empty() {
        return Err(fail("no shards given".into()));
    }
    Ok(shards)
}

/// The shards are of one plan, version and split, each once, covering every point in order,
/// and every data file is as its manifest says.
fn check_shards(shards: &[Found]) -> Result<(), Error> {
    let first = &shards[0];
    let reference = &first.manifest;
    for s in shards {
        let m = &s.manifest;
        if m.fingerprint != reference.fingerprint || m.plan_name != reference.plan_name {
            return Err(fail(format!(
                "{} (plan `{}`, fingerprint {}) and {} (plan `{}`, fingerprint {}) come from different plans, base scenarios, overrides or nqpsim versions",
                first.folder.display(),
                reference.plan_name,
                reference.fingerprint,
                s.folder.display(),
                m.plan_name,
                m.fingerprint
            )));
        }
        if m.nqpsim_version != reference.nqpsim_version {
            return Err(fail(format!(
                "{} was written by nqpsim {} and {} by nqpsim {}",
                first.folder.display(),
                reference.nqpsim_version,
                s.folder.display(),
                m.nqpsim_version
            )));
        }
        if s.shard.n != first.shard.n {
            return Err(fail(format!(
                "{} is shard {} and {} is shard {}: shards of different splits cannot be merged",
                first.folder.display(),
                first.shard,
                s.folder.display(),
                s.shard
            )));
        }
        if m.summary_only != reference.summary_only {
            return Err(fail(format!(
                "{} and {} differ in --summary-only",
                first.folder.display(),
                s.folder.display()
            )));
        }
    }
    let n = first.shard.n;
    for pair in shards.windows(2) {
        if pair[0].shard.k == pair[1].shard.k {
            return Err(fail(format!(
                "shard {} appears twice: {} and {}",
                pair[0].shard,
                pair[0].folder.display(),
                pair[1].folder.display()
            )));
        }
    }
    let missing: Vec<String> = (1..=n)
        .filter(|k| !shards.iter().any(|s| s.shard.k == *k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(fail(format!(
            "shard{} {} of the plan `{}` {} missing: run {} (nqpsim sweep PLAN --shard K/{n}) and merge again",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", "),
            reference.plan_name,
            if missing.len() > 1 { "are" } else { "is" },
            if missing.len() > 1 { "them" } else { "it" }
        )));
    }
    let mut next_point = 0;
    for s in shards {
        let info = s.manifest.shard.as_ref().expect("checked");
        if info.first_point != next_point {
            return Err(fail(format!(
                "shard {} starts at point {} where point {next_point} was expected",
                s.shard, info.first_point
            )));
        }
        next_point = info.end_point;
    }
    if next_point != reference.points {
        return Err(fail(format!(
            "the shards cover points 0 to {next_point}, the plan has {}",
            reference.points
        )));
    }
    // Every data file as its manifest says.
    for s in shards {
        for entry in &s.manifest.files {
            verify(&s.folder.join(&entry.name), entry)?;
        }
    }
    Ok(())
}

/// Writes the merged files (into `out`, or the shards' common parent folder) and the
/// manifest of the whole sweep.
fn write_merged(shards: &[Found], out: Option<&Path>, force: bool) -> Result<MergeReport, Error> {
    let reference = &shards[0].manifest;
    let out = match out {
        Some(out) => out.to_path_buf(),
        None => {
            let parents: Vec<Option<&Path>> = shards.iter().map(|s| s.folder.parent()).collect();
            match parents[0] {
                Some(p) if parents.iter().all(|q| *q == Some(p)) => p.to_path_buf(),
                _ => {
                    return Err(fail(
                        "the shards are in different folders; say where to write the merged files with --out".into(),
                    ));
                }
            }
        }
    };
    let folder = OutputFolder::take_with(&out, &is_sweep_file, force)?;
    let all: Vec<&Found> = shards.iter().collect();
    let shards = all.as_slice();
    let mut files = Vec::new();
    let points = concatenate(shards, POINTS, &folder, true)?;
    files.push(points);
    // regions.csv where the shards wrote it: their base scenario has model 2's regions
    let has_regions = reference.files.iter().any(|f| f.name == REGIONS);
    for (name, written) in [
        (TRAJECTORIES, true),
        (DECOMPOSITION, true),
        (REGIONS, has_regions),
    ] {
        if written && !reference.summary_only {
            files.push(concatenate(shards, name, &folder, false)?);
        } else {
            let _ = fs::remove_file(folder.file(name));
        }
    }
    files.push(concatenate(shards, SUMMARY, &folder, false)?);
    // the shards' failed runs, in shard order; no file if none failed (as for one machine)
    let failed_runs = shards.iter().map(|s| s.manifest.failed_runs).sum();
    if failed_runs > 0 {
        let with: Vec<&Found> = shards
            .iter()
            .copied()
            .filter(|s| s.manifest.failed_runs > 0)
            .collect();
        files.push(concatenate(&with, FAILURES, &folder, false)?);
    } else {
        let _ = fs::remove_file(folder.file(FAILURES));
    }

    let merged = SweepManifest {
        command: "merge".into(),
        nqpsim_version: reference.nqpsim_version.clone(),
        model_version: reference.model_version,
        plan_name: reference.plan_name.clone(),
        plan_file: reference.plan_file.clone(),
        plan: reference.plan.clone(),
        overrides: reference.overrides.clone(),
        scenario_files: reference.scenario_files.clone(),
        seed: reference.seed,
        replicates: reference.replicates,
        design: reference.design.clone(),
        points: reference.points,
        runs: reference.runs,
        fingerprint: reference.fingerprint.clone(),
        summary_only: reference.summary_only,
        shard: None,
        base_scenario: reference.base_scenario.clone(),
        files,
        failed_runs,
        run: None,
        merged_from: shards
            .iter()
            .map(|s| MergedShard {
                folder: s.folder.display().to_string(),
                shard: s.manifest.shard.clone().expect("checked"),
                run: s.manifest.run.clone(),
            })
            .collect(),
    };
    let json = serde_json::to_vec_pretty(&merged).expect("the manifest serialises");
    crate::output::atomic::write_file(&folder.file(MANIFEST), &json)?;
    Ok(MergeReport {
        folder: folder.path().to_path_buf(),
        shards: shards.len(),
        points: reference.points,
        runs: reference.runs,
        failed_runs,
    })
}

/// Checks that a shard's file has the size and fingerprint its manifest records.
fn verify(path: &Path, entry: &FileEntry) -> Result<(), Error> {
    let mut file = File::open(path).map_err(|source| OutputError {
        path: path.to_path_buf(),
        source,
    })?;
    let mut hash = FNV_OFFSET;
    let mut bytes = 0u64;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut file, &mut buffer).map_err(|source| OutputError {
            path: path.to_path_buf(),
            source,
        })?;
        if n == 0 {
            break;
        }
        hash = fnv64_update(hash, &buffer[..n]);
        bytes += n as u64;
    }
    if bytes != entry.facts.bytes || hash != entry.facts.fnv64 {
        return Err(Error::Merge {
            reason: format!(
                "{} has {bytes} bytes and fingerprint {hash:016x}, but its manifest records {} bytes and {:016x}: the file was changed after the shard finished",
                path.display(),
                entry.facts.bytes,
                entry.facts.fnv64
            ),
        });
    }
    Ok(())
}

/// Writes `name` into the merged folder: the first shard's header, then every shard's rows in
/// order; with `identical`, every shard must hold the same file, which is copied once.
fn concatenate(
    shards: &[&Found],
    name: &str,
    folder: &OutputFolder,
    identical: bool,
) -> Result<FileEntry, Error> {
    let target = folder.file(name);
    let mut out = AtomicFile::create(&target)?;
    let mut header: Option<String> = None;
    let mut rows = 0u64;
    for (i, s) in shards.iter().enumerate() {
        let path = s.folder.join(name);
        let io = |source| OutputError {
            path: path.clone(),
            source,
        };
        if identical {
            let bytes = fs::read(&path).map_err(io)?;
            if i == 0 {
                out.write_all(&bytes).map_err(|e| out.error(e))?;
                rows = bytes.iter().filter(|&&b| b == b'\n').count() as u64 - 1;
            } else {
                let first = fs::read(shards[0].folder.join(name)).map_err(io)?;
                if bytes != first {
                    return Err(Error::Merge {
                        reason: format!(
                            "{} and {} differ",
                            shards[0].folder.join(name).display(),
                            path.display()
                        ),
                    });
                }
            }
            continue;
        }
        let mut reader = BufReader::with_capacity(1 << 20, File::open(&path).map_err(io)?);
        let mut line = String::new();
        reader.read_line(&mut line).map_err(io)?;
        match &header {
            None => {
                out.write_all(line.as_bytes()).map_err(|e| out.error(e))?;
                header = Some(line);
            }
            Some(h) if *h == line => {}
            Some(_) => {
                return Err(Error::Merge {
                    reason: format!(
                        "the header of {} differs from that of {}",
                        path.display(),
                        shards[0].folder.join(name).display()
                    ),
                });
            }
        }
        let body_rows = s
            .manifest
            .files
            .iter()
            .find(|f| f.name == name)
            .map_or(0, |f| f.rows);
        std::io::copy(&mut reader, &mut out).map_err(io)?;
        rows += body_rows;
    }
    let facts = out.commit()?;
    Ok(FileEntry {
        name: name.into(),
        rows,
        facts,
    })
}
