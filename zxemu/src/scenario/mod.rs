//! Syscall-level scenarios: the `.zxs` language, its runner, and pictures of clone families.
//!
//! A scenario file holds cases; each case runs against a fresh [`Kernel`](zx_kernel::Kernel), one
//! syscall per line, with the C arguments in order and expectations after them (the language is
//! taught in `docs/scenarios.md`):
//!
//! ```
//! use zxemu::scenario::{parse, run_script};
//! let src = r#"
//! case "a snapshot keeps the parent's bytes"
//!   vmo_create 2P 0 -> a
//!   vmo_write a 0xAB*2P 0
//!   vmo_create_child a ZX_VMO_CHILD_SNAPSHOT 0 2P -> c
//!   vmo_write a 0x00*1P 0
//!   vmo_read c 4 0 == 0xAB*4
//! "#;
//! let script = parse("doc.zxs", src).unwrap();
//! let reports = run_script(&script);
//! assert_eq!(reports.len(), 1);
//! ```
//!
//! Parsing resolves every name before anything runs: a malformed file gives a [`ParseError`]
//! with its file, line and column.

pub mod ast;
pub mod calls;
mod check;
pub mod cli;
pub mod diag;
mod dispatch;
mod dispatch_vmar;
mod error;
pub mod lexer;
pub mod maps;
mod parser;
pub mod render;
mod runner;
mod suite;

pub use ast::Script;
pub use error::ParseError;
pub use runner::{run_case, run_case_on, run_script, Bound, CaseReport, Env, Failure};
pub use suite::Suite;

use std::path::Path;

/// Parses and checks the scenario text `src`, naming it `file` in errors.
///
/// A file without `case` lines is one case named after the file's stem.
///
/// ```
/// use zxemu::scenario::parse;
/// let script = parse("basics.zxs", "vmo_create 4K 0 -> a\nvmo_get_size a == 4K\n").unwrap();
/// assert_eq!(script.cases[0].name, "basics");
/// let err = parse("bad.zxs", "vmo_get_size a\n").unwrap_err();
/// assert_eq!(err.to_string(), "bad.zxs:1:14: unknown name `a`: bind it first with `-> a`");
/// ```
pub fn parse(file: &str, src: &str) -> Result<Script, ParseError> {
    parse_all(file, src).map_err(|mut errors| errors.swap_remove(0))
}

/// Like [`parse`], but gives every error of the file (never an empty list): every syntax
/// error, or when the syntax is sound, every name, range and "checks nothing" error.
///
/// ```
/// use zxemu::scenario::parse_all;
/// let errors = parse_all("t.zxs", "vmo_craete 4K 0\nvmo_get_size 1 2\n").unwrap_err();
/// assert_eq!(errors.len(), 2);
/// assert_eq!((errors[1].line, errors[1].col), (2, 16));
/// ```
pub fn parse_all(file: &str, src: &str) -> Result<Script, Vec<ParseError>> {
    let (toks, mut errors) = lexer::tokenize_lossy(file, src);
    let stem = Path::new(file)
        .file_stem()
        .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned());
    if !errors.is_empty() {
        // Parse what the lexer kept (its bad lines left out) for the syntax errors beside them.
        if let Err(more) = parser::Parser::new(file, toks).script(&stem) {
            errors.extend(more.into_iter().filter(|e| !e.message.starts_with("empty file")));
        }
        errors.sort_by_key(|e| (e.line, e.col));
        return Err(errors);
    }
    let mut script = parser::Parser::new(file, toks).script(&stem)?;
    script.lines = src.lines().map(str::to_string).collect();
    let errors = check::check(&script);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(script)
}

/// Reads and parses the scenario file at `path` (named by its path in errors).
///
/// ```
/// let err = zxemu::scenario::load_file("/nonexistent.zxs").unwrap_err();
/// assert!(err.to_string().starts_with("/nonexistent.zxs: cannot read"));
/// ```
pub fn load_file(path: impl AsRef<Path>) -> Result<Script, ParseError> {
    let name = path.as_ref().display().to_string();
    match std::fs::read_to_string(path.as_ref()) {
        Ok(src) => parse(&name, &src),
        Err(e) => {
            Err(ParseError { file: name, line: 0, col: 0, message: format!("cannot read: {e}") })
        }
    }
}

/// Reads, parses and runs the scenario file at `path`.
///
/// ```no_run
/// let reports = zxemu::scenario::run_file("tests/scenarios/handles.zxs").unwrap();
/// println!("{} cases", reports.len());
/// ```
pub fn run_file(path: impl AsRef<Path>) -> Result<Vec<CaseReport>, ParseError> {
    Ok(run_script(&load_file(path)?))
}
