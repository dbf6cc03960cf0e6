//! Westend from genesis: the real genesis and blocks (`conformance/third-party/westend`, see its
//! README), imported with [`Importer`] as a node imports them.
//!
//! - The genesis header derived from the genesis state has Westend's genesis hash.
//! - All 128 blocks import, strictly loaded (no missing host function), each on its parent's
//!   committed state; after each one the committed state's root (V0: the Westend runtime's
//!   `system_version` is 0) equals the header's, and the head is the block.
//! - A block with one byte changed (in an extrinsic, in the state root, in the parent hash) is
//!   refused, the error names the block, the call and the cause, and the committed state and
//!   head are exactly as before; the genuine block imports afterwards.

use subexec_executor::block::json::parse_blocks;
use subexec_executor::block::{Block, BlockFailure, Importer};
use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::storage::StateVersion;
use subexec_executor::{CallError, Executor};

fn data(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../conformance/third-party/westend/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn genesis() -> GenesisStorage {
    GenesisStorage::from_json(&data("chain-spec-raw.json")).expect("the raw chain spec parses")
}

fn blocks() -> Vec<Block> {
    parse_blocks(&data("blocks-1-128.json")).expect("the block list parses and its hashes check")
}

/// The executor of these tests: the default one, which loads strictly (every host function
/// Westend's genesis runtime imports is provided; block 2's `im_online` heartbeats need
/// `ext_crypto_sr25519_verify_version_2`).
fn executor() -> Executor {
    Executor::builder().build()
}

fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

#[test]
fn the_genesis_header_has_westends_genesis_hash() {
    let chain = Importer::from_genesis(&executor(), genesis()).unwrap();
    assert_eq!(chain.state_version(), StateVersion::V0);
    let head = chain.head().unwrap();
    assert_eq!(head.number, 0);
    assert_eq!(
        hex(&head.state_root),
        "7e92439a94f79671f9cade9dff96a094519b9001a7432244d46ab644bb6f746f"
    );
    assert_eq!(
        hex(&head.hash),
        "e143f23803ac50e8f6f8e62695d1ce9e4e1d68aa36c1cd2cfd15340213f3423e"
    );
    assert_eq!(chain.genesis_header().unwrap().hash(), head.hash);
    assert_eq!(chain.storage_root(), head.state_root);
    // Block 1's parent is the genesis.
    assert_eq!(blocks()[0].header.parent_hash, head.hash);
}

/// Imports `blocks` from genesis, checking each root against its header.
fn import_checked(chain: &mut Importer, blocks: &[Block]) {
    for block in blocks {
        let outcome = chain
            .import(block)
            .unwrap_or_else(|e| panic!("block #{} refused: {e:?}", block.number()));
        assert_eq!(outcome.number, block.number());
        assert_eq!(outcome.hash, block.hash());
        assert_eq!(outcome.state_root, block.header.state_root);
        // The committed state, independently of the importer's own comparison.
        assert_eq!(
            chain.storage_root(),
            block.header.state_root,
            "block #{}",
            block.number()
        );
        let head = chain.head().unwrap();
        assert_eq!((head.number, head.hash), (block.number(), block.hash()));
        assert!(
            outcome.call.output.is_empty(),
            "Core_execute_block returns ()"
        );
        assert!(!outcome.changes.is_empty());
    }
}

#[test]
fn all_128_blocks_import_from_genesis_with_their_headers_roots() {
    let mut chain = Importer::from_genesis(&executor(), genesis()).unwrap();
    let blocks = blocks();
    assert_eq!(blocks.len(), 128);
    assert_eq!(
        blocks.iter().map(|b| b.extrinsics().len()).sum::<usize>(),
        347
    );
    import_checked(&mut chain, &blocks);
    let head = chain.head().unwrap();
    assert_eq!(head.number, 128);
    assert_eq!(
        hex(&head.hash),
        "5490ddb4f096e061a7e4c69761da48abb275c84d2e9b22ef29d60d7dd9085e8a"
    );
    // No block of 1–128 upgrades the runtime.
    assert_eq!(chain.version().spec_version, 1);
}

/// `block` with its header changed by `edit` (the extrinsics kept).
fn with_header(block: &Block, edit: impl FnOnce(&mut subexec_executor::block::Header)) -> Block {
    let mut header = block.header.clone();
    edit(&mut header);
    Block::new(header, block.extrinsics().to_vec()).unwrap()
}

/// Asserts `bad` is refused on `chain` and nothing changed; returns the failure.
fn refused(chain: &mut Importer, bad: &Block, expect_call: bool) -> BlockFailure {
    let root_before = chain.storage_root();
    let state_before = chain.state().clone();
    let head_before = *chain.head().unwrap();
    let error = chain.import(bad).expect_err("a corrupted block is refused");
    assert_eq!(error.number, bad.number());
    assert_eq!(error.hash, bad.hash());
    assert_eq!(error.call.is_some(), expect_call, "{error}");
    let text = error.to_string();
    assert!(text.contains(&format!("block #{}", bad.number())), "{text}");
    assert!(text.contains(&hex(&bad.hash())), "{text}");
    if expect_call {
        assert!(text.contains("Core_execute_block"), "{text}");
    }
    assert_eq!(chain.storage_root(), root_before);
    assert_eq!(chain.state(), &state_before);
    assert_eq!(chain.head(), Some(&head_before));
    *error.failure
}

fn panic_message(failure: &BlockFailure) -> &str {
    match failure {
        BlockFailure::Call(CallError::RuntimePanicked(message)) => message,
        other => panic!("expected a runtime panic, got {other:?}"),
    }
}

#[test]
fn corrupted_blocks_are_refused_and_change_nothing() {
    let executor = executor();
    let mut chain = Importer::from_genesis(&executor, genesis()).unwrap();
    let block1 = blocks().remove(0);

    // One byte of an extrinsic (the timestamp's least significant byte: 0x28 length, 0x04
    // version, 0x02 0x00 call, 0x0b compact mode, then the value): the timestamp still decodes
    // but the extrinsics root no longer matches, and the runtime's panic message says so.
    let mut extrinsics = block1.extrinsics().to_vec();
    assert_eq!(extrinsics[0][..5], [0x28, 0x04, 0x02, 0x00, 0x0b]);
    extrinsics[0][5] ^= 0x01;
    let bad_extrinsic = Block::new(block1.header.clone(), extrinsics).unwrap();
    let failure = refused(&mut chain, &bad_extrinsic, true);
    assert!(
        panic_message(&failure).contains("Transaction trie root must be valid"),
        "{failure:?}"
    );

    // One byte of the state root: the runtime compares it with the root it computes.
    let bad_root = with_header(&block1, |h| h.state_root[0] ^= 0x80);
    let failure = refused(&mut chain, &bad_root, true);
    assert!(
        panic_message(&failure).contains("Storage root must match that calculated"),
        "{failure:?}"
    );

    // One byte of the parent hash: the importer refuses it before any call.
    let bad_parent = with_header(&block1, |h| h.parent_hash[31] ^= 0x01);
    let failure = refused(&mut chain, &bad_parent, false);
    assert_eq!(
        failure,
        BlockFailure::WrongParent {
            parent: bad_parent.header.parent_hash,
            head: block1.header.parent_hash,
        }
    );

    // The genuine block still imports on the untouched state.
    import_checked(&mut chain, std::slice::from_ref(&block1));
}

#[test]
fn without_a_known_head_the_runtime_refuses_a_wrong_parent() {
    // From the bare genesis state (no head), a wrong parent hash reaches the runtime. This
    // runtime (2020) keeps the parent hash in its state (`System::ParentHash`), so the block's
    // state root no longer matches the one the runtime computes, and it panics.
    let mut chain = Importer::from_storage(&executor(), genesis()).unwrap();
    assert!(chain.head().is_none());
    let root_before = chain.storage_root();
    let block1 = blocks().remove(0);
    let bad_parent = with_header(&block1, |h| h.parent_hash[0] ^= 0x01);
    let error = chain.import(&bad_parent).unwrap_err();
    assert_eq!(error.call.as_deref(), Some("Core_execute_block"));
    assert!(
        panic_message(&error.failure).contains("Storage root must match that calculated"),
        "{error:?}"
    );
    assert_eq!(chain.storage_root(), root_before);
    assert!(chain.head().is_none());
    import_checked(&mut chain, std::slice::from_ref(&block1));
}

#[test]
fn out_of_order_blocks_are_refused() {
    let mut chain = Importer::from_genesis(&executor(), genesis()).unwrap();
    let blocks = blocks();
    let error = chain.import(&blocks[1]).unwrap_err();
    assert_eq!(*error.failure, BlockFailure::NotNext { head: 0 });
    assert_eq!(error.number, 2);
    assert!(error.call.is_none());
}
