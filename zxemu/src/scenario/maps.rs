//! `zxemu maps`: a picture of each process's address space after a scenario case: its VMARs,
//! the mappings in them, their protection runs, and the VMOs behind them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use zx_kernel::zx;

/// `rwx` of PERM bits.
fn perms(flags: u32) -> String {
    let bit = |b: u32, c: char| if flags & b != 0 { c } else { '-' };
    [
        bit(zx::ZX_VM_PERM_READ, 'r'),
        bit(zx::ZX_VM_PERM_WRITE, 'w'),
        bit(zx::ZX_VM_PERM_EXECUTE, 'x'),
    ]
    .iter()
    .collect()
}

/// A size in the largest unit that divides it (`4K`, `2M`, `3P`-free bytes otherwise).
fn size(bytes: u64) -> String {
    for (unit, scale) in [("G", 1u64 << 30), ("M", 1 << 20), ("K", 1 << 10)] {
        if bytes >= scale && bytes % scale == 0 {
            return format!("{}{unit}", bytes / scale);
        }
    }
    format!("{bytes}")
}

fn name(raw: &[u8; zx::ZX_MAX_NAME_LEN]) -> String {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    String::from_utf8_lossy(&raw[..end]).into_owned()
}

/// Draws one process's records (`ZX_INFO_PROCESS_MAPS` order) as an indented tree; `labels`
/// names VMOs by the scenario names bound to them (by koid).
///
/// ```
/// use zx_kernel::zx::*;
/// let kernel = zx_kernel::Kernel::new(Default::default());
/// let p = kernel.create_process();
/// let vmo = p.vmo_create(4096, 0).unwrap();
/// p.vmar_map(p.vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 0, 4096).unwrap();
/// let records = zx_kernel::introspect::address_space(&p);
/// let text = zxemu::scenario::maps::render_maps("main", &records, &Default::default());
/// assert!(text.contains("r-- 0x200000-0x201000"));
/// ```
pub fn render_maps(
    process: &str,
    records: &[zx::zx_info_maps_t],
    labels: &BTreeMap<u64, String>,
) -> String {
    let mut out = String::new();
    if records.is_empty() {
        let _ = writeln!(out, "process {process}: ended");
        return out;
    }
    for r in records {
        let indent = "  ".repeat(r.depth as usize);
        let range = format!("{:#x}-{:#x}", r.base, r.base + r.size);
        match r.type_ {
            zx::ZX_INFO_MAPS_TYPE_ASPACE => {
                let _ = writeln!(out, "process {process} ({}) {range}", name(&r.name));
            }
            zx::ZX_INFO_MAPS_TYPE_VMAR => {
                let _ = writeln!(out, "{indent}vmar {} {range} ({})", name(&r.name), size(r.size));
            }
            _ => {
                let m = r.u.mapping;
                let vmo = labels.get(&m.vmo_koid).map_or_else(
                    || format!("vmo {}", m.vmo_koid),
                    |l| format!("vmo {} ({l})", m.vmo_koid),
                );
                let vmo_name = name(&r.name);
                let named =
                    if vmo_name.is_empty() { String::new() } else { format!(" \"{vmo_name}\"") };
                let _ = writeln!(
                    out,
                    "{indent}{} {range} ({}) -> {vmo}{named} @{:#x}, committed {}",
                    perms(m.mmu_flags),
                    size(r.size),
                    m.vmo_offset,
                    size(m.committed_bytes),
                );
            }
        }
    }
    out
}
