//! Runtime blobs as they are stored on chain: raw wasm, or compressed.
//!
//! A compressed blob is the 8-byte prefix [`ZSTD_PREFIX`] followed by a zstd stream (what
//! `sp-maybe-compressed-blob` writes). Anything without the prefix is taken as raw wasm and
//! left for the validator to judge.
//!
//! The decompressed size is capped at [`CODE_BLOB_BOMB_LIMIT`] (50 MiB) *while streaming*: the
//! decoder is read through a budget of `limit + 1` bytes, so a bomb is detected after producing
//! at most one byte more than the limit and nothing larger is ever buffered. Like the zstd
//! library used by Substrate, concatenated frames are decoded one after the other and
//! skippable frames are skipped; trailing bytes that are not a frame make the blob invalid.

use std::borrow::Cow;
use std::io::Read;

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::StreamingDecoder;

/// The prefix that marks a zstd-compressed runtime blob.
pub const ZSTD_PREFIX: [u8; 8] = [0x52, 0xBC, 0x53, 0x76, 0x46, 0xDB, 0x8E, 0x05];

/// Largest decompressed size accepted (50 MiB), as in Substrate.
pub const CODE_BLOB_BOMB_LIMIT: usize = 50 * 1024 * 1024;

/// Why a compressed blob could not be decompressed.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum BlobError {
    /// Decompressing would produce more than the limit: possibly a compression bomb.
    #[error("possible compression bomb: more than {limit} bytes once decompressed")]
    PossibleBomb {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
    /// The bytes after the prefix are not a valid zstd stream.
    #[error("invalid compressed blob: {0}")]
    Invalid(String),
}

/// Returns the wasm inside `blob`: decompressed if it carries [`ZSTD_PREFIX`], else as is.
///
/// # Errors
/// [`BlobError::PossibleBomb`] past `bomb_limit` decompressed bytes, [`BlobError::Invalid`] for
/// a malformed zstd stream.
pub fn decompress(blob: &[u8], bomb_limit: usize) -> Result<Cow<'_, [u8]>, BlobError> {
    match blob.strip_prefix(&ZSTD_PREFIX[..]) {
        Some(stream) => decompress_zstd(stream, bomb_limit).map(Cow::Owned),
        None => Ok(Cow::Borrowed(blob)),
    }
}

/// Returns true if `blob` starts with the compression prefix.
pub fn is_compressed(blob: &[u8]) -> bool {
    blob.starts_with(&ZSTD_PREFIX)
}

fn decompress_zstd(mut stream: &[u8], bomb_limit: usize) -> Result<Vec<u8>, BlobError> {
    let invalid = |e: &dyn std::fmt::Display| BlobError::Invalid(e.to_string());
    let mut out = Vec::new();
    // A zstd stream holds at least one frame.
    let mut first = true;
    while first || !stream.is_empty() {
        first = false;
        let decoder = match StreamingDecoder::new(&mut stream) {
            Ok(decoder) => decoder,
            Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                length,
                ..
            })) => {
                let length = usize::try_from(length).unwrap_or(usize::MAX);
                stream = stream
                    .get(length..)
                    .ok_or_else(|| BlobError::Invalid("truncated skippable frame".into()))?;
                continue;
            }
            Err(e) => return Err(invalid(&e)),
        };
        // Budget: at most one byte past the limit is ever produced.
        let budget = bomb_limit.saturating_add(1).saturating_sub(out.len()) as u64;
        decoder
            .take(budget)
            .read_to_end(&mut out)
            .map_err(|e| invalid(&e))?;
        if out.len() > bomb_limit {
            return Err(BlobError::PossibleBomb { limit: bomb_limit });
        }
    }
    Ok(out)
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
    fn garbage_after_prefix_is_invalid() {
        let mut blob = ZSTD_PREFIX.to_vec();
        blob.extend([1, 2, 3, 4, 5]);
        assert!(matches!(decompress(&blob, 100), Err(BlobError::Invalid(_))));
        assert!(matches!(
            decompress(&ZSTD_PREFIX, 100),
            Err(BlobError::Invalid(_))
        ));
        let mut trailing = compress(b"abc");
        trailing.push(7);
        assert!(matches!(
            decompress(&trailing, 100),
            Err(BlobError::Invalid(_))
        ));
    }
}
