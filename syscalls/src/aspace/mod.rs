//! Address spaces: each process's tree of VMARs and mappings (docs/reference.md §11).
//!
//! An [`AddressSpace`] is one process's: a root VMAR covering the x86-64 user range and,
//! below it, sub-VMARs and mappings. The tree sits behind one reader-writer lock; the
//! syscalls that change it (`vmar_map`, `vmar_unmap`, `vmar_protect`, `vmar_destroy`,
//! `vmar_allocate`) take it exclusively, mapped accesses and info take it shared. That is
//! what makes those calls linearizable with respect to mapped accesses.
//!
//! Lock order: address-space lock → VMO hierarchy lock → a VMO object's mapping-count lock
//! (a leaf). A mapped access holds the address-space lock (shared) while it reads or
//! writes the VMO, so an unmap cannot complete in the middle of it; VMO operations
//! (decommit, resize, transfer) take only the hierarchy lock, so they never wait for an
//! address space and the next access sees their effect. The handle table's lock is taken
//! under the address-space lock only to insert a new VMAR's handle.

mod mmu;
mod tlb;
pub(crate) mod tree;

pub use mmu::{Access, PageFault};
pub(crate) use tree::{AspaceState, Child, Mapping};

use zx_vm::sync::{Arc, CachePadded, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::object::{ObjectName, VmoObject};
use crate::zx::{self, zx_koid_t};

/// Lowest address of a user address space (x86-64).
///
/// ```
/// assert_eq!(zx_syscalls::USER_ASPACE_BASE, 0x20_0000);
/// ```
pub const USER_ASPACE_BASE: u64 = 0x20_0000;
/// Bytes in a user address space (x86-64): it ends at `0x7FFF_FFFF_F000`.
///
/// ```
/// assert_eq!(zx_syscalls::USER_ASPACE_BASE + zx_syscalls::USER_ASPACE_SIZE, 0x7FFF_FFFF_F000);
/// ```
pub const USER_ASPACE_SIZE: u64 = 0x7FFF_FFDF_F000;

/// The VMAR flags a VMAR keeps from its creation options.
pub(crate) const VMAR_FLAGS: u32 = zx::ZX_VM_CAN_MAP_READ
    | zx::ZX_VM_CAN_MAP_WRITE
    | zx::ZX_VM_CAN_MAP_EXECUTE
    | zx::ZX_VM_CAN_MAP_SPECIFIC
    | zx::ZX_VM_COMPACT;

/// Identifies a VMAR within its address space (the root is 0; ids are never reused).
pub(crate) type VmarId = u64;
/// The root VMAR's id.
pub(crate) const ROOT_VMAR: VmarId = 0;

/// One process's address space.
///
/// Invariants (checked by [`AddressSpace::check`]): every VMAR's children lie inside it and
/// do not overlap; each child VMAR's node names its parent; every mapping holds its VMO
/// (through a [`MappingHold`]) and is counted once in that VMO's mapping counts; once
/// the process has ended the tree is empty and stays so.
///
/// ```
/// let kernel = zx_syscalls::KernelCore::new(Default::default());
/// let p = kernel.create_process();
/// assert_eq!(p.aspace().process_koid(), p.koid());
/// ```
#[derive(Debug)]
pub struct AddressSpace {
    process_koid: zx_koid_t,
    root_koid: zx_koid_t,
    state: CachePadded<RwLock<AspaceState>>,
    tlb: tlb::Tlb,
}

/// The address-space lock held exclusively. Dropping it first empties the translation
/// cache, then releases the lock: whatever the section changed, no stale translation
/// survives it.
pub(crate) struct AspaceWriteGuard<'a> {
    state: RwLockWriteGuard<'a, AspaceState>,
    tlb: &'a tlb::Tlb,
}

impl std::ops::Deref for AspaceWriteGuard<'_> {
    type Target = AspaceState;
    fn deref(&self) -> &AspaceState {
        &self.state
    }
}

impl std::ops::DerefMut for AspaceWriteGuard<'_> {
    fn deref_mut(&mut self) -> &mut AspaceState {
        &mut self.state
    }
}

impl Drop for AspaceWriteGuard<'_> {
    fn drop(&mut self) {
        // Lock order: address space (still held exclusively) → each slot in turn.
        self.tlb.flush();
    }
}

impl AddressSpace {
    /// An empty address space for process `process_koid`, its root VMAR having koid
    /// `root_koid`; `aslr_seed` makes placement random (seeded by it and the koid).
    pub(crate) fn new(
        process_koid: zx_koid_t,
        root_koid: zx_koid_t,
        aslr_seed: Option<u64>,
    ) -> Self {
        AddressSpace {
            process_koid,
            root_koid,
            state: CachePadded::new(RwLock::new(AspaceState::new(
                process_koid,
                root_koid,
                aslr_seed,
            ))),
            tlb: tlb::Tlb::new(),
        }
    }

    /// The koid of the process this address space belongs to.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.aspace().process_koid() >= 1024);
    /// ```
    pub fn process_koid(&self) -> zx_koid_t {
        self.process_koid
    }

    /// The koid of its root VMAR.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert_ne!(p.aspace().root_koid(), p.koid());
    /// ```
    pub fn root_koid(&self) -> zx_koid_t {
        self.root_koid
    }

    /// The tree, shared (mapped accesses, info).
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, AspaceState> {
        self.state.read()
    }

    /// The tree, exclusively (every change); the translation cache is emptied when the
    /// guard drops.
    pub(crate) fn write(&self) -> AspaceWriteGuard<'_> {
        AspaceWriteGuard { state: self.state.write(), tlb: &self.tlb }
    }

    /// The process ended: everything is unmapped and destroyed, and every later VMAR call
    /// is `BAD_STATE`. The VMOs the mappings held are released under the lock (so their
    /// mapping counts always agree with the trees).
    pub(crate) fn end(&self) {
        let mut state = self.write();
        let released = state.end();
        drop(released);
        drop(state);
    }

    /// Whether the process has ended.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(!kernel.create_process().aspace().has_ended());
    /// ```
    pub fn has_ended(&self) -> bool {
        self.read().ended()
    }
}

/// How many mappings a VMO has, per process (for `num_mappings` and `share_count`).
///
/// Invariant: the counts equal the live [`MappingHold`]s of the VMO; entries with a count
/// of 0 are removed. The lock is a leaf.
///
/// ```
/// let counts = zx_syscalls::aspace::MappingCounts::default();
/// assert_eq!((counts.num_mappings(), counts.share_count()), (0, 1));
/// ```
#[derive(Debug, Default)]
pub struct MappingCounts(Mutex<Vec<(zx_koid_t, u64)>>);

impl MappingCounts {
    /// Live mappings of the VMO in every process.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::aspace::MappingCounts::default().num_mappings(), 0);
    /// ```
    pub fn num_mappings(&self) -> u64 {
        self.0.lock().iter().map(|(_, n)| n).sum()
    }

    /// 1 with fewer than two mappings, else the number of processes that map the VMO.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::aspace::MappingCounts::default().share_count(), 1);
    /// ```
    pub fn share_count(&self) -> u64 {
        let counts = self.0.lock();
        if counts.iter().map(|(_, n)| n).sum::<u64>() < 2 {
            1
        } else {
            counts.len() as u64
        }
    }

    /// Mappings of the VMO in the address space of process `koid`.
    pub(crate) fn in_process(&self, koid: zx_koid_t) -> u64 {
        self.0.lock().iter().find(|(k, _)| *k == koid).map_or(0, |(_, n)| *n)
    }

    fn add(&self, koid: zx_koid_t) {
        let mut counts = self.0.lock();
        match counts.iter_mut().find(|(k, _)| *k == koid) {
            Some((_, n)) => *n += 1,
            None => counts.push((koid, 1)),
        }
    }

    fn remove(&self, koid: zx_koid_t) {
        let mut counts = self.0.lock();
        if let Some(i) = counts.iter().position(|(k, _)| *k == koid) {
            counts[i].1 -= 1;
            if counts[i].1 == 0 {
                counts.remove(i);
            }
        }
    }
}

/// A mapping's hold on its VMO: keeps the VMO object alive and counts once in its
/// [`MappingCounts`] for as long as it lives (RAII).
#[derive(Debug)]
pub(crate) struct MappingHold {
    vmo: Arc<VmoObject>,
    process: zx_koid_t,
}

impl MappingHold {
    pub(crate) fn new(vmo: Arc<VmoObject>, process: zx_koid_t) -> MappingHold {
        vmo.mappings.add(process);
        MappingHold { vmo, process }
    }

    pub(crate) fn vmo(&self) -> &Arc<VmoObject> {
        &self.vmo
    }

    /// The koid of the process whose address space the mapping is in.
    pub(crate) fn process(&self) -> zx_koid_t {
        self.process
    }

    /// A second hold on the same VMO (a mapping split in two).
    pub(crate) fn another(&self) -> MappingHold {
        MappingHold::new(self.vmo.clone(), self.process)
    }
}

impl Drop for MappingHold {
    fn drop(&mut self) {
        self.vmo.mappings.remove(self.process);
    }
}

/// A VMAR as a handle names it. The VMAR itself lives in its address space's tree; once it
/// is destroyed every call through this object is `BAD_STATE`, while `ZX_INFO_VMAR` still
/// reports `base` and `len`.
///
/// ```
/// use zx_syscalls::zx::*;
/// let kernel = zx_syscalls::KernelCore::new(Default::default());
/// let p = kernel.create_process();
/// let root = p.vmar_root_self();
/// assert_eq!(p.object_get_info_handle_basic(root).unwrap().type_, ZX_OBJ_TYPE_VMAR);
/// ```
#[derive(Debug)]
pub struct VmarObject {
    /// The VMAR's koid.
    pub koid: zx_koid_t,
    /// `ZX_PROP_NAME`.
    pub name: ObjectName,
    /// Absolute base address.
    pub base: u64,
    /// Bytes covered.
    pub len: u64,
    /// Its CAN_MAP_* / COMPACT flags (fixed at creation).
    pub flags: u32,
    pub(crate) aspace: Arc<AddressSpace>,
    pub(crate) id: VmarId,
}

impl VmarObject {
    /// True for the root VMAR of its address space.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// # let _ = p.vmar_root_self();
    /// ```
    pub fn is_root(&self) -> bool {
        self.id == ROOT_VMAR
    }
}
