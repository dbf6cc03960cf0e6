//! The bundled `runtime-guest` classic runtime (a Rust-built runtime with a real allocator shim,
//! storage transactions and a panic handler) through the executor.

mod common;

use parity_scale_codec::{Decode, Encode};
use subexec_executor::{
    empty_storage, CallError, CallOutcome, Executor, HeapAllocStrategy, RuntimeVersion,
};
use subexec_runtime_blobs::api::{self, entries, AccountId, Block, HostCall, HostReturn, Transfer};
use subexec_runtime_blobs::{CLASSIC, CLASSIC_V2};

fn account(n: u8) -> AccountId {
    [n; 32]
}

fn block() -> Block {
    let t = |from, to, amount| Transfer {
        from: account(from),
        to: account(to),
        amount,
    };
    Block {
        number: 7,
        transfers: vec![t(1, 2, 500), t(2, 3, 5_000_000), t(3, 1, 20)],
    }
}

/// Endow then execute a block; returns both outcomes and the storage changes.
fn demo(
    executor: &Executor,
    strategy: HeapAllocStrategy,
) -> (
    CallOutcome,
    CallOutcome,
    subexec_executor::storage::StorageChanges,
) {
    let runtime = executor
        .load(CLASSIC)
        .unwrap()
        .with_heap_alloc_strategy(strategy);
    let mut storage = empty_storage();
    let endow: Vec<(AccountId, u128)> = (1..=3).map(|n| (account(n), 10_000)).collect();
    let a = runtime
        .call(&mut storage, entries::DEMO_INITIALIZE, &endow.encode())
        .unwrap();
    let b = runtime
        .call(&mut storage, entries::DEMO_EXECUTE_BLOCK, &block().encode())
        .unwrap();
    (a, b, storage.changes())
}

#[test]
fn version_of_the_guest_runtime() {
    let executor = Executor::default();
    for (blob, spec_version) in [(CLASSIC, 1), (CLASSIC_V2, 2)] {
        let runtime = executor.load(blob).unwrap();
        let expected = api::RuntimeVersion::for_spec_version(spec_version).encode();
        let out = runtime
            .call(&mut empty_storage(), entries::CORE_VERSION, &[])
            .unwrap();
        assert_eq!(out.output, expected);
        let decoded = RuntimeVersion::decode_core_version_output(&expected).unwrap();
        assert_eq!(runtime.version().unwrap(), decoded);
        assert_eq!(runtime.embedded_version(), Some(&decoded));
    }
}

#[test]
fn demo_is_deterministic_under_every_heap_strategy() {
    let fueled = Executor::builder().fuel(Some(1 << 40)).build();
    let reference = demo(&fueled, HeapAllocStrategy::default());
    let summary = api::BlockSummary::decode(&mut &reference.1.output[..]).unwrap();
    assert_eq!((summary.applied, summary.failed), (2, 1));
    // Run after run, engine after engine: identical outputs, stats, fuel and changes.
    assert_eq!(demo(&fueled, HeapAllocStrategy::default()), reference);
    let other_engine = Executor::builder().fuel(Some(1 << 40)).build();
    assert_eq!(demo(&other_engine, HeapAllocStrategy::default()), reference);
    // The heap strategy changes nothing observable when the heap is large enough.
    for strategy in [
        HeapAllocStrategy::Static { extra_pages: 32 },
        HeapAllocStrategy::Dynamic {
            maximum_pages: None,
        },
    ] {
        let mut run = demo(&fueled, strategy);
        // The memory's size is the strategy's by definition (2065 static pages by default,
        // 49 with 32 extra pages): everything else must agree.
        assert_ne!(run.0.peak_memory_pages, reference.0.peak_memory_pages);
        run.0.peak_memory_pages = reference.0.peak_memory_pages;
        run.1.peak_memory_pages = reference.1.peak_memory_pages;
        assert_eq!(run, reference, "{strategy:?}");
    }
}

#[test]
fn runtime_panic_is_reported_with_its_message() {
    let runtime = Executor::default().load(CLASSIC).unwrap();
    let err = runtime
        .call(
            &mut empty_storage(),
            entries::HOST_API_PANIC,
            &String::from("ouch").encode(),
        )
        .unwrap_err();
    match err {
        CallError::RuntimePanicked(message) => assert!(message.contains("ouch"), "{message}"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn misc_runtime_version_reads_another_blob() {
    let runtime = Executor::default().load(CLASSIC).unwrap();
    let script = vec![
        HostCall::RuntimeVersion(CLASSIC_V2.to_vec()),
        HostCall::RuntimeVersion(b"not wasm".to_vec()),
    ];
    let out = runtime
        .call(
            &mut empty_storage(),
            entries::HOST_API_RUN,
            &script.encode(),
        )
        .unwrap();
    let returns = Vec::<HostReturn>::decode(&mut &out.output[..]).unwrap();
    assert_eq!(
        returns,
        vec![
            HostReturn::OptionBytes(Some(api::RuntimeVersion::for_spec_version(2).encode())),
            HostReturn::OptionBytes(None),
        ]
    );
}

#[test]
fn host_api_script_through_typed_and_generic_host_functions() {
    let runtime = Executor::default().load(CLASSIC).unwrap();
    let (k, v) = (b"key".to_vec(), b"value".to_vec());
    let script = vec![
        HostCall::StorageSet(k.clone(), v.clone()),
        HostCall::StorageGet(k.clone()),
        // (i64, i64, i32) -> i64: the generic path.
        HostCall::StorageRead {
            key: k.clone(),
            offset: 1,
            len: 2,
        },
        HostCall::StorageExists(k.clone()),
        HostCall::StartTransaction,
        HostCall::StorageClear(k.clone()),
        HostCall::StorageExists(k.clone()),
        HostCall::RollbackTransaction,
        HostCall::StorageNextKey(Vec::new()),
        HostCall::LogMaxLevel,
    ];
    let mut storage = empty_storage();
    let out = runtime
        .call(&mut storage, entries::HOST_API_RUN, &script.encode())
        .unwrap();
    let returns = Vec::<HostReturn>::decode(&mut &out.output[..]).unwrap();
    assert_eq!(
        returns,
        vec![
            HostReturn::Unit,
            HostReturn::OptionBytes(Some(v.clone())),
            HostReturn::Read {
                remaining: Some(4),
                data: b"al".to_vec()
            },
            HostReturn::Bool(true),
            HostReturn::Unit,
            HostReturn::Unit,
            HostReturn::Bool(false),
            HostReturn::Unit,
            HostReturn::OptionBytes(Some(k.clone())),
            HostReturn::U32(0),
        ]
    );
    assert_eq!(storage.get(&k), Some(v));
}
