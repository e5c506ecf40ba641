//! `nqpsim bench`: step throughput, parallel efficiency, memory per firm, and the step's
//! effective bandwidth against the machine's measured memory bandwidth; with the machine's
//! state (load average before and after, other processes' CPU use during each measurement, the
//! spread of the repeats) and warnings when that state, not the program, makes the figures.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::{EXIT_OK, ScenarioArgs, load_scenario};
use crate::bench::{self, Bandwidth, CpuTimes, LoadAverage, StepMeasurement, Warning};
use crate::error::Error;

/// Options of `nqpsim bench`.
#[derive(Debug, Args, Clone)]
pub struct BenchArgs {
    /// Scenario file; the embedded baseline if left out
    #[arg(value_name = "SCENARIO")]
    pub scenario: Option<PathBuf>,
    /// Initial firms
    #[arg(long, default_value_t = 1_000_000)]
    pub firms: u64,
    /// Steps timed (after one untimed warm-up step)
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub steps: u32,
    /// Repetitions of each measurement (from a fresh simulation); the median is reported
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeats: u32,
    /// Thread counts to measure, e.g. 1,2,4 (default: 1 and all cores)
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u64).range(1..))]
    pub threads: Vec<u64>,
    /// Also write the figures as JSON to this file
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Skip the memory-bandwidth measurement
    #[arg(long)]
    pub no_bandwidth: bool,
    /// Measure in this process instead of one fresh process per thread count (peak memory is
    /// then only meaningful for the first)
    #[arg(long)]
    pub in_process: bool,
    /// Internal: time one thread count and print the measurement as JSON
    #[arg(long, hide = true)]
    pub measure_only: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub scenario_args: ScenarioArgs,
}

#[derive(serde::Serialize)]
struct Report {
    scenario: String,
    firms: u64,
    steps: u32,
    step_bytes_per_firm: usize,
    cpu: String,
    logical_cores: usize,
    /// The instruction-set level the lanes ran at (`scalar`, `sse2`, `avx2`, `avx512`: the
    /// widest this processor runs, or `NQPSIM_ISA`; every measuring process inherits it).
    lanes: &'static str,
    measurements: Vec<StepMeasurement>,
    bandwidth: Vec<Bandwidth>,
    nqpsim_version: &'static str,
    /// The commit nqpsim was built from, or "unknown".
    git_commit: String,
    /// Where `git_commit` comes from: "build" (`NQPSIM_GIT_COMMIT` when it was compiled),
    /// "working_directory" (`git rev-parse HEAD` in the nqpsim checkout it ran in: the binary
    /// may have been built from another state of it) or "unknown".
    git_commit_source: &'static str,
    /// `/proc/loadavg` before the first measurement; `None` off Linux.
    load_before: Option<LoadAverage>,
    /// `/proc/loadavg` after the last one (it counts this run's own threads too).
    load_after: Option<LoadAverage>,
    warnings: Vec<Warning>,
}

/// Runs `nqpsim bench`.
pub fn execute(args: BenchArgs) -> anyhow::Result<i32> {
    let mut overrides = vec![
        format!("--firms {}", args.firms),
        "--replicates 1".to_string(),
    ];
    overrides.extend(args.scenario_args.set.iter().cloned());
    let (mut scenario, _) =
        load_scenario(args.scenario.as_deref(), &overrides).map_err(Error::from)?;
    scenario.run.steps = args.steps + 1;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut threads: Vec<usize> = args.threads.iter().map(|&t| t as usize).collect();
    if threads.is_empty() {
        threads = if cores > 1 { vec![1, cores] } else { vec![1] };
    }
    if args.measure_only {
        let m = bench::time_steps(&scenario, threads[0], args.steps, args.repeats)?;
        super::print(&serde_json::to_string(&m).expect("serialises"))?;
        return Ok(EXIT_OK);
    }
    let load_before = LoadAverage::read();
    if let Some(load) = load_before {
        eprintln!(
            "1-minute load average {:.2} on {cores} logical cores before measuring",
            load.one_minute
        );
    }
    let mut measurements: Vec<StepMeasurement> = Vec::new();
    for &t in &threads {
        eprintln!(
            "timing {} steps of {} firms on {t} thread(s) ...",
            args.steps, args.firms
        );
        let cpu_before = CpuTimes::read();
        let mut m = if args.in_process {
            bench::time_steps(&scenario, t, args.steps, args.repeats)?
        } else {
            measure_in_child(t)?
        };
        m.other_cpu_cores = cpu_before
            .zip(CpuTimes::read())
            .and_then(|(before, after)| after.others_since(&before));
        if let Some(one) = measurements.iter().find(|m| m.threads == 1) {
            m.parallel_efficiency = Some(m.firm_steps_per_s / (t as f64 * one.firm_steps_per_s));
        } else if t == 1 {
            m.parallel_efficiency = Some(1.0);
        }
        measurements.push(m);
    }
    let mut bandwidth = Vec::new();
    if !args.no_bandwidth {
        // Three arrays of 128 MiB each: far above any last-level cache of today.
        let elements = 16 << 20;
        for &t in &threads {
            eprintln!("measuring memory bandwidth on {t} thread(s) ...");
            bandwidth.push(bench::measure_bandwidth(t, elements, 5)?);
        }
    }
    let load_after = LoadAverage::read();
    let rates: Vec<Vec<f64>> = measurements
        .iter()
        .map(|m| {
            m.repeat_timings
                .iter()
                .map(|r| r.firm_steps_per_s)
                .collect()
        })
        .collect();
    let measured: Vec<bench::Measured> = measurements
        .iter()
        .zip(&rates)
        .map(|(m, rates)| bench::Measured {
            threads: m.threads,
            firm_steps_per_s: rates,
            other_cpu_cores: m.other_cpu_cores,
        })
        .collect();
    let warnings = bench::assess(cores, load_before.map(|l| l.one_minute), &measured);
    let (git_commit, git_commit_source) = git_commit();
    let report = Report {
        scenario: scenario.name.clone(),
        firms: args.firms,
        steps: args.steps,
        step_bytes_per_firm: crate::sim::step::STEP_BYTES_PER_FIRM,
        cpu: cpu_name(),
        logical_cores: cores,
        lanes: crate::lanes::Isa::selected().name(),
        measurements,
        bandwidth,
        nqpsim_version: env!("CARGO_PKG_VERSION"),
        git_commit,
        git_commit_source,
        load_before,
        load_after,
        warnings,
    };
    super::print(&table(&report)?)?;
    for w in &report.warnings {
        eprintln!("warning: {}", w.message);
    }
    if let Some(path) = &args.json {
        let json = serde_json::to_vec_pretty(&report).expect("the report serialises");
        crate::output::atomic::write_file(path, &json).map_err(Error::from)?;
    }
    Ok(EXIT_OK)
}

fn table(r: &Report) -> Result<String, std::fmt::Error> {
    let mut out = String::new();
    writeln!(
        out,
        "{} with {} firms, {} timed steps, median of {} runs; {} ({} logical cores), lanes {}",
        r.scenario,
        r.firms,
        r.steps,
        r.measurements.first().map_or(0, |m| m.repeats),
        r.cpu,
        r.logical_cores,
        r.lanes
    )?;
    let load = |l: Option<LoadAverage>| {
        l.map_or("unknown".to_string(), |l| format!("{:.2}", l.one_minute))
    };
    writeln!(
        out,
        "nqpsim {} ({}); 1-minute load average {} before, {} after (this run's threads included)",
        r.nqpsim_version,
        short_commit(&r.git_commit),
        load(r.load_before),
        load(r.load_after)
    )?;
    if !r.warnings.is_empty() {
        writeln!(
            out,
            "{} warning(s), on stderr and in the JSON: these figures describe the machine's state, not nqpsim",
            r.warnings.len()
        )?;
    }
    writeln!(
        out,
        "{:>7} {:>16} {:>13} {:>13} {:>11} {:>14} {:>12} {:>9} {:>8} {:>7}",
        "threads",
        "firm-steps/s",
        "ns/firm-step",
        "core ns/f-s",
        "efficiency",
        "peak B/firm",
        "step GB/s",
        "of roof",
        "spread",
        "others"
    )?;
    for m in &r.measurements {
        let roof = r
            .bandwidth
            .iter()
            .find(|b| b.threads == m.threads)
            .map(|b| b.triad_gb_per_s);
        let fmt = |x: Option<f64>, d: usize| x.map_or("-".to_string(), |v| format!("{v:.d$}"));
        writeln!(
            out,
            "{:>7} {:>16.0} {:>13.1} {:>13.1} {:>11} {:>14} {:>12.2} {:>9} {:>8} {:>7}",
            m.threads,
            m.firm_steps_per_s,
            m.ns_per_firm_step,
            m.core_ns_per_firm_step,
            fmt(m.parallel_efficiency.map(|e| 100.0 * e), 1)
                + if m.parallel_efficiency.is_some() {
                    " %"
                } else {
                    ""
                },
            fmt(m.peak_bytes_per_firm, 0),
            m.effective_gb_per_s,
            fmt(roof.map(|roof| 100.0 * m.effective_gb_per_s / roof), 1)
                + if roof.is_some() { " %" } else { "" },
            fmt(m.spread.map(|s| 100.0 * s.range_over_median), 1)
                + if m.spread.is_some() { " %" } else { "" },
            fmt(m.other_cpu_cores, 2),
        )?;
    }
    for m in &r.measurements {
        let s = &m.stage_shares;
        let pass = |name: &str, share: f64| {
            format!(
                "{name} {:.1} ({:.0} %)",
                share * m.ns_per_firm_step,
                100.0 * share
            )
        };
        writeln!(
            out,
            "time by pass, {} thread(s), ns per firm-step (share of the step): {}, {}, {}, {}, {}, {}",
            m.threads,
            pass("phase", s.phase),
            pass("exits", s.exits),
            pass("structure", s.structure),
            pass("production", s.production),
            pass("quantiles", s.quantiles),
            pass("rows", s.rows)
        )?;
    }
    writeln!(
        out,
        "spread: (fastest - slowest) / median of the repeats; others: cores other processes used \
         while the measurement ran"
    )?;
    writeln!(
        out,
        "step traffic: {} bytes read and written per firm-step (from the layout of the passes)",
        r.step_bytes_per_firm
    )?;
    for b in &r.bandwidth {
        writeln!(
            out,
            "memory bandwidth, {} thread(s): triad {:.1} GB/s, read {:.1} GB/s",
            b.threads, b.triad_gb_per_s, b.read_gb_per_s
        )?;
    }
    Ok(out)
}

/// The first 12 hex digits of a commit, or the text as it is.
fn short_commit(commit: &str) -> &str {
    if commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        &commit[..12]
    } else {
        commit
    }
}

/// The commit nqpsim was built from and where that comes from: `NQPSIM_GIT_COMMIT` at compile
/// time (a release build can set it; no build script), else `git rev-parse HEAD` in the working
/// directory when that is a checkout of nqpsim (what `cargo run` from the checkout runs; the
/// binary may be older than the checkout's HEAD), else "unknown".
fn git_commit() -> (String, &'static str) {
    if let Some(commit) = option_env!("NQPSIM_GIT_COMMIT").map(str::trim)
        && !commit.is_empty()
    {
        return (commit.to_string(), "build");
    }
    checkout_commit().map_or_else(
        || ("unknown".to_string(), "unknown"),
        |c| (c, "working_directory"),
    )
}

fn checkout_commit() -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git")
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        out.status.success().then_some(())?;
        Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let manifest = std::fs::read_to_string(std::path::Path::new(&top).join("Cargo.toml")).ok()?;
    let manifest: toml::Table = toml::from_str(&manifest).ok()?;
    let name = manifest.get("package")?.get("name")?.as_str()?;
    (name == "nqpsim").then_some(())?;
    let commit = git(&["rev-parse", "HEAD"])?;
    (commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit())).then_some(commit)
}

fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|x| x.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Runs this same command for one thread count in a fresh process, so that its peak memory
/// is its own (an allocator keeps memory freed by an earlier measurement).
fn measure_in_child(threads: usize) -> anyhow::Result<StepMeasurement> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // drop any --threads value and --json target; time one thread count only
    let mut kept = Vec::new();
    let mut skip = false;
    for a in args.drain(..) {
        if skip {
            skip = false;
            continue;
        }
        if a == "--threads" || a == "--json" {
            skip = true;
            continue;
        }
        if a.starts_with("--threads=") || a.starts_with("--json=") {
            continue;
        }
        kept.push(a);
    }
    kept.extend([
        "--measure-only".into(),
        "--threads".into(),
        threads.to_string(),
    ]);
    let output = std::process::Command::new(std::env::current_exe()?)
        .args(&kept)
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !output.status.success() {
        anyhow::bail!(
            "the measurement on {threads} thread(s) failed ({})",
            output.status
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}
