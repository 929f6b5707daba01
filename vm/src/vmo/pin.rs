//! Pinning: per-page pin counts that keep a page committed, in place, and unmovable.
//!
//! A pinned page cannot be decommitted, cut off by a shrink, snapshotted or transferred;
//! ZERO zeroes it in place. A page's pin count stops at [`MAX_PINS`].

use super::hierarchy::{Hierarchy, NodeId, PAGE};
use crate::allocator::PageAllocator;
use crate::error::VmError;
use crate::page_list::Slot;

/// The most pins one page can hold; one more is `Unavailable`.
pub const MAX_PINS: u8 = 31;

impl Hierarchy {
    /// Pins the pages `[first, end)` of `node`, committing them first (forking copy-on-write
    /// content in), and returns their frames' physical addresses. All or nothing:
    /// `Unavailable` if a page already has `MAX_PINS` pins, `NoMemory` if pages run out.
    pub(crate) fn pin(
        &mut self,
        allocator: &PageAllocator,
        node: NodeId,
        first: u64,
        end: u64,
    ) -> Result<Vec<u64>, VmError> {
        self.check_pins_left(node, first, end)?;
        self.commit(allocator, node, first * PAGE, (end - first) * PAGE)?;
        let n = &mut self.nodes[node];
        let mut addresses = Vec::with_capacity((end - first) as usize);
        for (_, slot) in n.pages.range_mut(first, end) {
            if let Slot::Page(page) = slot {
                if page.pin_count == 0 {
                    n.pinned += 1;
                }
                page.pin_count += 1;
                addresses.push(allocator.paddr(&page.frame));
            }
        }
        Ok(addresses)
    }

    /// `Unavailable` if a page of `[first, end)` of `node` already has [`MAX_PINS`] pins: the
    /// pin's one refusal that its commit must not come before.
    pub(crate) fn check_pins_left(
        &self,
        node: NodeId,
        first: u64,
        end: u64,
    ) -> Result<(), VmError> {
        let saturated = self.nodes[node]
            .pages
            .range(first, end)
            .any(|(_, slot)| matches!(slot, Slot::Page(p) if p.pin_count >= MAX_PINS));
        if saturated {
            Err(VmError::Unavailable)
        } else {
            Ok(())
        }
    }

    /// Releases one pin on each page of `[first, end)` of `node`.
    pub(crate) fn unpin(&mut self, node: NodeId, first: u64, end: u64) {
        let n = &mut self.nodes[node];
        for (_, slot) in n.pages.range_mut(first, end) {
            if let Slot::Page(page) = slot {
                debug_assert!(page.pin_count > 0, "unpin of an unpinned page");
                page.pin_count = page.pin_count.saturating_sub(1);
                if page.pin_count == 0 {
                    n.pinned -= 1;
                }
            }
        }
    }

    /// Pins pages of a physical VMO (which have no slots): only the counts change.
    pub(crate) fn pin_device(&mut self, node: NodeId, first: u64, end: u64) -> Result<(), VmError> {
        let pins = &mut self.nodes[node].device_pins;
        if (first..end).any(|i| pins.get(&i).copied().unwrap_or(0) >= MAX_PINS) {
            return Err(VmError::Unavailable);
        }
        for index in first..end {
            *pins.entry(index).or_insert(0) += 1;
        }
        Ok(())
    }

    /// Releases one pin on each page of `[first, end)` of a physical VMO.
    pub(crate) fn unpin_device(&mut self, node: NodeId, first: u64, end: u64) {
        let pins = &mut self.nodes[node].device_pins;
        for index in first..end {
            if let Some(count) = pins.get_mut(&index) {
                *count -= 1;
                if *count == 0 {
                    pins.remove(&index);
                }
            }
        }
    }

    /// Total pins held in this hierarchy (for the pin ledger check).
    pub(crate) fn pins_held(&self) -> u64 {
        self.nodes
            .iter()
            .map(|(_, n)| {
                let slots: u64 = n
                    .pages
                    .iter()
                    .map(|(_, slot)| match slot {
                        Slot::Page(p) => u64::from(p.pin_count),
                        Slot::Zero => 0,
                    })
                    .sum();
                slots + n.device_pins.values().map(|&c| u64::from(c)).sum::<u64>()
            })
            .sum()
    }
}
