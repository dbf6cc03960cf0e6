//! Per-call cost with fresh vs pooled (reset) instances, on the real node-template runtime.
//!
//! - `instance_reuse/<method>/<heap>/<fresh|pooled>`: one whole `Runtime::call` (input
//!   allocation, output copy, and for `pooled` the reset after the call) of `Core_version`
//!   and `Metadata_metadata`, under `Static { extra_pages: 2048 }` (the default),
//!   `Static { extra_pages: 32 }` and `Dynamic`.
//! - Before measuring, it prints the resident memory (`/proc/self/statm`) one pooled
//!   instance adds, after its first call and after 200 `Core_version` calls.
//!
//! `cargo bench -p subexec-benches --bench instance_reuse -- --warm-up-time 1
//! --measurement-time 3`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, Criterion};
use serde_json::Value as Json;
use subexec_executor::{empty_storage, Executor, HeapAllocStrategy, InstanceReuse, Runtime};

fn node_template_code() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/node-template/chainspec.json"
    );
    let spec: Json = serde_json::from_slice(&std::fs::read(path).expect("chain spec")).unwrap();
    let code = spec["genesis"]["raw"]["top"]["0x3a636f6465"]
        .as_str()
        .unwrap();
    hex::decode(code.trim_start_matches("0x")).unwrap()
}

fn runtime(code: &[u8], strategy: HeapAllocStrategy, reuse: InstanceReuse) -> Runtime {
    Executor::builder()
        .heap_alloc_strategy(strategy)
        .instance_reuse(reuse)
        .allow_missing_host_functions(true)
        .build()
        .load(code)
        .expect("loads")
}

fn call(runtime: &Runtime, method: &str) -> Vec<u8> {
    runtime
        .call(&mut empty_storage(), method, &[])
        .expect("call succeeds")
        .output
}

const POOLED: InstanceReuse = InstanceReuse::Pooled {
    max_idle_instances: 4,
};

const HEAPS: [(&str, HeapAllocStrategy); 3] = [
    (
        "static_2048",
        HeapAllocStrategy::Static { extra_pages: 2048 },
    ),
    ("static_32", HeapAllocStrategy::Static { extra_pages: 32 }),
    (
        "dynamic",
        HeapAllocStrategy::Dynamic {
            maximum_pages: None,
        },
    ),
];

/// Resident bytes of this process.
fn resident() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn report_resident_memory(code: &[u8]) {
    for (name, strategy) in HEAPS {
        let rt = runtime(code, strategy, POOLED);
        // Compile and build the image first: they are per runtime, not per instance.
        let _ = rt.instance_reuse();
        let before = resident();
        call(&rt, "Core_version");
        let first = resident();
        for _ in 0..200 {
            call(&rt, "Core_version");
        }
        let later = resident();
        call(&rt, "Metadata_metadata");
        call(&rt, "Core_version");
        let after_metadata = resident();
        eprintln!(
            "resident memory per pooled instance ({name}, idle {}): +{} KiB after the first \
             Core_version, +{} KiB after 200 more, +{} KiB after Metadata_metadata + Core_version",
            rt.idle_instances(),
            (first.saturating_sub(before)) / 1024,
            (later.saturating_sub(before)) / 1024,
            (after_metadata.saturating_sub(before)) / 1024,
        );
    }
}

fn instance_reuse(c: &mut Criterion) {
    let code = node_template_code();
    report_resident_memory(&code);
    let mut group = c.benchmark_group("instance_reuse");
    group.measurement_time(Duration::from_secs(3));
    for method in ["Core_version", "Metadata_metadata"] {
        for (name, strategy) in HEAPS {
            let fresh = runtime(&code, strategy, InstanceReuse::Fresh);
            let pooled = runtime(&code, strategy, POOLED);
            assert_eq!(call(&fresh, method), call(&pooled, method));
            group.bench_function(format!("{method}/{name}/fresh"), |b| {
                b.iter(|| black_box(call(&fresh, method)))
            });
            group.bench_function(format!("{method}/{name}/pooled"), |b| {
                b.iter(|| black_box(call(&pooled, method)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, instance_reuse);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
