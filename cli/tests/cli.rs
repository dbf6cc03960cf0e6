//! The `subexec` binary: output, exit codes, state files, inputs, inspect, upgrade-check,
//! conformance.

mod cli_common;
// The node-template runtime; one file with the executor's tests and the benches.
#[path = "../../executor/tests/node_template_common/mod.rs"]
mod node_template_common;

use cli_common::{subexec, temp, TempPath};
use node_template_common::CHAIN_SPEC;

#[test]
fn run_without_a_runtime_runs_the_demo() {
    let out = subexec(&["run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let s = &out.stdout;
    assert!(s.contains("Demo_initialize: 4 accounts endowed"), "{s}");
    // 250 000 + 100 + 42 moved; 4 endowments + 3 transfers + 1 failure = 8 events.
    assert!(
        s.contains("block 1 applied 3 transfers, 1 failed, 250142 moved, 8 events"),
        "{s}"
    );
    // 4 accounts + Events + EventCount; then Number + 5 accounts + Events + EventCount.
    assert!(s.contains("storage: 6 main-trie changes"), "{s}");
    assert!(s.contains("storage: 8 main-trie changes"), "{s}");
    assert!(s.contains("heap:    "), "{s}");
    assert!(s.contains("state root (V1): 0x"), "{s}");
}

#[test]
fn run_json_is_one_document_with_every_change() {
    let out = subexec(&["run", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let calls = doc["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["output"], "0x04000000");
    assert_eq!(calls[1]["changes"]["main"].as_object().unwrap().len(), 8);
    assert_eq!(doc["runtime"]["spec_version"], 1);
    assert!(doc["storage_root"].as_str().unwrap().starts_with("0x"));
}

#[test]
fn run_core_version_from_the_chain_spec() {
    let out = subexec(&[
        "run",
        "--chain-spec",
        CHAIN_SPEC,
        "--call",
        "Core_version",
        "--allow-missing-host-functions",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // expected.json: 165 bytes starting with SCALE "node-template"; genesis root (smoldot).
    assert!(
        out.stdout
            .contains("output:  165 bytes: 0x346e6f64652d74656d706c617465"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "state root (V0): 0x28a2db05aaa4e84e88c6be28ca49d45b0433f8abee421b092dfa0f4dd85787a6"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn bad_input_exits_2_with_the_cause_chain() {
    // A classic runtime importing a host function the host does not provide.
    let missing = temp("missing-host-function.wasm");
    std::fs::write(
        &missing,
        wat::parse_str(
            r#"(module
  (import "env" "memory" (memory 1))
  (import "env" "ext_no_such_function_version_1" (func (param i32)))
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "Core_version") (param i32 i32) (result i64) i64.const 0))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let out = subexec(&["run", "--runtime", missing.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("error: cannot load the runtime: "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(": runtime requires host functions that are not provided"),
        "{}",
        out.stderr
    );
    let out = subexec(&["run", "--runtime", "/nonexistent/blob.wasm"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("error: cannot read `/nonexistent/blob.wasm`"),
        "{}",
        out.stderr
    );
    let out = subexec(&["run", "--call", "Core_version", "--input", "xyz"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let out = subexec(&["run", "--call", "No_such_entry"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("runtime does not export `No_such_entry`"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_runtime_panic_exits_3() {
    // SCALE String "boom": compact length 4 (0x10) then the bytes.
    let out = subexec(&["run", "--call", "HostApi_panic", "--input", "0x10626f6f6d"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim_end(),
        "error: `HostApi_panic` failed: Runtime panicked: boom"
    );
}

#[test]
fn state_persists_between_runs_and_input_reads_files() {
    let state = temp("state.json");
    let _ = std::fs::remove_file(&state);
    let state_arg = state.to_str().unwrap();
    let out = subexec(&["run", "--state", state_arg]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let root = out.stdout.lines().last().unwrap().to_string();
    // A run with only Core_version on the saved state: nothing changes, same root.
    let out = subexec(&["run", "--state", state_arg, "--call", "Core_version"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("storage: 0 main-trie changes"),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.lines().last().unwrap(), root);

    // Upgrade through --input @FILE: SCALE Vec<u8> of the v2 blob, then v2 runs from the state.
    let input = temp("set_code.bin");
    use parity_scale_codec::Encode;
    std::fs::write(&input, subexec_runtime_blobs::CLASSIC_V2.to_vec().encode()).unwrap();
    let at_input = format!("@{}", input.display());
    let out = subexec(&[
        "run",
        "--runtime",
        write_classic("0").to_str().unwrap(),
        "--state",
        state_arg,
        "--call",
        "Upgrade_set_code",
        "--input",
        &at_input,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("upgrade: subexec-guest spec_version 1 -> 2"),
        "{}",
        out.stdout
    );
    let out = subexec(&["run", "--state", state_arg, "--call", "Core_version"]);
    assert!(
        out.stdout
            .contains("(spec_version 2), from the state's :code"),
        "{}",
        out.stdout
    );
}

/// Writes the classic blob to a file of its own for `test` (tests run in parallel).
fn write_classic(test: &str) -> TempPath {
    let path = temp(&format!("classic-{test}.wasm"));
    std::fs::write(&path, subexec_runtime_blobs::CLASSIC).unwrap();
    path
}

#[test]
fn inspect_reports_the_node_template_blob() {
    let out = subexec(&["inspect", CHAIN_SPEC]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let s = &out.stdout;
    // Figures from expected.json: 140 020-byte compressed blob, 502 942-byte wasm, env.memory
    // 17 pages, 29 function imports + the memory, custom sections.
    assert!(
        s.contains("blob:       140020 bytes, zstd-compressed"),
        "{s}"
    );
    assert!(s.contains("wasm:       502942 bytes"), "{s}");
    assert!(s.contains("imported as env.memory: 17 pages"), "{s}");
    assert!(s.contains("imports (30):"), "{s}");
    assert!(s.contains("custom `runtime_version`"), "{s}");
    assert!(s.contains("mode:       classic"), "{s}");
    assert!(
        s.contains("version:    node-template spec_version 100"),
        "{s}"
    );
}

#[test]
fn upgrade_check_allows_v1_to_v2_and_refuses_the_reverse() {
    let v1 = write_classic("1");
    let v1 = v1.to_str().unwrap();
    let v2 = temp("classic_v2.wasm");
    std::fs::write(&v2, subexec_runtime_blobs::CLASSIC_V2).unwrap();
    let v2 = v2.to_str().unwrap();
    let out = subexec(&["upgrade-check", v1, v2]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("* spec_version"), "{}", out.stdout);
    assert!(
        out.stdout.contains("verdict: upgrade allowed"),
        "{}",
        out.stdout
    );
    let out = subexec(&["upgrade-check", v2, v1]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("verdict: upgrade refused"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("spec_version 1 is not higher than the running 2"),
        "{}",
        out.stderr
    );
}

#[test]
fn conformance_passes_the_repository_vectors_and_fails_a_broken_one() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance");
    let out = subexec(&["conformance", dir]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("vectors passed"), "{}", out.stdout);
    assert!(!out.stdout.contains("FAIL"), "{}", out.stdout);

    let broken = temp("broken.json");
    std::fs::write(
        &broken,
        r#"{"name":"broken","runtime":{"bundled":"classic"},
            "calls":[{"call":"Demo_initialize","input":"0x00","expect":{"output":"0x01000000"}}]}"#,
    )
    .unwrap();
    let out = subexec(&["conformance", broken.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    // An empty endowment list writes nothing and returns 0 accounts.
    assert!(
        out.stdout.contains("FAIL broken (1 mismatches)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("- expected: 4 bytes, first difference at byte 0: 0x01000000"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("+ actual:   4 bytes, first difference at byte 0: 0x00000000"),
        "{}",
        out.stdout
    );
}

#[test]
fn fuel_and_results_are_identical_across_processes() {
    let first = subexec(&["run", "--fuel", "1000000000"]);
    let second = subexec(&["run", "--fuel", "1000000000"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stdout.contains("fuel:    "), "{}", first.stdout);
    assert!(!first.stdout.contains("not metered"), "{}", first.stdout);
    assert_eq!(
        (first.code, &first.stdout, &first.stderr),
        (second.code, &second.stdout, &second.stderr)
    );
}

#[test]
fn inspect_tells_the_two_abis_apart() {
    let guest = temp("guest_allocator.wasm");
    std::fs::write(&guest, subexec_runtime_blobs::GUEST_ALLOCATOR).unwrap();
    let out = subexec(&["inspect", guest.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // abi.md §3: `(i32) -> i64` entries, the runtime exports its memory.
    assert!(
        out.stdout
            .contains("mode:       guest allocator (RFC-0145)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("exported as `memory`"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("blob:       "), "{}", out.stdout);
    assert!(out.stdout.contains("not compressed"), "{}", out.stdout);

    let out = subexec(&["inspect", write_classic("2").to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // abi.md §2: `(i32, i32) -> i64` entries, `env.memory` imported, `__heap_base` exported.
    assert!(
        out.stdout.contains("mode:       classic (host allocator)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("imported as env.memory"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("heap base:  not exported"),
        "{}",
        out.stdout
    );

    let out = subexec(&["inspect", "/nonexistent"]);
    assert_eq!(out.code, 2);
}

/// The product's wasmi has no text parser (`wat` feature off): `inspect` refuses a `.wat` file
/// as bad input with a message that says why, as `run` refuses it.
#[test]
fn inspect_and_run_refuse_wasm_text() {
    let text = temp("runtime.wat");
    std::fs::write(
        &text,
        "(module (memory (export \"memory\") 1) (func (export \"Core_version\") (param i32) (result i64) i64.const 0))",
    )
    .unwrap();
    let out = subexec(&["inspect", text.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("error: the blob is not a binary wasm module"),
        "{}",
        out.stderr
    );
    let out = subexec(&[
        "run",
        "--runtime",
        text.to_str().unwrap(),
        "--call",
        "Core_version",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("invalid wasm module"), "{}", out.stderr);
}

#[test]
fn inspect_json_carries_the_expected_json_figures() {
    let out = subexec(&["inspect", "--json", CHAIN_SPEC]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    // expected.json: 140 020 / 502 942 bytes, 29 function imports + env.memory, spec 100,
    // 10 APIs with Core (0xdf6acb689907609b) at version 3.
    assert_eq!(doc["blob_bytes"], 140020);
    assert_eq!(doc["wasm_bytes"], 502942);
    assert_eq!(doc["compressed"], true);
    assert_eq!(doc["imports"].as_array().unwrap().len(), 30);
    assert_eq!(doc["version"]["spec_version"], 100);
    let apis = doc["version"]["apis"].as_array().unwrap();
    assert_eq!(apis.len(), 10);
    assert!(apis.contains(&serde_json::json!({"id": "0xdf6acb689907609b", "version": 3})));
}

#[test]
fn running_out_of_fuel_exits_3_and_saves_no_state() {
    let state = temp("fuel-state.json");
    let _ = std::fs::remove_file(&state);
    let out = subexec(&["run", "--fuel", "1000", "--state", state.to_str().unwrap()]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim_end(),
        "error: `Demo_initialize` failed: out of fuel (budget 1000)"
    );
    assert!(!state.exists());
}
