//! Expected values derived by hand (abi.md §1) for the trace of `diagnosis::tests`, whose table
//! lists every block; the properties over random runs check the identities of the definitions.

use super::*;
use crate::diagnosis::tests::fragmented_trace;
use crate::{AllocationRecorder, FreeingBumpHeapAllocator, VecMemory};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

#[test]
fn peak_waste_and_sites_of_the_fragmented_trace() {
    let profile = profile(&fragmented_trace());
    // Live footprint after each event: 40, 40 + 136, + 1032, - 136 (free), + 32776, unchanged
    // by the failure. Requested: 24, 124, 1124, 1024, 31024, 31024.
    let footprints: Vec<u64> = profile.timeline.iter().map(|p| p.live_footprint).collect();
    assert_eq!(footprints, [40, 176, 1208, 1072, 33_848, 33_848]);
    let requested: Vec<u64> = profile.timeline.iter().map(|p| p.live_requested).collect();
    assert_eq!(requested, [24, 124, 1124, 1024, 31_024, 31_024]);
    assert_eq!(
        profile.peak,
        Peak {
            event: Some(4),
            live_blocks: 3,
            live_requested: 31_024,
            live_block_bytes: 33_824,
            live_footprint: 33_848,
            address_space: 33_984, // bumper 33992 - heap base 8
            memory_pages: 1,
        }
    );
    // At the peak all free blocks are stranded: the 128-byte block and its header.
    assert_eq!(
        profile.waste_at_peak,
        Waste {
            rounding: 2_800,
            headers: 24,
            stranded: 136
        }
    );
    assert_eq!(profile.classes_at_peak.len(), 4);
    // After the free (event 3): classes 32 and 1024 live, the 128 class empty.
    let mut classes = [0; N_ORDERS];
    classes[2] = 32;
    classes[7] = 1024;
    assert_eq!(profile.live_by_class(3), classes);
    let site = |name: &str| {
        profile
            .sites
            .iter()
            .find(|s| s.site == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        site("a"),
        SiteUsage {
            site: "a".into(),
            allocations: 2,
            failed_allocations: 0,
            frees: 0,
            requested: 124,
            footprint: 176,
            live_blocks_at_peak: 1,
            live_requested_at_peak: 24,
            live_footprint_at_peak: 40,
        }
    );
    assert_eq!(
        site("b"),
        SiteUsage {
            site: "b".into(),
            allocations: 2,
            failed_allocations: 0,
            frees: 1,
            requested: 31_000,
            footprint: 33_808,
            live_blocks_at_peak: 2,
            live_requested_at_peak: 31_000,
            live_footprint_at_peak: 33_808,
        }
    );
    assert_eq!(site("c").failed_allocations, 1);
    assert_eq!(
        site("unattributed"),
        SiteUsage {
            site: "unattributed".into(),
            ..SiteUsage::default()
        }
    );
}

#[test]
fn headroom_of_the_fragmented_trace() {
    let trace = fragmented_trace();
    // One page: 65536 - 33992 = 31544 bytes; the largest bumpable class C has
    // 33992 + C + 8 <= 65536, C <= 31536: 16384 (the free 128 block is smaller).
    assert_eq!(
        profile(&trace).headroom,
        Headroom {
            limit_pages: 1,
            limit_bytes: 65_536,
            frontier: 33_992,
            bytes: 31_544,
            largest_request: 16_384,
        }
    );
    // Two pages: 131072 - 33992 = 97080; C <= 97072: 65536.
    let two = profile_with_limit(&trace, 2).headroom;
    assert_eq!((two.bytes, two.largest_request), (97_080, 65_536));
    // A limit below the initial size is the initial size: the memory never shrinks.
    assert_eq!(profile_with_limit(&trace, 0).headroom.limit_bytes, 65_536);
}

#[test]
fn negative_headroom_means_the_call_would_not_fit() {
    // Heap base 0, no maximum: 40 000 bytes (class 65536) at header 0 end at 65544, so the
    // memory grows to 2 pages; under a one-page limit the call is 8 bytes short.
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let mut recorder = AllocationRecorder::new(0, 1, None);
    heap.allocate_observed(&mut memory, 40_000, &mut recorder)
        .unwrap();
    let trace = recorder.finish();
    assert_eq!(profile_with_limit(&trace, 1).headroom.bytes, -8);
    // And indeed it fails with a maximum of one page, and fits with two.
    assert!(FreeingBumpHeapAllocator::new(0)
        .allocate(&mut VecMemory::new(1, Some(1)), 40_000)
        .is_err());
    assert!(profile_with_limit(&trace, 2).headroom.bytes >= 0);
}

#[test]
fn an_empty_trace_has_no_peak() {
    let trace = AllocationRecorder::new(13, 2, None).finish();
    let profile = profile(&trace);
    assert_eq!(profile.peak.event, None);
    // Heap base 13 rounds to 16; 65536 pages.
    assert_eq!(profile.headroom.frontier, 16);
    assert_eq!(profile.headroom.bytes, (1i64 << 32) - 16);
    assert_eq!(profile.headroom.largest_request, 32 << 20);
}

/// Random allocate/free runs on a small heap.
fn run() -> impl Strategy<Value = (u32, Vec<(bool, u32)>)> {
    (
        0u32..=64,
        prop::collection::vec(
            (any::<bool>(), prop_oneof![0u32..=100, 100u32..=20_000]),
            1..60,
        ),
    )
}

proptest! {
    #![proptest_config(Config {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x9E0F11E),
        failure_persistence: None,
        ..Config::default()
    })]

    /// The profile agrees with the allocator's statistics, the address space splits exactly into
    /// requested + rounding + headers + stranded at the peak, and the headroom decides whether
    /// the run fits a limit: it fits iff the same run under that maximum never runs out.
    #[test]
    fn profile_matches_the_allocator_and_its_definitions((heap_base, ops) in run(), limit in 1u32..=3) {
        let mut memory = VecMemory::new(1, None);
        let mut heap = FreeingBumpHeapAllocator::new(heap_base);
        let mut recorder = AllocationRecorder::new(heap_base, 1, None);
        let mut live = Vec::new();
        for &(allocate, value) in &ops {
            if allocate || live.is_empty() {
                live.push(heap.allocate_observed(&mut memory, value, &mut recorder).unwrap());
            } else {
                let ptr = live.swap_remove(value as usize % live.len());
                heap.deallocate_observed(&mut memory, ptr, &mut recorder).unwrap();
            }
        }
        let trace = recorder.finish();
        let profile = profile_with_limit(&trace, limit);
        let stats = heap.stats();
        prop_assert_eq!(profile.peak.live_footprint, u64::from(stats.bytes_allocated_peak));
        prop_assert_eq!(profile.timeline.last().unwrap().live_footprint, u64::from(stats.bytes_allocated));
        let peak = profile.peak;
        let waste = profile.waste_at_peak;
        prop_assert_eq!(peak.address_space, peak.live_requested + waste.total());

        let mut limited = VecMemory::new(1, Some(limit));
        let mut heap = FreeingBumpHeapAllocator::new(heap_base);
        let mut live = Vec::new();
        let mut fits = true;
        for &(allocate, value) in &ops {
            if allocate || live.is_empty() {
                match heap.allocate(&mut limited, value) {
                    Ok(ptr) => live.push(ptr),
                    Err(_) => { fits = false; break; }
                }
            } else {
                let ptr = live.swap_remove(value as usize % live.len());
                heap.deallocate(&mut limited, ptr).unwrap();
            }
        }
        prop_assert_eq!(fits, profile.headroom.bytes >= 0);
    }
}
