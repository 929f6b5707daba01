//! The index of a page list's runs: run number → run, as a two-level radix index.
//!
//! A run number splits into a chunk number (its high bits) and a position inside the chunk
//! (its low [`CHUNK_BITS`] bits). Chunks sit in an ordered map by chunk number; each holds
//! [`CHUNK_RUNS`] optional entries in an array. A point lookup is a search of the small chunk
//! map (one chunk covers 1,024 pages, so a 16 MiB VMO has four) and an array index, where an
//! ordered map of runs searched as many levels as it had (a fork looked runs up four times).
//! Iteration in key order visits chunks in order and, inside each, only the positions the
//! range covers. The price is memory for small maps: one chunk (640 bytes) as soon as there is
//! one entry (chunks of 16 runs made B3's forks measurably slower; see docs/performance.md).
//!
//! Invariants:
//! - every chunk in `chunks` holds at least one entry, and its `count` is the number of its
//!   `Some` entries;
//! - `len` is the number of entries of the whole map;
//! - `spare`, when present, is an empty chunk kept from the last chunk that emptied, so that
//!   a run coming and going (a page transferred back and forth) allocates no chunk each time.

use std::collections::BTreeMap;

/// Bits of a run number that pick its position inside a chunk.
const CHUNK_BITS: u32 = 6;
/// Entries per chunk.
const CHUNK_RUNS: usize = 1 << CHUNK_BITS;
const POSITION_MASK: u64 = CHUNK_RUNS as u64 - 1;

/// Aligned (and so sized) to whole pairs of cache lines, as `CachePadded` is: chunks of two
/// unrelated lists, allocated next to each other, never share a line that both of their
/// threads write (two threads transferring pages between their own VMOs ran at 0.7 times
/// the rate of one when they did).
#[derive(Debug)]
#[repr(align(128))]
struct Chunk<V> {
    entries: [Option<V>; CHUNK_RUNS],
    count: u8,
}

impl<V> Chunk<V> {
    fn empty() -> Box<Chunk<V>> {
        Box::new(Chunk { entries: [const { None }; CHUNK_RUNS], count: 0 })
    }
}

/// The chunks a key range covers, and the positions it covers in the first and the last.
#[derive(Clone, Copy, Debug)]
struct Span {
    first_chunk: u64,
    last_chunk: u64,
    /// The first position covered in `first_chunk`.
    first: usize,
    /// One past the last position covered in `last_chunk`.
    end: usize,
}

impl Span {
    /// The positions `[from, to)` the range covers in chunk `key` (one of its chunks).
    fn positions(self, key: u64) -> (usize, usize) {
        let from = if key == self.first_chunk { self.first } else { 0 };
        let to = if key == self.last_chunk { self.end } else { CHUNK_RUNS };
        (from, to)
    }
}

fn split(key: u64) -> (u64, usize) {
    (key >> CHUNK_BITS, (key & POSITION_MASK) as usize)
}

fn join(chunk: u64, position: usize) -> u64 {
    (chunk << CHUNK_BITS) | position as u64
}

/// An ordered map from `u64` keys to values, with point operations that cost an array index
/// once the key's chunk is found.
#[derive(Debug)]
pub(super) struct RunMap<V> {
    chunks: BTreeMap<u64, Box<Chunk<V>>>,
    len: usize,
    spare: Option<Box<Chunk<V>>>,
}

impl<V> Default for RunMap<V> {
    fn default() -> Self {
        RunMap { chunks: BTreeMap::new(), len: 0, spare: None }
    }
}

impl<V> RunMap<V> {
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Bytes the index itself uses: its chunks (and the spare) with their map entries; the
    /// values' own heap memory is the caller's to count.
    pub(super) fn metadata_bytes(&self) -> usize {
        let per_chunk = std::mem::size_of::<Chunk<V>>() + 2 * std::mem::size_of::<u64>();
        let spare = self.spare.as_ref().map_or(0, |_| std::mem::size_of::<Chunk<V>>());
        self.chunks.len() * per_chunk + spare
    }

    /// Checks the invariants at the top of this module.
    pub(super) fn check(&self) -> Result<(), String> {
        let mut total = 0;
        for (key, chunk) in &self.chunks {
            let held = chunk.entries.iter().filter(|entry| entry.is_some()).count();
            if held == 0 || held != usize::from(chunk.count) {
                return Err(format!(
                    "run-map chunk {key} holds {held} runs but counts {}",
                    chunk.count
                ));
            }
            total += held;
        }
        if total != self.len {
            return Err(format!("the run map holds {total} runs but counts {}", self.len));
        }
        Ok(())
    }

    pub(super) fn get(&self, key: u64) -> Option<&V> {
        let (chunk, at) = split(key);
        self.chunks.get(&chunk)?.entries[at].as_ref()
    }

    pub(super) fn get_mut(&mut self, key: u64) -> Option<&mut V> {
        let (chunk, at) = split(key);
        self.chunks.get_mut(&chunk)?.entries[at].as_mut()
    }

    pub(super) fn contains_key(&self, key: u64) -> bool {
        self.get(key).is_some()
    }

    /// The value at `key`, made by `make` first if there is none.
    pub(super) fn get_or_insert_with(&mut self, key: u64, make: impl FnOnce() -> V) -> &mut V {
        let (chunk, at) = split(key);
        let RunMap { chunks, len, spare } = self;
        let chunk =
            chunks.entry(chunk).or_insert_with(|| spare.take().unwrap_or_else(Chunk::empty));
        let entry = &mut chunk.entries[at];
        if entry.is_none() {
            chunk.count += 1;
            *len += 1;
        }
        entry.get_or_insert_with(make)
    }

    /// Puts `value` at `key`, handing back what was there.
    pub(super) fn insert(&mut self, key: u64, value: V) -> Option<V> {
        let mut value = Some(value);
        let slot = self.get_or_insert_with(key, || value.take().expect("taken once"));
        value.map(|value| std::mem::replace(slot, value))
    }

    pub(super) fn remove(&mut self, key: u64) -> Option<V> {
        let (chunk_key, at) = split(key);
        let chunk = self.chunks.get_mut(&chunk_key)?;
        let value = chunk.entries[at].take()?;
        chunk.count -= 1;
        self.len -= 1;
        if chunk.count == 0 {
            self.spare = self.chunks.remove(&chunk_key);
        }
        Some(value)
    }

    /// What `[lo, hi)` covers, or `None` when it is empty.
    fn span(lo: u64, hi: u64) -> Option<Span> {
        (lo < hi).then(|| {
            let ((first_chunk, first), (last_chunk, last)) = (split(lo), split(hi - 1));
            Span { first_chunk, last_chunk, first, end: last + 1 }
        })
    }

    /// The entries with keys in `[lo, hi)`, in key order.
    pub(super) fn range(&self, lo: u64, hi: u64) -> impl Iterator<Item = (u64, &V)> + '_ {
        let span = Self::span(lo, hi);
        let chunks = span.map(|s| self.chunks.range(s.first_chunk..=s.last_chunk));
        chunks.into_iter().flatten().flat_map(move |(&key, chunk)| {
            let (from, to) = span.expect("chunks only within a span").positions(key);
            chunk.entries[from..to]
                .iter()
                .enumerate()
                .filter_map(move |(i, entry)| Some((join(key, from + i), entry.as_ref()?)))
        })
    }

    /// [`RunMap::range`], mutably.
    pub(super) fn range_mut(
        &mut self,
        lo: u64,
        hi: u64,
    ) -> impl Iterator<Item = (u64, &mut V)> + '_ {
        let span = Self::span(lo, hi);
        let chunks = span.map(|s| self.chunks.range_mut(s.first_chunk..=s.last_chunk));
        chunks.into_iter().flatten().flat_map(move |(&key, chunk)| {
            let (from, to) = span.expect("chunks only within a span").positions(key);
            chunk.entries[from..to]
                .iter_mut()
                .enumerate()
                .filter_map(move |(i, entry)| Some((join(key, from + i), entry.as_mut()?)))
        })
    }

    /// Every entry, in key order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, &V)> + '_ {
        self.chunks.iter().flat_map(|(&key, chunk)| {
            chunk
                .entries
                .iter()
                .enumerate()
                .filter_map(move |(i, entry)| Some((join(key, i), entry.as_ref()?)))
        })
    }

    pub(super) fn first_key(&self) -> Option<u64> {
        let (&key, chunk) = self.chunks.first_key_value()?;
        chunk.entries.iter().position(Option::is_some).map(|at| join(key, at))
    }

    pub(super) fn last_key(&self) -> Option<u64> {
        let (&key, chunk) = self.chunks.last_key_value()?;
        chunk.entries.iter().rposition(Option::is_some).map(|at| join(key, at))
    }

    /// Takes the entries with keys at or above `key` out into a new map.
    pub(super) fn split_off(&mut self, key: u64) -> RunMap<V> {
        let (chunk_key, at) = split(key);
        let mut high = RunMap { chunks: self.chunks.split_off(&chunk_key), len: 0, spare: None };
        if at > 0 {
            // The first chunk taken straddles `key`: its entries below stay here.
            if let Some(mut straddling) = high.chunks.remove(&chunk_key) {
                let mut low = Chunk::empty();
                for (position, entry) in straddling.entries[..at].iter_mut().enumerate() {
                    if let Some(value) = entry.take() {
                        low.entries[position] = Some(value);
                        low.count += 1;
                        straddling.count -= 1;
                    }
                }
                if low.count > 0 {
                    self.chunks.insert(chunk_key, low);
                }
                if straddling.count > 0 {
                    high.chunks.insert(chunk_key, straddling);
                }
            }
        }
        high.len = high.chunks.values().map(|c| usize::from(c.count)).sum();
        self.len -= high.len;
        high
    }

    /// Moves every entry of `other` into this map (an entry of `other` replaces one at the same
    /// key, as `BTreeMap::append` does).
    pub(super) fn append(&mut self, other: &mut RunMap<V>) {
        let taken = std::mem::take(&mut other.chunks);
        other.len = 0;
        for (key, mut chunk) in taken {
            if !self.chunks.contains_key(&key) {
                self.len += usize::from(chunk.count);
                self.chunks.insert(key, chunk);
                continue;
            }
            for (position, entry) in chunk.entries.iter_mut().enumerate() {
                if let Some(value) = entry.take() {
                    self.insert(join(key, position), value);
                }
            }
        }
    }

    /// This map with every key moved down by `by` (every key must be at least `by`). Whole
    /// chunks keep their arrays when `by` is a multiple of the chunk size.
    pub(super) fn shifted_down(self, by: u64) -> RunMap<V> {
        self.rekeyed(|key| key - by, by & POSITION_MASK == 0)
    }

    /// This map with every key moved up by `by` (no key may overflow).
    pub(super) fn shifted_up(self, by: u64) -> RunMap<V> {
        self.rekeyed(|key| key + by, by & POSITION_MASK == 0)
    }

    /// Rebuilds the map with keys mapped by `shift` (which keeps their order): chunk by chunk
    /// when `whole_chunks` (the shift moves chunk boundaries onto chunk boundaries), else
    /// entry by entry into chunks built in order.
    fn rekeyed(self, shift: impl Fn(u64) -> u64, whole_chunks: bool) -> RunMap<V> {
        let len = self.len;
        let chunks: BTreeMap<u64, Box<Chunk<V>>> = if whole_chunks {
            self.chunks
                .into_iter()
                .map(|(key, chunk)| (shift(join(key, 0)) >> CHUNK_BITS, chunk))
                .collect()
        } else {
            let mut built: Vec<(u64, Box<Chunk<V>>)> = Vec::new();
            for (key, mut chunk) in self.chunks {
                for (position, entry) in chunk.entries.iter_mut().enumerate() {
                    let Some(value) = entry.take() else { continue };
                    let (to_chunk, to_at) = split(shift(join(key, position)));
                    if built.last().is_none_or(|(last, _)| *last != to_chunk) {
                        built.push((to_chunk, Chunk::empty()));
                    }
                    let (_, target) = built.last_mut().expect("pushed above");
                    target.entries[to_at] = Some(value);
                    target.count += 1;
                }
            }
            built.into_iter().collect()
        };
        RunMap { chunks, len, spare: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap as Model;

    fn map_of(keys: &[u64]) -> RunMap<u64> {
        let mut map = RunMap::default();
        for &k in keys {
            map.insert(k, k * 10);
        }
        map
    }

    fn contents(map: &RunMap<u64>) -> Vec<(u64, u64)> {
        map.iter().map(|(k, v)| (k, *v)).collect()
    }

    const KEYS: [u64; 9] = [0, 1, 63, 64, 65, 127, 200, 4095, 1 << 40];

    #[test]
    fn point_operations_and_order_match_an_ordered_map() {
        let map = map_of(&KEYS);
        let model: Model<u64, u64> = KEYS.iter().map(|&k| (k, k * 10)).collect();
        assert_eq!(contents(&map), model.into_iter().collect::<Vec<_>>());
        assert_eq!((map.len(), map.first_key(), map.last_key()), (9, Some(0), Some(1 << 40)));
        assert_eq!(map.get(65), Some(&650));
        assert!(map.get(66).is_none() && !map.contains_key(2));
    }

    #[test]
    fn ranges_cover_exactly_their_keys() {
        let map = map_of(&KEYS);
        for (lo, hi) in [(0, 1), (1, 64), (63, 66), (64, 64), (65, 4096), (128, 1 << 41), (5, 3)] {
            let got: Vec<u64> = map.range(lo, hi).map(|(k, _)| k).collect();
            let want: Vec<u64> = KEYS.iter().copied().filter(|k| (lo..hi).contains(k)).collect();
            assert_eq!(got, want, "range {lo}..{hi}");
        }
        let mut map = map;
        for (_, v) in map.range_mut(60, 70) {
            *v += 1;
        }
        assert_eq!((map.get(63), map.get(64), map.get(127)), (Some(&631), Some(&641), Some(&1270)));
    }

    #[test]
    fn removal_empties_chunks_and_keeps_one_spare() {
        let mut map = map_of(&[5, 6]);
        assert_eq!(map.remove(5), Some(50));
        assert_eq!(map.remove(5), None);
        assert_eq!(map.remove(6), Some(60));
        assert!(map.is_empty() && map.chunks.is_empty() && map.spare.is_some());
        map.insert(7, 70);
        assert!(map.spare.is_none());
    }

    #[test]
    fn split_off_and_append_round_trip_at_any_key() {
        for at in [0, 1, 63, 64, 65, 100, 4096, 1 << 40, (1 << 40) + 1] {
            let mut low = map_of(&KEYS);
            let mut high = low.split_off(at);
            assert!(low.iter().all(|(k, _)| k < at) && high.iter().all(|(k, _)| k >= at));
            assert_eq!(low.len() + high.len(), KEYS.len());
            assert_eq!(low.len(), low.iter().count());
            low.append(&mut high);
            assert!(high.is_empty());
            assert_eq!(contents(&low), contents(&map_of(&KEYS)), "split at {at}");
        }
    }

    #[test]
    fn append_merges_interleaved_chunks() {
        let mut a = map_of(&[1, 200]);
        let mut b = map_of(&[2, 130]);
        a.append(&mut b);
        assert_eq!(a.iter().map(|(k, _)| k).collect::<Vec<_>>(), vec![1, 2, 130, 200]);
        assert_eq!(a.len(), 4);
    }

    /// One step of the model test.
    #[derive(Clone, Debug)]
    enum Op {
        Insert(u64),
        Remove(u64),
        /// Splits at the key, then appends the high part back (possibly shifted and back).
        SplitAppend(u64, u64),
        Range(u64, u64),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        // Keys bunch near chunk boundaries and spread far, as run numbers do.
        let key = prop_oneof![0u64..300, (0u64..8).prop_map(|c| c * 64 + 63), 0u64..(1 << 44)];
        prop_oneof![
            key.clone().prop_map(Op::Insert),
            key.clone().prop_map(Op::Remove),
            (key.clone(), prop_oneof![Just(0u64), Just(64), 1u64..200])
                .prop_map(|(k, by)| Op::SplitAppend(k, by)),
            (key.clone(), key).prop_map(|(a, b)| Op::Range(a.min(b), a.max(b))),
        ]
    }

    proptest::proptest! {
        /// Whatever the operations, the map holds what an ordered map would, in order, with
        /// `len`, the first and last keys, and its own invariants (`check`) right.
        #[test]
        fn behaves_as_an_ordered_map(ops in proptest::collection::vec(op(), 1..60)) {
            let (mut map, mut model) = (RunMap::default(), Model::new());
            for op in ops {
                match op {
                    Op::Insert(k) => proptest::prop_assert_eq!(map.insert(k, k), model.insert(k, k)),
                    Op::Remove(k) => proptest::prop_assert_eq!(map.remove(k), model.remove(&k)),
                    Op::SplitAppend(k, by) => {
                        let high = map.split_off(k);
                        proptest::prop_assert!(map.iter().all(|(key, _)| key < k));
                        proptest::prop_assert!(high.iter().all(|(key, _)| key >= k));
                        let mut high = high.shifted_up(by).shifted_down(by);
                        map.append(&mut high);
                    }
                    Op::Range(lo, hi) => {
                        let got: Vec<u64> = map.range(lo, hi).map(|(key, _)| key).collect();
                        let want: Vec<u64> = model.range(lo..hi).map(|(key, _)| *key).collect();
                        proptest::prop_assert_eq!(got, want);
                    }
                }
                let got: Vec<(u64, u64)> = map.iter().map(|(k, v)| (k, *v)).collect();
                let want: Vec<(u64, u64)> = model.iter().map(|(k, v)| (*k, *v)).collect();
                proptest::prop_assert_eq!(got, want);
                proptest::prop_assert_eq!(map.len(), model.len());
                proptest::prop_assert_eq!(map.first_key(), model.keys().next().copied());
                proptest::prop_assert_eq!(map.last_key(), model.keys().next_back().copied());
                proptest::prop_assert_eq!(map.check(), Ok(()));
            }
        }
    }

    #[test]
    fn shifts_keep_order_whether_or_not_they_are_chunk_aligned() {
        for by in [0, 1, 64, 100] {
            let map = map_of(&KEYS).shifted_up(by);
            let want: Vec<(u64, u64)> = KEYS.iter().map(|&k| (k + by, k * 10)).collect();
            assert_eq!(contents(&map), want);
            let back = map.shifted_down(by);
            assert_eq!(contents(&back), contents(&map_of(&KEYS)));
            assert_eq!(back.len(), KEYS.len());
        }
    }
}
