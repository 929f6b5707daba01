// zxemu: zircon/syscalls/iommu.h — IOMMU types and descriptors (only the dummy IOMMU is
// emulated).
#ifndef ZXEMU_ZIRCON_SYSCALLS_IOMMU_H_
#define ZXEMU_ZIRCON_SYSCALLS_IOMMU_H_

#include <stdint.h>
#include <zircon/compiler.h>

__BEGIN_CDECLS

#define ZX_IOMMU_MAX_DESC_LEN 4096

#define ZX_IOMMU_TYPE_DUMMY ((uint32_t)0u)
#define ZX_IOMMU_TYPE_INTEL ((uint32_t)1u)
#define ZX_IOMMU_TYPE_STUB ZX_IOMMU_TYPE_DUMMY

typedef struct zx_iommu_desc_dummy {
  uint8_t reserved;
} zx_iommu_desc_dummy_t;

__END_CDECLS

#endif  // ZXEMU_ZIRCON_SYSCALLS_IOMMU_H_
