//! subexec-fuzz: the logic of the cargo-fuzz targets, kept in a library so that the corpus
//! seeds and the committed crash inputs replay as ordinary tests (`cargo test` in `fuzz/`,
//! stable toolchain, no libFuzzer run needed).
//!
//! Each target in `fuzz_targets/` is a one-line call into a module here:
//!
//! | target | module | what it checks |
//! |---|---|---|
//! | `allocator_differential` | [`allocator_diff`] | subexec's allocator equals `sc-allocator` 39 step by step |
//! | `executor_modules` | [`smith`] + [`outcome`] | wasm-smith modules under both heap strategies: no host crash, bounded, identical twice |
//! | `host_api` | [`host_script`] + [`raw_host_calls`] | host calls with valid and invalid pointers, lengths, values |
//! | `blob_loading` | [`blob_input`] | `Executor::load` + `version()` on hostile blobs |
//!
//! A failed property panics (libFuzzer reports a crash); every other outcome, including every
//! typed error, is a pass. Determinism is checked by running the same input twice and
//! comparing the [`outcome::digest`] of both runs.
//!
//! Guest-allocator (RFC-0145) mode: the executor does not run it yet (abi.md §3 is pending
//! there), so the targets run the classic ABI under both heap strategies
//! ([`outcome::STRATEGIES`]); `host_script` already carries the mode so the guest-allocator
//! blob is a one-line addition once the executor loads it.
#![deny(missing_docs)]

pub mod allocator_diff;
pub mod blob_input;
pub mod host_script;
pub mod outcome;
pub mod raw_host_calls;
pub mod smith;
