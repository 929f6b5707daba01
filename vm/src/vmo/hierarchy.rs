//! A hierarchy: the nodes of one clone tree and the pages they own, under one lock.
//!
//! ```text
//!            H (hidden: the pages P had when C was made)
//!          /   \
//!         P     C       P keeps its koid and handles; it and its snapshot C
//!                       each see H's pages until they write their own
//! ```
//!
//! A *visible* node backs a VMO (and the slices and references that share it); a *hidden*
//! node owns pages that its children share. The first snapshot of a VMO moves its pages
//! into a new hidden node above it (in O(1): the page list moves whole), so creating a
//! snapshot never touches the pages.
//!
//! What a slot means: a node without a parent reads zero where it has no slot; a node with a
//! parent sees, at index `i < limit`, whatever its parent shows at `offset + i` (and zero at
//! or beyond `limit`). A zero marker reads zero and hides the ancestors.
//!
//! Invariants (checked by [`Hierarchy::check`]):
//! - every frame is owned by exactly one slot of one node, and no node holds a slot at or
//!   beyond its size;
//! - a hidden node has at least two children (one left with a single child merges into it,
//!   one left with none goes away), and every frame it owns is seen by some visible node:
//!   a page that nobody can see is freed at once;
//! - a frame owned by a visible node is seen by no other visible node (snapshots are leaves);
//! - links agree both ways, windows lie inside the parent (`offset + limit <= parent pages`)
//!   and only ever shrink;
//! - a node's `root_offset` (bytes) is where its index 0 lies in the tree's first root: 0 for
//!   a new root, the parent's plus the window's offset for a child (a child that takes a
//!   merged root's place keeps its own); `root_offset + size` never overflows u64 (creation
//!   and resizing refuse what would), so no sum of offsets along a chain can overflow;
//! - a visible node has `users > 0` (its VMO, slices, references); a hidden node has none;
//! - `published_size` holds `size` whenever the lock is free (it changes only with `size`,
//!   under the lock), so a VMO reads its size without taking the lock.

use std::collections::{BTreeMap, HashSet};

use slab::Slab;
use smallvec::{smallvec, SmallVec};

use super::{FamilyNode, FamilyPage, VmoOptions};
use crate::allocator::PageAllocator;
use crate::arena::{Frame, PAGE_SIZE};
use crate::error::VmError;
use crate::page_list::{PageList, Slot};
use crate::sync::{Arc, AtomicU64, Ordering};

pub(super) const PAGE: u64 = PAGE_SIZE as u64;

/// A node's index in its hierarchy.
pub(crate) type NodeId = usize;

/// A node's view of its parent: page `i < limit` of the node is page `offset + i` of the
/// parent.
#[derive(Clone, Copy, Debug)]
pub(super) struct ParentLink {
    pub(super) node: NodeId,
    pub(super) offset: u64,
    pub(super) limit: u64,
}

impl ParentLink {
    /// The parent's index for the node's index `index`, if the window covers it.
    pub(super) fn up(&self, index: u64) -> Option<u64> {
        (index < self.limit).then(|| index + self.offset)
    }

    /// The node's index for the parent's index `index`, if the window covers it.
    pub(super) fn down(&self, index: u64) -> Option<u64> {
        index.checked_sub(self.offset).filter(|&i| i < self.limit)
    }
}

/// The discardable protocol's state.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct DiscardState {
    pub(super) lock_count: u64,
    pub(super) discarded: bool,
}

#[derive(Debug)]
pub(super) struct Node {
    pub(super) pages: PageList,
    pub(super) parent: Option<ParentLink>,
    pub(super) children: Vec<NodeId>,
    pub(super) size: u64,
    /// Bytes: where index 0 of this node lies in the first root of its tree.
    pub(super) root_offset: u64,
    /// `size`, for readers that do not hold the lock (the VMOs on this node share it).
    published_size: Arc<AtomicU64>,
    pub(super) content_size: u64,
    /// The koid of the VMO this node backs; `None` for a hidden node.
    pub(super) koid: Option<u64>,
    /// VMOs that operate on this node: its own, its slices and references.
    pub(super) users: u32,
    pub(super) resizable: bool,
    pub(super) discard: Option<DiscardState>,
    /// Physically contiguous pages, committed for the node's whole life.
    pub(super) contiguous: bool,
    /// Slots whose pin count is above zero.
    pub(super) pinned: u64,
    /// Pin counts of a physical VMO's pages (they have no slots), by page index.
    pub(super) device_pins: BTreeMap<u64, u8>,
}

impl Node {
    fn visible(koid: u64, size: u64, content_size: u64, options: VmoOptions) -> Node {
        Node {
            pages: PageList::new(),
            parent: None,
            children: Vec::new(),
            size,
            root_offset: 0,
            published_size: Arc::new(AtomicU64::new(size)),
            content_size,
            koid: Some(koid),
            users: 1,
            resizable: options.resizable,
            discard: options.discardable.then(DiscardState::default),
            contiguous: false,
            pinned: 0,
            device_pins: BTreeMap::new(),
        }
    }

    pub(super) fn is_visible(&self) -> bool {
        self.koid.is_some()
    }
}

/// The nodes of one clone tree.
#[derive(Debug)]
pub(crate) struct Hierarchy {
    id: u64,
    pub(super) nodes: Slab<Node>,
    /// For a pager-backed tree: its root and the root's pager state.
    pub(super) pager: Option<Box<super::paged::PagerRoot>>,
}

pub(super) fn free_slot(allocator: &PageAllocator, slot: Slot) {
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
        let node = nodes.insert(Node::visible(koid, rounded, size, options));
        Ok((Hierarchy { id, nodes, pager: None }, node))
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The size cell of `node` that its VMOs read without the lock.
    pub(crate) fn published_size(&self, node: NodeId) -> Arc<AtomicU64> {
        self.nodes[node].published_size.clone()
    }

    /// Sets the size of `node` and publishes it.
    pub(super) fn store_size(&mut self, node: NodeId, size: u64) {
        let n = &mut self.nodes[node];
        n.size = size;
        // Relaxed: the size is one value on its own; it guards no other data.
        n.published_size.store(size, Ordering::Relaxed);
    }

    pub(crate) fn is_resizable(&self, node: NodeId) -> bool {
        self.nodes[node].resizable
    }

    pub(crate) fn content_size(&self, node: NodeId) -> u64 {
        self.nodes[node].content_size
    }

    pub(crate) fn set_content_size(&mut self, node: NodeId, content_size: u64) {
        self.nodes[node].content_size = content_size;
    }

    /// True for a node with no parent: nothing shows through it, and (being a VMO's own
    /// node) nothing sees through it either.
    pub(crate) fn is_root(&self, node: NodeId) -> bool {
        let n = &self.nodes[node];
        n.parent.is_none() && n.children.is_empty()
    }

    /// True for a node in a copy-on-write relation: a snapshot (or a VMO with snapshots).
    pub(crate) fn in_cow_relation(&self, node: NodeId) -> bool {
        let n = &self.nodes[node];
        n.parent.is_some() || !n.children.is_empty()
    }

    /// Whether any page of `node` is pinned (O(1)).
    pub(crate) fn has_pinned_pages(&self, node: NodeId) -> bool {
        let n = &self.nodes[node];
        n.pinned > 0 || !n.device_pins.is_empty()
    }

    pub(crate) fn is_contiguous(&self, node: NodeId) -> bool {
        self.nodes[node].contiguous
    }

    /// Makes `node` a contiguous VMO's node, owning `frames` (consecutive) from index 0.
    pub(crate) fn adopt_contiguous(&mut self, node: NodeId, frames: Vec<Frame>) {
        let n = &mut self.nodes[node];
        n.contiguous = true;
        for (index, frame) in frames.into_iter().enumerate() {
            n.pages.insert(index as u64, Slot::Page(crate::page_list::PageSlot::new(frame)));
        }
    }

    /// Another VMO (a slice or reference) now operates on `node`.
    pub(crate) fn add_user(&mut self, node: NodeId) {
        self.nodes[node].users += 1;
    }

    /// Checks that a node of `size` bytes at byte `offset` of `node` would end inside the
    /// u64 range when projected onto the root: `InvalidArgs` if not (children and sizes that
    /// would make offsets overflow up the chain are refused, as Zircon does).
    pub(crate) fn check_root_extent(
        &self,
        node: NodeId,
        offset: u64,
        size: u64,
    ) -> Result<(), VmError> {
        let fits = self.nodes[node]
            .root_offset
            .checked_add(offset)
            .and_then(|start| start.checked_add(size))
            .is_some();
        if fits {
            Ok(())
        } else {
            Err(VmError::InvalidArgs)
        }
    }

    /// The first snapshot of `parent` moves its pages into a new hidden node that takes its
    /// place in the tree; `parent` and the new child hang below it. O(1) in the pages.
    /// The caller has checked the child's extent with [`Hierarchy::check_root_extent`].
    pub(crate) fn snapshot(
        &mut self,
        parent: NodeId,
        koid: u64,
        offset: u64,
        size: u64,
        options: VmoOptions,
    ) -> Result<NodeId, VmError> {
        let rounded = super::round_up_to_page(size).ok_or(VmError::OutOfRange)?;
        let p = &mut self.nodes[parent];
        let parent_pages = p.size / PAGE;
        let hidden = Node {
            pages: std::mem::take(&mut p.pages),
            parent: p.parent,
            children: vec![parent],
            size: p.size,
            root_offset: p.root_offset,
            published_size: Arc::new(AtomicU64::new(p.size)),
            content_size: p.content_size,
            koid: None,
            users: 0,
            resizable: false,
            discard: None,
            contiguous: false,
            pinned: 0,
            device_pins: BTreeMap::new(),
        };
        let hidden_id = self.nodes.insert(hidden);
        if let Some(link) = self.nodes[hidden_id].parent {
            replace_child(&mut self.nodes[link.node].children, parent, hidden_id);
        }
        self.nodes[parent].parent =
            Some(ParentLink { node: hidden_id, offset: 0, limit: parent_pages });
        let child_id =
            self.attach_child(hidden_id, Node::visible(koid, rounded, size, options), offset);
        tracing::trace!(hierarchy = self.id, parent, hidden_id, child_id, "snapshot");
        Ok(child_id)
    }

    /// Hangs `child` below `parent` with a window starting at byte `offset` (page aligned) and
    /// as long as the child, clipped to the parent.
    fn attach_child(&mut self, parent: NodeId, mut child: Node, offset: u64) -> NodeId {
        let p = &self.nodes[parent];
        let offset_pages = offset / PAGE;
        child.root_offset = p.root_offset.saturating_add(offset);
        let limit = (child.size / PAGE).min((p.size / PAGE).saturating_sub(offset_pages));
        child.parent = Some(ParentLink { node: parent, offset: offset_pages, limit });
        let child_id = self.nodes.insert(child);
        self.nodes[parent].children.push(child_id);
        child_id
    }

    /// A child of `parent` that sees the parent's *current* content through the window
    /// `[offset, offset + size)` until it writes a page (then it forks its own copy): the
    /// unidirectional clone of a pager-backed tree. No hidden node, no page touched. The
    /// caller has checked the child's extent with [`Hierarchy::check_root_extent`].
    pub(crate) fn unidirectional_child(
        &mut self,
        parent: NodeId,
        koid: u64,
        offset: u64,
        size: u64,
        options: VmoOptions,
    ) -> Result<NodeId, VmError> {
        let rounded = super::round_up_to_page(size).ok_or(VmError::OutOfRange)?;
        let child_id =
            self.attach_child(parent, Node::visible(koid, rounded, size, options), offset);
        tracing::trace!(hierarchy = self.id, parent, child_id, "unidirectional clone");
        Ok(child_id)
    }

    /// Whether `node`'s parent is a hidden node (it shares pages with a snapshot sibling).
    pub(crate) fn parent_is_hidden(&self, node: NodeId) -> bool {
        self.nodes[node].parent.is_some_and(|link| !self.nodes[link.node].is_visible())
    }

    /// Whether `node`'s parent is the pager root.
    pub(crate) fn parent_is_pager_root(&self, node: NodeId) -> bool {
        self.nodes[node].parent.is_some_and(|link| self.is_pager_root(link.node))
    }

    /// Whether `node` has children of its own.
    pub(crate) fn has_children(&self, node: NodeId) -> bool {
        !self.nodes[node].children.is_empty()
    }

    /// A VMO operating on `node` is gone; the node goes when its last user does.
    pub(crate) fn remove_user(&mut self, allocator: &PageAllocator, node: NodeId) {
        let n = &mut self.nodes[node];
        n.users -= 1;
        if n.users > 0 {
            return;
        }
        if self.is_pager_root(node) {
            // A pager root outlives its handles while clones see through it: their unforked
            // pages stay the pager's.
            if self.nodes[node].children.is_empty() {
                self.release_pager_root(allocator, node);
            }
            return;
        }
        let n = &mut self.nodes[node];
        if !n.children.is_empty() {
            // Children still see through it: it lives on, hidden.
            n.koid = None;
            self.collapse(allocator, node);
            return;
        }
        let removed = self.nodes.remove(node);
        let freed = removed.pages.frame_count();
        let mut pages = removed.pages;
        pages.remove_range(0, u64::MAX, |_, slot| free_slot(allocator, slot));
        tracing::trace!(hierarchy = self.id, node, freed, "node released");
        if let Some(link) = removed.parent {
            self.nodes[link.node].children.retain(|&c| c != node);
            let survivor = self.collapse(allocator, link.node);
            self.prune_path(allocator, survivor);
        }
    }

    /// The whole pager-backed tree died (no handle, no clone): the root goes with its pages,
    /// and the pager hears COMPLETE.
    fn release_pager_root(&mut self, allocator: &PageAllocator, node: NodeId) {
        let removed = self.nodes.remove(node);
        let mut pages = removed.pages;
        pages.remove_range(0, u64::MAX, |_, slot| free_slot(allocator, slot));
        if let Some(pager) = self.pager.take() {
            pager.source.tree_died();
        }
        tracing::trace!(hierarchy = self.id, node, "pager tree released");
    }

    /// Restores the shape invariant at hidden node `node` after it lost a child: with no
    /// child it goes away, with one it merges into that child. Returns the node that now
    /// stands where `node` stood (for pruning above it), if any.
    fn collapse(&mut self, allocator: &PageAllocator, node: NodeId) -> Option<NodeId> {
        let n = &self.nodes[node];
        if n.is_visible() {
            if self.is_pager_root(node) && n.users == 0 && n.children.is_empty() {
                self.release_pager_root(allocator, node);
                return None;
            }
            return Some(node);
        }
        match n.children.len() {
            0 => {
                let removed = self.nodes.remove(node);
                let mut pages = removed.pages;
                pages.remove_range(0, u64::MAX, |_, slot| free_slot(allocator, slot));
                let link = removed.parent?;
                self.nodes[link.node].children.retain(|&c| c != node);
                self.collapse(allocator, link.node)
            }
            1 => Some(self.merge_into_child(allocator, node)),
            _ => Some(node),
        }
    }

    /// Merges hidden node `hidden`, left with one child, into that child: the child takes
    /// the pages it can see and the hidden node's place; the rest are freed.
    fn merge_into_child(&mut self, allocator: &PageAllocator, hidden: NodeId) -> NodeId {
        let survivor = self.nodes[hidden].children[0];
        let removed = self.nodes.remove(hidden);
        let link = self.nodes[survivor].parent.expect("a child of a hidden node has a parent");
        let mut moved = 0u64;
        let mut inherited = removed.pages;
        let own = std::mem::take(&mut self.nodes[survivor].pages);
        let pages = if link.offset == 0
            && own.frame_count() + own.marker_count() <= inherited.frame_count()
        {
            // Keep the larger list in place: trim it to the window, lay the child's own
            // slots over it.
            inherited.remove_range(link.limit, u64::MAX, |_, slot| free_slot(allocator, slot));
            let mut own = own;
            own.remove_range(0, u64::MAX, |index, slot| {
                if let Some(old) = inherited.insert(index, slot) {
                    free_slot(allocator, old);
                }
            });
            moved += inherited.frame_count();
            inherited
        } else {
            let mut own = own;
            inherited.remove_range(0, u64::MAX, |index, slot| match link.down(index) {
                Some(i) if own.get(i).is_none() => {
                    moved += u64::from(slot.frame().is_some());
                    own.insert(i, slot);
                }
                _ => free_slot(allocator, slot),
            });
            own
        };
        let s = &mut self.nodes[survivor];
        s.pages = pages;
        s.parent = removed.parent.map(|up| ParentLink {
            node: up.node,
            // Both are at most the survivor's root offset in pages: no overflow.
            offset: up.offset.saturating_add(link.offset),
            limit: link.limit.min(up.limit.saturating_sub(link.offset)),
        });
        if let Some(up) = removed.parent {
            replace_child(&mut self.nodes[up.node].children, hidden, survivor);
        }
        tracing::trace!(hierarchy = self.id, hidden, survivor, moved, "merged hidden node");
        survivor
    }

    /// Frees every page of the hidden nodes from `start` up to the root that no visible
    /// node can see any more.
    fn prune_path(&mut self, allocator: &PageAllocator, start: Option<NodeId>) {
        let mut current = start;
        while let Some(node) = current {
            if !self.nodes[node].is_visible() {
                let unseen: Vec<u64> = self.nodes[node]
                    .pages
                    .iter()
                    .filter(|(index, slot)| {
                        slot.frame().is_some() && self.count_viewers(node, *index, 1) == 0
                    })
                    .map(|(index, _)| index)
                    .collect();
                self.free_pages(allocator, node, &unseen);
            }
            current = self.nodes[node].parent.map(|l| l.node);
        }
    }

    pub(super) fn free_pages(&mut self, allocator: &PageAllocator, node: NodeId, indices: &[u64]) {
        for &index in indices {
            if let Some(slot) = self.nodes[node].pages.remove(index) {
                free_slot(allocator, slot);
            }
        }
        if !indices.is_empty() {
            tracing::trace!(hierarchy = self.id, node, freed = indices.len(), "freed unseen pages");
        }
    }

    /// Frees each of `candidates` (ancestor pages, as `(owner, index)`) that no visible
    /// node sees any more.
    pub(super) fn free_if_unseen(
        &mut self,
        allocator: &PageAllocator,
        candidates: &[(NodeId, u64)],
    ) {
        for &(owner, index) in candidates {
            if self.nodes.contains(owner) && self.count_viewers(owner, index, 1) == 0 {
                self.free_pages(allocator, owner, &[index]);
            }
        }
    }

    /// True when a visible node other than `viewer` sees the slot at `index` of `owner`,
    /// where `viewer` is known to see it (it found the slot with `find_owner`). The fork
    /// question: a page only its writer sees moves; one that another VMO sees is copied.
    /// Cheaper than [`Hierarchy::count_viewers`] with a cap of 2: `viewer` needs no lookup.
    pub(super) fn seen_by_another(&self, owner: NodeId, index: u64, viewer: NodeId) -> bool {
        // The common case first: a visible child of the owner other than `viewer` sees the
        // page through its window and has no slot of its own there (a snapshot's sibling).
        let sibling_sees = self.nodes[owner].children.iter().any(|&child| {
            let c = &self.nodes[child];
            child != viewer
                && c.is_visible()
                && c.parent
                    .and_then(|link| link.down(index))
                    .is_some_and(|i| c.pages.get(i).is_none())
        });
        if sibling_sees {
            return true;
        }
        let mut stack: SmallVec<[(NodeId, u64); 8]> = smallvec![(owner, index)];
        while let Some((node, i)) = stack.pop() {
            let n = &self.nodes[node];
            if node != viewer {
                if node != owner && n.pages.get(i).is_some() {
                    continue; // its own slot hides the owner's page from it and below it
                }
                if n.is_visible() {
                    return true;
                }
            }
            for &child in &n.children {
                let link = self.nodes[child].parent.expect("children have parent links");
                if let Some(ci) = link.down(i) {
                    stack.push((child, ci));
                }
            }
        }
        false
    }

    /// How many visible nodes see the slot at `index` of `owner` (counting `owner` itself
    /// if visible), stopping at `cap`.
    pub(super) fn count_viewers(&self, owner: NodeId, index: u64, cap: usize) -> usize {
        let mut count = 0;
        let mut stack: SmallVec<[(NodeId, u64); 8]> = smallvec![(owner, index)];
        while let Some((node, i)) = stack.pop() {
            let n = &self.nodes[node];
            if node != owner && n.pages.get(i).is_some() {
                continue; // its own slot hides the owner's page from it and below it
            }
            if n.is_visible() {
                count += 1;
                if count >= cap {
                    return count;
                }
            }
            for &child in &n.children {
                let link = self.nodes[child].parent.expect("children have parent links");
                if let Some(ci) = link.down(i) {
                    stack.push((child, ci));
                }
            }
        }
        count
    }

    /// Where a read of page `index` of `node` finds its content: the node and index of the
    /// first slot up the chain, if that slot is a frame.
    pub(super) fn find_owner(&self, node: NodeId, index: u64) -> Option<(NodeId, u64)> {
        self.find_owner_frame(node, index).map(|(owner, at, _)| (owner, at))
    }

    /// [`Hierarchy::find_owner`], with the frame it found.
    pub(super) fn find_owner_frame(
        &self,
        node: NodeId,
        index: u64,
    ) -> Option<(NodeId, u64, &Frame)> {
        let (mut current, mut index) = (node, index);
        loop {
            let n = &self.nodes[current];
            match n.pages.get(index) {
                Some(Slot::Page(page)) => return Some((current, index, &page.frame)),
                Some(Slot::Zero) => return None,
                None => {}
            }
            let link = n.parent?;
            index = link.up(index)?;
            current = link.node;
        }
    }

    /// The frame a read of page `index` of `node` sees; `None` where it reads zero.
    pub(super) fn visible_frame(&self, node: NodeId, index: u64) -> Option<&Frame> {
        self.find_owner_frame(node, index).map(|(_, _, frame)| frame)
    }

    /// The ancestor pages that `node` sees in its indices `[first, end)`, as
    /// `(node index, owner, owner index)`. Costs time in the ancestors' committed pages
    /// inside the window, not in the window's length.
    pub(super) fn ancestor_pages(
        &self,
        node: NodeId,
        first: u64,
        end: u64,
    ) -> Vec<(u64, NodeId, u64)> {
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
                if slot.frame().is_some()
                    && self.find_owner(node, own_index) == Some((current, index))
                {
                    found.push((own_index, current, index));
                }
            }
        }
        found.sort_unstable();
        found
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
    ///
    /// The shape (every node's slots and links) is checked for all nodes before any sharing
    /// check walks the tree, so a broken link is reported rather than followed.
    pub(crate) fn check(&self, owned_frames: &mut HashSet<u32>) -> Result<(), String> {
        let at = |id: NodeId| format!("hierarchy {} node {id}", self.id);
        for (id, n) in &self.nodes {
            self.check_node(id, n, &at(id), owned_frames)?;
            self.check_links(id, n, &at(id))?;
        }
        for (id, n) in &self.nodes {
            self.check_sharing(id, n, &at(id))?;
        }
        self.check_pager().map_err(|e| format!("hierarchy {}: {e}", self.id))
    }

    fn check_node(
        &self,
        id: NodeId,
        n: &Node,
        where_: &str,
        owned: &mut HashSet<u32>,
    ) -> Result<(), String> {
        if n.size % PAGE != 0 || n.size > super::MAX_VMO_SIZE {
            return Err(format!("{where_}: size {:#x} is not a valid VMO size", n.size));
        }
        let published = n.published_size.load(Ordering::Relaxed);
        if published != n.size {
            return Err(format!("{where_}: size {:#x} published as {published:#x}", n.size));
        }
        n.pages.check().map_err(|e| format!("{where_}: {e}"))?;
        if let Some(last) = n.pages.last_index() {
            if last >= n.size / PAGE {
                return Err(format!("{where_}: slot at page {last} beyond size {:#x}", n.size));
            }
        }
        let (mut frames, mut markers) = (0, 0);
        for (index, slot) in n.pages.iter() {
            match slot.frame() {
                Some(frame) if !owned.insert(frame.index()) => {
                    return Err(format!(
                        "{where_}: frame {} at page {index} is owned twice",
                        frame.index()
                    ));
                }
                Some(_) => frames += 1,
                None => markers += 1,
            }
        }
        if (frames, markers) != (n.pages.frame_count(), n.pages.marker_count()) {
            return Err(format!("{where_}: page list counts disagree with its slots"));
        }
        let pinned = n.pages.iter().filter(|(_, slot)| slot.is_pinned()).count() as u64;
        if pinned != n.pinned {
            return Err(format!(
                "{where_}: {pinned} pinned slots but the node counts {}",
                n.pinned
            ));
        }
        if n.contiguous && frames != n.size / PAGE {
            return Err(format!(
                "{where_}: a contiguous VMO with {frames} of {} pages",
                n.size / PAGE
            ));
        }
        match (n.is_visible(), n.users > 0) {
            (true, false) if self.is_pager_root(id) && !n.children.is_empty() => Ok(()),
            (true, false) => Err(format!("{where_}: visible node {id} without users")),
            (false, true) => Err(format!("{where_}: hidden node {id} with users")),
            _ => Ok(()),
        }
    }

    fn check_links(&self, id: NodeId, n: &Node, where_: &str) -> Result<(), String> {
        if let Some(link) = n.parent {
            let parent = self.nodes.get(link.node).ok_or(format!("{where_}: dead parent"))?;
            if !parent.children.contains(&id) {
                return Err(format!("{where_}: parent {} does not list it", link.node));
            }
            let window_end = link.offset.checked_add(link.limit);
            if link.limit > 0 && window_end.is_none_or(|end| end > parent.size / PAGE) {
                return Err(format!(
                    "{where_}: window {}+{} outside its parent",
                    link.offset, link.limit
                ));
            }
            let expected_root_offset =
                link.offset.checked_mul(PAGE).and_then(|o| o.checked_add(parent.root_offset));
            if expected_root_offset != Some(n.root_offset) {
                return Err(format!(
                    "{where_}: root offset {:#x} does not follow its parent's {:#x} + window {:#x}",
                    n.root_offset, parent.root_offset, link.offset
                ));
            }
        }
        if n.root_offset.checked_add(n.size).is_none() {
            return Err(format!(
                "{where_}: root offset {:#x} + size {:#x} overflows",
                n.root_offset, n.size
            ));
        }
        for &child in &n.children {
            let c = self.nodes.get(child).ok_or(format!("{where_}: dead child {child}"))?;
            if c.parent.map(|l| l.node) != Some(id) {
                return Err(format!("{where_}: child {child} does not name it as parent"));
            }
        }
        if !n.is_visible() && n.children.len() < 2 {
            return Err(format!("{where_}: hidden node with {} children", n.children.len()));
        }
        Ok(())
    }

    fn check_sharing(&self, id: NodeId, n: &Node, where_: &str) -> Result<(), String> {
        for (index, slot) in n.pages.iter() {
            if slot.frame().is_none() {
                continue;
            }
            let viewers = self.count_viewers(id, index, 2);
            if !n.is_visible() && viewers == 0 {
                return Err(format!("{where_}: hidden page {index} is seen by nobody (a leak)"));
            }
            if n.is_visible() && n.children.is_empty() && viewers > 1 {
                return Err(format!("{where_}: visible page {index} is seen by another VMO"));
            }
        }
        Ok(())
    }
}

fn replace_child(children: &mut [NodeId], old: NodeId, new: NodeId) {
    if let Some(slot) = children.iter_mut().find(|c| **c == old) {
        *slot = new;
    }
}
