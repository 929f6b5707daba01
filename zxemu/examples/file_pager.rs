//! A user pager that backs a VMO by a host file: the skeleton of a file system.
//!
//! ```sh
//! cargo run --example file_pager
//! ```
//!
//! The pager thread owns a pager, a port and one pager VMO made with `ZX_VMO_TRAP_DIRTY`, as
//! large as the file. It answers the kernel's page requests from the port:
//!
//! - **READ** `[offset, offset + length)`: a thread touched pages that are not in memory. The
//!   pager reads them from the file, plus up to [`READ_AHEAD_PAGES`] pages after them (read-ahead:
//!   a sequential reader then faults once per window instead of once per page), and moves them
//!   into the VMO with `pager_supply_pages`. Pages already present are left alone by the kernel,
//!   so read-ahead never overwrites newer data. The file's partial last page is padded with
//!   zeros (and the padding is never written back). If the file cannot be read, the request is
//!   failed with `ZX_PAGER_OP_FAIL` and the reader gets `ZX_ERR_IO` instead of waiting.
//! - **DIRTY** `[offset, offset + length)`: a thread is about to write clean pages. This is where
//!   a file system reserves space for them (and would fail the request with `ZX_ERR_NO_SPACE` if
//!   it had none); here it simply allows the write with `ZX_PAGER_OP_DIRTY`.
//! - **Writeback** (a flush every [`FLUSH_INTERVAL_NS`] of silence, after every
//!   [`FLUSH_AFTER_DIRTY_REQUESTS`] DIRTY requests, and at shutdown): `pager_query_dirty_ranges`
//!   lists the dirty ranges; for each, `ZX_PAGER_OP_WRITEBACK_BEGIN`, a `vmo_read` of the bytes,
//!   a write to the file, then `ZX_PAGER_OP_WRITEBACK_END`. A page written again between BEGIN
//!   and END must ask DIRTY again (TRAP_DIRTY), so it stays dirty after END and the next flush
//!   writes it again: no write is ever lost, and no lock is needed between the writer and the
//!   flush.
//! - **Shutdown** (a user packet): a last flush, `pager_detach_vmo`, and the COMPLETE packet
//!   that the kernel sends last.
//!
//! The demonstration starts a reader thread and a writer thread on the VMO at once while the
//! pager serves them, then checks that the VMO and the file hold exactly what the writes
//! should have left. Any mismatch or failed call makes the program exit with status 1.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;

use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process, Status};

const PAGE: u64 = ZX_PAGE_SIZE;
/// The key the kernel puts on our VMO's page requests.
const VMO_KEY: u64 = 1;
/// The key of the user packet that tells the pager thread to flush and stop.
const SHUTDOWN_KEY: u64 = 2;
/// Pages supplied after the ones a READ request asks for.
pub const READ_AHEAD_PAGES: u64 = 8;
/// A flush runs when no packet came for this long (2 ms).
pub const FLUSH_INTERVAL_NS: i64 = 2_000_000;
/// A flush runs after this many DIRTY requests, so writeback overlaps with the writer.
pub const FLUSH_AFTER_DIRTY_REQUESTS: u64 = 8;
/// Dirty ranges fetched per `pager_query_dirty_ranges` call.
const RANGES_PER_QUERY: usize = 8;
/// How long any one blocked access may wait for the pager before it fails (the kernel's
/// `pager_timeout_ns`): a bug shows as `ZX_ERR_TIMED_OUT`, not as a hang.
const PAGER_TIMEOUT_NS: u64 = 10_000_000_000;

/// The size of the demonstration.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Pages in the file (and in the VMO): a non-zero multiple of 4.
    pub pages: u64,
    /// Times the reader reads every page.
    pub reader_rounds: u32,
    /// Writes the writer makes.
    pub writes: u32,
}

impl Default for Config {
    /// 64 pages, 4 reader rounds, 400 writes.
    fn default() -> Config {
        Config { pages: 64, reader_rounds: 4, writes: 400 }
    }
}

/// What happened, as counted by the pager, the reader and the writer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// READ requests served.
    pub read_requests: u64,
    /// Pages those requests asked for.
    pub pages_requested: u64,
    /// Pages passed to `pager_supply_pages` (requested + read-ahead; the kernel ignores the
    /// ones already present).
    pub pages_offered: u64,
    /// DIRTY requests served.
    pub dirty_requests: u64,
    /// Pages those requests asked to dirty.
    pub pages_dirtied: u64,
    /// Flushes that found something to write back.
    pub flushes: u64,
    /// Dirty ranges written back to the file.
    pub ranges_written_back: u64,
    /// Bytes written back to the file.
    pub bytes_written_back: u64,
    /// Pages the reader checked against the file's original content.
    pub pages_checked: u64,
    /// Writes made by the writer.
    pub writes: u64,
    /// Of those, writes that crossed a page boundary.
    pub writes_across_pages: u64,
}

// ---------------------------------------------------------------------------------------------
// The pager

/// The user pager: its kernel objects and the file behind its VMO.
struct FilePager {
    p: Process,
    pager: zx_handle_t,
    port: zx_handle_t,
    /// The pager VMO (`ZX_VMO_TRAP_DIRTY`); clients get duplicates of this handle.
    vmo: zx_handle_t,
    file: File,
    /// The file's length in bytes (fixed: this pager does not resize files).
    file_length: u64,
    /// The VMO's size: the file's length rounded up to whole pages.
    size: u64,
    report: Report,
    dirty_requests_since_flush: u64,
}

/// A failed call, as an error message naming it.
fn call<T>(what: &str, result: Result<T, Status>) -> Result<T, String> {
    result.map_err(|status| format!("{what}: {status}"))
}

impl FilePager {
    /// Creates the pager, its port and a TRAP_DIRTY pager VMO covering `file`.
    fn new(p: &Process, file: File) -> Result<FilePager, String> {
        let file_length = file.metadata().map_err(|e| format!("file length: {e}"))?.len();
        let size = file_length.div_ceil(PAGE) * PAGE;
        let pager = call("pager_create", p.pager_create(0))?;
        let port = call("port_create", p.port_create(0))?;
        let vmo = call(
            "pager_create_vmo",
            p.pager_create_vmo(pager, ZX_VMO_TRAP_DIRTY, port, VMO_KEY, size),
        )?;
        let report = Report::default();
        Ok(FilePager {
            p: p.clone(),
            pager,
            port,
            vmo,
            file,
            file_length,
            size,
            report,
            dirty_requests_since_flush: 0,
        })
    }

    /// A handle to the VMO for a client of the file system.
    fn client_vmo(&self) -> Result<zx_handle_t, String> {
        call("handle_duplicate", self.p.handle_duplicate(self.vmo, ZX_RIGHT_SAME_RIGHTS))
    }

    /// Serves page requests until the shutdown packet, flushing when the port is quiet;
    /// then shuts down and returns what it did.
    fn serve(mut self) -> Result<Report, String> {
        loop {
            let deadline = self.p.clock_get_monotonic() + FLUSH_INTERVAL_NS;
            match self.p.port_wait(self.port, deadline) {
                Err(Status::TIMED_OUT) => self.flush()?,
                Err(status) => return Err(format!("port_wait: {status}")),
                Ok(packet) if packet.key == SHUTDOWN_KEY => break,
                Ok(packet) => self.handle_request(&packet)?,
            }
        }
        self.shut_down()
    }

    /// Dispatches one page request.
    fn handle_request(&mut self, packet: &zx_port_packet_t) -> Result<(), String> {
        if packet.key != VMO_KEY || packet.type_ != ZX_PKT_TYPE_PAGE_REQUEST {
            return Err(format!("unexpected packet {packet:?}"));
        }
        let request = packet.page_request();
        match request.command {
            ZX_PAGER_VMO_READ => self.on_read(request.offset, request.length),
            ZX_PAGER_VMO_DIRTY => self.on_dirty(request.offset, request.length),
            command => Err(format!("unexpected command {command} before detach")),
        }
    }

    /// READ: supplies the requested pages and the read-ahead window after them from the file.
    /// A file that cannot be read fails the requested range with `ZX_ERR_IO`.
    fn on_read(&mut self, offset: u64, length: u64) -> Result<(), String> {
        self.report.read_requests += 1;
        self.report.pages_requested += length / PAGE;
        let end = (offset + length).max(offset + READ_AHEAD_PAGES * PAGE).min(self.size);
        match self.read_file(offset, end - offset) {
            Ok(bytes) => self.supply(offset, &bytes),
            Err(error) => {
                eprintln!("file_pager: reading the file at {offset}: {error}; failing the request");
                let io = ZX_ERR_IO as i64 as u64; // FAIL takes the status sign-extended
                let op = ZX_PAGER_OP_FAIL;
                call("FAIL", self.p.pager_op_range(self.pager, op, self.vmo, offset, length, io))
            }
        }
    }

    /// How many of the `length` bytes from `offset` lie inside the file.
    fn in_file(&self, offset: u64, length: u64) -> usize {
        self.file_length.saturating_sub(offset).min(length) as usize
    }

    /// `length` bytes of the file from `offset`; past the end of the file, zeros.
    fn read_file(&self, offset: u64, length: u64) -> std::io::Result<Vec<u8>> {
        let mut bytes = vec![0; length as usize];
        let in_file = self.in_file(offset, length);
        self.file.read_exact_at(&mut bytes[..in_file], offset)?;
        Ok(bytes)
    }

    /// Moves `bytes` (whole pages) into the VMO at `offset`: they go into an anonymous aux VMO
    /// first, whose pages `pager_supply_pages` then moves without copying.
    fn supply(&mut self, offset: u64, bytes: &[u8]) -> Result<(), String> {
        let length = bytes.len() as u64;
        let aux = call("aux vmo_create", self.p.vmo_create(length, 0))?;
        let supplied = call("aux vmo_write", self.p.vmo_write(aux, bytes, 0)).and_then(|()| {
            let result = self.p.pager_supply_pages(self.pager, self.vmo, offset, length, aux, 0);
            call("pager_supply_pages", result)
        });
        call("close aux", self.p.handle_close(aux))?;
        supplied?;
        self.report.pages_offered += length / PAGE;
        Ok(())
    }

    /// DIRTY: lets the write go ahead. A file system would reserve disk space here.
    fn on_dirty(&mut self, offset: u64, length: u64) -> Result<(), String> {
        let op = ZX_PAGER_OP_DIRTY;
        call("DIRTY", self.p.pager_op_range(self.pager, op, self.vmo, offset, length, 0))?;
        self.report.dirty_requests += 1;
        self.report.pages_dirtied += length / PAGE;
        self.dirty_requests_since_flush += 1;
        if self.dirty_requests_since_flush >= FLUSH_AFTER_DIRTY_REQUESTS {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes every dirty range of the VMO back to the file.
    fn flush(&mut self) -> Result<(), String> {
        self.dirty_requests_since_flush = 0;
        let mut ranges = [zx_vmo_dirty_range_t::default(); RANGES_PER_QUERY];
        let mut offset = 0;
        let mut wrote_any = false;
        while offset < self.size {
            let (actual, avail) = call(
                "pager_query_dirty_ranges",
                self.p.pager_query_dirty_ranges(
                    self.pager,
                    self.vmo,
                    offset,
                    self.size - offset,
                    &mut ranges,
                ),
            )?;
            for range in &ranges[..actual] {
                self.write_back(range)?;
                wrote_any = true;
            }
            if actual == avail {
                break;
            }
            // More ranges than fit: ask again from the end of the last one.
            let last = ranges[actual - 1];
            offset = last.offset + last.length;
        }
        self.report.flushes += u64::from(wrote_any);
        Ok(())
    }

    /// Writes one dirty range back: BEGIN (the pages become AwaitingClean), read the bytes,
    /// write them to the file, END (the pages not written meanwhile become Clean).
    fn write_back(&mut self, range: &zx_vmo_dirty_range_t) -> Result<(), String> {
        let (offset, length) = (range.offset, range.length);
        let zero = range.options & ZX_VMO_DIRTY_RANGE_IS_ZERO != 0;
        let begin = ZX_PAGER_OP_WRITEBACK_BEGIN;
        let options = if zero { ZX_VMO_DIRTY_RANGE_IS_ZERO } else { 0 };
        let result = self.p.pager_op_range(self.pager, begin, self.vmo, offset, length, options);
        call("WRITEBACK_BEGIN", result)?;
        // A range the kernel reports as zero has no pages to read.
        let mut bytes = vec![0; length as usize];
        if !zero {
            call("vmo_read of a dirty range", self.p.vmo_read(self.vmo, &mut bytes, offset))?;
        }
        // The tail of the last page, past the end of the file, is not written.
        let in_file = self.in_file(offset, length);
        let written = self.file.write_all_at(&bytes[..in_file], offset);
        written.map_err(|e| format!("writing the file: {e}"))?;
        let end = ZX_PAGER_OP_WRITEBACK_END;
        call("WRITEBACK_END", self.p.pager_op_range(self.pager, end, self.vmo, offset, length, 0))?;
        self.report.ranges_written_back += 1;
        self.report.bytes_written_back += in_file as u64;
        Ok(())
    }

    /// The last flush, a check that nothing is left dirty, then detach and the COMPLETE packet.
    fn shut_down(mut self) -> Result<Report, String> {
        self.flush()?;
        let left = self.p.pager_query_dirty_ranges(self.pager, self.vmo, 0, self.size, &mut []);
        let (_, left) = call("pager_query_dirty_ranges", left)?;
        if left != 0 {
            return Err(format!("{left} dirty ranges left after the last flush"));
        }
        self.file.sync_data().map_err(|e| format!("sync: {e}"))?;
        call("pager_detach_vmo", self.p.pager_detach_vmo(self.pager, self.vmo))?;
        let deadline = self.p.clock_get_monotonic() + PAGER_TIMEOUT_NS as i64;
        let packet = call("port_wait for COMPLETE", self.p.port_wait(self.port, deadline))?;
        if packet != zx_port_packet_t::from_page_request(VMO_KEY, ZX_PAGER_VMO_COMPLETE, 0, 0) {
            return Err(format!("expected COMPLETE after detach, got {packet:?}"));
        }
        Ok(self.report.clone())
    }
}

impl Drop for FilePager {
    /// Closes the handles. If the pager stops early on an error, closing the pager handle
    /// fails every blocked access with `ZX_ERR_BAD_STATE` instead of leaving it waiting.
    fn drop(&mut self) {
        for handle in [self.vmo, self.port, self.pager] {
            let _ = self.p.handle_close(handle);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The demonstration: a file, a reader and a writer

/// Bytes the file stops short of a whole number of pages: its last page is partial, as most
/// files' are, so the pager pads it with zeros on READ and leaves the padding out on writeback.
const TAIL_GAP: u64 = 100;

/// The file's original byte at `offset`: different on every page.
fn original_byte(offset: u64) -> u8 {
    ((offset / PAGE) * 7 + offset % 251) as u8
}

/// What the VMO shows at `offset` before any write: the file's byte, zero past its end.
fn initial_byte(offset: u64, file_length: u64) -> u8 {
    if offset < file_length {
        original_byte(offset)
    } else {
        0
    }
}

/// Whether the writer writes page `page`: pairs of adjacent pages (0 and 1, 4 and 5, ...), so
/// that some writes cross a page boundary. The reader checks the other pages.
fn written_by_writer(page: u64) -> bool {
    page % 4 < 2
}

/// A small deterministic pseudo-random sequence (a 64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

/// A host file with known content, removed when dropped.
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn create(content: &[u8]) -> Result<TempFile, String> {
        let name =
            format!("zxemu-file-pager-{}-{:?}.bin", std::process::id(), thread::current().id());
        let path = std::env::temp_dir().join(name.replace(['(', ')'], ""));
        std::fs::write(&path, content).map_err(|e| format!("creating {}: {e}", path.display()))?;
        Ok(TempFile { path })
    }

    fn open(&self) -> Result<File, String> {
        let file = OpenOptions::new().read(true).write(true).open(&self.path);
        file.map_err(|e| format!("opening {}: {e}", self.path.display()))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reads every page `rounds` times, in a shuffled order, and checks the pages the writer does
/// not touch against the original content. Returns the pages checked.
fn reader(p: Process, vmo: zx_handle_t, file_length: u64, rounds: u32) -> Result<u64, String> {
    let pages = file_length.div_ceil(PAGE);
    let mut random = Lcg(7);
    let mut page_bytes = vec![0; PAGE as usize];
    let mut checked = 0;
    for _ in 0..rounds {
        let mut order: Vec<u64> = (0..pages).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, random.next(i as u64 + 1) as usize);
        }
        for page in order {
            call("reader vmo_read", p.vmo_read(vmo, &mut page_bytes, page * PAGE))?;
            if written_by_writer(page) {
                continue;
            }
            let expected = (page * PAGE..(page + 1) * PAGE).map(|o| initial_byte(o, file_length));
            if !page_bytes.iter().copied().eq(expected) {
                return Err(format!("reader: page {page} does not hold the file's content"));
            }
            checked += 1;
        }
    }
    Ok(checked)
}

/// Makes `writes` writes of 1 to 3000 bytes at random places of the writer's page pairs,
/// reading each back, and applies them to `model` too. Returns the model (what the file must
/// hold at the end) and how many writes crossed a page boundary.
fn writer(
    p: Process,
    vmo: zx_handle_t,
    writes: u32,
    mut model: Vec<u8>,
) -> Result<(Vec<u8>, u64), String> {
    let pairs = (model.len() as u64).div_ceil(4 * PAGE);
    let mut random = Lcg(11);
    let mut across = 0;
    for i in 0..writes {
        let length = 1 + random.next(3000);
        let offset = random.next(pairs) * 4 * PAGE + random.next(2 * PAGE - length);
        let data: Vec<u8> = (0..length).map(|k| (i as u64 * 31 + k) as u8 | 0x80).collect();
        call("writer vmo_write", p.vmo_write(vmo, &data, offset))?;
        let mut back = vec![0; data.len()];
        call("writer vmo_read", p.vmo_read(vmo, &mut back, offset))?;
        if back != data {
            return Err(format!("writer: write {i} at {offset} did not read back"));
        }
        model[offset as usize..(offset + length) as usize].copy_from_slice(&data);
        across += u64::from(offset / PAGE != (offset + length - 1) / PAGE);
    }
    Ok((model, across))
}

/// Runs the reader and the writer at once on their own threads; returns the reader's count,
/// the writer's model and its count of writes across pages.
fn exercise(
    p: &Process,
    vmo: zx_handle_t,
    config: &Config,
    original: &[u8],
) -> Result<(u64, Vec<u8>, u64), String> {
    let (file_length, rounds) = (original.len() as u64, config.reader_rounds);
    let reading = {
        let p = p.clone();
        thread::spawn(move || reader(p, vmo, file_length, rounds))
    };
    let writing = {
        let (p, writes, model) = (p.clone(), config.writes, original.to_vec());
        thread::spawn(move || writer(p, vmo, writes, model))
    };
    let checked = reading.join().map_err(|_| "the reader panicked".to_string())??;
    let (model, across) = writing.join().map_err(|_| "the writer panicked".to_string())??;
    Ok((checked, model, across))
}

/// Checks that the VMO, read whole, holds `expected`.
fn verify_vmo(p: &Process, vmo: zx_handle_t, expected: &[u8]) -> Result<(), String> {
    let mut bytes = vec![0; expected.len()];
    call("vmo_read of the whole VMO", p.vmo_read(vmo, &mut bytes, 0))?;
    match bytes.iter().zip(expected).position(|(a, b)| a != b) {
        None => Ok(()),
        Some(at) => Err(format!("the VMO differs from the expected content at byte {at}")),
    }
}

/// Checks that the file at `path` holds exactly `expected`.
///
/// ```ignore
/// verify_file(std::path::Path::new("/tmp/data.bin"), b"expected bytes")?;
/// ```
pub fn verify_file(path: &Path, expected: &[u8]) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    if bytes.len() != expected.len() {
        return Err(format!("the file has {} bytes, not {}", bytes.len(), expected.len()));
    }
    match bytes.iter().zip(expected).position(|(a, b)| a != b) {
        None => Ok(()),
        Some(at) => Err(format!("the file differs from the expected content at byte {at}")),
    }
}

/// The whole demonstration: a file of `config.pages` pages, a pager thread serving a VMO
/// backed by it, a reader and a writer at once, then the checks of the VMO and the file.
///
/// ```ignore
/// let report = run(&Config { pages: 16, ..Config::default() })?;
/// println!("{} flushes", report.flushes);
/// ```
pub fn run(config: &Config) -> Result<Report, String> {
    if config.pages == 0 || config.pages % 4 != 0 {
        return Err(format!("{} pages: the demonstration needs a multiple of 4", config.pages));
    }
    let original: Vec<u8> = (0..config.pages * PAGE - TAIL_GAP).map(original_byte).collect();
    let temp = TempFile::create(&original)?;
    println!(
        "file_pager: a {}-page VMO backed by {} ({} bytes)",
        config.pages,
        temp.path.display(),
        original.len()
    );
    let memory_bytes = (4 * config.pages * PAGE).max(16 << 20);
    let config_kernel = KernelConfig {
        memory_bytes,
        pager_timeout_ns: PAGER_TIMEOUT_NS,
        ..KernelConfig::default()
    };
    let kernel = Kernel::new(config_kernel);
    let p = kernel.create_process();
    let pager = FilePager::new(&p, temp.open()?)?;
    let (vmo, port) = (pager.client_vmo()?, pager.port);
    let serving = thread::spawn(move || pager.serve());

    // The clients: a reader and a writer at once, then a read of the whole VMO.
    let outcome = exercise(&p, vmo, config, &original).and_then(|(checked, model, across)| {
        verify_vmo(&p, vmo, &model)?;
        Ok((checked, model, across))
    });
    let _ = p.handle_close(vmo);

    // Whatever happened, stop the pager (if it already stopped on an error, the port is gone).
    let _ = p.port_queue(port, &zx_port_packet_t::from_user(SHUTDOWN_KEY, ZX_OK, [0; 32]));
    let mut report = serving.join().map_err(|_| "the pager thread panicked".to_string())??;
    let (checked, model, across) = outcome?;
    verify_file(&temp.path, &model)?;
    kernel.check_invariants().map_err(|e| format!("kernel invariants: {e}"))?;
    report.pages_checked = checked;
    report.writes = u64::from(config.writes);
    report.writes_across_pages = across;
    Ok(report)
}

/// Prints what the pager did.
fn print(report: &Report) {
    let r = report;
    println!(
        "file_pager: reader checked {} pages; writer made {} writes ({} across a page boundary)",
        r.pages_checked, r.writes, r.writes_across_pages
    );
    println!(
        "file_pager: {} READ requests for {} pages; {} pages offered with read-ahead of {}",
        r.read_requests, r.pages_requested, r.pages_offered, READ_AHEAD_PAGES
    );
    println!("file_pager: {} DIRTY requests for {} pages", r.dirty_requests, r.pages_dirtied);
    println!(
        "file_pager: {} flushes wrote back {} ranges, {} bytes",
        r.flushes, r.ranges_written_back, r.bytes_written_back
    );
    println!("file_pager: the VMO and the file hold the expected bytes: OK");
}

fn main() -> ExitCode {
    let config = Config::default();
    match run(&config) {
        Ok(report) => {
            print(&report);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("file_pager: FAILED: {error}");
            ExitCode::FAILURE
        }
    }
}
