use super::*;
use crate::memory::Memory;
use crate::trace::AllocationRecorder;
use crate::{Error, FreeingBumpHeapAllocator};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// One operation of a generated run.
#[derive(Clone, Debug)]
enum Op {
    Allocate(u32),
    /// Frees the n-th (modulo) live pointer.
    Free(usize),
    /// Frees a pointer that was never allocated.
    FreeBogus(u32),
    /// The guest grows the memory.
    Grow(u32),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        10 => prop_oneof![4 => 0u32..=64, 2 => 65u32..=5000, 1 => 5000u32..=70_000, 1 => Just(u32::MAX)]
            .prop_map(Op::Allocate),
        6 => any::<usize>().prop_map(Op::Free),
        1 => (0u32..=300).prop_map(Op::FreeBogus),
        1 => (0u32..=1).prop_map(Op::Grow),
    ];
    prop::collection::vec(op, 1..80)
}

/// Runs `ops` on a fresh allocator while recording; returns the trace and the final stats.
fn record(
    heap_base: u32,
    pages: u32,
    max: Option<u32>,
    ops: &[Op],
) -> (AllocationTrace, AllocationStats) {
    let mut memory = VecMemory::new(pages, max);
    let mut heap = FreeingBumpHeapAllocator::new(heap_base);
    let mut recorder = AllocationRecorder::new(heap_base, pages, max);
    let mut live = Vec::new();
    for op in ops {
        match *op {
            Op::Allocate(size) => {
                recorder.set_site(if size < 64 { "small" } else { "large" });
                if let Ok(ptr) = heap.allocate_observed(&mut memory, size, &mut recorder) {
                    live.push(ptr);
                }
            }
            Op::Free(index) if !live.is_empty() => {
                let ptr = live.swap_remove(index % live.len());
                let _ = heap.deallocate_observed(&mut memory, ptr, &mut recorder);
            }
            Op::Free(_) => {}
            Op::FreeBogus(ptr) => {
                let _ = heap.deallocate_observed(&mut memory, ptr, &mut recorder);
            }
            Op::Grow(extra) => {
                let _ = memory.grow(extra);
            }
        }
    }
    (recorder.finish(), heap.stats())
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0x8E91A7),
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Recorded runs (out of memory, bogus frees and guest growth included) replay exactly,
    /// also after a trip through both encodings.
    #[test]
    fn recorded_runs_replay_exactly(
        heap_base in 0u32..=70_000,
        pages in 1u32..=2,
        extra in prop::option::of(0u32..=2),
        ops in ops(),
    ) {
        let max = extra.map(|extra| pages + extra);
        let (trace, stats) = record(heap_base, pages, max, &ops);
        let report = replay(&trace).map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(report.events, trace.events.len());
        prop_assert_eq!(&report.stats, &stats);
        prop_assert_eq!(
            report.first_failure,
            trace.events.iter().position(|event| event.event.is_failure())
        );
        let decoded = AllocationTrace::from_bytes(&trace.to_bytes()).unwrap();
        prop_assert_eq!(replay(&decoded), Ok(report.clone()));
        let decoded = AllocationTrace::from_text(&trace.to_text()).unwrap();
        prop_assert_eq!(replay(&decoded), Ok(report));
    }

    /// Changing any one event's outcome is reported at that event, with both outcomes.
    #[test]
    fn a_tampered_event_is_reported_where_it_is(
        ops in ops(),
        at in any::<prop::sample::Index>(),
        field in 0u8..3,
    ) {
        let (mut trace, _) = record(8, 1, Some(2), &ops);
        prop_assume!(!trace.events.is_empty());
        let index = at.index(trace.events.len());
        let original = trace.events[index].clone();
        let tampered = &mut trace.events[index];
        // Outcomes only: the recorded size or pointer is the call's input.
        match (field, &mut tampered.event) {
            (0, AllocationEvent::Allocated { ptr, .. }) => *ptr = ptr.wrapping_add(8),
            (0, AllocationEvent::Freed { order, .. }) => *order += 1,
            (
                0,
                AllocationEvent::AllocationFailed { error, .. }
                | AllocationEvent::FreeFailed { error, .. },
            ) => {
                *error = match error {
                    Error::AllocatorOutOfSpace => Error::MemoryShrinked,
                    _ => Error::AllocatorOutOfSpace,
                }
            }
            (1, _) => tampered.heap.bumper = tampered.heap.bumper.wrapping_add(8),
            _ => tampered.heap.memory_pages += 1,
        }
        let tampered = trace.events[index].clone();
        prop_assert_eq!(
            replay(&trace),
            Err(ReplayMismatch::Outcome {
                index,
                recorded: tampered.event,
                recorded_heap: tampered.heap,
                replayed: original.event,
                replayed_heap: original.heap,
            })
        );
    }
}

#[test]
fn guest_growth_between_calls_is_replayed() {
    let (trace, _) = record(
        0,
        1,
        None,
        &[Op::Allocate(8), Op::Grow(1), Op::Allocate(70_000)],
    );
    assert_eq!(trace.events[1].pages_before, 2);
    // The bump needs 16 + 131 080 bytes, three pages: grown from 2 to max(4, 3) = 4.
    assert_eq!(trace.events[1].heap.memory_pages, 4);
    assert_eq!(replay(&trace).map(|report| report.memory_pages), Ok(4));
}

#[test]
fn a_memory_the_trace_cannot_have_is_reported() {
    let (mut trace, _) = record(0, 1, Some(1), &[Op::Allocate(8)]);
    trace.events[0].pages_before = 2;
    assert_eq!(
        replay(&trace),
        Err(ReplayMismatch::MemorySize {
            index: 0,
            pages: 2,
            max_pages: Some(1)
        })
    );
}

/// The documented caveat: a guest that overwrites a free block's header changes what the live
/// allocator does, and replay, which assumes only the allocator writes, reports where.
#[test]
fn header_corruption_by_the_guest_shows_as_a_mismatch() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let mut recorder = AllocationRecorder::new(0, 1, None);
    let a = heap
        .allocate_observed(&mut memory, 8, &mut recorder)
        .unwrap();
    heap.deallocate_observed(&mut memory, a, &mut recorder)
        .unwrap();
    // The guest links the free block at 0 to a forged "free block" at 32.
    memory.data[0..8].copy_from_slice(&32u64.to_le_bytes());
    assert_eq!(heap.allocate_observed(&mut memory, 8, &mut recorder), Ok(8));
    assert_eq!(
        heap.allocate_observed(&mut memory, 8, &mut recorder),
        Ok(40)
    );
    let trace = recorder.finish();
    match replay(&trace) {
        Err(ReplayMismatch::Outcome {
            index: 3,
            recorded: AllocationEvent::Allocated { ptr: 40, .. },
            replayed: AllocationEvent::Allocated { ptr: 24, .. },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_memory_larger_than_wasm_allows_is_refused_before_allocating() {
    let trace = AllocationRecorder::new(0, 65_537, None).finish();
    assert_eq!(replay(&trace), Err(ReplayMismatch::InitialPages(65_537)));
}
