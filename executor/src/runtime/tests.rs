//! Engine lifetimes: the code of a runtime the cache dropped is freed once nothing uses it
//! (wasmi frees a module's compiled functions only with their engine, see the module docs).

use wasmi::{Engine, EngineWeak};

use crate::storage::{InMemoryBackend, StorageState};
use crate::{Executor, Runtime};

/// A classic runtime whose `echo` returns its input; `tag` makes the code hash distinct.
fn wasm(tag: u32) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
  (import "env" "memory" (memory 2))
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "echo") (param $p i32) (param $l i32) (result i64)
    (i64.or (i64.extend_i32_u (local.get $p))
            (i64.shl (i64.extend_i32_u (local.get $l)) (i64.const 32))))
  (func (export "tag") (result i32) (i32.const {tag})))"#
    ))
    .expect("valid wat")
}

fn echo(runtime: &Runtime, input: &[u8]) -> Vec<u8> {
    let mut storage = StorageState::new(std::sync::Arc::new(InMemoryBackend::default()));
    runtime
        .call(&mut storage, "echo", input)
        .expect("echo succeeds")
        .output
}

fn engine_of(runtime: &Runtime) -> EngineWeak {
    runtime.prepared.module.engine().weak()
}

#[test]
fn an_evicted_runtime_frees_its_engine() {
    let executor = Executor::builder().cache_capacity(2).build();
    let mut engines = Vec::new();
    // Two rounds over five blobs through a two-entry cache: every load is a miss, as in the
    // fuzz target whose RSS grew (docs/FUZZING.md, finding 3).
    for round in 0..2 {
        for tag in 0..5 {
            let runtime = executor.load(&wasm(tag)).expect("loads");
            // Two calls: the second makes a pooled instance, whose store holds the engine too.
            assert_eq!(echo(&runtime, b"x"), b"x");
            assert_eq!(echo(&runtime, b"yz"), b"yz", "round {round}, blob {tag}");
            engines.push(engine_of(&runtime));
        }
    }
    assert_eq!(executor.cached_runtimes(), 2);
    let live = engines.iter().filter(|e| e.upgrade().is_some()).count();
    // Only the two cached runtimes keep an engine (a shared engine would keep all ten
    // loads' code for as long as the executor lives).
    assert_eq!(
        live, 2,
        "engines alive after 10 loads through a 2-entry cache"
    );
}

#[test]
fn a_handle_keeps_its_engine_after_eviction() {
    let executor = Executor::builder().cache_capacity(1).build();
    let first = executor.load(&wasm(0)).expect("loads");
    let first_engine = engine_of(&first);
    let second = executor.load(&wasm(1)).expect("loads");
    assert_eq!(executor.cached_runtimes(), 1);
    // The evicted runtime's handle still works, on its own engine.
    assert_eq!(echo(&first, b"abc"), b"abc");
    assert_eq!(echo(&first, b"abc"), b"abc");
    assert_eq!(echo(&second, b"d"), b"d");
    let first_engine_alive = first_engine.upgrade().expect("held by the handle");
    assert!(!Engine::same(
        &first_engine_alive,
        second.prepared.module.engine()
    ));
    drop(first_engine_alive);
    drop(first);
    assert!(
        first_engine.upgrade().is_none(),
        "freed with its last handle"
    );
}
