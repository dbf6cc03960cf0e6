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
//! | `block_import` | [`block_import`] | mutated real Westend blocks on the real Westend state: typed errors, a refused block changes nothing, deterministic |
//! | `crypto_offchain` | [`crypto_offchain`] | signature, keystore and offchain host functions with a keystore and offchain context; verification equals `sp-core`'s |
//! | `snapshot` | [`snapshot`] | try-runtime snapshot files, raw and well-formed with faults and shared subtrees: typed one-line errors, the state bound, deterministic |
//! | `state_db` | [`state_db`] | operation sequences on the state database equal the in-memory backend; reopen and torn-write copies come back at a committed head |
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
pub mod block_import;
pub mod crypto_offchain;
pub mod host_api;
pub mod host_script;
pub mod outcome;
pub mod raw_host_calls;
pub mod smith;
pub mod snapshot;
pub mod state_db;
