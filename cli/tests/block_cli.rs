//! `subexec import-blocks` and `execute-block` on Westend's real genesis and blocks, and the
//! runtime logs (`-l/--log`, `--json`).

mod cli_common;

use cli_common::{subexec, temp};
use parity_scale_codec::Encode;
use serde_json::Value;
use subexec_runtime_blobs::api::{entries, HostCall, HostReturn};

fn westend(name: &str) -> String {
    format!(
        "{}/../conformance/third-party/westend/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn spec() -> String {
    westend("chain-spec-raw.json")
}

fn entries_json() -> Vec<Value> {
    let text = std::fs::read(westend("blocks-1-128.json")).unwrap();
    serde_json::from_slice(&text).unwrap()
}

/// A temporary file holding `value` as JSON.
fn json_file(name: &str, value: &Value) -> cli_common::TempPath {
    let path = temp(name);
    std::fs::write(&path, serde_json::to_vec(value).unwrap()).unwrap();
    path
}

fn block1_root() -> String {
    let header = entries_json()[0]["header"].as_str().unwrap().to_string();
    // parent (32) + compact number 1 (1 byte) + state root (32), in hex after "0x".
    format!("0x{}", &header[2 + 66..2 + 66 + 64])
}

#[test]
fn import_blocks_imports_block_1_and_saves_the_state() {
    let blocks = json_file("blocks.json", &Value::Array(entries_json()[..1].to_vec()));
    let state = temp("state.json");
    let out = subexec(&[
        "import-blocks",
        "--chain-spec",
        &spec(),
        "--blocks",
        blocks.to_str().unwrap(),
        "--verbose",
        "--state",
        state.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let hash1 = entries_json()[0]["hash"].as_str().unwrap().to_string();
    assert!(
        out.stdout.contains(&format!("#1 {hash1}")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("imported 1 blocks in"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("blocks/s"), "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!("head: #1 {hash1}")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(&format!("state root (V0): {}", block1_root())),
        "{}",
        out.stdout
    );
    // No progress bar off a terminal.
    assert!(out.stderr.is_empty(), "{}", out.stderr);

    // The saved state is block 1's: executing block 1 again on it fails in the runtime
    // (its timestamp does not advance), exit code 3.
    let block1 = json_file("block1.json", &entries_json()[0]);
    let again = subexec(&[
        "execute-block",
        "--state",
        state.to_str().unwrap(),
        "--block",
        block1.to_str().unwrap(),
    ]);
    assert_eq!(again.code, 3, "{}", again.stderr);
    assert!(again.stderr.contains("block #1"), "{}", again.stderr);
}

#[test]
fn execute_block_runs_one_block_on_a_state() {
    let block1 = json_file("block1.json", &entries_json()[0]);
    let after = temp("after.json");
    let out = subexec(&[
        "execute-block",
        "--state",
        &spec(),
        "--block",
        block1.to_str().unwrap(),
        "--output-state",
        after.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out
        .stdout
        .contains(&format!("state root (V0): {}", block1_root())));
    // The state written is the one after block 1: importing it as a state keeps its root.
    let state: Value = serde_json::from_slice(&std::fs::read(&*after).unwrap()).unwrap();
    assert!(state["genesis"]["raw"]["top"].as_object().unwrap().len() > 93);

    // The same block as SCALE bytes.
    let header = hex::decode(&entries_json()[0]["header"].as_str().unwrap()[2..]).unwrap();
    let mut scale = header;
    let extrinsics = entries_json()[0]["extrinsics"].as_array().unwrap().clone();
    parity_scale_codec::Compact(extrinsics.len() as u32).encode_to(&mut scale);
    for e in &extrinsics {
        scale.extend(hex::decode(&e.as_str().unwrap()[2..]).unwrap());
    }
    let bin = temp("block1.bin");
    std::fs::write(&bin, scale).unwrap();
    let out = subexec(&[
        "execute-block",
        "--state",
        &spec(),
        "--block",
        bin.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["state_root"], block1_root());
    assert_eq!(doc["blocks"][0]["number"], 1);
}

#[test]
fn exit_codes_name_the_failure() {
    let all = entries_json();
    // Block 2 first from genesis: not the head's successor, bad input (2).
    let out_of_order = json_file("b.json", &Value::Array(vec![all[1].clone()]));
    let out = subexec(&[
        "import-blocks",
        "--chain-spec",
        &spec(),
        "--blocks",
        out_of_order.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("block #2"), "{}", out.stderr);
    assert!(
        out.stderr.contains("does not follow the head #0"),
        "{}",
        out.stderr
    );

    // A recorded hash that is not the header's: bad input (2), before anything runs.
    let mut wrong_hash = all[0].clone();
    wrong_hash["hash"] = Value::String(format!("0x{}", "00".repeat(32)));
    let file = json_file("b.json", &Value::Array(vec![wrong_hash]));
    let out = subexec(&[
        "import-blocks",
        "--chain-spec",
        &spec(),
        "--blocks",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("its header hashes to"),
        "{}",
        out.stderr
    );

    // One byte of an extrinsic changed: the runtime panics (3), with its message.
    let mut bad = all[0].clone();
    let mut ext = hex::decode(&bad["extrinsics"][0].as_str().unwrap()[2..]).unwrap();
    // The timestamp's least significant byte (0x28 length, 0x04 version, 0x02 0x00 call,
    // 0x0b compact mode, then the value, little-endian).
    ext[5] ^= 0x01;
    let flipped = format!("0x{}", hex::encode(ext));
    bad["extrinsics"][0] = Value::String(flipped);
    let file = json_file("b.json", &Value::Array(vec![bad]));
    let out = subexec(&[
        "import-blocks",
        "--chain-spec",
        &spec(),
        "--blocks",
        file.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("block #1"), "{}", out.stderr);
    assert!(
        out.stderr.contains("`Core_execute_block`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Transaction trie root must be valid"),
        "{}",
        out.stderr
    );
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["blocks"].as_array().unwrap().len(), 0);
    assert_eq!(doc["error"]["number"], 1);
    assert_eq!(doc["error"]["call"], "Core_execute_block");
    assert_eq!(doc["summary"]["head"]["number"], 0);
}

/// `subexec run` of `HostApi_run` on the bundled runtime with one log line at `level` and a
/// `max_level` read; returns the run's output.
fn run_logging(extra: &[&str], level: u32) -> cli_common::Out {
    let script = vec![
        HostCall::Log {
            level,
            target: b"runtime::test".to_vec(),
            message: b"hello from the runtime".to_vec(),
        },
        HostCall::LogMaxLevel,
    ];
    let input = hex::encode(script.encode());
    let mut args = vec!["run", "--call", entries::HOST_API_RUN, "--input", &input];
    args.extend_from_slice(extra);
    subexec(&args)
}

fn max_level_returned(doc: &Value) -> u32 {
    let output = hex::decode(&doc["calls"][0]["output"].as_str().unwrap()[2..]).unwrap();
    let returns: Vec<HostReturn> = parity_scale_codec::Decode::decode(&mut &output[..]).unwrap();
    match returns[1] {
        HostReturn::U32(level) => level,
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn log_directives_print_runtime_lines_and_set_the_max_level() {
    // Without a directive: nothing printed, max level Off (0); the line is still in --json.
    let out = run_logging(&["--json"], 3);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("hello"), "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(max_level_returned(&doc), 0);
    let lines = &doc["calls"][0]["logs"]["lines"];
    assert_eq!(lines[0]["level"], "DEBUG");
    assert_eq!(lines[0]["target"], "runtime::test");
    assert_eq!(lines[0]["message"], "hello from the runtime");

    // -l runtime=debug: printed, and the runtime reads Debug (4).
    let out = run_logging(&["-l", "runtime=debug", "--json"], 3);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("DEBUG runtime::test: hello from the runtime"),
        "{}",
        out.stderr
    );
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(max_level_returned(&doc), 4);

    // A level above the directive's is not printed; the max level is the directive's.
    let out = run_logging(&["--log", "runtime=info", "--json"], 4);
    assert!(!out.stderr.contains("hello"), "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(max_level_returned(&doc), 3);

    // RUST_LOG works too; -l comes after it and wins for the same target.
    let run_env = |rust_log: &str, extra: &[&str]| {
        let script = vec![HostCall::LogMaxLevel];
        let input = hex::encode(script.encode());
        let mut args = vec![
            "run",
            "--call",
            entries::HOST_API_RUN,
            "--input",
            &input,
            "--json",
        ];
        args.extend_from_slice(extra);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_subexec"))
            .args(&args)
            .env("RUST_LOG", rust_log)
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let output = hex::decode(&doc["calls"][0]["output"].as_str().unwrap()[2..]).unwrap();
        let returns: Vec<HostReturn> =
            parity_scale_codec::Decode::decode(&mut &output[..]).unwrap();
        returns[0].clone()
    };
    assert_eq!(run_env("trace", &[]), HostReturn::U32(5));
    assert_eq!(
        run_env("runtime=trace", &["-l", "runtime=warn"]),
        HostReturn::U32(2)
    );

    // A malformed directive is bad input.
    let out = run_logging(&["-l", "runtime=loud"], 3);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("runtime=loud"), "{}", out.stderr);
}

#[test]
fn import_blocks_imports_all_128_with_json_and_the_validator_budget() {
    let state = temp("state.json");
    let out = subexec(&[
        "import-blocks",
        "--chain-spec",
        &spec(),
        "--blocks",
        &westend("blocks-1-128.json"),
        "--json",
        "--memory-budget",
        "validator",
        "--state",
        state.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let blocks = doc["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 128);
    let all = entries_json();
    for (record, entry) in blocks.iter().zip(&all) {
        assert_eq!(record["hash"], entry["hash"]);
        let header = entry["header"].as_str().unwrap();
        // The state root follows the parent hash and the compact number (1 or 2 bytes).
        let number = entry["number"].as_u64().unwrap();
        let at = 2 + 64 + if number < 64 { 2 } else { 4 };
        assert_eq!(record["state_root"], format!("0x{}", &header[at..at + 64]));
        let budget = &record["memory_budget"];
        assert_eq!(budget["budget_bytes"], 2080u64 * 65536);
        assert!(budget["headroom_bytes"].as_i64().unwrap() > 0);
        assert!(record["logs"]["lines"].is_array());
    }
    let least = blocks
        .iter()
        .map(|b| b["memory_budget"]["headroom_bytes"].as_i64().unwrap())
        .min()
        .unwrap();
    let closest = &doc["closest_to_memory_budget"];
    assert_eq!(closest["headroom_bytes"], least);
    let closest_number = closest["number"].as_u64().unwrap() as usize;
    assert_eq!(
        blocks[closest_number - 1]["memory_budget"]["headroom_bytes"],
        least
    );
    assert_eq!(doc["summary"]["blocks"], 128);
    assert_eq!(doc["summary"]["head"]["number"], 128);
    assert_eq!(doc["summary"]["head"]["hash"], all[127]["hash"]);
    assert_eq!(doc["summary"]["state_root"], blocks[127]["state_root"]);
    assert!(doc["error"].is_null());

    // The saved head state, as a state file: block 128 cannot follow it again (exit 3), and
    // the text summary names the budget's closest block.
    let text = subexec(&[
        "import-blocks",
        "--chain-spec",
        &spec(),
        "--blocks",
        &westend("blocks-1-128.json"),
        "--memory-budget",
        "validator",
    ]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains("#128: heap footprint"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(&format!(
            "closest to the validator (2080 pages) budget: block #{closest_number}"
        )),
        "{}",
        text.stdout
    );
    let last = json_file("b128.json", &all[127]);
    let again = subexec(&[
        "execute-block",
        "--state",
        state.to_str().unwrap(),
        "--block",
        last.to_str().unwrap(),
    ]);
    assert_eq!(again.code, 3, "{}", again.stderr);
}

#[test]
fn a_root_mismatch_exits_with_1() {
    use subexec_executor::block::{genesis_header, Block, Digest, Header};
    use subexec_executor::storage::{trie_root::trie_root, StateVersion};
    // A runtime that checks nothing: `Core_execute_block` returns at once, so only the
    // importer's own root comparison can refuse the block.
    let version = "\\04t\\04t\\00\\00\\00\\00\\01\\00\\00\\00\\00\\00\\00\\00\\00";
    let wasm = wat::parse_str(format!(
        r#"(module
  (import "env" "memory" (memory 2))
  (global (export "__heap_base") i32 (i32.const 8192))
  (data (i32.const 16) "{version}")
  (func (export "Core_version") (param i32 i32) (result i64)
    (i64.or (i64.const 16) (i64.shl (i64.const 17) (i64.const 32))))
  (func (export "Core_execute_block") (param i32 i32) (result i64)
    (i64.const 0)))"#
    ))
    .unwrap();
    let mut top = std::collections::BTreeMap::new();
    top.insert(b":code".to_vec(), wasm.clone());
    let root = trie_root(StateVersion::V0, &top);
    let spec = json_file(
        "spec.json",
        &serde_json::json!({
            "name": "test", "id": "test",
            "genesis": {"raw": {"top": {"0x3a636f6465": format!("0x{}", hex::encode(&wasm))}}}
        }),
    );
    let block = |state_root| {
        let header = Header {
            parent_hash: genesis_header(root).hash(),
            number: 1,
            state_root,
            extrinsics_root: [0; 32],
            digest: Digest::default(),
        };
        subexec_executor::block::json::block_to_json(&Block::new(header, vec![]).unwrap())
    };
    let run = |state_root| {
        let blocks = json_file("b.json", &Value::Array(vec![block(state_root)]));
        subexec(&[
            "import-blocks",
            "--chain-spec",
            spec.to_str().unwrap(),
            "--blocks",
            blocks.to_str().unwrap(),
        ])
    };
    let good = run(root);
    assert_eq!(good.code, 0, "{}", good.stderr);
    let bad = run([7; 32]);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("block #1"), "{}", bad.stderr);
    assert!(
        bad.stderr.contains(&format!(
            "the state root after execution is 0x{}, the header says 0x{}",
            hex::encode(root),
            "07".repeat(32)
        )),
        "{}",
        bad.stderr
    );
}
