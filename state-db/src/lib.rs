//! Chain state in an embedded trie database: Substrate trie nodes in parity-db, incremental
//! roots, atomic commits, and proofs.
//!
//! # Design
//! - **Trie nodes in a database, not key-value pairs.** [`StateDb`] stores the encoded nodes
//!   of the main trie and of every default child trie (and V1 hashed values) by Blake2-256
//!   hash in one column. A call reads through
//!   [`subexec_host_functions::storage::TrieBackend`] (`sp-trie`/`trie-db`, as
//!   `sp-state-machine` does): a read or `next_key` costs the trie depth, a root after a delta
//!   costs the changes times the depth, and nothing ever loads the whole state.
//! - **Atomic commits, the head written in the same transaction.** [`StateDb::commit`] computes
//!   the new root and its new nodes, then writes the nodes *and* the head record (root, state
//!   version, commit count) in one parity-db commit. parity-db writes a commit to its
//!   write-ahead log as one record and replays only complete records on reopen, so a process
//!   killed at any point reopens at a head whose nodes are all present (`tests/crash.rs` kills
//!   a writer with SIGKILL at random points and checks exactly that). The last commits before
//!   a kill may be lost (parity-db's log is written by a background thread), never torn.
//! - **Archive.** Nodes are never deleted (no pruning): every committed root stays readable,
//!   which is what a tool replaying blocks or comparing states wants. Pruning with parity-db's
//!   reference-counted columns is future work.
//! - **A failed call or block changes nothing**: the call's changes are only in its overlay;
//!   [`StateDb::commit`] is given the changes of a successful one.
//! - **A bounded node cache** in front of the database ([`DEFAULT_NODE_CACHE_BYTES`], or
//!   [`StateDb::open_with_node_cache`]): the upper trie levels, on every path, are read from
//!   memory, so a root costs the changes times the depth in hashing, not in database reads.
//!   Nodes are content-addressed, so the cache is never stale and cannot change a result.
//!   [`StateDb::warm_node_cache`] fills it with the upper levels at once (`warm`).
//!
//! # Why parity-db
//! It is the database Polkadot nodes use for state, it is pure Rust apart from its LZ4/Snappy
//! compression (built in about 45 s on this machine, no C++), and its "preimage + uniform"
//! column is made for content-addressed trie nodes (the key is the value's hash: no key
//! hashing, no index of arbitrary keys). Side by side on trie nodes it reads a random node 4–8×
//! faster than RocksDB (which also needs a 7-minute C++ build) and commits a block's nodes 9×
//! faster; redb, a copy-on-write B-tree, commits them 200× slower. Measurements:
//! `docs/STATE.md`.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod cache;
mod error;
mod panic_free;
mod staged;
mod state_db;
mod store;
mod warm;

pub use cache::{NodeCacheStats, DEFAULT_NODE_CACHE_BYTES};
pub use error::StateDbError;
pub use staged::{Staged, StagedStore};
pub use state_db::{BlockRef, Head, StateDb};
pub use store::DbStore;
pub use warm::WarmUp;
