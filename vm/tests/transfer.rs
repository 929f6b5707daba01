//! `transfer_from` at the VM layer: moves, copies, overlap, zero pages, relatives, and
//! conservation of frames.

use zx_vm::sync::Arc;
use zx_vm::{Vm, VmError, Vmo, VmoOptions, PAGE_SIZE};

const P: u64 = PAGE_SIZE as u64;

fn byte_at(vmo: &Vmo, offset: u64) -> u8 {
    let mut b = [0u8];
    vmo.read(&mut b, offset).unwrap();
    b[0]
}

fn paddr_of(vmo: &Vmo, offset: u64) -> Option<u64> {
    let node = vmo.node_id();
    vmo.family()
        .into_iter()
        .find(|n| n.id == node)?
        .pages
        .into_iter()
        .find(|p| p.offset == offset)?
        .paddr
}

fn used(vm: &Vm) -> u64 {
    vm.allocator().total_frames() - vm.allocator().free_frames()
}

fn vmo(vm: &Arc<Vm>, koid: u64, pages: u64) -> Arc<Vmo> {
    vm.create_vmo(koid, pages * P, VmoOptions::default()).unwrap()
}

#[test]
fn owned_pages_move_without_a_copy() {
    let vm = Vm::new(64 * P, 0);
    let (src, dst) = (vmo(&vm, 1, 40), vmo(&vm, 2, 40));
    for page in 0..40 {
        src.write(&[page as u8 + 1], page * P).unwrap();
    }
    dst.write(&[0xEE], 0).unwrap();
    let before = paddr_of(&src, 5 * P);
    let stats = dst.transfer_from(0, 40 * P, &src, 0).unwrap();
    assert_eq!((stats.moved, stats.copied, stats.released), (40, 0, 1));
    assert_eq!(paddr_of(&dst, 5 * P), before, "the same frame, moved");
    for page in 0..40 {
        assert_eq!(byte_at(&dst, page * P), page as u8 + 1);
        assert_eq!(byte_at(&src, page * P), 0);
    }
    assert_eq!(used(&vm), 40);
    vm.check_invariants().unwrap();
}

#[test]
fn overlap_behaves_like_memmove_then_decommit() {
    let vm = Vm::new(64 * P, 0);
    let v = vmo(&vm, 1, 8);
    for page in 0..8 {
        v.write(&[page as u8 + 1], page * P).unwrap();
    }
    v.transfer_from(2 * P, 4 * P, &v, 0).unwrap(); // [0,4) -> [2,6)
    let got: Vec<u8> = (0..8).map(|p| byte_at(&v, p * P)).collect();
    assert_eq!(got, vec![0, 0, 1, 2, 3, 4, 7, 8]);
    v.transfer_from(0, 4 * P, &v, 3 * P).unwrap(); // [3,7) -> [0,4)
    let got: Vec<u8> = (0..8).map(|p| byte_at(&v, p * P)).collect();
    assert_eq!(got, vec![2, 3, 4, 7, 0, 0, 0, 8]);
    vm.check_invariants().unwrap();
}

#[test]
fn a_zero_source_page_hides_the_destination_parent() {
    let vm = Vm::new(64 * P, 0);
    let parent = vmo(&vm, 1, 2);
    parent.write(&[9; 2 * PAGE_SIZE], 0).unwrap();
    let child = parent.create_snapshot(2, 0, 2 * P, VmoOptions::default()).unwrap();
    let src = vmo(&vm, 3, 2);
    child.transfer_from(0, 2 * P, &src, 0).unwrap();
    assert_eq!((byte_at(&child, 0), byte_at(&child, P)), (0, 0));
    assert_eq!(byte_at(&parent, 0), 9, "the parent keeps its content");
    vm.check_invariants().unwrap();
    drop(parent);
    assert_eq!(used(&vm), 0, "nobody sees the hidden pages any more");
    vm.check_invariants().unwrap();
}

#[test]
fn shared_source_pages_are_copied_and_the_relative_keeps_its_view() {
    let vm = Vm::new(64 * P, 0);
    let src = vmo(&vm, 1, 1);
    src.write(&[5], 0).unwrap();
    let sibling = src.create_snapshot(2, 0, P, VmoOptions::default()).unwrap();
    let dst = vmo(&vm, 3, 1);
    let stats = dst.transfer_from(0, P, &src, 0).unwrap();
    assert_eq!((stats.moved, stats.copied), (0, 1));
    assert_eq!((byte_at(&dst, 0), byte_at(&src, 0), byte_at(&sibling, 0)), (5, 0, 5));
    vm.check_invariants().unwrap();
}

#[test]
fn snapshot_children_of_the_destination_keep_the_old_content() {
    let vm = Vm::new(64 * P, 0);
    let dst = vmo(&vm, 1, 1);
    dst.write(&[1], 0).unwrap();
    let child = dst.create_snapshot(2, 0, P, VmoOptions::default()).unwrap();
    let src = vmo(&vm, 3, 1);
    src.write(&[2], 0).unwrap();
    dst.transfer_from(0, P, &src, 0).unwrap();
    assert_eq!((byte_at(&dst, 0), byte_at(&child, 0)), (2, 1));
    vm.check_invariants().unwrap();
}

#[test]
fn no_memory_for_copies_changes_nothing() {
    let vm = Vm::new(2 * P, 0);
    let src = vmo(&vm, 1, 2);
    src.write(&[7; 2 * PAGE_SIZE], 0).unwrap();
    let _sibling = src.create_snapshot(2, 0, 2 * P, VmoOptions::default()).unwrap();
    let dst = vmo(&vm, 3, 2);
    assert_eq!(dst.transfer_from(0, 2 * P, &src, 0), Err(VmError::NoMemory));
    assert_eq!((byte_at(&src, 0), byte_at(&dst, 0)), (7, 0));
    assert_eq!(used(&vm), 2);
    vm.check_invariants().unwrap();
}

#[test]
fn checks_come_in_order_and_change_nothing() {
    let vm = Vm::new(8 * P, 0);
    let (src, dst) = (vmo(&vm, 1, 2), vmo(&vm, 2, 2));
    src.write(&[1], 0).unwrap();
    assert_eq!(dst.transfer_from(1, P, &src, 0), Err(VmError::InvalidArgs));
    assert_eq!(dst.transfer_from(0, P, &src, 2 * P), Err(VmError::OutOfRange));
    assert_eq!(dst.transfer_from(0, P, &src, u64::MAX - P + 1), Err(VmError::OutOfRange));
    src.pin(0, P).unwrap();
    assert_eq!(dst.transfer_from(2 * P, P, &src, 0), Err(VmError::BadState), "src first");
    src.unpin(0, P);
    let contiguous = vm.create_contiguous(3, P, 0).unwrap();
    assert_eq!(contiguous.transfer_from(0, P, &src, 0), Err(VmError::NotSupported));
    assert_eq!(byte_at(&src, 0), 1);
    vm.check_invariants().unwrap();
}

#[test]
fn unaligned_ranges_move_every_page() {
    let vm = Vm::new(256 * P, 0);
    let (src, dst) = (vmo(&vm, 1, 100), vmo(&vm, 2, 100));
    for page in 0..100 {
        src.write(&[page as u8], page * P).unwrap();
        dst.write(&[0xFF], page * P).unwrap();
    }
    dst.transfer_from(19 * P, 70 * P, &src, 3 * P).unwrap();
    for page in 0..100u64 {
        let expected = if (19..89).contains(&page) { (page - 16) as u8 } else { 0xFF };
        assert_eq!(byte_at(&dst, page * P), expected, "dst page {page}");
        let left = if (3..73).contains(&page) { 0 } else { page as u8 };
        assert_eq!(byte_at(&src, page * P), left, "src page {page}");
    }
    assert_eq!(used(&vm), 130);
    vm.check_invariants().unwrap();
}

/// Big aligned ranges move whole runs in bulk (`split_off`/`append`), in the middle of both
/// VMOs, next to pages that stay.
#[test]
fn big_aligned_ranges_move_in_bulk() {
    let pages = 4096u64;
    let vm = Vm::new(2 * pages * P + 64 * P, 0);
    let (src, dst) = (vmo(&vm, 1, pages), vmo(&vm, 2, pages));
    for page in 0..pages {
        src.write(&[(page % 251) as u8 + 1], page * P).unwrap();
    }
    for page in (0..pages).step_by(7) {
        dst.write(&[0xFE], page * P).unwrap();
    }
    let (from, to, len) = (1024u64, 2048u64, 1600u64);
    let stats = dst.transfer_from(to * P, len * P, &src, from * P).unwrap();
    assert_eq!(stats.moved, len);
    for page in 0..pages {
        let expected_dst = if (to..to + len).contains(&page) {
            ((page - to + from) % 251) as u8 + 1
        } else if page % 7 == 0 {
            0xFE
        } else {
            0
        };
        assert_eq!(byte_at(&dst, page * P), expected_dst, "dst page {page}");
        let expected_src =
            if (from..from + len).contains(&page) { 0 } else { (page % 251) as u8 + 1 };
        assert_eq!(byte_at(&src, page * P), expected_src, "src page {page}");
    }
    vm.check_invariants().unwrap();
    // And back again, into a VMO whose page list is otherwise empty.
    let empty = vmo(&vm, 3, pages);
    empty.transfer_from(0, len * P, &dst, to * P).unwrap();
    assert_eq!(byte_at(&empty, 0), (from % 251) as u8 + 1);
    vm.check_invariants().unwrap();
}
