//! A canonical, byte-exact description of what a call did, and its digest.
//!
//! Two runs of the same input must give byte-identical [`encode_call`] bytes: the output or
//! the error's display string, the storage changes (main trie and child tries, in key order),
//! the allocator statistics and the fuel consumed. The digest is blake2-256 of those bytes.

use std::sync::OnceLock;

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use parity_scale_codec::Encode;
use subexec_executor::storage::StorageChanges;
use subexec_executor::{CallError, CallOutcome, Executor, HeapAllocStrategy, Runtime};

/// Fuel budget of every fuzzed call: bounds the time of one run (host functions are bounded
/// by the memory they read).
pub const FUEL: u64 = 2_000_000;

/// The heap strategies every module runs under: a small static heap and a capped dynamic one
/// (both keep a run's memory at a few MiB).
pub const STRATEGIES: [HeapAllocStrategy; 2] = [
    HeapAllocStrategy::Static { extra_pages: 16 },
    HeapAllocStrategy::Dynamic {
        maximum_pages: Some(128),
    },
];

/// The executor shared by every run of one fuzzing process (metered, missing host functions
/// rejected).
pub fn executor() -> &'static Executor {
    static EXECUTOR: OnceLock<Executor> = OnceLock::new();
    EXECUTOR.get_or_init(|| {
        Executor::builder()
            .fuel(Some(FUEL))
            .heap_alloc_strategy(STRATEGIES[0])
            .cache_capacity(4)
            .build()
    })
}

/// The canonical bytes of one call's result and the storage changes it left.
pub fn encode_call(result: &Result<CallOutcome, CallError>, changes: &StorageChanges) -> Vec<u8> {
    let mut out = Vec::new();
    match result {
        Ok(outcome) => {
            0u8.encode_to(&mut out);
            outcome.output.encode_to(&mut out);
            let stats = &outcome.allocation_stats;
            (
                stats.bytes_allocated,
                stats.bytes_allocated_peak,
                stats.bytes_allocated_sum,
                stats.address_space_used,
            )
                .encode_to(&mut out);
            outcome.fuel_consumed.encode_to(&mut out);
        }
        Err(error) => {
            1u8.encode_to(&mut out);
            error.to_string().encode_to(&mut out);
        }
    }
    changes.main.encode_to(&mut out);
    changes.children.encode_to(&mut out);
    out
}

/// blake2-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    Blake2b::<U32>::digest(bytes).into()
}

/// Calls `method` with `input` on fresh empty storage; returns the canonical bytes.
pub fn call_canonical(runtime: &Runtime, method: &str, input: &[u8]) -> Vec<u8> {
    let mut storage = subexec_executor::empty_storage();
    let result = runtime.call(&mut storage, method, input);
    // The executor turns an engine or host-function panic into an error so a node survives
    // it; for the fuzzer it is a bug to report, so it stays a crash.
    if let Err(
        error @ (CallError::EnginePanicked { .. }
        | CallError::HostFunctionPanicked { .. }
        | CallError::RuntimePoisoned { .. }),
    ) = &result
    {
        panic!("{method}: {error}");
    }
    encode_call(&result, &storage.changes())
}

/// Runs `method(input)` twice under every [`STRATEGIES`] entry and panics if the two runs of
/// one strategy differ in any byte.
pub fn assert_deterministic(runtime: &Runtime, method: &str, input: &[u8]) {
    for strategy in STRATEGIES {
        let runtime = runtime.clone().with_heap_alloc_strategy(strategy);
        let first = call_canonical(&runtime, method, input);
        let second = call_canonical(&runtime, method, input);
        assert!(
            first == second,
            "non-deterministic call of {method} under {strategy:?}: digests {:02x?} vs {:02x?}",
            digest(&first),
            digest(&second)
        );
    }
}
