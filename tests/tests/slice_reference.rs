//! Slices and references as Zircon's own tests see them: slice sizes round up like every
//! child's, a slice's window that overflows is INVALID_ARGS, a slice or reference keeps its
//! parent counting a child while anything holds it, and a reference is exactly as resizable
//! as what it refers to.

use zx_conformance::*;
use zx_kernel::zx::*;

// ---------------------------------------------------------------------------------------------
// Slice sizes
// ---------------------------------------------------------------------------------------------

#[test]
fn slice_with_an_unaligned_size_rounds_up() {
    let (kernel, p) = setup();
    let parent = vmo(&p, 3 * P);
    fill(&p, parent, 0, (3 * P) as usize, 0x5A);
    let s = child(&p, parent, ZX_VMO_CHILD_SLICE, P, P + 1);
    assert_eq!(ok!(p.vmo_get_size(s)), 2 * P, "the size rounds up to whole pages");
    assert_eq!(content_size(&p, s), P + 1, "the content size is the size asked for");
    // The whole rounded window is the slice's: its last page is the parent's third page.
    assert_bytes(&p, s, 2 * P - 8, 8, 0x5A);
    ok!(p.vmo_write(s, &[1, 2, 3], 2 * P - 3));
    assert_eq!(read_vec(&p, parent, 3 * P - 3, 3), vec![1, 2, 3]);
    assert_err!(p.vmo_read(s, &mut [0], 2 * P), ZX_ERR_OUT_OF_RANGE);
    // A size of a single byte is one page.
    let tiny = child(&p, parent, ZX_VMO_CHILD_SLICE, 0, 1);
    assert_eq!(ok!(p.vmo_get_size(tiny)), P);
    close_all(&p, &[tiny, s, parent]);
    assert_no_leak(&kernel);
}

#[test]
fn slice_that_rounds_past_the_parent_is_invalid_args() {
    let (kernel, p) = setup();
    let parent = vmo(&p, 2 * P);
    // P + 1 bytes at offset P round up to two pages: one past the parent's end.
    assert_err!(p.vmo_create_child(parent, ZX_VMO_CHILD_SLICE, P, P + 1), ZX_ERR_INVALID_ARGS);
    // Exactly up to the end is fine.
    let s = child(&p, parent, ZX_VMO_CHILD_SLICE, P, P - 1);
    assert_eq!(ok!(p.vmo_get_size(s)), P);
    close_all(&p, &[s, parent]);
    assert_no_leak(&kernel);
}

#[test]
fn slice_window_that_overflows_is_invalid_args() {
    let (kernel, p) = setup();
    let parent = vmo(&p, 2 * P);
    // The last page-aligned u64.
    let top_page = !(P - 1);
    // offset + size wraps around u64: the window is refused as not inside the parent.
    assert_err!(p.vmo_create_child(parent, ZX_VMO_CHILD_SLICE, top_page, P), ZX_ERR_INVALID_ARGS);
    assert_err!(
        p.vmo_create_child(parent, ZX_VMO_CHILD_SLICE, top_page, MAX_SIZE),
        ZX_ERR_INVALID_ARGS
    );
    // A size that cannot be rounded up at all is still OUT_OF_RANGE (checked first).
    assert_err!(p.vmo_create_child(parent, ZX_VMO_CHILD_SLICE, 0, u64::MAX), ZX_ERR_OUT_OF_RANGE);
    // An unaligned offset stays INVALID_ARGS.
    assert_err!(p.vmo_create_child(parent, ZX_VMO_CHILD_SLICE, 1, 1), ZX_ERR_INVALID_ARGS);
    assert_eq!(vmo_info(&p, parent).num_children, 0);
    close_all(&p, &[parent]);
    assert_no_leak(&kernel);
}

#[test]
fn slice_of_a_physical_vmo_with_an_unaligned_size_rounds_up() {
    let (kernel, p) = setup();
    let dev = Dev::new(&p);
    let phys = dev.physical(&p, 2);
    let s = child(&p, phys, ZX_VMO_CHILD_SLICE, 0, P + 7);
    assert_eq!(ok!(p.vmo_get_size(s)), 2 * P);
    ok!(p.vmo_write(s, b"end", 2 * P - 3));
    assert_eq!(read_vec(&p, phys, 2 * P - 3, 3), b"end".to_vec());
    close_all(&p, &[s, phys]);
    dev.close(&p);
    assert_no_leak(&kernel);
}

// ---------------------------------------------------------------------------------------------
// ZX_VMO_ZERO_CHILDREN while grandchildren hold their parents
// ---------------------------------------------------------------------------------------------

#[test]
fn zero_children_waits_for_a_grandchild_slice_closed_last() {
    let (kernel, p) = setup();
    let root = vmo(&p, P);
    assert!(zero_children(&p, root));
    let middle = child(&p, root, ZX_VMO_CHILD_SLICE, 0, P);
    assert!(!zero_children(&p, root));
    let grandchild = child(&p, middle, ZX_VMO_CHILD_SLICE, 0, P);
    assert!(!zero_children(&p, middle));
    // The middle slice's handle goes, but the grandchild still holds the middle slice.
    close_all(&p, &[middle]);
    assert!(!zero_children(&p, root), "a slice of the closed slice still keeps it alive");
    assert_eq!(vmo_info(&p, root).num_children, 1);
    // The grandchild still shares the root's pages.
    ok!(p.vmo_write(grandchild, b"through", 0));
    assert_eq!(read_vec(&p, root, 0, 7), b"through".to_vec());
    close_all(&p, &[grandchild]);
    assert!(zero_children(&p, root), "the last descendant is gone");
    assert_eq!(vmo_info(&p, root).num_children, 0);
    close_all(&p, &[root]);
    assert_no_leak(&kernel);
}

#[test]
fn zero_children_waits_for_a_reference_of_a_closed_reference() {
    let (kernel, p) = setup();
    let root = vmo(&p, P);
    let first = child(&p, root, ZX_VMO_CHILD_REFERENCE, 0, 0);
    let second = child(&p, first, ZX_VMO_CHILD_REFERENCE, 0, 0);
    close_all(&p, &[first]);
    assert!(!zero_children(&p, root));
    assert_eq!(vmo_info(&p, root).num_children, 1);
    close_all(&p, &[second]);
    assert!(zero_children(&p, root));
    close_all(&p, &[root]);
    assert_no_leak(&kernel);
}

#[test]
fn zero_children_comes_back_through_a_chain_of_slices_closed_top_down() {
    let (kernel, p) = setup();
    let root = vmo(&p, 4 * P);
    let mut chain = vec![child(&p, root, ZX_VMO_CHILD_SLICE, 0, 4 * P)];
    for depth in 1..4u64 {
        let parent = *chain.last().unwrap();
        chain.push(child(&p, parent, ZX_VMO_CHILD_SLICE, P, (4 - depth) * P - P));
    }
    // Close from the top: each closed slice stays alive for the one below it.
    for (i, &h) in chain.iter().enumerate() {
        assert!(!zero_children(&p, root), "before closing link {i}");
        close_all(&p, &[h]);
    }
    assert!(zero_children(&p, root));
    close_all(&p, &[root]);
    assert_no_leak(&kernel);
}

#[test]
fn a_long_chain_of_closed_slices_goes_away_link_by_link() {
    // Every slice holds the one it was made from. Closing the end of a very long chain, whose
    // other handles are all closed, must release the links one after the other, not with a
    // stack frame per link.
    let (kernel, p) = setup();
    let root = vmo(&p, P);
    let mut last = child(&p, root, ZX_VMO_CHILD_SLICE, 0, P);
    for _ in 0..100_000 {
        let next = child(&p, last, ZX_VMO_CHILD_SLICE, 0, P);
        close_all(&p, &[last]);
        last = next;
    }
    ok!(p.vmo_write(last, b"deep", 0));
    assert_eq!(read_vec(&p, root, 0, 4), b"deep".to_vec());
    assert_eq!(vmo_info(&p, root).num_children, 1);
    close_all(&p, &[last]);
    assert!(zero_children(&p, root));
    assert_eq!(vmo_info(&p, root).num_children, 0);
    close_all(&p, &[root]);
    assert_no_leak(&kernel);
}

// ---------------------------------------------------------------------------------------------
// References inherit resizability
// ---------------------------------------------------------------------------------------------

#[test]
fn reference_without_resize_of_a_resizable_vmo_is_access_denied() {
    let (kernel, p) = setup();
    let parent = vmo_opts(&p, 2 * P, ZX_VMO_RESIZABLE);
    let reference = child(&p, parent, ZX_VMO_CHILD_REFERENCE, 0, 0);
    assert_eq!(rights_of(&p, reference) & ZX_RIGHT_RESIZE, 0);
    // The VMO is resizable; the handle lacks RESIZE.
    assert_err!(p.vmo_set_size(reference, 4 * P), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_set_size(reference, 0), ZX_ERR_ACCESS_DENIED);
    assert_eq!(ok!(p.vmo_get_size(parent)), 2 * P);
    // It reports the resizability it shares with its parent.
    assert_ne!(vmo_info(&p, reference).flags & ZX_INFO_VMO_RESIZABLE, 0);
    // WRITE is still checked first.
    let read_only = dup(&p, reference, ZX_RIGHT_READ);
    assert_err!(p.vmo_set_size(read_only, P), ZX_ERR_ACCESS_DENIED);
    close_all(&p, &[read_only, reference, parent]);
    assert_no_leak(&kernel);
}

#[test]
fn resizable_reference_resizes_its_parent() {
    let (kernel, p) = setup();
    let parent = vmo_opts(&p, 2 * P, ZX_VMO_RESIZABLE);
    let reference = child(&p, parent, ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_RESIZABLE, 0, 0);
    assert_ne!(rights_of(&p, reference) & ZX_RIGHT_RESIZE, 0);
    ok!(p.vmo_set_size(reference, 3 * P + 1));
    assert_eq!(ok!(p.vmo_get_size(parent)), 4 * P);
    assert_eq!(content_size(&p, parent), 3 * P + 1);
    // A reference of a reference inherits too: without RESIZABLE it is ACCESS_DENIED.
    let nested = child(&p, reference, ZX_VMO_CHILD_REFERENCE, 0, 0);
    assert_err!(p.vmo_set_size(nested, P), ZX_ERR_ACCESS_DENIED);
    close_all(&p, &[nested, reference, parent]);
    assert_no_leak(&kernel);
}

#[test]
fn reference_of_a_fixed_size_vmo_stays_unavailable() {
    let (kernel, p) = setup();
    let parent = vmo(&p, 2 * P);
    let reference = child(&p, parent, ZX_VMO_CHILD_REFERENCE, 0, 0);
    assert_err!(p.vmo_set_size(reference, P), ZX_ERR_UNAVAILABLE);
    assert_eq!(vmo_info(&p, reference).flags & ZX_INFO_VMO_RESIZABLE, 0);
    close_all(&p, &[reference, parent]);
    assert_no_leak(&kernel);
}
