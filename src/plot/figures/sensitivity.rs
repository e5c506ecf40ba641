//! The figures of a sweep's sensitivity indices (`sensitivity/*.csv`, columns
//! `outcome,method,factor,measure,estimate,lo,hi`): grouped bars per factor, one chart per
//! file (per outcome and method when a file holds several), `sensitivity-<file stem>`.
//!
//! - `sobol`: first-order and total indices, with their intervals as whiskers;
//! - `src`: the standardised regression coefficients with their intervals, signed (the sign
//!   says which way the factor moves the outcome); the title gives the regression's R²;
//! - `morris`: mu (the mean elementary effect, signed: which way), mu* (the mean absolute
//!   effect: how much) and sigma (their spread: how non-linear or interacting), without
//!   intervals; |mu| below mu* means effects of both signs.

use std::path::PathBuf;

use super::{Figure, Folder, Outcome, StepChoice, distinct, file_part, metric_text, sector_text};
use crate::error::{Error, OutputError};
use crate::output::table::Table;
use crate::plot::{Bar, BarChart, Chart};

/// The folder of the indices, in a sweep's folder.
pub const SENSITIVITY_DIR: &str = crate::sweep::run::SENSITIVITY_DIR;

/// Bar charts of the files in `folder/sensitivity/`, in order of file name; none if there is
/// no such folder.
pub fn figures(folder: &Folder) -> Result<Vec<Figure>, Error> {
    let dir = folder.path.join(SENSITIVITY_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let io = |source| OutputError {
        path: dir.clone(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()).map_err(io))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "csv") && p.is_file())
        .collect();
    files.sort();
    let mut figures = Vec::new();
    for path in files {
        let table = Table::read(&path)?;
        let stem = path
            .file_stem()
            .map(|s| file_part(&s.to_string_lossy()))
            .unwrap_or_default();
        figures.extend(of_file(&table, &stem, &folder.name)?);
    }
    Ok(figures)
}

/// The charts of one file: one per (outcome, method).
fn of_file(table: &Table, stem: &str, plan: &str) -> Result<Vec<Figure>, Error> {
    let outcome = table.texts("outcome")?;
    let method = table.texts("method")?;
    let factor = table.texts("factor")?;
    let measure = table.texts("measure")?;
    let estimate = table.numbers("estimate")?;
    let lo = table.numbers("lo")?;
    let hi = table.numbers("hi")?;
    let keys: Vec<(String, String)> = distinct(
        (0..table.len())
            .map(|r| (outcome[r], method[r]))
            .map(|(o, m)| format!("{o}\u{0}{m}"))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    )
    .into_iter()
    .map(|k| {
        let (o, m) = k.split_once('\u{0}').expect("joined above");
        (o.to_string(), m.to_string())
    })
    .collect();
    if keys.is_empty() {
        return Err(Error::Results {
            path: table.path().to_path_buf(),
            reason: "holds no indices".into(),
        });
    }
    let mut figures = Vec::new();
    for (o, m) in &keys {
        let rows: Vec<usize> = (0..table.len())
            .filter(|&r| outcome[r] == o && method[r] == m)
            .collect();
        let interval =
            |r: usize| Some((lo[r], hi[r])).filter(|(l, h)| l.is_finite() && h.is_finite());
        let mut bars = Vec::new();
        let mut r_squared = None;
        for &r in &rows {
            let label = match (m.as_str(), measure[r]) {
                (_, "r_squared") => {
                    r_squared = Some(estimate[r]);
                    continue;
                }
                ("morris", "mu") => "μ (mean effect, signed)",
                ("sobol", "first") => "first-order",
                ("sobol", "total") => "total",
                ("src", "src") => "SRC",
                ("morris", "mu_star") => "μ* (mean |effect|)",
                ("morris", "sigma") => "σ (spread of effects)",
                (_, other) => other,
            };
            if factor[r].is_empty() {
                continue;
            }
            bars.push(Bar {
                group: factor[r].to_string(),
                label: label.to_string(),
                value: estimate[r],
                interval: interval(r),
            });
        }
        let (what, y_label) = match m.as_str() {
            "sobol" => ("Sobol' indices of", "Sobol' index (share of variance)"),
            "src" => (
                "standardised regression coefficients (SRC) of",
                "SRC (sd of outcome per sd of factor)",
            ),
            "morris" => (
                "Morris elementary effects on",
                "elementary effect (units of the outcome)",
            ),
            other => (other, "estimate"),
        };
        let fit = r_squared
            .filter(|r| r.is_finite())
            .map(|r| format!(", R² = {r:.2}"))
            .unwrap_or_default();
        let name = if keys.len() == 1 {
            format!("sensitivity-{stem}")
        } else {
            format!("sensitivity-{stem}-{}-{}", file_part(o), file_part(m))
        };
        figures.push(Figure {
            name,
            chart: Chart::Bars(BarChart {
                title: format!("{plan}: {what} {}{fit}", outcome_text(o)),
                y_label: y_label.into(),
                bars,
                ..BarChart::default()
            }),
        });
    }
    Ok(figures)
}

/// An outcome as a title shows it: `tfp_index:all:last` is `TFP index (all sectors, last
/// step)`; a name of another form is shown as it is.
fn outcome_text(outcome: &str) -> String {
    match outcome.parse::<Outcome>() {
        Ok(o) if outcome.split(':').count() == 3 => format!(
            "{} ({}, {})",
            metric_text(&o.metric).name,
            sector_text(&o.sector),
            match o.step {
                StepChoice::Last => "last step".to_string(),
                StepChoice::Number(k) => format!("step {k}"),
            }
        ),
        _ => outcome.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::figures::{Kind, detect};

    const HEADER: &str = "outcome,method,factor,measure,estimate,lo,hi\n";

    fn folder(dir: &std::path::Path, files: &[(&str, &str)]) -> Folder {
        std::fs::write(
            dir.join("manifest.json"),
            r#"{"command": "sweep", "plan_name": "levers", "design": "sobol"}"#,
        )
        .unwrap();
        std::fs::create_dir(dir.join(SENSITIVITY_DIR)).unwrap();
        for (name, body) in files {
            std::fs::write(
                dir.join(SENSITIVITY_DIR).join(name),
                format!("{HEADER}{body}"),
            )
            .unwrap();
        }
        let f = detect(dir).unwrap();
        assert_eq!(f.kind, Kind::Sweep);
        f
    }

    #[test]
    fn each_method_gets_its_bars_and_intervals() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(
            dir.path(),
            &[
                (
                    "sobol.csv",
                    "tfp_index:all:30,sobol,rd,first,0.5,0.4,0.6\n\
                     tfp_index:all:30,sobol,rd,total,0.6,0.5,0.7\n\
                     tfp_index:all:30,sobol,talent,first,0.1,0.0,0.2\n\
                     tfp_index:all:30,sobol,talent,total,0.2,0.1,0.3\n",
                ),
                (
                    "src.csv",
                    "tfp_index:all:30,src,rd,src,0.7,0.6,0.8\n\
                     tfp_index:all:30,src,talent,src,-0.2,-0.3,-0.1\n\
                     tfp_index:all:30,src,,r_squared,0.53,,\n",
                ),
                (
                    "morris.csv",
                    "emissions,morris,rd,mu,-0.1,,\nemissions,morris,rd,mu_star,0.3,,\n\
                     emissions,morris,rd,sigma,0.2,,\n",
                ),
                ("notes.txt", "not a table"),
            ],
        );
        let figures = figures(&f).unwrap();
        let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["sensitivity-morris", "sensitivity-sobol", "sensitivity-src"]
        );
        let bars = |i: usize| match &figures[i].chart {
            Chart::Bars(b) => b.clone(),
            _ => panic!("bars"),
        };
        let morris = bars(0);
        let labels: Vec<&str> = morris.bars.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "μ (mean effect, signed)",
                "μ* (mean |effect|)",
                "σ (spread of effects)"
            ],
            "the sign of mu beside mu*"
        );
        assert_eq!(morris.bars[0].value, -0.1);
        assert!(morris.bars.iter().all(|b| b.interval.is_none()));
        let sobol = bars(1);
        assert_eq!(sobol.bars.len(), 4);
        assert_eq!(sobol.bars[1].label, "total");
        assert_eq!(sobol.bars[1].interval, Some((0.5, 0.7)));
        assert_eq!(
            sobol.title,
            "levers: Sobol' indices of TFP index (all sectors, step 30)"
        );
        let src = bars(2);
        assert_eq!(src.bars.len(), 2, "R² is in the title, not a bar");
        assert!(src.title.ends_with("step 30), R² = 0.53"), "{}", src.title);
        assert_eq!(
            morris.title, "levers: Morris elementary effects on emissions",
            "a name of another form is shown as it is"
        );
        assert_eq!(src.bars[1].value, -0.2);
    }

    #[test]
    fn a_file_of_several_outcomes_gets_a_chart_for_each() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(
            dir.path(),
            &[(
                "all.csv",
                "a,sobol,x,first,0.5,0.4,0.6\nb,sobol,x,first,0.1,0.0,0.2\n",
            )],
        );
        let names: Vec<String> = figures(&f).unwrap().into_iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            ["sensitivity-all-a-sobol", "sensitivity-all-b-sobol"]
        );
    }

    #[test]
    fn a_file_without_the_columns_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path(), &[]);
        std::fs::write(
            dir.path().join(SENSITIVITY_DIR).join("bad.csv"),
            "a,b\n1,2\n",
        )
        .unwrap();
        let e = figures(&f).err().unwrap().to_string();
        assert!(
            e.contains("bad.csv") && e.contains("no column `outcome`"),
            "{e}"
        );
    }
}
