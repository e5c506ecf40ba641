//! The points of a plan: each design's unit-cube coordinates (from [`super::super::design`])
//! turned into axis values.

use super::design_seed;
use super::validate::require;
use super::{Axis, DEFAULT_LEVELS, DesignKind, MAX_POINTS, Point, RawPlan, Scale, Tag, Values};
use crate::error::{Invalid, ScenarioError};
use crate::scenario::plan::Problems;
use crate::sweep::design;

impl Axis {
    /// The listed values of a list axis, or the `n` values of a range (grid, zip).
    pub(super) fn finite_values(&self) -> Option<Vec<toml::Value>> {
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
            Values::Range { n: None, .. } | Values::Column(_) => None,
        }
    }

    /// The value at unit coordinate `u` in [0, 1]: along the range, or the list entry whose
    /// index is `floor(u len)` (categorical axes in sampled designs).
    fn value_at(&self, u: f64) -> toml::Value {
        match &self.values {
            Values::Range {
                from, to, scale, ..
            } => toml::Value::Float(at(*from, *to, *scale, u)),
            Values::List(v) | Values::Column(v) => {
                let i = ((u * v.len() as f64).floor() as usize).min(v.len() - 1);
                v[i].clone()
            }
        }
    }

    /// The value at grid level `u` in {0, 1/(p-1), ..., 1} (Morris): the nearest list entry.
    fn value_at_level(&self, u: f64) -> toml::Value {
        match &self.values {
            Values::List(v) | Values::Column(v) => {
                v[((u * (v.len() - 1) as f64) + 0.5).floor() as usize].clone()
            }
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

/// The points of `design` over `axes` (validated), from the plan's `n`, `r`, `levels` and
/// `saltelli` and the design seed derived from `seed`.
pub(super) fn points(
    p: &mut Problems,
    design: DesignKind,
    axes: &[Axis],
    raw: &RawPlan,
    seed: u64,
) -> Result<Vec<Point>, ScenarioError> {
    let design_seed = design_seed(seed);
    match design {
        DesignKind::Grid | DesignKind::Zip => listed(p, design, axes),
        DesignKind::Lhs => lhs(p, raw, axes, design_seed),
        DesignKind::Sobol => sobol(p, raw, axes, design_seed),
        DesignKind::Morris => morris(p, raw, axes, design_seed),
        DesignKind::Table => Ok(column_points(axes)),
    }
}

/// Grid: every combination of the axes' listed values (the last varies fastest); zip: the
/// axes' values taken together.
fn listed(
    p: &mut Problems,
    design: DesignKind,
    axes: &[Axis],
) -> Result<Vec<Point>, ScenarioError> {
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
        p.add(
            "axis",
            format!(
                "a grid of {} points",
                lens.iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(" x ")
            ),
            format!(
                "at most {MAX_POINTS} points; use fewer values or a sampled design (lhs, sobol)"
            ),
        );
        return Err(ScenarioError::Invalid(std::mem::take(&mut p.list)));
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
    Ok(combos
        .into_iter()
        .enumerate()
        .map(|(index, c)| Point {
            index,
            values: c.iter().zip(&lists).map(|(&j, l)| l[j].clone()).collect(),
            tag: Tag::None,
        })
        .collect())
}

/// The points of a `table` design: row i takes the i-th value of every column.
fn column_points(axes: &[Axis]) -> Vec<Point> {
    let rows = axes.first().map_or(0, |a| match &a.values {
        Values::Column(v) => v.len(),
        _ => 0,
    });
    (0..rows)
        .map(|index| Point {
            index,
            values: axes
                .iter()
                .map(|a| match &a.values {
                    Values::Column(v) => v[index].clone(),
                    _ => unreachable!("every axis of a table design is a column"),
                })
                .collect(),
            tag: Tag::None,
        })
        .collect()
}

/// A Latin hypercube of `n` points.
fn lhs(
    p: &mut Problems,
    raw: &RawPlan,
    axes: &[Axis],
    design_seed: u64,
) -> Result<Vec<Point>, ScenarioError> {
    let k = axes.len();
    let n = require(p, raw.n, "n", "a Latin hypercube needs n >= 1 points")?;
    Ok(sampled(design::latin_hypercube(n, k, design_seed), axes))
}

/// Points at unit-cube coordinates `u` (one row per point), with no design tag.
fn sampled(u: Vec<Vec<f64>>, axes: &[Axis]) -> Vec<Point> {
    u.into_iter()
        .enumerate()
        .map(|(index, u)| Point {
            index,
            values: u.iter().zip(axes).map(|(&u, a)| a.value_at(u)).collect(),
            tag: Tag::None,
        })
        .collect()
}

/// A scrambled Sobol' sequence of `n` points, or the Saltelli design built on it.
fn sobol(
    p: &mut Problems,
    raw: &RawPlan,
    axes: &[Axis],
    design_seed: u64,
) -> Result<Vec<Point>, ScenarioError> {
    let k = axes.len();
    let n = require(
        p,
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
    if !raw.saltelli.unwrap_or(false) {
        return Ok(sampled(
            design::sobol(n, k, design_seed).map_err(fail)?,
            axes,
        ));
    }
    Ok(design::saltelli(n, k, design_seed)
        .map_err(fail)?
        .into_iter()
        .enumerate()
        .map(|(index, (sample, block, u))| Point {
            index,
            values: u.iter().zip(axes).map(|(&u, a)| a.value_at(u)).collect(),
            tag: Tag::Saltelli { sample, block },
        })
        .collect())
}

/// Morris trajectories over a grid of `levels` levels.
fn morris(
    p: &mut Problems,
    raw: &RawPlan,
    axes: &[Axis],
    design_seed: u64,
) -> Result<Vec<Point>, ScenarioError> {
    let k = axes.len();
    let r = require(p, raw.r, "r", "a Morris design needs r >= 1 trajectories")?;
    let levels = raw.levels.unwrap_or(DEFAULT_LEVELS);
    let points = design::morris(r, k, levels, design_seed)
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
                .zip(axes)
                .map(|(&u, a)| a.value_at_level(u))
                .collect(),
            tag: Tag::Morris {
                trajectory: m.trajectory,
                position: m.position,
                changed: m.changed,
            },
        })
        .collect();
    Ok(points)
}
