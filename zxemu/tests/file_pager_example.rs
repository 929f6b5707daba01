//! Runs the `file_pager` example (zxemu/examples/file_pager.rs) under a watchdog: its code is
//! compiled into this test, and `run` must finish in time, find the VMO and the file as
//! expected, and have exercised every path it demonstrates.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

#[allow(dead_code)] // the example's `main` and printing are not called here
#[path = "../examples/file_pager.rs"]
mod file_pager;

use file_pager::{run, verify_file, Config};

/// Far more than the example needs (about a second in a debug build); a hang fails here
/// instead of blocking the test run.
const WATCHDOG: Duration = Duration::from_secs(120);

fn run_with_watchdog(config: Config) -> file_pager::Report {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let _ = sender.send(run(&config));
    });
    let outcome =
        receiver.recv_timeout(WATCHDOG).expect("the example still runs after the watchdog");
    outcome.unwrap_or_else(|error| panic!("the example failed: {error}"))
}

#[test]
fn the_example_serves_a_reader_and_a_writer_and_the_file_ends_as_written() {
    let config = Config::default();
    let report = run_with_watchdog(config);
    // Every page the writer leaves alone was checked in every round.
    assert_eq!(report.pages_checked, config.pages / 2 * u64::from(config.reader_rounds));
    assert!(report.read_requests > 0, "{report:?}");
    assert!(report.pages_offered > report.pages_requested, "read-ahead offered more: {report:?}");
    // The final read of the whole VMO needs every page, so each was supplied at least once.
    assert!(report.pages_offered >= config.pages, "{report:?}");
    assert!(report.dirty_requests > 0 && report.pages_dirtied >= report.dirty_requests);
    assert!(report.flushes > 0 && report.ranges_written_back >= report.flushes, "{report:?}");
    assert!(report.writes_across_pages > 0, "{report:?}");
}

#[test]
fn a_small_file_with_many_writes_also_ends_as_written() {
    let config = Config { pages: 8, reader_rounds: 20, writes: 2000 };
    let report = run_with_watchdog(config);
    assert_eq!(report.writes, 2000);
    assert!(report.ranges_written_back > 0, "{report:?}");
}

#[test]
fn the_final_check_catches_a_file_that_differs() {
    let path = std::env::temp_dir().join(format!("zxemu-verify-{}.bin", std::process::id()));
    std::fs::write(&path, b"abcd").unwrap();
    assert_eq!(verify_file(&path, b"abcd"), Ok(()));
    assert!(verify_file(&path, b"abce").unwrap_err().contains("at byte 3"));
    assert!(verify_file(&path, b"abc").unwrap_err().contains("4 bytes, not 3"));
    std::fs::remove_file(&path).unwrap();
}
