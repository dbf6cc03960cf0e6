//! A panic inside the engine or a host function is a typed call error, never a crash
//! (`subexec_executor::panic_guard`).
//!
//! The panics are made on purpose with the executor's test hook
//! (`Executor::with_panicking_test_imports`): a runtime importing
//! `TEST_PANIC_IN_ENGINE` panics straight through wasmi's frames, as an engine bug does; one
//! importing `TEST_PANIC_IN_HOST_FUNCTION` panics inside the guarded section every host
//! function runs in. A real wasmi panic (fuzzing finding 6) is checked too.
//!
//! The tests take one lock: the leak check counts the process's memory mappings, which other
//! tests of this file would change concurrently.

use std::sync::{Arc, Mutex, MutexGuard};

use subexec_executor::panic_guard::{
    TEST_PANIC_IN_ENGINE, TEST_PANIC_IN_HOST_FUNCTION, TEST_PANIC_MESSAGE,
};
use subexec_executor::storage::{InMemoryBackend, StorageState};
use subexec_executor::{CallError, Executor, InstanceReuse, Runtime, Settings};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A classic runtime: `write_a` writes `a = 1`, `write_b` writes `b = 2`,
/// `write_b_then_host_panic` writes `b` then calls the host-function hook, and the entry
/// point `engine_panic` *is* the engine hook (wasmi calls an exported host function from its
/// root frames, where a panic can unwind; see the `panic_guard` docs). `tag` makes distinct
/// blobs.
fn classic_wat(tag: u32) -> String {
    format!(
        r#"(module
  (import "env" "memory" (memory 1))
  (import "env" "ext_storage_set_version_1" (func $set (param i64 i64)))
  (import "env" "{TEST_PANIC_IN_ENGINE}" (func $engine_panic (param i32 i32) (result i64)))
  (import "env" "{TEST_PANIC_IN_HOST_FUNCTION}" (func $host_panic))
  (export "engine_panic" (func $engine_panic))
  (global (export "__heap_base") i32 (i32.const 1024))
  (global (export "tag") i32 (i32.const {tag}))
  (data (i32.const 16) "a1b2")
  (func $fat (param $ptr i64) (param $len i64) (result i64)
    (i64.or (local.get $ptr) (i64.shl (local.get $len) (i64.const 32))))
  (func $write_a (call $set (call $fat (i64.const 16) (i64.const 1)) (call $fat (i64.const 17) (i64.const 1))))
  (func $write_b (call $set (call $fat (i64.const 18) (i64.const 1)) (call $fat (i64.const 19) (i64.const 1))))
  (func (export "write_a") (param i32 i32) (result i64) (call $write_a) (i64.const 0))
  (func (export "write_b") (param i32 i32) (result i64) (call $write_b) (i64.const 0))
  (func (export "write_b_then_host_panic") (param i32 i32) (result i64)
    (call $write_b) (call $host_panic) (i64.const 0)))"#
    )
}

/// The guest-allocator (RFC-0145) twin of [`classic_wat`]'s panicking entries.
fn guest_wat() -> String {
    format!(
        r#"(module
  (import "env" "ext_storage_set_version_1" (func $set (param i64 i64)))
  (import "env" "{TEST_PANIC_IN_ENGINE}" (func $engine_panic (param i32) (result i64)))
  (import "env" "{TEST_PANIC_IN_HOST_FUNCTION}" (func $host_panic))
  (export "engine_panic" (func $engine_panic))
  (memory (export "memory") 1)
  (data (i32.const 16) "a1b2")
  (func (export "write_a") (param i32) (result i64)
    (call $set (i64.const 0x1_0000_0010) (i64.const 0x1_0000_0011)) (i64.const 0))
  (func (export "write_b_then_host_panic") (param i32) (result i64)
    (call $set (i64.const 0x1_0000_0012) (i64.const 0x1_0000_0013))
    (call $host_panic) (i64.const 0)))"#
    )
}

fn settings(instance_reuse: InstanceReuse) -> Settings {
    Settings {
        instance_reuse,
        ..Settings::default()
    }
}

const MODES: [InstanceReuse; 2] = [
    InstanceReuse::Fresh,
    InstanceReuse::Pooled {
        max_idle_instances: 2,
    },
];

fn load(executor: &Executor, wat_src: &str) -> Runtime {
    executor
        .load(&wat::parse_str(wat_src).expect("valid wat"))
        .expect("loads")
}

fn storage() -> StorageState {
    StorageState::new(Arc::new(InMemoryBackend::default()))
}

/// Runs `method` and returns its error (the call must fail).
fn fails(runtime: &Runtime, storage: &mut StorageState, method: &str) -> CallError {
    runtime
        .call(storage, method, &[])
        .expect_err("the call must fail")
}

fn engine_panicked() -> CallError {
    CallError::EnginePanicked {
        message: TEST_PANIC_MESSAGE.into(),
    }
}

fn poisoned() -> CallError {
    CallError::RuntimePoisoned {
        first_panic: TEST_PANIC_MESSAGE.into(),
    }
}

/// Calls `write_a` until the runtime has an idle pooled instance (pooled mode only).
fn warm_up(runtime: &Runtime, storage: &mut StorageState) {
    for _ in 0..3 {
        runtime.call(storage, "write_a", &[]).expect("write_a runs");
    }
    if runtime.instance_reuse() != InstanceReuse::Fresh {
        assert!(runtime.idle_instances() > 0);
    }
}

#[test]
fn engine_panic_is_typed_rolled_back_and_poisons_the_runtime() {
    let _serial = serial();
    for mode in MODES {
        let executor = Executor::with_panicking_test_imports(settings(mode));
        let runtime = load(&executor, &classic_wat(0));
        let mut storage = storage();
        warm_up(&runtime, &mut storage);

        let error = fails(&runtime, &mut storage, "engine_panic");
        assert_eq!(error, engine_panicked(), "{mode:?}");
        assert_eq!(
            error.to_string(),
            format!("the wasm engine panicked: {TEST_PANIC_MESSAGE}")
        );
        // Nothing of the call is kept (an engine panic that can be caught happens before the
        // call's wasm runs, see the `panic_guard` docs); the earlier calls' writes stay.
        assert_eq!(storage.get(b"b"), None, "{mode:?}");
        assert_eq!(storage.get(b"a"), Some(b"1".to_vec()), "{mode:?}");
        // The running instance and the idle ones are gone.
        assert_eq!(runtime.idle_instances(), 0, "{mode:?}");
        assert_eq!(runtime.poisoned().as_deref(), Some(TEST_PANIC_MESSAGE));

        // Every later call, of any method and on any handle, is refused the same way and
        // changes nothing.
        for method in ["write_a", "write_b", "engine_panic"] {
            assert_eq!(
                fails(&runtime, &mut storage, method),
                poisoned(),
                "{method}"
            );
        }
        let handle = runtime
            .clone()
            .with_heap_pages(Some(&[8, 0, 0, 0, 0, 0, 0, 0]));
        assert_eq!(fails(&handle, &mut storage, "write_b"), poisoned());
        assert_eq!(storage.get(b"b"), None);
        assert_eq!(runtime.idle_instances(), 0);

        // The poisoned module left the cache: loading the blob again compiles it anew.
        assert_eq!(executor.cached_runtimes(), 0);
        let reloaded = load(&executor, &classic_wat(0));
        assert_eq!(reloaded.poisoned(), None);
        reloaded
            .call(&mut storage, "write_b", &[])
            .expect("a new compilation runs");
        assert_eq!(storage.get(b"b"), Some(b"2".to_vec()));
    }
}

#[test]
fn other_runtimes_of_the_executor_are_unaffected() {
    let _serial = serial();
    for mode in MODES {
        let executor = Executor::with_panicking_test_imports(settings(mode));
        let healthy = load(&executor, &classic_wat(1));
        let doomed = load(&executor, &classic_wat(2));
        let mut storage = storage();
        warm_up(&healthy, &mut storage);
        let idle = healthy.idle_instances();
        assert_eq!(
            fails(&doomed, &mut storage, "engine_panic"),
            engine_panicked()
        );
        assert_eq!(healthy.poisoned(), None);
        assert_eq!(healthy.idle_instances(), idle, "{mode:?}");
        healthy
            .call(&mut storage, "write_b", &[])
            .expect("the other runtime runs");
        assert_eq!(storage.get(b"b"), Some(b"2".to_vec()));
        assert_eq!(executor.cached_runtimes(), 1);
    }
}

#[test]
fn host_function_panic_is_typed_rolled_back_and_does_not_poison() {
    let _serial = serial();
    for mode in MODES {
        let executor = Executor::with_panicking_test_imports(settings(mode));
        let runtime = load(&executor, &classic_wat(3));
        let mut storage = storage();
        warm_up(&runtime, &mut storage);
        let idle = runtime.idle_instances();

        let error = fails(&runtime, &mut storage, "write_b_then_host_panic");
        assert_eq!(
            error,
            CallError::HostFunctionPanicked {
                function: TEST_PANIC_IN_HOST_FUNCTION.into(),
                message: TEST_PANIC_MESSAGE.into(),
            },
            "{mode:?}"
        );
        assert_eq!(storage.get(b"b"), None, "{mode:?}");
        assert_eq!(storage.get(b"a"), Some(b"1".to_vec()));
        // The instance that ran was dropped, not put back.
        assert_eq!(runtime.idle_instances(), idle.saturating_sub(1), "{mode:?}");
        assert_eq!(runtime.poisoned(), None);

        // The runtime goes on as normal.
        runtime
            .call(&mut storage, "write_b", &[])
            .expect("not poisoned");
        assert_eq!(storage.get(b"b"), Some(b"2".to_vec()));
        if mode != InstanceReuse::Fresh {
            assert!(runtime.idle_instances() > 0);
        }
    }
}

#[test]
fn guest_allocator_calls_are_guarded_too() {
    let _serial = serial();
    for mode in MODES {
        let executor = Executor::with_panicking_test_imports(settings(mode));
        let runtime = load(&executor, &guest_wat());
        let mut storage = storage();
        runtime.call(&mut storage, "write_a", &[]).expect("runs");
        assert!(matches!(
            fails(&runtime, &mut storage, "write_b_then_host_panic"),
            CallError::HostFunctionPanicked { .. }
        ));
        assert_eq!(storage.get(b"b"), None, "{mode:?}");
        assert_eq!(storage.get(b"a"), Some(b"1".to_vec()));
        runtime
            .call(&mut storage, "write_a", &[])
            .expect("not poisoned");
        assert_eq!(
            fails(&runtime, &mut storage, "engine_panic"),
            engine_panicked()
        );
        assert_eq!(fails(&runtime, &mut storage, "write_a"), poisoned());
    }
}

/// Open memory mappings of this process (each pooled instance owns one).
#[cfg(target_os = "linux")]
fn mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .expect("maps")
        .lines()
        .count()
}

#[test]
fn repeated_panics_leak_nothing() {
    let _serial = serial();
    let rounds: usize = std::env::var("SUBEXEC_PANIC_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let pooled = settings(InstanceReuse::Pooled {
        max_idle_instances: 2,
    });
    let executor = Executor::with_panicking_test_imports(pooled);
    let mut storage = storage();
    let mut round = |_: usize| {
        // Host-function panics on one runtime (each drops a pooled instance) ...
        let runtime = load(&executor, &classic_wat(4));
        warm_up(&runtime, &mut storage);
        assert!(matches!(
            fails(&runtime, &mut storage, "write_b_then_host_panic"),
            CallError::HostFunctionPanicked { .. }
        ));
        // ... and an engine panic on a runtime that is then poisoned and evicted.
        let doomed = load(&executor, &classic_wat(5));
        warm_up(&doomed, &mut storage);
        assert_eq!(
            fails(&doomed, &mut storage, "engine_panic"),
            engine_panicked()
        );
        assert_eq!(fails(&doomed, &mut storage, "write_a"), poisoned());
        assert_eq!(executor.cached_runtimes(), 1);
    };
    // Warm-up rounds fill the allocator's and wasmi's caches.
    (0..3).for_each(&mut round);
    #[cfg(target_os = "linux")]
    let before = mappings();
    (0..rounds).for_each(&mut round);
    #[cfg(target_os = "linux")]
    {
        // A leaked instance per round would add `rounds` mappings or more.
        let after = mappings();
        assert!(
            after < before + rounds / 2,
            "{before} mappings before {rounds} rounds, {after} after"
        );
    }
    assert_eq!(storage.get(b"b"), None);
}

/// Fuzzing finding 6 (`docs/FUZZING.md`): wasmi 2.0.0 reaches `unreachable!()` translating an
/// integer store whose address and value are both in its register and whose offset needs 32
/// bits. Unpatched, the call is a typed engine panic and the runtime is poisoned (without the
/// poison, the next call would spin for ever on the function left `COMPILING`); with a wasmi
/// that translates the store, it traps as the store is out of bounds.
#[test]
fn real_wasmi_translation_panic() {
    let _serial = serial();
    let guest = r#"(module
  (memory (export "memory") 1)
  (func (export "entry") (param i32) (result i64)
    local.get 0  i32.eqz  local.set 0
    local.get 0  local.get 0
    i32.store offset=65536
    i64.const 0))"#;
    let classic = r#"(module
  (import "env" "memory" (memory 1))
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "entry") (param i32 i32) (result i64)
    local.get 0  i32.eqz  local.set 0
    local.get 0  local.get 0
    i32.store offset=65536
    i64.const 0))"#;
    // What an engine that translates the store gives: the guest module's one-page memory
    // ends before the address; the classic one's static heap does not.
    let fixed = [
        (
            guest,
            Some(CallError::Trap("out of bounds memory access".into())),
        ),
        (classic, None),
    ];
    for mode in MODES {
        for (wat_src, fixed_error) in &fixed {
            let executor = Executor::builder().instance_reuse(mode).build();
            let runtime = load(&executor, wat_src);
            let mut storage = storage();
            match runtime.call(&mut storage, "entry", &[]) {
                Err(CallError::EnginePanicked { message }) => {
                    assert_eq!(message, "internal error: entered unreachable code");
                    assert_eq!(
                        fails(&runtime, &mut storage, "entry"),
                        CallError::RuntimePoisoned {
                            first_panic: message
                        }
                    );
                }
                Err(other) => assert_eq!(Some(other), fixed_error.clone(), "{mode:?}"),
                Ok(outcome) => {
                    assert_eq!(*fixed_error, None, "{mode:?}");
                    assert!(outcome.output.is_empty());
                }
            }
        }
    }
}
