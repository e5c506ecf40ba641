//! Everything that can go wrong in the library, in one place.
//!
//! Errors carry the input at fault: the file, line and column of a scenario value, the field
//! path (e.g. `sectors.emerging.rd_intensity`), the value and what is allowed. The CLI maps
//! them to exit codes (README, "Exit codes").

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Where a scenario value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A position in a scenario file (1-based line and column).
    File {
        /// The file as the user named it (or `builtin:baseline`).
        file: PathBuf,
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
    },
    /// A `--set PATH=VALUE` argument (the text after `--set`).
    Set(String),
    /// A command-line flag that sets a scenario field, e.g. `--steps 0`.
    Flag(String),
    /// No file sets it: the built-in default.
    Default,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File { file, line, column } => {
                write!(f, "{}:{line}:{column}", file.display())
            }
            Location::Set(arg) => write!(f, "--set {arg}"),
            Location::Flag(flag) => f.write_str(flag),
            Location::Default => f.write_str("(default)"),
        }
    }
}

/// One problem found while validating a scenario.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{location}: `{path}` is {value}, but {allowed}")]
pub struct Invalid {
    /// Where the offending value was written.
    pub location: Location,
    /// Field path, e.g. `sectors.emerging.rd_intensity`.
    pub path: String,
    /// The value as found (or a description such as `missing`).
    pub value: String,
    /// What is allowed, e.g. `must lie in [0, 1]`.
    pub allowed: String,
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario file {}: {source}{hint}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
        /// What may have been meant (a file of a similar name), or empty.
        hint: String,
    },
    /// The file is not valid TOML, or a value has the wrong type, or a field is unknown.
    #[error("{location}: {}{message}", path.as_ref().map(|p| format!("`{p}`: ")).unwrap_or_default())]
    Syntax {
        /// Where.
        location: Location,
        /// Field path, when known.
        path: Option<String>,
        /// What the parser said.
        message: String,
    },
    /// An `extends` chain is broken: missing file, cycle, or too deep.
    #[error("{}: `extends`: {message}", .file.display())]
    Extends {
        /// The file whose `extends` failed.
        file: PathBuf,
        /// What is wrong, naming the chain.
        message: String,
    },
    /// A `--set` argument is malformed or names no field.
    #[error("--set {arg}: {message}")]
    Set {
        /// The argument as given.
        arg: String,
        /// What is wrong.
        message: String,
    },
    /// The scenario parsed but breaks the rules of docs/model.md §3-4; every problem is listed.
    #[error("{}", list(.0))]
    Invalid(Vec<Invalid>),
}

fn list(problems: &[Invalid]) -> String {
    let mut s = format!(
        "invalid scenario ({} problem{}):",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        s.push_str("\n  ");
        s.push_str(&p.to_string());
    }
    s
}

/// Why writing output failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", .path.display())]
pub struct OutputError {
    /// The file or folder at fault.
    pub path: PathBuf,
    /// The I/O error.
    #[source]
    pub source: io::Error,
}

/// A number of the simulation that became NaN or infinite (the model has no such state):
/// where and which.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("step {step}, {}: {quantity} is {value}", .sector.as_deref().map_or("the whole economy".to_string(), |s| format!("sector `{s}`")))]
pub struct NumericFault {
    /// Step in which it was found.
    pub step: u32,
    /// Sector (`None`: an economy-wide quantity).
    pub sector: Option<String>,
    /// What it is, e.g. `technology a` or the metric column `employment`.
    pub quantity: String,
    /// The value (NaN or infinite).
    pub value: f64,
}

/// Any error of the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad scenario (exit code 2).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// Output could not be written (exit code 1).
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A command-line argument is out of range (exit code 2).
    #[error("{flag}: {message}")]
    BadArgument {
        /// The flag as given, e.g. `--threads 0`.
        flag: String,
        /// What is allowed.
        message: String,
    },
    /// The simulation produced a non-finite number (exit code 1): nothing is written for it.
    #[error(
        "scenario `{scenario}`, replicate {replicate}, {fault}: the run stops rather than write it (a parameter may be far too large, e.g. an innovation_sd or data_generation that makes productivity overflow)"
    )]
    Numeric {
        /// Scenario name.
        scenario: String,
        /// Replicate.
        replicate: u32,
        /// Where and what.
        fault: NumericFault,
    },
    /// One replicate would not fit in memory (exit code 2: make the scenario smaller).
    #[error("scenario `{scenario}`: one replicate needs about {} of memory, but {} is available; use fewer firms or steps", human_bytes(*.estimate), human_bytes(*.available))]
    Memory {
        /// Scenario name.
        scenario: String,
        /// Estimated bytes for one replicate.
        estimate: u64,
        /// Bytes available.
        available: u64,
    },
    /// A replicate's population outgrew the memory it may hold (exit code 2: make the scenario
    /// smaller); nothing is written for it.
    #[error("scenario `{scenario}`, replicate {replicate}: the population grew to {firms} firms by step {step}; at that pace the next step needs about {} of memory with its rows, more than the {} a replicate may hold here; entry outpaces exit in this scenario: use fewer firms or steps", human_bytes(*.needed), human_bytes(*.allowance))]
    PopulationGrowth {
        /// Scenario name.
        scenario: String,
        /// Replicate.
        replicate: u32,
        /// The last step taken.
        step: u32,
        /// Live firms after that step.
        firms: u64,
        /// Bytes the next step would need, grown at the pace of the last (estimated).
        needed: u64,
        /// Bytes it may hold.
        allowance: u64,
    },
    /// The output folder cannot be used (exit code 2): locked by another run, or holding files
    /// this command did not write.
    #[error("cannot write into {}: {reason}", .path.display())]
    OutputFolder {
        /// The folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A sweep's folder holds a journal that this command cannot continue (exit code 2): an
    /// unfinished sweep without `--resume`, or a journal of another plan.
    #[error("{}: {reason}", .folder.display())]
    Journal {
        /// The sweep's folder.
        folder: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
    /// Shards cannot be merged (exit code 2).
    #[error("cannot merge: {reason}")]
    Merge {
        /// Why.
        reason: String,
    },
    /// A results file (`trajectories.csv`, `summary.csv`, `points.csv`, `manifest.json`, ...)
    /// that an analysis reads is missing or not what nqpsim writes (exit code 2).
    #[error("{}: {reason}", .path.display())]
    Results {
        /// The file.
        path: PathBuf,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// The reason.
        message: String,
    },
}

/// Bytes in a unit a person reads (`1.5 GiB`).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a slip
/// (at most a third of the word's letters, at least one, differ).
pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .filter(|c| *c != word)
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Damerau-Levenshtein distance (adjacent transpositions count one), on characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}
