//! `summary.csv`: each metric of each (point, step, sector) summarised over the point's
//! replicates: n, mean, sd, standard error and the 5th, 50th and 95th percentiles.
//!
//! The values of a point are kept until its last replicate completes (a per-point buffer:
//! replicates x rows x metrics numbers, never the whole sweep), then summarised in replicate
//! order, so the bytes do not depend on which replicate finished first.

use std::io::Write;

use crate::metrics::{MetricsRow, Model2Metrics, RowSector};
use crate::output::csv::{MISSING, real_text};
use crate::scenario::Scenario;

/// Columns of `summary.csv` after `point`.
pub const COLUMNS: [&str; 12] = [
    "step", "year", "sector", "tier", "metric", "n", "mean", "sd", "se", "p05", "p50", "p95",
];

/// The metrics summarised for `scenario`: every metric column of `trajectories.csv`, with
/// the model-2 block when a feature is on (docs/model.md M2.10), in CSV order.
pub fn metric_names(scenario: &Scenario) -> Vec<&'static str> {
    let mut names = MetricsRow::METRIC_COLUMNS.to_vec();
    if scenario.features.any() {
        names.extend(Model2Metrics::COLUMNS);
    }
    names
}

/// The metric values of one run of `scenario`, flattened in (step, sector then `all`,
/// metric) order, the metrics those of [`metric_names`]; a missing value (NA) is NaN. Also
/// the layout of the resume spill file.
pub fn run_values(rows: &[MetricsRow], scenario: &Scenario) -> Vec<f64> {
    let model2 = scenario.features.any();
    let mut values = Vec::with_capacity(rows.len() * metric_names(scenario).len());
    let number = |v: &crate::metrics::MetricValue| v.as_f64().unwrap_or(f64::NAN);
    for row in rows {
        values.extend(row.metric_values().iter().map(number));
        if model2 {
            values.extend(row.model2.values().iter().map(number));
        }
    }
    values
}

/// The runs of one point, in replicate order, until the point is complete.
#[derive(Debug, Default)]
pub struct PointBuffer {
    runs: Vec<Vec<f64>>,
}

impl PointBuffer {
    /// Adds the next replicate's values.
    pub fn push(&mut self, values: Vec<f64>) {
        self.runs.push(values);
    }

    /// Replicates held.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Whether no replicate is held.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Writes the summary rows of the point: `prefix` holds the leading fields (`point`),
    /// `scenario` the point's layout (steps, sectors, start year).
    pub fn write_summary<W: Write>(
        &self,
        csv: &mut csv::Writer<W>,
        prefix: &[String],
        scenario: &Scenario,
    ) -> csv::Result<()> {
        let rows_per_step = scenario.sectors.len() + 1;
        let steps = scenario.run.steps as usize + 1;
        let metrics = metric_names(scenario);
        let mut column = Vec::with_capacity(self.runs.len());
        let (mut ryu, mut itoa) = (ryu::Buffer::new(), itoa::Buffer::new());
        for step in 0..steps {
            for r in 0..rows_per_step {
                let (sector, tier) = match scenario.sectors.get(r) {
                    Some(s) => (s.name.as_str(), s.tier.as_str()),
                    None => ("all", "all"),
                };
                let base = (step * rows_per_step + r) * metrics.len();
                for (m, metric) in metrics.iter().enumerate() {
                    column.clear();
                    column.extend(
                        self.runs
                            .iter()
                            .map(|v| v[base + m])
                            .filter(|x| !x.is_nan()),
                    );
                    let stats = Stats::of(&mut column);
                    for field in prefix {
                        csv.write_field(field)?;
                    }
                    csv.write_field(itoa.format(step))?;
                    csv.write_field(itoa.format(i64::from(scenario.run.start_year) + step as i64))?;
                    csv.write_field(sector)?;
                    csv.write_field(tier)?;
                    csv.write_field(metric)?;
                    csv.write_field(itoa.format(stats.n))?;
                    for x in [
                        stats.mean, stats.sd, stats.se, stats.p05, stats.p50, stats.p95,
                    ] {
                        match x {
                            Some(x) => csv.write_field(real_text(&mut ryu, x))?,
                            None => csv.write_field(MISSING)?,
                        }
                    }
                    csv.write_record(None::<&[u8]>)?;
                }
            }
        }
        Ok(())
    }
}

/// Whether the rows of a run are laid out as [`PointBuffer::write_summary`] expects.
pub fn layout_matches(rows: &[MetricsRow], scenario: &Scenario) -> bool {
    let per_step = scenario.sectors.len() + 1;
    rows.len() == (scenario.run.steps as usize + 1) * per_step
        && rows.iter().enumerate().all(|(i, row)| {
            row.step as usize == i / per_step
                && match row.sector {
                    RowSector::Sector(j) => j == i % per_step,
                    RowSector::All => i % per_step == per_step - 1,
                }
        })
}

/// Summary statistics of one metric over replicates (missing values left out).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Replicates with a value.
    pub n: usize,
    /// Mean (none if n = 0).
    pub mean: Option<f64>,
    /// Sample standard deviation, dividing by n - 1 (none if n < 2).
    pub sd: Option<f64>,
    /// Standard error of the mean, sd / sqrt(n).
    pub se: Option<f64>,
    /// 5th percentile (type 7, as R's and numpy's default).
    pub p05: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
}

impl Stats {
    /// The statistics of `values` (reordered: sorted in place).
    pub fn of(values: &mut [f64]) -> Self {
        let n = values.len();
        if n == 0 {
            return Stats {
                n,
                mean: None,
                sd: None,
                se: None,
                p05: None,
                p50: None,
                p95: None,
            };
        }
        // Sums in replicate order, before sorting: the same bytes on every machine.
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = crate::stats::sample_variance(values, mean).map(f64::sqrt);
        let se = sd.map(|sd| sd / (n as f64).sqrt());
        values.sort_by(f64::total_cmp);
        Stats {
            n,
            mean: Some(mean),
            sd,
            se,
            p05: Some(crate::stats::quantile_sorted(values, 0.05)),
            p50: Some(crate::stats::quantile_sorted(values, 0.5)),
            p95: Some(crate::stats::quantile_sorted(values, 0.95)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_match_those_of_r() {
        // R: x <- c(3, 1, 4, 1, 5, 9, 2, 6); mean(x); sd(x); quantile(x, c(.05, .5, .95))
        let mut x = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let s = Stats::of(&mut x);
        assert_eq!(s.n, 8);
        assert_eq!(s.mean, Some(3.875));
        assert!((s.sd.unwrap() - 2.748376).abs() < 1e-6);
        assert!((s.se.unwrap() - 2.748376 / 8f64.sqrt()).abs() < 1e-6);
        assert!((s.p05.unwrap() - 1.0).abs() < 1e-12);
        assert!((s.p50.unwrap() - 3.5).abs() < 1e-12);
        assert!((s.p95.unwrap() - 7.95).abs() < 1e-12);
    }

    #[test]
    fn one_replicate_has_no_spread_and_none_has_nothing() {
        let s = Stats::of(&mut [2.5]);
        assert_eq!(
            (s.n, s.mean, s.sd, s.se, s.p05, s.p95),
            (1, Some(2.5), None, None, Some(2.5), Some(2.5))
        );
        let s = Stats::of(&mut []);
        assert_eq!((s.n, s.mean, s.p50), (0, None, None));
    }

    #[test]
    fn a_point_summary_has_a_row_per_step_sector_and_metric_and_skips_missing_values() {
        let scenario = Scenario::baseline()
            .with_firms(200)
            .with_steps(2)
            .with_replicates(3);
        let output = crate::run(&scenario, &crate::RunOptions::default(), &crate::Silent).unwrap();
        let per_run = output.rows.len() / 3;
        let mut buffer = PointBuffer::default();
        for r in 0..3 {
            let rows = &output.rows[r * per_run..(r + 1) * per_run];
            assert!(layout_matches(rows, &scenario));
            buffer.push(run_values(rows, &scenario));
        }
        let mut csv = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        buffer
            .write_summary(&mut csv, &["0".into()], &scenario)
            .unwrap();
        let text = String::from_utf8(csv.into_inner().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3 * 4 * MetricsRow::METRIC_COLUMNS.len());
        // tfp_index is 1 at step 0 in every replicate: no spread
        let tfp0 = lines
            .iter()
            .find(|l| l.starts_with("0,0,2024,traditional,traditional,tfp_index,"))
            .unwrap();
        assert_eq!(
            *tfp0,
            "0,0,2024,traditional,traditional,tfp_index,3,1.0,0,0,1.0,1.0,1.0"
        );
        // at step 2 the mean is that of the three replicates
        let mean: f64 = (0..3)
            .map(|r| output.rows[r * per_run + 2 * 4].tfp_index.unwrap())
            .sum::<f64>()
            / 3.0;
        let tfp2 = lines
            .iter()
            .find(|l| l.starts_with("0,2,2026,traditional,traditional,tfp_index,"))
            .unwrap();
        assert_eq!(
            tfp2.split(',').nth(7).unwrap().parse::<f64>().unwrap(),
            mean
        );
    }

    #[test]
    fn a_model_two_point_summarises_the_model_two_columns_too() {
        let mut scenario = Scenario::baseline()
            .with_firms(200)
            .with_steps(2)
            .with_replicates(2);
        scenario.features.capacity = true;
        let output = crate::run(&scenario, &crate::RunOptions::default(), &crate::Silent).unwrap();
        let per_run = output.rows.len() / 2;
        let mut buffer = PointBuffer::default();
        for r in 0..2 {
            buffer.push(run_values(
                &output.rows[r * per_run..(r + 1) * per_run],
                &scenario,
            ));
        }
        let mut csv = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        buffer
            .write_summary(&mut csv, &["0".into()], &scenario)
            .unwrap();
        let text = String::from_utf8(csv.into_inner().unwrap()).unwrap();
        let metrics = MetricsRow::METRIC_COLUMNS.len() + Model2Metrics::COLUMNS.len();
        assert_eq!(text.lines().count(), 3 * 4 * metrics);
        // Utilisation at step 1 is the mean of the two replicates' values.
        let mean = (0..2)
            .map(|r| {
                output.rows[r * per_run + 4]
                    .model2
                    .capacity_utilisation
                    .unwrap()
            })
            .sum::<f64>()
            / 2.0;
        let row = text
            .lines()
            .find(|l| l.starts_with("0,1,2025,traditional,traditional,capacity_utilisation,"))
            .unwrap();
        assert_eq!(row.split(',').nth(7).unwrap().parse::<f64>().unwrap(), mean);
        // A part-two column is NA throughout.
        assert!(
            text.lines().any(|l| l.contains(",autonomy,0,,,,,,")),
            "{text}"
        );
    }
}
