//! Runtime blobs as they are stored on chain: raw wasm, or compressed.
//!
//! A compressed blob is the 8-byte prefix [`ZSTD_PREFIX`] followed by a zstd stream (what
//! `sp-maybe-compressed-blob` writes). Anything without the prefix is taken as raw wasm and
//! left for the validator to judge.
//!
//! Which compressed blobs are valid is consensus: a `:code` that Substrate's nodes reject and
//! subexec runs (or the other way round) forks the chain. Substrate decodes with the zstd C
//! library through `sp-maybe-compressed-blob`, and a second decoder cannot match its
//! acceptance: ruzstd, used here before, ran blobs whose content checksum was wrong and
//! rejected real-runtime mutations the C library decodes (Huffman streams it reads
//! differently; `executor/tests/blob_acceptance.rs` keeps both cases). So decompression *is*
//! Substrate's: `sp-maybe-compressed-blob` 11 with its [`CODE_BLOB_BOMB_LIMIT`], the same code
//! and library, and the differential tests pin the agreement.
//!
//! That decoder only says "invalid". To name what is wrong, a rejected stream is then walked
//! frame by frame without decoding ([`frame`]: magic numbers, header fields, block headers,
//! trailing bytes), and the first rule it breaks is reported; a stream whose framing is sound
//! has corrupt compressed data, a wrong content size or a wrong checksum.
//!
//! Memory: the output is read through a budget of `limit + 1` bytes, so nothing larger than
//! the limit is ever produced; the C library's window buffer is at most 128 MiB (its default
//! window limit, [`frame::MAX_WINDOW_SIZE`]), which a frame must declare to get.

use std::borrow::Cow;

pub mod frame;

pub use frame::FrameRule;

/// The prefix that marks a zstd-compressed runtime blob.
pub const ZSTD_PREFIX: [u8; 8] = [0x52, 0xBC, 0x53, 0x76, 0x46, 0xDB, 0x8E, 0x05];

/// Largest decompressed size accepted (50 MiB), as in Substrate.
pub const CODE_BLOB_BOMB_LIMIT: usize = sp_maybe_compressed_blob::CODE_BLOB_BOMB_LIMIT;

/// Why a compressed blob could not be decompressed.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum BlobError {
    /// Decompressing would produce more than the limit: possibly a compression bomb.
    #[error("possible compression bomb: more than {limit} bytes once decompressed")]
    PossibleBomb {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
    /// The stream breaks a framing rule of the zstd format.
    #[error("invalid compressed blob: at byte {offset} of the zstd stream: {rule}")]
    Frame {
        /// Offset in the zstd stream (after the prefix) of the frame or block at fault.
        offset: usize,
        /// The rule it breaks.
        rule: FrameRule,
    },
    /// The framing is sound but the content is not: corrupt compressed data, a content size
    /// or a content checksum that does not match.
    #[error("invalid compressed blob: corrupt compressed data, content size or checksum")]
    CorruptContent,
}

/// Returns the wasm inside `blob`: decompressed if it carries [`ZSTD_PREFIX`], else as is.
///
/// # Errors
/// [`BlobError::PossibleBomb`] past `bomb_limit` decompressed bytes; [`BlobError::Frame`] or
/// [`BlobError::CorruptContent`] for any stream Substrate's decompressor rejects.
pub fn decompress(blob: &[u8], bomb_limit: usize) -> Result<Cow<'_, [u8]>, BlobError> {
    let Some(stream) = blob.strip_prefix(&ZSTD_PREFIX[..]) else {
        return Ok(Cow::Borrowed(blob));
    };
    sp_maybe_compressed_blob::decompress(blob, bomb_limit).map_err(|e| match e {
        sp_maybe_compressed_blob::Error::PossibleBomb => {
            BlobError::PossibleBomb { limit: bomb_limit }
        }
        sp_maybe_compressed_blob::Error::Invalid => match frame::check_framing(stream) {
            Err((offset, rule)) => BlobError::Frame { offset, rule },
            Ok(()) => BlobError::CorruptContent,
        },
    })
}

/// Returns true if `blob` starts with the compression prefix.
pub fn is_compressed(blob: &[u8]) -> bool {
    blob.starts_with(&ZSTD_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruzstd::encoding::{compress_to_vec, CompressionLevel};

    fn compress(data: &[u8]) -> Vec<u8> {
        let mut blob = ZSTD_PREFIX.to_vec();
        blob.extend(compress_to_vec(data, CompressionLevel::Fastest));
        blob
    }

    #[test]
    fn raw_blob_is_borrowed_unchanged() {
        let raw = b"\0asm\x01\0\0\0".to_vec();
        let out = decompress(&raw, 10).unwrap();
        assert!(matches!(out, Cow::Borrowed(_)));
        assert_eq!(&*out, &raw[..]);
        assert!(!is_compressed(&raw));
    }

    #[test]
    fn compressed_round_trip_up_to_the_limit() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let blob = compress(&data);
        assert!(is_compressed(&blob));
        assert_eq!(&*decompress(&blob, data.len()).unwrap(), &data[..]);
    }

    #[test]
    fn one_byte_over_the_limit_is_a_bomb() {
        let data = vec![0u8; 1001];
        let blob = compress(&data);
        assert_eq!(
            decompress(&blob, 1000),
            Err(BlobError::PossibleBomb { limit: 1000 })
        );
    }

    #[test]
    fn huge_bomb_is_stopped_while_streaming() {
        // 64 MiB of zeros compresses to a few KiB; decoding stops right after the limit.
        let data = vec![0u8; 64 << 20];
        let blob = compress(&data);
        assert!(blob.len() < 1 << 20);
        assert_eq!(
            decompress(&blob, CODE_BLOB_BOMB_LIMIT),
            Err(BlobError::PossibleBomb {
                limit: CODE_BLOB_BOMB_LIMIT
            })
        );
    }

    #[test]
    fn concatenated_and_skippable_frames() {
        let mut blob = compress(b"hello ");
        // A skippable frame: magic 0x184D2A50, length 3, then 3 bytes.
        blob.extend([0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 9, 9, 9]);
        blob.extend(compress_to_vec(&b"world"[..], CompressionLevel::Fastest));
        assert_eq!(&*decompress(&blob, 100).unwrap(), b"hello world");
    }

    #[test]
    fn garbage_after_prefix_is_named() {
        let mut blob = ZSTD_PREFIX.to_vec();
        blob.extend([1, 2, 3, 4, 5]);
        assert_eq!(
            decompress(&blob, 100),
            Err(BlobError::Frame {
                offset: 0,
                rule: FrameRule::BadMagic(0x0403_0201)
            })
        );
        assert_eq!(
            decompress(&ZSTD_PREFIX, 100),
            Err(BlobError::Frame {
                offset: 0,
                rule: FrameRule::Truncated
            })
        );
        let good = compress(b"abc");
        let mut trailing = good.clone();
        trailing.extend([7, 0, 0, 0]);
        assert_eq!(
            decompress(&trailing, 100),
            Err(BlobError::Frame {
                offset: good.len() - ZSTD_PREFIX.len(),
                rule: FrameRule::BadMagic(7)
            })
        );
        // Sound framing, wrong checksum: the content is what is corrupt.
        let mut checksum = good;
        *checksum.last_mut().unwrap() ^= 1;
        assert_eq!(decompress(&checksum, 100), Err(BlobError::CorruptContent));
    }
}
