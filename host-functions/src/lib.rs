//! The Substrate host API (`env.ext_*`, classic ABI) for subexec, independent of any wasm
//! engine.
//!
//! # Design
//! - **Resolution once, dispatch on an enum.** The executor maps each import name to a
//!   [`HostFunction`] when it loads a module ([`HostFunction::from_name`]), checks its
//!   [`HostFunction::signature`], and on every call hands the variant, the raw [`Value`]
//!   arguments and the guest memory to [`invoke`].
//! - **Engine-agnostic memory.** Guest memory is anything implementing
//!   [`subexec_allocator::Memory`]; every access is range-checked in `u64` before a host buffer
//!   is sized from guest input ([`memory_access`]).
//! - **Wire encodings as in `sp-io` 49 / `sp-runtime-interface` 37.** Fat pointers pack the
//!   pointer in the low and the length in the high 32 bits; results of unknown size are
//!   allocated through the call's allocator after the function ran, in Substrate's order.
//! - **Storage as in `sp-state-machine` 0.54.** [`storage::StorageState`] is a node-provided
//!   [`storage::Backend`] under an [`storage::Overlay`] with nested client/runtime
//!   transactions; roots are Substrate's Blake2-256 trie roots, layouts V0 and V1, asked of the
//!   backend as a root after the overlay's delta (`Backend::storage_root(delta)`), so a root
//!   costs the pending changes times the trie depth. Tries are `sp-trie`/`trie-db`
//!   ([`storage::TrieBackend`] over any [`storage::NodeStore`]; [`storage::InMemoryBackend`]).
//! - **Allocation recording.** Every host allocation goes through a [`HostAllocator`]; with a
//!   recorder ([`HostState::record_allocations`]) each allocation and free is recorded with the
//!   name of the host function that made it (or [`INPUT_SITE`]), changing nothing else.
//! - **Hostile input is an error, never a panic.** Every failure is a [`HostError`]
//!   `"<function>: <cause>"`, and a failed host call leaves storage as it was.
//!
//! - **Two ABIs.** The classic functions (abi.md §2) and the RFC-0145 ones (abi.md §3,
//!   `functions::rfc0145`: the host never allocates, results go into guest buffers). Each
//!   function has a [`FunctionStyle`]; a [`HostState`] serves one [`HostMode`] and refuses
//!   the other mode's functions. [`HostCallStats`] counts calls and boundary bytes. The
//!   choices where RFC-0145 is ambiguous are in `docs/MODES.md`.
//!
//! # Where `../shared/spec/abi.md` and the Substrate crates differ (the crates win)
//! - `misc_print_utf8` and the *message* of `logging_log` take `&[u8]`: invalid UTF-8 is
//!   dropped silently, not a trap. The log *target* and the panic message are `&str`: invalid
//!   UTF-8 traps.
//! - `panic_handler_abort_on_panic` records the message ([`HostState::panic_message`]) and
//!   returns normally; `#[trap_on_return]` makes the runtime trap right after (as abi.md says).
//! - State-version and log-level arguments are `PassAs<_, u8>`: the `i32` is truncated to `u8`
//!   first, so `256` means version 0.
//! - `storage_append` only checks the stored value's `Compact<u32>` count prefix (the items
//!   after it are not validated); the count wraps at `u32::MAX` as in release builds.
//! - `storage_set`/`storage_clear` ignore main-trie keys starting with `:child_storage:`, and
//!   `storage_clear_prefix` ignores prefixes colliding with it (including the empty prefix).
//! - `default_child_storage_root` writes the child root into the main trie's overlay, and
//!   answers from the main trie while a main root is cached; `storage_append` does not drop
//!   the cached main root (`sp-state-machine` 0.54 behaviour, reproduced on purpose).
//! - `ext_storage_changes_root_version_1` (always `None`) is provided: the node-template
//!   runtime imports it.
//!
//! # Deliberate differences from Substrate (never visible to a successful call)
//! - Functions that change storage and return a fixed-size result allocate it before changing
//!   storage, so a failed host call never leaves a partial change.
//! - A failing [`storage::Backend`] makes the host call fail; Substrate panics (or, in
//!   `clear_prefix`, stops early and logs).
//! - A deletion of a key the trie does not hold is skipped before it reaches `trie-db`, whose
//!   `remove` panics on some such keys (`tests/trie_delta_bug.rs`); Substrate would panic.
//! - [`storage::InMemoryBackend`] keeps a node set per layout, so its root for a layout is the
//!   root of its pairs under that layout; a node's database (one stored layout) re-encodes only
//!   the touched paths, as `sp-state-machine` does.

//! # Evidence (in `tests/`)
//! - `w3f_vectors.rs`: every in-scope case of the w3f host-API conformance vectors through the
//!   wire ABI (291 pass; the 48 crypto cases are out of scope and listed).
//! - `genesis.rs`: the node-template raw chain spec gives the third-party genesis state root.
//! - `differential_sp_io.rs`: random call sequences over every host function against `sp-io`
//!   49 itself (with `sc-allocator` 39 and `sp-state-machine` 0.54): same results, same
//!   linear memory byte for byte, same storage changes; same signatures.
//! - `differential_sp_state_machine.rs`: [`StorageState`] against `Ext` + `OverlayedChanges`.
//! - `overlay_model.rs`, `trie_root.rs`: the overlay against a snapshot model, roots against an
//!   independent node encoder; `hostile_input.rs`: no panic and no partial change on failure.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod dispatch;
mod error;
mod functions;
mod host_allocator;
mod host_state;
pub mod memory_access;
mod registry;
mod runtime_version;
mod stats;
pub mod storage;
mod style;

pub use dispatch::invoke;
pub use error::{HostError, HostErrorCause};
pub use functions::hashing::{digest, Algorithm as HashAlgorithm};
pub use functions::rfc0145::decode_optional as decode_optional_integer;
pub use host_allocator::{HostAllocator, INPUT_SITE, MAX_TRACE_EVENTS};
pub use host_state::HostState;
pub use registry::HostFunction;
pub use runtime_version::ReadRuntimeVersion;
pub use sp_wasm_interface::{Signature, Value, ValueType};
pub use stats::HostCallStats;
pub use storage::{StateVersion, StorageState};
pub use style::{FunctionStyle, HostMode};
pub use subexec_allocator::{AllocationStats, AllocationTrace, Memory};
