//! The keystore functions: `{ed25519,sr25519,ecdsa}_{public_keys,generate,sign}` and
//! `ecdsa_sign_prehashed`, through the call's [`Keystore`](crate::Keystore).
//!
//! Wire formats as in `sp-io` 49: `public_keys` returns SCALE `Vec<Public>` and `sign` SCALE
//! `Option<Signature>` (fat pointers, allocated even when empty or `None`); `generate` takes
//! SCALE `Option<Vec<u8>>` (a UTF-8 secret URI) and returns an `i32` pointer to the public key.
//! A keystore error while signing becomes `None`; while generating it fails the call.

use parity_scale_codec::{Compact, Encode};
use subexec_allocator::Memory;

use super::array;
use crate::error::HostErrorCause;
use crate::functions::{return_parts, return_pointer, Args, Outcome};
use crate::host_state::HostState;
use crate::keystore::{Keystore, Scheme};

fn keystore(state: &HostState) -> Result<std::sync::Arc<dyn Keystore>, HostErrorCause> {
    state.keystore.clone().ok_or(HostErrorCause::NoKeystore)
}

/// Refuses a keystore answer of the wrong length (the runtime would misread it).
fn checked(scheme: Scheme, bytes: &[u8], expected: usize) -> Result<(), HostErrorCause> {
    if bytes.len() == expected {
        Ok(())
    } else {
        Err(HostErrorCause::KeystoreAnswer {
            scheme,
            len: bytes.len(),
            expected,
        })
    }
}

/// `*_public_keys(key_type) -> Vec<Public>`.
pub(crate) fn public_keys(
    scheme: Scheme,
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let key_type = array::<4>(args, memory, 0)?;
    let keys = keystore(state)?.public_keys(scheme, key_type);
    for key in &keys {
        checked(scheme, key, scheme.public_len())?;
    }
    let prefix = Compact(keys.len() as u32).encode();
    let mut parts: Vec<&[u8]> = Vec::with_capacity(keys.len() + 1);
    parts.push(&prefix);
    parts.extend(keys.iter().map(Vec::as_slice));
    return_parts(&mut state.allocator, memory, &parts)
}

/// `*_generate(key_type, seed: Option<Vec<u8>>) -> pointer to the public key`.
pub(crate) fn generate(
    scheme: Scheme,
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let key_type = array::<4>(args, memory, 0)?;
    let seed: Option<Vec<u8>> = args.decode(memory, 1, "Option<Vec<u8>>")?;
    let seed = seed
        .as_deref()
        .map(std::str::from_utf8)
        .transpose()
        .map_err(|_| HostErrorCause::InvalidUtf8 { what: "seed" })?;
    let public = keystore(state)?
        .generate(scheme, key_type, seed)
        .map_err(HostErrorCause::KeyGeneration)?;
    checked(scheme, &public, scheme.public_len())?;
    return_pointer(&mut state.allocator, memory, &public)
}

/// Returns SCALE `Option<Signature>`, checking the signature's length.
fn return_signature(
    scheme: Scheme,
    signature: Option<&[u8]>,
    state: &mut HostState,
    memory: &mut impl Memory,
) -> Outcome {
    match signature {
        None => return_parts(&mut state.allocator, memory, &[&[0]]),
        Some(signature) => {
            checked(scheme, signature, scheme.signature_len())?;
            return_parts(&mut state.allocator, memory, &[&[1], signature])
        }
    }
}

/// `*_sign(key_type, public, message) -> Option<Signature>`.
pub(crate) fn sign(
    scheme: Scheme,
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let key_type = array::<4>(args, memory, 0)?;
    let public = match scheme {
        Scheme::Ecdsa => array::<33>(args, memory, 1)?.to_vec(),
        Scheme::Ed25519 | Scheme::Sr25519 => array::<32>(args, memory, 1)?.to_vec(),
    };
    let message = args.bytes(memory, 2)?;
    let signature = keystore(state)?
        .sign(scheme, key_type, &public, &message)
        .ok()
        .flatten();
    return_signature(scheme, signature.as_deref(), state, memory)
}

/// `ecdsa_sign_prehashed(key_type, public, message: [u8; 32]) -> Option<Signature>`.
pub(crate) fn ecdsa_sign_prehashed(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let key_type = array::<4>(args, memory, 0)?;
    let public = array::<33>(args, memory, 1)?;
    let message = array::<32>(args, memory, 2)?;
    let signature = keystore(state)?
        .ecdsa_sign_prehashed(key_type, &public, &message)
        .ok()
        .flatten();
    return_signature(
        Scheme::Ecdsa,
        signature.as_ref().map(|s| &s[..]),
        state,
        memory,
    )
}
