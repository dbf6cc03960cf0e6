//! Lazy translation with eager validation (see `config`): loading still rejects every invalid
//! function body, and the first call on a fresh engine uses exactly the fuel later calls use.

mod common;
mod node_template_common;

use subexec_executor::{empty_storage, Executor, LoadError, Runtime};
use subexec_runtime_blobs::{CLASSIC, GUEST_ALLOCATOR};

fn metered() -> Executor {
    Executor::builder()
        .fuel(Some(u64::MAX / 2))
        .allow_missing_host_functions(true)
        .build()
}

fn fuel(runtime: &Runtime, method: &str) -> u64 {
    runtime
        .call(&mut empty_storage(), method, &[])
        .unwrap_or_else(|e| panic!("{method}: {e}"))
        .fuel_consumed
        .expect("metered")
}

#[test]
fn first_call_on_a_fresh_engine_uses_the_fuel_of_later_calls() {
    let code = node_template_common::code();
    // Core_version first: it translates what it reaches.
    let first = metered().load(&code).expect("loads");
    let cold = fuel(&first, "Core_version");
    let warm = fuel(&first, "Core_version");
    assert_eq!(cold, warm);
    // Metadata first (which translates much more), then Core_version on the same engine.
    let second = metered().load(&code).expect("loads");
    let metadata_cold = fuel(&second, "Metadata_metadata");
    assert_eq!(fuel(&second, "Core_version"), cold);
    assert_eq!(fuel(&second, "Metadata_metadata"), metadata_cold);
    assert_ne!(metadata_cold, cold);
}

#[test]
fn first_call_fuel_is_the_same_in_both_modes_of_runtime_guest_blobs() {
    for blob in [CLASSIC, GUEST_ALLOCATOR] {
        let cold = fuel(&metered().load(blob).expect("loads"), "Core_version");
        let runtime = metered().load(blob).expect("loads");
        fuel(&runtime, "Core_version");
        assert_eq!(fuel(&runtime, "Core_version"), cold);
    }
}

#[test]
fn invalid_bodies_are_rejected_at_load_even_if_never_called() {
    // `wat` does not type-check: the body of `never_called` returns an i64 as an i32.
    let wasm = wat::parse_str(common::runtime_wat(
        r#"(func (export "never_called") (param i32 i32) (result i64) (i32.const 0))"#,
    ))
    .expect("parses");
    match Executor::default().load(&wasm) {
        Err(LoadError::InvalidWasm(message)) => {
            assert!(message.contains("type mismatch"), "{message}")
        }
        other => panic!("expected an invalid-wasm error, got {other:?}"),
    }
    // The same module with a valid body loads and runs.
    let wasm = wat::parse_str(common::runtime_wat(
        r#"(func (export "never_called") (param i32 i32) (result i64) (i64.const 0))"#,
    ))
    .expect("parses");
    let runtime = Executor::default().load(&wasm).expect("loads");
    common::call(&runtime, "echo", b"x").expect("runs");
}
