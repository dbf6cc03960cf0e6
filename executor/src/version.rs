//! The runtime's version (`sp_version::RuntimeVersion`), read without running it when possible.
//!
//! Runtimes built with `sp-version`'s macros embed two custom sections:
//! - `runtime_version`: a SCALE `RuntimeVersion` whose `apis` list is empty;
//! - `runtime_apis`: the APIs as 12-byte records, an 8-byte API id then a `u32` LE version.
//!
//! The encoding's last fields depend on the `Core` API's version (id `df6acb689907609b`):
//! `transaction_version` is present from Core 3 (else 1), `system_version` (formerly
//! `state_version`) from Core 4 (else 0). For the sections, the Core version comes from
//! `runtime_apis`, because the embedded `apis` is empty. Without the sections the version is
//! obtained by calling `Core_version` ([`crate::Runtime::version`] does that), whose output
//! carries its own `apis`.

use parity_scale_codec::{Compact, Decode, Encode, Input};

/// An 8-byte runtime API identifier (blake2b-64 of the API trait name).
pub type ApiId = [u8; 8];

/// The id of the `Core` runtime API.
pub const CORE_API_ID: ApiId = [0xdf, 0x6a, 0xcb, 0x68, 0x99, 0x07, 0x60, 0x9b];

/// Name of the custom section holding the SCALE `RuntimeVersion`.
pub const VERSION_SECTION: &str = "runtime_version";
/// Name of the custom section holding the API records.
pub const APIS_SECTION: &str = "runtime_apis";

/// A runtime's version, field for field as `sp_version::RuntimeVersion`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeVersion {
    /// Identifies the chain's runtime (e.g. "node-template").
    pub spec_name: String,
    /// Identifies the implementation.
    pub impl_name: String,
    /// Version of the authorship interface.
    pub authoring_version: u32,
    /// Version of the runtime specification.
    pub spec_version: u32,
    /// Version of the implementation.
    pub impl_version: u32,
    /// The runtime APIs and their versions.
    pub apis: Vec<(ApiId, u32)>,
    /// Version of the transaction format (1 when absent, i.e. Core < 3).
    pub transaction_version: u32,
    /// Version of the state/system layout (0 when absent, i.e. Core < 4).
    pub system_version: u8,
}

/// Why a version could not be read.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum VersionDecodeError {
    /// The `runtime_apis` section's length is not a multiple of 12.
    #[error("custom section `runtime_apis` has length {0}, not a multiple of 12")]
    BadApisSection(usize),
    /// The SCALE bytes do not decode as a `RuntimeVersion`.
    #[error("cannot decode RuntimeVersion: {0}")]
    Scale(String),
}

impl RuntimeVersion {
    /// The version of the `Core` API in `apis`, if listed.
    pub fn core_version(&self) -> Option<u32> {
        core_version_from_apis(&self.apis)
    }

    /// Decodes a SCALE `RuntimeVersion`; `core_version` (when given) decides which optional
    /// trailing fields are present, else the decoded `apis` decide. Trailing bytes are ignored.
    pub fn decode_with_core_version(
        input: &mut &[u8],
        core_version: Option<u32>,
    ) -> Result<Self, VersionDecodeError> {
        decode_with_hint(input, core_version).map_err(|e| VersionDecodeError::Scale(e.to_string()))
    }

    /// Decodes the output of the runtime's `Core_version` call.
    pub fn decode_core_version_output(mut bytes: &[u8]) -> Result<Self, VersionDecodeError> {
        Self::decode_with_core_version(&mut bytes, None)
    }

    /// The version embedded in the custom sections, if the `runtime_version` section exists.
    pub fn from_sections(
        version_section: Option<&[u8]>,
        apis_section: Option<&[u8]>,
    ) -> Result<Option<Self>, VersionDecodeError> {
        let Some(mut version_bytes) = version_section else {
            return Ok(None);
        };
        let apis = apis_section.map(decode_apis_section).transpose()?;
        let core = apis.as_deref().and_then(core_version_from_apis);
        let mut version = Self::decode_with_core_version(&mut version_bytes, core)?;
        if let Some(apis) = apis {
            version.apis = apis;
        }
        Ok(Some(version))
    }
}

/// Full SCALE encoding, every field included (what `sp_version::RuntimeVersion::encode` gives).
impl Encode for RuntimeVersion {
    fn encode_to<O: parity_scale_codec::Output + ?Sized>(&self, dest: &mut O) {
        self.spec_name.encode_to(dest);
        self.impl_name.encode_to(dest);
        self.authoring_version.encode_to(dest);
        self.spec_version.encode_to(dest);
        self.impl_version.encode_to(dest);
        self.apis.encode_to(dest);
        self.transaction_version.encode_to(dest);
        self.system_version.encode_to(dest);
    }
}

/// The version of `Core` in an API list.
pub fn core_version_from_apis(apis: &[(ApiId, u32)]) -> Option<u32> {
    apis.iter()
        .find(|(id, _)| *id == CORE_API_ID)
        .map(|(_, v)| *v)
}

/// Decodes the `runtime_apis` custom section: 12-byte records `id ‖ u32 LE`.
pub fn decode_apis_section(bytes: &[u8]) -> Result<Vec<(ApiId, u32)>, VersionDecodeError> {
    if bytes.len() % 12 != 0 {
        return Err(VersionDecodeError::BadApisSection(bytes.len()));
    }
    Ok(bytes
        .chunks_exact(12)
        .map(|record| {
            let mut id = [0u8; 8];
            id.copy_from_slice(&record[..8]);
            let mut version = [0u8; 4];
            version.copy_from_slice(&record[8..]);
            (id, u32::from_le_bytes(version))
        })
        .collect())
}

fn decode_with_hint(
    input: &mut &[u8],
    core_version: Option<u32>,
) -> Result<RuntimeVersion, parity_scale_codec::Error> {
    let spec_name = String::decode(input)?;
    let impl_name = String::decode(input)?;
    let authoring_version = u32::decode(input)?;
    let spec_version = u32::decode(input)?;
    let impl_version = u32::decode(input)?;
    let apis = decode_api_list(input)?;
    let core = core_version.or_else(|| core_version_from_apis(&apis));
    let transaction_version = if core.is_some_and(|v| v >= 3) {
        u32::decode(input)?
    } else {
        1
    };
    let system_version = if core.is_some_and(|v| v >= 4) {
        u8::decode(input)?
    } else {
        0
    };
    Ok(RuntimeVersion {
        spec_name,
        impl_name,
        authoring_version,
        spec_version,
        impl_version,
        apis,
        transaction_version,
        system_version,
    })
}

/// `Vec<([u8; 8], u32)>` without trusting the length prefix for pre-allocation.
fn decode_api_list(input: &mut &[u8]) -> Result<Vec<(ApiId, u32)>, parity_scale_codec::Error> {
    let len = Compact::<u32>::decode(input)?.0;
    let mut apis = Vec::with_capacity((len as usize).min(input.len() / 12));
    for _ in 0..len {
        let mut id = [0u8; 8];
        input.read(&mut id)?;
        apis.push((id, u32::decode(input)?));
    }
    Ok(apis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(core: u32) -> RuntimeVersion {
        RuntimeVersion {
            spec_name: "x".into(),
            impl_name: "y".into(),
            authoring_version: 1,
            spec_version: 2,
            impl_version: 3,
            apis: vec![(CORE_API_ID, core), ([1; 8], 9)],
            transaction_version: if core >= 3 { 4 } else { 1 },
            system_version: if core >= 4 { 1 } else { 0 },
        }
    }

    #[test]
    fn trailing_fields_follow_the_core_version() {
        for core in [2, 3, 4] {
            let v = sample(core);
            let mut bytes = v.encode();
            // An encoder for an old runtime writes fewer fields; emulate by truncating.
            let drop = match core {
                2 => 5,
                3 => 1,
                _ => 0,
            };
            bytes.truncate(bytes.len() - drop);
            assert_eq!(RuntimeVersion::decode_core_version_output(&bytes), Ok(v));
        }
    }

    #[test]
    fn sections_use_the_apis_section_for_the_hint() {
        let mut v = sample(4);
        let apis = std::mem::take(&mut v.apis);
        let version_section = v.encode();
        let apis_section: Vec<u8> = apis
            .iter()
            .flat_map(|(id, ver)| id.iter().copied().chain(ver.to_le_bytes()))
            .collect();
        let read = RuntimeVersion::from_sections(Some(&version_section), Some(&apis_section))
            .unwrap()
            .unwrap();
        assert_eq!(read.apis, apis);
        assert_eq!(read.system_version, 1);
        assert_eq!(read.transaction_version, 4);
        assert_eq!(
            RuntimeVersion::from_sections(None, Some(&apis_section)),
            Ok(None)
        );
        assert_eq!(
            RuntimeVersion::from_sections(Some(&version_section), Some(&[0; 13])),
            Err(VersionDecodeError::BadApisSection(13))
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(RuntimeVersion::decode_core_version_output(&[0xff; 3]).is_err());
        // A huge claimed API count with no data.
        let mut bytes = vec![4, b'a', 4, b'b'];
        bytes.extend([0; 12]);
        bytes.extend(Compact(u32::MAX).encode());
        assert!(RuntimeVersion::decode_core_version_output(&bytes).is_err());
    }
}
