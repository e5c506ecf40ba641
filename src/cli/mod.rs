//! The command line: clap definitions, one file per command, and exit codes.
//!
//! Exit codes: 0 success, 1 runtime failure (e.g. output cannot be written), 2 bad input
//! (bad scenario, bad flag), 3 a stylized fact outside its band (`facts --strict`), 130
//! interrupted.

pub mod bench;
pub mod calibrate;
pub mod check;
pub mod compare;
pub mod convert;
pub mod discover;
pub mod facts;
pub mod interrupt;
pub mod merge;
pub mod params;
pub mod plot;
pub mod progress;
pub mod run;
pub mod sensitivity;
pub mod sweep;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, ScenarioError};
use crate::scenario::{self, Scenario};

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for a runtime failure.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for bad input.
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code of a sweep (or a merge of its shards) that finished with some runs failed
/// (listed in its `failures.csv`).
pub const EXIT_RUNS_FAILED: i32 = 4;
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
    /// Scenario discovery: which combinations of a sweep's levers reach targets in most
    /// replicates, whatever the uncertainties (PRIM and CART boxes)
    Discover(discover::DiscoverArgs),
    /// Measure the stylized facts of a scenario's firms against the empirical literature
    Facts(facts::FactsArgs),
    /// Estimate a scenario's parameters by the simulated method of moments
    Calibrate(calibrate::CalibrateArgs),
    /// Validate scenario files and print each fully resolved
    Check(check::CheckArgs),
    /// List every parameter and policy lever with its default, unit and meaning
    Params(params::ParamsArgs),
    /// Measure step throughput, parallel efficiency, memory per firm and memory bandwidth
    Bench(bench::BenchArgs),
    /// Draw the figures of a run, sweep, comparison or sensitivity analysis as SVG and PNG
    Plot(plot::PlotArgs),
    /// Write Parquet (zstd) twins of a finished output folder's CSV files (needs the
    /// `parquet` feature)
    Convert(convert::ConvertArgs),
}

/// Scenario selection shared by commands.
#[derive(Debug, Args, Clone, Default)]
pub struct ScenarioArgs {
    /// Override a scenario field, e.g. --set policy.rd_subsidy.traditional=0.3 (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// The flags of every command that runs the model (`run`, `sweep`, `compare`, `facts`): how
/// much to simulate, on how many threads, where the results go, and `--set` overrides.
#[derive(Debug, Args, Clone)]
pub struct RunFlags {
    // The four size flags are read as text and checked as the scenario fields they set, so
    // that `--steps -1`, `--set run.steps=-1` and `steps = -1` in a file get the same message,
    // naming the field and its range.
    /// Steps (years) after step 0, 0 to 2^32 - 1; 0 runs the initial state alone [scenario:
    /// run.steps]
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub steps: Option<String>,
    /// Initial firms, 1 to 2^63 - 1 [scenario: run.firms]
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub firms: Option<String>,
    /// Replicates, 1 to 2^32 - 1 [scenario: run.replicates; a sweep plan's `replicates`; a
    /// comparison's base]
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub replicates: Option<String>,
    /// Seed, 0 to 2^63 - 1 (TOML integers are signed 64-bit) [scenario: run.seed; a sweep
    /// plan's `seed`; a comparison's base]
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub seed: Option<String>,
    /// Worker threads (default: one per core); results do not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder; results go into a folder inside it named after the scenario, plan or
    /// comparison
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// Print nothing but errors and warnings; no progress bar
    #[arg(long, short)]
    pub quiet: bool,
    /// Write into the output folder even if it holds files this command did not write
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub scenario_args: ScenarioArgs,
}

impl Default for RunFlags {
    fn default() -> Self {
        RunFlags {
            steps: None,
            firms: None,
            replicates: None,
            seed: None,
            threads: None,
            out: PathBuf::from("output"),
            quiet: false,
            force: false,
            scenario_args: ScenarioArgs::default(),
        }
    }
}

impl RunFlags {
    /// The overrides: the shorthand flags first (as `--steps N`, reported as that flag), then
    /// every `--set` in order, so that a `--set` is checked even where a flag sets the same
    /// field, and the last word is the user's explicit `--set`.
    pub fn overrides(&self) -> Vec<String> {
        [
            ("--steps", &self.steps),
            ("--firms", &self.firms),
            ("--replicates", &self.replicates),
            ("--seed", &self.seed),
        ]
        .iter()
        .filter_map(|(flag, value)| value.as_ref().map(|v| format!("{flag} {v}")))
        .chain(self.scenario_args.set.iter().cloned())
        .collect()
    }
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

/// Runs the parsed command line; returns the exit code. Errors are printed to stderr.
pub fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        None => run::execute(cli.run),
        Some(Command::Run(args)) => run::execute(args),
        Some(Command::Check(args)) => check::execute(args),
        Some(Command::Facts(args)) => facts::execute(args),
        Some(Command::Calibrate(args)) => calibrate::execute(args),
        Some(Command::Params(args)) => params::execute(args),
        Some(Command::Bench(args)) => bench::execute(args),
        Some(Command::Sweep(args)) => sweep::execute(args),
        Some(Command::Merge(args)) => merge::execute(args),
        Some(Command::Compare(args)) => compare::execute(args),
        Some(Command::Sensitivity(args)) => sensitivity::execute(args),
        Some(Command::Discover(args)) => discover::execute(args),
        Some(Command::Plot(args)) => plot::execute(args),
        Some(Command::Convert(args)) => convert::execute(args),
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
            | Error::PopulationGrowth { .. }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `run`, `sweep`, `compare` and `facts` take the same size and output flags, declared
    /// once ([`RunFlags`]).
    #[test]
    fn every_command_that_runs_the_model_takes_the_same_size_flags() {
        let flags = [
            "--steps",
            "3",
            "--firms",
            "100",
            "--replicates",
            "2",
            "--seed",
            "9",
            "--threads",
            "1",
            "--out",
            "o",
            "--quiet",
            "--force",
            "--set",
            "run.start_year=2000",
        ];
        let commands: [&[&str]; 4] = [
            &["run"],
            &["sweep", "plan.toml"],
            &["compare", "a", "b"],
            &["facts"],
        ];
        for command in commands {
            let argv: Vec<&str> = ["nqpsim"]
                .iter()
                .chain(command)
                .chain(&flags)
                .copied()
                .collect();
            let cli = Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
            let run = match cli.command.expect("a command") {
                Command::Run(a) => a.run,
                Command::Sweep(a) => a.run,
                Command::Compare(a) => a.run,
                Command::Facts(a) => a.run,
                _ => unreachable!(),
            };
            assert_eq!(
                run.overrides(),
                [
                    "--steps 3",
                    "--firms 100",
                    "--replicates 2",
                    "--seed 9",
                    "run.start_year=2000"
                ]
            );
            assert_eq!((run.threads, run.quiet, run.force), (Some(1), true, true));
        }
    }
}
