//! Behaviour of individual host functions through the wire ABI: encodings, limits, traps,
//! transactions, and the `sp-state-machine` quirks subexec reproduces.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{Guest, HEAP_BASE};
use parity_scale_codec::{Decode, Encode};
use subexec_allocator::{Memory, VecMemory};
use subexec_host_functions::storage::trie_root::{empty_trie_root, trie_root};
use subexec_host_functions::storage::{InMemoryBackend, StorageMap, TrieId};
use subexec_host_functions::{
    HostErrorCause, HostFunction as F, HostState, ReadRuntimeVersion, StateVersion, StorageState,
    Value,
};

fn backend(pairs: &[(&[u8], &[u8])]) -> Arc<InMemoryBackend> {
    let top: StorageMap = pairs
        .iter()
        .map(|(k, v)| (k.to_vec(), v.to_vec()))
        .collect();
    Arc::new(InMemoryBackend::from_top(top))
}

fn guest(pairs: &[(&[u8], &[u8])]) -> Guest {
    Guest::with_backend(backend(pairs))
}

impl Guest {
    fn get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        let k = self.put(key);
        let r = self.ok(F::StorageGetV1, &[k]);
        Option::<Vec<u8>>::decode(&mut &self.fat(r)[..]).unwrap()
    }
    fn set(&mut self, key: &[u8], value: &[u8]) {
        let (k, v) = (self.put(key), self.put(value));
        self.ok(F::StorageSetV1, &[k, v]);
    }
    fn root(&mut self) -> Vec<u8> {
        let r = self.ok(F::StorageRootV1, &[]);
        self.fat(r)
    }
    fn child_set(&mut self, child: &[u8], key: &[u8], value: &[u8]) {
        let (c, k, v) = (self.put(child), self.put(key), self.put(value));
        self.ok(F::DefaultChildStorageSetV1, &[c, k, v]);
    }
    fn child_root(&mut self, child: &[u8]) -> Vec<u8> {
        let c = self.put(child);
        let r = self.ok(F::DefaultChildStorageRootV1, &[c]);
        self.fat(r)
    }
    fn limit(&mut self, limit: Option<u32>) -> Value {
        self.put(&limit.encode())
    }
}

#[test]
fn get_allocates_option_even_for_none() {
    let mut g = guest(&[(b"k", b"value")]);
    let k = g.put(b"missing");
    let r = g.ok(F::StorageGetV1, &[k]);
    assert_eq!(g.fat(r), vec![0]);
    let k = g.put(b"k");
    let r = g.ok(F::StorageGetV1, &[k]);
    assert_eq!(g.fat(r), Some(b"value".to_vec()).encode());
}

#[test]
fn read_copies_from_offset_and_reports_remaining() {
    let mut g = guest(&[(b"k", b"0123456789")]);
    let out = g.put(&[0xee; 4]);
    let k = g.put(b"k");
    let r = g.ok(F::StorageReadV1, &[k, out, Value::I32(3)]);
    assert_eq!(g.fat(r), Some(7u32).encode());
    assert_eq!(g.fat(Some(out)), b"3456");
    // Offset past the end: Some(0), buffer untouched.
    let k = g.put(b"k");
    let r = g.ok(F::StorageReadV1, &[k, out, Value::I32(50)]);
    assert_eq!(g.fat(r), Some(0u32).encode());
    assert_eq!(g.fat(Some(out)), b"3456");
    // Absent key: None; the buffer must still be in bounds.
    let k = g.put(b"nope");
    let r = g.ok(F::StorageReadV1, &[k, out, Value::I32(0)]);
    assert_eq!(g.fat(r), vec![0]);
    let k = g.put(b"nope");
    let bad = Value::I64(((8u64 << 32) | u64::from(u32::MAX - 3)) as i64);
    let err = g
        .call(F::StorageReadV1, &[k, bad, Value::I32(0)])
        .unwrap_err();
    assert_eq!(err.function, "ext_storage_read_version_1");
    assert!(
        matches!(err.cause, HostErrorCause::OutOfBounds { .. }),
        "{err}"
    );
}

#[test]
fn errors_name_the_function_and_the_cause() {
    let mut g = guest(&[]);
    let past_end = Value::I64(((16u64 << 32) | (2 * 65536 - 8)) as i64);
    let err = g.call(F::StorageGetV1, &[past_end]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("ext_storage_get_version_1: memory access out of bounds"),
        "{err}"
    );
    let err = g.call(F::StorageGetV1, &[Value::I32(0)]).unwrap_err();
    assert!(matches!(
        err.cause,
        HostErrorCause::ArgumentType { index: 0, .. }
    ));
    let err = g.call(F::StorageGetV1, &[]).unwrap_err();
    assert!(matches!(
        err.cause,
        HostErrorCause::ArgumentCount {
            expected: 1,
            got: 0
        }
    ));

    let mut small = Guest {
        state: HostState::new(HEAP_BASE, StorageState::new(backend(&[]))),
        memory: VecMemory::fixed(1),
    };
    let err = small
        .call(F::AllocatorMallocV1, &[Value::I32(1 << 20)])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ext_allocator_malloc_version_1: Failed to allocate memory: \"Allocator ran out of space\""
    );
}

#[test]
fn bad_scale_and_bad_versions_trap() {
    let mut g = guest(&[]);
    let p = g.put(b"p");
    let bad_limit = g.put(&[2]);
    let err = g
        .call(F::StorageClearPrefixV2, &[p, bad_limit])
        .unwrap_err();
    assert!(
        matches!(
            err.cause,
            HostErrorCause::Decode {
                what: "Option<u32>",
                ..
            }
        ),
        "{err}"
    );
    let err = g.call(F::StorageRootV2, &[Value::I32(3)]).unwrap_err();
    assert_eq!(err.cause, HostErrorCause::InvalidStateVersion(3));
    // `PassAs<StateVersion, u8>` truncates: 256 is 0 (V0), 258 is 2 (V1).
    let mut big = guest(&[(b"big", &[1; 40])]);
    let v0 = big
        .state
        .storage()
        .try_root(StateVersion::V0)
        .unwrap()
        .to_vec();
    let v1 = big
        .state
        .storage()
        .try_root(StateVersion::V1)
        .unwrap()
        .to_vec();
    assert_ne!(v0, v1);
    for (arg, expected) in [(256, &v0), (0, &v0), (258, &v1), (1, &v1), (2, &v1)] {
        let r = big.ok(F::StorageRootV2, &[Value::I32(arg)]);
        assert_eq!(&big.fat(r), expected, "version argument {arg}");
    }
    let garbage = g.put(&[0xff, 0xff, 0xff, 0xff, 0xff]);
    let err = g.call(F::TrieBlake2256RootV1, &[garbage]).unwrap_err();
    assert!(matches!(err.cause, HostErrorCause::Decode { .. }), "{err}");
}

#[test]
fn clear_prefix_v2_counts_and_limits() {
    let pairs: &[(&[u8], &[u8])] = &[(b"pa", b"1"), (b"pb", b"2"), (b"pc", b"3"), (b"q", b"4")];
    let mut g = guest(pairs);
    g.set(b"pz", b"overlay");
    let (p, l) = (g.put(b"p"), g.limit(Some(2)));
    let r = g.ok(F::StorageClearPrefixV2, &[p, l]);
    // Some remaining, 2 backend keys visited.
    assert_eq!(g.fat(r), vec![1, 2, 0, 0, 0]);
    assert_eq!(g.get(b"pa"), None);
    assert_eq!(g.get(b"pb"), None);
    assert_eq!(g.get(b"pc"), Some(b"3".to_vec()));
    assert_eq!(g.get(b"pz"), None);
    // No limit: every backend key is visited again (the overlay deletions count as loops).
    let (p, l) = (g.put(b"p"), g.limit(None));
    let r = g.ok(F::StorageClearPrefixV2, &[p, l]);
    assert_eq!(g.fat(r), vec![0, 3, 0, 0, 0]);
    assert_eq!(g.get(b"pc"), None);
    assert_eq!(g.get(b"q"), Some(b"4".to_vec()));
    // Limit 0 with keys left: nothing removed from the backend, some remaining.
    let mut g = guest(pairs);
    let (p, l) = (g.put(b"q"), g.limit(Some(0)));
    let r = g.ok(F::StorageClearPrefixV2, &[p, l]);
    assert_eq!(g.fat(r), vec![1, 0, 0, 0, 0]);
    assert_eq!(g.get(b"q"), Some(b"4".to_vec()));
}

#[test]
fn child_storage_keys_are_protected_in_the_main_trie() {
    let mut g = guest(&[(b":child_storage:default:x", &[9; 32]), (b"a", b"1")]);
    g.set(b":child_storage:default:x", b"evil");
    assert_eq!(g.get(b":child_storage:default:x"), Some(vec![9; 32]));
    let k = g.put(b":child_storage:default:x");
    g.ok(F::StorageClearV1, &[k]);
    assert_eq!(g.get(b":child_storage:default:x"), Some(vec![9; 32]));
    // The empty prefix and prefixes of ":child_storage:" remove nothing.
    for prefix in [&b""[..], b":child", b":child_storage:default:"] {
        let (p, l) = (g.put(prefix), g.limit(None));
        let r = g.ok(F::StorageClearPrefixV2, &[p, l]);
        assert_eq!(g.fat(r), vec![0, 0, 0, 0, 0]);
    }
    assert_eq!(g.get(b"a"), Some(b"1".to_vec()));
}

#[test]
fn append_edge_cases_through_the_wire() {
    let mut g = guest(&[(b"bad", &[0xff, 0xff]), (b"good", &[4, 0xaa])]);
    for (key, expected) in [
        (&b"bad"[..], vec![4u8, 7]),
        (b"good", vec![8, 0xaa, 7]),
        (b"new", vec![4, 7]),
    ] {
        let (k, v) = (g.put(key), g.put(&[7]));
        g.ok(F::StorageAppendV1, &[k, v]);
        assert_eq!(
            g.get(key),
            Some(expected),
            "{}",
            String::from_utf8_lossy(key)
        );
    }
    // Append after clear starts a new vector.
    let k = g.put(b"good");
    g.ok(F::StorageClearV1, &[k]);
    let (k, v) = (g.put(b"good"), g.put(&[1, 2]));
    g.ok(F::StorageAppendV1, &[k, v]);
    assert_eq!(g.get(b"good"), Some(vec![4, 1, 2]));
}

#[test]
fn runtime_transactions_nest_and_cannot_close_client_ones() {
    let mut storage = StorageState::new(backend(&[(b"a", b"0")]));
    storage.start_transaction();
    storage.set(TrieId::Main, b"client", Some(b"c".to_vec()));
    let mut g = Guest {
        state: HostState::new(HEAP_BASE, storage),
        memory: VecMemory::new(2, Some(10)),
    };
    let err = g.call(F::StorageCommitTransactionV1, &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ext_storage_commit_transaction_version_1: No open transaction that can be committed."
    );
    let err = g.call(F::StorageRollbackTransactionV1, &[]).unwrap_err();
    assert_eq!(err.cause, HostErrorCause::NoTransactionToRollback);

    g.ok(F::StorageStartTransactionV1, &[]);
    g.set(b"a", b"1");
    g.ok(F::StorageStartTransactionV1, &[]);
    g.set(b"a", b"2");
    g.ok(F::StorageRollbackTransactionV1, &[]);
    assert_eq!(g.get(b"a"), Some(b"1".to_vec()));
    g.ok(F::StorageCommitTransactionV1, &[]);
    assert_eq!(g.get(b"a"), Some(b"1".to_vec()));
    // Left open at the end of the call: rolled back by `finish`.
    g.ok(F::StorageStartTransactionV1, &[]);
    g.set(b"a", b"3");
    g.set(b"b", b"new");
    let mut storage = g.state.finish();
    assert_eq!(storage.get(b"a"), Some(b"1".to_vec()));
    assert_eq!(storage.get(b"b"), None);
    // The client's transaction is still open and the client may close it.
    assert_eq!(storage.overlay().transaction_depth(), 1);
    storage.rollback_transaction().unwrap();
    assert_eq!(storage.get(b"client"), None);
    assert_eq!(storage.get(b"a"), Some(b"0".to_vec()));
}

#[test]
fn next_key_merges_overlay_and_backend() {
    let mut g = guest(&[(b"a", b""), (b"b", b""), (b"c", b""), (b"e", b"")]);
    let k = g.put(b"b");
    g.ok(F::StorageClearV1, &[k]);
    let k = g.put(b"c");
    g.ok(F::StorageClearV1, &[k]);
    g.set(b"d", b"");
    let next = |g: &mut Guest, key: &[u8]| {
        let k = g.put(key);
        let r = g.ok(F::StorageNextKeyV1, &[k]);
        Option::<Vec<u8>>::decode(&mut &g.fat(r)[..]).unwrap()
    };
    assert_eq!(next(&mut g, b""), Some(b"a".to_vec()));
    assert_eq!(next(&mut g, b"a"), Some(b"d".to_vec()));
    assert_eq!(next(&mut g, b"d"), Some(b"e".to_vec()));
    assert_eq!(next(&mut g, b"e"), None);
}

#[test]
fn child_tries_kill_and_roots() {
    let mut children = BTreeMap::new();
    let child: StorageMap = [
        (b"k1".to_vec(), b"v1".to_vec()),
        (b"k2".to_vec(), b"v2".to_vec()),
    ]
    .into();
    children.insert(b"c".to_vec(), child.clone());
    let backend = Arc::new(InMemoryBackend::new(
        StorageMap::new(),
        children,
        StateVersion::V0,
    ));
    let mut g = Guest::with_backend(backend);
    let expected_root = trie_root(StateVersion::V0, &child);
    // Unchanged child: the root stored in the main trie.
    assert_eq!(g.child_root(b"c"), expected_root.to_vec());
    assert_eq!(g.child_root(b"absent"), empty_trie_root().to_vec());
    // storage_kill v3 with limit 1: one visited, some remaining.
    let (c, l) = (g.put(b"c"), g.limit(Some(1)));
    let r = g.ok(F::DefaultChildStorageStorageKillV3, &[c, l]);
    assert_eq!(g.fat(r), vec![1, 1, 0, 0, 0]);
    // v2: bool all removed.
    let (c, l) = (g.put(b"c"), g.limit(None));
    let r = g.ok(F::DefaultChildStorageStorageKillV2, &[c, l]);
    assert_eq!(Guest::i32(r), 1);
    // The child is now empty: its root is the empty root and its main-trie entry is deleted.
    assert_eq!(g.child_root(b"c"), empty_trie_root().to_vec());
    assert_eq!(g.get(b":child_storage:default:c"), None);
    g.child_set(b"c", b"k", b"v");
    let root = g.child_root(b"c");
    let expected: StorageMap = [(b"k".to_vec(), b"v".to_vec())].into();
    assert_eq!(root, trie_root(StateVersion::V0, &expected).to_vec());
    // Computing the child root wrote it into the main trie's overlay.
    assert_eq!(g.get(b":child_storage:default:c"), Some(root.clone()));
    let changes = g.state.storage().changes();
    assert_eq!(
        changes.main.get(&b":child_storage:default:c"[..]),
        Some(&Some(root))
    );
    assert_eq!(
        changes.children[&b"c".to_vec()].get(&b"k"[..]),
        Some(&Some(b"v".to_vec()))
    );
}

#[test]
fn root_cache_quirks_of_sp_state_machine_are_reproduced() {
    // After a main root, `child_storage_root` answers from the main trie even if the child
    // changed, and `append` does not invalidate the cached main root (sp-state-machine 0.54).
    let mut g = guest(&[(b"a", b"1")]);
    g.child_set(b"c", b"k", b"v");
    let main = g.root();
    assert_eq!(g.child_root(b"c"), empty_trie_root().to_vec());
    let (k, v) = (g.put(b"list"), g.put(&[1]));
    g.ok(F::StorageAppendV1, &[k, v]);
    assert_eq!(g.root(), main);
    // Any set invalidates the cache.
    g.set(b"a", b"2");
    assert_ne!(g.root(), main);
    let fresh = g.state.storage().try_root(StateVersion::V0).unwrap();
    assert_eq!(g.root(), fresh.to_vec());
}

struct FakeReader;

impl ReadRuntimeVersion for FakeReader {
    fn read_runtime_version(&self, wasm: &[u8]) -> Result<Vec<u8>, String> {
        match wasm {
            b"good" => Ok(vec![0xde_u8, 0xad]),
            _ => Err("not a runtime".into()),
        }
    }
}

#[test]
fn runtime_version_uses_the_registered_reader() {
    let mut g = guest(&[]);
    let w = g.put(b"good");
    let err = g.call(F::MiscRuntimeVersionV1, &[w]).unwrap_err();
    assert_eq!(err.cause, HostErrorCause::NoRuntimeVersionReader);
    let mut g = guest(&[]);
    let state = std::mem::replace(
        &mut g.state,
        HostState::new(HEAP_BASE, StorageState::new(backend(&[]))),
    );
    g.state = state.with_runtime_version_reader(Arc::new(FakeReader));
    let w = g.put(b"good");
    let r = g.ok(F::MiscRuntimeVersionV1, &[w]);
    assert_eq!(g.fat(r), Some(vec![0xde_u8, 0xad]).encode());
    let w = g.put(b"bad");
    let r = g.ok(F::MiscRuntimeVersionV1, &[w]);
    assert_eq!(g.fat(r), vec![0]);
}

#[test]
fn panic_logging_and_printing() {
    let mut g = guest(&[]);
    let m = g.put("boom ✓".as_bytes());
    assert_eq!(g.ok(F::PanicHandlerAbortOnPanicV1, &[m]), None);
    assert_eq!(g.state.panic_message(), Some("boom ✓"));
    let m = g.put(&[0xff]);
    let err = g.call(F::PanicHandlerAbortOnPanicV1, &[m]).unwrap_err();
    assert_eq!(
        err.cause,
        HostErrorCause::InvalidUtf8 {
            what: "panic message"
        }
    );

    let (t, m) = (g.put(b"target"), g.put(&[0xff]));
    // A non-UTF-8 message is dropped; a non-UTF-8 target or a bad level traps.
    g.ok(F::LoggingLogV1, &[Value::I32(2), t, m]);
    let err = g.call(F::LoggingLogV1, &[Value::I32(5), t, m]).unwrap_err();
    assert_eq!(err.cause, HostErrorCause::InvalidLogLevel(5));
    let err = g.call(F::LoggingLogV1, &[Value::I32(0), m, t]).unwrap_err();
    assert_eq!(
        err.cause,
        HostErrorCause::InvalidUtf8 { what: "log target" }
    );
    log::set_max_level(log::LevelFilter::Info);
    assert_eq!(Guest::i32(g.ok(F::LoggingMaxLevelV1, &[])), 3);

    g.ok(F::MiscPrintNumV1, &[Value::I64(-1)]);
    g.ok(F::MiscPrintUtf8V1, &[m]);
    g.ok(F::MiscPrintHexV1, &[m]);
}

#[test]
fn results_are_allocated_in_call_order() {
    // Hash results come from the same allocator as malloc: a fresh state hands out the same
    // pointers for the same sequence of sizes.
    let mut a = guest(&[]);
    let mut b = guest(&[]);
    let data = a.put(b"abc");
    b.put(b"abc");
    let ptr_a = Guest::i32(a.ok(F::HashingBlake2256V1, &[data]));
    let ptr_b = Guest::i32(b.ok(F::AllocatorMallocV1, &[Value::I32(32)]));
    assert_eq!(ptr_a, ptr_b);
    assert_eq!(
        a.state.allocator_stats().bytes_allocated,
        b.state.allocator_stats().bytes_allocated
    );
    let mut memory = VecMemory::new(2, None);
    let mut state = HostState::new(HEAP_BASE, StorageState::new(backend(&[])));
    let input = state.allocate(&mut memory, 0).unwrap();
    assert_eq!(input, HEAP_BASE + 8);
    assert!(memory.pages() >= 2);
}
