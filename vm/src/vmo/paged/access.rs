//! The calls on a pager tree that may block: each runs as *attempts* under the tree's lock,
//! and an attempt that needs pages from the pager registers on a request and sleeps with no
//! lock held (see `vm/src/pager.rs`), then tries again.

use super::{within_memory, PagerSlotState, Seen, WRITE_CHUNK_PAGES};
use crate::error::VmError;
use crate::page_list::Slot;
use crate::pager::{Need, PageSource, RequestKind, Waiter, Wake};
use crate::sync::Arc;
use crate::vmo::hierarchy::{free_slot, Hierarchy, PAGE};
use crate::vmo::{View, Vmo};

/// What one attempt of a blocking operation came to.
enum Attempt<T> {
    Done(T),
    /// Registered on a request: sleep, then try again.
    Wait,
}

impl Vmo {
    pub(in crate::vmo) fn source(&self) -> &Arc<PageSource> {
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
        self.cell.pager_root == Some(self.node)
    }

    /// The pager VMO itself (not a slice, reference or clone), served by `pager`.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// assert!(!vm.create_vmo(1, 4096, Default::default()).unwrap().is_pager_vmo_of(1));
    /// ```
    pub fn is_pager_vmo_of(&self, pager: u64) -> bool {
        self.view == View::Own && self.is_on_pager_root() && self.source().pager() == pager
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

    /// [`Vmo::ask`] when the caller may wait; `ShouldWait` (nothing registered) when it may
    /// not, because it holds locks of its own (the software MMU), and will fault the page in
    /// with [`Vmo::fault_in`] once it has let them go.
    fn ask_if<T>(
        &self,
        wait: bool,
        need: Need,
        waiter: &mut Option<Arc<Waiter>>,
    ) -> Result<Attempt<T>, VmError> {
        if wait {
            self.ask(need, waiter)
        } else {
            Err(VmError::ShouldWait)
        }
    }

    /// `vmo_read` in a pager-backed tree: copies page by page, asking READ for absent pages.
    pub(in crate::vmo) fn read_paged(
        &self,
        buffer: &mut [u8],
        offset: u64,
        wait: bool,
    ) -> Result<(), VmError> {
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
                        return self.ask_if(wait, need, waiter);
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
    pub(in crate::vmo) fn write_paged(
        &self,
        buffer: &[u8],
        offset: u64,
        wait: bool,
    ) -> Result<(), VmError> {
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
                    return self.ask_if(wait, need, waiter);
                }
                if h.is_pager_root(self.node) {
                    if let Some(need) = h.dirty_need(first, last) {
                        return self.ask_if(wait, need, waiter);
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
    pub(in crate::vmo) fn bring_in(&self, offset: u64, len: u64) -> Result<(), VmError> {
        self.blocking(|waiter| {
            let h = self.cell.state.read();
            let end = h.check_range(self.node, offset, len)?;
            within_memory(self.vm.allocator(), end.div_ceil(PAGE) - offset / PAGE, false)?;
            match h.read_need(self.node, offset / PAGE, end.div_ceil(PAGE), false) {
                Some(need) => self.ask(need, waiter),
                None => Ok(Attempt::Done(())),
            }
        })
    }

    /// Makes the page holding node offset `offset` usable by one access, waiting (with no lock
    /// held) on the pager as a hardware fault would: a 1-page READ if the page shows an absent
    /// slot of R, and, for a `write` to R itself under TRAP_DIRTY, a 1-page DIRTY. The
    /// software MMU calls it after an access answered `ShouldWait`, then runs the access
    /// again.
    pub(in crate::vmo) fn fault_in_paged(&self, offset: u64, write: bool) -> Result<(), VmError> {
        let index = offset / PAGE;
        self.blocking(|waiter| {
            let h = self.cell.state.read();
            h.check_range(self.node, offset, 1)?;
            if let Some(need) = h.read_need(self.node, index, index + 1, false) {
                return self.ask(need, waiter);
            }
            if write && h.is_pager_root(self.node) {
                if let Some(need) = h.dirty_need(index, index + 1) {
                    return self.ask(need, waiter);
                }
            }
            Ok(Attempt::Done(()))
        })
    }

    /// One read-modify-write of the aligned u64 at node offset `offset` in a pager tree, under
    /// the tree's exclusive lock; `ShouldWait` (with `update` not called) when its page must be
    /// faulted in first (an atomic is a write to the hardware: it asks DIRTY even if it ends up
    /// storing nothing).
    pub(in crate::vmo) fn update_u64_paged(
        &self,
        offset: u64,
        update: &mut Option<impl FnOnce(u64) -> Option<u64>>,
    ) -> Result<u64, VmError> {
        let mut h = self.cell.state.write();
        h.check_range(self.node, offset, 8)?;
        let index = offset / PAGE;
        let needs_dirty = h.is_pager_root(self.node) && h.dirty_need(index, index + 1).is_some();
        if h.read_need(self.node, index, index + 1, false).is_some() || needs_dirty {
            return Err(VmError::ShouldWait);
        }
        let mut bytes = [0u8; 8];
        h.read(self.vm.allocator(), self.node, &mut bytes, offset)?;
        let old = u64::from_le_bytes(bytes);
        let update = update.take().expect("called once, when nothing more is needed");
        if let Some(new) = update(old) {
            self.write_chunk(&mut h, &new.to_le_bytes(), offset)?;
        }
        Ok(old)
    }

    /// Brings in the absent pages a transfer from this clone would take.
    pub(in crate::vmo) fn bring_in_for_transfer(
        &self,
        offset: u64,
        len: u64,
    ) -> Result<(), VmError> {
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
    pub(in crate::vmo) fn commit_paged(
        &self,
        offset: u64,
        len: u64,
        dirty: bool,
        refuse: &dyn Fn(&Hierarchy) -> Result<(), VmError>,
        then: &mut dyn FnMut(&mut Hierarchy) -> Result<(), VmError>,
    ) -> Result<(), VmError> {
        let allocator = self.vm.allocator();
        self.blocking(|waiter| {
            let mut h = self.cell.state.write();
            let end = h.check_range(self.node, offset, len)?;
            let (first, last) = (offset / PAGE, end.div_ceil(PAGE));
            within_memory(allocator, last - first, true)?;
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
            // What the caller refuses comes before the commit, so a refusal commits nothing.
            refuse(&h)?;
            h.commit(allocator, self.node, offset, len)?;
            // Markers became Clean pages; dirty and untracked zeros became Dirty pages.
            for &index in &zeros {
                h.pager_mut().states.insert(index, PagerSlotState::Dirty);
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
    pub(in crate::vmo) fn zero_paged(&self, offset: u64, len: u64) -> Result<(), VmError> {
        let end = self.with_shared(|h| h.check_range(self.node, offset, len))?;
        if len == 0 {
            return Ok(());
        }
        let (first_whole, end_whole) = (offset.div_ceil(PAGE), end / PAGE);
        if first_whole >= end_whole {
            return self.write_paged(&vec![0; len as usize], offset, true);
        }
        within_memory(self.vm.allocator(), end_whole - first_whole, false)?;
        if offset % PAGE != 0 {
            let head = first_whole * PAGE - offset;
            self.write_paged(&vec![0; head as usize], offset, true)?;
        }
        if end % PAGE != 0 {
            self.write_paged(&vec![0; (end % PAGE) as usize], end_whole * PAGE, true)?;
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
    pub(in crate::vmo) fn set_size_paged(&self, size: u64) -> Result<(), VmError> {
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
            // A size past the maximum is OUT_OF_RANGE (from the resize below) before the
            // grow's bookkeeping is weighed.
            let new_pages = crate::vmo::round_up_to_page(size).ok_or(VmError::OutOfRange)? / PAGE;
            within_memory(allocator, new_pages.saturating_sub(old_pages), false)?;
            h.set_size(allocator, self.node, size)?;
            if !h.is_pager_root(self.node) {
                // A clone resizes as any copy-on-write child does; R's states are not its own.
                return Ok(Attempt::Done(()));
            }
            let new_pages = size.div_ceil(PAGE);
            h.forget_states_from(new_pages);
            for index in old_pages..new_pages {
                h.nodes[self.node].pages.insert(index, Slot::Zero);
                h.pager_mut().states.insert(index, PagerSlotState::DirtyZero);
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
    pub(in crate::vmo) fn set_stream_size_paged(&self, old: u64, new: u64) -> Result<(), VmError> {
        let low = old.min(new);
        let rounded = new.div_ceil(PAGE) * PAGE;
        within_memory(
            self.vm.allocator(),
            rounded / PAGE - low.div_ceil(PAGE).min(rounded / PAGE),
            false,
        )?;
        if low % PAGE != 0 && low < rounded {
            let tail = (PAGE - low % PAGE).min(rounded - low);
            self.write_paged(&vec![0; tail as usize], low, true)?;
        }
        let allocator = self.vm.allocator();
        let mut h = self.cell.state.write();
        let (first, last) = (low.div_ceil(PAGE), rounded / PAGE);
        let root = self.node;
        for index in first..last {
            if let Some(slot) = h.nodes[root].pages.insert(index, Slot::Zero) {
                free_slot(allocator, slot);
            }
            h.pager_mut().states.insert(index, PagerSlotState::DirtyZero);
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
        self.source().resolve(RequestKind::Read, &[(first, last)]);
        self.source().complete_range(last, u64::MAX);
        Ok(())
    }
}
