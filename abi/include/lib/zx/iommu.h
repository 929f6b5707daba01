// zxemu: lib/zx/iommu.h — zx::iommu.
#ifndef ZXEMU_LIB_ZX_IOMMU_H_
#define ZXEMU_LIB_ZX_IOMMU_H_

#include <lib/zx/handle.h>
#include <lib/zx/object.h>
#include <lib/zx/resource.h>

namespace zx {

class iommu final : public object<iommu> {
 public:
  static constexpr zx_obj_type_t TYPE = ZX_OBJ_TYPE_IOMMU;

  constexpr iommu() = default;
  explicit iommu(zx_handle_t value) : object(value) {}
  explicit iommu(handle&& h) : object(h.release()) {}
  iommu(iommu&& other) : object(other.release()) {}
  iommu& operator=(iommu&& other) {
    reset(other.release());
    return *this;
  }

  static zx_status_t create(const resource& resource, uint32_t type, const void* desc,
                            size_t desc_size, iommu* result) {
    return zx_iommu_create(resource.get(), type, desc, desc_size,
                           result->reset_and_get_address());
  }
};

using unowned_iommu = unowned<iommu>;

}  // namespace zx

#endif  // ZXEMU_LIB_ZX_IOMMU_H_
