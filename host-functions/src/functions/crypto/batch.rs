//! The deprecated batch verification, emulated as `sp-io` 49 does: nothing is deferred.
//!
//! `start_batch_verify` opens a verification context (the `VerificationExtDeprecated`
//! extension); each `*_batch_verify` verifies at once, returns the result, and ands it into the
//! open context if there is one; `finish_batch_verify` closes the context and returns the
//! conjunction. Starting twice and finishing without a start fail the call (Substrate panics).
//! The context belongs to the call ([`crate::HostState`]).

use subexec_allocator::Memory;

use super::verify::{self, Check};
use crate::error::HostErrorCause;
use crate::functions::{bool_value, Args, Outcome};
use crate::host_state::HostState;

/// `{sr25519,ecdsa}_batch_verify(signature, message, public) -> bool`: the version-2 check.
pub(crate) fn batch_verify(
    which: Check,
    state: &mut HostState,
    memory: &impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let valid = verify::check(which, state, memory, args)?;
    if let Some(all_valid) = state.batch_verification.as_mut() {
        *all_valid &= valid;
    }
    Ok(bool_value(valid))
}

/// `ed25519_batch_verify(signature, message, public) -> bool`.
///
/// `sp-io` 49 implements it by calling `ed25519_verify`, which asks the externalities for
/// `UseDalekExt` while the batch function still holds them: the nested borrow panics, so under
/// a Substrate executor every call of this function fails (after reading its arguments). It is
/// reproduced, with a typed error.
pub(crate) fn ed25519_batch_verify(memory: &impl Memory, args: &Args<'_>) -> Outcome {
    super::array::<64>(args, memory, 0)?;
    args.with_bytes(memory, 1, |_| ())?;
    super::array::<32>(args, memory, 2)?;
    Err(HostErrorCause::Ed25519BatchVerifyReentrant)
}

/// `start_batch_verify()`.
pub(crate) fn start(state: &mut HostState) -> Outcome {
    if state.batch_verification.is_some() {
        return Err(HostErrorCause::BatchVerificationAlreadyStarted);
    }
    state.batch_verification = Some(true);
    Ok(None)
}

/// `finish_batch_verify() -> bool`.
pub(crate) fn finish(state: &mut HostState) -> Outcome {
    state
        .batch_verification
        .take()
        .map(bool_value)
        .ok_or(HostErrorCause::BatchVerificationNotStarted)
}
