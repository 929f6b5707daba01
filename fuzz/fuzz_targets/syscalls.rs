//! Fuzz target `syscalls`: decodes the input into a sequence of syscalls with arbitrary
//! arguments against one small kernel (256 pages of RAM) and two processes.
//!
//! It reaches far offsets (near `u64::MAX` and `MAX_SIZE`), long chains of snapshot-and-close,
//! handle values of the other process, the allocation-failure injector, ports, and pagers
//! (with a 1 ns pager timeout, so an access to an absent page gives up at once).
//!
//! Checks: no call panics and no call returns `ZX_ERR_INTERNAL`; `kmem_stats` adds up after
//! every call; after the sequence `check_invariants()` is Ok; after every handle is closed (PMTs
//! unpinned, BTI quarantines released) and the processes have ended (their mappings gone)
//! `free_bytes == total_bytes`. Address-space calls and mapped accesses are among the calls.
//!
//! Set `ZX_FUZZ_TRACE=1` to print every call with its concrete arguments and result (used to
//! turn a crash into a regression test): `cargo fuzz run syscalls <artifact>` with the variable set.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use zx_kernel::zx::*;
use zx_kernel::{FaultPlan, Kernel, KernelConfig, Process, Status};

const P: u64 = ZX_PAGE_SIZE;
const MAX_SIZE: u64 = 0xFFFF_FFFF_FFFE_0000;
const RAM_PAGES: u64 = 256;
/// Upper bound on any buffer the fuzzer passes in.
const MAX_BUF: usize = 3 * P as usize + 17;
const MAX_CALLS: usize = 200;

/// A handle argument.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum H {
    /// The `i % len`-th live handle of the calling process (0 if it has none).
    Live(u8),
    /// The most recently created handle of the calling process.
    Last,
    /// A live handle of the other process (BAD_HANDLE here).
    Other(u8),
    /// `ZX_HANDLE_INVALID`.
    Invalid,
    /// Any raw value.
    Raw(u32),
    /// The `i % n`-th live handle of the calling process among those of one object type
    /// (`ty % 6` picks VMO, BTI, PMT, event, resource or IOMMU), so that calls needing two
    /// handles of given types (a BTI and a VMO for `bti_pin`) get them often.
    OfType(u8, u8),
}

/// A size, offset or length argument.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum N {
    Zero,
    /// `n % 17` pages.
    Pages(u8),
    /// `n % 17` pages plus/minus a few bytes (wrapping).
    PagesPlus(u8, i8),
    /// Up to 64 KiB, any alignment.
    Bytes(u16),
    /// MAX_SIZE minus `n` pages (wrapping).
    NearMax(u8),
    /// u64::MAX minus `n` (wrapping).
    NearTop(u8),
    /// The last page-aligned offset below 2^64, minus `n` pages: far offsets that are valid
    /// alignment-wise, so they reach the overflow checks of children and resizes.
    TopPages(u8),
    Raw(u64),
}

impl N {
    fn get(self) -> u64 {
        match self {
            N::Zero => 0,
            N::Pages(n) => u64::from(n % 17) * P,
            N::PagesPlus(n, d) => (u64::from(n % 17) * P).wrapping_add(d as i64 as u64),
            N::Bytes(b) => u64::from(b),
            N::NearMax(n) => MAX_SIZE.wrapping_sub(u64::from(n) * P),
            N::NearTop(n) => u64::MAX - u64::from(n),
            N::TopPages(n) => (u64::MAX & !(P - 1)) - u64::from(n) * P,
            N::Raw(v) => v,
        }
    }
}

/// A user address: the base of the user address space plus `n` (wrapping).
fn user_addr(n: N) -> u64 {
    zx_kernel::USER_ASPACE_BASE.wrapping_add(n.get())
}

/// An option / flag word: a combination of the low bits or any raw value.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Bits {
    Low(u8),
    Raw(u32),
}

impl Bits {
    fn get(self) -> u32 {
        match self {
            Bits::Low(b) => u32::from(b),
            Bits::Raw(v) => v,
        }
    }
}

/// A rights argument.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Rights {
    Same,
    /// A subset of the default VMO rights | RESIZE, picked by mask bits.
    Subset(u16, bool),
    Raw(u32),
}

impl Rights {
    fn get(self) -> u32 {
        match self {
            Rights::Same => ZX_RIGHT_SAME_RIGHTS,
            Rights::Subset(m, resize) => {
                (u32::from(m) & 0xD0EF) | if resize { ZX_RIGHT_RESIZE } else { 0 }
            }
            Rights::Raw(v) => v,
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Topic {
    HandleBasic,
    Vmo,
    VmoV1,
    VmoV2,
    VmoV3,
    Bti,
    Kmem,
    KmemV1,
    Raw(u32),
}

impl Topic {
    fn get(self) -> u32 {
        match self {
            Topic::HandleBasic => ZX_INFO_HANDLE_BASIC,
            Topic::Vmo => ZX_INFO_VMO,
            Topic::VmoV1 => ZX_INFO_VMO_V1,
            Topic::VmoV2 => ZX_INFO_VMO_V2,
            Topic::VmoV3 => ZX_INFO_VMO_V3,
            Topic::Bti => ZX_INFO_BTI,
            Topic::Kmem => ZX_INFO_KMEM_STATS,
            Topic::KmemV1 => ZX_INFO_KMEM_STATS_V1,
            Topic::Raw(v) => v,
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Prop {
    Name,
    ContentSize,
    Raw(u32),
}

impl Prop {
    fn get(self) -> u32 {
        match self {
            Prop::Name => ZX_PROP_NAME,
            Prop::ContentSize => ZX_PROP_VMO_CONTENT_SIZE,
            Prop::Raw(v) => v,
        }
    }
}

/// A physical address for `vmo_create_physical`.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Paddr {
    /// Page `n` of the device window, plus a byte offset `d % 4` pages-worth of misalignment.
    Device(u16, u8),
    Raw(u64),
}

#[derive(Arbitrary, Debug, Clone)]
enum Op {
    VmoCreate {
        size: N,
        options: Bits,
    },
    VmoCreateChild {
        vmo: H,
        options: Bits,
        offset: N,
        size: N,
    },
    VmoRead {
        vmo: H,
        len: u16,
        offset: N,
    },
    VmoWrite {
        vmo: H,
        len: u16,
        fill: u8,
        offset: N,
    },
    VmoGetSize {
        vmo: H,
    },
    VmoSetSize {
        vmo: H,
        size: N,
    },
    VmoOpRange {
        vmo: H,
        op: u8,
        raw_op: Option<u32>,
        offset: N,
        size: N,
        buf: u8,
    },
    VmoTransferData {
        dst: H,
        options: u32,
        offset: N,
        length: N,
        src: H,
        src_offset: N,
        nonzero_options: bool,
    },
    HandleClose {
        h: H,
    },
    HandleDuplicate {
        h: H,
        rights: Rights,
    },
    HandleReplace {
        h: H,
        rights: Rights,
    },
    ObjectGetInfo {
        h: H,
        topic: Topic,
        buf: u16,
    },
    ObjectGetProperty {
        h: H,
        prop: Prop,
        buf: u8,
    },
    ObjectSetProperty {
        h: H,
        prop: Prop,
        value: Vec<u8>,
    },
    ObjectSignal {
        h: H,
        clear: u32,
        set: u32,
    },
    ObjectWaitOne {
        h: H,
        signals: u32,
        past: bool,
    },
    EventCreate {
        options: Bits,
    },
    PortCreate {
        options: Bits,
    },
    PortQueue {
        port: H,
        key: u64,
        status: i32,
    },
    /// `port_wait` with a deadline in the past (a poll: the target never blocks).
    PortWait {
        port: H,
    },
    PagerCreate {
        options: Bits,
    },
    PagerCreateVmo {
        pager: H,
        options: Bits,
        port: H,
        key: u64,
        size: N,
    },
    PagerDetachVmo {
        pager: H,
        vmo: H,
    },
    PagerSupplyPages {
        pager: H,
        vmo: H,
        offset: N,
        length: N,
        aux: H,
        aux_offset: N,
    },
    /// `data`: a status sign-extended (`fail_status`), or raw.
    PagerOpRange {
        pager: H,
        op: u8,
        vmo: H,
        offset: N,
        length: N,
        fail_status: Option<i8>,
        data: u64,
    },
    PagerQueryDirtyRanges {
        pager: H,
        vmo: H,
        offset: N,
        length: N,
        records: u8,
    },
    PagerQueryVmoStats {
        pager: H,
        vmo: H,
        options: Bits,
        buffer: u8,
    },
    VmoSetStreamSize {
        vmo: H,
        size: N,
    },
    ProcessSelf,
    RootResource,
    IommuCreate {
        resource: H,
        iommu_type: Bits,
        desc: Vec<u8>,
    },
    BtiCreate {
        iommu: H,
        options: Bits,
        bti_id: u64,
    },
    /// `addrs`: `None` sizes the array for the answer (one entry per page, capped at 64).
    BtiPin {
        bti: H,
        options: Bits,
        vmo: H,
        offset: N,
        size: N,
        addrs: Option<u8>,
    },
    PmtUnpin {
        pmt: H,
    },
    BtiReleaseQuarantine {
        bti: H,
    },
    VmoCreateContiguous {
        bti: H,
        size: N,
        alignment_log2: u8,
    },
    VmoCreatePhysical {
        resource: H,
        paddr: Paddr,
        size: N,
    },
    /// Shorthand for three calls with valid arguments: root_resource, iommu_create(root,
    /// DUMMY, [0]) and bti_create(iommu, 0, bti_id), so that sequences reach pinning and
    /// contiguous VMOs quickly.
    Device {
        bti_id: u8,
    },
    /// Shorthand for `bti_pin` with arguments valid by construction: the `bti`-th BTI and the
    /// `vmo`-th VMO of the process, a page-aligned range inside the VMO, READ (and WRITE)
    /// permission and an `addrs` array of the right length, so that sequences hold pinned
    /// pages often (and reach the paths that must refuse to move, decommit or shrink them).
    PinValid {
        bti: u8,
        vmo: u8,
        first: u8,
        pages: u8,
        write: bool,
    },
    /// `rounds` times: a SNAPSHOT of the latest VMO of the chain (at `offset`), then a close
    /// of the one before it, starting from `vmo` (which stays open).
    SnapshotChain {
        vmo: H,
        offset: N,
        size: N,
        rounds: u8,
    },
    /// Address spaces (docs/reference.md §11); addresses are the user base plus `N`.
    VmarRootSelf,
    VmarAllocate {
        parent: H,
        options: Bits,
        offset: N,
        size: N,
    },
    VmarMap {
        vmar: H,
        options: Bits,
        offset: N,
        vmo: H,
        vmo_offset: N,
        len: N,
    },
    VmarUnmap {
        vmar: H,
        addr: N,
        len: N,
    },
    VmarProtect {
        vmar: H,
        options: Bits,
        addr: N,
        len: N,
    },
    VmarOpRange {
        vmar: H,
        op: u8,
        addr: N,
        len: N,
    },
    VmarDestroy {
        vmar: H,
    },
    /// A load or store through the software MMU (`atomic`: an aligned u64 operation).
    Mapped {
        addr: N,
        len: u16,
        write: bool,
        atomic: bool,
    },
    /// Not a syscall: from now on, allocation `after` (counted from here) fails, and with
    /// `sticky` every later one as well.
    InjectFailure {
        after: u8,
        sticky: bool,
    },
    /// Not a syscall: no more injected failures.
    InjectNone,
    /// Not a syscall: the kernel's discardable-memory reclaim.
    Reclaim,
    /// Not a syscall: `check_invariants` in the middle of the sequence.
    CheckInvariants,
}

#[derive(Arbitrary, Debug, Clone)]
struct Call {
    second_process: bool,
    op: Op,
}

struct State {
    kernel: Kernel,
    procs: [Process; 2],
    /// Handles each process may hold (a value stays until a call is known to consume it).
    handles: [Vec<zx_handle_t>; 2],
    device_base: u64,
    trace: bool,
}

fn raw<T>(r: &Result<T, Status>) -> zx_status_t {
    match r {
        Ok(_) => ZX_OK,
        Err(s) => s.into_raw(),
    }
}

impl State {
    fn pick(&self, p: usize, h: H) -> zx_handle_t {
        let pick_from = |list: &Vec<zx_handle_t>, i: u8| {
            if list.is_empty() {
                ZX_HANDLE_INVALID
            } else {
                list[usize::from(i) % list.len()]
            }
        };
        match h {
            H::Live(i) => pick_from(&self.handles[p], i),
            H::Last => self.handles[p].last().copied().unwrap_or(ZX_HANDLE_INVALID),
            H::Other(i) => pick_from(&self.handles[1 - p], i),
            H::Invalid => ZX_HANDLE_INVALID,
            H::Raw(v) => v,
            H::OfType(ty, i) => {
                const TYPES: [u32; 6] = [
                    ZX_OBJ_TYPE_VMO,
                    ZX_OBJ_TYPE_BTI,
                    ZX_OBJ_TYPE_PMT,
                    ZX_OBJ_TYPE_EVENT,
                    ZX_OBJ_TYPE_RESOURCE,
                    ZX_OBJ_TYPE_IOMMU,
                ];
                let wanted = TYPES[usize::from(ty) % TYPES.len()];
                let of_type: Vec<zx_handle_t> = self.handles[p]
                    .iter()
                    .copied()
                    .filter(|&h| {
                        self.procs[p]
                            .object_get_info_handle_basic(h)
                            .is_ok_and(|b| b.type_ == wanted)
                    })
                    .collect();
                pick_from(&of_type, i)
            }
        }
    }

    fn add(&mut self, p: usize, r: &Result<zx_handle_t, Status>) {
        if let Ok(h) = r {
            assert_ne!(*h, ZX_HANDLE_INVALID, "a call returned ZX_HANDLE_INVALID as a new handle");
            assert_eq!(*h & ZX_HANDLE_FIXED_BITS_MASK, ZX_HANDLE_FIXED_BITS_MASK);
            self.handles[p].push(*h);
        }
    }

    fn forget(&mut self, p: usize, h: zx_handle_t) {
        self.handles[p].retain(|&x| x != h);
    }

    fn run(&mut self, call: &Call) {
        let p = usize::from(call.second_process);
        let proc_ = self.procs[p].clone();
        let pr = &proc_;
        // (description, status) of the call, for the trace and the INTERNAL check.
        let (desc, status): (String, zx_status_t) = match call.op.clone() {
            Op::VmoCreate { size, options } => {
                let (size, options) = (size.get(), options.get());
                let r = pr.vmo_create(size, options);
                self.add(p, &r);
                (format!("vmo_create({size:#x}, {options:#x}) -> {r:?}"), raw(&r))
            }
            Op::VmoCreateChild { vmo, options, offset, size } => {
                let (vmo, options, offset, size) =
                    (self.pick(p, vmo), options.get(), offset.get(), size.get());
                let r = pr.vmo_create_child(vmo, options, offset, size);
                self.add(p, &r);
                (
                    format!(
                        "vmo_create_child({vmo:#x}, {options:#x}, {offset:#x}, {size:#x}) -> {r:?}"
                    ),
                    raw(&r),
                )
            }
            Op::VmoRead { vmo, len, offset } => {
                let (vmo, offset) = (self.pick(p, vmo), offset.get());
                let mut buf = vec![0u8; usize::from(len) % MAX_BUF];
                let r = pr.vmo_read(vmo, &mut buf, offset);
                (format!("vmo_read({vmo:#x}, [0; {}], {offset:#x}) -> {r:?}", buf.len()), raw(&r))
            }
            Op::VmoWrite { vmo, len, fill, offset } => {
                let (vmo, offset) = (self.pick(p, vmo), offset.get());
                let buf = vec![fill; usize::from(len) % MAX_BUF];
                let r = pr.vmo_write(vmo, &buf, offset);
                (
                    format!("vmo_write({vmo:#x}, [{fill}; {}], {offset:#x}) -> {r:?}", buf.len()),
                    raw(&r),
                )
            }
            Op::VmoGetSize { vmo } => {
                let vmo = self.pick(p, vmo);
                let r = pr.vmo_get_size(vmo);
                (format!("vmo_get_size({vmo:#x}) -> {r:?}"), raw(&r))
            }
            Op::VmoSetSize { vmo, size } => {
                let (vmo, size) = (self.pick(p, vmo), size.get());
                let r = pr.vmo_set_size(vmo, size);
                (format!("vmo_set_size({vmo:#x}, {size:#x}) -> {r:?}"), raw(&r))
            }
            Op::VmoOpRange { vmo, op, raw_op, offset, size, buf } => {
                let (vmo, offset, size) = (self.pick(p, vmo), offset.get(), size.get());
                let op = raw_op.unwrap_or(u32::from(op % 16));
                let mut b = vec![0u8; usize::from(buf % 48)];
                let r = pr.vmo_op_range(vmo, op, offset, size, &mut b);
                (
                    format!(
                        "vmo_op_range({vmo:#x}, {op}, {offset:#x}, {size:#x}, [0; {}]) -> {r:?}",
                        b.len()
                    ),
                    raw(&r),
                )
            }
            Op::VmoTransferData {
                dst,
                options,
                offset,
                length,
                src,
                src_offset,
                nonzero_options,
            } => {
                let (dst, offset, length, src, src_offset) = (
                    self.pick(p, dst),
                    offset.get(),
                    length.get(),
                    self.pick(p, src),
                    src_offset.get(),
                );
                let options = if nonzero_options { options } else { 0 };
                let r = pr.vmo_transfer_data(dst, options, offset, length, src, src_offset);
                (
                    format!(
                        "vmo_transfer_data({dst:#x}, {options:#x}, {offset:#x}, {length:#x}, {src:#x}, {src_offset:#x}) -> {r:?}"
                    ),
                    raw(&r),
                )
            }
            Op::HandleClose { h } => {
                let h = self.pick(p, h);
                let r = pr.handle_close(h);
                if r.is_ok() {
                    self.forget(p, h);
                }
                (format!("handle_close({h:#x}) -> {r:?}"), raw(&r))
            }
            Op::HandleDuplicate { h, rights } => {
                let (h, rights) = (self.pick(p, h), rights.get());
                let r = pr.handle_duplicate(h, rights);
                self.add(p, &r);
                (format!("handle_duplicate({h:#x}, {rights:#x}) -> {r:?}"), raw(&r))
            }
            Op::HandleReplace { h, rights } => {
                let (h, rights) = (self.pick(p, h), rights.get());
                let r = pr.handle_replace(h, rights);
                // Ok and INVALID_ARGS consume the original; keep it listed otherwise (a stale
                // value is harmless: it gives BAD_HANDLE).
                if r.is_ok() || raw(&r) == ZX_ERR_INVALID_ARGS {
                    self.forget(p, h);
                }
                self.add(p, &r);
                (format!("handle_replace({h:#x}, {rights:#x}) -> {r:?}"), raw(&r))
            }
            Op::ObjectGetInfo { h, topic, buf } => {
                let (h, topic) = (self.pick(p, h), topic.get());
                let mut b = vec![0u8; usize::from(buf) % 1024];
                let r = pr.object_get_info(h, topic, &mut b);
                if let Ok((actual, avail)) = r {
                    assert!(actual <= avail.max(actual), "actual {actual} avail {avail}");
                }
                (format!("object_get_info({h:#x}, {topic:#x}, [0; {}]) -> {r:?}", b.len()), raw(&r))
            }
            Op::ObjectGetProperty { h, prop, buf } => {
                let (h, prop) = (self.pick(p, h), prop.get());
                let mut b = vec![0u8; usize::from(buf % 64)];
                let r = pr.object_get_property(h, prop, &mut b);
                (format!("object_get_property({h:#x}, {prop}, [0; {}]) -> {r:?}", b.len()), raw(&r))
            }
            Op::ObjectSetProperty { h, prop, mut value } => {
                let (h, prop) = (self.pick(p, h), prop.get());
                value.truncate(64);
                let r = pr.object_set_property(h, prop, &value);
                (format!("object_set_property({h:#x}, {prop}, &{value:?}) -> {r:?}"), raw(&r))
            }
            Op::ObjectSignal { h, clear, set } => {
                let h = self.pick(p, h);
                let r = pr.object_signal(h, clear, set);
                (format!("object_signal({h:#x}, {clear:#x}, {set:#x}) -> {r:?}"), raw(&r))
            }
            Op::ObjectWaitOne { h, signals, past } => {
                let h = self.pick(p, h);
                let deadline = if past { ZX_TIME_INFINITE_PAST } else { 0 };
                let r = pr.object_wait_one(h, signals, deadline);
                (format!("object_wait_one({h:#x}, {signals:#x}, {deadline}) -> {r:?}"), raw(&r))
            }
            Op::EventCreate { options } => {
                let options = options.get();
                let r = pr.event_create(options);
                self.add(p, &r);
                (format!("event_create({options:#x}) -> {r:?}"), raw(&r))
            }
            Op::PortCreate { options } => {
                let options = options.get();
                let r = pr.port_create(options);
                self.add(p, &r);
                (format!("port_create({options:#x}) -> {r:?}"), raw(&r))
            }
            Op::PortQueue { port, key, status } => {
                let port = self.pick(p, port);
                let packet = zx_port_packet_t { key, status, ..Default::default() };
                let r = pr.port_queue(port, &packet);
                (format!("port_queue({port:#x}, key {key:#x}) -> {r:?}"), raw(&r))
            }
            Op::PortWait { port } => {
                let port = self.pick(p, port);
                let r = pr.port_wait(port, ZX_TIME_INFINITE_PAST);
                if let Ok(packet) = &r {
                    let kind = packet.type_;
                    assert!(kind == ZX_PKT_TYPE_USER || kind == ZX_PKT_TYPE_PAGE_REQUEST, "{kind}");
                }
                (format!("port_wait({port:#x}, past) -> {r:?}"), raw(&r))
            }
            Op::PagerCreate { options } => {
                let options = options.get();
                let r = pr.pager_create(options);
                self.add(p, &r);
                (format!("pager_create({options:#x}) -> {r:?}"), raw(&r))
            }
            Op::PagerCreateVmo { pager, options, port, key, size } => {
                let (pager, options, port, size) =
                    (self.pick(p, pager), options.get(), self.pick(p, port), size.get());
                let r = pr.pager_create_vmo(pager, options, port, key, size);
                self.add(p, &r);
                let desc = format!(
                    "pager_create_vmo({pager:#x}, {options:#x}, {port:#x}, {key}, {size:#x})"
                );
                (format!("{desc} -> {r:?}"), raw(&r))
            }
            Op::PagerDetachVmo { pager, vmo } => {
                let (pager, vmo) = (self.pick(p, pager), self.pick(p, vmo));
                let r = pr.pager_detach_vmo(pager, vmo);
                (format!("pager_detach_vmo({pager:#x}, {vmo:#x}) -> {r:?}"), raw(&r))
            }
            Op::PagerSupplyPages { pager, vmo, offset, length, aux, aux_offset } => {
                let (pager, vmo, aux) = (self.pick(p, pager), self.pick(p, vmo), self.pick(p, aux));
                let (offset, length, aux_offset) = (offset.get(), length.get(), aux_offset.get());
                let r = pr.pager_supply_pages(pager, vmo, offset, length, aux, aux_offset);
                let desc = format!(
                    "pager_supply_pages({pager:#x}, {vmo:#x}, {offset:#x}, {length:#x}, {aux:#x}, {aux_offset:#x})"
                );
                (format!("{desc} -> {r:?}"), raw(&r))
            }
            Op::PagerOpRange { pager, op, vmo, offset, length, fail_status, data } => {
                let (pager, vmo) = (self.pick(p, pager), self.pick(p, vmo));
                let (op, offset, length) = (u32::from(op % 6), offset.get(), length.get());
                let data = fail_status.map_or(data, |s| i64::from(s) as u64);
                let r = pr.pager_op_range(pager, op, vmo, offset, length, data);
                let desc = format!(
                    "pager_op_range({pager:#x}, {op}, {vmo:#x}, {offset:#x}, {length:#x}, {data:#x})"
                );
                (format!("{desc} -> {r:?}"), raw(&r))
            }
            Op::PagerQueryDirtyRanges { pager, vmo, offset, length, records } => {
                let (pager, vmo, offset, length) =
                    (self.pick(p, pager), self.pick(p, vmo), offset.get(), length.get());
                let mut buffer = vec![zx_vmo_dirty_range_t::default(); usize::from(records % 8)];
                let r = pr.pager_query_dirty_ranges(pager, vmo, offset, length, &mut buffer);
                if let Ok((actual, avail)) = r {
                    assert_eq!(actual, avail.min(buffer.len()), "actual is what fits");
                }
                let desc = format!(
                    "pager_query_dirty_ranges({pager:#x}, {vmo:#x}, {offset:#x}, {length:#x})"
                );
                (format!("{desc} -> {r:?}"), raw(&r))
            }
            Op::PagerQueryVmoStats { pager, vmo, options, buffer } => {
                let (pager, vmo, options) = (self.pick(p, pager), self.pick(p, vmo), options.get());
                let mut bytes = vec![0u8; usize::from(buffer % 8)];
                let r = pr.pager_query_vmo_stats(pager, vmo, options, &mut bytes);
                let desc = format!(
                    "pager_query_vmo_stats({pager:#x}, {vmo:#x}, {options:#x}, [{}])",
                    bytes.len()
                );
                (format!("{desc} -> {r:?}"), raw(&r))
            }
            Op::VmoSetStreamSize { vmo, size } => {
                let (vmo, size) = (self.pick(p, vmo), size.get());
                let r = pr.vmo_set_stream_size(vmo, size);
                (format!("vmo_set_stream_size({vmo:#x}, {size:#x}) -> {r:?}"), raw(&r))
            }
            Op::VmarRootSelf => {
                let h = pr.vmar_root_self();
                if h != ZX_HANDLE_INVALID && !self.handles[p].contains(&h) {
                    self.handles[p].push(h);
                }
                (format!("vmar_root_self() -> {h:#x}"), ZX_OK)
            }
            Op::VmarAllocate { parent, options, offset, size } => {
                let (parent, options, offset, size) =
                    (self.pick(p, parent), options.get(), offset.get(), size.get());
                let r = pr.vmar_allocate(parent, options, offset, size);
                let handle = r.map(|(h, _)| h);
                self.add(p, &handle);
                (
                    format!(
                        "vmar_allocate({parent:#x}, {options:#x}, {offset:#x}, {size:#x}) -> {r:?}"
                    ),
                    raw(&r),
                )
            }
            Op::VmarMap { vmar, options, offset, vmo, vmo_offset, len } => {
                let (vmar, options, offset) = (self.pick(p, vmar), options.get(), offset.get());
                let (vmo, vmo_offset, len) = (self.pick(p, vmo), vmo_offset.get(), len.get());
                let r = pr.vmar_map(vmar, options, offset, vmo, vmo_offset, len);
                (
                    format!(
                        "vmar_map({vmar:#x}, {options:#x}, {offset:#x}, {vmo:#x}, {vmo_offset:#x}, {len:#x}) -> {r:?}"
                    ),
                    raw(&r),
                )
            }
            Op::VmarUnmap { vmar, addr, len } => {
                let (vmar, addr, len) = (self.pick(p, vmar), user_addr(addr), len.get());
                let r = pr.vmar_unmap(vmar, addr, len);
                (format!("vmar_unmap({vmar:#x}, {addr:#x}, {len:#x}) -> {r:?}"), raw(&r))
            }
            Op::VmarProtect { vmar, options, addr, len } => {
                let (vmar, options) = (self.pick(p, vmar), options.get());
                let (addr, len) = (user_addr(addr), len.get());
                let r = pr.vmar_protect(vmar, options, addr, len);
                (
                    format!("vmar_protect({vmar:#x}, {options:#x}, {addr:#x}, {len:#x}) -> {r:?}"),
                    raw(&r),
                )
            }
            Op::VmarOpRange { vmar, op, addr, len } => {
                let (vmar, op, addr, len) =
                    (self.pick(p, vmar), u32::from(op % 16), user_addr(addr), len.get());
                let r = pr.vmar_op_range(vmar, op, addr, len, &mut []);
                (format!("vmar_op_range({vmar:#x}, {op}, {addr:#x}, {len:#x}) -> {r:?}"), raw(&r))
            }
            Op::VmarDestroy { vmar } => {
                let vmar = self.pick(p, vmar);
                let r = pr.vmar_destroy(vmar);
                (format!("vmar_destroy({vmar:#x}) -> {r:?}"), raw(&r))
            }
            Op::Mapped { addr, len, write, atomic } => {
                let addr = user_addr(addr);
                let len = usize::from(len) % MAX_BUF;
                let r = match (write, atomic) {
                    (false, false) => pr.read_mapped(addr, &mut vec![0; len]),
                    (true, false) => pr.write_mapped(addr, &vec![0x6B; len]),
                    (false, true) => pr.load_mapped_u64(addr).map(|_| ()),
                    (true, true) => pr.fetch_add_mapped_u64(addr, 1).map(|_| ()),
                };
                // A fault is an answer, not an error of the call.
                (
                    format!("mapped(write {write}, atomic {atomic}, {addr:#x}, {len}) -> {r:?}"),
                    ZX_OK,
                )
            }
            Op::ProcessSelf => {
                let h = pr.process_self();
                if h != ZX_HANDLE_INVALID && !self.handles[p].contains(&h) {
                    self.handles[p].push(h);
                }
                (format!("process_self() -> {h:#x}"), ZX_OK)
            }
            Op::RootResource => {
                let r = pr.root_resource();
                self.add(p, &r);
                (format!("root_resource() -> {r:?}"), raw(&r))
            }
            Op::IommuCreate { resource, iommu_type, mut desc } => {
                let (resource, iommu_type) = (self.pick(p, resource), iommu_type.get());
                desc.truncate(64);
                let r = pr.iommu_create(resource, iommu_type, &desc);
                self.add(p, &r);
                (
                    format!("iommu_create({resource:#x}, {iommu_type:#x}, &{desc:?}) -> {r:?}"),
                    raw(&r),
                )
            }
            Op::BtiCreate { iommu, options, bti_id } => {
                let (iommu, options) = (self.pick(p, iommu), options.get());
                let r = pr.bti_create(iommu, options, bti_id);
                self.add(p, &r);
                (format!("bti_create({iommu:#x}, {options:#x}, {bti_id:#x}) -> {r:?}"), raw(&r))
            }
            Op::BtiPin { bti, options, vmo, offset, size, addrs } => {
                let (bti, options, vmo, offset, size) =
                    (self.pick(p, bti), options.get(), self.pick(p, vmo), offset.get(), size.get());
                let n = match addrs {
                    Some(n) => usize::from(n % 40),
                    None if options & ZX_BTI_CONTIGUOUS != 0 => 1,
                    None => (size / P).min(64) as usize,
                };
                let mut a = vec![0 as zx_paddr_t; n];
                let r = pr.bti_pin(bti, options, vmo, offset, size, &mut a);
                self.add(p, &r);
                (
                    format!(
                        "bti_pin({bti:#x}, {options:#x}, {vmo:#x}, {offset:#x}, {size:#x}, [0; {}]) -> {r:?}",
                        a.len()
                    ),
                    raw(&r),
                )
            }
            Op::PmtUnpin { pmt } => {
                let pmt = self.pick(p, pmt);
                let r = pr.pmt_unpin(pmt);
                if r.is_ok() {
                    self.forget(p, pmt);
                }
                (format!("pmt_unpin({pmt:#x}) -> {r:?}"), raw(&r))
            }
            Op::BtiReleaseQuarantine { bti } => {
                let bti = self.pick(p, bti);
                let r = pr.bti_release_quarantine(bti);
                (format!("bti_release_quarantine({bti:#x}) -> {r:?}"), raw(&r))
            }
            Op::VmoCreateContiguous { bti, size, alignment_log2 } => {
                let (bti, size) = (self.pick(p, bti), size.get());
                let align = u32::from(alignment_log2);
                let r = pr.vmo_create_contiguous(bti, size, align);
                self.add(p, &r);
                (format!("vmo_create_contiguous({bti:#x}, {size:#x}, {align}) -> {r:?}"), raw(&r))
            }
            Op::VmoCreatePhysical { resource, paddr, size } => {
                let (resource, size) = (self.pick(p, resource), size.get());
                let paddr = match paddr {
                    Paddr::Device(n, d) => self
                        .device_base
                        .wrapping_add(u64::from(n) * P)
                        .wrapping_add(u64::from(d % 4) * 0x400),
                    Paddr::Raw(v) => v,
                };
                let r = pr.vmo_create_physical(resource, paddr, size);
                self.add(p, &r);
                (
                    format!("vmo_create_physical({resource:#x}, {paddr:#x}, {size:#x}) -> {r:?}"),
                    raw(&r),
                )
            }
            Op::Device { bti_id } => {
                let second_process = call.second_process;
                self.run(&Call { second_process, op: Op::RootResource });
                let op =
                    Op::IommuCreate { resource: H::Last, iommu_type: Bits::Low(0), desc: vec![0] };
                self.run(&Call { second_process, op });
                let op = Op::BtiCreate {
                    iommu: H::Last,
                    options: Bits::Low(0),
                    bti_id: u64::from(bti_id),
                };
                self.run(&Call { second_process, op });
                return;
            }
            Op::PinValid { bti, vmo, first, pages, write } => {
                let (bti, vmo) = (self.pick(p, H::OfType(1, bti)), self.pick(p, H::OfType(0, vmo)));
                let vmo_pages = pr.vmo_get_size(vmo).unwrap_or(0) / P;
                let first = u64::from(first) % vmo_pages.max(1);
                let count = (u64::from(pages) % 8 + 1).min(vmo_pages.saturating_sub(first).max(1));
                let perms = ZX_BTI_PERM_READ | if write { ZX_BTI_PERM_WRITE } else { 0 };
                let op = Op::BtiPin {
                    bti: H::Raw(bti),
                    options: Bits::Raw(perms),
                    vmo: H::Raw(vmo),
                    offset: N::Raw(first * P),
                    size: N::Raw(count * P),
                    addrs: None,
                };
                self.run(&Call { second_process: call.second_process, op });
                return;
            }
            Op::SnapshotChain { vmo, offset, size, rounds } => {
                let (first, offset, size) = (self.pick(p, vmo), offset.get(), size.get());
                let (mut latest, mut made, mut last_status) = (first, 0, ZX_OK);
                for _ in 0..rounds % 64 {
                    let r = pr.vmo_create_child(latest, ZX_VMO_CHILD_SNAPSHOT, offset, size);
                    last_status = raw(&r);
                    let Ok(child) = r else { break };
                    if latest != first {
                        pr.handle_close(latest).expect("a chain link closes");
                    }
                    latest = child;
                    made += 1;
                }
                if latest != first {
                    self.handles[p].push(latest);
                }
                let desc = format!(
                    "snapshot chain from {first:#x} at {offset:#x}, size {size:#x}: {made} links, \
                     last status {last_status}"
                );
                (desc, last_status)
            }
            Op::InjectFailure { after, sticky } => {
                let k = u64::from(after % 16);
                let plan = if sticky { FaultPlan::FailFrom(k) } else { FaultPlan::FailAt(k) };
                self.kernel.fault_injector().set(plan);
                (format!("kernel.fault_injector().set({plan:?})"), ZX_OK)
            }
            Op::InjectNone => {
                self.kernel.fault_injector().set(FaultPlan::Off);
                ("kernel.fault_injector().set(Off)".to_string(), ZX_OK)
            }
            Op::Reclaim => {
                let n = self.kernel.reclaim_discardable();
                (format!("kernel.reclaim_discardable() -> {n}"), ZX_OK)
            }
            Op::CheckInvariants => {
                let r = self.kernel.check_invariants();
                if let Err(e) = &r {
                    panic!("check_invariants failed mid-sequence: {e}");
                }
                ("kernel.check_invariants() -> Ok".to_string(), ZX_OK)
            }
        };
        if self.trace {
            eprintln!("p{p}.{desc}");
        }
        assert_ne!(status, ZX_ERR_INTERNAL, "p{p}.{desc}");
        let stats = self.kernel.kmem_stats();
        assert_eq!(stats.total_bytes, RAM_PAGES * P);
        assert_eq!(stats.free_bytes + stats.vmo_bytes, stats.total_bytes, "after p{p}.{desc}");
    }

    /// Unpins every PMT, releases every quarantine, closes every handle, and checks for leaks.
    fn teardown(mut self) {
        self.kernel.fault_injector().set(FaultPlan::Off);
        if let Err(e) = self.kernel.check_invariants() {
            panic!("check_invariants failed after the sequence: {e}");
        }
        for p in 0..2 {
            let pr = self.procs[p].clone();
            let list = std::mem::take(&mut self.handles[p]);
            let mut live = Vec::new();
            for h in list {
                if let Ok(info) = pr.object_get_info_handle_basic(h) {
                    live.push((h, info.type_));
                }
            }
            for &(h, ty) in &live {
                if ty == ZX_OBJ_TYPE_PMT {
                    pr.pmt_unpin(h)
                        .unwrap_or_else(|s| panic!("teardown: pmt_unpin({h:#x}) -> {s}"));
                }
            }
            for &(h, ty) in &live {
                if ty == ZX_OBJ_TYPE_BTI {
                    // Needs WRITE; a handle without it leaves the quarantine to the BTI's death.
                    let _ = pr.bti_release_quarantine(h);
                }
            }
            if let Err(e) = self.kernel.check_invariants() {
                panic!("check_invariants failed after unpinning: {e}");
            }
            for &(h, ty) in &live {
                if ty != ZX_OBJ_TYPE_PMT {
                    pr.handle_close(h)
                        .unwrap_or_else(|s| panic!("teardown: handle_close({h:#x}) -> {s}"));
                }
            }
        }
        if let Err(e) = self.kernel.check_invariants() {
            panic!("check_invariants failed after closing every handle: {e}");
        }
        // The processes end too: their address spaces release the VMOs their mappings held.
        let kernel = self.kernel.clone();
        drop(self);
        if let Err(e) = kernel.check_invariants() {
            panic!("check_invariants failed after the processes ended: {e}");
        }
        let stats = kernel.kmem_stats();
        assert_eq!(
            stats.free_bytes,
            stats.total_bytes,
            "leak: {} bytes still in use after every handle was closed (vmo_bytes {})",
            stats.total_bytes - stats.free_bytes,
            stats.vmo_bytes
        );
    }
}

fuzz_target!(|calls: Vec<Call>| {
    let config = KernelConfig {
        memory_bytes: RAM_PAGES * P,
        handle_seed: Some(0x5EED),
        // A call that meets an absent page of a pager VMO gives up at once (no pager thread
        // runs here): the request is made, then withdrawn, and the call says TIMED_OUT.
        pager_timeout_ns: 1,
        ..KernelConfig::default()
    };
    let device_base = config.device_memory_base;
    let kernel = Kernel::new(config);
    let procs = [kernel.create_process(), kernel.create_process()];
    let trace = std::env::var_os("ZX_FUZZ_TRACE").is_some();
    let mut state = State { kernel, procs, handles: [Vec::new(), Vec::new()], device_base, trace };
    for call in calls.iter().take(MAX_CALLS) {
        state.run(call);
    }
    state.teardown();
});
