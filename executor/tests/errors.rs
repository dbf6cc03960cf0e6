//! Every failure is a typed error naming its cause.

mod common;

use common::*;
use subexec_executor::blob::{BlobError, CODE_BLOB_BOMB_LIMIT, ZSTD_PREFIX};
use subexec_executor::{CallError, Executor, HeapAllocStrategy, LoadError};

fn load_err(wat_src: &str) -> LoadError {
    let wasm = wat::parse_str(wat_src).expect("valid wat");
    Executor::default().load(&wasm).expect_err("must not load")
}

#[test]
fn missing_export() {
    let rt = load(&runtime_wasm(), HeapAllocStrategy::default());
    assert_eq!(
        call(&rt, "Nope_nope", &[]),
        Err(CallError::MissingExport("Nope_nope".into()))
    );
    // A global is not a function either.
    assert_eq!(
        call(&rt, "__heap_base", &[]),
        Err(CallError::MissingExport("__heap_base".into()))
    );
}

#[test]
fn bad_entry_signature() {
    let rt = load(&runtime_wasm(), HeapAllocStrategy::default());
    match call(&rt, "bad_signature", &[]) {
        Err(CallError::BadEntrySignature { method, found }) => {
            assert_eq!(method, "bad_signature");
            assert_eq!(found, "(i32) -> i32");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn trap_with_message() {
    let rt = load(&runtime_wasm(), HeapAllocStrategy::default());
    let err = call(&rt, "trap", &[]).unwrap_err();
    assert_eq!(
        err,
        CallError::Trap("wasm `unreachable` instruction executed".into())
    );
    assert!(err.to_string().contains("unreachable"));
}

#[test]
fn runtime_panic_message() {
    let rt = load(&runtime_wasm(), HeapAllocStrategy::default());
    let err = call(&rt, "panic", &[]).unwrap_err();
    assert_eq!(err, CallError::RuntimePanicked("boom".into()));
}

#[test]
fn host_function_failure_names_the_function() {
    let rt = load(&runtime_wasm(), HeapAllocStrategy::default());
    // 64 MiB > the 32 MiB largest allocation.
    // Out of memory: the error carries a diagnosis; what Substrate reports is underneath.
    let err = call(&rt, "malloc", &(64u32 << 20).to_le_bytes())
        .unwrap_err()
        .undiagnosed()
        .clone();
    match &err {
        CallError::HostFunction(e) => assert_eq!(e.function, "ext_allocator_malloc_version_1"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(err
        .to_string()
        .starts_with("ext_allocator_malloc_version_1: Failed to allocate memory"));
    // Double free.
    let err = call(&rt, "free_twice", &[1, 2, 3]).unwrap_err();
    assert!(
        err.to_string().starts_with("ext_allocator_free_version_1:"),
        "{err}"
    );
}

#[test]
fn out_of_fuel() {
    let rt = Executor::builder()
        .fuel(Some(100_000))
        .build()
        .load(&runtime_wasm())
        .unwrap();
    assert_eq!(
        call(&rt, "spin", &[]),
        Err(CallError::OutOfFuel { budget: 100_000 })
    );
}

#[test]
fn out_of_memory_for_the_input() {
    // 1 page of memory + 0 extra: a 100 000-byte input cannot be allocated.
    let rt = load(
        &runtime_wasm(),
        HeapAllocStrategy::Static { extra_pages: 0 },
    );
    match call(&rt, "echo", &vec![1u8; 100_000]).map_err(|e| e.undiagnosed().clone()) {
        Err(CallError::InputAllocation { len, cause }) => {
            assert_eq!(len, 100_000);
            assert_eq!(
                cause,
                "Failed to allocate memory: \"Allocator ran out of space\""
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn out_of_memory_in_malloc() {
    let rt = load(
        &runtime_wasm(),
        HeapAllocStrategy::Static { extra_pages: 1 },
    );
    let err = call(&rt, "malloc", &(200_000u32).to_le_bytes()).unwrap_err();
    assert_eq!(
        err.undiagnosed().to_string(),
        "ext_allocator_malloc_version_1: Failed to allocate memory: \"Allocator ran out of space\""
    );
}

#[test]
fn output_out_of_bounds() {
    let rt = load(
        &runtime_wasm(),
        HeapAllocStrategy::Static { extra_pages: 1 },
    );
    let err = call(&rt, "out_of_bounds_output", &[]).unwrap_err();
    assert_eq!(
        err,
        CallError::OutputOutOfBounds {
            ptr: 0xffff_0000,
            len: 0x100,
            memory_size: 2 * 65_536
        }
    );
    assert!(err
        .to_string()
        .starts_with("Output exceeds bounds of wasm memory"));
}

#[test]
fn stack_overflow_is_a_deterministic_trap() {
    let rt = load(&runtime_wasm(), HeapAllocStrategy::default());
    let ok = call(&rt, "recurse", &60_000u32.to_le_bytes()).unwrap();
    assert_eq!(out_u32(&ok), 60_000);
    for _ in 0..2 {
        assert_eq!(
            call(&rt, "recurse", &70_000u32.to_le_bytes()),
            Err(CallError::StackOverflow)
        );
    }
    // Far deeper than any host stack could hold if wasm recursion used it.
    assert_eq!(
        call(&rt, "recurse", &u32::MAX.to_le_bytes()),
        Err(CallError::StackOverflow)
    );
}

#[test]
fn bad_blob_and_bomb() {
    let mut garbage = ZSTD_PREFIX.to_vec();
    garbage.extend([0xde, 0xad, 0xbe, 0xef]);
    assert!(matches!(
        Executor::default().load(&garbage),
        Err(LoadError::Blob(BlobError::Frame { .. }))
    ));
    let zeros = vec![0u8; CODE_BLOB_BOMB_LIMIT + 1];
    let mut bomb = ZSTD_PREFIX.to_vec();
    bomb.extend(ruzstd::encoding::compress_to_vec(
        &zeros[..],
        ruzstd::encoding::CompressionLevel::Fastest,
    ));
    assert_eq!(
        Executor::default().load(&bomb).unwrap_err(),
        LoadError::Blob(BlobError::PossibleBomb {
            limit: CODE_BLOB_BOMB_LIMIT
        })
    );
    // Not wasm at all (no prefix): rejected by validation.
    assert!(matches!(
        Executor::default().load(b"hello"),
        Err(LoadError::InvalidWasm(_))
    ));
}

#[test]
fn compressed_blob_loads() {
    let wasm = runtime_wasm();
    let mut blob = ZSTD_PREFIX.to_vec();
    blob.extend(ruzstd::encoding::compress_to_vec(
        &wasm[..],
        ruzstd::encoding::CompressionLevel::Fastest,
    ));
    let rt = Executor::default().load(&blob).unwrap();
    assert_eq!(call(&rt, "echo", b"abc").unwrap().output, b"abc");
}

#[test]
fn missing_heap_base() {
    let err = load_err(r#"(module (import "env" "memory" (memory 1)))"#);
    assert_eq!(err, LoadError::MissingHeapBase);
    let err = load_err(
        r#"(module (import "env" "memory" (memory 1)) (global (export "__heap_base") i64 (i64.const 0)))"#,
    );
    assert_eq!(err, LoadError::MissingHeapBase);
}

#[test]
fn non_env_import() {
    let err = load_err(
        r#"(module (import "wasi" "fd_write" (func (param i32))) (memory (export "memory") 1)
            (global (export "__heap_base") i32 (i32.const 0)))"#,
    );
    assert_eq!(
        err,
        LoadError::NonEnvImport {
            module: "wasi".into(),
            name: "fd_write".into()
        }
    );
}

#[test]
fn unsupported_env_imports() {
    let err = load_err(
        r#"(module (import "env" "table" (table 1 funcref)) (memory (export "memory") 1)
            (global (export "__heap_base") i32 (i32.const 0)))"#,
    );
    assert!(matches!(err, LoadError::UnsupportedImport { name, .. } if name == "table"));
    let err = load_err(
        r#"(module (import "env" "mem" (memory 1)) (global (export "__heap_base") i32 (i32.const 0)))"#,
    );
    assert!(matches!(err, LoadError::UnsupportedImport { name, .. } if name == "mem"));
}

#[test]
fn no_memory() {
    let err = load_err(r#"(module (global (export "__heap_base") i32 (i32.const 0)))"#);
    assert_eq!(err, LoadError::NoMemory);
}

const MISSING: &str = r#"(module
  (import "env" "memory" (memory 1))
  (import "env" "ext_foo_version_1" (func $foo (param i32)))
  (import "env" "ext_bar_version_2" (func $bar))
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "call_foo") (param i32 i32) (result i64)
    (call $foo (i32.const 1)) (i64.const 0))
  (func (export "fine") (param i32 i32) (result i64) (i64.const 0)))"#;

#[test]
fn missing_host_functions_are_listed() {
    assert_eq!(
        load_err(MISSING),
        LoadError::MissingHostFunctions(vec![
            "ext_foo_version_1".into(),
            "ext_bar_version_2".into()
        ])
    );
}

#[test]
fn missing_host_functions_as_trapping_stubs() {
    let rt = Executor::builder()
        .allow_missing_host_functions(true)
        .build()
        .load(&wat::parse_str(MISSING).unwrap())
        .unwrap();
    assert_eq!(call(&rt, "fine", &[]).unwrap().output, Vec::<u8>::new());
    let err = call(&rt, "call_foo", &[]).unwrap_err();
    assert_eq!(
        err,
        CallError::MissingFunctionCalled("ext_foo_version_1".into())
    );
    assert_eq!(
        err.to_string(),
        "call to a missing function env:ext_foo_version_1"
    );
}

#[test]
fn wrong_host_function_signature_is_always_an_error() {
    let src = r#"(module (import "env" "memory" (memory 1))
        (import "env" "ext_allocator_malloc_version_1" (func (param i64) (result i32)))
        (global (export "__heap_base") i32 (i32.const 0)))"#;
    let wasm = wat::parse_str(src).unwrap();
    for allow in [false, true] {
        let err = Executor::builder()
            .allow_missing_host_functions(allow)
            .build()
            .load(&wasm)
            .unwrap_err();
        assert_eq!(
            err,
            LoadError::HostFunctionSignature {
                name: "ext_allocator_malloc_version_1".into(),
                expected: "(i32) -> i32".into(),
                found: "(i64) -> i32".into(),
            }
        );
    }
}

#[test]
fn start_function_is_rejected() {
    let err = load_err(
        r#"(module (import "env" "memory" (memory 1)) (global (export "__heap_base") i32 (i32.const 0))
            (func $s) (start $s))"#,
    );
    assert_eq!(err, LoadError::StartFunction);
}

#[test]
fn wasm_feature_set() {
    let base = |body: &str| {
        format!(
            r#"(module (import "env" "memory" (memory 1)) (global (export "__heap_base") i32 (i32.const 0)) {body})"#
        )
    };
    // Accepted: mutable globals, sign extension, floats.
    for ok in [
        "(global (export \"g\") (mut i32) (i32.const 0))",
        "(func (param i32) (result i32) (i32.extend8_s (local.get 0)))",
        "(func (param f64) (result f64) (f64.sqrt (local.get 0)))",
    ] {
        Executor::default()
            .load(&wat::parse_str(base(ok)).unwrap())
            .unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    // Rejected: saturating float-to-int (sc-executor's parser has no such opcodes), SIMD,
    // bulk memory, multi-value, reference types, tail calls.
    for bad in [
        "(func (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))",
        "(func (result v128) (v128.const i64x2 0 0))",
        "(func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0)))",
        "(func (result i32 i32) (i32.const 0) (i32.const 0))",
        "(func (result externref) (ref.null extern))",
        "(func $f (return_call $f))",
    ] {
        let err = Executor::default()
            .load(&wat::parse_str(base(bad)).unwrap())
            .unwrap_err();
        assert!(matches!(err, LoadError::InvalidWasm(_)), "{bad}: {err:?}");
    }
    // Threads: a shared memory.
    let shared = r#"(module (import "env" "memory" (memory 1 1 shared))
        (global (export "__heap_base") i32 (i32.const 0)))"#;
    assert!(matches!(
        Executor::default().load(&wat::parse_str(shared).unwrap()),
        Err(LoadError::InvalidWasm(_))
    ));
}

#[test]
fn recursion_limit_is_exact() {
    // `recurse(n)` nests the entry point plus n + 1 frames of `$rec`: at most 65 536 frames.
    use subexec_executor::config::DEFAULT_MAX_RECURSION_DEPTH;
    let rt = load(&runtime_wasm(), HeapAllocStrategy::default());
    let deepest = DEFAULT_MAX_RECURSION_DEPTH - 2;
    let ok = call(&rt, "recurse", &deepest.to_le_bytes()).unwrap();
    assert_eq!(out_u32(&ok), deepest);
    assert_eq!(
        call(&rt, "recurse", &(deepest + 1).to_le_bytes()),
        Err(CallError::StackOverflow)
    );
    // A lower configured limit moves the boundary accordingly.
    let shallow = Executor::builder()
        .max_recursion_depth(1000)
        .build()
        .load(&runtime_wasm())
        .unwrap();
    assert!(call(&shallow, "recurse", &998u32.to_le_bytes()).is_ok());
    assert_eq!(
        call(&shallow, "recurse", &999u32.to_le_bytes()),
        Err(CallError::StackOverflow)
    );
}

/// Regression (fuzz finding `instantiation_error_names_store_id`): wasmi's message for an
/// element segment out of its table's bounds embedded a per-process store counter, so the same
/// call failed with a different error text every time.
#[test]
fn instantiation_errors_are_identical_on_every_call() {
    let wasm = wat::parse_str(
        r#"(module (import "env" "memory" (memory 1))
             (global (export "__heap_base") i32 (i32.const 0))
             (table 1 funcref) (elem (i32.const -1) $f) (func $f)
             (func (export "entry") (param i32 i32) (result i64) (i64.const 0)))"#,
    )
    .expect("valid wat");
    let rt = load(&wasm, HeapAllocStrategy::default());
    let first = call(&rt, "entry", &[]).unwrap_err();
    let second = call(&rt, "entry", &[]).unwrap_err();
    // A second engine in the same process has other store ids still.
    let other = load(&wasm, HeapAllocStrategy::default());
    let third = call(&other, "entry", &[]).unwrap_err();
    assert_eq!(
        first,
        CallError::Instantiation(
            "out of bounds table access: an element segment of 1 elements starting at offset \
             4294967295 does not fit its table"
                .into()
        )
    );
    assert_eq!(first.to_string(), second.to_string());
    assert_eq!(first.to_string(), third.to_string());
    assert!(!first.to_string().contains("StoreId"), "{first}");
}
