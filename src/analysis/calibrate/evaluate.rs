//! One evaluation of a calibration: the plan's scenario at given parameter values, run for its
//! replicates (with the plan's seed: common random numbers, so the objective moves smoothly
//! with the parameters), its moments measured on each replicate, and the loss.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::moments::{self, Moment};
use super::plan::Plan;
use crate::panel::PanelSample;
use crate::sim::{self, Silent};

/// What one evaluation found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The point, as unit-cube coordinates of the parameters' ranges.
    pub coordinates: Vec<f64>,
    /// The parameter values.
    pub values: Vec<f64>,
    /// The moments of each replicate, `[replicate][moment]` (NaN: not measurable).
    pub replicates: Vec<Vec<f64>>,
    /// Why the runs failed (a numeric fault or an invalid scenario), if they did.
    pub failed: Option<String>,
}

impl Evaluation {
    /// The mean of each moment over the replicates (NaN if any replicate lacks it).
    pub fn means(&self) -> Vec<f64> {
        let m = self.replicates.first().map_or(0, Vec::len);
        (0..m)
            .map(|k| crate::stats::mean(self.replicates.iter().map(|r| r[k])))
            .collect()
    }

    /// The sample variance of each moment over the replicates (NaN below two).
    pub fn variances(&self) -> Vec<f64> {
        let m = self.replicates.first().map_or(0, Vec::len);
        (0..m)
            .map(|k| {
                let x: Vec<f64> = self.replicates.iter().map(|r| r[k]).collect();
                let mean = crate::stats::mean(x.iter().copied());
                crate::stats::sample_variance(&x, mean).unwrap_or(f64::NAN)
            })
            .collect()
    }
}

/// Runs the plan's scenario at `coordinates` on the current thread pool (its replicates in
/// parallel) and measures the moments of each replicate.
pub fn evaluate(plan: &Plan, coordinates: &[f64]) -> Evaluation {
    let values = plan.values(coordinates);
    let mut evaluation = Evaluation {
        coordinates: coordinates.to_vec(),
        values: values.clone(),
        replicates: Vec::new(),
        failed: None,
    };
    let scenario = match plan.scenario(&values) {
        Ok(s) => s,
        Err(e) => {
            evaluation.failed = Some(e.to_string());
            return evaluation;
        }
    };
    let panel = plan.needs_panel().then_some(PanelSample::All);
    let allowance = sim::replicate_allowance(rayon::current_num_threads());
    let results: Vec<Result<Vec<f64>, String>> = (0..plan.replicates)
        .into_par_iter()
        .map(|r| {
            let output = sim::run_replicate(&scenario, r, 0, panel, &Silent, None, allowance)
                .map_err(|e| e.to_string())?
                .expect("not cancelled");
            Ok(moments::measure(&plan.moments, &scenario, &output))
        })
        .collect();
    for result in results {
        match result {
            Ok(m) => evaluation.replicates.push(m),
            Err(message) => {
                evaluation.failed = Some(message);
                evaluation.replicates.clear();
                break;
            }
        }
    }
    evaluation
}

/// The weight of each moment in the loss: the plan's, or the inverse of the moment's variance
/// across replicates at `reference` (the start of the search), so that the loss is a sum of
/// squared deviations in units of one economy's spread. A variance of 0 is floored at a
/// millionth of the target's scale.
pub fn weights(moments: &[Moment], reference: &Evaluation) -> Vec<f64> {
    moments
        .iter()
        .zip(reference.variances())
        .map(|(m, var)| match m.weight {
            Some(w) => w,
            None => {
                let scale = match m.target {
                    moments::Target::Point(t) => t.abs(),
                    moments::Target::Band(lo, hi) => lo.abs().max(hi.abs()),
                }
                .max(1.0);
                let floor = (1e-6 * scale) * (1e-6 * scale);
                1.0 / if var.is_finite() {
                    var.max(floor)
                } else {
                    floor
                }
            }
        })
        .collect()
}

/// The loss `sum_k w_k d_k^2` of an evaluation, with `d_k` the deviation of moment k's mean
/// from its target (0 inside a band); infinite when the runs failed or a moment could not be
/// measured.
pub fn loss(moments: &[Moment], weights: &[f64], evaluation: &Evaluation) -> f64 {
    if evaluation.failed.is_some() || evaluation.replicates.is_empty() {
        return f64::INFINITY;
    }
    let mut total = 0.0;
    for ((m, w), mean) in moments.iter().zip(weights).zip(evaluation.means()) {
        if !mean.is_finite() {
            return f64::INFINITY;
        }
        let d = m.target.deviation(mean);
        total += w * d * d;
    }
    total
}
