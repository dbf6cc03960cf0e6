//! The importer's own checks and state handling, on hand-written runtimes (WAT) that do not
//! check roots themselves: the state-root comparison, the seal removed from the call's input,
//! `:heappages` and `:code` written by a block taking effect at the next block, and a failed
//! block changing nothing. Westend's real blocks are in `westend.rs`.

use std::collections::BTreeMap;

use parity_scale_codec::Encode;
use subexec_executor::block::{
    Block, BlockFailure, Digest, DigestItem, Header, Importer, CODE_KEY,
};
use subexec_executor::storage::trie_root::trie_root;
use subexec_executor::storage::StateVersion;
use subexec_executor::{Executor, HeapAllocStrategy};

/// `"\xx"` escapes of `bytes` for a WAT data string.
fn wat_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

/// A runtime whose `Core_execute_block` stores its input from the extrinsics root on (after
/// the parent hash, a one-byte compact number and the state root, which would make the root
/// depend on itself) under `input` and `value` under `key`, and whose `Core_version` is `t` version 1 (no APIs: `system_version` 0, roots V0).
fn runtime(key: &[u8], value: &[u8]) -> Vec<u8> {
    let version = {
        let mut v = Vec::new();
        "t".encode_to(&mut v);
        "t".encode_to(&mut v);
        v.extend_from_slice(&[0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
        v
    };
    let wat = format!(
        r#"(module
  (import "env" "memory" (memory 2))
  (import "env" "ext_storage_set_version_1" (func $set (param i64 i64)))
  (global (export "__heap_base") i32 (i32.const 8192))
  (data (i32.const 16) "{version}")
  (data (i32.const 64) "input")
  (data (i32.const 128) "{key}")
  (data (i32.const 1024) "{value}")
  (func $fat (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.extend_i32_u (local.get $ptr))
            (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))))
  (func (export "Core_version") (param i32 i32) (result i64)
    (call $fat (i32.const 16) (i32.const {version_len})))
  (func (export "Core_execute_block") (param $p i32) (param $l i32) (result i64)
    (call $set (call $fat (i32.const 64) (i32.const 5))
               (call $fat (i32.add (local.get $p) (i32.const 65))
                          (i32.sub (local.get $l) (i32.const 65))))
    (call $set (call $fat (i32.const 128) (i32.const {key_len}))
               (call $fat (i32.const 1024) (i32.const {value_len})))
    (call $fat (i32.const 0) (i32.const 0))))"#,
        version = wat_bytes(&version),
        version_len = version.len(),
        key = wat_bytes(key),
        key_len = key.len(),
        value = wat_bytes(value),
        value_len = value.len(),
    );
    wat::parse_str(wat).expect("valid WAT")
}

/// A genesis state holding only `code`.
fn genesis(executor: &Executor, code: &[u8]) -> Importer {
    let mut top = BTreeMap::new();
    top.insert(CODE_KEY.to_vec(), code.to_vec());
    Importer::genesis(executor, top, BTreeMap::new()).unwrap()
}

/// A sealed header on `parent` whose state root is `state_root`.
fn header(parent: [u8; 32], number: u32, state_root: [u8; 32]) -> Header {
    Header {
        parent_hash: parent,
        number,
        state_root,
        extrinsics_root: [0; 32],
        digest: Digest {
            logs: vec![
                DigestItem::PreRuntime(*b"test", vec![1, 2, 3]),
                DigestItem::Seal(*b"test", vec![9; 64]),
            ],
        },
    }
}

/// The call input a node gives `Core_execute_block` for `header` and `extrinsics` (the header
/// without its seal, built here by hand, the compact count, the extrinsics), from the
/// extrinsics root on: what the test runtime stores.
fn expected_input(header: &Header, extrinsics: &[Vec<u8>]) -> Vec<u8> {
    let mut unsealed = header.clone();
    assert!(matches!(
        unsealed.digest.logs.pop(),
        Some(DigestItem::Seal(..))
    ));
    let mut input = unsealed.encode();
    parity_scale_codec::Compact(extrinsics.len() as u32).encode_to(&mut input);
    for extrinsic in extrinsics {
        input.extend_from_slice(extrinsic);
    }
    assert!(header.number < 64, "a one-byte compact number");
    input.split_off(65)
}

/// The V0 root of `state` with `writes` applied.
fn root_after(state: &BTreeMap<Vec<u8>, Vec<u8>>, writes: &[(&[u8], Vec<u8>)]) -> [u8; 32] {
    let mut state = state.clone();
    for (key, value) in writes {
        state.insert(key.to_vec(), value.clone());
    }
    trie_root(StateVersion::V0, &state)
}

#[test]
fn the_importer_compares_the_root_and_commits_only_on_a_match() {
    let code = runtime(b"written", b"value");
    let mut chain = genesis(&Executor::default(), &code);
    let genesis_state = chain.state().top().clone();
    let head = *chain.head().unwrap();
    assert_eq!(head.state_root, trie_root(StateVersion::V0, &genesis_state));

    let extrinsics = vec![vec![2 << 2, 0xab, 0xcd]];
    let probe = header(head.hash, 1, [0; 32]);
    let input = expected_input(&probe, &extrinsics);
    let good_root = root_after(
        &genesis_state,
        &[(b"input", input.clone()), (b"written", b"value".to_vec())],
    );

    // A wrong root: refused after the call, nothing committed.
    let wrong = Block::new(header(head.hash, 1, [7; 32]), extrinsics.clone()).unwrap();
    let error = chain.import(&wrong).unwrap_err();
    assert_eq!(
        *error.failure,
        BlockFailure::StateRootMismatch {
            expected: [7; 32],
            computed: good_root,
        }
    );
    assert_eq!(error.call.as_deref(), Some("Core_execute_block"));
    assert!(error
        .to_string()
        .contains("the state root after execution is"));
    assert_eq!(chain.state().top(), &genesis_state);
    assert_eq!(chain.head(), Some(&head));

    // The right root: committed; the runtime saw the header without its seal.
    let good = Block::new(header(head.hash, 1, good_root), extrinsics.clone()).unwrap();
    let outcome = chain.import(&good).unwrap();
    assert_eq!(outcome.state_root, good_root);
    assert_eq!(chain.state().top().get(&b"input"[..]), Some(&input));
    assert_eq!(chain.storage_root(), good_root);
    assert_eq!(chain.head().unwrap().hash, good.hash());
    assert!(!outcome.runtime_changed);
    assert_eq!(outcome.changes.main.len(), 2);

    // The next block must be #2 on block 1.
    let skipped = Block::new(header(good.hash(), 3, good_root), vec![]).unwrap();
    assert_eq!(
        *chain.import(&skipped).unwrap_err().failure,
        BlockFailure::NotNext { head: 1 }
    );
}

#[test]
fn heap_pages_written_by_a_block_apply_from_the_next_block() {
    let code = runtime(b":heappages", &64u64.to_le_bytes());
    let executor = Executor::default();
    let mut chain = genesis(&executor, &code);
    let default = chain.runtime().heap_alloc_strategy();
    assert_ne!(default, HeapAllocStrategy::Static { extra_pages: 64 });
    let state = chain.state().top().clone();
    let head = *chain.head().unwrap();
    let input = expected_input(&header(head.hash, 1, [0; 32]), &[]);
    let root = root_after(
        &state,
        &[
            (b"input", input),
            (b":heappages", 64u64.to_le_bytes().to_vec()),
        ],
    );
    let block1 = Block::new(header(head.hash, 1, root), vec![]).unwrap();
    let outcome = chain.import(&block1).unwrap();
    assert!(outcome.runtime_changed);
    // Block 2 runs under the new heap (the reload happens when it is imported).
    let state = chain.state().top().clone();
    let input = expected_input(&header(block1.hash(), 2, [0; 32]), &[]);
    let root = root_after(&state, &[(b"input", input)]);
    let block2 = Block::new(header(block1.hash(), 2, root), vec![]).unwrap();
    let outcome = chain.import(&block2).unwrap();
    assert_eq!(
        chain.runtime().heap_alloc_strategy(),
        HeapAllocStrategy::Static { extra_pages: 64 }
    );
    assert_eq!(
        outcome.call.peak_memory_pages,
        2 + 64,
        "the module's 2 pages and 64 extra"
    );
}

#[test]
fn a_block_after_code_that_does_not_load_is_refused_until_the_state_changes() {
    let code = runtime(CODE_KEY, b"not wasm");
    let mut chain = genesis(&Executor::default(), &code);
    let state = chain.state().top().clone();
    let head = *chain.head().unwrap();
    let input = expected_input(&header(head.hash, 1, [0; 32]), &[]);
    let root = root_after(
        &state,
        &[(b"input", input), (CODE_KEY, b"not wasm".to_vec())],
    );
    let block1 = Block::new(header(head.hash, 1, root), vec![]).unwrap();
    // The block that writes the code is valid: its root matches.
    assert!(chain.import(&block1).unwrap().runtime_changed);
    let after_block1 = chain.state().clone();
    let block2 = Block::new(header(block1.hash(), 2, root), vec![]).unwrap();
    for _ in 0..2 {
        let error = chain.import(&block2).unwrap_err();
        assert!(
            matches!(*error.failure, BlockFailure::RuntimeLoad(_)),
            "{error:?}"
        );
        assert_eq!(error.call, None);
        assert_eq!(chain.state(), &after_block1);
        assert_eq!(chain.head().unwrap().number, 1);
    }
}
