// zxemu: lib/zx/time.h — zx::duration, zx::time and the clock helpers.
#ifndef ZXEMU_LIB_ZX_TIME_H_
#define ZXEMU_LIB_ZX_TIME_H_

#include <zircon/syscalls.h>
#include <zircon/time.h>

namespace zx {

class duration final {
 public:
  constexpr duration() = default;
  explicit constexpr duration(zx_duration_t value) : value_(value) {}
  static constexpr duration infinite() { return duration(ZX_TIME_INFINITE); }
  static constexpr duration infinite_past() { return duration(ZX_TIME_INFINITE_PAST); }
  constexpr zx_duration_t get() const { return value_; }

  duration operator+(duration other) const {
    return duration(zx_duration_add_duration(value_, other.value_));
  }
  duration operator-(duration other) const {
    return duration(zx_duration_sub_duration(value_, other.value_));
  }
  duration operator*(int64_t multiplier) const {
    return duration(zx_duration_mul_int64(value_, multiplier));
  }
  constexpr duration operator/(int64_t divisor) const { return duration(value_ / divisor); }
  constexpr int64_t operator/(duration other) const { return value_ / other.value_; }
  constexpr duration operator%(duration other) const { return duration(value_ % other.value_); }
  duration& operator+=(duration other) { return *this = *this + other; }
  duration& operator-=(duration other) { return *this = *this - other; }
  duration& operator*=(int64_t multiplier) { return *this = *this * multiplier; }

  constexpr bool operator==(duration other) const { return value_ == other.value_; }
  constexpr bool operator!=(duration other) const { return value_ != other.value_; }
  constexpr bool operator<(duration other) const { return value_ < other.value_; }
  constexpr bool operator<=(duration other) const { return value_ <= other.value_; }
  constexpr bool operator>(duration other) const { return value_ > other.value_; }
  constexpr bool operator>=(duration other) const { return value_ >= other.value_; }

  constexpr int64_t to_nsecs() const { return value_; }
  constexpr int64_t to_usecs() const { return value_ / 1000; }
  constexpr int64_t to_msecs() const { return value_ / 1000000; }
  constexpr int64_t to_secs() const { return value_ / 1000000000; }
  constexpr int64_t to_mins() const { return value_ / (60LL * 1000000000); }
  constexpr int64_t to_hours() const { return value_ / (3600LL * 1000000000); }

 private:
  zx_duration_t value_ = 0;
};

class time final {
 public:
  constexpr time() = default;
  explicit constexpr time(zx_time_t value) : value_(value) {}
  static constexpr time infinite() { return time(ZX_TIME_INFINITE); }
  static constexpr time infinite_past() { return time(ZX_TIME_INFINITE_PAST); }
  constexpr zx_time_t get() const { return value_; }
  zx_time_t* get_address() { return &value_; }

  duration operator-(time other) const { return duration(zx_time_sub_time(value_, other.value_)); }
  time operator+(duration d) const { return time(zx_time_add_duration(value_, d.get())); }
  time operator-(duration d) const { return time(zx_time_sub_duration(value_, d.get())); }
  time& operator+=(duration d) { return *this = *this + d; }
  time& operator-=(duration d) { return *this = *this - d; }

  constexpr bool operator==(time other) const { return value_ == other.value_; }
  constexpr bool operator!=(time other) const { return value_ != other.value_; }
  constexpr bool operator<(time other) const { return value_ < other.value_; }
  constexpr bool operator<=(time other) const { return value_ <= other.value_; }
  constexpr bool operator>(time other) const { return value_ > other.value_; }
  constexpr bool operator>=(time other) const { return value_ >= other.value_; }

 private:
  zx_time_t value_ = 0;
};

using time_monotonic = time;

constexpr duration nsec(int64_t n) { return duration(ZX_NSEC(n)); }
constexpr duration usec(int64_t n) { return duration(ZX_USEC(n)); }
constexpr duration msec(int64_t n) { return duration(ZX_MSEC(n)); }
constexpr duration sec(int64_t n) { return duration(ZX_SEC(n)); }
constexpr duration min(int64_t n) { return duration(ZX_MIN(n)); }
constexpr duration hour(int64_t n) { return duration(ZX_HOUR(n)); }

inline zx_status_t nanosleep(zx::time deadline) { return zx_nanosleep(deadline.get()); }
inline time deadline_after(zx::duration nanoseconds) {
  return time(zx_deadline_after(nanoseconds.get()));
}

class clock final {
 public:
  static time get_monotonic() { return time(zx_clock_get_monotonic()); }
};

}  // namespace zx

#endif  // ZXEMU_LIB_ZX_TIME_H_
