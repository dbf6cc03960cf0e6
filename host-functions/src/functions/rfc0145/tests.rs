//! The RFC-0145 functions through the wire ABI on a `VecMemory`.

use std::sync::Arc;

use parity_scale_codec::Encode;
use sp_wasm_interface::Value;
use subexec_allocator::VecMemory;

use super::decode_optional;
use crate::memory_access::pack_ptr_len;
use crate::storage::{InMemoryBackend, StorageMap, TrieId};
use crate::{
    invoke, HostError, HostErrorCause, HostFunction as F, HostMode, HostState, ReadRuntimeVersion,
    StateVersion, StorageState,
};

/// A guest-allocator call in progress: memory, host state and a bump pointer for buffers.
struct Guest {
    memory: VecMemory,
    state: HostState,
    next: u32,
}

const FILL: u8 = 0xAA;

impl Guest {
    fn new(pairs: &[(&[u8], &[u8])], input: &[u8]) -> Self {
        let top: StorageMap = pairs
            .iter()
            .map(|(k, v)| (k.to_vec(), v.to_vec()))
            .collect();
        let storage = StorageState::new(Arc::new(InMemoryBackend::from_top(top)));
        Guest {
            memory: VecMemory::fixed(1),
            state: HostState::new_guest(storage, input.to_vec()),
            next: 16,
        }
    }

    /// Copies `bytes` in; returns a fat pointer.
    fn put(&mut self, bytes: &[u8]) -> Value {
        let ptr = self.next;
        self.memory.data[ptr as usize..ptr as usize + bytes.len()].copy_from_slice(bytes);
        self.next += bytes.len() as u32 + 8;
        Value::I64(pack_ptr_len(ptr, bytes.len() as u32))
    }

    /// A buffer of `len` bytes filled with `FILL`; returns its fat pointer.
    fn buf(&mut self, len: u32) -> Value {
        self.put(&vec![FILL; len as usize])
    }

    /// The pointer part of a fat pointer, as an `i32` argument.
    fn ptr(fat: Value) -> Value {
        match fat {
            Value::I64(v) => Value::I32(v as i32),
            other => other,
        }
    }

    fn read(&self, fat: Value) -> Vec<u8> {
        let Value::I64(v) = fat else {
            panic!("not a fat pointer")
        };
        let (ptr, len) = crate::memory_access::unpack_ptr_len(v);
        self.memory.data[ptr as usize..(ptr + len) as usize].to_vec()
    }

    fn call(&mut self, f: F, args: &[Value]) -> Result<Option<Value>, HostError> {
        invoke(f, &mut self.state, &mut self.memory, args)
    }

    fn ok(&mut self, f: F, args: &[Value]) -> Option<Value> {
        self.call(f, args).unwrap_or_else(|e| panic!("{e}"))
    }

    fn cause(&mut self, f: F, args: &[Value]) -> HostErrorCause {
        let error = self.call(f, args).expect_err("the call must abort");
        assert_eq!(error.function, f.name());
        error.cause
    }
}

/// An RFC-0145 optional integer argument: −1 for `None`.
fn optional_integer(value: Option<u32>) -> Value {
    Value::I64(value.map_or(-1, i64::from))
}

fn out_of_range() -> Value {
    // 16 bytes starting 8 bytes before the end of the 1-page memory.
    Value::I64(pack_ptr_len(65_536 - 8, 16))
}

#[test]
fn optional_integers_decode_as_the_rfc_defines() {
    assert_eq!(decode_optional(-1), Ok(None));
    assert_eq!(decode_optional(0), Ok(Some(0)));
    assert_eq!(decode_optional(0xFFFF_FFFF), Ok(Some(u32::MAX)));
    for bad in [-2, i64::MIN, 1 << 32, i64::MAX] {
        assert_eq!(
            decode_optional(bad),
            Err(HostErrorCause::InvalidOptionalInteger(bad))
        );
    }
}

#[test]
fn input_is_delivered_once_into_a_large_enough_buffer() {
    let mut g = Guest::new(&[], b"hello input");
    let small = g.buf(5);
    assert_eq!(
        g.cause(F::InputReadV1, &[small]),
        HostErrorCause::BufferTooSmall {
            what: "input buffer",
            needed: 11,
            got: 5
        }
    );
    assert_eq!(g.read(small), vec![FILL; 5], "nothing written");
    let exact = g.buf(11);
    assert_eq!(g.ok(F::InputReadV1, &[exact]), None);
    assert_eq!(g.read(exact), b"hello input");
    let again = g.buf(11);
    assert_eq!(
        g.cause(F::InputReadV1, &[again]),
        HostErrorCause::InputAlreadyRead
    );
    let mut g = Guest::new(&[], b"x");
    assert!(matches!(
        g.cause(F::InputReadV1, &[out_of_range()]),
        HostErrorCause::OutOfBounds { .. }
    ));
}

#[test]
fn storage_read_v2_returns_the_full_length_and_writes_only_if_it_fits() {
    let mut g = Guest::new(&[(b"key", b"0123456789")], b"");
    let key = g.put(b"key");
    let absent = g.put(b"nope");

    let out = g.buf(4);
    let read = |g: &mut Guest, key, out, offset: i32, partial: i32| {
        g.ok(
            F::StorageReadV2,
            &[key, out, Value::I32(offset), Value::I32(partial)],
        )
    };
    assert_eq!(read(&mut g, absent, out, 0, 1), Some(Value::I64(-1)));
    assert_eq!(g.read(out), vec![FILL; 4]);
    // Too small, no partial write: full length, buffer unchanged.
    assert_eq!(read(&mut g, key, out, 0, 0), Some(Value::I64(10)));
    assert_eq!(g.read(out), vec![FILL; 4]);
    // Partial writes allowed (any non-zero value is true).
    assert_eq!(read(&mut g, key, out, 0, 7), Some(Value::I64(10)));
    assert_eq!(g.read(out), b"0123");
    // The length counts from the offset.
    let big = g.buf(16);
    assert_eq!(read(&mut g, key, big, 6, 0), Some(Value::I64(4)));
    assert_eq!(&g.read(big)[..5], b"6789\xAA");
    // Offset past the end: present, zero bytes.
    assert_eq!(read(&mut g, key, big, 11, 0), Some(Value::I64(0)));
    // An out-of-range buffer aborts even when the key is absent.
    assert!(matches!(
        g.cause(
            F::StorageReadV2,
            &[absent, out_of_range(), Value::I32(0), Value::I32(0)]
        ),
        HostErrorCause::OutOfBounds { .. }
    ));
}

#[test]
fn next_key_v2_returns_the_full_length_and_writes_only_if_it_fits() {
    let mut g = Guest::new(&[(b"a", b"1"), (b"bcdef", b"2")], b"");
    let a = g.put(b"a");
    let last = g.put(b"bcdef");
    let small = g.buf(2);
    assert_eq!(g.ok(F::StorageNextKeyV2, &[a, small]), Some(Value::I32(5)));
    assert_eq!(g.read(small), vec![FILL; 2]);
    let big = g.buf(8);
    assert_eq!(g.ok(F::StorageNextKeyV2, &[a, big]), Some(Value::I32(5)));
    assert_eq!(&g.read(big)[..5], b"bcdef");
    assert_eq!(g.ok(F::StorageNextKeyV2, &[last, big]), Some(Value::I32(0)));
    assert!(matches!(
        g.cause(F::StorageNextKeyV2, &[last, out_of_range()]),
        HostErrorCause::OutOfBounds { .. }
    ));
}

#[test]
fn storage_root_v3_uses_the_runtimes_state_version_and_needs_32_bytes() {
    let long = vec![7u8; 40];
    let pairs: [(&[u8], &[u8]); 1] = [(b"k", &long)];
    for version in [StateVersion::V0, StateVersion::V1] {
        let mut g = Guest::new(&pairs, b"");
        g.state = HostState::new_guest(g.state.finish(), vec![]).with_state_version(version);
        let out = g.buf(32);
        assert_eq!(g.ok(F::StorageRootV3, &[out]), None);
        assert_eq!(g.read(out), g.state.storage().root(version).to_vec());
    }
    // V0 and V1 differ for a value of 40 bytes: the version really was applied.
    let v0 = Guest::new(&pairs, b"")
        .state
        .storage()
        .root(StateVersion::V0);
    let v1 = Guest::new(&pairs, b"")
        .state
        .storage()
        .root(StateVersion::V1);
    assert_ne!(v0, v1);
    let mut g = Guest::new(&pairs, b"");
    let short = g.buf(31);
    assert_eq!(
        g.cause(F::StorageRootV3, &[short]),
        HostErrorCause::BufferTooSmall {
            what: "storage root",
            needed: 32,
            got: 31
        }
    );
}

#[test]
fn hashing_v2_writes_the_digest_at_the_pointer() {
    let mut g = Guest::new(&[], b"");
    let data = g.put(b"System");
    let out = g.buf(16);
    assert_eq!(g.ok(F::HashingTwox128V2, &[data, Guest::ptr(out)]), None);
    // twox_128("System"), the well-known FRAME pallet prefix.
    assert_eq!(hex::encode(g.read(out)), "26aa394eea5630e07c48ae0c9558cef7");
    assert!(matches!(
        g.cause(F::HashingBlake2256V2, &[data, Value::I32(65_536 - 31)]),
        HostErrorCause::OutOfBounds { .. }
    ));
}

#[test]
fn trie_roots_v3_equal_the_classic_roots() {
    let pairs = vec![
        (b"k".to_vec(), b"v".to_vec()),
        (b"k2".to_vec(), vec![3; 40]),
    ];
    let values = vec![b"a".to_vec(), b"b".to_vec()];
    for version in [0, 1] {
        let mut g = Guest::new(&[], b"");
        let input = g.put(&pairs.encode());
        let out = g.buf(32);
        g.ok(
            F::TrieBlake2256RootV3,
            &[input, Value::I32(version), Guest::ptr(out)],
        );
        let ordered_input = g.put(&values.encode());
        let ordered_out = g.buf(32);
        g.ok(
            F::TrieBlake2256OrderedRootV3,
            &[ordered_input, Value::I32(version), Guest::ptr(ordered_out)],
        );

        let mut memory = VecMemory::fixed(1);
        let mut classic = HostState::new(
            0,
            crate::storage::StorageState::new(Arc::new(InMemoryBackend::default())),
        );
        memory.data[..g.next as usize].copy_from_slice(&g.memory.data[..g.next as usize]);
        let root_ptr = |v: Option<Value>| match v {
            Some(Value::I32(p)) => p as usize,
            other => panic!("{other:?}"),
        };
        let classic_root = root_ptr(
            invoke(
                F::TrieBlake2256RootV2,
                &mut classic,
                &mut memory,
                &[input, Value::I32(version)],
            )
            .unwrap(),
        );
        assert_eq!(
            memory.data[classic_root..classic_root + 32],
            g.read(out)[..]
        );
        let classic_ordered = root_ptr(
            invoke(
                F::TrieBlake2256OrderedRootV2,
                &mut classic,
                &mut memory,
                &[ordered_input, Value::I32(version)],
            )
            .unwrap(),
        );
        assert_eq!(
            memory.data[classic_ordered..classic_ordered + 32],
            g.read(ordered_out)[..]
        );
    }
}

/// `(cursor length, counters)` of one `clear_prefix` version 3 call.
fn clear_prefix(
    g: &mut Guest,
    prefix: &[u8],
    limit: Option<u32>,
    cursor: Option<&[u8]>,
) -> (i32, [u32; 3], Vec<u8>) {
    let prefix = g.put(prefix);
    let limit = optional_integer(limit);
    let cursor_in = match cursor {
        Some(c) => g.put(c),
        None => Value::I64(-1),
    };
    let cursor_out = g.buf(64);
    let counters = g.buf(12);
    let Some(Value::I32(len)) = g.ok(
        F::StorageClearPrefixV3,
        &[prefix, limit, cursor_in, cursor_out, Guest::ptr(counters)],
    ) else {
        panic!("i32 result")
    };
    let raw = g.read(counters);
    let counts = [0, 1, 2].map(|i| u32::from_le_bytes(raw[i * 4..i * 4 + 4].try_into().unwrap()));
    let cursor = g.read(cursor_out)[..len as usize].to_vec();
    (len, counts, cursor)
}

#[test]
fn clear_prefix_v3_progresses_with_its_cursor() {
    let pairs: [(&[u8], &[u8]); 4] = [(b"p1", b"1"), (b"p2", b"2"), (b"p3", b"3"), (b"q", b"4")];
    let mut g = Guest::new(&pairs, b"");
    g.state.storage.set(
        crate::storage::TrieId::Main,
        b"p9",
        Some(b"overlay".to_vec()),
    );
    let (len, counts, cursor) = clear_prefix(&mut g, b"p", Some(2), None);
    assert!(len > 0, "keys remain");
    // Two backend keys deleted; the overlay key counts as unique; two loops.
    assert_eq!(counts, [2, 3, 2]);
    assert!(g.state.storage().get(b"p1").is_none() && g.state.storage().get(b"p2").is_none());
    assert!(g.state.storage().get(b"p3").is_some());
    // Without the cursor the same keys are visited again (sp-state-machine's behaviour) …
    let (_, again, _) = clear_prefix(&mut g, b"p", Some(2), None);
    assert_eq!(again, [0, 0, 2]);
    // … with it, the removal resumes after them and finishes.
    let (len, counts, _) = clear_prefix(&mut g, b"p", Some(2), Some(&cursor));
    assert_eq!((len, counts), (0, [1, 1, 1]));
    assert!(g.state.storage().get(b"p3").is_none());
    assert_eq!(g.state.storage().get(b"q"), Some(b"4".to_vec()));
}

#[test]
fn last_cursor_delivers_a_cursor_that_did_not_fit_once() {
    let pairs: [(&[u8], &[u8]); 2] = [(b"p1", b"1"), (b"p2", b"2")];
    let mut g = Guest::new(&pairs, b"");
    let empty_out = g.buf(0);
    assert_eq!(
        g.ok(F::MiscLastCursorV1, &[empty_out]),
        Some(Value::I64(-1))
    );
    let prefix = g.put(b"p");
    let limit = optional_integer(Some(1));
    let counters = g.buf(12);
    let Some(Value::I32(len)) = g.ok(
        F::StorageClearPrefixV3,
        &[
            prefix,
            limit,
            Value::I64(-1),
            empty_out,
            Guest::ptr(counters),
        ],
    ) else {
        panic!("i32 result")
    };
    assert!(len > 0);
    let small = g.buf(len as u32 - 1);
    assert_eq!(
        g.ok(F::MiscLastCursorV1, &[small]),
        Some(Value::I64(len.into()))
    );
    assert_eq!(g.read(small), vec![FILL; len as usize - 1]);
    let fits = g.buf(len as u32);
    assert_eq!(
        g.ok(F::MiscLastCursorV1, &[fits]),
        Some(Value::I64(len.into()))
    );
    let cursor = g.read(fits);
    assert_ne!(cursor, vec![FILL; len as usize]);
    assert_eq!(
        g.ok(F::MiscLastCursorV1, &[fits]),
        Some(Value::I64(-1)),
        "delivered once"
    );
    // The delivered cursor resumes the removal.
    let (rest, counts, _) = clear_prefix(&mut g, b"p", None, Some(&cursor));
    assert_eq!((rest, counts), (0, [1, 1, 1]));
}

#[test]
fn a_foreign_cursor_aborts() {
    let mut g = Guest::new(&[], b"");
    let prefix = g.put(b"p");
    let limit = optional_integer(None);
    let cursor = g.put(&[9, 9]);
    let out = g.buf(8);
    let counters = g.buf(12);
    assert!(matches!(
        g.cause(
            F::StorageClearPrefixV3,
            &[prefix, limit, cursor, out, Guest::ptr(counters)]
        ),
        HostErrorCause::Decode {
            what: "clear-prefix cursor",
            ..
        }
    ));
}

#[test]
fn child_functions_mirror_the_main_trie_ones() {
    let mut g = Guest::new(&[], b"");
    let child = b"child".to_vec();
    g.state.storage.set(
        crate::storage::TrieId::DefaultChild(&child),
        b"k1",
        Some(b"value".to_vec()),
    );
    g.state.storage.set(
        crate::storage::TrieId::DefaultChild(&child),
        b"k2",
        Some(b"v2".to_vec()),
    );
    let ck = g.put(&child);
    let k1 = g.put(b"k1");
    let out = g.buf(8);
    assert_eq!(
        g.ok(
            F::DefaultChildStorageReadV2,
            &[ck, k1, out, Value::I32(1), Value::I32(0)]
        ),
        Some(Value::I64(4))
    );
    assert_eq!(&g.read(out)[..4], b"alue");
    assert_eq!(
        g.ok(F::DefaultChildStorageNextKeyV2, &[ck, k1, out]),
        Some(Value::I32(2))
    );
    assert_eq!(&g.read(out)[..2], b"k2");
    let root = g.buf(32);
    g.ok(F::DefaultChildStorageRootV3, &[ck, root]);
    let expected = g
        .state
        .storage
        .child_storage_root(&child, StateVersion::V1)
        .unwrap();
    assert_eq!(g.read(root), expected.to_vec());
    let limit = optional_integer(None);
    let counters = g.buf(12);
    assert_eq!(
        g.ok(
            F::DefaultChildStorageStorageKillV4,
            &[ck, limit, Value::I64(-1), out, Guest::ptr(counters)]
        ),
        Some(Value::I32(0))
    );
    assert_eq!(
        g.ok(
            F::DefaultChildStorageReadV2,
            &[ck, k1, out, Value::I32(0), Value::I32(0)]
        ),
        Some(Value::I64(-1))
    );
}

struct FixedVersion(Vec<u8>);

impl ReadRuntimeVersion for FixedVersion {
    fn read_runtime_version(&self, wasm: &[u8]) -> Result<Vec<u8>, String> {
        if wasm == b"wasm" {
            Ok(self.0.clone())
        } else {
            Err("not wasm".into())
        }
    }
}

#[test]
fn runtime_version_v2_returns_the_length_or_absent() {
    let mut g = Guest::new(&[], b"");
    let wasm = g.put(b"wasm");
    let out = g.buf(4);
    assert_eq!(
        g.cause(F::MiscRuntimeVersionV2, &[wasm, out]),
        HostErrorCause::NoRuntimeVersionReader
    );
    g.state = HostState::new_guest(g.state.finish(), vec![])
        .with_runtime_version_reader(Arc::new(FixedVersion(vec![1, 2, 3, 4, 5, 6])));
    assert_eq!(
        g.ok(F::MiscRuntimeVersionV2, &[wasm, out]),
        Some(Value::I64(6))
    );
    assert_eq!(g.read(out), vec![FILL; 4]);
    let big = g.buf(6);
    assert_eq!(
        g.ok(F::MiscRuntimeVersionV2, &[wasm, big]),
        Some(Value::I64(6))
    );
    assert_eq!(g.read(big), vec![1, 2, 3, 4, 5, 6]);
    let junk = g.put(b"junk");
    assert_eq!(
        g.ok(F::MiscRuntimeVersionV2, &[junk, big]),
        Some(Value::I64(-1))
    );
}

#[test]
fn each_mode_refuses_the_other_modes_functions() {
    let mut g = Guest::new(&[(b"k", b"v")], b"");
    let key = g.put(b"k");
    assert_eq!(
        g.cause(F::StorageGetV1, &[key]),
        HostErrorCause::WrongMode {
            mode: HostMode::GuestAllocator
        }
    );
    assert_eq!(
        g.cause(F::AllocatorMallocV1, &[Value::I32(8)]),
        HostErrorCause::WrongMode {
            mode: HostMode::GuestAllocator
        }
    );
    assert!(g.state.allocate(&mut g.memory, 8).is_err());
    // Shared functions work in both.
    assert_eq!(g.ok(F::StorageExistsV1, &[key]), Some(Value::I32(1)));
    let mut classic = HostState::new(1024, g.state.finish());
    let mut memory = VecMemory::fixed(1);
    let out = Value::I64(pack_ptr_len(0, 16));
    assert_eq!(
        invoke(F::InputReadV1, &mut classic, &mut memory, &[out])
            .unwrap_err()
            .cause,
        HostErrorCause::WrongMode {
            mode: HostMode::Classic
        }
    );
}

#[test]
fn calls_and_boundary_bytes_are_counted() {
    let mut g = Guest::new(&[(b"key", b"0123456789")], b"in");
    let input = g.buf(2);
    g.ok(F::InputReadV1, &[input]);
    let key = g.put(b"key");
    let out = g.buf(16);
    g.ok(F::StorageReadV2, &[key, out, Value::I32(0), Value::I32(0)]);
    g.ok(F::StorageReadV2, &[key, out, Value::I32(0), Value::I32(0)]);
    let stats = g.state.host_call_stats().clone();
    assert_eq!(stats.calls_of(F::StorageReadV2), 2);
    assert_eq!(stats.calls_of(F::InputReadV1), 1);
    assert_eq!(stats.total_calls(), 3);
    // In: the key twice. Out: the input, then the value twice.
    assert_eq!(stats.bytes_in, 3 * 2);
    assert_eq!(stats.bytes_out, 2 + 10 * 2);
    // A refused call is not counted.
    let _ = g.call(F::StorageGetV1, &[key]);
    assert_eq!(g.state.host_call_stats().total_calls(), 3);
}

/// The three removal functions; `child` is the child trie the child ones work on.
const REMOVALS: [F; 3] = [
    F::StorageClearPrefixV3,
    F::DefaultChildStorageClearPrefixV3,
    F::DefaultChildStorageStorageKillV4,
];

/// A guest whose backend holds `pairs` both in the main trie and in the child trie `child`.
fn guest_with_tries(pairs: &[(&[u8], &[u8])]) -> Guest {
    let map: StorageMap = pairs
        .iter()
        .map(|(k, v)| (k.to_vec(), v.to_vec()))
        .collect();
    let children = [(b"child".to_vec(), map.clone())].into_iter().collect();
    let backend = InMemoryBackend::new(map, children, StateVersion::V1);
    let mut g = Guest::new(&[], b"");
    g.state = HostState::new_guest(StorageState::new(Arc::new(backend)), Vec::new());
    g
}

/// The trie a removal function works on.
fn trie_of(f: F) -> TrieId<'static> {
    match f {
        F::StorageClearPrefixV3 => TrieId::Main,
        _ => TrieId::DefaultChild(b"child"),
    }
}

/// One removal call: `(cursor length, counters, cursor written)`. The prefix is ignored by
/// `storage_kill` version 4 (it removes the whole child trie).
fn removal(
    g: &mut Guest,
    f: F,
    prefix: &[u8],
    limit: Value,
    cursor_in: Option<&[u8]>,
    cursor_out: Value,
    counters: Value,
) -> Result<(i32, [u32; 3], Vec<u8>), HostErrorCause> {
    let storage_key = g.put(b"child");
    let prefix = g.put(prefix);
    let cursor_in = match cursor_in {
        Some(cursor) => g.put(cursor),
        None => Value::I64(-1),
    };
    let tail = [limit, cursor_in, cursor_out, counters];
    let args: Vec<Value> = match f {
        F::StorageClearPrefixV3 => [&[prefix][..], &tail].concat(),
        F::DefaultChildStorageClearPrefixV3 => [&[storage_key, prefix][..], &tail].concat(),
        _ => [&[storage_key][..], &tail].concat(),
    };
    let result = g.call(f, &args).map_err(|error| {
        assert_eq!(error.function, f.name());
        error.cause
    })?;
    let Some(Value::I32(len)) = result else {
        panic!("i32 result, got {result:?}")
    };
    let raw = g.read(counters_fat(counters));
    let counts = [0, 1, 2].map(|i| u32::from_le_bytes(raw[i * 4..i * 4 + 4].try_into().unwrap()));
    let written = g.read(cursor_out);
    let cursor = written[..(len as usize).min(written.len())].to_vec();
    Ok((len, counts, cursor))
}

/// The 12-byte range of an `i32` counters pointer, as a fat pointer for `Guest::read`.
fn counters_fat(ptr: Value) -> Value {
    let Value::I32(ptr) = ptr else {
        panic!("i32 pointer")
    };
    Value::I64(pack_ptr_len(ptr as u32, 12))
}

/// `removal` with no cursor in, a 64-byte cursor buffer and a counters buffer.
fn remove_simply(
    g: &mut Guest,
    f: F,
    prefix: &[u8],
    limit: Value,
    cursor_in: Option<&[u8]>,
) -> Result<(i32, [u32; 3], Vec<u8>), HostErrorCause> {
    let cursor_out = g.buf(64);
    let counters = Guest::ptr(g.buf(12));
    removal(g, f, prefix, limit, cursor_in, cursor_out, counters)
}

fn present(g: &Guest, f: F, key: &[u8]) -> bool {
    g.state.storage.storage(trie_of(f), key).unwrap().is_some()
}

#[test]
fn removal_limits_are_optional_integers_and_others_abort_before_any_change() {
    let pairs: [(&[u8], &[u8]); 2] = [(b"p1", b"1"), (b"p2", b"2")];
    for f in REMOVALS {
        let mut g = guest_with_tries(&pairs);
        for bad in [-2, i64::MIN, 1 << 32, i64::MAX] {
            assert_eq!(
                remove_simply(&mut g, f, b"p", Value::I64(bad), None),
                Err(HostErrorCause::InvalidOptionalInteger(bad)),
                "{f:?}"
            );
            assert!(g.state.storage.changes().is_empty(), "{f:?}: untouched");
        }
        // 0 visits no key: the cursor says "resume from the start".
        assert_eq!(
            remove_simply(&mut g, f, b"p", optional_integer(Some(0)), None),
            Ok((1, [0, 0, 0], vec![0])),
            "{f:?}"
        );
        assert!(present(&g, f, b"p1") && present(&g, f, b"p2"), "{f:?}");
        // The largest value is a limit like any other.
        assert_eq!(
            remove_simply(&mut g, f, b"p", optional_integer(Some(u32::MAX)), None),
            Ok((0, [2, 2, 2], vec![])),
            "{f:?}"
        );
        assert!(!present(&g, f, b"p1") && !present(&g, f, b"p2"), "{f:?}");
        // −1: no limit.
        let mut g = guest_with_tries(&pairs);
        assert_eq!(
            remove_simply(&mut g, f, b"p", optional_integer(None), None),
            Ok((0, [2, 2, 2], vec![])),
            "{f:?}"
        );
    }
}

#[test]
fn child_removals_progress_with_their_cursors() {
    let pairs: [(&[u8], &[u8]); 4] = [(b"p1", b"1"), (b"p2", b"2"), (b"p3", b"3"), (b"q", b"4")];
    let mut g = guest_with_tries(&pairs);
    let f = F::DefaultChildStorageClearPrefixV3;
    g.state
        .storage
        .set(trie_of(f), b"p9", Some(b"overlay".to_vec()));
    let (len, counts, cursor) = remove_simply(&mut g, f, b"p", optional_integer(Some(2)), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(len > 0, "keys remain");
    // Two backend keys deleted; the overlay key counts as unique; two loops.
    assert_eq!(counts, [2, 3, 2]);
    assert!(!present(&g, f, b"p1") && !present(&g, f, b"p2") && present(&g, f, b"p3"));
    // Without the cursor the same keys are visited again; with it the removal finishes.
    let again = remove_simply(&mut g, f, b"p", optional_integer(Some(2)), None);
    assert_eq!(again.map(|(_, counts, _)| counts), Ok([0, 0, 2]));
    let rest = remove_simply(&mut g, f, b"p", optional_integer(Some(2)), Some(&cursor));
    assert_eq!(rest, Ok((0, [1, 1, 1], vec![])));
    assert!(!present(&g, f, b"p3") && present(&g, f, b"q"));
    // The main trie holds the same keys and was not touched.
    assert!(present(&g, F::StorageClearPrefixV3, b"p1"));

    // storage_kill version 4: the whole child trie, resumed through last_cursor.
    let mut g = guest_with_tries(&pairs);
    let f = F::DefaultChildStorageStorageKillV4;
    let no_room = g.buf(0);
    let counters = Guest::ptr(g.buf(12));
    let (len, counts, _) = removal(
        &mut g,
        f,
        b"",
        optional_integer(Some(3)),
        None,
        no_room,
        counters,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(len > 0);
    assert_eq!(counts, [3, 3, 3]);
    let out = g.buf(len as u32);
    assert_eq!(
        g.ok(F::MiscLastCursorV1, &[out]),
        Some(Value::I64(len.into()))
    );
    let cursor = g.read(out);
    let rest = remove_simply(&mut g, f, b"", optional_integer(None), Some(&cursor));
    assert_eq!(rest, Ok((0, [1, 1, 1], vec![])));
    for (key, _) in pairs {
        assert!(!present(&g, f, key), "{key:?} removed");
        assert!(
            present(&g, F::StorageClearPrefixV3, key),
            "main {key:?} kept"
        );
    }
}

#[test]
fn removal_buffers_out_of_range_abort_before_any_change() {
    let pairs: [(&[u8], &[u8]); 2] = [(b"p1", b"1"), (b"p2", b"2")];
    for f in REMOVALS {
        let mut g = guest_with_tries(&pairs);
        let counters = Guest::ptr(g.buf(12));
        let cursor_out = g.buf(8);
        let cases = [
            (out_of_range(), counters),
            (cursor_out, Value::I32(65_536 - 8)),
        ];
        for (cursor_out, counters) in cases {
            let result = removal(
                &mut g,
                f,
                b"p",
                optional_integer(Some(1)),
                None,
                cursor_out,
                counters,
            );
            assert!(
                matches!(result, Err(HostErrorCause::OutOfBounds { .. })),
                "{f:?}: {result:?}"
            );
            assert!(g.state.storage.changes().is_empty(), "{f:?}: untouched");
        }
        // A cursor this host did not produce aborts too, before any change.
        let result = remove_simply(&mut g, f, b"p", optional_integer(None), Some(&[2, 1]));
        assert!(
            matches!(result, Err(HostErrorCause::Decode { .. })),
            "{f:?}: {result:?}"
        );
        assert!(g.state.storage.changes().is_empty(), "{f:?}: untouched");
    }
}

#[test]
fn child_reads_abort_on_out_of_range_buffers_even_for_absent_keys() {
    let mut g = guest_with_tries(&[(b"k", b"v")]);
    let ck = g.put(b"child");
    for key in [&b"k"[..], b"absent"] {
        let key = g.put(key);
        let cases = [
            (
                F::DefaultChildStorageReadV2,
                vec![ck, key, out_of_range(), Value::I32(0), Value::I32(1)],
            ),
            (
                F::DefaultChildStorageNextKeyV2,
                vec![ck, key, out_of_range()],
            ),
            (F::DefaultChildStorageRootV3, vec![ck, out_of_range()]),
        ];
        for (f, args) in cases {
            assert!(
                matches!(g.cause(f, &args), HostErrorCause::OutOfBounds { .. }),
                "{f:?}"
            );
        }
    }
    let short = g.buf(31);
    assert_eq!(
        g.cause(F::DefaultChildStorageRootV3, &[ck, short]),
        HostErrorCause::BufferTooSmall {
            what: "storage root",
            needed: 32,
            got: 31
        }
    );
    assert!(g.state.storage.changes().is_empty(), "no root written");
}
