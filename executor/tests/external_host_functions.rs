//! Host functions an embedder adds (`HostFunctionSet`): `#[runtime_interface]` functions
//! defined here, called by a WAT runtime through subexec, next to and instead of built-ins.

use std::sync::Arc;

use parity_scale_codec::Encode;
use sp_runtime_interface::pass_by::{
    AllocateAndReturnByCodec, AllocateAndReturnFatPointer, AllocateAndReturnPointer,
    PassFatPointerAndRead, PassFatPointerAndReadWrite,
};
use sp_runtime_interface::runtime_interface;
use subexec_allocator::{ScMemory, VecMemory};
use subexec_executor::storage::{InMemoryBackend, StorageState};
use subexec_executor::{CallError, CallOutcome, Executor, HostFunctionSet, LoadError, Runtime};
use subexec_host_functions::{HostErrorCause, HostFunctions};

/// The embedder's own interface: pure functions, one that panics, one that needs
/// externalities.
#[runtime_interface]
pub trait TestIface {
    fn double(x: u32) -> u32 {
        x.wrapping_mul(2)
    }

    fn reverse(data: PassFatPointerAndRead<&[u8]>) -> AllocateAndReturnFatPointer<Vec<u8>> {
        data.iter().rev().copied().collect()
    }

    fn fill(buffer: PassFatPointerAndReadWrite<&mut [u8]>, byte: u8) {
        buffer.fill(byte)
    }

    fn boom() {
        panic!("boom on purpose")
    }

    fn read_storage(
        &mut self,
        key: PassFatPointerAndRead<&[u8]>,
    ) -> AllocateAndReturnByCodec<Option<Vec<u8>>> {
        self.storage(key)
    }
}

/// A context-level function, as `sp-io`'s `PanicHandler`: registers the runtime's panic
/// message before the runtime traps.
#[runtime_interface(wasm_only)]
pub trait Abort {
    #[trap_on_return]
    fn abort(&mut self, message: PassFatPointerAndRead<&str>) {
        self.register_panic_error_message(message);
    }
}

/// Replaces the built-in `ext_hashing_twox_64_version_1` (same name, same signature).
#[runtime_interface]
pub trait Hashing {
    fn twox_64(data: PassFatPointerAndRead<&[u8]>) -> AllocateAndReturnPointer<[u8; 8], 8> {
        [data.len() as u8; 8]
    }
}

const FAT: &str = r#"
  (func $fat (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.extend_i32_u (local.get $ptr))
            (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))))"#;

fn runtime_wat(extra_imports: &str) -> String {
    format!(
        r#"(module
  (import "env" "memory" (memory 1))
  (import "env" "ext_test_iface_double_version_1" (func $double (param i32) (result i32)))
  (import "env" "ext_test_iface_reverse_version_1" (func $reverse (param i64) (result i64)))
  (import "env" "ext_test_iface_fill_version_1" (func $fill (param i64 i32)))
  (import "env" "ext_test_iface_boom_version_1" (func $boom))
  (import "env" "ext_test_iface_read_storage_version_1" (func $read_storage (param i64) (result i64)))
  (import "env" "ext_abort_abort_version_1" (func $abort (param i64)))
  (import "env" "ext_hashing_twox_64_version_1" (func $twox_64 (param i64) (result i32)))
  {extra_imports}
  (global (export "__heap_base") i32 (i32.const 1024))
  {FAT}
  (func (export "double") (param $p i32) (param $l i32) (result i64)
    (i32.store (i32.const 0) (call $double (i32.load (local.get $p))))
    (call $fat (i32.const 0) (i32.const 4)))
  (func (export "reverse") (param $p i32) (param $l i32) (result i64)
    (call $reverse (call $fat (local.get $p) (local.get $l))))
  (func (export "reverse_pointer") (param $p i32) (param $l i32) (result i64)
    (i32.store (i32.const 0) (i32.wrap_i64 (call $reverse (call $fat (local.get $p) (local.get $l)))))
    (call $fat (i32.const 0) (i32.const 4)))
  (func (export "reverse_out_of_bounds") (param $p i32) (param $l i32) (result i64)
    (call $reverse (call $fat (i32.const -16) (i32.const 100))))
  (func (export "fill") (param $p i32) (param $l i32) (result i64)
    (call $fill (call $fat (local.get $p) (local.get $l)) (i32.const 7))
    (call $fat (local.get $p) (local.get $l)))
  (func (export "boom") (param $p i32) (param $l i32) (result i64)
    (call $boom)
    (i64.const 0))
  (func (export "read_storage") (param $p i32) (param $l i32) (result i64)
    (call $read_storage (call $fat (local.get $p) (local.get $l))))
  (func (export "abort") (param $p i32) (param $l i32) (result i64)
    (call $abort (call $fat (local.get $p) (local.get $l)))
    unreachable)
  (func (export "twox_64") (param $p i32) (param $l i32) (result i64)
    (call $fat (call $twox_64 (call $fat (local.get $p) (local.get $l))) (i32.const 8)))
)"#
    )
}

fn wasm() -> Vec<u8> {
    wat::parse_str(runtime_wat("")).expect("valid wat")
}

fn added() -> HostFunctionSet {
    HostFunctionSet::new()
        .with::<test_iface::HostFunctions>()
        .with::<abort::HostFunctions>()
}

fn runtime(set: HostFunctionSet) -> Runtime {
    Executor::builder()
        .host_functions(set)
        .build()
        .load(&wasm())
        .expect("the test runtime loads")
}

fn storage() -> StorageState {
    StorageState::new(Arc::new(InMemoryBackend::default()))
}

fn call(runtime: &Runtime, method: &str, input: &[u8]) -> Result<CallOutcome, CallError> {
    runtime.call(&mut storage(), method, input)
}

#[test]
fn an_added_function_runs_and_returns_its_value() {
    let runtime = runtime(added());
    let out = call(&runtime, "double", &21u32.to_le_bytes()).unwrap();
    assert_eq!(out.output, 42u32.to_le_bytes());
    assert_eq!(out.host_calls.external_calls(), 1);
}

/// The result buffer comes from the call's allocator, at the pointer `sc-allocator` gives for
/// the same requests (the input first, then the result), and the allocator ends in the same
/// state.
#[test]
fn results_are_allocated_where_sc_allocator_puts_them() {
    let runtime = runtime(added());
    let input = b"subexec, pluggable".to_vec();
    let out = call(&runtime, "reverse", &input).unwrap();
    let reversed: Vec<u8> = input.iter().rev().copied().collect();
    assert_eq!(out.output, reversed);

    let mut memory = ScMemory(VecMemory::new(1, None));
    let mut reference = sc_allocator::FreeingBumpHeapAllocator::new(1024);
    let input_ptr = reference.allocate(&mut memory, input.len() as u32).unwrap();
    let result_ptr = reference.allocate(&mut memory, input.len() as u32).unwrap();
    assert!(u32::from(result_ptr) > u32::from(input_ptr));
    let pointer = call(&runtime, "reverse_pointer", &input).unwrap();
    assert_eq!(pointer.output, u32::from(result_ptr).to_le_bytes());
    let stats = reference.stats();
    assert_eq!(out.allocation_stats.bytes_allocated, stats.bytes_allocated);
    assert_eq!(
        out.allocation_stats.bytes_allocated_peak,
        stats.bytes_allocated_peak
    );
    assert_eq!(
        out.allocation_stats.address_space_used,
        stats.address_space_used
    );

    // The pointer itself: the traced allocation of the function is the reference's.
    let traced = runtime
        .call_with(
            &mut storage(),
            "reverse",
            &input,
            // Other options may come (keystore, offchain): not this test's business.
            #[allow(clippy::needless_update)]
            &subexec_executor::CallOptions {
                trace_allocations: true,
                ..Default::default()
            },
        )
        .unwrap();
    let trace = traced.allocation_trace.expect("traced");
    let sites: Vec<&str> = trace
        .events
        .iter()
        .map(|e| trace.sites[usize::from(e.site)].as_str())
        .collect();
    assert_eq!(sites, ["input", "ext_test_iface_reverse_version_1"]);
    assert_eq!(traced.output, reversed);
}

#[test]
fn an_added_function_writes_into_guest_memory() {
    let runtime = runtime(added());
    let out = call(&runtime, "fill", &[1, 2, 3, 4, 5]).unwrap();
    assert_eq!(out.output, [7; 5]);
}

#[test]
fn marshalling_failures_are_typed_host_errors() {
    let runtime = runtime(added());
    match call(&runtime, "reverse_out_of_bounds", &[]) {
        Err(CallError::HostFunction(error)) => {
            assert_eq!(error.function, "ext_test_iface_reverse_version_1");
            // Past any heap: a lazily backed run's failure is re-run on the pre-grown memory
            // (the cause is typed, so the executor knows it is memory-related), which fails
            // the same way.
            assert!(
                matches!(
                    error.cause,
                    HostErrorCause::OutOfBounds { ptr: 0xFFFF_FFF0, len: 100, memory_len }
                        if memory_len == 2049 * 65536
                ),
                "{error}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_panic_in_an_added_function_is_a_typed_error_and_the_runtime_stays_usable() {
    let runtime = runtime(added());
    assert_eq!(
        call(&runtime, "boom", &[]),
        Err(CallError::HostFunctionPanicked {
            function: "ext_test_iface_boom_version_1".into(),
            message: "boom on purpose".into(),
        })
    );
    assert!(runtime.poisoned().is_none());
    assert!(call(&runtime, "double", &[1, 0, 0, 0]).is_ok());
}

#[test]
fn the_registered_panic_message_is_the_calls_error() {
    let runtime = runtime(added());
    assert_eq!(
        call(&runtime, "abort", b"runtime says no"),
        Err(CallError::RuntimePanicked("runtime says no".into()))
    );
}

/// Functions that use externalities find none in a plain call (a typed error), and the
/// node's inside `set_and_run_with_externalities`.
#[test]
fn externalities_are_there_only_when_the_embedder_sets_them() {
    let runtime = runtime(added());
    match call(&runtime, "read_storage", b"key") {
        Err(CallError::HostFunctionPanicked { function, message }) => {
            assert_eq!(function, "ext_test_iface_read_storage_version_1");
            assert!(
                message.contains("outside of an Externalities-provided environment"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let mut ext = sp_state_machine::BasicExternalities::default();
    sp_externalities::Externalities::set_storage(&mut ext, b"key".to_vec(), b"value".to_vec());
    let out = sp_externalities::set_and_run_with_externalities(&mut ext, || {
        call(&runtime, "read_storage", b"key")
    })
    .unwrap();
    assert_eq!(out.output, Some(b"value".to_vec()).encode());
}

#[test]
fn an_added_function_replaces_the_built_in_of_the_same_name() {
    let input = b"twelve bytes";
    let built_in = runtime(added());
    let real = call(&built_in, "twox_64", input).unwrap();
    assert_eq!(
        real.output,
        subexec_host_functions::digest(subexec_host_functions::HashAlgorithm::Twox64, input)
    );

    let replaced = runtime(added().with::<hashing::HostFunctions>());
    let out = call(&replaced, "twox_64", input).unwrap();
    assert_eq!(out.output, [12u8; 8]);
    assert_eq!(out.host_calls.external_calls(), 1);
    assert_eq!(
        out.host_calls
            .calls_of(subexec_executor::HostFunction::HashingTwox64V1),
        0
    );
}

#[test]
fn without_builtins_only_the_added_functions_link() {
    let set = added().with::<hashing::HostFunctions>().without_builtins();
    assert!(!set.builtins());
    // Every import of the test runtime is an added function: it loads and runs.
    let only = runtime(set.clone());
    assert_eq!(call(&only, "twox_64", b"abc").unwrap().output, [3u8; 8]);
    // A built-in it does not add is missing.
    let wasm = wat::parse_str(runtime_wat(
        r#"(import "env" "ext_hashing_twox_128_version_1" (func (param i64) (result i32)))"#,
    ))
    .unwrap();
    assert_eq!(
        Executor::builder()
            .host_functions(set)
            .build()
            .load(&wasm)
            .unwrap_err(),
        LoadError::MissingHostFunctions(vec!["ext_hashing_twox_128_version_1".into()])
    );
}

#[test]
fn a_signature_mismatch_is_a_typed_load_error() {
    let wat = runtime_wat("").replace(
        r#""ext_test_iface_double_version_1" (func $double (param i32) (result i32))"#,
        r#""ext_test_iface_double_version_1" (func $double (param i64) (result i32))"#,
    );
    let wasm =
        wat::parse_str(wat.replace("(i32.load (local.get $p))", "(i64.load (local.get $p))"))
            .unwrap();
    assert_eq!(
        Executor::builder()
            .host_functions(added())
            .build()
            .load(&wasm)
            .unwrap_err(),
        LoadError::HostFunctionSignature {
            name: "ext_test_iface_double_version_1".into(),
            expected: "(i32) -> i32".into(),
            found: "(i64) -> i32".into(),
        }
    );
}

#[test]
fn without_the_set_the_functions_are_missing() {
    let error = Executor::default().load(&wasm()).unwrap_err();
    let LoadError::MissingHostFunctions(names) = error else {
        panic!("{error:?}")
    };
    let mut expected: Vec<String> =
        <(test_iface::HostFunctions, abort::HostFunctions) as HostFunctions>::host_functions()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
    let mut names = names;
    names.sort();
    expected.sort();
    assert_eq!(names, expected);
}

/// Added functions are priced like built-in ones (`subexec_host_functions::cost`): per call
/// and per byte copied across the boundary, taken from the call's fuel budget.
#[test]
fn added_functions_pay_fuel_per_byte() {
    use subexec_host_functions::cost::{BYTE_IN_FUEL, BYTE_OUT_FUEL};
    let runtime = Executor::builder()
        .host_functions(added())
        .fuel(Some(10_000_000))
        .build()
        .load(&wasm())
        .expect("the test runtime loads");
    let fuel = |len: usize| {
        call(&runtime, "reverse", &vec![1; len])
            .expect("reverses")
            .fuel_consumed
            .expect("metered")
    };
    // `reverse` reads `len` bytes and writes `len` bytes back; the wasm around it is the same.
    let (short, long) = (fuel(10), fuel(100_010));
    assert_eq!(long - short, 100_000 * (BYTE_IN_FUEL + BYTE_OUT_FUEL));
    // A budget that pays for the wasm but not for the copy runs out in the host call.
    let tight = Executor::builder()
        .host_functions(added())
        .fuel(Some(short + 100_000))
        .build()
        .load(&wasm())
        .expect("the test runtime loads");
    assert!(matches!(
        tight.call(&mut storage(), "reverse", &vec![1; 100_010]),
        Err(CallError::OutOfFuel { .. })
    ));
}
