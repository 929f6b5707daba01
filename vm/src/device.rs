//! The emulated device-memory window that physical VMOs map: physical addresses outside the
//! RAM, with contents of their own.
//!
//! The window is sparse: a page reads zero until first written, and only written pages use
//! host memory. One lock guards it; device memory is not on the anonymous VMOs' data path.

use std::collections::HashMap;

use crate::arena::PAGE_SIZE;
use crate::sync::Mutex;

const PAGE: u64 = PAGE_SIZE as u64;

/// The device-memory window `[base, base + size)`.
///
/// ```
/// let device = zx_vm::DeviceMemory::new(0x10_0000_0000, 1 << 20);
/// device.write(0x10_0000_0ffe, b"mmio");
/// let mut back = [0u8; 4];
/// device.read(0x10_0000_0ffe, &mut back);
/// assert_eq!(&back, b"mmio");
/// ```
#[derive(Debug)]
pub struct DeviceMemory {
    base: u64,
    size: u64,
    pages: Mutex<HashMap<u64, Box<[u8; PAGE_SIZE]>>>,
}

impl DeviceMemory {
    /// A window of `size` bytes at physical address `base`.
    ///
    /// ```
    /// assert!(zx_vm::DeviceMemory::new(0, 4096).contains(0, 4096));
    /// ```
    pub fn new(base: u64, size: u64) -> DeviceMemory {
        DeviceMemory { base, size, pages: Mutex::new(HashMap::new()) }
    }

    /// True when `[paddr, paddr + len)` lies inside the window (overflow included).
    ///
    /// ```
    /// let device = zx_vm::DeviceMemory::new(0x1000, 0x1000);
    /// assert!(!device.contains(0x1000, 0x2000));
    /// ```
    pub fn contains(&self, paddr: u64, len: u64) -> bool {
        let Some(end) = paddr.checked_add(len) else { return false };
        paddr >= self.base && end <= self.base.saturating_add(self.size)
    }

    fn chunks(paddr: u64, len: usize) -> impl Iterator<Item = (u64, usize, usize, usize)> {
        let mut done = 0usize;
        std::iter::from_fn(move || {
            if done >= len {
                return None;
            }
            let at = paddr + done as u64;
            let in_page = (at % PAGE) as usize;
            let chunk = (PAGE_SIZE - in_page).min(len - done);
            let item = (at - at % PAGE, in_page, chunk, done);
            done += chunk;
            Some(item)
        })
    }

    /// Reads bytes at `paddr` (the caller has checked the range).
    ///
    /// ```
    /// let device = zx_vm::DeviceMemory::new(0, 4096);
    /// let mut b = [1u8; 2];
    /// device.read(0, &mut b);
    /// assert_eq!(b, [0, 0]);
    /// ```
    pub fn read(&self, paddr: u64, buffer: &mut [u8]) {
        let pages = self.pages.lock();
        for (page, in_page, len, done) in Self::chunks(paddr, buffer.len()) {
            let out = &mut buffer[done..done + len];
            match pages.get(&page) {
                Some(bytes) => out.copy_from_slice(&bytes[in_page..in_page + len]),
                None => out.fill(0),
            }
        }
    }

    /// Writes bytes at `paddr` (the caller has checked the range).
    ///
    /// ```
    /// let device = zx_vm::DeviceMemory::new(0, 4096);
    /// device.write(10, &[1, 2]);
    /// ```
    pub fn write(&self, paddr: u64, buffer: &[u8]) {
        let mut pages = self.pages.lock();
        for (page, in_page, len, done) in Self::chunks(paddr, buffer.len()) {
            let bytes = pages.entry(page).or_insert_with(|| Box::new([0; PAGE_SIZE]));
            bytes[in_page..in_page + len].copy_from_slice(&buffer[done..done + len]);
        }
    }
}
