//! `ext_hashing_*`: digests of a byte string, returned as a pointer to the raw digest.
//!
//! `twox_N` concatenates XxHash64 of the data with seeds `0 .. N/64`, each little-endian.

use blake2::digest::consts::{U16, U32};
use blake2::{Blake2b, Digest};
use subexec_allocator::Memory;

use super::{return_pointer, Args, Outcome};
use crate::host_state::HostState;

/// The hash algorithms of the hashing interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// Keccak-256 (Ethereum's, not SHA3-256).
    Keccak256,
    /// Keccak-512 (not SHA3-512).
    Keccak512,
    /// SHA2-256.
    Sha2256,
    /// Blake2b with a 16-byte output.
    Blake2128,
    /// Blake2b with a 32-byte output.
    Blake2256,
    /// XxHash64, seed 0.
    Twox64,
    /// XxHash64, seeds 0 and 1.
    Twox128,
    /// XxHash64, seeds 0 to 3.
    Twox256,
}

fn twox<const N: usize>(data: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    for (seed, chunk) in out.chunks_exact_mut(8).enumerate() {
        let hash = twox_hash::XxHash64::oneshot(seed as u64, data);
        chunk.copy_from_slice(&hash.to_le_bytes());
    }
    out
}

/// The digest of `data`.
pub fn digest(algorithm: Algorithm, data: &[u8]) -> Vec<u8> {
    match algorithm {
        Algorithm::Keccak256 => sha3::Keccak256::digest(data).to_vec(),
        Algorithm::Keccak512 => sha3::Keccak512::digest(data).to_vec(),
        Algorithm::Sha2256 => sha2::Sha256::digest(data).to_vec(),
        Algorithm::Blake2128 => Blake2b::<U16>::digest(data).to_vec(),
        Algorithm::Blake2256 => Blake2b::<U32>::digest(data).to_vec(),
        Algorithm::Twox64 => twox::<8>(data).to_vec(),
        Algorithm::Twox128 => twox::<16>(data).to_vec(),
        Algorithm::Twox256 => twox::<32>(data).to_vec(),
    }
}

/// `<algorithm>(data) -> pointer to the digest`.
pub fn hash(
    algorithm: Algorithm,
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let data = args.bytes(memory, 0)?;
    let digest = digest(algorithm, &data);
    return_pointer(&mut state.allocator, memory, &digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_sizes() {
        for (algorithm, len) in [
            (Algorithm::Keccak256, 32),
            (Algorithm::Keccak512, 64),
            (Algorithm::Sha2256, 32),
            (Algorithm::Blake2128, 16),
            (Algorithm::Blake2256, 32),
            (Algorithm::Twox64, 8),
            (Algorithm::Twox128, 16),
            (Algorithm::Twox256, 32),
        ] {
            assert_eq!(digest(algorithm, b"abc").len(), len);
        }
    }

    #[test]
    fn twox_is_seeded_xxhash64_concatenated() {
        let out = digest(Algorithm::Twox128, b"hello");
        assert_eq!(
            &out[..8],
            &twox_hash::XxHash64::oneshot(0, b"hello").to_le_bytes()
        );
        assert_eq!(
            &out[8..],
            &twox_hash::XxHash64::oneshot(1, b"hello").to_le_bytes()
        );
        // Well-known Substrate storage prefix: twox_128("System").
        assert_eq!(
            hex::encode(digest(Algorithm::Twox128, b"System")),
            "26aa394eea5630e07c48ae0c9558cef7"
        );
    }
}
