// zxemu: zircon/process.h — the calling process.
#ifndef ZXEMU_ZIRCON_PROCESS_H_
#define ZXEMU_ZIRCON_PROCESS_H_

#include <zircon/types.h>
#include <zircon/syscalls/vmar.h>

__BEGIN_CDECLS

// A handle to the calling thread's current process (ZX_DEFAULT_PROCESS_RIGHTS), the same value
// on every call. zxemu_process_current() (zxemu/zxemu.h) gives its emulator id.
// zx_vmar_root_self(), a handle to its root VMAR, is declared in zircon/syscalls/vmar.h.
zx_handle_t zx_process_self(void);
zx_handle_t _zx_process_self(void);

__END_CDECLS

#endif  // ZXEMU_ZIRCON_PROCESS_H_
