//! A hierarchy: the nodes of one clone tree and the pages they own, under one lock.
//!
//! Invariants (checked by [`Hierarchy::check`]):
//! - a node's slots lie below its size: no slot at a page index `>= size / PAGE_SIZE`;
//! - every frame is owned by exactly one slot of one node;
//! - a node's `parent` link names a live node whose `children` list names it back, and the
//!   window (`offset`, `limit`, in pages) only ever shrinks;
//! - `size` is a multiple of the page size and at most `MAX_VMO_SIZE`.
//!
//! What an empty slot means: in a node without a parent it reads zero; in a node with a
//! parent, the page at index `i < limit` is the parent's page at `offset + i` (and zero at
//! or beyond `limit`). A zero marker always reads zero.

use std::collections::HashSet;

use slab::Slab;

use super::{FamilyNode, FamilyPage, LockState, VmoInfo, VmoOptions};
use crate::allocator::{PageAllocator, ZeroFill};
use crate::arena::{Frame, PAGE_SIZE};
use crate::error::VmError;
use crate::page_list::{PageList, PageSlot, Slot};

const PAGE: u64 = PAGE_SIZE as u64;

/// A node's index in its hierarchy.
pub(crate) type NodeId = usize;

/// A node's view of its parent: page `i < limit` of the node is page `offset + i` of the
/// parent.
#[derive(Clone, Copy, Debug)]
struct ParentLink {
    node: NodeId,
    offset: u64,
    limit: u64,
}

/// The discardable protocol's state.
#[derive(Clone, Copy, Debug, Default)]
struct DiscardState {
    lock_count: u64,
    discarded: bool,
}

#[derive(Debug)]
struct Node {
    pages: PageList,
    parent: Option<ParentLink>,
    children: Vec<NodeId>,
    size: u64,
    content_size: u64,
    /// The koid of the VMO this node backs; `None` for a hidden node.
    koid: Option<u64>,
    discard: Option<DiscardState>,
}

/// The nodes of one clone tree.
#[derive(Debug)]
pub(crate) struct Hierarchy {
    id: u64,
    nodes: Slab<Node>,
}

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

fn free_slot(allocator: &PageAllocator, slot: Slot) {
    if let Slot::Page(page) = slot {
        allocator.free(page.frame);
    }
}

impl Hierarchy {
    /// A hierarchy holding one root node for a new VMO.
    pub(crate) fn new_root(
        id: u64,
        koid: u64,
        size: u64,
        options: VmoOptions,
    ) -> Result<(Hierarchy, NodeId), VmError> {
        let rounded = super::round_up_to_page(size).ok_or(VmError::OutOfRange)?;
        let mut nodes = Slab::new();
        let node = nodes.insert(Node {
            pages: PageList::new(),
            parent: None,
            children: Vec::new(),
            size: rounded,
            content_size: size,
            koid: Some(koid),
            discard: options.discardable.then(DiscardState::default),
        });
        Ok((Hierarchy { id, nodes }, node))
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn size(&self, node: NodeId) -> u64 {
        self.nodes[node].size
    }

    pub(crate) fn content_size(&self, node: NodeId) -> u64 {
        self.nodes[node].content_size
    }

    pub(crate) fn set_content_size(&mut self, node: NodeId, content_size: u64) {
        self.nodes[node].content_size = content_size;
    }

    /// `OutOfRange` unless `[offset, offset+len)` lies inside the node (overflow included).
    pub(crate) fn check_range(&self, node: NodeId, offset: u64, len: u64) -> Result<u64, VmError> {
        let end = offset.checked_add(len).ok_or(VmError::OutOfRange)?;
        if end > self.nodes[node].size {
            return Err(VmError::OutOfRange);
        }
        Ok(end)
    }

    /// The frame a read of page `index` of `node` sees, walking up through parents; `None`
    /// where the page reads zero.
    fn visible_frame(&self, node: NodeId, index: u64) -> Option<&Frame> {
        let (mut current, mut index) = (node, index);
        loop {
            let n = &self.nodes[current];
            match n.pages.get(index) {
                Some(Slot::Page(page)) => return Some(&page.frame),
                Some(Slot::Zero) => return None,
                None => {}
            }
            let link = n.parent?;
            if index >= link.limit {
                return None;
            }
            index += link.offset;
            current = link.node;
        }
    }

    fn owns_page(&self, node: NodeId, index: u64) -> bool {
        matches!(self.nodes[node].pages.get(index), Some(Slot::Page(_)))
    }

    pub(crate) fn read(
        &self,
        allocator: &PageAllocator,
        node: NodeId,
        buffer: &mut [u8],
        offset: u64,
    ) -> Result<(), VmError> {
        self.check_range(node, offset, buffer.len() as u64)?;
        let mut done = 0;
        for (index, in_page, len) in page_chunks(offset, buffer.len() as u64) {
            let out = &mut buffer[done..done + len];
            match self.visible_frame(node, index) {
                Some(frame) => out.copy_from_slice(&allocator.bytes(frame)[in_page..in_page + len]),
                None => out.fill(0),
            }
            done += len;
        }
        Ok(())
    }

    /// Allocates, all or nothing, the frames needed to own every page in `[first, end)`.
    /// Costs time in the pages already owned, not in the length of the range.
    fn frames_for(
        &self,
        allocator: &PageAllocator,
        node: NodeId,
        first: u64,
        end: u64,
    ) -> Result<Vec<Frame>, VmError> {
        let pages = &self.nodes[node].pages;
        let owned = pages.range(first, end).filter(|(_, slot)| slot.frame().is_some()).count();
        let needed = (end - first).saturating_sub(owned as u64);
        let needed = usize::try_from(needed).map_err(|_| VmError::NoMemory)?;
        allocator.alloc_many(needed, ZeroFill::Yes)
    }

    /// Makes `node` own page `index`, taking a frame from `spare` if it does not yet, filled
    /// with what the page showed (zeros, or an ancestor's content).
    fn own_page<'a>(
        &'a mut self,
        allocator: &PageAllocator,
        node: NodeId,
        index: u64,
        spare: &mut Vec<Frame>,
    ) -> &'a mut Frame {
        if !self.owns_page(node, index) {
            let mut frame = spare.pop().expect("frames_for counted every page without a frame");
            if let Some(source) = self.visible_frame(node, index) {
                allocator.copy(source, &mut frame);
            }
            self.nodes[node].pages.insert(index, Slot::Page(PageSlot::new(frame)));
        }
        match self.nodes[node].pages.get_mut(index) {
            Some(Slot::Page(page)) => &mut page.frame,
            _ => unreachable!("the page was committed just above"),
        }
    }

    pub(crate) fn write(
        &mut self,
        allocator: &PageAllocator,
        node: NodeId,
        buffer: &[u8],
        offset: u64,
    ) -> Result<(), VmError> {
        let end = self.check_range(node, offset, buffer.len() as u64)?;
        let mut spare = self.frames_for(allocator, node, offset / PAGE, end.div_ceil(PAGE))?;
        let mut done = 0;
        for (index, in_page, len) in page_chunks(offset, buffer.len() as u64) {
            let frame = self.own_page(allocator, node, index, &mut spare);
            allocator.bytes_mut(frame)[in_page..in_page + len]
                .copy_from_slice(&buffer[done..done + len]);
            done += len;
        }
        allocator.free_all(spare);
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
            self.own_page(allocator, node, index, &mut spare);
        }
        allocator.free_all(spare);
        Ok(())
    }

    fn in_cow_relation(&self, node: NodeId) -> bool {
        let n = &self.nodes[node];
        n.parent.is_some() || !n.children.is_empty()
    }

    fn any_pinned(&self, node: NodeId, first: u64, end: u64) -> bool {
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
        if self.in_cow_relation(node) {
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
            let frame = self.own_page(allocator, node, index, spare);
            allocator.bytes_mut(frame)[in_page..in_page + len].fill(0);
        }
    }

    /// Makes the whole pages `[first, end)` read zero: pinned pages are zeroed in place (they
    /// cannot move), other owned frames are released, and zero markers hide whatever an
    /// ancestor would show. Costs time in the committed pages, not in the range's length.
    fn zero_whole_pages(&mut self, allocator: &PageAllocator, node: NodeId, first: u64, end: u64) {
        let owned: Vec<u64> = self.nodes[node].pages.range(first, end).map(|(i, _)| i).collect();
        for index in owned {
            match self.nodes[node].pages.get_mut(index) {
                Some(Slot::Page(page)) if page.pin_count > 0 => {
                    allocator.bytes_mut(&mut page.frame).fill(0);
                }
                _ => {
                    if let Some(slot) = self.nodes[node].pages.remove(index) {
                        free_slot(allocator, slot);
                    }
                }
            }
        }
        for index in self.ancestor_visible_indices(node, first, end) {
            if self.nodes[node].pages.get(index).is_none() {
                self.nodes[node].pages.insert(index, Slot::Zero);
            }
        }
    }

    /// The page indices in `[first, end)` of `node` where an ancestor's frame shows through.
    /// Costs time in the ancestors' committed pages inside the window, not in its length.
    fn ancestor_visible_indices(&self, node: NodeId, first: u64, end: u64) -> Vec<u64> {
        let mut found = Vec::new();
        // Index `i` of `node` is index `i + shift` of `current`.
        let (mut current, mut shift, mut end) = (node, 0u64, end);
        while let Some(link) = self.nodes[current].parent {
            end = end.min(link.limit.saturating_sub(shift));
            if first >= end {
                break;
            }
            shift = shift.saturating_add(link.offset);
            current = link.node;
            let window = self.nodes[current]
                .pages
                .range(first.saturating_add(shift), end.saturating_add(shift));
            for (index, slot) in window {
                let own_index = index - shift;
                if slot.frame().is_some() && self.visible_frame(node, own_index).is_some() {
                    found.push(own_index);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
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
        let needed = partial
            .iter()
            .filter(|&&(index, _, _)| !self.owns_page(node, index))
            .filter(|&&(index, _, _)| self.visible_frame(node, index).is_some())
            .count();
        let mut spare = allocator.alloc_many(needed, ZeroFill::Yes)?;
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
        let new_pages = rounded / PAGE;
        if self.any_pinned(node, new_pages, u64::MAX) {
            return Err(VmError::BadState);
        }
        let tail = rounded - size;
        let needs_tail_page = tail > 0
            && !self.owns_page(node, size / PAGE)
            && self.visible_frame(node, size / PAGE).is_some();
        let mut spare = allocator.alloc_many(usize::from(needs_tail_page), ZeroFill::Yes)?;
        self.nodes[node]
            .pages
            .remove_range(new_pages, u64::MAX, |_, slot| free_slot(allocator, slot));
        for &child in &self.nodes[node].children.clone() {
            if let Some(link) = self.nodes[child].parent.as_mut() {
                link.limit = link.limit.min(new_pages.saturating_sub(link.offset));
            }
        }
        if tail > 0 {
            let in_page = (size % PAGE) as usize;
            self.zero_within_page(
                allocator,
                node,
                size / PAGE,
                in_page,
                PAGE_SIZE - in_page,
                &mut spare,
            );
        }
        allocator.free_all(spare);
        let n = &mut self.nodes[node];
        n.size = rounded;
        n.content_size = size;
        Ok(())
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

    pub(crate) fn discard_if_unlocked(&mut self, allocator: &PageAllocator, node: NodeId) -> u64 {
        match self.nodes[node].discard {
            Some(state) if state.lock_count == 0 => {}
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
        tracing::trace!(hierarchy = self.id, node, freed, "discarded");
        freed
    }

    pub(crate) fn info(&self, node: NodeId) -> VmoInfo {
        let n = &self.nodes[node];
        let committed = n.pages.frame_count() * PAGE;
        VmoInfo {
            size_bytes: n.size,
            committed_bytes: committed,
            committed_private_bytes: committed,
            committed_scaled_bytes: committed,
            committed_fractional_scaled_bytes: 0,
            metadata_bytes: n.pages.metadata_bytes(),
            num_children: n.children.len() as u64,
        }
    }

    /// Frees a node whose VMO is gone.
    pub(crate) fn release_node(&mut self, allocator: &PageAllocator, node: NodeId) {
        let Some(mut removed) = self.nodes.try_remove(node) else {
            return;
        };
        removed.pages.remove_range(0, u64::MAX, |_, slot| free_slot(allocator, slot));
        if let Some(link) = removed.parent {
            self.nodes[link.node].children.retain(|&c| c != node);
        }
        for child in removed.children {
            self.nodes[child].parent = None;
        }
    }

    pub(crate) fn describe(&self, allocator: &PageAllocator) -> Vec<FamilyNode> {
        self.nodes
            .iter()
            .map(|(id, n)| FamilyNode {
                id,
                koid: n.koid,
                parent: n.parent.map(|l| l.node),
                parent_offset: n.parent.map_or(0, |l| l.offset * PAGE),
                parent_limit: n.parent.map_or(0, |l| l.limit * PAGE),
                size: n.size,
                pages: n
                    .pages
                    .iter()
                    .map(|(index, slot)| FamilyPage {
                        offset: index * PAGE,
                        paddr: slot.frame().map(|f| allocator.paddr(f)),
                        pin_count: match slot {
                            Slot::Page(p) => u32::from(p.pin_count),
                            Slot::Zero => 0,
                        },
                    })
                    .collect(),
            })
            .collect()
    }

    /// Checks this hierarchy's invariants and adds its frames to `owned_frames`.
    pub(crate) fn check(&self, owned_frames: &mut HashSet<u32>) -> Result<(), String> {
        for (id, n) in &self.nodes {
            let where_ = format!("hierarchy {} node {id}", self.id);
            if n.size % PAGE != 0 || n.size > super::MAX_VMO_SIZE {
                return Err(format!("{where_}: size {:#x} is not a valid VMO size", n.size));
            }
            if let Some(last) = n.pages.last_index() {
                if last >= n.size / PAGE {
                    return Err(format!("{where_}: slot at page {last} beyond size {:#x}", n.size));
                }
            }
            let (mut frames, mut markers) = (0, 0);
            for (index, slot) in n.pages.iter() {
                match slot.frame() {
                    Some(frame) => {
                        frames += 1;
                        if !owned_frames.insert(frame.index()) {
                            return Err(format!(
                                "{where_}: frame {} at page {index} is owned twice",
                                frame.index()
                            ));
                        }
                    }
                    None => markers += 1,
                }
            }
            if (frames, markers) != (n.pages.frame_count(), n.pages.marker_count()) {
                return Err(format!("{where_}: page list counts disagree with its slots"));
            }
            self.check_links(id, n, &where_)?;
        }
        Ok(())
    }

    fn check_links(&self, id: NodeId, n: &Node, where_: &str) -> Result<(), String> {
        if let Some(link) = n.parent {
            let parent = self.nodes.get(link.node).ok_or(format!("{where_}: dead parent"))?;
            if !parent.children.contains(&id) {
                return Err(format!("{where_}: parent {} does not list it", link.node));
            }
        }
        for &child in &n.children {
            let c = self.nodes.get(child).ok_or(format!("{where_}: dead child {child}"))?;
            if c.parent.map(|l| l.node) != Some(id) {
                return Err(format!("{where_}: child {child} does not name it as parent"));
            }
        }
        Ok(())
    }
}
