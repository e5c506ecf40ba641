//! The firm-year panel (`--panel RATE|all`): one row per sampled firm and step, for the
//! economist's own regressions in Stata, R or pandas, and `panel_codebook.md` describing it.
//!
//! The sample is drawn by a hash of the firm's birth key (MODEL.md §6), not by chance at
//! each step: a firm in the sample stays in it for its whole life, and entrants and spawned
//! firms join it at the same rate as the initial population.

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use crate::model::firms::SectorIndex;
use crate::rng::{BirthKey, combine, to_unit};
use crate::scenario::Scenario;

/// Which firms the panel follows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PanelSample {
    /// Every firm.
    All,
    /// Firms whose birth-key hash falls below this rate, in (0, 1].
    Rate(f64),
}

/// Domain separator of the panel's sampling hash (not a random draw of the model).
const PANEL_SAMPLING: u64 = 0x6E71_7073_7061_6E6C;

impl PanelSample {
    /// Whether the firm born with `birth` is in the sample.
    #[inline]
    pub fn contains(&self, birth: BirthKey) -> bool {
        match *self {
            PanelSample::All => true,
            PanelSample::Rate(rate) => to_unit(combine(birth.0, PANEL_SAMPLING)) < rate,
        }
    }
}

impl FromStr for PanelSample {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "all" {
            return Ok(PanelSample::All);
        }
        match s.parse::<f64>() {
            Ok(rate) if rate > 0.0 && rate <= 1.0 => Ok(PanelSample::Rate(rate)),
            _ => Err(format!(
                "expected a sampling rate in (0, 1], e.g. 0.02, or `all`; got {s:?}"
            )),
        }
    }
}

impl fmt::Display for PanelSample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PanelSample::All => f.write_str("all"),
            PanelSample::Rate(r) => write!(f, "{r}"),
        }
    }
}

/// One firm at the end of one step.
#[derive(Clone, Debug, PartialEq)]
pub struct PanelRow {
    /// Firm id (unique within a replicate).
    pub id: u64,
    /// Replicate.
    pub replicate: u32,
    /// Step.
    pub step: u32,
    /// Sector index.
    pub sector: SectorIndex,
    /// Technology a_i.
    pub a: f64,
    /// ln A_i.
    pub tfp: f64,
    /// Digital level d_i.
    pub digital: f64,
    /// Green level g_i.
    pub green: f64,
    /// Data stock D_i.
    pub data: f64,
    /// Market share f_i within the sector.
    pub share: f64,
    /// Output Y_i = f_i Y_j.
    pub output: f64,
    /// Employment Y_i / A_i.
    pub employment: f64,
    /// Emissions e_j (1 - g_i) Y_i.
    pub emissions: f64,
    /// Born in this step (entered or spawned).
    pub entered: bool,
    /// Exits during the next step (`None` at the last step: not observed).
    pub exits: Option<bool>,
    /// The sector it switched from in this step.
    pub switched_from: Option<SectorIndex>,
    /// The id of the firm it was spawned from in this step.
    pub spawned_from: Option<u64>,
}

/// The columns of `panel.csv`, each with its unit and meaning (for the codebook).
pub const COLUMNS: [(&str, &str, &str); 19] = [
    (
        "id",
        "integer",
        "Firm id, unique within a replicate; ids are never reused",
    ),
    (
        "replicate",
        "integer",
        "Replicate (its random numbers are keyed by the scenario seed and this number)",
    ),
    ("step", "integer", "Step, 0 = the initial state"),
    ("year", "integer", "Calendar year, `start_year + step`"),
    ("sector", "text", "Sector at the end of the step"),
    ("tier", "text", "`traditional`, `emerging` or `future`"),
    (
        "a",
        "log TFP",
        "Technology a_i: log TFP before the data multiplier (MODEL.md section 2)",
    ),
    (
        "tfp",
        "log TFP",
        "ln A_i = a_i + ln(data multiplier) (MODEL.md section 5.7); `trajectories.csv`'s `tfp` is its share-weighted mean",
    ),
    ("digital", "level in [0, 1]", "Digital level d_i"),
    (
        "green",
        "level in [0, 1]",
        "Green level g_i: share of emissions abated",
    ),
    ("data", "data units", "Data stock D_i"),
    (
        "share",
        "share in [0, 1]",
        "Market share f_i within the sector (shares of a sector sum to 1)",
    ),
    (
        "output",
        "output units (total 1 at step 0)",
        "Y_i = f_i Y_j",
    ),
    ("employment", "labour units", "Y_i / A_i"),
    ("emissions", "emission units", "e_j (1 - g_i) Y_i"),
    (
        "entered",
        "0/1",
        "1 if the firm was born in this step: a new entrant or a spawned firm",
    ),
    (
        "exits",
        "0/1, empty at the last step",
        "1 if the firm exits during the next step (its last row); empty at the last step, where that is not observed",
    ),
    (
        "switched_from",
        "text, or empty",
        "The sector the firm switched from in this step (a transformation, MODEL.md section 5.12)",
    ),
    (
        "spawned_from",
        "integer, or empty",
        "The id of the firm that spawned this one in this step",
    ),
];

/// Writes `panel.csv` rows.
pub struct PanelWriter<'a, W: Write> {
    csv: csv::Writer<W>,
    scenario: &'a Scenario,
    ryu: ryu::Buffer,
    itoa: itoa::Buffer,
}

impl<'a, W: Write> PanelWriter<'a, W> {
    /// Starts a file with its header.
    pub fn new(out: W, scenario: &'a Scenario) -> csv::Result<Self> {
        let mut csv = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out);
        csv.write_record(COLUMNS.iter().map(|c| c.0))?;
        Ok(PanelWriter {
            csv,
            scenario,
            ryu: ryu::Buffer::new(),
            itoa: itoa::Buffer::new(),
        })
    }

    /// Writes one row.
    pub fn write(&mut self, row: &PanelRow) -> csv::Result<()> {
        let sector = &self.scenario.sectors[row.sector as usize];
        self.csv.write_field(self.itoa.format(row.id))?;
        self.csv.write_field(self.itoa.format(row.replicate))?;
        self.csv.write_field(self.itoa.format(row.step))?;
        self.csv.write_field(
            self.itoa
                .format(self.scenario.run.start_year + row.step as i32),
        )?;
        self.csv.write_field(&sector.name)?;
        self.csv.write_field(sector.tier.as_str())?;
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
            if x == 0.0 {
                self.csv.write_field("0")?;
            } else {
                self.csv.write_field(self.ryu.format(x))?;
            }
        }
        self.csv.write_field(if row.entered { "1" } else { "0" })?;
        self.csv.write_field(match row.exits {
            Some(true) => "1",
            Some(false) => "0",
            None => "",
        })?;
        match row.switched_from {
            Some(j) => self
                .csv
                .write_field(&self.scenario.sectors[j as usize].name)?,
            None => self.csv.write_field("")?,
        }
        match row.spawned_from {
            Some(id) => self.csv.write_field(self.itoa.format(id))?,
            None => self.csv.write_field("")?,
        }
        self.csv.write_record(None::<&[u8]>)
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> Result<W, std::io::Error> {
        self.csv.into_inner().map_err(|e| e.into_error())
    }
}

/// The text of `panel_codebook.md` for `scenario` sampled with `sample`.
pub fn codebook(scenario: &Scenario, sample: PanelSample) -> String {
    let mut out = String::new();
    let sampled = match sample {
        PanelSample::All => "every firm".to_string(),
        PanelSample::Rate(r) => format!(
            "a sample of firms at rate {r}: a firm is in it if a hash of its birth key (MODEL.md section 6) falls below {r}, so it stays in the sample for its whole life, and entrants and spawned firms join at the same rate"
        ),
    };
    out.push_str(&format!(
        "# panel.csv codebook\n\nScenario `{}` (seed {}, {} replicates, steps 0 to {}, years {} to {}). One row per firm \
         and step (the state at the end of the step) for {sampled}. Rows are ordered by replicate, step and id. \
         Written by nqpsim {} (MODEL.md v{}).\n\n",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_rate_keeps_about_that_share_of_firms_and_all_keeps_every_one() {
        let sample: PanelSample = "0.02".parse().unwrap();
        let kept = (0..100_000u64)
            .filter(|&i| sample.contains(BirthKey::initial(i)))
            .count();
        // binomial(100000, 0.02): sd 44
        assert!((kept as i64 - 2000).abs() < 200, "{kept}");
        assert!(PanelSample::All.contains(BirthKey::initial(3)));
        assert_eq!("all".parse::<PanelSample>(), Ok(PanelSample::All));
        for bad in ["0", "1.5", "-0.1", "many", "nan"] {
            assert!(
                bad.parse::<PanelSample>().unwrap_err().contains("(0, 1]"),
                "{bad}"
            );
        }
    }
}
