//! try-runtime's state snapshots: the files `try-runtime create-snapshot` writes
//! (`frame-remote-externalities`' `Snapshot`), read into key-value state.
//!
//! # The format (snapshot version 4; version 3 is read too)
//! One SCALE value, as `frame-remote-externalities` encodes it:
//!
//! | field | type | version |
//! | --- | --- | --- |
//! | `snapshot_version` | `Compact<u16>` | 3, 4 |
//! | `state_version` | `u8` (`StateVersion`: 0 ⇒ V0, 1 ⇒ V1) | 3, 4 |
//! | `block_hash` | `[u8; 32]` | 3 only |
//! | `raw_storage` | `Vec<(Vec<u8>, (Vec<u8>, i32))>` | 3, 4 |
//! | `storage_root` | `[u8; 32]` | 3, 4 |
//! | `header` | the block's `Header` | 4 only |
//!
//! `raw_storage` is not key-value pairs: it is the drained node database of the snapshot's
//! trie backend (`sp_state_machine::TestExternalities::into_raw_snapshot`), each entry a
//! database key (the node's nibble prefix, then its Blake2-256 hash), the encoded trie node and
//! its reference count. The state is the trie at `storage_root` over those nodes, default child
//! tries included. `sp_state_machine::TestExternalities::from_raw_snapshot` loads entries whose
//! reference count is positive under the hash their key ends with; [`read`] does the same but
//! also checks that hash against the node's own (a snapshot is input: a node filed under a hash
//! it does not have would make the state depend on which copy a reader keeps).
//!
//! `storage_root` differs from the header's state root when the snapshot holds part of the
//! state only (try-runtime can fetch chosen pallets): [`Snapshot::block`] names the header's
//! block only when the snapshot holds its whole state.
//!
//! # Bounds
//! The file is decoded as a stream (SCALE lengths are never trusted for allocation), every
//! node is held once (duplicates under other prefixes are dropped), and the file is at most
//! [`MAX_SNAPSHOT_FILE_BYTES`]. The state the nodes unfold into is bounded too
//! ([`Snapshot::max_state_bytes`]): a trie is a DAG of hashes, so a few nodes that reference
//! one child sixteen times, level after level, describe 16^depth pairs; such a snapshot is
//! refused once its pairs pass the bound, not walked. `docs/LIMITS.md`.

use std::collections::BTreeMap;
use std::io::Read;
use std::ops::ControlFlow;

use parity_scale_codec::{Compact, Decode, IoReader};
use subexec_executor::block::Header;
use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::storage::{
    Backend, StateVersion, StorageMap, StorageProof, TrieBackend, TrieId,
    DEFAULT_CHILD_STORAGE_PREFIX,
};

/// The largest snapshot file: 8 GiB. A snapshot is held in memory once as trie nodes and once
/// as key-value pairs while it is imported.
pub const MAX_SNAPSHOT_FILE_BYTES: u64 = 8 << 30;

/// The most bytes of state a snapshot may unfold into, each pair counted with
/// [`PAIR_OVERHEAD_BYTES`]: 8 GiB (see [`Snapshot::max_state_bytes`]).
pub const MAX_SNAPSHOT_STATE_BYTES: u64 = 8 << 30;

/// How many times its distinct trie nodes' bytes a snapshot's state may hold, plus
/// [`STATE_BYTES_SLACK`]. Each pair of a trie that is a tree is in a leaf of its own, its key
/// spread over the path: a real state's pairs, overhead included, take a few times its nodes'
/// bytes, and the densest tree (every 2-byte key with a 1-byte value: branches of 16 inline
/// leaves) about 21 times; far more means shared subtrees.
pub const STATE_BYTES_PER_NODE_BYTE: u64 = 32;

/// What a snapshot's state may hold beyond [`STATE_BYTES_PER_NODE_BYTE`] times its nodes.
pub const STATE_BYTES_SLACK: u64 = 16 << 20;

/// What the state bound charges for each pair beyond its key and value bytes: about what the
/// pair costs in memory once unfolded (a `BTreeMap` entry of two `Vec` headers in a node kept
/// about two-thirds full, and two heap allocations). Counting bytes alone let 16 MiB of tiny
/// pairs (a shared-subtree DAG of 434 bytes unfolds into millions of 3-byte keys) take 670 MB
/// and seconds before the bound refused them (fuzzing finding 9, `docs/FUZZING.md`).
pub const PAIR_OVERHEAD_BYTES: u64 = 128;

/// The snapshot versions [`read`] knows.
pub const SNAPSHOT_VERSIONS: [u16; 2] = [3, 4];

/// What was wrong with a snapshot file.
#[derive(thiserror::Error, Debug)]
pub enum SnapshotError {
    /// The bytes end or are malformed at `field`.
    #[error("cannot decode the snapshot's {field}: {reason}")]
    Decode {
        /// The field being decoded.
        field: &'static str,
        /// The codec's reason, on one line.
        reason: String,
    },
    /// A snapshot version other than [`SNAPSHOT_VERSIONS`].
    #[error("snapshot version {0} is not supported (versions 3 and 4 are)")]
    Version(u16),
    /// A state version other than 0 and 1.
    #[error("unknown state version {0} (0 and 1 exist)")]
    StateVersion(u8),
    /// A `raw_storage` key shorter than a hash.
    #[error("raw storage entry {index}: key of {len} bytes, shorter than a 32-byte hash")]
    ShortKey {
        /// The entry's index.
        index: u64,
        /// The key's length.
        len: usize,
    },
    /// A node filed under a hash that is not its own.
    #[error(
        "raw storage entry {index}: node filed under hash 0x{} hashes to 0x{}",
        hex::encode(claimed),
        hex::encode(actual)
    )]
    WrongHash {
        /// The entry's index.
        index: u64,
        /// The hash the key ends with.
        claimed: [u8; 32],
        /// Blake2-256 of the node.
        actual: [u8; 32],
    },
    /// The pairs pass [`Snapshot::max_state_bytes`]: subtrees shared many times over.
    #[error(
        "the snapshot's trie unfolds into more than {limit} bytes of state (keys and values, \
         and {PAIR_OVERHEAD_BYTES} per pair)"
    )]
    StateTooLarge {
        /// The bound.
        limit: u64,
    },
    /// Bytes after the last field.
    #[error("bytes follow the snapshot's last field")]
    Trailing,
    /// The nodes do not hold the whole trie under `storage_root` (or a node is not a trie node).
    #[error("the snapshot's trie is incomplete or malformed: {0}")]
    Trie(String),
    /// The file could not be read.
    #[error("cannot read the snapshot: {0}")]
    Io(#[from] std::io::Error),
}

/// A decoded snapshot: its trie nodes and what names the state they hold.
pub struct Snapshot {
    /// The snapshot format's version (3 or 4).
    pub snapshot_version: u16,
    /// The layout the state's trie was built with.
    pub state_version: StateVersion,
    /// The root of the snapshot's state.
    pub storage_root: [u8; 32],
    /// The block the state was taken at (version 4 only).
    pub header: Option<Header>,
    /// Positive-count `raw_storage` entries.
    pub entries: u64,
    /// Bytes of the distinct nodes.
    pub node_bytes: u64,
    nodes: StorageProof,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("snapshot_version", &self.snapshot_version)
            .field("state_version", &self.state_version)
            .field("storage_root", &hex::encode(self.storage_root))
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

/// Whether a file starting with `first_byte` is read as a snapshot rather than as JSON: a JSON
/// state starts with `{` or whitespace; a snapshot starts with its version, a SCALE compact
/// (`4 << 2` for version 4), never either.
pub fn is_snapshot_start(first_byte: u8) -> bool {
    first_byte != b'{' && !first_byte.is_ascii_whitespace()
}

fn decode<T: Decode, R: Read>(
    input: &mut IoReader<R>,
    field: &'static str,
) -> Result<T, SnapshotError> {
    // parity-scale-codec's `Display` puts each context on its own line: one line here.
    T::decode(input).map_err(|e| SnapshotError::Decode {
        field,
        reason: e
            .to_string()
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join(": "),
    })
}

/// Decodes a snapshot from `reader` (at most [`MAX_SNAPSHOT_FILE_BYTES`] are read; the caller
/// bounds the file).
///
/// # Errors
/// [`SnapshotError`] naming the field or entry that is wrong.
pub fn read(reader: impl Read) -> Result<Snapshot, SnapshotError> {
    let mut input = IoReader(std::io::BufReader::with_capacity(
        1 << 20,
        reader.take(MAX_SNAPSHOT_FILE_BYTES),
    ));
    let Compact(snapshot_version) = decode::<Compact<u16>, _>(&mut input, "snapshot version")?;
    if !SNAPSHOT_VERSIONS.contains(&snapshot_version) {
        return Err(SnapshotError::Version(snapshot_version));
    }
    let version_byte: u8 = decode(&mut input, "state version")?;
    // `sp_storage::StateVersion`'s SCALE encoding: exactly 0 or 1.
    let state_version = match version_byte {
        0 => StateVersion::V0,
        1 => StateVersion::V1,
        other => return Err(SnapshotError::StateVersion(other)),
    };
    if snapshot_version == 3 {
        let _block_hash: [u8; 32] = decode(&mut input, "block hash")?;
    }
    let Compact(count) = decode::<Compact<u32>, _>(&mut input, "raw storage length")?;
    let mut nodes: BTreeMap<[u8; 32], Vec<u8>> = BTreeMap::new();
    let mut entries = 0u64;
    let mut node_bytes = 0u64;
    for index in 0..u64::from(count) {
        let key: Vec<u8> = decode(&mut input, "raw storage key")?;
        let node: Vec<u8> = decode(&mut input, "raw storage node")?;
        let references: i32 = decode(&mut input, "raw storage reference count")?;
        if references <= 0 {
            continue;
        }
        entries += 1;
        let claimed = key
            .len()
            .checked_sub(32)
            .map(|start| <[u8; 32]>::try_from(&key[start..]).expect("32 bytes"))
            .ok_or(SnapshotError::ShortKey {
                index,
                len: key.len(),
            })?;
        let actual = subexec_executor::blake2_256(&node);
        if actual != claimed {
            return Err(SnapshotError::WrongHash {
                index,
                claimed,
                actual,
            });
        }
        if let std::collections::btree_map::Entry::Vacant(slot) = nodes.entry(actual) {
            node_bytes += node.len() as u64;
            slot.insert(node);
        }
    }
    let storage_root: [u8; 32] = decode(&mut input, "storage root")?;
    let header = match snapshot_version {
        4 => Some(decode::<Header, _>(&mut input, "header")?),
        _ => None,
    };
    if input.0.read(&mut [0u8])? > 0 {
        return Err(SnapshotError::Trailing);
    }
    Ok(Snapshot {
        snapshot_version,
        state_version,
        storage_root,
        header,
        entries,
        node_bytes,
        nodes: StorageProof::new(nodes.into_values()),
    })
}

impl Snapshot {
    /// The block whose whole state the snapshot holds: the header's, when its state root is
    /// the snapshot's root (`None` for a partial snapshot or a version-3 file).
    pub fn block(&self) -> Option<&Header> {
        self.header
            .as_ref()
            .filter(|h| h.state_root == self.storage_root)
    }

    /// The most bytes of state [`Snapshot::into_state`] produces, each pair counted as its key
    /// and value bytes plus [`PAIR_OVERHEAD_BYTES`]: [`STATE_BYTES_PER_NODE_BYTE`] × the nodes'
    /// bytes + [`STATE_BYTES_SLACK`], at most [`MAX_SNAPSHOT_STATE_BYTES`].
    pub fn max_state_bytes(&self) -> u64 {
        self.node_bytes
            .saturating_mul(STATE_BYTES_PER_NODE_BYTE)
            .saturating_add(STATE_BYTES_SLACK)
            .min(MAX_SNAPSHOT_STATE_BYTES)
    }

    /// The snapshot's state as key-value pairs: the main trie under `storage_root` and every
    /// default child trie it names, walked in key order.
    ///
    /// # Errors
    /// [`SnapshotError::Trie`] if a node the walk needs is missing or malformed,
    /// [`SnapshotError::StateTooLarge`] past [`Snapshot::max_state_bytes`].
    pub fn into_state(self) -> Result<GenesisStorage, SnapshotError> {
        let limit = self.max_state_bytes();
        let backend = TrieBackend::from_proof(self.storage_root, self.nodes);
        let mut budget = Budget { left: limit, limit };
        let mut state = GenesisStorage::default();
        let mut children = Vec::new();
        walk(
            &backend,
            TrieId::Main,
            &mut budget,
            &mut |key, value| match key.strip_prefix(DEFAULT_CHILD_STORAGE_PREFIX) {
                Some(child) => children.push(child.to_vec()),
                None => {
                    state.top.insert(key.to_vec(), value.to_vec());
                }
            },
        )?;
        for child in children {
            let mut pairs = StorageMap::new();
            walk(
                &backend,
                TrieId::DefaultChild(&child),
                &mut budget,
                &mut |key, value| {
                    pairs.insert(key.to_vec(), value.to_vec());
                },
            )?;
            state.children_default.insert(child, pairs);
        }
        Ok(state)
    }
}

/// The most bytes of a trie error's text kept: the backend's errors name keys, in hex, of any
/// length the snapshot chooses (fuzzing finding 10, `docs/FUZZING.md`).
pub const MAX_TRIE_REASON_BYTES: usize = 400;

/// A trie error's text on one line, cut at [`MAX_TRIE_REASON_BYTES`].
fn trie_reason(text: &str) -> String {
    crate::text::one_line_within(text, MAX_TRIE_REASON_BYTES).into_owned()
}

/// Bytes of state (keys, values and [`PAIR_OVERHEAD_BYTES`] per pair) a walk may still produce.
struct Budget {
    left: u64,
    limit: u64,
}

/// Visits every pair of `trie`, charging `budget` for each before `visit` sees it.
fn walk(
    backend: &dyn Backend,
    trie: TrieId<'_>,
    budget: &mut Budget,
    visit: &mut dyn FnMut(&[u8], &[u8]),
) -> Result<(), SnapshotError> {
    let mut exceeded = false;
    backend
        .for_each_pair(trie, &mut |key, value| {
            let cost = (key.len() + value.len()) as u64 + PAIR_OVERHEAD_BYTES;
            match budget.left.checked_sub(cost) {
                Some(left) => {
                    budget.left = left;
                    visit(key, value);
                    ControlFlow::Continue(())
                }
                None => {
                    exceeded = true;
                    ControlFlow::Break(())
                }
            }
        })
        .map_err(|e| SnapshotError::Trie(trie_reason(&e.to_string())))?;
    if exceeded {
        return Err(SnapshotError::StateTooLarge {
            limit: budget.limit,
        });
    }
    Ok(())
}
