//! Throughput measurements for `nqpsim bench` and the criterion benchmarks: firm-steps per
//! second of the step, peak memory per firm, and the machine's memory bandwidth (a
//! STREAM-style triad and a read pass over buffers larger than the last-level cache), so the
//! step's effective bandwidth can be read as a share of what the machine can move.

use rayon::prelude::*;
use serde::Serialize;
use std::time::Instant;

use crate::error::Error;
use crate::scenario::Scenario;
use crate::sim::Simulation;

/// One measurement of the step.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct StepMeasurement {
    /// Worker threads.
    pub threads: usize,
    /// Initial firms.
    pub firms: u64,
    /// Steps timed.
    pub steps: u32,
    /// Repetitions from a fresh simulation; the figures are those of the median one.
    pub repeats: u32,
    /// Firm phases executed in the timed steps.
    pub firm_steps: u64,
    /// Seconds for the timed steps (initialisation excluded).
    pub seconds: f64,
    /// Firm-steps per second (median of the repetitions).
    pub firm_steps_per_s: f64,
    /// Slowest repetition, firm-steps per second.
    pub slowest_firm_steps_per_s: f64,
    /// Fastest repetition, firm-steps per second.
    pub fastest_firm_steps_per_s: f64,
    /// Wall-clock nanoseconds per firm-step.
    pub ns_per_firm_step: f64,
    /// `threads x ns_per_firm_step`: core time per firm-step.
    pub core_ns_per_firm_step: f64,
    /// Throughput over `threads` times the one-thread throughput (1 for one thread).
    pub parallel_efficiency: Option<f64>,
    /// Peak resident memory of the process during the first run, bytes per initial firm.
    pub peak_bytes_per_firm: Option<f64>,
    /// Bytes the step reads and writes per firm times firm-steps per second, GB/s.
    pub effective_gb_per_s: f64,
    /// Share of the timed wall time spent in each pass.
    pub stage_shares: StageShares,
}

/// Share of the step's time spent in each pass.
#[derive(Clone, Copy, Debug, Default, Serialize, serde::Deserialize)]
pub struct StageShares {
    /// §5.1-5.10, firm phase.
    pub phase: f64,
    /// §5.11, exits.
    pub exits: f64,
    /// §5.12, structure.
    pub structure: f64,
    /// §5.13, production pass.
    pub production: f64,
    /// §5.13, quantiles.
    pub quantiles: f64,
    /// §5.13, rows.
    pub rows: f64,
}

/// The machine's memory bandwidth with a given number of threads.
#[derive(Clone, Debug, Serialize)]
pub struct Bandwidth {
    /// Worker threads.
    pub threads: usize,
    /// STREAM triad `a[i] = b[i] + s c[i]`, counting 24 bytes per element, GB/s.
    pub triad_gb_per_s: f64,
    /// A read pass (sum) over one buffer, GB/s.
    pub read_gb_per_s: f64,
}

/// A thread pool of `threads` workers.
pub fn pool(threads: usize) -> Result<rayon::ThreadPool, Error> {
    crate::sim::thread_pool(Some(threads))
}

/// Peak resident memory of this process (VmHWM), bytes; `None` off Linux.
pub fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Resets the peak resident memory counter (Linux); returns whether it worked.
pub fn reset_peak_resident() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Times `steps` steps of replicate 0 of `scenario` on `threads` threads, after one untimed
/// step (warm-up: buffers reach their size), `repeats` times from a fresh simulation; the
/// rate reported is the median (shared machines are noisy), with the slowest and fastest.
pub fn time_steps(
    scenario: &Scenario,
    threads: usize,
    steps: u32,
    repeats: u32,
) -> Result<StepMeasurement, Error> {
    let pool = pool(threads)?;
    let peak_known = reset_peak_resident();
    let mut peak = None;
    let fault = |fault| Error::Numeric {
        scenario: scenario.name.clone(),
        replicate: 0,
        fault,
    };
    let mut runs: Vec<(u64, f64, StageShares)> = (0..repeats.max(1))
        .map(|_| {
            let run = pool.install(|| -> Result<_, Error> {
                let mut sim = Simulation::new(scenario, 0).map_err(fault)?;
                sim.step().map_err(fault)?;
                let before = sim.timings();
                let start = Instant::now();
                let mut firm_steps = 0;
                for _ in 0..steps {
                    firm_steps += sim.firm_count();
                    sim.step().map_err(fault)?;
                }
                let seconds = start.elapsed().as_secs_f64();
                let after = sim.timings();
                let share = |a: std::time::Duration, b: std::time::Duration| {
                    (a - b).as_secs_f64() / seconds
                };
                let stage_shares = StageShares {
                    phase: share(after.phase, before.phase),
                    exits: share(after.exits, before.exits),
                    structure: share(after.structure, before.structure),
                    production: share(after.production, before.production),
                    quantiles: share(after.quantiles, before.quantiles),
                    rows: share(after.rows, before.rows),
                };
                Ok((firm_steps, seconds, stage_shares))
            });
            // peak memory of the first run alone (later runs reuse what the allocator kept)
            peak = peak.or_else(|| peak_resident_bytes().filter(|_| peak_known));
            run
        })
        .collect::<Result<_, _>>()?;
    runs.sort_by(|x, y| (x.0 as f64 / x.1).total_cmp(&(y.0 as f64 / y.1)));
    let rate_of = |r: &(u64, f64, StageShares)| r.0 as f64 / r.1;
    let (slowest, fastest) = (rate_of(&runs[0]), rate_of(&runs[runs.len() - 1]));
    let (firm_steps, seconds, stage_shares) = runs[runs.len() / 2];
    let rate = firm_steps as f64 / seconds;
    let ns = 1e9 / rate;
    Ok(StepMeasurement {
        threads,
        firms: scenario.run.firms,
        steps,
        repeats: repeats.max(1),
        firm_steps,
        seconds,
        firm_steps_per_s: rate,
        slowest_firm_steps_per_s: slowest,
        fastest_firm_steps_per_s: fastest,
        ns_per_firm_step: ns,
        core_ns_per_firm_step: ns * threads as f64,
        parallel_efficiency: None,
        peak_bytes_per_firm: peak.map(|b| b as f64 / scenario.run.firms as f64),
        effective_gb_per_s: rate * crate::sim::step::STEP_BYTES_PER_FIRM as f64 / 1e9,
        stage_shares,
    })
}

/// Measures memory bandwidth with `threads` threads over arrays of `elements` f64 each
/// (choose them well above the last-level cache). Best of `repeats`.
pub fn measure_bandwidth(
    threads: usize,
    elements: usize,
    repeats: usize,
) -> Result<Bandwidth, Error> {
    let pool = pool(threads)?;
    pool.install(|| {
        let chunk = elements.div_ceil(threads * 8).max(1 << 14);
        let mut a = vec![0.0f64; elements];
        let b: Vec<f64> = (0..elements).map(|i| i as f64).collect();
        let c: Vec<f64> = (0..elements).map(|i| (i % 7) as f64).collect();
        let (mut triad, mut read) = (0.0f64, 0.0f64);
        for _ in 0..repeats.max(1) {
            let start = Instant::now();
            a.par_chunks_mut(chunk)
                .zip(b.par_chunks(chunk).zip(c.par_chunks(chunk)))
                .for_each(|(a, (b, c))| {
                    for ((a, b), c) in a.iter_mut().zip(b).zip(c) {
                        *a = b + 3.0 * c;
                    }
                });
            triad = triad.max(24.0 * elements as f64 / start.elapsed().as_secs_f64() / 1e9);
            let start = Instant::now();
            // eight accumulators, so that the additions do not wait for each other
            let sum: f64 = a
                .par_chunks(chunk)
                .map(|a| {
                    let mut lanes = [0.0f64; 8];
                    for block in a.chunks_exact(8) {
                        for (l, x) in lanes.iter_mut().zip(block) {
                            *l += x;
                        }
                    }
                    lanes.iter().sum::<f64>() + a.chunks_exact(8).remainder().iter().sum::<f64>()
                })
                .sum();
            read = read.max(8.0 * elements as f64 / start.elapsed().as_secs_f64() / 1e9);
            std::hint::black_box(sum);
        }
        Ok(Bandwidth {
            threads,
            triad_gb_per_s: triad,
            read_gb_per_s: read,
        })
    })
}
