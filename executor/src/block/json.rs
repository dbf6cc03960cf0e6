//! The shared JSON format of blocks:
//! `[{"number": N, "hash": "0x…", "header": "0x<SCALE header>", "extrinsics": ["0x…", …]}, …]`.
//!
//! `header` is the sealed header as the network gossiped it; each extrinsic is its SCALE
//! encoding (compact length, then the bytes). `number` and `hash` are checked against the
//! header: a file whose recorded hash is not its header's hash is refused before anything
//! runs, naming the entry.

use serde::Deserialize;

use super::body::{Block, BlockDecodeError};
use super::header::{Hash, Header};

/// Why a blocks file was refused.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum BlocksFileError {
    /// Not JSON, or not the shape above.
    #[error("not a JSON block list: {0}")]
    Json(String),
    /// An entry's field is not `0x`-prefixed hex.
    #[error("entry {entry}: `{field}` is not 0x-prefixed hex")]
    Hex {
        /// The entry's position in the list.
        entry: usize,
        /// The field (`hash`, `header`, `extrinsics[3]`).
        field: String,
    },
    /// An entry's hash is not 32 bytes.
    #[error("entry {entry}: `hash` has {len} bytes, not 32")]
    HashLength {
        /// The entry's position.
        entry: usize,
        /// Its length.
        len: usize,
    },
    /// An entry's header or extrinsics do not decode.
    #[error("entry {entry}")]
    Decode {
        /// The entry's position.
        entry: usize,
        /// Why.
        #[source]
        error: BlockDecodeError,
    },
    /// An entry's recorded number is not its header's.
    #[error("entry {entry}: `number` is {recorded}, its header says {header}")]
    NumberMismatch {
        /// The entry's position.
        entry: usize,
        /// `number`.
        recorded: u64,
        /// The header's number.
        header: u32,
    },
    /// An entry's recorded hash is not the blake2-256 of its header.
    #[error(
        "entry {entry} (block {number}): `hash` is 0x{}, its header hashes to 0x{}",
        hex::encode(recorded),
        hex::encode(computed)
    )]
    HashMismatch {
        /// The entry's position.
        entry: usize,
        /// The header's number.
        number: u32,
        /// `hash`.
        recorded: Hash,
        /// The header's hash.
        computed: Hash,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    number: u64,
    hash: String,
    header: String,
    extrinsics: Vec<String>,
}

fn unhex(
    text: &str,
    entry: usize,
    field: impl FnOnce() -> String,
) -> Result<Vec<u8>, BlocksFileError> {
    text.strip_prefix("0x")
        .and_then(|digits| hex::decode(digits).ok())
        .ok_or_else(|| BlocksFileError::Hex {
            entry,
            field: field(),
        })
}

fn block_from_entry(entry: usize, raw: Entry) -> Result<Block, BlocksFileError> {
    let hash = unhex(&raw.hash, entry, || "hash".into())?;
    let recorded: Hash = hash
        .as_slice()
        .try_into()
        .map_err(|_| BlocksFileError::HashLength {
            entry,
            len: hash.len(),
        })?;
    let header_bytes = unhex(&raw.header, entry, || "header".into())?;
    let header = Header::decode_exact(&header_bytes).map_err(|e| BlocksFileError::Decode {
        entry,
        error: e.into(),
    })?;
    if raw.number != u64::from(header.number) {
        return Err(BlocksFileError::NumberMismatch {
            entry,
            recorded: raw.number,
            header: header.number,
        });
    }
    let computed = crate::runtime::blake2_256(&header_bytes);
    if computed != recorded {
        return Err(BlocksFileError::HashMismatch {
            entry,
            number: header.number,
            recorded,
            computed,
        });
    }
    let extrinsics = raw
        .extrinsics
        .iter()
        .enumerate()
        .map(|(i, text)| unhex(text, entry, || format!("extrinsics[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    Block::new(header, extrinsics).map_err(|error| BlocksFileError::Decode { entry, error })
}

/// Parses a block list, checking every entry's number and hash against its header.
///
/// # Errors
/// The first entry that is malformed or inconsistent, as a [`BlocksFileError`].
pub fn parse_blocks(json: &[u8]) -> Result<Vec<Block>, BlocksFileError> {
    let entries: Vec<Entry> =
        serde_json::from_slice(json).map_err(|e| BlocksFileError::Json(e.to_string()))?;
    entries
        .into_iter()
        .enumerate()
        .map(|(entry, raw)| block_from_entry(entry, raw))
        .collect()
}

/// Parses one block: a JSON entry of the list format (an object), or a list of exactly one.
///
/// # Errors
/// As [`parse_blocks`]; a list of another length is [`BlocksFileError::Json`].
pub fn parse_block(json: &[u8]) -> Result<Block, BlocksFileError> {
    if let Ok(entry) = serde_json::from_slice::<Entry>(json) {
        return block_from_entry(0, entry);
    }
    let mut blocks = parse_blocks(json)?;
    match blocks.len() {
        1 => Ok(blocks.remove(0)),
        n => Err(BlocksFileError::Json(format!(
            "expected one block, the list has {n}"
        ))),
    }
}

/// One block as an entry of the list format (number, hash, sealed header, extrinsics).
pub fn block_to_json(block: &Block) -> serde_json::Value {
    use parity_scale_codec::Encode;
    serde_json::json!({
        "number": block.number(),
        "hash": format!("0x{}", hex::encode(block.hash())),
        "header": format!("0x{}", hex::encode(block.header.encode())),
        "extrinsics": block
            .extrinsics()
            .iter()
            .map(|e| format!("0x{}", hex::encode(e)))
            .collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::header::Digest;
    use super::*;
    use parity_scale_codec::Encode;

    fn block() -> Block {
        let header = Header {
            parent_hash: [1; 32],
            number: 5,
            state_root: [2; 32],
            extrinsics_root: [3; 32],
            digest: Digest::default(),
        };
        Block::new(header, vec![vec![1 << 2, 0x42]]).unwrap()
    }

    #[test]
    fn round_trips_one_block_and_a_list() {
        let value = block_to_json(&block());
        let list = serde_json::to_vec(&vec![value.clone()]).unwrap();
        assert_eq!(parse_blocks(&list), Ok(vec![block()]));
        assert_eq!(
            parse_block(&serde_json::to_vec(&value).unwrap()),
            Ok(block())
        );
        assert_eq!(parse_block(&list), Ok(block()));
        assert!(matches!(parse_block(b"[]"), Err(BlocksFileError::Json(_))));
    }

    #[test]
    fn refuses_inconsistent_entries() {
        let good = block_to_json(&block());
        let with = |field: &str, value: serde_json::Value| {
            let mut entry = good.clone();
            entry[field] = value;
            serde_json::to_vec(&vec![entry]).unwrap()
        };
        assert!(matches!(
            parse_blocks(&with("number", 6.into())),
            Err(BlocksFileError::NumberMismatch {
                entry: 0,
                recorded: 6,
                header: 5
            })
        ));
        let other_hash = format!("0x{}", hex::encode([9u8; 32]));
        assert!(matches!(
            parse_blocks(&with("hash", other_hash.into())),
            Err(BlocksFileError::HashMismatch {
                entry: 0,
                number: 5,
                ..
            })
        ));
        assert!(matches!(
            parse_blocks(&with("hash", "0x00".into())),
            Err(BlocksFileError::HashLength { entry: 0, len: 1 })
        ));
        assert!(matches!(
            parse_blocks(&with("header", "12".into())),
            Err(BlocksFileError::Hex { entry: 0, .. })
        ));
        let short_header = format!("0x{}", hex::encode(&block().header.encode()[..40]));
        assert!(matches!(
            parse_blocks(&with("header", short_header.into())),
            Err(BlocksFileError::Decode { entry: 0, .. })
        ));
        assert!(matches!(
            parse_blocks(&with("extrinsics", serde_json::json!(["0x0842"]))),
            Err(BlocksFileError::Decode {
                entry: 0,
                error: BlockDecodeError::Extrinsic { index: 0, .. }
            })
        ));
        assert!(matches!(parse_blocks(b"{"), Err(BlocksFileError::Json(_))));
    }
}
