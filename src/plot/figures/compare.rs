//! The figures of a comparison (`nqpsim compare`): the effect of the policy scenario on a
//! metric over the years, by sector, with its 95 % interval as a band and a line at zero,
//! `effect-<metric>`; where the comparison has `region_effects.csv` (both sides with model
//! 2's regions), the same by region, `region-effect-<metric>`.
//!
//! `effects.csv` holds one row per (step, sector, metric) with the mean paired difference
//! `effect` (policy minus base, over replicates) and its interval `lo`, `hi` (`NA` where
//! undefined, e.g. `tfp_growth` at step 0). With more than [`MAX_SECTOR_LINES`] sectors the
//! chart shows `all` and the sectors with the largest effects in the last year.

use super::{Figure, Folder, MAX_SECTOR_LINES, distinct, metric_text, sector_text};
use crate::error::Error;
use crate::output::table::Table;
use crate::plot::{Chart, LineChart, Series};

/// The file the figures are drawn from.
pub const EFFECTS: &str = "effects.csv";
/// The file the region figures are drawn from, where the comparison wrote it.
pub const REGION_EFFECTS: &str = "region_effects.csv";

/// The region metrics drawn, in this order, where `region_effects.csv` has them with a value
/// (employment only with `labour`).
pub const REGION_METRICS: [&str; 4] = [
    "output_share",
    "tfp_growth",
    "employment_low",
    "employment_high",
];

/// The metrics drawn, in this order, where `effects.csv` has them with a value (model 2's
/// only where a feature of both sides filled them).
pub const METRICS: [&str; 15] = [
    "tfp_index",
    "tfp_growth",
    "output_share",
    "digital_mean",
    "green_mean",
    "emissions",
    "employment",
    "subsidy_total",
    "capacity_utilisation",
    "contributions",
    "employment_low",
    "employment_high",
    "talent_shortage",
    "autonomy",
    "supply_availability",
];

/// The figures of the comparison in `folder`.
pub fn figures(folder: &Folder) -> Result<Vec<Figure>, Error> {
    let mut figures = effect_figures(folder, EFFECTS, "sector", &METRICS)?;
    if folder.path.join(REGION_EFFECTS).is_file() {
        figures.extend(effect_figures(
            folder,
            REGION_EFFECTS,
            "region",
            &REGION_METRICS,
        )?);
    }
    Ok(figures)
}

/// The effect figures of `file` in `folder`, one per metric of `metrics` it has a value of,
/// a line per value of its `row_column` (`sector`, with `all`, or `region`).
fn effect_figures(
    folder: &Folder,
    file: &str,
    row_column: &str,
    metrics: &[&str],
) -> Result<Vec<Figure>, Error> {
    let by_sector = row_column == "sector";
    let path = folder.path.join(file);
    let table = Table::read_where(&path, "metric", |m| metrics.contains(&m))?;
    let step = table.numbers("step")?;
    let year = table.numbers("year")?;
    let sector = table.texts(row_column)?;
    let metric = table.texts("metric")?;
    let effect = table.numbers("effect")?;
    let lo = table.numbers("lo")?;
    let hi = table.numbers("hi")?;
    if table.is_empty() {
        return Err(Error::Results {
            path,
            reason: format!("holds none of the metrics {}", metrics.join(", ")),
        });
    }
    let base = folder.field("base").unwrap_or("base").to_string();
    let policy = folder.field("policy").unwrap_or(&folder.name).to_string();

    let (prefix, by) = if by_sector {
        ("", "")
    } else {
        ("region-", " by region")
    };
    let mut figures = Vec::new();
    for &m in metrics {
        let rows: Vec<usize> = (0..table.len()).filter(|&r| metric[r] == m).collect();
        if rows.iter().all(|&r| !effect[r].is_finite()) {
            continue;
        }
        // Every sector's share is 1 in `all`: no effect to show.
        let sectors: Vec<String> = distinct(rows.iter().map(|&r| sector[r]))
            .into_iter()
            .filter(|s| !(by_sector && m == "output_share" && s == "all"))
            .collect();
        let mut series: Vec<Series> = sectors
            .iter()
            .map(|s| {
                let mut mine: Vec<usize> =
                    rows.iter().copied().filter(|&r| sector[r] == s).collect();
                mine.sort_by(|&a, &b| step[a].total_cmp(&step[b]));
                Series {
                    label: if by_sector { sector_text(s) } else { s.clone() },
                    x: mine.iter().map(|&r| year[r]).collect(),
                    y: mine.iter().map(|&r| effect[r]).collect(),
                    band: Some((
                        mine.iter().map(|&r| lo[r]).collect(),
                        mine.iter().map(|&r| hi[r]).collect(),
                    )),
                }
            })
            .collect();
        let shown_all = series.len();
        let mut note = String::new();
        if series.len() > MAX_SECTOR_LINES + 1 {
            series = largest(series, MAX_SECTOR_LINES);
            note = if by_sector {
                format!(
                    ", all sectors and the {MAX_SECTOR_LINES} of {} with the largest effects",
                    shown_all - 1
                )
            } else {
                format!(", the {MAX_SECTOR_LINES} of {shown_all} regions with the largest effects")
            };
        }
        let text = metric_text(m);
        figures.push(Figure {
            name: format!("{prefix}effect-{m}"),
            chart: Chart::Line(LineChart {
                title: format!(
                    "{policy} vs {base}: effect on {}{by} (95% intervals{note})",
                    text.name
                ),
                x_label: "year".into(),
                y_label: format!("effect on {} ({})", text.name, text.difference),
                series,
                reference_y: Some(0.0),
                ..LineChart::default()
            }),
        });
    }
    Ok(figures)
}

/// `all sectors` and the `keep` series whose last finite effect is largest in magnitude, in
/// their order.
fn largest(series: Vec<Series>, keep: usize) -> Vec<Series> {
    let last = |s: &Series| {
        s.y.iter()
            .rev()
            .copied()
            .find(|v| v.is_finite())
            .map_or(0.0, f64::abs)
    };
    let mut ranked: Vec<usize> = (0..series.len())
        .filter(|&i| series[i].label != sector_text("all"))
        .collect();
    ranked.sort_by(|&a, &b| {
        last(&series[b])
            .total_cmp(&last(&series[a]))
            .then(a.cmp(&b))
    });
    ranked.truncate(keep);
    series
        .into_iter()
        .enumerate()
        .filter(|(i, s)| s.label == sector_text("all") || ranked.contains(i))
        .map(|(_, s)| s)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::figures::{Kind, detect};

    /// Columns exactly as `nqpsim compare` writes them.
    pub const HEADER: &str = "step,year,sector,tier,metric,n,base_mean,policy_mean,effect,se,lo,hi,relative,variance_reduction\n";

    fn folder(dir: &std::path::Path, sectors: &[&str]) -> Folder {
        let mut csv = String::from(HEADER);
        for step in 0..3 {
            for (j, s) in sectors.iter().chain(&["all"]).enumerate() {
                for m in ["tfp_index", "tfp_growth", "output_share", "firms"] {
                    let e = 0.01 * f64::from(step) * (j + 1) as f64;
                    let (effect, lo, hi) = if m == "tfp_growth" && step == 0 {
                        ("NA".into(), "NA".into(), "NA".into())
                    } else {
                        (
                            format!("{e}"),
                            format!("{}", e - 0.005),
                            format!("{}", e + 0.005),
                        )
                    };
                    csv.push_str(&format!(
                        "{step},{},{s},t,{m},10,1,1,{effect},0.002,{lo},{hi},NA,0.5\n",
                        2025 + step
                    ));
                }
            }
        }
        std::fs::write(dir.join(EFFECTS), csv).unwrap();
        std::fs::write(
            dir.join("manifest.json"),
            r#"{"command": "compare", "base": "baseline", "policy": "rd-subsidy"}"#,
        )
        .unwrap();
        let f = detect(dir).unwrap();
        assert_eq!(f.kind, Kind::Comparison);
        f
    }

    #[test]
    fn effects_are_drawn_by_sector_with_intervals_and_a_zero_line() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path(), &["traditional", "emerging"]);
        let figures = figures(&f).unwrap();
        let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "effect-tfp_index",
                "effect-tfp_growth",
                "effect-output_share"
            ]
        );
        let Chart::Line(c) = &figures[0].chart else {
            panic!("lines")
        };
        assert_eq!(
            c.title,
            "rd-subsidy vs baseline: effect on TFP index (95% intervals)"
        );
        assert_eq!(c.y_label, "effect on TFP index (index points)");
        assert_eq!(c.reference_y, Some(0.0));
        let labels: Vec<&str> = c.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["traditional", "emerging", "all sectors"]);
        assert_eq!(c.series[1].y, [0.0, 0.02, 0.04]);
        let Chart::Line(g) = &figures[1].chart else {
            panic!("lines")
        };
        assert!(g.series[0].y[0].is_nan(), "NA at step 0");
        let Chart::Line(s) = &figures[2].chart else {
            panic!("lines")
        };
        assert_eq!(s.series.len(), 2, "no output share effect for all");
    }

    #[test]
    fn region_effects_are_drawn_by_region_after_the_sectors() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path(), &["traditional"]);
        let mut csv = String::from(
            "step,year,region,metric,n,base_mean,policy_mean,effect,se,lo,hi,relative,\
             variance_reduction\n",
        );
        for step in 0..3 {
            for (k, region) in ["east", "west"].iter().enumerate() {
                for m in ["output_share", "tfp_growth", "employment_low", "firms"] {
                    let e = 0.01 * f64::from(step) * (k + 1) as f64;
                    let (n, effect) = match m {
                        // without `labour`: no value
                        "employment_low" => (0, "NA".to_string()),
                        _ => (10, e.to_string()),
                    };
                    csv.push_str(&format!(
                        "{step},{},{region},{m},{n},1,1,{effect},0.002,{effect},{effect},NA,0.5\n",
                        2025 + step
                    ));
                }
            }
        }
        std::fs::write(dir.path().join(REGION_EFFECTS), csv).unwrap();
        let figures = figures(&f).unwrap();
        let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "effect-tfp_index",
                "effect-tfp_growth",
                "effect-output_share",
                "region-effect-output_share",
                "region-effect-tfp_growth"
            ]
        );
        let Chart::Line(c) = &figures[3].chart else {
            panic!("lines")
        };
        assert_eq!(
            c.title,
            "rd-subsidy vs baseline: effect on output share by region (95% intervals)"
        );
        let labels: Vec<&str> = c.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["east", "west"]);
        assert_eq!(c.series[1].y, [0.0, 0.02, 0.04]);
    }

    #[test]
    fn many_sectors_show_all_and_the_largest_effects() {
        let dir = tempfile::tempdir().unwrap();
        let sectors: Vec<String> = (0..12).map(|j| format!("s{j}")).collect();
        let names: Vec<&str> = sectors.iter().map(String::as_str).collect();
        let f = folder(dir.path(), &names);
        let figures = figures(&f).unwrap();
        let Chart::Line(c) = &figures[0].chart else {
            panic!("lines")
        };
        let labels: Vec<&str> = c.series.iter().map(|s| s.label.as_str()).collect();
        // effects grow with the sector's position, `all` (position 13) largest
        assert_eq!(
            labels,
            ["s5", "s6", "s7", "s8", "s9", "s10", "s11", "all sectors"]
        );
        assert!(
            c.title.contains("the 7 of 12 with the largest effects"),
            "{}",
            c.title
        );
    }

    #[test]
    fn a_table_without_the_effect_columns_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path(), &["a"]);
        std::fs::write(dir.path().join(EFFECTS), "step,metric\n0,tfp_index\n").unwrap();
        let e = figures(&f).err().unwrap().to_string();
        assert!(e.contains("effects.csv") && e.contains("no column"), "{e}");
    }
}
