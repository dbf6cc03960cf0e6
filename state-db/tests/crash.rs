//! Crash test: a writer process is killed with SIGKILL at random points while it commits; the
//! reopened database must be at one of the committed states, complete and readable.
//!
//! The test binary re-invokes itself (`crash_writer`, enabled by `SUBEXEC_CRASH_DIR`) as the
//! writer. Commit `n`'s changes are a pure function of `n`, so the parent knows the state after
//! every commit: it replays them on an [`InMemoryBackend`] and, after each kill, checks that the
//! head's commit count `c` has the root of commit `c` and that every pair of that state reads
//! back from the database (and nothing else is there). Then the next writer continues from
//! the head. Rounds are bounded in number and time.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::process::{Command, Stdio};
use std::time::Duration;

use subexec_host_functions::storage::{
    Backend, InMemoryBackend, StateVersion, StorageChanges, TrieId,
};
use subexec_state_db::StateDb;

const ENV: &str = "SUBEXEC_CRASH_DIR";
const ROUNDS: u64 = 6;

/// A small deterministic generator (xorshift), seeded by the commit number.
fn changes_of(commit: u64) -> StorageChanges {
    let mut x = commit.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut changes = StorageChanges::default();
    for _ in 0..200 {
        let r = next();
        let key = (r % 3000).to_be_bytes().to_vec();
        let value = (r % 7 != 0).then(|| vec![(r >> 8) as u8; (r % 60) as usize]);
        changes.main.insert(key, value);
    }
    let child = changes
        .children
        .entry(vec![b'c', (commit % 3) as u8])
        .or_default();
    for _ in 0..20 {
        let r = next();
        child.insert(
            (r % 100).to_be_bytes().to_vec(),
            (r % 5 != 0).then(|| vec![1; 40]),
        );
    }
    changes
}

/// The writer: commits forever from the head on (until killed).
#[test]
fn crash_writer() {
    let Some(dir) = std::env::var_os(ENV) else {
        return; // Only runs when re-invoked by `killed_writer_leaves_a_committed_state`.
    };
    let mut db = StateDb::open(std::path::Path::new(&dir)).expect("writer opens");
    loop {
        let next = db.head().commits + 1;
        db.commit(&changes_of(next), StateVersion::V1)
            .expect("commit");
    }
}

fn pairs(backend: &dyn Backend, trie: TrieId<'_>) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut out = BTreeMap::new();
    backend
        .for_each_pair(trie, &mut |k, v| {
            out.insert(k.to_vec(), v.to_vec());
            ControlFlow::Continue(())
        })
        .expect("every node of the head is present");
    out
}

#[test]
fn killed_writer_leaves_a_committed_state() {
    if std::env::var_os(ENV).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Expected states, extended as far as the writers get.
    let mut states = vec![InMemoryBackend::default()];
    let exe = std::env::current_exe().unwrap();
    let mut seed = 0x5EED_u64;
    let mut last = 0;
    for round in 0..ROUNDS {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_millis(150 + (seed >> 33) % 450);
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_writer", "--nocapture", "--test-threads=1"])
            .env(ENV, dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL on Unix.
        child.wait().unwrap();

        let db = StateDb::open(dir.path()).expect("reopens after SIGKILL");
        let head = db.head();
        let count = usize::try_from(head.commits).unwrap();
        assert!(
            count >= last,
            "round {round}: head went back from {last} to {count}"
        );
        while states.len() <= count {
            let mut next = states.last().unwrap().clone();
            next.apply(&changes_of(states.len() as u64), StateVersion::V1);
            states.push(next);
        }
        let expected = &states[count];
        assert_eq!(
            head.root,
            expected.root(StateVersion::V1),
            "round {round}: root of commit {count}"
        );
        let backend = db.backend();
        assert_eq!(&pairs(&backend, TrieId::Main), expected.top());
        for (storage_key, child) in expected.children() {
            assert_eq!(&pairs(&backend, TrieId::DefaultChild(storage_key)), child);
        }
        eprintln!("round {round}: killed after {delay:?}, reopened at commit {count}");
        last = count;
    }
    assert!(last > 0, "the writers committed nothing in {ROUNDS} rounds");
}
