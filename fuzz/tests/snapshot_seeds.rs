//! The `snapshot` seeds: real tries built by sp-trie and drained from its `MemoryDB` the way
//! `TestExternalities::into_raw_snapshot` drains them, written as structured inputs
//! (`subexec_fuzz::snapshot::Structured`, child references as markers) and as raw files.
//! Committed under `corpus/snapshot` and checked to be what this code builds
//! (`FUZZ_WRITE_SEEDS=1 cargo test --test snapshot_seeds` rewrites them), and checked to
//! unfold into exactly the pairs sp-trie was given: a differential test of the reader.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;

use sp_core::Blake2Hasher;
use sp_trie::trie_types::{TrieDBMutBuilderV0, TrieDBMutBuilderV1};
use sp_trie::{PrefixedMemoryDB, TrieMut};
use subexec_fuzz::snapshot::{self, flags, Entry, Structured, Unfolded, MARKER};
use subexec_host_functions::storage::chain_spec::GenesisStorage;

type Pairs = BTreeMap<Vec<u8>, Vec<u8>>;

/// Inserts `pairs` into a trie of `db` in the layout `v1`; returns its root.
fn build(db: &mut PrefixedMemoryDB<Blake2Hasher>, pairs: &Pairs, v1: bool) -> [u8; 32] {
    let mut root = Default::default();
    if v1 {
        let mut trie = TrieDBMutBuilderV1::<Blake2Hasher>::new(db, &mut root).build();
        for (key, value) in pairs {
            trie.insert(key, value).expect("in-memory insert");
        }
    } else {
        let mut trie = TrieDBMutBuilderV0::<Blake2Hasher>::new(db, &mut root).build();
        for (key, value) in pairs {
            trie.insert(key, value).expect("in-memory insert");
        }
    }
    root.0
}

/// sp-trie's nodes of `state` (main trie and default child tries), as a structured input
/// whose first node is the root: distinct nodes in breadth-first order from the root, each
/// reference to a later node written as a marker.
fn structured(state: &GenesisStorage, v1: bool, flags: u8) -> Structured {
    let mut db = PrefixedMemoryDB::<Blake2Hasher>::new(&[0u8]);
    let mut top = state.top.clone();
    for (child, pairs) in &state.children_default {
        let child_root = build(&mut db, pairs, v1);
        top.insert(
            [&b":child_storage:default:"[..], child].concat(),
            child_root.to_vec(),
        );
    }
    let root = build(&mut db, &top, v1);
    // The drained database: prefixed keys; one copy of each node (the reader keeps one too).
    let mut nodes: HashMap<[u8; 32], (Vec<u8>, Vec<u8>)> = HashMap::new();
    // In key order: the drain's order is random, and the prefix kept must not be.
    let drained: BTreeMap<Vec<u8>, (Vec<u8>, i32)> = db.drain().into_iter().collect();
    for (key, (node, references)) in drained {
        assert!(references > 0);
        let hash: [u8; 32] = key[key.len() - 32..].try_into().unwrap();
        let prefix = key[..(key.len() - 32).min(8)].to_vec();
        nodes.entry(hash).or_insert((prefix, node));
    }
    // Breadth-first from the root: a node references the nodes whose hashes it contains.
    let mut order: Vec<[u8; 32]> = Vec::new();
    let mut queue = VecDeque::from([root]);
    while let Some(hash) = queue.pop_front() {
        if order.contains(&hash) || !nodes.contains_key(&hash) {
            continue;
        }
        order.push(hash);
        let node = &nodes[&hash].1;
        for window in node.windows(32) {
            let candidate: [u8; 32] = window.try_into().unwrap();
            if nodes.contains_key(&candidate) {
                queue.push_back(candidate);
            }
        }
    }
    assert_eq!(
        order.len(),
        nodes.len(),
        "every node is reachable from the root"
    );
    let entries = order
        .iter()
        .enumerate()
        .map(|(index, hash)| {
            let (prefix, node) = &nodes[hash];
            let mut template = Vec::new();
            let mut at = 0;
            while at < node.len() {
                let later = node.get(at..at + 32).and_then(|window| {
                    order[index + 1..]
                        .iter()
                        .position(|h| h[..] == *window)
                        .filter(|&offset| offset < 256)
                });
                match later {
                    Some(offset) => {
                        template.extend_from_slice(&MARKER);
                        template.push(offset as u8);
                        at += 32;
                    }
                    None => {
                        template.push(node[at]);
                        at += 1;
                    }
                }
            }
            Entry {
                references: 1,
                prefix: prefix.clone(),
                faults: 0,
                template,
            }
        })
        .collect();
    let structured = Structured { flags, entries };
    // The markers expand back into sp-trie's nodes, the root first.
    let expanded = structured.nodes();
    assert_eq!(Structured::root(&expanded), root);
    for (node, hash) in expanded.iter().zip(&order) {
        assert_eq!(node, &nodes[hash].1, "a marker changed a node");
    }
    structured
}

fn pairs(count: u32, value_len: impl Fn(u32) -> usize) -> Pairs {
    (0..count)
        .map(|i| {
            let key = format!("key{i:03}").into_bytes();
            let value = (0..value_len(i)).map(|j| (i as usize + j) as u8).collect();
            (key, value)
        })
        .collect()
}

/// A state whose 65 536 pairs are every 2-byte key with the value `[7]`: three levels of
/// one branch node shared 16 times over, then a branch of 16 inline leaves.
fn shared_subtrees() -> GenesisStorage {
    GenesisStorage {
        top: (0..=u16::MAX)
            .map(|k| (k.to_be_bytes().to_vec(), vec![7]))
            .collect(),
        children_default: BTreeMap::new(),
    }
}

/// The seeds: name, input, and the state they unfold into (`None`: refused by the state
/// bound).
fn seeds() -> Vec<(&'static str, Vec<u8>, Option<GenesisStorage>)> {
    let mut small = GenesisStorage {
        top: pairs(24, |i| 1 + (i as usize * 7) % 80),
        children_default: BTreeMap::new(),
    };
    small.top.insert(b":code".to_vec(), vec![0xAB; 200]);
    let whole_4 = flags::VERSION_4 | flags::WHOLE_STATE;

    let mut hashed = GenesisStorage {
        top: pairs(12, |i| 20 + i as usize * 4),
        children_default: BTreeMap::new(),
    };
    hashed
        .children_default
        .insert(b"kids".to_vec(), pairs(10, |i| 30 + i as usize));
    let hashed_v1 = structured(&hashed, true, whole_4 | flags::STATE_V1);

    let partial = GenesisStorage {
        top: pairs(5, |i| 40 * i as usize),
        children_default: BTreeMap::new(),
    };

    let bomb = shared_subtrees();
    let shared = structured(&bomb, false, whole_4);
    // Two more copies of the second node add two levels (a marker names the next node): every
    // 3-byte key, 64 MiB of pairs, past the bound.
    let mut deeper = shared.entries.clone();
    deeper.insert(1, deeper[1].clone());
    deeper.insert(1, deeper[1].clone());
    let past_bound = Structured {
        flags: whole_4,
        entries: deeper,
    };

    let raw_hashed = [&[0u8][..], &hashed_v1.file(&hashed_v1.nodes())].concat();
    vec![
        (
            "v0_small.seed",
            structured(&small, false, whole_4).to_input(),
            Some(small),
        ),
        (
            "v1_hashed_values_child_trie.seed",
            hashed_v1.to_input(),
            Some(hashed.clone()),
        ),
        (
            "raw_v1_hashed_values_child_trie.seed",
            raw_hashed,
            Some(hashed),
        ),
        (
            "v3_partial.seed",
            structured(&partial, true, flags::STATE_V1).to_input(),
            Some(partial),
        ),
        ("shared_subtrees.seed", shared.to_input(), Some(bomb)),
        (
            "shared_subtrees_past_the_bound.seed",
            past_bound.to_input(),
            None,
        ),
    ]
}

fn file_of(input: &[u8]) -> Vec<u8> {
    match input.split_first() {
        Some((mode, rest)) if mode & 1 == 1 => {
            let structured = Structured::parse(rest);
            structured.file(&structured.nodes())
        }
        Some((_, rest)) => rest.to_vec(),
        None => Vec::new(),
    }
}

#[test]
fn committed_snapshot_seeds_are_the_generated_ones_and_unfold_into_their_pairs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/snapshot");
    let write = std::env::var_os("FUZZ_WRITE_SEEDS").is_some();
    for (name, input, state) in seeds() {
        let path = dir.join(name);
        if write {
            std::fs::create_dir_all(&dir).expect("writable corpus");
            std::fs::write(&path, &input).expect("writable corpus");
        }
        let committed = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (FUZZ_WRITE_SEEDS=1 writes it)", path.display()));
        assert!(
            committed == input,
            "{} is stale (FUZZ_WRITE_SEEDS=1 rewrites it)",
            path.display()
        );
        let (_, unfolded) = snapshot::unfold(&file_of(&input));
        match state {
            Some(state) => assert!(unfolded == Unfolded::Ok(state), "{name}: {unfolded:?}"),
            None => assert!(
                matches!(&unfolded, Unfolded::State(text) if text.contains("unfolds into more than")),
                "{name}: {unfolded:?}"
            ),
        }
        snapshot::run(&input);
    }
}

/// Each fault a structured input can inject is refused with its own error.
#[test]
fn injected_faults_are_refused() {
    let state = GenesisStorage {
        top: pairs(8, |i| 40 + i as usize),
        children_default: BTreeMap::new(),
    };
    let base = structured(&state, false, flags::VERSION_4);
    type Fault = fn(&mut Structured);
    let cases: [(&str, Fault); 6] = [
        ("snapshot version 5", |s| s.flags |= flags::BAD_VERSION),
        ("unknown state version 2", |s| {
            s.flags |= flags::BAD_STATE_VERSION
        }),
        ("bytes follow", |s| s.flags |= flags::TRAILING),
        ("hashes to", |s| {
            s.entries[1].faults = snapshot::entry_faults::WRONG_HASH
        }),
        ("shorter than a 32-byte hash", |s| {
            s.entries[0].faults = snapshot::entry_faults::SHORT_KEY
        }),
        // A missing node: the root's first child is filed with a count of zero.
        ("incomplete or malformed", |s| s.entries[1].references = 0),
    ];
    for (expected, fault) in cases {
        let mut input = Structured {
            flags: base.flags,
            entries: base.entries.clone(),
        };
        fault(&mut input);
        let (_, unfolded) = snapshot::unfold(&input.file(&input.nodes()));
        let text = match &unfolded {
            Unfolded::Read(text) | Unfolded::State(text) => text,
            Unfolded::Ok(_) => panic!("{expected}: accepted"),
        };
        assert!(text.contains(expected), "{expected}: {text}");
        snapshot::run(&input.to_input());
    }
}
