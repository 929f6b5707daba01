//! Operations on a node's data: read, write, commit, decommit, zero, resize, and the
//! discardable protocol. Each validates and allocates everything it needs before it changes
//! anything, so a failure leaves the node as it was.

use super::hierarchy::{free_slot, DiscardState, Hierarchy, NodeId, PAGE};
use super::LockState;
use crate::allocator::{PageAllocator, ZeroFill};
use crate::arena::{Frame, PAGE_SIZE};
use crate::error::VmError;
use crate::page_list::{PageSlot, Slot};

/// A byte range cut at page boundaries: `(page index, offset in page, length)`.
fn page_chunks(offset: u64, len: u64) -> impl Iterator<Item = (u64, usize, usize)> {
    let end = offset + len;
    let mut position = offset;
    std::iter::from_fn(move || {
        if position >= end {
            return None;
        }
        let in_page = position % PAGE;
        let chunk = (PAGE - in_page).min(end - position);
        let item = (position / PAGE, in_page as usize, chunk as usize);
        position += chunk;
        Some(item)
    })
}

/// How a node comes to own one of its pages, worked out under the hierarchy lock just
/// before it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Acquire {
    /// The node holds the frame already.
    Owned,
    /// An ancestor's page that only this node sees: the frame moves down.
    Move { owner: NodeId, at: u64 },
    /// An ancestor's page that another VMO still sees: a new frame takes a copy (a fork).
    Copy { owner: NodeId, at: u64 },
    /// The page reads zero: a new, zeroed frame.
    Zero,
}

/// What a newly owned page must hold before the caller writes into it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Content {
    /// The content it showed (the caller changes only part of it).
    Keep,
    /// Whatever the caller puts there: it overwrites the whole page, or it has already
    /// copied or zeroed the new frame.
    Prepared,
}

impl Hierarchy {
    /// `OutOfRange` unless `[offset, offset+len)` lies inside the node (overflow included);
    /// returns the end.
    pub(crate) fn check_range(&self, node: NodeId, offset: u64, len: u64) -> Result<u64, VmError> {
        let end = offset.checked_add(len).ok_or(VmError::OutOfRange)?;
        if end > self.nodes[node].size {
            return Err(VmError::OutOfRange);
        }
        Ok(end)
    }

    pub(crate) fn read<'a>(
        &'a self,
        allocator: &PageAllocator,
        node: NodeId,
        buffer: &mut [u8],
        offset: u64,
    ) -> Result<(), VmError> {
        let end = self.check_range(node, offset, buffer.len() as u64)?;
        let n = &self.nodes[node];
        // The page `index` shows, given the node's own slot there (if any).
        let frame_at = |index: u64, own: Option<&'a Slot>| match own {
            Some(slot) => slot.frame(),
            None => n.parent.and_then(|link| self.visible_frame(link.node, link.up(index)?)),
        };
        let copy_out = |out: &mut [u8], frame: Option<&Frame>, in_page: usize| match frame {
            Some(frame) => {
                out.copy_from_slice(&allocator.bytes(frame)[in_page..in_page + out.len()])
            }
            None => out.fill(0),
        };
        let (first, last) = (offset / PAGE, end.div_ceil(PAGE));
        if last - first == 1 {
            // Inside one page: one lookup.
            copy_out(buffer, frame_at(first, n.pages.get(first)), (offset % PAGE) as usize);
            return Ok(());
        }
        // The node's own slots come from one walk of its page list (not a lookup per page);
        // only pages it has no slot for are looked up through its ancestors.
        let mut own = n.pages.range(first, last).peekable();
        let mut done = 0;
        for (index, in_page, len) in page_chunks(offset, buffer.len() as u64) {
            while own.next_if(|&(at, _)| at < index).is_some() {}
            let slot = own.next_if(|&(at, _)| at == index).map(|(_, slot)| slot);
            copy_out(&mut buffer[done..done + len], frame_at(index, slot), in_page);
            done += len;
        }
        Ok(())
    }

    /// Allocates, all or nothing, exactly the frames that owning every page of
    /// `[first, end)` takes: one per page that reads zero and one per ancestor page that
    /// another VMO still sees (a copy); an ancestor page `node` alone sees moves down and
    /// needs none. The frames are not zeroed: [`Hierarchy::own_page`] either copies into a
    /// frame or zeroes it. Costs time in committed pages, not in the range's length.
    fn frames_for(
        &self,
        allocator: &PageAllocator,
        node: NodeId,
        first: u64,
        end: u64,
    ) -> Result<Vec<Frame>, VmError> {
        let pages = &self.nodes[node].pages;
        let owned = pages.range(first, end).filter(|(_, slot)| slot.frame().is_some()).count();
        let movable = self
            .ancestor_pages(node, first, end)
            .into_iter()
            .filter(|&(_, owner, at)| !self.seen_by_another(owner, at, node))
            .count();
        let needed = (end - first).saturating_sub((owned + movable) as u64);
        let needed = usize::try_from(needed).map_err(|_| VmError::NoMemory)?;
        allocator.alloc_many(needed, ZeroFill::No)
    }

    /// How `node` would come to own page `index` (see [`Acquire`]).
    fn acquisition(&self, node: NodeId, index: u64) -> Acquire {
        self.acquisition_and_source(node, index).0
    }

    /// [`Hierarchy::acquisition`], with the frame the page shows now (the source of a copy).
    fn acquisition_and_source(&self, node: NodeId, index: u64) -> (Acquire, Option<&Frame>) {
        let Some((owner, at, frame)) = self.find_owner_frame(node, index) else {
            return (Acquire::Zero, None);
        };
        let how = if owner == node {
            Acquire::Owned
        } else if !self.seen_by_another(owner, at, node) {
            Acquire::Move { owner, at }
        } else {
            Acquire::Copy { owner, at }
        };
        (how, Some(frame))
    }

    /// True when making `node` own page `index` takes a frame that must be allocated: the
    /// page shows an ancestor's frame that another VMO still sees. (A page that reads zero
    /// needs a zeroed frame too, which callers that only zero bytes never ask for.)
    fn fork_needs_copy(&self, node: NodeId, index: u64) -> bool {
        matches!(self.acquisition(node, index), Acquire::Copy { .. })
    }

    /// Makes `node` own page `index` the way `how` (computed just before, under the same
    /// lock) says, taking the frame a copy or a zero page needs from `fresh`. Unless the
    /// caller fills that frame itself (`Content::Prepared`), the page keeps the content it
    /// showed.
    fn own_page<'a>(
        &'a mut self,
        allocator: &PageAllocator,
        node: NodeId,
        index: u64,
        how: Acquire,
        content: Content,
        fresh: impl FnOnce() -> Frame,
    ) -> &'a mut Frame {
        let slot = match how {
            Acquire::Owned => None,
            Acquire::Move { owner, at } => {
                tracing::trace!(hierarchy = self.id(), node, index, "fork: page moved");
                Some(self.nodes[owner].pages.remove(at).expect("acquisition found a slot"))
            }
            Acquire::Copy { owner, at } => {
                let mut frame = fresh();
                if content == Content::Keep {
                    let source = self.nodes[owner].pages.get(at).and_then(Slot::frame);
                    allocator.copy(source.expect("acquisition found a frame"), &mut frame);
                }
                tracing::trace!(hierarchy = self.id(), node, index, "fork: page copied");
                Some(Slot::Page(PageSlot::new(frame)))
            }
            Acquire::Zero => {
                let mut frame = fresh();
                if content == Content::Keep {
                    allocator.zero(&mut frame);
                }
                Some(Slot::Page(PageSlot::new(frame)))
            }
        };
        let pages = &mut self.nodes[node].pages;
        let owned = match slot {
            Some(slot) => Some(pages.insert_and_get(index, slot).0),
            None => pages.get_mut(index),
        };
        match owned {
            Some(Slot::Page(page)) => &mut page.frame,
            _ => unreachable!("the page is owned, or was committed just above"),
        }
    }

    /// [`Hierarchy::own_page`] for each page of a range whose frames `frames_for` counted
    /// into `spare`.
    fn own_page_from<'a>(
        &'a mut self,
        allocator: &PageAllocator,
        node: NodeId,
        index: u64,
        content: Content,
        spare: &mut Vec<Frame>,
    ) -> &'a mut Frame {
        let how = self.acquisition(node, index);
        self.own_page(allocator, node, index, how, content, || {
            spare.pop().expect("frames_for counted every page that needs a frame")
        })
    }

    pub(crate) fn write(
        &mut self,
        allocator: &PageAllocator,
        node: NodeId,
        buffer: &[u8],
        offset: u64,
    ) -> Result<(), VmError> {
        let end = self.check_range(node, offset, buffer.len() as u64)?;
        if buffer.is_empty() {
            return Ok(());
        }
        let (first, last) = (offset / PAGE, end.div_ceil(PAGE));
        if last - first == 1 {
            return self.write_within_page(
                allocator,
                node,
                first,
                (offset % PAGE) as usize,
                buffer,
            );
        }
        if self.write_owned_pages(allocator, node, buffer, offset) {
            return Ok(());
        }
        let mut spare = self.frames_for(allocator, node, first, last)?;
        let mut done = 0;
        for (index, in_page, len) in page_chunks(offset, buffer.len() as u64) {
            let content = if len == PAGE_SIZE { Content::Prepared } else { Content::Keep };
            let frame = self.own_page_from(allocator, node, index, content, &mut spare);
            allocator.bytes_mut(frame)[in_page..in_page + len]
                .copy_from_slice(&buffer[done..done + len]);
            done += len;
        }
        allocator.free_all(spare);
        Ok(())
    }

    /// The common case of a write over pages the node already owns, every one of them: one
    /// walk of its page list, copying as it goes, with no fork and no allocation. False (and
    /// nothing written) when a page of the range is not the node's own frame.
    fn write_owned_pages(
        &mut self,
        allocator: &PageAllocator,
        node: NodeId,
        buffer: &[u8],
        offset: u64,
    ) -> bool {
        let end = offset + buffer.len() as u64; // checked by the caller
        let (first, last) = (offset / PAGE, end.div_ceil(PAGE));
        let pages = &mut self.nodes[node].pages;
        let owned = pages.range(first, last).filter(|(_, slot)| slot.frame().is_some()).count();
        if owned as u64 != last - first {
            return false;
        }
        for (index, slot) in pages.range_mut(first, last) {
            let Slot::Page(page) = slot else { continue };
            let start = (index * PAGE).max(offset);
            let stop = ((index + 1) * PAGE).min(end);
            let in_page = (start - index * PAGE) as usize;
            let from = (start - offset) as usize;
            let len = (stop - start) as usize;
            allocator.bytes_mut(&mut page.frame)[in_page..in_page + len]
                .copy_from_slice(&buffer[from..from + len]);
        }
        true
    }

    /// The common case of a write that stays inside one page: the page's acquisition is
    /// worked out once and its one frame, if it needs one, allocated before anything
    /// changes (so a `NoMemory` leaves the node as it was).
    fn write_within_page(
        &mut self,
        allocator: &PageAllocator,
        node: NodeId,
        index: u64,
        in_page: usize,
        bytes: &[u8],
    ) -> Result<(), VmError> {
        let (how, source) = self.acquisition_and_source(node, index);
        let mut frame = match how {
            Acquire::Copy { .. } | Acquire::Zero => Some(allocator.alloc(ZeroFill::No)?),
            Acquire::Owned | Acquire::Move { .. } => None,
        };
        // The new frame is filled here, from the source already found, so the fork does not
        // look its source up a second time.
        if let (Some(fresh), true) = (frame.as_mut(), bytes.len() < PAGE_SIZE) {
            match source {
                Some(source) => allocator.copy(source, fresh),
                None => allocator.zero(fresh),
            }
        }
        let target = self.own_page(allocator, node, index, how, Content::Prepared, || {
            frame.take().expect("allocated above for a copy or a zero page")
        });
        allocator.bytes_mut(target)[in_page..in_page + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    pub(crate) fn commit(
        &mut self,
        allocator: &PageAllocator,
        node: NodeId,
        offset: u64,
        len: u64,
    ) -> Result<(), VmError> {
        let end = self.check_range(node, offset, len)?;
        if len == 0 {
            return Ok(());
        }
        let (first, last) = (offset / PAGE, end.div_ceil(PAGE));
        let mut spare = self.frames_for(allocator, node, first, last)?;
        for index in first..last {
            self.own_page_from(allocator, node, index, Content::Keep, &mut spare);
        }
        allocator.free_all(spare);
        Ok(())
    }

    pub(super) fn any_pinned(&self, node: NodeId, first: u64, end: u64) -> bool {
        self.nodes[node].pages.range(first, end).any(|(_, slot)| slot.is_pinned())
    }

    pub(crate) fn decommit(
        &mut self,
        allocator: &PageAllocator,
        node: NodeId,
        offset: u64,
        len: u64,
    ) -> Result<(), VmError> {
        let end = self.check_range(node, offset, len)?;
        if len == 0 {
            return Ok(());
        }
        if self.in_cow_relation(node) || self.nodes[node].contiguous {
            return Err(VmError::NotSupported);
        }
        if offset % PAGE != 0 || len % PAGE != 0 {
            return Err(VmError::InvalidArgs);
        }
        let (first, last) = (offset / PAGE, end / PAGE);
        if self.any_pinned(node, first, last) {
            return Err(VmError::BadState);
        }
        self.nodes[node].pages.remove_range(first, last, |_, slot| free_slot(allocator, slot));
        Ok(())
    }

    /// Zeroes bytes `[in_page, in_page + len)` of page `index` wherever they would not
    /// already read zero.
    fn zero_within_page(
        &mut self,
        allocator: &PageAllocator,
        node: NodeId,
        index: u64,
        in_page: usize,
        len: usize,
        spare: &mut Vec<Frame>,
    ) {
        if self.visible_frame(node, index).is_some() {
            let frame = self.own_page_from(allocator, node, index, Content::Keep, spare);
            allocator.bytes_mut(frame)[in_page..in_page + len].fill(0);
        }
    }

    /// Makes the whole pages `[first, end)` read zero: pinned pages and the pages of a
    /// contiguous VMO are zeroed in place (they cannot move or go), other owned frames are
    /// released, zero markers hide whatever an ancestor
    /// would show, and ancestor pages nobody sees any more are freed. Costs time in the
    /// committed pages, not in the range's length.
    fn zero_whole_pages(&mut self, allocator: &PageAllocator, node: NodeId, first: u64, end: u64) {
        let owned: Vec<u64> = self.nodes[node].pages.range(first, end).map(|(i, _)| i).collect();
        let contiguous = self.nodes[node].contiguous;
        for index in owned {
            match self.nodes[node].pages.get_mut(index) {
                Some(Slot::Page(page)) if page.pin_count > 0 || contiguous => {
                    allocator.bytes_mut(&mut page.frame).fill(0);
                }
                Some(Slot::Zero) => {}
                _ => {
                    if let Some(slot) = self.nodes[node].pages.remove(index) {
                        free_slot(allocator, slot);
                    }
                }
            }
        }
        let shown = self.ancestor_pages(node, first, end);
        for &(index, _, _) in &shown {
            self.nodes[node].pages.insert(index, Slot::Zero);
        }
        let owners: Vec<(NodeId, u64)> = shown.iter().map(|&(_, owner, at)| (owner, at)).collect();
        self.free_if_unseen(allocator, &owners);
    }

    pub(crate) fn zero(
        &mut self,
        allocator: &PageAllocator,
        node: NodeId,
        offset: u64,
        len: u64,
    ) -> Result<(), VmError> {
        let end = self.check_range(node, offset, len)?;
        if len == 0 {
            return Ok(());
        }
        let (first_whole, end_whole) = (offset.div_ceil(PAGE), end / PAGE);
        let mut partial = Vec::new();
        if first_whole > end_whole {
            partial.push((offset / PAGE, offset % PAGE, len));
        } else {
            if offset % PAGE != 0 {
                partial.push((offset / PAGE, offset % PAGE, PAGE - offset % PAGE));
            }
            if end % PAGE != 0 {
                partial.push((end / PAGE, 0, end % PAGE));
            }
        }
        let needed =
            partial.iter().filter(|&&(index, _, _)| self.fork_needs_copy(node, index)).count();
        let mut spare = allocator.alloc_many(needed, ZeroFill::No)?;
        for (index, in_page, chunk) in partial {
            self.zero_within_page(
                allocator,
                node,
                index,
                in_page as usize,
                chunk as usize,
                &mut spare,
            );
        }
        if first_whole < end_whole {
            self.zero_whole_pages(allocator, node, first_whole, end_whole);
        }
        allocator.free_all(spare);
        Ok(())
    }

    pub(crate) fn set_size(
        &mut self,
        allocator: &PageAllocator,
        node: NodeId,
        size: u64,
    ) -> Result<(), VmError> {
        let rounded = super::round_up_to_page(size).ok_or(VmError::OutOfRange)?;
        self.check_root_extent(node, 0, rounded)?;
        let new_pages = rounded / PAGE;
        if self.any_pinned(node, new_pages, u64::MAX) {
            return Err(VmError::BadState);
        }
        let tail = rounded - size;
        let tail_index = size / PAGE;
        let needs_tail_page = tail > 0 && self.fork_needs_copy(node, tail_index);
        let mut spare = allocator.alloc_many(usize::from(needs_tail_page), ZeroFill::No)?;
        self.nodes[node]
            .pages
            .remove_range(new_pages, u64::MAX, |_, slot| free_slot(allocator, slot));
        self.shrink_windows(allocator, node, new_pages);
        if tail > 0 {
            let in_page = (size % PAGE) as usize;
            self.zero_within_page(
                allocator,
                node,
                tail_index,
                in_page,
                PAGE_SIZE - in_page,
                &mut spare,
            );
        }
        allocator.free_all(spare);
        self.store_size(node, rounded);
        self.nodes[node].content_size = size;
        Ok(())
    }

    /// After `node` shrinks to `pages`: it never again sees its ancestors' pages past that
    /// point (nor do the children that see through it), and ancestor pages nobody sees any
    /// more are freed.
    fn shrink_windows(&mut self, allocator: &PageAllocator, node: NodeId, pages: u64) {
        let cut: Vec<(NodeId, u64)> = self
            .ancestor_pages(node, pages, u64::MAX)
            .into_iter()
            .map(|(_, owner, at)| (owner, at))
            .collect();
        if let Some(link) = self.nodes[node].parent.as_mut() {
            link.limit = link.limit.min(pages);
        }
        for child in self.nodes[node].children.clone() {
            if let Some(link) = self.nodes[child].parent.as_mut() {
                link.limit = link.limit.min(pages.saturating_sub(link.offset));
            }
        }
        self.free_if_unseen(allocator, &cut);
    }

    fn discard_state(&mut self, node: NodeId) -> Result<&mut DiscardState, VmError> {
        self.nodes[node].discard.as_mut().ok_or(VmError::NotSupported)
    }

    fn check_whole_range(&self, node: NodeId, offset: u64, len: u64) -> Result<(), VmError> {
        if offset != 0 || len != self.nodes[node].size {
            return Err(VmError::OutOfRange);
        }
        Ok(())
    }

    pub(crate) fn lock_discardable(
        &mut self,
        node: NodeId,
        offset: u64,
        len: u64,
        try_only: bool,
    ) -> Result<LockState, VmError> {
        self.check_whole_range(node, offset, len)?;
        let size = self.nodes[node].size;
        let state = self.discard_state(node)?;
        if try_only && state.discarded {
            return Err(VmError::Unavailable);
        }
        let discarded_size = if state.discarded { size } else { 0 };
        state.discarded = false;
        state.lock_count += 1;
        Ok(LockState { offset: 0, size, discarded_offset: 0, discarded_size })
    }

    pub(crate) fn unlock_discardable(
        &mut self,
        node: NodeId,
        offset: u64,
        len: u64,
    ) -> Result<(), VmError> {
        self.check_whole_range(node, offset, len)?;
        let state = self.discard_state(node)?;
        if state.lock_count == 0 {
            return Err(VmError::BadState);
        }
        state.lock_count -= 1;
        Ok(())
    }

    /// Discards an unlocked discardable node's pages; returns how many frames it freed. A node
    /// with a pinned page is left whole: a pinned page cannot go away.
    pub(crate) fn discard_if_unlocked(&mut self, allocator: &PageAllocator, node: NodeId) -> u64 {
        match self.nodes[node].discard {
            Some(state) if state.lock_count == 0 && self.nodes[node].pinned == 0 => {}
            _ => return 0,
        }
        let mut freed = 0;
        self.nodes[node].pages.remove_range(0, u64::MAX, |_, slot| {
            freed += u64::from(slot.frame().is_some());
            free_slot(allocator, slot);
        });
        if let Some(state) = self.nodes[node].discard.as_mut() {
            state.discarded = true;
        }
        tracing::trace!(hierarchy = self.id(), node, freed, "discarded");
        freed
    }
}
