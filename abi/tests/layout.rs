//! Every constant, type size, record size, field offset and alignment of the headers checked
//! against the Rust definitions (`zx_kernel::zx`, `zx_abi`): this test writes a C file of
//! `_Static_assert`s from the Rust values and compiles it with `cc` (a mismatch is a compile
//! error). It also checks that the lists below name every constant and record of the Rust ABI
//! module, so a constant added there without a header counterpart fails here.

mod support;

use std::fmt::Write as _;
use std::mem::{align_of, offset_of, size_of};
use std::process::Command;

use support::*;
use zx_abi::zxemu_kernel_config_t;
use zx_kernel::zx::*;

/// (C name, value, size in bytes) of each constant.
macro_rules! constants {
    ($($name:ident),* $(,)?) => {
        vec![$((stringify!($name), $name as i128, std::mem::size_of_val(&$name))),*]
    };
}

struct Record {
    c_name: &'static str,
    size: usize,
    align: usize,
    /// (C field name, offset, size)
    fields: Vec<(&'static str, usize, usize)>,
}

fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

macro_rules! record {
    ($c:literal, $t:ty, [$($cf:literal => $rf:ident),* $(,)?]) => {
        Record {
            c_name: $c,
            size: size_of::<$t>(),
            align: align_of::<$t>(),
            fields: vec![$(($cf, offset_of!($t, $rf), field_size(|r: &$t| &r.$rf))),*],
        }
    };
}

fn all_constants() -> Vec<(&'static str, i128, usize)> {
    constants![
        ZX_OK,
        ZX_ERR_INTERNAL,
        ZX_ERR_NOT_SUPPORTED,
        ZX_ERR_NO_RESOURCES,
        ZX_ERR_NO_MEMORY,
        ZX_ERR_INTERNAL_INTR_RETRY,
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
        ZX_ERR_IO_NOT_PRESENT,
        ZX_ERR_IO_OVERRUN,
        ZX_ERR_IO_MISSED_DEADLINE,
        ZX_ERR_IO_INVALID,
        ZX_ERR_BAD_PATH,
        ZX_ERR_NOT_DIR,
        ZX_ERR_NOT_FILE,
        ZX_ERR_FILE_BIG,
        ZX_ERR_NO_SPACE,
        ZX_ERR_NOT_EMPTY,
        ZX_ERR_STOP,
        ZX_ERR_NEXT,
        ZX_ERR_ASYNC,
        ZX_ERR_PROTOCOL_NOT_SUPPORTED,
        ZX_ERR_ADDRESS_UNREACHABLE,
        ZX_ERR_ADDRESS_IN_USE,
        ZX_ERR_NOT_CONNECTED,
        ZX_ERR_CONNECTION_REFUSED,
        ZX_ERR_CONNECTION_RESET,
        ZX_ERR_CONNECTION_ABORTED,
        ZX_RIGHT_NONE,
        ZX_RIGHT_DUPLICATE,
        ZX_RIGHT_TRANSFER,
        ZX_RIGHT_READ,
        ZX_RIGHT_WRITE,
        ZX_RIGHT_EXECUTE,
        ZX_RIGHT_MAP,
        ZX_RIGHT_GET_PROPERTY,
        ZX_RIGHT_SET_PROPERTY,
        ZX_RIGHT_ENUMERATE,
        ZX_RIGHT_DESTROY,
        ZX_RIGHT_SET_POLICY,
        ZX_RIGHT_GET_POLICY,
        ZX_RIGHT_SIGNAL,
        ZX_RIGHT_SIGNAL_PEER,
        ZX_RIGHT_WAIT,
        ZX_RIGHT_INSPECT,
        ZX_RIGHT_MANAGE_JOB,
        ZX_RIGHT_MANAGE_PROCESS,
        ZX_RIGHT_MANAGE_THREAD,
        ZX_RIGHT_APPLY_PROFILE,
        ZX_RIGHT_MANAGE_SOCKET,
        ZX_RIGHT_OP_CHILDREN,
        ZX_RIGHT_RESIZE,
        ZX_RIGHT_ATTACH_VMO,
        ZX_RIGHT_MANAGE_VMO,
        ZX_RIGHT_SAME_RIGHTS,
        ZX_RIGHTS_BASIC,
        ZX_RIGHTS_IO,
        ZX_RIGHTS_PROPERTY,
        ZX_DEFAULT_VMO_RIGHTS,
        ZX_DEFAULT_EVENT_RIGHTS,
        ZX_DEFAULT_BTI_RIGHTS,
        ZX_DEFAULT_PROCESS_RIGHTS,
        ZX_DEFAULT_PORT_RIGHTS,
        ZX_PORT_BIND_TO_INTERRUPT,
        ZX_HANDLE_INVALID,
        ZX_HANDLE_FIXED_BITS_MASK,
        ZX_KOID_INVALID,
        ZX_TIME_INFINITE,
        ZX_TIME_INFINITE_PAST,
        ZX_MAX_NAME_LEN,
        ZX_VMO_RESIZABLE,
        ZX_VMO_DISCARDABLE,
        ZX_VMO_TRAP_DIRTY,
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
        ZX_OBJ_TYPE_NONE,
        ZX_OBJ_TYPE_PROCESS,
        ZX_OBJ_TYPE_THREAD,
        ZX_OBJ_TYPE_VMO,
        ZX_OBJ_TYPE_CHANNEL,
        ZX_OBJ_TYPE_EVENT,
        ZX_OBJ_TYPE_PORT,
        ZX_OBJ_TYPE_RESOURCE,
        ZX_OBJ_TYPE_IOMMU,
        ZX_OBJ_TYPE_BTI,
        ZX_OBJ_TYPE_PMT,
        ZX_OBJ_TYPE_PAGER,
        ZX_OBJ_PROP_NONE,
        ZX_OBJ_PROP_WAITABLE,
        ZX_SIGNAL_NONE,
        ZX_VMO_ZERO_CHILDREN,
        ZX_EVENT_SIGNALED,
        ZX_USER_SIGNAL_0,
        ZX_USER_SIGNAL_1,
        ZX_USER_SIGNAL_2,
        ZX_USER_SIGNAL_3,
        ZX_USER_SIGNAL_4,
        ZX_USER_SIGNAL_5,
        ZX_USER_SIGNAL_6,
        ZX_USER_SIGNAL_7,
        ZX_USER_SIGNAL_ALL,
        ZX_BTI_PERM_READ,
        ZX_BTI_PERM_WRITE,
        ZX_BTI_PERM_EXECUTE,
        ZX_BTI_COMPRESS,
        ZX_BTI_CONTIGUOUS,
        ZX_IOMMU_TYPE_DUMMY,
        ZX_IOMMU_TYPE_STUB,
        ZX_IOMMU_TYPE_INTEL,
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
        ZX_DEFAULT_PAGER_RIGHTS,
        ZX_PAGER_TIMEOUT_DEFAULT_NS,
        ZX_PKT_TYPE_USER,
        ZX_PKT_TYPE_PAGE_REQUEST,
        ZX_PROP_NAME,
        ZX_PROP_VMO_CONTENT_SIZE,
        ZX_PAGE_SIZE,
        ZX_INFO_NONE,
        ZX_INFO_HANDLE_VALID,
        ZX_INFO_HANDLE_BASIC,
        ZX_INFO_KMEM_STATS_V1,
        ZX_INFO_KMEM_STATS,
        ZX_INFO_BTI,
        ZX_INFO_VMO_V1,
        ZX_INFO_VMO_V2,
        ZX_INFO_VMO_V3,
        ZX_INFO_VMO,
        ZX_INFO_VMO_TYPE_PHYSICAL,
        ZX_INFO_VMO_TYPE_PAGED,
        ZX_INFO_VMO_RESIZABLE,
        ZX_INFO_VMO_IS_COW_CLONE,
        ZX_INFO_VMO_VIA_HANDLE,
        ZX_INFO_VMO_VIA_MAPPING,
        ZX_INFO_VMO_PAGER_BACKED,
        ZX_INFO_VMO_CONTIGUOUS,
        ZX_INFO_VMO_DISCARDABLE,
        ZX_INFO_VMO_IMMUTABLE,
        ZX_INFO_VMO_VIA_IOB_HANDLE,
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
        ZX_VM_ALIGN_2KB,
        ZX_VM_ALIGN_4KB,
        ZX_VM_ALIGN_8KB,
        ZX_VM_ALIGN_16KB,
        ZX_VM_ALIGN_32KB,
        ZX_VM_ALIGN_64KB,
        ZX_VM_ALIGN_128KB,
        ZX_VM_ALIGN_256KB,
        ZX_VM_ALIGN_512KB,
        ZX_VM_ALIGN_1MB,
        ZX_VM_ALIGN_2MB,
        ZX_VM_ALIGN_4MB,
        ZX_VM_ALIGN_8MB,
        ZX_VM_ALIGN_16MB,
        ZX_VM_ALIGN_32MB,
        ZX_VM_ALIGN_64MB,
        ZX_VM_ALIGN_128MB,
        ZX_VM_ALIGN_256MB,
        ZX_VM_ALIGN_512MB,
        ZX_VM_ALIGN_1GB,
        ZX_VM_ALIGN_2GB,
        ZX_VM_ALIGN_4GB,
        ZX_VMAR_OP_COMMIT,
        ZX_VMAR_OP_DECOMMIT,
        ZX_VMAR_OP_MAP_RANGE,
        ZX_VMAR_OP_ZERO,
        ZX_VMAR_OP_DONT_NEED,
        ZX_VMAR_OP_ALWAYS_NEED,
        ZX_VMAR_OP_PREFETCH,
        ZX_DEFAULT_VMAR_RIGHTS,
        ZX_DEFAULT_JOB_RIGHTS,
        ZX_OBJ_TYPE_JOB,
        ZX_OBJ_TYPE_VMAR,
        ZX_PROCESS_SHARED,
        ZX_INFO_VMAR,
        ZX_INFO_PROCESS_MAPS_V1,
        ZX_INFO_PROCESS_MAPS_V2,
        ZX_INFO_PROCESS_MAPS,
        ZX_INFO_PROCESS_VMOS_V1,
        ZX_INFO_PROCESS_VMOS_V2,
        ZX_INFO_PROCESS_VMOS_V3,
        ZX_INFO_PROCESS_VMOS,
        ZX_INFO_VMAR_MAPS,
        ZX_INFO_MAPS_TYPE_NONE,
        ZX_INFO_MAPS_TYPE_ASPACE,
        ZX_INFO_MAPS_TYPE_VMAR,
        ZX_INFO_MAPS_TYPE_MAPPING,
        ZX_CACHE_POLICY_CACHED,
    ]
}

fn all_records() -> Vec<Record> {
    vec![
        record!("zx_info_handle_basic_t", zx_info_handle_basic_t, [
            "koid" => koid, "rights" => rights, "type" => type_, "related_koid" => related_koid,
            "props" => props, "padding1" => padding1,
        ]),
        record!("zx_info_vmo_t", zx_info_vmo_t, [
            "koid" => koid, "name" => name, "size_bytes" => size_bytes,
            "parent_koid" => parent_koid, "num_children" => num_children,
            "num_mappings" => num_mappings, "share_count" => share_count, "flags" => flags,
            "padding1" => padding1, "committed_bytes" => committed_bytes,
            "handle_rights" => handle_rights, "cache_policy" => cache_policy,
            "metadata_bytes" => metadata_bytes,
            "committed_change_events" => committed_change_events,
            "populated_bytes" => populated_bytes,
            "committed_private_bytes" => committed_private_bytes,
            "populated_private_bytes" => populated_private_bytes,
            "committed_scaled_bytes" => committed_scaled_bytes,
            "populated_scaled_bytes" => populated_scaled_bytes,
            "committed_fractional_scaled_bytes" => committed_fractional_scaled_bytes,
            "populated_fractional_scaled_bytes" => populated_fractional_scaled_bytes,
        ]),
        record!("zx_info_vmar_t", zx_info_vmar_t, ["base" => base, "len" => len]),
        record!("zx_info_maps_mapping_t", zx_info_maps_mapping_t, [
            "mmu_flags" => mmu_flags, "padding1" => padding1, "vmo_koid" => vmo_koid,
            "vmo_offset" => vmo_offset, "committed_bytes" => committed_bytes,
            "populated_bytes" => populated_bytes,
            "committed_private_bytes" => committed_private_bytes,
            "populated_private_bytes" => populated_private_bytes,
            "committed_scaled_bytes" => committed_scaled_bytes,
            "populated_scaled_bytes" => populated_scaled_bytes,
            "committed_fractional_scaled_bytes" => committed_fractional_scaled_bytes,
            "populated_fractional_scaled_bytes" => populated_fractional_scaled_bytes,
        ]),
        record!("zx_info_maps_u_t", zx_info_maps_u_t, ["mapping" => mapping]),
        record!("zx_info_maps_t", zx_info_maps_t, [
            "name" => name, "base" => base, "size" => size, "depth" => depth, "type" => type_,
            "padding1" => padding1, "u" => u,
        ]),
        record!("zx_info_bti_t", zx_info_bti_t, [
            "minimum_contiguity" => minimum_contiguity, "aspace_size" => aspace_size,
            "pmo_count" => pmo_count, "quarantine_count" => quarantine_count,
        ]),
        record!("zx_info_kmem_stats_t", zx_info_kmem_stats_t, [
            "total_bytes" => total_bytes, "free_bytes" => free_bytes,
            "free_loaned_bytes" => free_loaned_bytes, "wired_bytes" => wired_bytes,
            "total_heap_bytes" => total_heap_bytes, "free_heap_bytes" => free_heap_bytes,
            "vmo_bytes" => vmo_bytes, "mmu_overhead_bytes" => mmu_overhead_bytes,
            "ipc_bytes" => ipc_bytes, "cache_bytes" => cache_bytes, "slab_bytes" => slab_bytes,
            "zram_bytes" => zram_bytes, "other_bytes" => other_bytes,
            "vmo_reclaim_total_bytes" => vmo_reclaim_total_bytes,
            "vmo_reclaim_newest_bytes" => vmo_reclaim_newest_bytes,
            "vmo_reclaim_oldest_bytes" => vmo_reclaim_oldest_bytes,
            "vmo_reclaim_disabled_bytes" => vmo_reclaim_disabled_bytes,
            "vmo_discardable_locked_bytes" => vmo_discardable_locked_bytes,
            "vmo_discardable_unlocked_bytes" => vmo_discardable_unlocked_bytes,
        ]),
        record!("zx_info_kmem_stats_v1_t", zx_info_kmem_stats_v1_t, [
            "total_bytes" => total_bytes, "free_bytes" => free_bytes,
            "wired_bytes" => wired_bytes, "total_heap_bytes" => total_heap_bytes,
            "free_heap_bytes" => free_heap_bytes, "vmo_bytes" => vmo_bytes,
            "mmu_overhead_bytes" => mmu_overhead_bytes, "ipc_bytes" => ipc_bytes,
            "other_bytes" => other_bytes,
        ]),
        record!("zx_vmo_lock_state_t", zx_vmo_lock_state_t, [
            "offset" => offset, "size" => size, "discarded_offset" => discarded_offset,
            "discarded_size" => discarded_size,
        ]),
        record!("zx_packet_page_request_t", zx_packet_page_request_t, [
            "command" => command, "flags" => flags, "reserved0" => reserved0,
            "offset" => offset, "length" => length, "reserved1" => reserved1,
        ]),
        record!("zx_vmo_dirty_range_t", zx_vmo_dirty_range_t, [
            "offset" => offset, "length" => length, "options" => options,
        ]),
        record!("zx_pager_vmo_stats_t", zx_pager_vmo_stats_t, ["modified" => modified]),
        record!("zx_port_packet_t", zx_port_packet_t, [
            "key" => key, "type" => type_, "status" => status,
            "user" => union_, "page_request" => union_, "signal" => union_,
        ]),
        record!("zxemu_kernel_config_t", zxemu_kernel_config_t, [
            "memory_bytes" => memory_bytes, "ram_base" => ram_base,
            "device_memory_base" => device_memory_base,
            "device_memory_bytes" => device_memory_bytes, "handle_seed" => handle_seed,
            "has_handle_seed" => has_handle_seed,
            "enable_debugging_syscalls" => enable_debugging_syscalls, "padding" => padding,
        ]),
    ]
}

/// Constants whose C type is deliberately narrower than the Rust one (Zircon's headers type
/// packet types as uint8_t; the packet's field is a uint32_t).
const C_TYPE_DIFFERS: &[&str] = &["ZX_PKT_TYPE_USER", "ZX_PKT_TYPE_PAGE_REQUEST"];

fn c_literal(value: i128) -> String {
    if value < 0 {
        format!("(({}LL) - 1)", value + 1)
    } else {
        format!("{value}ULL")
    }
}

fn static_asserts() -> String {
    let mut c = String::from(
        "#include <stddef.h>\n#include <zircon/syscalls.h>\n#include <zircon/process.h>\n\
         #include <zircon/time.h>\n#include <zxemu/zxemu.h>\n#define CHECK(e) _Static_assert(e, #e)\n",
    );
    for (name, value, size) in all_constants() {
        let cast = if value < 0 { "long long" } else { "unsigned long long" };
        writeln!(c, "CHECK(({cast})({name}) == {});", c_literal(value)).unwrap();
        if !C_TYPE_DIFFERS.contains(&name) {
            writeln!(c, "CHECK(sizeof({name}) == {size});").unwrap();
        }
    }
    for record in all_records() {
        let t = record.c_name;
        writeln!(c, "CHECK(sizeof({t}) == {});", record.size).unwrap();
        writeln!(c, "CHECK(_Alignof({t}) == {});", record.align).unwrap();
        for (field, offset, size) in &record.fields {
            writeln!(c, "CHECK(offsetof({t}, {field}) == {offset});").unwrap();
            writeln!(c, "CHECK(sizeof((({t}*)0)->{field}) == {size});").unwrap();
        }
    }
    for (t, size) in [
        ("zx_info_vmo_v1_t", ZX_INFO_VMO_V1_SIZE),
        ("zx_info_vmo_v2_t", ZX_INFO_VMO_V2_SIZE),
        ("zx_info_vmo_v3_t", ZX_INFO_VMO_V3_SIZE),
    ] {
        writeln!(c, "CHECK(sizeof({t}) == {size});").unwrap();
    }
    for (t, size, signed) in [
        ("zx_handle_t", size_of::<zx_handle_t>(), false),
        ("zx_status_t", size_of::<zx_status_t>(), true),
        ("zx_rights_t", size_of::<zx_rights_t>(), false),
        ("zx_koid_t", size_of::<zx_koid_t>(), false),
        ("zx_signals_t", size_of::<zx_signals_t>(), false),
        ("zx_paddr_t", size_of::<zx_paddr_t>(), false),
        ("zx_time_t", size_of::<zx_time_t>(), true),
        ("zx_duration_t", size_of::<zx_abi::zx_duration_t>(), true),
        ("zx_obj_type_t", size_of::<zx_obj_type_t>(), false),
        ("zx_vaddr_t", size_of::<zx_vaddr_t>(), false),
        ("zx_vm_option_t", size_of::<zx_vm_option_t>(), false),
        ("zxemu_process_t", size_of::<zx_abi::ProcessId>(), false),
    ] {
        writeln!(c, "CHECK(sizeof({t}) == {size});").unwrap();
        writeln!(c, "CHECK((({t})-1 < 0) == {});", signed as u8).unwrap();
    }
    // Function-like macros and the versioned topics.
    c.push_str(
        "CHECK(ZX_INFO_VMO_TYPE(ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_RESIZABLE) == ZX_INFO_VMO_TYPE_PAGED);\n\
         CHECK(ZX_INFO_VMO_TYPE(ZX_INFO_VMO_RESIZABLE) == ZX_INFO_VMO_TYPE_PHYSICAL);\n\
         CHECK(ZX_INFO_TOPIC_VERSION(ZX_INFO_VMO) == 3);\n\
         CHECK(ZX_SEC(1) == 1000000000LL && ZX_MSEC(2) == 2000000LL && ZX_USEC(3) == 3000LL);\n\
         CHECK(ZX_PAGE_SIZE == (1u << ZX_PAGE_SHIFT));\n",
    );
    c
}

#[test]
fn lists_cover_the_rust_abi_module() {
    let source = std::fs::read_to_string(crate_dir().join("../syscalls/src/zx.rs")).unwrap();
    let listed: Vec<&str> = all_constants().iter().map(|(n, _, _)| *n).collect();
    let records: Vec<&str> = all_records().iter().map(|r| r.c_name).collect();
    for line in source.lines() {
        if let Some(rest) = line.strip_prefix("pub const ") {
            let name = rest.split(':').next().unwrap();
            if name == "STATUS_NAMES"
                || (name.starts_with("ZX_INFO_VMO_V") && name.ends_with("_SIZE"))
            {
                continue; // a table of names; record sizes checked through sizeof above
            }
            assert!(listed.contains(&name), "{name} is not checked against the headers");
        }
        if let Some(rest) = line.strip_prefix("pub struct ") {
            let name = rest.split(' ').next().unwrap();
            assert!(records.contains(&name), "{name} is not checked against the headers");
        }
    }
}

#[test]
fn headers_agree_with_rust_values() {
    let Some(cc) = compiler("CC", "cc") else { return };
    let dir = scratch("layout");
    let source = dir.join("layout.c");
    std::fs::write(&source, static_asserts()).unwrap();
    run_ok(
        Command::new(&cc)
            .args(["-std=c11", "-Wall", "-Werror", "-fsyntax-only", "-I"])
            .arg(include_dir())
            .arg(&source),
    );
}

/// The checks are real: a wrong value makes the C file fail to compile.
#[test]
fn a_wrong_value_fails_to_compile() {
    let Some(cc) = compiler("CC", "cc") else { return };
    let dir = scratch("layout-wrong");
    let source = dir.join("wrong.c");
    let wrong = static_asserts().replace(
        "CHECK((long long)(ZX_ERR_NO_MEMORY) == ((-3LL) - 1));",
        "CHECK((long long)(ZX_ERR_NO_MEMORY) == ((-4LL) - 1));",
    );
    assert_ne!(wrong, static_asserts(), "the replaced check exists");
    std::fs::write(&source, wrong).unwrap();
    let output = Command::new(&cc)
        .args(["-std=c11", "-fsyntax-only", "-I"])
        .arg(include_dir())
        .arg(&source)
        .output()
        .unwrap();
    assert!(!output.status.success());
}
