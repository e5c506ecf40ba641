//! Parquet twins of an output folder's CSV files (feature `parquet`; `nqpsim convert`).
//!
//! A finished folder's `x.csv` is converted into `x.parquet` beside it (zstd, the column types
//! of [`super::arrow`]), in batches, so memory stays bounded by a batch however large the
//! file. Converting at completion keeps the folder's guarantees: the CSV files stay the
//! record (the manifest fingerprints them), each Parquet file is written to a temporary file
//! and renamed into place once its footer is written, and a command that rewrites `x.csv`
//! removes `x.parquet` ([`super::atomic::remove_parquet_twin`]).

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatchReader;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::arrow::{ArrowTable, BATCH_ROWS, infer_schema, read_batches};
use super::atomic::AtomicFile;
use super::folder::OutputFolder;
use crate::error::{Error, OutputError};

/// The zstd level: the library's default, a good trade of size for speed.
const ZSTD_LEVEL: i32 = 3;

/// One file converted.
#[derive(Clone, Debug)]
pub struct Converted {
    /// The CSV file read.
    pub csv: PathBuf,
    /// The Parquet file written.
    pub parquet: PathBuf,
    /// Rows.
    pub rows: u64,
    /// Size of the CSV file.
    pub csv_bytes: u64,
    /// Size of the Parquet file.
    pub parquet_bytes: u64,
}

fn output_error(path: &Path, e: impl std::fmt::Display) -> Error {
    OutputError {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
    .into()
}

fn open(path: &Path) -> Result<BufReader<File>, Error> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|source| OutputError {
            path: path.to_path_buf(),
            source,
        })
        .map_err(Error::from)
}

/// Converts the CSV file `csv` into the Parquet file `parquet` (written atomically).
pub fn convert_file(csv: &Path, parquet: &Path) -> Result<Converted, Error> {
    let schema = infer_schema(csv, open(csv)?)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(ZSTD_LEVEL).expect("a valid zstd level"),
        ))
        .build();
    let file = AtomicFile::create(parquet)?;
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
        .map_err(|e| output_error(parquet, e))?;
    let rows = read_batches(csv, open(csv)?, &schema, BATCH_ROWS, &mut |batch| {
        writer.write(&batch).map_err(|e| output_error(parquet, e))
    })?;
    let file = writer.into_inner().map_err(|e| output_error(parquet, e))?;
    let facts = file.commit()?;
    let csv_bytes = std::fs::metadata(csv).map(|m| m.len()).unwrap_or(0);
    Ok(Converted {
        csv: csv.to_path_buf(),
        parquet: parquet.to_path_buf(),
        rows,
        csv_bytes,
        parquet_bytes: facts.bytes,
    })
}

/// Converts every CSV file in the folder `dir` (not in its subfolders) into its Parquet twin,
/// holding the folder's lock meanwhile (so not while a command writes it); returns what was
/// converted, in file name order.
pub fn convert_folder(dir: &Path) -> Result<Vec<Converted>, Error> {
    if !dir.join("manifest.json").is_file() {
        return Err(Error::Results {
            path: dir.to_path_buf(),
            reason: "no manifest.json: not a finished nqpsim output folder".into(),
        });
    }
    let _lock = OutputFolder::take_with(dir, &|_| true, false)?;
    let mut csvs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| OutputError {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|e| e == "csv")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    csvs.sort();
    csvs.iter()
        .map(|csv| convert_file(csv, &csv.with_extension("parquet")))
        .collect()
}

/// Reads a Parquet file whole.
pub fn read(path: &Path) -> Result<ArrowTable, Error> {
    let file = File::open(path).map_err(|source| OutputError {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |e: &dyn std::fmt::Display| Error::Results {
        path: path.to_path_buf(),
        reason: format!("not a Parquet file nqpsim can read: {e}"),
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| bad(&e))?
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| bad(&e))?;
    let schema = reader.schema();
    let batches = reader.collect::<Result<Vec<_>, _>>().map_err(|e| bad(&e))?;
    Ok(ArrowTable { schema, batches })
}
