//! The frame arena: the emulated RAM, and the only module of zxemu with `unsafe` code.
//!
//! The RAM is one anonymous mapping reserved once at start and touched lazily: a page of
//! it becomes resident only when a frame in it is first written (or zeroed), so a large
//! emulated RAM costs nothing until it is used.
//!
//! Ownership of frame contents is expressed with [`Frame`] tokens. Invariants:
//! - the page allocator is the only code that creates `Frame`s, and it never has two
//!   `Frame`s with the same index alive at once (a frame is either free in the allocator
//!   or owned by exactly one `Frame` value);
//! - a `Frame` is used only with the arena whose allocator created it (frames never leave
//!   the kernel that owns them; the constructor is private to this crate).
//!
//! From these, `&Frame` gives shared access and `&mut Frame` exclusive access to the 4 KiB
//! of the arena it names, exactly as if the bytes were stored inside the token.

use memmap2::MmapMut;

/// Bytes in a page.
///
/// ```
/// assert_eq!(zx_vm::PAGE_SIZE, 4096);
/// ```
pub const PAGE_SIZE: usize = 4096;

/// Ownership of one frame of emulated RAM: not `Clone`, not `Copy`; handing it on moves it,
/// and the only way to get rid of it is to give it back to the allocator.
///
/// ```
/// use zx_vm::{PageAllocator, ZeroFill};
/// let allocator = PageAllocator::new(4 * 4096, 0x8000_0000);
/// let frame = allocator.alloc(ZeroFill::Yes).unwrap();
/// assert_eq!(allocator.paddr(&frame), 0x8000_0000);
/// allocator.free(frame);
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct Frame {
    index: u32,
}

impl Frame {
    /// Mints a token. Only the allocator calls this, for a frame it has just taken off
    /// its free bitmap.
    pub(crate) fn mint(index: u32) -> Frame {
        Frame { index }
    }

    /// Consumes the token without running its leak check; the allocator calls this when
    /// the frame goes back on its free bitmap.
    pub(crate) fn retire(self) -> u32 {
        let index = self.index;
        std::mem::forget(self);
        index
    }

    /// The frame's index in the arena (its physical address is the RAM base plus
    /// `index * PAGE_SIZE`).
    ///
    /// ```
    /// # use zx_vm::{PageAllocator, ZeroFill};
    /// # let allocator = PageAllocator::new(4096, 0);
    /// let frame = allocator.alloc(ZeroFill::Yes).unwrap();
    /// assert_eq!(frame.index(), 0);
    /// # allocator.free(frame);
    /// ```
    pub fn index(&self) -> u32 {
        self.index
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        // A frame dropped instead of freed is a leak; `check_invariants` finds it in
        // release builds, debug builds say where it happened.
        debug_assert!(std::thread::panicking(), "frame {} dropped without being freed", self.index);
    }
}

/// The bytes of the emulated RAM.
pub(crate) struct FrameArena {
    /// Keeps the mapping alive; `None` for an empty RAM.
    _mapping: Option<MmapMut>,
    base: *mut u8,
    frames: u32,
}

// SAFETY: the arena hands out access to frame bytes only through `Frame` tokens, which
// are unique per index (module invariant): two threads can only touch the same bytes
// through `&Frame` (shared, read-only) or through a `&mut Frame` that excludes every other
// access. The raw pointer itself is never written after construction.
#[allow(unsafe_code)]
unsafe impl Send for FrameArena {}
// SAFETY: as for `Send`: all access to the bytes is mediated by unique `Frame` tokens.
#[allow(unsafe_code)]
unsafe impl Sync for FrameArena {}

impl FrameArena {
    /// Reserves `frames` frames of zero-filled, lazily touched memory; the host's error
    /// when it refuses to reserve the address space.
    pub(crate) fn try_new(frames: u32) -> std::io::Result<FrameArena> {
        let bytes = frames as usize * PAGE_SIZE;
        if bytes == 0 {
            return Ok(FrameArena {
                _mapping: None,
                base: std::ptr::NonNull::dangling().as_ptr(),
                frames,
            });
        }
        let mut mapping = MmapMut::map_anon(bytes)?;
        let base = mapping.as_mut_ptr();
        Ok(FrameArena { _mapping: Some(mapping), base, frames })
    }

    fn offset_of(&self, frame: &Frame) -> usize {
        assert!(frame.index < self.frames, "frame {} outside the arena", frame.index);
        frame.index as usize * PAGE_SIZE
    }

    /// The bytes of a frame, for reading.
    pub(crate) fn bytes<'a>(&'a self, frame: &'a Frame) -> &'a [u8; PAGE_SIZE] {
        let offset = self.offset_of(frame);
        // SAFETY: `offset + PAGE_SIZE` lies inside the mapping (checked above, and the
        // mapping lives as long as `self`). The `&Frame` borrow proves that no `&mut Frame`
        // for this index exists while the returned reference lives (tokens are unique),
        // so nobody writes these bytes meanwhile.
        #[allow(unsafe_code)]
        unsafe {
            &*(self.base.add(offset) as *const [u8; PAGE_SIZE])
        }
    }

    /// The bytes of a frame, for writing.
    pub(crate) fn bytes_mut<'a>(&'a self, frame: &'a mut Frame) -> &'a mut [u8; PAGE_SIZE] {
        let offset = self.offset_of(frame);
        // SAFETY: in bounds as above. The `&mut Frame` borrow is the only access path to
        // this index while it lives (tokens are unique), so the returned reference is the
        // only reference to these bytes.
        #[allow(unsafe_code)]
        unsafe {
            &mut *(self.base.add(offset) as *mut [u8; PAGE_SIZE])
        }
    }
}

impl std::fmt::Debug for FrameArena {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameArena").field("frames", &self.frames).finish()
    }
}
