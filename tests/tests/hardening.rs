//! Regression tests for the promises an adversarial review broke: handle values that
//! aliased across processes, a valid call sequence that panicked, memory statistics and the
//! invariant check under concurrency, a consumed handle that kept its waiters blocked, a
//! failed pin that left pages pinned, and a kernel constructor that could only panic.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process};

/// How long a thread that should be woken may take before the test calls it a hang.
const WATCHDOG: Duration = Duration::from_secs(5);

#[test]
fn a_handle_value_from_one_process_names_nothing_in_another() {
    let (kernel, a) = setup();
    let b = kernel.create_process();
    let in_b = vmo(&b, 3 * P);
    let in_a = vmo(&a, P);
    // The first handle of each process sits in slot 0 of its table; the values differ.
    assert_ne!(in_a, in_b);
    assert_err!(b.vmo_get_size(in_a), ZX_ERR_BAD_HANDLE);
    assert_err!(a.vmo_get_size(in_b), ZX_ERR_BAD_HANDLE);
    assert_err!(b.handle_close(in_a), ZX_ERR_BAD_HANDLE);
    assert_eq!(ok!(b.vmo_get_size(in_b)), 3 * P);
    close_all(&a, &[in_a]);
    close_all(&b, &[in_b]);
    assert_no_leak(&kernel);
}

#[test]
fn many_values_of_one_process_name_nothing_in_many_others() {
    let (kernel, owner) = setup();
    let values: Vec<zx_handle_t> = (0..256).map(|_| event(&owner)).collect();
    for _ in 0..16 {
        let other = kernel.create_process();
        let own: Vec<zx_handle_t> = (0..256).map(|_| event(&other)).collect();
        let aliased = values.iter().filter(|&&v| other.object_signal(v, 0, 0).is_ok()).count();
        // 256 live handles among 2^30 values: one alias in 16 processes has odds of about
        // 2^-10 for each value; none at all is what the scrambling makes near certain.
        assert_eq!(aliased, 0, "values of one process name objects in another");
        close_all(&other, &own);
    }
    close_all(&owner, &values);
}

#[test]
fn values_are_scrambled_per_process_yet_keep_the_fixed_bits() {
    let (kernel, a) = setup();
    let firsts: Vec<zx_handle_t> = (0..8)
        .map(|_| {
            let p = kernel.create_process();
            let h = event(&p);
            assert_eq!(h & ZX_HANDLE_FIXED_BITS_MASK, ZX_HANDLE_FIXED_BITS_MASK);
            assert_ne!(h, ZX_HANDLE_INVALID);
            h
        })
        .collect();
    let distinct: std::collections::HashSet<_> = firsts.iter().collect();
    assert!(distinct.len() > 1, "every process gave its first handle the same value");
    drop(a);
}

#[test]
fn a_seeded_kernel_hands_out_the_same_values_every_run() {
    let run = || {
        let config = KernelConfig { handle_seed: Some(7), ..KernelConfig::default() };
        let kernel = Kernel::new(config);
        let (a, b) = (kernel.create_process(), kernel.create_process());
        let values = (vmo(&a, P), vmo(&b, P), event(&a));
        assert_err!(b.vmo_get_size(values.0), ZX_ERR_BAD_HANDLE);
        values
    };
    assert_eq!(run(), run());
}

/// Snapshot at a far offset, then snapshot the child again and close the previous one,
/// many times: offsets projected onto the root must never overflow.
#[test]
fn snapshot_chains_at_far_offsets_never_overflow() {
    let (kernel, p) = setup();
    let root = vmo(&p, 0);
    let far = 0xFFFF_FFFF_FFFF_F000;
    let mut current = ok!(p.vmo_create_child(root, ZX_VMO_CHILD_SNAPSHOT, far, 0));
    // Projected onto the root, this one would end past u64::MAX.
    assert_err!(p.vmo_create_child(current, ZX_VMO_CHILD_SNAPSHOT, far, 0), ZX_ERR_INVALID_ARGS);
    for round in 0..5000 {
        let next = match p.vmo_create_child(current, ZX_VMO_CHILD_SNAPSHOT, 0, 0) {
            Ok(h) => h,
            Err(s) => panic!("round {round}: {s}"),
        };
        ok!(p.handle_close(current));
        current = next;
    }
    assert_clean(&kernel);
    close_all(&p, &[current, root]);
    assert_no_leak(&kernel);
}

#[test]
fn a_child_ending_exactly_at_the_top_of_u64_is_refused() {
    let (kernel, p) = setup();
    let root = vmo(&p, 0);
    let child1 = ok!(p.vmo_create_child(root, ZX_VMO_CHILD_SNAPSHOT, 0xFFFF_FFFF_FFFF_8000, 0));
    // 0xFFFF_FFFF_FFFF_8000 + 0x8000 is 2^64.
    assert_err!(p.vmo_create_child(child1, ZX_VMO_CHILD_SNAPSHOT, 0x8000, 0), ZX_ERR_INVALID_ARGS);
    let options = ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_RESIZABLE;
    let child2 = ok!(p.vmo_create_child(child1, options, 0x4000, 0));
    // Growing child2 to 0x4000 would end at 2^64 in the root: refused, nothing changes.
    assert_err!(p.vmo_set_size(child2, 0x4000), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_set_size(child2, 0x8000), ZX_ERR_INVALID_ARGS);
    assert_eq!(ok!(p.vmo_get_size(child2)), 0);
    ok!(p.vmo_set_size(child2, 0x3000));
    ok!(p.vmo_write(child2, b"top", 0x2FFD));
    assert_clean(&kernel);
    close_all(&p, &[child2, child1, root]);
    assert_no_leak(&kernel);
}

#[test]
fn far_snapshots_of_snapshots_merge_without_overflow() {
    let (kernel, p) = setup();
    let root = vmo(&p, 2 * P);
    fill(&p, root, 0, 2 * P as usize, 0xA5);
    let mid = ok!(p.vmo_create_child(root, ZX_VMO_CHILD_SNAPSHOT, P, 0x7FFF_FFFF_FFFF_0000));
    let leaf = ok!(p.vmo_create_child(mid, ZX_VMO_CHILD_SNAPSHOT, 0, 0x7FFF_FFFF_FFFF_0000));
    assert_err!(
        p.vmo_create_child(leaf, ZX_VMO_CHILD_SNAPSHOT, 0xFFFF_FFFF_FFFF_F000, 0),
        ZX_ERR_INVALID_ARGS
    );
    // Closing the middle merges hidden nodes; the leaf still sees the root's page.
    ok!(p.handle_close(mid));
    assert_bytes(&p, leaf, 0, P as usize, 0xA5);
    assert_bytes(&p, leaf, P, P as usize, 0);
    assert_clean(&kernel);
    close_all(&p, &[leaf, root]);
    assert_no_leak(&kernel);
}

/// Runs `work` on `threads` threads, each with a process of its own, while `observe` runs
/// on this thread for about `for_how_long`; then stops the workers and returns.
fn while_threads_work(
    kernel: &Kernel,
    threads: usize,
    work: fn(&Process, &AtomicBool),
    for_how_long: Duration,
    mut observe: impl FnMut(),
) {
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (process, stop) = (kernel.create_process(), stop.clone());
            thread::spawn(move || work(&process, &stop))
        })
        .collect();
    let start = Instant::now();
    while start.elapsed() < for_how_long {
        observe();
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().expect("a worker panicked");
    }
}

/// Commits and decommits one page over and over; in a RAM smaller than the workers' pages,
/// commits find the RAM taken (NO_MEMORY) and frames move between the threads.
fn commit_and_decommit(p: &Process, stop: &AtomicBool) {
    let v = vmo(p, P);
    while !stop.load(Ordering::Relaxed) {
        let _ = p.vmo_op_range(v, ZX_VMO_OP_COMMIT, 0, P, &mut []);
        ok!(p.vmo_op_range(v, ZX_VMO_OP_DECOMMIT, 0, P, &mut []));
    }
    ok!(p.handle_close(v));
}

/// Writes, snapshots, forks and closes, so that pages move between nodes and hierarchies.
fn fork_and_close(p: &Process, stop: &AtomicBool) {
    let v = vmo(p, P);
    while !stop.load(Ordering::Relaxed) {
        commit_and_decommit_once(p, v);
        let snapshot = p
            .vmo_write(v, b"x", 0)
            .and_then(|_| p.vmo_create_child(v, ZX_VMO_CHILD_SNAPSHOT, 0, P));
        if let Ok(child) = snapshot {
            let _ = p.vmo_write(child, b"y", 0);
            ok!(p.handle_close(child));
        }
    }
    ok!(p.handle_close(v));
}

fn commit_and_decommit_once(p: &Process, v: zx_handle_t) {
    let _ = p.vmo_op_range(v, ZX_VMO_OP_COMMIT, 0, P, &mut []);
    ok!(p.vmo_op_range(v, ZX_VMO_OP_DECOMMIT, 0, P, &mut []));
}

#[test]
fn kmem_stats_add_up_at_every_instant_while_threads_commit() {
    let kernel = Kernel::new(KernelConfig { memory_bytes: 2 * P, ..KernelConfig::default() });
    let mut readings = 0u64;
    while_threads_work(&kernel, 2, commit_and_decommit, Duration::from_secs(1), || {
        let stats = kernel.kmem_stats();
        assert!(stats.free_bytes <= stats.total_bytes, "reading {readings}: {stats:?}");
        assert_eq!(stats.free_bytes + stats.vmo_bytes, stats.total_bytes, "{stats:?}");
        readings += 1;
    });
    assert!(readings > 0);
    assert_no_leak(&kernel);
}

#[test]
fn check_invariants_reports_nothing_while_threads_work() {
    let kernel = Kernel::new(KernelConfig { memory_bytes: 3 * P, ..KernelConfig::default() });
    let mut checks = 0u64;
    while_threads_work(&kernel, 2, fork_and_close, Duration::from_secs(1), || {
        if let Err(violation) = kernel.check_invariants() {
            panic!("check {checks} reported a violation while threads work: {violation}");
        }
        checks += 1;
    });
    assert!(checks > 0);
    assert_no_leak(&kernel);
}

/// Starts a thread blocked in `object_wait_one(handle, ..., INFINITE)` and returns what the
/// wait ends with.
fn blocked_waiter(p: &Process, handle: zx_handle_t) -> mpsc::Receiver<zx_status_t> {
    let (sender, receiver) = mpsc::channel();
    let (process, ready) = (p.clone(), Arc::new(Barrier::new(2)));
    let started = ready.clone();
    thread::spawn(move || {
        started.wait();
        let end = process.object_wait_one(handle, ZX_USER_SIGNAL_0, ZX_TIME_INFINITE);
        let _ = sender.send(end.err().map_or(ZX_OK, |s| s.into_raw()));
    });
    ready.wait();
    receiver
}

/// Blocks a thread in a wait on a new event, lets `consume` take the handle, and asserts
/// that the wait ends with CANCELED within the watchdog. A wait that registers only after
/// the handle is gone ends with BAD_HANDLE instead; the race is then run again, with the
/// waiter given longer to register.
fn assert_consuming_cancels_the_wait(p: &Process, consume: impl Fn(&Process, zx_handle_t)) {
    for attempt in 1..=20 {
        let e = event(p);
        let waiter = blocked_waiter(p, e);
        thread::sleep(Duration::from_millis(5 * attempt));
        consume(p, e);
        match waiter.recv_timeout(WATCHDOG) {
            Ok(ZX_ERR_CANCELED) => return,
            Ok(ZX_ERR_BAD_HANDLE) => continue,
            Ok(other) => panic!("the wait ended with {}", st(other)),
            Err(_) => panic!("the waiter stayed blocked after its handle was consumed"),
        }
    }
    panic!("the waiter never registered before the handle went");
}

#[test]
fn pmt_unpin_of_a_waited_on_handle_cancels_the_wait() {
    let (kernel, p) = setup();
    assert_consuming_cancels_the_wait(&p, |p, e| {
        assert_err!(p.pmt_unpin(e), ZX_ERR_WRONG_TYPE); // consumed all the same
        assert_err!(p.handle_close(e), ZX_ERR_BAD_HANDLE);
    });
    assert_no_leak(&kernel);
}

#[test]
fn replace_and_close_cancel_their_waits() {
    let (kernel, p) = setup();
    assert_consuming_cancels_the_wait(&p, |p, e| {
        let replaced = ok!(p.handle_replace(e, ZX_RIGHT_SAME_RIGHTS));
        ok!(p.handle_close(replaced));
    });
    assert_consuming_cancels_the_wait(&p, |p, e| {
        assert_err!(p.handle_replace(e, ZX_RIGHT_WRITE << 8), ZX_ERR_INVALID_ARGS);
    });
    assert_consuming_cancels_the_wait(&p, |p, e| ok!(p.handle_close(e)));
    assert_no_leak(&kernel);
}

/// Duplicates one event until the table is full; returns every handle.
fn fill_table(p: &Process) -> Vec<zx_handle_t> {
    let filler = event(p);
    let mut handles = vec![filler];
    while let Ok(h) = p.handle_duplicate(filler, ZX_RIGHT_SAME_RIGHTS) {
        handles.push(h);
    }
    handles
}

#[test]
fn a_pin_into_a_full_table_pins_and_commits_nothing() {
    let (kernel, p) = setup();
    let dev = Dev::new(&p);
    let target = vmo(&p, 2 * P);
    let snapshot_parent = vmo(&p, 2 * P);
    fill(&p, snapshot_parent, 0, 2 * P as usize, 0x5C);
    let cow = child(&p, snapshot_parent, ZX_VMO_CHILD_SNAPSHOT, 0, 2 * P);
    let filled = fill_table(&p);
    let used_before = vmo_bytes(&kernel);
    let mut addrs = [0; 2];
    let flags = ZX_BTI_PERM_READ | ZX_BTI_PERM_WRITE;
    for vmo in [target, cow] {
        assert_err!(p.bti_pin(dev.bti, flags, vmo, 0, 2 * P, &mut addrs), ZX_ERR_NO_RESOURCES);
    }
    assert_eq!(vmo_bytes(&kernel), used_before, "the failed pins committed pages");
    assert_eq!(committed(&p, target), 0);
    let bti = ok!(p.object_get_info_bti(dev.bti));
    assert_eq!((bti.pmo_count, bti.quarantine_count), (0, 0));
    close_all(&p, &filled);
    // Nothing is pinned: decommit works and the snapshot is still a pure snapshot.
    ok!(p.vmo_op_range(target, ZX_VMO_OP_DECOMMIT, 0, 2 * P, &mut []));
    assert_eq!(vmo_info(&p, cow).committed_private_bytes, 0);
    assert_clean(&kernel);
    close_all(&p, &[target, cow, snapshot_parent]);
    dev.close(&p);
    assert_no_leak(&kernel);
}

#[test]
fn try_new_reports_ram_the_host_cannot_reserve() {
    let config = KernelConfig { memory_bytes: u64::MAX, ..KernelConfig::default() };
    match Kernel::try_new(config) {
        Err(error) => assert!(error.to_string().contains("emulated RAM"), "{error}"),
        // A host that overcommits without limit may grant it; the kernel must then work.
        Ok(kernel) => assert_eq!(kernel.kmem_stats().vmo_bytes, 0),
    }
    let small = Kernel::try_new(KernelConfig { memory_bytes: 4 * P, ..KernelConfig::default() });
    assert_eq!(small.map(|k| k.kmem_stats().total_bytes).ok(), Some(4 * P));
}
