// zxemu: zircon/limits.h — page sizes.
#ifndef ZXEMU_ZIRCON_LIMITS_H_
#define ZXEMU_ZIRCON_LIMITS_H_

#include <stdint.h>

#define ZX_MIN_PAGE_SHIFT ((uint32_t)12u)
#define ZX_MAX_PAGE_SHIFT ((uint32_t)21u)
#define ZX_MIN_PAGE_SIZE ((uint64_t)1u << ZX_MIN_PAGE_SHIFT)
#define ZX_MAX_PAGE_SIZE ((uint64_t)1u << ZX_MAX_PAGE_SHIFT)

// The emulator's page size (zx_system_get_page_size() answers the same).
#define ZX_PAGE_SHIFT ((uint32_t)12u)
#define ZX_PAGE_SIZE ((uint64_t)1u << ZX_PAGE_SHIFT)
#define ZX_PAGE_MASK (ZX_PAGE_SIZE - 1u)

#endif  // ZXEMU_ZIRCON_LIMITS_H_
