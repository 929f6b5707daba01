//! The controls and the boundary's conventions, from Rust through the rlib. The kernel is
//! global, so everything that replaces it happens in one test.

use std::ptr::{null, null_mut};

use zx_abi::*;
use zx_kernel::zx::*;

#[test]
fn kernel_configuration_processes_and_conventions() {
    // SAFETY: every pointer passed below is NULL or points to a live local of the right type
    // and size.
    unsafe {
        // Configure through the C record: 1 MiB of RAM, debugging syscalls on.
        let mut config = zxemu_kernel_config_t::default();
        assert_eq!(zxemu_kernel_config_init(&mut config), ZX_OK);
        assert_eq!(config.memory_bytes, 256 << 20);
        assert_eq!(zxemu_kernel_config_init(null_mut()), ZX_ERR_INVALID_ARGS);
        config.memory_bytes = 1 << 20;
        config.enable_debugging_syscalls = 1;
        config.has_handle_seed = 1;
        config.handle_seed = 7;
        assert_eq!(zxemu_kernel_create(&config), ZX_OK);
        let mut stats = zx_info_kmem_stats_t::default();
        assert_eq!(zxemu_kmem_stats(&mut stats), ZX_OK);
        assert_eq!(stats.total_bytes, 1 << 20);

        // Debugging syscalls: CACHE_INVALIDATE works now.
        let mut vmo = ZX_HANDLE_INVALID;
        assert_eq!(zx_vmo_create(4096, 0, &mut vmo), ZX_OK);
        let first_value = vmo;
        assert_eq!(zx_vmo_op_range(vmo, ZX_VMO_OP_CACHE_INVALIDATE, 0, 4096, null_mut(), 0), ZX_OK);
        // Memory runs out at 1 MiB.
        assert_eq!(zx_vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, 4096, null_mut(), 0), ZX_OK);
        let mut big = ZX_HANDLE_INVALID;
        assert_eq!(zx_vmo_create(2 << 20, 0, &mut big), ZX_OK);
        assert_eq!(
            zx_vmo_op_range(big, ZX_VMO_OP_COMMIT, 0, 2 << 20, null_mut(), 0),
            ZX_ERR_NO_MEMORY
        );

        // The same seed gives the same handle values in a new kernel.
        assert_eq!(zxemu_kernel_create(&config), ZX_OK);
        let mut again = ZX_HANDLE_INVALID;
        assert_eq!(zx_vmo_create(4096, 0, &mut again), ZX_OK);
        assert_eq!(again, first_value);
        // The old kernel's processes are gone: the old default is not the new one.
        assert_eq!(zx_vmo_get_size(big, &mut 0), ZX_ERR_BAD_HANDLE);

        // Processes: ids, the default and a per-thread override.
        let main = zxemu_process_current();
        let mut other = 0;
        assert_eq!(zxemu_process_create(&mut other), ZX_OK);
        assert_eq!(zxemu_process_create(null_mut()), ZX_ERR_INVALID_ARGS);
        assert_eq!(zxemu_process_set_current(other), ZX_OK);
        assert_eq!(zx_vmo_get_size(again, &mut 0), ZX_ERR_BAD_HANDLE, "other's table");
        assert_eq!(zxemu_thread_set_process(main), ZX_OK);
        assert_eq!(zx_vmo_get_size(again, &mut 0), ZX_OK, "the override wins");
        std::thread::spawn(move || {
            // A new thread has no override: it uses the default, `other`.
            assert_eq!(zxemu_process_current(), other);
        })
        .join()
        .unwrap();
        assert_eq!(zxemu_thread_set_process(0), ZX_OK);
        assert_eq!(zxemu_process_current(), other);
        assert_eq!(zxemu_thread_set_process(12345), ZX_ERR_NOT_FOUND);
        assert_eq!(zxemu_process_set_current(main), ZX_OK);
        assert_eq!(zx_handle_close(again), ZX_OK);

        // Invariant messages are copied, truncated and NUL-terminated; all is well here.
        let mut message = [0xffu8; 8];
        let mut actual = 99usize;
        assert_eq!(
            zxemu_check_invariants(message.as_mut_ptr().cast(), message.len(), &mut actual),
            ZX_OK
        );
        assert_eq!((message[0], actual), (0, 0));
        assert_eq!(zxemu_check_invariants(null_mut(), 4, null_mut()), ZX_ERR_INVALID_ARGS);

        // Buffers: NULL only with size 0; optional outs may be NULL.
        assert_eq!(zx_vmo_create(4096, 0, &mut vmo), ZX_OK);
        assert_eq!(zx_vmo_write(vmo, null(), 0, 0), ZX_OK);
        assert_eq!(zx_vmo_write(vmo, null(), 0, 1), ZX_ERR_INVALID_ARGS);
        assert_eq!(zx_object_wait_one(vmo, ZX_VMO_ZERO_CHILDREN, 0, null_mut()), ZX_OK);
        let mut addr = 0u64;
        let misaligned = (&mut addr as *mut u64).cast::<u8>().wrapping_add(1).cast::<u64>();
        assert_eq!(
            zx_bti_pin(ZX_HANDLE_INVALID, 0, vmo, 0, 4096, misaligned, 1, null_mut()),
            ZX_ERR_INVALID_ARGS
        );
        assert_eq!(zx_handle_close(vmo), ZX_OK);

        // Back to a default kernel for anything that runs after.
        assert_eq!(zxemu_kernel_create(null()), ZX_OK);
        assert_eq!(kernel().unwrap().kmem_stats().total_bytes, 256 << 20);
    }
}
