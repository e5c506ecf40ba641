//! `decomposition.csv`: the productivity decompositions of every step (docs/model.md §7.2).

use super::csv::CsvWriter;
use crate::decomposition::DecompositionRow;
use crate::scenario::Scenario;

/// Writes `decomposition.csv` rows.
pub struct DecompositionWriter<'a, W: std::io::Write> {
    csv: CsvWriter<W>,
    scenario: &'a Scenario,
}

impl<'a, W: std::io::Write> DecompositionWriter<'a, W> {
    /// Starts a file with its header.
    pub fn new(out: W, scenario: &'a Scenario) -> csv::Result<Self> {
        Ok(DecompositionWriter {
            csv: CsvWriter::with_header(out, DecompositionRow::COLUMNS)?,
            scenario,
        })
    }

    /// Continues a file that already has its header.
    pub fn resume(out: W, scenario: &'a Scenario) -> Self {
        DecompositionWriter {
            csv: CsvWriter::new(out),
            scenario,
        }
    }

    /// Writes one row.
    pub fn write(&mut self, row: &DecompositionRow) -> csv::Result<()> {
        let (sector, tier) = match row.sector {
            Some(j) => {
                let s = &self.scenario.sectors[j];
                (s.name.as_str(), s.tier.as_str())
            }
            None => ("all", "all"),
        };
        let run = &self.scenario.run;
        self.csv.text(&self.scenario.name)?;
        self.csv.integer(row.point)?;
        self.csv.integer(row.replicate)?;
        self.csv.integer(run.seed)?;
        self.csv.integer(row.step)?;
        self.csv.integer(run.start_year + row.step as i32)?;
        self.csv.text(sector)?;
        self.csv.text(tier)?;
        for value in row.values() {
            self.csv.optional(value)?;
        }
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
