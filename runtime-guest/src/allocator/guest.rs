//! picoalloc over the module's own linear memory (RFC-0145 guest-side allocation).
//!
//! The heap is the address range `[align32(__heap_base), align32(__heap_base) + 1 GiB)`;
//! picoalloc asks for more of it lazily and we grow the memory with `memory.grow` to cover
//! what it uses (never shrinking, as wasm cannot). 1 GiB is picoalloc's own default for its
//! global allocator and its largest single allocation. A failed grow makes the allocation
//! return null, which Rust turns into a panic ("memory allocation of N bytes failed").

use core::arch::wasm32;
use picoalloc::{Allocator, Env, Mutex, Size};

/// Address space managed by the allocator.
const HEAP_SPACE: usize = 1024 * 1024 * 1024;
/// Wasm page size.
const PAGE_SIZE: usize = 65_536;

extern "C" {
    /// First byte after the static data and the stack, provided by the linker.
    static __heap_base: u8;
}

/// picoalloc's environment: this module's memory 0.
struct LinearMemory;

impl Env for LinearMemory {
    fn total_space(&self) -> Size {
        const { Size::from_bytes_usize(HEAP_SPACE).unwrap() }
    }

    unsafe fn allocate_address_space(&mut self) -> *mut u8 {
        let base = (&raw const __heap_base) as *mut u8;
        base.wrapping_add(base.align_offset(32))
    }

    unsafe fn expand_memory_until(&mut self, base: *mut u8, size: Size) -> bool {
        let Some(required) = (base as usize).checked_add(size.bytes() as usize) else {
            return false;
        };
        // A full 4 GiB memory does not fit `usize`: it certainly covers `required`.
        let current = wasm32::memory_size(0).saturating_mul(PAGE_SIZE);
        if required <= current {
            return true;
        }
        let pages = (required - current).div_ceil(PAGE_SIZE);
        wasm32::memory_grow(0, pages) != usize::MAX
    }

    unsafe fn free_address_space(&mut self, _base: *mut u8) {}
}

#[global_allocator]
static ALLOCATOR: Mutex<Allocator<LinearMemory>> = Mutex::new(Allocator::new(LinearMemory));
