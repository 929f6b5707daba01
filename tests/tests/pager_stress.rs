//! A pager under load: a pager thread serves READ and DIRTY requests from a backing store while
//! two readers, a writer and a flusher (query + WRITEBACK_BEGIN/END) work on one TRAP_DIRTY VMO.
//! Every page always holds one byte value repeated (the writer writes whole pages), so a reader
//! that sees a page half old and half new has found a torn write. The work is bounded by an
//! operation count; every thread is joined under a watchdog, so a lost wake-up fails the test
//! instead of hanging it. At the end: detach, COMPLETE, `check_invariants`, no leak.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use zx_conformance::pager::KEY;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process};

const PAGES: u64 = 24;
const OPS: u64 = 400;

/// Runs `work` on a thread; the returned receiver yields once it finished (or panicked).
fn spawn(work: impl FnOnce() + Send + 'static) -> mpsc::Receiver<thread::Result<()>> {
    let (done, receiver) = mpsc::channel();
    thread::spawn(move || {
        let _ = done.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)));
    });
    receiver
}

fn join(name: &str, receiver: mpsc::Receiver<thread::Result<()>>) {
    match receiver.recv_timeout(Duration::from_secs(60)) {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("{name} still runs after the watchdog: a lost wake-up?"),
    }
}

/// The pager: answers READ with pages of the backing byte `page % 251`, DIRTY with OP_DIRTY,
/// and stops at COMPLETE.
fn serve(p: Process, pager: zx_handle_t, port: zx_handle_t, vmo: zx_handle_t) {
    loop {
        let packet = p.port_wait(port, ZX_TIME_INFINITE).expect("port_wait");
        let request = packet.page_request();
        let (first, count) = (request.offset / P, request.length / P);
        match request.command {
            ZX_PAGER_VMO_READ => {
                let aux = p.vmo_create(count * P, 0).unwrap();
                for page in first..first + count {
                    let bytes = vec![(page % 251) as u8; P as usize];
                    p.vmo_write(aux, &bytes, (page - first) * P).unwrap();
                }
                p.pager_supply_pages(pager, vmo, request.offset, request.length, aux, 0).unwrap();
                p.handle_close(aux).unwrap();
            }
            ZX_PAGER_VMO_DIRTY => {
                // NOT_FOUND if a page went absent again (writeback of a zero range); the
                // writer then asks READ first.
                let result = p.pager_op_range(
                    pager,
                    ZX_PAGER_OP_DIRTY,
                    vmo,
                    request.offset,
                    request.length,
                    0,
                );
                assert!(result.is_ok() || result == Err(st(ZX_ERR_NOT_FOUND)), "{result:?}");
            }
            ZX_PAGER_VMO_COMPLETE => return,
            other => panic!("unexpected command {other}"),
        }
    }
}

#[test]
fn readers_a_writer_and_a_flusher_against_a_live_pager() {
    let kernel = Kernel::new(KernelConfig { memory_bytes: 4 << 20, ..Default::default() });
    let p = kernel.create_process();
    let pager = p.pager_create(0).unwrap();
    let port = p.port_create(0).unwrap();
    let vmo = p.pager_create_vmo(pager, ZX_VMO_TRAP_DIRTY, port, KEY, PAGES * P).unwrap();
    let server = spawn({
        let p = p.clone();
        move || serve(p, pager, port, vmo)
    });
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for seed in 0..2u64 {
        let p = p.clone();
        workers.push((
            "reader",
            spawn(move || {
                let mut page = seed;
                let mut buffer = vec![0u8; P as usize];
                for _ in 0..OPS {
                    page = (page * 7 + 3) % PAGES;
                    p.vmo_read(vmo, &mut buffer, page * P).unwrap();
                    assert!(buffer.iter().all(|&b| b == buffer[0]), "a torn page {page}");
                }
            }),
        ));
    }
    {
        let p = p.clone();
        workers.push((
            "writer",
            spawn(move || {
                let mut page = 1;
                for op in 0..OPS {
                    page = (page * 5 + 1) % PAGES;
                    p.vmo_write(vmo, &vec![(op % 200) as u8 + 1; P as usize], page * P).unwrap();
                }
            }),
        ));
    }
    {
        let (p, stop) = (p.clone(), stop.clone());
        workers.push((
            "flusher",
            spawn(move || {
                let mut buffer = vec![0u8; P as usize];
                while !stop.load(Ordering::Relaxed) {
                    let mut ranges = [zx_vmo_dirty_range_t::default(); 32];
                    let (actual, _) =
                        p.pager_query_dirty_ranges(pager, vmo, 0, PAGES * P, &mut ranges).unwrap();
                    for range in &ranges[..actual] {
                        p.pager_op_range(
                            pager,
                            ZX_PAGER_OP_WRITEBACK_BEGIN,
                            vmo,
                            range.offset,
                            range.length,
                            0,
                        )
                        .unwrap();
                        p.vmo_read(vmo, &mut buffer, range.offset).unwrap();
                        p.pager_op_range(
                            pager,
                            ZX_PAGER_OP_WRITEBACK_END,
                            vmo,
                            range.offset,
                            range.length,
                            0,
                        )
                        .unwrap();
                    }
                    thread::yield_now();
                }
            }),
        ));
    }
    let flusher = workers.pop().unwrap();
    for (name, worker) in workers {
        join(name, worker);
    }
    stop.store(true, Ordering::Relaxed);
    join("flusher", flusher.1);
    assert_clean(&kernel);
    p.pager_detach_vmo(pager, vmo).unwrap();
    join("pager", server);
    close_all(&p, &[vmo, port, pager]);
    assert_no_leak(&kernel);
}
