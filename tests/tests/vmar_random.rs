//! Random sequences of address-space calls with arbitrary and edge-case arguments
//! (docs/reference.md §11): nothing panics, every failed call leaves the address space as it
//! was, the invariants hold after every step, and the software MMU agrees, page by page, with
//! what `ZX_INFO_PROCESS_MAPS` says is mapped — right after each change, so a stale
//! translation-cache entry would show. At the end everything is released.

use std::collections::BTreeMap;

use proptest::prelude::*;
use zx_conformance::vmar::*;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Access, Process};

const DEFAULT_CASES: u32 = 256;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_CASES)
}

/// Addresses and lengths: mostly near the start of the address space, some edge values.
fn addr() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => (0u64..32).prop_map(|page| BASE + page * P),
        1 => (0u64..32 * P).prop_map(|b| BASE + b),
        1 => prop_oneof![Just(0u64), Just(u64::MAX), Just(!(P - 1)), Just(BASE + SIZE - P)],
    ]
}

fn len() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => (1u64..8).prop_map(|pages| pages * P),
        1 => Just(0u64),
        1 => prop_oneof![Just(u64::MAX), Just(u64::MAX - P), Just(100u64), Just(SIZE)],
    ]
}

/// Where the first mappings land (placement is lowest-first): most protects and ops aim here.
fn near() -> impl Strategy<Value = (u64, u64)> {
    prop_oneof![
        6 => ((0u64..8), (1u64..3)).prop_map(|(page, pages)| (BASE + page * P, pages * P)),
        1 => (addr(), len()),
    ]
}

fn perms() -> impl Strategy<Value = u32> {
    prop_oneof![
        6 => prop::sample::select(vec![ZX_VM_PERM_READ, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0]),
        1 => options(),
    ]
}

fn options() -> impl Strategy<Value = u32> {
    prop_oneof![
        6 => prop::sample::select(vec![
            ZX_VM_PERM_READ,
            ZX_VM_PERM_READ | ZX_VM_PERM_WRITE,
            0,
            ZX_VM_PERM_READ | ZX_VM_SPECIFIC,
            ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_SPECIFIC_OVERWRITE,
            ZX_VM_PERM_READ | ZX_VM_OFFSET_IS_UPPER_LIMIT,
            ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC,
            ZX_VM_CAN_MAP_READ | ZX_VM_SPECIFIC,
            ZX_VM_PERM_READ | ZX_VM_ALIGN_64KB,
        ]),
        1 => any::<u32>(),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Map { vmar: usize, options: u32, offset: u64, vmo: usize, vmo_offset: u64, len: u64 },
    Allocate { vmar: usize, options: u32, offset: u64, size: u64 },
    Unmap { vmar: usize, addr: u64, len: u64 },
    Protect { vmar: usize, options: u32, addr: u64, len: u64 },
    VmarRange { vmar: usize, op: u32, addr: u64, len: u64 },
    Destroy { vmar: usize },
    Store { addr: u64, value: u64 },
    Write { addr: u64, len: usize },
    VmoRange { vmo: usize, op: u32 },
    Resize { vmo: usize, pages: u64 },
}

fn op() -> impl Strategy<Value = Step> {
    let vmar = 0usize..4;
    let vmo = 0usize..3;
    prop_oneof![
        4 => (vmar.clone(), options(), prop_oneof![Just(0u64), (0u64..32).prop_map(|p| p * P)], vmo.clone(), prop_oneof![Just(0u64), Just(P), Just(3u64), Just(!(P - 1))], len())
            .prop_map(|(vmar, options, offset, vmo, vmo_offset, len)| Step::Map { vmar, options, offset, vmo, vmo_offset, len }),
        2 => (vmar.clone(), options(), prop_oneof![Just(0u64), (0u64..32).prop_map(|p| p * P)], len())
            .prop_map(|(vmar, options, offset, size)| Step::Allocate { vmar, options, offset, size }),
        2 => (vmar.clone(), near()).prop_map(|(vmar, (addr, len))| Step::Unmap { vmar, addr, len }),
        2 => (vmar.clone(), perms(), near()).prop_map(|(vmar, options, (addr, len))| Step::Protect { vmar, options, addr, len }),
        1 => (vmar.clone(), prop::sample::select(vec![ZX_VMAR_OP_COMMIT, ZX_VMAR_OP_DECOMMIT, ZX_VMAR_OP_ZERO, ZX_VMAR_OP_PREFETCH, 7]), near())
            .prop_map(|(vmar, op, (addr, len))| Step::VmarRange { vmar, op, addr, len }),
        1 => vmar.clone().prop_map(|vmar| Step::Destroy { vmar }),
        3 => (addr(), any::<u64>()).prop_map(|(addr, value)| Step::Store { addr: addr & !7, value }),
        2 => (addr(), 1usize..6000).prop_map(|(addr, len)| Step::Write { addr, len }),
        1 => (vmo.clone(), prop::sample::select(vec![ZX_VMO_OP_DECOMMIT, ZX_VMO_OP_ZERO, ZX_VMO_OP_COMMIT]))
            .prop_map(|(vmo, op)| Step::VmoRange { vmo, op }),
        1 => (vmo, 0u64..6).prop_map(|(vmo, pages)| Step::Resize { vmo, pages }),
    ]
}

/// The address space as the info topic describes it: a snapshot to compare before and after.
fn maps(p: &Process) -> Vec<(u32, u64, u64, u64, u32, u64, u64)> {
    process_maps(p)
        .iter()
        .map(|r| {
            let m = r.u.mapping;
            (r.type_, r.depth, r.base, r.size, m.mmu_flags, m.vmo_koid, m.vmo_offset)
        })
        .collect()
}

/// For every page of the first 40 of the address space: what the MMU does must follow from
/// the maps records (mapped or NOT_FOUND; READ or ACCESS_DENIED; within the VMO or
/// OUT_OF_RANGE), and a successful load must equal `vmo_read` at the record's offset.
fn check_mmu(p: &Process, vmos: &BTreeMap<u64, zx_handle_t>) -> Result<(), String> {
    let records = process_maps(p);
    for page in 0..40u64 {
        let vaddr = BASE + page * P + 8;
        let record = records.iter().find(|r| {
            r.type_ == ZX_INFO_MAPS_TYPE_MAPPING && r.base <= vaddr && vaddr < r.base + r.size
        });
        let got = p.load_mapped_u64(vaddr);
        let Some(r) = record else {
            if got != Err(fault(vaddr, Access::Read, ZX_ERR_NOT_FOUND)) {
                return Err(format!("{vaddr:#x}: unmapped, but the load gave {got:?}"));
            }
            continue;
        };
        let m = r.u.mapping;
        let vmo = vmos[&m.vmo_koid];
        let offset = m.vmo_offset + (vaddr - r.base);
        let size = p.vmo_get_size(vmo).map_err(|s| s.to_string())?;
        let want = if m.mmu_flags & ZX_VM_PERM_READ == 0 {
            Err(fault(vaddr, Access::Read, ZX_ERR_ACCESS_DENIED))
        } else if offset >= size {
            Err(fault(vaddr, Access::Read, ZX_ERR_OUT_OF_RANGE))
        } else {
            let mut bytes = [0u8; 8];
            p.vmo_read(vmo, &mut bytes, offset).map_err(|s| s.to_string())?;
            Ok(u64::from_le_bytes(bytes))
        };
        if got != want {
            return Err(format!("{vaddr:#x}: maps say {want:?}, the load gave {got:?}"));
        }
    }
    Ok(())
}

fn run(ops: &[Step]) -> Result<(), String> {
    let (k, p) = setup_with_pages(256);
    let root = p.vmar_root_self();
    let mut vmos = BTreeMap::new();
    let mut vmo_handles = Vec::new();
    for pages in [4u64, 2, 8] {
        let v = vmo_opts(&p, pages * P, ZX_VMO_RESIZABLE);
        vmo_handles.push(v);
        vmos.insert(koid_of(&p, v), v);
    }
    let mut vmars = vec![root];
    for op in ops {
        let before = maps(&p);
        let vmar_of = |i: usize| vmars[i % vmars.len()];
        let mut made = None;
        let result: Result<(), zx_kernel::Status> = match *op {
            Step::Map { vmar, options, offset, vmo, vmo_offset, len } => p
                .vmar_map(vmar_of(vmar), options, offset, vmo_handles[vmo], vmo_offset, len)
                .map(|_| ()),
            Step::Allocate { vmar, options, offset, size } => {
                p.vmar_allocate(vmar_of(vmar), options, offset, size).map(|(h, _)| made = Some(h))
            }
            Step::Unmap { vmar, addr, len } => p.vmar_unmap(vmar_of(vmar), addr, len),
            Step::Protect { vmar, options, addr, len } => {
                p.vmar_protect(vmar_of(vmar), options, addr, len)
            }
            Step::VmarRange { vmar, op, addr, len } => {
                p.vmar_op_range(vmar_of(vmar), op, addr, len, &mut [])
            }
            Step::Destroy { vmar } => p.vmar_destroy(vmar_of(vmar)),
            Step::Store { addr, value } => {
                let _ = p.store_mapped_u64(addr, value);
                Ok(())
            }
            Step::Write { addr, len } => {
                let _ = p.write_mapped(addr, &vec![0x5A; len]);
                Ok(())
            }
            Step::VmoRange { vmo, op } => {
                let size = p.vmo_get_size(vmo_handles[vmo]).unwrap_or(0);
                p.vmo_op_range(vmo_handles[vmo], op, 0, size, &mut [])
            }
            Step::Resize { vmo, pages } => p.vmo_set_size(vmo_handles[vmo], pages * P),
        };
        vmars.extend(made);
        let changes_aspace = matches!(
            op,
            Step::Map { .. }
                | Step::Allocate { .. }
                | Step::Unmap { .. }
                | Step::Protect { .. }
                | Step::Destroy { .. }
        );
        if result.is_err() && changes_aspace && maps(&p) != before {
            return Err(format!("{op:?} failed with {result:?} but changed the address space"));
        }
        k.check_invariants().map_err(|e| format!("after {op:?}: {e}"))?;
        check_mmu(&p, &vmos).map_err(|e| format!("after {op:?}: {e}"))?;
    }
    for h in vmars.into_iter().skip(1) {
        let _ = p.vmar_destroy(h);
        p.handle_close(h).map_err(|s| s.to_string())?;
    }
    p.vmar_unmap(root, BASE, SIZE).map_err(|s| s.to_string())?;
    for h in vmo_handles {
        p.handle_close(h).map_err(|s| s.to_string())?;
    }
    k.check_invariants()?;
    let stats = k.kmem_stats();
    if stats.free_bytes != stats.total_bytes {
        return Err("pages leaked".into());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn random_address_space_calls_keep_the_mmu_and_the_maps_in_step(ops in prop::collection::vec(op(), 1..40)) {
        if let Err(e) = run(&ops) {
            return Err(TestCaseError::fail(e));
        }
    }
}
