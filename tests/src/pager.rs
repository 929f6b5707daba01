//! Helpers for the pager tests: a pager with its port, pager VMOs, supplies from aux VMOs,
//! packet expectations, and blocking calls run on threads of their own with a watchdog.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process, Status};

use crate::{assert_clean, P};

/// How long a blocked call that should have been answered may take before a test calls it
/// a hang.
pub const WATCHDOG: Duration = Duration::from_secs(5);

/// How long a test waits to be sure a call is still blocked (or that no packet came).
pub const SETTLE: Duration = Duration::from_millis(50);

/// The key every test VMO's requests carry unless a test picks another.
pub const KEY: u64 = 0x5eed;

/// A kernel, a process, a pager and a port.
pub struct Pager {
    pub kernel: Kernel,
    pub p: Process,
    pub pager: zx_handle_t,
    pub port: zx_handle_t,
}

impl Pager {
    /// A fresh kernel (1 MiB of RAM) with one pager and one port.
    pub fn new() -> Pager {
        Pager::with_config(KernelConfig { memory_bytes: 1 << 20, ..KernelConfig::default() })
    }

    /// [`Pager::new`] on a kernel made from `config`.
    pub fn with_config(config: KernelConfig) -> Pager {
        let kernel = Kernel::new(config);
        let p = kernel.create_process();
        let pager = p.pager_create(0).expect("pager_create");
        let port = p.port_create(0).expect("port_create");
        Pager { kernel, p, pager, port }
    }

    /// A pager VMO of `pages` pages with `options`, its requests keyed [`KEY`].
    pub fn vmo(&self, pages: u64, options: u32) -> zx_handle_t {
        self.p
            .pager_create_vmo(self.pager, options, self.port, KEY, pages * P)
            .expect("pager_create_vmo")
    }

    /// Supplies `[page, page + count)` of `vmo` with pages whose every byte is `byte`.
    pub fn supply(&self, vmo: zx_handle_t, page: u64, count: u64, byte: u8) {
        let aux = self.p.vmo_create(count * P, 0).expect("aux vmo_create");
        self.p.vmo_write(aux, &vec![byte; (count * P) as usize], 0).expect("aux write");
        self.p.pager_supply_pages(self.pager, vmo, page * P, count * P, aux, 0).expect("supply");
        self.p.handle_close(aux).expect("close aux");
    }

    /// The next packet, which must come within the watchdog.
    pub fn packet(&self) -> zx_port_packet_t {
        let deadline = self.p.clock_get_monotonic() + WATCHDOG.as_nanos() as i64;
        self.p.port_wait(self.port, deadline).expect("a packet within the watchdog")
    }

    /// Takes the next packet and checks it is `command` for `[page, page + count)`.
    pub fn expect_request(&self, command: u16, page: u64, count: u64) {
        let packet = self.packet();
        assert_eq!(
            packet,
            zx_port_packet_t::from_page_request(KEY, command, page * P, count * P),
            "expected {command} of pages {page}+{count}, got {:?}",
            packet.page_request()
        );
    }

    /// Checks that no packet is queued now.
    pub fn expect_no_packet(&self) {
        if let Ok(packet) = self.p.port_wait(self.port, 0) {
            panic!("unexpected packet {packet:?} ({:?})", packet.page_request());
        }
    }

    /// `vmo_read` of `len` bytes at `offset`, on a thread of its own.
    pub fn spawn_read(&self, vmo: zx_handle_t, offset: u64, len: usize) -> Pending<Vec<u8>> {
        self.spawn(move |p| {
            let mut buffer = vec![0; len];
            p.vmo_read(vmo, &mut buffer, offset).map(|()| buffer)
        })
    }

    /// `vmo_write` of `len` copies of `byte` at `offset`, on a thread of its own.
    pub fn spawn_write(&self, vmo: zx_handle_t, offset: u64, len: usize, byte: u8) -> Pending<()> {
        self.spawn(move |p| p.vmo_write(vmo, &vec![byte; len], offset))
    }

    /// Any call on a thread of its own, with a clone of the process.
    pub fn spawn<T: Send + 'static>(
        &self,
        call: impl FnOnce(Process) -> Result<T, Status> + Send + 'static,
    ) -> Pending<T> {
        let (sender, receiver) = mpsc::channel();
        let process = self.p.clone();
        thread::spawn(move || {
            let _ = sender.send(call(process));
        });
        Pending { receiver }
    }

    /// Checks the kernel's invariants and that nothing leaked once everything is closed.
    pub fn check(&self) {
        assert_clean(&self.kernel);
    }
}

impl Default for Pager {
    fn default() -> Self {
        Pager::new()
    }
}

/// A call running on a thread of its own.
pub struct Pending<T> {
    receiver: mpsc::Receiver<Result<T, Status>>,
}

impl<T> Pending<T> {
    /// Its result, which must come within the watchdog.
    pub fn result(self) -> Result<T, Status> {
        self.receiver.recv_timeout(WATCHDOG).expect("the call still blocks after the watchdog")
    }

    /// Checks that it is still blocked after [`SETTLE`].
    pub fn assert_blocked(&self) {
        if let Ok(result) = self.receiver.recv_timeout(SETTLE) {
            panic!("the call returned while it should block: {:?}", result.map(|_| ()));
        }
    }
}
