//! The executor on the real node-template runtime, beside the floor: a minimal host that
//! drives wasmi directly for the same call.
//!
//! - `node_template/{Core_version,Metadata_metadata}`: one whole call each (fresh instance,
//!   input allocation, output copy), `subexec` with its default static heap of 2048 extra
//!   pages vs the floor.
//! - `call_setup`: `Core_version` (a tiny call, so set-up dominates) under `Static` heaps of 32
//!   and 2048 extra pages: per-call cost must not grow with the heap. `floor_pregrown_2048`
//!   shows what a naive pre-grown 2048-page heap costs (wasmi zero-fills it eagerly).
//!
//! The floor compiles the module once with the same wasmi configuration (eager compilation, no
//! fuel), and per call creates a store, a memory of the module's initial pages (`pregrown`:
//! plus 2048), instantiates with typed host functions (`malloc` a plain bump allocator,
//! `free` a no-op, `logging_max_level` 0, other imports trapping stubs), calls the entry and
//! copies the output. It does nothing else: no import resolution by name, no allocator
//! bookkeeping, no storage, no error mapping. Outputs are checked equal before measuring.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, Criterion};
use subexec_executor::blob::{decompress, CODE_BLOB_BOMB_LIMIT};
use subexec_executor::{empty_storage, Executor, HeapAllocStrategy, Runtime};
use wasmi::{
    Caller, Engine, Extern, ExternType, Func, Instance, Memory, MemoryType, Module, Store,
};

// node-template from conformance/third-party; one file with the executor's tests.
#[path = "../../executor/tests/node_template_common/mod.rs"]
mod node_template_common;

const PAGE: u64 = 65_536;

fn subexec_runtime(code: &[u8], strategy: HeapAllocStrategy) -> Runtime {
    Executor::builder()
        .heap_alloc_strategy(strategy)
        .allow_missing_host_functions(true)
        .build()
        .load(code)
        .expect("loads")
}

fn subexec_call(runtime: &Runtime, method: &str) -> Vec<u8> {
    runtime
        .call(&mut empty_storage(), method, &[])
        .expect("call succeeds")
        .output
}

/// The floor: wasmi driven directly, with the least a correct call needs.
struct Floor {
    engine: Engine,
    module: Module,
    initial_pages: u32,
}

struct Bump {
    next: u32,
    memory: Option<Memory>,
}

impl Floor {
    fn new(wasm: &[u8]) -> Self {
        let mut config = wasmi::Config::default();
        config.compilation_mode(wasmi::CompilationMode::Eager);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, wasm).expect("compiles");
        let initial_pages = module
            .imports()
            .find_map(|i| i.ty().memory().map(|m| m.minimum() as u32))
            .expect("imports memory");
        Floor {
            engine,
            module,
            initial_pages,
        }
    }

    fn call(&self, method: &str, extra_pages: u32) -> Vec<u8> {
        let mut store = Store::new(
            &self.engine,
            Bump {
                next: 0,
                memory: None,
            },
        );
        let pages = self.initial_pages + extra_pages;
        let memory = Memory::new(&mut store, MemoryType::new(pages, None)).unwrap();
        store.data_mut().memory = Some(memory);
        let externs: Vec<Extern> = self
            .module
            .imports()
            .map(|import| match (import.name(), import.ty()) {
                ("memory", _) => Extern::Memory(memory),
                ("ext_allocator_malloc_version_1", _) => Extern::Func(Func::wrap(
                    &mut store,
                    |mut caller: Caller<'_, Bump>, size: u32| -> u32 {
                        let ptr = caller.data().next + 8;
                        let end = u64::from(ptr) + u64::from(size.next_multiple_of(8));
                        let memory = caller.data().memory.unwrap();
                        let have = memory.size(&caller) * PAGE;
                        if end > have {
                            memory
                                .grow(&mut caller, (end - have).div_ceil(PAGE))
                                .unwrap();
                        }
                        caller.data_mut().next = end as u32;
                        ptr
                    },
                )),
                ("ext_allocator_free_version_1", _) => {
                    Extern::Func(Func::wrap(&mut store, |_ptr: u32| {}))
                }
                ("ext_logging_max_level_version_1", _) => {
                    Extern::Func(Func::wrap(&mut store, || -> u32 { 0 }))
                }
                (_, ExternType::Func(ty)) => {
                    Extern::Func(Func::new(&mut store, ty.clone(), |_, _, _| {
                        Err(wasmi::Error::new("missing host function"))
                    }))
                }
                (name, _) => panic!("unexpected import {name}"),
            })
            .collect();
        let instance = Instance::new(&mut store, &self.module, &externs).unwrap();
        let heap_base = instance
            .get_global(&store, "__heap_base")
            .unwrap()
            .get(&store)
            .i32()
            .unwrap() as u32;
        // The (empty) input: one 8-byte chunk, as the real allocator would hand out.
        store.data_mut().next = heap_base.next_multiple_of(8);
        let input = store.data().next + 8;
        store.data_mut().next = input + 8;
        let entry = instance
            .get_typed_func::<(i32, i32), i64>(&store, method)
            .unwrap();
        let packed = entry.call(&mut store, (input as i32, 0)).unwrap() as u64;
        let (ptr, len) = (packed as u32 as usize, (packed >> 32) as usize);
        memory.data(&store)[ptr..ptr + len].to_vec()
    }
}

fn node_template(c: &mut Criterion) {
    let code = node_template_common::code();
    let wasm = decompress(&code, CODE_BLOB_BOMB_LIMIT)
        .unwrap()
        .into_owned();
    let floor = Floor::new(&wasm);
    let runtime = subexec_runtime(&code, HeapAllocStrategy::default());
    let mut group = c.benchmark_group("node_template");
    group.measurement_time(Duration::from_secs(5));
    for method in ["Core_version", "Metadata_metadata"] {
        assert_eq!(subexec_call(&runtime, method), floor.call(method, 0));
        group.bench_function(format!("{method}/subexec"), |b| {
            b.iter(|| black_box(subexec_call(&runtime, method)))
        });
        group.bench_function(format!("{method}/floor"), |b| {
            b.iter(|| black_box(floor.call(method, 0)))
        });
    }
    group.finish();
}

fn call_setup(c: &mut Criterion) {
    let code = node_template_common::code();
    let wasm = decompress(&code, CODE_BLOB_BOMB_LIMIT)
        .unwrap()
        .into_owned();
    let floor = Floor::new(&wasm);
    let mut group = c.benchmark_group("call_setup");
    group.measurement_time(Duration::from_secs(5));
    for extra_pages in [32, 2048] {
        let runtime = subexec_runtime(&code, HeapAllocStrategy::Static { extra_pages });
        group.bench_function(format!("subexec_static_{extra_pages}"), |b| {
            b.iter(|| black_box(subexec_call(&runtime, "Core_version")))
        });
    }
    group.bench_function("floor", |b| {
        b.iter(|| black_box(floor.call("Core_version", 0)))
    });
    group.sample_size(10);
    group.bench_function("floor_pregrown_2048", |b| {
        b.iter(|| black_box(floor.call("Core_version", 2048)))
    });
    group.finish();
}

/// `EXECUTOR_BENCH_REPLAY="<subexec|floor> <method> <calls>"`: make that many calls and exit,
/// for instruction counts under valgrind (load-independent; see docs/PERFORMANCE.md).
fn replay(spec: &str) {
    let mut parts = spec.split_whitespace();
    let (Some(side), Some(method), Some(calls)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("EXECUTOR_BENCH_REPLAY=\"<subexec|floor> <method> <calls>\"");
    };
    let calls: usize = calls.parse().expect("a number of calls");
    let code = node_template_common::code();
    match side {
        "subexec" => {
            let runtime = subexec_runtime(&code, HeapAllocStrategy::default());
            for _ in 0..calls {
                black_box(subexec_call(&runtime, method));
            }
        }
        "floor" => {
            let wasm = decompress(&code, CODE_BLOB_BOMB_LIMIT)
                .unwrap()
                .into_owned();
            let floor = Floor::new(&wasm);
            for _ in 0..calls {
                black_box(floor.call(method, 0));
            }
        }
        other => panic!("unknown side {other}"),
    }
}

criterion_group!(benches, node_template, call_setup);

fn main() {
    if let Ok(spec) = std::env::var("EXECUTOR_BENCH_REPLAY") {
        replay(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
