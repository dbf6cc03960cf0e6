//! [`MemoryKeystore`]: an in-memory [`Keystore`] (cargo feature `memory-keystore`).
//!
//! Keys are derived from secret URIs by `sp-core` 43's `Pair::from_string` (what
//! `sp_keystore::testing::MemoryKeystore` does), so `*_generate(seed)` returns the same public
//! key as a Substrate node; signatures come from the same `sp-core` pairs. Unlike Substrate's,
//! public keys are listed in ascending byte order (Substrate's order is a `HashMap`'s).
//! Generating without a seed draws a random 12-word phrase, as Substrate does: such keys are
//! not reproducible.

use std::collections::BTreeMap;
use std::sync::RwLock;

use sp_core::{ecdsa, ed25519, sr25519, Pair};

use crate::keystore::{KeyTypeId, Keystore, KeystoreError, Scheme};

/// A stored key pair (sizes differ, but a keystore holds few keys).
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
enum StoredPair {
    Ed25519(ed25519::Pair),
    Sr25519(sr25519::Pair),
    Ecdsa(ecdsa::Pair),
}

impl StoredPair {
    fn from_uri(scheme: Scheme, uri: &str) -> Result<Self, KeystoreError> {
        let invalid = |_| KeystoreError(format!("invalid secret URI for {scheme:?}"));
        Ok(match scheme {
            Scheme::Ed25519 => {
                StoredPair::Ed25519(ed25519::Pair::from_string(uri, None).map_err(invalid)?)
            }
            Scheme::Sr25519 => {
                StoredPair::Sr25519(sr25519::Pair::from_string(uri, None).map_err(invalid)?)
            }
            Scheme::Ecdsa => {
                StoredPair::Ecdsa(ecdsa::Pair::from_string(uri, None).map_err(invalid)?)
            }
        })
    }

    fn random(scheme: Scheme) -> Self {
        match scheme {
            Scheme::Ed25519 => StoredPair::Ed25519(ed25519::Pair::generate_with_phrase(None).0),
            Scheme::Sr25519 => StoredPair::Sr25519(sr25519::Pair::generate_with_phrase(None).0),
            Scheme::Ecdsa => StoredPair::Ecdsa(ecdsa::Pair::generate_with_phrase(None).0),
        }
    }

    fn public(&self) -> Vec<u8> {
        match self {
            StoredPair::Ed25519(pair) => pair.public().0.to_vec(),
            StoredPair::Sr25519(pair) => pair.public().0.to_vec(),
            StoredPair::Ecdsa(pair) => pair.public().0.to_vec(),
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            StoredPair::Ed25519(pair) => pair.sign(message).0.to_vec(),
            StoredPair::Sr25519(pair) => pair.sign(message).0.to_vec(),
            StoredPair::Ecdsa(pair) => pair.sign(message).0.to_vec(),
        }
    }
}

type Keys = BTreeMap<(Scheme, KeyTypeId), BTreeMap<Vec<u8>, StoredPair>>;

/// An in-memory keystore, shareable between calls and threads.
#[derive(Default)]
pub struct MemoryKeystore {
    keys: RwLock<Keys>,
}

impl std::fmt::Debug for MemoryKeystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.read().values().map(BTreeMap::len).sum::<usize>();
        f.debug_struct("MemoryKeystore")
            .field("keys", &count)
            .finish()
    }
}

impl MemoryKeystore {
    /// An empty keystore.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the key of `scheme` derived from the secret URI `uri` under `key_type` (what
    /// `*_generate(Some(uri))` does); returns its public key.
    ///
    /// # Errors
    /// `uri` is not a valid secret URI for `scheme`.
    pub fn insert(
        &self,
        scheme: Scheme,
        key_type: KeyTypeId,
        uri: &str,
    ) -> Result<Vec<u8>, KeystoreError> {
        self.store(key_type, StoredPair::from_uri(scheme, uri)?, scheme)
    }

    // A poisoned lock only means another thread panicked while holding it; the map itself is
    // always consistent (every write is a single insert), so its contents are used as they are.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Keys> {
        self.keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn store(
        &self,
        key_type: KeyTypeId,
        pair: StoredPair,
        scheme: Scheme,
    ) -> Result<Vec<u8>, KeystoreError> {
        let public = pair.public();
        self.keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry((scheme, key_type))
            .or_default()
            .insert(public.clone(), pair);
        Ok(public)
    }

    fn pair(&self, scheme: Scheme, key_type: KeyTypeId, public: &[u8]) -> Option<StoredPair> {
        self.read()
            .get(&(scheme, key_type))
            .and_then(|keys| keys.get(public))
            .cloned()
    }
}

impl Keystore for MemoryKeystore {
    fn public_keys(&self, scheme: Scheme, key_type: KeyTypeId) -> Vec<Vec<u8>> {
        self.read()
            .get(&(scheme, key_type))
            .map(|keys| keys.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn generate(
        &self,
        scheme: Scheme,
        key_type: KeyTypeId,
        seed: Option<&str>,
    ) -> Result<Vec<u8>, KeystoreError> {
        let pair = match seed {
            Some(uri) => StoredPair::from_uri(scheme, uri)?,
            None => StoredPair::random(scheme),
        };
        self.store(key_type, pair, scheme)
    }

    fn sign(
        &self,
        scheme: Scheme,
        key_type: KeyTypeId,
        public: &[u8],
        message: &[u8],
    ) -> Result<Option<Vec<u8>>, KeystoreError> {
        Ok(self
            .pair(scheme, key_type, public)
            .map(|pair| pair.sign(message)))
    }

    fn ecdsa_sign_prehashed(
        &self,
        key_type: KeyTypeId,
        public: &[u8; 33],
        message: &[u8; 32],
    ) -> Result<Option<[u8; 65]>, KeystoreError> {
        Ok(match self.pair(Scheme::Ecdsa, key_type, public) {
            Some(StoredPair::Ecdsa(pair)) => Some(pair.sign_prehashed(message).0),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_derive_as_substrate_and_sign() {
        let store = MemoryKeystore::new();
        let alice = store.insert(Scheme::Sr25519, *b"test", "//Alice").unwrap();
        assert_eq!(
            hex::encode(&alice),
            // Alice's well-known sr25519 public key.
            "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
        );
        let signature = store
            .sign(Scheme::Sr25519, *b"test", &alice, b"hello")
            .unwrap()
            .unwrap();
        let public: [u8; 32] = alice.try_into().unwrap();
        let signature: [u8; 64] = signature.try_into().unwrap();
        assert!(crate::functions::crypto::schemes::sr25519(
            &signature, b"hello", &public
        ));
        assert_eq!(
            store.sign(Scheme::Sr25519, *b"othr", &public, b"hello"),
            Ok(None)
        );
        assert!(store
            .insert(Scheme::Ed25519, *b"test", "not a phrase")
            .is_err());
        let random = store.generate(Scheme::Ecdsa, *b"test", None).unwrap();
        assert_eq!(store.public_keys(Scheme::Ecdsa, *b"test"), vec![random]);
    }
}
