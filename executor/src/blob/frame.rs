//! The framing of a zstd stream, checked without decoding it, to say why a blob was rejected.
//!
//! Substrate's decoder (the zstd C library, default parameters, no dictionary) only reports
//! that a stream is invalid. When it rejects one, [`check_framing`] walks the frames and the
//! block headers the way the C library does and names the first rule broken:
//! - a frame starts with the zstd or a skippable frame's magic number; nothing else may
//!   follow the last frame, and a stream holds at least one frame;
//! - the reserved bit of the frame header descriptor must be 0;
//! - the window may not exceed [`MAX_WINDOW_SIZE`] (`ZSTD_WINDOWLOG_LIMIT_DEFAULT` = 27), and
//!   its log may not exceed 31 (`ZSTD_WINDOWLOG_MAX`);
//! - a frame naming a dictionary (id ≠ 0) is rejected (Substrate loads none);
//! - no block may be larger than `min(window, 128 KiB)` (stored size, and the regenerated
//!   size of raw and RLE blocks), nor of the reserved block type.
//!
//! Acceptance itself is never decided here: that is the C library's, see [`super`].

/// The zstd frame magic number.
const ZSTD_MAGIC: u32 = 0xFD2F_B528;
/// Skippable frames carry a magic number in this range.
const SKIPPABLE_MAGIC: std::ops::RangeInclusive<u32> = 0x184D_2A50..=0x184D_2A5F;

/// The largest window the zstd C library's decoder accepts by default (2^27 bytes).
pub const MAX_WINDOW_SIZE: u64 = 1 << 27;
/// The largest window log a frame may name at all (`ZSTD_WINDOWLOG_MAX` on 64-bit).
const MAX_WINDOW_LOG: u32 = 31;
/// The smallest window (`ZSTD_WINDOWLOG_ABSOLUTEMIN`): smaller declared windows count as this.
const MIN_WINDOW_SIZE: u64 = 1 << 10;
/// The largest block (`ZSTD_BLOCKSIZE_MAX`).
pub const MAX_BLOCK_SIZE: u64 = 128 * 1024;

/// A zstd frame rule a blob broke; `offset` in [`super::BlobError::Frame`] says where.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum FrameRule {
    /// The stream ended inside a frame (or held no frame at all).
    #[error("the stream ends inside a frame header or block")]
    Truncated,
    /// Four bytes where a frame starts are neither a zstd nor a skippable frame magic.
    #[error("unknown frame magic number {0:#010x}")]
    BadMagic(u32),
    /// The reserved bit of the frame header descriptor is set.
    #[error("the reserved bit of the frame header is set")]
    ReservedBit,
    /// The frame needs a larger window than the reference decoder allows.
    #[error("window of {size} bytes exceeds the maximum of {max}")]
    WindowTooLarge {
        /// The declared window, in bytes (saturated).
        size: u64,
        /// The largest window accepted.
        max: u64,
    },
    /// The frame names a dictionary; none is ever loaded.
    #[error("the frame needs dictionary {0}, none is available")]
    DictionaryRequired(u32),
    /// A block is larger than `min(window, 128 KiB)`.
    #[error("block of {size} bytes exceeds the frame's maximum block size of {max}")]
    BlockTooLarge {
        /// The block's size field, in bytes.
        size: u64,
        /// The frame's largest block.
        max: u64,
    },
    /// A block has the reserved block type.
    #[error("a block has the reserved block type")]
    ReservedBlockType,
}

/// What starts at a frame boundary.
enum Header {
    /// A skippable frame of `len` bytes in total (magic and size included).
    Skippable { len: u64 },
    /// A zstd frame.
    Zstd(FrameHeader),
}

/// A parsed zstd frame header.
struct FrameHeader {
    /// Bytes the header occupies (magic included).
    pub len: usize,
    /// The window, as the reference decoder computes it (at least 1 KiB).
    pub window: u64,
    /// Whether a 4-byte content checksum follows the last block.
    pub checksum: bool,
}

impl FrameHeader {
    /// The largest block this frame may hold.
    pub fn max_block(&self) -> u64 {
        self.window.min(MAX_BLOCK_SIZE)
    }
}

fn le(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// Parses the frame header at the start of `stream` and applies the header rules.
fn parse(stream: &[u8]) -> Result<Header, FrameRule> {
    let magic = stream.get(..4).ok_or(FrameRule::Truncated)?;
    let magic = le(magic) as u32;
    if SKIPPABLE_MAGIC.contains(&magic) {
        let size = stream.get(4..8).ok_or(FrameRule::Truncated)?;
        return Ok(Header::Skippable { len: 8 + le(size) });
    }
    if magic != ZSTD_MAGIC {
        return Err(FrameRule::BadMagic(magic));
    }
    let descriptor = *stream.get(4).ok_or(FrameRule::Truncated)?;
    if descriptor & 0x08 != 0 {
        return Err(FrameRule::ReservedBit);
    }
    let single_segment = descriptor & 0x20 != 0;
    let checksum = descriptor & 0x04 != 0;
    let dict_id_len = [0, 1, 2, 4][usize::from(descriptor & 0x03)];
    let content_size_len = match descriptor >> 6 {
        0 if single_segment => 1,
        0 => 0,
        1 => 2,
        2 => 4,
        _ => 8,
    };
    let mut at = 5;
    let mut window = None;
    if !single_segment {
        let byte = *stream.get(at).ok_or(FrameRule::Truncated)?;
        at += 1;
        let log = 10 + u32::from(byte >> 3);
        if log > MAX_WINDOW_LOG {
            return Err(FrameRule::WindowTooLarge {
                size: u64::MAX,
                max: MAX_WINDOW_SIZE,
            });
        }
        let base = 1u64 << log;
        window = Some(base + (base / 8) * u64::from(byte & 0x07));
    }
    let dict_id = le(stream
        .get(at..at + dict_id_len)
        .ok_or(FrameRule::Truncated)?) as u32;
    at += dict_id_len;
    if dict_id != 0 {
        return Err(FrameRule::DictionaryRequired(dict_id));
    }
    let content_size = (content_size_len > 0)
        .then(|| {
            let field = stream
                .get(at..at + content_size_len)
                .ok_or(FrameRule::Truncated)?;
            Ok(le(field) + if content_size_len == 2 { 256 } else { 0 })
        })
        .transpose()?;
    at += content_size_len;
    // A single-segment frame's window is its content size.
    let window = window.or(content_size).unwrap_or(0).max(MIN_WINDOW_SIZE);
    if window > MAX_WINDOW_SIZE {
        return Err(FrameRule::WindowTooLarge {
            size: window,
            max: MAX_WINDOW_SIZE,
        });
    }
    Ok(Header::Zstd(FrameHeader {
        len: at,
        window,
        checksum,
    }))
}

/// A block header: `(last, block type, size field)`.
fn block_header(body: &[u8]) -> Result<(bool, u8, u64), FrameRule> {
    let bytes = body.get(..3).ok_or(FrameRule::Truncated)?;
    let raw = le(bytes);
    Ok((raw & 1 == 1, ((raw >> 1) & 3) as u8, raw >> 3))
}

/// Walks `stream` frame by frame and block by block; the offset and rule of the first break.
pub fn check_framing(stream: &[u8]) -> Result<(), (usize, FrameRule)> {
    let mut offset = 0;
    while offset < stream.len() || offset == 0 {
        let rest = &stream[offset..];
        let at = |rule| (offset, rule);
        let len = match parse(rest).map_err(at)? {
            Header::Skippable { len } => len,
            Header::Zstd(header) => {
                let mut len = header.len as u64;
                loop {
                    let block_at = offset + len as usize;
                    let (last, block_type, size) =
                        block_header(&stream[block_at.min(stream.len())..])
                            .map_err(|rule| (block_at, rule))?;
                    let stored = match block_type {
                        0 | 2 => size,
                        1 => 1,
                        _ => return Err((block_at, FrameRule::ReservedBlockType)),
                    };
                    if size > header.max_block() {
                        let max = header.max_block();
                        return Err((block_at, FrameRule::BlockTooLarge { size, max }));
                    }
                    len += 3 + stored;
                    if last {
                        break;
                    }
                }
                len + if header.checksum { 4 } else { 0 }
            }
        };
        if len > rest.len() as u64 {
            return Err(at(FrameRule::Truncated));
        }
        offset += len as usize;
    }
    Ok(())
}
