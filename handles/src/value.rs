//! Handle values: what a process sees, encoding a table slot and a generation, scrambled
//! with a secret of the table's own.
//!
//! Layout of the 32 bits, lowest first, before scrambling:
//!
//! ```text
//!  31                 15 14          2 1 0
//! +--------------------+-------------+---+
//! |     slot index     | generation  |1 1|
//! +--------------------+-------------+---+
//! ```
//!
//! The two fixed low bits make every value non-zero (`ZX_HANDLE_INVALID` is 0) and
//! match `ZX_HANDLE_FIXED_BITS_MASK`. The generation advances each time the slot is
//! freed, so a value comes back only after `2^GENERATION_BITS` later reuses of its slot.
//!
//! The 30 bits above the fixed ones are XORed with the table's [`HandleSecret`], so the
//! same slot of two tables gives unrelated values, and a value copied from one table
//! decodes in another to a random slot and generation: it names a live handle there only
//! by a chance of about (live handles) / 2^30.

/// `ZX_HANDLE_FIXED_BITS_MASK`: the bits that are set in every valid handle value.
///
/// ```
/// assert_eq!(zx_handles::HANDLE_FIXED_BITS_MASK, 0x3);
/// ```
pub const HANDLE_FIXED_BITS_MASK: u32 = 0x3;

/// Bits of generation in a handle value: a slot's value repeats after this many powers of two
/// of reuses.
///
/// ```
/// assert_eq!(1u32 << zx_handles::GENERATION_BITS, 8192);
/// ```
pub const GENERATION_BITS: u32 = 13;

const GENERATION_SHIFT: u32 = 2;
const INDEX_SHIFT: u32 = GENERATION_SHIFT + GENERATION_BITS;
pub(crate) const GENERATION_MASK: u32 = (1 << GENERATION_BITS) - 1;
pub(crate) const MAX_INDEX: usize = (u32::MAX >> INDEX_SHIFT) as usize;

/// The secret a handle table scrambles its values with: 30 bits, the rest ignored.
///
/// ```
/// use zx_handles::{HandleSecret, HandleValue};
/// let v = HandleValue::new(5, 7).unwrap();
/// let secret = HandleSecret::new(0x1234_5678);
/// assert_ne!(v.scramble(secret), v.raw());
/// assert_eq!(HandleValue::unscramble(v.scramble(secret), secret), Some(v));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HandleSecret(u32);

impl HandleSecret {
    /// A secret from any 32 bits (the two lowest are dropped: they would touch the fixed
    /// bits).
    ///
    /// ```
    /// assert_eq!(zx_handles::HandleSecret::new(0xFFFF_FFFF), zx_handles::HandleSecret::new(!3));
    /// ```
    pub fn new(bits: u32) -> HandleSecret {
        HandleSecret(bits & !HANDLE_FIXED_BITS_MASK)
    }
}

/// A decoded handle value: the slot it names and the generation it expects there.
///
/// ```
/// use zx_handles::HandleValue;
/// let v = HandleValue::new(5, 7).unwrap();
/// assert_eq!(HandleValue::decode(v.raw()), Some(v));
/// assert_eq!(v.raw() & 0x3, 0x3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HandleValue(u32);

impl HandleValue {
    /// Encodes a slot index and generation; `None` if the index does not fit.
    ///
    /// ```
    /// assert!(zx_handles::HandleValue::new(usize::MAX, 0).is_none());
    /// ```
    pub fn new(index: usize, generation: u32) -> Option<HandleValue> {
        if index > MAX_INDEX {
            return None;
        }
        let raw = ((index as u32) << INDEX_SHIFT)
            | ((generation & GENERATION_MASK) << GENERATION_SHIFT)
            | HANDLE_FIXED_BITS_MASK;
        Some(HandleValue(raw))
    }

    /// Decodes a raw value; `None` if its fixed bits are not set (never a valid handle).
    ///
    /// ```
    /// assert!(zx_handles::HandleValue::decode(0).is_none());
    /// ```
    pub fn decode(raw: u32) -> Option<HandleValue> {
        (raw & HANDLE_FIXED_BITS_MASK == HANDLE_FIXED_BITS_MASK).then_some(HandleValue(raw))
    }

    /// The value a table with `secret` hands out for this slot and generation.
    ///
    /// ```
    /// use zx_handles::{HandleSecret, HandleValue};
    /// let v = HandleValue::new(0, 0).unwrap();
    /// assert_eq!(v.scramble(HandleSecret::new(0)), 3);
    /// assert_eq!(v.scramble(HandleSecret::new(0x40)) & 3, 3);
    /// ```
    pub fn scramble(self, secret: HandleSecret) -> u32 {
        self.0 ^ secret.0
    }

    /// Decodes a value a table with `secret` handed out; `None` if its fixed bits are not
    /// set (never a valid handle).
    ///
    /// ```
    /// use zx_handles::{HandleSecret, HandleValue};
    /// assert!(HandleValue::unscramble(0, HandleSecret::new(8)).is_none());
    /// ```
    pub fn unscramble(raw: u32, secret: HandleSecret) -> Option<HandleValue> {
        HandleValue::decode(raw ^ secret.0)
    }

    /// The unscrambled `zx_handle_t` (what a table with a zero secret hands out).
    ///
    /// ```
    /// assert_eq!(zx_handles::HandleValue::new(0, 0).unwrap().raw(), 3);
    /// ```
    pub fn raw(self) -> u32 {
        self.0
    }

    /// The table slot this value names.
    ///
    /// ```
    /// assert_eq!(zx_handles::HandleValue::new(9, 1).unwrap().index(), 9);
    /// ```
    pub fn index(self) -> usize {
        (self.0 >> INDEX_SHIFT) as usize
    }

    /// The generation this value expects in its slot.
    ///
    /// ```
    /// assert_eq!(zx_handles::HandleValue::new(9, 8193).unwrap().generation(), 1);
    /// ```
    pub fn generation(self) -> u32 {
        (self.0 >> GENERATION_SHIFT) & GENERATION_MASK
    }
}
