//! nqpsim's CSV tables as Arrow record batches (feature `arrow`): what the Python package
//! hands to pyarrow, pandas and polars, and what `nqpsim convert` writes as Parquet.
//!
//! A table is read from the CSV bytes nqpsim wrote, so that an Arrow table holds exactly the
//! values of its CSV twin (a real number is written in the shortest form that reads back to
//! the same double: [`super::csv`]). Column types:
//!
//! - in `trajectories.csv` and `decomposition.csv`, the declared ones: text for `scenario`,
//!   `sector` and `tier`, 64-bit integers for the other identifiers and the counts, doubles
//!   for every other metric, whatever the values of one run happen to be;
//! - in every other table (and a sweep's axis columns), what the values are, as pandas infers
//!   it: integers if every value is one, else doubles if every value is a number, else text.
//!
//! An empty field (or `NA`) is null.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

use crate::decomposition::DecompositionRow;
use crate::error::Error;
use crate::metrics::{MetricValue, MetricsRow, RowSector};

/// Rows per record batch when a file is read in batches.
pub const BATCH_ROWS: usize = 65_536;

/// The type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// 64-bit signed integers.
    Integer,
    /// Doubles.
    Real,
    /// UTF-8 text.
    Text,
}

impl ColumnType {
    fn data_type(self) -> DataType {
        match self {
            ColumnType::Integer => DataType::Int64,
            ColumnType::Real => DataType::Float64,
            ColumnType::Text => DataType::Utf8,
        }
    }

    /// The narrowest type that holds both.
    fn widen(self, value: &str) -> ColumnType {
        match self {
            ColumnType::Integer if value.parse::<i64>().is_ok() => ColumnType::Integer,
            ColumnType::Integer | ColumnType::Real if value.parse::<f64>().is_ok() => {
                ColumnType::Real
            }
            _ => ColumnType::Text,
        }
    }
}

/// Whether a field is missing.
fn is_null(field: &str) -> bool {
    field.is_empty() || field == "NA"
}

fn id_type(column: &str) -> ColumnType {
    match column {
        "scenario" | "sector" | "tier" => ColumnType::Text,
        _ => ColumnType::Integer,
    }
}

/// The declared type of `column` in the file named `file` (`None`: inferred from the values).
pub fn declared_type(file: &str, column: &str) -> Option<ColumnType> {
    match file {
        "trajectories.csv" => {
            if MetricsRow::ID_COLUMNS.contains(&column) {
                return Some(id_type(column));
            }
            let i = MetricsRow::METRIC_COLUMNS
                .iter()
                .position(|c| *c == column)?;
            let kind = MetricsRow::empty(0, 0, 0, 0, RowSector::All).metric_values()[i];
            Some(match kind {
                MetricValue::Count(_) => ColumnType::Integer,
                MetricValue::Real(_) | MetricValue::Missing => ColumnType::Real,
            })
        }
        "decomposition.csv" => {
            let i = DecompositionRow::COLUMNS
                .iter()
                .position(|c| *c == column)?;
            Some(if i < MetricsRow::ID_COLUMNS.len() {
                id_type(column)
            } else {
                ColumnType::Real
            })
        }
        _ => None,
    }
}

fn results(path: &Path, reason: impl Into<String>) -> Error {
    Error::Results {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// The schema of a CSV table, from its header and (for undeclared columns) a pass over its
/// values. `path` names the file in errors; its file name selects the declared types.
pub fn infer_schema<R: Read>(path: &Path, input: R) -> Result<SchemaRef, Error> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let mut reader = csv::Reader::from_reader(input);
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| results(path, e.to_string()))?
        .iter()
        .map(String::from)
        .collect();
    let declared: Vec<Option<ColumnType>> =
        columns.iter().map(|c| declared_type(name, c)).collect();
    // None: no value seen yet (an empty column is read as doubles, as pandas reads it)
    let mut inferred: Vec<Option<ColumnType>> = vec![None; columns.len()];
    if declared.iter().any(Option::is_none) {
        let mut record = csv::StringRecord::new();
        while reader
            .read_record(&mut record)
            .map_err(|e| results(path, e.to_string()))?
        {
            for (i, field) in record.iter().enumerate().take(columns.len()) {
                if declared[i].is_some() || is_null(field) {
                    continue;
                }
                inferred[i] = Some(inferred[i].unwrap_or(ColumnType::Integer).widen(field));
            }
        }
    }
    let fields: Vec<Field> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let t = declared[i].or(inferred[i]).unwrap_or(ColumnType::Real);
            Field::new(c, t.data_type(), true)
        })
        .collect();
    Ok(Arc::new(Schema::new(fields)))
}

/// One column being built.
enum Builder {
    Integer(Int64Builder),
    Real(Float64Builder),
    Text(StringBuilder),
}

impl Builder {
    fn new(data_type: &DataType) -> Self {
        match data_type {
            DataType::Int64 => Builder::Integer(Int64Builder::new()),
            DataType::Float64 => Builder::Real(Float64Builder::new()),
            _ => Builder::Text(StringBuilder::new()),
        }
    }

    /// Appends a field; `Err` with the reason if it is not of the column's type.
    fn push(&mut self, field: &str) -> Result<(), String> {
        if is_null(field) {
            match self {
                Builder::Integer(b) => b.append_null(),
                Builder::Real(b) => b.append_null(),
                Builder::Text(b) => b.append_null(),
            }
            return Ok(());
        }
        match self {
            Builder::Integer(b) => b.append_value(
                field
                    .parse()
                    .map_err(|_| format!("`{field}` is not an integer"))?,
            ),
            Builder::Real(b) => b.append_value(
                field
                    .parse()
                    .map_err(|_| format!("`{field}` is not a number"))?,
            ),
            Builder::Text(b) => b.append_value(field),
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Integer(b) => Arc::new(b.finish()),
            Builder::Real(b) => Arc::new(b.finish()),
            Builder::Text(b) => Arc::new(b.finish()),
        }
    }
}

/// Reads a CSV table with `schema` (from [`infer_schema`]) in batches of at most `batch_rows`
/// rows, handing each to `sink`; returns the number of rows.
pub fn read_batches<R: Read>(
    path: &Path,
    input: R,
    schema: &SchemaRef,
    batch_rows: usize,
    sink: &mut dyn FnMut(RecordBatch) -> Result<(), Error>,
) -> Result<u64, Error> {
    let mut reader = csv::Reader::from_reader(input);
    let mut builders: Vec<Builder> = schema
        .fields()
        .iter()
        .map(|f| Builder::new(f.data_type()))
        .collect();
    let mut record = csv::StringRecord::new();
    let (mut in_batch, mut rows) = (0usize, 0u64);
    let finish = |builders: &mut Vec<Builder>| -> Result<RecordBatch, Error> {
        let columns = builders.iter_mut().map(Builder::finish).collect();
        RecordBatch::try_new(Arc::clone(schema), columns)
            .map_err(|e: ArrowError| results(path, e.to_string()))
    };
    while reader
        .read_record(&mut record)
        .map_err(|e| results(path, e.to_string()))?
    {
        if record.len() != builders.len() {
            return Err(results(
                path,
                format!(
                    "row {} has {} fields, the header {}",
                    rows + 1,
                    record.len(),
                    builders.len()
                ),
            ));
        }
        for ((builder, field), column) in builders.iter_mut().zip(&record).zip(schema.fields()) {
            builder.push(field).map_err(|reason| {
                results(
                    path,
                    format!("row {}, column `{}`: {reason}", rows + 1, column.name()),
                )
            })?;
        }
        in_batch += 1;
        rows += 1;
        if in_batch == batch_rows {
            sink(finish(&mut builders)?)?;
            in_batch = 0;
        }
    }
    if in_batch > 0 || rows == 0 {
        sink(finish(&mut builders)?)?;
    }
    Ok(rows)
}

/// A whole CSV table held in memory as Arrow: its schema and its batches.
#[derive(Clone, Debug)]
pub struct ArrowTable {
    /// The columns.
    pub schema: SchemaRef,
    /// The rows, in file order.
    pub batches: Vec<RecordBatch>,
}

impl ArrowTable {
    /// Reads the CSV table `bytes`, named `path` (its file name selects the declared types).
    pub fn from_csv_bytes(path: &Path, bytes: &[u8]) -> Result<Self, Error> {
        let schema = infer_schema(path, bytes)?;
        let mut batches = Vec::new();
        read_batches(path, bytes, &schema, BATCH_ROWS, &mut |b| {
            batches.push(b);
            Ok(())
        })?;
        Ok(ArrowTable { schema, batches })
    }

    /// Reads the CSV file at `path`.
    pub fn read_csv(path: &Path) -> Result<Self, Error> {
        let bytes = std::fs::read(path).map_err(|e| results(path, e.to_string()))?;
        Self::from_csv_bytes(path, &bytes)
    }

    /// The number of rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, Float64Array, Int64Array, StringArray};

    fn table(name: &str, text: &str) -> ArrowTable {
        ArrowTable::from_csv_bytes(Path::new(name), text.as_bytes()).unwrap()
    }

    #[test]
    fn undeclared_columns_take_the_narrowest_type_of_their_values() {
        let t = table("summary.csv", "a,b,c,d,e\n1,1,x,,1\n2,2.5,3,,NA\n");
        let types: Vec<&DataType> = t.schema.fields().iter().map(|f| f.data_type()).collect();
        assert_eq!(
            types,
            [
                &DataType::Int64,
                &DataType::Float64,
                &DataType::Utf8,
                &DataType::Float64, // empty: doubles, as pandas reads it
                &DataType::Int64,
            ]
        );
        let e = t.batches[0]
            .column(4)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap();
        assert!(e.is_null(1));
    }

    #[test]
    fn trajectory_metrics_keep_their_declared_type_whatever_the_values() {
        // `output` is an amount (a double) even when every value is a whole number
        let t = table(
            "trajectories.csv",
            "scenario,point,firms,output,tfp\nbase,0,10,0,\nbase,0,11,3,1.5\n",
        );
        let types: Vec<&DataType> = t.schema.fields().iter().map(|f| f.data_type()).collect();
        assert_eq!(
            types,
            [
                &DataType::Utf8,
                &DataType::Int64,
                &DataType::Int64,
                &DataType::Float64,
                &DataType::Float64
            ]
        );
        let b = &t.batches[0];
        let names = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(names.value(1), "base");
        let tfp = b.column(4).as_any().downcast_ref::<Float64Array>().unwrap();
        assert!(tfp.is_null(0));
        assert_eq!(tfp.value(1), 1.5);
    }

    #[test]
    fn reals_read_back_to_the_same_double() {
        let x = 0.1 + 0.2;
        let text = format!("x\n{}\n", crate::output::csv::real(x));
        let t = table("summary.csv", &text);
        let col = t.batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap();
        assert_eq!(col.value(0).to_bits(), x.to_bits());
    }

    #[test]
    fn a_value_that_does_not_fit_its_declared_type_is_an_error_naming_row_and_column() {
        let e = ArrowTable::from_csv_bytes(Path::new("trajectories.csv"), b"firms\n1.5\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 1, column `firms`: `1.5` is not an integer"),
            "{e}"
        );
    }

    #[test]
    fn a_table_with_a_header_alone_has_no_rows_but_its_columns() {
        let t = table("points.csv", "point,x\n");
        assert_eq!(t.num_rows(), 0);
        assert_eq!(t.schema.fields().len(), 2);
    }
}
