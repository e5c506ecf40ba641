//! `trajectories.csv`: the tidy table of docs/model.md §7, one row per (run, step, sector).

use std::io::Write;

use super::csv::CsvWriter;
use crate::metrics::{MetricValue, MetricsRow, RowSector};
use crate::scenario::Scenario;

/// Writes the header and rows of `trajectories.csv` for `scenario` to `out`.
pub fn write_trajectories<W: Write>(
    out: W,
    scenario: &Scenario,
    rows: &[MetricsRow],
) -> csv::Result<()> {
    let mut w = TrajectoryWriter::new(out, scenario)?;
    for row in rows {
        w.write(row)?;
    }
    w.into_inner()?;
    Ok(())
}

/// A streaming writer of `trajectories.csv` rows.
pub struct TrajectoryWriter<'a, W: Write> {
    csv: CsvWriter<W>,
    scenario: &'a Scenario,
}

impl<'a, W: Write> TrajectoryWriter<'a, W> {
    /// Starts the file and writes the header.
    pub fn new(out: W, scenario: &'a Scenario) -> csv::Result<Self> {
        Ok(TrajectoryWriter {
            csv: CsvWriter::with_header(out, MetricsRow::columns_with(scenario.features.any()))?,
            scenario,
        })
    }

    /// Continues a file whose header (and some rows) `out` already holds.
    pub fn resume(out: W, scenario: &'a Scenario) -> Self {
        TrajectoryWriter {
            csv: CsvWriter::new(out),
            scenario,
        }
    }

    /// Writes one row.
    pub fn write(&mut self, row: &MetricsRow) -> csv::Result<()> {
        let (sector, tier) = match row.sector {
            RowSector::Sector(j) => {
                let s = &self.scenario.sectors[j];
                (s.name.as_str(), s.tier.as_str())
            }
            RowSector::All => ("all", "all"),
        };
        self.csv.text(&self.scenario.name)?;
        self.csv.integer(row.point)?;
        self.csv.integer(row.replicate)?;
        self.csv.integer(row.seed)?;
        self.csv.integer(row.step)?;
        self.csv.integer(row.year)?;
        self.csv.text(sector)?;
        self.csv.text(tier)?;
        let block = if self.scenario.features.any() {
            &row.model2.values()[..]
        } else {
            &[]
        };
        for &value in row.metric_values().iter().chain(block) {
            match value {
                MetricValue::Count(n) => self.csv.integer(n)?,
                MetricValue::Real(x) => self.csv.real(x)?,
                MetricValue::Missing => self.csv.missing()?,
            }
        }
        self.csv.end_row()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> Result<W, std::io::Error> {
        self.csv.into_inner()
    }

    /// The underlying writer (rows may still be buffered: [`TrajectoryWriter::flush`] first).
    pub fn get_ref(&self) -> &W {
        self.csv.get_ref()
    }

    /// Flushes the rows written so far to the underlying writer.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.csv.flush()
    }
}
