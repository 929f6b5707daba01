//! The VMAR tree of one address space and the operations on it. Everything here runs under
//! the address space's lock; the syscalls in `calls/vmar.rs` make the checks first and call
//! these only for changes that cannot fail (all or nothing).

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use zx_vm::sync::Arc;

use super::{MappingHold, VmarId, ROOT_VMAR, USER_ASPACE_BASE, USER_ASPACE_SIZE};
use crate::object::VmoObject;
use crate::zx::{self, zx_koid_t};

const PAGE: u64 = zx::ZX_PAGE_SIZE;
/// The PERM bits a protection is made of.
pub(crate) const PERMS: u32 = zx::ZX_VM_PERM_READ | zx::ZX_VM_PERM_WRITE | zx::ZX_VM_PERM_EXECUTE;

/// A mapping: `[base, base + size)` shows `[vmo_offset, vmo_offset + size)` of a VMO.
///
/// Invariants: `base`, `size` and `vmo_offset` are page aligned, `size > 0`; `prot` is a
/// list of runs `(start, perms)` relative to `base`, the first at 0, starts increasing and
/// page aligned, below `size`, two neighbours never equal; every run's perms are within
/// `max`.
#[derive(Debug)]
pub(crate) struct Mapping {
    pub(crate) base: u64,
    pub(crate) size: u64,
    pub(crate) vmo_offset: u64,
    /// PERM bits `vmar_protect` may grant.
    pub(crate) max: u32,
    /// Lasting options: ALLOW_FAULTS and FAULT_BEYOND_STREAM_SIZE.
    pub(crate) flags: u32,
    pub(crate) prot: Vec<(u64, u32)>,
    pub(crate) hold: MappingHold,
}

impl Mapping {
    pub(crate) fn end(&self) -> u64 {
        self.base + self.size
    }

    pub(crate) fn vmo(&self) -> &Arc<VmoObject> {
        self.hold.vmo()
    }

    /// The protection of the page holding `vaddr` (inside the mapping).
    pub(crate) fn prot_at(&self, vaddr: u64) -> u32 {
        let rel = vaddr - self.base;
        let i = self.prot.partition_point(|(start, _)| *start <= rel);
        self.prot[i.saturating_sub(1)].1
    }

    /// Where the protection run holding `vaddr` ends (absolute).
    pub(crate) fn prot_run_end(&self, vaddr: u64) -> u64 {
        let rel = vaddr - self.base;
        let i = self.prot.partition_point(|(start, _)| *start <= rel);
        self.prot.get(i).map_or(self.end(), |(start, _)| self.base + start)
    }

    /// The runs `(start, end, perms)` (absolute) meeting `[start, end)`, clipped to it.
    pub(crate) fn runs_in(&self, start: u64, end: u64) -> Vec<(u64, u64, u32)> {
        let mut out = Vec::new();
        for (i, &(rel, perms)) in self.prot.iter().enumerate() {
            let run_start = self.base + rel;
            let run_end = self.prot.get(i + 1).map_or(self.end(), |(next, _)| self.base + next);
            let (s, e) = (run_start.max(start), run_end.min(end));
            if s < e {
                out.push((s, e, perms));
            }
        }
        out
    }

    /// Gives `[start, end)` (absolute, page aligned, inside) the protection `perms`.
    pub(crate) fn set_prot(&mut self, start: u64, end: u64, perms: u32) {
        let mut pages: Vec<(u64, u64, u32)> = self.runs_in(self.base, self.end());
        let mut next = Vec::new();
        for (s, e, p) in pages.drain(..) {
            if e <= start || s >= end {
                next.push((s, e, p));
                continue;
            }
            if s < start {
                next.push((s, start, p));
            }
            next.push((s.max(start), e.min(end), perms));
            if e > end {
                next.push((end, e, p));
            }
        }
        self.prot = normalize(self.base, &next);
    }

    /// Cuts the mapping at `at` (page aligned, strictly inside): `self` keeps the lower
    /// part, the upper part is returned (with a hold of its own on the VMO).
    pub(crate) fn split_off(&mut self, at: u64) -> Mapping {
        let upper_runs = self.runs_in(at, self.end());
        let lower_runs = self.runs_in(self.base, at);
        let upper = Mapping {
            base: at,
            size: self.end() - at,
            vmo_offset: self.vmo_offset + (at - self.base),
            max: self.max,
            flags: self.flags,
            prot: normalize(at, &upper_runs),
            hold: self.hold.another(),
        };
        self.size = at - self.base;
        self.prot = normalize(self.base, &lower_runs);
        upper
    }

    /// Can `next` (right after `self` in the same VMAR) join it?
    fn joins(&self, next: &Mapping) -> bool {
        Arc::ptr_eq(self.vmo(), next.vmo())
            && self.end() == next.base
            && self.vmo_offset.checked_add(self.size) == Some(next.vmo_offset)
            && self.max == next.max
            && self.flags == next.flags
            && self.prot.len() == 1
            && next.prot.len() == 1
            && self.prot[0].1 == next.prot[0].1
    }
}

/// Absolute runs `(start, end, perms)`, contiguous from `base`, as a normalized prot list.
fn normalize(base: u64, runs: &[(u64, u64, u32)]) -> Vec<(u64, u32)> {
    let mut out: Vec<(u64, u32)> = Vec::new();
    for &(s, _, p) in runs {
        if out.last().is_some_and(|&(_, last)| last == p) {
            continue;
        }
        out.push((s - base, p));
    }
    if out.is_empty() {
        out.push((0, 0));
    }
    out
}

/// A child of a VMAR.
#[derive(Debug)]
pub(crate) enum Child {
    /// A sub-VMAR (its node is in the address space's table); `end` is its end address.
    Vmar { id: VmarId, end: u64 },
    /// A mapping.
    Mapping(Mapping),
}

impl Child {
    pub(crate) fn end(&self) -> u64 {
        match self {
            Child::Vmar { end, .. } => *end,
            Child::Mapping(m) => m.end(),
        }
    }
}

/// One VMAR in the tree.
///
/// Invariant: `children` is keyed by each child's base; the children lie inside
/// `[base, base + len)` and do not overlap.
#[derive(Debug)]
pub(crate) struct VmarNode {
    pub(crate) koid: zx_koid_t,
    pub(crate) base: u64,
    pub(crate) len: u64,
    pub(crate) parent: Option<VmarId>,
    pub(crate) children: BTreeMap<u64, Child>,
}

impl VmarNode {
    pub(crate) fn end(&self) -> u64 {
        self.base + self.len
    }

    /// The end of `[addr, addr + len)` when that range lies inside this VMAR (overflow
    /// included), for the calls that act on a range of it.
    pub(crate) fn end_of_range_inside(&self, addr: u64, len: u64) -> Option<u64> {
        addr.checked_add(len).filter(|&end| addr >= self.base && end <= self.end())
    }

    /// True when no child meets `[start, end)`.
    pub(crate) fn is_free(&self, start: u64, end: u64) -> bool {
        self.children.range(..end).next_back().is_none_or(|(_, c)| c.end() <= start)
    }

    /// The children meeting `[start, end)`, in address order, as (base, end).
    pub(crate) fn meeting(&self, start: u64, end: u64) -> Vec<u64> {
        let first = self
            .children
            .range(..=start)
            .next_back()
            .filter(|(_, c)| c.end() > start)
            .map(|(b, _)| *b);
        first
            .into_iter()
            .chain(
                self.children.range(start..end).map(|(b, _)| *b).filter(move |b| Some(*b) != first),
            )
            .collect()
    }
}

/// The whole tree of one address space.
///
/// Invariants: `vmars` holds every live VMAR, the root at [`ROOT_VMAR`] until the process
/// ends; a node's `parent` lists it as a `Child::Vmar` and vice versa; `ended` once set
/// stays set and `vmars` is then empty.
#[derive(Debug)]
pub(crate) struct AspaceState {
    pub(crate) vmars: BTreeMap<VmarId, VmarNode>,
    next_id: VmarId,
    rng: Option<rand::rngs::StdRng>,
    ended: bool,
}

impl AspaceState {
    pub(crate) fn new(process_koid: zx_koid_t, root_koid: zx_koid_t, seed: Option<u64>) -> Self {
        let root = VmarNode {
            koid: root_koid,
            base: USER_ASPACE_BASE,
            len: USER_ASPACE_SIZE,
            parent: None,
            children: BTreeMap::new(),
        };
        AspaceState {
            vmars: BTreeMap::from([(ROOT_VMAR, root)]),
            next_id: ROOT_VMAR + 1,
            rng: seed.map(|s| rand::rngs::StdRng::seed_from_u64(s ^ process_koid.rotate_left(17))),
            ended: false,
        }
    }

    pub(crate) fn ended(&self) -> bool {
        self.ended
    }

    /// Empties the tree for good; hands back what it held, to be dropped outside the lock.
    pub(crate) fn end(&mut self) -> BTreeMap<VmarId, VmarNode> {
        self.ended = true;
        std::mem::take(&mut self.vmars)
    }

    /// The live VMAR `id`, or `None` once destroyed.
    pub(crate) fn vmar(&self, id: VmarId) -> Option<&VmarNode> {
        self.vmars.get(&id)
    }

    /// Where a `size`-byte child aligned to `align` fits in VMAR `id` below `limit`
    /// (absolute end; the VMAR's end without UPPER_LIMIT): the lowest spot, or a random one
    /// when placement is seeded.
    pub(crate) fn place(&mut self, id: VmarId, size: u64, align: u64, limit: u64) -> Option<u64> {
        let node = self.vmars.get(&id)?;
        let limit = limit.min(node.end());
        // Gaps between children, as (first candidate, count of candidates).
        let mut spots: Vec<(u64, u128)> = Vec::new();
        let mut cursor = node.base;
        let mut gaps: Vec<(u64, u64)> = Vec::new();
        for (base, child) in &node.children {
            if *base > cursor {
                gaps.push((cursor, *base));
            }
            cursor = cursor.max(child.end());
        }
        gaps.push((cursor, node.end()));
        for (start, end) in gaps {
            let end = end.min(limit);
            let Some(first) = start.checked_add(align - 1).map(|a| a & !(align - 1)) else {
                continue;
            };
            let Some(last_start) = end.checked_sub(size) else { continue };
            if first > last_start || first < start {
                continue;
            }
            let last = last_start & !(align - 1);
            if last < first {
                continue;
            }
            spots.push((first, u128::from((last - first) / align) + 1));
            if self.rng.is_none() {
                break;
            }
        }
        let (first, _) = *spots.first()?;
        let Some(rng) = self.rng.as_mut() else { return Some(first) };
        let total: u128 = spots.iter().map(|(_, n)| n).sum();
        let mut pick = (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())) % total;
        for (first, count) in spots {
            if pick < count {
                return Some(first + (pick as u64) * align);
            }
            pick -= count;
        }
        None
    }

    /// The id the next [`AspaceState::add_vmar`] gives.
    pub(crate) fn peek_next_id(&self) -> VmarId {
        self.next_id
    }

    /// Adds an empty sub-VMAR of `parent` at `[base, base + len)` (free, inside).
    pub(crate) fn add_vmar(
        &mut self,
        parent: VmarId,
        koid: zx_koid_t,
        base: u64,
        len: u64,
    ) -> VmarId {
        let id = self.next_id;
        self.next_id += 1;
        let node = VmarNode { koid, base, len, parent: Some(parent), children: BTreeMap::new() };
        self.vmars.insert(id, node);
        if let Some(p) = self.vmars.get_mut(&parent) {
            p.children.insert(base, Child::Vmar { id, end: base + len });
        }
        id
    }

    /// Removes VMAR `id` (not the root) and everything below it; returns what it held,
    /// to be dropped by the caller (outside the lock, if it likes).
    pub(crate) fn destroy_vmar(&mut self, id: VmarId) -> Vec<VmarNode> {
        let mut removed = Vec::new();
        let Some(node) = self.vmars.get(&id) else { return removed };
        let (parent, base) = (node.parent, node.base);
        if let Some(parent) = parent.and_then(|p| self.vmars.get_mut(&p)) {
            parent.children.remove(&base);
        }
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            if let Some(node) = self.vmars.remove(&id) {
                stack.extend(node.children.values().filter_map(|c| match c {
                    Child::Vmar { id, .. } => Some(*id),
                    Child::Mapping(_) => None,
                }));
                removed.push(node);
            }
        }
        removed
    }

    /// Removes the mappings of VMAR `id` in `[start, end)`, trimming or splitting those
    /// crossing an end, and destroys the sub-VMARs inside (the caller checked that every
    /// sub-VMAR meeting the range is inside it). Returns what went, to be dropped later.
    pub(crate) fn unmap(
        &mut self,
        id: VmarId,
        start: u64,
        end: u64,
    ) -> (Vec<Mapping>, Vec<VmarNode>) {
        let mut gone = Vec::new();
        let mut vmars = Vec::new();
        let Some(node) = self.vmars.get_mut(&id) else { return (gone, vmars) };
        let mut sub = Vec::new();
        for base in node.meeting(start, end) {
            let Some(child) = node.children.remove(&base) else { continue };
            match child {
                Child::Vmar { id, .. } => {
                    sub.push(id);
                    // Put it back for destroy_vmar to unlink.
                    node.children.insert(base, child);
                }
                Child::Mapping(mut m) => {
                    let mut keep = Vec::new();
                    if m.base < start {
                        let upper = m.split_off(start);
                        keep.push(m);
                        m = upper;
                    }
                    if m.end() > end {
                        let upper = m.split_off(end);
                        keep.push(upper);
                    }
                    gone.push(m);
                    for k in keep {
                        node.children.insert(k.base, Child::Mapping(k));
                    }
                }
            }
        }
        for id in sub {
            vmars.extend(self.destroy_vmar(id));
        }
        (gone, vmars)
    }

    /// Inserts `mapping` into VMAR `id` (its range is free) and merges it with neighbours
    /// that can join it.
    pub(crate) fn insert_mapping(&mut self, id: VmarId, mapping: Mapping) -> Vec<Mapping> {
        let mut dropped = Vec::new();
        let Some(node) = self.vmars.get_mut(&id) else { return vec![mapping] };
        let mut mapping = mapping;
        // Join the previous one.
        if let Some((&prev_base, Child::Mapping(prev))) =
            node.children.range(..mapping.base).next_back()
        {
            if prev.joins(&mapping) {
                if let Some(Child::Mapping(mut prev)) = node.children.remove(&prev_base) {
                    prev.size += mapping.size;
                    dropped.push(std::mem::replace(&mut mapping, prev));
                }
            }
        }
        let end = mapping.end();
        if let Some(Child::Mapping(next)) = node.children.get(&end) {
            if mapping.joins(next) {
                if let Some(Child::Mapping(next)) = node.children.remove(&end) {
                    mapping.size += next.size;
                    dropped.push(next);
                }
            }
        }
        node.children.insert(mapping.base, Child::Mapping(mapping));
        dropped
    }

    /// The mapping holding `vaddr` and the depth of its VMAR below the root, if any.
    pub(crate) fn find_mapping(&self, vaddr: u64) -> Option<&Mapping> {
        let mut node = self.vmars.get(&ROOT_VMAR)?;
        loop {
            let (_, child) = node.children.range(..=vaddr).next_back()?;
            if child.end() <= vaddr {
                return None;
            }
            match child {
                Child::Vmar { id, .. } => node = self.vmars.get(id)?,
                Child::Mapping(m) => return Some(m),
            }
        }
    }

    pub(crate) fn find_mapping_mut(&mut self, vaddr: u64) -> Option<&mut Mapping> {
        let mut id = ROOT_VMAR;
        loop {
            let node = self.vmars.get(&id)?;
            let (_, child) = node.children.range(..=vaddr).next_back()?;
            if child.end() <= vaddr {
                return None;
            }
            match child {
                Child::Vmar { id: sub, .. } => id = *sub,
                Child::Mapping(_) => break,
            }
        }
        let node = self.vmars.get_mut(&id)?;
        match node.children.range_mut(..=vaddr).next_back() {
            Some((_, Child::Mapping(m))) => Some(m),
            _ => None,
        }
    }

    /// The mappings meeting `[start, end)` below VMAR `id`, at any depth, in address
    /// order: (mapping base, whether it is in a sub-VMAR of `id`).
    pub(crate) fn mappings_in(&self, id: VmarId, start: u64, end: u64) -> Vec<(&Mapping, bool)> {
        let mut out = Vec::new();
        self.collect(id, start, end, false, &mut out);
        out
    }

    fn collect<'a>(
        &'a self,
        id: VmarId,
        start: u64,
        end: u64,
        nested: bool,
        out: &mut Vec<(&'a Mapping, bool)>,
    ) {
        let Some(node) = self.vmars.get(&id) else { return };
        for base in node.meeting(start, end) {
            match node.children.get(&base) {
                Some(Child::Vmar { id, .. }) => self.collect(*id, start, end, true, out),
                Some(Child::Mapping(m)) => out.push((m, nested)),
                None => {}
            }
        }
    }

    /// Visits VMAR `id` and everything below it depth first, in address order.
    pub(crate) fn walk<'a>(
        &'a self,
        id: VmarId,
        depth: u64,
        visit: &mut dyn FnMut(u64, WalkItem<'a>),
    ) {
        let Some(node) = self.vmars.get(&id) else { return };
        visit(depth, WalkItem::Vmar(node, id));
        for child in node.children.values() {
            match child {
                Child::Vmar { id, .. } => self.walk(*id, depth + 1, visit),
                Child::Mapping(m) => visit(depth + 1, WalkItem::Mapping(m)),
            }
        }
    }

    /// Checks the invariants of the tree; collects every mapping's VMO into `mapped`.
    pub(crate) fn check(
        &self,
        process: zx_koid_t,
        mapped: &mut Vec<(Arc<VmoObject>, zx_koid_t)>,
    ) -> Result<(), String> {
        if self.ended && !self.vmars.is_empty() {
            return Err(format!("process {process}: ended with VMARs left"));
        }
        for (id, node) in &self.vmars {
            if node.base.checked_add(node.len).is_none() {
                return Err(format!("process {process}: VMAR {} wraps", node.koid));
            }
            if let Some(parent) = node.parent {
                let Some(p) = self.vmars.get(&parent) else {
                    return Err(format!("process {process}: VMAR {} has a dead parent", node.koid));
                };
                match p.children.get(&node.base) {
                    Some(Child::Vmar { id: child, end }) if child == id && *end == node.end() => {}
                    _ => {
                        return Err(format!(
                            "process {process}: VMAR {} not listed by its parent",
                            node.koid
                        ))
                    }
                }
            } else if *id != ROOT_VMAR {
                return Err(format!("process {process}: VMAR {} has no parent", node.koid));
            }
            let mut cursor = node.base;
            for (base, child) in &node.children {
                if *base < cursor {
                    return Err(format!(
                        "process {process}: children of VMAR {} overlap at {base:#x}",
                        node.koid
                    ));
                }
                if child.end() > node.end() || child.end() <= *base {
                    return Err(format!(
                        "process {process}: child at {base:#x} outside VMAR {}",
                        node.koid
                    ));
                }
                match child {
                    Child::Vmar { id: sub, .. } => {
                        if self
                            .vmars
                            .get(sub)
                            .is_none_or(|s| s.parent != Some(*id) || s.base != *base)
                        {
                            return Err(format!("process {process}: sub-VMAR at {base:#x} of VMAR {} is not linked back", node.koid));
                        }
                    }
                    Child::Mapping(m) => {
                        if m.base != *base
                            || m.base % PAGE != 0
                            || m.size % PAGE != 0
                            || m.vmo_offset % PAGE != 0
                        {
                            return Err(format!(
                                "process {process}: mapping at {base:#x} misaligned"
                            ));
                        }
                        if m.prot.first().map(|r| r.0) != Some(0)
                            || m.prot.windows(2).any(|w| w[0].0 >= w[1].0 || w[0].1 == w[1].1)
                            || m.prot.iter().any(|(s, p)| *s >= m.size || p & !m.max != 0)
                        {
                            return Err(format!(
                                "process {process}: mapping at {base:#x} has bad protections"
                            ));
                        }
                        if m.hold.process() != process {
                            return Err(format!(
                                "process {process}: mapping at {base:#x} counted for process {}",
                                m.hold.process()
                            ));
                        }
                        mapped.push((m.vmo().clone(), process));
                    }
                }
                cursor = child.end();
            }
        }
        Ok(())
    }
}

/// What [`AspaceState::walk`] visits.
pub(crate) enum WalkItem<'a> {
    Vmar(&'a VmarNode, VmarId),
    Mapping(&'a Mapping),
}

/// The alignment an options word asks for (at least a page), or `None` if its alignment
/// field is neither 0 nor 10..=32.
pub(crate) fn alignment(options: u32) -> Option<u64> {
    match options >> zx::ZX_VM_ALIGN_BASE {
        0 => Some(PAGE),
        log2 @ 10..=32 => Some((1u64 << log2).max(PAGE)),
        _ => None,
    }
}
