//! # nqpsim
//!
//! An agent-based simulator of industry transformation: firms in traditional, strategic
//! emerging and future industries innovate, imitate, digitalise, go green and compete, under
//! policy levers read from scenario files. The model is specified in `docs/model.md` (the
//! code cites its sections as `§5.3` and so on); the README documents the scenario format, the
//! CLI and every output column.
//!
//! The modules form layers, each using only its own and those below (checked by
//! `tests/layering.rs`):
//!
//! | layer | modules | what |
//! |---|---|---|
//! | commands | [`cli`] | the command line: parse, call, print |
//! | figures | [`plot`] | charts of output folders |
//! | analyses | [`analysis`] | comparisons, sensitivity, stylized facts, discovery |
//! | experiments | [`sweep`], [`mod@bench`] | designs over scenarios; throughput |
//! | files | [`output`] | the files nqpsim writes and reads back |
//! | engine | [`sim`], [`metrics`], [`decomposition`], [`panel`] | replicates, steps, passes, observation |
//! | scenarios | [`scenario`] | files, overrides, validation |
//! | model | [`model`] | parameters, levers, mechanisms, firm state |
//! | foundations | [`math`], [`lanes`], [`rng`], [`stats`], [`error`] | deterministic maths (one firm or several in lanes), keyed draws, statistics, errors |
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
pub mod lanes;
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
