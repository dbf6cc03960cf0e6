//! `snapshot`: try-runtime snapshot files through [`subexec_cli::snapshot`], the reader behind
//! `subexec state import` (its format and bounds are that module's documentation).
//!
//! The input's first byte picks how the rest becomes a file:
//! - bit 0 clear, **raw**: the rest is the file, as `subexec state import` would read it;
//! - bit 0 set, **structured**: the rest describes a well-formed file ([`Structured`]) whose
//!   nodes are filed under their own hashes, so that mutations reach the trie walk instead of
//!   stopping at the hash check. A node may name a later node by a 3-byte marker that becomes
//!   that node's hash ([`MARKER`]), so the fuzzer builds DAGs (one subtree shared sixteen
//!   times, level after level: the state bomb the state bound refuses) by editing a byte.
//!
//! Properties, on every input:
//! - no panic, and every error's text is one line without control characters, of bounded
//!   length;
//! - a structured file without injected faults decodes, with the versions, root, counts and
//!   header it was written with; each injected fault (wrong hash, short key, trailing byte,
//!   unknown versions) is refused with its own error;
//! - the state it unfolds into holds at most [`subexec_cli::snapshot::Snapshot::max_state_bytes`];
//! - reading and unfolding the same bytes twice gives the same state or the same error.
//!
//! The committed seeds (`tests/snapshot_seeds.rs`) are real tries built by sp-trie, as
//! `TestExternalities::into_raw_snapshot` drains them, in both layouts with hashed values and a
//! default child trie, and a shared-subtree DAG; that test also checks that each seed unfolds
//! into exactly the pairs sp-trie was given.

use std::collections::BTreeSet;

use parity_scale_codec::{Compact, Encode};
use subexec_cli::snapshot::{self, Snapshot, SnapshotError};
use subexec_executor::blake2_256;
use subexec_host_functions::storage::chain_spec::GenesisStorage;

/// In a structured node, `MARKER` followed by a byte `j` stands for the hash of the node
/// `j + 1` places after it (left as is when there is no such node).
pub const MARKER: [u8; 2] = [0xFE, 0xED];

/// The longest error text accepted: an error names a field and at most two hashes.
pub const MAX_ERROR_CHARS: usize = 512;

/// Structured-file flags (the byte after the mode byte).
pub mod flags {
    /// Snapshot version 4 (with a header); clear: version 3 (with a block hash).
    pub const VERSION_4: u8 = 1;
    /// State version 1; clear: 0.
    pub const STATE_V1: u8 = 1 << 1;
    /// The header's state root is the snapshot's root (the snapshot names its block).
    pub const WHOLE_STATE: u8 = 1 << 2;
    /// A byte after the last field.
    pub const TRAILING: u8 = 1 << 3;
    /// State-version byte 2.
    pub const BAD_STATE_VERSION: u8 = 1 << 4;
    /// Snapshot version 5.
    pub const BAD_VERSION: u8 = 1 << 5;
}

/// Per-entry faults (the high bits of an entry's prefix-length byte).
pub mod entry_faults {
    /// The key ends with the node's hash with its last byte flipped.
    pub const WRONG_HASH: u8 = 1 << 7;
    /// The key is cut to fewer than 32 bytes.
    pub const SHORT_KEY: u8 = 1 << 6;
}

/// A structured input, parsed from bytes (`flags`, then entries until the bytes end):
///
/// | field | bytes |
/// |---|---|
/// | `references` | 1 (`i8`; entries with a count ≤ 0 are skipped by the reader) |
/// | prefix length and faults | 1 (low 4 bits mod 9: the prefix's length; [`entry_faults`]) |
/// | prefix | that many (the database key's nibble prefix, which the reader ignores) |
/// | node length | 2 (little-endian; cut to what is left) |
/// | node | that many, [`MARKER`]s expanded |
///
/// The storage root is the hash of the first node (of no bytes when there is none).
#[derive(Debug, Default)]
pub struct Structured {
    /// [`flags`].
    pub flags: u8,
    /// `raw_storage`'s entries.
    pub entries: Vec<Entry>,
}

/// One `raw_storage` entry of a [`Structured`] input.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The reference count.
    pub references: i8,
    /// The key's prefix before the hash.
    pub prefix: Vec<u8>,
    /// [`entry_faults`].
    pub faults: u8,
    /// The node, with [`MARKER`]s.
    pub template: Vec<u8>,
}

impl Structured {
    /// Parses the structured description (never fails: missing bytes are zeros or empty).
    pub fn parse(data: &[u8]) -> Self {
        let mut rest = data;
        let mut take = |n: usize| {
            let (head, tail) = rest.split_at(n.min(rest.len()));
            rest = tail;
            head
        };
        let flags = take(1).first().copied().unwrap_or(0);
        let mut entries = Vec::new();
        loop {
            let header = take(2);
            let [references, prefix_byte] = header else {
                break;
            };
            let (references, prefix_byte) = (*references as i8, *prefix_byte);
            let prefix = take(usize::from(prefix_byte & 0x0F) % 9).to_vec();
            let len = match take(2) {
                [lo, hi] => usize::from(u16::from_le_bytes([*lo, *hi])),
                _ => 0,
            };
            let template = take(len).to_vec();
            entries.push(Entry {
                references,
                prefix,
                faults: prefix_byte & 0xC0,
                template,
            });
        }
        Structured { flags, entries }
    }

    /// A whole input for [`run`]: the structured mode byte, then what [`Structured::parse`]
    /// reads back as `self` (the seed generator writes inputs with it).
    pub fn to_input(&self) -> Vec<u8> {
        let mut out = vec![1, self.flags];
        for entry in &self.entries {
            let len = u16::try_from(entry.template.len()).expect("a node of at most 64 KiB");
            assert!(entry.prefix.len() <= 8, "a prefix of at most 8 bytes");
            out.push(entry.references as u8);
            out.push(entry.prefix.len() as u8 | entry.faults);
            out.extend_from_slice(&entry.prefix);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&entry.template);
        }
        out
    }

    /// The nodes with their markers expanded, last to first (a marker names a later node).
    pub fn nodes(&self) -> Vec<Vec<u8>> {
        let mut nodes: Vec<Vec<u8>> = vec![Vec::new(); self.entries.len()];
        let mut hashes: Vec<[u8; 32]> = vec![[0; 32]; self.entries.len()];
        for index in (0..self.entries.len()).rev() {
            let template = &self.entries[index].template;
            let mut node = Vec::with_capacity(template.len());
            let mut at = 0;
            while at < template.len() {
                if template[at..].starts_with(&MARKER) && at + 2 < template.len() {
                    let target = index + 1 + usize::from(template[at + 2]);
                    if let Some(hash) = hashes.get(target) {
                        node.extend_from_slice(hash);
                        at += 3;
                        continue;
                    }
                }
                node.push(template[at]);
                at += 1;
            }
            hashes[index] = blake2_256(&node);
            nodes[index] = node;
        }
        nodes
    }

    /// The storage root the file names: the first node's hash.
    pub fn root(nodes: &[Vec<u8>]) -> [u8; 32] {
        blake2_256(nodes.first().map_or(&[][..], Vec::as_slice))
    }

    /// The snapshot file.
    pub fn file(&self, nodes: &[Vec<u8>]) -> Vec<u8> {
        let root = Self::root(nodes);
        let version: u16 = match self.flags {
            f if f & flags::BAD_VERSION != 0 => 5,
            f if f & flags::VERSION_4 != 0 => 4,
            _ => 3,
        };
        let mut file = Compact(version).encode();
        file.push(match self.flags {
            f if f & flags::BAD_STATE_VERSION != 0 => 2,
            f if f & flags::STATE_V1 != 0 => 1,
            _ => 0,
        });
        if version == 3 {
            file.extend_from_slice(&[0x33; 32]);
        }
        Compact(nodes.len() as u32).encode_to(&mut file);
        for (entry, node) in self.entries.iter().zip(nodes) {
            let mut key = entry.prefix.clone();
            let mut hash = blake2_256(node);
            if entry.faults & entry_faults::WRONG_HASH != 0 {
                hash[31] ^= 1;
            }
            key.extend_from_slice(&hash);
            if entry.faults & entry_faults::SHORT_KEY != 0 {
                key.truncate(usize::from(hash[0] % 32));
            }
            (key, node, i32::from(entry.references)).encode_to(&mut file);
        }
        file.extend_from_slice(&root);
        if version == 4 {
            // The header: parent hash, number, state root, extrinsics root, an empty digest.
            file.extend_from_slice(&[0x11; 32]);
            Compact(nodes.len() as u32).encode_to(&mut file);
            let state_root = match self.flags & flags::WHOLE_STATE {
                0 => [0x22; 32],
                _ => root,
            };
            file.extend_from_slice(&state_root);
            file.extend_from_slice(&[0x44; 32]);
            file.push(0);
        }
        if self.flags & flags::TRAILING != 0 {
            file.push(0);
        }
        file
    }
}

/// What reading and unfolding a file gave: the state, or the error's text.
#[derive(Debug, PartialEq, Eq)]
pub enum Unfolded {
    /// The file did not decode.
    Read(String),
    /// The file decoded; its trie did not unfold.
    State(String),
    /// The state.
    Ok(GenesisStorage),
}

/// Reads and unfolds `file`, checking the properties that need no expectation.
pub fn unfold(file: &[u8]) -> (Option<SnapshotFacts>, Unfolded) {
    let snapshot = match snapshot::read(file) {
        Ok(snapshot) => snapshot,
        Err(error) => return (None, Unfolded::Read(checked_text(&error))),
    };
    let facts = SnapshotFacts::of(&snapshot);
    let limit = snapshot.max_state_bytes();
    let unfolded = match snapshot.into_state() {
        Ok(state) => {
            let bytes = state_bytes(&state);
            assert!(
                bytes <= limit,
                "{bytes} bytes of state past the bound {limit}"
            );
            Unfolded::Ok(state)
        }
        Err(error) => {
            assert!(
                !matches!(error, SnapshotError::Io(_)),
                "an in-memory file failed to read: {error}"
            );
            Unfolded::State(checked_text(&error))
        }
    };
    (Some(facts), unfolded)
}

/// What a decoded snapshot says about itself.
#[derive(Debug, PartialEq, Eq)]
pub struct SnapshotFacts {
    /// Its format version.
    pub snapshot_version: u16,
    /// Whether its layout is V1.
    pub v1: bool,
    /// Its root.
    pub storage_root: [u8; 32],
    /// Whether it has a header, and whether the header names the whole state.
    pub header: (bool, bool),
    /// Positive-count entries.
    pub entries: u64,
    /// Bytes of distinct nodes.
    pub node_bytes: u64,
}

impl SnapshotFacts {
    fn of(snapshot: &Snapshot) -> Self {
        SnapshotFacts {
            snapshot_version: snapshot.snapshot_version,
            v1: matches!(
                snapshot.state_version,
                subexec_host_functions::storage::StateVersion::V1
            ),
            storage_root: snapshot.storage_root,
            header: (snapshot.header.is_some(), snapshot.block().is_some()),
            entries: snapshot.entries,
            node_bytes: snapshot.node_bytes,
        }
    }
}

/// Bytes of a state as the state bound counts them (keys, values and
/// [`snapshot::PAIR_OVERHEAD_BYTES`] per pair), child tries included.
pub fn state_bytes(state: &GenesisStorage) -> u64 {
    let pairs = |map: &subexec_host_functions::storage::StorageMap| -> u64 {
        map.iter()
            .map(|(k, v)| (k.len() + v.len()) as u64 + snapshot::PAIR_OVERHEAD_BYTES)
            .sum()
    };
    pairs(&state.top) + state.children_default.values().map(pairs).sum::<u64>()
}

/// An error's text, checked to be one short line without control characters.
fn checked_text(error: &SnapshotError) -> String {
    let text = error.to_string();
    assert!(
        text.chars().count() <= MAX_ERROR_CHARS,
        "an error of {} characters: {:?}…",
        text.chars().count(),
        text.chars().take(300).collect::<String>()
    );
    assert!(
        !text.chars().any(char::is_control),
        "an error with a control character: {text:?}"
    );
    text
}

/// The fuzz target: see the module documentation.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let first = unfold(rest);
        assert_eq!(first, unfold(rest), "the same file read twice differs");
        return;
    }
    let structured = Structured::parse(rest);
    let nodes = structured.nodes();
    let file = structured.file(&nodes);
    let first = unfold(&file);
    assert_eq!(first, unfold(&file), "the same file read twice differs");
    let (facts, unfolded) = first;
    check_structured(&structured, &nodes, facts, &unfolded);
}

/// What a structured file must decode to, or the error its first fault must give.
fn check_structured(
    structured: &Structured,
    nodes: &[Vec<u8>],
    facts: Option<SnapshotFacts>,
    unfolded: &Unfolded,
) {
    let flags = structured.flags;
    let expected_read_error = if flags & flags::BAD_VERSION != 0 {
        Some("snapshot version 5")
    } else if flags & flags::BAD_STATE_VERSION != 0 {
        Some("unknown state version 2")
    } else {
        // The first positive-count entry with a fault decides.
        structured
            .entries
            .iter()
            .filter(|e| e.references > 0)
            .find_map(|e| {
                if e.faults & entry_faults::SHORT_KEY != 0 {
                    Some("shorter than a 32-byte hash")
                } else if e.faults & entry_faults::WRONG_HASH != 0 {
                    Some("node filed under hash")
                } else {
                    None
                }
            })
            .or((flags & flags::TRAILING != 0).then_some("bytes follow"))
    };
    match (expected_read_error, unfolded) {
        (Some(expected), Unfolded::Read(text)) => {
            assert!(
                text.contains(expected),
                "expected {expected:?}, got {text:?}"
            )
        }
        (Some(expected), other) => panic!("expected {expected:?}, got {other:?}"),
        (None, Unfolded::Read(text)) => panic!("a well-formed snapshot is refused: {text}"),
        (None, _) => {
            let facts = facts.expect("decoded");
            let positive: Vec<&Vec<u8>> = structured
                .entries
                .iter()
                .zip(nodes)
                .filter(|(e, _)| e.references > 0)
                .map(|(_, node)| node)
                .collect();
            let distinct: BTreeSet<&Vec<u8>> = positive.iter().copied().collect();
            let version_4 = flags & flags::VERSION_4 != 0;
            let expected = SnapshotFacts {
                snapshot_version: if version_4 { 4 } else { 3 },
                v1: flags & flags::STATE_V1 != 0,
                storage_root: Structured::root(nodes),
                header: (version_4, version_4 && flags & flags::WHOLE_STATE != 0),
                entries: positive.len() as u64,
                node_bytes: distinct.iter().map(|n| n.len() as u64).sum(),
            };
            assert_eq!(facts, expected);
        }
    }
}
