//! The tables of a discovery, in the crate's one CSV convention
//! ([`crate::output::csv`]): numbers in their shortest round-trip form, `0` for zero, an
//! empty field where there is no value (an open side of a box, a quasi-p value of an
//! unrestricted dimension).

use super::{Cases, Discovery, OutputTable, Robustness, ScopeResult};
use crate::analysis::discovery::prim::{self, Phase, QuasiP};
use crate::analysis::discovery::{BoxStats, Column, Dataset, Limits, Restriction};
use crate::output::csv::{CsvWriter, real};

/// The columns of `cases.csv` after `point` and the axes.
pub const CASES_COLUMNS: [&str; 4] = ["replicates", "met", "share", "case"];
/// The columns of `trajectory.csv`.
pub const TRAJECTORY_COLUMNS: [&str; 14] = [
    "scope",
    "box",
    "index",
    "phase",
    "n",
    "k",
    "coverage",
    "density",
    "mass",
    "res_dim",
    "restricted",
    "limits",
    "kept",
    "chosen",
];
/// The columns of `boxes.csv`.
pub const BOXES_COLUMNS: [&str; 20] = [
    "method",
    "scope",
    "box",
    "dimension",
    "role",
    "restricted",
    "lo",
    "hi",
    "categories",
    "min",
    "max",
    "qp_lo",
    "qp_hi",
    "qp",
    "n",
    "k",
    "coverage",
    "density",
    "mass",
    "meets_threshold",
];
/// The columns of `bootstrap.csv`.
pub const BOOTSTRAP_COLUMNS: [&str; 11] = [
    "scope",
    "resample",
    "meets_threshold",
    "n",
    "k",
    "coverage",
    "density",
    "mass",
    "jaccard",
    "restricted",
    "limits",
];
/// The columns of `scores.csv`.
pub const SCORES_COLUMNS: [&str; 4] = ["rank", "dimension", "role", "score"];
/// The columns of `robustness.csv` after the levers.
pub const ROBUSTNESS_COLUMNS: [&str; 4] = ["cells", "cases", "share", "mean_replicate_share"];

/// Writing to memory cannot fail.
const MEMORY: &str = "writing to memory succeeds";

fn writer(columns: impl IntoIterator<Item = String>) -> CsvWriter<Vec<u8>> {
    CsvWriter::with_header(Vec::new(), columns).expect(MEMORY)
}

fn table(name: &'static str, rows: u64, w: CsvWriter<Vec<u8>>) -> OutputTable {
    OutputTable {
        name,
        rows,
        bytes: w.into_inner().expect(MEMORY),
    }
}

fn strings<const N: usize>(columns: [&str; N]) -> Vec<String> {
    columns.iter().map(|c| c.to_string()).collect()
}

/// The names of the dimensions `limits` restricts, joined by `;`.
pub fn restricted_names(data: &Dataset, limits: &Limits) -> String {
    limits
        .restricted_dims()
        .iter()
        .map(|&d| data.dims()[d].name.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

/// The allowed categories of a categorical restriction, joined by `;`.
fn categories(labels: &[String], allowed: &[bool]) -> String {
    labels
        .iter()
        .zip(allowed)
        .filter(|(_, a)| **a)
        .map(|(l, _)| l.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

/// A box in words, full precision: `carbon_price >= 0.0503; targeting in {selective}`.
pub fn limits_text(data: &Dataset, limits: &Limits) -> String {
    limits
        .restricted_dims()
        .iter()
        .map(|&d| {
            let dim = &data.dims()[d];
            match (limits.get(d), &dim.column) {
                (&Restriction::Interval { lo, hi }, _) => match (lo.is_finite(), hi.is_finite()) {
                    (true, true) => format!("{} <= {} <= {}", real(lo), dim.name, real(hi)),
                    (true, false) => format!("{} >= {}", dim.name, real(lo)),
                    _ => format!("{} <= {}", dim.name, real(hi)),
                },
                (Restriction::Categories(allowed), Column::Categorical { labels, .. }) => {
                    format!(
                        "{} in {{{}}}",
                        dim.name,
                        categories(labels, allowed).replace(';', ", ")
                    )
                }
                _ => unreachable!("limits fit their data set"),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub(super) fn cases(cases: &Cases) -> OutputTable {
    let mut columns = vec!["point".to_string()];
    columns.extend(cases.axes.iter().map(|a| a.name.clone()));
    columns.extend(strings(CASES_COLUMNS));
    let mut w = writer(columns);
    for p in 0..cases.points() {
        w.integer(cases.point[p]).expect(MEMORY);
        for axis in &cases.axes {
            w.text(&axis.values[p]).expect(MEMORY);
        }
        w.integer(cases.completed[p]).expect(MEMORY);
        w.integer(cases.met[p]).expect(MEMORY);
        w.real(cases.share[p]).expect(MEMORY);
        w.flag(Some(cases.interest[p])).expect(MEMORY);
        w.end_row().expect(MEMORY);
    }
    table(super::CASES, cases.points() as u64, w)
}

pub(super) fn trajectory(d: &Discovery) -> OutputTable {
    let mut w = writer(strings(TRAJECTORY_COLUMNS));
    let mut rows = 0;
    for s in &d.scopes {
        for (b, traj) in s.boxes.iter().enumerate() {
            for (i, p) in traj.points.iter().enumerate() {
                w.text(s.scope.name()).expect(MEMORY);
                w.integer(b + 1).expect(MEMORY);
                w.integer(i).expect(MEMORY);
                w.text(match p.phase {
                    Phase::Start => "start",
                    Phase::Peel => "peel",
                    Phase::Paste => "paste",
                })
                .expect(MEMORY);
                w.integer(p.n).expect(MEMORY);
                w.integer(p.k).expect(MEMORY);
                w.real(p.coverage).expect(MEMORY);
                w.real(p.density).expect(MEMORY);
                w.real(p.mass).expect(MEMORY);
                w.integer(p.res_dim).expect(MEMORY);
                w.text(restricted_names(&s.data, &p.limits)).expect(MEMORY);
                w.text(limits_text(&s.data, &p.limits)).expect(MEMORY);
                w.flag(Some(i == traj.pasted_from)).expect(MEMORY);
                w.flag(Some(i == traj.chosen)).expect(MEMORY);
                w.end_row().expect(MEMORY);
                rows += 1;
            }
        }
    }
    table(super::TRAJECTORY, rows, w)
}

/// The rows of one box: every dimension of the scope.
fn box_rows(
    w: &mut CsvWriter<Vec<u8>>,
    d: &Discovery,
    s: &ScopeResult,
    (method, number): (&str, usize),
    limits: &Limits,
    qps: &[(usize, QuasiP)],
    stats: BoxStats,
) -> u64 {
    for (dim, restriction) in limits.restrictions().iter().enumerate() {
        let axis = &d.cases.axes[s.axes[dim]];
        w.text(method).expect(MEMORY);
        w.text(s.scope.name()).expect(MEMORY);
        w.integer(number).expect(MEMORY);
        w.text(&axis.name).expect(MEMORY);
        w.text(axis.role.name()).expect(MEMORY);
        w.flag(Some(restriction.is_restricted())).expect(MEMORY);
        match (restriction, &s.data.dims()[dim].column) {
            (&Restriction::Interval { lo, hi }, _) => {
                let (min, max) = s.data.range(dim).expect("a numeric dimension");
                w.real(lo).expect(MEMORY); // an open side is infinite: empty
                w.real(hi).expect(MEMORY);
                w.missing().expect(MEMORY);
                w.real(min).expect(MEMORY);
                w.real(max).expect(MEMORY);
            }
            (Restriction::Categories(allowed), Column::Categorical { labels, .. }) => {
                w.missing().expect(MEMORY);
                w.missing().expect(MEMORY);
                w.text(categories(labels, allowed)).expect(MEMORY);
                w.missing().expect(MEMORY);
                w.missing().expect(MEMORY);
            }
            _ => unreachable!("limits fit their data set"),
        }
        match qps.iter().find(|(q, _)| *q == dim).map(|(_, qp)| *qp) {
            Some(qp @ QuasiP::Interval { lower, upper }) => {
                w.optional(lower).expect(MEMORY);
                w.optional(upper).expect(MEMORY);
                w.real(qp.max()).expect(MEMORY);
            }
            Some(QuasiP::Categories(p)) => {
                w.missing().expect(MEMORY);
                w.missing().expect(MEMORY);
                w.real(p).expect(MEMORY);
            }
            None => {
                for _ in 0..3 {
                    w.missing().expect(MEMORY);
                }
            }
        }
        w.integer(stats.n).expect(MEMORY);
        w.integer(stats.k).expect(MEMORY);
        w.real(stats.coverage).expect(MEMORY);
        w.real(stats.density).expect(MEMORY);
        w.real(stats.mass).expect(MEMORY);
        w.flag(Some(stats.density >= d.threshold)).expect(MEMORY);
        w.end_row().expect(MEMORY);
    }
    limits.restrictions().len() as u64
}

pub(super) fn boxes(d: &Discovery) -> OutputTable {
    let mut w = writer(strings(BOXES_COLUMNS));
    let mut rows = 0;
    for s in &d.scopes {
        for (b, traj) in s.boxes.iter().enumerate() {
            let p = traj.chosen();
            let stats = BoxStats {
                n: p.n,
                k: p.k,
                coverage: p.coverage,
                density: p.density,
                mass: p.mass,
            };
            let qps = traj.quasi_p(&s.data, traj.chosen);
            rows += box_rows(&mut w, d, s, ("prim", b + 1), &p.limits, &qps, stats);
        }
    }
    for s in &d.scopes {
        for (b, (traj, pruned)) in s.boxes.iter().zip(&s.pruned).enumerate() {
            let Some((limits, stats)) = pruned else {
                continue;
            };
            let qps = prim::quasi_p_on(&s.data, traj.rows(), limits);
            rows += box_rows(&mut w, d, s, ("prim-pruned", b + 1), limits, &qps, *stats);
        }
    }
    for s in &d.scopes {
        for (b, leaf) in s.cart.boxes().iter().enumerate() {
            let qps = prim::quasi_p(&s.data, &leaf.limits);
            rows += box_rows(
                &mut w,
                d,
                s,
                ("cart", b + 1),
                &leaf.limits,
                &qps,
                leaf.stats,
            );
        }
    }
    table(super::BOXES, rows, w)
}

pub(super) fn bootstrap(d: &Discovery) -> OutputTable {
    let mut w = writer(strings(BOOTSTRAP_COLUMNS));
    let mut rows = 0;
    for s in &d.scopes {
        let Some(b) = &s.bootstrap else { continue };
        for (i, r) in b.resamples.iter().enumerate() {
            w.text(s.scope.name()).expect(MEMORY);
            w.integer(i).expect(MEMORY);
            w.flag(Some(r.meets_threshold)).expect(MEMORY);
            w.integer(r.on_original.n).expect(MEMORY);
            w.integer(r.on_original.k).expect(MEMORY);
            w.real(r.on_original.coverage).expect(MEMORY);
            w.real(r.on_original.density).expect(MEMORY);
            w.real(r.on_original.mass).expect(MEMORY);
            w.real(r.jaccard).expect(MEMORY);
            w.text(restricted_names(&s.data, &r.limits)).expect(MEMORY);
            w.text(limits_text(&s.data, &r.limits)).expect(MEMORY);
            w.end_row().expect(MEMORY);
            rows += 1;
        }
    }
    table(super::BOOTSTRAP, rows, w)
}

pub(super) fn scores(d: &Discovery) -> OutputTable {
    let mut w = writer(strings(SCORES_COLUMNS));
    let s = &d.scopes[0];
    for (rank, score) in d.scores.iter().enumerate() {
        w.integer(rank + 1).expect(MEMORY);
        w.text(&score.name).expect(MEMORY);
        w.text(d.cases.axes[s.axes[score.dim]].role.name())
            .expect(MEMORY);
        w.real(score.score).expect(MEMORY);
        w.end_row().expect(MEMORY);
    }
    table(super::SCORES, d.scores.len() as u64, w)
}

pub(super) fn robustness(cases: &Cases, rows: &[Robustness]) -> OutputTable {
    let mut columns: Vec<String> = cases
        .axes
        .iter()
        .filter(|a| a.role == crate::sweep::plan::AxisRole::Lever)
        .map(|a| a.name.clone())
        .collect();
    columns.extend(strings(ROBUSTNESS_COLUMNS));
    let mut w = writer(columns);
    for r in rows {
        for v in &r.levers {
            w.text(v).expect(MEMORY);
        }
        w.integer(r.cells).expect(MEMORY);
        w.integer(r.cases).expect(MEMORY);
        w.real(r.cases as f64 / r.cells as f64).expect(MEMORY);
        w.real(r.mean_replicate_share).expect(MEMORY);
        w.end_row().expect(MEMORY);
    }
    table(super::ROBUSTNESS, rows.len() as u64, w)
}
