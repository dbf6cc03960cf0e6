//! Classic vs guest-allocator (RFC-0145): the `subexec compare` workloads, both modes side by
//! side in one run.
//!
//! `modes/<workload>/{classic,guest-allocator}`: the measured call of each workload of
//! `subexec_cli::comparison` on the bundled `runtime-guest` blobs, with its set-up calls
//! run outside the timing (`iter_batched`) on fresh storage every iteration. Outputs of both
//! modes are checked equal before measuring. `docs/MODES.md` holds the figures.

use criterion::{criterion_group, BatchSize, Criterion};
use subexec_cli::comparison::{self, workloads, Workload};
use subexec_executor::storage::StorageState;
use subexec_executor::{empty_storage, Executor, Runtime};
use subexec_runtime_blobs::{CLASSIC, GUEST_ALLOCATOR};

fn prepared(runtime: &Runtime, workload: &Workload) -> StorageState {
    let mut storage = empty_storage();
    for (entry, input) in &workload.setup {
        runtime
            .call(&mut storage, entry, input)
            .expect("set-up call");
    }
    storage
}

fn modes(c: &mut Criterion) {
    // The comparison's heap strategy, without fuel metering.
    let executor = Executor::builder()
        .heap_alloc_strategy(comparison::HEAP)
        .build();
    let classic = executor.load(CLASSIC).expect("classic loads");
    let guest = executor
        .load(GUEST_ALLOCATOR)
        .expect("guest-allocator loads");
    for workload in workloads() {
        let (entry, input) = &workload.call;
        let run = |runtime: &Runtime| {
            let mut storage = prepared(runtime, &workload);
            runtime
                .call(&mut storage, entry, input)
                .expect("call")
                .output
        };
        assert_eq!(run(&classic), run(&guest), "{}", workload.name);
        let mut group = c.benchmark_group(format!("modes/{}", workload.name));
        for (name, runtime) in [("classic", &classic), ("guest-allocator", &guest)] {
            group.bench_function(name, |b| {
                b.iter_batched(
                    || prepared(runtime, &workload),
                    |mut storage| runtime.call(&mut storage, entry, input).expect("call"),
                    BatchSize::SmallInput,
                )
            });
        }
        group.finish();
    }
}

criterion_group!(benches, modes);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
