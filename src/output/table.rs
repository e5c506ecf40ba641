//! Reading nqpsim's own CSV outputs back (`trajectories.csv`, `summary.csv`, `points.csv`,
//! `effects.csv`, ...) for the analyses and plots: a table of named columns, with `NA` and
//! empty fields read as missing.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// Which records [`Table::read_where`] keeps, by the text of one field.
type Keep<'a> = dyn FnMut(&str) -> bool + 'a;

/// A CSV file held in memory: the header and the records as text.
#[derive(Clone, Debug)]
pub struct Table {
    path: PathBuf,
    columns: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    /// Reads `path`; error naming the file if it is missing or not a CSV with a header.
    pub fn read(path: &Path) -> Result<Table, Error> {
        Self::read_filtered(path, None)
    }

    /// Reads the records of `path` whose field in column `column` passes `keep` (e.g. the
    /// rows of two metrics out of forty in a large `summary.csv`), so that only those are held
    /// in memory; error naming the file if it is missing, not a CSV, or has no such column.
    pub fn read_where(
        path: &Path,
        column: &str,
        mut keep: impl FnMut(&str) -> bool,
    ) -> Result<Table, Error> {
        Self::read_filtered(path, Some((column, &mut keep)))
    }

    fn read_filtered(path: &Path, filter: Option<(&str, &mut Keep<'_>)>) -> Result<Table, Error> {
        let bad = |reason: String| Error::Results {
            path: path.to_path_buf(),
            reason,
        };
        if !path.is_file() {
            return Err(bad("no such file (is this an nqpsim output folder?)".into()));
        }
        let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
        let columns = reader
            .headers()
            .map_err(|e| bad(e.to_string()))?
            .iter()
            .map(String::from)
            .collect::<Vec<String>>();
        let mut filter = match filter {
            None => None,
            Some((name, keep)) => match columns.iter().position(|c| c == name) {
                Some(c) => Some((c, keep)),
                None => return Err(bad(format!("has no column `{name}`"))),
            },
        };
        let mut rows = Vec::new();
        let mut record = csv::StringRecord::new();
        // One record buffer, copied only for the rows kept.
        while reader
            .read_record(&mut record)
            .map_err(|e| bad(e.to_string()))?
        {
            if let Some((c, keep)) = filter.as_mut()
                && !keep(record.get(*c).unwrap_or(""))
            {
                continue;
            }
            rows.push(record.clone());
        }
        Ok(Table {
            path: path.to_path_buf(),
            columns,
            rows,
        })
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The header.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The index of column `name`; error naming the file and the column if it has none.
    pub fn column(&self, name: &str) -> Result<usize, Error> {
        self.columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| Error::Results {
                path: self.path.clone(),
                reason: format!("has no column `{name}`"),
            })
    }

    /// The text of row `row`, column `column` (empty if the record is short).
    pub fn text(&self, row: usize, column: usize) -> &str {
        self.rows[row].get(column).unwrap_or("")
    }

    /// The number in row `row`, column `column`: `None` for `NA` or an empty field, error
    /// naming the file, line and column for anything else that is not a number.
    pub fn number(&self, row: usize, column: usize) -> Result<Option<f64>, Error> {
        let text = self.text(row, column);
        if text.is_empty() || text == "NA" {
            return Ok(None);
        }
        text.parse().map(Some).map_err(|_| Error::Results {
            path: self.path.clone(),
            reason: format!(
                "line {}, column `{}`: `{text}` is not a number",
                row + 2,
                self.columns[column]
            ),
        })
    }

    /// A whole column as numbers (missing values as NaN).
    pub fn numbers(&self, name: &str) -> Result<Vec<f64>, Error> {
        let c = self.column(name)?;
        (0..self.len())
            .map(|r| Ok(self.number(r, c)?.unwrap_or(f64::NAN)))
            .collect()
    }

    /// A whole column as text.
    pub fn texts(&self, name: &str) -> Result<Vec<&str>, Error> {
        let c = self.column(name)?;
        Ok((0..self.len()).map(|r| self.text(r, c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_texts_and_missing_values_are_read_by_column_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "step,sector,tfp\n0,all,0.5\n1,all,NA\n2,all,\n").unwrap();
        let t = Table::read(&path).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.texts("sector").unwrap(), ["all", "all", "all"]);
        let tfp = t.numbers("tfp").unwrap();
        assert_eq!(tfp[0], 0.5);
        assert!(tfp[1].is_nan() && tfp[2].is_nan());
    }

    #[test]
    fn read_where_keeps_the_records_whose_field_passes_and_sees_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        std::fs::write(&path, "point,metric,mean\n0,tfp,1\n0,firms,9\n1,tfp,2\n").unwrap();
        let mut seen = Vec::new();
        let t = Table::read_where(&path, "metric", |m| {
            seen.push(m.to_string());
            m == "tfp"
        })
        .unwrap();
        assert_eq!(seen, ["tfp", "firms", "tfp"]);
        assert_eq!(t.columns(), ["point", "metric", "mean"]);
        assert_eq!(t.numbers("mean").unwrap(), [1.0, 2.0]);
        let e = Table::read_where(&path, "sector", |_| true)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("s.csv") && e.contains("no column `sector`"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_file_column_or_number_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let e = Table::read(&path).unwrap_err().to_string();
        assert!(e.contains("t.csv") && e.contains("no such file"), "{e}");
        std::fs::write(&path, "step,tfp\n0,x\n").unwrap();
        let t = Table::read(&path).unwrap();
        let e = t.column("output").unwrap_err().to_string();
        assert!(e.contains("no column `output`"), "{e}");
        let e = t.numbers("tfp").unwrap_err().to_string();
        assert!(
            e.contains("line 2") && e.contains("`tfp`") && e.contains("`x`"),
            "{e}"
        );
    }
}
