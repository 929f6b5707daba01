//! The VM subsystem of one kernel: the page allocator and the registry of live VMOs.

use std::collections::HashSet;

use slab::Slab;

use crate::allocator::PageAllocator;
use crate::device::DeviceMemory;
use crate::error::VmError;
use crate::sync::{Arc, AtomicU64, Mutex, Ordering, Weak};
use crate::vmo::{Hierarchy, Vmo, VmoOptions};

/// The VM subsystem: owns the page allocator and knows every live VMO.
///
/// Invariants:
/// - `registry` holds a `Weak` for every live [`Vmo`]; a VMO removes itself when dropped;
/// - every frame the allocator has handed out is owned by exactly one slot of one node of
///   one live hierarchy ([`Vm::check_invariants`] proves it).
///
/// Lock order: a hierarchy's lock -> the allocator's lock. The registry lock is never held
/// while a hierarchy lock is taken or a VMO is dropped.
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
    registry: Mutex<Slab<Weak<Vmo>>>,
    next_hierarchy_id: AtomicU64,
    /// Pins held on all pages, for the conservation check.
    pins: AtomicU64,
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
        Arc::new(Vm {
            allocator: PageAllocator::new(memory_bytes, ram_base),
            device: DeviceMemory::new(device_base, device_bytes),
            registry: Mutex::new(Slab::new()),
            next_hierarchy_id: AtomicU64::new(1),
            pins: AtomicU64::new(0),
        })
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
        let rounded = crate::round_up_to_page(size).ok_or(VmError::OutOfRange)?;
        let frames = self.allocator.alloc_contiguous(
            rounded / crate::PAGE_SIZE as u64,
            alignment_log2,
            crate::ZeroFill::Yes,
        )?;
        let hierarchy_id = self.next_hierarchy_id.fetch_add(1, Ordering::Relaxed);
        let (mut hierarchy, node) =
            Hierarchy::new_root(hierarchy_id, koid, size, VmoOptions::default())?;
        hierarchy.adopt_contiguous(node, frames);
        let vmo = Vmo::new(self.clone(), koid, hierarchy, node, VmoOptions::default());
        self.register(&vmo);
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
        let key = self.registry.lock().insert(Arc::downgrade(vmo));
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
        registry.iter().filter_map(|(_, weak)| weak.upgrade()).collect()
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
    /// agree with the owners, and every per-hierarchy invariant. Meaningful while no other
    /// thread is changing VMOs; returns a description of the first violation.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// assert!(vm.check_invariants().is_ok());
    /// ```
    pub fn check_invariants(&self) -> Result<(), String> {
        self.allocator.check()?;
        let vmos = self.live_vmos();
        let mut seen_hierarchies = HashSet::new();
        let mut owned_frames = HashSet::new();
        for vmo in &vmos {
            if !seen_hierarchies.insert(vmo.hierarchy_id()) {
                continue;
            }
            vmo.check_hierarchy(&mut owned_frames)?;
        }
        for &index in &owned_frames {
            if !self.allocator.is_allocated(index) {
                return Err(format!("frame {index} is owned by a VMO but free in the allocator"));
            }
        }
        let pins: u64 = {
            let mut seen = HashSet::new();
            vmos.iter().filter(|v| seen.insert(v.hierarchy_id())).map(|v| v.pins_held()).sum()
        };
        let ledger = self.pins.load(Ordering::Relaxed);
        if pins != ledger {
            return Err(format!(
                "pages hold {pins} pins but pin and unpin calls account for {ledger}"
            ));
        }
        let used = self.allocator.total_frames() - self.allocator.free_frames();
        if used != owned_frames.len() as u64 {
            return Err(format!(
                "the allocator has {used} frames in use but VMOs own {}: {} leaked",
                owned_frames.len(),
                used as i64 - owned_frames.len() as i64
            ));
        }
        Ok(())
    }
}
