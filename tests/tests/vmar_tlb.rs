//! The translation cache: every change of the address space is seen by the very next
//! access, even right after the page's translation was cached by an access; and concurrent
//! accesses racing unmap, protect and VMO operations end in one of the allowed outcomes
//! (docs/reference.md §11.10, §11.14). The racing tests run under a watchdog.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use zx_conformance::vmar::*;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::Access;

/// Runs `f` on a thread and fails the test if it does not end within a minute.
fn with_watchdog(f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(()) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => worker.join().unwrap(), // it panicked
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("watchdog: the test hung"),
    }
}

#[test]
fn a_cached_page_faults_right_after_unmap_protect_and_destroy() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, 2 * P);
    let addr = map(&p, v, RW, 2);
    p.store_mapped_u64(addr, 1).unwrap(); // cached now
    ok!(p.vmar_protect(root, R, addr, P));
    assert_eq!(p.store_mapped_u64(addr, 2), Err(fault(addr, Access::Write, ZX_ERR_ACCESS_DENIED)));
    assert_eq!(p.load_mapped_u64(addr), Ok(1));
    ok!(p.vmar_unmap(root, addr, P));
    assert_eq!(p.load_mapped_u64(addr), Err(fault(addr, Access::Read, ZX_ERR_NOT_FOUND)));
    let (s, sbase) = sub(&p, ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE, 0, 1);
    let in_sub = ok!(p.vmar_map(s, RW, 0, v, P, P));
    assert_eq!(in_sub, sbase);
    p.store_mapped_u64(in_sub, 3).unwrap();
    ok!(p.vmar_destroy(s));
    assert_eq!(p.load_mapped_u64(in_sub), Err(fault(in_sub, Access::Read, ZX_ERR_NOT_FOUND)));
    ok!(p.vmar_unmap(root, BASE, 8 * P));
    finish(&k, &p, &[v, s]);
}

#[test]
fn a_cached_page_follows_an_overwrite_to_its_new_vmo() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let a = vmo(&p, P);
    let b = vmo(&p, P);
    fill(&p, a, 0, 8, 1);
    fill(&p, b, 0, 8, 2);
    let addr = map(&p, a, R, 1);
    assert_eq!(peek(&p, addr), Ok(1));
    ok!(p.vmar_map(root, R | ZX_VM_SPECIFIC_OVERWRITE, addr - BASE, b, 0, P));
    assert_eq!(peek(&p, addr), Ok(2));
    ok!(p.vmar_unmap(root, addr, P));
    finish(&k, &p, &[a, b]);
}

#[test]
fn a_cached_page_sees_shrink_decommit_and_a_new_snapshot() {
    let (k, p) = setup();
    let v = vmo_opts(&p, 2 * P, ZX_VMO_RESIZABLE);
    let addr = map(&p, v, RW, 2);
    p.store_mapped_u64(addr + P, 9).unwrap();
    ok!(p.vmo_set_size(v, P));
    assert_eq!(
        p.load_mapped_u64(addr + P),
        Err(fault(addr + P, Access::Read, ZX_ERR_OUT_OF_RANGE))
    );
    ok!(p.vmo_set_size(v, 2 * P));
    assert_eq!(p.load_mapped_u64(addr + P), Ok(0));
    p.store_mapped_u64(addr, 5).unwrap();
    let child = snap(&p, v, 0, P);
    p.store_mapped_u64(addr, 6).unwrap(); // forks: the snapshot keeps 5
    assert_eq!(read_vec(&p, child, 0, 8), 5u64.to_le_bytes());
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, 2 * P));
    finish(&k, &p, &[v, child]);
}

#[test]
fn stores_racing_unmap_complete_or_fault_not_found_and_never_leak() {
    with_watchdog(|| {
        let (k, p) = setup();
        let root = p.vmar_root_self();
        for _ in 0..50 {
            let v = vmo(&p, P);
            let addr = map(&p, v, RW, 1);
            close_all(&p, &[v]);
            let stop = AtomicBool::new(false);
            std::thread::scope(|s| {
                let p2 = p.clone();
                let stop = &stop;
                s.spawn(move || {
                    let mut i = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        match p2.store_mapped_u64(addr, i) {
                            Ok(()) => {}
                            Err(f) => {
                                assert_eq!(f, fault(addr, Access::Write, ZX_ERR_NOT_FOUND));
                                break;
                            }
                        }
                        i += 1;
                    }
                });
                std::thread::yield_now();
                ok!(p.vmar_unmap(root, addr, P));
                stop.store(true, Ordering::Relaxed);
            });
            assert_eq!(p.load_mapped_u64(addr), Err(fault(addr, Access::Read, ZX_ERR_NOT_FOUND)));
        }
        assert_no_leak(&k);
    });
}

#[test]
fn loads_racing_transfer_see_old_or_new_words_never_a_mix() {
    with_watchdog(|| {
        let (k, p) = setup();
        let v = vmo(&p, P);
        let src = vmo(&p, P);
        let addr = map(&p, v, R, 1);
        for round in 0..200u64 {
            let old = round * 2 + 1;
            let new = u64::MAX - round;
            p.vmo_write(v, &old.to_le_bytes(), 0).unwrap();
            p.vmo_write(src, &new.to_le_bytes(), 0).unwrap();
            std::thread::scope(|s| {
                let p2 = p.clone();
                let reader = s.spawn(move || {
                    (0..50).map(|_| p2.load_mapped_u64(addr).unwrap()).collect::<Vec<_>>()
                });
                ok!(p.vmo_transfer_data(v, 0, 0, P, src, 0));
                for seen in reader.join().unwrap() {
                    assert!(seen == old || seen == new, "torn word {seen:#x}");
                }
            });
        }
        ok!(p.vmar_unmap(p.vmar_root_self(), addr, P));
        finish(&k, &p, &[v, src]);
    });
}

#[test]
fn protect_racing_stores_never_lets_a_store_through_after_it_returns() {
    with_watchdog(|| {
        let (k, p) = setup();
        let root = p.vmar_root_self();
        let v = vmo(&p, P);
        for _ in 0..50 {
            let addr = map(&p, v, RW, 1);
            let done = AtomicBool::new(false);
            std::thread::scope(|s| {
                let p2 = p.clone();
                let done = &done;
                s.spawn(move || {
                    let mut i = 1u64;
                    while p2.store_mapped_u64(addr, i).is_ok() {
                        i += 1;
                    }
                    done.store(true, Ordering::Relaxed);
                });
                std::thread::yield_now();
                ok!(p.vmar_protect(root, R, addr, P));
                let after = p.load_mapped_u64(addr).unwrap();
                // The writer may still be running, but none of its stores lands any more.
                std::thread::sleep(Duration::from_millis(1));
                assert_eq!(p.load_mapped_u64(addr), Ok(after));
            });
            assert!(done.load(Ordering::Relaxed));
            ok!(p.vmar_unmap(root, addr, P));
        }
        finish(&k, &p, &[v]);
    });
}
