//! Measures the state database at scale (figures for `docs/PERFORMANCE.md`):
//! `cargo run --release -p subexec-state-db --example scale -- KEYS [DIR]`.
//!
//! Imports KEYS random 32-byte keys (values 32–96 bytes) into a fresh database, then for 1,
//! 100 and 10 000 changed keys measures the root of a call's changes (`StorageState` over the
//! database: the delta root) and the commit, reports the old full recomputation (every pair
//! through `trie_root`) for comparison, a read of an existing key, the database size and the
//! process's peak RSS. Deterministic data (xorshift), so runs compare.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use subexec_host_functions::storage::{
    trie_root, Backend, StateVersion, StorageMap, StorageState, TrieId,
};
use subexec_state_db::StateDb;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let keys: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("subexec-scale-{keys}")));
    let _ = std::fs::remove_dir_all(&dir);
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let mut top = StorageMap::new();
    while top.len() < keys {
        let len = 32 + (rng.next() % 65) as usize;
        top.insert(rng.bytes(32), rng.bytes(len));
    }
    let existing: Vec<Vec<u8>> = top.keys().step_by((keys / 1000).max(1)).cloned().collect();
    let mut db = StateDb::open(&dir).unwrap();
    let start = Instant::now();
    let root = db
        .import(&top, &BTreeMap::new(), StateVersion::V1, &mut |_| {})
        .unwrap();
    let import = start.elapsed();
    println!(
        "keys {keys}: import {:.2} s, root {}",
        import.as_secs_f64(),
        hex::encode(&root[..4])
    );
    // The old way: every pair through trie_root (what ext_storage_root did per call).
    let start = Instant::now();
    let full = trie_root::trie_root(StateVersion::V1, &top);
    println!(
        "  full recomputation: {:.1} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    assert_eq!(full, root);
    drop(top);
    for changes in [1usize, 100, 10_000] {
        let mut storage = StorageState::new(Arc::new(db.backend()));
        for i in 0..changes {
            let key = if i % 2 == 0 {
                existing[i % existing.len()].clone()
            } else {
                rng.bytes(32)
            };
            storage.set(TrieId::Main, &key, Some(rng.bytes(40)));
        }
        let start = Instant::now();
        let call_root = storage.storage_root(StateVersion::V1).unwrap();
        let root_time = start.elapsed();
        let start = Instant::now();
        let committed = db.commit(&storage.changes(), StateVersion::V1).unwrap();
        let commit_time = start.elapsed();
        assert_eq!(call_root, committed);
        println!(
            "  {changes} changes: root {:.3} ms, commit {:.3} ms",
            root_time.as_secs_f64() * 1e3,
            commit_time.as_secs_f64() * 1e3
        );
    }
    let backend = db.backend();
    let start = Instant::now();
    for key in &existing {
        backend.storage(TrieId::Main, key).unwrap();
    }
    println!(
        "  read: {:.1} µs per key",
        start.elapsed().as_secs_f64() * 1e6 / existing.len() as f64
    );
    drop(backend);
    drop(db);
    std::thread::sleep(std::time::Duration::from_millis(500));
    println!(
        "  database {:.1} MB, peak RSS {:.0} MB",
        dir_size(&dir) as f64 / 1e6,
        peak_rss_mb()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
