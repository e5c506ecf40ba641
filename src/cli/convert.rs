//! `nqpsim convert DIR...`: Parquet twins of the CSV files of finished output folders.

use std::path::PathBuf;

use clap::Args;

/// Options of `nqpsim convert`.
#[derive(Debug, Args, Clone)]
pub struct ConvertArgs {
    /// Output folders of `run`, `sweep`, `merge`, `compare` or `facts` (every CSV file in each,
    /// not in subfolders, gets a Parquet twin beside it: x.csv -> x.parquet)
    #[arg(value_name = "DIR", required = true)]
    pub folders: Vec<PathBuf>,
    /// Print nothing but errors
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `nqpsim convert`.
#[cfg(feature = "parquet")]
pub fn execute(args: ConvertArgs) -> anyhow::Result<i32> {
    use std::fmt::Write as _;
    let mut out = String::new();
    for dir in &args.folders {
        for c in crate::output::parquet::convert_folder(dir)? {
            writeln!(
                out,
                "{} -> {}: {} rows, {} -> {} ({:.1}x smaller)",
                c.csv.display(),
                c.parquet.display(),
                c.rows,
                crate::error::human_bytes(c.csv_bytes),
                crate::error::human_bytes(c.parquet_bytes),
                c.csv_bytes as f64 / c.parquet_bytes.max(1) as f64
            )?;
        }
    }
    if !args.quiet {
        super::print(&out)?;
    }
    Ok(super::EXIT_OK)
}

/// Runs `nqpsim convert`: this build has no Parquet writer.
#[cfg(not(feature = "parquet"))]
pub fn execute(args: ConvertArgs) -> anyhow::Result<i32> {
    let _ = args;
    Err(crate::error::Error::BadArgument {
        flag: "convert".into(),
        message: "this nqpsim was built without Parquet; build it with the `parquet` feature: \
                  cargo install --path . --features parquet"
            .into(),
    }
    .into())
}
