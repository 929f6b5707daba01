//! `zxemu bench`: figures B1–B8 of `performance.md`, each measured next to its baseline in
//! this process, printed as a Markdown table (or JSON) with the ratio and whether the target
//! is met.
//!
//! ```no_run
//! use zx_kernel::bench::{run, BenchOptions};
//! let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
//! run(BenchOptions { quick: true, json: false }, &mut out, &mut err);
//! ```

mod figures;
pub mod table;
pub mod target;

use std::io::Write;

pub use figures::Plan;
pub use table::{evaluate, json, markdown, ratio, Row};

/// Options of `zxemu bench`.
///
/// ```
/// let opts = zx_kernel::bench::BenchOptions::default();
/// assert!(!opts.quick && !opts.json);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BenchOptions {
    /// Fewer samples: the whole table in under a minute.
    pub quick: bool,
    /// One JSON array instead of the Markdown table.
    pub json: bool,
}

/// Measures every figure, B1 to B8 (see [`Plan`]), and returns the rows with `met` set.
/// Progress goes to `err`.
///
/// ```no_run
/// let rows = zx_kernel::bench::measure(&zx_kernel::bench::Plan::quick(), &mut std::io::sink());
/// assert_eq!(rows.len(), 21);
/// ```
pub fn measure(plan: &Plan, err: &mut dyn Write) -> Vec<Row> {
    let mut progress = |what: &str| {
        let _ = writeln!(err, "bench: {what}");
    };
    // First, while the process is still small.
    progress("B8 idle resident memory");
    let idle = figures::b8_idle_rss();
    let mut rows = Vec::new();
    progress("B1 vmo_transfer_data against read + write + decommit");
    rows.extend(figures::b1_transfer(plan));
    progress("B2 snapshot creation");
    rows.extend(figures::b2_snapshot(plan));
    progress("B3 fork on first write");
    rows.extend(figures::b3_fork(plan));
    progress("B4 reads through snapshot chains");
    rows.extend(figures::b4_chain(plan));
    progress("B5 page allocator");
    rows.extend(figures::b5_allocator(plan));
    progress("B6 handle table");
    rows.extend(figures::b6_handles(plan));
    progress("B7 scaling, 2 threads against 1");
    rows.extend(figures::b7_scaling(plan));
    progress("B8 bookkeeping per committed page");
    rows.push(figures::b8_per_page());
    rows.push(idle);
    for e in evaluate(&mut rows) {
        let _ = writeln!(err, "bench: error: {e}");
    }
    rows
}

/// `zxemu bench [--quick] [--json]`: measures and prints the table; returns the exit status
/// (0, or 2 when the output cannot be written). Missed targets show in the `met` column and
/// do not change the status.
///
/// ```no_run
/// use zx_kernel::bench::{run, BenchOptions};
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// assert_eq!(run(BenchOptions { quick: true, json: true }, &mut out, &mut err), 0);
/// ```
pub fn run(opts: BenchOptions, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let plan = if opts.quick { Plan::quick() } else { Plan::full() };
    let rows = measure(&plan, err);
    let written = if opts.json { json(&rows, out) } else { markdown(&rows, out) };
    match written {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            2
        }
    }
}
