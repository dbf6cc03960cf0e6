//! Differential acceptance of compressed blobs: [`subexec_executor::blob::decompress`] against
//! Substrate's own decompressor (`sp-maybe-compressed-blob` 11, the zstd C library).
//!
//! Which `:code` is valid is consensus, so on every blob both must agree: both reject it, or
//! both accept it with the same bytes. The blobs are the real node-template runtime mutated
//! byte by byte at the offsets that matter (frame header, first block header, the last
//! bytes), truncated, extended with junk, skippable and extra frames; and frames built by
//! hand over every header field (reserved bit, window sizes around both limits, dictionary
//! ids, content sizes, checksums, block sizes and types).
#![allow(clippy::unwrap_used)]

mod node_template_common;

use std::hash::Hasher;

use subexec_executor::blob::{self, BlobError, CODE_BLOB_BOMB_LIMIT, ZSTD_PREFIX};

/// Small enough that bombs are cheap, large enough for every hand-built frame.
const LIMIT: usize = 1 << 20;

/// Both decompressors on `blob`; panics (naming `what`) if they disagree. Returns ours.
fn agree(what: &str, blob: &[u8], limit: usize) -> Result<Vec<u8>, BlobError> {
    let ours = blob::decompress(blob, limit).map(|b| b.into_owned());
    let theirs = sp_maybe_compressed_blob::decompress(blob, limit).map(|b| b.into_owned());
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert!(a == b, "{what}: both accept, different bytes"),
        (Err(_), Err(_)) => {}
        _ => panic!(
            "{what}: subexec {:?}, Substrate {:?}",
            ours.as_ref().map(|b| b.len()),
            theirs.as_ref().map(|b| b.len())
        ),
    }
    ours
}

fn xxh64_low(content: &[u8]) -> u32 {
    let mut hasher = twox_hash::XxHash64::with_seed(0);
    hasher.write(content);
    hasher.finish() as u32
}

/// One zstd frame built field by field.
#[derive(Clone)]
struct Frame {
    descriptor: u8,
    window: Option<u8>,
    dict_id: Vec<u8>,
    content_size: Vec<u8>,
    /// `(last, type, size field, payload)`.
    blocks: Vec<(bool, u8, u32, Vec<u8>)>,
    checksum: Option<u32>,
}

impl Frame {
    /// A frame of raw blocks holding `content`, with a window descriptor and a checksum.
    fn raw(content: &[u8]) -> Self {
        let chunks: Vec<&[u8]> = content.chunks(1000).collect();
        let n = chunks.len().max(1);
        let blocks = (0..n)
            .map(|i| {
                let chunk = chunks.get(i).copied().unwrap_or(&[]);
                (i + 1 == n, 0u8, chunk.len() as u32, chunk.to_vec())
            })
            .collect();
        Frame {
            descriptor: 0x04,
            window: Some(0x00), // 1 KiB
            dict_id: vec![],
            content_size: vec![],
            blocks,
            checksum: Some(xxh64_low(content)),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = vec![0x28, 0xB5, 0x2F, 0xFD, self.descriptor];
        out.extend(self.window);
        out.extend(&self.dict_id);
        out.extend(&self.content_size);
        for (last, ty, size, payload) in &self.blocks {
            let header = u32::from(*last) | (u32::from(*ty) << 1) | (size << 3);
            out.extend(&header.to_le_bytes()[..3]);
            out.extend(payload);
        }
        if let Some(sum) = self.checksum {
            out.extend(sum.to_le_bytes());
        }
        out
    }

    fn blob(&self) -> Vec<u8> {
        prefixed(&self.bytes())
    }
}

fn prefixed(stream: &[u8]) -> Vec<u8> {
    let mut blob = ZSTD_PREFIX.to_vec();
    blob.extend(stream);
    blob
}

fn skippable(len: u32) -> Vec<u8> {
    let mut frame = vec![0x5A, 0x2A, 0x4D, 0x18];
    frame.extend(len.to_le_bytes());
    frame.extend(std::iter::repeat_n(0xEE, len as usize));
    frame
}

const CONTENT: &[u8] = b"the quick brown fox jumps over the lazy dog; ";

fn content(len: usize) -> Vec<u8> {
    CONTENT.iter().copied().cycle().take(len).collect()
}

#[test]
fn wrong_checksum_is_rejected_like_substrate() {
    // The divergence of issue 19: a frame whose content checksum is wrong.
    let data = content(5000);
    let good = Frame::raw(&data);
    assert_eq!(agree("good checksum", &good.blob(), LIMIT).unwrap(), data);
    let mut bad = good.clone();
    bad.checksum = Some(good.checksum.unwrap() ^ 1);
    assert_eq!(
        agree("flipped checksum", &bad.blob(), LIMIT),
        Err(BlobError::CorruptContent)
    );
    // Encoded by ruzstd (which writes checksums): every checksum byte flipped.
    let mut stream =
        ruzstd::encoding::compress_to_vec(&data[..], ruzstd::encoding::CompressionLevel::Fastest);
    assert_eq!(
        agree("ruzstd frame", &prefixed(&stream), LIMIT).unwrap(),
        data
    );
    let n = stream.len();
    for i in n - 4..n {
        stream[i] ^= 0x80;
        assert!(agree("ruzstd checksum byte", &prefixed(&stream), LIMIT).is_err());
        stream[i] ^= 0x80;
    }
}

#[test]
fn header_fields_agree() {
    let data = content(3000);
    let base = Frame::raw(&data);
    let mut cases: Vec<(String, Frame)> = Vec::new();
    // Every descriptor bit pattern that keeps the rest of this frame's layout.
    for descriptor in [0x00u8, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18] {
        let mut f = base.clone();
        f.descriptor = descriptor;
        if descriptor & 0x04 == 0 {
            f.checksum = None;
        }
        cases.push((format!("descriptor {descriptor:#04x}"), f));
    }
    // Windows: 1 KiB up to far past both limits (exponent 0..=31, every mantissa).
    for window in (0u8..=255).step_by(3) {
        let mut f = base.clone();
        f.window = Some(window);
        cases.push((format!("window {window:#04x}"), f));
    }
    // The same windows with a declared content size (the C library's single-pass path).
    for window in (0x80u8..=0xA8).step_by(4) {
        let mut f = base.clone();
        f.window = Some(window);
        f.descriptor |= 2 << 6;
        f.content_size = (data.len() as u32).to_le_bytes().to_vec();
        cases.push((format!("window {window:#04x} with content size"), f));
    }
    // Dictionary ids: present but zero (accepted), non-zero (no dictionary: rejected).
    for (flag, id) in [
        (1u8, vec![0]),
        (1, vec![7]),
        (2, vec![0, 0]),
        (2, vec![0, 1]),
        (3, vec![0, 0, 0, 0]),
        (3, vec![1, 0, 0, 0]),
    ] {
        let mut f = base.clone();
        f.descriptor |= flag;
        f.dict_id = id.clone();
        cases.push((format!("dictionary {id:?}"), f));
    }
    // Content sizes: exact, one short, one over, in every field width.
    for delta in [-1i64, 0, 1] {
        let size = (data.len() as i64 + delta) as u64;
        for (flag, bytes) in [
            (1u8, ((size - 256) as u16).to_le_bytes().to_vec()),
            (2, (size as u32).to_le_bytes().to_vec()),
            (3, size.to_le_bytes().to_vec()),
        ] {
            let mut f = base.clone();
            f.descriptor |= flag << 6;
            f.content_size = bytes;
            cases.push((format!("content size {size} in {flag}"), f.clone()));
            // The same as a single-segment frame (no window descriptor).
            f.descriptor |= 0x20;
            f.window = None;
            cases.push((format!("single segment, content size {size} in {flag}"), f));
        }
    }
    // Single segment, content size over the limit.
    let mut f = base.clone();
    f.descriptor |= 0x20 | 0xC0;
    f.window = None;
    f.content_size = (LIMIT as u64 + 1).to_le_bytes().to_vec();
    cases.push(("declared size over the limit".into(), f));
    for (what, frame) in cases {
        agree(&what, &frame.blob(), LIMIT).ok();
    }
}

#[test]
fn block_rules_agree() {
    let data = content(3000);
    let base = Frame::raw(&data);
    let mut cases: Vec<(String, Frame)> = Vec::new();
    // Raw and RLE blocks at, and one past, the window (1 KiB) and 128 KiB.
    for (window, size) in [
        (0x00u8, 1024u32),
        (0x00, 1025),
        (0x38, 128 * 1024),
        (0x38, 128 * 1024 + 1),
    ] {
        for ty in [0u8, 1] {
            let payload = if ty == 0 {
                content(size as usize)
            } else {
                vec![b'z']
            };
            let regenerated = if ty == 0 {
                payload.clone()
            } else {
                vec![b'z'; size as usize]
            };
            let f = Frame {
                descriptor: 0x04,
                window: Some(window),
                dict_id: vec![],
                content_size: vec![],
                blocks: vec![(true, ty, size, payload)],
                checksum: Some(xxh64_low(&regenerated)),
            };
            cases.push((format!("type {ty} block of {size} in window {window}"), f));
        }
    }
    // A reserved block type; a frame that never sets the last-block flag; an empty last block.
    let mut reserved = base.clone();
    reserved.blocks[0].1 = 3;
    cases.push(("reserved block type".into(), reserved));
    let mut unfinished = base.clone();
    unfinished.blocks.last_mut().unwrap().0 = false;
    cases.push(("no last block".into(), unfinished));
    let mut empty = base.clone();
    empty.blocks.push((true, 0, 0, vec![]));
    empty.blocks[2].0 = false;
    cases.push(("empty last block".into(), empty));
    // Checksum absent but flagged; present but not flagged (then it is trailing junk).
    let mut missing = base.clone();
    missing.checksum = None;
    cases.push(("flagged checksum missing".into(), missing));
    let mut unflagged = base.clone();
    unflagged.descriptor &= !0x04;
    cases.push(("unflagged checksum present".into(), unflagged));
    for (what, frame) in cases {
        agree(&what, &frame.blob(), 256 * 1024).ok();
    }
}

#[test]
fn stream_framing_agrees() {
    let data = content(2000);
    let frame = Frame::raw(&data).bytes();
    let mut streams: Vec<(&str, Vec<u8>)> = vec![
        ("prefix only", vec![]),
        ("one byte", vec![0x28]),
        ("skippable only", skippable(3)),
        ("empty skippable only", skippable(0)),
        ("two frames", [frame.clone(), frame.clone()].concat()),
        (
            "skippable between",
            [frame.clone(), skippable(5), frame.clone()].concat(),
        ),
        ("skippable first", [skippable(1), frame.clone()].concat()),
    ];
    let mut truncated_skippable = skippable(10);
    truncated_skippable.truncate(12);
    streams.push((
        "truncated skippable",
        [frame.clone(), truncated_skippable].concat(),
    ));
    for junk in [
        &[0u8][..],
        &[0, 0, 0],
        &[0, 0, 0, 0],
        &[0x28, 0xB5, 0x2F, 0xFD],
        &[1; 9],
    ] {
        streams.push(("trailing junk", [frame.clone(), junk.to_vec()].concat()));
    }
    for (what, stream) in streams {
        agree(what, &prefixed(&stream), LIMIT).ok();
    }
    // Every truncation of a small frame.
    for len in 0..frame.len() {
        assert!(agree("truncated frame", &prefixed(&frame[..len]), LIMIT).is_err());
    }
}

#[test]
fn bombs_agree_at_the_limit_and_past_it() {
    for (what, size) in [("at the limit", 5000usize), ("one past", 5001)] {
        // An RLE bomb, a raw frame, and the reference compressor's output.
        let rle = Frame {
            descriptor: 0x04,
            window: Some(0x38), // 128 KiB
            dict_id: vec![],
            content_size: vec![],
            blocks: vec![(true, 1, size as u32, vec![0])],
            checksum: Some(xxh64_low(&vec![0; size])),
        };
        let rle = agree(what, &rle.blob(), 5000);
        let raw = agree(what, &Frame::raw(&content(size)).blob(), 5000);
        let zstd = sp_maybe_compressed_blob::compress_weakly(&vec![0; size], usize::MAX).unwrap();
        let zstd = agree(what, &zstd, 5000);
        for result in [rle, raw, zstd] {
            assert_eq!(
                result.is_ok(),
                size <= 5000,
                "{what}: {:?}",
                result.map(|b| b.len())
            );
        }
    }
    // 64 MiB of zeros against the real limit: stopped, in bounded memory.
    let bomb = sp_maybe_compressed_blob::compress_weakly(&vec![0; 64 << 20], usize::MAX).unwrap();
    assert_eq!(
        agree("64 MiB bomb", &bomb, CODE_BLOB_BOMB_LIMIT),
        Err(BlobError::PossibleBomb {
            limit: CODE_BLOB_BOMB_LIMIT
        })
    );
}

/// Offsets worth mutating in a real stream: the frame header, the first block header and its
/// first bytes, the middle, the last block and checksum.
fn interesting_offsets(stream_len: usize) -> Vec<usize> {
    let mut offsets: Vec<usize> = (0..24).collect();
    offsets.extend((stream_len / 2..stream_len / 2 + 4).chain(stream_len - 12..stream_len));
    offsets.extend((0..stream_len).step_by(stream_len / 16 + 1));
    offsets.sort_unstable();
    offsets.dedup();
    offsets
}

#[test]
fn mutated_node_template_code_agrees() {
    let code = node_template_common::code();
    assert!(
        blob::is_compressed(&code),
        "the node-template :code is compressed"
    );
    let wasm = agree("node-template :code", &code, CODE_BLOB_BOMB_LIMIT).unwrap();
    assert!(wasm.starts_with(b"\0asm"));
    let stream = &code[ZSTD_PREFIX.len()..];
    let mut rejected = 0;
    for at in interesting_offsets(stream.len()) {
        for mutate in [|b: u8| b ^ 0x01, |b: u8| b ^ 0x80, |_| 0x00, |_| 0xFF] {
            let mut mutated = stream.to_vec();
            mutated[at] = mutate(mutated[at]);
            if mutated[at] == stream[at] {
                continue;
            }
            let what = format!("byte {at} {:#04x} -> {:#04x}", stream[at], mutated[at]);
            rejected +=
                usize::from(agree(&what, &prefixed(&mutated), CODE_BLOB_BOMB_LIMIT).is_err());
        }
    }
    assert!(rejected > 0);
    for cut in [1, 2, 3, 4, 100, stream.len() / 2, stream.len() - 1] {
        let truncated = &stream[..stream.len() - cut];
        assert!(agree("truncated code", &prefixed(truncated), CODE_BLOB_BOMB_LIMIT).is_err());
    }
    for junk in [&[0u8][..], &[0; 4], &skippable(2)] {
        let extended = [stream, junk].concat();
        agree("code with junk", &prefixed(&extended), CODE_BLOB_BOMB_LIMIT).ok();
    }
}

/// A module exporting `memory` and one function whose body uses `body`'s instructions.
fn module_using(body: &str, result: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module (memory (export "memory") 17) (global (export "__heap_base") i32 (i32.const 1048576))
             (func (export "f") (result {result}) {body}))"#
    ))
    .unwrap()
}

/// Whether sc-executor 0.51 can even read `blob` (`RuntimeBlob::uncompress_if_needed`:
/// decompression, then parity-wasm's parser with the features sc-executor-common enables).
fn substrate_reads(blob: &[u8]) -> bool {
    sc_executor_common::runtime_blob::RuntimeBlob::uncompress_if_needed(blob).is_ok()
}

fn subexec_loads(blob: &[u8]) -> bool {
    subexec_executor::Executor::builder()
        .allow_missing_host_functions(true)
        .build()
        .load(blob)
        .is_ok()
}

/// Every blob subexec loads, sc-executor 0.51 can read: the real runtimes, and a module per
/// wasm feature. The one exception is sign extension: parity-wasm parses it only with its
/// `sign_ext` feature, which `sc-executor-common` does not enable itself (a node's other
/// crates may); subexec accepts it, as the ABI contract says Substrate does (docs/LIMITS.md).
#[test]
fn runtime_blob_reads_what_subexec_loads() {
    let code = node_template_common::code();
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("node-template", code.clone(), true),
        (
            "runtime-guest classic",
            subexec_runtime_blobs::CLASSIC.to_vec(),
            true,
        ),
        (
            "runtime-guest guest-allocator",
            subexec_runtime_blobs::GUEST_ALLOCATOR.to_vec(),
            true,
        ),
        ("mvp", module_using("i32.const 1", "i32"), true),
        (
            "saturating float-to-int",
            module_using("f32.const 1 i32.trunc_sat_f32_s", "i32"),
            false,
        ),
        (
            "bulk memory",
            module_using(
                "i32.const 0 i32.const 0 i32.const 0 memory.fill i32.const 0",
                "i32",
            ),
            false,
        ),
        (
            "multi-value",
            module_using("i32.const 1 i32.const 2", "i32 i32"),
            false,
        ),
        (
            "simd",
            module_using(
                "v128.const i64x2 0 0 i64x2.extract_lane 0 i32.wrap_i64",
                "i32",
            ),
            false,
        ),
    ];
    for (what, blob, readable) in cases {
        assert_eq!(substrate_reads(&blob), readable, "{what}: Substrate reads");
        assert_eq!(subexec_loads(&blob), readable, "{what}: subexec loads");
        if blob::is_compressed(&blob) {
            continue;
        }
        // Compressed, the same.
        let compressed =
            sp_maybe_compressed_blob::compress_weakly(&blob, CODE_BLOB_BOMB_LIMIT).unwrap();
        assert_eq!(substrate_reads(&compressed), readable, "{what} compressed");
        assert_eq!(subexec_loads(&compressed), readable, "{what} compressed");
    }
    // The documented exception.
    let sign_ext = module_using("i32.const 1 i32.extend8_s", "i32");
    assert!(!substrate_reads(&sign_ext) && subexec_loads(&sign_ext));
}

/// A rejected stream names the framing rule it breaks (Substrate's decoder only says
/// "invalid"); a stream with sound framing and wrong content says so.
#[test]
fn rejections_name_the_rule() {
    use subexec_executor::blob::FrameRule;
    let base = Frame::raw(&content(100));
    let rule = |frame: &Frame| match agree("named", &frame.blob(), LIMIT) {
        Err(BlobError::Frame { rule, .. }) => Some(rule),
        _ => None,
    };
    let mut f = base.clone();
    f.descriptor |= 0x08;
    assert_eq!(rule(&f), Some(FrameRule::ReservedBit));
    let mut f = base.clone();
    f.window = Some(0x89); // 2^27 + 2^24
    assert_eq!(
        rule(&f),
        Some(FrameRule::WindowTooLarge {
            size: (1 << 27) + (1 << 24),
            max: 1 << 27
        })
    );
    let mut f = base.clone();
    f.descriptor |= 1;
    f.dict_id = vec![9];
    assert_eq!(rule(&f), Some(FrameRule::DictionaryRequired(9)));
    let mut f = base.clone();
    f.blocks = vec![(true, 1, 1025, vec![0])];
    assert_eq!(
        rule(&f),
        Some(FrameRule::BlockTooLarge {
            size: 1025,
            max: 1024
        })
    );
    let mut f = base.clone();
    f.blocks[0].1 = 3;
    assert_eq!(rule(&f), Some(FrameRule::ReservedBlockType));
    let mut f = base.clone();
    f.blocks[0].3.pop();
    assert!(rule(&f).is_some());
    let mut f = base;
    f.checksum = f.checksum.map(|c| c ^ 1);
    assert_eq!(
        agree("checksum", &f.blob(), LIMIT),
        Err(BlobError::CorruptContent)
    );
}
