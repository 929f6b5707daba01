//! Argument limits of the BTI calls that Zircon's own `bti` tests pin down: a contiguous VMO's
//! size must be whole pages, and one `bti_pin` takes at most 32,768 pages.

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig};

/// The most pages one `bti_pin` call accepts.
const MAX_PIN_PAGES: u64 = 32_768;

#[test]
fn contiguous_vmo_with_an_unaligned_size_is_invalid_args() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    for size in [1, P - 1, P + 1, 2 * P + 100] {
        assert_err!(p.vmo_create_contiguous(dev.bti, size, 0), ZX_ERR_INVALID_ARGS, "{size}");
    }
    assert_eq!(free_bytes(&k), k.kmem_stats().total_bytes, "nothing was allocated");
    // The size is checked before the alignment and before the BTI handle.
    assert_err!(p.vmo_create_contiguous(dev.bti, P + 1, 5), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_create_contiguous(ZX_HANDLE_INVALID, P + 1, 0), ZX_ERR_INVALID_ARGS);
    // Whole pages work.
    let ok_vmo = dev.contiguous(&p, 2);
    assert_eq!(ok!(p.vmo_get_size(ok_vmo)), 2 * P);
    close_all(&p, &[ok_vmo]);
    dev.close(&p);
    assert_no_leak(&k);
}

/// A kernel with room for the largest pin and a little more.
fn big_kernel() -> (Kernel, zx_kernel::Process) {
    let kernel = Kernel::new(KernelConfig {
        memory_bytes: (MAX_PIN_PAGES + 64) * P,
        ..KernelConfig::default()
    });
    let process = kernel.create_process();
    (kernel, process)
}

#[test]
fn pinning_one_page_more_than_the_limit_is_invalid_args() {
    let (k, p) = big_kernel();
    let dev = Dev::new(&p);
    let h = vmo(&p, (MAX_PIN_PAGES + 1) * P);
    let mut addrs = vec![0; (MAX_PIN_PAGES + 1) as usize];
    assert_err!(
        p.bti_pin(dev.bti, ZX_BTI_PERM_READ, h, 0, (MAX_PIN_PAGES + 1) * P, &mut addrs),
        ZX_ERR_INVALID_ARGS
    );
    // Refused before anything was committed or pinned.
    assert_eq!(committed(&p, h), 0);
    assert!(addrs.iter().all(|&a| a == 0));
    assert_eq!(ok!(p.object_get_info_bti(dev.bti)).pmo_count, 0);
    // The limit counts pages, not addresses: CONTIGUOUS or COMPRESS answers change nothing.
    let contiguous_len = (MAX_PIN_PAGES + 1) * P;
    assert_err!(
        p.bti_pin(dev.bti, ZX_BTI_PERM_READ | ZX_BTI_COMPRESS, h, 0, contiguous_len, &mut addrs),
        ZX_ERR_INVALID_ARGS
    );
    // A range past the end is still OUT_OF_RANGE, as it is checked first.
    assert_err!(
        p.bti_pin(dev.bti, ZX_BTI_PERM_READ, h, P, (MAX_PIN_PAGES + 1) * P, &mut addrs),
        ZX_ERR_OUT_OF_RANGE
    );
    close_all(&p, &[h]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn pinning_exactly_the_limit_works() {
    let (k, p) = big_kernel();
    let dev = Dev::new(&p);
    let h = vmo(&p, (MAX_PIN_PAGES + 1) * P);
    let mut addrs = vec![0; MAX_PIN_PAGES as usize];
    let pmt = ok!(p.bti_pin(dev.bti, ZX_BTI_PERM_READ, h, P, MAX_PIN_PAGES * P, &mut addrs));
    assert!(addrs.iter().all(|&a| a != 0 && a % P == 0));
    assert_eq!(committed(&p, h), MAX_PIN_PAGES * P);
    assert_clean(&k);
    ok!(p.pmt_unpin(pmt));
    close_all(&p, &[h]);
    dev.close(&p);
    assert_no_leak(&k);
}
