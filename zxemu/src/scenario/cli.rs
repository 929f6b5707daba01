//! What the `zxemu` subcommands do, writing to the given streams and returning the exit status:
//! 0 when everything passed, 1 when a case failed, 2 when a file is malformed or unreadable (or
//! the command line asks for something that does not exist).

use super::diag;
use super::render::{render_dot_cases, render_text_with_pagers, RenderOptions};
use super::runner::{run_case, run_case_watched, CaseReport, Failure, Watch};
use super::{parse_all, ParseError, Script, Suite};
use anstyle::{AnsiColor, Style};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use zx_kernel::introspect::{families, pager_views};

/// Exit status: every case passed.
pub const EXIT_PASSED: u8 = 0;
/// Exit status: at least one case failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit status: a file could not be read or parsed, or nothing matched; nothing ran.
pub const EXIT_MALFORMED: u8 = 2;

/// How `run` reports its results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// A table for people, closing with `N passed, M failed`.
    #[default]
    Human,
    /// One JSON object: every case with its verdict, and the counts.
    Json,
    /// JUnit XML: one `testsuite` per file, one `testcase` per case.
    Junit,
}

/// Options of `zxemu` and `zxemu run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// Print every executed line with what it returned.
    pub verbose: bool,
    /// Show a progress line on `err` while several files run (for a terminal).
    pub progress: bool,
    /// Only the cases whose name contains this text.
    pub case: Option<String>,
    /// List the selected cases instead of running them.
    pub list: bool,
    /// Stop at the first failing case.
    pub fail_fast: bool,
    /// Print only failing cases and the closing line.
    pub quiet: bool,
    /// The report's form.
    pub format: Format,
    /// A case still running after this long fails (its worker thread is abandoned).
    pub timeout: Duration,
    /// Colour the output written to `out`.
    pub color: bool,
    /// Colour the diagnostics written to `err`.
    pub err_color: bool,
}

/// The default per-case timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            verbose: false,
            progress: false,
            case: None,
            list: false,
            fail_fast: false,
            quiet: false,
            format: Format::Human,
            timeout: DEFAULT_TIMEOUT,
            color: false,
            err_color: false,
        }
    }
}

/// Options of `zxemu tree`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeOptions {
    /// Write Graphviz DOT instead of text.
    pub dot: bool,
    /// Show physical addresses of pages (text only).
    pub paddr: bool,
    /// Draw only the cases whose name contains this text.
    pub case: Option<String>,
    /// Colour the diagnostics written to `err`.
    pub err_color: bool,
}

/// A scenario source: its name and its text (or why it could not be read).
type Source = (String, Result<String, String>);

/// Runs the built-in suite and prints the table (`zxemu` without arguments).
///
/// ```
/// use zxemu::scenario::{cli, Suite};
/// let suite = Suite { files: vec![("t.zxs".into(), "vmo_create 4K 0 => ZX_OK\n".into())] };
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// assert_eq!(cli::run_suite(&suite, &cli::RunOptions::default(), &mut out, &mut err), 0);
/// assert!(String::from_utf8(out).unwrap().ends_with("1 passed, 0 failed\n"));
/// ```
pub fn run_suite(suite: &Suite, opts: &RunOptions, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let sources = suite.files.iter().map(|(n, s)| (n.clone(), Ok(s.clone()))).collect();
    run_sources(sources, opts, out, err)
}

/// Reads, checks and runs scenario files and the `.zxs` files under directories
/// (`zxemu run PATH...`).
pub fn run_files(
    paths: &[PathBuf],
    opts: &RunOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    match read_paths(paths) {
        Ok(sources) => run_sources(sources, opts, out, err),
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            EXIT_MALFORMED
        }
    }
}

/// Reads and checks scenario files without running them (`zxemu check PATH...`).
pub fn check_files(
    paths: &[PathBuf],
    err_color: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let sources = match read_paths(paths) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return EXIT_MALFORMED;
        }
    };
    let Some(scripts) = all_parsed(sources, err_color, err) else {
        return EXIT_MALFORMED;
    };
    for s in &scripts {
        let _ = writeln!(out, "{}: ok ({})", s.file, plural(s.cases.len(), "case"));
    }
    EXIT_PASSED
}

/// Runs a file and draws the VMO families each case leaves (`zxemu tree FILE`): text, or one
/// DOT document with a cluster per case.
pub fn tree_file(path: &Path, opts: &TreeOptions, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let Some(script) =
        all_parsed(vec![read_source(path)], opts.err_color, err).and_then(|mut v| v.pop())
    else {
        return EXIT_MALFORMED;
    };
    let cases: Vec<_> = script.cases.iter().filter(|c| selected(&opts.case, &c.name)).collect();
    if cases.is_empty() {
        let names: Vec<String> = script.cases.iter().map(|c| format!("\"{}\"", c.name)).collect();
        let pattern = opts.case.as_deref().unwrap_or_default();
        let _ = writeln!(
            err,
            "error: {}: no case matches \"{pattern}\"; its cases: {}",
            script.file,
            names.join(", ")
        );
        return EXIT_MALFORMED;
    }
    let mut status = EXIT_PASSED;
    let mut drawings = Vec::new();
    for case in cases {
        let (report, env) = run_case(&script, case, None);
        let fams = families(&env.kernel);
        let pagers = pager_views(&env.kernel);
        let title = format!("case \"{}\": {}", case.name, verdict(&report));
        if opts.dot {
            drawings.push((title, fams, pagers, env.labels()));
        } else {
            let _ = writeln!(out, "== {title}");
            let opts = RenderOptions { paddr: opts.paddr };
            let _ = write!(out, "{}", render_text_with_pagers(&fams, &pagers, &env.labels(), opts));
        }
        if let Some(f) = &report.failure {
            let _ = writeln!(err, "{}:{}:{}: {}", report.file, f.line, f.col, f.message);
            status = EXIT_FAILED;
        }
    }
    if opts.dot {
        let _ = write!(out, "{}", render_dot_cases(&drawings));
    }
    status
}

/// `zxemu maps FILE [--case PATTERN]`: runs the file's cases (or those whose name contains
/// PATTERN) and draws every process's address space at the end of each: VMARs, mappings with
/// their protection, and the VMOs behind them (named by the scenario's bindings). Exit status
/// as `zxemu run`.
///
/// ```no_run
/// use zxemu::scenario::cli::maps_file;
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// maps_file("tests/scenarios/vmar_map.zxs".as_ref(), &None, false, &mut out, &mut err);
/// ```
pub fn maps_file(
    path: &Path,
    case: &Option<String>,
    err_color: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let Some(script) =
        all_parsed(vec![read_source(path)], err_color, err).and_then(|mut v| v.pop())
    else {
        return EXIT_MALFORMED;
    };
    let cases: Vec<_> = script.cases.iter().filter(|c| selected(case, &c.name)).collect();
    if cases.is_empty() {
        let _ = writeln!(err, "error: {}: no case matches", script.file);
        return EXIT_MALFORMED;
    }
    let mut status = EXIT_PASSED;
    for case in cases {
        let (report, env) = run_case(&script, case, None);
        let _ = writeln!(out, "== case \"{}\": {}", case.name, verdict(&report));
        let labels = env.labels();
        for (name, process) in env.processes() {
            let records = zx_kernel::introspect::address_space(&process);
            let _ = write!(out, "{}", super::maps::render_maps(&name, &records, &labels));
        }
        if let Some(f) = &report.failure {
            let _ = writeln!(err, "{}:{}:{}: {}", report.file, f.line, f.col, f.message);
            status = EXIT_FAILED;
        }
    }
    status
}

/// Whether a case named `name` is selected by `--case pattern` (its name contains it).
fn selected(pattern: &Option<String>, name: &str) -> bool {
    pattern.as_deref().is_none_or(|p| name.contains(p))
}

/// `1 case`, `2 cases`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn read_source(path: &Path) -> Source {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"));
    (name, text)
}

/// The sources of `paths`: files as given, directories as the `.zxs` files under them (sorted).
fn read_paths(paths: &[PathBuf]) -> Result<Vec<Source>, String> {
    let mut sources = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut files = Vec::new();
            zxs_under(path, &mut files)
                .map_err(|e| format!("{}: cannot read the directory: {e}", path.display()))?;
            if files.is_empty() {
                return Err(format!("{}: no .zxs files in this directory", path.display()));
            }
            files.sort();
            sources.extend(files.iter().map(|f| read_source(f)));
        } else {
            sources.push(read_source(path));
        }
    }
    Ok(sources)
}

fn zxs_under(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            zxs_under(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "zxs") {
            files.push(path);
        }
    }
    Ok(())
}

/// The scripts, or `None` after printing every error of every file.
fn all_parsed(sources: Vec<Source>, color: bool, err: &mut dyn Write) -> Option<Vec<Script>> {
    let mut ok = Vec::new();
    let mut failed = false;
    for (name, text) in sources {
        let result = match &text {
            Ok(src) => parse_all(&name, src),
            Err(why) => {
                Err(vec![ParseError { file: name.clone(), line: 0, col: 0, message: why.clone() }])
            }
        };
        match result {
            Ok(s) => ok.push(s),
            Err(errors) => {
                let src = text.as_deref().unwrap_or_default();
                diag::emit(&name, src, &errors, color, err);
                failed = true;
            }
        }
    }
    (!failed).then_some(ok)
}

fn run_sources(
    sources: Vec<Source>,
    opts: &RunOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let Some(scripts) = all_parsed(sources, opts.err_color, err) else {
        return EXIT_MALFORMED;
    };
    let selected_cases: Vec<(usize, usize)> = scripts
        .iter()
        .enumerate()
        .flat_map(|(si, s)| {
            s.cases
                .iter()
                .enumerate()
                .filter(|(_, c)| selected(&opts.case, &c.name))
                .map(move |(ci, _)| (si, ci))
        })
        .collect();
    if selected_cases.is_empty() {
        let pattern = opts.case.as_deref().unwrap_or_default();
        let _ = writeln!(err, "error: no case matches \"{pattern}\"");
        return EXIT_MALFORMED;
    }
    if opts.list {
        for &(si, ci) in &selected_cases {
            let _ = writeln!(out, "{}: {}", scripts[si].file, scripts[si].cases[ci].name);
        }
        return EXIT_PASSED;
    }
    let scripts: Vec<Arc<Script>> = scripts.into_iter().map(Arc::new).collect();
    let show_progress = opts.progress && scripts.len() > 1;
    let mut reports = Vec::new();
    let mut stopped = false;
    for &(si, ci) in &selected_cases {
        let script = &scripts[si];
        if show_progress {
            let _ = write!(err, "\r\x1b[2K[{}/{}] {}", si + 1, scripts.len(), script.file);
            let _ = err.flush();
        }
        let (report, log) = run_with_timeout(script, ci, opts.verbose, opts.timeout);
        if opts.verbose && opts.format == Format::Human {
            let _ = write!(out, "-- {} / {}\n{log}", script.file, script.cases[ci].name);
        }
        let failed = !report.passed();
        reports.push(report);
        if failed && opts.fail_fast {
            stopped = true;
            break;
        }
    }
    if show_progress {
        let _ = write!(err, "\r\x1b[2K");
    }
    match opts.format {
        Format::Human => {
            print_table_styled(&reports, opts.quiet, opts.color, out);
            if stopped {
                let left = selected_cases.len() - reports.len();
                let _ = writeln!(out, "stopped at the first failure (--fail-fast): {left} not run");
            }
        }
        Format::Json => write_json(&reports, selected_cases.len(), out),
        Format::Junit => write_junit(&reports, out),
    }
    if reports.iter().all(CaseReport::passed) {
        EXIT_PASSED
    } else {
        EXIT_FAILED
    }
}

/// Runs case `ci` of `script` on a worker thread; after `timeout` the case fails, naming the
/// line that still runs, and its threads are left behind (they may be blocked for ever).
fn run_with_timeout(
    script: &Arc<Script>,
    ci: usize,
    verbose: bool,
    timeout: Duration,
) -> (CaseReport, String) {
    let (tx, rx) = mpsc::channel();
    let worker = Arc::clone(script);
    let watch = Arc::new(Watch::default());
    let watcher = Arc::clone(&watch);
    let start = Instant::now();
    let spawned = std::thread::Builder::new().name(format!("case {ci}")).spawn(move || {
        let mut log = String::new();
        let case = &worker.cases[ci];
        let log_to = verbose.then_some(&mut log);
        let (report, _) = run_case_watched(&worker, case, log_to, |_| {}, Some(watcher));
        let _ = tx.send((report, log));
    });
    let case = &script.cases[ci];
    let failed_at = |pos: super::ast::Pos, message: String| CaseReport {
        file: script.file.clone(),
        case: case.name.clone(),
        failure: Some(Failure { line: pos.line, col: pos.col, message }),
        elapsed: start.elapsed(),
    };
    let failed = |message: String| failed_at(case.pos, message);
    if let Err(e) = spawned {
        return (failed(format!("cannot start a thread for the case: {e}")), String::new());
    }
    match rx.recv_timeout(timeout) {
        Ok(done) => done,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let (pos, what) =
                watch.stuck(script).unwrap_or((case.pos, "the case still runs".to_string()));
            let after = humantime::format_duration(timeout);
            let msg = format!("timed out after {after}: {what}; raise the limit with --timeout");
            (failed_at(pos, msg), String::new())
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            (failed("the case panicked (a bug in zxemu: please report it)".into()), String::new())
        }
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
    print_table_styled(reports, false, false, out);
}

/// [`print_table`], with only the failing rows when `quiet`, `ok`/`FAILED` coloured when `color`.
pub fn print_table_styled(reports: &[CaseReport], quiet: bool, color: bool, out: &mut dyn Write) {
    let shown: Vec<&CaseReport> = reports.iter().filter(|r| !quiet || !r.passed()).collect();
    let fw = shown.iter().map(|r| r.file.chars().count()).chain([4]).max().unwrap_or(4);
    let cw = shown
        .iter()
        .map(|r| r.case.chars().count())
        .chain([4])
        .max()
        .unwrap_or(4)
        .min(MAX_CASE_WIDTH);
    if !shown.is_empty() {
        let _ = writeln!(out, "{:<fw$}  {:<cw$}  {:<6}  {:>9}", "FILE", "CASE", "RESULT", "TIME");
    }
    for r in shown {
        let case = clip(&r.case, cw);
        let style = match (color, r.passed()) {
            (false, _) => Style::new(),
            (true, true) => AnsiColor::Green.on_default(),
            (true, false) => AnsiColor::Red.on_default().bold(),
        };
        let v = verdict(r);
        let _ = writeln!(
            out,
            "{:<fw$}  {case:<cw$}  {style}{v}{style:#}{:pad$}  {:>9}",
            r.file,
            "",
            time(r.elapsed),
            pad = 6 - v.len(),
        );
        if let Some(f) = &r.failure {
            let _ = writeln!(out, "    {}:{}:{}: {}", r.file, f.line, f.col, f.message);
        }
    }
    let passed = reports.iter().filter(|r| r.passed()).count();
    let _ = writeln!(out, "{passed} passed, {} failed", reports.len() - passed);
}

#[derive(Serialize)]
struct JsonCase<'a> {
    file: &'a str,
    case: &'a str,
    passed: bool,
    time_us: u128,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<JsonFailure<'a>>,
}

#[derive(Serialize)]
struct JsonFailure<'a> {
    line: usize,
    col: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    cases: Vec<JsonCase<'a>>,
    passed: usize,
    failed: usize,
    not_run: usize,
}

fn write_json(reports: &[CaseReport], selected: usize, out: &mut dyn Write) {
    let cases: Vec<JsonCase> = reports
        .iter()
        .map(|r| JsonCase {
            file: &r.file,
            case: &r.case,
            passed: r.passed(),
            time_us: r.elapsed.as_micros(),
            failure: r.failure.as_ref().map(|f| JsonFailure {
                line: f.line,
                col: f.col,
                message: &f.message,
            }),
        })
        .collect();
    let passed = reports.iter().filter(|r| r.passed()).count();
    let report = JsonReport {
        cases,
        passed,
        failed: reports.len() - passed,
        not_run: selected - reports.len(),
    };
    let _ = serde_json::to_writer_pretty(&mut *out, &report);
    let _ = writeln!(out);
}

fn write_junit(reports: &[CaseReport], out: &mut dyn Write) {
    use quick_xml::escape::escape;
    let failures = reports.iter().filter(|r| !r.passed()).count();
    let total: f64 = reports.iter().map(|r| r.elapsed.as_secs_f64()).sum();
    let _ = writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        out,
        r#"<testsuites name="zxemu" tests="{}" failures="{failures}" time="{total:.6}">"#,
        reports.len()
    );
    let mut files: Vec<&str> = Vec::new();
    for r in reports {
        if !files.contains(&r.file.as_str()) {
            files.push(&r.file);
        }
    }
    for file in files {
        let cases: Vec<&CaseReport> = reports.iter().filter(|r| r.file == file).collect();
        let failed = cases.iter().filter(|r| !r.passed()).count();
        let time: f64 = cases.iter().map(|r| r.elapsed.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{failed}" time="{time:.6}">"#,
            escape(file),
            cases.len()
        );
        for r in cases {
            let open = format!(
                r#"    <testcase name="{}" classname="{}" time="{:.6}""#,
                escape(&r.case),
                escape(file),
                r.elapsed.as_secs_f64()
            );
            match &r.failure {
                None => {
                    let _ = writeln!(out, "{open}/>");
                }
                Some(f) => {
                    let at = format!("{}:{}:{}: {}", r.file, f.line, f.col, f.message);
                    let _ = writeln!(out, "{open}>");
                    let _ = writeln!(
                        out,
                        r#"      <failure message="{}">{}</failure>"#,
                        escape(&f.message),
                        escape(&at)
                    );
                    let _ = writeln!(out, "    </testcase>");
                }
            }
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    let _ = writeln!(out, "</testsuites>");
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
