//! Adversarial key shapes: keys that each extend the previous one (`[7]`, `[7, 7]`, …) make a
//! trie whose every node is a branch with a value, twice as many nibbles deep as keys. A delta root
//! must stay linear: it touches the nodes on the changed paths and nothing else. The work is
//! counted (nodes written into the delta's overlay), never timed.
//!
//! Runs on a thread with a 64 MiB stack: `trie-db` recurses once per node on a path, and a
//! path of thousands of nodes is deeper than a default test thread's stack allows in unoptimised builds.

use std::sync::Arc;

use subexec_host_functions::storage::trie_backend::{build_trie, delta_root, NodeMemory};
use subexec_host_functions::storage::trie_root::trie_root;
use subexec_host_functions::storage::{
    InMemoryBackend, StateVersion, StorageMap, StorageState, TrieId,
};

/// 1 000 keys keep the test in seconds; 5 000 passed too (316 s in the unoptimised test
/// profile, most of it in the reference `trie_root` over 12.5 MB of nested keys).
const KEYS: usize = 1_000;

fn chain_keys() -> StorageMap {
    (1..=KEYS)
        .map(|len| (vec![7u8; len], vec![len as u8; 40]))
        .collect()
}

fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn keys_extending_each_other_cost_their_path_only() {
    on_big_stack(|| {
        let pairs = chain_keys();
        for version in [StateVersion::V0, StateVersion::V1] {
            let mut db = NodeMemory::default();
            let root = build_trie(&mut db, version, &pairs);
            assert_eq!(root, trie_root(version, &pairs));

            // The deepest key: every node of the chain is on its path.
            let deepest = vec![7u8; KEYS];
            let mut overlay = NodeMemory::default();
            let changed = [(deepest.as_slice(), Some(&b"new"[..]))];
            let new_root = delta_root(&db, root, changed, version, &mut overlay, None).unwrap();
            let mut expected = pairs.clone();
            expected.insert(deepest.clone(), b"new".to_vec());
            assert_eq!(new_root, trie_root(version, &expected));
            let written = overlay.keys().values().filter(|count| **count > 0).count();
            // One new node per node on the path (2 nibbles per key byte: key i's branch and
            // its value node in V1), bounded by the path, not by anything quadratic.
            assert!(
                written <= 2 * KEYS + 1,
                "{written} nodes written for one change"
            );

            // The shallowest key: only the root changes.
            let mut overlay = NodeMemory::default();
            let changed = [(&[7u8][..], Some(&b"top"[..]))];
            delta_root(&db, root, changed, version, &mut overlay, None).unwrap();
            let written = overlay.keys().values().filter(|count| **count > 0).count();
            assert!(
                written <= 2,
                "{written} nodes written for the root's own value"
            );
        }
    });
}

#[test]
fn a_call_over_extending_keys_gets_the_reference_root() {
    on_big_stack(|| {
        let pairs = chain_keys();
        let backend = InMemoryBackend::from_top(pairs.clone());
        let mut storage = StorageState::new(Arc::new(backend));
        let mut expected = pairs;
        for len in (1..=KEYS).step_by(97) {
            storage.set(TrieId::Main, &vec![7u8; len], None);
            expected.remove(&vec![7u8; len]);
        }
        storage.set(TrieId::Main, &vec![7u8; KEYS + 1], Some(vec![1]));
        expected.insert(vec![7u8; KEYS + 1], vec![1]);
        assert_eq!(
            storage.storage_root(StateVersion::V1).unwrap(),
            trie_root(StateVersion::V1, &expected)
        );
    });
}

/// Long nested keys on a small stack: `delta_root` and `trie_root` recurse once per node on a
/// path, so paths longer than [`INLINE_KEY_BYTES`] run on a thread sized for them
/// (`storage::deep_stack`). Without that, this aborts the process with a stack overflow: 3 000
/// nodes of `trie-db` frames do not fit the 256 KiB this test runs on.
#[test]
fn long_key_paths_get_a_stack_of_their_own() {
    use subexec_host_functions::storage::deep_stack::INLINE_KEY_BYTES;
    const LONG: usize = 1_500;
    const { assert!(LONG > INLINE_KEY_BYTES) };
    let pairs: StorageMap = (1..=LONG)
        .map(|len| (vec![9u8; len], vec![len as u8; 40]))
        .collect();
    // Built (streamed, not recursive) and checked on a big stack…
    let (db, root) = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn({
            let pairs = pairs.clone();
            move || {
                let mut db = NodeMemory::default();
                let root = build_trie(&mut db, StateVersion::V1, &pairs);
                (db, root)
            }
        })
        .unwrap()
        .join()
        .unwrap();
    // …then changed on a small one.
    std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            let deepest = vec![9u8; LONG + 1];
            let mut overlay = NodeMemory::default();
            let changed = [
                (deepest.as_slice(), Some(&b"new"[..])),
                (&[9u8; 700][..], None),
            ];
            let new_root =
                delta_root(&db, root, changed, StateVersion::V1, &mut overlay, None).unwrap();
            let mut expected = pairs;
            expected.insert(deepest, b"new".to_vec());
            expected.remove(&vec![9u8; 700]);
            assert_eq!(new_root, trie_root(StateVersion::V1, &expected));
        })
        .unwrap()
        .join()
        .unwrap();
}
