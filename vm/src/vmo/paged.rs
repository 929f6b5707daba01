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

use std::collections::BTreeMap;

use super::hierarchy::{free_slot, Hierarchy, NodeId, PAGE};
use super::transfer::Sides;
use super::{View, Vmo};
use crate::allocator::{PageAllocator, ZeroFill};
use crate::arena::Frame;
use crate::error::VmError;
use crate::page_list::{PageList, PageSlot, Slot};
use crate::pager::{Need, PageSource, RequestKind, Waiter, Wake};
use crate::sync::Arc;

/// Pages a `vmo_write` (and a partial OP_ZERO) handles per step, and the longest request it
/// makes (Zircon's `kMaxWriteWaitPages`).
const WRITE_CHUNK_PAGES: u64 = 16;

/// The dirty state of a slot of R (a Clean page or a marker has none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PageState {
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
    pub(crate) states: BTreeMap<u64, PageState>,
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
                PageState::Dirty | PageState::AwaitingClean => matches!(slot, Some(Slot::Page(_))),
                PageState::DirtyZero | PageState::DirtyZeroAwaiting => {
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
        self.pager().is_some_and(|p| p.states.get(&index) == Some(&PageState::Dirty))
    }

    /// After `node` wrote (or committed) root pages `[first, end)`: each becomes a Dirty page.
    fn mark_dirty(&mut self, first: u64, end: u64) {
        let p = self.pager_mut();
        for index in first..end {
            p.states.insert(index, PageState::Dirty);
        }
    }

    /// Supplies `taken` (indexed from 0) to root pages `[first, first + len)`: each absent
    /// slot takes its page (a marker where `taken` has none); every other page is freed.
    /// Returns the slots filled.
    fn supply_into_root(
        &mut self,
        allocator: &PageAllocator,
        first: u64,
        len: u64,
        mut taken: PageList,
    ) -> Vec<u64> {
        let root = self.pager().expect("a pager tree").node;
        let mut filled = Vec::new();
        for index in first..first + len {
            let page = taken.remove(index - first);
            if matches!(self.seen(root, index), Seen::Absent(_)) {
                let slot = match page {
                    Some(slot @ Slot::Page(_)) => slot,
                    _ => Slot::Zero,
                };
                self.nodes[root].pages.insert(index, slot);
                filled.push(index);
            } else if let Some(slot) = page {
                free_slot(allocator, slot);
            }
        }
        filled
    }

    /// Drops root pages from `first` on (a shrink): their states go too.
    fn forget_states_from(&mut self, first: u64) {
        if let Some(p) = self.pager.as_deref_mut() {
            p.states.retain(|&i, _| i < first);
        }
    }

    /// OP_ZERO of the whole root pages `[first, end)`: pages become dirty zero and are freed
    /// (pinned ones are zeroed in place and turn Dirty); markers and untracked slots stay.
    /// Returns the slots that were absent (their READ requests resolve).
    fn zero_root_pages(&mut self, allocator: &PageAllocator, first: u64, end: u64) -> Vec<u64> {
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
                    self.pager_mut().states.insert(index, PageState::Dirty);
                }
                Some(Slot::Page(_)) => {
                    let slot = self.nodes[root].pages.insert(index, Slot::Zero);
                    free_slot(allocator, slot.expect("a page was there"));
                    self.pager_mut().states.insert(index, PageState::DirtyZero);
                }
                Some(Slot::Zero) if state == Some(PageState::DirtyZeroAwaiting) => {
                    self.pager_mut().states.insert(index, PageState::DirtyZero);
                }
                Some(Slot::Zero) => {}
                None if index < untracked_from => {
                    self.nodes[root].pages.insert(index, Slot::Zero);
                    self.pager_mut().states.insert(index, PageState::DirtyZero);
                    filled.push(index);
                }
                None => {}
            }
        }
        filled
    }
}

/// What one attempt of a blocking operation came to.
enum Attempt<T> {
    Done(T),
    /// Registered on a request: sleep, then try again.
    Wait,
}

impl Vmo {
    fn source(&self) -> &Arc<PageSource> {
        self.cell.source.as_ref().expect("a pager-backed tree")
    }

    /// Whether this VMO is part of a pager-backed tree.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// assert!(!vm.create_vmo(1, 4096, Default::default()).unwrap().is_pager_backed());
    /// ```
    pub fn is_pager_backed(&self) -> bool {
        self.cell.source.is_some()
    }

    /// Whether this VMO operates on the root of a pager-backed tree: the pager VMO itself, or
    /// a slice or reference of it.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// assert!(!vm.create_vmo(1, 4096, Default::default()).unwrap().is_on_pager_root());
    /// ```
    pub fn is_on_pager_root(&self) -> bool {
        self.is_pager_backed() && self.with_shared(|h| h.is_pager_root(self.node))
    }

    /// The pager VMO itself (not a slice, reference or clone), served by `pager`.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// assert!(!vm.create_vmo(1, 4096, Default::default()).unwrap().is_pager_vmo_of(1));
    /// ```
    pub fn is_pager_vmo_of(&self, pager: u64) -> bool {
        self.is_pager_backed()
            && self.view == View::Own
            && self.source().pager() == pager
            && self.with_shared(|h| h.is_pager_root(self.node))
    }

    /// Runs `attempt` until it is done, sleeping (with no lock held) each time it registered
    /// on a request. A wake with a status fails the call with it; `TimedOut` when the pager
    /// takes longer than the kernel's pager timeout.
    fn blocking<T>(
        &self,
        mut attempt: impl FnMut(&mut Option<Arc<Waiter>>) -> Result<Attempt<T>, VmError>,
    ) -> Result<T, VmError> {
        let source = self.source().clone();
        let mut waiter: Option<Arc<Waiter>> = None;
        let result = loop {
            match attempt(&mut waiter) {
                Ok(Attempt::Done(value)) => break Ok(value),
                Err(error) => break Err(error),
                Ok(Attempt::Wait) => {
                    let w = waiter.clone().expect("registered before waiting");
                    match source.wait(&w, self.vm.pager_timeout()) {
                        Wake::Woken(None) => {}
                        Wake::Woken(Some(status)) => break Err(status),
                        Wake::TimedOut => {
                            waiter = None;
                            break Err(VmError::TimedOut);
                        }
                    }
                }
            }
        };
        if let Some(w) = waiter {
            source.leave(&w);
        }
        result
    }

    fn ask<T>(&self, need: Need, waiter: &mut Option<Arc<Waiter>>) -> Result<Attempt<T>, VmError> {
        *waiter = Some(self.source().register(need, waiter.take())?);
        Ok(Attempt::Wait)
    }

    /// `vmo_read` in a pager-backed tree: copies page by page, asking READ for absent pages.
    pub(super) fn read_paged(&self, buffer: &mut [u8], offset: u64) -> Result<(), VmError> {
        let allocator = self.vm.allocator();
        let len = buffer.len() as u64;
        let mut done = 0u64;
        self.blocking(|waiter| {
            let h = self.cell.state.read();
            let end = h.check_range(self.node, offset, len)?;
            while done < len {
                let position = offset + done;
                let index = position / PAGE;
                let in_page = (position % PAGE) as usize;
                let chunk = (PAGE - position % PAGE).min(len - done) as usize;
                let out = &mut buffer[done as usize..done as usize + chunk];
                match h.seen(self.node, index) {
                    Seen::Frame(frame) => {
                        out.copy_from_slice(&allocator.bytes(frame)[in_page..in_page + chunk])
                    }
                    Seen::Zero => out.fill(0),
                    Seen::Absent(_) => {
                        let need = h
                            .read_need(self.node, index, end.div_ceil(PAGE), true)
                            .expect("this page is absent");
                        return self.ask(need, waiter);
                    }
                }
                done += chunk as u64;
            }
            Ok(Attempt::Done(()))
        })
    }

    /// `vmo_write` in a pager-backed tree, in chunks of [`WRITE_CHUNK_PAGES`]: each asks READ
    /// for its absent pages, then (TRAP_DIRTY, writes to R) DIRTY for its pages not Dirty.
    /// Chunks written before a failure stay written; so do the pages of the failing chunk
    /// before the first page the pager failed.
    pub(super) fn write_paged(&self, buffer: &[u8], offset: u64) -> Result<(), VmError> {
        let len = buffer.len() as u64;
        let mut done = 0u64;
        let result = self.blocking(|waiter| {
            let mut h = self.cell.state.write();
            h.check_range(self.node, offset, len)?;
            while done < len {
                let position = offset + done;
                let chunk_end = ((position / PAGE + WRITE_CHUNK_PAGES) * PAGE).min(offset + len);
                let (first, last) = (position / PAGE, chunk_end.div_ceil(PAGE));
                if let Some(need) = h.read_need(self.node, first, last, false) {
                    return self.ask(need, waiter);
                }
                if h.is_pager_root(self.node) {
                    if let Some(need) = h.dirty_need(first, last) {
                        return self.ask(need, waiter);
                    }
                }
                let bytes = &buffer[done as usize..(chunk_end - offset) as usize];
                self.write_chunk(&mut h, bytes, position)?;
                done = chunk_end - offset;
            }
            Ok(Attempt::Done(()))
        });
        let pager_refused = matches!(
            result,
            Err(VmError::Io
                | VmError::IoDataIntegrity
                | VmError::BadState
                | VmError::NoSpace
                | VmError::BufferTooSmall)
        );
        if pager_refused && done < len {
            // The pager failed a page of this chunk: write what of it needs nothing more from
            // the pager (the pages before the failed one). Other errors leave the chunk as it
            // was (NO_MEMORY promises all or nothing).
            let mut h = self.cell.state.write();
            let position = offset + done;
            let chunk_end = ((position / PAGE + WRITE_CHUNK_PAGES) * PAGE).min(offset + len);
            let ready_end = (position / PAGE..chunk_end.div_ceil(PAGE))
                .find(|&i| {
                    h.read_need(self.node, i, i + 1, false).is_some()
                        || (h.is_pager_root(self.node) && h.dirty_need(i, i + 1).is_some())
                })
                .map_or(chunk_end, |i| (i * PAGE).max(position));
            if ready_end > position {
                let bytes = &buffer[done as usize..(ready_end - offset) as usize];
                self.write_chunk(&mut h, bytes, position).ok();
            }
        }
        result
    }

    /// Writes `bytes` at `position` (every page they touch is present, and Dirty under
    /// TRAP_DIRTY when this is R): R's pages turn Dirty and R is modified.
    fn write_chunk(&self, h: &mut Hierarchy, bytes: &[u8], position: u64) -> Result<(), VmError> {
        h.write(self.vm.allocator(), self.node, bytes, position)?;
        if h.is_pager_root(self.node) && !bytes.is_empty() {
            let (first, last) = (position / PAGE, (position + bytes.len() as u64).div_ceil(PAGE));
            h.mark_dirty(first, last);
            h.pager_mut().modified = true;
        }
        Ok(())
    }

    /// Makes every page of `[offset, offset + len)` that shows an absent root slot present,
    /// by READ requests (PREFETCH, ALWAYS_NEED, and the first step of COMMIT and pins).
    fn bring_in(&self, offset: u64, len: u64) -> Result<(), VmError> {
        self.blocking(|waiter| {
            let h = self.cell.state.read();
            let end = h.check_range(self.node, offset, len)?;
            match h.read_need(self.node, offset / PAGE, end.div_ceil(PAGE), false) {
                Some(need) => self.ask(need, waiter),
                None => Ok(Attempt::Done(())),
            }
        })
    }

    /// Brings in the absent pages a transfer from this clone would take.
    pub(super) fn bring_in_for_transfer(&self, offset: u64, len: u64) -> Result<(), VmError> {
        let offset = self.to_node(offset, len)?;
        self.bring_in(offset, len)
    }

    /// `ZX_VMO_OP_PREFETCH` / `ALWAYS_NEED`: R's pages in the range become present, without
    /// forking into a clone.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// vmo.prefetch(0, 4096).unwrap();
    /// assert!(vmo.prefetch(0, 8192).is_err());
    /// ```
    pub fn prefetch(&self, offset: u64, len: u64) -> Result<(), VmError> {
        let offset = self.to_node(offset, len)?;
        if !self.is_pager_backed() {
            return self.check_node_range(offset, len);
        }
        self.bring_in(offset, len)
    }

    /// COMMIT (and the commit of a pin) in a pager-backed tree: READ for the absent pages,
    /// then, on R, DIRTY (TRAP_DIRTY) for the zero slots that become pages. Markers become
    /// Clean pages; dirty and untracked zeros become Dirty pages.
    pub(super) fn commit_paged(
        &self,
        offset: u64,
        len: u64,
        dirty: bool,
        then: &mut dyn FnMut(&mut Hierarchy) -> Result<(), VmError>,
    ) -> Result<(), VmError> {
        let allocator = self.vm.allocator();
        self.blocking(|waiter| {
            let mut h = self.cell.state.write();
            let end = h.check_range(self.node, offset, len)?;
            let (first, last) = (offset / PAGE, end.div_ceil(PAGE));
            if let Some(need) = h.read_need(self.node, first, last, false) {
                return self.ask(need, waiter);
            }
            let on_root = h.is_pager_root(self.node);
            if dirty && on_root {
                if let Some(need) = h.dirty_need(first, last) {
                    return self.ask(need, waiter);
                }
            }
            let zeros: Vec<u64> = if on_root {
                (first..last)
                    .filter(|&i| {
                        let marker = h.pager().is_some_and(|p| !p.states.contains_key(&i))
                            && matches!(h.nodes[self.node].pages.get(i), Some(Slot::Zero));
                        !marker && !matches!(h.nodes[self.node].pages.get(i), Some(Slot::Page(_)))
                    })
                    .collect()
            } else {
                Vec::new()
            };
            if let Some(&start) = zeros.first() {
                if h.pager().is_some_and(|p| p.trap_dirty) {
                    let stop = zeros.iter().zip(start..).take_while(|(&z, i)| z == *i).count();
                    let need = Need {
                        kind: RequestKind::Dirty,
                        start,
                        end: start + stop as u64,
                        reads: false,
                    };
                    return self.ask(need, waiter);
                }
            }
            h.commit(allocator, self.node, offset, len)?;
            // Markers became Clean pages; dirty and untracked zeros became Dirty pages.
            for &index in &zeros {
                h.pager_mut().states.insert(index, PageState::Dirty);
            }
            then(&mut h)?;
            if dirty && on_root {
                h.mark_dirty(first, last);
                h.pager_mut().modified = true;
            }
            Ok(Attempt::Done(()))
        })
    }

    /// OP_ZERO in a pager-backed tree: partial pages are written as zeros (as `vmo_write`
    /// would); on R whole pages become dirty zero, on a clone they read zero from now on.
    pub(super) fn zero_paged(&self, offset: u64, len: u64) -> Result<(), VmError> {
        let end = self.with_shared(|h| h.check_range(self.node, offset, len))?;
        if len == 0 {
            return Ok(());
        }
        let (first_whole, end_whole) = (offset.div_ceil(PAGE), end / PAGE);
        if first_whole >= end_whole {
            return self.write_paged(&vec![0; len as usize], offset);
        }
        if offset % PAGE != 0 {
            let head = first_whole * PAGE - offset;
            self.write_paged(&vec![0; head as usize], offset)?;
        }
        if end % PAGE != 0 {
            self.write_paged(&vec![0; (end % PAGE) as usize], end_whole * PAGE)?;
        }
        let allocator = self.vm.allocator();
        self.blocking(|waiter| {
            let mut h = self.cell.state.write();
            h.check_range(self.node, offset, len)?;
            if !h.is_pager_root(self.node) {
                h.zero(allocator, self.node, first_whole * PAGE, (end_whole - first_whole) * PAGE)?;
                return Ok(Attempt::Done(()));
            }
            let pinned_clean = (first_whole..end_whole).find(|&i| {
                matches!(h.nodes[self.node].pages.get(i), Some(Slot::Page(p)) if p.pin_count > 0)
                    && !h.is_dirty(i)
            });
            if let (Some(i), true) = (pinned_clean, h.pager().is_some_and(|p| p.trap_dirty)) {
                let need = Need { kind: RequestKind::Dirty, start: i, end: i + 1, reads: false };
                return self.ask(need, waiter);
            }
            let filled = h.zero_root_pages(allocator, first_whole, end_whole);
            h.pager_mut().modified = true;
            self.source().resolve(RequestKind::Read, &filled);
            Ok(Attempt::Done(()))
        })
    }

    /// `vmo_set_size` in a pager-backed tree: §3's resize, then a grow adds dirty zero slots
    /// and a shrink drops every slot past the end (Dirty ones too) and completes the requests
    /// there; sets modified.
    pub(super) fn set_size_paged(&self, size: u64) -> Result<(), VmError> {
        let allocator = self.vm.allocator();
        self.blocking(|waiter| {
            let mut h = self.cell.state.write();
            let old_pages = h.nodes[self.node].size / PAGE;
            if size % PAGE != 0 && size / PAGE < old_pages {
                let tail = size / PAGE;
                if let Some(need) = h.read_need(self.node, tail, tail + 1, false) {
                    return self.ask(need, waiter);
                }
            }
            h.set_size(allocator, self.node, size)?;
            if !h.is_pager_root(self.node) {
                // A clone resizes as any copy-on-write child does; R's states are not its own.
                return Ok(Attempt::Done(()));
            }
            let new_pages = size.div_ceil(PAGE);
            h.forget_states_from(new_pages);
            for index in old_pages..new_pages {
                h.nodes[self.node].pages.insert(index, Slot::Zero);
                h.pager_mut().states.insert(index, PageState::DirtyZero);
            }
            if size % PAGE != 0
                && matches!(h.nodes[self.node].pages.get(size / PAGE), Some(Slot::Page(_)))
            {
                h.mark_dirty(size / PAGE, size / PAGE + 1);
            }
            let p = h.pager_mut();
            p.untracked_from = new_pages;
            p.modified = true;
            if new_pages < old_pages {
                self.source().complete_range(new_pages, u64::MAX);
            }
            Ok(Attempt::Done(()))
        })
    }

    /// `vmo_set_stream_size` on R: `[min(old, new), roundup(new))` reads zero (partial bytes
    /// written as zeros, whole pages made dirty zero) and `[roundup(new), end)` becomes
    /// untracked, its pages dropped; sets modified.
    pub(super) fn set_stream_size_paged(&self, old: u64, new: u64) -> Result<(), VmError> {
        let low = old.min(new);
        let rounded = new.div_ceil(PAGE) * PAGE;
        if low % PAGE != 0 && low < rounded {
            let tail = (PAGE - low % PAGE).min(rounded - low);
            self.write_paged(&vec![0; tail as usize], low)?;
        }
        let allocator = self.vm.allocator();
        let mut h = self.cell.state.write();
        let (first, last) = (low.div_ceil(PAGE), rounded / PAGE);
        let root = self.node;
        for index in first..last {
            if let Some(slot) = h.nodes[root].pages.insert(index, Slot::Zero) {
                free_slot(allocator, slot);
            }
            h.pager_mut().states.insert(index, PageState::DirtyZero);
        }
        let size_pages = h.nodes[root].size / PAGE;
        let unpinned =
            h.nodes[root].pages.range(last, size_pages).all(|(_, slot)| !slot.is_pinned());
        if unpinned {
            h.nodes[root]
                .pages
                .remove_range(last, size_pages, |_, slot| free_slot(allocator, slot));
            h.forget_states_from(last);
        }
        let p = h.pager_mut();
        p.untracked_from = last;
        p.modified = true;
        h.set_content_size(root, new);
        self.source().resolve(RequestKind::Read, &(first..last).collect::<Vec<_>>());
        self.source().complete_range(last, u64::MAX);
        Ok(())
    }

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
        let (first, second) = super::transfer::order(&aux.cell, &self.cell);
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
        if (first..end).any(|i| matches!(h.seen(self.node, i), Seen::Absent(_))) {
            self.source().nudge_dirty(first, end);
            return Err(VmError::NotFound);
        }
        let fresh: Vec<u64> = (first..end)
            .filter(|&i| !matches!(h.nodes[self.node].pages.get(i), Some(Slot::Page(_))))
            .collect();
        let mut frames = allocator.alloc_many(fresh.len(), ZeroFill::Yes)?;
        for &index in &fresh {
            let frame = frames.pop().expect("allocated one per slot");
            h.nodes[self.node].pages.insert(index, Slot::Page(PageSlot::new(frame)));
        }
        h.mark_dirty(first, end);
        drop(h);
        self.source().resolve(RequestKind::Dirty, &(first..end).collect::<Vec<_>>());
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
                PageState::Dirty if !zero_only && !pinned.contains(&index) => {
                    PageState::AwaitingClean
                }
                PageState::DirtyZero => PageState::DirtyZeroAwaiting,
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
        let done: Vec<(u64, PageState)> = h
            .pager_mut()
            .states
            .range(first..end)
            .filter(|(_, s)| matches!(s, PageState::AwaitingClean | PageState::DirtyZeroAwaiting))
            .map(|(&i, &s)| (i, s))
            .collect();
        for (index, state) in done {
            h.pager_mut().states.remove(&index);
            if state == PageState::DirtyZeroAwaiting {
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
                PageState::Dirty | PageState::AwaitingClean => 0,
                PageState::DirtyZero | PageState::DirtyZeroAwaiting => 1,
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
