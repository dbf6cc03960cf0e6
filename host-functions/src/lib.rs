//! The Substrate host API (`env.ext_*`, classic ABI) for subexec, independent of any wasm
//! engine.
//!
//! # Design
//! - **Resolution once, dispatch on an enum.** The executor maps each import name to a
//!   [`HostFunction`] when it loads a module ([`HostFunction::from_name`]), checks its
//!   [`HostFunction::signature`], and on every call hands the variant, the raw [`Value`]
//!   arguments and the guest memory to [`invoke`].
//! - **Open to the ecosystem's own host functions.** Any `sp_wasm_interface::Function` (what
//!   `#[runtime_interface]` generates, e.g. cumulus' `storage_proof_size`) runs on the same
//!   memory and allocator through [`invoke_external`] ([`external`]).
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
//! # Coverage: sp-io 49's `SubstrateHostFunctions` plus cumulus' proof size
//! Every function `sp-io` 49 registers (crypto and keystore: the `crypto` branch) and
//! `ext_storage_proof_size_storage_proof_size_version_1`, with `sp-io`'s signature, results,
//! encodings and trap conditions:
//! - **Offchain** (`ext_offchain_*`): through an embedder-supplied [`OffchainContext`]
//!   ([`HostState::set_offchain`]; one object-safe trait for Substrate's `OffchainWorkerExt`,
//!   `OffchainDbExt` and `TransactionPoolExt`); without one they fail with
//!   [`HostErrorCause::NoOffchainContext`] after reading their arguments, as Substrate panics.
//!   [`InMemoryOffchain`] is the deterministic implementation for tests and the CLI (HTTP
//!   refused as by a node that knows no request).
//! - **Offchain index and transaction index**: need no context (block import writes them);
//!   collected for the node ([`effects`]): index writes transactional with the runtime's
//!   storage transactions, final value per key in key order; index operations in call order.
//! - **Trie**: proofs are verified by `sp-trie` 47's own `verify_trie_proof` with its layouts
//!   V0/V1 — consensus code, not reimplemented. `sp-trie` is a normal dependency *without* its
//!   `std` feature (which adds a Prometheus endpoint, hyper and tokio, and caches); the proof
//!   code is the same. The Keccak roots reuse `storage::trie_root` with a Keccak hasher.
//! - **wasm tracing**: answers as a node without a `tracing` subscriber (`enabled` false,
//!   `enter_span` `0xDEAD`, `tracing`'s no-subscriber id), arguments decoded as `sp-tracing`.
//! - **Shared names.** `sp-io` registers `ext_storage_clear_prefix_version_3`,
//!   `ext_default_child_storage_clear_prefix_version_3` and
//!   `ext_default_child_storage_storage_kill_version_4` with signatures other than RFC-0145's
//!   functions of the same names: [`HostFunction::resolve`] gives a classic runtime `sp-io`'s
//!   and a guest-allocator runtime RFC-0145's.
//! - **Storage proof size**: `u64::MAX` (no proof is recorded).
//!
//! # Where `docs/ABI.md` and the Substrate crates differ (the crates win)
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
//! - `ext_crypto_*` (`functions::crypto`): verification uses the crates and rules `sp-io` 49
//!   and `sp-core` 43 use, version by version (ed25519-zebra, or ed25519-dalek under
//!   [`HostState::set_use_dalek`] as with `UseDalekExt`; sr25519 version 1 also accepts
//!   pre-audit signatures; ecdsa and `secp256k1_ecdsa_recover*` version 1 use libsecp256k1 and
//!   reduce overflowing `r`/`s`, version 2 uses secp256k1 and rejects them). The deprecated
//!   batch functions verify at once and only combine results between `start_batch_verify` and
//!   `finish_batch_verify`; `ed25519_batch_verify_version_1` always fails, because `sp-io` 49's
//!   implementation re-borrows the externalities and panics. Keystore functions need a
//!   [`Keystore`] lent with [`HostState::set_keystore`] and fail without one
//!   ([`HostErrorCause::NoKeystore`]); `MemoryKeystore` (feature `memory-keystore`) derives
//!   keys from secret URIs as Substrate does.
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
//! - `w3f_vectors.rs`: every case of the w3f host-API conformance vectors through the wire
//!   ABI (339 pass, the 48 crypto ones with a `MemoryKeystore`).
//! - `differential_crypto.rs`: every `ext_crypto_*` function against `sp-io` 49 on
//!   `sc-allocator` memory in an `Ext` with extensions: genuine and damaged signatures (flipped
//!   bits, high-S, overflowing `r`/`s`, every recovery byte, small-order and off-curve keys,
//!   pre-audit sr25519, 1 MiB messages, out-of-range pointers), batch sequences, keystore
//!   sequences against `sp-keystore`'s `MemoryKeystore`: same results, same memory.
//! - `genesis.rs`: the node-template raw chain spec gives the third-party genesis state root.
//! - `differential_sp_io.rs`: random call sequences over every host function against `sp-io`
//!   49 itself (with `sc-allocator` 39 and `sp-state-machine` 0.54, and `sp-core`'s offchain
//!   extensions): same results, same linear memory byte for byte, same storage changes, same
//!   offchain storage, index changes and transaction-index operations; trie proofs generated
//!   by `sp-trie`, valid and not; same signatures; and every function `sp-io` 49 registers
//!   (names taken from `sp-io` itself) is implemented with its signature.
//! - `differential_sp_state_machine.rs`: [`StorageState`] against `Ext` + `OverlayedChanges`.
//! - `overlay_model.rs`, `trie_root.rs`: the overlay against a snapshot model, roots against an
//!   independent node encoder; `hostile_input.rs`: no panic and no partial change on failure.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod cost;
mod dispatch;
pub mod effects;
mod error;
pub mod external;
mod functions;
mod host_allocator;
mod host_state;
pub mod keystore;
pub mod logs;
pub mod memory_access;
#[cfg(feature = "memory-keystore")]
mod memory_keystore;
pub mod offchain;
mod registry;
mod runtime_version;
mod stats;
pub mod storage;
mod style;

pub use dispatch::invoke;
pub use effects::{OffchainIndexChange, TransactionIndexOperation};
pub use error::{HostError, HostErrorCause};
pub use external::{invoke_external, ExternalContext};
pub use functions::hashing::{digest, Algorithm as HashAlgorithm};
pub use functions::rfc0145::decode_optional as decode_optional_integer;
pub use host_allocator::{HostAllocator, INPUT_SITE, MAX_TRACE_EVENTS};
pub use host_state::HostState;
pub use host_state::MAX_STORAGE_WRITE_BYTES_PER_CALL;
pub use keystore::{KeyTypeId, Keystore, KeystoreError, Scheme};
pub use logs::{CallLogs, LogLine};
#[cfg(feature = "memory-keystore")]
pub use memory_keystore::MemoryKeystore;
pub use offchain::{InMemoryOffchain, OffchainContext};
pub use registry::HostFunction;
pub use runtime_version::ReadRuntimeVersion;
pub use sp_wasm_interface::{Function, HostFunctions, Signature, Value, ValueType};
pub use stats::HostCallStats;
pub use storage::{StateVersion, StorageState};
pub use style::{FunctionStyle, HostMode};
pub use subexec_allocator::{AllocationStats, AllocationTrace, Memory};
