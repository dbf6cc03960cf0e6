//! `subexec` on an engine panic (`subexec_executor::panic_guard`, tested in the executor's
//! `tests/engine_panic.rs`): the command line reports it as a failed call, never a crash.

mod cli_common;

use cli_common::subexec;

/// `subexec run` on finding 6's module: the engine panic (unpatched wasmi) is printed as the
/// typed error with the exit code of a failed call (3), never the panic exit code 101; a
/// wasmi that translates the store gives the trap, with the same exit code.
#[test]
fn cli_reports_an_engine_panic_as_a_failed_call() {
    let wat_src = r#"(module
  (memory (export "memory") 1)
  (func (export "entry") (export "Core_version") (param i32) (result i64)
    local.get 0  i32.eqz  local.set 0
    local.get 0  local.get 0
    i32.store offset=65536
    i64.const 0))"#;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("finding6.wasm");
    std::fs::write(&path, wat::parse_str(wat_src).expect("valid wat")).expect("written");
    let out = subexec(&[
        "run",
        "--runtime",
        path.to_str().expect("utf-8"),
        "--call",
        "entry",
    ]);
    let stderr = out.stderr;
    assert_eq!(out.code, 3, "{stderr}");
    let panicked = "the wasm engine panicked: internal error: entered unreachable code";
    let trapped = "wasm trap: out of bounds memory access";
    assert!(
        stderr.contains(&format!(
            "error: cannot read the runtime's version: Core_version call failed: {panicked}"
        )) || stderr.contains(trapped),
        "{stderr}"
    );
}
