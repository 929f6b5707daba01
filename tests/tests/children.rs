//! Conformance tests for docs/reference.md §5 (children and copy-on-write): the check order of
//! `vmo_create_child`, the child-rights formula, SNAPSHOT (and ALOW / SNAPSHOT_MODIFIED on
//! anonymous parents), SLICE, REFERENCE, `num_children` and `ZX_VMO_ZERO_CHILDREN`, op_range and
//! set_size inside copy-on-write relations, and what fork-on-write costs in pages.
//!
//! Attribution (§6) has its own file, `attribution.rs`.

use std::thread;
use std::time::{Duration, Instant};

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, Process};

const SNAPSHOT: u32 = ZX_VMO_CHILD_SNAPSHOT;
const ALOW: u32 = ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE;
const MODIFIED: u32 = ZX_VMO_CHILD_SNAPSHOT_MODIFIED;
const SLICE: u32 = ZX_VMO_CHILD_SLICE;
const REFERENCE: u32 = ZX_VMO_CHILD_REFERENCE;
const NO_WRITE: u32 = ZX_VMO_CHILD_NO_WRITE;
const CHILD_RESIZABLE: u32 = ZX_VMO_CHILD_RESIZABLE;
const ZC: zx_signals_t = ZX_VMO_ZERO_CHILDREN;

/// The largest page-aligned u64: adding a page or more to it overflows.
const TOP_PAGE: u64 = !(P - 1);

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/// A SNAPSHOT child of `[offset, offset+size)`.
#[track_caller]
fn snap(p: &Process, h: zx_handle_t, offset: u64, size: u64) -> zx_handle_t {
    child(p, h, SNAPSHOT, offset, size)
}

/// Fills page `page` with `byte`.
#[track_caller]
fn tag(p: &Process, h: zx_handle_t, page: u64, byte: u8) {
    fill(p, h, page * P, P as usize, byte);
}

/// A VMO of `bytes.len()` pages where page `i` is filled with `bytes[i]`.
#[track_caller]
fn tagged(p: &Process, bytes: &[u8], options: u32) -> zx_handle_t {
    let h = vmo_opts(p, bytes.len() as u64 * P, options);
    for (i, &b) in bytes.iter().enumerate() {
        if b != 0 {
            tag(p, h, i as u64, b);
        }
    }
    h
}

/// Reads the first `n` pages; each must be uniform; returns one byte per page.
#[track_caller]
fn pages(p: &Process, h: zx_handle_t, n: u64) -> Vec<u8> {
    let buf = read_vec(p, h, 0, (n * P) as usize);
    buf.chunks(P as usize)
        .enumerate()
        .map(|(i, c)| {
            if let Some(j) = c.iter().position(|&b| b != c[0]) {
                panic!(
                    "page {i} of {h:#x} is not uniform: byte {j} is {:#04x}, byte 0 is {:#04x}",
                    c[j], c[0]
                );
            }
            c[0]
        })
        .collect()
}

/// Closes every handle, then checks invariants and that all memory is back.
#[track_caller]
fn finish(k: &Kernel, p: &Process, handles: &[zx_handle_t]) {
    assert_clean(k);
    close_all(p, handles);
    assert_no_leak(k);
}

fn is_snapshot_type(options: u32) -> bool {
    options & (SNAPSHOT | ALOW | MODIFIED) != 0
}

/// docs/reference.md §5: `(parent & !RESIZE) | GET_PROPERTY | SET_PROPERTY | (RESIZABLE ? RESIZE :
/// 0)`; then NO_WRITE removes WRITE, otherwise every snapshot type adds WRITE, removes EXECUTE.
fn expected_child_rights(parent: zx_rights_t, options: u32) -> zx_rights_t {
    let mut r = (parent & !ZX_RIGHT_RESIZE) | ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY;
    if options & CHILD_RESIZABLE != 0 {
        r |= ZX_RIGHT_RESIZE;
    }
    if options & NO_WRITE != 0 {
        r &= !ZX_RIGHT_WRITE;
    } else if is_snapshot_type(options) {
        r = (r | ZX_RIGHT_WRITE) & !ZX_RIGHT_EXECUTE;
    }
    r
}

// ---------------------------------------------------------------------------------------------
// check order
// ---------------------------------------------------------------------------------------------

#[test]
fn order_1_size_past_max_size_is_out_of_range_before_anything_else() {
    let (k, p) = setup();
    let a = vmo(&p, P);
    let e = event(&p);
    let disc = vmo_opts(&p, P, ZX_VMO_DISCARDABLE);
    let norights = dup(&p, a, ZX_RIGHT_WRITE);
    let closed = vmo(&p, P);
    ok!(p.handle_close(closed));
    let sizes = [u64::MAX, MAX_SIZE + 1, MAX_SIZE + P, u64::MAX - P + 2, TOP_PAGE];
    let handles = [a, e, disc, norights, closed, ZX_HANDLE_INVALID, 0x7FFF_FFF3];
    let options = [
        SNAPSHOT,
        SLICE,
        REFERENCE,
        0,
        SNAPSHOT | SLICE,
        NO_WRITE | CHILD_RESIZABLE,
        NO_WRITE | CHILD_RESIZABLE | SNAPSHOT,
        SLICE | CHILD_RESIZABLE,
        u32::MAX,
    ];
    for &size in &sizes {
        for &h in &handles {
            for &o in &options {
                assert_err!(
                    p.vmo_create_child(h, o, 0, size),
                    ZX_ERR_OUT_OF_RANGE,
                    "vmo_create_child({h:#x}, {o:#x}, 0, {size:#x})"
                );
                assert_err!(
                    p.vmo_create_child(h, o, 1, size),
                    ZX_ERR_OUT_OF_RANGE,
                    "vmo_create_child({h:#x}, {o:#x}, 1, {size:#x})"
                );
            }
        }
    }
    assert_eq!(vmo_info(&p, a).num_children, 0);
    assert!(zero_children(&p, a));
    finish(&k, &p, &[a, e, disc, norights]);
}

#[test]
fn order_1_max_size_itself_passes_the_size_check() {
    let (k, p) = setup();
    // MAX_SIZE and anything that rounds up to it pass check 1; the bad handle decides.
    for size in [MAX_SIZE, MAX_SIZE - 1, MAX_SIZE - P + 1] {
        assert_err!(
            p.vmo_create_child(ZX_HANDLE_INVALID, SNAPSHOT, 0, size),
            ZX_ERR_BAD_HANDLE,
            "size {size:#x}"
        );
        // ... and NO_WRITE|RESIZABLE (check 2) comes next.
        assert_err!(
            p.vmo_create_child(ZX_HANDLE_INVALID, SNAPSHOT | NO_WRITE | CHILD_RESIZABLE, 0, size),
            ZX_ERR_INVALID_ARGS,
            "size {size:#x}"
        );
    }
    assert_no_leak(&k);
}

#[test]
fn order_2_no_write_with_resizable_is_invalid_args_before_the_handle_is_looked_up() {
    let (k, p) = setup();
    let a = vmo(&p, 2 * P);
    let r = vmo_opts(&p, 2 * P, ZX_VMO_RESIZABLE);
    let e = event(&p);
    let disc = vmo_opts(&p, P, ZX_VMO_DISCARDABLE);
    let norights = dup(&p, a, ZX_RIGHT_NONE);
    let closed = vmo(&p, P);
    ok!(p.handle_close(closed));
    let other = k.create_process(); // has no handles at all
    let bad = NO_WRITE | CHILD_RESIZABLE;
    assert_err!(other.vmo_create_child(a, bad | SNAPSHOT, 0, P), ZX_ERR_INVALID_ARGS);
    for &h in &[a, r, e, disc, norights, closed, ZX_HANDLE_INVALID, 0x7FFF_FFF3] {
        for &o in &[
            bad,
            bad | SNAPSHOT,
            bad | ALOW,
            bad | MODIFIED,
            bad | SLICE,
            bad | REFERENCE,
            bad | SNAPSHOT | SLICE,
            bad | (1 << 8),
        ] {
            assert_err!(
                p.vmo_create_child(h, o, 0, P),
                ZX_ERR_INVALID_ARGS,
                "vmo_create_child({h:#x}, {o:#x}, 0, P)"
            );
            // Also with arguments that later checks would reject.
            assert_err!(
                p.vmo_create_child(h, o, 1, 100 * P),
                ZX_ERR_INVALID_ARGS,
                "vmo_create_child({h:#x}, {o:#x}, 1, 100P)"
            );
        }
    }
    assert_eq!(vmo_info(&p, a).num_children, 0);
    assert_eq!(vmo_info(&p, r).num_children, 0);
    finish(&k, &p, &[a, r, e, disc, norights]);
}

#[test]
fn order_3_handle_must_be_a_vmo_with_duplicate_and_read() {
    let (k, p) = setup();
    let a = tagged(&p, &[0x11, 0x22], 0);
    let e = event(&p);
    let closed = vmo(&p, P);
    ok!(p.handle_close(closed));
    let other = k.create_process(); // has no handles: `a` means nothing there
                                    // BAD_HANDLE and WRONG_TYPE come before the type bits are looked at (options 0 is invalid).
    for o in [SNAPSHOT, SLICE, REFERENCE, 0, SNAPSHOT | SLICE, 1 << 8] {
        assert_err!(p.vmo_create_child(ZX_HANDLE_INVALID, o, 0, P), ZX_ERR_BAD_HANDLE, "{o:#x}");
        assert_err!(p.vmo_create_child(closed, o, 0, P), ZX_ERR_BAD_HANDLE, "{o:#x}");
        assert_err!(other.vmo_create_child(a, o, 0, P), ZX_ERR_BAD_HANDLE, "{o:#x}");
        assert_err!(p.vmo_create_child(e, o, 0, P), ZX_ERR_WRONG_TYPE, "{o:#x}");
    }
    // Rights: DUPLICATE and READ, each one alone missing is ACCESS_DENIED, whatever follows.
    let no_dup = dup(&p, a, ZX_DEFAULT_VMO_RIGHTS & !ZX_RIGHT_DUPLICATE);
    let no_read = dup(&p, a, ZX_DEFAULT_VMO_RIGHTS & !ZX_RIGHT_READ);
    let none = dup(&p, a, ZX_RIGHT_NONE);
    for h in [no_dup, no_read, none] {
        for o in [SNAPSHOT, ALOW, MODIFIED, SLICE, REFERENCE, 0, SNAPSHOT | SLICE, 1 << 8] {
            assert_err!(p.vmo_create_child(h, o, 0, P), ZX_ERR_ACCESS_DENIED, "{h:#x} {o:#x}");
            assert_err!(p.vmo_create_child(h, o, 1, 9 * P), ZX_ERR_ACCESS_DENIED, "{h:#x} {o:#x}");
        }
    }
    // Exactly DUPLICATE|READ is enough for every type.
    let rd = dup(&p, a, ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ);
    let s = child(&p, rd, SNAPSHOT, 0, 2 * P);
    let sl = child(&p, rd, SLICE, P, P);
    let rf = child(&p, rd, REFERENCE, 0, 0);
    assert_eq!(pages(&p, s, 2), [0x11, 0x22]);
    assert_eq!(pages(&p, sl, 1), [0x22]);
    assert_eq!(pages(&p, rf, 2), [0x11, 0x22]);
    assert_eq!(vmo_info(&p, a).num_children, 3);
    finish(&k, &p, &[a, e, no_dup, no_read, none, rd, s, sl, rf]);
}

#[test]
fn order_4_discardable_parent_is_not_supported_for_every_child_type() {
    let (k, p) = setup();
    let d = vmo_opts(&p, 2 * P, ZX_VMO_DISCARDABLE);
    fill(&p, d, 0, 10, 0x5A);
    for o in [
        SNAPSHOT,
        ALOW,
        MODIFIED,
        SLICE,
        REFERENCE,
        SNAPSHOT | NO_WRITE,
        SNAPSHOT | CHILD_RESIZABLE,
        REFERENCE | CHILD_RESIZABLE,
        SLICE | NO_WRITE,
        // check 4 comes before the type checks of check 5 ...
        0,
        NO_WRITE,
        SNAPSHOT | SLICE,
        SLICE | CHILD_RESIZABLE,
        SNAPSHOT | (1 << 8),
    ] {
        assert_err!(p.vmo_create_child(d, o, 0, P), ZX_ERR_NOT_SUPPORTED, "{o:#x}");
        // ... and before the per-type checks of check 6.
        assert_err!(p.vmo_create_child(d, o, 1, 3 * P), ZX_ERR_NOT_SUPPORTED, "{o:#x}");
    }
    assert_err!(p.vmo_create_child(d, REFERENCE, P, P), ZX_ERR_NOT_SUPPORTED);
    // Rights (check 3) come before check 4.
    let no_read = dup(&p, d, ZX_RIGHT_DUPLICATE);
    assert_err!(p.vmo_create_child(no_read, SNAPSHOT, 0, P), ZX_ERR_ACCESS_DENIED);
    assert_eq!(vmo_info(&p, d).num_children, 0);
    assert!(zero_children(&p, d));
    finish(&k, &p, &[d, no_read]);
}

#[test]
fn order_5_exactly_one_type_bit_else_invalid_args() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let r = vmo_opts(&p, 2 * P, ZX_VMO_RESIZABLE);
    let sl = child(&p, a, SLICE, 0, 2 * P);
    let all = SNAPSHOT | ALOW | MODIFIED | SLICE | REFERENCE;
    let bad_options = [
        0,
        NO_WRITE,
        CHILD_RESIZABLE,
        SNAPSHOT | SLICE,
        SNAPSHOT | REFERENCE,
        SNAPSHOT | ALOW,
        SNAPSHOT | MODIFIED,
        ALOW | MODIFIED,
        SLICE | REFERENCE,
        ALOW | SLICE,
        MODIFIED | REFERENCE,
        all,
        all | NO_WRITE,
        SNAPSHOT | (1 << 1),
        SNAPSHOT | (1 << 8),
        SNAPSHOT | (1 << 31),
        SLICE | (1 << 9),
        REFERENCE | (1 << 20),
        1 << 1,
        1 << 8,
        !CHILD_RESIZABLE,
        SLICE | CHILD_RESIZABLE,
    ];
    for h in [a, r, sl] {
        for o in bad_options {
            assert_err!(p.vmo_create_child(h, o, 0, P), ZX_ERR_INVALID_ARGS, "{h:#x} {o:#x}");
            // Type errors come before the per-type checks (alignment, window, parent kind).
            assert_err!(p.vmo_create_child(h, o, 1, 3 * P), ZX_ERR_INVALID_ARGS, "{h:#x} {o:#x}");
            assert_err!(
                p.vmo_create_child(h, o, TOP_PAGE, 2 * P),
                ZX_ERR_INVALID_ARGS,
                "{h:#x} {o:#x}"
            );
        }
    }
    // SLICE|RESIZABLE is INVALID_ARGS, not the NOT_SUPPORTED a resizable parent gets later.
    assert_err!(p.vmo_create_child(r, SLICE | CHILD_RESIZABLE, 0, P), ZX_ERR_INVALID_ARGS);
    // Two types on a slice parent: INVALID_ARGS, not the NOT_SUPPORTED of a slice's snapshot.
    assert_err!(p.vmo_create_child(sl, SNAPSHOT | REFERENCE, 0, P), ZX_ERR_INVALID_ARGS);
    for h in [a, r, sl] {
        assert_eq!(vmo_info(&p, h).num_children, u64::from(h == a));
    }
    finish(&k, &p, &[sl, a, r]);
}

#[test]
fn order_5_no_write_goes_with_every_type_and_resizable_with_reference_and_snapshots() {
    let (k, p) = setup();
    let a = tagged(&p, &[7, 8], 0);
    let r = tagged(&p, &[9, 10], ZX_VMO_RESIZABLE);
    let mut made = Vec::new();
    for o in [SNAPSHOT, ALOW, MODIFIED, SLICE, REFERENCE] {
        made.push(child(&p, a, o | NO_WRITE, 0, if o == REFERENCE { 0 } else { 2 * P }));
    }
    for o in [SNAPSHOT, ALOW, MODIFIED] {
        made.push(child(&p, a, o | CHILD_RESIZABLE, 0, 2 * P));
        made.push(child(&p, r, o | CHILD_RESIZABLE, 0, 2 * P));
    }
    made.push(child(&p, r, REFERENCE | CHILD_RESIZABLE, 0, 0));
    made.push(child(&p, r, REFERENCE | NO_WRITE, 0, 0));
    for &c in &made {
        let i = vmo_info(&p, c);
        let want = if i.parent_koid == koid_of(&p, a) { [7, 8] } else { [9, 10] };
        assert_eq!(pages(&p, c, 2), want);
    }
    assert_eq!(vmo_info(&p, a).num_children, 8);
    assert_eq!(vmo_info(&p, r).num_children, 5);
    let mut all = made.clone();
    all.extend([a, r]);
    finish(&k, &p, &all);
}

// ---------------------------------------------------------------------------------------------
// rights
// ---------------------------------------------------------------------------------------------

#[test]
fn child_rights_follow_the_formula_for_every_type() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let r = tagged(&p, &[3, 4], ZX_VMO_RESIZABLE);
    let d = ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ;
    // (parent, rights of the handle used, whether the parent is resizable)
    let parents = [
        (a, ZX_DEFAULT_VMO_RIGHTS, false),
        (a, d, false),
        (a, d | ZX_RIGHT_WRITE, false),
        (a, d | ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_MAP, false),
        (a, d | ZX_RIGHT_SET_PROPERTY | ZX_RIGHT_TRANSFER, false),
        (r, ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_RESIZE, true),
        (r, ZX_DEFAULT_VMO_RIGHTS, true),
        (r, d | ZX_RIGHT_RESIZE, true),
        (r, d, true),
    ];
    let option_sets = [
        SNAPSHOT,
        SNAPSHOT | NO_WRITE,
        SNAPSHOT | CHILD_RESIZABLE,
        ALOW,
        ALOW | NO_WRITE,
        ALOW | CHILD_RESIZABLE,
        MODIFIED,
        MODIFIED | NO_WRITE,
        MODIFIED | CHILD_RESIZABLE,
        SLICE,
        SLICE | NO_WRITE,
        REFERENCE,
        REFERENCE | NO_WRITE,
        REFERENCE | CHILD_RESIZABLE,
    ];
    let mut checked = 0;
    for (vmo_h, rights, resizable) in parents {
        let h = dup(&p, vmo_h, rights);
        assert_eq!(rights_of(&p, h), rights);
        for o in option_sets {
            if o & SLICE != 0 && resizable {
                continue; // NOT_SUPPORTED, tested below
            }
            if o == REFERENCE | CHILD_RESIZABLE && (!resizable || rights & ZX_RIGHT_RESIZE == 0) {
                continue; // NOT_SUPPORTED / ACCESS_DENIED, tested below
            }
            let (off, size) = if o & REFERENCE != 0 { (0, 0) } else { (0, 2 * P) };
            let c = child(&p, h, o, off, size);
            let want = expected_child_rights(rights, o);
            assert_eq!(
                rights_of(&p, c),
                want,
                "rights of child({o:#x}) of a handle with {rights:#x}: got {:#x}, want {want:#x}",
                rights_of(&p, c)
            );
            assert_eq!(vmo_info(&p, c).handle_rights, want);
            ok!(p.handle_close(c));
            checked += 1;
        }
        ok!(p.handle_close(h));
    }
    assert!(checked > 100);
    finish(&k, &p, &[a, r]);
}

#[test]
fn child_rights_literal_values() {
    let (k, p) = setup();
    let a = vmo(&p, P);
    let r = vmo_opts(&p, P, ZX_VMO_RESIZABLE);
    let rd = dup(&p, a, ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ);
    let cases: [(zx_handle_t, u32, u64, zx_rights_t); 10] = [
        (a, SNAPSHOT, P, 0xD0EF),
        (a, SNAPSHOT | NO_WRITE, P, 0xD0E7),
        (a, SNAPSHOT | CHILD_RESIZABLE, P, 0x40_D0EF),
        (rd, SNAPSHOT, P, 0xCD),
        (rd, SLICE, P, 0xC5),
        (rd, REFERENCE, 0, 0xC5),
        (a, SLICE | NO_WRITE, P, 0xD0E7),
        (r, SNAPSHOT, P, 0xD0EF),
        (r, REFERENCE, 0, 0xD0EF),
        (r, REFERENCE | CHILD_RESIZABLE, 0, 0x40_D0EF),
    ];
    for (h, o, size, want) in cases {
        let c = child(&p, h, o, 0, size);
        assert_eq!(rights_of(&p, c), want, "child({o:#x}) of {:#x}", rights_of(&p, h));
        ok!(p.handle_close(c));
    }
    finish(&k, &p, &[a, r, rd]);
}

#[test]
fn snapshot_of_a_read_only_handle_is_writable_but_slice_and_reference_are_not() {
    let (k, p) = setup();
    let a = tagged(&p, &[0x31, 0x32], 0);
    let rd = dup(&p, a, ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ);
    let s = child(&p, rd, SNAPSHOT, 0, 2 * P);
    tag(&p, s, 0, 0x77);
    assert_eq!(pages(&p, s, 2), [0x77, 0x32]);
    assert_eq!(pages(&p, a, 2), [0x31, 0x32]);
    let sl = child(&p, rd, SLICE, 0, 2 * P);
    let rf = child(&p, rd, REFERENCE, 0, 0);
    for h in [sl, rf] {
        assert_err!(p.vmo_write(h, &[1], 0), ZX_ERR_ACCESS_DENIED);
        assert_err!(p.vmo_op_range(h, ZX_VMO_OP_COMMIT, 0, P, &mut []), ZX_ERR_ACCESS_DENIED);
        assert_eq!(pages(&p, h, 2), [0x31, 0x32]);
    }
    // The parent handle's rights were not changed by any of this.
    assert_eq!(rights_of(&p, rd), ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ);
    finish(&k, &p, &[a, rd, s, sl, rf]);
}

#[test]
fn snapshot_no_write_is_immutable_and_has_no_write_right() {
    let (k, p) = setup();
    let a = tagged(&p, &[0x41, 0x42], 0);
    let c = child(&p, a, SNAPSHOT | NO_WRITE, 0, 2 * P);
    let i = vmo_info(&p, c);
    assert_ne!(i.flags & ZX_INFO_VMO_IMMUTABLE, 0, "flags {:#x}", i.flags);
    assert_ne!(i.flags & ZX_INFO_VMO_IS_COW_CLONE, 0, "flags {:#x}", i.flags);
    assert_eq!(rights_of(&p, c) & ZX_RIGHT_WRITE, 0);
    assert_err!(p.vmo_write(c, &[1], 0), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, 0, P, &mut []), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_set_size(c, P), ZX_ERR_ACCESS_DENIED);
    // It is still a snapshot: later parent writes do not show through.
    tag(&p, a, 0, 0x99);
    assert_eq!(pages(&p, c, 2), [0x41, 0x42]);
    // A writable snapshot is not immutable.
    let w = snap(&p, a, 0, 2 * P);
    assert_eq!(vmo_info(&p, w).flags & ZX_INFO_VMO_IMMUTABLE, 0);
    assert_eq!(vmo_info(&p, a).flags & ZX_INFO_VMO_IMMUTABLE, 0);
    finish(&k, &p, &[a, c, w]);
}

// ---------------------------------------------------------------------------------------------
// SNAPSHOT
// ---------------------------------------------------------------------------------------------

#[test]
fn snapshot_reads_the_parent_content_and_reports_its_identity() {
    let (k, p) = setup();
    let a = vmo(&p, 3 * P);
    let data = pattern(3, (3 * P) as usize);
    ok!(p.vmo_write(a, &data, 0));
    let a_koid = koid_of(&p, a);
    let c = snap(&p, a, 0, 3 * P);
    assert_eq!(read_vec(&p, c, 0, data.len()), data);
    assert_eq!(read_vec(&p, a, 0, data.len()), data);
    let ci = vmo_info(&p, c);
    assert_ne!(ci.koid, a_koid);
    assert_eq!(ci.koid, koid_of(&p, c));
    assert_eq!(ci.parent_koid, a_koid);
    assert_eq!(ci.num_children, 0);
    assert_eq!(ci.size_bytes, 3 * P);
    assert_eq!(
        ci.flags,
        ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE | ZX_INFO_VMO_IS_COW_CLONE,
        "flags {:#x}",
        ci.flags
    );
    let ai = vmo_info(&p, a);
    assert_eq!(ai.koid, a_koid, "the parent keeps its koid");
    assert_eq!(ai.parent_koid, 0);
    assert_eq!(ai.num_children, 1);
    assert_eq!(ai.flags & ZX_INFO_VMO_IS_COW_CLONE, 0);
    assert_eq!(basic(&p, c).type_, ZX_OBJ_TYPE_VMO);
    assert_clean(&k);
    finish(&k, &p, &[a, c]);
}

#[test]
fn snapshot_writes_on_either_side_are_invisible_to_the_other() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xA0, 0xA1, 0xA2], 0);
    let c = snap(&p, a, 0, 3 * P);
    tag(&p, a, 0, 0xB0);
    tag(&p, c, 1, 0xC1);
    // Unaligned writes across a page boundary on both sides.
    ok!(p.vmo_write(a, &[0xEE; 100], 2 * P - 50));
    ok!(p.vmo_write(c, &[0xDD; 100], 3 * P - 100));
    let mut want_a = vec![0xB0u8; P as usize];
    want_a.extend(vec![0xA1u8; P as usize]);
    want_a.extend(vec![0xA2u8; P as usize]);
    want_a[(2 * P - 50) as usize..(2 * P + 50) as usize].fill(0xEE);
    let mut want_c = vec![0xA0u8; P as usize];
    want_c.extend(vec![0xC1u8; P as usize]);
    want_c.extend(vec![0xA2u8; P as usize]);
    want_c[(3 * P - 100) as usize..].fill(0xDD);
    assert_eq!(read_vec(&p, a, 0, 3 * P as usize), want_a);
    assert_eq!(read_vec(&p, c, 0, 3 * P as usize), want_c);
    assert_clean(&k);
    finish(&k, &p, &[a, c]);
}

#[test]
fn snapshot_of_an_uncommitted_parent_reads_zero_and_diverges() {
    let (k, p) = setup();
    let a = vmo(&p, 2 * P);
    let c = snap(&p, a, 0, 2 * P);
    assert_eq!(pages(&p, c, 2), [0, 0]);
    tag(&p, a, 0, 1);
    tag(&p, c, 1, 2);
    assert_eq!(pages(&p, a, 2), [1, 0]);
    assert_eq!(pages(&p, c, 2), [0, 2]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[a, c]);
}

#[test]
fn snapshot_size_rounds_up_and_content_size_is_the_unrounded_size() {
    let (k, p) = setup();
    let a = tagged(&p, &[5, 6, 7], 0);
    for size in [0, 1, 100, P - 1, P, P + 1, 5000, 3 * P, 3 * P + 7] {
        for o in [SNAPSHOT, ALOW, MODIFIED] {
            let c = child(&p, a, o, 0, size);
            assert_eq!(ok!(p.vmo_get_size(c)), round_up(size), "size of child({o:#x}, {size})");
            assert_eq!(vmo_info(&p, c).size_bytes, round_up(size));
            assert_eq!(content_size(&p, c), size, "content size of child({o:#x}, {size})");
            if size > 0 {
                assert_bytes(&p, c, 0, 1, 5);
            }
            ok!(p.handle_close(c));
        }
    }
    finish(&k, &p, &[a]);
}

#[test]
fn snapshot_offset_must_be_page_aligned() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    for o in [SNAPSHOT, ALOW, MODIFIED, SNAPSHOT | NO_WRITE, SNAPSHOT | CHILD_RESIZABLE] {
        for off in [1, 100, P - 1, P + 1, 2 * P + 2048] {
            assert_err!(p.vmo_create_child(a, o, off, P), ZX_ERR_INVALID_ARGS, "{o:#x} {off:#x}");
        }
    }
    let c = snap(&p, a, 2 * P, 2 * P);
    assert_eq!(pages(&p, c, 2), [3, 4]);
    assert_eq!(vmo_info(&p, a).num_children, 1);
    finish(&k, &p, &[a, c]);
}

#[test]
fn snapshot_offset_plus_size_overflow_is_invalid_args() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    for o in [SNAPSHOT, ALOW, MODIFIED] {
        for (off, size) in [(TOP_PAGE, P + 1), (TOP_PAGE, 2 * P), (TOP_PAGE, MAX_SIZE)] {
            assert_err!(
                p.vmo_create_child(a, o, off, size),
                ZX_ERR_INVALID_ARGS,
                "child({o:#x}, {off:#x}, {size:#x})"
            );
        }
    }
    assert_eq!(vmo_info(&p, a).num_children, 0);
    finish(&k, &p, &[a]);
}

#[test]
fn snapshot_extending_past_the_parent_reads_zero_there_and_is_writable() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xAA], 0);
    let c = snap(&p, a, 0, 3 * P);
    assert_eq!(pages(&p, c, 3), [0xAA, 0, 0]);
    tag(&p, c, 2, 0xC2);
    ok!(p.vmo_write(c, b"tail", P + 10));
    assert_eq!(pages(&p, c, 1), [0xAA]);
    assert_eq!(read_vec(&p, c, P + 8, 8), [0, 0, b't', b'a', b'i', b'l', 0, 0]);
    assert_bytes(&p, c, 2 * P, P as usize, 0xC2);
    assert_eq!(ok!(p.vmo_get_size(a)), P, "the parent keeps its size");
    assert_eq!(pages(&p, a, 1), [0xAA]);
    // A window that starts past the parent's end sees nothing of it.
    let far = snap(&p, a, 4 * P, 2 * P);
    assert_eq!(pages(&p, far, 2), [0, 0]);
    tag(&p, far, 1, 0xF1);
    assert_eq!(pages(&p, far, 2), [0, 0xF1]);
    // The parent writing its page does not reach the child's extension.
    tag(&p, a, 0, 0xBB);
    assert_eq!(pages(&p, c, 1), [0xAA]);
    finish(&k, &p, &[a, c, far]);
}

#[test]
fn snapshot_survives_closing_the_parent_and_the_parent_survives_closing_the_child() {
    let (k, p) = setup();
    // Parent closed first.
    let a = tagged(&p, &[1, 2, 3], 0);
    let c = snap(&p, a, 0, 3 * P);
    tag(&p, c, 1, 0x21);
    tag(&p, a, 2, 0x32);
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 3), [1, 0x21, 3]);
    tag(&p, c, 0, 0x10);
    assert_eq!(pages(&p, c, 3), [0x10, 0x21, 3]);
    ok!(p.handle_close(c));
    assert_no_leak(&k);
    // Child closed first.
    let a = tagged(&p, &[1, 2, 3], 0);
    let c = snap(&p, a, 0, 3 * P);
    tag(&p, c, 1, 0x21);
    tag(&p, a, 2, 0x32);
    ok!(p.handle_close(c));
    assert_clean(&k);
    assert_eq!(pages(&p, a, 3), [1, 2, 0x32]);
    assert_eq!(vmo_info(&p, a).num_children, 0);
    tag(&p, a, 0, 0x10);
    assert_eq!(pages(&p, a, 3), [0x10, 2, 0x32]);
    finish(&k, &p, &[a]);
}

#[test]
fn snapshot_of_a_slice_is_not_supported() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let sl = child(&p, a, SLICE, 0, 2 * P);
    assert_err!(p.vmo_create_child(sl, SNAPSHOT, 0, 2 * P), ZX_ERR_NOT_SUPPORTED);
    assert_err!(p.vmo_create_child(sl, SNAPSHOT | NO_WRITE, 0, P), ZX_ERR_NOT_SUPPORTED);
    assert_err!(p.vmo_create_child(sl, SNAPSHOT | CHILD_RESIZABLE, P, P), ZX_ERR_NOT_SUPPORTED);
    let nested = child(&p, sl, SLICE, P, P);
    assert_err!(p.vmo_create_child(nested, SNAPSHOT, 0, P), ZX_ERR_NOT_SUPPORTED);
    assert_eq!(vmo_info(&p, sl).num_children, 1);
    assert_eq!(vmo_info(&p, nested).num_children, 0);
    // The parent itself can still be snapshotted.
    let c = snap(&p, a, 0, 2 * P);
    assert_eq!(pages(&p, c, 2), [1, 2]);
    finish(&k, &p, &[nested, sl, c, a]);
}

#[test]
fn snapshot_of_a_reference_works() {
    let (k, p) = setup();
    let a = tagged(&p, &[0x11, 0x12], 0);
    let r = child(&p, a, REFERENCE, 0, 0);
    let c = snap(&p, r, 0, 2 * P);
    let ci = vmo_info(&p, c);
    assert_eq!(ci.parent_koid, koid_of(&p, r), "parent_koid is the VMO the child was made from");
    assert_ne!(ci.flags & ZX_INFO_VMO_IS_COW_CLONE, 0);
    assert_eq!(vmo_info(&p, r).num_children, 1);
    assert_eq!(pages(&p, c, 2), [0x11, 0x12]);
    tag(&p, a, 0, 0x21); // the parent writes: the reference sees it, the snapshot does not
    tag(&p, r, 1, 0x22); // the reference writes: the parent sees it, the snapshot does not
    tag(&p, c, 0, 0x31); // the snapshot writes: nobody else sees it
    assert_eq!(pages(&p, a, 2), [0x21, 0x22]);
    assert_eq!(pages(&p, r, 2), [0x21, 0x22]);
    assert_eq!(pages(&p, c, 2), [0x31, 0x12]);
    assert_clean(&k);
    ok!(p.handle_close(r));
    ok!(p.handle_close(a));
    assert_eq!(pages(&p, c, 2), [0x31, 0x12]);
    finish(&k, &p, &[c]);
}

/// A chain A → B → C → D where each level writes one page after its creation.
fn build_chain(p: &Process) -> [zx_handle_t; 4] {
    let a = tagged(p, &[0x10, 0x10, 0x10, 0x10], 0);
    let b = snap(p, a, 0, 4 * P);
    tag(p, b, 1, 0x21);
    let c = snap(p, b, 0, 4 * P);
    tag(p, c, 2, 0x32);
    let d = snap(p, c, 0, 4 * P);
    tag(p, d, 3, 0x43);
    // Writes after the whole chain exists are seen by the writer only.
    tag(p, a, 0, 0x14);
    tag(p, b, 3, 0x23);
    [a, b, c, d]
}

const CHAIN_VIEW: [[u8; 4]; 4] = [
    [0x14, 0x10, 0x10, 0x10],
    [0x10, 0x21, 0x10, 0x23],
    [0x10, 0x21, 0x32, 0x10],
    [0x10, 0x21, 0x32, 0x43],
];

#[test]
fn snapshot_chain_of_depth_four_each_sees_its_own_writes_and_its_inheritance() {
    let (k, p) = setup();
    let chain = build_chain(&p);
    for (i, &h) in chain.iter().enumerate() {
        assert_eq!(pages(&p, h, 4), CHAIN_VIEW[i], "VMO {i} of the chain");
    }
    for i in 1..4 {
        assert_eq!(vmo_info(&p, chain[i]).parent_koid, koid_of(&p, chain[i - 1]));
        assert_eq!(vmo_info(&p, chain[i - 1]).num_children, 1);
    }
    assert_eq!(vmo_info(&p, chain[3]).num_children, 0);
    assert_clean(&k);
    finish(&k, &p, &chain);
}

#[test]
fn snapshot_chain_closed_in_every_order_keeps_the_survivors_data() {
    let (k, p) = setup();
    let mut orders = Vec::new();
    permutations(&mut [0, 1, 2, 3], 0, &mut orders);
    assert_eq!(orders.len(), 24);
    for order in orders {
        let chain = build_chain(&p);
        let mut open = [true; 4];
        for &i in &order {
            ok!(p.handle_close(chain[i]));
            open[i] = false;
            if let Err(e) = k.check_invariants() {
                panic!("order {order:?}, after closing {i}: {e}");
            }
            for j in 0..4 {
                if open[j] {
                    assert_eq!(
                        pages(&p, chain[j], 4),
                        CHAIN_VIEW[j],
                        "order {order:?}: VMO {j} after closing {i}"
                    );
                }
            }
            // Writing into a survivor still works and changes only it.
            if let Some(j) = (0..4).find(|&j| open[j]) {
                tag(&p, chain[j], 0, CHAIN_VIEW[j][0]);
            }
        }
        assert_no_leak(&k);
    }
}

fn permutations(v: &mut [usize; 4], at: usize, out: &mut Vec<[usize; 4]>) {
    if at == v.len() {
        out.push(*v);
        return;
    }
    for i in at..v.len() {
        v.swap(at, i);
        permutations(v, at + 1, out);
        v.swap(at, i);
    }
}

#[test]
fn snapshot_tree_of_depth_three_with_offsets() {
    let (k, p) = setup();
    // A: 4 pages 1..4. B = A[1P, 4P) ; C = A[0, 2P) ; D = B[1P, 3P) ; E = B[0, 2P) ; F = D[0, 3P)
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    let b = snap(&p, a, P, 3 * P);
    let c = snap(&p, a, 0, 2 * P);
    tag(&p, b, 0, 0xB0); // B's page 0 = A's page 1
    let d = snap(&p, b, P, 2 * P);
    let e = snap(&p, b, 0, 2 * P);
    tag(&p, a, 2, 0xA2);
    tag(&p, d, 1, 0xD1);
    let f = snap(&p, d, 0, 3 * P);
    tag(&p, e, 1, 0xE1);
    tag(&p, c, 1, 0xC1);
    tag(&p, f, 2, 0xF2);
    assert_eq!(pages(&p, a, 4), [1, 2, 0xA2, 4]);
    assert_eq!(pages(&p, b, 3), [0xB0, 3, 4]);
    assert_eq!(pages(&p, c, 2), [1, 0xC1]);
    assert_eq!(pages(&p, d, 2), [3, 0xD1]);
    assert_eq!(pages(&p, e, 2), [0xB0, 0xE1]);
    assert_eq!(pages(&p, f, 3), [3, 0xD1, 0xF2]);
    assert_eq!(vmo_info(&p, a).num_children, 2);
    assert_eq!(vmo_info(&p, b).num_children, 2);
    assert_eq!(vmo_info(&p, d).num_children, 1);
    assert_eq!(vmo_info(&p, f).parent_koid, koid_of(&p, d));
    assert_clean(&k);
    // Close the inner nodes first: the leaves keep everything.
    ok!(p.handle_close(b));
    ok!(p.handle_close(a));
    ok!(p.handle_close(d));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 2), [1, 0xC1]);
    assert_eq!(pages(&p, e, 2), [0xB0, 0xE1]);
    assert_eq!(pages(&p, f, 3), [3, 0xD1, 0xF2]);
    // Only pages a live VMO can see are kept: C 2, E 2, F 3 (no page is shared any more).
    assert_eq!(vmo_bytes(&k), 7 * P);
    finish(&k, &p, &[c, e, f]);
}

#[test]
fn many_snapshots_of_one_parent_are_independent() {
    let (k, p) = setup();
    let a = tagged(&p, &[9, 9, 9], 0);
    let kids: Vec<_> = (0..3).map(|_| snap(&p, a, 0, 3 * P)).collect();
    for (i, &c) in kids.iter().enumerate() {
        tag(&p, c, i as u64, 0x50 + i as u8);
        assert_eq!(vmo_info(&p, c).parent_koid, koid_of(&p, a));
    }
    assert_eq!(vmo_info(&p, a).num_children, 3);
    assert_eq!(pages(&p, a, 3), [9, 9, 9]);
    assert_eq!(pages(&p, kids[0], 3), [0x50, 9, 9]);
    assert_eq!(pages(&p, kids[1], 3), [9, 0x51, 9]);
    assert_eq!(pages(&p, kids[2], 3), [9, 9, 0x52]);
    ok!(p.handle_close(a));
    ok!(p.handle_close(kids[1]));
    assert_clean(&k);
    assert_eq!(pages(&p, kids[0], 3), [0x50, 9, 9]);
    assert_eq!(pages(&p, kids[2], 3), [9, 9, 0x52]);
    finish(&k, &p, &[kids[0], kids[2]]);
}

#[test]
fn parent_grown_after_the_snapshot_is_not_seen_by_the_child() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xAA], ZX_VMO_RESIZABLE);
    let c = snap(&p, a, 0, 3 * P);
    ok!(p.vmo_set_size(a, 3 * P));
    tag(&p, a, 1, 0xA1);
    tag(&p, a, 2, 0xA2);
    assert_eq!(pages(&p, a, 3), [0xAA, 0xA1, 0xA2]);
    assert_eq!(pages(&p, c, 3), [0xAA, 0, 0]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn parent_shrunk_and_regrown_reads_zero_while_its_snapshot_keeps_its_data() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], ZX_VMO_RESIZABLE);
    let c = snap(&p, a, 0, 4 * P);
    ok!(p.vmo_set_size(a, P));
    assert_clean(&k);
    ok!(p.vmo_set_size(a, 4 * P));
    // The parent itself: the region cut off reads zero.
    assert_eq!(pages(&p, a, 4), [1, 0, 0, 0]);
    // The snapshot made before the shrink keeps what it saw at its creation (§5: later changes
    // on either side are invisible to the other; Zircon's vmo-clone resize tests).
    assert_eq!(pages(&p, c, 4), [1, 2, 3, 4]);
    // New parent writes in the regrown region are not seen by the snapshot either.
    tag(&p, a, 2, 0x77);
    assert_eq!(pages(&p, c, 4), [1, 2, 3, 4]);
    assert_eq!(pages(&p, a, 4), [1, 0, 0x77, 0]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn snapshot_made_after_a_shrink_never_sees_the_cut_pages() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], ZX_VMO_RESIZABLE);
    ok!(p.vmo_set_size(a, P));
    let c = snap(&p, a, 0, 3 * P);
    ok!(p.vmo_set_size(a, 3 * P));
    assert_eq!(pages(&p, a, 3), [1, 0, 0]);
    assert_eq!(pages(&p, c, 3), [1, 0, 0]);
    tag(&p, a, 1, 0x21);
    assert_eq!(pages(&p, c, 3), [1, 0, 0]);
    // Page 1, and page 2 that was cut, are not held for anybody: A's page 0 and 1 only.
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[a, c]);
}

#[test]
fn a_resizable_snapshot_grown_past_its_window_reads_zero() {
    let (k, p) = setup();
    // A resizable child made of the parent's first page, grown: the new page reads zero even
    // though the parent has data there (Zircon's resize_grow_test).
    let a = tagged(&p, &[1, 2], 0);
    let c = child(&p, a, SNAPSHOT | CHILD_RESIZABLE, 0, P);
    assert_ne!(vmo_info(&p, c).flags & ZX_INFO_VMO_RESIZABLE, 0);
    ok!(p.vmo_set_size(c, 2 * P));
    assert_eq!(pages(&p, c, 2), [1, 0]);
    let before = vmo_bytes(&k);
    tag(&p, a, 1, 3); // the parent alone sees its page 1: no fork, no new page
    assert_eq!(vmo_bytes(&k), before);
    assert_eq!(pages(&p, c, 2), [1, 0]);
    assert_eq!(pages(&p, a, 2), [1, 3]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn alow_and_snapshot_modified_on_anonymous_parents_behave_as_snapshot() {
    let (k, p) = setup();
    for o in [ALOW, MODIFIED] {
        let a = tagged(&p, &[0x61, 0x62], 0);
        let c = child(&p, a, o, 0, 3 * P);
        let i = vmo_info(&p, c);
        assert_ne!(i.flags & ZX_INFO_VMO_IS_COW_CLONE, 0, "{o:#x}: flags {:#x}", i.flags);
        assert_eq!(i.parent_koid, koid_of(&p, a));
        assert_eq!(pages(&p, c, 3), [0x61, 0x62, 0]);
        // Bidirectional: the parent's later writes do not show in the child.
        tag(&p, a, 0, 0x71);
        tag(&p, c, 1, 0x82);
        tag(&p, c, 2, 0x83);
        assert_eq!(pages(&p, a, 2), [0x71, 0x62], "{o:#x}");
        assert_eq!(pages(&p, c, 3), [0x61, 0x82, 0x83], "{o:#x}");
        // The snapshot checks apply.
        assert_err!(p.vmo_create_child(a, o, 1, P), ZX_ERR_INVALID_ARGS);
        assert_err!(p.vmo_create_child(a, o, TOP_PAGE, 2 * P), ZX_ERR_INVALID_ARGS);
        // Chains.
        let g = child(&p, c, o, 0, 3 * P);
        tag(&p, c, 0, 0x91);
        assert_eq!(pages(&p, g, 3), [0x61, 0x82, 0x83], "{o:#x}");
        // Either side closes first.
        ok!(p.handle_close(a));
        ok!(p.handle_close(c));
        assert_clean(&k);
        assert_eq!(pages(&p, g, 3), [0x61, 0x82, 0x83], "{o:#x}");
        ok!(p.handle_close(g));
        assert_no_leak(&k);
    }
}

// ---------------------------------------------------------------------------------------------
// SLICE
// ---------------------------------------------------------------------------------------------

#[test]
fn slice_offset_must_be_page_aligned() {
    // An unaligned size is rounded up instead (slice_reference.rs).
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    for (off, size) in [(1, P), (P - 1, P), (P + 1, P), (1, 1), (P + 1, P - 1)] {
        assert_err!(
            p.vmo_create_child(a, SLICE, off, size),
            ZX_ERR_INVALID_ARGS,
            "slice({off:#x}, {size:#x})"
        );
        assert_err!(p.vmo_create_child(a, SLICE | NO_WRITE, off, size), ZX_ERR_INVALID_ARGS);
    }
    // Alignment comes before the window check.
    assert_err!(p.vmo_create_child(a, SLICE, TOP_PAGE + 1, 2 * P), ZX_ERR_INVALID_ARGS);
    assert_eq!(vmo_info(&p, a).num_children, 0);
    finish(&k, &p, &[a]);
}

#[test]
fn slice_window_outside_the_parent_is_invalid_args() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    for (off, size) in [(0, 3 * P), (P, 2 * P), (2 * P, P), (3 * P, P), (100 * P, P)] {
        assert_err!(
            p.vmo_create_child(a, SLICE, off, size),
            ZX_ERR_INVALID_ARGS,
            "slice({off:#x}, {size:#x}) of a 2-page VMO"
        );
    }
    // A window inside a slice is measured against the slice, not the root.
    let s = child(&p, a, SLICE, P, P);
    assert_err!(p.vmo_create_child(s, SLICE, 0, 2 * P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_create_child(s, SLICE, P, P), ZX_ERR_INVALID_ARGS);
    // The whole parent is fine.
    let whole = child(&p, a, SLICE, 0, 2 * P);
    assert_eq!(pages(&p, whole, 2), [1, 2]);
    finish(&k, &p, &[s, whole, a]);
}

#[test]
fn slice_window_that_overflows_is_invalid_args() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    for (off, size) in [(TOP_PAGE, P), (TOP_PAGE, 2 * P), (TOP_PAGE, MAX_SIZE)] {
        assert_err!(
            p.vmo_create_child(a, SLICE, off, size),
            ZX_ERR_INVALID_ARGS,
            "slice({off:#x}, {size:#x})"
        );
    }
    // A size past MAX_SIZE never gets there: it is OUT_OF_RANGE (check 1).
    assert_err!(p.vmo_create_child(a, SLICE, 2 * P, TOP_PAGE), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(vmo_info(&p, a).num_children, 0);
    finish(&k, &p, &[a]);
}

#[test]
fn slice_of_a_resizable_parent_is_not_supported() {
    let (k, p) = setup();
    let r = tagged(&p, &[1, 2], ZX_VMO_RESIZABLE);
    assert_err!(p.vmo_create_child(r, SLICE, 0, P), ZX_ERR_NOT_SUPPORTED);
    assert_err!(p.vmo_create_child(r, SLICE | NO_WRITE, 0, 2 * P), ZX_ERR_NOT_SUPPORTED);
    let noresize = dup(&p, r, ZX_DEFAULT_VMO_RIGHTS);
    assert_err!(p.vmo_create_child(noresize, SLICE, 0, P), ZX_ERR_NOT_SUPPORTED);
    // A resizable snapshot child is a resizable parent too.
    let a = tagged(&p, &[3], 0);
    let c = child(&p, a, SNAPSHOT | CHILD_RESIZABLE, 0, P);
    assert_err!(p.vmo_create_child(c, SLICE, 0, P), ZX_ERR_NOT_SUPPORTED);
    assert_eq!(vmo_info(&p, r).num_children, 0);
    assert_eq!(vmo_info(&p, c).num_children, 0);
    finish(&k, &p, &[r, noresize, a, c]);
}

#[test]
fn slice_shares_pages_both_ways() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    let s = child(&p, a, SLICE, P, 2 * P);
    let si = vmo_info(&p, s);
    assert_eq!(si.parent_koid, koid_of(&p, a));
    assert_eq!(si.size_bytes, 2 * P);
    assert_eq!(si.flags & ZX_INFO_VMO_IS_COW_CLONE, 0, "a slice is not a COW clone");
    assert_eq!(si.flags & ZX_INFO_VMO_RESIZABLE, 0);
    assert_eq!(content_size(&p, s), 2 * P);
    assert_eq!(pages(&p, s, 2), [2, 3]);
    // Writes through the slice land in the parent, and the other way round.
    tag(&p, s, 0, 0x52); // the parent's page 1
    tag(&p, a, 2, 0xA3); // the slice's page 1
    assert_eq!(pages(&p, a, 4), [1, 0x52, 0xA3, 4]);
    assert_eq!(pages(&p, s, 2), [0x52, 0xA3]);
    ok!(p.vmo_write(s, b"sl", 2 * P - 2));
    ok!(p.vmo_write(a, b"root", P + 100));
    assert_eq!(read_vec(&p, s, 100, 4), b"root");
    assert_eq!(read_vec(&p, a, 3 * P - 4, 4), [0xA3, 0xA3, b's', b'l']);
    assert_eq!(read_vec(&p, a, 3 * P, 4), [4; 4]);
    // The slice cannot reach beyond its window.
    assert_err!(p.vmo_write(s, b"xx", 2 * P - 1), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_read(s, &mut [0u8; 1], 2 * P), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(read_vec(&p, a, 3 * P, 4), [4; 4]);
    // A slice is not resizable.
    assert_err!(p.vmo_set_size(s, P), ZX_ERR_UNAVAILABLE);
    // Pages written through the slice belong to the parent: no more than the parent's 4.
    assert_eq!(vmo_bytes(&k), 4 * P);
    finish(&k, &p, &[s, a]);
}

#[test]
fn slice_survives_the_parent_handle_and_keeps_sharing() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let s1 = child(&p, a, SLICE, 0, 2 * P);
    let s2 = child(&p, a, SLICE, P, P);
    ok!(p.handle_close(a));
    tag(&p, s1, 1, 0x99);
    assert_eq!(pages(&p, s2, 1), [0x99]);
    assert_eq!(pages(&p, s1, 2), [1, 0x99]);
    finish(&k, &p, &[s1, s2]);
}

#[test]
fn nested_slices_share_pages_at_every_depth() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4, 5, 6], 0);
    let s1 = child(&p, a, SLICE, P, 4 * P); // a[1..5)
    let s2 = child(&p, s1, SLICE, P, 3 * P); // a[2..5)
    let s3 = child(&p, s2, SLICE, 2 * P, P); // a[4..5)
    assert_eq!(pages(&p, s1, 4), [2, 3, 4, 5]);
    assert_eq!(pages(&p, s2, 3), [3, 4, 5]);
    assert_eq!(pages(&p, s3, 1), [5]);
    assert_eq!(vmo_info(&p, s2).parent_koid, koid_of(&p, s1));
    assert_eq!(vmo_info(&p, s3).parent_koid, koid_of(&p, s2));
    tag(&p, s3, 0, 0x35);
    tag(&p, a, 2, 0xA2);
    tag(&p, s1, 2, 0x13);
    assert_eq!(pages(&p, a, 6), [1, 2, 0xA2, 0x13, 0x35, 6]);
    assert_eq!(pages(&p, s2, 3), [0xA2, 0x13, 0x35]);
    assert_eq!(pages(&p, s3, 1), [0x35]);
    for h in [s1, s2, s3] {
        assert_eq!(vmo_info(&p, h).flags & ZX_INFO_VMO_IS_COW_CLONE, 0);
    }
    assert_eq!(vmo_bytes(&k), 6 * P);
    finish(&k, &p, &[s3, s2, s1, a]);
}

#[test]
fn slice_writes_show_in_the_parent_but_not_in_its_snapshot() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let s = child(&p, a, SLICE, 0, 2 * P);
    let c = snap(&p, a, 0, 2 * P);
    tag(&p, s, 0, 0x50);
    tag(&p, a, 1, 0xA1);
    assert_eq!(pages(&p, a, 2), [0x50, 0xA1]);
    assert_eq!(pages(&p, s, 2), [0x50, 0xA1]);
    assert_eq!(pages(&p, c, 2), [1, 2]);
    tag(&p, c, 0, 0xC0);
    assert_eq!(pages(&p, s, 2), [0x50, 0xA1]);
    assert_clean(&k);
    finish(&k, &p, &[s, c, a]);
}

#[test]
fn slice_of_a_snapshot_child_shares_the_childs_pages() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let c = snap(&p, a, 0, 2 * P);
    let s = child(&p, c, SLICE, P, P);
    assert_eq!(pages(&p, s, 1), [2]);
    tag(&p, s, 0, 0x77);
    assert_eq!(pages(&p, c, 2), [1, 0x77]);
    assert_eq!(pages(&p, a, 2), [1, 2]);
    tag(&p, a, 1, 0x88);
    assert_eq!(pages(&p, s, 1), [0x77]);
    finish(&k, &p, &[s, c, a]);
}

// ---------------------------------------------------------------------------------------------
// REFERENCE
// ---------------------------------------------------------------------------------------------

#[test]
fn reference_offset_and_size_must_be_zero() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    for (off, size) in [(P, 0), (0, P), (1, 0), (0, 1), (P, P), (0, 2 * P)] {
        assert_err!(p.vmo_create_child(a, REFERENCE, off, size), ZX_ERR_INVALID_ARGS);
        assert_err!(p.vmo_create_child(a, REFERENCE | NO_WRITE, off, size), ZX_ERR_INVALID_ARGS);
    }
    // Offset/size come before the slice-parent check.
    let s = child(&p, a, SLICE, 0, P);
    assert_err!(p.vmo_create_child(s, REFERENCE, P, 0), ZX_ERR_INVALID_ARGS);
    assert_eq!(vmo_info(&p, a).num_children, 1);
    finish(&k, &p, &[s, a]);
}

#[test]
fn reference_of_a_slice_is_not_supported() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let s = child(&p, a, SLICE, 0, 2 * P);
    assert_err!(p.vmo_create_child(s, REFERENCE, 0, 0), ZX_ERR_NOT_SUPPORTED);
    assert_err!(p.vmo_create_child(s, REFERENCE | NO_WRITE, 0, 0), ZX_ERR_NOT_SUPPORTED);
    assert_eq!(vmo_info(&p, s).num_children, 0);
    finish(&k, &p, &[s, a]);
}

#[test]
fn reference_resizable_needs_a_resizable_parent_and_resize_on_the_handle() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    assert_err!(p.vmo_create_child(a, REFERENCE | CHILD_RESIZABLE, 0, 0), ZX_ERR_NOT_SUPPORTED);
    let r = tagged(&p, &[2], ZX_VMO_RESIZABLE);
    let noresize = dup(&p, r, ZX_DEFAULT_VMO_RIGHTS);
    assert_err!(
        p.vmo_create_child(noresize, REFERENCE | CHILD_RESIZABLE, 0, 0),
        ZX_ERR_ACCESS_DENIED
    );
    // Without RESIZABLE the same handle is fine.
    let plain = child(&p, noresize, REFERENCE, 0, 0);
    assert_eq!(rights_of(&p, plain) & ZX_RIGHT_RESIZE, 0);
    let rr = child(&p, r, REFERENCE | CHILD_RESIZABLE, 0, 0);
    assert_ne!(rights_of(&p, rr) & ZX_RIGHT_RESIZE, 0);
    assert_eq!(vmo_info(&p, r).num_children, 2);
    assert_eq!(vmo_info(&p, a).num_children, 0);
    finish(&k, &p, &[a, r, noresize, plain, rr]);
}

#[test]
fn reference_shares_content_size_changes_and_content_size() {
    let (k, p) = setup();
    let r = vmo_opts(&p, 5000, ZX_VMO_RESIZABLE);
    fill(&p, r, 0, 5000, 0x3C);
    let rf = child(&p, r, REFERENCE | CHILD_RESIZABLE, 0, 0);
    let ri = vmo_info(&p, rf);
    assert_eq!(ri.parent_koid, koid_of(&p, r));
    assert_eq!(ri.size_bytes, 2 * P);
    assert_eq!(ri.flags & ZX_INFO_VMO_IS_COW_CLONE, 0);
    assert_ne!(ri.flags & ZX_INFO_VMO_RESIZABLE, 0);
    assert_eq!(content_size(&p, rf), 5000);
    assert_eq!(read_vec(&p, rf, 4990, 20), [[0x3Cu8; 10], [0u8; 10]].concat());
    // Writes both ways.
    ok!(p.vmo_write(rf, b"ref", 10));
    ok!(p.vmo_write(r, b"root", P));
    assert_eq!(read_vec(&p, r, 10, 3), b"ref");
    assert_eq!(read_vec(&p, rf, P, 4), b"root");
    // Size changes through the parent show in the reference ...
    ok!(p.vmo_set_size(r, 3 * P + 1));
    assert_eq!(ok!(p.vmo_get_size(rf)), 4 * P);
    assert_eq!(content_size(&p, rf), 3 * P + 1);
    tag(&p, rf, 3, 0x44);
    assert_bytes(&p, r, 3 * P, P as usize, 0x44);
    // ... and through the reference in the parent.
    ok!(p.vmo_set_size(rf, P));
    assert_eq!(ok!(p.vmo_get_size(r)), P);
    assert_eq!(content_size(&p, r), P);
    ok!(p.vmo_set_size(rf, 2 * P));
    assert_bytes(&p, r, P, P as usize, 0); // cut off and grown back: zero
    assert_bytes(&p, rf, P, P as usize, 0);
    assert_eq!(read_vec(&p, rf, 10, 3), b"ref");
    // The content size property is shared too.
    ok!(p.object_set_property(r, ZX_PROP_VMO_CONTENT_SIZE, &1234u64.to_le_bytes()));
    assert_eq!(content_size(&p, rf), 1234);
    ok!(p.object_set_property(rf, ZX_PROP_VMO_CONTENT_SIZE, &4321u64.to_le_bytes()));
    assert_eq!(content_size(&p, r), 4321);
    assert_clean(&k);
    finish(&k, &p, &[rf, r]);
}

#[test]
fn reference_outlives_the_parent_handle() {
    let (k, p) = setup();
    let a = tagged(&p, &[0x21, 0x22], 0);
    let rf = child(&p, a, REFERENCE, 0, 0);
    ok!(p.handle_close(a));
    assert_eq!(pages(&p, rf, 2), [0x21, 0x22]);
    tag(&p, rf, 0, 0x31);
    assert_eq!(pages(&p, rf, 2), [0x31, 0x22]);
    finish(&k, &p, &[rf]);
}

// ---------------------------------------------------------------------------------------------
// num_children and ZX_VMO_ZERO_CHILDREN
// ---------------------------------------------------------------------------------------------

#[test]
fn num_children_counts_every_child_type_and_hidden_nodes_stay_hidden() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let c1 = snap(&p, a, 0, 2 * P);
    let c2 = snap(&p, a, 0, P);
    let s = child(&p, a, SLICE, 0, P);
    let rf = child(&p, a, REFERENCE, 0, 0);
    let al = child(&p, a, ALOW, 0, P);
    let m = child(&p, a, MODIFIED, 0, P);
    assert_eq!(vmo_info(&p, a).num_children, 6);
    for h in [c1, c2, s, rf, al, m] {
        assert_eq!(vmo_info(&p, h).parent_koid, koid_of(&p, a));
        assert_eq!(vmo_info(&p, h).num_children, 0);
    }
    let g = snap(&p, c1, 0, 2 * P);
    assert_eq!(vmo_info(&p, c1).num_children, 1);
    assert_eq!(vmo_info(&p, a).num_children, 6, "a grandchild is not the parent's child");
    assert_eq!(vmo_info(&p, g).parent_koid, koid_of(&p, c1));
    assert_eq!(vmo_info(&p, a).parent_koid, 0);
    ok!(p.handle_close(c2));
    ok!(p.handle_close(s));
    assert_eq!(vmo_info(&p, a).num_children, 4);
    ok!(p.handle_close(g));
    assert_eq!(vmo_info(&p, c1).num_children, 0);
    finish(&k, &p, &[a, c1, rf, al, m]);
}

#[test]
fn zero_children_is_cleared_by_the_first_child_and_back_after_the_last() {
    let (k, p) = setup();
    for o in [SNAPSHOT, ALOW, MODIFIED, SLICE, REFERENCE, SNAPSHOT | NO_WRITE] {
        let a = tagged(&p, &[1], 0);
        assert!(zero_children(&p, a), "{o:#x}: a new VMO has no children");
        let size = if o & REFERENCE != 0 { 0 } else { P };
        let c1 = child(&p, a, o, 0, size);
        assert!(!zero_children(&p, a), "{o:#x}: cleared by the first child");
        assert!(zero_children(&p, c1), "{o:#x}: the child has no children");
        let c2 = child(&p, a, o, 0, size);
        let c1_dup = dup(&p, c1, ZX_RIGHT_SAME_RIGHTS);
        ok!(p.handle_close(c1));
        assert!(!zero_children(&p, a), "{o:#x}: c1 lives on through its duplicate");
        ok!(p.handle_close(c2));
        assert!(!zero_children(&p, a), "{o:#x}: one child is left");
        assert_eq!(vmo_info(&p, a).num_children, 1);
        ok!(p.handle_close(c1_dup));
        assert!(zero_children(&p, a), "{o:#x}: asserted again after the last child");
        assert_eq!(vmo_info(&p, a).num_children, 0);
        // And it goes away again with a new child.
        let c3 = child(&p, a, o, 0, size);
        assert!(!zero_children(&p, a));
        finish(&k, &p, &[c3, a]);
    }
}

#[test]
fn zero_children_of_a_failed_create_child_stays_asserted() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    assert_err!(p.vmo_create_child(a, SNAPSHOT, 1, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_create_child(a, SLICE, 0, 2 * P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_create_child(a, REFERENCE, 0, P), ZX_ERR_INVALID_ARGS);
    assert!(zero_children(&p, a));
    assert_eq!(vmo_info(&p, a).num_children, 0);
    finish(&k, &p, &[a]);
}

#[test]
fn a_blocked_wait_for_zero_children_is_woken_when_the_last_child_closes() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let c1 = snap(&p, a, 0, 2 * P);
    let c2 = child(&p, a, SLICE, 0, P);
    let q = p.clone();
    let waiter = thread::spawn(move || q.object_wait_one(a, ZC, ZX_TIME_INFINITE));
    thread::sleep(Duration::from_millis(20));
    assert!(!waiter.is_finished(), "the wait returned while children were alive");
    ok!(p.handle_close(c1));
    thread::sleep(Duration::from_millis(20));
    assert!(!waiter.is_finished(), "the wait returned while one child was alive");
    ok!(p.handle_close(c2));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !waiter.is_finished() {
        assert!(Instant::now() < deadline, "the waiter was not woken by the last child's close");
        thread::sleep(Duration::from_millis(1));
    }
    let got = waiter.join().expect("waiter panicked");
    match got {
        Ok(s) => assert_ne!(s & ZC, 0, "observed {s:#x}"),
        Err(s) => panic!("the wait failed: {s}"),
    }
    finish(&k, &p, &[a]);
}

// ---------------------------------------------------------------------------------------------
// op_range in copy-on-write relations
// ---------------------------------------------------------------------------------------------

#[test]
fn commit_in_a_snapshot_child_forks_the_visible_content_in() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xA0, 0xA1, 0, 0], 0);
    let c = snap(&p, a, 0, 4 * P);
    assert_eq!(vmo_bytes(&k), 2 * P);
    let before = vmo_info(&p, c);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_COMMIT, 0, 4 * P, &mut []));
    assert_clean(&k);
    let after = vmo_info(&p, c);
    assert!(after.committed_bytes > before.committed_bytes);
    assert_eq!(after.committed_bytes, 4 * P);
    assert_eq!(after.committed_private_bytes, 4 * P);
    // Pages 0 and 1 were copied (the parent still sees them), 2 and 3 are new zero pages.
    assert_eq!(vmo_bytes(&k), 6 * P);
    assert_eq!(pages(&p, c, 4), [0xA0, 0xA1, 0, 0]);
    // The parent was left alone: it still has its two pages, now its own alone.
    let ai = vmo_info(&p, a);
    assert_eq!(ai.committed_bytes, 2 * P);
    assert_eq!(ai.committed_private_bytes, 2 * P);
    assert_eq!(pages(&p, a, 4), [0xA0, 0xA1, 0, 0]);
    // A parent write now moves its (no longer shared) page: nothing new is allocated.
    tag(&p, a, 0, 0xB0);
    assert_eq!(vmo_bytes(&k), 6 * P);
    assert_eq!(pages(&p, c, 1), [0xA0]);
    // Committing again changes nothing; an unaligned range is widened to whole pages.
    ok!(p.vmo_op_range(c, ZX_VMO_OP_COMMIT, 10, 20, &mut []));
    assert_eq!(vmo_bytes(&k), 6 * P);
    assert_err!(p.vmo_op_range(c, ZX_VMO_OP_COMMIT, 0, 5 * P, &mut []), ZX_ERR_OUT_OF_RANGE);
    finish(&k, &p, &[a, c]);
}

#[test]
fn commit_in_a_child_where_nothing_is_visible_leaves_the_parent_alone() {
    let (k, p) = setup();
    let a = vmo(&p, 2 * P);
    let c = snap(&p, a, 0, 3 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_COMMIT, 0, 3 * P, &mut []));
    assert_eq!(vmo_info(&p, c).committed_bytes, 3 * P);
    assert_eq!(vmo_info(&p, a).committed_bytes, 0);
    assert_eq!(vmo_bytes(&k), 3 * P);
    assert_eq!(pages(&p, c, 3), [0, 0, 0]);
    // The parent still diverges independently.
    tag(&p, a, 1, 5);
    assert_eq!(pages(&p, c, 3), [0, 0, 0]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn commit_in_a_child_whose_parent_is_gone_moves_the_pages() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(vmo_bytes(&k), 2 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_COMMIT, 0, 2 * P, &mut []));
    assert_eq!(vmo_bytes(&k), 2 * P, "the child is the pages' only user: moved, not copied");
    assert_eq!(pages(&p, c, 2), [1, 2]);
    finish(&k, &p, &[c]);
}

#[test]
fn decommit_in_a_snapshot_child_or_its_parent_is_not_supported() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let c = snap(&p, a, 0, 2 * P);
    for h in [a, c] {
        assert_err!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, P, &mut []), ZX_ERR_NOT_SUPPORTED);
        assert_err!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, 2 * P, &mut []), ZX_ERR_NOT_SUPPORTED);
        // Check order: end past size, then length 0, then the COW relation, then alignment.
        assert_err!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, 3 * P, &mut []), ZX_ERR_OUT_OF_RANGE);
        assert_err!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 3 * P, 0, &mut []), ZX_ERR_OUT_OF_RANGE);
        assert_err!(
            p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 1, u64::MAX, &mut []),
            ZX_ERR_OUT_OF_RANGE
        );
        ok!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, P, 0, &mut []));
        assert_err!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 1, 10, &mut []), ZX_ERR_NOT_SUPPORTED);
        assert_err!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, P + 1, &mut []), ZX_ERR_NOT_SUPPORTED);
    }
    // Nothing changed.
    assert_eq!(pages(&p, a, 2), [1, 2]);
    assert_eq!(pages(&p, c, 2), [1, 2]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    // A slice acts on its parent's range: the parent is in a COW relation.
    let s = child(&p, a, SLICE, 0, 2 * P);
    assert_err!(p.vmo_op_range(s, ZX_VMO_OP_DECOMMIT, 0, P, &mut []), ZX_ERR_NOT_SUPPORTED);
    assert_err!(p.vmo_op_range(s, ZX_VMO_OP_DECOMMIT, 0, 3 * P, &mut []), ZX_ERR_OUT_OF_RANGE);
    finish(&k, &p, &[s, a, c]);
}

#[test]
fn decommit_works_again_once_the_snapshot_children_are_gone() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], 0);
    let c1 = snap(&p, a, 0, 3 * P);
    let c2 = snap(&p, a, P, P);
    let g = snap(&p, c1, 0, P);
    ok!(p.handle_close(g));
    // c1 is still a snapshot child.
    assert_err!(p.vmo_op_range(c1, ZX_VMO_OP_DECOMMIT, 0, P, &mut []), ZX_ERR_NOT_SUPPORTED);
    ok!(p.handle_close(c1));
    assert_err!(p.vmo_op_range(a, ZX_VMO_OP_DECOMMIT, 0, P, &mut []), ZX_ERR_NOT_SUPPORTED);
    ok!(p.handle_close(c2));
    assert_clean(&k);
    ok!(p.vmo_op_range(a, ZX_VMO_OP_DECOMMIT, 0, P, &mut []));
    assert_eq!(pages(&p, a, 3), [0, 2, 3]);
    assert_eq!(vmo_info(&p, a).committed_bytes, 2 * P);
    assert_eq!(vmo_bytes(&k), 2 * P);
    // ... with its own checks again.
    assert_err!(p.vmo_op_range(a, ZX_VMO_OP_DECOMMIT, 1, P, &mut []), ZX_ERR_INVALID_ARGS);
    ok!(p.vmo_op_range(a, ZX_VMO_OP_DECOMMIT, 0, 3 * P, &mut []));
    assert_eq!(pages(&p, a, 3), [0, 0, 0]);
    assert_eq!(vmo_bytes(&k), 0);
    finish(&k, &p, &[a]);
}

#[test]
fn decommit_with_only_slices_and_references_works_on_the_shared_pages() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], 0);
    let s = child(&p, a, SLICE, P, 2 * P);
    let rf = child(&p, a, REFERENCE, 0, 0);
    // Through the slice: its page 0 is the parent's page 1.
    ok!(p.vmo_op_range(s, ZX_VMO_OP_DECOMMIT, 0, P, &mut []));
    assert_eq!(pages(&p, a, 3), [1, 0, 3]);
    assert_eq!(pages(&p, rf, 3), [1, 0, 3]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    ok!(p.vmo_op_range(rf, ZX_VMO_OP_DECOMMIT, 0, P, &mut []));
    assert_eq!(pages(&p, s, 2), [0, 3]);
    assert_eq!(pages(&p, a, 3), [0, 0, 3]);
    assert_eq!(vmo_info(&p, a).committed_bytes, P);
    assert_eq!(vmo_bytes(&k), P);
    finish(&k, &p, &[s, rf, a]);
}

#[test]
fn zero_in_a_child_hides_the_parent_content_and_the_parent_keeps_it() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xAA, 0xAB], 0);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, 0, 2 * P, &mut []));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 2), [0, 0]);
    assert_eq!(pages(&p, a, 2), [0xAA, 0xAB]);
    // Whole pages: no page is allocated for zeros.
    assert_eq!(vmo_bytes(&k), 2 * P);
    // The child can write again over its zeroed range.
    ok!(p.vmo_write(c, b"again", 5));
    assert_eq!(read_vec(&p, c, 0, 12), b"\0\0\0\0\0again\0\0");
    assert_eq!(pages(&p, a, 2), [0xAA, 0xAB]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn zero_of_part_of_a_page_in_a_child_zeroes_exactly_those_bytes() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xAA, 0xAB], 0);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, P - 100, 200, &mut []));
    let got = read_vec(&p, c, 0, 2 * P as usize);
    let mut want = [vec![0xAA; P as usize], vec![0xAB; P as usize]].concat();
    want[(P - 100) as usize..(P + 100) as usize].fill(0);
    assert_eq!(got, want);
    assert_eq!(pages(&p, a, 2), [0xAA, 0xAB]);
    // Both partial pages were forked into the child (copied: the parent still sees them).
    assert_eq!(vmo_bytes(&k), 4 * P);
    assert_clean(&k);
    finish(&k, &p, &[a, c]);
}

#[test]
fn zero_in_a_parent_keeps_the_childs_snapshot() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xAA, 0xAB], 0);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.vmo_op_range(a, ZX_VMO_OP_ZERO, 0, 2 * P, &mut []));
    assert_eq!(pages(&p, a, 2), [0, 0]);
    assert_eq!(pages(&p, c, 2), [0xAA, 0xAB]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    ok!(p.handle_close(c));
    assert_clean(&k);
    assert_eq!(vmo_bytes(&k), 0, "nobody sees the old pages any more");
    assert_eq!(pages(&p, a, 2), [0, 0]);
    finish(&k, &p, &[a]);
}

#[test]
fn zero_in_a_child_of_an_uncommitted_parent_commits_nothing() {
    let (k, p) = setup();
    let a = vmo(&p, 2 * P);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, 0, 2 * P, &mut []));
    assert_eq!(vmo_bytes(&k), 0);
    assert_eq!(vmo_info(&p, c).committed_bytes, 0);
    // The child's zero does not stop it from being a snapshot: parent writes stay invisible.
    tag(&p, a, 0, 9);
    assert_eq!(pages(&p, c, 2), [0, 0]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn zero_hides_parent_pages_even_after_the_parent_is_closed() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xAA, 0xAB, 0xAC], 0);
    let c = snap(&p, a, 0, 3 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, P, P, &mut []));
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 3), [0xAA, 0, 0xAC]);
    assert_eq!(vmo_bytes(&k), 2 * P, "the hidden page 1 is freed with the parent");
    finish(&k, &p, &[c]);
}

// ---------------------------------------------------------------------------------------------
// set_size of parents and children
// ---------------------------------------------------------------------------------------------

#[test]
fn a_child_created_without_resizable_cannot_change_size() {
    let (k, p) = setup();
    let r = tagged(&p, &[1], ZX_VMO_RESIZABLE);
    for o in [SNAPSHOT, ALOW, MODIFIED] {
        let c = child(&p, r, o, 0, P);
        assert_eq!(vmo_info(&p, c).flags & ZX_INFO_VMO_RESIZABLE, 0);
        assert_err!(p.vmo_set_size(c, 2 * P), ZX_ERR_UNAVAILABLE);
        assert_eq!(ok!(p.vmo_get_size(c)), P);
        ok!(p.handle_close(c));
    }
    finish(&k, &p, &[r]);
}

#[test]
fn a_resizable_child_shrinks_and_regrows_to_zeros_without_touching_the_parent() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], 0);
    let c = child(&p, a, SNAPSHOT | CHILD_RESIZABLE, 0, 3 * P);
    tag(&p, c, 2, 0xC2);
    ok!(p.vmo_set_size(c, P));
    assert_clean(&k);
    assert_err!(p.vmo_read(c, &mut [0u8; 1], P), ZX_ERR_OUT_OF_RANGE);
    ok!(p.vmo_set_size(c, 3 * P));
    assert_eq!(pages(&p, c, 3), [1, 0, 0]);
    assert_eq!(pages(&p, a, 3), [1, 2, 3]);
    // The child's own page 2 was freed by the shrink; the parent's pages remain.
    assert_eq!(vmo_bytes(&k), 3 * P);
    ok!(p.vmo_set_size(c, 5000));
    assert_eq!(content_size(&p, c), 5000);
    assert_eq!(ok!(p.vmo_get_size(c)), 2 * P);
    finish(&k, &p, &[a, c]);
}

/// Zircon's vmo-clone resize test: 4 tagged pages, a resizable snapshot, one private write on
/// each side, then one side shrinks to one page.
fn resize_case(resize_child: bool) {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], ZX_VMO_RESIZABLE);
    let c = child(&p, a, SNAPSHOT | CHILD_RESIZABLE, 0, 4 * P);
    tag(&p, a, 1, 5);
    tag(&p, c, 2, 5);
    assert_eq!(vmo_bytes(&k), 6 * P);
    let (target, other) = if resize_child { (c, a) } else { (a, c) };
    ok!(p.vmo_set_size(target, P));
    assert_clean(&k);
    let other_view = if resize_child { [1, 5, 3, 4] } else { [1, 2, 5, 4] };
    assert_eq!(pages(&p, other, 4), other_view);
    assert_eq!(pages(&p, target, 1), [1]);
    assert_eq!(vmo_bytes(&k), 4 * P, "pages nobody can see any more are freed at once");
    // Growing the shrunk side exposes nothing.
    ok!(p.vmo_set_size(target, 2 * P));
    assert_eq!(pages(&p, target, 2), [1, 0]);
    // The other side's write to page 3 (now seen by it alone) needs no new page.
    tag(&p, other, 3, 6);
    assert_eq!(vmo_bytes(&k), 4 * P);
    ok!(p.handle_close(other));
    assert_clean(&k);
    assert_eq!(pages(&p, target, 2), [1, 0]);
    assert_eq!(vmo_bytes(&k), P);
    finish(&k, &p, &[target]);
}

#[test]
fn resizing_a_snapshot_child_frees_what_nobody_sees() {
    resize_case(true);
}

#[test]
fn resizing_a_snapshotted_parent_frees_what_nobody_sees() {
    resize_case(false);
}

#[test]
fn shrinking_a_parent_to_zero_keeps_an_offset_child() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], ZX_VMO_RESIZABLE);
    let c = snap(&p, a, P, P);
    ok!(p.vmo_set_size(a, 0));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 1), [2]);
    assert_eq!(vmo_info(&p, a).committed_bytes, 0);
    assert_eq!(vmo_bytes(&k), P);
    finish(&k, &p, &[a, c]);
}

// ---------------------------------------------------------------------------------------------
// what fork-on-write costs
// ---------------------------------------------------------------------------------------------

#[test]
fn a_snapshot_costs_nothing_and_its_first_write_to_a_shared_page_costs_one_page() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    assert_eq!(vmo_bytes(&k), 2 * P);
    let c = snap(&p, a, 0, 2 * P);
    assert_eq!(vmo_bytes(&k), 2 * P, "creating a snapshot allocates no page");
    fill(&p, c, 10, 1, 0x42);
    assert_eq!(vmo_bytes(&k), 3 * P, "the first write forks one page");
    fill(&p, c, 20, 100, 0x43);
    assert_eq!(vmo_bytes(&k), 3 * P, "a second write to the forked page is free");
    fill(&p, a, P, 1, 0x44);
    assert_eq!(vmo_bytes(&k), 4 * P, "the parent forking page 1 costs one page");
    fill(&p, a, 0, 1, 0x45);
    assert_eq!(vmo_bytes(&k), 4 * P, "the parent alone sees the hidden page 0: moved");
    fill(&p, c, P + 5, 1, 0x46);
    assert_eq!(vmo_bytes(&k), 4 * P, "the child alone sees the hidden page 1: moved");
    assert_clean(&k);
    ok!(p.handle_close(a));
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[c]);
}

#[test]
fn after_the_parent_closes_the_childs_writes_move_pages_instead_of_copying() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], 0);
    let c = snap(&p, a, 0, 3 * P);
    tag(&p, c, 0, 0x10);
    assert_eq!(vmo_bytes(&k), 4 * P);
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(vmo_bytes(&k), 3 * P, "the parent's page 0 is seen by nobody: freed");
    tag(&p, c, 1, 0x11);
    assert_eq!(vmo_bytes(&k), 3 * P, "moved, not copied");
    tag(&p, c, 2, 0x12);
    assert_eq!(vmo_bytes(&k), 3 * P, "moved, not copied");
    assert_eq!(pages(&p, c, 3), [0x10, 0x11, 0x12]);
    finish(&k, &p, &[c]);
}

#[test]
fn parent_writes_outside_every_childs_window_cost_no_page() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], 0);
    let c = snap(&p, a, P, P);
    assert_eq!(pages(&p, c, 1), [2]);
    tag(&p, a, 0, 4);
    tag(&p, a, 2, 5);
    assert_eq!(vmo_bytes(&k), 3 * P);
    assert_eq!(pages(&p, c, 1), [2]);
    // Closing the parent frees everything the child cannot see.
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(vmo_bytes(&k), P);
    assert_eq!(pages(&p, c, 1), [2]);
    finish(&k, &p, &[c]);
}

#[test]
fn writes_into_a_family_of_uncommitted_snapshots_cost_one_page_each() {
    let (k, p) = setup();
    let v0 = vmo(&p, P);
    let v1 = snap(&p, v0, 0, P);
    let v2 = snap(&p, v0, 0, P);
    let v3 = snap(&p, v1, 0, P);
    let all = [v0, v1, v2, v3];
    assert_eq!(vmo_bytes(&k), 0);
    for (i, &h) in all.iter().enumerate() {
        fill(&p, h, 0, 4, i as u8 + 1);
        for (j, &o) in all.iter().enumerate() {
            let want = if j <= i { j as u8 + 1 } else { 0 };
            assert_eq!(read_vec(&p, o, 0, 4), [want; 4], "VMO {j} after write {i}");
        }
        assert_eq!(vmo_bytes(&k), (i as u64 + 1) * P);
    }
    finish(&k, &p, &all);
}

#[test]
fn disjoint_snapshots_keep_only_their_own_pages_after_the_parents_close() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    let mid = snap(&p, a, P, 2 * P);
    let leaves =
        [snap(&p, a, 0, P), snap(&p, mid, 0, P), snap(&p, mid, P, P), snap(&p, a, 3 * P, P)];
    ok!(p.handle_close(a));
    ok!(p.handle_close(mid));
    assert_clean(&k);
    assert_eq!(vmo_bytes(&k), 4 * P);
    for (i, &l) in leaves.iter().enumerate() {
        assert_eq!(pages(&p, l, 1), [i as u8 + 1]);
        tag(&p, l, 0, i as u8 + 5);
    }
    assert_eq!(vmo_bytes(&k), 4 * P, "each leaf is the last user of its page");
    for (i, &l) in leaves.iter().enumerate() {
        ok!(p.handle_close(l));
        assert_clean(&k);
        assert_eq!(vmo_bytes(&k), (3 - i as u64) * P);
    }
    assert_no_leak(&k);
}

#[test]
fn a_write_that_cannot_get_a_page_leaves_the_snapshot_unchanged() {
    let (k, p) = setup_with_pages(4);
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    let c = snap(&p, a, 0, 4 * P);
    assert_err!(p.vmo_write(c, &[9], 0), ZX_ERR_NO_MEMORY);
    assert_err!(p.vmo_op_range(c, ZX_VMO_OP_COMMIT, 0, P, &mut []), ZX_ERR_NO_MEMORY);
    assert_clean(&k);
    assert_eq!(pages(&p, c, 4), [1, 2, 3, 4]);
    assert_eq!(pages(&p, a, 4), [1, 2, 3, 4]);
    // Once the parent is gone the child is the last user and can write without a new page.
    ok!(p.handle_close(a));
    tag(&p, c, 0, 9);
    assert_eq!(pages(&p, c, 4), [9, 2, 3, 4]);
    finish(&k, &p, &[c]);
}

// ---------------------------------------------------------------------------------------------
// edges: huge windows, zero markers through generations, unbounded parents, wide and deep trees
// ---------------------------------------------------------------------------------------------

#[test]
fn a_snapshot_of_max_size_works_at_its_far_end() {
    let (k, p) = setup();
    let a = tagged(&p, &[0x5A], 0);
    let c = snap(&p, a, 0, MAX_SIZE);
    assert_eq!(ok!(p.vmo_get_size(c)), MAX_SIZE);
    assert_eq!(pages(&p, c, 1), [0x5A]);
    ok!(p.vmo_write(c, b"end", MAX_SIZE - 3));
    assert_eq!(read_vec(&p, c, MAX_SIZE - 4, 4), [0, b'e', b'n', b'd']);
    assert_err!(p.vmo_write(c, b"x", MAX_SIZE), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(vmo_bytes(&k), 2 * P);
    // A snapshot of the far end of that child.
    let far = snap(&p, c, MAX_SIZE - P, P);
    assert_eq!(read_vec(&p, far, P - 3, 3), b"end");
    finish(&k, &p, &[a, c, far]);
}

#[test]
fn children_of_an_unbounded_vmo() {
    let (k, p) = setup();
    let u = vmo_opts(&p, 3 * P, ZX_VMO_UNBOUNDED);
    assert_eq!(ok!(p.vmo_get_size(u)), MAX_SIZE);
    fill(&p, u, MAX_SIZE - P, P as usize, 0x71);
    fill(&p, u, 0, P as usize, 0x70);
    let s = child(&p, u, SNAPSHOT, MAX_SIZE - 2 * P, 2 * P);
    assert_eq!(pages(&p, s, 2), [0, 0x71]);
    let sl = child(&p, u, SLICE, MAX_SIZE - P, P);
    assert_eq!(pages(&p, sl, 1), [0x71]);
    tag(&p, sl, 0, 0x72);
    assert_bytes(&p, u, MAX_SIZE - P, P as usize, 0x72);
    assert_eq!(pages(&p, s, 2), [0, 0x71]);
    let rf = child(&p, u, REFERENCE, 0, 0);
    assert_eq!(ok!(p.vmo_get_size(rf)), MAX_SIZE);
    assert_eq!(content_size(&p, rf), 3 * P);
    assert_eq!(pages(&p, rf, 1), [0x70]);
    finish(&k, &p, &[s, sl, rf, u]);
}

#[test]
fn zeroed_pages_stay_zero_in_grandchildren_and_after_the_middle_closes() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], 0);
    let b = snap(&p, a, 0, 3 * P);
    ok!(p.vmo_op_range(b, ZX_VMO_OP_ZERO, P, P, &mut []));
    let c = snap(&p, b, 0, 3 * P);
    assert_eq!(pages(&p, c, 3), [1, 0, 3]);
    ok!(p.handle_close(b));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 3), [1, 0, 3]);
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 3), [1, 0, 3]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[c]);
}

#[test]
fn a_zero_of_never_committed_bytes_in_a_child_commits_nothing() {
    let (k, p) = setup();
    let a = vmo(&p, 2 * P);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, 100, 200, &mut []));
    ok!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, P - 1, 2, &mut []));
    assert_eq!(vmo_bytes(&k), 0);
    assert_eq!(pages(&p, c, 2), [0, 0]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn the_zero_children_signal_is_on_the_object_not_the_handle() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    let a2 = dup(&p, a, ZX_RIGHT_SAME_RIGHTS);
    let c = snap(&p, a2, 0, P);
    assert!(!zero_children(&p, a));
    assert_eq!(vmo_info(&p, a).num_children, 1);
    ok!(p.handle_close(a2));
    assert!(!zero_children(&p, a));
    ok!(p.handle_close(c));
    assert!(zero_children(&p, a));
    finish(&k, &p, &[a]);
}

#[test]
fn a_deep_chain_of_forty_snapshots() {
    let (k, p) = setup();
    let mut chain = vec![tagged(&p, &[0xFF, 0xFF], 0)];
    for i in 1..40u8 {
        let c = snap(&p, *chain.last().unwrap(), 0, 2 * P);
        fill(&p, c, u64::from(i), 1, i);
        chain.push(c);
    }
    let last = *chain.last().unwrap();
    let mut want = vec![0xFFu8; 41];
    for (i, b) in want.iter_mut().enumerate().skip(1).take(39) {
        *b = i as u8;
    }
    assert_eq!(read_vec(&p, last, 0, 41), want);
    // Close every other level, then the rest from the top.
    for (i, &h) in chain.iter().enumerate() {
        if i % 2 == 1 && h != last {
            ok!(p.handle_close(h));
        }
    }
    assert_clean(&k);
    assert_eq!(read_vec(&p, last, 0, 41), want);
    for (i, &h) in chain.iter().enumerate() {
        if i % 2 == 0 {
            ok!(p.handle_close(h));
        }
    }
    assert_clean(&k);
    assert_eq!(read_vec(&p, last, 0, 41), want);
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[last]);
}

#[test]
fn a_hundred_siblings() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xEE, 0xEE], 0);
    let kids: Vec<_> = (0..100).map(|_| snap(&p, a, 0, 2 * P)).collect();
    for (i, &c) in kids.iter().enumerate() {
        fill(&p, c, i as u64, 1, i as u8);
    }
    tag(&p, a, 1, 0xAA);
    assert_eq!(vmo_info(&p, a).num_children, 100);
    for (i, &c) in kids.iter().enumerate() {
        let mut want = vec![0xEEu8; 100];
        want[i] = i as u8;
        assert_eq!(read_vec(&p, c, 0, 100), want, "sibling {i}");
        assert_eq!(read_vec(&p, c, P, 1), [0xEE]);
    }
    ok!(p.handle_close(a));
    for &c in kids.iter().step_by(3) {
        ok!(p.handle_close(c));
    }
    assert_clean(&k);
    for (i, &c) in kids.iter().enumerate() {
        if i % 3 != 0 {
            assert_eq!(read_vec(&p, c, i as u64, 1), [i as u8]);
            assert_eq!(read_vec(&p, c, P, 1), [0xEE]);
        }
    }
    let rest: Vec<_> =
        kids.iter().enumerate().filter(|(i, _)| i % 3 != 0).map(|(_, &c)| c).collect();
    finish(&k, &p, &rest);
}

// ---------------------------------------------------------------------------------------------
// threads
// ---------------------------------------------------------------------------------------------

#[test]
fn concurrent_writers_in_one_family_see_only_their_own_writes() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 1, 1, 1], 0);
    let kids = [snap(&p, a, 0, 4 * P), snap(&p, a, 0, 4 * P), snap(&p, a, 0, 4 * P)];
    let family = [a, kids[0], kids[1], kids[2]];
    thread::scope(|scope| {
        for (t, &h) in family.iter().enumerate() {
            let p = &p;
            scope.spawn(move || {
                let mine = 0x10 + t as u8;
                for round in 0..50u64 {
                    let page = (round + t as u64) % 4;
                    fill(p, h, page * P, P as usize, mine);
                    for (i, b) in pages(p, h, 4).into_iter().enumerate() {
                        assert!(b == 1 || b == mine, "thread {t}: page {i} reads {b:#x}");
                    }
                }
            });
        }
        // A fifth thread snapshots the parent again and again while it changes.
        let p = &p;
        scope.spawn(move || {
            for _ in 0..50 {
                let s = snap(p, a, 0, 4 * P);
                for (i, b) in pages(p, s, 4).into_iter().enumerate() {
                    assert!(b == 1 || b == 0x10, "snapshot page {i} reads {b:#x}");
                }
                ok!(p.handle_close(s));
            }
        });
    });
    assert_clean(&k);
    for (t, &h) in family.iter().enumerate() {
        assert_eq!(pages(&p, h, 4), [0x10 + t as u8; 4]);
    }
    assert_eq!(vmo_bytes(&k), 16 * P);
    finish(&k, &p, &family);
}

#[test]
fn closing_the_parent_while_the_child_writes_loses_nothing() {
    for _ in 0..20 {
        let (k, p) = setup();
        let a = tagged(&p, &[1, 2, 3, 4, 5, 6, 7, 8], 0);
        let c = snap(&p, a, 0, 8 * P);
        thread::scope(|scope| {
            let q = &p;
            scope.spawn(move || {
                for page in 0..8 {
                    fill(q, c, page * P, 16, 0xC0 + page as u8);
                }
            });
            ok!(p.handle_close(a));
        });
        assert_clean(&k);
        for page in 0..8u64 {
            let got = read_vec(&p, c, page * P, P as usize);
            assert_eq!(got[..16], [0xC0 + page as u8; 16]);
            assert!(got[16..].iter().all(|&b| b == page as u8 + 1), "page {page}");
        }
        finish(&k, &p, &[c]);
    }
}

// ---------------------------------------------------------------------------------------------
// a random family of snapshots checked against a byte model
// ---------------------------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Model {
    handle: zx_handle_t,
    resizable: bool,
    bytes: Vec<u8>,
}

#[test]
fn random_snapshot_families_match_a_byte_model() {
    for seed in 1..=4u64 {
        let (k, p) = setup();
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut live = vec![
            Model {
                handle: vmo_opts(&p, 4 * P, ZX_VMO_RESIZABLE),
                resizable: true,
                bytes: vec![0; 4 * P as usize],
            },
            Model { handle: vmo(&p, 3 * P), resizable: false, bytes: vec![0; 3 * P as usize] },
        ];
        let mut stamp = 0u8;
        for step in 0..160 {
            let i = rng.below(live.len() as u64) as usize;
            let h = live[i].handle;
            let size = live[i].bytes.len() as u64;
            let op = rng.below(10);
            let what;
            match op {
                0..=2 if size > 0 => {
                    stamp = stamp.wrapping_add(1).max(1);
                    let off = rng.below(size);
                    let len = (1 + rng.below(2 * P)).min(size - off);
                    what = format!("write {len:#x} at {off:#x} in #{i}");
                    fill(&p, h, off, len as usize, stamp);
                    live[i].bytes[off as usize..(off + len) as usize].fill(stamp);
                }
                3 | 4 if live.len() < 10 => {
                    let off = rng.below(size / P + 2) * P;
                    // Page-aligned: what a child shows past an unaligned content size inside its
                    // last page is not specified.
                    let csize = rng.below(7) * P;
                    let o = [SNAPSHOT, SNAPSHOT | CHILD_RESIZABLE, ALOW, MODIFIED]
                        [rng.below(4) as usize];
                    what = format!("child {o:#x} ({off:#x}, {csize:#x}) of #{i}");
                    let c = child(&p, h, o, off, csize);
                    let mut bytes = vec![0u8; csize as usize];
                    for (j, b) in bytes.iter_mut().enumerate() {
                        *b = live[i].bytes.get(off as usize + j).copied().unwrap_or(0);
                    }
                    live.push(Model { handle: c, resizable: o & CHILD_RESIZABLE != 0, bytes });
                }
                5 if live.len() > 1 => {
                    what = format!("close #{i}");
                    ok!(p.handle_close(h));
                    live.swap_remove(i);
                }
                6 if size > 0 => {
                    let off = rng.below(size);
                    let len = rng.below(size - off + 1);
                    what = format!("zero {len:#x} at {off:#x} in #{i}");
                    ok!(p.vmo_op_range(h, ZX_VMO_OP_ZERO, off, len, &mut []));
                    live[i].bytes[off as usize..(off + len) as usize].fill(0);
                }
                7 if size > 0 => {
                    let off = rng.below(size);
                    let len = rng.below(size - off + 1);
                    what = format!("commit {len:#x} at {off:#x} in #{i}");
                    ok!(p.vmo_op_range(h, ZX_VMO_OP_COMMIT, off, len, &mut []));
                }
                8 if live[i].resizable => {
                    let new = rng.below(6 * P + 1);
                    what = format!("set_size #{i} to {new:#x}");
                    ok!(p.vmo_set_size(h, new));
                    let b = &mut live[i].bytes;
                    b.resize(round_up(new) as usize, 0);
                    b[new as usize..].fill(0);
                }
                9 if size > 0 => {
                    let off = rng.below(size / P) * P;
                    let len = rng.below((size - off) / P + 1) * P;
                    what = format!("decommit {len:#x} at {off:#x} in #{i}");
                    match p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, off, len, &mut []) {
                        Ok(()) => live[i].bytes[off as usize..(off + len) as usize].fill(0),
                        Err(s) if s == st(ZX_ERR_NOT_SUPPORTED) => {}
                        Err(s) => panic!("seed {seed} step {step}: {what}: {s}"),
                    }
                }
                _ => continue,
            }
            if let Err(e) = k.check_invariants() {
                panic!("seed {seed} step {step}: after {what}: {e}");
            }
            for (j, m) in live.iter().enumerate() {
                let got = read_vec(&p, m.handle, 0, m.bytes.len());
                if let Some(x) = got.iter().zip(&m.bytes).position(|(a, b)| a != b) {
                    panic!(
                        "seed {seed} step {step}: after {what}: #{j} byte {x:#x} is {:#x}, model {:#x}",
                        got[x], m.bytes[x]
                    );
                }
                assert_eq!(ok!(p.vmo_get_size(m.handle)), m.bytes.len() as u64);
            }
            // Every page the allocator holds is seen by somebody, and attributed exactly once.
            let mut scaled: u128 = 0;
            let mut seen = 0u64;
            for m in &live {
                let i = vmo_info(&p, m.handle);
                scaled += (u128::from(i.committed_scaled_bytes) << 63)
                    + u128::from(i.committed_fractional_scaled_bytes);
                seen += i.committed_bytes / P;
                assert!(i.committed_bytes <= i.size_bytes);
            }
            let held = u128::from(vmo_bytes(&k)) << 63;
            assert!(
                scaled <= held && held - scaled <= u128::from(seen.max(1)),
                "seed {seed} step {step}: after {what}: scaled sum {} vs vmo_bytes {}",
                scaled >> 63,
                vmo_bytes(&k)
            );
        }
        let handles: Vec<_> = live.iter().map(|m| m.handle).collect();
        finish(&k, &p, &handles);
    }
}

// ---------------------------------------------------------------------------------------------
// slices and references beside snapshots, after the parent handle is gone
// ---------------------------------------------------------------------------------------------

#[test]
fn a_slice_keeps_writing_the_closed_parents_pages_and_its_snapshot_does_not_see_it() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let s = child(&p, a, SLICE, 0, 2 * P);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.handle_close(a));
    assert_clean(&k);
    tag(&p, s, 0, 0x51);
    assert_eq!(pages(&p, s, 2), [0x51, 2]);
    assert_eq!(pages(&p, c, 2), [1, 2]);
    tag(&p, c, 1, 0xC1);
    assert_eq!(pages(&p, s, 2), [0x51, 2]);
    ok!(p.handle_close(c));
    assert_clean(&k);
    assert_eq!(pages(&p, s, 2), [0x51, 2]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[s]);
}

#[test]
fn a_reference_keeps_writing_the_closed_parents_pages_and_its_snapshot_does_not_see_it() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], ZX_VMO_RESIZABLE);
    let rf = child(&p, a, REFERENCE | CHILD_RESIZABLE, 0, 0);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.handle_close(a));
    tag(&p, rf, 1, 0x52);
    assert_eq!(pages(&p, rf, 2), [1, 0x52]);
    assert_eq!(pages(&p, c, 2), [1, 2]);
    // Shrinking through the reference does not reach the snapshot either.
    ok!(p.vmo_set_size(rf, 0));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 2), [1, 2]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[rf, c]);
}

#[test]
fn a_reference_of_a_reference_shares_with_the_root() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    let r1 = child(&p, a, REFERENCE, 0, 0);
    let r2 = child(&p, r1, REFERENCE, 0, 0);
    assert_eq!(vmo_info(&p, r2).parent_koid, koid_of(&p, r1));
    tag(&p, r2, 0, 0x22);
    assert_eq!(pages(&p, a, 1), [0x22]);
    assert_eq!(pages(&p, r1, 1), [0x22]);
    assert_eq!(vmo_bytes(&k), P);
    finish(&k, &p, &[r2, r1, a]);
}

#[test]
fn a_snapshots_content_size_is_its_own() {
    let (k, p) = setup();
    let a = vmo(&p, 5000);
    let c = snap(&p, a, 0, 3000);
    assert_eq!(content_size(&p, c), 3000);
    ok!(p.object_set_property(c, ZX_PROP_VMO_CONTENT_SIZE, &77u64.to_le_bytes()));
    assert_eq!(content_size(&p, c), 77);
    assert_eq!(content_size(&p, a), 5000);
    ok!(p.object_set_property(a, ZX_PROP_VMO_CONTENT_SIZE, &99u64.to_le_bytes()));
    assert_eq!(content_size(&p, c), 77);
    finish(&k, &p, &[a, c]);
}

#[test]
fn koids_of_children_are_fresh() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    let mut seen = vec![koid_of(&p, a)];
    let mut open = vec![a];
    for o in [SNAPSHOT, SLICE, REFERENCE, ALOW, MODIFIED, SNAPSHOT] {
        let c = child(&p, a, o, 0, if o == REFERENCE { 0 } else { P });
        let kd = koid_of(&p, c);
        assert!(!seen.contains(&kd), "koid {kd} reused");
        seen.push(kd);
        open.push(c);
    }
    // Closing and creating again never brings an old koid back.
    ok!(p.handle_close(open.pop().unwrap()));
    let c = snap(&p, a, 0, P);
    assert!(!seen.contains(&koid_of(&p, c)));
    open.push(c);
    finish(&k, &p, &open);
}

#[test]
fn a_fork_that_runs_out_of_pages_midway_leaves_the_parent_intact() {
    let (k, p) = setup_with_pages(5);
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    let c = snap(&p, a, 0, 4 * P);
    // One free page, three shared pages to fork.
    assert_err!(p.vmo_write(c, &vec![9u8; 3 * P as usize], 0), ZX_ERR_NO_MEMORY);
    assert_clean(&k);
    assert_eq!(pages(&p, a, 4), [1, 2, 3, 4]);
    let got = pages(&p, c, 4);
    assert!(got[0] == 1 || got[0] == 9, "page 0 reads {:#x}", got[0]);
    assert_eq!(got[1..], [2, 3, 4], "pages past the first cannot have been written");
    assert!(vmo_bytes(&k) <= 5 * P);
    // Closing the parent gives the child every page; now the write needs none.
    ok!(p.handle_close(a));
    ok!(p.vmo_write(c, &vec![9u8; 3 * P as usize], 0));
    assert_eq!(pages(&p, c, 4), [9, 9, 9, 4]);
    finish(&k, &p, &[c]);
}
