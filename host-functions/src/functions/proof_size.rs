//! Cumulus' `ext_storage_proof_size_storage_proof_size_version_1() -> u64`: the encoded size of
//! the storage proof recorded so far, or `u64::MAX` when no proof is being recorded (cumulus'
//! `ProofSizeExt` absent).
//!
//! When the call records a proof (`CallOptions::record_proof`, a [`Backend::recording`]
//! view), the answer is the recorder's estimate, which is what `ProofSizeExt::storage_proof_size`
//! returns from sp-trie's `Recorder::estimate_encoded_size`: every node and hashed value read
//! so far (including by `storage_root`), each counted once with its SCALE length prefix.
//!
//! [`Backend::recording`]: crate::storage::Backend::recording

use sp_wasm_interface::Value;

use super::Outcome;
use crate::host_state::HostState;

/// What a host without a proof recorder answers.
const NOT_RECORDING: u64 = u64::MAX;

/// `storage_proof_size() -> u64`.
pub fn storage_proof_size(state: &HostState) -> Outcome {
    let size = state
        .storage
        .backend()
        .proof_size()
        .unwrap_or(NOT_RECORDING);
    Ok(Some(Value::I64(size as i64)))
}
