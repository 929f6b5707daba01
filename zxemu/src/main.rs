//! `zxemu`: runs syscall scenarios against the emulated kernel and draws clone families.
//!
//! Without arguments it runs the built-in suite (`tests/scenarios/`, embedded at build time).
#![forbid(unsafe_code)]

use clap::{Args, Parser, Subcommand};
use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use zxemu::bench::BenchOptions;
use zxemu::scenario::cli::{self, RunOptions, TreeOptions};
use zxemu::scenario::Suite;

/// Runs syscall-level scenarios (.zxs files) against the zxemu kernel emulator.
///
/// Without a subcommand, runs the built-in suite and prints a table of results.
#[derive(Parser)]
#[command(name = "zxemu", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    output: Output,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenario files and print a table of results.
    Run {
        /// Scenario files to run.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        output: Output,
    },
    /// Run a scenario file and draw every VMO family each case leaves behind.
    Tree {
        /// The scenario file.
        file: PathBuf,
        /// Only this case (by name).
        #[arg(long)]
        case: Option<String>,
        /// Write Graphviz DOT instead of text.
        #[arg(long)]
        dot: bool,
        /// Show the physical address of every page.
        #[arg(long, conflicts_with = "dot")]
        paddr: bool,
        /// Print tracing output (see `run --trace`).
        #[arg(long, value_name = "FILTER", num_args = 0..=1, require_equals = true, default_missing_value = "trace")]
        trace: Option<String>,
    },
    /// Measure figures B1–B8 of performance.md and print them as a Markdown table.
    Bench {
        /// Fewer samples: the whole table in under a minute.
        #[arg(long)]
        quick: bool,
        /// Print one JSON array instead of the table.
        #[arg(long)]
        json: bool,
        /// Measure one figure only (B1 to B8).
        #[arg(long, value_name = "FIGURE", value_parser = zxemu::bench::parse_figure)]
        only: Option<u8>,
    },
    /// Parse and check scenario files without running them.
    Check {
        /// Scenario files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Args)]
struct Output {
    /// Print every executed line and what it returned.
    #[arg(short, long)]
    verbose: bool,
    /// Print the tracing output of every syscall to stderr; FILTER works like RUST_LOG
    /// (default: everything at trace level).
    #[arg(long, value_name = "FILTER", num_args = 0..=1, require_equals = true, default_missing_value = "trace")]
    trace: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (mut out, mut err) = (io::stdout().lock(), io::stderr().lock());
    let progress = io::stderr().is_terminal();
    let code = match cli.command {
        None => {
            install_tracing(cli.output.trace.as_deref());
            let opts = RunOptions { verbose: cli.output.verbose, progress };
            cli::run_suite(&Suite::builtin(), opts, &mut out, &mut err)
        }
        Some(Command::Run { files, output }) => {
            install_tracing(output.trace.as_deref());
            let opts = RunOptions { verbose: output.verbose, progress };
            cli::run_files(&files, opts, &mut out, &mut err)
        }
        Some(Command::Tree { file, case, dot, paddr, trace }) => {
            install_tracing(trace.as_deref());
            cli::tree_file(&file, &TreeOptions { dot, paddr, case }, &mut out, &mut err)
        }
        Some(Command::Check { files }) => cli::check_files(&files, &mut out, &mut err),
        Some(Command::Bench { quick, json, only }) => {
            zxemu::bench::run(BenchOptions { quick, json, only }, &mut out, &mut err)
        }
    };
    ExitCode::from(code)
}

/// Installs a tracing subscriber on stderr when `--trace` is given or `RUST_LOG` is set.
fn install_tracing(filter: Option<&str>) {
    use tracing_subscriber::EnvFilter;
    let filter = match filter {
        Some(f) => EnvFilter::new(f),
        None if std::env::var_os("RUST_LOG").is_some() => EnvFilter::from_default_env(),
        None => return,
    };
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(io::stderr).try_init();
}
