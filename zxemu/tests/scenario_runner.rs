//! Runner tests: verdicts, failure reports with line and actual value, the CLI's exit statuses,
//! and the built-in suite.

use std::path::PathBuf;
use zxemu::scenario::{cli, parse, run_case, run_script, Failure, Suite};

fn failure(src: &str) -> Failure {
    let script = parse("t.zxs", src).unwrap_or_else(|e| panic!("{e}"));
    let reports = run_script(&script);
    reports.into_iter().find_map(|r| r.failure).expect("a failing case")
}

#[test]
fn passing_case_passes() {
    let src = "vmo_create 2P 0 -> a\nvmo_write a 0xAB*3 + \"xy\" + [1 2] + u32(0x01020304) + u64(5) 10\n\
               vmo_read a 19 10 == 0xAB*3 + \"xy\" + [1, 2] + [4 3 2 1] + u64(5)\nvmo_get_size a == 2P\ninvariants\n";
    let script = parse("t.zxs", src).unwrap();
    assert!(run_script(&script).iter().all(|r| r.passed()));
}

#[test]
fn a_wrong_value_reports_line_column_and_actual() {
    let f = failure("vmo_create 1P 0 -> a\nvmo_get_size a == 2P\n");
    assert_eq!((f.line, f.col), (2, 16));
    assert_eq!(f.message, "vmo_get_size: expected 8192 (0x2000), got 4096 (0x1000)");
}

#[test]
fn a_wrong_status_reports_expected_and_got() {
    let f = failure("vmo_create 1P 0 -> a\nvmo_set_size a 2P => ZX_ERR_BAD_STATE\n");
    assert_eq!((f.line, f.col), (2, 22));
    assert_eq!(f.message, "vmo_set_size: expected ZX_ERR_BAD_STATE, got ZX_ERR_UNAVAILABLE");
    let f = failure("vmo_create 1P 1 => ZX_OK\n");
    assert_eq!((f.line, f.col), (1, 20));
    assert_eq!(f.message, "vmo_create: expected ZX_OK, got ZX_ERR_INVALID_ARGS");
    let f = failure("vmo_create 1P 1 -> a\ninvariants\n");
    assert_eq!((f.line, f.col), (1, 1));
}

#[test]
fn a_wrong_field_reports_the_field() {
    let f = failure(
        "vmo_create 1P 0 -> a\nobject_get_info_vmo a { size_bytes == 1P, num_children == 3 }\n",
    );
    assert_eq!((f.line, f.col), (2, 43));
    assert_eq!(f.message, "object_get_info_vmo: num_children: expected 3, got 0");
    let f = failure(
        "vmo_create 1P 0 -> a\nobject_get_info_vmo a { flags has ZX_INFO_VMO_RESIZABLE }\n",
    );
    assert!(
        f.message.starts_with("object_get_info_vmo: flags: expected bits 0x2 set, got 0x"),
        "{}",
        f.message
    );
    assert!(f.message.ends_with("(missing 0x2)"), "{}", f.message);
    let f = failure("vmo_create 1P 0 -> a\nobject_get_info_vmo a { name == \"x\" }\n");
    assert_eq!(f.message, "object_get_info_vmo: name: expected 1 bytes, got 0: [] (0 bytes)");
}

#[test]
fn wrong_bytes_report_the_first_difference() {
    let f = failure("vmo_create 1P 0 -> a\nvmo_write a 7*1 20\nvmo_read a 32 0 == 0*32\n");
    assert_eq!((f.line, f.col), (3, 17));
    assert_eq!(
        f.message,
        "vmo_read: bytes differ at offset 20 (20 (0x14)): expected 0x00, got 0x07"
    );
}

#[test]
fn kmem_stats_and_invariants_are_checked() {
    let f = failure("vmo_create 1P 0 -> a\nvmo_write a 1*1 0\nkmem_stats { vmo_bytes == 0 }\n");
    assert_eq!(f.message, "kmem_stats: vmo_bytes: expected 0, got 4096 (0x1000)");
    assert_eq!(f.line, 3);
}

#[test]
fn a_case_stops_at_its_first_failure_and_cases_are_independent() {
    let src =
        "case \"one\"\n  vmo_create 1P 0 -> a\n  vmo_get_size a == 0\n  vmo_get_size a == 1\n\
               case \"two\"\n  memory 1P\n  kmem_stats { total_bytes == 1P, vmo_bytes == 0 }\n";
    let script = parse("t.zxs", src).unwrap();
    let reports = run_script(&script);
    assert_eq!(reports[0].failure.as_ref().map(|f| f.line), Some(3));
    assert!(reports[1].passed(), "{:?}", reports[1].failure);
}

#[test]
fn verbose_log_shows_each_line_and_its_result() {
    let script = parse("t.zxs", "vmo_create 1P 0 -> a\nvmo_get_size a == 1P\n").unwrap();
    let mut log = String::new();
    let (report, env) = run_case(&script, &script.cases[0], Some(&mut log));
    assert!(report.passed());
    assert!(log.contains("    2 | vmo_get_size a == 1P"), "{log}");
    assert!(log.contains("ZX_OK 4096 (0x1000)"), "{log}");
    assert_eq!(env.labels().values().cloned().collect::<Vec<_>>(), ["a"]);
}

#[test]
fn cli_exit_statuses_and_table() {
    let run = |src: &str| {
        let suite = Suite { files: vec![("s.zxs".into(), src.into())] };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = cli::run_suite(&suite, &cli::RunOptions::default(), &mut out, &mut err);
        (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
    };
    let (code, out, _) = run("case \"good\"\n  vmo_create 1P 0 => ZX_OK\n");
    assert_eq!(code, 0);
    assert!(out.starts_with("FILE"), "{out}");
    assert!(out.contains("s.zxs  good  ok"), "{out}");
    assert!(out.ends_with("1 passed, 0 failed\n"), "{out}");
    let (code, out, _) = run("case \"bad\"\n  vmo_create 1P 0 -> a\n  vmo_get_size a == 0\n");
    assert_eq!(code, 1);
    assert!(out.contains("    s.zxs:3:18: vmo_get_size: expected 0, got 4096 (0x1000)"), "{out}");
    assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");
    let (code, out, err) = run("vmo_create 1P\n");
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.starts_with("error: `vmo_create` takes 2 arguments"), "{err}");
    assert!(err.contains("┌─ s.zxs:1:14\n"), "{err}");
    assert!(err.contains("1 │ vmo_create 1P\n"), "{err}");
}

#[test]
fn cli_reports_unreadable_files() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = cli::check_files(&[PathBuf::from("/nonexistent/x.zxs")], false, &mut out, &mut err);
    assert_eq!(code, 2);
    assert!(String::from_utf8(err).unwrap().starts_with("error: /nonexistent/x.zxs: cannot read"));
}

#[test]
fn the_builtin_suite_has_at_least_40_cases_and_passes() {
    let suite = Suite::builtin();
    let mut cases = 0;
    let mut failed = Vec::new();
    for (name, src) in &suite.files {
        let script = parse(name, src).unwrap_or_else(|e| panic!("{e}"));
        cases += script.cases.len();
        for r in run_script(&script) {
            if let Some(f) = r.failure {
                failed.push(format!("{}:{}:{}: {} ({})", r.file, f.line, f.col, f.message, r.case));
            }
        }
    }
    assert!(cases >= 40, "only {cases} built-in cases");
    assert!(failed.is_empty(), "failed:\n{}", failed.join("\n"));
}

#[test]
fn a_spawned_wait_is_released_by_a_later_line_and_checked_at_the_join() {
    let src = "port_create 0 -> p\n\
               spawn w: port_wait p ZX_TIME_INFINITE { type == ZX_PKT_TYPE_USER, key == 42, payload == \"hi\" + 0*30 }\n\
               port_queue p { key = 42, payload = \"hi\" }\n\
               join w\n\
               port_wait p 0 => ZX_ERR_TIMED_OUT\n";
    let script = parse("t.zxs", src).unwrap();
    let mut log = String::new();
    let (report, _) = run_case(&script, &script.cases[0], Some(&mut log));
    assert!(report.passed(), "{:?}\n{log}", report.failure);
    assert!(log.contains("    2 | spawn w: port_wait p ZX_TIME_INFINITE"), "{log}");
    assert!(log.contains("  running\n"), "{log}");
    assert!(log.contains("    4 | join w"), "{log}");
    assert!(log.contains("ZX_OK {key=0x2a payload=[68 69 00"), "{log}");
}

#[test]
fn a_failing_spawned_call_is_reported_at_its_spawn_line_naming_the_join() {
    let f = failure(
        "port_create 0 -> p\nspawn w: port_wait p ZX_TIME_INFINITE { key == 42 }\nport_queue p { key = 7 }\njoin w\n",
    );
    assert_eq!((f.line, f.col), (2, 41));
    assert_eq!(
        f.message,
        "port_wait: key: expected 42 (0x2a), got 7 (spawned as `w`, joined at line 4)"
    );
    let f = failure(
        "port_create 0 -> p\nspawn w: port_wait p 0 => ZX_OK\nvmo_create 1P 0 => ZX_OK\njoin w\n",
    );
    assert_eq!((f.line, f.col), (2, 27));
    assert_eq!(
        f.message,
        "port_wait: expected ZX_OK, got ZX_ERR_TIMED_OUT (spawned as `w`, joined at line 4)"
    );
}

#[test]
fn a_spawned_call_binds_at_its_join_in_its_process() {
    let src = "process other\n\
               spawn v: @other vmo_create 1P 0 -> h\n\
               join v\n\
               @other vmo_get_size h == 1P\n\
               vmo_get_size h => ZX_ERR_BAD_HANDLE\n";
    let script = parse("t.zxs", src).unwrap();
    let (report, env) = run_case(&script, &script.cases[0], None);
    assert!(report.passed(), "{:?}", report.failure);
    assert_eq!(env.labels().values().cloned().collect::<Vec<_>>(), ["h"]);
}

#[test]
fn two_spawned_waiters_get_one_packet_each() {
    let src = "port_create 0 -> p\n\
               spawn a: port_wait p ZX_TIME_INFINITE { key != 0 }\n\
               spawn b: port_wait p ZX_TIME_INFINITE { key != 0 }\n\
               port_queue p { key = 1 }\n\
               port_queue p { key = 2 }\n\
               join b\n\
               join a\n\
               port_wait p 0 => ZX_ERR_TIMED_OUT\n";
    let script = parse("t.zxs", src).unwrap();
    for _ in 0..5 {
        assert!(run_script(&script)[0].passed());
    }
}

#[test]
fn packet_literals_are_checked_again_when_they_name_bindings() {
    let f = failure("port_create 0 -> p\nclock_get_monotonic -> t\nport_queue p { command = t + 0x10000 } => ZX_OK\n");
    assert_eq!((f.line, f.col), (3, 26));
    assert!(
        f.message.starts_with("command = ") && f.message.ends_with(" does not fit u16"),
        "{}",
        f.message
    );
    let f = failure("port_create 0 -> p\nclock_get_monotonic -> t\nport_queue p { payload = 1*(t - t + 33) } => ZX_OK\n");
    assert_eq!((f.line, f.col), (3, 26));
    assert_eq!(f.message, "a payload holds at most 32 bytes, not 33");
    let f = failure("port_create 0 -> p\nport_queue p { key = 1, status = ZX_ERR_IO }\nport_wait p 0 { status == ZX_ERR_INTERNAL }\n");
    assert_eq!(
        f.message,
        "port_wait: status: expected -1, got -40 (0xffffffffffffffffffffffffffffffd8)"
    );
}

#[test]
fn the_timeout_names_the_spawned_line_that_still_runs_and_its_join() {
    let src = "case \"never released\"\n  port_create 0 -> p\n  spawn w: port_wait p ZX_TIME_INFINITE => ZX_OK\n  join w\n\
               case \"blocks on its own line\"\n  event_create 0 -> e\n  object_wait_one e ZX_EVENT_SIGNALED ZX_TIME_INFINITE => ZX_OK\n\
               case \"next\"\n  vmo_create 1P 0 => ZX_OK\n";
    let suite = Suite { files: vec![("s.zxs".into(), src.into())] };
    let opts = cli::RunOptions {
        timeout: std::time::Duration::from_millis(300),
        ..cli::RunOptions::default()
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let start = std::time::Instant::now();
    assert_eq!(cli::run_suite(&suite, &opts, &mut out, &mut err), 1);
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("    s.zxs:3:3: timed out after 300ms: line 3 still runs (`spawn w: port_wait p ZX_TIME_INFINITE => ZX_OK`), awaited by `join w` at line 4; raise the limit with --timeout\n"),
        "{out}"
    );
    assert!(
        out.contains("    s.zxs:7:3: timed out after 300ms: line 7 still runs (`object_wait_one e ZX_EVENT_SIGNALED ZX_TIME_INFINITE => ZX_OK`); raise the limit with --timeout\n"),
        "{out}"
    );
    assert!(out.ends_with("1 passed, 2 failed\n"), "{out}");
}

const PAGER: &str = "pager_create 0 -> pager\nport_create 0 -> port\npager_create_vmo pager 0 port 1 2P -> v\nvmo_create 2P 0 -> aux\npager_supply_pages pager v 0 2P aux 0\n";

#[test]
fn dirty_ranges_and_stats_are_records_and_report_what_differs() {
    let f = failure(&format!(
        "{PAGER}vmo_write v \"x\" 1P\npager_query_dirty_ranges pager v 0 2P 4 {{ actual == 1, ranges == [(0, 1P)] }}\n"
    ));
    assert_eq!((f.line, f.col), (7, 56));
    assert_eq!(
        f.message,
        "pager_query_dirty_ranges: ranges: expected [(0x0, 0x1000, 0)], got [(0x1000, 0x1000, 0)]"
    );
    let f = failure(&format!(
        "{PAGER}vmo_write v \"x\" 1P\npager_query_dirty_ranges pager v 0 2P 0 {{ avail == 1, ranges != [] }}\n"
    ));
    assert_eq!(f.message, "pager_query_dirty_ranges: ranges: expected anything but []");
    let f = failure(&format!("{PAGER}pager_query_vmo_stats pager v 0 4 {{ modified == 1 }}\n"));
    assert_eq!(f.message, "pager_query_vmo_stats: modified: expected 1, got 0");
    let f = failure(&format!("{PAGER}pager_query_vmo_stats pager v 0 3 {{ modified == 0 }}\n"));
    assert_eq!(f.message, "pager_query_vmo_stats: expected ZX_OK, got ZX_ERR_BUFFER_TOO_SMALL");
}

#[test]
fn fail_data_is_sign_extended_and_the_pager_timeout_is_the_case_s() {
    // The zero-extended code is refused; the sign-extended one (what a status name gives) is
    // taken: a case asserting the opposite fails.
    let f = failure(&format!(
        "{PAGER}pager_op_range pager ZX_PAGER_OP_FAIL v 0 1P ZX_ERR_IO => ZX_ERR_INVALID_ARGS\n"
    ));
    assert_eq!(f.message, "pager_op_range: expected ZX_ERR_INVALID_ARGS, got ZX_OK");
    let f = failure(&format!(
        "{PAGER}pager_op_range pager ZX_PAGER_OP_FAIL v 0 1P 0xFFFF_FFD8 => ZX_OK\n"
    ));
    assert_eq!(f.message, "pager_op_range: expected ZX_OK, got ZX_ERR_INVALID_ARGS");
    let slow = "pager_timeout 20_000_000\npager_create 0 -> pager\nport_create 0 -> port\n\
                pager_create_vmo pager 0 port 1 1P -> v\nvmo_read v 1 0 == [0]\n";
    let f = failure(slow);
    assert_eq!(f.message, "vmo_read: expected ZX_OK, got ZX_ERR_TIMED_OUT");
}

#[test]
fn a_spawned_read_blocked_on_a_silent_pager_is_caught_by_the_case_timeout() {
    let src = "case \"silent\"\n  pager_create 0 -> pager\n  port_create 0 -> port\n  \
               pager_create_vmo pager 0 port 1 1P -> v\n  spawn r: vmo_read v 1 0 == [0]\n  \
               port_wait port ZX_TIME_INFINITE { offset == 0, length == 1P }\n  join r\n";
    let suite = Suite { files: vec![("silent.zxs".into(), src.into())] };
    let opts =
        cli::RunOptions { timeout: std::time::Duration::from_millis(300), ..Default::default() };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(cli::run_suite(&suite, &opts, &mut out, &mut err), 1);
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("silent.zxs:5:3: timed out after 300ms: line 5 still runs (`spawn r: vmo_read v 1 0 == [0]`), awaited by `join r` at line 7"),
        "{out}"
    );
}
