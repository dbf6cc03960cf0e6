//! Reuse tests: the same calls on a pooled executor and on a fresh one give the same outcomes
//! (outputs or errors, allocator statistics, fuel, host calls, peak pages) and storage
//! changes, whatever the previous call on the pooled instance did (trap, out of heap, out of
//! fuel, memory growth, globals moved), for a runtime that imports its memory and for one
//! that defines it (pre-2020 runtimes).

use std::sync::Arc;

use parity_scale_codec::Encode;

use crate::storage::{InMemoryBackend, StorageState};
use crate::{CallError, CallOutcome, Executor, HeapAllocStrategy, InstanceReuse, Runtime};

const HEAP_BASE: u32 = 70_000;

/// Where a test module's memory comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mem {
    /// `env.memory`.
    Imported,
    /// Defined and exported as `memory`, as pre-2020 runtimes do.
    Defined,
}

/// Every test runs on both.
const MEMORIES: [Mem; 2] = [Mem::Imported, Mem::Defined];

/// The memory declaration of a test module with `pages` initial pages: `(imported, defined)`
/// (an import must come before the module's definitions in the text format).
fn memory_decl(memory: Mem, pages: u32) -> (String, String) {
    match memory {
        Mem::Imported => (
            format!(r#"(import "env" "memory" (memory {pages}))"#),
            String::new(),
        ),
        Mem::Defined => (
            String::new(),
            format!(r#"(memory (export "memory") {pages})"#),
        ),
    }
}

/// A classic runtime with 2 initial pages, data at both ends of them, a stack pointer and
/// another mutable global, and entry points that dirty all of it.
fn wasm(exported_stack_pointer: bool, memory: Mem) -> Vec<u8> {
    let sp_export = if exported_stack_pointer {
        r#"(export "__stack_pointer")"#
    } else {
        ""
    };
    let (memory_import, memory_definition) = memory_decl(memory, 2);
    wat::parse_str(format!(
        r#"(module
  {memory_import}
  (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
  {memory_definition}
  (global (export "__heap_base") i32 (i32.const {HEAP_BASE}))
  (global $sp {sp_export} (mut i32) (i32.const 65536))
  (global $g (export "g") (mut i64) (i64.const 7))
  (data (i32.const 16) "\01\02\03\04")
  (data (i32.const 131064) "tail-end")
  (func $pack (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.extend_i32_u (local.get $ptr))
            (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))))
  ;; Sums the bytes of [$from, $to).
  (func $sum (param $from i32) (param $to i32) (result i64)
    (local $acc i64)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $from) (local.get $to)))
      (local.set $acc (i64.add (local.get $acc) (i64.load8_u (local.get $from))))
      (local.set $from (i32.add (local.get $from) (i32.const 1)))
      (br $next)))
    (local.get $acc))
  ;; Input: u32 flags, u32 heap bytes. Writes the first and last initial pages, moves both
  ;; globals, allocates and fills `heap bytes`; traps if flags & 1; spins if flags & 2.
  (func (export "scribble") (param $p i32) (param $l i32) (result i64)
    (local $ptr i32) (local $n i32)
    (i32.store (i32.const 16) (i32.const -1))
    (i64.store (i32.const 131064) (i64.const -1))
    (global.set $sp (i32.const 1234))
    (global.set $g (i64.const 99))
    (local.set $n (i32.load offset=4 (local.get $p)))
    (local.set $ptr (call $malloc (local.get $n)))
    (block $done (loop $fill
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (i32.store8 (i32.add (local.get $ptr) (local.get $n)) (i32.const 170))
      (br $fill)))
    (if (i32.and (i32.load (local.get $p)) (i32.const 1)) (then unreachable))
    (if (i32.and (i32.load (local.get $p)) (i32.const 2)) (then (loop $spin (br $spin))))
    (call $pack (local.get $p) (i32.const 8)))
  ;; Returns 40 bytes: sp, g, sum of the initial pages, the pointer of a new 1 MiB block and
  ;; the sum of its bytes (zero on a fresh instance), and the data at 16 and at the end.
  (func (export "check") (param $p i32) (param $l i32) (result i64)
    (local $ptr i32)
    (local.set $ptr (call $malloc (i32.const 1048576)))
    (i32.store (local.get $ptr) (global.get $sp))
    (i64.store offset=4 (local.get $ptr) (global.get $g))
    (i64.store offset=12 (local.get $ptr) (call $sum (i32.const 0) (i32.const 131072)))
    (i32.store offset=20 (local.get $ptr) (local.get $ptr))
    (i64.store offset=24 (local.get $ptr)
      (call $sum (i32.add (local.get $ptr) (i32.const 40))
                 (i32.add (local.get $ptr) (i32.const 1048576))))
    (i32.store offset=32 (local.get $ptr) (i32.load (i32.const 16)))
    (i32.store offset=36 (local.get $ptr) (i32.load (i32.const 131068)))
    (call $pack (local.get $ptr) (i32.const 40))))"#
    ))
    .unwrap()
}

fn scribble_input(flags: u32, heap_bytes: u32) -> Vec<u8> {
    (flags, heap_bytes).encode()
}

fn executors(strategy: HeapAllocStrategy, fuel: Option<u64>) -> (Executor, Executor) {
    let build = |reuse| {
        Executor::builder()
            .heap_alloc_strategy(strategy)
            .fuel(fuel)
            .instance_reuse(reuse)
            .build()
    };
    (
        build(InstanceReuse::Fresh),
        build(InstanceReuse::Pooled {
            max_idle_instances: 2,
        }),
    )
}

fn storage() -> StorageState {
    StorageState::new(Arc::new(InMemoryBackend::default()))
}

/// Runs `calls` on both runtimes; every outcome must be the same; returns them.
fn differential(
    fresh: &Runtime,
    pooled: &Runtime,
    calls: &[(&str, Vec<u8>)],
) -> Vec<Result<CallOutcome, CallError>> {
    let (mut fresh_storage, mut pooled_storage) = (storage(), storage());
    let mut outcomes = Vec::new();
    for (index, (method, input)) in calls.iter().enumerate() {
        let expected = fresh.call(&mut fresh_storage, method, input);
        let got = pooled.call(&mut pooled_storage, method, input);
        assert_eq!(got, expected, "call {index} ({method})");
        assert_eq!(
            pooled_storage.changes(),
            fresh_storage.changes(),
            "storage after call {index} ({method})"
        );
        outcomes.push(got);
    }
    outcomes
}

fn load_both(wasm: &[u8], strategy: HeapAllocStrategy, fuel: Option<u64>) -> (Runtime, Runtime) {
    let (fresh, pooled) = executors(strategy, fuel);
    let (fresh, pooled) = (fresh.load(wasm).unwrap(), pooled.load(wasm).unwrap());
    assert_eq!(fresh.instance_reuse(), InstanceReuse::Fresh);
    (fresh, pooled)
}

fn check() -> (&'static str, Vec<u8>) {
    ("check", Vec::new())
}

/// `check` on a fresh instance: stack pointer and `g` at their initial values, the initial
/// pages' data, a heap of zeros but for the data segment at the end of the initial pages
/// (which the 1 MiB block covers).
fn assert_fresh(outcome: &Result<CallOutcome, CallError>) {
    let output = &outcome.as_ref().unwrap().output;
    assert_eq!(output[0..4], 65_536u32.to_le_bytes());
    assert_eq!(output[4..12], 7u64.to_le_bytes());
    let tail: u64 = b"tail-end".iter().map(|&b| u64::from(b)).sum();
    assert_eq!(output[24..32], tail.to_le_bytes());
    assert_eq!(output[32..36], [1, 2, 3, 4]);
    assert_eq!(&output[36..40], b"-end");
}

const STATIC: HeapAllocStrategy = HeapAllocStrategy::Static { extra_pages: 2048 };

#[cfg(target_os = "linux")]
#[test]
fn a_pooled_instance_is_reused() {
    for memory in MEMORIES {
        let (_, pooled) = load_both(&wasm(true, memory), STATIC, None);
        assert_eq!(
            pooled.instance_reuse(),
            InstanceReuse::Pooled {
                max_idle_instances: 2
            }
        );
        let mut storage = storage();
        // The first call runs fresh.
        pooled.call(&mut storage, "check", &[]).unwrap();
        assert_eq!(pooled.idle_instances(), 0);
        for _ in 0..3 {
            pooled.call(&mut storage, "check", &[]).unwrap();
            assert_eq!(pooled.idle_instances(), 1);
        }
    }
}

#[test]
fn trap_then_call() {
    for memory in MEMORIES {
        let (fresh, pooled) = load_both(&wasm(true, memory), STATIC, None);
        let outcomes = differential(
            &fresh,
            &pooled,
            &[
                check(),
                ("scribble", scribble_input(1, 100_000)),
                check(),
                ("scribble", scribble_input(0, 100)),
                check(),
            ],
        );
        assert!(matches!(outcomes[1], Err(CallError::Trap(_))));
        assert_fresh(&outcomes[2]);
        assert_fresh(&outcomes[4]);
    }
}

#[test]
fn stack_pointer_moved_by_a_trap_then_call() {
    for memory in MEMORIES {
        // `__stack_pointer` not exported by the module: the load-time rewrite exports it.
        let (fresh, pooled) = load_both(&wasm(false, memory), STATIC, None);
        let outcomes = differential(
            &fresh,
            &pooled,
            &[check(), ("scribble", scribble_input(1, 16)), check()],
        );
        assert_fresh(&outcomes[2]);
    }
}

#[test]
fn out_of_heap_then_call() {
    for memory in MEMORIES {
        let strategy = HeapAllocStrategy::Static { extra_pages: 64 };
        let (fresh, pooled) = load_both(&wasm(true, memory), strategy, None);
        let outcomes = differential(
            &fresh,
            &pooled,
            &[
                check(),
                // Rounded up to 8 MiB: more than the 66-page memory holds.
                ("scribble", scribble_input(0, (64 << 16) + 1)),
                check(),
                ("scribble", scribble_input(0, 60 << 16)),
                check(),
            ],
        );
        assert!(outcomes[1].is_err());
        assert!(outcomes[3].is_ok());
        assert_fresh(&outcomes[2]);
        assert_fresh(&outcomes[4]);
    }
}

#[test]
fn out_of_fuel_then_call() {
    for memory in MEMORIES {
        let (fresh, pooled) = load_both(&wasm(true, memory), STATIC, Some(50_000_000));
        let outcomes = differential(
            &fresh,
            &pooled,
            &[
                check(),
                ("scribble", scribble_input(2, 5000)),
                check(),
                check(),
            ],
        );
        assert!(matches!(outcomes[1], Err(CallError::OutOfFuel { .. })));
        assert_fresh(&outcomes[2]);
        assert_eq!(
            outcomes[0].as_ref().unwrap().fuel_consumed,
            outcomes[3].as_ref().unwrap().fuel_consumed
        );
    }
}

#[test]
fn memory_grown_under_dynamic_then_call() {
    for memory in MEMORIES {
        let dynamic = HeapAllocStrategy::Dynamic {
            maximum_pages: None,
        };
        let (fresh, pooled) = load_both(&wasm(true, memory), dynamic, None);
        let outcomes = differential(
            &fresh,
            &pooled,
            &[
                ("scribble", scribble_input(0, 8)),
                ("scribble", scribble_input(0, 8)),
                ("scribble", scribble_input(0, 3 << 20)),
                ("scribble", scribble_input(0, 8)),
                check(),
                check(),
            ],
        );
        // The heap starts above 64 KiB in a 2-page memory: 3 MiB need growth, 8 bytes do not.
        let pages = |i: usize| outcomes[i].as_ref().unwrap().peak_memory_pages;
        assert_eq!(pages(0), 2);
        assert!(pages(2) > 2);
        assert_eq!(pages(3), 2);
        assert_fresh(&outcomes[4]);
    }
}

#[test]
fn growing_method_runs_fresh_later_others_stay_pooled() {
    for memory in MEMORIES {
        let dynamic = HeapAllocStrategy::Dynamic {
            maximum_pages: None,
        };
        let (fresh, pooled) = load_both(&wasm(true, memory), dynamic, None);
        // `check` allocates 1 MiB: it grows the 2-page memory; an 8-byte `scribble` does not.
        let (mut fresh_storage, mut pooled_storage) = (storage(), storage());
        let calls = [
            // The first call of a runtime runs fresh.
            ("scribble", scribble_input(0, 8)),
            check(),
            ("scribble", scribble_input(0, 8)),
            check(),
        ];
        for (method, input) in calls {
            assert_eq!(
                pooled.call(&mut pooled_storage, method, &input),
                fresh.call(&mut fresh_storage, method, &input)
            );
        }
        // The second `check` ran fresh: had it taken the idle instance, its growth would have
        // dropped it.
        assert_eq!(pooled.idle_instances(), 1);
    }
}

#[test]
fn lazily_grown_static_heap_then_call() {
    for memory in MEMORIES {
        let (fresh, pooled) = load_both(&wasm(true, memory), STATIC, None);
        let outcomes = differential(
            &fresh,
            &pooled,
            &[
                // The first call runs fresh; the rest on one pooled instance.
                check(),
                ("scribble", scribble_input(0, 5 << 20)),
                check(),
                ("scribble", scribble_input(0, 16)),
                check(),
            ],
        );
        assert_fresh(&outcomes[2]);
        assert_fresh(&outcomes[4]);
    }
}

#[test]
fn heavy_calls_then_light_ones() {
    for memory in MEMORIES {
        // More written pages than a reset copies back, then enough light calls to pass the
        // periodic discard.
        let (fresh, pooled) = load_both(&wasm(true, memory), STATIC, None);
        let mut calls = vec![check(), ("scribble", scribble_input(0, 2 << 20)), check()];
        for _ in 0..super::DISCARD_EVERY + 2 {
            calls.push(("scribble", scribble_input(0, 4096)));
        }
        calls.push(check());
        let outcomes = differential(&fresh, &pooled, &calls);
        assert_fresh(&outcomes[2]);
        assert_fresh(outcomes.last().unwrap());
    }
}

#[cfg(target_os = "linux")]
#[test]
fn without_pagemap_scan_the_whole_memory_is_dropped() {
    for memory in MEMORIES {
        super::mapped::NO_PAGEMAP_SCAN.with(|no| no.set(true));
        let (fresh, pooled) = load_both(&wasm(false, memory), STATIC, None);
        let outcomes = differential(
            &fresh,
            &pooled,
            &[
                check(),
                ("scribble", scribble_input(1, 300_000)),
                check(),
                ("scribble", scribble_input(0, 16)),
                check(),
            ],
        );
        super::mapped::NO_PAGEMAP_SCAN.with(|no| no.set(false));
        assert_fresh(&outcomes[2]);
        assert_fresh(&outcomes[4]);
        assert_eq!(pooled.idle_instances(), 1);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn module_defined_memory_is_pooled() {
    // The test module with a defined memory, as a pre-2020 runtime: pooled, not fresh.
    let (fresh, pooled) = load_both(&wasm(true, Mem::Defined), STATIC, None);
    assert_eq!(
        pooled.instance_reuse(),
        InstanceReuse::Pooled {
            max_idle_instances: 2
        }
    );
    let outcomes = differential(
        &fresh,
        &pooled,
        &[check(), ("scribble", scribble_input(0, 100)), check()],
    );
    assert_fresh(&outcomes[2]);
    assert_eq!(pooled.idle_instances(), 1);
}

/// A runtime with a defined memory of 2 pages (maximum 40) that reports its size and grows
/// it: `size_and_grow` takes a u32 `n`, returns `memory.size` before, `memory.grow(n)`'s
/// result and `memory.size` after (3 × u32) and sums the second page (zero unless dirtied).
fn growing_wasm() -> Vec<u8> {
    wat::parse_str(
        r#"(module
  (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
  (memory (export "memory") 2 40)
  (global (export "__heap_base") i32 (i32.const 1024))
  (data (i32.const 65536) "\07")
  (func (export "size_and_grow") (param $p i32) (param $l i32) (result i64)
    (local $out i32) (local $i i32) (local $sum i32)
    (local.set $out (call $malloc (i32.const 16)))
    (i32.store (local.get $out) (memory.size))
    (i32.store offset=4 (local.get $out) (memory.grow (i32.load (local.get $p))))
    (i32.store offset=8 (local.get $out) (memory.size))
    (local.set $i (i32.const 65536))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.const 131072)))
      (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store offset=12 (local.get $out) (local.get $sum))
    ;; Dirty the second page for the next call to see, were it not reset.
    (i32.store8 (i32.const 70000) (i32.const 200))
    (i64.or (i64.extend_i32_u (local.get $out)) (i64.shl (i64.const 16) (i64.const 32)))))"#,
    )
    .unwrap()
}

#[test]
fn a_defined_memory_has_its_post_instantiation_size_at_every_call() {
    // Pre-grown static heap (the module uses `memory.size`, so nothing is lazy) and dynamic:
    // the memory starts at the plan's pages every call, whatever the previous call grew.
    let grow = |pages: u32| ("size_and_grow", pages.encode());
    for strategy in [
        HeapAllocStrategy::Static { extra_pages: 8 },
        HeapAllocStrategy::Dynamic {
            maximum_pages: None,
        },
    ] {
        let (fresh, pooled) = load_both(&growing_wasm(), strategy, None);
        let calls = [
            grow(0),
            grow(0),
            grow(3),
            grow(0),
            grow(100),
            grow(0),
            grow(0),
        ];
        let outcomes = differential(&fresh, &pooled, &calls);
        let words = |i: usize| -> Vec<u32> {
            outcomes[i].as_ref().unwrap().output[..16]
                .chunks(4)
                .map(|w| u32::from_le_bytes(w.try_into().unwrap()))
                .collect()
        };
        let initial = match strategy {
            HeapAllocStrategy::Static { .. } => 10,
            HeapAllocStrategy::Dynamic { .. } => 2,
        };
        // Size, grow result, size, sum of the second page: its data segment only.
        assert_eq!(words(1), [initial, initial, initial, 7]);
        assert_eq!(words(6), [initial, initial, initial, 7]);
        match strategy {
            HeapAllocStrategy::Static { .. } => assert_eq!(words(2)[1], u32::MAX),
            HeapAllocStrategy::Dynamic { .. } => {
                assert_eq!(words(2)[..3], [2, 2, 5]);
                assert_eq!(words(4)[1], u32::MAX, "past the declared maximum");
            }
        }
    }
}

#[test]
fn a_data_segment_past_a_defined_memorys_initial_pages_fails_as_on_a_fresh_instance() {
    // Instantiation writes data segments into the module's own pages, before the heap
    // strategy's pages are added: a segment past them fails every call, pooled or not.
    let wasm = wat::parse_str(
        r#"(module
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (data (i32.const 65536) "x")
  (func (export "f") (param i32 i32) (result i64) (i64.const 0)))"#,
    )
    .unwrap();
    let (fresh, pooled) = load_both(&wasm, STATIC, None);
    let outcomes = differential(&fresh, &pooled, &[("f", vec![]), ("f", vec![])]);
    assert!(matches!(outcomes[1], Err(CallError::Instantiation(_))));
}

#[test]
fn zero_idle_instances_is_fresh() {
    let executor = Executor::builder()
        .instance_reuse(InstanceReuse::Pooled {
            max_idle_instances: 0,
        })
        .build();
    let runtime = executor.load(&wasm(true, Mem::Defined)).unwrap();
    assert_eq!(runtime.instance_reuse(), InstanceReuse::Fresh);
    runtime.call(&mut storage(), "check", &[]).unwrap();
    assert_eq!(runtime.idle_instances(), 0);
}

#[test]
fn tables_cannot_be_written_by_wasm() {
    // The reset leaves tables alone: the feature set has no instruction that writes one.
    let wasm = wat::parse_str(
        r#"(module
  (import "env" "memory" (memory 1))
  (table 1 funcref)
  (global (export "__heap_base") i32 (i32.const 1024))
  (func $f (param i32 i32) (result i64)
    (table.set (i32.const 0) (ref.null func))
    (i64.const 0))
  (export "f" (func $f)))"#,
    )
    .unwrap();
    assert!(matches!(
        Executor::default().load(&wasm),
        Err(crate::LoadError::InvalidWasm(_))
    ));
}
