//! The layout figures of a sweep that crosses differentiated with homogeneous regional
//! backing (docs/model.md M2.11): a grid whose axis `policy.layout_herding` takes the values 0
//! (each region backs its comparative advantage) and 1 (every region backs the most popular
//! sector), as `scenarios/sweeps/layout-grid.toml` does.
//!
//! The other axes cut the grid into cells, each holding one point per layout. In each cell,
//! replicate by replicate (the points share their random numbers), the figures take the
//! homogeneous layout minus the differentiated one, for the **duplicated sector**: the one
//! whose planned excess capacity homogeneous backing raises most (`idle_capacity` in
//! `summary.csv`, summed over the cells and steps 1 to T).
//!
//! - `layout-utilisation`: the change in its capacity utilisation (mean over steps 1 to T)
//!   against the rise in its planned excess capacity. M2.11 calls the fall robust.
//! - `layout-tfp-growth`: the change in its TFP growth (`tfp` at step T minus step 0, over
//!   T, in percentage points a year) against the first-order sign formula of M2.11
//!   ([`duplication_effort_gap`]). The formula needs the sector's backed output share `bs`
//!   under the differentiated layout; it is read off the runs as the ratio of the planned
//!   excess under the two layouts (when plans bind the excess is `bs b_c` against `b_c`).
//!   The shaded quadrants are where the measured effect has the formula's sign.
//!
//! Each cell is drawn with its 95 % t interval (n - 1 degrees of freedom) of the n paired
//! differences. A sweep without `trajectories.csv`, without capacity (no `idle_capacity`) or
//! where no sector's excess rises gets no layout figures.

use std::collections::BTreeMap;
use std::path::Path;

use super::sweep::{POINTS, SUMMARY, TRAJECTORIES, t_interval};
use super::{Figure, Folder};
use crate::error::Error;
use crate::model::levers::Levers;
use crate::model::params::ModelParams;
use crate::model::regions::duplication_effort_gap;
use crate::output::table::Table;
use crate::plot::{Chart, Points, ScatterChart, Span};

/// The lever whose values 0 and 1 are the two layouts.
pub const HERDING: &str = "policy.layout_herding";
/// The lever that scales backing's R&D and capacity.
const BACKING: &str = "policy.backing";
/// The model parameters of the sign formula, as sweep paths.
const PRICE_PRESSURE: &str = "model.price_pressure";
const BACKING_CAPACITY: &str = "model.backing_capacity";
const BACKING_RD: &str = "model.backing_rd";
/// Marker radius, pixels.
const RADIUS: f64 = 4.0;
/// Percentage points per unit.
const PERCENT: f64 = 100.0;
/// Room left beside the outermost markers, a share of the data's range.
const MARGIN: f64 = 0.05;

/// The sign formula's inputs at one cell: the axis value where the parameter is an axis,
/// else the base scenario's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Inputs {
    /// `model.price_pressure`.
    pub price_pressure: f64,
    /// `model.backing_capacity`.
    pub backing_capacity: f64,
    /// `model.backing_rd`.
    pub backing_rd: f64,
    /// `policy.backing`.
    pub backing: f64,
}

/// One cell of the grid: the rows of `points.csv` of its two layouts.
struct Cell {
    inputs: Inputs,
    differentiated: usize,
    homogeneous: usize,
}

/// What one run (point, replicate) gives for the duplicated sector.
#[derive(Clone, Copy, Default)]
struct RunValues {
    utilisation: f64,
    excess: f64,
    steps: f64,
    tfp_first: Option<f64>,
    tfp_last: Option<(f64, f64)>,
}

impl RunValues {
    /// Mean utilisation and excess over steps 1 to T, TFP growth in pp a year, and T.
    fn finish(&self) -> Option<(f64, f64, f64, f64)> {
        let (first, (last_step, last)) = (self.tfp_first?, self.tfp_last?);
        (self.steps > 0.0 && last_step > 0.0).then(|| {
            (
                self.utilisation / self.steps,
                self.excess / self.steps,
                PERCENT * (last - first) / last_step,
                last_step,
            )
        })
    }
}

/// The measured effects of one cell on the duplicated sector, homogeneous minus
/// differentiated layout.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    /// The cell's inputs to the sign formula.
    pub inputs: Inputs,
    /// Rise in planned excess capacity, mean over steps 1 to T and replicates.
    pub excess_rise: f64,
    /// Change in utilisation, mean over steps 1 to T: mean, and the 95 % t interval.
    pub utilisation: (f64, f64, f64),
    /// Change in TFP growth, pp a year: mean, and the 95 % t interval.
    pub growth: (f64, f64, f64),
    /// The sign formula ([`duplication_effort_gap`]), log points of R&D effort.
    pub formula: f64,
    /// Paired replicates.
    pub n: usize,
    /// The last step, T.
    pub last_step: f64,
}

/// The duplicated sector and the effects of each cell of the layout sweep in `folder`, in
/// the order of the cells' first points; `None` when it is not a layout sweep (see the
/// module's documentation).
pub fn effects_of(folder: &Folder) -> Result<Option<(String, Vec<Effect>)>, Error> {
    let Some(manifest) = folder.manifest.as_ref() else {
        return Ok(None);
    };
    if manifest.get("design").and_then(|d| d.as_str()) != Some("grid") {
        return Ok(None);
    }
    // Column of points.csv -> field path, from the plan's [[axis]] tables.
    let mut path_of: BTreeMap<String, String> = BTreeMap::new();
    for a in manifest
        .get("plan")
        .and_then(|p| p.get("axis")?.as_array())
        .into_iter()
        .flatten()
    {
        if let Some(path) = a.get("path").and_then(|p| p.as_str()) {
            let column = a.get("name").and_then(|n| n.as_str()).unwrap_or(path);
            path_of.insert(column.to_string(), path.to_string());
        }
    }
    let Some(herding) = path_of
        .iter()
        .find(|(_, p)| p.as_str() == HERDING)
        .map(|(c, _)| c.clone())
    else {
        return Ok(None);
    };
    let trajectories = folder.path.join(TRAJECTORIES);
    if !trajectories.is_file() {
        return Ok(None);
    }
    let points = Table::read(&folder.path.join(POINTS))?;
    let Some(cells) = cells(&points, &herding, &path_of, manifest)? else {
        return Ok(None);
    };
    let Some(sector) = duplicated_sector(&folder.path.join(SUMMARY), &cells, &points)? else {
        return Ok(None);
    };
    let effects = effects(
        &Table::read_where(&trajectories, "sector", |s| s == sector)?,
        &points,
        &cells,
    )?;
    Ok((!effects.is_empty()).then_some((sector, effects)))
}

/// The layout figures of the sweep in `folder`, or none when it is not a layout sweep (see
/// the module's documentation).
pub fn figures(folder: &Folder) -> Result<Vec<Figure>, Error> {
    let Some((sector, effects)) = effects_of(folder)? else {
        return Ok(Vec::new());
    };
    Ok(vec![
        Figure {
            name: "layout-utilisation".into(),
            chart: utilisation_chart(&folder.name, &sector, &effects),
        },
        Figure {
            name: "layout-tfp-growth".into(),
            chart: growth_chart(&folder.name, &sector, &effects),
        },
    ])
}

/// The cells of the grid, each with its two layouts and the formula's inputs, in the order of
/// their first point; `None` when the herding axis is not exactly {0, 1}.
fn cells(
    points: &Table,
    herding: &str,
    path_of: &BTreeMap<String, String>,
    manifest: &serde_json::Value,
) -> Result<Option<Vec<Cell>>, Error> {
    let layout = points.numbers(herding)?;
    if layout.iter().any(|&h| h != 0.0 && h != 1.0)
        || !layout.contains(&0.0)
        || !layout.contains(&1.0)
    {
        return Ok(None);
    }
    let others: Vec<&String> = points
        .columns()
        .iter()
        .filter(|c| *c != "point" && c.as_str() != herding)
        .collect();
    let base = |path: &str| -> f64 {
        let field = path.split('.').nth(1).unwrap_or_default();
        let written = manifest
            .get("base_scenario")
            .and_then(|s| s.get(path.split('.').next()?)?.get(field)?.as_f64());
        written.unwrap_or_else(|| {
            if path == BACKING {
                Levers::defaults(0, 0).backing
            } else {
                ModelParams::INFO
                    .iter()
                    .position(|p| p.name == field)
                    .map_or(f64::NAN, |i| ModelParams::default().values()[i])
            }
        })
    };
    let input = |path: &str, row: usize| -> Result<f64, Error> {
        match path_of.iter().find(|(_, p)| p.as_str() == path) {
            Some((column, _)) => Ok(points.numbers(column)?[row]),
            None => Ok(base(path)),
        }
    };
    let mut keyed: Vec<(Vec<&str>, Option<usize>, Option<usize>)> = Vec::new();
    for (row, &h) in layout.iter().enumerate() {
        let key: Vec<&str> = others
            .iter()
            .map(|c| points.text(row, points.column(c).expect("a column of the table")))
            .collect();
        let at = match keyed.iter().position(|k| k.0 == key) {
            Some(at) => at,
            None => {
                keyed.push((key, None, None));
                keyed.len() - 1
            }
        };
        if h == 0.0 {
            keyed[at].1 = Some(row);
        } else {
            keyed[at].2 = Some(row);
        }
    }
    let mut cells = Vec::new();
    for (_, differentiated, homogeneous) in keyed {
        let (Some(differentiated), Some(homogeneous)) = (differentiated, homogeneous) else {
            continue;
        };
        let row = differentiated;
        cells.push(Cell {
            inputs: Inputs {
                price_pressure: input(PRICE_PRESSURE, row)?,
                backing_capacity: input(BACKING_CAPACITY, row)?,
                backing_rd: input(BACKING_RD, row)?,
                backing: input(BACKING, row)?,
            },
            differentiated,
            homogeneous,
        });
    }
    Ok((!cells.is_empty()).then_some(cells))
}

/// The sector whose mean planned excess capacity over steps 1 to T homogeneous backing
/// raises most, summed over the cells; `None` without `idle_capacity` or without a rise.
fn duplicated_sector(
    summary: &Path,
    cells: &[Cell],
    points: &Table,
) -> Result<Option<String>, Error> {
    let table = Table::read_where(summary, "metric", |m| m == "idle_capacity")?;
    if table.is_empty() {
        return Ok(None);
    }
    let ids = points.numbers("point")?;
    let row_of: BTreeMap<u64, usize> = ids
        .iter()
        .enumerate()
        .map(|(r, &p)| (p as u64, r))
        .collect();
    let mut sign = vec![0.0; ids.len()];
    for c in cells {
        sign[c.homogeneous] = 1.0;
        sign[c.differentiated] = -1.0;
    }
    let (point, step, sector, mean) = (
        table.numbers("point")?,
        table.numbers("step")?,
        table.texts("sector")?,
        table.numbers("mean")?,
    );
    let mut rise: BTreeMap<&str, f64> = BTreeMap::new();
    for r in 0..table.len() {
        let Some(&row) = row_of.get(&(point[r] as u64)) else {
            continue;
        };
        if sector[r] != "all" && step[r] >= 1.0 && mean[r].is_finite() {
            *rise.entry(sector[r]).or_default() += sign[row] * mean[r];
        }
    }
    Ok(rise
        .into_iter()
        .filter(|(_, r)| *r > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(s, _)| s.to_string()))
}

/// The paired effects of each cell, from the duplicated sector's rows of `trajectories.csv`.
fn effects(rows: &Table, points: &Table, cells: &[Cell]) -> Result<Vec<Effect>, Error> {
    let ids = points.numbers("point")?;
    let row_of: BTreeMap<u64, usize> = ids
        .iter()
        .enumerate()
        .map(|(r, &p)| (p as u64, r))
        .collect();
    let (point, replicate, step) = (
        rows.numbers("point")?,
        rows.numbers("replicate")?,
        rows.numbers("step")?,
    );
    let (utilisation, excess, tfp) = (
        rows.numbers("capacity_utilisation")?,
        rows.numbers("idle_capacity")?,
        rows.numbers("tfp")?,
    );
    // (row of points.csv, replicate) -> what the run gives.
    let mut runs: BTreeMap<(usize, u64), RunValues> = BTreeMap::new();
    for r in 0..rows.len() {
        let Some(&row) = row_of.get(&(point[r] as u64)) else {
            continue;
        };
        let run = runs.entry((row, replicate[r] as u64)).or_default();
        if step[r] == 0.0 {
            run.tfp_first = Some(tfp[r]);
        } else {
            run.utilisation += utilisation[r];
            run.excess += excess[r];
            run.steps += 1.0;
        }
        if run.tfp_last.is_none_or(|(s, _)| step[r] > s) {
            run.tfp_last = Some((step[r], tfp[r]));
        }
    }
    let mut effects = Vec::new();
    for cell in cells {
        let (mut du, mut dg, mut xd, mut xh) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut last_step = 0.0_f64;
        for (&(row, rep), run) in runs.range((cell.homogeneous, 0)..=(cell.homogeneous, u64::MAX)) {
            let (Some(h), Some(d)) = (
                run.finish(),
                runs.get(&(cell.differentiated, rep))
                    .and_then(RunValues::finish),
            ) else {
                continue;
            };
            debug_assert_eq!(row, cell.homogeneous);
            du.push(h.0 - d.0);
            dg.push(h.2 - d.2);
            xh.push(h.1);
            xd.push(d.1);
            last_step = last_step.max(h.3);
        }
        if du.len() < 2 {
            continue;
        }
        let (x_h, x_d) = (crate::stats::mean(xh), crate::stats::mean(xd));
        let i = cell.inputs;
        let formula = duplication_effort_gap(
            i.backing * i.backing_rd,
            i.backing * i.backing_capacity,
            x_d / x_h,
            i.price_pressure,
        );
        let (utilisation, growth) = (t_interval(&du), t_interval(&dg));
        if [x_h, x_d, formula, utilisation.0, growth.0]
            .iter()
            .all(|v| v.is_finite())
        {
            effects.push(Effect {
                inputs: i,
                excess_rise: x_h - x_d,
                utilisation,
                growth,
                formula,
                n: du.len(),
                last_step,
            });
        }
    }
    Ok(effects)
}

/// One marker series per distinct value of `key` (in increasing order), labelled, over grey
/// whiskers from each effect's lower to upper bound.
fn markers(
    effects: &[Effect],
    x: impl Fn(&Effect) -> f64,
    y: impl Fn(&Effect) -> (f64, f64, f64),
    key: impl Fn(&Inputs) -> f64,
    label: &str,
) -> Vec<Points> {
    let mut series: Vec<Points> = effects
        .iter()
        .filter(|e| y(e).1.is_finite() && y(e).2.is_finite())
        .map(|e| Points {
            label: String::new(),
            x: vec![x(e); 2],
            y: vec![y(e).1, y(e).2],
            colour: None,
            radius: 0.0,
            joined: true,
        })
        .collect();
    let mut values: Vec<f64> = effects.iter().map(|e| key(&e.inputs)).collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    for (c, v) in values.iter().enumerate() {
        let mine: Vec<&Effect> = effects.iter().filter(|e| key(&e.inputs) == *v).collect();
        series.push(Points {
            label: format!("{label} = {v}"),
            x: mine.iter().map(|e| x(e)).collect(),
            y: mine.iter().map(|e| y(e).0).collect(),
            colour: Some(c),
            radius: RADIUS,
            joined: false,
        });
    }
    series
}

/// How many replicates the cells paired: `20 replicates` or `18 to 20 replicates`.
fn replicates(effects: &[Effect]) -> String {
    let (lo, hi) = effects
        .iter()
        .fold((usize::MAX, 0), |(lo, hi), e| (lo.min(e.n), hi.max(e.n)));
    if lo == hi {
        format!("{hi} replicates")
    } else {
        format!("{lo} to {hi} replicates")
    }
}

/// The range of `values` with a margin of [`MARGIN`] of its width on each side, and 0 in it.
fn padded(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let margin = MARGIN * (hi - lo);
    (hi > lo).then_some((lo - margin, hi + margin))
}

/// `layout-utilisation`.
fn utilisation_chart(plan: &str, sector: &str, effects: &[Effect]) -> Chart {
    let lower = effects.iter().filter(|e| e.utilisation.0 < 0.0).count();
    Chart::Scatter(ScatterChart {
        title: format!("{plan}: duplicating {sector} lowers its capacity utilisation"),
        subtitle: format!(
            "homogeneous - differentiated, mean over steps 1-{}, {} paired, 95 % t \
             intervals; lower in {lower} of {} cells",
            effects[0].last_step,
            replicates(effects),
            effects.len()
        ),
        x_label: "rise in planned excess capacity (share of planned output)".into(),
        y_label: "change in capacity utilisation (output / capacity)".into(),
        series: markers(
            effects,
            |e| e.excess_rise,
            |e| e.utilisation,
            |i| i.backing_capacity,
            "backing_capacity",
        ),
        x_range: padded(effects.iter().map(|e| e.excess_rise)),
        y_range: padded(
            effects
                .iter()
                .flat_map(|e| [e.utilisation.1, e.utilisation.2]),
        ),
        reference_y: Some(0.0),
        ..ScatterChart::default()
    })
}

/// `layout-tfp-growth`.
fn growth_chart(plan: &str, sector: &str, effects: &[Effect]) -> Chart {
    let agree = |e: &Effect| e.growth.0.signum() == e.formula.signum();
    let same = effects.iter().filter(|e| agree(e)).count();
    let clear: Vec<&Effect> = effects
        .iter()
        .filter(|e| e.growth.1 > 0.0 || e.growth.2 < 0.0)
        .collect();
    let clear_same = clear.iter().filter(|e| agree(e)).count();
    let quadrant = |label: &str, x: (f64, f64), y: (f64, f64)| Span {
        label: label.into(),
        x,
        y,
        colour: None,
        filled: true,
    };
    Chart::Scatter(ScatterChart {
        title: format!("{plan}: duplicating {sector}, its TFP growth against the sign formula"),
        subtitle: format!(
            "homogeneous - differentiated, steps 0-{}, {} paired, 95 % t intervals; the \
             formula's sign in {same} of {} cells, {clear_same} of the {} significant",
            effects[0].last_step,
            replicates(effects),
            effects.len(),
            clear.len()
        ),
        x_label:
            "sign formula: ln((1 + b_rd)/(1 + bs b_rd)) - price_pressure ln((1 + b_c)/(1 + bs b_c))"
                .into(),
        y_label: "change in TFP growth (percentage points a year)".into(),
        series: markers(
            effects,
            |e| e.formula,
            |e| e.growth,
            |i| i.price_pressure,
            "price_pressure",
        ),
        x_range: padded(effects.iter().map(|e| e.formula)),
        y_range: padded(effects.iter().flat_map(|e| [e.growth.1, e.growth.2])),
        spans: vec![
            quadrant(
                "the formula's sign",
                (0.0, f64::INFINITY),
                (0.0, f64::INFINITY),
            ),
            quadrant("", (f64::NEG_INFINITY, 0.0), (f64::NEG_INFINITY, 0.0)),
        ],
        reference_y: Some(0.0),
        ..ScatterChart::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::figures::{Kind, detect};

    /// A layout sweep over price pressure {1, 4} x herding {0, 1}, 3 replicates, two steps,
    /// sector `dup` (excess 0.05 differentiated, 0.2 homogeneous) and `other` (0.1 both);
    /// homogeneous backing changes `dup`'s utilisation by `du` and its TFP at step 2 by
    /// `dtfp(price_pressure)`, plus a little noise per replicate.
    fn layout_sweep(dir: &Path, du: f64, dtfp: impl Fn(f64) -> f64) -> Folder {
        std::fs::write(
            dir.join(POINTS),
            "point,model.price_pressure,policy.layout_herding\n0,1,0\n1,1,1\n2,4,0\n3,4,1\n",
        )
        .unwrap();
        let mut summary =
            String::from("point,step,year,sector,tier,metric,n,mean,sd,se,p05,p50,p95\n");
        let mut traj =
            String::from("point,replicate,step,sector,capacity_utilisation,idle_capacity,tfp\n");
        for (p, pp, h) in [(0, 1.0, 0.0), (1, 1.0, 1.0), (2, 4.0, 0.0), (3, 4.0, 1.0)] {
            for step in 0..=2 {
                for (sector, x) in [("dup", 0.05 + 0.15 * h), ("other", 0.1)] {
                    summary.push_str(&format!(
                        "{p},{step},{},{sector},e,idle_capacity,3,{x},0,0,{x},{x},{x}\n",
                        2024 + step
                    ));
                    for r in 0..3 {
                        let noise = 0.001 * f64::from(r);
                        let u = 0.8 + if sector == "dup" { du * h } else { 0.0 } + noise;
                        let tfp = f64::from(step) * 0.02
                            + if step == 2 && sector == "dup" {
                                dtfp(pp) * h
                            } else {
                                0.0
                            }
                            + noise * f64::from(step);
                        traj.push_str(&format!("{p},{r},{step},{sector},{u},{x},{tfp}\n"));
                    }
                }
            }
        }
        std::fs::write(dir.join(SUMMARY), summary).unwrap();
        std::fs::write(dir.join(TRAJECTORIES), traj).unwrap();
        std::fs::write(
            dir.join("manifest.json"),
            r#"{"command": "sweep", "plan_name": "layout", "design": "grid",
                "plan": {"axis": [{"path": "model.price_pressure"}, {"path": "policy.layout_herding"}]},
                "base_scenario": {"model": {"backing_capacity": 0.2, "backing_rd": 0.5}, "policy": {"backing": 1.0}}}"#,
        )
        .unwrap();
        let f = detect(dir).unwrap();
        assert_eq!(f.kind, Kind::Sweep);
        f
    }

    fn scatter(figure: &Figure) -> &ScatterChart {
        match &figure.chart {
            Chart::Scatter(s) => s,
            other => panic!("a scatter, not {other:?}"),
        }
    }

    /// The markers of a chart: the series with a colour, in order.
    fn marked(chart: &ScatterChart) -> Vec<&Points> {
        chart.series.iter().filter(|s| s.colour.is_some()).collect()
    }

    #[test]
    fn each_cell_is_the_homogeneous_layout_minus_the_differentiated_one_for_the_duplicated_sector()
    {
        let dir = tempfile::tempdir().unwrap();
        let folder = layout_sweep(dir.path(), -0.1, |pp| if pp > 2.0 { -0.02 } else { 0.01 });
        let figures = figures(&folder).unwrap();
        let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["layout-utilisation", "layout-tfp-growth"]);

        let u = scatter(&figures[0]);
        assert!(u.title.contains("dup"), "{}", u.title);
        assert!(
            u.subtitle.contains("lower in 2 of 2 cells"),
            "{}",
            u.subtitle
        );
        let all: Vec<f64> = marked(u).iter().flat_map(|s| s.y.clone()).collect();
        assert!(all.iter().all(|&d| (d + 0.1).abs() < 1e-9), "{all:?}");
        // x: the rise in planned excess, 0.2 - 0.05.
        assert!(
            marked(u)
                .iter()
                .flat_map(|s| s.x.clone())
                .all(|x| (x - 0.15).abs() < 1e-9)
        );

        // Growth over 2 steps in pp a year: 100 * dtfp / 2; bs = 0.05 / 0.2 = 0.25.
        let g = scatter(&figures[1]);
        let by_pp: Vec<(&str, f64, f64)> = marked(g)
            .iter()
            .map(|s| (s.label.as_str(), s.x[0], s.y[0]))
            .collect();
        let formula = |pp| duplication_effort_gap(0.5, 0.2, 0.25, pp);
        assert_eq!(by_pp[0].0, "price_pressure = 1");
        assert!((by_pp[0].1 - formula(1.0)).abs() < 1e-12 && by_pp[0].1 > 0.0);
        assert!((by_pp[0].2 - 0.5).abs() < 1e-9, "{by_pp:?}");
        assert_eq!(by_pp[1].0, "price_pressure = 4");
        assert!((by_pp[1].1 - formula(4.0)).abs() < 1e-12 && by_pp[1].1 < 0.0);
        assert!((by_pp[1].2 + 1.0).abs() < 1e-9, "{by_pp:?}");
        assert!(
            g.subtitle.contains("the formula's sign in 2 of 2 cells"),
            "{}",
            g.subtitle
        );
    }

    #[test]
    fn a_cell_against_the_formula_is_counted_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let folder = layout_sweep(dir.path(), -0.1, |_| 0.01);
        let figures = figures(&folder).unwrap();
        let g = scatter(&figures[1]);
        assert!(
            g.subtitle.contains("the formula's sign in 1 of 2 cells"),
            "{}",
            g.subtitle
        );
    }

    #[test]
    fn a_sweep_without_the_two_layouts_or_without_trajectories_has_no_layout_figures() {
        let dir = tempfile::tempdir().unwrap();
        let folder = layout_sweep(dir.path(), -0.1, |_| 0.0);
        std::fs::remove_file(dir.path().join(TRAJECTORIES)).unwrap();
        assert!(figures(&folder).unwrap().is_empty());

        let dir = tempfile::tempdir().unwrap();
        let folder = layout_sweep(dir.path(), -0.1, |_| 0.0);
        let points =
            "point,model.price_pressure,policy.layout_herding\n0,1,0\n1,1,0.5\n2,4,0\n3,4,0.5\n";
        std::fs::write(dir.path().join(POINTS), points).unwrap();
        assert!(figures(&folder).unwrap().is_empty());
    }
}
