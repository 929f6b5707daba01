//! A read-only view of a pager-backed tree's root, for pictures (`zxemu tree`) and debugging.
//! Additive: nothing here changes a tree.

use super::hierarchy::PAGE;
pub use super::paged::PagerSlotState;
use super::Vmo;

/// What the root of a pager-backed tree holds beyond its pages.
///
/// ```
/// let view = zx_vm::PagerView {
///     root: 0, untracked_from: 1, states: vec![], detached: false, modified: false,
///     trap_dirty: false,
/// };
/// assert!(view.states.is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PagerView {
    /// The node of the pager VMO (R) in its hierarchy.
    pub root: usize,
    /// Byte offset of the first untracked page (the rounded-up stream size): below it, a page
    /// of R without a slot is absent; from it on, it reads zero and is never asked for.
    pub untracked_from: u64,
    /// The byte offset and state of every slot of R that has a dirty state, in offset order.
    pub states: Vec<(u64, PagerSlotState)>,
    /// Whether the VMO was detached (or its pager died).
    pub detached: bool,
    /// The modified flag (`pager_query_vmo_stats`).
    pub modified: bool,
    /// Whether R was made with `ZX_VMO_TRAP_DIRTY`.
    pub trap_dirty: bool,
}

impl Vmo {
    /// The root of this VMO's pager-backed tree as [`PagerView`] shows it, or `None` when the
    /// tree is not pager-backed.
    ///
    /// ```
    /// let vm = zx_vm::Vm::new(0, 0);
    /// assert!(vm.create_vmo(1, 4096, Default::default()).unwrap().pager_view().is_none());
    /// ```
    pub fn pager_view(&self) -> Option<PagerView> {
        let source = self.page_source()?;
        let detached = source.is_detached();
        self.with_shared(|h| {
            let p = h.pager()?;
            let states = p.states.iter().map(|(&index, &state)| (index * PAGE, state)).collect();
            Some(PagerView {
                root: p.node,
                untracked_from: p.untracked_from.saturating_mul(PAGE),
                states,
                detached,
                modified: p.modified,
                trap_dirty: p.trap_dirty,
            })
        })
    }
}
