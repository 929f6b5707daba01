//! Targets as written in `performance.md`, and their numeric evaluation.
//!
//! A target is `—` (none) or clauses joined by `"; "`. Each clause is one of:
//!
//! - `ratio ≥ 50` / `ratio ≤ 1.5`: the row's ratio against a bound;
//! - `≤ 10 ns/page`: the row's value against a bound in the row's own unit;
//! - `≤ 1.5× B1/4096`: the row's value against a multiple of another row's value (same unit).

use std::fmt;

use super::table::Row;

/// A comparison of a clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// `≤`
    AtMost,
    /// `≥`
    AtLeast,
}

impl Cmp {
    fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Cmp::AtMost => left <= right,
            Cmp::AtLeast => left >= right,
        }
    }
}

/// One parsed clause of a target.
#[derive(Clone, Debug, PartialEq)]
pub enum Clause {
    /// `ratio OP bound`.
    Ratio(Cmp, f64),
    /// `OP bound unit`: the value, in `unit`.
    Value(Cmp, f64, String),
    /// `OP factor× ID/PARAM`: the value against `factor` times another row's value.
    Relative(Cmp, f64, String, String),
}

/// Why a target could not be parsed or evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetError(pub String);

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a target string into its clauses (`—` or the empty string has none).
///
/// ```
/// use zxemu::bench::target::{parse, Clause, Cmp};
/// assert_eq!(parse("ratio ≥ 50").unwrap(), vec![Clause::Ratio(Cmp::AtLeast, 50.0)]);
/// assert!(parse("—").unwrap().is_empty());
/// ```
pub fn parse(target: &str) -> Result<Vec<Clause>, TargetError> {
    let target = target.trim();
    if target.is_empty() || target == "—" {
        return Ok(Vec::new());
    }
    target.split(';').map(|c| parse_clause(c.trim())).collect()
}

fn parse_clause(clause: &str) -> Result<Clause, TargetError> {
    let bad = || TargetError(format!("malformed target clause {clause:?}"));
    let (is_ratio, rest) = match clause.strip_prefix("ratio") {
        Some(rest) => (true, rest.trim_start()),
        None => (false, clause),
    };
    let (cmp, rest) = if let Some(r) = rest.strip_prefix('≤') {
        (Cmp::AtMost, r.trim_start())
    } else if let Some(r) = rest.strip_prefix('≥') {
        (Cmp::AtLeast, r.trim_start())
    } else {
        return Err(bad());
    };
    let number_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    let bound: f64 = rest[..number_end].parse().map_err(|_| bad())?;
    let tail = rest[number_end..].trim();
    if is_ratio {
        return if tail.is_empty() { Ok(Clause::Ratio(cmp, bound)) } else { Err(bad()) };
    }
    if let Some(reference) = tail.strip_prefix('×') {
        let (id, param) = reference.trim().split_once('/').ok_or_else(bad)?;
        return Ok(Clause::Relative(cmp, bound, id.to_string(), param.to_string()));
    }
    if tail.is_empty() {
        return Err(bad());
    }
    Ok(Clause::Value(cmp, bound, tail.to_string()))
}

/// Whether `row` meets its target; `rows` supplies the rows that relative clauses name. A row
/// without a target meets it.
///
/// ```
/// use zxemu::bench::{target::met, Row};
/// let row = Row::new("B5", "single", 20.0, "ns", 100.0, "≤ 25 ns");
/// assert_eq!(met(&row, &[]), Ok(true));
/// ```
pub fn met(row: &Row, rows: &[Row]) -> Result<bool, TargetError> {
    let mut all = true;
    for clause in parse(&row.target)? {
        let holds = match &clause {
            Clause::Ratio(cmp, bound) => cmp.holds(row.ratio, *bound),
            Clause::Value(cmp, bound, unit) => {
                if *unit != row.unit {
                    return Err(TargetError(format!(
                        "{} {}: target unit {unit} but the value is in {}",
                        row.id, row.param, row.unit
                    )));
                }
                cmp.holds(row.value, *bound)
            }
            Clause::Relative(cmp, factor, id, param) => {
                let other = rows
                    .iter()
                    .find(|r| r.id == *id && r.param == *param)
                    .ok_or_else(|| TargetError(format!("no row {id}/{param}")))?;
                if other.unit != row.unit {
                    return Err(TargetError(format!("{id}/{param} is not in {}", row.unit)));
                }
                cmp.holds(row.value, factor * other.value)
            }
        };
        all &= holds;
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_clause_kind() {
        assert_eq!(
            parse("ratio ≥ 50; ≤ 10 ns/page; ≤ 1.5× B1/4096").unwrap(),
            vec![
                Clause::Ratio(Cmp::AtLeast, 50.0),
                Clause::Value(Cmp::AtMost, 10.0, "ns/page".into()),
                Clause::Relative(Cmp::AtMost, 1.5, "B1".into(), "4096".into()),
            ]
        );
        assert_eq!(parse("ratio ≤ 1.2").unwrap(), vec![Clause::Ratio(Cmp::AtMost, 1.2)]);
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn rejects_malformed_clauses() {
        for bad in ["ratio 50", "≤ ns", "≤ 10", "ratio ≥ 5 ns", "= 3 ns", "≤ 2× B1"] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn evaluates_ratio_and_value_clauses() {
        let mut row = Row::new("B1", "4096", 8.0, "ns/page", 800.0, "ratio ≥ 50; ≤ 10 ns/page")
            .with_ratio(100.0);
        assert_eq!(met(&row, &[]), Ok(true));
        row.value = 12.0;
        assert_eq!(met(&row, &[]), Ok(false), "value above its bound");
        row.value = 8.0;
        row.ratio = 40.0;
        assert_eq!(met(&row, &[]), Ok(false), "ratio below its bound");
        row.ratio = 50.0;
        assert_eq!(met(&row, &[]), Ok(true), "bounds are inclusive");
    }

    #[test]
    fn evaluates_relative_clauses_against_other_rows() {
        let base = Row::new("B1", "4096", 8.0, "ns/page", 800.0, "—");
        let big = Row::new("B1", "65536", 11.0, "ns/page", 800.0, "≤ 1.5× B1/4096");
        assert_eq!(met(&big, std::slice::from_ref(&base)), Ok(true));
        let bigger = Row { value: 13.0, ..big.clone() };
        assert_eq!(met(&bigger, std::slice::from_ref(&base)), Ok(false));
        assert!(met(&big, &[]).is_err(), "the named row is missing");
    }

    #[test]
    fn no_target_is_met_and_unit_mismatch_is_an_error() {
        assert_eq!(met(&Row::new("B4", "8", 1.0, "ns", 1.0, "—"), &[]), Ok(true));
        assert!(met(&Row::new("B5", "single", 1.0, "µs", 1.0, "≤ 25 ns"), &[]).is_err());
    }
}
