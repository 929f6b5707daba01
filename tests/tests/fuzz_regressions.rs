//! Regression tests from the `syscalls` fuzz target (`fuzz/fuzz_targets/syscalls.rs`).
//!
//! Each test here replays, through the public API, the exact call sequence of one minimised
//! crash (`cargo fuzz tmin syscalls <artifact>`; running the artifact with `ZX_FUZZ_TRACE=1`
//! prints the sequence with its concrete arguments), followed by the checks the fuzz target
//! makes: no panic, no `ZX_ERR_INTERNAL`, `check_invariants()` Ok, and after every handle is
//! closed (PMTs unpinned, quarantines released) `free_bytes == total_bytes`.
//!
//! The first four runs (about 4.7 million sequences) found no crash. The fifth, after the
//! target learned to pin with valid arguments, found `reclaim_discards_pinned_pages`.
//! `fuzz_teardown_protocol` replays the shape of the sequences the fuzzer's teardown must clean
//! up (a pin left in place, a PMT closed into the quarantine, a snapshot chain) so that the
//! helpers a new test starts from stay exercised.

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process};

/// The fuzz target's kernel (256 pages of RAM) and its two processes.
fn fuzz_setup() -> (Kernel, Process, Process) {
    let kernel = Kernel::new(KernelConfig { memory_bytes: 256 * P, ..KernelConfig::default() });
    let p0 = kernel.create_process();
    let p1 = kernel.create_process();
    (kernel, p0, p1)
}

/// The fuzz target's teardown: invariants, then in each process unpin every PMT, release every
/// quarantine and close every handle, and check that every page is back in the allocator.
fn fuzz_teardown(kernel: &Kernel, processes: &[(&Process, &[zx_handle_t])]) {
    assert_clean(kernel);
    for &(p, handles) in processes {
        let live: Vec<_> = handles
            .iter()
            .filter_map(|&h| p.object_get_info_handle_basic(h).ok().map(|i| (h, i.type_)))
            .collect();
        for &(h, ty) in &live {
            if ty == ZX_OBJ_TYPE_PMT {
                ok!(p.pmt_unpin(h));
            }
        }
        for &(h, ty) in &live {
            if ty == ZX_OBJ_TYPE_BTI {
                let _ = p.bti_release_quarantine(h);
            }
        }
        for &(h, ty) in &live {
            if ty != ZX_OBJ_TYPE_PMT {
                ok!(p.handle_close(h));
            }
        }
    }
    assert_no_leak(kernel);
}

#[test]
fn fuzz_teardown_protocol() {
    let (kernel, p0, p1) = fuzz_setup();
    let mut h0 = Vec::new();
    let root = ok!(p0.root_resource());
    let iommu = ok!(p0.iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &[0]));
    let bti = ok!(p0.bti_create(iommu, 0, 0));
    let vmo = ok!(p0.vmo_create(4 * P, 0));
    h0.extend([root, iommu, bti, vmo]);
    ok!(p0.vmo_write(vmo, &[7; 100], P - 50));
    let snap = ok!(p0.vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 6 * P));
    h0.push(snap);
    let mut addrs = [0; 2];
    // A pin left in place (unpinned by the teardown) and one closed into the quarantine.
    h0.push(ok!(p0.bti_pin(bti, ZX_BTI_PERM_WRITE, snap, 0, 2 * P, &mut addrs)));
    let quarantined = ok!(p0.bti_pin(bti, ZX_BTI_PERM_READ, vmo, 2 * P, 2 * P, &mut addrs));
    ok!(p0.handle_close(quarantined));
    assert_eq!(ok!(p0.object_get_info_bti(bti)).quarantine_count, 1);
    // A handle of p0 is BAD_HANDLE in p1.
    assert_err!(p1.vmo_read(vmo, &mut [0; 1], 0), ZX_ERR_BAD_HANDLE);
    let other = ok!(p1.vmo_create(P, ZX_VMO_RESIZABLE));
    ok!(p1.vmo_write(other, &[1; 10], 0));
    fuzz_teardown(&kernel, &[(&p0, &h0), (&p1, &[other])]);
}

/// Fuzz run 5: the kernel's reclaim discarded an unlocked discardable VMO whose pages were
/// pinned, freeing frames a PMT still held (`check_invariants`: "0 pinned slots but the node
/// counts 4"). A pinned page cannot go away: the reclaim now leaves such a VMO whole.
#[test]
fn reclaim_discards_pinned_pages() {
    let (kernel, _p0, p1) = fuzz_setup();
    let vmo = ok!(p1.vmo_create(0x0, ZX_VMO_DISCARDABLE | ZX_VMO_UNBOUNDED));
    let root = ok!(p1.root_resource());
    let iommu = ok!(p1.iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &[0]));
    let bti = ok!(p1.bti_create(iommu, 0, 0xdf));
    let mut addrs = [0; 4];
    let pmt = ok!(p1.bti_pin(
        bti,
        ZX_BTI_PERM_READ | ZX_BTI_PERM_WRITE,
        vmo,
        0xf3000,
        0x4000,
        &mut addrs
    ));
    assert_eq!(kernel.reclaim_discardable(), 0, "pinned pages are not reclaimed");
    assert_clean(&kernel);
    ok!(p1.pmt_unpin(pmt));
    assert_eq!(kernel.reclaim_discardable(), 4, "once unpinned they are");
    fuzz_teardown(&kernel, &[(&p1, &[vmo, root, iommu, bti])]);
}
