//! Sweep plans: a base scenario, fixed overrides, and axes over any scenario field, combined
//! by a design into points. The plan as written (`raw.rs`), its validation with located errors
//! (`validate.rs`), the points of each design (`points.rs`), and here the validated plan and the
//! scenario of each point.

mod points;
mod raw;
mod table;
mod validate;

use std::path::PathBuf;

use super::design::SaltelliBlock;
use crate::error::Location;
use crate::error::ScenarioError;
use crate::model::levers::LeverInfo;
use crate::rng::combine;
use crate::scenario::overrides::Override;
use crate::scenario::{Base, Scenario};

pub use raw::{AxisRole, DesignKind, RawAxis, RawPlan, RawRange, Scale};
pub use validate::load;

/// What an axis moves.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// A policy lever (for one sector or region, or all): applied through a schedule entry
    /// from `from_step`, so every point shares the baseline's step 0 (docs/model.md §4).
    Lever {
        /// The lever.
        lever: &'static LeverInfo,
        /// The sector, for a per-sector lever set for one sector; the region, for a
        /// per-region lever set for one region.
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
    /// The column of a `table` design: one value per point, in row order.
    Column(Vec<toml::Value>),
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
    /// Lever or uncertainty, for scenario discovery (the plan's `role`, or the default for
    /// its path).
    pub role: AxisRole,
    /// Where `values` (or `range`) is written in the plan.
    location: Location,
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
    /// Memory of the largest run, bytes (see [`crate::sim::estimated_bytes_per_replicate`]):
    /// sets how many runs are in flight.
    pub peak_run_bytes: u64,
    /// Memory the most demanding run needs whatever entry and exit do, bytes (see
    /// [`crate::sim::least_bytes`]): a plan whose run cannot have it is refused.
    pub least_run_bytes: u64,
    /// Sum over runs of initial firms x steps (firm-steps before entry and exit).
    pub nominal_firm_steps: u64,
    /// Rows of `trajectories.csv` per replicate, summed over points: (steps + 1) x (sectors
    /// + 1) each.
    pub rows_per_replicate: u64,
    /// Rows of `decomposition.csv` per replicate, summed over points: steps x (sectors + 1).
    pub decomposition_rows_per_replicate: u64,
    /// Rows of `regions.csv` per replicate, summed over points: (steps + 1) x regions where
    /// the base scenario has model 2's regions, else none.
    pub region_rows_per_replicate: u64,
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

impl Plan {
    /// The scenario of point `index`: the base with the plan's `set`, its seed and replicates,
    /// and the point's axis values (a lever through a schedule entry from its `from_step`).
    pub fn scenario(&self, index: usize) -> Result<Scenario, ScenarioError> {
        let point = &self.points[index];
        let mut overrides = self.fixed.clone();
        let mut table = self.base_table()?;
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

    /// The merged table of the base scenario with the plan's `set` and the command line's
    /// overrides, and the plan's replicates and seed (common to every point).
    fn base_table(&self) -> Result<toml::Table, ScenarioError> {
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
        Ok(table)
    }

    /// The base scenario with the plan's `set`, seed and replicates, without any axis: what
    /// the manifest records.
    pub fn base_scenario(&self) -> Result<Scenario, ScenarioError> {
        let table = self.base_table()?;
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
