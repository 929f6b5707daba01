//! Golden tests of `zxemu tree`: the text and DOT pictures of a small, hand-made family.
//! Set `UPDATE_GOLDEN=1` to rewrite the files under `tests/golden/` after a deliberate change.

use std::collections::BTreeMap;
use std::path::PathBuf;
use zx_kernel::introspect::{Alias, AliasKind, Family, Node, Page};
use zxemu::scenario::render::{render_dot, render_text, RenderOptions};

fn page(index: u64, paddr: Option<u64>, pin_count: u32) -> Page {
    Page { offset: index * 4096, paddr, pin_count }
}

fn node(id: usize, koid: Option<u64>, parent: Option<usize>, pages: Vec<Page>) -> Node {
    Node {
        id,
        koid,
        name: String::new(),
        hidden: koid.is_none(),
        parent,
        parent_offset: 0,
        parent_limit: if parent.is_some() { 3 * 4096 } else { 0 },
        size: 3 * 4096,
        pages,
        aliases: Vec::new(),
    }
}

/// A parent `a` (koid 10) snapshotted into `c` (koid 11): the hidden node #0 owns the shared
/// pages 0-2; `a` wrote page 1 (pinned twice) and has a slice `s`; `c` zeroed page 2 and sees
/// only the first two pages of #0. A second family is a lone VMO without a name binding.
fn families() -> Vec<Family> {
    let base = 0x8000_0000;
    let hidden = node(0, None, None, (0..3).map(|i| page(i, Some(base + i * 4096), 0)).collect());
    let mut a = node(1, Some(10), Some(0), vec![page(1, Some(base + 0x10000), 2)]);
    a.name = "buf".to_string();
    a.aliases.push(Alias { koid: 12, kind: AliasKind::Slice, offset: 4096, size: 4096 });
    let mut c = node(2, Some(11), Some(0), vec![page(2, None, 0)]);
    c.parent_limit = 2 * 4096;
    let lone = node(0, Some(20), None, vec![]);
    vec![Family { id: 1, nodes: vec![hidden, a, c] }, Family { id: 2, nodes: vec![lone] }]
}

fn labels() -> BTreeMap<u64, String> {
    BTreeMap::from([(10, "a".to_string()), (11, "c".to_string()), (12, "s".to_string())])
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(actual, expected, "{name} differs (UPDATE_GOLDEN=1 rewrites it)");
}

#[test]
fn tree_text_golden() {
    golden("tree.txt", &render_text(&families(), &labels(), RenderOptions::default()));
}

#[test]
fn tree_text_with_physical_addresses_golden() {
    golden("tree_paddr.txt", &render_text(&families(), &labels(), RenderOptions { paddr: true }));
}

#[test]
fn tree_dot_golden() {
    golden("tree.dot", &render_dot(&families(), &labels()));
}

#[test]
fn no_families_says_so() {
    assert_eq!(render_text(&[], &labels(), RenderOptions::default()), "no VMO families\n");
}
