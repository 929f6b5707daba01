//! Memory attribution (RFC-0254): how much of each page a VMO is charged.
//!
//! For a page that `n` visible VMOs can see, each of them counts it fully in
//! `committed_bytes`, only if `n == 1` in `committed_private_bytes`, and `PAGE_SIZE / n` in
//! `committed_scaled_bytes`, whose fraction of a byte accumulates in
//! `committed_fractional_scaled_bytes` in units of 2^-63 bytes. Figures are computed when
//! asked, so creating a snapshot costs nothing per page.

use super::hierarchy::{Hierarchy, NodeId, PAGE};
use super::VmoInfo;

/// One fixed-point byte: fractions are kept in units of 2^-63 bytes.
const FRACTION_ONE: u128 = 1 << 63;

/// Sums of per-page shares.
#[derive(Default)]
struct Tally {
    committed: u64,
    private: u64,
    scaled: u64,
    fraction: u128,
}

impl Tally {
    fn add_page(&mut self, viewers: usize) {
        let viewers = viewers.max(1) as u64;
        self.committed += PAGE;
        if viewers == 1 {
            self.private += PAGE;
        }
        self.scaled += PAGE / viewers;
        self.fraction += (u128::from(PAGE % viewers) * FRACTION_ONE) / u128::from(viewers);
        let whole = (self.fraction / FRACTION_ONE) as u64;
        self.scaled += whole;
        self.fraction -= u128::from(whole) * FRACTION_ONE;
    }
}

impl Hierarchy {
    /// Attribution of the pages `node` sees (its own and its ancestors'), and its shape.
    pub(crate) fn info(&self, node: NodeId) -> VmoInfo {
        let n = &self.nodes[node];
        let mut tally = Tally::default();
        // A pager root's pages are charged to it alone, and never to the clones that see
        // them (they are the pager's, not the clones').
        let on_pager_root = self.is_pager_root(node);
        for (index, slot) in n.pages.iter() {
            if slot.frame().is_some() {
                let viewers =
                    if on_pager_root { 1 } else { self.count_viewers(node, index, usize::MAX) };
                tally.add_page(viewers);
            }
        }
        for (_, owner, at) in self.ancestor_pages(node, 0, n.size / PAGE) {
            if !self.is_pager_root(owner) {
                tally.add_page(self.count_viewers(owner, at, usize::MAX));
            }
        }
        VmoInfo {
            size_bytes: n.size,
            committed_bytes: tally.committed,
            committed_private_bytes: tally.private,
            committed_scaled_bytes: tally.scaled,
            committed_fractional_scaled_bytes: tally.fraction as u64,
            metadata_bytes: n.pages.metadata_bytes(),
        }
    }
}
