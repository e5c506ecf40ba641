//! Scenario text with positions: where each field path was written, so that validation can
//! name the file, line and column of a bad value even after files were merged.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::{Location, ScenarioError};

/// One scenario file (or the embedded baseline), parsed.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name shown in messages: the path as given, or `builtin:baseline`.
    pub display: PathBuf,
    /// The text.
    pub text: Arc<str>,
    /// The parsed table.
    pub table: toml::Table,
    /// Byte offset of every field path, and whether the value there is a table.
    index: HashMap<String, (usize, bool)>,
    /// Byte offset of the key of every field path of a table.
    keys: HashMap<String, usize>,
    /// Integers written that do not fit in 64 bits (TOML's integers are 64-bit): their field
    /// paths and text, left out of `table` so that the rest can be read and checked.
    pub wide_integers: Vec<(String, String)>,
}

impl SourceFile {
    /// Reads and parses the file at `path` (scenarios and sweep plans alike): a file that
    /// cannot be read, or is not UTF-8 text (the offset of the first invalid byte is named),
    /// is an error naming the file.
    pub fn read(path: &Path) -> Result<Self, ScenarioError> {
        let read_error = |source: std::io::Error| ScenarioError::Read {
            path: path.to_path_buf(),
            hint: if source.kind() == std::io::ErrorKind::NotFound {
                missing_hint(path)
            } else {
                String::new()
            },
            source,
        };
        let bytes = std::fs::read(path).map_err(read_error)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            read_error(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            ))
        })?;
        Self::parse(path.to_path_buf(), &text)
    }

    /// Parses `text`; syntax errors name the file, line and column.
    pub fn parse(display: PathBuf, text: &str) -> Result<Self, ScenarioError> {
        let spanned = DeTable::parse(text).map_err(|e| syntax(&display, text, &e, None))?;
        let mut index = HashMap::new();
        index_table(spanned.get_ref(), "", &mut index);
        let mut keys = HashMap::new();
        index_keys(spanned.get_ref(), "", &mut keys);
        let mut wide_integers = Vec::new();
        let table = to_table(spanned.get_ref(), "", &mut wide_integers);
        let table: toml::Table = if wide_integers.is_empty() {
            // the parser's own conversion, which also refuses what DeTable lets through
            toml::from_str(text).map_err(|e| syntax(&display, text, &e, None))?
        } else {
            table
        };
        Ok(SourceFile {
            display,
            text: Arc::from(text),
            table,
            index,
            keys,
            wide_integers,
        })
    }

    /// Where `path` was written in this file, following the merge rule: a path inside an
    /// array or a value that this file sets as a whole belongs to this file.
    pub fn locate(&self, path: &str) -> Option<Location> {
        if let Some(&(offset, _)) = self.index.get(path) {
            return Some(self.location(offset));
        }
        let mut prefix = path;
        while let Some(cut) = prefix.rfind(['.', '[']) {
            prefix = &prefix[..cut];
            if let Some(&(offset, is_table)) = self.index.get(prefix) {
                return if is_table {
                    None
                } else {
                    Some(self.location(offset))
                };
            }
        }
        None
    }

    /// Where the key of `path` was written (`stesp` in `stesp = 3`), if this file writes it.
    pub fn locate_key(&self, path: &str) -> Option<Location> {
        self.keys.get(path).map(|&offset| self.location(offset))
    }

    /// The innermost table of this file that holds `path` (e.g. `[sectors.steel]` for
    /// `sectors.steel.tier`), if the file writes one.
    pub fn locate_enclosing_table(&self, path: &str) -> Option<Location> {
        let mut prefix = path;
        while let Some(cut) = prefix.rfind(['.', '[']) {
            prefix = &prefix[..cut];
            if let Some(&(offset, true)) = self.index.get(prefix) {
                return Some(self.location(offset));
            }
        }
        None
    }

    /// The 1-based line and column of a byte offset.
    pub fn location(&self, offset: usize) -> Location {
        let (line, column) = line_column(&self.text, offset);
        Location::File {
            file: self.display.clone(),
            line,
            column,
        }
    }

    /// The file's text as a `T` (a plan as written), unknown fields refused by `T`; an error
    /// names the line, column and field path where reading stopped.
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, ScenarioError> {
        let de = toml::Deserializer::parse(&self.text)
            .map_err(|e| syntax(&self.display, &self.text, &e, None))?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let p = e.path().to_string();
            syntax(
                &self.display,
                &self.text,
                e.inner(),
                (p != ".").then_some(p),
            )
        })
    }
}

/// A file's stem, the default name of the scenario or plan it holds (empty if it has none).
pub fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A plan file's stem (its default name) and folder (what its relative paths start from).
pub fn stem_and_folder(path: &Path) -> (String, PathBuf) {
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    (file_stem(path), folder)
}

/// What a user who names a file that is not there may have meant: a `.toml` file of a
/// similar name in the same folder or in `scenarios/`, and the embedded baseline.
fn missing_hint(path: &Path) -> String {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut candidates: Vec<PathBuf> = Vec::new();
    for dir in [folder.to_path_buf(), Path::new("scenarios").to_path_buf()] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            candidates.extend(
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "toml")),
            );
        }
    }
    candidates.sort();
    let names: Vec<String> = candidates
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let meant = name.as_deref().and_then(|name| {
        let exact = names.iter().position(|n| n == name);
        let close = || {
            crate::error::did_you_mean(name, names.iter().map(String::as_str))
                .and_then(|m| names.iter().position(|n| n == m))
        };
        exact.or_else(close)
    });
    let meant = meant
        .map(|k| format!("; did you mean {}?", candidates[k].display()))
        .unwrap_or_default();
    format!("{meant} (`builtin:baseline` names the embedded baseline)")
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A syntax or type error of the TOML layer, with position and path.
pub fn syntax(
    display: &Path,
    text: &str,
    error: &toml::de::Error,
    path: Option<String>,
) -> ScenarioError {
    let location = match error.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            Location::File {
                file: display.to_path_buf(),
                line,
                column,
            }
        }
        None => Location::File {
            file: display.to_path_buf(),
            line: 1,
            column: 1,
        },
    };
    ScenarioError::Syntax {
        location,
        path,
        message: error.message().trim().to_string(),
    }
}

/// The parsed table as values, leaving out (and listing in `wide`) integers that do not fit
/// in 64 bits.
fn to_table(table: &DeTable<'_>, prefix: &str, wide: &mut Vec<(String, String)>) -> toml::Table {
    let mut out = toml::Table::new();
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        if let Some(v) = to_value(value.get_ref(), &path, wide) {
            out.insert(key.get_ref().to_string(), v);
        }
    }
    out
}

fn to_value(
    value: &DeValue<'_>,
    path: &str,
    wide: &mut Vec<(String, String)>,
) -> Option<toml::Value> {
    Some(match value {
        DeValue::String(s) => toml::Value::String(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(v) => toml::Value::Integer(v),
            Err(_) => {
                wide.push((path.to_string(), i.to_string()));
                return None;
            }
        },
        DeValue::Float(x) => toml::Value::Float(x.as_str().parse().ok()?),
        DeValue::Boolean(b) => toml::Value::Boolean(*b),
        DeValue::Datetime(d) => toml::Value::Datetime(*d),
        DeValue::Array(items) => {
            let values: Vec<toml::Value> = items
                .iter()
                .enumerate()
                .filter_map(|(k, item)| to_value(item.get_ref(), &format!("{path}[{k}]"), wide))
                .collect();
            if values.len() < items.len() {
                return None; // the positions after a left-out item would shift
            }
            toml::Value::Array(values)
        }
        DeValue::Table(t) => toml::Value::Table(to_table(t, path, wide)),
    })
}

fn index_keys(table: &DeTable<'_>, prefix: &str, keys: &mut HashMap<String, usize>) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        keys.insert(path.clone(), key.span().start);
        index_keys_in(value.get_ref(), &path, keys);
    }
}

fn index_keys_in(value: &DeValue<'_>, path: &str, keys: &mut HashMap<String, usize>) {
    match value {
        DeValue::Table(t) => index_keys(t, path, keys),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                index_keys_in(item.get_ref(), &format!("{path}[{i}]"), keys);
            }
        }
        _ => {}
    }
}

fn index_table(table: &DeTable<'_>, prefix: &str, index: &mut HashMap<String, (usize, bool)>) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        index_value(value, path, key.span().start, index);
    }
}

fn index_value(
    value: &Spanned<DeValue<'_>>,
    path: String,
    key_offset: usize,
    index: &mut HashMap<String, (usize, bool)>,
) {
    match value.get_ref() {
        DeValue::Table(t) => {
            index.insert(path.clone(), (key_offset, true));
            index_table(t, &path, index);
        }
        DeValue::Array(items) => {
            index.insert(path.clone(), (value.span().start, false));
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                let start = item.span().start;
                index_value(item, item_path, start, index);
            }
        }
        _ => {
            index.insert(path, (value.span().start, false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_located_at_their_line_and_column() {
        let text = "[run]\nfirms = 10\n\n[sectors.steel]\ntier = \"traditional\"\nrd_intensity = -1\n\n[[transitions]]\nkind = \"spawn\"\n";
        let f = SourceFile::parse(PathBuf::from("x.toml"), text).unwrap();
        let at = |p: &str| match f.locate(p) {
            Some(Location::File { line, column, .. }) => Some((line, column)),
            _ => None,
        };
        assert_eq!(at("run.firms"), Some((2, 9)));
        assert_eq!(at("sectors.steel.rd_intensity"), Some((6, 16)));
        assert_eq!(at("transitions[0].kind"), Some((9, 8)));
        assert_eq!(at("sectors.steel.absent"), None);
        assert!(at("transitions[0]").is_some());
    }

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("é = 1", 3), (1, 3));
    }
}
