//! The moments a calibration matches, measured on one simulated replicate: a stylized fact of
//! `nqpsim facts`, a metric of `trajectories.csv` at a step, or the yearly growth of a metric.

use crate::analysis::outcome::{Outcome, StepChoice};
use crate::analysis::population::{self, FACTS, GROUPS};
use crate::metrics::MetricsRow;
use crate::scenario::Scenario;
use crate::sim::ReplicateOutput;

/// What a moment measures.
#[derive(Clone, Debug, PartialEq)]
pub enum MomentKind {
    /// A stylized fact (index into [`FACTS`]) for a group (index into [`GROUPS`]).
    Fact {
        /// The fact.
        fact: usize,
        /// The group.
        group: usize,
    },
    /// A metric at a step; `row` is (metric column, sector row position).
    Metric {
        /// What the user wrote.
        outcome: Outcome,
        /// (column of the metric, position of the sector among a step's rows).
        row: (usize, usize),
    },
    /// Yearly growth of a metric over the run, `100 ln(m(last) / m(0)) / last`, % a year.
    Growth {
        /// The metric.
        metric: String,
        /// The sector, or `all`.
        sector: String,
        /// (column of the metric, position of the sector among a step's rows).
        row: (usize, usize),
    },
}

impl MomentKind {
    /// A name for the moment when the plan gives none.
    pub fn describe(&self) -> String {
        match self {
            MomentKind::Fact { fact, group } => format!("{}:{}", FACTS[*fact].0, GROUPS[*group]),
            MomentKind::Metric { outcome, .. } => outcome.to_string(),
            MomentKind::Growth { metric, sector, .. } => format!("growth:{metric}:{sector}"),
        }
    }
}

/// What a moment should be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// A value.
    Point(f64),
    /// A band: anything in `[low, high]` is as good.
    Band(f64, f64),
}

impl Target {
    /// How far `value` is from the target (0 inside a band; signed).
    pub fn deviation(self, value: f64) -> f64 {
        match self {
            Target::Point(t) => value - t,
            Target::Band(lo, _) if value < lo => value - lo,
            Target::Band(_, hi) if value > hi => value - hi,
            Target::Band(..) => 0.0,
        }
    }

    /// The target as text (`1.15`, `[0.8, 1.5]`).
    pub fn describe(self) -> String {
        match self {
            Target::Point(t) => format!("{t}"),
            Target::Band(lo, hi) => format!("[{lo}, {hi}]"),
        }
    }
}

/// A moment to match.
#[derive(Clone, Debug, PartialEq)]
pub struct Moment {
    /// Its name in the outputs.
    pub name: String,
    /// What it measures.
    pub kind: MomentKind,
    /// What it should be.
    pub target: Target,
    /// A weight given in the plan (otherwise the inverse variance across replicates).
    pub weight: Option<f64>,
}

/// The moments of one replicate (NaN where one cannot be measured), from its rows and, when a
/// fact is asked for, its full panel.
pub fn measure(moments: &[Moment], scenario: &Scenario, output: &ReplicateOutput) -> Vec<f64> {
    let facts = moments
        .iter()
        .any(|m| matches!(m.kind, MomentKind::Fact { .. }))
        .then(|| population::measure(scenario, &output.panel));
    let per_step = scenario.sectors.len() + 1;
    let last = scenario.run.steps as usize;
    let value = |step: usize, (column, row): (usize, usize)| -> f64 {
        output
            .rows
            .get(step * per_step + row)
            .and_then(|r: &MetricsRow| r.metric_values()[column].as_f64())
            .unwrap_or(f64::NAN)
    };
    moments
        .iter()
        .map(|m| match &m.kind {
            MomentKind::Fact { fact, group } => {
                facts.as_ref().map_or(f64::NAN, |f| f.values[*fact][*group])
            }
            MomentKind::Metric { outcome, row } => {
                let step = match outcome.step {
                    StepChoice::Number(s) => s as usize,
                    StepChoice::Last => last,
                };
                value(step, *row)
            }
            MomentKind::Growth { row, .. } => {
                let (first, end) = (value(0, *row), value(last, *row));
                if last == 0 || !(first > 0.0 && end > 0.0) {
                    f64::NAN
                } else {
                    100.0 * crate::math::ln(end / first) / last as f64
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_band_costs_nothing_inside_and_the_distance_to_its_edge_outside() {
        let band = Target::Band(0.8, 1.5);
        assert_eq!(band.deviation(1.0), 0.0);
        assert_eq!(band.deviation(0.7), 0.7 - 0.8);
        assert_eq!(band.deviation(2.0), 0.5);
        assert_eq!(Target::Point(1.0).deviation(1.25), 0.25);
    }
}
