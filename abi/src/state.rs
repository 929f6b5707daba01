//! The one kernel behind the C entry points, its processes, and which process a thread uses.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use zx_kernel::zx::{ZX_ERR_NOT_FOUND, ZX_ERR_NO_MEMORY};
use zx_kernel::{Kernel, KernelConfig, Process, Status};

/// The C name of an emulated process (`zxemu_process_t`): a non-zero number, never reused.
/// Processes are not kernel objects in the emulator yet, so this is not a handle.
pub type ProcessId = u32;

struct Global {
    kernel: Option<Kernel>,
    /// Bumped each time the kernel is replaced; thread overrides of an older one are void.
    generation: u64,
    processes: BTreeMap<ProcessId, Process>,
    default_process: ProcessId,
    next_id: ProcessId,
}

static GLOBAL: Mutex<Global> = Mutex::new(Global {
    kernel: None,
    generation: 0,
    processes: BTreeMap::new(),
    default_process: 0,
    next_id: 1,
});

thread_local! {
    /// The calling thread's override: (kernel generation, process id, process).
    static OVERRIDE: RefCell<Option<(u64, ProcessId, Process)>> = const { RefCell::new(None) };
}

fn global() -> MutexGuard<'static, Global> {
    // A panic caught at the boundary may have poisoned the lock; the state stays consistent
    // because every update below is a single assignment or insertion.
    GLOBAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Global {
    fn install(&mut self, kernel: Kernel) {
        let first = kernel.create_process();
        let id = self.next_id;
        self.next_id += 1;
        self.generation += 1;
        self.processes.clear();
        self.processes.insert(id, first);
        self.default_process = id;
        self.kernel = Some(kernel);
    }

    fn started(&mut self) -> Result<&Kernel, Status> {
        if self.kernel.is_none() {
            let kernel = Kernel::try_new(KernelConfig::default())
                .map_err(|_| Status::from_raw(ZX_ERR_NO_MEMORY))?;
            self.install(kernel);
        }
        Ok(self.kernel.as_ref().expect("installed above"))
    }
}

/// Replaces the kernel with a new one built from `config` (`zxemu_kernel_create`). Every
/// process of the old kernel is forgotten (its handles close once no thread uses it); the
/// new kernel has one process, the process-global default. `NO_MEMORY` when the host cannot
/// reserve the RAM.
///
/// ```
/// use zx_kernel::KernelConfig;
/// zx_abi::configure_kernel(KernelConfig { memory_bytes: 1 << 20, ..Default::default() })?;
/// assert_eq!(zx_abi::kernel()?.kmem_stats().total_bytes, 1 << 20);
/// # Ok::<(), zx_kernel::Status>(())
/// ```
pub fn configure_kernel(config: KernelConfig) -> Result<(), Status> {
    let kernel = Kernel::try_new(config).map_err(|_| Status::from_raw(ZX_ERR_NO_MEMORY))?;
    global().install(kernel);
    Ok(())
}

/// The kernel the entry points use, started with the default settings on first use.
///
/// ```
/// let kernel = zx_abi::kernel()?;
/// kernel.check_invariants().unwrap();
/// # Ok::<(), zx_kernel::Status>(())
/// ```
pub fn kernel() -> Result<Kernel, Status> {
    global().started().cloned()
}

/// Creates a process in the current kernel and returns its id (`zxemu_process_create`).
///
/// ```
/// let a = zx_abi::create_process()?;
/// let b = zx_abi::create_process()?;
/// assert_ne!(a, b);
/// # Ok::<(), zx_kernel::Status>(())
/// ```
pub fn create_process() -> Result<ProcessId, Status> {
    let mut g = global();
    let process = g.started()?.create_process();
    let id = g.next_id;
    g.next_id += 1;
    g.processes.insert(id, process);
    Ok(id)
}

/// Makes `id` the process-global default: the process of every thread without an override
/// (`zxemu_process_set_current`). `NOT_FOUND` for an id of no process of the current kernel.
///
/// ```
/// let p = zx_abi::create_process()?;
/// zx_abi::set_current_process(p)?;
/// assert_eq!(zx_abi::current_process_id()?, p);
/// # Ok::<(), zx_kernel::Status>(())
/// ```
pub fn set_current_process(id: ProcessId) -> Result<(), Status> {
    let mut g = global();
    g.started()?;
    if !g.processes.contains_key(&id) {
        return Err(Status::from_raw(ZX_ERR_NOT_FOUND));
    }
    g.default_process = id;
    Ok(())
}

/// Sets the calling thread's own process, overriding the default (`zxemu_thread_set_process`);
/// 0 removes the override. `NOT_FOUND` for an id of no process of the current kernel. An
/// override lapses when the kernel is replaced.
///
/// ```
/// let main = zx_abi::current_process_id()?;
/// let other = zx_abi::create_process()?;
/// std::thread::spawn(move || {
///     zx_abi::set_thread_process(other).unwrap();
///     assert_eq!(zx_abi::current_process_id().unwrap(), other);
/// }).join().unwrap();
/// assert_eq!(zx_abi::current_process_id()?, main);
/// # Ok::<(), zx_kernel::Status>(())
/// ```
pub fn set_thread_process(id: ProcessId) -> Result<(), Status> {
    if id == 0 {
        OVERRIDE.with(|o| o.borrow_mut().take());
        return Ok(());
    }
    let mut g = global();
    g.started()?;
    let process =
        g.processes.get(&id).cloned().ok_or_else(|| Status::from_raw(ZX_ERR_NOT_FOUND))?;
    let generation = g.generation;
    drop(g);
    OVERRIDE.with(|o| *o.borrow_mut() = Some((generation, id, process)));
    Ok(())
}

fn current() -> Result<(ProcessId, Process), Status> {
    let mut g = global();
    g.started()?;
    let generation = g.generation;
    let from_thread = OVERRIDE.with(|o| match &*o.borrow() {
        Some((gen, id, process)) if *gen == generation => Some((*id, process.clone())),
        _ => None,
    });
    if let Some(found) = from_thread {
        return Ok(found);
    }
    let id = g.default_process;
    let process = g.processes.get(&id).cloned().expect("the default process is registered");
    Ok((id, process))
}

/// The process the calling thread's syscalls go to: its override, else the default.
///
/// ```
/// let process = zx_abi::current_process()?;
/// assert!(process.vmo_create(4096, 0).is_ok());
/// # Ok::<(), zx_kernel::Status>(())
/// ```
pub fn current_process() -> Result<Process, Status> {
    current().map(|(_, process)| process)
}

/// The id of [`current_process`] (`zxemu_process_current`).
///
/// ```
/// assert_ne!(zx_abi::current_process_id()?, 0);
/// # Ok::<(), zx_kernel::Status>(())
/// ```
pub fn current_process_id() -> Result<ProcessId, Status> {
    current().map(|(id, _)| id)
}
