//! What the pager calls on its VMO: supply, FAIL, DIRTY, writeback, the queries, detach.

use super::{within_memory, PagerSlotState};
use crate::allocator::ZeroFill;
use crate::error::VmError;
use crate::page_list::{PageSlot, Slot};
use crate::pager::{PageSource, RequestKind};
use crate::sync::Arc;
use crate::vmo::hierarchy::{free_slot, Hierarchy, PAGE};
use crate::vmo::transfer::Sides;
use crate::vmo::Vmo;

impl Vmo {
    /// `pager_supply_pages`: moves the pages of `[aux_offset, aux_offset + len)` of `aux` into
    /// the absent slots of `[offset, offset + len)` of this pager VMO; all or nothing.
    /// Checks (after the caller's): aux physical or contiguous → `NotSupported`; `len` 0 →
    /// done; aux's range → `OutOfRange`; aux pager-backed R, slice or reference →
    /// `NotSupported`; a pinned aux page → `BadState`; this VMO's range → `OutOfRange`;
    /// detached → `BadState`; then `NoMemory`.
    ///
    /// ```no_run
    /// // See the pager conformance tests (tests/tests/pager_*.rs).
    /// ```
    pub fn supply_pages(
        &self,
        offset: u64,
        len: u64,
        aux: &Vmo,
        aux_offset: u64,
    ) -> Result<(), VmError> {
        if aux.is_physical() || aux.is_contiguous() {
            return Err(VmError::NotSupported);
        }
        if len == 0 {
            return Ok(());
        }
        let aux_node_offset = aux.to_node(aux_offset, len)?;
        if aux.is_on_pager_root() {
            aux.check_range(aux_offset, len)?;
            return Err(VmError::NotSupported);
        }
        if aux.is_pager_backed() {
            aux.bring_in(aux_node_offset, len)?;
        }
        if Arc::ptr_eq(&aux.cell, &self.cell) {
            // A clone of this very VMO as aux: one tree, one lock.
            let mut h = self.cell.lock();
            return self.supply_locked(Sides::One(&mut h), offset, len, aux, aux_node_offset);
        }
        // Lock order: of two hierarchies, the one with the lower id first.
        let (first, second) = crate::vmo::transfer::order(&aux.cell, &self.cell);
        let mut first_guard = first.lock();
        let mut second_guard = second.lock();
        let sides = if first.id() == aux.cell.id() {
            Sides::Two { src: &mut first_guard, dst: &mut second_guard }
        } else {
            Sides::Two { src: &mut second_guard, dst: &mut first_guard }
        };
        self.supply_locked(sides, offset, len, aux, aux_node_offset)
    }

    /// The checks of a supply that need the locks, then the move (which cannot fail).
    fn supply_locked(
        &self,
        mut sides: Sides<'_>,
        offset: u64,
        len: u64,
        aux: &Vmo,
        aux_node_offset: u64,
    ) -> Result<(), VmError> {
        let allocator = self.vm.allocator();
        let side = sides.src().supply_side(aux.node, aux_node_offset, len)?;
        let end = sides.dst().check_range(self.node, offset, len)?;
        if self.source().is_detached() {
            return Err(VmError::BadState);
        }
        // Each page takes a slot (a page or a marker): bounded before any per-page work.
        within_memory(allocator, len / PAGE, false)?;
        if len == PAGE && sides.src().is_root(aux.node) {
            // The common small supply: one page from an aux VMO without relatives.
            let slot = sides.src().take_one_for_supply(aux.node, aux_node_offset / PAGE);
            let index = offset / PAGE;
            if sides.dst().supply_one_into_root(allocator, index, slot) {
                self.source().resolve(RequestKind::Read, &[(index, index + 1)]);
            }
            return Ok(());
        }
        let copies = sides.src().copies_for(&side);
        let mut spare = allocator.alloc_many(copies, ZeroFill::No)?;
        let taken = sides.src().take_for_supply(allocator, &side, &mut spare);
        allocator.free_all(spare);
        let pages = end / PAGE - offset / PAGE;
        let filled = sides.dst().supply_into_root(allocator, offset / PAGE, pages, taken);
        tracing::debug!(offset, len, filled = filled.len(), "supply");
        self.source().resolve(RequestKind::Read, &filled);
        Ok(())
    }

    /// Checks a pager op's range on R: `OutOfRange` past the end (overflow included).
    fn pager_range(&self, h: &Hierarchy, offset: u64, len: u64) -> Result<(u64, u64), VmError> {
        let end = h.check_range(self.node, offset, len)?;
        Ok((offset / PAGE, end.div_ceil(PAGE)))
    }

    /// `ZX_PAGER_OP_FAIL` over `[offset, offset + len)` with `status`: `OutOfRange`, then
    /// `BadState` when detached; the requests there fail.
    ///
    /// ```no_run
    /// // See the pager conformance tests.
    /// ```
    pub fn fail_range(&self, offset: u64, len: u64, status: VmError) -> Result<(), VmError> {
        let h = self.cell.state.read();
        let (first, end) = self.pager_range(&h, offset, len)?;
        if self.source().is_detached() {
            return Err(VmError::BadState);
        }
        self.source().fail(first, end, status);
        Ok(())
    }

    /// `ZX_PAGER_OP_DIRTY`: every slot of the range becomes a Dirty page, all or nothing.
    /// `NotSupported` without TRAP_DIRTY (before the range check), `OutOfRange`, `BadState`
    /// when detached, `NotFound` for an absent slot, `NoMemory`.
    ///
    /// ```no_run
    /// // See the pager conformance tests.
    /// ```
    pub fn dirty_range(&self, offset: u64, len: u64) -> Result<(), VmError> {
        let allocator = self.vm.allocator();
        let mut h = self.cell.state.write();
        let raw_end = offset.checked_add(len).ok_or(VmError::OutOfRange)?;
        if !h.pager().is_some_and(|p| p.trap_dirty) {
            return Err(VmError::NotSupported);
        }
        let size_pages = h.nodes[self.node].size / PAGE;
        let (first, end) = (offset / PAGE, raw_end.div_ceil(PAGE));
        if raw_end > size_pages * PAGE {
            self.source().nudge_dirty(first, size_pages);
            return Err(VmError::OutOfRange);
        }
        if self.source().is_detached() {
            return Err(VmError::BadState);
        }
        // An absent slot is one below the untracked zeros with no slot: counted from the
        // page list, so a range of any length costs time in its slots.
        let tracked_end = end.min(h.pager().expect("a pager tree").untracked_from);
        let slots = h.nodes[self.node].pages.range(first, tracked_end).count() as u64;
        if tracked_end > first && slots < tracked_end - first {
            self.source().nudge_dirty(first, end);
            return Err(VmError::NotFound);
        }
        // Every slot becomes a page: more than the RAM holds can never be.
        within_memory(allocator, end - first, true)?;
        let fresh: Vec<u64> = (first..end)
            .filter(|&i| !matches!(h.nodes[self.node].pages.get(i), Some(Slot::Page(_))))
            .collect();
        let mut frames = allocator.alloc_many(fresh.len(), ZeroFill::Yes)?;
        for &index in &fresh {
            let frame = frames.pop().expect("allocated one per slot");
            h.nodes[self.node].pages.insert(index, Slot::Page(PageSlot::new(frame)));
        }
        h.mark_dirty(first, end);
        // Lock order: the tree (still held), then the source.
        self.source().resolve(RequestKind::Dirty, &[(first, end)]);
        Ok(())
    }

    /// `ZX_PAGER_OP_WRITEBACK_BEGIN` (`zero_only`: with `ZX_VMO_DIRTY_RANGE_IS_ZERO`):
    /// unpinned Dirty pages become AwaitingClean, dirty zero slots are marked.
    ///
    /// ```no_run
    /// // See the pager conformance tests.
    /// ```
    pub fn writeback_begin(&self, offset: u64, len: u64, zero_only: bool) -> Result<(), VmError> {
        let mut h = self.cell.state.write();
        let (first, end) = self.pager_range(&h, offset, len)?;
        let node = self.node;
        let pinned: Vec<u64> = h.nodes[node]
            .pages
            .range(first, end)
            .filter(|(_, s)| s.is_pinned())
            .map(|(i, _)| i)
            .collect();
        for (&index, state) in h.pager_mut().states.range_mut(first..end) {
            *state = match *state {
                PagerSlotState::Dirty if !zero_only && !pinned.contains(&index) => {
                    PagerSlotState::AwaitingClean
                }
                PagerSlotState::DirtyZero => PagerSlotState::DirtyZeroAwaiting,
                other => other,
            };
        }
        Ok(())
    }

    /// `ZX_PAGER_OP_WRITEBACK_END`: AwaitingClean pages become Clean; marked zero slots
    /// become absent.
    ///
    /// ```no_run
    /// // See the pager conformance tests.
    /// ```
    pub fn writeback_end(&self, offset: u64, len: u64) -> Result<(), VmError> {
        let mut h = self.cell.state.write();
        let (first, end) = self.pager_range(&h, offset, len)?;
        let done: Vec<(u64, PagerSlotState)> = h
            .pager_mut()
            .states
            .range(first..end)
            .filter(|(_, s)| {
                matches!(s, PagerSlotState::AwaitingClean | PagerSlotState::DirtyZeroAwaiting)
            })
            .map(|(&i, &s)| (i, s))
            .collect();
        for (index, state) in done {
            h.pager_mut().states.remove(&index);
            if state == PagerSlotState::DirtyZeroAwaiting {
                h.nodes[self.node].pages.remove(index);
            }
        }
        Ok(())
    }

    /// `pager_query_dirty_ranges` over `[offset, offset + len)` (widened to pages): the runs
    /// of Dirty/AwaitingClean pages (options 0) and of dirty zero slots (options 1).
    ///
    /// ```no_run
    /// // See the pager conformance tests.
    /// ```
    pub fn dirty_ranges(&self, offset: u64, len: u64) -> Result<Vec<(u64, u64, u64)>, VmError> {
        let h = self.cell.state.read();
        let (first, end) = self.pager_range(&h, offset, len)?;
        let mut runs: Vec<(u64, u64, u64)> = Vec::new();
        let p = h.pager().expect("a pager tree");
        for (&index, &state) in p.states.range(first..end) {
            let options = match state {
                PagerSlotState::Dirty | PagerSlotState::AwaitingClean => 0,
                PagerSlotState::DirtyZero | PagerSlotState::DirtyZeroAwaiting => 1,
            };
            match runs.last_mut() {
                Some((start, length, kind))
                    if *kind == options && *start + *length == index * PAGE =>
                {
                    *length += PAGE
                }
                _ => runs.push((index * PAGE, PAGE, options)),
            }
        }
        Ok(runs)
    }

    /// `pager_query_vmo_stats`: the modified flag, cleared afterwards when `reset`.
    ///
    /// ```no_run
    /// // See the pager conformance tests.
    /// ```
    pub fn take_modified(&self, reset: bool) -> bool {
        let mut h = self.cell.state.write();
        let p = h.pager_mut();
        let modified = p.modified;
        if reset {
            p.modified = false;
        }
        modified
    }

    /// Marks R modified (a successful call that changed it outside the paths above).
    pub(crate) fn set_modified(&self) {
        if let Some(p) = self.cell.state.write().pager.as_deref_mut() {
            p.modified = true;
        }
    }

    /// `pager_detach_vmo` (`pager_dead`: the pager's last handle went). Detach drops R's
    /// unpinned Clean pages and markers and queues COMPLETE; pager death drops nothing.
    ///
    /// ```no_run
    /// // See the pager conformance tests.
    /// ```
    pub fn detach_pager(&self, pager_dead: bool) {
        let allocator = self.vm.allocator();
        let mut h = self.cell.state.write();
        if !pager_dead && !self.source().is_detached() {
            let root = h.pager().expect("a pager tree").node;
            let states = &h.pager().expect("a pager tree").states;
            let clean: Vec<u64> = h.nodes[root]
                .pages
                .iter()
                .filter(|(i, s)| !states.contains_key(i) && !s.is_pinned())
                .map(|(i, _)| i)
                .collect();
            for index in clean {
                if let Some(slot) = h.nodes[root].pages.remove(index) {
                    free_slot(allocator, slot);
                }
            }
        }
        self.source().detach(pager_dead);
    }

    /// The page source of a pager-backed VMO.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// assert!(vm.create_vmo(1, 4096, Default::default()).unwrap().page_source().is_none());
    /// ```
    pub fn page_source(&self) -> Option<&Arc<PageSource>> {
        self.cell.source.as_ref()
    }
}

impl Hierarchy {
    pub(crate) fn check_pager(&self) -> Result<(), String> {
        match self.pager() {
            Some(p) => p.check(self),
            None => Ok(()),
        }
    }
}
