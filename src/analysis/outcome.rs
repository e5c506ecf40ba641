//! An outcome of a sweep as the user names it, `METRIC:SECTOR:STEP` (`tfp_index:all:last`):
//! one parser for `nqpsim sensitivity`, `nqpsim plot` and any command that reads a sweep's
//! outcome. `METRIC` alone means `METRIC:all:last`, `METRIC:SECTOR` means
//! `METRIC:SECTOR:last`.
//!
//! ```
//! use nqpsim::analysis::outcome::{Outcome, StepChoice};
//!
//! let o: Outcome = "emissions".parse().unwrap();
//! assert_eq!((o.sector.as_str(), o.step), ("all", StepChoice::Last));
//! assert_eq!(o.to_string(), "emissions:all:last");
//! let o: Outcome = "tfp_index:traditional:12".parse().unwrap();
//! assert_eq!(o.step, StepChoice::Number(12));
//! ```

use std::fmt;
use std::str::FromStr;

/// The step an outcome is read at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepChoice {
    /// This step (0 is the initial state).
    Number(u32),
    /// The sweep's last step.
    Last,
}

/// An outcome: a metric of one sector (or `all`) at one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// A metric of `summary.csv` (a column of `trajectories.csv`, e.g. `tfp_index`).
    pub metric: String,
    /// A sector's name, or `all` for the whole economy; in the sweeps that `sensitivity` and
    /// `discover` read, also a region's name of model 2 (read from `regions.csv`).
    pub sector: String,
    /// The step.
    pub step: StepChoice,
}

impl FromStr for Outcome {
    type Err = String;

    /// `METRIC`, `METRIC:SECTOR` or `METRIC:SECTOR:STEP`; the sector defaults to `all`, the
    /// step (a number or `last`) to `last`.
    fn from_str(text: &str) -> Result<Outcome, String> {
        let parts: Vec<&str> = text.split(':').map(str::trim).collect();
        if parts.len() > 3 {
            return Err(format!(
                "`{text}` is not METRIC:SECTOR:STEP (at most three parts separated by ':', \
                 e.g. tfp_index:all:last, or tfp_index alone for tfp_index:all:last)"
            ));
        }
        if let Some(k) = parts.iter().position(|p| p.is_empty()) {
            return Err(format!(
                "`{text}` names no {}: give METRIC:SECTOR:STEP, e.g. tfp_index:all:last",
                ["metric", "sector", "step"][k]
            ));
        }
        let step = match parts.get(2).copied() {
            None | Some("last") => StepChoice::Last,
            Some(number) => StepChoice::Number(number.parse().map_err(|_| {
                format!("the step `{number}` in `{text}` is neither a step number nor `last`")
            })?),
        };
        Ok(Outcome {
            metric: parts[0].to_string(),
            sector: parts.get(1).copied().unwrap_or("all").to_string(),
            step,
        })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:", self.metric, self.sector)?;
        match self.step {
            StepChoice::Number(step) => write!(f, "{step}"),
            StepChoice::Last => f.write_str("last"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_takes_one_two_or_three_parts_with_defaults() {
        let full: Outcome = "emissions:future:30".parse().unwrap();
        assert_eq!(
            full,
            Outcome {
                metric: "emissions".into(),
                sector: "future".into(),
                step: StepChoice::Number(30)
            }
        );
        assert_eq!(full.to_string(), "emissions:future:30");
        assert_eq!(
            "tfp_index".parse::<Outcome>().unwrap().to_string(),
            "tfp_index:all:last"
        );
        assert_eq!(
            "tfp_index:traditional"
                .parse::<Outcome>()
                .unwrap()
                .to_string(),
            "tfp_index:traditional:last"
        );
        assert_eq!(
            " tfp_index : all : 3 ".parse::<Outcome>().unwrap().step,
            StepChoice::Number(3)
        );
    }

    #[test]
    fn a_bad_outcome_says_what_is_expected() {
        for (bad, says) in [
            ("a:b:c:d", "at most three parts"),
            (":all:1", "names no metric"),
            ("tfp::1", "names no sector"),
            ("tfp:all:", "names no step"),
            ("tfp:all:-1", "neither a step number"),
            ("tfp:all:first", "`first`"),
        ] {
            let e = bad.parse::<Outcome>().unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
