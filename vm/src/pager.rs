//! Page sources: how a pager-backed VMO asks its user pager for pages, and how a call waits
//! for the answer without holding a lock.
//!
//! Every pager-backed VMO (the *root* R of its tree) has one [`PageSource`]. An operation
//! that meets a slot of R it cannot use yet (an absent page to read, a page to dirty under
//! `TRAP_DIRTY`) registers a [`Waiter`] on a *request* for a page range of R, drops every
//! lock and sleeps; whoever changes those pages (supply, `OP_DIRTY`, fail, detach, shrink,
//! zero) resolves the requests under the tree's lock and wakes the waiters they decide. The
//! woken call takes the lock again and redoes its lookups, so nothing it saw before it slept
//! is trusted.
//!
//! Invariants of a source's state (under `state`):
//! - requests of one kind never overlap, and each covers at least one page;
//! - each request's packet is in exactly one place: the `backlog`, the port (`in_port` names
//!   it), or taken by a `port_wait`; at most one packet of the source is in the port;
//! - a waiter is registered in at most one request, and `Waiter::registered` says which;
//! - a request with no waiters does not exist (it is dropped and its packet withdrawn).
//!
//! Lock order: hierarchy -> source state -> (port queue | a waiter's state). A waiter sleeps
//! with no lock held but its own.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::error::VmError;
use crate::port::{Port, PortPacket};
use crate::sync::{self, Arc, AtomicBool, AtomicUsize, Condvar, Mutex, Ordering};

/// `ZX_PKT_TYPE_PAGE_REQUEST`.
const PKT_TYPE_PAGE_REQUEST: u32 = 9;
/// `ZX_PAGER_VMO_READ`, `ZX_PAGER_VMO_COMPLETE`, `ZX_PAGER_VMO_DIRTY`.
const COMMAND_READ: u16 = 0;
const COMMAND_COMPLETE: u16 = 1;
const COMMAND_DIRTY: u16 = 2;
const PAGE: u64 = crate::PAGE_SIZE as u64;

/// What a request asks the pager for.
///
/// ```
/// assert_ne!(zx_vm::RequestKind::Read, zx_vm::RequestKind::Dirty);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// Supply absent pages (`ZX_PAGER_VMO_READ`).
    Read,
    /// Let pages become Dirty (`ZX_PAGER_VMO_DIRTY`, `TRAP_DIRTY` VMOs only).
    Dirty,
}

impl RequestKind {
    fn slot(self) -> usize {
        match self {
            RequestKind::Read => 0,
            RequestKind::Dirty => 1,
        }
    }

    fn command(self) -> u16 {
        match self {
            RequestKind::Read => COMMAND_READ,
            RequestKind::Dirty => COMMAND_DIRTY,
        }
    }
}

/// The pages an operation needs from the pager before it can go on: `[start, end)` in the
/// root's page indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Need {
    pub(crate) kind: RequestKind,
    pub(crate) start: u64,
    pub(crate) end: u64,
    /// A `vmo_read`: woken early when its next page lands, and failed at once when its next
    /// page fails.
    pub(crate) reads: bool,
}

/// How a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Look again; with a status, the call fails with it.
    Woken(Option<VmError>),
    /// The pager did not answer in time; the waiter has left its request.
    TimedOut,
}

/// A call blocked on a request. Its state is changed only with the source's lock held, and
/// read by the sleeper under its own lock.
#[derive(Debug, Default)]
pub(crate) struct Waiter {
    state: Mutex<WaiterState>,
    wake: Condvar,
    /// `state.woken`, mirrored for the sleeper's short spin before it sleeps (a hint only: the
    /// state under the lock decides).
    woken_hint: AtomicBool,
}

#[derive(Debug, Default)]
struct WaiterState {
    woken: bool,
    /// The sleeper is on the condition variable (a wake with none skips the system call).
    sleeping: bool,
    status: Option<VmError>,
    /// The request it is registered in: its kind and start.
    registered: Option<(RequestKind, u64)>,
}

impl Waiter {
    fn set(&self, f: impl FnOnce(&mut WaiterState)) {
        let mut state = self.state.lock();
        f(&mut state);
        // Release: a sleeper that sees the hint then takes the lock and reads the state.
        self.woken_hint.store(state.woken, Ordering::Release);
        let sleeping = state.sleeping;
        drop(state);
        if sleeping {
            self.wake.notify_all();
        }
    }

    fn registered(&self) -> Option<(RequestKind, u64)> {
        self.state.lock().registered
    }
}

/// Where a request's packet is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PacketAt {
    Backlog,
    Port,
    Taken,
}

#[derive(Debug)]
struct Registration {
    waiter: Arc<Waiter>,
    /// The first page (root index) the waiter waits for.
    first: u64,
    reads: bool,
}

#[derive(Debug)]
struct Request {
    token: u64,
    start: u64,
    end: u64,
    /// One bit per page: counted (present, Dirty or failed).
    counted: Vec<u64>,
    remaining: u64,
    waiters: Vec<Registration>,
    packet: PacketAt,
}

impl Request {
    fn is_counted(&self, page: u64) -> bool {
        let bit = page - self.start;
        self.counted[(bit / 64) as usize] & (1u64 << (bit % 64)) != 0
    }

    fn count(&mut self, page: u64) -> bool {
        let bit = page - self.start;
        let (word, mask) = ((bit / 64) as usize, 1u64 << (bit % 64));
        if self.counted[word] & mask != 0 {
            return false;
        }
        self.counted[word] |= mask;
        self.remaining -= 1;
        true
    }
}

#[derive(Debug, Default)]
struct SourceState {
    /// Detached, or the pager is gone: requests fail at once.
    detached: bool,
    pager_dead: bool,
    /// Outstanding requests by kind, keyed by start page.
    requests: [BTreeMap<u64, Request>; 2],
    /// Packets that wait for the source's packet in the port to be taken, by request token.
    backlog: VecDeque<(RequestKind, u64, u64)>,
    /// The token of the source's packet in the port, if one is there.
    in_port: Option<u64>,
    next_token: u64,
    complete_sent: bool,
}

/// The link between a pager-backed VMO and its pager: where its requests go, and the
/// requests outstanding.
///
/// ```no_run
/// // Made by `Vm::create_pager_vmo`; see there.
/// ```
#[derive(Debug)]
pub struct PageSource {
    /// A unique id (the root VMO's koid).
    id: u64,
    key: u64,
    port: Arc<Port>,
    /// The pager object's id.
    pager: u64,
    state: Mutex<SourceState>,
    /// Outstanding requests, mirrored out of `state` so that a resolve with nothing to
    /// resolve takes no lock. Requests are made only under the tree's lock, which every
    /// resolver holds exclusively, so a resolver never reads a stale zero.
    outstanding: AtomicUsize,
    /// `state.detached`, mirrored for the same reason (it only ever turns on).
    detached: AtomicBool,
}

impl PageSource {
    pub(crate) fn new(id: u64, pager: u64, port: Arc<Port>, key: u64) -> PageSource {
        PageSource {
            id,
            key,
            port,
            pager,
            state: Mutex::new(SourceState::default()),
            outstanding: AtomicUsize::new(0),
            detached: AtomicBool::new(false),
        }
    }

    /// The pager object this source belongs to.
    ///
    /// ```no_run
    /// # fn f(s: &zx_vm::PageSource) { let _ = s.pager(); }
    /// ```
    pub fn pager(&self) -> u64 {
        self.pager
    }

    /// Whether the VMO was detached (or its pager died).
    pub(crate) fn is_detached(&self) -> bool {
        // Acquire: pairs with the Release in `detach`, after which every request is gone.
        self.detached.load(Ordering::Acquire)
    }

    fn packet(&self, command: u16, start: u64, end: u64) -> PortPacket {
        let mut payload = [0u8; 32];
        payload[0..2].copy_from_slice(&command.to_le_bytes());
        payload[8..16].copy_from_slice(&(start * PAGE).to_le_bytes());
        payload[16..24].copy_from_slice(&((end - start) * PAGE).to_le_bytes());
        PortPacket { key: self.key, type_: PKT_TYPE_PAGE_REQUEST, status: 0, payload }
    }

    /// Registers `waiter` (a new one if `None`) for `need`: it joins the request covering
    /// `need.start`, or a new request is made (and its packet sent or queued behind the
    /// source's packet in the port). `BadState` when the VMO is detached; the waiter has then
    /// left any request it was in.
    pub(crate) fn register(
        self: &Arc<Self>,
        need: Need,
        waiter: Option<Arc<Waiter>>,
    ) -> Result<Arc<Waiter>, VmError> {
        let mut state = self.state.lock();
        let waiter = waiter.unwrap_or_default();
        let previous = waiter.registered();
        // A failure decided while the waiter was awake (after an early wake) still counts.
        let pending = waiter.state.lock().status;
        if let Some(status) = pending {
            if let Some(at) = previous {
                self.deregister(&mut state, &waiter, at);
            }
            return Err(status);
        }
        if state.detached {
            if let Some(at) = previous {
                self.deregister(&mut state, &waiter, at);
            }
            return Err(VmError::BadState);
        }
        let at = self.request_for(&mut state, need);
        let same = previous == Some((need.kind, at));
        if let (Some(old), false) = (previous, same) {
            self.deregister(&mut state, &waiter, old);
        }
        let request =
            state.requests[need.kind.slot()].get_mut(&at).expect("request_for made or found it");
        request.waiters.retain(|r| !Arc::ptr_eq(&r.waiter, &waiter));
        request.waiters.push(Registration {
            waiter: waiter.clone(),
            first: need.start,
            reads: need.reads,
        });
        waiter.set(|w| {
            w.woken = false;
            w.status = None;
            w.registered = Some((need.kind, at));
        });
        Ok(waiter)
    }

    /// The start of the request `need.start` joins, making it if needed (coalescing: a new
    /// request is cut where the next outstanding one of its kind begins).
    fn request_for(self: &Arc<Self>, state: &mut SourceState, need: Need) -> u64 {
        let requests = &state.requests[need.kind.slot()];
        if let Some((&start, request)) = requests.range(..=need.start).next_back() {
            if request.end > need.start {
                return start;
            }
        }
        let next_start = requests.range(need.start + 1..).next().map(|(&s, _)| s);
        let end = next_start.map_or(need.end, |s| need.end.min(s)).max(need.start + 1);
        let token = state.next_token;
        state.next_token += 1;
        let pages = end - need.start;
        let request = Request {
            token,
            start: need.start,
            end,
            counted: vec![0; pages.div_ceil(64) as usize],
            remaining: pages,
            waiters: Vec::new(),
            packet: PacketAt::Backlog,
        };
        state.requests[need.kind.slot()].insert(need.start, request);
        self.outstanding.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(source = self.id, kind = ?need.kind, start = need.start, end, "page request");
        state.backlog.push_back((need.kind, need.start, token));
        self.pump(state);
        need.start
    }

    /// Sends the oldest backlogged packet if the source has none in the port.
    fn pump(self: &Arc<Self>, state: &mut SourceState) {
        while state.in_port.is_none() {
            let Some((kind, start, token)) = state.backlog.pop_front() else { return };
            let Some(request) = state.requests[kind.slot()].get_mut(&start) else { continue };
            if request.token != token {
                continue;
            }
            let packet = self.packet(kind.command(), request.start, request.end);
            if self.port.queue_request(packet, self.clone(), token) {
                request.packet = PacketAt::Port;
                state.in_port = Some(token);
                tracing::debug!(source = self.id, token, "packet queued");
            } else {
                // The port has no handle left: nobody will read it.
                request.packet = PacketAt::Taken;
            }
        }
    }

    /// `port_wait` took the packet with `token`: the next one may go.
    pub(crate) fn packet_taken(self: &Arc<Self>, token: u64) {
        let mut state = self.state.lock();
        if state.in_port == Some(token) {
            state.in_port = None;
        }
        for requests in &mut state.requests {
            if let Some(request) = requests.values_mut().find(|r| r.token == token) {
                request.packet = PacketAt::Taken;
            }
        }
        self.pump(&mut state);
    }

    /// Takes `waiter` out of the request at `at`, dropping the request if nobody is left.
    fn deregister(
        self: &Arc<Self>,
        state: &mut SourceState,
        waiter: &Arc<Waiter>,
        (kind, start): (RequestKind, u64),
    ) {
        waiter.set(|w| w.registered = None);
        let Some(request) = state.requests[kind.slot()].get_mut(&start) else { return };
        request.waiters.retain(|r| !Arc::ptr_eq(&r.waiter, waiter));
        if request.waiters.is_empty() {
            let request = state.requests[kind.slot()].remove(&start).expect("found above");
            self.outstanding.fetch_sub(1, Ordering::Relaxed);
            tracing::debug!(source = self.id, start, "request dropped: nobody waits");
            self.withdraw_packet(state, &request);
        }
    }

    /// The waiter is done with the pager (its call finished or failed): it leaves its request.
    pub(crate) fn leave(self: &Arc<Self>, waiter: &Arc<Waiter>) {
        let mut state = self.state.lock();
        if let Some(at) = waiter.registered() {
            self.deregister(&mut state, waiter, at);
        }
    }

    fn withdraw_packet(self: &Arc<Self>, state: &mut SourceState, request: &Request) {
        match request.packet {
            PacketAt::Backlog => state.backlog.retain(|&(_, _, t)| t != request.token),
            PacketAt::Port => {
                if self.port.withdraw_request(self, request.token) {
                    state.in_port = None;
                    self.pump(state);
                }
            }
            PacketAt::Taken => {}
        }
    }

    /// Sleeps until woken or `timeout` (`None`: for ever) passes.
    pub(crate) fn wait(self: &Arc<Self>, waiter: &Arc<Waiter>, timeout: Option<Duration>) -> Wake {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        // A pager that answers at once is met spinning, without a sleep and a wake-up.
        sync::spin_until(|| waiter.woken_hint.load(Ordering::Acquire));
        let mut state = waiter.state.lock();
        loop {
            if state.woken {
                return Wake::Woken(state.status);
            }
            let now = Instant::now();
            if deadline.is_some_and(|deadline| now >= deadline) {
                break;
            }
            state.sleeping = true;
            state = match deadline {
                None => waiter.wake.wait(state),
                Some(deadline) => waiter.wake.wait_timeout(state, deadline - now).0,
            };
            state.sleeping = false;
        }
        drop(state);
        // Lock order: the source's lock before the waiter's; look again under both.
        let mut source = self.state.lock();
        let woken = {
            let w = waiter.state.lock();
            w.woken.then_some(w.status)
        };
        if let Some(status) = woken {
            return Wake::Woken(status);
        }
        tracing::debug!(source = self.id, "page request timed out");
        if let Some(at) = waiter.registered() {
            self.deregister(&mut source, waiter, at);
        }
        Wake::TimedOut
    }

    /// Counts the root pages of `ranges` (`[start, end)` each, ascending) as resolved for
    /// requests of `kind`; the caller holds the tree's lock exclusively. A request whose every
    /// page is counted completes; a waiting read whose next page is among them wakes early.
    /// Costs time in the requests met and the pages they cover, with one lookup per range.
    pub(crate) fn resolve(self: &Arc<Self>, kind: RequestKind, ranges: &[(u64, u64)]) {
        // Relaxed: requests are added only under the tree's lock, which the caller holds
        // exclusively, so a zero here is exact.
        if self.outstanding.load(Ordering::Relaxed) == 0 || ranges.iter().all(|&(s, e)| s >= e) {
            return;
        }
        let mut state = self.state.lock();
        let mut complete = Vec::new();
        for &(start, end) in ranges {
            let requests = &mut state.requests[kind.slot()];
            // Requests never overlap: those meeting the range are the last ones starting
            // before its end, back to the first that ends after its start.
            for (&at, request) in requests.range_mut(..end).rev() {
                if request.end <= start {
                    break;
                }
                let (lo, hi) = (start.max(request.start), end.min(request.end));
                let newly = (lo..hi).filter(|&page| request.count(page)).count();
                if newly == 0 {
                    continue;
                }
                // A read waiting for one of these pages wakes early; from now on it waits for
                // its next page (so a FAIL there fails it at once).
                let next_after = |request: &Request, page: u64| {
                    (page + 1..request.end).find(|&i| !request.is_counted(i)).unwrap_or(request.end)
                };
                let moves: Vec<(usize, u64)> = request
                    .waiters
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.reads && (lo..hi).contains(&r.first))
                    .map(|(at, r)| (at, next_after(request, r.first)))
                    .collect();
                for (at, next) in moves {
                    let r = &mut request.waiters[at];
                    r.first = next;
                    r.waiter.set(|w| w.woken = true);
                }
                if request.remaining == 0 {
                    complete.push(at);
                }
            }
        }
        for at in complete {
            self.complete(&mut state, kind, at, None);
        }
    }

    /// Removes the request of `kind` at `start`, withdraws its unread packet, and wakes its
    /// waiters (with `status` for those that have none yet).
    fn complete(
        self: &Arc<Self>,
        state: &mut SourceState,
        kind: RequestKind,
        start: u64,
        status: Option<VmError>,
    ) {
        let Some(request) = state.requests[kind.slot()].remove(&start) else { return };
        self.outstanding.fetch_sub(1, Ordering::Relaxed);
        tracing::debug!(source = self.id, ?kind, start, end = request.end, "request complete");
        self.withdraw_packet(state, &request);
        for r in &request.waiters {
            r.waiter.set(|w| {
                w.woken = true;
                w.registered = None;
                if w.status.is_none() {
                    w.status = status;
                }
            });
        }
    }

    /// `ZX_PAGER_OP_FAIL` over root pages `[start, end)` with `status`: the pages count as
    /// resolved for every request of both kinds; a waiter whose first page is at or after
    /// `start` gets `status`, and a read whose next page failed wakes at once.
    pub(crate) fn fail(self: &Arc<Self>, start: u64, end: u64, status: VmError) {
        let mut state = self.state.lock();
        for kind in [RequestKind::Read, RequestKind::Dirty] {
            for at in overlapping(&state, kind, start, end) {
                let request = state.requests[kind.slot()].get_mut(&at).expect("listed above");
                for page in start.max(request.start)..end.min(request.end) {
                    request.count(page);
                }
                for r in &request.waiters {
                    if start <= r.first {
                        let now = r.reads && r.first < end;
                        r.waiter.set(|w| {
                            w.status.get_or_insert(status);
                            w.woken |= now;
                        });
                    }
                }
                tracing::debug!(source = self.id, ?kind, start, end, "request failed");
                if request.remaining == 0 {
                    self.complete(&mut state, kind, at, None);
                }
            }
        }
    }

    /// Completes every request (shrink past them, detach): their waiters wake and look again.
    /// Only requests overlapping root pages `[start, end)`.
    pub(crate) fn complete_range(self: &Arc<Self>, start: u64, end: u64) {
        let mut state = self.state.lock();
        for kind in [RequestKind::Read, RequestKind::Dirty] {
            for at in overlapping(&state, kind, start, end) {
                self.complete(&mut state, kind, at, None);
            }
        }
    }

    /// Wakes the DIRTY waiters of requests overlapping `[start, end)` so they look again,
    /// without completing anything.
    pub(crate) fn nudge_dirty(self: &Arc<Self>, start: u64, end: u64) {
        let state = self.state.lock();
        for request in state.requests[RequestKind::Dirty.slot()].values() {
            if request.start < end && start < request.end {
                for r in &request.waiters {
                    r.waiter.set(|w| w.woken = true);
                }
            }
        }
    }

    /// Detach (`pager_dead`: the pager's last handle went): every request completes, later
    /// ones fail at once, and COMPLETE is queued (withdrawn instead when the pager died).
    /// Returns false if it was detached already.
    pub(crate) fn detach(self: &Arc<Self>, pager_dead: bool) -> bool {
        let mut state = self.state.lock();
        let first = !state.detached;
        state.detached = true;
        self.detached.store(true, Ordering::Release);
        for kind in [RequestKind::Read, RequestKind::Dirty] {
            let starts: Vec<u64> = state.requests[kind.slot()].keys().copied().collect();
            for start in starts {
                self.complete(&mut state, kind, start, None);
            }
        }
        if pager_dead {
            state.pager_dead = true;
            self.port.withdraw_complete(self.id);
        } else if first {
            self.send_complete(&mut state);
        }
        first
    }

    /// The pager's last handle went: [`PageSource::detach`] without COMPLETE, and (the
    /// caller's part) without dropping any page.
    ///
    /// ```no_run
    /// # fn f(s: &zx_vm::sync::Arc<zx_vm::PageSource>) {
    /// s.pager_died();
    /// # }
    /// ```
    pub fn pager_died(self: &Arc<Self>) {
        self.detach(true);
    }

    /// The whole tree died: COMPLETE, once, unless detach sent it or the pager is gone.
    pub(crate) fn tree_died(self: &Arc<Self>) {
        let mut state = self.state.lock();
        if !state.pager_dead {
            self.send_complete(&mut state);
        }
    }

    fn send_complete(self: &Arc<Self>, state: &mut SourceState) {
        if state.complete_sent {
            return;
        }
        state.complete_sent = true;
        self.port.queue_complete(self.packet(COMMAND_COMPLETE, 0, 0), self.id);
        tracing::debug!(source = self.id, "COMPLETE queued");
    }

    /// Checks the state invariants; `Err` names the first broken one.
    pub(crate) fn check(&self) -> Result<(), String> {
        let state = self.state.lock();
        for (kind, requests) in [RequestKind::Read, RequestKind::Dirty].iter().zip(&state.requests)
        {
            let mut last_end = 0;
            for (&start, request) in requests {
                if start != request.start || request.end <= start || start < last_end {
                    return Err(format!("source {}: {kind:?} requests overlap", self.id));
                }
                last_end = request.end;
                if request.waiters.is_empty() {
                    return Err(format!("source {}: a request nobody waits on", self.id));
                }
                let backlogged = state.backlog.iter().any(|&(_, _, t)| t == request.token);
                let accounted = match request.packet {
                    PacketAt::Backlog => backlogged,
                    PacketAt::Port => state.in_port == Some(request.token),
                    PacketAt::Taken => true,
                };
                if !accounted {
                    return Err(format!(
                        "source {}: the packet of request {} is not where it should be",
                        self.id, request.token
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The starts of the requests of `kind` that overlap root pages `[start, end)`.
fn overlapping(state: &SourceState, kind: RequestKind, start: u64, end: u64) -> Vec<u64> {
    state.requests[kind.slot()]
        .range(..end)
        .filter(|(_, r)| start < r.end)
        .map(|(&at, _)| at)
        .collect()
}
