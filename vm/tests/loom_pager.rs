//! Loom models of the pager's concurrency guarantees (reference §9.12). Each model names the
//! guarantee it checks and ends with page conservation (`check_invariants`: every frame owned
//! once, and the page sources' requests and packets accounted for).
//!
//! Under loom a timed wait never times out, so every blocked thread in a model is one the
//! model is sure to wake: a lost wake-up shows up as loom's deadlock report.
//!
//! Run with `.ci/loom`.
#![cfg(loom)]

use std::time::Duration;

use loom::thread;
use zx_vm::sync::Arc;
use zx_vm::{PagerVmoOptions, Port, PortPacket, Vm, VmError, Vmo, VmoOptions, PAGE_SIZE};

const P: u64 = PAGE_SIZE as u64;
const PAGER: u64 = 100;

struct Fixture {
    vm: Arc<Vm>,
    port: Arc<Port>,
}

fn fixture() -> Fixture {
    Fixture { vm: Vm::new(8 * P, 0), port: Arc::new(Port::new()) }
}

impl Fixture {
    fn pager_vmo(&self, pages: u64, options: PagerVmoOptions) -> Arc<Vmo> {
        self.vm.create_pager_vmo(1, pages * P, options, PAGER, self.port.clone(), 7).unwrap()
    }

    /// Supplies `count` pages at `page` whose bytes are all `byte`.
    fn supply(&self, vmo: &Vmo, page: u64, count: u64, byte: u8) -> Result<(), VmError> {
        let aux = self.vm.create_vmo(50, count * P, VmoOptions::default()).unwrap();
        aux.write(&vec![byte; (count * P) as usize], 0).unwrap();
        vmo.supply_pages(page * P, count * P, &aux, 0)
    }

    /// The packet queued now, if any.
    fn poll(&self) -> Option<PortPacket> {
        self.port.take(Some(Duration::ZERO))
    }

    fn conserved(&self, frames_in_use: u64) {
        self.vm.check_invariants().unwrap();
        let used = self.vm.allocator().total_frames() - self.vm.allocator().free_frames();
        assert_eq!(used, frames_in_use, "frames in use");
    }
}

fn command(packet: &PortPacket) -> u16 {
    u16::from_le_bytes([packet.payload[0], packet.payload[1]])
}

/// A thread reading the first byte of `vmo` (waiting on the pager if the page is absent).
fn spawn_read_byte(vmo: &Arc<Vmo>) -> thread::JoinHandle<Result<u8, VmError>> {
    let vmo = vmo.clone();
    thread::spawn(move || read_byte(&vmo, 0))
}

fn read_byte(vmo: &Vmo, offset: u64) -> Result<u8, VmError> {
    let mut b = [0u8];
    vmo.read(&mut b, offset).map(|()| b[0])
}

/// Read vs supply, in either order: the read returns the supplied bytes (no lost wake-up),
/// and a request completed before its packet was taken leaves nothing in the port.
#[test]
fn read_racing_supply() {
    loom::model(|| {
        let f = fixture();
        let vmo = f.pager_vmo(1, PagerVmoOptions::default());
        let reader = spawn_read_byte(&vmo);
        f.supply(&vmo, 0, 1, 7).unwrap();
        assert_eq!(reader.join().unwrap(), Ok(7));
        assert!(f.poll().is_none(), "a completed request's packet was left in the port");
        f.conserved(1);
    });
}

/// A two-page read vs the supply of its first page and then its second: early wake copies
/// the first page and waits again on the same request; the read sees both pages.
#[test]
fn read_racing_supplies_early_and_late() {
    loom::model(|| {
        let f = fixture();
        let vmo = f.pager_vmo(2, PagerVmoOptions::default());
        let reader = {
            let vmo = vmo.clone();
            thread::spawn(move || {
                let mut bytes = vec![0u8; (2 * P) as usize];
                vmo.read(&mut bytes, 0).map(|()| (bytes[0], bytes[P as usize]))
            })
        };
        f.supply(&vmo, 0, 1, 1).unwrap();
        f.supply(&vmo, 1, 1, 2).unwrap();
        assert_eq!(reader.join().unwrap(), Ok((1, 2)));
        assert!(f.poll().is_none());
        f.conserved(2);
    });
}

/// Two readers of one absent page make exactly one READ packet, whatever the interleaving.
#[test]
fn two_readers_of_one_page_make_one_packet() {
    loom::model(|| {
        let f = fixture();
        let vmo = f.pager_vmo(1, PagerVmoOptions::default());
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let vmo = vmo.clone();
                thread::spawn(move || read_byte(&vmo, 0))
            })
            .collect();
        // Nothing is supplied until a reader has asked, so a packet must come.
        let packet = f.port.take(None).unwrap();
        assert_eq!(command(&packet), 0);
        f.supply(&vmo, 0, 1, 3).unwrap();
        for reader in readers {
            assert_eq!(reader.join().unwrap(), Ok(3));
        }
        assert!(f.poll().is_none(), "a second packet for one page");
        f.conserved(1);
    });
}

/// Read vs FAIL: a failure that meets the waiting read gives it the status; one that runs
/// before the read asked changes nothing, and the later supply answers the read.
#[test]
fn read_racing_fail() {
    loom::model(|| {
        let f = fixture();
        let vmo = f.pager_vmo(1, PagerVmoOptions::default());
        let reader = spawn_read_byte(&vmo);
        vmo.fail_range(0, P, VmError::Io).unwrap();
        f.supply(&vmo, 0, 1, 4).unwrap();
        match reader.join().unwrap() {
            Ok(4) | Err(VmError::Io) => {}
            other => panic!("read after fail: {other:?}"),
        }
        f.conserved(1);
    });
}

/// Read vs detach: the read fails with BAD_STATE, before or after it waited; COMPLETE is the
/// last packet, and nothing else stays queued.
#[test]
fn read_racing_detach() {
    loom::model(|| {
        let f = fixture();
        let vmo = f.pager_vmo(1, PagerVmoOptions::default());
        let reader = spawn_read_byte(&vmo);
        vmo.detach_pager(false);
        assert_eq!(reader.join().unwrap(), Err(VmError::BadState));
        let mut last = None;
        while let Some(packet) = f.poll() {
            last = Some(command(&packet));
        }
        assert_eq!(last, Some(1), "COMPLETE must be the last packet");
        f.conserved(0);
    });
}

/// A write vs writeback on a TRAP_DIRTY VMO: the writer never hangs (a DIRTY request made
/// after BEGIN is answered by the OP_DIRTY the pager sends when it finds the page clean), and
/// its byte is never lost.
#[test]
fn write_racing_writeback_with_trap_dirty() {
    loom::model(|| {
        let f = fixture();
        let options = PagerVmoOptions { trap_dirty: true, ..Default::default() };
        let vmo = f.pager_vmo(1, options);
        f.supply(&vmo, 0, 1, 0).unwrap();
        vmo.dirty_range(0, P).unwrap();
        let writer = {
            let vmo = vmo.clone();
            thread::spawn(move || vmo.write(&[9], 0))
        };
        vmo.writeback_begin(0, P, false).unwrap();
        vmo.writeback_end(0, P).unwrap();
        if vmo.dirty_ranges(0, P).unwrap().is_empty() {
            vmo.dirty_range(0, P).unwrap();
        }
        writer.join().unwrap().unwrap();
        assert_eq!(read_byte(&vmo, 0), Ok(9));
        while f.poll().is_some() {}
        f.conserved(1);
    });
}

/// Supply vs a shrink of the VMO: either order leaves the VMO one page long holding the
/// supplied page (or nothing, if the shrink came first and the supply found its range gone),
/// with every aux page moved or freed and none leaked.
#[test]
fn supply_racing_shrink() {
    loom::model(|| {
        let f = fixture();
        let options = PagerVmoOptions { resizable: true, ..Default::default() };
        let vmo = f.pager_vmo(2, options);
        let aux = f.vm.create_vmo(50, 2 * P, VmoOptions::default()).unwrap();
        aux.write(&vec![5; (2 * P) as usize], 0).unwrap();
        let supplier = {
            let (vmo, aux) = (vmo.clone(), aux.clone());
            thread::spawn(move || vmo.supply_pages(0, 2 * P, &aux, 0))
        };
        vmo.set_size(P).unwrap();
        let supplied = supplier.join().unwrap();
        assert_eq!(vmo.size(), P);
        match supplied {
            Ok(()) => {
                assert_eq!(read_byte(&vmo, 0), Ok(5));
                f.conserved(1);
            }
            Err(VmError::OutOfRange) => f.conserved(2), // aux kept its pages
            Err(other) => panic!("supply: {other:?}"),
        }
    });
}

/// Supply vs the drop of the VMO's last handle: the pages are freed with the VMO or never
/// taken from aux, and COMPLETE is queued once.
#[test]
fn supply_racing_the_last_handle_closing() {
    loom::model(|| {
        let f = fixture();
        let vmo = f.pager_vmo(1, PagerVmoOptions::default());
        let aux = f.vm.create_vmo(50, P, VmoOptions::default()).unwrap();
        aux.write(&[6], 0).unwrap();
        let closer = thread::spawn(move || drop(vmo));
        closer.join().unwrap();
        f.conserved(1);
        drop(aux);
        let packet = f.poll().expect("COMPLETE");
        assert_eq!(command(&packet), 1);
        assert!(f.poll().is_none());
        f.conserved(0);
    });
}

/// A blocked read vs the close of its port's last handle: the request stays outstanding and
/// the supply still wakes the read; nothing is queued to the closed port.
#[test]
fn blocked_read_racing_port_close() {
    loom::model(|| {
        let f = fixture();
        let vmo = f.pager_vmo(1, PagerVmoOptions::default());
        let reader = spawn_read_byte(&vmo);
        f.port.close();
        f.supply(&vmo, 0, 1, 8).unwrap();
        assert_eq!(reader.join().unwrap(), Ok(8));
        assert!(f.poll().is_none());
        f.conserved(1);
    });
}

/// `port_wait` (a poll) vs the port's last handle closing after a user packet was queued:
/// the packet is taken once or dropped with the port, never both, never twice.
#[test]
fn port_poll_racing_close() {
    loom::model(|| {
        let port = Arc::new(Port::new());
        port.queue_user(PortPacket { key: 1, ..Default::default() }).unwrap();
        let poller = {
            let port = port.clone();
            thread::spawn(move || port.take(Some(Duration::ZERO)))
        };
        port.close();
        let taken = poller.join().unwrap();
        assert!(taken.is_none_or(|p| p.key == 1));
        assert!(port.take(Some(Duration::ZERO)).is_none());
    });
}
