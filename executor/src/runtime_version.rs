//! The runtime's version as [`Runtime`] reports it: embedded, else from `Core_version`.

use parity_scale_codec::Encode;

use crate::error::VersionError;
use crate::runtime::Runtime;
use crate::version::RuntimeVersion;

impl Runtime {
    /// The runtime's version: from the custom sections, else by calling `Core_version` (on
    /// empty storage; the result is cached with the compiled code).
    ///
    /// # Errors
    /// The `Core_version` call fails or returns bytes that are not a `RuntimeVersion`.
    pub fn version(&self) -> Result<RuntimeVersion, VersionError> {
        match &self.prepared.embedded_version {
            Some(version) => Ok(version.clone()),
            None => self.called_version().map(|(_, version)| version),
        }
    }

    /// The SCALE bytes `ext_misc_runtime_version_version_1` reports for this runtime: the
    /// embedded version re-encoded in full, else `Core_version`'s raw output.
    ///
    /// # Errors
    /// As [`Runtime::version`].
    pub fn version_bytes(&self) -> Result<Vec<u8>, VersionError> {
        match &self.prepared.embedded_version {
            Some(version) => Ok(version.encode()),
            None => self.called_version().map(|(bytes, _)| bytes),
        }
    }

    fn called_version(&self) -> Result<(Vec<u8>, RuntimeVersion), VersionError> {
        self.prepared
            .called_version
            .get_or_init(|| {
                let mut storage = crate::empty_storage();
                let outcome = self.call(&mut storage, "Core_version", &[])?;
                let version = RuntimeVersion::decode_core_version_output(&outcome.output)?;
                Ok((outcome.output, version))
            })
            .clone()
    }
}
