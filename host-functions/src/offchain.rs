//! The embedder's offchain context: what `ext_offchain_*` talks to.
//!
//! In Substrate the offchain host functions reach the node through two externalities
//! extensions, `OffchainWorkerExt` (clock, randomness, network, HTTP) and `OffchainDbExt`
//! (local storage), plus `TransactionPoolExt` for `submit_transaction`. subexec has one
//! object-safe trait for all three, [`OffchainContext`], lent to a call as
//! `Arc<dyn OffchainContext>` ([`crate::HostState::set_offchain`]). Without one, every
//! `ext_offchain_*` function (except the offchain *index*, which is part of block execution)
//! fails the call with [`crate::HostErrorCause::NoOffchainContext`], as Substrate panics
//! without the extension.
//!
//! Methods take `&self` (the context is shared between calls and threads: `Send + Sync`);
//! implementations keep their mutable state behind a lock. The types mirror `sp-core` 43's
//! `offchain` module and encode identically (SCALE), so results reach the runtime byte for
//! byte as from a Substrate node.
//!
//! [`InMemoryOffchain`] is a deterministic implementation for tests and the CLI: local storage
//! in memory (both kinds, with compare-and-set), a clock that only moves when `sleep_until`
//! moves it, a fixed random seed, a fixed network state, a transaction pool that records, and
//! HTTP refused as by a node whose HTTP API knows no request: `http_request_start` and
//! `http_request_add_header` return `Err(())`, `http_request_write_body` and
//! `http_response_read_body` `Err(HttpError::Invalid)`, `http_response_wait` reports every id
//! `Invalid`, `http_response_headers` is empty (`sc-offchain`'s answers for an unknown id).

use std::collections::BTreeMap;
use std::sync::Mutex;

use parity_scale_codec::{Decode, Encode};

/// Which local storage (`sp_core::offchain::StorageKind`; the runtime passes 0 or 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StorageKind {
    /// Not fork-aware, kept across reverts (`PERSISTENT`, 0).
    Persistent,
    /// Fork-aware, reverted with its block (`LOCAL`, 1).
    Local,
}

impl StorageKind {
    /// Decodes the runtime's `u32`: 0 ⇒ persistent, 1 ⇒ local, anything else is invalid.
    pub fn from_u32(kind: u32) -> Option<Self> {
        match kind {
            0 => Some(StorageKind::Persistent),
            1 => Some(StorageKind::Local),
            _ => None,
        }
    }
}

/// An HTTP failure (`sp_core::offchain::HttpError`, SCALE indices 1 to 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum HttpError {
    /// The deadline passed.
    #[codec(index = 1)]
    DeadlineReached,
    /// An I/O error; the request is gone.
    #[codec(index = 2)]
    IoError,
    /// No such request.
    #[codec(index = 3)]
    Invalid,
}

/// The state of a request after waiting (`sp_core::offchain::HttpRequestStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum HttpRequestStatus {
    /// The deadline passed before it finished.
    DeadlineReached,
    /// An I/O error; the request is gone.
    IoError,
    /// No such request.
    Invalid,
    /// Finished with this HTTP status code.
    Finished(u16),
}

/// The local node's network identity (`sp_core::offchain::OpaqueNetworkState`): opaque bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct NetworkState {
    /// The encoded peer id (`OpaquePeerId`).
    pub peer_id: Vec<u8>,
    /// The encoded external multiaddresses (`OpaqueMultiaddr`).
    pub external_addresses: Vec<Vec<u8>>,
}

/// What the `ext_offchain_*` functions ask the node. See the module documentation.
///
/// Times are unix milliseconds (`sp_core::offchain::Timestamp`); request ids are
/// `HttpRequestId`s (`u16`). `Result<_, ()>` is `sp-core`'s own wire type for these answers.
#[allow(clippy::result_unit_err)]
pub trait OffchainContext: Send + Sync {
    /// Whether the node may be a validator.
    fn is_validator(&self) -> bool;
    /// Hands an encoded extrinsic to the transaction pool.
    fn submit_transaction(&self, extrinsic: Vec<u8>) -> Result<(), ()>;
    /// The node's network state.
    fn network_state(&self) -> Result<NetworkState, ()>;
    /// The current time.
    fn timestamp(&self) -> u64;
    /// Blocks until `deadline`.
    fn sleep_until(&self, deadline: u64);
    /// 32 random bytes.
    fn random_seed(&self) -> [u8; 32];
    /// Sets `key` in local storage `kind`.
    fn local_storage_set(&self, kind: StorageKind, key: &[u8], value: &[u8]);
    /// Removes `key` from local storage `kind`.
    fn local_storage_clear(&self, kind: StorageKind, key: &[u8]);
    /// Sets `key` to `new_value` if it currently holds `old_value` (`None` = absent); whether
    /// it did.
    fn local_storage_compare_and_set(
        &self,
        kind: StorageKind,
        key: &[u8],
        old_value: Option<&[u8]>,
        new_value: &[u8],
    ) -> bool;
    /// The value of `key` in local storage `kind`.
    fn local_storage_get(&self, kind: StorageKind, key: &[u8]) -> Option<Vec<u8>>;
    /// Starts an HTTP request; its id.
    fn http_request_start(&self, method: &str, uri: &str, meta: &[u8]) -> Result<u16, ()>;
    /// Adds a header to a request not yet sent.
    fn http_request_add_header(&self, request_id: u16, name: &str, value: &str) -> Result<(), ()>;
    /// Writes a body chunk (an empty chunk ends the body).
    fn http_request_write_body(
        &self,
        request_id: u16,
        chunk: &[u8],
        deadline: Option<u64>,
    ) -> Result<(), HttpError>;
    /// Waits for the requests; one status per id, in order.
    fn http_response_wait(&self, ids: &[u16], deadline: Option<u64>) -> Vec<HttpRequestStatus>;
    /// The response headers of a finished request.
    fn http_response_headers(&self, request_id: u16) -> Vec<(Vec<u8>, Vec<u8>)>;
    /// Reads response body bytes into `buffer`; how many (0 = body complete).
    fn http_response_read_body(
        &self,
        request_id: u16,
        buffer: &mut [u8],
        deadline: Option<u64>,
    ) -> Result<usize, HttpError>;
    /// Sets the peers the node may connect to.
    fn set_authorized_nodes(&self, nodes: Vec<Vec<u8>>, authorized_only: bool);
}

/// The mutable part of an [`InMemoryOffchain`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InMemoryOffchainState {
    /// Local storage, by kind and key.
    pub storage: BTreeMap<(StorageKind, Vec<u8>), Vec<u8>>,
    /// The clock (unix milliseconds).
    pub timestamp: u64,
    /// Extrinsics submitted, in order.
    pub submitted: Vec<Vec<u8>>,
    /// The last `set_authorized_nodes` call: (nodes, authorized only).
    pub authorized_nodes: Option<(Vec<Vec<u8>>, bool)>,
}

/// A deterministic in-memory [`OffchainContext`] (see the module documentation).
#[derive(Debug, Default)]
pub struct InMemoryOffchain {
    validator: bool,
    seed: [u8; 32],
    network_state: NetworkState,
    state: Mutex<InMemoryOffchainState>,
}

impl InMemoryOffchain {
    /// Not a validator, seed all zeros, clock at `timestamp`, empty storage.
    pub fn new(timestamp: u64) -> Self {
        let offchain = InMemoryOffchain::default();
        offchain.lock().timestamp = timestamp;
        offchain
    }

    /// Answers `is_validator` with `validator`.
    pub fn with_validator(mut self, validator: bool) -> Self {
        self.validator = validator;
        self
    }

    /// Answers `random_seed` with `seed`.
    pub fn with_seed(mut self, seed: [u8; 32]) -> Self {
        self.seed = seed;
        self
    }

    /// Answers `network_state` with `state`.
    pub fn with_network_state(mut self, state: NetworkState) -> Self {
        self.network_state = state;
        self
    }

    /// A copy of the mutable state (storage, clock, submitted extrinsics).
    pub fn snapshot(&self) -> InMemoryOffchainState {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, InMemoryOffchainState> {
        // A panic while the lock was held cannot leave the plain maps inconsistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl OffchainContext for InMemoryOffchain {
    fn is_validator(&self) -> bool {
        self.validator
    }

    fn submit_transaction(&self, extrinsic: Vec<u8>) -> Result<(), ()> {
        self.lock().submitted.push(extrinsic);
        Ok(())
    }

    fn network_state(&self) -> Result<NetworkState, ()> {
        Ok(self.network_state.clone())
    }

    fn timestamp(&self) -> u64 {
        self.lock().timestamp
    }

    /// The clock jumps to `deadline` (never backwards): no real waiting.
    fn sleep_until(&self, deadline: u64) {
        let mut state = self.lock();
        state.timestamp = state.timestamp.max(deadline);
    }

    fn random_seed(&self) -> [u8; 32] {
        self.seed
    }

    fn local_storage_set(&self, kind: StorageKind, key: &[u8], value: &[u8]) {
        self.lock()
            .storage
            .insert((kind, key.to_vec()), value.to_vec());
    }

    fn local_storage_clear(&self, kind: StorageKind, key: &[u8]) {
        self.lock().storage.remove(&(kind, key.to_vec()));
    }

    fn local_storage_compare_and_set(
        &self,
        kind: StorageKind,
        key: &[u8],
        old_value: Option<&[u8]>,
        new_value: &[u8],
    ) -> bool {
        let mut state = self.lock();
        let entry = (kind, key.to_vec());
        if state.storage.get(&entry).map(Vec::as_slice) != old_value {
            return false;
        }
        state.storage.insert(entry, new_value.to_vec());
        true
    }

    fn local_storage_get(&self, kind: StorageKind, key: &[u8]) -> Option<Vec<u8>> {
        self.lock().storage.get(&(kind, key.to_vec())).cloned()
    }

    fn http_request_start(&self, _method: &str, _uri: &str, _meta: &[u8]) -> Result<u16, ()> {
        Err(())
    }

    fn http_request_add_header(&self, _id: u16, _name: &str, _value: &str) -> Result<(), ()> {
        Err(())
    }

    fn http_request_write_body(
        &self,
        _id: u16,
        _chunk: &[u8],
        _deadline: Option<u64>,
    ) -> Result<(), HttpError> {
        Err(HttpError::Invalid)
    }

    fn http_response_wait(&self, ids: &[u16], _deadline: Option<u64>) -> Vec<HttpRequestStatus> {
        vec![HttpRequestStatus::Invalid; ids.len()]
    }

    fn http_response_headers(&self, _id: u16) -> Vec<(Vec<u8>, Vec<u8>)> {
        Vec::new()
    }

    fn http_response_read_body(
        &self,
        _id: u16,
        _buffer: &mut [u8],
        _deadline: Option<u64>,
    ) -> Result<usize, HttpError> {
        Err(HttpError::Invalid)
    }

    fn set_authorized_nodes(&self, nodes: Vec<Vec<u8>>, authorized_only: bool) {
        self.lock().authorized_nodes = Some((nodes, authorized_only));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_and_set_on_absent_and_present_values() {
        let offchain = InMemoryOffchain::new(0);
        let kind = StorageKind::Persistent;
        assert!(!offchain.local_storage_compare_and_set(kind, b"k", Some(b"x"), b"v"));
        assert!(offchain.local_storage_compare_and_set(kind, b"k", None, b"v"));
        assert!(!offchain.local_storage_compare_and_set(kind, b"k", None, b"w"));
        assert!(offchain.local_storage_compare_and_set(kind, b"k", Some(b"v"), b"w"));
        assert_eq!(offchain.local_storage_get(kind, b"k"), Some(b"w".to_vec()));
        // The two kinds are separate stores.
        assert_eq!(offchain.local_storage_get(StorageKind::Local, b"k"), None);
        offchain.local_storage_clear(kind, b"k");
        assert_eq!(offchain.local_storage_get(kind, b"k"), None);
    }

    #[test]
    fn clock_moves_only_forward_through_sleep_until() {
        let offchain = InMemoryOffchain::new(1_000);
        offchain.sleep_until(500);
        assert_eq!(offchain.timestamp(), 1_000);
        offchain.sleep_until(2_000);
        assert_eq!(offchain.timestamp(), 2_000);
    }

    #[test]
    fn encodings_match_sp_core() {
        // sp-core 43: HttpError indices 1..=3, HttpRequestStatus 0..=3 with Finished(u16).
        assert_eq!(HttpError::Invalid.encode(), [3]);
        assert_eq!(HttpRequestStatus::Finished(200).encode(), [3, 200, 0]);
        assert_eq!(StorageKind::from_u32(2), None);
    }
}
