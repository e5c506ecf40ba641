//! Files that grow across processes: a sweep's results are appended to hidden `.partial`
//! files as runs complete, cut back to the last journaled size when a sweep resumes, and
//! renamed into place when it ends. Sizes and fingerprints cover the whole file, including
//! what earlier processes wrote.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::atomic::{FNV_OFFSET, FileFacts, fnv64_update};
use crate::error::OutputError;

/// A file opened for appending, counting and hashing every byte it holds.
pub struct AppendFile {
    path: PathBuf,
    writer: BufWriter<File>,
    facts: FileFacts,
    lines: u64,
    hashed: bool,
}

impl AppendFile {
    /// Creates `path` empty (replacing what was there).
    pub fn create(path: &Path) -> Result<Self, OutputError> {
        let file = File::create(path).map_err(|source| OutputError {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(AppendFile {
            path: path.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 20, file),
            facts: FileFacts {
                bytes: 0,
                fnv64: FNV_OFFSET,
            },
            lines: 0,
            hashed: true,
        })
    }

    /// The same file, for scratch data whose fingerprint and lines are not needed: what is
    /// written from now on is not hashed (a file written many times over costs less).
    pub fn into_scratch(mut self) -> Self {
        self.hashed = false;
        self
    }

    /// Opens `path`, cuts it to its first `len` bytes (an error if it is shorter), and reads
    /// those to continue the fingerprint.
    pub fn resume(path: &Path, len: u64) -> Result<Self, OutputError> {
        let error = |source| OutputError {
            path: path.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(error)?;
        let actual = file.metadata().map_err(error)?.len();
        if actual < len {
            return Err(error(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("holds {actual} bytes, fewer than the {len} the journal records"),
            )));
        }
        file.set_len(len).map_err(error)?;
        let (mut fnv64, mut lines) = (FNV_OFFSET, 0);
        let mut buffer = vec![0u8; 1 << 20];
        let mut reader = (&file).take(len);
        loop {
            let n = reader.read(&mut buffer).map_err(error)?;
            if n == 0 {
                break;
            }
            fnv64 = fnv64_update(fnv64, &buffer[..n]);
            lines += count_lines(&buffer[..n]);
        }
        file.seek(SeekFrom::Start(len)).map_err(error)?;
        Ok(AppendFile {
            path: path.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 20, file),
            facts: FileFacts { bytes: len, fnv64 },
            lines,
            hashed: true,
        })
    }

    /// Bytes in the file (written or buffered).
    pub fn len(&self) -> u64 {
        self.facts.bytes
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.facts.bytes == 0
    }

    /// Line breaks in the file.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Size and fingerprint so far.
    pub fn facts(&self) -> FileFacts {
        self.facts
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An I/O error on this file.
    pub fn error(&self, source: io::Error) -> OutputError {
        OutputError {
            path: self.path.clone(),
            source,
        }
    }

    /// Hands the buffered bytes to the operating system (they survive the process being
    /// killed).
    pub fn flush_to_os(&mut self) -> Result<(), OutputError> {
        self.writer.flush().map_err(|e| self.error(e))
    }

    /// Flushes and asks the disk to keep the bytes (they survive a power failure).
    pub fn sync(&mut self) -> Result<(), OutputError> {
        self.flush_to_os()?;
        self.writer.get_ref().sync_data().map_err(|e| self.error(e))
    }

    /// A second handle on the file, to sync it while a writer owns this one.
    pub fn sync_handle(&self) -> Result<File, OutputError> {
        self.writer.get_ref().try_clone().map_err(|e| self.error(e))
    }

    /// Empties the file (its fingerprint starts again).
    pub fn clear(&mut self) -> Result<(), OutputError> {
        self.flush_to_os()?;
        let file = self.writer.get_mut();
        file.set_len(0).map_err(|e| OutputError {
            path: self.path.clone(),
            source: e,
        })?;
        file.seek(SeekFrom::Start(0)).map_err(|e| OutputError {
            path: self.path.clone(),
            source: e,
        })?;
        self.facts = FileFacts {
            bytes: 0,
            fnv64: FNV_OFFSET,
        };
        self.lines = 0;
        Ok(())
    }

    /// Syncs the file and renames it to `target`; returns its size and fingerprint.
    pub fn finish(mut self, target: &Path) -> Result<FileFacts, OutputError> {
        self.sync()?;
        fs::rename(&self.path, target).map_err(|source| OutputError {
            path: target.to_path_buf(),
            source,
        })?;
        super::atomic::remove_parquet_twin(target);
        Ok(self.facts)
    }
}

impl Write for AppendFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.writer.write(buf)?;
        self.facts.bytes += n as u64;
        if self.hashed {
            self.facts.fnv64 = fnv64_update(self.facts.fnv64, &buf[..n]);
            self.lines += count_lines(&buf[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

fn count_lines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::super::atomic::fnv64;
    use super::*;

    #[test]
    fn a_resumed_file_is_cut_to_the_recorded_size_and_its_fingerprint_covers_all_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".x.partial");
        let mut f = AppendFile::create(&path).unwrap();
        f.write_all(b"header\nrow 1\n").unwrap();
        f.flush_to_os().unwrap();
        let recorded = f.len();
        f.write_all(b"row 2, half-wri").unwrap(); // killed here
        f.flush_to_os().unwrap();
        drop(f);

        let mut f = AppendFile::resume(&path, recorded).unwrap();
        f.write_all(b"row 2\n").unwrap();
        let f_lines = f.lines();
        let target = dir.path().join("x.csv");
        let facts = f.finish(&target).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"header\nrow 1\nrow 2\n");
        assert_eq!(facts.bytes, 19);
        assert_eq!(f_lines, 3);
        assert_eq!(facts.fnv64, fnv64(b"header\nrow 1\nrow 2\n"));
        assert!(!path.exists());
    }

    #[test]
    fn a_file_shorter_than_the_journal_says_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".x.partial");
        fs::write(&path, b"abc").unwrap();
        let err = AppendFile::resume(&path, 10).err().unwrap().to_string();
        assert!(err.contains("fewer than the 10"), "{err}");
    }
}
