//! subexec as `sp_state_machine::StateMachine`'s executor (feature `substrate`): node-template
//! calls through `StateMachine::execute` with a [`SubstrateExecutor`], against the same calls
//! made directly with `Runtime::call` on subexec's own storage. Outputs and storage changes must
//! be identical.

mod node_template_common;

use std::collections::{BTreeMap, HashMap};

use parity_scale_codec::{Compact, Decode, Encode};
use sp_core::storage::{ChildInfo, Storage, StorageChild};
use sp_core::traits::{
    CallContext, CodeExecutor, ReadRuntimeVersion, RuntimeCode, WrappedRuntimeCode,
};
use sp_core::Blake2Hasher;
use sp_state_machine::{Ext, OverlayedChanges, StateMachine};
use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::storage::StateVersion;
use subexec_executor::storage::TrieChanges;
use subexec_executor::substrate::{SubstrateError, SubstrateExecutor};
use subexec_executor::{CallError, Executor};

type Backend = sp_state_machine::InMemoryBackend<Blake2Hasher>;

fn genesis() -> GenesisStorage {
    let spec =
        std::fs::read(node_template_common::CHAIN_SPEC).expect("the node-template chain spec");
    GenesisStorage::from_json(&spec).expect("a raw chain spec")
}

/// The genesis state as Substrate's in-memory trie backend, in layout V0 (node-template's
/// `system_version`).
fn backend(genesis: &GenesisStorage) -> Backend {
    let storage = Storage {
        top: genesis.top.clone(),
        children_default: genesis
            .children_default
            .iter()
            .map(|(key, data)| {
                let child = StorageChild {
                    data: data.clone(),
                    child_info: ChildInfo::new_default(key),
                };
                (key.clone(), child)
            })
            .collect::<HashMap<_, _>>(),
    };
    (storage, sp_core::storage::StateVersion::V0).into()
}

/// A header of block 1 on top of `parent`, without digest items.
fn header(parent: [u8; 32]) -> Vec<u8> {
    let mut header = parent.encode();
    header.extend(Compact(1u32).encode());
    header.extend([0u8; 32].encode()); // state root
    header.extend([0u8; 32].encode()); // extrinsics root
    header.extend(Compact(0u32).encode()); // no digest items
    header
}

/// Node-template's block building, through `call` (method, input → output): read the version,
/// start block 1, get the inherents for a timestamp and apply them, finalise the block (which
/// computes the state root and writes the block's storage). Returns every output.
fn build_block(mut call: impl FnMut(&str, &[u8]) -> Vec<u8>) -> Vec<Vec<u8>> {
    let mut outputs = vec![
        call("Core_version", &[]),
        call("Core_initialize_block", &header([7; 32])),
    ];
    // `InherentData`: the timestamp, 6 s after the epoch (slot 1 of node-template's Aura
    // would need a digest: the timestamp rounds to slot 0 with a 6 s slot and 3 s period).
    let inherent_data = BTreeMap::from([(*b"timstap0", 3_000u64.encode())]);
    let inherents = call("BlockBuilder_inherent_extrinsics", &inherent_data.encode());
    let extrinsics = Vec::<Vec<u8>>::decode(&mut &inherents[..]).expect("a list of extrinsics");
    assert!(!extrinsics.is_empty());
    outputs.push(inherents);
    for extrinsic in extrinsics {
        let applied = call("BlockBuilder_apply_extrinsic", &extrinsic.encode());
        // `ApplyExtrinsicResult::Ok(Ok(()))`.
        assert_eq!(applied, [0, 0]);
        outputs.push(applied);
    }
    outputs.push(call("BlockBuilder_finalize_block", &[]));
    outputs
}

#[test]
fn state_machine_with_subexec_matches_direct_calls() {
    let genesis = genesis();
    let code = genesis.top[b":code".as_slice()].clone();

    // Through `StateMachine::execute`, one overlay for the three calls.
    let backend = backend(&genesis);
    let executor = SubstrateExecutor::<sp_io::SubstrateHostFunctions>::new();
    // sp-io's functions only (storage through the node's `Externalities`), each call once.
    let settings = executor.executor().settings();
    assert!(!settings.host_functions.builtins() && settings.run_once);
    let fetch = WrappedRuntimeCode(code.as_slice().into());
    let runtime_code = RuntimeCode {
        code_fetcher: &fetch,
        heap_pages: None,
        hash: subexec_executor::blake2_256(&code).to_vec(),
    };
    let mut overlay = OverlayedChanges::<Blake2Hasher>::default();
    let through_state_machine = build_block(|method, input| {
        let mut extensions = sp_externalities::Extensions::default();
        let output = StateMachine::new(
            &backend,
            &mut overlay,
            &executor,
            method,
            input,
            &mut extensions,
            &runtime_code,
            CallContext::Onchain { import: false },
        )
        .execute();
        output.unwrap_or_else(|e| panic!("{method}: {e}"))
    });

    // Directly, on subexec's storage over the same genesis.
    let runtime = Executor::builder()
        .allow_missing_host_functions(true)
        .build()
        .load(&code)
        .unwrap();
    let mut storage = subexec_executor::storage::StorageState::new(std::sync::Arc::new(
        genesis.clone().into_backend(StateVersion::V0),
    ));
    let direct = build_block(|method, input| {
        let outcome = runtime.call(&mut storage, method, input);
        outcome.unwrap_or_else(|e| panic!("{method}: {e}")).output
    });

    assert_eq!(through_state_machine, direct);
    // The finalised header: its state root is the root of the block's state.
    let finalized = direct.last().unwrap();
    assert!(finalized.len() > 32 + 1 + 64);

    let drained = overlay
        .drain_storage_changes(&backend, sp_core::storage::StateVersion::V0)
        .unwrap();
    let changes = storage.changes();
    // The header's state root (after parent hash and the one-byte compact number) is the root
    // of the state the calls left, as Substrate's trie computes it.
    assert_eq!(
        &finalized[33..65],
        drained.transaction_storage_root.as_bytes()
    );
    let main: TrieChanges = drained.main_storage_changes.into_iter().collect();
    assert!(!main.is_empty());
    assert_eq!(changes.main, main);
    let children: BTreeMap<Vec<u8>, TrieChanges> = drained
        .child_storage_changes
        .into_iter()
        .map(|(key, changes)| (key, changes.into_iter().collect()))
        .collect();
    assert_eq!(changes.children, children);
    // Loaded once: every call was served from the executor's code cache.
    assert_eq!(executor.executor().cached_runtimes(), 1);
}

#[test]
fn runtime_version_and_read_runtime_version() {
    let genesis = genesis();
    let code = genesis.top[b":code".as_slice()].clone();
    let backend = backend(&genesis);
    let mut overlay = OverlayedChanges::<Blake2Hasher>::default();
    let mut ext = Ext::new(&mut overlay, &backend, None);
    let executor = SubstrateExecutor::<sp_io::SubstrateHostFunctions>::new();

    let expected = node_template_common::runtime().version().unwrap();
    let fetch = WrappedRuntimeCode(code.as_slice().into());
    let runtime_code = RuntimeCode {
        code_fetcher: &fetch,
        heap_pages: Some(64),
        hash: Vec::new(),
    };
    assert_eq!(
        executor.runtime_version(&mut ext, &runtime_code).unwrap(),
        expected
    );
    assert_eq!(
        executor.read_runtime_version(&code, &mut ext).unwrap(),
        expected.encode()
    );
    assert!(executor
        .read_runtime_version(b"not wasm", &mut ext)
        .is_err());
}

#[test]
fn failures_are_typed() {
    let genesis = genesis();
    let code = genesis.top[b":code".as_slice()].clone();
    let backend = backend(&genesis);
    let mut overlay = OverlayedChanges::<Blake2Hasher>::default();
    let mut ext = Ext::new(&mut overlay, &backend, None);
    let executor = SubstrateExecutor::<sp_io::SubstrateHostFunctions>::new();
    let context = CallContext::Offchain;

    let none = RuntimeCode::empty();
    let (result, native) = executor.call(&mut ext, &none, "Core_version", &[], context);
    assert_eq!(result, Err(SubstrateError::CodeNotFound));
    assert!(!native);

    let fetch = WrappedRuntimeCode(code.as_slice().into());
    let runtime_code = RuntimeCode {
        code_fetcher: &fetch,
        heap_pages: None,
        hash: Vec::new(),
    };
    let (result, _) = executor.call(&mut ext, &runtime_code, "Nope_nope", &[], context);
    assert_eq!(
        result,
        Err(SubstrateError::Call(CallError::MissingExport(
            "Nope_nope".into()
        )))
    );

    let garbage = WrappedRuntimeCode(b"\0asm garbage".as_slice().into());
    let runtime_code = RuntimeCode {
        code_fetcher: &garbage,
        heap_pages: None,
        hash: Vec::new(),
    };
    let (result, _) = executor.call(&mut ext, &runtime_code, "Core_version", &[], context);
    assert!(matches!(result, Err(SubstrateError::Load(_))), "{result:?}");
}
