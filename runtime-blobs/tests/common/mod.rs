//! Helpers shared by the integration tests.
#![allow(dead_code)]

use parity_scale_codec::Encode;
use subexec_runtime_blobs::api::{
    entries, AllocParams, Block, HashAlgorithm, HostCall, StorageParams, Transfer,
};

/// Runs `run` on a thread with a 256 MiB stack.
///
/// In the `dev`/`test` profiles wasmi's instruction handlers are not tail-called, so a long
/// call can exhaust the default 2 MiB test-thread stack on the host side (an executor
/// concern; see DEVELOPERS.md's pitfalls). These tests are about the runtime, not that.
pub fn on_big_stack<R: Send + 'static>(run: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(run)
        .expect("spawn")
        .join()
        .expect("test thread")
}

/// One call of every entry point, in `entries::ALL` order, with inputs whose results do not
/// depend on the ABI (no host allocator statistics, no classic-only host calls).
pub fn every_entry_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let (a, b, c) = ([9u8; 32], [8u8; 32], [7u8; 32]);
    let inputs = vec![
        (entries::CORE_VERSION, vec![]),
        (
            entries::DEMO_INITIALIZE,
            vec![(a, 500u128), (b, 3u128)].encode(),
        ),
        (
            entries::DEMO_EXECUTE_BLOCK,
            Block {
                number: 1,
                transfers: vec![
                    Transfer {
                        from: a,
                        to: b,
                        amount: 20,
                    },
                    Transfer {
                        from: b,
                        to: c,
                        amount: 4,
                    },
                    Transfer {
                        from: c,
                        to: a,
                        amount: 1,
                    },
                    Transfer {
                        from: a,
                        to: c,
                        amount: 300,
                    },
                ],
            }
            .encode(),
        ),
        (
            entries::BENCH_ALLOC_HEAVY,
            AllocParams {
                boxes: 150,
                box_size: 24,
                vec_pushes: 500,
                map_entries: 200,
            }
            .encode(),
        ),
        (
            entries::BENCH_STORAGE_POPULATE,
            // Larger than the guest's 64-byte first guess: exercises the second read.
            StorageParams {
                count: 8,
                value_size: 150,
            }
            .encode(),
        ),
        (
            entries::BENCH_STORAGE_READ,
            StorageParams {
                count: 10,
                value_size: 0,
            }
            .encode(),
        ),
        (entries::BENCH_COMPUTE, 500u32.encode()),
        (entries::HOST_API_RUN, portable_host_calls().encode()),
        (entries::HOST_API_PANIC, "stop".to_string().encode()),
        (entries::UPGRADE_SET_CODE, vec![0u8; 4].encode()),
    ];
    let names: Vec<&str> = inputs.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, entries::ALL, "every entry point is exercised");
    inputs
}

/// A `HostApi_run` script using only calls both ABIs support with the same meaning (child
/// roots with an explicit V1, the guest-allocator build's state version).
pub fn portable_host_calls() -> Vec<HostCall> {
    let long = vec![0x5a; 200];
    let child = b"child-one".to_vec();
    vec![
        HostCall::StorageSet(b"alpha".to_vec(), b"short".to_vec()),
        HostCall::StorageSet(b"beta".to_vec(), long),
        HostCall::StorageGet(b"alpha".to_vec()),
        HostCall::StorageGet(b"beta".to_vec()),
        HostCall::StorageGet(b"gamma".to_vec()),
        HostCall::StorageRead {
            key: b"beta".to_vec(),
            offset: 190,
            len: 32,
        },
        HostCall::StorageRead {
            key: b"alpha".to_vec(),
            offset: 9,
            len: 2,
        },
        HostCall::StorageRead {
            key: b"gamma".to_vec(),
            offset: 0,
            len: 2,
        },
        HostCall::StorageExists(b"alpha".to_vec()),
        HostCall::StorageExists(b"gamma".to_vec()),
        HostCall::StorageNextKey(b"alpha".to_vec()),
        HostCall::StorageNextKey(b"beta".to_vec()),
        HostCall::StorageSet(vec![0xfe; 90], b"long key".to_vec()),
        HostCall::StorageNextKey(vec![0xfd]),
        HostCall::StorageAppend(b"list".to_vec(), 1u16.encode()),
        HostCall::StorageAppend(b"list".to_vec(), 2u16.encode()),
        HostCall::StorageGet(b"list".to_vec()),
        HostCall::StartTransaction,
        HostCall::StorageSet(b"delta".to_vec(), b"gone".to_vec()),
        HostCall::StartTransaction,
        HostCall::StorageClear(b"alpha".to_vec()),
        HostCall::CommitTransaction,
        HostCall::RollbackTransaction,
        HostCall::StorageGet(b"delta".to_vec()),
        HostCall::StorageGet(b"alpha".to_vec()),
        HostCall::StorageSet(b"pre-1".to_vec(), vec![1]),
        HostCall::StorageSet(b"pre-2".to_vec(), vec![2]),
        HostCall::StorageClearPrefix(b"pre-".to_vec()),
        HostCall::StorageExists(b"pre-1".to_vec()),
        HostCall::Hash(HashAlgorithm::Keccak256, b"data".to_vec()),
        HostCall::Hash(HashAlgorithm::Sha2_256, b"data".to_vec()),
        HostCall::Hash(HashAlgorithm::Blake2_128, b"data".to_vec()),
        HostCall::Hash(HashAlgorithm::Blake2_256, b"data".to_vec()),
        HostCall::Hash(HashAlgorithm::Twox64, b"data".to_vec()),
        HostCall::Hash(HashAlgorithm::Twox128, b"data".to_vec()),
        HostCall::Hash(HashAlgorithm::Twox256, b"data".to_vec()),
        HostCall::TrieRoot {
            entries: vec![
                (b"k".to_vec(), b"v".to_vec()),
                (b"k2".to_vec(), vec![3; 40]),
            ],
            version: Some(1),
        },
        HostCall::TrieOrderedRoot {
            values: vec![b"a".to_vec(), b"b".to_vec()],
            version: Some(0),
        },
        HostCall::AllocatorRoundTrip(b"copied".to_vec()),
        HostCall::Log {
            level: 2,
            target: b"test".to_vec(),
            message: b"hello".to_vec(),
        },
        HostCall::PrintNum(42),
        HostCall::PrintUtf8(b"text".to_vec()),
        HostCall::PrintHex(vec![1, 2]),
        HostCall::ChildSet(child.clone(), b"ck".to_vec(), b"cv".to_vec()),
        HostCall::ChildSet(child.clone(), b"cl".to_vec(), vec![0x33; 100]),
        HostCall::ChildGet(child.clone(), b"cl".to_vec()),
        HostCall::ChildRead {
            storage_key: child.clone(),
            key: b"ck".to_vec(),
            offset: 1,
            len: 4,
        },
        HostCall::ChildNextKey(child.clone(), b"ck".to_vec()),
        HostCall::ChildRoot(child.clone(), Some(1)),
        HostCall::ChildClearPrefixLimit {
            storage_key: child.clone(),
            prefix: b"cl".to_vec(),
            limit: Some(1),
        },
        HostCall::ChildKillLimit {
            storage_key: b"child-three".to_vec(),
            limit: None,
            kill_result: true,
        },
        HostCall::ChildExists(child.clone(), b"ck".to_vec()),
        HostCall::ChildClear(child.clone(), b"ck".to_vec()),
        HostCall::ChildExists(child.clone(), b"ck".to_vec()),
        HostCall::ChildSet(child.clone(), b"p1".to_vec(), b"x".to_vec()),
        HostCall::ChildClearPrefix(child.clone(), b"p".to_vec()),
        HostCall::ChildExists(child.clone(), b"p1".to_vec()),
        HostCall::ChildSet(b"child-two".to_vec(), b"k".to_vec(), b"v".to_vec()),
        HostCall::ChildKill(b"child-two".to_vec()),
        HostCall::StorageSet(b"lim-1".to_vec(), vec![1]),
        HostCall::StorageSet(b"lim-2".to_vec(), vec![2]),
        HostCall::StorageClearPrefixLimit {
            prefix: b"lim-".to_vec(),
            limit: Some(1),
        },
        HostCall::StorageClearPrefixLimit {
            prefix: b"lim-".to_vec(),
            limit: None,
        },
        HostCall::RuntimeVersion(subexec_runtime_blobs::CLASSIC_V2.to_vec()),
        HostCall::RuntimeVersion(b"not wasm".to_vec()),
        HostCall::LogMaxLevel,
        HostCall::StorageRoot(Some(1)),
    ]
}
