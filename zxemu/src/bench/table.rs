//! One row per figure and parameter, printed as a Markdown table or a JSON array.

use std::io::{self, Write};

use serde::Serialize;

use super::target;

/// One measured figure: the value, its baseline from the same run, their ratio and the target.
///
/// ```
/// use zxemu::bench::Row;
/// let row = Row::new("B2", "65536", 1.5, "µs", 1.0, "ratio ≤ 2");
/// assert_eq!(row.ratio, 1.5);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The figure, `"B1"` … `"B11"`.
    pub id: String,
    /// Which point of the figure (a size, a depth, a variant).
    pub param: String,
    /// The measured value, in `unit`.
    pub value: f64,
    /// The unit of `value` (and of `baseline`, unless the figure says otherwise).
    pub unit: String,
    /// The baseline measured in the same run.
    pub baseline: f64,
    /// The figure's ratio (see `performance.md` for which way round).
    pub ratio: f64,
    /// The target, as written in `performance.md` (`—` when none).
    pub target: String,
    /// Whether the target is met (see [`target::met`]); set by [`evaluate`].
    pub met: bool,
}

impl Row {
    /// A row whose ratio is `value / baseline` (0 when the baseline is 0); `met` is false
    /// until [`evaluate`] runs.
    ///
    /// ```
    /// let row = zxemu::bench::Row::new("B7", "write", 3.0, "kops/s", 2.0, "ratio ≥ 1.7");
    /// assert_eq!(row.ratio, 1.5);
    /// ```
    pub fn new(id: &str, param: &str, value: f64, unit: &str, baseline: f64, target: &str) -> Row {
        Row {
            id: id.to_string(),
            param: param.to_string(),
            value,
            unit: unit.to_string(),
            baseline,
            ratio: ratio(value, baseline),
            target: target.to_string(),
            met: false,
        }
    }

    /// The same row with another ratio (for figures whose ratio is baseline / value).
    ///
    /// ```
    /// let row = zxemu::bench::Row::new("B1", "1", 2.0, "ns/page", 8.0, "ratio ≥ 1");
    /// assert_eq!(row.with_ratio(4.0).ratio, 4.0);
    /// ```
    pub fn with_ratio(self, ratio: f64) -> Row {
        Row { ratio, ..self }
    }
}

/// `a / b`, or 0 when the quotient is not a finite number.
///
/// ```
/// assert_eq!(zxemu::bench::ratio(3.0, 0.0), 0.0);
/// assert_eq!(zxemu::bench::ratio(3.0, 2.0), 1.5);
/// ```
pub fn ratio(a: f64, b: f64) -> f64 {
    let q = a / b;
    if q.is_finite() {
        q
    } else {
        0.0
    }
}

/// Sets `met` on every row; a target that cannot be evaluated counts as missed and is
/// returned as an error message.
///
/// ```
/// use zxemu::bench::{evaluate, Row};
/// let mut rows = vec![Row::new("B6", "lookup", 30.0, "ns", 100.0, "≤ 40 ns")];
/// assert!(evaluate(&mut rows).is_empty());
/// assert!(rows[0].met);
/// ```
pub fn evaluate(rows: &mut [Row]) -> Vec<String> {
    let mut errors = Vec::new();
    let verdicts: Vec<bool> = rows
        .iter()
        .map(|row| {
            target::met(row, rows).unwrap_or_else(|e| {
                errors.push(e.to_string());
                false
            })
        })
        .collect();
    for (row, met) in rows.iter_mut().zip(verdicts) {
        row.met = met;
    }
    errors
}

/// A number with about three significant digits, without exponent.
///
/// ```
/// assert_eq!(zxemu::bench::table::number(1234.6), "1235");
/// assert_eq!(zxemu::bench::table::number(12.345), "12.3");
/// assert_eq!(zxemu::bench::table::number(0.1234), "0.123");
/// ```
pub fn number(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 || a == 0.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        let decimals = (2 - a.log10().floor() as i32).clamp(3, 9) as usize;
        format!("{x:.decimals$}")
    }
}

/// Writes the rows as a Markdown table with the columns id, param, value, unit, baseline,
/// ratio, target, met.
///
/// ```
/// use zxemu::bench::{markdown, Row};
/// let mut out = Vec::new();
/// markdown(&[Row::new("B5", "single", 20.0, "ns", 90.0, "≤ 25 ns")], &mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().starts_with("| id | param |"));
/// ```
pub fn markdown(rows: &[Row], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "| id | param | value | unit | baseline | ratio | target | met |")?;
    writeln!(out, "|---|---|---:|---|---:|---:|---|---|")?;
    for r in rows {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.id,
            r.param,
            number(r.value),
            r.unit,
            number(r.baseline),
            number(r.ratio),
            r.target,
            if r.met { "yes" } else { "**no**" }
        )?;
    }
    Ok(())
}

/// Writes the rows as one JSON array of objects with the keys id, param, value, unit,
/// baseline, ratio, target, met; a number that is not finite is written as 0.
///
/// ```
/// use zxemu::bench::{json, Row};
/// let mut out = Vec::new();
/// json(&[Row::new("B6", "lookup", 30.0, "ns", 100.0, "≤ 40 ns")], &mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().starts_with("[{\"id\":\"B6\""));
/// ```
pub fn json(rows: &[Row], out: &mut dyn Write) -> io::Result<()> {
    let finite = |x: f64| if x.is_finite() { x } else { 0.0 };
    let rows: Vec<Row> = rows
        .iter()
        .map(|r| Row {
            value: finite(r.value),
            baseline: finite(r.baseline),
            ratio: finite(r.ratio),
            ..r.clone()
        })
        .collect();
    serde_json::to_writer(&mut *out, &rows)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Row> {
        let mut rows = vec![
            Row::new("B1", "4096", 8.0, "ns/page", 800.0, "ratio ≥ 50; ≤ 10 ns/page")
                .with_ratio(100.0),
            Row::new("B1", "65536", 13.0, "ns/page", 800.0, "≤ 1.5× B1/4096").with_ratio(61.5),
            Row::new("B8", "idle_rss", 3.25, "MiB", 3.0, "≤ 16 MiB"),
        ];
        assert!(evaluate(&mut rows).is_empty());
        rows
    }

    #[test]
    fn markdown_has_the_columns_and_one_line_per_row() {
        let mut out = Vec::new();
        markdown(&rows(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2 + 3);
        assert_eq!(lines[0], "| id | param | value | unit | baseline | ratio | target | met |");
        assert_eq!(
            lines[2],
            "| B1 | 4096 | 8.00 | ns/page | 800 | 100 | ratio ≥ 50; ≤ 10 ns/page | yes |"
        );
        assert_eq!(
            lines[3],
            "| B1 | 65536 | 13.0 | ns/page | 800 | 61.5 | ≤ 1.5× B1/4096 | **no** |"
        );
        assert!(lines.iter().all(|l| l.matches('|').count() == 9));
    }

    #[test]
    fn json_has_exactly_the_keys_and_types() {
        let mut out = Vec::new();
        let mut input = rows();
        input[2].ratio = f64::NAN;
        json(&input, &mut out).unwrap();
        let parsed: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let array = parsed.as_array().unwrap();
        assert_eq!(array.len(), 3);
        for object in array {
            let object = object.as_object().unwrap();
            let keys: Vec<&str> = object.keys().map(String::as_str).collect();
            let mut expected =
                vec!["id", "param", "value", "unit", "baseline", "ratio", "target", "met"];
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            expected.sort_unstable();
            assert_eq!(sorted, expected);
            for key in ["id", "param", "unit", "target"] {
                assert!(object[key].is_string(), "{key} is a string");
            }
            for key in ["value", "baseline", "ratio"] {
                assert!(object[key].is_number(), "{key} is a number");
            }
            assert!(object["met"].is_boolean());
        }
        assert_eq!(array[0]["met"], true);
        assert_eq!(array[1]["met"], false);
        assert_eq!(array[2]["ratio"], 0.0, "NaN is written as 0");
    }

    #[test]
    fn numbers_keep_about_three_digits() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(0.125), "0.125");
        assert_eq!(number(0.0012345), "0.00123");
        assert_eq!(number(1.0), "1.00");
        assert_eq!(number(65536.0), "65536");
    }
}
