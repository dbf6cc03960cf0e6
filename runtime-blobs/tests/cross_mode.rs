//! The proof that both ABIs run the same program: every entry point of the classic blob and
//! of the guest-allocator blob, both through `subexec-executor` (abi.md §2 and §3), returns
//! the same bytes and leaves the same storage changes, call after call on one evolving
//! state; and so does every workload of `subexec compare`.

mod common;

use common::{every_entry_inputs, on_big_stack};
use parity_scale_codec::{DecodeAll, Encode};
use std::sync::Arc;
use subexec_cli::comparison::{self, compare, workloads};
use subexec_executor::storage::{InMemoryBackend, StateVersion, StorageState};
use subexec_executor::{empty_storage, CallError, Executor, HostFunction, RuntimeMode};
use subexec_runtime_blobs::api::{
    entries, HostCall, HostReturn, KillStorageResult, RuntimeVersion,
};
use subexec_runtime_blobs::{CLASSIC, CLASSIC_V2, GUEST_ALLOCATOR, GUEST_ALLOCATOR_V2};

/// A call's result: output, the runtime's panic message, or a failure outside the runtime.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Output(Vec<u8>),
    Panicked(String),
}

fn outcome(mode: &str, result: Result<Vec<u8>, CallError>) -> Outcome {
    match result {
        Ok(output) => Outcome::Output(output),
        Err(CallError::RuntimePanicked(message)) => Outcome::Panicked(message),
        Err(error) => panic!("{mode} call failed outside the runtime: {error}"),
    }
}

fn compare_modes(classic_wasm: &'static [u8], guest_wasm: &'static [u8]) {
    let executor = Executor::builder().build();
    let classic_runtime = executor.load(classic_wasm).expect("classic loads");
    let guest_runtime = executor.load(guest_wasm).expect("guest-allocator loads");
    assert_eq!(classic_runtime.mode(), RuntimeMode::Classic);
    assert_eq!(guest_runtime.mode(), RuntimeMode::GuestAllocator);
    let mut classic = empty_storage();
    let mut guest = empty_storage();
    for (entry, input) in every_entry_inputs() {
        let from_classic = outcome(
            "classic",
            classic_runtime
                .call(&mut classic, entry, &input)
                .map(|o| o.output),
        );
        let from_guest = outcome(
            "guest",
            guest_runtime
                .call(&mut guest, entry, &input)
                .map(|o| o.output),
        );
        assert_eq!(from_classic, from_guest, "{entry}");
        assert_eq!(
            classic.changes(),
            guest.changes(),
            "storage changes after {entry}"
        );
    }
}

#[test]
fn every_entry_gives_identical_outputs_and_storage_changes_in_both_modes() {
    on_big_stack(|| {
        compare_modes(CLASSIC, GUEST_ALLOCATOR);
        compare_modes(CLASSIC_V2, GUEST_ALLOCATOR_V2);
    });
}

#[test]
fn every_compared_workload_gives_identical_outputs_and_storage_changes() {
    on_big_stack(|| {
        let rows =
            compare(&comparison::executor(), CLASSIC, GUEST_ALLOCATOR, 1).expect("both modes run");
        assert_eq!(rows.len(), workloads().len());
        for (classic, guest) in &rows {
            assert_eq!(classic.mode, RuntimeMode::Classic);
            assert_eq!(guest.mode, RuntimeMode::GuestAllocator);
            assert_eq!(
                classic.outcome.output, guest.outcome.output,
                "{}",
                classic.workload
            );
            assert_eq!(classic.changes, guest.changes, "{}", classic.workload);
            assert!(!classic.outcome.output.is_empty(), "{}", classic.workload);
            // The guest-allocator mode never calls the host allocator; the classic one does.
            assert_eq!(
                guest
                    .outcome
                    .host_calls
                    .calls_of(HostFunction::AllocatorMallocV1),
                0
            );
            assert!(
                classic
                    .outcome
                    .host_calls
                    .calls_of(HostFunction::AllocatorMallocV1)
                    > 0
            );
            assert_eq!(
                guest.outcome.host_calls.calls_of(HostFunction::InputReadV1),
                1
            );
        }
        // Values above the guest's 64-byte first guess are read twice, below it once.
        let reads = |name: &str| {
            let (_, guest) = rows.iter().find(|(c, _)| c.workload == name).expect(name);
            guest
                .outcome
                .host_calls
                .calls_of(HostFunction::StorageReadV2)
        };
        assert_eq!(reads("storage-small"), 200);
        assert_eq!(reads("storage-large"), 400);
    });
}

#[test]
fn the_comparison_covers_real_work() {
    // Guards the tests above against comparing two identical failures: the guest blob does
    // produce the expected version and a HostApi result per call.
    on_big_stack(|| {
        let executor = Executor::builder().build();
        let mut storage = empty_storage();
        let output = executor
            .load(GUEST_ALLOCATOR_V2)
            .expect("loads")
            .call(&mut storage, entries::CORE_VERSION, &[])
            .expect("Core_version runs")
            .output;
        let version = RuntimeVersion::decode_all(&mut &output[..]).expect("decodes");
        assert_eq!(version.spec_version, 2);
        let calls = common::portable_host_calls();
        let output = executor
            .load(GUEST_ALLOCATOR)
            .expect("loads")
            .call(&mut storage, entries::HOST_API_RUN, &calls.encode())
            .expect("HostApi_run runs")
            .output;
        let results = Vec::<HostReturn>::decode_all(&mut &output[..]).expect("decodes");
        assert_eq!(results.len(), calls.len());
        assert!(results.contains(&HostReturn::OptionBytes(Some(vec![0x5a; 200]))));
    });
}

#[test]
fn the_changes_root_panics_in_guest_allocator_mode() {
    // Changes tries are gone and RFC-0145 has no allocation-free changes root; the guest build
    // says so instead of importing a host-allocating function (which the executor would refuse
    // at load).
    on_big_stack(|| {
        let calls = vec![HostCall::StorageChangesRoot(vec![0; 32])];
        let result = Executor::builder()
            .build()
            .load(GUEST_ALLOCATOR)
            .expect("loads")
            .call(&mut empty_storage(), entries::HOST_API_RUN, &calls.encode());
        assert_eq!(
            result,
            Err(CallError::RuntimePanicked(
                "StorageChangesRoot is not supported in guest-allocator mode".into()
            ))
        );
    });
}

/// Child tries written by one call, then committed to the backend like a block's changes,
/// so that limited removals have backend keys to count.
fn child_backend(runtime: &subexec_executor::Runtime) -> InMemoryBackend {
    let mut storage = empty_storage();
    let mut populate = Vec::new();
    for (storage_key, count) in [(&b"kids"[..], 5u8), (b"doomed", 4)] {
        for i in 0..count {
            populate.push(HostCall::ChildSet(
                storage_key.to_vec(),
                vec![b'k', i],
                vec![i; 10 + 30 * i as usize],
            ));
        }
    }
    runtime
        .call(&mut storage, entries::HOST_API_RUN, &populate.encode())
        .expect("populates");
    let mut backend = InMemoryBackend::default();
    backend.apply(&storage.changes(), StateVersion::V1);
    backend
}

/// Reads, next keys, roots and limited removals of child tries, on backend and overlay keys.
fn child_script() -> Vec<HostCall> {
    let kids = b"kids".to_vec();
    let doomed = b"doomed".to_vec();
    let long_key = vec![0xee; 90];
    vec![
        HostCall::ChildGet(kids.clone(), vec![b'k', 0]),
        // 130 bytes: above the guest's 64-byte first guess.
        HostCall::ChildGet(kids.clone(), vec![b'k', 4]),
        HostCall::ChildGet(kids.clone(), b"absent".to_vec()),
        HostCall::ChildRead {
            storage_key: kids.clone(),
            key: vec![b'k', 3],
            offset: 90,
            len: 8,
        },
        HostCall::ChildRead {
            storage_key: kids.clone(),
            key: vec![b'k', 1],
            offset: 2,
            len: 100,
        },
        HostCall::ChildSet(kids.clone(), long_key.clone(), b"long".to_vec()),
        HostCall::ChildNextKey(kids.clone(), vec![b'k', 1]),
        HostCall::ChildNextKey(kids.clone(), vec![b'k', 4]),
        HostCall::ChildNextKey(kids.clone(), long_key),
        HostCall::ChildRoot(kids.clone(), Some(1)),
        HostCall::ChildSet(kids.clone(), vec![b'k', 9], b"overlay".to_vec()),
        HostCall::ChildClearPrefixLimit {
            storage_key: kids.clone(),
            prefix: b"k".to_vec(),
            limit: Some(2),
        },
        HostCall::ChildGet(kids.clone(), vec![b'k', 0]),
        HostCall::ChildGet(kids.clone(), vec![b'k', 2]),
        HostCall::ChildClearPrefixLimit {
            storage_key: kids.clone(),
            prefix: b"k".to_vec(),
            limit: Some(0),
        },
        HostCall::ChildClearPrefixLimit {
            storage_key: kids.clone(),
            prefix: b"k".to_vec(),
            limit: None,
        },
        HostCall::ChildRoot(kids.clone(), Some(1)),
        HostCall::ChildKillLimit {
            storage_key: doomed.clone(),
            limit: Some(1),
            kill_result: false,
        },
        HostCall::ChildKillLimit {
            storage_key: doomed.clone(),
            limit: Some(2),
            kill_result: true,
        },
        HostCall::ChildKillLimit {
            storage_key: doomed.clone(),
            limit: None,
            kill_result: true,
        },
        HostCall::ChildKillLimit {
            storage_key: doomed.clone(),
            limit: None,
            kill_result: false,
        },
        HostCall::ChildExists(doomed.clone(), vec![b'k', 3]),
        HostCall::ChildRoot(doomed, Some(1)),
        HostCall::StorageRoot(Some(1)),
    ]
}

#[test]
fn child_storage_gives_identical_results_and_changes_in_both_modes() {
    // The RFC-0145 child functions (read v2, next_key v2, root v3, clear_prefix v3,
    // storage_kill v4) against the classic ones, on the same backend.
    on_big_stack(|| {
        let executor = Executor::builder().build();
        let classic = executor.load(CLASSIC).expect("classic loads");
        let guest = executor
            .load(GUEST_ALLOCATOR)
            .expect("guest-allocator loads");
        let backend = Arc::new(child_backend(&classic));
        let script = child_script().encode();
        let mut on_classic = StorageState::new(backend.clone());
        let mut on_guest = StorageState::new(backend);
        let from_classic = classic
            .call(&mut on_classic, entries::HOST_API_RUN, &script)
            .expect("classic runs");
        let from_guest = guest
            .call(&mut on_guest, entries::HOST_API_RUN, &script)
            .expect("guest-allocator runs");
        let classic_results =
            Vec::<HostReturn>::decode_all(&mut &from_classic.output[..]).expect("decodes");
        let guest_results =
            Vec::<HostReturn>::decode_all(&mut &from_guest.output[..]).expect("decodes");
        for (i, (c, g)) in classic_results.iter().zip(&guest_results).enumerate() {
            assert_eq!(c, g, "call {i}: {:?}", child_script()[i]);
        }
        assert_eq!(from_classic.output, from_guest.output);
        assert_eq!(on_classic.changes(), on_guest.changes());

        // Both ran the script for real: limits stopped removals, then everything went.
        let results = Vec::<HostReturn>::decode_all(&mut &from_guest.output[..]).expect("decodes");
        assert_eq!(results.len(), child_script().len());
        assert_eq!(results[1], HostReturn::OptionBytes(Some(vec![4; 130])));
        assert_eq!(
            results[11],
            HostReturn::Kill(KillStorageResult::SomeRemaining(2))
        );
        assert_eq!(results[12], HostReturn::OptionBytes(None));
        assert_eq!(
            results[14],
            HostReturn::Kill(KillStorageResult::SomeRemaining(0))
        );
        // Counts are keys visited (sp-io's conversion), deleted ones included.
        assert_eq!(
            results[15],
            HostReturn::Kill(KillStorageResult::AllRemoved(5))
        );
        assert_eq!(results[17], HostReturn::Bool(false));
        assert_eq!(
            results[18],
            HostReturn::Kill(KillStorageResult::SomeRemaining(2))
        );
        assert_eq!(
            results[19],
            HostReturn::Kill(KillStorageResult::AllRemoved(4))
        );
        assert_eq!(results[20], HostReturn::Bool(true));
        assert_eq!(results[21], HostReturn::Bool(false));
        let calls = &from_guest.host_calls;
        for function in [
            HostFunction::DefaultChildStorageReadV2,
            HostFunction::DefaultChildStorageNextKeyV2,
            HostFunction::DefaultChildStorageRootV3,
            HostFunction::DefaultChildStorageClearPrefixV3,
            HostFunction::DefaultChildStorageStorageKillV4,
        ] {
            assert!(calls.calls_of(function) > 0, "{function:?} called");
        }
        assert_eq!(
            from_classic
                .host_calls
                .calls_of(HostFunction::DefaultChildStorageStorageKillV3),
            2
        );
    });
}
