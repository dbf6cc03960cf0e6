//! subexec-fuzz: the logic of the cargo-fuzz targets, kept in a library so that the corpus
//! seeds and the committed crash inputs replay as ordinary tests (`cargo test` in `fuzz/`,
//! stable toolchain, no libFuzzer run needed).
//!
//! Each target in `fuzz_targets/` is a one-line call into a module here:
//!
//! | target | module | what it checks |
//! |---|---|---|
//! | `allocator_differential` | [`allocator_diff`] | subexec's allocator equals `sc-allocator` 39 step by step |
//! | `executor_modules` | [`smith`] + [`outcome`] | wasm-smith modules of both ABIs under both heap strategies: no host crash, bounded, identical twice |
//! | `host_api` | [`host_api`]: [`host_script`] + [`raw_host_calls`] | host calls with valid and invalid pointers, lengths, values, in both ABIs |
//! | `blob_loading` | [`blob_input`] | `Executor::load` + `version()` on hostile blobs |
//!
//! A failed property panics (libFuzzer reports a crash); every other outcome, including every
//! typed error, is a pass. Determinism is checked by running the same input twice and
//! comparing the [`outcome::digest`] of both runs.
//!
//! Modes: `host_script` runs the classic and the guest-allocator (RFC-0145) runtime-guest;
//! the generated modules (`smith`, `raw_host_calls`) come in both ABIs, chosen by a bit of the
//! input, importing what `HostFunction::style()` allows their mode ([`smith::functions_for`]).
//! Every call runs under both heap strategies ([`outcome::STRATEGIES`]).
#![deny(missing_docs)]

pub mod allocator_diff;
pub mod blob_input;
pub mod host_api;
pub mod host_script;
pub mod outcome;
pub mod raw_host_calls;
pub mod smith;
