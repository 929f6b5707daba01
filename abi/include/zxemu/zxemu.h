// zxemu/zxemu.h — controls of the emulator behind the zx_* calls. None is needed by a test
// that runs in one process: the kernel starts with default settings on the first call.
#ifndef ZXEMU_ZXEMU_H_
#define ZXEMU_ZXEMU_H_

#include <zircon/syscalls.h>
#include <zircon/types.h>

__BEGIN_CDECLS

// An emulated process: a non-zero number, never reused (processes are not kernel objects in
// the emulator yet, so this is not a handle).
typedef uint32_t zxemu_process_t;

typedef struct zxemu_kernel_config {
  uint64_t memory_bytes;         // emulated RAM (default 256 MiB)
  uint64_t ram_base;             // physical address of the RAM (default 0x80000000)
  uint64_t device_memory_base;   // device-memory window for physical VMOs (default 64 GiB)
  uint64_t device_memory_bytes;  // its size (default 64 MiB)
  uint64_t handle_seed;          // used when has_handle_seed is non-zero
  uint8_t has_handle_seed;       // non-zero: reproducible handle values
  uint8_t enable_debugging_syscalls;  // kernel.enable-debugging-syscalls
  uint8_t padding[6];
} zxemu_kernel_config_t;

// Fills *config with the default settings. ZX_ERR_INVALID_ARGS when config is NULL.
zx_status_t zxemu_kernel_config_init(zxemu_kernel_config_t* config);

// Replaces the kernel with a new one (config NULL: the defaults). Every process of the old
// kernel is forgotten and per-thread overrides lapse; the new kernel has one process, the
// default. ZX_ERR_NO_MEMORY when the host cannot reserve the RAM.
zx_status_t zxemu_kernel_create(const zxemu_kernel_config_t* config);

// Creates a process with an empty handle table.
zx_status_t zxemu_process_create(zxemu_process_t* out);

// Makes process the process-global default: the process of every thread without an
// override. ZX_ERR_NOT_FOUND for an unknown process.
zx_status_t zxemu_process_set_current(zxemu_process_t process);

// Gives the calling thread its own process (0: back to the default).
zx_status_t zxemu_thread_set_process(zxemu_process_t process);

// The process the calling thread's calls go to (0 if the kernel cannot start).
zxemu_process_t zxemu_process_current(void);

// A new handle to the root resource, in the calling thread's process.
zx_status_t zxemu_root_resource(zx_handle_t* out);

// ZX_OK when the kernel's invariants hold; otherwise ZX_ERR_BAD_STATE with the description
// copied into message (NUL-terminated, truncated to message_size) and its full length in
// *actual (actual may be NULL; message may be NULL when message_size is 0).
zx_status_t zxemu_check_invariants(char* message, size_t message_size, size_t* actual);

// The kernel's memory statistics (total_bytes, free_bytes, vmo_bytes, ...).
zx_status_t zxemu_kmem_stats(zx_info_kmem_stats_t* out);

// Discards every unlocked discardable VMO, as memory pressure would; returns pages freed.
uint64_t zxemu_reclaim_discardable(void);

// Test hook: the next zx_*/zxemu_* call (on any thread) panics inside the library and
// answers ZX_ERR_INTERNAL (0 / ZX_HANDLE_INVALID for calls that return a value).
void zxemu_inject_panic(void);

__END_CDECLS

#endif  // ZXEMU_ZXEMU_H_
