//! `Core_version` and the `runtime_version` / `runtime_apis` custom sections.
//!
//! The sections are built at compile time by `const fn`s from the same constants
//! `Core_version` uses ([`crate::api`]), so a host can read the version without running the
//! blob (abi.md §4). `runtime_version` holds the SCALE `RuntimeVersion` with an empty `apis`
//! list; `runtime_apis` one 12-byte record (id ‖ u32 LE version) per API.

use crate::api::{self, RuntimeVersion};

/// The `spec_version` of this build.
pub const SPEC_VERSION: u32 = if cfg!(feature = "spec-version-2") { 2 } else { 1 };

/// `Core_version`: the full runtime version, with the API list.
pub fn core_version(_: ()) -> RuntimeVersion {
    RuntimeVersion::for_spec_version(SPEC_VERSION)
}

/// Length of the SCALE `RuntimeVersion` with empty `apis`: two single-byte compact string
/// lengths, the names, three `u32`, an empty compact vector, a `u32` and a `u8`.
const VERSION_SECTION_LEN: usize =
    1 + api::SPEC_NAME.len() + 1 + api::IMPL_NAME.len() + 3 * 4 + 1 + 4 + 1;

// A single-byte compact length only encodes lengths below 64.
const _: () = assert!(api::SPEC_NAME.len() < 64 && api::IMPL_NAME.len() < 64);

/// Copies `bytes` into `buffer` at `at`; returns the position after them.
const fn put<const N: usize>(buffer: &mut [u8; N], mut at: usize, bytes: &[u8]) -> usize {
    let mut index = 0;
    while index < bytes.len() {
        buffer[at] = bytes[index];
        at += 1;
        index += 1;
    }
    at
}

/// SCALE encoding of [`RuntimeVersion`] with empty `apis`, computed at compile time.
const fn version_section() -> [u8; VERSION_SECTION_LEN] {
    let mut out = [0u8; VERSION_SECTION_LEN];
    let mut at = put(&mut out, 0, &[(api::SPEC_NAME.len() as u8) << 2]);
    at = put(&mut out, at, api::SPEC_NAME.as_bytes());
    at = put(&mut out, at, &[(api::IMPL_NAME.len() as u8) << 2]);
    at = put(&mut out, at, api::IMPL_NAME.as_bytes());
    at = put(&mut out, at, &api::AUTHORING_VERSION.to_le_bytes());
    at = put(&mut out, at, &SPEC_VERSION.to_le_bytes());
    at = put(&mut out, at, &api::IMPL_VERSION.to_le_bytes());
    at = put(&mut out, at, &[0]);
    at = put(&mut out, at, &api::TRANSACTION_VERSION.to_le_bytes());
    at = put(&mut out, at, &[api::SYSTEM_VERSION]);
    assert!(at == VERSION_SECTION_LEN);
    out
}

/// Length of the `runtime_apis` section.
const APIS_SECTION_LEN: usize = api::RUNTIME_APIS.len() * 12;

/// The `runtime_apis` records, computed at compile time.
const fn apis_section() -> [u8; APIS_SECTION_LEN] {
    let mut out = [0u8; APIS_SECTION_LEN];
    let mut at = 0;
    let mut index = 0;
    while index < api::RUNTIME_APIS.len() {
        let (id, version) = api::RUNTIME_APIS[index];
        at = put(&mut out, at, &id);
        at = put(&mut out, at, &version.to_le_bytes());
        index += 1;
    }
    out
}

#[link_section = "runtime_version"]
#[used]
static RUNTIME_VERSION_SECTION: [u8; VERSION_SECTION_LEN] = version_section();

#[link_section = "runtime_apis"]
#[used]
static RUNTIME_APIS_SECTION: [u8; APIS_SECTION_LEN] = apis_section();
