//! The freeing-bump allocator: one call of [`FreeingBumpHeapAllocator::allocate`] or
//! [`FreeingBumpHeapAllocator::deallocate`], step by step.
//!
//! `allocate(size)`:
//! 1. poisoned ⇒ fail (the [`Poison`] guard);
//! 2. memory smaller than at the previous call ⇒ `MemoryShrinked`;
//! 3. size class from `size` (over 32 MiB ⇒ `RequestedAllocationTooLarge`);
//! 4. free list of that class non-empty ⇒ pop its head, after checking that the block fits in
//!    memory and that its header is free;
//! 5. otherwise bump: take `class + 8` bytes at the bump pointer, growing the memory (doubling,
//!    capped by its maximum, at least what is needed) if they do not fit;
//! 6. write the occupied header, count the bytes, return header + 8.
//!
//! `deallocate(ptr)`: poison and shrink checks; the header at `ptr - 8` must be occupied; the
//! block becomes the head of its class's free list; the live byte count goes down.
//!
//! Both are the `*_observed` versions called with [`NoObserver`]: an observer (see the
//! `observer` module) is told each call's outcome afterwards and changes nothing.
//!
//! Arithmetic that sc-allocator leaves to release-build wrapping wraps here too (the bump
//! pointer, the live byte count, `address_space_used`, the heap-base rounding); everything else
//! is checked or provably in range, so no input panics in any build.

use crate::error::{
    Error, EMPTY_HEADER, FREE_LIST_OCCUPIED, INVALID_DEALLOCATION_POINTER, INVALID_HEADER_POINTER,
    UNDERFLOW,
};
use crate::free_lists::FreeLists;
use crate::header::{Header, HeaderSlot, Link, HEADER_SIZE};
use crate::memory::{bytes_in_pages, Memory, MAX_WASM_PAGES, PAGE_SIZE};
use crate::observer::{AllocationEvent, AllocationObserver, HeapSnapshot, NoObserver};
use crate::order::{Order, MIN_POSSIBLE_ALLOCATION};
use crate::poison::Poison;
use crate::stats::AllocationStats;

/// The host-side heap allocator of a classic Substrate runtime call.
///
/// Create a fresh one for every runtime call with the runtime's `__heap_base`; it keeps the bump
/// pointer, the free-list heads, the statistics and the poison flag, while the block headers
/// live in the memory passed to each call.
///
/// ```
/// use subexec_allocator::{FreeingBumpHeapAllocator, VecMemory};
///
/// let mut memory = VecMemory::new(1, None);
/// let mut heap = FreeingBumpHeapAllocator::new(13); // rounded up to 16
/// let a = heap.allocate(&mut memory, 1).unwrap();
/// assert_eq!(a, 24);
/// heap.deallocate(&mut memory, a).unwrap();
/// assert_eq!(heap.allocate(&mut memory, 5), Ok(24)); // reused from the free list
/// ```
#[derive(Debug)]
pub struct FreeingBumpHeapAllocator {
    poison: Poison,
    heap: Heap,
}

/// Everything but the poison flag.
#[derive(Debug)]
struct Heap {
    /// The heap base rounded up to 8.
    heap_base: u32,
    /// Address of the next bump allocation's header.
    bumper: u32,
    free_lists: FreeLists,
    /// Memory size (bytes) seen at the start of the previous call.
    last_observed_memory_size: u64,
    stats: AllocationStats,
}

impl FreeingBumpHeapAllocator {
    /// An empty heap starting at `heap_base` rounded up to a multiple of 8.
    ///
    /// As in a release build of sc-allocator, a `heap_base` of `0xFFFF_FFF9` or more rounds to 0.
    pub fn new(heap_base: u32) -> Self {
        let heap_base =
            heap_base.wrapping_add(MIN_POSSIBLE_ALLOCATION - 1) & !(MIN_POSSIBLE_ALLOCATION - 1);
        Self {
            poison: Poison::default(),
            heap: Heap {
                heap_base,
                bumper: heap_base,
                free_lists: FreeLists::new(),
                last_observed_memory_size: 0,
                stats: AllocationStats::default(),
            },
        }
    }

    /// Allocates `size` bytes (rounded up to a power of two, at least 8, at most 32 MiB) and
    /// returns the pointer to them, 8-byte aligned unless a forged free list says otherwise.
    ///
    /// May grow `mem`. Any error poisons the allocator.
    #[inline]
    pub fn allocate(&mut self, mem: &mut impl Memory, size: u32) -> Result<u32, Error> {
        self.allocate_observed(mem, size, &mut NoObserver)
    }

    /// Frees the block whose pointer is `ptr`.
    ///
    /// The pointer is trusted as far as its header goes: any occupied header is accepted, even
    /// one the guest forged outside the heap. Any error poisons the allocator.
    #[inline]
    pub fn deallocate(&mut self, mem: &mut impl Memory, ptr: u32) -> Result<(), Error> {
        self.deallocate_observed(mem, ptr, &mut NoObserver)
    }

    /// [`allocate`](Self::allocate), then tells `observer` what happened: an
    /// [`AllocationEvent::Allocated`] or [`AllocationEvent::AllocationFailed`] with the heap
    /// right after the call. The result is exactly `allocate`'s.
    #[inline]
    pub fn allocate_observed(
        &mut self,
        mem: &mut impl Memory,
        size: u32,
        observer: &mut impl AllocationObserver,
    ) -> Result<u32, Error> {
        if observer.enabled() {
            observer.before(mem.pages());
        }
        let heap = &mut self.heap;
        let result = self.poison.guard(|| heap.allocate(mem, size));
        if observer.enabled() {
            report_allocation(observer, size, &result, self.snapshot(mem));
        }
        result.map(|block| block.ptr)
    }

    /// [`deallocate`](Self::deallocate), then tells `observer` what happened: an
    /// [`AllocationEvent::Freed`] or [`AllocationEvent::FreeFailed`] with the heap right after
    /// the call. The result is exactly `deallocate`'s.
    #[inline]
    pub fn deallocate_observed(
        &mut self,
        mem: &mut impl Memory,
        ptr: u32,
        observer: &mut impl AllocationObserver,
    ) -> Result<(), Error> {
        if observer.enabled() {
            observer.before(mem.pages());
        }
        let heap = &mut self.heap;
        let result = self.poison.guard(|| heap.deallocate(mem, ptr));
        if observer.enabled() {
            report_free(observer, ptr, &result, self.snapshot(mem));
        }
        result.map(|_| ())
    }

    /// The heap as an observer sees it.
    fn snapshot(&self, mem: &impl Memory) -> HeapSnapshot {
        HeapSnapshot {
            bumper: self.heap.bumper,
            memory_pages: mem.pages(),
            max_pages: mem.max_pages(),
        }
    }

    /// The statistics so far.
    pub fn stats(&self) -> AllocationStats {
        self.heap.stats.clone()
    }

    /// True once a call has failed; every later call then fails with
    /// `Other("the allocator has been poisoned")`.
    pub fn is_poisoned(&self) -> bool {
        self.poison.is_poisoned()
    }
}

// The observer's side of each call is out of line: an observer switched off at run time (a
// `None` option) then adds only a flag test to the allocator's hot path.

/// Tells `observer` the outcome of `allocate(size)`.
#[inline(never)]
fn report_allocation(
    observer: &mut impl AllocationObserver,
    size: u32,
    result: &Result<Block, Error>,
    heap: HeapSnapshot,
) {
    let event = match result {
        Ok(block) => AllocationEvent::Allocated {
            size,
            order: block.order.raw(),
            ptr: block.ptr,
            from_free_list: block.from_free_list,
        },
        Err(error) => AllocationEvent::AllocationFailed {
            size,
            order: Order::from_size(size).ok().map(Order::raw),
            error: error.clone(),
        },
    };
    observer.observe(&event, heap);
}

/// Tells `observer` the outcome of `deallocate(ptr)`.
#[inline(never)]
fn report_free(
    observer: &mut impl AllocationObserver,
    ptr: u32,
    result: &Result<Order, Error>,
    heap: HeapSnapshot,
) {
    let event = match result {
        Ok(order) => AllocationEvent::Freed {
            ptr,
            order: order.raw(),
        },
        Err(error) => AllocationEvent::FreeFailed {
            ptr,
            error: error.clone(),
        },
    };
    observer.observe(&event, heap);
}

/// A successful allocation, as `Heap::allocate` reports it (the observer wants all of it).
struct Block {
    ptr: u32,
    order: Order,
    from_free_list: bool,
}

impl Heap {
    #[inline]
    fn allocate(&mut self, mem: &mut impl Memory, size: u32) -> Result<Block, Error> {
        let pages = mem.pages();
        let memory_size = self.observe_memory_size(pages)?;
        let order = Order::from_size(size)?;
        let block = order.size() + HEADER_SIZE;

        let (header_ptr, from_free_list) = match self.free_lists.head(order).target() {
            Some(header_ptr) => {
                if u64::from(header_ptr) + u64::from(block) > memory_size {
                    return Err(INVALID_HEADER_POINTER);
                }
                // Read and rewrite the header with one bounds check.
                let next = mem.with_access_mut(|memory| {
                    let slot = HeaderSlot::for_read(memory, header_ptr)?;
                    match slot.get()? {
                        Header::Free(next) => {
                            slot.set(Header::Occupied(order));
                            Ok(next)
                        }
                        Header::Occupied(_) => Err(FREE_LIST_OCCUPIED),
                    }
                })?;
                self.free_lists.replace(order, next);
                (header_ptr, true)
            }
            None => {
                let header_ptr = self.bump(mem, pages, memory_size, block)?;
                mem.with_access_mut(|memory| Header::Occupied(order).write(memory, header_ptr))?;
                (header_ptr, false)
            }
        };

        let stats = &mut self.stats;
        stats.bytes_allocated = stats.bytes_allocated.wrapping_add(block);
        stats.bytes_allocated_sum += u128::from(block);
        stats.bytes_allocated_peak = stats.bytes_allocated_peak.max(stats.bytes_allocated);
        stats.address_space_used = self.bumper.wrapping_sub(self.heap_base);

        Ok(Block {
            ptr: header_ptr.wrapping_add(HEADER_SIZE),
            order,
            from_free_list,
        })
    }

    #[inline]
    fn deallocate(&mut self, mem: &mut impl Memory, ptr: u32) -> Result<Order, Error> {
        self.observe_memory_size(mem.pages())?;
        let header_ptr = ptr
            .checked_sub(HEADER_SIZE)
            .ok_or(INVALID_DEALLOCATION_POINTER)?;

        let free_lists = &mut self.free_lists;
        let order = mem.with_access_mut(|memory| {
            let slot = HeaderSlot::for_read(memory, header_ptr)?;
            match slot.get()? {
                Header::Occupied(order) => {
                    let next = free_lists.replace(order, Link::to(header_ptr));
                    slot.set(Header::Free(next));
                    Ok(order)
                }
                Header::Free(_) => Err(EMPTY_HEADER),
            }
        })?;

        // Like sc-allocator, the block is already on the free list when this fails.
        self.stats.bytes_allocated = self
            .stats
            .bytes_allocated
            .checked_sub(order.size() + HEADER_SIZE)
            .ok_or(UNDERFLOW)?;
        Ok(order)
    }

    /// Fails if the memory shrank since the previous call; returns its size in bytes.
    #[inline]
    fn observe_memory_size(&mut self, pages: u32) -> Result<u64, Error> {
        let size = bytes_in_pages(pages);
        if size < self.last_observed_memory_size {
            return Err(Error::MemoryShrinked);
        }
        self.last_observed_memory_size = size;
        Ok(size)
    }

    /// Takes `block` bytes at the bump pointer, growing `mem` (currently `pages` pages,
    /// `memory_size` bytes) if needed; returns their address.
    #[inline]
    fn bump(
        &mut self,
        mem: &mut impl Memory,
        pages: u32,
        memory_size: u64,
        block: u32,
    ) -> Result<u32, Error> {
        let required_size = u64::from(self.bumper) + u64::from(block);
        if required_size > memory_size {
            // At most (2^32 + 2^25 + 8) / 2^16 pages: fits a u32.
            let required_pages = u32::try_from(required_size.div_ceil(u64::from(PAGE_SIZE)))
                .map_err(|_| Error::AllocatorOutOfSpace)?;
            let max_pages = mem.max_pages().unwrap_or(MAX_WASM_PAGES);
            if pages >= max_pages || required_pages > max_pages {
                return Err(Error::AllocatorOutOfSpace);
            }
            // Double, capped by the maximum, but at least what is required. `required_size`
            // exceeds `pages` pages, so `next_pages > pages`.
            let next_pages = pages.wrapping_mul(2).min(max_pages).max(required_pages);
            mem.grow(next_pages - pages)
                .map_err(|()| Error::AllocatorOutOfSpace)?;
        }
        let header_ptr = self.bumper;
        // Wraps to 0 only for a block ending exactly at 4 GiB, as in release sc-allocator.
        self.bumper = self.bumper.wrapping_add(block);
        Ok(header_ptr)
    }
}

#[cfg(test)]
mod tests;
