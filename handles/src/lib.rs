//! Handles: rights, handle values and the per-process handle table.
//!
//! This crate is a plain data structure with `&mut self` methods and no locks: the
//! process that owns a [`HandleTable`] locks it. It knows nothing of VMOs or memory;
//! the objects it stores are opaque values of type `T` that can name their
//! [`ObjectKind::object_type`].
//!
//! ```
//! use zx_handles::{HandleTable, ObjectKind, Rights};
//!
//! #[derive(Clone)]
//! struct Event;
//! impl ObjectKind for Event {
//!     fn object_type(&self) -> u32 { 5 }
//! }
//!
//! let mut table = HandleTable::new();
//! let h = table.insert(Event, Rights::DUPLICATE | Rights::WAIT).unwrap();
//! assert!(table.lookup(h, 5, Rights::WAIT).is_ok());
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod rights;
mod table;
mod value;

pub use rights::Rights;
pub use table::{
    Handle, HandleError, HandleTable, ObjectKind, ReservedSlot, MAX_HANDLES_PER_TABLE,
};
pub use value::{HandleSecret, HandleValue, GENERATION_BITS, HANDLE_FIXED_BITS_MASK};
