//! The firm-year panel (`--panel RATE|all`): one row per sampled firm and step, for the
//! economist's own regressions in Stata, R or pandas, and `panel_codebook.md` describing it.
//!
//! The sample is drawn by a hash of the firm's birth key (docs/model.md §6), not by chance at
//! each step: a firm in the sample stays in it for its whole life, and entrants and spawned
//! firms join it at the same rate as the initial population.

use std::fmt;
use std::str::FromStr;

use crate::model::firms::SectorIndex;
use crate::rng::{BirthKey, combine, to_unit};

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
        "Technology a_i: log TFP before the data multiplier (docs/model.md section 2)",
    ),
    (
        "tfp",
        "log TFP",
        "ln A_i = a_i + ln(data multiplier) (docs/model.md section 5.7); `trajectories.csv`'s `tfp` is its share-weighted mean",
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
        "Y_i = f_i Y_j (with supply: f_i wv_i Y_j, its deliveries of key inputs)",
    ),
    (
        "employment",
        "labour units",
        "Y_i / A_i (with labour: its skilled plus unskilled labour)",
    ),
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
        "The sector the firm switched from in this step (a transformation, docs/model.md section 5.12)",
    ),
    (
        "spawned_from",
        "integer, or empty",
        "The id of the firm that spawned this one in this step",
    ),
];

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
