//! Running the `subexec` binary from the CLI tests (`cli.rs`, `memory_cli.rs`).
#![allow(dead_code)]

use std::path::PathBuf;
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

/// The node-template chain spec of the shared conformance data.
pub fn chain_spec() -> &'static str {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/node-template/chainspec.json"
    )
}

/// A path for `name` in a directory of this test binary and process.
pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "subexec-{}-{}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}
