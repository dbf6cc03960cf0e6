//! # subexec-runtime-guest
//!
//! A small `no_std` Rust runtime that exercises an executor the way a Substrate runtime does:
//! SCALE-encoded calls, storage under hashed keys, storage transactions, host-side or
//! guest-side allocation. One source builds two ABIs, chosen by a cargo feature:
//!
//! | feature | ABI | memory | allocator | entry point | input |
//! |---|---|---|---|---|---|
//! | `classic` | abi.md §2 | imports `env.memory`, exports `__heap_base` | `ext_allocator_malloc/free_version_1` (+ alignment shim) | `(ptr: i32, len: i32) -> i64` | host-allocated buffer |
//! | `guest-allocator` | abi.md §3 (RFC-0145) | exports `memory` | [`picoalloc`](https://crates.io/crates/picoalloc) | `(len: i32) -> i64` | `ext_input_read_version_1` |
//!
//! `spec-version-2` switches the reported `spec_version` from 1 to 2 (same `spec_name`), for
//! runtime-upgrade tests. `runtime-blobs/build.rs` builds the four combinations for
//! `wasm32v1-none` (MVP + mutable globals: no float or post-MVP instructions are required by
//! anything here, and tests check the blobs contain none).
//!
//! Built for the host without a mode feature, the crate is only [`api`]: the SCALE types of
//! every entry point, shared with tests, benches and the `subexec` CLI.
//!
//! ## Design
//! - [`api`] — entry names and input/output types (always compiled).
//! - `host` — the host functions: `host/shared.rs` declares the imports both ABIs share
//!   (the ones that never allocate on the host), `host/classic.rs` and `host/guest.rs` the
//!   mode-specific ones; both present one safe API (`host::storage_get`, `host::hash`, …) so
//!   the workloads are written once.
//! - `allocator` — the `#[global_allocator]` of each mode.
//! - `entry` — the `entry_points!` macro that exports `extern "C"` functions with the ABI of
//!   the selected mode, decodes the input, runs a workload and returns its encoded output.
//! - `workloads` — the code that runs: `version`, `demo`, `alloc_heavy`, `storage_heavy`,
//!   `compute`, `host_api`, `upgrade`.
//!
//! A workload that receives input it cannot decode panics, exactly like a FRAME runtime
//! ("Bad input data provided to …"); in both modes the panic handler reports the message
//! through `ext_panic_handler_abort_on_panic_version_1` and then executes `unreachable`.
//!
//! ## Entry points
//! Every entry takes the SCALE encoding of its input type and returns the SCALE encoding of
//! its output type; names and encodings are identical in both modes.
//!
//! | export | input | output |
//! |---|---|---|
//! | `Core_version` | nothing (ignored) | [`api::RuntimeVersion`] (Core API version 4 layout) |
//! | `Demo_initialize` | `Vec<(AccountId, u128)>` endowments | `u32` accounts written |
//! | `Demo_execute_block` | [`api::Block`] | [`api::BlockSummary`] |
//! | `Bench_alloc_heavy` | [`api::AllocParams`] | [`api::AllocSummary`] |
//! | `Bench_storage_populate` | [`api::StorageParams`] | `u32` values written |
//! | `Bench_storage_read` | [`api::StorageParams`] | [`api::StorageReadSummary`] |
//! | `Bench_compute` | `u32` iterations | `u64` checksum |
//! | `HostApi_run` | `Vec<`[`api::HostCall`]`>` | `Vec<`[`api::HostReturn`]`>` |
//! | `HostApi_panic` | `String` message | never returns: panics with the message |
//! | `Upgrade_set_code` | `Vec<u8>` new runtime | `()`; writes it under `:code` |
//!
//! ## Demo storage layout (FRAME-like)
//! - `twox_128("Balances") ‖ twox_128("Account") ‖ blake2_128(who) ‖ who` → [`api::AccountInfo`]
//! - `twox_128("System") ‖ twox_128("Number")` → `u32` block number
//! - `twox_128("System") ‖ twox_128("Events")` → `Vec<`[`api::Event`]`>` built with
//!   `ext_storage_append_version_1`
//! - `twox_128("System") ‖ twox_128("EventCount")` → `u32`
//!
//! Storage-heavy values live under `twox_128("Bench") ‖ twox_128("Values") ‖ u32 index (LE)`.
//!
//! ## Where abi.md §3 leaves choices open
//! `host/guest.rs` documents them: `ext_storage_clear_prefix_version_3` and its child forms
//! (`ext_default_child_storage_clear_prefix_version_3`, `…_storage_kill_version_4`) take
//! `limit` as an i64 optional integer (−1 = no limit), no `cursor_in` (all ones), a 128-byte
//! `cursor_out`, three little-endian `u32` counters (backend, unique, loops) and return the
//! continuation cursor's length (0: all removed); `ext_storage_root_version_3(out)` and the
//! child `root_version_3` leave the state version to the host. The changes root has no
//! RFC-0145 form, so that `HostApi_run` call panics in guest-allocator mode.
//!
//! ## Custom sections
//! `runtime_version` holds the SCALE [`api::RuntimeVersion`] with an empty `apis` list and
//! `runtime_apis` the 12-byte records (8-byte id ‖ u32 LE version) of [`api::RUNTIME_APIS`]
//! (abi.md §4).
#![no_std]
#![deny(missing_docs)]

extern crate alloc;

#[cfg(all(feature = "classic", feature = "guest-allocator"))]
compile_error!("features `classic` and `guest-allocator` are mutually exclusive");

pub mod api;

/// True when building an actual runtime blob (a wasm target and a mode feature).
macro_rules! runtime_only {
    ($($item:item)*) => {
        $(
            #[cfg(all(target_family = "wasm", any(feature = "classic", feature = "guest-allocator")))]
            $item
        )*
    };
}

runtime_only! {
    mod allocator;
    mod entry;
    mod host;
    mod panic;
    mod workloads;
}
