// zxemu: zircon/syscalls/vmar.h — address spaces: VMAR options and ops, the VMAR and maps info
// records, and the VMAR and process-memory calls (docs/reference.md §11). Included by
// zircon/syscalls.h.
#ifndef ZXEMU_ZIRCON_SYSCALLS_VMAR_H_
#define ZXEMU_ZIRCON_SYSCALLS_VMAR_H_

#include <zircon/types.h>

__BEGIN_CDECLS

typedef uintptr_t zx_vaddr_t;
typedef uint32_t zx_vm_option_t;

#define ZX_VM_PERM_READ ((zx_vm_option_t)1u << 0)
#define ZX_VM_PERM_WRITE ((zx_vm_option_t)1u << 1)
#define ZX_VM_PERM_EXECUTE ((zx_vm_option_t)1u << 2)
#define ZX_VM_COMPACT ((zx_vm_option_t)1u << 3)
#define ZX_VM_SPECIFIC ((zx_vm_option_t)1u << 4)
#define ZX_VM_SPECIFIC_OVERWRITE ((zx_vm_option_t)1u << 5)
#define ZX_VM_CAN_MAP_SPECIFIC ((zx_vm_option_t)1u << 6)
#define ZX_VM_CAN_MAP_READ ((zx_vm_option_t)1u << 7)
#define ZX_VM_CAN_MAP_WRITE ((zx_vm_option_t)1u << 8)
#define ZX_VM_CAN_MAP_EXECUTE ((zx_vm_option_t)1u << 9)
#define ZX_VM_MAP_RANGE ((zx_vm_option_t)1u << 10)
#define ZX_VM_REQUIRE_NON_RESIZABLE ((zx_vm_option_t)1u << 11)
#define ZX_VM_ALLOW_FAULTS ((zx_vm_option_t)1u << 12)
#define ZX_VM_OFFSET_IS_UPPER_LIMIT ((zx_vm_option_t)1u << 13)
#define ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED ((zx_vm_option_t)1u << 14)
#define ZX_VM_FAULT_BEYOND_STREAM_SIZE ((zx_vm_option_t)1u << 15)
#define ZX_VM_ALIGN_BASE 24
#define ZX_VM_ALIGN_1KB ((zx_vm_option_t)10u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_2KB ((zx_vm_option_t)11u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_4KB ((zx_vm_option_t)12u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_8KB ((zx_vm_option_t)13u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_16KB ((zx_vm_option_t)14u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_32KB ((zx_vm_option_t)15u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_64KB ((zx_vm_option_t)16u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_128KB ((zx_vm_option_t)17u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_256KB ((zx_vm_option_t)18u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_512KB ((zx_vm_option_t)19u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_1MB ((zx_vm_option_t)20u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_2MB ((zx_vm_option_t)21u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_4MB ((zx_vm_option_t)22u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_8MB ((zx_vm_option_t)23u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_16MB ((zx_vm_option_t)24u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_32MB ((zx_vm_option_t)25u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_64MB ((zx_vm_option_t)26u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_128MB ((zx_vm_option_t)27u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_256MB ((zx_vm_option_t)28u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_512MB ((zx_vm_option_t)29u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_1GB ((zx_vm_option_t)30u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_2GB ((zx_vm_option_t)31u << ZX_VM_ALIGN_BASE)
#define ZX_VM_ALIGN_4GB ((zx_vm_option_t)32u << ZX_VM_ALIGN_BASE)

#define ZX_VMAR_OP_COMMIT ((uint32_t)1u)
#define ZX_VMAR_OP_DECOMMIT ((uint32_t)2u)
#define ZX_VMAR_OP_MAP_RANGE ((uint32_t)3u)
#define ZX_VMAR_OP_ZERO ((uint32_t)10u)
#define ZX_VMAR_OP_DONT_NEED ((uint32_t)12u)
#define ZX_VMAR_OP_ALWAYS_NEED ((uint32_t)13u)
#define ZX_VMAR_OP_PREFETCH ((uint32_t)14u)

#define ZX_DEFAULT_VMAR_RIGHTS \
  (ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE | ZX_RIGHT_INSPECT | ZX_RIGHT_OP_CHILDREN)

#define ZX_OBJ_TYPE_JOB ((zx_obj_type_t)17u)
#define ZX_OBJ_TYPE_VMAR ((zx_obj_type_t)18u)
// No job object is emulated; the value is Zircon's.
#define ZX_DEFAULT_JOB_RIGHTS ((zx_rights_t)0x0007DFCFu)
#define ZX_PROCESS_SHARED ((uint32_t)1u << 0)

#define ZX_INFO_VMAR ((zx_object_info_topic_t)7u)
#define ZX_INFO_PROCESS_MAPS_V1 ((zx_object_info_topic_t)13u)
#define ZX_INFO_PROCESS_MAPS_V2 ((zx_object_info_topic_t)0x1000000Du)
#define ZX_INFO_PROCESS_MAPS ((zx_object_info_topic_t)0x2000000Du)
#define ZX_INFO_PROCESS_VMOS_V1 ((zx_object_info_topic_t)14u)
#define ZX_INFO_PROCESS_VMOS_V2 ((zx_object_info_topic_t)0x1000000Eu)
#define ZX_INFO_PROCESS_VMOS_V3 ((zx_object_info_topic_t)0x2000000Eu)
#define ZX_INFO_PROCESS_VMOS ((zx_object_info_topic_t)0x3000000Eu)
#define ZX_INFO_VMAR_MAPS ((zx_object_info_topic_t)36u)

#define ZX_INFO_MAPS_TYPE_NONE ((uint32_t)0u)
#define ZX_INFO_MAPS_TYPE_ASPACE ((uint32_t)1u)
#define ZX_INFO_MAPS_TYPE_VMAR ((uint32_t)2u)
#define ZX_INFO_MAPS_TYPE_MAPPING ((uint32_t)3u)

typedef struct zx_info_vmar {
  uintptr_t base;
  size_t len;
} zx_info_vmar_t;

typedef struct zx_info_maps_mapping {
  zx_vm_option_t mmu_flags;
  uint8_t padding1[4];
  zx_koid_t vmo_koid;
  uint64_t vmo_offset;
  uint64_t committed_bytes;
  uint64_t populated_bytes;
  uint64_t committed_private_bytes;
  uint64_t populated_private_bytes;
  uint64_t committed_scaled_bytes;
  uint64_t populated_scaled_bytes;
  uint64_t committed_fractional_scaled_bytes;
  uint64_t populated_fractional_scaled_bytes;
} zx_info_maps_mapping_t;

// Zircon declares `u` as an anonymous union; naming its type changes nothing of the layout.
typedef union zx_info_maps_u {
  zx_info_maps_mapping_t mapping;
} zx_info_maps_u_t;

typedef struct zx_info_maps {
  char name[ZX_MAX_NAME_LEN];
  zx_vaddr_t base;
  size_t size;
  size_t depth;
  uint32_t type;
  uint8_t padding1[4];
  zx_info_maps_u_t u;
} zx_info_maps_t;

zx_handle_t zx_vmar_root_self(void);
zx_handle_t _zx_vmar_root_self(void);

#define ZXEMU_VMAR_SYSCALL_(ret, name, args) \
  extern ret zx_##name args;                 \
  extern ret _zx_##name args;

ZXEMU_VMAR_SYSCALL_(zx_status_t, vmar_allocate,
                    (zx_handle_t parent_vmar, zx_vm_option_t options, uint64_t offset,
                     uint64_t size, zx_handle_t* child_vmar, zx_vaddr_t* child_addr))
ZXEMU_VMAR_SYSCALL_(zx_status_t, vmar_map,
                    (zx_handle_t vmar, zx_vm_option_t options, uint64_t vmar_offset,
                     zx_handle_t vmo, uint64_t vmo_offset, uint64_t len, zx_vaddr_t* mapped_addr))
ZXEMU_VMAR_SYSCALL_(zx_status_t, vmar_unmap, (zx_handle_t vmar, zx_vaddr_t addr, uint64_t len))
ZXEMU_VMAR_SYSCALL_(zx_status_t, vmar_protect,
                    (zx_handle_t vmar, zx_vm_option_t options, zx_vaddr_t addr, uint64_t len))
ZXEMU_VMAR_SYSCALL_(zx_status_t, vmar_op_range,
                    (zx_handle_t vmar, uint32_t op, zx_vaddr_t address, uint64_t size,
                     void* buffer, size_t buffer_size))
ZXEMU_VMAR_SYSCALL_(zx_status_t, vmar_destroy, (zx_handle_t vmar))
ZXEMU_VMAR_SYSCALL_(zx_status_t, vmo_replace_as_executable,
                    (zx_handle_t vmo, zx_handle_t vmex, zx_handle_t* out))
ZXEMU_VMAR_SYSCALL_(zx_status_t, process_read_memory,
                    (zx_handle_t process, zx_vaddr_t vaddr, void* buffer, size_t buffer_size,
                     size_t* actual))
ZXEMU_VMAR_SYSCALL_(zx_status_t, process_write_memory,
                    (zx_handle_t process, zx_vaddr_t vaddr, const void* buffer,
                     size_t buffer_size, size_t* actual))

// Processes: the kernel's one job, and a new process with an empty address space whose root
// VMAR handle the caller receives (it maps into the new process through it).
zx_handle_t zx_job_default(void);
zx_handle_t _zx_job_default(void);
ZXEMU_VMAR_SYSCALL_(zx_status_t, process_create,
                    (zx_handle_t job, const char* name, size_t name_size, uint32_t options,
                     zx_handle_t* proc_handle, zx_handle_t* vmar_handle))

#undef ZXEMU_VMAR_SYSCALL_

// Emulator API: the software MMU of the calling thread's process (C code cannot dereference
// an emulated address). A fault answers its status (ZX_ERR_NOT_FOUND, ZX_ERR_ACCESS_DENIED,
// ZX_ERR_OUT_OF_RANGE, ZX_ERR_NO_MEMORY) and stores the first address not transferred in
// *fault_vaddr (which may be NULL); the bytes before it were transferred.
zx_status_t zxemu_read_mapped(zx_vaddr_t vaddr, void* buffer, size_t len,
                              zx_vaddr_t* fault_vaddr);
zx_status_t zxemu_write_mapped(zx_vaddr_t vaddr, const void* buffer, size_t len,
                               zx_vaddr_t* fault_vaddr);

__END_CDECLS

#endif  // ZXEMU_ZIRCON_SYSCALLS_VMAR_H_
