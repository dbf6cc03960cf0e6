//! Trie roots against an independent reference and known vectors.
//!
//! The reference below builds Substrate nodes directly by recursion over the sorted key set
//! (no `trie-root` crate, no stream), following `sp-trie`'s node format: header with kind bits
//! and nibble count, packed partial key, children bitmap, inline or hashed value, children
//! inlined under 32 bytes and hashed otherwise. Known vectors: the empty-trie root from
//! `expected.json` here; the 41 w3f trie/storage roots in `w3f_vectors.rs` and the
//! node-template genesis root in `genesis.rs`.

use std::collections::BTreeMap;

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use parity_scale_codec::{Compact, Encode};
use proptest::prelude::*;
use subexec_host_functions::storage::trie_root::{empty_trie_root, ordered_trie_root, trie_root};
use subexec_host_functions::StateVersion;

fn blake2(data: &[u8]) -> [u8; 32] {
    Blake2b::<U32>::digest(data).into()
}

fn nibbles(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 15]).collect()
}

/// Header: `kind` is the full first-byte prefix, `bits` how many high bits it uses.
fn header(kind: u8, bits: u32, count: usize) -> Vec<u8> {
    let cap = (1usize << (8 - bits)) - 1;
    let mut out = vec![kind | count.min(cap) as u8];
    if count >= cap {
        let mut rest = count - cap;
        loop {
            let byte = rest.min(255);
            out.push(byte as u8);
            rest -= byte;
            if byte < 255 {
                break;
            }
        }
    }
    out
}

fn partial(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = path;
    if path.len() % 2 == 1 {
        out.push(path[0]);
        rest = &path[1..];
    }
    for pair in rest.chunks(2) {
        out.push(pair[0] * 16 + pair[1]);
    }
    out
}

fn value_part(value: &[u8], v1: bool) -> (bool, Vec<u8>) {
    if v1 && value.len() >= 33 {
        (true, blake2(value).to_vec())
    } else {
        let mut out = Compact(value.len() as u32).encode();
        out.extend_from_slice(value);
        (false, out)
    }
}

/// (nibble path, value) pairs, sorted by path.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

fn node(entries: &[(Vec<u8>, Vec<u8>)], v1: bool) -> Vec<u8> {
    if entries.len() == 1 {
        let (path, value) = &entries[0];
        let (hashed, value) = value_part(value, v1);
        let mut out = if hashed {
            header(0b0010_0000, 3, path.len())
        } else {
            header(0b0100_0000, 2, path.len())
        };
        out.extend(partial(path));
        out.extend(value);
        return out;
    }
    let common = (0..)
        .take_while(|&i| {
            entries
                .iter()
                .all(|(p, _)| p.len() > i && p[i] == entries[0].0[i])
        })
        .count();
    let prefix = &entries[0].0[..common];
    let own = entries
        .iter()
        .find(|(p, _)| p.len() == common)
        .map(|(_, v)| v);
    let mut groups: BTreeMap<u8, Entries> = BTreeMap::new();
    for (p, v) in entries.iter().filter(|(p, _)| p.len() > common) {
        groups
            .entry(p[common])
            .or_default()
            .push((p[common + 1..].to_vec(), v.clone()));
    }
    let value = own.map(|v| value_part(v, v1));
    let mut out = match &value {
        None => header(0b1000_0000, 2, common),
        Some((false, _)) => header(0b1100_0000, 2, common),
        Some((true, _)) => header(0b0001_0000, 4, common),
    };
    out.extend(partial(prefix));
    let bitmap: u16 = groups.keys().map(|n| 1u16 << n).sum();
    out.extend(bitmap.to_le_bytes());
    if let Some((_, v)) = value {
        out.extend(v);
    }
    for group in groups.values() {
        let child = node(group, v1);
        if child.len() < 32 {
            out.extend(child.encode());
        } else {
            out.extend(blake2(&child).to_vec().encode());
        }
    }
    out
}

fn reference_root(map: &BTreeMap<Vec<u8>, Vec<u8>>, v1: bool) -> [u8; 32] {
    if map.is_empty() {
        return blake2(&[0]);
    }
    let entries: Vec<(Vec<u8>, Vec<u8>)> =
        map.iter().map(|(k, v)| (nibbles(k), v.clone())).collect();
    blake2(&node(&entries, v1))
}

fn version(v1: bool) -> StateVersion {
    if v1 {
        StateVersion::V1
    } else {
        StateVersion::V0
    }
}

#[test]
fn empty_root_matches_expected_json() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../conformance/third-party/node-template/expected.json"
    );
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let empty = expected["genesis"]["extrinsics_root"].as_str().unwrap();
    assert_eq!(format!("0x{}", hex::encode(empty_trie_root())), empty);
    assert_eq!(
        trie_root(StateVersion::V0, Vec::<(Vec<u8>, Vec<u8>)>::new()),
        empty_trie_root()
    );
    assert_eq!(
        ordered_trie_root(StateVersion::V1, Vec::<Vec<u8>>::new()),
        empty_trie_root()
    );
}

#[test]
fn long_partial_keys_use_continuation_bytes() {
    // 200-byte keys give 400-nibble partial keys: header continuation bytes are exercised.
    let mut map = BTreeMap::new();
    map.insert(vec![7u8; 200], b"a".to_vec());
    map.insert([vec![7u8; 199], vec![8]].concat(), vec![1u8; 40]);
    for v1 in [false, true] {
        assert_eq!(trie_root(version(v1), &map), reference_root(&map, v1));
    }
}

#[test]
fn v1_differs_from_v0_only_for_values_of_33_bytes_or_more() {
    let small: BTreeMap<Vec<u8>, Vec<u8>> = [(b"k".to_vec(), vec![1u8; 32])].into();
    assert_eq!(
        trie_root(StateVersion::V0, &small),
        trie_root(StateVersion::V1, &small)
    );
    let large: BTreeMap<Vec<u8>, Vec<u8>> = [(b"k".to_vec(), vec![1u8; 33])].into();
    assert_ne!(
        trie_root(StateVersion::V0, &large),
        trie_root(StateVersion::V1, &large)
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn random_maps_match_the_reference(
        map in proptest::collection::btree_map(
            prop_oneof![
                proptest::collection::vec(prop_oneof![Just(0x00u8), Just(0x01), Just(0x10), Just(0xff)], 0..5),
                proptest::collection::vec(any::<u8>(), 0..40),
            ],
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..8),
                proptest::collection::vec(any::<u8>(), 28..70),
            ],
            0..24,
        ),
        v1 in any::<bool>(),
    ) {
        prop_assert_eq!(trie_root(version(v1), &map), reference_root(&map, v1));
    }

    #[test]
    fn ordered_root_keys_values_by_compact_index(values in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..50), 0..80)) {
        let map: BTreeMap<Vec<u8>, Vec<u8>> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (Compact(i as u32).encode(), v.clone()))
            .collect();
        prop_assert_eq!(ordered_trie_root(StateVersion::V1, &values), reference_root(&map, true));
    }
}
