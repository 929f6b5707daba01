// zxemu: zircon/process.h — the calling process.
#ifndef ZXEMU_ZIRCON_PROCESS_H_
#define ZXEMU_ZIRCON_PROCESS_H_

#include <zircon/types.h>

__BEGIN_CDECLS

// zx_process_self() and zx_vmar_root_self() come with address spaces, which bring process
// and VMAR objects: until then they are not declared, so a program that needs a handle to its
// process fails to build instead of getting one that names nothing. zxemu_process_current()
// (zxemu/zxemu.h) names the process a thread's calls go to.

__END_CDECLS

#endif  // ZXEMU_ZIRCON_PROCESS_H_
