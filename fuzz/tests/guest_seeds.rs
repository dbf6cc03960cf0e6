//! The guest-allocator (RFC-0145) seeds of `executor_modules` and of `host_api`'s raw half:
//! built here, committed under `corpus/`, and checked to be what this code builds (so they
//! can be regenerated: `FUZZ_WRITE_SEEDS=1 cargo test --test guest_seeds`). Also checks that
//! the guest-allocator interpreter really reads its input through `ext_input_read_version_1`
//! and reaches the RFC-0145 functions.

use std::path::Path;

use subexec_executor::CallError;
use subexec_fuzz::raw_host_calls::{record_for, ENTRY};
use subexec_fuzz::{outcome, raw_host_calls, smith};
use subexec_host_functions::{HostErrorCause, HostMode};

const GUEST: HostMode = HostMode::GuestAllocator;

/// `ptr | len << 32`.
fn fat(ptr: u32, len: u32) -> u64 {
    u64::from(ptr) | (u64::from(len) << 32)
}

/// An RFC-0145 optional integer argument.
fn optional(value: Option<u32>) -> u64 {
    value.map_or(u64::MAX, u64::from)
}

/// Records on the guest-allocator interpreter. Data segment at 16:
/// `abcdefgh:child_storage:default:x\01\02\03`; memory from 512 to 4095 is free and zero.
fn records(calls: &[(&str, &[u64])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, args) in calls {
        let record = record_for(GUEST, name, args);
        assert!(!record.is_empty(), "{name} is a guest-allocator function");
        out.extend_from_slice(&record);
    }
    out
}

/// `(file name, host_api input)`: selector 2 = raw half, guest-allocator interpreter.
fn host_api_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let (a, bcde, ab) = (fat(16, 1), fat(17, 4), fat(16, 2));
    let no_cursor = u64::MAX;
    let seeds = [
        (
            "raw_guest_storage.seed",
            records(&[
                ("ext_storage_set_version_1", &[a, bcde]),
                ("ext_storage_read_version_2", &[a, fat(512, 2), 1, 0]),
                ("ext_storage_read_version_2", &[a, fat(512, 2), 1, 1]),
                (
                    "ext_storage_read_version_2",
                    &[fat(18, 1), fat(520, 8), 0, 0],
                ),
                ("ext_storage_next_key_version_2", &[fat(16, 0), fat(530, 8)]),
                ("ext_storage_root_version_3", &[fat(600, 32)]),
                ("ext_hashing_blake2_256_version_2", &[fat(16, 8), 700]),
                ("ext_trie_blake2_256_root_version_3", &[fat(900, 1), 1, 940]),
                (
                    "ext_misc_runtime_version_version_2",
                    &[fat(16, 8), fat(1000, 64)],
                ),
                ("ext_misc_last_cursor_version_1", &[fat(1100, 8)]),
                ("ext_storage_root_version_3", &[fat(600, 31)]),
            ]),
        ),
        (
            "raw_guest_clear_prefix.seed",
            records(&[
                ("ext_storage_set_version_1", &[a, bcde]),
                ("ext_storage_set_version_1", &[ab, fat(18, 1)]),
                (
                    "ext_storage_clear_prefix_version_3",
                    &[a, optional(Some(1)), no_cursor, fat(512, 64), 600],
                ),
                (
                    "ext_storage_clear_prefix_version_3",
                    &[a, optional(None), no_cursor, fat(512, 0), 600],
                ),
                ("ext_misc_last_cursor_version_1", &[fat(700, 0)]),
                (
                    "ext_storage_clear_prefix_version_3",
                    &[a, 1 << 32, no_cursor, fat(512, 64), 600],
                ),
            ]),
        ),
        (
            "raw_guest_child.seed",
            records(&[
                (
                    "ext_default_child_storage_set_version_1",
                    &[a, fat(17, 1), fat(18, 6)],
                ),
                (
                    "ext_default_child_storage_read_version_2",
                    &[a, fat(17, 1), fat(512, 16), 0, 0],
                ),
                (
                    "ext_default_child_storage_next_key_version_2",
                    &[a, fat(16, 0), fat(540, 8)],
                ),
                (
                    "ext_default_child_storage_root_version_3",
                    &[a, fat(600, 32)],
                ),
                (
                    "ext_default_child_storage_clear_prefix_version_3",
                    &[
                        a,
                        fat(17, 0),
                        optional(Some(0)),
                        no_cursor,
                        fat(700, 64),
                        800,
                    ],
                ),
                (
                    "ext_default_child_storage_storage_kill_version_4",
                    &[a, optional(None), no_cursor, fat(700, 64), 800],
                ),
                (
                    "ext_default_child_storage_storage_kill_version_4",
                    &[a, (-2i64) as u64, no_cursor, fat(700, 64), 800],
                ),
            ]),
        ),
        (
            "raw_guest_input_twice.seed",
            records(&[("ext_input_read_version_1", &[fat(512, 3000)])]),
        ),
        (
            "raw_guest_out_of_bounds.seed",
            records(&[(
                "ext_storage_read_version_2",
                &[a, fat(0xFFFF_FFF0, 32), 0, 0],
            )]),
        ),
    ];
    seeds
        .into_iter()
        .map(|(name, body)| (name, [&[2u8][..], &body].concat()))
        .collect()
}

/// `(file name, executor_modules input)`: pseudo-random bytes with the guest-allocator bit
/// (0x40) set in the first byte, chosen so that the generated module loads.
fn executor_modules_seeds() -> Vec<(String, Vec<u8>)> {
    let executor = outcome::executor();
    let mut seeds = Vec::new();
    for seed in 0u32.. {
        let mut data: Vec<u8> = (0..2048u32)
            .map(|i| {
                (i.wrapping_mul(2_246_822_519)
                    .wrapping_add(seed.wrapping_mul(3_266_489_917))
                    >> 11) as u8
            })
            .collect();
        data[0] |= 0x40;
        let Some((mode, wasm, _)) = smith::module_and_input(&data) else {
            continue;
        };
        assert_eq!(mode, GUEST);
        if executor.load(&wasm).is_ok() {
            seeds.push((format!("guest_random_{}.seed", seeds.len()), data));
            if seeds.len() == 4 {
                break;
            }
        }
        assert!(seed < 256, "guest-allocator modules rarely load");
    }
    seeds
}

fn check_or_write(target: &str, seeds: &[(impl AsRef<str>, Vec<u8>)]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let write = std::env::var_os("FUZZ_WRITE_SEEDS").is_some();
    for (name, bytes) in seeds {
        let path = dir.join(name.as_ref());
        if write {
            std::fs::write(&path, bytes).expect("writable corpus");
        }
        let committed = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (FUZZ_WRITE_SEEDS=1 writes it)", path.display()));
        assert!(
            &committed == bytes,
            "{} is stale (FUZZ_WRITE_SEEDS=1 rewrites it)",
            path.display()
        );
    }
}

#[test]
fn committed_guest_seeds_are_the_generated_ones() {
    check_or_write("host_api", &host_api_seeds());
    check_or_write("executor_modules", &executor_modules_seeds());
}

/// The guest-allocator interpreter fetches its input with `ext_input_read_version_1` (once;
/// a second read aborts), and its records reach the RFC-0145 functions: a set, then a
/// `storage_read_version_2` whose optional-integer result (the value's full length from the
/// offset) is the call's output.
#[test]
fn guest_interpreter_reads_its_input_and_calls_the_rfc0145_functions() {
    let runtime = outcome::executor()
        .load(raw_host_calls::interpreter(GUEST))
        .expect("loads");
    let input = records(&[
        ("ext_storage_set_version_1", &[fat(16, 1), fat(17, 4)]),
        (
            "ext_storage_read_version_2",
            &[fat(16, 1), fat(512, 2), 1, 0],
        ),
    ]);
    let mut storage = subexec_executor::empty_storage();
    let outcome = runtime
        .call(&mut storage, ENTRY, &input)
        .expect("the call succeeds");
    // The entry returns the last i64, read_v2's result 3 (the full length from offset 1, not
    // written: 2-byte buffer), which the executor reads as an empty output at pointer 3.
    assert!(outcome.output.is_empty());
    assert_eq!(
        outcome
            .host_calls
            .calls_of(subexec_host_functions::HostFunction::InputReadV1),
        1
    );
    assert_eq!(
        outcome
            .host_calls
            .calls_of(subexec_host_functions::HostFunction::StorageReadV2),
        1
    );
    assert_eq!(
        storage.changes().main.get(&b"a"[..]),
        Some(&Some(b"bcde".to_vec()))
    );
    let twice = records(&[("ext_input_read_version_1", &[fat(512, 3000)])]);
    let error = runtime
        .call(&mut subexec_executor::empty_storage(), ENTRY, &twice)
        .expect_err("a second input read aborts");
    match error {
        CallError::HostFunction(error) => {
            assert_eq!(error.function, "ext_input_read_version_1");
            assert_eq!(error.cause, HostErrorCause::InputAlreadyRead);
        }
        other => panic!("expected the host function's error, got {other}"),
    }
}
