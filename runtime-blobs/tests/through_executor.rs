//! Every entry point of the classic blobs, run through `subexec-executor`, with expectations
//! derived independently of the runtime's code (balances by hand, keys and digests with the
//! `twox-hash` and `blake2` crates, bytes written by the test itself).
//! Calls run on a large stack (see `common::on_big_stack`).

mod common;

use blake2::digest::consts::{U16, U32};
use blake2::{Blake2b, Digest};
use parity_scale_codec::{Decode, DecodeAll, Encode};
use subexec_executor::{empty_storage, Executor, Runtime};
use subexec_host_functions::StorageState;
use subexec_runtime_blobs::api::{
    entries, AccountInfo, AllocParams, AllocSummary, Block, BlockSummary, Event, HashAlgorithm,
    HostCall, HostReturn, RuntimeVersion, StorageParams, StorageReadSummary, Transfer,
    TransferError,
};
use subexec_runtime_blobs::{CLASSIC, CLASSIC_V2};

const CORE_ID: [u8; 8] = [0xdf, 0x6a, 0xcb, 0x68, 0x99, 0x07, 0x60, 0x9b];

use common::on_big_stack;

fn twox_128(data: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&twox_hash::XxHash64::oneshot(0, data).to_le_bytes());
    out[8..].copy_from_slice(&twox_hash::XxHash64::oneshot(1, data).to_le_bytes());
    out
}

fn blake2_128(data: &[u8]) -> [u8; 16] {
    Blake2b::<U16>::digest(data).into()
}

fn blake2_256(data: &[u8]) -> [u8; 32] {
    Blake2b::<U32>::digest(data).into()
}

fn prefixed(pallet: &str, item: &str, suffix: &[u8]) -> Vec<u8> {
    [
        &twox_128(pallet.as_bytes())[..],
        &twox_128(item.as_bytes()),
        suffix,
    ]
    .concat()
}

fn account_key(who: &[u8; 32]) -> Vec<u8> {
    prefixed("Balances", "Account", &[&blake2_128(who)[..], who].concat())
}

fn call(runtime: &Runtime, storage: &mut StorageState, entry: &str, input: &[u8]) -> Vec<u8> {
    runtime
        .call(storage, entry, input)
        .unwrap_or_else(|error| panic!("{entry}: {error}"))
        .output
}

fn decode<T: DecodeAll>(bytes: &[u8]) -> T {
    T::decode_all(&mut &bytes[..]).expect("output decodes")
}

fn load(wasm: &[u8]) -> Runtime {
    Executor::builder().build().load(wasm).expect("blob loads")
}

#[test]
fn core_version_reports_the_build() {
    on_big_stack(|| {
        for (wasm, spec_version) in [(CLASSIC, 1), (CLASSIC_V2, 2)] {
            let runtime = load(wasm);
            let output = call(&runtime, &mut empty_storage(), entries::CORE_VERSION, &[]);
            let version: RuntimeVersion = decode(&output);
            assert_eq!(version.spec_name, "subexec-guest");
            assert_eq!(version.spec_version, spec_version);
            assert!(version.apis.contains(&(CORE_ID, 4)));
            // The executor reads the custom sections; they must agree with the call.
            let embedded = runtime.version().expect("version");
            assert_eq!(embedded.spec_version, spec_version);
        }
    });
}

#[test]
fn demo_block_applies_commits_and_rolls_back_transfers() {
    on_big_stack(|| {
        let runtime = load(CLASSIC);
        let mut storage = empty_storage();
        let (a, b, c) = ([1u8; 32], [2u8; 32], [3u8; 32]);
        let endowed = call(
            &runtime,
            &mut storage,
            entries::DEMO_INITIALIZE,
            &vec![(a, 1_000u128), (b, 5u128)].encode(),
        );
        assert_eq!(decode::<u32>(&endowed), 2);

        let transfers = vec![
            Transfer {
                from: a,
                to: b,
                amount: 100,
            }, // ok
            Transfer {
                from: b,
                to: c,
                amount: 5,
            }, // c would hold 5 < 10: rolled back
            Transfer {
                from: c,
                to: a,
                amount: 1,
            }, // c is empty
            Transfer {
                from: a,
                to: c,
                amount: 50,
            }, // ok
            Transfer {
                from: a,
                to: b,
                amount: u128::MAX,
            }, // far too much
        ];
        let block = Block {
            number: 7,
            transfers,
        };
        let output = call(
            &runtime,
            &mut storage,
            entries::DEMO_EXECUTE_BLOCK,
            &block.encode(),
        );
        let summary: BlockSummary = decode(&output);
        assert_eq!(
            summary,
            BlockSummary {
                number: 7,
                applied: 2,
                failed: 3,
                total_transferred: 150,
                event_count: 7,
            }
        );

        let account = |who: &[u8; 32]| -> AccountInfo {
            decode(&storage.get(&account_key(who)).expect("account stored"))
        };
        assert_eq!(
            account(&a),
            AccountInfo {
                nonce: 2,
                free: 850
            }
        );
        // The rolled-back debit of transfer 1 left b untouched.
        assert_eq!(
            account(&b),
            AccountInfo {
                nonce: 0,
                free: 105
            }
        );
        assert_eq!(account(&c), AccountInfo { nonce: 0, free: 50 });
        assert_eq!(
            storage.get(&prefixed("System", "Number", &[])),
            Some(7u32.encode())
        );
        let events: Vec<Event> = decode(
            &storage
                .get(&prefixed("System", "Events", &[]))
                .expect("events"),
        );
        assert_eq!(
            events,
            vec![
                Event::Endowed {
                    who: a,
                    amount: 1_000
                },
                Event::Endowed { who: b, amount: 5 },
                Event::Transferred {
                    from: a,
                    to: b,
                    amount: 100
                },
                Event::TransferFailed {
                    index: 1,
                    error: TransferError::BelowExistentialDeposit
                },
                Event::TransferFailed {
                    index: 2,
                    error: TransferError::InsufficientBalance
                },
                Event::Transferred {
                    from: a,
                    to: c,
                    amount: 50
                },
                Event::TransferFailed {
                    index: 4,
                    error: TransferError::InsufficientBalance
                },
            ]
        );
    });
}

#[test]
fn benchmark_entries_do_what_they_say() {
    on_big_stack(|| {
        let runtime = load(CLASSIC);
        let mut storage = empty_storage();

        let params = AllocParams {
            boxes: 200,
            box_size: 24,
            vec_pushes: 1_000,
            map_entries: 300,
        };
        let output = call(
            &runtime,
            &mut storage,
            entries::BENCH_ALLOC_HEAVY,
            &params.encode(),
        );
        let summary: AllocSummary = decode(&output);
        assert_eq!((summary.vec_len, summary.map_len), (1_000, 300));

        let params = StorageParams {
            count: 20,
            value_size: 33,
        };
        let output = call(
            &runtime,
            &mut storage,
            entries::BENCH_STORAGE_POPULATE,
            &params.encode(),
        );
        assert_eq!(decode::<u32>(&output), 20);
        for index in 0u32..20 {
            let key = prefixed("Bench", "Values", &index.to_le_bytes());
            let expected: Vec<u8> = (0u32..33).map(|byte| (index ^ byte) as u8).collect();
            assert_eq!(storage.get(&key), Some(expected), "value {index}");
        }
        let read = StorageParams {
            count: 25,
            value_size: 0,
        };
        let output = call(
            &runtime,
            &mut storage,
            entries::BENCH_STORAGE_READ,
            &read.encode(),
        );
        let summary: StorageReadSummary = decode(&output);
        assert_eq!((summary.found, summary.bytes), (20, 20 * 33));

        let short = call(
            &runtime,
            &mut storage,
            entries::BENCH_COMPUTE,
            &1_000u32.encode(),
        );
        let long = call(
            &runtime,
            &mut storage,
            entries::BENCH_COMPUTE,
            &2_000u32.encode(),
        );
        assert_ne!(decode::<u64>(&short), decode::<u64>(&long));
    });
}

#[test]
fn host_api_script_runs_through_real_host_functions() {
    on_big_stack(|| {
        let runtime = load(CLASSIC);
        let mut storage = empty_storage();
        let long_value = vec![0xab; 300];
        let calls = vec![
            HostCall::StorageSet(b"key1".to_vec(), b"hello world".to_vec()),
            HostCall::StorageSet(b"key2".to_vec(), long_value.clone()),
            HostCall::StorageGet(b"key1".to_vec()),
            HostCall::StorageGet(b"key2".to_vec()),
            HostCall::StorageGet(b"absent".to_vec()),
            HostCall::StorageRead {
                key: b"key1".to_vec(),
                offset: 6,
                len: 3,
            },
            HostCall::StorageRead {
                key: b"absent".to_vec(),
                offset: 0,
                len: 3,
            },
            HostCall::StorageExists(b"key1".to_vec()),
            HostCall::StorageNextKey(b"key1".to_vec()),
            HostCall::Hash(HashAlgorithm::Twox128, b"abc".to_vec()),
            HostCall::Hash(HashAlgorithm::Blake2_256, b"abc".to_vec()),
            HostCall::StorageAppend(b"list".to_vec(), 5u32.encode()),
            HostCall::StorageAppend(b"list".to_vec(), 6u32.encode()),
            HostCall::StartTransaction,
            HostCall::StorageSet(b"key3".to_vec(), b"x".to_vec()),
            HostCall::RollbackTransaction,
            HostCall::StartTransaction,
            HostCall::StorageClear(b"key1".to_vec()),
            HostCall::CommitTransaction,
            HostCall::StorageExists(b"key1".to_vec()),
            HostCall::AllocatorRoundTrip(b"through the host allocator".to_vec()),
            HostCall::RuntimeVersion(CLASSIC_V2.to_vec()),
            HostCall::StorageRoot(Some(1)),
        ];
        let output = call(
            &runtime,
            &mut storage,
            entries::HOST_API_RUN,
            &calls.encode(),
        );
        let results: Vec<HostReturn> = decode(&output);
        assert_eq!(results.len(), calls.len());
        let expected_prefix = vec![
            HostReturn::Unit,
            HostReturn::Unit,
            HostReturn::OptionBytes(Some(b"hello world".to_vec())),
            HostReturn::OptionBytes(Some(long_value)),
            HostReturn::OptionBytes(None),
            HostReturn::Read {
                remaining: Some(5),
                data: b"wor".to_vec(),
            },
            HostReturn::Read {
                remaining: None,
                data: vec![],
            },
            HostReturn::Bool(true),
            HostReturn::OptionBytes(Some(b"key2".to_vec())),
            HostReturn::Bytes(twox_128(b"abc").to_vec()),
            HostReturn::Bytes(blake2_256(b"abc").to_vec()),
            HostReturn::Unit,
            HostReturn::Unit,
            HostReturn::Unit,
            HostReturn::Unit,
            HostReturn::Unit,
            HostReturn::Unit,
            HostReturn::Unit,
            HostReturn::Unit,
            HostReturn::Bool(false),
            HostReturn::Bytes(b"through the host allocator".to_vec()),
        ];
        assert_eq!(results[..expected_prefix.len()], expected_prefix[..]);
        match &results[expected_prefix.len()] {
            HostReturn::OptionBytes(Some(bytes)) => {
                let version = RuntimeVersion::decode(&mut &bytes[..]).expect("version decodes");
                assert_eq!(version.spec_version, 2);
            }
            other => panic!("runtime_version returned {other:?}"),
        }
        match &results[expected_prefix.len() + 1] {
            HostReturn::Bytes(root) => assert_eq!(root.len(), 32),
            other => panic!("storage_root returned {other:?}"),
        }
        assert_eq!(storage.get(b"list"), Some(vec![5u32, 6].encode()));
        assert_eq!(storage.get(b"key3"), None);
        assert_eq!(storage.get(b"key1"), None);
    });
}

#[test]
fn panics_and_bad_input_surface_the_runtime_message() {
    on_big_stack(|| {
        let runtime = load(CLASSIC);
        let mut storage = empty_storage();
        let error = runtime
            .call(
                &mut storage,
                entries::HOST_API_PANIC,
                &"boom".to_string().encode(),
            )
            .expect_err("the runtime panics");
        assert!(error.to_string().contains("boom"), "{error}");
        let error = runtime
            .call(&mut storage, entries::DEMO_EXECUTE_BLOCK, &[1, 2, 3])
            .expect_err("bad input");
        assert!(
            error
                .to_string()
                .contains("Bad input data provided to Demo_execute_block"),
            "{error}"
        );
    });
}

#[test]
fn exhausting_the_host_allocator_fails_the_call() {
    on_big_stack(|| {
        let runtime = load(CLASSIC);
        // One 40 MiB box: larger than the host allocator's 32 MiB maximum (abi.md §1).
        let params = AllocParams {
            boxes: 1,
            box_size: 40 << 20,
            vec_pushes: 0,
            map_entries: 0,
        };
        let error = runtime
            .call(
                &mut empty_storage(),
                entries::BENCH_ALLOC_HEAVY,
                &params.encode(),
            )
            .expect_err("allocation too large");
        assert!(
            error.to_string().contains("ext_allocator_malloc_version_1"),
            "{error}"
        );
    });
}

#[test]
fn upgrade_writes_code_that_loads_with_the_new_version() {
    on_big_stack(|| {
        let runtime = load(CLASSIC);
        let mut storage = empty_storage();
        call(
            &runtime,
            &mut storage,
            entries::UPGRADE_SET_CODE,
            &CLASSIC_V2.to_vec().encode(),
        );
        let code = storage.get(b":code").expect(":code written");
        assert_eq!(code, CLASSIC_V2);
        let upgraded = load(&code);
        assert_eq!(upgraded.version().expect("version").spec_version, 2);
        let output = call(&upgraded, &mut storage, entries::CORE_VERSION, &[]);
        assert_eq!(decode::<RuntimeVersion>(&output).spec_version, 2);
    });
}

/// What one pass over every entry point observed.
#[derive(Debug, PartialEq, Eq)]
struct Observed {
    /// Output bytes (or the error's text) of each call, in `entries::ALL` order.
    outputs: Vec<Result<Vec<u8>, String>>,
    /// The host allocator's statistics of each successful call (classic mode only).
    allocation_stats: Vec<Option<String>>,
    /// Storage changes after the last call.
    changes: subexec_executor::storage::StorageChanges,
}

/// Calls every entry point once, in order, on one storage.
fn every_entry(wasm: &'static [u8]) -> Observed {
    let runtime = load(wasm);
    let mut storage = empty_storage();
    let inputs = common::every_entry_inputs();
    let mut observed = Observed {
        outputs: Vec::new(),
        allocation_stats: Vec::new(),
        changes: Default::default(),
    };
    for (entry, input) in &inputs {
        match runtime.call(&mut storage, entry, input) {
            Ok(outcome) => {
                observed.outputs.push(Ok(outcome.output));
                observed
                    .allocation_stats
                    .push(Some(format!("{:?}", outcome.allocation_stats)));
            }
            Err(error) => {
                observed.outputs.push(Err(error.to_string()));
                observed.allocation_stats.push(None);
            }
        }
    }
    observed.changes = storage.changes();
    observed
}

#[test]
fn every_entry_is_deterministic_across_runs() {
    on_big_stack(|| {
        for wasm in [CLASSIC, CLASSIC_V2] {
            let first = every_entry(wasm);
            let second = every_entry(wasm);
            assert_eq!(first, second);
            let failures: Vec<&String> = first
                .outputs
                .iter()
                .filter_map(|result| result.as_ref().err())
                .collect();
            assert_eq!(failures.len(), 1, "only HostApi_panic fails: {failures:?}");
            assert!(failures[0].contains("stop"), "{}", failures[0]);
        }
    });
}
