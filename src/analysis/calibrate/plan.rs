//! A calibration plan: which scenario, which parameters to estimate (any `--set` path, with
//! bounds), which moments to match (stylized facts, trajectory metrics, yearly growth) with
//! what targets, how to weight them, and how to search.
//!
//! The plan is a TOML file, parsed with unknown fields refused and validated with every
//! problem located at its line and column (as scenario files and sweep plans are).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::moments::{Moment, MomentKind, Target};
use crate::analysis::outcome::Outcome;
use crate::analysis::population::{FACTS, GROUPS};
use crate::error::ScenarioError;
use crate::metrics::MetricsRow;
use crate::scenario::overrides::Override;
use crate::scenario::plan::{self, Problems};
use crate::scenario::source::{self, SourceFile};
use crate::scenario::{Base, Scenario};

/// A calibration plan as written.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlan {
    /// Name: the output folder (default: the file's stem).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the calibration is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The base scenario, relative to the plan's folder (default `builtin:baseline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// Replicates of every evaluation (default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicates: Option<u32>,
    /// Seed of every evaluation (common random numbers; default: the base scenario's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Fixed overrides of the base scenario (e.g. the size of an evaluation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<toml::Table>,
    /// The parameters to estimate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<Vec<RawParameter>>,
    /// The moments to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moment: Option<Vec<RawMoment>>,
    /// The search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<RawSearch>,
}

/// One `[[parameter]]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawParameter {
    /// Its name in the outputs (default: the first path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The field it sets, as for `--set`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Several fields set together (e.g. one parameter for every sector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths: Option<Vec<String>>,
    /// Lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Where the search starts (default: the middle of the bounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<f64>,
    /// Search on a log scale (both bounds positive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<bool>,
    /// `set` (default): the value is written to each path; `multiply`: each path's base value
    /// is multiplied by it (a common factor for parameters that differ by sector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
}

/// How a parameter's value reaches its paths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The value is written to each path.
    #[default]
    Set,
    /// Each path's value in the base scenario is multiplied by it.
    Multiply,
}

/// One `[[moment]]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMoment {
    /// Its name in the outputs (default: built from what it measures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A stylized fact of `nqpsim facts`, by key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fact: Option<String>,
    /// The group of a fact: a tier or `all` (default `all`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// A metric of `trajectories.csv` at a step: `METRIC:SECTOR:STEP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// Yearly growth of a metric, `100 ln(m(last) / m(0)) / last` in % a year: `METRIC:SECTOR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth: Option<String>,
    /// A point target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// A band `[low, high]`: no loss inside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<[f64; 2]>,
    /// A weight instead of the inverse variance of the moment across replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// The deviation that costs 1 in the loss: a weight of `1 / tolerance^2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
}

/// `[search]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSearch {
    /// Evaluations at most, over all restarts (default 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluations: Option<usize>,
    /// Nelder-Mead runs from different starting points (default 3): the plan's start, then
    /// points of a Latin hypercube; a last run polishes the best.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarts: Option<usize>,
    /// Relative step of the numerical Jacobian, as a share of each parameter's range on its
    /// scale (default 0.05).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jacobian_step: Option<f64>,
}

/// A parameter to estimate, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// Its name in the outputs.
    pub name: String,
    /// The fields it sets.
    pub paths: Vec<String>,
    /// Bounds.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// Starting value.
    pub start: f64,
    /// Searched on a log scale.
    pub log: bool,
    /// How it reaches its paths.
    pub mode: Mode,
    /// The base scenario's value of each path (for `multiply`).
    pub base_values: Vec<f64>,
}

impl Parameter {
    /// The value at coordinate `u` in [0, 1] of its range (on its scale).
    pub fn value(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        if self.log {
            crate::math::exp(
                crate::math::ln(self.min)
                    + u * (crate::math::ln(self.max) - crate::math::ln(self.min)),
            )
        } else {
            self.min + u * (self.max - self.min)
        }
    }

    /// The coordinate in [0, 1] of `value`.
    pub fn coordinate(&self, value: f64) -> f64 {
        if self.log {
            (crate::math::ln(value) - crate::math::ln(self.min))
                / (crate::math::ln(self.max) - crate::math::ln(self.min))
        } else {
            (value - self.min) / (self.max - self.min)
        }
    }

    /// The `--set` overrides that give the parameter `value`.
    pub fn overrides(&self, value: f64) -> Vec<String> {
        self.paths
            .iter()
            .zip(&self.base_values)
            .map(|(path, base)| {
                let v = match self.mode {
                    Mode::Set => value,
                    Mode::Multiply => base * value,
                };
                format!("{path}={}", crate::output::csv::real(v))
            })
            .collect()
    }
}

/// The search settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Search {
    /// Evaluations at most.
    pub evaluations: usize,
    /// Nelder-Mead runs.
    pub restarts: usize,
    /// Relative step of the numerical Jacobian.
    pub jacobian_step: f64,
}

/// A validated calibration plan.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Name: the output folder.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// The plan file.
    pub file: PathBuf,
    /// The base scenario's files, leaf first.
    pub scenario_files: Vec<String>,
    /// Replicates of every evaluation.
    pub replicates: u32,
    /// Seed of every evaluation.
    pub seed: u64,
    /// Parameters.
    pub parameters: Vec<Parameter>,
    /// Moments.
    pub moments: Vec<Moment>,
    /// Search settings.
    pub search: Search,
    /// The plan as written (for the manifest).
    pub raw: RawPlan,
    base: Base,
    fixed: Vec<Override>,
    /// The fixed overrides as `path=value` (the plan's `set`, then the command line's).
    fixed_text: Vec<String>,
}

/// Default replicates of an evaluation.
pub const DEFAULT_REPLICATES: u32 = 4;
/// Default budget of evaluations.
pub const DEFAULT_EVALUATIONS: usize = 200;
/// Default number of Nelder-Mead runs.
pub const DEFAULT_RESTARTS: usize = 3;
/// Default relative step of the Jacobian.
pub const DEFAULT_JACOBIAN_STEP: f64 = 0.05;

impl Plan {
    /// The scenario of one evaluation: the base with the plan's `set`, the command line's
    /// overrides, the plan's seed and replicates, and each parameter at `values`.
    pub fn scenario(&self, values: &[f64]) -> Result<Scenario, ScenarioError> {
        let mut overrides = self.fixed.clone();
        for (p, &v) in self.parameters.iter().zip(values) {
            for o in p.overrides(v) {
                overrides.push(Override::parse(&o)?);
            }
        }
        overrides.push(Override::parse(&format!(
            "run.replicates={}",
            self.replicates
        ))?);
        overrides.push(Override::parse(&format!("run.seed={}", self.seed))?);
        let mut scenario = self.base.resolve(&overrides)?;
        scenario.name = self.name.clone();
        Ok(scenario)
    }

    /// The parameter values at unit-cube coordinates `u`.
    pub fn values(&self, u: &[f64]) -> Vec<f64> {
        self.parameters
            .iter()
            .zip(u)
            .map(|(p, &u)| p.value(u))
            .collect()
    }

    /// The starting point's coordinates.
    pub fn start(&self) -> Vec<f64> {
        self.parameters
            .iter()
            .map(|p| p.coordinate(p.start))
            .collect()
    }

    /// The overrides given in the plan's `set` and on the command line, as `path=value`.
    pub fn fixed_overrides(&self) -> Vec<String> {
        self.fixed_text.clone()
    }

    /// Whether any moment needs the firm panel (a stylized fact).
    pub fn needs_panel(&self) -> bool {
        self.moments
            .iter()
            .any(|m| matches!(m.kind, MomentKind::Fact { .. }))
    }

    /// A fingerprint of what decides the results: the plan's scenario at the start, its
    /// parameters, moments, seed, replicates and search, and this program's version. A
    /// journal carries it, so `--resume` refuses a changed plan.
    pub fn fingerprint(&self) -> u64 {
        let mut text = format!(
            "nqpsim {} model {}\nreplicates {} seed {}\n{:?}\n{:?}\n{:?}\n",
            env!("CARGO_PKG_VERSION"),
            crate::MODEL_VERSION,
            self.replicates,
            self.seed,
            self.parameters,
            self.moments,
            self.search
        );
        if let Ok(s) = self.scenario(&self.values(&self.start())) {
            text.push_str(&s.to_toml());
        }
        crate::output::atomic::fnv64(text.as_bytes())
    }
}

/// Reads and validates a plan file; `overrides` (from the command line) apply to the base
/// scenario after the plan's `set`.
pub fn load(path: &Path, overrides: &[String]) -> Result<Plan, ScenarioError> {
    let file = SourceFile::read(path)?;
    let raw: RawPlan = file.deserialize()?;
    let (stem, dir) = source::stem_and_folder(path);
    validate(raw, &file, &stem, &dir, overrides)
}

fn validate(
    raw: RawPlan,
    file: &SourceFile,
    stem: &str,
    dir: &Path,
    overrides: &[String],
) -> Result<Plan, ScenarioError> {
    let mut p = Problems::new(file);
    let name = p.name(raw.name.as_deref(), stem);
    let origin = match plan::origin(raw.scenario.as_deref(), dir) {
        Ok(origin) => origin,
        Err(shown) => {
            p.add("scenario", shown, plan::SCENARIO_RULE);
            return Err(ScenarioError::Invalid(p.list));
        }
    };
    let base = plan::read_base(origin)?;
    let set = plan::flatten(raw.set.as_ref());
    let mut fixed = plan::set_overrides(&set, |path| p.locate(path))?;
    let mut fixed_text: Vec<String> = set
        .iter()
        .map(|(path, value)| format!("{path}={value}"))
        .collect();
    for o in overrides {
        fixed.push(Override::parse(o)?);
        fixed_text.push(o.clone());
    }
    let probe = base.resolve(&fixed)?;
    let replicates = raw.replicates.unwrap_or(DEFAULT_REPLICATES);
    if replicates < 2 {
        p.add(
            "replicates",
            replicates.to_string(),
            "at least 2: the weights and standard errors need the moments' spread across replicates",
        );
    }
    let seed = raw.seed.unwrap_or(probe.run.seed);
    if seed > i64::MAX as u64 {
        p.add("seed", seed.to_string(), "must be at most 2^63 - 1");
    }
    let parameters = parameters(&mut p, &raw, &base, &fixed);
    let moments = moments(&mut p, &raw, &probe);
    let search = search(&mut p, &raw);
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
        parameters,
        moments,
        search,
        raw,
        base,
        fixed,
        fixed_text,
    };
    // Every corner of the parameter box must be a valid scenario: refuse the plan before
    // anything runs.
    for corner in [0.0, 1.0] {
        let u = vec![corner; plan.parameters.len()];
        plan.scenario(&plan.values(&u))?;
    }
    Ok(plan)
}

fn parameters(p: &mut Problems, raw: &RawPlan, base: &Base, fixed: &[Override]) -> Vec<Parameter> {
    let written = raw.parameter.clone().unwrap_or_default();
    if written.is_empty() {
        p.add(
            "parameter",
            "missing",
            "a calibration estimates at least one [[parameter]] with a `path` and `min`, `max`",
        );
    }
    let scenario = base.resolve(fixed).ok();
    let mut out: Vec<Parameter> = Vec::new();
    for (i, r) in written.iter().enumerate() {
        let at = |field: &str| format!("parameter[{i}].{field}");
        let paths: Vec<String> = match (&r.path, &r.paths) {
            (Some(path), None) => vec![path.clone()],
            (None, Some(paths)) if !paths.is_empty() => paths.clone(),
            _ => {
                p.add(
                    &format!("parameter[{i}]"),
                    "neither or both of `path` and `paths`",
                    "give exactly one: path = \"sectors.traditional.x\" or paths = [...]",
                );
                continue;
            }
        };
        let (Some(min), Some(max)) = (r.min, r.max) else {
            p.add(
                &at("min"),
                "missing",
                "every parameter needs `min` and `max`",
            );
            continue;
        };
        let log = r.log.unwrap_or(false);
        if !(min.is_finite() && max.is_finite() && min < max) || (log && min <= 0.0) {
            p.add(
                &at("min"),
                format!("min {min}, max {max}"),
                if log {
                    "finite bounds with 0 < min < max on a log scale"
                } else {
                    "finite bounds with min < max"
                },
            );
            continue;
        }
        let start = r.start.unwrap_or(if log {
            (min * max).sqrt()
        } else {
            0.5 * (min + max)
        });
        if !(min..=max).contains(&start) {
            p.add(
                &at("start"),
                start.to_string(),
                format!("must lie in [{min}, {max}]"),
            );
        }
        let mut base_values = Vec::new();
        for path in &paths {
            match scenario.as_ref().and_then(|s| numeric_field(s, path)) {
                Some(v) => base_values.push(v),
                None => p.add(
                    &at("path"),
                    format!("{path:?}"),
                    "must name a numeric field of the scenario, as for --set (e.g. sectors.traditional.demand_shock_sd, model.exit_share, policy.carbon_price)",
                ),
            }
        }
        let name = r.name.clone().unwrap_or_else(|| paths[0].clone());
        if out.iter().any(|q| q.name == name) {
            p.add(
                &at("name"),
                format!("{name:?}"),
                "a name no other parameter has",
            );
        }
        out.push(Parameter {
            name,
            paths,
            min,
            max,
            start,
            log,
            mode: r.mode.unwrap_or_default(),
            base_values,
        });
    }
    out
}

/// The value of a numeric field of a resolved scenario, by its `--set` path.
fn numeric_field(scenario: &Scenario, path: &str) -> Option<f64> {
    let value: toml::Value = toml::Value::try_from(scenario.to_raw()).ok()?;
    let mut at = &value;
    for part in path.split('.') {
        at = at.get(part)?;
    }
    at.as_float().or(at.as_integer().map(|i| i as f64))
}

fn moments(p: &mut Problems, raw: &RawPlan, scenario: &Scenario) -> Vec<Moment> {
    let written = raw.moment.clone().unwrap_or_default();
    if written.is_empty() {
        p.add(
            "moment",
            "missing",
            "a calibration matches at least one [[moment]] (a `fact`, `metric` or `growth` with a `target` or `band`)",
        );
    }
    let sectors: Vec<&str> = scenario.sectors.iter().map(|s| s.name.as_str()).collect();
    let mut out: Vec<Moment> = Vec::new();
    for (i, r) in written.iter().enumerate() {
        let at = |field: &str| format!("moment[{i}].{field}");
        let kind = match (&r.fact, &r.metric, &r.growth) {
            (Some(fact), None, None) => {
                let Some(f) = FACTS.iter().position(|(k, _)| k == fact) else {
                    let keys: Vec<&str> = FACTS.iter().map(|f| f.0).collect();
                    p.add(
                        &at("fact"),
                        format!("{fact:?}"),
                        format!("must be one of the facts: {}", keys.join(", ")),
                    );
                    continue;
                };
                let group = r.group.clone().unwrap_or_else(|| "all".into());
                let Some(g) = GROUPS.iter().position(|x| *x == group) else {
                    p.add(
                        &at("group"),
                        format!("{group:?}"),
                        format!("must be one of {}", GROUPS.join(", ")),
                    );
                    continue;
                };
                MomentKind::Fact { fact: f, group: g }
            }
            (None, Some(metric), None) => match metric.parse::<Outcome>() {
                Ok(outcome) => match check_outcome(&outcome.metric, &outcome.sector, &sectors) {
                    Ok(row) => MomentKind::Metric { outcome, row },
                    Err(message) => {
                        p.add(&at("metric"), format!("{metric:?}"), message);
                        continue;
                    }
                },
                Err(message) => {
                    p.add(&at("metric"), format!("{metric:?}"), message);
                    continue;
                }
            },
            (None, None, Some(growth)) => {
                let parts: Vec<&str> = growth.split(':').collect();
                let [metric, sector] = parts[..] else {
                    p.add(
                        &at("growth"),
                        format!("{growth:?}"),
                        "METRIC:SECTOR, e.g. tfp_index:all",
                    );
                    continue;
                };
                match check_outcome(metric, sector, &sectors) {
                    Ok(row) => MomentKind::Growth {
                        metric: metric.to_string(),
                        sector: sector.to_string(),
                        row,
                    },
                    Err(message) => {
                        p.add(&at("growth"), format!("{growth:?}"), message);
                        continue;
                    }
                }
            }
            _ => {
                p.add(
                    &format!("moment[{i}]"),
                    "not exactly one of `fact`, `metric`, `growth`",
                    "give one: fact = \"size_tail\", metric = \"output_share:traditional:last\" or growth = \"tfp_index:all\"",
                );
                continue;
            }
        };
        let target = match (r.target, r.band) {
            (Some(t), None) if t.is_finite() => Target::Point(t),
            (None, Some([lo, hi])) if lo.is_finite() && hi.is_finite() && lo <= hi => {
                Target::Band(lo, hi)
            }
            _ => {
                p.add(
                    &format!("moment[{i}]"),
                    "no usable target",
                    "give exactly one: target = 1.0, or band = [low, high] with low <= high",
                );
                continue;
            }
        };
        if let Some(w) = r.weight
            && !(w.is_finite() && w > 0.0)
        {
            p.add(&at("weight"), w.to_string(), "a finite weight > 0");
        }
        if let Some(t) = r.tolerance {
            if !(t.is_finite() && t > 0.0) {
                p.add(&at("tolerance"), t.to_string(), "a finite tolerance > 0");
            } else if r.weight.is_some() {
                p.add(
                    &at("tolerance"),
                    t.to_string(),
                    "either `weight` or `tolerance` (a weight of 1 / tolerance^2), not both",
                );
            }
        }
        let weight = r.weight.or(r.tolerance.map(|t| 1.0 / (t * t)));
        let name = r.name.clone().unwrap_or_else(|| kind.describe());
        if out.iter().any(|m| m.name == name) {
            p.add(
                &at("name"),
                format!("{name:?}"),
                "a name no other moment has",
            );
        }
        out.push(Moment {
            name,
            kind,
            target,
            weight,
        });
    }
    out
}

/// The metric's column and the sector's row position (sector index, or the sectors' count for
/// `all`), or why not.
fn check_outcome(metric: &str, sector: &str, sectors: &[&str]) -> Result<(usize, usize), String> {
    let Some(column) = MetricsRow::METRIC_COLUMNS.iter().position(|c| *c == metric) else {
        return Err(format!(
            "`{metric}` is not a metric of trajectories.csv: {}",
            MetricsRow::METRIC_COLUMNS.join(", ")
        ));
    };
    let row = if sector == "all" {
        sectors.len()
    } else {
        sectors
            .iter()
            .position(|s| *s == sector)
            .ok_or_else(|| format!("`{sector}` is not a sector: {}, or all", sectors.join(", ")))?
    };
    Ok((column, row))
}

fn search(p: &mut Problems, raw: &RawPlan) -> Search {
    let s = raw.search.clone().unwrap_or_default();
    let evaluations = s.evaluations.unwrap_or(DEFAULT_EVALUATIONS);
    let restarts = s.restarts.unwrap_or(DEFAULT_RESTARTS);
    let jacobian_step = s.jacobian_step.unwrap_or(DEFAULT_JACOBIAN_STEP);
    if evaluations < 4 {
        p.add("search.evaluations", evaluations.to_string(), "at least 4");
    }
    if restarts == 0 {
        p.add("search.restarts", "0", "at least 1");
    }
    if !(jacobian_step > 0.0 && jacobian_step <= 0.25) {
        p.add(
            "search.jacobian_step",
            jacobian_step.to_string(),
            "in (0, 0.25]: a share of each parameter's range",
        );
    }
    Search {
        evaluations,
        restarts: restarts.max(1),
        jacobian_step,
    }
}
