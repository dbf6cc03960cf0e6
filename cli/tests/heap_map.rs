//! Heap maps (`subexec_cli::diagnostics::heap_map`) of a real call's allocation trace: the SVG
//! is well-formed XML and draws exactly the blocks live at the peak, found by walking the
//! trace independently of the renderer.

mod diagnostics_common;

use std::collections::BTreeMap;

use diagnostics_common::parse_xml;
use parity_scale_codec::Encode;
use subexec_allocator::AllocationEvent;
use subexec_cli::diagnostics::heap_map;
use subexec_executor::{empty_storage, CallOptions, Executor, HeapAllocStrategy};
use subexec_runtime_blobs::api::{entries, AllocParams};
use subexec_runtime_blobs::CLASSIC;

const TRACE: CallOptions = CallOptions {
    trace_allocations: true,
    offchain: None,
    keystore: None,
    record_proof: false,
};

fn alloc_params(boxes: u32) -> Vec<u8> {
    AllocParams {
        boxes,
        box_size: 200,
        vec_pushes: 3000,
        map_entries: 300,
    }
    .encode()
}

#[test]
fn heap_map_at_the_peak_has_one_element_per_live_block() {
    let outcome = Executor::builder()
        .fuel(Some(u64::MAX / 2))
        .build()
        .load(CLASSIC)
        .unwrap()
        .with_heap_alloc_strategy(HeapAllocStrategy::default())
        .call_with(
            &mut empty_storage(),
            entries::BENCH_ALLOC_HEAVY,
            &alloc_params(300),
            &TRACE,
        )
        .unwrap();
    let trace = outcome.allocation_trace.unwrap();
    let svg = heap_map::render_svg(&trace, "Bench_alloc_heavy");
    let elements = parse_xml(&svg).unwrap();
    assert_eq!(elements[0].name, "svg");
    // The peak by the allocator's own statistic: the first event where the live footprint
    // reaches `bytes_allocated_peak`; the blocks live there, by walking the trace.
    let peak = u64::from(outcome.allocation_stats.bytes_allocated_peak);
    let mut live: BTreeMap<u32, u32> = BTreeMap::new();
    let mut footprint = 0u64;
    for event in &trace.events {
        match event.event {
            AllocationEvent::Allocated { order, ptr, .. } => {
                live.insert(ptr, order);
                footprint += (8 << order) + 8;
            }
            AllocationEvent::Freed { order, ptr } => {
                live.remove(&ptr);
                footprint -= (8 << order) + 8;
            }
            _ => unreachable!(),
        }
        if footprint == peak {
            break;
        }
    }
    let drawn: BTreeMap<u32, u32> = elements
        .iter()
        .filter(|e| e.attribute("class") == Some("block live"))
        .map(|e| {
            (
                e.attribute("data-ptr").unwrap().parse().unwrap(),
                e.attribute("data-order").unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(drawn, live);
    assert_eq!(
        elements
            .iter()
            .filter(|e| e.attribute("class") == Some("block live"))
            .count(),
        live.len()
    );
    assert_eq!(
        elements
            .iter()
            .filter(|e| e.attribute("class") == Some("frontier"))
            .count(),
        1
    );
    assert!(svg.contains("at the peak"));
}
