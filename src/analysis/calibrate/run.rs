//! Running a calibration into `OUT/<plan name>/`: the folder, the journal that `--resume`
//! reads, the search and the Jacobian on a thread pool, and the files at the end.
//!
//! While it runs the folder holds `journal.jsonl`: a header with the plan's fingerprint, then
//! one line per evaluation, appended and flushed as each is recorded (a line torn by a kill is
//! ignored). The final files (`evaluations.csv`, `best.toml`, `report.md`, `manifest.json`)
//! appear only once the calibration is complete, and the journal is then removed.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::evaluate::Evaluation;
use super::inference::{self, Inference};
use super::plan::Plan;
use super::report;
use super::search::{Progress, Record, Search};
use crate::error::{Error, OutputError};
use crate::output::atomic;
use crate::output::folder::OutputFolder;

/// `evaluations.csv`.
pub const EVALUATIONS: &str = "evaluations.csv";
/// `best.toml`.
pub const BEST: &str = "best.toml";
/// `report.md`.
pub const REPORT: &str = "report.md";
/// `manifest.json`.
pub const MANIFEST: &str = "manifest.json";
/// `journal.jsonl`: the evaluations of a calibration under way.
pub const JOURNAL: &str = "journal.jsonl";

/// Whether `name` is a file a calibration writes.
pub fn is_calibration_file(name: &str) -> bool {
    [EVALUATIONS, BEST, REPORT, MANIFEST, JOURNAL].contains(&name)
}

/// How to run a calibration.
pub struct Options<'a> {
    /// Output folder: results go to `OUT/<plan name>/`.
    pub out: PathBuf,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// Finish the calibration the folder's journal records.
    pub resume: bool,
    /// Start over whatever the folder holds.
    pub force: bool,
    /// Raised to stop at the next evaluation (Ctrl-C).
    pub cancel: &'a AtomicBool,
    /// The command line, for the report and the manifest.
    pub command: String,
}

/// How a calibration ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Every file written.
    Complete,
    /// Stopped; the journal keeps the evaluations for `--resume`.
    Interrupted,
}

/// What a calibration did.
#[derive(Clone, Debug)]
pub struct CalibrationReport {
    /// The output folder.
    pub folder: PathBuf,
    /// How it ended.
    pub status: Status,
    /// Evaluations recorded (resumed ones included).
    pub evaluations: usize,
    /// Evaluations read back from the journal.
    pub resumed: usize,
    /// The best loss.
    pub best_loss: f64,
    /// The estimates (parameter name, value, standard error), when complete.
    pub estimates: Vec<(String, f64, Option<f64>)>,
    /// Wall time of this process's part.
    pub wall_time: Duration,
    /// Worker threads.
    pub threads: usize,
}

#[derive(Serialize, Deserialize)]
struct Header {
    nqpsim_calibration: u32,
    plan: String,
    fingerprint: String,
}

/// A journal line: an evaluation, its numbers as bit patterns (exact, NaN included).
#[derive(Serialize, Deserialize)]
struct Line {
    index: usize,
    phase: String,
    coordinates: Vec<u64>,
    values: Vec<u64>,
    replicates: Vec<Vec<u64>>,
    failed: Option<String>,
}

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

fn floats(x: &[u64]) -> Vec<f64> {
    x.iter().map(|v| f64::from_bits(*v)).collect()
}

/// The manifest of a complete calibration.
#[derive(Serialize)]
struct Manifest<'a> {
    command: &'a str,
    nqpsim_version: &'a str,
    model_version: u32,
    plan_name: &'a str,
    plan_file: String,
    plan: &'a super::plan::RawPlan,
    overrides: Vec<String>,
    scenario_files: &'a [String],
    seed: u64,
    replicates: u32,
    fingerprint: String,
    evaluations: usize,
    best_evaluation: usize,
    best_loss: f64,
    estimates: Vec<(String, f64, Option<f64>)>,
    files: Vec<crate::output::manifest::FileEntry>,
    run: RunFacts,
}

#[derive(Serialize)]
struct RunFacts {
    status: &'static str,
    threads: usize,
    evaluations_resumed: usize,
    wall_time_s: f64,
    finished_unix_s: u64,
}

/// Runs the calibration of `plan`.
pub fn calibrate(
    plan: &Plan,
    options: &Options,
    progress: &dyn Progress,
) -> Result<CalibrationReport, Error> {
    let dir = options.out.join(&plan.name);
    let folder = OutputFolder::take_with(&dir, &is_calibration_file, options.force)?;
    let fingerprint = format!("{:016x}", plan.fingerprint());
    let journal_path = folder.file(JOURNAL);
    let earlier = if journal_path.exists() && !options.force {
        if !options.resume {
            return Err(Error::Results {
                path: journal_path,
                reason: "an unfinished calibration is there: run the same command with \
                         --resume to finish it, or --force to start over"
                    .into(),
            });
        }
        read_journal(&journal_path, &fingerprint)?
    } else {
        Vec::new()
    };
    let resumed = earlier.len();
    let journal = Mutex::new(open_journal(
        &journal_path,
        &plan.name,
        &fingerprint,
        &earlier,
    )?);
    let on_record = |r: &Record| -> Result<(), String> {
        let line = Line {
            index: r.index,
            phase: r.phase.clone(),
            coordinates: bits(&r.evaluation.coordinates),
            values: bits(&r.evaluation.values),
            replicates: r.evaluation.replicates.iter().map(|x| bits(x)).collect(),
            failed: r.evaluation.failed.clone(),
        };
        let mut text = serde_json::to_string(&line).expect("a journal line serialises");
        text.push('\n');
        let mut file = journal.lock().expect("not poisoned");
        file.write_all(text.as_bytes())
            .and_then(|()| file.flush())
            .map_err(|e| format!("{}: {e}", journal_path.display()))
    };
    let pool = crate::sim::thread_pool(options.threads)?;
    let threads = pool.current_num_threads();
    let started = Instant::now();
    let evaluator = |u: &[f64]| super::evaluate::evaluate(plan, u);
    let mut search = Search::new(
        plan,
        &evaluator,
        earlier,
        &on_record,
        options.cancel,
        progress,
    );
    let outcome = pool.install(|| -> Option<(Record, Inference)> {
        search.run();
        if search.interrupted() || search.failure().is_some() {
            return None;
        }
        let best = search.best()?;
        let (minus, plus) = jacobian_points(plan, &best.evaluation.coordinates);
        search.allow(2 * plan.parameters.len());
        search.set_phase("jacobian");
        let minus: Vec<Record> = search
            .evaluate_all(&minus)
            .into_iter()
            .collect::<Option<_>>()?;
        let plus: Vec<Record> = search
            .evaluate_all(&plus)
            .into_iter()
            .collect::<Option<_>>()?;
        let names: Vec<String> = plan.parameters.iter().map(|p| p.name.clone()).collect();
        let bounds: Vec<(f64, f64)> = plan.parameters.iter().map(|p| (p.min, p.max)).collect();
        let mut inference = inference::infer(
            &plan.moments,
            &names,
            &bounds,
            search.weights(),
            &best,
            &minus,
            &plus,
        );
        if let Some(better) = minus.iter().chain(&plus).find(|r| r.loss < best.loss) {
            inference.warnings.push(format!(
                "a point of the Jacobian (evaluation {}) has a lower loss ({:.4}) than the estimate ({:.4}): the search stopped before it converged; give it more evaluations",
                better.index, better.loss, best.loss
            ));
        }
        Some((best, inference))
    });
    let wall_time = started.elapsed();
    if let Some(message) = search.failure() {
        return Err(Error::Results {
            path: journal_path,
            reason: format!("cannot keep the journal: {message}"),
        });
    }
    let records = search.records();
    let best_loss = outcome
        .as_ref()
        .map(|(best, _)| best.loss)
        .or_else(|| search.best().map(|r| r.loss))
        .unwrap_or(f64::INFINITY);
    let mut report = CalibrationReport {
        folder: folder.path().to_path_buf(),
        status: Status::Interrupted,
        evaluations: records.len(),
        resumed,
        best_loss,
        estimates: Vec::new(),
        wall_time,
        threads,
    };
    let Some((best, inference)) = outcome else {
        return Ok(report);
    };
    report.estimates = plan
        .parameters
        .iter()
        .zip(&inference.estimates)
        .map(|(p, e)| (p.name.clone(), e.value, e.se))
        .collect();
    write_results(
        plan,
        &folder,
        &best,
        &inference,
        search.weights(),
        &records,
        &fingerprint,
        options,
        &report,
    )?;
    drop(journal);
    let _ = std::fs::remove_file(&journal_path);
    report.status = Status::Complete;
    Ok(report)
}

/// The points of the central differences at `u`: each parameter moved down and up by the
/// Jacobian's step (one-sided at a bound, the other end at `u` itself).
fn jacobian_points(plan: &Plan, u: &[f64]) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let h = plan.search.jacobian_step;
    let (mut minus, mut plus) = (Vec::new(), Vec::new());
    for p in 0..u.len() {
        let (mut lo, mut hi) = (u.to_vec(), u.to_vec());
        lo[p] = (u[p] - h).max(0.0);
        hi[p] = (u[p] + h).min(1.0);
        minus.push(lo);
        plus.push(hi);
    }
    (minus, plus)
}

/// Reads the records of an interrupted calibration, refusing a journal of another plan.
fn read_journal(path: &Path, fingerprint: &str) -> Result<Vec<Record>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| {
        Error::Output(OutputError {
            path: path.to_path_buf(),
            source,
        })
    })?;
    let mut lines = text.lines();
    let header: Option<Header> = lines.next().and_then(|l| serde_json::from_str(l).ok());
    match header {
        Some(h) if h.fingerprint == fingerprint => {}
        Some(h) => {
            return Err(Error::Results {
                path: path.to_path_buf(),
                reason: format!(
                    "the journal is of another plan or version (fingerprint {}, this plan {fingerprint}): the plan, its base scenario, the overrides or nqpsim changed since; use --force to start over",
                    h.fingerprint
                ),
            });
        }
        None => {
            return Err(Error::Results {
                path: path.to_path_buf(),
                reason: "not a calibration journal; use --force to start over".into(),
            });
        }
    }
    let mut records = Vec::new();
    for line in lines {
        // a line torn by a kill ends the journal
        let Ok(l) = serde_json::from_str::<Line>(line) else {
            break;
        };
        records.push(Record {
            index: l.index,
            phase: l.phase,
            evaluation: Evaluation {
                coordinates: floats(&l.coordinates),
                values: floats(&l.values),
                replicates: l.replicates.iter().map(|r| floats(r)).collect(),
                failed: l.failed,
            },
            loss: f64::NAN,
        });
    }
    Ok(records)
}

/// The journal, rewritten with its header and the `earlier` records that were read back (a
/// torn last line is dropped).
fn open_journal(
    path: &Path,
    plan: &str,
    fingerprint: &str,
    earlier: &[Record],
) -> Result<std::fs::File, Error> {
    let io = |source| {
        Error::Output(OutputError {
            path: path.to_path_buf(),
            source,
        })
    };
    let mut text = serde_json::to_string(&Header {
        nqpsim_calibration: 1,
        plan: plan.to_string(),
        fingerprint: fingerprint.to_string(),
    })
    .expect("a header serialises");
    text.push('\n');
    for r in earlier {
        let line = Line {
            index: r.index,
            phase: r.phase.clone(),
            coordinates: bits(&r.evaluation.coordinates),
            values: bits(&r.evaluation.values),
            replicates: r.evaluation.replicates.iter().map(|x| bits(x)).collect(),
            failed: r.evaluation.failed.clone(),
        };
        text.push_str(&serde_json::to_string(&line).expect("a line serialises"));
        text.push('\n');
    }
    let mut file = std::fs::File::create(path).map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    Ok(file)
}

/// The base scenario as `best.toml` in `folder` names it: `builtin:baseline`, or the base
/// file's path relative to the folder where it can be written so, else absolute.
fn base_reference(plan: &Plan, folder: &Path) -> String {
    let Some(base) = plan.scenario_files.last() else {
        return crate::scenario::extends::BUILTIN_BASELINE.into();
    };
    if base == crate::scenario::extends::BUILTIN_BASELINE {
        return base.clone();
    }
    let (Ok(target), Ok(from)) = (std::fs::canonicalize(base), std::fs::canonicalize(folder))
    else {
        return base.clone();
    };
    relative(&target, &from).unwrap_or_else(|| target.display().to_string())
}

/// `target` relative to the folder `from` (both absolute), with `/` separators.
fn relative(target: &Path, from: &Path) -> Option<String> {
    let t: Vec<_> = target.components().collect();
    let f: Vec<_> = from.components().collect();
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Some(parts.join("/"))
}

#[allow(clippy::too_many_arguments)]
fn write_results(
    plan: &Plan,
    folder: &OutputFolder,
    best: &Record,
    inference: &Inference,
    weights: &[f64],
    records: &[Record],
    fingerprint: &str,
    options: &Options,
    report: &CalibrationReport,
) -> Result<(), Error> {
    let mut files = Vec::new();
    let mut write = |name: &str, bytes: &[u8]| -> Result<(), Error> {
        let facts = atomic::write_file(&folder.file(name), bytes)?;
        files.push(crate::output::manifest::FileEntry {
            name: name.to_string(),
            rows: bytes.iter().filter(|&&b| b == b'\n').count() as u64
                - u64::from(name.ends_with(".csv")),
            facts,
        });
        Ok(())
    };
    write(EVALUATIONS, &report::evaluations_csv(plan, records))?;
    let base = base_reference(plan, folder.path());
    write(
        BEST,
        report::best_toml(plan, best, folder.path(), &base).as_bytes(),
    )?;
    let facts = report::RunFacts {
        command: &options.command,
        evaluations: records.len(),
        wall_time_s: report.wall_time.as_secs_f64(),
        threads: report.threads,
    };
    write(
        REPORT,
        report::report_md(plan, best, inference, weights, records, &facts).as_bytes(),
    )?;
    let manifest = Manifest {
        command: "calibrate",
        nqpsim_version: env!("CARGO_PKG_VERSION"),
        model_version: crate::MODEL_VERSION,
        plan_name: &plan.name,
        plan_file: plan.file.display().to_string(),
        plan: &plan.raw,
        overrides: plan.fixed_overrides(),
        scenario_files: &plan.scenario_files,
        seed: plan.seed,
        replicates: plan.replicates,
        fingerprint: fingerprint.to_string(),
        evaluations: records.len(),
        best_evaluation: best.index,
        best_loss: best.loss,
        estimates: report.estimates.clone(),
        files,
        run: RunFacts {
            status: "complete",
            threads: report.threads,
            evaluations_resumed: report.resumed,
            wall_time_s: report.wall_time.as_secs_f64(),
            finished_unix_s: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        },
    };
    let json = serde_json::to_vec_pretty(&manifest).expect("the manifest serialises");
    atomic::write_file(&folder.file(MANIFEST), &json)?;
    Ok(())
}
