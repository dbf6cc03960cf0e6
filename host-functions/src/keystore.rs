//! [`Keystore`]: the keys an embedder lends a call, for the `ext_crypto_*` keystore functions
//! (`*_public_keys`, `*_generate`, `*_sign`, `ecdsa_sign_prehashed`).
//!
//! Substrate registers a keystore only for offchain workers and similar contexts; during block
//! execution there is none and the keystore functions fail the call (Substrate panics with "No
//! `keystore` associated for the current context!"). subexec does the same:
//! [`crate::HostState::set_keystore`] lends one, and without it these functions fail with
//! [`crate::HostErrorCause::NoKeystore`] naming the function.
//!
//! The trait mirrors `sp_keystore::Keystore` for the three schemes `sp-io` 49 exposes, on raw
//! byte arrays, so an embedder can wrap its own keystore (or `sp-keystore`'s) without subexec
//! depending on it. `MemoryKeystore` (cargo feature
//! `memory-keystore`) is an in-memory implementation deriving keys exactly as Substrate does.

/// A key type (`sp_core::crypto::KeyTypeId`), e.g. `*b"babe"`.
pub type KeyTypeId = [u8; 4];

/// A failed keystore operation (Substrate's `sp_keystore::Error`, as text).
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("{0}")]
pub struct KeystoreError(pub String);

/// The signature schemes of the keystore functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// Ed25519 (32-byte public keys, 64-byte signatures).
    Ed25519,
    /// Schnorrkel/Ristretto sr25519 (32-byte public keys, 64-byte signatures).
    Sr25519,
    /// ECDSA over secp256k1 (33-byte compressed public keys, 65-byte recoverable signatures).
    Ecdsa,
}

impl Scheme {
    /// Bytes of a public key.
    pub fn public_len(self) -> usize {
        match self {
            Scheme::Ed25519 | Scheme::Sr25519 => 32,
            Scheme::Ecdsa => 33,
        }
    }

    /// Bytes of a signature.
    pub fn signature_len(self) -> usize {
        match self {
            Scheme::Ed25519 | Scheme::Sr25519 => 64,
            Scheme::Ecdsa => 65,
        }
    }
}

/// A keystore lent to a call. Object-safe, shared between threads.
///
/// Public keys and signatures are raw bytes of the lengths [`Scheme::public_len`] and
/// [`Scheme::signature_len`]; the host refuses (fails the call) a keystore answer of another
/// length rather than passing it to the runtime.
pub trait Keystore: Send + Sync {
    /// Every public key of `scheme` stored under `key_type`, in the order the runtime gets them.
    fn public_keys(&self, scheme: Scheme, key_type: KeyTypeId) -> Vec<Vec<u8>>;

    /// Generates and stores a key of `scheme` under `key_type`: from the secret URI `seed`
    /// (e.g. a BIP-39 phrase, `//Alice`, a `0x` hex seed) or, without one, at random.
    /// Returns the public key.
    ///
    /// # Errors
    /// A seed that is not a valid secret URI, or a keystore that cannot store.
    fn generate(
        &self,
        scheme: Scheme,
        key_type: KeyTypeId,
        seed: Option<&str>,
    ) -> Result<Vec<u8>, KeystoreError>;

    /// Signs `message` with the key of `scheme` whose public key is `public`, stored under
    /// `key_type`; `Ok(None)` if there is no such key. ECDSA signs the Blake2-256 of `message`.
    ///
    /// # Errors
    /// The keystore failed (the runtime then gets `None`, as in Substrate).
    fn sign(
        &self,
        scheme: Scheme,
        key_type: KeyTypeId,
        public: &[u8],
        message: &[u8],
    ) -> Result<Option<Vec<u8>>, KeystoreError>;

    /// Signs the 32-byte `message` as is with the ECDSA key `public` under `key_type`.
    ///
    /// # Errors
    /// The keystore failed (the runtime then gets `None`).
    fn ecdsa_sign_prehashed(
        &self,
        key_type: KeyTypeId,
        public: &[u8; 33],
        message: &[u8; 32],
    ) -> Result<Option<[u8; 65]>, KeystoreError>;
}
