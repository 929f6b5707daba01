//! The error of a malformed scenario file: where, and what was expected.

use super::ast::Pos;
use std::fmt;

/// A scenario file that cannot be parsed or refers to an unknown name.
///
/// Displays as `file:line:col: message`, the form editors jump to.
///
/// ```
/// use zxemu::scenario::parse;
/// let err = parse("t.zxs", "vmo_create 1 2 3\n").unwrap_err();
/// assert_eq!((err.line, err.col), (1, 16));
/// assert!(err.to_string().starts_with("t.zxs:1:16: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The file as it was named to the parser.
    pub file: String,
    /// 1-based line (0 when the file could not be read).
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// What was wrong, or what was expected.
    pub message: String,
}

impl ParseError {
    /// An error at `pos` in `file`.
    pub fn new(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        ParseError { file: file.to_string(), line: pos.line, col: pos.col, message: message.into() }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            return write!(f, "{}: {}", self.file, self.message);
        }
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.col, self.message)
    }
}

impl std::error::Error for ParseError {}
