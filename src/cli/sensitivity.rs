//! `nqpsim sensitivity SWEEP_DIR --outcome METRIC:SECTOR:STEP`: the global sensitivity of a
//! finished sweep's outcome to its axes, by the estimator its design allows (Sobol' indices,
//! standardised regression coefficients or Morris effects); writes
//! `SWEEP_DIR/sensitivity/<metric>-<sector>-<step>.csv` and prints a ranked table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::EXIT_OK;
use crate::analysis::sensitivity::Interval;
use crate::analysis::sweep_sensitivity::{Analysis, Estimates, Options, Outcome, Sweep};
use crate::error::{Error, OutputError};
use crate::output::atomic;
use crate::sweep::run::SENSITIVITY_DIR;

/// Options of `nqpsim sensitivity`.
#[derive(Debug, Args, Clone)]
pub struct SensitivityArgs {
    /// The folder of a finished sweep (`OUT/PLAN_NAME/`, or a merge of its shards)
    #[arg(value_name = "SWEEP_DIR")]
    pub folder: PathBuf,
    /// The outcome: a metric of summary.csv, a sector or `all`, and a step number or `last`,
    /// e.g. tfp_index:all:last (METRIC alone is METRIC:all:last, as for `plot`); its value at
    /// a point is the mean over replicates (repeatable)
    #[arg(long = "outcome", value_name = "METRIC:SECTOR:STEP", required = true)]
    pub outcomes: Vec<Outcome>,
    /// Bootstrap resamples for the intervals (0: no intervals)
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub bootstrap: usize,
    /// Share of the bootstrap replicates an interval holds, strictly between 0 and 1
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Seed of the bootstrap (default: the sweep's seed)
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print nothing but errors
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `nqpsim sensitivity`: every outcome is analysed before anything is written.
pub fn execute(args: SensitivityArgs) -> anyhow::Result<i32> {
    if !(args.level > 0.0 && args.level < 1.0) {
        return Err(Error::BadArgument {
            flag: format!("--level {}", args.level),
            message: "must lie strictly between 0 and 1, e.g. 0.95".into(),
        }
        .into());
    }
    let sweep = Sweep::open(&args.folder)?;
    let left_out = crate::sweep::run::warn_failed_runs(&args.folder);
    let options = Options {
        bootstrap: args.bootstrap,
        level: args.level,
        seed: args.seed.unwrap_or(sweep.seed()),
    };
    let analyses = sweep.analyse(&args.outcomes, &options)?;
    let dir = args.folder.join(SENSITIVITY_DIR);
    std::fs::create_dir_all(&dir).map_err(|source| OutputError {
        path: dir.clone(),
        source,
    })?;
    for analysis in &analyses {
        let path = dir.join(analysis.file_name());
        atomic::write_file(&path, analysis.csv().as_bytes())?;
        if !args.quiet {
            super::print(&report(
                &sweep,
                analysis,
                &options,
                &path,
                left_out.as_deref(),
            ))?;
        }
    }
    Ok(EXIT_OK)
}

/// The ranked table of one analysis, with its method, sample size, intervals and a hint on
/// how to read it; `left_out` says which failed runs of the sweep it left out, if any.
fn report(
    sweep: &Sweep,
    analysis: &Analysis,
    options: &Options,
    path: &Path,
    left_out: Option<&str>,
) -> String {
    let mut out = String::new();
    let replicates = analysis.replicates;
    let sample = format!(
        "{} points x {replicates} replicate{} (a point's outcome: the mean over its replicates)",
        analysis.y.len(),
        if replicates == 1 { "" } else { "s" }
    );
    let intervals = if options.bootstrap == 0 {
        "  no intervals (--bootstrap 0)".to_string()
    } else {
        format!(
            "  [{}% percentile bootstrap intervals, {} resamples, seed {}]",
            (1000.0 * options.level).round() / 10.0,
            options.bootstrap,
            options.seed
        )
    };
    let (method, design) = match &analysis.estimates {
        Estimates::Sobol(indices) => (
            "Sobol' indices",
            format!("Saltelli design, n = {} base samples", indices.samples),
        ),
        Estimates::Src(_) => (
            "standardised regression coefficients",
            format!("{} design", sweep.manifest().design),
        ),
        Estimates::Morris(effects) => (
            "Morris elementary effects",
            format!(
                "Morris design, r = {} trajectories",
                effects.iter().map(|e| e.n).max().unwrap_or(0)
            ),
        ),
    };
    let _ = writeln!(
        out,
        "{}: {}, {method}",
        sweep.folder().display(),
        analysis.outcome()
    );
    let _ = writeln!(out, "  {design}: {sample}");
    if let Some(note) = left_out {
        let _ = writeln!(out, "  note: {note}");
    }
    let width = analysis
        .factors
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max("factor".len());
    let mut order: Vec<usize> = (0..analysis.factors.len()).collect();
    match &analysis.estimates {
        Estimates::Sobol(indices) => {
            let _ = writeln!(out, "{intervals}");
            let _ = writeln!(
                out,
                "  {:width$}  {:>24}  {:>24}",
                "factor", "first order S", "total ST"
            );
            order.sort_by(|&a, &b| {
                indices.total[b]
                    .estimate
                    .total_cmp(&indices.total[a].estimate)
            });
            for i in order {
                let _ = writeln!(
                    out,
                    "  {:width$}  {:>24}  {:>24}",
                    analysis.factors[i],
                    interval(indices.first[i]),
                    interval(indices.total[i])
                );
            }
            let sum: f64 = indices.first.iter().map(|s| s.estimate).sum();
            let _ = writeln!(
                out,
                "  S: the share of the outcome's variance due to the axis alone; ST: with all \
                 its interactions.\n  ST - S = interactions; ST near 0: the outcome does not \
                 depend on the axis. Sum of S = {sum:.3} (1 - sum: interactions)."
            );
        }
        Estimates::Src(fit) => {
            let _ = writeln!(out, "{intervals}");
            let _ = writeln!(out, "  {:width$}  {:>24}", "factor", "SRC");
            order.sort_by(|&a, &b| {
                fit.src[b]
                    .estimate
                    .abs()
                    .total_cmp(&fit.src[a].estimate.abs())
            });
            for i in order {
                let _ = writeln!(
                    out,
                    "  {:width$}  {:>24}",
                    analysis.factors[i],
                    interval(fit.src[i])
                );
            }
            for skipped in &analysis.skipped {
                let _ = writeln!(
                    out,
                    "  note: `{}` is left out: {}",
                    skipped.factor, skipped.reason
                );
            }
            let _ = writeln!(
                out,
                "  R^2 = {:.3}. SRC: standard deviations the outcome moves per standard \
                 deviation of the axis (sign: direction).\n  With R^2 near 1, SRC^2 is the \
                 axis' share of the variance; well below 1, the response is non-linear or \
                 interacting.",
                fit.r_squared
            );
        }
        Estimates::Morris(effects) => {
            let _ = writeln!(out, "  no intervals");
            let _ = writeln!(
                out,
                "  {:width$}  {:>12}  {:>12}  {:>12}",
                "factor", "mu*", "mu", "sigma"
            );
            order.sort_by(|&a, &b| effects[b].mu_star.total_cmp(&effects[a].mu_star));
            for i in order {
                let e = effects[i];
                let _ = writeln!(
                    out,
                    "  {:width$}  {:>12}  {:>12}  {:>12}",
                    analysis.factors[i],
                    significant(e.mu_star),
                    significant(e.mu),
                    significant(e.sigma)
                );
            }
            let _ = writeln!(
                out,
                "  An effect: the outcome's change per whole range of the axis (outcome units); \
                 mu* = mean |effect| ranks the axes.\n  sigma comparable to mu*: non-linear or \
                 interacting; |mu| < mu*: effects of both signs."
            );
        }
    }
    let _ = writeln!(out, "wrote {}\n", path.display());
    out
}

/// `0.512 [0.401, 0.610]`, or the estimate alone without an interval.
fn interval(i: Interval) -> String {
    if i.lo.is_finite() && i.hi.is_finite() {
        format!("{} [{}, {}]", fixed(i.estimate), fixed(i.lo), fixed(i.hi))
    } else {
        fixed(i.estimate)
    }
}

/// `x` with three decimals; a tiny negative number is `0.000`, not `-0.000`.
fn fixed(x: f64) -> String {
    let text = format!("{x:.3}");
    if text == "-0.000" {
        "0.000".into()
    } else {
        text
    }
}

/// `x` with four significant digits, in plain notation where that is short.
fn significant(x: f64) -> String {
    if !x.is_finite() {
        return "NA".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor();
    if (-3.0..6.0).contains(&magnitude) {
        format!("{x:.*}", (3.0 - magnitude).max(0.0) as usize)
    } else {
        format!("{x:.3e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(significant(0.012346), "0.01235");
        assert_eq!(significant(-1234.4), "-1234");
        assert_eq!(significant(1.5e-7), "1.500e-7");
        assert_eq!(significant(f64::NAN), "NA");
    }

    #[test]
    fn indices_have_three_decimals_and_no_negative_zero() {
        let i = Interval {
            estimate: -0.0002,
            lo: -0.0114,
            hi: 0.0049,
        };
        assert_eq!(interval(i), "0.000 [-0.011, 0.005]");
        let bare = Interval {
            lo: f64::NAN,
            hi: f64::NAN,
            ..i
        };
        assert_eq!(interval(bare), "0.000");
    }
}
