//! `extends`: a scenario overrides only what differs from another (merge by key).
//!
//! Tables merge key by key; any other value (a number, a string, an array such as
//! `transitions` or a matrix) replaces the parent's whole. `name` and `description` belong
//! to the file that writes them and are not inherited. A path in `extends` is relative to the
//! folder of the file that names it; `builtin:baseline` is the embedded baseline.

use std::path::{Path, PathBuf};

use super::BASELINE_TOML;
use super::source::SourceFile;
use crate::error::ScenarioError;

/// Longest `extends` chain accepted (the file itself plus 16 ancestors).
pub const MAX_DEPTH: usize = 16;

/// The name by which scenarios extend the embedded baseline.
pub const BUILTIN_BASELINE: &str = "builtin:baseline";

/// Where a scenario's text comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A file on disk.
    File(PathBuf),
    /// The embedded baseline.
    Builtin,
    /// Text given directly (tests, library users); relative `extends` resolve from `dir`.
    Text {
        /// Name shown in messages.
        display: PathBuf,
        /// The text.
        text: String,
        /// Folder for relative `extends`.
        dir: PathBuf,
    },
}

impl Origin {
    fn identity(&self) -> PathBuf {
        match self {
            Origin::File(p) => p.canonicalize().unwrap_or_else(|_| p.clone()),
            Origin::Builtin => PathBuf::from(BUILTIN_BASELINE),
            Origin::Text { display, .. } => display.clone(),
        }
    }

    fn dir(&self) -> Option<PathBuf> {
        match self {
            Origin::File(p) => Some(p.parent().map(Path::to_path_buf).unwrap_or_default()),
            Origin::Builtin => None,
            Origin::Text { dir, .. } => Some(dir.clone()),
        }
    }

    fn read(&self) -> Result<SourceFile, ScenarioError> {
        match self {
            Origin::File(path) => SourceFile::read(path),
            Origin::Builtin => SourceFile::parse(PathBuf::from(BUILTIN_BASELINE), BASELINE_TOML),
            Origin::Text { display, text, .. } => SourceFile::parse(display.clone(), text),
        }
    }
}

/// Reads `origin` and every file it extends, root ancestor first, leaf last.
pub fn read_chain(origin: Origin) -> Result<Vec<SourceFile>, ScenarioError> {
    let mut chain: Vec<SourceFile> = Vec::new();
    let mut seen: Vec<(PathBuf, PathBuf)> = Vec::new(); // (identity, display)
    let mut next = Some(origin);
    while let Some(origin) = next.take() {
        let identity = origin.identity();
        let file = origin.read()?;
        if let Some(pos) = seen.iter().position(|(id, _)| *id == identity) {
            let mut names: Vec<String> = seen[pos..]
                .iter()
                .map(|(_, d)| d.display().to_string())
                .collect();
            names.push(file.display.display().to_string());
            return Err(ScenarioError::Extends {
                file: seen.last().expect("non-empty").1.clone(),
                message: format!("cycle: {}", names.join(" -> ")),
            });
        }
        if seen.len() > MAX_DEPTH {
            let names: Vec<String> = seen.iter().map(|(_, d)| d.display().to_string()).collect();
            return Err(ScenarioError::Extends {
                file: seen[0].1.clone(),
                message: format!(
                    "chain deeper than {MAX_DEPTH}: {} -> ...",
                    names.join(" -> ")
                ),
            });
        }
        seen.push((identity, file.display.clone()));
        if let Some(parent) = file.table.get("extends") {
            let Some(parent) = parent.as_str() else {
                return Err(ScenarioError::Extends {
                    file: file.display.clone(),
                    message: "must be a string: a file name or `builtin:baseline`".into(),
                });
            };
            next = Some(if parent == BUILTIN_BASELINE {
                Origin::Builtin
            } else {
                let Some(dir) = origin.dir() else {
                    return Err(ScenarioError::Extends {
                        file: file.display.clone(),
                        message: format!("the embedded baseline cannot extend `{parent}`"),
                    });
                };
                let path = dir.join(parent);
                if !path.is_file() {
                    return Err(ScenarioError::Extends {
                        file: file.display.clone(),
                        message: format!(
                            "`{parent}` not found (looked for {}); use `{BUILTIN_BASELINE}` for the embedded baseline",
                            path.display()
                        ),
                    });
                }
                Origin::File(path)
            });
        }
        chain.push(file);
    }
    chain.reverse();
    Ok(chain)
}

/// Merges the chain into one table: ancestors first, each descendant over them.
pub fn merge_chain(chain: &[SourceFile]) -> toml::Table {
    let mut merged = toml::Table::new();
    let last = chain.len().saturating_sub(1);
    for (i, file) in chain.iter().enumerate() {
        let mut table = file.table.clone();
        table.remove("extends");
        if i != last {
            table.remove("name");
            table.remove("description");
        }
        merge(&mut merged, table);
    }
    merged
}

/// Deep merge: tables key by key, anything else replaced whole.
pub fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_merge_by_key_and_arrays_replace() {
        let mut base: toml::Table =
            toml::from_str("a = 1\n[t]\nx = 1\ny = 2\n[m]\nrows = [1, 2]\n").unwrap();
        let over: toml::Table = toml::from_str("[t]\ny = 3\n[m]\nrows = [9]\n").unwrap();
        merge(&mut base, over);
        assert_eq!(base["a"].as_integer(), Some(1));
        assert_eq!(base["t"]["x"].as_integer(), Some(1));
        assert_eq!(base["t"]["y"].as_integer(), Some(3));
        assert_eq!(base["m"]["rows"].as_array().unwrap().len(), 1);
    }
}
