//! Page lists: which frame (or zero marker) a node holds at each page index.
//!
//! Slots are stored in runs of [`RUN_PAGES`] consecutive indices, kept in a radix index by
//! run number (`run_map`), so that whole runs can be moved between lists at once and a point
//! lookup costs a small search and an array index.
//!
//! Invariants:
//! - a run in the map has at least one occupied slot (`occupied > 0`, and it equals the
//!   number of `Some` slots);
//! - `frames` counts the [`Slot::Page`] slots and `markers` the [`Slot::Zero`] slots of the
//!   whole list;
//! - the list owns its frames: a frame leaves it only by `remove*`/`take*`, which hand the
//!   slot back to the caller (never dropped silently).
//!
//! What an empty slot means is the owner's business: in a root VMO it reads as zero; in a
//! copy-on-write child it means "look at the parent"; a [`Slot::Zero`] marker means "zero
//! here, do not look at the parent".

mod run_map;

use smallvec::SmallVec;

use run_map::RunMap;

use crate::arena::Frame;

/// Consecutive page indices stored together in one run of a page list.
///
/// ```
/// assert_eq!(zx_vm::RUN_PAGES, 16);
/// ```
pub const RUN_PAGES: u64 = 16;

/// What a page list holds at one index.
///
/// ```
/// use zx_vm::Slot;
/// let marker = Slot::Zero;
/// assert!(marker.frame().is_none());
/// ```
#[derive(Debug)]
pub enum Slot {
    /// A frame owned by this list, with its pin count.
    Page(PageSlot),
    /// A zero marker: the page reads zero and hides whatever an ancestor holds here.
    Zero,
}

/// A committed page: the frame and how many PMTs pin it.
///
/// ```
/// # use zx_vm::{PageAllocator, PageSlot, ZeroFill};
/// # let a = PageAllocator::new(4096, 0);
/// let slot = PageSlot::new(a.alloc(ZeroFill::Yes).unwrap());
/// assert_eq!(slot.pin_count, 0);
/// # a.free(slot.frame);
/// ```
#[derive(Debug)]
pub struct PageSlot {
    /// The frame.
    pub frame: Frame,
    /// Pins held on this page (0..=31).
    pub pin_count: u8,
}

impl PageSlot {
    /// An unpinned page.
    ///
    /// ```
    /// # use zx_vm::{PageAllocator, PageSlot, ZeroFill};
    /// # let a = PageAllocator::new(4096, 0);
    /// let slot = PageSlot::new(a.alloc(ZeroFill::Yes).unwrap());
    /// # a.free(slot.frame);
    /// ```
    pub fn new(frame: Frame) -> PageSlot {
        PageSlot { frame, pin_count: 0 }
    }
}

impl Slot {
    /// The frame, if this slot holds one.
    ///
    /// ```
    /// assert!(zx_vm::Slot::Zero.frame().is_none());
    /// ```
    pub fn frame(&self) -> Option<&Frame> {
        match self {
            Slot::Page(page) => Some(&page.frame),
            Slot::Zero => None,
        }
    }

    /// True for a pinned page.
    ///
    /// ```
    /// assert!(!zx_vm::Slot::Zero.is_pinned());
    /// ```
    pub fn is_pinned(&self) -> bool {
        matches!(self, Slot::Page(page) if page.pin_count > 0)
    }
}

/// Invariant: `occupied` counts the `Some` slots and `frames` the `Slot::Page` ones.
#[derive(Debug, Default)]
struct Run {
    slots: [Option<Slot>; RUN_PAGES as usize],
    occupied: u8,
    frames: u8,
}

impl Run {
    /// `(frames, markers)` in this run.
    fn counts(&self) -> (u64, u64) {
        (u64::from(self.frames), u64::from(self.occupied - self.frames))
    }
}

/// Runs at or above which a move goes through `split_off`/`append` (bulk work proportional
/// to the map) instead of one map operation per run.
const BULK_RUNS: u64 = 64;

/// The slots of one node, by page index.
///
/// ```
/// use zx_vm::{PageAllocator, PageList, PageSlot, Slot, ZeroFill};
/// let a = PageAllocator::new(4096, 0);
/// let mut list = PageList::new();
/// list.insert(40, Slot::Page(PageSlot::new(a.alloc(ZeroFill::Yes).unwrap())));
/// list.insert(41, Slot::Zero);
/// assert_eq!((list.frame_count(), list.marker_count()), (1, 1));
/// list.remove_range(0, 100, |_, slot| if let Slot::Page(p) = slot { a.free(p.frame) });
/// assert!(list.is_empty());
/// ```
///
/// Invariants: every run in `runs` holds at least one slot; `frames` and `markers` count the
/// frames and zero markers of all runs; `spare`, when present, is an empty run kept from the
/// last run that emptied, so a list whose one page comes and goes (a page transferred back
/// and forth) does not allocate a run each time.
#[derive(Debug, Default)]
pub struct PageList {
    runs: RunMap<Box<Run>>,
    frames: u64,
    markers: u64,
    spare: Option<Box<Run>>,
}

fn split(index: u64) -> (u64, usize) {
    (index / RUN_PAGES, (index % RUN_PAGES) as usize)
}

impl PageList {
    /// An empty list.
    ///
    /// ```
    /// assert!(zx_vm::PageList::new().is_empty());
    /// ```
    pub fn new() -> PageList {
        PageList::default()
    }

    /// True when the list holds no slot.
    ///
    /// ```
    /// assert!(zx_vm::PageList::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Checks the list's own invariants (this module's and its run index's); what its slots
    /// mean is for the list's owner to check.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// l.insert(70, zx_vm::Slot::Zero);
    /// assert!(l.check().is_ok());
    /// ```
    pub fn check(&self) -> Result<(), String> {
        self.runs.check()?;
        for (key, run) in self.runs.iter() {
            let occupied = run.slots.iter().filter(|slot| slot.is_some()).count();
            let frames =
                run.slots.iter().filter(|slot| matches!(slot, Some(Slot::Page(_)))).count();
            if occupied == 0
                || occupied != usize::from(run.occupied)
                || frames != usize::from(run.frames)
            {
                return Err(format!(
                    "run {key} holds {occupied} slots ({frames} frames) but counts {} ({})",
                    run.occupied, run.frames
                ));
            }
        }
        Ok(())
    }

    /// Number of frames held.
    ///
    /// ```
    /// assert_eq!(zx_vm::PageList::new().frame_count(), 0);
    /// ```
    pub fn frame_count(&self) -> u64 {
        self.frames
    }

    /// Number of zero markers held.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// l.insert(3, zx_vm::Slot::Zero);
    /// assert_eq!(l.marker_count(), 1);
    /// ```
    pub fn marker_count(&self) -> u64 {
        self.markers
    }

    /// Bytes of bookkeeping this list uses (its runs and the map's per-entry cost).
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// l.insert(0, zx_vm::Slot::Zero);
    /// assert!(l.metadata_bytes() > 0);
    /// ```
    pub fn metadata_bytes(&self) -> u64 {
        let spare = self.spare.as_ref().map_or(0, |_| std::mem::size_of::<Run>());
        (self.runs.len() * std::mem::size_of::<Run>() + self.runs.metadata_bytes() + spare) as u64
    }

    /// The slot at `index`.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// l.insert(7, zx_vm::Slot::Zero);
    /// assert!(l.get(7).is_some() && l.get(8).is_none());
    /// ```
    pub fn get(&self, index: u64) -> Option<&Slot> {
        let (run, at) = split(index);
        self.runs.get(run)?.slots[at].as_ref()
    }

    /// The slot at `index`, mutably.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// l.insert(7, zx_vm::Slot::Zero);
    /// assert!(l.get_mut(7).is_some());
    /// ```
    pub fn get_mut(&mut self, index: u64) -> Option<&mut Slot> {
        let (run, at) = split(index);
        self.runs.get_mut(run)?.slots[at].as_mut()
    }

    fn count(&mut self, slot: &Slot, delta: i64) {
        let counter = match slot {
            Slot::Page(_) => &mut self.frames,
            Slot::Zero => &mut self.markers,
        };
        *counter = counter.wrapping_add_signed(delta);
    }

    /// Puts `slot` at `index`, handing back what was there.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// assert!(l.insert(1, zx_vm::Slot::Zero).is_none());
    /// assert!(l.insert(1, zx_vm::Slot::Zero).is_some());
    /// ```
    pub fn insert(&mut self, index: u64, slot: Slot) -> Option<Slot> {
        self.insert_and_get(index, slot).1
    }

    /// [`PageList::insert`], also handing back the slot just put in, so a caller that goes on
    /// to use it does not look it up again.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// let (slot, old) = l.insert_and_get(3, zx_vm::Slot::Zero);
    /// assert!(matches!(slot, zx_vm::Slot::Zero) && old.is_none());
    /// ```
    pub fn insert_and_get(&mut self, index: u64, slot: Slot) -> (&mut Slot, Option<Slot>) {
        let PageList { runs, frames, markers, spare } = self;
        let counter = |slot: &Slot| match slot {
            Slot::Page(_) => (1u64, 0u64),
            Slot::Zero => (0, 1),
        };
        let (new_frames, new_markers) = counter(&slot);
        let (run, at) = split(index);
        let entry = runs.get_or_insert_with(run, || spare.take().unwrap_or_default());
        let old = entry.slots[at].replace(slot);
        let (old_frames, old_markers) = old.as_ref().map_or((0, 0), counter);
        if old.is_none() {
            entry.occupied += 1;
        }
        // At most one frame comes and one goes: the run's count stays within 0..=16.
        entry.frames = (u64::from(entry.frames) + new_frames - old_frames) as u8;
        *frames = *frames + new_frames - old_frames;
        *markers = *markers + new_markers - old_markers;
        let inserted = entry.slots[at].as_mut().expect("the slot was filled just above");
        (inserted, old)
    }

    /// Puts `slot` at `index` only if that index is empty (one lookup), or hands it back.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// assert!(l.fill(2, zx_vm::Slot::Zero).is_ok());
    /// assert!(l.fill(2, zx_vm::Slot::Zero).is_err());
    /// ```
    pub fn fill(&mut self, index: u64, slot: Slot) -> Result<(), Slot> {
        let (run, at) = split(index);
        let PageList { runs, frames, markers, spare } = self;
        let entry = runs.get_or_insert_with(run, || spare.take().unwrap_or_default());
        if entry.slots[at].is_some() {
            return Err(slot);
        }
        entry.occupied += 1;
        match slot {
            Slot::Page(_) => {
                entry.frames += 1;
                *frames += 1;
            }
            Slot::Zero => *markers += 1,
        }
        entry.slots[at] = Some(slot);
        Ok(())
    }

    /// Takes the slot at `index` out of the list.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// l.insert(1, zx_vm::Slot::Zero);
    /// assert!(l.remove(1).is_some());
    /// assert!(l.is_empty());
    /// ```
    pub fn remove(&mut self, index: u64) -> Option<Slot> {
        let (run, at) = split(index);
        let entry = self.runs.get_mut(run)?;
        let slot = entry.slots[at].take()?;
        entry.occupied -= 1;
        if matches!(slot, Slot::Page(_)) {
            entry.frames -= 1;
        }
        if entry.occupied == 0 {
            self.spare = self.runs.remove(run);
        }
        self.count(&slot, -1);
        Some(slot)
    }

    /// Iterates over the occupied slots with index in `[start, end)`, in order.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// for i in [1, 20, 40] { l.insert(i, zx_vm::Slot::Zero); }
    /// let found: Vec<u64> = l.range(2, 40).map(|(i, _)| i).collect();
    /// assert_eq!(found, vec![20]);
    /// ```
    pub fn range(&self, start: u64, end: u64) -> impl Iterator<Item = (u64, &Slot)> + '_ {
        let first_run = start / RUN_PAGES;
        let last_run = end.div_ceil(RUN_PAGES);
        self.runs
            .range(first_run, last_run.max(first_run))
            .flat_map(|(run, entry)| {
                entry.slots.iter().enumerate().filter_map(move |(at, slot)| {
                    Some((run * RUN_PAGES + at as u64, slot.as_ref()?))
                })
            })
            .filter(move |(index, _)| (start..end).contains(index))
    }

    /// Iterates over every occupied slot, in index order.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// l.insert(5, zx_vm::Slot::Zero);
    /// assert_eq!(l.iter().count(), 1);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Slot)> + '_ {
        self.range(0, u64::MAX)
    }

    /// Mutable iteration over the occupied slots with index in `[start, end)`.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// l.insert(5, zx_vm::Slot::Zero);
    /// assert_eq!(l.range_mut(0, 10).count(), 1);
    /// ```
    pub fn range_mut(
        &mut self,
        start: u64,
        end: u64,
    ) -> impl Iterator<Item = (u64, &mut Slot)> + '_ {
        let first_run = start / RUN_PAGES;
        let last_run = end.div_ceil(RUN_PAGES);
        self.runs
            .range_mut(first_run, last_run.max(first_run))
            .flat_map(|(run, entry)| {
                entry.slots.iter_mut().enumerate().filter_map(move |(at, slot)| {
                    Some((run * RUN_PAGES + at as u64, slot.as_mut()?))
                })
            })
            .filter(move |(index, _)| (start..end).contains(index))
    }

    /// Removes every slot with index in `[start, end)`, handing each to `release` in order.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// for i in 0..40 { l.insert(i, zx_vm::Slot::Zero); }
    /// let mut n = 0;
    /// l.remove_range(8, 36, |_, _| n += 1);
    /// assert_eq!((n, l.marker_count()), (28, 12));
    /// ```
    pub fn remove_range(&mut self, start: u64, end: u64, mut release: impl FnMut(u64, Slot)) {
        let indices: SmallVec<[u64; RUN_PAGES as usize]> =
            self.range(start, end).map(|(index, _)| index).collect();
        for index in indices {
            if let Some(slot) = self.remove(index) {
                release(index, slot);
            }
        }
    }

    /// Takes the slots of `[first, end)` out into a new list, indexed from `first` as 0.
    /// When `first` is a multiple of [`RUN_PAGES`], whole runs move without touching their
    /// slots, so the cost is per run, not per page.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// for i in 0..40 { l.insert(i, zx_vm::Slot::Zero); }
    /// let taken = l.take_range(16, 36);
    /// assert_eq!((taken.marker_count(), l.marker_count()), (20, 20));
    /// assert!(taken.get(0).is_some() && taken.get(20).is_none());
    /// ```
    pub fn take_range(&mut self, first: u64, end: u64) -> PageList {
        let mut taken = PageList::new();
        if first >= end {
            return taken;
        }
        let whole_from = first.div_ceil(RUN_PAGES);
        let mut whole_to = end / RUN_PAGES;
        let aligned = first % RUN_PAGES == 0;
        // A last, partial run moves whole too when nothing in it lies at or beyond `end`.
        if aligned && end % RUN_PAGES != 0 && self.run_empty_from(whole_to, end % RUN_PAGES) {
            whole_to += 1;
        }
        let splice = aligned && whole_from < whole_to;
        if splice {
            if whole_to - whole_from >= BULK_RUNS {
                let mut middle = self.runs.split_off(whole_from);
                let mut tail = middle.split_off(whole_to);
                self.runs.append(&mut tail);
                taken.runs = middle.shifted_down(whole_from);
            } else {
                let keys: SmallVec<[u64; BULK_RUNS as usize]> =
                    self.runs.range(whole_from, whole_to).map(|(key, _)| key).collect();
                for key in keys {
                    if let Some(run) = self.runs.remove(key) {
                        taken.runs.insert(key - whole_from, run);
                    }
                }
            }
            for (_, run) in taken.runs.iter() {
                let (frames, markers) = run.counts();
                self.frames -= frames;
                self.markers -= markers;
                taken.frames += frames;
                taken.markers += markers;
            }
        }
        let (skip_from, skip_to) =
            if splice { (whole_from * RUN_PAGES, whole_to * RUN_PAGES) } else { (end, end) };
        let loose: SmallVec<[u64; RUN_PAGES as usize]> = self
            .range(first, end)
            .map(|(index, _)| index)
            .filter(|index| !(skip_from..skip_to).contains(index))
            .collect();
        for index in loose {
            if let Some(slot) = self.remove(index) {
                taken.insert(index - first, slot);
            }
        }
        taken
    }

    /// True when run `run` has no slot at or after position `from` (or does not exist).
    fn run_empty_from(&self, run: u64, from: u64) -> bool {
        self.runs.get(run).is_none_or(|r| r.slots[from as usize..].iter().all(Option::is_none))
    }

    /// Puts every slot of `other` (indexed from 0) at `at + index`; the range must hold no
    /// slots yet. When `at` is a multiple of [`RUN_PAGES`], whole runs move at once.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// let mut other = zx_vm::PageList::new();
    /// other.insert(3, zx_vm::Slot::Zero);
    /// l.put_range(32, other);
    /// assert!(l.get(35).is_some());
    /// ```
    pub fn put_range(&mut self, at: u64, mut other: PageList) {
        if at % RUN_PAGES == 0 {
            let base = at / RUN_PAGES;
            let (lo, hi) = match (other.runs.first_key(), other.runs.last_key()) {
                (Some(lo), Some(hi)) => (base + lo, base + hi),
                _ => return,
            };
            let clear = self.runs.range(lo, hi + 1).next().is_none();
            if clear && (self.runs.is_empty() || other.runs.len() as u64 >= BULK_RUNS) {
                let runs = std::mem::take(&mut other.runs);
                let mut moved = if base == 0 {
                    runs // the keys stay: no rebuild
                } else {
                    runs.shifted_up(base)
                };
                self.frames += other.frames;
                self.markers += other.markers;
                if self.runs.is_empty() {
                    self.runs = moved;
                } else {
                    self.runs.append(&mut moved);
                }
                return;
            }
            let keys: Vec<u64> = other.runs.iter().map(|(key, _)| key).collect();
            for key in keys {
                if self.runs.contains_key(base + key) {
                    continue;
                }
                if let Some(run) = other.runs.remove(key) {
                    let (frames, markers) = run.counts();
                    other.frames -= frames;
                    other.markers -= markers;
                    self.frames += frames;
                    self.markers += markers;
                    self.runs.insert(base + key, run);
                }
            }
        }
        other.remove_range(0, u64::MAX, |index, slot| {
            let displaced = self.insert(at + index, slot);
            debug_assert!(displaced.is_none(), "put_range over an occupied slot");
        });
    }

    /// Drops every zero marker (a root node needs none).
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// l.insert(3, zx_vm::Slot::Zero);
    /// l.remove_markers();
    /// assert!(l.is_empty());
    /// ```
    pub fn remove_markers(&mut self) {
        if self.markers == 0 {
            return;
        }
        let markers: Vec<u64> =
            self.iter().filter(|(_, slot)| matches!(slot, Slot::Zero)).map(|(i, _)| i).collect();
        for index in markers {
            self.remove(index);
        }
    }

    /// The index of the last occupied slot.
    ///
    /// ```
    /// let mut l = zx_vm::PageList::new();
    /// l.insert(3, zx_vm::Slot::Zero);
    /// l.insert(99, zx_vm::Slot::Zero);
    /// assert_eq!(l.last_index(), Some(99));
    /// ```
    pub fn last_index(&self) -> Option<u64> {
        let run = self.runs.last_key()?;
        let entry = self.runs.get(run)?;
        let at = entry.slots.iter().rposition(Option::is_some)?;
        Some(run * RUN_PAGES + at as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PageAllocator, ZeroFill};

    fn markers_at(indices: &[u64]) -> PageList {
        let mut l = PageList::new();
        for &i in indices {
            l.insert(i, Slot::Zero);
        }
        l
    }

    fn indices(l: &PageList) -> Vec<u64> {
        l.iter().map(|(i, _)| i).collect()
    }

    #[test]
    fn a_partial_last_run_moves_whole_only_when_nothing_follows_the_range() {
        // Run 1 holds 16, 17, 18: all below the end (21), so the run moves as it is.
        let mut l = markers_at(&[3, 16, 17, 18]);
        let taken = l.take_range(16, 21);
        assert_eq!((indices(&taken), indices(&l)), (vec![0, 1, 2], vec![3]));
        assert_eq!((taken.marker_count(), l.marker_count()), (3, 1));
        // Run 1 holds 16 and 23: 23 is past the end, so only 16 moves, slot by slot.
        let mut l = markers_at(&[16, 23]);
        let taken = l.take_range(16, 21);
        assert_eq!((indices(&taken), indices(&l)), (vec![0], vec![23]));
        assert_eq!((taken.marker_count(), l.marker_count()), (1, 1));
    }

    #[test]
    fn put_range_at_zero_keeps_the_runs_and_counts() {
        let mut l = PageList::new();
        l.put_range(0, markers_at(&[1, 40]));
        assert_eq!((indices(&l), l.marker_count()), (vec![1, 40], 2));
        let mut l = markers_at(&[100]);
        l.put_range(0, markers_at(&[1, 40]));
        assert_eq!((indices(&l), l.marker_count()), (vec![1, 40, 100], 3));
    }

    #[test]
    fn counts_follow_inserts_and_removes() {
        let a = PageAllocator::new(4 * 4096, 0);
        let mut l = PageList::new();
        for i in [0u64, 15, 16, 1000] {
            l.insert(i, Slot::Page(PageSlot::new(a.alloc(ZeroFill::Yes).unwrap())));
        }
        l.insert(17, Slot::Zero);
        assert_eq!((l.frame_count(), l.marker_count()), (4, 1));
        let old = l.insert(16, Slot::Zero).unwrap();
        assert_eq!((l.frame_count(), l.marker_count()), (3, 2));
        let Slot::Page(page) = old else { panic!("expected a page") };
        a.free(page.frame);
        let mut freed = Vec::new();
        l.remove_range(0, u64::MAX, |i, slot| {
            freed.push(i);
            if let Slot::Page(p) = slot {
                a.free(p.frame);
            }
        });
        assert_eq!(freed, vec![0, 15, 16, 17, 1000]);
        assert!(l.is_empty());
        assert_eq!(a.free_frames(), 4);
    }

    #[test]
    fn range_at_the_top_of_the_index_space() {
        let mut l = PageList::new();
        let top = u64::MAX / 4096;
        l.insert(top, Slot::Zero);
        assert_eq!(l.range(top, top + 1).count(), 1);
        assert_eq!(l.last_index(), Some(top));
    }
}
