//! Reading a plan file and validating it: every problem located at its line and column in
//! the plan, the base scenario resolved with the plan's `set` and the command line's
//! overrides, each axis checked against the lever it moves or the field it sets, and every
//! point's scenario checked before anything runs.

use std::path::Path;

use super::{
    Axis, AxisRole, DesignKind, Plan, RawAxis, RawPlan, Scale, Target, Values, points, table,
};
use crate::error::{Invalid, Location, ScenarioError};
use crate::model::levers::{LEVERS, Scope};
use crate::scenario::overrides::Override;
use crate::scenario::plan::{self, Problems};
use crate::scenario::source::{self, SourceFile};
use crate::scenario::{Base, Scenario};

/// Reads and validates a plan file; `overrides` (from the command line) are applied to the
/// base scenario after the plan's `set`.
pub fn load(path: &Path, overrides: &[String]) -> Result<Plan, ScenarioError> {
    let file = SourceFile::read(path)?;
    let raw: RawPlan = file.deserialize()?;
    let (stem, dir) = source::stem_and_folder(path);
    build(raw, &file, &stem, &dir, overrides)
}

fn build(
    mut raw: RawPlan,
    file: &SourceFile,
    stem: &str,
    dir: &Path,
    overrides: &[String],
) -> Result<Plan, ScenarioError> {
    let mut p = Problems::new(file);
    let name = p.name(raw.name.as_deref(), stem);
    let RunBase {
        base,
        fixed,
        replicates,
        seed,
        keys,
    } = run_base(&mut p, &raw, dir, overrides)?;
    let design = raw.design.unwrap_or_default();
    if raw.table.is_some() && design != DesignKind::Table {
        p.add("table", "set", "table applies to design = \"table\" only");
    }
    let axes = if design == DesignKind::Table {
        table::axes(&mut p, &mut raw, dir, &base, &fixed, &keys)?
    } else {
        axes(&mut p, &raw, design, &base, &fixed, &keys)
    };
    if !p.list.is_empty() {
        return Err(ScenarioError::Invalid(p.list));
    }
    let points = points::points(&mut p, design, &axes, &raw, seed)?;
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
        least_run_bytes: 0,
        nominal_firm_steps: 0,
        rows_per_replicate: 0,
        decomposition_rows_per_replicate: 0,
        region_rows_per_replicate: 0,
        base,
        fixed,
    };
    check_points(plan)
}

/// Every point must be a valid scenario with the sectors of the first: the plan is refused
/// before anything runs. Sums the runs' memory, rows and firm-steps on the way.
fn check_points(mut plan: Plan) -> Result<Plan, ScenarioError> {
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
        plan.least_run_bytes = plan
            .least_run_bytes
            .max(crate::sim::least_bytes(&scenario, None));
        let (steps, sectors) = (u64::from(scenario.run.steps), scenario.sectors.len() as u64);
        plan.rows_per_replicate += (steps + 1) * (sectors + 1);
        plan.decomposition_rows_per_replicate += steps * (sectors + 1);
        if scenario.features.regions {
            plan.region_rows_per_replicate += (steps + 1) * scenario.regions.len() as u64;
        }
        plan.nominal_firm_steps += scenario
            .run
            .firms
            .saturating_mul(u64::from(scenario.run.steps))
            .saturating_mul(u64::from(plan.replicates));
    }
    Ok(plan)
}

/// The base scenario of a plan with its fixed overrides (the plan's `set`, then the command
/// line's), and the replicates and seed of every point.
struct RunBase {
    base: Base,
    fixed: Vec<Override>,
    replicates: u32,
    seed: u64,
    keys: LeverKeys,
}

/// What the path of a lever axis may key a lever by: the base scenario's sectors (of a
/// per-sector lever) and regions (of a per-region lever), by name.
pub(super) struct LeverKeys {
    /// The sectors' names, in order.
    pub(super) sectors: Vec<String>,
    /// The regions' names, in order (`national` alone when `regions` is off).
    pub(super) regions: Vec<String>,
}

fn run_base(
    p: &mut Problems,
    raw: &RawPlan,
    dir: &Path,
    overrides: &[String],
) -> Result<RunBase, ScenarioError> {
    let origin = match plan::origin(raw.scenario.as_deref(), dir) {
        Ok(origin) => origin,
        Err(shown) => {
            p.add("scenario", shown, plan::SCENARIO_RULE);
            return Err(ScenarioError::Invalid(std::mem::take(&mut p.list)));
        }
    };
    let base = plan::read_base(origin)?;
    let set = plan::flatten(raw.set.as_ref());
    let mut fixed = plan::set_overrides(&set, |path| p.locate(path))?;
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
    let keys = LeverKeys {
        sectors: probe.sector_names(),
        regions: probe.region_names(),
    };
    Ok(RunBase {
        base,
        fixed,
        replicates,
        seed,
        keys,
    })
}

/// The plan's axes, each validated (problems recorded in `p`).
fn axes(
    p: &mut Problems,
    raw: &RawPlan,
    design: DesignKind,
    base: &Base,
    fixed: &[Override],
    keys: &LeverKeys,
) -> Vec<Axis> {
    let raw_axes = raw.axis.clone().unwrap_or_default();
    if raw_axes.is_empty() {
        p.add(
            "axis",
            "missing",
            "a sweep needs at least one [[axis]] with a `path` and `values` or a `range`",
        );
    }
    let mut axes = Vec::new();
    for (i, a) in raw_axes.iter().enumerate() {
        if let Some(axis) = axis(p, i, a, design, base, fixed, keys, &axes) {
            axes.push(axis);
        }
    }
    axes
}

/// Axis `i` as written in `a`, validated against what it moves; `None` (with the problem
/// recorded) if it cannot be used. `earlier` are the axes before it (names are unique).
#[allow(clippy::too_many_arguments)]
fn axis(
    p: &mut Problems,
    i: usize,
    a: &RawAxis,
    design: DesignKind,
    base: &Base,
    fixed: &[Override],
    keys: &LeverKeys,
    earlier: &[Axis],
) -> Option<Axis> {
    let at = |field: &str| format!("axis[{i}].{field}");
    let Some(path) = a.path.clone() else {
        p.add(
            &format!("axis[{i}]"),
            "an axis without `path`",
            "every axis names a field, e.g. path = \"policy.rd_subsidy.traditional\"",
        );
        return None;
    };
    if path == "features" || path.starts_with("features.") {
        // one header for the whole sweep: every point has the base's model-2 columns or none
        p.add(
            &at("path"),
            format!("{path:?}"),
            "features are fixed for a sweep: switch them on in the base scenario (or compare a \
             scenario with and without a feature with `nqpsim compare`)",
        );
        return None;
    }
    let values = axis_values(p, i, a, design)?;
    let location = p.locate(&at(if a.values.is_some() {
        "values"
    } else {
        "range"
    }));
    let target = match lever_target(&path, a.from_step, keys) {
        Ok(t) => t,
        Err(message) => {
            p.add(&at("path"), format!("{path:?}"), message);
            return None;
        }
    };
    if target == Target::Field
        && let Err(problem) = crate::scenario::schema::scenario().at(&path)
    {
        p.add(
            &at("path"),
            format!("{path:?}"),
            format!(
                "must name a field of the scenario: `{}` is {}: {}",
                problem.path, problem.value, problem.allowed
            ),
        );
        return None;
    }
    if a.from_step.is_some() && target == Target::Field {
        p.add(
            &at("from_step"),
            format!("{} for `{path}`", a.from_step.unwrap_or(0)),
            "from_step applies to policy levers only; a model parameter applies throughout",
        );
    }
    if matches!(path.as_str(), "run.replicates" | "run.seed") {
        p.add(&at("path"), format!("{path:?}"), "replicates and seed are the plan's own `replicates` and `seed` (the same seed at every point: common random numbers)");
        return None;
    }
    let name = a.name.clone().unwrap_or_else(|| path.clone());
    if earlier.iter().any(|b: &Axis| b.name == name) {
        p.add(&at(if a.name.is_some() { "name" } else { "path" }), format!("{name:?}"), "a column name no other axis has: give the axis a distinct `name`, e.g. name = \"carbon_price_from_11\"");
        return None;
    }
    let role = a.role.unwrap_or_else(|| AxisRole::default_for(&path));
    let axis = Axis {
        name,
        path,
        target,
        values,
        role,
        location,
    };
    check_axis_values(p, i, &axis, base, fixed);
    Some(axis)
}

/// The values of axis `i`: a non-empty list, or a range with finite ends (positive on a log
/// scale) and, for grid and zip designs, a number of values.
fn axis_values(p: &mut Problems, i: usize, a: &RawAxis, design: DesignKind) -> Option<Values> {
    let at = |field: &str| format!("axis[{i}].{field}");
    Some(match (&a.values, &a.range) {
        (Some(_), Some(_)) | (None, None) => {
            p.add(
                &format!("axis[{i}]"),
                "an axis with both or neither of `values` and `range`",
                "give exactly one: values = [...] or range = { from, to, n }",
            );
            return None;
        }
        (Some(v), None) => {
            if v.is_empty() {
                p.add(
                    &at("values"),
                    "an empty list",
                    "an axis needs at least one value",
                );
                return None;
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
                return None;
            };
            let scale = r.scale.unwrap_or_default();
            if !from.is_finite() || !to.is_finite() {
                p.add(
                    &at("range"),
                    format!("from {from} to {to}"),
                    "both ends must be finite numbers",
                );
                return None;
            }
            if scale == Scale::Log && !(from > 0.0 && to > 0.0) {
                p.add(
                    &at("range"),
                    format!("from {from} to {to} on a log scale"),
                    "both ends must be positive on a log scale",
                );
                return None;
            }
            if matches!(design, DesignKind::Grid | DesignKind::Zip) && r.n.is_none_or(|n| n == 0) {
                p.add(
                    &at("range.n"),
                    r.n.map_or("missing".into(), |n| n.to_string()),
                    "a grid or zip range needs n >= 1 values",
                );
                return None;
            }
            Values::Range {
                from,
                to,
                n: r.n,
                scale,
            }
        }
    })
}

pub(super) fn require(
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

/// Whether `path` is a policy lever (outside the schedule), and for which sector (or region,
/// of a per-region lever).
pub(super) fn lever_target(
    path: &str,
    from_step: Option<u32>,
    keys: &LeverKeys,
) -> Result<Target, String> {
    let Some(rest) = path.strip_prefix("policy.") else {
        return Ok(Target::Field);
    };
    let (name, key) = match rest.split_once('.') {
        Some((name, key)) => (name, Some(key)),
        None => (rest, None),
    };
    if name.starts_with("schedule") {
        return Ok(Target::Field); // a schedule entry's value: as written
    }
    let Some(lever) = LEVERS.iter().find(|l| l.name == name) else {
        let names: Vec<&str> = LEVERS.iter().map(|l| l.name).collect();
        return Err(format!("must name a policy lever: {}", names.join(", ")));
    };
    if let Some(key) = key {
        let (what, names) = match lever.scope {
            Scope::Sector => ("sector", &keys.sectors),
            Scope::Region => ("region", &keys.regions),
            Scope::Global => {
                return Err(format!(
                    "`{name}` is one value for the whole economy, not per sector or region"
                ));
            }
        };
        if !names.iter().any(|s| s == key) {
            return Err(format!(
                "must name one of the {what}s: {}{}",
                names.join(", "),
                crate::error::did_you_mean(key, names.iter().map(String::as_str))
                    .map(|m| format!(" (did you mean `{m}`?)"))
                    .unwrap_or_default()
            ));
        }
    }
    Ok(Target::Lever {
        lever,
        sector: key.map(str::to_string),
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
        Values::Column(_) => return, // checked cell by cell as the table is read
        Values::Range { from, to, .. } => vec![
            (format!("axis[{i}].range.from"), toml::Value::Float(*from)),
            (format!("axis[{i}].range.to"), toml::Value::Float(*to)),
        ],
    };
    match &axis.target {
        Target::Lever { lever, .. } => {
            for (at, value) in samples {
                if let Some(allowed) = lever_problem(lever, &value) {
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

/// What a lever allows, if `value` is not among it.
pub(super) fn lever_problem(
    lever: &crate::model::levers::LeverInfo,
    value: &toml::Value,
) -> Option<String> {
    let ok = if lever.is_choice() {
        value.as_str().is_some_and(|v| lever.choices.contains(&v))
    } else {
        value
            .as_float()
            .or(value.as_integer().map(|i| i as f64))
            .is_some_and(|x| lever.range.contains(x))
    };
    (!ok).then(|| lever.allowed())
}
