//! Replays every committed seed and crash input through its target's code, and checks that
//! the harnesses themselves produce what they are meant to (loadable modules, a working
//! host-call interpreter). Runs on stable: `cargo test` in `fuzz/`.

use std::path::{Path, PathBuf};

use parity_scale_codec::Encode;
use subexec_fuzz::{allocator_diff, blob_input, host_api, outcome, raw_host_calls, smith};
use subexec_host_functions::HostMode;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("readable directory").path();
            if path.is_file() {
                let bytes = std::fs::read(&path).expect("readable input");
                inputs.push((path, bytes));
            }
        }
    }
    inputs.sort();
    inputs
}

/// Runs `target`'s code on each of its committed inputs (there must be some), naming each.
fn replay(target: &str, run: impl Fn(&[u8])) {
    let inputs = inputs(target);
    assert!(!inputs.is_empty());
    for (path, data) in inputs {
        eprintln!("{}", path.display());
        run(&data);
    }
}

#[test]
fn allocator_differential_inputs_replay() {
    replay("allocator_differential", allocator_diff::run_bytes);
}

#[test]
fn executor_modules_inputs_replay() {
    replay("executor_modules", smith::run);
}

#[test]
fn host_api_inputs_replay() {
    replay("host_api", host_api::run);
}

#[test]
fn blob_loading_inputs_replay() {
    replay("blob_loading", blob_input::run);
}

/// The wasm-smith configuration yields modules the executor accepts in both modes (imports
/// from the host API with the right signatures, a memory, the entry, `__heap_base` for
/// classic), not only load errors, and the executor detects the mode the input selected.
#[test]
fn smith_modules_load_in_both_modes() {
    let executor = outcome::executor();
    for mode_bit in [0u8, 0x40] {
        let mut loaded = 0;
        for seed in 0u32..64 {
            let mut data: Vec<u8> = (0..2048u32)
                .map(|i| {
                    (i.wrapping_mul(2_654_435_761)
                        .wrapping_add(seed.wrapping_mul(40_503))
                        >> 13) as u8
                })
                .collect();
            data[0] = (data[0] & !0x40) | mode_bit;
            if let Some((mode, wasm, _)) = smith::module_and_input(&data) {
                match executor.load(&wasm) {
                    Ok(runtime) => {
                        assert_eq!(runtime.mode(), mode, "seed {seed}");
                        loaded += 1;
                    }
                    Err(error) => eprintln!("seed {seed} ({mode}): {error}"),
                }
            }
        }
        assert!(
            loaded >= 16,
            "only {loaded} of 64 generated modules load (mode bit {mode_bit:#x})"
        );
    }
}

/// Both interpreters import exactly what their mode allows: together every registry
/// function, the shared ones in both.
#[test]
fn interpreters_cover_the_registry() {
    use subexec_host_functions::{FunctionStyle, HostFunction};
    let classic = smith::functions_for(HostMode::Classic);
    let guest = smith::functions_for(HostMode::GuestAllocator);
    for function in HostFunction::ALL {
        let in_classic = classic.contains(function);
        let in_guest = guest.contains(function);
        match function.style() {
            FunctionStyle::Shared => assert!(in_classic && in_guest, "{function:?}"),
            FunctionStyle::HostAllocating => assert!(in_classic && !in_guest, "{function:?}"),
            FunctionStyle::GuestAllocating => assert!(!in_classic && in_guest, "{function:?}"),
        }
    }
    for mode in [HostMode::Classic, HostMode::GuestAllocator] {
        let runtime = outcome::executor()
            .load(raw_host_calls::interpreter(mode))
            .expect("the interpreter loads");
        assert_eq!(runtime.mode(), mode);
    }
}

/// `export_memory` adds exactly one `memory` export, and leaves a module that has one alone.
#[test]
fn export_memory_adds_the_export_once() {
    let module = wat::parse_str("(module (memory 1) (func (export \"f\")))").unwrap();
    let with = smith::export_memory(&module).unwrap();
    assert_ne!(with, module);
    assert_eq!(smith::export_memory(&with).unwrap(), with);
    let executor = subexec_executor::Executor::default();
    let memory_export = wat::parse_str(
        "(module (memory (export \"memory\") 1) (global (export \"__heap_base\") i32 (i32.const 0)))",
    )
    .unwrap();
    let added = smith::export_memory(
        &wat::parse_str("(module (memory 1) (global (export \"__heap_base\") i32 (i32.const 0)))")
            .unwrap(),
    )
    .unwrap();
    // Both the hand-written and the patched module have a memory the executor finds.
    assert!(executor.load(&memory_export).is_ok());
    assert!(executor.load(&added).is_ok());
}

/// The raw interpreter really calls the host functions: `ext_storage_set_version_1` with fat
/// pointers into its data segment writes `"a" => "bcde"`.
#[test]
fn raw_interpreter_calls_the_host() {
    let runtime = outcome::executor()
        .load(raw_host_calls::interpreter(HostMode::Classic))
        .unwrap();
    let set = subexec_fuzz::raw_host_calls::record_for(
        HostMode::Classic,
        "ext_storage_set_version_1",
        &[(1u64 << 32) | 16, (4u64 << 32) | 17],
    );
    let mut storage = subexec_executor::empty_storage();
    let outcome = runtime
        .call(&mut storage, raw_host_calls::ENTRY, &set)
        .expect("the call succeeds");
    assert!(outcome.output.is_empty());
    let changes = storage.changes();
    assert_eq!(changes.main.get(&b"a"[..]), Some(&Some(b"bcde".to_vec())));
}

/// A script of the structured half round-trips through the runtime-guest in both modes
/// (classic and guest-allocator): a set then a get returns the value.
#[test]
fn host_script_reaches_the_runtime() {
    use subexec_runtime_blobs::api::{entries, HostCall, HostReturn};
    let runtime = outcome::executor()
        .load(subexec_runtime_blobs::CLASSIC)
        .unwrap();
    let script = vec![
        HostCall::StorageSet(b"k".to_vec(), b"v".to_vec()),
        HostCall::StorageGet(b"k".to_vec()),
    ];
    let out = runtime
        .call(
            &mut subexec_executor::empty_storage(),
            entries::HOST_API_RUN,
            &script.encode(),
        )
        .unwrap();
    let returns: Vec<HostReturn> =
        parity_scale_codec::Decode::decode(&mut &out.output[..]).unwrap();
    assert_eq!(
        returns,
        vec![
            HostReturn::Unit,
            HostReturn::OptionBytes(Some(b"v".to_vec()))
        ]
    );
}

/// Hand-written hostile modules (committed as `blob_loading` seeds) end in the typed error
/// their construction implies, never a host crash: an endless loop runs out of fuel, endless
/// recursion (with and without locals) hits the call-depth limit, a forged output pointer is
/// out of bounds, and growing memory until refused ends normally.
#[test]
fn hostile_modules_fail_with_typed_errors() {
    use subexec_executor::CallError;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/blob_loading");
    let call = |name: &str| {
        let data = std::fs::read(root.join(format!("{name}.seed"))).unwrap();
        let runtime = blob_input::executor().load(&data[1..]).unwrap();
        runtime.call(&mut subexec_executor::empty_storage(), "Core_version", &[])
    };
    assert!(matches!(
        call("infinite_loop"),
        Err(CallError::OutOfFuel { .. })
    ));
    assert!(matches!(
        call("deep_recursion"),
        Err(CallError::StackOverflow)
    ));
    assert!(matches!(
        call("recursion_with_locals"),
        Err(CallError::StackOverflow)
    ));
    assert!(matches!(
        call("output_out_of_bounds"),
        Err(CallError::OutputOutOfBounds { .. })
    ));
    assert_eq!(call("memory_grow_loop").unwrap().output, Vec::<u8>::new());
}

#[test]
fn block_import_inputs_replay() {
    replay("block_import", subexec_fuzz::block_import::run);
}

#[test]
fn crypto_offchain_inputs_replay() {
    replay("crypto_offchain", subexec_fuzz::crypto_offchain::run);
}

#[test]
fn snapshot_inputs_replay() {
    replay("snapshot", subexec_fuzz::snapshot::run);
}

#[test]
fn state_db_inputs_replay() {
    replay("state_db", subexec_fuzz::state_db::run);
}

/// The committed `state_db` seeds reach every kind of step, crashes with and without damage
/// included, in both state versions.
#[test]
fn state_db_seeds_reach_every_step() {
    use subexec_fuzz::state_db::{parse, Op};
    let mut kinds = std::collections::BTreeSet::new();
    let mut versions = std::collections::BTreeSet::new();
    for (_, data) in inputs("state_db") {
        let Some((version, ops)) = parse(&data) else {
            continue;
        };
        versions.insert(format!("{version:?}"));
        for op in ops {
            kinds.insert(match op {
                Op::Crash { damage, .. } => format!("Crash{}", damage % 4),
                other => format!("{other:?}")
                    .split(['(', ' '])
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            });
        }
    }
    for kind in [
        "Set",
        "Clear",
        "ClearPrefix",
        "KillChild",
        "Append",
        "Start",
        "Rollback",
        "Read",
        "NextKey",
        "Root",
        "Commit",
        "Reopen",
        "Crash0",
        "Crash1",
    ] {
        assert!(kinds.contains(kind), "no seed has a {kind} step: {kinds:?}");
    }
    assert_eq!(versions.len(), 2, "{versions:?}");
}

/// The state-db harness checks what it claims on a hand-made sequence: values in the main
/// and a child trie (short and hashed), an append, a transaction rolled back, commits, a clean
/// reopen, and crash copies without and with damage, in both state versions.
#[test]
fn state_db_sequence_with_crashes_runs() {
    use subexec_fuzz::state_db::{run_ops, Key, Op, Trie, Value};
    use subexec_host_functions::StateVersion;
    let key = |n: &[u8]| Key {
        nibbles: n.to_vec(),
        special: 5,
    };
    let value = |len: u8| Value { len, fill: 9 };
    let ops = vec![
        Op::Set(Trie(0), key(&[0, 1]), value(2)),
        Op::Set(Trie(0), key(&[0, 2]), value(200)),
        Op::Set(Trie(3), key(&[1]), value(3)),
        Op::Append(key(&[3]), vec![4, 1]),
        Op::Commit,
        Op::Start,
        Op::Set(Trie(0), key(&[0, 1]), value(7)),
        Op::Rollback,
        Op::ClearPrefix(Trie(0), key(&[0]), Some(1)),
        Op::Root,
        Op::Commit,
        Op::Reopen,
        Op::Read(Trie(0), key(&[0, 2])),
        Op::NextKey(Trie(0), key(&[])),
        Op::Crash {
            damage: 0,
            file: 0,
            cut: 0,
        },
        Op::KillChild(0, None),
        Op::Commit,
        Op::Crash {
            damage: 3,
            file: 0,
            cut: 30_000,
        },
        Op::Crash {
            damage: 2,
            file: 1,
            cut: 0,
        },
    ];
    for version in [StateVersion::V0, StateVersion::V1] {
        run_ops(version, &ops);
    }
}

/// The crypto harness's pointers reach the host: undamaged signatures of every scheme verify
/// (result 1) and damaged ones do not (0), as `sp-core` says.
#[test]
fn crypto_offchain_verifies_real_signatures() {
    use subexec_fuzz::crypto_offchain::{run_ops, Damage, Op, VerifyKind};
    let kinds = [
        VerifyKind::Ed25519,
        VerifyKind::Sr25519V1,
        VerifyKind::Sr25519V2,
        VerifyKind::EcdsaV1,
        VerifyKind::EcdsaV2,
        VerifyKind::EcdsaPrehashed,
    ];
    let mut ops = Vec::new();
    for kind in kinds {
        for damage in [
            Damage::None,
            Damage::Signature(3, 0x10),
            Damage::OtherSigner(1),
        ] {
            ops.push(Op::Verify {
                kind,
                signer: 0,
                message: b"subexec".to_vec(),
                damage,
            });
        }
    }
    let results = run_ops(&ops).unwrap_or_else(|e| panic!("the call fails: {e}"));
    let expected: Vec<u64> = kinds.iter().flat_map(|_| [1, 0, 0]).collect();
    assert_eq!(results, expected);
    // sp-io 49's deprecated ed25519 batch function fails the call (it re-enters the
    // externalities); subexec says so, naming the function.
    let batch = run_ops(&[Op::Verify {
        kind: VerifyKind::Ed25519Batch,
        signer: 0,
        message: vec![],
        damage: Damage::None,
    }]);
    assert!(
        batch
            .as_ref()
            .is_err_and(|e| e.contains("ext_crypto_ed25519_batch_verify_version_1")),
        "{batch:?}"
    );
}
