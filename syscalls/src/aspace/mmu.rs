//! The software MMU: loads, stores and instruction fetches through an address space
//! (docs/reference.md §11.10). Each page is translated under the address space's lock
//! (shared) and then read or written with [`zx_vm::Vmo::read`] / [`zx_vm::Vmo::write`], the
//! very path of `vmo_read` / `vmo_write`: copy-on-write forks, zero fill and `NO_MEMORY`
//! behave as they do there.
//!
//! The hot path goes through the translation cache (`tlb.rs`) instead: a page whose
//! translation is cached is read or written holding only that slot's lock and then the
//! hierarchy lock.
//!
//! A page of a pager-backed VMO that the pager must supply (or, for a store under TRAP_DIRTY,
//! dirty) is never waited for under those locks: the VMO answers `ShouldWait`, the access
//! lets every lock go, faults the page in ([`zx_vm::Vmo::fault_in`]: one 1-page request, as a
//! hardware fault would make), and runs again from the page it stopped at.
//!
//! Lock order: address-space lock (shared) → TLB slot lock → VMO hierarchy lock.

use zx_vm::sync::Arc;
use zx_vm::{VmError, Vmo};

use super::tlb::Entry;
use super::tree::{AspaceState, Mapping};
use super::AddressSpace;
use crate::object::VmoObject;
use crate::status::Status;
use crate::zx::{self, zx_vaddr_t};

const PAGE: u64 = zx::ZX_PAGE_SIZE;

/// The kind of a faulting access.
///
/// ```
/// assert_ne!(zx_syscalls::Access::Read, zx_syscalls::Access::Write);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// A load.
    Read,
    /// A store.
    Write,
    /// An instruction fetch.
    Execute,
}

/// What a faulting load, store or instruction fetch reports (the exception's synthetic
/// status).
///
/// ```
/// use zx_syscalls::{Access, PageFault, Status};
/// let fault = PageFault { vaddr: 0x1000, access: Access::Read, status: Status::NOT_FOUND };
/// assert_eq!(fault.to_string(), "read fault at 0x1000: ZX_ERR_NOT_FOUND");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageFault {
    /// The first byte not transferred.
    pub vaddr: zx_vaddr_t,
    /// What the access was.
    pub access: Access,
    /// NOT_FOUND, ACCESS_DENIED, OUT_OF_RANGE, NO_MEMORY, INVALID_ARGS (a misaligned atomic)
    /// or a pager error.
    pub status: Status,
}

impl std::fmt::Display for PageFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let access = match self.access {
            Access::Read => "read",
            Access::Write => "write",
            Access::Execute => "execute",
        };
        write!(f, "{access} fault at {:#x}: {}", self.vaddr, self.status)
    }
}

impl std::error::Error for PageFault {}

/// The PERM bits an access needs.
fn needed(access: Access) -> u32 {
    match access {
        Access::Read => zx::ZX_VM_PERM_READ,
        Access::Write => zx::ZX_VM_PERM_WRITE,
        Access::Execute => zx::ZX_VM_PERM_READ | zx::ZX_VM_PERM_EXECUTE,
    }
}

/// Translates the page holding `vaddr` for `access`: the mapping and the VMO offset of
/// `vaddr`, and how many bytes from `vaddr` the same translation covers; or the fault.
fn translate(
    state: &AspaceState,
    vaddr: u64,
    access: Access,
    check_prot: bool,
) -> Result<(&Mapping, u64, u64), Status> {
    let mapping = state.find_mapping(vaddr).ok_or(Status::NOT_FOUND)?;
    if check_prot && mapping.prot_at(vaddr) & needed(access) != needed(access) {
        return Err(Status::ACCESS_DENIED);
    }
    let offset = mapping.vmo_offset + (vaddr - mapping.base);
    let page_offset = offset & !(PAGE - 1);
    let vmo = &mapping.vmo().vmo;
    let limit = if mapping.flags & zx::ZX_VM_FAULT_BEYOND_STREAM_SIZE != 0 {
        vmo.content_size()
            .checked_add(PAGE - 1)
            .map_or(!(PAGE - 1), |s| s & !(PAGE - 1))
            .min(vmo.size())
    } else {
        vmo.size()
    };
    if page_offset >= limit {
        return Err(Status::OUT_OF_RANGE);
    }
    let run_end = if check_prot { mapping.prot_run_end(vaddr) } else { mapping.end() };
    // The same translation holds to the end of the mapping, the protection run and the
    // VMO's end (page granular), whichever comes first.
    let span = (run_end - vaddr).min(limit - offset);
    Ok((mapping, offset, span))
}

fn vm_status(error: VmError) -> Status {
    Status::from(error)
}

impl AddressSpace {
    /// The fast path: runs `op` on the VMO and offset of `vaddr` if the translation cache
    /// holds the page with the protection `access` needs and the access stays in the page;
    /// `None` sends the caller to the slow path (which also reports every fault).
    fn fast<R>(
        &self,
        vaddr: u64,
        len: usize,
        access: Access,
        op: impl FnOnce(&Vmo, u64) -> Result<R, VmError>,
    ) -> Option<Result<R, PageFault>>
    where
        R: PartialEq,
    {
        let vpage = vaddr & !(PAGE - 1);
        if (vaddr - vpage).checked_add(len as u64)? > PAGE {
            return None;
        }
        // Lock order: slot → hierarchy (taken by `op`); no address-space lock on this path.
        let slot = self.tlb.slot(vaddr).lock();
        let entry = slot.as_ref()?;
        if entry.vpage != vpage || entry.perms & needed(access) != needed(access) {
            return None;
        }
        // The slot stays locked until the access ends (see tlb.rs). A VMO shrunk under the
        // page makes `op` fail with OUT_OF_RANGE, the fault the slow path would report.
        let result = op(&entry.vmo.vmo, entry.offset + (vaddr - vpage));
        drop(slot);
        if result == Err(VmError::ShouldWait) {
            return None; // the slow path faults the page in
        }
        Some(result.map_err(|e| PageFault { vaddr, access, status: vm_status(e) }))
    }

    /// Caches the translation of the page holding `vaddr` (the caller holds the
    /// address-space lock and found `mapping` there). Mappings whose limit is the content
    /// size are not cached: that limit is not lock-free to read.
    fn cache(&self, mapping: &Mapping, vaddr: u64) {
        if mapping.flags & zx::ZX_VM_FAULT_BEYOND_STREAM_SIZE != 0 {
            return;
        }
        let vpage = vaddr & !(PAGE - 1);
        self.tlb.fill(Entry {
            vpage,
            vmo: mapping.vmo().clone(),
            offset: mapping.vmo_offset + (vpage - mapping.base),
            perms: mapping.prot_at(vpage),
        });
    }

    /// Reads (`Access::Read` or `Access::Execute`) into `buffer` from `vaddr`, page by
    /// page, as §11.10 says.
    pub(crate) fn read_mapped(
        &self,
        vaddr: u64,
        buffer: &mut [u8],
        access: Access,
    ) -> Result<(), PageFault> {
        let mut done = 0usize;
        loop {
            match self.read_from(vaddr, buffer, access, &mut done) {
                Ok(()) => return Ok(()),
                Err(Stopped::Fault(fault)) => return Err(fault),
                Err(Stopped::Pager(pending)) => pending.fault_in()?,
            }
        }
    }

    /// [`AddressSpace::read_mapped`] from byte `done` on, until it ends or meets a page the
    /// pager must supply (then every lock is let go and `done` says how far it got).
    fn read_from(
        &self,
        vaddr: u64,
        buffer: &mut [u8],
        access: Access,
        done: &mut usize,
    ) -> Result<(), Stopped> {
        // Lock order: address space (shared) → slot (filled by `cache`) → hierarchy.
        let state = self.read();
        while *done < buffer.len() {
            let at = vaddr.wrapping_add(*done as u64);
            let fault = |status| PageFault { vaddr: at, access, status };
            if vaddr.checked_add(*done as u64).is_none() {
                return Err(Stopped::Fault(fault(Status::NOT_FOUND)));
            }
            let (mapping, offset, span) = translate(&state, at, access, true).map_err(fault)?;
            self.cache(mapping, at);
            let page_left = PAGE - (at % PAGE);
            let n = (buffer.len() - *done).min(span.min(page_left) as usize);
            let vmo = mapping.vmo();
            match vmo.vmo.read_no_wait(&mut buffer[*done..*done + n], offset) {
                Err(VmError::ShouldWait) => {
                    return Err(Stopped::pager(vmo, offset, false, at, access))
                }
                result => result.map_err(|e| fault(vm_status(e)))?,
            }
            *done += n;
        }
        Ok(())
    }

    /// Writes `buffer` at `vaddr`, page by page.
    pub(crate) fn write_mapped(&self, vaddr: u64, buffer: &[u8]) -> Result<(), PageFault> {
        if buffer.is_empty() {
            return Ok(());
        }
        if let Some(result) = self.fast(vaddr, buffer.len(), Access::Write, |vmo, offset| {
            vmo.write_no_wait(buffer, offset)
        }) {
            return result;
        }
        let mut done = 0usize;
        loop {
            match self.write_from(vaddr, buffer, &mut done) {
                Ok(()) => return Ok(()),
                Err(Stopped::Fault(fault)) => return Err(fault),
                Err(Stopped::Pager(pending)) => pending.fault_in()?,
            }
        }
    }

    /// [`AddressSpace::write_mapped`]'s slow path from byte `done` on (see
    /// [`AddressSpace::read_from`]).
    fn write_from(&self, vaddr: u64, buffer: &[u8], done: &mut usize) -> Result<(), Stopped> {
        // Lock order: address space (shared) → slot (filled by `cache`) → hierarchy.
        let state = self.read();
        while *done < buffer.len() {
            let at = vaddr.wrapping_add(*done as u64);
            let fault = |status| PageFault { vaddr: at, access: Access::Write, status };
            if vaddr.checked_add(*done as u64).is_none() {
                return Err(Stopped::Fault(fault(Status::NOT_FOUND)));
            }
            let (mapping, offset, span) =
                translate(&state, at, Access::Write, true).map_err(fault)?;
            let page_left = PAGE - (at % PAGE);
            let n = (buffer.len() - *done).min(span.min(page_left) as usize);
            let vmo = mapping.vmo();
            match vmo.vmo.write_no_wait(&buffer[*done..*done + n], offset) {
                Err(VmError::ShouldWait) => {
                    return Err(Stopped::pager(vmo, offset, true, at, Access::Write))
                }
                result => result.map_err(|e| fault(vm_status(e)))?,
            }
            *done += n;
        }
        Ok(())
    }

    /// Runs `op` on the aligned u64 at `vaddr` (atomic with every other aligned u64 access).
    pub(crate) fn update_mapped_u64(
        &self,
        vaddr: u64,
        access: Access,
        op: impl FnOnce(u64) -> Option<u64> + Copy,
    ) -> Result<u64, PageFault> {
        let fault = |status| PageFault { vaddr, access, status };
        if vaddr % 8 != 0 {
            return Err(fault(Status::INVALID_ARGS));
        }
        let fast = if access == Access::Write {
            self.fast(vaddr, 8, access, |vmo, offset| vmo.update_u64_no_wait(offset, op))
        } else {
            self.fast(vaddr, 8, access, |vmo, offset| vmo.read_u64(offset))
        };
        if let Some(result) = fast {
            return result;
        }
        loop {
            match self.update_once(vaddr, access, op) {
                Ok(value) => return Ok(value),
                Err(Stopped::Fault(fault)) => return Err(fault),
                Err(Stopped::Pager(pending)) => pending.fault_in()?,
            }
        }
    }

    /// One try of [`AddressSpace::update_mapped_u64`]'s slow path.
    fn update_once(
        &self,
        vaddr: u64,
        access: Access,
        op: impl FnOnce(u64) -> Option<u64>,
    ) -> Result<u64, Stopped> {
        let fault = |status| PageFault { vaddr, access, status };
        let state = self.read();
        let (mapping, offset, _) = translate(&state, vaddr, access, true).map_err(fault)?;
        self.cache(mapping, vaddr);
        let vmo = mapping.vmo();
        // Stores, compare-exchange and add need WRITE (checked by `translate`).
        let result = if access == Access::Write {
            vmo.vmo.update_u64_no_wait(offset, op)
        } else {
            vmo.vmo.read_u64(offset)
        };
        match result {
            Err(VmError::ShouldWait) => {
                Err(Stopped::pager(vmo, offset, access == Access::Write, vaddr, access))
            }
            result => result.map_err(|e| Stopped::Fault(fault(vm_status(e)))),
        }
    }

    /// `process_read_memory` / `process_write_memory` over this address space: one mapping,
    /// protection ignored; returns the bytes moved. The write's private-copy rule is the
    /// caller's (it needs the kernel to make the child).
    pub(crate) fn debug_transfer(
        &self,
        vaddr: u64,
        read: Option<&mut [u8]>,
        write: Option<&[u8]>,
    ) -> Result<usize, Status> {
        let state = self.read();
        if state.ended() {
            return Err(Status::BAD_STATE);
        }
        let mapping = state.find_mapping(vaddr).ok_or(Status::NOT_FOUND)?;
        let offset = mapping.vmo_offset + (vaddr - mapping.base);
        let vmo = &mapping.vmo().vmo;
        let len = read.as_ref().map_or_else(|| write.map_or(0, <[u8]>::len), |b| b.len()) as u64;
        let n = len.min(mapping.end() - vaddr).min(vmo.size().saturating_sub(offset));
        if n == 0 {
            return Err(Status::OUT_OF_RANGE);
        }
        let n = n as usize;
        // The mapping's VMO, held past the lock: a pager-backed one may wait on its pager, and
        // a waiting thread holds no lock.
        let vmo: Arc<VmoObject> = mapping.vmo().clone();
        drop(state);
        match (read, write) {
            (Some(buffer), _) => vmo.vmo.read(&mut buffer[..n], offset)?,
            (None, Some(buffer)) => vmo.vmo.write(&buffer[..n], offset)?,
            (None, None) => {}
        }
        Ok(n)
    }
}

/// Why an access stopped before its end.
enum Stopped {
    /// It faults.
    Fault(PageFault),
    /// It met a page the pager must supply or dirty; every lock is let go.
    Pager(PendingPage),
}

impl From<PageFault> for Stopped {
    fn from(fault: PageFault) -> Stopped {
        Stopped::Fault(fault)
    }
}

impl Stopped {
    fn pager(
        vmo: &Arc<VmoObject>,
        offset: u64,
        write: bool,
        vaddr: u64,
        access: Access,
    ) -> Stopped {
        Stopped::Pager(PendingPage { vmo: vmo.clone(), offset, write, vaddr, access })
    }
}

/// A page an access waits for, with the VMO held so that it outlives an unmap meanwhile.
struct PendingPage {
    vmo: Arc<VmoObject>,
    offset: u64,
    write: bool,
    vaddr: u64,
    access: Access,
}

impl PendingPage {
    /// Waits (with no lock held) for the pager to make the page usable; its failure is the
    /// access's fault. The access then runs again, translating afresh.
    fn fault_in(self) -> Result<(), PageFault> {
        self.vmo.vmo.fault_in(self.offset, self.write).map_err(|e| PageFault {
            vaddr: self.vaddr,
            access: self.access,
            status: vm_status(e),
        })
    }
}
