//! `block_import`: mutated real Westend blocks imported on the real Westend state.
//!
//! The genesis (`conformance/third-party/westend/chain-spec-raw.json`) and blocks 1–128 are
//! loaded once per process. An input picks a block `k` (first byte) and a list of mutations of
//! it (the rest, [`MUTATION_LEN`] bytes each, at most [`MAX_MUTATIONS`]); the state after block
//! `k − 1` comes from a process-wide cache of checkpoints (every [`CHECKPOINT_EVERY`] blocks,
//! the real blocks imported once), so an input costs at most a few real imports plus its own.
//!
//! Mutations act on the block's structure (extrinsics dropped, duplicated, swapped, inserted
//! from other blocks or from fuzz bytes, bytes flipped inside one; header number, parent hash,
//! roots; digest items removed, duplicated, reordered, retagged, added, their payloads
//! changed) or on its SCALE encoding (byte flips, truncation, a compact length prefix
//! replaced); an encoding that no longer decodes is a typed [`BlockDecodeError`] and ends the
//! input.
//!
//! Properties of every import: no crash; two importers on the same state give the same
//! result (the same error text, or the same root, output and changes); a refused block leaves
//! the committed state, its root and the head exactly as before, and the genuine block `k`
//! still imports on it with its header's root; an accepted block's committed root is its
//! header's, and a mutation that keeps the unsealed header and the extrinsics (the seal is
//! not executed) is accepted with the genuine block's changes.
//!
//! [`BlockDecodeError`]: subexec_executor::block::BlockDecodeError

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use parity_scale_codec::{Compact, Decode, Encode};
use subexec_executor::block::json::parse_blocks;
use subexec_executor::block::{
    Block, BlockError, BlockOutcome, DigestItem, Head, Header, Importer,
};
use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::storage::InMemoryBackend;
use subexec_executor::Executor;

/// Bytes per mutation: kind, two operands, four bytes of payload.
pub const MUTATION_LEN: usize = 7;
/// At most this many mutations per input.
pub const MAX_MUTATIONS: usize = 8;
/// The state after every `CHECKPOINT_EVERY`-th block is kept (genesis is checkpoint 0).
pub const CHECKPOINT_EVERY: u32 = 4;

/// The Westend data, the executor and the checkpoints of one process.
struct Chain {
    executor: Executor,
    blocks: Vec<Block>,
    /// State and head after block `n` (0: genesis), for `n` a multiple of
    /// [`CHECKPOINT_EVERY`], filled on first use.
    checkpoints: Mutex<BTreeMap<u32, (InMemoryBackend, Head)>>,
}

fn data(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../conformance/third-party/westend/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn chain() -> &'static Chain {
    static CHAIN: OnceLock<Chain> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let executor = Executor::builder().build();
        let genesis = GenesisStorage::from_json(&data("chain-spec-raw.json"))
            .expect("Westend's raw chain spec parses");
        let importer = Importer::from_genesis(&executor, genesis).expect("Westend genesis");
        let head = *importer.head().expect("a genesis has a head");
        let blocks = parse_blocks(&data("blocks-1-128.json")).expect("Westend blocks 1-128");
        let mut checkpoints = BTreeMap::new();
        checkpoints.insert(0, (importer.into_state(), head));
        Chain {
            executor,
            blocks,
            checkpoints: Mutex::new(checkpoints),
        }
    })
}

/// The number of real blocks available.
pub fn block_count() -> usize {
    chain().blocks.len()
}

/// The committed state and head after the real block `number` (0: genesis).
fn state_after(number: u32) -> (InMemoryBackend, Head) {
    let chain = chain();
    let checkpoint = number - number % CHECKPOINT_EVERY;
    let (state, head) = {
        let mut checkpoints = chain
            .checkpoints
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Fill the checkpoints up to the one needed (each real block imported once per process).
        let mut last = *checkpoints
            .range(..=checkpoint)
            .next_back()
            .expect("genesis is checkpoint 0")
            .0;
        while last < checkpoint {
            let (state, head) = checkpoints[&last].clone();
            let mut importer = Importer::from_state(&chain.executor, state, Some(head))
                .expect("a real state loads");
            for block in &chain.blocks[last as usize..(last + CHECKPOINT_EVERY) as usize] {
                importer.import(block).expect("a real block imports");
            }
            last += CHECKPOINT_EVERY;
            let head = *importer.head().expect("imported");
            checkpoints.insert(last, (importer.into_state(), head));
        }
        checkpoints[&checkpoint].clone()
    };
    let mut importer =
        Importer::from_state(&chain.executor, state, Some(head)).expect("a real state loads");
    for block in &chain.blocks[checkpoint as usize..number as usize] {
        importer.import(block).expect("a real block imports");
    }
    let head = *importer.head().expect("imported");
    (importer.into_state(), head)
}

/// An importer at `state` with `head`.
fn importer_at(state: &(InMemoryBackend, Head)) -> Importer {
    Importer::from_state(&chain().executor, state.0.clone(), Some(state.1))
        .expect("a real state loads")
}

/// A block being mutated: still a [`Block`], or raw SCALE bytes after an encoding mutation.
enum Candidate {
    Block(Block),
    Encoded(Vec<u8>),
}

/// The `index`-th of `len` items (`len > 0`).
fn pick(byte: u8, len: usize) -> usize {
    usize::from(byte) % len
}

/// A SCALE byte string (compact length, bytes): an extrinsic as blocks carry them.
fn byte_string(bytes: &[u8]) -> Vec<u8> {
    bytes.to_vec().encode()
}

/// Applies one structural mutation to `block` (every one keeps each extrinsic a SCALE byte
/// string, so the result is a block).
fn mutate_block(block: &Block, m: &[u8; MUTATION_LEN]) -> Block {
    let chain = chain();
    let [kind, a, b, p0, p1, p2, p3] = *m;
    let payload = [p0, p1, p2, p3];
    let mut header = block.header.clone();
    let mut extrinsics = block.extrinsics().to_vec();
    match kind % 12 {
        0 if !extrinsics.is_empty() => {
            extrinsics.remove(pick(a, extrinsics.len()));
        }
        1 if !extrinsics.is_empty() => {
            let i = pick(a, extrinsics.len());
            extrinsics.insert(pick(b, extrinsics.len() + 1), extrinsics[i].clone());
        }
        2 if extrinsics.len() > 1 => {
            let (i, j) = (pick(a, extrinsics.len()), pick(b, extrinsics.len()));
            extrinsics.swap(i, j);
        }
        3 => {
            // An extrinsic of another real block (timestamps, heartbeats, parachain heads).
            let other = &chain.blocks[pick(a, chain.blocks.len())];
            if !other.extrinsics().is_empty() {
                let e = other.extrinsics()[pick(b, other.extrinsics().len())].clone();
                let at = pick(p0, extrinsics.len() + 1);
                extrinsics.insert(at, e);
            }
        }
        4 => {
            let at = pick(a, extrinsics.len() + 1);
            extrinsics.insert(at, byte_string(&payload[..usize::from(b % 5)]));
        }
        5 if !extrinsics.is_empty() => {
            // A byte inside an extrinsic's body (its length prefix kept).
            let i = pick(a, extrinsics.len());
            let e = &mut extrinsics[i];
            let body = Compact::<u32>::decode(&mut &e[..]).map_or(0, |len| len.0 as usize);
            let prefix = e.len().saturating_sub(body);
            if e.len() > prefix {
                let at = prefix + usize::from(u16::from_le_bytes([b, p0])) % (e.len() - prefix);
                e[at] ^= p1.max(1);
            }
        }
        6 => {
            let delta = i32::from(i8::from_le_bytes([a]));
            header.number = header.number.wrapping_add_signed(delta);
        }
        7 => {
            let field = match b % 3 {
                0 => &mut header.parent_hash,
                1 => &mut header.state_root,
                _ => &mut header.extrinsics_root,
            };
            field[pick(a, 32)] ^= p0.max(1);
        }
        8 if !header.digest.logs.is_empty() => {
            let logs = &mut header.digest.logs;
            let i = pick(a, logs.len());
            match b % 3 {
                0 => {
                    logs.remove(i);
                }
                1 => {
                    let item = logs[i].clone();
                    logs.insert(pick(p0, logs.len() + 1), item);
                }
                _ => {
                    let j = pick(p0, logs.len());
                    logs.swap(i, j);
                }
            }
        }
        9 if !header.digest.logs.is_empty() => {
            let logs = &mut header.digest.logs;
            let i = pick(a, logs.len());
            match &mut logs[i] {
                DigestItem::PreRuntime(id, data)
                | DigestItem::Seal(id, data)
                | DigestItem::Consensus(id, data) => {
                    if b & 1 == 0 && !data.is_empty() {
                        let at = pick(p0, data.len());
                        data[at] ^= p1.max(1);
                    } else if b & 2 == 0 {
                        *id = payload;
                    } else {
                        data.truncate(pick(p0, data.len() + 1));
                    }
                }
                DigestItem::Other(data) => data.extend_from_slice(&payload),
                DigestItem::RuntimeEnvironmentUpdated => {}
            }
        }
        10 => {
            // Retag an item (a pre-runtime digest becomes a seal and is stripped, …) or add one.
            let logs = &mut header.digest.logs;
            let new = match b % 5 {
                0 => DigestItem::RuntimeEnvironmentUpdated,
                1 => DigestItem::Other(payload.to_vec()),
                2 => DigestItem::Seal(*b"BABE", payload.to_vec()),
                3 => DigestItem::PreRuntime(*b"BABE", payload.to_vec()),
                _ => DigestItem::Consensus(*b"BABE", payload.to_vec()),
            };
            if !logs.is_empty() && p0 & 1 == 0 {
                let i = pick(a, logs.len());
                logs[i] = match (&logs[i], new) {
                    (
                        DigestItem::PreRuntime(id, data)
                        | DigestItem::Seal(id, data)
                        | DigestItem::Consensus(id, data),
                        DigestItem::Seal(..),
                    ) => DigestItem::Seal(*id, data.clone()),
                    (
                        DigestItem::PreRuntime(id, data)
                        | DigestItem::Seal(id, data)
                        | DigestItem::Consensus(id, data),
                        DigestItem::PreRuntime(..),
                    ) => DigestItem::PreRuntime(*id, data.clone()),
                    (_, new) => new,
                };
            } else {
                logs.insert(pick(a, logs.len() + 1), new);
            }
        }
        _ => {
            // The whole body of another real block under this header.
            let other = &chain.blocks[pick(a, chain.blocks.len())];
            extrinsics = other.extrinsics().to_vec();
        }
    }
    Block::new(header, extrinsics).expect("structural mutations keep every extrinsic well formed")
}

/// Applies one encoding mutation to `bytes`.
fn mutate_encoding(bytes: &mut Vec<u8>, m: &[u8; MUTATION_LEN]) {
    let [kind, a, b, p0, p1, p2, p3] = *m;
    if bytes.is_empty() {
        bytes.extend_from_slice(&[p0, p1, p2, p3]);
        return;
    }
    let at = usize::from(u16::from_le_bytes([a, b])) % bytes.len();
    match kind % 4 {
        0 => bytes[at] ^= p0.max(1),
        1 => bytes.truncate(at),
        2 => {
            // A compact length prefix (one, two or four bytes) written over position `at`.
            let value = u32::from_le_bytes([p0, p1, p2, p3]) >> (p3 % 32);
            let prefix = Compact(value).encode();
            let end = (at + prefix.len()).min(bytes.len());
            bytes[at..end].copy_from_slice(&prefix[..end - at]);
        }
        _ => bytes.splice(at..at, [p0, p1, p2, p3]).for_each(drop),
    }
}

/// The input's block number (1..=128) and its mutations.
pub fn parse(data: &[u8]) -> Option<(u32, Vec<[u8; MUTATION_LEN]>)> {
    let (first, rest) = data.split_first()?;
    let number = 1 + u32::from(*first) % block_count() as u32;
    let mutations = rest
        .chunks_exact(MUTATION_LEN)
        .take(MAX_MUTATIONS)
        .map(|c| c.try_into().expect("chunks_exact"))
        .collect();
    Some((number, mutations))
}

/// The comparable part of an import's result.
fn canonical(result: &Result<BlockOutcome, BlockError>) -> Vec<u8> {
    let mut out = Vec::new();
    match result {
        Ok(o) => {
            0u8.encode_to(&mut out);
            (o.number, o.hash, o.state_root, o.spec_version).encode_to(&mut out);
            o.call.output.encode_to(&mut out);
            o.changes.main.encode_to(&mut out);
            o.changes.children.encode_to(&mut out);
            o.runtime_changed.encode_to(&mut out);
        }
        Err(e) => {
            1u8.encode_to(&mut out);
            e.to_string().encode_to(&mut out);
        }
    }
    out
}

/// The target.
pub fn run(data: &[u8]) {
    let Some((number, mutations)) = parse(data) else {
        return;
    };
    let chain = chain();
    let genuine = &chain.blocks[number as usize - 1];
    let mut candidate = Candidate::Block(genuine.clone());
    for m in &mutations {
        candidate = match candidate {
            Candidate::Block(block) if m[0] < 0xc0 => Candidate::Block(mutate_block(&block, m)),
            Candidate::Block(block) => {
                let mut bytes = block.encode();
                mutate_encoding(&mut bytes, m);
                Candidate::Encoded(bytes)
            }
            Candidate::Encoded(mut bytes) => {
                mutate_encoding(&mut bytes, m);
                Candidate::Encoded(bytes)
            }
        };
    }
    let block = match candidate {
        Candidate::Block(block) => block,
        Candidate::Encoded(bytes) => match Block::decode_exact(&bytes) {
            Ok(block) => block,
            // A typed decode error: nothing to import. The error text is one line.
            Err(error) => {
                assert!(!error.to_string().contains('\n'), "{error}");
                return;
            }
        },
    };
    check_import(number, genuine, &block);
}

/// Imports `block` on two importers at the state after block `number − 1` and checks the
/// properties of the module docs.
pub fn check_import(number: u32, genuine: &Block, block: &Block) {
    let parent = state_after(number - 1);
    let mut first = importer_at(&parent);
    let mut second = importer_at(&parent);
    let state_before = &parent.0;
    let root_before = first.storage_root();
    let head_before = *first.head().expect("a head");

    let result = first.import(block);
    let again = second.import(block);
    assert!(
        canonical(&result) == canonical(&again),
        "block #{number}: two imports of the same block on the same state differ"
    );
    let same_execution = block.header.unsealed().0 == genuine.header.unsealed().0
        && block.extrinsics() == genuine.extrinsics();
    match result {
        Ok(outcome) => {
            assert_eq!(outcome.state_root, block.header.state_root);
            assert_eq!(first.storage_root(), block.header.state_root);
            assert_eq!(first.head().map(|h| h.hash), Some(block.hash()));
            if same_execution {
                assert_eq!(outcome.state_root, genuine.header.state_root);
            }
        }
        Err(error) => {
            assert!(
                !same_execution,
                "block #{number}: refused although it executes as the genuine block: {error}"
            );
            let text = error.to_string();
            assert!(!text.contains('\n'), "multi-line error: {text}");
            assert!(
                text.contains(&format!("block #{}", block.number())),
                "{text}"
            );
            assert_eq!(
                first.storage_root(),
                root_before,
                "a refused block changed the root"
            );
            assert!(
                first.state() == state_before,
                "a refused block changed the state"
            );
            assert_eq!(first.head(), Some(&head_before));
            let outcome = first
                .import(genuine)
                .unwrap_or_else(|e| panic!("the genuine block #{number} after a refusal: {e}"));
            assert_eq!(outcome.state_root, genuine.header.state_root);
        }
    }
}

/// The header of real block `number` (1-based), for seeds and tests.
pub fn real_header(number: u32) -> Header {
    chain().blocks[number as usize - 1].header.clone()
}
