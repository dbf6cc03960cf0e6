//! Guest code that crashed the host through wasmi 2.0.0, run through the patched engine
//! (`vendor/wasmi`, every patch listed in `vendor/wasmi/PATCHES.md`).
//!
//! Both bugs were found by the `executor_modules` fuzz target (docs/FUZZING.md, findings 4
//! and 6) and both took the whole process down from an ordinary, valid blob: a translator
//! `unreachable!()` (a panic at the first call of the function) and a native stack overflow
//! (an abort no `catch_unwind` can stop). The expected results below come from the wasm
//! semantics of each instruction, written out by hand, not from running subexec.

mod common;

use common::*;
use subexec_executor::{CallOutcome, HeapAllocStrategy};

/// Finding 6: an integer store whose address and value are the same register-held local and
/// whose static offset does not fit 16 bits. wasmi 2.0.0 has no `(Reg, Reg)` encoding for the
/// integer stores and hit `unreachable!()` in `choose_store_op_vt` when it translated one.
///
/// The entry turns its input length `len` into `x = (len == 0)` (which leaves the local in
/// wasmi's register), stores `x` at `x + 65536` with `store`, then returns the 16 bytes at
/// 65536, which a data segment filled with `0xff` before the call.
fn store_register_pair_module(store: &str) -> Vec<u8> {
    let wat = format!(
        r#"(module
  (import "env" "memory" (memory 2))
  (global (export "__heap_base") i32 (i32.const 1024))
  (data (i32.const 65536) "\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff")
  (func (export "store_pair") (param $ptr i32) (param $len i32) (result i64)
    local.get $len
    i32.eqz
    local.set $len
    local.get $len
    local.get $len
    {value}
    {store} offset=65536
    ;; output: 16 bytes at 65536
    i64.const 0x0000001000010000))"#,
        value = if store.starts_with("i64") {
            "i64.extend_i32_u"
        } else {
            ""
        },
    );
    wat::parse_str(wat).expect("valid wat")
}

/// What `store_register_pair_module` must leave at 65536..65552 for input length `len`.
fn expected_store_pair_bytes(store: &str, len: usize) -> Vec<u8> {
    let x = u64::from(len == 0);
    let width = match store {
        "i32.store8" | "i64.store8" => 1,
        "i32.store16" | "i64.store16" => 2,
        "i32.store" | "i64.store32" => 4,
        "i64.store" => 8,
        other => panic!("not an integer store: {other}"),
    };
    let mut bytes = vec![0xff; 16];
    let at = x as usize;
    bytes[at..at + width].copy_from_slice(&x.to_le_bytes()[..width]);
    bytes
}

#[test]
fn integer_store_with_register_pair_and_32_bit_offset_runs() {
    // `i64.extend_i32_u` moves the value out of the local, so the i64 variants store a
    // temporary; they cover the same translator function with the other operand shape.
    for store in [
        "i32.store",
        "i32.store8",
        "i32.store16",
        "i64.store",
        "i64.store8",
        "i64.store16",
        "i64.store32",
    ] {
        let runtime = load(
            &store_register_pair_module(store),
            HeapAllocStrategy::Static { extra_pages: 1 },
        );
        for input in [&[][..], &[7, 7, 7][..]] {
            let outcome = call(&runtime, "store_pair", input)
                .unwrap_or_else(|e| panic!("{store}, input {input:?}: {e}"));
            assert_eq!(
                outcome.output,
                expected_store_pair_bytes(store, input.len()),
                "{store}, input {input:?}"
            );
        }
    }
}

/// Finding 4: wasmi 2.0.0's `memory.grow` handler called the next instruction's handler
/// instead of jumping to it (its store call takes the address of a local, which stops
/// LLVM's sibling-call optimisation), so every executed `memory.grow` left a native frame
/// until the wasm call returned. A loop of growths overflowed the host stack and aborted the
/// process; one million frames need about 170 MB of stack.
fn memory_grow_loop_module(memory: &str) -> Vec<u8> {
    let wat = format!(
        r#"(module
  (import "env" "memory" {memory})
  (global (export "__heap_base") i32 (i32.const 1024))
  ;; Runs `memory.grow $delta` `$count` times, where input = ($delta: u32, $count: u32), and
  ;; returns 8 bytes at 0: the number of growths that returned -1, then the final page count.
  (func (export "grow_loop") (param $ptr i32) (param $len i32) (result i64)
    (local $delta i32) (local $left i32) (local $refused i32)
    (local.set $delta (i32.load (local.get $ptr)))
    (local.set $left (i32.load offset=4 (local.get $ptr)))
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $left)))
        (if (i32.eq (memory.grow (local.get $delta)) (i32.const -1))
          (then (local.set $refused (i32.add (local.get $refused) (i32.const 1)))))
        (local.set $left (i32.sub (local.get $left) (i32.const 1)))
        (br $again)))
    (i32.store (i32.const 0) (local.get $refused))
    (i32.store (i32.const 4) (memory.size))
    i64.const 0x0000000800000000))"#
    );
    wat::parse_str(wat).expect("valid wat")
}

fn grow_loop(runtime: &subexec_executor::Runtime, delta: u32, count: u32) -> CallOutcome {
    let mut input = delta.to_le_bytes().to_vec();
    input.extend_from_slice(&count.to_le_bytes());
    call(runtime, "grow_loop", &input)
        .unwrap_or_else(|e| panic!("delta {delta}, count {count}: {e}"))
}

fn refused_and_pages(outcome: &CallOutcome) -> (u32, u32) {
    let word = |at: usize| u32::from_le_bytes(outcome.output[at..at + 4].try_into().unwrap());
    (word(0), word(4))
}

const GROWTHS: u32 = 1_000_000;

#[test]
fn a_million_refused_memory_grows_do_not_overflow_the_host_stack() {
    // Static heap: the memory's maximum is its size, so every growth by one page is refused.
    let runtime = load(
        &memory_grow_loop_module("(memory 1)"),
        HeapAllocStrategy::Static { extra_pages: 1 },
    );
    assert_eq!(
        refused_and_pages(&grow_loop(&runtime, 1, GROWTHS)),
        (GROWTHS, 2)
    );
}

#[test]
fn a_million_successful_memory_grows_do_not_overflow_the_host_stack() {
    // Growth by a run-time zero succeeds (returns the size) without allocating; growth by
    // one page succeeds up to the dynamic maximum, then is refused.
    let runtime = load(
        &memory_grow_loop_module("(memory 1)"),
        HeapAllocStrategy::Dynamic {
            maximum_pages: Some(16),
        },
    );
    assert_eq!(refused_and_pages(&grow_loop(&runtime, 0, GROWTHS)), (0, 1));
    assert_eq!(
        refused_and_pages(&grow_loop(&runtime, 1, GROWTHS)),
        (GROWTHS - 15, 16)
    );
}

/// The same class of bug for calls: wasmi's `call_internal` and `call_indirect` handlers must
/// jump into the callee, or every call leaves a native frame until the outer wasm call
/// returns. Not a bug of the release build (`scripts/check-tail-dispatch.py` checks it), but
/// one of builds that do not compile wasmi the way releases do; this test keeps the test
/// profile honest.
#[test]
fn a_million_wasm_calls_in_a_loop_do_not_overflow_the_host_stack() {
    let wasm = wat::parse_str(
        r#"(module
  (import "env" "memory" (memory 1))
  (global (export "__heap_base") i32 (i32.const 1024))
  (type $step (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $increment)
  (func $increment (type $step) (i32.add (local.get 0) (i32.const 1)))
  ;; Calls `$increment` directly and through the table `count` times each (input: u32) and
  ;; returns the total, 2 * count, as 4 bytes at 0.
  (func (export "call_loop") (param $ptr i32) (param $len i32) (result i64)
    (local $left i32) (local $total i32)
    (local.set $left (i32.load (local.get $ptr)))
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $left)))
        (local.set $total (call $increment (local.get $total)))
        (local.set $total (call_indirect (type $step) (local.get $total) (i32.const 0)))
        (local.set $left (i32.sub (local.get $left) (i32.const 1)))
        (br $again)))
    (i32.store (i32.const 0) (local.get $total))
    i64.const 0x0000000400000000))"#,
    )
    .expect("valid wat");
    let runtime = load(&wasm, HeapAllocStrategy::default());
    let outcome = call(&runtime, "call_loop", &GROWTHS.to_le_bytes()).expect("runs");
    assert_eq!(out_u32(&outcome), 2 * GROWTHS);
}
