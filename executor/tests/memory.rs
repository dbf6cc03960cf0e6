//! Fresh-instance semantics, heap strategies, `:heappages`, and the lazily backed static heap.

mod common;

use common::*;
use parity_scale_codec::Encode;
use subexec_executor::{CallError, Executor, HeapAllocStrategy};

const STRATEGIES: [HeapAllocStrategy; 3] = [
    HeapAllocStrategy::Static { extra_pages: 2048 },
    HeapAllocStrategy::Static { extra_pages: 32 },
    HeapAllocStrategy::Dynamic {
        maximum_pages: None,
    },
];

#[test]
fn mutable_static_is_reset_every_call() {
    for strategy in STRATEGIES {
        let rt = load(&runtime_wasm(), strategy);
        for _ in 0..3 {
            assert_eq!(out_u32(&call(&rt, "bump_static", &[]).unwrap()), 2);
        }
    }
}

#[test]
fn heap_written_in_one_call_reads_zero_in_the_next() {
    for strategy in STRATEGIES {
        let rt = load(&runtime_wasm(), strategy);
        for _ in 0..3 {
            assert_eq!(call(&rt, "dirty_heap", &[]).unwrap().output, vec![0]);
        }
    }
}

#[test]
fn globals_are_restored_after_a_trap() {
    let rt = load(&runtime_wasm(), HeapAllocStrategy::default());
    assert_eq!(out_u32(&call(&rt, "get_global", &[]).unwrap()), 7);
    assert!(matches!(
        call(&rt, "set_global_and_trap", &[]),
        Err(CallError::Trap(_))
    ));
    assert_eq!(out_u32(&call(&rt, "get_global", &[]).unwrap()), 7);
}

#[test]
fn input_is_the_first_allocation_and_output_is_returned() {
    for strategy in STRATEGIES {
        let rt = load(&runtime_wasm(), strategy);
        // heap_base 1024 (8-aligned) + 8-byte header.
        assert_eq!(
            out_u32(&call(&rt, "input_ptr", b"xyz").unwrap()),
            HEAP_BASE + 8
        );
        assert_eq!(
            out_u32(&call(&rt, "input_ptr", &[]).unwrap()),
            HEAP_BASE + 8
        );
        let out = call(&rt, "echo", b"hello").unwrap();
        assert_eq!(out.output, b"hello");
        // One allocation of the 8-byte class plus its header.
        assert_eq!(out.allocation_stats.bytes_allocated, 16);
        assert_eq!(out.allocation_stats.address_space_used, 16);
        assert_eq!(out.fuel_consumed, None);
    }
}

/// The default runtime plus a function that is never called but contains `memory.size`:
/// the executor must then pre-grow the static heap instead of backing it lazily.
fn pre_grown_variant() -> Vec<u8> {
    wat::parse_str(runtime_wat(
        "(func (export \"size\") (param i32 i32) (result i64) \
           (i32.store (i32.const 0) (memory.size)) (call $pack (i32.const 0) (i32.const 4)))",
    ))
    .unwrap()
}

#[test]
fn lazy_static_heap_matches_a_pre_grown_one() {
    let strategy = HeapAllocStrategy::Static { extra_pages: 40 };
    let lazy = load(&runtime_wasm(), strategy);
    let grown = load(&pre_grown_variant(), strategy);
    // The pre-grown memory reports initial + extra pages to the runtime.
    assert_eq!(out_u32(&call(&grown, "size", &[]).unwrap()), 41);
    // Same pointers, same statistics, same out-of-memory point.
    for size in [1u32, 100, 65_536, 1 << 20, 2 << 20] {
        let a = call(&lazy, "malloc", &size.to_le_bytes());
        let b = call(&grown, "malloc", &size.to_le_bytes());
        assert_eq!(a, b, "malloc({size})");
    }
    let too_big = (4u32 << 20).to_le_bytes();
    let a = call(&lazy, "malloc", &too_big).unwrap_err();
    let b = call(&grown, "malloc", &too_big).unwrap_err();
    assert_eq!(a, b);
    // Inputs right at the limit.
    for len in [1usize << 20, (2 << 20) - 8, 2 << 20, 3 << 20] {
        let input = vec![7u8; len];
        assert_eq!(
            call(&lazy, "echo", &input),
            call(&grown, "echo", &input),
            "len {len}"
        );
    }
}

#[test]
fn access_beyond_the_lazy_backing_is_rerun_pre_grown() {
    let rt = load(
        &runtime_wasm(),
        HeapAllocStrategy::Static { extra_pages: 200 },
    );
    let mut storage = storage();
    // 10 MiB is inside the static heap but far past the module's single initial page.
    let out = rt
        .call(
            &mut storage,
            "append_then_load",
            &(10u32 << 20).to_le_bytes(),
        )
        .unwrap();
    assert_eq!(out_u32(&out), 0);
    // The append ran twice (lazy run, then the re-run) but the first was rolled back.
    assert_eq!(storage.get(b"key"), Some(vec![4, 0x2a]));
    // Beyond the static heap it is an out-of-bounds trap either way.
    let mut storage = common::storage();
    let err = rt
        .call(
            &mut storage,
            "append_then_load",
            &(20u32 << 20).to_le_bytes(),
        )
        .unwrap_err();
    assert_eq!(err, CallError::Trap("out of bounds memory access".into()));
    assert_eq!(storage.get(b"key"), Some(vec![4, 0x2a]));
}

#[test]
fn runtime_memory_grow_is_capped() {
    let src = runtime_wat(
        "(func (export \"grow\") (param $p i32) (param $l i32) (result i64) \
           (i32.store (i32.const 0) (memory.grow (i32.load (local.get $p)))) \
           (i32.store (i32.const 4) (memory.size)) \
           (call $pack (i32.const 0) (i32.const 8)))",
    );
    let wasm = wat::parse_str(src).unwrap();
    let grow = |rt: &subexec_executor::Runtime, n: u32| {
        let out = call(rt, "grow", &n.to_le_bytes()).unwrap().output;
        (
            i32::from_le_bytes(out[..4].try_into().unwrap()),
            u32::from_le_bytes(out[4..].try_into().unwrap()),
        )
    };
    // Static: the memory is at its maximum, growing fails.
    let rt = load(&wasm, HeapAllocStrategy::Static { extra_pages: 10 });
    assert_eq!(grow(&rt, 1), (-1, 11));
    assert_eq!(grow(&rt, 0), (11, 11));
    // Dynamic: grows up to the maximum.
    let rt = load(
        &wasm,
        HeapAllocStrategy::Dynamic {
            maximum_pages: Some(20),
        },
    );
    assert_eq!(grow(&rt, 19), (1, 20));
    assert_eq!(grow(&rt, 20), (-1, 1));
}

#[test]
fn dynamic_heap_grows_and_stops_at_its_maximum() {
    let rt = load(
        &runtime_wasm(),
        HeapAllocStrategy::Dynamic {
            maximum_pages: Some(16),
        },
    );
    let out = call(&rt, "malloc", &(400_000u32).to_le_bytes()).unwrap();
    assert!(out_u32(&out) > HEAP_BASE);
    let err = call(&rt, "malloc", &(1u32 << 20).to_le_bytes()).unwrap_err();
    assert!(
        err.to_string().contains("Allocator ran out of space"),
        "{err}"
    );
}

#[test]
fn heap_pages_override() {
    let executor = Executor::default();
    let rt = executor.load(&runtime_wasm()).unwrap();
    // 4 extra pages: 5 pages in all.
    let small = rt.clone().with_heap_pages(Some(&4u64.encode()));
    assert_eq!(
        small.heap_alloc_strategy(),
        HeapAllocStrategy::Static { extra_pages: 4 }
    );
    assert!(call(&small, "echo", &vec![0u8; 200_000]).is_ok());
    assert!(matches!(
        call(&small, "echo", &vec![0u8; 300_000]).map_err(|e| e.undiagnosed().clone()),
        Err(CallError::InputAllocation { .. })
    ));
    // Undecodable: the executor's default.
    let dflt = rt.with_heap_pages(Some(&[1, 2]));
    assert_eq!(dflt.heap_alloc_strategy(), HeapAllocStrategy::default());
    assert!(call(&dflt, "echo", &vec![0u8; 300_000]).is_ok());
}

#[test]
fn legacy_exported_memory() {
    let src = r#"(module
      (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
      (memory (export "memory") 2)
      (global (export "__heap_base") i32 (i32.const 2048))
      (func (export "echo") (param $p i32) (param $l i32) (result i64)
        (i64.or (i64.extend_i32_u (local.get $p))
                (i64.shl (i64.extend_i32_u (local.get $l)) (i64.const 32)))))"#;
    let wasm = wat::parse_str(src).unwrap();
    for strategy in STRATEGIES {
        let rt = load(&wasm, strategy);
        let input = vec![3u8; 1 << 20];
        assert_eq!(call(&rt, "echo", &input).unwrap().output, input);
    }
    let rt = load(&wasm, HeapAllocStrategy::Static { extra_pages: 1 });
    assert!(matches!(
        call(&rt, "echo", &vec![3u8; 200_000]).map_err(|e| e.undiagnosed().clone()),
        Err(CallError::InputAllocation { .. })
    ));
}

#[test]
fn floats_are_canonicalised() {
    let rt = load(&runtime_wasm(), HeapAllocStrategy::default());
    let out = call(&rt, "nan", &[]).unwrap().output;
    let bits = u64::from_le_bytes(out.try_into().unwrap());
    assert!(f64::from_bits(bits).is_nan());
    assert_eq!(bits, 0x7ff8_0000_0000_0000);
}

#[test]
fn data_segment_inside_the_static_heap_but_past_the_initial_pages() {
    let src = r#"(module
      (import "env" "memory" (memory 1))
      (global (export "__heap_base") i32 (i32.const 1024))
      (data (i32.const 100000) "hi")
      (func (export "read") (param i32 i32) (result i64)
        (i64.or (i64.const 100000) (i64.shl (i64.const 2) (i64.const 32)))))"#;
    let wasm = wat::parse_str(src).unwrap();
    // In Substrate the imported memory has initial + extra pages, so the segment fits.
    let rt = load(&wasm, HeapAllocStrategy::Static { extra_pages: 10 });
    assert!(rt.static_heap_is_lazy());
    assert_eq!(call(&rt, "read", &[]).unwrap().output, b"hi");
    let rt = load(&wasm, HeapAllocStrategy::Static { extra_pages: 0 });
    assert!(matches!(
        call(&rt, "read", &[]),
        Err(CallError::Instantiation(_))
    ));
}

#[test]
fn output_in_the_untouched_static_heap_reads_zeros() {
    let src = runtime_wat(
        "(func (export \"far_output\") (param i32 i32) (result i64) \
           (call $pack (i32.const 0x100000) (i32.const 4)))",
    );
    let lazy = load(
        &wat::parse_str(&src).unwrap(),
        HeapAllocStrategy::Static { extra_pages: 40 },
    );
    assert!(lazy.static_heap_is_lazy());
    assert_eq!(call(&lazy, "far_output", &[]).unwrap().output, vec![0; 4]);
    let grown = load(
        &wat::parse_str(runtime_wat(
            "(func (export \"far_output\") (param i32 i32) (result i64) \
               (drop (memory.size)) (call $pack (i32.const 0x100000) (i32.const 4)))",
        ))
        .unwrap(),
        HeapAllocStrategy::Static { extra_pages: 40 },
    );
    assert!(!grown.static_heap_is_lazy());
    assert_eq!(call(&grown, "far_output", &[]).unwrap().output, vec![0; 4]);
    // Past the static heap: out of bounds for both.
    let small = load(
        &wat::parse_str(&src).unwrap(),
        HeapAllocStrategy::Static { extra_pages: 10 },
    );
    assert!(matches!(
        call(&small, "far_output", &[]),
        Err(CallError::OutputOutOfBounds { .. })
    ));
}
