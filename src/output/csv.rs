//! `trajectories.csv`: the tidy table of MODEL.md §7, one row per (run, step, sector).
//!
//! Numbers are written in the shortest form that reads back to the same f64 (`ryu`), so the
//! bytes are a function of the values alone; a missing value (NA) is an empty field.

use std::io::Write;

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
    csv: csv::Writer<W>,
    scenario: &'a Scenario,
    ryu: ryu::Buffer,
    itoa: itoa::Buffer,
}

impl<'a, W: Write> TrajectoryWriter<'a, W> {
    /// Starts the file and writes the header.
    pub fn new(out: W, scenario: &'a Scenario) -> csv::Result<Self> {
        let mut csv = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out);
        csv.write_record(MetricsRow::columns())?;
        Ok(TrajectoryWriter {
            csv,
            scenario,
            ryu: ryu::Buffer::new(),
            itoa: itoa::Buffer::new(),
        })
    }

    /// Continues a file whose header (and some rows) `out` already holds.
    pub fn resume(out: W, scenario: &'a Scenario) -> Self {
        TrajectoryWriter {
            csv: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(out),
            scenario,
            ryu: ryu::Buffer::new(),
            itoa: itoa::Buffer::new(),
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
        self.csv.write_field(&self.scenario.name)?;
        self.csv.write_field(self.itoa.format(row.point))?;
        self.csv.write_field(self.itoa.format(row.replicate))?;
        self.csv.write_field(self.itoa.format(row.seed))?;
        self.csv.write_field(self.itoa.format(row.step))?;
        self.csv.write_field(self.itoa.format(row.year))?;
        self.csv.write_field(sector)?;
        self.csv.write_field(tier)?;
        for value in row.metric_values() {
            match value {
                MetricValue::Count(n) => self.csv.write_field(self.itoa.format(n))?,
                MetricValue::Real(x) => self.csv.write_field(format_real(&mut self.ryu, x))?,
                MetricValue::Missing => self.csv.write_field("")?,
            }
        }
        self.csv.write_record(None::<&[u8]>)
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> Result<W, std::io::Error> {
        self.csv.into_inner().map_err(|e| e.into_error())
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

/// The shortest text that reads back to `x` (`0` for both zeros).
fn format_real(buffer: &mut ryu::Buffer, x: f64) -> &str {
    if x == 0.0 { "0" } else { buffer.format(x) }
}
