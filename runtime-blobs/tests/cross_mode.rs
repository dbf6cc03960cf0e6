//! The proof that both ABIs run the same program: every entry point of the classic blob
//! (through `subexec-executor`) and of the guest-allocator blob (through the test host of
//! `common::rfc0145_host`, until the executor implements abi.md §3) returns the same bytes
//! and leaves the same storage changes, call after call on one evolving state.

mod common;

use common::rfc0145_host::{self, GuestCallError};
use common::{every_entry_inputs, on_big_stack};
use parity_scale_codec::{DecodeAll, Encode};
use subexec_executor::{empty_storage, CallError, Executor};
use subexec_runtime_blobs::api::{entries, HostReturn, RuntimeVersion};
use subexec_runtime_blobs::{CLASSIC, CLASSIC_V2, GUEST_ALLOCATOR, GUEST_ALLOCATOR_V2};

/// A call's result with the ABI-specific parts (how the panic is reported) normalised.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Output(Vec<u8>),
    Panicked(String),
    Failed,
}

fn classic_outcome(result: Result<Vec<u8>, CallError>) -> Outcome {
    match result {
        Ok(output) => Outcome::Output(output),
        Err(CallError::RuntimePanicked(message)) => Outcome::Panicked(message),
        Err(error) => panic!("classic call failed outside the runtime: {error}"),
    }
}

fn guest_outcome(result: Result<Vec<u8>, GuestCallError>) -> Outcome {
    match result {
        Ok(output) => Outcome::Output(output),
        Err(GuestCallError::Panicked(message)) => Outcome::Panicked(message),
        Err(GuestCallError::Failed(error)) => {
            eprintln!("guest call failed: {error}");
            Outcome::Failed
        }
    }
}

fn compare_modes(classic_wasm: &'static [u8], guest_wasm: &'static [u8]) {
    let runtime = Executor::builder()
        .build()
        .load(classic_wasm)
        .expect("classic loads");
    let mut classic = empty_storage();
    let mut guest = empty_storage();
    for (entry, input) in every_entry_inputs() {
        let from_classic =
            classic_outcome(runtime.call(&mut classic, entry, &input).map(|o| o.output));
        let from_guest = guest_outcome(rfc0145_host::call(guest_wasm, &mut guest, entry, &input));
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
fn the_comparison_covers_real_work() {
    // Guards the test above against comparing two identical failures: the guest blob does
    // produce the expected version and a HostApi result per call.
    on_big_stack(|| {
        let mut storage = empty_storage();
        let output =
            rfc0145_host::call(GUEST_ALLOCATOR_V2, &mut storage, entries::CORE_VERSION, &[])
                .expect("Core_version runs");
        let version = RuntimeVersion::decode_all(&mut &output[..]).expect("decodes");
        assert_eq!(version.spec_version, 2);
        let calls = common::portable_host_calls();
        let output = rfc0145_host::call(
            GUEST_ALLOCATOR,
            &mut storage,
            entries::HOST_API_RUN,
            &calls.encode(),
        )
        .expect("HostApi_run runs");
        let results = Vec::<HostReturn>::decode_all(&mut &output[..]).expect("decodes");
        assert_eq!(results.len(), calls.len());
        assert!(results.contains(&HostReturn::OptionBytes(Some(vec![0x5a; 200]))));
    });
}

#[test]
fn classic_only_calls_panic_in_guest_allocator_mode() {
    // abi.md §3 has no allocation-free child read; the guest build says so instead of
    // importing a host-allocating function.
    on_big_stack(|| {
        let calls = vec![subexec_runtime_blobs::api::HostCall::ChildGet(
            b"child".to_vec(),
            b"key".to_vec(),
        )];
        let result = rfc0145_host::call(
            GUEST_ALLOCATOR,
            &mut empty_storage(),
            entries::HOST_API_RUN,
            &calls.encode(),
        );
        assert_eq!(
            result,
            Err(GuestCallError::Panicked(
                "ChildGet is not supported in guest-allocator mode".into()
            ))
        );
    });
}
