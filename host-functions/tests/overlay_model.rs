//! Property test: [`StorageState`] (backend + overlay + nested client/runtime transactions)
//! against a plain model that snapshots the whole visible state at every transaction start.
//!
//! Random sequences of start/commit/rollback/set/clear/append/clear_prefix(limit)/kill(limit)
//! over the main trie and two child tries are applied to both. After every operation the
//! visible values and `next_key` of every key of a small universe must agree, as must the
//! removal counters; at the end the main root (layout V0 or V1, the layout the backend's stored
//! child roots were built with), and the state after `exit_runtime` rolled back what the
//! runtime left open.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use proptest::prelude::*;
use subexec_host_functions::storage::trie_root::trie_root;
use subexec_host_functions::storage::{
    append_item, InMemoryBackend, RemovalResult, StorageMap, TrieId,
};
use subexec_host_functions::{StateVersion, StorageState};

const CHILDREN: [&[u8]; 2] = [b"c0", b"c1"];

#[derive(Clone, Debug)]
enum Op {
    Start,
    Commit,
    Rollback,
    Set(Option<usize>, Vec<u8>, Vec<u8>),
    Clear(Option<usize>, Vec<u8>),
    Append(Vec<u8>, Vec<u8>),
    ClearPrefix(Option<usize>, Vec<u8>, Option<u32>),
    Kill(usize, Option<u32>),
}

fn key() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(0u8..3, 0..3)
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..4),
        proptest::collection::vec(any::<u8>(), 30..40),
        Just(vec![4, 1]),
    ]
}

fn trie() -> impl Strategy<Value = Option<usize>> {
    prop_oneof![Just(None), (0usize..2).prop_map(Some)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Start),
        1 => Just(Op::Commit),
        1 => Just(Op::Rollback),
        4 => (trie(), key(), value()).prop_map(|(t, k, v)| Op::Set(t, k, v)),
        2 => (trie(), key()).prop_map(|(t, k)| Op::Clear(t, k)),
        2 => (key(), proptest::collection::vec(any::<u8>(), 0..3)).prop_map(|(k, i)| Op::Append(k, i)),
        1 => (trie(), proptest::collection::vec(0u8..3, 0..2), proptest::option::of(0u32..3))
            .prop_map(|(t, p, l)| Op::ClearPrefix(t, p, l)),
        1 => (0usize..2, proptest::option::of(0u32..3)).prop_map(|(c, l)| Op::Kill(c, l)),
    ]
}

fn map() -> impl Strategy<Value = StorageMap> {
    proptest::collection::btree_map(key(), value(), 0..6)
}

/// The visible state plus which keys the overlay holds (needed for removal counters).
#[derive(Clone, Debug, PartialEq)]
struct View {
    tries: BTreeMap<Option<usize>, StorageMap>,
    overlay_keys: BTreeSet<(Option<usize>, Vec<u8>)>,
}

struct Model {
    backend: BTreeMap<Option<usize>, StorageMap>,
    view: View,
    saved: Vec<View>,
    client_transactions: usize,
}

impl Model {
    fn trie_map(&mut self, t: Option<usize>) -> &mut StorageMap {
        self.view.tries.entry(t).or_default()
    }

    fn write(&mut self, t: Option<usize>, k: &[u8], v: Option<Vec<u8>>) {
        self.view.overlay_keys.insert((t, k.to_vec()));
        match v {
            Some(v) => self.trie_map(t).insert(k.to_vec(), v),
            None => self.trie_map(t).remove(k),
        };
    }

    fn clear_prefix(
        &mut self,
        t: Option<usize>,
        prefix: &[u8],
        limit: Option<u32>,
    ) -> RemovalResult {
        let in_overlay: Vec<Vec<u8>> = self
            .view
            .overlay_keys
            .iter()
            .filter(|(tt, k)| *tt == t && k.starts_with(prefix))
            .map(|(_, k)| k.clone())
            .collect();
        let mut unique = 0;
        for k in &in_overlay {
            if self.trie_map(t).contains_key(k) {
                unique += 1;
            }
            self.write(t, k, None);
        }
        let backend_keys: Vec<Vec<u8>> = self
            .backend
            .get(&t)
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .filter(|k| k.starts_with(prefix))
            .collect();
        let (mut loops, mut deleted, mut all_removed) = (0u32, 0u32, true);
        for k in backend_keys {
            if limit == Some(loops) {
                all_removed = false;
                break;
            }
            if !in_overlay.contains(&k) {
                self.write(t, &k, None);
                deleted += 1;
            }
            loops += 1;
        }
        RemovalResult {
            all_removed,
            backend: deleted,
            unique: unique + deleted,
            loops,
        }
    }

    fn main_root(&self, version: StateVersion) -> [u8; 32] {
        let mut main = self.view.tries.get(&None).cloned().unwrap_or_default();
        for (i, child) in CHILDREN.iter().enumerate() {
            let prefixed = TrieId::DefaultChild(child).prefixed_storage_key().unwrap();
            match self.view.tries.get(&Some(i)).filter(|m| !m.is_empty()) {
                Some(m) => main.insert(prefixed, trie_root(version, m).to_vec()),
                None => main.remove(&prefixed),
            };
        }
        trie_root(version, &main)
    }
}

fn trie_id(t: Option<usize>) -> TrieId<'static> {
    match t {
        None => TrieId::Main,
        Some(i) => TrieId::DefaultChild(CHILDREN[i]),
    }
}

fn universe() -> Vec<Vec<u8>> {
    let mut keys = vec![vec![]];
    for a in 0..3u8 {
        keys.push(vec![a]);
        for b in 0..3u8 {
            keys.push(vec![a, b]);
        }
    }
    keys
}

fn compare(real: &StorageState, model: &Model) -> Result<(), TestCaseError> {
    for t in [None, Some(0), Some(1)] {
        let expected = model.view.tries.get(&t).cloned().unwrap_or_default();
        for k in universe() {
            let got = real
                .storage(trie_id(t), &k)
                .unwrap()
                .map(|v| v.into_owned());
            prop_assert_eq!(
                got.as_ref(),
                expected.get(&k),
                "value of {:?} in {:?}",
                k,
                t
            );
            prop_assert_eq!(
                real.exists(trie_id(t), &k).unwrap(),
                expected.contains_key(&k)
            );
            let next = expected
                .range::<Vec<u8>, _>((std::ops::Bound::Excluded(&k), std::ops::Bound::Unbounded))
                .next()
                .map(|(k, _)| k.clone());
            let got_next = real.next_key(trie_id(t), &k).unwrap();
            prop_assert_eq!(got_next, next, "next_key of {:?} in {:?}", k, t);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn overlay_matches_model(
        top in map(),
        c0 in map(),
        c1 in map(),
        client_transactions in 0usize..3,
        v1 in any::<bool>(),
        ops in proptest::collection::vec(op(), 0..60),
    ) {
        let mut children = BTreeMap::new();
        children.insert(CHILDREN[0].to_vec(), c0.clone());
        children.insert(CHILDREN[1].to_vec(), c1.clone());
        // Stored child roots use the layout under test, so recomputing them agrees.
        let version = if v1 { StateVersion::V1 } else { StateVersion::V0 };
        let backend = InMemoryBackend::new(top, children, version);
        let mut backend_maps = BTreeMap::new();
        backend_maps.insert(None, backend.top().clone());
        backend_maps.insert(Some(0), c0);
        backend_maps.insert(Some(1), c1);
        let mut real = StorageState::new(Arc::new(backend));
        let mut model = Model {
            view: View { tries: backend_maps.clone(), overlay_keys: BTreeSet::new() },
            backend: backend_maps,
            saved: Vec::new(),
            client_transactions,
        };
        for _ in 0..client_transactions {
            real.start_transaction();
            model.saved.push(model.view.clone());
        }
        real.enter_runtime().unwrap();

        for op in ops {
            match op {
                Op::Start => {
                    real.start_transaction();
                    model.saved.push(model.view.clone());
                }
                Op::Commit => {
                    let allowed = model.saved.len() > model.client_transactions;
                    prop_assert_eq!(real.commit_transaction().is_ok(), allowed);
                    if allowed {
                        model.saved.pop();
                    }
                }
                Op::Rollback => {
                    let allowed = model.saved.len() > model.client_transactions;
                    prop_assert_eq!(real.rollback_transaction().is_ok(), allowed);
                    if allowed {
                        model.view = model.saved.pop().unwrap();
                    }
                }
                Op::Set(t, k, v) => {
                    prop_assert!(real.set(trie_id(t), &k, Some(v.clone())));
                    model.write(t, &k, Some(v));
                }
                Op::Clear(t, k) => {
                    prop_assert!(real.set(trie_id(t), &k, None));
                    model.write(t, &k, None);
                }
                Op::Append(k, item) => {
                    real.append(&k, &item).unwrap();
                    let mut v = model.view.tries[&None].get(&k).cloned().unwrap_or_default();
                    append_item(&mut v, &item);
                    model.write(None, &k, Some(v));
                }
                Op::ClearPrefix(t, prefix, limit) => {
                    let got = real.clear_prefix(trie_id(t), &prefix, limit).unwrap();
                    let refused = t.is_none() && b":child_storage:".starts_with(&prefix);
                    if refused {
                        prop_assert_eq!(got, RemovalResult { all_removed: true, ..Default::default() });
                    } else {
                        let expected = model.clear_prefix(t, &prefix, limit);
                        prop_assert_eq!(got, expected);
                    }
                }
                Op::Kill(c, limit) => {
                    let got = real.kill_child(CHILDREN[c], limit).unwrap();
                    let expected = model.clear_prefix(Some(c), &[], limit);
                    prop_assert_eq!(got, expected);
                }
            }
            compare(&real, &model)?;
        }
        prop_assert_eq!(real.try_root(version).unwrap(), model.main_root(version));
        real.exit_runtime().unwrap();
        model.view = if model.saved.len() > model.client_transactions {
            model.saved[model.client_transactions].clone()
        } else {
            model.view.clone()
        };
        compare(&real, &model)?;
        prop_assert_eq!(real.overlay().transaction_depth(), model.client_transactions);
    }
}
