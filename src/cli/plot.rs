//! `nqpsim plot DIR [DIR...]`: the figures of run, sweep and comparison folders, written into
//! each folder's `plots/` as SVG and PNG, with a line saying how many stale figures of an
//! earlier plot were removed, if any. The figures themselves are built by
//! [`crate::plot::figures`].

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::EXIT_OK;
use crate::error::Error;
use crate::output::folder::PLOTS_DIR;
use crate::plot::figures::{self, Format, Options, Outcome};

/// Options of `nqpsim plot`.
#[derive(Debug, Args, Clone)]
pub struct PlotArgs {
    /// Output folders of `nqpsim run`, `sweep` (or `merge`) or `compare`; the figures go into
    /// DIR/plots/
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Which files to write for each figure
    #[arg(long, value_enum, default_value_t = FormatArg::Both)]
    pub format: FormatArg,
    /// Sweeps: an outcome to plot against each axis, METRIC:SECTOR:STEP with STEP a step
    /// number or `last`, e.g. emissions:all:last (repeatable; default: tfp_index of each
    /// sector and of all at the last step)
    #[arg(long, value_name = "METRIC:SECTOR:STEP")]
    pub outcome: Vec<String>,
    /// Print nothing but errors
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// NAME.svg only
    Svg,
    /// NAME.png only
    Png,
    /// NAME.svg and NAME.png
    Both,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Svg => Format::Svg,
            FormatArg::Png => Format::Png,
            FormatArg::Both => Format::Both,
        }
    }
}

/// Runs `nqpsim plot`: every folder is read and checked before any figure is written.
pub fn execute(args: PlotArgs) -> anyhow::Result<i32> {
    let outcomes = args
        .outcome
        .iter()
        .map(|text| {
            text.parse::<Outcome>()
                .map_err(|message| Error::BadArgument {
                    flag: format!("--outcome {text}"),
                    message,
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let options = Options { outcomes };
    let mut drawn = Vec::new();
    for dir in &args.dirs {
        let folder = figures::detect(dir)?;
        crate::sweep::run::warn_failed_runs(dir);
        let charts = figures::figures(&folder, &options)?;
        drawn.push((folder, charts));
    }
    for (folder, charts) in &drawn {
        let written = figures::write(folder, charts, args.format.into())?;
        if !args.quiet {
            let mut text = String::new();
            for path in &written.files {
                writeln!(text, "{}", path.display())?;
            }
            let stale = written.removed.len();
            if stale > 0 {
                writeln!(
                    text,
                    "removed {stale} stale figure{} that an earlier `nqpsim plot` wrote into {}",
                    if stale == 1 { "" } else { "s" },
                    folder.path.join(PLOTS_DIR).display()
                )?;
            }
            super::print(&text)?;
        }
    }
    Ok(EXIT_OK)
}
