//! Pager-backed trees: the root's slot states, the lookups that find what a call must ask
//! the pager for, and the pager's own operations (supply, fail, dirty, writeback, detach).
//!
//! A pager-backed tree has one root R (made by `Vm::create_pager_vmo`); it stays the root for
//! its whole life: SNAPSHOT is refused in the tree, and its clones hang below R. A slot of R
//! is one of:
//! - *absent*: no slot below `untracked_from`; using it needs a READ request;
//! - a *page* ([`Slot::Page`]): Clean (no entry in `states`), Dirty or AwaitingClean;
//! - a *marker* ([`Slot::Zero`] without a state): supplied from an uncommitted aux page, Clean;
//! - a *dirty zero* ([`Slot::Zero`] with a `DirtyZero*` state): kernel-made zeros;
//! - *untracked zero*: no slot at or past `untracked_from` (the rounded-up stream size).
//!
//! Invariants (checked by [`PagerRoot::check`]):
//! - `states` names only slots R holds: `Dirty`/`AwaitingClean` on pages, `DirtyZero*` on
//!   zero slots; no state lies at or past R's size;
//! - only R carries dirty states (they are keyed by R's page index);
//! - R never has a parent.
//!
//! The module is in three parts: this file (the root's states and the lookups that find what a
//! call needs from the pager), `access.rs` (the calls that may block: reads, writes, commits,
//! zeroing and resizing, run as attempts under the tree's lock), and `pager_ops.rs` (what the
//! pager itself calls: supply, fail, dirty, writeback, queries, detach).

mod access;
mod pager_ops;

use std::collections::BTreeMap;

use super::hierarchy::{free_slot, Hierarchy, NodeId, PAGE};
use crate::allocator::PageAllocator;
use crate::arena::Frame;
use crate::error::VmError;
use crate::page_list::{PageList, Slot};
use crate::pager::{Need, PageSource, RequestKind};
use crate::sync::Arc;

/// Pages a `vmo_write` (and a partial OP_ZERO) handles per step, and the longest request it
/// makes (Zircon's `kMaxWriteWaitPages`).
const WRITE_CHUNK_PAGES: u64 = 16;

/// The longest READ request any call makes: a bigger range is asked for in turns, so that a
/// request's bookkeeping and the scan that builds it stay bounded whatever range a caller names.
const MAX_REQUEST_PAGES: u64 = 4096;

/// Zero slots (markers, dirty zeros) one call may create per frame of RAM: a call that would
/// need more bookkeeping than that answers NO_MEMORY before it changes anything (Zircon keeps
/// such runs as intervals; the emulator keeps a slot per page).
const ZERO_SLOTS_PER_FRAME: u64 = 16;

/// The dirty state of a slot of a pager VMO (a Clean page or a marker has none).
///
/// ```
/// assert_ne!(zx_vm::PagerSlotState::Dirty, zx_vm::PagerSlotState::AwaitingClean);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagerSlotState {
    /// A page written since it was supplied or last cleaned.
    Dirty,
    /// A Dirty page that writeback has begun on.
    AwaitingClean,
    /// Kernel-made zeros (a grow, OP_ZERO, a stream-size change).
    DirtyZero,
    /// A dirty zero slot that writeback has begun on.
    DirtyZeroAwaiting,
}

/// What the root of a pager-backed tree knows beyond its pages.
#[derive(Debug)]
pub(crate) struct PagerRoot {
    pub(crate) node: NodeId,
    pub(crate) source: Arc<PageSource>,
    pub(crate) states: BTreeMap<u64, PagerSlotState>,
    /// Pages at or past this index without a slot are untracked zeros.
    pub(crate) untracked_from: u64,
    pub(crate) modified: bool,
    pub(crate) trap_dirty: bool,
    pub(crate) unbounded: bool,
}

impl PagerRoot {
    fn check(&self, h: &Hierarchy) -> Result<(), String> {
        let n = h.nodes.get(self.node).ok_or("the pager root is gone")?;
        if n.parent.is_some() {
            return Err("the pager root has a parent".into());
        }
        for (&index, &state) in &self.states {
            let slot = n.pages.get(index);
            let fits = match state {
                PagerSlotState::Dirty | PagerSlotState::AwaitingClean => {
                    matches!(slot, Some(Slot::Page(_)))
                }
                PagerSlotState::DirtyZero | PagerSlotState::DirtyZeroAwaiting => {
                    matches!(slot, Some(Slot::Zero))
                }
            };
            if !fits || index >= n.size / PAGE {
                return Err(format!("pager root: state {state:?} at page {index} has no slot"));
            }
        }
        for (id, other) in &h.nodes {
            if id != self.node && other.parent.is_none() {
                return Err(format!("pager tree: node {id} is a second root"));
            }
        }
        self.source.check()
    }
}

/// What a page of a node shows, in a pager-backed tree.
pub(super) enum Seen<'a> {
    Frame(&'a Frame),
    Zero,
    /// The root's slot at this index is absent.
    Absent(u64),
}

impl Hierarchy {
    /// Makes this (new, one-node) hierarchy pager-backed.
    pub(crate) fn make_pager_root(&mut self, root: PagerRoot) {
        self.pager = Some(Box::new(root));
    }

    pub(crate) fn pager(&self) -> Option<&PagerRoot> {
        self.pager.as_deref()
    }

    fn pager_mut(&mut self) -> &mut PagerRoot {
        self.pager.as_deref_mut().expect("a pager-backed tree")
    }

    /// True for the root of a pager-backed tree (R itself, or what a slice or reference of R
    /// operates on).
    pub(crate) fn is_pager_root(&self, node: NodeId) -> bool {
        self.pager.as_ref().is_some_and(|p| p.node == node)
    }

    /// What page `index` of `node` shows.
    pub(super) fn seen(&self, node: NodeId, index: u64) -> Seen<'_> {
        let (mut current, mut index) = (node, index);
        loop {
            let n = &self.nodes[current];
            match n.pages.get(index) {
                Some(Slot::Page(page)) => return Seen::Frame(&page.frame),
                Some(Slot::Zero) => return Seen::Zero,
                None => {}
            }
            match n.parent {
                Some(link) => match link.up(index) {
                    Some(up) => (current, index) = (link.node, up),
                    None => return Seen::Zero,
                },
                None => {
                    return match self.pager() {
                        Some(p) if p.node == current && index < p.untracked_from => {
                            Seen::Absent(index)
                        }
                        _ => Seen::Zero,
                    }
                }
            }
        }
    }

    /// The root index page `index` of `node` shows, when it shows the root's slot there.
    fn root_index(&self, node: NodeId, index: u64) -> Option<u64> {
        match self.seen(node, index) {
            Seen::Absent(at) => Some(at),
            _ => None,
        }
    }

    /// The first READ request pages `[first, end)` of `node` need: from the first page that
    /// shows an absent root slot, the run of pages showing the consecutive absent slots after
    /// it.
    pub(super) fn read_need(
        &self,
        node: NodeId,
        first: u64,
        end: u64,
        reads: bool,
    ) -> Option<Need> {
        let (index, start) = (first..end).find_map(|i| self.root_index(node, i).map(|r| (i, r)))?;
        let end = end.min(index.saturating_add(MAX_REQUEST_PAGES));
        let mut stop = start + 1;
        while index + (stop - start) < end
            && self.root_index(node, index + (stop - start)) == Some(stop)
        {
            stop += 1;
        }
        Some(Need { kind: RequestKind::Read, start, end: stop, reads })
    }

    /// The first DIRTY request writing root pages `[first, end)` needs (TRAP_DIRTY only): from
    /// the first slot that is not Dirty, the run of slots that are neither Dirty nor absent.
    fn dirty_need(&self, first: u64, end: u64) -> Option<Need> {
        let p = self.pager()?;
        if !p.trap_dirty {
            return None;
        }
        let needs = |i: u64| !self.is_dirty(i) && !matches!(self.seen(p.node, i), Seen::Absent(_));
        let start = (first..end).find(|&i| needs(i))?;
        let stop = (start..end).find(|&i| !needs(i)).unwrap_or(end);
        Some(Need { kind: RequestKind::Dirty, start, end: stop, reads: false })
    }

    fn is_dirty(&self, index: u64) -> bool {
        self.pager().is_some_and(|p| p.states.get(&index) == Some(&PagerSlotState::Dirty))
    }

    /// After `node` wrote (or committed) root pages `[first, end)`: each becomes a Dirty page.
    fn mark_dirty(&mut self, first: u64, end: u64) {
        let p = self.pager_mut();
        for index in first..end {
            p.states.insert(index, PagerSlotState::Dirty);
        }
    }

    /// Supplies `taken` (indexed from 0) to root pages `[first, first + len)`: each absent
    /// slot takes its page (a marker where `taken` has none); every other page is freed.
    /// Returns the slots filled, as ranges.
    pub(super) fn supply_into_root(
        &mut self,
        allocator: &PageAllocator,
        first: u64,
        len: u64,
        mut taken: PageList,
    ) -> Vec<(u64, u64)> {
        let (root, untracked_from) = {
            let p = self.pager().expect("a pager tree");
            (p.node, p.untracked_from)
        };
        let end = first + len;
        if end <= untracked_from && self.nodes[root].pages.range(first, end).next().is_none() {
            // The common supply: every slot is absent. The pages move run by run; only the
            // gaps (uncommitted aux pages) take markers one by one.
            if taken.frame_count() < len {
                for index in 0..len {
                    if taken.get(index).is_none() {
                        taken.insert(index, Slot::Zero);
                    }
                }
            }
            self.nodes[root].pages.put_range(first, taken);
            return vec![(first, end)];
        }
        let mut filled: Vec<(u64, u64)> = Vec::new();
        for index in first..end {
            let page = taken.remove(index - first);
            if matches!(self.seen(root, index), Seen::Absent(_)) {
                let slot = match page {
                    Some(slot @ Slot::Page(_)) => slot,
                    _ => Slot::Zero,
                };
                self.nodes[root].pages.insert(index, slot);
                extend_ranges(&mut filled, index);
            } else if let Some(slot) = page {
                free_slot(allocator, slot);
            }
        }
        filled
    }

    /// The one-page [`Hierarchy::supply_into_root`]: `slot` (a marker if `None`) fills root
    /// page `index` if it is absent, and is freed otherwise. True when it filled the slot.
    pub(super) fn supply_one_into_root(
        &mut self,
        allocator: &PageAllocator,
        index: u64,
        slot: Option<Slot>,
    ) -> bool {
        let (root, untracked_from) = {
            let p = self.pager().expect("a pager tree");
            (p.node, p.untracked_from)
        };
        // The root has no parent: an index below `untracked_from` is absent exactly when
        // it has no slot, which `fill` finds with the same lookup that fills it.
        let refused = if index < untracked_from {
            match self.nodes[root].pages.fill(index, slot.unwrap_or(Slot::Zero)) {
                Ok(()) => return true,
                Err(refused) => Some(refused),
            }
        } else {
            slot
        };
        if let Some(slot) = refused {
            free_slot(allocator, slot);
        }
        false
    }

    /// Drops root pages from `first` on (a shrink): their states go too.
    fn forget_states_from(&mut self, first: u64) {
        if let Some(p) = self.pager.as_deref_mut() {
            p.states.retain(|&i, _| i < first);
        }
    }

    /// OP_ZERO of the whole root pages `[first, end)`: pages become dirty zero and are freed
    /// (pinned ones are zeroed in place and turn Dirty); markers and untracked slots stay.
    /// Returns the slots that were absent, as ranges (their READ requests resolve).
    fn zero_root_pages(
        &mut self,
        allocator: &PageAllocator,
        first: u64,
        end: u64,
    ) -> Vec<(u64, u64)> {
        let (root, untracked_from) = {
            let p = self.pager().expect("a pager tree");
            (p.node, p.untracked_from)
        };
        let mut filled = Vec::new();
        for index in first..end {
            let state = self.pager().and_then(|p| p.states.get(&index).copied());
            match self.nodes[root].pages.get_mut(index) {
                Some(Slot::Page(page)) if page.pin_count > 0 => {
                    allocator.bytes_mut(&mut page.frame).fill(0);
                    self.pager_mut().states.insert(index, PagerSlotState::Dirty);
                }
                Some(Slot::Page(_)) => {
                    let slot = self.nodes[root].pages.insert(index, Slot::Zero);
                    free_slot(allocator, slot.expect("a page was there"));
                    self.pager_mut().states.insert(index, PagerSlotState::DirtyZero);
                }
                Some(Slot::Zero) if state == Some(PagerSlotState::DirtyZeroAwaiting) => {
                    self.pager_mut().states.insert(index, PagerSlotState::DirtyZero);
                }
                Some(Slot::Zero) => {}
                None if index < untracked_from => {
                    self.nodes[root].pages.insert(index, Slot::Zero);
                    self.pager_mut().states.insert(index, PagerSlotState::DirtyZero);
                    extend_ranges(&mut filled, index);
                }
                None => {}
            }
        }
        filled
    }
}

/// Adds `index` to `ranges` (ascending `[start, end)` runs), extending the last run when
/// `index` follows it.
fn extend_ranges(ranges: &mut Vec<(u64, u64)>, index: u64) {
    match ranges.last_mut() {
        Some((_, end)) if *end == index => *end += 1,
        _ => ranges.push((index, index + 1)),
    }
}

/// `NoMemory` when a call over `pages` pages could never be done in this RAM: committing them
/// takes one frame each (`frames_each`), or marking them zero takes one bookkeeping slot each.
/// Checked before the per-page work, so that no range, however large, makes a call scan or
/// allocate without bound.
pub(in crate::vmo) fn within_memory(
    allocator: &PageAllocator,
    pages: u64,
    frames_each: bool,
) -> Result<(), VmError> {
    let limit = if frames_each {
        allocator.total_frames()
    } else {
        allocator.total_frames().saturating_mul(ZERO_SLOTS_PER_FRAME)
    };
    if pages > limit {
        Err(VmError::NoMemory)
    } else {
        Ok(())
    }
}
