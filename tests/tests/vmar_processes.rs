//! Other processes' address spaces (docs/reference.md §11.15): `job_default`,
//! `process_create`, `process_for_handle`; mapping one VMO into two processes (`share_count`),
//! and a process ending when its last `Process` value and the last handle another process
//! holds to it are gone.

use zx_conformance::vmar::*;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::Access;

#[test]
fn process_create_checks_options_then_the_job() {
    let (k, p) = setup();
    let job = p.job_default();
    assert_eq!(p.job_default(), job);
    assert_eq!(rights_of(&p, job), ZX_DEFAULT_JOB_RIGHTS);
    assert_eq!(basic(&p, job).type_, ZX_OBJ_TYPE_JOB);
    assert_err!(p.process_create(999, b"x", ZX_PROCESS_SHARED), ZX_ERR_NOT_SUPPORTED);
    assert_err!(p.process_create(999, b"x", 2), ZX_ERR_INVALID_ARGS);
    assert_err!(p.process_create(999, b"x", 0), ZX_ERR_BAD_HANDLE);
    let v = vmo(&p, P);
    assert_err!(p.process_create(v, b"x", 0), ZX_ERR_WRONG_TYPE);
    let weak_job = ok!(p.handle_duplicate(job, ZX_RIGHT_INSPECT));
    assert_err!(p.process_create(weak_job, b"x", 0), ZX_ERR_ACCESS_DENIED);
    let (child, vmar) = ok!(p.process_create(job, &[b'n'; 40], 0));
    assert_eq!(rights_of(&p, child), ZX_DEFAULT_PROCESS_RIGHTS);
    assert_eq!(rights_of(&p, vmar), 0x0020_801F);
    let mut name = [0u8; 32];
    ok!(p.object_get_property(child, ZX_PROP_NAME, &mut name));
    assert_eq!(name, padded_name(&[b'n'; 31]));
    assert_ne!(koid_of(&p, child), p.koid());
    finish(&k, &p, &[v, weak_job, child, vmar]);
}

#[test]
fn a_vmo_mapped_into_two_processes_is_shared() {
    let (k, p) = setup();
    let (child, child_root) = ok!(p.process_create(p.job_default(), b"child", 0));
    let other = ok!(p.process_for_handle(child));
    let v = vmo(&p, P);
    let mine = map(&p, v, RW, 1);
    let theirs = ok!(p.vmar_map(child_root, RW, 0, v, 0, P));
    assert_eq!(theirs, BASE, "the child's address space is empty and its own");
    let info = vmo_info(&p, v);
    assert_eq!((info.num_mappings, info.share_count), (2, 2));
    other.store_mapped_u64(theirs, 77).unwrap();
    assert_eq!(p.load_mapped_u64(mine), Ok(77));
    // The child's records list its own mapping; ours are separate.
    let mut records = [zx_info_maps_t::default(); 8];
    let (n, _) = ok!(p.object_get_info_process_maps(child, &mut records));
    assert_eq!(records[..n].iter().filter(|r| r.type_ == ZX_INFO_MAPS_TYPE_MAPPING).count(), 1);
    // Its VMOs are not ours to list: a created process counts as never started.
    let mut vmos = [zx_info_vmo_t::default(); 4];
    assert_err!(p.object_get_info_process_vmos(child, &mut vmos), ZX_ERR_BAD_STATE);
    // read/write memory through its handle.
    let mut buf = [0u8; 8];
    assert_eq!(p.process_read_memory(child, theirs, &mut buf), Ok(8));
    assert_eq!(u64::from_le_bytes(buf), 77);
    k.check_invariants().unwrap();
    ok!(p.vmar_unmap(p.vmar_root_self(), mine, P));
    drop(other);
    finish(&k, &p, &[child, child_root, v]);
}

#[test]
fn a_created_process_ends_with_its_last_handle_and_releases_its_mappings() {
    let (k, p) = setup();
    let (child, child_root) = ok!(p.process_create(p.job_default(), b"child", 0));
    let v = vmo(&p, P);
    let addr = ok!(p.vmar_map(child_root, RW, 0, v, 0, P));
    let other = ok!(p.process_for_handle(child));
    other.write_mapped(addr, b"x").unwrap();
    ok!(p.handle_close(child));
    // A Process value still holds it.
    assert_eq!(vmo_info(&p, v).num_mappings, 1);
    drop(other);
    assert_eq!(vmo_info(&p, v).num_mappings, 0, "ended: its address space is gone");
    assert_err!(p.vmar_map(child_root, R, 0, v, 0, P), ZX_ERR_BAD_STATE);
    let info = ok!(p.object_get_info_vmar(child_root));
    assert_eq!((info.base, info.len), (BASE, SIZE));
    let me = p.process_self();
    assert_eq!(ok!(p.process_for_handle(me)).koid(), p.koid());
    finish(&k, &p, &[child_root, v, me]);
}

#[test]
fn process_for_handle_checks_the_handle() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    assert_err!(p.process_for_handle(999).map(|q| q.koid()), ZX_ERR_BAD_HANDLE);
    assert_err!(p.process_for_handle(v).map(|q| q.koid()), ZX_ERR_WRONG_TYPE);
    let (child, root) = ok!(p.process_create(p.job_default(), b"c", 0));
    let other = ok!(p.process_for_handle(child));
    assert_eq!(other.read_mapped(BASE, &mut [0]), Err(fault(BASE, Access::Read, ZX_ERR_NOT_FOUND)));
    drop(other);
    finish(&k, &p, &[v, child, root]);
}
