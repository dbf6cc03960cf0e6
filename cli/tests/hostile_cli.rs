//! Hostile conditions around the command line: a closed or full standard output.
//!
//! `println!` used to panic (exit 101) on a write error, and with `--state` the panic came
//! before the save, dropping a successful run's changes. Now a write error is exit code 1 with
//! one error line, and `run --state` saves before its last output.

mod cli_common;

use std::fs::File;
use std::process::{Command, Stdio};

use cli_common::temp;

fn subexec_to_dev_full(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_subexec"))
        .args(args)
        .stdout(File::create("/dev/full").expect("/dev/full"))
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn full_stdout_is_exit_1_with_one_error_line() {
    for args in [&["run"][..], &["run", "--json"]] {
        let (code, stderr) = subexec_to_dev_full(args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: could not write to standard output"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn run_with_state_saves_before_its_last_output() {
    let state = temp("state.json");
    let path = state.to_str().unwrap();
    let (code, stderr) = subexec_to_dev_full(&["run", "--json", "--state", path]);
    assert_eq!(code, 1, "{stderr}");
    // The run's changes were saved although printing them failed.
    let saved = std::fs::read_to_string(&*state).expect("the state was saved");
    assert!(saved.len() > 2, "{saved}");
}
