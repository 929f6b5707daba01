//! Allocation-failure injection: makes chosen frame allocations answer `NoMemory`, so tests
//! can drive every failure path of every call and prove that it leaves nothing behind.
//!
//! An *allocation* is one request to the page allocator: one frame (a write, a fork), a
//! batch taken all at once (the spare frames of a write, a commit, a transfer's copies), or
//! a contiguous run. Requests are numbered from 0 in the order they reach the allocator
//! after [`FaultInjector::set`].
//!
//! Off by default. When off, an allocation pays one relaxed load of a byte that nobody
//! writes (no shared cache line changes hands). Loom models never inject, so under
//! `cfg(loom)` the check compiles away and adds no state to the models.
//!
//! Invariant: `counted` is the number of requests seen since the last `set` while the plan
//! was not `Off`.

use crate::sync::{AtomicU64, AtomicU8, Ordering};

/// Which allocations fail.
///
/// ```
/// use zx_vm::FaultPlan;
/// assert_ne!(FaultPlan::FailAt(0), FaultPlan::FailFrom(0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FaultPlan {
    /// Nothing fails and nothing is counted.
    #[default]
    Off,
    /// Nothing fails; requests are counted (how many a sequence of calls makes).
    Count,
    /// Request number `k` fails, the others succeed.
    FailAt(u64),
    /// Request number `k` and every later one fail.
    FailFrom(u64),
}

const OFF: u8 = 0;
const COUNT: u8 = 1;
const FAIL_AT: u8 = 2;
const FAIL_FROM: u8 = 3;

/// The allocator's failure injector (see the module documentation).
///
/// ```
/// use zx_vm::{FaultPlan, PageAllocator, VmError, ZeroFill};
/// let allocator = PageAllocator::new(4 * 4096, 0);
/// allocator.faults().set(FaultPlan::FailAt(1));
/// let first = allocator.alloc(ZeroFill::No).unwrap();
/// assert_eq!(allocator.alloc(ZeroFill::No).unwrap_err(), VmError::NoMemory);
/// let third = allocator.alloc(ZeroFill::No).unwrap();
/// assert_eq!(allocator.faults().allocations(), 3);
/// allocator.free_all([first, third]);
/// ```
#[derive(Debug, Default)]
pub struct FaultInjector {
    mode: AtomicU8,
    target: AtomicU64,
    counted: AtomicU64,
}

impl FaultInjector {
    /// Replaces the plan and restarts the numbering of requests at 0.
    ///
    /// ```
    /// let faults = zx_vm::FaultInjector::default();
    /// faults.set(zx_vm::FaultPlan::Count);
    /// assert_eq!(faults.allocations(), 0);
    /// ```
    pub fn set(&self, plan: FaultPlan) {
        let (mode, target) = match plan {
            FaultPlan::Off => (OFF, 0),
            FaultPlan::Count => (COUNT, 0),
            FaultPlan::FailAt(k) => (FAIL_AT, k),
            FaultPlan::FailFrom(k) => (FAIL_FROM, k),
        };
        self.mode.store(OFF, Ordering::SeqCst);
        self.counted.store(0, Ordering::SeqCst);
        self.target.store(target, Ordering::SeqCst);
        self.mode.store(mode, Ordering::SeqCst);
    }

    /// How many allocation requests were seen since the last [`FaultInjector::set`]
    /// (failed ones included; 0 while off).
    ///
    /// ```
    /// assert_eq!(zx_vm::FaultInjector::default().allocations(), 0);
    /// ```
    pub fn allocations(&self) -> u64 {
        self.counted.load(Ordering::SeqCst)
    }

    /// Counts one request and says whether it must fail.
    #[cfg(not(loom))]
    pub(crate) fn should_fail(&self) -> bool {
        let mode = self.mode.load(Ordering::Relaxed);
        if mode == OFF {
            return false;
        }
        let number = self.counted.fetch_add(1, Ordering::SeqCst);
        let target = self.target.load(Ordering::SeqCst);
        match mode {
            FAIL_AT => number == target,
            FAIL_FROM => number >= target,
            _ => false,
        }
    }

    /// Loom models never inject failures.
    #[cfg(loom)]
    pub(crate) fn should_fail(&self) -> bool {
        false
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn off_counts_nothing_and_fails_nothing() {
        let faults = FaultInjector::default();
        assert!(!(0..10).any(|_| faults.should_fail()));
        assert_eq!(faults.allocations(), 0);
    }

    #[test]
    fn fail_from_fails_every_later_request() {
        let faults = FaultInjector::default();
        faults.set(FaultPlan::FailFrom(2));
        let outcomes: Vec<bool> = (0..5).map(|_| faults.should_fail()).collect();
        assert_eq!(outcomes, [false, false, true, true, true]);
        faults.set(FaultPlan::Count);
        assert!(!(0..3).any(|_| faults.should_fail()));
        assert_eq!(faults.allocations(), 3);
    }
}
