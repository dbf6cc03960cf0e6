//! A call records the storage proof of what it read (`CallOptions::record_proof`), and the
//! state built from that proof alone re-executes it: a validator's and a light client's mode.
//!
//! The node-template runtime on its genesis state (the shared raw chain spec):
//! `AccountNonceApi_account_nonce(Alice)` reads `System::Account`.

mod node_template_common;

use std::sync::Arc;

use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::storage::{StateVersion, StorageProof, StorageState, TrieBackend};
use subexec_executor::CallOptions;

/// Alice's sr25519 public key (`//Alice`), the node-template dev account.
const ALICE: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

#[test]
fn a_call_reexecutes_from_its_recorded_proof_alone() {
    let runtime = node_template_common::runtime();
    let spec = std::fs::read(node_template_common::CHAIN_SPEC).unwrap();
    let genesis = GenesisStorage::from_json(&spec).unwrap();
    let backend = genesis.into_backend(StateVersion::V1);
    let root = backend.root(StateVersion::V1);
    let alice = hex::decode(ALICE).unwrap();
    let record = CallOptions {
        record_proof: true,
        ..CallOptions::default()
    };

    let mut full = StorageState::new(Arc::new(backend));
    let recorded = runtime
        .call_with(&mut full, "AccountNonceApi_account_nonce", &alice, &record)
        .unwrap();
    let proof = recorded
        .storage_proof
        .clone()
        .expect("a proof was asked for");
    assert!(!proof.is_empty(), "the call read storage");

    let mut from_proof = StorageState::new(Arc::new(TrieBackend::from_proof(root, proof.clone())));
    let replayed = runtime
        .call(&mut from_proof, "AccountNonceApi_account_nonce", &alice)
        .unwrap();
    assert_eq!(replayed.output, recorded.output);
    assert_eq!(from_proof.changes(), full.changes());

    // The proof is needed: without it the read fails instead of answering wrongly.
    let mut empty = StorageState::new(Arc::new(TrieBackend::from_proof(
        root,
        StorageProof::empty(),
    )));
    assert!(runtime
        .call(&mut empty, "AccountNonceApi_account_nonce", &alice)
        .is_err());

    // A call that reads nothing records an empty proof.
    let mut genesis_again = StorageState::new(Arc::new(
        GenesisStorage::from_json(&spec)
            .unwrap()
            .into_backend(StateVersion::V1),
    ));
    let version = runtime
        .call_with(&mut genesis_again, "Core_version", &[], &record)
        .unwrap();
    assert!(version.storage_proof.unwrap().is_empty());
}
