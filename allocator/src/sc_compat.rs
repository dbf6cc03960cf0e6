//! [`ScMemory`]: any [`Memory`] of this crate seen through `sc_allocator::Memory`, so that
//! `sc_allocator::FreeingBumpHeapAllocator` (sc-allocator 39, the reference this allocator must
//! equal) runs on the same memory type as [`FreeingBumpHeapAllocator`](crate::FreeingBumpHeapAllocator).
//!
//! Only built with the `sc-allocator-compat` cargo feature (off by default): the product never
//! needs sc-allocator, its differential tests, benches and fuzz targets do.
//!
//! # Why a wrapper
//!
//! The two `Memory` traits have the same shape (see the `memory` module) but are different
//! traits, and a blanket `impl<M: Memory> sc_allocator::Memory for M` is not allowed (both the
//! trait and `M` would be foreign to sc-allocator's crate graph). A transparent newtype is the one
//! implementation that serves every memory: [`VecMemory`] (the default type parameter) as well
//! as a caller's own [`Memory`], e.g. one that refuses growth beyond a cap it does not declare.
//!
//! # Semantics
//!
//! Every method forwards to the wrapped memory and adds nothing: no bounds checks (sc-allocator
//! checks its reads and writes against the slice it is given and reports
//! `"read out of heap bounds"` / `"write out of heap bounds"` itself), no growth policy, no
//! limit, no recording. So the reference sees exactly the bytes, page count, maximum and growth
//! outcomes that this crate's allocator sees through [`Memory`], and a differential test
//! comparing both allocators step by step compares the allocators alone. The wrapped memory
//! stays reachable as the public field `.0` (tests read, write, grow and shrink it directly).

use crate::memory::Memory;
use crate::vec_memory::VecMemory;

/// A [`Memory`] usable by `sc_allocator::FreeingBumpHeapAllocator`: `sc_allocator::Memory`
/// forwarded unchanged to the wrapped memory `M`.
///
/// ```
/// use subexec_allocator::{FreeingBumpHeapAllocator, ScMemory, VecMemory};
///
/// let mut ours = VecMemory::new(1, Some(2));
/// let mut reference = ScMemory(ours.clone());
/// let mut heap = FreeingBumpHeapAllocator::new(0);
/// let mut reference_heap = sc_allocator::FreeingBumpHeapAllocator::new(0);
/// let ptr = heap.allocate(&mut ours, 100).unwrap();
/// let reference_ptr = reference_heap.allocate(&mut reference, 100).unwrap();
/// assert_eq!(ptr, u32::from(reference_ptr));
/// assert_eq!(ours, reference.0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScMemory<M = VecMemory>(
    /// The wrapped memory; everything sc-allocator does goes to it.
    pub M,
);

impl<M: Memory> sc_allocator::Memory for ScMemory<M> {
    #[inline]
    fn with_access_mut<R>(&mut self, run: impl FnOnce(&mut [u8]) -> R) -> R {
        self.0.with_access_mut(run)
    }

    #[inline]
    fn with_access<R>(&self, run: impl FnOnce(&[u8]) -> R) -> R {
        self.0.with_access(run)
    }

    #[inline]
    fn grow(&mut self, additional: u32) -> Result<(), ()> {
        self.0.grow(additional)
    }

    #[inline]
    fn pages(&self) -> u32 {
        self.0.pages()
    }

    #[inline]
    fn max_pages(&self) -> Option<u32> {
        self.0.max_pages()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{MAX_WASM_PAGES, PAGE_SIZE};
    use sc_allocator::Memory as ScTrait;
    use sp_wasm_interface::Pointer;

    const PAGE: usize = PAGE_SIZE as usize;

    /// A memory that declares no maximum but refuses to grow past `cap` pages (the shape of the
    /// fuzz target's memory), and counts the growth requests it receives.
    #[derive(Debug)]
    struct Capped {
        inner: VecMemory,
        cap: u32,
        grow_calls: u32,
    }

    impl Memory for Capped {
        fn with_access_mut<R>(&mut self, run: impl FnOnce(&mut [u8]) -> R) -> R {
            self.inner.with_access_mut(run)
        }
        fn with_access<R>(&self, run: impl FnOnce(&[u8]) -> R) -> R {
            self.inner.with_access(run)
        }
        fn grow(&mut self, additional: u32) -> Result<(), ()> {
            self.grow_calls += 1;
            match self.inner.pages().checked_add(additional) {
                Some(pages) if pages <= self.cap => self.inner.grow(additional),
                _ => Err(()),
            }
        }
        fn pages(&self) -> u32 {
            self.inner.pages()
        }
        fn max_pages(&self) -> Option<u32> {
            self.inner.max_pages()
        }
    }

    #[test]
    fn exposes_exactly_the_wrapped_bytes() {
        let mut memory = ScMemory(VecMemory::new(1, Some(2)));
        assert_eq!(ScTrait::with_access(&memory, <[u8]>::len), PAGE);
        ScTrait::with_access_mut(&mut memory, |bytes| {
            bytes[0] = 1;
            bytes[PAGE - 1] = 2;
        });
        assert_eq!((memory.0.data[0], memory.0.data[PAGE - 1]), (1, 2));
        memory.0.data[7] = 3;
        assert_eq!(ScTrait::with_access(&memory, |bytes| bytes[7]), 3);
        // An empty memory is an empty slice, not an error.
        let empty = ScMemory(VecMemory::new(0, None));
        assert_eq!(ScTrait::with_access(&empty, <[u8]>::len), 0);
    }

    #[test]
    fn grows_up_to_the_declared_maximum_and_no_further() {
        let mut memory = ScMemory(VecMemory::new(1, Some(3)));
        assert_eq!(ScTrait::max_pages(&memory), Some(3));
        assert_eq!(ScTrait::grow(&mut memory, 0), Ok(()));
        assert_eq!(ScTrait::grow(&mut memory, 2), Ok(()));
        assert_eq!(ScTrait::pages(&memory), 3);
        assert_eq!(memory.0.data.len(), 3 * PAGE);
        // Refused growth leaves the memory as it was.
        assert_eq!(ScTrait::grow(&mut memory, 1), Err(()));
        assert_eq!(ScTrait::grow(&mut memory, u32::MAX), Err(()));
        assert_eq!(ScTrait::pages(&memory), 3);
        assert_eq!(memory.0.data.len(), 3 * PAGE);
    }

    #[test]
    fn without_a_maximum_the_wasm_limit_applies() {
        let mut memory = ScMemory(VecMemory::new(0, None));
        assert_eq!(ScTrait::max_pages(&memory), None);
        assert_eq!(ScTrait::grow(&mut memory, MAX_WASM_PAGES + 1), Err(()));
        assert_eq!(ScTrait::grow(&mut memory, u32::MAX), Err(()));
        assert_eq!(ScTrait::pages(&memory), 0);
    }

    #[test]
    fn reports_whole_pages_of_a_truncated_memory() {
        // Tests shrink the wrapped memory by truncating it; a partial page does not count.
        let mut memory = ScMemory(VecMemory::new(2, None));
        memory.0.data.truncate(PAGE + 1);
        assert_eq!(ScTrait::pages(&memory), 1);
        assert_eq!(ScTrait::with_access(&memory, <[u8]>::len), PAGE + 1);
    }

    #[test]
    fn forwards_growth_to_the_wrapped_memory_and_its_limits() {
        // Declares no maximum, so sc-allocator believes it may double up to 65 536 pages, but the
        // wrapped memory refuses past 2 pages: the refusal must reach sc-allocator unchanged.
        let mut memory = ScMemory(Capped {
            inner: VecMemory::new(1, None),
            cap: 2,
            grow_calls: 0,
        });
        assert_eq!(ScTrait::max_pages(&memory), None);
        let mut heap = sc_allocator::FreeingBumpHeapAllocator::new(0);
        // 32 KiB blocks (+ 8-byte headers): the first fits in page 1, the second needs a second
        // page (doubling 1 -> 2 pages, within the cap), the fourth would need a third page.
        let block = PAGE_SIZE / 2;
        let expected = [8, 8 + block + 8, 8 + 2 * (block + 8)];
        for ptr in expected {
            assert_eq!(heap.allocate(&mut memory, block).map(u32::from), Ok(ptr));
        }
        assert_eq!((ScTrait::pages(&memory), memory.0.grow_calls), (2, 1));
        assert_eq!(
            heap.allocate(&mut memory, block),
            Err(sc_allocator::Error::AllocatorOutOfSpace)
        );
        assert_eq!((ScTrait::pages(&memory), memory.0.grow_calls), (2, 2));
    }

    #[test]
    fn out_of_bounds_header_accesses_are_sc_allocator_errors() {
        // A 1-page memory that cannot grow: a block whose header lies past the end, or straddles
        // it, makes sc-allocator fail cleanly on the slice this adapter hands it.
        let mut memory = ScMemory(VecMemory::fixed(1));
        let before = memory.clone();
        for ptr in [PAGE_SIZE + 8, PAGE_SIZE + 4, u32::MAX] {
            let mut heap = sc_allocator::FreeingBumpHeapAllocator::new(0);
            let error = heap.deallocate(&mut memory, Pointer::new(ptr)).unwrap_err();
            assert_eq!(error.to_string(), "Other: read out of heap bounds", "{ptr}");
        }
        assert_eq!(memory, before);
        // A block ending exactly at the end of the page is fine; one byte more is not.
        let mut heap = sc_allocator::FreeingBumpHeapAllocator::new(PAGE_SIZE - 16);
        let ptr = heap.allocate(&mut memory, 8).map(u32::from);
        assert_eq!(ptr, Ok(PAGE_SIZE - 8));
        assert_eq!(
            heap.allocate(&mut memory, 1),
            Err(sc_allocator::Error::AllocatorOutOfSpace)
        );
        assert_eq!(ScTrait::pages(&memory), 1);
    }
}
