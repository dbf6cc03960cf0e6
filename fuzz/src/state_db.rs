//! `state_db`: operation sequences on [`StateDb`] against the [`InMemoryBackend`], with crashes
//! injected.
//!
//! The input's first byte picks the state version (bit 0: V0/V1) of the whole sequence (a
//! database committed with one layout throughout: mixing layouts is a migration, whose roots
//! the in-memory backend does not model); the rest is a list of [`Op`]s (`arbitrary`). Two
//! [`StorageState`]s run every operation, one over the database's head, one over the
//! in-memory backend: sets, clears, clear-prefix with limits, child-trie kills, appends,
//! nested transactions, reads, next keys and roots must answer the same. A commit applies the
//! changes to both: the database's new root must equal the in-memory root and the overlay's
//! root before the commit.
//!
//! Crashes:
//! - [`Op::Reopen`]: the database is closed and reopened: it must come back at the last commit
//!   exactly, every pair readable.
//! - [`Op::Crash`]: the database is closed, its directory copied (the original is reopened
//!   and the sequence goes on with it), and the copy is optionally damaged the ways a torn
//!   write leaves files: one file truncated at any length, or removed. Opening the copy must
//!   give a typed error or a database at one of the committed heads (root and commit count of
//!   that commit), whose pairs read back as that commit's state or fail with a typed error; an
//!   undamaged copy must open at the last commit and read back completely. (Kills in the
//!   middle of a commit are `state-db/tests/crash.rs`'s: a copy of an open database is not a
//!   state any crash can leave, its files being read at different moments.)
//!
//! Every input works in its own directory under `/dev/shm` (tmpfs) if there is one, else
//! `std::env::temp_dir()`, removed at the end.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arbitrary::{Arbitrary, Unstructured};
use subexec_host_functions::storage::{
    Backend, InMemoryBackend, StateVersion, StorageState, TrieId,
};
use subexec_state_db::StateDb;

/// Operations per input, at most.
pub const MAX_OPS: usize = 64;
/// Crash and reopen operations per input, at most (each opens a database).
pub const MAX_OPENS: usize = 3;

/// A key from a small alphabet (so operations collide), optionally under a prefix that
/// collides with the child-trie namespace.
#[derive(Arbitrary, Debug, Clone)]
pub struct Key {
    /// Up to six letters of the alphabet `a b c d \0 \xff` (modulo 6).
    pub nibbles: Vec<u8>,
    /// Modulo 16: 0 `:child_storage:`, 1 `:child_storage:default:`, 2 `:code` before them.
    pub special: u8,
}

impl Key {
    fn bytes(&self) -> Vec<u8> {
        let mut key = match self.special % 16 {
            0 => b":child_storage:".to_vec(),
            1 => b":child_storage:default:".to_vec(),
            2 => b":code".to_vec(),
            _ => Vec::new(),
        };
        key.extend(
            self.nibbles
                .iter()
                .take(6)
                .map(|b| b"abcd\x00\xff"[usize::from(b % 6)]),
        );
        key
    }
}

/// A value: short (inline in V1), around the 32-byte threshold, or long (hashed in V1).
#[derive(Arbitrary, Debug, Clone)]
pub struct Value {
    /// Its length class and length.
    pub len: u8,
    /// Its first byte (the next ones count up).
    pub fill: u8,
}

impl Value {
    fn bytes(&self) -> Vec<u8> {
        let len = match self.len % 4 {
            0 => usize::from(self.len % 8),
            1 => 30 + usize::from(self.len % 5),
            2 => usize::from(self.len),
            _ => 33,
        };
        (0..len).map(|i| self.fill.wrapping_add(i as u8)).collect()
    }
}

/// The main trie (most of the time) or one of three child tries.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct Trie(pub u8);

const CHILDREN: [&[u8]; 3] = [b"c1", b"c2", b"parachain"];

impl Trie {
    fn id(self) -> TrieId<'static> {
        match self.0 % 6 {
            0..=2 => TrieId::Main,
            n => TrieId::DefaultChild(CHILDREN[usize::from(n - 3)]),
        }
    }
}

/// One step of a sequence.
#[derive(Arbitrary, Debug, Clone)]
pub enum Op {
    /// `set` a value.
    Set(Trie, Key, Value),
    /// `set` to `None`.
    Clear(Trie, Key),
    /// `clear_prefix` with an optional limit.
    ClearPrefix(Trie, Key, Option<u8>),
    /// `kill_child` with an optional limit.
    KillChild(u8, Option<u8>),
    /// `append` a SCALE item (any bytes: a non-vector value is replaced, as Substrate does).
    Append(Key, Vec<u8>),
    /// Start a transaction.
    Start,
    /// Commit the innermost transaction (an error without one).
    CommitTransaction,
    /// Roll the innermost transaction back (an error without one).
    Rollback,
    /// Read a key on both sides.
    Read(Trie, Key),
    /// `next_key` on both sides.
    NextKey(Trie, Key),
    /// The overlay root on both sides.
    Root,
    /// Close open transactions and commit the changes to both backends.
    Commit,
    /// Close and reopen the database.
    Reopen,
    /// Close the database, copy it, damage the copy, open it (see the module docs).
    Crash {
        /// 0: no damage; 1: truncate a file; 2: remove a file; 3: truncate the largest file.
        damage: u8,
        /// Which file (index in name order).
        file: u8,
        /// Where to cut (a fraction of the length, in 1/65 536).
        cut: u16,
    },
}

/// Every pair of `trie` in `backend`.
fn pairs(
    backend: &dyn Backend,
    trie: TrieId<'_>,
) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, subexec_host_functions::storage::BackendError> {
    let mut out = BTreeMap::new();
    backend.for_each_pair(trie, &mut |k, v| {
        out.insert(k.to_vec(), v.to_vec());
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

/// Whether `backend` holds exactly `expected` (main trie and every child trie); a read error
/// is returned as `Err` (typed), a difference panics.
fn check_contents(
    backend: &dyn Backend,
    expected: &InMemoryBackend,
) -> Result<(), subexec_host_functions::storage::BackendError> {
    let top = pairs(backend, TrieId::Main)?;
    assert!(&top == expected.top(), "main trie pairs differ");
    for storage_key in CHILDREN {
        let got = pairs(backend, TrieId::DefaultChild(storage_key))?;
        let want = expected
            .children()
            .get(storage_key)
            .cloned()
            .unwrap_or_default();
        assert!(got == want, "child trie {storage_key:?} pairs differ");
    }
    Ok(())
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        // tmpfs when there is one: parity-db creates a 32 MiB (sparse) index per database,
        // and every crash copies it.
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let path = base.join(format!(
            "subexec-fuzz-state-db-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The files of `dir`, in name order.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The two sides of the comparison.
struct Sides {
    version: StateVersion,
    dir: TempDir,
    db: Option<StateDb>,
    on_db: StorageState,
    memory: InMemoryBackend,
    on_memory: StorageState,
    /// The in-memory state after commit `n`, for every `n` (0: empty).
    history: Vec<InMemoryBackend>,
    opens: usize,
}

impl Sides {
    fn db(&self) -> &StateDb {
        self.db.as_ref().expect("the database is open")
    }

    fn fresh_overlays(&mut self) {
        self.on_db = StorageState::new(Arc::new(self.db().backend()));
        self.on_memory = StorageState::new(Arc::new(self.memory.clone()));
    }

    fn step(&mut self, op: &Op) {
        let (db, mem) = (&mut self.on_db, &mut self.on_memory);
        match op {
            Op::Set(trie, key, value) => {
                let (k, v) = (key.bytes(), value.bytes());
                assert_eq!(
                    db.set(trie.id(), &k, Some(v.clone())),
                    mem.set(trie.id(), &k, Some(v))
                );
            }
            Op::Clear(trie, key) => {
                let k = key.bytes();
                assert_eq!(db.set(trie.id(), &k, None), mem.set(trie.id(), &k, None));
            }
            Op::ClearPrefix(trie, prefix, limit) => {
                let p = prefix.bytes();
                let limit = limit.map(u32::from);
                let a = db
                    .clear_prefix(trie.id(), &p, limit)
                    .expect("db backend reads");
                let b = mem
                    .clear_prefix(trie.id(), &p, limit)
                    .expect("memory reads");
                assert_eq!(a, b, "clear_prefix({p:?}, {limit:?})");
            }
            Op::KillChild(child, limit) => {
                let key = CHILDREN[usize::from(child % 3)];
                let limit = limit.map(u32::from);
                let a = db.kill_child(key, limit).expect("db backend reads");
                let b = mem.kill_child(key, limit).expect("memory reads");
                assert_eq!(a, b, "kill_child({key:?}, {limit:?})");
            }
            Op::Append(key, item) => {
                let k = key.bytes();
                let item = &item[..item.len().min(80)];
                db.append(&k, item).expect("db backend reads");
                mem.append(&k, item).expect("memory reads");
            }
            Op::Start => {
                if db.overlay().transaction_depth() < 8 {
                    db.start_transaction();
                    mem.start_transaction();
                }
            }
            Op::CommitTransaction => {
                assert_eq!(
                    db.commit_transaction().is_ok(),
                    mem.commit_transaction().is_ok()
                );
            }
            Op::Rollback => {
                assert_eq!(
                    db.rollback_transaction().is_ok(),
                    mem.rollback_transaction().is_ok()
                );
            }
            Op::Read(trie, key) => {
                let k = key.bytes();
                assert_eq!(
                    db.storage(trie.id(), &k).expect("db backend reads"),
                    mem.storage(trie.id(), &k).expect("memory reads"),
                    "read {k:?}"
                );
            }
            Op::NextKey(trie, key) => {
                let k = key.bytes();
                assert_eq!(
                    db.next_key(trie.id(), &k).expect("db backend reads"),
                    mem.next_key(trie.id(), &k).expect("memory reads"),
                    "next_key {k:?}"
                );
            }
            Op::Root => {
                let a = db.try_root(self.version).expect("db backend reads");
                assert_eq!(a, mem.root(self.version), "overlay roots");
            }
            Op::Commit => self.commit(),
            Op::Reopen => self.reopen(),
            Op::Crash { damage, file, cut } => self.crash(*damage, *file, *cut),
        }
    }

    fn commit(&mut self) {
        while self.on_db.overlay().transaction_depth() > 0 {
            self.on_db.commit_transaction().expect("open transaction");
            self.on_memory
                .commit_transaction()
                .expect("open transaction");
        }
        let changes = self.on_db.changes();
        assert!(
            changes == self.on_memory.changes(),
            "the overlays' changes differ"
        );
        let overlay_root = self.on_db.try_root(self.version).expect("db backend reads");
        let version = self.version;
        let root = self
            .db
            .as_mut()
            .expect("open")
            .commit(&changes, version)
            .expect("commit");
        self.memory.apply(&changes, version);
        assert_eq!(root, self.memory.root(version), "committed roots");
        assert_eq!(root, overlay_root, "the commit's root is the overlay's");
        self.history.push(self.memory.clone());
        assert_eq!(self.db().head().commits as usize, self.history.len() - 1);
        self.fresh_overlays();
    }

    fn reopen(&mut self) {
        if self.opens >= MAX_OPENS {
            return;
        }
        self.opens += 1;
        let head = self.db().head();
        // The overlay's backend holds the database too: drop both before reopening.
        self.on_db = StorageState::new(Arc::new(InMemoryBackend::default()));
        self.db = None;
        let db = StateDb::open(&self.dir.0).expect("a cleanly closed database reopens");
        assert_eq!(db.head(), head, "reopened at another head");
        check_contents(&db.backend(), &self.memory).expect("every node of the head is present");
        self.db = Some(db);
        self.fresh_overlays();
    }

    fn crash(&mut self, damage: u8, file: u8, cut: u16) {
        if self.opens >= MAX_OPENS {
            return;
        }
        self.opens += 1;
        // The files as the database left them at its last commit: closed, so that the copy is
        // one consistent moment (a copy of an open database mixes moments no crash can
        // produce: files listed before the background writer created them). Kills in the
        // middle of a commit are `state-db/tests/crash.rs`'s job.
        let head = self.db().head();
        self.on_db = StorageState::new(Arc::new(InMemoryBackend::default()));
        self.db = None;
        let copy = TempDir::new();
        for path in files(&self.dir.0) {
            let name = path.file_name().expect("a file name");
            std::fs::copy(&path, copy.0.join(name)).expect("writable temporary directory");
        }
        let db = StateDb::open(&self.dir.0).expect("a cleanly closed database reopens");
        assert_eq!(db.head(), head, "reopened at another head");
        self.db = Some(db);
        self.fresh_overlays();
        let copied = files(&copy.0);
        let damaged = match damage % 4 {
            _ if copied.is_empty() => false,
            0 => false,
            1 | 3 => {
                let victim = if damage % 4 == 1 {
                    copied[usize::from(file) % copied.len()].clone()
                } else {
                    copied
                        .iter()
                        .max_by_key(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
                        .expect("non-empty")
                        .clone()
                };
                let len = std::fs::metadata(&victim).map_or(0, |m| m.len());
                let keep = len * u64::from(cut) / 65_536;
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&victim)
                    .expect("the copy is writable");
                f.set_len(keep).expect("truncate");
                true
            }
            _ => {
                std::fs::remove_file(&copied[usize::from(file) % copied.len()])
                    .expect("the copy is writable");
                true
            }
        };
        if std::env::var_os("SUBEXEC_FUZZ_DEBUG").is_some() {
            eprintln!(
                "crash: damage {} of {:?}",
                damage % 4,
                files(&copy.0)
                    .iter()
                    .map(|p| (p.file_name(), std::fs::metadata(p).map_or(0, |m| m.len())))
                    .collect::<Vec<_>>()
            );
        }
        if damaged && std::env::var_os(STRICT).is_none() {
            // Finding 8 (docs/FUZZING.md): parity-db 0.5.7 panics on some damaged files (a
            // removed value table: `file.rs:127`). The state database turns such a panic into
            // a typed error (`subexec_state_db`'s `panic_free`), but under libFuzzer the panic
            // hook aborts before anything unwinds, and parity-db's background threads panic
            // outside any call of ours. So while a damaged copy is opened and read, the hook
            // is silenced and a parity-db panic tolerated; `SUBEXEC_FUZZ_STRICT_DB=1` makes it
            // a crash again.
            let hook = std::panic::take_hook();
            std::panic::set_hook(Box::new(|_| {}));
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.check_copy(&copy.0, head, true)
            }));
            std::panic::set_hook(hook);
            match result {
                Ok(()) => {}
                Err(payload) => {
                    let message = payload
                        .downcast_ref::<String>()
                        .map(String::as_str)
                        .or_else(|| payload.downcast_ref::<&str>().copied())
                        .unwrap_or("");
                    // Only parity-db's own panics are tolerated, not the harness's checks.
                    assert!(
                        !message.contains("copy") && !message.contains("differ"),
                        "{message}"
                    );
                }
            }
        } else {
            self.check_copy(&copy.0, head, damaged);
        }
    }

    /// Opens the crash copy in `dir` and checks it (see the module docs).
    fn check_copy(&self, dir: &Path, head: subexec_state_db::Head, damaged: bool) {
        let db = match StateDb::open(dir) {
            Ok(db) => db,
            Err(error) => {
                assert!(damaged, "an undamaged crash copy does not open: {error}");
                return;
            }
        };
        let reopened = db.head();
        let count = usize::try_from(reopened.commits).expect("small");
        assert!(
            damaged || reopened == head,
            "an undamaged copy is not at the last commit"
        );
        assert!(
            count < self.history.len(),
            "the copy is at commit {count}, only {} were made",
            self.history.len() - 1
        );
        let expected = &self.history[count];
        assert_eq!(
            reopened.root,
            expected.root(self.version),
            "the copy's head is not commit {count}'s root"
        );
        if let Err(error) = check_contents(&db.backend(), expected) {
            assert!(damaged, "an undamaged crash copy lost nodes: {error}");
        }
    }
}

/// Set to make a panic of parity-db on a damaged copy a crash (open finding 8).
pub const STRICT: &str = "SUBEXEC_FUZZ_STRICT_DB";

/// The state version and the operations of an input.
pub fn parse(data: &[u8]) -> Option<(StateVersion, Vec<Op>)> {
    let (first, rest) = data.split_first()?;
    let version = if first & 1 == 0 {
        StateVersion::V0
    } else {
        StateVersion::V1
    };
    let mut u = Unstructured::new(rest);
    let mut ops = Vec::new();
    while ops.len() < MAX_OPS && !u.is_empty() {
        match Op::arbitrary(&mut u) {
            Ok(op) => ops.push(op),
            Err(_) => break,
        }
    }
    Some((version, ops))
}

/// The target.
pub fn run(data: &[u8]) {
    let Some((version, ops)) = parse(data) else {
        return;
    };
    run_ops(version, &ops);
}

/// Runs `ops` from an empty database with layout `version`; panics on a failed property.
pub fn run_ops(version: StateVersion, ops: &[Op]) {
    let dir = TempDir::new();
    let db = StateDb::open(&dir.0).expect("a new database opens");
    let memory = InMemoryBackend::default();
    let mut sides = Sides {
        version,
        on_db: StorageState::new(Arc::new(db.backend())),
        on_memory: StorageState::new(Arc::new(memory.clone())),
        history: vec![memory.clone()],
        memory,
        db: Some(db),
        dir,
        opens: 0,
    };
    for op in ops {
        sides.step(op);
    }
    // Close the database before its directory is removed.
    sides.on_db = StorageState::new(Arc::new(InMemoryBackend::default()));
    sides.db = None;
}
