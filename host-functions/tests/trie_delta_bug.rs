//! Why `trie_backend::delta_root` skips deleting keys the trie does not hold: `trie-db` 0.32's
//! `remove` of a key ending where a branch with a non-empty partial key begins takes that
//! branch's value without comparing the partial key and panics in `fix`. These tests pin the upstream behaviour
//! (if an upgrade fixes it, they fail and the guard can be re-examined) and check ours.

use sp_trie::{LayoutV0, MemoryDB};
use subexec_host_functions::storage::trie_backend::{build_trie, delta_root, NodeMemory};
use subexec_host_functions::storage::trie_root::{trie_root, Blake2Hasher};
use subexec_host_functions::storage::StateVersion;

fn upstream(pairs: &[(Vec<u8>, Vec<u8>)], delete: &[u8]) -> std::thread::Result<[u8; 32]> {
    let mut db = MemoryDB::<Blake2Hasher>::default();
    let root = build_trie(&mut db, StateVersion::V0, pairs.iter().cloned());
    std::panic::catch_unwind(move || {
        sp_trie::delta_trie_root::<LayoutV0<Blake2Hasher>, _, _, _, _, _>(
            &mut db,
            root,
            [(delete, None::<&[u8]>)],
            None,
            None,
        )
        .expect("no trie error")
    })
}

fn ours(pairs: &[(Vec<u8>, Vec<u8>)], delete: &[u8]) -> [u8; 32] {
    let mut db = NodeMemory::default();
    let root = build_trie(&mut db, StateVersion::V0, pairs.iter().cloned());
    let mut overlay = NodeMemory::default();
    delta_root(
        &db,
        root,
        [(delete, None::<&[u8]>)],
        StateVersion::V0,
        &mut overlay,
        None,
    )
    .unwrap()
}

#[test]
fn deleting_an_absent_prefix_key_panics_upstream_and_changes_nothing_here() {
    let pairs = vec![(vec![0u8], vec![]), (vec![0u8, 0], vec![])];
    assert!(upstream(&pairs, &[]).is_err(), "trie-db panics");
    assert_eq!(
        ours(&pairs, &[]),
        trie_root(StateVersion::V0, pairs.clone())
    );
}

#[test]
fn deleting_an_absent_prefix_key_above_a_valued_branch_panics_upstream_too() {
    let pairs = vec![
        (vec![0u8], b"v".to_vec()),
        (vec![0u8, 0], b"w".to_vec()),
        (vec![0u8, 1], b"x".to_vec()),
    ];
    assert!(upstream(&pairs, &[]).is_err(), "trie-db panics");
    assert_eq!(
        ours(&pairs, &[]),
        trie_root(StateVersion::V0, pairs.clone())
    );
}
