//! Cumulus' `ext_storage_proof_size_storage_proof_size_version_1() -> u64`: the size of the
//! storage proof recorded so far, or `u64::MAX` when no proof is being recorded (cumulus'
//! `ProofSizeExt` absent). subexec records no proofs yet, so the answer is always `u64::MAX`.

use sp_wasm_interface::Value;

use super::Outcome;

/// What a host without a proof recorder answers.
const NOT_RECORDING: u64 = u64::MAX;

/// `storage_proof_size() -> u64`.
pub fn storage_proof_size() -> Outcome {
    Ok(Some(Value::I64(NOT_RECORDING as i64)))
}
