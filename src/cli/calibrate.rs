//! `nqpsim calibrate PLAN`: estimate a scenario's parameters by the simulated method of
//! moments (see [`crate::analysis::calibrate`]).

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::{EXIT_INTERRUPTED, EXIT_OK, ScenarioArgs, interrupt};
use crate::analysis::calibrate::{self, Options, Status, search::Progress};
use crate::error::Error;

/// Options of `nqpsim calibrate`.
#[derive(Debug, Args, Clone)]
pub struct CalibrateArgs {
    /// Calibration plan (TOML), e.g. scenarios/calibration/baseline.toml
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// Finish the unfinished calibration in the output folder (its journal's evaluations are
    /// not run again)
    #[arg(long)]
    pub resume: bool,
    /// Start over even if the output folder holds an unfinished calibration, or files nqpsim
    /// did not write
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: one per core); results do not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder; results go to a folder named after the plan inside it
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// Print nothing but errors; no progress bar
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub scenario_args: ScenarioArgs,
}

/// The progress bar: evaluations done of the budget, and the best loss so far.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn evaluated(&self, done: usize, budget: usize, best: f64) {
        self.0.set_length(budget as u64);
        self.0.set_position(done as u64);
        self.0.set_message(format!("best loss {best:.4}"));
    }
}

/// Runs `nqpsim calibrate`.
pub fn execute(args: CalibrateArgs) -> anyhow::Result<i32> {
    if args.threads == Some(0) {
        return Err(Error::BadArgument {
            flag: "--threads 0".into(),
            message: "at least one thread is needed".into(),
        }
        .into());
    }
    let plan = calibrate::load(&args.plan, &args.scenario_args.set).map_err(Error::from)?;
    let bar = if !args.quiet && std::io::stderr().is_terminal() {
        ProgressBar::new(plan.search.evaluations as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} evaluations ({msg}) ETA {eta}",
        )
        .expect("valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let cancel = interrupt::flag();
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let options = Options {
        out: args.out.clone(),
        threads: args.threads,
        resume: args.resume,
        force: args.force,
        cancel: &cancel,
        command,
    };
    let report = calibrate::calibrate(&plan, &options, &Bar(bar.clone()))?;
    bar.finish_and_clear();
    let folder = report.folder.display();
    if report.status == Status::Interrupted {
        eprintln!(
            "interrupted: {} evaluations are kept in {folder}/journal.jsonl; run the same command with --resume to finish",
            report.evaluations
        );
        return Ok(EXIT_INTERRUPTED);
    }
    if !args.quiet {
        let mut out = String::new();
        writeln!(
            out,
            "{}: {} evaluations ({} resumed) in {:.1} s on {} threads, best loss {:.4} -> {folder}/",
            plan.name,
            report.evaluations,
            report.resumed,
            report.wall_time.as_secs_f64(),
            report.threads,
            report.best_loss
        )?;
        for (name, value, se) in &report.estimates {
            writeln!(
                out,
                "  {name:<40} {value:>12.5}  {}",
                se.map_or("(no standard error)".to_string(), |s| format!(
                    "(se {s:.5})"
                ))
            )?;
        }
        writeln!(
            out,
            "  evaluations.csv, best.toml, report.md, manifest.json: the fit and the warnings are in report.md"
        )?;
        super::print(&out)?;
    }
    Ok(EXIT_OK)
}
