//! First 1-byte writes into every page of a fresh snapshot child of a committed VMO (each
//! forks a page): the B3 path alone, to profile. `N` pages (default 4096), `R` rounds.
//!
//! ```sh
//! cargo build --release -p zxemu --example fork_pages
//! valgrind --tool=callgrind ./target/release/examples/fork_pages 4096 1
//! ```
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig};

/// Forks `N` pages `R` times and prints the time per fork.
fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().expect("a number"));
    let (pages, rounds) = (args.next().unwrap_or(4096), args.next().unwrap_or(10));
    let kernel = Kernel::new(KernelConfig { memory_bytes: 4 * pages * 4096, ..Default::default() });
    let p = kernel.create_process();
    let parent = p.vmo_create(pages * 4096, 0).expect("vmo_create");
    p.vmo_op_range(parent, ZX_VMO_OP_COMMIT, 0, pages * 4096, &mut []).expect("commit");
    let mut ns = 0u128;
    for _ in 0..rounds {
        let child =
            p.vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, pages * 4096).expect("child");
        let start = std::time::Instant::now();
        for i in 0..pages {
            p.vmo_write(child, &[1], i * 4096).expect("vmo_write");
        }
        ns += start.elapsed().as_nanos();
        p.handle_close(child).expect("handle_close");
    }
    eprintln!("{:.0} ns per fork", ns as f64 / (pages * rounds) as f64);
}
