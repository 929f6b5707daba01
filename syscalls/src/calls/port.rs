//! Ports (docs/reference.md §9.2): `port_create`, `port_queue`, `port_wait`.

use tracing::instrument;
use zx_handles::Rights;
use zx_vm::sync::Arc;

use super::timeout_until;
use crate::core::ProcessCore;
use crate::object::{KernelObject, PortHandles, PortObject};
use crate::status::Status;
use crate::zx::{self, zx_handle_t, zx_port_packet_t, zx_time_t};

impl ProcessCore {
    pub(crate) fn port(
        &self,
        handle: zx_handle_t,
        rights: Rights,
    ) -> Result<Arc<PortObject>, Status> {
        match self.lookup(handle, zx::ZX_OBJ_TYPE_PORT, rights)? {
            (KernelObject::Port(held), _) => Ok(held.port.clone()),
            _ => Err(Status::WRONG_TYPE),
        }
    }

    /// `zx_port_create`: options other than 0 and `ZX_PORT_BIND_TO_INTERRUPT` →
    /// `INVALID_ARGS`. The handle has `ZX_DEFAULT_PORT_RIGHTS`.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.port_create(0).is_ok());
    /// assert!(p.port_create(2).is_err());
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn port_create(&self, options: u32) -> Result<zx_handle_t, Status> {
        if options & !zx::ZX_PORT_BIND_TO_INTERRUPT != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let port = Arc::new(PortObject::new(self.kernel().new_koid()));
        let held = KernelObject::Port(Arc::new(PortHandles::new(port)));
        self.insert(held, Rights::from_bits_retain(zx::ZX_DEFAULT_PORT_RIGHTS))
    }

    /// `zx_port_queue`: a port with WRITE; queues a copy of `packet` with `type_ =
    /// ZX_PKT_TYPE_USER` (key, status and payload kept); `SHOULD_WAIT` when 4096 user packets
    /// are queued already.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let port = p.port_create(0).unwrap();
    /// p.port_queue(port, &zx_syscalls::zx::zx_port_packet_t { key: 5, ..Default::default() }).unwrap();
    /// assert_eq!(p.port_wait(port, 0).unwrap().key, 5);
    /// ```
    #[instrument(level = "debug", skip(self, packet), err(level = "debug", Display))]
    pub fn port_queue(&self, port: zx_handle_t, packet: &zx_port_packet_t) -> Result<(), Status> {
        self.port(port, Rights::WRITE)?.queue_user(*packet)
    }

    /// `zx_port_wait`: a port with READ; takes the oldest packet, waiting for one until
    /// `deadline` (`TIMED_OUT`); a deadline in the past still takes a queued packet. A wait in
    /// progress when the port's last handle closes waits out its deadline.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let port = p.port_create(0).unwrap();
    /// assert_eq!(p.port_wait(port, 0).unwrap_err().into_raw(), ZX_ERR_TIMED_OUT);
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn port_wait(
        &self,
        port: zx_handle_t,
        deadline: zx_time_t,
    ) -> Result<zx_port_packet_t, Status> {
        let port = self.port(port, Rights::READ)?;
        let timeout = timeout_until(deadline, self.kernel().now());
        port.take(timeout).ok_or(Status::TIMED_OUT)
    }
}
