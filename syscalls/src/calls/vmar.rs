//! The VMAR calls and process memory (docs/reference.md §11): allocate, map, unmap, protect,
//! op_range, destroy, `vmo_replace_as_executable`, `process_read_memory` /
//! `process_write_memory`, and the software MMU entry points. Every check comes in the
//! order of the reference, and every change is made only once all checks have passed.

use tracing::instrument;
use zx_handles::Rights;
use zx_vm::sync::Arc;
use zx_vm::VmoOptions;

use crate::aspace::tree::{alignment, PERMS};
use crate::aspace::{Access, Child, Mapping, MappingHold, PageFault, VmarObject, ROOT_VMAR};
use crate::core::ProcessCore;
use crate::object::{KernelObject, VmoKind, VmoObject};
use crate::status::Status;
use crate::zx::{self, zx_handle_t, zx_vaddr_t, zx_vm_option_t};

const PAGE: u64 = zx::ZX_PAGE_SIZE;
const ALREADY_EXISTS: Status = Status::from_raw(zx::ZX_ERR_ALREADY_EXISTS);

/// Every option bit with a meaning (the alignment field aside).
const KNOWN: u32 = (1 << 16) - 1;
const ALIGN_MASK: u32 = 0xFF << zx::ZX_VM_ALIGN_BASE;
const CAN_MAP: u32 = zx::ZX_VM_CAN_MAP_READ | zx::ZX_VM_CAN_MAP_WRITE | zx::ZX_VM_CAN_MAP_EXECUTE;
/// The options a mapping keeps (they decide whether neighbours merge).
const LASTING: u32 = zx::ZX_VM_ALLOW_FAULTS | zx::ZX_VM_FAULT_BEYOND_STREAM_SIZE;
/// The most one `process_read_memory` / `process_write_memory` moves.
const MAX_DEBUG_TRANSFER: usize = 64 << 20;

/// The rights READ / WRITE / EXECUTE that the bits `read`, `write`, `exec` of `options` ask.
fn perm_rights(options: u32, read: u32, write: u32, exec: u32) -> Rights {
    let mut rights = Rights::empty();
    if options & read != 0 {
        rights |= Rights::READ;
    }
    if options & write != 0 {
        rights |= Rights::WRITE;
    }
    if options & exec != 0 {
        rights |= Rights::EXECUTE;
    }
    rights
}

/// The PERM bits that `rights` allow.
fn perms_of(rights: Rights) -> u32 {
    let mut perms = 0;
    if rights.contains(Rights::READ) {
        perms |= zx::ZX_VM_PERM_READ;
    }
    if rights.contains(Rights::WRITE) {
        perms |= zx::ZX_VM_PERM_WRITE;
    }
    if rights.contains(Rights::EXECUTE) {
        perms |= zx::ZX_VM_PERM_EXECUTE;
    }
    perms
}

/// The PERM bits of a VMAR's CAN_MAP_* flags.
fn can_map_perms(flags: u32) -> u32 {
    (flags & CAN_MAP) >> 7
}

/// `size` rounded up to a page; 0 if that wraps.
fn round_up(size: u64) -> u64 {
    size.checked_add(PAGE - 1).map_or(0, |s| s & !(PAGE - 1))
}

/// Steps 9–15 of `vmar_allocate` (and 21–26 of `vmar_map`): where the new child goes.
/// `overwrite`: SPECIFIC_OVERWRITE (the range may be occupied by mappings).
struct Placement {
    options: u32,
    offset: u64,
    size: u64,
    overwrite: bool,
}

fn place(
    state: &mut crate::aspace::AspaceState,
    vmar: &VmarObject,
    p: &Placement,
) -> Result<u64, Status> {
    let specific = p.options & (zx::ZX_VM_SPECIFIC | zx::ZX_VM_SPECIFIC_OVERWRITE) != 0;
    let upper = p.options & zx::ZX_VM_OFFSET_IS_UPPER_LIMIT != 0;
    if specific && upper {
        return Err(Status::INVALID_ARGS);
    }
    if !specific && !upper && p.offset != 0 {
        return Err(Status::INVALID_ARGS);
    }
    if p.offset % PAGE != 0 {
        return Err(Status::INVALID_ARGS);
    }
    if (specific || upper) && vmar.flags & zx::ZX_VM_CAN_MAP_SPECIFIC == 0 {
        return Err(Status::ACCESS_DENIED);
    }
    let out = if upper {
        p.offset > vmar.len || p.size > p.offset
    } else {
        p.offset >= vmar.len || p.size > vmar.len - p.offset
    };
    if out {
        return Err(Status::INVALID_ARGS);
    }
    let align = alignment(p.options).ok_or(Status::INVALID_ARGS)?;
    if specific {
        let base = vmar.base + p.offset;
        if base % align != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let node = state.vmar(vmar.id).ok_or(Status::BAD_STATE)?;
        if !node.is_free(base, base + p.size) {
            if !p.overwrite {
                return Err(ALREADY_EXISTS);
            }
            let meets_vmar = node
                .meeting(base, base + p.size)
                .iter()
                .any(|b| matches!(node.children.get(b), Some(Child::Vmar { .. })));
            if meets_vmar {
                return Err(Status::INVALID_ARGS);
            }
        }
        return Ok(base);
    }
    let limit = if upper { vmar.base + p.offset } else { vmar.base + vmar.len };
    state.place(vmar.id, p.size, align, limit).ok_or(Status::NO_RESOURCES)
}

impl ProcessCore {
    /// Looks up a VMAR handle with some rights: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED.
    fn vmar(
        &self,
        handle: zx_handle_t,
        rights: Rights,
    ) -> Result<(Arc<VmarObject>, Rights), Status> {
        match self.lookup(handle, zx::ZX_OBJ_TYPE_VMAR, rights)? {
            (KernelObject::Vmar(vmar), rights) => Ok((vmar, rights)),
            _ => Err(Status::WRONG_TYPE),
        }
    }

    /// `zx_vmar_allocate`: a new empty sub-VMAR (docs/reference.md §11.3 for the checks).
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let root = p.vmar_root_self();
    /// let (child, addr) = p.vmar_allocate(root, ZX_VM_CAN_MAP_READ, 0, 0x10000).unwrap();
    /// assert_eq!(addr, zx_syscalls::USER_ASPACE_BASE);
    /// # let _ = child;
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn vmar_allocate(
        &self,
        parent_vmar: zx_handle_t,
        options: zx_vm_option_t,
        offset: u64,
        size: u64,
    ) -> Result<(zx_handle_t, zx_vaddr_t), Status> {
        let needed = perm_rights(
            options,
            zx::ZX_VM_CAN_MAP_READ,
            zx::ZX_VM_CAN_MAP_WRITE,
            zx::ZX_VM_CAN_MAP_EXECUTE,
        );
        let (parent, _) = self.vmar(parent_vmar, needed)?;
        if options & !(KNOWN | ALIGN_MASK) != 0 || alignment(options).is_none() {
            return Err(Status::INVALID_ARGS);
        }
        // READ_IF_XOM_UNSUPPORTED is not a permission of its own: upstream drops it here
        // before looking at the PERM bits, so it is accepted and ignored.
        if options & PERMS != 0 {
            return Err(Status::INVALID_ARGS);
        }
        if size % PAGE != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let refused = zx::ZX_VM_SPECIFIC_OVERWRITE
            | zx::ZX_VM_MAP_RANGE
            | zx::ZX_VM_ALLOW_FAULTS
            | zx::ZX_VM_REQUIRE_NON_RESIZABLE
            | zx::ZX_VM_FAULT_BEYOND_STREAM_SIZE;
        if options & refused != 0 {
            return Err(Status::INVALID_ARGS);
        }
        // Lock order: address space → handle table (the new VMAR's handle, below).
        let mut state = parent.aspace.write();
        if state.vmar(parent.id).is_none() {
            return Err(Status::BAD_STATE);
        }
        if size == 0 {
            return Err(Status::INVALID_ARGS);
        }
        if options & CAN_MAP & !parent.flags != 0 {
            return Err(Status::ACCESS_DENIED);
        }
        let placement = Placement { options, offset, size, overwrite: false };
        let base = place(&mut state, &parent, &placement)?;
        let flags = options & crate::aspace::VMAR_FLAGS;
        let koid = self.kernel().new_koid();
        let object = Arc::new(VmarObject {
            koid,
            name: Default::default(),
            base,
            len: size,
            flags,
            aspace: parent.aspace.clone(),
            id: state.peek_next_id(),
        });
        let rights = Rights::from_bits_retain(zx::ZX_DEFAULT_VMAR_RIGHTS)
            | perm_rights(
                options,
                zx::ZX_VM_CAN_MAP_READ,
                zx::ZX_VM_CAN_MAP_WRITE,
                zx::ZX_VM_CAN_MAP_EXECUTE,
            );
        // The handle first: a full table leaves nothing allocated.
        let handle = self.insert(KernelObject::Vmar(object), rights)?;
        state.add_vmar(parent.id, koid, base, size);
        Ok((handle, base))
    }

    /// `zx_vmar_map`: maps `len` bytes of `vmo` from `vmo_offset` (docs/reference.md §11.4).
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(4096, 0).unwrap();
    /// let addr = p.vmar_map(p.vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, 4096).unwrap();
    /// p.write_mapped(addr, b"hi").unwrap();
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn vmar_map(
        &self,
        vmar: zx_handle_t,
        options: zx_vm_option_t,
        vmar_offset: u64,
        vmo: zx_handle_t,
        vmo_offset: u64,
        len: u64,
    ) -> Result<zx_vaddr_t, Status> {
        let (vmar, vmar_rights) = self.vmar(vmar, Rights::empty())?;
        let (object, vmo_rights) = self.vmo(vmo, Rights::empty())?;
        let vm = &object.vmo;
        if options & zx::ZX_VM_FAULT_BEYOND_STREAM_SIZE != 0
            && (vm.is_physical() || vm.is_contiguous())
        {
            return Err(Status::NOT_SUPPORTED);
        }
        if !vmo_rights.contains(Rights::MAP) {
            return Err(Status::ACCESS_DENIED);
        }
        let mut options = options;
        if options & zx::ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED != 0 {
            options |= zx::ZX_VM_PERM_READ;
        }
        let perms = options & PERMS;
        if perms & (zx::ZX_VM_PERM_WRITE | zx::ZX_VM_PERM_EXECUTE) != 0
            && perms & zx::ZX_VM_PERM_READ == 0
        {
            return Err(Status::INVALID_ARGS);
        }
        if options & zx::ZX_VM_MAP_RANGE != 0 && options & zx::ZX_VM_SPECIFIC_OVERWRITE != 0 {
            return Err(Status::INVALID_ARGS);
        }
        if options & CAN_MAP != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let both = vmar_rights & vmo_rights;
        for (perm, right) in [
            (zx::ZX_VM_PERM_READ, Rights::READ),
            (zx::ZX_VM_PERM_WRITE, Rights::WRITE),
            (zx::ZX_VM_PERM_EXECUTE, Rights::EXECUTE),
        ] {
            if perms & perm != 0 && !both.contains(right) {
                return Err(Status::ACCESS_DENIED);
            }
        }
        if options & zx::ZX_VM_FAULT_BEYOND_STREAM_SIZE != 0
            && options & zx::ZX_VM_ALLOW_FAULTS == 0
        {
            return Err(Status::INVALID_ARGS);
        }
        if options & !(KNOWN | ALIGN_MASK) != 0 || alignment(options).is_none() {
            return Err(Status::INVALID_ARGS);
        }
        if options & zx::ZX_VM_REQUIRE_NON_RESIZABLE != 0 && vm.options().resizable {
            return Err(Status::NOT_SUPPORTED);
        }
        if vm.options().discardable && options & zx::ZX_VM_ALLOW_FAULTS == 0 {
            return Err(Status::NOT_SUPPORTED);
        }
        if options & (zx::ZX_VM_COMPACT | zx::ZX_VM_CAN_MAP_SPECIFIC) != 0 {
            return Err(Status::INVALID_ARGS);
        }
        if perms & !can_map_perms(vmar.flags) != 0 {
            return Err(Status::ACCESS_DENIED);
        }
        if vmo_offset % PAGE != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let size =
            len.checked_add(PAGE - 1).map(|s| s & !(PAGE - 1)).ok_or(Status::OUT_OF_RANGE)?;
        let vmo_end = vmo_offset.checked_add(size).ok_or(Status::OUT_OF_RANGE)?;
        if vm.is_physical() && vmo_end > vm.size() {
            return Err(Status::OUT_OF_RANGE);
        }
        // Lock order: address space → VMO mapping counts (MappingHold) → hierarchy (a VMO
        // whose last reference an overwrite drops).
        let mut state = vmar.aspace.write();
        if state.vmar(vmar.id).is_none() {
            return Err(Status::BAD_STATE);
        }
        if size == 0 {
            return Err(Status::INVALID_ARGS);
        }
        let overwrite = options & zx::ZX_VM_SPECIFIC_OVERWRITE != 0;
        let placement = Placement { options, offset: vmar_offset, size, overwrite };
        let base = place(&mut state, &vmar, &placement)?;
        let max = perms_of(both);
        let mapping = Mapping {
            base,
            size,
            vmo_offset,
            max,
            flags: options & LASTING,
            prot: vec![(0, perms)],
            hold: MappingHold::new(object, vmar.aspace.process_koid()),
        };
        // SPECIFIC_OVERWRITE: the old mappings go and the new one comes in one step.
        let (gone, _) =
            if overwrite { state.unmap(vmar.id, base, base + size) } else { Default::default() };
        let merged = state.insert_mapping(vmar.id, mapping);
        // Released under the lock, so the VMOs' mapping counts never disagree with a tree
        // another thread can see.
        drop((gone, merged));
        drop(state);
        Ok(base)
    }

    /// `zx_vmar_unmap` (docs/reference.md §11.5): unmaps `[addr, addr + len)`, destroying the
    /// sub-VMARs inside it and trimming or splitting mappings across its ends.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(8192, 0).unwrap();
    /// let addr = p.vmar_map(p.vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 0, 8192).unwrap();
    /// p.vmar_unmap(p.vmar_root_self(), addr, 4096).unwrap();
    /// assert!(p.read_mapped(addr, &mut [0]).is_err());
    /// p.read_mapped(addr + 4096, &mut [0]).unwrap();
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn vmar_unmap(&self, vmar: zx_handle_t, addr: zx_vaddr_t, len: u64) -> Result<(), Status> {
        let (vmar, rights) = self.vmar(vmar, Rights::empty())?;
        if addr % PAGE != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let len = round_up(len);
        if len == 0 {
            return Err(Status::INVALID_ARGS);
        }
        let mut state = vmar.aspace.write();
        let node = state.vmar(vmar.id).ok_or(Status::BAD_STATE)?;
        let end = node.end_of_range_inside(addr, len).ok_or(Status::INVALID_ARGS)?;
        for base in node.meeting(addr, end) {
            if let Some(child @ Child::Vmar { .. }) = node.children.get(&base) {
                let inside = base >= addr && child.end() <= end;
                if !inside || !rights.contains(Rights::OP_CHILDREN) {
                    return Err(Status::INVALID_ARGS);
                }
            }
        }
        let released = state.unmap(vmar.id, addr, end);
        drop(released);
        drop(state);
        Ok(())
    }

    /// `zx_vmar_protect` (docs/reference.md §11.6): all or nothing; pages get exactly the
    /// new protection, and no mapping is split.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(4096, 0).unwrap();
    /// let root = p.vmar_root_self();
    /// let addr = p.vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, 4096).unwrap();
    /// p.vmar_protect(root, ZX_VM_PERM_READ, addr, 4096).unwrap();
    /// assert!(p.write_mapped(addr, b"x").is_err());
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn vmar_protect(
        &self,
        vmar: zx_handle_t,
        options: zx_vm_option_t,
        addr: zx_vaddr_t,
        len: u64,
    ) -> Result<(), Status> {
        let mut options = options;
        if options & zx::ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED != 0 {
            options |= zx::ZX_VM_PERM_READ;
        }
        let needed =
            perm_rights(options, zx::ZX_VM_PERM_READ, zx::ZX_VM_PERM_WRITE, zx::ZX_VM_PERM_EXECUTE);
        let (vmar, rights) = self.vmar(vmar, needed)?;
        let perms = options & PERMS;
        if perms & (zx::ZX_VM_PERM_WRITE | zx::ZX_VM_PERM_EXECUTE) != 0
            && perms & zx::ZX_VM_PERM_READ == 0
        {
            return Err(Status::INVALID_ARGS);
        }
        if addr % PAGE != 0 {
            return Err(Status::INVALID_ARGS);
        }
        if options & !(PERMS | zx::ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED) != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let len = round_up(len);
        if len == 0 {
            return Err(Status::INVALID_ARGS);
        }
        let mut state = vmar.aspace.write();
        let node = state.vmar(vmar.id).ok_or(Status::BAD_STATE)?;
        let end = node.end_of_range_inside(addr, len).ok_or(Status::INVALID_ARGS)?;
        let mut cursor = addr;
        let mut targets = Vec::new();
        for (mapping, nested) in state.mappings_in(vmar.id, addr, end) {
            let (s, e) = (mapping.base.max(addr), mapping.end().min(end));
            if s > cursor {
                return Err(Status::NOT_FOUND);
            }
            if perms & !mapping.max != 0 {
                return Err(Status::ACCESS_DENIED);
            }
            if nested {
                if !rights.contains(Rights::OP_CHILDREN) {
                    return Err(Status::INVALID_ARGS);
                }
                if mapping.runs_in(s, e).iter().any(|(_, _, old)| perms & !old != 0) {
                    return Err(Status::ACCESS_DENIED);
                }
            }
            targets.push((s, e));
            cursor = e;
        }
        if cursor < end {
            return Err(Status::NOT_FOUND);
        }
        for (s, e) in targets {
            if let Some(mapping) = state.find_mapping_mut(s) {
                mapping.set_prot(s, e, perms);
            }
        }
        Ok(())
    }

    /// `zx_vmar_op_range` (docs/reference.md §11.7): every check on every mapping (the VMO
    /// op's own included) comes before any change.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(4096, 0).unwrap();
    /// let root = p.vmar_root_self();
    /// let addr = p.vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, 4096).unwrap();
    /// p.vmar_op_range(root, ZX_VMAR_OP_COMMIT, addr, 4096, &mut []).unwrap();
    /// assert_eq!(p.object_get_info_vmo(vmo).unwrap().committed_bytes, 4096);
    /// ```
    #[instrument(level = "debug", skip(self, buffer), err(level = "debug", Display))]
    pub fn vmar_op_range(
        &self,
        vmar: zx_handle_t,
        op: u32,
        address: zx_vaddr_t,
        size: u64,
        buffer: &mut [u8],
    ) -> Result<(), Status> {
        let (vmar, rights) = self.vmar(vmar, Rights::empty())?;
        let needed = match op {
            zx::ZX_VMAR_OP_COMMIT | zx::ZX_VMAR_OP_DECOMMIT | zx::ZX_VMAR_OP_ZERO => Rights::WRITE,
            zx::ZX_VMAR_OP_MAP_RANGE | zx::ZX_VMAR_OP_PREFETCH => Rights::READ,
            zx::ZX_VMAR_OP_DONT_NEED | zx::ZX_VMAR_OP_ALWAYS_NEED => Rights::empty(),
            _ => return Err(Status::INVALID_ARGS),
        };
        if !rights.contains(needed) {
            return Err(Status::ACCESS_DENIED);
        }
        if !buffer.is_empty() {
            return Err(Status::INVALID_ARGS);
        }
        let len = round_up(size);
        if len == 0 || address % PAGE != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let end = address.checked_add(len).ok_or(Status::OUT_OF_RANGE)?;
        if address < vmar.base || end > vmar.base + vmar.len {
            return Err(Status::OUT_OF_RANGE);
        }
        // Lock order: address space (shared) → hierarchy (each VMO operation below).
        let state = vmar.aspace.read();
        if state.vmar(vmar.id).is_none() {
            return Err(Status::BAD_STATE);
        }
        let mut cursor = address;
        let mut work = Vec::new();
        for (mapping, nested) in state.mappings_in(vmar.id, address, end) {
            let (s, e) = (mapping.base.max(address), mapping.end().min(end));
            if s > cursor {
                return Err(Status::BAD_STATE);
            }
            let no_children_op = matches!(
                op,
                zx::ZX_VMAR_OP_COMMIT | zx::ZX_VMAR_OP_DECOMMIT | zx::ZX_VMAR_OP_PREFETCH
            );
            if nested && (no_children_op || !rights.contains(Rights::OP_CHILDREN)) {
                return Err(Status::INVALID_ARGS);
            }
            let offset = mapping.vmo_offset + (s - mapping.base);
            let vmo = &mapping.vmo().vmo;
            if mapping.flags & zx::ZX_VM_FAULT_BEYOND_STREAM_SIZE != 0 {
                let stream_end = round_up(vmo.content_size());
                if offset + (e - s) > stream_end {
                    return Err(Status::OUT_OF_RANGE);
                }
            }
            let writes =
                matches!(op, zx::ZX_VMAR_OP_COMMIT | zx::ZX_VMAR_OP_DECOMMIT | zx::ZX_VMAR_OP_ZERO);
            if writes && mapping.max & zx::ZX_VM_PERM_WRITE == 0 {
                return Err(Status::ACCESS_DENIED);
            }
            if op == zx::ZX_VMAR_OP_PREFETCH && mapping.max & zx::ZX_VM_PERM_READ == 0 {
                return Err(Status::ACCESS_DENIED);
            }
            work.push((mapping.vmo().clone(), offset, e - s));
            cursor = e;
        }
        if cursor < end {
            return Err(Status::BAD_STATE);
        }
        // The work holds its VMOs: the address space's lock goes before any VMO op, since an
        // op on a pager-backed VMO may wait on its pager, and a waiting thread holds no lock.
        drop(state);
        // The VMO op's own checks, on every range, before any change.
        for (object, offset, len) in &work {
            let vmo = &object.vmo;
            match op {
                zx::ZX_VMAR_OP_DECOMMIT => vmo.check_decommit(*offset, *len)?,
                zx::ZX_VMAR_OP_COMMIT | zx::ZX_VMAR_OP_ZERO => {
                    vmo.check_range(*offset, *len)?;
                    if vmo.is_physical() {
                        return Err(Status::NOT_SUPPORTED);
                    }
                }
                zx::ZX_VMAR_OP_PREFETCH => vmo.check_range(*offset, *len)?,
                _ => {}
            }
        }
        for (object, offset, len) in &work {
            let vmo = &object.vmo;
            match op {
                zx::ZX_VMAR_OP_COMMIT => vmo.commit(*offset, *len)?,
                zx::ZX_VMAR_OP_DECOMMIT => vmo.decommit(*offset, *len)?,
                zx::ZX_VMAR_OP_ZERO => vmo.zero(*offset, *len)?,
                // A pager-backed VMO's pages are brought in, without forking into a clone.
                zx::ZX_VMAR_OP_PREFETCH | zx::ZX_VMAR_OP_ALWAYS_NEED if vmo.is_pager_backed() => {
                    vmo.prefetch(*offset, *len)?
                }
                // MAP_RANGE, DONT_NEED, ALWAYS_NEED, PREFETCH: nothing more on anonymous VMOs.
                _ => {}
            }
        }
        Ok(())
    }

    /// `zx_vmar_destroy` (docs/reference.md §11.8): needs OP_CHILDREN; the root VMAR is
    /// `NOT_SUPPORTED`; the handle stays open and later calls through it are `BAD_STATE`.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let (sub, _) = p.vmar_allocate(p.vmar_root_self(), 0, 0, 0x4000).unwrap();
    /// p.vmar_destroy(sub).unwrap();
    /// assert_eq!(p.vmar_destroy(sub).unwrap_err().into_raw(), ZX_ERR_BAD_STATE);
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn vmar_destroy(&self, vmar: zx_handle_t) -> Result<(), Status> {
        let (vmar, _) = self.vmar(vmar, Rights::OP_CHILDREN)?;
        if vmar.id == ROOT_VMAR {
            return Err(Status::NOT_SUPPORTED);
        }
        let mut state = vmar.aspace.write();
        if state.vmar(vmar.id).is_none() {
            return Err(Status::BAD_STATE);
        }
        let released = state.destroy_vmar(vmar.id);
        drop(released);
        drop(state);
        Ok(())
    }

    /// `zx_vmo_replace_as_executable`: the VMO handle is consumed first (BAD_HANDLE if it is
    /// not live; a handle to something else is consumed and answers BAD_HANDLE), then the
    /// `vmex` check (`ZX_HANDLE_INVALID` or the root resource), then a new handle with the
    /// old rights and EXECUTE.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(4096, 0).unwrap();
    /// let exec = p.vmo_replace_as_executable(vmo, ZX_HANDLE_INVALID).unwrap();
    /// assert_ne!(p.object_get_info_handle_basic(exec).unwrap().rights & ZX_RIGHT_EXECUTE, 0);
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn vmo_replace_as_executable(
        &self,
        vmo: zx_handle_t,
        vmex: zx_handle_t,
    ) -> Result<zx_handle_t, Status> {
        let vmex_check = if vmex == zx::ZX_HANDLE_INVALID {
            Ok(())
        } else {
            self.lookup(vmex, zx::ZX_OBJ_TYPE_RESOURCE, Rights::empty()).map(|_| ())
        };
        let (rights, object) = {
            let (_, rights) = self.get(vmo)?;
            let object = self.take_handle(vmo)?;
            (rights, object)
        };
        let KernelObject::Vmo(object) = object else { return Err(Status::BAD_HANDLE) };
        vmex_check?;
        self.insert(KernelObject::Vmo(object), rights | Rights::EXECUTE)
    }

    /// `zx_process_read_memory` (docs/reference.md §11.11): reads from one mapping of the
    /// process, its protection ignored; returns the bytes read.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(4096, 0).unwrap();
    /// p.vmo_write(vmo, b"abc", 0).unwrap();
    /// let addr = p.vmar_map(p.vmar_root_self(), 0, 0, vmo, 0, 4096).unwrap();
    /// let mut buf = [0u8; 3];
    /// assert_eq!(p.process_read_memory(p.process_self(), addr, &mut buf), Ok(3));
    /// assert_eq!(&buf, b"abc");
    /// ```
    #[instrument(level = "debug", skip(self, buffer), fields(len = buffer.len()), err(level = "debug", Display))]
    pub fn process_read_memory(
        &self,
        process: zx_handle_t,
        vaddr: zx_vaddr_t,
        buffer: &mut [u8],
    ) -> Result<usize, Status> {
        if buffer.is_empty() || buffer.len() > MAX_DEBUG_TRANSFER {
            return Err(Status::INVALID_ARGS);
        }
        let aspace = self.process_aspace(process, Rights::READ | Rights::WRITE)?;
        aspace.debug_transfer(vaddr, Some(buffer), None)
    }

    /// `zx_process_write_memory` (docs/reference.md §11.11): `NOT_SUPPORTED` unless the kernel
    /// enables debugging syscalls; a mapping whose max lacks WRITE is first given a private
    /// copy, so its original VMO never changes.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.process_write_memory(p.process_self(), 0x20_0000, b"x").is_err());
    /// ```
    #[instrument(level = "debug", skip(self, buffer), fields(len = buffer.len()), err(level = "debug", Display))]
    pub fn process_write_memory(
        &self,
        process: zx_handle_t,
        vaddr: zx_vaddr_t,
        buffer: &[u8],
    ) -> Result<usize, Status> {
        if !self.kernel().settings().enable_debugging_syscalls {
            return Err(Status::NOT_SUPPORTED);
        }
        if buffer.is_empty() || buffer.len() > MAX_DEBUG_TRANSFER {
            return Err(Status::INVALID_ARGS);
        }
        let aspace = self.process_aspace(process, Rights::WRITE)?;
        {
            let mut state = aspace.write();
            if state.ended() {
                return Err(Status::BAD_STATE);
            }
            let mapping = state.find_mapping_mut(vaddr).ok_or(Status::NOT_FOUND)?;
            if mapping.max & zx::ZX_VM_PERM_WRITE == 0 && !mapping.vmo().vmo.is_physical() {
                self.privatize(mapping)?;
            }
        }
        aspace.debug_transfer(vaddr, None, Some(buffer))
    }

    /// Redirects `mapping` to a private snapshot of the range it shows (the write side of
    /// `process_write_memory` on a mapping that may never be written through).
    fn privatize(&self, mapping: &mut Mapping) -> Result<(), Status> {
        let parent = mapping.vmo().clone();
        let koid = self.kernel().new_koid();
        let child = parent.vmo.create_snapshot(
            koid,
            mapping.vmo_offset,
            mapping.size,
            VmoOptions::default(),
        )?;
        child.set_content_size(parent.vmo.content_size().saturating_sub(mapping.vmo_offset));
        child.set_name(&parent.vmo.name());
        let object =
            Arc::new(VmoObject::child_of(&parent, child, VmoKind::Snapshot { immutable: false }));
        // The mapping stays in the same address space: its hold counts for that process.
        let process = mapping.hold.process();
        let old = std::mem::replace(&mut mapping.hold, MappingHold::new(object, process));
        mapping.vmo_offset = 0;
        drop(old);
        Ok(())
    }

    /// The address space a process handle names: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED, then
    /// BAD_STATE if the process has ended.
    fn process_aspace(
        &self,
        process: zx_handle_t,
        rights: Rights,
    ) -> Result<Arc<crate::aspace::AddressSpace>, Status> {
        let (object, _) = self.lookup(process, zx::ZX_OBJ_TYPE_PROCESS, rights)?;
        let KernelObject::Process(process) = object else { return Err(Status::WRONG_TYPE) };
        let aspace = process.aspace.upgrade().ok_or(Status::BAD_STATE)?;
        if aspace.has_ended() {
            return Err(Status::BAD_STATE);
        }
        Ok(aspace)
    }

    /// Reads `buffer.len()` bytes at `vaddr` through this process's address space (emulator
    /// API, docs/reference.md §11.10).
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let fault = p.read_mapped(0x20_0000, &mut [0; 8]).unwrap_err();
    /// assert_eq!(fault.status, zx_syscalls::Status::NOT_FOUND);
    /// ```
    pub fn read_mapped(&self, vaddr: zx_vaddr_t, buffer: &mut [u8]) -> Result<(), PageFault> {
        self.aspace().read_mapped(vaddr, buffer, Access::Read)
    }

    /// Writes `buffer` at `vaddr` through this process's address space (emulator API).
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.write_mapped(0x20_0000, b"x").is_err());
    /// ```
    pub fn write_mapped(&self, vaddr: zx_vaddr_t, buffer: &[u8]) -> Result<(), PageFault> {
        self.aspace().write_mapped(vaddr, buffer)
    }

    /// Fetches instructions at `vaddr` (needs READ and EXECUTE; emulator API).
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.fetch_mapped(0x20_0000, &mut [0; 4]).is_err());
    /// ```
    pub fn fetch_mapped(&self, vaddr: zx_vaddr_t, buffer: &mut [u8]) -> Result<(), PageFault> {
        self.aspace().read_mapped(vaddr, buffer, Access::Execute)
    }

    /// Atomic aligned 8-byte load (emulator API); misaligned → fault `INVALID_ARGS`.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.load_mapped_u64(0x20_0004).is_err());
    /// ```
    pub fn load_mapped_u64(&self, vaddr: zx_vaddr_t) -> Result<u64, PageFault> {
        self.aspace().update_mapped_u64(vaddr, Access::Read, |_| None)
    }

    /// Atomic aligned 8-byte store (emulator API).
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.store_mapped_u64(0x20_0000, 1).is_err());
    /// ```
    pub fn store_mapped_u64(&self, vaddr: zx_vaddr_t, value: u64) -> Result<(), PageFault> {
        self.aspace().update_mapped_u64(vaddr, Access::Write, |_| Some(value)).map(|_| ())
    }

    /// Atomic compare-and-exchange of an aligned u64: `Ok(Ok(previous))` if it held
    /// `current` and now holds `new`, `Ok(Err(actual))` otherwise (emulator API).
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.compare_exchange_mapped_u64(0x20_0000, 0, 1).is_err());
    /// ```
    pub fn compare_exchange_mapped_u64(
        &self,
        vaddr: zx_vaddr_t,
        current: u64,
        new: u64,
    ) -> Result<Result<u64, u64>, PageFault> {
        let old = self
            .aspace()
            .update_mapped_u64(vaddr, Access::Write, |old| (old == current).then_some(new))?;
        Ok(if old == current { Ok(old) } else { Err(old) })
    }

    /// Atomic wrapping add to an aligned u64; returns the old value (emulator API).
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.fetch_add_mapped_u64(0x20_0000, 1).is_err());
    /// ```
    pub fn fetch_add_mapped_u64(&self, vaddr: zx_vaddr_t, delta: u64) -> Result<u64, PageFault> {
        self.aspace().update_mapped_u64(vaddr, Access::Write, |old| Some(old.wrapping_add(delta)))
    }
}
