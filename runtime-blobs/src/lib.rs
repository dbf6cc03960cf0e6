//! # subexec-runtime-blobs
//!
//! The `runtime-guest` runtime compiled to wasm by this crate's build script, in both ABIs and
//! two spec versions, plus the SCALE types of its entry points ([`api`], re-exported from
//! `subexec-runtime-guest`).
//!
//! | constant | ABI | spec_version |
//! |---|---|---|
//! | [`CLASSIC`] | classic (abi.md §2): imports `env.memory`, host allocator | 1 |
//! | [`CLASSIC_V2`] | classic | 2 |
//! | [`GUEST_ALLOCATOR`] | RFC-0145 (abi.md §3): own memory, picoalloc | 1 |
//! | [`GUEST_ALLOCATOR_V2`] | RFC-0145 | 2 |
//!
//! All four share `spec_name` ([`api::SPEC_NAME`]), entry names ([`api::entries`]) and
//! input/output encodings; the crate documentation of `subexec-runtime-guest` lists them.
//! The build is reproducible (tests rebuild the blobs in a fresh directory and compare bytes)
//! and uses only MVP + mutable-global wasm without floats (tests validate that too).
#![deny(missing_docs)]

pub use subexec_runtime_guest::api;

/// Classic ABI, spec_version 1.
pub const CLASSIC: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/classic.wasm"));
/// Classic ABI, spec_version 2.
pub const CLASSIC_V2: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/classic_v2.wasm"));
/// Guest-allocator (RFC-0145) ABI, spec_version 1.
pub const GUEST_ALLOCATOR: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/guest_allocator.wasm"));
/// Guest-allocator (RFC-0145) ABI, spec_version 2.
pub const GUEST_ALLOCATOR_V2: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/guest_allocator_v2.wasm"));

/// The ABI a blob was built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Host-side allocator, `(ptr, len) -> i64` entries (abi.md §2).
    Classic,
    /// Guest-side allocator, `(len) -> i64` entries (abi.md §3, RFC-0145).
    GuestAllocator,
}

/// One embedded blob with what it was built as.
#[derive(Clone, Copy, Debug)]
pub struct Blob {
    /// Short name, e.g. `"classic_v2"`.
    pub name: &'static str,
    /// ABI.
    pub mode: Mode,
    /// The `spec_version` it reports.
    pub spec_version: u32,
    /// The wasm bytes.
    pub wasm: &'static [u8],
}

/// Every embedded blob.
pub const ALL: [Blob; 4] = [
    Blob {
        name: "classic",
        mode: Mode::Classic,
        spec_version: 1,
        wasm: CLASSIC,
    },
    Blob {
        name: "classic_v2",
        mode: Mode::Classic,
        spec_version: 2,
        wasm: CLASSIC_V2,
    },
    Blob {
        name: "guest_allocator",
        mode: Mode::GuestAllocator,
        spec_version: 1,
        wasm: GUEST_ALLOCATOR,
    },
    Blob {
        name: "guest_allocator_v2",
        mode: Mode::GuestAllocator,
        spec_version: 2,
        wasm: GUEST_ALLOCATOR_V2,
    },
];

/// The blob of `mode` reporting `spec_version` (1 or 2).
pub fn blob(mode: Mode, spec_version: u32) -> Option<&'static [u8]> {
    ALL.iter()
        .find(|blob| blob.mode == mode && blob.spec_version == spec_version)
        .map(|blob| blob.wasm)
}
