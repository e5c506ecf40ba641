//! `nqpsim._nqpsim`: the Rust half of the Python package. It calls the same library
//! functions as the CLI (`nqpsim::cli::*::execute` for the commands that write folders,
//! `nqpsim::run` for in-memory runs) and hands tables to Python as Arrow C streams.
//! `python/nqpsim/__init__.py` is the documented API on top.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, mpsc};
use std::time::Duration;

use arrow_array::ffi::FFI_ArrowSchema;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator};
use arrow_schema::SchemaRef;
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use nqpsim::cli::{self, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, RunFlags, ScenarioArgs};
use nqpsim::error::{Error, ScenarioError};
use nqpsim::output::arrow::ArrowTable;
use nqpsim::output::decomposition::DecompositionWriter;
use nqpsim::output::regions::RegionWriter;
use nqpsim::output::trajectories::write_trajectories;
use nqpsim::{RunOptions, Silent};

/// The flag every command stops on (at its next step boundary); raised when Python sees
/// Ctrl-C while a command runs.
fn cancel_flag() -> &'static Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        // The commands then watch this flag and install no signal handler of their own:
        // Python keeps its SIGINT handler (KeyboardInterrupt).
        cli::interrupt::use_flag(Arc::clone(&flag));
        flag
    })
}

/// Runs `work` on another thread without the GIL, checking Python's signals every 50 ms;
/// on Ctrl-C raises the cancel flag, waits for the work to stop at its next step boundary
/// and raises `KeyboardInterrupt`.
fn detached<T: Send>(py: Python<'_>, work: impl FnOnce() -> T + Send) -> PyResult<T> {
    let cancel = cancel_flag();
    cancel.store(false, Ordering::SeqCst);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        // a Mutex makes the receiver Sync, as `detach` asks of what the closure borrows
        let rx = std::sync::Mutex::new(rx);
        let handle = scope.spawn(move || {
            let result = work();
            let _ = tx.send(());
            result
        });
        loop {
            let done = py.detach(|| {
                let rx = rx.lock().expect("only this thread locks it");
                rx.recv_timeout(Duration::from_millis(50)).is_ok()
            });
            if done || handle.is_finished() {
                return handle.join().map_err(|_| {
                    PyRuntimeError::new_err("nqpsim panicked (a bug: please report it)")
                });
            }
            if let Err(interrupt) = py.check_signals() {
                cancel.store(true, Ordering::SeqCst);
                let _ = py.detach(|| handle.join());
                cancel.store(false, Ordering::SeqCst);
                return Err(interrupt);
            }
        }
    })
}

/// The Python exception for a library error: the CLI's message (`error: ` left off), of the
/// class that matches the CLI's exit code.
fn to_py(py: Python<'_>, e: anyhow::Error) -> PyErr {
    let class = if e.downcast_ref::<ScenarioError>().is_some()
        || matches!(e.downcast_ref::<Error>(), Some(Error::Scenario(_)))
    {
        "ScenarioError"
    } else if cli::exit_code(&e) == EXIT_BAD_INPUT {
        "InputError"
    } else {
        "RunError"
    };
    let message = e.to_string();
    match py
        .import("nqpsim._errors")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.call1((message.clone(),)))
    {
        Ok(instance) => PyErr::from_value(instance),
        Err(_) => PyRuntimeError::new_err(message),
    }
}

/// The result of a command that returns an exit code: `Ok` for 0, `KeyboardInterrupt` for
/// an interrupted run.
fn exit_status(py: Python<'_>, result: anyhow::Result<i32>) -> PyResult<()> {
    match result {
        Ok(EXIT_OK) => Ok(()),
        Ok(EXIT_INTERRUPTED) => Err(PyKeyboardInterrupt::new_err(
            "interrupted: completed runs were kept (see the folder's manifest)",
        )),
        Ok(code) => Err(PyRuntimeError::new_err(format!(
            "nqpsim exited with code {code}"
        ))),
        Err(e) => Err(to_py(py, e)),
    }
}

/// A table of nqpsim's results, held as Arrow record batches. It exports itself through the
/// Arrow PyCapsule interface, so `pyarrow.table(t)`, `polars.DataFrame(t)` and
/// `pandas.DataFrame.from_arrow(t)` read it without a copy.
#[pyclass(frozen, module = "nqpsim")]
pub struct Table {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl From<ArrowTable> for Table {
    fn from(t: ArrowTable) -> Self {
        Table {
            schema: t.schema,
            batches: t.batches,
        }
    }
}

#[pymethods]
impl Table {
    /// The Arrow C stream of the table (Arrow PyCapsule interface). `requested_schema` is
    /// ignored: the table is exported with its own schema.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let batches = self.batches.clone().into_iter().map(Ok);
        let reader = RecordBatchIterator::new(batches, self.schema.clone());
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        // The consumer moves the stream out (its release set to null); a stream never
        // consumed is released when the capsule is dropped (FFI_ArrowArrayStream's Drop).
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// The Arrow C schema of the table (Arrow PyCapsule interface).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.schema.as_ref()).map_err(internal)?;
        PyCapsule::new_with_value(py, schema, c"arrow_schema")
    }

    /// The number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.num_rows()
    }

    fn __repr__(&self) -> String {
        let columns = self.column_names();
        let shown = columns
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "nqpsim.Table({} rows x {} columns: {shown}{})",
            self.num_rows(),
            columns.len(),
            if columns.len() > 8 { ", ..." } else { "" }
        )
    }

    /// The table as a pandas DataFrame (needs pyarrow and pandas).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("pyarrow")?
            .getattr("table")?
            .call1((slf,))?
            .call_method0("to_pandas")
    }

    /// The table as a pyarrow Table (needs pyarrow).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("pyarrow")?.getattr("table")?.call1((slf,))
    }

    /// The table as a polars DataFrame (needs polars).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("polars")?
            .getattr("DataFrame")?
            .call1((slf,))
    }
}

/// An error that is not the user's (writing to memory, a table nqpsim made): `RuntimeError`.
fn internal(e: impl std::fmt::Display) -> PyErr {
    PyRuntimeError::new_err(e.to_string())
}

fn table_from_csv(py: Python<'_>, name: &str, bytes: &[u8]) -> PyResult<Table> {
    ArrowTable::from_csv_bytes(Path::new(name), bytes)
        .map(Table::from)
        .map_err(|e| to_py(py, e.into()))
}

/// Loads a scenario as the CLI does (`None`: the embedded baseline).
fn load(
    scenario: Option<&Path>,
    overrides: &[String],
) -> anyhow::Result<(nqpsim::Scenario, Vec<String>)> {
    Ok(cli::load_scenario(scenario, overrides).map_err(Error::from)?)
}

fn check_threads(threads: Option<usize>) -> anyhow::Result<()> {
    if threads == Some(0) {
        return Err(Error::BadArgument {
            flag: "--threads 0".into(),
            message: "at least one thread is needed".into(),
        }
        .into());
    }
    Ok(())
}

/// Runs a scenario in memory; returns (trajectories, decomposition, regions where the
/// scenario has them, facts of the run as JSON). `overrides` as the CLI builds them
/// (`--steps N`, then `path=value`).
#[pyfunction]
#[pyo3(signature = (scenario, overrides, threads))]
fn run(
    py: Python<'_>,
    scenario: Option<PathBuf>,
    overrides: Vec<String>,
    threads: Option<usize>,
) -> PyResult<(Table, Table, Option<Table>, String)> {
    let (scenario, files) = load(scenario.as_deref(), &overrides).map_err(|e| to_py(py, e))?;
    check_threads(threads).map_err(|e| to_py(py, e))?;
    let options = RunOptions {
        threads,
        point: 0,
        cancel: Some(Arc::clone(cancel_flag())),
        ..RunOptions::default()
    };
    let output = detached(py, || nqpsim::run(&scenario, &options, &Silent))?
        .map_err(|e| to_py(py, e.into()))?;
    if output.summary.interrupted {
        return Err(PyKeyboardInterrupt::new_err("interrupted"));
    }
    // The very bytes the CLI writes, read back as Arrow: a table holds the values of its CSV.
    let mut csv = Vec::new();
    write_trajectories(&mut csv, &scenario, &output.rows).map_err(internal)?;
    let trajectories = table_from_csv(py, "trajectories.csv", &csv)?;
    let mut csv = Vec::new();
    let mut writer = DecompositionWriter::new(&mut csv, &scenario).map_err(internal)?;
    for row in &output.decomposition {
        writer.write(row).map_err(internal)?;
    }
    writer.into_inner().map_err(internal)?;
    let decomposition = table_from_csv(py, "decomposition.csv", &csv)?;
    let regions = if scenario.features.regions {
        let mut csv = Vec::new();
        let mut writer = RegionWriter::new(&mut csv, &scenario).map_err(internal)?;
        for row in &output.regions {
            writer.write(row).map_err(internal)?;
        }
        writer.into_inner().map_err(internal)?;
        Some(table_from_csv(py, "regions.csv", &csv)?)
    } else {
        None
    };
    let s = &output.summary;
    let facts = serde_json::json!({
        "scenario_name": scenario.name,
        "scenario_files": files,
        "overrides": overrides,
        "threads": s.threads,
        "wall_time_s": s.wall_time.as_secs_f64(),
        "firm_steps": s.firm_steps,
        "completed_replicates": s.completed,
    });
    Ok((trajectories, decomposition, regions, facts.to_string()))
}

/// The scenario resolved with every default written out, as JSON.
#[pyfunction]
#[pyo3(signature = (scenario, overrides))]
fn check(py: Python<'_>, scenario: Option<PathBuf>, overrides: Vec<String>) -> PyResult<String> {
    let (scenario, _) = load(scenario.as_deref(), &overrides).map_err(|e| to_py(py, e))?;
    serde_json::to_string(&scenario.to_raw()).map_err(internal)
}

/// The name of the scenario `path` (a scenario file, or a run's folder).
fn side_name(path: Option<&Path>, overrides: &[String]) -> anyhow::Result<String> {
    match path {
        Some(dir) if dir.is_dir() => {
            let text =
                std::fs::read_to_string(dir.join("manifest.json")).map_err(|_| Error::Results {
                    path: dir.join("manifest.json"),
                    reason: "no manifest.json: not a finished nqpsim output folder".into(),
                })?;
            let manifest: serde_json::Value = serde_json::from_str(&text)?;
            Ok(manifest["scenario_name"].as_str().unwrap_or("").to_string())
        }
        other => Ok(load(other, overrides)?.0.name),
    }
}

fn run_flags(
    overrides: Vec<String>,
    threads: Option<usize>,
    out: PathBuf,
    force: bool,
) -> RunFlags {
    // The size flags are already among the overrides (as `--steps N`).
    RunFlags {
        threads,
        out,
        quiet: true,
        force,
        scenario_args: ScenarioArgs { set: overrides },
        ..RunFlags::default()
    }
}

/// `nqpsim sweep`; returns the sweep's folder.
#[pyfunction]
#[pyo3(signature = (plan, overrides, threads, out, force, resume, summary_only))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    plan: PathBuf,
    overrides: Vec<String>,
    threads: Option<usize>,
    out: PathBuf,
    force: bool,
    resume: bool,
    summary_only: bool,
) -> PyResult<PathBuf> {
    let name = nqpsim::sweep::load(&plan, &overrides)
        .map_err(|e| to_py(py, Error::from(e).into()))?
        .name;
    let args = cli::sweep::SweepArgs {
        plan,
        dry_run: false,
        summary_only,
        resume,
        retry_failed: false,
        shard: None,
        slurm: false,
        shards: None,
        sbatch: Vec::new(),
        run: run_flags(overrides, threads, out.clone(), force),
    };
    exit_status(py, detached(py, || cli::sweep::execute(args))?)?;
    Ok(out.join(name))
}

/// `nqpsim compare BASE POLICY`; returns the comparison's folder.
#[pyfunction]
#[pyo3(signature = (base, policy, overrides, threads, out, force, discount_rate, level, bootstrap))]
#[allow(clippy::too_many_arguments)]
fn compare(
    py: Python<'_>,
    base: Option<PathBuf>,
    policy: PathBuf,
    overrides: Vec<String>,
    threads: Option<usize>,
    out: PathBuf,
    force: bool,
    discount_rate: f64,
    level: f64,
    bootstrap: usize,
) -> PyResult<PathBuf> {
    let builtin = PathBuf::from(nqpsim::scenario::extends::BUILTIN_BASELINE);
    let base = base.unwrap_or(builtin);
    let names = side_name(Some(&base), &overrides)
        .and_then(|b| Ok((b, side_name(Some(&policy), &overrides)?)))
        .map_err(|e| to_py(py, e))?;
    let args = cli::compare::CompareArgs {
        base,
        policy: Some(policy),
        points: None,
        discount_rate,
        level,
        bootstrap,
        run: run_flags(overrides, threads, out.clone(), force),
    };
    exit_status(py, detached(py, || cli::compare::execute(args))?)?;
    Ok(out.join(format!("{}-vs-{}", names.0, names.1)))
}

/// `nqpsim facts`; returns the folder holding `facts.csv`.
#[pyfunction]
#[pyo3(signature = (source, overrides, threads, out, force, bands))]
fn facts(
    py: Python<'_>,
    source: Option<PathBuf>,
    overrides: Vec<String>,
    threads: Option<usize>,
    out: PathBuf,
    force: bool,
    bands: Option<PathBuf>,
) -> PyResult<PathBuf> {
    let folder = match &source {
        Some(dir) if dir.is_dir() => dir.clone(),
        other => out.join(side_name(other.as_deref(), &overrides).map_err(|e| to_py(py, e))?),
    };
    let args = cli::facts::FactsArgs {
        source,
        bands,
        strict: false,
        run: run_flags(overrides, threads, out, force),
    };
    exit_status(py, detached(py, || cli::facts::execute(args))?)?;
    Ok(folder)
}

/// Reads every table of an output folder (the Parquet twin where there is one, else the
/// CSV file) and its manifest; returns (manifest JSON or None, [(table name, table)]).
/// An output folder read: its manifest (JSON), if any, and its tables by name.
type Folder<T> = (Option<String>, Vec<(String, T)>);

/// One file converted: (csv, parquet, rows, csv bytes, parquet bytes).
type ConvertedFile = (PathBuf, PathBuf, u64, u64, u64);

#[pyfunction]
fn load_folder(py: Python<'_>, folder: PathBuf) -> PyResult<Folder<Table>> {
    let work = || -> anyhow::Result<Folder<ArrowTable>> {
        if !folder.is_dir() {
            return Err(Error::Results {
                path: folder.clone(),
                reason: "no such folder".into(),
            }
            .into());
        }
        let manifest = std::fs::read_to_string(folder.join("manifest.json")).ok();
        let mut stems: Vec<String> = std::fs::read_dir(&folder)?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let path = e.path();
                let ext = path.extension()?.to_str()?;
                let stem = path.file_stem()?.to_str()?;
                (path.is_file() && (ext == "csv" || ext == "parquet") && !stem.starts_with('.'))
                    .then(|| stem.to_string())
            })
            .collect();
        stems.sort();
        stems.dedup();
        let mut tables = Vec::new();
        for stem in stems {
            let parquet = folder.join(format!("{stem}.parquet"));
            let table = if parquet.is_file() {
                nqpsim::output::parquet::read(&parquet)?
            } else {
                ArrowTable::read_csv(&folder.join(format!("{stem}.csv")))?
            };
            tables.push((stem, table));
        }
        Ok((manifest, tables))
    };
    let (manifest, tables) = detached(py, work)?.map_err(|e| to_py(py, e))?;
    Ok((
        manifest,
        tables.into_iter().map(|(n, t)| (n, t.into())).collect(),
    ))
}

/// `nqpsim convert`: Parquet twins of a folder's CSV files; returns [(csv, parquet, rows,
/// csv bytes, parquet bytes)].
#[pyfunction]
fn convert(py: Python<'_>, folder: PathBuf) -> PyResult<Vec<ConvertedFile>> {
    let converted = detached(py, || nqpsim::output::parquet::convert_folder(&folder))?
        .map_err(|e| to_py(py, e.into()))?;
    Ok(converted
        .into_iter()
        .map(|c| (c.csv, c.parquet, c.rows, c.csv_bytes, c.parquet_bytes))
        .collect())
}

/// A JSON document (a sweep plan given as a dict) as TOML text.
#[pyfunction]
fn json_to_toml(json: &str) -> PyResult<String> {
    let value: toml::Value = serde_json::from_str(json).map_err(internal)?;
    toml::to_string(&value).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}

#[pymodule]
fn _nqpsim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    cancel_flag();
    m.add_class::<Table>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(facts, m)?)?;
    m.add_function(wrap_pyfunction!(load_folder, m)?)?;
    m.add_function(wrap_pyfunction!(convert, m)?)?;
    m.add_function(wrap_pyfunction!(json_to_toml, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
