//! Guest-allocator (RFC-0145) runtimes: mode detection, refusals before running, the call
//! path (input through `ext_input_read_version_1`, output from guest memory) and the heap
//! strategy's cap on the runtime's own `memory.grow`.

use subexec_executor::{
    empty_storage, CallError, Executor, HeapAllocStrategy, HostFunction, LoadError, RuntimeMode,
};

fn load(wat_src: &str) -> Result<subexec_executor::Runtime, LoadError> {
    let wasm = wat::parse_str(wat_src).expect("valid wat");
    Executor::default().load(&wasm)
}

/// A guest-allocator runtime: `echo` reads its input at 1024 and returns it; `grow` grows
/// memory by the u32 input pages and returns `memory.grow`'s i32 result; `set` stores the
/// input under key "k" and returns nothing.
const GUEST: &str = r#"
(module
  (import "env" "ext_input_read_version_1" (func $input_read (param i64)))
  (import "env" "ext_storage_set_version_1" (func $set (param i64 i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "k")
  (func $fat (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.extend_i32_u (local.get $ptr))
            (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))))
  (func (export "echo") (param $len i32) (result i64)
    (call $input_read (call $fat (i32.const 1024) (local.get $len)))
    (call $fat (i32.const 1024) (local.get $len)))
  (func (export "grow") (param $len i32) (result i64)
    (call $input_read (call $fat (i32.const 1024) (local.get $len)))
    (i32.store (i32.const 0) (memory.grow (i32.load (i32.const 1024))))
    (call $fat (i32.const 0) (i32.const 4)))
  (func (export "set") (param $len i32) (result i64)
    (call $input_read (call $fat (i32.const 1024) (local.get $len)))
    (call $set (call $fat (i32.const 16) (i32.const 1)) (call $fat (i32.const 1024) (local.get $len)))
    (i64.const 0))
  (func (export "short_buffer") (param $len i32) (result i64)
    (call $input_read (call $fat (i32.const 1024) (i32.const 1)))
    (i64.const 0))
  (func (export "out_of_bounds") (param $len i32) (result i64)
    (i64.or (i64.const 65000) (i64.shl (i64.const 1000) (i64.const 32)))))
"#;

#[test]
fn a_guest_runtime_is_detected_and_needs_no_heap_base() {
    let runtime = load(GUEST).expect("loads without __heap_base");
    assert_eq!(runtime.mode(), RuntimeMode::GuestAllocator);
    let mut storage = empty_storage();
    let outcome = runtime
        .call(&mut storage, "echo", b"hello guest")
        .expect("runs");
    assert_eq!(outcome.output, b"hello guest");
    assert_eq!(
        outcome.allocation_stats,
        Default::default(),
        "no host allocator"
    );
    assert_eq!(outcome.host_calls.calls_of(HostFunction::InputReadV1), 1);
    assert_eq!(outcome.host_calls.total_calls(), 1);
    // The input written in, the output read back.
    assert_eq!(outcome.host_calls.bytes_out, 11);
    assert_eq!(outcome.host_calls.bytes_in, 11);
    assert_eq!(outcome.peak_memory_pages, 1);

    runtime.call(&mut storage, "set", b"value").expect("runs");
    assert_eq!(storage.get(b"k"), Some(b"value".to_vec()));
}

#[test]
fn guest_call_failures_are_named() {
    let runtime = load(GUEST).expect("loads");
    let error = runtime
        .call(&mut empty_storage(), "short_buffer", b"two")
        .expect_err("buffer too small");
    assert!(
        error.to_string().contains("ext_input_read_version_1")
            && error.to_string().contains("input buffer"),
        "{error}"
    );
    assert!(matches!(
        runtime.call(&mut empty_storage(), "out_of_bounds", b""),
        Err(CallError::OutputOutOfBounds { .. })
    ));
}

#[test]
fn the_heap_strategy_caps_the_runtimes_own_memory_grow() {
    let runtime = load(GUEST).expect("loads");
    let grow = |strategy: HeapAllocStrategy, pages: u32| {
        let outcome = runtime
            .clone()
            .with_heap_alloc_strategy(strategy)
            .call(&mut empty_storage(), "grow", &pages.to_le_bytes())
            .expect("runs");
        (
            i32::from_le_bytes(outcome.output[..4].try_into().unwrap()),
            outcome.peak_memory_pages,
        )
    };
    let dynamic = HeapAllocStrategy::Dynamic {
        maximum_pages: Some(4),
    };
    // memory.grow returns the old size on success, -1 past the cap.
    assert_eq!(grow(dynamic, 3), (1, 4));
    assert_eq!(grow(dynamic, 4), (-1, 1));
    let fixed = HeapAllocStrategy::Static { extra_pages: 2 };
    assert_eq!(grow(fixed, 2), (1, 3));
    assert_eq!(grow(fixed, 3), (-1, 1));
}

#[test]
fn mixed_entry_point_styles_are_refused_naming_them() {
    let error = load(
        r#"(module
          (memory (export "memory") 1)
          (func (export "Old_style") (param i32 i32) (result i64) (i64.const 0))
          (func (export "New_style") (param i32) (result i64) (i64.const 0))
          (func (export "helper") (param i64) (result i32) (i32.const 0)))"#,
    )
    .expect_err("mixed");
    assert_eq!(
        error,
        LoadError::MixedEntryPoints {
            classic: vec!["Old_style".into()],
            guest: vec!["New_style".into()],
        }
    );
    assert!(error.to_string().contains("Old_style") && error.to_string().contains("New_style"));
}

#[test]
fn a_guest_runtime_importing_host_allocating_functions_is_refused() {
    let error = load(
        r#"(module
          (import "env" "ext_allocator_malloc_version_1" (func (param i32) (result i32)))
          (import "env" "ext_storage_set_version_1" (func (param i64 i64)))
          (import "env" "ext_storage_get_version_1" (func (param i64) (result i64)))
          (memory (export "memory") 1)
          (func (export "Entry") (param i32) (result i64) (i64.const 0)))"#,
    )
    .expect_err("refused");
    assert_eq!(
        error,
        LoadError::ImportsContradictMode {
            mode: RuntimeMode::GuestAllocator,
            imports: vec![
                "ext_allocator_malloc_version_1".into(),
                "ext_storage_get_version_1".into()
            ],
        }
    );
    // Nor may it import its memory: it owns it.
    let error = load(
        r#"(module
          (import "env" "memory" (memory 1))
          (func (export "Entry") (param i32) (result i64) (i64.const 0)))"#,
    )
    .expect_err("refused");
    assert!(
        matches!(&error, LoadError::ImportsContradictMode { imports, .. } if imports == &["memory"]),
        "{error}"
    );
}

#[test]
fn a_classic_runtime_importing_rfc_0145_functions_is_refused() {
    let error = load(
        r#"(module
          (import "env" "memory" (memory 1))
          (import "env" "ext_hashing_twox_128_version_2" (func (param i64 i32)))
          (import "env" "ext_input_read_version_1" (func (param i64)))
          (global (export "__heap_base") i32 (i32.const 1024))
          (func (export "Entry") (param i32 i32) (result i64) (i64.const 0)))"#,
    )
    .expect_err("refused");
    assert_eq!(
        error,
        LoadError::ImportsContradictMode {
            mode: RuntimeMode::Classic,
            imports: vec![
                "ext_hashing_twox_128_version_2".into(),
                "ext_input_read_version_1".into()
            ],
        }
    );
}

#[test]
fn a_guest_runtime_calls_only_guest_entry_points() {
    let runtime = load(
        r#"(module
          (memory (export "memory") 1)
          (func (export "Entry") (param i32) (result i64) (i64.const 0))
          (func (export "other") (param i64) (result i64) (i64.const 0)))"#,
    )
    .expect("loads");
    assert_eq!(
        runtime.call(&mut empty_storage(), "other", b""),
        Err(CallError::BadGuestEntrySignature {
            method: "other".into(),
            found: "(i64) -> i64".into()
        })
    );
    assert_eq!(
        runtime
            .call(&mut empty_storage(), "Entry", b"")
            .map(|o| o.output),
        Ok(vec![])
    );
}
