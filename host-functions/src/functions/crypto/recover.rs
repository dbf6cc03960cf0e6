//! `ext_crypto_secp256k1_ecdsa_recover{,_compressed}_version_{1,2}`:
//! `(signature: [u8; 65], message: [u8; 32]) -> Result<public key, EcdsaVerifyError>`.
//!
//! Version 1 parses `r`/`s` with libsecp256k1's `parse_overflowing_slice` (values at or above
//! the group order are reduced), version 2 with secp256k1's `from_compact` (they are
//! `BadRS`). Both read `v` 27/28 as 0/1. The result is SCALE `Result<[u8; 64], _>` (the
//! uncompressed key without its `0x04` prefix) or `Result<[u8; 33], _>` (compressed).

use subexec_allocator::Memory;

use super::array;
use super::schemes::{self, RecoverError};
use crate::functions::{return_parts, Args, Outcome};
use crate::host_state::HostState;

/// Which recovery: the version and the key encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Recovery {
    /// Version 2 (secp256k1, standard parsing) rather than 1 (libsecp256k1, overflowing).
    pub standard: bool,
    /// The 33-byte compressed key rather than the 64-byte uncompressed one.
    pub compressed: bool,
}

/// Recovers and returns the SCALE `Result`.
pub(crate) fn recover(
    recovery: Recovery,
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let signature = array::<65>(args, memory, 0)?;
    let message = array::<32>(args, memory, 1)?;
    // Each version serialises with its own crate, as `sp-io` does.
    let key: Result<Vec<u8>, RecoverError> = match recovery {
        Recovery {
            standard: false,
            compressed: false,
        } => {
            schemes::recover_overflowing(&signature, &message).map(|k| k.serialize()[1..].to_vec())
        }
        Recovery {
            standard: false,
            compressed: true,
        } => schemes::recover_overflowing(&signature, &message)
            .map(|k| k.serialize_compressed().to_vec()),
        Recovery {
            standard: true,
            compressed: false,
        } => schemes::recover_standard(&signature, &message)
            .map(|k| k.serialize_uncompressed()[1..].to_vec()),
        Recovery {
            standard: true,
            compressed: true,
        } => schemes::recover_standard(&signature, &message).map(|k| k.serialize().to_vec()),
    };
    match key {
        Ok(key) => return_parts(&mut state.allocator, memory, &[&[0], &key]),
        Err(error) => return_parts(&mut state.allocator, memory, &[&[1, error as u8]]),
    }
}
