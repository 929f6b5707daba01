//! Loom models of address spaces: mapped accesses racing unmap, protect and VMO operations
//! (docs/reference.md §11.10, §11.14). Each names the guarantee it checks and ends with page
//! conservation. Run with `.ci/loom`.
#![cfg(loom)]

use loom::thread;
use zx_syscalls::zx::*;
use zx_syscalls::{Access, KernelCore, KernelSettings, PageFault, Status};

const P: u64 = ZX_PAGE_SIZE;
const RW: u32 = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;

fn kernel() -> std::sync::Arc<KernelCore> {
    KernelCore::new(KernelSettings { memory_bytes: 8 * P, ..KernelSettings::default() })
}

fn no_leak(kernel: &KernelCore) {
    kernel.check_invariants().unwrap();
    let stats = kernel.kmem_stats();
    assert_eq!(stats.free_bytes, stats.total_bytes, "pages leaked");
}

/// A mapped store racing an unmap of its page (the last reference to the VMO): the store
/// completes or faults NOT_FOUND, never touches a freed page, and everything is released.
#[test]
fn mapped_store_racing_unmap() {
    loom::model(|| {
        let kernel = kernel();
        let process = kernel.create_process();
        let vmo = process.vmo_create(P, 0).unwrap();
        let root = process.vmar_root_self();
        let addr = process.vmar_map(root, RW, 0, vmo, 0, P).unwrap();
        process.handle_close(vmo).unwrap();
        process.store_mapped_u64(addr, 1).unwrap(); // cached: the store takes the fast path
        let unmapper = {
            let process = process.clone();
            thread::spawn(move || process.vmar_unmap(root, addr, P).unwrap())
        };
        let stored = process.store_mapped_u64(addr, 2);
        unmapper.join().unwrap();
        if let Err(fault) = stored {
            assert_eq!(
                fault,
                PageFault { vaddr: addr, access: Access::Write, status: Status::NOT_FOUND }
            );
        }
        assert_eq!(process.load_mapped_u64(addr).unwrap_err().status, Status::NOT_FOUND);
        no_leak(&kernel);
    });
}

/// A mapped load racing `vmo_transfer_data` out of the page it reads: it sees the old word
/// or zero (the page moved out), never a mix within the aligned u64.
#[test]
fn mapped_load_racing_transfer_out() {
    loom::model(|| {
        let kernel = kernel();
        let process = kernel.create_process();
        let vmo = process.vmo_create(P, 0).unwrap();
        let dst = process.vmo_create(P, 0).unwrap();
        let old = 0x1122_3344_5566_7788u64;
        process.vmo_write(vmo, &old.to_le_bytes(), 0).unwrap();
        let root = process.vmar_root_self();
        let addr = process.vmar_map(root, ZX_VM_PERM_READ, 0, vmo, 0, P).unwrap();
        let mover = {
            let process = process.clone();
            thread::spawn(move || process.vmo_transfer_data(dst, 0, 0, P, vmo, 0).unwrap())
        };
        let seen = process.load_mapped_u64(addr).unwrap();
        mover.join().unwrap();
        assert!(seen == old || seen == 0, "torn {seen:#x}");
        assert_eq!(process.load_mapped_u64(addr), Ok(0));
        process.vmar_unmap(root, addr, P).unwrap();
        for h in [vmo, dst] {
            process.handle_close(h).unwrap();
        }
        no_leak(&kernel);
    });
}

/// `vmar_protect` (to read-only) racing a store: the store either lands before the protect
/// returns or faults ACCESS_DENIED and changes nothing.
#[test]
fn protect_racing_store() {
    loom::model(|| {
        let kernel = kernel();
        let process = kernel.create_process();
        let vmo = process.vmo_create(P, 0).unwrap();
        let root = process.vmar_root_self();
        let addr = process.vmar_map(root, RW, 0, vmo, 0, P).unwrap();
        process.store_mapped_u64(addr, 1).unwrap();
        let protector = {
            let process = process.clone();
            thread::spawn(move || {
                process.vmar_protect(root, ZX_VM_PERM_READ, addr, P).unwrap();
                // After protect returns, no store can land.
                process.load_mapped_u64(addr).unwrap()
            })
        };
        let stored = process.store_mapped_u64(addr, 2);
        let after_protect = protector.join().unwrap();
        let last = process.load_mapped_u64(addr).unwrap();
        assert_eq!(after_protect, last, "a store landed after protect returned");
        match stored {
            Ok(()) => assert_eq!(last, 2),
            Err(fault) => {
                assert_eq!(fault.status, Status::ACCESS_DENIED);
                assert_eq!(last, 1);
            }
        }
        process.vmar_unmap(root, addr, P).unwrap();
        process.handle_close(vmo).unwrap();
        no_leak(&kernel);
    });
}

/// Two stores into one shared copy-on-write page from two processes, each mapping one of two
/// snapshot siblings (the second process made with `process_create`, its root VMAR mapped
/// through the handle the first holds): each fork is private, the parent keeps its content,
/// no page is lost.
#[test]
fn stores_to_a_shared_cow_page_of_two_siblings() {
    loom::model(|| {
        let kernel = kernel();
        let process = kernel.create_process();
        let (child, child_root) = process.process_create(process.job_default(), b"c", 0).unwrap();
        let other = process.process_for_handle(child).unwrap();
        let parent = process.vmo_create(P, 0).unwrap();
        process.vmo_write(parent, &7u64.to_le_bytes(), 0).unwrap();
        let a = process.vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, P).unwrap();
        let b = process.vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, P).unwrap();
        let root = process.vmar_root_self();
        let addr_a = process.vmar_map(root, RW, 0, a, 0, P).unwrap();
        let addr_b = process.vmar_map(child_root, RW, 0, b, 0, P).unwrap();
        let storer = {
            let other = other.clone();
            thread::spawn(move || other.store_mapped_u64(addr_b, 2).unwrap())
        };
        process.store_mapped_u64(addr_a, 1).unwrap();
        storer.join().unwrap();
        assert_eq!(process.load_mapped_u64(addr_a), Ok(1));
        assert_eq!(other.load_mapped_u64(addr_b), Ok(2));
        let mut word = [0u8; 8];
        process.vmo_read(parent, &mut word, 0).unwrap();
        assert_eq!(u64::from_le_bytes(word), 7);
        kernel.check_invariants().unwrap();
        drop(other);
        process.vmar_unmap(root, addr_a, P).unwrap();
        for h in [a, b, parent, child, child_root] {
            process.handle_close(h).unwrap();
        }
        no_leak(&kernel);
    });
}
