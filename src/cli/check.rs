//! `nqpsim check SCENARIO...`: validate scenario files and print each fully resolved.

use std::path::PathBuf;

use std::fmt::Write as _;

use clap::Args;

use super::{EXIT_BAD_INPUT, EXIT_OK, ScenarioArgs, load_scenario};
use crate::Scenario;
use crate::model::features::Features;

/// Options of `nqpsim check`.
#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    /// Scenario files to check (`builtin:baseline` for the embedded baseline)
    #[arg(value_name = "SCENARIO", required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Only report problems; do not print the resolved scenarios
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the levers in force at every step (with its year), after the schedule, instead of
    /// the resolved scenario
    #[arg(long, conflicts_with = "quiet")]
    pub levers: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub scenario_args: ScenarioArgs,
}

/// Runs `nqpsim check`: every file is checked; the exit code is 2 if any is bad.
pub fn execute(args: CheckArgs) -> anyhow::Result<i32> {
    let mut bad = 0;
    let mut out = String::new();
    for path in &args.scenarios {
        match load_scenario(Some(path), &args.scenario_args.set) {
            Ok((scenario, _)) => {
                if args.quiet {
                    writeln!(out, "ok: {}", path.display())?;
                } else if args.levers {
                    writeln!(out, "{}", lever_path(&scenario, path))?;
                } else {
                    writeln!(
                        out,
                        "# {}: ok, resolved with every default written out\n",
                        path.display()
                    )?;
                    writeln!(out, "{}", scenario.to_toml())?;
                }
            }
            Err(e) => {
                bad += 1;
                eprintln!("error: {e}");
            }
        }
    }
    super::print(&out)?;
    Ok(if bad > 0 { EXIT_BAD_INPUT } else { EXIT_OK })
}

/// The levers in force at each step of `scenario` as a table: one row per step with its year,
/// one column per lever (per sector or region where they differ) whose value changes over the
/// run; the levers that do not change are listed after it.
pub fn lever_path(scenario: &Scenario, path: &std::path::Path) -> String {
    // The levers the explicit form writes at some step (a model-2 lever at its default is
    // left out of a scenario whose features do not use it) ...
    let written: Vec<String> = (0..=scenario.run.steps)
        .flat_map(|t| {
            let raw = scenario.levers_to_raw(&scenario.policy.at(t));
            let value = toml::Value::try_from(&raw).expect("levers serialise");
            value
                .as_table()
                .map(|t| t.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect();
    // ... with their values at every step, the default included: (column, value text) per
    // step, per-sector levers per sector, per-region ones per region
    let every = Features::every();
    let sectors = scenario.sector_names();
    let regions = scenario.region_names();
    let steps: Vec<Vec<(String, String)>> = (0..=scenario.run.steps)
        .map(|t| {
            let raw = scenario.policy.at(t).to_raw(&sectors, &regions, &every);
            let value = toml::Value::try_from(&raw).expect("levers serialise");
            let mut cells = Vec::new();
            flatten("", &value, &mut cells);
            cells.retain(|(c, _)| written.iter().any(|w| c.split('.').next() == Some(w)));
            cells
        })
        .collect();
    let mut columns: Vec<String> = Vec::new();
    for cells in &steps {
        for (c, _) in cells {
            if !columns.contains(c) {
                columns.push(c.clone());
            }
        }
    }
    let value = |t: usize, c: &str| -> String {
        steps[t]
            .iter()
            .find(|(k, _)| k == c)
            .map_or("none".into(), |(_, v)| v.clone())
    };
    // a per-sector (per-region) lever whose sectors (regions) agree at every step is one column
    let lever_of = |c: &str| c.split('.').next().unwrap_or(c).to_string();
    let mut shown: Vec<(String, Vec<String>)> = Vec::new(); // (header, values by step)
    let mut constant: Vec<String> = Vec::new();
    let mut done: Vec<String> = Vec::new();
    for c in &columns {
        let lever = lever_of(c);
        if done.contains(&lever) {
            continue;
        }
        let members: Vec<&String> = columns.iter().filter(|k| lever_of(k) == lever).collect();
        let values = |k: &str| (0..steps.len()).map(|t| value(t, k)).collect::<Vec<_>>();
        let first = values(members[0]);
        let groups: Vec<(String, Vec<String>)> =
            if members.len() > 1 && members.iter().all(|k| values(k) == first) {
                vec![(lever.clone(), first)]
            } else {
                members.iter().map(|k| ((*k).clone(), values(k))).collect()
            };
        for (header, v) in groups {
            if v.iter().all(|x| *x == v[0]) {
                constant.push(format!("{header} {}", v[0]));
            } else {
                shown.push((header, v));
            }
        }
        done.push(lever);
    }
    let mut out = format!(
        "# {}: the levers in force at each step (step 0 is {})\n",
        path.display(),
        scenario.run.start_year
    );
    let widths: Vec<usize> = shown
        .iter()
        .map(|(h, v)| {
            v.iter()
                .map(String::len)
                .chain([h.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut line = format!("{:>5} {:>6}", "step", "year");
    for ((h, _), w) in shown.iter().zip(&widths) {
        line.push_str(&format!("  {h:>w$}"));
    }
    out.push_str(line.trim_end());
    out.push('\n');
    for t in 0..steps.len() {
        let mut line = format!(
            "{t:>5} {:>6}",
            i64::from(scenario.run.start_year) + t as i64
        );
        for ((_, v), w) in shown.iter().zip(&widths) {
            line.push_str(&format!("  {:>w$}", v[t]));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if shown.is_empty() {
        out.push_str("(no lever changes over the run)\n");
    }
    out.push_str(&format!(
        "the same at every step: {}\n",
        constant.join(", ")
    ));
    out
}

/// `path = value` texts of a table's leaves, nested tables as dotted paths; numbers to six
/// significant digits (a ramp's steps are not shown with binary noise).
fn flatten(prefix: &str, value: &toml::Value, out: &mut Vec<(String, String)>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, v, out);
            }
        }
        toml::Value::Float(x) => out.push((prefix.to_string(), number(*x))),
        toml::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// A number to six significant digits, without trailing zeros.
fn number(x: f64) -> String {
    let text = format!("{}", (x * 1e6).round() / 1e6);
    if text == "-0" { "0".into() } else { text }
}
