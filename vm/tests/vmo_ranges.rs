//! VMO operations over huge ranges cost time in committed pages, never in the range's length,
//! and every page is accounted for afterwards.

use zx_vm::{Vm, VmError, VmoOptions, MAX_VMO_SIZE, PAGE_SIZE};

const PAGE: u64 = PAGE_SIZE as u64;

#[test]
fn huge_ranges_on_a_maximal_vmo_finish_at_once() {
    let vm = Vm::new(8 * PAGE, 0);
    let vmo = vm.create_vmo(1, MAX_VMO_SIZE, VmoOptions::default()).unwrap();
    vmo.write(&[7; 3], MAX_VMO_SIZE - 3).unwrap();
    assert_eq!(vmo.commit(0, MAX_VMO_SIZE), Err(VmError::NoMemory));
    assert_eq!(vm.allocator().free_frames(), 7, "a failed commit allocates nothing");
    vmo.zero(1, MAX_VMO_SIZE - 1).unwrap();
    let mut tail = [1u8; 3];
    vmo.read(&mut tail, MAX_VMO_SIZE - 3).unwrap();
    assert_eq!(tail, [0; 3]);
    vmo.write(&[9], 5 * PAGE).unwrap();
    vmo.decommit(0, MAX_VMO_SIZE).unwrap();
    assert_eq!(vm.allocator().free_frames(), 8);
    vm.check_invariants().unwrap();
}

#[test]
fn zero_keeps_bytes_outside_the_range() {
    let vm = Vm::new(8 * PAGE, 0);
    let vmo = vm.create_vmo(1, 4 * PAGE, VmoOptions::default()).unwrap();
    vmo.write(&vec![0xAA; 4 * PAGE_SIZE], 0).unwrap();
    vmo.zero(PAGE - 1, 2 * PAGE + 2).unwrap();
    let mut all = vec![0u8; 4 * PAGE_SIZE];
    vmo.read(&mut all, 0).unwrap();
    let zeroed = (PAGE - 1) as usize..(3 * PAGE + 1) as usize;
    for (i, &b) in all.iter().enumerate() {
        assert_eq!(b, if zeroed.contains(&i) { 0 } else { 0xAA }, "byte {i}");
    }
    // Pages 1 and 2 were whole inside the range: their frames went back.
    assert_eq!(vmo.info().committed_bytes, 2 * PAGE);
    vm.check_invariants().unwrap();
}

#[test]
fn shrink_frees_and_zeroes_the_tail() {
    let vm = Vm::new(4 * PAGE, 0);
    let options = VmoOptions { resizable: true, ..Default::default() };
    let vmo = vm.create_vmo(1, 3 * PAGE, options).unwrap();
    vmo.write(&vec![1; 3 * PAGE_SIZE], 0).unwrap();
    vmo.set_size(PAGE + 10).unwrap();
    assert_eq!((vmo.size(), vmo.content_size()), (2 * PAGE, PAGE + 10));
    assert_eq!(vm.allocator().free_frames(), 2);
    vmo.set_size(3 * PAGE).unwrap();
    let mut page1 = vec![0u8; PAGE_SIZE];
    vmo.read(&mut page1, PAGE).unwrap();
    assert!(page1[..10].iter().all(|&b| b == 1));
    assert!(page1[10..].iter().all(|&b| b == 0));
    let mut page2 = vec![1u8; PAGE_SIZE];
    vmo.read(&mut page2, 2 * PAGE).unwrap();
    assert!(page2.iter().all(|&b| b == 0));
    vm.check_invariants().unwrap();
}

#[test]
fn failed_write_changes_nothing() {
    let vm = Vm::new(2 * PAGE, 0);
    let vmo = vm.create_vmo(1, 4 * PAGE, VmoOptions::default()).unwrap();
    vmo.write(&[5], 0).unwrap();
    assert_eq!(vmo.write(&vec![9; 3 * PAGE_SIZE], 0), Err(VmError::NoMemory));
    let mut first = [0u8; 2];
    vmo.read(&mut first, 0).unwrap();
    assert_eq!(first, [5, 0]);
    assert_eq!(vm.allocator().free_frames(), 1);
    vm.check_invariants().unwrap();
}

/// Regression (found by the loom model `pin_racing_decommit`): a recycled frame committed
/// into a page that read zero must read zero, not its previous owner's bytes.
#[test]
fn recycled_frames_read_zero() {
    let vm = Vm::new(2 * PAGE, 0);
    let vmo = vm.create_vmo(1, PAGE, VmoOptions::default()).unwrap();
    vmo.write(&[0xAB; PAGE_SIZE], 0).unwrap();
    vmo.decommit(0, PAGE).unwrap();
    vmo.commit(0, PAGE).unwrap();
    let mut page = vec![1u8; PAGE_SIZE];
    vmo.read(&mut page, 0).unwrap();
    assert!(page.iter().all(|&b| b == 0), "a recycled frame leaked its old bytes");
    vmo.decommit(0, PAGE).unwrap();
    vmo.write(&[1], 7).unwrap();
    vmo.read(&mut page, 0).unwrap();
    assert_eq!(page.iter().filter(|&&b| b != 0).count(), 1);
}
