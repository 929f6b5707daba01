//! What the software MMU of an address space needs from a VMO beyond `read`/`write`: an
//! atomic read-modify-write of one aligned u64, and a check that a decommit would be
//! accepted (so that `vmar_op_range` can make every check before changing anything).
//!
//! Mapped loads and stores themselves go through the very path `vmo_read`/`vmo_write` take,
//! so copy-on-write forks and zero fill behave the same; in a pager-backed tree they answer
//! `ShouldWait` instead of waiting on the pager, since the MMU holds locks of its own, and the
//! MMU faults the page in ([`Vmo::fault_in`]) once it has let them go.

use super::{View, Vmo, VmoInfo, PAGE};
use crate::error::VmError;

impl Vmo {
    /// Reads the aligned u64 at `offset`, replaces it with `update(old)` if that is `Some`,
    /// and returns the old value: all under the hierarchy's exclusive lock, so it is atomic
    /// with respect to every other read and write of the VMO (an 8-byte aligned
    /// [`Vmo::read`] or [`Vmo::write`] included). `InvalidArgs` if `offset` is not 8-byte
    /// aligned; `OutOfRange` past the end; `NoMemory` if a page cannot be had (nothing
    /// changed then).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// assert_eq!(vmo.update_u64(8, |old| Some(old + 5)), Ok(0));
    /// assert_eq!(vmo.update_u64(8, |_| None), Ok(5));
    /// ```
    pub fn update_u64(
        &self,
        offset: u64,
        update: impl FnOnce(u64) -> Option<u64>,
    ) -> Result<u64, VmError> {
        if offset % 8 != 0 {
            return Err(VmError::InvalidArgs);
        }
        let node_offset = self.to_node(offset, 8)?;
        if let Some(base) = self.physical_base {
            // Device memory has no hierarchy lock of its own worth the name: the device
            // window's bytes are read and written whole under the VMO's exclusive lock.
            return self.with(|h| {
                h.check_range(self.node, node_offset, 8)?;
                let mut bytes = [0u8; 8];
                self.vm.device().read(base + node_offset, &mut bytes);
                let old = u64::from_le_bytes(bytes);
                if let Some(new) = update(old) {
                    self.vm.device().write(base + node_offset, &new.to_le_bytes());
                }
                Ok(old)
            });
        }
        if self.is_pager_backed() {
            let mut update = Some(update);
            loop {
                match self.update_u64_paged(node_offset, &mut update) {
                    Err(VmError::ShouldWait) => self.fault_in_paged(node_offset, true)?,
                    result => return result,
                }
            }
        }
        let allocator = self.vm.allocator();
        self.with(|h| {
            let mut bytes = [0u8; 8];
            h.read(allocator, self.node, &mut bytes, node_offset)?;
            let old = u64::from_le_bytes(bytes);
            if let Some(new) = update(old) {
                h.write(allocator, self.node, &new.to_le_bytes(), node_offset)?;
            }
            Ok(old)
        })
    }

    /// Reads the aligned u64 at `offset`, as an 8-byte [`Vmo::read`] would (the software MMU's
    /// hot load). A page some node of the tree holds is read directly under the hierarchy
    /// lock (shared); every other case — a page that reads zero, a physical VMO, and anything
    /// [`Vmo::read`] would have to wait for — goes through [`Vmo::read`] itself, so both give
    /// the same answer. `InvalidArgs` if `offset` is not 8-byte aligned; `OutOfRange` past the
    /// end.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// assert_eq!(vmo.read_u64(16), Ok(0));
    /// vmo.write(&7u64.to_le_bytes(), 16).unwrap();
    /// assert_eq!(vmo.read_u64(16), Ok(7));
    /// assert!(vmo.read_u64(4096).is_err());
    /// ```
    pub fn read_u64(&self, offset: u64) -> Result<u64, VmError> {
        if offset % 8 != 0 {
            return Err(VmError::InvalidArgs);
        }
        if self.physical_base.is_none() {
            let node_offset = self.to_node(offset, 8)?;
            let allocator = self.vm.allocator();
            let held = self.with_shared(|h| {
                h.check_range(self.node, node_offset, 8)?;
                let frame = h.visible_frame(self.node, node_offset / PAGE);
                Ok::<_, VmError>(frame.map(|frame| {
                    let at = (node_offset % PAGE) as usize;
                    let mut bytes = [0u8; 8];
                    bytes.copy_from_slice(&allocator.bytes(frame)[at..at + 8]);
                    u64::from_le_bytes(bytes)
                }))
            })?;
            if let Some(value) = held {
                return Ok(value);
            }
        }
        let mut bytes = [0u8; 8];
        self.read_with(&mut bytes, offset, false)?;
        Ok(u64::from_le_bytes(bytes))
    }

    /// The software MMU's forms of [`Vmo::read`], [`Vmo::write`] and [`Vmo::update_u64`]: the
    /// same, except that where they would wait on a pager they answer `ShouldWait` with nothing
    /// done (the MMU holds locks of its own; it lets them go, calls [`Vmo::fault_in`], and
    /// runs the access again).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// vmo.write_no_wait(&[3], 0).unwrap();
    /// let mut byte = [0];
    /// vmo.read_no_wait(&mut byte, 0).unwrap();
    /// assert_eq!(byte, [3]);
    /// assert_eq!(vmo.update_u64_no_wait(0, |old| Some(old + 1)), Ok(3));
    /// ```
    pub fn read_no_wait(&self, buffer: &mut [u8], offset: u64) -> Result<(), VmError> {
        self.read_with(buffer, offset, false)
    }

    /// See [`Vmo::read_no_wait`].
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// vmo.write_no_wait(&[3], 0).unwrap();
    /// ```
    pub fn write_no_wait(&self, buffer: &[u8], offset: u64) -> Result<(), VmError> {
        self.write_with(buffer, offset, false)
    }

    /// See [`Vmo::read_no_wait`].
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// assert_eq!(vmo.update_u64_no_wait(8, |_| Some(2)), Ok(0));
    /// ```
    pub fn update_u64_no_wait(
        &self,
        offset: u64,
        update: impl FnOnce(u64) -> Option<u64>,
    ) -> Result<u64, VmError> {
        if !self.is_pager_backed() || offset % 8 != 0 {
            return self.update_u64(offset, update);
        }
        let node_offset = self.to_node(offset, 8)?;
        self.update_u64_paged(node_offset, &mut Some(update))
    }

    /// Makes the page holding `offset` usable by one access (a `write` or not), as a hardware
    /// fault would: in a pager-backed tree, a 1-page READ request for an absent page and, for
    /// a write to the pager VMO under TRAP_DIRTY, a 1-page DIRTY request, waiting (with no lock
    /// held) for the pager; the request's failure is the answer. Elsewhere it does nothing.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// vmo.fault_in(0, true).unwrap();
    /// assert!(vmo.fault_in(4096, false).is_err());
    /// ```
    pub fn fault_in(&self, offset: u64, write: bool) -> Result<(), VmError> {
        let node_offset = self.to_node(offset, 1)?;
        if !self.is_pager_backed() {
            return self.check_node_range(node_offset, 1);
        }
        self.fault_in_paged(node_offset, write)
    }

    /// Whether [`Vmo::decommit`] of `[offset, offset + len)` would be refused (not for
    /// memory), in its order: `OutOfRange` past the end, `NotSupported` for a physical,
    /// contiguous or pager-backed VMO or one in a copy-on-write relation, `InvalidArgs` for an
    /// unaligned range, `BadState` for a pinned page.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// assert!(vmo.check_decommit(0, 4096).is_ok());
    /// assert!(vmo.check_decommit(0, 8192).is_err());
    /// ```
    pub fn check_decommit(&self, offset: u64, len: u64) -> Result<(), VmError> {
        let node_offset = self.to_node(offset, len)?;
        self.with_shared(|h| {
            h.check_range(self.node, node_offset, len)?;
            if len == 0 {
                return Ok(());
            }
            let cow_or_paged = h.in_cow_relation(self.node) || h.pager().is_some();
            if self.physical_base.is_some() || h.is_contiguous(self.node) || cow_or_paged {
                return Err(VmError::NotSupported);
            }
            if node_offset % PAGE != 0 || len % PAGE != 0 {
                return Err(VmError::InvalidArgs);
            }
            let (first, end) = (node_offset / PAGE, (node_offset + len) / PAGE);
            if h.any_pinned(self.node, first, end) {
                return Err(VmError::BadState);
            }
            Ok(())
        })
    }
}

impl Vmo {
    /// Attribution (as [`Vmo::info`] computes it) of the pages in `[offset, offset + len)`
    /// only, for the mapping records of `ZX_INFO_*_MAPS`; `size_bytes` is `len`. Slices and
    /// references report no pages, as their [`Vmo::info`] does.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(2 * 4096, 0);
    /// let vmo = vm.create_vmo(1, 2 * 4096, Default::default()).unwrap();
    /// vmo.write(&[1], 4096).unwrap();
    /// assert_eq!(vmo.range_info(0, 4096).committed_bytes, 0);
    /// assert_eq!(vmo.range_info(4096, 4096).committed_bytes, 4096);
    /// ```
    pub fn range_info(&self, offset: u64, len: u64) -> VmoInfo {
        if self.view != View::Own {
            return VmoInfo { size_bytes: len, ..VmoInfo::default() };
        }
        self.with_shared(|h| {
            let first = offset / PAGE;
            let end = (offset.saturating_add(len) / PAGE).min(h.nodes[self.node].size / PAGE);
            let mut tally = (0u64, 0u64, 0u64, 0u128);
            let one: u128 = 1 << 63;
            let mut add = |viewers: usize| {
                let viewers = viewers.max(1) as u64;
                tally.0 += PAGE;
                if viewers == 1 {
                    tally.1 += PAGE;
                }
                tally.2 += PAGE / viewers;
                tally.3 += (u128::from(PAGE % viewers) * one) / u128::from(viewers);
                let whole = (tally.3 / one) as u64;
                tally.2 += whole;
                tally.3 -= u128::from(whole) * one;
            };
            if first < end {
                for (index, slot) in h.nodes[self.node].pages.range(first, end) {
                    if slot.frame().is_some() {
                        add(h.count_viewers(self.node, index, usize::MAX));
                    }
                }
                for (_, owner, at) in h.ancestor_pages(self.node, first, end) {
                    add(h.count_viewers(owner, at, usize::MAX));
                }
            }
            VmoInfo {
                size_bytes: len,
                committed_bytes: tally.0,
                committed_private_bytes: tally.1,
                committed_scaled_bytes: tally.2,
                committed_fractional_scaled_bytes: tally.3 as u64,
                metadata_bytes: 0,
            }
        })
    }
}
