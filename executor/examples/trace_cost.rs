//! One `Bench_alloc_heavy` call of the bundled runtime-guest (20 000 boxes: 65 826 allocator
//! operations), with or without recording its allocations, on a fresh instance. Run it under
//! cachegrind to count what recording costs (`docs/MEMORY-DIAGNOSTICS.md`):
//!
//! ```sh
//! cargo build -p subexec-executor --example trace_cost
//! valgrind --tool=cachegrind --cache-sim=no target/debug/examples/trace_cost plain
//! valgrind --tool=cachegrind --cache-sim=no target/debug/examples/trace_cost traced
//! ```

use parity_scale_codec::Encode;
use subexec_executor::{CallOptions, Executor, HeapAllocStrategy, InstanceReuse};
use subexec_runtime_blobs::api::{entries, AllocParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let traced = match std::env::args().nth(1).as_deref() {
        Some("plain") => false,
        Some("traced") => true,
        _ => return Err("usage: trace_cost plain|traced".into()),
    };
    let runtime = Executor::builder()
        .instance_reuse(InstanceReuse::Fresh)
        .heap_alloc_strategy(HeapAllocStrategy::Dynamic {
            maximum_pages: None,
        })
        .build()
        .load(subexec_runtime_blobs::CLASSIC)?;
    let input = AllocParams {
        boxes: 20_000,
        box_size: 100,
        vec_pushes: 20_000,
        map_entries: 2_000,
    }
    .encode();
    let outcome = runtime.call_with(
        &mut subexec_executor::empty_storage(),
        entries::BENCH_ALLOC_HEAVY,
        &input,
        &CallOptions {
            trace_allocations: traced,
            record_proof: false,
        },
    )?;
    println!(
        "{} bytes allocated in total, trace of {:?} events",
        outcome.allocation_stats.bytes_allocated_sum,
        outcome.allocation_trace.map(|t| t.events.len())
    );
    Ok(())
}
