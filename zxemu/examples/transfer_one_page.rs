//! One-page `vmo_transfer_data` back and forth between two VMOs, N times (default 100,000):
//! the B1 N = 1 path alone, small enough to profile. Instruction counts do not drift with
//! the machine's load the way times do:
//!
//! ```sh
//! cargo build --release -p zxemu --example transfer_one_page
//! valgrind --tool=callgrind ./target/release/examples/transfer_one_page 20000
//! ```
use zx_kernel::{Kernel, KernelConfig};
/// Moves one page between two VMOs `N` times and prints the time per transfer.
fn main() {
    let kernel = Kernel::new(KernelConfig { memory_bytes: 1 << 24, ..KernelConfig::default() });
    let p = kernel.create_process();
    let a = p.vmo_create(4096, 0).unwrap();
    let b = p.vmo_create(4096, 0).unwrap();
    p.vmo_write(a, &[1], 0).unwrap();
    let n: u64 = std::env::args().nth(1).map_or(100_000, |s| s.parse().unwrap());
    let start = std::time::Instant::now();
    for i in 0..n {
        let (d, s) = if i % 2 == 0 { (b, a) } else { (a, b) };
        p.vmo_transfer_data(d, 0, 0, 4096, s, 0).unwrap();
    }
    eprintln!("{:.1} ns per transfer", start.elapsed().as_nanos() as f64 / n as f64);
}
