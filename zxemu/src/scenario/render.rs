//! Pictures of clone families: indented text for a terminal, or Graphviz DOT.
//!
//! Each node shows its window into its parent (`sees [offset, offset+limit) of #parent`), the
//! pages it owns (by page index; `zero` lists zero markers), its pinned pages, and the slices and
//! references that share its pages. Visible nodes carry the scenario's names for their VMO.
//!
//! A pager-backed family is marked `pager-backed` (and `detached` once its pager VMO is), its
//! pager VMO is marked `pager VMO`, and a `pager:` line lists that VMO's absent pages (a use
//! asks the pager for them), its Dirty, AwaitingClean and dirty zero slots, its markers (Clean
//! zeros supplied from an uncommitted aux page), where the untracked zeros begin, and the
//! modified flag.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use zx_kernel::introspect::{Alias, AliasKind, Family, Node, Page, PagerSlotState, PagerView};

/// The pager views of a case's families, by family id (`introspect::pager_views`).
pub type PagerViews = BTreeMap<u64, PagerView>;

/// One case's picture for [`render_dot_cases`]: its title, families, pager views and labels.
pub type CaseDrawing = (String, Vec<Family>, PagerViews, BTreeMap<u64, String>);

/// Options of the pictures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Show each page's physical address.
    pub paddr: bool,
}

/// Draws `families` as indented text; `labels` maps a VMO's koid to its scenario names.
///
/// ```
/// use std::collections::BTreeMap;
/// use zx_kernel::introspect::{Family, Node};
/// use zxemu::scenario::render::{render_text, RenderOptions};
/// let node = Node { id: 0, koid: Some(1), name: String::new(), hidden: false, parent: None,
///     parent_offset: 0, parent_limit: 0, size: 4096, pages: vec![], aliases: vec![] };
/// let labels = BTreeMap::from([(1, "a".to_string())]);
/// let text = render_text(&[Family { id: 1, nodes: vec![node] }], &labels, RenderOptions::default());
/// assert!(text.contains("#0 a  koid 1  size 1P"));
/// ```
pub fn render_text(
    families: &[Family],
    labels: &BTreeMap<u64, String>,
    opts: RenderOptions,
) -> String {
    render_text_with_pagers(families, &PagerViews::new(), labels, opts)
}

/// [`render_text`], marking the pager-backed families that `pagers` describes.
///
/// ```
/// use std::collections::BTreeMap;
/// use zx_kernel::introspect::{Family, Node, PagerSlotState, PagerView};
/// use zxemu::scenario::render::{render_text_with_pagers, RenderOptions};
/// let node = Node { id: 0, koid: Some(1), name: String::new(), hidden: false, parent: None,
///     parent_offset: 0, parent_limit: 0, size: 3 * 4096, pages: vec![], aliases: vec![] };
/// let view = PagerView { root: 0, untracked_from: 2 * 4096, detached: false, modified: true,
///     trap_dirty: false, states: vec![] };
/// let pagers = BTreeMap::from([(5, view)]);
/// let families = [Family { id: 5, nodes: vec![node] }];
/// let text = render_text_with_pagers(&families, &pagers, &BTreeMap::new(), RenderOptions::default());
/// assert!(text.starts_with("family 5: 1 visible, 0 hidden, pager-backed\n"));
/// assert!(text.contains("pager: absent 0-1  untracked from 2P  modified"));
/// ```
pub fn render_text_with_pagers(
    families: &[Family],
    pagers: &PagerViews,
    labels: &BTreeMap<u64, String>,
    opts: RenderOptions,
) -> String {
    let mut out = String::new();
    if families.is_empty() {
        out.push_str("no VMO families\n");
    }
    for family in families {
        let hidden = family.nodes.iter().filter(|n| n.hidden).count();
        let visible = family.nodes.len() - hidden;
        let pager = pagers.get(&family.id);
        let _ = writeln!(
            out,
            "family {}: {visible} visible, {hidden} hidden{}",
            family.id,
            pager.map_or_else(String::new, family_mark)
        );
        let ctx = Ctx { family, pager, labels, opts };
        for root in family.nodes.iter().filter(|n| is_root(family, n)) {
            text_node(&mut out, &ctx, root, "", None);
        }
    }
    out
}

/// What drawing a node needs besides the node.
struct Ctx<'a> {
    family: &'a Family,
    pager: Option<&'a PagerView>,
    labels: &'a BTreeMap<u64, String>,
    opts: RenderOptions,
}

impl Ctx<'_> {
    /// The pager view, when `node` is the family's pager VMO.
    fn pager_of(&self, node: &Node) -> Option<&PagerView> {
        self.pager.filter(|v| v.root == node.id)
    }
}

/// `, pager-backed` or `, pager-backed, detached`.
fn family_mark(view: &PagerView) -> String {
    let detached = if view.detached { ", detached" } else { "" };
    format!(", pager-backed{detached}")
}

/// `pager VMO` or `pager VMO (TRAP_DIRTY)`, after the title of the pager VMO.
fn root_mark(view: &PagerView) -> &'static str {
    if view.trap_dirty {
        "  pager VMO (TRAP_DIRTY)"
    } else {
        "  pager VMO"
    }
}

/// `pager: absent 2-3  dirty 0  awaiting-clean 1  dirty-zero 4  markers 5  untracked from 8P
/// modified`: what the pager VMO's slots are beyond their pages (`pager: all present` when
/// nothing is to say).
fn pager_line(node: &Node, view: &PagerView) -> String {
    let limit = node.size.min(view.untracked_from) / 4096;
    let held: Vec<u64> = node.pages.iter().map(|p| p.offset / 4096).collect();
    let mut absent = Vec::new();
    let mut next = 0u64;
    for &i in held.iter().filter(|&&i| i < limit) {
        absent.push((next, i));
        next = i + 1;
    }
    absent.push((next, limit));
    let absent: Vec<String> = absent
        .into_iter()
        .filter(|(a, b)| a < b)
        .map(|(a, b)| if b - a == 1 { a.to_string() } else { format!("{a}-{}", b - 1) })
        .collect();
    let mut parts = Vec::new();
    if !absent.is_empty() {
        parts.push(format!("absent {}", absent.join(", ")));
    }
    let with = |want: &[PagerSlotState]| {
        ranges(view.states.iter().filter(|(_, s)| want.contains(s)).map(|(o, _)| o / 4096))
    };
    for (name, states) in [
        ("dirty", &[PagerSlotState::Dirty][..]),
        ("awaiting-clean", &[PagerSlotState::AwaitingClean][..]),
        ("dirty-zero", &[PagerSlotState::DirtyZero][..]),
        ("dirty-zero awaiting-clean", &[PagerSlotState::DirtyZeroAwaiting][..]),
    ] {
        let list = with(states);
        if !list.is_empty() {
            parts.push(format!("{name} {list}"));
        }
    }
    let markers = ranges(
        node.pages
            .iter()
            .filter(|p| p.paddr.is_none())
            .map(|p| p.offset)
            .filter(|o| !view.states.iter().any(|(s, _)| s == o))
            .map(|o| o / 4096),
    );
    if !markers.is_empty() {
        parts.push(format!("markers {markers}"));
    }
    if view.untracked_from < node.size {
        parts.push(format!("untracked from {}", bytes(view.untracked_from)));
    }
    if view.modified {
        parts.push("modified".to_string());
    }
    if parts.is_empty() {
        return "pager: all present, clean".to_string();
    }
    format!("pager: {}", parts.join("  "))
}

fn is_root(family: &Family, node: &Node) -> bool {
    node.parent.is_none_or(|p| !family.nodes.iter().any(|n| n.id == p))
}

fn children<'f>(family: &'f Family, node: &Node) -> Vec<&'f Node> {
    let mut kids: Vec<&Node> =
        family.nodes.iter().filter(|n| n.parent == Some(node.id) && n.id != node.id).collect();
    kids.sort_by_key(|n| n.id);
    kids
}

/// Draws `node` and its subtree; `last` is `None` for a root, else whether it is the last child.
fn text_node(out: &mut String, ctx: &Ctx<'_>, node: &Node, indent: &str, last: Option<bool>) {
    let (branch, rest) = match last {
        None => ("", ""),
        Some(false) => ("├── ", "│   "),
        Some(true) => ("└── ", "    "),
    };
    let pager = ctx.pager_of(node);
    let mark = pager.map_or("", root_mark);
    let _ = writeln!(out, "{indent}{branch}{}{mark}", title(node, ctx.labels));
    let inner = format!("{indent}{rest}");
    let kids = children(ctx.family, node);
    let bar = if kids.is_empty() { "    " } else { "│   " };
    let mut lines = details(node, ctx.labels, ctx.opts);
    if let Some(view) = pager {
        lines.insert(1, pager_line(node, view));
    }
    for line in lines {
        let _ = writeln!(out, "{inner}{bar}{line}");
    }
    for (i, kid) in kids.iter().enumerate() {
        text_node(out, ctx, kid, &inner, Some(i + 1 == kids.len()));
    }
}

/// `#1 a "name"  koid 3  size 2P  sees [0, 2P) of #0`
fn title(node: &Node, labels: &BTreeMap<u64, String>) -> String {
    let mut s = format!("#{} {}", node.id, label(node, labels));
    if !node.name.is_empty() {
        let _ = write!(s, " {:?}", node.name);
    }
    if let Some(koid) = node.koid.filter(|_| !node.hidden) {
        let _ = write!(s, "  koid {koid}");
    }
    let _ = write!(s, "  size {}", bytes(node.size));
    if let Some(p) = node.parent {
        let _ = write!(s, "  sees {} of #{p}", window(node.parent_offset, node.parent_limit));
    }
    s
}

fn label(node: &Node, labels: &BTreeMap<u64, String>) -> String {
    if node.hidden {
        return "(hidden)".to_string();
    }
    node.koid.and_then(|k| labels.get(&k)).cloned().unwrap_or_else(|| "(unnamed)".to_string())
}

fn details(node: &Node, labels: &BTreeMap<u64, String>, opts: RenderOptions) -> Vec<String> {
    let mut lines = vec![pages_line(&node.pages, opts)];
    lines.extend(node.aliases.iter().map(|a| alias_line(a, labels)));
    lines
}

/// `pages 0-1, 3 (3)  zero 2  pinned 1 (x2)`
fn pages_line(pages: &[Page], opts: RenderOptions) -> String {
    if pages.is_empty() {
        return "no pages".to_string();
    }
    let data: Vec<&Page> = pages.iter().filter(|p| p.paddr.is_some()).collect();
    let zero: Vec<u64> =
        pages.iter().filter(|p| p.paddr.is_none()).map(|p| p.offset / 4096).collect();
    let mut parts = Vec::new();
    if !data.is_empty() {
        let list = if opts.paddr {
            with_paddrs(&data)
        } else {
            ranges(data.iter().map(|p| p.offset / 4096))
        };
        parts.push(format!("pages {list} ({})", data.len()));
    }
    if !zero.is_empty() {
        parts.push(format!("zero {}", ranges(zero.into_iter())));
    }
    let pinned: Vec<String> = pages
        .iter()
        .filter(|p| p.pin_count > 0)
        .map(|p| format!("{} (x{})", p.offset / 4096, p.pin_count))
        .collect();
    if !pinned.is_empty() {
        parts.push(format!("pinned {}", pinned.join(", ")));
    }
    parts.join("  ")
}

fn with_paddrs(pages: &[&Page]) -> String {
    let items: Vec<String> = pages
        .iter()
        .map(|p| format!("{}@{:#x}", p.offset / 4096, p.paddr.unwrap_or_default()))
        .collect();
    items.join(", ")
}

/// `0-3, 5, 7-8` from sorted page indices.
fn ranges(indices: impl Iterator<Item = u64>) -> String {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for i in indices {
        match runs.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(i) => *end = i,
            _ => runs.push((i, i)),
        }
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") })
        .collect();
    parts.join(", ")
}

/// `slice s  koid 7  [0, 1P)`
fn alias_line(a: &Alias, labels: &BTreeMap<u64, String>) -> String {
    let kind = match a.kind {
        AliasKind::Slice => "slice",
        AliasKind::Reference => "reference",
    };
    let name = labels.get(&a.koid).map_or("(unnamed)", String::as_str);
    format!("{kind} {name}  koid {}  {}", a.koid, window(a.offset, a.size))
}

/// A byte count in pages when it is whole pages (`2P`), else in bytes.
fn bytes(v: u64) -> String {
    match v {
        0 => "0".to_string(),
        v if v % 4096 == 0 => format!("{}P", v / 4096),
        v => v.to_string(),
    }
}

/// `[offset, offset+len)` with sizes in pages.
fn window(offset: u64, len: u64) -> String {
    format!(
        "[{}, {})",
        bytes(offset),
        offset.checked_add(len).map_or_else(|| "end".to_string(), bytes)
    )
}

/// Draws `families` as a Graphviz digraph: one cluster per family, hidden nodes dashed, edges
/// from parent to child labelled with the child's window, slices and references as notes.
///
/// ```
/// use std::collections::BTreeMap;
/// use zxemu::scenario::render::render_dot;
/// let dot = render_dot(&[], &BTreeMap::new());
/// assert!(dot.starts_with("digraph zxemu {"));
/// ```
pub fn render_dot(families: &[Family], labels: &BTreeMap<u64, String>) -> String {
    let mut out = String::from("digraph zxemu {\n  node [shape=box, fontname=\"monospace\"];\n");
    dot_families(&mut out, "", "  ", families, &PagerViews::new(), labels);
    out.push_str("}\n");
    out
}

/// One Graphviz digraph for several cases: each `(title, families, pager views, labels)`
/// becomes a `subgraph cluster_N` labelled with its title, holding its families' clusters.
///
/// ```
/// use std::collections::BTreeMap;
/// use zxemu::scenario::render::render_dot_cases;
/// let empty = |t: &str| (t.to_string(), vec![], BTreeMap::new(), BTreeMap::new());
/// let dot = render_dot_cases(&[empty("a"), empty("b")]);
/// assert_eq!(dot.matches("digraph").count(), 1);
/// assert!(dot.contains("subgraph cluster_1 {"));
/// ```
pub fn render_dot_cases(cases: &[CaseDrawing]) -> String {
    let mut out = String::from("digraph zxemu {\n  node [shape=box, fontname=\"monospace\"];\n");
    for (i, (title, families, pagers, labels)) in cases.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{i} {{\n    label=\"{}\";", escape(title));
        if families.is_empty() {
            let _ = writeln!(out, "    c{i}_empty [label=\"no VMO families\", shape=plaintext];");
        }
        dot_families(&mut out, &format!("c{i}_"), "    ", families, pagers, labels);
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

/// The family clusters; every node id starts with `prefix`, every line with `indent`.
fn dot_families(
    out: &mut String,
    prefix: &str,
    indent: &str,
    families: &[Family],
    pagers: &PagerViews,
    labels: &BTreeMap<u64, String>,
) {
    for f in families {
        let pager = pagers.get(&f.id);
        let _ = writeln!(
            out,
            "{indent}subgraph cluster_{prefix}f{} {{\n{indent}  label=\"family {}{}\";",
            f.id,
            f.id,
            pager.map_or_else(String::new, family_mark)
        );
        let mut body = String::new();
        for node in &f.nodes {
            dot_node(&mut body, prefix, f, node, pager.filter(|v| v.root == node.id), labels);
        }
        for line in body.lines() {
            let _ = writeln!(out, "{indent}{}", &line[2..]);
        }
        let _ = writeln!(out, "{indent}}}");
    }
}

fn dot_node(
    out: &mut String,
    prefix: &str,
    f: &Family,
    node: &Node,
    pager: Option<&PagerView>,
    labels: &BTreeMap<u64, String>,
) {
    let id = format!("{prefix}f{}_n{}", f.id, node.id);
    let mut text = format!("#{} {}", node.id, label(node, labels));
    if let Some(koid) = node.koid.filter(|_| !node.hidden) {
        let _ = write!(text, " (koid {koid})");
    }
    if let Some(view) = pager {
        let _ = write!(text, "\n{}", root_mark(view).trim());
    }
    let _ = write!(
        text,
        "\nsize {}\n{}",
        bytes(node.size),
        pages_line(&node.pages, RenderOptions::default())
    );
    if let Some(view) = pager {
        let _ = write!(text, "\n{}", pager_line(node, view));
    }
    let style = if node.hidden { ", style=dashed, color=gray40" } else { "" };
    let _ = writeln!(out, "    {id} [label=\"{}\"{style}];", escape(&text));
    if let Some(p) = node.parent.filter(|_| !is_root(f, node)) {
        let edge = window(node.parent_offset, node.parent_limit);
        let _ = writeln!(out, "    {prefix}f{}_n{p} -> {id} [label=\"{}\"];", f.id, escape(&edge));
    }
    for a in &node.aliases {
        let alias = format!("{prefix}f{}_a{}", f.id, a.koid);
        let _ = writeln!(
            out,
            "    {alias} [label=\"{}\", shape=note];",
            escape(&alias_line(a, labels))
        );
        let _ = writeln!(out, "    {alias} -> {id} [style=dotted];");
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
