//! Errors of a scenario file as `codespan-reporting` diagnostics: each with its source line and
//! a caret under the column, every error of the file at once (up to [`MAX_ERRORS`]).

use super::ParseError;
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor, Config, Styles, StylesWriter};
use std::io::Write;
use std::ops::Range;

/// At most this many errors are shown for one file; a note counts the rest.
pub const MAX_ERRORS: usize = 20;

/// Writes `errors` of the file `name` (whose text is `src`) to `out`, with ANSI colours when
/// `color`.
///
/// ```
/// let errors = zxemu::scenario::parse_all("t.zxs", "vmo_get_size a\n").unwrap_err();
/// let mut out = Vec::new();
/// zxemu::scenario::diag::emit("t.zxs", "vmo_get_size a\n", &errors, false, &mut out);
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.contains("error: unknown name `a`"));
/// assert!(text.contains("t.zxs:1:14"));
/// assert!(text.contains("^"));
/// ```
pub fn emit(name: &str, src: &str, errors: &[ParseError], color: bool, out: &mut dyn Write) {
    let file = SimpleFile::new(name, src);
    let config = Config::default();
    for e in errors.iter().take(MAX_ERRORS) {
        if e.line == 0 {
            let _ = writeln!(out, "error: {e}");
            continue;
        }
        let d = Diagnostic::error()
            .with_message(&e.message)
            .with_labels(vec![Label::primary((), span(src, e.line, e.col))]);
        let rendered = if color {
            let mut buf = termcolor::Buffer::ansi();
            let styles = Styles::default();
            let r = term::emit_to_write_style(
                &mut StylesWriter::new(&mut buf, &styles),
                &config,
                &file,
                &d,
            );
            r.map(|()| buf.into_inner())
        } else {
            let mut buf = Vec::new();
            term::emit_to_io_write(&mut buf, &config, &file, &d).map(|()| buf)
        };
        match rendered {
            Ok(bytes) => {
                let _ = out.write_all(&bytes);
            }
            Err(_) => {
                let _ = writeln!(out, "error: {e}");
            }
        }
    }
    if errors.len() > MAX_ERRORS {
        let _ = writeln!(out, "note: {name}: {} more errors not shown", errors.len() - MAX_ERRORS);
    }
    if errors.len() > 1 {
        let _ = writeln!(out, "{name}: {} errors\n", errors.len());
    }
}

/// The byte range of the word at 1-based `line` and `col` (in characters), or of the one
/// character there (an empty range at the end of the line).
fn span(src: &str, line: usize, col: usize) -> Range<usize> {
    let start_of_line: usize =
        src.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let text = src[start_of_line..].split('\n').next().unwrap_or_default();
    let at = text.char_indices().nth(col.saturating_sub(1)).map_or(text.len(), |(i, _)| i);
    let rest = &text[at..];
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let len = match rest.chars().next() {
        Some(c) if word(c) => rest.find(|c| !word(c)).unwrap_or(rest.len()),
        Some(c) => c.len_utf8(),
        None => 0,
    };
    start_of_line + at..start_of_line + at + len
}
