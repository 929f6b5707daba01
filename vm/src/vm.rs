//! The VM subsystem of one kernel: the page allocator and the registry of live VMOs.

use std::collections::HashSet;

use slab::Slab;

use crate::allocator::{PageAllocator, RamUnavailable};
use crate::device::DeviceMemory;
use crate::error::VmError;
use crate::pager::PageSource;
use crate::port::Port;
use crate::sync::{Arc, AtomicU64, Mutex, Ordering, Weak};
use crate::vmo::{Hierarchy, HierarchyCell, PagerRoot, Vmo, VmoOptions};

/// How long a call waits for a page request by default: 300 s, as Zircon's
/// `kernel.userpager.overtime_timeout_seconds`.
///
/// ```
/// assert_eq!(zx_vm::DEFAULT_PAGER_TIMEOUT_NS, 300_000_000_000);
/// ```
pub const DEFAULT_PAGER_TIMEOUT_NS: u64 = 300_000_000_000;

/// How a pager-backed VMO is made (`pager_create_vmo`'s options and arguments).
///
/// ```
/// let options = zx_vm::PagerVmoOptions::default();
/// assert!(!options.trap_dirty);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PagerVmoOptions {
    /// `ZX_VMO_RESIZABLE`.
    pub resizable: bool,
    /// `ZX_VMO_TRAP_DIRTY`: writes ask the pager (DIRTY requests) before they dirty a page.
    pub trap_dirty: bool,
    /// `ZX_VMO_UNBOUNDED`: the VMO is as large as can be; `size` is its stream size.
    pub unbounded: bool,
}

/// A registered VMO, and the hierarchy it lives in: the entry keeps the hierarchy reachable
/// until the VMO has given its pages back (a VMO leaves the registry last thing in its
/// drop), so [`Vm::check_invariants`] sees every page that is owned.
#[derive(Debug)]
struct Registered {
    vmo: Weak<Vmo>,
    hierarchy: Arc<HierarchyCell>,
}

/// The VM subsystem: owns the page allocator and knows every live VMO.
///
/// Invariants:
/// - `registry` holds an entry for every live [`Vmo`], with its hierarchy; a VMO removes
///   itself at the end of its drop, after its pages went back;
/// - every frame the allocator has handed out is owned by exactly one slot of one node of
///   one registered hierarchy, and frames are taken and given back only under the lock of
///   a registered hierarchy ([`Vm::check_invariants`] relies on it and proves the rest);
/// - `pins` changes under the lock of the hierarchy whose pages the pins are on.
///
/// Lock order: registry -> hierarchy -> allocator. Several hierarchy locks are taken in
/// ascending hierarchy id (a transfer takes two, `check_invariants` all). Only
/// `check_invariants` holds the registry while it takes hierarchy locks; no path takes the
/// registry while it holds a hierarchy lock, and no VMO is dropped under the registry lock.
///
/// ```
/// let vm = zx_vm::Vm::new(4 * 4096, 0);
/// let vmo = vm.create_vmo(1, 4096, zx_vm::VmoOptions::default()).unwrap();
/// vmo.write(&[1], 0).unwrap();
/// assert_eq!(vm.allocator().free_frames(), 3);
/// drop(vmo);
/// assert_eq!(vm.allocator().free_frames(), 4);
/// vm.check_invariants().unwrap();
/// ```
#[derive(Debug)]
pub struct Vm {
    allocator: PageAllocator,
    device: DeviceMemory,
    registry: Mutex<Slab<Registered>>,
    next_hierarchy_id: AtomicU64,
    /// Pins held on all pages, for the conservation check.
    pins: AtomicU64,
    /// How long a call waits for one page request, in nanoseconds (0: for ever).
    pager_timeout_ns: AtomicU64,
}

impl Vm {
    /// A VM over `memory_bytes` of RAM starting at physical address `ram_base`.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(1 << 20, 0x8000_0000);
    /// assert_eq!(vm.allocator().total_frames(), 256);
    /// ```
    pub fn new(memory_bytes: u64, ram_base: u64) -> Arc<Vm> {
        Vm::with_device_window(memory_bytes, ram_base, 0, 0)
    }

    /// A VM whose physical VMOs may map the device window `[device_base, device_base +
    /// device_bytes)`.
    ///
    /// # Panics
    /// When the host cannot reserve address space for the RAM; see
    /// [`Vm::try_with_device_window`].
    ///
    /// ```
    /// let vm = zx_vm::Vm::with_device_window(4096, 0x8000_0000, 0x1000, 0x4000);
    /// assert!(vm.device().contains(0x1000, 0x4000));
    /// ```
    pub fn with_device_window(
        memory_bytes: u64,
        ram_base: u64,
        device_base: u64,
        device_bytes: u64,
    ) -> Arc<Vm> {
        Vm::try_with_device_window(memory_bytes, ram_base, device_base, device_bytes)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Vm::with_device_window`], or the host's refusal to reserve the RAM.
    ///
    /// ```
    /// let vm = zx_vm::Vm::try_with_device_window(4096, 0, 1 << 40, 4096).unwrap();
    /// assert_eq!(vm.allocator().total_frames(), 1);
    /// ```
    pub fn try_with_device_window(
        memory_bytes: u64,
        ram_base: u64,
        device_base: u64,
        device_bytes: u64,
    ) -> Result<Arc<Vm>, RamUnavailable> {
        Ok(Arc::new(Vm {
            allocator: PageAllocator::try_new(memory_bytes, ram_base)?,
            device: DeviceMemory::new(device_base, device_bytes),
            registry: Mutex::new(Slab::new()),
            next_hierarchy_id: AtomicU64::new(1),
            pins: AtomicU64::new(0),
            pager_timeout_ns: AtomicU64::new(DEFAULT_PAGER_TIMEOUT_NS),
        }))
    }

    /// The device-memory window.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// assert!(!vm.device().contains(0, 1));
    /// ```
    pub fn device(&self) -> &DeviceMemory {
        &self.device
    }

    pub(crate) fn pins_changed(&self, added: u64, removed: u64) {
        self.pins.fetch_add(added, Ordering::Relaxed);
        self.pins.fetch_sub(removed, Ordering::Relaxed);
    }

    /// Creates a contiguous VMO of `size` bytes: its pages are physically consecutive,
    /// start at a multiple of `2^alignment_log2` (at least a page) and stay committed.
    /// `OutOfRange` for a size past the maximum, `NoMemory` when no such run is free.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(8 * 4096, 0);
    /// let vmo = vm.create_contiguous(1, 3 * 4096, 13).unwrap();
    /// let pages = &vmo.family()[0].pages;
    /// assert_eq!(pages[0].paddr.unwrap() % 8192, 0);
    /// assert_eq!(pages[2].paddr.unwrap(), pages[0].paddr.unwrap() + 2 * 4096);
    /// ```
    pub fn create_contiguous(
        self: &Arc<Self>,
        koid: u64,
        size: u64,
        alignment_log2: u32,
    ) -> Result<Arc<Vmo>, VmError> {
        let hierarchy_id = self.next_hierarchy_id.fetch_add(1, Ordering::Relaxed);
        let (hierarchy, node) =
            Hierarchy::new_root(hierarchy_id, koid, size, VmoOptions::default())?;
        let vmo = Vmo::new(self.clone(), koid, hierarchy, node, VmoOptions::default());
        // Registered before it takes its frames, which it takes under its own lock.
        self.register(&vmo);
        vmo.take_contiguous_frames(alignment_log2)?;
        Ok(vmo)
    }

    /// Creates a physical VMO over `[paddr, paddr + size)` of the device window: page
    /// aligned and non-empty (`InvalidArgs`), inside the window (`OutOfRange`).
    ///
    /// ```
    /// let vm = zx_vm::Vm::with_device_window(0, 0x8000_0000, 0x1000, 0x4000);
    /// let vmo = vm.create_physical(1, 0x2000, 0x1000).unwrap();
    /// vmo.write(b"reg", 0).unwrap();
    /// assert_eq!(vmo.info().committed_bytes, 0);
    /// ```
    pub fn create_physical(
        self: &Arc<Self>,
        koid: u64,
        paddr: u64,
        size: u64,
    ) -> Result<Arc<Vmo>, VmError> {
        let page = crate::PAGE_SIZE as u64;
        if paddr % page != 0 || size % page != 0 || size == 0 {
            return Err(VmError::InvalidArgs);
        }
        if !self.device.contains(paddr, size) {
            return Err(VmError::OutOfRange);
        }
        let hierarchy_id = self.next_hierarchy_id.fetch_add(1, Ordering::Relaxed);
        let (hierarchy, node) =
            Hierarchy::new_root(hierarchy_id, koid, size, VmoOptions::default())?;
        let vmo = Vmo::new_physical(self.clone(), koid, hierarchy, node, paddr);
        self.register(&vmo);
        Ok(vmo)
    }

    /// Sets how long a call waits for one page request (0: for ever).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// vm.set_pager_timeout_ns(5_000_000);
    /// assert_eq!(vm.pager_timeout(), Some(std::time::Duration::from_millis(5)));
    /// ```
    pub fn set_pager_timeout_ns(&self, timeout_ns: u64) {
        self.pager_timeout_ns.store(timeout_ns, Ordering::Relaxed);
    }

    /// How long a call waits for one page request (`None`: for ever).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// assert_eq!(vm.pager_timeout(), Some(std::time::Duration::from_secs(300)));
    /// ```
    pub fn pager_timeout(&self) -> Option<std::time::Duration> {
        let ns = self.pager_timeout_ns.load(Ordering::Relaxed);
        (ns != 0).then(|| std::time::Duration::from_nanos(ns))
    }

    /// Creates a pager-backed VMO: every page is absent (a use asks the pager with a READ
    /// packet on `port`, with `key`) until the pager supplies it. `size` rounds up (with
    /// `unbounded`, the VMO is [`crate::MAX_VMO_SIZE`] long and `size` is its stream size,
    /// past which pages are untracked zeros); `OutOfRange` past the maximum. `pager` names
    /// the pager object (its koid).
    ///
    /// ```
    /// use zx_vm::sync::Arc;
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let port = Arc::new(zx_vm::Port::new());
    /// let vmo = vm.create_pager_vmo(1, 4096, Default::default(), 9, port.clone(), 7).unwrap();
    /// assert!(vmo.is_pager_vmo_of(9));
    /// assert!(port.take(Some(std::time::Duration::ZERO)).is_none()); // no packet yet
    /// ```
    pub fn create_pager_vmo(
        self: &Arc<Self>,
        koid: u64,
        size: u64,
        options: PagerVmoOptions,
        pager: u64,
        port: Arc<Port>,
        key: u64,
    ) -> Result<Arc<Vmo>, VmError> {
        let page = crate::PAGE_SIZE as u64;
        let (vmo_size, stream) = if options.unbounded {
            if size > crate::MAX_VMO_SIZE {
                return Err(VmError::OutOfRange);
            }
            (crate::MAX_VMO_SIZE, size)
        } else {
            (size, size)
        };
        let vmo_options = VmoOptions { resizable: options.resizable, discardable: false };
        let hierarchy_id = self.next_hierarchy_id.fetch_add(1, Ordering::Relaxed);
        let (mut hierarchy, node) = Hierarchy::new_root(hierarchy_id, koid, vmo_size, vmo_options)?;
        hierarchy.set_content_size(node, stream);
        let source = Arc::new(PageSource::new(koid, pager, port, key));
        hierarchy.make_pager_root(PagerRoot {
            node,
            source,
            states: Default::default(),
            untracked_from: stream.div_ceil(page),
            modified: false,
            trap_dirty: options.trap_dirty,
            unbounded: options.unbounded,
        });
        let vmo = Vmo::new(self.clone(), koid, hierarchy, node, vmo_options);
        self.register(&vmo);
        Ok(vmo)
    }

    /// The page allocator.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// assert_eq!(vm.allocator().free_frames(), 1);
    /// ```
    pub fn allocator(&self) -> &PageAllocator {
        &self.allocator
    }

    /// Creates an anonymous VMO of `size` bytes (rounded up to pages; the exact value becomes
    /// the content size). `koid` is the caller's id for it.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(7, 10, zx_vm::VmoOptions::default()).unwrap();
    /// assert_eq!((vmo.size(), vmo.content_size()), (4096, 10));
    /// ```
    pub fn create_vmo(
        self: &Arc<Self>,
        koid: u64,
        size: u64,
        options: VmoOptions,
    ) -> Result<Arc<Vmo>, VmError> {
        let hierarchy_id = self.next_hierarchy_id.fetch_add(1, Ordering::Relaxed);
        let (hierarchy, node) = Hierarchy::new_root(hierarchy_id, koid, size, options)?;
        let vmo = Vmo::new(self.clone(), koid, hierarchy, node, options);
        self.register(&vmo);
        Ok(vmo)
    }

    pub(crate) fn register(&self, vmo: &Arc<Vmo>) {
        let entry = Registered { vmo: Arc::downgrade(vmo), hierarchy: vmo.hierarchy_cell() };
        let key = self.registry.lock().insert(entry);
        vmo.set_registry_key(key);
    }

    pub(crate) fn unregister(&self, key: usize) {
        self.registry.lock().try_remove(key);
    }

    /// Every live VMO (strong references taken under the registry lock, then released).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let _a = vm.create_vmo(1, 0, zx_vm::VmoOptions::default()).unwrap();
    /// assert_eq!(vm.live_vmos().len(), 1);
    /// ```
    pub fn live_vmos(&self) -> Vec<Arc<Vmo>> {
        let registry = self.registry.lock();
        registry.iter().filter_map(|(_, entry)| entry.vmo.upgrade()).collect()
    }

    /// Every hierarchy of `registry` once, in ascending id (the order to lock them in).
    fn hierarchies_of(registry: &Slab<Registered>) -> Vec<Arc<HierarchyCell>> {
        let mut cells: Vec<Arc<HierarchyCell>> =
            registry.iter().map(|(_, entry)| entry.hierarchy.clone()).collect();
        cells.sort_by_key(|cell| cell.id());
        cells.dedup_by_key(|cell| cell.id());
        cells
    }

    /// Discards every unlocked discardable VMO and returns the number of pages freed. A VMO
    /// with a pinned page is left whole (a pinned page cannot go away).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let options = zx_vm::VmoOptions { discardable: true, ..Default::default() };
    /// let vmo = vm.create_vmo(1, 4096, options).unwrap();
    /// vmo.write(&[1], 0).unwrap();
    /// assert_eq!(vm.reclaim_discardable(), 1);
    /// ```
    pub fn reclaim_discardable(&self) -> u64 {
        self.live_vmos().iter().map(|vmo| vmo.discard_if_unlocked()).sum()
    }

    /// Checks that every allocated frame is owned exactly once, that the allocator's counts
    /// agree with the owners and the pin ledger with the pins, and every per-hierarchy
    /// invariant; returns a description of the first violation.
    ///
    /// Exact even while other threads work: it holds the registry's lock (so no hierarchy
    /// joins meanwhile) and every registered hierarchy's lock at once (in ascending id, the
    /// order transfers use) while it checks, and frames and pins change only under those
    /// locks, so it sees one consistent state. It never panics.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// assert!(vm.check_invariants().is_ok());
    /// ```
    pub fn check_invariants(&self) -> Result<(), String> {
        // Lock order: the registry, then every hierarchy in ascending id. No other path
        // takes the registry while it holds a hierarchy lock. Holding the registry keeps
        // new hierarchies (which would own no page before they register) out meanwhile.
        let registry = self.registry.lock();
        let cells = Vm::hierarchies_of(&registry);
        let hierarchies: Vec<_> = cells.iter().map(|cell| cell.lock()).collect();
        self.allocator.check()?;
        let mut owned_frames = HashSet::new();
        for hierarchy in &hierarchies {
            hierarchy.check(&mut owned_frames)?;
        }
        for &index in &owned_frames {
            if !self.allocator.is_allocated(index) {
                return Err(format!("frame {index} is owned by a VMO but free in the allocator"));
            }
        }
        let pins: u64 = hierarchies.iter().map(|hierarchy| hierarchy.pins_held()).sum();
        let ledger = self.pins.load(Ordering::Relaxed);
        if pins != ledger {
            return Err(format!(
                "pages hold {pins} pins but pin and unpin calls account for {ledger}"
            ));
        }
        let used = self.allocator.used_frames();
        let owned = owned_frames.len() as u64;
        if used != owned {
            return Err(format!(
                "the allocator has {used} frames in use but VMOs own {owned}: {} frames {}",
                used.abs_diff(owned),
                if used > owned { "leaked" } else { "owned but not counted" },
            ));
        }
        Ok(())
    }
}
