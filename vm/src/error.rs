//! The VM layer's errors; the syscall layer maps each to a `ZX_ERR_*` status.

use thiserror::Error;

/// Why a VM operation failed.
///
/// ```
/// assert_eq!(zx_vm::VmError::NoMemory.to_string(), "out of memory");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum VmError {
    /// No frame (or bookkeeping) could be had (`ZX_ERR_NO_MEMORY`).
    #[error("out of memory")]
    NoMemory,
    /// A range lies outside the object (`ZX_ERR_OUT_OF_RANGE`).
    #[error("out of range")]
    OutOfRange,
    /// An argument is malformed, e.g. unaligned (`ZX_ERR_INVALID_ARGS`).
    #[error("invalid arguments")]
    InvalidArgs,
    /// The object's state forbids the operation, e.g. a pinned page (`ZX_ERR_BAD_STATE`).
    #[error("bad state")]
    BadState,
    /// The object does not support the operation (`ZX_ERR_NOT_SUPPORTED`).
    #[error("not supported")]
    NotSupported,
    /// The object cannot do this now or ever, e.g. resizing a fixed-size VMO
    /// (`ZX_ERR_UNAVAILABLE`).
    #[error("unavailable")]
    Unavailable,
    /// A pager did not answer a page request in time (`ZX_ERR_TIMED_OUT`).
    #[error("timed out")]
    TimedOut,
    /// A page the operation needs is not there (`ZX_ERR_NOT_FOUND`).
    #[error("not found")]
    NotFound,
    /// A pager failed the request with `ZX_ERR_IO`.
    #[error("i/o error")]
    Io,
    /// A pager failed the request with `ZX_ERR_IO_DATA_INTEGRITY`.
    #[error("data integrity error")]
    IoDataIntegrity,
    /// A pager failed the request with `ZX_ERR_NO_SPACE`.
    #[error("no space")]
    NoSpace,
    /// Internal: the operation must wait for a pager and try again (never returned by a
    /// public call).
    #[error("should wait")]
    ShouldWait,
    /// A pager failed the request with `ZX_ERR_BUFFER_TOO_SMALL`.
    #[error("buffer too small")]
    BufferTooSmall,
}
