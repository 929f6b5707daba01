//! What the `zxemu` subcommands do, writing to the given streams and returning the exit status:
//! 0 when everything passed, 1 when a case failed, 2 when a file is malformed or unreadable.

use super::render::{render_dot, render_text, RenderOptions};
use super::runner::{run_case, CaseReport};
use super::{load_file, parse, ParseError, Script, Suite};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zx_kernel::introspect::families;

/// Exit status: every case passed.
pub const EXIT_PASSED: u8 = 0;
/// Exit status: at least one case failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit status: a file could not be read or parsed; nothing ran.
pub const EXIT_MALFORMED: u8 = 2;

/// Options of `zxemu` and `zxemu run`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Print every executed line with what it returned.
    pub verbose: bool,
    /// Show a progress line on `err` while several files run (for a terminal).
    pub progress: bool,
}

/// Options of `zxemu tree`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeOptions {
    /// Write Graphviz DOT instead of text.
    pub dot: bool,
    /// Show physical addresses of pages (text only).
    pub paddr: bool,
    /// Draw only the case of this name.
    pub case: Option<String>,
}

/// Runs the built-in suite and prints the table (`zxemu` without arguments).
///
/// ```
/// use zxemu::scenario::{cli, Suite};
/// let suite = Suite { files: vec![("t.zxs".into(), "vmo_create 4K 0 => ZX_OK\n".into())] };
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// assert_eq!(cli::run_suite(&suite, cli::RunOptions::default(), &mut out, &mut err), 0);
/// assert!(String::from_utf8(out).unwrap().ends_with("1 passed, 0 failed\n"));
/// ```
pub fn run_suite(suite: &Suite, opts: RunOptions, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let parsed = suite.files.iter().map(|(name, src)| parse(name, src)).collect();
    run_parsed(parsed, opts, out, err)
}

/// Reads, checks and runs scenario files (`zxemu run FILE...`).
pub fn run_files(
    paths: &[PathBuf],
    opts: RunOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    run_parsed(paths.iter().map(load_file).collect(), opts, out, err)
}

/// Reads and checks scenario files without running them (`zxemu check FILE...`).
pub fn check_files(paths: &[PathBuf], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let Some(scripts) = all_parsed(paths.iter().map(load_file).collect(), err) else {
        return EXIT_MALFORMED;
    };
    for s in &scripts {
        let _ = writeln!(out, "{}: ok ({} cases)", s.file, s.cases.len());
    }
    EXIT_PASSED
}

/// Runs a file and draws the VMO families each case leaves (`zxemu tree FILE`).
pub fn tree_file(path: &Path, opts: &TreeOptions, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let Some(script) = all_parsed(vec![load_file(path)], err).and_then(|mut v| v.pop()) else {
        return EXIT_MALFORMED;
    };
    let cases: Vec<_> =
        script.cases.iter().filter(|c| opts.case.as_ref().is_none_or(|n| *n == c.name)).collect();
    if cases.is_empty() {
        let names: Vec<String> = script.cases.iter().map(|c| format!("\"{}\"", c.name)).collect();
        let _ = writeln!(
            err,
            "error: {}: no case named {:?}; cases: {}",
            script.file,
            opts.case,
            names.join(", ")
        );
        return EXIT_MALFORMED;
    }
    let mut status = EXIT_PASSED;
    for case in cases {
        let (report, env) = run_case(&script, case, None);
        let fams = families(&env.kernel);
        if opts.dot {
            let _ = write!(out, "// case \"{}\"\n{}", case.name, render_dot(&fams, &env.labels()));
        } else {
            let _ = writeln!(out, "== case \"{}\": {}", case.name, verdict(&report));
            let _ = write!(
                out,
                "{}",
                render_text(&fams, &env.labels(), RenderOptions { paddr: opts.paddr })
            );
        }
        if let Some(f) = &report.failure {
            let _ = writeln!(err, "{}:{}:{}: {}", report.file, f.line, f.col, f.message);
            status = EXIT_FAILED;
        }
    }
    status
}

/// The scripts, or `None` after printing every error.
fn all_parsed(parsed: Vec<Result<Script, ParseError>>, err: &mut dyn Write) -> Option<Vec<Script>> {
    let mut ok = Vec::new();
    let mut failed = false;
    for p in parsed {
        match p {
            Ok(s) => ok.push(s),
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                failed = true;
            }
        }
    }
    (!failed).then_some(ok)
}

fn run_parsed(
    parsed: Vec<Result<Script, ParseError>>,
    opts: RunOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let Some(scripts) = all_parsed(parsed, err) else {
        return EXIT_MALFORMED;
    };
    let show_progress = opts.progress && scripts.len() > 1;
    let mut reports = Vec::new();
    for (i, script) in scripts.iter().enumerate() {
        if show_progress {
            let _ = write!(err, "\r\x1b[2K[{}/{}] {}", i + 1, scripts.len(), script.file);
            let _ = err.flush();
        }
        for case in &script.cases {
            let mut log = String::new();
            let (report, _) = run_case(script, case, opts.verbose.then_some(&mut log));
            if opts.verbose {
                let _ = write!(out, "-- {} / {}\n{log}", script.file, case.name);
            }
            reports.push(report);
        }
    }
    if show_progress {
        let _ = write!(err, "\r\x1b[2K");
    }
    print_table(&reports, out);
    if reports.iter().all(CaseReport::passed) {
        EXIT_PASSED
    } else {
        EXIT_FAILED
    }
}

fn verdict(r: &CaseReport) -> &'static str {
    if r.passed() {
        "ok"
    } else {
        "FAILED"
    }
}

/// The table of results and the closing `N passed, M failed` line.
///
/// ```
/// use std::time::Duration;
/// use zxemu::scenario::{cli::print_table, CaseReport};
/// let r = CaseReport { file: "a.zxs".into(), case: "c".into(), failure: None, elapsed: Duration::ZERO };
/// let mut out = Vec::new();
/// print_table(&[r], &mut out);
/// assert!(String::from_utf8(out).unwrap().contains("1 passed, 0 failed"));
/// ```
pub fn print_table(reports: &[CaseReport], out: &mut dyn Write) {
    let fw = reports.iter().map(|r| r.file.chars().count()).chain([4]).max().unwrap_or(4);
    let cw = reports
        .iter()
        .map(|r| r.case.chars().count())
        .chain([4])
        .max()
        .unwrap_or(4)
        .min(MAX_CASE_WIDTH);
    let _ = writeln!(out, "{:<fw$}  {:<cw$}  {:<6}  {:>9}", "FILE", "CASE", "RESULT", "TIME");
    for r in reports {
        let case = clip(&r.case, cw);
        let _ = writeln!(
            out,
            "{:<fw$}  {case:<cw$}  {:<6}  {:>9}",
            r.file,
            verdict(r),
            time(r.elapsed)
        );
        if let Some(f) = &r.failure {
            let _ = writeln!(out, "    {}:{}:{}: {}", r.file, f.line, f.col, f.message);
        }
    }
    let passed = reports.iter().filter(|r| r.passed()).count();
    let _ = writeln!(out, "{passed} passed, {} failed", reports.len() - passed);
}

/// Case names wider than this are cut in the table (with `…`).
const MAX_CASE_WIDTH: usize = 64;

fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn time(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else {
        format!("{:.1} ms", us / 1000.0)
    }
}
