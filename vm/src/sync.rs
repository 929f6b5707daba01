//! The one sync facade: every lock and atomic of zxemu comes from here.
//!
//! Under `cfg(loom)` these are loom's model-checked types; otherwise the real ones
//! (`std` for blocking locks and atomics, `spin` for the short critical sections of the
//! page allocator and the handle tables). No other module, in this crate or above, names `std::sync`, `spin` or
//! `loom` for locks and atomics.
//!
//! Locks here never report poisoning: a panic while a lock is held is a bug that the
//! test that hit it reports; the data behind the lock keeps its invariants because
//! every mutation validates first and then changes state without failing.
//!
//! ```
//! use zx_vm::sync::{Arc, Mutex};
//! let shared = Arc::new(Mutex::new(1));
//! *shared.lock() += 1;
//! assert_eq!(*shared.lock(), 2);
//! ```

#[cfg(loom)]
pub use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};
/// The identity of a thread (of a model thread under loom).
#[cfg(loom)]
pub use loom::thread::ThreadId;
#[cfg(not(loom))]
pub use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub use std::thread::ThreadId;
/// Per-thread storage, outside loom only: loom's mock of it is not reliable when a model
/// thread is preempted inside it, so code that keeps per-thread data looks it up by
/// [`current_thread`] in shared state under loom instead (see the allocator's hot slots).
#[cfg(not(loom))]
pub use std::thread_local;

/// The running thread's identity.
///
/// ```
/// assert_eq!(zx_vm::sync::current_thread(), zx_vm::sync::current_thread());
/// ```
pub fn current_thread() -> ThreadId {
    #[cfg(loom)]
    {
        loom::thread::current().id()
    }
    #[cfg(not(loom))]
    {
        std::thread::current().id()
    }
}
/// How long [`spin_until`] spins at most: about what one sleep and wake-up of a thread costs on
/// an idle virtual machine (tens of microseconds), so that a wait answered sooner never pays for
/// them, and one answered later wastes at most that much CPU.
pub const SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(20);

/// Spins for at most [`SPIN_BEFORE_SLEEP`] while `ready` is false (yielding the CPU between
/// rounds), before a caller goes to sleep on a condition variable; true if `ready` turned true
/// meanwhile. A thread answered
/// within that time (a pager serving a request, a `port_wait` meeting the next packet) pays
/// for no sleep and no wake-up. Under loom it only looks once: the caller's lock-protected
/// check decides, and loom explores that.
///
/// ```
/// assert!(zx_vm::sync::spin_until(|| true));
/// ```
pub fn spin_until(ready: impl Fn() -> bool) -> bool {
    #[cfg(not(loom))]
    {
        let start = std::time::Instant::now();
        loop {
            for _ in 0..64 {
                if ready() {
                    return true;
                }
                std::hint::spin_loop();
            }
            if start.elapsed() >= SPIN_BEFORE_SLEEP {
                break;
            }
            // When threads outnumber CPUs, the thread this one waits for may need this very
            // CPU: offer it (with a CPU to spare, the yield returns at once).
            std::thread::yield_now();
        }
    }
    ready()
}

/// Pads and aligns a value to a cache line, so that values two threads write (the locks of
/// unrelated VMOs or processes, allocated next to each other) never share one and make the
/// threads contend where their data does not.
pub use crossbeam_utils::CachePadded;
/// Shared ownership. `std`'s even under loom: loom's `Arc` has no `Weak`, and reference
/// counts guard no data here; every piece of shared state sits behind a facade lock, which
/// loom does model.
pub use std::sync::{Arc, Weak};

use std::time::Duration;

#[cfg(loom)]
use loom::sync as imp;
#[cfg(not(loom))]
use std::sync as imp;

/// A blocking mutual-exclusion lock (futex-based outside loom).
///
/// ```
/// let m = zx_vm::sync::Mutex::new(vec![1]);
/// m.lock().push(2);
/// assert_eq!(m.lock().len(), 2);
/// ```
#[derive(Debug, Default)]
pub struct Mutex<T>(imp::Mutex<T>);

/// The guard of a [`Mutex`].
pub type MutexGuard<'a, T> = imp::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    /// A new unlocked mutex.
    ///
    /// ```
    /// let _m = zx_vm::sync::Mutex::new(0u8);
    /// ```
    pub fn new(value: T) -> Self {
        Mutex(imp::Mutex::new(value))
    }

    /// Locks, blocking until the lock is free.
    ///
    /// ```
    /// let m = zx_vm::sync::Mutex::new(5);
    /// assert_eq!(*m.lock(), 5);
    /// ```
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A reader-writer lock (futex-based outside loom): any number of readers, or one writer.
///
/// ```
/// let lock = zx_vm::sync::RwLock::new(1);
/// assert_eq!(*lock.read() + *lock.read(), 2);
/// *lock.write() = 3;
/// assert_eq!(*lock.read(), 3);
/// ```
#[derive(Debug, Default)]
pub struct RwLock<T>(imp::RwLock<T>);

/// A shared guard of a [`RwLock`].
pub type RwLockReadGuard<'a, T> = imp::RwLockReadGuard<'a, T>;
/// The exclusive guard of a [`RwLock`].
pub type RwLockWriteGuard<'a, T> = imp::RwLockWriteGuard<'a, T>;

impl<T> RwLock<T> {
    /// A new unlocked lock.
    ///
    /// ```
    /// let _lock = zx_vm::sync::RwLock::new(0u8);
    /// ```
    pub fn new(value: T) -> Self {
        RwLock(imp::RwLock::new(value))
    }

    /// Locks for reading, blocking while a writer holds the lock.
    ///
    /// ```
    /// assert_eq!(*zx_vm::sync::RwLock::new(5).read(), 5);
    /// ```
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Locks for writing, blocking while anyone holds the lock.
    ///
    /// ```
    /// let lock = zx_vm::sync::RwLock::new(5);
    /// *lock.write() += 1;
    /// assert_eq!(*lock.read(), 6);
    /// ```
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A condition variable that works with [`Mutex`].
///
/// ```
/// use zx_vm::sync::{Condvar, Mutex};
/// let (m, cv) = (Mutex::new(true), Condvar::new());
/// let guard = m.lock();
/// let (guard, _timed_out) = cv.wait_timeout(guard, std::time::Duration::from_millis(1));
/// assert!(*guard);
/// ```
#[derive(Debug, Default)]
pub struct Condvar(imp::Condvar);

impl Condvar {
    /// A new condition variable.
    ///
    /// ```
    /// let _cv = zx_vm::sync::Condvar::new();
    /// ```
    pub fn new() -> Self {
        Condvar(imp::Condvar::new())
    }

    /// Blocks until notified.
    ///
    /// ```no_run
    /// # use zx_vm::sync::{Condvar, Mutex};
    /// # let (m, cv) = (Mutex::new(()), Condvar::new());
    /// let guard = cv.wait(m.lock());
    /// ```
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.0.wait(guard).unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Blocks until notified or `timeout` passes; the flag says whether it timed out.
    ///
    /// ```
    /// # use zx_vm::sync::{Condvar, Mutex};
    /// # let (m, cv) = (Mutex::new(()), Condvar::new());
    /// let (_guard, timed_out) = cv.wait_timeout(m.lock(), std::time::Duration::ZERO);
    /// # let _ = timed_out;
    /// ```
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, T>, bool) {
        match self.0.wait_timeout(guard, timeout) {
            Ok((guard, result)) => (guard, result.timed_out()),
            Err(poisoned) => {
                let (guard, result) = poisoned.into_inner();
                (guard, result.timed_out())
            }
        }
    }

    /// Wakes every waiter.
    ///
    /// ```
    /// zx_vm::sync::Condvar::new().notify_all();
    /// ```
    pub fn notify_all(&self) {
        self.0.notify_all();
    }
}

/// A spinning lock for short critical sections that never block: the page allocator's
/// bitmaps and the handle tables. Taking it costs one atomic read-modify-write and
/// releasing it a plain store, where a blocking mutex needs two read-modify-writes. A
/// thread that finds it taken backs off (`crossbeam_utils::Backoff`): it spins a little,
/// with growing pauses, since the holder is usually done within nanoseconds, and only then
/// yields its CPU between attempts, so a preempted holder gets to run. (Yielding at once made
/// two threads of one process that share a handle table spend their time in the scheduler.)
/// Under loom it is loom's mutex.
///
/// ```
/// let m = zx_vm::sync::SpinMutex::new(1);
/// *m.lock() += 1;
/// assert_eq!(*m.lock(), 2);
/// ```
#[derive(Debug, Default)]
pub struct SpinMutex<T>(
    #[cfg(not(loom))] spin::mutex::SpinMutex<T, spin::relax::Loop>,
    #[cfg(loom)] loom::sync::Mutex<T>,
);

/// The guard of a [`SpinMutex`].
#[cfg(not(loom))]
pub type SpinMutexGuard<'a, T> = spin::mutex::SpinMutexGuard<'a, T>;
/// The guard of a [`SpinMutex`].
#[cfg(loom)]
pub type SpinMutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

impl<T> SpinMutex<T> {
    /// A new unlocked spin lock.
    ///
    /// ```
    /// let _m = zx_vm::sync::SpinMutex::new(());
    /// ```
    pub fn new(value: T) -> Self {
        #[cfg(not(loom))]
        {
            SpinMutex(spin::mutex::SpinMutex::new(value))
        }
        #[cfg(loom)]
        {
            SpinMutex(loom::sync::Mutex::new(value))
        }
    }

    /// Locks, spinning (and yielding) until the lock is free.
    ///
    /// ```
    /// assert_eq!(*zx_vm::sync::SpinMutex::new(3).lock(), 3);
    /// ```
    pub fn lock(&self) -> SpinMutexGuard<'_, T> {
        #[cfg(not(loom))]
        {
            if let Some(guard) = self.0.try_lock() {
                return guard;
            }
            let backoff = crossbeam_utils::Backoff::new();
            loop {
                backoff.snooze();
                if let Some(guard) = self.0.try_lock() {
                    return guard;
                }
            }
        }
        #[cfg(loom)]
        {
            self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
        }
    }
}
