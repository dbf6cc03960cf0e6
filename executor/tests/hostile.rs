//! Hostile blobs and inputs: every outcome is a value, never a panic.

mod common;

use common::*;
use proptest::prelude::*;
use subexec_executor::blob::ZSTD_PREFIX;
use subexec_executor::{Executor, HeapAllocStrategy};

const METHODS: &[&str] = &[
    "echo",
    "input_ptr",
    "malloc",
    "free_twice",
    "append_then_load",
    "out_of_bounds_output",
    "recurse",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A valid runtime with a few bytes overwritten: loads or fails with an error; if it
    /// loads, calls return values.
    #[test]
    fn corrupted_runtime(edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
                         input in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut wasm = runtime_wasm();
        for (at, byte) in edits {
            let i = at.index(wasm.len());
            wasm[i] = byte;
        }
        let executor = Executor::builder()
            .fuel(Some(10_000_000))
            .heap_alloc_strategy(HeapAllocStrategy::Static { extra_pages: 16 })
            .build();
        if let Ok(runtime) = executor.load(&wasm) {
            for method in METHODS {
                let _ = call(&runtime, method, &input);
            }
        }
    }

    /// Arbitrary bytes, with or without the compression prefix.
    #[test]
    fn arbitrary_blob(bytes in prop::collection::vec(any::<u8>(), 0..512), prefixed in any::<bool>()) {
        let blob = if prefixed { [&ZSTD_PREFIX[..], &bytes[..]].concat() } else { bytes };
        let _ = Executor::default().load(&blob);
    }

    /// Arbitrary inputs to every test entry point, under every heap strategy.
    #[test]
    fn arbitrary_inputs(input in prop::collection::vec(any::<u8>(), 0..256), dynamic in any::<bool>()) {
        let strategy = if dynamic {
            HeapAllocStrategy::Dynamic { maximum_pages: Some(64) }
        } else {
            HeapAllocStrategy::Static { extra_pages: 64 }
        };
        let runtime = Executor::builder()
            .fuel(Some(100_000_000))
            .heap_alloc_strategy(strategy)
            .build()
            .load(&runtime_wasm())
            .unwrap();
        for method in METHODS {
            let first = call(&runtime, method, &input);
            // Deterministic: the same call gives the same result.
            prop_assert_eq!(first, call(&runtime, method, &input));
        }
    }
}
