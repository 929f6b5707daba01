// zxemu: zircon/process.h — the calling process.
#ifndef ZXEMU_ZIRCON_PROCESS_H_
#define ZXEMU_ZIRCON_PROCESS_H_

#include <zircon/types.h>

__BEGIN_CDECLS

// A handle to the calling process. The emulator has no process object type yet, so this
// answers ZX_HANDLE_INVALID; zxemu_process_current() (zxemu/zxemu.h) names the process a
// thread's calls go to. zx_vmar_root_self() will join it when address spaces exist.
zx_handle_t zx_process_self(void);
zx_handle_t _zx_process_self(void);

__END_CDECLS

#endif  // ZXEMU_ZIRCON_PROCESS_H_
