//! `zx_vmo_transfer_data`: moving pages from one VMO to another instead of copying them.
//!
//! The effect is a `memmove` from the source range to the destination range followed by a
//! decommit of the source range: afterwards the destination holds what the source held,
//! and the source range reads zero (where the ranges of one VMO overlap, the destination
//! wins). Pages the source owns alone move (same frame); pages it still shares with a
//! snapshot relative are copied for the destination.
//!
//! **Stronger than Zircon.** Every check, and the allocation of every copy, happens under
//! both hierarchies' locks before anything changes; then the move runs without a way to
//! fail. So the transfer is all or nothing for every error (NO_MEMORY included), atomic to
//! other threads, loses and duplicates no frame, and never deadlocks: the locks are taken
//! in one global order.

use super::hierarchy::{free_slot, Hierarchy, NodeId, PAGE};
use super::{HierarchyCell, Vmo};
use crate::allocator::{PageAllocator, ZeroFill};
use crate::arena::Frame;
use crate::error::VmError;
use crate::page_list::{PageList, PageSlot, Slot};
use crate::sync::Arc;

/// What a transfer did, page by page.
///
/// ```
/// let stats = zx_vm::TransferStats::default();
/// assert_eq!(stats.moved + stats.copied, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransferStats {
    /// Frames that changed owner without a copy.
    pub moved: u64,
    /// Frames copied because a snapshot relative of the source still sees them.
    pub copied: u64,
    /// Zero markers placed (in the source, or in a destination with ancestors).
    pub zeroed: u64,
    /// The destination's previous frames released.
    pub released: u64,
}

/// The one or two hierarchies a transfer (or a supply) works on, borrowed one side at a time.
pub(super) enum Sides<'a> {
    One(&'a mut Hierarchy),
    Two { src: &'a mut Hierarchy, dst: &'a mut Hierarchy },
}

impl Sides<'_> {
    pub(super) fn src(&mut self) -> &mut Hierarchy {
        match self {
            Sides::One(h) => h,
            Sides::Two { src, .. } => src,
        }
    }

    pub(super) fn dst(&mut self) -> &mut Hierarchy {
        match self {
            Sides::One(h) => h,
            Sides::Two { dst, .. } => dst,
        }
    }
}

/// One side of a transfer (or the aux side of a supply), in its node's coordinates.
pub(super) struct Side {
    node: NodeId,
    first: u64,
    end: u64,
}

impl Hierarchy {
    /// The per-side checks that need the lock: the range (`OutOfRange`), the root of a
    /// pager-backed tree (`NotSupported`; a clone in such a tree is an ordinary VMO), then a
    /// pinned page in it (`BadState`).
    fn check_transfer_side(&self, node: NodeId, offset: u64, len: u64) -> Result<Side, VmError> {
        let end = self.check_range(node, offset, len)?;
        if self.is_pager_root(node) {
            return Err(VmError::NotSupported);
        }
        let side = Side { node, first: offset / PAGE, end: end / PAGE };
        let n = &self.nodes[node];
        let pinned =
            n.pinned > 0 && n.pages.range(side.first, side.end).any(|(_, s)| s.is_pinned());
        if pinned {
            return Err(VmError::BadState);
        }
        Ok(side)
    }

    /// How many of the pages the source shows come from an ancestor that another visible
    /// VMO still sees (those must be copied).
    fn copies_needed(&self, side: &Side) -> usize {
        self.ancestor_pages(side.node, side.first, side.end)
            .into_iter()
            .filter(|&(_, owner, at)| self.seen_by_another(owner, at, side.node))
            .count()
    }

    /// Takes what the source range shows out of it, as a list indexed from the range's
    /// start, and leaves the range reading zero.
    fn take_pages(
        &mut self,
        allocator: &PageAllocator,
        side: &Side,
        spare: &mut Vec<Frame>,
        stats: &mut TransferStats,
    ) -> PageList {
        let shown = self.ancestor_pages(side.node, side.first, side.end);
        let mut taken = self.nodes[side.node].pages.take_range(side.first, side.end);
        taken.remove_markers();
        stats.moved += taken.frame_count();
        for (index, owner, at) in shown {
            let slot = if !self.seen_by_another(owner, at, side.node) {
                stats.moved += 1;
                self.nodes[owner].pages.remove(at).expect("ancestor_pages found a slot")
            } else {
                stats.copied += 1;
                let mut frame = spare.pop().expect("copies_needed counted every copy");
                let source = self.nodes[owner].pages.get(at).and_then(Slot::frame);
                allocator.copy(source.expect("ancestor_pages found a frame"), &mut frame);
                Slot::Page(PageSlot::new(frame))
            };
            taken.insert(index - side.first, slot);
        }
        stats.zeroed += self.hide_ancestors(allocator, side);
        taken
    }

    /// Places `taken` into the destination range, releasing what was there, and makes the
    /// rest of the range read zero even where an ancestor has content.
    fn place_pages(
        &mut self,
        allocator: &PageAllocator,
        side: &Side,
        taken: PageList,
        stats: &mut TransferStats,
    ) {
        let before: Vec<(NodeId, u64)> = self
            .ancestor_pages(side.node, side.first, side.end)
            .into_iter()
            .map(|(_, owner, at)| (owner, at))
            .collect();
        let mut old = self.nodes[side.node].pages.take_range(side.first, side.end);
        stats.released += old.frame_count();
        old.remove_range(0, u64::MAX, |_, slot| free_slot(allocator, slot));
        self.nodes[side.node].pages.put_range(side.first, taken);
        stats.zeroed += self.hide_ancestors(allocator, side);
        self.free_if_unseen(allocator, &before);
    }

    /// The aux side of a supply: the range (`OutOfRange`), then a pinned page (`BadState`).
    pub(super) fn supply_side(&self, node: NodeId, offset: u64, len: u64) -> Result<Side, VmError> {
        self.check_transfer_side(node, offset, len)
    }

    /// Frames a supply from `side` must allocate (pages a snapshot relative still sees).
    pub(super) fn copies_for(&self, side: &Side) -> usize {
        if self.is_root(side.node) {
            return 0; // nothing is shared with a relative
        }
        self.copies_needed(side)
    }

    /// The one-page [`Hierarchy::take_for_supply`] of a node without relatives: its frame, if
    /// it has one there.
    pub(super) fn take_one_for_supply(&mut self, node: NodeId, index: u64) -> Option<Slot> {
        self.nodes[node].pages.remove(index).filter(|slot| slot.frame().is_some())
    }

    /// Empties the aux range as a transfer's source is emptied, returning its pages.
    pub(super) fn take_for_supply(
        &mut self,
        allocator: &PageAllocator,
        side: &Side,
        spare: &mut Vec<Frame>,
    ) -> PageList {
        if self.is_root(side.node) {
            // No ancestor shows through and no relative shares: the slots simply move.
            let mut taken = self.nodes[side.node].pages.take_range(side.first, side.end);
            taken.remove_markers();
            return taken;
        }
        self.take_pages(allocator, side, spare, &mut TransferStats::default())
    }

    /// Puts zero markers wherever an ancestor still shows through in the side's range, and
    /// frees the ancestor pages nobody sees any more. Returns the markers placed.
    fn hide_ancestors(&mut self, allocator: &PageAllocator, side: &Side) -> u64 {
        let shown = self.ancestor_pages(side.node, side.first, side.end);
        for &(index, _, _) in &shown {
            self.nodes[side.node].pages.insert(index, Slot::Zero);
        }
        let owners: Vec<(NodeId, u64)> = shown.iter().map(|&(_, owner, at)| (owner, at)).collect();
        self.free_if_unseen(allocator, &owners);
        shown.len() as u64
    }
}

impl Vmo {
    /// The per-side checks of a transfer, in order: physical or contiguous →
    /// `NotSupported`; the range (overflow included) → `OutOfRange`; a pinned page →
    /// `BadState`. Returns the side in node coordinates.
    fn transfer_side(&self, h: &Hierarchy, offset: u64, len: u64) -> Result<Side, VmError> {
        if self.is_physical() || h.is_contiguous(self.node) {
            return Err(VmError::NotSupported);
        }
        let offset = self.to_node(offset, len)?;
        h.check_transfer_side(self.node, offset, len)
    }

    /// `zx_vmo_transfer_data` with this VMO as the destination: moves the pages of
    /// `[src_offset, src_offset + len)` of `src` to `[offset, offset + len)` of this VMO.
    /// Offsets and length must be page aligned (`InvalidArgs`). Checks the source side,
    /// then the destination side (see the module documentation), then allocates the copies
    /// (`NoMemory`); on any error nothing has changed.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(8 * 4096, 0);
    /// let src = vm.create_vmo(1, 2 * 4096, Default::default()).unwrap();
    /// let dst = vm.create_vmo(2, 2 * 4096, Default::default()).unwrap();
    /// src.write(b"moved", 4096).unwrap();
    /// let stats = dst.transfer_from(0, 4096, &src, 4096).unwrap();
    /// assert_eq!((stats.moved, stats.copied), (1, 0));
    /// let mut back = [0u8; 5];
    /// dst.read(&mut back, 0).unwrap();
    /// assert_eq!(&back, b"moved");
    /// src.read(&mut back, 4096).unwrap();
    /// assert_eq!(back, [0; 5]);
    /// ```
    pub fn transfer_from(
        &self,
        offset: u64,
        len: u64,
        src: &Vmo,
        src_offset: u64,
    ) -> Result<TransferStats, VmError> {
        if offset % PAGE != 0 || len % PAGE != 0 || src_offset % PAGE != 0 {
            return Err(VmError::InvalidArgs);
        }
        loop {
            match self.transfer_once(offset, len, src, src_offset) {
                Err(VmError::ShouldWait) => src.bring_in_for_transfer(src_offset, len)?,
                result => return result,
            }
        }
    }

    /// One attempt: `ShouldWait` when a clone source in a pager-backed tree shows absent
    /// pages (they are brought in, with no lock held, before the next attempt).
    fn transfer_once(
        &self,
        offset: u64,
        len: u64,
        src: &Vmo,
        src_offset: u64,
    ) -> Result<TransferStats, VmError> {
        let allocator = self.vm.allocator();
        if Arc::ptr_eq(&self.cell, &src.cell) {
            let mut h = self.cell.lock();
            return self.transfer_locked(
                Sides::One(&mut h),
                allocator,
                offset,
                len,
                src,
                src_offset,
            );
        }
        // Lock order: of two hierarchies, the one with the lower id first.
        let (first, second) = order(&src.cell, &self.cell);
        let mut first_guard = first.lock();
        let mut second_guard = second.lock();
        let sides = if first.id == src.cell.id {
            Sides::Two { src: &mut first_guard, dst: &mut second_guard }
        } else {
            Sides::Two { src: &mut second_guard, dst: &mut first_guard }
        };
        self.transfer_locked(sides, allocator, offset, len, src, src_offset)
    }

    fn transfer_locked(
        &self,
        mut sides: Sides<'_>,
        allocator: &PageAllocator,
        offset: u64,
        len: u64,
        src: &Vmo,
        src_offset: u64,
    ) -> Result<TransferStats, VmError> {
        let src_side = src.transfer_side(sides.src(), src_offset, len)?;
        let dst_side = self.transfer_side(sides.dst(), offset, len)?;
        let src_tree = sides.src();
        if src_tree.pager().is_some() {
            // The scan for absent pages below is per page: bounded first.
            super::paged::within_memory(allocator, src_side.end - src_side.first, false)?;
        }
        if src_tree.pager().is_some()
            && src_tree.read_need(src_side.node, src_side.first, src_side.end, false).is_some()
        {
            return Err(VmError::ShouldWait);
        }
        let one_page = src_side.end - src_side.first == 1;
        if one_page && sides.src().is_root(src_side.node) && sides.dst().is_root(dst_side.node) {
            return Ok(move_one_page(&mut sides, allocator, &src_side, &dst_side));
        }
        let copies = sides.src().copies_needed(&src_side);
        let mut spare = allocator.alloc_many(copies, ZeroFill::No)?;
        // Nothing below can fail.
        let mut stats = TransferStats::default();
        let taken = sides.src().take_pages(allocator, &src_side, &mut spare, &mut stats);
        sides.dst().place_pages(allocator, &dst_side, taken, &mut stats);
        debug_assert!(spare.is_empty(), "every allocated copy was used");
        allocator.free_all(spare);
        tracing::trace!(
            moved = stats.moved,
            copied = stats.copied,
            zeroed = stats.zeroed,
            released = stats.released,
            "transfer"
        );
        Ok(stats)
    }
}

/// The common small transfer, one page between two VMOs without ancestors: no page can be
/// shared or shown through, so the source's slot (if it holds a frame) simply replaces the
/// destination's, and what the destination held goes back to the allocator. The checks
/// have passed; nothing here can fail.
fn move_one_page(
    sides: &mut Sides<'_>,
    allocator: &PageAllocator,
    src: &Side,
    dst: &Side,
) -> TransferStats {
    let mut stats = TransferStats::default();
    let taken = sides.src().nodes[src.node].pages.remove(src.first).filter(|s| s.frame().is_some());
    let dst_pages = &mut sides.dst().nodes[dst.node].pages;
    let old = match taken {
        Some(slot) => {
            stats.moved = 1;
            dst_pages.insert(dst.first, slot)
        }
        None => dst_pages.remove(dst.first),
    };
    if let Some(old) = old {
        stats.released = u64::from(old.frame().is_some());
        free_slot(allocator, old);
    }
    stats
}

pub(super) fn order<'a>(
    a: &'a Arc<HierarchyCell>,
    b: &'a Arc<HierarchyCell>,
) -> (&'a HierarchyCell, &'a HierarchyCell) {
    if a.id < b.id {
        (a, b)
    } else {
        (b, a)
    }
}
