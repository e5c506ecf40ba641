//! What every plan file (a sweep plan, a calibration plan) shares: the base scenario it names
//! in `scenario`, relative to the plan's folder, and the fixed overrides of its `set` table,
//! each located where the plan writes it.

use std::path::Path;

use super::Base;
use super::extends::{BUILTIN_BASELINE, Origin};
use super::overrides::Override;
use super::source::{self, SourceFile};
use super::validate::{FOLDER_NAME_RULE, is_folder_name};
use crate::error::{Invalid, Location, ScenarioError};

/// The problems found in a plan file, each located where the plan writes it.
pub struct Problems<'a> {
    /// The plan file.
    pub file: &'a SourceFile,
    /// The problems so far, in the order found.
    pub list: Vec<Invalid>,
}

impl<'a> Problems<'a> {
    /// No problems yet in `file`.
    pub fn new(file: &'a SourceFile) -> Self {
        Problems {
            file,
            list: Vec::new(),
        }
    }

    /// Where the plan writes `path`: its own line, else the table that holds it, else the
    /// file's first line.
    pub fn locate(&self, path: &str) -> Location {
        self.file
            .locate(path)
            .or_else(|| self.file.locate_enclosing_table(path))
            .unwrap_or(Location::File {
                file: self.file.display.clone(),
                line: 1,
                column: 1,
            })
    }

    /// A problem with `path`, whose `value` is not what is `allowed`.
    pub fn add(&mut self, path: &str, value: impl Into<String>, allowed: impl Into<String>) {
        let location = self.locate(path);
        self.list.push(Invalid {
            location,
            path: path.to_string(),
            value: value.into(),
            allowed: allowed.into(),
        });
    }

    /// The plan's name, its output folder: `given`, else the file's `stem`; a problem if it
    /// cannot be a folder name.
    pub fn name(&mut self, given: Option<&str>, stem: &str) -> String {
        let name = given.unwrap_or(stem).to_string();
        if !is_folder_name(&name) {
            self.add("name", format!("{name:?}"), FOLDER_NAME_RULE);
        }
        name
    }
}

/// What a plan's `scenario` must be.
pub const SCENARIO_RULE: &str =
    "must name a scenario file, relative to the plan's folder, or `builtin:baseline`";

/// The origin of the scenario a plan names: none, or `builtin:baseline`, is the embedded
/// baseline; anything else a file relative to the plan's folder `dir`. `Err` holds the value
/// as a problem shows it, when no such file exists.
pub fn origin(scenario: Option<&str>, dir: &Path) -> Result<Origin, String> {
    match scenario {
        None | Some(BUILTIN_BASELINE) => Ok(Origin::Builtin),
        Some(relative) => {
            let path = dir.join(relative);
            if path.is_file() {
                Ok(Origin::File(path))
            } else {
                Err(format!("{relative:?} (looked for {})", path.display()))
            }
        }
    }
}

/// Reads the base scenario of `origin` and its `extends` chain, named by the file's stem if it
/// names itself nothing (`baseline` for the embedded one).
pub fn read_base(origin: Origin) -> Result<Base, ScenarioError> {
    let default_name = match &origin {
        Origin::File(path) => source::file_stem(path),
        _ => "baseline".to_string(),
    };
    Base::read(origin, &default_name)
}

/// A plan's `set` table, [`flatten`]ed, as overrides of its base scenario, in order, each
/// reported at `locate(set.PATH)` if its value is refused.
pub fn set_overrides(
    set: &[(String, toml::Value)],
    locate: impl Fn(&str) -> Location,
) -> Result<Vec<Override>, ScenarioError> {
    set.iter()
        .map(|(path, value)| {
            let location = locate(&format!("set.{path}"));
            let label = format!("{location}: set `{path}`");
            Override::at(path, value.clone(), location, label)
        })
        .collect()
}

/// Flattens a table into `path = value` pairs (nested tables become dotted paths).
pub fn flatten(table: Option<&toml::Table>) -> Vec<(String, toml::Value)> {
    fn walk(prefix: &str, value: &toml::Value, out: &mut Vec<(String, toml::Value)>) {
        match value {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    walk(&format!("{prefix}.{k}"), v, out);
                }
            }
            other => out.push((prefix.to_string(), other.clone())),
        }
    }
    let mut out = Vec::new();
    for (k, v) in table.into_iter().flatten() {
        walk(k, v, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_tables_flatten_into_dotted_paths_in_order() {
        let table: toml::Table = toml::from_str("a = 1\n[b]\nc = 2\n[b.d]\ne = 'x'\n").unwrap();
        let paths: Vec<String> = flatten(Some(&table))
            .into_iter()
            .map(|(p, v)| format!("{p}={v}"))
            .collect();
        assert_eq!(paths, ["a=1", "b.c=2", "b.d.e=\"x\""]);
        assert!(flatten(None).is_empty());
    }

    #[test]
    fn a_plan_names_the_embedded_baseline_or_a_file_in_its_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(origin(None, dir), Ok(Origin::Builtin));
        assert_eq!(origin(Some(BUILTIN_BASELINE), dir), Ok(Origin::Builtin));
        assert_eq!(
            origin(Some("Cargo.toml"), dir),
            Ok(Origin::File(dir.join("Cargo.toml")))
        );
        let missing = origin(Some("no-such.toml"), dir).unwrap_err();
        assert!(
            missing.starts_with("\"no-such.toml\" (looked for "),
            "{missing}"
        );
    }

    #[test]
    fn a_plan_problem_is_located_at_its_key_its_table_or_the_first_line() {
        let text = "name = \"bad name\"\n\n[set]\nrun.steps = 2\n";
        let file = SourceFile::parse("plan.toml".into(), text).unwrap();
        let mut p = Problems::new(&file);
        let line = |l: &Location| match l {
            Location::File { line, .. } => *line,
            other => panic!("{other:?}"),
        };
        assert_eq!(line(&p.locate("set.run.steps")), 4);
        assert_eq!(
            line(&p.locate("set.policy.carbon_price")),
            3,
            "the [set] table"
        );
        assert_eq!(
            line(&p.locate("axis")),
            1,
            "nothing written: the first line"
        );
        // a name that cannot be a folder is a problem at its line; no name: the file's stem
        assert_eq!(p.name(Some("bad name"), "plan"), "bad name");
        assert_eq!(p.name(None, "plan"), "plan");
        assert_eq!(p.list.len(), 1);
        assert_eq!(
            (p.list[0].path.as_str(), line(&p.list[0].location)),
            ("name", 1)
        );
        assert!(p.list[0].allowed.contains("folder name"));
    }
}
