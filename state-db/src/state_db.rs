//! [`StateDb`]: open, read at the head, commit atomically, import a whole state.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hash_db::{AsHashDB, HashDB, Prefix};
use subexec_host_functions::storage::trie_backend::{build_trie, node_hash};
use subexec_host_functions::storage::trie_root::{empty_trie_root, Blake2Hasher};
use subexec_host_functions::storage::NodeStore as _;
use subexec_host_functions::storage::{
    prefixed_child_key, StateVersion, StorageChanges, StorageMap, TrieBackend,
};

use crate::cache::{NodeCache, NodeCacheStats, DEFAULT_NODE_CACHE_BYTES};
use crate::error::StateDbError;
use crate::staged::Staged;
use crate::store::{DbStore, META, NODES};
use crate::warm::WarmUp;

/// The key of the head record in the meta column.
const HEAD_KEY: &[u8] = b"head";
/// Nodes per database commit while importing (bounds the import's memory).
const IMPORT_BATCH: usize = 50_000;

/// The last committed state: its root, the layout it was committed with, how many commits,
/// and the block it is the state after, if it is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// The main trie root.
    pub root: [u8; 32],
    /// The state version of the last commit (the layout new nodes were written with).
    pub version: StateVersion,
    /// Commits since the database was created (imports count as one).
    pub commits: u64,
    /// The block whose post-state this is: the genesis after importing a chain spec, the last
    /// block after [`StateDb::commit_block`]; `None` after a state file or a call's changes.
    /// An importer starting here checks the first block's parent against it.
    pub block: Option<BlockRef>,
}

/// A block by number and hash (the state database's record of where its state is in a chain).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockRef {
    /// The block number.
    pub number: u64,
    /// The block (header) hash.
    pub hash: [u8; 32],
}

/// The head record's length without a block (`root ‖ version ‖ commits`) and with one
/// (`‖ number ‖ hash`).
const HEAD_LEN: usize = 32 + 1 + 8;
const HEAD_WITH_BLOCK_LEN: usize = HEAD_LEN + 8 + 32;

impl Head {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEAD_WITH_BLOCK_LEN);
        out.extend_from_slice(&self.root);
        out.push(match self.version {
            StateVersion::V0 => 0,
            StateVersion::V1 => 1,
        });
        out.extend_from_slice(&self.commits.to_le_bytes());
        if let Some(block) = &self.block {
            out.extend_from_slice(&block.number.to_le_bytes());
            out.extend_from_slice(&block.hash);
        }
        out
    }

    fn decode(bytes: &[u8]) -> Option<Head> {
        let root = <[u8; 32]>::try_from(bytes.get(..32)?).ok()?;
        let version = StateVersion::from_u8(*bytes.get(32)?)?;
        let commits = u64::from_le_bytes(bytes.get(33..HEAD_LEN)?.try_into().ok()?);
        let block = match bytes.len() {
            HEAD_LEN => None,
            HEAD_WITH_BLOCK_LEN => Some(BlockRef {
                number: u64::from_le_bytes(bytes.get(HEAD_LEN..HEAD_LEN + 8)?.try_into().ok()?),
                hash: bytes.get(HEAD_LEN + 8..)?.try_into().ok()?,
            }),
            _ => return None,
        };
        Some(Head {
            root,
            version,
            commits,
            block,
        })
    }
}

/// A chain state in a parity-db database. See the crate documentation.
pub struct StateDb {
    store: DbStore,
    path: PathBuf,
    head: Head,
}

impl std::fmt::Debug for StateDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateDb")
            .field("path", &self.path)
            .field("head", &self.head)
            .finish_non_exhaustive()
    }
}

impl StateDb {
    /// Opens the database in `path`, creating an empty state if there is none, with a node
    /// cache of [`DEFAULT_NODE_CACHE_BYTES`].
    ///
    /// parity-db locks the directory: a second writer fails here with
    /// [`StateDbError::Database`].
    pub fn open(path: &Path) -> Result<StateDb, StateDbError> {
        StateDb::open_with_node_cache(path, DEFAULT_NODE_CACHE_BYTES)
    }

    /// [`StateDb::open`] with a node cache of at most about `cache_bytes` (0: none). The cache
    /// changes how often the database is read, never a result.
    pub fn open_with_node_cache(path: &Path, cache_bytes: usize) -> Result<StateDb, StateDbError> {
        let mut options = parity_db::Options::with_columns(path, 2);
        let nodes = &mut options.columns[usize::from(NODES)];
        // The key is the Blake2-256 of the value: no key hashing, values never change.
        nodes.preimage = true;
        nodes.uniform = true;
        let panicked = |operation: &'static str| {
            move |message: String| StateDbError::Panicked {
                path: path.display().to_string(),
                operation,
                message,
            }
        };
        let db = crate::panic_free::call(|| parity_db::Db::open_or_create(&options))
            .map_err(panicked("opening"))?
            .map_err(|source| db_error(path, source))?;
        let head = crate::panic_free::call(|| db.get(META, HEAD_KEY))
            .map_err(panicked("reading the head"))?
            .map_err(|source| db_error(path, source))?;
        let head = match head {
            None => Head {
                root: empty_trie_root(),
                version: StateVersion::V0,
                commits: 0,
                block: None,
            },
            Some(bytes) => Head::decode(&bytes).ok_or_else(|| StateDbError::CorruptHead {
                path: path.display().to_string(),
                len: bytes.len(),
            })?,
        };
        Ok(StateDb {
            store: DbStore {
                db: Arc::new(db),
                cache: Arc::new(NodeCache::new(cache_bytes)),
            },
            path: path.to_path_buf(),
            head,
        })
    }

    /// The last committed state.
    pub fn head(&self) -> Head {
        self.head
    }

    /// What the node cache has done since the database was opened: hits, misses (database
    /// reads) and the bytes it holds.
    pub fn node_cache_stats(&self) -> NodeCacheStats {
        self.store.cache.stats()
    }

    /// Reads the upper levels of the head's main trie, breadth-first, into the node cache
    /// while it has room (see `warm`): the cache a long-running node has, at once. Changes no
    /// result, only how often later work reads the database.
    ///
    /// # Errors
    /// A database error, or a missing node (a damaged database).
    pub fn warm_node_cache(&self) -> Result<WarmUp, StateDbError> {
        crate::warm::warm(&self.store, &self.store.cache, self.head.root)
    }

    /// The main root of the last committed state.
    pub fn root(&self) -> [u8; 32] {
        self.head.root
    }

    /// The last committed state as a [`TrieBackend`] (a snapshot: later commits do not change
    /// it, and, the database being an archive, it stays readable).
    pub fn backend(&self) -> TrieBackend<DbStore> {
        self.backend_at(self.head.root)
    }

    /// The state at any committed `root`.
    pub fn backend_at(&self, root: [u8; 32]) -> TrieBackend<DbStore> {
        TrieBackend::new(self.store.clone(), root)
    }

    /// Applies a successful call's or block's `changes` with layout `version` and commits the
    /// new nodes and the new head in one database transaction; returns the new root.
    ///
    /// Cost: the changes times the trie depth. On error nothing is written.
    pub fn commit(
        &mut self,
        changes: &StorageChanges,
        version: StateVersion,
    ) -> Result<[u8; 32], StateDbError> {
        let (root, mut nodes) = self.backend().commit_root(changes, version)?;
        let nodes = nodes
            .drain()
            .into_iter()
            .filter(|(_, (_, count))| *count > 0)
            .map(|(hash, (node, _))| (hash, node));
        self.advance(nodes, root, version, None)
    }

    /// Writes `nodes` and the next head (`root`, `version`, one more commit) in one database
    /// transaction, then moves the head and caches the nodes (the new head's paths, which the
    /// next call or block reads first); returns `root`.
    fn advance(
        &mut self,
        nodes: impl Iterator<Item = ([u8; 32], Vec<u8>)>,
        root: [u8; 32],
        version: StateVersion,
        block: Option<BlockRef>,
    ) -> Result<[u8; 32], StateDbError> {
        let head = Head {
            root,
            version,
            commits: self.head.commits.saturating_add(1),
            block,
        };
        let nodes: Vec<([u8; 32], Vec<u8>)> = nodes.collect();
        let transaction = nodes
            .iter()
            .map(|(hash, node)| (NODES, hash.to_vec(), Some(node.clone())))
            .chain(std::iter::once((
                META,
                HEAD_KEY.to_vec(),
                Some(head.encode()),
            )));
        self.write(transaction)?;
        self.head = head;
        for (hash, node) in nodes {
            self.store.cache.insert(hash, node);
        }
        Ok(root)
    }

    /// Starts staging changes over the head (see [`Staged`]); nothing is written until
    /// [`StateDb::commit_staged`].
    pub fn stage(&self) -> Staged {
        Staged::new(self.store.clone(), self.head.root, self.head.version)
    }

    /// Writes the nodes and the head of `staged` in one database transaction; returns the new
    /// root. A `staged` with nothing applied writes nothing; otherwise the new head is no
    /// block's post-state (`Head::block` is `None`).
    ///
    /// # Errors
    /// [`StateDbError::Moved`] if `staged` did not start from the current head; a database
    /// error (nothing written).
    pub fn commit_staged(&mut self, staged: &Staged) -> Result<[u8; 32], StateDbError> {
        if staged.applied == 0 {
            self.check_base(staged)?;
            return Ok(self.head.root);
        }
        self.commit_staged_at(staged, None)
    }

    /// [`StateDb::commit_staged`] for `staged` holding the blocks up to `block` imported on the
    /// head: the new head records `block` (even with nothing applied: blocks that change no
    /// state still move the chain).
    ///
    /// # Errors
    /// As [`StateDb::commit_staged`].
    pub fn commit_block(
        &mut self,
        staged: &Staged,
        block: BlockRef,
    ) -> Result<[u8; 32], StateDbError> {
        self.commit_staged_at(staged, Some(block))
    }

    fn check_base(&self, staged: &Staged) -> Result<(), StateDbError> {
        match staged.base_root == self.head.root {
            true => Ok(()),
            false => Err(StateDbError::Moved {
                path: self.path.display().to_string(),
            }),
        }
    }

    fn commit_staged_at(
        &mut self,
        staged: &Staged,
        block: Option<BlockRef>,
    ) -> Result<[u8; 32], StateDbError> {
        self.check_base(staged)?;
        let nodes = staged
            .store
            .pending()
            .iter()
            .map(|(hash, node)| (*hash, node.clone()));
        self.advance(nodes, staged.root, staged.version, block)
    }

    /// Moves the head to `head`, an earlier committed state (the database is an archive, so its
    /// nodes are all still there): what a tool replaying blocks from one state several times
    /// needs. The head record is written atomically.
    ///
    /// # Errors
    /// [`StateDbError::UnknownRoot`] if the database holds no node for `head.root` (and it is
    /// not the empty trie), a database error otherwise; the head is then unchanged.
    pub fn set_head(&mut self, head: Head) -> Result<(), StateDbError> {
        if head.root != empty_trie_root() && self.store.node(&head.root)?.is_none() {
            return Err(StateDbError::UnknownRoot {
                path: self.path.display().to_string(),
                root: head.root,
            });
        }
        self.write([(META, HEAD_KEY.to_vec(), Some(head.encode()))])?;
        self.head = head;
        Ok(())
    }

    /// Replaces the state with `top` and the default child tries `children` (by unprefixed
    /// storage key), built with layout `version`; child roots are written into the main trie
    /// as in [`subexec_host_functions::storage::InMemoryBackend::new`]. Returns the new root.
    ///
    /// Nodes go to the database in batches as the tries are built (memory stays bounded); the
    /// head is written last, so an interrupted import leaves the previous head. `progress` is
    /// called with the number of pairs done.
    pub fn import(
        &mut self,
        top: &StorageMap,
        children: &BTreeMap<Vec<u8>, StorageMap>,
        version: StateVersion,
        progress: &mut dyn FnMut(u64),
    ) -> Result<[u8; 32], StateDbError> {
        let root = self.write_tries(top, children, version, progress)?;
        self.set_imported_head(root, version, None)?;
        Ok(root)
    }

    /// As [`StateDb::import`], for a state whose root is known beforehand (a snapshot's): the
    /// head moves to the new state, recording `block` as its block, only if its root is
    /// `expected`.
    ///
    /// # Errors
    /// [`StateDbError::RootMismatch`] if the pairs build another root (the head is then
    /// unchanged), a database error otherwise.
    pub fn import_expecting(
        &mut self,
        top: &StorageMap,
        children: &BTreeMap<Vec<u8>, StorageMap>,
        version: StateVersion,
        expected: [u8; 32],
        block: Option<BlockRef>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), StateDbError> {
        let root = self.write_tries(top, children, version, progress)?;
        if root != expected {
            return Err(StateDbError::RootMismatch {
                path: self.path.display().to_string(),
                expected,
                built: root,
            });
        }
        self.set_imported_head(root, version, block)
    }

    /// Writes the tries of an import (see [`StateDb::import`]) and returns the main root; the
    /// head is not touched.
    fn write_tries(
        &mut self,
        top: &StorageMap,
        children: &BTreeMap<Vec<u8>, StorageMap>,
        version: StateVersion,
        progress: &mut dyn FnMut(u64),
    ) -> Result<[u8; 32], StateDbError> {
        let mut sink = BatchSink {
            store: self.store.clone(),
            batch: Vec::new(),
            error: None,
        };
        let mut child_roots = BTreeMap::new();
        let mut done = 0u64;
        for (storage_key, child) in children {
            if child.is_empty() {
                continue;
            }
            let root = build_trie(&mut sink, version, child);
            child_roots.insert(prefixed_child_key(storage_key), root.to_vec());
            done = done.saturating_add(child.len() as u64);
            progress(done);
        }
        let mut top_ref: BTreeMap<&[u8], &[u8]> = top
            .iter()
            .filter(|(key, _)| !child_roots.contains_key(*key))
            .map(|(k, v)| (k.as_slice(), v.as_slice()))
            .collect();
        for (key, root) in &child_roots {
            top_ref.insert(key, root);
        }
        let root = build_trie(&mut sink, version, top_ref);
        done = done.saturating_add(top.len() as u64);
        sink.flush();
        if let Some(source) = sink.error {
            return Err(db_error(&self.path, source));
        }
        progress(done);
        Ok(root)
    }

    /// Moves the head to an imported state (one atomic write).
    fn set_imported_head(
        &mut self,
        root: [u8; 32],
        version: StateVersion,
        block: Option<BlockRef>,
    ) -> Result<(), StateDbError> {
        let head = Head {
            root,
            version,
            commits: self.head.commits.saturating_add(1),
            block,
        };
        self.write([(META, HEAD_KEY.to_vec(), Some(head.encode()))])?;
        self.head = head;
        Ok(())
    }
}

impl StateDb {
    /// Commits `transaction` to parity-db as one atomic write (a panic inside parity-db is a
    /// typed error, see `panic_free`).
    fn write<I, K>(&self, transaction: I) -> Result<(), StateDbError>
    where
        I: IntoIterator<Item = (u8, K, Option<Vec<u8>>)>,
        K: AsRef<[u8]>,
    {
        crate::panic_free::call(|| self.store.db.commit(transaction))
            .map_err(|message| StateDbError::Panicked {
                path: self.path.display().to_string(),
                operation: "committing",
                message,
            })?
            .map_err(|source| db_error(&self.path, source))
    }
}

fn db_error(path: &Path, source: parity_db::Error) -> StateDbError {
    StateDbError::Database {
        path: path.display().to_string(),
        source,
    }
}

/// A write-only [`HashDB`] that commits the nodes `trie_visit` produces in batches.
struct BatchSink {
    store: DbStore,
    batch: Vec<([u8; 32], Vec<u8>)>,
    error: Option<parity_db::Error>,
}

impl BatchSink {
    fn flush(&mut self) {
        if self.batch.is_empty() || self.error.is_some() {
            self.batch.clear();
            return;
        }
        let batch = std::mem::take(&mut self.batch);
        let transaction = batch
            .into_iter()
            .map(|(hash, node)| (NODES, hash.to_vec(), Some(node)));
        match crate::panic_free::call(|| self.store.db.commit(transaction)) {
            Ok(Ok(())) => {}
            Ok(Err(error)) => self.error = Some(error),
            Err(message) => self.error = Some(parity_db::Error::Corruption(message)),
        }
    }
}

impl HashDB<Blake2Hasher, Vec<u8>> for BatchSink {
    fn get(&self, _key: &[u8; 32], _prefix: Prefix) -> Option<Vec<u8>> {
        None
    }

    fn contains(&self, _key: &[u8; 32], _prefix: Prefix) -> bool {
        false
    }

    fn insert(&mut self, _prefix: Prefix, value: &[u8]) -> [u8; 32] {
        let hash = node_hash(value);
        self.emplace(hash, _prefix, value.to_vec());
        hash
    }

    fn emplace(&mut self, key: [u8; 32], _prefix: Prefix, value: Vec<u8>) {
        self.batch.push((key, value));
        if self.batch.len() >= IMPORT_BATCH {
            self.flush();
        }
    }

    fn remove(&mut self, _key: &[u8; 32], _prefix: Prefix) {}
}

impl AsHashDB<Blake2Hasher, Vec<u8>> for BatchSink {
    fn as_hash_db(&self) -> &dyn HashDB<Blake2Hasher, Vec<u8>> {
        self
    }

    fn as_hash_db_mut<'a>(&'a mut self) -> &'a mut (dyn HashDB<Blake2Hasher, Vec<u8>> + 'a) {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_records_decode_with_and_without_a_block_and_nothing_else() {
        let mut head = Head {
            root: [1; 32],
            version: StateVersion::V1,
            commits: 3,
            block: None,
        };
        assert_eq!(head.encode().len(), HEAD_LEN);
        assert_eq!(Head::decode(&head.encode()), Some(head));
        head.block = Some(BlockRef {
            number: u64::MAX,
            hash: [2; 32],
        });
        assert_eq!(head.encode().len(), HEAD_WITH_BLOCK_LEN);
        assert_eq!(Head::decode(&head.encode()), Some(head));
        let encoded = head.encode();
        for len in [0, 32, HEAD_LEN - 1, HEAD_LEN + 1, HEAD_WITH_BLOCK_LEN - 1] {
            assert_eq!(Head::decode(&encoded[..len]), None, "{len} bytes");
        }
        assert_eq!(Head::decode(&[encoded.clone(), vec![0]].concat()), None);
    }
}
