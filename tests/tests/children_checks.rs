//! Conformance tests for docs/reference.md §5, part 1: the check order of `vmo_create_child`
//! and the child-rights formula.
//!
//! Attribution (§6) has its own file, `attribution.rs`; the shared helpers (`snap`, `tag`,
//! `tagged`, `pages`, `finish`) are in `tests/src/lib.rs`.

use zx_conformance::children::*;
use zx_conformance::*;
use zx_kernel::zx::*;

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
