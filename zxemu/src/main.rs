//! `zxemu`: runs syscall scenarios against the emulated kernel and draws clone families.
//!
//! Without arguments it runs the built-in suite (`tests/scenarios/`, embedded at build time).
#![forbid(unsafe_code)]

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use zxemu::bench::BenchOptions;
use zxemu::reference;
use zxemu::scenario::cli::{self, Format, RunOptions, TreeOptions};
use zxemu::scenario::Suite;

const EXIT_CODES: &str = "\
Exit status:
  0  every case passed (or the command did what it was asked)
  1  at least one case failed
  2  a file is unreadable or malformed, nothing matched, or the command line is wrong";

/// Runs syscall-level scenarios (.zxs files) against the zxemu kernel emulator.
///
/// Without a subcommand, runs the built-in suite and prints a table of results.
#[derive(Parser)]
#[command(name = "zxemu", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    global: Global,
}

/// Flags accepted before or after any subcommand.
#[derive(Args)]
struct Global {
    /// Print every executed line and what it returned.
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Print the tracing output of every syscall to stderr; FILTER works like RUST_LOG
    /// (default: everything at trace level).
    #[arg(long, global = true, value_name = "FILTER", num_args = 0..=1, require_equals = true, default_missing_value = "trace")]
    trace: Option<String>,
    /// When to colour the output: `auto` colours only a terminal (and honours NO_COLOR).
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// A table, closing with `N passed, M failed`.
    Human,
    /// One JSON object with every case.
    Json,
    /// JUnit XML, one testcase per case.
    Junit,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenario files (and the .zxs files under directories); without paths, the built-in
    /// suite.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Run a scenario file and draw every VMO family each case leaves behind.
    #[command(after_help = EXIT_CODES)]
    Tree {
        /// The scenario file.
        file: PathBuf,
        /// Only the cases whose name contains PATTERN.
        #[arg(long, value_name = "PATTERN")]
        case: Option<String>,
        /// Write one Graphviz DOT document (a cluster per case) instead of text.
        #[arg(long)]
        dot: bool,
        /// Show the physical address of every page.
        #[arg(long, conflicts_with = "dot")]
        paddr: bool,
    },
    /// Run a scenario file and draw each process's address space (VMARs, mappings, VMOs)
    /// after each case.
    Maps {
        /// The scenario file.
        file: PathBuf,
        /// Only the cases whose name contains PATTERN.
        #[arg(long, value_name = "PATTERN")]
        case: Option<String>,
    },
    /// Measure figures B1–B12 of performance.md and print them as a Markdown table.
    Bench {
        /// Fewer samples: the whole table in under a minute.
        #[arg(long)]
        quick: bool,
        /// Print one JSON array instead of the table.
        #[arg(long)]
        json: bool,
        /// Measure one figure only (B1 to B12).
        #[arg(long, value_name = "FIGURE", value_parser = zxemu::bench::parse_figure)]
        only: Option<u8>,
    },
    /// Parse and check scenario files without running them.
    #[command(after_help = EXIT_CODES)]
    Check {
        /// Scenario files or directories to check.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// List every call a scenario can make, with its arguments.
    Calls {
        /// Only the calls whose name contains PATTERN.
        pattern: Option<String>,
        /// Print the Markdown table of docs/scenarios.md instead.
        #[arg(long)]
        markdown: bool,
    },
    /// List the constants a scenario can name, with their values.
    Constants {
        /// Only the constants whose name contains PATTERN (case-insensitive).
        pattern: Option<String>,
    },
    /// Print a shell completion script (e.g. `zxemu completions bash > ~/.zxemu.bash`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Args)]
struct RunArgs {
    /// Scenario files and directories (searched for .zxs files); none: the built-in suite.
    paths: Vec<PathBuf>,
    /// Only the cases whose name contains PATTERN.
    #[arg(long, value_name = "PATTERN")]
    case: Option<String>,
    /// List the selected cases (`FILE: CASE`) without running them.
    #[arg(long)]
    list: bool,
    /// Stop at the first failing case.
    #[arg(long)]
    fail_fast: bool,
    /// Print only the failing cases and the closing line.
    #[arg(short, long)]
    quiet: bool,
    /// The form of the report.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,
    /// A case still running after this long fails (e.g. `500ms`, `5s`, `1m`).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_timeout)]
    timeout: Duration,
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if d.is_zero() => Err("the timeout must be longer than 0".to_string()),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{e} (write e.g. 500ms, 5s or 1m)")),
    }
}

/// Whether to colour a stream: `auto` means a terminal without `NO_COLOR`.
fn colored(when: ColorWhen, terminal: bool) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // stderr stays unlocked: cases run on worker threads, whose tracing output goes there too.
    let (mut out, mut err) = (io::stdout().lock(), io::stderr());
    let g = &cli.global;
    let out_color = colored(g.color, io::stdout().is_terminal());
    let err_color = colored(g.color, io::stderr().is_terminal());
    install_tracing(g.trace.as_deref(), err_color);
    let run_opts = |args: &RunArgs| RunOptions {
        verbose: g.verbose,
        progress: io::stderr().is_terminal(),
        case: args.case.clone(),
        list: args.list,
        fail_fast: args.fail_fast,
        quiet: args.quiet,
        format: match args.format {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Junit => Format::Junit,
        },
        timeout: args.timeout,
        color: out_color,
        err_color,
    };
    let code = match &cli.command {
        None => {
            let opts = RunOptions {
                verbose: g.verbose,
                progress: io::stderr().is_terminal(),
                color: out_color,
                err_color,
                ..RunOptions::default()
            };
            cli::run_suite(&Suite::builtin(), &opts, &mut out, &mut err)
        }
        Some(Command::Run(args)) if args.paths.is_empty() => {
            cli::run_suite(&Suite::builtin(), &run_opts(args), &mut out, &mut err)
        }
        Some(Command::Run(args)) => {
            cli::run_files(&args.paths, &run_opts(args), &mut out, &mut err)
        }
        Some(Command::Tree { file, case, dot, paddr }) => {
            let opts = TreeOptions { dot: *dot, paddr: *paddr, case: case.clone(), err_color };
            cli::tree_file(file, &opts, &mut out, &mut err)
        }
        Some(Command::Maps { file, case }) => {
            cli::maps_file(file, case, err_color, &mut out, &mut err)
        }
        Some(Command::Check { paths }) => cli::check_files(paths, err_color, &mut out, &mut err),
        Some(Command::Bench { quick, json, only }) => {
            let opts = BenchOptions { quick: *quick, json: *json, only: *only };
            zxemu::bench::run(opts, &mut out, &mut err)
        }
        Some(Command::Calls { pattern, markdown }) => {
            reference::calls(pattern.as_deref(), *markdown, &mut out, &mut err)
        }
        Some(Command::Constants { pattern }) => {
            reference::constants(pattern.as_deref(), &mut out, &mut err)
        }
        Some(Command::Completions { shell }) => {
            clap_complete::generate(*shell, &mut Cli::command(), "zxemu", &mut out);
            0
        }
    };
    let _ = out.flush();
    ExitCode::from(code)
}

/// Installs a tracing subscriber on stderr when `--trace` is given or `RUST_LOG` is set; ANSI
/// codes only when stderr is coloured.
fn install_tracing(filter: Option<&str>, ansi: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = match filter {
        Some(f) => EnvFilter::new(f),
        None if std::env::var_os("RUST_LOG").is_some() => EnvFilter::from_default_env(),
        None => return,
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(io::stderr)
        .try_init();
}
