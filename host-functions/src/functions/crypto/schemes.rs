//! The signature checks themselves, on plain byte arrays, exactly as `sp-core` 43 and `sp-io`
//! 49 make them (same crates, same parsing, same hashing of the message).
//!
//! Which check a host function uses is part of consensus: a signature one library accepts and
//! another rejects forks a chain. So each function below names the `sp-core`/`sp-io` code it
//! reproduces, and `tests/differential_crypto.rs` compares them with it on adversarial input.

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};

/// `sp-core`'s sr25519 signing context.
const SR25519_CONTEXT: &[u8] = b"substrate";

fn blake2_256(data: &[u8]) -> [u8; 32] {
    Blake2b::<U32>::digest(data).into()
}

/// `ed25519::Pair::verify`: ed25519-zebra's rules (ZIP-215).
pub fn ed25519_zebra(signature: &[u8; 64], message: &[u8], public: &[u8; 32]) -> bool {
    let Ok(public) = ed25519_zebra::VerificationKey::try_from(&public[..]) else {
        return false;
    };
    let Ok(signature) = ed25519_zebra::Signature::try_from(&signature[..]) else {
        return false;
    };
    public.verify(&signature, message).is_ok()
}

/// `ext_crypto_ed25519_verify_version_1` under `sp-io`'s `UseDalekExt`: ed25519-dalek's
/// (stricter, pre-ZIP-215) rules, used by nodes for some historical blocks.
pub fn ed25519_dalek(signature: &[u8; 64], message: &[u8], public: &[u8; 32]) -> bool {
    use ed25519_dalek::Verifier;
    let Ok(public) = ed25519_dalek::VerifyingKey::from_bytes(public) else {
        return false;
    };
    let signature = ed25519_dalek::Signature::from_bytes(signature);
    public.verify(message, &signature).is_ok()
}

/// `sr25519::Pair::verify`: schnorrkel, context `"substrate"`.
pub fn sr25519(signature: &[u8; 64], message: &[u8], public: &[u8; 32]) -> bool {
    let Ok(signature) = schnorrkel::Signature::from_bytes(signature) else {
        return false;
    };
    let Ok(public) = schnorrkel::PublicKey::from_bytes(public) else {
        return false;
    };
    public
        .verify_simple(SR25519_CONTEXT, message, &signature)
        .is_ok()
}

/// `sr25519::Pair::verify_deprecated`: also accepts schnorrkel 0.1.1 (pre-audit) signatures,
/// whose marker bit is not set.
pub fn sr25519_deprecated(signature: &[u8; 64], message: &[u8], public: &[u8; 32]) -> bool {
    match schnorrkel::PublicKey::from_bytes(public) {
        Ok(public) => public
            .verify_simple_preaudit_deprecated(SR25519_CONTEXT, message, signature)
            .is_ok(),
        Err(_) => false,
    }
}

/// `ecdsa::Signature::recover_prehashed` (secp256k1, standard `r`, `s` parsing, recovery id
/// 0..=3 taken as is), the compressed public key.
pub fn ecdsa_recover_prehashed(signature: &[u8; 65], message: &[u8; 32]) -> Option<[u8; 33]> {
    use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
    let id = RecoveryId::from_i32(i32::from(signature[64])).ok()?;
    let signature = RecoverableSignature::from_compact(&signature[..64], id).ok()?;
    let message = secp256k1::Message::from_digest(*message);
    secp256k1::SECP256K1
        .recover_ecdsa(&message, &signature)
        .ok()
        .map(|public| public.serialize())
}

/// `ecdsa::Pair::verify_prehashed`.
pub fn ecdsa_prehashed(signature: &[u8; 65], message: &[u8; 32], public: &[u8; 33]) -> bool {
    ecdsa_recover_prehashed(signature, message).is_some_and(|actual| actual == *public)
}

/// `ecdsa::Pair::verify`: Blake2-256 of the message, then [`ecdsa_prehashed`].
pub fn ecdsa(signature: &[u8; 65], message: &[u8], public: &[u8; 33]) -> bool {
    ecdsa_prehashed(signature, &blake2_256(message), public)
}

/// `ecdsa::Pair::verify_deprecated`: libsecp256k1, overflowing `r`, `s` reduced modulo the
/// group order, Blake2-256 of the message.
pub fn ecdsa_deprecated(signature: &[u8; 65], message: &[u8], public: &[u8; 33]) -> bool {
    let message = libsecp256k1::Message::parse(&blake2_256(message));
    let Ok(parsed) = libsecp256k1::Signature::parse_overflowing_slice(&signature[..64]) else {
        return false;
    };
    let Ok(id) = libsecp256k1::RecoveryId::parse(signature[64]) else {
        return false;
    };
    libsecp256k1::recover(&message, &parsed, &id)
        .is_ok_and(|actual| actual.serialize_compressed() == *public)
}

/// Why `secp256k1_ecdsa_recover*` failed: `sp-io`'s `EcdsaVerifyError`, SCALE index order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecoverError {
    /// `r` or `s` do not parse.
    BadRs = 0,
    /// The recovery id is not 0..=3 (after subtracting 27 from values above 26).
    BadV = 1,
    /// No public key recovers.
    BadSignature = 2,
}

/// `v` as `secp256k1_ecdsa_recover*` read it: 27 and 28 (Ethereum style) mean 0 and 1.
fn recovery_byte(v: u8) -> u8 {
    if v > 26 {
        v - 27
    } else {
        v
    }
}

/// `secp256k1_ecdsa_recover*` version 1: libsecp256k1, overflowing `r`, `s` accepted.
/// The public key uncompressed (65 bytes, `0x04` first).
pub fn recover_overflowing(
    signature: &[u8; 65],
    message: &[u8; 32],
) -> Result<libsecp256k1::PublicKey, RecoverError> {
    let id = libsecp256k1::RecoveryId::parse(recovery_byte(signature[64]))
        .map_err(|_| RecoverError::BadV)?;
    let parsed = libsecp256k1::Signature::parse_overflowing_slice(&signature[..64])
        .map_err(|_| RecoverError::BadRs)?;
    let message = libsecp256k1::Message::parse(message);
    libsecp256k1::recover(&message, &parsed, &id).map_err(|_| RecoverError::BadSignature)
}

/// `secp256k1_ecdsa_recover*` version 2: secp256k1, `r`, `s` at or above the group order
/// rejected.
pub fn recover_standard(
    signature: &[u8; 65],
    message: &[u8; 32],
) -> Result<secp256k1::PublicKey, RecoverError> {
    use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
    let id = RecoveryId::from_i32(i32::from(recovery_byte(signature[64])))
        .map_err(|_| RecoverError::BadV)?;
    let parsed = RecoverableSignature::from_compact(&signature[..64], id)
        .map_err(|_| RecoverError::BadRs)?;
    let message = secp256k1::Message::from_digest(*message);
    secp256k1::SECP256K1
        .recover_ecdsa(&message, &parsed)
        .map_err(|_| RecoverError::BadSignature)
}
