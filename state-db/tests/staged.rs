//! [`Staged`]: changes staged over a database commit in one transaction, to the same root as
//! committing them one by one; a dropped stage writes nothing; a stage over a moved head is
//! refused.

use std::collections::BTreeMap;

use subexec_host_functions::storage::{
    Backend, CommittedState, StateVersion, StorageChanges, TrieId,
};
use subexec_state_db::{StateDb, StateDbError};

fn changes(round: u8) -> StorageChanges {
    let mut changes = StorageChanges::default();
    for i in 0..50u8 {
        let value = (i % 3 != 0).then(|| vec![round; 1 + (i as usize * 7) % 60]);
        changes.main.insert(vec![i % 7, i, round % 2], value);
    }
    let child = changes.children.entry(b"child".to_vec()).or_default();
    child.insert(vec![round], Some(vec![round; 40]));
    changes
}

#[test]
fn staged_changes_commit_once_to_the_root_of_sequential_commits() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut sequential = StateDb::open(a.path()).unwrap();
    let mut staged_db = StateDb::open(b.path()).unwrap();
    let mut staged = staged_db.stage();
    for round in 0..4 {
        let version = if round % 2 == 0 {
            StateVersion::V0
        } else {
            StateVersion::V1
        };
        let root = sequential.commit(&changes(round), version).unwrap();
        staged.apply(&changes(round), version).unwrap();
        assert_eq!(staged.root(), root, "round {round}");
        // Reads see the staged state before the commit.
        assert_eq!(
            staged
                .backend()
                .storage(TrieId::DefaultChild(b"child"), &[round])
                .unwrap(),
            Some(vec![round; 40])
        );
    }
    // Nothing written yet.
    assert_eq!(staged_db.head().commits, 0);
    let root = staged_db.commit_staged(&staged).unwrap();
    assert_eq!(root, sequential.root());
    assert_eq!(staged_db.head().commits, 1);
    // The stage shares the open database; both must go before it reopens.
    drop(staged);
    drop(staged_db);
    let reopened = StateDb::open(b.path()).unwrap();
    assert_eq!(reopened.root(), root);
    let mut pairs = BTreeMap::new();
    reopened
        .backend()
        .for_each_pair(TrieId::Main, &mut |k, v| {
            pairs.insert(k.to_vec(), v.to_vec());
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    let mut expected = BTreeMap::new();
    sequential
        .backend()
        .for_each_pair(TrieId::Main, &mut |k, v| {
            expected.insert(k.to_vec(), v.to_vec());
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(pairs, expected);
}

#[test]
fn a_dropped_stage_writes_nothing_and_a_stale_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = StateDb::open(dir.path()).unwrap();
    let before = db.head();
    let mut staged = db.stage();
    staged.apply(&changes(1), StateVersion::V1).unwrap();
    drop(staged);
    assert_eq!(db.head(), before);

    let mut stale = db.stage();
    stale.apply(&changes(2), StateVersion::V1).unwrap();
    db.commit(&changes(3), StateVersion::V1).unwrap();
    let moved = db.head();
    assert!(matches!(
        db.commit_staged(&stale),
        Err(StateDbError::Moved { .. })
    ));
    assert_eq!(db.head(), moved);
}
