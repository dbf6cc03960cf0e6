//! Determinism across processes: the demo workload and a storage-heavy workload, run in two
//! separate processes, give identical digests of everything a node could observe, for the
//! classic and the guest-allocator (RFC-0145) builds of the bundled runtime-guest.
//!
//! The test re-executes its own test binary (`std::env::current_exe()`) twice with
//! [`CHILD_ENV`] set, filtered to this very test; in that mode the test computes the digests
//! and prints them on a line starting with [`MARKER`] instead of spawning. The parent compares
//! both children with each other and with its own in-process digests.
//!
//! Each workload's digest is blake2-256 over the SCALE encoding, call by call, of: the method,
//! the output, the allocator statistics (live, peak, sum, address space), the fuel consumed,
//! the allocation trace, and finally the storage changes (main trie and child tries, in key
//! order). The allocation trace is every allocation and free of the host allocator in order,
//! with its pointer, size class, heap position and call site (`AllocationTrace::to_bytes`,
//! recorded with `CallOptions { trace_allocations: true }`): two processes must hand out the
//! same pointers in the same order. Guest-allocator (RFC-0145) runtimes have no host
//! allocator, so their calls have no trace (encoded as `None`, and the test checks it is
//! absent); their heap is their own memory, which the output, fuel and storage changes cover.

use std::process::Command;

use parity_scale_codec::Encode;
use subexec_cli::demo;
use subexec_executor::{
    blake2_256, empty_storage, CallOptions, CallOutcome, Executor, Runtime, RuntimeMode,
};
use subexec_runtime_blobs::api::{self, entries, BlockSummary, StorageParams, StorageReadSummary};
use subexec_runtime_blobs::{CLASSIC, GUEST_ALLOCATOR};

/// Set in a child process; its value is ignored.
const CHILD_ENV: &str = "SUBEXEC_DETERMINISM_CHILD";
/// Prefix of the line a child prints its digests on.
const MARKER: &str = "determinism-digests:";
/// This test's name, for the child's test filter.
const TEST_NAME: &str = "workloads_are_identical_across_processes";

/// Every call records its allocation trace.
const TRACED: CallOptions = CallOptions {
    trace_allocations: true,
    offchain: None,
    keystore: None,
    record_proof: false,
};

/// Values written and read by the storage-heavy workload.
const STORAGE_COUNT: u32 = 400;
/// Bytes per value of the storage-heavy workload.
const STORAGE_VALUE_SIZE: u32 = 300;

/// Encodes one call's observable result into `transcript`.
fn record(transcript: &mut Vec<u8>, method: &str, outcome: &CallOutcome) {
    method.encode_to(transcript);
    outcome.output.encode_to(transcript);
    let stats = &outcome.allocation_stats;
    (
        stats.bytes_allocated,
        stats.bytes_allocated_peak,
        stats.bytes_allocated_sum,
        stats.address_space_used,
    )
        .encode_to(transcript);
    outcome.fuel_consumed.encode_to(transcript);
    outcome
        .allocation_trace
        .as_ref()
        .map(|trace| trace.to_bytes())
        .encode_to(transcript);
}

/// Runs `calls` in order on fresh storage; returns the transcript and each call's output.
fn run(runtime: &Runtime, calls: &[(&str, Vec<u8>)]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut storage = empty_storage();
    let mut transcript = Vec::new();
    let mut outputs = Vec::new();
    for (method, input) in calls {
        let outcome = runtime
            .call_with(&mut storage, method, input, &TRACED)
            .unwrap_or_else(|e| panic!("{method}: {e}"));
        // Classic calls carry a trace with the input's allocation at least; guest-allocator
        // calls have no host allocator to trace.
        match runtime.mode() {
            RuntimeMode::Classic => assert!(
                outcome
                    .allocation_trace
                    .as_ref()
                    .is_some_and(|trace| !trace.events.is_empty()),
                "{method}: classic calls are traced"
            ),
            RuntimeMode::GuestAllocator => assert!(outcome.allocation_trace.is_none()),
        }
        record(&mut transcript, method, &outcome);
        outputs.push(outcome.output);
    }
    let changes = storage.changes();
    changes.main.encode_to(&mut transcript);
    changes.children.encode_to(&mut transcript);
    (transcript, outputs)
}

/// Digests of the demo and the storage-heavy workloads on the classic and the
/// guest-allocator (RFC-0145) builds of the runtime-guest, checking each did its work.
fn digests() -> Vec<[u8; 32]> {
    let executor = Executor::builder().fuel(Some(1 << 40)).build();
    [CLASSIC, GUEST_ALLOCATOR]
        .into_iter()
        .flat_map(|blob| {
            let runtime = executor.load(blob).expect("the bundled runtime loads");
            workload_digests(&runtime)
        })
        .collect()
}

/// Digests of the demo and the storage-heavy workloads on one runtime.
fn workload_digests(runtime: &Runtime) -> [[u8; 32]; 2] {
    let (demo, outputs) = run(runtime, &demo::calls());
    let summary: BlockSummary = parity_scale_codec::Decode::decode(&mut &outputs[1][..]).unwrap();
    // Of the block's four transfers, the third exceeds its sender's balance (`demo` docs).
    assert_eq!((summary.applied, summary.failed), (3, 1));

    let params = StorageParams {
        count: STORAGE_COUNT,
        value_size: STORAGE_VALUE_SIZE,
    };
    let (storage_heavy, outputs) = run(
        runtime,
        &[
            (entries::BENCH_STORAGE_POPULATE, params.encode()),
            (entries::BENCH_STORAGE_READ, params.encode()),
            (
                entries::HOST_API_RUN,
                vec![api::HostCall::StorageRoot(Some(1))].encode(),
            ),
        ],
    );
    let read: StorageReadSummary =
        parity_scale_codec::Decode::decode(&mut &outputs[1][..]).unwrap();
    assert_eq!(read.found, STORAGE_COUNT);
    assert_eq!(
        read.bytes,
        u64::from(STORAGE_COUNT) * u64::from(STORAGE_VALUE_SIZE)
    );

    [blake2_256(&demo), blake2_256(&storage_heavy)]
}

fn hex(digests: &[[u8; 32]]) -> String {
    digests
        .iter()
        .map(|d| d.iter().map(|b| format!("{b:02x}")).collect::<String>())
        .collect::<Vec<_>>()
        .join(",")
}

fn child_digests() -> String {
    let out = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.split_once(MARKER).map(|(_, digests)| digests))
        .unwrap_or_else(|| panic!("no digest line in the child's output: {stdout}"))
        .trim()
        .to_owned()
}

#[test]
fn workloads_are_identical_across_processes() {
    let digests = hex(&digests());
    if std::env::var_os(CHILD_ENV).is_some() {
        println!("{MARKER}{digests}");
        return;
    }
    let first = child_digests();
    let second = child_digests();
    assert_eq!(first, second, "two processes disagree");
    assert_eq!(first, digests, "a child disagrees with this process");
}
