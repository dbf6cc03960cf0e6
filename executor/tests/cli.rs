//! The `subexec` binary.

use std::process::Command;

fn subexec(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_subexec"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_without_a_runtime_runs_the_demo() {
    let (ok, stdout, stderr) = subexec(&["run"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("Demo_initialize: 4 accounts endowed"),
        "{stdout}"
    );
    assert!(stdout.contains("applied 3 transfers, 1 failed"), "{stdout}");
}

#[test]
fn run_core_version_from_the_chain_spec() {
    let spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/node-template/chainspec.json"
    );
    let (ok, stdout, stderr) = subexec(&[
        "run",
        "--chain-spec",
        spec,
        "--call",
        "Core_version",
        "--allow-missing-host-functions",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("output:  165 bytes: 0x346e6f64652d74656d706c617465"),
        "{stdout}"
    );
}

#[test]
fn errors_are_reported_not_panicked() {
    let spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/node-template/chainspec.json"
    );
    // The node-template runtime imports crypto functions the host does not provide.
    let (ok, _, stderr) = subexec(&["run", "--chain-spec", spec]);
    assert!(!ok);
    assert!(
        stderr.contains("runtime requires host functions that are not provided"),
        "{stderr}"
    );
    let (ok, _, stderr) = subexec(&["run", "--runtime", "/nonexistent/blob.wasm"]);
    assert!(!ok);
    assert!(stderr.starts_with("error:"), "{stderr}");
}

#[test]
fn fuel_and_results_are_identical_across_processes() {
    let first = subexec(&["run", "--fuel", "1000000000"]);
    let second = subexec(&["run", "--fuel", "1000000000"]);
    assert!(first.0, "{}", first.2);
    assert!(first.1.contains("fuel Some("), "{}", first.1);
    assert_eq!(first, second);
}
