//! The kernel's shared state and a process's handle table.

use std::time::Instant;

use zx_handles::{HandleTable, Rights, MAX_HANDLES_PER_TABLE};
use zx_vm::sync::{Arc, AtomicU64, CachePadded, Ordering, SpinMutex};
use zx_vm::Vm;

use crate::object::{KernelObject, ResourceObject, VmoObject};
use crate::status::Status;
use crate::zx::{self, zx_handle_t, zx_koid_t, zx_time_t};

/// Where the kernel's memories lie.
///
/// ```
/// let s = zx_syscalls::KernelSettings::default();
/// assert_eq!(s.memory_bytes, 256 << 20);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelSettings {
    /// Bytes of emulated RAM.
    pub memory_bytes: u64,
    /// Physical address of the first RAM frame.
    pub ram_base: u64,
    /// Physical address of the device-memory window for physical VMOs.
    pub device_memory_base: u64,
    /// Bytes in the device-memory window.
    pub device_memory_bytes: u64,
    /// Zircon's boot option of the same name: lets `ZX_VMO_OP_CACHE_INVALIDATE` run (off by
    /// default, as in Zircon).
    pub enable_debugging_syscalls: bool,
}

impl Default for KernelSettings {
    fn default() -> Self {
        KernelSettings {
            memory_bytes: 256 << 20,
            ram_base: 0x8000_0000,
            device_memory_base: 0x10_0000_0000,
            device_memory_bytes: 64 << 20,
            enable_debugging_syscalls: false,
        }
    }
}

/// What every process of one kernel shares.
///
/// Invariant: koids come from one counter that only grows, so they are never reused.
///
/// ```
/// let kernel = zx_syscalls::KernelCore::new(Default::default());
/// assert_ne!(kernel.new_koid(), kernel.new_koid());
/// ```
#[derive(Debug)]
pub struct KernelCore {
    vm: Arc<Vm>,
    settings: KernelSettings,
    koids: AtomicU64,
    started: Instant,
    root_resource: Arc<ResourceObject>,
}

/// The first koid handed out (as in Zircon, low values are reserved).
const FIRST_KOID: u64 = 1024;

impl KernelCore {
    /// A kernel with the given memories.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert_eq!(kernel.vm().allocator().total_frames(), 65536);
    /// ```
    pub fn new(settings: KernelSettings) -> Arc<KernelCore> {
        let vm = Vm::with_device_window(
            settings.memory_bytes,
            settings.ram_base,
            settings.device_memory_base,
            settings.device_memory_bytes,
        );
        let koids = AtomicU64::new(FIRST_KOID);
        let root_koid = koids.fetch_add(1, Ordering::Relaxed);
        Arc::new(KernelCore {
            vm,
            settings,
            koids,
            started: Instant::now(),
            root_resource: Arc::new(ResourceObject::new(root_koid)),
        })
    }

    /// The VM subsystem.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.vm().check_invariants().is_ok());
    /// ```
    pub fn vm(&self) -> &Arc<Vm> {
        &self.vm
    }

    /// The settings the kernel was made with.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert_eq!(kernel.settings().ram_base, 0x8000_0000);
    /// ```
    pub fn settings(&self) -> &KernelSettings {
        &self.settings
    }

    /// A fresh koid.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.new_koid() >= 1024);
    /// ```
    pub fn new_koid(&self) -> zx_koid_t {
        self.koids.fetch_add(1, Ordering::Relaxed)
    }

    /// Nanoseconds since the kernel was created.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.now() >= 0);
    /// ```
    pub fn now(&self) -> zx_time_t {
        i64::try_from(self.started.elapsed().as_nanos()).unwrap_or(i64::MAX)
    }

    /// Memory statistics.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let stats = kernel.kmem_stats();
    /// assert_eq!(stats.free_bytes, stats.total_bytes);
    /// ```
    pub fn kmem_stats(&self) -> zx::zx_info_kmem_stats_t {
        let allocator = self.vm.allocator();
        let page = zx::ZX_PAGE_SIZE;
        let total = allocator.total_frames() * page;
        let free = allocator.free_frames() * page;
        zx::zx_info_kmem_stats_t {
            total_bytes: total,
            free_bytes: free,
            vmo_bytes: total - free,
            ..Default::default()
        }
    }

    /// A new process of this kernel.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let a = kernel.create_process();
    /// let b = kernel.create_process();
    /// assert_ne!(a.koid(), b.koid());
    /// ```
    pub fn create_process(self: &Arc<Self>) -> Arc<ProcessCore> {
        Arc::new(ProcessCore {
            koid: self.new_koid(),
            kernel: self.clone(),
            handles: CachePadded::new(SpinMutex::new(HandleTable::new())),
        })
    }

    pub(crate) fn root_resource(&self) -> &Arc<ResourceObject> {
        &self.root_resource
    }
}

/// One process: its handle table, in front of the kernel's objects.
///
/// Lock order: the handle table's lock (a spin lock) is held only to look up, insert or
/// remove handles, to read an object's lock-free fields (a VMO's size), and to register a
/// wait, which takes the object's signal lock (table → signals; that lock is itself held only
/// for short sections). It is never held while a VMO's hierarchy lock is taken: objects are
/// cloned out first.
///
/// ```
/// let kernel = zx_syscalls::KernelCore::new(Default::default());
/// let process = kernel.create_process();
/// let event = process.event_create(0).unwrap();
/// process.handle_close(event).unwrap();
/// assert!(process.handle_close(event).is_err());
/// ```
#[derive(Debug)]
pub struct ProcessCore {
    koid: zx_koid_t,
    kernel: Arc<KernelCore>,
    handles: CachePadded<SpinMutex<HandleTable<KernelObject>>>,
}

impl ProcessCore {
    /// The process's koid.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().koid() > 0);
    /// ```
    pub fn koid(&self) -> zx_koid_t {
        self.koid
    }

    /// The kernel this process runs on.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let process = kernel.create_process();
    /// assert!(std::sync::Arc::ptr_eq(process.kernel(), &kernel));
    /// ```
    pub fn kernel(&self) -> &Arc<KernelCore> {
        &self.kernel
    }

    /// Number of live handles.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let process = kernel.create_process();
    /// process.vmo_create(0, 0).unwrap();
    /// assert_eq!(process.handle_count(), 1);
    /// ```
    pub fn handle_count(&self) -> usize {
        self.handles.lock().len()
    }

    /// Closes every handle of the process (what its death would do).
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let process = kernel.create_process();
    /// process.vmo_create(4096, 0).unwrap();
    /// process.close_all_handles();
    /// assert_eq!(process.handle_count(), 0);
    /// ```
    pub fn close_all_handles(&self) {
        let drained = self.handles.lock().drain();
        drop(drained);
    }

    /// Adds a handle to a new object; a full table is NO_RESOURCES, and the object then goes
    /// away after the table's lock is released (dropping a VMO takes its hierarchy lock).
    pub(crate) fn insert(
        &self,
        object: KernelObject,
        rights: Rights,
    ) -> Result<zx_handle_t, Status> {
        let mut table = self.handles.lock();
        if table.len() >= MAX_HANDLES_PER_TABLE {
            drop(table);
            drop(object);
            return Err(Status::NO_RESOURCES);
        }
        Ok(table.insert(object, rights)?)
    }

    pub(crate) fn with_handles<R>(&self, f: impl FnOnce(&mut HandleTable<KernelObject>) -> R) -> R {
        f(&mut self.handles.lock())
    }

    /// Looks up any handle: `BAD_HANDLE` if it is not live.
    pub(crate) fn get(&self, handle: zx_handle_t) -> Result<(KernelObject, Rights), Status> {
        let table = self.handles.lock();
        let entry = table.get(handle)?;
        Ok((entry.object.clone(), entry.rights))
    }

    /// Looks up a handle of one type with some rights: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED.
    pub(crate) fn lookup(
        &self,
        handle: zx_handle_t,
        object_type: u32,
        rights: Rights,
    ) -> Result<(KernelObject, Rights), Status> {
        let table = self.handles.lock();
        let entry = table.lookup(handle, object_type, rights)?;
        Ok((entry.object.clone(), entry.rights))
    }

    /// Looks up a VMO handle with some rights and runs `read` on the object under the table
    /// lock, without cloning it: for calls that read only lock-free fields (see the lock
    /// order above), so the object's reference count is never touched.
    pub(crate) fn peek_vmo<R>(
        &self,
        handle: zx_handle_t,
        rights: Rights,
        read: impl FnOnce(&VmoObject) -> R,
    ) -> Result<R, Status> {
        let table = self.handles.lock();
        match &table.lookup(handle, zx::ZX_OBJ_TYPE_VMO, rights)?.object {
            KernelObject::Vmo(vmo) => Ok(read(vmo)),
            _ => Err(Status::WRONG_TYPE),
        }
    }

    /// Looks up a VMO handle with some rights.
    pub(crate) fn vmo(
        &self,
        handle: zx_handle_t,
        rights: Rights,
    ) -> Result<(Arc<VmoObject>, Rights), Status> {
        match self.lookup(handle, zx::ZX_OBJ_TYPE_VMO, rights)? {
            (KernelObject::Vmo(vmo), rights) => Ok((vmo, rights)),
            _ => Err(Status::WRONG_TYPE),
        }
    }
}
