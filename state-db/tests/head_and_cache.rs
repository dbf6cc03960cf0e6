//! The head record's block (what `import-blocks --state DIR` checks the first block against)
//! survives a reopen and is cleared by a commit that is no block; the node cache never
//! changes a result: the same commits give the same roots and reads with no cache, a cache
//! smaller than one commit's nodes, and the default one.

use subexec_host_functions::storage::{
    Backend, CommittedState, StateVersion, StorageChanges, TrieId,
};
use subexec_state_db::{BlockRef, StateDb};

fn changes(round: u8) -> StorageChanges {
    let mut changes = StorageChanges::default();
    for i in 0..200u8 {
        let value = (i % 5 != 0).then(|| vec![round ^ i; 1 + (i as usize * 13) % 90]);
        changes.main.insert(vec![i % 11, i, round % 3], value);
    }
    let child = changes.children.entry(b"child".to_vec()).or_default();
    child.insert(vec![round, 1], Some(vec![round; 40]));
    changes
}

#[test]
fn the_head_block_survives_a_reopen_and_a_commit_that_is_no_block_clears_it() {
    let dir = tempfile::tempdir().unwrap();
    let block = BlockRef {
        number: 7,
        hash: [0xAB; 32],
    };
    {
        let mut db = StateDb::open(dir.path()).unwrap();
        assert_eq!(db.head().block, None);
        let mut staged = db.stage();
        staged.apply(&changes(1), StateVersion::V1).unwrap();
        db.commit_block(&staged, block).unwrap();
        assert_eq!(db.head().block, Some(block));
    }
    let mut db = StateDb::open(dir.path()).unwrap();
    assert_eq!(db.head().block, Some(block));
    // A block that changes nothing still moves the chain.
    let next = BlockRef {
        number: 8,
        hash: [0xCD; 32],
    };
    let root = db.root();
    let empty = db.stage();
    assert_eq!(db.commit_block(&empty, next).unwrap(), root);
    assert_eq!(db.head().block, Some(next));
    // The stage shares the open database: it must go before the database reopens.
    drop(empty);
    // A call's changes: the state is no block's post-state any more.
    db.commit(&changes(2), StateVersion::V1).unwrap();
    assert_eq!(db.head().block, None);
    drop(db);
    assert_eq!(StateDb::open(dir.path()).unwrap().head().block, None);
}

#[test]
fn the_node_cache_never_changes_a_root_or_a_read() {
    let budgets = [0, 4096, subexec_state_db::DEFAULT_NODE_CACHE_BYTES];
    let dirs: Vec<_> = budgets
        .iter()
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let mut dbs: Vec<StateDb> = dirs
        .iter()
        .zip(budgets)
        .map(|(dir, budget)| StateDb::open_with_node_cache(dir.path(), budget).unwrap())
        .collect();
    let mut roots = Vec::new();
    for round in 0..12u8 {
        let version = [StateVersion::V0, StateVersion::V1][usize::from(round % 2)];
        let round_roots: Vec<_> = dbs
            .iter_mut()
            .map(|db| db.commit(&changes(round), version).unwrap())
            .collect();
        assert!(
            round_roots.windows(2).all(|w| w[0] == w[1]),
            "round {round}"
        );
        roots.push(round_roots[0]);
    }
    // Every earlier state reads the same through every cache (the archive keeps them all).
    for root in roots {
        let reads: Vec<_> = dbs
            .iter()
            .map(|db| {
                let backend = db.backend_at(root);
                let main: Vec<_> = (0..200u8)
                    .map(|i| backend.storage(TrieId::Main, &[i % 11, i, 1]).unwrap())
                    .collect();
                let next = backend.next_key(TrieId::Main, &[3]).unwrap();
                (main, next)
            })
            .collect();
        assert!(reads.windows(2).all(|w| w[0] == w[1]));
    }
}
