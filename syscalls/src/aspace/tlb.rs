//! The translation cache (software TLB) of one address space: the hot path of a mapped
//! access, which skips the address-space lock and the walk of the VMAR tree.
//!
//! A slot caches one page's translation: the page's address, the VMO object and offset it
//! shows, and the page's protection. It caches no frame: the access still reads or writes
//! through [`zx_vm::Vmo::read`] / [`zx_vm::Vmo::write`], under the VMO's hierarchy lock, so
//! VMO operations (decommit, zero, transfer, forks, resize) need no shootdown and the next
//! access sees them. The VMO's size is read on every access, so a shrink is seen at once.
//!
//! Invariants: a slot holds a translation only while the address space's tree maps that page
//! that way: slots are filled under the address-space lock (shared) from the tree, and every
//! section that holds the lock exclusively empties every slot before it lets go (see
//! [`super::AspaceWriteGuard`]). An access on the fast path holds its slot's lock for the
//! whole access, and emptying a slot takes that lock, so a call that changes the address
//! space returns only after every fast-path access that used the old translation has ended:
//! `vmar_map`, `vmar_unmap`, `vmar_protect` and `vmar_destroy` stay linearizable.
//!
//! Lock order: address-space lock → slot lock → VMO hierarchy lock. The fast path takes a
//! slot lock and then the hierarchy lock; filling and emptying take a slot lock under the
//! address-space lock; nothing takes the address-space lock or a slot under a slot lock.

use zx_vm::sync::{Arc, CachePadded, SpinMutex};

use crate::object::VmoObject;
use crate::zx;

const PAGE: u64 = zx::ZX_PAGE_SIZE;
/// Slots per address space (direct mapped by page number).
pub(crate) const SLOTS: usize = 64;

/// One cached translation.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The page's address.
    pub(crate) vpage: u64,
    /// The VMO mapped there (the mapping holds it too, for as long as this entry lives).
    pub(crate) vmo: Arc<VmoObject>,
    /// The VMO offset of the page.
    pub(crate) offset: u64,
    /// The page's protection.
    pub(crate) perms: u32,
}

/// The slots of one address space, direct mapped by page number.
///
/// Invariant: a slot holds a translation only while the address space maps its page that way
/// (filled from the tree under the address-space lock; every exclusive section of that lock
/// empties every slot before releasing it).
#[derive(Debug)]
pub(crate) struct Tlb {
    slots: Box<[CachePadded<SpinMutex<Option<Entry>>>]>,
}

impl Tlb {
    pub(crate) fn new() -> Tlb {
        Tlb { slots: (0..SLOTS).map(|_| CachePadded::new(SpinMutex::new(None))).collect() }
    }

    /// The slot of the page holding `vaddr`.
    pub(crate) fn slot(&self, vaddr: u64) -> &SpinMutex<Option<Entry>> {
        &self.slots[((vaddr / PAGE) % SLOTS as u64) as usize]
    }

    /// Caches a translation. Callers hold the address-space lock (shared or exclusive).
    pub(crate) fn fill(&self, entry: Entry) {
        let old = self.slot(entry.vpage).lock().replace(entry);
        drop(old);
    }

    /// Empties every slot, waiting for the fast-path accesses in them to end. Callers hold
    /// the address-space lock exclusively. The VMO references the slots held are dropped
    /// after each slot's lock is released.
    pub(crate) fn flush(&self) {
        for slot in self.slots.iter() {
            let old = slot.lock().take();
            drop(old);
        }
    }
}
