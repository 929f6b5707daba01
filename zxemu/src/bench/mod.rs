//! `zxemu bench`: figures B1–B12 of `performance.md`, each measured next to its baseline in
//! this process, printed as a Markdown table (or JSON) with the ratio and whether the target
//! is met.
//!
//! ```no_run
//! use zxemu::bench::{run, BenchOptions};
//! let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
//! run(BenchOptions { quick: true, ..Default::default() }, &mut out, &mut err);
//! ```

mod figures;
mod mapped;
pub mod table;
pub mod target;

use std::io::Write;

pub use figures::Plan;
pub use table::{evaluate, json, markdown, ratio, Row};

/// Options of `zxemu bench`.
///
/// ```
/// let opts = zxemu::bench::BenchOptions::default();
/// assert!(!opts.quick && !opts.json);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BenchOptions {
    /// Fewer samples: the whole table in under a minute.
    pub quick: bool,
    /// One JSON array instead of the Markdown table.
    pub json: bool,
    /// Only figure B`n` (1–12), to reproduce or profile one figure; `None` measures all.
    pub only: Option<u8>,
}

/// Parses a figure name, `B1` to `B12` (case-insensitive), into its number.
///
/// ```
/// use zxemu::bench::parse_figure;
/// assert_eq!(parse_figure("B3"), Ok(3));
/// assert_eq!(parse_figure("b11"), Ok(11));
/// assert_eq!(parse_figure("B12"), Ok(12));
/// assert!(parse_figure("B13").is_err());
/// ```
pub fn parse_figure(name: &str) -> Result<u8, String> {
    let number = name.strip_prefix(['B', 'b']).and_then(|n| n.parse::<u8>().ok());
    match number {
        Some(n @ 1..=12) => Ok(n),
        _ => Err(format!("no figure {name:?}: figures are B1 to B12")),
    }
}

/// Measures every figure, B1 to B12 (see [`Plan`]), or only figure B`only`, and returns
/// the rows with `met` set. Progress goes to `err`.
///
/// ```no_run
/// use zxemu::bench::{measure, Plan};
/// let rows = measure(&Plan::quick(), None, &mut std::io::sink());
/// assert_eq!(rows.len(), 34);
/// assert_eq!(measure(&Plan::quick(), Some(5), &mut std::io::sink()).len(), 2);
/// ```
pub fn measure(plan: &Plan, only: Option<u8>, err: &mut dyn Write) -> Vec<Row> {
    let mut figure = |number: u8, what: &str, measure: &dyn Fn() -> Vec<Row>| {
        if only.is_some_and(|n| n != number) {
            return Vec::new();
        }
        let _ = writeln!(err, "bench: B{number} {what}");
        measure()
    };
    // First, while the process is still small.
    let idle = figure(8, "idle resident memory", &|| vec![figures::b8_idle_rss()]);
    let mut rows = Vec::new();
    rows.extend(figure(1, "vmo_transfer_data against read + write + decommit", &|| {
        figures::b1_transfer(plan)
    }));
    rows.extend(figure(2, "snapshot creation", &|| figures::b2_snapshot(plan)));
    rows.extend(figure(3, "fork on first write", &|| figures::b3_fork(plan)));
    rows.extend(figure(4, "reads through snapshot chains", &|| figures::b4_chain(plan)));
    rows.extend(figure(5, "page allocator", &|| figures::b5_allocator(plan)));
    rows.extend(figure(6, "handle table", &|| figures::b6_handles(plan)));
    rows.extend(figure(7, "scaling, 2 threads against 1", &|| figures::b7_scaling(plan)));
    rows.extend(figure(8, "bookkeeping per committed page", &|| vec![figures::b8_per_page()]));
    rows.extend(figure(9, "concurrent use of one clone tree, 2 threads against 1", &|| {
        figures::b9_one_tree(plan)
    }));
    rows.extend(figure(10, "bulk reads and writes against memcpy", &|| figures::b10_bulk(plan)));
    rows.extend(figure(11, "pager fault round trip against an event round trip; supply", &|| {
        figures::b11_pager(plan)
    }));
    rows.extend(figure(12, "mapped 8-byte load and store against vmo_read/vmo_write", &|| {
        mapped::b12_mapped(plan)
    }));
    rows.extend(idle);
    for e in evaluate(&mut rows) {
        let _ = writeln!(err, "bench: error: {e}");
    }
    rows
}

/// `zxemu bench [--quick] [--json] [--only Bn]`: measures and prints the table; returns the exit status
/// (0, or 2 when the output cannot be written). Missed targets show in the `met` column and
/// do not change the status.
///
/// ```no_run
/// use zxemu::bench::{run, BenchOptions};
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// assert_eq!(run(BenchOptions { quick: true, json: true, only: None }, &mut out, &mut err), 0);
/// ```
pub fn run(opts: BenchOptions, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let plan = if opts.quick { Plan::quick() } else { Plan::full() };
    let rows = measure(&plan, opts.only, err);
    let written = if opts.json { json(&rows, out) } else { markdown(&rows, out) };
    match written {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            2
        }
    }
}
