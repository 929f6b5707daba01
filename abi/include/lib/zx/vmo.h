// zxemu: lib/zx/vmo.h — zx::vmo.
#ifndef ZXEMU_LIB_ZX_VMO_H_
#define ZXEMU_LIB_ZX_VMO_H_

#include <lib/zx/handle.h>
#include <lib/zx/object.h>

namespace zx {

class bti;
class resource;

class vmo final : public object<vmo> {
 public:
  static constexpr zx_obj_type_t TYPE = ZX_OBJ_TYPE_VMO;

  constexpr vmo() = default;
  explicit vmo(zx_handle_t value) : object(value) {}
  explicit vmo(handle&& h) : object(h.release()) {}
  vmo(vmo&& other) : object(other.release()) {}
  vmo& operator=(vmo&& other) {
    reset(other.release());
    return *this;
  }

  static zx_status_t create(uint64_t size, uint32_t options, vmo* result) {
    return zx_vmo_create(size, options, result->reset_and_get_address());
  }
  // `bti` is a zx::bti (taken as its base so that this header needs only a declaration).
  static zx_status_t create_contiguous(const object<bti>& bti, size_t size,
                                       uint32_t alignment_log2, vmo* result) {
    return zx_vmo_create_contiguous(bti.get(), size, alignment_log2,
                                    result->reset_and_get_address());
  }
  static zx_status_t create_physical(const object<resource>& resource, zx_paddr_t paddr,
                                     size_t size, vmo* result) {
    return zx_vmo_create_physical(resource.get(), paddr, size, result->reset_and_get_address());
  }

  zx_status_t read(void* data, uint64_t offset, size_t len) const {
    return zx_vmo_read(get(), data, offset, len);
  }
  zx_status_t write(const void* data, uint64_t offset, size_t len) const {
    return zx_vmo_write(get(), data, offset, len);
  }
  zx_status_t transfer_data(uint32_t options, uint64_t offset, uint64_t length, vmo* src_vmo,
                            uint64_t src_offset) {
    return zx_vmo_transfer_data(get(), options, offset, length, src_vmo->get(), src_offset);
  }
  // Consumes this handle whatever the outcome (as the C call consumes `vmo`); `vmex` is a
  // zx::resource, or an invalid one (the emulator needs no VMEX resource).
  zx_status_t replace_as_executable(const object<resource>& vmex, vmo* result) {
    zx_handle_t consumed = release();
    return zx_vmo_replace_as_executable(consumed, vmex.get(), result->reset_and_get_address());
  }
  zx_status_t get_size(uint64_t* size) const { return zx_vmo_get_size(get(), size); }
  zx_status_t set_size(uint64_t size) const { return zx_vmo_set_size(get(), size); }
  zx_status_t get_stream_size(uint64_t* size) const {
    return zx_vmo_get_stream_size(get(), size);
  }
  zx_status_t set_stream_size(uint64_t size) const { return zx_vmo_set_stream_size(get(), size); }
  zx_status_t get_prop_content_size(uint64_t* size) const {
    return get_property(ZX_PROP_VMO_CONTENT_SIZE, size, sizeof(*size));
  }
  zx_status_t set_prop_content_size(uint64_t size) const {
    return set_property(ZX_PROP_VMO_CONTENT_SIZE, &size, sizeof(size));
  }
  zx_status_t create_child(uint32_t options, uint64_t offset, uint64_t size, vmo* result) const {
    // Created into a temporary so that `result` may be this object.
    vmo child;
    zx_status_t status =
        zx_vmo_create_child(get(), options, offset, size, child.reset_and_get_address());
    *result = std::move(child);
    return status;
  }
  zx_status_t op_range(uint32_t op, uint64_t offset, uint64_t size, void* buffer,
                       size_t buffer_size) const {
    return zx_vmo_op_range(get(), op, offset, size, buffer, buffer_size);
  }
};

using unowned_vmo = unowned<vmo>;

}  // namespace zx

#endif  // ZXEMU_LIB_ZX_VMO_H_
