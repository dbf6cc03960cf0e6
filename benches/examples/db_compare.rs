//! parity-db against redb and RocksDB on the state database's workload (docs/STATE.md, "Why
//! parity-db"):
//!
//! ```text
//! cargo run --release -p subexec-benches --example db_compare -- NODES DIR
//! cargo run --release -p subexec-benches --features rocksdb --example db_compare -- NODES DIR
//! ```
//!
//! The workload is what `subexec_state_db::StateDb` asks of its store: trie nodes (random
//! 70–600-byte values, the sizes of branch nodes and leaves, keyed by their Blake2-256 hash)
//! written in batches of 50 000 per commit (an import), then random reads of existing nodes
//! (what a call's reads and roots do, one node per trie level), then 100 commits of 1 000 new
//! nodes each (a block's new nodes), then reads again. parity-db is opened with `StateDb`'s
//! column options (preimage, uniform keys); its commit queues the batch for its write-ahead log
//! (a background thread writes it; a crash loses the last commits, never tears one). redb gets
//! one table `[u8; 32] -> bytes`, twice: with its default durability (each commit fsynced) and
//! with `Durability::Eventual` (atomic, not fsynced: the closer match to parity-db). RocksDB
//! (feature `rocksdb`; 0.21, as Substrate's `kvdb-rocksdb`) gets one column family with its
//! default options and no compression, each commit a `WriteBatch` written to its log without
//! fsync (RocksDB's default, like parity-db's queued commit: atomic, the last commits lost on a
//! crash).
//! Deterministic data; both databases get exactly the same operations, one after the other in
//! the same process.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use redb::TableDefinition;
use subexec_benches::large_state::{dir_size, Rng};

const NODES: TableDefinition<'_, &[u8; 32], &[u8]> = TableDefinition::new("nodes");
const IMPORT_BATCH: usize = 50_000;
const READS: usize = 100_000;
const BLOCKS: usize = 100;
const BLOCK_NODES: usize = 1_000;

/// One node: its hash (here: 32 random bytes, as good as a hash for the database) and bytes.
fn node(rng: &mut Rng) -> ([u8; 32], Vec<u8>) {
    let mut key = [0u8; 32];
    key.copy_from_slice(&rng.bytes(32));
    let len = 70 + (rng.next_u64() % 531) as usize;
    (key, rng.bytes(len))
}

trait Store {
    fn commit(&mut self, batch: Vec<([u8; 32], Vec<u8>)>);
    fn get(&self, key: &[u8; 32]) -> Option<Vec<u8>>;
}

struct Parity(parity_db::Db);

impl Parity {
    fn open(dir: &Path) -> Self {
        let mut options = parity_db::Options::with_columns(dir, 1);
        options.columns[0].preimage = true;
        options.columns[0].uniform = true;
        Parity(parity_db::Db::open_or_create(&options).expect("parity-db"))
    }
}

impl Store for Parity {
    fn commit(&mut self, batch: Vec<([u8; 32], Vec<u8>)>) {
        self.0
            .commit(batch.into_iter().map(|(k, v)| (0, k.to_vec(), Some(v))))
            .expect("parity-db commit");
    }
    fn get(&self, key: &[u8; 32]) -> Option<Vec<u8>> {
        self.0.get(0, key).expect("parity-db get")
    }
}

struct Redb(redb::Database, redb::Durability);

impl Store for Redb {
    fn commit(&mut self, batch: Vec<([u8; 32], Vec<u8>)>) {
        let mut tx = self.0.begin_write().expect("redb begin");
        tx.set_durability(self.1);
        {
            let mut table = tx.open_table(NODES).expect("redb table");
            for (k, v) in &batch {
                table.insert(k, v.as_slice()).expect("redb insert");
            }
        }
        tx.commit().expect("redb commit");
    }
    fn get(&self, key: &[u8; 32]) -> Option<Vec<u8>> {
        let tx = self.0.begin_read().expect("redb read");
        let table = tx.open_table(NODES).expect("redb table");
        table
            .get(key)
            .expect("redb get")
            .map(|v| v.value().to_vec())
    }
}

/// RocksDB with default options (no compression: the values are hashes and random bytes).
#[cfg(feature = "rocksdb")]
struct Rocks(rocksdb::DB);

#[cfg(feature = "rocksdb")]
impl Rocks {
    fn open(dir: &Path) -> Self {
        let mut options = rocksdb::Options::default();
        options.create_if_missing(true);
        options.set_compression_type(rocksdb::DBCompressionType::None);
        Rocks(rocksdb::DB::open(&options, dir).expect("rocksdb"))
    }
}

#[cfg(feature = "rocksdb")]
impl Store for Rocks {
    fn commit(&mut self, batch: Vec<([u8; 32], Vec<u8>)>) {
        let mut write = rocksdb::WriteBatch::default();
        for (k, v) in &batch {
            write.put(k, v);
        }
        self.0.write(write).expect("rocksdb commit");
    }
    fn get(&self, key: &[u8; 32]) -> Option<Vec<u8>> {
        self.0.get(key).expect("rocksdb get")
    }
}

fn reads(store: &dyn Store, keys: &[[u8; 32]], rng: &mut Rng) -> Duration {
    let start = Instant::now();
    for _ in 0..READS {
        let key = &keys[(rng.next_u64() % keys.len() as u64) as usize];
        assert!(store.get(key).is_some());
    }
    start.elapsed() / READS as u32
}

fn run(name: &str, store: &mut dyn Store, dir: &Path, nodes: usize) {
    let mut rng = Rng(0xDB_C0_4A_12);
    let mut keys = Vec::with_capacity(nodes + BLOCKS * BLOCK_NODES);
    let start = Instant::now();
    let mut batch = Vec::with_capacity(IMPORT_BATCH);
    for _ in 0..nodes {
        let (k, v) = node(&mut rng);
        keys.push(k);
        batch.push((k, v));
        if batch.len() == IMPORT_BATCH {
            store.commit(std::mem::take(&mut batch));
        }
    }
    store.commit(batch);
    let import = start.elapsed();
    let cold = reads(store, &keys, &mut Rng(1));
    let mut block_times = Vec::with_capacity(BLOCKS);
    for _ in 0..BLOCKS {
        let batch: Vec<_> = (0..BLOCK_NODES).map(|_| node(&mut rng)).collect();
        keys.extend(batch.iter().map(|(k, _)| *k));
        let start = Instant::now();
        store.commit(batch);
        block_times.push(start.elapsed());
    }
    block_times.sort();
    let warm = reads(store, &keys, &mut Rng(2));
    println!(
        "{name:9} {nodes} nodes: import {:.1} s, read {:.1} µs (after import), commit of {BLOCK_NODES} nodes median {:.2} ms (max {:.2} ms), read {:.1} µs (after commits), size {:.0} MB",
        import.as_secs_f64(),
        cold.as_secs_f64() * 1e6,
        block_times[BLOCKS / 2].as_secs_f64() * 1e3,
        block_times[BLOCKS - 1].as_secs_f64() * 1e3,
        warm.as_secs_f64() * 1e6,
        dir_size(dir) as f64 / 1e6,
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let nodes: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let base = PathBuf::from(args.next().unwrap_or_else(|| {
        std::env::temp_dir()
            .join("subexec-db-compare")
            .display()
            .to_string()
    }));
    let parity_dir = base.join("parity-db");
    let redb_dir = base.join("redb");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&redb_dir).expect("create the directory");
    {
        let mut parity = Parity::open(&parity_dir);
        run("parity-db", &mut parity, &parity_dir, nodes);
    }
    for (name, durability) in [
        ("redb", redb::Durability::Immediate),
        ("redb/eventual", redb::Durability::Eventual),
    ] {
        let _ = std::fs::remove_dir_all(&redb_dir);
        std::fs::create_dir_all(&redb_dir).expect("create the directory");
        let db = redb::Database::create(redb_dir.join("nodes.redb")).expect("redb");
        run(name, &mut Redb(db, durability), &redb_dir, nodes);
    }
    #[cfg(feature = "rocksdb")]
    {
        let rocks_dir = base.join("rocksdb");
        let mut rocks = Rocks::open(&rocks_dir);
        run("rocksdb", &mut rocks, &rocks_dir, nodes);
    }
    let _ = std::fs::remove_dir_all(&base);
}
