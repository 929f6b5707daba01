//! Clones in a pager tree (reference §9.10, §9.11): unidirectional ALOW/MODIFIED children,
//! snapshots through hidden nodes, SNAPSHOT refused, attribution, and transfer_data.

use zx_conformance::pager::*;
use zx_conformance::*;
use zx_kernel::zx::*;

const ALOW: u32 = ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE;
const MODIFIED: u32 = ZX_VMO_CHILD_SNAPSHOT_MODIFIED;

#[test]
fn snapshot_is_refused_anywhere_in_the_tree() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    assert_err!(f.p.vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, P), ZX_ERR_NOT_SUPPORTED);
    let clone = child(&f.p, vmo, ALOW, 0, P);
    assert_err!(f.p.vmo_create_child(clone, ZX_VMO_CHILD_SNAPSHOT, 0, P), ZX_ERR_NOT_SUPPORTED);
    // SNAPSHOT's offset checks come first.
    assert_err!(f.p.vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 1, P), ZX_ERR_INVALID_ARGS);
    f.check();
}

#[test]
fn an_alow_child_sees_later_supplies_and_parent_writes_until_it_writes() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    let clone = child(&f.p, vmo, ALOW, 0, 2 * P);
    let read = f.spawn_read(clone, 0, 1);
    // The request goes to the pager VMO, in its offsets.
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    f.supply(vmo, 0, 2, 1);
    assert_eq!(read.result().unwrap(), vec![1]);
    ok!(f.p.vmo_write(vmo, &[2], 0));
    assert_eq!(read_vec(&f.p, clone, 0, 1), vec![2]);
    ok!(f.p.vmo_write(clone, &[3], 0));
    ok!(f.p.vmo_write(vmo, &[4], 0));
    assert_eq!(read_vec(&f.p, clone, 0, 1), vec![3]);
    assert_eq!(read_vec(&f.p, vmo, 0, 1), vec![4]);
    f.check();
}

#[test]
fn a_clone_write_forks_without_dirtying_or_modifying_the_pager_vmo() {
    let f = Pager::new();
    let vmo = f.vmo(1, ZX_VMO_TRAP_DIRTY);
    let clone = child(&f.p, vmo, ALOW, 0, P);
    let write = f.spawn_write(clone, 0, 1, 9);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1); // no DIRTY request
    f.supply(vmo, 0, 1, 1);
    write.result().unwrap();
    f.expect_no_packet();
    assert_eq!(read_vec(&f.p, vmo, 0, 1), vec![1]);
    assert_eq!(ok!(f.p.pager_query_vmo_stats_typed(f.pager, vmo, 0)).modified, 0);
    let mut records = [zx_vmo_dirty_range_t::default(); 1];
    assert_eq!(ok!(f.p.pager_query_dirty_ranges(f.pager, vmo, 0, P, &mut records)), (0, 0));
    f.check();
}

#[test]
fn an_unforked_clone_is_charged_nothing_and_a_forked_page_is_its_own() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 0, 2, 1);
    let clone = child(&f.p, vmo, ALOW, 0, 2 * P);
    let info = vmo_info(&f.p, clone);
    assert_eq!((info.committed_bytes, info.flags & ZX_INFO_VMO_PAGER_BACKED != 0), (0, true));
    assert_ne!(info.flags & ZX_INFO_VMO_IS_COW_CLONE, 0);
    assert_eq!(vmo_info(&f.p, vmo).committed_private_bytes, 2 * P);
    ok!(f.p.vmo_write(clone, &[2], 0));
    let info = vmo_info(&f.p, clone);
    assert_eq!((info.committed_bytes, info.committed_private_bytes), (P, P));
    assert_eq!(vmo_info(&f.p, vmo).committed_bytes, 2 * P);
    f.check();
}

#[test]
fn modified_of_a_clone_shares_its_pages_through_a_hidden_node() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    f.supply(vmo, 0, 1, 1);
    let c = child(&f.p, vmo, MODIFIED, 0, P);
    ok!(f.p.vmo_write(c, &[2], 0));
    let s = child(&f.p, c, MODIFIED, 0, P);
    let (ci, si) = (vmo_info(&f.p, c), vmo_info(&f.p, s));
    assert_eq!((ci.committed_bytes, ci.committed_private_bytes), (P, 0));
    assert_eq!((si.committed_bytes, si.committed_scaled_bytes), (P, P / 2));
    ok!(f.p.vmo_write(c, &[3], 0));
    assert_eq!(read_vec(&f.p, s, 0, 1), vec![2]);
    assert_eq!(vmo_info(&f.p, s).committed_private_bytes, P);
    assert_eq!(vmo_info(&f.p, c).committed_private_bytes, P);
    f.check();
}

#[test]
fn a_snapshot_of_a_clone_checks_slice_pins_and_shape() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 0, 2, 0);
    let c = child(&f.p, vmo, ALOW, 0, 2 * P);
    let slice = child(&f.p, c, ZX_VMO_CHILD_SLICE, 0, P);
    assert_err!(f.p.vmo_create_child(slice, MODIFIED, 0, P), ZX_ERR_NOT_SUPPORTED);
    // ALOW of a unidirectional clone is unidirectional, and then its source has a child.
    let grandchild = child(&f.p, c, ALOW, 0, P);
    assert_err!(f.p.vmo_create_child(c, MODIFIED, 0, P), ZX_ERR_NOT_SUPPORTED);
    // ... and the grandchild sits deeper in a unidirectional chain.
    assert_err!(f.p.vmo_create_child(grandchild, MODIFIED, 0, P), ZX_ERR_NOT_SUPPORTED);
    let d = child(&f.p, vmo, ALOW, 0, 2 * P);
    let dev = Dev::new(&f.p);
    let mut addrs = [0u64; 1];
    let pmt = ok!(f.p.bti_pin(dev.bti, ZX_BTI_PERM_READ, d, 0, P, &mut addrs));
    assert_err!(f.p.vmo_create_child(d, MODIFIED, 0, P), ZX_ERR_BAD_STATE);
    ok!(f.p.pmt_unpin(pmt));
    ok!(f.p.vmo_create_child(d, MODIFIED, 0, P));
    f.check();
}

#[test]
fn clones_of_slices_and_references_of_the_pager_vmo_are_unidirectional() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 0, 2, 1);
    let slice = child(&f.p, vmo, ZX_VMO_CHILD_SLICE, P, P);
    let reference = child(&f.p, vmo, ZX_VMO_CHILD_REFERENCE, 0, 0);
    let from_slice = child(&f.p, slice, ALOW, 0, P);
    let from_reference = child(&f.p, reference, MODIFIED, 0, 2 * P);
    ok!(f.p.vmo_write(vmo, &[5], P));
    assert_eq!(read_vec(&f.p, from_slice, 0, 1), vec![5]);
    assert_eq!(read_vec(&f.p, from_reference, P, 1), vec![5]);
    f.check();
}

#[test]
fn after_detach_unforked_clone_pages_fail_and_forked_ones_work() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 0, 2, 1);
    let clone = child(&f.p, vmo, ALOW, 0, 2 * P);
    ok!(f.p.vmo_write(clone, &[2], 0));
    assert_eq!(read_vec(&f.p, clone, P, 1), vec![1]);
    ok!(f.p.pager_detach_vmo(f.pager, vmo));
    assert_eq!(read_vec(&f.p, clone, 0, 1), vec![2]);
    assert_err!(f.p.vmo_read(clone, &mut [0], P), ZX_ERR_BAD_STATE);
    f.check();
}

#[test]
fn a_clone_sees_zero_past_a_shrink_of_the_pager_vmo_even_after_it_grows() {
    let f = Pager::new();
    let vmo = f.vmo(2, ZX_VMO_RESIZABLE);
    f.supply(vmo, 0, 2, 1);
    let clone = child(&f.p, vmo, ALOW, 0, 2 * P);
    ok!(f.p.vmo_set_size(vmo, P));
    ok!(f.p.vmo_set_size(vmo, 2 * P));
    assert_eq!(read_vec(&f.p, clone, P, 1), vec![0]);
    assert_eq!(read_vec(&f.p, clone, 0, 1), vec![1]);
    f.check();
}

#[test]
fn transfer_data_refuses_the_pager_vmo_and_its_slices_on_either_side() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    f.supply(vmo, 0, 1, 1);
    let slice = child(&f.p, vmo, ZX_VMO_CHILD_SLICE, 0, P);
    let reference = child(&f.p, vmo, ZX_VMO_CHILD_REFERENCE, 0, 0);
    let plain = vmo_opts(&f.p, P, 0);
    for paged in [vmo, slice, reference] {
        assert_err!(f.p.vmo_transfer_data(plain, 0, 0, P, paged, 0), ZX_ERR_NOT_SUPPORTED);
        assert_err!(f.p.vmo_transfer_data(paged, 0, 0, P, plain, 0), ZX_ERR_NOT_SUPPORTED);
        // The range is checked first.
        assert_err!(f.p.vmo_transfer_data(plain, 0, 0, P, paged, P), ZX_ERR_OUT_OF_RANGE);
    }
    f.check();
}

#[test]
fn a_clone_is_an_ordinary_transfer_source_once_its_pages_are_brought_in() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 0, 1, 1);
    let clone = child(&f.p, vmo, ALOW, 0, 2 * P);
    let dst = vmo_opts(&f.p, 2 * P, 0);
    let transfer = f.spawn(move |p| p.vmo_transfer_data(dst, 0, 0, 2 * P, clone, 0));
    f.expect_request(ZX_PAGER_VMO_READ, 1, 1);
    f.supply(vmo, 1, 1, 2);
    transfer.result().unwrap();
    assert_eq!(read_vec(&f.p, dst, 0, 1), vec![1]);
    assert_eq!(read_vec(&f.p, dst, P, 1), vec![2]);
    assert_eq!(read_vec(&f.p, clone, 0, 1), vec![0]);
    assert_eq!(read_vec(&f.p, vmo, 0, 1), vec![1]); // the pager VMO keeps its pages
    f.check();
}

#[test]
fn decommit_is_not_supported_anywhere_in_the_tree() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let clone = child(&f.p, vmo, ALOW, 0, P);
    for h in [vmo, clone] {
        assert_err!(f.p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, P, &mut []), ZX_ERR_NOT_SUPPORTED);
        assert_err!(
            f.p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, 2 * P, &mut []),
            ZX_ERR_OUT_OF_RANGE
        );
        ok!(f.p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, 0, &mut []));
    }
}

#[test]
fn commit_on_a_clone_forks_every_page_into_it() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 0, 2, 1);
    let clone = child(&f.p, vmo, ALOW, 0, 2 * P);
    ok!(f.p.vmo_op_range(clone, ZX_VMO_OP_COMMIT, 0, 2 * P, &mut []));
    assert_eq!(vmo_info(&f.p, clone).committed_private_bytes, 2 * P);
    ok!(f.p.vmo_write(vmo, &[3], 0));
    assert_eq!(read_vec(&f.p, clone, 0, 1), vec![1]);
    f.check();
}

#[test]
fn prefetch_brings_the_pager_vmos_pages_in_without_forking_into_a_clone() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    let clone = child(&f.p, vmo, ALOW, 0, 2 * P);
    let prefetch = f.spawn(move |p| p.vmo_op_range(clone, ZX_VMO_OP_PREFETCH, 0, 2 * P, &mut []));
    f.expect_request(ZX_PAGER_VMO_READ, 0, 2);
    f.supply(vmo, 0, 2, 4);
    prefetch.result().unwrap();
    assert_eq!(vmo_info(&f.p, clone).committed_bytes, 0);
    assert_eq!(vmo_info(&f.p, vmo).committed_bytes, 2 * P);
    assert_err!(
        f.p.vmo_op_range(vmo, ZX_VMO_OP_ALWAYS_NEED, P, 2 * P, &mut []),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_err!(f.p.vmo_op_range(vmo, ZX_VMO_OP_DONT_NEED, P, 2 * P, &mut []), ZX_ERR_OUT_OF_RANGE);
    ok!(f.p.vmo_op_range(vmo, ZX_VMO_OP_ALWAYS_NEED, 1, 10, &mut []));
    f.check();
}

#[test]
fn stream_size_changes_make_dirty_zeros_and_untracked_pages() {
    let f = Pager::new();
    let vmo = f.vmo(4, 0);
    f.supply(vmo, 0, 4, 7);
    ok!(f.p.vmo_set_stream_size(vmo, P + 10));
    assert_eq!(f.p.vmo_get_stream_size(vmo), Ok(P + 10));
    let bytes = read_vec(&f.p, vmo, P + 8, 4);
    assert_eq!(bytes, vec![7, 7, 0, 0]);
    assert_eq!(read_vec(&f.p, vmo, 3 * P, 2), vec![0, 0]); // untracked: no request
    f.expect_no_packet();
    ok!(f.p.vmo_set_stream_size(vmo, 3 * P));
    let mut records = [zx_vmo_dirty_range_t::default(); 4];
    let (actual, _) = ok!(f.p.pager_query_dirty_ranges(f.pager, vmo, 0, 4 * P, &mut records));
    let got: Vec<_> =
        records[..actual].iter().map(|r| (r.offset / P, r.length / P, r.options)).collect();
    assert_eq!(got, vec![(1, 1, 0), (2, 1, ZX_VMO_DIRTY_RANGE_IS_ZERO)]);
    assert_eq!(ok!(f.p.pager_query_vmo_stats_typed(f.pager, vmo, 0)).modified, 1);
    f.check();
}

#[test]
fn resizing_a_clone_leaves_the_pager_vmos_states_alone() {
    let f = Pager::new();
    let vmo = f.vmo(4, 0);
    f.supply(vmo, 0, 4, 1);
    ok!(f.p.vmo_write(vmo, &[2], 3 * P));
    let clone = child(&f.p, vmo, ALOW | ZX_VMO_CHILD_RESIZABLE, 0, 4 * P);
    ok!(f.p.pager_query_vmo_stats_typed(f.pager, vmo, ZX_PAGER_RESET_VMO_STATS));
    ok!(f.p.vmo_set_size(clone, P));
    ok!(f.p.vmo_set_size(clone, 6 * P));
    assert_eq!(read_vec(&f.p, clone, 5 * P, 1), vec![0]);
    let mut records = [zx_vmo_dirty_range_t::default(); 4];
    let (actual, _) = ok!(f.p.pager_query_dirty_ranges(f.pager, vmo, 0, 4 * P, &mut records));
    assert_eq!((actual, records[0].offset, records[0].options), (1, 3 * P, 0));
    assert_eq!(ok!(f.p.pager_query_vmo_stats_typed(f.pager, vmo, 0)).modified, 0);
    f.check();
}

#[test]
fn a_snapshot_of_an_alow_no_write_clone_gains_write() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let immutable = child(&f.p, vmo, ALOW | ZX_VMO_CHILD_NO_WRITE, 0, P);
    assert_eq!(rights_of(&f.p, immutable) & ZX_RIGHT_WRITE, 0);
    assert_err!(f.p.vmo_write(immutable, &[1], 0), ZX_ERR_ACCESS_DENIED);
    let snapshot = child(&f.p, immutable, MODIFIED, 0, P);
    assert_ne!(rights_of(&f.p, snapshot) & ZX_RIGHT_WRITE, 0);
    assert_eq!(vmo_info(&f.p, vmo).num_children, 1);
    assert_eq!(vmo_info(&f.p, immutable).num_children, 1);
    assert!(!zero_children(&f.p, vmo));
    f.check();
}
