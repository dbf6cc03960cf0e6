//! A block: its header and its extrinsics, and the input `Core_execute_block` takes.
//!
//! Extrinsics are opaque to the executor (`sp_runtime::OpaqueExtrinsic`): each is kept as its
//! SCALE encoding, a compact length followed by that many bytes, exactly the bytes a block
//! body concatenates after its compact count. Each one is checked to be such an encoding when
//! the block is built, so the block handed to the runtime is well formed and decodes back into
//! the same extrinsics.

use parity_scale_codec::{Compact, Decode, Encode};

use super::header::{codec_reason, Hash, Header, HeaderDecodeError};

/// A block whose parts do not have the expected encoding.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum BlockDecodeError {
    /// The header does not decode.
    #[error(transparent)]
    Header(#[from] HeaderDecodeError),
    /// Extrinsic `index` is not a compact length followed by exactly that many bytes.
    #[error(
        "extrinsic {index} is not a SCALE byte string (compact length, then the bytes): {reason}"
    )]
    Extrinsic {
        /// Its position in the block.
        index: usize,
        /// Why.
        reason: String,
    },
    /// A SCALE block (header, then the extrinsics) does not decode.
    #[error("invalid SCALE block: {0}")]
    Block(String),
}

/// A block: header (seal included, as the network gossips it) and SCALE-encoded extrinsics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The header.
    pub header: Header,
    extrinsics: Vec<Vec<u8>>,
}

/// The length of a SCALE byte string at the start of `bytes` (compact prefix included), if
/// `bytes` is exactly one.
fn check_byte_string(bytes: &[u8]) -> Result<(), String> {
    let mut input = bytes;
    let len = Compact::<u32>::decode(&mut input)
        .map_err(|e| codec_reason(&e))?
        .0;
    if input.len() as u64 != u64::from(len) {
        return Err(format!(
            "the prefix says {len} bytes, {} follow",
            input.len()
        ));
    }
    Ok(())
}

impl Block {
    /// A block from its header and its extrinsics (each one SCALE-encoded: compact length,
    /// then the bytes).
    ///
    /// # Errors
    /// [`BlockDecodeError::Extrinsic`] for the first extrinsic that is not such an encoding.
    pub fn new(header: Header, extrinsics: Vec<Vec<u8>>) -> Result<Self, BlockDecodeError> {
        for (index, extrinsic) in extrinsics.iter().enumerate() {
            check_byte_string(extrinsic)
                .map_err(|reason| BlockDecodeError::Extrinsic { index, reason })?;
        }
        Ok(Block { header, extrinsics })
    }

    /// A SCALE-encoded block: the header, then a compact count and the extrinsics (as
    /// `sp_runtime::generic::Block` encodes it); the bytes must hold exactly one block.
    ///
    /// # Errors
    /// [`BlockDecodeError::Block`] if it does not decode or bytes are left over.
    pub fn decode_exact(bytes: &[u8]) -> Result<Self, BlockDecodeError> {
        let mut input = bytes;
        let header =
            Header::decode(&mut input).map_err(|e| BlockDecodeError::Block(codec_reason(&e)))?;
        // `Vec<Vec<u8>>` bounds every pre-allocation by the bytes left in the input.
        let extrinsics = Vec::<Vec<u8>>::decode(&mut input)
            .map_err(|e| BlockDecodeError::Block(format!("extrinsics: {}", codec_reason(&e))))?;
        if !input.is_empty() {
            return Err(BlockDecodeError::Block(format!(
                "{} bytes after the block",
                input.len()
            )));
        }
        Ok(Block {
            header,
            extrinsics: extrinsics.iter().map(Encode::encode).collect(),
        })
    }

    /// The extrinsics, each SCALE-encoded (compact length, then the bytes).
    pub fn extrinsics(&self) -> &[Vec<u8>] {
        &self.extrinsics
    }

    /// The block's number.
    pub fn number(&self) -> u32 {
        self.header.number
    }

    /// The block's hash (of its sealed header).
    pub fn hash(&self) -> Hash {
        self.header.hash()
    }

    /// The block encoded with `header` in place of its own (the import uses the unsealed one).
    pub fn encode_with_header(&self, header: &Header) -> Vec<u8> {
        let body_len: usize = self.extrinsics.iter().map(Vec::len).sum();
        let mut out = Vec::with_capacity(header.size_hint() + 5 + body_len);
        header.encode_to(&mut out);
        Compact(self.extrinsics.len() as u32).encode_to(&mut out);
        for extrinsic in &self.extrinsics {
            out.extend_from_slice(extrinsic);
        }
        out
    }

    /// The SCALE block, seal included.
    pub fn encode(&self) -> Vec<u8> {
        self.encode_with_header(&self.header)
    }

    /// The input of `Core_execute_block`: the block with its header's trailing seals removed
    /// (see [`Header::unsealed`]).
    pub fn execute_block_input(&self) -> Vec<u8> {
        self.encode_with_header(&self.header.unsealed().0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::header::{Digest, DigestItem};
    use super::*;

    fn header() -> Header {
        Header {
            parent_hash: [7; 32],
            number: 3,
            state_root: [8; 32],
            extrinsics_root: [9; 32],
            digest: Digest {
                logs: vec![
                    DigestItem::PreRuntime(*b"BABE", vec![1, 2]),
                    DigestItem::Seal(*b"BABE", vec![3; 64]),
                ],
            },
        }
    }

    #[test]
    fn round_trips_and_strips_the_seal_for_execution() {
        let extrinsics = vec![vec![2 << 2, 0xaa, 0xbb], vec![0]];
        let block = Block::new(header(), extrinsics.clone()).unwrap();
        let encoded = block.encode();
        assert_eq!(Block::decode_exact(&encoded), Ok(block.clone()));
        let (unsealed, _) = block.header.unsealed();
        let mut expected = unsealed.encode();
        expected.extend_from_slice(&[2 << 2, 2 << 2, 0xaa, 0xbb, 0]);
        assert_eq!(block.execute_block_input(), expected);
        assert_eq!(block.extrinsics(), &extrinsics[..]);
    }

    #[test]
    fn refuses_malformed_extrinsics_and_blocks() {
        for bad in [vec![], vec![3 << 2, 1], vec![1 << 2, 1, 2], vec![0xff]] {
            assert!(matches!(
                Block::new(header(), vec![vec![0], bad]),
                Err(BlockDecodeError::Extrinsic { index: 1, .. })
            ));
        }
        let encoded = Block::new(header(), vec![vec![0]]).unwrap().encode();
        let mut trailing = encoded.clone();
        trailing.push(0);
        assert!(Block::decode_exact(&trailing).is_err());
        assert!(Block::decode_exact(&encoded[..encoded.len() - 1]).is_err());
        // Codec reasons are one line (the `block_import` fuzz target's first finding).
        for cut in 0..encoded.len() {
            let text = Block::decode_exact(&encoded[..cut])
                .unwrap_err()
                .to_string();
            assert!(!text.contains('\n'), "{text:?}");
        }
        // A body claiming 2^30 extrinsics in four bytes fails without allocating them.
        let mut huge = header().encode();
        huge.extend_from_slice(&[0xfe, 0xff, 0xff, 0xff]);
        assert!(Block::decode_exact(&huge).is_err());
    }
}
