//! `--state` on state databases and JSON state files, `subexec state import/export/root`,
//! and bounded file reads (issues 17 and 19).
//!
//! Real data: the Westend genesis and blocks in `conformance/third-party/westend/`. The
//! expected roots are derived, never written down: the genesis root is the state root of the
//! genesis header `subexec_executor::block` derives from the chain spec (block 1's parent
//! hash checks that header against the chain), and block roots come from the block headers.

mod cli_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use cli_common::{hex0x, ok, root_of, subexec, temp, westend, Out};
use parity_scale_codec::{Compact, Decode, Encode};
use subexec_executor::block::json::parse_blocks;
use subexec_executor::block::Importer;
use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::Executor;
use subexec_runtime_blobs::api::{entries, HostCall, StorageParams};

/// The Westend genesis imported into a fresh database in a temporary directory.
fn westend_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let spec = westend().join("chain-spec-raw.json");
    let out = subexec(&[
        "state",
        "import",
        "--chain-spec",
        spec.to_str().unwrap(),
        "--state",
        db.to_str().unwrap(),
    ]);
    ok(&out);
    (dir, db)
}

#[test]
fn westend_genesis_root_and_export_round_trip() {
    let (dir, db) = westend_db();
    let spec = std::fs::read(westend().join("chain-spec-raw.json")).unwrap();
    let importer = Importer::from_genesis(
        &Executor::default(),
        GenesisStorage::from_json(&spec).unwrap(),
    )
    .unwrap();
    let header = importer.genesis_header().unwrap();
    // The derived genesis header is the real one: block 1 points at it.
    let blocks =
        parse_blocks(&std::fs::read(westend().join("blocks-1-128.json")).unwrap()).unwrap();
    assert_eq!(blocks[0].header.parent_hash, header.hash());
    let root = root_of(&db);
    assert_eq!(root, hex0x(&header.state_root));

    // Export, re-import elsewhere: the same root; the export is a valid state file.
    let exported = dir.path().join("westend-state.json");
    ok(&subexec(&[
        "state",
        "export",
        "--state",
        db.to_str().unwrap(),
        "--out",
        exported.to_str().unwrap(),
    ]));
    let state = GenesisStorage::from_json(&std::fs::read(&exported).unwrap()).unwrap();
    let original = GenesisStorage::from_json(&spec).unwrap();
    assert_eq!(state.top, original.top);
    let db2 = dir.path().join("db2");
    ok(&subexec(&[
        "state",
        "import",
        "--chain-spec",
        exported.to_str().unwrap(),
        "--state",
        db2.to_str().unwrap(),
    ]));
    assert_eq!(root_of(&db2), root);
}

#[test]
fn version_inspect_and_upgrade_check_read_a_databases_code() {
    let (_dir, db) = westend_db();
    let spec = westend().join("chain-spec-raw.json");
    let (db, spec) = (db.to_str().unwrap(), spec.to_str().unwrap());
    for command in [&["version"][..], &["inspect", "--json"][..]] {
        let on_db = subexec(&[command, &[db]].concat());
        let on_spec = subexec(&[command, &[spec]].concat());
        assert!(ok(&on_db).contains("westend"), "{}", on_db.stdout);
        assert_eq!(on_db.stdout, on_spec.stdout, "{command:?}");
    }
    let (check, reference) = (
        subexec(&["upgrade-check", db, spec]),
        subexec(&["upgrade-check", spec, spec]),
    );
    assert!(check.stdout.contains("spec_version"), "{}", check.stdout);
    assert_eq!(
        (check.code, check.stdout),
        (reference.code, reference.stdout)
    );

    // A directory that holds no database is refused, not created.
    let empty = tempfile::tempdir().unwrap();
    let out = subexec(&["version", empty.path().to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("not a state database"),
        "{}",
        out.stderr
    );
    assert!(!empty.path().join("metadata").exists());
}

/// `import-blocks --state DB` of `entries` (Westend block-list entries), written to `file`.
fn import_into(db: &Path, file: &Path, entries: &[serde_json::Value]) -> Out {
    std::fs::write(file, serde_json::to_vec(entries).unwrap()).unwrap();
    subexec(&[
        "import-blocks",
        "--state",
        db.to_str().unwrap(),
        "--blocks",
        file.to_str().unwrap(),
    ])
}

#[test]
fn import_blocks_commits_to_a_database_and_a_refused_block_commits_nothing() {
    let (dir, db) = westend_db();
    let all = std::fs::read(westend().join("blocks-1-128.json")).unwrap();
    let list: Vec<serde_json::Value> = serde_json::from_slice(&all).unwrap();
    let blocks = parse_blocks(&all).unwrap();
    let file = dir.path().join("blocks.json");
    ok(&import_into(&db, &file, &list[..6]));
    assert_eq!(root_of(&db), hex0x(&blocks[5].header.state_root));

    // The head records block 6 (the import of the chain spec recorded the genesis, which
    // checked block 1's parent): blocks 1–6 again, or block 8 next, are refused.
    for (list, expected) in [
        (&list[..6], "its number does not follow the head #6"),
        (&list[7..8], "its number does not follow the head #6"),
    ] {
        let out = import_into(&db, &file, list);
        // Exit 2: a block that does not follow the head is bad input (README).
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains(expected), "{}", out.stderr);
        assert_eq!(root_of(&db), hex0x(&blocks[5].header.state_root));
    }

    // Blocks 7, 8 then block 8 again: the third is refused, so 7 and 8 are not committed.
    let mut entries = list[6..8].to_vec();
    entries.push(list[7].clone());
    let out = import_into(&db, &file, &entries);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert_eq!(root_of(&db), hex0x(&blocks[5].header.state_root));

    // The database runs its own `:code`.
    let out = subexec(&[
        "run",
        "--state",
        db.to_str().unwrap(),
        "--call",
        "Core_version",
    ]);
    assert!(ok(&out).contains("runtime: westend"), "{}", out.stdout);
    assert!(
        out.stdout.contains("from the state's :code"),
        "{}",
        out.stdout
    );
    assert_eq!(root_of(&db), hex0x(&blocks[5].header.state_root));
}

/// `HostApi_run` input appending one item to `key` (a "counter": the list's length).
fn append_input(key: &[u8]) -> String {
    hex::encode(vec![HostCall::StorageAppend(key.to_vec(), 1u8.encode())].encode())
}

const COUNTER: &[u8] = b"counter";

/// The number of items appended under [`COUNTER`] in a state file.
fn count_in(file: &Path) -> u32 {
    let state = GenesisStorage::from_json(&std::fs::read(file).unwrap()).unwrap();
    state
        .top
        .get(COUNTER)
        .map_or(0, |v| Compact::<u32>::decode(&mut &v[..]).unwrap().0)
}

#[test]
fn run_on_a_database_commits_successful_calls_only() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("guest.json");
    let db = dir.path().join("db");
    let (f, d) = (file.to_str().unwrap(), db.to_str().unwrap());
    // A runtime-guest state: the demo's state file, loaded into a database.
    ok(&subexec(&["run", "--state", f]));
    ok(&subexec(&[
        "state",
        "import",
        "--chain-spec",
        f,
        "--state",
        d,
    ]));
    let input = append_input(COUNTER);
    for _ in 0..3 {
        ok(&subexec(&[
            "run",
            "--state",
            f,
            "--call",
            entries::HOST_API_RUN,
            "--input",
            &input,
        ]));
        ok(&subexec(&[
            "run",
            "--state",
            d,
            "--call",
            entries::HOST_API_RUN,
            "--input",
            &input,
        ]));
    }
    assert_eq!(count_in(&file), 3);
    // The database and the file went through the same calls: the same root.
    let file_root = ok(&subexec(&["run", "--state", f, "--call", "Core_version"]))
        .lines()
        .last()
        .unwrap()
        .to_string();
    let db_root = root_of(&db);
    assert!(file_root.ends_with(&db_root), "{file_root} vs {db_root}");
    // A failing call commits nothing.
    let out = subexec(&[
        "run",
        "--state",
        d,
        "--call",
        entries::HOST_API_PANIC,
        "--input",
        "0x10626f6f6d",
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(root_of(&db), db_root);
}

#[test]
fn concurrent_runs_on_one_state_file_lose_no_increment() {
    const RUNS: usize = 4;
    const INCREMENTS: usize = 6;
    let state = temp("counter.json");
    let path = state.to_str().unwrap().to_string();
    ok(&subexec(&[
        "run",
        "--state",
        &path,
        "--call",
        "Core_version",
    ]));
    let input = append_input(COUNTER);
    let workers: Vec<_> = (0..RUNS)
        .map(|_| {
            let (path, input) = (path.clone(), input.clone());
            std::thread::spawn(move || {
                for _ in 0..INCREMENTS {
                    let out = subexec(&[
                        "run",
                        "--state",
                        &path,
                        "--call",
                        entries::HOST_API_RUN,
                        "--input",
                        &input,
                    ]);
                    assert_eq!(out.code, 0, "{}", out.stderr);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(count_in(&state), (RUNS * INCREMENTS) as u32);
}

/// `subexec run --state FILE` populating `count` values of `size` bytes.
fn populate(state: &str, count: u32, size: u32) -> Command {
    let input = hex::encode(
        StorageParams {
            count,
            value_size: size,
        }
        .encode(),
    );
    let mut command = Command::new(env!("CARGO_BIN_EXE_subexec"));
    command.args([
        "run",
        "--state",
        state,
        "--call",
        entries::BENCH_STORAGE_POPULATE,
        "--input",
        &input,
    ]);
    command
}

#[test]
fn a_killed_writer_never_leaves_a_truncated_state_file() {
    let state = temp("big.json");
    let path = state.to_str().unwrap();
    // A state file of a few MB, so that writes take a while.
    assert!(populate(path, 4000, 256).status().unwrap().success());
    let before = std::fs::metadata(&*state).unwrap().len();
    assert!(before > 1_000_000, "{before}");
    for round in 0..8u64 {
        let mut child = populate(path, 4000 + round as u32, 256)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(40 + 37 * round));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let bytes = std::fs::read(&*state).unwrap();
        let parsed = GenesisStorage::from_json(&bytes);
        assert!(parsed.is_ok(), "round {round}: {} bytes", bytes.len());
        assert!(parsed.unwrap().top.len() >= 4000, "round {round}");
    }
}

#[test]
fn a_failed_write_keeps_the_old_state_file() {
    let state = temp("full.json");
    let path = state.to_str().unwrap();
    ok(&subexec(&["run", "--state", path]));
    let old = std::fs::read(&*state).unwrap();
    // The file-size limit makes the new file's write fail (EFBIG) as a full disk would
    // (SIGXFSZ ignored, so the write returns the error).
    let input = hex::encode(
        StorageParams {
            count: 2000,
            value_size: 256,
        }
        .encode(),
    );
    let script = format!(
        "trap '' XFSZ; ulimit -f 64; exec \"$0\" run --state '{path}' --call {} --input {input}",
        entries::BENCH_STORAGE_POPULATE
    );
    let out = Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_subexec")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: cannot write"), "{stderr}");
    assert_eq!(std::fs::read(&*state).unwrap(), old);
    // No temporary file is left behind.
    let dir = state.parent().unwrap();
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp.")), "{names:?}");
}

#[test]
fn a_chain_spec_given_as_state_is_never_rewritten() {
    let spec = temp("spec.json");
    let text = serde_json::json!({
        "name": "Guest", "id": "guest", "bootNodes": ["/dns/x/tcp/1"],
        "genesis": {"raw": {"top": {"0x3a636f6465": hex0x(subexec_runtime_blobs::CLASSIC)},
                            "childrenDefault": {}}}
    })
    .to_string();
    std::fs::write(&*spec, &text).unwrap();
    let path = spec.to_str().unwrap();
    // Nothing changed: exit 0, nothing written.
    ok(&subexec(&[
        "run",
        "--state",
        path,
        "--call",
        "Core_version",
    ]));
    assert_eq!(std::fs::read_to_string(&*spec).unwrap(), text);
    // A change: refused with one line, nothing written.
    let out = subexec(&[
        "run",
        "--state",
        path,
        "--call",
        entries::HOST_API_RUN,
        "--input",
        &append_input(COUNTER),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("subexec state import"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&*spec).unwrap(), text);
}

fn sparse(name: &str, len: u64) -> cli_common::TempPath {
    let path = temp(name);
    std::fs::File::create(&*path).unwrap().set_len(len).unwrap();
    path
}

const MIB64: u64 = 64 << 20;
const MIB32: u64 = 32 << 20;

#[test]
fn runtime_and_input_files_are_bounded() {
    // Devices that never end fail fast with the limit.
    let out = subexec(&["run", "--runtime", "/dev/zero"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim_end(),
        format!("error: the runtime file `/dev/zero` is larger than its limit of {MIB64} bytes")
    );
    let out = subexec(&["run", "--call", "Core_version", "--input", "@/dev/zero"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the input file `/dev/zero` is larger than its limit"),
        "{}",
        out.stderr
    );

    // At the limit: read (and then refused as wasm / accepted as input); one past: refused.
    let at = sparse("at.wasm", MIB64);
    let out = subexec(&["run", "--runtime", at.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("error: cannot load the runtime"),
        "{}",
        out.stderr
    );
    let past = sparse("past.wasm", MIB64 + 1);
    let out = subexec(&["run", "--runtime", past.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("larger than its limit"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);

    let at = sparse("at.bin", MIB32);
    let out = subexec(&[
        "run",
        "--call",
        "Core_version",
        "--input",
        &format!("@{}", at.display()),
    ]);
    // Read whole and handed to the runtime, which refuses 32 MiB of zeros as its input.
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Bad input data provided to Core_version"),
        "{}",
        out.stderr
    );
    let past = sparse("past.bin", MIB32 + 1);
    let out = subexec(&[
        "run",
        "--call",
        "Core_version",
        "--input",
        &format!("@{}", past.display()),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("larger than its limit"),
        "{}",
        out.stderr
    );
}

#[test]
fn json_files_are_bounded() {
    // Refused from the metadata, without reading 1 GiB.
    let past = sparse("past.json", (1 << 30) + 1);
    let out = subexec(&["run", "--chain-spec", past.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("larger than its limit of {} bytes", 1u64 << 30)),
        "{}",
        out.stderr
    );
}
