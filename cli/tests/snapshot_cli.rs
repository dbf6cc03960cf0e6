//! `subexec state import` of try-runtime snapshots (issue 17), differential: the snapshots are
//! made by Substrate's own code, `sp_state_machine::TestExternalities::into_raw_snapshot` (what
//! `frame-remote-externalities` stores as a snapshot's `raw_storage`), encoded with the field
//! layout of `frame-remote-externalities`' `Snapshot` (version 4; `subexec_cli::snapshot`).
//! The expected roots are sp-state-machine's; the expected pairs are the state the snapshot was
//! made from. Real data: the Westend genesis and blocks 1–3 in `conformance/third-party`.

mod cli_common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use cli_common::{hex0x, ok, root_of, subexec, westend, Out};
use parity_scale_codec::{Compact, Encode};
use sp_core::storage::{ChildInfo, StateVersion, Storage, StorageChild};
use sp_core::Blake2Hasher;
use sp_state_machine::TestExternalities;
use subexec_executor::block::json::parse_blocks;
use subexec_executor::block::{genesis_header, Header};
use subexec_executor::storage::chain_spec::GenesisStorage;

type Raw = Vec<(Vec<u8>, (Vec<u8>, i32))>;

/// sp-state-machine's trie of `state` with layout `version`, drained as a snapshot's
/// `raw_storage`, and its root.
fn raw_snapshot(state: &GenesisStorage, version: StateVersion) -> (Raw, [u8; 32]) {
    let mut top = state.top.clone();
    let code = top.remove(b":code".as_slice()).unwrap_or_default();
    let storage = Storage {
        top,
        children_default: state
            .children_default
            .iter()
            .map(|(key, data)| {
                let child = StorageChild {
                    data: data.clone(),
                    child_info: ChildInfo::new_default(key),
                };
                (key.clone(), child)
            })
            .collect::<HashMap<_, _>>(),
    };
    let ext = TestExternalities::<Blake2Hasher>::new_with_code_and_state(&code, storage, version);
    let (raw, root) = ext.into_raw_snapshot();
    (raw, root.into())
}

/// A version-4 snapshot file's bytes.
fn encode_snapshot(version: StateVersion, raw: &Raw, root: [u8; 32], header: &Header) -> Vec<u8> {
    let mut bytes = Compact(4u16).encode();
    bytes.push(version as u8);
    raw.encode_to(&mut bytes);
    root.encode_to(&mut bytes);
    header.encode_to(&mut bytes);
    bytes
}

fn import(snapshot: &Path, db: &Path) -> Out {
    subexec(&[
        "state",
        "import",
        "--chain-spec",
        snapshot.to_str().unwrap(),
        "--state",
        db.to_str().unwrap(),
    ])
}

fn export(db: &Path, out: &Path) -> GenesisStorage {
    ok(&subexec(&[
        "state",
        "export",
        "--state",
        db.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    GenesisStorage::from_json(&std::fs::read(out).unwrap()).unwrap()
}

/// The Westend genesis as try-runtime would snapshot it at block 0: the import has
/// sp-state-machine's root (the genesis header's), records block 0, and the real blocks 1–3
/// then import on top of it.
#[test]
fn a_westend_snapshot_imports_at_its_root_and_real_blocks_follow_it() {
    let spec =
        GenesisStorage::from_json(&std::fs::read(westend().join("chain-spec-raw.json")).unwrap())
            .unwrap();
    // Westend's genesis runtime has state version 0 (`state import` of the chain spec finds
    // the same), and so has its genesis trie.
    let (raw, root) = raw_snapshot(&spec, StateVersion::V0);
    let header = genesis_header(root);
    let blocks = std::fs::read(westend().join("blocks-1-128.json")).unwrap();
    assert_eq!(
        parse_blocks(&blocks).unwrap()[0].header.parent_hash,
        header.hash(),
        "sp-state-machine's root is Westend's genesis root"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("westend.snap");
    std::fs::write(
        &file,
        encode_snapshot(StateVersion::V0, &raw, root, &header),
    )
    .unwrap();
    let db = dir.path().join("db");
    assert_eq!(ok(&import(&file, &db)).trim(), hex0x(&root));
    assert_eq!(root_of(&db), hex0x(&root));
    assert_eq!(export(&db, &dir.path().join("state.json")), spec);

    // The head records block 0: block 1's parent is checked and blocks 1-3 import.
    let list: Vec<serde_json::Value> = serde_json::from_slice(&blocks).unwrap();
    let first = dir.path().join("blocks.json");
    std::fs::write(&first, serde_json::to_vec(&list[..3]).unwrap()).unwrap();
    let out = subexec(&[
        "import-blocks",
        "--state",
        db.to_str().unwrap(),
        "--blocks",
        first.to_str().unwrap(),
    ]);
    ok(&out);
    let third = &parse_blocks(&blocks).unwrap()[2];
    assert_eq!(root_of(&db), hex0x(&third.header.state_root));
}

/// A state with default child tries and values past 32 bytes (stored as hashed-value nodes
/// under V1), in both state versions.
fn synthetic_state() -> GenesisStorage {
    let mut state = GenesisStorage::default();
    for i in 0u32..300 {
        let value = vec![i as u8; (i % 70) as usize];
        state
            .top
            .insert(i.to_be_bytes().repeat(1 + i as usize % 3), value);
    }
    for child in [b"first".as_slice(), b"second"] {
        let pairs: BTreeMap<Vec<u8>, Vec<u8>> = (0u32..40)
            .map(|i| ([child, &i.to_le_bytes()].concat(), vec![7; 20 + i as usize]))
            .collect();
        state.children_default.insert(child.to_vec(), pairs);
    }
    state
}

#[test]
fn child_tries_and_both_state_versions_import_with_sp_state_machines_roots() {
    let state = synthetic_state();
    for version in [StateVersion::V0, StateVersion::V1] {
        let (raw, root) = raw_snapshot(&state, version);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state.snap");
        // A partial snapshot's header has another state root: no block is recorded.
        let header = genesis_header([9; 32]);
        std::fs::write(&file, encode_snapshot(version, &raw, root, &header)).unwrap();
        let db = dir.path().join("db");
        assert_eq!(ok(&import(&file, &db)).trim(), hex0x(&root), "{version:?}");
        let exported = export(&db, &dir.path().join("state.json"));
        // TestExternalities adds an empty `:code`.
        let mut expected = state.clone();
        expected.top.insert(b":code".to_vec(), Vec::new());
        assert_eq!(exported, expected, "{version:?}");
    }
}

/// A version-4 snapshot of hand-encoded nodes (Substrate's node codec): a leaf with a 40-byte
/// value under ten levels of branches whose sixteen children are all the level below.
fn unfolding_snapshot() -> Vec<u8> {
    let hash = subexec_executor::blake2_256;
    // Leaf, no partial key (header 0b01 + 0 nibbles), value of 40 bytes (compact 40 = 0xa0).
    let mut node = [&[0x40, 0xa0][..], &[7; 40]].concat();
    let mut raw: Raw = Vec::new();
    for _ in 0..10 {
        let child = hash(&node);
        raw.push((child.to_vec(), (node, 1)));
        // Branch without value or partial key (0b10 + 0 nibbles), all sixteen children, each a
        // 32-byte hash (compact 32 = 0x80).
        node = vec![0x80, 0xff, 0xff];
        for _ in 0..16 {
            node.push(0x80);
            node.extend_from_slice(&child);
        }
    }
    let root = hash(&node);
    raw.push((root.to_vec(), (node, 1)));
    encode_snapshot(StateVersion::V0, &raw, root, &genesis_header(root))
}

/// Runs `state import` of `bytes` into a database holding the synthetic state, expecting exit
/// 2 with `message`; the database's root must not move.
fn refused(bytes: &[u8], message: &str) {
    let state = synthetic_state();
    let (raw, root) = raw_snapshot(&state, StateVersion::V1);
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.snap");
    std::fs::write(
        &good,
        encode_snapshot(StateVersion::V1, &raw, root, &genesis_header(root)),
    )
    .unwrap();
    let db = dir.path().join("db");
    ok(&import(&good, &db));
    let bad = dir.path().join("bad.snap");
    std::fs::write(&bad, bytes).unwrap();
    let out = import(&bad, &db);
    assert_eq!(out.code, 2, "{message}: {}", out.stderr);
    assert!(out.stderr.contains(message), "{message}: {}", out.stderr);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    assert_eq!(root_of(&db), hex0x(&root), "{message}: the head moved");
}

#[test]
fn a_bad_snapshot_is_refused_with_what_is_wrong_and_changes_nothing() {
    let state = synthetic_state();
    let (mut raw, root) = raw_snapshot(&state, StateVersion::V1);
    raw.sort();
    let header = genesis_header(root);
    let good = encode_snapshot(StateVersion::V1, &raw, root, &header);

    // Cut short, with bytes after the header, another snapshot version, a bad state version.
    refused(
        &good[..good.len() - 10],
        "cannot decode the snapshot's header",
    );
    refused(
        &[&good[..], &[0, 0]].concat(),
        "bytes follow the snapshot's last field",
    );
    let mut v5 = good.clone();
    v5[0] = 5 << 2;
    refused(&v5, "snapshot version 5 is not supported");
    let mut state_version = good.clone();
    state_version[1] = 2;
    refused(&state_version, "unknown state version 2");

    // A node filed under another hash; a key shorter than a hash.
    let mut tampered = raw.clone();
    tampered[0].1 .0.push(0);
    refused(
        &encode_snapshot(StateVersion::V1, &tampered, root, &header),
        "raw storage entry 0: node filed under hash",
    );
    let mut short = raw.clone();
    short[3].0.truncate(31);
    refused(
        &encode_snapshot(StateVersion::V1, &short, root, &header),
        "raw storage entry 3: key of 31 bytes",
    );

    // A missing node (a count of 0 is no node, as in `from_raw_snapshot`): one stored once
    // (a node may be filed under several prefixes), not the root.
    let hash = |key: &[u8]| key[key.len() - 32..].to_vec();
    let once = (0..raw.len())
        .find(|&i| {
            let h = hash(&raw[i].0);
            h != root && raw.iter().filter(|(key, _)| hash(key) == h).count() == 1
        })
        .expect("a node stored once");
    let mut missing = raw.clone();
    missing[once].1 .1 = 0;
    refused(
        &encode_snapshot(StateVersion::V1, &missing, root, &header),
        "the snapshot's trie is incomplete or malformed",
    );

    // A trie whose nodes reference one child sixteen times, ten levels deep: 16^10 pairs from
    // 11 nodes (a DAG of hashes). Refused once its pairs pass the bound, not walked.
    refused(
        &unfolding_snapshot(),
        "the snapshot's trie unfolds into more than",
    );

    // The state version the snapshot claims does not build its root: V0 stores the values
    // past 32 bytes inline, so the V1 trie's pairs build another root under V0.
    refused(
        &encode_snapshot(StateVersion::V0, &raw, root, &header),
        "the snapshot's state does not build its root",
    );
}

/// A sparse file of `len` bytes starting with a version-4 snapshot's first byte.
fn sparse_snapshot(dir: &Path, len: u64) -> PathBuf {
    let path = dir.join(format!("{len}.snap"));
    let file = std::fs::File::create(&path).unwrap();
    std::io::Write::write_all(&mut &file, &[4 << 2]).unwrap();
    file.set_len(len).unwrap();
    path
}

/// `MAX_SNAPSHOT_FILE_BYTES` (8 GiB) is read (a file of zeros after the version decodes as an
/// empty snapshot followed by bytes); one byte more is refused from its size, unread.
#[test]
fn snapshot_files_are_bounded() {
    use subexec_cli::snapshot::MAX_SNAPSHOT_FILE_BYTES;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let at = import(&sparse_snapshot(dir.path(), MAX_SNAPSHOT_FILE_BYTES), &db);
    assert_eq!(at.code, 2, "{}", at.stderr);
    assert!(
        at.stderr.contains("bytes follow the snapshot's last field"),
        "{}",
        at.stderr
    );
    let past = import(
        &sparse_snapshot(dir.path(), MAX_SNAPSHOT_FILE_BYTES + 1),
        &db,
    );
    assert_eq!(past.code, 2, "{}", past.stderr);
    assert!(
        past.stderr.contains(&format!(
            "is larger than its limit of {MAX_SNAPSHOT_FILE_BYTES} bytes"
        )),
        "{}",
        past.stderr
    );
}

/// Mutated snapshots (bytes flipped, cut, inserted; lengths and counts overwritten) decode to
/// a snapshot or a typed error, never a panic, and a decoded one walks to a state or a typed
/// error. In process, on `subexec_cli::snapshot` itself: 3 000 deterministic mutations.
#[test]
fn mutated_snapshots_fail_with_typed_errors() {
    let state = synthetic_state();
    let (raw, root) = raw_snapshot(&state, StateVersion::V1);
    let good = encode_snapshot(StateVersion::V1, &raw, root, &genesis_header(root));
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..3_000 {
        let mut bytes = good.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() % bytes.len() as u64) as usize;
            match next() % 4 {
                0 => bytes[at] ^= 1 << (next() % 8),
                1 => bytes.truncate(at),
                2 => bytes.insert(at, next() as u8),
                // A compact length or count of 2^30 - 1 (four bytes, mode 0b10).
                _ => {
                    let end = (at + 4).min(bytes.len());
                    bytes.splice(at..end, [0xFE, 0xFF, 0xFF, 0xFF]);
                }
            }
            if bytes.is_empty() {
                bytes.push(0x10);
            }
        }
        match subexec_cli::snapshot::read(&bytes[..]).map(|s| s.into_state()) {
            Ok(Ok(_)) => accepted += 1,
            Ok(Err(error)) | Err(error) => {
                assert!(!error.to_string().contains('\n'), "{error}");
                refused += 1;
            }
        }
    }
    assert!(refused > 2_500, "accepted {accepted}, refused {refused}");
}
