//! The figures of a sweep: an outcome at one step (a metric of a sector, from `summary.csv`)
//! against each axis of the design (`points.csv`), one figure per axis, `outcome-vs-<axis>`.
//!
//! How the points are put on a line depends on the design:
//!
//! - a **grid** with one axis, and a **zip** (whose axes move together): the outcome's mean
//!   at each value of the axis, with its 95 % confidence interval, mean ± 1.96 se over the
//!   point's replicates; one line per outcome (sector);
//! - a **grid with two axes**: one line per value of the other axis, one figure per outcome;
//! - a **grid with more axes**: at each value, the mean over the points that share it
//!   (averaged over the other axes), the interval from their standard errors (± 1.96
//!   sqrt(Σ se²) / k, as if independent);
//! - **sampled** designs (`lhs`, `sobol`, `morris`): the points sorted by the axis and cut into
//!   about ten bins of equal count (one bin per value when the axis takes ten values or
//!   fewer, as in Morris' levels), the mean of the points' means in each bin, and as band the
//!   10th-90th percentile of the points' means: the spread that the other axes cause.
//!
//! An axis whose values are not all numbers (e.g. `policy.targeting`) gets grouped bars, one
//! group per value, with the same intervals as whiskers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{Figure, Folder, MAX_SECTOR_LINES, Outcome, Step, distinct, file_part, mean};
use super::{metric_text, quantile, sector_text};
use crate::error::Error;
use crate::output::table::Table;
use crate::plot::{Bar, BarChart, Chart, LineChart, Series};

/// The design's points.
pub const POINTS: &str = "points.csv";
/// The summary over replicates.
pub const SUMMARY: &str = "summary.csv";
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
/// z for a 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

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
}

/// The figures of the sweep in `folder`: the outcomes (the default when `outcomes` is
/// empty) against each axis.
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
    let axes = read_axes(&table);
    if axes.is_empty() {
        return Err(Error::Results {
            path: points_path,
            reason: "has no axis columns".into(),
        });
    }
    let design = design(folder, &table, &axes);
    let outcomes = resolve(&folder.path.join(SUMMARY), outcomes, &ids)?;

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

    let mut figures = Vec::new();
    for (a, axis) in axes.iter().enumerate() {
        let bins = Bins::new(axis, design);
        let spread = match design {
            Design::Sampled => Spread::Points,
            Design::Grid | Design::Zip => Spread::Ci,
        };
        let base = format!("outcome-vs-{}", file_part(&axis.name));
        let how = match (design, axes.len()) {
            (Design::Grid, 2) => How::Split(1 - a),
            (Design::Grid, n) if n > 2 => How::Averaged,
            (Design::Grid | Design::Zip, _) => How::Alone,
            (Design::Sampled, _) => How::Binned(bins.names.len()),
        };
        for group in &groups {
            let suffix = group_suffix(group);
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
                            (format!("{} = {name}", other.name), rows)
                        })
                        .collect();
                    let title = title(&folder.name, &[o], how, axis);
                    figures.push(Figure {
                        name: format!("{base}{suffix}-{}", file_part(&o.sector)),
                        chart: chart(axis, &bins, spread, title, o, &series, |_| o),
                    });
                }
            } else {
                let all: Vec<usize> = (0..ids.len()).collect();
                let series: Vec<(String, Vec<usize>)> = group
                    .iter()
                    .map(|o| (sector_text(&o.sector), all.clone()))
                    .collect();
                let title = title(&folder.name, group, how, axis);
                figures.push(Figure {
                    name: format!("{base}{suffix}"),
                    chart: chart(axis, &bins, spread, title, group[0], &series, |i| group[i]),
                });
            }
        }
    }
    Ok(figures)
}

/// The axes of `points.csv`: every column but `point` and the design's own.
fn read_axes(points: &Table) -> Vec<Axis> {
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
            Axis {
                name: name.clone(),
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

/// What the band of a value is.
#[derive(Clone, Copy)]
enum Spread {
    /// 95 % confidence interval from the replicates' standard errors.
    Ci,
    /// 10th-90th percentile of the points' means.
    Points,
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
    let mean = table.numbers("mean")?;
    let se = table.numbers("se")?;
    // Row of each point id in points.csv.
    let row_of: BTreeMap<u64, usize> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| id.is_finite() && **id >= 0.0)
        .map(|(r, id)| (*id as u64, r))
        .collect();

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
                step: Step::Last,
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
            Step::Last => last,
            Step::At(k) => {
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
            }
        }
        resolved.push(out);
    }
    Ok(resolved)
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

/// `{plan}: {metric} [of {sector}] in {year} ({what the line and band are})`.
fn title(plan: &str, group: &[&Resolved], how: How, axis: &Axis) -> String {
    let o = group[0];
    let what = metric_text(&o.metric).name;
    let of = if group.len() == 1 {
        format!(" of {}", sector_text(&o.sector))
    } else {
        String::new()
    };
    let by = if axis.numbers.is_none() {
        format!(" by {}", axis.name)
    } else {
        String::new()
    };
    let band = match how {
        How::Alone | How::Split(_) => "mean and 95% CI".to_string(),
        How::Averaged => "mean over the other axes, 95% CI".to_string(),
        How::Binned(bins) if axis.numbers.is_some() => {
            format!("mean of the points in {bins} bins, p10-p90 band")
        }
        How::Binned(_) => "mean of the points, p10-p90 band".to_string(),
    };
    let year = if o.year.is_finite() {
        format!("{}", o.year)
    } else {
        format!("step {}", o.step)
    };
    format!("{plan}: {what}{of} in {year}{by} ({band})")
}

/// The chart of an axis: a line (numeric axis) or a group of bars (categories) per series,
/// each series a label and the points it holds; `outcome(i)` is the outcome of series `i`.
fn chart<'a>(
    axis: &Axis,
    bins: &Bins,
    spread: Spread,
    title: String,
    first: &Resolved,
    series: &[(String, Vec<usize>)],
    outcome: impl Fn(usize) -> &'a Resolved,
) -> Chart {
    let k = bins.names.len();
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
                        .filter(|&p| bins.of[p] == b && o.mean[p].is_finite())
                        .collect();
                    let means: Vec<f64> = in_bin.iter().map(|&p| o.mean[p]).collect();
                    let y = mean(&means);
                    match spread {
                        Spread::Ci => {
                            let var: f64 = in_bin.iter().map(|&p| o.se[p] * o.se[p]).sum();
                            let half = Z95 * var.sqrt() / in_bin.len() as f64;
                            (y, y - half, y + half)
                        }
                        Spread::Points => (y, quantile(&means, 0.1), quantile(&means, 0.9)),
                    }
                })
                .collect()
        })
        .collect();
    let y_label = metric_text(&first.metric).axis;
    if axis.numbers.is_some() {
        LineChart {
            title,
            x_label: axis.name.clone(),
            y_label,
            series: series
                .iter()
                .zip(&values)
                .map(|((label, _), v)| Series {
                    label: label.clone(),
                    x: bins.x.clone(),
                    y: v.iter().map(|t| t.0).collect(),
                    band: Some((
                        v.iter().map(|t| t.1).collect(),
                        v.iter().map(|t| t.2).collect(),
                    )),
                })
                .collect(),
            reference_y: None,
            ..LineChart::default()
        }
        .into()
    } else {
        let mut bars = Vec::new();
        for (b, group) in bins.names.iter().enumerate() {
            for ((label, _), v) in series.iter().zip(&values) {
                let (y, lo, hi) = v[b];
                bars.push(Bar {
                    group: group.clone(),
                    label: label.clone(),
                    value: y,
                    interval: Some((lo, hi)),
                });
            }
        }
        BarChart {
            title,
            y_label,
            bars,
            ..BarChart::default()
        }
        .into()
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
        let (lo, hi) = c.series[0].band.as_ref().unwrap();
        assert!((hi[0] - lo[0] - 2.0 * Z95 * 0.1).abs() < 1e-12);
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
        // Four points of se 0.1: the mean's se is 0.05.
        assert!((hi[0] - lo[0] - 2.0 * Z95 * 0.05).abs() < 1e-12);
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
        let axes = read_axes(&table);
        assert_eq!(design(&f, &table, &axes), Design::Grid);
        assert_eq!(design(&f, &table, &axes[..1]), Design::Grid);
        std::fs::write(f.path.join(POINTS), "point,x,y\n0,0,0\n1,1,1\n2,0,1\n").unwrap();
        let table = Table::read(&f.path.join(POINTS)).unwrap();
        let axes = read_axes(&table);
        assert_eq!(design(&f, &table, &axes), Design::Sampled);
    }
}
