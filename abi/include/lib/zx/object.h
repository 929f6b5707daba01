// zxemu: lib/zx/object.h — zx::object<T>, the owning handle wrapper every zx:: type builds on,
// and zx::unowned<T>.
#ifndef ZXEMU_LIB_ZX_OBJECT_H_
#define ZXEMU_LIB_ZX_OBJECT_H_

#include <lib/zx/time.h>
#include <zircon/syscalls.h>

#include <utility>

namespace zx {

// What every object has: one handle value, closed on destruction.
class object_base {
 public:
  void reset(zx_handle_t value = ZX_HANDLE_INVALID) {
    close();
    value_ = value;
  }
  bool is_valid() const { return value_ != ZX_HANDLE_INVALID; }
  explicit operator bool() const { return is_valid(); }
  zx_handle_t get() const { return value_; }
  // Gives up ownership: the caller must close the returned handle.
  zx_handle_t release() {
    zx_handle_t result = value_;
    value_ = ZX_HANDLE_INVALID;
    return result;
  }
  // Closes the current handle and returns the place to receive a new one.
  zx_handle_t* reset_and_get_address() {
    reset();
    return &value_;
  }

  zx_status_t get_info(uint32_t topic, void* buffer, size_t buffer_size, size_t* actual_count,
                       size_t* avail_count) const {
    return zx_object_get_info(get(), topic, buffer, buffer_size, actual_count, avail_count);
  }
  zx_status_t get_property(uint32_t property, void* value, size_t size) const {
    return zx_object_get_property(get(), property, value, size);
  }
  zx_status_t set_property(uint32_t property, const void* value, size_t size) const {
    return zx_object_set_property(get(), property, value, size);
  }

  object_base(const object_base&) = delete;
  object_base& operator=(const object_base&) = delete;

 protected:
  constexpr object_base() = default;
  explicit object_base(zx_handle_t value) : value_(value) {}
  ~object_base() { close(); }

  void close() {
    if (value_ != ZX_HANDLE_INVALID) {
      zx_handle_close(value_);
      value_ = ZX_HANDLE_INVALID;
    }
  }

  zx_handle_t value_ = ZX_HANDLE_INVALID;
};

template <typename T>
class unowned;

// An owning handle to an object of type T (T = void: any type, see zx::handle).
template <typename T>
class object : public object_base {
 public:
  constexpr object() = default;
  explicit object(zx_handle_t value) : object_base(value) {}
  object(object&& other) : object_base(other.release()) {}
  object& operator=(object&& other) {
    reset(other.release());
    return *this;
  }

  // A new handle to the same object with `rights` (ZX_RIGHT_SAME_RIGHTS: the same).
  zx_status_t duplicate(zx_rights_t rights, object<T>* result) const {
    zx_handle_t h = ZX_HANDLE_INVALID;
    zx_status_t status = zx_handle_duplicate(value_, rights, &h);
    result->reset(h);
    return status;
  }

  // Replaces this handle with one with `rights`; this object is invalid afterwards, whatever
  // the answer (as zx_handle_replace consumes the handle).
  zx_status_t replace(zx_rights_t rights, object<T>* result) {
    zx_handle_t h = ZX_HANDLE_INVALID;
    zx_status_t status = zx_handle_replace(value_, rights, &h);
    (void)release();
    result->reset(h);
    return status;
  }

  zx_status_t wait_one(zx_signals_t signals, zx::time deadline, zx_signals_t* pending) const {
    return zx_object_wait_one(value_, signals, deadline.get(), pending);
  }

  zx_status_t signal(uint32_t clear_mask, uint32_t set_mask) const {
    return zx_object_signal(value_, clear_mask, set_mask);
  }

  unowned<T> borrow() const;
};

// A handle that is not owned: used like a T, never closed.
template <typename T>
class unowned final {
 public:
  explicit unowned(zx_handle_t h) : value_(h) {}
  explicit unowned(const T& owner) : value_(owner.get()) {}
  unowned(const unowned& other) : value_(other.value_.get()) {}
  unowned& operator=(const unowned& other) {
    (void)value_.release();
    value_.reset(other.value_.get());
    return *this;
  }
  ~unowned() { (void)value_.release(); }

  const T& operator*() const { return value_; }
  const T* operator->() const { return &value_; }
  operator const T&() const { return value_; }

 private:
  T value_;
};

template <typename T>
unowned<T> object<T>::borrow() const {
  return unowned<T>(value_);
}

}  // namespace zx

#endif  // ZXEMU_LIB_ZX_OBJECT_H_
