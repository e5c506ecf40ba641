//! `nqpsim facts [SCENARIO | DIR]`: the stylized facts of a scenario's firm population
//! against the empirical literature, measured in process over every firm, or read from the
//! `panel.csv` of a `--panel all` run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{EXIT_OK, RunFlags, interrupt, load_scenario};
use crate::analysis::population::{self, FACTS, FactRow, ReplicateFacts};
use crate::error::{Error, OutputError};
use crate::output::atomic;
use crate::output::folder::{self, OutputFolder};
use crate::output::manifest::Manifest;
use crate::panel::{PanelRow, PanelSample};
use crate::scenario::Scenario;
use crate::sim::{self, Silent, schedule};

/// Exit code of `--strict` when a fact lies outside its band.
pub const EXIT_OUTSIDE_BAND: i32 = 3;

/// Options of `nqpsim facts`.
#[derive(Debug, Args, Clone, Default)]
pub struct FactsArgs {
    /// A scenario file to run (the embedded baseline if left out), or the output folder of a
    /// `nqpsim run --panel all` to read
    #[arg(value_name = "SCENARIO|DIR")]
    pub source: Option<PathBuf>,
    /// Bands file (default: the shipped scenarios/facts/facts.toml)
    #[arg(long, value_name = "FILE")]
    pub bands: Option<PathBuf>,
    /// Exit with code 3 if a fact of `all` lies outside its band (facts whose band says
    /// `strict = false` are reported, not checked)
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunFlags,
}

/// Runs `nqpsim facts`.
pub fn execute(args: FactsArgs) -> anyhow::Result<i32> {
    let bands = match &args.bands {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| OutputError {
                path: path.clone(),
                source,
            })?;
            population::parse_bands(&text, &path.display().to_string())
        }
        None => population::parse_bands(population::DEFAULT_BANDS, "scenarios/facts/facts.toml"),
    }
    .map_err(|message| Error::BadArgument {
        flag: "--bands".into(),
        message,
    })?;
    let (scenario, replicates, folder) = match &args.source {
        Some(dir) if dir.is_dir() => {
            let (scenario, replicates) = read_panel(dir)?;
            (scenario, replicates, dir.clone())
        }
        source => {
            let (scenario, replicates) = run_scenario(source.as_deref(), &args)?;
            let folder = args.run.out.join(&scenario.name);
            (scenario, replicates, folder)
        }
    };
    let table = population::summarise(&replicates, &bands, scenario.run.seed);
    let taken = OutputFolder::take(&folder, folder::RUN_FILES, args.run.force)?;
    atomic::write_file(&taken.file("facts.csv"), &facts_csv(&table))?;
    if !args.run.quiet {
        super::print(&report(&scenario, &table, replicates.len(), &folder)?)?;
    }
    let outside: Vec<&FactRow> = table
        .iter()
        .filter(|r| r.within_band() == Some(false) && r.band.as_ref().is_some_and(|b| b.strict))
        .collect();
    if args.strict && !outside.is_empty() {
        for row in &outside {
            let band = row.band.as_ref().expect("a band");
            eprintln!(
                "outside its band: {} = {:.3}, band [{}, {}] ({})",
                row.fact,
                row.summary.expect("a value").mean,
                band.low,
                band.high,
                band.reference
            );
        }
        return Ok(EXIT_OUTSIDE_BAND);
    }
    Ok(EXIT_OK)
}

/// Runs the scenario with a full panel in memory and measures each replicate as it completes.
fn run_scenario(
    source: Option<&Path>,
    args: &FactsArgs,
) -> anyhow::Result<(Scenario, Vec<ReplicateFacts>)> {
    let (scenario, _) = load_scenario(source, &args.run.overrides()).map_err(Error::from)?;
    let concurrent = sim::concurrent_replicates_with(&scenario, Some(PanelSample::All))?;
    let pool = sim::thread_pool(args.run.threads)?;
    let in_flight = concurrent.min(4 * pool.current_num_threads());
    let allowance = sim::replicate_allowance(in_flight);
    // Each replicate is run and measured on the pool; only its facts are kept.
    let task = |r: usize, watch: &schedule::StopWatch| {
        let output = sim::run_replicate(
            &scenario,
            r as u32,
            0,
            Some(PanelSample::All),
            &Silent,
            Some(watch),
            allowance,
        )?;
        Ok(output.map(|o| population::measure(&scenario, &o.panel)))
    };
    let mut replicates = Vec::new();
    let cancel = interrupt::flag();
    let outcome = schedule::run_in_order(
        &pool,
        scenario.run.replicates as usize,
        in_flight,
        Some(&cancel),
        &task,
        &mut |_, facts| {
            replicates.push(facts);
            Ok(())
        },
    )?;
    if outcome.interrupted {
        return Err(Error::BadArgument {
            flag: "interrupted".into(),
            message: format!(
                "stopped after {} of {} replicates; nothing written",
                replicates.len(),
                scenario.run.replicates
            ),
        }
        .into());
    }
    Ok((scenario, replicates))
}

/// Reads the scenario from DIR's manifest and every replicate's panel from DIR/panel.csv.
fn read_panel(dir: &Path) -> anyhow::Result<(Scenario, Vec<ReplicateFacts>)> {
    let manifest_path = dir.join("manifest.json");
    let bad = |message: String| Error::BadArgument {
        flag: dir.display().to_string(),
        message,
    };
    let bytes = std::fs::read(&manifest_path).map_err(|e| {
        bad(format!(
            "no manifest.json ({e}): give the output folder of `nqpsim run --panel all`, or a scenario"
        ))
    })?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| bad(format!("manifest.json is not a run's manifest: {e}")))?;
    if manifest.panel.as_deref() != Some("all") {
        return Err(bad(format!(
            "the run wrote {}; the facts need every firm: run it again with --panel all",
            manifest.panel.map_or("no panel".to_string(), |p| format!(
                "a panel sampled at {p}"
            ))
        ))
        .into());
    }
    let text = toml::to_string(&manifest.scenario).expect("a scenario serialises");
    let scenario =
        crate::scenario::load_str(&manifest.scenario_name, &text, dir, &[]).map_err(Error::from)?;
    let path = dir.join("panel.csv");
    let mut reader = csv::Reader::from_path(&path).map_err(|e| bad(format!("panel.csv: {e}")))?;
    let sector_of = |name: &str| scenario.sector_index(name).map(|j| j as u16);
    let mut replicates = Vec::new();
    let mut rows: Vec<PanelRow> = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(format!("panel.csv: {e}")))?;
        let row = parse_row(&record, &sector_of)
            .ok_or_else(|| bad(format!("panel.csv line {}: not a panel row", line + 2)))?;
        if rows.last().is_some_and(|r| r.replicate != row.replicate) {
            replicates.push(population::measure(&scenario, &rows));
            rows.clear();
        }
        rows.push(row);
    }
    if !rows.is_empty() {
        replicates.push(population::measure(&scenario, &rows));
    }
    Ok((scenario, replicates))
}

fn parse_row(
    record: &csv::StringRecord,
    sector_of: &dyn Fn(&str) -> Option<u16>,
) -> Option<PanelRow> {
    let f = |i: usize| record.get(i)?.parse::<f64>().ok();
    let flag = |i: usize| match record.get(i)? {
        "1" => Some(Some(true)),
        "0" => Some(Some(false)),
        "" => Some(None),
        _ => None,
    };
    Some(PanelRow {
        id: record.get(0)?.parse().ok()?,
        replicate: record.get(1)?.parse().ok()?,
        step: record.get(2)?.parse().ok()?,
        sector: sector_of(record.get(4)?)?,
        a: f(6)?,
        tfp: f(7)?,
        digital: f(8)?,
        green: f(9)?,
        data: f(10)?,
        share: f(11)?,
        output: f(12)?,
        employment: f(13)?,
        emissions: f(14)?,
        entered: flag(15)??,
        exits: flag(16)?,
        switched_from: match record.get(17)? {
            "" => None,
            name => Some(sector_of(name)?),
        },
        spawned_from: match record.get(18)? {
            "" => None,
            id => Some(id.parse().ok()?),
        },
    })
}

/// The bytes of `facts.csv`.
fn facts_csv(table: &[FactRow]) -> Vec<u8> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    let header = [
        "fact",
        "group",
        "mean",
        "lo",
        "hi",
        "replicates",
        "reference",
        "band_low",
        "band_high",
        "within_band",
        "checked",
        "source",
        "description",
    ];
    csv.write_record(header).expect("writing to memory");
    let real = crate::output::csv::real;
    for row in table {
        let mut fields: Vec<String> = vec![row.fact.into(), row.group.into()];
        match row.summary {
            Some(s) => {
                for x in [s.mean, s.lo, s.hi] {
                    fields.push(real(x));
                }
                fields.push(s.replicates.to_string());
            }
            None => fields.extend([String::new(), String::new(), String::new(), "0".into()]),
        }
        match &row.band {
            Some(b) => fields.extend([b.reference.clone(), real(b.low), real(b.high)]),
            None => fields.extend([String::new(), String::new(), String::new()]),
        }
        fields.push(row.within_band().map_or(String::new(), |w| w.to_string()));
        fields.push(
            row.band
                .as_ref()
                .map_or(String::new(), |b| b.strict.to_string()),
        );
        fields.push(
            row.band
                .as_ref()
                .map_or(String::new(), |b| b.source.clone()),
        );
        let description = FACTS.iter().find(|f| f.0 == row.fact).map_or("", |f| f.1);
        fields.push(description.into());
        csv.write_record(&fields).expect("writing to memory");
    }
    csv.into_inner().expect("writing to memory")
}

/// The table printed to stdout.
fn report(
    scenario: &Scenario,
    table: &[FactRow],
    replicates: usize,
    folder: &Path,
) -> Result<String, std::fmt::Error> {
    let mut out = String::new();
    writeln!(
        out,
        "{}: stylized facts over {replicates} replicates (mean, {:.0} % bootstrap interval) -> {}",
        scenario.name,
        population::INTERVAL_LEVEL * 100.0,
        folder.join("facts.csv").display()
    )?;
    writeln!(
        out,
        "  {:<16} {:>12} {:>12} {:>12} {:>24}   {:<24} band",
        "fact", "traditional", "emerging", "future", "all [interval]", "reference"
    )?;
    for (key, _) in FACTS {
        let cell = |group: &str| {
            table
                .iter()
                .find(|r| r.fact == key && r.group == group)
                .and_then(|r| r.summary)
        };
        let value =
            |group: &str| cell(group).map_or("NA".to_string(), |s| format!("{:.3}", s.mean));
        let all = table
            .iter()
            .find(|r| r.fact == key && r.group == "all")
            .expect("every fact has an `all` row");
        let interval = all.summary.map_or("NA".to_string(), |s| {
            format!("{:.3} [{:.3}, {:.3}]", s.mean, s.lo, s.hi)
        });
        let (reference, band) = match &all.band {
            Some(b) => (
                b.reference.clone(),
                format!(
                    "[{}, {}] {}",
                    b.low,
                    b.high,
                    match (all.within_band(), b.strict) {
                        (Some(true), _) => "ok",
                        (Some(false), true) => "OUTSIDE",
                        (Some(false), false) => "outside (reported, not checked)",
                        (None, _) => "",
                    }
                ),
            ),
            None => (String::new(), String::new()),
        };
        writeln!(
            out,
            "  {:<16} {:>12} {:>12} {:>12} {:>24}   {:<24} {}",
            key,
            value("traditional"),
            value("emerging"),
            value("future"),
            interval,
            truncate(&reference, 24),
            band
        )?;
    }
    Ok(out)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let t: String = s.chars().take(n - 1).collect();
        format!("{t}~")
    }
}
