//! The figures of a sweep: an outcome at one step (a metric of a sector) against each axis of
//! the design (`points.csv`), one figure per axis, `outcome-vs-<axis>`, and for grid and zip
//! designs the paired effects against the design's reference point, `effect-vs-<axis>`.
//!
//! How the points are put on a line depends on the design:
//!
//! - a **grid** with one axis, and a **zip** (whose axes move together): the outcome's mean
//!   at each value of the axis (`summary.csv`) with its 95 % confidence interval, mean ±
//!   t se with the t quantile of n - 1 degrees of freedom (n replicates at the point); one
//!   line per outcome (sector);
//! - a **grid with two axes**: one line per value of the other axis, one figure per outcome;
//! - a **grid with more axes**, and a zip whose axis takes one value at several points: at
//!   each value, the mean over the points that share it (averaged over the other axes); the
//!   interval is the t interval (n - 1 degrees of freedom) of the n replicate-by-replicate
//!   averages over those points, which keeps the correlation that common random numbers give
//!   the points; a sweep run `--summary-only` has only the points' standard errors, and the
//!   interval is ± t sqrt(Σ se²) / k as if the points were independent, with
//!   Welch-Satterthwaite degrees of freedom;
//! - **sampled** designs (`lhs`, `sobol`, `morris`): the points sorted by the axis and cut into
//!   about ten bins of equal count (one bin per value when the axis takes ten values or
//!   fewer, as in Morris' levels), the mean of the points' means in each bin, and as band the
//!   10th-90th percentile of the points' means: the spread that the other axes cause.
//!
//! Grid and zip figures draw their intervals as whiskers beside each other
//! ([`Intervals::Whiskers`]), so that lines whose intervals overlap can still be told apart.
//!
//! **Paired effects.** Every point of a sweep runs replicate r with the same random numbers
//! (common random numbers: the sweep's one `seed`), so the difference between two points in
//! the same replicate is free of most of the noise that the replicates share. For grid and
//! zip designs, `effect-vs-<axis>` draws, at each point, the mean over replicates of
//! `outcome(point, r) - outcome(reference, r)`, with the t interval (n - 1 degrees of freedom)
//! of those n differences. The reference is point 0, where every axis takes its first value
//! as the plan lists it (the grid's first corner, the zip's first column). The values per
//! replicate are read from `trajectories.csv`; a sweep without it (run `--summary-only`), or
//! a shard without point 0, gets no effect figures, and its outcome figures say why.
//!
//! An axis whose values are not all numbers (e.g. `policy.targeting`) gets grouped bars, one
//! group per value, with the same intervals as whiskers. Axes are labelled in words with
//! their unit ([`axis_text`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::label::{AxisText, axis_text};
use super::{Figure, Folder, MAX_SECTOR_LINES, Outcome, StepChoice, distinct, file_part, mean};
use super::{metric_text, quantile, sector_text};
use crate::error::Error;
use crate::math::student_t_quantile;
use crate::output::table::Table;
use crate::plot::{Bar, BarChart, Chart, Intervals, LineChart, Series};

/// The design's points.
pub const POINTS: &str = "points.csv";
/// The summary over replicates.
pub const SUMMARY: &str = "summary.csv";
/// The rows of every run: the outcome in each replicate, for paired effects.
pub const TRAJECTORIES: &str = "trajectories.csv";
/// The point that paired effects are measured against: every axis at its first value.
pub const REFERENCE_POINT: u64 = 0;
/// Columns of `points.csv` that describe the design (Saltelli, Morris), not an axis.
const DESIGN_COLUMNS: [&str; 6] = [
    "sample",
    "block",
    "varied",
    "trajectory",
    "position",
    "changed",
];
/// Bins of a sampled design's axis, at most.
const BINS: usize = 10;
/// Confidence level of the intervals.
const LEVEL: f64 = 0.95;

/// How points are spread over the axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Design {
    /// Every combination of the axes' values.
    Grid,
    /// The axes advance together.
    Zip,
    /// Points sampled from the axes' ranges (Latin hypercube, Sobol', Morris).
    Sampled,
}

/// One column of `points.csv`.
struct Axis {
    name: String,
    /// What it varies, in words, with its unit.
    text: AxisText,
    /// The value of each point (row of `points.csv`), as written.
    texts: Vec<String>,
    /// The values as numbers, if every one is a finite number.
    numbers: Option<Vec<f64>>,
}

/// An outcome found in the summary.
struct Resolved {
    metric: String,
    sector: String,
    step: u32,
    year: f64,
    /// Mean over replicates, one per point (row of `points.csv`); NaN where missing.
    mean: Vec<f64>,
    /// Its standard error.
    se: Vec<f64>,
    /// Replicates with a value.
    n: Vec<f64>,
    /// The value in each replicate (columns in the order of the replicates' numbers), one row
    /// per point; NaN where missing. Read from `trajectories.csv` for grid and zip designs.
    replicates: Option<Vec<Vec<f64>>>,
}

/// Whether the points' replicates can be paired, replicate by replicate, with the reference.
enum Pairing {
    /// They can: the row of the reference point in `points.csv`.
    Paired(usize),
    /// They cannot; why, as the figures say it.
    Unpaired(String),
    /// Not asked (sampled designs).
    NotAsked,
}

/// The figures of the sweep in `folder`: the outcomes (the default when `outcomes` is
/// empty) against each axis, and for grid and zip designs their paired effects.
pub fn figures(folder: &Folder, outcomes: &[Outcome]) -> Result<Vec<Figure>, Error> {
    let points_path = folder.path.join(POINTS);
    let table = Table::read(&points_path)?;
    if table.is_empty() {
        return Err(Error::Results {
            path: points_path,
            reason: "holds no points".into(),
        });
    }
    let ids = table.numbers("point")?;
    let axes = read_axes(&table, folder);
    if axes.is_empty() {
        return Err(Error::Results {
            path: points_path,
            reason: "has no axis columns".into(),
        });
    }
    let design = design(folder, &table, &axes);
    let mut outcomes = resolve(&folder.path.join(SUMMARY), outcomes, &ids)?;
    let pairing = match design {
        Design::Sampled => Pairing::NotAsked,
        Design::Grid | Design::Zip => pair(folder, &mut outcomes, &ids)?,
    };

    // Outcomes of the same metric at the same step share a chart.
    let mut groups: Vec<Vec<&Resolved>> = Vec::new();
    for o in &outcomes {
        match groups
            .iter_mut()
            .find(|g| g[0].metric == o.metric && g[0].step == o.step)
        {
            Some(g) => g.push(o),
            None => groups.push(vec![o]),
        }
    }
    let group_suffix = |g: &[&Resolved]| {
        if groups.len() == 1 {
            String::new()
        } else if groups.iter().filter(|h| h[0].metric == g[0].metric).count() == 1 {
            format!("-{}", file_part(&g[0].metric))
        } else {
            format!("-{}-step{}", file_part(&g[0].metric), g[0].step)
        }
    };
    // What the paired figures are measured against, in words.
    let reference = match pairing {
        Pairing::Paired(row) => Some((row, reference_text(&axes, row))),
        _ => None,
    };

    let mut figures = Vec::new();
    for (a, axis) in axes.iter().enumerate() {
        let bins = Bins::new(axis, design);
        let base = file_part(&axis.name);
        // A zip's axis may take one value at several points (a price path that stays put).
        let shared = bins.names.len() < ids.len();
        let how = match (design, axes.len()) {
            (Design::Grid, 2) => How::Split(1 - a),
            (Design::Grid, n) if n > 2 => How::Averaged,
            (Design::Zip, _) if shared => How::Averaged,
            (Design::Grid | Design::Zip, _) => How::Alone,
            (Design::Sampled, _) => How::Binned(bins.names.len()),
        };
        let mut modes = vec![Mode::Level];
        if let Some((row, _)) = &reference {
            modes.push(Mode::Effect(*row));
        }
        for mode in modes {
            let prefix = match mode {
                Mode::Level => "outcome-vs",
                Mode::Effect(_) => "effect-vs",
            };
            for group in &groups {
                let suffix = group_suffix(group);
                let view = View {
                    axis,
                    bins: &bins,
                    how,
                    mode,
                    plan: &folder.name,
                };
                let subtitle = |o: &Resolved| {
                    subtitle(o, how, mode, &pairing, reference.as_ref().map(|r| &r.1))
                };
                if let How::Split(other) = how {
                    let other = &axes[other];
                    let values = Bins::new(other, Design::Grid);
                    for &o in group.iter() {
                        let series: Vec<(String, Vec<usize>)> = values
                            .names
                            .iter()
                            .enumerate()
                            .map(|(v, name)| {
                                let rows = (0..ids.len()).filter(|&p| values.of[p] == v).collect();
                                (format!("{} = {name}", other.text.name), rows)
                            })
                            .collect();
                        figures.push(Figure {
                            name: format!("{prefix}-{base}{suffix}-{}", file_part(&o.sector)),
                            chart: view.chart(&[o], subtitle(o), &series, |_| o),
                        });
                    }
                } else {
                    let all: Vec<usize> = (0..ids.len()).collect();
                    let series: Vec<(String, Vec<usize>)> = group
                        .iter()
                        .map(|o| (sector_text(&o.sector), all.clone()))
                        .collect();
                    figures.push(Figure {
                        name: format!("{prefix}-{base}{suffix}"),
                        chart: view.chart(group, subtitle(group[0]), &series, |i| group[i]),
                    });
                }
            }
        }
    }
    Ok(figures)
}

/// The axes of `points.csv`: every column but `point` and the design's own, each named in
/// words from the field path the plan (in the manifest) gives its column.
fn read_axes(points: &Table, folder: &Folder) -> Vec<Axis> {
    // Column name -> (path, first step) from the plan's `[[axis]]` tables.
    let mut planned: BTreeMap<String, (String, Option<u64>)> = BTreeMap::new();
    let listed = folder
        .manifest
        .as_ref()
        .and_then(|m| m.get("plan")?.get("axis")?.as_array());
    for a in listed.into_iter().flatten() {
        let Some(path) = a.get("path").and_then(|p| p.as_str()) else {
            continue;
        };
        let column = a.get("name").and_then(|n| n.as_str()).unwrap_or(path);
        let from_step = a.get("from_step").and_then(|s| s.as_u64());
        planned.insert(column.to_string(), (path.to_string(), from_step));
    }
    points
        .columns()
        .iter()
        .filter(|c| *c != "point" && !DESIGN_COLUMNS.contains(&c.as_str()))
        .map(|name| {
            let texts: Vec<String> = points
                .texts(name)
                .expect("a column of the table")
                .into_iter()
                .map(String::from)
                .collect();
            let numbers = texts
                .iter()
                .map(|t| t.parse::<f64>().ok().filter(|v| v.is_finite()))
                .collect();
            let text = match planned.get(name) {
                Some((path, from_step)) => {
                    let mut text = axis_text(path);
                    if let Some(step) = from_step {
                        text.name = format!("{} from step {step}", text.name);
                    }
                    text
                }
                None => axis_text(name),
            };
            Axis {
                name: name.clone(),
                text,
                texts,
                numbers,
            }
        })
        .collect()
}

/// How the points of one axis become lines.
#[derive(Clone, Copy)]
enum How {
    /// Each value of the axis is one point (one-axis grid, zip).
    Alone,
    /// A line per value of the other axis (two-axis grid).
    Split(usize),
    /// Each value of the axis is the mean of the points sharing it (grid of 3+ axes).
    Averaged,
    /// Points binned by the axis (sampled designs): this many bins.
    Binned(usize),
}

/// What a figure draws.
#[derive(Clone, Copy)]
enum Mode {
    /// The outcome.
    Level,
    /// The outcome minus the reference's (the row of the reference point), replicate by
    /// replicate.
    Effect(usize),
}

/// The design from the manifest, or (without one) from the columns and points.
fn design(folder: &Folder, points: &Table, axes: &[Axis]) -> Design {
    match folder.field("design") {
        Some("grid") => return Design::Grid,
        Some("zip") => return Design::Zip,
        Some("lhs" | "sobol" | "morris") => return Design::Sampled,
        _ => {}
    }
    if points
        .columns()
        .iter()
        .any(|c| DESIGN_COLUMNS.contains(&c.as_str()))
    {
        return Design::Sampled;
    }
    let combinations: usize = axes
        .iter()
        .map(|a| distinct(a.texts.iter().map(String::as_str)).len())
        .product();
    if axes.len() == 1 || combinations == points.len() {
        Design::Grid
    } else {
        Design::Sampled
    }
}

/// The row of each point id in `points.csv`.
fn rows_of(ids: &[f64]) -> BTreeMap<u64, usize> {
    ids.iter()
        .enumerate()
        .filter(|(_, id)| id.is_finite() && **id >= 0.0)
        .map(|(r, id)| (*id as u64, r))
        .collect()
}

/// The outcomes asked for (or the default), each with its mean and standard error per point;
/// an error naming `summary.csv` for an outcome it does not hold.
fn resolve(path: &Path, asked: &[Outcome], ids: &[f64]) -> Result<Vec<Resolved>, Error> {
    let defaulted = asked.is_empty();
    let wanted: BTreeSet<String> = if defaulted {
        BTreeSet::from(["tfp_index".to_string()])
    } else {
        asked.iter().map(|o| o.metric.clone()).collect()
    };
    let mut metrics: Vec<String> = Vec::new();
    let table = Table::read_where(path, "metric", |m| {
        if !metrics.iter().any(|seen| seen == m) {
            metrics.push(m.to_string());
        }
        wanted.contains(m)
    })?;
    let bad = |reason: String| Error::Results {
        path: path.to_path_buf(),
        reason,
    };
    let point = table.numbers("point")?;
    let step = table.numbers("step")?;
    let year = table.numbers("year")?;
    let sector = table.texts("sector")?;
    let metric = table.texts("metric")?;
    let n = table.numbers("n")?;
    let mean = table.numbers("mean")?;
    let se = table.numbers("se")?;
    let row_of = rows_of(ids);

    let asked: Vec<Outcome> = if defaulted {
        let sectors = distinct(
            sector
                .iter()
                .copied()
                .filter(|s| *s != "all")
                .collect::<Vec<_>>(),
        );
        let mut sectors = if sectors.len() > MAX_SECTOR_LINES {
            Vec::new()
        } else {
            sectors
        };
        sectors.push("all".into());
        sectors
            .into_iter()
            .map(|sector| Outcome {
                metric: "tfp_index".into(),
                sector,
                step: StepChoice::Last,
            })
            .collect()
    } else {
        asked.to_vec()
    };

    let mut resolved = Vec::new();
    for o in &asked {
        if !metrics.contains(&o.metric) {
            return Err(bad(format!(
                "has no metric `{}` (asked for by --outcome {o}); its metrics: {}",
                o.metric,
                metrics.join(", ")
            )));
        }
        let rows: Vec<usize> = (0..table.len())
            .filter(|&r| metric[r] == o.metric && sector[r] == o.sector)
            .collect();
        if rows.is_empty() {
            let sectors = distinct(sector.iter().copied());
            return Err(bad(format!(
                "has no sector `{}` (asked for by --outcome {o}); its sectors: {}",
                o.sector,
                sectors.join(", ")
            )));
        }
        let steps: Vec<f64> = rows.iter().map(|&r| step[r]).collect();
        let last = steps.iter().copied().fold(f64::NAN, f64::max);
        let at = match o.step {
            StepChoice::Last => last,
            StepChoice::Number(k) => {
                let k = f64::from(k);
                if !steps.contains(&k) {
                    return Err(bad(format!(
                        "has no step {k} (asked for by --outcome {o}); its steps run from {} to {last}",
                        steps.iter().copied().fold(f64::NAN, f64::min)
                    )));
                }
                k
            }
        };
        let mut out = Resolved {
            metric: o.metric.clone(),
            sector: o.sector.clone(),
            step: at as u32,
            year: f64::NAN,
            mean: vec![f64::NAN; ids.len()],
            se: vec![f64::NAN; ids.len()],
            n: vec![f64::NAN; ids.len()],
            replicates: None,
        };
        for &r in rows.iter().filter(|&&r| step[r] == at) {
            out.year = year[r];
            if let Some(&p) = point[r]
                .is_finite()
                .then(|| row_of.get(&(point[r] as u64)))
                .flatten()
            {
                out.mean[p] = mean[r];
                out.se[p] = se[r];
                out.n[p] = n[r];
            }
        }
        resolved.push(out);
    }
    Ok(resolved)
}

/// Reads each outcome's value in every replicate from `trajectories.csv` (the rows of the
/// outcomes' steps only) for paired effects against the reference point; says why not where
/// they cannot be paired.
fn pair(folder: &Folder, outcomes: &mut [Resolved], ids: &[f64]) -> Result<Pairing, Error> {
    let row_of = rows_of(ids);
    let Some(&reference) = row_of.get(&REFERENCE_POINT) else {
        return Ok(Pairing::Unpaired(format!(
            "point {REFERENCE_POINT}, the reference, is not in this folder"
        )));
    };
    let path = folder.path.join(TRAJECTORIES);
    if !path.is_file() {
        let summary_only = folder
            .manifest
            .as_ref()
            .and_then(|m| m.get("summary_only")?.as_bool())
            .unwrap_or(false);
        return Ok(Pairing::Unpaired(if summary_only {
            "the sweep ran --summary-only (no trajectories.csv)".into()
        } else {
            "no trajectories.csv".into()
        }));
    }
    let steps: BTreeSet<String> = outcomes.iter().map(|o| o.step.to_string()).collect();
    let table = Table::read_where(&path, "step", |s| steps.contains(s))?;
    let point = table.numbers("point")?;
    let replicate = table.numbers("replicate")?;
    let step = table.numbers("step")?;
    let sector = table.texts("sector")?;
    // Replicates by number, in order: one column each.
    let numbers: BTreeSet<u64> = replicate
        .iter()
        .filter(|r| r.is_finite() && **r >= 0.0)
        .map(|r| *r as u64)
        .collect();
    let column_of: BTreeMap<u64, usize> =
        numbers.iter().enumerate().map(|(c, &r)| (r, c)).collect();
    for o in outcomes.iter_mut() {
        let value = table.numbers(&o.metric)?;
        let mut values = vec![vec![f64::NAN; column_of.len()]; ids.len()];
        for r in 0..table.len() {
            if step[r] != f64::from(o.step) || sector[r] != o.sector {
                continue;
            }
            let p = (point[r].is_finite() && point[r] >= 0.0)
                .then(|| row_of.get(&(point[r] as u64)))
                .flatten();
            let c = (replicate[r].is_finite() && replicate[r] >= 0.0)
                .then(|| column_of.get(&(replicate[r] as u64)))
                .flatten();
            if let (Some(&p), Some(&c)) = (p, c) {
                values[p][c] = value[r];
            }
        }
        o.replicates = Some(values);
    }
    Ok(Pairing::Paired(reference))
}

/// The reference point in words: `point 0 (R&D subsidy, traditional = 0; targeting of
/// subsidies = inclusive)`, or, for many axes, `point 0 (every axis at its first value)`.
fn reference_text(axes: &[Axis], row: usize) -> String {
    let values: Vec<String> = axes
        .iter()
        .map(|a| format!("{} = {}", a.text.name, a.texts[row]))
        .collect();
    let all = values.join("; ");
    // Many axes would not fit a subtitle: the title's axis and the plan name them.
    if all.chars().count() > 70 {
        format!("point {REFERENCE_POINT} (every axis at its first value)")
    } else {
        format!("point {REFERENCE_POINT} ({all})")
    }
}

/// The t quantile of a two-sided [`LEVEL`] interval with `df` degrees of freedom (NaN below
/// one).
fn t_quantile(df: f64) -> f64 {
    if df >= 1.0 {
        student_t_quantile(0.5 * (1.0 + LEVEL), df)
    } else {
        f64::NAN
    }
}

/// The mean of the finite `values` and its [`LEVEL`] t interval (n - 1 degrees of freedom):
/// (mean, lower, upper), the bounds NaN below two values.
pub(super) fn t_interval(values: &[f64]) -> (f64, f64, f64) {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let m = crate::stats::mean(finite.iter().copied());
    match crate::stats::sample_variance(&finite, m) {
        Some(var) => {
            let n = finite.len() as f64;
            let half = t_quantile(n - 1.0) * (var / n).sqrt();
            (m, m - half, m + half)
        }
        None => (m, f64::NAN, f64::NAN),
    }
}

/// The value, and its interval, of `o` over the points `rows` (rows of `points.csv`).
///
/// - Levels at one point: the mean and standard error of `summary.csv`, t with n - 1
///   degrees of freedom.
/// - Levels over several points: with the values of each replicate, the t interval of the
///   replicate-by-replicate means over the points; without, the mean of the points' means,
///   ± t sqrt(Σ se²) / k with Welch-Satterthwaite degrees of freedom, as if independent.
/// - Effects: the t interval of the replicate-by-replicate differences between the mean over
///   the points and the reference.
///
/// A replicate missing at any of the points (or at the reference) is left out.
fn cell(o: &Resolved, rows: &[usize], mode: Mode) -> (f64, f64, f64) {
    let nan = (f64::NAN, f64::NAN, f64::NAN);
    let rows: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|&p| o.mean[p].is_finite())
        .collect();
    if rows.is_empty() {
        return nan;
    }
    let by_replicate = |reference: Option<usize>| -> Vec<f64> {
        let Some(values) = &o.replicates else {
            return Vec::new();
        };
        let columns = values.first().map_or(0, Vec::len);
        (0..columns)
            .filter_map(|c| {
                let at: Vec<f64> = rows.iter().map(|&p| values[p][c]).collect();
                let base = reference.map_or(0.0, |r| values[r][c]);
                at.iter()
                    .chain([&base])
                    .all(|v| v.is_finite())
                    .then(|| crate::stats::mean(at.iter().copied()) - base)
            })
            .collect()
    };
    match mode {
        Mode::Level if rows.len() == 1 => {
            let p = rows[0];
            let half = t_quantile(o.n[p] - 1.0) * o.se[p];
            (o.mean[p], o.mean[p] - half, o.mean[p] + half)
        }
        Mode::Level if o.replicates.is_some() => t_interval(&by_replicate(None)),
        Mode::Level => {
            let k = rows.len() as f64;
            let y = mean(&rows.iter().map(|&p| o.mean[p]).collect::<Vec<_>>());
            let var: f64 = rows.iter().map(|&p| o.se[p] * o.se[p]).sum();
            // Welch-Satterthwaite: (Σ v_i)² / Σ v_i² / (n_i - 1), v_i = se_i².
            let denominator: f64 = rows.iter().map(|&p| o.se[p].powi(4) / (o.n[p] - 1.0)).sum();
            let half = t_quantile(var * var / denominator) * var.sqrt() / k;
            (y, y - half, y + half)
        }
        Mode::Effect(reference) if o.replicates.is_some() => {
            t_interval(&by_replicate(Some(reference)))
        }
        Mode::Effect(_) => nan,
    }
}

/// The replicates at the points and the t's degrees of freedom: `4 replicates (t, 3 df)`,
/// `3-4 replicates (t, n - 1 df)`.
fn replicates_text(o: &Resolved) -> String {
    let finite = o.n.iter().copied().filter(|n| n.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        "no replicates".into()
    } else if lo == 1.0 && hi == 1.0 {
        "1 replicate (no interval)".into()
    } else if lo == hi {
        format!("{lo} replicates (t, {} df)", lo - 1.0)
    } else {
        format!("{lo}-{hi} replicates (t, n - 1 df)")
    }
}

/// What the line and its interval are, below the title.
fn subtitle(
    o: &Resolved,
    how: How,
    mode: Mode,
    pairing: &Pairing,
    reference: Option<&String>,
) -> String {
    let n = replicates_text(o);
    match (mode, how) {
        (_, How::Binned(_)) => String::new(),
        (Mode::Effect(_), _) => format!(
            "minus {} in the same replicate; mean and 95% interval of {n}",
            reference.map_or("the reference", String::as_str)
        ),
        (Mode::Level, _) => {
            let what = match how {
                How::Averaged if o.replicates.is_some() => format!(
                    "95% interval of the replicate-by-replicate means over the points sharing each value, {n}"
                ),
                How::Averaged => format!(
                    "95% interval from the points' standard errors as if independent (t, Welch df), {}",
                    n.split(" (").next().unwrap_or_default()
                ),
                _ => format!("mean and 95% interval of {n}"),
            };
            match pairing {
                Pairing::Unpaired(why) => format!("{what}; unpaired: {why}"),
                Pairing::Paired(_) | Pairing::NotAsked => what,
            }
        }
    }
}

/// Points grouped by their value of one axis: one bin per value, or (a sampled numeric axis
/// with more than [`BINS`] values) bins of equal count.
struct Bins {
    /// The bin of each point (row of `points.csv`).
    of: Vec<usize>,
    /// Where each bin is on the axis (NaN for a category).
    x: Vec<f64>,
    /// Each bin's value, or range of values.
    names: Vec<String>,
}

impl Bins {
    fn new(axis: &Axis, design: Design) -> Bins {
        let n = axis.texts.len();
        let values = distinct(axis.texts.iter().map(String::as_str));
        let Some(numbers) = &axis.numbers else {
            // Categories, in order of first appearance.
            let of = axis
                .texts
                .iter()
                .map(|t| values.iter().position(|v| v == t).expect("listed"))
                .collect();
            return Bins {
                of,
                x: vec![f64::NAN; values.len()],
                names: values,
            };
        };
        // Points in the order of their value (ties by row).
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| numbers[a].total_cmp(&numbers[b]).then(a.cmp(&b)));
        let mut of = vec![0; n];
        let (mut x, mut names) = (Vec::new(), Vec::new());
        if design != Design::Sampled || values.len() <= BINS {
            for &p in &order {
                if x.last() != Some(&numbers[p]) {
                    x.push(numbers[p]);
                    names.push(axis.texts[p].clone());
                }
                of[p] = x.len() - 1;
            }
        } else {
            let bins = (n / 4).clamp(1, BINS);
            for b in 0..bins {
                let members = &order[b * n / bins..(b + 1) * n / bins];
                for &p in members {
                    of[p] = b;
                }
                let v: Vec<f64> = members.iter().map(|&p| numbers[p]).collect();
                x.push(mean(&v));
                names.push(format!(
                    "{}-{}",
                    axis.texts[members[0]],
                    axis.texts[*members.last().expect("bins are never empty")]
                ));
            }
        }
        Bins { of, x, names }
    }
}

/// One figure's axis, how its points become lines, and what is drawn.
struct View<'a> {
    axis: &'a Axis,
    bins: &'a Bins,
    how: How,
    mode: Mode,
    plan: &'a str,
}

impl View<'_> {
    /// `{plan}: [effect on] {metric} [of {sector}] in {year} [by {axis}] ({what the line and
    /// band are})`.
    fn title(&self, group: &[&Resolved]) -> String {
        let o = group[0];
        let what = metric_text(&o.metric).name;
        let of = if group.len() == 1 {
            format!(" of {}", sector_text(&o.sector))
        } else {
            String::new()
        };
        let by = if self.axis.numbers.is_none() {
            format!(" by {}", self.axis.text.name)
        } else {
            String::new()
        };
        let band = match (self.mode, self.how) {
            (Mode::Effect(_), How::Averaged) => {
                "paired, mean over the points sharing each value, 95% CI".to_string()
            }
            (Mode::Effect(_), _) => "paired, mean and 95% CI".to_string(),
            (_, How::Alone | How::Split(_)) => "mean and 95% CI".to_string(),
            (_, How::Averaged) => "mean over the points sharing each value, 95% CI".to_string(),
            (_, How::Binned(bins)) if self.axis.numbers.is_some() => {
                format!("mean of the points in {bins} bins, p10-p90 band")
            }
            (_, How::Binned(_)) => "mean of the points, p10-p90 band".to_string(),
        };
        let year = if o.year.is_finite() {
            format!("{}", o.year)
        } else {
            format!("step {}", o.step)
        };
        let effect = match self.mode {
            Mode::Effect(_) => "effect on ",
            Mode::Level => "",
        };
        let against = match self.mode {
            Mode::Effect(_) => format!(" vs point {REFERENCE_POINT}"),
            Mode::Level => String::new(),
        };
        format!(
            "{}: {effect}{what}{of} in {year}{by}{against} ({band})",
            self.plan
        )
    }

    /// The chart: a line (numeric axis) or a group of bars (categories) per series, each
    /// series a label and the points it holds; `outcome(i)` is the outcome of series `i`.
    fn chart<'a>(
        &self,
        group: &[&Resolved],
        subtitle: String,
        series: &[(String, Vec<usize>)],
        outcome: impl Fn(usize) -> &'a Resolved,
    ) -> Chart {
        let k = self.bins.names.len();
        // (value, low, high) of each bin, per series.
        let values: Vec<Vec<(f64, f64, f64)>> = series
            .iter()
            .enumerate()
            .map(|(i, (_, rows))| {
                let o = outcome(i);
                (0..k)
                    .map(|b| {
                        let in_bin: Vec<usize> = rows
                            .iter()
                            .copied()
                            .filter(|&p| self.bins.of[p] == b && o.mean[p].is_finite())
                            .collect();
                        if let How::Binned(_) = self.how {
                            let means: Vec<f64> = in_bin.iter().map(|&p| o.mean[p]).collect();
                            let y = mean(&means);
                            (y, quantile(&means, 0.1), quantile(&means, 0.9))
                        } else {
                            cell(o, &in_bin, self.mode)
                        }
                    })
                    .collect()
            })
            .collect();
        let text = metric_text(&group[0].metric);
        let (y_label, reference_y) = match self.mode {
            Mode::Level => (text.axis, None),
            Mode::Effect(_) => (
                format!("effect on {} ({})", text.name, text.difference),
                Some(0.0),
            ),
        };
        let title = self.title(group);
        let intervals = match self.how {
            How::Binned(_) => Intervals::Bands,
            _ => Intervals::Whiskers,
        };
        if self.axis.numbers.is_some() {
            LineChart {
                title,
                subtitle,
                x_label: self.axis.text.label(),
                y_label,
                series: series
                    .iter()
                    .zip(&values)
                    .map(|((label, _), v)| Series {
                        label: label.clone(),
                        x: self.bins.x.clone(),
                        y: v.iter().map(|t| t.0).collect(),
                        band: Some((
                            v.iter().map(|t| t.1).collect(),
                            v.iter().map(|t| t.2).collect(),
                        )),
                    })
                    .collect(),
                reference_y,
                intervals,
            }
            .into()
        } else {
            let mut bars = Vec::new();
            for (b, name) in self.bins.names.iter().enumerate() {
                for ((label, _), v) in series.iter().zip(&values) {
                    let (y, lo, hi) = v[b];
                    bars.push(Bar {
                        group: name.clone(),
                        label: label.clone(),
                        value: y,
                        interval: Some((lo, hi)),
                    });
                }
            }
            BarChart {
                title,
                subtitle,
                y_label,
                bars,
            }
            .into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::figures::{Kind, detect};

    /// A sweep folder with `points` (header and rows) and a summary where the `tfp_index` of
    /// sector `s` at point p, step 1, is `value(p)`, se 0.1; `all` twice that.
    fn sweep(dir: &Path, design: &str, points: &str, value: impl Fn(usize) -> f64) -> Folder {
        std::fs::write(dir.join(POINTS), points).unwrap();
        let n = points.lines().count() - 1;
        let mut s = String::from("point,step,year,sector,tier,metric,n,mean,sd,se,p05,p50,p95\n");
        for p in 0..n {
            for step in 0..2 {
                for (sector, k) in [("s", 1.0), ("all", 2.0)] {
                    let v = if step == 0 { 1.0 } else { k * value(p) };
                    s.push_str(&format!(
                        "{p},{step},{},{sector},t,tfp_index,5,{v},0.2,0.1,{v},{v},{v}\n{p},{step},{},{sector},t,emissions,5,3,0,0,3,3,3\n",
                        2030 + step,
                        2030 + step
                    ));
                }
            }
        }
        std::fs::write(dir.join(SUMMARY), s).unwrap();
        std::fs::write(
            dir.join("manifest.json"),
            format!(r#"{{"command": "sweep", "plan_name": "plan", "design": "{design}"}}"#),
        )
        .unwrap();
        let f = detect(dir).unwrap();
        assert_eq!(f.kind, Kind::Sweep);
        f
    }

    /// A sweep folder as [`sweep`] writes it, with the `tfp_index` of each point and
    /// replicate, `value(p, r)` (sector `s`; `all` twice that) at step 1, in
    /// `trajectories.csv`, and a summary made from them; `plan` is the manifest's `plan`.
    fn sweep_with_replicates(
        dir: &Path,
        design: &str,
        points: &str,
        replicates: usize,
        plan: &str,
        value: impl Fn(usize, usize) -> f64,
    ) -> Folder {
        std::fs::write(dir.join(POINTS), points).unwrap();
        let n = points.lines().count() - 1;
        let mut s = String::from("point,step,year,sector,tier,metric,n,mean,sd,se,p05,p50,p95\n");
        let mut t =
            String::from("scenario,point,replicate,seed,step,year,sector,tier,firms,tfp_index\n");
        for p in 0..n {
            for step in 0..2 {
                for (sector, k) in [("s", 1.0), ("all", 2.0)] {
                    let v: Vec<f64> = (0..replicates)
                        .map(|r| if step == 0 { 1.0 } else { k * value(p, r) })
                        .collect();
                    for (r, v) in v.iter().enumerate() {
                        t.push_str(&format!(
                            "plan,{p},{r},7,{step},{},{sector},t,10,{v}\n",
                            2030 + step
                        ));
                    }
                    let m = crate::stats::mean(v.iter().copied());
                    let sd = crate::stats::sample_variance(&v, m).unwrap().sqrt();
                    let se = sd / (replicates as f64).sqrt();
                    s.push_str(&format!(
                        "{p},{step},{},{sector},t,tfp_index,{replicates},{m},{sd},{se},{m},{m},{m}\n",
                        2030 + step
                    ));
                }
            }
        }
        std::fs::write(dir.join(SUMMARY), s).unwrap();
        std::fs::write(dir.join(TRAJECTORIES), t).unwrap();
        std::fs::write(
            dir.join("manifest.json"),
            format!(
                r#"{{"command": "sweep", "plan_name": "plan", "design": "{design}", "summary_only": false, "plan": {plan}}}"#
            ),
        )
        .unwrap();
        detect(dir).unwrap()
    }

    /// Published t quantiles, t_{0.975}(df) (Abramowitz and Stegun, Table 26.10).
    fn t975(df: u32) -> f64 {
        match df {
            3 => 3.182_446,
            4 => 2.776_445,
            16 => 2.119_905,
            _ => panic!("df {df} not tabulated here"),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-5 * b.abs().max(1e-3)
    }

    fn line(figure: &Figure) -> &LineChart {
        match &figure.chart {
            Chart::Line(c) => c,
            other => panic!("{}: not a line chart: {other:?}", figure.name),
        }
    }

    #[test]
    fn a_one_axis_grid_draws_the_mean_with_its_confidence_interval() {
        let dir = tempfile::tempdir().unwrap();
        let f = sweep(dir.path(), "grid", "point,x\n0,0.2\n1,0\n2,0.1\n", |p| {
            p as f64
        });
        let figures = figures(&f, &[]).unwrap();
        assert_eq!(figures.len(), 1);
        assert_eq!(figures[0].name, "outcome-vs-x");
        let c = line(&figures[0]);
        assert_eq!(c.x_label, "x");
        assert_eq!(c.y_label, "TFP index (step 0 = 1)");
        assert!(
            c.title.starts_with("plan: TFP index in 2031"),
            "{}",
            c.title
        );
        assert_eq!(c.series.len(), 2);
        assert_eq!(c.series[1].label, "all sectors");
        // Sorted by x: points 1, 2, 0.
        assert_eq!(c.series[0].x, [0.0, 0.1, 0.2]);
        assert_eq!(c.series[0].y, [1.0, 2.0, 0.0]);
        // Five replicates, se 0.1: mean ± t(4 df) se, not ± 1.96 se.
        let (lo, hi) = c.series[0].band.as_ref().unwrap();
        assert!(
            close(hi[0] - lo[0], 2.0 * t975(4) * 0.1),
            "{}",
            hi[0] - lo[0]
        );
        assert_eq!(c.intervals, Intervals::Whiskers);
        assert!(
            c.subtitle
                .starts_with("mean and 95% interval of 5 replicates (t, 4 df)"),
            "{}",
            c.subtitle
        );
        // No trajectories.csv: no paired effects, and the figure says so.
        assert!(
            c.subtitle.contains("unpaired: no trajectories.csv"),
            "{}",
            c.subtitle
        );
    }

    #[test]
    fn a_two_axis_grid_draws_a_line_per_value_of_the_other_axis() {
        let dir = tempfile::tempdir().unwrap();
        let points = "point,x,rule\n0,0,a\n1,0,b\n2,1,a\n3,1,b\n";
        let f = sweep(dir.path(), "grid", points, |p| p as f64);
        let figures = figures(&f, &[]).unwrap();
        let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "outcome-vs-x-s",
                "outcome-vs-x-all",
                "outcome-vs-rule-s",
                "outcome-vs-rule-all"
            ]
        );
        let c = line(&figures[0]);
        assert_eq!(c.series[0].label, "rule = a");
        assert_eq!(c.series[0].y, [0.0, 2.0]);
        assert_eq!(c.series[1].y, [1.0, 3.0]);
        // The categorical axis: a group of bars per rule, a bar per x.
        let Chart::Bars(b) = &figures[3].chart else {
            panic!("bars")
        };
        assert!(b.title.contains("by rule"), "{}", b.title);
        assert_eq!(b.bars.len(), 4);
        assert_eq!(
            (b.bars[1].group.as_str(), b.bars[1].label.as_str()),
            ("a", "x = 1")
        );
        assert_eq!(b.bars[1].value, 2.0 * 2.0);
    }

    #[test]
    fn a_grid_of_three_axes_averages_over_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let mut points = String::from("point,x,y,z\n");
        for p in 0..8 {
            points.push_str(&format!("{p},{},{},{}\n", p / 4, (p / 2) % 2, p % 2));
        }
        let f = sweep(dir.path(), "grid", &points, |p| p as f64);
        let figures = figures(&f, &[]).unwrap();
        assert_eq!(figures.len(), 3);
        let c = line(&figures[0]);
        assert_eq!(c.series[0].y, [1.5, 5.5]);
        let (lo, hi) = c.series[0].band.as_ref().unwrap();
        // Four points of se 0.1 and 5 replicates, from the summary alone: the mean's se is
        // 0.05, with Welch-Satterthwaite's 4 x 4 = 16 degrees of freedom.
        assert!(
            close(hi[0] - lo[0], 2.0 * t975(16) * 0.05),
            "{}",
            hi[0] - lo[0]
        );
        assert!(c.subtitle.contains("as if independent"), "{}", c.subtitle);
    }

    #[test]
    fn a_sampled_design_bins_its_points_by_each_axis() {
        let dir = tempfile::tempdir().unwrap();
        let mut points = String::from("point,x,y\n");
        for p in 0..40 {
            // x in order, y reversed
            points.push_str(&format!(
                "{p},{},{}\n",
                p as f64 / 40.0,
                1.0 - p as f64 / 40.0
            ));
        }
        let f = sweep(dir.path(), "lhs", &points, |p| p as f64);
        let figures = figures(&f, &[]).unwrap();
        assert_eq!(figures.len(), 2);
        let c = line(&figures[0]);
        assert!(c.title.contains("10 bins"), "{}", c.title);
        assert_eq!(c.series[0].x.len(), 10);
        // The first bin of x holds points 0..4: mean 1.5, p10-p90 0.3 to 2.7.
        assert_eq!(c.series[0].y[0], 1.5);
        let (lo, hi) = c.series[0].band.as_ref().unwrap();
        assert!((lo[0] - 0.3).abs() < 1e-12 && (hi[0] - 2.7).abs() < 1e-12);
        let y = line(&figures[1]);
        assert!(y.series[0].y[0] > y.series[0].y[9], "y is reversed");
    }

    #[test]
    fn outcomes_can_be_chosen_and_a_missing_one_is_an_error_naming_the_summary() {
        let dir = tempfile::tempdir().unwrap();
        let f = sweep(dir.path(), "grid", "point,x\n0,0\n1,1\n", |p| p as f64);
        let asked: Vec<Outcome> = ["emissions:s:0", "tfp_index:all:last"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let figures = figures(&f, &asked).unwrap();
        let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["outcome-vs-x-emissions", "outcome-vs-x-tfp_index"]);
        assert!(line(&figures[0]).title.contains("emissions of s in 2030"));

        for (bad, says) in [
            ("output:all:last", "no metric `output`"),
            ("tfp_index:steel:last", "no sector `steel`"),
            ("tfp_index:all:7", "no step 7"),
        ] {
            let e = super::figures(&f, &[bad.parse().unwrap()])
                .err()
                .unwrap()
                .to_string();
            assert!(e.contains("summary.csv") && e.contains(says), "{e}");
        }
    }

    #[test]
    fn the_design_is_inferred_without_a_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let f = sweep(
            dir.path(),
            "grid",
            "point,x,y\n0,0,0\n1,1,0\n2,0,1\n3,1,1\n",
            |p| p as f64,
        );
        std::fs::remove_file(dir.path().join("manifest.json")).unwrap();
        let f = Folder {
            manifest: None,
            ..f
        };
        let table = Table::read(&f.path.join(POINTS)).unwrap();
        let axes = read_axes(&table, &f);
        assert_eq!(design(&f, &table, &axes), Design::Grid);
        assert_eq!(design(&f, &table, &axes[..1]), Design::Grid);
        std::fs::write(f.path.join(POINTS), "point,x,y\n0,0,0\n1,1,1\n2,0,1\n").unwrap();
        let table = Table::read(&f.path.join(POINTS)).unwrap();
        let axes = read_axes(&table, &f);
        assert_eq!(design(&f, &table, &axes), Design::Sampled);
    }

    /// Point p, replicate r: a common draw per replicate, the point's effect, a little noise.
    fn paired_value(p: usize, r: usize) -> f64 {
        let common = [1.0, 1.2, 0.9, 1.1][r];
        let noise = [
            [0.0; 4],
            [0.0, 0.05, -0.05, 0.0],
            [0.02, -0.02, 0.01, -0.01],
        ][p];
        common + 0.1 * p as f64 + noise[r]
    }

    #[test]
    fn a_grid_gets_paired_effects_against_point_0_with_their_t_interval() {
        let dir = tempfile::tempdir().unwrap();
        let plan = r#"{"axis": [{"path": "policy.rd_subsidy.traditional"}]}"#;
        let f = sweep_with_replicates(
            dir.path(),
            "grid",
            "point,policy.rd_subsidy.traditional\n0,0\n1,0.3\n2,0.6\n",
            4,
            plan,
            paired_value,
        );
        let figures = figures(&f, &[]).unwrap();
        let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "outcome-vs-policy.rd_subsidy.traditional",
                "effect-vs-policy.rd_subsidy.traditional"
            ]
        );
        let level = line(&figures[0]);
        let effect = line(&figures[1]);
        assert_eq!(level.x_label, "R&D subsidy, traditional (matching rate)");
        assert_eq!(effect.x_label, level.x_label);
        assert_eq!(effect.y_label, "effect on TFP index (index points)");
        assert_eq!(effect.reference_y, Some(0.0));
        assert_eq!(
            effect.title,
            "plan: effect on TFP index in 2031 vs point 0 (paired, mean and 95% CI)"
        );
        assert_eq!(
            effect.subtitle,
            "minus point 0 (R&D subsidy, traditional = 0) in the same replicate; mean and 95% interval of 4 replicates (t, 3 df)"
        );

        // Point 1 minus point 0, replicate by replicate: 0.1, 0.15, 0.05, 0.1. Mean 0.1, sd
        // sqrt(0.005 / 3), t with 3 degrees of freedom.
        let s = &effect.series[0];
        let (lo, hi) = s.band.as_ref().unwrap();
        let half = t975(3) * (0.005f64 / 3.0).sqrt() / 2.0;
        assert!(close(s.y[1], 0.1), "{}", s.y[1]);
        assert!(
            close(lo[1], 0.1 - half) && close(hi[1], 0.1 + half),
            "{lo:?} {hi:?}"
        );
        // The reference against itself: 0, with no width.
        assert_eq!((s.y[0], lo[0], hi[0]), (0.0, 0.0, 0.0));
        // `all` is twice `s`: so is its effect.
        assert!(close(effect.series[1].y[2], 2.0 * s.y[2]));

        // The level at point 1 is unpaired: its interval holds the replicates' common noise
        // and is much wider than the effect's.
        let (llo, lhi) = level.series[0].band.as_ref().unwrap();
        assert!(lhi[1] - llo[1] > 3.0 * (hi[1] - lo[1]), "{llo:?} {lhi:?}");
        assert!(close(level.series[0].y[1], 1.15));
        assert!(!level.subtitle.contains("unpaired"), "{}", level.subtitle);
    }

    #[test]
    fn a_summary_only_sweep_falls_back_to_unpaired_figures_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let f = sweep_with_replicates(
            dir.path(),
            "grid",
            "point,x\n0,0\n1,1\n",
            4,
            r#"{"axis": [{"path": "x"}]}"#,
            paired_value,
        );
        std::fs::remove_file(dir.path().join(TRAJECTORIES)).unwrap();
        let manifest = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
        std::fs::write(
            dir.path().join("manifest.json"),
            manifest.replace(r#""summary_only": false"#, r#""summary_only": true"#),
        )
        .unwrap();
        let f = Folder {
            manifest: detect(dir.path()).unwrap().manifest,
            ..f
        };
        let figures = figures(&f, &[]).unwrap();
        let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["outcome-vs-x"]);
        let c = line(&figures[0]);
        assert!(
            c.subtitle
                .contains("unpaired: the sweep ran --summary-only (no trajectories.csv)"),
            "{}",
            c.subtitle
        );
    }

    #[test]
    fn a_two_axis_grid_pairs_every_line_with_the_one_reference() {
        let dir = tempfile::tempdir().unwrap();
        let plan = r#"{"axis": [{"path": "policy.carbon_price", "from_step": 11}, {"name": "rule", "path": "policy.targeting"}]}"#;
        let points = "point,policy.carbon_price,rule\n0,0,inclusive\n1,0,laggards\n2,0.1,inclusive\n3,0.1,laggards\n";
        let f = sweep_with_replicates(dir.path(), "grid", points, 4, plan, |p, r| {
            paired_value(p % 3, r) + if p == 3 { 0.5 } else { 0.0 }
        });
        let figures = figures(&f, &[]).unwrap();
        let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "outcome-vs-policy.carbon_price-s",
                "outcome-vs-policy.carbon_price-all",
                "effect-vs-policy.carbon_price-s",
                "effect-vs-policy.carbon_price-all",
                "outcome-vs-rule-s",
                "outcome-vs-rule-all",
                "effect-vs-rule-s",
                "effect-vs-rule-all",
            ]
        );
        let c = line(&figures[2]);
        assert_eq!(
            c.x_label,
            "carbon price from step 11 (share of output per unit emission)"
        );
        let labels: Vec<&str> = c.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "targeting of subsidies = inclusive",
                "targeting of subsidies = laggards"
            ]
        );
        // Both lines are measured from point 0 (inclusive, price 0): the laggards line starts
        // at point 1 minus point 0.
        assert_eq!(c.series[0].y[0], 0.0);
        assert!(close(c.series[1].y[0], 0.1), "{:?}", c.series[1].y);
        assert!(close(c.series[1].y[1], 0.5), "{:?}", c.series[1].y);
        assert!(close(c.series[0].y[1], 0.2), "{:?}", c.series[0].y);
        let Chart::Bars(b) = &figures[6].chart else {
            panic!("bars")
        };
        assert!(b.title.contains("by targeting of subsidies"), "{}", b.title);
        assert_eq!(b.bars[0].label, "carbon price from step 11 = 0");
    }

    #[test]
    fn a_grid_of_three_axes_with_replicates_averages_replicate_by_replicate() {
        let dir = tempfile::tempdir().unwrap();
        let mut points = String::from("point,x,y,z\n");
        for p in 0..8 {
            points.push_str(&format!("{p},{},{},{}\n", p / 4, (p / 2) % 2, p % 2));
        }
        let value = |p: usize, r: usize| [1.0, 1.2, 0.9, 1.1][r] + 0.01 * (p * p) as f64;
        let f = sweep_with_replicates(dir.path(), "grid", &points, 4, "{}", value);
        let figures = figures(&f, &[]).unwrap();
        assert_eq!(figures.len(), 6, "three outcome and three effect figures");
        let c = line(&figures[0]);
        // x = 0 holds points 0..4: each replicate's mean over them, then the t interval of
        // those four means.
        let means: Vec<f64> = (0..4)
            .map(|r| (0..4).map(|p| value(p, r)).sum::<f64>() / 4.0)
            .collect();
        let m = means.iter().sum::<f64>() / 4.0;
        let sd = (means.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 3.0).sqrt();
        let (lo, hi) = c.series[0].band.as_ref().unwrap();
        assert!(close(c.series[0].y[0], m));
        assert!(
            close(hi[0] - lo[0], 2.0 * t975(3) * sd / 2.0),
            "{lo:?} {hi:?}"
        );
        assert!(
            c.subtitle.contains("replicate-by-replicate"),
            "{}",
            c.subtitle
        );
        // The effect at x = 1: the common draw cancels, the interval has no width.
        let e = line(&figures[1]);
        // against point 0, whose own offset is 0: the mean offset of points 4..8.
        assert!(close(e.series[0].y[1], 0.315), "{:?}", e.series[0].y);
        assert!(close(e.series[0].y[0], 0.035), "{:?}", e.series[0].y);
        let (elo, ehi) = e.series[0].band.as_ref().unwrap();
        assert!((ehi[1] - elo[1]).abs() < 1e-9, "{elo:?} {ehi:?}");
    }

    #[test]
    fn a_zip_axis_that_stays_put_averages_the_points_sharing_a_value() {
        let dir = tempfile::tempdir().unwrap();
        let plan = r#"{"axis": [{"name": "early", "path": "policy.carbon_price", "from_step": 1}, {"name": "late", "path": "policy.carbon_price", "from_step": 11}]}"#;
        let points = "point,early,late\n0,0,0\n1,0.1,0.1\n2,0.2,0.1\n";
        let f = sweep_with_replicates(dir.path(), "zip", points, 4, plan, paired_value);
        let figures = figures(&f, &[]).unwrap();
        let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "outcome-vs-early",
                "effect-vs-early",
                "outcome-vs-late",
                "effect-vs-late"
            ]
        );
        // `late` is 0.1 at points 1 and 2: one value, their mean, said so.
        let late = line(&figures[3]);
        assert_eq!(late.series[0].x, [0.0, 0.1]);
        assert!(close(late.series[0].y[1], 0.15), "{:?}", late.series[0].y);
        assert!(
            late.title
                .contains("mean over the points sharing each value"),
            "{}",
            late.title
        );
        assert!(
            late.subtitle.starts_with(
                "minus point 0 (carbon price from step 1 = 0; carbon price from step 11 = 0)"
            ),
            "{}",
            late.subtitle
        );
        // `early` takes a value per point: no averaging.
        let early = line(&figures[1]);
        assert!(!early.title.contains("sharing"), "{}", early.title);
        assert_eq!(early.series[0].x, [0.0, 0.1, 0.2]);
    }

    #[test]
    fn the_t_interval_widens_few_replicates_and_needs_two() {
        let (m, lo, hi) = t_interval(&[1.0, 2.0, f64::NAN, 3.0]);
        assert_eq!(m, 2.0);
        // sd 1, n 3: half width t(2 df) / sqrt(3), t = 4.302653
        assert!(close(hi - m, 4.302_653 / 3f64.sqrt()) && close(m - lo, hi - m));
        let (m, lo, hi) = t_interval(&[5.0]);
        assert!(m == 5.0 && lo.is_nan() && hi.is_nan());
    }
}
