//! The figures of a scenario discovery (`SWEEP_DIR/discovery/<name>/`, written by
//! `nqpsim discover`):
//!
//! - `tradeoff-<scope>-box<b>`: PRIM's peeling trajectory as coverage against density, a
//!   marker per point coloured by the number of dimensions it restricts, the box kept
//!   ringed, the density threshold dashed: the trade-off the analyst chooses on;
//! - `limits-<scope>`: each dimension a PRIM box restricts, its swept range in grey and each
//!   box's limits on it in colour (and those of the box pruned of its restrictions that may
//!   be chance, beside it), as shares of the range (a categorical dimension: one slot per
//!   category);
//! - `pairs-<scope>-box<b>-<x>-<y>`: the points over two dimensions the box restricts (its
//!   significant restrictions where it was pruned; a lone one against the highest-scoring
//!   other axis), cases of interest marked, the box (and the pruned box) drawn;
//! - `scores`: the extra-trees feature scores of every axis (with its role), as bars.
//!
//! `<scope>` is `all` (every axis could be restricted) or `levers` (the levers only).

use std::collections::BTreeMap;

use super::{Figure, Folder, axis_label, file_part};
use crate::error::Error;
use crate::output::table::Table;
use crate::plot::{Bar, BarChart, Chart, Points, ScatterChart, Span};

/// At most this many restricted dimensions of a box are paired in scatters (6 pairs).
const MAX_PAIRED: usize = 4;

/// What the manifest says, for titles.
struct About {
    plan: String,
    /// `at least 60 % of 5 replicates meet ...`
    cases: String,
    threshold: f64,
    /// The quasi-p value above which a restriction is pruned.
    max_quasi_p: f64,
    /// Axis name -> its path, for labels.
    paths: BTreeMap<String, String>,
}

fn about(folder: &Folder) -> About {
    let m = folder.manifest.clone().unwrap_or(serde_json::Value::Null);
    let text = |key: &str| m.get(key).and_then(|v| v.as_str()).map(String::from);
    let number = |key: &str| m.get(key).and_then(serde_json::Value::as_f64);
    let targets: Vec<String> = m
        .get("targets")
        .and_then(|t| t.as_array())
        .map(|t| {
            t.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let cases = match (number("robust"), number("replicates")) {
        (Some(robust), Some(replicates)) => format!(
            "a case of interest: at least {}% of {replicates} replicates meet {}",
            (1000.0 * robust).round() / 10.0,
            targets.join(" and ")
        ),
        _ => "cases of interest as nqpsim discover marked them".into(),
    };
    let paths = m
        .get("axes")
        .and_then(|a| a.as_array())
        .map(|axes| {
            axes.iter()
                .filter_map(|a| {
                    Some((
                        a.get("name")?.as_str()?.to_string(),
                        a.get("path")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    About {
        plan: text("plan_name").unwrap_or_else(|| folder.name.clone()),
        cases,
        threshold: number("threshold").unwrap_or(f64::NAN),
        max_quasi_p: number("max_quasi_p").unwrap_or(f64::NAN),
        paths,
    }
}

impl About {
    /// An axis in words with its unit.
    fn label(&self, axis: &str) -> String {
        axis_label(self.paths.get(axis).map_or(axis, String::as_str))
    }

    /// An axis in words, without its unit, marked if it is an uncertainty.
    fn short_name(&self, axis: &str, role: &str) -> String {
        let name = super::axis_text(self.paths.get(axis).map_or(axis, String::as_str)).name;
        if role == "uncertainty" {
            format!("{name} (uncertainty)")
        } else {
            name
        }
    }
}

fn scope_words(scope: &str) -> &str {
    match scope {
        "all" => "every axis",
        "levers" => "levers only",
        other => other,
    }
}

/// The figures of a discovery folder, in the order of the module docs.
pub fn figures(folder: &Folder) -> Result<Vec<Figure>, Error> {
    let about = about(folder);
    let trajectory = Table::read(&folder.path.join("trajectory.csv"))?;
    let boxes = Table::read(&folder.path.join("boxes.csv"))?;
    let cases = Table::read(&folder.path.join("cases.csv"))?;
    let scores = Table::read(&folder.path.join("scores.csv"))?;
    let mut out = tradeoffs(&about, &trajectory)?;
    let prim = Boxes::read(&boxes, "prim")?;
    let pruned = Boxes::read(&boxes, "prim-pruned")?;
    out.extend(limits(&about, &prim, &pruned, &cases)?);
    out.extend(pairs(&about, &prim, &pruned, &cases, &scores)?);
    out.push(score_bars(&about, &scores)?);
    Ok(out)
}

/// The distinct values of `items` in order of first appearance.
fn distinct(items: &[&str]) -> Vec<String> {
    super::distinct(items.iter().copied())
}

fn tradeoffs(about: &About, t: &Table) -> Result<Vec<Figure>, Error> {
    let scope = t.texts("scope")?;
    let number = t.texts("box")?;
    let phase = t.texts("phase")?;
    let coverage = t.numbers("coverage")?;
    let density = t.numbers("density")?;
    let res_dim = t.numbers("res_dim")?;
    let chosen = t.texts("chosen")?;
    let mut figures = Vec::new();
    let keys: Vec<String> = distinct(
        &(0..t.len())
            .map(|r| format!("{}\u{0}{}", scope[r], number[r]))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    for key in keys {
        let (s, b) = key.split_once('\u{0}').expect("joined above");
        let rows: Vec<usize> = (0..t.len())
            .filter(|&r| scope[r] == s && number[r] == b)
            .collect();
        let peel: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| phase[r] != "paste")
            .collect();
        let mut series = vec![Points {
            x: peel.iter().map(|&r| coverage[r]).collect(),
            y: peel.iter().map(|&r| density[r]).collect(),
            radius: 1.5,
            joined: true,
            ..Points::default()
        }];
        let most = peel.iter().map(|&r| res_dim[r] as usize).max().unwrap_or(0);
        for k in 0..=most {
            let at: Vec<usize> = peel
                .iter()
                .copied()
                .filter(|&r| res_dim[r] as usize == k)
                .collect();
            if at.is_empty() {
                continue;
            }
            series.push(Points {
                label: format!("{k} restricted dimension{}", if k == 1 { "" } else { "s" }),
                x: at.iter().map(|&r| coverage[r]).collect(),
                y: at.iter().map(|&r| density[r]).collect(),
                colour: Some(k % 7),
                radius: 3.5,
                joined: false,
            });
        }
        let pasted: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| phase[r] == "paste")
            .collect();
        if !pasted.is_empty() {
            series.push(Points {
                label: "pasting".into(),
                x: pasted.iter().map(|&r| coverage[r]).collect(),
                y: pasted.iter().map(|&r| density[r]).collect(),
                radius: 3.0,
                ..Points::default()
            });
        }
        if let Some(&k) = rows.iter().find(|&&r| chosen[r] == "1") {
            series.push(Points {
                label: format!(
                    "box {b} kept: coverage {:.2}, density {:.2}",
                    coverage[k], density[k]
                ),
                x: vec![coverage[k]],
                y: vec![density[k]],
                colour: Some(6),
                radius: 6.0,
                joined: false,
            });
        }
        figures.push(Figure {
            name: format!("tradeoff-{}-box{b}", file_part(s)),
            chart: Chart::Scatter(ScatterChart {
                title: format!(
                    "{}: PRIM's coverage-density trade-off, {}, box {b}",
                    about.plan,
                    scope_words(s)
                ),
                subtitle: format!(
                    "{}; dashed: the density threshold {}",
                    about.cases, about.threshold
                ),
                x_label: "coverage (share of the cases of interest inside the box)".into(),
                y_label: "density (cases' share of the box)".into(),
                series,
                x_range: Some((0.0, 1.0)),
                y_range: Some((0.0, 1.0)),
                reference_y: Some(about.threshold).filter(|t| t.is_finite()),
                ..ScatterChart::default()
            }),
        });
    }
    Ok(figures)
}

/// One row of `boxes.csv`.
struct Limit {
    scope: String,
    number: usize,
    dimension: String,
    role: String,
    restricted: bool,
    lo: f64,
    hi: f64,
    categories: Vec<String>,
    min: f64,
    max: f64,
    qp: f64,
}

/// The rows of one method of `boxes.csv`.
struct Boxes {
    rows: Vec<Limit>,
}

impl Boxes {
    fn read(t: &Table, method: &str) -> Result<Boxes, Error> {
        let methods = t.texts("method")?;
        let scope = t.texts("scope")?;
        let number = t.numbers("box")?;
        let dimension = t.texts("dimension")?;
        let role = t.texts("role")?;
        let restricted = t.texts("restricted")?;
        let (lo, hi, min, max, qp) = (
            t.numbers("lo")?,
            t.numbers("hi")?,
            t.numbers("min")?,
            t.numbers("max")?,
            t.numbers("qp")?,
        );
        let categories = t.texts("categories")?;
        let rows = (0..t.len())
            .filter(|&r| methods[r] == method)
            .map(|r| Limit {
                scope: scope[r].to_string(),
                number: number[r] as usize,
                dimension: dimension[r].to_string(),
                role: role[r].to_string(),
                restricted: restricted[r] == "1",
                lo: lo[r],
                hi: hi[r],
                categories: if categories[r].is_empty() {
                    Vec::new()
                } else {
                    categories[r].split(';').map(String::from).collect()
                },
                min: min[r],
                max: max[r],
                qp: qp[r],
            })
            .collect();
        Ok(Boxes { rows })
    }

    fn scopes(&self) -> Vec<String> {
        distinct(
            &self
                .rows
                .iter()
                .map(|l| l.scope.as_str())
                .collect::<Vec<_>>(),
        )
    }

    fn of(&self, scope: &str, number: usize) -> Vec<&Limit> {
        self.rows
            .iter()
            .filter(|l| l.scope == scope && l.number == number)
            .collect()
    }

    fn numbers(&self, scope: &str) -> Vec<usize> {
        let mut n: Vec<usize> = self
            .rows
            .iter()
            .filter(|l| l.scope == scope)
            .map(|l| l.number)
            .collect();
        n.dedup();
        n
    }
}

/// `x` with three significant digits, trailing zeros dropped: `0.0503`, `0.26`, `12.3`.
fn sig3(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (2.0 - x.abs().log10().floor()).max(0.0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A quasi-p value: `3.1e-12`, `0.012`.
fn p_text(p: f64) -> String {
    if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

/// A restriction in a few characters: `≥ 0.0503`, `0.2 – 0.6`, `∈ {a, b}`.
fn short(l: &Limit) -> String {
    let g = sig3;
    if !l.categories.is_empty() {
        return format!("∈ {{{}}}", l.categories.join(", "));
    }
    match (l.lo.is_finite(), l.hi.is_finite()) {
        (true, true) => format!("{} – {}", g(l.lo), g(l.hi)),
        (true, false) => format!("≥ {}", g(l.lo)),
        _ => format!("≤ {}", g(l.hi)),
    }
}

/// Every value of a column of `cases.csv`, as text.
fn categories_of(cases: &Table, dimension: &str) -> Result<Vec<String>, Error> {
    let mut labels: Vec<String> = cases
        .texts(dimension)?
        .into_iter()
        .map(String::from)
        .collect();
    labels.sort();
    labels.dedup();
    Ok(labels)
}

fn limits(
    about: &About,
    prim: &Boxes,
    pruned: &Boxes,
    cases: &Table,
) -> Result<Vec<Figure>, Error> {
    let mut figures = Vec::new();
    for scope in prim.scopes() {
        let numbers = prim.numbers(&scope);
        // Each box, and after it its pruned version where there is one.
        let mut entries: Vec<(String, Vec<&Limit>)> = Vec::new();
        for &b in &numbers {
            entries.push((format!("box {b}"), prim.of(&scope, b)));
            let p = pruned.of(&scope, b);
            if !p.is_empty() {
                entries.push((format!("box {b}, quasi-p ≤ {}", about.max_quasi_p), p));
            }
        }
        let mut dims: Vec<String> = Vec::new();
        for (_, limits) in &entries {
            for l in limits {
                if l.restricted && !dims.contains(&l.dimension) {
                    dims.push(l.dimension.clone());
                }
            }
        }
        if dims.is_empty() {
            continue;
        }
        let first: Vec<&Limit> = prim.of(&scope, numbers[0]);
        let mut spans = Vec::new();
        let width = 0.6 / entries.len() as f64;
        for (g, dim) in dims.iter().enumerate() {
            let g = g as f64;
            spans.push(Span {
                label: if g == 0.0 {
                    "swept range".into()
                } else {
                    String::new()
                },
                x: (g - 0.4, g + 0.4),
                y: (0.0, 1.0),
                colour: None,
                filled: true,
            });
            for (i, (name, limits)) in entries.iter().enumerate() {
                let Some(l) = limits.iter().find(|l| &l.dimension == dim) else {
                    continue;
                };
                let x0 = g - 0.3 + i as f64 * width;
                let x = (x0 + 0.1 * width, x0 + 0.9 * width);
                let label = if g == 0.0 {
                    name.clone()
                } else {
                    String::new()
                };
                if l.categories.is_empty() {
                    let share = |v: f64, open: f64| {
                        if v.is_finite() && l.max > l.min {
                            (v - l.min) / (l.max - l.min)
                        } else {
                            open
                        }
                    };
                    spans.push(Span {
                        label,
                        x,
                        y: (share(l.lo, 0.0), share(l.hi, 1.0)),
                        colour: Some(i),
                        filled: true,
                    });
                } else {
                    let all = categories_of(cases, dim)?;
                    let slot = 1.0 / all.len().max(1) as f64;
                    for (c, name) in all.iter().enumerate() {
                        if l.categories.contains(name) {
                            spans.push(Span {
                                label: if c == 0 { label.clone() } else { String::new() },
                                x,
                                y: (c as f64 * slot, (c + 1) as f64 * slot),
                                colour: Some(i),
                                filled: true,
                            });
                        }
                    }
                }
            }
        }
        let uncertainties: Vec<&str> = dims
            .iter()
            .filter(|d| {
                prim.rows
                    .iter()
                    .any(|l| &l.dimension == *d && l.role == "uncertainty")
            })
            .map(String::as_str)
            .collect();
        let groups: Vec<String> = dims
            .iter()
            .map(|d| {
                // The column name: the words of a path are too long to stand beside a limit.
                let name = d.clone();
                match first.iter().find(|l| &l.dimension == d && l.restricted) {
                    Some(l) => format!("{name} {}", short(l)),
                    None => name,
                }
            })
            .collect();
        let qps: Vec<String> = first
            .iter()
            .filter(|l| l.restricted)
            .map(|l| format!("{} {}", l.dimension, p_text(l.qp)))
            .collect();
        figures.push(Figure {
            name: format!("limits-{}", file_part(&scope)),
            chart: Chart::Scatter(ScatterChart {
                title: format!(
                    "{}: PRIM box limits, {}, against the swept ranges",
                    about.plan,
                    scope_words(&scope)
                ),
                subtitle: format!(
                    "names: box {}'s limits; quasi-p: {}{}",
                    numbers[0],
                    qps.join(", "),
                    if uncertainties.is_empty() {
                        String::new()
                    } else {
                        format!("; uncertainties: {}", uncertainties.join(", "))
                    }
                ),
                y_label: "share of the swept range (0: its lowest value)".into(),
                groups,
                spans,
                y_range: Some((0.0, 1.0)),
                ..ScatterChart::default()
            }),
        });
    }
    Ok(figures)
}

/// The numeric dimensions a box restricts (at most [`MAX_PAIRED`]), paired; a lone one with
/// the highest-scoring other numeric axis.
fn pairings(
    limits: &[&Limit],
    scores: &[(String, f64)],
    numeric: &dyn Fn(&str) -> bool,
) -> Vec<(String, String)> {
    let restricted: Vec<&str> = limits
        .iter()
        .filter(|l| l.restricted && l.categories.is_empty())
        .map(|l| l.dimension.as_str())
        .take(MAX_PAIRED)
        .collect();
    match restricted.len() {
        0 => Vec::new(),
        1 => scores
            .iter()
            .map(|(d, _)| d.as_str())
            .find(|d| *d != restricted[0] && numeric(d))
            .map(|other| vec![(restricted[0].to_string(), other.to_string())])
            .unwrap_or_default(),
        _ => {
            let mut out = Vec::new();
            for (i, a) in restricted.iter().enumerate() {
                for b in &restricted[i + 1..] {
                    out.push((a.to_string(), b.to_string()));
                }
            }
            out
        }
    }
}

fn pairs(
    about: &About,
    prim: &Boxes,
    pruned: &Boxes,
    cases: &Table,
    scores: &Table,
) -> Result<Vec<Figure>, Error> {
    let dims = scores.texts("dimension")?;
    let values = scores.numbers("score")?;
    let ranked: Vec<(String, f64)> = dims
        .iter()
        .zip(&values)
        .map(|(d, v)| (d.to_string(), *v))
        .collect();
    let case = cases.texts("case")?;
    let numeric = |d: &str| {
        cases
            .texts(d)
            .is_ok_and(|v| v.iter().all(|t| t.parse::<f64>().is_ok_and(f64::is_finite)))
    };
    let mut figures = Vec::new();
    for scope in prim.scopes() {
        for b in prim.numbers(&scope) {
            let limits = prim.of(&scope, b);
            // The significant restrictions are paired where the box was pruned.
            let significant = pruned.of(&scope, b);
            let paired = if significant.is_empty() {
                &limits
            } else {
                &significant
            };
            for (dx, dy) in pairings(paired, &ranked, &numeric) {
                let (x, y) = (cases.numbers(&dx)?, cases.numbers(&dy)?);
                let split = |want: &str| -> (Vec<f64>, Vec<f64>) {
                    (0..cases.len())
                        .filter(|&r| case[r] == want)
                        .map(|r| (x[r], y[r]))
                        .unzip()
                };
                let (ox, oy) = split("0");
                let (ix, iy) = split("1");
                let side = |limits: &[&Limit], d: &str| {
                    limits
                        .iter()
                        .find(|l| l.dimension == d && l.restricted)
                        .map_or((f64::NEG_INFINITY, f64::INFINITY), |l| {
                            (
                                if l.lo.is_finite() {
                                    l.lo
                                } else {
                                    f64::NEG_INFINITY
                                },
                                if l.hi.is_finite() {
                                    l.hi
                                } else {
                                    f64::INFINITY
                                },
                            )
                        })
                };
                let n_cases = ix.len();
                figures.push(Figure {
                    name: format!(
                        "pairs-{}-box{b}-{}-{}",
                        file_part(&scope),
                        file_part(&dx),
                        file_part(&dy)
                    ),
                    chart: Chart::Scatter(ScatterChart {
                        title: format!(
                            "{}: cases of interest and PRIM box {b} ({})",
                            about.plan,
                            scope_words(&scope)
                        ),
                        subtitle: about.cases.clone(),
                        x_label: about.label(&dx),
                        y_label: about.label(&dy),
                        series: vec![
                            Points {
                                label: "other points".into(),
                                x: ox,
                                y: oy,
                                radius: 2.5,
                                ..Points::default()
                            },
                            Points {
                                label: format!("cases of interest ({n_cases})"),
                                x: ix,
                                y: iy,
                                colour: Some(1),
                                radius: 3.0,
                                joined: false,
                            },
                        ],
                        spans: std::iter::once(Span {
                            label: format!("box {b}"),
                            x: side(&limits, &dx),
                            y: side(&limits, &dy),
                            colour: Some(0),
                            filled: true,
                        })
                        .chain((!significant.is_empty()).then(|| Span {
                            label: format!("box {b}, quasi-p ≤ {}", about.max_quasi_p),
                            x: side(&significant, &dx),
                            y: side(&significant, &dy),
                            colour: Some(2),
                            filled: false,
                        }))
                        .collect(),
                        ..ScatterChart::default()
                    }),
                });
            }
        }
    }
    Ok(figures)
}

fn score_bars(about: &About, scores: &Table) -> Result<Figure, Error> {
    let dims = scores.texts("dimension")?;
    let roles = scores.texts("role")?;
    let values = scores.numbers("score")?;
    Ok(Figure {
        name: "scores".into(),
        chart: Chart::Bars(BarChart {
            title: format!(
                "{}: which axes tell the cases of interest apart (extra-trees feature scores)",
                about.plan
            ),
            subtitle: format!("{}; (uncertainty): not a lever", about.cases),
            y_label: "share of the trees' impurity decrease".into(),
            bars: (0..scores.len())
                .map(|r| Bar {
                    group: about.short_name(dims[r], roles[r]),
                    label: String::new(),
                    value: values[r],
                    interval: None,
                })
                .collect(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_written_short() {
        assert_eq!(sig3(0.0503124), "0.0503");
        assert_eq!(sig3(0.26), "0.26");
        assert_eq!(sig3(12.345), "12.3");
        assert_eq!(sig3(1234.6), "1235");
        let limit = |lo: f64, hi: f64, categories: &[&str]| Limit {
            scope: "all".into(),
            number: 1,
            dimension: "x".into(),
            role: "lever".into(),
            restricted: true,
            lo,
            hi,
            categories: categories.iter().map(|c| c.to_string()).collect(),
            min: 0.0,
            max: 1.0,
            qp: 0.01,
        };
        assert_eq!(short(&limit(0.25, f64::NAN, &[])), "≥ 0.25");
        assert_eq!(short(&limit(f64::NAN, 0.5, &[])), "≤ 0.5");
        assert_eq!(short(&limit(0.1, 0.5, &[])), "0.1 – 0.5");
        assert_eq!(short(&limit(f64::NAN, f64::NAN, &["a", "b"])), "∈ {a, b}");
    }

    #[test]
    fn a_box_pairs_its_restricted_dimensions_or_a_lone_one_with_the_best_scored_other() {
        let limit = |d: &str, restricted: bool, categorical: bool| Limit {
            scope: "all".into(),
            number: 1,
            dimension: d.into(),
            role: "lever".into(),
            restricted,
            lo: 0.5,
            hi: f64::NAN,
            categories: if categorical {
                vec!["a".into()]
            } else {
                Vec::new()
            },
            min: 0.0,
            max: 1.0,
            qp: 0.01,
        };
        let scores: Vec<(String, f64)> = [("c", 0.5), ("rule", 0.3), ("a", 0.2)]
            .iter()
            .map(|(d, s)| (d.to_string(), *s))
            .collect();
        let numeric = |d: &str| d != "rule";
        let (a, b, c, rule) = (
            limit("a", true, false),
            limit("b", true, false),
            limit("c", false, false),
            limit("rule", true, true),
        );
        assert_eq!(
            pairings(&[&a, &b, &c, &rule], &scores, &numeric),
            [("a".to_string(), "b".to_string())]
        );
        assert_eq!(
            pairings(&[&a, &c, &rule], &scores, &numeric),
            [("a".to_string(), "c".to_string())]
        );
        assert!(pairings(&[&c, &rule], &scores, &numeric).is_empty());
    }
}
