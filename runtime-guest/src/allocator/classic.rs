//! Host-side allocation with the alignment shim real runtimes use.
//!
//! The host returns 8-byte-aligned pointers (abi.md §1). A layout with alignment ≤ 8 is
//! passed through unchanged. A larger alignment `A` asks for `size + A − 8` bytes, rounds the
//! pointer up to `A` and stores the distance it moved (a multiple of 8, at most `A − 8`) as a
//! little-endian `u16` in the two bytes just before the aligned pointer; `dealloc` reads it
//! back to find the host pointer. When the distance is 0 those two bytes are bytes 6..7 of the
//! host's 8-byte header, which is why the host allocator only looks at bit 32 of a header.

use crate::host::{host_free, host_malloc};
use core::alloc::{GlobalAlloc, Layout};

/// Alignment the host guarantees.
const HOST_ALIGN: usize = 8;

/// The classic-mode global allocator.
struct HostAllocator;

#[global_allocator]
static ALLOCATOR: HostAllocator = HostAllocator;

// SAFETY: `alloc` returns either null or a block of at least `layout.size()` bytes aligned to
// `layout.align()` that no one else uses until `dealloc`; `dealloc` undoes exactly what
// `alloc` did for the same layout.
unsafe impl GlobalAlloc for HostAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let align = layout.align();
        if align <= HOST_ALIGN {
            return match u32::try_from(layout.size()) {
                Ok(size) => host_malloc(size),
                Err(_) => core::ptr::null_mut(),
            };
        }
        // The distance stored must fit a u16.
        if align > u16::MAX as usize + 1 {
            return core::ptr::null_mut();
        }
        let Some(size) = layout
            .size()
            .checked_add(align - HOST_ALIGN)
            .and_then(|size| u32::try_from(size).ok())
        else {
            return core::ptr::null_mut();
        };
        let raw = host_malloc(size);
        if raw.is_null() {
            return raw;
        }
        let offset = raw.align_offset(align);
        // SAFETY: `raw` is 8-aligned, so `offset ≤ align − 8` and `raw + offset + size` stays
        // inside the `size + align − 8` bytes allocated. The two bytes before the aligned
        // pointer are either inside the block (offset ≥ 8) or the last two bytes of the host's
        // header (offset 0), which the host ignores (abi.md §1).
        unsafe {
            let aligned = raw.add(offset);
            aligned
                .sub(2)
                .cast::<[u8; 2]>()
                .write_unaligned((offset as u16).to_le_bytes());
            aligned
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.align() <= HOST_ALIGN {
            host_free(ptr);
            return;
        }
        // SAFETY: `ptr` came from `alloc` with the same over-aligned layout, which stored the
        // distance to the host pointer in the two bytes before it.
        unsafe {
            let offset = u16::from_le_bytes(ptr.sub(2).cast::<[u8; 2]>().read_unaligned());
            host_free(ptr.sub(offset as usize));
        }
    }
}
