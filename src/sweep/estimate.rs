//! `nqpsim sweep --dry-run`: the size of a sweep and an estimate of its time and output from a
//! short calibration run (replicate 0 of a few points spread over the design, a few steps
//! each, on the same thread pool as the sweep would use).

use std::time::Instant;

use super::plan::Plan;
use super::summary::{self, PointBuffer};
use crate::error::Error;
use crate::sim::{self, Silent};

/// Firm-steps the calibration aims at per sampled run.
const CALIBRATION_FIRM_STEPS: u64 = 400_000;

/// What the calibration measured and what it predicts.
#[derive(Clone, Debug)]
pub struct Estimate {
    /// Runs sampled.
    pub sample_runs: usize,
    /// Firm-steps per second over the sample, all threads together.
    pub firm_steps_per_s: f64,
    /// Firm-steps executed per initial firm and step (entry and exit change the count).
    pub growth: f64,
    /// Firm-steps of the whole sweep, estimated.
    pub firm_steps: f64,
    /// Wall time of the whole sweep, seconds.
    pub seconds: f64,
    /// Bytes of `trajectories.csv`.
    pub trajectories_bytes: f64,
    /// Bytes of `decomposition.csv`.
    pub decomposition_bytes: f64,
    /// Bytes of `regions.csv` (0 without model 2's regions).
    pub regions_bytes: f64,
    /// Bytes of `summary.csv`.
    pub summary_bytes: f64,
}

/// Runs the calibration for `plan` on `threads` threads.
pub fn estimate(plan: &Plan, threads: Option<usize>) -> Result<Estimate, Error> {
    let pool = crate::sim::thread_pool(threads)?;
    let points = plan.points.len();
    let sample = points.min(pool.current_num_threads().max(2));
    let chosen: Vec<usize> = (0..sample).map(|i| i * points / sample).collect();
    let mut scenarios = Vec::new();
    for &p in &chosen {
        let mut s = plan.scenario(p)?;
        // at least one step, unless the plan has none (`--steps 0`: the initial state alone)
        let steps = (CALIBRATION_FIRM_STEPS / s.run.firms.max(1))
            .max(1)
            .min(u64::from(s.run.steps));
        s.run.steps = steps as u32;
        scenarios.push(s);
    }
    let allowance = sim::replicate_allowance(sample);
    let started = Instant::now();
    let results: Vec<_> = pool.install(|| {
        use rayon::prelude::*;
        scenarios
            .par_iter()
            .enumerate()
            .map(|(i, s)| {
                sim::run_replicate(s, 0, chosen[i] as u32, None, &Silent, None, allowance)
            })
            .collect()
    });
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    let mut firm_steps = 0u64;
    let mut nominal = 0u64;
    let mut rows_out = Vec::new();
    let mut sample_decomposition = Vec::new();
    let mut sample_regions = Vec::new();
    for (result, s) in results.into_iter().zip(&scenarios) {
        let output = result?.expect("not cancelled");
        firm_steps += output.firm_steps;
        nominal += s.run.firms * u64::from(s.run.steps);
        rows_out.push(output.rows);
        sample_decomposition.extend(output.decomposition);
        sample_regions.extend(output.regions);
    }
    // without steps there is no entry or exit to scale the firm-steps by
    let growth = if nominal > 0 {
        firm_steps as f64 / nominal as f64
    } else {
        1.0
    };
    let rate = firm_steps as f64 / seconds;

    // Bytes per row, from the sample's rows written as the sweep would.
    let mut trajectories =
        crate::output::trajectories::TrajectoryWriter::new(Vec::new(), &scenarios[0]).map_err(
            |e| Error::BadArgument {
                flag: "--dry-run".into(),
                message: e.to_string(),
            },
        )?;
    let header = {
        let mut w = crate::output::trajectories::TrajectoryWriter::new(Vec::new(), &scenarios[0])
            .expect("memory");
        w.flush().expect("memory");
        w.get_ref().len()
    };
    let mut rows_written = 0;
    for rows in &rows_out {
        for row in rows {
            trajectories.write(row).expect("writing to memory");
            rows_written += 1;
        }
    }
    trajectories.flush().expect("memory");
    let per_row = (trajectories.get_ref().len() - header) as f64 / rows_written.max(1) as f64;
    let per_decomposition_row = {
        let mut w =
            crate::output::decomposition::DecompositionWriter::new(Vec::new(), &scenarios[0])
                .expect("memory");
        w.flush().expect("memory");
        let header = w.get_ref().len();
        for row in &sample_decomposition {
            w.write(row).expect("writing to memory");
        }
        w.flush().expect("memory");
        (w.get_ref().len() - header) as f64 / sample_decomposition.len().max(1) as f64
    };
    let per_region_row = {
        let mut w =
            crate::output::regions::RegionWriter::new(Vec::new(), &scenarios[0]).expect("memory");
        w.flush().expect("memory");
        let header = w.get_ref().len();
        for row in &sample_regions {
            w.write(row).expect("writing to memory");
        }
        w.flush().expect("memory");
        (w.get_ref().len() - header) as f64 / sample_regions.len().max(1) as f64
    };
    // A summary of the first sampled point with its run twice: the layout of the real rows.
    let mut buffer = PointBuffer::default();
    buffer.push(summary::run_values(&rows_out[0], &scenarios[0]));
    buffer.push(
        summary::run_values(&rows_out[0], &scenarios[0])
            .iter()
            .map(|x| x * 1.000_000_1)
            .collect(),
    );
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    buffer
        .write_summary(&mut csv, &[chosen[0].to_string()], &scenarios[0])
        .expect("writing to memory");
    let summary_text = csv.into_inner().expect("memory");
    let summary_rows = summary_text.iter().filter(|&&b| b == b'\n').count().max(1);
    let per_summary_row = summary_text.len() as f64 / summary_rows as f64;

    let total_firm_steps = plan.nominal_firm_steps as f64 * growth;
    // every metric summary.csv holds, model 2's block included where a feature is on
    let metrics = summary::metric_names(&scenarios[0]).len() as f64;
    Ok(Estimate {
        sample_runs: sample,
        firm_steps_per_s: rate,
        growth,
        firm_steps: total_firm_steps,
        // without firm-steps (`--steps 0`), the sample's runs' time scaled to the plan's runs
        seconds: if total_firm_steps > 0.0 {
            total_firm_steps / rate
        } else {
            seconds * plan.runs() as f64 / sample as f64
        },
        trajectories_bytes: plan.rows_per_replicate as f64 * f64::from(plan.replicates) * per_row,
        decomposition_bytes: plan.decomposition_rows_per_replicate as f64
            * f64::from(plan.replicates)
            * per_decomposition_row,
        regions_bytes: plan.region_rows_per_replicate as f64
            * f64::from(plan.replicates)
            * per_region_row,
        summary_bytes: plan.rows_per_replicate as f64 * metrics * per_summary_row,
    })
}
