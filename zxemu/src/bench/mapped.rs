//! B12: a hot mapped 8-byte load and store through the software MMU, each against an
//! 8-byte `vmo_read` / `vmo_write` of the same committed page, measured side by side.

use std::hint::black_box;

use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig};

use super::figures::{interleaved, ns_per_op, Plan};
use super::table::Row;

/// Operations per sample.
const OPS: u64 = 200_000;

/// B12: `load` = `load_mapped_u64` against `vmo_read` of 8 bytes; `store` =
/// `store_mapped_u64` (the page committed, no fork) against `vmo_write` of 8 bytes; both in
/// ns per operation. Each touches one of 8 words of the page in turn.
pub fn b12_mapped(plan: &Plan) -> Vec<Row> {
    let kernel = Kernel::new(KernelConfig { memory_bytes: 16 << 20, ..KernelConfig::default() });
    let p = kernel.create_process();
    let vmo = p.vmo_create(ZX_PAGE_SIZE, 0).expect("vmo_create");
    p.vmo_write(vmo, &[1; 8], 0).expect("vmo_write");
    let root = p.vmar_root_self();
    let perms = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
    let addr = p.vmar_map(root, perms, 0, vmo, 0, ZX_PAGE_SIZE).expect("vmar_map");
    let (load, read) = interleaved(
        plan.rounds,
        || {
            ns_per_op(OPS, |i| {
                black_box(p.load_mapped_u64(addr + (i % 8) * 8).expect("load_mapped_u64"));
            })
        },
        || {
            let mut buf = [0u8; 8];
            ns_per_op(OPS, |i| {
                p.vmo_read(vmo, &mut buf, (i % 8) * 8).expect("vmo_read");
                black_box(&buf);
            })
        },
    );
    let (store, write) = interleaved(
        plan.rounds,
        || {
            ns_per_op(OPS, |i| {
                p.store_mapped_u64(addr + (i % 8) * 8, black_box(i)).expect("store_mapped_u64");
            })
        },
        || {
            ns_per_op(OPS, |i| {
                p.vmo_write(vmo, &black_box(i).to_le_bytes(), (i % 8) * 8).expect("vmo_write");
            })
        },
    );
    p.vmar_unmap(root, addr, ZX_PAGE_SIZE).expect("vmar_unmap");
    p.handle_close(vmo).expect("handle_close");
    vec![
        Row::new("B12", "load", load, "ns", read, "≤ 30 ns"),
        Row::new("B12", "store", store, "ns", write, "ratio ≤ 2"),
    ]
}
