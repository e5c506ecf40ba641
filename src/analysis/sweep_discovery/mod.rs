//! Scenario discovery on a finished sweep: under which combinations of its axes (policy
//! levers, and the uncertainties they must hold across) do the runs reach a target?
//!
//! 1. **Cases.** Each run (point, replicate) is checked against the targets ([`Target`],
//!    read from `trajectories.csv`); a point is a *case of interest* when at least the share
//!    [`Options::robust`] of its replicates meets every target. Replicates share their random
//!    numbers across points (common random numbers), so the share is comparable from point
//!    to point.
//! 2. **Roles.** Each axis is a lever or an uncertainty (the plan's `role`, by default a
//!    `policy.*` path is a lever; [`Options::levers`] and [`Options::uncertainties`]
//!    override).
//! 3. **Boxes**, in two scopes ([`Scope`]): PRIM peels every axis (`all`: where do the cases
//!    concentrate, and which uncertainties must go our way?), then only the levers
//!    (`levers`: the uncertainties are never restricted, so the box reads "these levers,
//!    whatever the uncertainties", and its density is the share of the (lever, uncertainty)
//!    points inside it that are cases of interest). In each scope: the peeling and pasting
//!    trajectory, covering (several boxes in turn), quasi-p values of every restriction, each
//!    box pruned of its restrictions of quasi-p above [`Options::max_quasi_p`], bootstrap
//!    reproducibility of the first box, and a CART tree whose majority leaves are boxes too
//!    ([`crate::analysis::discovery`]).
//! 4. **Screening**: extra-trees feature scores of every axis.
//! 5. **Robustness per lever combination**, where lever combinations repeat (a grid over
//!    levers x uncertainties): the share of the uncertainty cells in which each combination
//!    is a case of interest.
//!
//! [`Sweep::open`] reads and checks the sweep's folder; [`discover`] computes everything;
//! [`Discovery::files`] gives the tables that `nqpsim discover` writes. Nothing here writes
//! files. Everything is deterministic: the randomised parts take [`Options::seed`] and
//! keyed streams, so the results do not depend on the number of threads.

mod tables;
pub mod target;

use serde::Serialize;

pub use target::{Comparison, Condition, Target};

use super::discovery::cart::{self, Cart, CartOptions};
use super::discovery::prim::{self, Bootstrap, CoverStop, PrimOptions, Trajectory};
use super::discovery::scores::{self, FeatureScore, ScoreOptions};
use super::discovery::{BoxStats, Column, Dataset, Dimension, DiscoveryError, Limits, Restriction};
use super::outcome::Outcome;
use super::runs;
use super::sweep_sensitivity::Sweep;
use crate::error::Error;
use crate::output::manifest::FileEntry;
use crate::sweep::plan::{AxisRole, DesignKind};
use crate::sweep::run::TRAJECTORIES;

/// `cases.csv`: every point with its axes, the replicates that met the targets, the share,
/// and whether it is a case of interest.
pub const CASES: &str = "cases.csv";
/// `trajectory.csv`: every point of every PRIM trajectory.
pub const TRAJECTORY: &str = "trajectory.csv";
/// `boxes.csv`: the limits of every box (PRIM and CART) on every axis.
pub const BOXES: &str = "boxes.csv";
/// `bootstrap.csv`: the first PRIM box of each scope, found again on bootstrap resamples.
pub const BOOTSTRAP: &str = "bootstrap.csv";
/// `scores.csv`: extra-trees feature scores.
pub const SCORES: &str = "scores.csv";
/// `robustness.csv`: per lever combination, the share of uncertainty cells that are cases
/// of interest (only where combinations repeat).
pub const ROBUSTNESS: &str = "robustness.csv";
/// `manifest.json`.
pub const MANIFEST: &str = "manifest.json";

/// Every file `nqpsim discover` may write into its folder.
pub const FILES: [&str; 7] = [
    CASES, TRAJECTORY, BOXES, BOOTSTRAP, SCORES, ROBUSTNESS, MANIFEST,
];

/// Which axes PRIM and CART may restrict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every axis.
    All,
    /// The levers only: the uncertainties are never restricted.
    Levers,
}

impl Scope {
    /// `all` or `levers`, as in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Levers => "levers",
        }
    }
}

/// What to look for, and how.
#[derive(Clone, Debug)]
pub struct Options {
    /// The targets; a run meets them when it meets every one.
    pub targets: Vec<Target>,
    /// The share of a point's replicates that must meet the targets, in (0, 1].
    pub robust: f64,
    /// Axes to take as levers, whatever the plan says.
    pub levers: Vec<String>,
    /// Axes to take as uncertainties, whatever the plan says.
    pub uncertainties: Vec<String>,
    /// PRIM's parameters (also CART's smallest leaf: `mass_min`).
    pub prim: PrimOptions,
    /// Most boxes found in turn (covering), at least 1.
    pub max_boxes: usize,
    /// Bootstrap resamples of the first box (0: none).
    pub bootstrap: usize,
    /// Trees of the extra-trees feature scores, at least 1.
    pub trees: usize,
    /// The seed of the bootstrap and of the trees.
    pub seed: u64,
    /// Restrictions whose quasi-p value is above this are dropped from each PRIM box, one
    /// at a time, the least significant first (the pruned box), in (0, 1].
    pub max_quasi_p: f64,
}

/// Where an axis' role comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleSource {
    /// The plan's `role`.
    Plan,
    /// The default for its path.
    Default,
    /// `--lever` or `--uncertainty`.
    CommandLine,
}

/// An axis of the sweep, as discovery sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Its column in `points.csv`.
    pub name: String,
    /// The field it sets (its name, when the plan gives none).
    pub path: String,
    /// Lever or uncertainty.
    pub role: AxisRole,
    /// Where the role comes from.
    pub source: RoleSource,
    /// Its value at each point, as written in `points.csv`.
    pub values: Vec<String>,
}

/// Every point of the sweep checked against the targets.
#[derive(Clone, Debug, PartialEq)]
pub struct Cases {
    /// The axes, in plan order.
    pub axes: Vec<Axis>,
    /// Replicates per point.
    pub replicates: u32,
    /// Per point, its number in the sweep (points none of whose replicates completed are
    /// left out, so it can differ from the position).
    pub point: Vec<usize>,
    /// Per point, the replicates that completed (`replicates` less those that failed in the
    /// sweep).
    pub completed: Vec<u32>,
    /// Per point, the replicates that met every target.
    pub met: Vec<u32>,
    /// Per point, `met / completed`.
    pub share: Vec<f64>,
    /// Per point, whether `share >= robust`: a case of interest.
    pub interest: Vec<bool>,
    /// Each outcome the targets name, with the step it was read at (`last` resolved).
    pub outcomes: Vec<(String, u32)>,
    /// The sweep's last step.
    pub last_step: u32,
    /// Runs of the sweep that failed (its `failures.csv`), left out.
    pub failed_runs: usize,
    /// Points of the sweep none of whose replicates completed, left out.
    pub points_without_rows: Vec<usize>,
}

impl Cases {
    /// The number of points.
    pub fn points(&self) -> usize {
        self.met.len()
    }

    /// The number of cases of interest.
    pub fn n_interest(&self) -> usize {
        self.interest.iter().filter(|&&b| b).count()
    }
}

/// The boxes found in one scope.
#[derive(Clone, Debug)]
pub struct ScopeResult {
    /// Which axes could be restricted.
    pub scope: Scope,
    /// The data set: the scope's axes as dimensions, the cases of interest as `y`.
    pub data: Dataset,
    /// The axis (index into [`Cases::axes`]) of each dimension.
    pub axes: Vec<usize>,
    /// PRIM's boxes in turn: box 1 always (even below the threshold: then it is the densest
    /// point of the trajectory, flagged by `meets_threshold`), then those covering found.
    pub boxes: Vec<Trajectory>,
    /// Why covering stopped.
    pub stop: CoverStop,
    /// Per PRIM box, the box without its restrictions of quasi-p above
    /// [`Options::max_quasi_p`], with its statistics (on the same cases); `None` where every
    /// restriction is significant.
    pub pruned: Vec<Option<(Limits, BoxStats)>>,
    /// Bootstrap reproducibility of box 1 (none with `bootstrap = 0`).
    pub bootstrap: Option<Bootstrap>,
    /// The CART tree.
    pub cart: Cart,
}

impl ScopeResult {
    /// For each restricted side of box 1 (numeric dimensions), the spread of that side's
    /// limit over the bootstrap resamples that restrict it; empty without a bootstrap.
    pub fn bootstrap_limits(&self) -> Vec<LimitSpread> {
        let Some(boot) = &self.bootstrap else {
            return Vec::new();
        };
        let chosen = &self.boxes[0].chosen().limits;
        let mut out = Vec::new();
        for d in chosen.restricted_dims() {
            let Restriction::Interval { lo, hi } = *chosen.get(d) else {
                continue;
            };
            for (side, limit) in [("lower", lo), ("upper", hi)] {
                if !limit.is_finite() {
                    continue;
                }
                let mut values: Vec<f64> = boot
                    .resamples
                    .iter()
                    .filter_map(|r| match *r.limits.get(d) {
                        Restriction::Interval { lo, hi } => {
                            Some(if side == "lower" { lo } else { hi })
                        }
                        Restriction::Categories(_) => None,
                    })
                    .filter(|v| v.is_finite())
                    .collect();
                values.sort_by(f64::total_cmp);
                let q = |p: f64| crate::stats::quantile_sorted(&values, p);
                out.push(LimitSpread {
                    dimension: self.data.dims()[d].name.clone(),
                    side,
                    limit,
                    resamples: values.len(),
                    p05: q(0.05),
                    p50: q(0.5),
                    p95: q(0.95),
                });
            }
        }
        out
    }
}

/// One lever combination's robustness across the uncertainties.
#[derive(Clone, Debug, PartialEq)]
pub struct Robustness {
    /// The levers' values, in the order of the lever axes.
    pub levers: Vec<String>,
    /// The points (uncertainty cells) with these lever values.
    pub cells: usize,
    /// Of those, the cases of interest.
    pub cases: usize,
    /// The mean, over those points, of the share of replicates meeting the targets.
    pub mean_replicate_share: f64,
}

/// Everything [`discover`] found.
#[derive(Clone, Debug)]
pub struct Discovery {
    /// The cases.
    pub cases: Cases,
    /// PRIM and CART per scope: `all`, then `levers` when it differs.
    pub scopes: Vec<ScopeResult>,
    /// Extra-trees feature scores of every axis, highest first.
    pub scores: Vec<FeatureScore>,
    /// Robustness per lever combination, or why it is not computed.
    pub robustness: Result<Vec<Robustness>, String>,
    /// Things left out, and why (e.g. the `levers` scope when every axis is a lever).
    pub notes: Vec<String>,
    /// The density threshold of PRIM (boxes at or above it are flagged in `boxes.csv`).
    pub threshold: f64,
}

fn bad(flag: &str, message: impl Into<String>) -> Error {
    Error::BadArgument {
        flag: flag.into(),
        message: message.into(),
    }
}

/// The library's option name as the command line spells it.
fn flag_of(option: &str) -> &'static str {
    match option {
        "peel_alpha" => "--peel-alpha",
        "paste_alpha" => "--paste-alpha",
        "mass_min" => "--mass-min",
        "threshold" => "--threshold",
        "trees" => "--trees",
        _ => "an option",
    }
}

fn from_discovery(e: DiscoveryError) -> Error {
    match &e {
        DiscoveryError::InvalidOption { name, value, .. } => {
            bad(&format!("{} {value}", flag_of(name)), e.to_string())
        }
        _ => Error::BadArgument {
            flag: "SWEEP_DIR".into(),
            message: e.to_string(),
        },
    }
}

impl Options {
    /// Checks the options that [`discover`] does not pass on to the library.
    fn check(&self) -> Result<(), Error> {
        if self.targets.is_empty() {
            return Err(bad(
                "--target",
                "give at least one target, e.g. --target 'tfp_index:all:last>=1.5'",
            ));
        }
        if !(self.robust > 0.0 && self.robust <= 1.0) {
            return Err(bad(
                &format!("--robust {}", self.robust),
                "must lie in (0, 1]: the share of a point's replicates that must meet the \
                 targets, e.g. 0.6",
            ));
        }
        if self.max_boxes == 0 {
            return Err(bad("--boxes 0", "must be at least 1"));
        }
        if self.trees == 0 {
            return Err(bad("--trees 0", "must be at least 1"));
        }
        if !(self.max_quasi_p > 0.0 && self.max_quasi_p <= 1.0) {
            return Err(bad(
                &format!("--max-quasi-p {}", self.max_quasi_p),
                "must lie in (0, 1], e.g. 0.05 (1: prune nothing)",
            ));
        }
        self.prim.validate().map_err(from_discovery)
    }
}

/// Refuses a `zip` sweep with discovery's reason (before [`Sweep::open`] refuses it with
/// sensitivity's).
fn refuse_zip(folder: &std::path::Path) -> Result<(), Error> {
    let path = folder.join(crate::sweep::run::MANIFEST);
    let design = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| {
            v.pointer("/plan/design")
                .and_then(|d| d.as_str())
                .map(String::from)
        });
    if design.as_deref() == Some("zip") {
        return Err(Error::Results {
            path,
            reason: "the sweep's design is `zip`: its axes move together, so a box cannot tell \
                     them apart. Scenario discovery needs axes that vary independently (a grid, \
                     lhs, sobol or morris design)"
                .into(),
        });
    }
    Ok(())
}

/// Opens the folder of a finished sweep for discovery: [`Sweep::open`]'s checks, a `zip`
/// design refused, and a `--summary-only` sweep refused (a share of replicates needs each
/// replicate's outcome, which only `trajectories.csv` has).
pub fn open(folder: &std::path::Path) -> Result<Sweep, Error> {
    if folder.is_dir() && !folder.join(crate::sweep::run::JOURNAL).exists() {
        refuse_zip(folder)?;
    }
    let sweep = Sweep::open(folder)?;
    if sweep.manifest().summary_only {
        return Err(Error::Results {
            path: folder.join(TRAJECTORIES),
            reason: "missing: the sweep was run with --summary-only, and its summary.csv has \
                     only statistics over replicates, from which the share of replicates that \
                     meet a target cannot be told. Run the sweep again without --summary-only"
                .into(),
        });
    }
    Ok(sweep)
}

/// The roles of the sweep's axes: the plan's, or the default for the path, then the
/// command line's. Errors name the flag: an axis the sweep does not have, or one given both
/// as a lever and as an uncertainty.
fn roles(sweep: &Sweep, options: &Options) -> Result<Vec<(AxisRole, RoleSource)>, Error> {
    let factors = sweep.factors();
    let raw = sweep.manifest().plan.axis.clone().unwrap_or_default();
    let mut roles: Vec<(AxisRole, RoleSource)> = factors
        .iter()
        .enumerate()
        .map(|(i, _)| match raw.get(i) {
            Some(a) => match a.role {
                Some(role) => (role, RoleSource::Plan),
                None => (
                    AxisRole::default_for(a.path.as_deref().unwrap_or("")),
                    RoleSource::Default,
                ),
            },
            None => (AxisRole::Uncertainty, RoleSource::Default),
        })
        .collect();
    for (flag, names, role) in [
        ("--lever", &options.levers, AxisRole::Lever),
        (
            "--uncertainty",
            &options.uncertainties,
            AxisRole::Uncertainty,
        ),
    ] {
        for name in names {
            let Some(i) = factors.iter().position(|f| f == name) else {
                return Err(bad(
                    &format!("{flag} {name}"),
                    format!(
                        "the sweep has no axis `{name}`; its axes are {}",
                        factors.join(", ")
                    ),
                ));
            };
            if flag == "--uncertainty" && options.levers.contains(name) {
                return Err(bad(
                    &format!("{flag} {name}"),
                    "the axis is given as a lever too (--lever): it is one or the other",
                ));
            }
            roles[i] = (role, RoleSource::CommandLine);
        }
    }
    Ok(roles)
}

/// Checks every run of `sweep` against the targets and every point against `robust`.
pub fn cases(sweep: &Sweep, options: &Options) -> Result<Cases, Error> {
    options.check()?;
    let roles = roles(sweep, options)?;
    let points_table =
        crate::output::table::Table::read(&sweep.folder().join(crate::sweep::run::POINTS))?;
    let n = sweep.manifest().points;
    let replicates = sweep.manifest().replicates;
    // `Sweep::open` checked that every point is listed once.
    let point_column = points_table.column("point")?;
    let mut row_of = vec![0; n];
    for row in 0..points_table.len() {
        if let Ok(p) = points_table.text(row, point_column).parse::<usize>()
            && p < n
        {
            row_of[p] = row;
        }
    }
    let raw = sweep.manifest().plan.axis.clone().unwrap_or_default();
    let mut axes = Vec::new();
    for (i, (name, (role, source))) in sweep.factors().iter().zip(roles).enumerate() {
        let c = points_table.column(name)?;
        axes.push(Axis {
            name: name.clone(),
            path: raw
                .get(i)
                .and_then(|a| a.path.clone())
                .unwrap_or_else(|| name.clone()),
            role,
            source,
            values: row_of
                .iter()
                .map(|&r| points_table.text(r, c).to_string())
                .collect(),
        });
    }

    // Each distinct outcome once, with the first target that names it (for errors).
    let mut outcomes: Vec<(Outcome, String)> = Vec::new();
    for target in &options.targets {
        for condition in target.conditions() {
            if !outcomes.iter().any(|(o, _)| *o == condition.outcome) {
                outcomes.push((condition.outcome.clone(), format!("--target {target}")));
            }
        }
    }
    // Runs that failed in the sweep have no rows: each point's share is over the replicates
    // that completed, and a point with none is left out.
    let failures = crate::sweep::run::FailedRuns::of(sweep.folder());
    let failed_run = |run: usize| {
        failures
            .as_ref()
            .is_some_and(|f| f.contains_run(run, replicates))
    };
    let read = runs::read_sweep(sweep.folder(), &outcomes, n, replicates, &failed_run)?;
    let index = |c: &Condition| {
        outcomes
            .iter()
            .position(|(o, _)| *o == c.outcome)
            .expect("every condition's outcome is read")
    };
    let (mut point, mut completed, mut met) = (Vec::new(), Vec::new(), Vec::new());
    let mut points_without_rows = Vec::new();
    for p in 0..n {
        let (mut done, mut count) = (0u32, 0u32);
        for replicate in 0..replicates as usize {
            let run = p * replicates as usize + replicate;
            if failed_run(run) {
                continue;
            }
            done += 1;
            if options
                .targets
                .iter()
                .all(|t| t.holds(|c| read.values[index(c)][run]))
            {
                count += 1;
            }
        }
        if done == 0 {
            points_without_rows.push(p);
            continue;
        }
        point.push(p);
        completed.push(done);
        met.push(count);
    }
    if point.is_empty() {
        return Err(Error::Results {
            path: sweep.folder().join(crate::sweep::run::FAILURES),
            reason: "lists every run of the sweep as failed: there is nothing to discover".into(),
        });
    }
    if !points_without_rows.is_empty() {
        for axis in &mut axes {
            axis.values = point.iter().map(|&p| axis.values[p].clone()).collect();
        }
    }
    // `met / completed` and `robust` are both the double nearest their exact value, so a
    // share of exactly `robust` (3 of 5 against 0.6) compares equal.
    let share: Vec<f64> = met
        .iter()
        .zip(&completed)
        .map(|(&m, &c)| f64::from(m) / f64::from(c))
        .collect();
    let interest = share.iter().map(|&s| s >= options.robust).collect();
    Ok(Cases {
        axes,
        replicates,
        point,
        completed,
        met,
        share,
        interest,
        failed_runs: failures.as_ref().map_or(0, |f| f.failed),
        points_without_rows,
        outcomes: outcomes
            .iter()
            .zip(&read.steps)
            .map(|((o, _), &s)| (o.to_string(), s))
            .collect(),
        last_step: read.last,
    })
}

/// The data set of the given axes: a numeric dimension where every value is a finite
/// number, a categorical one otherwise.
fn dataset(cases: &Cases, axes: &[usize]) -> Result<Dataset, Error> {
    let dims = axes
        .iter()
        .map(|&a| {
            let axis = &cases.axes[a];
            let numbers: Option<Vec<f64>> = axis
                .values
                .iter()
                .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
                .collect();
            Dimension {
                name: axis.name.clone(),
                column: match numbers {
                    Some(values) => Column::Numeric(values),
                    None => Column::categorical_from_values(&axis.values),
                },
            }
        })
        .collect();
    Dataset::new(dims, cases.interest.clone()).map_err(from_discovery)
}

/// PRIM (box 1, covering, bootstrap) and CART on the axes of one scope.
fn scope(
    scope: Scope,
    cases: &Cases,
    axes: Vec<usize>,
    options: &Options,
) -> Result<ScopeResult, Error> {
    let data = dataset(cases, &axes)?;
    let first = prim::peel_and_paste(&data, &options.prim).map_err(from_discovery)?;
    let covering = prim::cover(&data, &options.prim, options.max_boxes).map_err(from_discovery)?;
    let boxes = if covering.boxes.is_empty() {
        vec![first]
    } else {
        debug_assert_eq!(covering.boxes[0], first);
        covering.boxes
    };
    let bootstrap = if options.bootstrap == 0 {
        None
    } else {
        Some(
            prim::bootstrap(
                &data,
                &options.prim,
                &boxes[0].chosen().limits,
                options.bootstrap,
                options.seed,
            )
            .map_err(from_discovery)?,
        )
    };
    let pruned = boxes
        .iter()
        .map(|traj| {
            prune(
                &data,
                traj.rows(),
                &traj.chosen().limits,
                options.max_quasi_p,
            )
        })
        .collect();
    let min_leaf_mass = options
        .prim
        .mass_min
        .max(1.0 / data.n_cases() as f64)
        .min(0.5);
    let cart = cart::cart(
        &data,
        &CartOptions {
            min_leaf_mass,
            ..CartOptions::default()
        },
    )
    .map_err(from_discovery)?;
    Ok(ScopeResult {
        scope,
        data,
        axes,
        boxes,
        stop: covering.stop,
        pruned,
        bootstrap,
        cart,
    })
}

/// `limits` without the restrictions whose quasi-p value (on the cases `rows`) is above
/// `max`: the side (or category set) of the largest is dropped, the values are computed
/// again, and so on until every one left is at most `max` (EMA Workbench's
/// `drop_restriction`, done for the analyst, one side at a time). `None` if nothing is
/// dropped.
fn prune(data: &Dataset, rows: &[usize], limits: &Limits, max: f64) -> Option<(Limits, BoxStats)> {
    let mut limits = limits.clone();
    let mut dropped = false;
    loop {
        let worst = prim::quasi_p_on(data, rows, &limits)
            .into_iter()
            .flat_map(|(d, qp)| match qp {
                prim::QuasiP::Interval { lower, upper } => {
                    vec![(d, Some(true), lower), (d, Some(false), upper)]
                }
                prim::QuasiP::Categories(p) => vec![(d, None, Some(p))],
            })
            .filter_map(|(d, side, p)| p.map(|p| (d, side, p)))
            .filter(|&(_, _, p)| p > max)
            // The largest; ties to the first dimension and its lower side.
            .reduce(|a, b| if b.2 > a.2 { b } else { a });
        let Some((d, side, _)) = worst else { break };
        let relaxed = match (limits.get(d), side) {
            (&Restriction::Interval { hi, .. }, Some(true)) => Restriction::Interval {
                lo: f64::NEG_INFINITY,
                hi,
            },
            (&Restriction::Interval { lo, .. }, Some(false)) => Restriction::Interval {
                lo,
                hi: f64::INFINITY,
            },
            (Restriction::Categories(allowed), _) => {
                Restriction::Categories(vec![true; allowed.len()])
            }
            _ => unreachable!("a quasi-p value fits its restriction"),
        };
        limits.set(d, relaxed);
        dropped = true;
    }
    dropped.then(|| {
        let inside = limits.cases_in(data, rows);
        let k = inside.iter().filter(|&&r| data.y()[r]).count();
        let stats = BoxStats::new(inside.len(), k, data.n_cases(), data.n_interest());
        (limits, stats)
    })
}

/// Robustness per lever combination where the combinations repeat; why not, otherwise.
fn robustness(cases: &Cases) -> Result<Vec<Robustness>, String> {
    let levers: Vec<usize> = (0..cases.axes.len())
        .filter(|&a| cases.axes[a].role == AxisRole::Lever)
        .collect();
    if levers.is_empty() {
        return Err("no axis is a lever".into());
    }
    if levers.len() == cases.axes.len() {
        return Err("no axis is an uncertainty: each point is one lever combination".into());
    }
    let mut rows: Vec<Robustness> = Vec::new();
    let mut sums: Vec<f64> = Vec::new();
    for p in 0..cases.points() {
        let key: Vec<String> = levers
            .iter()
            .map(|&a| cases.axes[a].values[p].clone())
            .collect();
        let i = match rows.iter().position(|r| r.levers == key) {
            Some(i) => i,
            None => {
                rows.push(Robustness {
                    levers: key,
                    cells: 0,
                    cases: 0,
                    mean_replicate_share: 0.0,
                });
                sums.push(0.0);
                rows.len() - 1
            }
        };
        rows[i].cells += 1;
        rows[i].cases += usize::from(cases.interest[p]);
        sums[i] += cases.share[p];
    }
    if rows.len() == cases.points() {
        return Err(
            "every lever combination appears once (a sampled design): see the PRIM box over \
             the levers only (scope `levers`) for robustness across the uncertainties"
                .into(),
        );
    }
    for (row, sum) in rows.iter_mut().zip(sums) {
        row.mean_replicate_share = sum / row.cells as f64;
    }
    Ok(rows)
}

/// Checks the cases against the targets and looks for boxes: PRIM and CART on every axis
/// and on the levers alone, feature scores, robustness per lever combination.
///
/// The randomised parts run on the current rayon pool (install one to choose the threads);
/// the result does not depend on it.
pub fn discover(sweep: &Sweep, options: &Options) -> Result<Discovery, Error> {
    let cases = cases(sweep, options)?;
    let all: Vec<usize> = (0..cases.axes.len()).collect();
    let levers: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&a| cases.axes[a].role == AxisRole::Lever)
        .collect();
    let mut notes = Vec::new();
    if cases.failed_runs > 0 {
        let mut note = format!(
            "{} run{} of the sweep failed (listed in its failures.csv) and {} left out: a \
              point's share is over the replicates that completed",
            cases.failed_runs,
            if cases.failed_runs == 1 { "" } else { "s" },
            if cases.failed_runs == 1 { "is" } else { "are" },
        );
        if !cases.points_without_rows.is_empty() {
            let shown: Vec<String> = cases
                .points_without_rows
                .iter()
                .map(usize::to_string)
                .collect();
            note.push_str(&format!(
                "; no replicate completed at point{} {}, left out of the boxes",
                if shown.len() == 1 { "" } else { "s" },
                shown.join(", ")
            ));
        }
        notes.push(note);
    }
    let mut scopes = vec![scope(Scope::All, &cases, all.clone(), options)?];
    if levers.is_empty() {
        notes.push(
            "no box over the levers only: no axis is a lever (mark one with --lever NAME or \
             role = \"lever\" in the plan)"
                .to_string(),
        );
    } else if levers.len() == all.len() {
        notes.push(
            "no box over the levers only: every axis is a lever, so the box over all axes is \
             one already"
                .to_string(),
        );
    } else {
        scopes.push(scope(Scope::Levers, &cases, levers, options)?);
    }
    let scores = scores::feature_scores(
        &scopes[0].data,
        &ScoreOptions {
            trees: options.trees,
            seed: crate::rng::combine(options.seed, 0x7363_6f72_6573),
            ..ScoreOptions::default()
        },
    )
    .map_err(from_discovery)?;
    let robustness = robustness(&cases);
    if let Err(why) = &robustness {
        notes.push(format!("no {ROBUSTNESS}: {why}"));
    }
    if sweep.manifest().plan.design == Some(DesignKind::Morris) {
        notes.push(
            "a Morris design's points lie on a coarse grid along trajectories: boxes are \
             bounded by its levels and their statistics are not those of a uniform sample"
                .to_string(),
        );
    }
    Ok(Discovery {
        cases,
        scopes,
        scores,
        robustness,
        notes,
        threshold: options.prim.threshold,
    })
}

/// A table `nqpsim discover` writes.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputTable {
    /// File name.
    pub name: &'static str,
    /// Data rows.
    pub rows: u64,
    /// The CSV.
    pub bytes: Vec<u8>,
}

impl Discovery {
    /// The tables, in the order written: `cases.csv`, `trajectory.csv`, `boxes.csv`,
    /// `bootstrap.csv` (when there are resamples), `scores.csv`, `robustness.csv` (when
    /// computed).
    pub fn files(&self) -> Vec<OutputTable> {
        let mut files = vec![
            tables::cases(&self.cases),
            tables::trajectory(self),
            tables::boxes(self),
        ];
        if self.scopes.iter().any(|s| s.bootstrap.is_some()) {
            files.push(tables::bootstrap(self));
        }
        files.push(tables::scores(self));
        if let Ok(rows) = &self.robustness {
            files.push(tables::robustness(&self.cases, rows));
        }
        files
    }

    /// The manifest (`files` left for the caller to fill in as it writes them).
    pub fn manifest(&self, sweep: &Sweep, options: &Options, name: &str) -> DiscoveryManifest {
        let m = sweep.manifest();
        DiscoveryManifest {
            command: "discover",
            nqpsim_version: env!("CARGO_PKG_VERSION"),
            model_version: crate::MODEL_VERSION,
            name: name.to_string(),
            sweep: sweep.folder().display().to_string(),
            plan_name: m.plan_name.clone(),
            sweep_fingerprint: m.fingerprint.clone(),
            design: m.design.clone(),
            points: self.cases.points(),
            replicates: self.cases.replicates,
            targets: options.targets.iter().map(ToString::to_string).collect(),
            outcomes: self
                .cases
                .outcomes
                .iter()
                .map(|(outcome, step)| OutcomeStep {
                    outcome: outcome.clone(),
                    step: *step,
                })
                .collect(),
            robust: options.robust,
            cases_of_interest: self.cases.n_interest(),
            axes: self
                .cases
                .axes
                .iter()
                .map(|a| AxisEntry {
                    name: a.name.clone(),
                    path: a.path.clone(),
                    role: a.role.name(),
                    role_from: a.source,
                })
                .collect(),
            peel_alpha: options.prim.peel_alpha,
            paste_alpha: options.prim.paste_alpha,
            mass_min: options.prim.mass_min,
            threshold: options.prim.threshold,
            objective: "lenient1",
            max_boxes: options.max_boxes,
            max_quasi_p: options.max_quasi_p,
            bootstrap: options.bootstrap,
            trees: options.trees,
            seed: options.seed,
            scopes: self
                .scopes
                .iter()
                .map(|s| ScopeSummary {
                    scope: s.scope.name(),
                    dimensions: s.data.dims().iter().map(|d| d.name.clone()).collect(),
                    boxes: s.boxes.len(),
                    first_box_meets_threshold: s.boxes[0].meets_threshold,
                    covering_stopped: stop_text(s.stop),
                    bootstrap: s.bootstrap.as_ref().map(|b| BootstrapSummary {
                        restricted_share: s
                            .data
                            .dims()
                            .iter()
                            .zip(&b.restricted_share)
                            .map(|(d, &share)| DimensionShare {
                                dimension: d.name.clone(),
                                share,
                            })
                            .collect(),
                        mean_jaccard: b.mean_jaccard,
                        mean_coverage: b.mean_coverage,
                        mean_density: b.mean_density,
                        limits: s.bootstrap_limits(),
                    }),
                })
                .collect(),
            notes: self.notes.clone(),
            failed_runs: self.cases.failed_runs,
            points_without_rows: self.cases.points_without_rows.clone(),
            files: Vec::new(),
        }
    }
}

/// Why covering stopped, in words.
pub fn stop_text(stop: CoverStop) -> String {
    match stop {
        CoverStop::MaxBoxes => "the most boxes asked for (--boxes) were found".into(),
        CoverStop::NoCasesOfInterestLeft => "no case of interest is left outside the boxes".into(),
        CoverStop::BelowThreshold(d) => {
            format!("the next box's density, {d:.3}, is below the threshold")
        }
    }
}

/// `manifest.json` of a discovery.
#[derive(Debug, Serialize)]
pub struct DiscoveryManifest {
    /// `discover`.
    pub command: &'static str,
    /// nqpsim version.
    pub nqpsim_version: &'static str,
    /// Version of the model (docs/model.md).
    pub model_version: u32,
    /// The analysis' name (its folder in `SWEEP_DIR/discovery/`).
    pub name: String,
    /// The sweep's folder, as given.
    pub sweep: String,
    /// The sweep plan's name.
    pub plan_name: String,
    /// The sweep's fingerprint (from its manifest).
    pub sweep_fingerprint: String,
    /// The sweep's design.
    pub design: String,
    /// Points of the sweep.
    pub points: usize,
    /// Replicates per point.
    pub replicates: u32,
    /// The targets, in canonical form; a run meets them when it meets every one.
    pub targets: Vec<String>,
    /// Each outcome named, with the step it was read at.
    pub outcomes: Vec<OutcomeStep>,
    /// The share of replicates a point needs to be a case of interest.
    pub robust: f64,
    /// The cases of interest.
    pub cases_of_interest: usize,
    /// The axes with their roles.
    pub axes: Vec<AxisEntry>,
    /// PRIM's peeling share.
    pub peel_alpha: f64,
    /// PRIM's pasting share.
    pub paste_alpha: f64,
    /// The smallest box mass (and CART leaf).
    pub mass_min: f64,
    /// The density a box must reach.
    pub threshold: f64,
    /// PRIM's objective.
    pub objective: &'static str,
    /// Most boxes in covering.
    pub max_boxes: usize,
    /// Quasi-p value above which a restriction is pruned.
    pub max_quasi_p: f64,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Extra-trees.
    pub trees: usize,
    /// Seed of the bootstrap and trees.
    pub seed: u64,
    /// Per scope: its dimensions, boxes, why covering stopped, the bootstrap's summary.
    pub scopes: Vec<ScopeSummary>,
    /// What was left out, and why.
    pub notes: Vec<String>,
    /// Runs of the sweep that failed (its `failures.csv`), left out: each point's share is
    /// over the replicates that completed. Written only when some run failed.
    #[serde(skip_serializing_if = "is_zero")]
    pub failed_runs: usize,
    /// Points none of whose replicates completed, left out of the boxes. Written only when
    /// there are some.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub points_without_rows: Vec<usize>,
    /// The tables written.
    pub files: Vec<FileEntry>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// An outcome and its step.
#[derive(Debug, Serialize)]
pub struct OutcomeStep {
    /// `METRIC:SECTOR:STEP` as given.
    pub outcome: String,
    /// The step read.
    pub step: u32,
}

/// An axis and its role.
#[derive(Debug, Serialize)]
pub struct AxisEntry {
    /// Its column name.
    pub name: String,
    /// The field it sets.
    pub path: String,
    /// `lever` or `uncertainty`.
    pub role: &'static str,
    /// Where the role comes from.
    pub role_from: RoleSource,
}

/// One scope in the manifest.
#[derive(Debug, Serialize)]
pub struct ScopeSummary {
    /// `all` or `levers`.
    pub scope: &'static str,
    /// The axes PRIM and CART could restrict.
    pub dimensions: Vec<String>,
    /// PRIM boxes found.
    pub boxes: usize,
    /// Whether box 1 reaches the density threshold.
    pub first_box_meets_threshold: bool,
    /// Why covering stopped.
    pub covering_stopped: String,
    /// Bootstrap reproducibility of box 1.
    pub bootstrap: Option<BootstrapSummary>,
}

/// The bootstrap of box 1, summarised.
#[derive(Debug, Serialize)]
pub struct BootstrapSummary {
    /// Per dimension, the share of resamples whose box restricts it.
    pub restricted_share: Vec<DimensionShare>,
    /// Mean Jaccard index of the resampled boxes with box 1, on the points.
    pub mean_jaccard: f64,
    /// Mean coverage of the resampled boxes on the points.
    pub mean_coverage: f64,
    /// Mean density of the resampled boxes on the points.
    pub mean_density: f64,
    /// How far the resampled boxes' limits spread, on box 1's restricted sides.
    pub limits: Vec<LimitSpread>,
}

/// The spread of one limit of box 1 over the bootstrap resamples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LimitSpread {
    /// The dimension.
    pub dimension: String,
    /// `lower` or `upper`.
    pub side: &'static str,
    /// Box 1's limit.
    pub limit: f64,
    /// The resamples whose box restricts this side.
    pub resamples: usize,
    /// The 5th percentile (type 7) of their limits on it.
    pub p05: f64,
    /// Their median.
    pub p50: f64,
    /// Their 95th percentile.
    pub p95: f64,
}

/// A dimension and a share.
#[derive(Debug, Serialize)]
pub struct DimensionShare {
    /// The dimension.
    pub dimension: String,
    /// The share.
    pub share: f64,
}

#[cfg(test)]
mod tests;
