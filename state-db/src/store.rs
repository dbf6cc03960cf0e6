//! [`DbStore`]: the trie-node column of a parity-db database as a [`NodeStore`], behind a
//! bounded node cache (`crate::cache`).

use std::sync::Arc;

use crate::cache::NodeCache;

use subexec_host_functions::storage::{BackendError, NodeStore};

/// The column of trie nodes, keyed by the node's Blake2-256 hash.
pub(crate) const NODES: u8 = 0;
/// The column of the head record.
pub(crate) const META: u8 = 1;

/// Trie nodes in a parity-db database (shared; cheap to clone).
#[derive(Clone)]
pub struct DbStore {
    pub(crate) db: Arc<parity_db::Db>,
    pub(crate) cache: Arc<NodeCache>,
}

impl std::fmt::Debug for DbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbStore").finish_non_exhaustive()
    }
}

impl NodeStore for DbStore {
    fn node(&self, hash: &[u8; 32]) -> Result<Option<Vec<u8>>, BackendError> {
        if let Some(node) = self.cache.get(hash) {
            return Ok(Some(node));
        }
        let node = crate::panic_free::call(|| self.db.get(NODES, hash))
            .map_err(|message| {
                BackendError(format!(
                    "state database read: damaged (parity-db panicked: {message})"
                ))
            })?
            .map_err(|error| BackendError(format!("state database read: {error}")))?;
        if let Some(node) = &node {
            self.cache.insert(*hash, node.clone());
        }
        Ok(node)
    }
}
