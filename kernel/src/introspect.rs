//! Pictures of the kernel's insides: every VMO family (clone hierarchy) with its nodes,
//! windows and pages, for `zxemu tree` and for debugging.

use std::collections::BTreeMap;

use crate::Kernel;

/// One clone hierarchy.
///
/// ```
/// let kernel = zx_kernel::Kernel::new(Default::default());
/// let process = kernel.create_process();
/// process.vmo_create(4096, 0).unwrap();
/// let families = zx_kernel::introspect::families(&kernel);
/// assert_eq!(families.len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Family {
    /// The hierarchy's id.
    pub id: u64,
    /// Its nodes.
    pub nodes: Vec<Node>,
}

/// One node of a family.
///
/// ```
/// let kernel = zx_kernel::Kernel::new(Default::default());
/// let p = kernel.create_process();
/// let vmo = p.vmo_create(4096, 0).unwrap();
/// let node = &zx_kernel::introspect::families(&kernel)[0].nodes[0];
/// assert!(!node.hidden);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Node id within the family.
    pub id: usize,
    /// Koid of the VMO this node backs; `None` for hidden nodes.
    pub koid: Option<u64>,
    /// The VMO's name ("" if none or hidden).
    pub name: String,
    /// True for a hidden node (owns pages shared by its children).
    pub hidden: bool,
    /// Parent node id within the family.
    pub parent: Option<usize>,
    /// Bytes: this node's window into its parent starts here.
    pub parent_offset: u64,
    /// Bytes: how much of the parent this node can still see.
    pub parent_limit: u64,
    /// Bytes.
    pub size: u64,
    /// Slots this node owns, sorted by offset.
    pub pages: Vec<Page>,
    /// Slices and references that share this node's pages.
    pub aliases: Vec<Alias>,
}

/// One slot of a node.
///
/// ```
/// let page = zx_kernel::introspect::Page { offset: 0, paddr: None, pin_count: 0 };
/// assert!(page.paddr.is_none()); // a zero marker
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// Byte offset in the node.
    pub offset: u64,
    /// Physical address; `None` for a zero marker.
    pub paddr: Option<u64>,
    /// Pins held.
    pub pin_count: u32,
}

/// A slice or reference sharing a node.
///
/// ```
/// use zx_kernel::introspect::{Alias, AliasKind};
/// let alias = Alias { koid: 1, kind: AliasKind::Slice, offset: 0, size: 4096 };
/// assert_eq!(alias.kind, AliasKind::Slice);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alias {
    /// The alias VMO's koid.
    pub koid: u64,
    /// Slice or reference.
    pub kind: AliasKind,
    /// Byte offset of its window in the node.
    pub offset: u64,
    /// Bytes.
    pub size: u64,
}

pub use zx_vm::AliasKind;
pub use zx_vm::{PagerSlotState, PagerView};

fn name_string(raw: &[u8]) -> String {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    String::from_utf8_lossy(&raw[..end]).into_owned()
}

/// Every live VMO family of the kernel, ordered by family id.
///
/// ```
/// let kernel = zx_kernel::Kernel::new(Default::default());
/// let p = kernel.create_process();
/// let vmo = p.vmo_create(4096, 0).unwrap();
/// p.vmo_write(vmo, &[1], 0).unwrap();
/// let families = zx_kernel::introspect::families(&kernel);
/// assert_eq!(families[0].nodes[0].pages.len(), 1);
/// ```
pub fn families(kernel: &Kernel) -> Vec<Family> {
    let vmos = kernel.core().vm().live_vmos();
    let mut by_family: BTreeMap<u64, Family> = BTreeMap::new();
    for vmo in &vmos {
        let family = by_family.entry(vmo.hierarchy_id()).or_insert_with(|| Family {
            id: vmo.hierarchy_id(),
            nodes: vmo.family().into_iter().map(node_from).collect(),
        });
        let Some(node) = family.nodes.iter_mut().find(|n| n.id == vmo.node_id()) else {
            continue;
        };
        match vmo.alias() {
            Some((kind, offset, size)) => {
                node.aliases.push(Alias { koid: vmo.koid(), kind, offset, size });
                node.aliases.sort_by_key(|a| a.koid);
            }
            None => node.name = name_string(&vmo.name()),
        }
    }
    by_family.into_values().collect()
}

/// The pager side of every live pager-backed family, by family id (see [`families`]): which
/// node is the pager VMO, its pages' dirty states, where its untracked zeros begin, and
/// whether it is detached.
///
/// ```
/// let kernel = zx_kernel::Kernel::new(Default::default());
/// let p = kernel.create_process();
/// let pager = p.pager_create(0).unwrap();
/// let port = p.port_create(0).unwrap();
/// p.pager_create_vmo(pager, 0, port, 1, 8192).unwrap();
/// p.vmo_create(4096, 0).unwrap();
/// let views = zx_kernel::introspect::pager_views(&kernel);
/// assert_eq!(views.len(), 1);
/// assert_eq!(views.values().next().unwrap().untracked_from, 8192);
/// ```
pub fn pager_views(kernel: &Kernel) -> BTreeMap<u64, PagerView> {
    let mut views = BTreeMap::new();
    for vmo in kernel.core().vm().live_vmos() {
        if views.contains_key(&vmo.hierarchy_id()) {
            continue;
        }
        if let Some(view) = vmo.pager_view() {
            views.insert(vmo.hierarchy_id(), view);
        }
    }
    views
}

fn node_from(node: zx_vm::FamilyNode) -> Node {
    Node {
        id: node.id,
        koid: node.koid,
        name: String::new(),
        hidden: node.koid.is_none(),
        parent: node.parent,
        parent_offset: node.parent_offset,
        parent_limit: node.parent_limit,
        size: node.size,
        pages: node
            .pages
            .into_iter()
            .map(|p| Page { offset: p.offset, paddr: p.paddr, pin_count: p.pin_count })
            .collect(),
        aliases: Vec::new(),
    }
}

/// Bytes of bookkeeping the kernel's physical page allocator keeps for its whole RAM (its
/// tables, not the pages themselves): what `zxemu bench` adds to a VMO's `metadata_bytes`.
///
/// ```
/// let kernel = zx_kernel::Kernel::new(Default::default());
/// assert!(zx_kernel::introspect::allocator_metadata_bytes(&kernel) > 0);
/// ```
pub fn allocator_metadata_bytes(kernel: &Kernel) -> u64 {
    kernel.core().vm().allocator().metadata_bytes()
}

/// The address space of `process` as `ZX_INFO_PROCESS_MAPS` describes it (the address
/// space, the root VMAR, then every VMAR and mapping run depth first, in address order),
/// read without a handle, for pictures. Empty once the process has ended.
///
/// ```
/// use zx_kernel::zx::*;
/// let kernel = zx_kernel::Kernel::new(Default::default());
/// let p = kernel.create_process();
/// let vmo = p.vmo_create(4096, 0).unwrap();
/// p.vmar_map(p.vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 0, 4096).unwrap();
/// let records = zx_kernel::introspect::address_space(&p);
/// assert_eq!(records.last().unwrap().type_, ZX_INFO_MAPS_TYPE_MAPPING);
/// ```
pub fn address_space(process: &crate::Process) -> Vec<crate::zx::zx_info_maps_t> {
    process.core().address_space_records()
}
