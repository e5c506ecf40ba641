//! Sweep plans as written: serde types with every field optional and unknown fields refused.

use serde::{Deserialize, Serialize};

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
    /// The points of a CSV table made elsewhere (SALib, EMA Workbench, pyDOE, a
    /// spreadsheet): one column per axis path, one row per point.
    Table,
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
    /// The CSV file of a `table` design, relative to the plan's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
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
    /// What the axis stands for in scenario discovery (`nqpsim discover`): a lever the
    /// policy maker sets, or an uncertainty they do not control (default: a `policy.*` path
    /// is a lever, anything else an uncertainty). It does not change the runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<AxisRole>,
}

/// The role of an axis in scenario discovery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AxisRole {
    /// A policy lever: set by the policy maker.
    Lever,
    /// An uncertainty: a condition of the world the policy maker does not control.
    Uncertainty,
}

impl AxisRole {
    /// The role of an axis over `path` that names none: a `policy.*` path is a lever,
    /// anything else an uncertainty.
    pub fn default_for(path: &str) -> AxisRole {
        if path.starts_with("policy.") {
            AxisRole::Lever
        } else {
            AxisRole::Uncertainty
        }
    }

    /// `lever` or `uncertainty`, as written in a plan.
    pub fn name(self) -> &'static str {
        match self {
            AxisRole::Lever => "lever",
            AxisRole::Uncertainty => "uncertainty",
        }
    }
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
