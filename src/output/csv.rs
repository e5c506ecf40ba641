//! The one CSV convention of every file nqpsim writes (`trajectories.csv`,
//! `decomposition.csv`, `panel.csv`, `summary.csv`, `points.csv`, `effects.csv`,
//! `fiscal.csv`, `facts.csv`, the sensitivity tables):
//!
//! - a real number is written in the shortest form that reads back to the same double
//!   (`ryu`), and both zeros as `0`, so the bytes are a function of the values alone;
//! - a missing value (NA) is an empty field, in every file: pandas, R (`read.csv`) and Stata
//!   (`import delimited`) all read it as missing in a numeric column, where a literal `NA`
//!   would turn a Stata column into text;
//! - a value that is not a finite number (which only a failed estimate can produce) is
//!   missing too;
//! - integers are written in decimal, yes/no flags as `1`/`0`, text as is (quoted by the
//!   `csv` crate where it must be).
//!
//! The tables themselves (their columns and what fills them) are declared next to the data
//! they hold; they all write through [`CsvWriter`].

use std::io::Write;

/// The text of a missing value.
pub const MISSING: &str = "";

/// The text of a real number (see the module docs): `0` for both zeros, empty when not
/// finite, else the shortest form that reads back to the same double.
pub fn real_text(buffer: &mut ryu::Buffer, x: f64) -> &str {
    if !x.is_finite() {
        MISSING
    } else if x == 0.0 {
        "0"
    } else {
        buffer.format_finite(x)
    }
}

/// The text of a real number, owned (for tables built as rows of strings).
pub fn real(x: f64) -> String {
    real_text(&mut ryu::Buffer::new(), x).to_string()
}

/// The text of an optional real number: [`MISSING`] for `None`.
pub fn optional(x: Option<f64>) -> String {
    x.map_or_else(|| MISSING.to_string(), real)
}

/// A CSV file written field by field, with the convention of this module.
pub struct CsvWriter<W: Write> {
    csv: csv::Writer<W>,
    ryu: ryu::Buffer,
    itoa: itoa::Buffer,
}

impl<W: Write> CsvWriter<W> {
    /// A writer that continues `out` (no header is written).
    pub fn new(out: W) -> Self {
        CsvWriter {
            csv: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(out),
            ryu: ryu::Buffer::new(),
            itoa: itoa::Buffer::new(),
        }
    }

    /// A writer that starts `out` with the header `columns`.
    pub fn with_header<I>(out: W, columns: I) -> csv::Result<Self>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut w = Self::new(out);
        w.csv.write_record(columns)?;
        Ok(w)
    }

    /// A text field.
    pub fn text(&mut self, text: impl AsRef<[u8]>) -> csv::Result<()> {
        self.csv.write_field(text)
    }

    /// A real number.
    pub fn real(&mut self, x: f64) -> csv::Result<()> {
        self.csv.write_field(real_text(&mut self.ryu, x))
    }

    /// An optional real number (empty when missing).
    pub fn optional(&mut self, x: Option<f64>) -> csv::Result<()> {
        match x {
            Some(x) => self.real(x),
            None => self.missing(),
        }
    }

    /// An integer.
    pub fn integer<I: itoa::Integer>(&mut self, n: I) -> csv::Result<()> {
        self.csv.write_field(self.itoa.format(n))
    }

    /// A yes/no flag as `1` or `0`, empty when unknown.
    pub fn flag(&mut self, flag: Option<bool>) -> csv::Result<()> {
        self.csv.write_field(match flag {
            Some(true) => "1",
            Some(false) => "0",
            None => MISSING,
        })
    }

    /// A missing value.
    pub fn missing(&mut self) -> csv::Result<()> {
        self.csv.write_field(MISSING)
    }

    /// A whole record of text fields.
    pub fn record<I>(&mut self, fields: I) -> csv::Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.csv.write_record(fields)
    }

    /// Ends the current record.
    pub fn end_row(&mut self) -> csv::Result<()> {
        self.csv.write_record(None::<&[u8]>)
    }

    /// Flushes the records written so far to the underlying writer.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.csv.flush()
    }

    /// The underlying writer (records may still be buffered: [`CsvWriter::flush`] first).
    pub fn get_ref(&self) -> &W {
        self.csv.get_ref()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> Result<W, std::io::Error> {
        self.csv.into_inner().map_err(|e| e.into_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(write: impl FnOnce(&mut CsvWriter<Vec<u8>>) -> csv::Result<()>) -> String {
        let mut w = CsvWriter::new(Vec::new());
        write(&mut w).unwrap();
        w.end_row().unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn numbers_are_shortest_zeros_are_0_and_missing_or_non_finite_values_are_empty() {
        let text = line(|w| {
            w.real(0.1)?;
            w.real(-0.0)?;
            w.real(1.0)?;
            w.optional(None)?;
            w.real(f64::NAN)?;
            w.real(f64::INFINITY)?;
            w.integer(42u64)?;
            w.flag(Some(true))?;
            w.text("a,b")
        });
        assert_eq!(text, "0.1,0,1.0,,,,42,1,\"a,b\"\n");
        assert_eq!(real(2.5e-300), "2.5e-300");
        assert_eq!(optional(None), "");
    }
}
