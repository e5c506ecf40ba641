//! `nqpsim run [SCENARIO]`: run a scenario and write its trajectories.

use std::io::IsTerminal;
use std::path::PathBuf;

use std::fmt::Write as _;

use clap::Args;

use super::{
    EXIT_INTERRUPTED, EXIT_OK, RunFlags, interrupt, load_scenario, progress::ProgressBarObserver,
};
use crate::Scenario;
use crate::error::Error;
use crate::metrics::RowSector;
use crate::output::{Provenance, RunWriter};
use crate::panel::PanelSample;
use crate::sim::{self, RunOptions, RunSummary};

/// Options of `nqpsim run`.
#[derive(Debug, Args, Clone, Default)]
pub struct RunArgs {
    /// Scenario file (TOML); the embedded baseline if left out
    #[arg(value_name = "SCENARIO")]
    pub scenario: Option<PathBuf>,
    /// Also write panel.csv, a firm-year panel of a sample of firms (a rate such as 0.02, by
    /// a hash of each firm's birth key) or of every firm (`all`), and panel_codebook.md
    #[arg(long, value_name = "RATE|all")]
    pub panel: Option<PanelSample>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunFlags,
}

impl RunArgs {
    /// The overrides: the shorthand flags first (as `--steps N`, reported as that flag),
    /// then every `--set` in order, so that a `--set` is checked even where a flag sets the
    /// same field, and the last word is the user's explicit `--set`.
    pub fn overrides(&self) -> Vec<String> {
        self.run.overrides()
    }
}

/// Runs `nqpsim run`.
pub fn execute(args: RunArgs) -> anyhow::Result<i32> {
    let overrides = args.overrides();
    let (scenario, files) =
        load_scenario(args.scenario.as_deref(), &overrides).map_err(Error::from)?;
    if args.run.threads == Some(0) {
        return Err(Error::BadArgument {
            flag: "--threads 0".into(),
            message: "at least one thread is needed".into(),
        }
        .into());
    }
    // Refuse before anything is written: a replicate that cannot fit in memory.
    sim::concurrent_replicates_with(&scenario, args.panel)?;
    let mut writer = RunWriter::create(&args.run.out, &scenario, args.run.force, args.panel)?;
    let show = !args.run.quiet && std::io::stderr().is_terminal();
    let observer = ProgressBarObserver::new(&scenario, show);
    let options = RunOptions {
        threads: args.run.threads,
        point: 0,
        cancel: Some(interrupt::flag()),
        panel: args.panel,
        replicate_allowance: None,
    };
    let steps = scenario.run.steps;
    let mut last_rows = Vec::new(); // for the summary table
    let summary = sim::run_into(&scenario, &options, &observer, &mut |_, output| {
        last_rows.extend(output.rows.iter().filter(|r| r.step == steps).cloned());
        writer.write_replicate(output)
    })?;
    observer.finish();
    let provenance = Provenance {
        scenario_files: files,
        overrides,
    };
    let dir = writer.finish(&summary, &provenance)?;
    if summary.interrupted {
        let k = summary.completed.len();
        eprintln!(
            "interrupted: {k} of {} replicates ({}) completed and were written to {} (manifest status `interrupted`); {} holds only complete results and was left as it was",
            scenario.run.replicates,
            if k == 0 {
                "none".to_string()
            } else {
                format!("0 to {}", k - 1)
            },
            dir.display(),
            dir.parent().unwrap_or(&dir).display()
        );
        return Ok(EXIT_INTERRUPTED);
    }
    if !args.run.quiet {
        super::print(&report(&scenario, &summary, &last_rows, &dir)?)?;
    }
    Ok(EXIT_OK)
}

/// A short report for stdout: where the files are, how fast it ran, and the headline figures.
fn report(
    scenario: &Scenario,
    output: &RunSummary,
    last_rows: &[crate::MetricsRow],
    dir: &std::path::Path,
) -> Result<String, std::fmt::Error> {
    let mut out = String::new();
    let secs = output.wall_time.as_secs_f64();
    writeln!(
        out,
        "{}: {} replicates x {} steps, {} firms -> {}",
        scenario.name,
        scenario.run.replicates,
        scenario.run.steps,
        scenario.run.firms,
        dir.join("trajectories.csv").display()
    )?;
    writeln!(
        out,
        "  {:.2} s, {:.1} M firm-steps/s on {} threads",
        secs,
        output.firm_steps as f64 / secs.max(1e-9) / 1e6,
        output.threads
    )?;
    let steps = scenario.run.steps;
    writeln!(
        out,
        "  {:<24} {:>16} {:>14} {:>10}",
        "sector", "TFP growth %/yr", "output share", "firms"
    )?;
    let mut sectors: Vec<(String, RowSector)> = scenario
        .sectors
        .iter()
        .enumerate()
        .map(|(j, s)| (s.name.clone(), RowSector::Sector(j)))
        .collect();
    sectors.push(("all".into(), RowSector::All));
    for (name, sector) in sectors {
        let last: Vec<_> = last_rows
            .iter()
            .filter(|r| r.step == steps && r.sector == sector)
            .collect();
        let mean = |f: &dyn Fn(&crate::MetricsRow) -> Option<f64>| {
            let v: Vec<f64> = last.iter().filter_map(|r| f(r)).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        // no growth without a year (`--steps 0`: the initial state alone)
        let growth = mean(&|r| {
            r.tfp_index
                .filter(|_| steps > 0)
                .map(|x| 100.0 * x.ln() / steps as f64)
        });
        let share = mean(&|r| r.output_share);
        let firms = mean(&|r| Some(r.firms as f64));
        let fmt = |x: Option<f64>, d: usize| x.map_or("NA".to_string(), |v| format!("{v:.d$}"));
        writeln!(
            out,
            "  {:<24} {:>16} {:>14} {:>10}",
            name,
            fmt(growth, 2),
            fmt(share, 3),
            fmt(firms, 0)
        )?;
    }
    Ok(out)
}
