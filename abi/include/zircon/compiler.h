// zxemu: zircon/compiler.h — the attribute and linkage macros Zircon's public headers use.
#ifndef ZXEMU_ZIRCON_COMPILER_H_
#define ZXEMU_ZIRCON_COMPILER_H_

#ifdef __cplusplus
#define __BEGIN_CDECLS extern "C" {
#define __END_CDECLS }
#define __CONSTEXPR constexpr
#define __NOEXCEPT noexcept
#else
#define __BEGIN_CDECLS
#define __END_CDECLS
#define __CONSTEXPR
#define __NOEXCEPT
#endif

#ifndef __UNUSED
#define __UNUSED __attribute__((__unused__))
#endif
#ifndef __USED
#define __USED __attribute__((__used__))
#endif
#ifndef __PACKED
#define __PACKED __attribute__((__packed__))
#endif
#ifndef __ALIGNED
#define __ALIGNED(x) __attribute__((__aligned__(x)))
#endif
#ifndef __PRINTFLIKE
#define __PRINTFLIKE(fmt, args) __attribute__((__format__(__printf__, fmt, args)))
#endif
#ifndef __NO_RETURN
#define __NO_RETURN __attribute__((__noreturn__))
#endif
#ifndef __WARN_UNUSED_RESULT
#define __WARN_UNUSED_RESULT __attribute__((__warn_unused_result__))
#endif
#ifndef __NONNULL
#define __NONNULL(x) __attribute__((__nonnull__ x))
#endif
#ifndef __WEAK
#define __WEAK __attribute__((__weak__))
#endif
#ifndef __EXPORT
#define __EXPORT __attribute__((__visibility__("default")))
#endif
#ifndef __LOCAL
#define __LOCAL __attribute__((__visibility__("hidden")))
#endif
#ifndef __LEAF_FN
#define __LEAF_FN __attribute__((__leaf__))
#endif
#ifndef __CONST
#define __CONST __attribute__((__const__))
#endif
#ifndef __DEPRECATED
#define __DEPRECATED __attribute__((__deprecated__))
#endif
#ifndef __ALWAYS_INLINE
#define __ALWAYS_INLINE __attribute__((__always_inline__))
#endif
#ifndef __NO_INLINE
#define __NO_INLINE __attribute__((__noinline__))
#endif
#ifndef __likely
#define __likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef __unlikely
#define __unlikely(x) __builtin_expect(!!(x), 0)
#endif

// Static-analysis annotations of handle ownership; the emulator's headers keep them empty.
#ifndef ZX_HANDLE_ACQUIRE
#define ZX_HANDLE_ACQUIRE
#endif
#ifndef ZX_HANDLE_RELEASE
#define ZX_HANDLE_RELEASE
#endif
#ifndef ZX_HANDLE_USE
#define ZX_HANDLE_USE
#endif
#ifndef ZX_HANDLE_ACQUIRE_UNOWNED
#define ZX_HANDLE_ACQUIRE_UNOWNED
#endif
#define ZX_SYSCALL_PARAM_ATTR(x)

#endif  // ZXEMU_ZIRCON_COMPILER_H_
