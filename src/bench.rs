//! Throughput measurements for `nqpsim bench` and the criterion benchmarks: firm-steps per
//! second of the step, peak memory per firm, and the machine's memory bandwidth (a
//! STREAM-style triad and a read pass over buffers larger than the last-level cache), so the
//! step's effective bandwidth can be read as a share of what the machine can move.
//!
//! The figures are the machine's as much as the program's: other processes, the load average,
//! turbo and thermal state and the thread count against the cores all move them. So this module
//! also reads the machine's state (load average, other processes' CPU use while a measurement
//! runs) and [`assess`] says, by a fixed rule, when the figures describe that state rather than
//! the program.

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
    /// Every repetition, in the order run (the figures above are the median one's).
    #[serde(default)]
    pub repeat_timings: Vec<RepeatTiming>,
    /// How far the repetitions' throughputs differ; `None` for one repetition.
    #[serde(default)]
    pub spread: Option<Spread>,
    /// CPU time other processes used on the cores this process may run on while this
    /// measurement ran, in cores (CPU seconds per wall second); `None` off Linux. Set by the
    /// process that runs the measurements, around the measurement and its process start-up.
    #[serde(default)]
    pub other_cpu_cores: Option<f64>,
}

/// One timed repetition of a step measurement.
#[derive(Clone, Copy, Debug, Serialize, serde::Deserialize)]
pub struct RepeatTiming {
    /// Firm phases executed in the timed steps.
    pub firm_steps: u64,
    /// Seconds for the timed steps.
    pub seconds: f64,
    /// `firm_steps / seconds`.
    pub firm_steps_per_s: f64,
}

/// How far the repetitions of one measurement differ.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Spread {
    /// (fastest - slowest) / median throughput.
    pub range_over_median: f64,
    /// Sample standard deviation / mean of the throughputs.
    pub coefficient_of_variation: f64,
}

impl Spread {
    /// The spread of `rates`; `None` for fewer than two (or a non-positive median).
    pub fn of(rates: &[f64]) -> Option<Spread> {
        if rates.len() < 2 {
            return None;
        }
        let mut sorted = rates.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
        };
        let mean = sorted.iter().sum::<f64>() / n as f64;
        if median <= 0.0 || mean <= 0.0 {
            return None;
        }
        let var = sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        Some(Spread {
            range_over_median: (sorted[n - 1] - sorted[0]) / median,
            coefficient_of_variation: var.sqrt() / mean,
        })
    }
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
    /// Every triad repetition, in the order run, GB/s (the figure above is the best).
    pub triad_repeats_gb_per_s: Vec<f64>,
    /// Every read repetition, in the order run, GB/s (the figure above is the best).
    pub read_repeats_gb_per_s: Vec<f64>,
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
    let repeat_timings: Vec<RepeatTiming> = runs
        .iter()
        .map(|&(firm_steps, seconds, _)| RepeatTiming {
            firm_steps,
            seconds,
            firm_steps_per_s: firm_steps as f64 / seconds,
        })
        .collect();
    let rates: Vec<f64> = repeat_timings.iter().map(|r| r.firm_steps_per_s).collect();
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
        spread: Spread::of(&rates),
        repeat_timings,
        other_cpu_cores: None,
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
        let (mut triads, mut reads) = (Vec::new(), Vec::new());
        for _ in 0..repeats.max(1) {
            let start = Instant::now();
            a.par_chunks_mut(chunk)
                .zip(b.par_chunks(chunk).zip(c.par_chunks(chunk)))
                .for_each(|(a, (b, c))| {
                    for ((a, b), c) in a.iter_mut().zip(b).zip(c) {
                        *a = b + 3.0 * c;
                    }
                });
            triads.push(24.0 * elements as f64 / start.elapsed().as_secs_f64() / 1e9);
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
            reads.push(8.0 * elements as f64 / start.elapsed().as_secs_f64() / 1e9);
            std::hint::black_box(sum);
        }
        Ok(Bandwidth {
            threads,
            triad_gb_per_s: triads.iter().copied().fold(0.0, f64::max),
            read_gb_per_s: reads.iter().copied().fold(0.0, f64::max),
            triad_repeats_gb_per_s: triads,
            read_repeats_gb_per_s: reads,
        })
    })
}

/// The load averages of `/proc/loadavg`: runnable (and uninterruptible) tasks, averaged.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct LoadAverage {
    /// Over about the last minute.
    pub one_minute: f64,
    /// Over about the last five minutes.
    pub five_minutes: f64,
    /// Over about the last fifteen minutes.
    pub fifteen_minutes: f64,
}

impl LoadAverage {
    /// The first three fields of `/proc/loadavg` text.
    pub fn parse(text: &str) -> Option<LoadAverage> {
        let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
        Some(LoadAverage {
            one_minute: fields.next()??,
            five_minutes: fields.next()??,
            fifteen_minutes: fields.next()??,
        })
    }

    /// Now; `None` off Linux.
    pub fn read() -> Option<LoadAverage> {
        LoadAverage::parse(&std::fs::read_to_string("/proc/loadavg").ok()?)
    }
}

/// CPU time counters (clock ticks) of the cores this process may run on and of this process
/// (with its waited-for children), to tell how much CPU other processes used over an interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CpuTimes {
    /// Busy ticks of those cores: user, nice, system, irq, softirq and steal (steal is CPU a
    /// hypervisor gave to other machines: other demand too).
    pub busy: u64,
    /// All ticks of those cores, idle and iowait included.
    pub total: u64,
    /// How many cores were counted.
    pub cores: usize,
    /// Ticks of this process and its waited-for children.
    pub own: u64,
}

impl CpuTimes {
    /// Ticks per core an interval needs for [`CpuTimes::others_since`]: 0.2 s at the usual 100
    /// ticks per second, a resolution of 0.05 core.
    pub const MIN_TICKS_PER_CORE: u64 = 20;

    /// Now, from `/proc/stat`, `/proc/self/status` (allowed cores) and `/proc/self/stat`;
    /// `None` off Linux.
    pub fn read() -> Option<CpuTimes> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let allowed = status
            .lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
            .and_then(parse_cpu_list);
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let (busy, total, cores) = parse_proc_stat(&stat, allowed.as_deref())?;
        let own = parse_own_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
        Some(CpuTimes {
            busy,
            total,
            cores,
            own,
        })
    }

    /// Other processes' CPU use on the counted cores since `earlier`, in cores (CPU seconds per
    /// wall second); `None` if fewer than [`CpuTimes::MIN_TICKS_PER_CORE`] ticks passed per
    /// core (the counters move by whole ticks: over a few milliseconds one tick reads as a
    /// whole core).
    pub fn others_since(&self, earlier: &CpuTimes) -> Option<f64> {
        let total = self.total.checked_sub(earlier.total)?;
        if self.cores == 0 || total < Self::MIN_TICKS_PER_CORE * self.cores as u64 {
            return None;
        }
        let busy = self.busy.saturating_sub(earlier.busy);
        let own = self.own.saturating_sub(earlier.own);
        Some(self.cores as f64 * busy.saturating_sub(own) as f64 / total as f64)
    }
}

/// A Linux CPU list such as `0-3,8,10-11`.
pub fn parse_cpu_list(text: &str) -> Option<Vec<usize>> {
    let mut cpus = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => cpus.extend(a.trim().parse::<usize>().ok()?..=b.trim().parse().ok()?),
            None => cpus.push(part.trim().parse().ok()?),
        }
    }
    (!cpus.is_empty()).then_some(cpus)
}

/// Busy ticks, all ticks and the count of the `cpuN` lines of `/proc/stat` text whose `N` is in
/// `allowed` (every core if `None`).
fn parse_proc_stat(text: &str, allowed: Option<&[usize]>) -> Option<(u64, u64, usize)> {
    let (mut busy, mut total, mut cores) = (0u64, 0u64, 0usize);
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let Some(cpu) = fields
            .next()
            .and_then(|f| f.strip_prefix("cpu"))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        if allowed.is_some_and(|a| !a.contains(&cpu)) {
            continue;
        }
        // user nice system idle iowait irq softirq steal (guest time is inside user)
        let t: Vec<u64> = fields
            .take(8)
            .map(|f| f.parse().ok())
            .collect::<Option<_>>()?;
        let at = |i: usize| t.get(i).copied().unwrap_or(0);
        busy += at(0) + at(1) + at(2) + at(5) + at(6) + at(7);
        total += t.iter().sum::<u64>();
        cores += 1;
    }
    (cores > 0).then_some((busy, total, cores))
}

/// utime + stime + cutime + cstime of `/proc/self/stat` text.
fn parse_own_ticks(text: &str) -> Option<u64> {
    // the command name, in parentheses, may hold spaces: count fields after its last ')'
    let fields: Vec<&str> = text
        .get(text.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    // fields 14-17 of proc(5), counting the state (field 3) as index 0
    (11..15).map(|i| fields.get(i)?.parse::<u64>().ok()).sum()
}

/// Warnings when the 1-minute load average before the measurements, or other processes' CPU use
/// while one ran, is above this share of the logical cores: other processes then contend for
/// what every thread shares (memory bandwidth, last-level cache, the package's turbo budget).
pub const BUSY_SHARE_OF_CORES: f64 = 0.25;
/// Warnings when other processes' demand exceeds the cores a measurement leaves free by more
/// than this many cores: a pass of the step ends when its last chunk does, so a thread that
/// loses its core half the time delays passes.
pub const OVERLAP_SLACK_CORES: f64 = 0.5;
/// Warnings when the repeats of a measurement differ by more than this share of their median.
pub const SPREAD_LIMIT: f64 = 0.10;

/// The most other CPU demand, in cores, under which `threads` threads on `cores` logical cores
/// are measured without a warning: `min(0.25 x cores, (cores - threads) + 0.5)`.
pub fn tolerated_other_cores(cores: usize, threads: usize) -> f64 {
    (BUSY_SHARE_OF_CORES * cores as f64)
        .min(cores.saturating_sub(threads) as f64 + OVERLAP_SLACK_CORES)
}

/// What a warning is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// The 1-minute load average before the measurements was high.
    LoadBefore,
    /// Other processes used the cores while a measurement ran.
    OtherProcesses,
    /// The repeats of a measurement differ widely.
    WideSpread,
    /// One repeat: the spread is unknown.
    OneRepeat,
    /// More threads measured than logical cores.
    MoreThreadsThanCores,
}

/// A condition under which the figures describe the machine's state rather than the program.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warning {
    /// What it is about.
    pub kind: WarningKind,
    /// The thread count of the measurement concerned; `None` for all of them.
    pub threads: Option<usize>,
    /// What was seen, what it means for the figures, how to get clean ones.
    pub message: String,
}

/// One measurement, as [`assess`] needs it.
#[derive(Clone, Copy, Debug)]
pub struct Measured<'a> {
    /// Worker threads.
    pub threads: usize,
    /// Throughput of every repeat.
    pub firm_steps_per_s: &'a [f64],
    /// Other processes' CPU use while it ran, cores ([`CpuTimes::others_since`]).
    pub other_cpu_cores: Option<f64>,
}

const MACHINE_STATE: &str = "the figures then describe the machine's state, not nqpsim";

/// Which warnings the measurements get, on `cores` logical cores with the 1-minute load
/// average `load_before` before them. The rule:
///
/// - other demand (the load before, against the most threads measured; other processes' CPU
///   use while a measurement ran, against its threads) above [`tolerated_other_cores`];
/// - repeats of a measurement that differ by more than [`SPREAD_LIMIT`] of their median, or a
///   single repeat (the spread is then unknown);
/// - more threads than logical cores.
pub fn assess(cores: usize, load_before: Option<f64>, measured: &[Measured]) -> Vec<Warning> {
    let mut out = Vec::new();
    let cores = cores.max(1);
    let quiet = |tolerated: f64| {
        format!(
            "for clean figures, rerun when the machine is quiet (1-minute load under {tolerated:.2}, \
             see `uptime`), with more --repeats"
        )
    };
    let why = |threads: usize| {
        if cores.saturating_sub(threads) as f64 + OVERLAP_SLACK_CORES
            < BUSY_SHARE_OF_CORES * cores as f64
        {
            format!(
                "the {} core(s) {threads} thread(s) leave free plus half a core",
                cores.saturating_sub(threads)
            )
        } else {
            "a quarter of the cores, past which other processes contend for memory bandwidth, \
             cache and the turbo budget"
                .to_string()
        }
    };
    let most = measured.iter().map(|m| m.threads).max().unwrap_or(1);
    if let Some(load) = load_before {
        let tolerated = tolerated_other_cores(cores, most);
        if load > tolerated {
            out.push(Warning {
                kind: WarningKind::LoadBefore,
                threads: None,
                message: format!(
                    "the 1-minute load average before the measurements was {load:.2} on {cores} \
                     logical cores, above {tolerated:.2} ({}): {MACHINE_STATE}; {}",
                    why(most),
                    quiet(tolerated)
                ),
            });
        }
    }
    for m in measured {
        let t = m.threads;
        if t > cores {
            out.push(Warning {
                kind: WarningKind::MoreThreadsThanCores,
                threads: Some(t),
                message: format!(
                    "{t} threads measured on {cores} logical cores: the threads share cores, so \
                     the figures describe time-slicing, not nqpsim's parallel scaling; measure at \
                     most {cores} threads"
                ),
            });
        }
        if let Some(others) = m.other_cpu_cores {
            let tolerated = tolerated_other_cores(cores, t);
            if others > tolerated {
                out.push(Warning {
                    kind: WarningKind::OtherProcesses,
                    threads: Some(t),
                    message: format!(
                        "while {t} thread(s) were measured, other processes used {others:.2} of \
                         the {cores} logical cores, above {tolerated:.2} ({}): {MACHINE_STATE}; {}",
                        why(t),
                        quiet(tolerated_other_cores(cores, most))
                    ),
                });
            }
        }
        if let Some(s) = Spread::of(m.firm_steps_per_s)
            && s.range_over_median > SPREAD_LIMIT
        {
            out.push(Warning {
                kind: WarningKind::WideSpread,
                threads: Some(t),
                message: format!(
                    "the {} repeats on {t} thread(s) differ by {:.1} % of their median \
                     (coefficient of variation {:.1} %), more than {:.0} %: {MACHINE_STATE}, \
                     which changed between repeats; for clean figures, rerun on a quiet machine \
                     with more --repeats",
                    m.firm_steps_per_s.len(),
                    100.0 * s.range_over_median,
                    100.0 * s.coefficient_of_variation,
                    100.0 * SPREAD_LIMIT
                ),
            });
        }
    }
    if measured.iter().any(|m| m.firm_steps_per_s.len() < 2) {
        out.push(Warning {
            kind: WarningKind::OneRepeat,
            threads: None,
            message:
                "one repeat per measurement: the spread of the repeats is unknown, so nothing \
                      tells whether the figures describe nqpsim or the machine's state; use \
                      --repeats 3 or more"
                    .to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(w: &[Warning]) -> Vec<(WarningKind, Option<usize>)> {
        w.iter().map(|w| (w.kind, w.threads)).collect()
    }

    fn measured(threads: usize, rates: &[f64], others: Option<f64>) -> Measured<'_> {
        Measured {
            threads,
            firm_steps_per_s: rates,
            other_cpu_cores: others,
        }
    }

    const CLOSE: [f64; 3] = [100.0, 104.0, 97.0];

    #[test]
    fn a_quiet_machine_with_close_repeats_gets_no_warning() {
        let m = [
            measured(1, &CLOSE, Some(0.05)),
            measured(8, &CLOSE, Some(0.3)),
        ];
        assert_eq!(assess(8, Some(0.4), &m), vec![]);
    }

    #[test]
    fn the_tolerated_demand_is_a_quarter_of_the_cores_or_the_free_cores_plus_half_a_core() {
        assert_eq!(tolerated_other_cores(8, 1), 2.0);
        assert_eq!(tolerated_other_cores(8, 7), 1.5);
        assert_eq!(tolerated_other_cores(8, 8), 0.5);
        assert_eq!(tolerated_other_cores(2, 1), 0.5);
        assert_eq!(tolerated_other_cores(2, 2), 0.5);
        assert_eq!(tolerated_other_cores(1, 1), 0.25);
        assert_eq!(tolerated_other_cores(4, 6), 0.5);
    }

    #[test]
    fn a_load_before_above_a_quarter_of_the_cores_is_warned() {
        let m = [measured(1, &CLOSE, None)];
        assert_eq!(kinds(&assess(8, Some(2.0), &m)), vec![]);
        assert_eq!(
            kinds(&assess(8, Some(2.1), &m)),
            vec![(WarningKind::LoadBefore, None)]
        );
    }

    #[test]
    fn a_load_before_is_held_against_the_most_threads_measured() {
        // 1.87 on 2 cores, measuring 1 and 2 threads: the machine this was written on
        let m = [measured(1, &CLOSE, None), measured(2, &CLOSE, None)];
        assert_eq!(
            kinds(&assess(2, Some(1.87), &m)),
            vec![(WarningKind::LoadBefore, None)]
        );
        let m = [measured(1, &CLOSE, None), measured(16, &CLOSE, None)];
        assert_eq!(
            kinds(&assess(16, Some(0.6), &m)),
            vec![(WarningKind::LoadBefore, None)]
        );
    }

    #[test]
    fn other_processes_on_cores_the_measurement_leaves_free_are_not_warned_about() {
        let m = [measured(2, &CLOSE, Some(1.9))];
        assert_eq!(assess(8, Some(0.1), &m), vec![]);
    }

    #[test]
    fn other_processes_overlapping_the_threads_measured_are_warned_about_per_measurement() {
        let m = [
            measured(1, &CLOSE, Some(0.9)),
            measured(8, &CLOSE, Some(0.9)),
        ];
        assert_eq!(
            kinds(&assess(8, None, &m)),
            vec![(WarningKind::OtherProcesses, Some(8))]
        );
    }

    #[test]
    fn repeats_that_differ_by_more_than_a_tenth_of_their_median_are_warned() {
        let m = [measured(2, &[100.0, 110.0, 105.0], None)];
        assert_eq!(assess(2, None, &m), vec![]);
        let m = [measured(2, &[100.0, 111.0, 105.0], None)];
        assert_eq!(
            kinds(&assess(2, None, &m)),
            vec![(WarningKind::WideSpread, Some(2))]
        );
    }

    #[test]
    fn one_repeat_is_warned_once_since_its_spread_is_unknown() {
        let m = [measured(1, &[100.0], None), measured(2, &[190.0], None)];
        assert_eq!(
            kinds(&assess(2, None, &m)),
            vec![(WarningKind::OneRepeat, None)]
        );
    }

    #[test]
    fn more_threads_than_cores_is_warned() {
        let m = [measured(4, &CLOSE, None)];
        assert_eq!(
            kinds(&assess(2, None, &m)),
            vec![(WarningKind::MoreThreadsThanCores, Some(4))]
        );
    }

    #[test]
    fn every_load_and_spread_warning_says_the_figures_describe_the_machine_and_how_to_get_clean_ones()
     {
        let m = [measured(2, &[100.0, 150.0], Some(1.5))];
        let w = assess(2, Some(1.9), &m);
        assert_eq!(w.len(), 3);
        for w in &w {
            assert!(
                w.message
                    .contains("describe the machine's state, not nqpsim")
            );
            assert!(w.message.contains("quiet"));
            assert!(w.message.contains("--repeats"));
        }
    }

    #[test]
    fn the_spread_is_the_range_over_the_median_and_the_coefficient_of_variation() {
        // median 100, mean 100, sample sd 10
        let s = Spread::of(&[110.0, 90.0, 100.0]).unwrap();
        assert!((s.range_over_median - 0.2).abs() < 1e-12);
        assert!((s.coefficient_of_variation - 0.1).abs() < 1e-12);
        assert_eq!(
            Spread::of(&[100.0, 110.0]).unwrap().range_over_median,
            10.0 / 105.0
        );
        assert_eq!(Spread::of(&[100.0]), None);
    }

    #[test]
    fn the_load_average_is_read_from_its_first_three_fields() {
        assert_eq!(
            LoadAverage::parse("1.87 2.03 1.48 4/96 4463\n"),
            Some(LoadAverage {
                one_minute: 1.87,
                five_minutes: 2.03,
                fifteen_minutes: 1.48
            })
        );
        assert_eq!(LoadAverage::parse("1.87 x"), None);
    }

    #[test]
    fn cpu_lists_expand_ranges() {
        assert_eq!(parse_cpu_list("0-1\n"), Some(vec![0, 1]));
        assert_eq!(parse_cpu_list("0-2,5,7-8"), Some(vec![0, 1, 2, 5, 7, 8]));
        assert_eq!(parse_cpu_list(""), None);
    }

    #[test]
    fn other_processes_use_is_the_busy_time_of_the_allowed_cores_less_our_own() {
        let stat = |busy: u64, idle: u64| {
            format!(
                "cpu  9 9 9 9 9 9 9 9 0 0\n\
                 cpu0 {busy} 0 0 {idle} 0 0 0 0 0 0\n\
                 cpu1 {busy} 0 0 {idle} 0 0 0 0 0 0\n\
                 cpu2 1000 0 0 0 0 0 0 0 0 0\nintr 1 2 3\n"
            )
        };
        let (b0, t0, n) = parse_proc_stat(&stat(100, 100), Some(&[0, 1])).unwrap();
        assert_eq!((b0, t0, n), (200, 400, 2));
        let (b1, t1, _) = parse_proc_stat(&stat(250, 150), Some(&[0, 1])).unwrap();
        let own = |own| CpuTimes {
            busy: 0,
            total: 0,
            cores: 2,
            own,
        };
        let before = CpuTimes {
            busy: b0,
            total: t0,
            ..own(0)
        };
        let after = CpuTimes {
            busy: b1,
            total: t1,
            ..own(200)
        };
        // 400 ticks over 2 cores, 300 busy of which 200 ours: 100 / 200 per core
        assert_eq!(after.others_since(&before), Some(0.5));
        // 30 ticks over 2 cores: too short to tell
        let short = CpuTimes {
            total: t0 + 30,
            busy: b0 + 30,
            ..own(0)
        };
        assert_eq!(short.others_since(&before), None);
        assert_eq!(parse_proc_stat(&stat(1, 1), None).unwrap().2, 3);
    }

    #[test]
    fn our_own_ticks_are_user_system_and_waited_children_time() {
        let stat = "4463 (nq (psim) R 1 2 3 0 -1 4 5 6 7 8 11 12 13 14 20 0 1 0 9";
        assert_eq!(parse_own_ticks(stat), Some(11 + 12 + 13 + 14));
    }
}
