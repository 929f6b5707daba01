//! `Status`: the error half of every syscall's result.

use crate::zx::{self, zx_status_t};
use zx_handles::HandleError;
use zx_vm::VmError;

/// A `zx_status_t` error. `Display` prints the C name (`ZX_ERR_ACCESS_DENIED`).
///
/// ```
/// use zx_syscalls::Status;
/// let s = Status::from_raw(-30);
/// assert_eq!(s, Status::ACCESS_DENIED);
/// assert_eq!(s.to_string(), "ZX_ERR_ACCESS_DENIED");
/// assert_eq!(s.into_raw(), -30);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status(zx_status_t);

impl Status {
    /// `ZX_ERR_INTERNAL`.
    pub const INTERNAL: Status = Status(zx::ZX_ERR_INTERNAL);
    /// `ZX_ERR_NOT_SUPPORTED`.
    pub const NOT_SUPPORTED: Status = Status(zx::ZX_ERR_NOT_SUPPORTED);
    /// `ZX_ERR_NO_RESOURCES`.
    pub const NO_RESOURCES: Status = Status(zx::ZX_ERR_NO_RESOURCES);
    /// `ZX_ERR_NO_MEMORY`.
    pub const NO_MEMORY: Status = Status(zx::ZX_ERR_NO_MEMORY);
    /// `ZX_ERR_INVALID_ARGS`.
    pub const INVALID_ARGS: Status = Status(zx::ZX_ERR_INVALID_ARGS);
    /// `ZX_ERR_BAD_HANDLE`.
    pub const BAD_HANDLE: Status = Status(zx::ZX_ERR_BAD_HANDLE);
    /// `ZX_ERR_WRONG_TYPE`.
    pub const WRONG_TYPE: Status = Status(zx::ZX_ERR_WRONG_TYPE);
    /// `ZX_ERR_OUT_OF_RANGE`.
    pub const OUT_OF_RANGE: Status = Status(zx::ZX_ERR_OUT_OF_RANGE);
    /// `ZX_ERR_BUFFER_TOO_SMALL`.
    pub const BUFFER_TOO_SMALL: Status = Status(zx::ZX_ERR_BUFFER_TOO_SMALL);
    /// `ZX_ERR_BAD_STATE`.
    pub const BAD_STATE: Status = Status(zx::ZX_ERR_BAD_STATE);
    /// `ZX_ERR_TIMED_OUT`.
    pub const TIMED_OUT: Status = Status(zx::ZX_ERR_TIMED_OUT);
    /// `ZX_ERR_CANCELED`.
    pub const CANCELED: Status = Status(zx::ZX_ERR_CANCELED);
    /// `ZX_ERR_NOT_FOUND`.
    pub const NOT_FOUND: Status = Status(zx::ZX_ERR_NOT_FOUND);
    /// `ZX_ERR_UNAVAILABLE`.
    pub const UNAVAILABLE: Status = Status(zx::ZX_ERR_UNAVAILABLE);
    /// `ZX_ERR_ACCESS_DENIED`.
    pub const ACCESS_DENIED: Status = Status(zx::ZX_ERR_ACCESS_DENIED);
    /// `ZX_ERR_SHOULD_WAIT`.
    pub const SHOULD_WAIT: Status = Status(zx::ZX_ERR_SHOULD_WAIT);
    /// `ZX_ERR_IO`.
    pub const IO: Status = Status(zx::ZX_ERR_IO);
    /// `ZX_ERR_IO_DATA_INTEGRITY`.
    pub const IO_DATA_INTEGRITY: Status = Status(zx::ZX_ERR_IO_DATA_INTEGRITY);
    /// `ZX_ERR_NO_SPACE`.
    pub const NO_SPACE: Status = Status(zx::ZX_ERR_NO_SPACE);

    /// The status for a raw value (any value round-trips).
    ///
    /// ```
    /// assert_eq!(zx_syscalls::Status::from_raw(-12345).into_raw(), -12345);
    /// ```
    pub const fn from_raw(raw: zx_status_t) -> Status {
        Status(raw)
    }

    /// The raw `zx_status_t`.
    ///
    /// ```
    /// assert_eq!(zx_syscalls::Status::NO_MEMORY.into_raw(), -4);
    /// ```
    pub const fn into_raw(self) -> zx_status_t {
        self.0
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match zx::status_name(self.0) {
            Some(name) => f.write_str(name),
            None => write!(f, "ZX_STATUS({})", self.0),
        }
    }
}

impl std::fmt::Debug for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self} ({})", self.0)
    }
}

impl std::error::Error for Status {}

impl From<HandleError> for Status {
    fn from(error: HandleError) -> Status {
        match error {
            HandleError::BadHandle => Status::BAD_HANDLE,
            HandleError::WrongType => Status::WRONG_TYPE,
            HandleError::AccessDenied => Status::ACCESS_DENIED,
            HandleError::InvalidRights => Status::INVALID_ARGS,
            HandleError::NoResources => Status::NO_RESOURCES,
        }
    }
}

impl From<VmError> for Status {
    fn from(error: VmError) -> Status {
        match error {
            VmError::NoMemory => Status::NO_MEMORY,
            VmError::OutOfRange => Status::OUT_OF_RANGE,
            VmError::InvalidArgs => Status::INVALID_ARGS,
            VmError::BadState => Status::BAD_STATE,
            VmError::NotSupported => Status::NOT_SUPPORTED,
            VmError::Unavailable => Status::UNAVAILABLE,
            VmError::TimedOut => Status::TIMED_OUT,
            VmError::NotFound => Status::NOT_FOUND,
            VmError::Io => Status::IO,
            VmError::IoDataIntegrity => Status::IO_DATA_INTEGRITY,
            VmError::NoSpace => Status::NO_SPACE,
            VmError::BufferTooSmall => Status::BUFFER_TOO_SMALL,
            VmError::ShouldWait => Status::SHOULD_WAIT,
        }
    }
}
