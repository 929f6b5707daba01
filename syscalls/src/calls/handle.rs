//! `handle_close`, `handle_duplicate`, `handle_replace`.

use tracing::instrument;

use crate::core::ProcessCore;
use crate::status::Status;
use crate::zx::{zx_handle_t, zx_rights_t, ZX_HANDLE_INVALID};

impl ProcessCore {
    /// `zx_handle_close`: `ZX_HANDLE_INVALID` is OK; an unknown value is `BAD_HANDLE`.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.handle_close(0).is_ok());
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn handle_close(&self, handle: zx_handle_t) -> Result<(), Status> {
        if handle == ZX_HANDLE_INVALID {
            return Ok(());
        }
        // The object (and possibly its pages) goes away at the end of this statement,
        // outside the table's lock, when this was the process's last handle to it.
        self.remove_handle(handle)?;
        Ok(())
    }

    /// `zx_handle_duplicate`: needs DUPLICATE; `rights` is `ZX_RIGHT_SAME_RIGHTS` or a subset.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(0, 0).unwrap();
    /// let dup = p.handle_duplicate(vmo, zx_syscalls::zx::ZX_RIGHT_READ).unwrap();
    /// assert_ne!(dup, vmo);
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn handle_duplicate(
        &self,
        handle: zx_handle_t,
        rights: zx_rights_t,
    ) -> Result<zx_handle_t, Status> {
        self.duplicate_handle(handle, rights)
    }

    /// `zx_handle_replace`: needs no right; the original handle is gone even on failure.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(0, 0).unwrap();
    /// let new = p.handle_replace(vmo, zx_syscalls::zx::ZX_RIGHT_READ).unwrap();
    /// assert!(p.handle_close(vmo).is_err());
    /// # p.handle_close(new).unwrap();
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn handle_replace(
        &self,
        handle: zx_handle_t,
        rights: zx_rights_t,
    ) -> Result<zx_handle_t, Status> {
        self.replace_handle(handle, rights)
    }
}
