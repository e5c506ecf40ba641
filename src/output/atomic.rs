//! Files that appear whole or not at all: written under a temporary name in the target's
//! folder, flushed to disk, then renamed over the target. While written, the bytes are
//! counted and hashed (FNV-1a, 64 bits) for the manifest.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::OutputError;

/// Size and fingerprint of a file written through [`AtomicFile`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    /// Bytes written.
    pub bytes: u64,
    /// FNV-1a 64-bit hash of the bytes, as 16 hexadecimal digits in the manifest.
    #[serde(with = "hex")]
    pub fnv64: u64,
}

mod hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{v:016x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let text = String::deserialize(d)?;
        u64::from_str_radix(&text, 16).map_err(serde::de::Error::custom)
    }
}

/// FNV-1a 64-bit offset basis: the hash of no bytes.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Continues the FNV-1a 64-bit hash `hash` over `bytes`.
pub fn fnv64_update(hash: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(hash, |h, &b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME))
}

/// A file being written; becomes `path` on [`AtomicFile::commit`], vanishes if dropped.
pub struct AtomicFile {
    path: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
    facts: FileFacts,
}

impl AtomicFile {
    /// Starts writing what will become `path`.
    pub fn create(path: &Path) -> Result<Self, OutputError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let file = File::create(&temp).map_err(|source| OutputError {
            path: temp.clone(),
            source,
        })?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            temp,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
            facts: FileFacts {
                bytes: 0,
                fnv64: FNV_OFFSET,
            },
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An I/O error on this file, with its final path.
    pub fn error(&self, source: io::Error) -> OutputError {
        OutputError {
            path: self.path.clone(),
            source,
        }
    }

    /// Flushes, syncs and renames the file into place; returns its size and fingerprint.
    pub fn commit(self) -> Result<FileFacts, OutputError> {
        let path = self.path.clone();
        self.commit_as(&path)
    }

    /// As [`AtomicFile::commit`], into `path` instead (on the same file system: an
    /// interrupted run's files go beside the complete ones).
    pub fn commit_as(mut self, path: &Path) -> Result<FileFacts, OutputError> {
        self.path = path.to_path_buf();
        let writer = self.writer.take().expect("committed once");
        let file = writer
            .into_inner()
            .map_err(|e| self.error(e.into_error()))?;
        file.sync_all().map_err(|e| self.error(e))?;
        drop(file);
        fs::rename(&self.temp, &self.path).map_err(|e| self.error(e))?;
        remove_parquet_twin(&self.path);
        Ok(self.facts)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self
            .writer
            .as_mut()
            .expect("not yet committed")
            .write(buf)?;
        self.facts.fnv64 = fnv64_update(self.facts.fnv64, &buf[..n]);
        self.facts.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.as_mut().expect("not yet committed").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Removes the Parquet twin (`x.parquet`, written by `nqpsim convert`) of the CSV file `x.csv`
/// that was just replaced: it holds the old rows, and a folder never holds a Parquet file that
/// disagrees with its CSV. Convert again to refresh it.
pub fn remove_parquet_twin(csv: &Path) {
    if csv.extension().is_some_and(|e| e == "csv") {
        let _ = fs::remove_file(csv.with_extension("parquet"));
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<FileFacts, OutputError> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(|e| file.error(e))?;
    file.commit()
}

/// The FNV-1a 64-bit hash of `bytes` (as [`FileFacts::fnv64`]).
pub fn fnv64(bytes: &[u8]) -> u64 {
    fnv64_update(FNV_OFFSET, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uncommitted_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        {
            let mut f = AtomicFile::create(&path).unwrap();
            f.write_all(b"half").unwrap();
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_committed_file_replaces_the_old_one_whole_and_reports_its_facts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        fs::write(&path, "old").unwrap();
        let facts = write_file(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(
            facts,
            FileFacts {
                bytes: 3,
                fnv64: fnv64(b"new")
            }
        );
        // FNV-1a test vector: "a" -> af63dc4c8601ec8c
        assert_eq!(fnv64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn a_full_disk_is_an_error_naming_the_file() {
        // /dev/full accepts the open and fails every write with ENOSPC.
        let mut file = AtomicFile {
            path: PathBuf::from("/dev/full"),
            temp: PathBuf::from("/dev/full"),
            writer: Some(BufWriter::new(
                File::options().write(true).open("/dev/full").unwrap(),
            )),
            facts: FileFacts {
                bytes: 0,
                fnv64: FNV_OFFSET,
            },
        };
        let result = file.write_all(&[b'x'; 2 << 20]).map_err(|e| file.error(e));
        let err = result.expect_err("the disk is full").to_string();
        assert!(
            err.contains("/dev/full") && err.contains("No space left"),
            "{err}"
        );
        file.writer = None; // nothing to remove
    }
}
