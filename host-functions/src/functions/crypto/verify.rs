//! `ext_crypto_{ed25519,sr25519,ecdsa}_verify*`: `(signature, message, public key) -> bool`.
//!
//! Versions differ in the rules, not the wire format:
//! - ed25519 version 1: ed25519-zebra, or ed25519-dalek when the embedder asks for `sp-io`'s
//!   `UseDalekExt` ([`crate::HostState::set_use_dalek`]);
//! - sr25519 version 1 also accepts pre-audit (schnorrkel 0.1.1) signatures, version 2 does not;
//! - ecdsa version 1 uses libsecp256k1 and reduces overflowing `r`/`s`, version 2 and
//!   `verify_prehashed` use secp256k1, which rejects them.

use subexec_allocator::Memory;

use super::{array, schemes};
use crate::functions::{bool_value, Args, Outcome};
use crate::host_state::HostState;

/// Which check a verify function makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// `ed25519_verify` version 1.
    Ed25519,
    /// `sr25519_verify` version 1 (deprecated pre-audit signatures accepted).
    Sr25519V1,
    /// `sr25519_verify` version 2.
    Sr25519V2,
    /// `ecdsa_verify` version 1 (libsecp256k1, overflowing `r`/`s`).
    EcdsaV1,
    /// `ecdsa_verify` version 2.
    EcdsaV2,
}

/// Reads `(signature, message, public key)` in argument order and checks them.
pub(crate) fn check(
    check: Check,
    state: &HostState,
    memory: &impl Memory,
    args: &Args<'_>,
) -> Result<bool, crate::error::HostErrorCause> {
    Ok(match check {
        Check::Ed25519 | Check::Sr25519V1 | Check::Sr25519V2 => {
            let signature = array::<64>(args, memory, 0)?;
            let message = args.bytes(memory, 1)?;
            let public = array::<32>(args, memory, 2)?;
            match check {
                Check::Ed25519 if state.use_dalek => {
                    schemes::ed25519_dalek(&signature, &message, &public)
                }
                Check::Ed25519 => schemes::ed25519_zebra(&signature, &message, &public),
                Check::Sr25519V1 => schemes::sr25519_deprecated(&signature, &message, &public),
                _ => schemes::sr25519(&signature, &message, &public),
            }
        }
        Check::EcdsaV1 | Check::EcdsaV2 => {
            let signature = array::<65>(args, memory, 0)?;
            let message = args.bytes(memory, 1)?;
            let public = array::<33>(args, memory, 2)?;
            if check == Check::EcdsaV1 {
                schemes::ecdsa_deprecated(&signature, &message, &public)
            } else {
                schemes::ecdsa(&signature, &message, &public)
            }
        }
    })
}

/// `*_verify(signature, message, public) -> bool`.
pub(crate) fn verify(
    which: Check,
    state: &HostState,
    memory: &impl Memory,
    args: &Args<'_>,
) -> Outcome {
    check(which, state, memory, args).map(bool_value)
}

/// `ecdsa_verify_prehashed(signature, message: &[u8; 32], public) -> bool`.
pub(crate) fn ecdsa_prehashed(memory: &impl Memory, args: &Args<'_>) -> Outcome {
    let signature = array::<65>(args, memory, 0)?;
    let message = array::<32>(args, memory, 1)?;
    let public = array::<33>(args, memory, 2)?;
    Ok(bool_value(schemes::ecdsa_prehashed(
        &signature, &message, &public,
    )))
}
