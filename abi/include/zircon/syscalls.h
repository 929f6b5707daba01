// zxemu: zircon/syscalls.h — the emulated system calls. Each is exported twice, as zx_NAME
// and _zx_NAME (the same function). They act on the calling thread's process (see
// zxemu/zxemu.h); the kernel starts with default settings on the first call.
#ifndef ZXEMU_ZIRCON_SYSCALLS_H_
#define ZXEMU_ZIRCON_SYSCALLS_H_

#include <zircon/syscalls/iommu.h>
#include <zircon/syscalls/object.h>
#include <zircon/syscalls/port.h>
#include <zircon/syscalls/resource.h>
#include <zircon/syscalls/vmar.h>
#include <zircon/types.h>

__BEGIN_CDECLS

#define ZXEMU_SYSCALL_(ret, name, args) \
  extern ret zx_##name args;            \
  extern ret _zx_##name args;

// Time and system.
ZXEMU_SYSCALL_(zx_time_t, clock_get_monotonic, (void))
ZXEMU_SYSCALL_(zx_time_t, deadline_after, (zx_duration_t nanoseconds))
ZXEMU_SYSCALL_(zx_status_t, nanosleep, (zx_time_t deadline))
ZXEMU_SYSCALL_(uint32_t, system_get_page_size, (void))
ZXEMU_SYSCALL_(const char*, status_get_string, (zx_status_t status))

// Handles.
ZXEMU_SYSCALL_(zx_status_t, handle_close, (zx_handle_t handle))
ZXEMU_SYSCALL_(zx_status_t, handle_close_many, (const zx_handle_t* handles, size_t num_handles))
ZXEMU_SYSCALL_(zx_status_t, handle_duplicate,
               (zx_handle_t handle, zx_rights_t rights, zx_handle_t* out))
ZXEMU_SYSCALL_(zx_status_t, handle_replace,
               (zx_handle_t handle, zx_rights_t rights, zx_handle_t* out))

// Objects.
ZXEMU_SYSCALL_(zx_status_t, object_wait_one,
               (zx_handle_t handle, zx_signals_t signals, zx_time_t deadline,
                zx_signals_t* observed))
ZXEMU_SYSCALL_(zx_status_t, object_signal,
               (zx_handle_t handle, uint32_t clear_mask, uint32_t set_mask))
ZXEMU_SYSCALL_(zx_status_t, object_get_property,
               (zx_handle_t handle, uint32_t property, void* value, size_t value_size))
ZXEMU_SYSCALL_(zx_status_t, object_set_property,
               (zx_handle_t handle, uint32_t property, const void* value, size_t value_size))
ZXEMU_SYSCALL_(zx_status_t, object_get_info,
               (zx_handle_t handle, uint32_t topic, void* buffer, size_t buffer_size,
                size_t* actual, size_t* avail))

// Events.
ZXEMU_SYSCALL_(zx_status_t, event_create, (uint32_t options, zx_handle_t* out))

// VMOs.
ZXEMU_SYSCALL_(zx_status_t, vmo_create, (uint64_t size, uint32_t options, zx_handle_t* out))
ZXEMU_SYSCALL_(zx_status_t, vmo_read,
               (zx_handle_t handle, void* buffer, uint64_t offset, size_t buffer_size))
ZXEMU_SYSCALL_(zx_status_t, vmo_write,
               (zx_handle_t handle, const void* buffer, uint64_t offset, size_t buffer_size))
ZXEMU_SYSCALL_(zx_status_t, vmo_get_size, (zx_handle_t handle, uint64_t* size))
ZXEMU_SYSCALL_(zx_status_t, vmo_set_size, (zx_handle_t handle, uint64_t size))
ZXEMU_SYSCALL_(zx_status_t, vmo_op_range,
               (zx_handle_t handle, uint32_t op, uint64_t offset, uint64_t size, void* buffer,
                size_t buffer_size))
ZXEMU_SYSCALL_(zx_status_t, vmo_create_child,
               (zx_handle_t handle, uint32_t options, uint64_t offset, uint64_t size,
                zx_handle_t* out))
ZXEMU_SYSCALL_(zx_status_t, vmo_transfer_data,
               (zx_handle_t dst_vmo, uint32_t options, uint64_t offset, uint64_t length,
                zx_handle_t src_vmo, uint64_t src_offset))
ZXEMU_SYSCALL_(zx_status_t, vmo_create_contiguous,
               (zx_handle_t bti, size_t size, uint32_t alignment_log2, zx_handle_t* out))
ZXEMU_SYSCALL_(zx_status_t, vmo_create_physical,
               (zx_handle_t resource, zx_paddr_t paddr, size_t size, zx_handle_t* out))
ZXEMU_SYSCALL_(zx_status_t, vmo_set_stream_size, (zx_handle_t handle, uint64_t size))
ZXEMU_SYSCALL_(zx_status_t, vmo_get_stream_size, (zx_handle_t handle, uint64_t* size))

// IOMMUs, BTIs, PMTs.
ZXEMU_SYSCALL_(zx_status_t, iommu_create,
               (zx_handle_t resource, uint32_t type, const void* desc, size_t desc_size,
                zx_handle_t* out))
ZXEMU_SYSCALL_(zx_status_t, bti_create,
               (zx_handle_t iommu, uint32_t options, uint64_t bti_id, zx_handle_t* out))
ZXEMU_SYSCALL_(zx_status_t, bti_pin,
               (zx_handle_t handle, uint32_t options, zx_handle_t vmo, uint64_t offset,
                uint64_t size, zx_paddr_t* addrs, size_t num_addrs, zx_handle_t* pmt))
ZXEMU_SYSCALL_(zx_status_t, bti_release_quarantine, (zx_handle_t handle))
ZXEMU_SYSCALL_(zx_status_t, pmt_unpin, (zx_handle_t handle))

// Ports and pagers.
ZXEMU_SYSCALL_(zx_status_t, port_create, (uint32_t options, zx_handle_t* out))
ZXEMU_SYSCALL_(zx_status_t, port_queue, (zx_handle_t handle, const zx_port_packet_t* packet))
ZXEMU_SYSCALL_(zx_status_t, port_wait,
               (zx_handle_t handle, zx_time_t deadline, zx_port_packet_t* packet))
ZXEMU_SYSCALL_(zx_status_t, pager_create, (uint32_t options, zx_handle_t* out))
ZXEMU_SYSCALL_(zx_status_t, pager_create_vmo,
               (zx_handle_t pager, uint32_t options, zx_handle_t port, uint64_t key,
                uint64_t size, zx_handle_t* out))
ZXEMU_SYSCALL_(zx_status_t, pager_detach_vmo, (zx_handle_t pager, zx_handle_t vmo))
ZXEMU_SYSCALL_(zx_status_t, pager_supply_pages,
               (zx_handle_t pager, zx_handle_t pager_vmo, uint64_t offset, uint64_t length,
                zx_handle_t aux_vmo, uint64_t aux_offset))
ZXEMU_SYSCALL_(zx_status_t, pager_op_range,
               (zx_handle_t pager, uint32_t op, zx_handle_t pager_vmo, uint64_t offset,
                uint64_t length, uint64_t data))
// `buffer` receives buffer_size / sizeof(zx_vmo_dirty_range_t) records at most; `actual` and
// `avail` may be NULL.
ZXEMU_SYSCALL_(zx_status_t, pager_query_dirty_ranges,
               (zx_handle_t pager, zx_handle_t pager_vmo, uint64_t offset, uint64_t length,
                void* buffer, size_t buffer_size, size_t* actual, size_t* avail))
ZXEMU_SYSCALL_(zx_status_t, pager_query_vmo_stats,
               (zx_handle_t pager, zx_handle_t pager_vmo, uint32_t options, void* buffer,
                size_t buffer_size))

#undef ZXEMU_SYSCALL_

__END_CDECLS

#include <zircon/process.h>

#endif  // ZXEMU_ZIRCON_SYSCALLS_H_
