//! `pager_supply_pages` of N pages (B11 `supply_N`) next to `vmo_transfer_data` of N pages (its
//! baseline), over 4096 pages per round, for a few rounds: small enough to profile, and both
//! sides are in one program, so an instruction count compares them directly. As in the bench,
//! both sources get their pages by one whole-range transfer before each round:
//!
//! ```sh
//! cargo build --release -p zxemu --example supply_pages
//! valgrind --tool=callgrind ./target/release/examples/supply_pages 1 20
//! callgrind_annotate --inclusive=yes callgrind.out.* | grep -E 'pager_supply_pages|vmo_transfer_data'
//! ```
use zx_kernel::zx::{ZX_VMO_OP_COMMIT, ZX_VMO_OP_DECOMMIT};
use zx_kernel::{Kernel, KernelConfig};

const TOTAL: u64 = 4096;
const PAGE: u64 = 4096;

/// Arguments: N (pages per call, default 1) and the number of rounds (default 50).
fn main() {
    let mut args = std::env::args().skip(1).map(|s| s.parse::<u64>().expect("a number"));
    let n = args.next().unwrap_or(1).clamp(1, TOTAL);
    let rounds = args.next().unwrap_or(50);
    let kernel = Kernel::new(KernelConfig { memory_bytes: 1 << 28, ..KernelConfig::default() });
    let p = kernel.create_process();
    let pager = p.pager_create(0).unwrap();
    let port = p.port_create(0).unwrap();
    let (aux, stage) =
        (p.vmo_create(TOTAL * PAGE, 0).unwrap(), p.vmo_create(TOTAL * PAGE, 0).unwrap());
    let (src, dst) =
        (p.vmo_create(TOTAL * PAGE, 0).unwrap(), p.vmo_create(TOTAL * PAGE, 0).unwrap());
    p.vmo_op_range(src, ZX_VMO_OP_COMMIT, 0, TOTAL * PAGE, &mut []).unwrap();
    let (chunks, len) = (TOTAL / n, n * PAGE);
    let (mut supply_ns, mut transfer_ns) = (0u128, 0u128);
    for _ in 0..rounds {
        let vmo = p.pager_create_vmo(pager, 0, port, 1, TOTAL * PAGE).unwrap();
        p.vmo_op_range(stage, ZX_VMO_OP_COMMIT, 0, TOTAL * PAGE, &mut []).unwrap();
        p.vmo_transfer_data(aux, 0, 0, TOTAL * PAGE, stage, 0).unwrap();
        let start = std::time::Instant::now();
        for i in 0..chunks {
            p.pager_supply_pages(pager, vmo, i * len, len, aux, i * len).unwrap();
        }
        supply_ns += start.elapsed().as_nanos();
        p.pager_detach_vmo(pager, vmo).unwrap();
        p.handle_close(vmo).unwrap();
        let start = std::time::Instant::now();
        for i in 0..chunks {
            p.vmo_transfer_data(dst, 0, i * len, len, src, i * len).unwrap();
        }
        transfer_ns += start.elapsed().as_nanos();
        p.vmo_transfer_data(src, 0, 0, TOTAL * PAGE, dst, 0).unwrap();
    }
    for vmo in [aux, stage, src, dst] {
        p.vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, 0, TOTAL * PAGE, &mut []).unwrap();
    }
    let per_page = |ns: u128| ns as f64 / (rounds * TOTAL) as f64;
    eprintln!(
        "N = {n}: supply {:.2} ns/page, transfer {:.2} ns/page",
        per_page(supply_ns),
        per_page(transfer_ns)
    );
}
