//! `ZX_PROP_NAME` beyond plain VMOs: BTIs can be named, and a new child of any type starts out
//! with its parent's name (when the parent handle may read it), as in Zircon.

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::Process;

/// Every child type `vmo_create_child` accepts on an anonymous, fixed-size VMO.
const CHILD_TYPES: [(u32, &str); 5] = [
    (ZX_VMO_CHILD_SNAPSHOT, "SNAPSHOT"),
    (ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, "SNAPSHOT_AT_LEAST_ON_WRITE"),
    (ZX_VMO_CHILD_SNAPSHOT_MODIFIED, "SNAPSHOT_MODIFIED"),
    (ZX_VMO_CHILD_SLICE, "SLICE"),
    (ZX_VMO_CHILD_REFERENCE, "REFERENCE"),
];

/// The size argument a child type takes for a parent of `pages` pages.
fn child_size(options: u32, pages: u64) -> u64 {
    if options == ZX_VMO_CHILD_REFERENCE {
        0
    } else {
        pages * P
    }
}

fn set_name(p: &Process, h: zx_handle_t, name: &[u8]) {
    ok!(p.object_set_property(h, ZX_PROP_NAME, name));
}

#[test]
fn bti_takes_a_name_and_reads_it_back() {
    let (kernel, p) = setup();
    let dev = Dev::new(&p);
    assert_eq!(name_prop(&p, dev.bti), [0; 32], "a new BTI has an empty name");
    set_name(&p, dev.bti, b"dma-engine");
    assert_eq!(name_prop(&p, dev.bti), padded_name(b"dma-engine"));
    // Longer names are cut to 31 bytes and a NUL, as for VMOs.
    set_name(&p, dev.bti, &[b'b'; 50]);
    assert_eq!(name_prop(&p, dev.bti), padded_name(&[b'b'; 31]));
    // A second BTI keeps its own name.
    let other = dev.another_bti(&p);
    assert_eq!(name_prop(&p, other), [0; 32]);
    close_all(&p, &[other]);
    dev.close(&p);
    assert_no_leak(&kernel);
}

#[test]
fn bti_handle_has_the_default_bti_rights() {
    let (kernel, p) = setup();
    let dev = Dev::new(&p);
    // (BASIC without WAIT) | IO | PROPERTY | MAP.
    assert_eq!(rights_of(&p, dev.bti), 0x80EF);
    assert_eq!(ZX_DEFAULT_BTI_RIGHTS, 0x80EF);
    assert_eq!(rights_of(&p, dev.bti) & ZX_RIGHT_WAIT, 0);
    // No WAIT: waiting on a BTI is refused before anything else.
    assert_err!(p.object_wait_one(dev.bti, 1, ZX_TIME_INFINITE_PAST), ZX_ERR_ACCESS_DENIED);
    // Naming still follows the property rights of the handle.
    let no_set = dup(&p, dev.bti, ZX_DEFAULT_BTI_RIGHTS & !ZX_RIGHT_SET_PROPERTY);
    assert_err!(p.object_set_property(no_set, ZX_PROP_NAME, b"x"), ZX_ERR_ACCESS_DENIED);
    let no_get = dup(&p, dev.bti, ZX_DEFAULT_BTI_RIGHTS & !ZX_RIGHT_GET_PROPERTY);
    assert_err!(p.object_get_property(no_get, ZX_PROP_NAME, &mut [0; 32]), ZX_ERR_ACCESS_DENIED);
    // The content size is a VMO property: any other object is the wrong type.
    assert_err!(
        p.object_set_property(dev.bti, ZX_PROP_VMO_CONTENT_SIZE, &5u64.to_le_bytes()),
        ZX_ERR_WRONG_TYPE
    );
    close_all(&p, &[no_set, no_get]);
    dev.close(&p);
    assert_no_leak(&kernel);
}

#[test]
fn name_buffer_too_small_for_a_bti_is_buffer_too_small() {
    let (kernel, p) = setup();
    let dev = Dev::new(&p);
    set_name(&p, dev.bti, b"bti");
    assert_err!(
        p.object_get_property(dev.bti, ZX_PROP_NAME, &mut [0; 31]),
        ZX_ERR_BUFFER_TOO_SMALL
    );
    dev.close(&p);
    assert_no_leak(&kernel);
}

#[test]
fn every_child_type_takes_the_parents_name() {
    let (kernel, p) = setup();
    let parent = vmo(&p, 2 * P);
    set_name(&p, parent, b"parent-name");
    for (options, what) in CHILD_TYPES {
        let c = child(&p, parent, options, 0, child_size(options, 2));
        assert_eq!(name_prop(&p, c), padded_name(b"parent-name"), "{what} child's name");
        assert_eq!(&vmo_info(&p, c).name, &padded_name(b"parent-name"), "{what}: ZX_INFO_VMO");
        close_all(&p, &[c]);
    }
    close_all(&p, &[parent]);
    assert_no_leak(&kernel);
}

#[test]
fn child_name_is_a_copy_not_a_link() {
    let (kernel, p) = setup();
    let parent = vmo(&p, P);
    set_name(&p, parent, b"first");
    let slice = child(&p, parent, ZX_VMO_CHILD_SLICE, 0, P);
    let snap = child(&p, parent, ZX_VMO_CHILD_SNAPSHOT, 0, P);
    // Renaming the parent afterwards does not rename the children, and the other way round.
    set_name(&p, parent, b"second");
    assert_eq!(name_prop(&p, slice), padded_name(b"first"));
    assert_eq!(name_prop(&p, snap), padded_name(b"first"));
    set_name(&p, snap, b"snap");
    assert_eq!(name_prop(&p, parent), padded_name(b"second"));
    // A grandchild takes the name its own parent has now.
    let grandchild = child(&p, snap, ZX_VMO_CHILD_SNAPSHOT, 0, P);
    assert_eq!(name_prop(&p, grandchild), padded_name(b"snap"));
    close_all(&p, &[grandchild, snap, slice, parent]);
    assert_no_leak(&kernel);
}

#[test]
fn child_of_a_handle_without_get_property_starts_unnamed() {
    let (kernel, p) = setup();
    let parent = vmo(&p, P);
    set_name(&p, parent, b"secret");
    let blind = dup(&p, parent, ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ | ZX_RIGHT_WRITE);
    for (options, what) in CHILD_TYPES {
        let c = child(&p, blind, options, 0, child_size(options, 1));
        // The child's handle gets GET_PROPERTY, but the name was not the caller's to read.
        assert_eq!(name_prop(&p, c), [0; 32], "{what} child of a handle without GET_PROPERTY");
        close_all(&p, &[c]);
    }
    close_all(&p, &[blind, parent]);
    assert_no_leak(&kernel);
}
