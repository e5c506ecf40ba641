//! Scenario discovery: boxes in the space of a sweep's inputs where cases of interest
//! concentrate (Bryant & Lempert 2010; Kwakkel 2017, the EMA Workbench).
//!
//! A [`Dataset`] holds `n` cases (runs of a sweep) by `p` inputs (numeric levers, or
//! categorical ones such as a targeting rule) and a flag per case: is it a case of interest
//! (e.g. emissions fell below a target)? The methods look for [`Limits`], boxes whose
//! restrictions on a few inputs hold many cases of interest (*coverage*: the share of all
//! cases of interest inside) and few others (*density*: the share of cases inside that are
//! of interest):
//!
//! - [`prim`]: PRIM, peeling and pasting as EMA Workbench 2.5.3 does it, with the peeling
//!   trajectory, quasi-p values of each restriction, covering (several boxes in sequence)
//!   and bootstrap reproducibility;
//! - [`cart`]: a classification tree, whose leaves of majority `true` are boxes;
//! - [`scores`]: feature scores (extra-trees mean decrease in Gini impurity) to screen the
//!   inputs that matter.
//!
//! Everything here is deterministic: the randomised parts (bootstrap, extra-trees) take a
//! seed, give each resample or tree its own keyed stream, and keep results in a fixed order,
//! so the output does not depend on the number of threads.
//!
//! The module depends on nothing else in the crate but [`crate::math`] (deterministic
//! `ln`, `exp`, `ln Γ` for the binomial tail).
//!
//! ```
//! use nqpsim::analysis::discovery::{Dataset, Dimension, prim};
//!
//! // y is true where a > 0.5 and the rule is "b".
//! let a: Vec<f64> = (0..400).map(|i| (i as f64 * 0.618_034) % 1.0).collect();
//! let codes: Vec<u32> = (0..400).map(|i| (i % 3) as u32).collect();
//! let y = a.iter().zip(&codes).map(|(&a, &c)| a > 0.5 && c == 1).collect();
//! let labels = vec!["a".to_string(), "b".to_string(), "c".to_string()];
//! let data = Dataset::new(
//!     vec![Dimension::numeric("a", a), Dimension::categorical("rule", labels, codes)],
//!     y,
//! )
//! .unwrap();
//! let trajectory = prim::peel_and_paste(&data, &prim::PrimOptions::default()).unwrap();
//! let chosen = trajectory.chosen();
//! assert!(chosen.density >= 0.8 && chosen.coverage > 0.9);
//! assert_eq!(chosen.limits.restricted_dims(), vec![0, 1]);
//! ```

#![warn(missing_docs)]

mod binomial;
pub mod cart;
mod data;
pub mod prim;
mod rng;
pub mod scores;

pub use binomial::binomial_upper_tail;
pub use data::{BoxStats, Column, Dataset, Dimension, Limits, Restriction};

/// What can go wrong in scenario discovery: an invalid data set or option.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DiscoveryError {
    /// The data set has no case.
    #[error("the data set has no cases; scenario discovery needs at least one")]
    NoCases,
    /// The data set has no input dimension.
    #[error("the data set has no input dimensions; scenario discovery needs at least one")]
    NoDimensions,
    /// A column is not as long as `y`.
    #[error("dimension `{name}` has {len} values but there are {cases} cases")]
    LengthMismatch {
        /// The dimension.
        name: String,
        /// Its number of values.
        len: usize,
        /// The number of cases (the length of `y`).
        cases: usize,
    },
    /// A numeric value is NaN or infinite.
    #[error("dimension `{name}` has the non-finite value {value} at case {case}")]
    NotFinite {
        /// The dimension.
        name: String,
        /// The case (0-based).
        case: usize,
        /// The value.
        value: f64,
    },
    /// A categorical code has no label.
    #[error("dimension `{name}` has code {code} at case {case}, but only {labels} labels")]
    BadCode {
        /// The dimension.
        name: String,
        /// The case (0-based).
        case: usize,
        /// The code.
        code: u32,
        /// The number of labels.
        labels: usize,
    },
    /// Two dimensions share a name.
    #[error("two dimensions are named `{name}`")]
    DuplicateName {
        /// The name.
        name: String,
    },
    /// An option is out of its range.
    #[error("option {name} = {value} is invalid: it must be {expected}")]
    InvalidOption {
        /// The option.
        name: &'static str,
        /// Its value.
        value: f64,
        /// Its valid range, in words.
        expected: &'static str,
    },
}
