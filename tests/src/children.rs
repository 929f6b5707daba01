//! Short names the children conformance tests (`tests/tests/children_*.rs`) share.

use zx_kernel::zx::*;

use crate::P;

/// `ZX_VMO_CHILD_SNAPSHOT`.
pub const SNAPSHOT: u32 = ZX_VMO_CHILD_SNAPSHOT;
/// `ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE`.
pub const ALOW: u32 = ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE;
/// `ZX_VMO_CHILD_SNAPSHOT_MODIFIED`.
pub const MODIFIED: u32 = ZX_VMO_CHILD_SNAPSHOT_MODIFIED;
/// `ZX_VMO_CHILD_SLICE`.
pub const SLICE: u32 = ZX_VMO_CHILD_SLICE;
/// `ZX_VMO_CHILD_REFERENCE`.
pub const REFERENCE: u32 = ZX_VMO_CHILD_REFERENCE;
/// `ZX_VMO_CHILD_NO_WRITE`.
pub const NO_WRITE: u32 = ZX_VMO_CHILD_NO_WRITE;
/// `ZX_VMO_CHILD_RESIZABLE`.
pub const CHILD_RESIZABLE: u32 = ZX_VMO_CHILD_RESIZABLE;
/// `ZX_VMO_ZERO_CHILDREN`.
pub const ZC: zx_signals_t = ZX_VMO_ZERO_CHILDREN;
/// The largest page-aligned u64: adding a page or more to it overflows.
pub const TOP_PAGE: u64 = !(P - 1);
