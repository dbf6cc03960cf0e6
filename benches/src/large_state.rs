//! Large chain states in a [`StateDb`] and the workloads measured on them
//! (`benches/large_state.rs`, `examples/large_state.rs`, docs/PERFORMANCE.md "State at scale").
//!
//! A large state is a real genesis plus N random pairs (32-byte keys, 32–96-byte values,
//! deterministic xorshift so that runs compare), imported with [`StateDb::import`] (nodes
//! written in batches, memory bounded by the pairs themselves). One database holds two
//! committed states over the same random pairs:
//!
//! - **Westend**: Westend's genesis (`conformance/third-party/westend`) plus the pairs, with
//!   Westend's state version: the base the Westend blocks are replayed on;
//! - **node-template**: the same with node-template's genesis in place of Westend's (one
//!   commit on top): the base of `Core_version`.
//!
//! The database is an archive, so both stay readable; their roots are kept in a small file
//! beside parity-db's ([`ROOTS_FILE`]). N = 0 gives the genesis-only baseline.
//!
//! # The Westend workload
//! Westend's runtime checks the header's state root in `Core_execute_block`, and extra keys
//! change every root, so the real blocks cannot be executed as they are on a large state.
//! [`replay_westend`] replays each block as a block *builder* does: `Core_initialize_block`
//! with the real (unsealed) header, `BlockBuilder_apply_extrinsic` for each real extrinsic (each
//! must be valid), `BlockBuilder_finalize_block` (which computes the state root with
//! `ext_storage_root`), then the commit of the block's changes to the database. The runtime
//! executes the same extrinsics as an import; what it skips is `Core_execute_block`'s final
//! comparison of the roots. On the genesis-only state the roots the runtime computes are the
//! real headers' roots, which [`replay_westend`] checks when asked to: the workload is the real
//! one.

use std::path::Path;
use std::sync::Arc;

use parity_scale_codec::Encode;
use subexec_executor::block::importer::state_version_of;
use subexec_executor::block::json::parse_blocks;
use subexec_executor::block::{Block, Header};
use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::storage::{StateVersion, StorageChanges, StorageMap, StorageState, TrieId};
use subexec_executor::{Executor, Runtime};
use subexec_state_db::{Head, StateDb};

/// The file beside parity-db's that names the two committed states.
pub const ROOTS_FILE: &str = "subexec-large-state.txt";

/// Deterministic pseudo-random bytes (xorshift64).
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// A file of the repository's conformance data.
pub fn conformance(path: &str) -> Vec<u8> {
    let full = format!(
        "{}/../conformance/third-party/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Westend's real blocks 1–128.
pub fn westend_blocks() -> Vec<Block> {
    parse_blocks(&conformance("westend/blocks-1-128.json")).expect("Westend block list")
}

/// A large state's database and the roots of its two states.
#[derive(Debug)]
pub struct LargeState {
    /// The database (head: the node-template state).
    pub db: StateDb,
    /// Random pairs besides the genesis.
    pub keys: u64,
    /// Westend's genesis plus the pairs.
    pub westend: Head,
    /// node-template's genesis plus the pairs.
    pub node_template: Head,
}

fn genesis(path: &str) -> GenesisStorage {
    GenesisStorage::from_json(&conformance(path)).expect("raw chain spec")
}

fn state_version(executor: &Executor, top: &StorageMap) -> StateVersion {
    let code = top.get(b":code".as_slice()).expect("genesis :code");
    let version = executor
        .load(code)
        .expect("runtime loads")
        .version()
        .expect("runtime version");
    state_version_of(&version)
}

/// The node cache of the states [`open`] opens: `SUBEXEC_NODE_CACHE_BYTES` if set (0 turns it
/// off, to measure what the cache saves), else the database's default.
pub fn node_cache_bytes() -> usize {
    std::env::var("SUBEXEC_NODE_CACHE_BYTES")
        .ok()
        .map(|bytes| {
            bytes
                .parse()
                .expect("SUBEXEC_NODE_CACHE_BYTES: a byte count")
        })
        .unwrap_or(subexec_state_db::DEFAULT_NODE_CACHE_BYTES)
}

/// Builds the large state of `keys` random pairs in `dir` (which must not hold a database);
/// `progress` gets the pairs imported so far.
pub fn build(dir: &Path, keys: u64, progress: &mut dyn FnMut(u64)) -> LargeState {
    let executor = Executor::builder().build();
    let westend = genesis("westend/chain-spec-raw.json");
    let template = genesis("node-template/chainspec.json");
    let westend_version = state_version(&executor, &westend.top);
    let template_version = state_version(&executor, &template.top);

    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let mut top = StorageMap::new();
    while (top.len() as u64) < keys {
        let len = 32 + (rng.next_u64() % 65) as usize;
        top.insert(rng.bytes(32), rng.bytes(len));
    }
    top.extend(westend.top.clone());
    let mut db = StateDb::open(dir).expect("open the database");
    db.import(&top, &westend.children_default, westend_version, progress)
        .expect("import");
    drop(top);
    let westend_head = db.head();

    // node-template's genesis in place of Westend's: one commit on top.
    let mut changes = StorageChanges::default();
    for key in westend.top.keys() {
        changes.main.insert(key.clone(), None);
    }
    for (key, value) in &template.top {
        changes.main.insert(key.clone(), Some(value.clone()));
    }
    assert!(
        westend.children_default.is_empty() && template.children_default.is_empty(),
        "neither genesis has child tries"
    );
    db.commit(&changes, template_version).expect("commit");
    let state = LargeState {
        node_template: db.head(),
        db,
        keys,
        westend: westend_head,
    };
    std::fs::write(
        dir.join(ROOTS_FILE),
        format!(
            "keys {keys}\nwestend {} {}\nnode-template {} {}\n",
            hex::encode(state.westend.root),
            state.westend.version as u8,
            hex::encode(state.node_template.root),
            state.node_template.version as u8,
        ),
    )
    .expect("write the roots file");
    state
}

/// Opens a large state [`build`] made.
pub fn open(dir: &Path) -> LargeState {
    let text = std::fs::read_to_string(dir.join(ROOTS_FILE)).expect("roots file");
    let field = |name: &str| -> Vec<&str> {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("{ROOTS_FILE}: no {name}"))
            .split(' ')
            .collect()
    };
    let db = StateDb::open_with_node_cache(dir, node_cache_bytes()).expect("open the database");
    let head = |name: &str| {
        let f = field(name);
        let root = <[u8; 32]>::try_from(hex::decode(f[0]).expect("hex root")).expect("32 bytes");
        let version = StateVersion::from_u8(f[1].parse().expect("version")).expect("version");
        Head {
            root,
            version,
            commits: db.head().commits,
            block: None,
        }
    };
    LargeState {
        keys: field("keys")[0].parse().expect("key count"),
        westend: head("westend"),
        node_template: head("node-template"),
        db,
    }
}

impl LargeState {
    /// A call's storage over the node-template state.
    pub fn node_template_storage(&self) -> StorageState {
        StorageState::new(Arc::new(self.db.backend_at(self.node_template.root)))
    }

    /// The node-template runtime of this state.
    pub fn node_template_runtime(&self, executor: &Executor) -> Runtime {
        let code = self
            .node_template_storage()
            .storage(TrieId::Main, b":code")
            .expect("read :code")
            .expect(":code")
            .into_owned();
        executor.load(&code).expect("node-template runtime loads")
    }

    /// A call's storage over the Westend state with `changes` pending: half of them overwrite
    /// existing keys (found with `next_key` from random keys), half are new keys.
    pub fn storage_with_changes(&self, changes: usize, rng: &mut Rng) -> StorageState {
        let mut storage = StorageState::new(Arc::new(self.db.backend_at(self.westend.root)));
        for i in 0..changes {
            let probe = rng.bytes(32);
            let key = if i % 2 == 0 {
                storage
                    .next_key(TrieId::Main, &probe)
                    .expect("next_key")
                    .unwrap_or(probe)
            } else {
                probe
            };
            storage.set(TrieId::Main, &key, Some(rng.bytes(40)));
        }
        storage
    }
}

/// Replays `blocks` on the Westend state as a block builder does (see the module docs),
/// committing each block to the database; the head is moved back to the Westend state first.
/// With `check_roots`, every block's root must be its header's (true on the genesis-only
/// state). Returns the root after the last block.
pub fn replay_westend(
    state: &mut LargeState,
    executor: &Executor,
    blocks: &[Block],
    check_roots: bool,
) -> [u8; 32] {
    state.db.set_head(state.westend).expect("reset the head");
    let version = state.westend.version;
    // As the importer loads a runtime: `:code`, heap pages from `:heappages`.
    let runtime_of = |db: &StateDb| {
        let storage = StorageState::new(Arc::new(db.backend()));
        let read = |key: &[u8]| {
            storage
                .storage(TrieId::Main, key)
                .expect("read")
                .map(|v| v.into_owned())
        };
        executor
            .load(&read(b":code").expect(":code"))
            .expect("Westend runtime")
            .with_heap_pages(read(b":heappages").as_deref())
    };
    let mut runtime = runtime_of(&state.db);
    for block in blocks {
        let mut storage = StorageState::new(Arc::new(state.db.backend()));
        let header = block.header.unsealed().0;
        runtime
            .call(&mut storage, "Core_initialize_block", &header.encode())
            .unwrap_or_else(|e| panic!("block {}: initialize: {e}", block.number()));
        for (index, extrinsic) in block.extrinsics().iter().enumerate() {
            let out = runtime
                .call(&mut storage, "BlockBuilder_apply_extrinsic", extrinsic)
                .unwrap_or_else(|e| panic!("block {}: extrinsic {index}: {e}", block.number()));
            // `ApplyExtrinsicResult`: `Ok(_)` is 0x00; an invalid extrinsic is `Err` (0x01).
            assert_eq!(
                out.output.first(),
                Some(&0),
                "block {}: extrinsic {index} invalid",
                block.number()
            );
        }
        let out = runtime
            .call(&mut storage, "BlockBuilder_finalize_block", &[])
            .unwrap_or_else(|e| panic!("block {}: finalize: {e}", block.number()));
        let built = Header::decode_exact(&out.output).expect("finalize_block returns a header");
        if check_roots {
            assert_eq!(
                built.state_root,
                block.header.state_root,
                "block {}: the replay computes another root than the real header",
                block.number()
            );
        }
        let changes = storage.changes();
        drop(storage);
        let root = state.db.commit(&changes, version).expect("commit");
        assert_eq!(
            root, built.state_root,
            "committed root = the runtime's root"
        );
        if changes.main.contains_key(b":code".as_slice())
            || changes.main.contains_key(b":heappages".as_slice())
        {
            runtime = runtime_of(&state.db);
        }
    }
    state.db.root()
}

/// A field of `/proc/self/status` in kB, as MB (0 where there is no such file).
pub fn status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The process's peak resident set (`VmHWM`), in MB. It counts the pages of memory-mapped
/// database files the process touched (parity-db maps its tables) as well as its heap.
pub fn peak_rss_mb() -> f64 {
    status_mb("VmHWM")
}

/// The bytes of the files in `dir` (parity-db keeps its tables and log flat in one directory).
pub fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}
