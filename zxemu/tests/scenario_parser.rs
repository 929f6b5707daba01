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
        Arg::Bytes(_) => panic!("bytes"),
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
        "expected a call, `case`, `process`, `memory` or `invariants`, found `+`"
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
    ];
    for s in samples {
        let _ = parse("t.zxs", s);
    }
}
