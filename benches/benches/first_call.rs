//! Time to first result on the real node-template runtime: a new `Executor` (empty code
//! cache), the compressed `:code`, and the first `Core_version`.
//!
//! - `first_call/decompress`: zstd decompression of the blob.
//! - `first_call/module_new/{eager,lazy_translation}`: wasmi's `Module::new` on the
//!   decompressed wasm (parse + validate every body, + translate every body when eager): what
//!   the compilation mode changes.
//! - `first_call/load`: `Executor::load` on a new executor: decompress, scan, export rewrite,
//!   validate and parse (lazy translation), import resolution, embedded version.
//! - `first_call/load_and_core_version/{fresh,pooled}`: load and the first `Core_version`
//!   (instantiation, translation of the functions it reaches, the call), with fresh instances
//!   and with the default pooled instances (the first call also builds the pool's image).
//!
//! Before measuring it prints a one-shot split (median of 7 runs of each step).
//!
//! `cargo bench -p subexec-benches --bench first_call -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use subexec_executor::blob::{decompress, CODE_BLOB_BOMB_LIMIT};
use subexec_executor::{empty_storage, Executor, InstanceReuse, Runtime};
use wasmi::{CompilationMode, Config, Engine, Module};

// node-template from conformance/third-party; one file with the executor's tests.
#[path = "../../executor/tests/node_template_common/mod.rs"]
mod node_template_common;

fn executor(reuse: InstanceReuse) -> Executor {
    Executor::builder()
        .allow_missing_host_functions(true)
        .instance_reuse(reuse)
        .build()
}

fn load(code: &[u8], reuse: InstanceReuse) -> Runtime {
    executor(reuse).load(code).expect("loads")
}

fn core_version(runtime: &Runtime) -> Vec<u8> {
    runtime
        .call(&mut empty_storage(), "Core_version", &[])
        .expect("Core_version runs")
        .output
}

fn module_new(wasm: &[u8], mode: CompilationMode) -> Module {
    let mut config = Config::default();
    config.compilation_mode(mode);
    Module::new(&Engine::new(&config), wasm).expect("compiles")
}

/// Median of 7 timings of `f`, in ms.
fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[3]
}

/// The one-shot split of the time to first `Core_version`.
fn report_split(code: &[u8]) {
    let wasm = decompress(code, CODE_BLOB_BOMB_LIMIT).expect("decompresses");
    let decompress_ms = median_ms(|| {
        black_box(decompress(code, CODE_BLOB_BOMB_LIMIT).unwrap());
    });
    let eager_ms = median_ms(|| {
        black_box(module_new(&wasm, CompilationMode::Eager));
    });
    let lazy_ms = median_ms(|| {
        black_box(module_new(&wasm, CompilationMode::LazyTranslation));
    });
    let load_ms = median_ms(|| {
        black_box(load(code, InstanceReuse::Fresh));
    });
    // First call on a new engine: instantiation + translation of what it reaches + the call;
    // the second call on the same engine: instantiation + the call.
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        let runtime = load(code, InstanceReuse::Fresh);
        let start = Instant::now();
        black_box(core_version(&runtime));
        first.push(start.elapsed().as_secs_f64() * 1e3);
        let start = Instant::now();
        black_box(core_version(&runtime));
        second.push(start.elapsed().as_secs_f64() * 1e3);
    }
    first.sort_by(f64::total_cmp);
    second.sort_by(f64::total_cmp);
    let pooled_total_ms = median_ms(|| {
        black_box(core_version(&load(code, InstanceReuse::default())));
    });
    eprintln!(
        "first Core_version on node-template (median of 7, ms): decompress {decompress_ms:.2}; \
         wasmi Module::new eager {eager_ms:.2} vs lazy translation {lazy_ms:.2}; \
         subexec load (decompress + scan + rewrite + validate + link) {load_ms:.2}; \
         first call (fresh instance: instantiate + translate + run) {:.2}; \
         second call (instantiate + run) {:.2}; \
         load + first call with the default pooled executor {pooled_total_ms:.2}",
        first[3], second[3]
    );
}

fn first_call(c: &mut Criterion) {
    let code = node_template_common::code();
    report_split(&code);
    let wasm = decompress(&code, CODE_BLOB_BOMB_LIMIT).expect("decompresses");
    let mut group = c.benchmark_group("first_call");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("decompress", |b| {
        b.iter(|| black_box(decompress(&code, CODE_BLOB_BOMB_LIMIT).unwrap()))
    });
    for (name, mode) in [
        ("eager", CompilationMode::Eager),
        ("lazy_translation", CompilationMode::LazyTranslation),
    ] {
        group.bench_function(format!("module_new/{name}"), |b| {
            b.iter(|| black_box(module_new(&wasm, mode)))
        });
    }
    group.bench_function("load", |b| {
        b.iter(|| black_box(load(&code, InstanceReuse::Fresh)))
    });
    for (name, reuse) in [
        ("fresh", InstanceReuse::Fresh),
        ("pooled", InstanceReuse::default()),
    ] {
        group.bench_function(format!("load_and_core_version/{name}"), |b| {
            b.iter(|| black_box(core_version(&load(&code, reuse))))
        });
    }
    group.finish();
}

criterion_group!(benches, first_call);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
