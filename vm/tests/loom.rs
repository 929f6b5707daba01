//! Loom models of the VM layer's concurrency guarantees. Each model is small (two threads,
//! a handful of pages), names the guarantee it checks, and ends with page conservation
//! (`check_invariants`: every frame owned exactly once, pins accounted for, nothing leaked).
//!
//! Run with `.ci/loom` (which sets `--cfg loom` and a preemption bound).
#![cfg(loom)]

use loom::thread;
use zx_vm::sync::Arc;
use zx_vm::{Vm, VmError, Vmo, VmoOptions, PAGE_SIZE};

const P: u64 = PAGE_SIZE as u64;

fn vm() -> Arc<Vm> {
    Vm::new(8 * P, 0)
}

fn vmo(vm: &Arc<Vm>, koid: u64, pages: u64) -> Arc<Vmo> {
    vm.create_vmo(koid, pages * P, VmoOptions::default()).unwrap()
}

fn resizable(vm: &Arc<Vm>, koid: u64, pages: u64) -> Arc<Vmo> {
    vm.create_vmo(koid, pages * P, VmoOptions { resizable: true, ..Default::default() }).unwrap()
}

fn byte(vmo: &Vmo, offset: u64) -> u8 {
    let mut b = [0u8];
    vmo.read(&mut b, offset).unwrap();
    b[0]
}

fn conserved(vm: &Vm, frames_in_use: u64) {
    vm.check_invariants().unwrap();
    let used = vm.allocator().total_frames() - vm.allocator().free_frames();
    assert_eq!(used, frames_in_use, "frames in use");
}

/// A transfer racing a write to its source: the write lands either before the transfer
/// (and moves with the page) or after it (on the emptied source); never lost, never both.
#[test]
fn transfer_racing_a_write_to_the_source() {
    loom::model(|| {
        let vm = vm();
        let (src, dst) = (vmo(&vm, 1, 1), vmo(&vm, 2, 1));
        src.write(&[1], 0).unwrap();
        let writer = {
            let src = src.clone();
            thread::spawn(move || src.write(&[2], 0).unwrap())
        };
        dst.transfer_from(0, P, &src, 0).unwrap();
        writer.join().unwrap();
        match (byte(&dst, 0), byte(&src, 0)) {
            (2, 0) | (1, 2) => {}
            other => panic!("half a transfer: dst, src = {other:?}"),
        }
        conserved(&vm, if byte(&src, 0) == 2 { 2 } else { 1 });
    });
}

/// A transfer racing a write to its destination: the destination ends with either the
/// moved page or the write on top of it; the source is empty either way.
#[test]
fn transfer_racing_a_write_to_the_destination() {
    loom::model(|| {
        let vm = vm();
        let (src, dst) = (vmo(&vm, 1, 1), vmo(&vm, 2, 1));
        src.write(&[1, 1], 0).unwrap();
        let writer = {
            let dst = dst.clone();
            thread::spawn(move || dst.write(&[3], 1).unwrap())
        };
        dst.transfer_from(0, P, &src, 0).unwrap();
        writer.join().unwrap();
        let mut got = [0u8; 2];
        dst.read(&mut got, 0).unwrap();
        assert!(got == [1, 1] || got == [1, 3], "dst = {got:?}");
        assert_eq!(byte(&src, 0), 0);
        conserved(&vm, 1);
    });
}

/// A transfer racing a shrink of its source: either the transfer moves the page first, or
/// the shrink wins and the transfer fails with OUT_OF_RANGE having changed nothing.
#[test]
fn transfer_racing_a_shrink_of_the_source() {
    loom::model(|| {
        let vm = vm();
        let src = resizable(&vm, 1, 2);
        let dst = vmo(&vm, 2, 1);
        src.write(&[4], P).unwrap();
        let shrinker = {
            let src = src.clone();
            thread::spawn(move || src.set_size(P).unwrap())
        };
        let result = dst.transfer_from(0, P, &src, P);
        shrinker.join().unwrap();
        match result {
            Ok(_) => assert_eq!(byte(&dst, 0), 4),
            Err(e) => {
                assert_eq!(e, VmError::OutOfRange);
                assert_eq!(byte(&dst, 0), 0);
            }
        }
        conserved(&vm, u64::from(result.is_ok()));
    });
}

/// A transfer racing a pin of its source: the pin first makes the transfer BAD_STATE with
/// nothing moved; the transfer first leaves the pin holding a fresh zero page.
#[test]
fn transfer_racing_a_pin_of_the_source() {
    loom::model(|| {
        let vm = vm();
        let (src, dst) = (vmo(&vm, 1, 1), vmo(&vm, 2, 1));
        src.write(&[5], 0).unwrap();
        let pinner = {
            let src = src.clone();
            thread::spawn(move || {
                src.pin(0, P).unwrap();
            })
        };
        let result = dst.transfer_from(0, P, &src, 0);
        pinner.join().unwrap();
        match result {
            Ok(_) => assert_eq!((byte(&dst, 0), byte(&src, 0)), (5, 0)),
            Err(e) => {
                assert_eq!(e, VmError::BadState);
                assert_eq!((byte(&dst, 0), byte(&src, 0)), (0, 5));
            }
        }
        vm.check_invariants().unwrap();
        src.unpin(0, P);
        conserved(&vm, 2 - u64::from(result.is_err()));
    });
}

/// Zircon's regression case: closing the parent of a snapshot source while the transfer
/// runs never makes it fail, and the data arrive intact.
#[test]
fn transfer_racing_the_close_of_a_snapshot_sources_parent() {
    loom::model(|| {
        let vm = vm();
        let parent = vmo(&vm, 1, 2);
        parent.write(&[6; 2 * PAGE_SIZE], 0).unwrap();
        let src = parent.create_snapshot(2, 0, 2 * P, VmoOptions::default()).unwrap();
        let dst = vmo(&vm, 3, 2);
        let closer = thread::spawn(move || drop(parent));
        dst.transfer_from(0, 2 * P, &src, 0).unwrap();
        closer.join().unwrap();
        assert_eq!((byte(&dst, 0), byte(&dst, P)), (6, 6));
        assert_eq!((byte(&src, 0), byte(&src, P)), (0, 0));
        conserved(&vm, 2);
    });
}

/// Opposite transfers between the same two VMOs never deadlock and lose nothing.
#[test]
fn opposite_transfers_do_not_deadlock() {
    loom::model(|| {
        let vm = vm();
        let (a, b) = (vmo(&vm, 1, 1), vmo(&vm, 2, 1));
        a.write(&[7], 0).unwrap();
        b.write(&[8], 0).unwrap();
        let other = {
            let (a, b) = (a.clone(), b.clone());
            thread::spawn(move || a.transfer_from(0, P, &b, 0).unwrap())
        };
        b.transfer_from(0, P, &a, 0).unwrap();
        other.join().unwrap();
        let (x, y) = (byte(&a, 0), byte(&b, 0));
        assert!(matches!((x, y), (8, 0) | (0, 7) | (0, 8) | (7, 0)), "a, b = {x}, {y}");
        conserved(&vm, 1);
    });
}

/// A reader never sees a half-done transfer: a read of the whole destination range shows
/// all old or all new pages.
#[test]
fn readers_never_see_half_a_transfer() {
    loom::model(|| {
        let vm = vm();
        let (src, dst) = (vmo(&vm, 1, 2), vmo(&vm, 2, 2));
        src.write(&[1; 2 * PAGE_SIZE], 0).unwrap();
        let reader = {
            let dst = dst.clone();
            thread::spawn(move || {
                let mut both = vec![0u8; 2 * PAGE_SIZE];
                dst.read(&mut both, 0).unwrap();
                (both[0], both[PAGE_SIZE])
            })
        };
        dst.transfer_from(0, 2 * P, &src, 0).unwrap();
        let seen = reader.join().unwrap();
        assert!(seen == (0, 0) || seen == (1, 1), "half a transfer: {seen:?}");
        conserved(&vm, 2);
    });
}

/// Reads take a clone tree's lock shared. Two readers of one VMO racing a transfer into
/// it: each sees the whole range before or after, never half, and they may overlap each
/// other.
#[test]
fn shared_readers_racing_a_transfer() {
    loom::model(|| {
        let vm = vm();
        let (src, dst) = (vmo(&vm, 1, 2), vmo(&vm, 2, 2));
        src.write(&[4; 2 * PAGE_SIZE], 0).unwrap();
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let dst = dst.clone();
                thread::spawn(move || {
                    let mut both = vec![0u8; 2 * PAGE_SIZE];
                    dst.read(&mut both, 0).unwrap();
                    (both[0], both[PAGE_SIZE])
                })
            })
            .collect();
        dst.transfer_from(0, 2 * P, &src, 0).unwrap();
        for reader in readers {
            let seen = reader.join().unwrap();
            assert!(seen == (0, 0) || seen == (4, 4), "half a transfer: {seen:?}");
        }
        conserved(&vm, 2);
    });
}

/// A shared read of a snapshot racing its own first write (a fork): the reader sees the
/// page before the fork (the parent's byte) or after (the child's), and the parent's reader
/// always the parent's; the forked copy and the original are both accounted for.
#[test]
fn shared_read_racing_a_fork_on_write() {
    loom::model(|| {
        let vm = vm();
        let parent = vmo(&vm, 1, 1);
        parent.write(&[5], 0).unwrap();
        let child = parent.create_snapshot(2, 0, P, VmoOptions::default()).unwrap();
        let reader = {
            let (child, parent) = (child.clone(), parent.clone());
            thread::spawn(move || (byte(&child, 0), byte(&parent, 0)))
        };
        child.write(&[6], 0).unwrap();
        let (in_child, in_parent) = reader.join().unwrap();
        assert!(in_child == 5 || in_child == 6, "child read {in_child}");
        assert_eq!(in_parent, 5);
        conserved(&vm, 2);
    });
}

/// A shared read racing a decommit of the page it reads: it sees the data or zero, and the
/// frame goes back to the allocator exactly once.
#[test]
fn shared_read_racing_decommit() {
    loom::model(|| {
        let vm = vm();
        let v = vmo(&vm, 1, 1);
        v.write(&[7], 0).unwrap();
        let reader = {
            let v = v.clone();
            thread::spawn(move || byte(&v, 0))
        };
        v.decommit(0, P).unwrap();
        let seen = reader.join().unwrap();
        assert!(seen == 7 || seen == 0, "read {seen}");
        conserved(&vm, 0);
    });
}

/// A shared read of a snapshot racing the close of its parent (the hidden node merges into
/// the reader's node): the reader sees the content throughout; nothing leaks.
#[test]
fn shared_read_racing_the_close_of_the_parent() {
    loom::model(|| {
        let vm = vm();
        let parent = vmo(&vm, 1, 1);
        parent.write(&[8], 0).unwrap();
        let child = parent.create_snapshot(2, 0, P, VmoOptions::default()).unwrap();
        let reader = {
            let child = child.clone();
            thread::spawn(move || byte(&child, 0))
        };
        drop(parent);
        assert_eq!(reader.join().unwrap(), 8);
        conserved(&vm, 1);
        drop(child);
        conserved(&vm, 0);
    });
}

/// Closing a parent and its snapshot child at once (the hidden-node merge) keeps every page
/// accounted for and frees everything.
#[test]
fn parent_and_child_closed_at_once() {
    loom::model(|| {
        let vm = vm();
        let parent = vmo(&vm, 1, 2);
        parent.write(&[1; 2 * PAGE_SIZE], 0).unwrap();
        let child = parent.create_snapshot(2, 0, 2 * P, VmoOptions::default()).unwrap();
        child.write(&[2], 0).unwrap();
        let closer = thread::spawn(move || drop(child));
        drop(parent);
        closer.join().unwrap();
        conserved(&vm, 0);
    });
}

/// Two siblings forking the same shared page at once: each gets its own copy or the last
/// one takes the original; the shared page is freed exactly once.
#[test]
fn siblings_fork_the_same_page_at_once() {
    loom::model(|| {
        let vm = vm();
        let parent = vmo(&vm, 1, 1);
        parent.write(&[1], 0).unwrap();
        let child = parent.create_snapshot(2, 0, P, VmoOptions::default()).unwrap();
        let forker = {
            let child = child.clone();
            thread::spawn(move || child.write(&[2], 1).unwrap())
        };
        parent.write(&[3], 1).unwrap();
        forker.join().unwrap();
        let mut p = [0u8; 2];
        let mut c = [0u8; 2];
        parent.read(&mut p, 0).unwrap();
        child.read(&mut c, 0).unwrap();
        assert_eq!((p, c), ([1, 3], [1, 2]));
        conserved(&vm, 2);
    });
}

/// A snapshot racing the close of its parent's last handle: the child sees the content
/// either way and nothing leaks.
#[test]
fn snapshot_racing_the_close_of_the_parent() {
    loom::model(|| {
        let vm = vm();
        let parent = vmo(&vm, 1, 1);
        parent.write(&[9], 0).unwrap();
        let keep = parent.clone();
        let closer = thread::spawn(move || drop(parent));
        let child = keep.create_snapshot(2, 0, P, VmoOptions::default()).unwrap();
        drop(keep);
        closer.join().unwrap();
        assert_eq!(byte(&child, 0), 9);
        conserved(&vm, 1);
        drop(child);
        conserved(&vm, 0);
    });
}

/// Pin racing decommit: either the pin wins (decommit is BAD_STATE and the page stays) or
/// the decommit wins (the pin commits a fresh page); pins always accounted for.
#[test]
fn pin_racing_decommit() {
    loom::model(|| {
        let vm = vm();
        let v = vmo(&vm, 1, 1);
        v.write(&[1], 0).unwrap();
        let pinner = {
            let v = v.clone();
            thread::spawn(move || v.pin(0, P).unwrap())
        };
        let decommit = v.decommit(0, P);
        pinner.join().unwrap();
        match decommit {
            Ok(()) => assert_eq!(byte(&v, 0), 0),
            Err(e) => {
                assert_eq!(e, VmError::BadState);
                assert_eq!(byte(&v, 0), 1);
            }
        }
        vm.check_invariants().unwrap();
        v.unpin(0, P);
        conserved(&vm, 1);
    });
}

/// Page allocator: single and contiguous allocations racing frees never hand a frame out
/// twice and never lose one.
#[test]
fn allocator_alloc_free_and_contiguous_race() {
    use zx_vm::{PageAllocator, ZeroFill};
    loom::model(|| {
        let allocator = Arc::new(PageAllocator::new(4 * P, 0));
        let first = allocator.alloc(ZeroFill::No).unwrap();
        let other = {
            let allocator = allocator.clone();
            thread::spawn(move || {
                allocator.alloc_contiguous(2, 13, ZeroFill::No).map(|run| (allocator, run))
            })
        };
        allocator.free(first);
        let single = allocator.alloc(ZeroFill::No).unwrap();
        let (allocator_back, run) = other.join().unwrap().unwrap();
        let mut indices: Vec<u32> = run.iter().map(|f| f.index()).collect();
        indices.push(single.index());
        indices.sort_unstable();
        indices.dedup();
        assert_eq!(indices.len(), 3, "a frame handed out twice");
        allocator_back.free_all(run);
        allocator.free(single);
        assert_eq!(allocator.free_frames(), 4);
    });
}

/// Hot slots racing: a frame kept hot by one thread is taken by its owner or reclaimed by a
/// thread that ran out, never both; no frame is live twice; every frame is free at the end.
#[test]
fn hot_frames_race_their_owner_and_a_thread_out_of_memory() {
    use std::collections::HashSet;
    use zx_vm::{PageAllocator, ZeroFill};
    loom::model(|| {
        let allocator = Arc::new(PageAllocator::new(2 * P, 0));
        let live = Arc::new(loom::sync::Mutex::new(HashSet::new()));
        let take = |allocator: &PageAllocator, live: &loom::sync::Mutex<HashSet<u32>>| {
            let frame = allocator.alloc(ZeroFill::No).ok()?;
            assert!(live.lock().unwrap().insert(frame.index()), "frame handed out twice");
            Some(frame)
        };
        let give = |allocator: &PageAllocator, live: &loom::sync::Mutex<HashSet<u32>>, f| {
            let frame: zx_vm::Frame = f;
            live.lock().unwrap().remove(&frame.index());
            allocator.free(frame);
        };
        let hot = take(&allocator, &live).unwrap();
        give(&allocator, &live, hot); // now hot in this thread's slot
        let other = {
            let (allocator, live) = (allocator.clone(), live.clone());
            thread::spawn(move || {
                let frames: Vec<_> = (0..2).filter_map(|_| take(&allocator, &live)).collect();
                let got = frames.len();
                for frame in frames {
                    give(&allocator, &live, frame);
                }
                got
            })
        };
        let mine = take(&allocator, &live);
        let mine_ok = mine.is_some();
        if let Some(frame) = mine {
            give(&allocator, &live, frame);
        }
        let theirs = other.join().unwrap();
        assert!(theirs >= 1, "one frame was free in the bitmap all along");
        assert!(mine_ok || theirs == 2, "a thread ran out while a frame was free");
        assert_eq!(allocator.check(), Ok(()));
        assert_eq!(allocator.free_frames(), 2);
    });
}
