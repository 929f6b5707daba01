//! Ports: the FIFO of packets that `port_queue` and pagers fill and `port_wait` drains.
//!
//! The queue lives in the VM layer because pager-backed VMOs send their page requests to a
//! port ([`crate::pager`]): a pager packet stays tied to the request it reports, so a
//! request that completes before anyone takes its packet can withdraw it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::pager::PageSource;
use crate::sync::{self, Arc, AtomicUsize, Condvar, Mutex, MutexGuard, Ordering};

/// How many user packets one port holds at most (`port_queue` answers SHOULD_WAIT beyond).
///
/// ```
/// assert_eq!(zx_vm::MAX_USER_PACKETS, 4096);
/// ```
pub const MAX_USER_PACKETS: usize = 4096;

/// `zx_port_packet_t` as the VM layer sees it: a key, a type, a status and 32 payload bytes.
///
/// ```
/// let packet = zx_vm::PortPacket { key: 1, ..Default::default() };
/// assert_eq!(packet.payload, [0; 32]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortPacket {
    /// The key the sender chose.
    pub key: u64,
    /// `ZX_PKT_TYPE_*`.
    pub type_: u32,
    /// The status the sender put in.
    pub status: i32,
    /// The payload union's bytes.
    pub payload: [u8; 32],
}

/// `ZX_PKT_TYPE_USER`.
const PKT_TYPE_USER: u32 = 0;

/// One queued packet, and what it speaks for.
#[derive(Debug)]
struct Queued {
    packet: PortPacket,
    from: From,
}

/// Who queued a packet.
#[derive(Debug)]
enum From {
    /// `port_queue`.
    User,
    /// A page request of `source`, with the token it is withdrawn by.
    Request(Arc<PageSource>, u64),
    /// The COMPLETE packet of the source with this id.
    Complete(u64),
}

/// Invariants: `user_packets` counts the user packets in `packets`; once `closed`, `packets`
/// is empty and nothing is queued again; the port's `queued` hint equals `packets.len()`
/// whenever the lock is free; `sleepers` counts the takers waiting on the condition variable.
#[derive(Debug, Default)]
struct PortQueue {
    packets: VecDeque<Queued>,
    user_packets: usize,
    closed: bool,
    /// Takers asleep on `arrived` (a push with none skips the wake-up system call).
    sleepers: usize,
}

/// A port's packet queue: one FIFO, each packet to one waiter.
///
/// Lock order: a page source's lock may be held while `queue` is taken (a request queues its
/// packet); `queue` is never held while a page source's lock is taken (a taken pager packet
/// is reported to its source after `queue` is released). Waiters sleep on `arrived` with
/// `queue` released.
///
/// ```
/// let port = zx_vm::Port::new();
/// port.queue_user(zx_vm::PortPacket { key: 3, ..Default::default() }).unwrap();
/// assert_eq!(port.take(Some(std::time::Duration::ZERO)).unwrap().key, 3);
/// ```
#[derive(Debug, Default)]
pub struct Port {
    queue: Mutex<PortQueue>,
    arrived: Condvar,
    /// How many packets are queued, mirrored for a waiter's short spin before it sleeps (a
    /// hint only: the queue under its lock decides).
    queued: AtomicUsize,
}

/// `port_queue` found [`MAX_USER_PACKETS`] user packets queued already.
///
/// ```
/// let port = zx_vm::Port::new();
/// for _ in 0..zx_vm::MAX_USER_PACKETS {
///     port.queue_user(Default::default()).unwrap();
/// }
/// assert_eq!(port.queue_user(Default::default()), Err(zx_vm::PortFull));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortFull;

impl Port {
    /// An empty, open port.
    ///
    /// ```
    /// assert!(zx_vm::Port::new().take(Some(std::time::Duration::ZERO)).is_none());
    /// ```
    pub fn new() -> Port {
        Port::default()
    }

    /// Queues a copy of `packet` as a user packet (`type_ = ZX_PKT_TYPE_USER`). A closed port
    /// takes it and drops it.
    ///
    /// ```
    /// let port = zx_vm::Port::new();
    /// port.queue_user(zx_vm::PortPacket { type_: 99, ..Default::default() }).unwrap();
    /// assert_eq!(port.take(None).unwrap().type_, 0);
    /// ```
    pub fn queue_user(&self, packet: PortPacket) -> Result<(), PortFull> {
        let mut queue = self.queue.lock();
        if queue.closed {
            return Ok(());
        }
        if queue.user_packets >= MAX_USER_PACKETS {
            return Err(PortFull);
        }
        queue.user_packets += 1;
        let packet = PortPacket { type_: PKT_TYPE_USER, ..packet };
        queue.packets.push_back(Queued { packet, from: From::User });
        self.queued.store(queue.packets.len(), Ordering::Release);
        self.wake_takers(queue);
        Ok(())
    }

    /// Queues the packet of a page request of `source`, identified by `token` so it can be
    /// withdrawn. False when the port is closed (nothing was queued).
    pub(crate) fn queue_request(
        &self,
        packet: PortPacket,
        source: Arc<PageSource>,
        token: u64,
    ) -> bool {
        self.push(Queued { packet, from: From::Request(source, token) })
    }

    /// Queues the COMPLETE packet of the source with id `source_id`.
    pub(crate) fn queue_complete(&self, packet: PortPacket, source_id: u64) -> bool {
        self.push(Queued { packet, from: From::Complete(source_id) })
    }

    fn push(&self, queued: Queued) -> bool {
        let mut queue = self.queue.lock();
        if queue.closed {
            return false;
        }
        queue.packets.push_back(queued);
        self.queued.store(queue.packets.len(), Ordering::Release);
        self.wake_takers(queue);
        true
    }

    /// Wakes the takers asleep on the queue, if any (decided under its lock, which sleepers
    /// hold when they count themselves in, so none is missed).
    fn wake_takers(&self, queue: MutexGuard<'_, PortQueue>) {
        let sleepers = queue.sleepers > 0;
        drop(queue);
        if sleepers {
            self.arrived.notify_all();
        }
    }

    /// Removes the queued request packet of `source` with `token`; false if it is not queued
    /// (it was taken, or the port closed).
    pub(crate) fn withdraw_request(&self, source: &PageSource, token: u64) -> bool {
        self.remove_first(
            |from| matches!(from, From::Request(s, t) if std::ptr::eq(&**s, source) && *t == token),
        )
    }

    /// Removes the queued COMPLETE packet of the source with id `source_id`, if any.
    pub(crate) fn withdraw_complete(&self, source_id: u64) -> bool {
        self.remove_first(|from| matches!(from, From::Complete(id) if *id == source_id))
    }

    fn remove_first(&self, matches: impl Fn(&From) -> bool) -> bool {
        let mut queue = self.queue.lock();
        let position = queue.packets.iter().position(|queued| matches(&queued.from));
        let removed = position.and_then(|at| queue.packets.remove(at)).is_some();
        self.queued.store(queue.packets.len(), Ordering::Release);
        removed
    }

    /// Takes the oldest packet, waiting up to `timeout` (`None`: for ever) for one; `None` at
    /// the deadline. A deadline already past still takes a queued packet.
    ///
    /// ```
    /// let port = zx_vm::Port::new();
    /// assert!(port.take(Some(std::time::Duration::from_millis(1))).is_none());
    /// ```
    pub fn take(&self, timeout: Option<Duration>) -> Option<PortPacket> {
        // A deadline too far to represent is no deadline.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        if timeout != Some(Duration::ZERO) {
            // A packet that arrives at once is met spinning, without a sleep and a wake-up.
            sync::spin_until(|| self.queued.load(Ordering::Acquire) > 0);
        }
        let mut queue = self.queue.lock();
        let taken = loop {
            if let Some(queued) = queue.packets.pop_front() {
                self.queued.store(queue.packets.len(), Ordering::Release);
                if matches!(queued.from, From::User) {
                    queue.user_packets -= 1;
                }
                break queued;
            }
            let now = Instant::now();
            if deadline.is_some_and(|deadline| now >= deadline) {
                return None;
            }
            queue.sleepers += 1;
            queue = match deadline {
                None => self.arrived.wait(queue),
                Some(deadline) => self.arrived.wait_timeout(queue, deadline - now).0,
            };
            queue.sleepers -= 1;
        };
        drop(queue);
        if let From::Request(source, token) = taken.from {
            // Lock order: the port's queue is released before the source's lock.
            source.packet_taken(token);
        }
        Some(taken.packet)
    }

    /// The port's last handle went: its packets are dropped and nothing is queued again.
    /// Pager packets dropped here stay taken in their sources' eyes (nobody can read them).
    ///
    /// ```
    /// let port = zx_vm::Port::new();
    /// port.close();
    /// port.queue_user(Default::default()).unwrap();
    /// assert!(port.take(Some(std::time::Duration::ZERO)).is_none());
    /// ```
    pub fn close(&self) {
        let mut queue = self.queue.lock();
        queue.closed = true;
        queue.packets.clear();
        queue.user_packets = 0;
        self.queued.store(0, Ordering::Release);
    }
}
