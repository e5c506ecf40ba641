//! The command line: clap definitions, one file per command, and exit codes.
//!
//! Exit codes: 0 success, 1 runtime failure (e.g. output cannot be written), 2 bad input
//! (bad scenario, bad flag), 3 a stylized fact outside its band (`facts --strict`), 130
//! interrupted.

pub mod bench;
pub mod check;
pub mod compare;
pub mod facts;
pub mod interrupt;
pub mod merge;
pub mod params;
pub mod plot;
pub mod progress;
pub mod run;
pub mod sensitivity;
pub mod sweep;

use std::path::Path;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, ScenarioError};
use crate::scenario::{self, Scenario};

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for a runtime failure.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for bad input.
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code when interrupted.
pub const EXIT_INTERRUPTED: i32 = 130;

/// nqpsim: an agent-based simulator of industry transformation (traditional, emerging and
/// future industries) under R&D, digital, green, data and entry policy.
///
/// With no command, runs the embedded baseline scenario (same as `nqpsim run`).
#[derive(Debug, Parser)]
#[command(
    name = "nqpsim",
    version,
    help_expected = true,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `run` when no command is given.
    #[command(flatten)]
    pub run: run::RunArgs,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario (default: the embedded baseline) and write its trajectories.csv
    Run(run::RunArgs),
    /// Run a sweep plan: a design over scenario fields, with replicates (or write Slurm scripts)
    Sweep(sweep::SweepArgs),
    /// Paired effects of a policy against a base, with intervals and fiscal cost per gain
    Compare(compare::CompareArgs),
    /// Merge the shards of a sweep into the files one machine would have written
    Merge(merge::MergeArgs),
    /// Global sensitivity of a sweep's outcome to its axes: Sobol' indices, regression
    /// coefficients or Morris effects
    Sensitivity(sensitivity::SensitivityArgs),
    /// Measure the stylized facts of a scenario's firms against the empirical literature
    Facts(facts::FactsArgs),
    /// Validate scenario files and print each fully resolved
    Check(check::CheckArgs),
    /// List every parameter and policy lever with its default, unit and meaning
    Params(params::ParamsArgs),
    /// Measure step throughput, parallel efficiency, memory per firm and memory bandwidth
    Bench(bench::BenchArgs),
    /// Draw the figures of a run, sweep, comparison or sensitivity analysis as SVG and PNG
    Plot(plot::PlotArgs),
}

/// Scenario selection shared by commands.
#[derive(Debug, Args, Clone, Default)]
pub struct ScenarioArgs {
    /// Override a scenario field, e.g. --set policy.rd_subsidy.traditional=0.3 (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// Loads `path`, or the embedded baseline when `path` is `None` or `builtin:baseline`.
pub fn load_scenario(
    path: Option<&Path>,
    overrides: &[String],
) -> Result<(Scenario, Vec<String>), ScenarioError> {
    match path {
        None => Ok((
            scenario::load_baseline(overrides)?,
            vec![scenario::extends::BUILTIN_BASELINE.into()],
        )),
        Some(p) if p == Path::new(scenario::extends::BUILTIN_BASELINE) => Ok((
            scenario::load_baseline(overrides)?,
            vec![scenario::extends::BUILTIN_BASELINE.into()],
        )),
        Some(p) => {
            let chain =
                scenario::extends::read_chain(scenario::extends::Origin::File(p.to_path_buf()))?;
            let files = chain
                .iter()
                .rev()
                .map(|f| f.display.display().to_string())
                .collect();
            Ok((scenario::load(p, overrides)?, files))
        }
    }
}

/// The overrides of a command's shorthand flags (`--steps N`, reported as that flag) first,
/// then every `--set` in order, so that a `--set` is checked even where a flag sets the same
/// field, and the last word is the user's explicit `--set`.
pub fn shorthand_overrides<const N: usize>(
    flags: [(&str, Option<u64>); N],
    set: &[String],
) -> Vec<String> {
    flags
        .iter()
        .filter_map(|(flag, value)| value.map(|v| format!("{flag} {v}")))
        .chain(set.iter().cloned())
        .collect()
}

/// Runs the parsed command line; returns the exit code. Errors are printed to stderr.
pub fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        None => run::execute(cli.run),
        Some(Command::Run(args)) => run::execute(args),
        Some(Command::Check(args)) => check::execute(args),
        Some(Command::Facts(args)) => facts::execute(args),
        Some(Command::Params(args)) => params::execute(args),
        Some(Command::Bench(args)) => bench::execute(args),
        Some(Command::Sweep(args)) => sweep::execute(args),
        Some(Command::Merge(args)) => merge::execute(args),
        Some(Command::Compare(args)) => compare::execute(args),
        Some(Command::Sensitivity(args)) => sensitivity::execute(args),
        Some(Command::Plot(args)) => plot::execute(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            exit_code(&e)
        }
    }
}

/// The exit code for an error.
pub fn exit_code(e: &anyhow::Error) -> i32 {
    match e.downcast_ref::<Error>() {
        Some(
            Error::Scenario(_)
            | Error::BadArgument { .. }
            | Error::Memory { .. }
            | Error::OutputFolder { .. }
            | Error::Journal { .. }
            | Error::Merge { .. }
            | Error::Results { .. },
        ) => EXIT_BAD_INPUT,
        Some(_) => EXIT_FAILURE,
        None if e.downcast_ref::<ScenarioError>().is_some() => EXIT_BAD_INPUT,
        None => EXIT_FAILURE,
    }
}

/// Writes `text` to stdout. A closed pipe (`nqpsim params | head -1`) is not an error: the
/// reader has what it wanted.
pub fn print(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
