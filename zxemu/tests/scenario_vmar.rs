//! The address-space lines of the scenario language: `=> fault STATUS [at ADDR]`, its static
//! checks and how the runner compares it.

use zxemu::scenario::{parse, run_case};

fn run(src: &str) -> Option<String> {
    let src = format!("{src}invariants\n");
    let script = parse("t.zxs", &src).unwrap_or_else(|e| panic!("parse: {e}"));
    let (report, _) = run_case(&script, &script.cases[0], None);
    report.failure.map(|f| f.message)
}

const PRELUDE: &str = "vmar_root_self -> root\nvmo_create 1P 0 -> v\n\
    vmar_map root ZX_VM_PERM_READ 0 v 0 1P -> addr\n";

#[test]
fn a_fault_expectation_parses_with_and_without_an_address() {
    let script = parse("t.zxs", &format!("{PRELUDE}load_mapped_u64 addr+1P => fault ZX_ERR_NOT_FOUND at addr+1P\nread_mapped 0 1 => fault ZX_ERR_NOT_FOUND\n")).unwrap();
    assert_eq!(script.cases.len(), 1);
}

#[test]
fn a_fault_on_a_call_that_cannot_fault_is_a_static_error() {
    let e = parse("t.zxs", &format!("{PRELUDE}vmo_get_size v => fault ZX_ERR_NOT_FOUND\n"))
        .unwrap_err();
    assert!(e.to_string().contains("not a mapped access"), "{e}");
    let e = parse("t.zxs", &format!("{PRELUDE}load_mapped_u64 addr => fault ZX_OK\n")).unwrap_err();
    assert!(e.to_string().contains("error status"), "{e}");
}

#[test]
fn the_runner_compares_status_and_address() {
    assert_eq!(
        run(&format!("{PRELUDE}store_mapped_u64 addr 1 => fault ZX_ERR_ACCESS_DENIED at addr\n")),
        None
    );
    let wrong_at =
        run(&format!("{PRELUDE}store_mapped_u64 addr 1 => fault ZX_ERR_ACCESS_DENIED at addr+8\n"));
    assert!(wrong_at.unwrap().contains("expected the fault (ZX_ERR_ACCESS_DENIED) at"));
    let wrong_status =
        run(&format!("{PRELUDE}store_mapped_u64 addr 1 => fault ZX_ERR_NOT_FOUND at addr\n"));
    assert!(wrong_status.unwrap().contains("expected ZX_ERR_NOT_FOUND, got ZX_ERR_ACCESS_DENIED"));
    let unexpected = run(&format!("{PRELUDE}store_mapped_u64 addr 1\n"));
    assert!(unexpected.unwrap().contains("unexpected fault ZX_ERR_ACCESS_DENIED at 0x200000"));
    let missing = run(&format!("{PRELUDE}load_mapped_u64 addr => fault ZX_ERR_NOT_FOUND\n"));
    assert!(missing.unwrap().contains("expected a fault, got ZX_OK"));
}

#[test]
fn maps_draws_vmars_and_mappings() {
    let dir = std::env::temp_dir().join(format!("zxemu-maps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("m.zxs");
    std::fs::write(&file, format!("{PRELUDE}vmar_allocate root 0 0 4P -> sub\ninvariants\n"))
        .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = zxemu::scenario::cli::maps_file(&file, &None, false, &mut out, &mut err);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(status, 0, "{text}{}", String::from_utf8_lossy(&err));
    assert!(text.contains("vmar root 0x200000-0x7ffffffff000"), "{text}");
    assert!(text.contains("    r-- 0x200000-0x201000 (4K) -> vmo"), "{text}");
    assert!(text.contains("    vmar useralloc 0x201000-0x205000 (16K)"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}
