// zxemu: zircon/time.h — saturating arithmetic on zx_time_t and zx_duration_t.
#ifndef ZXEMU_ZIRCON_TIME_H_
#define ZXEMU_ZIRCON_TIME_H_

#include <stdint.h>
#include <zircon/types.h>

__BEGIN_CDECLS

// The saturated result of an overflowing operation whose true result has the sign of hint.
static inline int64_t zxemu_saturate_(int64_t hint) { return hint < 0 ? INT64_MIN : INT64_MAX; }

static inline zx_time_t zx_time_add_duration(zx_time_t time, zx_duration_t duration) {
  zx_time_t x = 0;
  if (__builtin_add_overflow(time, duration, &x)) return zxemu_saturate_(duration);
  return x;
}

static inline zx_time_t zx_time_sub_duration(zx_time_t time, zx_duration_t duration) {
  zx_time_t x = 0;
  if (__builtin_sub_overflow(time, duration, &x)) return zxemu_saturate_(duration < 0 ? 1 : -1);
  return x;
}

static inline zx_duration_t zx_time_sub_time(zx_time_t time1, zx_time_t time2) {
  zx_duration_t x = 0;
  if (__builtin_sub_overflow(time1, time2, &x)) return zxemu_saturate_(time1 < time2 ? -1 : 1);
  return x;
}

static inline zx_duration_t zx_duration_add_duration(zx_duration_t dur1, zx_duration_t dur2) {
  zx_duration_t x = 0;
  if (__builtin_add_overflow(dur1, dur2, &x)) return zxemu_saturate_(dur1);
  return x;
}

static inline zx_duration_t zx_duration_sub_duration(zx_duration_t dur1, zx_duration_t dur2) {
  zx_duration_t x = 0;
  if (__builtin_sub_overflow(dur1, dur2, &x)) return zxemu_saturate_(dur1 < dur2 ? -1 : 1);
  return x;
}

static inline zx_duration_t zx_duration_mul_int64(zx_duration_t duration, int64_t multiplier) {
  zx_duration_t x = 0;
  if (__builtin_mul_overflow(duration, multiplier, &x)) return zxemu_saturate_(((duration < 0) != (multiplier < 0)) ? -1 : 1);
  return x;
}

static inline int64_t zx_nsec_from_duration(zx_duration_t n) { return n; }
static inline zx_duration_t zx_duration_from_nsec(int64_t n) { return n; }
static inline zx_duration_t zx_duration_from_usec(int64_t n) { return zx_duration_mul_int64(1000, n); }
static inline zx_duration_t zx_duration_from_msec(int64_t n) { return zx_duration_mul_int64(1000000, n); }
static inline zx_duration_t zx_duration_from_sec(int64_t n) { return zx_duration_mul_int64(1000000000, n); }
static inline zx_duration_t zx_duration_from_min(int64_t n) { return zx_duration_mul_int64(60000000000, n); }
static inline zx_duration_t zx_duration_from_hour(int64_t n) { return zx_duration_mul_int64(3600000000000, n); }

// Durations in nanoseconds (integer constant expressions, not saturating).
#define ZX_NSEC(n) ((zx_duration_t)(1LL * (n)))
#define ZX_USEC(n) ((zx_duration_t)(1000LL * (n)))
#define ZX_MSEC(n) ((zx_duration_t)(1000000LL * (n)))
#define ZX_SEC(n) ((zx_duration_t)(1000000000LL * (n)))
#define ZX_MIN(n) ((zx_duration_t)(60LL * 1000000000LL * (n)))
#define ZX_HOUR(n) ((zx_duration_t)(3600LL * 1000000000LL * (n)))

__END_CDECLS

#endif  // ZXEMU_ZIRCON_TIME_H_
