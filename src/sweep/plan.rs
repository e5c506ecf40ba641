//! Sweep plans: a base scenario, fixed overrides, and axes over any scenario field, combined
//! by a design into points. Parsing, validation with located errors, and the scenario of each
//! point.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::design::{self, SaltelliBlock};
use crate::error::{Invalid, Location, ScenarioError};
use crate::model::levers::{LEVERS, LeverInfo};
use crate::rng::combine;
use crate::scenario::extends::{BUILTIN_BASELINE, Origin};
use crate::scenario::overrides::Override;
use crate::scenario::source::{self, SourceFile};
use crate::scenario::validate::is_folder_name;
use crate::scenario::{Base, Scenario};

/// How the points of a sweep are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DesignKind {
    /// Every combination of the axes' values (the last axis varies fastest).
    #[default]
    Grid,
    /// The axes advance together: point i takes the i-th value of each.
    Zip,
    /// Latin hypercube of `n` points.
    Lhs,
    /// Scrambled Sobol' sequence of `n` points (with `saltelli = true`, the Saltelli design
    /// for Sobol' indices: n (k + 2) points).
    Sobol,
    /// Morris elementary effects: `r` trajectories over `levels` grid levels.
    Morris,
}

/// How a `range` is spaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// Evenly spaced values.
    #[default]
    Linear,
    /// Evenly spaced logarithms (both ends must be positive).
    Log,
}

/// A sweep plan as written.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlan {
    /// Name of the sweep: its output folder. Defaults to the file's stem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The question the sweep answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The base scenario file, relative to the plan's folder (default `builtin:baseline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// Replicates of every point (default: the base scenario's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicates: Option<u32>,
    /// Seed of every point and of the design (default: the base scenario's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The design (default `grid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<DesignKind>,
    /// Points of an `lhs` design; base samples of a `sobol` design.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    /// With `design = "sobol"`: the Saltelli design for Sobol' indices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saltelli: Option<bool>,
    /// Trajectories of a `morris` design.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r: Option<usize>,
    /// Grid levels of a `morris` design (even, default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<usize>,
    /// Fixed overrides: field path = value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<toml::Table>,
    /// The axes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axis: Option<Vec<RawAxis>>,
}

/// One `[[axis]]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAxis {
    /// Column name in `points.csv` and `summary.csv` (default: the path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Field path, as for `--set`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The values taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<toml::Value>>,
    /// A range of numbers instead of a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<RawRange>,
    /// For a policy lever: the first step at which the axis value applies (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_step: Option<u32>,
}

/// An axis `range`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRange {
    /// First value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    /// Last value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<f64>,
    /// Number of values (grid and zip designs; the others sample the range continuously).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    /// Spacing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Scale>,
}

/// What an axis moves.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// A policy lever (for one sector, or all): applied through a schedule entry from
    /// `from_step`, so every point shares the baseline's step 0 (MODEL.md §4).
    Lever {
        /// The lever.
        lever: &'static LeverInfo,
        /// The sector, for a per-sector lever set for one sector.
        sector: Option<String>,
        /// First step.
        from_step: u32,
    },
    /// Any other field, applied throughout.
    Field,
}

/// The values of an axis.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// Listed values.
    List(Vec<toml::Value>),
    /// A range of numbers.
    Range {
        /// First value.
        from: f64,
        /// Last value.
        to: f64,
        /// Values for grid and zip designs.
        n: Option<usize>,
        /// Spacing.
        scale: Scale,
    },
}

/// A validated axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Column name.
    pub name: String,
    /// Field path.
    pub path: String,
    /// What it moves.
    pub target: Target,
    /// Its values.
    pub values: Values,
    /// Where `values` (or `range`) is written in the plan.
    location: Location,
}

impl Axis {
    /// The listed values of a list axis, or the `n` values of a range (grid, zip).
    fn finite_values(&self) -> Option<Vec<toml::Value>> {
        match &self.values {
            Values::List(v) => Some(v.clone()),
            Values::Range {
                from,
                to,
                n: Some(n),
                scale,
            } => Some(
                (0..*n)
                    .map(|i| {
                        let u = if *n == 1 {
                            0.0
                        } else {
                            i as f64 / (*n - 1) as f64
                        };
                        toml::Value::Float(tidy(at(*from, *to, *scale, u)))
                    })
                    .collect(),
            ),
            Values::Range { n: None, .. } => None,
        }
    }

    /// The value at unit coordinate `u` in [0, 1]: along the range, or the list entry whose
    /// index is `floor(u len)` (categorical axes in sampled designs).
    fn value_at(&self, u: f64) -> toml::Value {
        match &self.values {
            Values::Range {
                from, to, scale, ..
            } => toml::Value::Float(at(*from, *to, *scale, u)),
            Values::List(v) => {
                let i = ((u * v.len() as f64).floor() as usize).min(v.len() - 1);
                v[i].clone()
            }
        }
    }

    /// The value at grid level `u` in {0, 1/(p-1), ..., 1} (Morris): the nearest list entry.
    fn value_at_level(&self, u: f64) -> toml::Value {
        match &self.values {
            Values::List(v) => v[((u * (v.len() - 1) as f64) + 0.5).floor() as usize].clone(),
            Values::Range {
                from, to, scale, ..
            } => toml::Value::Float(tidy(at(*from, *to, *scale, u))),
        }
    }
}

/// `x` rounded to 12 significant digits: the values of a grid over 0 to 0.6 are 0.1, 0.2, ...
/// rather than 0.09999999999999999 (Rust's formatting is correctly rounded, so this is the
/// same on every machine).
fn tidy(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// A point along a range: linear, or geometric for a log scale.
fn at(from: f64, to: f64, scale: Scale, u: f64) -> f64 {
    match scale {
        Scale::Linear => from + u * (to - from),
        Scale::Log => crate::math::exp(
            crate::math::ln(from) + u * (crate::math::ln(to) - crate::math::ln(from)),
        ),
    }
}

/// Where a point comes from in its design (written to `points.csv`).
#[derive(Clone, Debug, PartialEq)]
pub enum Tag {
    /// Grid, zip, Latin hypercube and plain Sobol' points carry none.
    None,
    /// A Saltelli point: base sample, block (`A`, `B` or `AB`) and the factor taken from B.
    Saltelli {
        /// Base sample.
        sample: usize,
        /// Block.
        block: SaltelliBlock,
    },
    /// A Morris point: trajectory, position on it, factor changed to reach it.
    Morris {
        /// Trajectory.
        trajectory: usize,
        /// Position, 0 ..= k.
        position: usize,
        /// Factor changed (none at position 0).
        changed: Option<usize>,
    },
}

/// One point of the sweep: a value per axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Index, from 0.
    pub index: usize,
    /// The value of each axis.
    pub values: Vec<toml::Value>,
    /// Design information.
    pub tag: Tag,
}

/// A validated plan, with its points.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Name (the output folder).
    pub name: String,
    /// The question.
    pub description: String,
    /// The plan file as named.
    pub file: PathBuf,
    /// The base scenario's files, leaf first.
    pub scenario_files: Vec<String>,
    /// Replicates per point.
    pub replicates: u32,
    /// Seed of every point (common random numbers) and of the design.
    pub seed: u64,
    /// The design.
    pub design: DesignKind,
    /// The axes.
    pub axes: Vec<Axis>,
    /// The points.
    pub points: Vec<Point>,
    /// The plan as written (for the manifest).
    pub raw: RawPlan,
    /// Memory of the largest run, bytes (see [`crate::sim::estimated_bytes_per_replicate`]).
    pub peak_run_bytes: u64,
    /// Sum over runs of initial firms x steps (firm-steps before entry and exit).
    pub nominal_firm_steps: u64,
    /// Rows of `trajectories.csv` per replicate, summed over points: (steps + 1) x (sectors
    /// + 1) each.
    pub rows_per_replicate: u64,
    base: Base,
    fixed: Vec<Override>,
}

/// Default Morris grid levels.
pub const DEFAULT_LEVELS: usize = 4;

/// The seed of a plan's random design (Latin hypercube, Sobol', Saltelli, Morris) from the
/// plan's `seed`: kept apart from the points' seed, so that the design's draws and the
/// simulation's are unrelated. An analysis regenerates the design's unit-cube coordinates
/// with it (e.g. `design::morris(r, k, levels, design_seed(seed))`).
pub fn design_seed(seed: u64) -> u64 {
    combine(seed, 0x6E71_7073_706C_616E)
}

/// Most points a plan may have (each is validated when the plan is read).
pub const MAX_POINTS: usize = 1_000_000;

/// Reads and validates a plan file; `overrides` (from the command line) are applied to the
/// base scenario after the plan's `set`.
pub fn load(path: &Path, overrides: &[String]) -> Result<Plan, ScenarioError> {
    let file = SourceFile::read(path)?;
    let de = toml::Deserializer::parse(&file.text)
        .map_err(|e| source::syntax(&file.display, &file.text, &e, None))?;
    let raw: RawPlan = serde_path_to_error::deserialize(de).map_err(|e| {
        let p = e.path().to_string();
        source::syntax(
            &file.display,
            &file.text,
            e.inner(),
            (p != ".").then_some(p),
        )
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    build(raw, &file, &stem, &dir, overrides)
}

struct Problems<'a> {
    file: &'a SourceFile,
    list: Vec<Invalid>,
}

impl Problems<'_> {
    fn locate(&self, path: &str) -> Location {
        self.file
            .locate(path)
            .or_else(|| self.file.locate_enclosing_table(path))
            .unwrap_or(Location::File {
                file: self.file.display.clone(),
                line: 1,
                column: 1,
            })
    }

    fn add(&mut self, path: &str, value: impl Into<String>, allowed: impl Into<String>) {
        let location = self.locate(path);
        self.list.push(Invalid {
            location,
            path: path.to_string(),
            value: value.into(),
            allowed: allowed.into(),
        });
    }
}

fn build(
    raw: RawPlan,
    file: &SourceFile,
    stem: &str,
    dir: &Path,
    overrides: &[String],
) -> Result<Plan, ScenarioError> {
    let mut p = Problems {
        file,
        list: Vec::new(),
    };
    let name = raw.name.clone().unwrap_or_else(|| stem.to_string());
    if !is_folder_name(&name) {
        p.add(
            "name",
            format!("{name:?}"),
            "must be a folder name: letters, digits, '.', '_' and '-', not starting with '.'",
        );
    }

    // The base scenario, with the plan's fixed overrides and the command line's.
    let origin = match raw.scenario.as_deref() {
        None | Some(BUILTIN_BASELINE) => Origin::Builtin,
        Some(relative) => {
            let path = dir.join(relative);
            if !path.is_file() {
                p.add("scenario", format!("{relative:?} (looked for {})", path.display()), "must name a scenario file, relative to the plan's folder, or `builtin:baseline`");
                return Err(ScenarioError::Invalid(p.list));
            }
            Origin::File(path)
        }
    };
    let default_name = match &origin {
        Origin::File(path) => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        _ => "baseline".to_string(),
    };
    let base = Base::read(origin, &default_name)?;
    let mut fixed = Vec::new();
    if let Some(set) = &raw.set {
        for (path, value) in flatten(set) {
            let location = p.locate(&format!("set.{path}"));
            fixed.push(Override::at(
                &path,
                value,
                location.clone(),
                format!("{location}: set `{path}`"),
            )?);
        }
    }
    let from_plan = fixed.len();
    for o in overrides {
        fixed.push(Override::parse(o)?);
    }
    let probe = base.resolve(&fixed)?;
    // The command line (`--replicates`, `--seed`, `--set run.replicates=...`) has the last
    // word over the plan's own `replicates` and `seed`, as it has over its `set`.
    let on_command_line = |field: &str| fixed[from_plan..].iter().any(|o| o.path == field);
    let replicates = match raw.replicates {
        Some(r) if !on_command_line("run.replicates") => r,
        _ => probe.run.replicates,
    };
    let seed = match raw.seed {
        Some(s) if !on_command_line("run.seed") => s,
        _ => probe.run.seed,
    };
    if replicates == 0 {
        p.add("replicates", "0", "must be at least 1");
    }
    if seed > i64::MAX as u64 {
        p.add("seed", seed.to_string(), "must be at most 2^63 - 1");
    }
    let sectors: Vec<String> = probe.sectors.iter().map(|s| s.name.clone()).collect();

    // Axes.
    let raw_axes = raw.axis.clone().unwrap_or_default();
    if raw_axes.is_empty() {
        p.add(
            "axis",
            "missing",
            "a sweep needs at least one [[axis]] with a `path` and `values` or a `range`",
        );
    }
    let design = raw.design.unwrap_or_default();
    let mut axes = Vec::new();
    for (i, a) in raw_axes.iter().enumerate() {
        let at = |field: &str| format!("axis[{i}].{field}");
        let Some(path) = a.path.clone() else {
            p.add(
                &format!("axis[{i}]"),
                "an axis without `path`",
                "every axis names a field, e.g. path = \"policy.rd_subsidy.traditional\"",
            );
            continue;
        };
        let values = match (&a.values, &a.range) {
            (Some(_), Some(_)) | (None, None) => {
                p.add(
                    &format!("axis[{i}]"),
                    "an axis with both or neither of `values` and `range`",
                    "give exactly one: values = [...] or range = { from, to, n }",
                );
                continue;
            }
            (Some(v), None) => {
                if v.is_empty() {
                    p.add(
                        &at("values"),
                        "an empty list",
                        "an axis needs at least one value",
                    );
                    continue;
                }
                Values::List(v.clone())
            }
            (None, Some(r)) => {
                let (Some(from), Some(to)) = (r.from, r.to) else {
                    p.add(
                        &at("range"),
                        "a range without `from` or `to`",
                        "give both ends: range = { from = 0.0, to = 0.6, n = 4 }",
                    );
                    continue;
                };
                let scale = r.scale.unwrap_or_default();
                if !from.is_finite() || !to.is_finite() {
                    p.add(
                        &at("range"),
                        format!("from {from} to {to}"),
                        "both ends must be finite numbers",
                    );
                    continue;
                }
                if scale == Scale::Log && !(from > 0.0 && to > 0.0) {
                    p.add(
                        &at("range"),
                        format!("from {from} to {to} on a log scale"),
                        "both ends must be positive on a log scale",
                    );
                    continue;
                }
                if matches!(design, DesignKind::Grid | DesignKind::Zip)
                    && r.n.is_none_or(|n| n == 0)
                {
                    p.add(
                        &at("range.n"),
                        r.n.map_or("missing".into(), |n| n.to_string()),
                        "a grid or zip range needs n >= 1 values",
                    );
                    continue;
                }
                Values::Range {
                    from,
                    to,
                    n: r.n,
                    scale,
                }
            }
        };
        let location = p.locate(&at(if a.values.is_some() {
            "values"
        } else {
            "range"
        }));
        let target = match lever_target(&path, a.from_step, &sectors) {
            Ok(t) => t,
            Err(message) => {
                p.add(&at("path"), format!("{path:?}"), message);
                continue;
            }
        };
        if a.from_step.is_some() && target == Target::Field {
            p.add(
                &at("from_step"),
                format!("{} for `{path}`", a.from_step.unwrap_or(0)),
                "from_step applies to policy levers only; a model parameter applies throughout",
            );
        }
        if matches!(path.as_str(), "run.replicates" | "run.seed") {
            p.add(&at("path"), format!("{path:?}"), "replicates and seed are the plan's own `replicates` and `seed` (the same seed at every point: common random numbers)");
            continue;
        }
        let name = a.name.clone().unwrap_or_else(|| path.clone());
        if axes.iter().any(|b: &Axis| b.name == name) {
            p.add(&at(if a.name.is_some() { "name" } else { "path" }), format!("{name:?}"), "a column name no other axis has: give the axis a distinct `name`, e.g. name = \"carbon_price_from_11\"");
            continue;
        }
        let axis = Axis {
            name,
            path,
            target,
            values,
            location,
        };
        check_axis_values(&mut p, i, &axis, &base, &fixed);
        axes.push(axis);
    }
    if !p.list.is_empty() {
        return Err(ScenarioError::Invalid(p.list));
    }

    // Points.
    let k = axes.len();
    let design_seed = design_seed(seed);
    let points: Vec<Point> = match design {
        DesignKind::Grid | DesignKind::Zip => {
            let lists: Vec<Vec<toml::Value>> = axes
                .iter()
                .map(|a| a.finite_values().expect("checked above"))
                .collect();
            let lens: Vec<usize> = lists.iter().map(Vec::len).collect();
            let count = lens
                .iter()
                .try_fold(1usize, |acc, &n| acc.checked_mul(n))
                .filter(|&c| c <= MAX_POINTS);
            if design == DesignKind::Grid && count.is_none() {
                p.add("axis", format!("a grid of {} points", lens.iter().map(usize::to_string).collect::<Vec<_>>().join(" x ")), format!("at most {MAX_POINTS} points; use fewer values or a sampled design (lhs, sobol)"));
                return Err(ScenarioError::Invalid(p.list));
            }
            let combos = if design == DesignKind::Grid {
                design::grid(&lens)
            } else {
                design::zip(&lens).map_err(|message| {
                    ScenarioError::Invalid(vec![Invalid {
                        location: p.locate("axis"),
                        path: "axis".into(),
                        value: format!("axes of {lens:?} values"),
                        allowed: format!("a zip design needs axes of equal length ({message})"),
                    }])
                })?
            };
            combos
                .into_iter()
                .enumerate()
                .map(|(index, c)| Point {
                    index,
                    values: c.iter().zip(&lists).map(|(&j, l)| l[j].clone()).collect(),
                    tag: Tag::None,
                })
                .collect()
        }
        DesignKind::Lhs => {
            let n = require(&mut p, raw.n, "n", "a Latin hypercube needs n >= 1 points")?;
            design::latin_hypercube(n, k, design_seed)
                .into_iter()
                .enumerate()
                .map(|(index, u)| Point {
                    index,
                    values: u.iter().zip(&axes).map(|(&u, a)| a.value_at(u)).collect(),
                    tag: Tag::None,
                })
                .collect()
        }
        DesignKind::Sobol => {
            let n = require(
                &mut p,
                raw.n,
                "n",
                "a Sobol' design needs n >= 1 points (a power of 2 is best)",
            )?;
            let fail = |message: String| {
                ScenarioError::Invalid(vec![Invalid {
                    location: p.locate("axis"),
                    path: "axis".into(),
                    value: format!("{k} axes"),
                    allowed: message,
                }])
            };
            if raw.saltelli.unwrap_or(false) {
                design::saltelli(n, k, design_seed)
                    .map_err(fail)?
                    .into_iter()
                    .enumerate()
                    .map(|(index, (sample, block, u))| Point {
                        index,
                        values: u.iter().zip(&axes).map(|(&u, a)| a.value_at(u)).collect(),
                        tag: Tag::Saltelli { sample, block },
                    })
                    .collect()
            } else {
                design::sobol(n, k, design_seed)
                    .map_err(fail)?
                    .into_iter()
                    .enumerate()
                    .map(|(index, u)| Point {
                        index,
                        values: u.iter().zip(&axes).map(|(&u, a)| a.value_at(u)).collect(),
                        tag: Tag::None,
                    })
                    .collect()
            }
        }
        DesignKind::Morris => {
            let r = require(
                &mut p,
                raw.r,
                "r",
                "a Morris design needs r >= 1 trajectories",
            )?;
            let levels = raw.levels.unwrap_or(DEFAULT_LEVELS);
            design::morris(r, k, levels, design_seed)
                .map_err(|message| {
                    ScenarioError::Invalid(vec![Invalid {
                        location: p.locate("levels"),
                        path: "levels".into(),
                        value: levels.to_string(),
                        allowed: message,
                    }])
                })?
                .into_iter()
                .enumerate()
                .map(|(index, m)| Point {
                    index,
                    values: m
                        .coords
                        .iter()
                        .zip(&axes)
                        .map(|(&u, a)| a.value_at_level(u))
                        .collect(),
                    tag: Tag::Morris {
                        trajectory: m.trajectory,
                        position: m.position,
                        changed: m.changed,
                    },
                })
                .collect()
        }
    };
    if raw.saltelli.is_some() && design != DesignKind::Sobol {
        p.add(
            "saltelli",
            "set",
            "saltelli applies to design = \"sobol\" only",
        );
    }
    if points.is_empty() {
        p.add("axis", "a design with no points", "at least one point");
    }
    if !p.list.is_empty() {
        return Err(ScenarioError::Invalid(p.list));
    }
    let plan = Plan {
        name,
        description: raw.description.clone().unwrap_or_default(),
        file: file.display.clone(),
        scenario_files: base.files(),
        replicates,
        seed,
        design,
        axes,
        points,
        raw,
        peak_run_bytes: 0,
        nominal_firm_steps: 0,
        rows_per_replicate: 0,
        base,
        fixed,
    };
    // Every point must be a valid scenario with the sectors of the first: refuse the plan
    // before anything runs.
    let mut plan = plan;
    let first = plan.scenario(0)?;
    let layout = |s: &Scenario| {
        s.sectors
            .iter()
            .map(|s| (s.name.clone(), s.tier))
            .collect::<Vec<_>>()
    };
    for point in 0..plan.points.len() {
        let scenario = if point == 0 {
            first.clone()
        } else {
            plan.scenario(point)?
        };
        if layout(&scenario) != layout(&first) {
            return Err(ScenarioError::Invalid(vec![Invalid {
                location: plan
                    .axes
                    .first()
                    .map_or(Location::Default, |a| a.location.clone()),
                path: "axis".into(),
                value: format!(
                    "point {point} has sectors {:?}",
                    layout(&scenario).iter().map(|(n, _)| n).collect::<Vec<_>>()
                ),
                allowed: "every point must have the sectors (names and tiers) of the first point"
                    .into(),
            }]));
        }
        plan.peak_run_bytes = plan
            .peak_run_bytes
            .max(crate::sim::estimated_bytes_per_replicate(&scenario));
        plan.rows_per_replicate +=
            (u64::from(scenario.run.steps) + 1) * (scenario.sectors.len() as u64 + 1);
        plan.nominal_firm_steps += scenario
            .run
            .firms
            .saturating_mul(u64::from(scenario.run.steps))
            .saturating_mul(u64::from(plan.replicates));
    }
    Ok(plan)
}

fn require(
    p: &mut Problems,
    value: Option<usize>,
    field: &str,
    message: &str,
) -> Result<usize, ScenarioError> {
    match value {
        Some(n) if n >= 1 => Ok(n),
        other => {
            p.add(
                field,
                other.map_or("missing".into(), |n| n.to_string()),
                message,
            );
            Err(ScenarioError::Invalid(std::mem::take(&mut p.list)))
        }
    }
}

/// Whether `path` is a policy lever (outside the schedule), and for which sector.
fn lever_target(path: &str, from_step: Option<u32>, sectors: &[String]) -> Result<Target, String> {
    let Some(rest) = path.strip_prefix("policy.") else {
        return Ok(Target::Field);
    };
    let (name, sector) = match rest.split_once('.') {
        Some((name, sector)) => (name, Some(sector)),
        None => (rest, None),
    };
    if name.starts_with("schedule") {
        return Ok(Target::Field); // a schedule entry's value: as written
    }
    let Some(lever) = LEVERS.iter().find(|l| l.name == name) else {
        let names: Vec<&str> = LEVERS.iter().map(|l| l.name).collect();
        return Err(format!("must name a policy lever: {}", names.join(", ")));
    };
    if let Some(sector) = sector {
        if !lever.per_sector() {
            return Err(format!(
                "`{name}` is one value for the whole economy, not per sector"
            ));
        }
        if !sectors.iter().any(|s| s == sector) {
            return Err(format!(
                "must name one of the sectors: {}",
                sectors.join(", ")
            ));
        }
    }
    Ok(Target::Lever {
        lever,
        sector: sector.map(str::to_string),
        from_step: from_step.unwrap_or(1),
    })
}

/// Checks each value of an axis: a lever's range, and for other fields that the path exists
/// and takes the value (by resolving the base with it).
fn check_axis_values(p: &mut Problems, i: usize, axis: &Axis, base: &Base, fixed: &[Override]) {
    let samples: Vec<(String, toml::Value)> = match &axis.values {
        Values::List(v) => v
            .iter()
            .enumerate()
            .map(|(k, v)| (format!("axis[{i}].values[{k}]"), v.clone()))
            .collect(),
        Values::Range { from, to, .. } => vec![
            (format!("axis[{i}].range.from"), toml::Value::Float(*from)),
            (format!("axis[{i}].range.to"), toml::Value::Float(*to)),
        ],
    };
    match &axis.target {
        Target::Lever { lever, .. } => {
            for (at, value) in samples {
                let ok = if lever.is_choice() {
                    value.as_str().is_some_and(|v| lever.choices.contains(&v))
                } else {
                    value
                        .as_float()
                        .or(value.as_integer().map(|i| i as f64))
                        .is_some_and(|x| lever.range.contains(x))
                };
                if !ok {
                    let allowed = lever.allowed();
                    let location = p.locate(&at);
                    p.list.push(Invalid {
                        location,
                        path: axis.path.clone(),
                        value: value.to_string(),
                        allowed,
                    });
                }
            }
        }
        Target::Field => {
            for (at, value) in samples {
                let location = p.locate(&at);
                let label = format!("{location}: axis[{i}] `{}`", axis.path);
                let result = Override::at(&axis.path, value, location, label).and_then(|o| {
                    let mut all = fixed.to_vec();
                    all.push(o);
                    base.resolve(&all)
                });
                let path_problem = |p: &mut Problems, message: String| {
                    let location = p.locate(&format!("axis[{i}].path"));
                    p.list.push(Invalid {
                        location,
                        path: format!("axis[{i}].path"),
                        value: format!("{:?}", axis.path),
                        allowed: format!("must name a field of the scenario: {message}"),
                    });
                };
                match result {
                    Ok(_) => {}
                    Err(ScenarioError::Invalid(list)) => p.list.extend(list),
                    // a wrong type is the value's fault; an unknown field the path's (once)
                    Err(ScenarioError::Syntax {
                        location, message, ..
                    }) if !message.starts_with("unknown field") => {
                        p.list.push(Invalid {
                            location,
                            path: axis.path.clone(),
                            value: "this value".into(),
                            allowed: message,
                        });
                    }
                    Err(
                        ScenarioError::Syntax { message, .. } | ScenarioError::Set { message, .. },
                    ) => {
                        path_problem(p, message);
                        break;
                    }
                    Err(other) => {
                        path_problem(p, other.to_string());
                        break;
                    }
                }
            }
        }
    }
}

/// Flattens a table into `path = value` pairs (nested tables become dotted paths).
fn flatten(table: &toml::Table) -> Vec<(String, toml::Value)> {
    let mut out = Vec::new();
    fn walk(prefix: &str, value: &toml::Value, out: &mut Vec<(String, toml::Value)>) {
        match value {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    walk(
                        &if prefix.is_empty() {
                            k.clone()
                        } else {
                            format!("{prefix}.{k}")
                        },
                        v,
                        out,
                    );
                }
            }
            other => out.push((prefix.to_string(), other.clone())),
        }
    }
    for (k, v) in table {
        walk(k, v, &mut out);
    }
    out
}

impl Plan {
    /// The scenario of point `index`: the base with the plan's `set`, its seed and replicates,
    /// and the point's axis values (a lever through a schedule entry from its `from_step`).
    pub fn scenario(&self, index: usize) -> Result<Scenario, ScenarioError> {
        let point = &self.points[index];
        let mut overrides = self.fixed.clone();
        let mut table = self.base.table_with(&overrides)?;
        let run = table
            .entry("run")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let Some(run) = run.as_table_mut() {
            run.insert(
                "replicates".into(),
                toml::Value::Integer(i64::from(self.replicates)),
            );
            run.insert("seed".into(), toml::Value::Integer(self.seed as i64));
        }
        for (axis, value) in self.axes.iter().zip(&point.values) {
            match &axis.target {
                Target::Lever {
                    lever,
                    sector,
                    from_step,
                } => {
                    let mut set = toml::Table::new();
                    let value = match sector {
                        Some(s) => {
                            toml::Value::Table(toml::Table::from_iter([(s.clone(), value.clone())]))
                        }
                        None => value.clone(),
                    };
                    set.insert(lever.name.to_string(), value);
                    let entry = toml::Table::from_iter([
                        (
                            "from_step".to_string(),
                            toml::Value::Integer(i64::from(*from_step)),
                        ),
                        ("set".to_string(), toml::Value::Table(set)),
                    ]);
                    let policy = table
                        .entry("policy")
                        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                    let policy = policy
                        .as_table_mut()
                        .expect("policy is a table (validated)");
                    let schedule = policy
                        .entry("schedule")
                        .or_insert_with(|| toml::Value::Array(Vec::new()));
                    schedule
                        .as_array_mut()
                        .expect("schedule is an array (validated)")
                        .push(toml::Value::Table(entry));
                }
                Target::Field => {
                    let o = Override::at(
                        &axis.path,
                        value.clone(),
                        axis.location.clone(),
                        format!("{}: `{}`", axis.location, axis.path),
                    )?;
                    o.apply(&mut table)?;
                    overrides.push(o);
                }
            }
        }
        let mut scenario = self.base.resolve_table(table, &overrides)?;
        scenario.name = self.name.clone();
        Ok(scenario)
    }

    /// Runs in the sweep: points x replicates.
    pub fn runs(&self) -> usize {
        self.points.len() * self.replicates as usize
    }

    /// Column names of `points.csv`: `point`, the design's columns, then one per axis.
    pub fn point_columns(&self) -> Vec<String> {
        let mut columns = vec!["point".to_string()];
        match self.design {
            DesignKind::Sobol if self.raw.saltelli.unwrap_or(false) => {
                columns.extend(["sample", "block", "varied"].map(String::from));
            }
            DesignKind::Morris => {
                columns.extend(["trajectory", "position", "changed"].map(String::from))
            }
            _ => {}
        }
        columns.extend(self.axes.iter().map(|a| a.name.clone()));
        columns
    }

    /// The fields of `points.csv` for a point, in column order.
    pub fn point_fields(&self, point: &Point) -> Vec<String> {
        let mut fields = vec![point.index.to_string()];
        match &point.tag {
            Tag::Saltelli { sample, block } => {
                let (b, varied) = match block {
                    SaltelliBlock::A => ("A", String::new()),
                    SaltelliBlock::B => ("B", String::new()),
                    SaltelliBlock::AB(i) => ("AB", self.axes[*i].name.clone()),
                };
                fields.extend([sample.to_string(), b.to_string(), varied]);
            }
            Tag::Morris {
                trajectory,
                position,
                changed,
            } => {
                fields.extend([
                    trajectory.to_string(),
                    position.to_string(),
                    changed.map_or(String::new(), |c| self.axes[c].name.clone()),
                ]);
            }
            Tag::None => {}
        }
        for value in &point.values {
            fields.push(match value {
                toml::Value::Float(x) => crate::output::csv::real(*x),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::String(s) => s.clone(),
                toml::Value::Boolean(b) => b.to_string(),
                other => other.to_string(),
            });
        }
        fields
    }

    /// The base scenario with the plan's `set`, seed and replicates, without any axis: what
    /// the manifest records.
    pub fn base_scenario(&self) -> Result<Scenario, ScenarioError> {
        let mut table = self.base.table_with(&self.fixed)?;
        let run = table
            .entry("run")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let Some(run) = run.as_table_mut() {
            run.insert(
                "replicates".into(),
                toml::Value::Integer(i64::from(self.replicates)),
            );
            run.insert("seed".into(), toml::Value::Integer(self.seed as i64));
        }
        let mut scenario = self.base.resolve_table(table, &self.fixed)?;
        scenario.name = self.name.clone();
        Ok(scenario)
    }

    /// A fingerprint of everything that decides the sweep's results: the plan's points, seed,
    /// replicates and the resolved base scenario, and this program's version. Journals and
    /// shards carry it, so a resume or a merge can refuse mixed results.
    pub fn fingerprint(&self) -> u64 {
        let mut text = format!(
            "nqpsim {} model {}\n",
            env!("CARGO_PKG_VERSION"),
            crate::MODEL_VERSION
        );
        text.push_str(&format!(
            "replicates {} seed {} design {:?}\n",
            self.replicates, self.seed, self.design
        ));
        text.push_str(&self.point_columns().join(","));
        for point in &self.points {
            text.push('\n');
            text.push_str(&self.point_fields(point).join(","));
        }
        if let Ok(first) = self.scenario(0) {
            text.push_str(&first.to_toml());
        }
        crate::output::atomic::fnv64(text.as_bytes())
    }
}
