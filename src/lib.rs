//! # nqpsim
//!
//! An agent-based simulator of industry transformation: firms in traditional, strategic
//! emerging and future industries innovate, imitate, digitalise, go green and compete, under
//! policy levers read from scenario files. The model is specified in MODEL.md v1 and
//! described in `docs/model.md`; the README documents the scenario format, the CLI and every
//! output column.
//!
//! ```
//! use nqpsim::{RunOptions, Scenario, Silent, run};
//!
//! // The embedded baseline, made small for the example.
//! let scenario = Scenario::baseline().with_firms(1_000).with_steps(5).with_replicates(2);
//! let output = run(&scenario, &RunOptions::default(), &Silent).unwrap();
//! // One row per replicate, step (0..=5) and sector (three sectors and `all`).
//! assert_eq!(output.rows.len(), 2 * 6 * 4);
//! let last_all = output.rows.last().unwrap();
//! assert!(last_all.tfp_index.unwrap() > 1.0); // productivity grows
//! ```
//!
//! Scenarios can also be loaded from files, with `--set`-style overrides:
//!
//! ```
//! let scenario = nqpsim::scenario::load_baseline(&["policy.rd_subsidy.traditional=0.3".into()]).unwrap();
//! assert_eq!(scenario.policy.base.rd_subsidy[0], 0.3);
//! ```

#![warn(missing_docs)]

pub mod analysis;
pub mod bench;
pub mod cli;
pub mod decomposition;
pub mod error;
pub mod math;
pub mod metrics;
pub mod model;
pub mod output;
pub mod panel;
pub mod plot;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod sweep;

/// The major version of the model (docs/model.md) that this program implements, recorded in
/// every manifest and panel codebook.
pub const MODEL_VERSION: u32 = 1;

pub use error::{Error, ScenarioError};
pub use metrics::MetricsRow;
pub use scenario::Scenario;
pub use sim::{Observer, RunOptions, RunOutput, Silent, Simulation, run};
