//! Global sensitivity of a finished sweep: how much an outcome of the sweep's points (a metric
//! of one sector at one step, averaged over replicates) owes to each of its axes.
//!
//! The sweep's design decides the estimator ([`super::sensitivity`]):
//!
//! | design | method | measures |
//! |---|---|---|
//! | `sobol` with `saltelli = true` | [`Method::Sobol`] | first-order and total Sobol' indices |
//! | `morris` | [`Method::Morris`] | mu, mu*, sigma of the elementary effects |
//! | `lhs`, `grid`, plain `sobol` | [`Method::Src`] | standardised regression coefficients, R^2 |
//!
//! A `zip` design moves its axes together, so their effects cannot be told apart, and is
//! refused. [`Sweep::open`] reads a sweep's folder (`manifest.json`, `points.csv`) and checks
//! that it is finished and that no point is missing; [`Sweep::analyse`] reads the outcomes
//! from `summary.csv` and estimates; [`Analysis::csv`] is the tidy table that
//! `nqpsim sensitivity` writes. Nothing here writes files.
//!
//! ```no_run
//! use nqpsim::analysis::sweep_sensitivity::{Options, Outcome, Sweep};
//!
//! let sweep = Sweep::open("output/sobol-levers".as_ref())?;
//! let outcome: Outcome = "tfp_index:all:last".parse().expect("METRIC:SECTOR:STEP");
//! let options = Options { bootstrap: 1000, level: 0.95, seed: sweep.seed() };
//! for analysis in sweep.analyse(&[outcome], &options)? {
//!     print!("{}", analysis.csv());
//! }
//! # Ok::<(), nqpsim::error::Error>(())
//! ```

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::runs;
use super::sensitivity::{self, Interval, MorrisEffect, Regression, SobolIndices};
use crate::error::Error;
use crate::output::table::Table;
use crate::sweep::design::{self, MorrisPoint, SaltelliBlock};
use crate::sweep::manifest::SweepManifest;
use crate::sweep::plan::{self, DesignKind};
use crate::sweep::run::{FailedRuns, JOURNAL, MANIFEST, POINTS, REGIONS, SUMMARY};

/// The columns of the CSV an analysis writes ([`Analysis::csv`]).
pub const CSV_COLUMNS: [&str; 7] = [
    "outcome", "method", "factor", "measure", "estimate", "lo", "hi",
];

pub use super::outcome::{Outcome, StepChoice};

/// How the intervals are computed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Bootstrap resamples (0: no intervals).
    pub bootstrap: usize,
    /// The share of the bootstrap replicates an interval holds, in (0, 1).
    pub level: f64,
    /// The bootstrap's seed.
    pub seed: u64,
}

/// The estimator a design allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// First-order and total Sobol' indices (a Saltelli design).
    Sobol,
    /// Standardised regression coefficients (Latin hypercube, grid, plain Sobol').
    Src,
    /// Morris elementary effects (a Morris design).
    Morris,
}

impl Method {
    /// Its name in the CSV: `sobol`, `src` or `morris`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Sobol => "sobol",
            Method::Src => "src",
            Method::Morris => "morris",
        }
    }
}

/// An axis left out of a regression, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    /// The axis.
    pub factor: String,
    /// Why, e.g. "its values are not numbers (`selective`)".
    pub reason: String,
}

/// What the design says about each point.
#[derive(Clone, Debug)]
enum Layout {
    /// The base sample and block of each point (by point index).
    Saltelli(Vec<(usize, SaltelliBlock)>),
    /// The Morris design regenerated from the plan: point p is `points[p]`.
    Morris(Vec<MorrisPoint>),
    /// The values of the regressed axes, a row per point; `used[i]` is the axis of column i.
    Regression {
        x: Vec<Vec<f64>>,
        used: Vec<usize>,
        skipped: Vec<Skipped>,
    },
}

/// A finished sweep, checked: every point of its design is in `points.csv`.
#[derive(Debug)]
pub struct Sweep {
    folder: PathBuf,
    manifest: SweepManifest,
    factors: Vec<String>,
    layout: Layout,
}

/// The estimates of one method.
#[derive(Clone, Debug, PartialEq)]
pub enum Estimates {
    /// Sobol' indices, by factor.
    Sobol(SobolIndices),
    /// Standardised regression coefficients, by regressed factor.
    Src(Regression),
    /// Morris effects, by factor.
    Morris(Vec<MorrisEffect>),
}

impl Estimates {
    /// The method that gave them.
    pub fn method(&self) -> Method {
        match self {
            Estimates::Sobol(_) => Method::Sobol,
            Estimates::Src(_) => Method::Src,
            Estimates::Morris(_) => Method::Morris,
        }
    }
}

/// The sensitivity of one outcome to the sweep's axes.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// The metric.
    pub metric: String,
    /// The sector, or `all`.
    pub sector: String,
    /// The step (`last` resolved).
    pub step: u32,
    /// The factors estimated, in axis order (a regression leaves out the [`Self::skipped`]).
    pub factors: Vec<String>,
    /// Axes left out, and why.
    pub skipped: Vec<Skipped>,
    /// The estimates, by factor in the order of [`Self::factors`].
    pub estimates: Estimates,
    /// The outcome at each point (the mean over its replicates), by point index.
    pub y: Vec<f64>,
    /// Replicates per point.
    pub replicates: u32,
}

/// One row of an analysis' CSV.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexRow {
    /// The axis; empty for a measure of the whole fit (`r_squared`).
    pub factor: String,
    /// `first`, `total`, `src`, `r_squared`, `mu`, `mu_star` or `sigma`.
    pub measure: &'static str,
    /// The estimate (NaN: none, e.g. the mu of a factor no trajectory changed).
    pub estimate: f64,
    /// Lower end of the interval (NaN: none).
    pub lo: f64,
    /// Upper end of the interval (NaN: none).
    pub hi: f64,
}

impl IndexRow {
    fn new(factor: &str, measure: &'static str, interval: Interval) -> Self {
        IndexRow {
            factor: factor.to_string(),
            measure,
            estimate: interval.estimate,
            lo: interval.lo,
            hi: interval.hi,
        }
    }

    fn point(factor: &str, measure: &'static str, estimate: f64) -> Self {
        IndexRow::new(
            factor,
            measure,
            Interval {
                estimate,
                lo: f64::NAN,
                hi: f64::NAN,
            },
        )
    }
}

impl Analysis {
    /// `METRIC:SECTOR:STEP` with the step as a number.
    pub fn outcome(&self) -> String {
        format!("{}:{}:{}", self.metric, self.sector, self.step)
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.estimates.method()
    }

    /// The file name of its CSV: `<metric>-<sector>-<step>.csv`.
    pub fn file_name(&self) -> String {
        format!("{}-{}-{}.csv", self.metric, self.sector, self.step)
    }

    /// The rows of its CSV, factors in axis order: `first` and `total` per factor (Sobol');
    /// `src` per factor, then `r_squared` with no factor (regression); `mu`, `mu_star` and
    /// `sigma` per factor, without intervals (Morris).
    pub fn rows(&self) -> Vec<IndexRow> {
        let mut rows = Vec::new();
        match &self.estimates {
            Estimates::Sobol(s) => {
                for (i, factor) in self.factors.iter().enumerate() {
                    rows.push(IndexRow::new(factor, "first", s.first[i]));
                    rows.push(IndexRow::new(factor, "total", s.total[i]));
                }
            }
            Estimates::Src(fit) => {
                for (factor, &src) in self.factors.iter().zip(&fit.src) {
                    rows.push(IndexRow::new(factor, "src", src));
                }
                rows.push(IndexRow::point("", "r_squared", fit.r_squared));
            }
            Estimates::Morris(effects) => {
                for (factor, e) in self.factors.iter().zip(effects) {
                    rows.push(IndexRow::point(factor, "mu", e.mu));
                    rows.push(IndexRow::point(factor, "mu_star", e.mu_star));
                    rows.push(IndexRow::point(factor, "sigma", e.sigma));
                }
            }
        }
        rows
    }

    /// The CSV: [`CSV_COLUMNS`], then [`Self::rows`]; numbers in the shortest form that reads
    /// back to the same double, no interval (or no estimate) as an empty field.
    pub fn csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let outcome = self.outcome();
        let method = self.method().name();
        let number = crate::output::csv::real;
        writer
            .write_record(CSV_COLUMNS)
            .expect("writing to memory succeeds");
        for row in self.rows() {
            writer
                .write_record([
                    outcome.clone(),
                    method.to_string(),
                    row.factor,
                    row.measure.to_string(),
                    number(row.estimate),
                    number(row.lo),
                    number(row.hi),
                ])
                .expect("writing to memory succeeds");
        }
        let bytes = writer.into_inner().expect("writing to memory succeeds");
        String::from_utf8(bytes).expect("the fields are UTF-8")
    }
}

impl Sweep {
    /// Opens the folder of a finished sweep (or of a merge of its shards): reads its
    /// manifest and `points.csv`, and checks that every point of the design is there, once.
    ///
    /// Errors ([`Error::Results`], naming the file): no folder; a journal (an unfinished
    /// sweep); no or a foreign manifest; one shard of a sweep; a `zip` design; a point
    /// missing, repeated or not of the plan's design (a Saltelli point is named by its base
    /// sample and block, a Morris point by its trajectory and position).
    pub fn open(folder: &Path) -> Result<Sweep, Error> {
        let results = |file: &str, reason: String| Error::Results {
            path: folder.join(file),
            reason,
        };
        if !folder.is_dir() {
            return Err(Error::Results {
                path: folder.to_path_buf(),
                reason: "no such folder (give the folder of a sweep, OUT/<plan name>/)".into(),
            });
        }
        if folder.join(JOURNAL).exists() {
            return Err(results(
                JOURNAL,
                "a sweep in this folder is unfinished: its results are not all there. \
                 Finish it with `nqpsim sweep PLAN --resume` first"
                    .into(),
            ));
        }
        let manifest_path = folder.join(MANIFEST);
        if !manifest_path.is_file() {
            return Err(results(
                MANIFEST,
                "missing: this is not the folder of a finished sweep (`nqpsim sweep PLAN` \
                 writes points.csv, summary.csv and manifest.json into OUT/<plan name>/ once \
                 every run is done)"
                    .into(),
            ));
        }
        let bytes = std::fs::read(&manifest_path).map_err(|e| results(MANIFEST, e.to_string()))?;
        let command = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v["command"].as_str().map(String::from));
        if let Some(other) = command.filter(|c| c != "sweep" && c != "merge") {
            return Err(results(
                MANIFEST,
                format!(
                    "written by `nqpsim {other}`, not by a sweep: give the folder of a sweep \
                     (`nqpsim sweep PLAN` writes OUT/<plan name>/)"
                ),
            ));
        }
        let manifest: SweepManifest = serde_json::from_slice(&bytes)
            .map_err(|e| results(MANIFEST, format!("not the manifest of a sweep: {e}")))?;
        if let Some(shard) = &manifest.shard {
            return Err(results(
                MANIFEST,
                format!(
                    "this is shard {} of {} of a sweep, with points {}..{} only: merge the \
                     shards (`nqpsim merge`) and analyse the merged folder",
                    shard.k, shard.n, shard.first_point, shard.end_point
                ),
            ));
        }
        let factors: Vec<String> = manifest
            .plan
            .axis
            .iter()
            .flatten()
            .map(|a| {
                a.name
                    .clone()
                    .or_else(|| a.path.clone())
                    .unwrap_or_default()
            })
            .collect();
        let points = Table::read(&folder.join(POINTS))?;
        let index = point_indices(&points, manifest.points)?;
        let design = manifest.plan.design.unwrap_or_default();
        let layout = match design {
            DesignKind::Sobol if manifest.plan.saltelli.unwrap_or(false) => {
                saltelli_layout(&points, &index, &manifest, &factors)?
            }
            DesignKind::Morris => morris_layout(&points, &index, &manifest, &factors)?,
            DesignKind::Zip => {
                return Err(results(
                    MANIFEST,
                    "the sweep's design is `zip`: its axes move together, so their effects \
                     cannot be told apart. Sensitivity needs axes that vary independently \
                     (a grid, lhs, sobol or morris design)"
                        .into(),
                ));
            }
            DesignKind::Grid | DesignKind::Lhs | DesignKind::Sobol | DesignKind::Table => {
                check_complete(&points, &index)?;
                regression_layout(&points, &index, &factors)?
            }
        };
        // The Saltelli and Morris checks name what is missing by its place in the design;
        // this catches a manifest that records more points than the design has.
        check_complete(&points, &index)?;
        Ok(Sweep {
            folder: folder.to_path_buf(),
            manifest,
            factors,
            layout,
        })
    }

    /// The sweep's folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The seed of the sweep's points.
    pub fn seed(&self) -> u64 {
        self.manifest.seed
    }

    /// The sweep's manifest.
    pub fn manifest(&self) -> &SweepManifest {
        &self.manifest
    }

    /// The axes, in plan order.
    pub fn factors(&self) -> &[String] {
        &self.factors
    }

    /// The method the design allows.
    pub fn method(&self) -> Method {
        match self.layout {
            Layout::Saltelli(_) => Method::Sobol,
            Layout::Morris(_) => Method::Morris,
            Layout::Regression { .. } => Method::Src,
        }
    }

    /// Axes a regression leaves out (not numbers, or a single value), and why.
    pub fn skipped(&self) -> &[Skipped] {
        match &self.layout {
            Layout::Regression { skipped, .. } => skipped,
            _ => &[],
        }
    }

    /// The sensitivity of each outcome to the axes; `summary.csv` is read once. An outcome
    /// that names one of model 2's regions instead of a sector (`output_share:northeast:last`)
    /// is read from the sweep's `regions.csv`: its value at a point is the mean over the
    /// point's replicates, as the summary's `mean` is for a sector.
    ///
    /// Errors ([`Error::BadArgument`] naming `--outcome`): a metric or sector the summary
    /// does not have (the message lists those it has), a step beyond the last, an outcome
    /// that is NA at some point, or the same at every point; ([`Error::Results`]) a point
    /// the summary lacks, or an estimator's refusal.
    pub fn analyse(&self, outcomes: &[Outcome], options: &Options) -> Result<Vec<Analysis>, Error> {
        let names = runs::RowNames::of(&self.folder)?;
        for outcome in outcomes {
            names.check(outcome, &format!("--outcome {outcome}"))?;
        }
        let wanted: HashSet<&str> = outcomes.iter().map(|o| o.metric.as_str()).collect();
        let mut metrics: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let summary = Table::read_where(&self.folder.join(SUMMARY), "metric", |metric| {
            if !seen.contains(metric) {
                seen.insert(metric.to_string());
                metrics.push(metric.to_string());
            }
            wanted.contains(metric)
        })?;
        let rows = SummaryRows::read(&summary)?;
        outcomes
            .iter()
            .map(|outcome| {
                let (step, y) = if names.is_region(outcome) {
                    self.region_values(outcome)?
                } else {
                    self.outcome_values(&summary, &rows, &metrics, outcome)?
                };
                self.estimate(outcome, step, y, options)
            })
            .collect()
    }

    /// The resolved step and a region's outcome at each point: the mean over the point's
    /// replicates (those that completed, with a value) of its runs' values in `regions.csv`.
    fn region_values(&self, outcome: &Outcome) -> Result<(u32, Vec<f64>), Error> {
        let replicates = self.manifest.replicates;
        let failures = FailedRuns::of(&self.folder);
        let failed = |run: usize| {
            failures
                .as_ref()
                .is_some_and(|f| f.contains_run(run, replicates))
        };
        let read = runs::read(
            &self.folder.join(REGIONS),
            &[(outcome.clone(), format!("--outcome {outcome}"))],
            self.manifest.points,
            replicates,
            &failed,
        )?;
        let step = read.steps[0];
        let y = read.values[0]
            .chunks(replicates as usize)
            .enumerate()
            .map(|(point, runs)| {
                let completed: Vec<f64> = (0..runs.len())
                    .filter(|&r| !failed(point * replicates as usize + r))
                    .map(|r| runs[r])
                    .collect();
                let defined: Vec<f64> = completed
                    .iter()
                    .copied()
                    .filter(|v| v.is_finite())
                    .collect();
                match (completed.is_empty(), defined.is_empty()) {
                    (true, _) => None,
                    (false, true) => Some(None),
                    (false, false) => {
                        Some(Some(defined.iter().sum::<f64>() / defined.len() as f64))
                    }
                }
            })
            .collect();
        Ok((
            step,
            self.checked(outcome, step, y, &self.folder.join(REGIONS))?,
        ))
    }

    /// The resolved step and the outcome at each point.
    fn outcome_values(
        &self,
        summary: &Table,
        rows: &SummaryRows,
        metrics: &[String],
        outcome: &Outcome,
    ) -> Result<(u32, Vec<f64>), Error> {
        let bad = |message: String| Error::BadArgument {
            flag: format!("--outcome {outcome}"),
            message,
        };
        if !metrics.contains(&outcome.metric) {
            return Err(bad(format!(
                "{} has no metric `{}`; it has {}",
                summary.path().display(),
                outcome.metric,
                metrics.join(", ")
            )));
        }
        let of_metric: Vec<usize> = (0..rows.point.len())
            .filter(|&r| rows.metric[r] == outcome.metric)
            .collect();
        let mut sectors: Vec<&str> = Vec::new();
        for &r in &of_metric {
            if !sectors.contains(&rows.sector[r].as_str()) {
                sectors.push(&rows.sector[r]);
            }
        }
        if !sectors.contains(&outcome.sector.as_str()) {
            return Err(bad(format!(
                "{} has no sector `{}`; it has {}",
                summary.path().display(),
                outcome.sector,
                sectors.join(", ")
            )));
        }
        let selected: Vec<usize> = of_metric
            .into_iter()
            .filter(|&r| rows.sector[r] == outcome.sector)
            .collect();
        let last = selected
            .iter()
            .map(|&r| rows.step[r])
            .max()
            .expect("the sector has rows");
        let step = match outcome.step {
            StepChoice::Last => last,
            StepChoice::Number(step) if step <= last => step,
            StepChoice::Number(step) => {
                return Err(bad(format!(
                    "step {step} is beyond the sweep's last step, {last} (steps run from 0, \
                     the initial state; `last` names the last)"
                )));
            }
        };
        let mut y: Vec<Option<Option<f64>>> = vec![None; self.manifest.points];
        for &r in &selected {
            if rows.step[r] == step
                && let Some(slot) = y.get_mut(rows.point[r])
            {
                *slot = Some(rows.mean[r]);
            }
        }
        Ok((step, self.checked(outcome, step, y, summary.path())?))
    }

    /// The outcome at each point, `y` (`None`: no row; `Some(None)`: NA), from the file at
    /// `path`, checked: every point has a value, and not the same one.
    fn checked(
        &self,
        outcome: &Outcome,
        step: u32,
        y: Vec<Option<Option<f64>>>,
        path: &Path,
    ) -> Result<Vec<f64>, Error> {
        let bad = |message: String| Error::BadArgument {
            flag: format!("--outcome {outcome}"),
            message,
        };
        let mut values = Vec::with_capacity(y.len());
        for (point, value) in y.into_iter().enumerate() {
            match value {
                None if self.manifest.failed_runs > 0 => {
                    return Err(Error::Results {
                        path: path.to_path_buf(),
                        reason: format!(
                            "has no row for point {point}: {} runs of the sweep failed \
                             (listed in failures.csv), every replicate of this point among \
                             them, and the estimator needs every point of the design",
                            self.manifest.failed_runs
                        ),
                    });
                }
                None => {
                    return Err(Error::Results {
                        path: path.to_path_buf(),
                        reason: format!(
                            "has no row for point {point} at step {step}, sector `{}`, metric \
                             `{}`: the summary is incomplete (or the points differ in their \
                             number of steps; name a step every point reaches)",
                            outcome.sector, outcome.metric
                        ),
                    });
                }
                Some(None) => {
                    return Err(bad(format!(
                        "the outcome is NA at point {point} (at step {step}: e.g. no firm in \
                         the sector there), so the points cannot be compared; choose another \
                         metric, sector or step"
                    )));
                }
                Some(Some(v)) => values.push(v),
            }
        }
        if values.iter().all(|&v| v == values[0]) {
            return Err(bad(format!(
                "the outcome is {} at every point (step {step}), so there is no variation to \
                 attribute to the axes; choose another metric, sector or step",
                values[0]
            )));
        }
        Ok(values)
    }

    fn estimate(
        &self,
        outcome: &Outcome,
        step: u32,
        y: Vec<f64>,
        options: &Options,
    ) -> Result<Analysis, Error> {
        let refused = |message: String| Error::Results {
            path: self.folder.clone(),
            reason: format!("{}:{}:{step}: {message}", outcome.metric, outcome.sector),
        };
        let k = self.factors.len();
        let Options {
            bootstrap,
            level,
            seed,
        } = *options;
        let (factors, skipped, estimates) = match &self.layout {
            Layout::Saltelli(tags) => {
                let outputs = sensitivity::saltelli_outputs(tags, &y, k).map_err(refused)?;
                let indices = sensitivity::sobol(
                    &outputs.y_a,
                    &outputs.y_b,
                    &outputs.y_ab,
                    bootstrap,
                    level,
                    seed,
                )
                .map_err(refused)?;
                (self.factors.clone(), Vec::new(), Estimates::Sobol(indices))
            }
            Layout::Morris(points) => {
                let trajectories = sensitivity::morris_trajectories(points, &y).map_err(refused)?;
                let effects = sensitivity::morris(&trajectories, k).map_err(refused)?;
                (self.factors.clone(), Vec::new(), Estimates::Morris(effects))
            }
            Layout::Regression { x, used, skipped } => {
                let fit = sensitivity::standardised_regression(x, &y, bootstrap, level, seed)
                    .map_err(refused)?;
                let factors = used.iter().map(|&i| self.factors[i].clone()).collect();
                (factors, skipped.clone(), Estimates::Src(fit))
            }
        };
        Ok(Analysis {
            metric: outcome.metric.clone(),
            sector: outcome.sector.clone(),
            step,
            factors,
            skipped,
            estimates,
            y,
            replicates: self.manifest.replicates,
        })
    }
}

/// The columns of the kept rows of `summary.csv` an analysis needs, parsed once.
struct SummaryRows {
    point: Vec<usize>,
    step: Vec<u32>,
    sector: Vec<String>,
    metric: Vec<String>,
    /// `None`: NA.
    mean: Vec<Option<f64>>,
}

impl SummaryRows {
    fn read(summary: &Table) -> Result<SummaryRows, Error> {
        let [point, step, sector, metric, mean] =
            ["point", "step", "sector", "metric", "mean"].map(|c| summary.column(c));
        let (point, step, sector, metric, mean) = (point?, step?, sector?, metric?, mean?);
        let mut rows = SummaryRows {
            point: Vec::with_capacity(summary.len()),
            step: Vec::with_capacity(summary.len()),
            sector: Vec::with_capacity(summary.len()),
            metric: Vec::with_capacity(summary.len()),
            mean: Vec::with_capacity(summary.len()),
        };
        for r in 0..summary.len() {
            rows.point.push(whole(summary, r, point)?);
            rows.step.push(whole(summary, r, step)?);
            rows.sector.push(summary.text(r, sector).to_string());
            rows.metric.push(summary.text(r, metric).to_string());
            rows.mean.push(summary.number(r, mean)?);
        }
        Ok(rows)
    }
}

/// The whole number in row `row`, column `column` of `table`; error naming the line if it is
/// missing or not one.
fn whole<T: FromStr>(table: &Table, row: usize, column: usize) -> Result<T, Error> {
    let text = table.text(row, column);
    text.parse().map_err(|_| Error::Results {
        path: table.path().to_path_buf(),
        reason: format!(
            "line {}, column `{}`: `{text}` is not a whole number",
            row + 2,
            table.columns()[column]
        ),
    })
}

/// The row of `points.csv` of each point index `0..points`: error if a point is outside
/// the manifest's range or listed twice. Missing points stay `None`.
fn point_indices(table: &Table, points: usize) -> Result<Vec<Option<usize>>, Error> {
    let column = table.column("point")?;
    let mut index = vec![None; points];
    for row in 0..table.len() {
        let point: usize = whole(table, row, column)?;
        let bad = |what: String| Error::Results {
            path: table.path().to_path_buf(),
            reason: format!("line {}: {what}", row + 2),
        };
        match index.get_mut(point) {
            None => {
                return Err(bad(format!(
                    "point {point}, but the manifest records {points} points (0..{points})"
                )));
            }
            Some(Some(first)) => {
                return Err(bad(format!(
                    "point {point} again (first on line {})",
                    *first + 2
                )));
            }
            Some(slot) => *slot = Some(row),
        }
    }
    Ok(index)
}

/// Error naming the first point `points.csv` lacks.
fn check_complete(table: &Table, index: &[Option<usize>]) -> Result<(), Error> {
    match index.iter().position(Option::is_none) {
        None => Ok(()),
        Some(missing) => Err(Error::Results {
            path: table.path().to_path_buf(),
            reason: format!(
                "point {missing} is missing ({} of the {} points of the manifest are listed): \
                 the sweep is incomplete. Run it again",
                index.iter().flatten().count(),
                index.len()
            ),
        }),
    }
}

/// The Saltelli tag of every point, checking that each base sample has its A, B and AB
/// points, once.
fn saltelli_layout(
    table: &Table,
    index: &[Option<usize>],
    manifest: &SweepManifest,
    factors: &[String],
) -> Result<Layout, Error> {
    let bad = |reason: String| Error::Results {
        path: table.path().to_path_buf(),
        reason,
    };
    let n = manifest.plan.n.ok_or_else(|| Error::Results {
        path: table.path().with_file_name(MANIFEST),
        reason: "the plan of a Saltelli design records no `n`".into(),
    })?;
    let (sample, block, varied) = (
        table.column("sample")?,
        table.column("block")?,
        table.column("varied")?,
    );
    let block_name = |b: SaltelliBlock| match b {
        SaltelliBlock::A => "A".to_string(),
        SaltelliBlock::B => "B".to_string(),
        SaltelliBlock::AB(i) => format!("AB (varied `{}`)", factors[i]),
    };
    let mut tags = vec![None; manifest.points];
    let mut present = HashSet::new();
    for (point, row) in index.iter().enumerate() {
        let Some(row) = *row else { continue };
        let j: usize = whole(table, row, sample)?;
        let tag = match (table.text(row, block), table.text(row, varied)) {
            ("A", "") => SaltelliBlock::A,
            ("B", "") => SaltelliBlock::B,
            ("AB", name) => match factors.iter().position(|f| f == name) {
                Some(i) => SaltelliBlock::AB(i),
                None => {
                    return Err(bad(format!(
                        "line {}: `varied` is `{name}`, which is not an axis of the plan ({})",
                        row + 2,
                        factors.join(", ")
                    )));
                }
            },
            (b, v) => {
                return Err(bad(format!(
                    "line {}: block `{b}` with varied `{v}` is not a point of a Saltelli \
                     design (A or B with no axis varied, or AB with one)",
                    row + 2
                )));
            }
        };
        if j >= n {
            return Err(bad(format!(
                "line {}: base sample {j}, but the plan has n = {n} (samples 0..{n})",
                row + 2
            )));
        }
        if !present.insert((j, tag)) {
            return Err(bad(format!(
                "line {}: base sample {j} has a second point in block {}",
                row + 2,
                block_name(tag)
            )));
        }
        tags[point] = Some((j, tag));
    }
    let listed = present.len();
    for j in 0..n {
        let blocks = [SaltelliBlock::A, SaltelliBlock::B]
            .into_iter()
            .chain((0..factors.len()).map(SaltelliBlock::AB));
        for tag in blocks {
            if !present.contains(&(j, tag)) {
                return Err(bad(format!(
                    "base sample {j} has no point in block {}: the sweep is missing points \
                     ({listed} of the design's {} listed), and Sobol' indices need every \
                     one. Run the sweep again",
                    block_name(tag),
                    n * (factors.len() + 2)
                )));
            }
        }
    }
    // Every (sample, block) is there once, so every listed point has its tag; a missing
    // point index is reported by the caller.
    Ok(Layout::Saltelli(tags.into_iter().flatten().collect()))
}

/// The plan's Morris design, regenerated from the manifest (r, levels, seed), checked
/// against the trajectory, position and changed axis of each point of `points.csv`.
fn morris_layout(
    table: &Table,
    index: &[Option<usize>],
    manifest: &SweepManifest,
    factors: &[String],
) -> Result<Layout, Error> {
    let bad = |reason: String| Error::Results {
        path: table.path().to_path_buf(),
        reason,
    };
    let r = manifest.plan.r.ok_or_else(|| Error::Results {
        path: table.path().with_file_name(MANIFEST),
        reason: "the plan of a Morris design records no `r`".into(),
    })?;
    let levels = manifest.plan.levels.unwrap_or(plan::DEFAULT_LEVELS);
    let design = design::morris(r, factors.len(), levels, plan::design_seed(manifest.seed))
        .map_err(|message| Error::Results {
            path: table.path().with_file_name(MANIFEST),
            reason: message,
        })?;
    if design.len() != manifest.points {
        return Err(Error::Results {
            path: table.path().with_file_name(MANIFEST),
            reason: format!(
                "records {} points, but its plan's Morris design (r = {r}, {} axes) has {}",
                manifest.points,
                factors.len(),
                design.len()
            ),
        });
    }
    let (trajectory, position, changed) = (
        table.column("trajectory")?,
        table.column("position")?,
        table.column("changed")?,
    );
    let describe = |t: usize, p: usize, c: Option<usize>| {
        format!(
            "trajectory {t}, position {p}{}",
            c.map_or(String::new(), |c| format!(", changed `{}`", factors[c]))
        )
    };
    for (point, expected) in design.iter().enumerate() {
        let Some(row) = index[point] else {
            return Err(bad(format!(
                "point {point} ({}) is missing: the sweep is incomplete, and every \
                 trajectory needs all its points. Run the sweep again",
                describe(expected.trajectory, expected.position, expected.changed)
            )));
        };
        let t: usize = whole(table, row, trajectory)?;
        let p: usize = whole(table, row, position)?;
        let c = match table.text(row, changed) {
            "" => None,
            name => Some(factors.iter().position(|f| f == name).ok_or_else(|| {
                bad(format!(
                    "line {}: `changed` is `{name}`, which is not an axis of the plan ({})",
                    row + 2,
                    factors.join(", ")
                ))
            })?),
        };
        if (t, p, c) != (expected.trajectory, expected.position, expected.changed) {
            return Err(bad(format!(
                "line {}: point {point} is {}, but the Morris design of the manifest's plan \
                 (r = {r}, levels = {levels}, seed {}) has {} there: these points do not \
                 come from this plan",
                row + 2,
                describe(t, p, c),
                manifest.seed,
                describe(expected.trajectory, expected.position, expected.changed)
            )));
        }
    }
    Ok(Layout::Morris(design))
}

/// The numeric axes that vary, their values by point; the others skipped.
fn regression_layout(
    table: &Table,
    index: &[Option<usize>],
    factors: &[String],
) -> Result<Layout, Error> {
    let rows: Vec<usize> = index.iter().flatten().copied().collect();
    let mut used = Vec::new();
    let mut skipped = Vec::new();
    let mut columns = Vec::new();
    for (i, factor) in factors.iter().enumerate() {
        let column = table.column(factor)?;
        let parsed: Result<Vec<f64>, &str> = rows
            .iter()
            .map(|&row| {
                let text = table.text(row, column);
                text.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or(text)
            })
            .collect();
        match parsed {
            Err(text) => skipped.push(Skipped {
                factor: factor.clone(),
                reason: format!("its values are not numbers (`{text}`)"),
            }),
            Ok(values) if values.iter().all(|&v| v == values[0]) => skipped.push(Skipped {
                factor: factor.clone(),
                reason: format!("it takes one value ({})", values[0]),
            }),
            Ok(values) => {
                used.push(i);
                columns.push(values);
            }
        }
    }
    if used.is_empty() {
        return Err(Error::Results {
            path: table.path().to_path_buf(),
            reason: format!(
                "no axis is a number that varies ({}), so there is nothing to regress the \
                 outcome on",
                skipped
                    .iter()
                    .map(|s| format!("`{}`: {}", s.factor, s.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    let x = (0..rows.len())
        .map(|r| columns.iter().map(|c| c[r]).collect())
        .collect();
    Ok(Layout::Regression { x, used, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;
    use crate::sweep::plan::{RawAxis, RawPlan};

    /// A sweep folder written by hand: a manifest for `plan`, `points.csv` with `header` and
    /// `rows`, and a `summary.csv` whose `tfp_index` of `all` at step 1 is `y[point]` (1 at
    /// step 0), with a `traditional` sector whose `tfp_index` is NA at step 1 and whose
    /// `firms` are 100 everywhere.
    fn sweep_folder(plan: RawPlan, header: &str, rows: &[String], y: &[f64]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let manifest = SweepManifest {
            command: "sweep".into(),
            nqpsim_version: env!("CARGO_PKG_VERSION").into(),
            model_version: crate::MODEL_VERSION,
            plan_name: "hand".into(),
            plan_file: "hand.toml".into(),
            design: format!("{:?}", plan.design.unwrap_or_default()).to_lowercase(),
            plan,
            overrides: Vec::new(),
            scenario_files: Vec::new(),
            seed: 11,
            replicates: 3,
            points: y.len(),
            runs: 3 * y.len(),
            fingerprint: "0".into(),
            summary_only: true,
            shard: None,
            base_scenario: Default::default(),
            files: Vec::new(),
            failed_runs: 0,
            run: None,
            merged_from: Vec::new(),
        };
        let json = serde_json::to_vec_pretty(&manifest).unwrap();
        std::fs::write(dir.path().join(MANIFEST), json).unwrap();
        let mut points = format!("{header}\n");
        for row in rows {
            points.push_str(row);
            points.push('\n');
        }
        std::fs::write(dir.path().join(POINTS), points).unwrap();
        let mut summary =
            String::from("point,step,year,sector,tier,metric,n,mean,sd,se,p05,p50,p95\n");
        for (point, value) in y.iter().enumerate() {
            for step in 0..2 {
                for (sector, tier) in [("traditional", "traditional"), ("all", "all")] {
                    let tfp = match (step, sector) {
                        (0, _) => "1".to_string(),
                        (_, "all") => value.to_string(),
                        _ => String::new(),
                    };
                    for (metric, mean) in [("firms", "100".to_string()), ("tfp_index", tfp)] {
                        summary.push_str(&format!(
                            "{point},{step},{},{sector},{tier},{metric},3,{mean},,,,,\n",
                            2024 + step
                        ));
                    }
                }
            }
        }
        std::fs::write(dir.path().join(SUMMARY), summary).unwrap();
        dir
    }

    fn axes(names: &[&str]) -> Option<Vec<RawAxis>> {
        Some(
            names
                .iter()
                .map(|n| RawAxis {
                    path: Some(n.to_string()),
                    ..RawAxis::default()
                })
                .collect(),
        )
    }

    fn options() -> Options {
        Options {
            bootstrap: 200,
            level: 0.9,
            seed: 3,
        }
    }

    fn outcome(text: &str) -> Outcome {
        text.parse().unwrap()
    }

    /// 40 points of three numeric axes and one of strings; y = 2 a - 0.5 b, c idle.
    fn linear_lhs() -> tempfile::TempDir {
        let mut stream = Stream::new(5);
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for point in 0..40 {
            let (a, b, c) = (stream.uniform(), 10.0 * stream.uniform(), stream.uniform());
            let rule = ["inclusive", "selective"][point % 2];
            rows.push(format!("{point},{a},{b},{c},{rule}"));
            y.push(2.0 * a - 0.5 * b);
        }
        let plan = RawPlan {
            design: Some(DesignKind::Lhs),
            n: Some(40),
            axis: axes(&["a", "b", "c", "rule"]),
            ..RawPlan::default()
        };
        sweep_folder(plan, "point,a,b,c,rule", &rows, &y)
    }

    /// The sample standard deviation.
    fn sd(values: &[f64]) -> f64 {
        crate::stats::sample_sd(values).expect("at least two values")
    }

    #[test]
    fn a_linear_outcome_of_a_hand_made_sweep_gives_back_its_standardised_coefficients() {
        let dir = linear_lhs();
        let sweep = Sweep::open(dir.path()).unwrap();
        assert_eq!(sweep.method(), Method::Src);
        let [analysis] = &sweep
            .analyse(&[outcome("tfp_index:all:last")], &options())
            .unwrap()[..]
        else {
            panic!("one outcome, one analysis")
        };
        assert_eq!(analysis.outcome(), "tfp_index:all:1");
        assert_eq!(analysis.factors, ["a", "b", "c"]);
        assert_eq!(analysis.skipped[0].factor, "rule");
        let points = Table::read(&dir.path().join(POINTS)).unwrap();
        let sd_y = sd(&analysis.y);
        let Estimates::Src(fit) = &analysis.estimates else {
            panic!("a regression")
        };
        for (i, (axis, b)) in [("a", 2.0), ("b", -0.5), ("c", 0.0)]
            .into_iter()
            .enumerate()
        {
            let expected = b * sd(&points.numbers(axis).unwrap()) / sd_y;
            assert!(
                (fit.src[i].estimate - expected).abs() < 1e-12,
                "{axis}: {fit:?}"
            );
        }
        assert!((fit.r_squared - 1.0).abs() < 1e-12);

        let csv = analysis.csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "outcome,method,factor,measure,estimate,lo,hi");
        assert!(lines[1].starts_with("tfp_index:all:1,src,a,src,"), "{csv}");
        assert!(lines[3].starts_with("tfp_index:all:1,src,c,src,"), "{csv}");
        let fit_row: Vec<&str> = lines[4].split(',').collect();
        assert_eq!(fit_row[..4], ["tfp_index:all:1", "src", "", "r_squared"]);
        assert!(
            (fit_row[4].parse::<f64>().unwrap() - 1.0).abs() < 1e-12,
            "{csv}"
        );
        assert_eq!(fit_row[5..], ["", ""], "no interval for R^2");
        assert_eq!(lines.len(), 5);
        assert_eq!(analysis.file_name(), "tfp_index-all-1.csv");
    }

    #[test]
    fn morris_effects_of_a_hand_made_sweep_are_the_slopes_times_the_ranges() {
        // y = 3 v0 - v1 with v0 = 0.6 u0 and v1 = 10 u1: effects per whole range 1.8 and -10
        let (r, levels) = (6, 4);
        let design = design::morris(r, 2, levels, plan::design_seed(11)).unwrap();
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for (point, m) in design.iter().enumerate() {
            let changed = m.changed.map_or("", |c| ["v0", "v1"][c]);
            let (v0, v1) = (0.6 * m.coords[0], 10.0 * m.coords[1]);
            rows.push(format!(
                "{point},{},{},{changed},{v0},{v1}",
                m.trajectory, m.position
            ));
            y.push(3.0 * v0 - v1);
        }
        let plan = RawPlan {
            design: Some(DesignKind::Morris),
            r: Some(r),
            levels: Some(levels),
            axis: axes(&["v0", "v1"]),
            ..RawPlan::default()
        };
        let header = "point,trajectory,position,changed,v0,v1";
        let dir = sweep_folder(plan.clone(), header, &rows, &y);
        let analyses = Sweep::open(dir.path())
            .unwrap()
            .analyse(&[outcome("tfp_index:all:1")], &options())
            .unwrap();
        let Estimates::Morris(effects) = &analyses[0].estimates else {
            panic!("Morris effects")
        };
        for (e, slope) in effects.iter().zip([1.8, -10.0]) {
            assert!((e.mu - slope).abs() < 1e-9 && e.sigma.abs() < 1e-9, "{e:?}");
            assert_eq!(e.n, r);
        }

        // the points of a design drawn with another seed are refused
        let other = design::morris(r, 2, levels, plan::design_seed(12)).unwrap();
        let rows: Vec<String> = other
            .iter()
            .enumerate()
            .map(|(point, m)| {
                let changed = m.changed.map_or("", |c| ["v0", "v1"][c]);
                format!("{point},{},{},{changed},0,0", m.trajectory, m.position)
            })
            .collect();
        let dir = sweep_folder(plan, header, &rows, &y);
        let e = Sweep::open(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("points.csv: line") && e.contains("do not come from this plan"),
            "{e}"
        );
    }

    #[test]
    fn outcomes_the_summary_cannot_give_are_refused_naming_the_flag() {
        let dir = linear_lhs();
        let sweep = Sweep::open(dir.path()).unwrap();
        let error = |text: &str| {
            sweep
                .analyse(&[outcome(text)], &options())
                .unwrap_err()
                .to_string()
        };
        let e = error("tfp:all:1");
        assert!(
            e.contains("--outcome tfp:all:1")
                && e.contains("has no metric `tfp`; it has firms, tfp_index"),
            "{e}"
        );
        let e = error("tfp_index:future:1");
        assert!(
            e.contains("no sector `future`; it has traditional, all"),
            "{e}"
        );
        let e = error("tfp_index:all:2");
        assert!(
            e.contains("step 2 is beyond the sweep's last step, 1"),
            "{e}"
        );
        let e = error("tfp_index:traditional:1");
        assert!(e.contains("NA at point 0"), "{e}");
        let e = error("firms:all:last");
        assert!(e.contains("is 100 at every point"), "{e}");
    }

    #[test]
    fn unfinished_sharded_zipped_or_incomplete_sweeps_are_refused() {
        let dir = linear_lhs();
        std::fs::write(dir.path().join(JOURNAL), "{}\n").unwrap();
        let e = Sweep::open(dir.path()).unwrap_err().to_string();
        assert!(e.contains("journal.jsonl") && e.contains("--resume"), "{e}");

        let dir = linear_lhs();
        let points = std::fs::read_to_string(dir.path().join(POINTS)).unwrap();
        let without_7: String = points
            .lines()
            .filter(|l| !l.starts_with("7,"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(dir.path().join(POINTS), without_7).unwrap();
        let e = Sweep::open(dir.path()).unwrap_err().to_string();
        assert!(e.contains("point 7 is missing (39 of the 40"), "{e}");

        let dir = linear_lhs();
        let path = dir.path().join(MANIFEST);
        let mut manifest: SweepManifest =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        manifest.shard = Some(crate::sweep::manifest::ShardInfo {
            k: 1,
            n: 2,
            first_point: 0,
            end_point: 20,
        });
        std::fs::write(&path, serde_json::to_vec(&manifest).unwrap()).unwrap();
        let e = Sweep::open(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("shard 1 of 2") && e.contains("nqpsim merge"),
            "{e}"
        );

        manifest.shard = None;
        manifest.plan.design = Some(DesignKind::Zip);
        std::fs::write(&path, serde_json::to_vec(&manifest).unwrap()).unwrap();
        let e = Sweep::open(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("`zip`") && e.contains("cannot be told apart"),
            "{e}"
        );

        std::fs::remove_file(&path).unwrap();
        let e = Sweep::open(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("manifest.json") && e.contains("not the folder of a finished sweep"),
            "{e}"
        );
    }
}
