//! The VMO calls: create, read, write, size, op_range, children and transfer.

use tracing::instrument;
use zx_handles::Rights;
use zx_vm::sync::Arc;
use zx_vm::{round_up_to_page, VmoOptions, MAX_VMO_SIZE};

use crate::core::ProcessCore;
use crate::object::{KernelObject, VmoKind, VmoObject};
use crate::status::Status;
use crate::zx::{self, zx_handle_t};

const CREATE_OPTIONS: u32 = zx::ZX_VMO_RESIZABLE | zx::ZX_VMO_DISCARDABLE | zx::ZX_VMO_UNBOUNDED;

/// Decoded `vmo_create` options, checked in Zircon's order.
const PAGE: u64 = zx_vm::PAGE_SIZE as u64;

fn create_options(options: u32) -> Result<VmoOptions, Status> {
    if options & !CREATE_OPTIONS != 0 {
        return Err(Status::INVALID_ARGS);
    }
    let resizable = options & zx::ZX_VMO_RESIZABLE != 0;
    let discardable = options & zx::ZX_VMO_DISCARDABLE != 0;
    let unbounded = options & zx::ZX_VMO_UNBOUNDED != 0;
    if resizable && (unbounded || discardable) {
        return Err(Status::INVALID_ARGS);
    }
    Ok(VmoOptions { resizable, discardable })
}

/// The kinds of child `vmo_create_child` makes; the three snapshot flavours are one on
/// anonymous VMOs.
enum ChildType {
    Snapshot,
    Slice,
    Reference,
}

/// Exactly one type bit, no unknown bit, and no SLICE|RESIZABLE, else `INVALID_ARGS`.
fn child_type(options: u32) -> Result<ChildType, Status> {
    const TYPES: [(u32, ChildType); 5] = [
        (zx::ZX_VMO_CHILD_SNAPSHOT, ChildType::Snapshot),
        (zx::ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, ChildType::Snapshot),
        (zx::ZX_VMO_CHILD_SNAPSHOT_MODIFIED, ChildType::Snapshot),
        (zx::ZX_VMO_CHILD_SLICE, ChildType::Slice),
        (zx::ZX_VMO_CHILD_REFERENCE, ChildType::Reference),
    ];
    const MODIFIERS: u32 = zx::ZX_VMO_CHILD_NO_WRITE | zx::ZX_VMO_CHILD_RESIZABLE;
    let type_bits = TYPES.iter().fold(0, |bits, (bit, _)| bits | bit);
    if options & !(type_bits | MODIFIERS) != 0 || (options & type_bits).count_ones() != 1 {
        return Err(Status::INVALID_ARGS);
    }
    let (bit, kind) =
        TYPES.into_iter().find(|(bit, _)| options & bit != 0).ok_or(Status::INVALID_ARGS)?;
    if bit == zx::ZX_VMO_CHILD_SLICE && options & zx::ZX_VMO_CHILD_RESIZABLE != 0 {
        return Err(Status::INVALID_ARGS);
    }
    Ok(kind)
}

/// `(parent & !RESIZE) | GET_PROPERTY | SET_PROPERTY | (RESIZABLE ? RESIZE : 0)`; then
/// NO_WRITE removes WRITE, otherwise snapshots add WRITE and remove EXECUTE.
fn child_rights(parent: Rights, kind: VmoKind, no_write: bool, resizable: bool) -> Rights {
    let mut rights = (parent - Rights::RESIZE) | Rights::PROPERTY;
    if resizable {
        rights |= Rights::RESIZE;
    }
    if no_write {
        rights -= Rights::WRITE;
    } else if matches!(kind, VmoKind::Snapshot { .. }) {
        rights = (rights | Rights::WRITE) - Rights::EXECUTE;
    }
    rights
}

/// Rights that a kind of `op_range` needs.
enum OpRights {
    None,
    All(Rights),
    ReadOrWrite,
}

fn op_rights(op: u32) -> Option<OpRights> {
    Some(match op {
        zx::ZX_VMO_OP_COMMIT | zx::ZX_VMO_OP_DECOMMIT | zx::ZX_VMO_OP_ZERO => {
            OpRights::All(Rights::WRITE)
        }
        zx::ZX_VMO_OP_LOCK | zx::ZX_VMO_OP_UNLOCK | zx::ZX_VMO_OP_TRY_LOCK => OpRights::ReadOrWrite,
        zx::ZX_VMO_OP_CACHE_SYNC
        | zx::ZX_VMO_OP_CACHE_CLEAN
        | zx::ZX_VMO_OP_CACHE_CLEAN_INVALIDATE
        | zx::ZX_VMO_OP_PREFETCH => OpRights::All(Rights::READ),
        zx::ZX_VMO_OP_CACHE_INVALIDATE => OpRights::All(Rights::WRITE),
        zx::ZX_VMO_OP_DONT_NEED | zx::ZX_VMO_OP_ALWAYS_NEED => OpRights::None,
        _ => return None,
    })
}

fn check_op_rights(needed: &OpRights, have: Rights) -> Result<(), Status> {
    let ok = match needed {
        OpRights::None => true,
        OpRights::All(rights) => have.contains(*rights),
        OpRights::ReadOrWrite => have.intersects(Rights::READ | Rights::WRITE),
    };
    if ok {
        Ok(())
    } else {
        Err(Status::ACCESS_DENIED)
    }
}

const LOCK_STATE_SIZE: usize = std::mem::size_of::<zx::zx_vmo_lock_state_t>();

impl ProcessCore {
    /// `zx_vmo_create`: unknown options or RESIZABLE with UNBOUNDED (or DISCARDABLE) →
    /// `INVALID_ARGS`; a size that rounds past the maximum → `OUT_OF_RANGE` (with UNBOUNDED,
    /// a requested content size above the maximum size as well).
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.vmo_create(u64::MAX, 0).is_err());
    /// let vmo = p.vmo_create(10, zx_syscalls::zx::ZX_VMO_RESIZABLE).unwrap();
    /// assert_eq!(p.vmo_get_size(vmo), Ok(4096));
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn vmo_create(&self, size: u64, options: u32) -> Result<zx_handle_t, Status> {
        let vm_options = create_options(options)?;
        let unbounded = options & zx::ZX_VMO_UNBOUNDED != 0;
        if unbounded && size > MAX_VMO_SIZE {
            // The content size may not start out beyond the VMO.
            return Err(Status::OUT_OF_RANGE);
        }
        let vm_size = if unbounded { MAX_VMO_SIZE } else { size };
        let koid = self.kernel().new_koid();
        let vmo = self.kernel().vm().create_vmo(koid, vm_size, vm_options)?;
        if unbounded {
            vmo.set_content_size(size);
        }
        let object = VmoObject::root(vmo);
        let mut rights = Rights::DEFAULT_VMO;
        if vm_options.resizable {
            rights |= Rights::RESIZE;
        }
        self.insert(KernelObject::Vmo(Arc::new(object)), rights)
    }

    /// `zx_vmo_read`: needs READ; the range must lie inside the VMO.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(4096, 0).unwrap();
    /// let mut buf = [0u8; 16];
    /// assert!(p.vmo_read(vmo, &mut buf, 4090).is_err());
    /// ```
    #[instrument(level = "debug", skip(self, buffer), fields(len = buffer.len()), err(level = "debug", Display))]
    pub fn vmo_read(&self, vmo: zx_handle_t, buffer: &mut [u8], offset: u64) -> Result<(), Status> {
        let (object, _) = self.vmo(vmo, Rights::READ)?;
        Ok(object.vmo.read(buffer, offset)?)
    }

    /// `zx_vmo_write`: needs WRITE; commits pages; all or nothing on `NO_MEMORY`.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(4096, 0).unwrap();
    /// p.vmo_write(vmo, &[1, 2, 3], 0).unwrap();
    /// ```
    #[instrument(level = "debug", skip(self, buffer), fields(len = buffer.len()), err(level = "debug", Display))]
    pub fn vmo_write(&self, vmo: zx_handle_t, buffer: &[u8], offset: u64) -> Result<(), Status> {
        let (object, _) = self.vmo(vmo, Rights::WRITE)?;
        Ok(object.vmo.write(buffer, offset)?)
    }

    /// `zx_vmo_set_stream_size`: a VMO with WRITE; physical or contiguous → `NOT_SUPPORTED`;
    /// the same size → OK; past the VMO's size → `OUT_OF_RANGE`. The bytes between the old
    /// and the new stream size read zero afterwards.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(8192, 0).unwrap();
    /// p.vmo_set_stream_size(vmo, 5).unwrap();
    /// assert_eq!(p.vmo_get_stream_size(vmo), Ok(5));
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn vmo_set_stream_size(&self, vmo: zx_handle_t, size: u64) -> Result<(), Status> {
        let (object, _) = self.vmo(vmo, Rights::WRITE)?;
        Ok(object.vmo.set_stream_size(size)?)
    }

    /// `zx_vmo_get_stream_size`: a VMO with READ; what `ZX_PROP_VMO_CONTENT_SIZE` reads.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(10, 0).unwrap();
    /// assert_eq!(p.vmo_get_stream_size(vmo), Ok(10));
    /// ```
    #[instrument(level = "trace", skip(self), err(level = "debug", Display))]
    pub fn vmo_get_stream_size(&self, vmo: zx_handle_t) -> Result<u64, Status> {
        let (object, _) = self.vmo(vmo, Rights::READ)?;
        Ok(object.vmo.content_size())
    }

    /// `zx_vmo_get_size`: needs no right.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(1, 0).unwrap();
    /// assert_eq!(p.vmo_get_size(vmo), Ok(4096));
    /// ```
    #[instrument(level = "trace", skip(self), err(level = "debug", Display))]
    pub fn vmo_get_size(&self, vmo: zx_handle_t) -> Result<u64, Status> {
        self.peek_vmo(vmo, Rights::empty(), |object| object.vmo.size())
    }

    /// `zx_vmo_set_size`: WRITE, then RESIZE for a resizable VMO; a fixed-size VMO is
    /// `UNAVAILABLE`; past the maximum `OUT_OF_RANGE`; shrinking over a pin `BAD_STATE`.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(0, zx_syscalls::zx::ZX_VMO_RESIZABLE).unwrap();
    /// p.vmo_set_size(vmo, 5000).unwrap();
    /// assert_eq!(p.vmo_get_size(vmo), Ok(8192));
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn vmo_set_size(&self, vmo: zx_handle_t, size: u64) -> Result<(), Status> {
        let (object, rights) = self.vmo(vmo, Rights::WRITE)?;
        if object.vmo.options().resizable && !rights.contains(Rights::RESIZE) {
            return Err(Status::ACCESS_DENIED);
        }
        Ok(object.vmo.set_size(size)?)
    }

    /// `zx_vmo_op_range`: the handle, then the op's rights, then the op's own checks.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(8192, 0).unwrap();
    /// p.vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, 8192, &mut []).unwrap();
    /// assert_eq!(p.vmo_op_range(vmo, 5, 0, 0, &mut []).unwrap_err().into_raw(), ZX_ERR_INVALID_ARGS);
    /// ```
    #[instrument(level = "debug", skip(self, buffer), err(level = "debug", Display))]
    pub fn vmo_op_range(
        &self,
        vmo: zx_handle_t,
        op: u32,
        offset: u64,
        size: u64,
        buffer: &mut [u8],
    ) -> Result<(), Status> {
        let (object, rights) = self.vmo(vmo, Rights::empty())?;
        let needed = op_rights(op).ok_or(Status::INVALID_ARGS)?;
        check_op_rights(&needed, rights)?;
        let vmo = &object.vmo;
        match op {
            zx::ZX_VMO_OP_COMMIT => Ok(vmo.commit(offset, size)?),
            zx::ZX_VMO_OP_DECOMMIT => Ok(vmo.decommit(offset, size)?),
            zx::ZX_VMO_OP_ZERO => Ok(vmo.zero(offset, size)?),
            zx::ZX_VMO_OP_LOCK | zx::ZX_VMO_OP_TRY_LOCK => {
                lock_discardable(vmo, op == zx::ZX_VMO_OP_TRY_LOCK, offset, size, buffer)
            }
            zx::ZX_VMO_OP_UNLOCK => Ok(vmo.unlock_range(offset, size)?),
            zx::ZX_VMO_OP_CACHE_INVALIDATE
                if !self.kernel().settings().enable_debugging_syscalls =>
            {
                Err(Status::NOT_SUPPORTED)
            }
            zx::ZX_VMO_OP_CACHE_SYNC
            | zx::ZX_VMO_OP_CACHE_CLEAN
            | zx::ZX_VMO_OP_CACHE_CLEAN_INVALIDATE
            | zx::ZX_VMO_OP_CACHE_INVALIDATE => cache_op(vmo, offset, size),
            zx::ZX_VMO_OP_PREFETCH => Ok(vmo.prefetch(offset, size)?),
            // In a pager-backed tree ALWAYS_NEED brings the (whole) pages in, and both hints
            // check the range; elsewhere they are hints, accepted for any range.
            zx::ZX_VMO_OP_ALWAYS_NEED if vmo.is_pager_backed() => {
                let start = offset - offset % PAGE;
                let end = offset.checked_add(size).ok_or(Status::OUT_OF_RANGE)?;
                let end = end.checked_next_multiple_of(PAGE).ok_or(Status::OUT_OF_RANGE)?;
                Ok(vmo.prefetch(start, end - start)?)
            }
            zx::ZX_VMO_OP_DONT_NEED if vmo.is_pager_backed() => Ok(vmo.check_range(offset, size)?),
            _ => Ok(()),
        }
    }

    /// `zx_vmo_create_child`, checking in order: the size rounds past the maximum →
    /// `OUT_OF_RANGE`; NO_WRITE with RESIZABLE → `INVALID_ARGS`; the handle (a VMO with
    /// DUPLICATE and READ); a discardable parent → `NOT_SUPPORTED`; exactly one child type
    /// (and no SLICE|RESIZABLE) else `INVALID_ARGS`; then the type's own checks. The child
    /// takes the parent's name when the parent handle has GET_PROPERTY.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(4096, 0).unwrap();
    /// p.vmo_write(vmo, b"before", 0).unwrap();
    /// let child = p.vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 4096).unwrap();
    /// p.vmo_write(vmo, b"after!", 0).unwrap();
    /// let mut seen = [0u8; 6];
    /// p.vmo_read(child, &mut seen, 0).unwrap();
    /// assert_eq!(&seen, b"before");
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn vmo_create_child(
        &self,
        vmo: zx_handle_t,
        options: u32,
        offset: u64,
        size: u64,
    ) -> Result<zx_handle_t, Status> {
        round_up_to_page(size).ok_or(Status::OUT_OF_RANGE)?;
        let no_write = options & zx::ZX_VMO_CHILD_NO_WRITE != 0;
        let resizable = options & zx::ZX_VMO_CHILD_RESIZABLE != 0;
        if no_write && resizable {
            return Err(Status::INVALID_ARGS);
        }
        let (parent, parent_rights) = self.vmo(vmo, Rights::DUPLICATE | Rights::READ)?;
        if parent.vmo.options().discardable {
            return Err(Status::NOT_SUPPORTED);
        }
        let child_type = child_type(options)?;
        let koid = self.kernel().new_koid();
        let child_options = VmoOptions { resizable, discardable: false };
        let (child, kind) = match child_type {
            ChildType::Snapshot => {
                let pager_clone =
                    parent.vmo.is_pager_backed() && options & zx::ZX_VMO_CHILD_SNAPSHOT == 0;
                let child = if pager_clone {
                    let modified = options & zx::ZX_VMO_CHILD_SNAPSHOT_MODIFIED != 0;
                    parent.vmo.create_pager_clone(koid, offset, size, child_options, modified)?
                } else {
                    parent.vmo.create_snapshot(koid, offset, size, child_options)?
                };
                (child, VmoKind::Snapshot { immutable: no_write })
            }
            ChildType::Slice => (parent.vmo.create_slice(koid, offset, size)?, VmoKind::Slice),
            ChildType::Reference => (
                self.create_reference(&parent, parent_rights, koid, offset, size, resizable)?,
                VmoKind::Reference,
            ),
        };
        if parent_rights.contains(Rights::GET_PROPERTY) {
            // As in Zircon, a child starts out with its parent's name when the caller may
            // read that name.
            child.set_name(&parent.vmo.name());
        }
        let rights = child_rights(parent_rights, kind, no_write, resizable);
        let object = VmoObject::child_of(&parent, child, kind);
        self.insert(KernelObject::Vmo(Arc::new(object)), rights)
    }

    /// REFERENCE: offset and size 0 (`INVALID_ARGS`); not of a slice, not RESIZABLE of a
    /// fixed-size VMO (`NOT_SUPPORTED`); RESIZABLE needs RESIZE on the parent handle.
    fn create_reference(
        &self,
        parent: &VmoObject,
        parent_rights: Rights,
        koid: u64,
        offset: u64,
        size: u64,
        resizable: bool,
    ) -> Result<Arc<zx_vm::Vmo>, Status> {
        if offset != 0 || size != 0 {
            return Err(Status::INVALID_ARGS);
        }
        if parent.kind == VmoKind::Slice || (resizable && !parent.vmo.options().resizable) {
            return Err(Status::NOT_SUPPORTED);
        }
        if resizable && !parent_rights.contains(Rights::RESIZE) {
            return Err(Status::ACCESS_DENIED);
        }
        Ok(parent.vmo.create_reference(koid, resizable)?)
    }

    /// `zx_vmo_transfer_data`: moves the pages of `[src_offset, src_offset + length)` of
    /// `src_vmo` to `[offset, offset + length)` of `dst_vmo`, as a `memmove` followed by a
    /// decommit of the source, without copying data. Checks, in order: `options` (0) and
    /// alignment → `INVALID_ARGS`; the dst handle (WRITE); the src handle (READ and WRITE);
    /// the same VMO at the same offset, or a zero length → OK at once; then per side, src
    /// first: physical or contiguous → `NOT_SUPPORTED`, the range → `OUT_OF_RANGE`, a pinned
    /// page → `BAD_STATE`; copies that cannot be had → `NO_MEMORY`.
    ///
    /// Stronger than Zircon: all or nothing for every error, atomic to other threads, no
    /// page lost or duplicated, no deadlock whatever the pair of VMOs.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let src = p.vmo_create(4096, 0).unwrap();
    /// let dst = p.vmo_create(4096, 0).unwrap();
    /// p.vmo_write(src, b"page", 0).unwrap();
    /// p.vmo_transfer_data(dst, 0, 0, 4096, src, 0).unwrap();
    /// let mut back = [0u8; 4];
    /// p.vmo_read(dst, &mut back, 0).unwrap();
    /// assert_eq!(&back, b"page");
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn vmo_transfer_data(
        &self,
        dst_vmo: zx_handle_t,
        options: u32,
        offset: u64,
        length: u64,
        src_vmo: zx_handle_t,
        src_offset: u64,
    ) -> Result<(), Status> {
        if options != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let page = zx::ZX_PAGE_SIZE;
        if offset % page != 0 || length % page != 0 || src_offset % page != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let (dst, src) =
            self.vmo_pair((dst_vmo, Rights::WRITE), (src_vmo, Rights::READ | Rights::WRITE))?;
        if (dst.vmo.koid() == src.vmo.koid() && offset == src_offset) || length == 0 {
            return Ok(());
        }
        let stats = dst.vmo.transfer_from(offset, length, &src.vmo, src_offset)?;
        tracing::debug!(
            moved = stats.moved,
            copied = stats.copied,
            zeroed = stats.zeroed,
            released = stats.released,
            "pages transferred"
        );
        Ok(())
    }
}

/// The cache operations: length 0 → INVALID_ARGS; past the end → OUT_OF_RANGE; a physical
/// VMO → NOT_SUPPORTED; otherwise nothing to do (the emulator has no caches).
fn cache_op(vmo: &zx_vm::Vmo, offset: u64, size: u64) -> Result<(), Status> {
    if size == 0 {
        return Err(Status::INVALID_ARGS);
    }
    vmo.check_range(offset, size)?;
    if vmo.is_physical() {
        return Err(Status::NOT_SUPPORTED);
    }
    Ok(())
}

/// LOCK and TRY_LOCK: not discardable → NOT_SUPPORTED; not the whole VMO → OUT_OF_RANGE;
/// for LOCK, a buffer too small for `zx_vmo_lock_state_t` → INVALID_ARGS (and nothing is
/// locked). TRY_LOCK takes no buffer and ignores one.
fn lock_discardable(
    vmo: &zx_vm::Vmo,
    try_only: bool,
    offset: u64,
    size: u64,
    buffer: &mut [u8],
) -> Result<(), Status> {
    if !vmo.options().discardable {
        return Err(Status::NOT_SUPPORTED);
    }
    if offset != 0 || size != vmo.size() {
        return Err(Status::OUT_OF_RANGE);
    }
    if try_only {
        // TRY_LOCK reports nothing: whatever buffer comes with it is left alone.
        vmo.lock_range(offset, size, true)?;
        return Ok(());
    }
    let out = buffer.get_mut(..LOCK_STATE_SIZE).ok_or(Status::INVALID_ARGS)?;
    let state = vmo.lock_range(offset, size, false)?;
    let record = zx::zx_vmo_lock_state_t {
        offset: state.offset,
        size: state.size,
        discarded_offset: state.discarded_offset,
        discarded_size: state.discarded_size,
    };
    out.copy_from_slice(bytemuck::bytes_of(&record));
    Ok(())
}
