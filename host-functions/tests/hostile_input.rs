//! Hostile input: random sequences of calls to every host function, with random arguments
//! (well-formed or not, sometimes of the wrong arity or type) against random memory contents.
//! No call may panic; a call that fails must leave the storage (pending changes and
//! transaction depth) exactly as it was before it; and a second run of the same calls gives
//! the same results, memory, allocator statistics and storage.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{Guest, HEAP_BASE};
use proptest::prelude::*;
use subexec_allocator::VecMemory;
use subexec_host_functions::memory_access::pack_ptr_len;
use subexec_host_functions::storage::{InMemoryBackend, StorageMap};
use subexec_host_functions::{
    HostFunction, HostState, ReadRuntimeVersion, StateVersion, StorageState, Value, ValueType,
};

struct EvenReader;

impl ReadRuntimeVersion for EvenReader {
    fn read_runtime_version(&self, wasm: &[u8]) -> Result<Vec<u8>, String> {
        if wasm.len() % 2 == 0 {
            Ok(wasm.to_vec())
        } else {
            Err("odd".into())
        }
    }
}

fn i32_arg() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0i32..1200).prop_map(Value::I32),
        prop_oneof![
            Just(0),
            Just(1),
            Just(2),
            Just(3),
            Just(256),
            Just(-1),
            Just(i32::MIN)
        ]
        .prop_map(Value::I32),
        any::<i32>().prop_map(Value::I32),
    ]
}

fn i64_arg() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (0u32..1100, 0u32..48).prop_map(|(p, l)| Value::I64(pack_ptr_len(p, l))),
        1 => (0u32..8, any::<u8>()).prop_map(|(p, l)| Value::I64(pack_ptr_len(p, u32::from(l)))),
        1 => (u32::MAX - 16..=u32::MAX, 0u32..64).prop_map(|(p, l)| Value::I64(pack_ptr_len(p, l))),
        1 => any::<i64>().prop_map(Value::I64),
    ]
}

fn any_arg() -> impl Strategy<Value = Value> {
    prop_oneof![i32_arg(), i64_arg(), any::<u32>().prop_map(Value::F32)]
}

fn call() -> impl Strategy<Value = (HostFunction, Vec<Value>)> {
    (0..HostFunction::ALL.len(), 0u8..20).prop_flat_map(|(index, shape)| {
        let function = HostFunction::ALL[index];
        let args: BoxedStrategy<Vec<Value>> = if shape == 0 {
            proptest::collection::vec(any_arg(), 0..5).boxed()
        } else {
            function
                .params()
                .iter()
                .map(|ty| match ty {
                    ValueType::I32 => i32_arg().boxed(),
                    _ => i64_arg().boxed(),
                })
                .collect::<Vec<_>>()
                .boxed()
        };
        (Just(function), args)
    })
}

fn memory_bytes() -> impl Strategy<Value = Vec<u8>> {
    // Small byte values make SCALE prefixes and `Option` tags plausible.
    proptest::collection::vec(prop_oneof![0u8..6, any::<u8>()], 1024)
}

fn guest(memory_bytes: &[u8]) -> Guest {
    let top: StorageMap = [
        (b"\x00".to_vec(), b"zero".to_vec()),
        (b"\x00\x01".to_vec(), vec![4, 1]),
        (b"\x01".to_vec(), vec![7; 40]),
    ]
    .into();
    let child: StorageMap = [
        (b"\x00".to_vec(), b"c".to_vec()),
        (b"\x02".to_vec(), vec![]),
    ]
    .into();
    let children = BTreeMap::from([(b"\x00".to_vec(), child)]);
    let backend = Arc::new(InMemoryBackend::new(top, children, StateVersion::V1));
    let mut memory = VecMemory::new(1, Some(3));
    memory.data[..memory_bytes.len()].copy_from_slice(memory_bytes);
    Guest {
        state: HostState::new(HEAP_BASE, StorageState::new(backend))
            .with_runtime_version_reader(Arc::new(EvenReader)),
        memory,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, .. ProptestConfig::default() })]

    #[test]
    fn random_calls_never_panic_and_failures_change_nothing(
        bytes in memory_bytes(),
        calls in proptest::collection::vec(call(), 1..24),
    ) {
        let mut g = guest(&bytes);
        // A second guest replays the same calls: every result, the memory and the storage
        // must come out identical (determinism).
        let mut twin = guest(&bytes);
        for (function, args) in calls {
            let before = g.state.storage().changes();
            let depth = g.state.storage().overlay().transaction_depth();
            let outcome = g.call(function, &args);
            prop_assert_eq!(&twin.call(function, &args), &outcome);
            prop_assert!(twin.memory.data == g.memory.data);
            match outcome {
                Ok(result) => {
                    let returns = function.result();
                    prop_assert_eq!(result.map(|v| v.value_type()), returns, "{}", function.name());
                }
                Err(error) => {
                    prop_assert_eq!(error.function, function.name());
                    prop_assert_eq!(&g.state.storage().changes(), &before, "{} changed storage: {}", function.name(), error);
                    prop_assert_eq!(g.state.storage().overlay().transaction_depth(), depth);
                }
            }
        }
        prop_assert_eq!(twin.state.allocator_stats(), g.state.allocator_stats());
        let storage = g.state.finish();
        let twin_storage = twin.state.finish();
        prop_assert_eq!(storage.changes(), twin_storage.changes());
        prop_assert_eq!(storage.try_root(StateVersion::V0), twin_storage.try_root(StateVersion::V0));
    }
}
