//! Kernel objects: what handles refer to, and their signals.

use std::time::Duration;

use zx_handles::ObjectKind;
use zx_vm::sync::{Arc, AtomicU32, AtomicUsize, Condvar, Mutex, Ordering, Weak};
use zx_vm::Vmo;

use crate::aspace::{AddressSpace, MappingCounts, VmarObject};
use crate::status::Status;
use crate::zx::{self, zx_koid_t, zx_signals_t};

/// Names the handle a wait goes through, so that closing it can cancel the wait.
///
/// ```
/// let key = zx_syscalls::object::HandleKey { process: 1024, handle: 3 };
/// assert_eq!(key.handle, 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandleKey {
    /// Koid of the process that owns the handle.
    pub process: zx_koid_t,
    /// The handle value.
    pub handle: u32,
}

/// How a wait ended without the signals it wanted.
///
/// ```
/// use zx_syscalls::object::WaitEnd;
/// assert_ne!(WaitEnd::TimedOut(0), WaitEnd::Canceled);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitEnd {
    /// The deadline passed; the signals asserted then.
    TimedOut(zx_signals_t),
    /// The handle the wait went through was closed.
    Canceled,
}

#[derive(Debug)]
struct Waiter {
    id: u64,
    through: HandleKey,
    canceled: bool,
}

#[derive(Debug, Default)]
struct SignalState {
    asserted: zx_signals_t,
    waiters: Vec<Waiter>,
    next_waiter: u64,
}

/// The signals of one object, and a way to wait for them.
///
/// Invariants: every change of the asserted signals and every cancellation notifies the
/// condition variable under the same lock the waiters check, so no wake-up is lost; with no
/// waiter registered the notification (a system call) is skipped. `waiting` counts the
/// registered waiters; it changes only under the lock.
///
/// Lock order: a wait registers (`begin_wait`) while its caller holds the handle table's
/// lock, so the table lock comes before this one. That closes the race between a wait and
/// the close of its handle: the close removes the handle under the table lock and only then
/// cancels, so every wait through the handle is registered by then and `waiting` shows it.
///
/// ```
/// use zx_syscalls::object::Signals;
/// let s = Signals::new(0);
/// s.update(0, 1 << 24);
/// assert_eq!(s.get(), 1 << 24);
/// ```
#[derive(Debug, Default)]
pub struct Signals {
    state: Mutex<SignalState>,
    changed: Condvar,
    waiting: AtomicUsize,
    /// `state.asserted`, mirrored for a waiter's short spin before it sleeps (a hint only:
    /// the state under the lock decides).
    asserted_hint: AtomicU32,
}

/// A wait registered with [`Signals::begin_wait`], to be finished with
/// [`Signals::finish_wait`].
///
/// ```
/// use zx_syscalls::object::{HandleKey, Signals};
/// let s = Signals::new(1);
/// let ticket = s.begin_wait(HandleKey { process: 1, handle: 3 });
/// assert_eq!(s.finish_wait(ticket, 1, None), Ok(1));
/// ```
#[derive(Debug)]
#[must_use = "a registered wait stays registered until it is finished"]
pub struct WaitTicket {
    id: u64,
}

impl Signals {
    /// Signals with `initial` asserted.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::Signals::new(8).get(), 8);
    /// ```
    pub fn new(initial: zx_signals_t) -> Signals {
        let state = SignalState { asserted: initial, ..Default::default() };
        Signals {
            state: Mutex::new(state),
            changed: Condvar::new(),
            waiting: AtomicUsize::new(0),
            asserted_hint: AtomicU32::new(initial),
        }
    }

    /// The signals asserted now.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::Signals::new(0).get(), 0);
    /// ```
    pub fn get(&self) -> zx_signals_t {
        self.state.lock().asserted
    }

    /// Clears `clear`, then sets `set`, and wakes every waiter.
    ///
    /// ```
    /// let s = zx_syscalls::object::Signals::new(0b11);
    /// s.update(0b01, 0b100);
    /// assert_eq!(s.get(), 0b110);
    /// ```
    pub fn update(&self, clear: zx_signals_t, set: zx_signals_t) {
        let mut state = self.state.lock();
        state.asserted = (state.asserted & !clear) | set;
        self.asserted_hint.store(state.asserted, Ordering::Release);
        if !state.waiters.is_empty() {
            self.changed.notify_all();
        }
    }

    /// Ends, with [`WaitEnd::Canceled`], every wait that goes through `through`. Called
    /// after the handle left its table; with no wait registered it takes no lock.
    ///
    /// ```
    /// use zx_syscalls::object::{HandleKey, Signals};
    /// Signals::new(0).cancel(HandleKey { process: 1, handle: 3 });
    /// ```
    pub fn cancel(&self, through: HandleKey) {
        // Acquire: pairs with the handle table's lock (see the lock order above), so a wait
        // registered through `through` before it left the table shows here.
        if self.waiting.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut state = self.state.lock();
        let mut any = false;
        for waiter in state.waiters.iter_mut().filter(|w| w.through == through) {
            waiter.canceled = true;
            any = true;
        }
        if any {
            self.changed.notify_all();
        }
    }

    /// True when some wait is registered (a close must then cancel the waits through its
    /// handle).
    ///
    /// ```
    /// use zx_syscalls::object::{HandleKey, Signals};
    /// let s = Signals::new(1);
    /// assert!(!s.has_waiters());
    /// let ticket = s.begin_wait(HandleKey { process: 1, handle: 3 });
    /// assert!(s.has_waiters());
    /// # s.finish_wait(ticket, 1, None).unwrap();
    /// ```
    pub fn has_waiters(&self) -> bool {
        // Acquire: pairs with the handle table's lock (see the lock order above).
        self.waiting.load(Ordering::Acquire) > 0
    }

    /// Registers a wait through the handle `through`. Callers hold the handle table's lock,
    /// with the handle live, so that closing the handle cannot miss the wait.
    ///
    /// ```
    /// use zx_syscalls::object::{HandleKey, Signals, WaitEnd};
    /// let s = Signals::new(0);
    /// let key = HandleKey { process: 1, handle: 3 };
    /// let ticket = s.begin_wait(key);
    /// s.cancel(key);
    /// assert_eq!(s.finish_wait(ticket, 1, None), Err(WaitEnd::Canceled));
    /// ```
    pub fn begin_wait(&self, through: HandleKey) -> WaitTicket {
        let mut state = self.state.lock();
        let id = state.next_waiter;
        state.next_waiter += 1;
        state.waiters.push(Waiter { id, through, canceled: false });
        self.waiting.fetch_add(1, Ordering::Release);
        WaitTicket { id }
    }

    /// Waits, as registered by `ticket`, until one of `wanted` is asserted (returning all
    /// asserted signals), `timeout` passes (`None` = never), or the handle is closed.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zx_syscalls::object::{HandleKey, Signals, WaitEnd};
    /// let s = Signals::new(0);
    /// let ticket = s.begin_wait(HandleKey { process: 1, handle: 3 });
    /// assert_eq!(s.finish_wait(ticket, 1, Some(Duration::ZERO)), Err(WaitEnd::TimedOut(0)));
    /// ```
    pub fn finish_wait(
        &self,
        ticket: WaitTicket,
        wanted: zx_signals_t,
        timeout: Option<Duration>,
    ) -> Result<zx_signals_t, WaitEnd> {
        // A deadline too far to represent is no deadline.
        let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
        let id = ticket.id;
        if timeout != Some(Duration::ZERO) {
            // A signal raised at once is met spinning, without a sleep and a wake-up.
            zx_vm::sync::spin_until(|| self.asserted_hint.load(Ordering::Acquire) & wanted != 0);
        }
        let mut state = self.state.lock();
        let outcome = loop {
            if state.asserted & wanted != 0 {
                break Ok(state.asserted);
            }
            if state.waiters.iter().any(|w| w.id == id && w.canceled) {
                break Err(WaitEnd::Canceled);
            }
            match deadline {
                None => state = self.changed.wait(state),
                Some(deadline) => {
                    let now = std::time::Instant::now();
                    if now >= deadline {
                        break Err(WaitEnd::TimedOut(state.asserted));
                    }
                    state = self.changed.wait_timeout(state, deadline - now).0;
                }
            }
        };
        state.waiters.retain(|w| w.id != id);
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        outcome
    }
}

/// What kind of VMO an object is, as `ZX_INFO_VMO` reports it.
///
/// ```
/// let kind = zx_syscalls::object::VmoKind::Snapshot { immutable: true };
/// assert_ne!(kind, zx_syscalls::object::VmoKind::Root);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmoKind {
    /// Made by `vmo_create`.
    Root,
    /// A SNAPSHOT, SNAPSHOT_AT_LEAST_ON_WRITE or SNAPSHOT_MODIFIED child; `immutable` with
    /// NO_WRITE.
    Snapshot {
        /// Created with `ZX_VMO_CHILD_NO_WRITE`.
        immutable: bool,
    },
    /// A SLICE child.
    Slice,
    /// A REFERENCE child.
    Reference,
}

/// A VMO as a kernel object: the VM object, its signals and its place among its relatives.
///
/// Invariant: `children` counts the live child objects made from this one (a slice or
/// reference lives while anything holds it, its own children included), and
/// `ZX_VMO_ZERO_CHILDREN` is asserted exactly when it is 0; both change under the
/// `children` lock. Fields drop in order, so a child's pages are released before its
/// parent hears that it is gone.
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
    /// What kind of VMO this is.
    pub kind: VmoKind,
    /// The koid of the VMO it was made from (0 for a root VMO).
    pub parent_koid: zx_koid_t,
    children: Mutex<u64>,
    /// Its mappings in every address space (`num_mappings`, `share_count`).
    pub mappings: MappingCounts,
    /// Held for its `Drop`, which tells the parent; declared last so it drops last.
    _parent: Option<ChildOf>,
}

/// A child's link to its parent object: tells the parent when the child goes away.
///
/// A slice or reference holds its parent object (it sees through it, so the parent counts
/// a child for as long as anything holds the slice, a slice of the slice included); a
/// snapshot only refers to it, so closing the parent's last handle still frees what no one
/// else sees.
///
/// A chain of slices whose handles are all closed goes away link by link, in a loop: letting
/// each last reference drop inside the previous drop would take a stack frame per link, and a
/// program can make the chain as long as it likes.
#[derive(Debug)]
enum ChildOf {
    /// Always `Some` until the link is dropped.
    Holds(Option<Arc<VmoObject>>),
    RefersTo(Weak<VmoObject>),
}

impl Drop for ChildOf {
    fn drop(&mut self) {
        match self {
            ChildOf::Holds(parent) => {
                let mut next = parent.take();
                while let Some(parent) = next {
                    parent.child_gone();
                    // Was this the last reference? Then unlink the parent's own link first,
                    // so that dropping the parent here does not recurse into it.
                    let Some(mut unheld) = Arc::into_inner(parent) else { break };
                    next = match unheld._parent.as_mut() {
                        Some(ChildOf::Holds(grandparent)) => grandparent.take(),
                        _ => None,
                    };
                    // Its pages go before its own parent hears that it is gone.
                    drop(unheld);
                }
            }
            ChildOf::RefersTo(parent) => {
                if let Some(parent) = parent.upgrade() {
                    parent.child_gone();
                }
            }
        }
    }
}

impl VmoObject {
    /// A root VMO object: no parent, no children, `ZX_VMO_ZERO_CHILDREN` asserted.
    ///
    /// ```no_run
    /// # fn demo(vmo: zx_vm::sync::Arc<zx_vm::Vmo>) {
    /// let object = zx_syscalls::object::VmoObject::root(vmo);
    /// # }
    /// ```
    pub fn root(vmo: Arc<Vmo>) -> VmoObject {
        VmoObject {
            vmo,
            signals: Signals::new(zx::ZX_VMO_ZERO_CHILDREN),
            kind: VmoKind::Root,
            parent_koid: 0,
            children: Mutex::new(0),
            mappings: MappingCounts::default(),
            _parent: None,
        }
    }

    /// A child of `parent`, which counts it until it is dropped.
    ///
    /// ```no_run
    /// # fn demo(parent: &zx_vm::sync::Arc<zx_syscalls::object::VmoObject>, vmo: zx_vm::sync::Arc<zx_vm::Vmo>) {
    /// use zx_syscalls::object::{VmoKind, VmoObject};
    /// let child = VmoObject::child_of(parent, vmo, VmoKind::Slice);
    /// # }
    /// ```
    pub fn child_of(parent: &Arc<VmoObject>, vmo: Arc<Vmo>, kind: VmoKind) -> VmoObject {
        parent.child_added();
        VmoObject {
            vmo,
            signals: Signals::new(zx::ZX_VMO_ZERO_CHILDREN),
            kind,
            parent_koid: parent.vmo.koid(),
            children: Mutex::new(0),
            mappings: MappingCounts::default(),
            _parent: Some(match kind {
                VmoKind::Slice | VmoKind::Reference => ChildOf::Holds(Some(parent.clone())),
                VmoKind::Root | VmoKind::Snapshot { .. } => {
                    ChildOf::RefersTo(Arc::downgrade(parent))
                }
            }),
        }
    }

    /// Live children made from this VMO.
    ///
    /// ```no_run
    /// # fn demo(object: &zx_syscalls::object::VmoObject) {
    /// let n = object.num_children();
    /// # }
    /// ```
    pub fn num_children(&self) -> u64 {
        *self.children.lock()
    }

    fn child_added(&self) {
        let mut children = self.children.lock();
        *children += 1;
        if *children == 1 {
            self.signals.update(zx::ZX_VMO_ZERO_CHILDREN, 0);
        }
    }

    fn child_gone(&self) {
        let mut children = self.children.lock();
        *children = children.saturating_sub(1);
        if *children == 0 {
            self.signals.update(0, zx::ZX_VMO_ZERO_CHILDREN);
        }
    }
}

/// The `ZX_PROP_NAME` of an object that is not a VMO (a VMO keeps its name in the VM).
///
/// ```
/// let name = zx_syscalls::object::ObjectName::default();
/// name.set(b"dma");
/// assert_eq!(&name.get()[..4], b"dma\0");
/// ```
#[derive(Debug, Default)]
pub struct ObjectName(Mutex<[u8; zx::ZX_MAX_NAME_LEN]>);

impl ObjectName {
    /// The name, NUL-padded to 32 bytes.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::ObjectName::default().get(), [0; 32]);
    /// ```
    pub fn get(&self) -> [u8; zx::ZX_MAX_NAME_LEN] {
        *self.0.lock()
    }

    /// Sets the name: up to the first NUL, at most 31 bytes.
    ///
    /// ```
    /// let name = zx_syscalls::object::ObjectName::default();
    /// name.set(&[b'x'; 40]);
    /// assert_eq!(name.get()[31], 0);
    /// ```
    pub fn set(&self, name: &[u8]) {
        let len =
            name.iter().position(|&b| b == 0).unwrap_or(name.len()).min(zx::ZX_MAX_NAME_LEN - 1);
        let mut stored = [0; zx::ZX_MAX_NAME_LEN];
        stored[..len].copy_from_slice(&name[..len]);
        *self.0.lock() = stored;
    }
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
    /// `ZX_PROP_NAME`.
    pub name: ObjectName,
}

impl EventObject {
    /// A new event with nothing asserted.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::EventObject::new(7).koid, 7);
    /// ```
    pub fn new(koid: zx_koid_t) -> EventObject {
        EventObject { koid, signals: Signals::new(0), name: ObjectName::default() }
    }
}

/// A process as a handle names it (`zx_process_self`): its koid, signals (none asserted: a
/// process that can still make calls has not terminated; the user signals may be set) and
/// name. It holds no reference to the process, so the handle a process holds to itself does
/// not keep it alive.
///
/// ```
/// let p = zx_syscalls::object::ProcessObject::new(1025);
/// assert_eq!((p.koid, p.signals.get()), (1025, 0));
/// ```
#[derive(Debug)]
pub struct ProcessObject {
    /// The process's koid.
    pub koid: zx_koid_t,
    /// The user signals (`ZX_PROCESS_TERMINATED` is never seen by the process itself).
    pub signals: Signals,
    /// `ZX_PROP_NAME`.
    pub name: ObjectName,
    /// The process's address space (weakly: the handle does not keep it alive).
    pub aspace: Weak<AddressSpace>,
    /// The process itself, weakly (for `process_for_handle`).
    pub process: Weak<crate::core::ProcessCore>,
    /// Set for a handle made by `process_create`: a handle held by another process keeps the
    /// process alive (its own `process_self` handle does not).
    pub keep_alive: Option<Arc<crate::core::ProcessCore>>,
}

impl ProcessObject {
    /// The object of the process `koid`, with no address space.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::ProcessObject::new(7).koid, 7);
    /// ```
    pub fn new(koid: zx_koid_t) -> ProcessObject {
        ProcessObject::for_aspace(koid, Weak::new())
    }

    /// The object of the process `koid`, whose address space is `aspace`.
    ///
    /// ```
    /// let p = zx_syscalls::object::ProcessObject::for_aspace(7, Default::default());
    /// assert!(p.aspace.upgrade().is_none());
    /// ```
    pub fn for_aspace(koid: zx_koid_t, aspace: Weak<AddressSpace>) -> ProcessObject {
        ProcessObject {
            koid,
            signals: Signals::new(0),
            name: ObjectName::default(),
            aspace,
            process: Weak::new(),
            keep_alive: None,
        }
    }
}

/// A job (only the kernel's one job exists; `job_default` names it, `process_create` needs it).
///
/// ```
/// let job = zx_syscalls::object::JobObject::new(1024);
/// assert_eq!(job.koid, 1024);
/// ```
#[derive(Debug)]
pub struct JobObject {
    /// The job's koid.
    pub koid: zx_koid_t,
    /// `ZX_PROP_NAME`.
    pub name: ObjectName,
}

impl JobObject {
    /// A job without a name.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::JobObject::new(3).koid, 3);
    /// ```
    pub fn new(koid: zx_koid_t) -> JobObject {
        JobObject { koid, name: ObjectName::default() }
    }
}

/// How many user packets one port holds at most (`port_queue` answers SHOULD_WAIT beyond).
pub const MAX_USER_PACKETS: usize = zx_vm::MAX_USER_PACKETS;

/// A port: a FIFO of packets that `port_queue` and pagers fill and `port_wait` drains (the
/// queue itself is the VM layer's [`zx_vm::Port`], since pager-backed VMOs queue to it).
///
/// ```
/// use zx_syscalls::object::PortObject;
/// let port = PortObject::new(9);
/// port.queue_user(Default::default()).unwrap();
/// assert!(port.take(Some(std::time::Duration::ZERO)).is_some());
/// ```
#[derive(Debug)]
pub struct PortObject {
    /// The port's koid.
    pub koid: zx_koid_t,
    /// `ZX_PROP_NAME`.
    pub name: ObjectName,
    /// The packet queue.
    pub queue: Arc<zx_vm::Port>,
}

impl PortObject {
    /// An empty port.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::PortObject::new(3).koid, 3);
    /// ```
    pub fn new(koid: zx_koid_t) -> PortObject {
        PortObject { koid, name: ObjectName::default(), queue: Arc::new(zx_vm::Port::new()) }
    }

    /// Queues a copy of `packet` as a user packet (`type_ = ZX_PKT_TYPE_USER`); `SHOULD_WAIT`
    /// when [`MAX_USER_PACKETS`] are queued already. A port without handles takes nothing and
    /// says nothing (no caller can reach it through a handle then).
    ///
    /// ```
    /// let port = zx_syscalls::object::PortObject::new(3);
    /// let packet = zx_syscalls::zx::zx_port_packet_t { key: 7, type_: 99, ..Default::default() };
    /// port.queue_user(packet).unwrap();
    /// assert_eq!(port.take(None).map(|p| (p.key, p.type_)), Some((7, 0)));
    /// ```
    pub fn queue_user(&self, packet: zx::zx_port_packet_t) -> Result<(), Status> {
        let packet = zx_vm::PortPacket {
            key: packet.key,
            type_: packet.type_,
            status: packet.status,
            payload: packet.union_,
        };
        self.queue.queue_user(packet).map_err(|_| Status::SHOULD_WAIT)
    }

    /// Takes the oldest packet, waiting up to `timeout` (`None`: for ever) for one; `None` at
    /// the deadline.
    ///
    /// ```
    /// let port = zx_syscalls::object::PortObject::new(3);
    /// assert!(port.take(Some(std::time::Duration::from_millis(1))).is_none());
    /// ```
    pub fn take(&self, timeout: Option<Duration>) -> Option<zx::zx_port_packet_t> {
        self.queue.take(timeout).map(|p| zx::zx_port_packet_t {
            key: p.key,
            type_: p.type_,
            status: p.status,
            union_: p.payload,
        })
    }

    /// The port's last handle went: its packets are dropped and nothing is queued again.
    fn close(&self) {
        self.queue.close();
    }
}

/// What a handle table holds for a port: the port itself, closed when the table lets go of it
/// (a process's last handle to it; handles do not move between processes). A `port_wait` in
/// progress holds the port, not this, so it waits out its deadline on a closed port.
///
/// ```
/// use zx_syscalls::object::{PortHandles, PortObject};
/// use zx_vm::sync::Arc;
/// let port = Arc::new(PortObject::new(3));
/// drop(PortHandles::new(port.clone()));
/// port.queue_user(Default::default()).unwrap(); // taken and dropped: the port is closed
/// assert!(port.take(Some(std::time::Duration::ZERO)).is_none());
/// ```
#[derive(Debug)]
pub struct PortHandles {
    /// The port.
    pub port: Arc<PortObject>,
}

impl PortHandles {
    /// Holds `port` for a handle table.
    pub fn new(port: Arc<PortObject>) -> PortHandles {
        PortHandles { port }
    }
}

impl Drop for PortHandles {
    fn drop(&mut self) {
        self.port.close();
    }
}

/// A pager: the object that serves pager-backed VMOs.
///
/// Invariant: `serving` lists (weakly) the page source of every VMO made by this pager; once
/// `dead` is set (its last handle went) nothing joins it, and every source it served has been
/// detached as by pager death.
///
/// ```
/// let pager = zx_syscalls::object::PagerObject::new(4);
/// assert_eq!(pager.koid, 4);
/// ```
#[derive(Debug)]
pub struct PagerObject {
    /// The pager's koid.
    pub koid: zx_koid_t,
    /// `ZX_PROP_NAME`.
    pub name: ObjectName,
    serving: Mutex<PagerServing>,
}

#[derive(Debug, Default)]
struct PagerServing {
    sources: Vec<Weak<zx_vm::PageSource>>,
    dead: bool,
}

impl PagerObject {
    /// A pager serving nothing yet.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::PagerObject::new(4).koid, 4);
    /// ```
    pub fn new(koid: zx_koid_t) -> PagerObject {
        PagerObject { koid, name: ObjectName::default(), serving: Mutex::default() }
    }

    /// Runs `make` (which creates a VMO served by this pager) unless the pager is dying, and
    /// records the new VMO's source; `BAD_STATE` if the pager's last handle went.
    pub(crate) fn attach(
        &self,
        make: impl FnOnce() -> Result<Arc<zx_vm::Vmo>, Status>,
    ) -> Result<Arc<zx_vm::Vmo>, Status> {
        let mut serving = self.serving.lock();
        if serving.dead {
            return Err(Status::BAD_STATE);
        }
        let vmo = make()?;
        serving.sources.retain(|source| source.strong_count() > 0);
        if let Some(source) = vmo.page_source() {
            serving.sources.push(Arc::downgrade(source));
        }
        Ok(vmo)
    }

    /// The pager's last handle went: every VMO it serves is detached, dropping no page.
    fn die(&self) {
        let sources = {
            let mut serving = self.serving.lock();
            serving.dead = true;
            std::mem::take(&mut serving.sources)
        };
        for source in sources.iter().filter_map(Weak::upgrade) {
            source.pager_died();
        }
    }
}

/// What a handle table holds for a pager: the pager dies when the last one goes.
///
/// ```
/// use zx_syscalls::object::{PagerHandles, PagerObject};
/// use zx_vm::sync::Arc;
/// drop(PagerHandles::new(Arc::new(PagerObject::new(3))));
/// ```
#[derive(Debug)]
pub struct PagerHandles {
    /// The pager.
    pub pager: Arc<PagerObject>,
}

impl PagerHandles {
    /// Holds `pager` for a handle table.
    pub fn new(pager: Arc<PagerObject>) -> PagerHandles {
        PagerHandles { pager }
    }
}

impl Drop for PagerHandles {
    fn drop(&mut self) {
        self.pager.die();
    }
}

/// A resource: the authority to reach privileged calls (only the root resource exists).
///
/// ```
/// let r = zx_syscalls::object::ResourceObject::new(3);
/// assert_eq!(r.koid, 3);
/// ```
#[derive(Debug)]
pub struct ResourceObject {
    /// The resource's koid.
    pub koid: zx_koid_t,
    /// `ZX_PROP_NAME`.
    pub name: ObjectName,
}

impl ResourceObject {
    /// A resource without a name.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::ResourceObject::new(3).koid, 3);
    /// ```
    pub fn new(koid: zx_koid_t) -> ResourceObject {
        ResourceObject { koid, name: ObjectName::default() }
    }
}

/// An IOMMU (only the dummy kind: device addresses are physical addresses).
///
/// ```
/// let iommu = zx_syscalls::object::IommuObject::new(9);
/// assert_eq!(iommu.koid, 9);
/// ```
#[derive(Debug)]
pub struct IommuObject {
    /// The IOMMU's koid.
    pub koid: zx_koid_t,
    /// `ZX_PROP_NAME`.
    pub name: ObjectName,
}

impl IommuObject {
    /// An IOMMU without a name.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::IommuObject::new(9).koid, 9);
    /// ```
    pub fn new(koid: zx_koid_t) -> IommuObject {
        IommuObject { koid, name: ObjectName::default() }
    }
}

/// Pins held on a range of a VMO; dropping it releases them (RAII).
///
/// Invariant: while it lives, every page of `[offset, offset + len)` of `vmo` holds one pin
/// from it, and it keeps the VMO object alive (a pinned child still counts as a child).
#[derive(Debug)]
pub struct PinnedRange {
    vmo: Arc<VmoObject>,
    offset: u64,
    len: u64,
}

impl PinnedRange {
    /// Pins `[offset, offset + len)` of `vmo` (`writable`: for a device that writes, which
    /// dirties a pager VMO's pages), returning the pins and the pages' physical addresses.
    ///
    /// ```no_run
    /// # fn demo(vmo: zx_vm::sync::Arc<zx_syscalls::object::VmoObject>) {
    /// let (pins, addrs) = zx_syscalls::object::PinnedRange::pin(vmo, 0, 4096, false).unwrap();
    /// drop(pins); // unpinned
    /// # }
    /// ```
    pub fn pin(
        vmo: Arc<VmoObject>,
        offset: u64,
        len: u64,
        writable: bool,
    ) -> Result<(PinnedRange, Vec<u64>), zx_vm::VmError> {
        let addresses = vmo.vmo.pin_for(offset, len, writable)?;
        Ok((PinnedRange { vmo, offset, len }, addresses))
    }
}

impl Drop for PinnedRange {
    fn drop(&mut self) {
        self.vmo.vmo.unpin(self.offset, self.len);
    }
}

#[derive(Debug, Default)]
struct BtiState {
    live_pmts: u64,
    quarantine: Vec<PinnedRange>,
}

/// A bus transaction initiator: pins memory for a device.
///
/// Invariant: `live_pmts` counts the PMTs whose pins are held and not quarantined; the
/// quarantine holds the pins of PMTs closed without `pmt_unpin`, until released. As in
/// Zircon, `pmo_count` reports both (a quarantined PMT is still pinned memory).
///
/// ```
/// let bti = zx_syscalls::object::BtiObject::new(10, 0);
/// assert_eq!(bti.counts(), (0, 0));
/// ```
#[derive(Debug)]
pub struct BtiObject {
    /// The BTI's koid.
    pub koid: zx_koid_t,
    /// The id given at creation.
    pub bti_id: u64,
    /// `ZX_PROP_NAME`.
    pub name: ObjectName,
    state: Mutex<BtiState>,
}

impl BtiObject {
    /// A BTI with nothing pinned.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::BtiObject::new(1, 2).bti_id, 2);
    /// ```
    pub fn new(koid: zx_koid_t, bti_id: u64) -> BtiObject {
        BtiObject {
            koid,
            bti_id,
            name: ObjectName::default(),
            state: Mutex::new(BtiState::default()),
        }
    }

    /// `(pmo_count, quarantine_count)`: pinned PMTs (quarantined ones included), and the
    /// quarantined ones.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::object::BtiObject::new(1, 2).counts(), (0, 0));
    /// ```
    pub fn counts(&self) -> (u64, u64) {
        let state = self.state.lock();
        let quarantined = state.quarantine.len() as u64;
        (state.live_pmts + quarantined, quarantined)
    }

    /// Releases every quarantined pin.
    ///
    /// ```
    /// zx_syscalls::object::BtiObject::new(1, 2).release_quarantine();
    /// ```
    pub fn release_quarantine(&self) {
        let released = std::mem::take(&mut self.state.lock().quarantine);
        drop(released); // unpins, outside the BTI's lock
    }
}

/// A pinned memory token: the pins one `bti_pin` took.
///
/// ```no_run
/// # fn demo(pmt: &zx_syscalls::object::PmtObject) {
/// pmt.unpin();
/// # }
/// ```
#[derive(Debug)]
pub struct PmtObject {
    /// The PMT's koid.
    pub koid: zx_koid_t,
    /// `ZX_PROP_NAME`.
    pub name: ObjectName,
    bti: Arc<BtiObject>,
    pins: Mutex<Option<PinnedRange>>,
}

impl PmtObject {
    /// A PMT holding `pins` for `bti`.
    ///
    /// ```no_run
    /// # fn demo(bti: zx_vm::sync::Arc<zx_syscalls::object::BtiObject>, pins: zx_syscalls::object::PinnedRange) {
    /// let pmt = zx_syscalls::object::PmtObject::new(5, bti, pins);
    /// # }
    /// ```
    pub fn new(koid: zx_koid_t, bti: Arc<BtiObject>, pins: PinnedRange) -> PmtObject {
        bti.state.lock().live_pmts += 1;
        PmtObject { koid, name: ObjectName::default(), bti, pins: Mutex::new(Some(pins)) }
    }

    /// Releases the pins (`pmt_unpin`); a second call does nothing.
    ///
    /// ```no_run
    /// # fn demo(pmt: &zx_syscalls::object::PmtObject) {
    /// pmt.unpin();
    /// # }
    /// ```
    pub fn unpin(&self) {
        let pins = self.pins.lock().take();
        if pins.is_some() {
            let mut state = self.bti.state.lock();
            state.live_pmts = state.live_pmts.saturating_sub(1);
        }
        drop(pins);
    }
}

impl Drop for PmtObject {
    fn drop(&mut self) {
        // Closed without pmt_unpin: the pages stay pinned in the BTI's quarantine.
        if let Some(pins) = self.pins.lock().take() {
            let mut state = self.bti.state.lock();
            state.live_pmts = state.live_pmts.saturating_sub(1);
            state.quarantine.push(pins);
        }
    }
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
    /// `ZX_OBJ_TYPE_IOMMU`.
    Iommu(Arc<IommuObject>),
    /// `ZX_OBJ_TYPE_BTI`.
    Bti(Arc<BtiObject>),
    /// `ZX_OBJ_TYPE_PMT`.
    Pmt(Arc<PmtObject>),
    /// `ZX_OBJ_TYPE_PROCESS`.
    Process(Arc<ProcessObject>),
    /// `ZX_OBJ_TYPE_PORT`.
    Port(Arc<PortHandles>),
    /// `ZX_OBJ_TYPE_PAGER`.
    Pager(Arc<PagerHandles>),
    /// `ZX_OBJ_TYPE_VMAR`.
    Vmar(Arc<VmarObject>),
    /// `ZX_OBJ_TYPE_JOB`.
    Job(Arc<JobObject>),
}

impl ObjectKind for KernelObject {
    fn object_type(&self) -> u32 {
        match self {
            KernelObject::Vmo(_) => zx::ZX_OBJ_TYPE_VMO,
            KernelObject::Event(_) => zx::ZX_OBJ_TYPE_EVENT,
            KernelObject::Resource(_) => zx::ZX_OBJ_TYPE_RESOURCE,
            KernelObject::Iommu(_) => zx::ZX_OBJ_TYPE_IOMMU,
            KernelObject::Bti(_) => zx::ZX_OBJ_TYPE_BTI,
            KernelObject::Pmt(_) => zx::ZX_OBJ_TYPE_PMT,
            KernelObject::Process(_) => zx::ZX_OBJ_TYPE_PROCESS,
            KernelObject::Vmar(_) => zx::ZX_OBJ_TYPE_VMAR,
            KernelObject::Job(_) => zx::ZX_OBJ_TYPE_JOB,
            KernelObject::Port(_) => zx::ZX_OBJ_TYPE_PORT,
            KernelObject::Pager(_) => zx::ZX_OBJ_TYPE_PAGER,
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
            KernelObject::Iommu(i) => i.koid,
            KernelObject::Bti(b) => b.koid,
            KernelObject::Pmt(p) => p.koid,
            KernelObject::Process(p) => p.koid,
            KernelObject::Vmar(v) => v.koid,
            KernelObject::Job(j) => j.koid,
            KernelObject::Port(p) => p.port.koid,
            KernelObject::Pager(p) => p.pager.koid,
        }
    }

    /// The object's `ZX_PROP_NAME`, NUL-padded (every kind of object here can be named).
    ///
    /// ```
    /// use zx_syscalls::object::{EventObject, KernelObject};
    /// use zx_vm::sync::Arc;
    /// let e = KernelObject::Event(Arc::new(EventObject::new(5)));
    /// e.set_name(b"ready");
    /// assert_eq!(&e.name()[..6], b"ready\0");
    /// ```
    pub fn name(&self) -> [u8; zx::ZX_MAX_NAME_LEN] {
        match self {
            KernelObject::Vmo(v) => v.vmo.name(),
            KernelObject::Event(e) => e.name.get(),
            KernelObject::Resource(r) => r.name.get(),
            KernelObject::Iommu(i) => i.name.get(),
            KernelObject::Bti(b) => b.name.get(),
            KernelObject::Pmt(p) => p.name.get(),
            KernelObject::Process(p) => p.name.get(),
            KernelObject::Vmar(v) => v.name.get(),
            KernelObject::Job(j) => j.name.get(),
            KernelObject::Port(p) => p.port.name.get(),
            KernelObject::Pager(p) => p.pager.name.get(),
        }
    }

    /// Sets the object's `ZX_PROP_NAME` (truncated to 31 bytes).
    ///
    /// ```
    /// use zx_syscalls::object::{IommuObject, KernelObject};
    /// use zx_vm::sync::Arc;
    /// let i = KernelObject::Iommu(Arc::new(IommuObject::new(5)));
    /// i.set_name(b"iommu");
    /// assert_eq!(&i.name()[..5], b"iommu");
    /// ```
    pub fn set_name(&self, name: &[u8]) {
        match self {
            KernelObject::Vmo(v) => v.vmo.set_name(name),
            KernelObject::Event(e) => e.name.set(name),
            KernelObject::Resource(r) => r.name.set(name),
            KernelObject::Iommu(i) => i.name.set(name),
            KernelObject::Bti(b) => b.name.set(name),
            KernelObject::Pmt(p) => p.name.set(name),
            KernelObject::Process(p) => p.name.set(name),
            KernelObject::Vmar(v) => v.name.set(name),
            KernelObject::Job(j) => j.name.set(name),
            KernelObject::Port(p) => p.port.name.set(name),
            KernelObject::Pager(p) => p.pager.name.set(name),
        }
    }

    /// The object's signals, if it has any.
    ///
    /// ```
    /// use zx_syscalls::object::{KernelObject, ResourceObject};
    /// use zx_vm::sync::Arc;
    /// assert!(KernelObject::Resource(Arc::new(ResourceObject::new(1))).signals().is_none());
    /// ```
    pub fn signals(&self) -> Option<&Signals> {
        match self {
            KernelObject::Vmo(v) => Some(&v.signals),
            KernelObject::Event(e) => Some(&e.signals),
            KernelObject::Process(p) => Some(&p.signals),
            KernelObject::Resource(_)
            | KernelObject::Iommu(_)
            | KernelObject::Bti(_)
            | KernelObject::Pmt(_)
            | KernelObject::Port(_)
            | KernelObject::Pager(_)
            | KernelObject::Vmar(_)
            | KernelObject::Job(_) => None,
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
            KernelObject::Vmo(_) | KernelObject::Process(_) => zx::ZX_USER_SIGNAL_ALL,
            KernelObject::Resource(_)
            | KernelObject::Iommu(_)
            | KernelObject::Bti(_)
            | KernelObject::Pmt(_)
            | KernelObject::Port(_)
            | KernelObject::Pager(_)
            | KernelObject::Vmar(_)
            | KernelObject::Job(_) => 0,
        }
    }
}
