//! The expected values are derived by hand from the rules of abi.md §1 (class = next power of
//! two of max(size, 8); header 8 bytes; bump from the heap base; free lists per class; growth up
//! to the maximum), step by step in the comments.

use super::*;
use crate::{AllocationRecorder, FreeingBumpHeapAllocator, VecMemory};

/// heap base 8, one page, maximum one page:
///
/// | # | site | call        | class (order) | header | ptr   | bumper after       |
/// |---|------|-------------|---------------|--------|-------|--------------------|
/// | 0 | a    | alloc 24    | 32 (2)        | 8      | 16    | 8 + 40 = 48        |
/// | 1 | a    | alloc 100   | 128 (4)       | 48     | 56    | 48 + 136 = 184     |
/// | 2 | b    | alloc 1000  | 1024 (7)      | 184    | 192   | 184 + 1032 = 1216  |
/// | 3 | b    | free 56     | 128 (4)       |        |       | 1216               |
/// | 4 | b    | alloc 30000 | 32768 (12)    | 1216   | 1224  | 1216 + 32776 = 33992 |
/// | 5 | c    | alloc 20000 | 32768 (12)    | needs 33992 + 32776 = 66768 > 65536: out of space |
pub(crate) fn fragmented_trace() -> AllocationTrace {
    let mut memory = VecMemory::new(1, Some(1));
    let mut heap = FreeingBumpHeapAllocator::new(8);
    let mut recorder = AllocationRecorder::new(8, 1, Some(1));
    let mut allocate = |site: &str, size: u32, recorder: &mut AllocationRecorder| {
        recorder.set_site(site);
        heap.allocate_observed(&mut memory, size, recorder)
    };
    assert_eq!(allocate("a", 24, &mut recorder), Ok(16));
    assert_eq!(allocate("a", 100, &mut recorder), Ok(56));
    assert_eq!(allocate("b", 1000, &mut recorder), Ok(192));
    heap.deallocate_observed(&mut memory, 56, &mut recorder)
        .unwrap();
    recorder.set_site("b");
    assert_eq!(
        heap.allocate_observed(&mut memory, 30_000, &mut recorder),
        Ok(1224)
    );
    recorder.set_site("c");
    assert_eq!(
        heap.allocate_observed(&mut memory, 20_000, &mut recorder),
        Err(Error::AllocatorOutOfSpace)
    );
    recorder.finish()
}

fn class(order: u32, live: (u64, u64), free_blocks: u64) -> ClassUsage {
    let footprint = (8 << order) + 8;
    ClassUsage {
        order,
        live_blocks: live.0,
        live_requested: live.1,
        live_footprint: live.0 * footprint,
        free_blocks,
        free_footprint: free_blocks * footprint,
    }
}

#[test]
fn fragmented_heap_is_diagnosed_exactly() {
    let diagnosis = diagnose_out_of_memory(&fragmented_trace()).unwrap();
    // Live at the failure: 24 (class 32), 1000 (class 1024), 30000 (class 32768); free: the
    // 128-byte block. Requested 24 + 1000 + 30000 = 31024; classes 32 + 1024 + 32768 = 33824;
    // footprint 33824 + 3 × 8 = 33848.
    let expected = OutOfMemoryDiagnosis {
        event: 5,
        site: "c".into(),
        size: 20_000,
        order: Some(12),
        error: Error::AllocatorOutOfSpace,
        memory_pages: 1,
        max_pages: Some(1),
        limit_pages: 1,
        bumper: 33_992,
        heap_base: 8,
        classes: vec![
            class(2, (1, 24), 0),
            class(4, (0, 0), 1),
            class(7, (1, 1000), 0),
            class(12, (1, 30_000), 0),
        ],
        // b: 1032 + 32776 = 33808; a: 40.
        sites: vec![
            SiteConsumer {
                site: "b".into(),
                live_blocks: 2,
                live_requested: 31_000,
                live_footprint: 33_808,
            },
            SiteConsumer {
                site: "a".into(),
                live_blocks: 1,
                live_requested: 24,
                live_footprint: 40,
            },
        ],
        live_blocks: 3,
        live_requested: 31_024,
        live_footprint: 33_848,
        // Rounding 33824 - 31024; headers 3 × 8; stranded: the free 128-byte block + header.
        waste: Waste {
            rounding: 2_800,
            headers: 24,
            stranded: 136,
        },
        // Without a maximum the block goes at 33992 + 8 = 34000 and ends at 34000 + 32768 =
        // 66768: two pages.
        larger_heap: Some(Need {
            bytes: 66_768,
            pages: 2,
        }),
        // 31024 + 20000 = 51024 bytes; with the heap base 8 they fit one page.
        non_fragmenting: Need {
            bytes: 51_024,
            pages: 1,
        },
    };
    assert_eq!(diagnosis, expected);
}

#[test]
fn display_names_the_request_the_memory_and_the_needs() {
    let text = diagnose_out_of_memory(&fragmented_trace())
        .unwrap()
        .to_string();
    for line in [
        "out of memory at allocation #5 from c: 20000 B requested, class 32768 B (order 12): Allocator ran out of space",
        "memory: 1 pages (65536 B), limit 1 pages (65536 B); heap base 0x8, bump frontier 0x84c8, 31544 B left below the limit",
        "live: 3 blocks, 31024 B requested, 33848 B with rounding and headers",
        "waste: 2800 B rounding to classes, 24 B headers, 136 B in free blocks of other classes",
        "        128 B: 0 live / 0 B / 0 B; 1 free / 136 B",
        "  b: 2 / 31000 B / 33808 B",
        "  32768 B blocks: 32776 B",
        "a larger heap: a maximum of 2 pages would have served it (the block ends at 0x104d0)",
        "a non-fragmenting allocator: 51024 B (live requested + request), 1 pages with the heap base",
    ] {
        assert!(text.lines().any(|got| got == line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn a_request_over_32_mib_has_no_class_and_no_larger_heap() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let mut recorder = AllocationRecorder::new(0, 1, None);
    heap.allocate_observed(&mut memory, 8, &mut recorder)
        .unwrap();
    let _ = heap.allocate_observed(&mut memory, 33_554_433, &mut recorder);
    let diagnosis = diagnose_out_of_memory(&recorder.finish()).unwrap();
    assert_eq!(diagnosis.order, None);
    assert_eq!(diagnosis.error, Error::RequestedAllocationTooLarge);
    assert_eq!(diagnosis.limit_pages, 65_536);
    assert_eq!(diagnosis.larger_heap, None);
    // 8 + 33554433 bytes above heap base 0: 513 pages.
    assert_eq!(
        diagnosis.non_fragmenting,
        Need {
            bytes: 33_554_441,
            pages: 513
        }
    );
    assert!(diagnosis
        .to_string()
        .contains("no heap size would have served it"));
}

/// Fuzz finding 5: the runtime chooses the heap base, here near 1.8 GiB above a one-page memory.
/// The diagnosis must not materialise a memory that large (it used to replay the trace under a
/// maximum reaching the heap base, ~1.9 GB and ~2 s per failed call).
///
/// heap base 0x7296_8858 (a multiple of 8), memory 1 page, maximum 1 page: `alloc 58` is class
/// 64 (order 3); it needs 0x7296_8858 + 8 + 64 bytes > 65 536: out of space. A larger heap: the
/// block would end at 0x7296_8858 + 72 = 0x7296_88a0; pages = ceil(0x7296_88a0 / 65 536) =
/// 0x7297 (the end lies inside page 0x7296). Non-fragmenting: 58 bytes above the heap base:
/// ceil((0x7296_8858 + 58) / 65 536) = 0x7297 pages.
#[test]
fn a_heap_base_near_4_gib_is_diagnosed_without_materialising_it() {
    let mut memory = VecMemory::new(1, Some(1));
    let mut heap = FreeingBumpHeapAllocator::new(0x7296_8858);
    let mut recorder = AllocationRecorder::new(0x7296_8858, 1, Some(1));
    assert_eq!(
        heap.allocate_observed(&mut memory, 58, &mut recorder),
        Err(Error::AllocatorOutOfSpace)
    );
    let diagnosis = diagnose_out_of_memory(&recorder.finish()).unwrap();
    assert_eq!(diagnosis.order, Some(3));
    assert_eq!(
        diagnosis.larger_heap,
        Some(Need {
            bytes: 0x7296_88a0,
            pages: 0x7297
        })
    );
    assert_eq!(
        diagnosis.non_fragmenting,
        Need {
            bytes: 58,
            pages: 0x7297
        }
    );
}

#[test]
fn only_a_first_failure_for_lack_of_memory_is_diagnosed() {
    let mut trace = fragmented_trace();
    trace.events.pop();
    assert_eq!(diagnose_out_of_memory(&trace), None, "no failure");

    let mut memory = VecMemory::new(1, Some(1));
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let mut recorder = AllocationRecorder::new(0, 1, Some(1));
    let _ = heap.deallocate_observed(&mut memory, 4, &mut recorder);
    let _ = heap.allocate_observed(&mut memory, 1 << 20, &mut recorder);
    assert_eq!(
        diagnose_out_of_memory(&recorder.finish()),
        None,
        "the first failure is a bad free; the allocator is poisoned after it"
    );
}
