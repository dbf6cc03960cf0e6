//! Every resource a runtime can make the host spend is bounded, deterministically, with a
//! typed error: each limit is tested at the limit and one past it (docs/LIMITS.md).
//!
//! The runtimes are small classic modules written for the purpose: one hashes a buffer in a
//! loop, one looks up the version of a blob whose `Core_version` never ends.
#![allow(clippy::unwrap_used)]

use subexec_executor::{empty_storage, CallError, Executor, Runtime};
use subexec_host_functions::cost::{BYTE_IN_FUEL, BYTE_OUT_FUEL, CALL_FUEL};

/// A classic runtime: `hash(input = [len: u32 LE, rounds: u32 LE])` hashes `len` bytes at
/// address 0 with blake2-256, `rounds` times.
const HASHER: &str = r#"(module
  (import "env" "memory" (memory 17))
  (import "env" "ext_hashing_blake2_256_version_1" (func $blake2 (param i64) (result i32)))
  (global (export "__heap_base") i32 (i32.const 1048576))
  (func (export "hash") (param $ptr i32) (param $len i32) (result i64)
    (local $n i32) (local $rounds i32)
    (local.set $n (i32.load (local.get $ptr)))
    (local.set $rounds (i32.load offset=4 (local.get $ptr)))
    (block $done (loop $again
      (br_if $done (i32.eqz (local.get $rounds)))
      (drop (call $blake2 (i64.shl (i64.extend_i32_u (local.get $n)) (i64.const 32))))
      (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
      (br $again)))
    (i64.const 0)))"#;

/// The runtime written as `wat`, loaded with a fuel budget.
fn metered(wat: &str, fuel: Option<u64>) -> Runtime {
    Executor::builder()
        .fuel(fuel)
        .build()
        .load(&wat::parse_str(wat).unwrap())
        .unwrap()
}

fn hasher(fuel: Option<u64>) -> Runtime {
    metered(HASHER, fuel)
}

fn hash(runtime: &Runtime, len: u32, rounds: u32) -> Result<Option<u64>, CallError> {
    let input = [len.to_le_bytes(), rounds.to_le_bytes()].concat();
    runtime
        .call(&mut empty_storage(), "hash", &input)
        .map(|outcome| outcome.fuel_consumed)
}

#[test]
fn host_work_costs_fuel_per_byte() {
    let runtime = hasher(Some(u64::MAX / 2));
    let base = hash(&runtime, 0, 1).unwrap().unwrap();
    let one_kib = hash(&runtime, 1024, 1).unwrap().unwrap();
    // Hashing 1 KiB more costs exactly 1 KiB read from guest memory; the 32-byte result is
    // written either way.
    assert_eq!(one_kib - base, 1024 * BYTE_IN_FUEL);
    let two = hash(&runtime, 1024, 2).unwrap().unwrap();
    assert!(two - one_kib >= CALL_FUEL + 1024 * BYTE_IN_FUEL + 32 * BYTE_OUT_FUEL);
    // Deterministic: the same call, the same fuel, on this runtime and on a fresh one.
    assert_eq!(hash(&runtime, 1024, 2).unwrap().unwrap(), two);
    assert_eq!(
        hash(&hasher(Some(u64::MAX / 2)), 1024, 2).unwrap().unwrap(),
        two
    );
}

#[test]
fn fuel_budget_bounds_host_work_at_the_limit_and_one_past() {
    // 1 MiB hashed per round: what `--fuel 1000` once let run for 22 s now stops at once.
    let needed = hash(&hasher(Some(u64::MAX / 2)), 1 << 20, 3)
        .unwrap()
        .unwrap();
    assert!(needed > 3 << 20);
    assert_eq!(
        hash(&hasher(Some(needed)), 1 << 20, 3).unwrap(),
        Some(needed)
    );
    assert_eq!(
        hash(&hasher(Some(needed - 1)), 1 << 20, 3),
        Err(CallError::OutOfFuel { budget: needed - 1 })
    );
    // A budget far below one round's price: the first host call cannot be paid.
    assert!(matches!(
        hash(&hasher(Some(1000)), 1 << 20, 1_000_000),
        Err(CallError::OutOfFuel { budget: 1000 })
    ));
}

/// A classic runtime whose `Core_version` never returns (no version sections).
const SPINNER: &str = r#"(module
  (import "env" "memory" (memory 17))
  (global (export "__heap_base") i32 (i32.const 1048576))
  (func (export "Core_version") (param i32 i32) (result i64)
    (loop $forever (br $forever))
    (i64.const 0)))"#;

/// A classic runtime whose `lookup` asks for the version of the blob at address 16 of
/// length `input`'s first u32 (the blob is put there by its data segment).
fn version_reader(inner: &[u8]) -> Vec<u8> {
    let data: String = inner.iter().map(|b| format!("\\{b:02x}")).collect();
    wat::parse_str(format!(
        r#"(module
  (import "env" "memory" (memory 17))
  (import "env" "ext_misc_runtime_version_version_1" (func $version (param i64) (result i64)))
  (global (export "__heap_base") i32 (i32.const 1048576))
  (data (i32.const 16) "{data}")
  (func (export "lookup") (param $ptr i32) (param $len i32) (result i64)
    (drop (call $version (i64.or (i64.const 16)
      (i64.shl (i64.const {len}) (i64.const 32)))))
    (i64.const 0)))"#,
        len = inner.len()
    ))
    .unwrap()
}

#[test]
fn nested_version_lookups_spend_the_callers_budget() {
    let spinner = wat::parse_str(SPINNER).unwrap();
    let outer = version_reader(&spinner);
    for budget in [10_000u64, 1_000_000] {
        let runtime = Executor::builder()
            .fuel(Some(budget))
            .build()
            .load(&outer)
            .unwrap();
        // Before: the nested `Core_version` got a fresh budget, ran out, the lookup answered
        // `None` and the call succeeded having spent far more than its budget. Now the nested
        // run spends the caller's fuel, and the caller runs out.
        assert_eq!(
            runtime
                .call(&mut empty_storage(), "lookup", &[])
                .map(|o| o.fuel_consumed),
            Err(CallError::OutOfFuel { budget })
        );
    }
}

#[test]
fn nested_lookup_of_a_cheap_version_costs_what_it_runs() {
    // A blob with a `Core_version` that returns at once (its output is not a version, so the
    // lookup answers `None`): the caller pays the nested run and its decompression.
    let quick = wat::parse_str(
        r#"(module (import "env" "memory" (memory 17))
           (global (export "__heap_base") i32 (i32.const 1048576))
           (func (export "Core_version") (param i32 i32) (result i64) (i64.const 0)))"#,
    )
    .unwrap();
    let outer = version_reader(&quick);
    let executor = Executor::builder().fuel(Some(u64::MAX / 2)).build();
    let runtime = executor.load(&outer).unwrap();
    let spent = |runtime: &Runtime| {
        runtime
            .call(&mut empty_storage(), "lookup", &[])
            .unwrap()
            .fuel_consumed
            .unwrap()
    };
    let first = spent(&runtime);
    // The inner blob is cached after the first lookup; the price does not change.
    assert_eq!(spent(&runtime), first);
    assert!(first > CALL_FUEL + 2 * quick.len() as u64);
    // At the limit it runs, one below it runs out.
    let at = |fuel| {
        Executor::builder()
            .fuel(Some(fuel))
            .build()
            .load(&outer)
            .unwrap()
            .call(&mut empty_storage(), "lookup", &[])
            .map(|o| o.fuel_consumed)
    };
    assert_eq!(at(first), Ok(Some(first)));
    assert_eq!(
        at(first - 1),
        Err(CallError::OutOfFuel { budget: first - 1 })
    );
}

/// A module with a table of `elements` initial elements.
fn with_table(elements: u64) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module (import "env" "memory" (memory 17))
           (global (export "__heap_base") i32 (i32.const 1048576))
           (table {elements} funcref)
           (func (export "f") (param i32 i32) (result i64) (i64.const 0)))"#
    ))
    .unwrap()
}

#[test]
fn table_size_is_limited_at_load() {
    let max = u64::from(subexec_executor::MAX_TABLE_ELEMENTS);
    let runtime = Executor::default().load(&with_table(max)).unwrap();
    runtime.call(&mut empty_storage(), "f", &[]).unwrap();
    assert_eq!(
        Executor::default().load(&with_table(max + 1)).err(),
        Some(subexec_executor::LoadError::TableTooLarge {
            declared: max + 1,
            max
        })
    );
    // What once took 16.8 GB and 58 s.
    assert!(matches!(
        Executor::default().load(&with_table(u64::from(u32::MAX))),
        Err(subexec_executor::LoadError::TableTooLarge { .. })
    ));
}

/// `write(input = [count: u32 LE, value_len: u32 LE])` sets `count` distinct 4-byte keys to
/// `value_len` bytes each.
const WRITER: &str = r#"(module
  (import "env" "memory" (memory 17))
  (import "env" "ext_storage_set_version_1" (func $set (param i64 i64)))
  (global (export "__heap_base") i32 (i32.const 1048576))
  (func (export "write") (param $ptr i32) (param $len i32) (result i64)
    (local $count i32) (local $value_len i32)
    (local.set $count (i32.load (local.get $ptr)))
    (local.set $value_len (i32.load offset=4 (local.get $ptr)))
    (block $done (loop $again
      (br_if $done (i32.eqz (local.get $count)))
      (i32.store (i32.const 0) (local.get $count))
      (call $set (i64.const 0x400000000)
        (i64.or (i64.const 64) (i64.shl (i64.extend_i32_u (local.get $value_len)) (i64.const 32))))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (br $again)))
    (i64.const 0)))"#;

#[test]
fn storage_writes_per_call_are_limited() {
    use subexec_host_functions::HostErrorCause;
    let write = |limit: u64, count: u32, value_len: u32| {
        let runtime = Executor::builder()
            .max_storage_write_bytes(limit)
            .build()
            .load(&wat::parse_str(WRITER).unwrap())
            .unwrap();
        let mut storage = empty_storage();
        let input = [count.to_le_bytes(), value_len.to_le_bytes()].concat();
        let result = runtime.call(&mut storage, "write", &input).map(drop);
        (result, storage.changes().main.len())
    };
    // 10 writes of a 4-byte key and a 96-byte value: 1000 bytes.
    assert_eq!(write(1000, 10, 96), (Ok(()), 10));
    let (result, _) = write(999, 10, 96);
    match result {
        Err(CallError::HostFunction(error)) => {
            assert_eq!(error.function, "ext_storage_set_version_1");
            assert_eq!(
                error.cause,
                HostErrorCause::StorageWriteLimit { limit: 999 }
            );
            assert_eq!(
                error.to_string(),
                "ext_storage_set_version_1: storage writes of this call exceed the limit of 999 bytes"
            );
        }
        other => panic!("{other:?}"),
    }
    // The default is 1 GiB.
    assert_eq!(
        Executor::default().settings().max_storage_write_bytes,
        subexec_host_functions::MAX_STORAGE_WRITE_BYTES_PER_CALL
    );
    assert_eq!(
        subexec_host_functions::MAX_STORAGE_WRITE_BYTES_PER_CALL,
        1 << 30
    );
}

/// `set(key = input, value = [])`, or with input `[0xff, …]`: `clear_prefix([7])` then the
/// storage root.
const KEY_PATHS: &str = r#"(module
  (import "env" "memory" (memory 17))
  (import "env" "ext_storage_set_version_1" (func $set (param i64 i64)))
  (import "env" "ext_storage_clear_prefix_version_1" (func $clear_prefix (param i64)))
  (import "env" "ext_storage_root_version_2" (func $root (param i32) (result i64)))
  (global (export "__heap_base") i32 (i32.const 1048576))
  (data (i32.const 16) "\07")
  (func (export "set") (param $ptr i32) (param $len i32) (result i64)
    (call $set
      (i64.or (i64.extend_i32_u (local.get $ptr)) (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32)))
      (i64.const 0))
    (i64.const 0))
  (func (export "clear_and_root") (param $ptr i32) (param $len i32) (result i64)
    (call $clear_prefix (i64.or (i64.const 16) (i64.shl (i64.const 1) (i64.const 32))))
    (call $root (i32.const 1))))"#;

fn key_paths(fuel: u64) -> Runtime {
    metered(KEY_PATHS, Some(fuel))
}

/// Keys that extend each other make a trie path as long as the key and `trie-db` work
/// quadratic in it: a change pays its key's length squared (`cost::root_price`) when made.
#[test]
fn a_change_pays_for_its_key_path() {
    use subexec_host_functions::cost::ROOT_KEY_SQUARE_DIVISOR;
    let runtime = key_paths(u64::MAX / 2);
    let set = |len: usize| {
        runtime
            .call(&mut empty_storage(), "set", &vec![7; len])
            .unwrap()
            .fuel_consumed
            .unwrap()
    };
    let (short, long) = (set(1000), set(2000));
    // The same instructions; 1000 more key bytes read, and the path's square.
    assert_eq!(
        long - short,
        1000 * BYTE_IN_FUEL + (2000 * 2000 - 1000 * 1000) / ROOT_KEY_SQUARE_DIVISOR
    );
}

/// A root over deletions of nested keys already in the state (priced only when the root is
/// computed) is refused before the work when the budget cannot pay it: out of fuel at once,
/// and exactly at its price it runs.
#[test]
fn a_root_is_refused_before_the_work_when_the_budget_cannot_pay() {
    use subexec_executor::storage::{InMemoryBackend, StateVersion, StorageState};
    use subexec_host_functions::cost::root_price;
    let keys = 300u64;
    let nested: std::collections::BTreeMap<Vec<u8>, Vec<u8>> = (1..=keys)
        .map(|len| (vec![7; len as usize], vec![1]))
        .collect();
    let backend = std::sync::Arc::new(InMemoryBackend::new(
        nested,
        Default::default(),
        StateVersion::V1,
    ));
    let squares: u64 = (1..=keys).map(|len| len * len).sum();
    let price = root_price(keys, squares);
    let run = |fuel: u64| {
        key_paths(fuel)
            .call(
                &mut StorageState::new(backend.clone()),
                "clear_and_root",
                &[],
            )
            .map(|outcome| outcome.fuel_consumed.unwrap())
    };
    let consumed = run(u64::MAX / 2).unwrap();
    assert!(consumed > price, "{consumed} <= {price}");
    assert_eq!(run(consumed), Ok(consumed));
    // One short of the root's price when the root is asked: refused, out of fuel.
    assert!(matches!(
        run(consumed - 1),
        Err(CallError::OutOfFuel { budget }) if budget == consumed - 1
    ));
    assert!(matches!(run(price / 2), Err(CallError::OutOfFuel { .. })));
}

/// `clear_prefix([b'k'], None)` (version 2: with a limit argument, here `None`).
const PREFIX_REMOVER: &str = r#"(module
  (import "env" "memory" (memory 17))
  (import "env" "ext_storage_clear_prefix_version_2" (func $clear (param i64 i64) (result i64)))
  (global (export "__heap_base") i32 (i32.const 1048576))
  (data (i32.const 16) "k")
  (data (i32.const 24) "\00")
  (func (export "clear") (param $ptr i32) (param $len i32) (result i64)
    (drop (call $clear
      (i64.or (i64.const 16) (i64.shl (i64.const 1) (i64.const 32)))
      (i64.or (i64.const 24) (i64.shl (i64.const 1) (i64.const 32)))))
    (i64.const 0)))"#;

/// Storage over a backend holding `keys` keys under the prefix `k` (and one outside it).
fn keyed_storage(keys: u32) -> subexec_executor::storage::StorageState {
    use subexec_executor::storage::{InMemoryBackend, StorageMap, StorageState};
    let mut top = StorageMap::new();
    for i in 0..keys {
        top.insert(format!("k{i:06}").into_bytes(), vec![1; 8]);
    }
    top.insert(b"other".to_vec(), vec![2]);
    StorageState::new(std::sync::Arc::new(InMemoryBackend::from_top(top)))
}

fn remove_prefix(keys: u32, fuel: u64) -> (Result<Option<u64>, CallError>, usize) {
    let runtime = metered(PREFIX_REMOVER, Some(fuel));
    let mut storage = keyed_storage(keys);
    let result = runtime
        .call(&mut storage, "clear", &[])
        .map(|outcome| outcome.fuel_consumed);
    (result, storage.changes().main.len())
}

#[test]
fn a_prefix_removal_pays_for_every_key_it_walks_and_stops_where_the_fuel_ends() {
    use subexec_host_functions::cost::VISITED_KEY_FUEL;
    // One host call walks the whole prefix: it costs per key, not per call.
    let (small, removed) = remove_prefix(1000, u64::MAX / 2);
    assert_eq!(removed, 1000);
    let (large, removed) = remove_prefix(3000, u64::MAX / 2);
    assert_eq!(removed, 3000);
    let (small, large) = (small.unwrap().unwrap(), large.unwrap().unwrap());
    assert_eq!(large - small, 2000 * VISITED_KEY_FUEL);
    // At the limit it runs; one fuel less and the call is out of fuel (its storage, as after
    // every failed call, is the caller's to discard).
    assert_eq!(remove_prefix(3000, large), (Ok(Some(large)), 3000));
    let (result, _) = remove_prefix(3000, large - 1);
    assert_eq!(result, Err(CallError::OutOfFuel { budget: large - 1 }));
    // Far too little fuel for a large state: the walk stops where the fuel ends, before the
    // removal is applied, and the call is out of fuel.
    let (result, removed) = remove_prefix(100_000, 100_000);
    assert_eq!(result, Err(CallError::OutOfFuel { budget: 100_000 }));
    assert_eq!(removed, 0);
}
