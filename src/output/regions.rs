//! `regions.csv`: one row per (run, step, region) with `regions` on (docs/model.md M2.10).

use super::csv::CsvWriter;
use crate::metrics::RegionRow;
use crate::scenario::Scenario;

/// Writes `regions.csv` rows.
pub struct RegionWriter<'a, W: std::io::Write> {
    csv: CsvWriter<W>,
    scenario: &'a Scenario,
}

impl<'a, W: std::io::Write> RegionWriter<'a, W> {
    /// Starts a file with its header.
    pub fn new(out: W, scenario: &'a Scenario) -> csv::Result<Self> {
        Ok(RegionWriter {
            csv: CsvWriter::with_header(out, RegionRow::COLUMNS)?,
            scenario,
        })
    }

    /// Continues a file that already has its header (a sweep resumed).
    pub fn resume(out: W, scenario: &'a Scenario) -> Self {
        RegionWriter {
            csv: CsvWriter::new(out),
            scenario,
        }
    }

    /// Writes one row; the four labour columns are empty without `labour`.
    pub fn write(&mut self, row: &RegionRow) -> csv::Result<()> {
        let run = &self.scenario.run;
        self.csv.text(&self.scenario.name)?;
        self.csv.integer(row.point)?;
        self.csv.integer(row.replicate)?;
        self.csv.integer(run.seed)?;
        self.csv.integer(row.step)?;
        self.csv.integer(run.start_year + row.step as i32)?;
        self.csv.text(&self.scenario.regions[row.region].name)?;
        self.csv.integer(row.firms)?;
        self.csv.real(row.output)?;
        self.csv.optional(row.output_share)?;
        self.csv.optional(row.tfp)?;
        self.csv.optional(row.employment_low)?;
        self.csv.optional(row.employment_high)?;
        self.csv.optional(row.talent_demand)?;
        self.csv.optional(row.talent_pool)?;
        let names: Vec<&str> = row
            .backed
            .iter()
            .map(|&j| self.scenario.sectors[j].name.as_str())
            .collect();
        self.csv.text(names.join("+"))?;
        self.csv.end_row()
    }

    /// Flushes the rows written so far to the underlying writer.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.csv.flush()
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        self.csv.get_ref()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> Result<W, std::io::Error> {
        self.csv.into_inner()
    }
}
