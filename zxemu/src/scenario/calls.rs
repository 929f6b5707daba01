//! The calls a scenario can make, with their signatures, and the C constants it can name.

use zx_kernel::zx;

/// How an argument is written and passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A handle value (`u32`): a bound name or a number.
    Handle,
    /// A `u32` value.
    U32,
    /// A `u64` value.
    U64,
    /// A `u16` value (a field of a packet literal).
    U16,
    /// An `i32` value (a status in a packet literal).
    I32,
    /// An `i64` value: a deadline.
    I64,
    /// A 64-bit word: any `u64`, or a negative `i64` sign-extended to 64 bits, as C converts
    /// a status to `uint64_t` (the `data` of `pager_op_range`: `ZX_ERR_IO` passes
    /// `0xFFFF_FFFF_FFFF_FFD8`).
    Word,
    /// An input buffer, written as a byte pattern.
    InBytes,
    /// An output buffer, written as its length in bytes.
    OutLen,
    /// An output array (physical addresses, dirty ranges), written as its number of entries.
    OutCount,
    /// A `zx_port_packet_t`, written as a packet literal `{ key = 5, payload = "hi" }`.
    Packet,
}

/// The kind of a record field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldTy {
    /// An integer.
    Int,
    /// A NUL-padded name.
    Name,
    /// Bytes compared in full (a packet's payload).
    Bytes,
    /// A list of `zx_vmo_dirty_range_t` records, compared with a list of tuples
    /// `[(offset, length, options), ...]`.
    Ranges,
}

/// What a successful call gives back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    /// Nothing.
    Unit,
    /// A new handle.
    Handle,
    /// A number.
    Scalar,
    /// The bytes of an output buffer.
    Bytes,
    /// A record with named fields.
    Record(&'static [(&'static str, FieldTy)]),
}

/// The signature of one scenario call.
#[derive(Debug, PartialEq, Eq)]
pub struct CallSpec {
    /// The C name without `zx_`.
    pub name: &'static str,
    /// Parameter names and kinds, in C order.
    pub params: &'static [(&'static str, Ty)],
    /// The result.
    pub ret: Ret,
    /// Whether the call is made on the kernel rather than a process (no `@proc`).
    pub kernel: bool,
}

use FieldTy::{Int, Name};
use Ty::{Handle as H, InBytes, OutCount, OutLen, Word, I64, U32, U64};

/// Fields of `zx_info_handle_basic_t` (`type_` is written `type`).
pub const HANDLE_BASIC: &[(&str, FieldTy)] =
    &[("koid", Int), ("rights", Int), ("type", Int), ("related_koid", Int), ("props", Int)];

/// Fields of `zx_info_vmo_t`.
pub const INFO_VMO: &[(&str, FieldTy)] = &[
    ("koid", Int),
    ("name", Name),
    ("size_bytes", Int),
    ("parent_koid", Int),
    ("num_children", Int),
    ("num_mappings", Int),
    ("share_count", Int),
    ("flags", Int),
    ("committed_bytes", Int),
    ("handle_rights", Int),
    ("cache_policy", Int),
    ("metadata_bytes", Int),
    ("committed_change_events", Int),
    ("populated_bytes", Int),
    ("committed_private_bytes", Int),
    ("populated_private_bytes", Int),
    ("committed_scaled_bytes", Int),
    ("populated_scaled_bytes", Int),
    ("committed_fractional_scaled_bytes", Int),
    ("populated_fractional_scaled_bytes", Int),
];

/// Fields of `zx_info_bti_t`.
pub const INFO_BTI: &[(&str, FieldTy)] = &[
    ("minimum_contiguity", Int),
    ("aspace_size", Int),
    ("pmo_count", Int),
    ("quarantine_count", Int),
];

/// Fields of `zx_info_kmem_stats_t`, plus `used_bytes` = `total_bytes - free_bytes`.
pub const KMEM: &[(&str, FieldTy)] =
    &[("total_bytes", Int), ("free_bytes", Int), ("vmo_bytes", Int), ("used_bytes", Int)];

/// Fields of `zx_port_packet_t` as `port_wait` gives it: `key`, `type`, `status`, the 32
/// payload bytes, and the payload read as `zx_packet_page_request_t` (`command`, `flags`,
/// `offset`, `length`, and the two reserved words).
pub const PACKET: &[(&str, FieldTy)] = &[
    ("key", Int),
    ("type", Int),
    ("status", Int),
    ("payload", FieldTy::Bytes),
    ("command", Int),
    ("flags", Int),
    ("offset", Int),
    ("length", Int),
    ("reserved0", Int),
    ("reserved1", Int),
];

/// What `pager_query_dirty_ranges` gives: `(actual, avail)` and the `actual` records written.
pub const DIRTY_RANGES: &[(&str, FieldTy)] =
    &[("actual", Int), ("avail", Int), ("ranges", FieldTy::Ranges)];

/// Fields of `zx_pager_vmo_stats_t`.
pub const VMO_STATS: &[(&str, FieldTy)] = &[("modified", Int)];

/// The fields a packet literal may set (`type` is set, and `port_queue` replaces it).
pub const PACKET_LITERAL: &[(&str, Ty)] = &[
    ("key", U64),
    ("type", U32),
    ("status", Ty::I32),
    ("payload", InBytes),
    ("command", Ty::U16),
    ("flags", Ty::U16),
    ("offset", U64),
    ("length", U64),
];

/// The size of a packet's payload in bytes.
pub const PACKET_PAYLOAD: usize = 32;

/// Fields of `zx_info_vmar_t`.
pub const INFO_VMAR: &[(&str, FieldTy)] = &[("base", Int), ("len", Int)];

/// What `compare_exchange_mapped_u64` gives: `swapped` (1 if the word held `current` and now
/// holds `new`, else 0) and `value` (the word found).
pub const CAS: &[(&str, FieldTy)] = &[("swapped", Int), ("value", Int)];

/// The calls that go through the software MMU: the only ones that can fault
/// (`=> fault STATUS [at ADDR]`).
pub const MAPPED_ACCESSES: &[&str] = &[
    "read_mapped",
    "write_mapped",
    "fetch_mapped",
    "load_mapped_u64",
    "store_mapped_u64",
    "compare_exchange_mapped_u64",
    "fetch_add_mapped_u64",
];

/// What the raw `object_get_info` returns.
pub const ACTUAL_AVAIL: &[(&str, FieldTy)] = &[("actual", Int), ("avail", Int)];

macro_rules! calls {
    ($($name:ident ( $($p:ident : $t:expr),* ) -> $ret:expr $(, $k:ident)?;)*) => {
        /// Every call a scenario can make.
        pub static CALLS: &[CallSpec] = &[$(CallSpec {
            name: stringify!($name),
            params: &[$((stringify!($p), $t)),*],
            ret: $ret,
            kernel: calls!(@kernel $($k)?),
        }),*];
    };
    (@kernel) => { false };
    (@kernel kernel) => { true };
}

calls! {
    vmo_create(size: U64, options: U32) -> Ret::Handle;
    vmo_read(vmo: H, buffer: OutLen, offset: U64) -> Ret::Bytes;
    vmo_write(vmo: H, buffer: InBytes, offset: U64) -> Ret::Unit;
    vmo_get_size(vmo: H) -> Ret::Scalar;
    vmo_set_size(vmo: H, size: U64) -> Ret::Unit;
    vmo_op_range(vmo: H, op: U32, offset: U64, size: U64, buffer: OutLen) -> Ret::Bytes;
    vmo_create_child(vmo: H, options: U32, offset: U64, size: U64) -> Ret::Handle;
    vmo_transfer_data(dst_vmo: H, options: U32, offset: U64, length: U64, src_vmo: H, src_offset: U64) -> Ret::Unit;
    vmo_create_contiguous(bti: H, size: U64, alignment_log2: U32) -> Ret::Handle;
    vmo_create_physical(resource: H, paddr: U64, size: U64) -> Ret::Handle;
    handle_close(handle: H) -> Ret::Unit;
    handle_duplicate(handle: H, rights: U32) -> Ret::Handle;
    handle_replace(handle: H, rights: U32) -> Ret::Handle;
    object_get_info(handle: H, topic: U32, buffer: OutLen) -> Ret::Record(ACTUAL_AVAIL);
    object_get_info_handle_basic(handle: H) -> Ret::Record(HANDLE_BASIC);
    object_get_info_vmo(handle: H) -> Ret::Record(INFO_VMO);
    object_get_info_bti(handle: H) -> Ret::Record(INFO_BTI);
    object_get_property(handle: H, property: U32, value: OutLen) -> Ret::Bytes;
    object_set_property(handle: H, property: U32, value: InBytes) -> Ret::Unit;
    object_wait_one(handle: H, signals: U32, deadline: I64) -> Ret::Scalar;
    object_signal(handle: H, clear_mask: U32, set_mask: U32) -> Ret::Unit;
    clock_get_monotonic() -> Ret::Scalar;
    event_create(options: U32) -> Ret::Handle;
    root_resource() -> Ret::Handle;
    iommu_create(resource: H, iommu_type: U32, desc: InBytes) -> Ret::Handle;
    bti_create(iommu: H, options: U32, bti_id: U64) -> Ret::Handle;
    bti_pin(bti: H, options: U32, vmo: H, offset: U64, size: U64, addrs: OutCount) -> Ret::Handle;
    bti_release_quarantine(bti: H) -> Ret::Unit;
    pmt_unpin(pmt: H) -> Ret::Unit;
    port_create(options: U32) -> Ret::Handle;
    port_queue(port: H, packet: Ty::Packet) -> Ret::Unit;
    port_wait(port: H, deadline: I64) -> Ret::Record(PACKET);
    pager_create(options: U32) -> Ret::Handle;
    pager_create_vmo(pager: H, options: U32, port: H, key: U64, size: U64) -> Ret::Handle;
    pager_detach_vmo(pager: H, vmo: H) -> Ret::Unit;
    pager_supply_pages(pager: H, pager_vmo: H, offset: U64, length: U64, aux_vmo: H, aux_offset: U64) -> Ret::Unit;
    pager_op_range(pager: H, op: U32, pager_vmo: H, offset: U64, length: U64, data: Word) -> Ret::Unit;
    pager_query_dirty_ranges(pager: H, pager_vmo: H, offset: U64, length: U64, buffer: OutCount) -> Ret::Record(DIRTY_RANGES);
    pager_query_vmo_stats(pager: H, pager_vmo: H, options: U32, buffer: OutLen) -> Ret::Record(VMO_STATS);
    vmo_set_stream_size(vmo: H, size: U64) -> Ret::Unit;
    vmo_get_stream_size(vmo: H) -> Ret::Scalar;
    process_self() -> Ret::Handle;
    vmar_root_self() -> Ret::Handle;
    vmar_allocate(parent_vmar: H, options: U32, offset: U64, size: U64) -> Ret::Handle;
    vmar_map(vmar: H, options: U32, vmar_offset: U64, vmo: H, vmo_offset: U64, len: U64) -> Ret::Scalar;
    vmar_unmap(vmar: H, addr: U64, len: U64) -> Ret::Unit;
    vmar_protect(vmar: H, options: U32, addr: U64, len: U64) -> Ret::Unit;
    vmar_op_range(vmar: H, op: U32, address: U64, size: U64, buffer: OutLen) -> Ret::Unit;
    vmar_destroy(vmar: H) -> Ret::Unit;
    vmo_replace_as_executable(vmo: H, vmex: H) -> Ret::Handle;
    object_get_info_vmar(handle: H) -> Ret::Record(INFO_VMAR);
    process_read_memory(process: H, vaddr: U64, buffer: OutLen) -> Ret::Bytes;
    process_write_memory(process: H, vaddr: U64, buffer: InBytes) -> Ret::Scalar;
    read_mapped(vaddr: U64, buffer: OutLen) -> Ret::Bytes;
    write_mapped(vaddr: U64, buffer: InBytes) -> Ret::Unit;
    fetch_mapped(vaddr: U64, buffer: OutLen) -> Ret::Bytes;
    load_mapped_u64(vaddr: U64) -> Ret::Scalar;
    store_mapped_u64(vaddr: U64, value: U64) -> Ret::Unit;
    compare_exchange_mapped_u64(vaddr: U64, current: U64, new: U64) -> Ret::Record(CAS);
    fetch_add_mapped_u64(vaddr: U64, delta: U64) -> Ret::Scalar;
    kmem_stats() -> Ret::Record(KMEM), kernel;
    reclaim_discardable() -> Ret::Scalar, kernel;
}

impl Ty {
    /// How an argument of this kind is written, for references (`u64`, `bytes`, ...).
    pub fn describe(self) -> &'static str {
        match self {
            Ty::Handle => "handle",
            Ty::U32 => "u32",
            Ty::U64 => "u64",
            Ty::I64 => "i64",
            Ty::InBytes => "bytes",
            Ty::OutLen => "out-len",
            Ty::OutCount => "out-count",
            Ty::Word => "word",
            Ty::Packet => "packet",
            Ty::I32 => "i32",
            Ty::U16 => "u16",
        }
    }
}

impl Ret {
    /// What a successful call gives, for references.
    pub fn describe(self) -> String {
        match self {
            Ret::Unit => "nothing".to_string(),
            Ret::Handle => "a handle (`-> name`)".to_string(),
            Ret::Scalar => "a number (`-> name`, `== value`)".to_string(),
            Ret::Bytes => "bytes (`== pattern`)".to_string(),
            Ret::Record(fields) => {
                let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
                format!("a record `{{ {} }}`", names.join(", "))
            }
        }
    }
}

impl CallSpec {
    /// One line: the call with its arguments, e.g. `vmo_create size:u64 options:u32`.
    ///
    /// ```
    /// use zxemu::scenario::calls::find_call;
    /// assert_eq!(find_call("vmo_get_size").unwrap().synopsis(), "vmo_get_size vmo:handle");
    /// ```
    pub fn synopsis(&self) -> String {
        let mut s = self.name.to_string();
        for (name, ty) in self.params {
            s.push_str(&format!(" {name}:{}", ty.describe()));
        }
        s
    }
}

/// The Markdown table of every call (in docs/scenarios.md, kept in step by a test).
///
/// ```
/// let table = zxemu::scenario::calls::calls_markdown();
/// assert!(table.contains("| `vmo_create` | `size` u64, `options` u32 |"));
/// ```
pub fn calls_markdown() -> String {
    let mut out = String::from("| call | arguments | on success it gives |\n|---|---|---|\n");
    for c in CALLS {
        let args: Vec<String> =
            c.params.iter().map(|(n, t)| format!("`{n}` {}", t.describe())).collect();
        let args = if args.is_empty() { "none".to_string() } else { args.join(", ") };
        let kernel = if c.kernel { " (asks the kernel: no `@process`)" } else { "" };
        out.push_str(&format!("| `{}` | {args} | {}{kernel} |\n", c.name, c.ret.describe()));
    }
    out
}

/// The candidate closest to `word` when it is close enough to be a likely typo.
///
/// ```
/// use zxemu::scenario::calls::{did_you_mean, CALLS};
/// assert_eq!(did_you_mean("vmo_craete", CALLS.iter().map(|c| c.name)), Some("vmo_create"));
/// assert_eq!(did_you_mean("xyz", CALLS.iter().map(|c| c.name)), None);
/// ```
pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::normalized_damerau_levenshtein(word, c), c))
        .filter(|&(score, _)| score >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `: did you mean `x`?` or nothing.
pub(crate) fn hint<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    did_you_mean(word, candidates).map_or_else(String::new, |c| format!(": did you mean `{c}`?"))
}

/// The signature of the call named `name`.
///
/// ```
/// use zxemu::scenario::calls::find_call;
/// assert_eq!(find_call("vmo_create").unwrap().params.len(), 2);
/// assert!(find_call("vmo_map").is_none());
/// ```
pub fn find_call(name: &str) -> Option<&'static CallSpec> {
    CALLS.iter().find(|c| c.name == name)
}

macro_rules! constants {
    ($($name:ident),* $(,)?) => {
        /// Every C constant a scenario can name, with its value (from [`zx_kernel::zx`]).
        pub static CONSTANTS: &[(&str, i128)] = &[
            $((stringify!($name), zx::$name as i128),)*
            ("ZX_USER_SIGNAL_1", (zx::ZX_USER_SIGNAL_0 as i128) << 1),
            ("ZX_USER_SIGNAL_2", (zx::ZX_USER_SIGNAL_0 as i128) << 2),
            ("ZX_USER_SIGNAL_3", (zx::ZX_USER_SIGNAL_0 as i128) << 3),
            ("ZX_USER_SIGNAL_4", (zx::ZX_USER_SIGNAL_0 as i128) << 4),
            ("ZX_USER_SIGNAL_5", (zx::ZX_USER_SIGNAL_0 as i128) << 5),
            ("ZX_USER_SIGNAL_6", (zx::ZX_USER_SIGNAL_0 as i128) << 6),
            ("ZX_USER_SIGNAL_7", (zx::ZX_USER_SIGNAL_0 as i128) << 7),
        ];
    };
}

constants![
    ZX_OK,
    ZX_ERR_INTERNAL,
    ZX_ERR_NOT_SUPPORTED,
    ZX_ERR_NO_RESOURCES,
    ZX_ERR_NO_MEMORY,
    ZX_ERR_INVALID_ARGS,
    ZX_ERR_BAD_HANDLE,
    ZX_ERR_WRONG_TYPE,
    ZX_ERR_BAD_SYSCALL,
    ZX_ERR_OUT_OF_RANGE,
    ZX_ERR_BUFFER_TOO_SMALL,
    ZX_ERR_BAD_STATE,
    ZX_ERR_TIMED_OUT,
    ZX_ERR_SHOULD_WAIT,
    ZX_ERR_CANCELED,
    ZX_ERR_PEER_CLOSED,
    ZX_ERR_NOT_FOUND,
    ZX_ERR_ALREADY_EXISTS,
    ZX_ERR_ALREADY_BOUND,
    ZX_ERR_UNAVAILABLE,
    ZX_ERR_ACCESS_DENIED,
    ZX_ERR_IO,
    ZX_ERR_IO_REFUSED,
    ZX_ERR_IO_DATA_INTEGRITY,
    ZX_ERR_IO_DATA_LOSS,
    ZX_ERR_NO_SPACE,
    ZX_RIGHT_NONE,
    ZX_RIGHT_DUPLICATE,
    ZX_RIGHT_TRANSFER,
    ZX_RIGHT_READ,
    ZX_RIGHT_WRITE,
    ZX_RIGHT_EXECUTE,
    ZX_RIGHT_MAP,
    ZX_RIGHT_GET_PROPERTY,
    ZX_RIGHT_SET_PROPERTY,
    ZX_RIGHT_SIGNAL,
    ZX_RIGHT_WAIT,
    ZX_RIGHT_INSPECT,
    ZX_RIGHT_RESIZE,
    ZX_RIGHT_ATTACH_VMO,
    ZX_RIGHT_MANAGE_VMO,
    ZX_RIGHT_SAME_RIGHTS,
    ZX_RIGHTS_BASIC,
    ZX_RIGHTS_IO,
    ZX_DEFAULT_VMO_RIGHTS,
    ZX_VMO_RESIZABLE,
    ZX_VMO_DISCARDABLE,
    ZX_VMO_UNBOUNDED,
    ZX_VMO_CHILD_SNAPSHOT,
    ZX_VMO_CHILD_RESIZABLE,
    ZX_VMO_CHILD_SLICE,
    ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE,
    ZX_VMO_CHILD_NO_WRITE,
    ZX_VMO_CHILD_REFERENCE,
    ZX_VMO_CHILD_SNAPSHOT_MODIFIED,
    ZX_VMO_OP_COMMIT,
    ZX_VMO_OP_DECOMMIT,
    ZX_VMO_OP_LOCK,
    ZX_VMO_OP_UNLOCK,
    ZX_VMO_OP_CACHE_SYNC,
    ZX_VMO_OP_CACHE_INVALIDATE,
    ZX_VMO_OP_CACHE_CLEAN,
    ZX_VMO_OP_CACHE_CLEAN_INVALIDATE,
    ZX_VMO_OP_ZERO,
    ZX_VMO_OP_TRY_LOCK,
    ZX_VMO_OP_DONT_NEED,
    ZX_VMO_OP_ALWAYS_NEED,
    ZX_VMO_OP_PREFETCH,
    ZX_VMO_ZERO_CHILDREN,
    ZX_EVENT_SIGNALED,
    ZX_USER_SIGNAL_0,
    ZX_INFO_VMO_TYPE_PAGED,
    ZX_INFO_VMO_RESIZABLE,
    ZX_INFO_VMO_IS_COW_CLONE,
    ZX_INFO_VMO_VIA_HANDLE,
    ZX_INFO_VMO_PAGER_BACKED,
    ZX_INFO_VMO_CONTIGUOUS,
    ZX_INFO_VMO_DISCARDABLE,
    ZX_INFO_VMO_IMMUTABLE,
    ZX_INFO_HANDLE_BASIC,
    ZX_INFO_VMO,
    ZX_INFO_VMO_V1,
    ZX_INFO_VMO_V2,
    ZX_INFO_VMO_V3,
    ZX_INFO_BTI,
    ZX_INFO_KMEM_STATS,
    ZX_INFO_KMEM_STATS_V1,
    ZX_DEFAULT_PORT_RIGHTS,
    ZX_DEFAULT_PAGER_RIGHTS,
    ZX_PORT_BIND_TO_INTERRUPT,
    ZX_PKT_TYPE_USER,
    ZX_PKT_TYPE_PAGE_REQUEST,
    ZX_OBJ_TYPE_VMO,
    ZX_OBJ_TYPE_EVENT,
    ZX_OBJ_TYPE_PORT,
    ZX_OBJ_TYPE_RESOURCE,
    ZX_OBJ_TYPE_IOMMU,
    ZX_OBJ_TYPE_BTI,
    ZX_OBJ_TYPE_PMT,
    ZX_OBJ_TYPE_PAGER,
    ZX_PROP_NAME,
    ZX_PROP_VMO_CONTENT_SIZE,
    ZX_BTI_PERM_READ,
    ZX_BTI_PERM_WRITE,
    ZX_BTI_PERM_EXECUTE,
    ZX_BTI_COMPRESS,
    ZX_BTI_CONTIGUOUS,
    ZX_IOMMU_TYPE_DUMMY,
    ZX_IOMMU_TYPE_STUB,
    ZX_HANDLE_INVALID,
    ZX_HANDLE_FIXED_BITS_MASK,
    ZX_TIME_INFINITE,
    ZX_TIME_INFINITE_PAST,
    ZX_PAGE_SIZE,
    ZX_MAX_NAME_LEN,
    ZX_PAGER_VMO_READ,
    ZX_PAGER_VMO_COMPLETE,
    ZX_PAGER_VMO_DIRTY,
    ZX_PAGER_OP_FAIL,
    ZX_PAGER_OP_DIRTY,
    ZX_PAGER_OP_WRITEBACK_BEGIN,
    ZX_PAGER_OP_WRITEBACK_END,
    ZX_VMO_DIRTY_RANGE_IS_ZERO,
    ZX_PAGER_VMO_STATS_MODIFIED,
    ZX_PAGER_RESET_VMO_STATS,
    ZX_VMO_TRAP_DIRTY,
    ZX_RIGHT_OP_CHILDREN,
    ZX_DEFAULT_VMAR_RIGHTS,
    ZX_DEFAULT_PROCESS_RIGHTS,
    ZX_OBJ_TYPE_PROCESS,
    ZX_OBJ_TYPE_VMAR,
    ZX_VM_PERM_READ,
    ZX_VM_PERM_WRITE,
    ZX_VM_PERM_EXECUTE,
    ZX_VM_COMPACT,
    ZX_VM_SPECIFIC,
    ZX_VM_SPECIFIC_OVERWRITE,
    ZX_VM_CAN_MAP_SPECIFIC,
    ZX_VM_CAN_MAP_READ,
    ZX_VM_CAN_MAP_WRITE,
    ZX_VM_CAN_MAP_EXECUTE,
    ZX_VM_MAP_RANGE,
    ZX_VM_REQUIRE_NON_RESIZABLE,
    ZX_VM_ALLOW_FAULTS,
    ZX_VM_OFFSET_IS_UPPER_LIMIT,
    ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED,
    ZX_VM_FAULT_BEYOND_STREAM_SIZE,
    ZX_VM_ALIGN_BASE,
    ZX_VM_ALIGN_1KB,
    ZX_VM_ALIGN_4KB,
    ZX_VM_ALIGN_64KB,
    ZX_VM_ALIGN_1MB,
    ZX_VM_ALIGN_2MB,
    ZX_VM_ALIGN_1GB,
    ZX_VM_ALIGN_4GB,
    ZX_VMAR_OP_COMMIT,
    ZX_VMAR_OP_DECOMMIT,
    ZX_VMAR_OP_MAP_RANGE,
    ZX_VMAR_OP_ZERO,
    ZX_VMAR_OP_DONT_NEED,
    ZX_VMAR_OP_ALWAYS_NEED,
    ZX_VMAR_OP_PREFETCH,
    ZX_INFO_VMAR,
    ZX_INFO_VMAR_MAPS,
    ZX_INFO_PROCESS_MAPS,
    ZX_INFO_PROCESS_VMOS,
    ZX_INFO_VMO_VIA_MAPPING,
    ZX_INFO_MAPS_TYPE_ASPACE,
    ZX_INFO_MAPS_TYPE_VMAR,
    ZX_INFO_MAPS_TYPE_MAPPING,
];

/// The value of the C constant `name`.
///
/// ```
/// use zxemu::scenario::calls::constant;
/// assert_eq!(constant("ZX_VMO_CHILD_SNAPSHOT"), Some(1));
/// assert_eq!(constant("ZX_NOPE"), None);
/// ```
pub fn constant(name: &str) -> Option<i128> {
    CONSTANTS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

/// The C name of a status value (`ZX_OK` or a `ZX_ERR_*`), if it has one.
///
/// ```
/// use zxemu::scenario::calls::status_name;
/// assert_eq!(status_name(-20), Some("ZX_ERR_BAD_STATE"));
/// ```
pub fn status_name(raw: i32) -> Option<&'static str> {
    CONSTANTS
        .iter()
        .filter(|(n, _)| *n == "ZX_OK" || n.starts_with("ZX_ERR_"))
        .find(|&&(_, v)| v == i128::from(raw))
        .map(|&(n, _)| n)
}
