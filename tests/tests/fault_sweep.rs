//! Allocation-failure sweep: every multi-step sequence below runs once to count the frame
//! allocations it makes, then once more for every `k`, with allocation `k` failing. At the
//! failure the call must answer NO_MEMORY and leave every VMO's bytes, sizes and committed
//! pages, every pin and the kernel's memory statistics exactly as they were (every call
//! here promises all or nothing); the invariants must hold; and once every handle is gone,
//! every page must be free again.
//!
//! `cargo test --test fault_sweep` runs the sequences at their default size; the ignored
//! `long_sweep` runs bigger ones, with every allocation from `k` on failing as well.

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{FaultPlan, Kernel, KernelConfig, Process, Status};

/// What a call can change that a test can see.
#[derive(Debug, PartialEq, Eq)]
struct Visible {
    vmos: Vec<(u64, Vec<u8>, u64)>, // size, bytes, committed bytes
    vmo_bytes: u64,
    pins: Vec<(u64, u64)>, // (pmo_count, quarantine_count) per BTI
}

/// One run of a sequence: the kernel, the process and every handle the sequence made.
struct Run {
    kernel: Kernel,
    p: Process,
    /// The injected failure, once it has happened.
    failed_at_step: Option<String>,
    vmos: Vec<zx_handle_t>,
    others: Vec<zx_handle_t>,
    btis: Vec<zx_handle_t>,
    pmts: Vec<zx_handle_t>,
    /// Request number that fails (`None` when only counting).
    target: Option<u64>,
}

/// A step that stops the sequence: the injected failure happened in it.
struct Stop;

type Sequence = fn(&mut Run) -> Result<(), Stop>;

impl Run {
    fn new(plan: FaultPlan, scale: u64) -> Run {
        let config = KernelConfig {
            memory_bytes: 64 * scale * P,
            handle_seed: Some(1),
            ..KernelConfig::default()
        };
        let kernel = Kernel::new(config);
        let p = kernel.create_process();
        let target = match plan {
            FaultPlan::FailAt(k) | FaultPlan::FailFrom(k) => Some(k),
            FaultPlan::Off | FaultPlan::Count => None,
        };
        kernel.fault_injector().set(plan);
        let (vmos, others, btis, pmts) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        Run { kernel, p, failed_at_step: None, vmos, others, btis, pmts, target }
    }

    fn visible(&self) -> Visible {
        let vmos = self
            .vmos
            .iter()
            .map(|&h| {
                let size = ok!(self.p.vmo_get_size(h));
                (size, read_vec(&self.p, h, 0, size as usize), committed(&self.p, h))
            })
            .collect();
        let pins = self
            .btis
            .iter()
            .map(|&b| {
                let info = ok!(self.p.object_get_info_bti(b));
                (info.pmo_count, info.quarantine_count)
            })
            .collect();
        Visible { vmos, vmo_bytes: vmo_bytes(&self.kernel), pins }
    }

    /// Runs one call. If the injected failure happens inside it, the call must answer
    /// NO_MEMORY and change nothing visible; the sequence then stops.
    fn step<T>(
        &mut self,
        what: &str,
        call: impl FnOnce(&Process) -> Result<T, Status>,
    ) -> Result<T, Stop> {
        let before = self.visible();
        let seen_before = self.kernel.fault_injector().allocations();
        let result = call(&self.p);
        let seen_after = self.kernel.fault_injector().allocations();
        let failed_here = self.target.is_some_and(|k| seen_before <= k && k < seen_after);
        if !failed_here {
            return Ok(result.unwrap_or_else(|s| panic!("{what}: {s} without an injected failure")));
        }
        match result {
            Err(s) if s == st(ZX_ERR_NO_MEMORY) => {}
            Err(s) => panic!("{what}: allocation {:?} failed but the call said {s}", self.target),
            Ok(_) => panic!("{what}: allocation {:?} failed but the call succeeded", self.target),
        }
        assert_eq!(self.visible(), before, "{what}: a failed call changed what is visible");
        self.failed_at_step = Some(what.to_owned());
        Err(Stop)
    }

    fn vmo(&mut self, size: u64, options: u32) -> Result<zx_handle_t, Stop> {
        let h = self.step("vmo_create", |p| p.vmo_create(size, options))?;
        self.vmos.push(h);
        Ok(h)
    }

    fn child(
        &mut self,
        parent: zx_handle_t,
        options: u32,
        offset: u64,
        size: u64,
    ) -> Result<zx_handle_t, Stop> {
        let h =
            self.step("vmo_create_child", |p| p.vmo_create_child(parent, options, offset, size))?;
        self.vmos.push(h);
        Ok(h)
    }

    fn write(&mut self, h: zx_handle_t, offset: u64, len: usize, seed: u8) -> Result<(), Stop> {
        self.step("vmo_write", |p| p.vmo_write(h, &pattern(seed, len), offset))
    }

    fn op(&mut self, h: zx_handle_t, op: u32, offset: u64, size: u64) -> Result<(), Stop> {
        self.step("vmo_op_range", |p| p.vmo_op_range(h, op, offset, size, &mut []))
    }

    fn close(&mut self, h: zx_handle_t) {
        self.vmos.retain(|&v| v != h);
        ok!(self.p.handle_close(h));
    }

    fn device(&mut self) -> zx_handle_t {
        let root = ok!(self.p.root_resource());
        let iommu = ok!(self.p.iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &[0]));
        let bti = ok!(self.p.bti_create(iommu, 0, 0));
        self.others.extend([root, iommu]);
        self.btis.push(bti);
        bti
    }

    fn pin(
        &mut self,
        bti: zx_handle_t,
        h: zx_handle_t,
        offset: u64,
        size: u64,
    ) -> Result<(), Stop> {
        let mut addrs = vec![0; (size / P) as usize];
        let options = ZX_BTI_PERM_READ | ZX_BTI_PERM_WRITE;
        let pmt = self.step("bti_pin", |p| p.bti_pin(bti, options, h, offset, size, &mut addrs))?;
        self.pmts.push(pmt);
        Ok(())
    }

    /// Checks the invariants, closes everything and checks that every page came back.
    fn finish(self) {
        assert_clean(&self.kernel);
        self.kernel.fault_injector().set(FaultPlan::Off);
        for pmt in &self.pmts {
            ok!(self.p.pmt_unpin(*pmt));
        }
        close_all(&self.p, &self.vmos);
        close_all(&self.p, &self.btis);
        close_all(&self.p, &self.others);
        assert_no_leak(&self.kernel);
    }
}

/// Writes into a three-level snapshot tree: forks by copy and by move, partial pages.
fn writes_into_snapshot_trees(r: &mut Run) -> Result<(), Stop> {
    let root = r.vmo(4 * P, 0)?;
    r.write(root, 0, 4 * P as usize, 1)?;
    let a = r.child(root, ZX_VMO_CHILD_SNAPSHOT, 0, 4 * P)?;
    let b = r.child(a, ZX_VMO_CHILD_SNAPSHOT, P, 4 * P)?;
    r.write(a, 100, 2 * P as usize, 2)?;
    r.write(b, P - 10, 20, 3)?;
    r.write(root, 3 * P, P as usize, 4)?;
    r.close(a);
    r.write(b, 0, 3 * P as usize, 5)?;
    r.write(root, 0, 10, 6)
}

/// Commits over forkable, movable and empty pages; ZERO over partial shared pages.
fn commits_and_zeroes(r: &mut Run) -> Result<(), Stop> {
    let root = r.vmo(6 * P, 0)?;
    r.write(root, 0, 3 * P as usize, 7)?;
    let c = r.child(root, ZX_VMO_CHILD_SNAPSHOT, 0, 6 * P)?;
    r.op(c, ZX_VMO_OP_COMMIT, 0, 6 * P)?;
    r.op(root, ZX_VMO_OP_COMMIT, 2 * P, 4 * P)?;
    let d = r.child(c, ZX_VMO_CHILD_SNAPSHOT, 0, 6 * P)?;
    r.op(d, ZX_VMO_OP_ZERO, 100, 2 * P)?;
    r.op(c, ZX_VMO_OP_ZERO, P + 1, P)
}

/// Pins of plain and copy-on-write ranges (a pin forks shared pages in).
fn pins(r: &mut Run) -> Result<(), Stop> {
    let bti = r.device();
    let root = r.vmo(4 * P, 0)?;
    r.write(root, 0, 2 * P as usize, 8)?;
    r.pin(bti, root, 0, 4 * P)?;
    let cow = r.vmo(4 * P, 0)?;
    r.write(cow, 0, 4 * P as usize, 9)?;
    let c = r.child(cow, ZX_VMO_CHILD_SNAPSHOT, 0, 4 * P)?;
    r.pin(bti, c, P, 3 * P)?;
    r.pin(bti, c, 0, 2 * P)
}

/// Transfers that move owned pages and copy pages a snapshot relative still sees.
fn transfers_with_copies(r: &mut Run) -> Result<(), Stop> {
    let src = r.vmo(4 * P, 0)?;
    r.write(src, 0, 4 * P as usize, 10)?;
    let relative = r.child(src, ZX_VMO_CHILD_SNAPSHOT, 0, 4 * P)?;
    let dst = r.vmo(8 * P, 0)?;
    r.write(dst, 0, P as usize, 11)?;
    r.step("vmo_transfer_data (copies)", |p| p.vmo_transfer_data(dst, 0, 0, 4 * P, src, 0))?;
    r.write(relative, P, 5, 12)?;
    r.step("vmo_transfer_data (moves)", |p| {
        p.vmo_transfer_data(dst, 0, 4 * P, 2 * P, relative, 0)
    })?;
    let dst_child = r.child(dst, ZX_VMO_CHILD_SNAPSHOT, 0, 8 * P)?;
    r.write(src, 0, 2 * P as usize, 13)?;
    r.step("vmo_transfer_data (into a parent)", |p| p.vmo_transfer_data(dst, 0, 0, 2 * P, src, 0))?;
    r.write(dst_child, 0, 3, 14)
}

/// Resizes that cut a shared last page (the tail is zeroed: a fork) and grow again.
fn resizes(r: &mut Run) -> Result<(), Stop> {
    let root = r.vmo(4 * P, ZX_VMO_RESIZABLE)?;
    r.write(root, 0, 4 * P as usize, 15)?;
    let c = r.child(root, ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, 0, 4 * P)?;
    r.step("vmo_set_size (cut inside a shared page)", |p| p.vmo_set_size(c, 2 * P + 7))?;
    r.step("vmo_set_size (root)", |p| p.vmo_set_size(root, P + 1))?;
    r.step("vmo_set_size (grow)", |p| p.vmo_set_size(c, 6 * P))?;
    r.write(c, 5 * P, 3, 16)
}

/// Slices, references, contiguous and discardable VMOs, written through every view.
fn other_kinds(r: &mut Run) -> Result<(), Stop> {
    let bti = r.device();
    let root = r.vmo(4 * P, 0)?;
    let slice = r.child(root, ZX_VMO_CHILD_SLICE, P, 2 * P)?;
    r.write(slice, 10, P as usize, 17)?;
    let reference = r.child(root, ZX_VMO_CHILD_REFERENCE, 0, 0)?;
    r.write(reference, 3 * P, 4, 18)?;
    let contiguous = r.step("vmo_create_contiguous", |p| p.vmo_create_contiguous(bti, 3 * P, 0))?;
    r.vmos.push(contiguous);
    r.write(contiguous, P, 8, 19)?;
    let discardable = r.vmo(2 * P, ZX_VMO_DISCARDABLE)?;
    r.write(discardable, 0, 2 * P as usize, 20)?;
    r.op(discardable, ZX_VMO_OP_COMMIT, 0, 2 * P)
}

/// Page-by-page writes through a snapshot chain: every first write is an allocation of its
/// own (a zero page, a fork by copy, a fork by move), so every one of them is swept.
fn page_by_page_forks(r: &mut Run) -> Result<(), Stop> {
    const PAGES: u64 = 12;
    let root = r.vmo(PAGES * P, 0)?;
    for page in 0..PAGES {
        r.write(root, page * P + page, 3, page as u8)?;
    }
    let child = r.child(root, ZX_VMO_CHILD_SNAPSHOT, 0, PAGES * P)?;
    let grandchild = r.child(child, ZX_VMO_CHILD_SNAPSHOT, P, (PAGES - 1) * P)?;
    for page in 0..PAGES - 1 {
        r.write(grandchild, page * P + 7, 1, 0xA0 | page as u8)?;
        r.write(child, page * P + 9, 1, 0xB0 | page as u8)?;
    }
    r.close(child);
    for page in 0..PAGES {
        r.write(root, page * P, 2, 0xC0 | page as u8)?;
    }
    Ok(())
}

/// A pager VMO through supply (copying aux pages a snapshot still shares, and markers for
/// uncommitted ones), OP_DIRTY of markers, a writable pin, and clones that fork. A pager VMO
/// joins the visible set only once every page is present (reading an absent page would wait
/// for a pager nobody runs).
fn pager_trees(r: &mut Run) -> Result<(), Stop> {
    let pager = r.step("pager_create", |p| p.pager_create(0))?;
    r.others.push(pager);
    let port = r.step("port_create", |p| p.port_create(0))?;
    r.others.push(port);
    let options = ZX_VMO_TRAP_DIRTY;
    let vmo = r.step("pager_create_vmo", |p| p.pager_create_vmo(pager, options, port, 1, 6 * P))?;
    r.others.push(vmo);
    let aux = r.vmo(6 * P, 0)?;
    r.write(aux, 0, 4 * P as usize, 8)?;
    let _shares = r.child(aux, ZX_VMO_CHILD_SNAPSHOT, 0, 2 * P)?;
    r.step("pager_supply_pages", |p| p.pager_supply_pages(pager, vmo, 0, 6 * P, aux, 0))?;
    r.others.retain(|&h| h != vmo);
    r.vmos.push(vmo);
    r.step("OP_DIRTY", |p| p.pager_op_range(pager, ZX_PAGER_OP_DIRTY, vmo, 3 * P, 3 * P, 0))?;
    let clone = r.child(vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, 6 * P)?;
    r.write(clone, P - 10, 20, 9)?;
    r.op(clone, ZX_VMO_OP_COMMIT, 0, 6 * P)?;
    let snapshot = r.child(clone, ZX_VMO_CHILD_SNAPSHOT_MODIFIED, 0, 6 * P)?;
    r.write(snapshot, 0, 3 * P as usize, 10)?;
    // A writable pin of pages OP_DIRTY made Dirty (others would ask DIRTY under TRAP_DIRTY).
    let bti = r.device();
    r.pin(bti, vmo, 3 * P, 2 * P)
}

const SEQUENCES: [(&str, Sequence); 8] = [
    ("pager_trees", pager_trees),
    ("page-by-page forks", page_by_page_forks),
    ("writes into snapshot trees", writes_into_snapshot_trees),
    ("commits and zeroes", commits_and_zeroes),
    ("pins", pins),
    ("transfers with copies", transfers_with_copies),
    ("resizes", resizes),
    ("other kinds", other_kinds),
];

/// Runs `sequence` once to count its allocations, then once failing each of them (with
/// `sticky`, every allocation from that one on). Returns the number of failure points.
fn sweep(name: &str, sequence: Sequence, scale: u64, sticky: bool) -> u64 {
    let mut counting = Run::new(FaultPlan::Count, scale);
    if sequence(&mut counting).is_err() {
        panic!("{name}: failed while only counting");
    }
    let allocations = counting.kernel.fault_injector().allocations();
    counting.finish();
    assert!(allocations > 0, "{name}: allocates nothing, so it sweeps nothing");
    for k in 0..allocations {
        let plan = if sticky { FaultPlan::FailFrom(k) } else { FaultPlan::FailAt(k) };
        let mut run = Run::new(plan, scale);
        let stopped = sequence(&mut run).is_err();
        assert!(stopped, "{name}: allocation {k} of {allocations} never failed a call");
        run.finish();
    }
    allocations
}

#[test]
fn every_allocation_failure_leaves_nothing_behind() {
    let mut points = 0;
    for (name, sequence) in SEQUENCES {
        let swept = sweep(name, sequence, 1, false);
        eprintln!("{name}: {swept} failure points");
        points += swept;
    }
    eprintln!("swept {points} allocation failure points");
}

#[test]
#[ignore = "long: run with --ignored"]
fn long_sweep() {
    let mut points = 0;
    for (name, sequence) in SEQUENCES {
        points += sweep(name, sequence, 4, false) + sweep(name, sequence, 4, true);
    }
    eprintln!("swept {points} allocation failure points");
}
