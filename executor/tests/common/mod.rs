//! Hand-written classic runtimes (WAT) for the executor's tests.
#![allow(dead_code)]

use std::sync::Arc;

use subexec_executor::storage::{InMemoryBackend, StorageState};
use subexec_executor::{CallError, CallOutcome, Executor, HeapAllocStrategy, Runtime};

/// `__heap_base` of the test runtimes.
pub const HEAP_BASE: u32 = 1024;

/// Wraps function bodies into a classic runtime importing `env.memory` (1 page) and the host
/// functions the bodies use; `$pack` packs (ptr, len) into the i64 result.
pub fn runtime_wat(extra: &str) -> String {
    format!(
        r#"(module
  (import "env" "memory" (memory 1))
  (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
  (import "env" "ext_allocator_free_version_1" (func $free (param i32)))
  (import "env" "ext_storage_append_version_1" (func $append (param i64 i64)))
  (import "env" "ext_panic_handler_abort_on_panic_version_1" (func $panic (param i64)))
  (global (export "__heap_base") i32 (i32.const {HEAP_BASE}))
  (global $g (mut i32) (i32.const 7))
  (data (i32.const 16) "\01\00\00\00")
  (data (i32.const 32) "boom")
  (data (i32.const 48) "key")
  (data (i32.const 64) "\04\2a")
  (func $pack (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.extend_i32_u (local.get $ptr))
            (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))))
  ;; Returns its input.
  (func (export "echo") (param $p i32) (param $l i32) (result i64)
    (call $pack (local.get $p) (local.get $l)))
  ;; Writes the input pointer at 0 and returns those 4 bytes.
  (func (export "input_ptr") (param $p i32) (param $l i32) (result i64)
    (i32.store (i32.const 0) (local.get $p))
    (call $pack (i32.const 0) (i32.const 4)))
  ;; Increments the static counter at 16 and returns it.
  (func (export "bump_static") (param $p i32) (param $l i32) (result i64)
    (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (i32.const 1)))
    (call $pack (i32.const 16) (i32.const 4)))
  ;; Reads the byte at heap_base + 40000 into 0, writes 0xff there, returns the old byte.
  (func (export "dirty_heap") (param $p i32) (param $l i32) (result i64)
    (i32.store8 (i32.const 0) (i32.load8_u (i32.const {dirty})))
    (i32.store8 (i32.const {dirty}) (i32.const 255))
    (call $pack (i32.const 0) (i32.const 1)))
  ;; Sets the mutable global to 42 then traps.
  (func (export "set_global_and_trap") (param $p i32) (param $l i32) (result i64)
    (global.set $g (i32.const 42))
    unreachable)
  ;; Returns the mutable global.
  (func (export "get_global") (param $p i32) (param $l i32) (result i64)
    (i32.store (i32.const 0) (global.get $g))
    (call $pack (i32.const 0) (i32.const 4)))
  (func (export "trap") (param $p i32) (param $l i32) (result i64)
    unreachable)
  ;; Neither entry-point type: `(i32) -> i64` would be a guest-allocator entry point, and a
  ;; runtime mixing both styles does not load (abi.md §3).
  (func (export "bad_signature") (param $p i32) (result i32)
    (i32.const 0))
  ;; malloc(u32 from input) and return the pointer.
  (func (export "malloc") (param $p i32) (param $l i32) (result i64)
    (i32.store (i32.const 0) (call $malloc (i32.load (local.get $p))))
    (call $pack (i32.const 0) (i32.const 4)))
  (func (export "free_twice") (param $p i32) (param $l i32) (result i64)
    (call $free (local.get $p))
    (call $free (local.get $p))
    (i64.const 0))
  (func (export "spin") (param $p i32) (param $l i32) (result i64)
    (loop $l (br $l))
    (i64.const 0))
  (func (export "out_of_bounds_output") (param $p i32) (param $l i32) (result i64)
    (call $pack (i32.const 0xffff0000) (i32.const 0x100)))
  (func (export "panic") (param $p i32) (param $l i32) (result i64)
    (call $panic (call $pack (i32.const 32) (i32.const 4)))
    unreachable)
  ;; Appends one item to storage `key`, then reads u32 address from the input.
  (func (export "append_then_load") (param $p i32) (param $l i32) (result i64)
    (call $append (call $pack (i32.const 48) (i32.const 3)) (call $pack (i32.const 65) (i32.const 1)))
    (i32.store (i32.const 0) (i32.load (i32.load (local.get $p))))
    (call $pack (i32.const 0) (i32.const 4)))
  ;; Recursion of the depth given by the input u32.
  (func $rec (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (call $rec (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))))
  (func (export "recurse") (param $p i32) (param $l i32) (result i64)
    (i32.store (i32.const 0) (call $rec (i32.load (local.get $p))))
    (call $pack (i32.const 0) (i32.const 4)))
  ;; Sum of f64 NaN arithmetic bits, to check canonicalisation.
  (func (export "nan") (param $p i32) (param $l i32) (result i64)
    (f64.store (i32.const 0) (f64.div (f64.const 0) (f64.const 0)))
    (call $pack (i32.const 0) (i32.const 8)))
  {extra}
)"#,
        dirty = HEAP_BASE + 40_000,
    )
}

/// The default test runtime's wasm.
pub fn runtime_wasm() -> Vec<u8> {
    wat::parse_str(runtime_wat("")).expect("valid wat")
}

/// Empty storage.
pub fn storage() -> StorageState {
    StorageState::new(Arc::new(InMemoryBackend::default()))
}

/// Loads `wasm` on a fresh executor with the given strategy.
pub fn load(wasm: &[u8], strategy: HeapAllocStrategy) -> Runtime {
    Executor::builder()
        .heap_alloc_strategy(strategy)
        .build()
        .load(wasm)
        .expect("loads")
}

/// Calls `method` on empty storage.
pub fn call(runtime: &Runtime, method: &str, input: &[u8]) -> Result<CallOutcome, CallError> {
    runtime.call(&mut storage(), method, input)
}

/// First 4 output bytes as a little-endian u32.
pub fn out_u32(outcome: &CallOutcome) -> u32 {
    u32::from_le_bytes(outcome.output[..4].try_into().expect("4 bytes"))
}
