//! subexec's allocator beside sc-allocator 39, replaying identical allocation traces.
//!
//! Three traces, generated once from a fixed seed:
//! - `small_churn`: 20 000 operations on objects of 1..=128 bytes, about 512 live at a time
//!   (the free lists do almost all the work);
//! - `mixed_sizes`: 20 000 operations on sizes spread log-uniformly over 8 B..=64 KiB, about
//!   128 live;
//! - `growth_heavy`: 20 000 allocations of 1..=256 bytes, one in eight freed, from a 1-page
//!   memory with no maximum (the bump pointer and memory growth, i.e. zeroing new pages in the
//!   embedder's memory, dominate).
//!
//! Each iteration replays the whole trace on a fresh allocator. The churn traces reuse one
//! memory, already as large as the trace needs, across iterations (a fresh allocator's results
//! do not depend on stale bytes it never wrote), so they time the allocator alone;
//! `growth_heavy` gets a fresh 1-page memory per iteration (creating it is not timed). Both
//! allocators see the same memory type. Before timing, each trace is replayed once on both
//! sides and the returned pointers and final memories compared.
//!
//! Run: `cargo bench -p subexec-benches --bench allocator -- --warm-up-time 1 --measurement-time 3`
//!
//! Wall-clock times on a shared machine are noisy, so the bench also has a replay-only mode for
//! counting instructions, which load does not change: `ALLOCATOR_BENCH_REPLAY="<subexec|
//! sc-allocator> <trace> <times>"` replays one trace that many times (on one reused memory) and
//! exits; run it under `valgrind --tool=cachegrind` with two different counts and divide the
//! difference (see `docs/PERFORMANCE.md`).

use criterion::{criterion_group, BatchSize, Criterion};
use sp_wasm_interface::Pointer;
use std::hint::black_box;
use subexec_allocator::{FreeingBumpHeapAllocator, ScMemory, VecMemory};
use subexec_benches::alloc_traces::{churn, small_churn, Op, SplitMix, SEED};

/// A trace and the memory it runs on.
struct Trace {
    name: &'static str,
    ops: Vec<Op>,
    allocations: usize,
    /// Grow from one page with no maximum in every iteration (otherwise reuse a memory).
    growth: bool,
}

fn traces() -> Vec<Trace> {
    let mut rng = SplitMix(SEED);
    let (ops, allocations) = small_churn(&mut rng);
    let small_churn = Trace {
        name: "small_churn",
        ops,
        allocations,
        growth: false,
    };

    let (ops, allocations) = churn(&mut rng, 20_000, 128, |rng| {
        let shift = 3 + rng.below(14) as u32; // 8 B ..= 64 KiB
        (1u32 << shift) - rng.below(1 << (shift - 1)) as u32
    });
    let mixed_sizes = Trace {
        name: "mixed_sizes",
        ops,
        allocations,
        growth: false,
    };

    let mut ops = Vec::new();
    for index in 0..20_000 {
        ops.push(Op::Allocate(1 + rng.below(256) as u32));
        if index % 8 == 7 {
            ops.push(Op::Free(index - rng.below(8) as usize));
        }
    }
    let growth_heavy = Trace {
        name: "growth_heavy",
        ops,
        allocations: 20_000,
        growth: true,
    };

    vec![small_churn, mixed_sizes, growth_heavy]
}

/// Replays `trace` through subexec's allocator; `pointers` receives every returned pointer.
fn replay_subexec(trace: &Trace, memory: &mut VecMemory, pointers: &mut Vec<u32>) {
    let mut heap = FreeingBumpHeapAllocator::new(0);
    pointers.clear();
    for op in &trace.ops {
        match *op {
            Op::Allocate(size) => pointers.push(heap.allocate(memory, size).expect("trace fits")),
            Op::Free(index) => heap
                .deallocate(memory, pointers[index])
                .expect("trace frees live pointers"),
        }
    }
}

/// Replays `trace` through sc-allocator; `pointers` receives every returned pointer.
fn replay_reference(trace: &Trace, memory: &mut ScMemory, pointers: &mut Vec<u32>) {
    let mut heap = sc_allocator::FreeingBumpHeapAllocator::new(0);
    pointers.clear();
    for op in &trace.ops {
        match *op {
            Op::Allocate(size) => {
                pointers.push(heap.allocate(memory, size).expect("trace fits").into())
            }
            Op::Free(index) => heap
                .deallocate(memory, Pointer::new(pointers[index]))
                .expect("trace frees live pointers"),
        }
    }
}

fn allocator(c: &mut Criterion) {
    for trace in traces() {
        let fresh = || VecMemory::new(1, None);
        let (mut ours, mut reference) = (Vec::new(), Vec::new());
        let (mut our_memory, mut reference_memory) = (fresh(), ScMemory(fresh()));
        replay_subexec(&trace, &mut our_memory, &mut ours);
        replay_reference(&trace, &mut reference_memory, &mut reference);
        assert_eq!(ours, reference, "{}: pointers differ", trace.name);
        assert_eq!(
            our_memory, reference_memory.0,
            "{}: memories differ",
            trace.name
        );
        assert_eq!(ours.len(), trace.allocations);

        let mut group = c.benchmark_group(format!("allocator/{}", trace.name));
        let mut pointers = Vec::with_capacity(trace.allocations);
        if trace.growth {
            group.bench_function("subexec", |b| {
                b.iter_batched_ref(
                    fresh,
                    |memory| replay_subexec(black_box(&trace), memory, &mut pointers),
                    BatchSize::LargeInput,
                )
            });
            group.bench_function("sc-allocator", |b| {
                b.iter_batched_ref(
                    || ScMemory(fresh()),
                    |memory| replay_reference(black_box(&trace), memory, &mut pointers),
                    BatchSize::LargeInput,
                )
            });
        } else {
            // The memories from the check above are already grown to what the trace needs.
            group.bench_function("subexec", |b| {
                b.iter(|| replay_subexec(black_box(&trace), &mut our_memory, &mut pointers))
            });
            group.bench_function("sc-allocator", |b| {
                b.iter(|| replay_reference(black_box(&trace), &mut reference_memory, &mut pointers))
            });
        }
        group.finish();
    }
}

/// The replay-only mode: `ALLOCATOR_BENCH_REPLAY="<allocator> <trace> <times>"`.
fn replay_only(spec: &str) {
    let words: Vec<&str> = spec.split_whitespace().collect();
    let [allocator, name, times] = words[..] else {
        panic!("ALLOCATOR_BENCH_REPLAY wants \"<subexec|sc-allocator> <trace> <times>\"");
    };
    let times: usize = times.parse().expect("a replay count");
    let trace = traces()
        .into_iter()
        .find(|trace| trace.name == name)
        .expect("small_churn, mixed_sizes or growth_heavy");
    let mut pointers = Vec::with_capacity(trace.allocations);
    match allocator {
        "subexec" => {
            let mut memory = VecMemory::new(1, None);
            for _ in 0..times {
                replay_subexec(black_box(&trace), &mut memory, &mut pointers);
            }
        }
        "sc-allocator" => {
            let mut memory = ScMemory(VecMemory::new(1, None));
            for _ in 0..times {
                replay_reference(black_box(&trace), &mut memory, &mut pointers);
            }
        }
        other => panic!("unknown allocator {other}"),
    }
}

criterion_group!(benches, allocator);

fn main() {
    if let Ok(spec) = std::env::var("ALLOCATOR_BENCH_REPLAY") {
        replay_only(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
