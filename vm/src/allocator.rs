//! The physical page allocator over the frame arena.
//!
//! Invariants (all under `state`'s lock, but for `in_use`):
//! - a frame is free (no [`Frame`] token for it exists) iff its bit in `free` is set or it
//!   sits in a hot slot (below), never both;
//! - `in_use` counts the [`Frame`] tokens in existence: it changes by one atomic operation
//!   in the same call that mints or retires them, so a single load of it is an exact
//!   count at one instant (what `kmem_stats` reports), whatever other threads do;
//! - `free_count` equals the number of set bits;
//! - every word below `hint` has no set bit;
//! - frames at or above `high_water` have never been handed out, so their bytes are still
//!   the host's zero fill and need no zeroing (nor touching) when first allocated.
//!
//! Beside the bitmap, each thread has one *hot slot* per allocator: a free frame that thread
//! gave back last, which its next single allocation takes again. A pair of `alloc` and
//! `free` then costs one atomic swap instead of two trips through the lock (Zircon keeps
//! per-CPU page caches for the same reason). Protocol:
//! - a slot holds `NO_FRAME` or the index of a free frame whose bit in `free` is clear;
//! - only the slot's own thread puts a frame in, and only into an empty slot (a load, then
//!   a store with `Release`); any thread takes a frame out with a swap (`Acquire`), so a
//!   frame in a slot reaches exactly one taker, and its bytes are visible to it;
//! - every slot is listed in `hot.all` with its thread, so the slow paths see every free
//!   frame: when the bitmap cannot satisfy a request, the slots are emptied into it and the
//!   request is tried again. A request fails with `NoMemory` only when the frames are not
//!   there;
//! - a slot that no thread holds any more (its thread has finished) is retired when another
//!   thread makes its slot or when the slots are emptied: its frame goes back to the bitmap.
//!
//! Lock order: `hot.all` and `state` are leaves, never held together.
//!
//! The allocator keeps no frames for itself: when every VMO is gone, every frame is free
//! (in the bitmap or in a slot).

#[cfg(not(loom))]
use std::cell::RefCell;

use crate::arena::{Frame, FrameArena, PAGE_SIZE};
use crate::error::VmError;
use crate::fault::FaultInjector;
use crate::sync::{
    current_thread, Arc, AtomicU32, AtomicU64, CachePadded, Mutex, Ordering, SpinMutex, ThreadId,
};

/// One thread's slot, on a cache line of its own (its thread writes it on every single
/// allocation and free).
type Slot = Arc<CachePadded<AtomicU32>>;

/// An empty hot slot.
const NO_FRAME: u32 = u32::MAX;

/// The hot slots of one allocator: each thread's, by thread.
#[derive(Debug, Default)]
struct HotSlots {
    all: Mutex<Vec<(ThreadId, Slot)>>,
}

impl HotSlots {
    /// The running thread's slot, made on first use. Making one also retires the slots that
    /// no thread holds any more and returns the frames they held, for the bitmap.
    fn mine(&self) -> (Slot, Vec<u32>) {
        let me = current_thread();
        let mut all = self.all.lock();
        if let Some((_, slot)) = all.iter().find(|(thread, _)| *thread == me) {
            return (slot.clone(), Vec::new());
        }
        let orphans = retire_unheld(&mut all);
        let slot = Arc::new(CachePadded::new(AtomicU32::new(NO_FRAME)));
        all.push((me, slot.clone()));
        (slot, orphans)
    }
}

/// Drops the slots that no thread holds any more, so the list does not grow with every
/// thread that ever freed a frame, and returns the frames they held. A thread holds its slot
/// (in its thread-local cache, or under loom for the length of an operation) whenever it can
/// fill it, and no new holder can appear meanwhile: holders come from `mine`, under the same
/// lock. The frame is taken with a swap, which reads the latest value, so none is missed.
fn retire_unheld(all: &mut Vec<(ThreadId, Slot)>) -> Vec<u32> {
    let mut frames = Vec::new();
    all.retain(|(_, slot)| {
        if Arc::strong_count(slot) > 1 {
            return true;
        }
        let index = slot.swap(NO_FRAME, Ordering::Acquire);
        if index != NO_FRAME {
            frames.push(index);
        }
        false
    });
    frames
}

#[cfg(not(loom))]
crate::sync::thread_local! {
    /// A cache of this thread's slot in each allocator it uses, keyed by the allocator's
    /// `HotSlots` (the `Weak` keeps that address from being reused while it is listed), so
    /// the fast path takes no lock. Under loom, [`HotSlots::mine`] is used every time.
    static MY_SLOTS: RefCell<Vec<(std::sync::Weak<HotSlots>, Slot)>> =
        const { RefCell::new(Vec::new()) };
}

/// The host refused to reserve address space for the emulated RAM.
///
/// ```
/// let error = zx_vm::RamUnavailable { bytes: 1 << 40, source: std::io::Error::other("no") };
/// assert!(error.to_string().contains("1099511627776 bytes"));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("cannot reserve {bytes} bytes of emulated RAM: {source}")]
pub struct RamUnavailable {
    /// The bytes of RAM asked for.
    pub bytes: u64,
    /// What the host said.
    #[source]
    pub source: std::io::Error,
}

/// Whether a newly allocated frame must read as zeros.
///
/// ```
/// use zx_vm::{PageAllocator, ZeroFill};
/// let a = PageAllocator::new(4096, 0);
/// let f = a.alloc(ZeroFill::Yes).unwrap();
/// assert!(a.bytes(&f).iter().all(|&b| b == 0));
/// a.free(f);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZeroFill {
    /// The caller reads the frame before writing all of it: zero it.
    Yes,
    /// The caller overwrites the whole frame at once (a copy): skip the zeroing.
    No,
}

#[derive(Debug)]
struct AllocatorState {
    free: Vec<u64>,
    free_count: u32,
    hint: usize,
    high_water: u32,
}

/// Hands out frames of emulated RAM, one at a time or as physically contiguous runs.
///
/// ```
/// use zx_vm::{PageAllocator, ZeroFill};
/// let allocator = PageAllocator::new(8 * 4096, 0x8000_0000);
/// let run = allocator.alloc_contiguous(4, 14, ZeroFill::Yes).unwrap(); // 4 frames aligned to 16 KiB
/// assert_eq!(allocator.paddr(&run[0]) % (1 << 14), 0);
/// assert_eq!(allocator.free_frames(), 4);
/// allocator.free_all(run);
/// assert_eq!(allocator.free_frames(), 8);
/// ```
#[derive(Debug)]
pub struct PageAllocator {
    arena: FrameArena,
    ram_base: u64,
    total: u32,
    state: SpinMutex<AllocatorState>,
    hot: Arc<HotSlots>,
    /// Frames handed out and not given back (see the invariants above).
    in_use: CachePadded<AtomicU64>,
    faults: FaultInjector,
}

const WORD_BITS: usize = 64;

/// Puts `index` into this thread's slot, just seen empty.
fn fill_empty_slot(slot: &AtomicU32, index: u32) {
    // Only the slot's thread fills it and other threads only empty it, so once seen empty it
    // stays empty until this store: a plain store is enough.
    #[cfg(not(loom))]
    slot.store(index, Ordering::Release);
    // Loom lets a plain store that races another thread's swap slip between the swap's read
    // and its write (loom issues #254 and #389), an order no hardware allows, and then loses
    // the stored frame. The compare-and-swap below cannot fail here, so it is the same
    // operation, and loom orders it correctly.
    #[cfg(loom)]
    {
        let filled = slot.compare_exchange(NO_FRAME, index, Ordering::Release, Ordering::Relaxed);
        debug_assert!(filled.is_ok(), "only its own thread fills a slot");
    }
}

impl PageAllocator {
    /// An allocator over `memory_bytes` (rounded down to whole frames, at most 2^32 - 1
    /// frames) of RAM whose first frame has physical address `ram_base`.
    ///
    /// # Panics
    /// When the host cannot reserve that much address space; see
    /// [`PageAllocator::try_new`].
    ///
    /// ```
    /// let a = zx_vm::PageAllocator::new(10_000, 0);
    /// assert_eq!(a.total_frames(), 2);
    /// ```
    pub fn new(memory_bytes: u64, ram_base: u64) -> PageAllocator {
        PageAllocator::try_new(memory_bytes, ram_base).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`PageAllocator::new`], or `RamUnavailable` when the host cannot reserve the address
    /// space for the RAM.
    ///
    /// ```
    /// let huge = zx_vm::PageAllocator::try_new(u64::MAX, 0);
    /// assert!(huge.is_err() || huge.unwrap().total_frames() == u64::from(u32::MAX - 1));
    /// ```
    pub fn try_new(memory_bytes: u64, ram_base: u64) -> Result<PageAllocator, RamUnavailable> {
        let total = (memory_bytes / PAGE_SIZE as u64).min(u64::from(u32::MAX - 1)) as u32;
        let arena = FrameArena::try_new(total).map_err(|source| RamUnavailable {
            bytes: u64::from(total) * PAGE_SIZE as u64,
            source,
        })?;
        let words = (total as usize).div_ceil(WORD_BITS);
        let mut free = vec![u64::MAX; words];
        let tail = total as usize % WORD_BITS;
        if tail != 0 {
            if let Some(last) = free.last_mut() {
                *last = (1u64 << tail) - 1;
            }
        }
        let state = AllocatorState { free, free_count: total, hint: 0, high_water: 0 };
        Ok(PageAllocator {
            arena,
            ram_base,
            total,
            state: SpinMutex::new(state),
            hot: Arc::new(HotSlots::default()),
            in_use: CachePadded::new(AtomicU64::new(0)),
            faults: FaultInjector::default(),
        })
    }

    /// The failure injector: makes chosen allocations answer `NoMemory` (off by default).
    ///
    /// ```
    /// let a = zx_vm::PageAllocator::new(4096, 0);
    /// a.faults().set(zx_vm::FaultPlan::FailFrom(0));
    /// assert!(a.alloc(zx_vm::ZeroFill::No).is_err());
    /// ```
    pub fn faults(&self) -> &FaultInjector {
        &self.faults
    }

    /// Refuses the request when the failure injector says so.
    fn check_injected(&self) -> Result<(), VmError> {
        if self.faults.should_fail() {
            return Err(VmError::NoMemory);
        }
        Ok(())
    }

    /// Counts `count` frames handed out (tokens minted).
    fn handed_out(&self, count: usize) {
        // Relaxed: the count guards no other data; one location is always linearizable.
        self.in_use.fetch_add(count as u64, Ordering::Relaxed);
    }

    /// Counts `count` frames given back (tokens retired).
    fn given_back(&self, count: usize) {
        self.in_use.fetch_sub(count as u64, Ordering::Relaxed);
    }

    /// Frames in the RAM.
    ///
    /// ```
    /// assert_eq!(zx_vm::PageAllocator::new(3 * 4096, 0).total_frames(), 3);
    /// ```
    pub fn total_frames(&self) -> u64 {
        u64::from(self.total)
    }

    /// Frames free right now: `total_frames() - used_frames()` from one load, so exact at
    /// one instant even while other threads allocate and free.
    ///
    /// ```
    /// assert_eq!(zx_vm::PageAllocator::new(3 * 4096, 0).free_frames(), 3);
    /// ```
    pub fn free_frames(&self) -> u64 {
        self.total_frames().saturating_sub(self.used_frames())
    }

    /// Frames handed out and not given back, from one atomic load: exact at one instant,
    /// never above [`PageAllocator::total_frames`].
    ///
    /// ```
    /// let a = zx_vm::PageAllocator::new(3 * 4096, 0);
    /// let f = a.alloc(zx_vm::ZeroFill::No).unwrap();
    /// assert_eq!(a.used_frames(), 1);
    /// a.free(f);
    /// ```
    pub fn used_frames(&self) -> u64 {
        self.in_use.load(Ordering::Relaxed)
    }

    /// Physical address of the first frame.
    ///
    /// ```
    /// assert_eq!(zx_vm::PageAllocator::new(4096, 0x1000).ram_base(), 0x1000);
    /// ```
    pub fn ram_base(&self) -> u64 {
        self.ram_base
    }

    /// Bytes the allocator's own tables use (per-frame bookkeeping).
    ///
    /// ```
    /// assert_eq!(zx_vm::PageAllocator::new(64 * 4096, 0).metadata_bytes(), 8);
    /// ```
    pub fn metadata_bytes(&self) -> u64 {
        (self.state.lock().free.len() * std::mem::size_of::<u64>()) as u64
    }

    /// Takes one frame, or `NoMemory` when none is free.
    ///
    /// ```
    /// use zx_vm::{PageAllocator, VmError, ZeroFill};
    /// let a = PageAllocator::new(4096, 0);
    /// let f = a.alloc(ZeroFill::Yes).unwrap();
    /// assert_eq!(a.alloc(ZeroFill::Yes).unwrap_err(), VmError::NoMemory);
    /// a.free(f);
    /// ```
    pub fn alloc(&self, zero: ZeroFill) -> Result<Frame, VmError> {
        self.check_injected()?;
        let frame = self.alloc_one(zero)?;
        self.handed_out(1);
        Ok(frame)
    }

    fn alloc_one(&self, zero: ZeroFill) -> Result<Frame, VmError> {
        if let Some(index) = self.take_my_hot_frame() {
            // A hot frame has been handed out before: it is dirty.
            return Ok(self.prepare(Frame::mint(index), true, zero));
        }
        let taken = self.take_lowest();
        let (index, dirty) = match taken {
            Some(taken) => taken,
            None => {
                self.reclaim_hot_frames();
                self.take_lowest().ok_or(VmError::NoMemory)?
            }
        };
        Ok(self.prepare(Frame::mint(index), dirty, zero))
    }

    /// The lowest free frame of the bitmap and whether it was handed out before.
    fn take_lowest(&self) -> Option<(u32, bool)> {
        let mut state = self.state.lock();
        let index = state.take_lowest()?;
        let dirty = index < state.high_water;
        state.high_water = state.high_water.max(index + 1);
        Some((index, dirty))
    }

    /// Runs `f` on this thread's hot slot, making one on first use. `None` while the
    /// thread's storage is being torn down (the caller uses the bitmap then).
    #[cfg(not(loom))]
    fn with_my_slot<R>(&self, f: impl FnOnce(&AtomicU32) -> R) -> Option<R> {
        MY_SLOTS
            .try_with(|mine| {
                let key = Arc::as_ptr(&self.hot);
                {
                    let mine = mine.borrow();
                    let cached = mine.iter().find(|(of, _)| std::sync::Weak::as_ptr(of) == key);
                    if let Some((_, slot)) = cached {
                        return f(slot);
                    }
                }
                let (slot, orphans) = self.hot.mine();
                self.release_to_bitmap(&orphans);
                let mut mine = mine.borrow_mut();
                mine.retain(|(of, _)| of.strong_count() > 0); // allocators gone since
                mine.push((Arc::downgrade(&self.hot), slot.clone()));
                f(&slot)
            })
            .ok()
    }

    /// Runs `f` on this thread's hot slot (under loom: found in the shared list each time).
    #[cfg(loom)]
    fn with_my_slot<R>(&self, f: impl FnOnce(&AtomicU32) -> R) -> Option<R> {
        let (slot, orphans) = self.hot.mine();
        self.release_to_bitmap(&orphans);
        Some(f(&slot))
    }

    /// Takes the frame in this thread's hot slot, if there is one.
    fn take_my_hot_frame(&self) -> Option<u32> {
        self.with_my_slot(|slot| {
            if slot.load(Ordering::Relaxed) == NO_FRAME {
                return None; // the common miss costs no atomic read-modify-write
            }
            let index = slot.swap(NO_FRAME, Ordering::Acquire);
            (index != NO_FRAME).then_some(index)
        })
        .flatten()
    }

    /// Puts a free frame in this thread's hot slot if it is empty; false if it was not.
    fn keep_hot(&self, index: u32) -> bool {
        self.with_my_slot(|slot| {
            if slot.load(Ordering::Relaxed) != NO_FRAME {
                return false;
            }
            fill_empty_slot(slot, index);
            true
        })
        .unwrap_or(false)
    }

    /// Empties every thread's hot slot into the bitmap; returns how many frames came back.
    fn reclaim_hot_frames(&self) -> usize {
        let indices: Vec<u32> = {
            let mut all = self.hot.all.lock();
            let mut taken: Vec<u32> = all
                .iter()
                .map(|(_, slot)| slot.swap(NO_FRAME, Ordering::Acquire))
                .filter(|&index| index != NO_FRAME)
                .collect();
            taken.extend(retire_unheld(&mut all));
            taken
        };
        self.release_to_bitmap(&indices);
        indices.len()
    }

    /// Gives frames taken out of hot slots back to the bitmap.
    fn release_to_bitmap(&self, indices: &[u32]) {
        if !indices.is_empty() {
            let mut state = self.state.lock();
            for &index in indices {
                state.release(index);
            }
        }
    }

    /// The frames sitting in hot slots right now.
    fn hot_frames(&self) -> Vec<u32> {
        let all = self.hot.all.lock();
        all.iter()
            .map(|(_, slot)| slot.load(Ordering::Acquire))
            .filter(|&i| i != NO_FRAME)
            .collect()
    }

    /// Takes `count` frames, all or none.
    ///
    /// ```
    /// use zx_vm::{PageAllocator, ZeroFill};
    /// let a = PageAllocator::new(2 * 4096, 0);
    /// assert!(a.alloc_many(3, ZeroFill::No).is_err());
    /// assert_eq!(a.free_frames(), 2);
    /// let frames = a.alloc_many(2, ZeroFill::No).unwrap();
    /// a.free_all(frames);
    /// ```
    pub fn alloc_many(&self, count: usize, zero: ZeroFill) -> Result<Vec<Frame>, VmError> {
        // Checked before reserving room, so a huge request costs nothing; an empty one
        // never touches the lock (the data path of committed pages asks for none).
        if count == 0 {
            return Ok(Vec::new());
        }
        self.check_injected()?;
        if count as u64 > u64::from(self.total) {
            return Err(VmError::NoMemory);
        }
        if (self.state.lock().free_count as usize) < count {
            self.reclaim_hot_frames();
        }
        let mut taken = Vec::with_capacity(count);
        {
            let mut state = self.state.lock();
            if (state.free_count as usize) < count {
                return Err(VmError::NoMemory);
            }
            for _ in 0..count {
                // Cannot fail: free_count was checked under this same lock.
                let Some(index) = state.take_lowest() else {
                    break;
                };
                let dirty = index < state.high_water;
                state.high_water = state.high_water.max(index + 1);
                taken.push((Frame::mint(index), dirty));
            }
        }
        self.handed_out(taken.len());
        Ok(taken.into_iter().map(|(frame, dirty)| self.prepare(frame, dirty, zero)).collect())
    }

    /// Takes `count` physically consecutive frames whose first physical address is a
    /// multiple of `2^align_log2` (at least a page), zero-filled if `zero` says so;
    /// `NoMemory` if no such run is free.
    ///
    /// ```
    /// let a = zx_vm::PageAllocator::new(4 * 4096, 0);
    /// let run = a.alloc_contiguous(2, 12, zx_vm::ZeroFill::Yes).unwrap();
    /// assert_eq!(run[1].index(), run[0].index() + 1);
    /// a.free_all(run);
    /// ```
    pub fn alloc_contiguous(
        &self,
        count: u64,
        align_log2: u32,
        zero: ZeroFill,
    ) -> Result<Vec<Frame>, VmError> {
        self.check_injected()?;
        if count == 0 || count > u64::from(self.total) {
            return Err(VmError::NoMemory);
        }
        let count = count as u32;
        let align_frames = self.alignment_in_frames(align_log2)?;
        let (start, high_water) = match self.take_run(count, align_frames) {
            Err(VmError::NoMemory) if self.reclaim_hot_frames() > 0 => {
                self.take_run(count, align_frames)?
            }
            taken => taken?,
        };
        let frames: Vec<Frame> = (start..start + count)
            .map(|index| self.prepare(Frame::mint(index), index < high_water, zero))
            .collect();
        self.handed_out(frames.len());
        Ok(frames)
    }

    /// Finds and claims a free run of the bitmap under one acquisition of the lock; returns
    /// its start and the high-water mark before it.
    fn take_run(&self, count: u32, align_frames: u64) -> Result<(u32, u32), VmError> {
        let mut state = self.state.lock();
        let start = state.find_run(self.total, count, align_frames, self.ram_base)?;
        let high_water = state.high_water;
        state.claim_run(start, count);
        state.high_water = state.high_water.max(start + count);
        Ok((start, high_water))
    }

    fn alignment_in_frames(&self, align_log2: u32) -> Result<u64, VmError> {
        let page_log2 = PAGE_SIZE.trailing_zeros();
        let extra = align_log2.saturating_sub(page_log2);
        if extra >= 63 {
            return Err(VmError::NoMemory);
        }
        Ok(1u64 << extra)
    }

    fn prepare(&self, mut frame: Frame, dirty: bool, zero: ZeroFill) -> Frame {
        if dirty && zero == ZeroFill::Yes {
            self.arena.bytes_mut(&mut frame).fill(0);
        }
        frame
    }

    /// Gives a frame back.
    ///
    /// ```
    /// # use zx_vm::{PageAllocator, ZeroFill};
    /// let a = PageAllocator::new(4096, 0);
    /// a.free(a.alloc(ZeroFill::No).unwrap());
    /// assert_eq!(a.free_frames(), 1);
    /// ```
    pub fn free(&self, frame: Frame) {
        let index = frame.retire();
        self.given_back(1);
        if !self.keep_hot(index) {
            self.state.lock().release(index);
        }
    }

    /// Gives many frames back under one acquisition of the lock.
    ///
    /// ```
    /// # use zx_vm::{PageAllocator, ZeroFill};
    /// let a = PageAllocator::new(2 * 4096, 0);
    /// a.free_all(a.alloc_many(2, ZeroFill::No).unwrap());
    /// assert_eq!(a.free_frames(), 2);
    /// ```
    pub fn free_all(&self, frames: impl IntoIterator<Item = Frame>) {
        let indices: Vec<u32> = frames.into_iter().map(Frame::retire).collect();
        if indices.is_empty() {
            return;
        }
        self.given_back(indices.len());
        let mut state = self.state.lock();
        for index in indices {
            state.release(index);
        }
    }

    /// True when frame `index` is currently handed out.
    ///
    /// ```
    /// # use zx_vm::{PageAllocator, ZeroFill};
    /// let a = PageAllocator::new(4096, 0);
    /// let f = a.alloc(ZeroFill::No).unwrap();
    /// assert!(a.is_allocated(f.index()));
    /// # a.free(f);
    /// ```
    pub fn is_allocated(&self, index: u32) -> bool {
        let hot = self.hot.all.lock().iter().any(|(_, slot)| slot.load(Ordering::Acquire) == index);
        index < self.total && !hot && !self.state.lock().is_free(index)
    }

    /// Checks the hot slots against the bitmap: each frame in a slot is a real frame, is not
    /// also free in the bitmap, and sits in one slot only. For `Vm::check_invariants`.
    ///
    /// ```
    /// # use zx_vm::{PageAllocator, ZeroFill};
    /// let a = PageAllocator::new(2 * 4096, 0);
    /// a.free(a.alloc(ZeroFill::No).unwrap());
    /// assert_eq!(a.check(), Ok(()));
    /// ```
    pub fn check(&self) -> Result<(), String> {
        let mut hot = self.hot_frames();
        let state = self.state.lock();
        if let Some(&index) = hot.iter().find(|&&i| i >= self.total || state.is_free(i)) {
            return Err(format!("frame {index} is in a hot slot and also free in the bitmap"));
        }
        hot.sort_unstable();
        if let Some(pair) = hot.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(format!("frame {} is in two hot slots", pair[0]));
        }
        Ok(())
    }

    /// The physical address of a frame.
    ///
    /// ```
    /// # use zx_vm::{PageAllocator, ZeroFill};
    /// let a = PageAllocator::new(4096, 0x4000_0000);
    /// let f = a.alloc(ZeroFill::No).unwrap();
    /// assert_eq!(a.paddr(&f), 0x4000_0000);
    /// # a.free(f);
    /// ```
    pub fn paddr(&self, frame: &Frame) -> u64 {
        self.ram_base + u64::from(frame.index()) * PAGE_SIZE as u64
    }

    /// A frame's bytes, for reading.
    ///
    /// ```
    /// # use zx_vm::{PageAllocator, ZeroFill};
    /// let a = PageAllocator::new(4096, 0);
    /// let f = a.alloc(ZeroFill::Yes).unwrap();
    /// assert_eq!(a.bytes(&f)[0], 0);
    /// # a.free(f);
    /// ```
    pub fn bytes<'a>(&'a self, frame: &'a Frame) -> &'a [u8; PAGE_SIZE] {
        self.arena.bytes(frame)
    }

    /// A frame's bytes, for writing.
    ///
    /// ```
    /// # use zx_vm::{PageAllocator, ZeroFill};
    /// let a = PageAllocator::new(4096, 0);
    /// let mut f = a.alloc(ZeroFill::Yes).unwrap();
    /// a.bytes_mut(&mut f)[0] = 7;
    /// assert_eq!(a.bytes(&f)[0], 7);
    /// # a.free(f);
    /// ```
    pub fn bytes_mut<'a>(&'a self, frame: &'a mut Frame) -> &'a mut [u8; PAGE_SIZE] {
        self.arena.bytes_mut(frame)
    }

    /// Copies one frame's bytes into another.
    ///
    /// ```
    /// # use zx_vm::{PageAllocator, ZeroFill};
    /// let a = PageAllocator::new(2 * 4096, 0);
    /// let mut src = a.alloc(ZeroFill::Yes).unwrap();
    /// a.bytes_mut(&mut src)[9] = 1;
    /// let mut dst = a.alloc(ZeroFill::No).unwrap();
    /// a.copy(&src, &mut dst);
    /// assert_eq!(a.bytes(&dst)[9], 1);
    /// # a.free_all([src, dst]);
    /// ```
    pub fn copy(&self, src: &Frame, dst: &mut Frame) {
        self.arena.bytes_mut(dst).copy_from_slice(self.arena.bytes(src));
    }

    /// Fills a frame with zeros.
    ///
    /// ```
    /// # use zx_vm::{PageAllocator, ZeroFill};
    /// let a = PageAllocator::new(4096, 0);
    /// let mut f = a.alloc(ZeroFill::No).unwrap();
    /// a.zero(&mut f);
    /// assert!(a.bytes(&f).iter().all(|&b| b == 0));
    /// # a.free(f);
    /// ```
    pub fn zero(&self, frame: &mut Frame) {
        self.arena.bytes_mut(frame).fill(0);
    }
}

impl AllocatorState {
    fn is_free(&self, index: u32) -> bool {
        let (word, bit) = (index as usize / WORD_BITS, index as usize % WORD_BITS);
        self.free[word] & (1 << bit) != 0
    }

    fn take_lowest(&mut self) -> Option<u32> {
        if self.free_count == 0 {
            return None;
        }
        let word = (self.hint..self.free.len()).find(|&w| self.free[w] != 0)?;
        self.hint = word;
        let bit = self.free[word].trailing_zeros() as usize;
        self.free[word] &= !(1 << bit);
        self.free_count -= 1;
        Some((word * WORD_BITS + bit) as u32)
    }

    fn release(&mut self, index: u32) {
        let (word, bit) = (index as usize / WORD_BITS, index as usize % WORD_BITS);
        debug_assert!(self.free[word] & (1 << bit) == 0, "frame {index} freed twice");
        self.free[word] |= 1 << bit;
        self.free_count += 1;
        self.hint = self.hint.min(word);
    }

    fn run_is_free(&self, start: u32, count: u32) -> bool {
        (start..start + count).all(|i| self.is_free(i))
    }

    fn find_run(
        &self,
        total: u32,
        count: u32,
        align_frames: u64,
        ram_base: u64,
    ) -> Result<u32, VmError> {
        // Frames whose physical address is aligned: ram_base + i*P ≡ 0 (mod align*P).
        let align_bytes = align_frames.saturating_mul(PAGE_SIZE as u64);
        let first_aligned_paddr = ram_base.div_ceil(align_bytes).saturating_mul(align_bytes);
        let mut start = (first_aligned_paddr - ram_base) / PAGE_SIZE as u64;
        while start + u64::from(count) <= u64::from(total) {
            let candidate = start as u32;
            if self.run_is_free(candidate, count) {
                return Ok(candidate);
            }
            start += align_frames;
        }
        Err(VmError::NoMemory)
    }

    fn claim_run(&mut self, start: u32, count: u32) {
        for index in start..start + count {
            let (word, bit) = (index as usize / WORD_BITS, index as usize % WORD_BITS);
            self.free[word] &= !(1 << bit);
        }
        self.free_count -= count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocates_lowest_first_and_reuses() {
        let a = PageAllocator::new(130 * 4096, 0);
        let f0 = a.alloc(ZeroFill::Yes).unwrap();
        let f1 = a.alloc(ZeroFill::Yes).unwrap();
        assert_eq!((f0.index(), f1.index()), (0, 1));
        a.free(f0);
        let again = a.alloc(ZeroFill::Yes).unwrap();
        assert_eq!(again.index(), 0);
        a.free_all([again, f1]);
        assert_eq!(a.free_frames(), 130);
    }

    #[test]
    fn reused_frames_are_zeroed_when_asked() {
        let a = PageAllocator::new(4096, 0);
        let mut f = a.alloc(ZeroFill::Yes).unwrap();
        a.bytes_mut(&mut f).fill(0xAB);
        a.free(f);
        let f = a.alloc(ZeroFill::Yes).unwrap();
        assert!(a.bytes(&f).iter().all(|&b| b == 0));
        a.free(f);
    }

    #[test]
    fn exhaustion_is_no_memory() {
        let a = PageAllocator::new(65 * 4096, 0);
        let all = a.alloc_many(65, ZeroFill::No).unwrap();
        assert_eq!(a.alloc(ZeroFill::No).unwrap_err(), VmError::NoMemory);
        assert_eq!(a.alloc_contiguous(1, 0, ZeroFill::Yes).unwrap_err(), VmError::NoMemory);
        a.free_all(all);
        assert_eq!(a.free_frames(), 65);
    }

    #[test]
    fn contiguous_runs_skip_holes_and_respect_alignment() {
        let a = PageAllocator::new(64 * 4096, 0x8000_0000);
        let hole = a.alloc(ZeroFill::No).unwrap(); // frame 0 taken
        let run = a.alloc_contiguous(3, 15, ZeroFill::Yes).unwrap(); // 32 KiB aligned: starts at frame 8
        assert_eq!(run[0].index(), 8);
        assert!(run.windows(2).all(|w| w[1].index() == w[0].index() + 1));
        assert_eq!(a.alloc_contiguous(64, 0, ZeroFill::Yes).unwrap_err(), VmError::NoMemory);
        assert_eq!(a.alloc_contiguous(1, 70, ZeroFill::Yes).unwrap_err(), VmError::NoMemory);
        a.free_all(run);
        a.free(hole);
        assert_eq!(a.free_frames(), 64);
    }

    #[test]
    fn a_frame_freed_alone_stays_hot_for_its_thread() {
        let a = PageAllocator::new(4 * 4096, 0);
        let frames = a.alloc_many(2, ZeroFill::No).unwrap();
        let [f0, f1] = <[Frame; 2]>::try_from(frames).unwrap();
        a.free(f1);
        assert_eq!(a.hot_frames(), vec![1]);
        assert_eq!(a.free_frames(), 3);
        assert!(!a.is_allocated(1));
        assert_eq!(a.check(), Ok(()));
        let again = a.alloc(ZeroFill::No).unwrap();
        assert_eq!(again.index(), 1, "the hot frame comes back first");
        a.free_all([f0, again]);
        assert_eq!(a.free_frames(), 4);
    }

    #[test]
    fn frames_hot_in_other_threads_are_found_before_no_memory() {
        let a = std::sync::Arc::new(PageAllocator::new(2 * 4096, 0));
        for _ in 0..2 {
            let a = a.clone();
            std::thread::spawn(move || {
                let f = a.alloc(ZeroFill::No).unwrap();
                a.free(f); // stays in this (ending) thread's slot
            })
            .join()
            .unwrap();
        }
        let many = a.alloc_many(2, ZeroFill::No).unwrap();
        a.free_all(many);
        let run = a.alloc_contiguous(2, 12, ZeroFill::No).unwrap();
        a.free_all(run);
        let singles = [a.alloc(ZeroFill::No).unwrap(), a.alloc(ZeroFill::No).unwrap()];
        assert_eq!(a.alloc(ZeroFill::No).unwrap_err(), VmError::NoMemory);
        a.free_all(singles);
        assert_eq!((a.free_frames(), a.check()), (2, Ok(())));
    }

    #[test]
    fn slots_of_finished_threads_are_retired() {
        let a = std::sync::Arc::new(PageAllocator::new(4 * 4096, 0));
        for _ in 0..10 {
            let a = a.clone();
            std::thread::spawn(move || a.free(a.alloc(ZeroFill::No).unwrap())).join().unwrap();
        }
        // Each new thread retired the slot of the one before; the last one's is still there.
        assert_eq!(a.hot.all.lock().len(), 1);
        a.free_all(a.alloc_many(4, ZeroFill::No).unwrap()); // empties every slot
        assert!(a.hot.all.lock().is_empty());
        assert_eq!((a.free_frames(), a.check()), (4, Ok(())));
    }

    #[test]
    fn hot_frames_are_zeroed_when_asked() {
        let a = PageAllocator::new(4096, 0);
        let mut f = a.alloc(ZeroFill::No).unwrap();
        a.bytes_mut(&mut f).fill(0xCD);
        a.free(f);
        let f = a.alloc(ZeroFill::Yes).unwrap();
        assert!(a.bytes(&f).iter().all(|&b| b == 0));
        a.free(f);
    }

    #[test]
    fn empty_ram_allocates_nothing() {
        let a = PageAllocator::new(0, 0);
        assert_eq!(a.alloc(ZeroFill::Yes).unwrap_err(), VmError::NoMemory);
        assert_eq!(a.total_frames(), 0);
    }
}
