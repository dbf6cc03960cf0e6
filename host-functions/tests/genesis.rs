//! The node-template genesis (`conformance/third-party/node-template/chainspec.json`) loaded from
//! its raw chain spec gives the third-party state root in `expected.json` (trie V0), both
//! through [`StorageState::root`] and through `ext_storage_root_version_1` on the wire.

mod common;

use std::sync::Arc;

use subexec_host_functions::storage::chain_spec::GenesisStorage;
use subexec_host_functions::{HostFunction, StateVersion, StorageState};

fn conformance(path: &str) -> Vec<u8> {
    let full = format!(
        "{}/../conformance/third-party/node-template/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn expected_state_root() -> Vec<u8> {
    let expected: serde_json::Value =
        serde_json::from_slice(&conformance("expected.json")).unwrap();
    let root = expected["genesis"]["state_root"]
        .as_str()
        .expect("genesis.state_root");
    hex::decode(root.trim_start_matches("0x")).unwrap()
}

#[test]
fn node_template_genesis_state_root() {
    let genesis = GenesisStorage::from_json(&conformance("chainspec.json")).unwrap();
    assert_eq!(genesis.top.len(), 35);
    assert!(genesis.children_default.is_empty());
    let backend = Arc::new(genesis.into_backend(StateVersion::V0));
    let storage = StorageState::new(backend.clone());
    assert_eq!(
        storage.root(StateVersion::V0).to_vec(),
        expected_state_root()
    );

    let mut guest = common::Guest::with_backend(backend);
    let root = guest.ok(HostFunction::StorageRootV1, &[]);
    assert_eq!(guest.fat(root), expected_state_root());
}
