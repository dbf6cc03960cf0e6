//! [`ProofRecorder`]: the trie nodes and values a call reads, as a [`StorageProof`], and the
//! running size of that proof (what `ext_storage_proof_size` answers).
//!
//! Why not `sp_trie::recorder::Recorder`: it exists only with sp-trie's `std` feature, and that
//! feature also builds a Prometheus endpoint (hyper, tokio) into every node that embeds the
//! executor. What a recorder records is decided by `trie-db` (the [`TrieAccess`] events of a
//! lookup or an update); this type only keeps them, exactly as sp-trie 47's recorder does:
//!
//! - every node (`NodeOwned`, re-encoded with Substrate's node codec, or `EncodedNode`) and
//!   every V1 hashed value (`Value`) is kept once, by hash;
//! - the size estimate grows by the SCALE-encoded size of each *newly* kept item
//!   (`Vec<u8>::encoded_size()`: compact length prefix plus bytes) and never shrinks — the
//!   estimate cumulus' `ProofSizeExt` reports from `Recorder::estimate_encoded_size`;
//! - key-level bookkeeping (`Hash`, `NonExisting`, `InlineValue` accesses) only matters to a
//!   trie *cache* (`trie_nodes_recorded_for_key`), and subexec reads without one, so those
//!   accesses record nothing and every lookup walks (and records) its nodes.
//!
//! sp-trie's recorder transactions are not reproduced: the runtime's storage transactions do
//! not reach them (sp-state-machine forwards them to `ProofSizeExt`, whose `Recorder`
//! provider ignores them), only a block builder between extrinsics uses them.
//! `tests/proof_recorder.rs` checks proofs and estimates against sp-trie's recorder.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use parity_scale_codec::Encode;
use sp_trie::StorageProof;
use trie_db::{RecordedForKey, TrieAccess, TrieRecorder};

use super::trie_root::Blake2Hasher;

type NodeCodec = sp_trie::NodeCodec<Blake2Hasher>;

#[derive(Default)]
struct Recorded {
    nodes: HashMap<[u8; 32], Vec<u8>>,
    encoded_size: usize,
}

/// Records the trie nodes and values read through it (see the module docs). Clones share
/// one recording.
#[derive(Clone, Default)]
pub struct ProofRecorder {
    inner: Arc<Mutex<Recorded>>,
}

impl std::fmt::Debug for ProofRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProofRecorder")
            .field("estimated_encoded_size", &self.estimate_encoded_size())
            .finish_non_exhaustive()
    }
}

impl ProofRecorder {
    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        // Recording only inserts into a map and adds to a counter: a panic elsewhere while the
        // lock was held leaves it consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The SCALE-encoded size of the proof recorded so far, as sp-trie's
    /// `Recorder::estimate_encoded_size`: each distinct item's encoded size, summed.
    pub fn estimate_encoded_size(&self) -> usize {
        self.lock().encoded_size
    }

    /// The recording so far as a proof (the recording is kept).
    pub fn to_storage_proof(&self) -> StorageProof {
        StorageProof::new(self.lock().nodes.values().cloned())
    }

    /// The recording as a proof; every clone's recording is emptied.
    pub fn drain_storage_proof(self) -> StorageProof {
        let recorded = std::mem::take(&mut *self.lock());
        StorageProof::new(recorded.nodes.into_values())
    }

    /// A `trie-db` recorder that records into this one.
    pub(crate) fn as_trie_recorder(&self) -> impl TrieRecorder<[u8; 32]> + '_ {
        Active {
            recorded: self.lock(),
        }
    }
}

/// The recording, locked for one trie operation.
struct Active<'a> {
    recorded: std::sync::MutexGuard<'a, Recorded>,
}

impl Active<'_> {
    fn keep(&mut self, hash: [u8; 32], item: impl FnOnce() -> Vec<u8>) {
        let recorded = &mut *self.recorded;
        if let std::collections::hash_map::Entry::Vacant(entry) = recorded.nodes.entry(hash) {
            let item = item();
            recorded.encoded_size = recorded.encoded_size.saturating_add(item.encoded_size());
            entry.insert(item);
        }
    }
}

impl TrieRecorder<[u8; 32]> for Active<'_> {
    fn record(&mut self, access: TrieAccess<'_, [u8; 32]>) {
        match access {
            TrieAccess::NodeOwned { hash, node_owned } => {
                self.keep(hash, || node_owned.to_encoded::<NodeCodec>())
            }
            TrieAccess::EncodedNode { hash, encoded_node } => {
                self.keep(hash, || encoded_node.into_owned())
            }
            TrieAccess::Value { hash, value, .. } => self.keep(hash, || value.into_owned()),
            TrieAccess::Hash { .. }
            | TrieAccess::NonExisting { .. }
            | TrieAccess::InlineValue { .. } => {}
        }
    }

    fn trie_nodes_recorded_for_key(&self, _key: &[u8]) -> RecordedForKey {
        // Only consulted by lookups through a trie cache, which subexec does not use.
        RecordedForKey::None
    }
}
