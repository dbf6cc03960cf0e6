//! Running the `subexec` binary from the CLI tests (`cli.rs`, `memory_cli.rs`).
#![allow(dead_code)]

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a run of the binary left: exit code and both streams.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `subexec` with `args`.
pub fn subexec(args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_subexec"))
        .args(args)
        .output()
        .expect("runs");
    Out {
        code: out.status.code().expect("exited"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A file path in a temporary directory of its own, removed (with the file) on drop.
pub struct TempPath {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Deref for TempPath {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for TempPath {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

/// A path for `name` in a fresh temporary directory that lives as long as the returned value.
pub fn temp(name: &str) -> TempPath {
    let dir = tempfile::Builder::new()
        .prefix(concat!("subexec-", env!("CARGO_CRATE_NAME"), "-"))
        .tempdir()
        .expect("temporary directory");
    TempPath {
        path: dir.path().join(name),
        _dir: dir,
    }
}

/// The Westend data in the repository's conformance copy.
pub fn westend() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/third-party/westend")
}

/// The stdout of a run that must have exited 0 (else both streams in the panic).
pub fn ok(out: &Out) -> &str {
    assert_eq!(
        out.code, 0,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    &out.stdout
}

/// `subexec state root --state DB`, trimmed.
pub fn root_of(db: &Path) -> String {
    ok(&subexec(&[
        "state",
        "root",
        "--state",
        db.to_str().unwrap(),
    ]))
    .trim()
    .to_string()
}

/// `0x` and lower-case hex.
pub fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}
