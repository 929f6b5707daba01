//! Parser tests: every construct of the `.zxs` language, and every error with its location.

use zxemu::scenario::ast::{Arg, CmpOp, ExprKind, Piece, Rhs, StepKind};
use zxemu::scenario::{parse, ParseError, Script};

fn ok(src: &str) -> Script {
    parse("t.zxs", src).unwrap_or_else(|e| panic!("{e}"))
}

fn err(src: &str) -> String {
    parse("t.zxs", src).map(|_| ()).expect_err("should not parse").to_string()
}

fn first_call(script: &Script) -> &zxemu::scenario::ast::Call {
    script.cases[0]
        .steps
        .iter()
        .find_map(|s| match &s.kind {
            StepKind::Call(c) => Some(&**c),
            _ => None,
        })
        .expect("a call")
}

fn num(arg: &Arg) -> i128 {
    match arg {
        Arg::Value(e) => match e.kind {
            ExprKind::Num(v) | ExprKind::Const(_, v) => v,
            _ => panic!("not a literal: {e:?}"),
        },
        Arg::Bytes(_) | Arg::Packet(_) => panic!("not a value: {arg:?}"),
    }
}

#[test]
fn numbers_in_decimal_hex_and_units() {
    for (text, value) in [
        ("4096", 4096),
        ("0x10", 16),
        ("0X1f", 31),
        ("1_000", 1000),
        ("0xFFFF_FFFF", 0xFFFF_FFFF),
        ("3P", 3 * 4096),
        ("8K", 8192),
        ("1M", 1 << 20),
        ("2G", 2 << 30),
        ("0x2P", 8192),
    ] {
        let s = ok(&format!("vmo_create {text} 0 => ZX_OK\n"));
        assert_eq!(num(&first_call(&s).args[0]), value, "{text}");
    }
}

#[test]
fn constants_by_c_name() {
    let s = ok("vmo_create 1P ZX_VMO_RESIZABLE => ZX_OK\n");
    assert!(
        matches!(first_call(&s).args[1], Arg::Value(ref e) if matches!(e.kind, ExprKind::Const("ZX_VMO_RESIZABLE", 2)))
    );
}

#[test]
fn expressions_or_add_sub_neg_parens() {
    let src = "vmo_create 4K 0 -> a\n\
               object_wait_one a ZX_USER_SIGNAL_0|ZX_USER_SIGNAL_1 (-5) => ZX_ERR_TIMED_OUT\n\
               vmo_read a 1P - (100 + 1) 100 == 0*(1P - 101)\n";
    let s = ok(src);
    assert_eq!(s.cases[0].steps.len(), 3);
    let StepKind::Call(wait) = &s.cases[0].steps[1].kind else { panic!() };
    assert!(matches!(wait.args[2], Arg::Value(ref e) if matches!(e.kind, ExprKind::Neg(_))));
}

#[test]
fn byte_patterns() {
    let s = ok("vmo_create 1P 0 -> a\nvmo_write a 0xAB*3 + \"hi\\n\\x00\" + [1, 2 3] + u32(7) + u64(0x1P) 0 => ZX_OK\n");
    let StepKind::Call(c) = &s.cases[0].steps[1].kind else { panic!() };
    let Arg::Bytes(p) = &c.args[1] else { panic!() };
    assert_eq!(p.pieces.len(), 5);
    assert!(matches!(&p.pieces[1], Piece::Str(b) if b == b"hi\n\0"));
    assert!(matches!(&p.pieces[2], Piece::List(b) if b.len() == 3));
    assert!(matches!(&p.pieces[3], Piece::Le { width: 4, .. }));
    assert!(matches!(&p.pieces[4], Piece::Le { width: 8, .. }));
}

#[test]
fn bindings_processes_and_expectations() {
    let src = r#"
# a comment line
case "one"   # a trailing comment
  process other
  vmo_create 4K 0 != 0 has 3 lacks 0 -> a
  @other vmo_get_size a => ZX_ERR_BAD_HANDLE
  object_get_info_vmo a { size_bytes == 4K, koid == koid(a),
      flags has ZX_INFO_VMO_TYPE_PAGED
      name == "" }
  kmem_stats { used_bytes == 0 }
  invariants
"#;
    let s = ok(src);
    let case = &s.cases[0];
    assert_eq!((case.name.as_str(), case.pos.line), ("one", 3));
    assert!(matches!(case.steps[0].kind, StepKind::Process(ref n) if n.text == "other"));
    let StepKind::Call(create) = &case.steps[1].kind else { panic!() };
    let ops: Vec<CmpOp> = create.checks.iter().map(|c| c.op).collect();
    assert_eq!(ops, [CmpOp::Ne, CmpOp::Has, CmpOp::Lacks]);
    assert_eq!(create.bind.as_ref().map(|b| b.text.as_str()), Some("a"));
    let StepKind::Call(other) = &case.steps[2].kind else { panic!() };
    assert_eq!(other.process.as_ref().map(|p| p.text.as_str()), Some("other"));
    assert_eq!(other.status.map(|s| s.name), Some("ZX_ERR_BAD_HANDLE"));
    let StepKind::Call(info) = &case.steps[3].kind else { panic!() };
    let fields: Vec<&str> =
        info.checks.iter().filter_map(|c| c.field.as_ref()).map(|f| f.text.as_str()).collect();
    assert_eq!(fields, ["size_bytes", "koid", "flags", "name"]);
    assert!(matches!(info.checks[3].rhs, Rhs::Bytes(_)));
    assert!(matches!(case.steps[5].kind, StepKind::Invariants));
}

#[test]
fn named_cases_and_memory() {
    let src = "case \"a\"\n  memory 4P\n  vmo_create 4K 0 => ZX_OK\ncase \"b\"\n  invariants\n";
    let s = ok(src);
    let names: Vec<&str> = s.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(s.cases[0].memory, Some(4 * 4096));
    assert_eq!(s.cases[1].memory, None);
}

#[test]
fn a_file_without_cases_is_one_case_named_after_it() {
    let s = parse("dir/basics.zxs", "vmo_create 4K 0 => ZX_OK\n").unwrap();
    assert_eq!(s.cases.len(), 1);
    assert_eq!(s.cases[0].name, "basics");
}

#[test]
fn every_call_of_the_api_is_known() {
    let src = "vmo_create 1P 0 -> v\nevent_create 0 -> e\n\
        vmo_set_size v 1P => ZX_ERR_UNAVAILABLE\n\
        vmo_op_range v ZX_VMO_OP_COMMIT 0 1P 0 => ZX_OK\n\
        vmo_create_child v ZX_VMO_CHILD_SNAPSHOT 0 1P => ZX_OK\n\
        vmo_transfer_data v 0 0 1P v 0 => ZX_OK\n\
        vmo_create_contiguous e 1P 0 => ZX_ERR_WRONG_TYPE\n\
        vmo_create_physical e 0 1P => ZX_ERR_WRONG_TYPE\n\
        handle_replace e ZX_RIGHT_SAME_RIGHTS => ZX_OK\n\
        object_get_info_bti v => ZX_ERR_WRONG_TYPE\n\
        object_set_property v ZX_PROP_NAME \"n\" => ZX_OK\n\
        object_signal v 0 0 => ZX_OK\n\
        clock_get_monotonic -> t\n\
        root_resource -> r\n\
        iommu_create r ZX_IOMMU_TYPE_DUMMY \"\" => ZX_OK\n\
        bti_create v 0 0 => ZX_ERR_WRONG_TYPE\n\
        bti_pin v 0 v 0 1P 1 => ZX_ERR_WRONG_TYPE\n\
        bti_release_quarantine v => ZX_ERR_WRONG_TYPE\n\
        pmt_unpin v => ZX_ERR_WRONG_TYPE\n\
        port_create 0 -> port\n\
        port_wait port 0 => ZX_ERR_TIMED_OUT\n\
        pager_create 0 -> pager\n\
        pager_create_vmo pager 0 port 7 1P -> pv\n\
        pager_supply_pages pager pv 0 1P v 0 => ZX_OK\n\
        pager_op_range pager ZX_PAGER_OP_FAIL pv 0 1P ZX_ERR_IO => ZX_OK\n\
        pager_detach_vmo pager pv => ZX_OK\n\
        reclaim_discardable == 0\n";
    assert_eq!(ok(src).cases[0].steps.len(), 27);
}

fn at(src: &str) -> (usize, usize, String) {
    let e: ParseError = parse("t.zxs", src).map(|_| ()).expect_err("should not parse");
    (e.line, e.col, e.message)
}

#[test]
fn errors_name_file_line_and_column() {
    assert_eq!(err("vmo_frob 1\n"), "t.zxs:1:1: unknown call `vmo_frob`");
    assert_eq!(err("vmo_get_size a\n"), "t.zxs:1:14: unknown name `a`: bind it first with `-> a`");
}

#[test]
fn lexical_errors() {
    assert_eq!(
        at("vmo_create 4k 0\n"),
        (1, 13, "unknown unit `k`: expected P (pages), K, M or G".into())
    );
    assert_eq!(at("vmo_create 0x 0\n"), (1, 12, "expected hex digits after `0x`".into()));
    assert_eq!(at("vmo_create 4K 0 ;\n"), (1, 17, "unexpected character `;`".into()));
    assert_eq!(
        at("vmo_create 1P 0 -> a\nvmo_write a \"abc 0\n"),
        (2, 13, "unterminated string".into())
    );
    let (line, col, msg) = at("vmo_create 1P 0 -> a\nvmo_write a \"\\q\" 0\n");
    assert_eq!((line, col), (2, 14));
    assert!(msg.starts_with("unknown escape"), "{msg}");
    assert_eq!(
        at("vmo_create 99999999999999999999999999999999999999999 0\n").2,
        "number too large"
    );
}

#[test]
fn call_shape_errors() {
    assert_eq!(
        at("vmo_create 4K => ZX_OK\n"),
        (
            1,
            15,
            "`vmo_create` takes 2 arguments (size, options): missing argument 2 `options`".into()
        )
    );
    assert_eq!(
        at("vmo_create 4K 0 0\n"),
        (1, 17, "too many arguments: `vmo_create` takes 2 arguments (size, options)".into())
    );
    assert_eq!(
        at("vmo_create 4K 0 => ZX_RIGHT_READ\n"),
        (1, 20, "expected a status: `ZX_OK` or a `ZX_ERR_*` name, found `ZX_RIGHT_READ`".into())
    );
    assert_eq!(at("vmo_create 4K 0 -> a -> b\n"), (1, 22, "`->` given twice".into()));
    assert_eq!(
        at("vmo_create 4K 0 -> has\n"),
        (1, 20, "`has` is reserved: choose another name".into())
    );
    assert_eq!(at("vmo_create 4K ZX_NOPE\n"), (1, 15, "unknown constant `ZX_NOPE`".into()));
    assert_eq!(
        at("vmo_create 4K 0 => ZX_OK )\n").2,
        "expected `->`, `=>`, `==`, `!=`, `has`, `lacks`, `{` or the end of the line, found `)`"
    );
    assert_eq!(
        at("@p kmem_stats { used_bytes == 0 }\n"),
        (1, 2, "`kmem_stats` asks the kernel, not a process: drop the `@`".into())
    );
}

#[test]
fn pattern_errors() {
    assert_eq!(
        at("vmo_create 1P 0 -> a\nvmo_write a 0xAB 0\n"),
        (
            2,
            18,
            "expected `*` and a length (a pattern piece is BYTE*LENGTH), found number 0".into()
        )
    );
    assert_eq!(
        at("vmo_create 1P 0 -> a\nvmo_write a 300*1 0\n"),
        (2, 13, "300 is not a byte (0..=255)".into())
    );
    assert_eq!(
        at("vmo_create 1P 0 -> a\nvmo_write a [1 2\n").2,
        "expected a byte or `]`, found the end of the line"
    );
}

#[test]
fn expectation_errors() {
    let pre = "vmo_create 1P 0 -> a\n";
    assert_eq!(
        at(&format!("{pre}object_get_info_vmo a == 1\n")),
        (
            2,
            23,
            "`object_get_info_vmo` returns a record: check its fields with { field == value }"
                .into()
        )
    );
    assert_eq!(
        at(&format!("{pre}object_get_info_vmo a {{ sizes == 1 }}\n")).2,
        "unknown field `sizes`: expected one of koid, name, size_bytes, parent_koid, num_children, num_mappings, \
         share_count, flags, committed_bytes, handle_rights, cache_policy, metadata_bytes, committed_change_events, \
         populated_bytes, committed_private_bytes, populated_private_bytes, committed_scaled_bytes, \
         populated_scaled_bytes, committed_fractional_scaled_bytes, populated_fractional_scaled_bytes"
    );
    assert_eq!(
        at(&format!("{pre}object_get_info_vmo a {{ koid == 1\n")),
        (2, 23, "unclosed `{`: expected `}`".into())
    );
    assert_eq!(
        at(&format!("{pre}vmo_get_size a {{ x == 1 }}\n")),
        (2, 16, "`vmo_get_size` does not return a record: use `==`".into())
    );
    assert_eq!(
        at(&format!("{pre}vmo_write a 1*1 0 == 1\n")),
        (2, 19, "`vmo_write` returns nothing to compare".into())
    );
    assert_eq!(
        at(&format!("{pre}vmo_read a 1 0 has 1\n")),
        (2, 16, "bytes compare with `==` or `!=` only".into())
    );
    assert_eq!(
        at(&format!("{pre}vmo_write a 1*1 0 -> x\n")),
        (2, 22, "`vmo_write` returns nothing to bind".into())
    );
    assert_eq!(
        at("vmo_create 4K 1 => ZX_ERR_INVALID_ARGS -> a\n"),
        (1, 43, "a call expected to fail (ZX_ERR_INVALID_ARGS) binds nothing".into())
    );
    assert_eq!(
        at("vmo_create 4K 1 => ZX_ERR_INVALID_ARGS != 0\n"),
        (1, 40, "a call expected to fail (ZX_ERR_INVALID_ARGS) has no result to check".into())
    );
}

#[test]
fn name_errors() {
    assert_eq!(
        at("@q vmo_create 4K 0 => ZX_OK\n"),
        (1, 2, "unknown process `q`: declare it with `process q`".into())
    );
    assert_eq!(at("process q\nprocess q\n"), (2, 9, "process `q` already exists".into()));
    assert_eq!(
        at("vmo_get_size 3 -> s\nvmo_get_size koid(s) => ZX_OK\n"),
        (2, 19, "`s` is a number, not a handle".into())
    );
    assert_eq!(
        at("vmo_create 4K 0x1_0000_0000 => ZX_OK\n"),
        (1, 15, "4294967296 does not fit u32".into())
    );
    assert_eq!(at("vmo_create -1 0 => ZX_OK\n"), (1, 12, "-1 does not fit u64".into()));
}

#[test]
fn case_errors() {
    assert_eq!(
        at("case \"x\"\n  vmo_create 4K 0\n"),
        (1, 1, "case \"x\" checks nothing: add `=> STATUS`, `== value`, `{ field == value }` or `invariants`".into())
    );
    assert_eq!(
        at("case \"x\"\ninvariants\ncase \"x\"\ninvariants\n"),
        (3, 1, "duplicate case name \"x\"".into())
    );
    assert_eq!(
        at("invariants\ncase \"x\"\ninvariants\n"),
        (1, 1, "statement outside any case: a file with `case` lines must start with one".into())
    );
    assert_eq!(at("case x\n").2, "expected a case name in double quotes, found `x`");
    assert_eq!(
        at("case \"x\"\nvmo_create 4K 0 => ZX_OK\nmemory 4P\n"),
        (3, 1, "`memory` must come once, before the case's first step".into())
    );
    assert_eq!(
        at("case \"x\"\n+\n").2,
        "expected a call, `case`, `process`, `memory`, `invariants`, `spawn` or `join`, found `+`"
    );
}

#[test]
fn no_input_makes_the_parser_panic() {
    let samples = [
        "",
        "\n",
        "\"",
        "case",
        "case \"",
        "@",
        "@@",
        "vmo_create (",
        "vmo_create 1 (2",
        "{",
        "}",
        "[",
        "-> ->",
        "vmo_read a",
        "0x",
        "1P2",
        "object_get_info_vmo",
        "kmem_stats {",
        "kmem_stats { used_bytes",
        "u64(",
        "vmo_write x u64(",
        "vmo_create 1 2 == ",
        "\u{1F600}",
        "vmo_create 1\u{1F600}",
        "spawn",
        "spawn w",
        "spawn w:",
        "spawn w: spawn x: port_wait",
        "join",
        "join join",
        "port_queue p {",
        "port_queue p { key",
        "port_queue p { key =",
        "port_queue p { payload = ",
        "port_queue {",
        "port_create 0 -> p\nport_queue p { key = 1 } {",
        "port_create 0 -> p\nport_wait p 0 {",
        "port_create 0 -> p\nspawn w: port_wait p 0 == {",
    ];
    for s in samples {
        let _ = parse("t.zxs", s);
    }
}

fn packet_fields(script: &Script, step: usize) -> Vec<String> {
    let StepKind::Call(c) = &script.cases[0].steps[step].kind else { panic!("not a call") };
    let Arg::Packet(lit) = &c.args[1] else { panic!("not a packet: {:?}", c.args[1]) };
    lit.fields.iter().map(|(n, _)| n.text.clone()).collect()
}

#[test]
fn packet_literals_take_every_field_once_across_lines() {
    let s = ok("port_create 0 -> p\n\
                port_queue p { key = 5, type = ZX_PKT_TYPE_USER, status = ZX_ERR_IO\n  payload = 0xAB*30 + [1 2] } => ZX_OK\n\
                port_queue p { command = ZX_PAGER_VMO_READ, flags = 1, offset = 2P, length = 1P, key = 1 }\n\
                port_queue p {} => ZX_OK\n");
    assert_eq!(packet_fields(&s, 1), ["key", "type", "status", "payload"]);
    assert_eq!(packet_fields(&s, 2), ["command", "flags", "offset", "length", "key"]);
    assert!(packet_fields(&s, 3).is_empty());
    let StepKind::Call(c) = &s.cases[0].steps[1].kind else { panic!() };
    let Arg::Packet(lit) = &c.args[1] else { panic!() };
    assert!(matches!(lit.fields[3].1, Arg::Bytes(_)));
    assert_eq!((lit.pos.line, lit.pos.col), (2, 14));
}

#[test]
fn packet_literal_errors_point_at_the_field() {
    let p = "port_create 0 -> p\n";
    for (line, col, msg) in [
        ("port_queue p { kye = 1 } => ZX_OK", 16, "unknown packet field `kye`: expected one of key, type, status, payload, command, flags, offset, length"),
        ("port_queue p { key = 1, key = 2 } => ZX_OK", 25, "packet field `key` given twice"),
        ("port_queue p { payload = 0*4, offset = 8 } => ZX_OK", 31, "`offset` and `payload` both set the payload: give `payload` or the page-request fields (command, flags, offset, length), not both"),
        ("port_queue p { length = 8, payload = \"x\" } => ZX_OK", 28, "`payload` and `length` both set the payload: give `payload` or the page-request fields (command, flags, offset, length), not both"),
        ("port_queue p { key 1 } => ZX_OK", 20, "expected `=` and a value after `key`, found number 1"),
        ("port_queue p { payload = 0*33 } => ZX_OK", 26, "a payload holds at most 32 bytes, not 33"),
        ("port_queue p { payload = \"0123456789abcdef\" + \"0123456789abcdef\" + \"!\" } => ZX_OK", 26, "a payload holds at most 32 bytes, not 33"),
        ("port_queue p { command = 0x10000 } => ZX_OK", 26, "65536 does not fit u16"),
        ("port_queue p { status = 0x80000000 } => ZX_OK", 25, "2147483648 does not fit i32"),
        ("port_queue p { key = -1 } => ZX_OK", 22, "-1 does not fit u64"),
        ("port_queue p { key = q } => ZX_OK", 22, "unknown name `q`: bind it first with `-> q`"),
        ("port_queue p => ZX_OK", 14, "`port_queue` takes 2 arguments (port, packet): missing argument 2 `packet`"),
        ("port_queue p 5 => ZX_OK", 14, "expected a packet literal `{ key = ..., payload = ... }`, found number 5"),
        ("port_queue p { 5 } => ZX_OK", 16, "expected a packet field or `}`, found number 5"),
        ("port_queue p { key = 1 ", 14, "unclosed `{`: expected `}`"),
    ] {
        assert_eq!(at(&format!("{p}{line}\n")), (2, col, msg.to_string()), "{line}");
    }
}

#[test]
fn a_packet_from_port_wait_is_a_record() {
    let s = ok("port_create 0 -> p\nport_wait p 0 { key == 1, type == ZX_PKT_TYPE_USER, status == 0, payload == 0*32, command == 0, flags == 0, offset != 1, length has 0 }\n");
    let StepKind::Call(c) = &s.cases[0].steps[1].kind else { panic!() };
    assert_eq!(c.checks.len(), 8);
    assert!(matches!(c.checks[3].rhs, Rhs::Bytes(_)));
    let p = "port_create 0 -> p\n";
    assert_eq!(
        at(&format!("{p}port_wait p 0 == {{ key == 1 }}\n")),
        (2, 15, "`port_wait` returns a record: drop the `==`: a record's fields are checked with { field == value }".into())
    );
    assert_eq!(
        at(&format!("{p}port_wait p 0 {{ payload has 1 }}\n")).2,
        "bytes compare with `==` or `!=` only"
    );
    assert!(at(&format!("{p}port_wait p 0 {{ kee == 1 }}\n"))
        .2
        .starts_with("unknown field `kee`: expected one of key, type"));
}

#[test]
fn spawn_and_join_lines() {
    let s = ok("port_create 0 -> p\n\
                spawn w: port_wait p ZX_TIME_INFINITE { key == 1 }\n\
                spawn v: @main vmo_create 1P 0 -> h\n\
                port_queue p { key = 1 }\n\
                join w\n\
                join v\n\
                vmo_get_size h == 1P\n");
    let steps = &s.cases[0].steps;
    let StepKind::Spawn { name, call } = &steps[1].kind else { panic!("{:?}", steps[1].kind) };
    assert_eq!((name.text.as_str(), name.pos.col), ("w", 7));
    assert_eq!((call.spec.name, call.checks.len()), ("port_wait", 1));
    let StepKind::Spawn { call, .. } = &steps[2].kind else { panic!() };
    assert_eq!(call.bind.as_ref().map(|n| n.text.as_str()), Some("h"));
    assert!(matches!(&steps[4].kind, StepKind::Join(n) if n.text == "w" && n.pos.col == 6));
    // A spawned call with only a status asserts; one without anything does not.
    ok("event_create 0 -> e\nspawn w: object_signal e 0 ZX_EVENT_SIGNALED => ZX_OK\njoin w\n");
    assert!(err("event_create 0 -> e\nspawn w: object_signal e 0 ZX_EVENT_SIGNALED\njoin w\n")
        .contains("checks nothing"));
}

#[test]
fn spawn_and_join_errors_point_at_the_name() {
    let p = "port_create 0 -> p\n";
    let spawn = "spawn w: port_wait p ZX_TIME_INFINITE => ZX_OK\n";
    for (src, at_, msg) in [
        (
            format!("{p}join w\n"),
            (2, 6),
            "unknown spawned call `w`: start it first with `spawn w: CALL`".to_string(),
        ),
        (
            format!("{p}{spawn}join ww\njoin w\n"),
            (3, 6),
            "unknown spawned call `ww`: start it first with `spawn ww: CALL` (spawned so far: `w`)"
                .into(),
        ),
        (format!("{p}{spawn}join w\njoin w\n"), (4, 6), "`w` is already joined (line 3)".into()),
        (
            format!("{p}{spawn}port_queue p {{ key = 1 }}\n"),
            (2, 7),
            "`w` is never joined: add `join w` before the case ends".into(),
        ),
        (
            format!("{p}{spawn}join w\n{spawn}join w\n"),
            (4, 7),
            "`w` already names a spawned call (line 2)".into(),
        ),
        (
            format!("{p}spawn v: vmo_create 1P 0 -> h\nvmo_get_size h == 1P\njoin v\n"),
            (3, 14),
            "`h` is bound when `v` is joined: add `join v` before this line".into(),
        ),
        (
            format!("{p}spawn v: vmo_create 1P 0 -> h\nvmo_create 1P 0 -> h\njoin v\n"),
            (3, 20),
            "`h` is bound by `spawn v` (line 2): choose another name".into(),
        ),
        (
            format!("{p}vmo_create 1P 0 -> h\nspawn v: vmo_create 1P 0 -> h\njoin v\n"),
            (3, 29),
            "`h` is already bound (line 2): choose another name".into(),
        ),
        (
            format!("{p}spawn w port_wait p 0 => ZX_OK\n"),
            (2, 9),
            "expected `:` and the call to spawn (`spawn NAME: CALL`), found `port_wait`".into(),
        ),
        (
            format!("{p}spawn join: port_wait p 0 => ZX_OK\n"),
            (2, 7),
            "`join` is reserved: choose another name".into(),
        ),
        (format!("{p}spawn w: invariants\n"), (2, 10), "unknown call `invariants`".into()),
        (
            format!("{p}join\n"),
            (2, 5),
            "expected the name of a spawned call, found the end of the line".into(),
        ),
    ] {
        assert_eq!(at(&src), (at_.0, at_.1, msg), "{src}");
    }
}

const PAGER: &str =
    "pager_create 0 -> pager\nport_create 0 -> port\npager_create_vmo pager 0 port 1 2P -> v\n";

#[test]
fn dirty_ranges_compare_with_a_list_of_tuples() {
    let s = ok(&format!(
        "{PAGER}pager_query_dirty_ranges pager v 0 2P 4 {{ actual == 2, ranges == [(0, 1P), (1P 1P ZX_VMO_DIRTY_RANGE_IS_ZERO)] }}\n"
    ));
    let StepKind::Call(c) = &s.cases[0].steps[3].kind else { panic!("a call") };
    let Rhs::Ranges(list) = &c.checks[1].rhs else { panic!("a list of ranges: {:?}", c.checks[1]) };
    assert_eq!(list.len(), 2);
    assert!(list[0].options.is_none());
    assert!(matches!(list[1].options.as_ref().map(|e| &e.kind), Some(ExprKind::Const(_, 1))));
    let empty = ok(&format!("{PAGER}pager_query_dirty_ranges pager v 0 2P 0 {{ ranges == [] }}\n"));
    let StepKind::Call(c) = &empty.cases[0].steps[3].kind else { panic!("a call") };
    assert!(matches!(&c.checks[0].rhs, Rhs::Ranges(l) if l.is_empty()));
}

#[test]
fn dirty_range_lists_report_their_errors() {
    let q = |checks: &str| {
        err(&format!("{PAGER}pager_query_dirty_ranges pager v 0 2P 4 {{ {checks} }}\n"))
    };
    assert_eq!(
        q("ranges has [(0, 1P)]"),
        "t.zxs:4:50: a list of ranges compares with `==` or `!=` only"
    );
    assert_eq!(
        q("ranges == (0, 1P)"),
        "t.zxs:4:53: expected a list of ranges `[(offset, length, options), ...]`, found `(`"
    );
    assert_eq!(
        q("ranges == [(0, 1P, 0, 1)]"),
        "t.zxs:4:63: expected `)`: a range has an offset, a length and options, found `,`"
    );
    assert_eq!(
        q("ranges == [0]"),
        "t.zxs:4:54: expected `(offset, length)`, `(offset, length, options)` or `]`, found number 0"
    );
    assert_eq!(q("ranges == [(0, x)]"), "t.zxs:4:58: unknown name `x`: bind it first with `-> x`");
    assert_eq!(q("ranges == [(0, (-1))]"), "t.zxs:4:59: -1 does not fit u64");
}

#[test]
fn pager_op_range_data_is_a_word_and_pager_timeout_sets_up_the_case() {
    let s = ok(&format!(
        "pager_timeout 20_000_000\n{PAGER}pager_op_range pager ZX_PAGER_OP_FAIL v 0 1P ZX_ERR_IO => ZX_OK\n"
    ));
    assert_eq!(s.cases[0].pager_timeout_ns, Some(20_000_000));
    let StepKind::Call(c) = &s.cases[0].steps[3].kind else { panic!("a call") };
    assert_eq!(num(&c.args[5]), -40);
    ok(&format!("{PAGER}pager_op_range pager ZX_PAGER_OP_FAIL v 0 1P 0xFFFF_FFFF_FFFF_FFD8 => ZX_ERR_INVALID_ARGS\n"));
    assert_eq!(
        err(&format!("{PAGER}pager_op_range pager 1 v 0 1P 0x1_0000_0000_0000_0000 => ZX_OK\n")),
        "t.zxs:4:31: 18446744073709551616 does not fit a 64-bit word (u64, or a negative i64)"
    );
    assert_eq!(
        err("vmo_create 1P 0 -> a\npager_timeout 5\n"),
        "t.zxs:2:1: `pager_timeout` must come once, before the case's first step"
    );
    assert_eq!(
        err("pager_timeout x\nvmo_create 1P 0 => ZX_OK\n"),
        "t.zxs:1:15: expected a time in nanoseconds (0 waits for ever) (a number or constant)"
    );
    assert_eq!(
        err("vmo_create 1P 0 -> pager_timeout\n"),
        "t.zxs:1:20: `pager_timeout` is reserved: choose another name"
    );
}
