//! `zxemu calls` and `zxemu constants`: the reference of the scenario language, printed from the
//! same tables the parser uses ([`CALLS`], [`CONSTANTS`]).

use crate::scenario::calls::{calls_markdown, did_you_mean, CALLS, CONSTANTS};
use crate::scenario::cli::{EXIT_MALFORMED, EXIT_PASSED};
use std::io::Write;

/// Prints every call whose name contains `pattern` (all without one) with its arguments and what
/// it gives, or the Markdown table of docs/scenarios.md; exit status 2 when nothing matches.
///
/// ```
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// assert_eq!(zxemu::reference::calls(Some("vmo_craete"), false, &mut out, &mut err), 2);
/// assert!(String::from_utf8(err).unwrap().contains("did you mean `vmo_create`?"));
/// ```
pub fn calls(
    pattern: Option<&str>,
    markdown: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    if markdown {
        let _ = write!(out, "{}", calls_markdown());
        return EXIT_PASSED;
    }
    let found: Vec<_> =
        CALLS.iter().filter(|c| pattern.is_none_or(|p| c.name.contains(p))).collect();
    if found.is_empty() {
        let p = pattern.unwrap_or_default();
        let hint = did_you_mean(p, CALLS.iter().map(|c| c.name))
            .map_or_else(String::new, |c| format!("; did you mean `{c}`?"));
        let _ = writeln!(err, "error: no call matches `{p}`{hint}");
        return EXIT_MALFORMED;
    }
    let width = found.iter().map(|c| c.synopsis().len()).max().unwrap_or(0);
    for c in found {
        let kernel = if c.kernel { " (kernel)" } else { "" };
        let _ = writeln!(out, "{:<width$}  -> {}{kernel}", c.synopsis(), c.ret.describe());
    }
    EXIT_PASSED
}

/// Prints every constant whose name contains `pattern` (case-insensitive; all without one) with
/// its value; exit status 2 when nothing matches.
///
/// ```
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// assert_eq!(zxemu::reference::constants(Some("child_snap"), &mut out, &mut err), 0);
/// assert!(String::from_utf8(out).unwrap().contains("ZX_VMO_CHILD_SNAPSHOT "));
/// ```
pub fn constants(pattern: Option<&str>, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let upper = pattern.map(str::to_ascii_uppercase);
    let found: Vec<_> =
        CONSTANTS.iter().filter(|(n, _)| upper.as_deref().is_none_or(|p| n.contains(p))).collect();
    if found.is_empty() {
        let p = upper.unwrap_or_default();
        let hint = did_you_mean(&p, CONSTANTS.iter().map(|(n, _)| *n))
            .map_or_else(String::new, |c| format!("; did you mean `{c}`?"));
        let _ = writeln!(err, "error: no constant matches `{}`{hint}", pattern.unwrap_or_default());
        return EXIT_MALFORMED;
    }
    let width = found.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, value) in found {
        let hex = if *value < 0 { String::new() } else { format!(" ({value:#x})") };
        let _ = writeln!(out, "{name:<width$}  {value}{hex}");
    }
    EXIT_PASSED
}
