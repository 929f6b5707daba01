//! The syscalls, grouped by the objects they act on. Each module adds methods to
//! [`ProcessCore`](crate::ProcessCore).

mod bti;
mod handle;
mod object;
mod pager;
mod resource;
mod vmo;

/// The status of a call this version of zxemu does not emulate yet.
pub(crate) fn not_emulated(call: &'static str) -> crate::Status {
    tracing::warn!(call, "not emulated in this version: ZX_ERR_NOT_SUPPORTED");
    crate::Status::NOT_SUPPORTED
}
