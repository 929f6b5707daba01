//! Loom models of the syscall layer: handle tables, pins and signals. Each names the guarantee
//! it checks and ends with page conservation. Run with `.ci/loom`.
#![cfg(loom)]

use loom::thread;
use zx_syscalls::zx::*;
use zx_syscalls::{KernelCore, KernelSettings, Status};

fn kernel() -> std::sync::Arc<KernelCore> {
    KernelCore::new(KernelSettings { memory_bytes: 8 * ZX_PAGE_SIZE, ..KernelSettings::default() })
}

fn no_leak(kernel: &KernelCore) {
    kernel.vm().check_invariants().unwrap();
    let stats = kernel.kmem_stats();
    assert_eq!(stats.free_bytes, stats.total_bytes, "pages leaked");
}

/// Duplicate and lookups racing a close: no use after free; a stale value is BAD_HANDLE,
/// and a duplicate made before the close names the same object.
#[test]
fn duplicate_and_lookup_racing_close() {
    loom::model(|| {
        let kernel = kernel();
        let process = kernel.create_process();
        let vmo = process.vmo_create(ZX_PAGE_SIZE, 0).unwrap();
        process.vmo_write(vmo, &[1], 0).unwrap();
        let koid = process.object_get_info_handle_basic(vmo).unwrap().koid;
        let closer = {
            let process = process.clone();
            thread::spawn(move || process.handle_close(vmo).unwrap())
        };
        let dup = process.handle_duplicate(vmo, ZX_RIGHT_SAME_RIGHTS);
        let size = process.vmo_get_size(vmo);
        closer.join().unwrap();
        assert!(size == Ok(ZX_PAGE_SIZE) || size == Err(Status::BAD_HANDLE), "{size:?}");
        match dup {
            Ok(dup) => {
                assert_eq!(process.object_get_info_handle_basic(dup).unwrap().koid, koid);
                process.handle_close(dup).unwrap();
            }
            Err(status) => assert_eq!(status, Status::BAD_HANDLE),
        }
        assert_eq!(process.vmo_get_size(vmo), Err(Status::BAD_HANDLE));
        no_leak(&kernel);
    });
}

/// Replace racing a lookup: the old value dies exactly once; the lookup sees the object or
/// BAD_HANDLE, never another object.
#[test]
fn replace_racing_lookup() {
    loom::model(|| {
        let kernel = kernel();
        let process = kernel.create_process();
        let vmo = process.vmo_create(ZX_PAGE_SIZE, 0).unwrap();
        let replacer = {
            let process = process.clone();
            thread::spawn(move || process.handle_replace(vmo, ZX_RIGHT_READ).unwrap())
        };
        let basic = process.object_get_info_handle_basic(vmo);
        let new = replacer.join().unwrap();
        if let Ok(basic) = basic {
            assert_eq!(basic.rights, ZX_DEFAULT_VMO_RIGHTS);
        }
        assert_eq!(process.handle_close(vmo), Err(Status::BAD_HANDLE));
        assert_eq!(process.object_get_info_handle_basic(new).unwrap().rights, ZX_RIGHT_READ);
        process.handle_close(new).unwrap();
        no_leak(&kernel);
    });
}

/// A pin racing a shrink: the pin first makes the shrink BAD_STATE; the shrink first makes
/// the pin OUT_OF_RANGE. Pins and pages always accounted for.
#[test]
fn pin_racing_shrink() {
    loom::model(|| {
        let kernel = kernel();
        let process = kernel.create_process();
        let root = process.root_resource().unwrap();
        let iommu = process.iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &[0]).unwrap();
        let bti = process.bti_create(iommu, 0, 0).unwrap();
        let vmo = process.vmo_create(2 * ZX_PAGE_SIZE, ZX_VMO_RESIZABLE).unwrap();
        let pinner = {
            let process = process.clone();
            thread::spawn(move || {
                let mut addr = [0u64; 1];
                process.bti_pin(bti, ZX_BTI_PERM_READ, vmo, ZX_PAGE_SIZE, ZX_PAGE_SIZE, &mut addr)
            })
        };
        let shrink = process.vmo_set_size(vmo, ZX_PAGE_SIZE);
        let pin = pinner.join().unwrap();
        match (&pin, &shrink) {
            (Ok(_), Err(status)) => assert_eq!(*status, Status::BAD_STATE),
            (Err(status), Ok(())) => assert_eq!(*status, Status::OUT_OF_RANGE),
            other => panic!("pin and shrink both {other:?}"),
        }
        kernel.vm().check_invariants().unwrap();
        if let Ok(pmt) = pin {
            process.pmt_unpin(pmt).unwrap();
        }
        process.close_all_handles();
        no_leak(&kernel);
    });
}

/// The last child closing while another thread waits for ZX_VMO_ZERO_CHILDREN: the waiter
/// always wakes (no lost wake-up).
#[test]
fn last_child_close_wakes_a_zero_children_waiter() {
    loom::model(|| {
        let kernel = kernel();
        let process = kernel.create_process();
        let parent = process.vmo_create(ZX_PAGE_SIZE, 0).unwrap();
        let child =
            process.vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, ZX_PAGE_SIZE).unwrap();
        let waiter = {
            let process = process.clone();
            thread::spawn(move || {
                process.object_wait_one(parent, ZX_VMO_ZERO_CHILDREN, ZX_TIME_INFINITE)
            })
        };
        process.handle_close(child).unwrap();
        let observed = waiter.join().unwrap().unwrap();
        assert_ne!(observed & ZX_VMO_ZERO_CHILDREN, 0);
        process.close_all_handles();
        no_leak(&kernel);
    });
}

/// A wait racing the close of the handle it goes through: it always ends, CANCELED if it
/// registered before the close and BAD_HANDLE if it came after (a wait that looked the
/// handle up before the close but registered after the cancellation would block forever,
/// which loom reports as a deadlock).
#[test]
fn wait_racing_close_of_its_handle() {
    loom::model(|| {
        let kernel = kernel();
        let process = kernel.create_process();
        let event = process.event_create(0).unwrap();
        let waiter = {
            let process = process.clone();
            thread::spawn(move || {
                process.object_wait_one(event, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE)
            })
        };
        process.handle_close(event).unwrap();
        let ended = waiter.join().unwrap();
        assert!(ended == Err(Status::CANCELED) || ended == Err(Status::BAD_HANDLE), "{ended:?}");
        no_leak(&kernel);
    });
}

/// A wait blocked on an empty port racing a queue: the packet reaches the waiter (no lost
/// wake-up), and nothing is left in the port.
#[test]
fn port_wait_racing_port_queue() {
    loom::model(|| {
        let kernel = kernel();
        let process = kernel.create_process();
        let port = process.port_create(0).unwrap();
        let waiter = {
            let process = process.clone();
            thread::spawn(move || process.port_wait(port, ZX_TIME_INFINITE).unwrap().key)
        };
        process.port_queue(port, &zx_port_packet_t { key: 7, ..Default::default() }).unwrap();
        assert_eq!(waiter.join().unwrap(), 7);
        assert_eq!(process.port_wait(port, 0), Err(Status::TIMED_OUT));
        process.handle_close(port).unwrap();
        no_leak(&kernel);
    });
}

/// A queue racing the close of the port's last handle: it lands before the close (and is
/// dropped with the port's packets) or finds the handle gone; either way a duplicate made
/// before cannot see a packet queued after the close.
#[test]
fn port_queue_racing_the_close_of_its_last_handle() {
    loom::model(|| {
        let kernel = kernel();
        let process = kernel.create_process();
        let port = process.port_create(0).unwrap();
        let queuer = {
            let process = process.clone();
            thread::spawn(move || process.port_queue(port, &zx_port_packet_t::default()))
        };
        process.handle_close(port).unwrap();
        let queued = queuer.join().unwrap();
        assert!(queued.is_ok() || queued == Err(Status::BAD_HANDLE), "{queued:?}");
        assert_eq!(process.port_wait(port, 0), Err(Status::BAD_HANDLE));
        no_leak(&kernel);
    });
}

/// A poll (a past deadline) racing a queue: it takes the packet or times out, and then the
/// packet is still there for the next poll; it is taken exactly once.
#[test]
fn port_poll_racing_port_queue() {
    loom::model(|| {
        let kernel = kernel();
        let process = kernel.create_process();
        let port = process.port_create(0).unwrap();
        let poller = {
            let process = process.clone();
            thread::spawn(move || process.port_wait(port, 0).map(|p| p.key))
        };
        process.port_queue(port, &zx_port_packet_t { key: 3, ..Default::default() }).unwrap();
        let first = poller.join().unwrap();
        let second = process.port_wait(port, 0).map(|p| p.key);
        assert!(
            (first == Ok(3) && second == Err(Status::TIMED_OUT))
                || (first == Err(Status::TIMED_OUT) && second == Ok(3)),
            "{first:?} then {second:?}"
        );
        process.handle_close(port).unwrap();
        no_leak(&kernel);
    });
}
