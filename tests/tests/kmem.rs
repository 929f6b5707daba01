//! Conformance tests for the kernel memory statistics of docs/reference.md §0 (`Kernel::kmem_stats`) that
//! docs/reference.md §3, §4 and §8 rely on: `total_bytes` = configured RAM, `free_bytes` = free
//! frames × 4096, `vmo_bytes` = frames held by VMOs × 4096, and every frame coming back once
//! every handle is closed.

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig};

#[test]
fn default_config_has_256_mib_of_ram_all_free() {
    let k = Kernel::new(KernelConfig::default());
    assert_eq!(KernelConfig::default().memory_bytes, 256 << 20);
    let s = k.kmem_stats();
    assert_eq!(s.total_bytes, 256 << 20);
    assert_eq!(s.free_bytes, s.total_bytes, "the allocator keeps no frames for itself");
    assert_eq!(s.vmo_bytes, 0);
    assert_clean(&k);
}

#[test]
fn total_bytes_is_the_configured_memory() {
    for pages in [1u64, 16, 100, 4096] {
        let k = Kernel::new(KernelConfig { memory_bytes: pages * P, ..KernelConfig::default() });
        let s = k.kmem_stats();
        assert_eq!(s.total_bytes, pages * P);
        assert_eq!(s.free_bytes, pages * P);
        assert_eq!(s.vmo_bytes, 0);
    }
}

#[test]
fn creating_vmos_allocates_no_frames() {
    let (k, p) = setup();
    let hs: Vec<_> = [0, P, 100 * P, MAX_SIZE].iter().map(|&s| vmo(&p, s)).collect();
    let s = k.kmem_stats();
    assert_eq!(s.free_bytes, s.total_bytes);
    assert_eq!(s.vmo_bytes, 0);
    close_all(&p, &hs);
    assert_no_leak(&k);
}

#[test]
fn vmo_bytes_grows_by_one_page_per_committed_page() {
    let (k, p) = setup();
    let total = k.kmem_stats().total_bytes;
    let h = vmo(&p, 10 * P);
    for i in 0..10u64 {
        fill(&p, h, i * P + 7, 1, 0x10 + i as u8);
        let s = k.kmem_stats();
        assert_eq!(s.vmo_bytes, (i + 1) * P, "after writing page {i}");
        assert_eq!(s.free_bytes, total - (i + 1) * P, "after writing page {i}");
        assert_eq!(s.total_bytes, total);
    }
    // Rewriting committed pages allocates nothing.
    fill(&p, h, 0, 10 * P as usize, 0x20);
    assert_eq!(vmo_bytes(&k), 10 * P);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn reads_allocate_no_frames() {
    let (k, p) = setup();
    let h = vmo(&p, 8 * P);
    let _ = read_vec(&p, h, 0, 8 * P as usize);
    assert_eq!(vmo_bytes(&k), 0);
    assert_eq!(free_bytes(&k), k.kmem_stats().total_bytes);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn vmo_bytes_sums_over_vmos_and_processes() {
    let (k, p) = setup();
    let q = k.create_process();
    let a = vmo(&p, 4 * P);
    let b = vmo(&q, 4 * P);
    fill(&p, a, 0, 3 * P as usize, 1);
    fill(&q, b, 0, 2 * P as usize, 2);
    assert_eq!(vmo_bytes(&k), 5 * P);
    assert_eq!(committed(&p, a) + committed(&q, b), vmo_bytes(&k));
    let s = k.kmem_stats();
    assert_eq!(s.free_bytes + s.vmo_bytes, s.total_bytes);
    ok!(p.handle_close(a));
    assert_eq!(vmo_bytes(&k), 2 * P);
    ok!(q.handle_close(b));
    assert_no_leak(&k);
}

#[test]
fn commit_decommit_zero_and_resize_move_frames_in_and_out() {
    let (k, p) = setup();
    let total = k.kmem_stats().total_bytes;
    let h = vmo_opts(&p, 8 * P, ZX_VMO_RESIZABLE);
    ok!(p.vmo_op_range(h, ZX_VMO_OP_COMMIT, 0, 8 * P, &mut []));
    assert_eq!(vmo_bytes(&k), 8 * P);
    assert_eq!(free_bytes(&k), total - 8 * P);
    ok!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, 2 * P, &mut []));
    assert_eq!(vmo_bytes(&k), 6 * P);
    ok!(p.vmo_op_range(h, ZX_VMO_OP_ZERO, 2 * P, 2 * P, &mut []));
    assert_eq!(vmo_bytes(&k), 4 * P);
    ok!(p.vmo_set_size(h, 6 * P));
    assert_eq!(vmo_bytes(&k), 2 * P);
    assert_eq!(free_bytes(&k), total - 2 * P);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn everything_returns_after_closing_all_handles() {
    let (k, p) = setup();
    let q = k.create_process();
    let mut handles = Vec::new();
    for i in 0..20u64 {
        let opts = [0, ZX_VMO_RESIZABLE, ZX_VMO_DISCARDABLE, ZX_VMO_UNBOUNDED][(i % 4) as usize];
        let h = vmo_opts(&p, (i + 1) * P, opts);
        fill(&p, h, 0, ((i + 1) * P) as usize, i as u8);
        handles.push(h);
    }
    let dups: Vec<_> = handles.iter().map(|&h| dup(&p, h, ZX_RIGHT_SAME_RIGHTS)).collect();
    let e = event(&q);
    assert_eq!(vmo_bytes(&k), (1..=20u64).sum::<u64>() * P);
    assert_clean(&k);
    close_all(&p, &handles);
    // Duplicates keep every page alive.
    assert_eq!(vmo_bytes(&k), (1..=20u64).sum::<u64>() * P);
    close_all(&p, &dups);
    ok!(q.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn memory_exhaustion_and_recovery_keep_the_books_balanced() {
    let (k, p) = setup_with_pages(16);
    let a = vmo(&p, 10 * P);
    let b = vmo(&p, 10 * P);
    fill(&p, a, 0, 10 * P as usize, 1);
    assert_err!(p.vmo_write(b, &vec![2u8; 10 * P as usize], 0), ZX_ERR_NO_MEMORY);
    let s = k.kmem_stats();
    assert_eq!(s.total_bytes, 16 * P);
    assert_eq!(s.free_bytes + s.vmo_bytes, s.total_bytes);
    assert_eq!(s.vmo_bytes, committed(&p, a) + committed(&p, b));
    assert_clean(&k);
    ok!(p.handle_close(a));
    fill(&p, b, 0, 10 * P as usize, 3);
    assert_bytes(&p, b, 0, 10 * P as usize, 3);
    assert_eq!(vmo_bytes(&k), 10 * P);
    ok!(p.handle_close(b));
    assert_no_leak(&k);
}

#[test]
fn reclaim_returns_pages_to_the_allocator() {
    let (k, p) = setup();
    let h = vmo_opts(&p, 5 * P, ZX_VMO_DISCARDABLE);
    let mut buf = [0u8; 32];
    ok!(p.vmo_op_range(h, ZX_VMO_OP_LOCK, 0, 5 * P, &mut buf));
    fill(&p, h, 0, 5 * P as usize, 9);
    ok!(p.vmo_op_range(h, ZX_VMO_OP_UNLOCK, 0, 5 * P, &mut []));
    let free0 = free_bytes(&k);
    assert_eq!(k.reclaim_discardable(), 5);
    assert_eq!(free_bytes(&k), free0 + 5 * P);
    assert_eq!(vmo_bytes(&k), 0);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn kmem_stats_topics_on_root_resource_match_kernel_stats() {
    let (k, p) = setup();
    let h = vmo(&p, 4 * P);
    fill(&p, h, 0, 3 * P as usize, 1);
    let root = ok!(p.root_resource());
    let want = k.kmem_stats();
    let mut buf = vec![0u8; std::mem::size_of::<zx_info_kmem_stats_t>()];
    assert_eq!(ok!(p.object_get_info(root, ZX_INFO_KMEM_STATS, &mut buf)), (1, 1));
    let field = |b: &[u8], i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap());
    // Current layout: total @0, free @1, free_loaned @2, wired @3, heap @4, free_heap @5, vmo @6.
    assert_eq!(field(&buf, 0), want.total_bytes);
    assert_eq!(field(&buf, 1), want.free_bytes);
    assert_eq!(field(&buf, 6), 3 * P);
    // The V1 layout: total @0, free @1, wired @2, heap @3, free_heap @4, vmo @5.
    let mut v1 = vec![0u8; 9 * 8];
    assert_eq!(ok!(p.object_get_info(root, ZX_INFO_KMEM_STATS_V1, &mut v1)), (1, 1));
    assert_eq!(field(&v1, 0), want.total_bytes);
    assert_eq!(field(&v1, 1), want.free_bytes);
    assert_eq!(field(&v1, 5), 3 * P);
    let mut short = vec![0u8; buf.len() - 1];
    assert_err!(p.object_get_info(root, ZX_INFO_KMEM_STATS, &mut short), ZX_ERR_BUFFER_TOO_SMALL);
    // A VMO is not a resource.
    assert_err!(p.object_get_info(h, ZX_INFO_KMEM_STATS, &mut buf), ZX_ERR_WRONG_TYPE);
    close_all(&p, &[h, root]);
    assert_no_leak(&k);
}
