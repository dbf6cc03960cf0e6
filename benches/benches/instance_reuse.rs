//! Per-call cost with fresh vs pooled (reset) instances, on the real node-template runtime.
//!
//! - `instance_reuse/<method>/<heap>/<fresh|pooled>`: one whole `Runtime::call` (input
//!   allocation, output copy, and for `pooled` the reset after the call) of `Core_version`
//!   and `Metadata_metadata`, under `Static { extra_pages: 2048 }` (the default),
//!   `Static { extra_pages: 32 }` and `Dynamic`.
//! - `instance_reuse/own_memory/<method>/<heap>/<fresh|pooled>`: the same node-template
//!   runtime with its memory defined and exported instead of imported (as pre-2020 runtimes,
//!   Kusama's early ones, are linked; `executor/tests/own_memory_common`), `Core_version` and
//!   `Metadata_metadata` under `Static { extra_pages: 2048 }` and `Dynamic`: its calls are
//!   pooled like an importing runtime's.
//! - `instance_reuse/runtime_guest/<classic|guest>/<entry>/<heap>/<fresh|pooled>`: the
//!   bundled runtime-guest blob in both ABIs, `Core_version`, `Demo_execute_block` (4
//!   transfers), `Bench_alloc_heavy` (small) and `HostApi_run` (a short script), each on new
//!   empty storage, under `Static { extra_pages: 2048 }` and `Dynamic`.
//! - `instance_reuse/setup/<module>/<heap>/<fresh|pooled>`: a call of an entry point that
//!   does nothing, so what is measured is the fixed per-call set-up (instance, input, output,
//!   reset): a minimal module (1 page) and a large one (256 initial pages, 1 MiB of data
//!   segments, 5 000 functions), under heaps of 32 and 2048 extra pages.
//! - Before measuring, it prints the resident memory (`/proc/self/statm`) the pool (image
//!   and one instance) adds, after its first call and after 200 `Core_version` calls.
//!
//! `cargo bench -p subexec-benches --bench instance_reuse -- --warm-up-time 1
//! --measurement-time 3`; `INSTANCE_REUSE_REPLAY="pooled Core_version 10000"` makes that
//! many calls and exits (for `perf` and valgrind).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, Criterion};
use parity_scale_codec::Encode;
use subexec_executor::{empty_storage, Executor, HeapAllocStrategy, InstanceReuse, Runtime};
use subexec_runtime_blobs::api::{entries, AllocParams, Block, HashAlgorithm, HostCall, Transfer};
use subexec_runtime_blobs::{CLASSIC, GUEST_ALLOCATOR};

// node-template from conformance/third-party; one file with the executor's tests.
#[path = "../../executor/tests/node_template_common/mod.rs"]
mod node_template_common;
// The same runtime with its memory defined rather than imported.
#[path = "../../executor/tests/own_memory_common/mod.rs"]
mod own_memory_common;

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
        // The first call runs fresh and translates the functions it calls (lazy
        // compilation): what follows is the image and the pooled instance.
        call(&rt, "Core_version");
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
            "resident memory of the pool ({name}, idle {}): +{} KiB after its first \
             Core_version, +{} KiB after 200 more, +{} KiB after Metadata_metadata + \
             Core_version",
            rt.idle_instances(),
            (first.saturating_sub(before)) / 1024,
            (later.saturating_sub(before)) / 1024,
            (after_metadata.saturating_sub(before)) / 1024,
        );
    }
}

fn instance_reuse(c: &mut Criterion) {
    let code = node_template_common::code();
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

/// node-template with its memory defined and exported, as a pre-2020 runtime.
fn own_memory_code() -> Vec<u8> {
    let code = node_template_common::code();
    let wasm =
        subexec_executor::blob::decompress(&code, subexec_executor::blob::CODE_BLOB_BOMB_LIMIT)
            .expect("the node-template blob decompresses");
    own_memory_common::define_memory(&wasm)
}

fn own_memory(c: &mut Criterion) {
    let code = own_memory_code();
    let mut group = c.benchmark_group("instance_reuse/own_memory");
    group.measurement_time(Duration::from_secs(3));
    for method in ["Core_version", "Metadata_metadata"] {
        for (name, strategy) in [HEAPS[0], HEAPS[2]] {
            let fresh = runtime(&code, strategy, InstanceReuse::Fresh);
            let pooled = runtime(&code, strategy, POOLED);
            assert_eq!(call(&fresh, method), call(&pooled, method));
            assert_eq!(pooled.instance_reuse(), POOLED);
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

/// `INSTANCE_REUSE_REPLAY="<fresh|pooled> <method> <calls> [static_2048|static_32|dynamic]
/// [own_memory]"`: make that many calls and exit, for profiles and instruction counts
/// (`noop`: the large module of the `setup` group, else node-template, with its memory
/// defined with `own_memory`).
fn replay(spec: &str) {
    let mut parts = spec.split_whitespace();
    let (Some(side), Some(method), Some(calls)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("INSTANCE_REUSE_REPLAY=\"<fresh|pooled> <method> <calls>\"");
    };
    let calls: usize = calls.parse().expect("a number of calls");
    let reuse = match side {
        "fresh" => InstanceReuse::Fresh,
        "pooled" => POOLED,
        other => panic!("unknown side {other}"),
    };
    let heap = parts.next().unwrap_or("static_2048");
    let Some((_, strategy)) = HEAPS.iter().find(|(name, _)| *name == heap) else {
        panic!("unknown heap {heap}");
    };
    // `noop` runs on the large module of the `setup` group.
    let code = match (method, parts.next()) {
        ("noop", _) => noop_module(256, 1 << 20, 5000),
        (_, Some("own_memory")) => own_memory_code(),
        _ => node_template_common::code(),
    };
    let rt = runtime(&code, *strategy, reuse);
    for _ in 0..calls {
        black_box(call(&rt, method));
    }
}

/// A classic runtime whose `noop` entry returns an empty output: `pages` initial pages,
/// `data` bytes of data segments and `functions` extra functions.
fn noop_module(pages: u32, data: usize, functions: usize) -> Vec<u8> {
    let data = "\\2a".repeat(data);
    let functions = "(func (result i32) (i32.const 1))\n".repeat(functions);
    wat::parse_str(format!(
        r#"(module
  (import "env" "memory" (memory {pages}))
  (global (export "__heap_base") i32 (i32.const {heap_base}))
  (global $sp (mut i32) (i32.const 65536))
  (data (i32.const 65536) "{data}")
  {functions}
  (func (export "noop") (param i32 i32) (result i64)
    (global.set $sp (i32.sub (global.get $sp) (i32.const 16)))
    (global.set $sp (i32.add (global.get $sp) (i32.const 16)))
    (i64.const 0)))"#,
        heap_base = pages * 65_536 - 4096,
    ))
    .expect("valid module")
}

fn setup(c: &mut Criterion) {
    let mut group = c.benchmark_group("instance_reuse/setup");
    group.measurement_time(Duration::from_secs(3));
    let modules = [
        ("small", noop_module(2, 16, 0)),
        ("large", noop_module(256, 1 << 20, 5000)),
    ];
    for (module, wasm) in &modules {
        for extra_pages in [32, 2048] {
            let strategy = HeapAllocStrategy::Static { extra_pages };
            for (side, reuse) in [("fresh", InstanceReuse::Fresh), ("pooled", POOLED)] {
                let rt = runtime(wasm, strategy, reuse);
                call(&rt, "noop");
                group.bench_function(format!("{module}/static_{extra_pages}/{side}"), |b| {
                    b.iter(|| black_box(call(&rt, "noop")))
                });
            }
        }
    }
    group.finish();
}

/// The runtime-guest calls measured: name and input.
fn guest_calls() -> Vec<(&'static str, Vec<u8>)> {
    let (a, b, c) = ([9u8; 32], [8u8; 32], [7u8; 32]);
    let transfer = |from, to, amount| Transfer { from, to, amount };
    vec![
        (entries::CORE_VERSION, vec![]),
        (
            entries::DEMO_EXECUTE_BLOCK,
            Block {
                number: 1,
                transfers: vec![
                    transfer(a, b, 20),
                    transfer(b, c, 4),
                    transfer(c, a, 1),
                    transfer(a, c, 300),
                ],
            }
            .encode(),
        ),
        (
            entries::BENCH_ALLOC_HEAVY,
            AllocParams {
                boxes: 50,
                box_size: 24,
                vec_pushes: 100,
                map_entries: 20,
            }
            .encode(),
        ),
        (
            entries::HOST_API_RUN,
            vec![
                HostCall::StorageSet(b"alpha".to_vec(), b"short".to_vec()),
                HostCall::StorageGet(b"alpha".to_vec()),
                HostCall::Hash(HashAlgorithm::Blake2_256, b"data".to_vec()),
                HostCall::AllocatorRoundTrip(vec![7; 300]),
            ]
            .encode(),
        ),
    ]
}

fn runtime_guest(c: &mut Criterion) {
    let mut group = c.benchmark_group("instance_reuse/runtime_guest");
    group.measurement_time(Duration::from_secs(3));
    let heaps = [HEAPS[0], HEAPS[2]];
    for (mode, blob) in [("classic", CLASSIC), ("guest", GUEST_ALLOCATOR)] {
        for (method, input) in guest_calls() {
            for (heap, strategy) in heaps {
                let fresh = runtime(blob, strategy, InstanceReuse::Fresh);
                let pooled = runtime(blob, strategy, POOLED);
                let run = |rt: &Runtime| {
                    rt.call(&mut empty_storage(), method, &input)
                        .expect("call succeeds")
                        .output
                };
                assert_eq!(run(&fresh), run(&pooled));
                for (side, rt) in [("fresh", &fresh), ("pooled", &pooled)] {
                    group.bench_function(format!("{mode}/{method}/{heap}/{side}"), |b| {
                        b.iter(|| black_box(run(rt)))
                    });
                }
            }
        }
    }
    group.finish();
}

criterion_group!(benches, instance_reuse, own_memory, runtime_guest, setup);

fn main() {
    if let Ok(spec) = std::env::var("INSTANCE_REUSE_REPLAY") {
        replay(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
