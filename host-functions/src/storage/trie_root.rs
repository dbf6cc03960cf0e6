//! Substrate's trie root: a base-16 Patricia-Merkle trie without extension nodes, hashed with
//! Blake2-256, node format as in `sp-trie` (layout V0 or V1).
//!
//! The `trie-root` crate walks the sorted key-value pairs and drives a [`trie_root::TrieStream`];
//! [`SubstrateTrieStream`] writes Substrate's node encoding:
//!
//! ```text
//! header       = kind bits ‖ partial-key nibble count (first byte, then 255-continuation bytes)
//!   leaf 01, branch without value 10, branch with value 11,
//!   leaf with hashed value 001, branch with hashed value 0001  (layout V1 only)
//! partial key  = nibbles packed two per byte; an odd count puts the first nibble alone
//! branch       = header ‖ partial key ‖ children bitmap (u16 LE) ‖ value? ‖ children
//! value        = Compact(len) ‖ bytes  (inline)  |  blake2_256(bytes) (hashed, V1, len ≥ 33)
//! child        = SCALE Vec<u8> of the child node if shorter than 32 bytes, else of its hash
//! empty trie   = 00
//! ```
//! The root is the Blake2-256 of the root node's encoding (even when it is shorter than 32).

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use parity_scale_codec::{Compact, Encode};
use trie_root::Value;

use super::StateVersion;

/// Blake2-256 as a [`hash_db::Hasher`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Blake2Hasher;

impl hash_db::Hasher for Blake2Hasher {
    type Out = [u8; 32];
    type StdHasher = std::collections::hash_map::DefaultHasher;
    const LENGTH: usize = 32;

    fn hash(x: &[u8]) -> [u8; 32] {
        Blake2b::<U32>::digest(x).into()
    }
}

/// Keccak-256 as a [`hash_db::Hasher`] (`sp-core`'s `KeccakHasher`): the hasher of the
/// `ext_trie_keccak_256_*` functions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeccakHasher;

impl hash_db::Hasher for KeccakHasher {
    type Out = [u8; 32];
    type StdHasher = std::collections::hash_map::DefaultHasher;
    const LENGTH: usize = 32;

    fn hash(x: &[u8]) -> [u8; 32] {
        sha3::Keccak256::digest(x).into()
    }
}

const LEAF: (u8, u32) = (0b01 << 6, 2);
const BRANCH_WITHOUT_VALUE: (u8, u32) = (0b10 << 6, 2);
const BRANCH_WITH_VALUE: (u8, u32) = (0b11 << 6, 2);
const HASHED_VALUE_LEAF: (u8, u32) = (0b001 << 5, 3);
const HASHED_VALUE_BRANCH: (u8, u32) = (0b0001 << 4, 4);
const EMPTY_TRIE: u8 = 0;

/// Streams Substrate trie nodes for [`trie_root::trie_root_no_extension`].
#[derive(Clone, Debug, Default)]
pub struct SubstrateTrieStream {
    buffer: Vec<u8>,
}

impl SubstrateTrieStream {
    /// Header plus packed partial key.
    fn push_partial(&mut self, (prefix, prefix_bits): (u8, u32), nibbles: &[u8]) {
        let max = (255u8 >> prefix_bits) as usize;
        let count = nibbles.len();
        if count < max {
            self.buffer.push(prefix | count as u8);
        } else {
            self.buffer.push(prefix | max as u8);
            let mut rest = count - max;
            while rest >= 255 {
                self.buffer.push(255);
                rest -= 255;
            }
            self.buffer.push(rest as u8);
        }
        let odd = count % 2;
        if odd == 1 {
            self.buffer.push(nibbles[0]);
        }
        self.buffer.extend(
            nibbles[odd..]
                .chunks_exact(2)
                .map(|pair| (pair[0] << 4) | pair[1]),
        );
    }

    fn push_value(&mut self, value: &Value<'_>) {
        match value {
            Value::Inline(bytes) => {
                Compact(bytes.len() as u32).encode_to(&mut self.buffer);
                self.buffer.extend_from_slice(bytes);
            }
            Value::Node(hash) => self.buffer.extend_from_slice(hash),
        }
    }
}

impl trie_root::TrieStream for SubstrateTrieStream {
    fn new() -> Self {
        SubstrateTrieStream::default()
    }

    fn append_empty_data(&mut self) {
        self.buffer.push(EMPTY_TRIE);
    }

    fn begin_branch(
        &mut self,
        maybe_key: Option<&[u8]>,
        maybe_value: Option<Value<'_>>,
        has_children: impl Iterator<Item = bool>,
    ) {
        let kind = match &maybe_value {
            None => BRANCH_WITHOUT_VALUE,
            Some(Value::Inline(_)) => BRANCH_WITH_VALUE,
            Some(Value::Node(_)) => HASHED_VALUE_BRANCH,
        };
        // Without extension nodes the partial key is always given (possibly empty).
        self.push_partial(kind, maybe_key.unwrap_or_default());
        let bitmap = has_children
            .take(16)
            .enumerate()
            .fold(0u16, |map, (i, present)| map | (u16::from(present) << i));
        self.buffer.extend_from_slice(&bitmap.to_le_bytes());
        if let Some(value) = &maybe_value {
            self.push_value(value);
        }
    }

    fn append_leaf(&mut self, key: &[u8], value: Value<'_>) {
        let kind = match &value {
            Value::Inline(_) => LEAF,
            Value::Node(_) => HASHED_VALUE_LEAF,
        };
        self.push_partial(kind, key);
        self.push_value(&value);
    }

    fn append_extension(&mut self, _key: &[u8]) {
        // Substrate's layouts have no extension nodes; `trie_root_no_extension` never calls this.
    }

    fn append_substream<H: hash_db::Hasher>(&mut self, other: Self) {
        let data = other.buffer;
        if data.len() < 32 {
            data.encode_to(&mut self.buffer);
        } else {
            H::hash(&data).as_ref().encode_to(&mut self.buffer);
        }
    }

    fn out(self) -> Vec<u8> {
        self.buffer
    }
}

/// The inline-value threshold of a layout: V1 hashes values of 33 bytes or more.
fn threshold(version: StateVersion) -> Option<u32> {
    match version {
        StateVersion::V0 => None,
        StateVersion::V1 => Some(33),
    }
}

/// The root of the trie holding `pairs` (later duplicates win).
pub fn trie_root<I, K, V>(version: StateVersion, pairs: I) -> [u8; 32]
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<[u8]> + Ord,
    V: AsRef<[u8]>,
{
    trie_root_with::<Blake2Hasher, _, _, _>(version, pairs)
}

/// [`trie_root`](fn@trie_root) with another hasher `H` (nodes and hashed values both hashed with `H`).
pub fn trie_root_with<H, I, K, V>(version: StateVersion, pairs: I) -> [u8; 32]
where
    H: hash_db::Hasher<Out = [u8; 32]>,
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<[u8]> + Ord,
    V: AsRef<[u8]>,
{
    // `trie-root` recurses once per nibble of shared prefix: long keys get a stack for it.
    let pairs: Vec<(K, V)> = pairs.into_iter().collect();
    let longest = pairs
        .iter()
        .map(|(key, _)| key.as_ref().len())
        .max()
        .unwrap_or(0);
    let borrowed = pairs
        .iter()
        .map(|(key, value)| (key.as_ref(), value.as_ref()));
    let borrowed: Vec<(&[u8], &[u8])> = borrowed.collect();
    let work = || {
        trie_root::trie_root_no_extension::<H, SubstrateTrieStream, _, _, _>(
            borrowed,
            threshold(version),
        )
    };
    super::deep_stack::with_stack_for(longest, work).unwrap_or_else(|error| {
        panic!("no thread for a trie path to a {longest}-byte key: {error}")
    })
}

/// The root of the trie mapping SCALE `Compact(i)` to the `i`-th value.
pub fn ordered_trie_root<I, V>(version: StateVersion, values: I) -> [u8; 32]
where
    I: IntoIterator<Item = V>,
    V: AsRef<[u8]>,
{
    ordered_trie_root_with::<Blake2Hasher, _, _>(version, values)
}

/// [`ordered_trie_root`] with another hasher `H`.
pub fn ordered_trie_root_with<H, I, V>(version: StateVersion, values: I) -> [u8; 32]
where
    H: hash_db::Hasher<Out = [u8; 32]>,
    I: IntoIterator<Item = V>,
    V: AsRef<[u8]>,
{
    trie_root_with::<H, _, _, _>(
        version,
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Compact(i as u32).encode(), v)),
    )
}

/// The root of the empty trie: `blake2_256([0])`.
pub fn empty_trie_root() -> [u8; 32] {
    <Blake2Hasher as hash_db::Hasher>::hash(&[EMPTY_TRIE])
}
