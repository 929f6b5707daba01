//! Copy-on-write clone trees at the VM layer: isolation, fork by move or copy, merges of
//! hidden nodes, freeing of unseen pages, attribution, and conservation of frames.

use zx_vm::sync::Arc;
use zx_vm::{Vm, Vmo, VmoOptions, PAGE_SIZE};

const P: u64 = PAGE_SIZE as u64;

fn vm(pages: u64) -> Arc<Vm> {
    Vm::new(pages * P, 0)
}

fn byte_at(vmo: &Vmo, offset: u64) -> u8 {
    let mut b = [0u8];
    vmo.read(&mut b, offset).unwrap();
    b[0]
}

fn fill(vmo: &Vmo, pages: u64, value: u8) {
    vmo.write(&vec![value; (pages * P) as usize], 0).unwrap();
}

fn snapshot(vmo: &Vmo, koid: u64, size: u64) -> Arc<Vmo> {
    vmo.create_snapshot(koid, 0, size, VmoOptions::default()).unwrap()
}

fn used(vm: &Vm) -> u64 {
    vm.allocator().total_frames() - vm.allocator().free_frames()
}

#[test]
fn snapshot_isolates_both_ways_and_creation_copies_nothing() {
    let vm = vm(16);
    let parent = vm.create_vmo(1, 2 * P, VmoOptions::default()).unwrap();
    fill(&parent, 2, 0xA);
    let child = snapshot(&parent, 2, 2 * P);
    assert_eq!(used(&vm), 2, "creating a snapshot allocates nothing");
    parent.write(&[0xB], 0).unwrap();
    child.write(&[0xC], P).unwrap();
    assert_eq!((byte_at(&parent, 0), byte_at(&child, 0)), (0xB, 0xA));
    assert_eq!((byte_at(&parent, P), byte_at(&child, P)), (0xA, 0xC));
    assert_eq!(used(&vm), 4);
    vm.check_invariants().unwrap();
    drop((parent, child));
    assert_eq!(used(&vm), 0);
}

#[test]
fn attribution_follows_the_worked_example() {
    let vm = vm(16);
    let parent = vm.create_vmo(1, 2 * P, VmoOptions::default()).unwrap();
    fill(&parent, 2, 1);
    let child = snapshot(&parent, 2, 2 * P);
    for vmo in [&parent, &child] {
        let info = vmo.info();
        assert_eq!((info.committed_bytes, info.committed_private_bytes), (2 * P, 0));
        assert_eq!(info.committed_scaled_bytes, P);
    }
    parent.write(&[2], 0).unwrap();
    for vmo in [&parent, &child] {
        let info = vmo.info();
        assert_eq!((info.committed_bytes, info.committed_private_bytes), (2 * P, P));
        assert_eq!(info.committed_scaled_bytes, P + P / 2);
    }
    vm.check_invariants().unwrap();
}

#[test]
fn three_way_sharing_splits_a_page_with_a_fraction() {
    let vm = vm(16);
    let parent = vm.create_vmo(1, P, VmoOptions::default()).unwrap();
    fill(&parent, 1, 1);
    let a = snapshot(&parent, 2, P);
    let b = snapshot(&parent, 3, P);
    for vmo in [&parent, &a, &b] {
        let info = vmo.info();
        assert_eq!(info.committed_scaled_bytes, P / 3);
        assert_eq!(info.committed_fractional_scaled_bytes, (1u64 << 63) / 3);
    }
    vm.check_invariants().unwrap();
}

#[test]
fn the_last_viewer_takes_the_page_without_a_copy() {
    let vm = vm(16);
    let parent = vm.create_vmo(1, P, VmoOptions::default()).unwrap();
    fill(&parent, 1, 7);
    let child = snapshot(&parent, 2, P);
    let paddr = |v: &Vmo| v.family().iter().flat_map(|n| n.pages.clone()).find_map(|p| p.paddr);
    let original = paddr(&child).unwrap();
    drop(parent);
    assert_eq!(used(&vm), 1);
    child.write(&[8], 0).unwrap();
    assert_eq!(used(&vm), 1, "the child was the page's only viewer: moved, not copied");
    assert_eq!(paddr(&child), Some(original));
    assert_eq!(byte_at(&child, 1), 7);
    vm.check_invariants().unwrap();
}

#[test]
fn zero_in_a_child_hides_the_parent_and_frees_pages_nobody_sees() {
    let vm = vm(16);
    let parent = vm.create_vmo(1, 2 * P, VmoOptions::default()).unwrap();
    fill(&parent, 2, 3);
    let child = snapshot(&parent, 2, 2 * P);
    child.zero(0, P).unwrap();
    assert_eq!((byte_at(&child, 0), byte_at(&parent, 0)), (0, 3));
    parent.write(&[4], P).unwrap(); // parent forks page 1; the hidden copy is the child's
    parent.zero(0, P).unwrap(); // now nobody sees the hidden page 0
    assert_eq!(used(&vm), 2, "hidden page 0 freed, hidden page 1 and the parent's copy kept");
    vm.check_invariants().unwrap();
}

#[test]
fn children_past_the_parent_end_read_zero_and_are_writable() {
    let vm = vm(16);
    let parent = vm.create_vmo(1, P, VmoOptions::default()).unwrap();
    fill(&parent, 1, 9);
    let child = parent.create_snapshot(2, 0, 3 * P, VmoOptions::default()).unwrap();
    assert_eq!((byte_at(&child, 0), byte_at(&child, 2 * P)), (9, 0));
    child.write(&[5], 2 * P).unwrap();
    assert_eq!(byte_at(&child, 2 * P), 5);
    vm.check_invariants().unwrap();
}

#[test]
fn shrinking_the_parent_cuts_it_off_but_the_snapshot_keeps_its_content() {
    let vm = vm(16);
    let options = VmoOptions { resizable: true, ..Default::default() };
    let parent = vm.create_vmo(1, 2 * P, options).unwrap();
    fill(&parent, 2, 6);
    let child = snapshot(&parent, 2, 2 * P);
    parent.set_size(P).unwrap();
    parent.set_size(2 * P).unwrap();
    assert_eq!(byte_at(&parent, P), 0, "cut off and grown back reads zero");
    assert_eq!(byte_at(&child, P), 6, "the snapshot still has what it saw at creation");
    vm.check_invariants().unwrap();
    drop(child);
    assert_eq!(used(&vm), 1, "page 1 of the hidden node was only the child's: freed");
    vm.check_invariants().unwrap();
}

/// Every order of closing a chain and a tree keeps the invariants and frees everything.
#[test]
fn chains_and_trees_close_in_any_order() {
    for order in permutations(4) {
        let vm = vm(64);
        let root = vm.create_vmo(1, 4 * P, VmoOptions::default()).unwrap();
        fill(&root, 4, 1);
        let a = snapshot(&root, 2, 4 * P);
        a.write(&[2], P).unwrap();
        let b = snapshot(&a, 3, 4 * P);
        b.write(&[3], 2 * P).unwrap();
        let c = snapshot(&root, 4, 4 * P);
        c.write(&[4], 3 * P).unwrap();
        let mut vmos: Vec<Option<Arc<Vmo>>> = vec![Some(root), Some(a), Some(b), Some(c)];
        let expected = [[1, 1, 1, 1], [1, 2, 1, 1], [1, 2, 3, 1], [1, 1, 1, 4]];
        for &i in &order {
            vmos[i] = None;
            vm.check_invariants().unwrap_or_else(|e| panic!("order {order:?}: {e}"));
            for (j, vmo) in vmos.iter().enumerate() {
                if let Some(vmo) = vmo {
                    for page in 0..4 {
                        assert_eq!(byte_at(vmo, page * P), expected[j][page as usize], "{order:?}");
                    }
                }
            }
        }
        assert_eq!(used(&vm), 0, "order {order:?} leaked");
    }
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for rest in permutations(n - 1) {
        for at in 0..=rest.len() {
            let mut p = rest.clone();
            p.insert(at, n - 1);
            out.push(p);
        }
    }
    out
}

#[test]
fn slices_and_references_share_and_keep_the_node_alive() {
    let vm = vm(16);
    let parent = vm.create_vmo(1, 4 * P, VmoOptions::default()).unwrap();
    let slice = parent.create_slice(2, P, 2 * P).unwrap();
    let inner = slice.create_slice(3, P, P).unwrap();
    let reference = parent.create_reference(4, false).unwrap();
    inner.write(&[7], 0).unwrap();
    assert_eq!(byte_at(&parent, 2 * P), 7);
    assert_eq!(byte_at(&reference, 2 * P), 7);
    assert_eq!(slice.info().committed_bytes, 0);
    drop(parent);
    assert_eq!(byte_at(&slice, P), 7, "the slice keeps the pages alive");
    drop((slice, inner, reference));
    assert_eq!(used(&vm), 0);
    vm.check_invariants().unwrap();
}
