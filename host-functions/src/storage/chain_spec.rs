//! Initial state from a raw chain spec: `genesis.raw.top` and `genesis.raw.childrenDefault`.
//!
//! ```json
//! { "genesis": { "raw": {
//!     "top": { "0x3a636f6465": "0x…", … },
//!     "childrenDefault": { "0x<unprefixed storage key>": { "0x…": "0x…" } }
//! } } }
//! ```
//! Keys and values are `0x`-prefixed hex. Child tries are keyed by their unprefixed storage
//! key, as `sc-chain-spec` writes them; their roots go into the main trie (see
//! [`InMemoryBackend::new`]).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::memory::{InMemoryBackend, StorageMap};
use super::StateVersion;

/// Why a chain spec could not be loaded.
#[derive(thiserror::Error, Debug)]
pub enum ChainSpecError {
    /// Not JSON, or not the raw chain-spec shape.
    #[error("invalid raw chain spec JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A key or value is not `0x`-prefixed hex.
    #[error("invalid hex in {what}: {text:?}")]
    Hex {
        /// Where it was (`top key`, `child value`, …).
        what: &'static str,
        /// The offending string (truncated to 80 characters).
        text: String,
    },
}

#[derive(Deserialize)]
struct ChainSpecFile {
    genesis: GenesisSection,
}

#[derive(Deserialize)]
struct GenesisSection {
    raw: RawGenesis,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawGenesis {
    top: BTreeMap<String, String>,
    #[serde(default)]
    children_default: BTreeMap<String, BTreeMap<String, String>>,
}

fn decode_hex(what: &'static str, text: &str) -> Result<Vec<u8>, ChainSpecError> {
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| hex_error(what, text))?;
    hex::decode(digits).map_err(|_| hex_error(what, text))
}

fn hex_error(what: &'static str, text: &str) -> ChainSpecError {
    ChainSpecError::Hex {
        what,
        text: text.chars().take(80).collect(),
    }
}

fn decode_map(
    entries: &BTreeMap<String, String>,
    key_what: &'static str,
    value_what: &'static str,
) -> Result<StorageMap, ChainSpecError> {
    entries
        .iter()
        .map(|(k, v)| Ok((decode_hex(key_what, k)?, decode_hex(value_what, v)?)))
        .collect()
}

/// The genesis storage of a raw chain spec: main map and default child tries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenesisStorage {
    /// `genesis.raw.top`.
    pub top: StorageMap,
    /// `genesis.raw.childrenDefault`, by unprefixed storage key.
    pub children_default: BTreeMap<Vec<u8>, StorageMap>,
}

impl GenesisStorage {
    /// Parses a raw chain spec.
    pub fn from_json(json: &[u8]) -> Result<Self, ChainSpecError> {
        let file: ChainSpecFile = serde_json::from_slice(json)?;
        let raw = file.genesis.raw;
        let top = decode_map(&raw.top, "top key", "top value")?;
        let children_default = raw
            .children_default
            .iter()
            .map(|(storage_key, child)| {
                Ok((
                    decode_hex("child storage key", storage_key)?,
                    decode_map(child, "child key", "child value")?,
                ))
            })
            .collect::<Result<_, ChainSpecError>>()?;
        Ok(GenesisStorage {
            top,
            children_default,
        })
    }

    /// The in-memory backend holding this state (child roots computed with `version`).
    pub fn into_backend(self, version: StateVersion) -> InMemoryBackend {
        InMemoryBackend::new(self.top, self.children_default, version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_top_and_children() {
        let json = br#"{"name":"x","genesis":{"raw":{"top":{"0x01":"0x02"},
            "childrenDefault":{"0x63":{"0x0a":"0x0b"}}}}}"#;
        let genesis = GenesisStorage::from_json(json).unwrap();
        assert_eq!(genesis.top.get(&[1u8][..]), Some(&vec![2u8]));
        assert_eq!(
            genesis.children_default[&b"c".to_vec()][&vec![10u8]],
            vec![11u8]
        );
    }

    #[test]
    fn child_tries_contribute_their_root_to_the_main_trie() {
        let json = br#"{"genesis":{"raw":{"top":{"0x01":"0x02"},
            "childrenDefault":{"0x63":{"0x0a":"0x0b"}}}}}"#;
        let backend = GenesisStorage::from_json(json)
            .unwrap()
            .into_backend(StateVersion::V0);
        let child_root =
            crate::storage::trie_root::trie_root(StateVersion::V0, [(vec![10u8], vec![11u8])]);
        let mut expected = StorageMap::new();
        expected.insert(vec![1], vec![2]);
        expected.insert(b":child_storage:default:c".to_vec(), child_root.to_vec());
        assert_eq!(backend.top(), &expected);
    }

    #[test]
    fn rejects_bad_hex_and_shape() {
        let bad_hex = br#"{"genesis":{"raw":{"top":{"0x0":"0x02"}}}}"#;
        assert!(matches!(
            GenesisStorage::from_json(bad_hex),
            Err(ChainSpecError::Hex { .. })
        ));
        let no_prefix = br#"{"genesis":{"raw":{"top":{"01":"0x02"}}}}"#;
        assert!(matches!(
            GenesisStorage::from_json(no_prefix),
            Err(ChainSpecError::Hex { .. })
        ));
        let not_raw = br#"{"genesis":{"runtimeGenesis":{}}}"#;
        assert!(matches!(
            GenesisStorage::from_json(not_raw),
            Err(ChainSpecError::Json(_))
        ));
    }
}
