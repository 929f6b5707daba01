// zxemu: zircon/syscalls/object.h — object types, info topics and their records.
#ifndef ZXEMU_ZIRCON_SYSCALLS_OBJECT_H_
#define ZXEMU_ZIRCON_SYSCALLS_OBJECT_H_

#include <zircon/types.h>

__BEGIN_CDECLS

// Object types.
#define ZX_OBJ_TYPE_NONE ((zx_obj_type_t)0u)
#define ZX_OBJ_TYPE_PROCESS ((zx_obj_type_t)1u)
#define ZX_OBJ_TYPE_THREAD ((zx_obj_type_t)2u)
#define ZX_OBJ_TYPE_VMO ((zx_obj_type_t)3u)
#define ZX_OBJ_TYPE_CHANNEL ((zx_obj_type_t)4u)
#define ZX_OBJ_TYPE_EVENT ((zx_obj_type_t)5u)
#define ZX_OBJ_TYPE_PORT ((zx_obj_type_t)6u)
#define ZX_OBJ_TYPE_RESOURCE ((zx_obj_type_t)15u)
#define ZX_OBJ_TYPE_IOMMU ((zx_obj_type_t)23u)
#define ZX_OBJ_TYPE_BTI ((zx_obj_type_t)24u)
#define ZX_OBJ_TYPE_PMT ((zx_obj_type_t)26u)
#define ZX_OBJ_TYPE_PAGER ((zx_obj_type_t)28u)

// zx_info_handle_basic_t.props.
#define ZX_OBJ_PROP_NONE ((uint32_t)0u)
#define ZX_OBJ_PROP_WAITABLE ((uint32_t)1u)

// Info topics. The top four bits carry the record's version: ZX_INFO_VMO is version 3 of
// topic 0x17, and its older versions return prefixes of the record.
#define __ZX_INFO_TOPIC(t, v) ((zx_object_info_topic_t)((t) | ((uint32_t)(v) << 28)))
#define ZX_INFO_TOPIC_VERSION(topic) ((uint32_t)(topic) >> 28)

#define ZX_INFO_NONE ((zx_object_info_topic_t)0u)
#define ZX_INFO_HANDLE_VALID ((zx_object_info_topic_t)1u)
#define ZX_INFO_HANDLE_BASIC ((zx_object_info_topic_t)2u)
#define ZX_INFO_KMEM_STATS_V1 ((zx_object_info_topic_t)17u)
#define ZX_INFO_KMEM_STATS __ZX_INFO_TOPIC(17u, 1)
#define ZX_INFO_BTI ((zx_object_info_topic_t)20u)
#define ZX_INFO_VMO_V1 __ZX_INFO_TOPIC(23u, 0)
#define ZX_INFO_VMO_V2 __ZX_INFO_TOPIC(23u, 1)
#define ZX_INFO_VMO_V3 __ZX_INFO_TOPIC(23u, 2)
#define ZX_INFO_VMO __ZX_INFO_TOPIC(23u, 3)

typedef struct zx_info_handle_basic {
  zx_koid_t koid;
  zx_rights_t rights;
  zx_obj_type_t type;
  zx_koid_t related_koid;
  uint32_t props;
  uint8_t padding1[4];
} zx_info_handle_basic_t;

// zx_info_vmo_t.flags.
#define ZX_INFO_VMO_TYPE_PHYSICAL ((uint32_t)0u)
#define ZX_INFO_VMO_TYPE_PAGED ((uint32_t)1u << 0)
#define ZX_INFO_VMO_RESIZABLE ((uint32_t)1u << 1)
#define ZX_INFO_VMO_IS_COW_CLONE ((uint32_t)1u << 2)
#define ZX_INFO_VMO_VIA_HANDLE ((uint32_t)1u << 3)
#define ZX_INFO_VMO_VIA_MAPPING ((uint32_t)1u << 4)
#define ZX_INFO_VMO_PAGER_BACKED ((uint32_t)1u << 5)
#define ZX_INFO_VMO_CONTIGUOUS ((uint32_t)1u << 6)
#define ZX_INFO_VMO_DISCARDABLE ((uint32_t)1u << 7)
#define ZX_INFO_VMO_IMMUTABLE ((uint32_t)1u << 8)
#define ZX_INFO_VMO_VIA_IOB_HANDLE ((uint32_t)1u << 9)
// The type bit of a flags word: ZX_INFO_VMO_TYPE_PAGED or ZX_INFO_VMO_TYPE_PHYSICAL.
#define ZX_INFO_VMO_TYPE(flags) ((flags) & ZX_INFO_VMO_TYPE_PAGED)

// The fields every version of the VMO record starts with (ZX_INFO_VMO_V1).
#define ZXEMU_INFO_VMO_V1_FIELDS_ \
  zx_koid_t koid;                 \
  char name[ZX_MAX_NAME_LEN];     \
  uint64_t size_bytes;            \
  zx_koid_t parent_koid;          \
  size_t num_children;            \
  size_t num_mappings;            \
  size_t share_count;             \
  uint32_t flags;                 \
  uint8_t padding1[4];            \
  uint64_t committed_bytes;       \
  zx_rights_t handle_rights;      \
  uint32_t cache_policy;
#define ZXEMU_INFO_VMO_V2_FIELDS_ \
  ZXEMU_INFO_VMO_V1_FIELDS_       \
  uint64_t metadata_bytes;        \
  uint64_t committed_change_events;
#define ZXEMU_INFO_VMO_V3_FIELDS_ \
  ZXEMU_INFO_VMO_V2_FIELDS_       \
  uint64_t populated_bytes;

typedef struct zx_info_vmo_v1 {
  ZXEMU_INFO_VMO_V1_FIELDS_
} zx_info_vmo_v1_t;

typedef struct zx_info_vmo_v2 {
  ZXEMU_INFO_VMO_V2_FIELDS_
} zx_info_vmo_v2_t;

typedef struct zx_info_vmo_v3 {
  ZXEMU_INFO_VMO_V3_FIELDS_
} zx_info_vmo_v3_t;

typedef struct zx_info_vmo {
  ZXEMU_INFO_VMO_V3_FIELDS_
  uint64_t committed_private_bytes;
  uint64_t populated_private_bytes;
  uint64_t committed_scaled_bytes;
  uint64_t populated_scaled_bytes;
  uint64_t committed_fractional_scaled_bytes;
  uint64_t populated_fractional_scaled_bytes;
} zx_info_vmo_t;

typedef struct zx_info_bti {
  uint64_t minimum_contiguity;
  uint64_t aspace_size;
  uint64_t pmo_count;
  uint64_t quarantine_count;
} zx_info_bti_t;

typedef struct zx_info_kmem_stats {
  uint64_t total_bytes;
  uint64_t free_bytes;
  uint64_t free_loaned_bytes;
  uint64_t wired_bytes;
  uint64_t total_heap_bytes;
  uint64_t free_heap_bytes;
  uint64_t vmo_bytes;
  uint64_t mmu_overhead_bytes;
  uint64_t ipc_bytes;
  uint64_t cache_bytes;
  uint64_t slab_bytes;
  uint64_t zram_bytes;
  uint64_t other_bytes;
  uint64_t vmo_reclaim_total_bytes;
  uint64_t vmo_reclaim_newest_bytes;
  uint64_t vmo_reclaim_oldest_bytes;
  uint64_t vmo_reclaim_disabled_bytes;
  uint64_t vmo_discardable_locked_bytes;
  uint64_t vmo_discardable_unlocked_bytes;
} zx_info_kmem_stats_t;

typedef struct zx_info_kmem_stats_v1 {
  uint64_t total_bytes;
  uint64_t free_bytes;
  uint64_t wired_bytes;
  uint64_t total_heap_bytes;
  uint64_t free_heap_bytes;
  uint64_t vmo_bytes;
  uint64_t mmu_overhead_bytes;
  uint64_t ipc_bytes;
  uint64_t other_bytes;
} zx_info_kmem_stats_v1_t;

__END_CDECLS

#endif  // ZXEMU_ZIRCON_SYSCALLS_OBJECT_H_
