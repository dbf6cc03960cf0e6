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

/// Pairs whose trie has several levels: 4 000 random-looking 32-byte keys, values stored in
/// their leaves (at most 32 bytes: no hashed-value nodes, which a warm-up does not read).
fn many_pairs() -> StorageChanges {
    let mut changes = StorageChanges::default();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..4_000u32 {
        let mut key = Vec::with_capacity(32);
        for _ in 0..4 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            key.extend_from_slice(&x.to_le_bytes());
        }
        changes
            .main
            .insert(key, Some(vec![i as u8; 1 + i as usize % 32]));
    }
    changes
}

#[test]
fn a_warmed_cache_answers_every_path_and_a_small_one_stops_before_it_rotates() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = many_pairs();
    {
        let mut db = StateDb::open(dir.path()).unwrap();
        db.commit(&pairs, StateVersion::V1).unwrap();
    }
    // Reopened with room for the whole trie: every node is read once, level by level, and
    // every later read hits.
    let db = StateDb::open(dir.path()).unwrap();
    let warm = db.warm_node_cache().unwrap();
    assert!(!warm.cache_full, "{warm:?}");
    assert!(warm.full_levels >= 3, "{warm:?}");
    let after_warm = db.node_cache_stats();
    assert_eq!(after_warm.misses, warm.nodes, "each node read once");
    let backend = db.backend();
    for (key, value) in &pairs.main {
        assert_eq!(
            backend.storage(TrieId::Main, key).unwrap().as_deref(),
            value.as_deref()
        );
    }
    let after_reads = db.node_cache_stats();
    assert_eq!(after_reads.misses, after_warm.misses, "no read missed");
    assert!(after_reads.hits > 4_000);
    // Warming again reads from the cache only.
    assert_eq!(db.warm_node_cache().unwrap(), warm);
    assert_eq!(db.node_cache_stats().misses, after_warm.misses);
    drop((backend, db));

    // A cache of 16 KiB: the warm-up stops with the cache full, within its budget, and the
    // top levels it loaded stay (warming again reads nothing new).
    let db = StateDb::open_with_node_cache(dir.path(), 16 << 10).unwrap();
    let warm = db.warm_node_cache().unwrap();
    assert!(warm.cache_full, "{warm:?}");
    assert!(warm.nodes < after_warm.misses, "{warm:?}");
    let stats = db.node_cache_stats();
    assert!(stats.bytes <= 16 << 10, "{stats:?}");
    assert!(warm.full_levels >= 1);
    let misses = stats.misses;
    assert!(db.warm_node_cache().unwrap().cache_full);
    assert_eq!(db.node_cache_stats().misses, misses, "nothing more read");
    // Without a cache there is nothing to warm.
    drop(db);
    let db = StateDb::open_with_node_cache(dir.path(), 0).unwrap();
    let warm = db.warm_node_cache().unwrap();
    assert_eq!((warm.nodes, warm.cache_full), (0, true));
}
