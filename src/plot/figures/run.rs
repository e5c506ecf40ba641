//! The figures of a run's `trajectories.csv`: TFP index, output shares, digital and green
//! diffusion, emissions, over the years.
//!
//! Each line is the median over replicates, with the band between the 5th and 95th
//! percentiles (type 7). With more than [`MAX_SECTOR_LINES`] sectors (the 20 of
//! `china-industries`) the lines are tiers, aggregated replicate by replicate as `all` is
//! aggregated from sectors (README, "Output"): a tier's TFP is the output-weighted mean of
//! its sectors' log TFP, indexed to its value at step 0; its output share and emissions are
//! sums; its digital and green levels are firm-weighted means.
//!
//! With model 2's regions, `regions.csv` adds two figures: each region's TFP index (the
//! region's output-weighted mean log TFP, indexed to step 0) and the regions' output shares.

use super::{Figure, Folder, MAX_SECTOR_LINES, distinct, quantile, sector_text};
use crate::error::Error;
use crate::output::table::Table;
use crate::plot::{Chart, LineChart, Series, StackedArea};

/// The file the figures are drawn from.
pub const TRAJECTORIES: &str = "trajectories.csv";

/// The file of a run with model 2's regions: one row per (replicate, step, region).
pub const REGIONS: &str = "regions.csv";

/// The figures of the run in `folder`: `tfp_index`, `output_shares`, `digital`, `green`,
/// `emissions`, and where the run wrote `regions.csv`, `regions_tfp_index` and
/// `regions_output_shares`.
pub fn figures(folder: &Folder) -> Result<Vec<Figure>, Error> {
    let mut figures = sector_figures(folder)?;
    let regions = folder.path.join(REGIONS);
    if regions.is_file() {
        figures.extend(region_figures(folder, &Table::read(&regions)?)?);
    }
    Ok(figures)
}

/// The figures of `trajectories.csv`, by sector (or tier).
fn sector_figures(folder: &Folder) -> Result<Vec<Figure>, Error> {
    let table = Table::read(&folder.path.join(TRAJECTORIES))?;
    let runs = Runs::new(&table, "sector")?;
    let by_tier = runs.sectors.len() > MAX_SECTOR_LINES;
    let groups = runs.groups(by_tier);
    // The legend gives each tier's number of sectors.
    let by = if by_tier { "by tier" } else { "by sector" };
    let of = |what: &str| {
        format!(
            "{}: {what} {by} (median and p05-p95 of {})",
            folder.name,
            replicates(runs.replicates.len())
        )
    };
    let lines = |what: &str, y_label: &str, reference: Option<f64>, value: &Value| {
        let series = groups
            .iter()
            .chain(std::iter::once(&Group::All))
            .map(|g| runs.series(g, value))
            .collect();
        Chart::Line(LineChart {
            title: of(what),
            x_label: "year".into(),
            y_label: y_label.into(),
            series,
            reference_y: reference,
            ..LineChart::default()
        })
    };
    let tfp = Value::Tfp {
        index: Some(table.numbers("tfp_index")?),
        log: table.numbers("tfp")?,
        output: table.numbers("output")?,
    };
    let share = Value::Sum(table.numbers("output_share")?);
    let firms = table.numbers("firms")?;
    let digital = Value::FirmMean(table.numbers("digital_mean")?, firms.clone());
    let green = Value::FirmMean(table.numbers("green_mean")?, firms);
    let emissions = Value::Sum(table.numbers("emissions")?);

    Ok(vec![
        Figure {
            name: "tfp_index".into(),
            chart: lines("TFP index", "TFP index (step 0 = 1)", Some(1.0), &tfp),
        },
        Figure {
            name: "output_shares".into(),
            chart: runs.shares(
                &groups,
                &share,
                &folder.name,
                if by_tier { "tier" } else { "sector" },
            ),
        },
        Figure {
            name: "digital".into(),
            chart: lines(
                "mean digital level",
                "mean digital level (0-1)",
                None,
                &digital,
            ),
        },
        Figure {
            name: "green".into(),
            chart: lines("mean green level", "mean green level (0-1)", None, &green),
        },
        Figure {
            name: "emissions".into(),
            chart: lines("emissions", "emissions (emission units)", None, &emissions),
        },
    ])
}

/// Model 2 (regions): the figures of `regions.csv`, a line or layer per region.
fn region_figures(folder: &Folder, table: &Table) -> Result<Vec<Figure>, Error> {
    let runs = Runs::new(table, "region")?;
    let groups = runs.groups(false);
    let tfp = Value::Tfp {
        index: None,
        log: table.numbers("tfp")?,
        output: table.numbers("output")?,
    };
    let share = Value::Sum(table.numbers("output_share")?);
    let series = groups.iter().map(|g| runs.series(g, &tfp)).collect();
    Ok(vec![
        Figure {
            name: "regions_tfp_index".into(),
            chart: Chart::Line(LineChart {
                title: format!(
                    "{}: TFP index by region (median and p05-p95 of {})",
                    folder.name,
                    replicates(runs.replicates.len())
                ),
                x_label: "year".into(),
                y_label: "TFP index (step 0 = 1)".into(),
                series,
                reference_y: Some(1.0),
                ..LineChart::default()
            }),
        },
        Figure {
            name: "regions_output_shares".into(),
            chart: runs.shares(&groups, &share, &folder.name, "region"),
        },
    ])
}

/// `20 replicates`, `1 replicate`.
fn replicates(n: usize) -> String {
    format!("{n} replicate{}", if n == 1 { "" } else { "s" })
}

/// What a line shows, from whole columns of the table; how sectors add up to a tier.
enum Value {
    /// `tfp_index` of a sector or `all` (from `tfp`, log, where the file has no index); a
    /// tier's from `tfp` weighted by `output`.
    Tfp {
        index: Option<Vec<f64>>,
        log: Vec<f64>,
        output: Vec<f64>,
    },
    /// A sector's value; a tier's is the sum.
    Sum(Vec<f64>),
    /// A sector's value (first); a tier's is the mean weighted by firms (second).
    FirmMean(Vec<f64>, Vec<f64>),
}

/// A line: a sector (or region), a tier (its sectors' indices) or the whole economy.
enum Group {
    Sector(usize),
    Tier(String, Vec<usize>),
    All,
}

/// The rows of `trajectories.csv` indexed by (replicate, step, sector), or of `regions.csv`
/// by (replicate, step, region).
struct Runs {
    replicates: Vec<u32>,
    steps: Vec<u32>,
    /// The year of each step.
    years: Vec<f64>,
    /// Sectors (or regions) in file order, with their tiers (`all` is index `sectors.len()`;
    /// regions have neither).
    sectors: Vec<(String, String)>,
    /// Row of (replicate, step, sector), replicate-major.
    row: Vec<Option<usize>>,
}

impl Runs {
    /// The rows of `table` by replicate, step and its column `key`, `sector` or `region`.
    fn new(table: &Table, key: &str) -> Result<Runs, Error> {
        let bad = |reason: String| Error::Results {
            path: table.path().to_path_buf(),
            reason,
        };
        if table.is_empty() {
            return Err(bad("holds no rows".into()));
        }
        let whole = |name: &str| -> Result<Vec<u32>, Error> {
            table
                .numbers(name)?
                .into_iter()
                .enumerate()
                .map(|(r, v)| {
                    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) {
                        Ok(v as u32)
                    } else {
                        Err(bad(format!(
                            "line {}: `{name}` must be a whole number, not `{v}`",
                            r + 2
                        )))
                    }
                })
                .collect()
        };
        let replicate = whole("replicate")?;
        let step = whole("step")?;
        let year = table.numbers("year")?;
        let sector = table.texts(key)?;
        let tier = if key == "sector" {
            table.texts("tier")?
        } else {
            vec![""; table.len()]
        };

        let mut replicates = replicate.clone();
        replicates.sort_unstable();
        replicates.dedup();
        let mut steps = step.clone();
        steps.sort_unstable();
        steps.dedup();
        let sectors: Vec<(String, String)> = distinct(
            sector
                .iter()
                .copied()
                .filter(|s| *s != "all")
                .collect::<Vec<_>>(),
        )
        .into_iter()
        .map(|s| {
            let t = sector
                .iter()
                .position(|x| *x == s)
                .map_or("", |r| tier[r])
                .to_string();
            (s, t)
        })
        .collect();
        let (n_s, n_j) = (steps.len(), sectors.len() + 1);
        let mut row = vec![None; replicates.len() * n_s * n_j];
        let mut years = vec![f64::NAN; n_s];
        for r in 0..table.len() {
            let i = replicates
                .binary_search(&replicate[r])
                .expect("listed above");
            let s = steps.binary_search(&step[r]).expect("listed above");
            let j = if sector[r] == "all" {
                sectors.len()
            } else {
                sectors
                    .iter()
                    .position(|(name, _)| name == sector[r])
                    .expect("listed above")
            };
            let at = &mut row[(i * n_s + s) * n_j + j];
            if at.is_some() {
                return Err(bad(format!(
                    "line {}: a second row for replicate {}, step {}, {key} `{}`",
                    r + 2,
                    replicate[r],
                    step[r],
                    sector[r]
                )));
            }
            *at = Some(r);
            if years[s].is_nan() {
                years[s] = year[r];
            }
        }
        Ok(Runs {
            replicates,
            steps,
            years,
            sectors,
            row,
        })
    }

    /// The value of `column` at (replicate `i`, step `s`, sector `j`); NaN where missing.
    fn at(&self, column: &[f64], i: usize, s: usize, j: usize) -> f64 {
        let n_j = self.sectors.len() + 1;
        self.row[(i * self.steps.len() + s) * n_j + j].map_or(f64::NAN, |r| column[r])
    }

    /// Sectors, or tiers in order of first appearance.
    fn groups(&self, by_tier: bool) -> Vec<Group> {
        if !by_tier {
            return (0..self.sectors.len()).map(Group::Sector).collect();
        }
        distinct(self.sectors.iter().map(|(_, t)| t.as_str()))
            .into_iter()
            .map(|tier| {
                let members = (0..self.sectors.len())
                    .filter(|&j| self.sectors[j].1 == tier)
                    .collect();
                Group::Tier(tier, members)
            })
            .collect()
    }

    fn label(&self, group: &Group) -> String {
        match group {
            Group::Sector(j) => self.sectors[*j].0.clone(),
            Group::Tier(tier, members) => format!(
                "{tier} ({} sector{})",
                members.len(),
                if members.len() == 1 { "" } else { "s" }
            ),
            Group::All => sector_text("all"),
        }
    }

    /// The value of `group` in replicate `i` at step `s`.
    fn value(&self, group: &Group, value: &Value, i: usize, s: usize) -> f64 {
        let all = self.sectors.len();
        let members = match group {
            Group::Sector(j) => return self.own(value, i, s, *j),
            Group::All => return self.own(value, i, s, all),
            Group::Tier(_, members) => members,
        };
        match value {
            Value::Tfp { log, output, .. } => {
                let weighted = |s: usize| {
                    let (mut sum, mut weight) = (0.0, 0.0);
                    for &j in members {
                        let (y, phi) = (self.at(output, i, s, j), self.at(log, i, s, j));
                        if y > 0.0 && phi.is_finite() {
                            sum += y * phi;
                            weight += y;
                        }
                    }
                    if weight > 0.0 { sum / weight } else { f64::NAN }
                };
                (weighted(s) - weighted(0)).exp()
            }
            Value::Sum(v) => {
                let parts: Vec<f64> = members
                    .iter()
                    .map(|&j| self.at(v, i, s, j))
                    .filter(|x| x.is_finite())
                    .collect();
                if parts.is_empty() {
                    f64::NAN
                } else {
                    parts.iter().sum()
                }
            }
            Value::FirmMean(v, firms) => {
                let (mut sum, mut weight) = (0.0, 0.0);
                for &j in members {
                    let (n, x) = (self.at(firms, i, s, j), self.at(v, i, s, j));
                    if n > 0.0 && x.is_finite() {
                        sum += n * x;
                        weight += n;
                    }
                }
                if weight > 0.0 { sum / weight } else { f64::NAN }
            }
        }
    }

    /// The value of sector (or region) `j`, or of `all`, as its rows give it.
    fn own(&self, value: &Value, i: usize, s: usize, j: usize) -> f64 {
        match value {
            Value::Tfp {
                index: Some(index), ..
            } => self.at(index, i, s, j),
            Value::Tfp {
                index: None, log, ..
            } => (self.at(log, i, s, j) - self.at(log, i, 0, j)).exp(),
            Value::Sum(v) | Value::FirmMean(v, _) => self.at(v, i, s, j),
        }
    }

    /// The values of `group` at step `s`, one per replicate.
    fn across_replicates(&self, group: &Group, value: &Value, s: usize) -> Vec<f64> {
        (0..self.replicates.len())
            .map(|i| self.value(group, value, i, s))
            .collect()
    }

    /// The median over replicates with the p05-p95 band, over the years.
    fn series(&self, group: &Group, value: &Value) -> Series {
        let (mut y, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new());
        for s in 0..self.steps.len() {
            let v = self.across_replicates(group, value, s);
            y.push(quantile(&v, 0.5));
            lo.push(quantile(&v, 0.05));
            hi.push(quantile(&v, 0.95));
        }
        Series {
            label: self.label(group),
            x: self.years.clone(),
            y,
            band: Some((lo, hi)),
        }
    }

    /// Output shares stacked: the median share of each group, scaled to sum to 1 each year
    /// (medians need not add up); `by` names the groups (`sector`, `tier`, `region`).
    fn shares(&self, groups: &[Group], share: &Value, name: &str, by: &str) -> Chart {
        let mut layers: Vec<(String, Vec<f64>)> = groups
            .iter()
            .map(|g| {
                let y = (0..self.steps.len())
                    .map(|s| quantile(&self.across_replicates(g, share, s), 0.5))
                    .collect();
                (self.label(g), y)
            })
            .collect();
        for s in 0..self.steps.len() {
            let total: f64 = layers.iter().map(|(_, y)| y[s]).sum();
            for (_, y) in &mut layers {
                y[s] = if total > 0.0 { y[s] / total } else { f64::NAN };
            }
        }
        StackedArea {
            title: format!(
                "{name}: output shares by {by} (median of {})",
                replicates(self.replicates.len())
            ),
            x_label: "year".into(),
            y_label: "share of output".into(),
            x: self.years.clone(),
            layers,
            ..StackedArea::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::figures::{Kind, detect};

    /// Two replicates, steps 0 and 1, sectors a, b (tier t1) and c (tier t2), and `all`.
    fn folder(dir: &std::path::Path) -> Folder {
        let mut csv = String::from(
            "scenario,point,replicate,seed,step,year,sector,tier,firms,output,output_share,tfp,tfp_index,digital_mean,green_mean,emissions\n",
        );
        for r in 0..2 {
            for step in 0..2 {
                let k = f64::from(step) * (1.0 + f64::from(r));
                for (sector, tier, firms, output, tfp) in [
                    ("a", "t1", 10.0, 0.5, 0.0 + 0.1 * k),
                    ("b", "t1", 30.0, 0.25, 0.2 + 0.3 * k),
                    ("c", "t2", 20.0, 0.25, 0.1),
                    ("all", "all", 60.0, 1.0, 0.0),
                ] {
                    let base = match sector {
                        "a" => 0.0,
                        "b" => 0.2,
                        _ => 0.1,
                    };
                    csv.push_str(&format!(
                        "s,0,{r},1,{step},{},{sector},{tier},{firms},{output},{output},{tfp},{},{},0.1,{}\n",
                        2025 + step,
                        (tfp - base).exp(),
                        0.1 * f64::from(step) + if sector == "b" { 0.4 } else { 0.0 },
                        output * 2.0,
                    ));
                }
            }
        }
        std::fs::write(dir.join(TRAJECTORIES), csv).unwrap();
        std::fs::write(
            dir.join("manifest.json"),
            r#"{"command": "run", "scenario_name": "s"}"#,
        )
        .unwrap();
        let f = detect(dir).unwrap();
        assert_eq!(f.kind, Kind::Run);
        f
    }

    #[test]
    fn tiers_aggregate_sectors_as_all_aggregates_them() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path());
        let table = Table::read(&f.path.join(TRAJECTORIES)).unwrap();
        let runs = Runs::new(&table, "sector").unwrap();
        assert_eq!(runs.years, [2025.0, 2026.0]);
        let groups = runs.groups(true);
        assert_eq!(groups.len(), 2);
        assert_eq!(runs.label(&groups[0]), "t1 (2 sectors)");
        let tfp = Value::Tfp {
            index: Some(table.numbers("tfp_index").unwrap()),
            log: table.numbers("tfp").unwrap(),
            output: table.numbers("output").unwrap(),
        };
        // Replicate 1: a's log TFP 0.0 then 0.2, b's 0.2 then 0.8, weights 0.5 and 0.25.
        let want = ((0.5 * 0.2 + 0.25 * 0.8 - 0.25 * 0.2) / 0.75_f64).exp();
        assert!((runs.value(&groups[0], &tfp, 1, 1) - want).abs() < 1e-12);
        // Firm-weighted digital level: (10 x 0.1 + 30 x 0.5) / 40.
        let digital = Value::FirmMean(
            table.numbers("digital_mean").unwrap(),
            table.numbers("firms").unwrap(),
        );
        assert!((runs.value(&groups[0], &digital, 0, 1) - 16.0 / 40.0).abs() < 1e-12);
        let share = Value::Sum(table.numbers("output_share").unwrap());
        assert_eq!(runs.value(&groups[0], &share, 0, 0), 0.75);
        // A sector is read as it is.
        assert_eq!(runs.value(&Group::Sector(1), &share, 0, 0), 0.25);
    }

    #[test]
    fn a_run_has_five_figures_each_with_a_line_per_sector_and_all() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path());
        let figures = figures(&f).unwrap();
        let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "tfp_index",
                "output_shares",
                "digital",
                "green",
                "emissions"
            ]
        );
        let Chart::Line(tfp) = &figures[0].chart else {
            panic!("a line chart")
        };
        assert!(
            tfp.title.starts_with("s: TFP index by sector"),
            "{}",
            tfp.title
        );
        let labels: Vec<&str> = tfp.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["a", "b", "c", "all sectors"]);
        // b's index in replicates 0 and 1 at step 1: exp(0.3), exp(0.6); the median between.
        let b = &tfp.series[1];
        let (lo, hi) = b.band.as_ref().unwrap();
        assert!((b.y[1] - (0.3_f64.exp() + 0.6_f64.exp()) / 2.0).abs() < 1e-12);
        assert!(lo[1] < b.y[1] && b.y[1] < hi[1]);
        let Chart::Stacked(shares) = &figures[1].chart else {
            panic!("stacked areas")
        };
        for s in 0..2 {
            let total: f64 = shares.layers.iter().map(|(_, y)| y[s]).sum();
            assert!((total - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn a_run_with_regions_adds_their_tfp_index_and_output_shares() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path());
        let mut csv = String::from(
            "scenario,point,replicate,seed,step,year,region,firms,output,output_share,tfp,employment_low,employment_high,talent_demand,talent_pool,backed\n",
        );
        for r in 0..2 {
            for step in 0..2 {
                // east's log TFP grows by 0.1 (replicate 0) or 0.3 (replicate 1); west's not
                let east = 0.5 + f64::from(step) * (0.1 + 0.2 * f64::from(r));
                for (region, output, tfp) in [("east", 0.6, east), ("west", 0.2, -0.4)] {
                    csv.push_str(&format!(
                        "s,0,{r},1,{step},{},{region},5,{output},{},{tfp},,,,,a\n",
                        2025 + step,
                        output / 0.8,
                    ));
                }
            }
        }
        std::fs::write(dir.path().join(REGIONS), csv).unwrap();
        let figures = figures(&f).unwrap();
        let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names[5..], ["regions_tfp_index", "regions_output_shares"]);
        let Chart::Line(tfp) = &figures[5].chart else {
            panic!("a line chart")
        };
        assert!(
            tfp.title.starts_with("s: TFP index by region"),
            "{}",
            tfp.title
        );
        let labels: Vec<&str> = tfp.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["east", "west"]);
        let (east, west) = (&tfp.series[0], &tfp.series[1]);
        assert_eq!((east.y[0], west.y[0], west.y[1]), (1.0, 1.0, 1.0));
        assert!((east.y[1] - (0.1_f64.exp() + 0.3_f64.exp()) / 2.0).abs() < 1e-12);
        let Chart::Stacked(shares) = &figures[6].chart else {
            panic!("stacked areas")
        };
        assert!(shares.title.starts_with("s: output shares by region"));
        for (layer, want) in shares.layers.iter().zip([0.75, 0.25]) {
            assert!(
                layer.1.iter().all(|y| (y - want).abs() < 1e-12),
                "{layer:?}"
            );
        }
    }

    #[test]
    fn a_duplicated_row_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TRAJECTORIES);
        std::fs::write(
            &path,
            "replicate,step,year,sector,tier\n0,0,2025,a,t\n0,0,2025,a,t\n",
        )
        .unwrap();
        let e = Runs::new(&Table::read(&path).unwrap(), "sector")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("line 3") && e.contains("second row"), "{e}");
    }
}
