//! `nqpsim compare BASE POLICY`: the paired effect of a policy against a base, with
//! intervals, and its fiscal cost per gain; writes `effects.csv`, `fiscal.csv` and
//! `manifest.json` into `OUT/<base>-vs-<policy>/`, and `region_effects.csv` where both sides
//! have model 2's regions.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;

use super::{EXIT_INTERRUPTED, EXIT_OK, RunFlags, interrupt, load_scenario};
use crate::analysis::compare::{
    self, EffectRow, Outcomes, Pairing, RowKind, Step0Causes, metric_names,
};
use crate::analysis::fiscal::{self, FiscalOptions, FiscalRow};
use crate::error::Error;
use crate::output::atomic;
use crate::output::folder::{OutputFolder, PLOTS_DIR};
use crate::output::manifest::FileEntry;
use crate::output::table::Table;
use crate::scenario::overrides::Override;
use crate::scenario::{RunSettings, Scenario};
use crate::sim::{self, RunOptions};

/// Options of `nqpsim compare`.
#[derive(Debug, Args, Clone)]
pub struct CompareArgs {
    /// The base: a scenario file or `builtin:baseline` (run here), the output folder of a
    /// `nqpsim run`, or a sweep's folder (with --points)
    #[arg(value_name = "BASE")]
    pub base: PathBuf,
    /// The policy: a scenario file (run here with the base's seed and replicates) or the
    /// output folder of a `nqpsim run`; left out with --points
    #[arg(value_name = "POLICY")]
    pub policy: Option<PathBuf>,
    /// Compare two points of the sweep folder BASE: --points I,J (I the base, J the policy;
    /// the sweep must have written trajectories.csv, i.e. not --summary-only)
    #[arg(long, value_name = "I,J")]
    pub points: Option<String>,
    /// Annual discount rate of the fiscal accounting (present values at step 0)
    #[arg(long, default_value_t = 0.03, value_name = "RATE")]
    pub discount_rate: f64,
    /// Coverage of the intervals
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Bootstrap resamples for the intervals of the fiscal ratios
    #[arg(long, default_value_t = 2000)]
    pub bootstrap: usize,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunFlags,
}

/// `effects.csv`.
pub const EFFECTS: &str = "effects.csv";
/// `fiscal.csv`.
pub const FISCAL: &str = "fiscal.csv";
/// `region_effects.csv`: the effects on each region, where both sides have model 2's regions.
pub const REGION_EFFECTS: &str = "region_effects.csv";
/// `manifest.json`.
const MANIFEST: &str = "manifest.json";

/// The manifest of a comparison.
#[derive(Debug, Serialize)]
struct CompareManifest {
    command: &'static str,
    nqpsim_version: &'static str,
    model_version: u32,
    base: String,
    policy: String,
    base_source: String,
    policy_source: String,
    paired: bool,
    replicates: Vec<u32>,
    seeds: Vec<u64>,
    steps: u32,
    level: f64,
    discount_rate: f64,
    bootstrap: usize,
    overrides: Vec<String>,
    step0_differs: Vec<String>,
    /// `--points`: runs of the two points that failed in the sweep (its `failures.csv`).
    /// Written only when some did.
    #[serde(skip_serializing_if = "is_zero")]
    failed_runs: usize,
    /// `--points`: the replicates left out of both sides because one side's run failed (so
    /// the rest stay paired). Written only when there are some.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    replicates_left_out: Vec<u32>,
    files: Vec<FileEntry>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Where one side comes from.
enum Source {
    /// A scenario to run.
    Scenario(Option<PathBuf>),
    /// A run's folder.
    Run(PathBuf),
    /// A point of a sweep's folder.
    Point(PathBuf, u32),
}

impl Source {
    fn describe(&self) -> String {
        match self {
            Source::Scenario(None) => crate::scenario::extends::BUILTIN_BASELINE.into(),
            Source::Scenario(Some(p)) | Source::Run(p) => p.display().to_string(),
            Source::Point(p, i) => format!("{} point {i}", p.display()),
        }
    }
}

fn bad(flag: &str, message: impl Into<String>) -> Error {
    Error::BadArgument {
        flag: flag.into(),
        message: message.into(),
    }
}

/// What `manifest.json` of an output folder says it is (`run`, `sweep`, `merge`, ...).
fn folder_kind(dir: &Path) -> Result<String, Error> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|_| Error::Results {
        path: path.clone(),
        reason: "no manifest.json: not a finished nqpsim output folder".into(),
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Results {
        path: path.clone(),
        reason: format!("not a manifest: {e}"),
    })?;
    if let Some(status) = value.pointer("/run/status").and_then(|s| s.as_str())
        && status != "complete"
    {
        return Err(Error::Results {
            path,
            reason: format!("the run is `{status}`, not complete: run it again to the end"),
        });
    }
    Ok(value
        .get("command")
        .and_then(|c| c.as_str())
        .unwrap_or("")
        .to_string())
}

fn sources(args: &CompareArgs) -> Result<(Source, Source), Error> {
    let classify = |path: &Path, which: &str| -> Result<Source, Error> {
        if path.is_dir() {
            match folder_kind(path)?.as_str() {
                "run" => Ok(Source::Run(path.to_path_buf())),
                "sweep" | "merge" => Err(bad(
                    which,
                    format!(
                        "{} is a sweep's folder: name two of its points with --points I,J",
                        path.display()
                    ),
                )),
                other => Err(bad(
                    which,
                    format!(
                        "{} holds the output of `{other}`, not of `nqpsim run`",
                        path.display()
                    ),
                )),
            }
        } else if path == Path::new(crate::scenario::extends::BUILTIN_BASELINE) {
            Ok(Source::Scenario(None))
        } else {
            Ok(Source::Scenario(Some(path.to_path_buf())))
        }
    };
    match (&args.points, &args.policy) {
        (Some(points), None) => {
            let parsed: Option<Vec<u32>> =
                points.split(',').map(|p| p.trim().parse().ok()).collect();
            let Some([i, j]) = parsed.as_deref().and_then(|v| <[u32; 2]>::try_from(v).ok()) else {
                return Err(bad(
                    &format!("--points {points}"),
                    "two point numbers, base first: e.g. --points 0,5",
                ));
            };
            if !args.base.is_dir()
                || !matches!(folder_kind(&args.base)?.as_str(), "sweep" | "merge")
            {
                return Err(bad(
                    &format!("--points {points}"),
                    format!("{} is not a sweep's output folder", args.base.display()),
                ));
            }
            crate::sweep::run::warn_failed_runs(&args.base);
            if let Some(failed) = crate::sweep::run::FailedRuns::of(&args.base) {
                for point in [i, j] {
                    if !failed.empty_points.contains(&(point as usize)) {
                        continue;
                    }
                    let runs = failed.of_point(point as usize);
                    return Err(bad(
                        &format!("--points {points}"),
                        format!(
                            "point {point} of {} has no rows: all {} of its replicates failed \
                              in the sweep ({}, listed in {}), so there is nothing to compare; \
                              compare points that completed",
                            args.base.display(),
                            runs.len(),
                            runs.first().map_or("", |(_, e)| e),
                            args.base.join(crate::sweep::run::FAILURES).display()
                        ),
                    ));
                }
            }
            Ok((
                Source::Point(args.base.clone(), i),
                Source::Point(args.base.clone(), j),
            ))
        }
        (Some(points), Some(_)) => Err(bad(
            &format!("--points {points}"),
            "--points compares two points of one sweep: give only the sweep's folder",
        )),
        (None, Some(policy)) => Ok((classify(&args.base, "BASE")?, classify(policy, "POLICY")?)),
        (None, None) => Err(bad(
            "POLICY",
            "name the policy scenario (or run folder) after the base, or two points of a \
             sweep with --points I,J",
        )),
    }
}

impl CompareArgs {
    fn overrides(&self) -> Vec<String> {
        self.run.overrides()
    }
}

/// Runs `nqpsim compare`.
pub fn execute(args: CompareArgs) -> anyhow::Result<i32> {
    if !(args.level > 0.0 && args.level < 1.0) {
        return Err(bad(
            &format!("--level {}", args.level),
            "a coverage strictly between 0 and 1, e.g. 0.95",
        )
        .into());
    }
    if !(args.discount_rate > -1.0 && args.discount_rate.is_finite()) {
        return Err(bad(
            &format!("--discount-rate {}", args.discount_rate),
            "an annual rate above -1, e.g. 0.03",
        )
        .into());
    }
    if args.run.threads == Some(0) {
        return Err(bad("--threads 0", "at least one thread is needed").into());
    }
    let (base_source, policy_source) = sources(&args)?;
    let overrides = args.overrides();
    let runs_any =
        matches!(base_source, Source::Scenario(_)) || matches!(policy_source, Source::Scenario(_));
    if !overrides.is_empty() && !runs_any {
        return Err(bad(
            &overrides[0],
            "applies to scenarios that compare runs; both inputs here are finished outputs",
        )
        .into());
    }
    // Both sides run with the same settings: a scenario side takes those of a finished run
    // on the other side (the base's first), or the policy those of the base scenario; two
    // finished runs of different economies are refused.
    let base_finished = finished_scenario(&base_source)?;
    let policy_finished = finished_scenario(&policy_source)?;
    if let (Some(b), Some(p)) = (&base_finished, &policy_finished) {
        let differing = economy_differences(&b.run, &p.run);
        if !differing.is_empty() {
            return Err(bad(
                "POLICY",
                format!(
                    "the two runs simulate different economies ({}): rerun one with the \
                     other's settings, or compare scenario files, which run with the base's",
                    differing.join(", ")
                ),
            )
            .into());
        }
    }
    let inherit_for_base = policy_finished
        .as_ref()
        .map(|p| (p.run, format!("the policy ({})", policy_source.describe())));
    let Some(base_side) = obtain(&base_source, &overrides, inherit_for_base.as_ref(), &args)?
    else {
        return Ok(EXIT_INTERRUPTED);
    };
    let base_scenario = base_side.scenario.or(base_finished);
    let inherit_for_policy = base_scenario
        .as_ref()
        .map(|b| (b.run, format!("the base ({})", base_source.describe())));
    let Some(policy_side) = obtain(
        &policy_source,
        &overrides,
        inherit_for_policy.as_ref(),
        &args,
    )?
    else {
        return Ok(EXIT_INTERRUPTED);
    };
    let policy_scenario = policy_side.scenario.or(policy_finished);
    let (mut base, mut policy) = (base_side.sectors, policy_side.sectors);
    let (failed_runs, replicates_left_out) = leave_out_failed(&mut base, &mut policy, &args)?;
    let regions = compare_regions(
        (base_side.regions, policy_side.regions),
        (&base, &policy),
        args.level,
    );
    let pairing = compare::pair(&base, &policy).map_err(|reason| bad("POLICY", reason))?;
    if !pairing.paired {
        eprintln!(
            "warning: `{}` and `{}` do not share seeds and replicates, so the comparison is \
             unpaired (Welch intervals, no variance reduction). Compare scenario files, or runs \
             made with the same --seed and --replicates, for common random numbers.",
            base.scenario, policy.scenario
        );
    }
    let effects = compare::effects(&base, &policy, &pairing, args.level);
    let step0 = compare::step0_differences(&base, &policy, &pairing);
    let names = compare::compared_metrics(&base, &policy);
    let step0_text: Vec<String> = step0
        .iter()
        .map(|&(row, metric)| format!("{}:{}", base.rows[row].0, names[metric]))
        .collect();
    if !step0.is_empty() {
        let causes = match (&base_scenario, &policy_scenario) {
            (Some(b), Some(p)) => Some(compare::step0_causes(b, p)),
            _ => None,
        };
        eprintln!(
            "warning: the two differ at step 0 ({}{}): {}",
            step0_text
                .iter()
                .take(4)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            if step0.len() > 4 {
                format!(" and {} more", step0.len() - 4)
            } else {
                String::new()
            },
            step0_reason(causes.as_ref(), &base_source, &policy_source)?
        );
    }
    if let (Some(b), Some(p)) = (&base_scenario, &policy_scenario) {
        let unpriced = fiscal::unpriced_levers(b, p);
        if !unpriced.is_empty() {
            eprintln!(
                "warning: the policy also moves {}, which is not subsidy spending: the cost ratios \
                 of fiscal.csv charge its effect on output and emissions to the subsidies too \
                 (output_per_subsidy is the package's output per unit of subsidy, not the \
                 subsidies' multiplier); compare each lever alone to split them",
                unpriced.join(", ")
            );
        }
    }
    let fiscal = fiscal::fiscal(
        &base,
        &policy,
        &pairing,
        &FiscalOptions {
            discount_rate: args.discount_rate,
            level: args.level,
            bootstrap: args.bootstrap,
            seed: base.seeds.first().copied().unwrap_or(0),
        },
    );

    let name = match (&base_source, &policy_source) {
        (Source::Point(_, i), Source::Point(_, j)) => {
            format!("{}-point{i}-vs-point{j}", base.scenario)
        }
        _ => format!("{}-vs-{}", base.scenario, policy.scenario),
    };
    // what the headline and the figures call the two sides: a sweep's points by number
    let (base_name, policy_name) = match (&base_source, &policy_source) {
        (Source::Point(_, i), Source::Point(_, j)) => (
            format!("{} point {i}", base.scenario),
            format!("{} point {j}", policy.scenario),
        ),
        _ => (base.scenario.clone(), policy.scenario.clone()),
    };
    let folder = OutputFolder::take(
        &args.run.out.join(&name),
        &[EFFECTS, FISCAL, REGION_EFFECTS, MANIFEST, PLOTS_DIR],
        args.run.force,
    )?;
    let sector_csv = effects_csv(&base, &names, &effects)?;
    let fiscal_csv = fiscal_csv(&fiscal)?;
    let mut files = vec![
        FileEntry {
            name: EFFECTS.into(),
            rows: effects.len() as u64,
            facts: atomic::write_file(&folder.file(EFFECTS), &sector_csv)?,
        },
        FileEntry {
            name: FISCAL.into(),
            rows: fiscal.len() as u64,
            facts: atomic::write_file(&folder.file(FISCAL), &fiscal_csv)?,
        },
    ];
    match &regions {
        Some(r) => files.push(FileEntry {
            name: REGION_EFFECTS.into(),
            rows: r.effects.len() as u64,
            facts: atomic::write_file(
                &folder.file(REGION_EFFECTS),
                &effects_csv(&r.base, &r.names, &r.effects)?,
            )?,
        }),
        // an earlier comparison's region effects would not match these
        None => {
            let _ = std::fs::remove_file(folder.file(REGION_EFFECTS));
        }
    }
    let manifest = CompareManifest {
        command: "compare",
        nqpsim_version: env!("CARGO_PKG_VERSION"),
        model_version: crate::MODEL_VERSION,
        base: base_name,
        policy: policy_name,
        base_source: base_source.describe(),
        policy_source: policy_source.describe(),
        paired: pairing.paired,
        replicates: base.replicates.clone(),
        seeds: base.seeds.clone(),
        steps: base.steps,
        level: args.level,
        discount_rate: args.discount_rate,
        bootstrap: args.bootstrap,
        overrides,
        step0_differs: step0_text,
        failed_runs,
        replicates_left_out,
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest).expect("the manifest serialises");
    atomic::write_file(&folder.file(MANIFEST), &json)?;
    if !args.run.quiet {
        super::print(&headline(
            (&base, &describe_side(&base_source, &base.scenario)?),
            &describe_side(&policy_source, &policy.scenario)?,
            &pairing,
            (&effects, &names),
            regions.as_ref(),
            &fiscal,
            &args,
            folder.path(),
        )?)?;
    }
    Ok(EXIT_OK)
}

/// `--points`: the runs of the two points that failed in the sweep have no rows, so the
/// replicates that completed at one point but not at the other are left out of both sides,
/// keeping the rest paired (replicate r of every point shares its seed). Returns the failed
/// runs of the two points and the replicates left out, said on stderr.
fn leave_out_failed(
    base: &mut Outcomes,
    policy: &mut Outcomes,
    args: &CompareArgs,
) -> Result<(usize, Vec<u32>), Error> {
    let Some(points) = &args.points else {
        return Ok((0, Vec::new()));
    };
    let Some(failed) = crate::sweep::run::FailedRuns::of(&args.base) else {
        return Ok((0, Vec::new()));
    };
    let named: Vec<usize> = points
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    let failed_runs = failed
        .list
        .iter()
        .filter(|(p, _, _)| named.contains(p))
        .count();
    let common: Vec<u32> = base
        .replicates
        .iter()
        .copied()
        .filter(|r| policy.replicates.contains(r))
        .collect();
    let mut left_out: Vec<u32> = base
        .replicates
        .iter()
        .chain(&policy.replicates)
        .copied()
        .filter(|r| !common.contains(r))
        .collect();
    left_out.sort_unstable();
    left_out.dedup();
    if common.is_empty() {
        return Err(bad(
            &format!("--points {points}"),
            format!(
                "no replicate completed at both points in the sweep {} (the others failed, \
                  listed in its failures.csv), so there is no pair to compare",
                args.base.display()
            ),
        ));
    }
    if failed_runs > 0 {
        eprintln!(
            "warning: {failed_runs} run{} of points {points} failed in the sweep and {} left \
              out{}",
            if failed_runs == 1 { "" } else { "s" },
            if failed_runs == 1 { "is" } else { "are" },
            if left_out.is_empty() {
                String::new()
            } else {
                format!(
                    "; replicate{} {} left out of both sides, so that the {} others stay paired",
                    if left_out.len() == 1 { "" } else { "s" },
                    left_out
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    common.len()
                )
            }
        );
    }
    if !left_out.is_empty() {
        base.keep_replicates(&common);
        policy.keep_replicates(&common);
    }
    Ok((failed_runs, left_out))
}

/// The resolved scenario a finished run's folder records in its manifest (`None` for a
/// scenario to run, or a sweep's point).
fn finished_scenario(source: &Source) -> Result<Option<Scenario>, Error> {
    let Source::Run(dir) = source else {
        return Ok(None);
    };
    let path = dir.join(MANIFEST);
    let unreadable = |reason: String| Error::Results {
        path: path.clone(),
        reason,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| unreadable(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| unreadable(format!("not a manifest: {e}")))?;
    let raw: crate::scenario::raw::RawScenario = value
        .get("scenario")
        .cloned()
        .ok_or_else(|| unreadable("records no scenario".into()))
        .and_then(|v| {
            serde_json::from_value(v).map_err(|e| unreadable(format!("its scenario: {e}")))
        })?;
    let name = raw.name.clone().unwrap_or_default();
    let toml = toml::to_string(&raw).map_err(|e| unreadable(format!("its scenario: {e}")))?;
    crate::scenario::load_str(&name, &toml, dir, &[])
        .map(Some)
        .map_err(|e| unreadable(format!("its scenario does not load: {e}")))
}

/// The run settings that make two runs different economies, as `setting a vs b` texts (seeds
/// and replicates only unpair them).
fn economy_differences(a: &RunSettings, b: &RunSettings) -> Vec<String> {
    let mut out = Vec::new();
    if a.firms != b.firms {
        out.push(format!("run.firms {} vs {}", a.firms, b.firms));
    }
    if a.steps != b.steps {
        out.push(format!("run.steps {} vs {}", a.steps, b.steps));
    }
    if a.start_year != b.start_year {
        out.push(format!(
            "run.start_year {} vs {}",
            a.start_year, b.start_year
        ));
    }
    out
}

/// The `--set` overrides that set the run settings to `run`.
fn run_overrides(run: &RunSettings) -> Vec<String> {
    vec![
        format!("run.steps={}", run.steps),
        format!("run.firms={}", run.firms),
        format!("run.replicates={}", run.replicates),
        format!("run.seed={}", run.seed),
        format!("run.start_year={}", run.start_year),
    ]
}

/// One side of a comparison.
struct Side {
    /// The sector rows' outcomes (`trajectories.csv`).
    sectors: Outcomes,
    /// The region rows' outcomes, where the side has model 2's regions (`regions.csv`).
    regions: Option<Outcomes>,
    /// The scenario that ran, for a scenario side.
    scenario: Option<Scenario>,
}

/// The region outcomes of the `regions.csv` in `dir` (of `point` of a sweep), if there is one.
fn regions_in(dir: &Path, point: Option<u32>) -> Result<Option<Outcomes>, Error> {
    let path = dir.join(crate::output::REGIONS);
    if !path.is_file() {
        return Ok(None);
    }
    Ok(Some(Outcomes::regions_from_table(
        &Table::read(&path)?,
        point,
    )?))
}

/// Reads or runs one side; `None` if interrupted. A scenario runs with the settings of
/// `inherit` (the other side's, named), and a flag or `--set` of the command line that asks
/// for other settings is refused, naming both.
fn obtain(
    source: &Source,
    overrides: &[String],
    inherit: Option<&(RunSettings, String)>,
    args: &CompareArgs,
) -> Result<Option<Side>, Error> {
    match source {
        Source::Run(dir) => {
            let table = Table::read(&dir.join("trajectories.csv"))?;
            Ok(Some(Side {
                sectors: Outcomes::from_table(&table, None)?,
                regions: regions_in(dir, None)?,
                scenario: None,
            }))
        }
        Source::Point(dir, point) => {
            let path = dir.join("trajectories.csv");
            if !path.is_file() {
                return Err(Error::Results {
                    path,
                    reason: "missing: the sweep ran with --summary-only, so its replicates \
                             cannot be paired; run it again without --summary-only, or \
                             compare the two points' scenarios"
                        .into(),
                });
            }
            let table = Table::read(&path)?;
            Ok(Some(Side {
                sectors: Outcomes::from_table(&table, Some(*point))?,
                regions: regions_in(dir, Some(*point))?,
                scenario: None,
            }))
        }
        Source::Scenario(path) => {
            let mut overrides = overrides.to_vec();
            if let Some((run, from)) = inherit {
                let (own, _) = load_scenario(path.as_deref(), &overrides)?;
                let asked: Vec<Override> = overrides
                    .iter()
                    .filter_map(|o| Override::parse(o).ok())
                    .collect();
                let fields = [
                    ("steps", own.run.steps != run.steps, run.steps.to_string()),
                    ("firms", own.run.firms != run.firms, run.firms.to_string()),
                    (
                        "replicates",
                        own.run.replicates != run.replicates,
                        run.replicates.to_string(),
                    ),
                    ("seed", own.run.seed != run.seed, run.seed.to_string()),
                    (
                        "start_year",
                        own.run.start_year != run.start_year,
                        run.start_year.to_string(),
                    ),
                ];
                for (field, differs, theirs) in fields {
                    let path = format!("run.{field}");
                    if let Some(o) = asked.iter().rev().find(|o| o.path == path)
                        && differs
                    {
                        return Err(bad(
                            &o.arg,
                            format!(
                                "{from} ran with {path} = {theirs}; both sides of a comparison \
                                 run with the same settings (common random numbers, the same \
                                 economy): leave this out, or rerun {from} with it"
                            ),
                        ));
                    }
                }
                // common random numbers and the same economy: the other side's settings
                overrides.extend(run_overrides(run));
            }
            let (scenario, _) = load_scenario(path.as_deref(), &overrides)?;
            let show = !args.run.quiet && std::io::stderr().is_terminal();
            let observer = super::progress::ProgressBarObserver::new(&scenario, show);
            let options = RunOptions {
                threads: args.run.threads,
                cancel: Some(interrupt::flag()),
                ..RunOptions::default()
            };
            let output = sim::run(&scenario, &options, &observer)?;
            observer.finish();
            if output.summary.interrupted {
                eprintln!(
                    "interrupted while running `{}`: nothing was written",
                    scenario.name
                );
                return Ok(None);
            }
            let sectors = Outcomes::from_rows(&scenario, &output.rows)
                .map_err(|reason| bad("SCENARIO", reason))?;
            let regions = if scenario.features.regions {
                let regions =
                    Outcomes::regions_from_rows(&scenario, &output.regions, &sectors.seeds)
                        .map_err(|reason| bad("SCENARIO", reason))?;
                Some(regions)
            } else {
                None
            };
            Ok(Some(Side {
                sectors,
                regions,
                scenario: Some(scenario),
            }))
        }
    }
}

/// Why the two sides differ at step 0, for the warning: the causes found, or for a sweep's
/// points the axes that differ between them.
fn step0_reason(
    causes: Option<&Step0Causes>,
    base: &Source,
    policy: &Source,
) -> Result<String, Error> {
    let shown = |list: &[String]| {
        let mut text = list.iter().take(4).cloned().collect::<Vec<_>>().join(", ");
        if list.len() > 4 {
            text.push_str(&format!(" and {} more", list.len() - 4));
        }
        text
    };
    let Some(causes) = causes else {
        if let (Source::Point(dir, i), Source::Point(_, j)) = (base, policy) {
            return Ok(format!(
                "point {i} ({}) and point {j} ({}) start from different states: an axis over a \
                 parameter, or over a lever from step 0, applies from step 0",
                point_values(dir, *i)?,
                point_values(dir, *j)?
            ));
        }
        return Ok("the two start from different initial states".into());
    };
    let mut reasons = Vec::new();
    if !causes.run.is_empty() {
        reasons.push(format!(
            "they ran with different run settings ({}), so they are different economies or \
             draws",
            shown(&causes.run)
        ));
    }
    if !causes.levers.is_empty() {
        reasons.push(format!(
            "a lever in force at step 0 differs ({}), which moves the calibrated initial state \
             (docs/model.md section 4): set levers from step 1 (a [[policy.schedule]] entry with \
             from_step = 1) to compare from the same start",
            shown(&causes.levers)
        ));
    }
    if !causes.parameters.is_empty() {
        reasons.push(format!(
            "their parameters differ ({}), and parameters apply from step 0",
            shown(&causes.parameters)
        ));
    }
    if reasons.is_empty() {
        reasons.push("the two start from different initial states".into());
    }
    Ok(reasons.join("; "))
}

/// A sweep point's axis values, `axis = value, ...`, from `points.csv`.
fn point_values(dir: &Path, point: u32) -> Result<String, Error> {
    const DESIGN_COLUMNS: [&str; 7] = [
        "point",
        "sample",
        "block",
        "varied",
        "trajectory",
        "position",
        "changed",
    ];
    let table = Table::read(&dir.join(crate::sweep::run::POINTS))?;
    let c = table.column("point")?;
    let Some(row) = (0..table.len()).find(|&r| table.text(r, c) == point.to_string()) else {
        return Ok(String::new());
    };
    Ok(table
        .columns()
        .iter()
        .enumerate()
        .filter(|(_, name)| !DESIGN_COLUMNS.contains(&name.as_str()))
        .map(|(k, name)| format!("{name} = {}", table.text(row, k)))
        .collect::<Vec<_>>()
        .join(", "))
}

/// How the headline names one side: the scenario, or a sweep's point with its axis values.
fn describe_side(source: &Source, scenario: &str) -> Result<String, Error> {
    Ok(match source {
        Source::Point(dir, i) => format!("{scenario} point {i} ({})", point_values(dir, *i)?),
        _ => scenario.to_string(),
    })
}

/// The effects on one kind of row (regions), on each (step, row, metric): what its CSV of
/// effects holds.
struct Effects {
    /// The base's outcomes: their kind and the rows' names.
    base: Outcomes,
    /// The metrics compared ([`compare::compared_metrics`]).
    names: Vec<&'static str>,
    /// In (step, row, metric) order.
    effects: Vec<EffectRow>,
}

/// The effects on each region, where both sides have model 2's regions, over the replicates
/// the sectors' comparison kept (`--points` leaves out those whose run failed at a point).
/// Says on stderr why not where only one side has regions, or the two have different regions.
fn compare_regions(
    (base, policy): (Option<Outcomes>, Option<Outcomes>),
    (base_sectors, policy_sectors): (&Outcomes, &Outcomes),
    level: f64,
) -> Option<Effects> {
    match (base, policy) {
        (Some(mut base), Some(mut policy)) => {
            base.keep_replicates(&base_sectors.replicates);
            policy.keep_replicates(&policy_sectors.replicates);
            match compare::pair(&base, &policy) {
                Ok(pairing) => Some(Effects {
                    effects: compare::effects(&base, &policy, &pairing, level),
                    names: compare::compared_metrics(&base, &policy),
                    base,
                }),
                Err(reason) => {
                    eprintln!("warning: {REGION_EFFECTS} is not written: {reason}");
                    None
                }
            }
        }
        (base, policy) if base.is_some() || policy.is_some() => {
            eprintln!(
                "warning: only the {} has model 2's regions, so regions are not compared \
                 ({REGION_EFFECTS} is not written)",
                if base.is_some() { "base" } else { "policy" }
            );
            None
        }
        _ => None,
    }
}

/// The CSV of `rows`, effects on the rows of `base` (`effects.csv` for sectors,
/// `region_effects.csv` for regions, which have no tier).
fn effects_csv(base: &Outcomes, names: &[&str], rows: &[EffectRow]) -> Result<Vec<u8>, Error> {
    let file = match base.kind {
        RowKind::Sectors => EFFECTS,
        RowKind::Regions => REGION_EFFECTS,
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::Results {
        path: file.into(),
        reason: e.to_string(),
    };
    w.write_record(EffectRow::columns(base.kind)).map_err(io)?;
    for r in rows {
        let (name, tier) = &base.rows[r.row];
        let mut record = vec![r.step.to_string(), r.year.to_string(), name.clone()];
        if base.kind == RowKind::Sectors {
            record.push(tier.clone());
        }
        record.extend([names[r.metric].to_string(), r.difference.n.to_string()]);
        let d = &r.difference;
        for x in [
            d.base_mean,
            d.policy_mean,
            d.effect,
            d.se,
            d.lo,
            d.hi,
            r.relative,
            d.variance_reduction,
        ] {
            record.push(crate::output::csv::optional(x));
        }
        w.write_record(&record).map_err(io)?;
    }
    w.into_inner().map_err(|e| Error::Results {
        path: file.into(),
        reason: e.to_string(),
    })
}

fn fiscal_csv(rows: &[FiscalRow]) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::Results {
        path: FISCAL.into(),
        reason: e.to_string(),
    };
    w.write_record(FiscalRow::COLUMNS).map_err(io)?;
    for r in rows {
        let mut record = vec![
            r.quantity.to_string(),
            r.lever.to_string(),
            r.unit.to_string(),
            r.n.to_string(),
        ];
        for x in [r.base, r.policy, r.estimate, r.se, r.lo, r.hi] {
            record.push(crate::output::csv::optional(x));
        }
        record.push(r.interval.to_string());
        w.write_record(&record).map_err(io)?;
    }
    w.into_inner().map_err(|e| Error::Results {
        path: FISCAL.into(),
        reason: e.to_string(),
    })
}

/// The headline effects at the final step (of the regions too, where they were compared),
/// and the fiscal figures.
#[allow(clippy::too_many_arguments)]
fn headline(
    (base, base_name): (&Outcomes, &str),
    policy_name: &str,
    pairing: &Pairing,
    (effects, names): (&[EffectRow], &[&str]),
    regions: Option<&Effects>,
    fiscal: &[FiscalRow],
    args: &CompareArgs,
    dir: &Path,
) -> Result<String, std::fmt::Error> {
    let mut out = String::new();
    let last = base.steps;
    writeln!(
        out,
        "{policy_name} vs {base_name}: {} {} replicates, step {last} ({}); effect = policy - base, {:.0} % interval",
        base.replicates.len(),
        if pairing.paired { "paired" } else { "unpaired" },
        base.start_year + last as i32,
        100.0 * args.level
    )?;
    let all = base.all_row();
    let mut lines: Vec<(usize, &str)> = [
        "tfp_index",
        "tfp_growth",
        "digital_mean",
        "green_mean",
        "emissions",
        "employment",
        "subsidy_total",
    ]
    .iter()
    .map(|m| (all, *m))
    .collect();
    if base.rows.len() <= 9 {
        for row in 0..all {
            lines.push((row, "output_share"));
            lines.push((row, "tfp_growth"));
        }
    }
    // Model 2's headline: utilisation, the platform, employment by skill, autonomy and the
    // availability of key inputs, where a feature filled them.
    if names.len() > metric_names().len() {
        for metric in [
            "capacity_utilisation",
            "contributions",
            "platform_lift",
            "employment_low",
            "employment_high",
            "talent_shortage",
            "autonomy",
            "supply_availability",
        ] {
            lines.push((all, metric));
        }
        if base.rows.len() <= 9 {
            for row in 0..all {
                lines.push((row, "capacity_utilisation"));
            }
        }
    }
    // Each region's share of output and TFP growth (and its employment where `labour` filled
    // it), with up to nine regions.
    let shown_regions = regions.filter(|r| r.base.rows.len() <= 9);
    let region_lines: Vec<(usize, &str)> = shown_regions.map_or(Vec::new(), |r| {
        (0..r.base.rows.len())
            .flat_map(|row| {
                [
                    "output_share",
                    "tfp_growth",
                    "employment_low",
                    "employment_high",
                ]
                .map(|m| (row, m))
            })
            .collect()
    });
    // The name column as wide as its longest name (`electronic_info`), at least 12, the
    // same in both tables.
    const NAME_WIDTH: usize = 12;
    let width = lines
        .iter()
        .map(|(row, _)| base.rows[*row].0.len())
        .chain(
            shown_regions
                .iter()
                .flat_map(|r| r.base.rows.iter().map(|(n, _)| n.len())),
        )
        .fold(NAME_WIDTH, usize::max);
    effect_table(
        &mut out,
        (base, width),
        (effects, names),
        &lines,
        metric_names().len(),
    )?;
    if let Some(r) = shown_regions {
        let labour = r.names.iter().position(|m| *m == "employment_low");
        effect_table(
            &mut out,
            (&r.base, width),
            (&r.effects, &r.names),
            &region_lines,
            labour.expect("a region's metric"),
        )?;
    }
    writeln!(
        out,
        "  (tfp_growth: mean annual growth since step 0, %/yr; pairing: variance of an \
         unpaired difference / variance of the paired one)"
    )?;
    writeln!(
        out,
        "fiscal, present values at step 0 (discount rate {}), in output units (step-0 output = 1):",
        args.discount_rate
    )?;
    for r in fiscal {
        // levers the comparison did not move
        if r.quantity == "spending" && r.lever != "total" && r.estimate.is_none_or(|e| e == 0.0) {
            continue;
        }
        let label = if r.lever.is_empty() {
            r.quantity.to_string()
        } else {
            format!("{} {}", r.quantity, r.lever)
        };
        let interval = match (r.lo, r.hi) {
            (Some(lo), Some(hi)) => format!("[{lo:+.4}, {hi:+.4}]"),
            _ => r.interval.to_string(),
        };
        writeln!(
            out,
            "  {:<28} {:>11} {}",
            label,
            r.estimate.map_or("NA".into(), |v| format!("{v:+.4}")),
            interval
        )?;
    }
    let mut written = vec![dir.join(EFFECTS), dir.join(FISCAL)];
    if regions.is_some() {
        written.push(dir.join(REGION_EFFECTS));
    }
    let written: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    let (and, first) = written.split_last().expect("two files at least");
    writeln!(out, "-> {} and {and}", first.join(", "))?;
    Ok(out)
}

/// A table of the effects at the last step on the (row, metric) `lines` of `outcomes`, its
/// names `width` wide: base, policy, effect, interval, relative effect and pairing. A metric
/// from `first_optional` on (in `names`) that no replicate has, a column that no feature of
/// this economy fills, is left out.
fn effect_table(
    out: &mut String,
    (outcomes, width): (&Outcomes, usize),
    (effects, names): (&[EffectRow], &[&str]),
    lines: &[(usize, &str)],
    first_optional: usize,
) -> Result<(), std::fmt::Error> {
    writeln!(
        out,
        "  {:<width$} {:<22} {:>10} {:>10} {:>11} {:>25} {:>8} {:>8}",
        outcomes.kind.column(),
        "metric",
        "base",
        "policy",
        "effect",
        "interval",
        "rel.",
        "pairing"
    )?;
    let per_step = outcomes.rows.len() * names.len();
    let at_last = &effects[outcomes.steps as usize * per_step..];
    for &(row, metric) in lines {
        let m = names.iter().position(|n| *n == metric).expect("a metric");
        let Some(found) = at_last.iter().find(|e| e.row == row && e.metric == m) else {
            continue;
        };
        if found.difference.n == 0 && m >= first_optional {
            continue;
        }
        let e = &found.difference;
        let f = |x: Option<f64>| x.map_or("NA".to_string(), |v| format!("{v:.4}"));
        let signed = |x: Option<f64>| x.map_or("NA".to_string(), |v| format!("{v:+.4}"));
        writeln!(
            out,
            "  {:<width$} {:<22} {:>10} {:>10} {:>11} {:>25} {:>8} {:>8}",
            outcomes.rows[row].0,
            metric,
            f(e.base_mean),
            f(e.policy_mean),
            signed(e.effect),
            format!("[{}, {}]", signed(e.lo), signed(e.hi)),
            found
                .relative
                .map_or("NA".into(), |r| format!("{:+.1}%", 100.0 * r)),
            e.variance_reduction
                .map_or("-".into(), |v| format!("{v:.1}x")),
        )?;
    }
    Ok(())
}
