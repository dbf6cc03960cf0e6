//! One test per rule of `docs/ABI.md` §1. Expected values are worked out by hand from
//! the spec (comments show the arithmetic), never taken from running this code.

use super::*;
use crate::VecMemory;

const PAGE: u32 = 65_536;

fn header_at(memory: &VecMemory, at: u32) -> [u8; 8] {
    let at = at as usize;
    memory.data[at..at + 8].try_into().unwrap()
}

fn set_header(memory: &mut VecMemory, at: u32, raw: u64) {
    let at = at as usize;
    memory.data[at..at + 8].copy_from_slice(&raw.to_le_bytes());
}

const OCCUPIED: u64 = 1 << 32;
const FREE_NIL: [u8; 8] = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];

fn other(message: &'static str) -> Error {
    Error::Other(message)
}

/// A memory whose `grow` always fails although its maximum would allow it.
struct RefusesToGrow(VecMemory);

impl Memory for RefusesToGrow {
    fn with_access_mut<R>(&mut self, run: impl FnOnce(&mut [u8]) -> R) -> R {
        self.0.with_access_mut(run)
    }
    fn with_access<R>(&self, run: impl FnOnce(&[u8]) -> R) -> R {
        self.0.with_access(run)
    }
    fn grow(&mut self, _: u32) -> Result<(), ()> {
        Err(())
    }
    fn pages(&self) -> u32 {
        self.0.pages()
    }
    fn max_pages(&self) -> Option<u32> {
        Some(100)
    }
}

/// A memory that claims one page but whose slice is only 4 bytes long.
struct Lies(Vec<u8>);

impl Memory for Lies {
    fn with_access_mut<R>(&mut self, run: impl FnOnce(&mut [u8]) -> R) -> R {
        run(&mut self.0)
    }
    fn with_access<R>(&self, run: impl FnOnce(&[u8]) -> R) -> R {
        run(&self.0)
    }
    fn grow(&mut self, _: u32) -> Result<(), ()> {
        Err(())
    }
    fn pages(&self) -> u32 {
        1
    }
    fn max_pages(&self) -> Option<u32> {
        Some(1)
    }
}

// ---- pointers and alignment -------------------------------------------------------------

#[test]
fn first_allocation_at_heap_base_zero_is_8() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(heap.allocate(&mut memory, 1), Ok(8));
}

#[test]
fn heap_base_is_rounded_up_to_8() {
    // 13 rounds up to 16; the header takes 16..24.
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(13);
    assert_eq!(heap.allocate(&mut memory, 1), Ok(24));
    let mut heap = FreeingBumpHeapAllocator::new(16);
    assert_eq!(heap.allocate(&mut VecMemory::new(1, None), 1), Ok(24));
}

#[test]
fn consecutive_bumps_add_class_plus_header() {
    // 1 -> class 8 at header 0; 9 -> class 16 at header 16; 1 -> class 8 at header 40.
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(heap.allocate(&mut memory, 1), Ok(8));
    assert_eq!(heap.allocate(&mut memory, 9), Ok(24));
    assert_eq!(heap.allocate(&mut memory, 1), Ok(48));
}

#[test]
fn zero_sized_requests_take_an_8_byte_block() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(heap.allocate(&mut memory, 0), Ok(8));
    assert_eq!(heap.allocate(&mut memory, 0), Ok(24));
    assert_eq!(heap.stats().bytes_allocated, 32);
}

#[test]
fn occupied_header_is_order_with_bit_32() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    heap.allocate(&mut memory, 1).unwrap();
    heap.allocate(&mut memory, 100).unwrap(); // class 128 = order 4, header at 16
    assert_eq!(header_at(&memory, 0), [0, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(header_at(&memory, 16), [4, 0, 0, 0, 1, 0, 0, 0]);
}

// ---- growth -------------------------------------------------------------------------------

#[test]
fn growth_takes_at_least_the_required_pages() {
    // need 0 + 131_072 + 8 = 131_080 bytes = 3 pages (ceil); doubling gives 2; max(2, 3) = 3.
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(heap.allocate(&mut memory, 2 * PAGE), Ok(8));
    assert_eq!(memory.pages(), 3);
}

#[test]
fn growth_doubles_when_that_is_enough() {
    // 3 pages; 131_080 bytes used; +65_544 = 196_624 > 196_608 needs 4 pages; doubling gives 6.
    let mut memory = VecMemory::new(3, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(heap.allocate(&mut memory, 2 * PAGE), Ok(8));
    assert_eq!(heap.allocate(&mut memory, PAGE), Ok(131_088));
    assert_eq!(memory.pages(), 6);
}

#[test]
fn doubling_is_capped_by_the_maximum() {
    // Same as above with a maximum of 5: min(6, 5) = 5 >= 4 required.
    let mut memory = VecMemory::new(3, Some(5));
    let mut heap = FreeingBumpHeapAllocator::new(0);
    heap.allocate(&mut memory, 2 * PAGE).unwrap();
    assert_eq!(heap.allocate(&mut memory, PAGE), Ok(131_088));
    assert_eq!(memory.pages(), 5);
}

#[test]
fn largest_allocation_grows_to_513_pages() {
    // 33_554_432 + 8 bytes = 512 pages + 8 bytes -> 513 pages.
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(heap.allocate(&mut memory, 33_554_432), Ok(8));
    assert_eq!(memory.pages(), 513);
    assert_eq!(header_at(&memory, 0), [22, 0, 0, 0, 1, 0, 0, 0]);
}

#[test]
fn block_ending_exactly_at_memory_end_does_not_grow() {
    // heap base 65_520: header 65_520..65_528, block 65_528..65_536.
    let mut memory = VecMemory::fixed(1);
    let mut heap = FreeingBumpHeapAllocator::new(65_520);
    assert_eq!(heap.allocate(&mut memory, 8), Ok(65_528));
    assert_eq!(memory.pages(), 1);
}

// ---- too large, out of space --------------------------------------------------------------

#[test]
fn request_over_32_mib_is_too_large_and_poisons() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(
        heap.allocate(&mut memory, 33_554_433),
        Err(Error::RequestedAllocationTooLarge)
    );
    assert!(heap.is_poisoned());
    assert_eq!(memory.pages(), 1);
}

#[test]
fn out_of_space_when_already_at_max_pages() {
    let mut memory = VecMemory::fixed(1);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(heap.allocate(&mut memory, PAGE / 2), Ok(8));
    assert_eq!(
        heap.allocate(&mut memory, PAGE / 2),
        Err(Error::AllocatorOutOfSpace)
    );
    assert!(heap.is_poisoned());
}

#[test]
fn out_of_space_when_required_pages_exceed_max() {
    // Needs 3 pages, max is 2: fails without growing.
    let mut memory = VecMemory::new(1, Some(2));
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(
        heap.allocate(&mut memory, 2 * PAGE),
        Err(Error::AllocatorOutOfSpace)
    );
    assert_eq!(memory.pages(), 1);
}

#[test]
fn out_of_space_when_growth_fails() {
    let mut memory = RefusesToGrow(VecMemory::new(1, None));
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(
        heap.allocate(&mut memory, PAGE),
        Err(Error::AllocatorOutOfSpace)
    );
    assert!(heap.is_poisoned());
}

#[test]
fn no_maximum_means_65536_pages() {
    // heap base 0xFFFF_FFF8 + 16 bytes needs 65_537 pages > 65_536.
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0xFFFF_FFF8);
    assert_eq!(
        heap.allocate(&mut memory, 8),
        Err(Error::AllocatorOutOfSpace)
    );
    assert_eq!(memory.pages(), 1);
}

#[test]
fn exhausted_bump_region_fails_even_with_free_blocks_of_other_classes() {
    let mut memory = VecMemory::fixed(1);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let big = heap.allocate(&mut memory, 32_768).unwrap();
    heap.allocate(&mut memory, 16_384).unwrap();
    heap.deallocate(&mut memory, big).unwrap();
    // 32_776 + 16_392 = 49_168 used; a 16 KiB block needs 16_392 more: 65_560 > 65_536.
    assert_eq!(
        heap.allocate(&mut memory, 16_384),
        Err(Error::AllocatorOutOfSpace)
    );
}

// ---- free lists ---------------------------------------------------------------------------

#[test]
fn free_lists_are_lifo_and_per_class() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let a = heap.allocate(&mut memory, 8).unwrap(); // 8
    let b = heap.allocate(&mut memory, 8).unwrap(); // 24
    let c = heap.allocate(&mut memory, 8).unwrap(); // 40
    assert_eq!((a, b, c), (8, 24, 40));
    heap.deallocate(&mut memory, a).unwrap();
    heap.deallocate(&mut memory, c).unwrap();
    // c's free header links to a's header (0); a's is nil.
    assert_eq!(header_at(&memory, 0), FREE_NIL);
    assert_eq!(header_at(&memory, 32), [0, 0, 0, 0, 0, 0, 0, 0]);
    // A 16-byte request does not use the 8-byte list.
    assert_eq!(heap.allocate(&mut memory, 16), Ok(56));
    assert_eq!(heap.allocate(&mut memory, 5), Ok(40));
    assert_eq!(heap.allocate(&mut memory, 1), Ok(8));
    assert_eq!(heap.allocate(&mut memory, 8), Ok(80));
}

#[test]
fn reuse_writes_the_occupied_header_back() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let a = heap.allocate(&mut memory, 64).unwrap();
    heap.deallocate(&mut memory, a).unwrap();
    assert_eq!(header_at(&memory, 0), FREE_NIL);
    assert_eq!(heap.allocate(&mut memory, 33), Ok(a));
    assert_eq!(header_at(&memory, 0), [3, 0, 0, 0, 1, 0, 0, 0]);
}

#[test]
fn double_free_is_an_empty_header() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let a = heap.allocate(&mut memory, 8).unwrap();
    heap.deallocate(&mut memory, a).unwrap();
    assert_eq!(
        heap.deallocate(&mut memory, a),
        Err(other("the allocation points to an empty header"))
    );
    assert!(heap.is_poisoned());
}

#[test]
fn never_allocated_zeroed_header_is_an_empty_header() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(
        heap.deallocate(&mut memory, 1_000),
        Err(other("the allocation points to an empty header"))
    );
}

#[test]
fn pointers_below_8_are_invalid() {
    for ptr in [0, 7] {
        let mut memory = VecMemory::new(1, None);
        let mut heap = FreeingBumpHeapAllocator::new(0);
        assert_eq!(
            heap.deallocate(&mut memory, ptr),
            Err(other("Invalid pointer for deallocation"))
        );
        assert!(heap.is_poisoned());
    }
}

#[test]
fn header_outside_memory_is_a_read_out_of_bounds() {
    for ptr in [PAGE + 8, PAGE + 1, u32::MAX] {
        let mut memory = VecMemory::new(1, None);
        let mut heap = FreeingBumpHeapAllocator::new(0);
        assert_eq!(
            heap.deallocate(&mut memory, ptr),
            Err(other("read out of heap bounds"))
        );
    }
}

#[test]
fn forged_occupied_header_is_accepted_anywhere() {
    // Heap base 4096; a header forged at 1000 (below it) with order 1 (16 + 8 = 24 bytes).
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(4096);
    assert_eq!(heap.allocate(&mut memory, 100), Ok(4104)); // 136 bytes live
    set_header(&mut memory, 1000, OCCUPIED | 1);
    assert_eq!(heap.deallocate(&mut memory, 1008), Ok(()));
    assert_eq!(header_at(&memory, 1000), FREE_NIL);
    assert_eq!(heap.stats().bytes_allocated, 136 - 24);
    // The forged block is now the head of the 16-byte list.
    assert_eq!(heap.allocate(&mut memory, 16), Ok(1008));
}

#[test]
fn unaligned_forged_header_is_accepted() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    heap.allocate(&mut memory, 8).unwrap(); // 16 live
    set_header(&mut memory, 101, OCCUPIED);
    assert_eq!(heap.deallocate(&mut memory, 109), Ok(()));
    assert_eq!(heap.allocate(&mut memory, 8), Ok(109));
}

#[test]
fn forged_order_23_is_invalid_on_deallocation() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let a = heap.allocate(&mut memory, 8).unwrap();
    set_header(&mut memory, a - 8, OCCUPIED | 23);
    assert_eq!(heap.deallocate(&mut memory, a), Err(other("invalid order")));
    assert!(heap.is_poisoned());
}

#[test]
fn underflow_is_reported_after_the_block_was_freed() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    set_header(&mut memory, 200, OCCUPIED | 2);
    assert_eq!(
        heap.deallocate(&mut memory, 208),
        Err(other("underflow of the currently allocated bytes count"))
    );
    // The header was already rewritten as free (nil link); the count is unchanged.
    assert_eq!(header_at(&memory, 200), FREE_NIL);
    assert_eq!(heap.stats().bytes_allocated, 0);
    assert!(heap.is_poisoned());
}

#[test]
fn header_bits_33_to_63_are_ignored() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let a = heap.allocate(&mut memory, 8).unwrap();
    // A runtime shim's u16 in bytes 6..7 and junk in the rest of byte 4: still occupied, order 0.
    set_header(
        &mut memory,
        0,
        0xABCD_0000_0000_0000 | 0xFE_0000_0000 | OCCUPIED,
    );
    assert_eq!(heap.deallocate(&mut memory, a), Ok(()));
    assert_eq!(header_at(&memory, 0), FREE_NIL);
    // A free header with high junk is still free: the list pops it, and a second free is caught.
    set_header(&mut memory, 0, 0xFFFF_FFFE_FFFF_FFFF);
    assert_eq!(heap.allocate(&mut memory, 8), Ok(8));
    assert_eq!(header_at(&memory, 0), [0, 0, 0, 0, 1, 0, 0, 0]);
    set_header(&mut memory, 0, 0xFFFF_FFFE_0000_0000);
    assert_eq!(
        heap.deallocate(&mut memory, a),
        Err(other("the allocation points to an empty header"))
    );
}

#[test]
fn forged_link_past_memory_is_an_invalid_header_pointer() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let a = heap.allocate(&mut memory, 5).unwrap();
    heap.deallocate(&mut memory, a).unwrap();
    set_header(&mut memory, 0, u64::from(u32::MAX - 1));
    assert_eq!(heap.allocate(&mut memory, 5), Ok(a));
    assert_eq!(
        heap.allocate(&mut memory, 5),
        Err(other("Invalid header pointer detected"))
    );
    assert!(heap.is_poisoned());
}

#[test]
fn invalid_header_pointer_bound_is_block_end_against_memory_size() {
    // Link 65_520: 65_520 + 8 + 8 = 65_536 fits exactly; 65_521 does not.
    for (link, expected) in [
        (65_520, Ok(65_528)),
        (65_521, Err(other("Invalid header pointer detected"))),
    ] {
        let mut memory = VecMemory::fixed(1);
        let mut heap = FreeingBumpHeapAllocator::new(0);
        let a = heap.allocate(&mut memory, 8).unwrap();
        heap.deallocate(&mut memory, a).unwrap();
        set_header(&mut memory, 0, link);
        set_header(&mut memory, 65_520, u64::from(u32::MAX));
        assert_eq!(heap.allocate(&mut memory, 8), Ok(8));
        assert_eq!(heap.allocate(&mut memory, 8), expected);
    }
}

#[test]
fn free_list_pointing_to_an_occupied_header() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let a = heap.allocate(&mut memory, 8).unwrap();
    heap.deallocate(&mut memory, a).unwrap();
    set_header(&mut memory, 0, OCCUPIED);
    assert_eq!(
        heap.allocate(&mut memory, 8),
        Err(other("free list points to a occupied header"))
    );
    assert!(heap.is_poisoned());
}

#[test]
fn free_list_pointing_to_an_occupied_order_23_is_an_invalid_order() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let a = heap.allocate(&mut memory, 8).unwrap();
    heap.deallocate(&mut memory, a).unwrap();
    set_header(&mut memory, 0, OCCUPIED | 23);
    assert_eq!(heap.allocate(&mut memory, 8), Err(other("invalid order")));
}

#[test]
fn forged_link_may_return_an_unaligned_pointer() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let a = heap.allocate(&mut memory, 8).unwrap();
    heap.deallocate(&mut memory, a).unwrap();
    set_header(&mut memory, 0, 101); // link to 101
    set_header(&mut memory, 101, u64::from(u32::MAX)); // a free header there
    assert_eq!(heap.allocate(&mut memory, 8), Ok(8));
    assert_eq!(heap.allocate(&mut memory, 8), Ok(109));
    assert_eq!(header_at(&memory, 101), [0, 0, 0, 0, 1, 0, 0, 0]);
}

// ---- memory shrinking ---------------------------------------------------------------------

#[test]
fn shrinking_is_detected_by_allocate_and_deallocate() {
    let mut memory = VecMemory::new(2, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let a = heap.allocate(&mut memory, 8).unwrap();
    memory.data.truncate(PAGE as usize);
    assert_eq!(heap.allocate(&mut memory, 8), Err(Error::MemoryShrinked));
    assert!(heap.is_poisoned());

    let mut memory = VecMemory::new(2, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    heap.allocate(&mut memory, 8).unwrap();
    memory.data.truncate(PAGE as usize);
    assert_eq!(heap.deallocate(&mut memory, a), Err(Error::MemoryShrinked));
}

#[test]
fn shrinking_is_reported_before_a_too_large_request() {
    let mut memory = VecMemory::new(2, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    heap.allocate(&mut memory, 8).unwrap();
    memory.data.truncate(PAGE as usize);
    assert_eq!(
        heap.allocate(&mut memory, u32::MAX),
        Err(Error::MemoryShrinked)
    );
}

#[test]
fn growth_by_the_embedder_is_accepted() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    heap.allocate(&mut memory, PAGE / 2).unwrap();
    memory.grow(1).unwrap();
    assert_eq!(heap.allocate(&mut memory, PAGE / 2), Ok(32_784));
    assert_eq!(memory.pages(), 2);
}

#[test]
fn shrinking_and_growing_back_between_calls_is_not_detected() {
    let mut memory = VecMemory::new(2, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(heap.allocate(&mut memory, 8), Ok(8));
    memory.data.truncate(PAGE as usize);
    memory.grow(1).unwrap();
    assert_eq!(heap.allocate(&mut memory, 8), Ok(24));
}

#[test]
fn shrinking_below_a_size_seen_only_after_growth_is_not_detected() {
    // The size is observed at the start of a call, before the allocator grows memory.
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(heap.allocate(&mut memory, PAGE), Ok(8)); // grows to 2 pages
    assert_eq!(memory.pages(), 2);
    memory.data.truncate(PAGE as usize);
    // Observed 1 page last time: no error. Bumper 65_544 + 16 needs 2 pages; doubling gives 2.
    assert_eq!(heap.allocate(&mut memory, 8), Ok(65_552));
    assert_eq!(memory.pages(), 2);
}

// ---- poisoning ----------------------------------------------------------------------------

#[test]
fn every_error_kind_poisons_and_later_calls_change_nothing() {
    type Setup = fn(&mut FreeingBumpHeapAllocator, &mut VecMemory) -> Result<(), Error>;
    let cases: [(Setup, Error); 8] = [
        (
            |h, m| h.allocate(m, u32::MAX).map(drop),
            Error::RequestedAllocationTooLarge,
        ),
        (
            |h, m| h.allocate(m, 2 * PAGE).map(drop),
            Error::AllocatorOutOfSpace,
        ),
        (
            |h, m| {
                h.allocate(m, 8)?;
                m.data.truncate(0);
                h.allocate(m, 8).map(drop)
            },
            Error::MemoryShrinked,
        ),
        (
            |h, m| h.deallocate(m, 4),
            other("Invalid pointer for deallocation"),
        ),
        (
            |h, m| h.deallocate(m, 16),
            other("the allocation points to an empty header"),
        ),
        (
            |h, m| h.deallocate(m, PAGE + 8),
            other("read out of heap bounds"),
        ),
        (
            |h, m| {
                set_header(m, 0, OCCUPIED | 30);
                h.deallocate(m, 8)
            },
            other("invalid order"),
        ),
        (
            |h, m| {
                set_header(m, 0, OCCUPIED);
                h.deallocate(m, 8)
            },
            other("underflow of the currently allocated bytes count"),
        ),
    ];
    for (setup, expected) in cases {
        let mut memory = VecMemory::fixed(1);
        let mut heap = FreeingBumpHeapAllocator::new(0);
        assert_eq!(setup(&mut heap, &mut memory), Err(expected.clone()));
        assert!(heap.is_poisoned(), "{expected}");
        let stats = heap.stats();
        let bytes = memory.clone();
        let poisoned = Err(other("the allocator has been poisoned"));
        assert_eq!(heap.allocate(&mut memory, 8), poisoned);
        assert_eq!(heap.deallocate(&mut memory, 8), poisoned.map(drop));
        assert_eq!(heap.stats(), stats);
        assert_eq!(memory, bytes);
    }
}

#[test]
fn successful_calls_do_not_poison() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let a = heap.allocate(&mut memory, 8).unwrap();
    heap.deallocate(&mut memory, a).unwrap();
    assert!(!heap.is_poisoned());
}

#[test]
fn poisoned_message() {
    assert_eq!(
        other("the allocator has been poisoned").to_string(),
        "Other: the allocator has been poisoned"
    );
}

#[test]
fn error_display_strings() {
    assert_eq!(
        Error::RequestedAllocationTooLarge.to_string(),
        "Requested allocation size is too large"
    );
    assert_eq!(
        Error::AllocatorOutOfSpace.to_string(),
        "Allocator ran out of space"
    );
    assert_eq!(
        Error::MemoryShrinked.to_string(),
        "Shrinking of the underlying memory is observed"
    );
    assert_eq!(other("invalid order").to_string(), "Other: invalid order");
}

#[test]
fn write_out_of_bounds_when_memory_slice_is_shorter_than_its_pages() {
    // The bump fits the claimed page; the 8-byte header does not fit the 4-byte slice.
    let mut memory = Lies(vec![0; 4]);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    assert_eq!(
        heap.allocate(&mut memory, 8),
        Err(other("write out of heap bounds"))
    );
    assert!(heap.is_poisoned());
}

// ---- stats --------------------------------------------------------------------------------

#[test]
fn stats_count_classes_plus_headers() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(13); // base 16
    assert_eq!(heap.stats(), AllocationStats::default());
    let a = heap.allocate(&mut memory, 1).unwrap(); // 16 bytes
    let b = heap.allocate(&mut memory, 9).unwrap(); // 24 bytes
    heap.deallocate(&mut memory, a).unwrap();
    assert_eq!(
        heap.stats(),
        AllocationStats {
            bytes_allocated: 24,
            bytes_allocated_peak: 40,
            bytes_allocated_sum: 40,
            address_space_used: 40,
        }
    );
    heap.allocate(&mut memory, 3).unwrap(); // reuses a: address space unchanged
    heap.deallocate(&mut memory, b).unwrap();
    assert_eq!(
        heap.stats(),
        AllocationStats {
            bytes_allocated: 16,
            bytes_allocated_peak: 40,
            bytes_allocated_sum: 56,
            address_space_used: 40,
        }
    );
}

#[test]
fn failed_calls_leave_stats_unchanged() {
    let mut memory = VecMemory::fixed(1);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    heap.allocate(&mut memory, 8).unwrap();
    let before = heap.stats();
    assert_eq!(
        heap.allocate(&mut memory, PAGE),
        Err(Error::AllocatorOutOfSpace)
    );
    assert_eq!(heap.stats(), before);
}

// ---- wrapping edges -----------------------------------------------------------------------

#[test]
fn heap_base_from_0xffff_fff9_rounds_to_zero() {
    for base in [0xFFFF_FFF9, 0xFFFF_FFFF] {
        let mut memory = VecMemory::new(1, None);
        let mut heap = FreeingBumpHeapAllocator::new(base);
        assert_eq!(heap.allocate(&mut memory, 8), Ok(8));
        assert_eq!(heap.stats().address_space_used, 16);
    }
}

#[test]
fn bump_ending_at_4_gib_wraps_bumper_to_zero() {
    // heap base 0xFFFF_FFF0 + 16 bytes = exactly 2^32 = the size of a 65_536-page memory.
    let mut memory = VecMemory::new(MAX_WASM_PAGES, None);
    let mut heap = FreeingBumpHeapAllocator::new(0xFFFF_FFF0);
    assert_eq!(heap.allocate(&mut memory, 8), Ok(0xFFFF_FFF8));
    // bumper = 0; 0 - 0xFFFF_FFF0 wraps to 16.
    assert_eq!(heap.stats().address_space_used, 16);
    // The next bump starts at address 0 again.
    assert_eq!(heap.allocate(&mut memory, 8), Ok(8));
    assert_eq!(heap.stats().address_space_used, 32);
    assert_eq!(header_at(&memory, 0), [0, 0, 0, 0, 1, 0, 0, 0]);
}

#[test]
fn filling_4_gib_from_heap_base_zero_wraps_address_space_used_to_zero() {
    // 127 blocks of 32 MiB + 8, then classes 2^24 .. 2^11, 2^9, 2^8, 2^7 (each + 8) add up to
    // exactly 2^32 (worked out in the comment of each step below).
    let mut memory = VecMemory::new(MAX_WASM_PAGES, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let mut expected_ptr: u64 = 8;
    let mut sizes = vec![1u32 << 25; 127];
    sizes.extend((11..=24).rev().map(|shift| 1u32 << shift));
    sizes.extend([1 << 9, 1 << 8, 1 << 7]);
    for size in sizes {
        assert_eq!(heap.allocate(&mut memory, size), Ok(expected_ptr as u32));
        expected_ptr += u64::from(size) + 8;
    }
    // 127 * (2^25 + 8) + sum(2^k + 8, k = 24..11) + (2^9 + 8) + (2^8 + 8) + (2^7 + 8) = 2^32.
    assert_eq!(expected_ptr, (1 << 32) + 8);
    assert_eq!(heap.stats().address_space_used, 0);
    assert_eq!(memory.pages(), MAX_WASM_PAGES);
    assert_eq!(heap.allocate(&mut memory, 8), Ok(8));
}
