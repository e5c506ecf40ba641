//! `nqpsim discover SWEEP_DIR --target CONDITION...`: scenario discovery on a finished sweep.
//! Which combinations of the sweep's axes (levers, and the uncertainties they must hold
//! across) reach the targets in most replicates? PRIM boxes over every axis and over the
//! levers alone, with their trajectories, quasi-p values and bootstrap; CART boxes; feature
//! scores; robustness per lever combination on a grid. Writes
//! `SWEEP_DIR/discovery/<name>/` and prints the boxes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::EXIT_OK;
use crate::analysis::discovery::prim::{PrimOptions, QuasiP};
use crate::analysis::discovery::{Column, Dataset, Limits, Restriction};
use crate::analysis::outcome::StepChoice;
use crate::analysis::sweep_discovery::{
    self, Discovery, FILES, MANIFEST, Options, Scope, ScopeResult, Target,
};
use crate::analysis::sweep_sensitivity::Sweep;
use crate::error::Error;
use crate::output::atomic;
use crate::output::folder::{OutputFolder, PLOTS_DIR};
use crate::output::manifest::FileEntry;
use crate::sweep::run::DISCOVERY_DIR;

/// Options of `nqpsim discover`.
#[derive(Debug, Args, Clone)]
pub struct DiscoverArgs {
    /// The folder of a finished sweep (`OUT/PLAN_NAME/`, or a merge of its shards), run
    /// without --summary-only
    #[arg(value_name = "SWEEP_DIR")]
    pub folder: PathBuf,
    /// A target a run must meet: METRIC:SECTOR:STEP compared with a number (>=, <=, >, <),
    /// e.g. 'tfp_index:all:last>=1.5'; conditions may be joined by `and` / `or` (`and` binds
    /// tighter). METRIC is a column of trajectories.csv or tfp_growth (% per year since step
    /// 0); STEP a number or `last` (repeatable: a run must meet every --target)
    #[arg(long = "target", value_name = "CONDITION", required = true)]
    pub targets: Vec<Target>,
    /// The share of a point's replicates that must meet the targets for the point to be a
    /// case of interest, in (0, 1]
    #[arg(long, value_name = "SHARE", default_value_t = 0.5)]
    pub robust: f64,
    /// Take this axis (its column name in points.csv) as a policy lever, whatever the plan
    /// says (repeatable)
    #[arg(long = "lever", value_name = "AXIS")]
    pub levers: Vec<String>,
    /// Take this axis as an uncertainty, whatever the plan says (repeatable)
    #[arg(long = "uncertainty", value_name = "AXIS")]
    pub uncertainties: Vec<String>,
    /// PRIM: the share of a box's points one peel removes, in (0, 0.5)
    #[arg(long, value_name = "SHARE", default_value_t = 0.05)]
    pub peel_alpha: f64,
    /// PRIM: the share of the points beyond a limit one paste adds, in (0, 0.5)
    #[arg(long, value_name = "SHARE", default_value_t = 0.05)]
    pub paste_alpha: f64,
    /// PRIM: the smallest box, as a share of the points, in [0, 1] (also CART's smallest
    /// leaf)
    #[arg(long, value_name = "SHARE", default_value_t = 0.05)]
    pub mass_min: f64,
    /// PRIM: the density a box must reach, in [0, 1]: the box kept is the point of the
    /// peeling trajectory with the highest coverage at or above it (the densest if none
    /// reaches it); covering stops at a box below it
    #[arg(long, value_name = "DENSITY", default_value_t = 0.8)]
    pub threshold: f64,
    /// PRIM: the most boxes found in turn, each on the points the earlier ones left
    /// (covering)
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub boxes: usize,
    /// Also report each PRIM box without its restrictions of quasi-p above this (dropped one
    /// side at a time, the least significant first), in (0, 1]; 1: never
    #[arg(long, value_name = "P", default_value_t = 0.05)]
    pub max_quasi_p: f64,
    /// Bootstrap resamples of each scope's first box (0: none)
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub bootstrap: usize,
    /// Trees of the extra-trees feature scores
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub trees: usize,
    /// Seed of the bootstrap and the trees (default: the sweep's seed)
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// The analysis' name: it is written into SWEEP_DIR/discovery/NAME/ (default: made from
    /// the targets and --robust)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Worker threads (default: one per core); results do not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    /// Write into the analysis' folder even if it holds files nqpsim did not write
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `nqpsim discover`: everything is computed before anything is written.
pub fn execute(args: DiscoverArgs) -> anyhow::Result<i32> {
    let name = match &args.name {
        Some(name) => {
            if !crate::scenario::validate::is_folder_name(name) {
                return Err(Error::BadArgument {
                    flag: format!("--name {name}"),
                    message: crate::scenario::validate::FOLDER_NAME_RULE.into(),
                }
                .into());
            }
            name.clone()
        }
        None => default_name(&args.targets, args.robust),
    };
    let sweep = sweep_discovery::open(&args.folder)?;
    crate::sweep::run::warn_failed_runs(&args.folder);
    let options = Options {
        targets: args.targets.clone(),
        robust: args.robust,
        levers: args.levers.clone(),
        uncertainties: args.uncertainties.clone(),
        prim: PrimOptions {
            peel_alpha: args.peel_alpha,
            paste_alpha: args.paste_alpha,
            mass_min: args.mass_min,
            threshold: args.threshold,
            ..PrimOptions::default()
        },
        max_boxes: args.boxes,
        bootstrap: args.bootstrap,
        trees: args.trees,
        seed: args.seed.unwrap_or(sweep.seed()),
        max_quasi_p: args.max_quasi_p,
    };
    let pool = crate::sim::thread_pool(args.threads)?;
    let discovery = pool.install(|| sweep_discovery::discover(&sweep, &options))?;

    let mut ours: Vec<&str> = FILES.to_vec();
    ours.push(PLOTS_DIR);
    let folder = OutputFolder::take(
        &args.folder.join(DISCOVERY_DIR).join(&name),
        &ours,
        args.force,
    )?;
    let mut manifest = discovery.manifest(&sweep, &options, &name);
    let tables = discovery.files();
    for table in &tables {
        manifest.files.push(FileEntry {
            name: table.name.into(),
            rows: table.rows,
            facts: atomic::write_file(&folder.file(table.name), &table.bytes)?,
        });
    }
    // A table an earlier analysis of this name wrote and this one does not (no resamples,
    // no grid) would be read as this one's.
    for stale in FILES {
        let path = folder.file(stale);
        if stale != MANIFEST && !tables.iter().any(|t| t.name == stale) && path.is_file() {
            std::fs::remove_file(&path)
                .map_err(|source| crate::error::OutputError { path, source })?;
        }
    }
    let json = serde_json::to_vec_pretty(&manifest).expect("the manifest serialises");
    atomic::write_file(&folder.file(MANIFEST), &json)?;
    if !args.quiet {
        super::print(&report(&sweep, &discovery, &options, folder.path()))?;
    }
    Ok(EXIT_OK)
}

/// The default name of an analysis: its targets and share in a folder name, e.g.
/// `tfp_index-all-last-ge1.5_emissions-all-last-le0.8_robust0.6`; cut, with a hash of the
/// whole, past 100 characters.
fn default_name(targets: &[Target], robust: f64) -> String {
    let mut parts = Vec::new();
    for target in targets {
        let alternatives: Vec<String> = target
            .alternatives
            .iter()
            .map(|all| {
                all.iter()
                    .map(|c| {
                        let op = match c.comparison.symbol() {
                            ">=" => "ge",
                            "<=" => "le",
                            ">" => "gt",
                            _ => "lt",
                        };
                        let step = match c.outcome.step {
                            StepChoice::Last => "last".to_string(),
                            StepChoice::Number(s) => s.to_string(),
                        };
                        format!(
                            "{}-{}-{step}-{op}{}",
                            c.outcome.metric, c.outcome.sector, c.bound
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("-and-")
            })
            .collect();
        parts.push(alternatives.join("-or-"));
    }
    parts.push(format!("robust{robust}"));
    let name: String = parts
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = name.trim_start_matches('.').to_string();
    if name.len() <= 100 {
        name
    } else {
        format!(
            "{}-{:08x}",
            &name[..90],
            atomic::fnv64(name.as_bytes()) as u32
        )
    }
}

/// `x` with `digits` significant digits, in plain notation where that is short.
fn significant(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return "NA".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor();
    if (-4.0..6.0).contains(&magnitude) {
        let decimals = (digits as f64 - 1.0 - magnitude).max(0.0) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.*e}", digits - 1)
    }
}

/// A quasi-p value: `3.1e-12`, `0.012`; flagged where it is above 0.05.
fn quasi_p(p: f64) -> String {
    let text = if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    };
    if p > 0.05 {
        format!("{text} (above 0.05: may be chance)")
    } else {
        text
    }
}

/// One restriction in words, rounded: `>= 0.0503`, `0.2 to 0.6`, `in {a, b}`.
fn restriction(data: &Dataset, limits: &Limits, d: usize) -> String {
    match (limits.get(d), &data.dims()[d].column) {
        (&Restriction::Interval { lo, hi }, _) => match (lo.is_finite(), hi.is_finite()) {
            (true, true) => format!("{} to {}", significant(lo, 3), significant(hi, 3)),
            (true, false) => format!(">= {}", significant(lo, 3)),
            _ => format!("<= {}", significant(hi, 3)),
        },
        (Restriction::Categories(allowed), Column::Categorical { labels, .. }) => {
            let kept: Vec<&str> = labels
                .iter()
                .zip(allowed)
                .filter(|(_, a)| **a)
                .map(|(l, _)| l.as_str())
                .collect();
            format!("in {{{}}}", kept.join(", "))
        }
        _ => unreachable!("limits fit their data set"),
    }
}

/// A box's statistics in one line.
fn stats_line(n: usize, k: usize, coverage: f64, density: f64, mass: f64) -> String {
    format!(
        "coverage {coverage:.3}, density {density:.3}, mass {mass:.3} ({n} points, {k} of \
         them cases)"
    )
}

/// The restrictions of a box, one a line, with their quasi-p values.
fn limits_lines(out: &mut String, s: &ScopeResult, limits: &Limits, qps: &[(usize, QuasiP)]) {
    let restricted = limits.restricted_dims();
    if restricted.is_empty() {
        let _ = writeln!(out, "      (no restriction: every point)");
        return;
    }
    let width = restricted
        .iter()
        .map(|&d| s.data.dims()[d].name.len())
        .max()
        .unwrap_or(0);
    for d in restricted {
        let qp = qps
            .iter()
            .find(|(q, _)| *q == d)
            .map(|(_, qp)| match *qp {
                QuasiP::Interval { lower, upper } => [lower, upper]
                    .iter()
                    .flatten()
                    .map(|&p| quasi_p(p))
                    .collect::<Vec<_>>()
                    .join(" / "),
                QuasiP::Categories(p) => quasi_p(p),
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "      {:width$}  {:<18}  quasi-p {qp}",
            s.data.dims()[d].name,
            restriction(&s.data, limits, d)
        );
    }
}

/// The printed summary: the cases, each scope's boxes, the scores, the robust lever
/// combinations, where the files are.
fn report(sweep: &Sweep, d: &Discovery, options: &Options, dir: &Path) -> String {
    let mut out = String::new();
    let c = &d.cases;
    let m = sweep.manifest();
    let _ = writeln!(
        out,
        "{}: {} points x {} replicate{} ({} design), last step {}",
        sweep.folder().display(),
        c.points(),
        c.replicates,
        if c.replicates == 1 { "" } else { "s" },
        m.design,
        c.last_step
    );
    let _ = writeln!(
        out,
        "cases of interest: points where at least {}% of the replicates meet",
        (1e4 * options.robust).round() / 100.0
    );
    for (i, target) in options.targets.iter().enumerate() {
        let _ = writeln!(out, "  {}{target}", if i == 0 { "" } else { "and " });
    }
    let steps: Vec<String> = c
        .outcomes
        .iter()
        .map(|(o, s)| format!("{o} at step {s}"))
        .collect();
    let _ = writeln!(out, "  (read: {})", steps.join(", "));
    let n = c.n_interest();
    let _ = writeln!(
        out,
        "  -> {n} of {} points ({:.1}%)",
        c.points(),
        100.0 * n as f64 / c.points() as f64
    );
    if n == 0 || n == c.points() {
        let _ = writeln!(
            out,
            "  note: {} point is a case of interest, so no box can tell them apart: {} the \
             targets or --robust",
            if n == 0 { "no" } else { "every" },
            if n == 0 { "loosen" } else { "tighten" }
        );
    }
    let roles: Vec<String> = c
        .axes
        .iter()
        .map(|a| format!("{} ({})", a.name, a.role.name()))
        .collect();
    let _ = writeln!(out, "axes: {}", roles.join(", "));
    let p = &options.prim;
    for s in &d.scopes {
        let _ = writeln!(
            out,
            "\nPRIM over {} (peel_alpha {}, paste_alpha {}, mass_min {}, threshold {}):",
            match s.scope {
                Scope::All => "every axis",
                Scope::Levers => "the levers only, the uncertainties free",
            },
            p.peel_alpha,
            p.paste_alpha,
            p.mass_min,
            p.threshold
        );
        for (b, traj) in s.boxes.iter().enumerate() {
            let chosen = traj.chosen();
            let _ = writeln!(
                out,
                "  box {}: {}{}",
                b + 1,
                stats_line(
                    chosen.n,
                    chosen.k,
                    chosen.coverage,
                    chosen.density,
                    chosen.mass
                ),
                if traj.meets_threshold {
                    String::new()
                } else {
                    format!(
                        "\n    below the threshold {}: the densest box of the trajectory",
                        p.threshold
                    )
                }
            );
            limits_lines(
                &mut out,
                s,
                &chosen.limits,
                &traj.quasi_p(&s.data, traj.chosen),
            );
            if let Some((limits, st)) = &s.pruned[b] {
                let _ = writeln!(
                    out,
                    "    pruned to the restrictions of quasi-p <= {}: {}",
                    options.max_quasi_p,
                    stats_line(st.n, st.k, st.coverage, st.density, st.mass)
                );
                let qps =
                    crate::analysis::discovery::prim::quasi_p_on(&s.data, traj.rows(), limits);
                limits_lines(&mut out, s, limits, &qps);
            }
            if b == 0
                && let Some(boot) = &s.bootstrap
            {
                let mut shares: Vec<(usize, f64)> =
                    boot.restricted_share.iter().copied().enumerate().collect();
                shares.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                let shown: Vec<String> = shares
                    .iter()
                    .filter(|(_, share)| *share > 0.0)
                    .map(|&(dim, share)| {
                        format!("{} {:.0}%", s.data.dims()[dim].name, 100.0 * share)
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "    bootstrap, {} resamples: restricted in {}; mean Jaccard with box 1 \
                     {:.2}, mean coverage {:.2}, density {:.2}",
                    boot.resamples.len(),
                    if shown.is_empty() {
                        "none".to_string()
                    } else {
                        shown.join(", ")
                    },
                    boot.mean_jaccard,
                    boot.mean_coverage,
                    boot.mean_density
                );
                for l in s.bootstrap_limits() {
                    let _ = writeln!(
                        out,
                        "      {} {} limit {}: {} to {} (5th to 95th percentile of the {} \
                         resamples that set it)",
                        l.dimension,
                        l.side,
                        significant(l.limit, 3),
                        significant(l.p05, 3),
                        significant(l.p95, 3),
                        l.resamples
                    );
                }
            }
        }
        let _ = writeln!(
            out,
            "  covering stopped: {}",
            sweep_discovery::stop_text(s.stop)
        );
        let leaves = s.cart.boxes();
        let _ = writeln!(
            out,
            "  CART: {} leaf box{} of majority cases",
            leaves.len(),
            if leaves.len() == 1 { "" } else { "es" }
        );
        for (b, leaf) in leaves.iter().enumerate() {
            let st = leaf.stats;
            let words: Vec<String> = leaf
                .limits
                .restricted_dims()
                .iter()
                .map(|&dim| {
                    format!(
                        "{} {}",
                        s.data.dims()[dim].name,
                        restriction(&s.data, &leaf.limits, dim)
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "    {}: {}\n      {}",
                b + 1,
                stats_line(st.n, st.k, st.coverage, st.density, st.mass),
                if words.is_empty() {
                    "(every point)".to_string()
                } else {
                    words.join(", ")
                }
            );
        }
    }
    let scores: Vec<String> = d
        .scores
        .iter()
        .map(|f| format!("{} {:.3}", f.name, f.score))
        .collect();
    let _ = writeln!(
        out,
        "\nfeature scores (extra-trees, {} trees; shares of the impurity decrease): {}",
        options.trees,
        scores.join(", ")
    );
    if let Ok(rows) = &d.robustness {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| {
            let share = |r: usize| rows[r].cases as f64 / rows[r].cells as f64;
            share(b)
                .total_cmp(&share(a))
                .then(
                    rows[b]
                        .mean_replicate_share
                        .total_cmp(&rows[a].mean_replicate_share),
                )
                .then(a.cmp(&b))
        });
        let levers: Vec<&str> = c
            .axes
            .iter()
            .filter(|a| a.role == crate::sweep::plan::AxisRole::Lever)
            .map(|a| a.name.as_str())
            .collect();
        let _ = writeln!(
            out,
            "\nmost robust lever combinations ({}): share of uncertainty cells that are cases",
            levers.join(", ")
        );
        for &r in order.iter().take(5) {
            let row = &rows[r];
            let _ = writeln!(
                out,
                "  {}: {} of {} ({:.0}%), mean share of replicates {:.2}",
                row.levers.join(", "),
                row.cases,
                row.cells,
                100.0 * row.cases as f64 / row.cells as f64,
                row.mean_replicate_share
            );
        }
    }
    for note in &d.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let names: Vec<&str> = d
        .files()
        .iter()
        .map(|t| t.name)
        .chain(std::iter::once(MANIFEST))
        .collect();
    let _ = writeln!(
        out,
        "wrote {} ({})\ndraw it: nqpsim plot {}\n",
        dir.display(),
        names.join(", "),
        dir.display()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_name_is_the_targets_and_share_as_a_folder_name() {
        let targets: Vec<Target> = [
            "tfp_index:all:last>=1.5",
            "emissions:all:30<=0.8 or tfp_growth:future:last>2",
        ]
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
        assert_eq!(
            default_name(&targets, 0.6),
            "tfp_index-all-last-ge1.5_emissions-all-30-le0.8-or-tfp_growth-future-last-gt2_robust0.6"
        );
        let many: Vec<Target> = (0..10)
            .map(|i| format!("tfp_index:all:{i}>=1").parse().unwrap())
            .collect();
        let name = default_name(&many, 0.5);
        assert_eq!(name.len(), 99);
        assert!(crate::scenario::validate::is_folder_name(&name));
    }

    #[test]
    fn numbers_keep_their_significant_digits_and_large_quasi_p_values_are_flagged() {
        assert_eq!(significant(0.0503124, 3), "0.0503");
        assert_eq!(significant(0.26, 3), "0.260");
        assert_eq!(significant(123.456, 3), "123");
        assert_eq!(significant(2.5e-7, 3), "2.50e-7");
        assert_eq!(quasi_p(3.14e-12), "3.1e-12");
        assert_eq!(quasi_p(0.0123), "0.012");
        assert_eq!(quasi_p(0.2), "0.200 (above 0.05: may be chance)");
    }
}
