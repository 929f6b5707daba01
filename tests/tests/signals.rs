//! Conformance tests for docs/reference.md §10 (signals and waiting): `event_create`,
//! `object_signal`, `object_wait_one` with polling, timed and infinite deadlines,
//! `clock_get_monotonic`, and the `ZX_VMO_ZERO_CHILDREN` signal of a fresh VMO.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use zx_conformance::*;
use zx_kernel::zx::*;

const MS: i64 = 1_000_000;

// ---------------------------------------------------------------------------------------------
// event_create
// ---------------------------------------------------------------------------------------------

#[test]
fn event_create_with_zero_options_is_ok() {
    let (k, p) = setup();
    let e = ok!(p.event_create(0));
    assert_ne!(e, ZX_HANDLE_INVALID);
    assert_eq!(e & ZX_HANDLE_FIXED_BITS_MASK, ZX_HANDLE_FIXED_BITS_MASK);
    assert_eq!(basic(&p, e).type_, ZX_OBJ_TYPE_EVENT);
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn event_create_with_nonzero_options_is_invalid_args() {
    let (k, p) = setup();
    for opts in [1u32, 2, 0x8000_0000, u32::MAX] {
        assert_err!(p.event_create(opts), ZX_ERR_INVALID_ARGS, "event_create({opts:#x})");
    }
    assert_no_leak(&k);
}

#[test]
fn new_event_has_no_signals_asserted() {
    let (k, p) = setup();
    let e = event(&p);
    assert_err!(p.object_wait_one(e, ZX_EVENT_SIGNALED, 0), ZX_ERR_TIMED_OUT);
    assert_err!(p.object_wait_one(e, 0xFF00_0000, 0), ZX_ERR_TIMED_OUT);
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// object_signal
// ---------------------------------------------------------------------------------------------

#[test]
fn signal_then_poll_returns_observed_signals() {
    let (k, p) = setup();
    let e = event(&p);
    ok!(p.object_signal(e, 0, ZX_USER_SIGNAL_0));
    assert_eq!(ok!(p.object_wait_one(e, ZX_USER_SIGNAL_0, 0)), ZX_USER_SIGNAL_0);
    // Observed holds every asserted signal, not only the awaited ones.
    let user_1 = ZX_USER_SIGNAL_0 << 1;
    ok!(p.object_signal(e, 0, ZX_EVENT_SIGNALED | user_1));
    assert_eq!(ok!(p.object_wait_one(e, user_1, 0)), ZX_USER_SIGNAL_0 | user_1 | ZX_EVENT_SIGNALED);
    // Waiting for any of several: one asserted is enough.
    assert_eq!(
        ok!(p.object_wait_one(e, ZX_EVENT_SIGNALED | (ZX_USER_SIGNAL_0 << 7), 0))
            & ZX_EVENT_SIGNALED,
        ZX_EVENT_SIGNALED
    );
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn signal_clears_before_it_sets() {
    let (k, p) = setup();
    let e = event(&p);
    let u0 = ZX_USER_SIGNAL_0;
    let u1 = ZX_USER_SIGNAL_0 << 1;
    ok!(p.object_signal(e, 0, u0 | u1));
    ok!(p.object_signal(e, u0, 0));
    assert_eq!(ok!(p.object_wait_one(e, u1, 0)), u1);
    assert_err!(p.object_wait_one(e, u0, 0), ZX_ERR_TIMED_OUT);
    // Clearing and setting the same bit leaves it set.
    ok!(p.object_signal(e, u1, u1));
    assert_eq!(ok!(p.object_wait_one(e, u1, 0)), u1);
    // Clear everything.
    ok!(p.object_signal(e, u1, 0));
    assert_err!(p.object_wait_one(e, 0xFF00_0000 | ZX_EVENT_SIGNALED, 0), ZX_ERR_TIMED_OUT);
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn all_eight_user_signals_work_on_events() {
    let (k, p) = setup();
    let e = event(&p);
    for i in 0..8 {
        let s = ZX_USER_SIGNAL_0 << i;
        ok!(p.object_signal(e, 0xFF00_0000, s));
        assert_eq!(ok!(p.object_wait_one(e, 0xFF00_0000, 0)), s, "user signal {i}");
    }
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn signal_needs_signal_right() {
    let (k, p) = setup();
    let e = event(&p);
    let no_signal = dup(&p, e, (ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL) & !ZX_RIGHT_SIGNAL);
    assert_err!(p.object_signal(no_signal, 0, ZX_USER_SIGNAL_0), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.object_signal(no_signal, ZX_USER_SIGNAL_0, 0), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.object_wait_one(e, ZX_USER_SIGNAL_0, 0), ZX_ERR_TIMED_OUT);
    let only_signal = dup(&p, e, ZX_RIGHT_SIGNAL);
    ok!(p.object_signal(only_signal, 0, ZX_USER_SIGNAL_0));
    assert_eq!(ok!(p.object_wait_one(e, ZX_USER_SIGNAL_0, 0)), ZX_USER_SIGNAL_0);
    close_all(&p, &[e, no_signal, only_signal]);
    assert_no_leak(&k);
}

#[test]
fn signal_with_non_user_bits_is_invalid_args() {
    // Zircon: an event accepts the user signals and ZX_EVENT_SIGNALED; other objects only the
    // user signals.
    let (k, p) = setup();
    let e = event(&p);
    assert_err!(p.object_signal(e, 0, 1 << 0), ZX_ERR_INVALID_ARGS);
    assert_err!(p.object_signal(e, 1 << 1, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(p.object_signal(e, 0, ZX_USER_SIGNAL_0 | (1 << 4)), ZX_ERR_INVALID_ARGS);
    assert_err!(p.object_wait_one(e, ZX_USER_SIGNAL_0, 0), ZX_ERR_TIMED_OUT);
    let v = vmo(&p, P);
    assert_err!(p.object_signal(v, 0, ZX_VMO_ZERO_CHILDREN), ZX_ERR_INVALID_ARGS);
    assert_err!(p.object_signal(v, ZX_VMO_ZERO_CHILDREN, 0), ZX_ERR_INVALID_ARGS);
    // ZERO_CHILDREN is still asserted.
    assert_eq!(
        ok!(p.object_wait_one(v, ZX_VMO_ZERO_CHILDREN, 0)) & ZX_VMO_ZERO_CHILDREN,
        ZX_VMO_ZERO_CHILDREN
    );
    close_all(&p, &[e, v]);
    assert_no_leak(&k);
}

#[test]
fn vmo_accepts_user_signals() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    ok!(p.object_signal(v, 0, ZX_USER_SIGNAL_0));
    assert_eq!(
        ok!(p.object_wait_one(v, ZX_USER_SIGNAL_0, 0)),
        ZX_USER_SIGNAL_0 | ZX_VMO_ZERO_CHILDREN
    );
    ok!(p.object_signal(v, ZX_USER_SIGNAL_0, 0));
    assert_err!(p.object_wait_one(v, ZX_USER_SIGNAL_0, 0), ZX_ERR_TIMED_OUT);
    ok!(p.handle_close(v));
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// object_wait_one: rights, polling, deadlines
// ---------------------------------------------------------------------------------------------

#[test]
fn wait_needs_wait_right() {
    let (k, p) = setup();
    let e = event(&p);
    ok!(p.object_signal(e, 0, ZX_USER_SIGNAL_0));
    let no_wait = dup(&p, e, (ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL) & !ZX_RIGHT_WAIT);
    assert_err!(p.object_wait_one(no_wait, ZX_USER_SIGNAL_0, 0), ZX_ERR_ACCESS_DENIED);
    assert_err!(
        p.object_wait_one(no_wait, ZX_USER_SIGNAL_0, ZX_TIME_INFINITE),
        ZX_ERR_ACCESS_DENIED
    );
    let v = vmo(&p, P);
    let v_no_wait = dup(&p, v, VMO_RIGHTS & !ZX_RIGHT_WAIT);
    assert_err!(p.object_wait_one(v_no_wait, ZX_VMO_ZERO_CHILDREN, 0), ZX_ERR_ACCESS_DENIED);
    let only_wait = dup(&p, e, ZX_RIGHT_WAIT);
    assert_eq!(ok!(p.object_wait_one(only_wait, ZX_USER_SIGNAL_0, 0)), ZX_USER_SIGNAL_0);
    close_all(&p, &[e, no_wait, v, v_no_wait, only_wait]);
    assert_no_leak(&k);
}

#[test]
fn wait_on_bad_handle_is_bad_handle() {
    let (k, p) = setup();
    assert_err!(p.object_wait_one(ZX_HANDLE_INVALID, ZX_USER_SIGNAL_0, 0), ZX_ERR_BAD_HANDLE);
    let e = event(&p);
    ok!(p.handle_close(e));
    assert_err!(p.object_wait_one(e, ZX_USER_SIGNAL_0, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.object_wait_one(e, ZX_USER_SIGNAL_0, ZX_TIME_INFINITE), ZX_ERR_BAD_HANDLE);
    assert_no_leak(&k);
}

#[test]
fn poll_with_deadline_zero_or_infinite_past_times_out_when_nothing_asserted() {
    let (k, p) = setup();
    let e = event(&p);
    for deadline in [0, ZX_TIME_INFINITE_PAST, -1, p.clock_get_monotonic() - MS] {
        let t0 = Instant::now();
        assert_err!(
            p.object_wait_one(e, ZX_USER_SIGNAL_0, deadline),
            ZX_ERR_TIMED_OUT,
            "deadline {deadline}"
        );
        assert!(t0.elapsed() < Duration::from_secs(1), "a poll must not block");
    }
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn poll_returns_observed_when_asserted() {
    let (k, p) = setup();
    let e = event(&p);
    ok!(p.object_signal(e, 0, ZX_EVENT_SIGNALED));
    for deadline in [0, ZX_TIME_INFINITE_PAST, ZX_TIME_INFINITE] {
        assert_eq!(
            ok!(p.object_wait_one(e, ZX_EVENT_SIGNALED, deadline)),
            ZX_EVENT_SIGNALED,
            "deadline {deadline}"
        );
    }
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn wait_for_no_signals_polls_time_out() {
    let (k, p) = setup();
    let e = event(&p);
    ok!(p.object_signal(e, 0, ZX_USER_SIGNAL_0));
    assert_err!(p.object_wait_one(e, 0, 0), ZX_ERR_TIMED_OUT);
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn timed_wait_times_out_at_the_deadline() {
    let (k, p) = setup();
    let e = event(&p);
    let start = p.clock_get_monotonic();
    let deadline = start + 20 * MS;
    let t0 = Instant::now();
    assert_err!(p.object_wait_one(e, ZX_USER_SIGNAL_0, deadline), ZX_ERR_TIMED_OUT);
    let wall = t0.elapsed();
    let after = p.clock_get_monotonic();
    assert!(after >= deadline, "returned at {after}, before the deadline {deadline}");
    assert!(wall >= Duration::from_millis(19), "returned after only {wall:?}");
    assert!(wall < Duration::from_secs(5), "took {wall:?} for a 20 ms wait");
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn timed_wait_returns_early_when_signaled_from_another_thread() {
    let (k, p) = setup();
    let e = event(&p);
    let q = p.clone();
    let deadline = p.clock_get_monotonic() + 10_000 * MS;
    let waiter = thread::spawn(move || q.object_wait_one(e, ZX_USER_SIGNAL_0, deadline));
    thread::sleep(Duration::from_millis(20));
    ok!(p.object_signal(e, 0, ZX_USER_SIGNAL_0));
    let t0 = Instant::now();
    let r = waiter.join().expect("waiter panicked");
    assert_eq!(ok!(r), ZX_USER_SIGNAL_0);
    assert!(t0.elapsed() < Duration::from_secs(5));
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn infinite_wait_is_woken_by_signal_from_another_thread() {
    let (k, p) = setup();
    let e = event(&p);
    let q = p.clone();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let r = q.object_wait_one(e, ZX_USER_SIGNAL_0 << 3, ZX_TIME_INFINITE);
        let _ = tx.send(r);
    });
    thread::sleep(Duration::from_millis(30));
    assert!(rx.try_recv().is_err(), "the waiter returned before the signal");
    // An unrelated signal does not wake it for good.
    ok!(p.object_signal(e, 0, ZX_USER_SIGNAL_0));
    thread::sleep(Duration::from_millis(10));
    assert!(rx.try_recv().is_err(), "the waiter returned on a signal it did not wait for");
    ok!(p.object_signal(e, 0, ZX_USER_SIGNAL_0 << 3));
    let r = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("the infinite waiter was not woken within 5 s");
    assert_eq!(ok!(r), ZX_USER_SIGNAL_0 | (ZX_USER_SIGNAL_0 << 3));
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn many_waiters_are_all_woken() {
    let (k, p) = setup();
    let e = event(&p);
    let (tx, rx) = mpsc::channel();
    for _ in 0..4 {
        let q = p.clone();
        let tx = tx.clone();
        thread::spawn(move || {
            let _ = tx.send(q.object_wait_one(e, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE));
        });
    }
    thread::sleep(Duration::from_millis(20));
    ok!(p.object_signal(e, 0, ZX_EVENT_SIGNALED));
    for i in 0..4 {
        let r = rx
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|_| panic!("waiter {i} was not woken"));
        assert_eq!(ok!(r), ZX_EVENT_SIGNALED);
    }
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn closing_the_handle_cancels_a_wait_on_it() {
    // Zircon: a wait whose handle is closed by another thread returns ZX_ERR_CANCELED.
    let (k, p) = setup();
    let e = event(&p);
    let keep = dup(&p, e, ZX_RIGHT_SAME_RIGHTS);
    let q = p.clone();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(q.object_wait_one(e, ZX_USER_SIGNAL_0, ZX_TIME_INFINITE));
    });
    thread::sleep(Duration::from_millis(30));
    ok!(p.handle_close(e));
    let r =
        rx.recv_timeout(Duration::from_secs(5)).expect("closing the handle did not end the wait");
    assert_err!(r, ZX_ERR_CANCELED);
    ok!(p.handle_close(keep));
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// Clock and VMO signals
// ---------------------------------------------------------------------------------------------

#[test]
fn monotonic_clock_is_nonnegative_and_advances() {
    let (_k, p) = setup();
    let a = p.clock_get_monotonic();
    assert!(a >= 0);
    let b = p.clock_get_monotonic();
    assert!(b >= a, "clock went backwards: {a} then {b}");
    thread::sleep(Duration::from_millis(5));
    let c = p.clock_get_monotonic();
    assert!(c - b >= 5 * MS, "5 ms of sleep advanced the clock by {} ns", c - b);
    assert!(c < i64::MAX / 2);
}

#[test]
fn clock_is_shared_by_processes_of_one_kernel() {
    let (k, p) = setup();
    let q = k.create_process();
    let a = p.clock_get_monotonic();
    let b = q.clock_get_monotonic();
    let c = p.clock_get_monotonic();
    assert!(a <= b && b <= c, "{a} {b} {c}");
}

#[test]
fn fresh_vmo_asserts_zero_children() {
    let (k, p) = setup();
    for opts in [0, ZX_VMO_RESIZABLE, ZX_VMO_DISCARDABLE, ZX_VMO_UNBOUNDED] {
        let v = vmo_opts(&p, P, opts);
        assert_eq!(
            ok!(p.object_wait_one(v, ZX_VMO_ZERO_CHILDREN, 0)),
            ZX_VMO_ZERO_CHILDREN,
            "options {opts:#x}"
        );
        assert_eq!(
            ok!(p.object_wait_one(v, ZX_VMO_ZERO_CHILDREN, ZX_TIME_INFINITE)),
            ZX_VMO_ZERO_CHILDREN
        );
        ok!(p.handle_close(v));
    }
    assert_no_leak(&k);
}

#[test]
fn vmo_wait_for_unasserted_user_signal_times_out() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let deadline = p.clock_get_monotonic() + 5 * MS;
    assert_err!(p.object_wait_one(v, ZX_USER_SIGNAL_0, deadline), ZX_ERR_TIMED_OUT);
    ok!(p.handle_close(v));
    assert_no_leak(&k);
}
