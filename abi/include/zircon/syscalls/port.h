// zxemu: zircon/syscalls/port.h — port packets, and the records of the pager's queries.
#ifndef ZXEMU_ZIRCON_SYSCALLS_PORT_H_
#define ZXEMU_ZIRCON_SYSCALLS_PORT_H_

#include <zircon/types.h>

__BEGIN_CDECLS

#define ZX_PORT_BIND_TO_INTERRUPT ((uint32_t)1u << 0)

#define ZX_PKT_TYPE_USER ((uint8_t)0x00u)
#define ZX_PKT_TYPE_SIGNAL_ONE ((uint8_t)0x01u)
#define ZX_PKT_TYPE_PAGE_REQUEST ((uint8_t)0x09u)
#define ZX_PKT_IS_USER(type) ((type) == ZX_PKT_TYPE_USER)
#define ZX_PKT_IS_SIGNAL_ONE(type) ((type) == ZX_PKT_TYPE_SIGNAL_ONE)
#define ZX_PKT_IS_PAGE_REQUEST(type) ((type) == ZX_PKT_TYPE_PAGE_REQUEST)

// Commands of page requests.
#define ZX_PAGER_VMO_READ ((uint16_t)0u)
#define ZX_PAGER_VMO_COMPLETE ((uint16_t)1u)
#define ZX_PAGER_VMO_DIRTY ((uint16_t)2u)

// zx_pager_op_range operations.
#define ZX_PAGER_OP_FAIL ((uint32_t)1u)
#define ZX_PAGER_OP_DIRTY ((uint32_t)2u)
#define ZX_PAGER_OP_WRITEBACK_BEGIN ((uint32_t)3u)
#define ZX_PAGER_OP_WRITEBACK_END ((uint32_t)4u)

// zx_vmo_dirty_range_t options, pager VMO stats, and zx_pager_query_vmo_stats options.
#define ZX_VMO_DIRTY_RANGE_IS_ZERO ((uint64_t)1u)
#define ZX_PAGER_VMO_STATS_MODIFIED ((uint32_t)1u)
#define ZX_PAGER_RESET_VMO_STATS ((uint32_t)1u)

// Emulator only: the default pager timeout (300 s).
#define ZX_PAGER_TIMEOUT_DEFAULT_NS ((uint64_t)300000000000u)

typedef struct zx_vmo_dirty_range {
  uint64_t offset;
  uint64_t length;
  uint64_t options;
} zx_vmo_dirty_range_t;

typedef struct zx_pager_vmo_stats {
  uint32_t modified;
} zx_pager_vmo_stats_t;

typedef union zx_packet_user {
  uint64_t u64[4];
  uint32_t u32[8];
  uint16_t u16[16];
  uint8_t c8[32];
} zx_packet_user_t;

typedef struct zx_packet_signal {
  zx_signals_t trigger;
  zx_signals_t observed;
  uint64_t count;
  uint64_t timestamp;
  uint64_t reserved1;
} zx_packet_signal_t;

typedef struct zx_packet_page_request {
  uint16_t command;
  uint16_t flags;
  uint32_t reserved0;
  uint64_t offset;
  uint64_t length;
  uint64_t reserved1;
} zx_packet_page_request_t;

typedef struct zx_port_packet {
  uint64_t key;
  uint32_t type;
  zx_status_t status;
  union {
    zx_packet_user_t user;
    zx_packet_signal_t signal;
    zx_packet_page_request_t page_request;
  };
} zx_port_packet_t;

__END_CDECLS

#endif  // ZXEMU_ZIRCON_SYSCALLS_PORT_H_
