//! `Kernel` and `KernelConfig`.

use std::sync::Arc;

use zx_syscalls::{zx, KernelCore, KernelSettings};
use zx_vm::{FaultInjector, RamUnavailable};

use crate::process::Process;

/// How to build a [`Kernel`]. Every field is public so that
/// `KernelConfig { memory_bytes, ..KernelConfig::default() }` works.
///
/// ```
/// let config = zx_kernel::KernelConfig { memory_bytes: 1 << 20, ..Default::default() };
/// assert_eq!(config.memory_bytes, 1 << 20);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelConfig {
    /// Bytes of emulated RAM that the page allocator manages (default 256 MiB; rounded down
    /// to whole pages).
    pub memory_bytes: u64,
    /// Physical address of the first byte of RAM (default 0x8000_0000). If the RAM would
    /// overlap the device window, it is placed just above the window instead.
    pub ram_base: u64,
    /// Physical address of the device-memory window for physical VMOs (default 64 GiB).
    pub device_memory_base: u64,
    /// Bytes in the device-memory window (default 64 MiB).
    pub device_memory_bytes: u64,
    /// Seed of the per-process secrets that scramble handle values (default `None`: each
    /// process draws its secret at random, as Zircon does). With `Some(seed)`, every run
    /// hands out the same values, for reproducible traces; a value from one process still
    /// names nothing in another.
    pub handle_seed: Option<u64>,
    /// Zircon's `kernel.enable-debugging-syscalls` boot option (default off, as in Zircon):
    /// when set, `ZX_VMO_OP_CACHE_INVALIDATE` works (it needs WRITE); when clear it answers
    /// `NOT_SUPPORTED`. Later calls that Zircon gates the same way use this switch too.
    pub enable_debugging_syscalls: bool,
    /// Longest time a call waits for one page request before it fails with TIMED_OUT (the
    /// request is then cancelled). 0 waits for ever. Default 300_000_000_000 (300 s, Zircon's
    /// default `kernel.userpager.overtime_timeout_seconds`).
    pub pager_timeout_ns: u64,
    /// Address-space placement (docs/reference.md §11.9): `None` (default) puts each new
    /// VMAR or mapping at the lowest address that fits, so runs are reproducible;
    /// `Some(seed)` picks uniformly among the addresses that fit, with a generator seeded by
    /// `seed` and the process's koid.
    pub aslr_seed: Option<u64>,
}

impl Default for KernelConfig {
    fn default() -> Self {
        let settings = KernelSettings::default();
        KernelConfig {
            memory_bytes: settings.memory_bytes,
            ram_base: settings.ram_base,
            device_memory_base: settings.device_memory_base,
            device_memory_bytes: settings.device_memory_bytes,
            handle_seed: settings.handle_seed,
            enable_debugging_syscalls: settings.enable_debugging_syscalls,
            pager_timeout_ns: settings.pager_timeout_ns,
            aslr_seed: settings.aslr_seed,
        }
    }
}

impl KernelConfig {
    /// The settings the kernel runs with: the RAM moved above the device window if the two
    /// would overlap.
    fn settings(&self) -> KernelSettings {
        const PAGE: u64 = zx::ZX_PAGE_SIZE;
        let device_end = self.device_memory_base.saturating_add(self.device_memory_bytes);
        let ram_base = self.ram_base & !(PAGE - 1);
        let ram_end = ram_base.saturating_add(self.memory_bytes);
        let overlap = ram_base < device_end && self.device_memory_base < ram_end;
        let ram_base =
            if overlap { device_end.saturating_add(PAGE - 1) & !(PAGE - 1) } else { ram_base };
        KernelSettings {
            memory_bytes: self.memory_bytes.min(u64::MAX - ram_base),
            ram_base,
            device_memory_base: self.device_memory_base,
            device_memory_bytes: self.device_memory_bytes,
            handle_seed: self.handle_seed,
            enable_debugging_syscalls: self.enable_debugging_syscalls,
            pager_timeout_ns: self.pager_timeout_ns,
            aslr_seed: self.aslr_seed,
        }
    }
}

/// The emulated kernel: the page allocator, the koid counter, the clock and the device
/// window. Clones are handles to the same kernel.
///
/// ```
/// let kernel = zx_kernel::Kernel::new(Default::default());
/// let process = kernel.create_process();
/// let vmo = process.vmo_create(4096, 0).unwrap();
/// process.vmo_write(vmo, &[1], 0).unwrap();
/// assert_eq!(kernel.kmem_stats().vmo_bytes, 4096);
/// ```
#[derive(Clone, Debug)]
pub struct Kernel {
    core: Arc<KernelCore>,
}

impl Kernel {
    /// A new kernel.
    ///
    /// # Panics
    /// When the host cannot reserve address space for `memory_bytes` of RAM (the emulated
    /// RAM is one lazily touched reservation); [`Kernel::try_new`] reports that instead.
    ///
    /// ```
    /// let kernel = zx_kernel::Kernel::new(zx_kernel::KernelConfig::default());
    /// assert_eq!(kernel.kmem_stats().total_bytes, 256 << 20);
    /// ```
    pub fn new(config: KernelConfig) -> Kernel {
        Kernel::try_new(config).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A new kernel, or [`RamUnavailable`] when the host cannot reserve address space for
    /// `memory_bytes` of RAM.
    ///
    /// ```
    /// use zx_kernel::{Kernel, KernelConfig};
    /// let small = Kernel::try_new(KernelConfig { memory_bytes: 1 << 20, ..Default::default() });
    /// assert!(small.is_ok());
    /// ```
    pub fn try_new(config: KernelConfig) -> Result<Kernel, RamUnavailable> {
        Ok(Kernel { core: KernelCore::try_new(config.settings())? })
    }

    /// A new process with an empty handle table.
    ///
    /// ```
    /// let kernel = zx_kernel::Kernel::new(Default::default());
    /// let _process = kernel.create_process();
    /// ```
    pub fn create_process(&self) -> Process {
        Process::new(self.core.create_process())
    }

    /// Memory statistics: `total_bytes` is the RAM, `free_bytes` the free pages, `vmo_bytes`
    /// the pages VMOs hold (pages on their way into or out of a VMO during a call count as
    /// held). Exact at one instant even while other threads work: both figures come from
    /// one atomic count, so `free_bytes + vmo_bytes == total_bytes` always holds.
    ///
    /// ```
    /// let kernel = zx_kernel::Kernel::new(Default::default());
    /// let stats = kernel.kmem_stats();
    /// assert_eq!(stats.free_bytes + stats.vmo_bytes, stats.total_bytes);
    /// ```
    pub fn kmem_stats(&self) -> zx::zx_info_kmem_stats_t {
        self.core.kmem_stats()
    }

    /// The page allocator's failure injector, off by default: makes chosen frame
    /// allocations answer `NO_MEMORY`, to test what every call leaves behind when memory
    /// runs out. An allocation is one request to the allocator (a page, a batch a call
    /// takes all at once, or a contiguous run), numbered from 0 after each
    /// [`FaultInjector::set`].
    ///
    /// ```
    /// use zx_kernel::{zx::*, FaultPlan, Kernel, Status};
    /// let kernel = Kernel::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(4096, 0)?;
    /// kernel.fault_injector().set(FaultPlan::FailAt(0));
    /// assert_eq!(p.vmo_write(vmo, b"x", 0), Err(Status::from_raw(ZX_ERR_NO_MEMORY)));
    /// assert_eq!(kernel.kmem_stats().vmo_bytes, 0); // the write left nothing behind
    /// p.vmo_write(vmo, b"x", 0)?; // allocation 1 succeeds
    /// kernel.fault_injector().set(FaultPlan::Off);
    /// # Ok::<(), Status>(())
    /// ```
    pub fn fault_injector(&self) -> &FaultInjector {
        self.core.vm().allocator().faults()
    }

    /// Discards every unlocked discardable VMO, as a kernel under memory pressure would, and
    /// returns the number of pages freed. A VMO with a pinned page is left whole.
    ///
    /// ```
    /// use zx_kernel::zx::*;
    /// let kernel = zx_kernel::Kernel::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(4096, ZX_VMO_DISCARDABLE).unwrap();
    /// p.vmo_write(vmo, &[1], 0).unwrap();
    /// assert_eq!(kernel.reclaim_discardable(), 1);
    /// ```
    pub fn reclaim_discardable(&self) -> u64 {
        self.core.vm().reclaim_discardable()
    }

    /// Walks every object and checks the invariants that keep data safe: each allocated
    /// page owned exactly once, the allocator's count of pages in use equal to the pages
    /// VMOs own, the pins pages hold equal to the pins taken and not released, every clone
    /// tree well formed. Describes the first violation.
    ///
    /// It may run while other threads make calls: it holds every clone tree's lock at once
    /// while it checks, and pages and pins change only under those locks, so what it sees
    /// is one consistent state and it reports no violation that is not one. It never
    /// panics.
    ///
    /// ```
    /// let kernel = zx_kernel::Kernel::new(Default::default());
    /// kernel.check_invariants().unwrap();
    /// ```
    pub fn check_invariants(&self) -> Result<(), String> {
        self.core.check_invariants()
    }

    pub(crate) fn core(&self) -> &Arc<KernelCore> {
        &self.core
    }
}
