//! Analyses of simulated data: estimators of the stylized facts of firm populations
//! ([`facts`]) and of the global sensitivity of outcomes to the levers a sweep varied
//! ([`sensitivity`]; applied to a finished sweep's folder by [`sweep_sensitivity`]); paired
//! policy comparisons ([`compare`]) and their fiscal side ([`fiscal`]); scenario discovery,
//! boxes of the inputs where a target is met ([`discovery`]; applied to a finished sweep's
//! folder by [`sweep_discovery`]). Scenario discovery reads a sweep's outcomes
//! (`METRIC:SECTOR:STEP`, parsed by [`outcome`]) run by run through [`runs`], which also
//! reads the outcomes of model 2's regions for both.

pub mod calibrate;
pub mod compare;
pub mod discovery;
pub mod facts;
pub mod fiscal;
pub mod outcome;
pub mod population;
pub mod runs;
pub mod sensitivity;
pub mod sweep_discovery;
pub mod sweep_sensitivity;
