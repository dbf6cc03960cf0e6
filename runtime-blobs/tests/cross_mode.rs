//! The proof that both ABIs run the same program: every entry point of the classic blob and
//! of the guest-allocator blob, both through `subexec-executor` (abi.md §2 and §3), returns
//! the same bytes and leaves the same storage changes, call after call on one evolving
//! state; and so does every workload of `subexec compare`.

mod common;

use common::{every_entry_inputs, on_big_stack};
use parity_scale_codec::{DecodeAll, Encode};
use subexec_executor::comparison::{self, compare, workloads};
use subexec_executor::{empty_storage, CallError, Executor, HostFunction, RuntimeMode};
use subexec_runtime_blobs::api::{entries, HostReturn, RuntimeVersion};
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
fn classic_only_calls_panic_in_guest_allocator_mode() {
    // The guest build has no allocation-free child read import; it says so instead of
    // importing a host-allocating function (which the executor would refuse at load).
    on_big_stack(|| {
        let calls = vec![subexec_runtime_blobs::api::HostCall::ChildGet(
            b"child".to_vec(),
            b"key".to_vec(),
        )];
        let result = Executor::builder()
            .build()
            .load(GUEST_ALLOCATOR)
            .expect("loads")
            .call(&mut empty_storage(), entries::HOST_API_RUN, &calls.encode());
        assert_eq!(
            result,
            Err(CallError::RuntimePanicked(
                "ChildGet is not supported in guest-allocator mode".into()
            ))
        );
    });
}
