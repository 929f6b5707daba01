//! Ports (reference §9.2): `port_create`, `port_queue`, `port_wait`. Every test that blocks
//! runs the blocking call on a thread of its own and waits for it with a watchdog, so a hang
//! fails in seconds.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Process, Status};

/// How long a thread that should have been answered may take before the test calls it a hang.
const WATCHDOG: Duration = Duration::from_secs(5);

fn port(p: &Process) -> zx_handle_t {
    ok!(p.port_create(0))
}

fn user_packet(key: u64, status: zx_status_t, payload: u8) -> zx_port_packet_t {
    zx_port_packet_t { key, type_: 0xBAD, status, union_: [payload; 32] }
}

/// Runs `port_wait(port, deadline)` on a thread of its own.
fn waiter(
    p: &Process,
    port: zx_handle_t,
    deadline: zx_time_t,
) -> mpsc::Receiver<Result<zx_port_packet_t, Status>> {
    let (sender, receiver) = mpsc::channel();
    let process = p.clone();
    thread::spawn(move || {
        let _ = sender.send(process.port_wait(port, deadline));
    });
    receiver
}

#[test]
fn create_checks_options_and_gives_the_default_port_rights() {
    let (_kernel, p) = setup();
    for bad in [2, 3, 1 << 31, u32::MAX] {
        assert_err!(p.port_create(bad), ZX_ERR_INVALID_ARGS, "options {bad:#x}");
    }
    let h = port(&p);
    let info = basic(&p, h);
    assert_eq!((info.type_, info.rights), (ZX_OBJ_TYPE_PORT, ZX_DEFAULT_PORT_RIGHTS));
    assert_eq!(ZX_DEFAULT_PORT_RIGHTS, 0x800F);
    let bound = ok!(p.port_create(ZX_PORT_BIND_TO_INTERRUPT));
    assert_ne!(koid_of(&p, bound), info.koid);
    close_all(&p, &[h, bound]);
}

#[test]
fn queue_copies_the_packet_as_a_user_packet() {
    let (_kernel, p) = setup();
    let h = port(&p);
    ok!(p.port_queue(h, &user_packet(42, -7, 0x5A)));
    let got = ok!(p.port_wait(h, ZX_TIME_INFINITE_PAST));
    assert_eq!((got.key, got.type_, got.status), (42, ZX_PKT_TYPE_USER, -7));
    assert_eq!(got.union_, [0x5A; 32]);
    ok!(p.handle_close(h));
}

#[test]
fn packets_come_out_in_the_order_they_went_in() {
    let (_kernel, p) = setup();
    let h = port(&p);
    for key in 0..100 {
        ok!(p.port_queue(h, &user_packet(key, 0, 0)));
    }
    let keys: Vec<u64> = (0..100).map(|_| ok!(p.port_wait(h, 0)).key).collect();
    assert_eq!(keys, (0..100).collect::<Vec<_>>());
    assert_err!(p.port_wait(h, 0), ZX_ERR_TIMED_OUT);
    ok!(p.handle_close(h));
}

#[test]
fn handle_checks_come_in_order() {
    let (_kernel, p) = setup();
    let h = port(&p);
    let e = event(&p);
    let packet = user_packet(1, 0, 0);
    assert_err!(p.port_queue(0x7, &packet), ZX_ERR_BAD_HANDLE);
    assert_err!(p.port_wait(0x7, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.port_queue(e, &packet), ZX_ERR_WRONG_TYPE);
    assert_err!(p.port_wait(e, 0), ZX_ERR_WRONG_TYPE);
    let read_only = dup(&p, h, ZX_RIGHT_READ);
    let write_only = dup(&p, h, ZX_RIGHT_WRITE);
    assert_err!(p.port_queue(read_only, &packet), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.port_wait(write_only, 0), ZX_ERR_ACCESS_DENIED);
    ok!(p.port_queue(write_only, &packet));
    assert_eq!(ok!(p.port_wait(read_only, 0)).key, 1);
    // A port has no WAIT right: object_wait_one is refused before anything else.
    assert_err!(p.object_wait_one(h, ZX_USER_SIGNAL_0, 0), ZX_ERR_ACCESS_DENIED);
    close_all(&p, &[h, e, read_only, write_only]);
}

#[test]
fn a_full_port_answers_should_wait_until_a_packet_is_taken() {
    let (_kernel, p) = setup();
    let h = port(&p);
    for key in 0..4096 {
        ok!(p.port_queue(h, &user_packet(key, 0, 0)));
    }
    assert_err!(p.port_queue(h, &user_packet(4096, 0, 0)), ZX_ERR_SHOULD_WAIT);
    assert_eq!(ok!(p.port_wait(h, 0)).key, 0);
    ok!(p.port_queue(h, &user_packet(4096, 0, 0)));
    assert_err!(p.port_queue(h, &user_packet(4097, 0, 0)), ZX_ERR_SHOULD_WAIT);
    ok!(p.handle_close(h));
}

#[test]
fn wait_times_out_at_its_deadline_and_polls_with_a_past_one() {
    let (_kernel, p) = setup();
    let h = port(&p);
    assert_err!(p.port_wait(h, 0), ZX_ERR_TIMED_OUT);
    assert_err!(p.port_wait(h, ZX_TIME_INFINITE_PAST), ZX_ERR_TIMED_OUT);
    let start = Instant::now();
    let deadline = p.clock_get_monotonic() + 30_000_000;
    assert_err!(p.port_wait(h, deadline), ZX_ERR_TIMED_OUT);
    assert!(start.elapsed() >= Duration::from_millis(30), "returned before its deadline");
    ok!(p.port_queue(h, &user_packet(9, 0, 0)));
    assert_eq!(ok!(p.port_wait(h, ZX_TIME_INFINITE_PAST)).key, 9, "a past deadline still takes");
    ok!(p.handle_close(h));
}

#[test]
fn a_blocked_wait_takes_the_packet_queued_from_another_thread() {
    let (_kernel, p) = setup();
    let h = port(&p);
    let blocked = waiter(&p, h, ZX_TIME_INFINITE);
    thread::sleep(Duration::from_millis(20));
    assert!(blocked.try_recv().is_err(), "the wait returned with nothing queued");
    ok!(p.port_queue(h, &user_packet(77, 0, 1)));
    let got = blocked.recv_timeout(WATCHDOG).expect("the waiter was never woken");
    assert_eq!(got.map(|packet| packet.key), Ok(77));
    ok!(p.handle_close(h));
}

#[test]
fn each_packet_goes_to_exactly_one_of_several_waiters() {
    let (_kernel, p) = setup();
    let h = port(&p);
    let waiters: Vec<_> = (0..4).map(|_| waiter(&p, h, ZX_TIME_INFINITE)).collect();
    for key in 0..4 {
        ok!(p.port_queue(h, &user_packet(key, 0, 0)));
    }
    let mut keys: Vec<u64> = waiters
        .iter()
        .map(|w| ok!(w.recv_timeout(WATCHDOG).expect("a waiter was never woken")).key)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, [0, 1, 2, 3]);
    assert_err!(p.port_wait(h, 0), ZX_ERR_TIMED_OUT);
    ok!(p.handle_close(h));
}

#[test]
fn closing_the_last_handle_drops_the_packets_and_a_running_wait_waits_out_its_deadline() {
    let (_kernel, p) = setup();
    let h = port(&p);
    let second = dup(&p, h, ZX_RIGHT_SAME_RIGHTS);
    ok!(p.port_queue(h, &user_packet(1, 0, 0)));
    ok!(p.handle_close(h));
    // Another handle remains: the packet is still there.
    assert_eq!(ok!(p.port_wait(second, 0)).key, 1);
    let deadline = p.clock_get_monotonic() + 50_000_000;
    let blocked = waiter(&p, second, deadline);
    thread::sleep(Duration::from_millis(10));
    ok!(p.handle_close(second));
    let end = blocked.recv_timeout(WATCHDOG).expect("the waiter never returned");
    assert_eq!(end.map(|packet| packet.key), Err(st(ZX_ERR_TIMED_OUT)));
    assert!(p.clock_get_monotonic() >= deadline, "the wait ended before its deadline");
}

#[test]
fn a_port_handle_has_no_property_rights() {
    let (_kernel, p) = setup();
    let h = port(&p);
    assert_err!(p.object_set_property(h, ZX_PROP_NAME, b"requests"), ZX_ERR_ACCESS_DENIED);
    let mut name = [0u8; 32];
    assert_err!(p.object_get_property(h, ZX_PROP_NAME, &mut name), ZX_ERR_ACCESS_DENIED);
    ok!(p.handle_close(h));
}
