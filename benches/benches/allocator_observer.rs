//! The cost of the allocation observer: the same allocation trace through
//! - `plain`: `allocate` / `deallocate` (which call the observed versions with `NoObserver`),
//! - `no-observer`: `allocate_observed` / `deallocate_observed` with `&mut NoObserver` spelled out,
//! - `none-option`: the observed versions with `&mut None::<AllocationRecorder>` (how an embedder
//!   with an optional recorder calls them when recording is off),
//! - `recorder`: the observed versions with an `AllocationRecorder` (a fresh one per replay, its
//!   events kept until the end of the replay, as in a recorded runtime call).
//!
//! The trace is the `small_churn` trace of `allocator.rs` (20 000 operations on objects of
//! 1..=128 bytes, about 512 live; same generator and seed), replayed on a memory already grown to
//! what it needs, so the allocator's own work is timed. Per-allocation cost = time / 20 000.
//!
//! Run: `cargo bench -p subexec-benches --bench allocator_observer -- --warm-up-time 1 --measurement-time 3`
//!
//! Instruction counts, which machine load does not change: `ALLOCATOR_OBSERVER_REPLAY="<variant>
//! <times>"` replays the trace that many times and exits; run it under `valgrind --tool=cachegrind`
//! with two counts and divide the difference by the difference of counts (see
//! `docs/ALLOCATION-TRACE.md`, "Cost").

use criterion::{criterion_group, Criterion};
use std::hint::black_box;
use subexec_allocator::{AllocationRecorder, FreeingBumpHeapAllocator, NoObserver, VecMemory};
use subexec_benches::alloc_traces::{self, Op, SplitMix, SEED};

/// `allocator.rs`'s `small_churn`: 20 000 steps keeping about 512 objects of 1..=128 bytes live.
fn small_churn() -> Vec<Op> {
    alloc_traces::small_churn(&mut SplitMix(SEED)).0
}

/// How the allocator is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Plain,
    NoObserver,
    NoneOption,
    Recorder,
}

const VARIANTS: [(Variant, &str); 4] = [
    (Variant::Plain, "plain"),
    (Variant::NoObserver, "no-observer"),
    (Variant::NoneOption, "none-option"),
    (Variant::Recorder, "recorder"),
];

/// Replays `ops` on a fresh allocator; returns the number of recorded events (0 unless
/// recording) so the recorder's work cannot be optimised away.
fn replay(variant: Variant, ops: &[Op], memory: &mut VecMemory, pointers: &mut Vec<u32>) -> usize {
    let mut heap = FreeingBumpHeapAllocator::new(0);
    pointers.clear();
    match variant {
        Variant::Plain => {
            for op in ops {
                match *op {
                    Op::Allocate(size) => pointers.push(heap.allocate(memory, size).unwrap()),
                    Op::Free(index) => heap.deallocate(memory, pointers[index]).unwrap(),
                }
            }
            0
        }
        Variant::NoObserver => {
            observed(&mut heap, ops, memory, pointers, &mut NoObserver);
            0
        }
        Variant::NoneOption => {
            observed(
                &mut heap,
                ops,
                memory,
                pointers,
                &mut None::<AllocationRecorder>,
            );
            0
        }
        Variant::Recorder => {
            let pages = memory.data.len() as u32 / 65_536;
            let mut recorder = Some(AllocationRecorder::new(0, pages, memory.max_pages));
            if let Some(recorder) = &mut recorder {
                recorder.set_site("ext_allocator_malloc_version_1");
            }
            observed(&mut heap, ops, memory, pointers, &mut recorder);
            recorder.map_or(0, |recorder| recorder.events().len())
        }
    }
}

fn observed(
    heap: &mut FreeingBumpHeapAllocator,
    ops: &[Op],
    memory: &mut VecMemory,
    pointers: &mut Vec<u32>,
    observer: &mut impl subexec_allocator::AllocationObserver,
) {
    for op in ops {
        match *op {
            Op::Allocate(size) => {
                pointers.push(heap.allocate_observed(memory, size, observer).unwrap())
            }
            Op::Free(index) => heap
                .deallocate_observed(memory, pointers[index], observer)
                .unwrap(),
        }
    }
}

fn allocator_observer(c: &mut Criterion) {
    let ops = small_churn();
    let mut memory = VecMemory::new(1, None);
    let mut pointers = Vec::new();
    // Grow the memory once, and check that every variant hands out the same pointers.
    replay(Variant::Plain, &ops, &mut memory, &mut pointers);
    let expected = pointers.clone();
    for (variant, name) in VARIANTS {
        let events = replay(variant, &ops, &mut memory, &mut pointers);
        assert_eq!(pointers, expected, "{name}: pointers differ");
        assert_eq!(
            events,
            if variant == Variant::Recorder {
                ops.len()
            } else {
                0
            }
        );
    }

    let mut group = c.benchmark_group("allocator_observer/small_churn");
    for (variant, name) in VARIANTS {
        group.bench_function(name, |b| {
            b.iter(|| replay(variant, black_box(&ops), &mut memory, &mut pointers))
        });
    }
    group.finish();
}

/// The replay-only mode: `ALLOCATOR_OBSERVER_REPLAY="<variant> <times>"`.
fn replay_only(spec: &str) {
    let words: Vec<&str> = spec.split_whitespace().collect();
    let [name, times] = words[..] else {
        panic!(
            "ALLOCATOR_OBSERVER_REPLAY wants \"<plain|no-observer|none-option|recorder> <times>\""
        );
    };
    let times: usize = times.parse().expect("a replay count");
    let (variant, _) = VARIANTS
        .into_iter()
        .find(|(_, known)| *known == name)
        .expect("plain, no-observer, none-option or recorder");
    let ops = small_churn();
    let mut memory = VecMemory::new(1, None);
    let mut pointers = Vec::new();
    for _ in 0..times {
        black_box(replay(variant, black_box(&ops), &mut memory, &mut pointers));
    }
}

criterion_group!(benches, allocator_observer);

fn main() {
    if let Ok(spec) = std::env::var("ALLOCATOR_OBSERVER_REPLAY") {
        replay_only(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
