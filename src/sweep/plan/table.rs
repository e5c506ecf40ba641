//! A `table` design: the points of a CSV file made elsewhere (SALib, EMA Workbench, pyDOE, a
//! spreadsheet). The header names the axes by their paths, as `--set` and `[[axis]] path` do;
//! each row is a point. Every cell is checked as an axis value is in the other designs (a
//! lever's range or choices, a field's type and range), and a problem is located at the CSV
//! file's line and column.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::validate::{LeverKeys, lever_problem, lever_target};
use super::{Axis, AxisRole, RawAxis, RawPlan, Target, Values};
use crate::error::{Invalid, Location, ScenarioError};
use crate::model::levers::LEVERS;
use crate::scenario::Base;
use crate::scenario::overrides::Override;
use crate::scenario::plan::Problems;

/// The axes of a `table` design, each holding its column; `raw.axis` is set to the table's
/// columns (with the plan's `name`, `role` and `from_step` where it gives them), so the
/// manifest's plan names every axis as other designs do. Problems go to `p`; an unreadable
/// file or a bad header stops at once.
pub(super) fn axes(
    p: &mut Problems,
    raw: &mut RawPlan,
    dir: &Path,
    base: &Base,
    fixed: &[Override],
    keys: &LeverKeys,
) -> Result<Vec<Axis>, ScenarioError> {
    let stop = |p: &mut Problems| ScenarioError::Invalid(std::mem::take(&mut p.list));
    let Some(table) = TableFile::read(p, raw, dir) else {
        return Err(stop(p));
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .from_reader(table.text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) if h.iter().any(|c| !c.is_empty()) => h,
        Some(Err(e)) => {
            p.list.push(csv_problem(&table.file, &e));
            return Err(stop(p));
        }
        _ => {
            p.list.push(Invalid {
                location: table.at(1, 1),
                path: "header".into(),
                value: "empty".into(),
                allowed: "a header naming an axis path per column, e.g. policy.rd_subsidy.traditional,sectors.future.entry_rate".into(),
            });
            return Err(stop(p));
        }
    };
    let given: Vec<RawAxis> = raw.axis.clone().unwrap_or_default();
    check_plan_axes(p, &given, &header, &table.file);
    let (mut axes, columns) = header_axes(p, &table, &header, &given, keys);
    if !p.list.is_empty() || axes.len() != header.len() {
        return Err(stop(p));
    }
    read_rows(p, &table, records, &mut axes, base, fixed);
    if !p.list.is_empty() {
        return Err(stop(p));
    }
    raw.axis = Some(columns);
    Ok(axes)
}

/// The design's CSV file, read, with how to locate a cell of it.
struct TableFile {
    /// The file as the user would name it.
    file: PathBuf,
    text: String,
}

impl TableFile {
    /// Reads the file the plan's `table` names; `None` (with the problem in `p`) if there is
    /// none or it cannot be read.
    fn read(p: &mut Problems, raw: &RawPlan, dir: &Path) -> Option<TableFile> {
        let Some(relative) = raw.table.clone() else {
            p.add(
                "design",
                "\"table\" without `table`",
                "a table design names its CSV file, relative to the plan's folder: table = \"design.csv\"",
            );
            return None;
        };
        let path = dir.join(&relative);
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(TableFile {
                file: PathBuf::from(display_path(&p.file.display, &relative)),
                text,
            }),
            Err(e) => {
                p.add(
                    "table",
                    format!("{relative:?} (looked for {}: {e})", path.display()),
                    "must name a readable CSV file (UTF-8), relative to the plan's folder",
                );
                None
            }
        }
    }

    fn at(&self, line: usize, column: usize) -> Location {
        Location::File {
            file: self.file.clone(),
            line,
            column,
        }
    }

    /// The column (1-based, in characters) where field `field` of line `line` starts.
    fn cell_column(&self, line: usize, field: usize) -> usize {
        self.text
            .lines()
            .nth(line.saturating_sub(1))
            .map_or(1, |l| field_column(l, field))
    }
}

/// The plan's [[axis]] entries name, give a role to, or start a lever later for a column: they
/// give no values, and each names a column of the table.
fn check_plan_axes(p: &mut Problems, given: &[RawAxis], header: &csv::StringRecord, file: &Path) {
    for (i, a) in given.iter().enumerate() {
        if a.values.is_some() || a.range.is_some() {
            p.add(
                &format!("axis[{i}]"),
                "an axis with `values` or `range` in a table design",
                "the table gives the values; an [[axis]] of a table design only names a column's `path` and sets its `name`, `role` or `from_step`",
            );
        }
        match &a.path {
            Some(path) if !header.iter().any(|c| c == path) => p.add(
                &format!("axis[{i}].path"),
                format!("{path:?}"),
                format!(
                    "must be a column of {}: {}",
                    file.display(),
                    header.iter().collect::<Vec<_>>().join(", ")
                ),
            ),
            Some(_) => {}
            None => p.add(
                &format!("axis[{i}]"),
                "an axis without `path`",
                "name the table's column it describes, e.g. path = \"policy.rd_subsidy.traditional\"",
            ),
        }
    }
}

/// An axis per column of the header (with no values yet), and the plan's `[[axis]]` entries
/// that describe them; a column that names no axis is a problem in `p` and gets none.
fn header_axes(
    p: &mut Problems,
    table: &TableFile,
    header: &csv::StringRecord,
    given: &[RawAxis],
    keys: &LeverKeys,
) -> (Vec<Axis>, Vec<RawAxis>) {
    let mut axes: Vec<Axis> = Vec::new();
    let mut columns: Vec<RawAxis> = Vec::new();
    for (j, path) in header.iter().enumerate() {
        let location = table.at(1, table.cell_column(1, j));
        let bad = |p: &mut Problems, value: String, allowed: String| {
            p.list.push(Invalid {
                location: location.clone(),
                path: format!("column {}", j + 1),
                value,
                allowed,
            });
        };
        if path.is_empty() {
            bad(p, "empty".into(), "a column names an axis path".into());
            continue;
        }
        if header.iter().take(j).any(|c| c == path) {
            bad(p, format!("{path:?} again"), "each path once".into());
            continue;
        }
        let plan_axis = given.iter().find(|a| a.path.as_deref() == Some(path));
        let from_step = plan_axis.and_then(|a| a.from_step);
        let target = match lever_target(path, from_step, keys) {
            Ok(t) => t,
            Err(message) => {
                bad(p, format!("{path:?}"), lever_hint(path, message));
                continue;
            }
        };
        if target == Target::Field {
            if let Err(problem) = crate::scenario::schema::scenario().at(path) {
                bad(
                    p,
                    format!("{path:?}"),
                    format!(
                        "must name a field of the scenario: `{}` is {}: {}",
                        problem.path, problem.value, problem.allowed
                    ),
                );
                continue;
            }
            if from_step.is_some() {
                bad(
                    p,
                    format!("{path:?} with from_step"),
                    "from_step applies to policy levers only".into(),
                );
            }
        }
        if matches!(path, "run.replicates" | "run.seed") {
            bad(
                p,
                format!("{path:?}"),
                "replicates and seed are the plan's own `replicates` and `seed`".into(),
            );
            continue;
        }
        let name = plan_axis
            .and_then(|a| a.name.clone())
            .unwrap_or_else(|| path.to_string());
        if axes.iter().any(|a| a.name == name) {
            bad(
                p,
                format!("{name:?}"),
                "a column name no other axis has".into(),
            );
            continue;
        }
        let role = plan_axis
            .and_then(|a| a.role)
            .unwrap_or_else(|| AxisRole::default_for(path));
        columns.push(RawAxis {
            name: plan_axis.and_then(|a| a.name.clone()),
            path: Some(path.to_string()),
            from_step,
            role: plan_axis.and_then(|a| a.role),
            ..RawAxis::default()
        });
        axes.push(Axis {
            name,
            path: path.to_string(),
            target,
            values: Values::Column(Vec::new()),
            role,
            location,
        });
    }
    (axes, columns)
}

/// The rows: every cell parsed, checked (a field's value once per distinct text) and pushed
/// onto its axis's column; problems go to `p`.
fn read_rows(
    p: &mut Problems,
    table: &TableFile,
    records: csv::StringRecordsIter<&[u8]>,
    axes: &mut [Axis],
    base: &Base,
    fixed: &[Override],
) {
    let mut checked: HashMap<(usize, String), Option<String>> = HashMap::new();
    let mut rows = 0usize;
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                p.list.push(csv_problem(&table.file, &e));
                continue;
            }
        };
        let line = record.position().map_or(0, |pos| pos.line() as usize);
        if record.iter().all(str::is_empty) {
            continue; // a blank line (e.g. at the end of a spreadsheet's export)
        }
        rows += 1;
        if rows > super::MAX_POINTS {
            p.list.push(Invalid {
                location: table.at(line, 1),
                path: "rows".into(),
                value: format!("more than {}", super::MAX_POINTS),
                allowed: format!("at most {} points", super::MAX_POINTS),
            });
            break;
        }
        for (j, (axis, cell)) in axes.iter_mut().zip(record.iter()).enumerate() {
            let value = match (cell_value(cell), &axis.target) {
                // a number lever is a real: `0` in a spreadsheet is the grid's `0.0`
                (toml::Value::Integer(i), Target::Lever { lever, .. }) if !lever.is_choice() => {
                    toml::Value::Float(i as f64)
                }
                (value, _) => value,
            };
            let problem = match &axis.target {
                Target::Lever { lever, .. } => lever_problem(lever, &value),
                Target::Field => checked
                    .entry((j, cell.to_string()))
                    .or_insert_with(|| field_problem(&axis.path, &value, base, fixed))
                    .clone(),
            };
            match problem {
                Some(allowed) => p.list.push(Invalid {
                    location: table.at(line, table.cell_column(line, j)),
                    path: axis.path.clone(),
                    value: if cell.is_empty() {
                        "empty".into()
                    } else {
                        cell.to_string()
                    },
                    allowed,
                }),
                None => {
                    if let Values::Column(v) = &mut axis.values {
                        v.push(value);
                    }
                }
            }
        }
    }
    if rows == 0 {
        p.list.push(Invalid {
            location: table.at(1, 1),
            path: "rows".into(),
            value: "none".into(),
            allowed: "at least one row (one point) after the header".into(),
        });
    }
}

/// The table's file as the user would name it: beside the plan file as they named it.
fn display_path(plan: &Path, relative: &str) -> String {
    plan.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or(relative.to_string(), |d| {
            d.join(relative).display().to_string()
        })
}

/// A CSV cell as a value: an integer, a number, `true`/`false`, or else text.
fn cell_value(cell: &str) -> toml::Value {
    if let Ok(i) = cell.parse::<i64>() {
        toml::Value::Integer(i)
    } else if let Ok(x) = cell.parse::<f64>() {
        toml::Value::Float(x)
    } else if let Ok(b) = cell.parse::<bool>() {
        toml::Value::Boolean(b)
    } else {
        toml::Value::String(cell.to_string())
    }
}

/// What is wrong with `value` at the field `path` of the base scenario, if anything (the
/// allowed values or type, as the scenario's validation says).
fn field_problem(
    path: &str,
    value: &toml::Value,
    base: &Base,
    fixed: &[Override],
) -> Option<String> {
    if value.as_str() == Some("") {
        return Some("a value (the cell is empty)".into());
    }
    let result =
        Override::at(path, value.clone(), Location::Default, path.to_string()).and_then(|o| {
            let mut all = fixed.to_vec();
            all.push(o);
            base.resolve(&all)
        });
    match result {
        Ok(_) => None,
        Err(ScenarioError::Invalid(list)) => Some(
            list.iter()
                .map(|i| i.allowed.clone())
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Err(ScenarioError::Syntax { message, .. } | ScenarioError::Set { message, .. }) => {
            Some(message)
        }
        Err(other) => Some(other.to_string()),
    }
}

/// The message of an unknown lever, with the lever it was probably meant to be.
fn lever_hint(path: &str, message: String) -> String {
    let name = path
        .strip_prefix("policy.")
        .and_then(|r| r.split('.').next())
        .unwrap_or_default();
    match crate::error::did_you_mean(name, LEVERS.iter().map(|l| l.name)) {
        Some(meant) if meant != name => format!("{message} (did you mean `{meant}`?)"),
        _ => message,
    }
}

/// A CSV syntax error (e.g. a row with too many fields) at its line.
fn csv_problem(file: &Path, e: &csv::Error) -> Invalid {
    let line = e.position().map_or(1, |p| p.line() as usize);
    let (value, allowed) = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => (
            format!("{len} fields"),
            format!("{expected_len} fields, one per column of the header"),
        ),
        other => (format!("{other:?}"), "a CSV row".to_string()),
    };
    Invalid {
        location: Location::File {
            file: file.to_path_buf(),
            line,
            column: 1,
        },
        path: "row".into(),
        value,
        allowed,
    }
}

/// The 1-based character column where field `field` (from 0) of a CSV line starts.
fn field_column(line: &str, field: usize) -> usize {
    let (mut quoted, mut seen) = (false, 0);
    for (i, c) in line.chars().enumerate() {
        if seen == field {
            return i + 1;
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => seen += 1,
            _ => {}
        }
    }
    line.chars().count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_starts_after_its_commas_outside_quotes() {
        assert_eq!(field_column("a,bb,c", 0), 1);
        assert_eq!(field_column("a,bb,c", 2), 6);
        assert_eq!(field_column("\"x,y\",z", 1), 7);
    }

    #[test]
    fn cells_are_integers_numbers_booleans_or_text() {
        assert_eq!(cell_value("3"), toml::Value::Integer(3));
        assert_eq!(cell_value("0.25"), toml::Value::Float(0.25));
        assert_eq!(cell_value("1e-3"), toml::Value::Float(1e-3));
        assert_eq!(cell_value("true"), toml::Value::Boolean(true));
        assert_eq!(
            cell_value("selective"),
            toml::Value::String("selective".into())
        );
    }
}
