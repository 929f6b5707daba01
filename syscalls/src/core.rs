//! The kernel's shared state and a process's handle table.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use zx_handles::{Handle, HandleError, HandleSecret, HandleTable, Rights, MAX_HANDLES_PER_TABLE};
use zx_vm::sync::{Arc, AtomicU32, AtomicU64, CachePadded, Mutex, Ordering, SpinMutex, Weak};
use zx_vm::{RamUnavailable, Vm};

use crate::aspace::{AddressSpace, VmarObject};
use crate::object::{HandleKey, KernelObject, ProcessObject, ResourceObject, Signals, VmoObject};
use crate::status::Status;
use crate::zx::{self, zx_handle_t, zx_koid_t, zx_rights_t, zx_time_t};

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
    /// Seed of the secrets that scramble each process's handle values: `None` draws each
    /// secret from the operating system's randomness, `Some` makes them (and so every handle
    /// value) the same from run to run.
    pub handle_seed: Option<u64>,
    /// Zircon's boot option of the same name: lets `ZX_VMO_OP_CACHE_INVALIDATE` run (off by
    /// default, as in Zircon).
    pub enable_debugging_syscalls: bool,
    /// How long a call waits for one page request before it fails with `TIMED_OUT`, in
    /// nanoseconds (0: for ever).
    pub pager_timeout_ns: u64,
    /// Seed of address-space placement: `None` (default) puts every VMAR and mapping at the
    /// lowest address that fits; `Some(seed)` picks uniformly among the spots that fit, with
    /// a generator seeded by it and the process's koid.
    pub aslr_seed: Option<u64>,
}

impl Default for KernelSettings {
    fn default() -> Self {
        KernelSettings {
            memory_bytes: 256 << 20,
            ram_base: 0x8000_0000,
            device_memory_base: 0x10_0000_0000,
            device_memory_bytes: 64 << 20,
            handle_seed: None,
            enable_debugging_syscalls: false,
            pager_timeout_ns: zx::ZX_PAGER_TIMEOUT_DEFAULT_NS,
            aslr_seed: None,
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
    /// Every address space made, for `check_invariants` (dead ones are pruned on the way).
    aspaces: Mutex<Vec<Weak<AddressSpace>>>,
    /// The kernel's one job (`job_default`, `process_create`).
    job: Arc<crate::object::JobObject>,
}

/// The first koid handed out (as in Zircon, low values are reserved).
const FIRST_KOID: u64 = 1024;

impl KernelCore {
    /// A kernel with the given memories.
    ///
    /// # Panics
    /// When the host cannot reserve address space for the RAM; see
    /// [`KernelCore::try_new`].
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert_eq!(kernel.vm().allocator().total_frames(), 65536);
    /// ```
    pub fn new(settings: KernelSettings) -> Arc<KernelCore> {
        KernelCore::try_new(settings).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`KernelCore::new`], or the host's refusal to reserve the RAM.
    ///
    /// ```
    /// use zx_syscalls::{KernelCore, KernelSettings};
    /// let settings = KernelSettings { memory_bytes: 4096, ..Default::default() };
    /// assert!(KernelCore::try_new(settings).is_ok());
    /// ```
    pub fn try_new(settings: KernelSettings) -> Result<Arc<KernelCore>, RamUnavailable> {
        let vm = Vm::try_with_device_window(
            settings.memory_bytes,
            settings.ram_base,
            settings.device_memory_base,
            settings.device_memory_bytes,
        )?;
        vm.set_pager_timeout_ns(settings.pager_timeout_ns);
        let koids = AtomicU64::new(FIRST_KOID);
        let root_koid = koids.fetch_add(1, Ordering::Relaxed);
        let job_koid = koids.fetch_add(1, Ordering::Relaxed);
        Ok(Arc::new(KernelCore {
            vm,
            settings,
            koids,
            started: Instant::now(),
            root_resource: Arc::new(ResourceObject::new(root_koid)),
            aspaces: Mutex::new(Vec::new()),
            job: Arc::new(crate::object::JobObject::new(job_koid)),
        }))
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
        // One load of the in-use count: free and VMO bytes add up to the total exactly,
        // at one instant, however many threads allocate meanwhile.
        let total = allocator.total_frames();
        let used = allocator.used_frames().min(total);
        zx::zx_info_kmem_stats_t {
            total_bytes: total * page,
            free_bytes: (total - used) * page,
            vmo_bytes: used * page,
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
        let koid = self.new_koid();
        let table = HandleTable::with_secret(self.handle_secret(koid));
        let root_koid = self.new_koid();
        let aspace = Arc::new(AddressSpace::new(koid, root_koid, self.settings.aslr_seed));
        {
            let mut aspaces = self.aspaces.lock();
            aspaces.retain(|a| a.strong_count() > 0);
            aspaces.push(Arc::downgrade(&aspace));
        }
        Arc::new_cyclic(|me| ProcessCore {
            koid,
            kernel: self.clone(),
            handles: CachePadded::new(SpinMutex::new(table)),
            self_handle: AtomicU32::new(zx::ZX_HANDLE_INVALID),
            root_vmar_handle: AtomicU32::new(zx::ZX_HANDLE_INVALID),
            job_handle: AtomicU32::new(zx::ZX_HANDLE_INVALID),
            aspace,
            me: me.clone(),
        })
    }

    /// The kernel's one job.
    pub(crate) fn job(&self) -> &Arc<crate::object::JobObject> {
        &self.job
    }

    /// The address spaces of the live processes (and of ended ones still referred to).
    pub(crate) fn address_spaces(&self) -> Vec<Arc<AddressSpace>> {
        self.aspaces.lock().iter().filter_map(Weak::upgrade).collect()
    }

    /// [`Vm::check_invariants`], then the address spaces': every VMAR's children inside it
    /// and not overlapping, every mapping well formed and holding a live VMO, and each
    /// mapped VMO's `num_mappings` equal to the mappings found. Each address space is read
    /// under its own lock, and the counts are compared with the VMOs' only once every one
    /// has been walked, holding all their locks (so a map or unmap cannot fall in between).
    /// Never panics; describes the first violation.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let _p = kernel.create_process();
    /// kernel.check_invariants().unwrap();
    /// ```
    pub fn check_invariants(&self) -> Result<(), String> {
        self.vm.check_invariants()?;
        let mut aspaces = self.address_spaces();
        aspaces.sort_by_key(|a| a.process_koid());
        // Lock order among address spaces: ascending process koid (only this walk takes
        // more than one).
        let guards: Vec<_> = aspaces.iter().map(|a| a.read()).collect();
        let mut mapped = Vec::new();
        for (aspace, state) in aspaces.iter().zip(&guards) {
            state.check(aspace.process_koid(), &mut mapped)?;
        }
        // Mappings found per (VMO object, process), against the counts each VMO keeps.
        let mut counted: Vec<(usize, zx_koid_t, u64)> = Vec::new();
        for (vmo, process) in &mapped {
            let key = Arc::as_ptr(vmo) as usize;
            match counted.iter_mut().find(|(k, p, _)| *k == key && p == process) {
                Some((_, _, n)) => *n += 1,
                None => counted.push((key, *process, 1)),
            }
        }
        for (vmo, process) in &mapped {
            let key = Arc::as_ptr(vmo) as usize;
            let found = counted
                .iter()
                .find(|(k, p, _)| *k == key && p == process)
                .map_or(0, |(_, _, n)| *n);
            let recorded = vmo.mappings.in_process(*process);
            if found != recorded {
                return Err(format!(
                    "VMO {}: {recorded} mappings recorded in process {process}, {found} found",
                    vmo.vmo.koid()
                ));
            }
            let total: u64 = counted.iter().filter(|(k, _, _)| *k == key).map(|(_, _, n)| *n).sum();
            if vmo.mappings.num_mappings() != total {
                return Err(format!(
                    "VMO {}: num_mappings {}, but {total} mappings found",
                    vmo.vmo.koid(),
                    vmo.mappings.num_mappings()
                ));
            }
        }
        drop(guards);
        Ok(())
    }

    /// The secret process `koid` scrambles its handle values with: random, or drawn from
    /// the configured seed and the koid (so every process of a seeded kernel has its own).
    fn handle_secret(&self, koid: zx_koid_t) -> HandleSecret {
        let bits = match self.settings.handle_seed {
            Some(seed) => rand::rngs::StdRng::seed_from_u64(seed ^ koid.rotate_left(32)).next_u32(),
            None => rand::random(),
        };
        HandleSecret::new(bits)
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
    /// The value `process_self` handed out, once it has (set under the table's lock).
    self_handle: AtomicU32,
    /// The value `vmar_root_self` handed out, once it has (set under the table's lock).
    root_vmar_handle: AtomicU32,
    /// The value `job_default` handed out, once it has (set under the table's lock).
    job_handle: AtomicU32,
    /// The process's address space; ended when the process is dropped.
    aspace: Arc<AddressSpace>,
    /// This process, weakly (what its `process_self` handle names).
    me: Weak<ProcessCore>,
}

impl Drop for ProcessCore {
    fn drop(&mut self) {
        // The process ends: its address space is destroyed and the VMOs its mappings held
        // are released (handles to its VMARs elsewhere answer BAD_STATE from now on).
        self.aspace.end();
    }
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

    /// Closes every handle of the process (what its death would do), cancelling the waits
    /// through them.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let process = kernel.create_process();
    /// process.vmo_create(4096, 0).unwrap();
    /// process.close_all_handles();
    /// assert_eq!(process.handle_count(), 0);
    /// ```
    pub fn close_all_handles(&self) {
        let (drained, waited_on) = {
            let mut table = self.handles.lock();
            let waited_on: Vec<(zx_handle_t, KernelObject)> = table
                .iter()
                .filter(|(_, entry)| entry.object.signals().is_some_and(Signals::has_waiters))
                .map(|(value, entry)| (value, entry.object.clone()))
                .collect();
            (table.drain(), waited_on)
        };
        for (handle, object) in &waited_on {
            self.cancel_waits(object, *handle);
        }
        // The objects go away here, outside the table's lock.
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

    /// Makes an object with `make` and adds a handle to it, all or nothing: the handle's
    /// slot is held before `make` runs (NO_RESOURCES when the table is full, and `make`
    /// never runs), and given back if `make` fails. For objects whose making cannot be
    /// undone by dropping them (a pin's commits).
    pub(crate) fn insert_made(
        &self,
        rights: Rights,
        make: impl FnOnce() -> Result<KernelObject, Status>,
    ) -> Result<zx_handle_t, Status> {
        let slot = self.handles.lock().reserve()?;
        match make() {
            Ok(object) => Ok(self.handles.lock().fill(slot, object, rights)),
            Err(status) => {
                self.handles.lock().cancel(slot);
                Err(status)
            }
        }
    }

    /// `zx_process_self`: a handle to this process (`ZX_DEFAULT_PROCESS_RIGHTS`), made on the
    /// first call and the same value afterwards, even once it has been closed (then it names
    /// nothing, as in Zircon). `ZX_HANDLE_INVALID` when the table is full at the first call;
    /// a later call tries again. The handle does not keep the process alive.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let me = p.process_self();
    /// assert_eq!(p.process_self(), me);
    /// assert_eq!(p.object_get_info_handle_basic(me).unwrap().type_, ZX_OBJ_TYPE_PROCESS);
    /// ```
    pub fn process_self(&self) -> zx_handle_t {
        // Acquire: pairs with the store below, made under the table lock.
        let known = self.self_handle.load(Ordering::Acquire);
        if known != zx::ZX_HANDLE_INVALID {
            return known;
        }
        let mut table = self.handles.lock();
        let known = self.self_handle.load(Ordering::Acquire);
        if known != zx::ZX_HANDLE_INVALID || table.len() >= MAX_HANDLES_PER_TABLE {
            return known;
        }
        let object = KernelObject::Process(Arc::new(self.process_object(false)));
        let made = table.insert(object, Rights::from_bits_retain(zx::ZX_DEFAULT_PROCESS_RIGHTS));
        let handle = made.unwrap_or(zx::ZX_HANDLE_INVALID);
        self.self_handle.store(handle, Ordering::Release);
        handle
    }

    /// `zx_vmar_root_self`: a handle to the root VMAR (`ZX_DEFAULT_VMAR_RIGHTS | READ |
    /// WRITE | EXECUTE`), made on the first call and the same value afterwards (a closed one
    /// stays closed); `ZX_HANDLE_INVALID` if the table is full at the first call, and a
    /// later call tries again.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let root = p.vmar_root_self();
    /// assert_eq!(p.vmar_root_self(), root);
    /// assert_eq!(p.object_get_info_handle_basic(root).unwrap().rights, 0x0020_801F);
    /// ```
    pub fn vmar_root_self(&self) -> zx_handle_t {
        // Acquire: pairs with the store below, made under the table lock.
        let known = self.root_vmar_handle.load(Ordering::Acquire);
        if known != zx::ZX_HANDLE_INVALID {
            return known;
        }
        let mut table = self.handles.lock();
        let known = self.root_vmar_handle.load(Ordering::Acquire);
        if known != zx::ZX_HANDLE_INVALID || table.len() >= MAX_HANDLES_PER_TABLE {
            return known;
        }
        let object = KernelObject::Vmar(Arc::new(VmarObject {
            koid: self.aspace.root_koid(),
            name: Default::default(),
            base: crate::aspace::USER_ASPACE_BASE,
            len: crate::aspace::USER_ASPACE_SIZE,
            flags: zx::ZX_VM_CAN_MAP_READ
                | zx::ZX_VM_CAN_MAP_WRITE
                | zx::ZX_VM_CAN_MAP_EXECUTE
                | zx::ZX_VM_CAN_MAP_SPECIFIC,
            aspace: self.aspace.clone(),
            id: crate::aspace::ROOT_VMAR,
        }));
        let rights = zx::ZX_DEFAULT_VMAR_RIGHTS
            | zx::ZX_RIGHT_READ
            | zx::ZX_RIGHT_WRITE
            | zx::ZX_RIGHT_EXECUTE;
        let made = table.insert(object, Rights::from_bits_retain(rights));
        let handle = made.unwrap_or(zx::ZX_HANDLE_INVALID);
        self.root_vmar_handle.store(handle, Ordering::Release);
        handle
    }

    /// A process object naming this process; `keep_alive` for a handle another process holds.
    pub(crate) fn process_object(&self, keep_alive: bool) -> ProcessObject {
        let mut object = ProcessObject::for_aspace(self.koid, Arc::downgrade(&self.aspace));
        object.process = self.me.clone();
        object.keep_alive = if keep_alive { self.me.upgrade() } else { None };
        object
    }

    /// `zx_job_default`: a handle to the kernel's one job (`ZX_DEFAULT_JOB_RIGHTS`), made on
    /// the first call and the same value afterwards; `ZX_HANDLE_INVALID` if the table is full
    /// then (a later call tries again).
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let job = p.job_default();
    /// assert_eq!(p.job_default(), job);
    /// assert_eq!(p.object_get_info_handle_basic(job).unwrap().type_, ZX_OBJ_TYPE_JOB);
    /// ```
    pub fn job_default(&self) -> zx_handle_t {
        // Acquire: pairs with the store below, made under the table lock.
        let known = self.job_handle.load(Ordering::Acquire);
        if known != zx::ZX_HANDLE_INVALID {
            return known;
        }
        let mut table = self.handles.lock();
        let known = self.job_handle.load(Ordering::Acquire);
        if known != zx::ZX_HANDLE_INVALID || table.len() >= MAX_HANDLES_PER_TABLE {
            return known;
        }
        let object = KernelObject::Job(self.kernel.job().clone());
        let made = table.insert(object, Rights::from_bits_retain(zx::ZX_DEFAULT_JOB_RIGHTS));
        let handle = made.unwrap_or(zx::ZX_HANDLE_INVALID);
        self.job_handle.store(handle, Ordering::Release);
        handle
    }

    /// The process's address space.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(!p.aspace().has_ended());
    /// ```
    pub fn aspace(&self) -> &Arc<AddressSpace> {
        &self.aspace
    }

    /// `handle_duplicate` on the table: a new handle to the same object.
    pub(crate) fn duplicate_handle(
        &self,
        handle: zx_handle_t,
        rights: zx_rights_t,
    ) -> Result<zx_handle_t, Status> {
        Ok(self.handles.lock().duplicate(handle, rights)?)
    }

    /// Runs `f` on the table, which it may read but not change: handles are added by
    /// [`ProcessCore::insert`] and [`ProcessCore::duplicate_handle`] and leave only through
    /// [`ProcessCore::consume`].
    pub(crate) fn with_handles<R>(&self, f: impl FnOnce(&HandleTable<KernelObject>) -> R) -> R {
        f(&self.handles.lock())
    }

    /// Takes `handle` out of the table and hands back what the table held for it: its
    /// rights, and its object if this was the process's last handle to it.
    pub(crate) fn remove_handle(
        &self,
        handle: zx_handle_t,
    ) -> Result<Handle<Option<KernelObject>>, Status> {
        self.consume(handle, |table| table.remove(handle))
    }

    /// Takes `handle` out of the table and returns its object (a clone when other handles
    /// still name it): for calls that consume the handle they act through.
    pub(crate) fn take_handle(&self, handle: zx_handle_t) -> Result<KernelObject, Status> {
        self.consume(handle, |table| {
            let object = table.get(handle)?.object.clone();
            table.remove(handle)?;
            Ok(object)
        })
    }

    /// `handle_replace` on the table: the old handle goes whether or not a new one comes.
    pub(crate) fn replace_handle(
        &self,
        handle: zx_handle_t,
        rights: zx_rights_t,
    ) -> Result<zx_handle_t, Status> {
        self.consume(handle, |table| table.replace(handle, rights))
    }

    /// The one way a handle leaves the table (close, replace, unpin and every call that
    /// consumes a handle come here): `take` removes the live handle `handle`, and the waits
    /// through it end with `CANCELED` once the lock is released. A wait registers under the
    /// table lock while its handle is live, so checking for waiters here misses none.
    fn consume<R>(
        &self,
        handle: zx_handle_t,
        take: impl FnOnce(&mut HandleTable<KernelObject>) -> Result<R, HandleError>,
    ) -> Result<R, Status> {
        let (taken, waited_on) = {
            let mut table = self.handles.lock();
            let object = table.get(handle)?.object;
            // Only then does the object need a clone (the rare case).
            let waited_on =
                object.signals().is_some_and(Signals::has_waiters).then(|| object.clone());
            (take(&mut table), waited_on)
        };
        if let Some(object) = waited_on {
            self.cancel_waits(&object, handle);
        }
        Ok(taken?)
    }

    /// Ends every wait that goes through `handle`, which was just taken out of the table.
    fn cancel_waits(&self, object: &KernelObject, handle: zx_handle_t) {
        if let Some(signals) = object.signals() {
            signals.cancel(HandleKey { process: self.koid(), handle });
        }
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

    /// Looks up two VMO handles under one acquisition of the table's lock, `first` first
    /// (its BAD_HANDLE, WRONG_TYPE or ACCESS_DENIED comes before any of `second`'s).
    pub(crate) fn vmo_pair(
        &self,
        (first, first_rights): (zx_handle_t, Rights),
        (second, second_rights): (zx_handle_t, Rights),
    ) -> Result<(Arc<VmoObject>, Arc<VmoObject>), Status> {
        let table = self.handles.lock();
        let one = |handle, rights| match table.lookup(handle, zx::ZX_OBJ_TYPE_VMO, rights) {
            Ok(entry) => match entry.object {
                KernelObject::Vmo(vmo) => Ok(vmo.clone()),
                _ => Err(Status::WRONG_TYPE),
            },
            Err(error) => Err(Status::from(error)),
        };
        let first = one(first, first_rights)?;
        let second = one(second, second_rights)?;
        Ok((first, second))
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
