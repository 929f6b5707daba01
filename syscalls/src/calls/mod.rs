//! The syscalls, grouped by the objects they act on. Each module adds methods to
//! [`ProcessCore`](crate::ProcessCore).

mod bti;
mod handle;
mod object;
mod pager;
mod port;
mod process;
mod resource;
mod vmar;
mod vmar_info;
mod vmo;

/// How long a wait for `deadline` may last, seen at `now`: `None` for `ZX_TIME_INFINITE` (for
/// ever), zero for a deadline at or before now (a poll).
pub(crate) fn timeout_until(
    deadline: crate::zx::zx_time_t,
    now: crate::zx::zx_time_t,
) -> Option<std::time::Duration> {
    if deadline == crate::zx::ZX_TIME_INFINITE {
        return None;
    }
    let remaining = deadline.saturating_sub(now).max(0);
    Some(std::time::Duration::from_nanos(remaining as u64))
}
