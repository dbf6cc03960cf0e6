//! [`NodeCache`]: a bounded cache of trie nodes in front of the database.
//!
//! Every path from the root to a key starts with the same few nodes: at 10^7 keys the top four
//! levels of the trie (16^0 + … + 16^3 ≈ 4 400 branch nodes) are on every path, and without a
//! cache each of them is a parity-db read per lookup, so a root's cost grew with the depth of
//! the state rather than with its changes (docs/PERFORMANCE.md, "State at scale").
//!
//! Nodes are content-addressed and the database is an archive (a hash always names the same
//! bytes, nothing is deleted), so a cached node can never be stale: the cache needs no
//! invalidation and cannot change a result, only how often the database is read.
//!
//! Eviction is generational (an approximate LRU in O(1) per access, without a linked list):
//! new and re-used nodes go to the *hot* map; when it holds half the budget, it becomes the
//! *cold* map and the old cold map is dropped. A hit in the cold map moves the node back to the
//! hot one, so the nodes every path uses (the upper levels) survive every rotation while
//! one-off leaves age out. Memory stays below the budget, whatever the state's size.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Bytes a cached entry costs beyond its node: the key, the `Vec` header, the map's slot.
const ENTRY_OVERHEAD: usize = 32 + 24 + 16;

/// The default budget of the node cache: 1 GiB, the default of Substrate's trie cache
/// (`--trie-cache-size`, raised from 64 MiB to 1 GiB in polkadot-sdk because smaller caches
/// gave little speed-up). A bound, not an allocation: the cache fills as nodes are read. Its
/// hot half holds the top five levels of a 10^7-key trie (≈ 70 000 branch nodes of ≤ 532
/// bytes) and most of the sixth (10^6 nodes of ≈ 330 bytes). Measured per size:
/// docs/PERFORMANCE.md, "State at scale".
pub const DEFAULT_NODE_CACHE_BYTES: usize = 1 << 30;

/// A bounded, shared cache of encoded trie nodes by hash. See the module documentation.
#[derive(Debug)]
pub(crate) struct NodeCache {
    /// Bytes each generation may hold (half the budget); 0 disables the cache.
    generation_bytes: usize,
    inner: Mutex<Generations>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// What the node cache has done since the database was opened (see
/// [`crate::StateDb::node_cache_stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeCacheStats {
    /// Node reads answered from memory.
    pub hits: u64,
    /// Node reads that went to the database.
    pub misses: u64,
    /// Bytes held now (nodes and per-entry overhead, both generations).
    pub bytes: usize,
}

type Map = HashMap<[u8; 32], Vec<u8>, KeyHasher>;

#[derive(Debug)]
struct Generations {
    hot: Map,
    hot_bytes: usize,
    cold: Map,
    cold_bytes: usize,
}

/// Hashes a node's key, a Blake2-256 (already uniform), with a few multiply rounds under a
/// per-cache random seed: a tenth of the cost of SipHash, which showed in profiles of roots
/// over large states, and, the seed being secret, no guest can grind node hashes that collide
/// in the map.
#[derive(Clone, Copy, Debug)]
struct KeyHasher {
    seed: u64,
}

impl KeyHasher {
    fn new() -> KeyHasher {
        KeyHasher {
            seed: RandomState::new().build_hasher().finish(),
        }
    }
}

impl BuildHasher for KeyHasher {
    type Hasher = SeededHasher;

    fn build_hasher(&self) -> SeededHasher {
        SeededHasher(self.seed)
    }
}

/// The hasher [`KeyHasher`] builds.
struct SeededHasher(u64);

impl Hasher for SeededHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0 ^ u64::from_le_bytes(word))
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .rotate_left(29);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn cost(node: &[u8]) -> usize {
    node.len().saturating_add(ENTRY_OVERHEAD)
}

impl NodeCache {
    /// A cache holding at most about `budget` bytes of nodes (0: no caching).
    pub(crate) fn new(budget: usize) -> NodeCache {
        let hasher = KeyHasher::new();
        NodeCache {
            generation_bytes: budget / 2,
            inner: Mutex::new(Generations {
                hot: Map::with_hasher(hasher),
                hot_bytes: 0,
                cold: Map::with_hasher(hasher),
                cold_bytes: 0,
            }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The node with `hash`, if cached (a copy; the node becomes recently used).
    pub(crate) fn get(&self, hash: &[u8; 32]) -> Option<Vec<u8>> {
        let found = self.lookup(hash);
        let counter = match found {
            Some(_) => &self.hits,
            None => &self.misses,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn lookup(&self, hash: &[u8; 32]) -> Option<Vec<u8>> {
        if self.generation_bytes == 0 {
            return None;
        }
        let mut generations = self.lock();
        if let Some(node) = generations.hot.get(hash) {
            return Some(node.clone());
        }
        let node = generations.cold.remove(hash)?;
        generations.cold_bytes -= cost(&node);
        let copy = node.clone();
        self.put(&mut generations, *hash, node);
        Some(copy)
    }

    /// Whether a warm-up (`crate::warm`) may read more: the hot generation is below 90 % of its
    /// budget, so the nodes it read are not rotated out by the next ones.
    pub(crate) fn has_room(&self) -> bool {
        self.generation_bytes > 0 && self.lock().hot_bytes < self.generation_bytes / 10 * 9
    }

    /// Hits, misses and the bytes held now.
    pub(crate) fn stats(&self) -> NodeCacheStats {
        NodeCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes: self.held_bytes(),
        }
    }

    /// Remembers `node` under `hash` (its Blake2-256; the caller read or wrote it so).
    pub(crate) fn insert(&self, hash: [u8; 32], node: Vec<u8>) {
        if self.generation_bytes == 0 {
            return;
        }
        let mut generations = self.lock();
        if !generations.hot.contains_key(&hash) {
            if let Some(old) = generations.cold.remove(&hash) {
                generations.cold_bytes -= cost(&old);
            }
            self.put(&mut generations, hash, node);
        }
    }

    fn put(&self, generations: &mut Generations, hash: [u8; 32], node: Vec<u8>) {
        let cost = cost(&node);
        if cost > self.generation_bytes {
            return;
        }
        if generations.hot_bytes.saturating_add(cost) > self.generation_bytes {
            let empty = Map::with_hasher(*generations.hot.hasher());
            generations.cold = std::mem::replace(&mut generations.hot, empty);
            generations.cold_bytes = std::mem::take(&mut generations.hot_bytes);
        }
        generations.hot_bytes += cost;
        generations.hot.insert(hash, node);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Generations> {
        // The maps are consistent between statements: a panic elsewhere while the lock was held
        // (none can happen inside) leaves a usable cache.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Bytes held now (both generations).
    fn held_bytes(&self) -> usize {
        let generations = self.lock();
        generations.hot_bytes + generations.cold_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u32) -> [u8; 32] {
        let mut key = [0; 32];
        key[..4].copy_from_slice(&i.to_le_bytes());
        key
    }

    #[test]
    fn stays_within_its_budget_and_keeps_what_is_reused() {
        let budget = 64 * 1024;
        let cache = NodeCache::new(budget);
        let hot = key(u32::MAX);
        cache.insert(hot, vec![7; 100]);
        for i in 0..10_000 {
            cache.insert(key(i), vec![1; 500]);
            assert!(cache.held_bytes() <= budget);
            // The root-like node is read on every path: it survives every rotation.
            assert_eq!(cache.get(&hot), Some(vec![7; 100]));
        }
        assert_eq!(cache.get(&key(0)), None, "an early one-off node aged out");
        assert_eq!(cache.get(&key(9_999)), Some(vec![1; 500]));
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses), (10_001, 1));
        assert!(stats.bytes <= budget);
    }

    #[test]
    fn a_zero_budget_caches_nothing_and_oversized_nodes_are_not_cached() {
        let off = NodeCache::new(0);
        off.insert(key(1), vec![1]);
        assert_eq!(off.get(&key(1)), None);
        let small = NodeCache::new(1024);
        small.insert(key(2), vec![2; 1024]);
        assert_eq!(small.get(&key(2)), None);
        small.insert(key(3), vec![3; 10]);
        assert_eq!(small.get(&key(3)), Some(vec![3; 10]));
    }
}
