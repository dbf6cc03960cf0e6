//! JSON state files on disk: locked, written atomically, never a chain spec overwritten.
//!
//! - **Atomic.** A state file is written to a temporary file in the same directory, flushed
//!   to disk (`fsync`), renamed over the old one, and the directory is flushed: a process
//!   killed at any point, or a full disk, leaves either the old file or the new one, never a
//!   truncated one. A failed write removes the temporary file and keeps the old state.
//! - **Locked.** The whole read–modify–write of `--state FILE` holds an exclusive lock on
//!   `FILE.lock` (created next to it and left there: deleting a lock file races with the
//!   next locker), so concurrent runs on one state file serialise and none loses another's
//!   changes. The lock is released when the process exits, however it exits.
//! - **Only when needed.** A run that changed nothing does not rewrite the file (a missing
//!   file is still created); a raw chain spec (a top-level `id` or `name`) given as `--state`
//!   is read as the starting state but never overwritten: a run that changes it fails with
//!   one error line naming `subexec state import` (its name, id and bootnodes would be lost).
//!
//! The JSON is written as the state is walked (any [`Backend`]: an in-memory state or a state
//! database), without building a document in memory. Top-level keys under
//! `:child_storage:default:` are written as `childrenDefault` entries, as chain specs do.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::storage::{Backend, BackendError, TrieId, DEFAULT_CHILD_STORAGE_PREFIX};

use crate::failure::{Failure, Kind, Outcome};
use crate::source;

/// An exclusive lock on a state file's `.lock` sibling, held until dropped.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// The lock file of `path`: `path` with `.lock` appended to its name.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Takes the exclusive lock of `path` (waits for other writers).
pub fn lock(path: &Path) -> Outcome<FileLock> {
    let lock = lock_path(path);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(|e| Failure::input(format!("cannot create `{}`", lock.display()), e))?;
    file.lock()
        .map_err(|e| Failure::input(format!("cannot lock `{}`", lock.display()), e))?;
    Ok(FileLock { _file: file })
}

/// A `--state FILE` opened for a read–modify–write: locked, read if it exists.
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    _lock: FileLock,
    /// The file's state, `None` if it does not exist.
    genesis: Option<GenesisStorage>,
    chain_spec: bool,
}

impl StateFile {
    /// Locks `path` and reads it if it exists.
    pub fn open(path: &Path) -> Outcome<StateFile> {
        let lock = lock(path)?;
        let (genesis, chain_spec) = match path.exists() {
            true => {
                let bytes = source::read(path)?;
                (
                    Some(source::parse_genesis(path, &bytes)?),
                    source::is_chain_spec(&bytes),
                )
            }
            false => (None, false),
        };
        Ok(StateFile {
            path: path.to_path_buf(),
            _lock: lock,
            genesis,
            chain_spec,
        })
    }

    /// Locks `path` as the destination of a state computed elsewhere (its contents are not
    /// parsed; a chain spec there is still refused by [`StateFile::save`]).
    pub fn open_output(path: &Path) -> Outcome<StateFile> {
        let lock = lock(path)?;
        let chain_spec = path.is_file() && source::is_chain_spec(&source::read(path)?);
        Ok(StateFile {
            path: path.to_path_buf(),
            _lock: lock,
            genesis: None,
            chain_spec,
        })
    }

    /// The state read, if the file existed (taken out).
    pub fn take_genesis(&mut self) -> Option<GenesisStorage> {
        self.genesis.take()
    }

    /// Saves `state` if the run `changed` it or the file does not exist yet; refuses to
    /// overwrite a chain spec.
    pub fn save(&self, state: &dyn Backend, changed: bool) -> Outcome {
        let exists = self.path.exists();
        if exists && !changed {
            return Ok(());
        }
        if self.chain_spec {
            return Err(Failure::new(
                Kind::BadInput,
                format!(
                    "`{}` is a chain spec and is never overwritten: load it with `subexec state import` or give --state another path",
                    self.path.display()
                ),
            ));
        }
        write(&self.path, state)
    }
}

/// Writes `state` to `path` as a state file, atomically (see the module docs).
pub fn write(path: &Path, state: &dyn Backend) -> Outcome {
    write_atomically(path, &mut |out| write_json(out, state))
        .map_err(|e| Failure::caused(Kind::Other, format!("cannot write `{}`", path.display()), e))
}

/// What can fail while writing a state file.
#[derive(thiserror::Error, Debug)]
pub enum WriteError {
    /// The file system.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Reading the state.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Writes what `fill` produces to a temporary file next to `path`, syncs it, renames it over
/// `path` and syncs the directory; on any error the temporary file is removed and `path` is
/// untouched.
pub fn write_atomically(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn Write) -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(".tmp.{}", std::process::id()));
    let temp = dir.join(name);
    let result = (|| {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)?;
        let mut out = BufWriter::new(file);
        fill(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)?;
        File::open(&dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Writes `state` as a state file (the format `source` reads) to `out`, in key order.
pub fn write_json(out: &mut dyn Write, state: &dyn Backend) -> Result<(), WriteError> {
    let mut children = Vec::new();
    out.write_all(b"{\n  \"genesis\": {\n    \"raw\": {\n      \"top\": {")?;
    let mut pairs = PairWriter::new("        ");
    walk(state, TrieId::Main, &mut |key, value| {
        match key.strip_prefix(DEFAULT_CHILD_STORAGE_PREFIX) {
            Some(child) => children.push(child.to_vec()),
            None => pairs.pair(out, key, value)?,
        }
        Ok(())
    })?;
    pairs.end(out, "      ")?;
    out.write_all(b",\n      \"childrenDefault\": {")?;
    let mut first_child = true;
    for child in &children {
        let separator = if first_child { "\n" } else { ",\n" };
        first_child = false;
        write!(out, "{separator}        \"0x{}\": {{", hex::encode(child))?;
        let mut pairs = PairWriter::new("          ");
        walk(state, TrieId::DefaultChild(child), &mut |key, value| {
            pairs.pair(out, key, value)
        })?;
        pairs.end(out, "        ")?;
    }
    if !first_child {
        out.write_all(b"\n      ")?;
    }
    out.write_all(b"}\n    }\n  }\n}\n")?;
    Ok(())
}

/// What [`walk`] calls for every pair.
type WritePair<'a> = &'a mut dyn FnMut(&[u8], &[u8]) -> std::io::Result<()>;

/// Visits every pair of `trie`, stopping at the first write error.
fn walk(state: &dyn Backend, trie: TrieId<'_>, visit: WritePair<'_>) -> Result<(), WriteError> {
    let mut failed = None;
    state.for_each_pair(trie, &mut |key, value| match visit(key, value) {
        Ok(()) => ControlFlow::Continue(()),
        Err(error) => {
            failed = Some(error);
            ControlFlow::Break(())
        }
    })?;
    match failed {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

/// The `"0xKEY": "0xVALUE"` lines of one JSON object.
struct PairWriter {
    indent: &'static str,
    first: bool,
}

impl PairWriter {
    fn new(indent: &'static str) -> Self {
        PairWriter {
            indent,
            first: true,
        }
    }

    fn pair(&mut self, out: &mut dyn Write, key: &[u8], value: &[u8]) -> std::io::Result<()> {
        let separator = if self.first { "\n" } else { ",\n" };
        self.first = false;
        write!(
            out,
            "{separator}{}\"0x{}\": \"0x{}\"",
            self.indent,
            hex::encode(key),
            hex::encode(value)
        )
    }

    fn end(&self, out: &mut dyn Write, indent: &str) -> std::io::Result<()> {
        if self.first {
            out.write_all(b"}")
        } else {
            write!(out, "\n{indent}}}")
        }
    }
}
