//! The `zxemu` command line, driven through the built binary.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use std::path::{Path, PathBuf};

fn zxemu() -> Command {
    let mut cmd = Command::cargo_bin("zxemu").expect("the zxemu binary");
    cmd.env_remove("NO_COLOR").env_remove("RUST_LOG");
    cmd
}

/// A fresh directory under the target directory for this test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn write(dir: &Path, name: &str, src: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create dir");
    }
    std::fs::write(&path, src).expect("write scenario");
    path
}

const TWO_CASES: &str = "\
case \"size of a new vmo\"
  vmo_create 2P 0 -> a
  vmo_get_size a == 2P
case \"a snapshot\"
  vmo_create 2P 0 -> a
  vmo_create_child a ZX_VMO_CHILD_SNAPSHOT 0 2P -> c
  vmo_read c 2 0 == 0*2
";

const FAILING: &str = "\
case \"wrong size\"
  vmo_create 1P 0 -> a
  vmo_get_size a == 2P
case \"after the failure\"
  vmo_create 1P 0 => ZX_OK
";

#[test]
fn no_arguments_runs_the_builtin_suite() {
    zxemu()
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"\n\d+ passed, 0 failed\n$").unwrap());
}

#[test]
fn run_without_paths_runs_the_builtin_suite_with_filters() {
    zxemu()
        .args(["run", "--case", "ZX_INFO_VMO of a new root VMO"])
        .assert()
        .success()
        .stdout(contains("vmo_create.zxs").and(contains("1 passed, 0 failed")));
}

#[test]
fn global_flags_work_before_and_after_the_subcommand() {
    let dir = scratch("global");
    let f = write(&dir, "a.zxs", TWO_CASES);
    for args in [vec!["-v", "run"], vec!["run", "-v"]] {
        zxemu()
            .args(&args)
            .arg(&f)
            .assert()
            .success()
            .stdout(contains("vmo_get_size a == 2P").and(contains("ZX_OK 8192 (0x2000)")));
    }
    for args in [vec!["--color=never", "check"], vec!["check", "--color", "never"]] {
        zxemu().args(&args).arg(&f).assert().success().stdout(contains("ok (2 cases)"));
    }
}

#[test]
fn run_takes_files_and_directories() {
    let dir = scratch("dirs");
    write(&dir, "one.zxs", TWO_CASES);
    write(&dir, "sub/two.zxs", "vmo_create 1P 0 => ZX_OK\n");
    write(&dir, "sub/ignored.txt", "not a scenario");
    let extra = write(&scratch("dirs_extra"), "three.zxs", "vmo_create 2P 0 => ZX_OK\n");
    zxemu()
        .arg("run")
        .arg(&dir)
        .arg(&extra)
        .assert()
        .success()
        .stdout(contains("two.zxs").and(contains("three.zxs")).and(contains("4 passed, 0 failed")));
    zxemu()
        .arg("run")
        .arg(scratch("dirs_empty"))
        .assert()
        .code(2)
        .stderr(contains("no .zxs files"));
    zxemu().args(["run", "/nonexistent/x.zxs"]).assert().code(2).stderr(contains("cannot read"));
}

#[test]
fn case_filter_and_list() {
    let dir = scratch("filter");
    let f = write(&dir, "a.zxs", TWO_CASES);
    zxemu()
        .args(["run", "--list", "--case", "snap"])
        .arg(&f)
        .assert()
        .success()
        .stdout(predicate::str::ends_with("a.zxs: a snapshot\n"))
        .stdout(contains("size of").not());
    zxemu()
        .args(["run", "--list"])
        .arg(&f)
        .assert()
        .success()
        .stdout(contains("a.zxs: size of a new vmo\n").and(contains("a.zxs: a snapshot\n")));
    zxemu()
        .args(["run", "--case", "snap"])
        .arg(&f)
        .assert()
        .success()
        .stdout(contains("1 passed, 0 failed"));
    zxemu()
        .args(["run", "--case", "nope"])
        .arg(&f)
        .assert()
        .code(2)
        .stderr(contains("no case matches \"nope\""));
}

#[test]
fn fail_fast_stops_at_the_first_failure() {
    let dir = scratch("failfast");
    let f = write(&dir, "f.zxs", FAILING);
    zxemu()
        .arg("run")
        .arg(&f)
        .assert()
        .code(1)
        .stdout(contains("after the failure").and(contains("1 passed, 1 failed")));
    zxemu()
        .args(["run", "--fail-fast"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(contains("after the failure").not())
        .stdout(contains("0 passed, 1 failed").and(contains("1 not run")));
}

#[test]
fn quiet_prints_only_failures_and_the_summary() {
    let dir = scratch("quiet");
    let f = write(&dir, "f.zxs", FAILING);
    zxemu()
        .args(["run", "--quiet"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(contains("wrong size").and(contains("after the failure").not()))
        .stdout(predicate::str::ends_with("1 passed, 1 failed\n"));
    let ok = write(&dir, "ok.zxs", TWO_CASES);
    zxemu().args(["run", "-q"]).arg(&ok).assert().success().stdout("2 passed, 0 failed\n");
}

#[test]
fn json_format() {
    let dir = scratch("json");
    let f = write(&dir, "f.zxs", FAILING);
    let out = zxemu()
        .args(["run", "--format", "json"])
        .arg(&f)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
    assert_eq!(v["passed"], 1);
    assert_eq!(v["failed"], 1);
    assert_eq!(v["cases"][0]["case"], "wrong size");
    assert_eq!(v["cases"][0]["passed"], false);
    assert_eq!(v["cases"][0]["failure"]["line"], 3);
    assert!(v["cases"][0]["failure"]["message"].as_str().unwrap().contains("expected 8192"));
    assert_eq!(v["cases"][1]["passed"], true);
}

#[test]
fn junit_format_is_well_formed_xml_with_a_testcase_per_case() {
    use quick_xml::events::Event;
    let dir = scratch("junit");
    let f = write(&dir, "f.zxs", &FAILING.replace("wrong size", "wrong <size> & 'quotes'"));
    let out = zxemu()
        .args(["run", "--format=junit"])
        .arg(&f)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let mut reader = quick_xml::Reader::from_reader(out.as_slice());
    let (mut cases, mut failures, mut names) = (0, 0, Vec::new());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"testcase" => {
                cases += 1;
                let name = e.try_get_attribute("name").unwrap().expect("name attribute");
                names.push(
                    name.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap().into_owned(),
                );
            }
            Event::Start(e) if e.name().as_ref() == b"failure" => failures += 1,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    assert_eq!((cases, failures), (2, 1));
    assert_eq!(names, ["wrong <size> & 'quotes'", "after the failure"]);
}

#[test]
fn a_case_that_blocks_times_out() {
    let dir = scratch("timeout");
    let f = write(
        &dir,
        "block.zxs",
        "case \"waits for ever\"\n  event_create 0 -> e\n  object_wait_one e ZX_EVENT_SIGNALED ZX_TIME_INFINITE => ZX_OK\ncase \"next\"\n  vmo_create 1P 0 => ZX_OK\n",
    );
    let start = std::time::Instant::now();
    zxemu()
        .args(["run", "--timeout", "300ms"])
        .arg(&f)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stdout(contains("timed out after 300ms").and(contains("1 passed, 1 failed")));
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
    zxemu()
        .args(["run", "--timeout", "soon"])
        .arg(&f)
        .assert()
        .code(2)
        .stderr(contains("--timeout"));
}

#[test]
fn color_only_when_asked_or_on_a_terminal() {
    let dir = scratch("color");
    let f = write(&dir, "f.zxs", FAILING);
    // Not a terminal: no ANSI codes in the table, the diagnostics or the trace.
    zxemu()
        .args(["--trace", "run"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(contains("\x1b[").not())
        .stderr(contains("\x1b[").not().and(contains("TRACE")));
    zxemu()
        .args(["run", "--color=always"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(contains("\x1b[32mok\x1b[0m").and(contains("\x1b[1m\x1b[31mFAILED\x1b[0m")));
    let bad = write(&dir, "bad.zxs", "vmo_frob 1\n");
    zxemu()
        .args(["check", "--color", "always"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(contains("\x1b["));
    zxemu()
        .args(["check", "--color", "never"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(contains("\x1b[").not());
}

#[test]
fn expected_statuses_are_not_logged_as_errors() {
    let dir = scratch("trace");
    let f = write(&dir, "t.zxs", "vmo_create 1P 0 -> a\nvmo_read a 8 2P => ZX_ERR_OUT_OF_RANGE\n");
    zxemu()
        .args(["run", "--trace"])
        .arg(&f)
        .assert()
        .success()
        .stderr(contains("ZX_ERR_OUT_OF_RANGE").and(contains("ERROR").not()));
}

#[test]
fn calls_and_constants_come_from_the_table_with_suggestions() {
    zxemu()
        .arg("calls")
        .assert()
        .success()
        .stdout(contains("vmo_create size:u64 options:u32").and(contains("bti_pin bti:handle")));
    zxemu()
        .args(["calls", "vmo_craete"])
        .assert()
        .code(2)
        .stderr(contains("did you mean `vmo_create`?"));
    zxemu()
        .args(["constants", "child_snapshot"])
        .assert()
        .success()
        .stdout(contains("ZX_VMO_CHILD_SNAPSHOT ").and(contains("ZX_ERR").not()));
    zxemu()
        .args(["constants", "ZX_VMO_RESIZABEL"])
        .assert()
        .code(2)
        .stderr(contains("did you mean `ZX_VMO_RESIZABLE`?"));
    let dir = scratch("suggest");
    let f =
        write(&dir, "s.zxs", "vmo_craete 4K 0 => ZX_OK\nvmo_create 4K ZX_VMO_RESIZABEL => ZX_OK\n");
    zxemu().arg("check").arg(&f).assert().code(2).stderr(
        contains("did you mean `vmo_create`?").and(contains("did you mean `ZX_VMO_RESIZABLE`?")),
    );
}

#[test]
fn every_error_of_a_file_at_once_with_source_and_caret() {
    let dir = scratch("diag");
    let f = write(
        &dir,
        "many.zxs",
        "case \"a\"\n  vmo_create 1P\n  vmo_frob 1\n  vmo_create 1P 0 -> a -> b\ncase \"b\"\n  vmo_get_size 1 2 3\n",
    );
    let err = zxemu().arg("check").arg(&f).assert().code(2).get_output().stderr.clone();
    let err = String::from_utf8(err).unwrap();
    assert_eq!(err.matches("error: ").count(), 4, "{err}");
    assert!(err.contains("many.zxs:2:16"), "{err}");
    assert!(err.contains("2 │   vmo_create 1P\n"), "{err}");
    assert!(err.contains("many.zxs:3:3"), "{err}");
    assert!(err.contains("  │   ^^^^^^^^\n"), "{err}");
    assert!(err.contains("many.zxs: 4 errors"), "{err}");
    // Above the limit, a note counts the rest.
    let lots: String = (0..30).map(|i| format!("vmo_frob{i} 1\n")).collect();
    let f = write(&dir, "lots.zxs", &lots);
    zxemu()
        .arg("check")
        .arg(&f)
        .assert()
        .code(2)
        .stderr(contains("10 more errors not shown").and(contains("lots.zxs: 30 errors")));
}

#[test]
fn empty_files_cases_without_checks_and_rebinding_are_errors() {
    let dir = scratch("errors");
    for (name, src, message) in [
        ("empty.zxs", "", "empty file"),
        ("comments.zxs", "# only a comment\n\n", "empty file"),
        ("nothing.zxs", "case \"x\"\n  vmo_create 1P 0 -> a\n", "checks nothing"),
        (
            "rebind.zxs",
            "vmo_create 1P 0 -> a\nvmo_create 1P 0 -> a\ninvariants\n",
            "`a` is already bound (line 1)",
        ),
    ] {
        let f = write(&dir, name, src);
        zxemu().arg("run").arg(&f).assert().code(2).stdout("").stderr(contains(message));
    }
}

#[test]
fn check_counts_cases_in_good_grammar() {
    let dir = scratch("grammar");
    let one = write(&dir, "one.zxs", "vmo_create 1P 0 => ZX_OK\n");
    let two = write(&dir, "two.zxs", TWO_CASES);
    zxemu()
        .arg("check")
        .arg(&one)
        .arg(&two)
        .assert()
        .success()
        .stdout(contains("one.zxs: ok (1 case)\n").and(contains("two.zxs: ok (2 cases)\n")));
}

#[test]
fn verbose_output_is_aligned_after_comments_and_koids_are_decimal() {
    let dir = scratch("verbose");
    let f = write(
        &dir,
        "v.zxs",
        "vmo_create 1P 0 -> a   # a comment that is long, longer than the code beside it\nobject_get_info_handle_basic a { type == ZX_OBJ_TYPE_VMO }\n",
    );
    let out = zxemu().args(["run", "-v"]).arg(&f).assert().success().get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = out.lines().filter(|l| l.contains(" | ")).collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(!out.contains("a comment"), "{out}");
    let col = |l: &str| l.find("ZX_OK").expect("outcome");
    assert_eq!(col(lines[0]), col(lines[1]), "{out}");
    let koid = lines[1].split("koid=").nth(1).unwrap().split(' ').next().unwrap();
    assert!(koid.parse::<u64>().is_ok(), "koid {koid} is not decimal: {out}");
    let tree = zxemu().arg("tree").arg(&f).assert().success().get_output().stdout.clone();
    assert!(String::from_utf8(tree).unwrap().contains(&format!("koid {koid}")));
}

#[test]
fn tree_case_filter_names_the_pattern() {
    let dir = scratch("tree");
    let f = write(&dir, "t.zxs", TWO_CASES);
    zxemu()
        .args(["tree", "--case", "nope"])
        .arg(&f)
        .assert()
        .code(2)
        .stderr(contains(
            "no case matches \"nope\"; its cases: \"size of a new vmo\", \"a snapshot\"",
        ))
        .stderr(contains("Some(").not());
    zxemu()
        .args(["tree", "--case", "snap"])
        .arg(&f)
        .assert()
        .success()
        .stdout(contains("== case \"a snapshot\": ok").and(contains("size of").not()));
}

#[test]
fn help_states_exit_codes_and_completions_are_generated() {
    zxemu()
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("Exit status:").and(contains("1  at least one case failed")));
    zxemu().args(["run", "--help"]).assert().success().stdout(contains("Exit status:"));
    zxemu()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(contains("_zxemu()").and(contains("--fail-fast")));
    zxemu().args(["completions", "zsh"]).assert().success().stdout(contains("#compdef zxemu"));
    zxemu().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn a_name_field_compares_up_to_the_nul_and_a_property_read_every_byte() {
    let dir = scratch("names");
    let ok = write(
        &dir,
        "ok.zxs",
        "vmo_create 1P 0 -> a\nobject_set_property a ZX_PROP_NAME \"hello\"\nobject_get_info_vmo a { name == \"hello\" }\nobject_get_property a ZX_PROP_NAME 32 == \"hello\" + 0*27\n",
    );
    zxemu().arg("run").arg(&ok).assert().success();
    let short = write(
        &dir,
        "short.zxs",
        "vmo_create 1P 0 -> a\nobject_set_property a ZX_PROP_NAME \"hello\"\nobject_get_property a ZX_PROP_NAME 32 == \"hello\"\n",
    );
    zxemu().arg("run").arg(&short).assert().code(1).stdout(contains("expected 5 bytes, got 32"));
    let padded = write(
        &dir,
        "padded.zxs",
        "vmo_create 1P 0 -> a\nobject_set_property a ZX_PROP_NAME \"hello\"\nobject_get_info_vmo a { name == \"hello\" + 0*27 }\n",
    );
    zxemu().arg("run").arg(&padded).assert().code(1).stdout(contains("expected 32 bytes, got 5"));
}

#[test]
fn lexical_and_syntax_errors_are_reported_together_in_line_order() {
    let dir = scratch("lexical");
    let f = write(
        &dir,
        "lex.zxs",
        "vmo_create 4k 0 => ZX_OK\nvmo_frob 1\nvmo_get_size ~\nvmo_create 1P 0 => ZX_OK\n",
    );
    let err = zxemu().arg("check").arg(&f).assert().code(2).get_output().stderr.clone();
    let err = String::from_utf8(err).unwrap();
    let at: Vec<usize> = ["lex.zxs:1:13", "lex.zxs:2:1", "lex.zxs:3:14"]
        .iter()
        .map(|p| err.find(p).unwrap_or_else(|| panic!("{p} missing from:\n{err}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{err}");
    assert!(err.contains("lex.zxs: 3 errors"), "{err}");
}

#[test]
fn a_spawned_call_that_never_returns_fails_its_case_within_the_timeout() {
    let dir = scratch("spawn_timeout");
    let f = write(
        &dir,
        "spawn.zxs",
        "case \"never released\"\n  port_create 0 -> p\n  spawn w: port_wait p ZX_TIME_INFINITE { key == 1 }\n  join w\ncase \"next\"\n  port_create 0 => ZX_OK\n",
    );
    let start = std::time::Instant::now();
    zxemu()
        .args(["run", "--timeout", "300ms"])
        .arg(&f)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stdout(
            contains("spawn.zxs:3:3: timed out after 300ms: line 3 still runs (`spawn w: port_wait p ZX_TIME_INFINITE { key == 1 }`), awaited by `join w` at line 4")
                .and(contains("1 passed, 1 failed")),
        );
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
    // The same case passes when a later line releases the waiter.
    let f = write(
        &dir,
        "released.zxs",
        "port_create 0 -> p\nspawn w: port_wait p ZX_TIME_INFINITE { key == 1 }\nport_queue p { key = 1 }\njoin w\n",
    );
    zxemu()
        .args(["run", "--timeout", "300ms"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(contains("1 passed, 0 failed"));
}

#[test]
fn joins_of_unknown_or_joined_names_are_diagnostics_with_a_caret() {
    let dir = scratch("join_errors");
    let f = write(
        &dir,
        "joins.zxs",
        "case \"a\"\n  port_create 0 -> p\n  spawn w: port_wait p 0 => ZX_ERR_TIMED_OUT\n  join w\n  join w\n  join nope\ncase \"b\"\n  port_create 0 -> p\n  spawn lost: port_wait p 0 => ZX_ERR_TIMED_OUT\n",
    );
    let err = zxemu().arg("check").arg(&f).assert().code(2).get_output().stderr.clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("error: `w` is already joined (line 4)\n  ┌─ "), "{err}");
    assert!(err.contains("joins.zxs:5:8\n"), "{err}");
    assert!(err.contains("5 │   join w\n  │        ^\n"), "{err}");
    assert!(
        err.contains("error: unknown spawned call `nope`: start it first with `spawn nope: CALL` (spawned so far: `w`)"),
        "{err}"
    );
    assert!(err.contains("6 │   join nope\n  │        ^^^^\n"), "{err}");
    assert!(
        err.contains("error: `lost` is never joined: add `join lost` before the case ends"),
        "{err}"
    );
    assert!(err.contains("joins.zxs:9:9\n"), "{err}");
    assert!(err.contains("joins.zxs: 3 errors"), "{err}");
    // `run` refuses the file the same way, running nothing.
    zxemu().arg("run").arg(&f).assert().code(2).stdout("");
}

#[test]
fn packet_literal_errors_are_diagnostics_with_a_caret() {
    let dir = scratch("packet_errors");
    let f = write(
        &dir,
        "p.zxs",
        "port_create 0 -> p\nport_queue p { key = 1, payload = 0*40 } => ZX_OK\n",
    );
    let err = zxemu().arg("check").arg(&f).assert().code(2).get_output().stderr.clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("error: a payload holds at most 32 bytes, not 40"), "{err}");
    assert!(err.contains("p.zxs:2:35\n"), "{err}");
}

#[test]
fn tree_marks_a_pager_tree_its_pager_vmo_and_the_state_of_each_slot() {
    let dir = scratch("tree_pager");
    let f = write(
        &dir,
        "p.zxs",
        "\
case \"pager\"
  pager_create 0 -> pager
  port_create 0 -> port
  pager_create_vmo pager ZX_VMO_TRAP_DIRTY port 1 6P -> v
  vmo_create 3P 0 -> aux
  vmo_write aux 0x01*2P 0
  pager_supply_pages pager v 0 3P aux 0
  pager_op_range pager ZX_PAGER_OP_DIRTY v 0 2P 0
  pager_op_range pager ZX_PAGER_OP_WRITEBACK_BEGIN v 1P 1P 0
  vmo_set_stream_size v 5P
  vmo_create_child v ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE 0 2P -> c
  vmo_create 1P 0 -> plain
  invariants
case \"detached\"
  pager_create 0 -> pager
  port_create 0 -> port
  pager_create_vmo pager 0 port 1 1P -> v
  pager_detach_vmo pager v => ZX_OK
",
    );
    let out = zxemu().arg("tree").arg(&f).assert().success().get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    let expected = "\
== case \"pager\": ok
family 1: 2 visible, 0 hidden, pager-backed
#0 v  koid 1030  size 6P  pager VMO (TRAP_DIRTY)
│   pages 0-1 (2)  zero 2
│   pager: absent 3-4  dirty 0  awaiting-clean 1  markers 2  untracked from 5P  modified
└── #1 c  koid 1032  size 2P  sees [0, 2P) of #0
        no pages
family 2: 1 visible, 0 hidden
#0 aux  koid 1031  size 3P
    no pages
family 3: 1 visible, 0 hidden
#0 plain  koid 1033  size 1P
    no pages
== case \"detached\": ok
family 1: 1 visible, 0 hidden, pager-backed, detached
#0 v  koid 1030  size 1P  pager VMO
    no pages
    pager: absent 0
";
    assert_eq!(out, expected);
    let dot =
        zxemu().args(["tree", "--dot"]).arg(&f).assert().success().get_output().stdout.clone();
    let dot = String::from_utf8(dot).unwrap();
    assert!(dot.contains("label=\"family 1, pager-backed, detached\";"), "{dot}");
    assert!(dot.contains("\\npager VMO (TRAP_DIRTY)\\n"), "{dot}");
}
