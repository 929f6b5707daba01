//! Pictures of clone families: indented text for a terminal, or Graphviz DOT.
//!
//! Each node shows its window into its parent (`sees [offset, offset+limit) of #parent`), the
//! pages it owns (by page index; `zero` lists zero markers), its pinned pages, and the slices and
//! references that share its pages. Visible nodes carry the scenario's names for their VMO.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use zx_kernel::introspect::{Alias, AliasKind, Family, Node, Page};

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
    let mut out = String::new();
    if families.is_empty() {
        out.push_str("no VMO families\n");
    }
    for family in families {
        let hidden = family.nodes.iter().filter(|n| n.hidden).count();
        let visible = family.nodes.len() - hidden;
        let _ = writeln!(out, "family {}: {visible} visible, {hidden} hidden", family.id);
        for root in family.nodes.iter().filter(|n| is_root(family, n)) {
            text_node(&mut out, family, root, labels, opts, "", None);
        }
    }
    out
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
fn text_node(
    out: &mut String,
    family: &Family,
    node: &Node,
    labels: &BTreeMap<u64, String>,
    opts: RenderOptions,
    indent: &str,
    last: Option<bool>,
) {
    let (branch, rest) = match last {
        None => ("", ""),
        Some(false) => ("├── ", "│   "),
        Some(true) => ("└── ", "    "),
    };
    let _ = writeln!(out, "{indent}{branch}{}", title(node, labels));
    let inner = format!("{indent}{rest}");
    let kids = children(family, node);
    let bar = if kids.is_empty() { "    " } else { "│   " };
    for line in details(node, labels, opts) {
        let _ = writeln!(out, "{inner}{bar}{line}");
    }
    for (i, kid) in kids.iter().enumerate() {
        text_node(out, family, kid, labels, opts, &inner, Some(i + 1 == kids.len()));
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
    dot_families(&mut out, "", "  ", families, labels);
    out.push_str("}\n");
    out
}

/// One Graphviz digraph for several cases: each `(title, families, labels)` becomes a
/// `subgraph cluster_N` labelled with its title, holding its families' clusters.
///
/// ```
/// use std::collections::BTreeMap;
/// use zxemu::scenario::render::render_dot_cases;
/// let dot = render_dot_cases(&[("a".into(), vec![], BTreeMap::new()), ("b".into(), vec![], BTreeMap::new())]);
/// assert_eq!(dot.matches("digraph").count(), 1);
/// assert!(dot.contains("subgraph cluster_1 {"));
/// ```
pub fn render_dot_cases(cases: &[(String, Vec<Family>, BTreeMap<u64, String>)]) -> String {
    let mut out = String::from("digraph zxemu {\n  node [shape=box, fontname=\"monospace\"];\n");
    for (i, (title, families, labels)) in cases.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{i} {{\n    label=\"{}\";", escape(title));
        if families.is_empty() {
            let _ = writeln!(out, "    c{i}_empty [label=\"no VMO families\", shape=plaintext];");
        }
        dot_families(&mut out, &format!("c{i}_"), "    ", families, labels);
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
    labels: &BTreeMap<u64, String>,
) {
    for f in families {
        let _ = writeln!(
            out,
            "{indent}subgraph cluster_{prefix}f{} {{\n{indent}  label=\"family {}\";",
            f.id, f.id
        );
        let mut body = String::new();
        for node in &f.nodes {
            dot_node(&mut body, prefix, f, node, labels);
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
    labels: &BTreeMap<u64, String>,
) {
    let id = format!("{prefix}f{}_n{}", f.id, node.id);
    let mut text = format!("#{} {}", node.id, label(node, labels));
    if let Some(koid) = node.koid.filter(|_| !node.hidden) {
        let _ = write!(text, " (koid {koid})");
    }
    let _ = write!(
        text,
        "\nsize {}\n{}",
        bytes(node.size),
        pages_line(&node.pages, RenderOptions::default())
    );
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
