//! Threads sharing one address space (and a second process's, through its root VMAR handle)
//! map, overwrite, unmap, protect, load, store and change the VMOs behind the mappings, all
//! at once, under a watchdog: every status is one the reference allows, no access touches
//! memory it should not (a per-thread witness page keeps its content), the invariants hold
//! at the end, and everything is released. The work is an operation count, not a time.

use std::sync::mpsc;
use std::time::Duration;

use zx_conformance::vmar::*;
use zx_conformance::*;
use zx_kernel::zx::*;

/// A small xorshift generator, seeded per thread.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const THREADS: u64 = 4;
const OPS: u64 = 20_000;
/// The shared region: pages [0, REGION) of the root VMAR.
const REGION: u64 = 32;

fn allowed(call: &str, status: zx_status_t) -> bool {
    matches!(
        (call, status),
        ("unmap", ZX_ERR_INVALID_ARGS)
            | ("protect", ZX_ERR_NOT_FOUND | ZX_ERR_ACCESS_DENIED)
            | ("vmo", ZX_ERR_NOT_SUPPORTED | ZX_ERR_OUT_OF_RANGE | ZX_ERR_BAD_STATE)
            | ("map", ZX_ERR_INVALID_ARGS)
    )
}

#[test]
fn threads_racing_on_one_address_space_keep_it_consistent() {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let (k, p) = setup_with_pages(512);
        let root = p.vmar_root_self();
        let (child, child_root) = ok!(p.process_create(p.job_default(), b"other", 0));
        let other = ok!(p.process_for_handle(child));
        let shared: Vec<zx_handle_t> =
            (0..3).map(|_| vmo_opts(&p, 8 * P, ZX_VMO_RESIZABLE)).collect();
        // Each thread's witness: mapped once, outside the shared region, never unmapped.
        let witnesses: Vec<(zx_handle_t, u64)> = (0..THREADS)
            .map(|t| {
                let v = vmo(&p, P);
                fill(&p, v, 0, P as usize, 0xA0 + t as u8);
                (v, map_at(&p, (REGION + 1 + t) * P, v, 0, R, 1))
            })
            .collect();
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let (p, other, shared) = (p.clone(), other.clone(), shared.clone());
                let witness = witnesses[t as usize].1;
                s.spawn(move || {
                    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (t + 1).wrapping_mul(0x1234_5678));
                    for _ in 0..OPS {
                        let page = rng.below(REGION);
                        let pages = 1 + rng.below(4).min(REGION - page - 1);
                        let addr = BASE + page * P;
                        let vmo = shared[rng.below(3) as usize];
                        let (call, result) = match rng.below(9) {
                            0 | 1 => {
                                let perms = [R, RW, 0][rng.below(3) as usize];
                                let options = perms | ZX_VM_SPECIFIC_OVERWRITE;
                                let r = p.vmar_map(
                                    root,
                                    options,
                                    page * P,
                                    vmo,
                                    rng.below(8) * P,
                                    pages * P,
                                );
                                ("map", r.map(|_| ()))
                            }
                            2 => ("unmap", p.vmar_unmap(root, addr, pages * P)),
                            3 => {
                                let perms = [R, RW, 0][rng.below(3) as usize];
                                ("protect", p.vmar_protect(root, perms, addr, pages * P))
                            }
                            4 => {
                                let _ = p.store_mapped_u64(addr + rng.below(P / 8) * 8, rng.next());
                                ("store", Ok(()))
                            }
                            5 => {
                                let _ = p.read_mapped(addr + rng.below(P), &mut [0; 64]);
                                ("load", Ok(()))
                            }
                            6 => {
                                let op = [ZX_VMO_OP_DECOMMIT, ZX_VMO_OP_ZERO, ZX_VMO_OP_COMMIT]
                                    [rng.below(3) as usize];
                                ("vmo", p.vmo_op_range(vmo, op, rng.below(8) * P, P, &mut []))
                            }
                            7 => ("vmo", p.vmo_set_size(vmo, (4 + rng.below(5)) * P)),
                            _ => {
                                // The other process: map into its address space and store there.
                                let r = p.vmar_map(
                                    child_root,
                                    RW | ZX_VM_SPECIFIC_OVERWRITE,
                                    page * P,
                                    vmo,
                                    0,
                                    P,
                                );
                                let _ = other.fetch_add_mapped_u64(addr, 1);
                                ("map", r.map(|_| ()))
                            }
                        };
                        if let Err(s) = result {
                            assert!(allowed(call, s.into_raw()), "{call}: unexpected {s}");
                        }
                        let mut w = [0u8; 8];
                        p.read_mapped(witness, &mut w).unwrap();
                        assert_eq!(w, [0xA0 + t as u8; 8], "a witness page changed");
                    }
                });
            }
        });
        k.check_invariants().unwrap();
        drop(other);
        ok!(p.vmar_unmap(root, BASE, SIZE));
        let mut handles = shared;
        handles.extend(witnesses.iter().map(|(v, _)| *v));
        handles.extend([child, child_root]);
        finish(&k, &p, &handles);
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(()) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("watchdog: the stress test hung"),
    }
}
