//! Kernel objects: what handles refer to, and their signals.

use std::time::Duration;

use zx_handles::ObjectKind;
use zx_vm::sync::{Arc, Condvar, Mutex};
use zx_vm::Vmo;

use crate::zx::{self, zx_koid_t, zx_signals_t};

/// The signals of one object, and a way to wait for them.
///
/// Invariant: every change of `asserted` notifies the condition variable, so a waiter never
/// misses a change (no lost wake-up).
///
/// ```
/// use zx_syscalls::object::Signals;
/// let s = Signals::new(0);
/// s.update(0, 1 << 24);
/// assert_eq!(s.get(), 1 << 24);
/// ```
#[derive(Debug, Default)]
pub struct Signals {
    asserted: Mutex<zx_signals_t>,
    changed: Condvar,
}

impl Signals {
    /// Signals with `initial` asserted.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::Signals::new(8).get(), 8);
    /// ```
    pub fn new(initial: zx_signals_t) -> Signals {
        Signals {
            asserted: Mutex::new(initial),
            changed: Condvar::new(),
        }
    }

    /// The signals asserted now.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::Signals::new(0).get(), 0);
    /// ```
    pub fn get(&self) -> zx_signals_t {
        *self.asserted.lock()
    }

    /// Clears `clear`, then sets `set`, and wakes every waiter.
    ///
    /// ```
    /// let s = zx_syscalls::object::Signals::new(0b11);
    /// s.update(0b01, 0b100);
    /// assert_eq!(s.get(), 0b110);
    /// ```
    pub fn update(&self, clear: zx_signals_t, set: zx_signals_t) {
        let mut asserted = self.asserted.lock();
        *asserted = (*asserted & !clear) | set;
        self.changed.notify_all();
    }

    /// Waits until one of `wanted` is asserted (returning all asserted signals) or
    /// `timeout` passes (`None` = never); `Err(observed)` on timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// let s = zx_syscalls::object::Signals::new(0);
    /// assert_eq!(s.wait(1, Some(Duration::ZERO)), Err(0));
    /// ```
    pub fn wait(
        &self,
        wanted: zx_signals_t,
        timeout: Option<Duration>,
    ) -> Result<zx_signals_t, zx_signals_t> {
        // A deadline too far to represent is no deadline.
        let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
        let mut asserted = self.asserted.lock();
        loop {
            if *asserted & wanted != 0 {
                return Ok(*asserted);
            }
            match deadline {
                None => asserted = self.changed.wait(asserted),
                Some(deadline) => {
                    let now = std::time::Instant::now();
                    if now >= deadline {
                        return Err(*asserted);
                    }
                    asserted = self.changed.wait_timeout(asserted, deadline - now).0;
                }
            }
        }
    }
}

/// A VMO as a kernel object: the VM object plus its signals.
///
/// ```no_run
/// # fn demo(object: &zx_syscalls::object::VmoObject) {
/// let size = object.vmo.size();
/// # }
/// ```
#[derive(Debug)]
pub struct VmoObject {
    /// The VM object.
    pub vmo: Arc<Vmo>,
    /// `ZX_VMO_ZERO_CHILDREN` and the user signals.
    pub signals: Signals,
}

/// An event: nothing but signals.
///
/// ```
/// let e = zx_syscalls::object::EventObject::new(1024);
/// assert_eq!(e.signals.get(), 0);
/// ```
#[derive(Debug)]
pub struct EventObject {
    /// The event's koid.
    pub koid: zx_koid_t,
    /// `ZX_EVENT_SIGNALED` and the user signals.
    pub signals: Signals,
}

impl EventObject {
    /// A new event with nothing asserted.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::EventObject::new(7).koid, 7);
    /// ```
    pub fn new(koid: zx_koid_t) -> EventObject {
        EventObject {
            koid,
            signals: Signals::new(0),
        }
    }
}

/// A resource: the authority to reach privileged calls (only the root resource exists).
///
/// ```
/// let r = zx_syscalls::object::ResourceObject { koid: 3 };
/// assert_eq!(r.koid, 3);
/// ```
#[derive(Debug)]
pub struct ResourceObject {
    /// The resource's koid.
    pub koid: zx_koid_t,
}

/// Everything a handle can refer to.
///
/// ```no_run
/// # fn demo(object: zx_syscalls::object::KernelObject) {
/// use zx_handles::ObjectKind;
/// let _type = object.object_type();
/// # }
/// ```
#[derive(Clone, Debug)]
pub enum KernelObject {
    /// `ZX_OBJ_TYPE_VMO`.
    Vmo(Arc<VmoObject>),
    /// `ZX_OBJ_TYPE_EVENT`.
    Event(Arc<EventObject>),
    /// `ZX_OBJ_TYPE_RESOURCE`.
    Resource(Arc<ResourceObject>),
}

impl ObjectKind for KernelObject {
    fn object_type(&self) -> u32 {
        match self {
            KernelObject::Vmo(_) => zx::ZX_OBJ_TYPE_VMO,
            KernelObject::Event(_) => zx::ZX_OBJ_TYPE_EVENT,
            KernelObject::Resource(_) => zx::ZX_OBJ_TYPE_RESOURCE,
        }
    }
}

impl KernelObject {
    /// The object's koid.
    ///
    /// ```
    /// use zx_syscalls::object::{EventObject, KernelObject};
    /// use zx_vm::sync::Arc;
    /// assert_eq!(KernelObject::Event(Arc::new(EventObject::new(5))).koid(), 5);
    /// ```
    pub fn koid(&self) -> zx_koid_t {
        match self {
            KernelObject::Vmo(v) => v.vmo.koid(),
            KernelObject::Event(e) => e.koid,
            KernelObject::Resource(r) => r.koid,
        }
    }

    /// The object's signals, if it has any.
    ///
    /// ```
    /// use zx_syscalls::object::{KernelObject, ResourceObject};
    /// use zx_vm::sync::Arc;
    /// assert!(KernelObject::Resource(Arc::new(ResourceObject { koid: 1 })).signals().is_none());
    /// ```
    pub fn signals(&self) -> Option<&Signals> {
        match self {
            KernelObject::Vmo(v) => Some(&v.signals),
            KernelObject::Event(e) => Some(&e.signals),
            KernelObject::Resource(_) => None,
        }
    }

    /// The signals `object_signal` may set or clear on this object.
    ///
    /// ```
    /// use zx_syscalls::object::{EventObject, KernelObject};
    /// use zx_vm::sync::Arc;
    /// let e = KernelObject::Event(Arc::new(EventObject::new(5)));
    /// assert_eq!(e.user_settable_signals(), 0xff00_0008);
    /// ```
    pub fn user_settable_signals(&self) -> zx_signals_t {
        match self {
            KernelObject::Event(_) => zx::ZX_USER_SIGNAL_ALL | zx::ZX_EVENT_SIGNALED,
            KernelObject::Vmo(_) => zx::ZX_USER_SIGNAL_ALL,
            KernelObject::Resource(_) => 0,
        }
    }
}
