//! The C boundary: every exported symbol and every conversion of a C pointer into a Rust
//! reference. The only module of the crate allowed `unsafe`.
//!
//! Conventions, for every entry point:
//! - the body runs inside [`guard`]: a panic answers `ZX_ERR_INTERNAL` (functions that return
//!   a value answer 0 or `ZX_HANDLE_INVALID`);
//! - a buffer pointer may be NULL only with a size of 0; NULL with a non-zero size answers
//!   `ZX_ERR_INVALID_ARGS` before anything else is checked;
//! - a required out-pointer (`out`, `size`, `pmt`, `packet`) that is NULL answers
//!   `ZX_ERR_INVALID_ARGS` after the call, as Zircon's copy-out does: the handle checks come
//!   first, and what the call created is closed again (a PMT is unpinned);
//! - optional out-pointers (`actual`, `avail`, `observed`) may be NULL.
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, c_void, CString};
use std::sync::OnceLock;

use zx_kernel::zx::*;
use zx_kernel::{KernelConfig, Process, Status};

use crate::guard::guard;
use crate::state;

/// `zx_duration_t`.
#[allow(non_camel_case_types)]
pub type zx_duration_t = i64;

/// `zxemu_kernel_config_t`: the settings of `zxemu_kernel_create`. Fill it with
/// `zxemu_kernel_config_init` and change what you need.
///
/// ```
/// let mut config = zx_abi::zxemu_kernel_config_t::default();
/// // SAFETY: `config` is a valid, writable record.
/// unsafe { zx_abi::zxemu_kernel_config_init(&mut config) };
/// assert_eq!(config.memory_bytes, 256 << 20);
/// ```
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zxemu_kernel_config_t {
    /// Bytes of emulated RAM.
    pub memory_bytes: u64,
    /// Physical address of the first byte of RAM.
    pub ram_base: u64,
    /// Physical address of the device-memory window.
    pub device_memory_base: u64,
    /// Bytes in the device-memory window.
    pub device_memory_bytes: u64,
    /// The handle seed, used when `has_handle_seed` is non-zero.
    pub handle_seed: u64,
    /// Non-zero: scramble handle values with `handle_seed` (reproducible values).
    pub has_handle_seed: u8,
    /// Non-zero: Zircon's `kernel.enable-debugging-syscalls`.
    pub enable_debugging_syscalls: u8,
    /// Zero.
    pub padding: [u8; 6],
}

impl From<&KernelConfig> for zxemu_kernel_config_t {
    fn from(c: &KernelConfig) -> Self {
        zxemu_kernel_config_t {
            memory_bytes: c.memory_bytes,
            ram_base: c.ram_base,
            device_memory_base: c.device_memory_base,
            device_memory_bytes: c.device_memory_bytes,
            handle_seed: c.handle_seed.unwrap_or(0),
            has_handle_seed: c.handle_seed.is_some() as u8,
            enable_debugging_syscalls: c.enable_debugging_syscalls as u8,
            padding: [0; 6],
        }
    }
}

impl From<&zxemu_kernel_config_t> for KernelConfig {
    fn from(c: &zxemu_kernel_config_t) -> Self {
        KernelConfig {
            memory_bytes: c.memory_bytes,
            ram_base: c.ram_base,
            device_memory_base: c.device_memory_base,
            device_memory_bytes: c.device_memory_bytes,
            handle_seed: (c.has_handle_seed != 0).then_some(c.handle_seed),
            enable_debugging_syscalls: c.enable_debugging_syscalls != 0,
            // The C record has no field for these (its layout is fixed): lowest-address
            // placement and the default pager timeout.
            aslr_seed: None,
            ..KernelConfig::default()
        }
    }
}

const INVALID_ARGS: zx_status_t = ZX_ERR_INVALID_ARGS;

fn status(result: Result<(), Status>) -> zx_status_t {
    match result {
        Ok(()) => ZX_OK,
        Err(s) => s.into_raw(),
    }
}

/// Runs `f` on the calling thread's process, inside the panic guard.
fn with_process(f: impl FnOnce(&Process) -> zx_status_t) -> zx_status_t {
    guard(ZX_ERR_INTERNAL, || match state::current_process() {
        Ok(process) => f(&process),
        Err(s) => s.into_raw(),
    })
}

/// A C input buffer as a slice: NULL is allowed only with length 0.
///
/// ```
/// use zx_abi::*;
/// use zx_kernel::zx::*;
/// // SAFETY: every pointer is NULL or points to a live local of the right size.
/// unsafe {
///     let mut config = zxemu_kernel_config_t::default();
///     assert_eq!(zxemu_kernel_config_init(&mut config), ZX_OK);
///     assert_eq!(config.enable_debugging_syscalls, 0);
/// }
/// ```
///
/// # Safety
/// A non-NULL `ptr` must be valid for reads of `len` bytes for `'a`.
unsafe fn in_bytes<'a>(ptr: *const c_void, len: usize) -> Result<&'a [u8], zx_status_t> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() || len > isize::MAX as usize {
        return Err(INVALID_ARGS);
    }
    // SAFETY: non-NULL, length within isize::MAX, and the caller promises `len` readable bytes
    // that nothing writes during the call (the C contract of an input buffer).
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// A C output buffer as a mutable slice: NULL is allowed only with length 0.
///
/// # Safety
/// A non-NULL `ptr` must be valid for reads and writes of `len` bytes for `'a`.
unsafe fn out_bytes<'a>(ptr: *mut c_void, len: usize) -> Result<&'a mut [u8], zx_status_t> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() || len > isize::MAX as usize {
        return Err(INVALID_ARGS);
    }
    // SAFETY: non-NULL, length within isize::MAX, and the caller promises `len` writable bytes
    // that nothing else touches during the call (the C contract of an output buffer).
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr.cast::<u8>(), len) })
}

/// Writes `value` through an out-pointer; false when it is NULL.
///
/// # Safety
/// A non-NULL `ptr` must be valid for a write of a `T`.
unsafe fn put<T>(ptr: *mut T, value: T) -> bool {
    if ptr.is_null() {
        return false;
    }
    // SAFETY: non-NULL and, by the caller's contract, valid for a write of a `T`; the write is
    // unaligned so that a packed C record cannot make it undefined.
    unsafe { ptr.write_unaligned(value) };
    true
}

/// The answer of a call that creates a handle: stores it in `out`, or, when `out` is NULL,
/// closes it again and answers `INVALID_ARGS`.
///
/// # Safety
/// A non-NULL `out` must be valid for a write of a handle.
unsafe fn out_handle(
    process: &Process,
    result: Result<zx_handle_t, Status>,
    out: *mut zx_handle_t,
) -> zx_status_t {
    match result {
        Err(s) => s.into_raw(),
        Ok(handle) => {
            // SAFETY: `out` is NULL or valid for a handle (this function's contract).
            if unsafe { put(out, handle) } {
                ZX_OK
            } else {
                let _ = process.handle_close(handle);
                INVALID_ARGS
            }
        }
    }
}

/// Declares an entry point under its C name and its `_zx_` twin (the same function).
macro_rules! export {
    ($(#[$doc:meta])* $name:ident, $alias:ident, ($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// Every pointer argument must be NULL or valid for the reads and writes of its C
        /// signature (a buffer for its stated size) for the duration of the call.
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $ret $body

        #[doc(hidden)]
        #[no_mangle]
        pub unsafe extern "C" fn $alias($($arg: $ty),*) -> $ret {
            // SAFETY: the same function with the same contract, forwarded unchanged.
            unsafe { $name($($arg),*) }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// VMOs

export! {
    /// `zx_vmo_create(size, options, out)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut vmo = 0;
    ///     assert_eq!(zx_vmo_create(4096, 0, &mut vmo), ZX_OK);
    ///     assert_eq!(zx_vmo_create(4096, 0, std::ptr::null_mut()), ZX_ERR_INVALID_ARGS);
    /// }
    /// ```
    zx_vmo_create, _zx_vmo_create, (size: u64, options: u32, out: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `out` is NULL or valid for a handle (the C contract).
            unsafe { out_handle(p, p.vmo_create(size, options), out) }
        })
    }
}

export! {
    /// `zx_vmo_read(handle, buffer, offset, buffer_size)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut vmo = 0;
    ///     zx_vmo_create(4096, 0, &mut vmo);
    ///     let mut buf = [1u8; 4];
    ///     assert_eq!(zx_vmo_read(vmo, buf.as_mut_ptr().cast(), 0, 4), ZX_OK);
    ///     assert_eq!(buf, [0; 4]);
    /// }
    /// ```
    zx_vmo_read, _zx_vmo_read, (handle: zx_handle_t, buffer: *mut c_void, offset: u64, buffer_size: usize) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `buffer` is NULL or valid for `buffer_size` writable bytes (the C contract).
            match unsafe { out_bytes(buffer, buffer_size) } {
                Ok(buf) => status(p.vmo_read(handle, buf, offset)),
                Err(s) => s,
            }
        })
    }
}

export! {
    /// `zx_vmo_write(handle, buffer, offset, buffer_size)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut vmo = 0;
    ///     zx_vmo_create(4096, 0, &mut vmo);
    ///     assert_eq!(zx_vmo_write(vmo, b"hi".as_ptr().cast(), 4095, 2), ZX_ERR_OUT_OF_RANGE);
    /// }
    /// ```
    zx_vmo_write, _zx_vmo_write, (handle: zx_handle_t, buffer: *const c_void, offset: u64, buffer_size: usize) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `buffer` is NULL or valid for `buffer_size` readable bytes (the C contract).
            match unsafe { in_bytes(buffer, buffer_size) } {
                Ok(buf) => status(p.vmo_write(handle, buf, offset)),
                Err(s) => s,
            }
        })
    }
}

export! {
    /// `zx_vmo_get_size(handle, size)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut vmo, mut size) = (0, 0);
    ///     zx_vmo_create(1, 0, &mut vmo);
    ///     assert_eq!(zx_vmo_get_size(vmo, &mut size), ZX_OK);
    ///     assert_eq!(size, 4096);
    /// }
    /// ```
    zx_vmo_get_size, _zx_vmo_get_size, (handle: zx_handle_t, size: *mut u64) -> zx_status_t {
        with_process(|p| match p.vmo_get_size(handle) {
            // SAFETY: `size` is NULL or valid for a u64 (the C contract).
            Ok(value) => if unsafe { put(size, value) } { ZX_OK } else { INVALID_ARGS },
            Err(s) => s.into_raw(),
        })
    }
}

export! {
    /// `zx_vmo_set_size(handle, size)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut vmo = 0;
    ///     zx_vmo_create(4096, ZX_VMO_RESIZABLE, &mut vmo);
    ///     assert_eq!(zx_vmo_set_size(vmo, 8192), ZX_OK);
    /// }
    /// ```
    zx_vmo_set_size, _zx_vmo_set_size, (handle: zx_handle_t, size: u64) -> zx_status_t {
        with_process(|p| status(p.vmo_set_size(handle, size)))
    }
}

export! {
    /// `zx_vmo_op_range(handle, op, offset, size, buffer, buffer_size)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut vmo = 0;
    ///     zx_vmo_create(4096, 0, &mut vmo);
    ///     assert_eq!(zx_vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, 4096, std::ptr::null_mut(), 0), ZX_OK);
    /// }
    /// ```
    zx_vmo_op_range, _zx_vmo_op_range, (handle: zx_handle_t, op: u32, offset: u64, size: u64, buffer: *mut c_void, buffer_size: usize) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `buffer` is NULL or valid for `buffer_size` writable bytes (the C contract).
            match unsafe { out_bytes(buffer, buffer_size) } {
                Ok(buf) => status(p.vmo_op_range(handle, op, offset, size, buf)),
                Err(s) => s,
            }
        })
    }
}

export! {
    /// `zx_vmo_create_child(handle, options, offset, size, out)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut vmo, mut child) = (0, 0);
    ///     zx_vmo_create(4096, 0, &mut vmo);
    ///     assert_eq!(zx_vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 4096, &mut child), ZX_OK);
    /// }
    /// ```
    zx_vmo_create_child, _zx_vmo_create_child, (handle: zx_handle_t, options: u32, offset: u64, size: u64, out: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `out` is NULL or valid for a handle (the C contract).
            unsafe { out_handle(p, p.vmo_create_child(handle, options, offset, size), out) }
        })
    }
}

export! {
    /// `zx_vmo_transfer_data(dst_vmo, options, offset, length, src_vmo, src_offset)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut src, mut dst) = (0, 0);
    ///     zx_vmo_create(4096, 0, &mut src);
    ///     zx_vmo_create(4096, 0, &mut dst);
    ///     assert_eq!(zx_vmo_transfer_data(dst, 0, 0, 4096, src, 0), ZX_OK);
    /// }
    /// ```
    zx_vmo_transfer_data, _zx_vmo_transfer_data, (dst_vmo: zx_handle_t, options: u32, offset: u64, length: u64, src_vmo: zx_handle_t, src_offset: u64) -> zx_status_t {
        with_process(|p| status(p.vmo_transfer_data(dst_vmo, options, offset, length, src_vmo, src_offset)))
    }
}

export! {
    /// `zx_vmo_create_contiguous(bti, size, alignment_log2, out)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut vmo = 0;
    ///     assert_eq!(zx_vmo_create_contiguous(ZX_HANDLE_INVALID, 4096, 0, &mut vmo), ZX_ERR_BAD_HANDLE);
    /// }
    /// ```
    zx_vmo_create_contiguous, _zx_vmo_create_contiguous, (bti: zx_handle_t, size: usize, alignment_log2: u32, out: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `out` is NULL or valid for a handle (the C contract).
            unsafe { out_handle(p, p.vmo_create_contiguous(bti, size as u64, alignment_log2), out) }
        })
    }
}

export! {
    /// `zx_vmo_create_physical(resource, paddr, size, out)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut root, mut vmo) = (0, 0);
    ///     zxemu_root_resource(&mut root);
    ///     assert_eq!(zx_vmo_create_physical(root, 1 << 36, 4096, &mut vmo), ZX_OK);
    /// }
    /// ```
    zx_vmo_create_physical, _zx_vmo_create_physical, (resource: zx_handle_t, paddr: zx_paddr_t, size: usize, out: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `out` is NULL or valid for a handle (the C contract).
            unsafe { out_handle(p, p.vmo_create_physical(resource, paddr, size as u64), out) }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Handles

export! {
    /// `zx_handle_close(handle)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     assert_eq!(zx_handle_close(ZX_HANDLE_INVALID), ZX_OK);
    ///     assert_eq!(zx_handle_close(3), ZX_ERR_BAD_HANDLE);
    /// }
    /// ```
    zx_handle_close, _zx_handle_close, (handle: zx_handle_t) -> zx_status_t {
        with_process(|p| status(p.handle_close(handle)))
    }
}

export! {
    /// `zx_handle_close_many(handles, num_handles)`: closes each handle in turn (all of
    /// them, even after a failure) and answers the first failure.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut handles = [0; 2];
    ///     zx_vmo_create(0, 0, &mut handles[0]);
    ///     zx_event_create(0, &mut handles[1]);
    ///     assert_eq!(zx_handle_close_many(handles.as_ptr(), 2), ZX_OK);
    /// }
    /// ```
    zx_handle_close_many, _zx_handle_close_many, (handles: *const zx_handle_t, num_handles: usize) -> zx_status_t {
        with_process(|p| {
            let Some(bytes) = num_handles.checked_mul(4) else { return INVALID_ARGS };
            // SAFETY: `handles` is NULL or valid for `num_handles` handles (the C contract).
            let raw = match unsafe { in_bytes(handles.cast(), bytes) } {
                Ok(raw) => raw,
                Err(s) => return s,
            };
            let mut first = ZX_OK;
            for chunk in raw.chunks_exact(4) {
                let handle = zx_handle_t::from_ne_bytes(chunk.try_into().expect("4 bytes"));
                let result = status(p.handle_close(handle));
                if first == ZX_OK {
                    first = result;
                }
            }
            first
        })
    }
}

export! {
    /// `zx_handle_duplicate(handle, rights, out)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut vmo, mut dup) = (0, 0);
    ///     zx_vmo_create(0, 0, &mut vmo);
    ///     assert_eq!(zx_handle_duplicate(vmo, ZX_RIGHT_SAME_RIGHTS, &mut dup), ZX_OK);
    /// }
    /// ```
    zx_handle_duplicate, _zx_handle_duplicate, (handle: zx_handle_t, rights: zx_rights_t, out: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `out` is NULL or valid for a handle (the C contract).
            unsafe { out_handle(p, p.handle_duplicate(handle, rights), out) }
        })
    }
}

export! {
    /// `zx_handle_replace(handle, rights, out)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut vmo, mut ro) = (0, 0);
    ///     zx_vmo_create(0, 0, &mut vmo);
    ///     assert_eq!(zx_handle_replace(vmo, ZX_RIGHT_READ, &mut ro), ZX_OK);
    ///     assert_eq!(zx_handle_close(vmo), ZX_ERR_BAD_HANDLE);
    /// }
    /// ```
    zx_handle_replace, _zx_handle_replace, (handle: zx_handle_t, rights: zx_rights_t, out: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `out` is NULL or valid for a handle (the C contract).
            unsafe { out_handle(p, p.handle_replace(handle, rights), out) }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Objects

export! {
    /// `zx_object_get_info(handle, topic, buffer, buffer_size, actual, avail)`. Every emulated
    /// topic has one record: a buffer too small for it answers `BUFFER_TOO_SMALL` with
    /// `actual` 0 and `avail` 1, as Zircon does.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut vmo = 0;
    ///     zx_vmo_create(8192, 0, &mut vmo);
    ///     let mut info = zx_info_vmo_t::default();
    ///     let (mut actual, mut avail) = (0, 0);
    ///     let size = std::mem::size_of_val(&info);
    ///     let buf = (&mut info as *mut zx_info_vmo_t).cast();
    ///     assert_eq!(zx_object_get_info(vmo, ZX_INFO_VMO, buf, size, &mut actual, &mut avail), ZX_OK);
    ///     assert_eq!((info.size_bytes, actual, avail), (8192, 1, 1));
    /// }
    /// ```
    zx_object_get_info, _zx_object_get_info, (handle: zx_handle_t, topic: u32, buffer: *mut c_void, buffer_size: usize, actual: *mut usize, avail: *mut usize) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `buffer` is NULL or valid for `buffer_size` writable bytes (the C contract).
            let buf = match unsafe { out_bytes(buffer, buffer_size) } {
                Ok(buf) => buf,
                Err(s) => return s,
            };
            let (result, counts) = match p.object_get_info(handle, topic, buf) {
                Ok(counts) => (ZX_OK, Some(counts)),
                Err(s) if s.into_raw() == ZX_ERR_BUFFER_TOO_SMALL => (s.into_raw(), Some((0, 1))),
                Err(s) => (s.into_raw(), None),
            };
            if let Some((n_actual, n_avail)) = counts {
                // SAFETY: `actual` and `avail` are each NULL or valid for a size_t (the C contract).
                unsafe {
                    put(actual, n_actual);
                    put(avail, n_avail);
                }
            }
            result
        })
    }
}

export! {
    /// `zx_object_get_property(handle, property, value, value_size)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut vmo = 0;
    ///     zx_vmo_create(0, 0, &mut vmo);
    ///     let mut name = [0u8; 32];
    ///     assert_eq!(zx_object_get_property(vmo, ZX_PROP_NAME, name.as_mut_ptr().cast(), 32), ZX_OK);
    /// }
    /// ```
    zx_object_get_property, _zx_object_get_property, (handle: zx_handle_t, property: u32, value: *mut c_void, value_size: usize) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `value` is NULL or valid for `value_size` writable bytes (the C contract).
            match unsafe { out_bytes(value, value_size) } {
                Ok(buf) => status(p.object_get_property(handle, property, buf)),
                Err(s) => s,
            }
        })
    }
}

export! {
    /// `zx_object_set_property(handle, property, value, value_size)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut vmo = 0;
    ///     zx_vmo_create(0, 0, &mut vmo);
    ///     assert_eq!(zx_object_set_property(vmo, ZX_PROP_NAME, b"buf".as_ptr().cast(), 3), ZX_OK);
    /// }
    /// ```
    zx_object_set_property, _zx_object_set_property, (handle: zx_handle_t, property: u32, value: *const c_void, value_size: usize) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `value` is NULL or valid for `value_size` readable bytes (the C contract).
            match unsafe { in_bytes(value, value_size) } {
                Ok(buf) => status(p.object_set_property(handle, property, buf)),
                Err(s) => s,
            }
        })
    }
}

export! {
    /// `zx_object_wait_one(handle, signals, deadline, observed)`; `observed` may be NULL and
    /// is written only when the wait succeeds.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut event, mut seen) = (0, 0);
    ///     zx_event_create(0, &mut event);
    ///     assert_eq!(zx_object_wait_one(event, ZX_EVENT_SIGNALED, 0, &mut seen), ZX_ERR_TIMED_OUT);
    /// }
    /// ```
    zx_object_wait_one, _zx_object_wait_one, (handle: zx_handle_t, signals: zx_signals_t, deadline: zx_time_t, observed: *mut zx_signals_t) -> zx_status_t {
        with_process(|p| match p.object_wait_one(handle, signals, deadline) {
            Ok(seen) => {
                // SAFETY: `observed` is NULL or valid for a zx_signals_t (the C contract).
                unsafe { put(observed, seen) };
                ZX_OK
            }
            Err(s) => s.into_raw(),
        })
    }
}

export! {
    /// `zx_object_signal(handle, clear_mask, set_mask)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut event = 0;
    ///     zx_event_create(0, &mut event);
    ///     assert_eq!(zx_object_signal(event, 0, ZX_USER_SIGNAL_0), ZX_OK);
    /// }
    /// ```
    zx_object_signal, _zx_object_signal, (handle: zx_handle_t, clear_mask: u32, set_mask: u32) -> zx_status_t {
        with_process(|p| status(p.object_signal(handle, clear_mask, set_mask)))
    }
}

export! {
    /// `zx_event_create(options, out)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut event = 0;
    ///     assert_eq!(zx_event_create(1, &mut event), ZX_ERR_INVALID_ARGS);
    /// }
    /// ```
    zx_event_create, _zx_event_create, (options: u32, out: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `out` is NULL or valid for a handle (the C contract).
            unsafe { out_handle(p, p.event_create(options), out) }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// IOMMUs, BTIs, PMTs

export! {
    /// `zx_iommu_create(resource, type, desc, desc_size, out)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut root, mut iommu) = (0, 0);
    ///     zxemu_root_resource(&mut root);
    ///     let desc = [0u8; 1];
    ///     assert_eq!(zx_iommu_create(root, ZX_IOMMU_TYPE_DUMMY, desc.as_ptr().cast(), 1, &mut iommu), ZX_OK);
    /// }
    /// ```
    zx_iommu_create, _zx_iommu_create, (resource: zx_handle_t, iommu_type: u32, desc: *const c_void, desc_size: usize, out: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `desc` is NULL or valid for `desc_size` readable bytes (the C contract).
            let desc = match unsafe { in_bytes(desc, desc_size) } {
                Ok(desc) => desc,
                Err(s) => return s,
            };
            // SAFETY: `out` is NULL or valid for a handle (the C contract).
            unsafe { out_handle(p, p.iommu_create(resource, iommu_type, desc), out) }
        })
    }
}

export! {
    /// `zx_bti_create(iommu, options, bti_id, out)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut bti = 0;
    ///     assert_eq!(zx_bti_create(ZX_HANDLE_INVALID, 0, 0, &mut bti), ZX_ERR_BAD_HANDLE);
    /// }
    /// ```
    zx_bti_create, _zx_bti_create, (iommu: zx_handle_t, options: u32, bti_id: u64, out: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `out` is NULL or valid for a handle (the C contract).
            unsafe { out_handle(p, p.bti_create(iommu, options, bti_id), out) }
        })
    }
}

export! {
    /// `zx_bti_pin(handle, options, vmo, offset, size, addrs, num_addrs, pmt)`. A NULL `pmt`
    /// answers `INVALID_ARGS` with the pin undone.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut pmt = 0;
    ///     let mut addr = 0;
    ///     assert_eq!(zx_bti_pin(ZX_HANDLE_INVALID, 0, 0, 0, 4096, &mut addr, 1, &mut pmt), ZX_ERR_BAD_HANDLE);
    /// }
    /// ```
    zx_bti_pin, _zx_bti_pin, (handle: zx_handle_t, options: u32, vmo: zx_handle_t, offset: u64, size: u64, addrs: *mut zx_paddr_t, num_addrs: usize, pmt: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            let addrs: &mut [zx_paddr_t] = if num_addrs == 0 {
                &mut []
            } else if addrs.is_null()
                || !addrs.is_aligned()
                || num_addrs > isize::MAX as usize / std::mem::size_of::<zx_paddr_t>()
            {
                return INVALID_ARGS;
            } else {
                // SAFETY: non-NULL, aligned, the byte length fits isize, and the caller promises
                // `num_addrs` writable addresses nothing else touches during the call.
                unsafe { std::slice::from_raw_parts_mut(addrs, num_addrs) }
            };
            match p.bti_pin(handle, options, vmo, offset, size, addrs) {
                Err(s) => s.into_raw(),
                // SAFETY: `pmt` is NULL or valid for a handle (the C contract).
                Ok(new) => if unsafe { put(pmt, new) } {
                    ZX_OK
                } else {
                    let _ = p.pmt_unpin(new);
                    INVALID_ARGS
                },
            }
        })
    }
}

export! {
    /// `zx_bti_release_quarantine(handle)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     assert_eq!(zx_bti_release_quarantine(ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE);
    /// }
    /// ```
    zx_bti_release_quarantine, _zx_bti_release_quarantine, (handle: zx_handle_t) -> zx_status_t {
        with_process(|p| status(p.bti_release_quarantine(handle)))
    }
}

export! {
    /// `zx_pmt_unpin(handle)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     assert_eq!(zx_pmt_unpin(ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE);
    /// }
    /// ```
    zx_pmt_unpin, _zx_pmt_unpin, (handle: zx_handle_t) -> zx_status_t {
        with_process(|p| status(p.pmt_unpin(handle)))
    }
}

// ---------------------------------------------------------------------------------------------
// Ports and pagers

export! {
    /// `zx_port_create(options, out)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut port = 0;
    ///     assert_eq!(zx_port_create(0, &mut port), ZX_OK);
    ///     assert_eq!(zx_handle_close(port), ZX_OK);
    /// }
    /// ```
    zx_port_create, _zx_port_create, (options: u32, out: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `out` is NULL or valid for a handle (the C contract).
            unsafe { out_handle(p, p.port_create(options), out) }
        })
    }
}

export! {
    /// `zx_port_queue(handle, packet)`: `packet` NULL → `INVALID_ARGS`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut port, mut packet) = (0, zx_port_packet_t { key: 3, ..Default::default() });
    ///     assert_eq!(zx_port_create(0, &mut port), ZX_OK);
    ///     assert_eq!(zx_port_queue(port, &packet), ZX_OK);
    ///     assert_eq!(zx_port_queue(port, std::ptr::null()), ZX_ERR_INVALID_ARGS);
    ///     assert_eq!(zx_port_wait(port, 0, &mut packet), ZX_OK);
    ///     assert_eq!((packet.key, packet.type_), (3, ZX_PKT_TYPE_USER));
    ///     assert_eq!(zx_handle_close(port), ZX_OK);
    /// }
    /// ```
    zx_port_queue, _zx_port_queue, (handle: zx_handle_t, packet: *const zx_port_packet_t) -> zx_status_t {
        with_process(|p| {
            if packet.is_null() {
                return INVALID_ARGS;
            }
            // SAFETY: non-NULL and, by the C contract, valid for a read of a zx_port_packet_t;
            // read unaligned so that a packed C record cannot make it undefined.
            let packet = unsafe { packet.read_unaligned() };
            status(p.port_queue(handle, &packet))
        })
    }
}

export! {
    /// `zx_port_wait(handle, deadline, packet)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut packet = zx_port_packet_t::default();
    ///     assert_eq!(zx_port_wait(0, 0, &mut packet), ZX_ERR_BAD_HANDLE);
    /// }
    /// ```
    zx_port_wait, _zx_port_wait, (handle: zx_handle_t, deadline: zx_time_t, packet: *mut zx_port_packet_t) -> zx_status_t {
        with_process(|p| match p.port_wait(handle, deadline) {
            // SAFETY: `packet` is NULL or valid for a zx_port_packet_t (the C contract).
            Ok(value) => if unsafe { put(packet, value) } { ZX_OK } else { INVALID_ARGS },
            Err(s) => s.into_raw(),
        })
    }
}

export! {
    /// `zx_pager_create(options, out)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut pager = 0;
    ///     assert_eq!(zx_pager_create(1, &mut pager), ZX_ERR_INVALID_ARGS);
    ///     assert_eq!(zx_pager_create(0, &mut pager), ZX_OK);
    /// }
    /// ```
    zx_pager_create, _zx_pager_create, (options: u32, out: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `out` is NULL or valid for a handle (the C contract).
            unsafe { out_handle(p, p.pager_create(options), out) }
        })
    }
}

export! {
    /// `zx_pager_create_vmo(pager, options, port, key, size, out)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut pager, mut port, mut vmo) = (0, 0, 0);
    ///     assert_eq!(zx_pager_create(0, &mut pager), ZX_OK);
    ///     assert_eq!(zx_port_create(0, &mut port), ZX_OK);
    ///     assert_eq!(zx_pager_create_vmo(pager, 0, port, 0, 4096, &mut vmo), ZX_OK);
    /// }
    /// ```
    zx_pager_create_vmo, _zx_pager_create_vmo, (pager: zx_handle_t, options: u32, port: zx_handle_t, key: u64, size: u64, out: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `out` is NULL or valid for a handle (the C contract).
            unsafe { out_handle(p, p.pager_create_vmo(pager, options, port, key, size), out) }
        })
    }
}

export! {
    /// `zx_pager_detach_vmo(pager, vmo)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     assert_eq!(zx_pager_detach_vmo(0, 0), ZX_ERR_BAD_HANDLE);
    /// }
    /// ```
    zx_pager_detach_vmo, _zx_pager_detach_vmo, (pager: zx_handle_t, vmo: zx_handle_t) -> zx_status_t {
        with_process(|p| status(p.pager_detach_vmo(pager, vmo)))
    }
}

export! {
    /// `zx_pager_supply_pages(pager, pager_vmo, offset, length, aux_vmo, aux_offset)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     assert_eq!(zx_pager_supply_pages(0, 0, 1, 4096, 0, 0), ZX_ERR_INVALID_ARGS);
    ///     assert_eq!(zx_pager_supply_pages(0, 0, 0, 4096, 0, 0), ZX_ERR_BAD_HANDLE);
    /// }
    /// ```
    zx_pager_supply_pages, _zx_pager_supply_pages, (pager: zx_handle_t, pager_vmo: zx_handle_t, offset: u64, length: u64, aux_vmo: zx_handle_t, aux_offset: u64) -> zx_status_t {
        with_process(|p| status(p.pager_supply_pages(pager, pager_vmo, offset, length, aux_vmo, aux_offset)))
    }
}

export! {
    /// `zx_pager_op_range(pager, op, pager_vmo, offset, length, data)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     assert_eq!(zx_pager_op_range(0, ZX_PAGER_OP_FAIL, 0, 0, 4096, 0), ZX_ERR_BAD_HANDLE);
    /// }
    /// ```
    zx_pager_op_range, _zx_pager_op_range, (pager: zx_handle_t, op: u32, pager_vmo: zx_handle_t, offset: u64, length: u64, data: u64) -> zx_status_t {
        with_process(|p| status(p.pager_op_range(pager, op, pager_vmo, offset, length, data)))
    }
}

/// Bytes of one `zx_vmo_dirty_range_t` in a C buffer.
const DIRTY_RANGE_BYTES: usize = std::mem::size_of::<zx_vmo_dirty_range_t>();

/// Writes `records` one after the other into `buf` as C `zx_vmo_dirty_range_t`s (native byte
/// order, no padding), so that the C buffer needs no particular alignment.
fn put_dirty_ranges(records: &[zx_vmo_dirty_range_t], buf: &mut [u8]) {
    for (record, out) in records.iter().zip(buf.chunks_exact_mut(DIRTY_RANGE_BYTES)) {
        let fields = [record.offset, record.length, record.options];
        for (field, bytes) in fields.iter().zip(out.chunks_exact_mut(8)) {
            bytes.copy_from_slice(&field.to_ne_bytes());
        }
    }
}

export! {
    /// `zx_pager_query_dirty_ranges(pager, pager_vmo, offset, length, buffer, buffer_size,
    /// actual, avail)`: writes as many `zx_vmo_dirty_range_t` records as fit in `buffer_size`
    /// bytes; `actual` (may be NULL) gets the number written and `avail` (may be NULL) the
    /// number of dirty ranges in the range.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut pager, mut port, mut vmo, mut aux) = (0, 0, 0, 0);
    ///     zx_pager_create(0, &mut pager);
    ///     zx_port_create(0, &mut port);
    ///     zx_pager_create_vmo(pager, 0, port, 0, 4096, &mut vmo);
    ///     zx_vmo_create(4096, 0, &mut aux);
    ///     assert_eq!(zx_pager_supply_pages(pager, vmo, 0, 4096, aux, 0), ZX_OK);
    ///     assert_eq!(zx_vmo_write(vmo, b"x".as_ptr().cast(), 0, 1), ZX_OK);
    ///     let mut ranges = [zx_vmo_dirty_range_t::default(); 2];
    ///     let (mut actual, mut avail) = (0, 0);
    ///     let buf = ranges.as_mut_ptr().cast();
    ///     let status = zx_pager_query_dirty_ranges(pager, vmo, 0, 4096, buf, 48, &mut actual, &mut avail);
    ///     assert_eq!((status, actual, avail), (ZX_OK, 1, 1));
    ///     assert_eq!((ranges[0].offset, ranges[0].length), (0, 4096));
    /// }
    /// ```
    zx_pager_query_dirty_ranges, _zx_pager_query_dirty_ranges, (pager: zx_handle_t, pager_vmo: zx_handle_t, offset: u64, length: u64, buffer: *mut c_void, buffer_size: usize, actual: *mut usize, avail: *mut usize) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `buffer` is NULL or valid for `buffer_size` writable bytes (the C contract).
            let buf = match unsafe { out_bytes(buffer, buffer_size) } {
                Ok(buf) => buf,
                Err(s) => return s,
            };
            // A range has at most one record per page (plus one for an unaligned start), so
            // a huge buffer_size never sizes the scratch records beyond that.
            let most = usize::try_from(length / ZX_PAGE_SIZE + 2).unwrap_or(usize::MAX);
            let mut records =
                vec![zx_vmo_dirty_range_t::default(); (buffer_size / DIRTY_RANGE_BYTES).min(most)];
            match p.pager_query_dirty_ranges(pager, pager_vmo, offset, length, &mut records) {
                Ok((n_actual, n_avail)) => {
                    put_dirty_ranges(&records[..n_actual], buf);
                    // SAFETY: `actual` and `avail` are each NULL or valid for a size_t (the C contract).
                    unsafe {
                        put(actual, n_actual);
                        put(avail, n_avail);
                    }
                    ZX_OK
                }
                Err(s) => s.into_raw(),
            }
        })
    }
}

export! {
    /// `zx_pager_query_vmo_stats(pager, pager_vmo, options, buffer, buffer_size)`: writes a
    /// `zx_pager_vmo_stats_t` into `buffer` (`ZX_ERR_BUFFER_TOO_SMALL` under 4 bytes), then
    /// clears the modified flag if `options` is `ZX_PAGER_RESET_VMO_STATS`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut pager, mut port, mut vmo) = (0, 0, 0);
    ///     zx_pager_create(0, &mut pager);
    ///     zx_port_create(0, &mut port);
    ///     zx_pager_create_vmo(pager, 0, port, 0, 4096, &mut vmo);
    ///     let mut stats = zx_pager_vmo_stats_t { modified: 7 };
    ///     let buf = (&mut stats as *mut zx_pager_vmo_stats_t).cast();
    ///     assert_eq!(zx_pager_query_vmo_stats(pager, vmo, 0, buf, 4), ZX_OK);
    ///     assert_eq!(stats.modified, 0);
    ///     assert_eq!(zx_pager_query_vmo_stats(pager, vmo, 0, buf, 3), ZX_ERR_BUFFER_TOO_SMALL);
    /// }
    /// ```
    zx_pager_query_vmo_stats, _zx_pager_query_vmo_stats, (pager: zx_handle_t, pager_vmo: zx_handle_t, options: u32, buffer: *mut c_void, buffer_size: usize) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `buffer` is NULL or valid for `buffer_size` writable bytes (the C contract).
            match unsafe { out_bytes(buffer, buffer_size) } {
                Ok(buf) => status(p.pager_query_vmo_stats(pager, pager_vmo, options, buf)),
                Err(s) => s,
            }
        })
    }
}

export! {
    /// `zx_vmo_set_stream_size(handle, size)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut vmo, mut size) = (0, 0);
    ///     zx_vmo_create(4096, 0, &mut vmo);
    ///     assert_eq!(zx_vmo_set_stream_size(vmo, 10), ZX_OK);
    ///     assert_eq!(zx_vmo_get_stream_size(vmo, &mut size), ZX_OK);
    ///     assert_eq!(size, 10);
    /// }
    /// ```
    zx_vmo_set_stream_size, _zx_vmo_set_stream_size, (handle: zx_handle_t, size: u64) -> zx_status_t {
        with_process(|p| status(p.vmo_set_stream_size(handle, size)))
    }
}

export! {
    /// `zx_vmo_get_stream_size(handle, size)`: `size` NULL → `INVALID_ARGS`, after the call.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut vmo, mut size) = (0, 0);
    ///     zx_vmo_create(100, 0, &mut vmo);
    ///     assert_eq!(zx_vmo_get_stream_size(vmo, &mut size), ZX_OK);
    ///     assert_eq!(size, 100);
    ///     assert_eq!(zx_vmo_get_stream_size(vmo, std::ptr::null_mut()), ZX_ERR_INVALID_ARGS);
    /// }
    /// ```
    zx_vmo_get_stream_size, _zx_vmo_get_stream_size, (handle: zx_handle_t, size: *mut u64) -> zx_status_t {
        with_process(|p| match p.vmo_get_stream_size(handle) {
            // SAFETY: `size` is NULL or valid for a u64 (the C contract).
            Ok(value) => if unsafe { put(size, value) } { ZX_OK } else { INVALID_ARGS },
            Err(s) => s.into_raw(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// System, time, process

export! {
    /// `zx_system_get_page_size()`: 4096.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     assert_eq!(zx_system_get_page_size(), 4096);
    /// }
    /// ```
    zx_system_get_page_size, _zx_system_get_page_size, () -> u32 {
        ZX_PAGE_SIZE as u32
    }
}

fn now() -> zx_time_t {
    state::current_process().map(|p| p.clock_get_monotonic()).unwrap_or(0)
}

export! {
    /// `zx_clock_get_monotonic()`: nanoseconds since the kernel started (0 if it cannot).
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let t0 = zx_clock_get_monotonic();
    ///     assert!(zx_clock_get_monotonic() >= t0);
    /// }
    /// ```
    zx_clock_get_monotonic, _zx_clock_get_monotonic, () -> zx_time_t {
        guard(0, now)
    }
}

export! {
    /// `zx_deadline_after(nanoseconds)`: now plus `nanoseconds`, saturating.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     assert!(zx_deadline_after(1_000) > zx_clock_get_monotonic() - 1);
    ///     assert_eq!(zx_deadline_after(i64::MAX), i64::MAX);
    /// }
    /// ```
    zx_deadline_after, _zx_deadline_after, (nanoseconds: zx_duration_t) -> zx_time_t {
        guard(0, || now().saturating_add(nanoseconds))
    }
}

export! {
    /// `zx_nanosleep(deadline)`: sleeps until the monotonic clock reaches `deadline`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     assert_eq!(zx_nanosleep(zx_deadline_after(1_000)), ZX_OK);
    /// }
    /// ```
    zx_nanosleep, _zx_nanosleep, (deadline: zx_time_t) -> zx_status_t {
        guard(ZX_ERR_INTERNAL, || {
            loop {
                let left = deadline.saturating_sub(now());
                if left <= 0 {
                    return ZX_OK;
                }
                std::thread::sleep(std::time::Duration::from_nanos(left as u64));
            }
        })
    }
}

export! {
    /// `zx_process_self()`: a handle to the calling thread's current process
    /// (`ZX_DEFAULT_PROCESS_RIGHTS`), the same value on every call; `ZX_HANDLE_INVALID` if its
    /// table was full at the first call (a later call tries again) or no process can be had.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let me = zx_process_self();
    ///     assert_ne!(me, ZX_HANDLE_INVALID);
    ///     assert_eq!(zx_process_self(), me);
    /// }
    /// ```
    zx_process_self, _zx_process_self, () -> zx_handle_t {
        guard(ZX_HANDLE_INVALID, || {
            state::current_process().map_or(ZX_HANDLE_INVALID, |p| p.process_self())
        })
    }
}

fn status_strings() -> &'static [(zx_status_t, CString)] {
    static STRINGS: OnceLock<Vec<(zx_status_t, CString)>> = OnceLock::new();
    STRINGS.get_or_init(|| {
        let mut all: Vec<_> = STATUS_NAMES
            .iter()
            .map(|(value, name)| (*value, CString::new(*name).expect("no NUL in a name")))
            .collect();
        all.push((1, CString::new("(UNKNOWN)").expect("no NUL")));
        all
    })
}

export! {
    /// `zx_status_get_string(status)`: the C name of a status (`"ZX_ERR_NO_MEMORY"`), or
    /// `"(UNKNOWN)"`. The string is static.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let name = std::ffi::CStr::from_ptr(zx_status_get_string(ZX_ERR_NO_MEMORY));
    ///     assert_eq!(name.to_str(), Ok("ZX_ERR_NO_MEMORY"));
    /// }
    /// ```
    zx_status_get_string, _zx_status_get_string, (status: zx_status_t) -> *const c_char {
        let strings = status_strings();
        let unknown = strings.last().expect("non-empty").1.as_ptr();
        guard(unknown, || {
            strings
                .iter()
                .find(|(value, _)| *value == status && *value <= 0)
                .map_or(unknown, |(_, name)| name.as_ptr())
        })
    }
}

// ---------------------------------------------------------------------------------------------
// zxemu controls

/// `zxemu_kernel_config_init(config)`: fills `config` with the default settings.
/// `INVALID_ARGS` when `config` is NULL.
///
/// # Safety
/// `config` must be NULL or valid for a write of a `zxemu_kernel_config_t`.
#[no_mangle]
pub unsafe extern "C" fn zxemu_kernel_config_init(
    config: *mut zxemu_kernel_config_t,
) -> zx_status_t {
    guard(ZX_ERR_INTERNAL, || {
        let defaults = zxemu_kernel_config_t::from(&KernelConfig::default());
        // SAFETY: `config` is NULL or valid for the record (this function's contract).
        if unsafe { put(config, defaults) } {
            ZX_OK
        } else {
            INVALID_ARGS
        }
    })
}

/// `zxemu_kernel_create(config)`: replaces the kernel with a new one (NULL: the defaults).
/// Every process of the old kernel is forgotten; the new kernel has one process, the default.
/// `NO_MEMORY` when the host cannot reserve the RAM.
///
/// ```
/// use zx_abi::*;
/// use zx_kernel::zx::*;
/// // SAFETY: every pointer is NULL or points to a live local of the right size.
/// unsafe {
///     let mut config = zxemu_kernel_config_t::default();
///     zxemu_kernel_config_init(&mut config);
///     config.memory_bytes = 1 << 20;
///     assert_eq!(zxemu_kernel_create(&config), ZX_OK);
///     let mut stats = zx_info_kmem_stats_t::default();
///     zxemu_kmem_stats(&mut stats);
///     assert_eq!(stats.total_bytes, 1 << 20);
/// }
/// ```
///
/// # Safety
/// `config` must be NULL or valid for a read of a `zxemu_kernel_config_t`.
#[no_mangle]
pub unsafe extern "C" fn zxemu_kernel_create(config: *const zxemu_kernel_config_t) -> zx_status_t {
    guard(ZX_ERR_INTERNAL, || {
        let config = if config.is_null() {
            KernelConfig::default()
        } else {
            // SAFETY: non-NULL, and valid for a read of the record (this function's contract).
            KernelConfig::from(&unsafe { config.read_unaligned() })
        };
        status(state::configure_kernel(config))
    })
}

/// `zxemu_process_create(out)`: a new process of the current kernel; its id in `out`.
///
/// ```
/// use zx_abi::*;
/// use zx_kernel::zx::*;
/// // SAFETY: every pointer is NULL or points to a live local of the right size.
/// unsafe {
///     let (mut a, mut vmo) = (0, 0);
///     assert_eq!(zxemu_process_create(&mut a), ZX_OK);
///     zx_vmo_create(0, 0, &mut vmo);
///     zxemu_process_set_current(a);
///     assert_eq!(zx_handle_close(vmo), ZX_ERR_BAD_HANDLE);
/// }
/// ```
///
/// # Safety
/// `out` must be NULL or valid for a write of a `zxemu_process_t`.
#[no_mangle]
pub unsafe extern "C" fn zxemu_process_create(out: *mut state::ProcessId) -> zx_status_t {
    guard(ZX_ERR_INTERNAL, || {
        if out.is_null() {
            return INVALID_ARGS;
        }
        match state::create_process() {
            Ok(id) => {
                // SAFETY: non-NULL and valid for an id (this function's contract).
                unsafe { put(out, id) };
                ZX_OK
            }
            Err(s) => s.into_raw(),
        }
    })
}

/// `zxemu_process_set_current(process)`: the process-global default process.
///
/// ```
/// use zx_abi::*;
/// use zx_kernel::zx::*;
/// // SAFETY: every pointer is NULL or points to a live local of the right size.
/// unsafe {
///     assert_eq!(zxemu_process_set_current(0), ZX_ERR_NOT_FOUND);
/// }
/// ```
#[no_mangle]
pub extern "C" fn zxemu_process_set_current(process: state::ProcessId) -> zx_status_t {
    guard(ZX_ERR_INTERNAL, || status(state::set_current_process(process)))
}

/// `zxemu_thread_set_process(process)`: the calling thread's own process (0: none).
///
/// ```
/// use zx_abi::*;
/// use zx_kernel::zx::*;
/// // SAFETY: every pointer is NULL or points to a live local of the right size.
/// unsafe {
///     let mut other = 0;
///     zxemu_process_create(&mut other);
///     assert_eq!(zxemu_thread_set_process(other), ZX_OK);
///     assert_eq!(zxemu_process_current(), other);
///     assert_eq!(zxemu_thread_set_process(0), ZX_OK);
/// }
/// ```
#[no_mangle]
pub extern "C" fn zxemu_thread_set_process(process: state::ProcessId) -> zx_status_t {
    guard(ZX_ERR_INTERNAL, || status(state::set_thread_process(process)))
}

/// `zxemu_process_current()`: the id of the calling thread's process (0 if the kernel cannot
/// start).
///
/// ```
/// use zx_abi::*;
/// use zx_kernel::zx::*;
/// // SAFETY: every pointer is NULL or points to a live local of the right size.
/// unsafe {
///     assert_ne!(zxemu_process_current(), 0);
/// }
/// ```
#[no_mangle]
pub extern "C" fn zxemu_process_current() -> state::ProcessId {
    guard(0, || state::current_process_id().unwrap_or(0))
}

/// `zxemu_root_resource(out)`: a new handle to the root resource, in the calling thread's
/// process.
///
/// ```
/// use zx_abi::*;
/// use zx_kernel::zx::*;
/// // SAFETY: every pointer is NULL or points to a live local of the right size.
/// unsafe {
///     let mut root = 0;
///     assert_eq!(zxemu_root_resource(&mut root), ZX_OK);
/// }
/// ```
///
/// # Safety
/// `out` must be NULL or valid for a write of a handle.
#[no_mangle]
pub unsafe extern "C" fn zxemu_root_resource(out: *mut zx_handle_t) -> zx_status_t {
    with_process(|p| {
        // SAFETY: `out` is NULL or valid for a handle (this function's contract).
        unsafe { out_handle(p, p.root_resource(), out) }
    })
}

/// `zxemu_check_invariants(message, message_size, actual)`: `ZX_OK` when the kernel's
/// invariants hold; otherwise `ZX_ERR_BAD_STATE`, with the description copied into `message`
/// (NUL-terminated, truncated to fit; NULL with size 0 copies nothing) and its full length
/// (without the NUL) in `actual` (may be NULL).
///
/// ```
/// use zx_abi::*;
/// use zx_kernel::zx::*;
/// // SAFETY: every pointer is NULL or points to a live local of the right size.
/// unsafe {
///     let mut message = [0u8; 64];
///     let mut len = 0;
///     assert_eq!(zxemu_check_invariants(message.as_mut_ptr().cast(), 64, &mut len), ZX_OK);
///     assert_eq!(len, 0);
/// }
/// ```
///
/// # Safety
/// `message` must be NULL or valid for `message_size` writable bytes; `actual` NULL or valid
/// for a size_t.
#[no_mangle]
pub unsafe extern "C" fn zxemu_check_invariants(
    message: *mut c_char,
    message_size: usize,
    actual: *mut usize,
) -> zx_status_t {
    guard(ZX_ERR_INTERNAL, || {
        // SAFETY: `message` is NULL or valid for `message_size` bytes (this function's contract).
        let buf = match unsafe { out_bytes(message.cast(), message_size) } {
            Ok(buf) => buf,
            Err(s) => return s,
        };
        let kernel = match state::kernel() {
            Ok(kernel) => kernel,
            Err(s) => return s.into_raw(),
        };
        let text = match kernel.check_invariants() {
            Ok(()) => String::new(),
            Err(text) => text,
        };
        if let Some(room) = buf.len().checked_sub(1) {
            let n = room.min(text.len());
            buf[..n].copy_from_slice(&text.as_bytes()[..n]);
            buf[n] = 0;
        }
        // SAFETY: `actual` is NULL or valid for a size_t (this function's contract).
        unsafe { put(actual, text.len()) };
        if text.is_empty() {
            ZX_OK
        } else {
            ZX_ERR_BAD_STATE
        }
    })
}

/// `zxemu_kmem_stats(out)`: the kernel's memory statistics (what `ZX_INFO_KMEM_STATS` on the
/// root resource gives, without needing the resource).
///
/// ```
/// use zx_abi::*;
/// use zx_kernel::zx::*;
/// // SAFETY: every pointer is NULL or points to a live local of the right size.
/// unsafe {
///     let mut stats = zx_info_kmem_stats_t::default();
///     assert_eq!(zxemu_kmem_stats(&mut stats), ZX_OK);
///     assert_eq!(stats.free_bytes + stats.vmo_bytes, stats.total_bytes);
/// }
/// ```
///
/// # Safety
/// `out` must be NULL or valid for a write of a `zx_info_kmem_stats_t`.
#[no_mangle]
pub unsafe extern "C" fn zxemu_kmem_stats(out: *mut zx_info_kmem_stats_t) -> zx_status_t {
    guard(ZX_ERR_INTERNAL, || match state::kernel() {
        // SAFETY: `out` is NULL or valid for the record (this function's contract).
        Ok(kernel) => {
            if unsafe { put(out, kernel.kmem_stats()) } {
                ZX_OK
            } else {
                INVALID_ARGS
            }
        }
        Err(s) => s.into_raw(),
    })
}

/// `zxemu_reclaim_discardable()`: discards every unlocked discardable VMO, as memory pressure
/// would; returns the pages freed.
///
/// ```
/// use zx_abi::*;
/// use zx_kernel::zx::*;
/// // SAFETY: every pointer is NULL or points to a live local of the right size.
/// unsafe {
///     let mut vmo = 0;
///     zx_vmo_create(4096, ZX_VMO_DISCARDABLE, &mut vmo);
///     zx_vmo_write(vmo, b"x".as_ptr().cast(), 0, 1);
///     assert_eq!(zxemu_reclaim_discardable(), 1);
/// }
/// ```
#[no_mangle]
pub extern "C" fn zxemu_reclaim_discardable() -> u64 {
    guard(0, || state::kernel().map(|k| k.reclaim_discardable()).unwrap_or(0))
}

/// `zxemu_inject_panic()`: the next entry point called (on any thread) panics inside its
/// guard and answers `ZX_ERR_INTERNAL` (a test of the boundary's panic guard).
///
/// ```
/// use zx_abi::*;
/// use zx_kernel::zx::*;
/// // SAFETY: every pointer is NULL or points to a live local of the right size.
/// unsafe {
///     let mut vmo = 0;
///     zxemu_inject_panic();
///     assert_eq!(zx_vmo_create(0, 0, &mut vmo), ZX_ERR_INTERNAL);
/// }
/// ```
#[no_mangle]
pub extern "C" fn zxemu_inject_panic() {
    crate::guard::inject_panic();
}

// ---------------------------------------------------------------------------------------------
// Address spaces (docs/reference.md §11)

export! {
    /// `zx_vmar_root_self()`: a handle to the calling thread's process's root VMAR, the same
    /// value on every call; `ZX_HANDLE_INVALID` if its table was full at the first call.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: no pointer arguments.
    /// unsafe {
    ///     let root = zx_vmar_root_self();
    ///     assert_ne!(root, ZX_HANDLE_INVALID);
    ///     assert_eq!(zx_vmar_root_self(), root);
    /// }
    /// ```
    zx_vmar_root_self, _zx_vmar_root_self, () -> zx_handle_t {
        guard(ZX_HANDLE_INVALID, || {
            state::current_process().map_or(ZX_HANDLE_INVALID, |p| p.vmar_root_self())
        })
    }
}

export! {
    /// `zx_vmar_allocate(parent_vmar, options, offset, size, child_vmar, child_addr)`: both
    /// out-pointers are required; with either NULL the new VMAR is destroyed again and the
    /// answer is `ZX_ERR_INVALID_ARGS`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut child, mut addr) = (0, 0);
    ///     let root = zx_vmar_root_self();
    ///     assert_eq!(zx_vmar_allocate(root, 0, 0, 4096, &mut child, &mut addr), ZX_OK);
    ///     assert_ne!(addr, 0);
    ///     assert_eq!(zx_vmar_destroy(child), ZX_OK);
    /// }
    /// ```
    zx_vmar_allocate, _zx_vmar_allocate, (parent_vmar: zx_handle_t, options: zx_vm_option_t, offset: u64, size: u64, child_vmar: *mut zx_handle_t, child_addr: *mut zx_vaddr_t) -> zx_status_t {
        with_process(|p| match p.vmar_allocate(parent_vmar, options, offset, size) {
            Err(s) => s.into_raw(),
            Ok((child, addr)) => {
                if child_vmar.is_null() || child_addr.is_null() {
                    let _ = p.vmar_destroy(child);
                    let _ = p.handle_close(child);
                    return INVALID_ARGS;
                }
                // SAFETY: both pointers are non-NULL and valid for their writes (the C contract).
                unsafe {
                    put(child_vmar, child);
                    put(child_addr, addr);
                }
                ZX_OK
            }
        })
    }
}

export! {
    /// `zx_vmar_map(vmar, options, vmar_offset, vmo, vmo_offset, len, mapped_addr)`: with a NULL
    /// `mapped_addr` the mapping is removed again and the answer is `ZX_ERR_INVALID_ARGS`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut vmo, mut addr) = (0, 0);
    ///     zx_vmo_create(4096, 0, &mut vmo);
    ///     let root = zx_vmar_root_self();
    ///     assert_eq!(zx_vmar_map(root, ZX_VM_PERM_READ, 0, vmo, 0, 4096, &mut addr), ZX_OK);
    ///     assert_eq!(zx_vmar_unmap(root, addr, 4096), ZX_OK);
    ///     zx_handle_close(vmo);
    /// }
    /// ```
    zx_vmar_map, _zx_vmar_map, (vmar: zx_handle_t, options: zx_vm_option_t, vmar_offset: u64, vmo: zx_handle_t, vmo_offset: u64, len: u64, mapped_addr: *mut zx_vaddr_t) -> zx_status_t {
        with_process(|p| match p.vmar_map(vmar, options, vmar_offset, vmo, vmo_offset, len) {
            Err(s) => s.into_raw(),
            Ok(addr) => {
                // SAFETY: `mapped_addr` is NULL or valid for a zx_vaddr_t (the C contract).
                if unsafe { put(mapped_addr, addr) } {
                    ZX_OK
                } else {
                    let size = len.div_ceil(ZX_PAGE_SIZE) * ZX_PAGE_SIZE;
                    let _ = p.vmar_unmap(vmar, addr, size);
                    INVALID_ARGS
                }
            }
        })
    }
}

export! {
    /// `zx_vmar_unmap(vmar, addr, len)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: no pointer arguments.
    /// unsafe { assert_eq!(zx_vmar_unmap(zx_vmar_root_self(), 1, 4096), ZX_ERR_INVALID_ARGS) };
    /// ```
    zx_vmar_unmap, _zx_vmar_unmap, (vmar: zx_handle_t, addr: zx_vaddr_t, len: u64) -> zx_status_t {
        with_process(|p| status(p.vmar_unmap(vmar, addr, len)))
    }
}

export! {
    /// `zx_vmar_protect(vmar, options, addr, len)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: no pointer arguments.
    /// unsafe {
    ///     let root = zx_vmar_root_self();
    ///     assert_eq!(zx_vmar_protect(root, ZX_VM_PERM_READ, 0x20_0000, 4096), ZX_ERR_NOT_FOUND);
    /// }
    /// ```
    zx_vmar_protect, _zx_vmar_protect, (vmar: zx_handle_t, options: zx_vm_option_t, addr: zx_vaddr_t, len: u64) -> zx_status_t {
        with_process(|p| status(p.vmar_protect(vmar, options, addr, len)))
    }
}

export! {
    /// `zx_vmar_op_range(vmar, op, address, size, buffer, buffer_size)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let root = zx_vmar_root_self();
    ///     let r = zx_vmar_op_range(root, ZX_VMAR_OP_COMMIT, 0x20_0000, 4096, std::ptr::null_mut(), 0);
    ///     assert_eq!(r, ZX_ERR_BAD_STATE); // nothing mapped there
    /// }
    /// ```
    zx_vmar_op_range, _zx_vmar_op_range, (vmar: zx_handle_t, op: u32, address: zx_vaddr_t, size: u64, buffer: *mut c_void, buffer_size: usize) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `buffer` is NULL or valid for `buffer_size` writable bytes (the C contract).
            match unsafe { out_bytes(buffer, buffer_size) } {
                Ok(buf) => status(p.vmar_op_range(vmar, op, address, size, buf)),
                Err(s) => s,
            }
        })
    }
}

export! {
    /// `zx_vmar_destroy(vmar)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: no pointer arguments.
    /// unsafe { assert_eq!(zx_vmar_destroy(zx_vmar_root_self()), ZX_ERR_NOT_SUPPORTED) };
    /// ```
    zx_vmar_destroy, _zx_vmar_destroy, (vmar: zx_handle_t) -> zx_status_t {
        with_process(|p| status(p.vmar_destroy(vmar)))
    }
}

export! {
    /// `zx_vmo_replace_as_executable(vmo, vmex, out)`: `vmo` is consumed in every case.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut vmo, mut exec) = (0, 0);
    ///     zx_vmo_create(4096, 0, &mut vmo);
    ///     assert_eq!(zx_vmo_replace_as_executable(vmo, ZX_HANDLE_INVALID, &mut exec), ZX_OK);
    ///     zx_handle_close(exec);
    /// }
    /// ```
    zx_vmo_replace_as_executable, _zx_vmo_replace_as_executable, (vmo: zx_handle_t, vmex: zx_handle_t, out: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `out` is NULL or valid for a handle (the C contract).
            unsafe { out_handle(p, p.vmo_replace_as_executable(vmo, vmex), out) }
        })
    }
}

export! {
    /// `zx_process_read_memory(process, vaddr, buffer, buffer_size, actual)`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut buf = [0u8; 4];
    ///     let mut actual = 0;
    ///     let r = zx_process_read_memory(zx_process_self(), 0x20_0000, buf.as_mut_ptr().cast(), 4, &mut actual);
    ///     assert_eq!(r, ZX_ERR_NOT_FOUND);
    /// }
    /// ```
    zx_process_read_memory, _zx_process_read_memory, (process: zx_handle_t, vaddr: zx_vaddr_t, buffer: *mut c_void, buffer_size: usize, actual: *mut usize) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `buffer` is NULL or valid for `buffer_size` writable bytes (the C contract).
            let buf = match unsafe { out_bytes(buffer, buffer_size) } {
                Ok(buf) => buf,
                Err(s) => return s,
            };
            match p.process_read_memory(process, vaddr, buf) {
                Ok(n) => {
                    // SAFETY: `actual` is NULL or valid for a size_t (the C contract).
                    if unsafe { put(actual, n) } { ZX_OK } else { INVALID_ARGS }
                }
                Err(s) => s.into_raw(),
            }
        })
    }
}

export! {
    /// `zx_process_write_memory(process, vaddr, buffer, buffer_size, actual)` (needs
    /// `enable_debugging_syscalls` in the kernel's configuration).
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let mut actual = 0;
    ///     let r = zx_process_write_memory(zx_process_self(), 0x20_0000, b"x".as_ptr().cast(), 1, &mut actual);
    ///     assert_eq!(r, ZX_ERR_NOT_SUPPORTED);
    /// }
    /// ```
    zx_process_write_memory, _zx_process_write_memory, (process: zx_handle_t, vaddr: zx_vaddr_t, buffer: *const c_void, buffer_size: usize, actual: *mut usize) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `buffer` is NULL or valid for `buffer_size` readable bytes (the C contract).
            let buf = match unsafe { in_bytes(buffer, buffer_size) } {
                Ok(buf) => buf,
                Err(s) => return s,
            };
            match p.process_write_memory(process, vaddr, buf) {
                Ok(n) => {
                    // SAFETY: `actual` is NULL or valid for a size_t (the C contract).
                    if unsafe { put(actual, n) } { ZX_OK } else { INVALID_ARGS }
                }
                Err(s) => s.into_raw(),
            }
        })
    }
}

/// Reports a fault through the optional out-pointer `fault_vaddr`; returns its status.
///
/// # Safety
/// A non-NULL `fault_vaddr` must be valid for a write of a `zx_vaddr_t`.
unsafe fn mapped_status(
    result: Result<(), zx_kernel::PageFault>,
    fault_vaddr: *mut zx_vaddr_t,
) -> zx_status_t {
    match result {
        Ok(()) => ZX_OK,
        Err(fault) => {
            // SAFETY: NULL or valid for a zx_vaddr_t (this function's contract).
            unsafe { put(fault_vaddr, fault.vaddr) };
            fault.status.into_raw()
        }
    }
}

/// `zxemu_read_mapped(vaddr, buffer, len, fault_vaddr)`: reads through the calling thread's
/// process's software MMU; a fault answers its status and stores the first address not read
/// in `fault_vaddr` (optional).
///
/// ```
/// use zx_abi::*;
/// use zx_kernel::zx::*;
/// // SAFETY: every pointer is NULL or points to a live local of the right size.
/// unsafe {
///     let mut buf = [0u8; 4];
///     let mut at = 0;
///     assert_eq!(zxemu_read_mapped(0x20_0000, buf.as_mut_ptr().cast(), 4, &mut at), ZX_ERR_NOT_FOUND);
///     assert_eq!(at, 0x20_0000);
/// }
/// ```
///
/// # Safety
/// `buffer` must be NULL (with `len` 0) or valid for `len` writable bytes, and `fault_vaddr`
/// NULL or valid for a write of a `zx_vaddr_t`.
#[no_mangle]
pub unsafe extern "C" fn zxemu_read_mapped(
    vaddr: zx_vaddr_t,
    buffer: *mut c_void,
    len: usize,
    fault_vaddr: *mut zx_vaddr_t,
) -> zx_status_t {
    with_process(|p| {
        // SAFETY: `buffer` is NULL or valid for `len` writable bytes (this function's contract).
        match unsafe { out_bytes(buffer, len) } {
            // SAFETY: `fault_vaddr` is NULL or valid for a zx_vaddr_t (this function's contract).
            Ok(buf) => unsafe { mapped_status(p.read_mapped(vaddr, buf), fault_vaddr) },
            Err(s) => s,
        }
    })
}

/// `zxemu_write_mapped(vaddr, buffer, len, fault_vaddr)`: writes through the calling thread's
/// process's software MMU (see `zxemu_read_mapped`).
///
/// ```
/// use zx_abi::*;
/// use zx_kernel::zx::*;
/// // SAFETY: every pointer is NULL or points to a live local of the right size.
/// unsafe {
///     let r = zxemu_write_mapped(0x20_0000, b"x".as_ptr().cast(), 1, std::ptr::null_mut());
///     assert_eq!(r, ZX_ERR_NOT_FOUND);
/// }
/// ```
///
/// # Safety
/// `buffer` must be NULL (with `len` 0) or valid for `len` readable bytes, and `fault_vaddr`
/// NULL or valid for a write of a `zx_vaddr_t`.
#[no_mangle]
pub unsafe extern "C" fn zxemu_write_mapped(
    vaddr: zx_vaddr_t,
    buffer: *const c_void,
    len: usize,
    fault_vaddr: *mut zx_vaddr_t,
) -> zx_status_t {
    with_process(|p| {
        // SAFETY: `buffer` is NULL or valid for `len` readable bytes (this function's contract).
        match unsafe { in_bytes(buffer, len) } {
            // SAFETY: `fault_vaddr` is NULL or valid for a zx_vaddr_t (this function's contract).
            Ok(buf) => unsafe { mapped_status(p.write_mapped(vaddr, buf), fault_vaddr) },
            Err(s) => s,
        }
    })
}

export! {
    /// `zx_job_default()`: a handle to the kernel's one job, the same value on every call;
    /// `ZX_HANDLE_INVALID` if the table was full at the first call.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: no pointer arguments.
    /// unsafe { assert_eq!(zx_job_default(), zx_job_default()) };
    /// ```
    zx_job_default, _zx_job_default, () -> zx_handle_t {
        guard(ZX_HANDLE_INVALID, || {
            state::current_process().map_or(ZX_HANDLE_INVALID, |p| p.job_default())
        })
    }
}

export! {
    /// `zx_process_create(job, name, name_size, options, proc_handle, vmar_handle)`: both
    /// out-pointers are required; with either NULL the new handles are closed again (the
    /// process ends) and the answer is `ZX_ERR_INVALID_ARGS`.
    ///
    /// ```
    /// use zx_abi::*;
    /// use zx_kernel::zx::*;
    /// // SAFETY: every pointer is NULL or points to a live local of the right size.
    /// unsafe {
    ///     let (mut process, mut vmar) = (0, 0);
    ///     let r = zx_process_create(zx_job_default(), b"p".as_ptr().cast(), 1, 0, &mut process, &mut vmar);
    ///     assert_eq!(r, ZX_OK);
    ///     zx_handle_close(vmar);
    ///     zx_handle_close(process);
    /// }
    /// ```
    zx_process_create, _zx_process_create, (job: zx_handle_t, name: *const c_char, name_size: usize, options: u32, proc_handle: *mut zx_handle_t, vmar_handle: *mut zx_handle_t) -> zx_status_t {
        with_process(|p| {
            // SAFETY: `name` is NULL or valid for `name_size` readable bytes (the C contract).
            let name = match unsafe { in_bytes(name.cast(), name_size) } {
                Ok(name) => name,
                Err(s) => return s,
            };
            match p.process_create(job, name, options) {
                Err(s) => s.into_raw(),
                Ok((process, vmar)) => {
                    if proc_handle.is_null() || vmar_handle.is_null() {
                        let _ = p.handle_close(vmar);
                        let _ = p.handle_close(process);
                        return INVALID_ARGS;
                    }
                    // SAFETY: both pointers are non-NULL and valid for a handle (the C contract).
                    unsafe {
                        put(proc_handle, process);
                        put(vmar_handle, vmar);
                    }
                    ZX_OK
                }
            }
        })
    }
}
