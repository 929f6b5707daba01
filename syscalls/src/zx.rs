//! The C-compatible names of the Zircon ABI: types, constants and `#[repr(C)]` records,
//! with the values of Zircon's headers (docs/reference.md §1).
//!
//! ```
//! use zx_syscalls::zx::*;
//! assert_eq!(ZX_DEFAULT_VMO_RIGHTS, 0xD0EF);
//! assert_eq!(std::mem::size_of::<zx_info_vmo_t>(), 176);
//! ```
#![allow(non_camel_case_types, missing_docs)]

use bytemuck::{Pod, Zeroable};
use zx_handles::Rights;

pub type zx_handle_t = u32;
pub type zx_status_t = i32;
pub type zx_rights_t = u32;
pub type zx_koid_t = u64;
pub type zx_signals_t = u32;
pub type zx_paddr_t = u64;
pub type zx_time_t = i64;
pub type zx_obj_type_t = u32;

// Status codes.
pub const ZX_OK: zx_status_t = 0;
pub const ZX_ERR_INTERNAL: zx_status_t = -1;
pub const ZX_ERR_NOT_SUPPORTED: zx_status_t = -2;
pub const ZX_ERR_NO_RESOURCES: zx_status_t = -3;
pub const ZX_ERR_NO_MEMORY: zx_status_t = -4;
pub const ZX_ERR_INTERNAL_INTR_RETRY: zx_status_t = -6;
pub const ZX_ERR_INVALID_ARGS: zx_status_t = -10;
pub const ZX_ERR_BAD_HANDLE: zx_status_t = -11;
pub const ZX_ERR_WRONG_TYPE: zx_status_t = -12;
pub const ZX_ERR_BAD_SYSCALL: zx_status_t = -13;
pub const ZX_ERR_OUT_OF_RANGE: zx_status_t = -14;
pub const ZX_ERR_BUFFER_TOO_SMALL: zx_status_t = -15;
pub const ZX_ERR_BAD_STATE: zx_status_t = -20;
pub const ZX_ERR_TIMED_OUT: zx_status_t = -21;
pub const ZX_ERR_SHOULD_WAIT: zx_status_t = -22;
pub const ZX_ERR_CANCELED: zx_status_t = -23;
pub const ZX_ERR_PEER_CLOSED: zx_status_t = -24;
pub const ZX_ERR_NOT_FOUND: zx_status_t = -25;
pub const ZX_ERR_ALREADY_EXISTS: zx_status_t = -26;
pub const ZX_ERR_ALREADY_BOUND: zx_status_t = -27;
pub const ZX_ERR_UNAVAILABLE: zx_status_t = -28;
pub const ZX_ERR_ACCESS_DENIED: zx_status_t = -30;
pub const ZX_ERR_IO: zx_status_t = -40;
pub const ZX_ERR_IO_REFUSED: zx_status_t = -41;
pub const ZX_ERR_IO_DATA_INTEGRITY: zx_status_t = -42;
pub const ZX_ERR_IO_DATA_LOSS: zx_status_t = -43;
pub const ZX_ERR_IO_NOT_PRESENT: zx_status_t = -44;
pub const ZX_ERR_IO_OVERRUN: zx_status_t = -45;
pub const ZX_ERR_IO_MISSED_DEADLINE: zx_status_t = -46;
pub const ZX_ERR_IO_INVALID: zx_status_t = -47;
pub const ZX_ERR_BAD_PATH: zx_status_t = -50;
pub const ZX_ERR_NOT_DIR: zx_status_t = -51;
pub const ZX_ERR_NOT_FILE: zx_status_t = -52;
pub const ZX_ERR_FILE_BIG: zx_status_t = -53;
pub const ZX_ERR_NO_SPACE: zx_status_t = -54;
pub const ZX_ERR_NOT_EMPTY: zx_status_t = -55;
pub const ZX_ERR_STOP: zx_status_t = -60;
pub const ZX_ERR_NEXT: zx_status_t = -61;
pub const ZX_ERR_ASYNC: zx_status_t = -62;
pub const ZX_ERR_PROTOCOL_NOT_SUPPORTED: zx_status_t = -70;
pub const ZX_ERR_ADDRESS_UNREACHABLE: zx_status_t = -71;
pub const ZX_ERR_ADDRESS_IN_USE: zx_status_t = -72;
pub const ZX_ERR_NOT_CONNECTED: zx_status_t = -73;
pub const ZX_ERR_CONNECTION_REFUSED: zx_status_t = -74;
pub const ZX_ERR_CONNECTION_RESET: zx_status_t = -75;
pub const ZX_ERR_CONNECTION_ABORTED: zx_status_t = -76;

// Rights.
pub const ZX_RIGHT_NONE: zx_rights_t = 0;
pub const ZX_RIGHT_DUPLICATE: zx_rights_t = Rights::DUPLICATE.bits();
pub const ZX_RIGHT_TRANSFER: zx_rights_t = Rights::TRANSFER.bits();
pub const ZX_RIGHT_READ: zx_rights_t = Rights::READ.bits();
pub const ZX_RIGHT_WRITE: zx_rights_t = Rights::WRITE.bits();
pub const ZX_RIGHT_EXECUTE: zx_rights_t = Rights::EXECUTE.bits();
pub const ZX_RIGHT_MAP: zx_rights_t = Rights::MAP.bits();
pub const ZX_RIGHT_GET_PROPERTY: zx_rights_t = Rights::GET_PROPERTY.bits();
pub const ZX_RIGHT_SET_PROPERTY: zx_rights_t = Rights::SET_PROPERTY.bits();
pub const ZX_RIGHT_ENUMERATE: zx_rights_t = Rights::ENUMERATE.bits();
pub const ZX_RIGHT_DESTROY: zx_rights_t = Rights::DESTROY.bits();
pub const ZX_RIGHT_SET_POLICY: zx_rights_t = Rights::SET_POLICY.bits();
pub const ZX_RIGHT_GET_POLICY: zx_rights_t = Rights::GET_POLICY.bits();
pub const ZX_RIGHT_SIGNAL: zx_rights_t = Rights::SIGNAL.bits();
pub const ZX_RIGHT_SIGNAL_PEER: zx_rights_t = Rights::SIGNAL_PEER.bits();
pub const ZX_RIGHT_WAIT: zx_rights_t = Rights::WAIT.bits();
pub const ZX_RIGHT_INSPECT: zx_rights_t = Rights::INSPECT.bits();
pub const ZX_RIGHT_MANAGE_JOB: zx_rights_t = Rights::MANAGE_JOB.bits();
pub const ZX_RIGHT_MANAGE_PROCESS: zx_rights_t = Rights::MANAGE_PROCESS.bits();
pub const ZX_RIGHT_MANAGE_THREAD: zx_rights_t = Rights::MANAGE_THREAD.bits();
pub const ZX_RIGHT_APPLY_PROFILE: zx_rights_t = Rights::APPLY_PROFILE.bits();
pub const ZX_RIGHT_MANAGE_SOCKET: zx_rights_t = Rights::MANAGE_SOCKET.bits();
pub const ZX_RIGHT_OP_CHILDREN: zx_rights_t = Rights::OP_CHILDREN.bits();
pub const ZX_RIGHT_RESIZE: zx_rights_t = Rights::RESIZE.bits();
pub const ZX_RIGHT_ATTACH_VMO: zx_rights_t = Rights::ATTACH_VMO.bits();
pub const ZX_RIGHT_MANAGE_VMO: zx_rights_t = Rights::MANAGE_VMO.bits();
pub const ZX_RIGHT_SAME_RIGHTS: zx_rights_t = Rights::SAME_RIGHTS_REQUEST;
pub const ZX_RIGHTS_BASIC: zx_rights_t = Rights::BASIC.bits();
pub const ZX_RIGHTS_IO: zx_rights_t = Rights::IO.bits();
pub const ZX_RIGHTS_PROPERTY: zx_rights_t = Rights::PROPERTY.bits();
pub const ZX_DEFAULT_VMO_RIGHTS: zx_rights_t = Rights::DEFAULT_VMO.bits();
pub const ZX_DEFAULT_EVENT_RIGHTS: zx_rights_t = Rights::DEFAULT_EVENT.bits();
/// `ZX_DEFAULT_PORT_RIGHTS`: TRANSFER | DUPLICATE | INSPECT | READ | WRITE (no WAIT).
pub const ZX_DEFAULT_PORT_RIGHTS: zx_rights_t = 0x800F;
/// `ZX_PORT_BIND_TO_INTERRUPT`: a `port_create` option (nothing can be bound in the emulator).
pub const ZX_PORT_BIND_TO_INTERRUPT: u32 = 1;
/// `ZX_DEFAULT_PROCESS_RIGHTS`: BASIC | IO | PROPERTY | ENUMERATE | DESTROY | SIGNAL |
/// MANAGE_PROCESS | MANAGE_THREAD, the rights of `zx_process_self()`'s handle.
pub const ZX_DEFAULT_PROCESS_RIGHTS: zx_rights_t = 0x0006_D3CF;
/// `ZX_DEFAULT_BTI_RIGHTS`: `(ZX_RIGHTS_BASIC & !WAIT) | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY |
/// MAP` (0x80EF): a BTI can be named, but not waited on.
pub const ZX_DEFAULT_BTI_RIGHTS: zx_rights_t = (Rights::BASIC.bits() & !Rights::WAIT.bits())
    | Rights::IO.bits()
    | Rights::PROPERTY.bits()
    | Rights::MAP.bits();

// Handles and time.
pub const ZX_HANDLE_INVALID: zx_handle_t = 0;
pub const ZX_HANDLE_FIXED_BITS_MASK: u32 = zx_handles::HANDLE_FIXED_BITS_MASK;
pub const ZX_KOID_INVALID: zx_koid_t = 0;
pub const ZX_TIME_INFINITE: zx_time_t = i64::MAX;
pub const ZX_TIME_INFINITE_PAST: zx_time_t = i64::MIN;
pub const ZX_PAGE_SIZE: u64 = 4096;
pub const ZX_MAX_NAME_LEN: usize = 32;

// VMO creation and children.
pub const ZX_VMO_RESIZABLE: u32 = 1 << 1;
pub const ZX_VMO_DISCARDABLE: u32 = 1 << 2;
pub const ZX_VMO_TRAP_DIRTY: u32 = 1 << 3;
pub const ZX_VMO_UNBOUNDED: u32 = 1 << 4;
pub const ZX_VMO_CHILD_SNAPSHOT: u32 = 1 << 0;
pub const ZX_VMO_CHILD_RESIZABLE: u32 = 1 << 2;
pub const ZX_VMO_CHILD_SLICE: u32 = 1 << 3;
pub const ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE: u32 = 1 << 4;
pub const ZX_VMO_CHILD_NO_WRITE: u32 = 1 << 5;
pub const ZX_VMO_CHILD_REFERENCE: u32 = 1 << 6;
pub const ZX_VMO_CHILD_SNAPSHOT_MODIFIED: u32 = 1 << 7;

// op_range.
pub const ZX_VMO_OP_COMMIT: u32 = 1;
pub const ZX_VMO_OP_DECOMMIT: u32 = 2;
pub const ZX_VMO_OP_LOCK: u32 = 3;
pub const ZX_VMO_OP_UNLOCK: u32 = 4;
pub const ZX_VMO_OP_CACHE_SYNC: u32 = 6;
pub const ZX_VMO_OP_CACHE_INVALIDATE: u32 = 7;
pub const ZX_VMO_OP_CACHE_CLEAN: u32 = 8;
pub const ZX_VMO_OP_CACHE_CLEAN_INVALIDATE: u32 = 9;
pub const ZX_VMO_OP_ZERO: u32 = 10;
pub const ZX_VMO_OP_TRY_LOCK: u32 = 11;
pub const ZX_VMO_OP_DONT_NEED: u32 = 12;
pub const ZX_VMO_OP_ALWAYS_NEED: u32 = 13;
pub const ZX_VMO_OP_PREFETCH: u32 = 14;

// Object types.
pub const ZX_OBJ_TYPE_NONE: zx_obj_type_t = 0;
pub const ZX_OBJ_TYPE_PROCESS: zx_obj_type_t = 1;
pub const ZX_OBJ_TYPE_THREAD: zx_obj_type_t = 2;
pub const ZX_OBJ_TYPE_VMO: zx_obj_type_t = 3;
pub const ZX_OBJ_TYPE_CHANNEL: zx_obj_type_t = 4;
pub const ZX_OBJ_TYPE_EVENT: zx_obj_type_t = 5;
pub const ZX_OBJ_TYPE_PORT: zx_obj_type_t = 6;
pub const ZX_OBJ_TYPE_RESOURCE: zx_obj_type_t = 15;
pub const ZX_OBJ_TYPE_IOMMU: zx_obj_type_t = 23;
pub const ZX_OBJ_TYPE_BTI: zx_obj_type_t = 24;
pub const ZX_OBJ_TYPE_PMT: zx_obj_type_t = 26;
pub const ZX_OBJ_TYPE_PAGER: zx_obj_type_t = 28;

// Object properties (zx_info_handle_basic_t::props).
pub const ZX_OBJ_PROP_NONE: u32 = 0;
pub const ZX_OBJ_PROP_WAITABLE: u32 = 1;

// Signals.
pub const ZX_SIGNAL_NONE: zx_signals_t = 0;
pub const ZX_VMO_ZERO_CHILDREN: zx_signals_t = 1 << 3;
pub const ZX_EVENT_SIGNALED: zx_signals_t = 1 << 3;
pub const ZX_USER_SIGNAL_0: zx_signals_t = 1 << 24;
pub const ZX_USER_SIGNAL_1: zx_signals_t = 1 << 25;
pub const ZX_USER_SIGNAL_2: zx_signals_t = 1 << 26;
pub const ZX_USER_SIGNAL_3: zx_signals_t = 1 << 27;
pub const ZX_USER_SIGNAL_4: zx_signals_t = 1 << 28;
pub const ZX_USER_SIGNAL_5: zx_signals_t = 1 << 29;
pub const ZX_USER_SIGNAL_6: zx_signals_t = 1 << 30;
pub const ZX_USER_SIGNAL_7: zx_signals_t = 1 << 31;
pub const ZX_USER_SIGNAL_ALL: zx_signals_t = 0xff00_0000;

// BTIs and IOMMUs.
pub const ZX_BTI_PERM_READ: u32 = 1 << 0;
pub const ZX_BTI_PERM_WRITE: u32 = 1 << 1;
pub const ZX_BTI_PERM_EXECUTE: u32 = 1 << 2;
pub const ZX_BTI_COMPRESS: u32 = 1 << 3;
pub const ZX_BTI_CONTIGUOUS: u32 = 1 << 4;
pub const ZX_IOMMU_TYPE_DUMMY: u32 = 0;
pub const ZX_IOMMU_TYPE_STUB: u32 = ZX_IOMMU_TYPE_DUMMY;
pub const ZX_IOMMU_TYPE_INTEL: u32 = 1;

// Pager.
pub const ZX_PAGER_VMO_READ: u16 = 0;
pub const ZX_PAGER_VMO_COMPLETE: u16 = 1;
pub const ZX_PAGER_VMO_DIRTY: u16 = 2;
pub const ZX_PAGER_OP_FAIL: u32 = 1;
pub const ZX_PKT_TYPE_USER: u32 = 0;
pub const ZX_PKT_TYPE_PAGE_REQUEST: u32 = 9;
pub const ZX_PAGER_OP_DIRTY: u32 = 2;
pub const ZX_PAGER_OP_WRITEBACK_BEGIN: u32 = 3;
pub const ZX_PAGER_OP_WRITEBACK_END: u32 = 4;
pub const ZX_VMO_DIRTY_RANGE_IS_ZERO: u64 = 1;
pub const ZX_PAGER_VMO_STATS_MODIFIED: u32 = 1;
pub const ZX_PAGER_RESET_VMO_STATS: u32 = 1;
/// `ZX_DEFAULT_PAGER_RIGHTS`: TRANSFER | INSPECT | ATTACH_VMO | MANAGE_VMO.
pub const ZX_DEFAULT_PAGER_RIGHTS: zx_rights_t = 0x0180_8002;
/// Emulator only: the default of `KernelConfig::pager_timeout_ns` (300 s).
pub const ZX_PAGER_TIMEOUT_DEFAULT_NS: u64 = 300_000_000_000;

// Properties.
pub const ZX_PROP_NAME: u32 = 3;
pub const ZX_PROP_VMO_CONTENT_SIZE: u32 = 17;

// Info topics (the top four bits carry the record's version).
pub const ZX_INFO_NONE: u32 = 0;
pub const ZX_INFO_HANDLE_VALID: u32 = 1;
pub const ZX_INFO_HANDLE_BASIC: u32 = 2;
pub const ZX_INFO_KMEM_STATS_V1: u32 = 17;
pub const ZX_INFO_KMEM_STATS: u32 = 0x1000_0011;
pub const ZX_INFO_BTI: u32 = 20;
pub const ZX_INFO_VMO_V1: u32 = 23;
pub const ZX_INFO_VMO_V2: u32 = 0x1000_0017;
pub const ZX_INFO_VMO_V3: u32 = 0x2000_0017;
pub const ZX_INFO_VMO: u32 = 0x3000_0017;

// ZX_INFO_VMO flags.
pub const ZX_INFO_VMO_TYPE_PHYSICAL: u32 = 0;
pub const ZX_INFO_VMO_TYPE_PAGED: u32 = 1 << 0;
pub const ZX_INFO_VMO_RESIZABLE: u32 = 1 << 1;
pub const ZX_INFO_VMO_IS_COW_CLONE: u32 = 1 << 2;
pub const ZX_INFO_VMO_VIA_HANDLE: u32 = 1 << 3;
pub const ZX_INFO_VMO_VIA_MAPPING: u32 = 1 << 4;
pub const ZX_INFO_VMO_PAGER_BACKED: u32 = 1 << 5;
pub const ZX_INFO_VMO_CONTIGUOUS: u32 = 1 << 6;
pub const ZX_INFO_VMO_DISCARDABLE: u32 = 1 << 7;
pub const ZX_INFO_VMO_IMMUTABLE: u32 = 1 << 8;
pub const ZX_INFO_VMO_VIA_IOB_HANDLE: u32 = 1 << 9;

// Cache policies.
pub const ZX_CACHE_POLICY_CACHED: u32 = 0;

/// `zx_info_handle_basic_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_info_handle_basic_t {
    pub koid: zx_koid_t,
    pub rights: zx_rights_t,
    pub type_: zx_obj_type_t,
    pub related_koid: zx_koid_t,
    pub props: u32,
    pub padding1: [u8; 4],
}

/// `zx_info_vmo_t`: the full RFC-0254 record (`ZX_INFO_VMO`); the `_V1`..`_V3` topics return
/// prefixes of it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_info_vmo_t {
    pub koid: zx_koid_t,
    pub name: [u8; ZX_MAX_NAME_LEN],
    pub size_bytes: u64,
    pub parent_koid: zx_koid_t,
    pub num_children: u64,
    pub num_mappings: u64,
    pub share_count: u64,
    pub flags: u32,
    pub padding1: [u8; 4],
    pub committed_bytes: u64,
    pub handle_rights: zx_rights_t,
    pub cache_policy: u32,
    pub metadata_bytes: u64,
    pub committed_change_events: u64,
    pub populated_bytes: u64,
    pub committed_private_bytes: u64,
    pub populated_private_bytes: u64,
    pub committed_scaled_bytes: u64,
    pub populated_scaled_bytes: u64,
    pub committed_fractional_scaled_bytes: u64,
    pub populated_fractional_scaled_bytes: u64,
}

/// Bytes of the `ZX_INFO_VMO_V1` record (ends after `cache_policy`).
pub const ZX_INFO_VMO_V1_SIZE: usize = 104;
/// Bytes of the `ZX_INFO_VMO_V2` record (adds `metadata_bytes`, `committed_change_events`).
pub const ZX_INFO_VMO_V2_SIZE: usize = 120;
/// Bytes of the `ZX_INFO_VMO_V3` record (adds `populated_bytes`).
pub const ZX_INFO_VMO_V3_SIZE: usize = 128;

/// `zx_info_bti_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_info_bti_t {
    pub minimum_contiguity: u64,
    pub aspace_size: u64,
    pub pmo_count: u64,
    pub quarantine_count: u64,
}

/// `zx_info_kmem_stats_t` (`ZX_INFO_KMEM_STATS`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_info_kmem_stats_t {
    pub total_bytes: u64,
    pub free_bytes: u64,
    pub free_loaned_bytes: u64,
    pub wired_bytes: u64,
    pub total_heap_bytes: u64,
    pub free_heap_bytes: u64,
    pub vmo_bytes: u64,
    pub mmu_overhead_bytes: u64,
    pub ipc_bytes: u64,
    pub cache_bytes: u64,
    pub slab_bytes: u64,
    pub zram_bytes: u64,
    pub other_bytes: u64,
    pub vmo_reclaim_total_bytes: u64,
    pub vmo_reclaim_newest_bytes: u64,
    pub vmo_reclaim_oldest_bytes: u64,
    pub vmo_reclaim_disabled_bytes: u64,
    pub vmo_discardable_locked_bytes: u64,
    pub vmo_discardable_unlocked_bytes: u64,
}

/// `zx_info_kmem_stats_v1_t` (`ZX_INFO_KMEM_STATS_V1`, the older layout).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_info_kmem_stats_v1_t {
    pub total_bytes: u64,
    pub free_bytes: u64,
    pub wired_bytes: u64,
    pub total_heap_bytes: u64,
    pub free_heap_bytes: u64,
    pub vmo_bytes: u64,
    pub mmu_overhead_bytes: u64,
    pub ipc_bytes: u64,
    pub other_bytes: u64,
}

/// `zx_vmo_lock_state_t`, written by `ZX_VMO_OP_LOCK` and `TRY_LOCK`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_vmo_lock_state_t {
    pub offset: u64,
    pub size: u64,
    pub discarded_offset: u64,
    pub discarded_size: u64,
}

/// `zx_packet_page_request_t`: the payload of a `ZX_PKT_TYPE_PAGE_REQUEST` packet.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_packet_page_request_t {
    pub command: u16,
    pub flags: u16,
    pub reserved0: u32,
    pub offset: u64,
    pub length: u64,
    pub reserved1: u64,
}

/// `zx_vmo_dirty_range_t`: one record of `pager_query_dirty_ranges` (24 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_vmo_dirty_range_t {
    pub offset: u64,
    pub length: u64,
    /// 0 or `ZX_VMO_DIRTY_RANGE_IS_ZERO`.
    pub options: u64,
}

/// `zx_pager_vmo_stats_t`: what `pager_query_vmo_stats` writes (4 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_pager_vmo_stats_t {
    /// 0 or `ZX_PAGER_VMO_STATS_MODIFIED`.
    pub modified: u32,
}

/// `zx_port_packet_t`: `key`, `type_`, `status` and the 32-byte payload union.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_port_packet_t {
    pub key: u64,
    pub type_: u32,
    pub status: zx_status_t,
    pub union_: [u8; 32],
}

impl zx_port_packet_t {
    /// The payload read as `zx_packet_page_request_t` (C: `packet.page_request`); no tag
    /// check, like the C union.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let packet = zx_port_packet_t::from_page_request(1, ZX_PAGER_VMO_READ, 4096, 8192);
    /// assert_eq!((packet.page_request().offset, packet.page_request().length), (4096, 8192));
    /// ```
    pub fn page_request(&self) -> zx_packet_page_request_t {
        bytemuck::pod_read_unaligned(&self.union_)
    }

    /// A page-request packet as the kernel sends it: `type_ = ZX_PKT_TYPE_PAGE_REQUEST`,
    /// status `ZX_OK`, flags and reserved fields zero.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let packet = zx_port_packet_t::from_page_request(7, ZX_PAGER_VMO_COMPLETE, 0, 0);
    /// assert_eq!((packet.key, packet.type_), (7, ZX_PKT_TYPE_PAGE_REQUEST));
    /// ```
    pub fn from_page_request(key: u64, command: u16, offset: u64, length: u64) -> zx_port_packet_t {
        let request = zx_packet_page_request_t { command, offset, length, ..Default::default() };
        zx_port_packet_t {
            key,
            type_: ZX_PKT_TYPE_PAGE_REQUEST,
            status: ZX_OK,
            union_: bytemuck::cast(request),
        }
    }

    /// A user packet with `key`, `status` and `payload`.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let packet = zx_port_packet_t::from_user(3, ZX_OK, [1; 32]);
    /// assert_eq!((packet.type_, packet.union_[31]), (ZX_PKT_TYPE_USER, 1));
    /// ```
    pub fn from_user(key: u64, status: zx_status_t, payload: [u8; 32]) -> zx_port_packet_t {
        zx_port_packet_t { key, type_: ZX_PKT_TYPE_USER, status, union_: payload }
    }
}

/// The C name of a status code, e.g. `"ZX_ERR_NO_MEMORY"`; `None` for an unknown value.
///
/// ```
/// assert_eq!(zx_syscalls::zx::status_name(-30), Some("ZX_ERR_ACCESS_DENIED"));
/// ```
pub fn status_name(status: zx_status_t) -> Option<&'static str> {
    STATUS_NAMES.iter().find(|(value, _)| *value == status).map(|(_, name)| *name)
}

/// Every status code with its C name.
pub const STATUS_NAMES: &[(zx_status_t, &str)] = &[
    (ZX_OK, "ZX_OK"),
    (ZX_ERR_INTERNAL, "ZX_ERR_INTERNAL"),
    (ZX_ERR_NOT_SUPPORTED, "ZX_ERR_NOT_SUPPORTED"),
    (ZX_ERR_NO_RESOURCES, "ZX_ERR_NO_RESOURCES"),
    (ZX_ERR_NO_MEMORY, "ZX_ERR_NO_MEMORY"),
    (ZX_ERR_INTERNAL_INTR_RETRY, "ZX_ERR_INTERNAL_INTR_RETRY"),
    (ZX_ERR_INVALID_ARGS, "ZX_ERR_INVALID_ARGS"),
    (ZX_ERR_BAD_HANDLE, "ZX_ERR_BAD_HANDLE"),
    (ZX_ERR_WRONG_TYPE, "ZX_ERR_WRONG_TYPE"),
    (ZX_ERR_BAD_SYSCALL, "ZX_ERR_BAD_SYSCALL"),
    (ZX_ERR_OUT_OF_RANGE, "ZX_ERR_OUT_OF_RANGE"),
    (ZX_ERR_BUFFER_TOO_SMALL, "ZX_ERR_BUFFER_TOO_SMALL"),
    (ZX_ERR_BAD_STATE, "ZX_ERR_BAD_STATE"),
    (ZX_ERR_TIMED_OUT, "ZX_ERR_TIMED_OUT"),
    (ZX_ERR_SHOULD_WAIT, "ZX_ERR_SHOULD_WAIT"),
    (ZX_ERR_CANCELED, "ZX_ERR_CANCELED"),
    (ZX_ERR_PEER_CLOSED, "ZX_ERR_PEER_CLOSED"),
    (ZX_ERR_NOT_FOUND, "ZX_ERR_NOT_FOUND"),
    (ZX_ERR_ALREADY_EXISTS, "ZX_ERR_ALREADY_EXISTS"),
    (ZX_ERR_ALREADY_BOUND, "ZX_ERR_ALREADY_BOUND"),
    (ZX_ERR_UNAVAILABLE, "ZX_ERR_UNAVAILABLE"),
    (ZX_ERR_ACCESS_DENIED, "ZX_ERR_ACCESS_DENIED"),
    (ZX_ERR_IO, "ZX_ERR_IO"),
    (ZX_ERR_IO_REFUSED, "ZX_ERR_IO_REFUSED"),
    (ZX_ERR_IO_DATA_INTEGRITY, "ZX_ERR_IO_DATA_INTEGRITY"),
    (ZX_ERR_IO_DATA_LOSS, "ZX_ERR_IO_DATA_LOSS"),
    (ZX_ERR_IO_NOT_PRESENT, "ZX_ERR_IO_NOT_PRESENT"),
    (ZX_ERR_IO_OVERRUN, "ZX_ERR_IO_OVERRUN"),
    (ZX_ERR_IO_MISSED_DEADLINE, "ZX_ERR_IO_MISSED_DEADLINE"),
    (ZX_ERR_IO_INVALID, "ZX_ERR_IO_INVALID"),
    (ZX_ERR_BAD_PATH, "ZX_ERR_BAD_PATH"),
    (ZX_ERR_NOT_DIR, "ZX_ERR_NOT_DIR"),
    (ZX_ERR_NOT_FILE, "ZX_ERR_NOT_FILE"),
    (ZX_ERR_FILE_BIG, "ZX_ERR_FILE_BIG"),
    (ZX_ERR_NO_SPACE, "ZX_ERR_NO_SPACE"),
    (ZX_ERR_NOT_EMPTY, "ZX_ERR_NOT_EMPTY"),
    (ZX_ERR_STOP, "ZX_ERR_STOP"),
    (ZX_ERR_NEXT, "ZX_ERR_NEXT"),
    (ZX_ERR_ASYNC, "ZX_ERR_ASYNC"),
    (ZX_ERR_PROTOCOL_NOT_SUPPORTED, "ZX_ERR_PROTOCOL_NOT_SUPPORTED"),
    (ZX_ERR_ADDRESS_UNREACHABLE, "ZX_ERR_ADDRESS_UNREACHABLE"),
    (ZX_ERR_ADDRESS_IN_USE, "ZX_ERR_ADDRESS_IN_USE"),
    (ZX_ERR_NOT_CONNECTED, "ZX_ERR_NOT_CONNECTED"),
    (ZX_ERR_CONNECTION_REFUSED, "ZX_ERR_CONNECTION_REFUSED"),
    (ZX_ERR_CONNECTION_RESET, "ZX_ERR_CONNECTION_RESET"),
    (ZX_ERR_CONNECTION_ABORTED, "ZX_ERR_CONNECTION_ABORTED"),
];

// ---- Address spaces (docs/reference.md §11) ----

pub type zx_vaddr_t = u64;
pub type zx_vm_option_t = u32;

pub const ZX_VM_PERM_READ: zx_vm_option_t = 1 << 0;
pub const ZX_VM_PERM_WRITE: zx_vm_option_t = 1 << 1;
pub const ZX_VM_PERM_EXECUTE: zx_vm_option_t = 1 << 2;
pub const ZX_VM_COMPACT: zx_vm_option_t = 1 << 3;
pub const ZX_VM_SPECIFIC: zx_vm_option_t = 1 << 4;
pub const ZX_VM_SPECIFIC_OVERWRITE: zx_vm_option_t = 1 << 5;
pub const ZX_VM_CAN_MAP_SPECIFIC: zx_vm_option_t = 1 << 6;
pub const ZX_VM_CAN_MAP_READ: zx_vm_option_t = 1 << 7;
pub const ZX_VM_CAN_MAP_WRITE: zx_vm_option_t = 1 << 8;
pub const ZX_VM_CAN_MAP_EXECUTE: zx_vm_option_t = 1 << 9;
pub const ZX_VM_MAP_RANGE: zx_vm_option_t = 1 << 10;
pub const ZX_VM_REQUIRE_NON_RESIZABLE: zx_vm_option_t = 1 << 11;
pub const ZX_VM_ALLOW_FAULTS: zx_vm_option_t = 1 << 12;
pub const ZX_VM_OFFSET_IS_UPPER_LIMIT: zx_vm_option_t = 1 << 13;
pub const ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED: zx_vm_option_t = 1 << 14;
pub const ZX_VM_FAULT_BEYOND_STREAM_SIZE: zx_vm_option_t = 1 << 15;
pub const ZX_VM_ALIGN_BASE: u32 = 24;
pub const ZX_VM_ALIGN_1KB: zx_vm_option_t = 10 << 24;
pub const ZX_VM_ALIGN_2KB: zx_vm_option_t = 11 << 24;
pub const ZX_VM_ALIGN_4KB: zx_vm_option_t = 12 << 24;
pub const ZX_VM_ALIGN_8KB: zx_vm_option_t = 13 << 24;
pub const ZX_VM_ALIGN_16KB: zx_vm_option_t = 14 << 24;
pub const ZX_VM_ALIGN_32KB: zx_vm_option_t = 15 << 24;
pub const ZX_VM_ALIGN_64KB: zx_vm_option_t = 16 << 24;
pub const ZX_VM_ALIGN_128KB: zx_vm_option_t = 17 << 24;
pub const ZX_VM_ALIGN_256KB: zx_vm_option_t = 18 << 24;
pub const ZX_VM_ALIGN_512KB: zx_vm_option_t = 19 << 24;
pub const ZX_VM_ALIGN_1MB: zx_vm_option_t = 20 << 24;
pub const ZX_VM_ALIGN_2MB: zx_vm_option_t = 21 << 24;
pub const ZX_VM_ALIGN_4MB: zx_vm_option_t = 22 << 24;
pub const ZX_VM_ALIGN_8MB: zx_vm_option_t = 23 << 24;
pub const ZX_VM_ALIGN_16MB: zx_vm_option_t = 24 << 24;
pub const ZX_VM_ALIGN_32MB: zx_vm_option_t = 25 << 24;
pub const ZX_VM_ALIGN_64MB: zx_vm_option_t = 26 << 24;
pub const ZX_VM_ALIGN_128MB: zx_vm_option_t = 27 << 24;
pub const ZX_VM_ALIGN_256MB: zx_vm_option_t = 28 << 24;
pub const ZX_VM_ALIGN_512MB: zx_vm_option_t = 29 << 24;
pub const ZX_VM_ALIGN_1GB: zx_vm_option_t = 30 << 24;
pub const ZX_VM_ALIGN_2GB: zx_vm_option_t = 31 << 24;
pub const ZX_VM_ALIGN_4GB: zx_vm_option_t = 32 << 24;

pub const ZX_VMAR_OP_COMMIT: u32 = 1;
pub const ZX_VMAR_OP_DECOMMIT: u32 = 2;
pub const ZX_VMAR_OP_MAP_RANGE: u32 = 3;
pub const ZX_VMAR_OP_ZERO: u32 = 10;
pub const ZX_VMAR_OP_DONT_NEED: u32 = 12;
pub const ZX_VMAR_OP_ALWAYS_NEED: u32 = 13;
pub const ZX_VMAR_OP_PREFETCH: u32 = 14;

/// `ZX_DEFAULT_VMAR_RIGHTS`: TRANSFER | DUPLICATE | INSPECT | OP_CHILDREN.
pub const ZX_DEFAULT_VMAR_RIGHTS: zx_rights_t = 0x0020_8003;
/// `ZX_DEFAULT_JOB_RIGHTS` (no job object is emulated).
pub const ZX_DEFAULT_JOB_RIGHTS: zx_rights_t = 0x0007_DFCF;
pub const ZX_OBJ_TYPE_JOB: zx_obj_type_t = 17;
pub const ZX_OBJ_TYPE_VMAR: zx_obj_type_t = 18;
pub const ZX_PROCESS_SHARED: u32 = 1 << 0;

pub const ZX_INFO_VMAR: u32 = 7;
pub const ZX_INFO_PROCESS_MAPS_V1: u32 = 13;
pub const ZX_INFO_PROCESS_MAPS_V2: u32 = 0x1000_000D;
pub const ZX_INFO_PROCESS_MAPS: u32 = 0x2000_000D;
pub const ZX_INFO_PROCESS_VMOS_V1: u32 = 14;
pub const ZX_INFO_PROCESS_VMOS_V2: u32 = 0x1000_000E;
pub const ZX_INFO_PROCESS_VMOS_V3: u32 = 0x2000_000E;
pub const ZX_INFO_PROCESS_VMOS: u32 = 0x3000_000E;
pub const ZX_INFO_VMAR_MAPS: u32 = 36;
pub const ZX_INFO_MAPS_TYPE_NONE: u32 = 0;
pub const ZX_INFO_MAPS_TYPE_ASPACE: u32 = 1;
pub const ZX_INFO_MAPS_TYPE_VMAR: u32 = 2;
pub const ZX_INFO_MAPS_TYPE_MAPPING: u32 = 3;

/// `zx_info_vmar_t` (`ZX_INFO_VMAR`), 16 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_info_vmar_t {
    pub base: zx_vaddr_t,
    pub len: u64,
}

/// `zx_info_maps_mapping_t`, 88 bytes: the mapping part of a `zx_info_maps_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_info_maps_mapping_t {
    pub mmu_flags: zx_vm_option_t,
    pub padding1: [u8; 4],
    pub vmo_koid: zx_koid_t,
    pub vmo_offset: u64,
    pub committed_bytes: u64,
    pub populated_bytes: u64,
    pub committed_private_bytes: u64,
    pub populated_private_bytes: u64,
    pub committed_scaled_bytes: u64,
    pub populated_scaled_bytes: u64,
    pub committed_fractional_scaled_bytes: u64,
    pub populated_fractional_scaled_bytes: u64,
}

/// The C one-member union `zx_info_maps_t.u`, as a struct of the same layout.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_info_maps_u_t {
    pub mapping: zx_info_maps_mapping_t,
}

/// `zx_info_maps_t` (`ZX_INFO_PROCESS_MAPS`, `ZX_INFO_VMAR_MAPS`), 152 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct zx_info_maps_t {
    pub name: [u8; ZX_MAX_NAME_LEN],
    pub base: zx_vaddr_t,
    pub size: u64,
    pub depth: u64,
    pub type_: u32,
    pub padding1: [u8; 4],
    pub u: zx_info_maps_u_t,
}
