//! Host functions behind one safe API.
//!
//! `shared` declares the imports both ABIs use (functions that never allocate on the host:
//! set, clear, exists, append, transactions, logging, printing, panic reporting).
//! `classic` and `guest` implement the rest with the mode's own imports — host-allocated
//! results freed with `ext_allocator_free_version_1` in classic mode, guest-owned output
//! buffers in guest-allocator mode — and export the same function names, so workloads are
//! written once against `crate::host::*`.
//!
//! Every pointer handed to the host is a "fat pointer": `ptr | len << 32` (abi.md §2).

mod shared;
pub use shared::*;

#[cfg(feature = "classic")]
mod classic;
#[cfg(feature = "classic")]
pub use classic::*;

#[cfg(feature = "guest-allocator")]
mod guest;
#[cfg(feature = "guest-allocator")]
pub use guest::*;

/// Packs a slice into the `ptr | len << 32` form the host expects.
#[inline]
pub fn fat(bytes: &[u8]) -> u64 {
    (bytes.as_ptr() as usize as u64) | ((bytes.len() as u64) << 32)
}

/// Packs a buffer the host writes into (a mutable borrow, so the compiler knows it changes).
#[inline]
pub fn fat_mut(bytes: &mut [u8]) -> u64 {
    (bytes.as_mut_ptr() as usize as u64) | ((bytes.len() as u64) << 32)
}

/// `twox_128(a) ‖ twox_128(b)`: the prefix of a FRAME storage item.
pub fn storage_prefix(pallet: &[u8], item: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(&twox_128(pallet));
    out[16..].copy_from_slice(&twox_128(item));
    out
}

/// Hashes `data` with the host's `twox_128`.
pub fn twox_128(data: &[u8]) -> [u8; 16] {
    let digest = hash(crate::api::HashAlgorithm::Twox128, data);
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest);
    out
}

/// Hashes `data` with the host's `blake2_128`.
pub fn blake2_128(data: &[u8]) -> [u8; 16] {
    let digest = hash(crate::api::HashAlgorithm::Blake2_128, data);
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest);
    out
}
