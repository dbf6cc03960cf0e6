//! The block header and its digest, SCALE-encoded as `sp-runtime`'s `generic::Header<u32,
//! BlakeTwo256>` and `generic::DigestItem`.
//!
//! The encoding is the consensus one: a header's hash is the blake2-256 of these bytes, and
//! `Core_execute_block` decodes them. Decoding refuses trailing bytes and unknown digest item
//! kinds (as `sp-runtime` does), so a decoded header re-encodes to exactly the bytes it came
//! from (compact numbers and lengths are canonical in parity-scale-codec), and its hash is the
//! hash the network gave it.

use parity_scale_codec::{Decode, DecodeAll, Encode};

use crate::runtime::blake2_256;

/// A 32-byte blake2-256 hash (block hash, state root, extrinsics root).
pub type Hash = [u8; 32];

/// The block number type of Polkadot-family chains (Polkadot, Kusama, Westend): `u32`,
/// compact-encoded in the header.
pub type BlockNumber = u32;

/// A consensus engine's four-byte identifier (`*b"BABE"`, `*b"aura"`, `*b"FRNK"`, …).
pub type ConsensusEngineId = [u8; 4];

/// One item of a header's digest (`sp_runtime::generic::DigestItem`), with its SCALE index.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum DigestItem {
    /// Index 0: opaque data of no particular meaning to the runtime.
    #[codec(index = 0)]
    Other(Vec<u8>),
    /// Index 4: a message from the runtime to the consensus engine (authority set changes).
    #[codec(index = 4)]
    Consensus(ConsensusEngineId, Vec<u8>),
    /// Index 5: the block author's seal, added after the block was executed.
    #[codec(index = 5)]
    Seal(ConsensusEngineId, Vec<u8>),
    /// Index 6: consensus data the author put in before execution (slot, VRF output).
    #[codec(index = 6)]
    PreRuntime(ConsensusEngineId, Vec<u8>),
    /// Index 8: the runtime code or heap pages changed in this block.
    #[codec(index = 8)]
    RuntimeEnvironmentUpdated,
}

/// A header's digest: its items in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Digest {
    /// The items.
    pub logs: Vec<DigestItem>,
}

/// A block header.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Header {
    /// The parent block's hash.
    pub parent_hash: Hash,
    /// The block's number (compact on the wire).
    #[codec(compact)]
    pub number: BlockNumber,
    /// The state root after the block.
    pub state_root: Hash,
    /// The root of the block's extrinsics trie.
    pub extrinsics_root: Hash,
    /// The digest.
    pub digest: Digest,
}

/// A codec error on one line: parity-scale-codec's `Display` puts each context ("Could not
/// decode `Header::state_root`:") on its own line, tab-indented, and the reason after it;
/// errors of this crate are one line, so the parts are joined with `: `.
pub(crate) fn codec_reason(error: &parity_scale_codec::Error) -> String {
    error
        .to_string()
        .lines()
        .map(|line| line.trim().trim_end_matches(':'))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

/// A header that does not decode.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("invalid SCALE header: {0}")]
pub struct HeaderDecodeError(pub String);

impl Header {
    /// Decodes a SCALE header; the bytes must hold exactly one header.
    ///
    /// # Errors
    /// [`HeaderDecodeError`] naming the codec's reason (truncated, unknown digest item, …).
    pub fn decode_exact(bytes: &[u8]) -> Result<Self, HeaderDecodeError> {
        Header::decode_all(&mut &bytes[..]).map_err(|e| HeaderDecodeError(codec_reason(&e)))
    }

    /// The block hash: blake2-256 of the encoded header, seal included.
    pub fn hash(&self) -> Hash {
        blake2_256(&self.encode())
    }

    /// The header as a node's import queue executes it: without its trailing `Seal` items
    /// (BABE and Aura pop the author's seal before `Core_execute_block`; the runtime would
    /// refuse a sealed header, since the seal was added after execution). Returns the header
    /// and the removed seals in their original order.
    pub fn unsealed(&self) -> (Header, Vec<DigestItem>) {
        let mut header = self.clone();
        let keep = header
            .digest
            .logs
            .iter()
            .rposition(|item| !matches!(item, DigestItem::Seal(..)))
            .map_or(0, |last| last + 1);
        let seals = header.digest.logs.split_off(keep);
        (header, seals)
    }

    /// Whether the digest says the runtime environment changed (`RuntimeEnvironmentUpdated`).
    pub fn runtime_environment_updated(&self) -> bool {
        self.digest
            .logs
            .iter()
            .any(|item| matches!(item, DigestItem::RuntimeEnvironmentUpdated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(logs: Vec<DigestItem>) -> Header {
        Header {
            parent_hash: [1; 32],
            number: 70_000,
            state_root: [2; 32],
            extrinsics_root: [3; 32],
            digest: Digest { logs },
        }
    }

    #[test]
    fn encodes_as_sp_runtime() {
        let h = header(vec![
            DigestItem::PreRuntime(*b"BABE", vec![9]),
            DigestItem::Seal(*b"BABE", vec![8, 7]),
        ]);
        let mut expected = vec![1u8; 32];
        // Compact 70 000 (four-byte mode: (70_000 << 2) | 0b10).
        expected.extend_from_slice(&((70_000u32 << 2) | 0b10).to_le_bytes());
        expected.extend_from_slice(&[2; 32]);
        expected.extend_from_slice(&[3; 32]);
        expected.push(2 << 2); // two items
        expected.extend_from_slice(&[6, b'B', b'A', b'B', b'E', 1 << 2, 9]);
        expected.extend_from_slice(&[5, b'B', b'A', b'B', b'E', 2 << 2, 8, 7]);
        assert_eq!(h.encode(), expected);
        assert_eq!(Header::decode_exact(&expected), Ok(h));
        assert_eq!(DigestItem::RuntimeEnvironmentUpdated.encode(), vec![8]);
        assert_eq!(DigestItem::Other(vec![]).encode(), vec![0, 0]);
        assert_eq!(
            DigestItem::Consensus(*b"FRNK", vec![]).encode(),
            vec![4, b'F', b'R', b'N', b'K', 0]
        );
    }

    #[test]
    fn refuses_trailing_bytes_unknown_items_and_truncation() {
        let bytes = header(vec![]).encode();
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(Header::decode_exact(&trailing).is_err());
        assert!(Header::decode_exact(&bytes[..bytes.len() - 1]).is_err());
        let mut unknown = bytes[..bytes.len() - 1].to_vec();
        unknown.extend_from_slice(&[1 << 2, 7]); // one item of kind 7 (ChangesTrieSignal, gone)
        assert!(Header::decode_exact(&unknown).is_err());
        // A digest claiming 2^30 items in a few bytes fails without allocating them.
        let mut huge = bytes[..bytes.len() - 1].to_vec();
        huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        assert!(Header::decode_exact(&huge).is_err());
        // The codec's multi-line reason is one line (found by the `block_import` fuzz target).
        let truncated = Header::decode_exact(&bytes[..40]).unwrap_err().to_string();
        assert_eq!(
            truncated,
            "invalid SCALE header: Could not decode `Header::state_root`: \
             Not enough data to fill buffer"
        );
    }

    #[test]
    fn unsealing_removes_only_trailing_seals() {
        let pre = DigestItem::PreRuntime(*b"BABE", vec![1]);
        let seal = DigestItem::Seal(*b"BABE", vec![2]);
        let other_seal = DigestItem::Seal(*b"aura", vec![3]);
        let consensus = DigestItem::Consensus(*b"FRNK", vec![4]);
        let sealed = header(vec![
            pre.clone(),
            seal.clone(),
            consensus.clone(),
            seal.clone(),
            other_seal.clone(),
        ]);
        let (unsealed, seals) = sealed.unsealed();
        assert_eq!(
            unsealed.digest.logs,
            vec![pre.clone(), seal.clone(), consensus]
        );
        assert_eq!(seals, vec![seal.clone(), other_seal]);
        assert_eq!(unsealed.number, sealed.number);
        let (all_seals, removed) = header(vec![seal.clone()]).unsealed();
        assert!(all_seals.digest.logs.is_empty());
        assert_eq!(removed, vec![seal]);
        let (none, removed) = header(vec![pre.clone()]).unsealed();
        assert_eq!(none.digest.logs, vec![pre]);
        assert!(removed.is_empty());
    }
}
