//! [`StateDb`] against `sp-state-machine` 0.54 on random operation sequences.
//!
//! Each case runs blocks of random operations (sets, clears, `clear_prefix` with limits,
//! appends, child-trie writes and kills, nested transactions with commits and rollbacks)
//! through a [`StorageState`] over the database, in a random state version, and after every
//! block:
//! - the call's root (`StorageState::storage_root`, the database's delta root) equals the root
//!   `sp-state-machine`'s `full_storage_root` gives for the same changes over its own trie
//!   backend, which then applies its transaction;
//! - the root [`StateDb::commit`] records equals it too, and so does the root after reopening;
//! - every key of the reference (main and child tries) reads the same from the database, and
//!   `next_key` walks the same keys;
//! - a proof recorded while reading re-executes the reads from the proof alone.

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use sp_core::Blake2Hasher as SpBlake2;
use sp_state_machine::Backend as _;
use subexec_host_functions::storage::{
    Backend, ProofRecorder, StateVersion, StorageState, TrieBackend, TrieId,
};
use subexec_state_db::StateDb;

#[derive(Clone, Debug)]
enum Op {
    Set(Option<u8>, Vec<u8>, Vec<u8>),
    Clear(Option<u8>, Vec<u8>),
    ClearPrefix(Option<u8>, Vec<u8>, Option<u32>),
    Append(Vec<u8>, Vec<u8>),
    Kill(u8, Option<u32>),
    Start,
    Commit,
    Rollback,
}

fn key() -> impl Strategy<Value = Vec<u8>> {
    // Few distinct bytes, so keys extend each other and share trie paths.
    proptest::collection::vec(0u8..4, 0..5)
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    // Around the V1 threshold (33 bytes): inline and hashed values.
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..4),
        proptest::collection::vec(any::<u8>(), 30..40),
    ]
}

fn trie() -> impl Strategy<Value = Option<u8>> {
    prop_oneof![3 => Just(None), 1 => (0u8..2).prop_map(Some)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (trie(), key(), value()).prop_map(|(t, k, v)| Op::Set(t, k, v)),
        2 => (trie(), key()).prop_map(|(t, k)| Op::Clear(t, k)),
        1 => (trie(), proptest::collection::vec(0u8..4, 0..2), proptest::option::of(0u32..3))
            .prop_map(|(t, p, l)| Op::ClearPrefix(t, p, l)),
        2 => (key(), proptest::collection::vec(any::<u8>(), 0..3)).prop_map(|(k, i)| Op::Append(k, i)),
        1 => (0u8..2, proptest::option::of(0u32..3)).prop_map(|(c, l)| Op::Kill(c, l)),
        1 => Just(Op::Start),
        1 => Just(Op::Commit),
        1 => Just(Op::Rollback),
    ]
}

const CHILDREN: [&[u8]; 2] = [b"c0", b"c1"];

fn trie_id(t: Option<u8>) -> TrieId<'static> {
    match t {
        None => TrieId::Main,
        Some(i) => TrieId::DefaultChild(CHILDREN[usize::from(i)]),
    }
}

fn run(storage: &mut StorageState, ops: &[Op]) {
    storage.enter_runtime().unwrap();
    for op in ops {
        match op {
            Op::Set(t, k, v) => {
                storage.set(trie_id(*t), k, Some(v.clone()));
            }
            Op::Clear(t, k) => {
                storage.set(trie_id(*t), k, None);
            }
            Op::ClearPrefix(t, p, l) => {
                storage.clear_prefix(trie_id(*t), p, *l).unwrap();
            }
            Op::Append(k, i) => storage.append(k, i).unwrap(),
            Op::Kill(c, l) => {
                storage.kill_child(CHILDREN[usize::from(*c)], *l).unwrap();
            }
            Op::Start => storage.start_transaction(),
            Op::Commit => {
                let _ = storage.commit_transaction();
            }
            Op::Rollback => {
                let _ = storage.rollback_transaction();
            }
        }
    }
    storage.exit_runtime().unwrap();
}

type Reference = sp_state_machine::TrieBackend<sp_trie::PrefixedMemoryDB<SpBlake2>, SpBlake2>;

fn sp_version(version: StateVersion) -> sp_core::storage::StateVersion {
    match version {
        StateVersion::V0 => sp_core::storage::StateVersion::V0,
        StateVersion::V1 => sp_core::storage::StateVersion::V1,
    }
}

/// `sp-state-machine`'s root for `changes` over `reference`, which then commits them.
///
/// Deletions of keys the reference does not hold are left out: they change no root, and
/// `trie-db` panics on some of them (host-functions `tests/trie_delta_bug.rs`), which subexec
/// avoids by skipping them.
fn reference_commit(
    reference: &mut Reference,
    changes: &subexec_host_functions::storage::StorageChanges,
    version: StateVersion,
) -> [u8; 32] {
    let mut changes = changes.clone();
    changes
        .main
        .retain(|k, v| v.is_some() || reference.storage(k).unwrap().is_some());
    for (storage_key, set) in changes.children.iter_mut() {
        let info = sp_core::storage::ChildInfo::new_default(storage_key);
        set.retain(|k, v| v.is_some() || reference.child_storage(&info, k).unwrap().is_some());
    }
    let infos: Vec<_> = changes
        .children
        .keys()
        .map(|k| sp_core::storage::ChildInfo::new_default(k))
        .collect();
    let child_deltas = changes
        .children
        .values()
        .zip(&infos)
        .map(|(set, info)| (info, set.iter().map(|(k, v)| (k.as_slice(), v.as_deref()))));
    let (root, transaction) = reference.full_storage_root(
        changes
            .main
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_deref())),
        child_deltas,
        sp_version(version),
    );
    reference.apply_transaction(root, transaction);
    root.into()
}

fn reference_pairs(reference: &Reference, child: Option<&[u8]>) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let info = child.map(sp_core::storage::ChildInfo::new_default);
    let mut args = sp_state_machine::IterArgs::default();
    args.child_info = info;
    reference
        .pairs(args)
        .unwrap()
        .map(|pair| pair.unwrap())
        .collect()
}

fn check_reads(backend: &dyn Backend, reference: &Reference) -> Result<(), TestCaseError> {
    for child in [None, Some(CHILDREN[0]), Some(CHILDREN[1])] {
        let expected = reference_pairs(reference, child);
        let trie = child.map_or(TrieId::Main, TrieId::DefaultChild);
        let mut walked = BTreeMap::new();
        let mut cursor = Vec::new();
        if let Some(value) = backend.storage(trie, &cursor).unwrap() {
            walked.insert(cursor.clone(), value);
        }
        while let Some(next) = backend.next_key(trie, &cursor).unwrap() {
            prop_assert!(next > cursor);
            let value = backend.storage(trie, &next).unwrap().unwrap();
            walked.insert(next.clone(), value);
            cursor = next;
        }
        prop_assert_eq!(&walked, &expected);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn state_db_matches_sp_state_machine(
        v1 in any::<bool>(),
        blocks in proptest::collection::vec(proptest::collection::vec(op(), 0..25), 1..6),
    ) {
        let version = if v1 { StateVersion::V1 } else { StateVersion::V0 };
        let dir = tempfile::tempdir().unwrap();
        let mut db = StateDb::open(dir.path()).unwrap();
        let mut reference: Reference = sp_state_machine::new_in_mem::<SpBlake2>();
        for ops in &blocks {
            let mut storage = StorageState::new(Arc::new(db.backend()));
            run(&mut storage, ops);
            let call_root = storage.storage_root(version).unwrap();
            let changes = storage.changes();
            let expected = reference_commit(&mut reference, &changes, version);
            prop_assert_eq!(call_root, expected);
            prop_assert_eq!(db.commit(&changes, version).unwrap(), expected);
            check_reads(&db.backend(), &reference)?;

            // Proof: record what a full read walk touches, replay it from the proof alone.
            let recorder = ProofRecorder::default();
            let recording = db.backend().recording(&recorder).unwrap();
            check_reads(recording.as_ref(), &reference)?;
            let proof = recorder.drain_storage_proof();
            let from_proof = TrieBackend::from_proof(db.root(), proof);
            check_reads(&from_proof, &reference)?;
        }
        let root = db.root();
        drop(db);
        let reopened = StateDb::open(dir.path()).unwrap();
        prop_assert_eq!(reopened.root(), root);
        check_reads(&reopened.backend(), &reference)?;
    }
}
