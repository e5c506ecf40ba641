//! `nqpsim calibrate PLAN`: the simulated method of moments for any scenario.
//!
//! A plan ([`plan`]) names a base scenario, the parameters to estimate (any `--set` path with
//! bounds, optionally on a log scale, one value for several paths or a common factor), the
//! moments to match ([`moments`]: stylized facts, metrics at a step, yearly growth, each with a
//! target or a band), the replicates and size of an evaluation, and a budget. Each evaluation
//! ([`evaluate`]) runs the scenario's replicates with the plan's seed, so that two evaluations
//! differ only through the parameters (common random numbers) and the loss is smooth in them;
//! the loss weights each moment by the inverse of its variance across replicates at the start.
//! The search ([`search`]) is Nelder-Mead from several starting points, every evaluation
//! recorded and journaled, so that `--resume` finishes an interrupted calibration with the
//! results of an uninterrupted one. At the best point the Jacobian of the moments gives the
//! standard errors and the J statistic ([`inference`]); [`report`] writes the results.

pub mod evaluate;
pub mod inference;
pub mod moments;
pub mod plan;
pub mod report;
pub mod run;
pub mod search;

pub use plan::{Plan, load};
pub use run::{CalibrationReport, Options, Status, calibrate};
