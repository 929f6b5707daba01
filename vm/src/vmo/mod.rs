//! Virtual memory objects.
//!
//! A [`Vmo`] is what a handle refers to. Its pages live in a *node* of a *hierarchy*: the
//! tree of nodes that copy-on-write clones share, guarded by one lock. Unrelated VMOs are
//! in different hierarchies and never contend.

mod attribution;
mod data;
mod hierarchy;
mod mapped;
mod paged;
mod pager_view;
mod pin;
mod transfer;

use crate::allocator::ZeroFill;
use crate::error::VmError;
use crate::pager::PageSource;
use crate::sync::{
    Arc, AtomicBool, AtomicU64, AtomicUsize, CachePadded, Mutex, Ordering, RwLock, RwLockWriteGuard,
};
use crate::vm::Vm;
pub(crate) use hierarchy::{Hierarchy, NodeId};
pub(crate) use paged::PagerRoot;
pub use pager_view::{PagerSlotState, PagerView};
pub use pin::MAX_PINS;
pub use transfer::TransferStats;

/// The largest size of a VMO: `u64::MAX` rounded down to 32 pages.
///
/// ```
/// assert_eq!(zx_vm::MAX_VMO_SIZE, 0xFFFF_FFFF_FFFE_0000);
/// ```
pub const MAX_VMO_SIZE: u64 = 0xFFFF_FFFF_FFFE_0000;

/// `size` rounded up to a whole number of pages, or `None` if that overflows or exceeds
/// [`MAX_VMO_SIZE`].
///
/// ```
/// use zx_vm::{round_up_to_page, MAX_VMO_SIZE};
/// assert_eq!(round_up_to_page(1), Some(4096));
/// assert_eq!(round_up_to_page(MAX_VMO_SIZE), Some(MAX_VMO_SIZE));
/// assert_eq!(round_up_to_page(MAX_VMO_SIZE + 1), None);
/// ```
pub fn round_up_to_page(size: u64) -> Option<u64> {
    let page = crate::PAGE_SIZE as u64;
    let rounded = size.checked_add(page - 1)? & !(page - 1);
    (rounded <= MAX_VMO_SIZE).then_some(rounded)
}

/// How a VMO was created.
///
/// ```
/// let options = zx_vm::VmoOptions { resizable: true, ..Default::default() };
/// assert!(!options.discardable);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VmoOptions {
    /// The size may change (`ZX_VMO_RESIZABLE`).
    pub resizable: bool,
    /// The kernel may discard the pages while unlocked (`ZX_VMO_DISCARDABLE`).
    pub discardable: bool,
}

/// What `LOCK`/`TRY_LOCK` report (`zx_vmo_lock_state_t`).
///
/// ```
/// let state = zx_vm::LockState::default();
/// assert_eq!(state.discarded_size, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LockState {
    /// Start of the locked range.
    pub offset: u64,
    /// Length of the locked range.
    pub size: u64,
    /// Start of the range that was discarded since the last lock.
    pub discarded_offset: u64,
    /// Length of the range that was discarded since the last lock (0: nothing was).
    pub discarded_size: u64,
}

/// Memory attribution and shape of one VMO (the VM part of `zx_info_vmo_t`).
///
/// ```
/// let vm = zx_vm::Vm::new(4096, 0);
/// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
/// vmo.write(&[1], 0).unwrap();
/// let info = vmo.info();
/// assert_eq!(info.committed_bytes, 4096);
/// assert_eq!(info.committed_private_bytes, 4096);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VmoInfo {
    /// Size in bytes.
    pub size_bytes: u64,
    /// Bytes of every committed page this VMO can see (RSS).
    pub committed_bytes: u64,
    /// Bytes of the committed pages only this VMO can see (USS).
    pub committed_private_bytes: u64,
    /// Each page's bytes divided among the VMOs that see it (PSS), whole bytes.
    pub committed_scaled_bytes: u64,
    /// The fraction of a byte of PSS below `committed_scaled_bytes`, in units of 2^-63.
    pub committed_fractional_scaled_bytes: u64,
    /// Bytes of bookkeeping for this VMO's pages.
    pub metadata_bytes: u64,
}

/// A page slot as introspection shows it.
///
/// ```
/// let page = zx_vm::FamilyPage { offset: 0, paddr: None, pin_count: 0 };
/// assert!(page.paddr.is_none()); // a zero marker
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FamilyPage {
    /// Byte offset in the node.
    pub offset: u64,
    /// Physical address of the frame; `None` for a zero marker.
    pub paddr: Option<u64>,
    /// Pins held on the page.
    pub pin_count: u32,
}

/// How an alias VMO shares another VMO's node.
///
/// ```
/// assert_ne!(zx_vm::AliasKind::Slice, zx_vm::AliasKind::Reference);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AliasKind {
    /// A window of the parent's pages.
    Slice,
    /// The whole parent, size changes included.
    Reference,
}

/// One node of a hierarchy as introspection shows it.
///
/// ```
/// let vm = zx_vm::Vm::new(4096, 0);
/// let vmo = vm.create_vmo(9, 4096, Default::default()).unwrap();
/// let nodes = vmo.family();
/// assert_eq!(nodes.len(), 1);
/// assert_eq!(nodes[0].koid, Some(9));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyNode {
    /// Node id within the hierarchy.
    pub id: usize,
    /// The koid of the VMO this node backs; `None` for a hidden node.
    pub koid: Option<u64>,
    /// The parent node.
    pub parent: Option<usize>,
    /// Bytes: where this node's window into its parent starts.
    pub parent_offset: u64,
    /// Bytes: how much of the parent this node can still see.
    pub parent_limit: u64,
    /// Size in bytes.
    pub size: u64,
    /// The slots this node owns.
    pub pages: Vec<FamilyPage>,
}

/// A cell holding a hierarchy behind its lock: a reader-writer lock, so that reads of a clone
/// tree (`vmo_read`, info, sizes) run side by side while anything that changes it (a write,
/// a fork, a commit, a transfer, a close) runs alone.
#[derive(Debug)]
pub(crate) struct HierarchyCell {
    id: u64,
    state: CachePadded<RwLock<Hierarchy>>,
    /// The page source of a pager-backed tree, and its root's node (both fixed for the tree's
    /// life: the root stays the root), so a VMO knows without the lock whether it is on R.
    source: Option<Arc<PageSource>>,
    pager_root: Option<NodeId>,
    /// Set once, before any handle to the tree exists, when the tree is a contiguous VMO's
    /// (its one node owns consecutive frames for life), so that VMOs read it without the lock.
    contiguous: AtomicBool,
}

impl HierarchyCell {
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The hierarchy, exclusively.
    pub(crate) fn lock(&self) -> RwLockWriteGuard<'_, Hierarchy> {
        self.state.write()
    }
}

/// How a VMO looks at its node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    /// The node is this VMO's own (a root VMO or a snapshot child).
    Own,
    /// A window `[offset, offset + size)` of the node (bytes, page aligned).
    Slice { offset: u64, size: u64 },
    /// The whole node, size changes included.
    Reference,
}

/// A virtual memory object.
///
/// Locks: all of a VMO's data is behind its hierarchy's lock (shared with every VMO of its
/// clone tree); `name` and a slice's content size have locks of their own, never held
/// together with it.
///
/// ```
/// let vm = zx_vm::Vm::new(4 * 4096, 0);
/// let options = zx_vm::VmoOptions { resizable: true, ..Default::default() };
/// let vmo = vm.create_vmo(1, 4096, options).unwrap();
/// vmo.write(&[7; 10], 4090).unwrap_err(); // past the end
/// vmo.set_size(3 * 4096).unwrap();
/// vmo.write(&[7; 10], 4090).unwrap();
/// ```
#[derive(Debug)]
pub struct Vmo {
    vm: Arc<Vm>,
    koid: u64,
    cell: Arc<HierarchyCell>,
    node: NodeId,
    /// The node's size as the hierarchy publishes it: read without the hierarchy lock.
    node_size: Arc<AtomicU64>,
    view: View,
    options: VmoOptions,
    /// For a physical VMO (and its slices): the physical address of its node's offset 0.
    physical_base: Option<u64>,
    name: Mutex<[u8; NAME_LEN]>,
    /// A slice's own content size (other VMOs keep theirs in the node).
    slice_content_size: Mutex<u64>,
    registry_key: AtomicUsize,
}

const NAME_LEN: usize = 32;
const NO_KEY: usize = usize::MAX;
const PAGE: u64 = crate::PAGE_SIZE as u64;

impl Vmo {
    pub(crate) fn new(
        vm: Arc<Vm>,
        koid: u64,
        hierarchy: Hierarchy,
        node: NodeId,
        options: VmoOptions,
    ) -> Arc<Vmo> {
        let node = (node, hierarchy.published_size(node));
        let cell = Arc::new(HierarchyCell {
            id: hierarchy.id(),
            source: hierarchy.pager().map(|p| p.source.clone()),
            pager_root: hierarchy.pager().map(|p| p.node),
            contiguous: AtomicBool::new(false),
            state: CachePadded::new(RwLock::new(hierarchy)),
        });
        Vmo::on_node(vm, koid, cell, node, View::Own, options, 0, None)
    }

    pub(crate) fn new_physical(
        vm: Arc<Vm>,
        koid: u64,
        hierarchy: Hierarchy,
        node: NodeId,
        paddr: u64,
    ) -> Arc<Vmo> {
        let node = (node, hierarchy.published_size(node));
        let cell = Arc::new(HierarchyCell {
            id: hierarchy.id(),
            state: CachePadded::new(RwLock::new(hierarchy)),
            source: None,
            pager_root: None,
            contiguous: AtomicBool::new(false),
        });
        Vmo::on_node(vm, koid, cell, node, View::Own, VmoOptions::default(), 0, Some(paddr))
    }

    #[allow(clippy::too_many_arguments)]
    fn on_node(
        vm: Arc<Vm>,
        koid: u64,
        cell: Arc<HierarchyCell>,
        (node, node_size): (NodeId, Arc<AtomicU64>),
        view: View,
        options: VmoOptions,
        slice_content_size: u64,
        physical_base: Option<u64>,
    ) -> Arc<Vmo> {
        Arc::new(Vmo {
            vm,
            koid,
            cell,
            node,
            node_size,
            view,
            options,
            physical_base,
            name: Mutex::new([0; NAME_LEN]),
            slice_content_size: Mutex::new(slice_content_size),
            registry_key: AtomicUsize::new(NO_KEY),
        })
    }

    pub(crate) fn hierarchy_cell(&self) -> Arc<HierarchyCell> {
        self.cell.clone()
    }

    /// Gives a new contiguous VMO its frames, under its hierarchy's lock: consecutive, the
    /// first aligned to `2^alignment_log2` bytes, zeroed. `NoMemory` when no such run is free.
    pub(crate) fn take_contiguous_frames(&self, alignment_log2: u32) -> Result<(), VmError> {
        let allocator = self.vm.allocator();
        self.with(|h| {
            let frames =
                allocator.alloc_contiguous(self.size() / PAGE, alignment_log2, ZeroFill::Yes)?;
            h.adopt_contiguous(self.node, frames);
            // Relaxed: published to other threads with the VMO itself (its handle is made
            // after this returns).
            self.cell.contiguous.store(true, Ordering::Relaxed);
            Ok(())
        })
    }

    pub(crate) fn set_registry_key(&self, key: usize) {
        self.registry_key.store(key, Ordering::Release);
    }

    /// The id the creator gave this VMO (its koid).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// assert_eq!(vm.create_vmo(42, 0, Default::default()).unwrap().koid(), 42);
    /// ```
    pub fn koid(&self) -> u64 {
        self.koid
    }

    /// The id of the hierarchy (clone tree) this VMO belongs to.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let a = vm.create_vmo(1, 0, Default::default()).unwrap();
    /// let b = vm.create_vmo(2, 0, Default::default()).unwrap();
    /// assert_ne!(a.hierarchy_id(), b.hierarchy_id());
    /// ```
    pub fn hierarchy_id(&self) -> u64 {
        self.cell.id
    }

    /// The options it was created with.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// assert!(!vm.create_vmo(1, 0, Default::default()).unwrap().options().resizable);
    /// ```
    pub fn options(&self) -> VmoOptions {
        self.options
    }

    /// For a slice or reference: how it shares its node (`kind`, byte offset, size).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let vmo = vm.create_vmo(1, 8192, Default::default()).unwrap();
    /// let slice = vmo.create_slice(2, 4096, 4096).unwrap();
    /// assert_eq!(slice.alias(), Some((zx_vm::AliasKind::Slice, 4096, 4096)));
    /// assert_eq!(vmo.alias(), None);
    /// ```
    pub fn alias(&self) -> Option<(AliasKind, u64, u64)> {
        match self.view {
            View::Own => None,
            View::Slice { offset, size } => Some((AliasKind::Slice, offset, size)),
            View::Reference => Some((AliasKind::Reference, 0, self.size())),
        }
    }

    /// Runs `f` on the hierarchy, alone (for anything that changes it).
    fn with<R>(&self, f: impl FnOnce(&mut Hierarchy) -> R) -> R {
        let mut hierarchy = self.cell.state.write();
        f(&mut hierarchy)
    }

    /// Runs `f` on the hierarchy, beside other readers (for what only looks at it).
    fn with_shared<R>(&self, f: impl FnOnce(&Hierarchy) -> R) -> R {
        let hierarchy = self.cell.state.read();
        f(&hierarchy)
    }

    /// Translates a range of this VMO into its node, checking it against a slice's window
    /// (`OutOfRange`, overflow included); other views are checked by the node itself.
    fn to_node(&self, offset: u64, len: u64) -> Result<u64, VmError> {
        match self.view {
            View::Slice { offset: base, size } => {
                let end = offset.checked_add(len).ok_or(VmError::OutOfRange)?;
                if end > size {
                    return Err(VmError::OutOfRange);
                }
                Ok(base + offset)
            }
            View::Own | View::Reference => Ok(offset),
        }
    }

    /// Size in bytes (a multiple of the page size). Takes no lock: it reads the size the
    /// hierarchy publishes, so callers may hold locks of their own.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// assert_eq!(vm.create_vmo(1, 1, Default::default()).unwrap().size(), 4096);
    /// ```
    pub fn size(&self) -> u64 {
        match self.view {
            View::Slice { size, .. } => size,
            View::Own | View::Reference => self.node_size.load(Ordering::Relaxed),
        }
    }

    /// The content size: the exact size last requested.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// assert_eq!(vm.create_vmo(1, 1, Default::default()).unwrap().content_size(), 1);
    /// ```
    pub fn content_size(&self) -> u64 {
        match self.view {
            View::Slice { .. } => *self.slice_content_size.lock(),
            View::Own | View::Reference => self.with_shared(|h| h.content_size(self.node)),
        }
    }

    /// Sets the content size (may exceed the size).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let vmo = vm.create_vmo(1, 0, Default::default()).unwrap();
    /// vmo.set_content_size(1 << 40);
    /// assert_eq!(vmo.content_size(), 1 << 40);
    /// ```
    pub fn set_content_size(&self, content_size: u64) {
        match self.view {
            View::Slice { .. } => *self.slice_content_size.lock() = content_size,
            View::Own | View::Reference => {
                self.with(|h| h.set_content_size(self.node, content_size))
            }
        }
    }

    /// `ZX_PROP_VMO_CONTENT_SIZE` set by a user: as Zircon does, a content size below the
    /// VMO's size zeroes every byte from it to the end of the VMO (`[content_size, size)`),
    /// then the content size is stored. Physical and contiguous VMOs → `NotSupported`; no
    /// page for a partial page that must be forked → `NoMemory`, with nothing changed.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// vmo.write(&[7; 8], 0).unwrap();
    /// vmo.set_content_size_zeroing(5).unwrap();
    /// let mut buf = [1; 8];
    /// vmo.read(&mut buf, 0).unwrap();
    /// assert_eq!(buf, [7, 7, 7, 7, 7, 0, 0, 0]);
    /// ```
    pub fn set_content_size_zeroing(&self, content_size: u64) -> Result<(), VmError> {
        if self.is_physical() || self.is_contiguous() {
            return Err(VmError::NotSupported);
        }
        if self.is_pager_backed() {
            // The zeroing is an OP_ZERO: it may ask the pager, so no lock is held across it.
            let size = self.size();
            if content_size < size {
                self.zero_paged(
                    self.to_node(content_size, size - content_size)?,
                    size - content_size,
                )?;
            }
            self.set_content_size(content_size);
            if self.is_on_pager_root() {
                self.set_modified();
            }
            return Ok(());
        }
        let allocator = self.vm.allocator();
        self.with(|h| {
            // Read under the hierarchy lock, which every resize holds.
            let size = self.size();
            if content_size < size {
                let offset = self.to_node(content_size, size - content_size)?;
                h.zero(allocator, self.node, offset, size - content_size)?;
            }
            if !matches!(self.view, View::Slice { .. }) {
                h.set_content_size(self.node, content_size);
            }
            Ok::<(), VmError>(())
        })?;
        if matches!(self.view, View::Slice { .. }) {
            *self.slice_content_size.lock() = content_size;
        }
        Ok(())
    }

    /// `zx_vmo_set_stream_size`: physical or contiguous → `NotSupported`; the same size →
    /// done; past the VMO's size → `OutOfRange`. Then the bytes between the old and the new
    /// stream size read zero (on a pager VMO: see `docs/reference.md` §9), and the stream
    /// size (the content size) is `size`.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// vmo.write(&[7; 8], 0).unwrap();
    /// vmo.set_stream_size(2).unwrap();
    /// vmo.set_stream_size(8).unwrap();
    /// let mut seen = [1; 8];
    /// vmo.read(&mut seen, 0).unwrap();
    /// assert_eq!(seen, [7, 7, 0, 0, 0, 0, 0, 0]);
    /// assert_eq!(vmo.content_size(), 8);
    /// ```
    pub fn set_stream_size(&self, size: u64) -> Result<(), VmError> {
        if self.is_physical() || self.is_contiguous() {
            return Err(VmError::NotSupported);
        }
        let old = self.content_size();
        if old == size {
            return Ok(());
        }
        if size > self.size() {
            return Err(VmError::OutOfRange);
        }
        if self.is_pager_backed() && self.view == View::Own && self.is_on_pager_root() {
            return self.set_stream_size_paged(old, size);
        }
        let (low, high) = (old.min(size), old.max(size).min(self.size()));
        if high > low {
            self.zero(low, high - low)?;
        }
        self.set_content_size(size);
        if self.is_on_pager_root() {
            self.set_modified();
        }
        Ok(())
    }

    /// The name: up to 31 bytes and a NUL.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let vmo = vm.create_vmo(1, 0, Default::default()).unwrap();
    /// vmo.set_name(b"heap");
    /// assert_eq!(&vmo.name()[..5], b"heap\0");
    /// ```
    pub fn name(&self) -> [u8; NAME_LEN] {
        *self.name.lock()
    }

    /// Sets the name, truncated to 31 bytes (and stopping at the first NUL).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let vmo = vm.create_vmo(1, 0, Default::default()).unwrap();
    /// vmo.set_name(&[b'x'; 40]);
    /// assert_eq!(vmo.name()[31], 0);
    /// ```
    pub fn set_name(&self, name: &[u8]) {
        let len = name.iter().position(|&b| b == 0).unwrap_or(name.len()).min(NAME_LEN - 1);
        let mut stored = [0; NAME_LEN];
        stored[..len].copy_from_slice(&name[..len]);
        *self.name.lock() = stored;
    }

    /// Reads `buffer.len()` bytes at `offset`; `OutOfRange` past the end.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// let mut buf = [1u8; 4];
    /// vmo.read(&mut buf, 0).unwrap();
    /// assert_eq!(buf, [0; 4]);
    /// ```
    pub fn read(&self, buffer: &mut [u8], offset: u64) -> Result<(), VmError> {
        self.read_with(buffer, offset, true)
    }

    /// [`Vmo::read`], or with `wait` false, `ShouldWait` where it would wait on a pager.
    pub(crate) fn read_with(
        &self,
        buffer: &mut [u8],
        offset: u64,
        wait: bool,
    ) -> Result<(), VmError> {
        let offset = self.to_node(offset, buffer.len() as u64)?;
        if let Some(base) = self.physical_base {
            self.check_node_range(offset, buffer.len() as u64)?;
            self.vm.device().read(base + offset, buffer);
            return Ok(());
        }
        if self.is_pager_backed() {
            return self.read_paged(buffer, offset, wait);
        }
        let allocator = self.vm.allocator();
        self.with_shared(|h| h.read(allocator, self.node, buffer, offset))
    }

    /// Writes `buffer` at `offset`, committing pages (forking copy-on-write pages);
    /// `OutOfRange` past the end, `NoMemory` (and nothing written) if the pages cannot be had.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// assert_eq!(vmo.write(&[1], 0), Err(zx_vm::VmError::NoMemory));
    /// ```
    pub fn write(&self, buffer: &[u8], offset: u64) -> Result<(), VmError> {
        self.write_with(buffer, offset, true)
    }

    /// [`Vmo::write`], or with `wait` false, `ShouldWait` where it would wait on a pager.
    pub(crate) fn write_with(&self, buffer: &[u8], offset: u64, wait: bool) -> Result<(), VmError> {
        let offset = self.to_node(offset, buffer.len() as u64)?;
        if let Some(base) = self.physical_base {
            self.check_node_range(offset, buffer.len() as u64)?;
            self.vm.device().write(base + offset, buffer);
            return Ok(());
        }
        if self.is_pager_backed() {
            return self.write_paged(buffer, offset, wait);
        }
        let allocator = self.vm.allocator();
        self.with(|h| h.write(allocator, self.node, buffer, offset))
    }

    /// Changes the size (`Unavailable` unless resizable; `OutOfRange` past the maximum;
    /// `BadState` when shrinking over a pinned page).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// assert_eq!(vmo.set_size(0), Err(zx_vm::VmError::Unavailable));
    /// ```
    pub fn set_size(&self, size: u64) -> Result<(), VmError> {
        if !self.options.resizable || matches!(self.view, View::Slice { .. }) {
            return Err(VmError::Unavailable);
        }
        if self.is_pager_backed() {
            if self.with_shared(|h| h.pager().is_some_and(|p| p.unbounded)) {
                return Err(VmError::Unavailable);
            }
            return self.set_size_paged(size);
        }
        let allocator = self.vm.allocator();
        self.with(|h| h.set_size(allocator, self.node, size))
    }

    /// `ZX_VMO_OP_COMMIT`: commits every page touching `[offset, offset+len)`, forking
    /// copy-on-write content into this VMO.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(2 * 4096, 0);
    /// let vmo = vm.create_vmo(1, 2 * 4096, Default::default()).unwrap();
    /// vmo.commit(100, 3000).unwrap();
    /// assert_eq!(vmo.info().committed_bytes, 4096);
    /// ```
    pub fn commit(&self, offset: u64, len: u64) -> Result<(), VmError> {
        let offset = self.to_node(offset, len)?;
        self.refuse_physical(offset, len)?;
        if self.is_pager_backed() {
            return self.commit_paged(offset, len, false, &|_| Ok(()), &mut |_| Ok(()));
        }
        let allocator = self.vm.allocator();
        self.with(|h| h.commit(allocator, self.node, offset, len))
    }

    /// `ZX_VMO_OP_DECOMMIT`: frees the pages of a page-aligned range (`NotSupported` in a
    /// copy-on-write relation).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// vmo.commit(0, 4096).unwrap();
    /// vmo.decommit(0, 4096).unwrap();
    /// assert_eq!(vm.allocator().free_frames(), 1);
    /// ```
    pub fn decommit(&self, offset: u64, len: u64) -> Result<(), VmError> {
        let offset = self.to_node(offset, len)?;
        self.refuse_physical(offset, len)?;
        if self.is_pager_backed() {
            // In place of the copy-on-write check: nothing of a pager tree decommits.
            self.check_node_range(offset, len)?;
            return if len == 0 { Ok(()) } else { Err(VmError::NotSupported) };
        }
        let allocator = self.vm.allocator();
        self.with(|h| h.decommit(allocator, self.node, offset, len))
    }

    /// `ZX_VMO_OP_ZERO`: makes exactly `[offset, offset+len)` read zero.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// vmo.write(&[9; 8], 0).unwrap();
    /// vmo.zero(2, 3).unwrap();
    /// let mut buf = [0; 8];
    /// vmo.read(&mut buf, 0).unwrap();
    /// assert_eq!(buf, [9, 9, 0, 0, 0, 9, 9, 9]);
    /// ```
    pub fn zero(&self, offset: u64, len: u64) -> Result<(), VmError> {
        let offset = self.to_node(offset, len)?;
        self.refuse_physical(offset, len)?;
        if self.is_pager_backed() {
            return self.zero_paged(offset, len);
        }
        let allocator = self.vm.allocator();
        self.with(|h| h.zero(allocator, self.node, offset, len))
    }

    fn check_node_range(&self, offset: u64, len: u64) -> Result<(), VmError> {
        self.with_shared(|h| h.check_range(self.node, offset, len).map(|_| ()))
    }

    /// A physical VMO has no pages to commit, decommit or zero: `OutOfRange` past its end,
    /// else `NotSupported`.
    fn refuse_physical(&self, offset: u64, len: u64) -> Result<(), VmError> {
        if self.physical_base.is_none() {
            return Ok(());
        }
        self.check_node_range(offset, len)?;
        Err(VmError::NotSupported)
    }

    /// True for a physical VMO (or a slice of one).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// assert!(!vm.create_vmo(1, 0, Default::default()).unwrap().is_physical());
    /// ```
    pub fn is_physical(&self) -> bool {
        self.physical_base.is_some()
    }

    /// True for a contiguous VMO (or a slice of one).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// assert!(vm.create_contiguous(1, 4096, 0).unwrap().is_contiguous());
    /// ```
    pub fn is_contiguous(&self) -> bool {
        self.cell.contiguous.load(Ordering::Relaxed)
    }

    /// True for a slice.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// assert!(vmo.create_slice(2, 0, 4096).unwrap().is_slice());
    /// ```
    pub fn is_slice(&self) -> bool {
        matches!(self.view, View::Slice { .. })
    }

    /// Pins the page-aligned range `[offset, offset + len)`: commits it (forking
    /// copy-on-write content in), adds a pin to every page, and returns the pages' physical
    /// addresses. `InvalidArgs` if unaligned, `OutOfRange` past the end, `Unavailable` when a
    /// page already has [`MAX_PINS`] pins, `NoMemory`; all or nothing.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4 * 4096, 0x8000_0000);
    /// let vmo = vm.create_vmo(1, 2 * 4096, Default::default()).unwrap();
    /// let addrs = vmo.pin(0, 2 * 4096).unwrap();
    /// assert_eq!(addrs.len(), 2);
    /// assert_eq!(vmo.decommit(0, 4096), Err(zx_vm::VmError::BadState));
    /// vmo.unpin(0, 2 * 4096);
    /// vm.check_invariants().unwrap();
    /// ```
    pub fn pin(&self, offset: u64, len: u64) -> Result<Vec<u64>, VmError> {
        self.pin_for(offset, len, false)
    }

    /// [`Vmo::pin`] for a device that will write (`writable`): in a pager-backed tree the
    /// pages of the pager VMO also turn Dirty (after DIRTY requests under TRAP_DIRTY) and the
    /// VMO is marked modified.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// assert_eq!(vmo.pin_for(0, 4096, true).unwrap().len(), 1);
    /// vmo.unpin(0, 4096);
    /// ```
    pub fn pin_for(&self, offset: u64, len: u64, writable: bool) -> Result<Vec<u64>, VmError> {
        if offset % PAGE != 0 || len % PAGE != 0 {
            return Err(VmError::InvalidArgs);
        }
        let offset = self.to_node(offset, len)?;
        self.check_node_range(offset, len)?;
        let (first, end) = (offset / PAGE, (offset + len) / PAGE);
        let addresses = match self.physical_base {
            Some(base) => {
                self.with(|h| {
                    h.pin_device(self.node, first, end)?;
                    self.vm.pins_changed(end - first, 0);
                    Ok::<_, VmError>(())
                })?;
                (first..end).map(|i| base + i * PAGE).collect()
            }
            None if self.is_pager_backed() => {
                let allocator = self.vm.allocator();
                let mut addresses = Vec::new();
                let node = self.node;
                let refuse = |h: &Hierarchy| h.check_pins_left(node, first, end);
                self.commit_paged(offset, len, writable, &refuse, &mut |h| {
                    addresses = h.pin(allocator, self.node, first, end)?;
                    self.vm.pins_changed(end - first, 0);
                    Ok(())
                })?;
                addresses
            }
            None => {
                let allocator = self.vm.allocator();
                self.with(|h| {
                    let addresses = h.pin(allocator, self.node, first, end)?;
                    self.vm.pins_changed(end - first, 0);
                    Ok(addresses)
                })?
            }
        };
        Ok(addresses)
    }

    /// Releases one pin on each page of a range pinned earlier with [`Vmo::pin`].
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// vmo.pin(0, 4096).unwrap();
    /// vmo.unpin(0, 4096);
    /// vmo.decommit(0, 4096).unwrap();
    /// ```
    pub fn unpin(&self, offset: u64, len: u64) {
        let Ok(offset) = self.to_node(offset, len) else { return };
        let (first, end) = (offset / PAGE, offset.saturating_add(len) / PAGE);
        self.with(|h| {
            match self.physical_base {
                Some(_) => h.unpin_device(self.node, first, end),
                None => h.unpin(self.node, first, end),
            }
            self.vm.pins_changed(0, end - first);
        });
    }

    /// Checks that `[offset, offset+len)` lies inside the VMO (`OutOfRange`).
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// assert!(vmo.check_range(0, 4096).is_ok());
    /// assert!(vmo.check_range(1, u64::MAX).is_err());
    /// ```
    pub fn check_range(&self, offset: u64, len: u64) -> Result<(), VmError> {
        let offset = self.to_node(offset, len)?;
        self.with_shared(|h| h.check_range(self.node, offset, len).map(|_| ()))
    }

    /// `ZX_VMO_OP_LOCK` (or `TRY_LOCK` when `try_only`) of a discardable VMO; the range
    /// must be the whole VMO. `Unavailable` for a `TRY_LOCK` of a discarded VMO.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let options = zx_vm::VmoOptions { discardable: true, ..Default::default() };
    /// let vmo = vm.create_vmo(1, 4096, options).unwrap();
    /// let state = vmo.lock_range(0, 4096, false).unwrap();
    /// assert_eq!((state.size, state.discarded_size), (4096, 0));
    /// ```
    pub fn lock_range(&self, offset: u64, len: u64, try_only: bool) -> Result<LockState, VmError> {
        if !self.options.discardable {
            return Err(VmError::NotSupported);
        }
        self.with(|h| h.lock_discardable(self.node, offset, len, try_only))
    }

    /// `ZX_VMO_OP_UNLOCK`: `BadState` when not locked.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let options = zx_vm::VmoOptions { discardable: true, ..Default::default() };
    /// let vmo = vm.create_vmo(1, 4096, options).unwrap();
    /// assert_eq!(vmo.unlock_range(0, 4096), Err(zx_vm::VmError::BadState));
    /// ```
    pub fn unlock_range(&self, offset: u64, len: u64) -> Result<(), VmError> {
        if !self.options.discardable {
            return Err(VmError::NotSupported);
        }
        self.with(|h| h.unlock_discardable(self.node, offset, len))
    }

    /// Frees every page of an unlocked discardable VMO; returns how many.
    pub(crate) fn discard_if_unlocked(&self) -> u64 {
        if !self.options.discardable {
            return 0;
        }
        let allocator = self.vm.allocator();
        self.with(|h| h.discard_if_unlocked(allocator, self.node))
    }

    /// Attribution and shape figures. Slices and references are charged nothing: their
    /// pages count in the VMO that owns them.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let vmo = vm.create_vmo(1, 8192, Default::default()).unwrap();
    /// assert_eq!(vmo.info().size_bytes, 8192);
    /// ```
    pub fn info(&self) -> VmoInfo {
        match self.view {
            View::Own => self.with_shared(|h| h.info(self.node)),
            View::Slice { .. } | View::Reference => {
                VmoInfo { size_bytes: self.size(), ..VmoInfo::default() }
            }
        }
    }

    /// Creates a SNAPSHOT child of `[offset, offset + size)`: it reads this VMO's content as
    /// of now, and later writes on either side are invisible to the other. Checks, in order:
    /// `offset` unaligned, `offset + size` overflowing or a contiguous VMO → `InvalidArgs`;
    /// a physical VMO or a slice → `NotSupported`; a pinned page → `BadState`; the child's
    /// end, projected onto the root of the clone tree (this VMO's own offset there added),
    /// overflowing u64 → `InvalidArgs`. O(1) in the pages.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4 * 4096, 0);
    /// let parent = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// parent.write(b"old", 0).unwrap();
    /// let child = parent.create_snapshot(2, 0, 4096, Default::default()).unwrap();
    /// parent.write(b"new", 0).unwrap();
    /// let mut seen = [0u8; 3];
    /// child.read(&mut seen, 0).unwrap();
    /// assert_eq!(&seen, b"old");
    /// ```
    pub fn create_snapshot(
        &self,
        koid: u64,
        offset: u64,
        size: u64,
        options: VmoOptions,
    ) -> Result<Arc<Vmo>, VmError> {
        if offset % PAGE != 0 || offset.checked_add(size).is_none() || self.is_contiguous() {
            return Err(VmError::InvalidArgs);
        }
        if self.is_physical() || self.is_slice() || self.is_pager_backed() {
            return Err(VmError::NotSupported);
        }
        let rounded = round_up_to_page(size).ok_or(VmError::OutOfRange)?;
        let node = self.with(|h| {
            if h.has_pinned_pages(self.node) {
                return Err(VmError::BadState);
            }
            h.check_root_extent(self.node, offset, rounded)?;
            let node = h.snapshot(self.node, koid, offset, size, options)?;
            Ok((node, h.published_size(node)))
        })?;
        Ok(self.register_child(koid, node, View::Own, options, 0))
    }

    /// Creates a SNAPSHOT_AT_LEAST_ON_WRITE (`modified` false) or SNAPSHOT_MODIFIED child of
    /// a VMO in a pager-backed tree. Of the pager VMO (or its slice or reference), and ALOW of
    /// a unidirectional clone (or its slice), the child is *unidirectional*: it sees the
    /// current content of the nearest ancestor holding a page until it writes that page.
    /// Otherwise it is a snapshot through a hidden node, with these checks in order: a slice
    /// → `NotSupported`; a pinned page → `BadState`; children of its own, or a parent that is
    /// neither the pager VMO nor hidden → `NotSupported`. Offsets are checked as for
    /// [`Vmo::create_snapshot`].
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// assert!(vmo.create_pager_clone(2, 0, 4096, Default::default(), false).is_err());
    /// ```
    pub fn create_pager_clone(
        &self,
        koid: u64,
        offset: u64,
        size: u64,
        options: VmoOptions,
        modified: bool,
    ) -> Result<Arc<Vmo>, VmError> {
        if offset % PAGE != 0 || offset.checked_add(size).is_none() {
            return Err(VmError::InvalidArgs);
        }
        if !self.is_pager_backed() {
            return Err(VmError::NotSupported);
        }
        let rounded = round_up_to_page(size).ok_or(VmError::OutOfRange)?;
        let base = match self.view {
            View::Slice { offset: base, .. } => base,
            View::Own | View::Reference => 0,
        };
        let node = self.with(|h| {
            let on_root = h.is_pager_root(self.node);
            let unidirectional = on_root || (!modified && !h.parent_is_hidden(self.node));
            let at = base.checked_add(offset).ok_or(VmError::InvalidArgs)?;
            if unidirectional {
                h.check_root_extent(self.node, at, rounded)?;
                let node = h.unidirectional_child(self.node, koid, at, size, options)?;
                return Ok((node, h.published_size(node)));
            }
            if self.is_slice() {
                return Err(VmError::NotSupported);
            }
            if h.has_pinned_pages(self.node) {
                return Err(VmError::BadState);
            }
            let parent_ok = h.parent_is_pager_root(self.node) || h.parent_is_hidden(self.node);
            if h.has_children(self.node) || !parent_ok {
                return Err(VmError::NotSupported);
            }
            h.check_root_extent(self.node, offset, rounded)?;
            let node = h.snapshot(self.node, koid, offset, size, options)?;
            Ok((node, h.published_size(node)))
        })?;
        Ok(self.register_child(koid, node, View::Own, options, 0))
    }

    /// Creates a SLICE child: a window `[offset, offset + size)` that shares this VMO's pages
    /// both ways. `size` is rounded up to whole pages first (past the maximum →
    /// `OutOfRange`); the slice's content size is the unrounded `size`. Then, in order: an
    /// unaligned offset, a window that overflows or lies outside this VMO → `InvalidArgs`;
    /// this VMO resizable → `NotSupported`.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4 * 4096, 0);
    /// let parent = vm.create_vmo(1, 2 * 4096, Default::default()).unwrap();
    /// let slice = parent.create_slice(2, 4096, 4096).unwrap();
    /// slice.write(b"shared", 0).unwrap();
    /// let mut seen = [0u8; 6];
    /// parent.read(&mut seen, 4096).unwrap();
    /// assert_eq!(&seen, b"shared");
    /// ```
    pub fn create_slice(&self, koid: u64, offset: u64, size: u64) -> Result<Arc<Vmo>, VmError> {
        let content_size = size;
        let size = round_up_to_page(size).ok_or(VmError::OutOfRange)?;
        if offset % PAGE != 0 {
            return Err(VmError::InvalidArgs);
        }
        let end = offset.checked_add(size).ok_or(VmError::InvalidArgs)?;
        if end > self.size() {
            return Err(VmError::InvalidArgs);
        }
        let base = match self.view {
            View::Slice { offset: base, .. } => base,
            View::Own | View::Reference => 0,
        };
        let resizable = self.with_shared(|h| h.is_resizable(self.node));
        if resizable {
            return Err(VmError::NotSupported);
        }
        self.with(|h| h.add_user(self.node));
        let view = View::Slice { offset: base + offset, size };
        let node = (self.node, self.node_size.clone());
        Ok(self.register_child(koid, node, view, VmoOptions::default(), content_size))
    }

    /// Creates a REFERENCE child: it shares everything with this VMO, size changes and
    /// content size included. A slice, contiguous or physical VMO → `NotSupported`;
    /// `resizable` on a VMO that is not → `NotSupported`.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4 * 4096, 0);
    /// let parent = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// let reference = parent.create_reference(2, false).unwrap();
    /// reference.write(b"same", 0).unwrap();
    /// let mut seen = [0u8; 4];
    /// parent.read(&mut seen, 0).unwrap();
    /// assert_eq!(&seen, b"same");
    /// ```
    pub fn create_reference(&self, koid: u64, resizable: bool) -> Result<Arc<Vmo>, VmError> {
        if self.is_slice() || self.is_physical() || self.is_contiguous() {
            return Err(VmError::NotSupported);
        }
        let node_resizable = self.with_shared(|h| h.is_resizable(self.node));
        if resizable && !node_resizable {
            return Err(VmError::NotSupported);
        }
        self.with(|h| h.add_user(self.node));
        // A reference is as resizable as what it refers to, whatever `resizable` says (that
        // only decides whether its handle gets RESIZE).
        let options = VmoOptions { resizable: node_resizable, ..VmoOptions::default() };
        let node = (self.node, self.node_size.clone());
        Ok(self.register_child(koid, node, View::Reference, options, 0))
    }

    fn register_child(
        &self,
        koid: u64,
        node: (NodeId, Arc<AtomicU64>),
        view: View,
        options: VmoOptions,
        slice_content_size: u64,
    ) -> Arc<Vmo> {
        let vmo = Vmo::on_node(
            self.vm.clone(),
            koid,
            self.cell.clone(),
            node,
            view,
            options,
            slice_content_size,
            self.physical_base,
        );
        self.vm.register(&vmo);
        vmo
    }

    /// Every node of this VMO's hierarchy, for pictures and debugging.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(4096, 0x1000);
    /// let vmo = vm.create_vmo(1, 4096, Default::default()).unwrap();
    /// vmo.write(&[1], 0).unwrap();
    /// assert_eq!(vmo.family()[0].pages[0].paddr, Some(0x1000));
    /// ```
    pub fn family(&self) -> Vec<FamilyNode> {
        let allocator = self.vm.allocator();
        self.with_shared(|h| h.describe(allocator))
    }

    /// The node id of this VMO within its hierarchy.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// let vmo = vm.create_vmo(1, 0, Default::default()).unwrap();
    /// assert_eq!(vmo.node_id(), vmo.family()[0].id);
    /// ```
    pub fn node_id(&self) -> usize {
        self.node
    }
}

impl Drop for Vmo {
    fn drop(&mut self) {
        let allocator = self.vm.allocator();
        self.cell.state.write().remove_user(allocator, self.node);
        // Last: until here the registry keeps the hierarchy, and so the pages that were
        // just given back, in view of `Vm::check_invariants`.
        let key = self.registry_key.load(Ordering::Acquire);
        if key != NO_KEY {
            self.vm.unregister(key);
        }
    }
}
