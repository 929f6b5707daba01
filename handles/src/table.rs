//! The per-process handle table.

use slab::Slab;
use thiserror::Error;

use crate::rights::Rights;
use crate::value::{HandleSecret, HandleValue, GENERATION_MASK, MAX_INDEX};

/// How many handles one table can hold at once (slot indices that fit in a handle value).
///
/// ```
/// assert_eq!(zx_handles::MAX_HANDLES_PER_TABLE, 1 << 17);
/// ```
pub const MAX_HANDLES_PER_TABLE: usize = MAX_INDEX + 1;

/// Why a handle operation failed; the syscall layer maps each to its `ZX_ERR_*`.
///
/// ```
/// use zx_handles::HandleError;
/// assert_eq!(HandleError::BadHandle.to_string(), "bad handle");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum HandleError {
    /// The value names no live handle of this table (`ZX_ERR_BAD_HANDLE`).
    #[error("bad handle")]
    BadHandle,
    /// The handle names an object of another type (`ZX_ERR_WRONG_TYPE`).
    #[error("wrong object type")]
    WrongType,
    /// The handle lacks a right the operation needs (`ZX_ERR_ACCESS_DENIED`).
    #[error("access denied")]
    AccessDenied,
    /// Requested rights are not a subset of the handle's (`ZX_ERR_INVALID_ARGS`).
    #[error("rights are not a subset")]
    InvalidRights,
    /// The table is full (`ZX_ERR_NO_RESOURCES`).
    #[error("handle table full")]
    NoResources,
}

/// Objects stored in a table name their Zircon object type (`ZX_OBJ_TYPE_*`).
///
/// ```
/// use zx_handles::ObjectKind;
/// struct Port;
/// impl ObjectKind for Port { fn object_type(&self) -> u32 { 6 } }
/// assert_eq!(Port.object_type(), 6);
/// ```
pub trait ObjectKind {
    /// The `ZX_OBJ_TYPE_*` value of this object.
    fn object_type(&self) -> u32;
}

/// One handle: an object and the rights this handle grants to it. The table hands out
/// `Handle<&T>` to look at a live handle, and `Handle<Option<T>>` for a removed one.
///
/// ```
/// use zx_handles::{Handle, Rights};
/// let h = Handle { object: "any object", rights: Rights::READ };
/// assert!(h.rights.contains(Rights::READ));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Handle<T> {
    /// The object the handle refers to (typically an `Arc` or an enum of them).
    pub object: T,
    /// The rights of this handle.
    pub rights: Rights,
}

/// A live handle's slot: which shared object it names, with what rights; or a slot held
/// for a handle still being made (`object == RESERVED`), which names nothing yet.
#[derive(Debug)]
struct Slot {
    object: usize,
    rights: Rights,
}

/// `Slot::object` of a reserved slot.
const RESERVED: usize = usize::MAX;

/// A slot held for a handle whose object is still being made (see
/// [`HandleTable::reserve`]): give it to [`HandleTable::fill`] or [`HandleTable::cancel`].
///
/// ```
/// let mut t = zx_handles::HandleTable::<()>::new();
/// let slot = t.reserve().unwrap();
/// assert_eq!(t.len(), 1); // it takes room, but names nothing
/// t.cancel(slot);
/// assert!(t.is_empty());
/// ```
#[derive(Debug)]
#[must_use = "a reserved slot stays taken until it is filled or cancelled"]
pub struct ReservedSlot(HandleValue);

/// An object held by this table, and how many of the table's handles name it.
#[derive(Debug)]
struct Shared<T> {
    object: T,
    handles: u32,
}

/// A process's handle table.
///
/// The table holds each object once, however many of its handles name it: duplicating or
/// closing a handle to an object that keeps other handles here only counts, under the
/// owner's lock, and never touches the object itself (for an `Arc`, no atomic operation).
///
/// Invariants:
/// - every slot names a live entry of `objects`, whose `handles` counts the slots naming
///   it (at least 1): an object leaves the table with its last handle;
/// - `generations[i]` is the generation of slot `i`; it advances (mod 2^13) each time the
///   slot's handle is removed, so a stale value never matches a later occupant;
/// - every slot index ever handed out has a generation entry, and every value handed out
///   unscrambles (with `secret`, fixed for the table's life) to `(index, generations[index])`
///   while it is live.
///
/// ```
/// use zx_handles::{HandleError, HandleTable, ObjectKind, Rights};
/// struct Vmo;
/// impl ObjectKind for Vmo { fn object_type(&self) -> u32 { 3 } }
///
/// let mut table = HandleTable::new();
/// let h = table.insert(Vmo, Rights::READ | Rights::DUPLICATE).unwrap();
/// let d = table.duplicate(h, Rights::READ.bits()).unwrap();
/// assert_eq!(table.lookup(d, 3, Rights::WRITE).err(), Some(HandleError::AccessDenied));
/// assert!(table.remove(h).unwrap().object.is_none()); // `d` still names the object
/// assert_eq!(table.remove(h).err(), Some(HandleError::BadHandle));
/// assert!(table.remove(d).unwrap().object.is_some()); // the last handle gives it back
/// ```
#[derive(Debug)]
pub struct HandleTable<T> {
    slots: Slab<Slot>,
    objects: Slab<Shared<T>>,
    generations: Vec<u16>,
    secret: HandleSecret,
}

impl<T> Default for HandleTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> HandleTable<T> {
    /// An empty table whose values are not scrambled (a zero secret): the same slot gives
    /// the same value in every such table. Processes use [`HandleTable::with_secret`].
    ///
    /// ```
    /// let table: zx_handles::HandleTable<()> = zx_handles::HandleTable::new();
    /// assert!(table.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_secret(HandleSecret::default())
    }

    /// An empty table that scrambles its values with `secret`, so that a value from another
    /// table (another secret) names nothing here except by a chance of about
    /// `len() / 2^30`.
    ///
    /// ```
    /// use zx_handles::{HandleError, HandleSecret, HandleTable, Rights};
    /// let mut a = HandleTable::with_secret(HandleSecret::new(0x5EC2_E700));
    /// let mut b = HandleTable::with_secret(HandleSecret::new(0x0BAD_F00C));
    /// let in_a = a.insert('a', Rights::READ).unwrap();
    /// let in_b = b.insert('b', Rights::READ).unwrap();
    /// assert_ne!(in_a, in_b);
    /// assert_eq!(b.get(in_a).err(), Some(HandleError::BadHandle));
    /// ```
    pub fn with_secret(secret: HandleSecret) -> Self {
        HandleTable { slots: Slab::new(), objects: Slab::new(), generations: Vec::new(), secret }
    }

    /// Number of live handles.
    ///
    /// ```
    /// let mut t = zx_handles::HandleTable::new();
    /// t.insert((), zx_handles::Rights::empty()).unwrap();
    /// assert_eq!(t.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when no handle is live.
    ///
    /// ```
    /// assert!(zx_handles::HandleTable::<()>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Adds a handle to a new object and returns its value; `NoResources` when the table is
    /// full (the object is dropped).
    ///
    /// ```
    /// let mut t = zx_handles::HandleTable::new();
    /// let h = t.insert(7u8, zx_handles::Rights::READ).unwrap();
    /// assert_eq!(*t.get(h).unwrap().object, 7);
    /// ```
    pub fn insert(&mut self, object: T, rights: Rights) -> Result<u32, HandleError> {
        let value = self.next_value()?;
        let object = self.objects.insert(Shared { object, handles: 0 });
        Ok(self.add_slot(value, object, rights))
    }

    /// Holds a slot for a handle whose object cannot be made before it is certain to get
    /// a handle (work that is all or nothing, like a pin): `NoResources` when the table is
    /// full. The slot counts in [`HandleTable::len`] but no value names it until
    /// [`HandleTable::fill`].
    ///
    /// ```
    /// use zx_handles::{HandleTable, Rights};
    /// let mut t = HandleTable::new();
    /// let slot = t.reserve().unwrap();
    /// let h = t.fill(slot, 'p', Rights::READ);
    /// assert_eq!(*t.get(h).unwrap().object, 'p');
    /// ```
    pub fn reserve(&mut self) -> Result<ReservedSlot, HandleError> {
        let value = self.next_value()?;
        let index = self.slots.insert(Slot { object: RESERVED, rights: Rights::empty() });
        debug_assert_eq!(index, value.index(), "the slot next_value reserved");
        Ok(ReservedSlot(value))
    }

    /// Puts a handle to `object` in a reserved slot and returns its value.
    ///
    /// ```
    /// let mut t = zx_handles::HandleTable::new();
    /// let slot = t.reserve().unwrap();
    /// let h = t.fill(slot, (), zx_handles::Rights::READ);
    /// assert!(t.get(h).is_ok());
    /// ```
    pub fn fill(&mut self, slot: ReservedSlot, object: T, rights: Rights) -> u32 {
        let object = self.objects.insert(Shared { object, handles: 1 });
        self.slots[slot.0.index()] = Slot { object, rights };
        slot.0.scramble(self.secret)
    }

    /// Gives a reserved slot back unused.
    ///
    /// ```
    /// let mut t = zx_handles::HandleTable::<()>::new();
    /// let slot = t.reserve().unwrap();
    /// t.cancel(slot);
    /// assert!(t.is_empty());
    /// ```
    pub fn cancel(&mut self, slot: ReservedSlot) {
        self.slots.remove(slot.0.index());
    }

    /// The value the next handle will get, or `NoResources` when the table is full.
    fn next_value(&mut self) -> Result<HandleValue, HandleError> {
        let index = self.slots.vacant_key();
        if index > MAX_INDEX {
            return Err(HandleError::NoResources);
        }
        if index >= self.generations.len() {
            self.generations.resize(index + 1, 0);
        }
        HandleValue::new(index, u32::from(self.generations[index])).ok_or(HandleError::NoResources)
    }

    /// Fills the slot `value` names (from `next_value`, with nothing inserted since) with a
    /// handle to `object`.
    fn add_slot(&mut self, value: HandleValue, object: usize, rights: Rights) -> u32 {
        self.objects[object].handles += 1;
        let index = self.slots.insert(Slot { object, rights });
        debug_assert_eq!(index, value.index(), "the slot next_value reserved");
        value.scramble(self.secret)
    }

    fn index_of(&self, raw: u32) -> Result<usize, HandleError> {
        let value = HandleValue::unscramble(raw, self.secret).ok_or(HandleError::BadHandle)?;
        let index = value.index();
        let live = self.slots.get(index).is_some_and(|slot| slot.object != RESERVED)
            && self.generations.get(index).map(|g| u32::from(*g)) == Some(value.generation());
        if live {
            Ok(index)
        } else {
            Err(HandleError::BadHandle)
        }
    }

    /// The live handle a value names, or `BadHandle`.
    ///
    /// ```
    /// let t = zx_handles::HandleTable::<()>::new();
    /// assert!(t.get(3).is_err());
    /// ```
    pub fn get(&self, raw: u32) -> Result<Handle<&T>, HandleError> {
        let slot = &self.slots[self.index_of(raw)?];
        Ok(Handle { object: &self.objects[slot.object].object, rights: slot.rights })
    }

    /// Looks a handle up the way every syscall does, checking in this order: the value is
    /// live (`BadHandle`), the object has type `object_type` (`WrongType`), the handle has
    /// every right in `required` (`AccessDenied`).
    ///
    /// ```
    /// use zx_handles::{HandleError, HandleTable, ObjectKind, Rights};
    /// struct Event;
    /// impl ObjectKind for Event { fn object_type(&self) -> u32 { 5 } }
    /// let mut t = HandleTable::new();
    /// let h = t.insert(Event, Rights::WAIT).unwrap();
    /// assert_eq!(t.lookup(h, 3, Rights::WAIT).err(), Some(HandleError::WrongType));
    /// assert_eq!(t.lookup(h, 5, Rights::SIGNAL).err(), Some(HandleError::AccessDenied));
    /// ```
    pub fn lookup(
        &self,
        raw: u32,
        object_type: u32,
        required: Rights,
    ) -> Result<Handle<&T>, HandleError>
    where
        T: ObjectKind,
    {
        let handle = self.get(raw)?;
        if handle.object.object_type() != object_type {
            return Err(HandleError::WrongType);
        }
        if !handle.rights.contains(required) {
            return Err(HandleError::AccessDenied);
        }
        Ok(handle)
    }

    /// Removes a handle (`handle_close`): its rights, and its object if this was the table's
    /// last handle to it.
    ///
    /// ```
    /// let mut t = zx_handles::HandleTable::new();
    /// let h = t.insert('x', zx_handles::Rights::empty()).unwrap();
    /// assert_eq!(t.remove(h).unwrap().object, Some('x'));
    /// assert!(t.get(h).is_err());
    /// ```
    pub fn remove(&mut self, raw: u32) -> Result<Handle<Option<T>>, HandleError> {
        let slot = self.remove_slot(raw)?;
        Ok(Handle { object: self.release(slot.object), rights: slot.rights })
    }

    /// Frees the slot of a live handle, leaving its object's count as it was.
    fn remove_slot(&mut self, raw: u32) -> Result<Slot, HandleError> {
        let index = self.index_of(raw)?;
        let slot = self.slots.try_remove(index).ok_or(HandleError::BadHandle)?;
        let generation = &mut self.generations[index];
        *generation = ((u32::from(*generation) + 1) & GENERATION_MASK) as u16;
        Ok(slot)
    }

    /// Drops one handle's count on `object`; hands the object back when it was the last.
    fn release(&mut self, object: usize) -> Option<T> {
        let shared = &mut self.objects[object];
        shared.handles -= 1;
        (shared.handles == 0).then(|| self.objects.remove(object).object)
    }

    /// `handle_duplicate`: needs DUPLICATE (`AccessDenied`), then the requested rights must be
    /// `SAME_RIGHTS` or a subset (`InvalidRights`).
    ///
    /// ```
    /// use zx_handles::{HandleError, HandleTable, Rights};
    /// let mut t = HandleTable::new();
    /// let h = t.insert((), Rights::DUPLICATE | Rights::READ).unwrap();
    /// let d = t.duplicate(h, Rights::SAME_RIGHTS_REQUEST).unwrap();
    /// assert_eq!(t.get(d).unwrap().rights, Rights::DUPLICATE | Rights::READ);
    /// assert_eq!(t.duplicate(h, Rights::WRITE.bits()).err(), Some(HandleError::InvalidRights));
    /// ```
    pub fn duplicate(&mut self, raw: u32, request: u32) -> Result<u32, HandleError> {
        let slot = &self.slots[self.index_of(raw)?];
        if !slot.rights.contains(Rights::DUPLICATE) {
            return Err(HandleError::AccessDenied);
        }
        let rights = slot.rights.resolve_request(request).ok_or(HandleError::InvalidRights)?;
        let object = slot.object;
        let value = self.next_value()?;
        Ok(self.add_slot(value, object, rights))
    }

    /// `handle_replace`: needs no right; the original handle is removed whether or not the
    /// request is valid (`InvalidRights` when it is not a subset).
    ///
    /// ```
    /// use zx_handles::{HandleError, HandleTable, Rights};
    /// let mut t = HandleTable::new();
    /// let h = t.insert((), Rights::READ).unwrap();
    /// assert_eq!(t.replace(h, Rights::WRITE.bits()).err(), Some(HandleError::InvalidRights));
    /// assert!(t.get(h).is_err());
    /// ```
    pub fn replace(&mut self, raw: u32, request: u32) -> Result<u32, HandleError> {
        let slot = self.remove_slot(raw)?;
        let Some(rights) = slot.rights.resolve_request(request) else {
            drop(self.release(slot.object));
            return Err(HandleError::InvalidRights);
        };
        match self.next_value() {
            Ok(value) => {
                self.objects[slot.object].handles -= 1; // the new slot takes the old one's count
                Ok(self.add_slot(value, slot.object, rights))
            }
            Err(error) => {
                drop(self.release(slot.object));
                Err(error)
            }
        }
    }

    /// Removes every handle, handing each object back once (a process going away).
    ///
    /// ```
    /// let mut t = zx_handles::HandleTable::new();
    /// let h = t.insert(1, zx_handles::Rights::DUPLICATE).unwrap();
    /// t.duplicate(h, zx_handles::Rights::SAME_RIGHTS_REQUEST).unwrap();
    /// assert_eq!(t.drain(), vec![1]);
    /// assert!(t.is_empty());
    /// ```
    pub fn drain(&mut self) -> Vec<T> {
        for (index, _) in self.slots.iter().filter(|(_, slot)| slot.object != RESERVED) {
            let generation = &mut self.generations[index];
            *generation = ((u32::from(*generation) + 1) & GENERATION_MASK) as u16;
        }
        self.slots.clear();
        self.objects.drain().map(|shared| shared.object).collect()
    }

    /// Iterates over the live handles with their values.
    ///
    /// ```
    /// let mut t = zx_handles::HandleTable::new();
    /// let h = t.insert((), zx_handles::Rights::empty()).unwrap();
    /// assert_eq!(t.iter().map(|(v, _)| v).collect::<Vec<_>>(), vec![h]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (u32, Handle<&T>)> {
        self.slots.iter().filter(|(_, slot)| slot.object != RESERVED).filter_map(|(index, slot)| {
            let generation = u32::from(self.generations[index]);
            let handle = Handle { object: &self.objects[slot.object].object, rights: slot.rights };
            HandleValue::new(index, generation).map(|v| (v.scramble(self.secret), handle))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug)]
    struct Obj(u32);
    impl ObjectKind for Obj {
        fn object_type(&self) -> u32 {
            self.0
        }
    }

    #[test]
    fn stale_value_is_bad_handle_for_more_than_4096_reuses() {
        let mut t = HandleTable::new();
        let first = t.insert(Obj(3), Rights::READ).unwrap();
        t.remove(first).unwrap();
        let mut seen_again_after = None;
        for reuse in 1..=9000u32 {
            let v = t.insert(Obj(3), Rights::READ).unwrap();
            if v == first {
                seen_again_after = Some(reuse);
                break;
            }
            assert_eq!(t.get(first).err(), Some(HandleError::BadHandle));
            t.remove(v).unwrap();
        }
        assert_eq!(seen_again_after, Some(8192));
    }

    #[test]
    fn values_have_fixed_bits_and_are_nonzero() {
        let mut t = HandleTable::new();
        for _ in 0..100 {
            let v = t.insert(Obj(1), Rights::empty()).unwrap();
            assert_ne!(v, 0);
            assert_eq!(v & 3, 3);
        }
    }

    #[test]
    fn raw_values_without_fixed_bits_are_bad() {
        let mut t = HandleTable::new();
        let v = t.insert(Obj(1), Rights::empty()).unwrap();
        assert_eq!(t.get(v & !1).err(), Some(HandleError::BadHandle));
        assert_eq!(t.get(0).err(), Some(HandleError::BadHandle));
        assert_eq!(t.get(u32::MAX).err(), Some(HandleError::BadHandle));
    }

    #[test]
    fn lookup_checks_in_order() {
        let mut t = HandleTable::new();
        let v = t.insert(Obj(3), Rights::READ).unwrap();
        assert_eq!(t.lookup(v ^ 4, 5, Rights::WRITE).err(), Some(HandleError::BadHandle));
        assert_eq!(t.lookup(v, 5, Rights::WRITE).err(), Some(HandleError::WrongType));
        assert_eq!(t.lookup(v, 3, Rights::WRITE).err(), Some(HandleError::AccessDenied));
        assert!(t.lookup(v, 3, Rights::READ).is_ok());
    }

    #[test]
    fn duplicate_without_right_is_denied_before_subset_check() {
        let mut t = HandleTable::new();
        let v = t.insert(Obj(3), Rights::READ).unwrap();
        assert_eq!(t.duplicate(v, Rights::WRITE.bits()).err(), Some(HandleError::AccessDenied));
    }

    #[test]
    fn an_object_stays_until_its_last_handle_goes() {
        let mut t = HandleTable::new();
        let a = t.insert(Obj(3), Rights::DUPLICATE | Rights::READ).unwrap();
        let b = t.duplicate(a, Rights::SAME_RIGHTS_REQUEST).unwrap();
        let c = t.replace(b, Rights::READ.bits()).unwrap();
        assert_eq!(t.objects.len(), 1);
        assert!(t.remove(a).unwrap().object.is_none());
        assert_eq!(t.get(c).unwrap().object.0, 3);
        assert_eq!(t.replace(c, Rights::WRITE.bits()).err(), Some(HandleError::InvalidRights));
        assert!(t.objects.is_empty() && t.is_empty());
    }

    #[test]
    fn a_full_table_keeps_no_object() {
        let mut t = HandleTable::new();
        let first = t.insert(Obj(1), Rights::DUPLICATE).unwrap();
        while t.duplicate(first, Rights::SAME_RIGHTS_REQUEST).is_ok() {}
        assert_eq!(t.len(), MAX_HANDLES_PER_TABLE);
        assert_eq!(t.insert(Obj(2), Rights::empty()).err(), Some(HandleError::NoResources));
        assert_eq!(t.objects.len(), 1);
        assert_eq!(t.drain().len(), 1);
    }

    #[test]
    fn values_of_one_table_name_nothing_in_another() {
        let mut a = HandleTable::with_secret(HandleSecret::new(0x9E37_79B9));
        let mut b = HandleTable::with_secret(HandleSecret::new(0x7F4A_7C15));
        let in_a: Vec<u32> = (0..64).map(|_| a.insert(Obj(3), Rights::READ).unwrap()).collect();
        let in_b: Vec<u32> = (0..64).map(|_| b.insert(Obj(3), Rights::READ).unwrap()).collect();
        assert_ne!(in_a[0], in_b[0], "slot 0 of two tables gives unrelated values");
        for value in &in_a {
            assert_eq!(b.get(*value).err(), Some(HandleError::BadHandle));
            assert_eq!(*value & 3, 3);
        }
    }

    #[test]
    fn a_reserved_slot_names_nothing_until_filled() {
        let mut t = HandleTable::with_secret(HandleSecret::new(0x1357_9BD0));
        let slot = t.reserve().unwrap();
        let value = slot.0.scramble(t.secret);
        assert_eq!(t.get(value).err(), Some(HandleError::BadHandle));
        assert!(t.iter().next().is_none());
        assert_eq!(t.fill(slot, Obj(26), Rights::INSPECT), value);
        assert_eq!(t.get(value).unwrap().object.0, 26);
        let again = t.reserve().unwrap();
        t.cancel(again);
        assert_eq!((t.len(), t.drain().len()), (1, 1));
    }

    #[test]
    fn a_full_table_refuses_a_reservation() {
        let mut t = HandleTable::new();
        let first = t.insert(Obj(1), Rights::DUPLICATE).unwrap();
        while t.duplicate(first, Rights::SAME_RIGHTS_REQUEST).is_ok() {}
        assert_eq!(t.reserve().err(), Some(HandleError::NoResources));
    }

    #[test]
    fn replace_of_bad_handle_is_bad_handle() {
        let mut t: HandleTable<Obj> = HandleTable::new();
        assert_eq!(t.replace(7, 0).err(), Some(HandleError::BadHandle));
    }
}
