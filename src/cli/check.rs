//! `nqpsim check SCENARIO...`: validate scenario files and print each fully resolved.

use std::path::PathBuf;

use std::fmt::Write as _;

use clap::Args;

use super::{EXIT_BAD_INPUT, EXIT_OK, ScenarioArgs, load_scenario};

/// Options of `nqpsim check`.
#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    /// Scenario files to check (`builtin:baseline` for the embedded baseline)
    #[arg(value_name = "SCENARIO", required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Only report problems; do not print the resolved scenarios
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub scenario_args: ScenarioArgs,
}

/// Runs `nqpsim check`: every file is checked; the exit code is 2 if any is bad.
pub fn execute(args: CheckArgs) -> anyhow::Result<i32> {
    let mut bad = 0;
    let mut out = String::new();
    for path in &args.scenarios {
        match load_scenario(Some(path), &args.scenario_args.set) {
            Ok((scenario, _)) => {
                if args.quiet {
                    writeln!(out, "ok: {}", path.display())?;
                } else {
                    writeln!(
                        out,
                        "# {}: ok, resolved with every default written out\n",
                        path.display()
                    )?;
                    writeln!(out, "{}", scenario.to_toml())?;
                }
            }
            Err(e) => {
                bad += 1;
                eprintln!("error: {e}");
            }
        }
    }
    super::print(&out)?;
    Ok(if bad > 0 { EXIT_BAD_INPUT } else { EXIT_OK })
}
