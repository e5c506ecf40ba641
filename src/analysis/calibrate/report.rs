//! What a calibration writes: `evaluations.csv` (every evaluation), `best.toml` (a scenario
//! with the estimates that runs as is) and `report.md` (the fit, the estimates with standard
//! errors, the J statistic and the warnings).

use std::fmt::Write as _;
use std::path::Path;

use super::inference::{Inference, JTest, NoJ};
use super::moments::Target;
use super::plan::Plan;
use super::search::Record;
use crate::output::csv::CsvWriter;

/// The bytes of `evaluations.csv`: one row per evaluation, in order: its index and phase, the
/// parameter values, the moments' means over the replicates, the loss, and why the runs failed
/// if they did.
pub fn evaluations_csv(plan: &Plan, records: &[Record]) -> Vec<u8> {
    let mut columns = vec!["evaluation".to_string(), "phase".to_string()];
    columns.extend(plan.parameters.iter().map(|p| p.name.clone()));
    columns.extend(plan.moments.iter().map(|m| m.name.clone()));
    columns.extend(["loss".to_string(), "failed".to_string()]);
    let mut w = CsvWriter::with_header(Vec::new(), &columns).expect("writing to memory");
    for r in records {
        w.integer(r.index).expect("memory");
        w.text(&r.phase).expect("memory");
        for v in &r.evaluation.values {
            w.real(*v).expect("memory");
        }
        let means = r.evaluation.means();
        for k in 0..plan.moments.len() {
            w.optional(means.get(k).copied()).expect("memory");
        }
        w.real(r.loss).expect("memory");
        w.text(r.evaluation.failed.as_deref().unwrap_or(""))
            .expect("memory");
        w.end_row().expect("memory");
    }
    w.into_inner().expect("writing to memory")
}

/// The text of `best.toml`: a scenario that extends the plan's base scenario (named as it is
/// from the output folder `folder`) with the estimates, and nothing else of the plan's `set`
/// (those are the size of an evaluation, not part of the economy).
pub fn best_toml(plan: &Plan, best: &Record, folder: &Path, base: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# The estimates of the calibration `{}` ({}), written by nqpsim {}.\n# Loss {:.6} at evaluation {}; see report.md for the fit and the standard errors.",
        plan.name,
        plan.file.display(),
        env!("CARGO_PKG_VERSION"),
        best.loss,
        best.index
    );
    let _ = writeln!(out, "name = \"{}-calibrated\"", plan.name);
    let _ = writeln!(out, "extends = {}", toml_string(base));
    let _ = folder;
    let mut lines: Vec<String> = Vec::new();
    for (p, &v) in plan.parameters.iter().zip(&best.evaluation.values) {
        for o in p.overrides(v) {
            let (path, value) = o.split_once('=').expect("path=value");
            lines.push(format!("{path} = {value}"));
        }
    }
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    out
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// What `report.md` says about the run itself.
pub struct RunFacts<'a> {
    /// The command line.
    pub command: &'a str,
    /// Evaluations run (the search's and the Jacobian's).
    pub evaluations: usize,
    /// Wall time in seconds.
    pub wall_time_s: f64,
    /// Worker threads.
    pub threads: usize,
}

/// The text of `report.md`.
pub fn report_md(
    plan: &Plan,
    best: &Record,
    inference: &Inference,
    weights: &[f64],
    records: &[Record],
    facts: &RunFacts,
) -> String {
    let mut out = String::new();
    let s = best.evaluation.replicates.len();
    let _ = writeln!(out, "# Calibration `{}`\n", plan.name);
    if !plan.description.is_empty() {
        let _ = writeln!(out, "{}\n", plan.description);
    }
    let _ = writeln!(
        out,
        "Plan `{}`, base scenario {}, {} replicates per evaluation (seed {}, the same random numbers at every evaluation), overrides: {}.\n",
        plan.file.display(),
        plan.scenario_files.join(" <- "),
        s,
        plan.seed,
        if plan.fixed_overrides().is_empty() {
            "none".to_string()
        } else {
            plan.fixed_overrides().join(", ")
        }
    );
    let _ = writeln!(
        out,
        "`{}`: {} evaluations (budget {} for the search, then {} for the Jacobian) in {:.0} s on {} threads. Best loss **{:.4}** at evaluation {} ({}).\n",
        facts.command,
        facts.evaluations,
        plan.search.evaluations,
        2 * plan.parameters.len(),
        facts.wall_time_s,
        facts.threads,
        best.loss,
        best.index,
        best.phase
    );
    let _ = writeln!(out, "## Estimates\n");
    let _ = writeln!(
        out,
        "| parameter | estimate | standard error | 95 % interval | range searched | start |\n|---|---|---|---|---|---|"
    );
    for (p, e) in plan.parameters.iter().zip(&inference.estimates) {
        let (se, interval) = match e.se {
            Some(se) => (
                format!("{se:.4}"),
                format!("[{:.4}, {:.4}]", e.value - 1.96 * se, e.value + 1.96 * se),
            ),
            None => ("none".into(), "".into()),
        };
        let _ = writeln!(
            out,
            "| `{}` | {:.4}{} | {se} | {interval} | [{}, {}]{} | {} |",
            p.name,
            e.value,
            if e.at_bound { " (at a bound)" } else { "" },
            p.min,
            p.max,
            if p.log { " (log scale)" } else { "" },
            p.start
        );
    }
    let _ = writeln!(
        out,
        "\nStandard errors: `(1 + 1/S) (G'WG)^-1 G'W Omega W G (G'WG)^-1` with S = {s}, `G` the numerical Jacobian of the moments (central differences of {:.0} % of each range, same random numbers), `W` the loss's weights and `Omega` the covariance of one replicate's moments at the estimate: how precisely an economy of this size pins the parameters down through the moments that bind.\n",
        100.0 * plan.search.jacobian_step
    );
    let _ = writeln!(out, "## Fit\n");
    let _ = writeln!(
        out,
        "| moment | target | simulated (mean over replicates) | se of the mean | sd across replicates | deviation in sd | weight |\n|---|---|---|---|---|---|---|"
    );
    for ((m, f), w) in plan.moments.iter().zip(&inference.fits).zip(weights) {
        let status = match m.target {
            Target::Band(..) if f.deviation == 0.0 => " (inside the band)".to_string(),
            Target::Band(..) => " (OUTSIDE the band)".to_string(),
            Target::Point(_) => String::new(),
        };
        let z = if f.sd > 0.0 {
            f.deviation / f.sd
        } else {
            f64::NAN
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {:.4}{status} | {:.4} | {:.4} | {:+.2} | {:.3e} |",
            m.name,
            m.target.describe(),
            f.mean,
            f.se,
            f.sd,
            z,
            w
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}\n", j_sentence(&inference.j));
    let _ = writeln!(out, "## Warnings\n");
    if inference.warnings.is_empty() {
        let _ = writeln!(out, "None.\n");
    }
    for w in &inference.warnings {
        let _ = writeln!(out, "- {w}");
    }
    let _ = writeln!(out, "\n## Search\n");
    let _ = writeln!(out, "| phase | evaluations | best loss |\n|---|---|---|");
    let mut phases: Vec<&str> = Vec::new();
    for r in records {
        if !phases.contains(&r.phase.as_str()) {
            phases.push(&r.phase);
        }
    }
    for phase in phases {
        let of: Vec<&Record> = records.iter().filter(|r| r.phase == phase).collect();
        let best = of.iter().map(|r| r.loss).fold(f64::INFINITY, f64::min);
        let _ = writeln!(out, "| {phase} | {} | {best:.4} |", of.len());
    }
    let _ = writeln!(
        out,
        "\nThe Jacobian (`dm/dtheta`, per unit of each parameter) at the estimate:\n"
    );
    let _ = write!(out, "| moment |");
    for p in &plan.parameters {
        let _ = write!(out, " `{}` |", p.name);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "|---|{}", "---|".repeat(plan.parameters.len()));
    for (m, row) in plan.moments.iter().zip(&inference.jacobian) {
        let _ = write!(out, "| `{}` |", m.name);
        for x in row {
            let _ = write!(out, " {x:.4} |");
        }
        let _ = writeln!(out);
    }
    out
}

/// The report's sentence on the J test.
fn j_sentence(j: &Result<JTest, NoJ>) -> String {
    match j {
        Ok(t) => format!(
            "J = {:.3} on {} degrees of freedom (point targets and binding bands less parameters), p = {:.4}{}{}.",
            t.value,
            t.df,
            t.p,
            if t.diagonal {
                ", with the diagonal of Omega (no more replicates than informative moments, so the \
                 sample Omega is singular and the moments' correlations are ignored; more \
                 `replicates` give the full statistic)"
            } else {
                ""
            },
            if t.p < 0.05 {
                ": the model does not match these moments together at any point of the box"
            } else {
                ""
            }
        ),
        Err(NoJ::NoDegreesOfFreedom) => {
            "No J statistic: no more point targets and binding bands than parameters, so \
             nothing is left to test."
                .to_string()
        }
        Err(NoJ::ConstantMoment) => {
            "No J statistic: a moment that informs the loss has the same value in every \
             replicate (or none), so its variance cannot weight its deviation."
                .to_string()
        }
    }
}
