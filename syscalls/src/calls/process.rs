//! Processes made through handles: `zx_process_create` (in the kernel's one job) and the
//! emulator's `process_for_handle` (docs/reference.md §11.15).

use tracing::instrument;
use zx_handles::Rights;
use zx_vm::sync::Arc;

use crate::aspace::{VmarObject, ROOT_VMAR, USER_ASPACE_BASE, USER_ASPACE_SIZE};
use crate::core::ProcessCore;
use crate::object::KernelObject;
use crate::status::Status;
use crate::zx::{self, zx_handle_t};

impl ProcessCore {
    /// `zx_process_create(job, name, options)`: options other than 0 → `INVALID_ARGS`
    /// (`ZX_PROCESS_SHARED` → `NOT_SUPPORTED`); then lookup(job, JOB, MANAGE_PROCESS). Returns
    /// a handle to the new process (`ZX_DEFAULT_PROCESS_RIGHTS`; it keeps the process alive)
    /// and one to its root VMAR (`ZX_DEFAULT_VMAR_RIGHTS | READ | WRITE | EXECUTE`), both in
    /// this process's table, all or nothing. The name is truncated to 31 bytes.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let (child, vmar) = p.process_create(p.job_default(), b"child", 0).unwrap();
    /// assert_eq!(p.object_get_info_handle_basic(child).unwrap().type_, ZX_OBJ_TYPE_PROCESS);
    /// assert_eq!(p.object_get_info_vmar(vmar).unwrap().base, 0x20_0000);
    /// ```
    #[instrument(level = "debug", skip(self, name), err(level = "debug", Display))]
    pub fn process_create(
        &self,
        job: zx_handle_t,
        name: &[u8],
        options: u32,
    ) -> Result<(zx_handle_t, zx_handle_t), Status> {
        if options == zx::ZX_PROCESS_SHARED {
            return Err(Status::NOT_SUPPORTED);
        }
        if options != 0 {
            return Err(Status::INVALID_ARGS);
        }
        self.lookup(job, zx::ZX_OBJ_TYPE_JOB, Rights::MANAGE_PROCESS)?;
        let child = self.kernel().create_process();
        let process = child.process_object(true);
        process.name.set(name);
        let aspace = child.aspace().clone();
        let vmar = VmarObject {
            koid: aspace.root_koid(),
            name: Default::default(),
            base: USER_ASPACE_BASE,
            len: USER_ASPACE_SIZE,
            flags: zx::ZX_VM_CAN_MAP_READ
                | zx::ZX_VM_CAN_MAP_WRITE
                | zx::ZX_VM_CAN_MAP_EXECUTE
                | zx::ZX_VM_CAN_MAP_SPECIFIC,
            aspace,
            id: ROOT_VMAR,
        };
        drop(child); // the process handle below holds it
        let process_rights = Rights::from_bits_retain(zx::ZX_DEFAULT_PROCESS_RIGHTS);
        let vmar_rights = Rights::from_bits_retain(
            zx::ZX_DEFAULT_VMAR_RIGHTS
                | zx::ZX_RIGHT_READ
                | zx::ZX_RIGHT_WRITE
                | zx::ZX_RIGHT_EXECUTE,
        );
        let process_handle =
            self.insert(KernelObject::Process(Arc::new(process)), process_rights)?;
        match self.insert(KernelObject::Vmar(Arc::new(vmar)), vmar_rights) {
            Ok(vmar_handle) => Ok((process_handle, vmar_handle)),
            Err(status) => {
                // All or nothing: the process goes with its only handle.
                let _ = self.handle_close(process_handle);
                Err(status)
            }
        }
    }

    /// Emulator API: the process a process handle names (BAD_HANDLE, WRONG_TYPE), so that the
    /// software MMU of a process made by `process_create` can be driven; `BAD_STATE` if it has
    /// ended.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let me = p.process_for_handle(p.process_self()).unwrap();
    /// assert_eq!(me.koid(), p.koid());
    /// ```
    pub fn process_for_handle(&self, process: zx_handle_t) -> Result<Arc<ProcessCore>, Status> {
        match self.lookup(process, zx::ZX_OBJ_TYPE_PROCESS, Rights::empty())? {
            (KernelObject::Process(object), _) => object.process.upgrade().ok_or(Status::BAD_STATE),
            _ => Err(Status::WRONG_TYPE),
        }
    }
}
