//! `panel.csv`, the firm-year panel of `--panel`, and its codebook `panel_codebook.md`.

use std::io::Write;

use super::csv::CsvWriter;
use crate::panel::{COLUMNS, PanelRow, PanelSample};
use crate::scenario::Scenario;

/// Writes `panel.csv` rows.
pub struct PanelWriter<'a, W: Write> {
    csv: CsvWriter<W>,
    scenario: &'a Scenario,
}

impl<'a, W: Write> PanelWriter<'a, W> {
    /// Starts a file with its header.
    pub fn new(out: W, scenario: &'a Scenario) -> csv::Result<Self> {
        Ok(PanelWriter {
            csv: CsvWriter::with_header(out, COLUMNS.iter().map(|c| c.0))?,
            scenario,
        })
    }

    /// Writes one row.
    pub fn write(&mut self, row: &PanelRow) -> csv::Result<()> {
        let sector = &self.scenario.sectors[row.sector as usize];
        self.csv.integer(row.id)?;
        self.csv.integer(row.replicate)?;
        self.csv.integer(row.step)?;
        self.csv
            .integer(self.scenario.run.start_year + row.step as i32)?;
        self.csv.text(&sector.name)?;
        self.csv.text(sector.tier.as_str())?;
        for x in [
            row.a,
            row.tfp,
            row.digital,
            row.green,
            row.data,
            row.share,
            row.output,
            row.employment,
            row.emissions,
        ] {
            self.csv.real(x)?;
        }
        self.csv.flag(Some(row.entered))?;
        self.csv.flag(row.exits)?;
        match row.switched_from {
            Some(j) => self.csv.text(&self.scenario.sectors[j as usize].name)?,
            None => self.csv.missing()?,
        }
        match row.spawned_from {
            Some(id) => self.csv.integer(id)?,
            None => self.csv.missing()?,
        }
        self.csv.end_row()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> Result<W, std::io::Error> {
        self.csv.into_inner()
    }
}

/// The text of `panel_codebook.md` for `scenario` sampled with `sample`.
pub fn codebook(scenario: &Scenario, sample: PanelSample) -> String {
    let mut out = String::new();
    let sampled = match sample {
        PanelSample::All => "every firm".to_string(),
        PanelSample::Rate(r) => format!(
            "a sample of firms at rate {r}: a firm is in it if a hash of its birth key (docs/model.md §6) falls below {r}, so it stays in the sample for its whole life, and entrants and spawned firms join at the same rate"
        ),
    };
    out.push_str(&format!(
        "# panel.csv codebook\n\nScenario `{}` (seed {}, {} replicates, steps 0 to {}, years {} to {}). One row per firm \
         and step (the state at the end of the step) for {sampled}. Rows are ordered by replicate, step and id. \
         Written by nqpsim {} (model version {}).\n\n",
        scenario.name,
        scenario.run.seed,
        scenario.run.replicates,
        scenario.run.steps,
        scenario.run.start_year,
        scenario.run.start_year + scenario.run.steps as i32,
        env!("CARGO_PKG_VERSION"),
        crate::MODEL_VERSION,
    ));
    out.push_str("| column | type or unit | meaning |\n|---|---|---|\n");
    for (name, unit, meaning) in COLUMNS {
        out.push_str(&format!("| `{name}` | {unit} | {meaning} |\n"));
    }
    out.push_str("\nSectors: ");
    let names: Vec<String> = scenario
        .sectors
        .iter()
        .map(|s| format!("`{}` ({})", s.name, s.tier.as_str()))
        .collect();
    out.push_str(&names.join(", "));
    out.push_str(
        ".\n\nA firm's growth rate is the change of its `output` (or `tfp`) between consecutive \
         steps of the same `id` and `replicate`; with `--panel all`, sums of `output`, `employment` \
         and `emissions` by replicate, step and sector equal the columns of `trajectories.csv`.\n\n\
         Loading it:\n\n```python\nimport pandas as pd\npanel = pd.read_csv(\"panel.csv\")\n```\n\n\
         ```r\npanel <- read.csv(\"panel.csv\")\n```\n\n\
         ```stata\nimport delimited panel.csv, clear\nxtset id step  // within one replicate: keep if replicate == 0\n```\n",
    );
    out
}
