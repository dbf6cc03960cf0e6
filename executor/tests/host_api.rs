//! The complete host API through the executor: real runtimes load strictly (missing host
//! functions refused), and a call's offchain context and offchain/transaction-index effects.

mod node_template_common;

use std::sync::Arc;

use subexec_executor::storage::chain_spec::GenesisStorage;

use subexec_executor::{empty_storage, CallOptions, Executor, LoadError};
use subexec_host_functions::offchain::StorageKind;
use subexec_host_functions::{InMemoryOffchain, OffchainContext, TransactionIndexOperation};

/// Westend's genesis runtime (`conformance/third-party/westend/`, see its README).
const WESTEND_CHAIN_SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../conformance/third-party/westend/chain-spec-raw.json"
);

fn westend_code() -> Vec<u8> {
    let spec = std::fs::read(WESTEND_CHAIN_SPEC).expect("the Westend chain spec");
    let mut genesis = GenesisStorage::from_json(&spec).expect("a raw chain spec");
    genesis
        .top
        .remove(&b":code"[..])
        .expect("a genesis `:code`")
}

/// Loads `code` with missing host functions refused; the missing ones.
fn missing_host_functions(code: &[u8]) -> Vec<String> {
    match Executor::default().load(code) {
        Ok(_) => Vec::new(),
        Err(LoadError::MissingHostFunctions(missing)) => missing,
        Err(other) => panic!("the runtime does not load: {other}"),
    }
}

#[test]
fn real_runtimes_load_with_missing_host_functions_refused() {
    for (name, code) in [
        ("node-template", node_template_common::code()),
        ("westend genesis", westend_code()),
    ] {
        let missing = missing_host_functions(&code);
        assert!(missing.is_empty(), "{name} misses {missing:?}");
    }
}

/// A classic runtime using the offchain index, runtime transactions, the transaction index,
/// the offchain clock and local storage.
fn offchain_runtime() -> subexec_executor::Runtime {
    let wat = r#"(module
  (import "env" "memory" (memory 1))
  (import "env" "ext_offchain_index_set_version_1" (func $index_set (param i64 i64)))
  (import "env" "ext_offchain_index_clear_version_1" (func $index_clear (param i64)))
  (import "env" "ext_storage_start_transaction_version_1" (func $start))
  (import "env" "ext_storage_rollback_transaction_version_1" (func $rollback))
  (import "env" "ext_storage_commit_transaction_version_1" (func $commit))
  (import "env" "ext_transaction_index_index_version_1" (func $tx_index (param i32 i32 i32)))
  (import "env" "ext_transaction_index_renew_version_1" (func $tx_renew (param i32 i32)))
  (import "env" "ext_offchain_timestamp_version_1" (func $timestamp (result i64)))
  (import "env" "ext_offchain_local_storage_set_version_1" (func $ls_set (param i32 i64 i64)))
  (global (export "__heap_base") i32 (i32.const 1024))
  (data (i32.const 16) "keyAval1keyBkeyC")
  (data (i32.const 32) "\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11")
  (func $fat (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.extend_i32_u (local.get $ptr))
            (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))))
  ;; keyA = val1; keyB set in a rolled-back transaction; keyC set then cleared in a committed
  ;; one; an index and a renew; a transaction left open setting keyB again.
  (func (export "index") (param i32 i32) (result i64)
    (call $index_set (call $fat (i32.const 16) (i32.const 4)) (call $fat (i32.const 20) (i32.const 4)))
    (call $start)
    (call $index_set (call $fat (i32.const 24) (i32.const 4)) (call $fat (i32.const 20) (i32.const 4)))
    (call $rollback)
    (call $start)
    (call $index_set (call $fat (i32.const 28) (i32.const 4)) (call $fat (i32.const 20) (i32.const 4)))
    (call $index_clear (call $fat (i32.const 28) (i32.const 4)))
    (call $commit)
    (call $tx_index (i32.const 3) (i32.const 100) (i32.const 32))
    (call $tx_renew (i32.const 4) (i32.const 32))
    (call $start)
    (call $index_set (call $fat (i32.const 24) (i32.const 4)) (call $fat (i32.const 20) (i32.const 4)))
    (i64.const 0))
  (func (export "index_then_trap") (param i32 i32) (result i64)
    (call $index_set (call $fat (i32.const 16) (i32.const 4)) (call $fat (i32.const 20) (i32.const 4)))
    unreachable)
  ;; Stores keyA = val1 in persistent local storage, returns the offchain clock.
  (func (export "clock") (param i32 i32) (result i64)
    (call $ls_set (i32.const 0) (call $fat (i32.const 16) (i32.const 4)) (call $fat (i32.const 20) (i32.const 4)))
    (i64.store (i32.const 64) (call $timestamp))
    (call $fat (i32.const 64) (i32.const 8)))
)"#;
    let code = wat::parse_str(wat).expect("valid WAT");
    // Strict: every import is a host function.
    Executor::default().load(&code).expect("loads strictly")
}

#[test]
fn offchain_index_and_transaction_index_reach_the_outcome() {
    let runtime = offchain_runtime();
    let outcome = runtime.call(&mut empty_storage(), "index", &[]).unwrap();
    // keyB's writes were rolled back (once explicitly, once left open); keyC's removal stays.
    assert_eq!(
        outcome.offchain_index_changes,
        vec![
            (b"keyA".to_vec(), Some(b"val1".to_vec())),
            (b"keyC".to_vec(), None),
        ]
    );
    assert_eq!(
        outcome.transaction_index,
        vec![
            TransactionIndexOperation::Insert {
                extrinsic: 3,
                hash: [0x11; 32],
                size: 100
            },
            TransactionIndexOperation::Renew {
                extrinsic: 4,
                hash: [0x11; 32]
            },
        ]
    );
    // A failed call has no outcome: its index writes go nowhere.
    assert!(runtime
        .call(&mut empty_storage(), "index_then_trap", &[])
        .is_err());
}

#[test]
fn offchain_functions_need_a_context_and_use_the_one_lent() {
    let runtime = offchain_runtime();
    let error = runtime
        .call(&mut empty_storage(), "clock", &[])
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("ext_offchain_local_storage_set_version_1")
            && error.contains("no offchain context"),
        "{error}"
    );
    let offchain = Arc::new(InMemoryOffchain::new(1_234));
    let options = CallOptions {
        offchain: Some(offchain.clone() as Arc<dyn OffchainContext>),
        ..CallOptions::default()
    };
    let outcome = runtime
        .call_with(&mut empty_storage(), "clock", &[], &options)
        .unwrap();
    assert_eq!(outcome.output, 1_234u64.to_le_bytes());
    assert_eq!(
        offchain.local_storage_get(StorageKind::Persistent, b"keyA"),
        Some(b"val1".to_vec())
    );
    // The context is the call's only: the next call without one fails again.
    assert!(runtime.call(&mut empty_storage(), "clock", &[]).is_err());
}
